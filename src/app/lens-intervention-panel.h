/* lens-intervention-panel.h: changing what the decoder sees
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LENS_TYPE_INTERVENTION_PANEL (lens_intervention_panel_get_type ())
G_DECLARE_FINAL_TYPE (LensInterventionPanel, lens_intervention_panel, LENS, INTERVENTION_PANEL, GtkWidget)

/* A model of n_atoms atoms: every gain back to 1, every atom kept. */
void lens_intervention_panel_set_n_atoms (LensInterventionPanel *self, int n_atoms);
/* The atoms the gain slider scales (a GBytes of ints, or NULL). */
void lens_intervention_panel_set_selection (LensInterventionPanel *self, GBytes *atoms);
/* n_atoms floats, or NULL while every gain is 1; owned by the panel. */
GBytes *lens_intervention_panel_get_gains (LensInterventionPanel *self);
/* Each patch's strongest atoms kept; 0: all of them. */
int lens_intervention_panel_get_keep (LensInterventionPanel *self);
void lens_intervention_panel_reset (LensInterventionPanel *self);

G_END_DECLS
