/* project.c: row vectors onto their principal subspace
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Segmentation features are 3 x 256 numbers a patch, and k-means on them
 * spends its time streaming rows through memory. They lie close to a
 * subspace of a few dozen directions: the smoothed histograms vary slowly
 * and the codes are sparse. k-means only sees distances, and any
 * orthonormal basis of that subspace keeps them, so no eigenvectors are
 * needed: a randomized range finder with one power iteration (Halko,
 * Martinsson and Tropp 2011, algorithm 4.4) gives the basis in four GEMMs
 * over a sample. The mean is taken out by rank-one corrections, so the
 * sample is never copied.
 */

#include "config.h"

#include "project.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "rng.h"

/* Columns whose norm falls below this share of the largest are beyond the
 * rows' rank: rounding noise, set to zero rather than amplified. */
#define RANK_TOLERANCE 1e-6

/* Orthonormalises the columns of q (dim x width, row-major) in place, by
 * modified Gram-Schmidt in double, twice ("twice is enough"). */
static void
orthonormalize_columns (float *q, int dim, int width)
{
  g_autofree double *a = g_new (double, (gsize) dim * width);
  double largest = 0.0;

  for (gsize i = 0; i < (gsize) dim * width; i++)
    a[i] = q[i];
  for (int j = 0; j < width; j++)
    {
      double norm = 0.0;

      for (int d = 0; d < dim; d++)
        norm += a[(gsize) d * width + j] * a[(gsize) d * width + j];
      largest = MAX (largest, sqrt (norm));
    }
  for (int pass = 0; pass < 2; pass++)
    for (int j = 0; j < width; j++)
      {
        double norm = 0.0;

        for (int i = 0; i < j; i++)
          {
            double dot = 0.0;

            for (int d = 0; d < dim; d++)
              dot += a[(gsize) d * width + i] * a[(gsize) d * width + j];
            for (int d = 0; d < dim; d++)
              a[(gsize) d * width + j] -= dot * a[(gsize) d * width + i];
          }
        for (int d = 0; d < dim; d++)
          norm += a[(gsize) d * width + j] * a[(gsize) d * width + j];
        norm = sqrt (norm);
        for (int d = 0; d < dim; d++)
          a[(gsize) d * width + j] = norm > RANK_TOLERANCE * largest ? a[(gsize) d * width + j] / norm : 0.0;
      }
  for (gsize i = 0; i < (gsize) dim * width; i++)
    q[i] = (float) a[i];
}

/* out (n x width) = (X - 1 mean^T) B for X n x dim with leading dimension
 * ld, B dim x width. */
static void
centred_times (const float *x, gsize n, int ld, int dim, const float *mean, const float *b, int width, float *out)
{
  g_autofree float *shift = g_new0 (float, width);

  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) n, width, dim, 1.f, x, ld, b, width, 0.f, out,
               width);
  for (int d = 0; d < dim; d++)
    for (int j = 0; j < width; j++)
      shift[j] += mean[d] * b[(gsize) d * width + j];
  for (gsize i = 0; i < n; i++)
    for (int j = 0; j < width; j++)
      out[i * width + j] -= shift[j];
}

/* out (dim x width) = (X - 1 mean^T)^T Y for X n x dim (leading dimension
 * ld), Y n x width. */
static void
centred_transpose_times (const float *x, gsize n, int ld, int dim, const float *mean, const float *y, int width,
                         float *out)
{
  g_autofree double *column_sums = g_new0 (double, width);

  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, dim, width, (int) n, 1.f, x, ld, y, width, 0.f, out,
               width);
  for (gsize i = 0; i < n; i++)
    for (int j = 0; j < width; j++)
      column_sums[j] += y[i * width + j];
  for (int d = 0; d < dim; d++)
    for (int j = 0; j < width; j++)
      out[(gsize) d * width + j] -= (float) (mean[d] * column_sums[j]);
}

float *
scvae__project_rows (const float *rows, gsize n_rows, int dim, int width, int max_sample, guint64 seed,
                     GCancellable *cancellable)
{
  gsize stride = max_sample > 0 && n_rows > (gsize) max_sample ? (n_rows + max_sample - 1) / max_sample : 1;
  gsize n_sample = (n_rows + stride - 1) / stride;
  int ld = (int) (stride * dim);
  g_autofree double *sum = g_new0 (double, dim);
  g_autofree float *mean = g_new (float, dim);
  g_autofree float *basis = g_new (float, (gsize) dim * width);
  g_autofree float *range = g_new (float, n_sample * width);
  g_autofree float *projected = NULL;
  Rng rng;

  g_return_val_if_fail (n_rows > 0 && width > 0 && width <= dim, NULL);

  for (gsize i = 0; i < n_sample; i++)
    for (int d = 0; d < dim; d++)
      sum[d] += rows[i * ld + d];
  for (int d = 0; d < dim; d++)
    mean[d] = (float) (sum[d] / n_sample);

  /* A random start, then one round of (X^T X): the directions of large
   * variance win out over the rest by the square of their ratio. */
  scvae__rng_seed (&rng, seed);
  for (gsize i = 0; i < (gsize) dim * width; i++)
    basis[i] = (float) scvae__rng_normal (&rng);
  for (int round = 0; round < 2; round++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        return NULL;
      centred_times (rows, n_sample, ld, dim, mean, basis, width, range);
      centred_transpose_times (rows, n_sample, ld, dim, mean, range, width, basis);
      orthonormalize_columns (basis, dim, width);
    }
  if (g_cancellable_is_cancelled (cancellable))
    return NULL;

  projected = g_new (float, n_rows * width);
  centred_times (rows, n_rows, dim, dim, mean, basis, width, projected);
  return g_steal_pointer (&projected);
}

double
scvae__projected_variance_share (const float *rows, const float *projected, gsize n_rows, int dim, int width)
{
  g_autofree double *sum = g_new0 (double, dim);
  double total = 0.0, kept = 0.0;

  for (gsize i = 0; i < n_rows; i++)
    for (int d = 0; d < dim; d++)
      {
        sum[d] += rows[i * dim + d];
        total += (double) rows[i * dim + d] * rows[i * dim + d];
      }
  for (int d = 0; d < dim; d++)
    total -= sum[d] * sum[d] / n_rows;
  for (gsize i = 0; i < n_rows * width; i++)
    kept += (double) projected[i] * projected[i];
  return total > 0.0 ? kept / total : 1.0;
}
