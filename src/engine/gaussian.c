/* gaussian.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "gaussian.h"

#include "scvae.h"

#include <cblas.h>
#include <math.h>

/* out (P x C) = x (P x C) W^T + b */
static void
linear (int C, gsize P, const float *x, const float *weight, const float *bias, float *out)
{
  for (gsize p = 0; p < P; p++)
    for (int i = 0; i < C; i++)
      out[p * C + i] = bias[i];
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, P, C, C, 1.f, x, C, weight, C, 1.f, out, C);
}

double
scvae__gaussian_kl (int channels, gsize n_patches, const float *mean, const float *logvar)
{
  gsize n = n_patches * channels;
  double sum = 0.0;

  for (gsize i = 0; i < n; i++)
    sum += -0.5 * (1.0 + logvar[i] - (double) mean[i] * mean[i] - exp (logvar[i]));
  return n_patches ? sum / n_patches : 0.0;
}

double
scvae__gaussian_forward (const Gaussian *gaussian,
                         gsize n_patches,
                         const float *features,
                         GaussianTrace *trace,
                         float *latent)
{
  int C = gaussian->channels;
  gsize n = n_patches * C;

  linear (C, n_patches, features, gaussian->mean_weight, gaussian->mean_bias, trace->mean);
  linear (C, n_patches, features, gaussian->logvar_weight, gaussian->logvar_bias, trace->logvar);
  for (gsize i = 0; i < n; i++)
    trace->logvar[i] = CLAMP (trace->logvar[i], GAUSSIAN_LOGVAR_MIN, GAUSSIAN_LOGVAR_MAX);

  for (gsize i = 0; i < n; i++)
    latent[i] = trace->noise ? trace->mean[i] + expf (0.5f * trace->logvar[i]) * trace->noise[i] : trace->mean[i];
  return scvae__gaussian_kl (C, n_patches, trace->mean, trace->logvar);
}

/* dweight (C x C) += dout^T x, dbias += column sums of dout, dx += dout W */
static void
linear_backward (int C, gsize P, const float *x, const float *weight, const float *dout,
                 float *dx, float *dweight, float *dbias)
{
  for (gsize p = 0; p < P; p++)
    for (int i = 0; i < C; i++)
      dbias[i] += dout[p * C + i];
  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, C, C, P, 1.f, dout, C, x, C, 1.f, dweight, C);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, P, C, C, 1.f, dout, C, weight, C, 1.f, dx, C);
}

void
scvae__gaussian_backward (const Gaussian *gaussian,
                          gsize n_patches,
                          const float *features,
                          const GaussianTrace *trace,
                          float beta,
                          float *dlatent,
                          float *dfeatures,
                          float *dmean_weight,
                          float *dmean_bias,
                          float *dlogvar_weight,
                          float *dlogvar_bias,
                          float *scratch)
{
  int C = gaussian->channels;
  gsize n = n_patches * C;
  float kl_scale = n_patches ? beta / (float) n_patches : 0.f;
  float *dlogvar = scratch;

  for (gsize i = 0; i < n; i++)
    {
      float logvar = trace->logvar[i];
      /* z = mu + exp(logvar / 2) eps; KL per element -1/2 (1 + lv - mu^2 - e^lv) */
      float through_sample = trace->noise ? dlatent[i] * trace->noise[i] * 0.5f * expf (0.5f * logvar) : 0.f;
      gboolean clamped = logvar <= GAUSSIAN_LOGVAR_MIN || logvar >= GAUSSIAN_LOGVAR_MAX;

      dlogvar[i] = clamped ? 0.f : through_sample + kl_scale * 0.5f * (expf (logvar) - 1.f);
      dlatent[i] += kl_scale * trace->mean[i];
    }
  linear_backward (C, n_patches, features, gaussian->mean_weight, dlatent, dfeatures, dmean_weight, dmean_bias);
  linear_backward (C, n_patches, features, gaussian->logvar_weight, dlogvar, dfeatures, dlogvar_weight,
                   dlogvar_bias);
}

void
scvae_channel_moments_add (const float *codes, gsize n_patches, int channels, double *sums, double *squares)
{
  for (gsize p = 0; p < n_patches; p++)
    for (int c = 0; c < channels; c++)
      {
        double v = codes[p * channels + c];

        sums[c] += v;
        squares[c] += v * v;
      }
}

int
scvae_active_channels (const double *sums, const double *squares, int channels, guint64 n_patches)
{
  int active = 0;

  for (int c = 0; c < channels && n_patches > 1; c++)
    {
      double average = sums[c] / n_patches;

      active += squares[c] / n_patches - average * average > SCVAE_ACTIVE_UNIT_VARIANCE;
    }
  return active;
}
