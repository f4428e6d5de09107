/* lens-segments-page.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Segments page holds its controls and explains them; what they do is
 * the window's (lens-window-segments.c).
 */

#include "config.h"

#include "lens-segments-page.h"

#include <glib/gi18n.h>

#include "scvae.h"

struct _LensSegmentsPage {
  GtkWidget parent_instance;
  LensSegmentsControls controls;
};

G_DEFINE_FINAL_TYPE (LensSegmentsPage, lens_segments_page, GTK_TYPE_WIDGET)

/* What the segments are clustered on: a plain name (the combo row's
 * items, in the order of ScvaeSegmentFeatures) and a line that says what
 * it means, shown under each name in the popup and as the row's subtitle. */

static const char *
feature_explanation (guint index)
{
  switch (index)
    {
    case SCVAE_SEGMENT_CODES:
      return _("Each patch's sparse code, as it is");
    case SCVAE_SEGMENT_ABS:
      return _("How strongly each atom fires, whatever its sign");
    case SCVAE_SEGMENT_NORMALIZED:
      return _("Which atoms fire together, not how strongly");
    case SCVAE_SEGMENT_LOG:
      return _("Atom strengths on a log scale, so weak ones count");
    case SCVAE_SEGMENT_LOG_AND_CODES:
      return _("Atom strengths around the patch, and its own code");
    case SCVAE_SEGMENT_HISTOGRAM:
      return _("The strongest atoms around the patch");
    case SCVAE_SEGMENT_HISTOGRAMS_AND_CODES:
      return _("Texture near and further out, and the patch's own code");
    default:
      return "";
    }
}

/* The choice and what it means, under the title: beside it, the name
 * would be cut off. */
static void
on_features_selected (LensSegmentsPage *self)
{
  AdwComboRow *row = self->controls.features;
  guint selected = adw_combo_row_get_selected (row);
  GtkStringObject *item = g_list_model_get_item (adw_combo_row_get_model (row), selected);
  g_autofree char *subtitle = NULL;

  if (item == NULL)
    return;
  subtitle = g_strdup_printf ("%s\n%s", gtk_string_object_get_string (item), feature_explanation (selected));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  g_object_unref (item);
}

static void
setup_empty_item (GtkSignalListItemFactory *factory, GtkListItem *item)
{
  gtk_list_item_set_child (item, gtk_label_new (NULL));
}

static void
setup_feature_item (GtkSignalListItemFactory *factory, GtkListItem *item)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *name = gtk_label_new (NULL), *explanation = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_xalign (GTK_LABEL (explanation), 0);
  gtk_label_set_wrap (GTK_LABEL (explanation), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (explanation), 36);
  gtk_widget_add_css_class (explanation, "dim-label");
  gtk_widget_add_css_class (explanation, "caption");
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), explanation);
  gtk_list_item_set_child (item, box);
}

static void
bind_feature_item (GtkSignalListItemFactory *factory, GtkListItem *item)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkStringObject *string = gtk_list_item_get_item (item);
  const char *name = gtk_string_object_get_string (string);
  const char *explanation = feature_explanation (gtk_list_item_get_position (item));
  g_autofree char *description = g_strdup_printf ("%s: %s", name, explanation);

  gtk_label_set_label (GTK_LABEL (gtk_widget_get_first_child (box)), name);
  gtk_label_set_label (GTK_LABEL (gtk_widget_get_last_child (box)), explanation);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, description, -1);
}

/* The popup lists each choice with its explanation; the row itself shows
 * nothing beside the title (the subtitle has the choice). */
static void
setup_features_row (LensSegmentsPage *self)
{
  AdwComboRow *row = self->controls.features;
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkListItemFactory) empty = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_feature_item), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_feature_item), NULL);
  adw_combo_row_set_list_factory (row, factory);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  g_signal_connect (empty, "setup", G_CALLBACK (setup_empty_item), NULL);
  adw_combo_row_set_factory (row, empty);
  g_signal_connect_swapped (row, "notify::selected", G_CALLBACK (on_features_selected), self);
  on_features_selected (self);
}

const LensSegmentsControls *
lens_segments_page_get_controls (LensSegmentsPage *self)
{
  g_return_val_if_fail (LENS_IS_SEGMENTS_PAGE (self), NULL);

  return &self->controls;
}

static void
lens_segments_page_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), LENS_TYPE_SEGMENTS_PAGE);
  /* A plain GtkWidget unparents nothing itself. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (lens_segments_page_parent_class)->dispose (object);
}

static void
lens_segments_page_class_init (LensSegmentsPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lens_segments_page_dispose;
  g_type_ensure (LENS_TYPE_SEGMENT_LEGEND);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparselens/SparseLens/lens-segments-page.ui");
  gtk_widget_class_bind_template_child_full (widget_class, "k_adjustment", FALSE,
                                             G_STRUCT_OFFSET (LensSegmentsPage, controls.k));
  gtk_widget_class_bind_template_child_full (widget_class, "features_row", FALSE,
                                             G_STRUCT_OFFSET (LensSegmentsPage, controls.features));
  gtk_widget_class_bind_template_child_full (widget_class, "smooth_adjustment", FALSE,
                                             G_STRUCT_OFFSET (LensSegmentsPage, controls.smooth));
  gtk_widget_class_bind_template_child_full (widget_class, "opacity_adjustment", FALSE,
                                             G_STRUCT_OFFSET (LensSegmentsPage, controls.opacity));
  gtk_widget_class_bind_template_child_full (widget_class, "segment_legend", FALSE,
                                             G_STRUCT_OFFSET (LensSegmentsPage, controls.legend));
}

static void
lens_segments_page_init (LensSegmentsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  setup_features_row (self);
}
