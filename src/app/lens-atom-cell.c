/* lens-atom-cell.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One widget that draws everything itself, not a box of a picture, a level
 * bar and a label: the grid keeps about 240 cells alive, and with seven
 * widgets each their first layout held up the window for ~100 ms when a
 * model's atoms arrived. Every result also changes every cell's usage; here
 * that is a redraw, never a relayout.
 */

#include "lens-atom-cell.h"

#include <string.h>

#define BAR_HEIGHT 4
#define GAP 2

struct _LensAtomCell {
  GtkWidget parent_instance;
  int thumbnail_size;
  GdkTexture *thumbnail;
  double bar;
  gboolean dimmed;
  PangoLayout *caption;
  PangoLayout *badges[2];   /* top left, top right; empty: none */
  char *description;
};

G_DEFINE_FINAL_TYPE (LensAtomCell, lens_atom_cell, GTK_TYPE_WIDGET)

static int
caption_height (LensAtomCell *self)
{
  int height;

  pango_layout_get_pixel_size (self->caption, NULL, &height);
  return height;
}

/* A short word on a dark tab in a corner of the thumbnail, at x (its left
 * edge, or its right edge when right). */
static void
append_badge (GtkSnapshot *snapshot, PangoLayout *badge, float x, gboolean right)
{
  const GdkRGBA back = { 0, 0, 0, 0.7f }, text = { 1, 1, 1, 1 };
  int width, height;
  GskRoundedRect tab;

  if (*pango_layout_get_text (badge) == '\0')
    return;
  pango_layout_get_pixel_size (badge, &width, &height);
  width += 2 * GAP;
  if (right)
    x -= width;
  gsk_rounded_rect_init_from_rect (&tab, &GRAPHENE_RECT_INIT (x, 0, width, height), 3);
  gtk_snapshot_push_rounded_clip (snapshot, &tab);
  gtk_snapshot_append_color (snapshot, &back, &tab.bounds);
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x + GAP, 0));
  gtk_snapshot_append_layout (snapshot, badge, &text);
  gtk_snapshot_restore (snapshot);
}

static void
lens_atom_cell_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  LensAtomCell *self = LENS_ATOM_CELL (widget);
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  float size = self->thumbnail_size, x = (gtk_widget_get_width (widget) - size) / 2.f;
  int caption_width;
  GskRoundedRect bar;
  GdkRGBA fg, trough, fill;

  gtk_style_context_get_color (style, &fg);
  trough = fg, trough.alpha *= 0.15f;
  if (!gtk_style_context_lookup_color (style, "accent_color", &fill))
    fill = fg;

  if (self->dimmed)
    gtk_snapshot_push_opacity (snapshot, 0.4);
  if (self->thumbnail)
    gtk_snapshot_append_texture (snapshot, self->thumbnail, &GRAPHENE_RECT_INIT (x, 0, size, size));
  gsk_rounded_rect_init_from_rect (&bar, &GRAPHENE_RECT_INIT (x, size + GAP, size, BAR_HEIGHT), BAR_HEIGHT / 2.f);
  gtk_snapshot_push_rounded_clip (snapshot, &bar);
  gtk_snapshot_append_color (snapshot, &trough, &bar.bounds);
  gtk_snapshot_append_color (snapshot, &fill,
                             &GRAPHENE_RECT_INIT (x, size + GAP, size * CLAMP (self->bar, 0.0, 1.0), BAR_HEIGHT));
  gtk_snapshot_pop (snapshot);
  if (self->dimmed)
    gtk_snapshot_pop (snapshot);

  for (int i = 0; i < 2; i++)
    append_badge (snapshot, self->badges[i], i == 0 ? x : x + size, i == 1);

  pango_layout_get_pixel_size (self->caption, &caption_width, NULL);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((gtk_widget_get_width (widget) - caption_width) / 2.f,
                                                          size + 2 * GAP + BAR_HEIGHT));
  gtk_snapshot_append_layout (snapshot, self->caption, &fg);
  gtk_snapshot_restore (snapshot);
}

static void
lens_atom_cell_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                        int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  LensAtomCell *self = LENS_ATOM_CELL (widget);

  /* The caption always fits one line of the thumbnail's width: its height,
   * not its text, sets the size, so new text never asks for a relayout. */
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = self->thumbnail_size;
  else
    *minimum = *natural = self->thumbnail_size + 2 * GAP + BAR_HEIGHT + caption_height (self);
}

static void
lens_atom_cell_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  LensAtomCell *self = LENS_ATOM_CELL (widget);

  GTK_WIDGET_CLASS (lens_atom_cell_parent_class)->css_changed (widget, change);
  /* The caption's font comes from the style. */
  pango_layout_context_changed (self->caption);
  for (int i = 0; i < 2; i++)
    pango_layout_context_changed (self->badges[i]);
  gtk_widget_queue_resize (widget);
}

static void
lens_atom_cell_finalize (GObject *object)
{
  LensAtomCell *self = LENS_ATOM_CELL (object);

  g_clear_object (&self->thumbnail);
  g_clear_object (&self->caption);
  for (int i = 0; i < 2; i++)
    g_clear_object (&self->badges[i]);
  g_free (self->description);
  G_OBJECT_CLASS (lens_atom_cell_parent_class)->finalize (object);
}

static void
lens_atom_cell_class_init (LensAtomCellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = lens_atom_cell_finalize;
  widget_class->snapshot = lens_atom_cell_snapshot;
  widget_class->measure = lens_atom_cell_measure;
  widget_class->css_changed = lens_atom_cell_css_changed;
  gtk_widget_class_set_css_name (widget_class, "lens-atom-cell");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
lens_atom_cell_init (LensAtomCell *self)
{
  gtk_widget_add_css_class (GTK_WIDGET (self), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self), "numeric");
  self->caption = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  pango_layout_set_ellipsize (self->caption, PANGO_ELLIPSIZE_END);
  for (int i = 0; i < 2; i++)
    self->badges[i] = gtk_widget_create_pango_layout (GTK_WIDGET (self), "");
}

GtkWidget *
lens_atom_cell_new (int thumbnail_size)
{
  LensAtomCell *self = g_object_new (LENS_TYPE_ATOM_CELL, NULL);

  self->thumbnail_size = thumbnail_size;
  pango_layout_set_width (self->caption, thumbnail_size * PANGO_SCALE);
  return GTK_WIDGET (self);
}

void
lens_atom_cell_set (LensAtomCell *self, GdkTexture *thumbnail, double bar, const char *caption,
                    gboolean dimmed, const char *left_badge, const char *right_badge, const char *description)
{
  const char *badges[2] = { left_badge ? left_badge : "", right_badge ? right_badge : "" };

  g_return_if_fail (LENS_IS_ATOM_CELL (self));

  g_set_object (&self->thumbnail, thumbnail);
  self->bar = bar;
  self->dimmed = dimmed;
  if (g_strcmp0 (pango_layout_get_text (self->caption), caption) != 0)
    pango_layout_set_text (self->caption, caption, -1);
  for (int i = 0; i < 2; i++)
    if (strcmp (pango_layout_get_text (self->badges[i]), badges[i]) != 0)
      pango_layout_set_text (self->badges[i], badges[i], -1);
  /* Accessibility updates go over D-Bus: only real changes. */
  if (g_strcmp0 (self->description, description) != 0)
    {
      g_free (self->description);
      self->description = g_strdup (description);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, description, -1);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
