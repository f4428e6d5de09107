/* kmeans.c: k-means++ and Lloyd iterations for segmenting codes
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Distances come from one GEMM per iteration,
 * |x - c|^2 = |x|^2 - 2 x.c + |c|^2, so the cost is that of the codes'
 * dense product with the centroids.
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

SCVAE_VECTORIZED static double
distance (const float *a, const float *b, int dim)
{
  float s = 0.f;

  for (int d = 0; d < dim; d++)
    {
      float t = a[d] - b[d];
      s += t * t;
    }
  return s;
}

/* k-means++: each new centre is drawn with probability proportional to the
 * squared distance to the nearest centre so far. */
static void
seed_centroids (const float *rows, int n, int dim, int k, Rng *rng, float *centroids, double *nearest)
{
  int first = rng_below (rng, n);

  memcpy (centroids, rows + (gsize) first * dim, dim * sizeof (float));
  for (int i = 0; i < n; i++)
    nearest[i] = distance (rows + (gsize) i * dim, centroids, dim);

  for (int c = 1; c < k; c++)
    {
      double total = 0.0, target, acc = 0.0;
      int pick = n - 1;

      for (int i = 0; i < n; i++)
        total += nearest[i];
      target = rng_uniform (rng) * total;
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
        pick = rng_below (rng, n);
      memcpy (centroids + (gsize) c * dim, rows + (gsize) pick * dim, dim * sizeof (float));
      for (int i = 0; i < n; i++)
        nearest[i] = MIN (nearest[i], distance (rows + (gsize) i * dim, centroids + (gsize) c * dim, dim));
    }
}

/* Assigns every row to its nearest centroid, noting the squared distance
 * to it in nearest; returns the inertia. */
static double
assign (const float *rows, const double *norms, int n, int dim, int k, const float *centroids,
        float *products, guint8 *labels, double *nearest)
{
  g_autofree double *centroid_norms = g_new (double, k);
  double inertia = 0.0;

  row_norms (centroids, k, dim, centroid_norms);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, k, dim,
               1.f, rows, dim, centroids, dim, 0.f, products, k);
  for (int i = 0; i < n; i++)
    {
      double best = INFINITY;
      int best_c = 0;

      for (int c = 0; c < k; c++)
        {
          double d = centroid_norms[c] - 2.0 * products[(gsize) i * k + c];
          if (d < best)
            {
              best = d;
              best_c = c;
            }
        }
      labels[i] = best_c;
      nearest[i] = MAX (0.0, best + norms[i]);
      inertia += nearest[i];
    }
  return inertia;
}

SCVAE_VECTORIZED static void
add_row (float *restrict sum, const float *restrict row, int dim)
{
  for (int d = 0; d < dim; d++)
    sum[d] += row[d];
}

static void
update_centroids (const float *rows, int n, int dim, int k, const guint8 *labels,
                  const double *nearest, float *centroids)
{
  g_autofree int *counts = g_new0 (int, k);

  memset (centroids, 0, (gsize) k * dim * sizeof (float));
  for (int i = 0; i < n; i++)
    {
      counts[labels[i]]++;
      add_row (centroids + (gsize) labels[i] * dim, rows + (gsize) i * dim, dim);
    }
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
        centroids[(gsize) c * dim + d] /= counts[c];
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
  int n = run->n_rows, k = run->k;
  g_autofree float *products = g_new (float, (gsize) n * k);
  g_autofree double *nearest = g_new (double, n);
  g_autofree guint8 *previous = g_new (guint8, n);

  for (int r = part; r < run->n_restarts; r += n_parts)
    {
      Restart *restart = &run->restarts[r];

      memset (restart->labels, 0, n);
      for (int it = 0; it < run->max_iterations; it++)
        {
          if (g_cancellable_is_cancelled (run->cancellable))
            {
              g_atomic_int_set (&run->cancelled, TRUE);
              return;
            }
          memcpy (previous, restart->labels, n);
          assign (run->rows, run->norms, n, run->dim, k, restart->centroids, products, restart->labels, nearest);
          /* Converged: no point changed cluster. */
          if (it > 0 && memcmp (previous, restart->labels, n) == 0)
            break;
          update_centroids (run->rows, n, run->dim, k, restart->labels, nearest, restart->centroids);
        }
      /* The last update may have moved centroids: labels match them again. */
      restart->inertia = assign (run->rows, run->norms, n, run->dim, k, restart->centroids, products,
                                 restart->labels, nearest);
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
  g_autofree double *norms = g_new (double, n_rows);
  g_autofree double *nearest = g_new (double, n_rows);
  g_autofree Restart *restarts = g_new0 (Restart, n_restarts);
  KMeansRun run;
  Rng rng;

  if (k < 1 || k > 255 || k > n_rows)
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   _("k must be between 1 and %d (got %d)"), MIN (255, n_rows), k);
      return FALSE;
    }

  /* Every restart's seeds first, in turn from one generator; then the
   * restarts run on the engine's threads. The result is the same as one
   * restart after another. */
  row_norms (rows, n_rows, dim, norms);
  rng_seed (&rng, options->seed);
  for (int r = 0; r < n_restarts; r++)
    {
      restarts[r].centroids = g_new (float, (gsize) k * dim);
      restarts[r].labels = g_new (guint8, n_rows);
      seed_centroids (rows, n_rows, dim, k, &rng, restarts[r].centroids, nearest);
    }
  run = (KMeansRun) {
    .rows = rows,
    .norms = norms,
    .n_rows = n_rows,
    .dim = dim,
    .k = k,
    .max_iterations = MAX (1, options->max_iterations),
    .n_restarts = n_restarts,
    .restarts = restarts,
    .cancellable = cancellable,
  };
  parallel_run (MIN (scvae_get_threads (), n_restarts), run_restarts, &run);

  for (int r = 1; r < n_restarts && !run.cancelled; r++)
    if (restarts[r].inertia < restarts[best].inertia)
      best = r;
  if (!run.cancelled)
    {
      memcpy (labels, restarts[best].labels, n_rows);
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
