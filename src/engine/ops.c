/* ops.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "ops.h"

#include <math.h>

void
scvae__ops_transpose (const float *src, gsize rows, gsize cols, float *dst)
{
  /* Blocked so both sides stay in cache. */
  const gsize block = 32;

  for (gsize r0 = 0; r0 < rows; r0 += block)
    for (gsize c0 = 0; c0 < cols; c0 += block)
      {
        gsize r1 = MIN (r0 + block, rows), c1 = MIN (c0 + block, cols);

        for (gsize r = r0; r < r1; r++)
          for (gsize c = c0; c < c1; c++)
            dst[c * rows + r] = src[r * cols + c];
      }
}

void
scvae__ops_relu (const float *x, float *y, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = x[i] > 0.f ? x[i] : 0.f;
}

void
scvae__ops_relu_backward (const float *y, const float *dy, float *dx, gsize n)
{
  for (gsize i = 0; i < n; i++)
    dx[i] += y[i] > 0.f ? dy[i] : 0.f;
}

void
scvae__ops_tanh (const float *x, float *y, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = tanhf (x[i]);
}

void
scvae__ops_tanh_backward (const float *y, const float *dy, float *dx, gsize n)
{
  for (gsize i = 0; i < n; i++)
    dx[i] = dy[i] * (1.f - y[i] * y[i]);
}
