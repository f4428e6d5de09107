/* survey-report.c: a collection coded into a survey, and the survey's file
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What scvae survey and the app's collection view share: each image is
 * coded as scvae encode codes it (the same options give the same codes)
 * and added to the survey, which remembers the images and the files it
 * had to skip; the report is one JSON document: the images, and per atom
 * its frequency, strength, histogram, strongest patches, nearest atoms by
 * |cos| and the atoms it fires with.
 */

#include "config.h"

#include "scvae.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>

#define NEIGHBOURS SCVAE_SURVEY_NEIGHBOURS

ScvaeSurvey *
scvae_survey_new_for_model (ScvaeModel *model, int top_n, GError **error)
{
  int K = scvae_model_get_config (model)->atoms;
  double bytes = (double) K * K * sizeof (guint32);
  guint64 budget;

  /* The per-pair counts grow with K²: 0.25 MB at K = 256, 1 GB at 16384. */
  if (!scvae_memory_budget (&budget, error))
    return NULL;
  if (bytes > budget / 2)
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   _("%s: %d atoms need %.0f MB for the counts of atoms firing together, more than half the "
                     "memory limit"),
                   scvae_model_get_path (model), K, bytes / 1e6);
      return NULL;
    }
  return scvae_survey_new (K, top_n);
}

