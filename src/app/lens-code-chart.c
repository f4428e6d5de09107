/* lens-code-chart.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lens-code-chart.h"

#include <glib/gi18n.h>
#include <math.h>

#define ROW 28
#define THUMB 24
#define LABEL_W 44

struct _LensCodeChart {
  GtkWidget parent_instance;
  int n;
  int top_m;
  int *atoms;
  float *coefficients;
  GdkTexture **thumbnails;
};

G_DEFINE_FINAL_TYPE (LensCodeChart, lens_code_chart, GTK_TYPE_WIDGET)

static void
clear (LensCodeChart *self)
{
  for (int i = 0; i < self->n; i++)
    g_clear_object (&self->thumbnails[i]);
  g_clear_pointer (&self->atoms, g_free);
  g_clear_pointer (&self->coefficients, g_free);
  g_clear_pointer (&self->thumbnails, g_free);
  self->n = 0;
}

void
lens_code_chart_set_code (LensCodeChart *self, const int *atoms, const float *coefficients,
                          GdkTexture **thumbnails, int n, int top_m)
{
  g_autoptr(GString) description = g_string_new (NULL);

  clear (self);
  self->n = n;
  self->top_m = top_m;
  self->atoms = g_memdup2 (atoms, n * sizeof (int));
  self->coefficients = g_memdup2 (coefficients, n * sizeof (float));
  self->thumbnails = g_new0 (GdkTexture *, MAX (n, 1));
  for (int i = 0; i < n; i++)
    {
      self->thumbnails[i] = thumbnails && thumbnails[i] ? g_object_ref (thumbnails[i]) : NULL;
      if (i < 8)
        g_string_append_printf (description, "%s%d: %.3f", i ? ", " : "", atoms[i], coefficients[i]);
    }
  /* What a screen reader says: the strongest atoms with their values. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  description->str, -1);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static void
lens_code_chart_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  LensCodeChart *self = LENS_CODE_CHART (widget);
  int w = gtk_widget_get_width (widget);
  double largest = 0.0, bar_left = THUMB + 6 + LABEL_W, bar_width = MAX (w - bar_left - 56, 20);
  GdkRGBA fg;
  cairo_t *cr;

  if (self->n == 0)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  for (int i = 0; i < self->n; i++)
    largest = MAX (largest, fabsf (self->coefficients[i]));

  for (int i = 0; i < self->n; i++)
    if (self->thumbnails[i])
      gtk_snapshot_append_texture (snapshot, self->thumbnails[i],
                                   &GRAPHENE_RECT_INIT (0, i * ROW + 2, THUMB, THUMB));

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, self->n * ROW));
  for (int i = 0; i < self->n; i++)
    {
      float c = self->coefficients[i];
      double length = bar_width * fabs (c) / largest, y = i * ROW + 8;
      double alpha = i < self->top_m ? 1.0 : 0.35;
      char text[32];
      PangoLayout *layout;

      /* Positive orange, negative blue: the sign matters to the picture. */
      if (c >= 0)
        cairo_set_source_rgba (cr, 0.93, 0.55, 0.17, alpha);
      else
        cairo_set_source_rgba (cr, 0.21, 0.47, 0.73, alpha);
      cairo_rectangle (cr, bar_left, y, MAX (length, 1), ROW - 16);
      cairo_fill (cr);

      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * alpha);
      g_snprintf (text, sizeof text, "#%d", self->atoms[i]);
      layout = gtk_widget_create_pango_layout (widget, text);
      cairo_move_to (cr, THUMB + 6, i * ROW + 5);
      pango_cairo_show_layout (cr, layout);
      g_object_unref (layout);
      g_snprintf (text, sizeof text, "%+.3f", c);
      layout = gtk_widget_create_pango_layout (widget, text);
      cairo_move_to (cr, bar_left + length + 4, i * ROW + 5);
      pango_cairo_show_layout (cr, layout);
      g_object_unref (layout);
    }
  cairo_destroy (cr);
}

static void
lens_code_chart_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                         int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  LensCodeChart *self = LENS_CODE_CHART (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = 320;
  else
    *minimum = *natural = MAX (self->n, 1) * ROW;
}

static void
lens_code_chart_dispose (GObject *object)
{
  clear (LENS_CODE_CHART (object));
  G_OBJECT_CLASS (lens_code_chart_parent_class)->dispose (object);
}

static void
lens_code_chart_class_init (LensCodeChartClass *klass)
{
  GTK_WIDGET_CLASS (klass)->snapshot = lens_code_chart_snapshot;
  GTK_WIDGET_CLASS (klass)->measure = lens_code_chart_measure;
  G_OBJECT_CLASS (klass)->dispose = lens_code_chart_dispose;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "lens-code-chart");
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_IMG);
}

static void
lens_code_chart_init (LensCodeChart *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Active atoms of the patch, strongest first"), -1);
}

GtkWidget *
lens_code_chart_new (void)
{
  return g_object_new (LENS_TYPE_CODE_CHART, NULL);
}
