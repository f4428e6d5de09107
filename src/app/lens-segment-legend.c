/* lens-segment-legend.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A heading, one LensSegmentRow per segment, and Merge, Undo and Redo
 * below. The legend turns the rows' requests into edits of the
 * segmentation. The buttons are named (gtk_widget_set_name) so tests can
 * find them.
 */

#include "config.h"

#include "lens-segment-legend.h"

#include <glib/gi18n.h>

#include "lens-segment-row.h"

struct _LensSegmentLegend {
  GtkWidget parent_instance;
  GtkWidget *box;
  GtkLabel *caption;
  GtkSpinner *spinner;
  GtkListBox *list;
  GtkButton *merge;
  GtkButton *undo;
  GtkButton *redo;
  GPtrArray *rows;       /* of LensSegmentRow (owned by the list), in list order */
  LensSegmentation *segmentation;
  LensAtomGallery *gallery;  /* where the atoms' pictures come from */
  int *atoms;                /* n_atom_segments x LENS_SEGMENT_ATOMS, or NULL */
  int n_atom_segments;
  gboolean refreshing;
  gboolean pending;
};

G_DEFINE_FINAL_TYPE (LensSegmentLegend, lens_segment_legend, GTK_TYPE_WIDGET)

enum {
  SIGNAL_EDITED,
  SIGNAL_SPLIT_REQUESTED,
  SIGNAL_SELECTION_CHANGED,
  SIGNAL_ATOM_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
edited (LensSegmentLegend *self)
{
  lens_segment_legend_refresh (self);
  g_signal_emit (self, signals[SIGNAL_EDITED], 0);
}

/* ------------------------------------------------------------------------- */
/* Edits */

static void
on_row_renamed (LensSegmentRow *row, const char *name, LensSegmentLegend *self)
{
  if (self->refreshing || self->segmentation == NULL)
    return;
  /* An empty name is refused: the old one shows again. */
  if (lens_segmentation_rename (self->segmentation, gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row)), name))
    edited (self);
  else
    lens_segment_legend_refresh (self);
}

static void
on_row_recolored (LensSegmentRow *row, const GdkRGBA *rgba, LensSegmentLegend *self)
{
  guint8 rgb[3] = { (guint8) (rgba->red * 255 + 0.5), (guint8) (rgba->green * 255 + 0.5),
                    (guint8) (rgba->blue * 255 + 0.5) };

  if (lens_segmentation_recolor (self->segmentation, gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row)), rgb))
    edited (self);
}

static void
on_row_visibility_toggled (LensSegmentRow *row, gboolean visible, LensSegmentLegend *self)
{
  if (lens_segmentation_set_visible (self->segmentation, gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row)),
                                     visible))
    edited (self);
}

static void
on_row_split_clicked (LensSegmentRow *row, LensSegmentLegend *self)
{
  g_signal_emit (self, signals[SIGNAL_SPLIT_REQUESTED], 0, gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row)));
}

static void
on_row_atom_activated (LensSegmentRow *row, int atom, LensSegmentLegend *self)
{
  g_signal_emit (self, signals[SIGNAL_ATOM_ACTIVATED], 0, atom);
}

static void
on_merge_clicked (LensSegmentLegend *self)
{
  gboolean selected[SCVAE_MAX_CLUSTERS];
  int n = lens_segment_legend_get_selection (self, selected), into = -1;
  gboolean changed = FALSE;

  if (n < 2)
    return;
  /* Into the first selected; merge from the last so indices stay valid. */
  for (int i = 0; i < SCVAE_MAX_CLUSTERS && into < 0; i++)
    if (selected[i])
      into = i;
  for (int i = SCVAE_MAX_CLUSTERS - 1; i > into; i--)
    if (selected[i])
      changed |= lens_segmentation_merge (self->segmentation, into, i);
  if (!changed)
    return;
  edited (self);
  lens_segment_legend_select (self, into, FALSE);
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
  gboolean selected[SCVAE_MAX_CLUSTERS];

  gtk_widget_set_sensitive (GTK_WIDGET (self->merge), lens_segment_legend_get_selection (self, selected) >= 2);
  if (!self->refreshing)
    g_signal_emit (self, signals[SIGNAL_SELECTION_CHANGED], 0);
}

