/* lens-segment-legend.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One row per segment: its colour (a button to change it), its name (a
 * label that turns into an entry for renaming, by the Rename button or a
 * double-click), its share of the image, whether it shows, and Split. The
 * rows' widgets and the buttons below are named (gtk_widget_set_name) so
 * tests can find them.
 */

#include "config.h"

#include "lens-segment-legend.h"

#include <glib/gi18n.h>

typedef struct {
  LensSegmentLegend *legend;
  GtkWidget *row;        /* GtkListBoxRow */
  GtkWidget *color;
  GtkWidget *name_stack;
  GtkWidget *name_label;
  GtkWidget *name_entry;
  GtkWidget *share;
  GtkWidget *visible;
  GtkWidget *rename;
  GtkWidget *split;
  GtkWidget *atoms_box;  /* the atoms that characterise the segment */
  GtkWidget *atom_buttons[LENS_SEGMENT_ATOMS];
  int atoms[LENS_SEGMENT_ATOMS];
  gboolean pictured[LENS_SEGMENT_ATOMS]; /* shown as a picture, not a number */
  gboolean editing;
  gboolean removed;      /* from the legend; the widgets may live on a little */
} Row;

struct _LensSegmentLegend {
  GtkWidget parent_instance;
  GtkWidget *box;
  GtkLabel *caption;
  GtkSpinner *spinner;
  GtkListBox *list;
  GtkButton *merge;
  GtkButton *undo;
  GtkButton *redo;
  GPtrArray *rows;       /* of Row (owned by its row widget), in list order */
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

static int
row_index (Row *row)
{
  return gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row->row));
}

static void
edited (LensSegmentLegend *self)
{
  lens_segment_legend_refresh (self);
  g_signal_emit (self, signals[SIGNAL_EDITED], 0);
}

/* ------------------------------------------------------------------------- */
/* Renaming */

static void
start_rename (Row *row)
{
  const LensSegment *segment;
  int index = row_index (row);

  if (row->removed || row->editing || index < 0 || index >= lens_segmentation_get_n_segments (row->legend->segmentation))
    return;
  segment = lens_segmentation_get_segment (row->legend->segmentation, index);
  row->editing = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (row->name_entry), segment->name);
  gtk_stack_set_visible_child (GTK_STACK (row->name_stack), row->name_entry);
  gtk_widget_grab_focus (row->name_entry);
  gtk_editable_select_region (GTK_EDITABLE (row->name_entry), 0, -1);
}

/* Leaves the entry, renaming the segment when commit is set. The entry
 * stays alive meanwhile: rows are updated in place, never rebuilt. */
static void
stop_rename (Row *row, gboolean commit)
{
  LensSegmentLegend *self = row->legend;
  g_autofree char *text = NULL;

  if (!row->editing || row->removed)
    return;
  row->editing = FALSE;
  text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (row->name_entry)));
  gtk_stack_set_visible_child (GTK_STACK (row->name_stack), row->name_label);
  /* A row going away takes its edit with it. */
  if (!commit || self->refreshing || self->segmentation == NULL)
    return;
  /* An empty name is refused: the old one shows again. */
  if (lens_segmentation_rename (self->segmentation, row_index (row), text))
    edited (self);
  else
    lens_segment_legend_refresh (self);
}

static void
on_name_activate (GtkEntry *entry, Row *row)
{
  stop_rename (row, TRUE);
}

static gboolean
on_name_key (GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state, Row *row)
{
  if (keyval != GDK_KEY_Escape)
    return FALSE;
  stop_rename (row, FALSE);
  return TRUE;
}

static void
on_name_focus_leave (GtkEventControllerFocus *controller, Row *row)
{
  stop_rename (row, TRUE);
}

static void
on_rename_clicked (GtkButton *button, Row *row)
{
  start_rename (row);
}

static void
on_row_pressed (GtkGestureClick *gesture, int n_press, double x, double y, Row *row)
{
  if (n_press == 2)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
      start_rename (row);
    }
}

/* ------------------------------------------------------------------------- */
/* Other edits */

static void
on_color_set (GtkColorButton *button, Row *row)
{
  LensSegmentLegend *self = row->legend;
  GdkRGBA rgba;
  guint8 rgb[3];

  if (row->removed)
    return;
  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (button), &rgba);
  rgb[0] = (guint8) (rgba.red * 255 + 0.5);
  rgb[1] = (guint8) (rgba.green * 255 + 0.5);
  rgb[2] = (guint8) (rgba.blue * 255 + 0.5);
  if (lens_segmentation_recolor (self->segmentation, row_index (row), rgb))
    edited (self);
}

static void
on_visible_toggled (GtkCheckButton *check, Row *row)
{
  LensSegmentLegend *self = row->legend;

  if (row->removed || self->refreshing)
    return;
  if (lens_segmentation_set_visible (self->segmentation, row_index (row), gtk_check_button_get_active (check)))
    edited (self);
}

