/* lens-heatmap.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lens-heatmap.h"

#include <math.h>
#include <stdlib.h>

float *
lens_activation_values (const float *codes, int rows, int cols, int atoms,
                        LensActivationMode mode, const int *selected, int n_selected)
{
  gsize n = (gsize) rows * cols;
  float *values = g_new0 (float, n);

  for (gsize p = 0; p < n; p++)
    {
      const float *z = codes + p * atoms;

      switch (mode)
        {
        /* In eight local lanes, which the compiler makes one vector: added
         * into values[p], which may alias the codes as far as it knows,
         * every term went through memory (16 ms for the codes of a
         * 1024x768 image; now 2-3 ms). */
        case LENS_ACTIVATION_COUNT:
          {
            int lanes[8] = { 0 }, count = 0, k = 0;

            for (; k + 8 <= atoms; k += 8)
              for (int i = 0; i < 8; i++)
                lanes[i] += z[k + i] != 0.f;
            for (; k < atoms; k++)
              count += z[k] != 0.f;
            for (int i = 0; i < 8; i++)
              count += lanes[i];
            values[p] = count;
          }
          break;
        case LENS_ACTIVATION_L1:
          {
            float lanes[8] = { 0 }, sum = 0.f;
            int k = 0;

            for (; k + 8 <= atoms; k += 8)
              for (int i = 0; i < 8; i++)
                lanes[i] += fabsf (z[k + i]);
            for (; k < atoms; k++)
              sum += fabsf (z[k]);
            for (int i = 0; i < 8; i++)
              sum += lanes[i];
            values[p] = sum;
          }
          break;
        case LENS_ACTIVATION_ATOMS:
          if (n_selected == 1)
            values[p] = z[selected[0]];
          else
            for (int i = 0; i < n_selected; i++)
              values[p] = MAX (values[p], fabsf (z[selected[i]]));
          break;
        default:
          g_assert_not_reached ();
        }
    }
  return values;
}

LensColorScale
lens_color_scale_for (const float *values, gsize n, gboolean signed_values, LensColormap colormap)
{
  LensColorScale scale = { 0.f, 0.f, signed_values, colormap, 0.f, FALSE };
  float largest = 0.f;

  for (gsize i = 0; i < n; i++)
    largest = MAX (largest, signed_values ? fabsf (values[i]) : values[i]);
  /* An all-zero map still gets a usable scale. */
  if (largest <= 0.f)
    largest = 1.f;
  scale.hi = largest;
  scale.lo = signed_values ? -largest : 0.f;
  return scale;
}

/* Control points of a perceptually ordered dark-blue to yellow ramp
 * (viridis). */
static const guint8 viridis[][3] = {
  { 68, 1, 84 }, { 72, 40, 120 }, { 62, 74, 137 }, { 49, 104, 142 }, { 38, 130, 142 },
  { 31, 158, 137 }, { 53, 183, 121 }, { 109, 205, 89 }, { 180, 222, 44 }, { 253, 231, 37 },
};

/* magma: black through purple and orange to pale yellow */
static const guint8 magma[][3] = {
  { 0, 0, 4 }, { 28, 16, 68 }, { 79, 18, 123 }, { 129, 37, 129 }, { 181, 54, 122 },
  { 229, 80, 100 }, { 251, 135, 97 }, { 254, 194, 135 }, { 252, 253, 191 },
};

static const guint8 grey[][3] = { { 0, 0, 0 }, { 255, 255, 255 } };

static const guint8 diverging[][3] = {
  { 33, 102, 172 }, { 103, 169, 207 }, { 209, 229, 240 }, { 247, 247, 247 },
  { 253, 219, 199 }, { 239, 138, 98 }, { 178, 24, 43 },
};

static void
ramp (const guint8 (*stops)[3], int n_stops, float t, guint8 rgb[3])
{
  float position = CLAMP (t, 0.f, 1.f) * (n_stops - 1);
  int i = MIN ((int) position, n_stops - 2);
  float f = position - i;

  for (int c = 0; c < 3; c++)
    rgb[c] = (guint8) lrintf (stops[i][c] + f * (stops[i + 1][c] - stops[i][c]));
}

float
lens_color_scale_position (const LensColorScale *scale, float value)
{
  float range = scale->hi - scale->lo;

  if (range <= 0.f)
    return 0.f;
  if (scale->knee > 0.f && !scale->diverging)
    return CLAMP (log1pf (MAX (value - scale->lo, 0.f) / scale->knee) / log1pf (range / scale->knee), 0.f, 1.f);
  return CLAMP ((value - scale->lo) / range, 0.f, 1.f);
}

void
lens_color_scale_map (const LensColorScale *scale, float value, guint8 rgb[3])
{
  lens_color_scale_map_position (scale, lens_color_scale_position (scale, value), rgb);
}

static int
compare_floats (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return x < y ? -1 : x > y;
}

float
lens_quantile (const float *values, gsize n, double q)
{
  g_autofree float *sorted = g_memdup2 (values, n * sizeof (float));

  qsort (sorted, n, sizeof (float), compare_floats);
  return sorted[MIN ((gsize) (q * (n - 1) + 0.5), n - 1)];
}

