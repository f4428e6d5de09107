/* model.c: ScvaeModel, its configuration, initialisation and file format
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "model-private.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "files.h"
#include "lista.h"
#include "rng.h"
#include "safetensors.h"
#include "vq.h"

#define FORMAT_NAME "scvae"
#define FORMAT_VERSION "1"
#define ARCH_NAME "f4"

G_DEFINE_QUARK (scvae-error-quark, scvae_error)

static void store_config (GHashTable *metadata, const ScvaeConfig *config);

/* The metadata keys that belong to one bottleneck (lista_steps is an int,
 * the others floats). */
static const struct {
  const char *key;
  ScvaeBottleneck bottleneck;
  gsize offset;
} bottleneck_settings[] = {
  { "lista_steps", SCVAE_BOTTLENECK_LISTA, G_STRUCT_OFFSET (ScvaeConfig, lista_steps) },
  { "beta", SCVAE_BOTTLENECK_LISTA, G_STRUCT_OFFSET (ScvaeConfig, beta) },
  { "gamma", SCVAE_BOTTLENECK_LISTA, G_STRUCT_OFFSET (ScvaeConfig, gamma) },
  { "l1", SCVAE_BOTTLENECK_LISTA, G_STRUCT_OFFSET (ScvaeConfig, l1) },
  { "lifetime", SCVAE_BOTTLENECK_LISTA, G_STRUCT_OFFSET (ScvaeConfig, lifetime) },
  { "commitment", SCVAE_BOTTLENECK_VQ, G_STRUCT_OFFSET (ScvaeConfig, commitment) },
  { "ema_decay", SCVAE_BOTTLENECK_VQ, G_STRUCT_OFFSET (ScvaeConfig, ema_decay) },
  { "kl_weight", SCVAE_BOTTLENECK_GAUSSIAN, G_STRUCT_OFFSET (ScvaeConfig, kl_weight) },
};

static const char *const bottleneck_names[] = { "lista", "vq", "gaussian" };

const char *
scvae_bottleneck_to_string (ScvaeBottleneck bottleneck)
{
  g_return_val_if_fail ((guint) bottleneck < G_N_ELEMENTS (bottleneck_names), NULL);
  return bottleneck_names[bottleneck];
}

gboolean
scvae_bottleneck_from_string (const char *text, ScvaeBottleneck *bottleneck)
{
  for (guint i = 0; i < G_N_ELEMENTS (bottleneck_names); i++)
    if (g_strcmp0 (text, bottleneck_names[i]) == 0)
      {
        *bottleneck = (ScvaeBottleneck) i;
        return TRUE;
      }
  return FALSE;
}

void
scvae_config_init_default (ScvaeConfig *config)
{
  *config = (ScvaeConfig) {
    .bottleneck = SCVAE_BOTTLENECK_LISTA,
    .channels = 64,
    .atoms = 256,
    .lista_steps = 16,
    .beta = 0.35f,
    .gamma = 1.0f,
    .l1 = 0.0f,
    .whiten = 10.0f,
    .center = 0.0f,
    .lifetime = 0.0f,
    .commitment = 0.25f,
    .ema_decay = 0.99f,
    .kl_weight = 1e-3f,
  };
}

gboolean
scvae_config_validate (const ScvaeConfig *config, GError **error)
{
  const char *problem = NULL;

  if (config->channels < 1 || config->channels > 1024)
    problem = _("channels must be between 1 and 1024");
  else if (config->atoms < 1 || config->atoms > 16384)
    problem = _("atoms must be between 1 and 16384");
  else if (config->lista_steps < 0 || config->lista_steps > SCVAE_MAX_DEPTH)
    problem = _("lista_steps must be between 0 and 64");
  else if (!isfinite (config->beta) || config->beta < 0)
    problem = _("beta must be a finite number >= 0");
  else if (!isfinite (config->gamma) || config->gamma < 0)
    problem = _("gamma must be a finite number >= 0");
  else if (!isfinite (config->l1) || config->l1 < 0)
    problem = _("l1 must be a finite number >= 0");
  else if (!isfinite (config->whiten) || config->whiten < 0)
    problem = _("whiten must be a finite number >= 0");
  else if (!isfinite (config->center) || config->center < 0)
    problem = _("center must be a finite number >= 0");
  else if (!isfinite (config->lifetime) || config->lifetime < 0)
    problem = _("lifetime must be a finite number >= 0");
  else if (!isfinite (config->commitment) || config->commitment < 0)
    problem = _("commitment must be a finite number >= 0");
  else if (!(config->ema_decay >= 0 && config->ema_decay < 1))
    problem = _("ema_decay must be at least 0 and below 1");
  else if (!isfinite (config->kl_weight) || config->kl_weight < 0)
    problem = _("kl_weight must be a finite number >= 0");
  else if ((guint) config->bottleneck > SCVAE_BOTTLENECK_GAUSSIAN)
    problem = _("the bottleneck must be lista, vq or gaussian");
  else if (config->bottleneck == SCVAE_BOTTLENECK_GAUSSIAN && config->atoms != config->channels)
    problem = _("a Gaussian bottleneck has one code per channel: atoms must equal channels");

  if (problem)
    {
      g_set_error_literal (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT, problem);
      return FALSE;
    }
  return TRUE;
}

