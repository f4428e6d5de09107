/* f4-params.h: the tensors of the "f4" SC-VAE and where they live
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * All trainable parameters sit in one float array, BatchNorm running
 * statistics in another (llm.c style); gradients and Adam moments reuse the
 * parameter layout. Tensor names and shapes are the PyTorch reference's
 * state_dict, so a checkpoint trained in PyTorch loads unchanged.
 */

#pragma once

#include "batchnorm.h"
#include "conv.h"
#include "scvae.h"

typedef struct {
  float *weight;
  float *bias;
} ConvParams;

typedef struct {
  ConvParams conv3;     /* 3x3, C -> C */
  BatchNormParams bn3;
  ConvParams conv1;     /* 1x1, C -> C */
  BatchNormParams bn1;
} ResBlockParams;

#define F4_RESBLOCKS 2

typedef struct {
  ConvParams enc_conv1;  /* 4x4 s2, 3 -> C */
  BatchNormParams enc_bn;
  ConvParams enc_conv2;  /* 4x4 s2, C -> C */
  ResBlockParams enc_res[F4_RESBLOCKS];
  float *dictionary;     /* C x K: LISTA's dictionary, VQ's codebook,
                          * the identity for a Gaussian (not in the file) */
  float *step;           /* LISTA: c, one float */
  float *ema_counts;     /* VQ: the codes' moving averages, K */
  float *ema_sums;       /* VQ: C x K */
  ConvParams mean_head;  /* Gaussian: 1x1, C -> C */
  ConvParams logvar_head;
  ResBlockParams dec_res[F4_RESBLOCKS];
  ConvParams dec_convt1; /* transposed 4x4 s2, C -> C */
  BatchNormParams dec_bn;
  ConvParams dec_convt2; /* transposed 4x4 s2, C -> 3 */
} F4Tensors;

typedef enum {
  TENSOR_PARAMETER,
  TENSOR_RUNNING_STAT,
} TensorKind;

typedef struct {
  char *name;
  int ndim;
  int shape[4];
  gsize numel;
  gsize offset;      /* in the parameter or the running-stat array */
  TensorKind kind;
  gsize slot;        /* offsetof the float pointer in F4Tensors */
} TensorInfo;

typedef struct {
  ScvaeConfig config;
  GArray *tensors;   /* TensorInfo, in state_dict order */
  gsize n_parameters;
  gsize n_running;
} F4Layout;

F4Layout *scvae__f4_layout_new (const ScvaeConfig *config);
void scvae__f4_layout_free (F4Layout *layout);
const TensorInfo *scvae__f4_layout_find (const F4Layout *layout, const char *name);

/* Points every field of tensors into the given arrays; running may be NULL
 * (for gradients and optimiser moments), leaving those fields NULL. */
void scvae__f4_bind (const F4Layout *layout, float *parameters, float *running, F4Tensors *tensors);

/* The convolutions of the architecture. */
typedef struct {
  ConvSpec enc_conv1, enc_conv2, res_conv3, res_conv1, dec_convt1, dec_convt2;
} F4Specs;

void scvae__f4_specs (int channels, F4Specs *specs);
