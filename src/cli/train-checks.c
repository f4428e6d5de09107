/* train-checks.c: what scvae train makes sure of before its first step
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A run that can only fail at its end, or that silently replaces a model
 * trained for hours, loses work: every output is checked first, an
 * existing model is replaced only when asked to, and a resumed run refuses
 * flags that contradict its checkpoint instead of ignoring them.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

gboolean
cli_train_check_outputs (const char *out, const char *checkpoint, const char *log, gboolean resume,
                         gboolean force, GError **error)
{
  const char *outputs[] = { out, checkpoint, log };
  int removed = 0;

  for (guint i = 0; i < G_N_ELEMENTS (outputs); i++)
    if (outputs[i] && !scvae_check_writable (outputs[i], error))
      return FALSE;
  /* A fresh run would replace the model and checkpoint of another one. */
  for (guint i = 0; i < 2 && !resume && !force; i++)
    if (g_file_test (outputs[i], G_FILE_TEST_EXISTS))
      {
        g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                     _("%s: exists already: give --resume to continue its training, or --force to replace it"),
                     outputs[i]);
        return FALSE;
      }
  /* What writes of a killed run left behind (the files themselves were
   * replaced whole, or not at all). */
  for (guint i = 0; i < 2; i++)
    removed += scvae_remove_stale_temporaries (outputs[i]);
  if (removed > 0)
    fprintf (stderr, ngettext ("scvae: removed %d temporary file an interrupted run left beside %s\n",
                               "scvae: removed %d temporary files an interrupted run left beside %s\n", removed),
             removed, out);
  return TRUE;
}

static gboolean
conflict (GError **error, const char *path, const char *flag, const char *given, const char *kept)
{
  /* Translators: the checkpoint or model file, a flag such as --atoms,
   * its value on the command line, and the value the file holds. */
  g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
               _("%s: %s %s conflicts with the file's %s (leave the flag out, or start a new run)"),
               path, flag, given, kept);
  return FALSE;
}

static gboolean
check_int (GError **error, const char *path, const char *flag, int given, int kept)
{
  g_autofree char *a = g_strdup_printf ("%d", given), *b = g_strdup_printf ("%d", kept);

  return given == CLI_NOT_GIVEN || given == kept || conflict (error, path, flag, a, b);
}

static gboolean
check_float (GError **error, const char *path, const char *flag, double given, float kept)
{
  g_autofree char *a = NULL, *b = NULL;

  if (isnan (given) || (float) given == kept)
    return TRUE;
  a = scvae_format_float ((float) given);
  b = scvae_format_float (kept);
  return conflict (error, path, flag, a, b);
}

/* The crop or batch size a checkpoint's run used: its own key, or the
 * recipe older checkpoints recorded ("batch=16 crop=64 ..."); -1 if
 * neither says. */
static int
checkpoint_value (ScvaeModel *model, const char *key, const char *recipe_key)
{
  const char *text = scvae_model_get_metadata (model, key);
  const char *recipe = scvae_model_get_metadata (model, "train_recipe");
  g_autofree char *pattern = g_strconcat (recipe_key, "=", NULL);
  const char *at;

  if (text)
    return (int) g_ascii_strtoll (text, NULL, 10);
  if (recipe && (at = strstr (recipe, pattern)))
    return (int) g_ascii_strtoll (at + strlen (pattern), NULL, 10);
  return -1;
}

static float
given_or (double given, float kept)
{
  return isnan (given) ? kept : (float) given;
}

/* The loss weights given on the command line, the file's for the others. */
static gboolean
set_loss_weights (ScvaeModel *model, const CliTrainFlags *given, GError **error)
{
  ScvaeConfig weights = *scvae_model_get_config (model);

  weights.beta = given_or (given->beta, weights.beta);
  weights.gamma = given_or (given->gamma, weights.gamma);
  weights.l1 = given_or (given->l1, weights.l1);
  weights.whiten = given_or (given->whiten, weights.whiten);
  weights.center = given_or (given->center, weights.center);
  weights.lifetime = given_or (given->lifetime, weights.lifetime);
  weights.commitment = given_or (given->commitment, weights.commitment);
  weights.ema_decay = given_or (given->ema_decay, weights.ema_decay);
  weights.kl_weight = given_or (given->kl_weight, weights.kl_weight);
  return scvae_model_set_loss_weights (model, &weights, error);
}

gboolean
cli_train_check_applicable (ScvaeBottleneck bottleneck, const CliTrainFlags *given, GError **error)
{
  const struct { const char *flag; gboolean given; ScvaeBottleneck owner; } flags[] = {
    { "--depth", given->depth != CLI_NOT_GIVEN, SCVAE_BOTTLENECK_LISTA },
    { "--beta", !isnan (given->beta), SCVAE_BOTTLENECK_LISTA },
    { "--gamma", !isnan (given->gamma), SCVAE_BOTTLENECK_LISTA },
    { "--l1", !isnan (given->l1), SCVAE_BOTTLENECK_LISTA },
    { "--lifetime", !isnan (given->lifetime), SCVAE_BOTTLENECK_LISTA },
    { "--commitment", !isnan (given->commitment), SCVAE_BOTTLENECK_VQ },
    { "--ema-decay", !isnan (given->ema_decay), SCVAE_BOTTLENECK_VQ },
    { "--kl-weight", !isnan (given->kl_weight), SCVAE_BOTTLENECK_GAUSSIAN },
  };

  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    if (flags[i].given && flags[i].owner != bottleneck)
      {
        /* Translators: "--beta applies to the lista bottleneck, not to vq" */
        g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT, _("%s applies to the %s bottleneck, not to %s"),
                     flags[i].flag, scvae_bottleneck_to_string (flags[i].owner),
                     scvae_bottleneck_to_string (bottleneck));
        return FALSE;
      }
  return TRUE;
}

