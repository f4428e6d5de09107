/* f4-params.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "f4-params.h"

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

static void
add (F4Layout *layout, TensorKind kind, gsize slot, const char *name, int ndim, ...)
{
  TensorInfo info = { .name = g_strdup (name), .ndim = ndim, .kind = kind, .slot = slot, .numel = 1 };
  va_list args;

  va_start (args, ndim);
  for (int i = 0; i < ndim; i++)
    {
      info.shape[i] = va_arg (args, int);
      info.numel *= info.shape[i];
    }
  va_end (args);

  if (kind == TENSOR_PARAMETER)
    {
      info.offset = layout->n_parameters;
      layout->n_parameters += info.numel;
    }
  else
    {
      info.offset = layout->n_running;
      layout->n_running += info.numel;
    }
  g_array_append_val (layout->tensors, info);
}

#define SLOT(field) offsetof (F4Tensors, field)

/* Conv2d weights are [out][in][k][k], ConvTranspose2d [in][out][k][k]: the
 * caller passes the weight's first two dimensions and the bias size. */
static void
add_conv (F4Layout *layout, const char *prefix, gsize base, int d0, int d1, int k, int n_bias)
{
  g_autofree char *weight = g_strconcat (prefix, ".weight", NULL);
  g_autofree char *bias = g_strconcat (prefix, ".bias", NULL);

  add (layout, TENSOR_PARAMETER, base + offsetof (ConvParams, weight), weight, 4, d0, d1, k, k);
  add (layout, TENSOR_PARAMETER, base + offsetof (ConvParams, bias), bias, 1, n_bias);
}

static void
add_batchnorm (F4Layout *layout, const char *prefix, gsize base, int n)
{
  static const struct { const char *suffix; gsize field; TensorKind kind; } parts[] = {
    { ".weight", offsetof (BatchNormParams, weight), TENSOR_PARAMETER },
    { ".bias", offsetof (BatchNormParams, bias), TENSOR_PARAMETER },
    { ".running_mean", offsetof (BatchNormParams, running_mean), TENSOR_RUNNING_STAT },
    { ".running_var", offsetof (BatchNormParams, running_var), TENSOR_RUNNING_STAT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      g_autofree char *name = g_strconcat (prefix, parts[i].suffix, NULL);
      add (layout, parts[i].kind, base + parts[i].field, name, 1, n);
    }
}

static void
add_resblock (F4Layout *layout, const char *prefix, gsize base, int C)
{
  g_autofree char *conv3 = g_strconcat (prefix, ".block.1", NULL);
  g_autofree char *bn3 = g_strconcat (prefix, ".block.2", NULL);
  g_autofree char *conv1 = g_strconcat (prefix, ".block.4", NULL);
  g_autofree char *bn1 = g_strconcat (prefix, ".block.5", NULL);

  add_conv (layout, conv3, base + offsetof (ResBlockParams, conv3), C, C, 3, C);
  add_batchnorm (layout, bn3, base + offsetof (ResBlockParams, bn3), C);
  add_conv (layout, conv1, base + offsetof (ResBlockParams, conv1), C, C, 1, C);
  add_batchnorm (layout, bn1, base + offsetof (ResBlockParams, bn1), C);
}

F4Layout *
scvae__f4_layout_new (const ScvaeConfig *config)
{
  F4Layout *layout = g_new0 (F4Layout, 1);
  int C = config->channels, K = config->atoms;

  layout->config = *config;
  layout->tensors = g_array_new (FALSE, TRUE, sizeof (TensorInfo));

  add_conv (layout, "encoder.0", SLOT (enc_conv1), C, 3, 4, C);
  add_batchnorm (layout, "encoder.1", SLOT (enc_bn), C);
  add_conv (layout, "encoder.3", SLOT (enc_conv2), C, C, 4, C);
  add_resblock (layout, "encoder.4", SLOT (enc_res[0]), C);
  add_resblock (layout, "encoder.5", SLOT (enc_res[1]), C);

  switch (config->bottleneck)
    {
    case SCVAE_BOTTLENECK_LISTA:
      add (layout, TENSOR_PARAMETER, SLOT (dictionary), "lista.dictionary", 2, C, K);
      add (layout, TENSOR_PARAMETER, SLOT (step), "lista.c", 1, 1);
      break;
    case SCVAE_BOTTLENECK_VQ:
      /* A parameter without a gradient: the moving averages set it. */
      add (layout, TENSOR_PARAMETER, SLOT (dictionary), "vq.codebook", 2, C, K);
      add (layout, TENSOR_RUNNING_STAT, SLOT (ema_counts), "vq.ema_counts", 1, K);
      add (layout, TENSOR_RUNNING_STAT, SLOT (ema_sums), "vq.ema_sums", 2, C, K);
      break;
    case SCVAE_BOTTLENECK_GAUSSIAN:
      add_conv (layout, "gaussian.mean", SLOT (mean_head), C, C, 1, C);
      add_conv (layout, "gaussian.logvar", SLOT (logvar_head), C, C, 1, C);
      break;
    }

  add_resblock (layout, "decoder.0", SLOT (dec_res[0]), C);
  add_resblock (layout, "decoder.1", SLOT (dec_res[1]), C);
  add_conv (layout, "decoder.3", SLOT (dec_convt1), C, C, 4, C);
  add_batchnorm (layout, "decoder.4", SLOT (dec_bn), C);
  add_conv (layout, "decoder.6", SLOT (dec_convt2), C, 3, 4, 3);

  return layout;
}

void
scvae__f4_layout_free (F4Layout *layout)
{
  if (layout == NULL)
    return;
  for (guint i = 0; i < layout->tensors->len; i++)
    g_free (g_array_index (layout->tensors, TensorInfo, i).name);
  g_array_unref (layout->tensors);
  g_free (layout);
}

const TensorInfo *
scvae__f4_layout_find (const F4Layout *layout, const char *name)
{
  for (guint i = 0; i < layout->tensors->len; i++)
    {
      const TensorInfo *info = &g_array_index (layout->tensors, TensorInfo, i);
      if (g_str_equal (info->name, name))
        return info;
    }
  return NULL;
}

void
scvae__f4_bind (const F4Layout *layout, float *parameters, float *running, F4Tensors *tensors)
{
  memset (tensors, 0, sizeof *tensors);
  for (guint i = 0; i < layout->tensors->len; i++)
    {
      const TensorInfo *info = &g_array_index (layout->tensors, TensorInfo, i);
      float *base = info->kind == TENSOR_PARAMETER ? parameters : running;
      float **field = (float **) ((char *) tensors + info->slot);

      *field = base ? base + info->offset : NULL;
    }
}

void
scvae__f4_specs (int C, F4Specs *s)
{
  s->enc_conv1 = (ConvSpec) { 3, C, 4, 2, 1, FALSE };
  s->enc_conv2 = (ConvSpec) { C, C, 4, 2, 1, FALSE };
  s->res_conv3 = (ConvSpec) { C, C, 3, 1, 1, FALSE };
  s->res_conv1 = (ConvSpec) { C, C, 1, 1, 0, FALSE };
  s->dec_convt1 = (ConvSpec) { C, C, 4, 2, 1, TRUE };
  s->dec_convt2 = (ConvSpec) { C, 3, 4, 2, 1, TRUE };
}
