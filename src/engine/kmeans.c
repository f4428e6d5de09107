/* kmeans.c: k-means++ and Lloyd iterations for segmenting codes
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An iteration is one pass over the rows, in blocks: a GEMM gives a block's
 * distances to the centroids, |x - c|^2 = |x|^2 - 2 x.c + |c|^2, and each
 * row of the block, still in cache, is added to its cluster's sum for the
 * next centroids. Many rows can be clustered through a regular sample of
 * them (max_rows), every row then going to the nearest centroid.
 */

#include "config.h"

#include "scvae.h"

#include <cblas.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "rng.h"
#include "simd.h"
#include "threads.h"

/* Labels are bytes. */
#define MAX_K 255

static void
row_norms (const float *rows, int n, int dim, double *norms)
{
  for (int i = 0; i < n; i++)
    {
      double s = 0.0;
      for (int d = 0; d < dim; d++)
        s += (double) rows[(gsize) i * dim + d] * rows[(gsize) i * dim + d];
      norms[i] = s;
    }
}

/* Float sums in SIMD_LANES independent lanes, so that the compiler can
 * vectorise them without reordering one long sum. */
#define SIMD_LANES 16

SCVAE_VECTORIZED static double
distance (const float *a, const float *b, int dim)
{
  float lanes[SIMD_LANES] = { 0 }, s = 0.f;
  int d = 0;

  for (; d + SIMD_LANES <= dim; d += SIMD_LANES)
    for (int l = 0; l < SIMD_LANES; l++)
      lanes[l] += (a[d + l] - b[d + l]) * (a[d + l] - b[d + l]);
  for (; d < dim; d++)
    s += (a[d] - b[d]) * (a[d] - b[d]);
  for (int l = 0; l < SIMD_LANES; l++)
    s += lanes[l];
  return s;
}

/* k-means++: each new centre is drawn with probability proportional to the
 * squared distance to the nearest centre so far. */
static void
seed_centroids (const float *rows, int n, int dim, int k, Rng *rng, float *centroids, double *nearest)
{
  int first = scvae__rng_below (rng, n);

  memcpy (centroids, rows + (gsize) first * dim, dim * sizeof (float));
  for (int i = 0; i < n; i++)
    nearest[i] = distance (rows + (gsize) i * dim, centroids, dim);

  for (int c = 1; c < k; c++)
    {
      double total = 0.0, target, acc = 0.0;
      int pick = n - 1;

      for (int i = 0; i < n; i++)
        total += nearest[i];
      target = scvae__rng_uniform (rng) * total;
      for (int i = 0; i < n; i++)
        {
          acc += nearest[i];
          if (acc > target)
            {
              pick = i;
              break;
            }
        }
      /* All points coincide with centres already: any point will do. */
      if (total <= 0.0)
        pick = scvae__rng_below (rng, n);
      memcpy (centroids + (gsize) c * dim, rows + (gsize) pick * dim, dim * sizeof (float));
      for (int i = 0; i < n; i++)
        nearest[i] = MIN (nearest[i], distance (rows + (gsize) i * dim, centroids + (gsize) c * dim, dim));
    }
}

/* Rows per block of assign(): the block's rows are still in the core's own
 * cache when they are added to their clusters' sums. */
#define BLOCK_ROWS 128

SCVAE_VECTORIZED static void
add_row (float *restrict sum, const float *restrict row, int dim)
{
  for (int d = 0; d < dim; d++)
    sum[d] += row[d];
}

/* Assigns every row to its nearest centroid, noting the squared distance
 * to it in nearest; returns the inertia. With sums and counts (k x dim and
 * k, zeroed here), also adds each row to its cluster's sum. products holds
 * BLOCK_ROWS x k floats. */
static double
assign (const float *rows, const double *norms, int n, int dim, int k, const float *centroids,
        float *products, guint8 *labels, double *nearest, float *sums, int *counts)
{
  double centroid_norms[MAX_K];
  double inertia = 0.0;

  row_norms (centroids, k, dim, centroid_norms);
  if (sums)
    {
      memset (sums, 0, (gsize) k * dim * sizeof (float));
      memset (counts, 0, k * sizeof (int));
    }
  for (int start = 0; start < n; start += BLOCK_ROWS)
    {
      int block = MIN (BLOCK_ROWS, n - start);

      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, block, k, dim,
                   1.f, rows + (gsize) start * dim, dim, centroids, dim, 0.f, products, k);
      for (int i = start; i < start + block; i++)
        {
          double best = INFINITY;
          int best_c = 0;

          for (int c = 0; c < k; c++)
            {
              double d = centroid_norms[c] - 2.0 * products[(gsize) (i - start) * k + c];
              if (d < best)
                {
                  best = d;
                  best_c = c;
                }
            }
          labels[i] = best_c;
          nearest[i] = MAX (0.0, best + norms[i]);
          inertia += nearest[i];
          if (sums)
            {
              counts[best_c]++;
              add_row (sums + (gsize) best_c * dim, rows + (gsize) i * dim, dim);
            }
        }
    }
  return inertia;
}

/* The centroids of the clusters whose sums and counts assign() gathered. */
static void
update_centroids (const float *rows, int n, int dim, int k, const float *sums, const int *counts,
                  const double *nearest, float *centroids)
{
  for (int c = 0; c < k; c++)
    {
      if (counts[c] == 0)
        {
          /* An empty cluster takes over the point worst served. */
          int far = 0;
          for (int i = 1; i < n; i++)
            if (nearest[i] > nearest[far])
              far = i;
          memcpy (centroids + (gsize) c * dim, rows + (gsize) far * dim, dim * sizeof (float));
          continue;
        }
      for (int d = 0; d < dim; d++)
        centroids[(gsize) c * dim + d] = sums[(gsize) c * dim + d] / counts[c];
    }
}

