/* lens-quality-panel.h: the numbers beside the views
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How well the image is drawn back and how sparse its codes are, and what
 * the model is: its sizes, its training, and how spread out its atoms are.
 */

#pragma once

#include <gtk/gtk.h>

#include "scvae.h"

G_BEGIN_DECLS

#define LENS_TYPE_QUALITY_PANEL (lens_quality_panel_get_type ())
G_DECLARE_FINAL_TYPE (LensQualityPanel, lens_quality_panel, LENS, QUALITY_PANEL, GtkWidget)

void lens_quality_panel_show_metrics (LensQualityPanel *self, const ScvaeMetrics *metrics, int n_atoms);
/* The model's sizes and training; its dictionary's health is unknown
 * until lens_quality_panel_show_health. */
void lens_quality_panel_show_model (LensQualityPanel *self, ScvaeModel *model);
void lens_quality_panel_show_health (LensQualityPanel *self, const ScvaeDictionaryHealth *health,
                                     int channels);

G_END_DECLS
