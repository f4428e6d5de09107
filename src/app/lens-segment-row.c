/* lens-segment-row.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A segment's colour (a button to change it), its name (a label that
 * turns into an entry for renaming), the atoms typical of it, its share of
 * the image, whether it shows, Rename and Split. The widgets are named
 * (gtk_widget_set_name) so tests can find them. The row is updated in
 * place, never rebuilt, so a name being edited survives edits elsewhere.
 */

#include "config.h"

#include "lens-segment-row.h"

#include <glib/gi18n.h>

struct _LensSegmentRow {
  GtkListBoxRow parent_instance;
  GtkWidget *color;
  GtkWidget *name_stack;
  GtkWidget *name_label;
  GtkWidget *name_entry;
  GtkWidget *share;
  GtkWidget *visible;
  GtkWidget *rename;
  GtkWidget *split;
  GtkWidget *atoms_box;
  GtkWidget *atom_buttons[LENS_SEGMENT_ATOMS];
  int atoms[LENS_SEGMENT_ATOMS];
  gboolean pictured[LENS_SEGMENT_ATOMS]; /* shown as a picture, not a number */
  gboolean editing;
  gboolean updating;
};

G_DEFINE_FINAL_TYPE (LensSegmentRow, lens_segment_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  SIGNAL_RENAMED,
  SIGNAL_RECOLORED,
  SIGNAL_VISIBILITY_TOGGLED,
  SIGNAL_SPLIT_CLICKED,
  SIGNAL_ATOM_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------- */
/* Renaming */

void
lens_segment_row_start_rename (LensSegmentRow *self)
{
  g_return_if_fail (LENS_IS_SEGMENT_ROW (self));

  if (self->editing)
    return;
  self->editing = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->name_entry), gtk_label_get_label (GTK_LABEL (self->name_label)));
  gtk_stack_set_visible_child (GTK_STACK (self->name_stack), self->name_entry);
  gtk_widget_grab_focus (self->name_entry);
  gtk_editable_select_region (GTK_EDITABLE (self->name_entry), 0, -1);
}

static void
stop_rename (LensSegmentRow *self, gboolean commit)
{
  g_autofree char *text = NULL;

  if (!self->editing)
    return;
  self->editing = FALSE;
  /* Switching the stack moves the focus, which ends up here again. */
  text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_entry)));
  gtk_stack_set_visible_child (GTK_STACK (self->name_stack), self->name_label);
  if (commit)
    g_signal_emit (self, signals[SIGNAL_RENAMED], 0, text);
}

void
lens_segment_row_cancel_rename (LensSegmentRow *self)
{
  g_return_if_fail (LENS_IS_SEGMENT_ROW (self));

  stop_rename (self, FALSE);
}

static void
on_name_activate (LensSegmentRow *self)
{
  stop_rename (self, TRUE);
}

static gboolean
on_name_key (GtkEventControllerKey *controller, guint keyval, guint keycode, GdkModifierType state,
             LensSegmentRow *self)
{
  if (keyval != GDK_KEY_Escape)
    return FALSE;
  stop_rename (self, FALSE);
  return TRUE;
}

static void
on_name_focus_leave (LensSegmentRow *self)
{
  stop_rename (self, TRUE);
}

static void
on_pressed (GtkGestureClick *gesture, int n_press, double x, double y, LensSegmentRow *self)
{
  if (n_press == 2)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
      lens_segment_row_start_rename (self);
    }
}

/* ------------------------------------------------------------------------- */
/* Other edits */

static void
on_color_set (LensSegmentRow *self)
{
  GdkRGBA rgba;

  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (self->color), &rgba);
  g_signal_emit (self, signals[SIGNAL_RECOLORED], 0, &rgba);
}

static void
on_visible_toggled (LensSegmentRow *self)
{
  if (!self->updating)
    g_signal_emit (self, signals[SIGNAL_VISIBILITY_TOGGLED], 0,
                   gtk_check_button_get_active (GTK_CHECK_BUTTON (self->visible)));
}

static void
on_split_clicked (LensSegmentRow *self)
{
  g_signal_emit (self, signals[SIGNAL_SPLIT_CLICKED], 0);
}

