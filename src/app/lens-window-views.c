/* lens-window-views.c: the three views, their layout, and the patch inspector
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lens-window-private.h"

#include <glib/gi18n.h>

/* The header bar holds the view switcher from this window width; below
 * it, a bar at the bottom does. */
#define WIDE_WINDOW 1000
/* The side bar folds away (and shows over the views when asked for) on a
 * window narrower than this: beside it, three views would get less than
 * their minimum width. */
#define FOLD_BELOW 1000

static GtkButton *
maximize_button (LensWindow *self, int view)
{
  GtkButton *buttons[] = { self->input_maximize, self->reconstruction_maximize, self->activation_maximize };

  return buttons[view];
}

static gboolean
apply_layout (gpointer data)
{
  LensWindow *self = data;
  gboolean main_page = g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "main") == 0;

  self->layout_idle = 0;
  adw_flap_set_fold_policy (self->flap, self->narrow ? ADW_FLAP_FOLD_POLICY_ALWAYS : ADW_FLAP_FOLD_POLICY_NEVER);
  gtk_widget_set_visible (self->header_switcher, main_page && self->wide);
  gtk_action_bar_set_revealed (self->bottom_bar, main_page && !self->wide);
  return G_SOURCE_REMOVE;
}

void
lens_window_show_view (LensWindow *self, int view)
{
  static const char *alone[] = { N_("Show only the input (Alt+1)"), N_("Show only the reconstruction (Alt+2)"),
                                 N_("Show only the activations (Alt+3)") };

  lens_view_grid_set_shown (self->views, CLAMP (view, -1, 2));
  for (int i = 0; i < 3; i++)
    {
      gboolean maximized = view == i;

      gtk_button_set_icon_name (maximize_button (self, i),
                                maximized ? "view-restore-symbolic" : "view-fullscreen-symbolic");
      gtk_widget_set_tooltip_text (GTK_WIDGET (maximize_button (self, i)),
                                   maximized ? _("Show all three views (Alt+0)") : _(alone[i]));
    }
}

void
lens_window_fit_views (LensWindow *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  gboolean wide = width >= WIDE_WINDOW, narrow = width < FOLD_BELOW;
  gboolean main_page = g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "main") == 0;
  LensImageView *all[] = { self->input_view, self->reconstruction_view, self->activation_view };
  gboolean comparing = g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "comparison") == 0;
  double fit = 0.0;

  /* Changing widgets while the window is being allocated would be
   * ignored until the next layout: change them just after. */
  if ((wide != self->wide || narrow != self->narrow || gtk_widget_get_visible (self->header_switcher) != (main_page && wide)
       || gtk_action_bar_get_revealed (self->bottom_bar) != (main_page && !wide))
      && self->layout_idle == 0)
    {
      self->wide = wide;
      self->narrow = narrow;
      self->layout_idle = g_idle_add (apply_layout, self);
    }
  if (self->input == NULL)
    return;

  /* One fit scale for the views shown: the same pixels side by side. */
  if (comparing)
    {
      lens_viewport_set_fit_scale (self->viewport, lens_comparison_page_get_fit_scale (self->comparison_page));
      return;
    }
  for (int i = 0; i < 3; i++)
    {
      double f = gtk_widget_get_child_visible (gtk_widget_get_parent (GTK_WIDGET (all[i])))
                   ? lens_image_view_get_fit_scale (all[i]) : 0.0;

      if (f > 0.0 && (fit == 0.0 || f < fit))
        fit = f;
    }
  lens_viewport_set_fit_scale (self->viewport, fit);
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

/* Opens the inspector on patch (row, col), pointing at (x, y) of view and
 * opening towards the larger part of the window so that it stays inside. */
static void
inspect_at (LensWindow *self, LensImageView *view, int row, int col, double x, double y)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  int need_w, need_h;
  graphene_point_t point;
  GtkPositionType position;

  self->inspected_row = row;
  self->inspected_col = col;
  if (!gtk_widget_compute_point (GTK_WIDGET (view), GTK_WIDGET (self), &GRAPHENE_POINT_INIT (x, y), &point))
    return;
  gtk_widget_measure (GTK_WIDGET (self->inspector), GTK_ORIENTATION_HORIZONTAL, -1, NULL, &need_w, NULL, NULL);
  gtk_widget_measure (GTK_WIDGET (self->inspector), GTK_ORIENTATION_VERTICAL, need_w, NULL, &need_h, NULL, NULL);
  if (h - point.y >= need_h)
    position = GTK_POS_BOTTOM;
  else if (point.y >= need_h)
    position = GTK_POS_TOP;
  else
    position = w - point.x >= point.x ? GTK_POS_RIGHT : GTK_POS_LEFT;
  gtk_popover_set_position (GTK_POPOVER (self->inspector), position);
  gtk_popover_set_pointing_to (GTK_POPOVER (self->inspector),
                               &(GdkRectangle) { (int) point.x - 4, (int) point.y - 4, 8, 8 });
  inspect (self);
}

void
lens_window_inspect_patch (LensWindow *self, int row, int col)
{
  double x, y;

  lens_image_view_from_image (self->input_view, (col + 0.5) * SCVAE_PATCH_PIXELS, (row + 0.5) * SCVAE_PATCH_PIXELS,
                              &x, &y);
  inspect_at (self, self->input_view, row, col, x, y);
}

/* With the segments shown, a click selects the segment under it (Shift
 * or Ctrl adds it to the selection, or takes it out); otherwise, and on a
 * right click, it opens the patch's sparse code. */
static void
on_patch_clicked (LensImageView *view, int row, int col, double x, double y, guint button,
                  GdkModifierType state, LensWindow *self)
{
  if (button == GDK_BUTTON_PRIMARY && lens_window_get_toggle (self, "show-segments")
      && lens_segmentation_segment_at (self->segmentation, row, col) >= 0)
    {
      lens_window_select_segment_at (self, row, col, (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK)) != 0);
      return;
    }
  inspect_at (self, view, row, col, x, y);
}

void
lens_window_setup_views (LensWindow *self)
{
  LensImageView *views[] = { self->input_view, self->reconstruction_view, self->activation_view };

  lens_window_show_view (self, -1);
  lens_comparison_page_set_viewport (self->comparison_page, self->viewport);

  self->inspector = LENS_PATCH_INSPECTOR (lens_patch_inspector_new ());
  gtk_widget_set_parent (GTK_WIDGET (self->inspector), GTK_WIDGET (self));
  g_signal_connect_swapped (self->inspector, "top-m-changed", G_CALLBACK (inspect), self);
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      lens_image_view_set_viewport (views[i], self->viewport);
      g_signal_connect (views[i], "patch-clicked", G_CALLBACK (on_patch_clicked), self);
    }
}
