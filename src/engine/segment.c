/* segment.c: segmentation by clustering the per-patch sparse codes
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "scvae.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

void
scvae_segment_options_init_default (ScvaeSegmentOptions *options)
{
  /* The defaults are the best of tools/bench/segmentation (results in
   * tools/bench/README.md). */
  *options = (ScvaeSegmentOptions) {
    .k = 5,
    .features = SCVAE_SEGMENT_LOG_AND_CODES,
    .smooth_radius = 4,
    .n_restarts = 4,
    .seed = 1,
  };
}

/* x <- log(1 + |x| / m), m the mean |x| over the non-zeros. */
static void
log_magnitudes (float *x, gsize n)
{
  double sum = 0.0;
  gsize nonzeros = 0;
  float inv_m;

  for (gsize i = 0; i < n; i++)
    if (x[i] != 0.f)
      {
        sum += fabsf (x[i]);
        nonzeros++;
      }
  if (nonzeros == 0)
    return;
  inv_m = (float) (nonzeros / sum);
  for (gsize i = 0; i < n; i++)
    x[i] = log1pf (fabsf (x[i]) * inv_m);
}

/* Box average over (2 r + 1)^2 patches, clamped at the borders, done as
 * two 1-D passes. */
static void
smooth (float *features, int rows, int cols, int dim, int radius)
{
  gsize P = (gsize) rows * cols;
  g_autofree float *tmp = g_new0 (float, P * dim);

  for (int y = 0; y < rows; y++)
    for (int x = 0; x < cols; x++)
      {
        float *dst = tmp + ((gsize) y * cols + x) * dim;
        int x0 = MAX (0, x - radius), x1 = MIN (cols - 1, x + radius);

        for (int xx = x0; xx <= x1; xx++)
          {
            const float *src = features + ((gsize) y * cols + xx) * dim;
            for (int d = 0; d < dim; d++)
              dst[d] += src[d];
          }
        for (int d = 0; d < dim; d++)
          dst[d] /= x1 - x0 + 1;
      }
  memset (features, 0, P * dim * sizeof (float));
  for (int y = 0; y < rows; y++)
    for (int x = 0; x < cols; x++)
      {
        float *dst = features + ((gsize) y * cols + x) * dim;
        int y0 = MAX (0, y - radius), y1 = MIN (rows - 1, y + radius);

        for (int yy = y0; yy <= y1; yy++)
          {
            const float *src = tmp + ((gsize) yy * cols + x) * dim;
            for (int d = 0; d < dim; d++)
              dst[d] += src[d];
          }
        for (int d = 0; d < dim; d++)
          dst[d] /= y1 - y0 + 1;
      }
}

/* Scales n vectors of dim floats, stride apart, so that their mean squared
 * distance from their mean is 1. */
static void
unit_spread (float *x, gsize n, int dim, int stride)
{
  g_autofree double *mean = g_new0 (double, dim);
  double squares = 0.0, spread;

  for (gsize p = 0; p < n; p++)
    for (int d = 0; d < dim; d++)
      {
        double v = x[p * stride + d];

        mean[d] += v / n;
        squares += v * v / n;
      }
  spread = squares;
  for (int d = 0; d < dim; d++)
    spread -= mean[d] * mean[d];
  if (spread <= 0.0)
    return;
  for (gsize p = 0; p < n; p++)
    for (int d = 0; d < dim; d++)
      x[p * stride + d] *= (float) (1.0 / sqrt (spread));
}

int
scvae_segment_features_dim (const ScvaeSegmentOptions *options, int atoms)
{
  return options->features == SCVAE_SEGMENT_LOG_AND_CODES ? 2 * atoms : atoms;
}

/* One kind of feature, smoothed, in place of the codes. */
static void
transform_codes (float *features, int rows, int cols, int atoms, ScvaeSegmentFeatures kind, int radius)
{
  gsize P = (gsize) rows * cols;

  if (kind == SCVAE_SEGMENT_ABS)
    for (gsize i = 0; i < P * atoms; i++)
      features[i] = fabsf (features[i]);
  if (kind == SCVAE_SEGMENT_LOG)
    log_magnitudes (features, P * atoms);
  if (radius > 0)
    smooth (features, rows, cols, atoms, radius);
  if (kind == SCVAE_SEGMENT_NORMALIZED)
    for (gsize p = 0; p < P; p++)
      {
        float *f = features + p * atoms;
        double norm = 0.0;

        for (int k = 0; k < atoms; k++)
          norm += (double) f[k] * f[k];
        /* An all-zero code stays zero: it is its own cluster-worthy thing. */
        if (norm > 0.0)
          for (int k = 0; k < atoms; k++)
            f[k] /= (float) sqrt (norm);
      }
}

