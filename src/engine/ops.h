/* ops.h: element-wise and layout helpers shared by the networks
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

/* dst (cols x rows) = transpose of src (rows x cols). */
void scvae__ops_transpose (const float *src, gsize rows, gsize cols, float *dst);

void scvae__ops_relu (const float *x, float *y, gsize n);
/* dx += dy where y > 0 (y is the ReLU output). */
void scvae__ops_relu_backward (const float *y, const float *dy, float *dx, gsize n);
void scvae__ops_tanh (const float *x, float *y, gsize n);
/* dx = dy (1 - y^2), y the tanh output; dx may be dy. */
void scvae__ops_tanh_backward (const float *y, const float *dy, float *dx, gsize n);
