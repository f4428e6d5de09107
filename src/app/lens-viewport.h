/* lens-viewport.h: zoom, pan and the hovered patch, shared by image views
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every view of the window shows the same region of the same image; they
 * all read and write one LensViewport, so zooming or panning one moves all
 * of them, and hovering a patch in one outlines it in every view.
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define LENS_ZOOM_MIN 0.05
#define LENS_ZOOM_MAX 32.0

#define LENS_TYPE_VIEWPORT (lens_viewport_get_type ())
G_DECLARE_FINAL_TYPE (LensViewport, lens_viewport, LENS, VIEWPORT, GObject)

LensViewport *lens_viewport_new (void);

/* The image's size in pixels; a new size resets the view to fit. */
void lens_viewport_set_image_size (LensViewport *self, int width, int height);
void lens_viewport_get_image_size (LensViewport *self, int *width, int *height);

/* zoom 0 means "fit": each view scales the whole image into itself. Else
 * zoom is view pixels per image pixel and (center_x, center_y) the image
 * point at the middle of every view. */
double lens_viewport_get_zoom (LensViewport *self);
void lens_viewport_get_center (LensViewport *self, double *x, double *y);
void lens_viewport_set_view (LensViewport *self, double zoom, double center_x, double center_y);
void lens_viewport_fit (LensViewport *self);
/* The scale every view uses at zoom 0 ("fit"): the largest that fits the
 * whole image in each of them, so they stay aligned pixel for pixel. 0:
 * each view fits the image into itself. */
double lens_viewport_get_fit_scale (LensViewport *self);
void lens_viewport_set_fit_scale (LensViewport *self, double scale);

/* Patch under the pointer, or -1, -1. */
void lens_viewport_get_hover (LensViewport *self, int *row, int *col);
void lens_viewport_set_hover (LensViewport *self, int row, int col);

G_END_DECLS
