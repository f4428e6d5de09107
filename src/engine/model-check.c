/* model-check.c: the values a usable model holds
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A file can hold finite numbers that still make no model: weights of
 * 3e38, or a LISTA step c of 1e-44 or 3e38, gave a flat grey picture and
 * exit status 0. Loading refuses them with the reason, and nothing that is
 * not finite is ever written.
 */

#include "config.h"

#include "model-private.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "files.h"
#include "rng.h"

/* Trained weights stay within a few units (the largest of the default
 * model's is 1.3); PyTorch's initialisation within 1. */
#define MAX_WEIGHT 1e3
/* BatchNorm's running statistics follow the activations (up to 50 in the
 * default model). */
#define MAX_RUNNING_STAT 1e6
/* c is kept near ||D||_2^2, the Lipschitz constant of the LISTA step: the
 * default model's is 0.95 times it, trained ones 0.95-2.4 times. Two
 * orders of magnitude either way is room for any training, and no
 * further. */
#define STEP_RANGE 100.0
#define POWER_ITERATIONS 50

/* ||D||_2^2, the largest eigenvalue of D D^T, by power iteration from a
 * fixed random start: cost C K per iteration at any size (the exact
 * eigenvalues of lista.c cost C^3). */
static double
norm_squared_estimate (const float *D, int C, int K)
{
  g_autofree double *u = g_new (double, C);
  g_autofree double *v = g_new (double, K);
  double lambda = 0.0;
  Rng rng;

  scvae__rng_seed (&rng, 1);
  for (int i = 0; i < C; i++)
    u[i] = scvae__rng_normal (&rng);
  for (int iteration = 0; iteration < POWER_ITERATIONS; iteration++)
    {
      double norm = 0.0, length = 0.0;

      for (int i = 0; i < C; i++)
        length += u[i] * u[i];
      length = sqrt (length);
      if (!(length > 0.0))
        return 0.0;
      for (int k = 0; k < K; k++)
        v[k] = 0.0;
      for (int i = 0; i < C; i++)
        for (int k = 0; k < K; k++)
          v[k] += D[(gsize) i * K + k] * (u[i] / length);
      /* u = D v: its length is the Rayleigh quotient of the unit u. */
      for (int i = 0; i < C; i++)
        {
          double sum = 0.0;

          for (int k = 0; k < K; k++)
            sum += D[(gsize) i * K + k] * v[k];
          u[i] = sum;
          norm += sum * sum;
        }
      lambda = sqrt (norm);
    }
  return lambda;
}

gboolean
scvae__model_check_values (ScvaeModel *model, const char *path, GError **error)
{
  const ScvaeConfig *config = scvae_model_get_config (model);
  double c, lipschitz;

  for (guint i = 0; i < model->layout->tensors->len; i++)
    {
      const TensorInfo *info = &g_array_index (model->layout->tensors, TensorInfo, i);
      gboolean parameter = info->kind == TENSOR_PARAMETER;
      const float *data = (parameter ? model->parameters : model->running) + info->offset;
      double bound = parameter ? MAX_WEIGHT : MAX_RUNNING_STAT;

      if (data == model->tensors.step)
        continue; /* c has its own rule, below */
      if (data == model->tensors.ema_counts)
        for (gsize j = 0; j < info->numel; j++)
          if (data[j] < 0.f)
            return scvae__invalid_file (error, path, _("tensor '%s' holds a negative count"), info->name);
      for (gsize j = 0; j < info->numel; j++)
        if (fabs (data[j]) > bound)
          return scvae__invalid_file (error, path,
                                      _("tensor '%s' holds %g (at %zu), beyond the %g a usable model stays within"),
                                      info->name, data[j], j, bound);
    }

  if (config->bottleneck != SCVAE_BOTTLENECK_LISTA)
    return TRUE;
  c = model->tensors.step[0];
  lipschitz = norm_squared_estimate (model->tensors.dictionary, config->channels, config->atoms);
  if (!(lipschitz > 0.0))
    return scvae__invalid_file (error, path, _("the dictionary lista.dictionary is all zeros"));
  if (!(c >= lipschitz / STEP_RANGE && c <= lipschitz * STEP_RANGE))
    return scvae__invalid_file (error, path,
                                _("the LISTA step lista.c is %g, but the dictionary's squared norm is %g: "
                                  "c must lie between %g and %g"),
                                c, lipschitz, lipschitz / STEP_RANGE, lipschitz * STEP_RANGE);
  return TRUE;
}

gboolean
scvae__model_check_finite (ScvaeModel *model, const char *path, GError **error)
{
  for (guint i = 0; i < model->layout->tensors->len; i++)
    {
      const TensorInfo *info = &g_array_index (model->layout->tensors, TensorInfo, i);
      const float *data = (info->kind == TENSOR_PARAMETER ? model->parameters : model->running) + info->offset;

      for (gsize j = 0; j < info->numel; j++)
        if (!isfinite (data[j]))
          {
            g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_FAILED,
                         _("%s: not written: tensor '%s' holds a non-finite value (%g at %zu)"),
                         path, info->name, data[j], j);
            return FALSE;
          }
    }
  return TRUE;
}
