/* lens-segment-legend.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lens-segment-legend.h"

#include <glib/gi18n.h>

struct _LensSegmentLegend {
  GtkWidget parent_instance;
  GtkWidget *box;
  GtkListBox *list;
  GtkButton *merge;
  GtkButton *undo;
  GtkButton *redo;
  LensSegmentation *segmentation;
  gboolean refreshing;
};

G_DEFINE_FINAL_TYPE (LensSegmentLegend, lens_segment_legend, GTK_TYPE_WIDGET)

enum {
  SIGNAL_EDITED,
  SIGNAL_SPLIT_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static int
row_segment (GtkWidget *widget)
{
  GtkWidget *row = gtk_widget_get_ancestor (widget, GTK_TYPE_LIST_BOX_ROW);
  return row ? gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row)) : -1;
}

static void
edited (LensSegmentLegend *self)
{
  lens_segment_legend_refresh (self);
  g_signal_emit (self, signals[SIGNAL_EDITED], 0);
}

static void
on_color_set (GtkColorButton *button, LensSegmentLegend *self)
{
  GdkRGBA rgba;
  guint8 rgb[3];

  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (button), &rgba);
  rgb[0] = (guint8) (rgba.red * 255 + 0.5);
  rgb[1] = (guint8) (rgba.green * 255 + 0.5);
  rgb[2] = (guint8) (rgba.blue * 255 + 0.5);
  if (lens_segmentation_recolor (self->segmentation, row_segment (GTK_WIDGET (button)), rgb))
    edited (self);
}

static void
on_name_changed (GtkEditableLabel *label, GParamSpec *pspec, LensSegmentLegend *self)
{
  /* Rename when editing ends, not on every keystroke. */
  if (self->refreshing || gtk_editable_label_get_editing (label))
    return;
  /* An empty name is refused: show the old one again. */
  if (lens_segmentation_rename (self->segmentation, row_segment (GTK_WIDGET (label)),
                                gtk_editable_get_text (GTK_EDITABLE (label))))
    edited (self);
  else
    lens_segment_legend_refresh (self);
}

static void
on_visible_toggled (GtkCheckButton *check, LensSegmentLegend *self)
{
  if (self->refreshing)
    return;
  if (lens_segmentation_set_visible (self->segmentation, row_segment (GTK_WIDGET (check)),
                                     gtk_check_button_get_active (check)))
    edited (self);
}

static void
on_split_clicked (GtkButton *button, LensSegmentLegend *self)
{
  g_signal_emit (self, signals[SIGNAL_SPLIT_REQUESTED], 0, row_segment (GTK_WIDGET (button)));
}

