/* vq.h: vector quantisation, the VQ-VAE bottleneck
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every patch's feature e (C floats) is replaced by the nearest vector of a
 * codebook of K (van den Oord et al. 2017):
 *
 *   k(e) = argmin_k |e - E_k|^2   (on a tie, the lowest k),   q = E_k(e)
 *
 * The codebook E is C x K like LISTA's dictionary (columns are the codes),
 * so code k is "atom" k wherever the rest of the program shows atoms, and q
 * is D z for the one-hot z. Training passes the decoder's gradient at q to
 * e unchanged (straight-through) and adds the commitment loss
 *
 *   commitment = mean over patches and channels of (e - sg(q))^2,
 *
 * (scvae__loss_mse of e and q) weighted by beta. The codebook is not
 * learnt by gradient but follows the features it is given, by exponential
 * moving averages (the paper's
 * appendix): per code, the count of patches N_k and the sum of their
 * features M_k decay by gamma and take the batch's, and E_k = M_k / N_k
 * with Laplace-smoothed counts. A code whose count falls below a threshold
 * is dead and restarts on one of the batch's worst-coded features.
 * Matrices are patch-major: features and q are P x C.
 */

#pragma once

#include <glib.h>

#include "scratch.h"

typedef struct {
  int channels;
  int atoms;
  const float *codebook; /* C x K, row-major */
} Vq;

/* The nearest code of every patch into index (P), and q (P x C); returns
 * the sum over patches of |e - q|^2. */
double scvae__vq_forward (const Vq *vq,
                          gsize n_patches,
                          const float *features,
                          int *index,
                          float *quantized,
                          Scratch *scratch);

/* Accumulates into dfeatures the straight-through gradient dquantized plus
 * beta times the commitment's, 2 (e - q) / (P C). */
void scvae__vq_backward (int channels,
                         gsize n_patches,
                         const float *features,
                         const float *quantized,
                         const float *dquantized,
                         float beta,
                         float *dfeatures);

/* The moving averages behind the codebook, in storage the caller owns
 * (a VQ model keeps them as the running statistics vq.ema_counts and
 * vq.ema_sums, so that a checkpoint resumes them). */
typedef struct {
  int channels;
  int atoms;
  float decay;      /* gamma, e.g. 0.99 */
  float *counts;    /* N, K */
  float *sums;      /* M, C x K like the codebook */
} VqEma;

/* Starts the averages at the codebook: every code counted once. */
void scvae__vq_ema_init (VqEma *ema, const float *codebook);

/* Decays the averages, adds the batch's assignment and writes the new
 * codebook. */
void scvae__vq_ema_update (VqEma *ema,
                           gsize n_patches,
                           const float *features,
                           const int *index,
                           float *codebook);

/* Restarts every code whose count is below dead_below on a distinct
 * feature of the batch, the worst-coded first (largest |e - q|^2), its
 * average reset to that feature counted once. Returns the number
 * restarted (at most P). */
int scvae__vq_restart_dead (VqEma *ema,
                            gsize n_patches,
                            const float *features,
                            const float *quantized,
                            double dead_below,
                            float *codebook);

/* How the codes are used, from counts per code over a set of patches:
 * the perplexity exp(-sum p log p) (K when all are equally used, 1 when one
 * does all the work) and the number of codes never used. */
double scvae__vq_perplexity (const guint64 *counts, int atoms);
int scvae__vq_unused (const guint64 *counts, int atoms);
