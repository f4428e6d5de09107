/* f4-network.h: the f4 SC-VAE in training mode, forward and backward
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Holds every activation backward needs for one batch extent, in one
 * allocation. BatchNorm uses batch statistics and updates its running
 * averages; LISTA runs dense with all T steps kept. Inference goes through
 * ScvaeSession instead (folded BatchNorm, sparse-aware LISTA).
 */

#pragma once

#include "f4-params.h"
#include "lista.h"

typedef struct {
  double total;
  double image;  /* mean((x_hat - x)^2) */
  double latent; /* mean((e - D z)^2) */
  double l1;     /* mean(|z|) */
  double whiten; /* |E[e e^T] - I|_F^2 / C^2 over the batch's patches */
  double center; /* |E[e]|^2 / C over the batch's patches */
  double lifetime; /* sum_k w_k mean(|z_k|) / K, w_k an atom's excess use */
  double active_fraction;
} F4Loss;

typedef struct _F4Network F4Network;

/* An input batch is channel-major: 3 x batch x height x width; height and
 * width are multiples of 4. */
F4Network *scvae__f4_network_new (const F4Layout *layout, int batch, int height, int width);
void scvae__f4_network_free (F4Network *net);

void scvae__f4_network_forward (F4Network *net,
                                const F4Tensors *params,
                                const float *input,
                                F4Loss *loss,
                                Scratch *scratch);

/* Accumulates every parameter gradient into grads; needs the forward just
 * before it on the same input. */
void scvae__f4_network_backward (F4Network *net,
                                 const F4Tensors *params,
                                 const F4Tensors *grads,
                                 const float *input,
                                 Scratch *scratch);

/* How far each forward moves BatchNorm's running statistics towards the
 * batch's (BATCHNORM_MOMENTUM unless set). */
void scvae__f4_network_set_batchnorm_momentum (F4Network *net, float momentum);

/* A Gaussian bottleneck draws its noise from a generator of this seed
 * (0 unless set); with use_noise, it takes the given eps (P x C,
 * patch-major) instead, as the golden test does with PyTorch's. */
void scvae__f4_network_seed_noise (F4Network *net, guint64 seed);
void scvae__f4_network_use_noise (F4Network *net, const float *noise);

/* With mean, a Gaussian bottleneck decodes its mean instead of a sample,
 * as inference does: forward only, for BatchNorm's statistics at the end
 * of training. */
void scvae__f4_network_decode_mean (F4Network *net, gboolean mean);

/* A VQ bottleneck's code of every patch in the last forward (P). */
const int *scvae__f4_network_get_code_index (F4Network *net);

/* Results of the last forward: the reconstruction (3 x B x H x W), encoder
 * features (C x B x H/4 x W/4) and codes (patch-major, B H/4 W/4 x K). */
const float *scvae__f4_network_get_output (F4Network *net);
const float *scvae__f4_network_get_features (F4Network *net);
const float *scvae__f4_network_get_codes (F4Network *net);
/* e and D z of the last forward, patch-major (P x C), and P. */
const float *scvae__f4_network_get_feature_rows (F4Network *net);
const float *scvae__f4_network_get_decoded_rows (F4Network *net);
gsize scvae__f4_network_get_n_patches (F4Network *net);
