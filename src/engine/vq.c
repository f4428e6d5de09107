/* vq.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "vq.h"

#include "losses.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* Patches whose distances to every code are held at once (x K floats). */
#define VQ_CHUNK 1024
/* Laplace smoothing of the codes' counts, so that an unused code's vector
 * stays finite. */
#define VQ_EMA_EPSILON 1e-5

double
scvae__vq_forward (const Vq *vq,
                   gsize n_patches,
                   const float *features,
                   int *index,
                   float *quantized,
                   Scratch *scratch)
{
  int C = vq->channels, K = vq->atoms;
  float *norms = scvae__scratch_get (scratch, 0, K);
  float *dots = scvae__scratch_get (scratch, 1, (gsize) VQ_CHUNK * K);
  double total = 0.0;

  for (int k = 0; k < K; k++)
    {
      double sum = 0.0;

      for (int i = 0; i < C; i++)
        sum += (double) vq->codebook[(gsize) i * K + k] * vq->codebook[(gsize) i * K + k];
      norms[k] = (float) sum;
    }

  /* |e - E_k|^2 = |e|^2 - 2 e.E_k + |E_k|^2, and |e|^2 does not pick. */
  for (gsize p0 = 0; p0 < n_patches; p0 += VQ_CHUNK)
    {
      gsize n = MIN ((gsize) VQ_CHUNK, n_patches - p0);

      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, K, C,
                   -2.f, features + p0 * C, C, vq->codebook, K, 0.f, dots, K);
      for (gsize p = 0; p < n; p++)
        {
          const float *row = dots + p * K;
          const float *e = features + (p0 + p) * C;
          float *q = quantized + (p0 + p) * C;
          int best = 0;
          float best_distance = row[0] + norms[0];

          for (int k = 1; k < K; k++)
            if (row[k] + norms[k] < best_distance)
              {
                best = k;
                best_distance = row[k] + norms[k];
              }
          index[p0 + p] = best;
          for (int i = 0; i < C; i++)
            {
              q[i] = vq->codebook[(gsize) i * K + best];
              total += ((double) e[i] - q[i]) * ((double) e[i] - q[i]);
            }
        }
    }
  return total;
}

void
scvae__vq_backward (int channels,
                    gsize n_patches,
                    const float *features,
                    const float *quantized,
                    const float *dquantized,
                    float beta,
                    float *dfeatures)
{
  gsize n = n_patches * channels;

  for (gsize i = 0; i < n; i++)
    dfeatures[i] += dquantized[i];
  scvae__loss_mse_backward (features, quantized, n, beta, dfeatures, NULL);
}

void
scvae__vq_ema_init (VqEma *ema, const float *codebook)
{
  for (int k = 0; k < ema->atoms; k++)
    ema->counts[k] = 1.f;
  memcpy (ema->sums, codebook, (gsize) ema->channels * ema->atoms * sizeof (float));
}

/* E_k = M_k / N_k, N Laplace-smoothed and rescaled to its own total. */
static void
write_codebook (const VqEma *ema, float *codebook)
{
  int C = ema->channels, K = ema->atoms;
  double total = 0.0;

  for (int k = 0; k < K; k++)
    total += ema->counts[k];
  for (int k = 0; k < K; k++)
    {
      double smoothed = (ema->counts[k] + VQ_EMA_EPSILON) / (total + K * VQ_EMA_EPSILON) * total;

      for (int i = 0; i < C; i++)
        codebook[(gsize) i * K + k] = (float) (ema->sums[(gsize) i * K + k] / smoothed);
    }
}

void
scvae__vq_ema_update (VqEma *ema,
                      gsize n_patches,
                      const float *features,
                      const int *index,
                      float *codebook)
{
  int C = ema->channels, K = ema->atoms;
  double keep = ema->decay, take = 1.0 - ema->decay;
  g_autofree double *counts = g_new0 (double, K);
  g_autofree double *sums = g_new0 (double, (gsize) C * K);

  /* The batch's share summed in double, then added to the averages. */
  for (gsize p = 0; p < n_patches; p++)
    {
      int k = index[p];

      counts[k] += 1.0;
      for (int i = 0; i < C; i++)
        sums[(gsize) i * K + k] += features[p * C + i];
    }
  for (int k = 0; k < K; k++)
    ema->counts[k] = (float) (keep * ema->counts[k] + take * counts[k]);
  for (gsize i = 0; i < (gsize) C * K; i++)
    ema->sums[i] = (float) (keep * ema->sums[i] + take * sums[i]);
  write_codebook (ema, codebook);
}

typedef struct {
  gsize patch;
  double error;
} PatchError;

static int
worse_first (gconstpointer a, gconstpointer b)
{
  const PatchError *x = a, *y = b;

  if (x->error != y->error)
    return x->error < y->error ? 1 : -1;
  return x->patch < y->patch ? -1 : x->patch > y->patch;
}

int
scvae__vq_restart_dead (VqEma *ema,
                        gsize n_patches,
                        const float *features,
                        const float *quantized,
                        double dead_below,
                        float *codebook)
{
  int C = ema->channels, K = ema->atoms, restarted = 0;
  g_autofree PatchError *worst = g_new (PatchError, n_patches);

  for (gsize p = 0; p < n_patches; p++)
    {
      double error = 0.0;

      for (int i = 0; i < C; i++)
        error += ((double) features[p * C + i] - quantized[p * C + i])
                 * ((double) features[p * C + i] - quantized[p * C + i]);
      worst[p] = (PatchError) { p, error };
    }
  qsort (worst, n_patches, sizeof *worst, worse_first);

  for (int k = 0; k < K && (gsize) restarted < n_patches; k++)
    {
      const float *e;

      if (ema->counts[k] >= dead_below)
        continue;
      e = features + worst[restarted++].patch * C;
      ema->counts[k] = 1.f;
      for (int i = 0; i < C; i++)
        ema->sums[(gsize) i * K + k] = e[i];
    }
  if (restarted > 0)
    write_codebook (ema, codebook);
  return restarted;
}

double
scvae__vq_perplexity (const guint64 *counts, int atoms)
{
  double total = 0.0, entropy = 0.0;

  for (int k = 0; k < atoms; k++)
    total += (double) counts[k];
  if (total == 0.0)
    return 0.0;
  for (int k = 0; k < atoms; k++)
    if (counts[k] > 0)
      {
        double p = counts[k] / total;

        entropy -= p * log (p);
      }
  return exp (entropy);
}

int
scvae__vq_unused (const guint64 *counts, int atoms)
{
  int unused = 0;

  for (int k = 0; k < atoms; k++)
    unused += counts[k] == 0;
  return unused;
}
