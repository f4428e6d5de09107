/* conv-taps.h: a convolution as a sum of shifted products, computed directly
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * conv.c turns every forward convolution it can into taps over a padded
 * grid: out = sum over taps t of W_t (cout x cin) times the input shifted
 * by offsets[t]. Done as one cblas_sgemm per tap, OpenBLAS packs the same
 * input again for each tap (nine times for a 3x3 kernel) and each product
 * is only cin deep. This kernel reads the input in place, sums all taps in
 * registers and stores each output once.
 */

#pragma once

#include <glib.h>

#include "scratch.h"

/* Floats past the last position the kernel may read (and ignore) in every
 * input channel: the callers' buffers keep that much spare. */
#define CONV_TAPS_OVERREAD 128

/* out[co * n + j] = sum over t < n_taps, ci < cin of
 *   weights[(t * cout + co) * cin + ci] * in[ci * in_stride + offsets[t] + j]
 * for j < n. Runs on the engine's threads unless called from one of them.
 * Uses the kernel scratch slot 2. */
void scvae__conv_taps (int cout, int cin, int n_taps, const float *weights, const gsize *offsets,
                       const float *in, gsize in_stride, gsize n, float *out, Scratch *scratch);
