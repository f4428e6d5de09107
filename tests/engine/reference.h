/* reference.h: plain double-precision versions of the layers, for tests
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Written as directly from the definitions as possible (no im2col, no
 * GEMM, no layout tricks), so that they can be trusted as the yardstick the
 * fast float kernels are measured against, and differentiated by finite
 * differences without float rounding noise.
 */

#pragma once

#include <glib.h>

#include "conv.h"

/* Channel-major activations as in the engine: [C][B][H][W]. */
void ref_conv (const ConvSpec *spec, const double *w, const double *b,
               const double *x, Extent in, double *y);

/* BatchNorm with batch statistics (biased variance, eps 1e-5). */
void ref_batchnorm_train (int channels, gsize n, const double *x,
                          const double *weight, const double *bias, double *y);

/* LISTA as in lista.h: E is P x C, D is C x K, Z (out) is P x K. */
void ref_lista (int C, int K, gsize P, int depth, double beta_s,
                const double *D, double c, const double *E, double *Z);

/* Central finite differences of loss() with respect to every element of x
 * (or a sample of at most max_checks of them, whose indices are returned in
 * checked); returns the number of entries filled in grad/checked. */
typedef double (*RefLoss) (gpointer data);
gsize ref_finite_differences (RefLoss loss, gpointer data, double *x, gsize n,
                              double eps, gsize max_checks, guint64 seed,
                              double *grad, gsize *checked);
