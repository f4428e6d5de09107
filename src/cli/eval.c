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

static void
add_double (JsonBuilder *builder, const char *name, double value)
{
  json_builder_set_member_name (builder, name);
  /* JSON has no infinity (a perfect reconstruction's PSNR). */
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
  g_autofree guint64 *counts = NULL;
  double psnr = 0, ssim = 0, active = 0, ms = 0, total_count = 0, entropy = 0;
  int K, used = 0;

  if (!cli_parse_options ("eval", N_("IMAGE|DIR..."),
                          N_("Reconstructs every image and reports quality and sparsity, per image and on average."),
                          entries, &argc, &argv))
    return CLI_BAD_INPUT;
  if (argc < 2)
    return cli_usage_error ("eval", _("expected at least one image or folder"));
  if (!cli_check_depth_sparsity ("eval", depth, sparsity))
    return CLI_BAD_INPUT;
  if (max_size < 4)
    return cli_usage_error ("eval", _("--max-size must be at least 4 (got %d)"), max_size);

  model = cli_load_model (model_spec, &error);
  if (model == NULL)
    return cli_report (error);
  files = scvae_list_images ((const char * const *) argv + 1, &error);
  if (files == NULL)
    return cli_report (error);

  K = scvae_model_get_config (model)->atoms;
  counts = g_new0 (guint64, K);
  session = scvae_session_new (model);
  for (int i = 0; files[i]; i++)
    {
      g_autoptr(ScvaeImage) image = scvae_image_load (files[i], max_size, NULL, &error);
      ImageResult *r;
      const ScvaeAtomUsage *usage;
      gint64 start;

      if (image == NULL)
        return cli_report (error);
      start = g_get_monotonic_time ();
      if (!scvae_session_encode (session, image, NULL, &error)
          || !scvae_session_sparse_code (session, depth, (float) sparsity, NULL, &error)
          || !scvae_session_decode (session, NULL, &error))
        {
          g_prefix_error (&error, "%s: ", files[i]);
          return cli_report (error);
        }

      r = g_new0 (ImageResult, 1);
      r->ms = (g_get_monotonic_time () - start) / 1000.0;
      r->path = g_strdup (files[i]);
      r->width = image->width;
      r->height = image->height;
      scvae_session_compute_metrics (session, &r->metrics);
      usage = scvae_session_get_atom_usage (session);
      for (int k = 0; k < K; k++)
        counts[k] += usage[k].count;
      g_ptr_array_add (results, r);

      if (!json)
        printf (ngettext ("%s: %dx%d, PSNR %.2f dB, SSIM %.4f, %.1f%% active, %d atom, %.0f ms\n",
                          "%s: %dx%d, PSNR %.2f dB, SSIM %.4f, %.1f%% active, %d atoms, %.0f ms\n",
                          r->metrics.atoms_used),
                r->path, r->width, r->height, r->metrics.psnr, r->metrics.ssim,
                100 * r->metrics.active_fraction, r->metrics.atoms_used, r->ms);
    }

  for (guint i = 0; i < results->len; i++)
    {
      ImageResult *r = results->pdata[i];

      psnr += r->metrics.psnr / results->len;
      ssim += r->metrics.ssim / results->len;
      active += r->metrics.active_fraction / results->len;
      ms += r->ms / results->len;
    }
  for (int k = 0; k < K; k++)
    {
      used += counts[k] > 0;
      total_count += counts[k];
    }
  /* Usage perplexity: exp of the entropy of how often each atom fires; K
   * when all fire equally, 1 when one atom does all the work. */
  for (int k = 0; k < K && total_count > 0; k++)
    if (counts[k])
      entropy -= counts[k] / total_count * log (counts[k] / total_count);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_object (b);
      add_int (b, "images", results->len);
      add_double (b, "psnr", psnr);
      add_double (b, "ssim", ssim);
      add_double (b, "active_fraction", active);
      add_int (b, "atoms_used", used);
      add_int (b, "dead_atoms", K - used);
      add_double (b, "usage_perplexity", exp (entropy));
      add_double (b, "ms_per_image", ms);
      add_int (b, "depth", depth < 0 ? scvae_model_get_config (model)->lista_steps : depth);
      add_double (b, "sparsity", sparsity);
      json_builder_set_member_name (b, "per_image");
      json_builder_begin_array (b);
      for (guint i = 0; i < results->len; i++)
        {
          ImageResult *r = results->pdata[i];

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "path");
          json_builder_add_string_value (b, r->path);
          add_int (b, "width", r->width);
          add_int (b, "height", r->height);
          add_double (b, "psnr", r->metrics.psnr);
          add_double (b, "ssim", r->metrics.ssim);
          add_double (b, "active_fraction", r->metrics.active_fraction);
          add_int (b, "atoms_used", r->metrics.atoms_used);
          add_double (b, "lasso", r->metrics.lasso);
          add_double (b, "ms", r->ms);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      json_generator_set_root (generator, root);
      text = json_generator_to_data (generator, NULL);
      printf ("%s\n", text);
    }
  else
    {
      g_autofree char *atoms = g_strdup_printf (ngettext ("%d of %d atom used", "%d of %d atoms used", K), used, K);

      /* Translators: the %s is "12 of 256 atoms used". */
      printf (ngettext ("mean over %u image: PSNR %.2f dB, SSIM %.4f, %.1f%% active, %s "
                        "(usage perplexity %.1f), %.0f ms per image\n",
                        "mean over %u images: PSNR %.2f dB, SSIM %.4f, %.1f%% active, %s "
                        "(usage perplexity %.1f), %.0f ms per image\n", results->len),
              results->len, psnr, ssim, 100 * active, atoms, exp (entropy), ms);
    }
  return CLI_OK;
}
