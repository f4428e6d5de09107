/* lens-comparison.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lens-comparison.h"

#include <glib/gi18n.h>

#include "scvae-render.h"

/* A Gaussian model's codes are its means: the channels whose mean varies
 * over the image's patches are the ones it uses (see scvae_active_channels). */
static int
active_channels (ScvaeSession *session)
{
  int rows, cols, atoms;
  const float *codes = scvae_session_get_codes (session, &rows, &cols, &atoms);
  gsize patches = (gsize) rows * cols;
  g_autofree double *sums = g_new0 (double, atoms);
  g_autofree double *squares = g_new0 (double, atoms);

  scvae_channel_moments_add (codes, patches, atoms, sums, squares);
  return scvae_active_channels (sums, squares, atoms, patches);
}

static void
score (LensModelScore *score, ScvaeSession *session, const ScvaeMetrics *metrics)
{
  score->model = scvae_model_ref (scvae_session_get_model (session));
  score->metrics = *metrics;
  score->active_channels = scvae_model_get_config (score->model)->bottleneck == SCVAE_BOTTLENECK_GAUSSIAN
                             ? active_channels (session) : 0;
}

LensComparison *
lens_comparison_new (const ScvaeImage *input, ScvaeSession *main, const ScvaeMetrics *main_metrics,
                     ScvaeSession *other, const LensModelScore *other_score, LensColormap colormap)
{
  LensComparison *comparison = g_atomic_rc_box_new0 (LensComparison);
  ScvaeSession *sessions[2] = { main, other };
  float *residuals[2];
  gsize n = (gsize) input->width * input->height;

  score (&comparison->scores[0], main, main_metrics);
  if (other_score)
    {
      comparison->scores[1] = *other_score;
      scvae_model_ref (comparison->scores[1].model);
    }
  else
    {
      ScvaeMetrics other_metrics;

      scvae_session_compute_metrics (other, &other_metrics);
      score (&comparison->scores[1], other, &other_metrics);
    }
  comparison->reconstruction = lens_picture_new (scvae_render_image (scvae_session_get_reconstruction (other)), 1);

  /* One scale, up to the larger of the two largest residuals. */
  for (int i = 0; i < 2; i++)
    {
      LensColorScale scale;

      residuals[i] = lens_residual_values (input, scvae_session_get_reconstruction (sessions[i]));
      scale = lens_color_scale_for (residuals[i], n, FALSE, colormap);
      if (i == 0 || scale.hi > comparison->residual_scale.hi)
        comparison->residual_scale = scale;
    }
  for (int i = 0; i < 2; i++)
    {
      comparison->residuals[i] = lens_picture_new (lens_heatmap_surface (residuals[i], input->height, input->width,
                                                                         &comparison->residual_scale), 1);
      g_free (residuals[i]);
    }
  return comparison;
}

LensComparison *
lens_comparison_ref (LensComparison *comparison)
{
  return g_atomic_rc_box_acquire (comparison);
}

static void
comparison_clear (LensComparison *comparison)
{
  for (int i = 0; i < 2; i++)
    {
      g_clear_pointer (&comparison->scores[i].model, scvae_model_unref);
      g_clear_pointer (&comparison->residuals[i], lens_picture_unref);
    }
  g_clear_pointer (&comparison->reconstruction, lens_picture_unref);
}

void
lens_comparison_unref (LensComparison *comparison)
{
  g_atomic_rc_box_release_full (comparison, (GDestroyNotify) comparison_clear);
}

char *
lens_model_score_describe_usage (const LensModelScore *score)
{
  const ScvaeConfig *config = scvae_model_get_config (score->model);
  const ScvaeCodeHealth *codes = &score->metrics.codes;

  switch (config->bottleneck)
    {
    case SCVAE_BOTTLENECK_VQ:
      /* Translators: a VQ-VAE's codebook on one image (one code a patch,
       * by design); perplexity: how many codes share the work. */
      return g_strdup_printf (_("1 code a patch · %d of %d used · perplexity %.1f"), codes->atoms_used,
                              config->atoms, codes->usage_perplexity);
    case SCVAE_BOTTLENECK_GAUSSIAN:
      return g_strdup_printf (ngettext ("%d of %d latent channel active", "%d of %d latent channels active",
                                        config->channels),
                              score->active_channels, config->channels);
    case SCVAE_BOTTLENECK_LISTA:
    default:
      /* Translators: the median number of atoms in a patch's code, how
       * many of the dictionary's atoms the image uses, and how many share
       * the work. */
      return g_strdup_printf (_("%.0f atoms a patch · %d of %d used · perplexity %.1f"),
                              codes->atoms_per_patch_median, codes->atoms_used, config->atoms,
                              codes->usage_perplexity);
    }
}