static int
compare_ints (gconstpointer a, gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

static void
on_merge_clicked (LensSegmentLegend *self)
{
  GList *rows = gtk_list_box_get_selected_rows (self->list);
  g_autoptr(GArray) indices = g_array_new (FALSE, FALSE, sizeof (int));
  gboolean changed = FALSE;

  for (GList *l = rows; l; l = l->next)
    {
      int index = gtk_list_box_row_get_index (l->data);
      g_array_append_val (indices, index);
    }
  g_list_free (rows);
  /* Into the first selected; merge from the last so indices stay valid. */
  g_array_sort (indices, compare_ints);
  for (int i = (int) indices->len - 1; i >= 1; i--)
    changed |= lens_segmentation_merge (self->segmentation, g_array_index (indices, int, 0),
                                        g_array_index (indices, int, i));
  if (changed)
    edited (self);
}

static void
on_undo_clicked (LensSegmentLegend *self)
{
  if (lens_segmentation_undo (self->segmentation))
    edited (self);
}

static void
on_redo_clicked (LensSegmentLegend *self)
{
  if (lens_segmentation_redo (self->segmentation))
    edited (self);
}

static void
on_selection_changed (LensSegmentLegend *self)
{
  GList *rows = gtk_list_box_get_selected_rows (self->list);

  gtk_widget_set_sensitive (GTK_WIDGET (self->merge), g_list_length (rows) >= 2);
  g_list_free (rows);
}

static GtkWidget *
segment_row (LensSegmentLegend *self, const LensSegment *segment)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *color, *name, *share, *visible, *split;
  GdkRGBA rgba = { segment->rgb[0] / 255.0, segment->rgb[1] / 255.0, segment->rgb[2] / 255.0, 1 };
  g_autofree char *percent = g_strdup_printf ("%.1f %%", 100 * segment->share);
  g_autofree char *description = g_strdup_printf (_("Colour of %s"), segment->name);

  gtk_widget_set_margin_start (row, 6);
  gtk_widget_set_margin_end (row, 6);
  gtk_widget_set_margin_top (row, 4);
  gtk_widget_set_margin_bottom (row, 4);

  color = gtk_color_button_new_with_rgba (&rgba);
  gtk_color_chooser_set_use_alpha (GTK_COLOR_CHOOSER (color), FALSE);
  gtk_widget_set_valign (color, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (color), GTK_ACCESSIBLE_PROPERTY_LABEL, description, -1);
  g_signal_connect (color, "color-set", G_CALLBACK (on_color_set), self);

  name = gtk_editable_label_new (segment->name);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (name), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Segment name"), -1);
  g_signal_connect (name, "notify::editing", G_CALLBACK (on_name_changed), self);

  share = gtk_label_new (percent);
  gtk_widget_add_css_class (share, "numeric");
  gtk_widget_add_css_class (share, "dim-label");

  visible = gtk_check_button_new ();
  gtk_check_button_set_active (GTK_CHECK_BUTTON (visible), segment->visible);
  gtk_widget_set_tooltip_text (visible, _("Show this segment"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (visible), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Show this segment"), -1);
  g_signal_connect (visible, "toggled", G_CALLBACK (on_visible_toggled), self);

  split = gtk_button_new_from_icon_name ("edit-cut-symbolic");
  gtk_widget_add_css_class (split, "flat");
  gtk_widget_set_tooltip_text (split, _("Split into two"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (split), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Split into two"), -1);
  g_signal_connect (split, "clicked", G_CALLBACK (on_split_clicked), self);

  gtk_box_append (GTK_BOX (row), color);
  gtk_box_append (GTK_BOX (row), name);
  gtk_box_append (GTK_BOX (row), share);
  gtk_box_append (GTK_BOX (row), visible);
  gtk_box_append (GTK_BOX (row), split);
  return row;
}

void
lens_segment_legend_refresh (LensSegmentLegend *self)
{
  GtkWidget *child;
  int n = self->segmentation ? lens_segmentation_get_n_segments (self->segmentation) : 0;

  self->refreshing = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))))
    gtk_list_box_remove (self->list, child);
  for (int i = 0; i < n; i++)
    gtk_list_box_append (self->list, segment_row (self, lens_segmentation_get_segment (self->segmentation, i)));
  gtk_widget_set_visible (self->box, n > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->undo), self->segmentation && lens_segmentation_can_undo (self->segmentation));
  gtk_widget_set_sensitive (GTK_WIDGET (self->redo), self->segmentation && lens_segmentation_can_redo (self->segmentation));
  gtk_widget_set_sensitive (GTK_WIDGET (self->merge), FALSE);
  self->refreshing = FALSE;
}

void
lens_segment_legend_set_segmentation (LensSegmentLegend *self, LensSegmentation *segmentation)
{
  self->segmentation = segmentation;
  lens_segment_legend_refresh (self);
}

static void
lens_segment_legend_dispose (GObject *object)
{
  LensSegmentLegend *self = LENS_SEGMENT_LEGEND (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);
  G_OBJECT_CLASS (lens_segment_legend_parent_class)->dispose (object);
}

static void
lens_segment_legend_class_init (LensSegmentLegendClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lens_segment_legend_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  signals[SIGNAL_EDITED] = g_signal_new ("edited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_SPLIT_REQUESTED] = g_signal_new ("split-requested", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
lens_segment_legend_init (LensSegmentLegend *self)
{
  GtkWidget *heading = gtk_label_new (_("Segments"));
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  gtk_widget_add_css_class (heading, "heading");
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_box_append (GTK_BOX (self->box), heading);

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_MULTIPLE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Segments: select two or more to merge them"), -1);
  g_signal_connect_swapped (self->list, "selected-rows-changed", G_CALLBACK (on_selection_changed), self);
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->list));

  self->merge = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Merge Selected")));
  self->undo = GTK_BUTTON (gtk_button_new_from_icon_name ("edit-undo-symbolic"));
  self->redo = GTK_BUTTON (gtk_button_new_from_icon_name ("edit-redo-symbolic"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->undo), _("Undo (Ctrl+Z)"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->redo), _("Redo (Shift+Ctrl+Z)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->undo), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Undo"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->redo), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Redo"), -1);
  gtk_widget_set_hexpand (GTK_WIDGET (self->merge), TRUE);
  gtk_widget_set_halign (GTK_WIDGET (self->merge), GTK_ALIGN_START);
  g_signal_connect_swapped (self->merge, "clicked", G_CALLBACK (on_merge_clicked), self);
  g_signal_connect_swapped (self->undo, "clicked", G_CALLBACK (on_undo_clicked), self);
  g_signal_connect_swapped (self->redo, "clicked", G_CALLBACK (on_redo_clicked), self);
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (self->merge));
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (self->undo));
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (self->redo));
  gtk_box_append (GTK_BOX (self->box), buttons);
  gtk_widget_set_visible (self->box, FALSE);
}

GtkWidget *
lens_segment_legend_new (void)
{
  return g_object_new (LENS_TYPE_SEGMENT_LEGEND, NULL);
}
