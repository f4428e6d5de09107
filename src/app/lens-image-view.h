/* lens-image-view.h: one zoomable, pannable picture in the window
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "lens-picture.h"
#include "lens-viewport.h"

G_BEGIN_DECLS

#define LENS_TYPE_IMAGE_VIEW (lens_image_view_get_type ())
G_DECLARE_FINAL_TYPE (LensImageView, lens_image_view, LENS, IMAGE_VIEW, GtkWidget)

GtkWidget *lens_image_view_new (void);
void lens_image_view_set_viewport (LensImageView *self, LensViewport *viewport);
void lens_image_view_set_picture (LensImageView *self, LensPicture *picture);
/* Before/after: shows `before` left of a draggable split line and the
 * picture right of it; NULL turns the comparison off. */
void lens_image_view_set_before (LensImageView *self, LensPicture *before);
double lens_image_view_get_split (LensImageView *self);
/* A translucent picture over the image (segments), with borders drawn
 * between patches of different labels (rows x cols; may be NULL). */
void lens_image_view_set_overlay (LensImageView *self, LensPicture *overlay, double opacity,
                                  const guint8 *labels, int rows, int cols);
/* Outlines the segments with segments[i] set (n of them; NULL: none),
 * using the overlay's labels. */
void lens_image_view_set_highlight (LensImageView *self, const gboolean *segments, int n);
LensPicture *lens_image_view_get_overlay (LensImageView *self);
/* Draws each segment's edge in its colour (0xffRRGGBB; 0 for none), using
 * the overlay's labels; NULL (or n = 0): no outlines. */
void lens_image_view_set_outlines (LensImageView *self, const guint32 *colors, int n);
const guint32 *lens_image_view_get_outlines (LensImageView *self, int *n);
/* A click at widget point (x, y): emits "patch-clicked" (row, column, x,
 * y, button, modifiers) if it is on the image, as a real click does. */
gboolean lens_image_view_click (LensImageView *self, double x, double y, guint button, GdkModifierType state);
/* Patches to outline (indices row * cols + col), e.g. where atoms fire. */
void lens_image_view_set_marks (LensImageView *self, const int *patches, int n, int cols);

/* The scale that fits the whole image into this view; 0 before it has a size. */
double lens_image_view_get_fit_scale (LensImageView *self);
/* Screen pixels per image pixel, as the view shows it now. */
double lens_image_view_get_scale (LensImageView *self);
/* Image coordinates under a widget point; FALSE outside the image. */
gboolean lens_image_view_to_image (LensImageView *self, double x, double y,
                                   double *image_x, double *image_y);

/* Where image point (image_x, image_y) is in the widget. */
void lens_image_view_from_image (LensImageView *self, double image_x, double image_y, double *x, double *y);

G_END_DECLS
