/* test-pictures.c: the pictures the worker makes for the views
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lens_heatmap_surface looks colours up in a table; the legend and the
 * patch inspector compute them exactly (lens_color_scale_map). The two
 * must agree to within one level, on every map and scale, for values
 * inside, at and beyond the scale's ends, and for NaN. A LensPicture's
 * smaller levels are the exact rounded 2x2 means of the level above.
 */

#include <math.h>

#include "lens-heatmap.h"
#include "lens-picture.h"

#define N_VALUES 4099

static void
pixel_rgb (cairo_surface_t *surface, int i, guint8 rgb[3])
{
  guint32 pixel = ((const guint32 *) cairo_image_surface_get_data (surface))[i];

  rgb[0] = pixel >> 16 & 0xff;
  rgb[1] = pixel >> 8 & 0xff;
  rgb[2] = pixel & 0xff;
}

/* Values from below lo to beyond hi, densely, with NaN and infinities. */
static void
fill_values (const LensColorScale *scale, float *values)
{
  float span = scale->hi - scale->lo;

  for (int i = 0; i < N_VALUES - 3; i++)
    values[i] = scale->lo - 0.1f * span + 1.2f * span * i / (N_VALUES - 4);
  values[N_VALUES - 3] = NAN;
  values[N_VALUES - 2] = INFINITY;
  values[N_VALUES - 1] = -INFINITY;
}

static void
assert_surface_matches (const LensColorScale *scale)
{
  g_autofree float *values = g_new (float, N_VALUES);
  cairo_surface_t *surface;
  int worst = 0;

  fill_values (scale, values);
  surface = lens_heatmap_surface (values, 1, N_VALUES, scale);
  g_assert_cmpint (cairo_image_surface_get_width (surface), ==, N_VALUES);
  for (int i = 0; i < N_VALUES; i++)
    {
      guint8 shown[3], exact[3];

      pixel_rgb (surface, i, shown);
      if (isnan (values[i]))
        lens_color_scale_map_position (scale, 0.f, exact);
      else
        lens_color_scale_map (scale, values[i], exact);
      for (int c = 0; c < 3; c++)
        worst = MAX (worst, ABS ((int) shown[c] - (int) exact[c]));
    }
  g_assert_cmpint (worst, <=, 1);
  cairo_surface_destroy (surface);
}

static void
test_colours (void)
{
  LensColormap maps[] = { LENS_COLORMAP_VIRIDIS, LENS_COLORMAP_MAGMA, LENS_COLORMAP_GREY };

  for (guint m = 0; m < G_N_ELEMENTS (maps); m++)
    {
      LensColorScale linear = { 0.f, 0.37f, FALSE, maps[m], 0.f, FALSE };
      LensColorScale logarithmic = { 0.f, 256.f, FALSE, maps[m], 1.f, FALSE };
      LensColorScale diverging = { -2.5f, 2.5f, TRUE, maps[m], 0.f, FALSE };

      assert_surface_matches (&linear);
      assert_surface_matches (&logarithmic);
      assert_surface_matches (&diverging);
    }
}

/* The ends of the ramp are its end colours exactly: the lightest residual
 * and an empty patch are never a level off. */
static void
test_ends_exact (void)
{
  float values[] = { 0.f, 1.f };
  LensColorScale scale = { 0.f, 1.f, FALSE, LENS_COLORMAP_VIRIDIS, 0.f, FALSE };
  cairo_surface_t *surface = lens_heatmap_surface (values, 1, 2, &scale);

  for (int i = 0; i < 2; i++)
    {
      guint8 shown[3], exact[3];

      pixel_rgb (surface, i, shown);
      lens_color_scale_map (&scale, values[i], exact);
      g_assert_cmpmem (shown, 3, exact, 3);
    }
  cairo_surface_destroy (surface);
}

/* Byte `shift` of the pixel at (x, y), the last row and column standing
 * in for the ones past them. */
static guint
byte_at (cairo_surface_t *surface, int x, int y, int shift)
{
  int w = cairo_image_surface_get_width (surface), h = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  const guint8 *row = cairo_image_surface_get_data (surface) + (gsize) MIN (y, h - 1) * stride;

  return ((const guint32 *) row)[MIN (x, w - 1)] >> shift & 0xff;
}

/* Levels of an odd-sized picture of random bytes, alpha too: each half
 * the size of the one above, rounded up, down to under 128 pixels, and
 * each byte the rounded mean of the four (or, at odd edges, repeated)
 * bytes above it. */
static void
test_levels (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 517, 263);
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  g_autoptr(LensPicture) picture = NULL;
  guint32 state = 7;

  for (int y = 0; y < 263; y++)
    for (int x = 0; x < 517 * 4; x++)
      {
        state = state * 1664525u + 1013904223u;
        data[(gsize) y * stride + x] = state >> 24;
      }
  cairo_surface_mark_dirty (surface);
  picture = lens_picture_new (surface, 1);

  g_assert_cmpint (picture->n_levels, ==, 4); /* 517, 259, 130, 65 wide */
  for (int level = 1; level < picture->n_levels; level++)
    {
      cairo_surface_t *above = picture->levels[level - 1], *here = picture->levels[level];
      int w = cairo_image_surface_get_width (here), h = cairo_image_surface_get_height (here);

      g_assert_cmpint (w, ==, (cairo_image_surface_get_width (above) + 1) / 2);
      g_assert_cmpint (h, ==, (cairo_image_surface_get_height (above) + 1) / 2);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          for (int shift = 0; shift < 32; shift += 8)
            {
              guint sum = byte_at (above, 2 * x, 2 * y, shift) + byte_at (above, 2 * x + 1, 2 * y, shift)
                          + byte_at (above, 2 * x, 2 * y + 1, shift) + byte_at (above, 2 * x + 1, 2 * y + 1, shift);

              g_assert_cmpuint (byte_at (here, x, y, shift), ==, (sum + 2) / 4);
            }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/heatmap/colours", test_colours);
  g_test_add_func ("/heatmap/ends-exact", test_ends_exact);
  g_test_add_func ("/picture/levels", test_levels);
  return g_test_run ();
}
