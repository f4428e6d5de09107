/* optimizer.h: Adam, gradient-norm clipping and the learning-rate schedule
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Matches torch.optim.Adam (no weight decay) and
 * torch.nn.utils.clip_grad_norm_ exactly, so a step can be checked against
 * the PyTorch reference.
 */

#pragma once

#include <glib.h>

typedef struct {
  float beta1;
  float beta2;
  float eps;
  gint64 t;      /* steps taken */
  gsize n;
  float *m;      /* first moments, parameter layout */
  float *v;      /* second moments */
} Adam;

void scvae__adam_init (Adam *adam, gsize n);
void scvae__adam_clear (Adam *adam);
void scvae__adam_step (Adam *adam, float lr, float *params, const float *grads);

/* Scales grads so their global L2 norm is at most max_norm (if > 0);
 * returns the norm before clipping. */
double scvae__clip_gradient_norm (float *grads, gsize n, float max_norm);

/* Linear warm-up to lr, then cosine decay to lr * min_fraction at
 * total_steps (total_steps <= 0: constant after warm-up). */
float scvae__learning_rate_at (gint64 step, gint64 total_steps, int warmup_steps, float lr,
                               float min_fraction);
