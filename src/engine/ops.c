/* ops.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "ops.h"

#include <math.h>
#include <string.h>

#include "simd.h"

/* dst (8 rows dst_stride apart) = the transpose of src (8 rows src_stride
 * apart): in registers, by interleaving pairs of rows, then pairs of
 * pairs, then halves (24 shuffles where 64 floats went one by one). */
static inline void
transpose_8x8 (const float *src, gsize src_stride, float *dst, gsize dst_stride)
{
  SimdFloats r[8], t[8], u[8];

  for (int i = 0; i < 8; i++)
    r[i] = SIMD_LOAD (src + i * src_stride);
  for (int i = 0; i < 8; i += 2)
    {
      t[i] = __builtin_shufflevector (r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
      t[i + 1] = __builtin_shufflevector (r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
  /* u[h + j], u[h + 2 + j]: columns 2 j and 2 j + 1 (and 4 more) of rows
   * h .. h + 3 */
  for (int h = 0; h < 8; h += 4)
    for (int j = 0; j < 2; j++)
      {
        u[h + j] = __builtin_shufflevector (t[h + j], t[h + 2 + j], 0, 1, 8, 9, 4, 5, 12, 13);
        u[h + 2 + j] = __builtin_shufflevector (t[h + j], t[h + 2 + j], 2, 3, 10, 11, 6, 7, 14, 15);
      }
  /* the halves of the two sets of rows make whole columns */
  for (int i = 0; i < 4; i++)
    {
      static const int column_of[4] = { 0, 2, 1, 3 };

      SIMD_AT (dst + column_of[i] * dst_stride) = __builtin_shufflevector (u[i], u[4 + i], 0, 1, 2, 3, 8, 9, 10, 11);
      SIMD_AT (dst + (column_of[i] + 4) * dst_stride)
        = __builtin_shufflevector (u[i], u[4 + i], 4, 5, 6, 7, 12, 13, 14, 15);
    }
}

SCVAE_VECTORIZED void
scvae__ops_transpose (const float *src, gsize rows, gsize cols, float *dst)
{
  gsize whole_rows = rows / 8 * 8, whole_cols = cols / 8 * 8;

  for (gsize r = 0; r < whole_rows; r += 8)
    for (gsize c = 0; c < whole_cols; c += 8)
      transpose_8x8 (src + r * cols + c, cols, dst + c * rows + r, rows);
  /* the columns past the last 8, then the rows past the last 8 */
  for (gsize r = 0; r < whole_rows; r++)
    for (gsize c = whole_cols; c < cols; c++)
      dst[c * rows + r] = src[r * cols + c];
  for (gsize r = whole_rows; r < rows; r++)
    for (gsize c = 0; c < cols; c++)
      dst[c * rows + r] = src[r * cols + c];
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

/* a where the mask is set, else b */
#define SELECT(mask, a, b) ((SimdFloats) (((SimdInts) (a) & (mask)) | ((SimdInts) (b) & ~(mask))))

/* tanh of the eight floats at x, into y: within 1.5 ulp of the exact
 * value. Below 0.55, an odd polynomial (least squares on tanh(a) / a, in
 * a^2), where 1 - 2 / (e^2a + 1) would lose the leading digits; above,
 * that form, with 2a held to 20, where it is 1 in floats. e^t is
 * e^r 2^k for t = k ln 2 + r, |r| <= ln 2 / 2 (ln 2 in two parts, so
 * k ln 2 is exact), e^r by its Taylor series to r^7 (error below 1e-8)
 * and 2^k put straight into the exponent bits. (A function of pointers,
 * not of vectors: a vector argument's ABI differs between the clones.) */
static inline void
tanh_block (const float *x, float *y)
{
  const SimdInts sign_bit = (SimdInts) { 0 } + (int) 0x80000000u;
  SimdFloats v = SIMD_LOAD (x);
  SimdFloats a = (SimdFloats) ((SimdInts) v & ~sign_bit);
  SimdFloats s = a * a, q = s * 2.395368765e-3f - 8.413468348e-3f;
  SimdFloats t = SELECT (a < 10.f, a + a, (SimdFloats) { 0 } + 20.f);
  SimdInts k = __builtin_convertvector (t * 1.44269504f + 0.5f, SimdInts);
  SimdFloats kf = __builtin_convertvector (k, SimdFloats);
  SimdFloats r = t - kf * 0.693359375f + kf * 2.12194440e-4f;
  SimdFloats e = r * (1.f / 5040) + 1.f / 720, result;

  q = q * s + 2.178262500e-2f;
  q = q * s - 5.395961158e-2f;
  q = q * s + 1.333329335e-1f;
  q = q * s - 3.333333271e-1f;
  e = e * r + 1.f / 120;
  e = e * r + 1.f / 24;
  e = e * r + 1.f / 6;
  e = e * r + 0.5f;
  e = e * r + 1.f;
  e = (e * r + 1.f) * (SimdFloats) ((k + 127) << 23);
  result = SELECT (a < 0.55f, a + a * s * q, 1.f - 2.f / (e + 1.f));
  result = (SimdFloats) ((SimdInts) result | ((SimdInts) v & sign_bit));
  SIMD_AT (y) = SELECT (v == v, result, v); /* NaN stays NaN */
}

/* Eight at a time; the last few through a padded block, so that every
 * element gets the same arithmetic wherever it sits. glibc's tanhf took
 * 17 ns an element, a quarter of decoding. */
SCVAE_VECTORIZED void
scvae__ops_tanh (const float *x, float *y, gsize n)
{
  gsize i = 0;

  for (; i + SIMD_FLOATS <= n; i += SIMD_FLOATS)
    tanh_block (x + i, y + i);
  if (i < n)
    {
      float block[SIMD_FLOATS] = { 0 };

      memcpy (block, x + i, (n - i) * sizeof (float));
      tanh_block (block, block);
      memcpy (y + i, block, (n - i) * sizeof (float));
    }
}

void
scvae__ops_tanh_backward (const float *y, const float *dy, float *dx, gsize n)
{
  for (gsize i = 0; i < n; i++)
    dx[i] = dy[i] * (1.f - y[i] * y[i]);
}
