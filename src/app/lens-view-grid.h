/* lens-view-grid.h: the window's image views, laid out to show the image largest
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Its children (each a view with its header and caption) share the area
 * in equal cells, in as many columns as shows the image largest for the
 * area's shape, or one child fills it alone ("maximised"). It asks for the
 * width of one child only, so the window can be made narrow: the columns
 * follow the width it gets.
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LENS_TYPE_VIEW_GRID (lens_view_grid_get_type ())
G_DECLARE_FINAL_TYPE (LensViewGrid, lens_view_grid, LENS, VIEW_GRID, GtkWidget)

GtkWidget *lens_view_grid_new (void);
/* The image's shape, for choosing the columns. */
void lens_view_grid_set_image_size (LensViewGrid *self, int width, int height);
/* The index of the child shown alone, or -1 for all. */
void lens_view_grid_set_shown (LensViewGrid *self, int index);
int lens_view_grid_get_shown (LensViewGrid *self);
/* Columns in the last layout. */
int lens_view_grid_get_columns (LensViewGrid *self);

G_END_DECLS
