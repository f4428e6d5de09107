/* eval.c: scvae eval
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>

#include "cli.h"

typedef struct {
  char *path;
  int width, height;
  ScvaeMetrics metrics;
  double ms;
} ImageResult;

static void
image_result_free (gpointer data)
{
  ImageResult *r = data;

  g_free (r->path);
  g_free (r);
}

/* Reports a file that cannot be measured, on its own line, and keeps the
 * message for the summary. */
static void
skip_failed (GPtrArray *failed, GError **error)
{
  fprintf (stderr, "scvae: %s\n", (*error)->message);
  g_ptr_array_add (failed, g_strdup ((*error)->message));
  g_clear_error (error);
}

/* The mean line, and the health of the bottleneck in the terms that fit it. */
static void
print_summary (const ScvaeConfig *config, guint n_images, double psnr, double ssim, double active, double ms,
               const ScvaeCodeHealth *codes, const ScvaeDictionaryHealth *dictionary, int active_channels)
{
  /* Translators: followed by a description of the codes, e.g. "12 of 256
   * atoms used (usage perplexity 9.1)", and the time. */
  printf (ngettext ("mean over %u image: PSNR %.2f dB, SSIM %.4f, ", "mean over %u images: PSNR %.2f dB, SSIM %.4f, ",
                    n_images),
          n_images, psnr, ssim);
  switch (config->bottleneck)
    {
    case SCVAE_BOTTLENECK_LISTA:
      printf (ngettext ("%.1f%% active, %d of %d atom used (usage perplexity %.1f)",
                        "%.1f%% active, %d of %d atoms used (usage perplexity %.1f)", config->atoms),
              100 * active, codes->atoms_used, config->atoms, codes->usage_perplexity);
      break;
    case SCVAE_BOTTLENECK_VQ:
      /* Translators: a VQ-VAE's codebook; perplexity: how many codes share
       * the work (all K when evenly, 1 when one code does it all); dead:
       * never the nearest. */
      printf (ngettext ("%d of %d code used (perplexity %.1f), %d dead",
                        "%d of %d codes used (perplexity %.1f), %d dead", config->atoms),
              codes->atoms_used, config->atoms, codes->usage_perplexity, codes->dead_atoms);
      break;
    case SCVAE_BOTTLENECK_GAUSSIAN:
      /* Translators: a Gaussian VAE's latent channels whose mean varies
       * across patches (the others collapsed to their prior). */
      printf (ngettext ("%d of %d latent channel active (variance of the mean > %g)",
                        "%d of %d latent channels active (variance of the mean > %g)", config->channels),
              active_channels, config->channels, SCVAE_ACTIVE_UNIT_VARIANCE);
      break;
    }
  printf (_(", %.0f ms per image\n"), ms);
  if (config->bottleneck == SCVAE_BOTTLENECK_LISTA)
    cli_print_code_health (stdout, codes);
  if (config->bottleneck != SCVAE_BOTTLENECK_GAUSSIAN)
    cli_print_dictionary_health (stdout, dictionary, config->channels, config->bottleneck);
}