char *
scvae_format_float (float value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  for (int digits = 1; digits <= 9; digits++)
    {
      g_autofree char *format = g_strdup_printf ("%%.%dg", digits);

      g_ascii_formatd (buffer, sizeof buffer, format, value);
      if ((float) g_ascii_strtod (buffer, NULL) == value)
        break;
    }
  /* "10", not "1e+01": below a billion the exponent says nothing the
   * digits would not (those of %.9g are the same value, trailing zeros
   * dropped). */
  if (strchr (buffer, 'e') && fabsf (value) >= 1.f && fabsf (value) < 1e9f)
    g_ascii_formatd (buffer, sizeof buffer, "%.9g", value);
  return g_strdup (buffer);
}

gboolean
scvae__parse_float (const char *text, float *value)
{
  char *end = NULL;
  double v;

  if (text == NULL || *text == '\0')
    return FALSE;
  v = g_ascii_strtod (text, &end);
  if (*end != '\0' || !isfinite (v) || fabs (v) > G_MAXFLOAT)
    return FALSE;
  *value = (float) v;
  return TRUE;
}

gboolean
scvae__parse_int (const char *text, gint64 min, gint64 max, gint64 *value)
{
  g_autoptr(GError) error = NULL;

  return text != NULL && g_ascii_string_to_signed (text, 10, min, max, value, &error);
}

ScvaeModel *
scvae__model_alloc (const ScvaeConfig *config)
{
  ScvaeModel *model = g_atomic_rc_box_new0 (ScvaeModel);

  model->layout = scvae__f4_layout_new (config);
  model->parameters = g_new0 (float, model->layout->n_parameters);
  model->running = g_new0 (float, model->layout->n_running);
  scvae__f4_bind (model->layout, model->parameters, model->running, &model->tensors);
  if (config->bottleneck == SCVAE_BOTTLENECK_GAUSSIAN)
    {
      /* Its code is the latent itself: D z = z, channel k is "atom" k. */
      model->identity = g_new0 (float, (gsize) config->channels * config->channels);
      for (int i = 0; i < config->channels; i++)
        model->identity[(gsize) i * config->channels + i] = 1.f;
      model->tensors.dictionary = model->identity;
    }
  model->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  store_config (model->metadata, config);
  return model;
}