static void
on_split_clicked (GtkButton *button, Row *row)
{
  if (!row->removed)
    g_signal_emit (row->legend, signals[SIGNAL_SPLIT_REQUESTED], 0, row_index (row));
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
on_atom_clicked (GtkButton *button, Row *row)
{
  int i = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "lens-atom-slot"));

  if (!row->removed && row->atoms[i] >= 0)
    g_signal_emit (row->legend, signals[SIGNAL_ATOM_ACTIVATED], 0, row->atoms[i]);
}

/* ------------------------------------------------------------------------- */
/* Rows */

static GtkWidget *
flat_icon_button (const char *icon, const char *name)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_name (button, name);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  return button;
}

static Row *
row_new (LensSegmentLegend *self)
{
  Row *row = g_new0 (Row, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkEventController *key, *focus;
  GtkGesture *click;

  row->legend = self;
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 2);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);

  row->color = gtk_color_button_new ();
  gtk_widget_set_name (row->color, "color");
  gtk_color_chooser_set_use_alpha (GTK_COLOR_CHOOSER (row->color), FALSE);
  gtk_widget_set_valign (row->color, GTK_ALIGN_CENTER);
  g_signal_connect (row->color, "color-set", G_CALLBACK (on_color_set), row);

  row->name_label = gtk_label_new (NULL);
  gtk_widget_set_name (row->name_label, "name-label");
  gtk_label_set_xalign (GTK_LABEL (row->name_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (row->name_label), PANGO_ELLIPSIZE_END);
  row->name_entry = gtk_entry_new ();
  gtk_widget_set_name (row->name_entry, "name-entry");
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->name_entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Segment name"), -1);
  g_signal_connect (row->name_entry, "activate", G_CALLBACK (on_name_activate), row);
  key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_name_key), row);
  gtk_widget_add_controller (row->name_entry, key);
  focus = gtk_event_controller_focus_new ();
  g_signal_connect (focus, "leave", G_CALLBACK (on_name_focus_leave), row);
  gtk_widget_add_controller (row->name_entry, focus);
  row->name_stack = gtk_stack_new ();
  gtk_stack_set_hhomogeneous (GTK_STACK (row->name_stack), FALSE);
  gtk_stack_set_interpolate_size (GTK_STACK (row->name_stack), FALSE);
  gtk_widget_set_hexpand (row->name_stack, TRUE);
  gtk_stack_add_child (GTK_STACK (row->name_stack), row->name_label);
  gtk_stack_add_child (GTK_STACK (row->name_stack), row->name_entry);

  row->atoms_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2);
  gtk_widget_set_name (row->atoms_box, "atoms");
  for (int i = 0; i < LENS_SEGMENT_ATOMS; i++)
    {
      GtkWidget *button = gtk_button_new ();

      gtk_widget_set_name (button, "atom");
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_size_request (button, 28, 28);
      g_object_set_data (G_OBJECT (button), "lens-atom-slot", GINT_TO_POINTER (i));
      g_signal_connect (button, "clicked", G_CALLBACK (on_atom_clicked), row);
      row->atom_buttons[i] = button;
      row->atoms[i] = -1;
      gtk_box_append (GTK_BOX (row->atoms_box), button);
    }
  gtk_widget_set_visible (row->atoms_box, FALSE);

  row->share = gtk_label_new (NULL);
  gtk_widget_set_name (row->share, "share");
  gtk_widget_add_css_class (row->share, "numeric");
  gtk_widget_add_css_class (row->share, "dim-label");

  row->visible = gtk_check_button_new ();
  gtk_widget_set_name (row->visible, "visible");
  gtk_widget_set_tooltip_text (row->visible, _("Show this segment"));
  g_signal_connect (row->visible, "toggled", G_CALLBACK (on_visible_toggled), row);

  row->rename = flat_icon_button ("document-edit-symbolic", "rename");
  gtk_widget_set_tooltip_text (row->rename, _("Rename (or double-click the row)"));
  g_signal_connect (row->rename, "clicked", G_CALLBACK (on_rename_clicked), row);

  row->split = flat_icon_button ("edit-cut-symbolic", "split");
  gtk_widget_set_tooltip_text (row->split, _("Split into two"));
  g_signal_connect (row->split, "clicked", G_CALLBACK (on_split_clicked), row);

  gtk_box_append (GTK_BOX (box), row->color);
  {
    GtkWidget *name_column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

    gtk_widget_set_hexpand (name_column, TRUE);
    gtk_widget_set_valign (name_column, GTK_ALIGN_CENTER);
    gtk_box_append (GTK_BOX (name_column), row->name_stack);
    gtk_box_append (GTK_BOX (name_column), row->atoms_box);
    gtk_box_append (GTK_BOX (box), name_column);
  }
  gtk_box_append (GTK_BOX (box), row->share);
  gtk_box_append (GTK_BOX (box), row->visible);
  gtk_box_append (GTK_BOX (box), row->rename);
  gtk_box_append (GTK_BOX (box), row->split);

  click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (on_row_pressed), row);
  gtk_widget_add_controller (box, GTK_EVENT_CONTROLLER (click));

  row->row = gtk_list_box_row_new ();
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row->row), box);
  g_object_set_data_full (G_OBJECT (row->row), "lens-segment-row", row, g_free);
  return row;
}

