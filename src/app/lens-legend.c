/* lens-legend.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lens-legend.h"

#include <glib/gi18n.h>
#include <math.h>

#define BAR_HEIGHT 10

struct _LensLegend {
  GtkWidget parent_instance;
  LensColorScale scale;
  int digits;
  gboolean has_scale;
};

G_DEFINE_FINAL_TYPE (LensLegend, lens_legend, GTK_TYPE_WIDGET)

static PangoLayout *
label (LensLegend *self, float value, gboolean at_least)
{
  /* Whole numbers without decimals: ticks at 1, 10, 100 read as such. */
  int digits = value == roundf (value) ? 0 : self->digits;
  g_autofree char *text = g_strdup_printf ("%s%.*f", at_least ? "≥" : "", digits, value);

  return gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
}

/* Draws layout centred on x (kept inside the width) unless it would touch
 * the label drawn last (which ended at *end); TRUE if drawn. */
static gboolean
place_label (GtkSnapshot *snapshot, PangoLayout *layout, double x, int w, const GdkRGBA *fg, double *end,
             double limit)
{
  int lw;
  double left;

  pango_layout_get_pixel_size (layout, &lw, NULL);
  left = CLAMP (x - lw / 2.0, 0, w - lw);
  if (left < *end + 8 || left + lw > limit)
    return FALSE;
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (left, BAR_HEIGHT + 2));
  gtk_snapshot_append_layout (snapshot, layout, fg);
  gtk_snapshot_restore (snapshot);
  *end = left + lw;
  return TRUE;
}

static void
lens_legend_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  LensLegend *self = LENS_LEGEND (widget);
  int w = gtk_widget_get_width (widget);
  g_autoptr(PangoLayout) lo = NULL, hi = NULL;
  GdkRGBA fg;
  int hi_w;
  double end = -G_MAXDOUBLE;
  cairo_t *cr;

  if (!self->has_scale || w <= 0)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, BAR_HEIGHT));
  for (int x = 0; x < w; x++)
    {
      guint8 rgb[3];

      lens_color_scale_map_position (&self->scale, (float) x / MAX (w - 1, 1), rgb);
      cairo_set_source_rgb (cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
      cairo_rectangle (cr, x, 0, 1, BAR_HEIGHT);
      cairo_fill (cr);
    }
  cairo_destroy (cr);

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  lo = label (self, self->scale.lo, FALSE);
  hi = label (self, self->scale.hi, self->scale.clipped);
  pango_layout_get_pixel_size (hi, &hi_w, NULL);
  place_label (snapshot, lo, 0, w, &fg, &end, w - hi_w - 8);
  /* On a logarithmic scale, the powers of ten between, where they fit. */
  if (self->scale.knee > 0 && !self->scale.diverging)
    for (double tick = pow (10, ceil (log10 (MAX (self->scale.knee, 1e-6)))); tick < self->scale.hi; tick *= 10)
      {
        g_autoptr(PangoLayout) layout = NULL;

        if (tick <= self->scale.lo)
          continue;
        layout = label (self, (float) tick, FALSE);
        place_label (snapshot, layout, lens_color_scale_position (&self->scale, (float) tick) * (w - 1), w, &fg,
                     &end, w - hi_w - 8);
      }
  end = -G_MAXDOUBLE;
  place_label (snapshot, hi, w, w, &fg, &end, w);
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
  if (scale->knee > 0 && !scale->diverging)
    description = g_strdup_printf (_("Logarithmic colour scale from %.*f (dark) to %.*f (bright)"),
                                   digits, scale->lo, digits, scale->hi);
  else
    description = g_strdup_printf (_("Colour scale from %.*f (dark) to %.*f (bright)"),
                                   digits, scale->lo, digits, scale->hi);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  description, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
