/* gaussian.h: the Gaussian VAE's bottleneck
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two linear heads (1x1 convolutions, C -> C) read every patch's feature e:
 *
 *   mu = W_mu e + b_mu,   logvar = clamp(W_lv e + b_lv, -30, 20)
 *
 * While training, the decoder sees a sample z = mu + exp(logvar / 2) eps,
 * eps ~ N(0, I) (the reparameterisation: eps is kept for backward); at
 * inference it sees mu. The loss adds beta times the KL divergence of
 * N(mu, exp(logvar)) from N(0, I), summed over channels and averaged over
 * patches:
 *
 *   KL = mean over patches of -1/2 sum_c (1 + logvar - mu^2 - exp(logvar))
 *
 * Matrices are patch-major (P x C); the heads' weights are C_out x C_in.
 */

#pragma once

#include <glib.h>


typedef struct {
  int channels;
  const float *mean_weight;     /* C x C */
  const float *mean_bias;       /* C */
  const float *logvar_weight;   /* C x C */
  const float *logvar_bias;     /* C */
} Gaussian;

#define GAUSSIAN_LOGVAR_MIN (-30.f)
#define GAUSSIAN_LOGVAR_MAX 20.f

/* What backward needs, P x C each. */
typedef struct {
  float *mean;
  float *logvar;
  float *noise;   /* eps; NULL at inference */
} GaussianTrace;

/* Computes mean and logvar; with trace->noise (eps, filled by the caller),
 * writes the sample into latent, else the mean. Returns the KL. */
double scvae__gaussian_forward (const Gaussian *gaussian,
                                gsize n_patches,
                                const float *features,
                                GaussianTrace *trace,
                                float *latent);

/* KL as above, from the trace's mean and logvar. */
double scvae__gaussian_kl (int channels, gsize n_patches, const float *mean, const float *logvar);

/* From dlatent (P x C) and the KL's weight beta, accumulates into
 * dfeatures and the heads' gradients (laid out as in Gaussian). dlatent is
 * overwritten (it becomes the gradient at the mean). */
void scvae__gaussian_backward (const Gaussian *gaussian,
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
                               float *scratch);
