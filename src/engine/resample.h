/* resample.h: dictionary upkeep during training
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

/* Moves dead atoms (fewer than dead_below hits) and the less used of each
 * pair of near-duplicates (|cos| > SCVAE_TWIN_COS) onto the residuals
 * e - ehat of the worst-coded of the P rows, worst first, taking a residual
 * only if it points away (|cos| <= SCVAE_TWIN_COS) from every atom kept or
 * already placed. D is C x K with unit-length columns; hits holds K counts.
 * moved[k] (K, filled in) says which atoms were moved; returns how many. */
int scvae__resample_atoms (float *D, int C, int K, const float *hits, float dead_below,
                           const float *e, const float *ehat, gsize P, gboolean *moved);