gboolean
scvae_survey_add_file (ScvaeSurvey *survey, ScvaeSession *session, const char *path,
                       const ScvaeSurveyOptions *options, GCancellable *cancellable, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(ScvaeImage) image = scvae_image_load (path, options->max_size, NULL, &local);
  const float *codes;
  int rows, cols;

  if (image == NULL)
    {
      scvae_survey_add_skipped (survey, local->message);
      return TRUE;
    }
  if (!scvae_session_encode (session, image, cancellable, &local)
      || !scvae_session_sparse_code (session, options->depth, options->sparsity, cancellable, &local))
    {
      g_prefix_error (&local, "%s: ", path);
      /* A readable image the engine refuses (too large) is skipped too */
      if (!g_error_matches (local, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      scvae_survey_add_skipped (survey, local->message);
      return TRUE;
    }
  codes = scvae_session_get_codes (session, &rows, &cols, NULL);
  scvae_survey_add_image (survey, path, image->width, image->height, codes, rows, cols);
  return TRUE;
}

/* JSON has no infinity or NaN */
static void
add_double (JsonBuilder *builder, const char *name, double value)
{
  json_builder_set_member_name (builder, name);
  if (isfinite (value))
    json_builder_add_double_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_int (JsonBuilder *builder, const char *name, gint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

typedef struct {
  int index;
  double score; /* what ranks: |cos|, or patches fired together */
  double value; /* what is written: cos, or lift */
} Neighbour;

static int
compare_neighbours (const void *a, const void *b)
{
  const Neighbour *x = a, *y = b;

  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return x->index - y->index;
}

/* The NEIGHBOURS best of candidates (sorted in place) as a JSON array. */
static void
add_neighbours (JsonBuilder *builder, const char *name, const char *value_name, Neighbour *candidates, int n)
{
  qsort (candidates, n, sizeof *candidates, compare_neighbours);
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (int i = 0; i < MIN (n, NEIGHBOURS); i++)
    {
      json_builder_begin_object (builder);
      add_int (builder, "index", candidates[i].index);
      add_double (builder, value_name, candidates[i].value);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

/* Unit-length atoms, K x C (atom-major), for their cosines. */
static float *
unit_atoms (ScvaeModel *model)
{
  const ScvaeConfig *config = scvae_model_get_config (model);
  const float *D = scvae_model_get_dictionary (model);
  int C = config->channels, K = config->atoms;
  float *atoms = g_new (float, (gsize) K * C);

  for (int k = 0; k < K; k++)
    {
      double norm = 0;

      for (int c = 0; c < C; c++)
        norm += (double) D[(gsize) c * K + k] * D[(gsize) c * K + k];
      norm = norm > 0 ? sqrt (norm) : 1;
      for (int c = 0; c < C; c++)
        atoms[(gsize) k * C + c] = (float) (D[(gsize) c * K + k] / norm);
    }
  return atoms;
}

static void
add_atom (JsonBuilder *builder, ScvaeSurvey *survey, const ScvaeAtomUsage *usage, guint64 patches,
          const float *atoms, int C, int K, int k)
{
  g_autofree ScvaeSurveyPatch *top = g_new (ScvaeSurveyPatch, MAX (scvae_survey_get_top_n (survey), 1));
  g_autofree Neighbour *candidates = g_new (Neighbour, K);
  const guint64 *histogram = scvae_survey_get_histogram (survey, k);
  int n_top = scvae_survey_get_top (survey, k, top), n;

  json_builder_begin_object (builder);
  add_int (builder, "index", k);
  add_double (builder, "frequency", patches ? (double) usage[k].count / patches : 0.0);
  add_double (builder, "mean_abs", usage[k].mean_abs);
  add_double (builder, "max_abs", usage[k].max_abs);

  json_builder_set_member_name (builder, "histogram");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "edges");
  json_builder_begin_array (builder);
  for (int i = 0; i <= SCVAE_SURVEY_BINS; i++)
    json_builder_add_double_value (builder, scvae_survey_bin_edge (i));
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "counts");
  json_builder_begin_array (builder);
  for (int i = 0; i < SCVAE_SURVEY_BINS; i++)
    json_builder_add_int_value (builder, (gint64) histogram[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "top");
  json_builder_begin_array (builder);
  for (int i = 0; i < n_top; i++)
    {
      json_builder_begin_object (builder);
      add_int (builder, "image", top[i].image);
      add_int (builder, "row", top[i].row);
      add_int (builder, "col", top[i].col);
      add_double (builder, "value", top[i].value);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  n = 0;
  for (int j = 0; j < K; j++)
    if (j != k)
      {
        double cos = 0;

        for (int c = 0; c < C; c++)
          cos += (double) atoms[(gsize) k * C + c] * atoms[(gsize) j * C + c];
        candidates[n++] = (Neighbour) { j, fabs (cos), cos };
      }
  add_neighbours (builder, "nearest", "cos", candidates, n);

  /* Ranked by how often they fire together; the lift says how much more
   * often than if they fired independently. */
  n = 0;
  for (int j = 0; j < K; j++)
    {
      guint64 together = scvae_survey_get_together (survey, k, j);

      if (together > 0)
        candidates[n++] = (Neighbour) { j, (double) together,
                                        (double) together * patches / ((double) usage[k].count * usage[j].count) };
    }
  add_neighbours (builder, "cooccurs", "lift", candidates, n);
  json_builder_end_object (builder);
}

char *
scvae_survey_to_json (ScvaeSurvey *survey, ScvaeModel *model, const ScvaeSurveyOptions *options)
{
  const ScvaeConfig *config = scvae_model_get_config (model);
  ScvaeCodeStats *stats = scvae_survey_get_code_stats (survey);
  const ScvaeAtomUsage *usage = scvae_code_stats_get_usage (stats);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree float *atoms = unit_atoms (model);
  const char *model_path = scvae_model_get_path (model);
  ScvaeCodeHealth health;
  guint n_images = scvae_survey_get_n_images (survey), n_skipped;
  const char * const *skipped = scvae_survey_get_skipped (survey, &n_skipped);

  scvae_code_stats_get_health (stats, &health);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "images");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_images; i++)
    {
      const ScvaeSurveyImage *image = scvae_survey_get_image (survey, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, image->path);
      add_int (builder, "width", image->width);
      add_int (builder, "height", image->height);
      add_int (builder, "rows", image->rows);
      add_int (builder, "cols", image->cols);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "skipped");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_skipped; i++)
    json_builder_add_string_value (builder, skipped[i]);
  json_builder_end_array (builder);
  add_int (builder, "patches", (gint64) health.patches);
  json_builder_set_member_name (builder, "model");
  if (model_path)
    json_builder_add_string_value (builder, model_path);
  else
    json_builder_add_null_value (builder);
  add_int (builder, "max_size", options->max_size);
  add_int (builder, "depth", options->depth >= 0 ? options->depth : config->lista_steps);
  add_double (builder, "sparsity", options->sparsity);
  json_builder_set_member_name (builder, "atoms");
  json_builder_begin_array (builder);
  for (int k = 0; k < config->atoms; k++)
    add_atom (builder, survey, usage, health.patches, atoms, config->channels, config->atoms, k);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}
