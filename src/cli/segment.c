/* segment.c: scvae segment
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define OVERLAY_OPACITY 0.45

static gboolean
parse_features (const char *name, ScvaeSegmentFeatures *features)
{
  static const struct { const char *name; ScvaeSegmentFeatures value; } names[] = {
    { "z", SCVAE_SEGMENT_CODES }, { "abs", SCVAE_SEGMENT_ABS }, { "normalized", SCVAE_SEGMENT_NORMALIZED },
    { "log", SCVAE_SEGMENT_LOG }, { "log+z", SCVAE_SEGMENT_LOG_AND_CODES },
    { "hist", SCVAE_SEGMENT_HISTOGRAM }, { "hist+z", SCVAE_SEGMENT_HISTOGRAMS_AND_CODES },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (name, names[i].name))
      {
        *features = names[i].value;
        return TRUE;
      }
  return FALSE;
}

int
cli_segment (int argc, char **argv)
{
  g_autofree char *model_spec = NULL, *labels_path = NULL, *overlay_path = NULL, *features_name = NULL;
  int depth = -1, max_size = SCVAE_DEFAULT_MAX_SIDE, k = 0, smooth = -1;
  gint64 seed = -1;
  double sparsity = 1.0;
  const GOptionEntry entries[] = {
    CLI_MODEL_OPTION (model_spec),
    { "k", 'k', 0, G_OPTION_ARG_INT, &k, N_("Number of segments, 2-32"), N_("K") },
    { "labels", 0, 0, G_OPTION_ARG_FILENAME, &labels_path, N_("8-bit PNG at the input's size: each pixel's segment index"), N_("OUT.png") },
    { "overlay", 0, 0, G_OPTION_ARG_FILENAME, &overlay_path, N_("The input with the segments drawn over it"), N_("OUT.png") },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Seed of the k-means initialisation (default 1)"), N_("S") },
    /* Translators: "z", "abs", "normalized", "log", "log+z", "hist", "hist+z" and "pixels" are typed as they
     * are. */
    { "features", 0, 0, G_OPTION_ARG_STRING, &features_name, N_("Cluster on z, abs (|z|), normalized (z/|z|), log (log(1 + |z|/mean)), log+z (smoothed log beside the unsmoothed z), hist (histogram of the strongest atoms), hist+z (histograms over R and 3R beside the unsmoothed z), or pixels (raw 4x4 RGB patches, the baseline) (default hist+z)"), N_("F") },
    { "smooth", 0, 0, G_OPTION_ARG_INT, &smooth, N_("Average codes over (2R+1)^2 patches first, 0-4 (default 4; never the z of log+z and hist+z)"), N_("R") },
    CLI_CODING_OPTIONS (depth, sparsity),
    CLI_MAX_SIZE_OPTION (max_size),
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeSession) session = NULL;
  g_autoptr(ScvaeImage) image = NULL;
  g_autofree float *features = NULL;
  g_autofree guint8 *labels = NULL, *pixels = NULL;
  g_autofree int *counts = NULL;
  ScvaeSegmentOptions options;
  const float *codes;
  int rows, cols, atoms, dim;
  gboolean raw_pixels;

  scvae_segment_options_init_default (&options);
  if (!cli_parse_options ("segment", N_("IN.png"),
                          N_("Segments an image by clustering its patches' sparse codes with k-means."),
                          entries, &argc, &argv))
    return CLI_BAD_INPUT;
  if (argc != 2)
    return cli_usage_error ("segment", _("expected one input image"));
  if (labels_path == NULL && overlay_path == NULL)
    return cli_usage_error ("segment", _("--labels or --overlay is required"));
  /* The option is -k, as --help and the README spell it. */
  if (k < 2 || k > SCVAE_MAX_CLUSTERS)
    return cli_usage_error ("segment", _("-k must be between 2 and %d (got %d)"), SCVAE_MAX_CLUSTERS, k);
  raw_pixels = features_name && g_str_equal (features_name, "pixels");
  if (features_name && !raw_pixels && !parse_features (features_name, &options.features))
    /* Translators: "z", "abs", "normalized", "log", "log+z", "hist", "hist+z" and "pixels" are typed as they
     * are. */
    return cli_usage_error ("segment",
                            _("--features must be z, abs, normalized, log, log+z, hist, hist+z or pixels (got '%s')"),
                            features_name);
  if (smooth < -1 || smooth > 4)
    return cli_usage_error ("segment", _("--smooth must be between 0 and 4 (got %d)"), smooth);
  if (!cli_check_coding_options ("segment", depth, sparsity, max_size))
    return CLI_BAD_INPUT;
  options.k = k;
  if (seed >= 0)
    options.seed = (guint64) seed;
  if (smooth >= 0)
    options.smooth_radius = smooth;

  if ((labels_path && !scvae_check_writable (labels_path, &error))
      || (overlay_path && !scvae_check_writable (overlay_path, &error)))
    return cli_report (error);
  session = cli_open_and_code (model_spec, argv[1], max_size, depth, sparsity, &image, &error);
  if (session == NULL)
    return cli_report (error);

  codes = scvae_session_get_codes (session, &rows, &cols, &atoms);
  if (raw_pixels)
    {
      /* The same k-means on raw patches: what the codes must beat. */
      features = scvae_patch_pixels (image, &rows, &cols);
      dim = 48;
    }
  else
    {
      features = scvae_segment_features (codes, rows, cols, atoms, &options, NULL, NULL);
      dim = scvae_segment_features_dim (&options, atoms);
    }
  labels = g_new (guint8, (gsize) rows * cols);
  if (!scvae_segment (features, rows, cols, dim, &options, labels, NULL, &error))
    {
      g_autofree char *message = g_strdup_printf ("%s: %s", argv[1], error->message);
      g_free (error->message);
      error->message = g_steal_pointer (&message);
      return cli_report (error);
    }
  pixels = scvae_labels_to_pixels (labels, rows, cols, image->width, image->height);

  if (labels_path)
    {
      cairo_surface_t *surface = scvae_render_label_map (pixels, image->width, image->height);
      gboolean ok = scvae_render_write_png (surface, labels_path, &error);

      cairo_surface_destroy (surface);
      if (!ok)
        return cli_report (error);
    }
  if (overlay_path)
    {
      ScvaeRenderSegment segments[SCVAE_MAX_CLUSTERS];
      cairo_surface_t *surface;
      gboolean ok;

      for (int c = 0; c < k; c++)
        {
          scvae_cluster_color (c, segments[c].rgb);
          segments[c].visible = TRUE;
        }
      surface = scvae_render_overlay (image, pixels, segments, k, OVERLAY_OPACITY);
      ok = scvae_render_write_png (surface, overlay_path, &error);
      cairo_surface_destroy (surface);
      if (!ok)
        return cli_report (error);
    }

  counts = g_new0 (int, k);
  for (gsize i = 0; i < (gsize) image->width * image->height; i++)
    counts[pixels[i]]++;
  /* Translators: followed by the share of the image in each segment,
   * such as " 12.5%". */
  printf (ngettext ("%s: %d segment:", "%s: %d segments:", k), argv[1], k);
  for (int c = 0; c < k; c++)
    /* Translators: one segment's share of the image, after "3 segments:". */
    printf (_(" %.1f%%"), 100.0 * counts[c] / ((double) image->width * image->height));
  printf ("\n");
  return CLI_OK;
}