static void
add_row (LensSegmentLegend *self)
{
  LensSegmentRow *row = LENS_SEGMENT_ROW (lens_segment_row_new ());

  g_signal_connect (row, "renamed", G_CALLBACK (on_row_renamed), self);
  g_signal_connect (row, "recolored", G_CALLBACK (on_row_recolored), self);
  g_signal_connect (row, "visibility-toggled", G_CALLBACK (on_row_visibility_toggled), self);
  g_signal_connect (row, "split-clicked", G_CALLBACK (on_row_split_clicked), self);
  g_signal_connect (row, "atom-activated", G_CALLBACK (on_row_atom_activated), self);
  g_ptr_array_add (self->rows, row);
  gtk_list_box_append (self->list, GTK_WIDGET (row));
}

/* A row that goes takes its edit with it. */
static void
remove_last_row (LensSegmentLegend *self)
{
  LensSegmentRow *row = g_ptr_array_steal_index (self->rows, self->rows->len - 1);

  g_signal_handlers_disconnect_by_data (row, self);
  lens_segment_row_cancel_rename (row);
  gtk_list_box_remove (self->list, GTK_WIDGET (row));
}

static const int *
atoms_of (LensSegmentLegend *self, int index)
{
  return self->atoms && index < self->n_atom_segments ? self->atoms + index * LENS_SEGMENT_ATOMS : NULL;
}

static void
update_caption (LensSegmentLegend *self)
{
  int n = self->segmentation ? lens_segmentation_get_n_segments (self->segmentation) : 0;
  int made = self->segmentation ? lens_segmentation_get_n_clusters (self->segmentation) : 0;
  g_autofree char *caption = NULL;

  if (self->caption == NULL)
    return;
  if (self->pending)
    caption = g_strdup (_("Clustering…"));
  else if (n == made)
    caption = g_strdup_printf (ngettext ("%d segment from k-means", "%d segments from k-means", n), n);
  else
    {
      g_autofree char *after = g_strdup_printf (ngettext ("%d segment after your edits",
                                                          "%d segments after your edits", n), n);
      /* Translators: the segments after edits, then how many k-means made */
      caption = g_strdup_printf (ngettext ("%s · k-means made %d", "%s · k-means made %d", made), after, made);
    }
  gtk_label_set_label (self->caption, caption);
  gtk_spinner_set_spinning (self->spinner, self->pending);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), self->pending);
}

void
lens_segment_legend_refresh (LensSegmentLegend *self)
{
  int n = self->segmentation ? lens_segmentation_get_n_segments (self->segmentation) : 0;
  gboolean selected[SCVAE_MAX_CLUSTERS];
  int n_selected;

  g_return_if_fail (LENS_IS_SEGMENT_LEGEND (self));

  if (self->rows == NULL)
    return;
  self->refreshing = TRUE;
  while ((int) self->rows->len > n)
    remove_last_row (self);
  while ((int) self->rows->len < n)
    add_row (self);
  for (int i = 0; i < n; i++)
    {
      lens_segment_row_update (g_ptr_array_index (self->rows, i), lens_segmentation_get_segment (self->segmentation, i));
      lens_segment_row_set_atoms (g_ptr_array_index (self->rows, i), atoms_of (self, i), self->gallery);
    }
  self->refreshing = FALSE;

  update_caption (self);
  gtk_widget_set_visible (self->box, n > 0 || self->pending);
  gtk_widget_set_sensitive (GTK_WIDGET (self->undo), self->segmentation && lens_segmentation_can_undo (self->segmentation));
  gtk_widget_set_sensitive (GTK_WIDGET (self->redo), self->segmentation && lens_segmentation_can_redo (self->segmentation));
  n_selected = lens_segment_legend_get_selection (self, selected);
  gtk_widget_set_sensitive (GTK_WIDGET (self->merge), n_selected >= 2);
}

void
lens_segment_legend_set_atoms (LensSegmentLegend *self, const int *atoms, int n_segments, LensAtomGallery *gallery)
{
  g_return_if_fail (LENS_IS_SEGMENT_LEGEND (self));

  g_clear_pointer (&self->atoms, g_free);
  self->atoms = atoms ? g_memdup2 (atoms, (gsize) n_segments * LENS_SEGMENT_ATOMS * sizeof (int)) : NULL;
  self->n_atom_segments = atoms ? n_segments : 0;
  self->gallery = gallery;
  for (guint i = 0; self->rows && i < self->rows->len; i++)
    lens_segment_row_set_atoms (g_ptr_array_index (self->rows, i), atoms_of (self, i), gallery);
}

void
lens_segment_legend_set_pending (LensSegmentLegend *self, gboolean pending)
{
  g_return_if_fail (LENS_IS_SEGMENT_LEGEND (self));

  if (self->pending == pending)
    return;
  self->pending = pending;
  update_caption (self);
  if (self->box)
    gtk_widget_set_visible (self->box, self->rows->len > 0 || pending);
}