LensColorScale
lens_activation_scale (const float *values, gsize n, LensScaling scaling, float fixed_hi, gboolean whole,
                       LensColormap colormap)
{
  LensColorScale scale = { 0.f, 1.f, FALSE, colormap, 0.f, FALSE };
  float largest = 0.f;

  for (gsize i = 0; i < n; i++)
    largest = MAX (largest, values[i]);
  if (scaling == LENS_SCALING_FIXED && fixed_hi > 0.f)
    scale.hi = fixed_hi;
  else if (n > 0)
    scale.hi = whole ? ceilf (lens_quantile (values, n, 0.995)) : lens_quantile (values, n, 0.995);
  /* An all-zero map still gets a usable scale. */
  if (scale.hi <= 0.f)
    scale.hi = largest > 0.f ? largest : 1.f;
  scale.knee = scale.hi / LENS_SCALE_SPAN;
  scale.clipped = largest > scale.hi;
  return scale;
}

void
lens_color_scale_map_position (const LensColorScale *scale, float t, guint8 rgb[3])
{
  if (scale->diverging)
    ramp (diverging, G_N_ELEMENTS (diverging), t, rgb);
  else if (scale->colormap == LENS_COLORMAP_MAGMA)
    ramp (magma, G_N_ELEMENTS (magma), t, rgb);
  else if (scale->colormap == LENS_COLORMAP_GREY)
    ramp (grey, G_N_ELEMENTS (grey), t, rgb);
  else
    ramp (viridis, G_N_ELEMENTS (viridis), t, rgb);
}

static cairo_surface_t *
new_surface (int width, int height, guint8 **pixels, int *stride)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);

  *pixels = cairo_image_surface_get_data (surface);
  *stride = cairo_image_surface_get_stride (surface);
  return surface;
}

static inline guint32
rgb24 (const guint8 rgb[3])
{
  /* CAIRO_FORMAT_RGB24: native-endian 0xXXRRGGBB */
  return (guint32) rgb[0] << 16 | (guint32) rgb[1] << 8 | rgb[2];
}

/* A map's colours at this many evenly spaced positions: looked up, a
 * pixel costs a position and an index instead of three rounded
 * interpolations (9 ms for the residual of a 1024x768 image, now 3).
 * The steepest ramp (about 640 levels over the scale) moves 0.63 of a
 * level between entries, so the nearest entry is the exact colour or a
 * level off (tests/app/test-pictures.c). */
#define COLOR_TABLE_SIZE 1024

cairo_surface_t *
lens_heatmap_surface (const float *values, int rows, int cols, const LensColorScale *scale)
{
  guint8 *pixels;
  int stride;
  cairo_surface_t *surface = new_surface (cols, rows, &pixels, &stride);
  guint32 table[COLOR_TABLE_SIZE];

  for (int i = 0; i < COLOR_TABLE_SIZE; i++)
    {
      guint8 rgb[3];

      lens_color_scale_map_position (scale, (float) i / (COLOR_TABLE_SIZE - 1), rgb);
      table[i] = rgb24 (rgb);
    }
  for (int y = 0; y < rows; y++)
    {
      guint32 *row = (guint32 *) (pixels + (gsize) y * stride);
      const float *v = values + (gsize) y * cols;

      for (int x = 0; x < cols; x++)
        {
          float t = lens_color_scale_position (scale, v[x]);

          /* (written so that a NaN takes the first colour) */
          row[x] = table[t > 0.f ? (int) (t * (COLOR_TABLE_SIZE - 1) + 0.5f) : 0];
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

float *
lens_residual_values (const ScvaeImage *a, const ScvaeImage *b)
{
  gsize plane = (gsize) a->width * a->height;
  float *residual = g_new (float, plane);

  /* On [0, 1] pixels: |x - x_hat| / 2 in [-1, 1] units. */
  for (gsize i = 0; i < plane; i++)
    residual[i] = (fabsf (a->data[i] - b->data[i]) + fabsf (a->data[plane + i] - b->data[plane + i])
                   + fabsf (a->data[2 * plane + i] - b->data[2 * plane + i])) / 6.f;
  return residual;
}

cairo_surface_t *
lens_residual_surface (const ScvaeImage *a, const ScvaeImage *b, LensColormap colormap,
                       LensColorScale *scale)
{
  g_autofree float *residual = lens_residual_values (a, b);

  *scale = lens_color_scale_for (residual, (gsize) a->width * a->height, FALSE, colormap);
  return lens_heatmap_surface (residual, a->height, a->width, scale);
}

int
lens_top_patches (const float *values, gsize n_patches, int n, int *top)
{
  int found = 0;

  /* n is small (a dozen): keep a sorted list by insertion. */
  for (gsize p = 0; p < n_patches; p++)
    {
      float v = fabsf (values[p]);
      int at;

      if (v == 0.f || (found == n && v <= fabsf (values[top[n - 1]])))
        continue;
      at = MIN (found, n - 1);
      while (at > 0 && fabsf (values[top[at - 1]]) < v)
        {
          top[at] = top[at - 1];
          at--;
        }
      top[at] = (int) p;
      found = MIN (found + 1, n);
    }
  return found;
}
