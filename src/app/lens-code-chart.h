/* lens-code-chart.h: one patch's sparse code as a bar chart
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LENS_TYPE_CODE_CHART (lens_code_chart_get_type ())
G_DECLARE_FINAL_TYPE (LensCodeChart, lens_code_chart, LENS, CODE_CHART, GtkWidget)

GtkWidget *lens_code_chart_new (void);
/* n atoms with their coefficients, strongest first; thumbnails[i] may be
 * NULL. Rows from top_m on are drawn faded. */
void lens_code_chart_set_code (LensCodeChart *self, const int *atoms, const float *coefficients,
                               GdkTexture **thumbnails, int n, int top_m);

G_END_DECLS
