/* lens-patch-inspector.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A popover: the patch (with two patches of context around it), its
 * reconstruction, its reconstruction from only its m strongest atoms,
 * what each of its strongest atoms adds, and the code as a bar chart. Changing m asks the window for a new inspection.
 */

#include "config.h"

#include "lens-patch-inspector.h"

#include <glib/gi18n.h>

#include "lens-code-chart.h"

#define MAGNIFY 5
#define MAGNIFY_CONTRIBUTION 4

struct _LensPatchInspector {
  GtkPopover parent_instance;

  /* Template widgets */
  GtkLabel *title;
  GtkImage *input_picture;
  GtkImage *reconstruction_picture;
  GtkImage *top_m_picture;
  GtkAdjustment *top_m;
  GtkFlowBox *contributions;
  GtkWidget *contributions_label;
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
texture_for (cairo_surface_t *surface, int magnify)
{
  int side = cairo_image_surface_get_width (surface), big = side * magnify;
  cairo_surface_t *out = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, big, big);
  cairo_t *cr = cairo_create (out);
  g_autoptr(GBytes) bytes = NULL;
  GdkTexture *texture;

  cairo_save (cr);
  cairo_scale (cr, magnify, magnify);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_set_line_width (cr, 2);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.9);
  cairo_rectangle (cr, (big - SCVAE_PATCH_PIXELS * magnify) / 2.0, (big - SCVAE_PATCH_PIXELS * magnify) / 2.0,
                   SCVAE_PATCH_PIXELS * magnify, SCVAE_PATCH_PIXELS * magnify);
  cairo_stroke (cr);
  cairo_destroy (cr);
  cairo_surface_flush (out);

  bytes = g_bytes_new (cairo_image_surface_get_data (out), (gsize) cairo_image_surface_get_stride (out) * big);
  texture = gdk_memory_texture_new (big, big, GDK_MEMORY_DEFAULT, bytes, cairo_image_surface_get_stride (out));
  cairo_surface_destroy (out);
  return texture;
}

/* At its own size: magnified pixels stay crisp squares. */
static void
show_texture (GtkImage *image, GdkTexture *texture)
{
  gtk_image_set_from_paintable (image, GDK_PAINTABLE (texture));
  gtk_image_set_pixel_size (image, gdk_texture_get_width (texture));
}

/* Each strongest atom's contribution, captioned with its index and
 * coefficient. */
static void
show_contributions (LensPatchInspector *self, const LensInspection *inspection)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->contributions))))
    gtk_flow_box_remove (self->contributions, child);
  for (int i = 0; i < inspection->n_contributions; i++)
    {
      g_autoptr(GdkTexture) texture = texture_for (inspection->contributions[i], MAGNIFY_CONTRIBUTION);
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *picture = gtk_image_new ();
      g_autofree char *caption = g_strdup_printf ("%d · %+.2f", inspection->atoms[i], inspection->coefficients[i]);
      /* Translators: an atom's index and its coefficient in the patch. */
      g_autofree char *name = g_strdup_printf (_("What atom %d adds, with coefficient %.2f"), inspection->atoms[i],
                                               inspection->coefficients[i]);
      GtkWidget *label = gtk_label_new (caption);

      show_texture (GTK_IMAGE (picture), texture);
      gtk_accessible_update_property (GTK_ACCESSIBLE (picture), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      gtk_widget_add_css_class (label, "caption");
      gtk_widget_add_css_class (label, "numeric");
      gtk_box_append (GTK_BOX (box), picture);
      gtk_box_append (GTK_BOX (box), label);
      gtk_flow_box_append (self->contributions, box);
    }
  gtk_widget_set_visible (self->contributions_label, inspection->n_contributions > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->contributions), inspection->n_contributions > 0);
}

void
lens_patch_inspector_set_inspection (LensPatchInspector *self, const LensInspection *inspection,
                                     LensAtomGallery *gallery)
{
  cairo_surface_t *surfaces[3] = { inspection->input, inspection->reconstruction,
                                   inspection->top_m_reconstruction };
  GtkImage *pictures[3] = { self->input_picture, self->reconstruction_picture, self->top_m_picture };
  g_autofree GdkTexture **thumbnails = g_new0 (GdkTexture *, MAX (inspection->n_active, 1));
  g_autofree char *title = NULL;

  if (inspection->n_coded != inspection->n_active)
    /* Translators: the atoms an intervention left, then those LISTA chose. */
    title = g_strdup_printf (ngettext ("Patch at row %d, column %d: %d active atom (%d before the intervention)",
                                       "Patch at row %d, column %d: %d active atoms (%d before the intervention)",
                                       inspection->n_active),
                             inspection->row, inspection->col, inspection->n_active, inspection->n_coded);
  else
    title = g_strdup_printf (ngettext ("Patch at row %d, column %d: %d active atom",
                                       "Patch at row %d, column %d: %d active atoms", inspection->n_active),
                             inspection->row, inspection->col, inspection->n_active);
  gtk_label_set_label (self->title, title);
  show_contributions (self, inspection);
  for (int i = 0; i < 3; i++)
    {
      g_autoptr(GdkTexture) texture = texture_for (surfaces[i], MAGNIFY);

      show_texture (pictures[i], texture);
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
  gtk_widget_class_bind_template_child (widget_class, LensPatchInspector, contributions);
  gtk_widget_class_bind_template_child (widget_class, LensPatchInspector, contributions_label);
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