void
lens_segment_legend_set_segmentation (LensSegmentLegend *self, LensSegmentation *segmentation)
{
  self->segmentation = segmentation;
  lens_segment_legend_refresh (self);
}

void
lens_segment_legend_select (LensSegmentLegend *self, int index, gboolean extend)
{
  GtkListBoxRow *row;

  g_return_if_fail (LENS_IS_SEGMENT_LEGEND (self));

  if (self->rows == NULL)
    return;
  if (index < 0 || index >= (int) self->rows->len)
    {
      if (!extend)
        gtk_list_box_unselect_all (self->list);
      return;
    }
  row = g_ptr_array_index (self->rows, index);
  if (!extend)
    {
      /* One selection-changed signal, not two. */
      self->refreshing = TRUE;
      gtk_list_box_unselect_all (self->list);
      self->refreshing = FALSE;
      gtk_list_box_select_row (self->list, row);
    }
  else if (gtk_list_box_row_is_selected (row))
    gtk_list_box_unselect_row (self->list, row);
  else
    gtk_list_box_select_row (self->list, row);
}

int
lens_segment_legend_get_selection (LensSegmentLegend *self, gboolean selected[SCVAE_MAX_CLUSTERS])
{
  int n = 0;

  g_return_val_if_fail (LENS_IS_SEGMENT_LEGEND (self), 0);

  for (int i = 0; i < SCVAE_MAX_CLUSTERS; i++)
    {
      GtkListBoxRow *row = self->rows && i < (int) self->rows->len ? g_ptr_array_index (self->rows, i) : NULL;

      selected[i] = row && gtk_list_box_row_is_selected (row);
      n += selected[i];
    }
  return n;
}

void
lens_segment_legend_start_rename (LensSegmentLegend *self, int index)
{
  g_return_if_fail (LENS_IS_SEGMENT_LEGEND (self));

  if (self->rows && index >= 0 && index < (int) self->rows->len)
    lens_segment_row_start_rename (g_ptr_array_index (self->rows, index));
}

const char *
lens_segment_legend_get_caption (LensSegmentLegend *self)
{
  return gtk_label_get_label (self->caption);
}

/* ------------------------------------------------------------------------- */

static void
lens_segment_legend_dispose (GObject *object)
{
  LensSegmentLegend *self = LENS_SEGMENT_LEGEND (object);

  /* The rows go with the box; a name being edited goes unsaved. */
  self->refreshing = TRUE;
  for (guint i = 0; self->rows && i < self->rows->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->rows, i), self);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->atoms, g_free);
  self->caption = NULL;
  self->spinner = NULL;
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
  signals[SIGNAL_SELECTION_CHANGED] = g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass),
                                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                    G_TYPE_NONE, 0);
  signals[SIGNAL_ATOM_ACTIVATED] = g_signal_new ("atom-activated", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
lens_segment_legend_init (LensSegmentLegend *self)
{
  GtkWidget *heading = gtk_label_new (_("Segments"));
  GtkWidget *titles = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  self->rows = g_ptr_array_new ();
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  gtk_widget_add_css_class (heading, "heading");
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  self->caption = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->caption, 0);
  gtk_label_set_wrap (self->caption, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->caption), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->caption), "caption");
  gtk_box_append (GTK_BOX (titles), heading);
  gtk_box_append (GTK_BOX (titles), GTK_WIDGET (self->caption));
  gtk_widget_set_hexpand (titles, TRUE);
  self->spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  gtk_box_append (GTK_BOX (top), titles);
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (self->spinner));
  gtk_box_append (GTK_BOX (self->box), top);

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_MULTIPLE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Segments: Ctrl+click to select several, then merge them"), -1);
  g_signal_connect_swapped (self->list, "selected-rows-changed", G_CALLBACK (on_selection_changed), self);
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->list));

  self->merge = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Merge Selected")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->merge),
                               _("Ctrl+click rows, or Shift+click regions in the image, to select several"));
  self->undo = GTK_BUTTON (gtk_button_new_from_icon_name ("edit-undo-symbolic"));
  self->redo = GTK_BUTTON (gtk_button_new_from_icon_name ("edit-redo-symbolic"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->undo), _("Undo (Ctrl+Z)"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->redo), _("Redo (Shift+Ctrl+Z)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->undo), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Undo"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->redo), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Redo"), -1);
  gtk_widget_set_name (GTK_WIDGET (self->merge), "merge");
  gtk_widget_set_name (GTK_WIDGET (self->undo), "undo");
  gtk_widget_set_name (GTK_WIDGET (self->redo), "redo");
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
