/* test-model-gradients.c: the whole model's gradients against finite
 * differences
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <float.h>
#include <math.h>
#include <string.h>

#include "check.h"
#include "f4-network.h"
#include "fixtures.h"
#include "model-private.h"

static double
model_loss (ScvaeModel *model, F4Network *net, const float *input, Scratch *scratch)
{
  F4Loss loss;
  g_autofree float *saved = g_memdup2 (model->running, model->layout->n_running * sizeof (float));

  scvae__f4_network_forward (net, &model->tensors, input, &loss, scratch);
  /* Forward updates running statistics; finite differences must not. */
  memcpy (model->running, saved, model->layout->n_running * sizeof (float));
  return loss.total;
}

/* Every parameter tensor's gradient against a central finite difference
 * along a random direction within that tensor (float model: directional
 * derivatives average out rounding where per-element ones would not). A
 * Gaussian model samples with fixed noise. A VQ model's gradients are
 * checked downstream of the codes only: the encoder's straight-through
 * gradient is by definition not the derivative of the loss (which is flat
 * in q between codes; test-bottlenecks checks it), and the codebook has
 * none (it follows moving averages). */
static void
test_model_gradients (gconstpointer data)
{
  ScvaeBottleneck bottleneck = GPOINTER_TO_INT (data);
  g_autoptr(ScvaeModel) model = fixture_tiny_model_with (bottleneck, 3);
  const int batch = 2, size = 16;
  gsize n_in = (gsize) 3 * batch * size * size;
  g_autofree float *input = g_new (float, n_in);
  g_autofree float *grads = g_new0 (float, model->layout->n_parameters);
  F4Network *net = scvae__f4_network_new (model->layout, batch, size, size);
  g_autofree float *noise = g_new (float, (gsize) batch * (size / 4) * (size / 4) * model->layout->config.channels);
  Scratch scratch = { 0 };
  F4Tensors g;
  Rng rng, noise_rng;
  int checked = 0;
  double loss;

  scvae__rng_seed (&rng, 5);
  check_fill_uniform (&rng, input, n_in, -0.9f, 0.9f);
  scvae__rng_seed (&noise_rng, 6);
  for (gsize i = 0; i < (gsize) batch * (size / 4) * (size / 4) * model->layout->config.channels; i++)
    noise[i] = (float) scvae__rng_normal (&noise_rng);
  scvae__f4_network_use_noise (net, noise);
  scvae__f4_bind (model->layout, grads, NULL, &g);
  loss = model_loss (model, net, input, &scratch);
  scvae__f4_network_backward (net, &model->tensors, &g, input, &scratch);

  for (guint i = 0; i < model->layout->tensors->len; i++)
    {
      const TensorInfo *info = &g_array_index (model->layout->tensors, TensorInfo, i);
      float *p = model->parameters + info->offset;
      g_autofree float *direction = NULL, *saved = NULL;
      double analytic = 0.0, rms = 0.0, eps, plus, minus, numeric, scale = 0.0;

      if (info->kind != TENSOR_PARAMETER
          || (bottleneck == SCVAE_BOTTLENECK_VQ && !g_str_has_prefix (info->name, "decoder.")))
        continue;
      direction = g_new (float, info->numel);
      saved = g_memdup2 (p, info->numel * sizeof (float));
      check_fill_uniform (&rng, direction, info->numel, -1, 1);
      for (gsize j = 0; j < info->numel; j++)
        {
          analytic += (double) direction[j] * grads[info->offset + j];
          scale += fabs (direction[j] * grads[info->offset + j]);
          rms += (double) saved[j] * saved[j] / info->numel;
        }
      /* One central difference at a fixed step, 10⁻³ of the tensor's RMS
       * (or of 0.1 for tensors that start at zero): three times larger
       * steps cross ReLU and threshold kinks (encoder.0 is 3 % off), ten
       * times smaller ones drown in float rounding. */
      eps = 1e-3 * MAX (sqrt (rms), 0.1);
      for (gsize j = 0; j < info->numel; j++)
        p[j] = saved[j] + eps * direction[j];
      plus = model_loss (model, net, input, &scratch);
      for (gsize j = 0; j < info->numel; j++)
        p[j] = saved[j] - eps * direction[j];
      minus = model_loss (model, net, input, &scratch);
      memcpy (p, saved, info->numel * sizeof (float));
      numeric = (plus - minus) / (2 * eps);

      g_test_message ("%-28s analytic %+.6e numeric %+.6e", info->name, analytic, numeric);
      /* Biases before BatchNorm have no gradient: both sides are noise. */
      if (scale < 1e-7)
        continue;
      /* 1 %, or the float rounding of the two losses (a few ulps each)
       * divided by the step, whichever is larger. */
      g_assert_cmpfloat (fabs (analytic - numeric), <=,
                         1e-2 * fabs (analytic) + 1e-3 * scale + 2 * FLT_EPSILON * fabs (loss) / eps);
      checked++;
    }
  g_assert_cmpint (checked, >=, bottleneck == SCVAE_BOTTLENECK_VQ ? 14 : 30);
  scvae__scratch_clear (&scratch);
  scvae__f4_network_free (net);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/model/gradients", GINT_TO_POINTER (SCVAE_BOTTLENECK_LISTA), test_model_gradients);
  g_test_add_data_func ("/model/gradients/vq", GINT_TO_POINTER (SCVAE_BOTTLENECK_VQ), test_model_gradients);
  g_test_add_data_func ("/model/gradients/gaussian", GINT_TO_POINTER (SCVAE_BOTTLENECK_GAUSSIAN),
                        test_model_gradients);

  return g_test_run ();
}
