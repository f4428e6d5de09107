/* lens-intervention-panel.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two controls over the codes the decoder is given (see
 * ScvaeIntervention): a gain for the atoms selected in the gallery (0
 * switches them off everywhere), and a budget of each patch's strongest
 * atoms. The panel keeps every atom's gain; "changed" says when the
 * window should ask for a new reconstruction.
 */

#include "config.h"

#include "lens-intervention-panel.h"

#include <glib/gi18n.h>
#include <math.h>

#include "scvae.h"

struct _LensInterventionPanel {
  GtkWidget parent_instance;

  /* Template widgets */
  GtkAdjustment *keep;
  GtkScale *keep_scale;
  GtkAdjustment *gain;
  GtkWidget *gain_scale;
  GtkWidget *off_button;
  GtkLabel *selection_label;
  GtkLabel *changed_label;

  int n_atoms;
  float *gains;         /* n_atoms */
  GBytes *gains_bytes;  /* a copy, NULL while every gain is 1 */
  GBytes *selection;    /* ints */
  gboolean updating;    /* the gain slider follows a new selection */
};

G_DEFINE_FINAL_TYPE (LensInterventionPanel, lens_intervention_panel, GTK_TYPE_WIDGET)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const int *
selected_atoms (LensInterventionPanel *self, int *n)
{
  gsize size = 0;
  const int *atoms = self->selection ? g_bytes_get_data (self->selection, &size) : NULL;

  *n = (int) (size / sizeof (int));
  return atoms;
}

/* The labels, the gain bytes and the slider's sensitivity from the gains. */
static void
show_gains (LensInterventionPanel *self)
{
  int n_selected, off = 0, scaled = 0;
  const int *atoms = selected_atoms (self, &n_selected);
  g_autofree char *selection = NULL, *changed = NULL;

  for (int k = 0; k < self->n_atoms; k++)
    {
      off += self->gains[k] == 0.f;
      scaled += self->gains[k] != 0.f && self->gains[k] != 1.f;
    }
  g_clear_pointer (&self->gains_bytes, g_bytes_unref);
  if (off + scaled > 0)
    self->gains_bytes = g_bytes_new (self->gains, self->n_atoms * sizeof (float));

  if (n_selected == 0)
    selection = g_strdup (_("Select atoms in the Atoms page to scale them"));
  else if (n_selected == 1)
    /* Translators: the one atom selected */
    selection = g_strdup_printf (_("Atom %d"), atoms[0]);
  else
    selection = g_strdup_printf (ngettext ("%d atom selected", "%d atoms selected", n_selected), n_selected);
  gtk_label_set_label (self->selection_label, selection);
  gtk_widget_set_sensitive (self->gain_scale, n_selected > 0);
  gtk_widget_set_sensitive (self->off_button, n_selected > 0);

  if (off + scaled == 0)
    changed = g_strdup (_("Every atom as LISTA coded it"));
  else
    /* Translators: atoms switched off and atoms scaled by other gains */
    changed = g_strdup_printf (_("Atoms switched off: %d · scaled: %d"), off, scaled);
  gtk_label_set_label (self->changed_label, changed);
}

void
lens_intervention_panel_set_n_atoms (LensInterventionPanel *self, int n_atoms)
{
  g_free (self->gains);
  self->n_atoms = n_atoms;
  self->gains = g_new (float, MAX (n_atoms, 1));
  for (int k = 0; k < n_atoms; k++)
    self->gains[k] = 1.f;
  self->updating = TRUE;
  gtk_adjustment_set_value (self->keep, 0);
  gtk_adjustment_set_value (self->gain, 1);
  self->updating = FALSE;
  show_gains (self);
}

void
lens_intervention_panel_set_selection (LensInterventionPanel *self, GBytes *atoms)
{
  int n_selected;
  const int *selected;

  g_clear_pointer (&self->selection, g_bytes_unref);
  self->selection = atoms ? g_bytes_ref (atoms) : NULL;
  selected = selected_atoms (self, &n_selected);
  /* The slider shows the first selected atom's gain */
  self->updating = TRUE;
  gtk_adjustment_set_value (self->gain, n_selected > 0 && selected[0] < self->n_atoms ? self->gains[selected[0]]
                                                                                       : 1.0);
  self->updating = FALSE;
  show_gains (self);
}

GBytes *
lens_intervention_panel_get_gains (LensInterventionPanel *self)
{
  return self->gains_bytes;
}

int
lens_intervention_panel_get_keep (LensInterventionPanel *self)
{
  return (int) lround (gtk_adjustment_get_value (self->keep));
}

void
lens_intervention_panel_reset (LensInterventionPanel *self)
{
  lens_intervention_panel_set_n_atoms (self, self->n_atoms);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
set_selected_gain (LensInterventionPanel *self, float gain)
{
  int n_selected;
  const int *atoms = selected_atoms (self, &n_selected);

  for (int i = 0; i < n_selected; i++)
    if (atoms[i] >= 0 && atoms[i] < self->n_atoms)
      self->gains[atoms[i]] = gain;
  show_gains (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_gain_changed (LensInterventionPanel *self)
{
  if (!self->updating)
    set_selected_gain (self, (float) gtk_adjustment_get_value (self->gain));
}

static void
on_off_clicked (LensInterventionPanel *self)
{
  /* The slider's handler applies it */
  gtk_adjustment_set_value (self->gain, 0);
}

static void
on_keep_changed (LensInterventionPanel *self)
{
  if (!self->updating)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static char *
format_keep (GtkScale *scale, double value, gpointer user_data)
{
  /* Translators: every atom of each patch is kept */
  return lround (value) == 0 ? g_strdup (C_("keep atoms", "All")) : g_strdup_printf ("%ld", lround (value));
}

static void
lens_intervention_panel_dispose (GObject *object)
{
  LensInterventionPanel *self = LENS_INTERVENTION_PANEL (object);
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), LENS_TYPE_INTERVENTION_PANEL);
  /* The group: a plain GtkWidget unparents nothing itself. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
    gtk_widget_unparent (child);
  g_clear_pointer (&self->gains, g_free);
  g_clear_pointer (&self->gains_bytes, g_bytes_unref);
  g_clear_pointer (&self->selection, g_bytes_unref);

  G_OBJECT_CLASS (lens_intervention_panel_parent_class)->dispose (object);
}

static void
lens_intervention_panel_class_init (LensInterventionPanelClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lens_intervention_panel_dispose;

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparselens/SparseLens/lens-intervention-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, LensInterventionPanel, keep);
  gtk_widget_class_bind_template_child (widget_class, LensInterventionPanel, keep_scale);
  gtk_widget_class_bind_template_child (widget_class, LensInterventionPanel, gain);
  gtk_widget_class_bind_template_child (widget_class, LensInterventionPanel, gain_scale);
  gtk_widget_class_bind_template_child (widget_class, LensInterventionPanel, off_button);
  gtk_widget_class_bind_template_child (widget_class, LensInterventionPanel, selection_label);
  gtk_widget_class_bind_template_child (widget_class, LensInterventionPanel, changed_label);
  gtk_widget_class_bind_template_callback (widget_class, on_gain_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_off_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_keep_changed);
  gtk_widget_class_bind_template_callback (widget_class, lens_intervention_panel_reset);
}

static void
lens_intervention_panel_init (LensInterventionPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_scale_set_format_value_func (self->keep_scale, format_keep, NULL, NULL);
  gtk_adjustment_set_upper (self->gain, SCVAE_MAX_ATOM_GAIN);
  lens_intervention_panel_set_n_atoms (self, 0);
}