/* The segment's characteristic atoms (index: its row), as small pictures
 * from the gallery, or numbers while the gallery has none. */
static void
row_update_atoms (Row *row, int index)
{
  LensSegmentLegend *self = row->legend;
  gboolean any = FALSE;

  for (int i = 0; i < LENS_SEGMENT_ATOMS; i++)
    {
      GtkWidget *button = row->atom_buttons[i];
      int atom = self->atoms && index < self->n_atom_segments ? self->atoms[index * LENS_SEGMENT_ATOMS + i] : -1;
      GdkTexture *texture = atom >= 0 && self->gallery ? lens_atom_gallery_get_texture (self->gallery, atom) : NULL;
      g_autofree char *description = NULL;

      gtk_widget_set_visible (button, atom >= 0);
      if (atom < 0)
        {
          row->atoms[i] = -1;
          continue;
        }
      any = TRUE;
      /* Unchanged: keep the widgets (this runs at every edit). */
      if (row->atoms[i] == atom && row->pictured[i] == (texture != NULL))
        continue;
      row->atoms[i] = atom;
      row->pictured[i] = texture != NULL;
      if (texture)
        {
          GtkWidget *picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));

          gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
          gtk_widget_set_size_request (picture, 20, 20);
          gtk_button_set_child (GTK_BUTTON (button), picture);
        }
      else
        {
          g_autofree char *number = g_strdup_printf ("%d", atom);

          gtk_button_set_label (GTK_BUTTON (button), number);
        }
      /* Translators: a button that shows where an atom fires */
      description = g_strdup_printf (_("Atom %d, typical of this segment: show where it fires"), atom);
      gtk_widget_set_tooltip_text (button, description);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, description, -1);
    }
  gtk_widget_set_visible (row->atoms_box, any);
}

static void
row_update (Row *row, const LensSegment *segment)
{
  GdkRGBA rgba = { segment->rgb[0] / 255.0, segment->rgb[1] / 255.0, segment->rgb[2] / 255.0, 1 };
  g_autofree char *percent = g_strdup_printf ("%.1f %%", 100 * segment->share);
  g_autofree char *color = g_strdup_printf (_("Colour of %s"), segment->name);
  g_autofree char *show = g_strdup_printf (_("Show %s"), segment->name);
  g_autofree char *rename = g_strdup_printf (_("Rename %s"), segment->name);
  g_autofree char *split = g_strdup_printf (_("Split %s into two"), segment->name);
  GdkRGBA old;

  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (row->color), &old);
  if (!gdk_rgba_equal (&old, &rgba))
    gtk_color_chooser_set_rgba (GTK_COLOR_CHOOSER (row->color), &rgba);
  gtk_label_set_label (GTK_LABEL (row->name_label), segment->name);
  gtk_label_set_label (GTK_LABEL (row->share), percent);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (row->visible), segment->visible);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->color), GTK_ACCESSIBLE_PROPERTY_LABEL, color, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->visible), GTK_ACCESSIBLE_PROPERTY_LABEL, show, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->rename), GTK_ACCESSIBLE_PROPERTY_LABEL, rename, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->split), GTK_ACCESSIBLE_PROPERTY_LABEL, split, -1);
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
    {
      Row *row = g_ptr_array_index (self->rows, self->rows->len - 1);

      row->removed = TRUE;
      row->editing = FALSE;
      g_ptr_array_remove_index (self->rows, self->rows->len - 1);
      gtk_list_box_remove (self->list, row->row);
    }
  while ((int) self->rows->len < n)
    {
      Row *row = row_new (self);

      g_ptr_array_add (self->rows, row);
      gtk_list_box_append (self->list, row->row);
    }
  for (int i = 0; i < n; i++)
    {
      row_update (g_ptr_array_index (self->rows, i), lens_segmentation_get_segment (self->segmentation, i));
      row_update_atoms (g_ptr_array_index (self->rows, i), i);
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
    row_update_atoms (g_ptr_array_index (self->rows, i), i);
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
  row = GTK_LIST_BOX_ROW (((Row *) g_ptr_array_index (self->rows, index))->row);
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
      Row *row = self->rows && i < (int) self->rows->len ? g_ptr_array_index (self->rows, i) : NULL;

      selected[i] = row && gtk_list_box_row_is_selected (GTK_LIST_BOX_ROW (row->row));
      n += selected[i];
    }
  return n;
}

void
lens_segment_legend_start_rename (LensSegmentLegend *self, int index)
{
  g_return_if_fail (LENS_IS_SEGMENT_LEGEND (self));

  if (self->rows && index >= 0 && index < (int) self->rows->len)
    start_rename (g_ptr_array_index (self->rows, index));
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

  /* The rows go with the box, their data with them. */
  self->refreshing = TRUE;
  for (guint i = 0; self->rows && i < self->rows->len; i++)
    ((Row *) g_ptr_array_index (self->rows, i))->removed = TRUE;
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