float *
scvae_segment_features (const float *codes, int rows, int cols, int atoms,
                        const ScvaeSegmentOptions *options)
{
  gsize P = (gsize) rows * cols;
  g_autofree float *texture = NULL;
  float *features;

  if (options->features != SCVAE_SEGMENT_LOG_AND_CODES)
    {
      features = g_memdup2 (codes, P * atoms * sizeof (float));
      transform_codes (features, rows, cols, atoms, options->features, options->smooth_radius);
      return features;
    }

  /* Texture alone blurs small objects into their surroundings; the codes
   * alone split one texture by its details. Together, at equal weight,
   * they segment best (tools/bench/README.md). */
  texture = g_memdup2 (codes, P * atoms * sizeof (float));
  transform_codes (texture, rows, cols, atoms, SCVAE_SEGMENT_LOG, options->smooth_radius);
  features = g_new (float, P * 2 * atoms);
  for (gsize p = 0; p < P; p++)
    {
      memcpy (features + p * 2 * atoms, texture + p * atoms, atoms * sizeof (float));
      memcpy (features + p * 2 * atoms + atoms, codes + p * atoms, atoms * sizeof (float));
    }
  unit_spread (features, P, atoms, 2 * atoms);
  unit_spread (features + atoms, P, atoms, 2 * atoms);
  return features;
}

float *
scvae_patch_pixels (const ScvaeImage *image, int *rows, int *cols)
{
  int r = (image->height + 3) / 4, c = (image->width + 3) / 4;
  gsize plane = (gsize) image->width * image->height;
  float *features = g_new (float, (gsize) r * c * 48);

  for (int y = 0; y < r; y++)
    for (int x = 0; x < c; x++)
      {
        float *f = features + ((gsize) y * c + x) * 48;

        for (int ch = 0; ch < 3; ch++)
          for (int dy = 0; dy < 4; dy++)
            for (int dx = 0; dx < 4; dx++)
              *f++ = image->data[ch * plane + (gsize) MIN (4 * y + dy, image->height - 1) * image->width
                                 + MIN (4 * x + dx, image->width - 1)];
      }
  *rows = r;
  *cols = c;
  return features;
}

gboolean
scvae_segment (const float *features, int rows, int cols, int dim,
               const ScvaeSegmentOptions *options, guint8 *labels,
               GCancellable *cancellable, GError **error)
{
  ScvaeKMeansOptions kmeans = {
    .k = options->k,
    .n_restarts = options->n_restarts,
    .max_iterations = 100,
    .seed = options->seed,
  };

  if (options->k < 2 || options->k > SCVAE_MAX_CLUSTERS)
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   _("k must be between 2 and %d (got %d)"), SCVAE_MAX_CLUSTERS, options->k);
      return FALSE;
    }
  if (options->k > rows * cols)
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   g_dngettext (GETTEXT_PACKAGE, "k = %d is more than the image's %d patch",
                                "k = %d is more than the image's %d patches", rows * cols),
                   options->k, rows * cols);
      return FALSE;
    }
  return scvae_kmeans (features, rows * cols, dim, &kmeans, labels, NULL, NULL, cancellable, error);
}

guint8 *
scvae_labels_to_pixels (const guint8 *labels, int rows, int cols, int width, int height)
{
  guint8 *pixels = g_new (guint8, (gsize) width * height);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      pixels[(gsize) y * width + x] = labels[(gsize) MIN (y / 4, rows - 1) * cols + MIN (x / 4, cols - 1)];
  return pixels;
}

void
scvae_cluster_color (int index, guint8 rgb[3])
{
  /* Distinct, print-friendly colours first (Tableau 10); beyond ten,
   * hues spaced by the golden angle. */
  static const guint8 palette[][3] = {
    { 78, 121, 167 }, { 242, 142, 43 }, { 225, 87, 89 }, { 118, 183, 178 }, { 89, 161, 79 },
    { 237, 201, 72 }, { 176, 122, 161 }, { 255, 157, 167 }, { 156, 117, 95 }, { 186, 176, 172 },
  };

  if (index >= 0 && index < (int) G_N_ELEMENTS (palette))
    {
      memcpy (rgb, palette[index], 3);
      return;
    }
  {
    double h = fmod (index * 137.508, 360.0) / 60.0, f = h - floor (h);
    double v = 0.85, s = 0.6, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
    double r, g, b;

    switch ((int) h)
      {
      case 0: r = v, g = t, b = p; break;
      case 1: r = q, g = v, b = p; break;
      case 2: r = p, g = v, b = t; break;
      case 3: r = p, g = q, b = v; break;
      case 4: r = t, g = p, b = v; break;
      default: r = v, g = p, b = q; break;
      }
    rgb[0] = (guint8) (r * 255), rgb[1] = (guint8) (g * 255), rgb[2] = (guint8) (b * 255);
  }
}
