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
  GtkLabel *title;
  GtkPicture *pictures[3];
  GtkAdjustment *top_m;
  GtkSpinButton *top_m_spin;
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
  g_autofree GdkTexture **thumbnails = g_new0 (GdkTexture *, MAX (inspection->n_active, 1));
  g_autofree char *title = NULL;

  title = g_strdup_printf (ngettext ("Patch (%d, %d): %d active atom", "Patch (%d, %d): %d active atoms",
                                     inspection->n_active),
                           inspection->row, inspection->col, inspection->n_active);
  gtk_label_set_label (self->title, title);
  for (int i = 0; i < 3; i++)
    {
      g_autoptr(GdkTexture) texture = texture_for (surfaces[i]);
      gtk_picture_set_paintable (self->pictures[i], GDK_PAINTABLE (texture));
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
lens_patch_inspector_class_init (LensPatchInspectorClass *klass)
{
  signals[SIGNAL_TOP_M_CHANGED] = g_signal_new ("top-m-changed", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 0);
}

static void
lens_patch_inspector_init (LensPatchInspector *self)
{
  static const char *captions[] = { N_("Input"), N_("Reconstruction"), N_("Strongest atoms only") };
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *m_row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *m_label = gtk_label_new (_("Strongest atoms"));
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  self->title = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->title), "heading");
  gtk_label_set_xalign (self->title, 0);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->title));

  for (int i = 0; i < 3; i++)
    {
      GtkWidget *column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
      GtkWidget *caption = gtk_label_new (_(captions[i]));

      self->pictures[i] = GTK_PICTURE (gtk_picture_new ());
      gtk_picture_set_can_shrink (self->pictures[i], FALSE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->pictures[i]), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _(captions[i]), -1);
      gtk_widget_add_css_class (caption, "caption");
      gtk_box_append (GTK_BOX (column), GTK_WIDGET (self->pictures[i]));
      gtk_box_append (GTK_BOX (column), caption);
      gtk_box_append (GTK_BOX (row), column);
    }
  gtk_box_append (GTK_BOX (box), row);

  self->top_m = gtk_adjustment_new (4, 1, 256, 1, 4, 0);
  self->top_m_spin = GTK_SPIN_BUTTON (gtk_spin_button_new (self->top_m, 1, 0));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->top_m_spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Number of strongest atoms to reconstruct from"), -1);
  g_signal_connect_swapped (self->top_m, "value-changed", G_CALLBACK (on_top_m_changed), self);
  gtk_widget_set_hexpand (m_label, TRUE);
  gtk_label_set_xalign (GTK_LABEL (m_label), 0);
  gtk_box_append (GTK_BOX (m_row), m_label);
  gtk_box_append (GTK_BOX (m_row), GTK_WIDGET (self->top_m_spin));
  gtk_box_append (GTK_BOX (box), m_row);

  self->chart = LENS_CODE_CHART (lens_code_chart_new ());
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->chart));
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 300);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_box_append (GTK_BOX (box), scrolled);

  gtk_popover_set_child (GTK_POPOVER (self), box);
}

GtkWidget *
lens_patch_inspector_new (void)
{
  return g_object_new (LENS_TYPE_PATCH_INSPECTOR, NULL);
}