ScvaeModel *
scvae_model_new (const ScvaeConfig *config, guint64 seed, GError **error)
{
  ScvaeModel *model;
  F4Tensors *t;
  Rng rng;
  int C = config->channels;

  if (!scvae_config_validate (config, error))
    return NULL;
  if (config->bottleneck != SCVAE_BOTTLENECK_GAUSSIAN && (int) lround (sqrt (C)) * (int) lround (sqrt (C)) != C)
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   _("channels must be a perfect square for the DCT dictionary (got %d)"), C);
      return NULL;
    }

  model = scvae__model_alloc (config);
  t = &model->tensors;
  scvae__rng_seed (&rng, seed);

  for (guint i = 0; i < model->layout->tensors->len; i++)
    {
      const TensorInfo *info = &g_array_index (model->layout->tensors, TensorInfo, i);
      float *data = (info->kind == TENSOR_PARAMETER ? model->parameters : model->running) + info->offset;
      const TensorInfo *weight = info;

      if (g_str_has_suffix (info->name, ".running_var"))
        for (gsize j = 0; j < info->numel; j++)
          data[j] = 1.f;
      if (info->kind != TENSOR_PARAMETER || g_str_has_prefix (info->name, "lista.")
          || g_str_has_prefix (info->name, "vq."))
        continue;

      /* A bias shares its weight's bound; the weight comes just before it. */
      if (info->ndim == 1 && i > 0)
        weight = &g_array_index (model->layout->tensors, TensorInfo, i - 1);
      if (weight->ndim == 4)
        {
          /* PyTorch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), with
           * fan_in = dim 1 x k x k for Conv2d and ConvTranspose2d alike. */
          double bound = 1.0 / sqrt ((double) weight->shape[1] * weight->shape[2] * weight->shape[3]);

          for (gsize j = 0; j < info->numel; j++)
            data[j] = (float) ((2.0 * scvae__rng_uniform (&rng) - 1.0) * bound);
        }
      else if (g_str_has_suffix (info->name, ".weight"))
        {
          for (gsize j = 0; j < info->numel; j++)
            data[j] = 1.f; /* BatchNorm scale */
        }
    }

  switch (config->bottleneck)
    {
    case SCVAE_BOTTLENECK_LISTA:
      scvae__lista_init_dct (t->dictionary, config->channels, config->atoms);
      t->step[0] = (float) scvae__lista_spectral_norm_squared (t->dictionary, config->channels, config->atoms);
      break;
    case SCVAE_BOTTLENECK_VQ:
      /* The same unit atoms; the moving averages start at them, counted once. */
      scvae__lista_init_dct (t->dictionary, config->channels, config->atoms);
      scvae__vq_ema_init (&(VqEma) { config->channels, config->atoms, config->ema_decay, t->ema_counts,
                                     t->ema_sums }, t->dictionary);
      break;
    case SCVAE_BOTTLENECK_GAUSSIAN:
      break;
    }
  return model;
}

ScvaeModel *
scvae_model_ref (ScvaeModel *model)
{
  return g_atomic_rc_box_acquire (model);
}

static void
model_clear (ScvaeModel *model)
{
  scvae__f4_layout_free (model->layout);
  g_free (model->parameters);
  g_free (model->running);
  g_free (model->identity);
  g_hash_table_unref (model->metadata);
  g_free (model->path);
}

void
scvae_model_unref (ScvaeModel *model)
{
  if (model)
    g_atomic_rc_box_release_full (model, (GDestroyNotify) model_clear);
}

const ScvaeConfig *
scvae_model_get_config (ScvaeModel *model)
{
  return &model->layout->config;
}

const char *
scvae_model_get_metadata (ScvaeModel *model, const char *key)
{
  return g_hash_table_lookup (model->metadata, key);
}

void
scvae_model_set_metadata (ScvaeModel *model, const char *key, const char *value)
{
  if (value)
    g_hash_table_insert (model->metadata, g_strdup (key), g_strdup (value));
  else
    g_hash_table_remove (model->metadata, key);
}

