/* lens-legend.h: the colour bar that says what a heat map's colours mean
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "lens-heatmap.h"

G_BEGIN_DECLS

#define LENS_TYPE_LEGEND (lens_legend_get_type ())
G_DECLARE_FINAL_TYPE (LensLegend, lens_legend, LENS, LEGEND, GtkWidget)

GtkWidget *lens_legend_new (void);
/* digits: decimals for the end labels (0 for counts). */
void lens_legend_set_scale (LensLegend *self, const LensColorScale *scale, int digits);

G_END_DECLS
