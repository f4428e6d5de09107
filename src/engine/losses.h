/* losses.h: the training loss's terms, each a value and its gradient
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * loss = mean((x_hat - x)^2) + gamma mean((e - D z)^2) + l1 mean(|z|)
 *        + whiten |E^T E / P - I|_F^2 / C^2 + center |mean(E)|^2 / C
 *        + lifetime sum_k w_k mean_p(|z_pk|) / K
 *
 * Each *_backward adds weight times the term's gradient to what its
 * gradient arguments already hold.
 */

#pragma once

#include <glib.h>

/* mean((a - b)^2) over n values; the backward adds to da only (b is data)
 * or, given db, the opposite to db as well. */
double scvae__loss_mse (const float *a, const float *b, gsize n);
void scvae__loss_mse_backward (const float *a, const float *b, gsize n, float weight, float *da, float *db);

/* mean(|z|) over n values; at z = 0 the subgradient 0 is taken. */
double scvae__loss_l1 (const float *z, gsize n);
void scvae__loss_l1_backward (const float *z, gsize n, float weight, float *dz);

/* |M|_F^2 / C^2 with M = E^T E / P - I for the P x C rows E; moment
 * receives M (C x C), which the backward needs. */
double scvae__loss_whiten (const float *E, gsize P, int C, float *moment);
void scvae__loss_whiten_backward (const float *E, gsize P, int C, const float *moment, float weight, float *dE);

/* |mean(E)|^2 / C, the mean taken over the P rows of the P x C matrix E;
 * mean receives the C column means, which the backward needs. */
double scvae__loss_center (const float *E, gsize P, int C, float *mean);
void scvae__loss_center_backward (gsize P, int C, const float *mean, float weight, float *dE);

/* Lifetime sparsity, after homeostasis in sparse coding: an atom active on
 * more than this share of the batch's rows pays an L1 on its codes, in
 * proportion to its excess. Half the share that makes an atom dense. */
#define SCVAE_LIFETIME_TARGET 0.25f

/* sum_k w_k mean_p(|z_pk|) / K over the P x K codes Z, with
 * w_k = max(0, share_k / SCVAE_LIFETIME_TARGET - 1) and share_k the share
 * of rows on which atom k is non-zero. The weights are measured, not
 * differentiated (a count has no gradient); excess receives them (K). */
double scvae__loss_lifetime (const float *Z, gsize P, int K, float *excess);
void scvae__loss_lifetime_backward (const float *Z, gsize P, int K, const float *excess, float weight, float *dZ);