/* One restart: Lloyd iterations from its seeds, each restart with its own
 * working memory. */
typedef struct {
  float *centroids;      /* k x dim: the seeds, then the result */
  guint8 *labels;
  double inertia;
} Restart;

typedef struct {
  const float *rows;
  const double *norms;
  int n_rows, dim, k, max_iterations, n_restarts;
  Restart *restarts;
  GCancellable *cancellable;
  gint cancelled;
} KMeansRun;

static void
run_restarts (int part, int n_parts, gpointer data)
{
  KMeansRun *run = data;
  int n = run->n_rows, k = run->k, dim = run->dim;
  g_autofree float *products = g_new (float, (gsize) BLOCK_ROWS * k);
  g_autofree float *sums = g_new (float, (gsize) k * dim);
  g_autofree int *counts = g_new (int, k);
  g_autofree double *nearest = g_new (double, n);
  g_autofree guint8 *previous = g_new (guint8, n);

  for (int r = part; r < run->n_restarts; r += n_parts)
    {
      Restart *restart = &run->restarts[r];
      gboolean converged = FALSE;

      for (int it = 0; it < run->max_iterations && !converged; it++)
        {
          if (g_cancellable_is_cancelled (run->cancellable))
            {
              g_atomic_int_set (&run->cancelled, TRUE);
              return;
            }
          memcpy (previous, restart->labels, n);
          restart->inertia = assign (run->rows, run->norms, n, dim, k, restart->centroids, products,
                                     restart->labels, nearest, sums, counts);
          /* Converged: no point changed cluster, so the centroids are
           * already their clusters' means. */
          converged = it > 0 && memcmp (previous, restart->labels, n) == 0;
          if (!converged)
            update_centroids (run->rows, n, dim, k, sums, counts, nearest, restart->centroids);
        }
      /* Out of iterations: the last update moved the centroids, and the
       * labels must match them again. */
      if (!converged)
        restart->inertia = assign (run->rows, run->norms, n, dim, k, restart->centroids, products,
                                   restart->labels, nearest, NULL, NULL);
    }
}

gboolean
scvae_kmeans (const float *rows,
              int n_rows,
              int dim,
              const ScvaeKMeansOptions *options,
              guint8 *labels,
              float *centroids,
              double *inertia,
              GCancellable *cancellable,
              GError **error)
{
  int k = options->k, n_restarts = MAX (1, options->n_restarts), best = 0;
  g_autofree float *subsample = NULL;
  g_autofree double *norms = NULL, *nearest = NULL;
  g_autofree Restart *restarts = g_new0 (Restart, n_restarts);
  const float *sample = rows;
  int n_sample = n_rows;
  KMeansRun run;
  Rng rng;

  if (k < 1 || k > MAX_K || k > n_rows)
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   _("k must be between 1 and %d (got %d)"), MIN (MAX_K, n_rows), k);
      return FALSE;
    }
  if (options->max_rows >= k && n_rows > options->max_rows)
    {
      int stride = (n_rows + options->max_rows - 1) / options->max_rows;

      n_sample = (n_rows + stride - 1) / stride;
      subsample = g_new (float, (gsize) n_sample * dim);
      for (int i = 0; i < n_sample; i++)
        memcpy (subsample + (gsize) i * dim, rows + (gsize) i * stride * dim, dim * sizeof (float));
      sample = subsample;
    }

  /* Every restart's seeds first, in turn from one generator; then the
   * restarts run on the engine's threads. The result is the same as one
   * restart after another. */
  norms = g_new (double, n_sample);
  nearest = g_new (double, n_sample);
  row_norms (sample, n_sample, dim, norms);
  scvae__rng_seed (&rng, options->seed);
  for (int r = 0; r < n_restarts; r++)
    {
      restarts[r].centroids = g_new (float, (gsize) k * dim);
      restarts[r].labels = g_new0 (guint8, n_sample);
      seed_centroids (sample, n_sample, dim, k, &rng, restarts[r].centroids, nearest);
    }
  run = (KMeansRun) {
    .rows = sample,
    .norms = norms,
    .n_rows = n_sample,
    .dim = dim,
    .k = k,
    .max_iterations = MAX (1, options->max_iterations),
    .n_restarts = n_restarts,
    .restarts = restarts,
    .cancellable = cancellable,
  };
  scvae__parallel_run (MIN (scvae_get_threads (), n_restarts), run_restarts, &run);

  for (int r = 1; r < n_restarts && !run.cancelled; r++)
    if (restarts[r].inertia < restarts[best].inertia)
      best = r;
  if (!run.cancelled && subsample)
    {
      /* Every row to the nearest of the sample's centroids. */
      g_autofree float *products = g_new (float, (gsize) BLOCK_ROWS * k);

      g_free (norms);
      g_free (nearest);
      norms = g_new (double, n_rows);
      nearest = g_new (double, n_rows);
      row_norms (rows, n_rows, dim, norms);
      restarts[best].inertia = assign (rows, norms, n_rows, dim, k, restarts[best].centroids, products, labels,
                                       nearest, NULL, NULL);
    }
  else if (!run.cancelled)
    memcpy (labels, restarts[best].labels, n_rows);
  if (!run.cancelled)
    {
      if (centroids)
        memcpy (centroids, restarts[best].centroids, (gsize) k * dim * sizeof (float));
      if (inertia)
        *inertia = restarts[best].inertia;
    }
  for (int r = 0; r < n_restarts; r++)
    {
      g_free (restarts[r].centroids);
      g_free (restarts[r].labels);
    }
  if (run.cancelled)
    return !g_cancellable_set_error_if_cancelled (cancellable, error);
  return TRUE;
}
