/* lens-viewport.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lens-viewport.h"

struct _LensViewport {
  GObject parent_instance;
  int width, height;
  double zoom;
  double fit_scale;
  double center_x, center_y;
  int hover_row, hover_col;
};

G_DEFINE_FINAL_TYPE (LensViewport, lens_viewport, G_TYPE_OBJECT)

enum {
  SIGNAL_VIEW_CHANGED,
  SIGNAL_HOVER_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
lens_viewport_class_init (LensViewportClass *klass)
{
  signals[SIGNAL_VIEW_CHANGED] = g_signal_new ("view-changed", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 0);
  signals[SIGNAL_HOVER_CHANGED] = g_signal_new ("hover-changed", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 0);
}

static void
lens_viewport_init (LensViewport *self)
{
  self->hover_row = self->hover_col = -1;
}

LensViewport *
lens_viewport_new (void)
{
  return g_object_new (LENS_TYPE_VIEWPORT, NULL);
}

void
lens_viewport_set_image_size (LensViewport *self, int width, int height)
{
  if (self->width == width && self->height == height)
    return;
  self->width = width;
  self->height = height;
  self->zoom = 0.0;
  self->center_x = width / 2.0;
  self->center_y = height / 2.0;
  g_signal_emit (self, signals[SIGNAL_VIEW_CHANGED], 0);
}

void
lens_viewport_get_image_size (LensViewport *self, int *width, int *height)
{
  *width = self->width;
  *height = self->height;
}

double
lens_viewport_get_zoom (LensViewport *self)
{
  return self->zoom;
}

void
lens_viewport_get_center (LensViewport *self, double *x, double *y)
{
  *x = self->center_x;
  *y = self->center_y;
}

void
lens_viewport_set_view (LensViewport *self, double zoom, double center_x, double center_y)
{
  if (zoom != 0.0)
    zoom = CLAMP (zoom, LENS_ZOOM_MIN, LENS_ZOOM_MAX);
  self->zoom = zoom;
  /* Keep some of the image in sight. */
  self->center_x = CLAMP (center_x, 0, self->width);
  self->center_y = CLAMP (center_y, 0, self->height);
  g_signal_emit (self, signals[SIGNAL_VIEW_CHANGED], 0);
}

void
lens_viewport_fit (LensViewport *self)
{
  lens_viewport_set_view (self, 0.0, self->width / 2.0, self->height / 2.0);
}

double
lens_viewport_get_fit_scale (LensViewport *self)
{
  return self->fit_scale;
}

void
lens_viewport_set_fit_scale (LensViewport *self, double scale)
{
  if (self->fit_scale == scale)
    return;
  self->fit_scale = scale;
  if (self->zoom == 0.0)
    g_signal_emit (self, signals[SIGNAL_VIEW_CHANGED], 0);
}

void
lens_viewport_get_hover (LensViewport *self, int *row, int *col)
{
  *row = self->hover_row;
  *col = self->hover_col;
}

void
lens_viewport_set_hover (LensViewport *self, int row, int col)
{
  if (self->hover_row == row && self->hover_col == col)
    return;
  self->hover_row = row;
  self->hover_col = col;
  g_signal_emit (self, signals[SIGNAL_HOVER_CHANGED], 0);
}
