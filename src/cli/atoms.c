/* atoms.c: scvae atoms
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "shipped.h"

typedef struct {
  int index;
  double usage;     /* fraction of patches where active */
  double mean_abs;  /* mean |coefficient| where active */
} AtomStats;

static gboolean
parse_list (const char *text, int n, double *out)
{
  g_auto(GStrv) parts = text ? g_strsplit (text, ",", -1) : NULL;

  if (parts == NULL || (int) g_strv_length (parts) != n)
    return FALSE;
  for (int i = 0; i < n; i++)
    out[i] = g_ascii_strtod (parts[i], NULL);
  return TRUE;
}

/* Usage over images: every patch of every image counts once. */
static gboolean
measure_usage (ScvaeModel *model, const char * const *paths, AtomStats *stats, int K, GError **error)
{
  g_auto(GStrv) files = scvae_list_images (paths, error);
  g_autoptr(ScvaeSession) session = NULL;
  g_autofree double *sums = g_new0 (double, K);
  g_autofree guint64 *counts = g_new0 (guint64, K);
  guint64 patches = 0;

  if (files == NULL)
    return FALSE;
  session = scvae_session_new (model);
  for (int i = 0; files[i]; i++)
    {
      g_autoptr(ScvaeImage) image = cli_load_and_code (session, files[i], 512, -1, 1.0, error);
      const ScvaeAtomUsage *usage;
      int rows, cols;

      if (image == NULL)
        return FALSE;
      usage = scvae_session_get_atom_usage (session);
      scvae_session_get_codes (session, &rows, &cols, NULL);
      patches += (guint64) rows * cols;
      for (int k = 0; k < K; k++)
        {
          counts[k] += usage[k].count;
          sums[k] += (double) usage[k].mean_abs * usage[k].count;
        }
    }
  for (int k = 0; k < K; k++)
    {
      stats[k].usage = (double) counts[k] / patches;
      stats[k].mean_abs = counts[k] ? sums[k] / counts[k] : 0.0;
    }
  return TRUE;
}

static int
by_usage (gconstpointer a, gconstpointer b)
{
  const AtomStats *x = a, *y = b;

  if (x->usage != y->usage)
    return x->usage < y->usage ? 1 : -1;
  return x->index - y->index;
}

int
cli_atoms (int argc, char **argv)
{
  g_autofree char *model_spec = NULL, *sort = NULL;
  g_auto(GStrv) usage_from = NULL;
  const GOptionEntry entries[] = {
    CLI_MODEL_OPTION (model_spec),
    /* Translators: "usage" and "index" are typed as they are. */
    { "sort", 0, 0, G_OPTION_ARG_STRING, &sort, N_("Order: usage (most used first) or index (default usage)"), N_("ORDER") },
    { "usage-from", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &usage_from, N_("Measure usage on these images (default: the model's stored validation statistics, else the shipped sample photos)"), N_("DIR") },
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeModel) model = NULL;
  g_autoptr(ScvaeSession) session = NULL;
  g_autofree AtomStats *stats = NULL;
  g_autofree double *usage = NULL, *mean_abs = NULL;
  g_autofree char *source = NULL, *title = NULL;
  g_autofree cairo_surface_t **pictures = NULL;
  g_autofree int *order = NULL;
  cairo_surface_t *sheet;
  int K, dead = 0;
  double typical = 0.0;
  gboolean ok;

  if (!cli_parse_options ("atoms", N_("OUT.png"),
                          N_("Draws every dictionary atom as the decoder renders it, with its index and usage."),
                          entries, &argc, &argv))
    return CLI_BAD_INPUT;
  if (argc != 2)
    return cli_usage_error ("atoms", _("expected one output file"));
  if (sort && !g_str_equal (sort, "usage") && !g_str_equal (sort, "index"))
    /* Translators: "usage" and "index" are typed as they are. */
    return cli_usage_error ("atoms", _("--sort must be usage or index (got '%s')"), sort);

  if (!scvae_check_writable (argv[1], &error))
    return cli_report (error);
  model = cli_load_model (model_spec, &error);
  if (model == NULL)
    return cli_report (error);
  K = scvae_model_get_config (model)->atoms;
  stats = g_new0 (AtomStats, K);
  usage = g_new (double, K);
  mean_abs = g_new (double, K);
  pictures = g_new (cairo_surface_t *, K);
  order = g_new (int, K);
  for (int k = 0; k < K; k++)
    stats[k].index = k;

  if (usage_from == NULL && parse_list (scvae_model_get_metadata (model, "atom_usage"), K, usage)
      && parse_list (scvae_model_get_metadata (model, "atom_mean_abs"), K, mean_abs))
    {
      for (int k = 0; k < K; k++)
        stats[k].usage = usage[k], stats[k].mean_abs = mean_abs[k];
      /* Translators: completes "usage over %s" */
      source = g_strdup (_("the model's validation photos"));
    }
  else
    {
      g_autofree char *samples = shipped_path ("samples");
      const char *defaults[] = { samples, NULL };
      const char * const *paths = usage_from ? (const char * const *) usage_from : defaults;

      if (!measure_usage (model, paths, stats, K, &error))
        return cli_report (error);
      source = g_strjoinv (", ", (char **) paths);
    }

  /* Atoms are drawn at their typical coefficient; an unused atom at the
   * typical coefficient of all atoms. */
  for (int k = 0, n = 0; k < K; k++)
    if (stats[k].mean_abs > 0)
      typical += (stats[k].mean_abs - typical) / ++n;
  if (typical <= 0)
    typical = 1.0;

  session = scvae_session_new (model);
  if (sort == NULL || g_str_equal (sort, "usage"))
    qsort (stats, K, sizeof *stats, (int (*) (const void *, const void *)) by_usage);

  for (int k = 0; k < K; k++)
    {
      float amplitude = stats[k].mean_abs > 0 ? stats[k].mean_abs : typical;
      g_autoptr(ScvaeImage) atom = scvae_session_render_atom (session, stats[k].index, amplitude,
                                                              SCVAE_ATOM_PIXELS, NULL);

      pictures[stats[k].index] = scvae_render_image (atom);
      usage[stats[k].index] = stats[k].usage;
      order[k] = stats[k].index;
      dead += stats[k].usage == 0;
    }
  /* Translators: the title of the contact sheet: the model file, the
   * number of atoms, how many of them never fire, and the photos (or
   * folders) the usage was measured on. */
  title = g_strdup_printf (ngettext ("%s: %d atom, %d never active; usage over %s",
                                     "%s: %d atoms, %d never active; usage over %s", K),
                           scvae_model_get_path (model), K, dead, source);
  sheet = scvae_render_atom_sheet (pictures, usage, order, K, title);
  for (int k = 0; k < K; k++)
    cairo_surface_destroy (pictures[k]);
  ok = scvae_render_write_png (sheet, argv[1], &error);
  cairo_surface_destroy (sheet);
  if (!ok)
    return cli_report (error);
  printf (ngettext ("%s: %d atom, %d never active (usage over %s)\n",
                    "%s: %d atoms, %d never active (usage over %s)\n", K), argv[1], K, dead, source);
  return CLI_OK;
}
