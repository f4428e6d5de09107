/* dataset-private.h
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "scvae.h"

int scvae__dataset_get_crop (ScvaeDataset *dataset);

/* Writes batch number index (3 x batch x crop x crop, channel-major): a
 * pure function of (seed, index). */
void scvae__dataset_fill_batch (ScvaeDataset *dataset, guint64 seed, gint64 index, int batch, float *out);
