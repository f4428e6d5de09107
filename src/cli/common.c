/* common.c: error reporting, option parsing and model lookup for scvae
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include "cli.h"
#include "shipped.h"

int
cli_report (const GError *error)
{
  fprintf (stderr, "scvae: %s\n", error->message);
  if (g_error_matches (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT)
      || error->domain == G_OPTION_ERROR)
    return CLI_BAD_INPUT;
  return CLI_FAILED;
}

int
cli_usage_error (const char *command, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  /* Translators: the first and the last %s are the command's name (such
   * as "train"), the second says what is wrong with the command line. */
  fprintf (stderr, _("scvae %s: %s (see scvae %s --help)\n"), command, message, command);
  return CLI_BAD_INPUT;
}

static int threads_option = 0;

gboolean
cli_parse_options (const char *command,
                   const char *parameter_string,
                   const char *summary,
                   const GOptionEntry *entries,
                   int *argc,
                   char ***argv)
{
  const GOptionEntry common_entries[] = {
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads_option,
      N_("Threads for the linear algebra (default: all cores)"), N_("N") },
    { NULL },
  };
  /* The command's name is typed as it is; its parameters are placeholders. */
  g_autofree char *title = g_strdup_printf ("%s %s", command, *parameter_string ? _(parameter_string) : "");
  g_autoptr(GOptionContext) context = g_option_context_new (title);
  g_autoptr(GError) error = NULL;

  /* GOption translates the summary and the entries' texts in this domain. */
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, common_entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      cli_usage_error (command, "%s", error->message);
      return FALSE;
    }
  if (threads_option < 0 || threads_option > 256)
    {
      cli_usage_error (command, _("--threads must be between 1 and 256 (got %d)"), threads_option);
      return FALSE;
    }
  scvae_set_threads (threads_option);
  return TRUE;
}

ScvaeModel *
cli_load_model (const char *spec, GError **error)
{
  g_autofree char *path = NULL;

  if (spec == NULL || g_str_equal (spec, "default"))
    {
      path = shipped_default_model_path (error);
      if (path == NULL)
        return NULL;
      spec = path;
    }
  return scvae_model_load (spec, error);
}

gboolean
cli_check_coding_options (const char *command, int depth, double sparsity, int max_size)
{
  if (depth < -1 || depth > SCVAE_MAX_DEPTH)
    {
      cli_usage_error (command, _("--depth must be between 0 and %d (got %d)"), SCVAE_MAX_DEPTH, depth);
      return FALSE;
    }
  if (!(sparsity >= 0 && sparsity <= SCVAE_MAX_SPARSITY))
    {
      cli_usage_error (command, _("--sparsity must be between 0 and %g (got %g)"),
                       SCVAE_MAX_SPARSITY, sparsity);
      return FALSE;
    }
  if (max_size < 4)
    {
      cli_usage_error (command, _("--max-size must be at least 4 (got %d)"), max_size);
      return FALSE;
    }
  return TRUE;
}

char *
cli_format_duration (double seconds)
{
  gint64 s = (gint64) (seconds + 0.5);

  if (s >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", s / 3600, (int) (s / 60 % 60), (int) (s % 60));
  return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
}

ScvaeImage *
cli_load_image (const char *path, int max_size, GError **error)
{
  ScvaeImageInfo info;
  ScvaeImage *image = scvae_image_load_with_info (path, max_size, &info, error);

  if (image == NULL)
    return NULL;
  if (info.scaled)
    fprintf (stderr, _("scvae: %s: downscaled to %dx%d (--max-size %d)\n"), path, image->width,
             image->height, max_size);
  if (info.flattened)
    fprintf (stderr, _("scvae: %s: transparent pixels are flattened onto mid grey\n"), path);
  return image;
}

gboolean
cli_check_metrics (const char *path, const ScvaeMetrics *m, GError **error)
{
  /* PSNR is infinite for a perfect reconstruction; nothing else may be. */
  if (isnan (m->psnr) || !isfinite (m->ssim) || !isfinite (m->lasso) || !isfinite (m->latent_mse))
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_FAILED,
                   _("%s: the model's numbers are not finite on this image (PSNR %g, SSIM %g, lasso %g): "
                     "the model is unusable"), path, m->psnr, m->ssim, m->lasso);
      return FALSE;
    }
  return TRUE;
}

ScvaeImage *
cli_load_and_code (ScvaeSession *session, const char *path, int max_size, int depth,
                   double sparsity, GError **error)
{
  g_autoptr(ScvaeImage) image = NULL;

  image = cli_load_image (path, max_size, error);
  if (image == NULL)
    return NULL;
  if (!scvae_session_encode (session, image, NULL, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  if (!scvae_session_sparse_code (session, depth, (float) sparsity, NULL, error))
    return NULL;
  return g_steal_pointer (&image);
}

ScvaeSession *
cli_open_and_code (const char *model_spec, const char *path, int max_size, int depth,
                   double sparsity, ScvaeImage **image, GError **error)
{
  g_autoptr(ScvaeModel) model = cli_load_model (model_spec, error);
  g_autoptr(ScvaeSession) session = NULL;

  if (model == NULL)
    return NULL;
  session = scvae_session_new (model);
  *image = cli_load_and_code (session, path, max_size, depth, sparsity, error);
  return *image ? g_steal_pointer (&session) : NULL;
}
