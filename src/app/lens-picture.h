/* lens-picture.h: an image ready to be shown at any zoom
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A cairo surface plus copies halved again and again (mipmaps), made on
 * the worker thread: a view then draws from the level nearest its scale
 * with a cheap bilinear filter, so showing a 1024 px image in a 400 px
 * view costs the main thread a small blit, never a full-size resample.
 */

#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

#define LENS_PICTURE_MAX_LEVELS 8

/* Immutable once made; reference counted (g_atomic_rc_box). */
typedef struct {
  int n_levels;
  cairo_surface_t *levels[LENS_PICTURE_MAX_LEVELS];
  /* Image pixels per level-0 pixel: 1 for images, 4 for patch heat maps. */
  int units;
} LensPicture;

/* Takes ownership of surface (CAIRO_FORMAT_RGB24 or ARGB32). */
LensPicture *lens_picture_new (cairo_surface_t *surface, int units);
LensPicture *lens_picture_ref (LensPicture *picture);
void lens_picture_unref (LensPicture *picture);
int lens_picture_get_width (LensPicture *picture);   /* in image pixels */
int lens_picture_get_height (LensPicture *picture);

/* Paints the picture with cr's current transform mapping image pixels to
 * device pixels at `scale` device pixels per image pixel: picks the level
 * and filter for that scale (nearest neighbour when magnifying patches). */
void lens_picture_paint (LensPicture *picture, cairo_t *cr, double scale, double opacity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LensPicture, lens_picture_unref)

G_END_DECLS
