/* conv.h: 2-D convolutions and transposed convolutions, forward and backward
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Activations are stored channel-major, [channels][batch][height][width]:
 * a convolution over a whole batch is then one GEMM (channels x positions),
 * and BatchNorm sees each channel as one contiguous row. Weights use
 * PyTorch's layouts: Conv2d [out][in][k][k], ConvTranspose2d [in][out][k][k].
 *
 * Every gradient output accumulates (+=): callers zero them first.
 */

#pragma once

#include <glib.h>

#include "scratch.h"

typedef struct {
  int batch;
  int height;
  int width;
} Extent;

static inline gsize
extent_size (Extent e)
{
  return (gsize) e.batch * e.height * e.width;
}

typedef struct {
  int in_channels;
  int out_channels;
  int kernel;
  int stride;
  int pad;
  gboolean transposed;
} ConvSpec;

Extent scvae__conv_output_extent (const ConvSpec *spec, Extent in);
gsize scvae__conv_weight_size (const ConvSpec *spec);

/* ReLU folded into a forward convolution: applied to its input first
 * and to its output after, within the passes it makes over them anyway
 * (padding the input, storing the output) rather than in passes of their
 * own. */
typedef enum {
  CONV_RELU_NONE = 0,
  CONV_RELU_INPUT = 1 << 0,
  CONV_RELU_OUTPUT = 1 << 1,
} ConvRelu;

void scvae__conv_forward (const ConvSpec *spec,
                          const float *weight,
                          const float *bias,
                          const float *x,
                          Extent in,
                          float *y,
                          Scratch *scratch);

void scvae__conv_forward_relu (const ConvSpec *spec,
                               const float *weight,
                               const float *bias,
                               const float *x,
                               Extent in,
                               ConvRelu relu_at,
                               float *y,
                               Scratch *scratch);

/* Output rows first_row .. first_row + n_rows - 1 alone, into y (n_rows
 * rows): for a stride-1 convolution of one image, whose other rows a
 * caller does not need. */
void scvae__conv_forward_rows (const ConvSpec *spec,
                               const float *weight,
                               const float *bias,
                               const float *x,
                               Extent in,
                               ConvRelu relu_at,
                               int first_row,
                               int n_rows,
                               float *y,
                               Scratch *scratch);

/* dx may be NULL when the input needs no gradient. */
void scvae__conv_backward (const ConvSpec *spec,
                           const float *weight,
                           const float *x,
                           Extent in,
                           const float *dy,
                           float *dx,
                           float *dweight,
                           float *dbias,
                           Scratch *scratch);
