/* batchnorm.h: BatchNorm2d over channel-major activations
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Training normalises with the batch statistics and updates the running
 * averages as PyTorch does (momentum 0.1, unbiased running variance).
 * Inference never runs BatchNorm: it is folded into the convolution before
 * it (scvae__batchnorm_fold).
 */

#pragma once

#include <glib.h>

#include "conv.h"

#define BATCHNORM_EPS 1e-5f
#define BATCHNORM_MOMENTUM 0.1f

typedef struct {
  float *weight;
  float *bias;
  float *running_mean;
  float *running_var;
} BatchNormParams;

/* Per-channel statistics kept from forward for backward. */
typedef struct {
  float *mean;
  float *inv_std;
} BatchNormSaved;

/* x and y are [channels][n]. The running statistics move towards the
 * batch's by momentum (0: left alone; 1/i for the i-th of a series of
 * batches: their plain average). */
void scvae__batchnorm_forward_train (const BatchNormParams *p,
                                     int channels,
                                     gsize n,
                                     const float *x,
                                     float *y,
                                     BatchNormSaved *saved,
                                     float momentum);

/* Inference with running statistics (used only by tests and folding). */
void scvae__batchnorm_forward_eval (const BatchNormParams *p,
                                    int channels,
                                    gsize n,
                                    const float *x,
                                    float *y);

void scvae__batchnorm_backward (const BatchNormParams *p,
                                int channels,
                                gsize n,
                                const float *x,
                                const BatchNormSaved *saved,
                                const float *dy,
                                float *dx,
                                float *dweight,
                                float *dbias);

/* Rewrites a convolution's weight and bias so that it also applies the
 * BatchNorm that follows it (running statistics). */
void scvae__batchnorm_fold (const BatchNormParams *p,
                            const ConvSpec *spec,
                            float *weight,
                            float *bias);
