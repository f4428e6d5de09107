/* lens-patch-inspector.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A popover: the patch (with two patches of context around it), its
 * reconstruction, its reconstruction from only its m strongest atoms, and
 * the code as a bar chart. Changing m asks the window for a new inspection.
 */

#include "config.h"

#include "lens-patch-inspector.h"

#include <glib/gi18n.h>

#include "lens-code-chart.h"

#define MAGNIFY 5

struct _LensPatchInspector {
  GtkPopover parent_instance;

  /* Template widgets */
  GtkLabel *title;
  GtkPicture *input_picture;
  GtkPicture *reconstruction_picture;
  GtkPicture *top_m_picture;
  GtkAdjustment *top_m;
  LensCodeChart *chart;

  gboolean updating;
};

G_DEFINE_FINAL_TYPE (LensPatchInspector, lens_patch_inspector, GTK_TYPE_POPOVER)

enum {
  SIGNAL_TOP_M_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Magnified with crisp pixels, the centre patch outlined. */
static GdkTexture *
texture_for (cairo_surface_t *surface)
{
  int side = cairo_image_surface_get_width (surface), big = side * MAGNIFY;
  cairo_surface_t *out = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, big, big);
  cairo_t *cr = cairo_create (out);
  g_autoptr(GBytes) bytes = NULL;
  GdkTexture *texture;

  cairo_save (cr);
  cairo_scale (cr, MAGNIFY, MAGNIFY);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_set_line_width (cr, 2);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.9);
  cairo_rectangle (cr, big / 2.0 - 2 * MAGNIFY, big / 2.0 - 2 * MAGNIFY, 4 * MAGNIFY, 4 * MAGNIFY);
  cairo_stroke (cr);
  cairo_destroy (cr);
  cairo_surface_flush (out);

  bytes = g_bytes_new (cairo_image_surface_get_data (out), (gsize) cairo_image_surface_get_stride (out) * big);
  texture = gdk_memory_texture_new (big, big, GDK_MEMORY_DEFAULT, bytes, cairo_image_surface_get_stride (out));
  cairo_surface_destroy (out);
  return texture;
}

void
lens_patch_inspector_set_inspection (LensPatchInspector *self, const LensInspection *inspection,
                                     LensAtomGallery *gallery)
{
  cairo_surface_t *surfaces[3] = { inspection->input, inspection->reconstruction,
                                   inspection->top_m_reconstruction };
  GtkPicture *pictures[3] = { self->input_picture, self->reconstruction_picture, self->top_m_picture };
  g_autofree GdkTexture **thumbnails = g_new0 (GdkTexture *, MAX (inspection->n_active, 1));
  g_autofree char *title = NULL;

  title = g_strdup_printf (ngettext ("Patch at row %d, column %d: %d active atom",
                                     "Patch at row %d, column %d: %d active atoms", inspection->n_active),
                           inspection->row, inspection->col, inspection->n_active);
  gtk_label_set_label (self->title, title);
  for (int i = 0; i < 3; i++)
    {
      g_autoptr(GdkTexture) texture = texture_for (surfaces[i]);
      gtk_picture_set_paintable (pictures[i], GDK_PAINTABLE (texture));
    }
  for (int i = 0; i < inspection->n_active; i++)
    thumbnails[i] = lens_atom_gallery_get_texture (gallery, inspection->atoms[i]);
  lens_code_chart_set_code (self->chart, inspection->atoms, inspection->coefficients, thumbnails,
                            inspection->n_active, inspection->top_m);

  self->updating = TRUE;
  gtk_adjustment_set_upper (self->top_m, MAX (inspection->n_active, 1));
  gtk_adjustment_set_value (self->top_m, MAX (inspection->top_m, 1));
  self->updating = FALSE;
}

int
lens_patch_inspector_get_top_m (LensPatchInspector *self)
{
  return (int) gtk_adjustment_get_value (self->top_m);
}

static void
on_top_m_changed (LensPatchInspector *self)
{
  if (!self->updating)
    g_signal_emit (self, signals[SIGNAL_TOP_M_CHANGED], 0);
}

static void
lens_patch_inspector_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LENS_TYPE_PATCH_INSPECTOR);

  G_OBJECT_CLASS (lens_patch_inspector_parent_class)->dispose (object);
}

static void
lens_patch_inspector_class_init (LensPatchInspectorClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lens_patch_inspector_dispose;

  signals[SIGNAL_TOP_M_CHANGED] = g_signal_new ("top-m-changed", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 0);

  g_type_ensure (LENS_TYPE_CODE_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparselens/SparseLens/lens-patch-inspector.ui");
  gtk_widget_class_bind_template_child (widget_class, LensPatchInspector, title);
  gtk_widget_class_bind_template_child (widget_class, LensPatchInspector, input_picture);
  gtk_widget_class_bind_template_child (widget_class, LensPatchInspector, reconstruction_picture);
  gtk_widget_class_bind_template_child (widget_class, LensPatchInspector, top_m_picture);
  gtk_widget_class_bind_template_child (widget_class, LensPatchInspector, top_m);
  gtk_widget_class_bind_template_child (widget_class, LensPatchInspector, chart);
  gtk_widget_class_bind_template_callback (widget_class, on_top_m_changed);
}

static void
lens_patch_inspector_init (LensPatchInspector *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
lens_patch_inspector_new (void)
{
  return g_object_new (LENS_TYPE_PATCH_INSPECTOR, NULL);
}