static void
on_atom_clicked (GtkButton *button, LensSegmentRow *self)
{
  int slot = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "lens-atom-slot"));

  if (self->atoms[slot] >= 0)
    g_signal_emit (self, signals[SIGNAL_ATOM_ACTIVATED], 0, self->atoms[slot]);
}

/* ------------------------------------------------------------------------- */

void
lens_segment_row_set_atoms (LensSegmentRow *self, const int *atoms, LensAtomGallery *gallery)
{
  gboolean any = FALSE;

  g_return_if_fail (LENS_IS_SEGMENT_ROW (self));

  for (int i = 0; i < LENS_SEGMENT_ATOMS; i++)
    {
      GtkWidget *button = self->atom_buttons[i];
      int atom = atoms ? atoms[i] : -1;
      GdkTexture *texture = atom >= 0 && gallery ? lens_atom_gallery_get_texture (gallery, atom) : NULL;
      g_autofree char *description = NULL;

      gtk_widget_set_visible (button, atom >= 0);
      if (atom < 0)
        {
          self->atoms[i] = -1;
          continue;
        }
      any = TRUE;
      /* Unchanged: keep the widgets (this runs at every edit). */
      if (self->atoms[i] == atom && self->pictured[i] == (texture != NULL))
        continue;
      self->atoms[i] = atom;
      self->pictured[i] = texture != NULL;
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
  gtk_widget_set_visible (self->atoms_box, any);
}

void
lens_segment_row_update (LensSegmentRow *self, const LensSegment *segment)
{
  GdkRGBA rgba = { segment->rgb[0] / 255.0, segment->rgb[1] / 255.0, segment->rgb[2] / 255.0, 1 };
  g_autofree char *percent = g_strdup_printf ("%.1f %%", 100 * segment->share);
  g_autofree char *color = g_strdup_printf (_("Colour of %s"), segment->name);
  g_autofree char *show = g_strdup_printf (_("Show %s"), segment->name);
  g_autofree char *rename = g_strdup_printf (_("Rename %s"), segment->name);
  g_autofree char *split = g_strdup_printf (_("Split %s into two"), segment->name);
  GdkRGBA old;

  g_return_if_fail (LENS_IS_SEGMENT_ROW (self));

  self->updating = TRUE;
  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (self->color), &old);
  if (!gdk_rgba_equal (&old, &rgba))
    gtk_color_chooser_set_rgba (GTK_COLOR_CHOOSER (self->color), &rgba);
  gtk_label_set_label (GTK_LABEL (self->name_label), segment->name);
  gtk_label_set_label (GTK_LABEL (self->share), percent);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->visible), segment->visible);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->color), GTK_ACCESSIBLE_PROPERTY_LABEL, color, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->visible), GTK_ACCESSIBLE_PROPERTY_LABEL, show, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->rename), GTK_ACCESSIBLE_PROPERTY_LABEL, rename, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->split), GTK_ACCESSIBLE_PROPERTY_LABEL, split, -1);
  self->updating = FALSE;
}

/* ------------------------------------------------------------------------- */

static GtkWidget *
flat_icon_button (const char *icon, const char *name, const char *tooltip)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_name (button, name);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  return button;
}

static void
build_name (LensSegmentRow *self)
{
  GtkEventController *key, *focus;

  self->name_label = gtk_label_new (NULL);
  gtk_widget_set_name (self->name_label, "name-label");
  gtk_label_set_xalign (GTK_LABEL (self->name_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->name_label), PANGO_ELLIPSIZE_END);
  self->name_entry = gtk_entry_new ();
  gtk_widget_set_name (self->name_entry, "name-entry");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->name_entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Segment name"), -1);
  g_signal_connect_swapped (self->name_entry, "activate", G_CALLBACK (on_name_activate), self);
  key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_name_key), self);
  gtk_widget_add_controller (self->name_entry, key);
  focus = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (on_name_focus_leave), self);
  gtk_widget_add_controller (self->name_entry, focus);
  self->name_stack = gtk_stack_new ();
  gtk_stack_set_hhomogeneous (GTK_STACK (self->name_stack), FALSE);
  gtk_stack_set_interpolate_size (GTK_STACK (self->name_stack), FALSE);
  gtk_widget_set_hexpand (self->name_stack, TRUE);
  gtk_stack_add_child (GTK_STACK (self->name_stack), self->name_label);
  gtk_stack_add_child (GTK_STACK (self->name_stack), self->name_entry);
}

