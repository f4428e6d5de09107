/* lens-legend.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lens-legend.h"

#include <glib/gi18n.h>

#define BAR_HEIGHT 10

struct _LensLegend {
  GtkWidget parent_instance;
  LensColorScale scale;
  int digits;
  gboolean has_scale;
};

G_DEFINE_FINAL_TYPE (LensLegend, lens_legend, GTK_TYPE_WIDGET)

static PangoLayout *
label (LensLegend *self, float value)
{
  g_autofree char *text = g_strdup_printf ("%.*f", self->digits, value);

  return gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
}

static void
lens_legend_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  LensLegend *self = LENS_LEGEND (widget);
  int w = gtk_widget_get_width (widget);
  g_autoptr(PangoLayout) lo = NULL, hi = NULL;
  GdkRGBA fg;
  int lo_w, hi_w, text_h;
  cairo_t *cr;

  if (!self->has_scale || w <= 0)
    return;

  lo = label (self, self->scale.lo);
  hi = label (self, self->scale.hi);
  pango_layout_get_pixel_size (lo, &lo_w, &text_h);
  pango_layout_get_pixel_size (hi, &hi_w, NULL);

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, BAR_HEIGHT));
  for (int x = 0; x < w; x++)
    {
      guint8 rgb[3];

      lens_color_scale_map (&self->scale, self->scale.lo + (self->scale.hi - self->scale.lo) * x / MAX (w - 1, 1), rgb);
      cairo_set_source_rgb (cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
      cairo_rectangle (cr, x, 0, 1, BAR_HEIGHT);
      cairo_fill (cr);
    }
  cairo_destroy (cr);

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, BAR_HEIGHT + 2));
  gtk_snapshot_append_layout (snapshot, lo, &fg);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (w - hi_w, 0));
  gtk_snapshot_append_layout (snapshot, hi, &fg);
  gtk_snapshot_restore (snapshot);
}

static void
lens_legend_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                     int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 80;
      *natural = 200;
    }
  else
    {
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, "0");
      int h;

      pango_layout_get_pixel_size (layout, NULL, &h);
      *minimum = *natural = BAR_HEIGHT + 2 + h;
    }
}

static void
lens_legend_class_init (LensLegendClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = lens_legend_snapshot;
  widget_class->measure = lens_legend_measure;
  gtk_widget_class_set_css_name (widget_class, "lens-legend");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
lens_legend_init (LensLegend *self)
{
}

GtkWidget *
lens_legend_new (void)
{
  return g_object_new (LENS_TYPE_LEGEND, NULL);
}

void
lens_legend_set_scale (LensLegend *self, const LensColorScale *scale, int digits)
{
  g_autofree char *description = NULL;

  self->scale = *scale;
  self->digits = digits;
  self->has_scale = TRUE;
  /* Screen readers get the range in words. */
  description = g_strdup_printf (_("Colour scale from %.*f (dark) to %.*f (bright)"),
                                 digits, scale->lo, digits, scale->hi);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  description, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
