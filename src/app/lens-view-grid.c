/* lens-view-grid.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lens-view-grid.h"

#define SPACING 12
/* The part of a cell an image view may take at least (lens-image-view.c). */
#define VIEW_MIN 80

struct _LensViewGrid {
  GtkWidget parent_instance;
  int image_width, image_height;
  int shown;
  int columns;
};

G_DEFINE_FINAL_TYPE (LensViewGrid, lens_view_grid, GTK_TYPE_WIDGET)

static int
n_children (LensViewGrid *self)
{
  int n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self)); child;
       child = gtk_widget_get_next_sibling (child))
    n++;
  return n;
}

/* The widest minimum of the children: one column needs that much. */
static int
child_min_width (LensViewGrid *self)
{
  int widest = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self)); child;
       child = gtk_widget_get_next_sibling (child))
    {
      int minimum;

      gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
      widest = MAX (widest, minimum);
    }
  return widest;
}

/* What a child takes beside its image (header and caption) at width w. */
static int
chrome_height (LensViewGrid *self, int w)
{
  int tallest = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self)); child;
       child = gtk_widget_get_next_sibling (child))
    {
      int minimum;

      gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, w, &minimum, NULL, NULL, NULL);
      tallest = MAX (tallest, minimum - VIEW_MIN);
    }
  return MAX (tallest, 0);
}

/* As many columns as show the image largest in width x height, among
 * those whose cells are at least the children's minimum width. Fewer
 * columns only for a clearly larger picture: at about the same size, one
 * row keeps the views side by side. */
static int
choose_columns (LensViewGrid *self, int width, int height)
{
  int n = n_children (self), min_w = child_min_width (self), best = 1;
  double best_scale = 0;

  if (n == 0)
    return 1;
  for (int columns = n; columns >= 1; columns--)
    {
      int rows = (n + columns - 1) / columns;
      double cell_w = (double) (width - (columns - 1) * SPACING) / columns;
      double cell_h = (double) (height - (rows - 1) * SPACING) / rows - chrome_height (self, (int) cell_w);
      double scale;

      if (cell_w < min_w && columns > 1)
        continue;
      scale = self->image_width > 0 ? MIN (cell_w / self->image_width, cell_h / self->image_height) : cell_w;
      if (scale > best_scale * 1.05)
        best_scale = scale, best = columns;
    }
  return best;
}

static void
lens_view_grid_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                        int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  LensViewGrid *self = LENS_VIEW_GRID (widget);
  int n = 0;

  *minimum = *natural = 0;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      int child_min, child_nat;

      if (self->shown >= 0 && n++ != self->shown)
        continue;
      gtk_widget_measure (child, orientation, -1, &child_min, &child_nat, NULL, NULL);
      /* One column (or one child) at least; side by side at best. */
      *minimum = MAX (*minimum, child_min);
      if (orientation == GTK_ORIENTATION_HORIZONTAL)
        *natural += child_nat + (*natural > 0 ? SPACING : 0);
      else
        *natural = MAX (*natural, child_nat);
    }
  *natural = MAX (*natural, *minimum);
}

static void
lens_view_grid_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  LensViewGrid *self = LENS_VIEW_GRID (widget);
  int n = n_children (self), columns, rows, i = 0;
  double cell_w, cell_h;

  if (self->shown >= 0 && self->shown < n)
    {
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
           child = gtk_widget_get_next_sibling (child), i++)
        {
          gtk_widget_set_child_visible (child, i == self->shown);
          if (i == self->shown)
            gtk_widget_size_allocate (child, &(GtkAllocation) { 0, 0, width, height }, -1);
        }
      return;
    }

  columns = self->columns = choose_columns (self, width, height);
  rows = (n + columns - 1) / MAX (columns, 1);
  cell_w = (double) (width - (columns - 1) * SPACING) / columns;
  cell_h = (double) (height - (rows - 1) * SPACING) / MAX (rows, 1);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child), i++)
    {
      int row = i / columns, column = i % columns;
      int in_row = MIN (columns, n - row * columns);
      /* A last row with fewer children is centred. */
      double x = column * (cell_w + SPACING) + (columns - in_row) * (cell_w + SPACING) / 2;
      int child_min;

      gtk_widget_set_child_visible (child, TRUE);
      gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &child_min, NULL, NULL, NULL);
      gtk_widget_size_allocate (child,
                                &(GtkAllocation) { (int) x, (int) (row * (cell_h + SPACING)),
                                                   MAX ((int) cell_w, child_min), (int) cell_h },
                                -1);
    }
}

static GtkSizeRequestMode
lens_view_grid_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
lens_view_grid_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (lens_view_grid_parent_class)->dispose (object);
}

static void
lens_view_grid_class_init (LensViewGridClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lens_view_grid_dispose;
  widget_class->measure = lens_view_grid_measure;
  widget_class->size_allocate = lens_view_grid_size_allocate;
  widget_class->get_request_mode = lens_view_grid_get_request_mode;
  gtk_widget_class_set_css_name (widget_class, "lens-view-grid");
}

static void
lens_view_grid_init (LensViewGrid *self)
{
  self->shown = -1;
  self->columns = 1;
}

GtkWidget *
lens_view_grid_new (void)
{
  return g_object_new (LENS_TYPE_VIEW_GRID, NULL);
}

void
lens_view_grid_set_image_size (LensViewGrid *self, int width, int height)
{
  if (self->image_width == width && self->image_height == height)
    return;
  self->image_width = width;
  self->image_height = height;
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

void
lens_view_grid_set_shown (LensViewGrid *self, int index)
{
  if (self->shown == index)
    return;
  self->shown = index;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

int
lens_view_grid_get_shown (LensViewGrid *self)
{
  return self->shown;
}

int
lens_view_grid_get_columns (LensViewGrid *self)
{
  return self->shown >= 0 ? 1 : self->columns;
}
