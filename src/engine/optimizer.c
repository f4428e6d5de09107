/* optimizer.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "optimizer.h"

#include <math.h>

void
scvae__adam_init (Adam *adam, gsize n)
{
  *adam = (Adam) {
    .beta1 = 0.9f,
    .beta2 = 0.999f,
    .eps = 1e-8f,
    .n = n,
    .m = g_new0 (float, n),
    .v = g_new0 (float, n),
  };
}

void
scvae__adam_clear (Adam *adam)
{
  g_clear_pointer (&adam->m, g_free);
  g_clear_pointer (&adam->v, g_free);
}

void
scvae__adam_step (Adam *adam, float lr, float *params, const float *grads)
{
  float b1 = adam->beta1, b2 = adam->beta2;
  double bias1, bias2;
  float step_size, inv_sqrt_bias2;

  adam->t++;
  bias1 = 1.0 - pow (b1, adam->t);
  bias2 = 1.0 - pow (b2, adam->t);
  step_size = (float) (lr / bias1);
  inv_sqrt_bias2 = (float) (1.0 / sqrt (bias2));

  for (gsize i = 0; i < adam->n; i++)
    {
      float g = grads[i];
      float m = adam->m[i] = b1 * adam->m[i] + (1.f - b1) * g;
      float v = adam->v[i] = b2 * adam->v[i] + (1.f - b2) * g * g;

      params[i] -= step_size * m / (sqrtf (v) * inv_sqrt_bias2 + adam->eps);
    }
}

double
scvae__clip_gradient_norm (float *grads, gsize n, float max_norm)
{
  double sum = 0.0, norm;

  for (gsize i = 0; i < n; i++)
    sum += (double) grads[i] * grads[i];
  norm = sqrt (sum);

  if (max_norm > 0.f)
    {
      double coefficient = max_norm / (norm + 1e-6);

      if (coefficient < 1.0)
        for (gsize i = 0; i < n; i++)
          grads[i] *= (float) coefficient;
    }
  return norm;
}

float
scvae__learning_rate_at (gint64 step, gint64 total_steps, int warmup_steps, float lr, float min_fraction)
{
  double progress;

  if (step < warmup_steps)
    return lr * (step + 1) / (float) warmup_steps;
  if (total_steps <= warmup_steps)
    return lr;
  progress = MIN (1.0, (double) (step - warmup_steps) / (total_steps - warmup_steps));
  return (float) (lr * (min_fraction + (1.0 - min_fraction) * 0.5 * (1.0 + cos (G_PI * progress))));
}