static void
build_atoms (LensSegmentRow *self)
{
  self->atoms_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2);
  gtk_widget_set_name (self->atoms_box, "atoms");
  for (int i = 0; i < LENS_SEGMENT_ATOMS; i++)
    {
      GtkWidget *button = gtk_button_new ();

      gtk_widget_set_name (button, "atom");
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_size_request (button, 28, 28);
      g_object_set_data (G_OBJECT (button), "lens-atom-slot", GINT_TO_POINTER (i));
      g_signal_connect (button, "clicked", G_CALLBACK (on_atom_clicked), self);
      self->atom_buttons[i] = button;
      self->atoms[i] = -1;
      gtk_box_append (GTK_BOX (self->atoms_box), button);
    }
  gtk_widget_set_visible (self->atoms_box, FALSE);
}

static void
lens_segment_row_class_init (LensSegmentRowClass *klass)
{
  GType type = G_TYPE_FROM_CLASS (klass);

  signals[SIGNAL_RENAMED] = g_signal_new ("renamed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_RECOLORED] = g_signal_new ("recolored", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 1, GDK_TYPE_RGBA);
  signals[SIGNAL_VISIBILITY_TOGGLED] = g_signal_new ("visibility-toggled", type, G_SIGNAL_RUN_LAST, 0,
                                                     NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  signals[SIGNAL_SPLIT_CLICKED] = g_signal_new ("split-clicked", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                                NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_ATOM_ACTIVATED] = g_signal_new ("atom-activated", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                                 NULL, G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
lens_segment_row_init (LensSegmentRow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *name_column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 2);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);

  self->color = gtk_color_button_new ();
  gtk_widget_set_name (self->color, "color");
  gtk_color_chooser_set_use_alpha (GTK_COLOR_CHOOSER (self->color), FALSE);
  gtk_widget_set_valign (self->color, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (self->color, "color-set", G_CALLBACK (on_color_set), self);

  build_name (self);
  build_atoms (self);

  self->share = gtk_label_new (NULL);
  gtk_widget_set_name (self->share, "share");
  gtk_widget_add_css_class (self->share, "numeric");
  gtk_widget_add_css_class (self->share, "dim-label");

  self->visible = gtk_check_button_new ();
  gtk_widget_set_name (self->visible, "visible");
  gtk_widget_set_tooltip_text (self->visible, _("Show this segment"));
  g_signal_connect_swapped (self->visible, "toggled", G_CALLBACK (on_visible_toggled), self);

  self->rename = flat_icon_button ("document-edit-symbolic", "rename", _("Rename (or double-click the row)"));
  g_signal_connect_swapped (self->rename, "clicked", G_CALLBACK (lens_segment_row_start_rename), self);
  self->split = flat_icon_button ("edit-cut-symbolic", "split", _("Split into two"));
  g_signal_connect_swapped (self->split, "clicked", G_CALLBACK (on_split_clicked), self);

  gtk_widget_set_hexpand (name_column, TRUE);
  gtk_widget_set_valign (name_column, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (name_column), self->name_stack);
  gtk_box_append (GTK_BOX (name_column), self->atoms_box);
  gtk_box_append (GTK_BOX (box), self->color);
  gtk_box_append (GTK_BOX (box), name_column);
  gtk_box_append (GTK_BOX (box), self->share);
  gtk_box_append (GTK_BOX (box), self->visible);
  gtk_box_append (GTK_BOX (box), self->rename);
  gtk_box_append (GTK_BOX (box), self->split);

  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (box, GTK_EVENT_CONTROLLER (click));
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), box);
}

GtkWidget *
lens_segment_row_new (void)
{
  return g_object_new (LENS_TYPE_SEGMENT_ROW, NULL);
}