gboolean
cli_train_check_flags (ScvaeModel *model, gboolean resume, const CliTrainFlags *given, int *crop,
                       int *batch, GError **error)
{
  const ScvaeConfig *config = scvae_model_get_config (model);
  const char *path = scvae_model_get_path (model);
  int kept_crop, kept_batch;

  if (given->bottleneck != CLI_NOT_GIVEN && (ScvaeBottleneck) given->bottleneck != config->bottleneck)
    return conflict (error, path, "--bottleneck", scvae_bottleneck_to_string (given->bottleneck),
                     scvae_bottleneck_to_string (config->bottleneck));
  if (!cli_train_check_applicable (config->bottleneck, given, error))
    return FALSE;
  if (!check_int (error, path, "--channels", given->channels, config->channels)
      || !check_int (error, path, "--atoms", given->atoms, config->atoms)
      || !check_int (error, path, "--depth", given->depth, config->lista_steps))
    return FALSE;
  if (!resume)
    return set_loss_weights (model, given, error);
  if (!check_float (error, path, "--beta", given->beta, config->beta)
      || !check_float (error, path, "--gamma", given->gamma, config->gamma)
      || !check_float (error, path, "--l1", given->l1, config->l1)
      || !check_float (error, path, "--whiten", given->whiten, config->whiten)
      || !check_float (error, path, "--center", given->center, config->center)
      || !check_float (error, path, "--lifetime", given->lifetime, config->lifetime)
      || !check_float (error, path, "--commitment", given->commitment, config->commitment)
      || !check_float (error, path, "--ema-decay", given->ema_decay, config->ema_decay)
      || !check_float (error, path, "--kl-weight", given->kl_weight, config->kl_weight))
    return FALSE;

  /* Batches are a function of (seed, step, crop, batch): a resumed run
   * goes on with the checkpoint's. */
  kept_crop = checkpoint_value (model, "checkpoint_crop", "crop");
  kept_batch = checkpoint_value (model, "checkpoint_batch", "batch");
  if ((kept_crop > 0 && !check_int (error, path, "--crop", given->crop, kept_crop))
      || (kept_batch > 0 && !check_int (error, path, "--batch", given->batch, kept_batch)))
    return FALSE;
  if (given->crop == CLI_NOT_GIVEN && kept_crop > 0)
    *crop = kept_crop;
  if (given->batch == CLI_NOT_GIVEN && kept_batch > 0)
    *batch = kept_batch;
  return TRUE;
}

gboolean
cli_train_check_validation (ScvaeModel *model, ScvaeDataset *val, GError **error)
{
  guint64 budget;

  if (!scvae_memory_budget (&budget, error))
    return FALSE;
  /* Validation runs a session on each photo, in the middle of the run:
   * one that would not fit is refused now, not then. */
  for (int i = 0; i < scvae_dataset_get_n_images (val); i++)
    {
      g_autoptr(ScvaeImage) image = scvae_dataset_load_image (val, i);
      guint64 needed = scvae_session_estimate_bytes (model, image->width, image->height);

      if (needed > budget)
        {
          g_autofree char *needed_text = g_format_size_full (needed, G_FORMAT_SIZE_IEC_UNITS);
          g_autofree char *budget_text = g_format_size_full (budget, G_FORMAT_SIZE_IEC_UNITS);

          g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                       _("%s: validating on it at %dx%d needs %s, more than the %s available"),
                       scvae_dataset_get_path (val, i), image->width, image->height, needed_text, budget_text);
          return FALSE;
        }
    }
  return TRUE;
}

/* A run killed after its last checkpoint had logged steps that the resumed
 * run trains again: their rows go, so that the log holds each step once.
 * A new log, a device or a FIFO has nothing to trim. */
gboolean
cli_train_trim_log (const char *log, gint64 step, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GString) kept = NULL;
  gboolean dropped = FALSE;
  gsize length;
  GStatBuf st;

  if (log == NULL || g_stat (log, &st) != 0 || !S_ISREG (st.st_mode))
    return TRUE;
  if (!g_file_get_contents (log, &text, &length, error))
    return FALSE;
  kept = g_string_sized_new (length);
  for (const char *line = text; *line;)
    {
      const char *end = strchr (line, '\n');
      gsize n = end ? (gsize) (end - line) + 1 : strlen (line);
      char *after;
      gint64 row_step = g_ascii_strtoll (line, &after, 10);

      /* The header and anything else that is not a step's row stay. */
      if (after != line && *after == ',' && row_step > step)
        dropped = TRUE;
      else
        g_string_append_len (kept, line, (gssize) n);
      line += n;
    }
  return !dropped || scvae_write_file (log, kept->str, kept->len, error);
}
