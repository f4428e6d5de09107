/* lens-window-views.c: the grid of the three views, and the patch inspector
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lens-window-private.h"

/* How many views per row show the image largest in a width x height area:
 * three side by side suit a wide window or a tall image, two and one below
 * a landscape photo in a window of the usual shape. chrome_w and chrome_h
 * are what a view's caption and header take beside the image. */
static int
best_view_columns (int width, int height, int chrome_w, int chrome_h, int image_w, int image_h)
{
  const int n_views = 3, spacing = 12;
  double best_scale = 0;
  int best = n_views;

  for (int columns = n_views; columns >= 1; columns--)
    {
      int rows = (n_views + columns - 1) / columns;
      double cell_w = (double) (width - (columns - 1) * spacing) / columns - chrome_w;
      double cell_h = (double) (height - (rows - 1) * spacing) / rows - chrome_h;
      double scale = MIN (cell_w / image_w, cell_h / image_h);

      /* Fewer columns only for a clearly larger picture: at about the same
       * size, one row keeps all three views side by side. */
      if (scale > best_scale * 1.05)
        best_scale = scale, best = columns;
    }
  return best;
}

static gboolean
apply_view_columns (gpointer data)
{
  LensWindow *self = data;

  self->view_columns_idle = 0;
  /* Only the maximum: the flow box still puts fewer in a row that is too
   * narrow, and the window can still be made narrower. */
  gtk_flow_box_set_max_children_per_line (self->views, self->view_columns);
  return G_SOURCE_REMOVE;
}

void
lens_window_fit_view_columns (LensWindow *self)
{
  GtkWidget *views = GTK_WIDGET (self->views), *view = GTK_WIDGET (self->input_view);
  GtkWidget *cell = gtk_widget_get_parent (view); /* the view with its header and caption */
  int columns;

  if (self->input == NULL || !gtk_widget_get_mapped (views) || gtk_widget_get_width (view) <= 0)
    return;
  columns = best_view_columns (gtk_widget_get_width (views), gtk_widget_get_height (views),
                               gtk_widget_get_width (cell) - gtk_widget_get_width (view),
                               gtk_widget_get_height (cell) - gtk_widget_get_height (view),
                               self->input->image->width, self->input->image->height);
  /* Changing the flow box while it is being allocated would be ignored
   * until the next layout: change it just after. */
  if (columns != self->view_columns && self->view_columns_idle == 0)
    {
      self->view_columns = columns;
      self->view_columns_idle = g_idle_add (apply_view_columns, self);
    }
}

/* ------------------------------------------------------------------------- */
/* The patch inspector */

static void
on_inspected (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(LensWindow) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LensInspection) inspection = lens_worker_inspect_finish (LENS_WORKER (source), result, &error);

  if (lens_window_is_closed (self) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (inspection == NULL)
    {
      lens_window_toast (self, error->message);
      return;
    }
  lens_patch_inspector_set_inspection (self->inspector, inspection, self->gallery);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->inspector)))
    gtk_popover_popup (GTK_POPOVER (self->inspector));
}

static void
inspect (LensWindow *self)
{
  LensRequest request = lens_window_current_request (self);

  if (self->input == NULL || self->model == NULL)
    return;
  lens_worker_inspect_async (self->worker, &request, self->inspected_row, self->inspected_col,
                             lens_patch_inspector_get_top_m (self->inspector), self->cancellable,
                             on_inspected, g_object_ref (self));
}

/* With the segments shown, a click selects the segment under it (Shift
 * or Ctrl adds it to the selection, or takes it out); otherwise, and on a
 * right click, it opens the patch's sparse code. */
static void
on_patch_clicked (LensImageView *view, int row, int col, double x, double y, guint button,
                  GdkModifierType state, LensWindow *self)
{
  graphene_point_t point;

  if (button == GDK_BUTTON_PRIMARY && lens_window_get_toggle (self, "show-segments")
      && lens_segmentation_segment_at (self->segmentation, row, col) >= 0)
    {
      lens_window_select_segment_at (self, row, col, (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK)) != 0);
      return;
    }

  self->inspected_row = row;
  self->inspected_col = col;
  /* The popover lives on the window and points at the click. */
  if (!gtk_widget_compute_point (GTK_WIDGET (view), GTK_WIDGET (self), &GRAPHENE_POINT_INIT (x, y), &point))
    return;
  gtk_popover_set_pointing_to (GTK_POPOVER (self->inspector),
                               &(GdkRectangle) { (int) point.x - 4, (int) point.y - 4, 8, 8 });
  inspect (self);
}

void
lens_window_setup_views (LensWindow *self)
{
  LensImageView *views[] = { self->input_view, self->reconstruction_view, self->activation_view };

  self->inspector = LENS_PATCH_INSPECTOR (lens_patch_inspector_new ());
  gtk_widget_set_parent (GTK_WIDGET (self->inspector), GTK_WIDGET (self));
  g_signal_connect_swapped (self->inspector, "top-m-changed", G_CALLBACK (inspect), self);
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      lens_image_view_set_viewport (views[i], self->viewport);
      g_signal_connect (views[i], "patch-clicked", G_CALLBACK (on_patch_clicked), self);
    }
}
