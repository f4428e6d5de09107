/* project.h: row vectors onto their principal subspace
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

/* The n_rows x dim row vectors, centred on their mean and expressed in an
 * orthonormal basis of width directions that hold (nearly) the most
 * variance: a new n_rows x width matrix (g_free it). Distances between rows
 * are kept exactly within that subspace, so k-means on the result sees what
 * it would see on the rows, at width / dim of the cost. The basis is found
 * on a regular sample of at most max_sample rows (0: all) and is
 * deterministic for a seed. Columns beyond the rows' rank are zero. NULL
 * only when cancelled. */
float *scvae__project_rows (const float *rows, gsize n_rows, int dim, int width, int max_sample, guint64 seed,
                            GCancellable *cancellable);

/* The share of the sample's variance (about its mean) that the projected
 * rows keep: the sum of their squared norms over that of the centred rows. */
double scvae__projected_variance_share (const float *rows, const float *projected, gsize n_rows, int dim,
                                        int width);
