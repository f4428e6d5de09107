/* lens-picture.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lens-picture.h"

#include <math.h>

/* The rounded mean of four pixels, each of their four bytes apart: two
 * bytes at a time in 16-bit lanes of a word (four bytes sum to at most
 * 1020), so a pixel costs a few word operations rather than a loop over
 * its bytes. */
static inline guint32
mean4 (guint32 a, guint32 b, guint32 c, guint32 e)
{
  const guint32 low = 0x00ff00ff, round = 0x00020002;
  guint32 even = (a & low) + (b & low) + (c & low) + (e & low) + round;
  guint32 odd = (a >> 8 & low) + (b >> 8 & low) + (c >> 8 & low) + (e >> 8 & low) + round;

  return (even >> 2 & low) | (odd >> 2 & low) << 8;
}

/* 2x2 box average of all four bytes (alpha too, for overlays); odd last
 * rows and columns average what they have. */
static cairo_surface_t *
halve (cairo_surface_t *src)
{
  int w = cairo_image_surface_get_width (src), h = cairo_image_surface_get_height (src);
  int hw = (w + 1) / 2, hh = (h + 1) / 2;
  cairo_surface_t *dst = cairo_image_surface_create (cairo_image_surface_get_format (src), hw, hh);
  const guint8 *s = cairo_image_surface_get_data (src);
  guint8 *d = cairo_image_surface_get_data (dst);
  int ss = cairo_image_surface_get_stride (src), ds = cairo_image_surface_get_stride (dst);

  cairo_surface_flush (src);
  for (int y = 0; y < hh; y++)
    {
      const guint32 *r0 = (const guint32 *) (s + (gsize) (2 * y) * ss);
      const guint32 *r1 = (const guint32 *) (s + (gsize) MIN (2 * y + 1, h - 1) * ss);
      guint32 *out = (guint32 *) (d + (gsize) y * ds);
      int x = 0;

      for (; x < w / 2; x++)
        out[x] = mean4 (r0[2 * x], r0[2 * x + 1], r1[2 * x], r1[2 * x + 1]);
      if (x < hw)
        out[x] = mean4 (r0[2 * x], r0[2 * x], r1[2 * x], r1[2 * x]);
    }
  cairo_surface_mark_dirty (dst);
  return dst;
}

LensPicture *
lens_picture_new (cairo_surface_t *surface, int units)
{
  LensPicture *picture = g_atomic_rc_box_new0 (LensPicture);

  picture->units = units;
  picture->levels[0] = surface;
  picture->n_levels = 1;
  while (picture->n_levels < LENS_PICTURE_MAX_LEVELS)
    {
      cairo_surface_t *last = picture->levels[picture->n_levels - 1];

      if (cairo_image_surface_get_width (last) < 128 && cairo_image_surface_get_height (last) < 128)
        break;
      picture->levels[picture->n_levels++] = halve (last);
    }
  return picture;
}

LensPicture *
lens_picture_ref (LensPicture *picture)
{
  return g_atomic_rc_box_acquire (picture);
}

static void
picture_clear (LensPicture *picture)
{
  for (int i = 0; i < picture->n_levels; i++)
    cairo_surface_destroy (picture->levels[i]);
}

void
lens_picture_unref (LensPicture *picture)
{
  g_atomic_rc_box_release_full (picture, (GDestroyNotify) picture_clear);
}

int
lens_picture_get_width (LensPicture *picture)
{
  return cairo_image_surface_get_width (picture->levels[0]) * picture->units;
}

int
lens_picture_get_height (LensPicture *picture)
{
  return cairo_image_surface_get_height (picture->levels[0]) * picture->units;
}

void
lens_picture_paint (LensPicture *picture, cairo_t *cr, double scale, double opacity)
{
  /* Device pixels per level-0 pixel */
  double magnification = scale * picture->units;
  int level = 0;
  double level_scale;

  while (level + 1 < picture->n_levels && magnification * (1 << (level + 1)) <= 1.0)
    level++;
  level_scale = picture->units * (1 << level);

  cairo_save (cr);
  cairo_scale (cr, level_scale, level_scale);
  cairo_set_source_surface (cr, picture->levels[level], 0, 0);
  /* Patches and magnified pixels stay crisp squares: smoothing is for
   * shrinking only. */
  cairo_pattern_set_filter (cairo_get_source (cr),
                            magnification > 1.0 || picture->units > 1 ? CAIRO_FILTER_NEAREST
                                                                      : CAIRO_FILTER_BILINEAR);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_rectangle (cr, 0, 0, cairo_image_surface_get_width (picture->levels[level]),
                   cairo_image_surface_get_height (picture->levels[level]));
  cairo_clip (cr);
  cairo_paint_with_alpha (cr, opacity);
  cairo_restore (cr);
}
