/* lens-segment-legend.h: the segments, to recolour, rename, hide, merge
 * and split
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "lens-segmentation.h"

G_BEGIN_DECLS

#define LENS_TYPE_SEGMENT_LEGEND (lens_segment_legend_get_type ())
G_DECLARE_FINAL_TYPE (LensSegmentLegend, lens_segment_legend, LENS, SEGMENT_LEGEND, GtkWidget)

GtkWidget *lens_segment_legend_new (void);
/* Not owned: the window keeps the segmentation and calls refresh after
 * changing it. The legend emits "edited" after every edit it makes and
 * "split-requested" (segment index) for a split, which needs the codes. */
void lens_segment_legend_set_segmentation (LensSegmentLegend *self, LensSegmentation *segmentation);
void lens_segment_legend_refresh (LensSegmentLegend *self);

G_END_DECLS
