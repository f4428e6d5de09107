/* survey.c: scvae survey, what every atom does over a collection
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Codes each image as scvae encode does (the same options give the same
 * codes), streams them into a ScvaeSurvey, and writes one JSON file: the
 * images, and per atom its frequency, strength, histogram, strongest
 * patches, nearest atoms by |cos| and the atoms it fires with. A file
 * that cannot be coded is skipped with a line saying why, as in eval.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define NEIGHBOURS 8 /* nearest and co-firing atoms listed per atom */

typedef struct {
  char *path;
  int width, height, rows, cols;
} SurveyedImage;

static void
surveyed_image_free (gpointer data)
{
  SurveyedImage *image = data;

  g_free (image->path);
  g_free (image);
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
      cli_json_add_int (builder, "index", candidates[i].index);
      cli_json_add_double (builder, value_name, candidates[i].value);
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
          const float *atoms, int C, int K, int k, int top_n)
{
  g_autofree ScvaeSurveyPatch *top = g_new (ScvaeSurveyPatch, MAX (top_n, 1));
  g_autofree Neighbour *candidates = g_new (Neighbour, K);
  const guint64 *histogram = scvae_survey_get_histogram (survey, k);
  int n_top = scvae_survey_get_top (survey, k, top), n;

  json_builder_begin_object (builder);
  cli_json_add_int (builder, "index", k);
  cli_json_add_double (builder, "frequency", patches ? (double) usage[k].count / patches : 0.0);
  cli_json_add_double (builder, "mean_abs", usage[k].mean_abs);
  cli_json_add_double (builder, "max_abs", usage[k].max_abs);

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
      cli_json_add_int (builder, "image", top[i].image);
      cli_json_add_int (builder, "row", top[i].row);
      cli_json_add_int (builder, "col", top[i].col);
      cli_json_add_double (builder, "value", top[i].value);
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

static void
show_progress (int done, int total, gint64 started)
{
  double elapsed = (g_get_monotonic_time () - started) / 1e6;
  g_autofree char *eta = cli_format_duration (done ? elapsed / done * (total - done) : 0);
  int width = 30, filled = total ? width * done / total : width;

  /* Translators: after a progress bar: images done, of all, and the time
   * left. */
  fputc ('\r', stderr);
  fprintf (stderr, _("[%.*s%*s] %d of %d images, %s left"), filled, "##############################",
           width - filled, "", done, total, eta);
  fflush (stderr);
}

int
cli_survey (int argc, char **argv)
{
  g_autofree char *model_spec = NULL, *out = NULL;
  int depth = -1, max_size = SCVAE_DEFAULT_MAX_SIDE, top_n = 16;
  double sparsity = 1.0;
  const GOptionEntry entries[] = {
    CLI_MODEL_OPTION (model_spec),
    CLI_CODING_OPTIONS (depth, sparsity),
    CLI_MAX_SIZE_OPTION (max_size),
    { "top", 0, 0, G_OPTION_ARG_INT, &top_n, N_("Strongest patches kept per atom, 0-1000 (default 16)"), N_("N") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("Where to write the survey (JSON)"), N_("SURVEY.json") },
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeModel) model = NULL;
  g_autoptr(ScvaeSession) session = NULL;
  g_autoptr(ScvaeSurvey) survey = NULL;
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func (surveyed_image_free);
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree float *atoms = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) files = NULL;
  const ScvaeAtomUsage *usage;
  const ScvaeConfig *config;
  ScvaeCodeHealth health;
  gboolean tty = isatty (STDERR_FILENO);
  gint64 started = g_get_monotonic_time ();
  guint64 budget;
  int total;

  if (!cli_parse_options ("survey", N_("IMAGE|DIR..."),
                          N_("Codes every image and writes, per atom, how often and how strongly it fires, its "
                             "strongest patches, its nearest atoms and the atoms it fires with."),
                          entries, &argc, &argv))
    return CLI_BAD_INPUT;
  if (argc < 2)
    return cli_usage_error ("survey", _("expected at least one image or folder"));
  if (out == NULL)
    return cli_usage_error ("survey", _("--out is required"));
  if (top_n < 0 || top_n > 1000)
    return cli_usage_error ("survey", _("--top must be between 0 and 1000"));
  if (!cli_check_coding_options ("survey", depth, sparsity, max_size))
    return CLI_BAD_INPUT;
  if (!scvae_check_writable (out, &error))
    return cli_report (error);

  model = cli_load_model (model_spec, &error);
  if (model == NULL)
    return cli_report (error);
  files = scvae_list_images ((const char * const *) argv + 1, &error);
  if (files == NULL)
    return cli_report (error);

  config = scvae_model_get_config (model);
  /* The per-pair counts grow with K²: 0.25 MB at K = 256, 1 GB at 16384. */
  if (!scvae_memory_budget (&budget, &error))
    return cli_report (error);
  if ((guint64) config->atoms * config->atoms * sizeof (guint32) > budget / 2)
    {
      fprintf (stderr, _("scvae: %s: %d atoms need %.0f MB for the counts of atoms firing together, more than "
                         "half the memory limit\n"),
               scvae_model_get_path (model), config->atoms,
               (double) config->atoms * config->atoms * sizeof (guint32) / 1e6);
      return CLI_BAD_INPUT;
    }
  survey = scvae_survey_new (config->atoms, top_n);
  session = scvae_session_new (model);
  total = (int) g_strv_length (files);
  for (int i = 0; files[i]; i++)
    {
      g_autoptr(ScvaeImage) image = NULL;
      SurveyedImage *surveyed;
      const float *codes;

      if (tty)
        show_progress (i, total, started);
      image = scvae_image_load (files[i], max_size, NULL, &error);
      if (image == NULL
          || !scvae_session_encode (session, image, NULL, &error)
          || !scvae_session_sparse_code (session, depth, (float) sparsity, NULL, &error))
        {
          /* An unreadable image is skipped; a failure of the engine on a
           * readable one (out of memory) stops the survey. */
          if (image != NULL)
            {
              g_prefix_error (&error, "%s: ", files[i]);
              if (!g_error_matches (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT))
                return cli_report (error);
            }
          fprintf (stderr, "%sscvae: %s\n", tty ? "\r\033[K" : "", error->message);
          g_ptr_array_add (skipped, g_strdup (error->message));
          g_clear_error (&error);
          continue;
        }
      surveyed = g_new0 (SurveyedImage, 1);
      surveyed->path = g_strdup (files[i]);
      surveyed->width = image->width;
      surveyed->height = image->height;
      codes = scvae_session_get_codes (session, &surveyed->rows, &surveyed->cols, NULL);
      scvae_survey_add (survey, (int) images->len, codes, surveyed->rows, surveyed->cols);
      g_ptr_array_add (images, surveyed);
    }
  if (tty)
    fprintf (stderr, "\r\033[K");
  if (images->len == 0)
    {
      fprintf (stderr, _("scvae: none of the %d files could be surveyed\n"), total);
      return CLI_BAD_INPUT;
    }

  scvae_code_stats_get_health (scvae_survey_get_code_stats (survey), &health);
  usage = scvae_code_stats_get_usage (scvae_survey_get_code_stats (survey));
  atoms = unit_atoms (model);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "images");
  json_builder_begin_array (builder);
  for (guint i = 0; i < images->len; i++)
    {
      SurveyedImage *image = images->pdata[i];

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, image->path);
      cli_json_add_int (builder, "width", image->width);
      cli_json_add_int (builder, "height", image->height);
      cli_json_add_int (builder, "rows", image->rows);
      cli_json_add_int (builder, "cols", image->cols);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "skipped");
  json_builder_begin_array (builder);
  for (guint i = 0; i < skipped->len; i++)
    json_builder_add_string_value (builder, skipped->pdata[i]);
  json_builder_end_array (builder);
  cli_json_add_int (builder, "patches", (gint64) health.patches);
  cli_json_add_int (builder, "depth", depth >= 0 ? depth : config->lista_steps);
  cli_json_add_double (builder, "sparsity", sparsity);
  json_builder_set_member_name (builder, "atoms");
  json_builder_begin_array (builder);
  for (int k = 0; k < config->atoms; k++)
    add_atom (builder, survey, usage, health.patches, atoms, config->channels, config->atoms, k, top_n);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  if (!scvae_write_file (out, text, strlen (text), &error))
    return cli_report (error);
  /* Translators: the survey file, then how many images and patches. */
  printf (_("%s: %u images, %llu patches, %d atoms\n"), out, images->len, (unsigned long long) health.patches,
          config->atoms);
  /* As eval: a file left out is an error, after the others are done. */
  return skipped->len ? CLI_BAD_INPUT : CLI_OK;
}
