/* trainer-checkpoint.c: training checkpoints, written and resumed from
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A checkpoint is one safetensors file: the model's tensors (so it also
 * loads as a model), Adam's moments as "optimizer.m.NAME" and
 * "optimizer.v.NAME", and the step, Adam's step count and the data seed in
 * the metadata. Batches are a pure function of (seed, step), so that is
 * the whole random state: a resumed run trains on exactly the batches the
 * uninterrupted run would have.
 */

#include "config.h"

#include "trainer-private.h"

#include <glib/gi18n-lib.h>

#include "safetensors.h"

#define KEY_STEP "checkpoint_step"
#define KEY_ADAM_T "checkpoint_adam_t"
#define KEY_SEED "checkpoint_seed"
#define KEY_PLANNED "checkpoint_planned_steps"
#define KEY_ELAPSED "checkpoint_elapsed_s"
/* What the run's batches were made of, so that a resumed run can refuse
 * other values (the CLI reads them from the loaded checkpoint). */
#define KEY_CROP "checkpoint_crop"
#define KEY_BATCH "checkpoint_batch"

gboolean
scvae__trainer_save_checkpoint (ScvaeTrainer *trainer, const char *path, double elapsed, GError **error)
{
  ScvaeModel *model = trainer->model;
  g_autoptr(GArray) tensors = scvae__model_describe_tensors (model);
  g_autoptr(GHashTable) metadata = scvae__model_file_metadata (model);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint n_model = tensors->len;

  if (!scvae__model_check_finite (model, path, error))
    return FALSE;
  for (guint moment = 0; moment < 2; moment++)
    for (guint i = 0; i < n_model; i++)
      {
        const TensorInfo *info = &g_array_index (model->layout->tensors, TensorInfo, i);
        SafetensorsTensor t = g_array_index (tensors, SafetensorsTensor, i);
        char *name;

        if (info->kind != TENSOR_PARAMETER)
          continue;
        name = g_strconcat (moment ? "optimizer.v." : "optimizer.m.", info->name, NULL);
        g_ptr_array_add (names, name);
        t.name = name;
        t.data = (moment ? trainer->adam.v : trainer->adam.m) + info->offset;
        g_array_append_val (tensors, t);
      }

  {
    SafetensorsTensor hits = { .name = "optimizer.atom_hits", .ndim = 1,
                               .shape = { model->layout->config.atoms }, .data = trainer->atom_hits };
    g_array_append_val (tensors, hits);
  }
  g_hash_table_insert (metadata, g_strdup (KEY_STEP), g_strdup_printf ("%" G_GINT64_FORMAT, trainer->step));
  g_hash_table_insert (metadata, g_strdup (KEY_ADAM_T), g_strdup_printf ("%" G_GINT64_FORMAT, trainer->adam.t));
  g_hash_table_insert (metadata, g_strdup (KEY_SEED), g_strdup_printf ("%" G_GUINT64_FORMAT, trainer->options.seed));
  g_hash_table_insert (metadata, g_strdup (KEY_PLANNED), g_strdup_printf ("%" G_GINT64_FORMAT, trainer->planned_steps));
  g_hash_table_insert (metadata, g_strdup (KEY_ELAPSED), g_strdup_printf ("%.1f", elapsed));
  g_hash_table_insert (metadata, g_strdup (KEY_CROP), g_strdup_printf ("%d", trainer->options.crop));
  g_hash_table_insert (metadata, g_strdup (KEY_BATCH), g_strdup_printf ("%d", trainer->options.batch));
  return scvae__safetensors_write (path, metadata, (SafetensorsTensor *) tensors->data, tensors->len, error);
}

static gboolean
read_count (SafetensorsFile *file, const char *key, gint64 *value, GError **error)
{
  const char *text = g_hash_table_lookup (scvae__safetensors_get_metadata (file), key);

  if (text == NULL)
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   _("%s: not a training checkpoint (metadata %s is missing)"), scvae__safetensors_get_path (file), key);
      return FALSE;
    }
  if (!scvae__parse_int (text, 0, G_MAXINT64, value))
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   _("%s: not a training checkpoint (metadata %s is %s)"), scvae__safetensors_get_path (file), key, text);
      return FALSE;
    }
  return TRUE;
}

/* Reads the optimizer state tensor name, of numel floats, into out. */
static gboolean
read_state (SafetensorsFile *file, const char *name, guint64 numel, float *out, GError **error)
{
  const SafetensorsEntry *entry = scvae__safetensors_find (file, name);

  if (entry == NULL || !g_str_equal (entry->dtype, "F32") || entry->numel != numel)
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   _("%s: optimizer state '%s' is missing or has the wrong size"),
                   scvae__safetensors_get_path (file), name);
      return FALSE;
    }
  scvae__safetensors_read_f32 (file, entry, out);
  return TRUE;
}

gboolean
scvae_trainer_resume (ScvaeTrainer *trainer, const char *path, GError **error)
{
  g_autoptr(SafetensorsFile) file = scvae__safetensors_open (path, error);
  ScvaeModel *model = trainer->model;
  gint64 step, adam_t, seed, planned;
  const char *elapsed;

  if (file == NULL)
    return FALSE;
  if (!read_count (file, KEY_STEP, &step, error) || !read_count (file, KEY_ADAM_T, &adam_t, error)
      || !read_count (file, KEY_SEED, &seed, error) || !read_count (file, KEY_PLANNED, &planned, error))
    return FALSE;

  for (guint i = 0; i < model->layout->tensors->len; i++)
    {
      const TensorInfo *info = &g_array_index (model->layout->tensors, TensorInfo, i);

      if (info->kind != TENSOR_PARAMETER)
        continue;
      for (guint moment = 0; moment < 2; moment++)
        {
          g_autofree char *name = g_strconcat (moment ? "optimizer.v." : "optimizer.m.", info->name, NULL);

          if (!read_state (file, name, info->numel, (moment ? trainer->adam.v : trainer->adam.m) + info->offset,
                           error))
            return FALSE;
        }
    }
  if (!read_state (file, "optimizer.atom_hits", model->layout->config.atoms, trainer->atom_hits, error))
    return FALSE;
  trainer->step = step;
  trainer->adam.t = adam_t;
  trainer->options.seed = seed;
  trainer->planned_steps = planned;
  elapsed = g_hash_table_lookup (scvae__safetensors_get_metadata (file), KEY_ELAPSED);
  trainer->elapsed_before = elapsed ? g_ascii_strtod (elapsed, NULL) : 0.0;

  /* The model was loaded from the checkpoint: its training state is now the
   * trainer's, and must not linger in the model files written from here. */
  {
    static const char *const keys[] = { KEY_STEP, KEY_ADAM_T, KEY_SEED, KEY_PLANNED, KEY_ELAPSED, KEY_CROP,
                                        KEY_BATCH };

    for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
      scvae_model_set_metadata (model, keys[i], NULL);
  }
  return TRUE;
}