static int
compare_strings (const void *a, const void *b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

const char **
scvae_model_list_metadata (ScvaeModel *model)
{
  guint n;
  const char **keys = (const char **) g_hash_table_get_keys_as_array (model->metadata, &n);

  qsort (keys, n, sizeof (char *), compare_strings);
  return keys;
}

const char *
scvae_model_get_path (ScvaeModel *model)
{
  return model->path;
}

const float *
scvae_model_get_dictionary (ScvaeModel *model)
{
  return model->tensors.dictionary;
}

gsize
scvae_model_get_n_parameters (ScvaeModel *model)
{
  return model->layout->n_parameters;
}

GArray *
scvae__model_describe_tensors (ScvaeModel *model)
{
  GArray *tensors = g_array_new (FALSE, TRUE, sizeof (SafetensorsTensor));

  for (guint i = 0; i < model->layout->tensors->len; i++)
    {
      const TensorInfo *info = &g_array_index (model->layout->tensors, TensorInfo, i);
      SafetensorsTensor t = {
        .name = info->name,
        .ndim = info->ndim,
        .data = (info->kind == TENSOR_PARAMETER ? model->parameters : model->running) + info->offset,
      };

      for (int d = 0; d < info->ndim; d++)
        t.shape[d] = info->shape[d];
      g_array_append_val (tensors, t);
    }
  return tensors;
}

/* The keys that describe the architecture always reflect the configuration. */
static void
store_config (GHashTable *metadata, const ScvaeConfig *config)
{
  g_hash_table_insert (metadata, g_strdup ("format"), g_strdup (FORMAT_NAME));
  g_hash_table_insert (metadata, g_strdup ("format_version"), g_strdup (FORMAT_VERSION));
  g_hash_table_insert (metadata, g_strdup ("arch"), g_strdup (ARCH_NAME));
  g_hash_table_insert (metadata, g_strdup ("channels"), g_strdup_printf ("%d", config->channels));
  g_hash_table_insert (metadata, g_strdup ("atoms"), g_strdup_printf ("%d", config->atoms));
  g_hash_table_insert (metadata, g_strdup ("bottleneck"), g_strdup (scvae_bottleneck_to_string (config->bottleneck)));
  g_hash_table_insert (metadata, g_strdup ("whiten"), scvae_format_float (config->whiten));
  g_hash_table_insert (metadata, g_strdup ("center"), scvae_format_float (config->center));
  /* Each bottleneck's own settings, and no other's. */
  for (guint i = 0; i < G_N_ELEMENTS (bottleneck_settings); i++)
    {
      const char *key = bottleneck_settings[i].key;

      if (bottleneck_settings[i].bottleneck != config->bottleneck)
        g_hash_table_remove (metadata, key);
      else if (g_str_equal (key, "lista_steps"))
        g_hash_table_insert (metadata, g_strdup (key), g_strdup_printf ("%d", config->lista_steps));
      else
        g_hash_table_insert (metadata, g_strdup (key),
                             scvae_format_float (G_STRUCT_MEMBER (float, config, bottleneck_settings[i].offset)));
    }
}

gboolean
scvae_model_set_loss_weights (ScvaeModel *model, const ScvaeConfig *weights, GError **error)
{
  ScvaeConfig *config = &model->layout->config;
  ScvaeConfig changed = *config;

  changed.beta = weights->beta;
  changed.gamma = weights->gamma;
  changed.l1 = weights->l1;
  changed.whiten = weights->whiten;
  changed.center = weights->center;
  changed.lifetime = weights->lifetime;
  changed.commitment = weights->commitment;
  changed.ema_decay = weights->ema_decay;
  changed.kl_weight = weights->kl_weight;
  if (!scvae_config_validate (&changed, error))
    return FALSE;
  *config = changed;
  store_config (model->metadata, config);
  return TRUE;
}

GHashTable *
scvae__model_file_metadata (ScvaeModel *model)
{
  GHashTable *metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, model->metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (metadata, g_strdup (key), g_strdup (value));
  store_config (metadata, scvae_model_get_config (model));
  return metadata;
}

gboolean
scvae_model_save (ScvaeModel *model, const char *path, GError **error)
{
  g_autoptr(GArray) tensors = scvae__model_describe_tensors (model);
  g_autoptr(GHashTable) metadata = scvae__model_file_metadata (model);

  if (!scvae__model_check_finite (model, path, error)
      || !scvae__safetensors_write (path, metadata, (SafetensorsTensor *) tensors->data, tensors->len, error))
    return FALSE;
  g_free (model->path);
  model->path = g_strdup (path);
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Loading */

static gboolean
read_config (const char *path, GHashTable *metadata, ScvaeConfig *config, GError **error)
{
  static const char *required[] = { "format", "format_version", "arch", "channels", "atoms" };
  static const char *lista_required[] = { "lista_steps", "beta" };
  static const struct { const char *key; gsize offset; } shared_floats[] = {
    { "whiten", G_STRUCT_OFFSET (ScvaeConfig, whiten) },
    { "center", G_STRUCT_OFFSET (ScvaeConfig, center) },
  };
  const char *format = g_hash_table_lookup (metadata, "format");
  const char *bottleneck = g_hash_table_lookup (metadata, "bottleneck");
  gint64 channels, atoms, steps;
  g_autoptr(GError) local_error = NULL;

  if (format == NULL)
    return scvae__invalid_file (error, path, _("not an SC-VAE model (metadata format is missing)"));
  if (!g_str_equal (format, FORMAT_NAME))
    return scvae__invalid_file (error, path, _("not an SC-VAE model (metadata format is '%s')"), format);
  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    if (!g_hash_table_contains (metadata, required[i]))
      return scvae__invalid_file (error, path, _("metadata '%s' is missing"), required[i]);
  if (!g_str_equal (g_hash_table_lookup (metadata, "format_version"), FORMAT_VERSION))
    return scvae__invalid_file (error, path, _("format_version '%s' is not supported (this build reads %s)"),
                     (char *) g_hash_table_lookup (metadata, "format_version"), FORMAT_VERSION);
  if (!g_str_equal (g_hash_table_lookup (metadata, "arch"), ARCH_NAME))
    return scvae__invalid_file (error, path, _("architecture '%s' is not supported (this build knows '%s')"),
                     (char *) g_hash_table_lookup (metadata, "arch"), ARCH_NAME);

  scvae_config_init_default (config);
  /* Models from before a loss term existed were trained without it, and
   * models from before the baselines are SC-VAEs. */
  config->l1 = 0.f;
  config->whiten = 0.f;
  config->center = 0.f;
  config->lifetime = 0.f;
  if (bottleneck && !scvae_bottleneck_from_string (bottleneck, &config->bottleneck))
    return scvae__invalid_file (error, path, _("bottleneck '%s' is not supported (this build knows lista, vq and gaussian)"),
                                bottleneck);
  if (config->bottleneck == SCVAE_BOTTLENECK_LISTA)
    for (guint i = 0; i < G_N_ELEMENTS (lista_required); i++)
      if (!g_hash_table_contains (metadata, lista_required[i]))
        return scvae__invalid_file (error, path, _("metadata '%s' is missing"), lista_required[i]);

  if (!scvae__parse_int (g_hash_table_lookup (metadata, "channels"), 1, 1024, &channels))
    return scvae__invalid_file (error, path, _("metadata channels '%s' is not a number in 1..1024"),
                     (char *) g_hash_table_lookup (metadata, "channels"));
  if (!scvae__parse_int (g_hash_table_lookup (metadata, "atoms"), 1, 16384, &atoms))
    return scvae__invalid_file (error, path, _("metadata atoms '%s' is not a number in 1..16384"),
                     (char *) g_hash_table_lookup (metadata, "atoms"));
  config->channels = channels;
  config->atoms = atoms;
  if (config->bottleneck != SCVAE_BOTTLENECK_LISTA)
    {
      config->lista_steps = 0;
      config->beta = config->gamma = 0.f;
    }

  for (guint i = 0; i < G_N_ELEMENTS (bottleneck_settings); i++)
    {
      const char *key = bottleneck_settings[i].key, *text = g_hash_table_lookup (metadata, key);

      if (bottleneck_settings[i].bottleneck != config->bottleneck || text == NULL)
        continue;
      if (g_str_equal (key, "lista_steps"))
        {
          if (!scvae__parse_int (text, 0, SCVAE_MAX_DEPTH, &steps))
            return scvae__invalid_file (error, path, _("metadata lista_steps '%s' is not a number in 0..%d"),
                                        text, SCVAE_MAX_DEPTH);
          config->lista_steps = steps;
        }
      else if (!scvae__parse_float (text, G_STRUCT_MEMBER_P (config, bottleneck_settings[i].offset)))
        return scvae__invalid_file (error, path, _("metadata %s '%s' is not a number"), key, text);
    }
  for (guint i = 0; i < G_N_ELEMENTS (shared_floats); i++)
    {
      const char *text = g_hash_table_lookup (metadata, shared_floats[i].key);

      if (text && !scvae__parse_float (text, G_STRUCT_MEMBER_P (config, shared_floats[i].offset)))
        return scvae__invalid_file (error, path, _("metadata %s '%s' is not a number"), shared_floats[i].key, text);
    }

  if (!scvae_config_validate (config, &local_error))
    return scvae__invalid_file (error, path, "%s", local_error->message);
  return TRUE;
}

static char *
format_shape (int ndim, const gint64 *shape)
{
  GString *s = g_string_new ("[");

  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* Tensors a model file may carry besides the model's own. */
static gboolean
is_ignorable (const char *name)
{
  return g_str_has_suffix (name, ".num_batches_tracked") || g_str_has_prefix (name, "optimizer.");
}

gboolean
scvae__model_read_tensors (ScvaeModel *model,
                           gpointer safetensors_file,
                           gboolean allow_extra,
                           GError **error)
{
  SafetensorsFile *file = safetensors_file;
  const char *path = scvae__safetensors_get_path (file);
  const ScvaeConfig *config = scvae_model_get_config (model);

  for (guint i = 0; i < scvae__safetensors_get_n_entries (file) && !allow_extra; i++)
    {
      const SafetensorsEntry *entry = scvae__safetensors_get_entry (file, i);

      if (!is_ignorable (entry->name) && scvae__f4_layout_find (model->layout, entry->name) == NULL)
        return scvae__invalid_file (error, path, _("unexpected tensor '%s'"), entry->name);
    }

  for (guint i = 0; i < model->layout->tensors->len; i++)
    {
      const TensorInfo *info = &g_array_index (model->layout->tensors, TensorInfo, i);
      const SafetensorsEntry *entry = scvae__safetensors_find (file, info->name);
      float *data = (info->kind == TENSOR_PARAMETER ? model->parameters : model->running) + info->offset;
      gboolean same_shape;

      if (entry == NULL)
        return scvae__invalid_file (error, path, _("tensor '%s' is missing"), info->name);
      if (!g_str_equal (entry->dtype, "F32"))
        return scvae__invalid_file (error, path, _("tensor '%s' is %s, expected F32"), info->name, entry->dtype);
      same_shape = entry->ndim == info->ndim;
      for (int d = 0; same_shape && d < info->ndim; d++)
        same_shape = entry->shape[d] == info->shape[d];
      if (!same_shape)
        {
          gint64 expected[4];
          g_autofree char *got = format_shape (entry->ndim, entry->shape);
          g_autofree char *want = NULL;

          for (int d = 0; d < info->ndim; d++)
            expected[d] = info->shape[d];
          want = format_shape (info->ndim, expected);
          return scvae__invalid_file (error, path, _("tensor '%s' has shape %s, expected %s for channels=%d atoms=%d"),
                           info->name, got, want, config->channels, config->atoms);
        }

      scvae__safetensors_read_f32 (file, entry, data);
      for (gsize j = 0; j < info->numel; j++)
        if (!isfinite (data[j]))
          return scvae__invalid_file (error, path, _("tensor '%s' holds a non-finite value (%g at %zu)"),
                           info->name, data[j], j);
      if (g_str_has_suffix (info->name, ".running_var"))
        for (gsize j = 0; j < info->numel; j++)
          if (data[j] < 0.f)
            return scvae__invalid_file (error, path, _("tensor '%s' holds a negative variance"), info->name);
    }

  if (config->bottleneck == SCVAE_BOTTLENECK_LISTA && !(model->tensors.step[0] > 0.f))
    return scvae__invalid_file (error, path, _("the LISTA step lista.c must be positive (is %g)"), model->tensors.step[0]);
  return scvae__model_check_values (model, path, error);
}

static ScvaeModel *
model_from_file (const char *path, SafetensorsFile *file, GError **error);

ScvaeModel *
scvae_model_load (const char *path, GError **error)
{
  g_autoptr(SafetensorsFile) file = scvae__safetensors_open (path, error);

  return file ? model_from_file (path, file, error) : NULL;
}

ScvaeModel *
scvae__model_load_bytes (const char *name, GBytes *contents, GError **error)
{
  g_autoptr(SafetensorsFile) file = scvae__safetensors_open_bytes (name, contents, error);

  return file ? model_from_file (name, file, error) : NULL;
}

static ScvaeModel *
model_from_file (const char *path, SafetensorsFile *file, GError **error)
{
  g_autoptr(ScvaeModel) model = NULL;
  ScvaeConfig config;
  GHashTableIter iter;
  gpointer key, value;

  if (!read_config (path, scvae__safetensors_get_metadata (file), &config, error))
    return NULL;

  model = scvae__model_alloc (&config);
  if (!scvae__model_read_tensors (model, file, FALSE, error))
    return NULL;

  g_hash_table_iter_init (&iter, scvae__safetensors_get_metadata (file));
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (model->metadata, g_strdup (key), g_strdup (value));
  model->path = g_strdup (path);
  return g_steal_pointer (&model);
}
