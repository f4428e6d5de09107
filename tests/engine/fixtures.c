/* fixtures.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "fixtures.h"

#include <math.h>

#include "check.h"
#include "model-private.h"

ScvaeModel *
fixture_tiny_model (guint64 seed)
{
  return fixture_tiny_model_with (SCVAE_BOTTLENECK_LISTA, seed);
}

ScvaeModel *
fixture_tiny_model_with (ScvaeBottleneck bottleneck, guint64 seed)
{
  ScvaeConfig config = { .channels = 4, .atoms = 8, .lista_steps = 3, .beta = 0.02f,
                         .gamma = 0.5f, .l1 = 0.01f, .whiten = 0.05f };
  g_autoptr(GError) error = NULL;
  ScvaeModel *model;
  Rng rng;

  if (bottleneck != SCVAE_BOTTLENECK_LISTA)
    config = (ScvaeConfig) { .bottleneck = bottleneck, .channels = 4,
                             .atoms = bottleneck == SCVAE_BOTTLENECK_GAUSSIAN ? 4 : 8, .whiten = 0.05f,
                             .commitment = 0.25f, .ema_decay = 0.9f, .kl_weight = 0.1f };
  model = scvae_model_new (&config, seed, &error);
  g_assert_no_error (error);
  /* Make BatchNorm non-trivial, as after training. */
  scvae__rng_seed (&rng, seed + 1);
  for (guint i = 0; i < model->layout->tensors->len; i++)
    {
      const TensorInfo *info = &g_array_index (model->layout->tensors, TensorInfo, i);
      float *data = (info->kind == TENSOR_PARAMETER ? model->parameters : model->running) + info->offset;

      if (g_str_has_suffix (info->name, ".running_var"))
        check_fill_uniform (&rng, data, info->numel, 0.5, 1.5);
      else if (g_str_has_suffix (info->name, ".running_mean"))
        check_fill_uniform (&rng, data, info->numel, -0.2, 0.2);
      else if (info->ndim == 1 && g_str_has_prefix (info->name, "encoder.1"))
        check_fill_uniform (&rng, data, info->numel, 0.5, 1.5);
    }
  return model;
}

ScvaeImage *
fixture_test_image (int width, int height)
{
  ScvaeImage *image = scvae_image_new (width, height);
  gsize plane = (gsize) width * height;

  for (int c = 0; c < 3; c++)
    for (int y = 0; y < height; y++)
      for (int x = 0; x < width; x++)
        image->data[c * plane + (gsize) y * width + x] = 0.8f * sinf (0.3f * x + 0.7f * y + c);
  return image;
}