int
cli_eval (int argc, char **argv)
{
  g_autofree char *model_spec = NULL;
  int depth = -1, max_size = SCVAE_DEFAULT_MAX_SIDE;
  double sparsity = 1.0;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    CLI_MODEL_OPTION (model_spec),
    CLI_CODING_OPTIONS (depth, sparsity),
    CLI_MAX_SIZE_OPTION (max_size),
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object"), NULL },
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeModel) model = NULL;
  g_autoptr(ScvaeSession) session = NULL;
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func (image_result_free);
  g_auto(GStrv) files = NULL;
  g_autoptr(ScvaeCodeStats) stats = NULL;
  ScvaeCodeHealth codes;
  ScvaeDictionaryHealth dictionary;
  double psnr = 0, ssim = 0, active = 0, lasso = 0, ms = 0;
  const ScvaeConfig *config;
  g_autoptr(GPtrArray) failed = g_ptr_array_new_with_free_func (g_free); /* their messages */
  /* A Gaussian model's means, per channel over all patches: its active units */
  g_autofree double *mean_sums = NULL, *mean_squares = NULL;
  guint64 n_patches = 0;
  int active_channels = 0;

  if (!cli_parse_options ("eval", N_("IMAGE|DIR..."),
                          N_("Reconstructs every image and reports quality and sparsity, per image and on average."),
                          entries, &argc, &argv))
    return CLI_BAD_INPUT;
  if (argc < 2)
    return cli_usage_error ("eval", _("expected at least one image or folder"));
  if (!cli_check_coding_options ("eval", depth, sparsity, max_size))
    return CLI_BAD_INPUT;

  model = cli_load_model (model_spec, &error);
  if (model == NULL)
    return cli_report (error);
  files = scvae_list_images ((const char * const *) argv + 1, &error);
  if (files == NULL)
    return cli_report (error);

  config = scvae_model_get_config (model);
  stats = scvae_code_stats_new (config->atoms);
  mean_sums = g_new0 (double, config->atoms);
  mean_squares = g_new0 (double, config->atoms);
  session = scvae_session_new (model);
  for (int i = 0; files[i]; i++)
    {
      g_autoptr(ScvaeImage) image = scvae_image_load (files[i], max_size, NULL, &error);
      ImageResult *r;
      const float *image_codes;
      int rows, cols;
      gint64 start;

      /* A file that cannot be measured is reported and left out; the
       * others are still measured and summed up (exit status 2). */
      if (image == NULL)
        {
          skip_failed (failed, &error);
          continue;
        }
      start = g_get_monotonic_time ();
      if (!scvae_session_encode (session, image, NULL, &error)
          || !scvae_session_sparse_code (session, depth, (float) sparsity, NULL, &error)
          || !scvae_session_decode (session, NULL, &error))
        {
          g_prefix_error (&error, "%s: ", files[i]);
          if (!g_error_matches (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT))
            return cli_report (error);
          skip_failed (failed, &error);
          continue;
        }

      r = g_new0 (ImageResult, 1);
      r->ms = (g_get_monotonic_time () - start) / 1000.0;
      r->path = g_strdup (files[i]);
      r->width = image->width;
      r->height = image->height;
      scvae_session_compute_metrics (session, &r->metrics);
      if (!cli_check_metrics (r->path, &r->metrics, &error))
        {
          image_result_free (r);
          return cli_report (error);
        }
      image_codes = scvae_session_get_codes (session, &rows, &cols, NULL);
      scvae_code_stats_add (stats, image_codes, (gsize) rows * cols);
      if (config->bottleneck == SCVAE_BOTTLENECK_GAUSSIAN)
        scvae_channel_moments_add (image_codes, (gsize) rows * cols, config->atoms, mean_sums, mean_squares);
      n_patches += (gsize) rows * cols;
      g_ptr_array_add (results, r);

      if (!json && config->bottleneck == SCVAE_BOTTLENECK_LISTA)
        printf (ngettext ("%s: %dx%d, PSNR %.2f dB, SSIM %.4f, %.1f%% active, %d atom, %.0f ms\n",
                          "%s: %dx%d, PSNR %.2f dB, SSIM %.4f, %.1f%% active, %d atoms, %.0f ms\n",
                          r->metrics.codes.atoms_used),
                r->path, r->width, r->height, r->metrics.psnr, r->metrics.ssim,
                100 * r->metrics.codes.active_fraction, r->metrics.codes.atoms_used, r->ms);
      else if (!json && config->bottleneck == SCVAE_BOTTLENECK_VQ)
        printf (ngettext ("%s: %dx%d, PSNR %.2f dB, SSIM %.4f, %d code, %.0f ms\n",
                          "%s: %dx%d, PSNR %.2f dB, SSIM %.4f, %d codes, %.0f ms\n", r->metrics.codes.atoms_used),
                r->path, r->width, r->height, r->metrics.psnr, r->metrics.ssim, r->metrics.codes.atoms_used, r->ms);
      else if (!json)
        printf (_("%s: %dx%d, PSNR %.2f dB, SSIM %.4f, %.0f ms\n"), r->path, r->width, r->height, r->metrics.psnr,
                r->metrics.ssim, r->ms);
    }

  for (guint i = 0; i < results->len; i++)
    {
      ImageResult *r = results->pdata[i];

      psnr += r->metrics.psnr / results->len;
      ssim += r->metrics.ssim / results->len;
      active += r->metrics.codes.active_fraction / results->len;
      lasso += r->metrics.lasso / results->len;
      ms += r->ms / results->len;
    }
  if (results->len == 0)
    psnr = ssim = active = ms = NAN;
  /* The code measures pool the patches of all images; active_fraction
   * and the quality are means over images. */
  scvae_code_stats_get_health (stats, &codes);
  scvae_dictionary_health (scvae_model_get_dictionary (model), config->channels, config->atoms, &dictionary);
  active_channels = scvae_active_channels (mean_sums, mean_squares, config->atoms, n_patches);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "bottleneck");
      json_builder_add_string_value (b, scvae_bottleneck_to_string (config->bottleneck));
      cli_json_add_int (b, "images", results->len);
      cli_json_add_double (b, "psnr", psnr);
      cli_json_add_double (b, "ssim", ssim);
      cli_json_add_double (b, "active_fraction", active);
      cli_json_add_int (b, "atoms_used", codes.atoms_used);
      cli_json_add_int (b, "dead_atoms", codes.dead_atoms);
      cli_json_add_int (b, "dense_atoms", codes.dense_atoms);
      cli_json_add_double (b, "usage_perplexity", codes.usage_perplexity);
      cli_json_add_double (b, "atoms_per_patch_median", codes.atoms_per_patch_median);
      cli_json_add_double (b, "hoyer", codes.hoyer);
      if (config->bottleneck == SCVAE_BOTTLENECK_LISTA)
        cli_json_add_double (b, "lasso", lasso);
      if (config->bottleneck == SCVAE_BOTTLENECK_GAUSSIAN)
        cli_json_add_int (b, "active_channels", active_channels);
      else
        cli_json_add_dictionary_health (b, &dictionary);
      cli_json_add_double (b, "ms_per_image", ms);
      cli_json_add_int (b, "depth", depth < 0 ? config->lista_steps : depth);
      cli_json_add_double (b, "sparsity", sparsity);
      json_builder_set_member_name (b, "per_image");
      json_builder_begin_array (b);
      for (guint i = 0; i < results->len; i++)
        {
          ImageResult *r = results->pdata[i];

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "path");
          json_builder_add_string_value (b, r->path);
          cli_json_add_int (b, "width", r->width);
          cli_json_add_int (b, "height", r->height);
          cli_json_add_double (b, "psnr", r->metrics.psnr);
          cli_json_add_double (b, "ssim", r->metrics.ssim);
          cli_json_add_double (b, "active_fraction", r->metrics.codes.active_fraction);
          cli_json_add_int (b, "atoms_used", r->metrics.codes.atoms_used);
          cli_json_add_int (b, "dense_atoms", r->metrics.codes.dense_atoms);
          cli_json_add_double (b, "atoms_per_patch_median", r->metrics.codes.atoms_per_patch_median);
          cli_json_add_double (b, "hoyer", r->metrics.codes.hoyer);
          cli_json_add_double (b, "lasso", r->metrics.lasso);
          cli_json_add_double (b, "ms", r->ms);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "failed");
      json_builder_begin_array (b);
      for (guint i = 0; i < failed->len; i++)
        json_builder_add_string_value (b, failed->pdata[i]);
      json_builder_end_array (b);
      json_builder_end_object (b);
      cli_json_print (b, FALSE);
    }
  else if (results->len > 0)
    print_summary (config, results->len, psnr, ssim, active, ms, &codes, &dictionary, active_channels);
  return failed->len > 0 ? CLI_BAD_INPUT : CLI_OK;
}
