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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

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
  g_autofree char *text = NULL;
  g_auto(GStrv) files = NULL;
  ScvaeSurveyOptions options;
  ScvaeCodeHealth health;
  gboolean tty = isatty (STDERR_FILENO);
  gint64 started = g_get_monotonic_time ();
  guint n_images, n_skipped;
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
  survey = scvae_survey_new_for_model (model, top_n, &error);
  if (survey == NULL)
    return cli_report (error);

  options = (ScvaeSurveyOptions) { max_size, depth, (float) sparsity };
  session = scvae_session_new (model);
  total = (int) g_strv_length (files);
  for (int i = 0; files[i]; i++)
    {
      if (tty)
        show_progress (i, total, started);
      const char * const *skipped;
      guint before;

      scvae_survey_get_skipped (survey, &before);
      if (!scvae_survey_add_file (survey, session, files[i], &options, NULL, &error))
        return cli_report (error);
      skipped = scvae_survey_get_skipped (survey, &n_skipped);
      if (n_skipped > before)
        fprintf (stderr, "%sscvae: %s\n", tty ? "\r\033[K" : "", skipped[before]);
    }
  if (tty)
    fprintf (stderr, "\r\033[K");
  n_images = scvae_survey_get_n_images (survey);
  if (n_images == 0)
    {
      fprintf (stderr, _("scvae: none of the %d files could be surveyed\n"), total);
      return CLI_BAD_INPUT;
    }

  text = scvae_survey_to_json (survey, model, &options);
  if (!scvae_write_file (out, text, strlen (text), &error))
    return cli_report (error);
  scvae_survey_get_skipped (survey, &n_skipped);
  /* Translators: the survey file, then how many images and patches. */
  scvae_code_stats_get_health (scvae_survey_get_code_stats (survey), &health);
  printf (_("%s: %u images, %llu patches, %d atoms\n"), out, n_images, (unsigned long long) health.patches,
          scvae_model_get_config (model)->atoms);
  /* As eval: a file left out is an error, after the others are done. */
  return n_skipped ? CLI_BAD_INPUT : CLI_OK;
}
