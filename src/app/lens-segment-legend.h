/* lens-segment-legend.h: the segments, to recolour, rename, hide, merge
 * and split
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "lens-atom-gallery.h"
#include "lens-segmentation.h"
#include "lens-worker.h"

G_BEGIN_DECLS

#define LENS_TYPE_SEGMENT_LEGEND (lens_segment_legend_get_type ())
G_DECLARE_FINAL_TYPE (LensSegmentLegend, lens_segment_legend, LENS, SEGMENT_LEGEND, GtkWidget)

GtkWidget *lens_segment_legend_new (void);
/* Not owned: the window keeps the segmentation and calls refresh after
 * changing it. The legend emits "edited" after every edit it makes,
 * "split-requested" (segment index) for a split, which needs the codes,
 * and "selection-changed" when other segments are selected.
 *
 * Refreshing updates the rows in place (a row is made or removed only when
 * the number of segments changes), so a name being edited, the selection
 * and the focus survive edits elsewhere. */
void lens_segment_legend_set_segmentation (LensSegmentLegend *self, LensSegmentation *segmentation);
void lens_segment_legend_refresh (LensSegmentLegend *self);
/* The atoms that characterise each segment (n_segments x
 * LENS_SEGMENT_ATOMS, -1 for none; NULL: none known), pictured from the
 * gallery. A click on one emits "atom-activated" (atom index). */
void lens_segment_legend_set_atoms (LensSegmentLegend *self, const int *atoms, int n_segments,
                                    LensAtomGallery *gallery);
/* k-means is running for what the controls ask: the legend says so. */
void lens_segment_legend_set_pending (LensSegmentLegend *self, gboolean pending);

/* Selects segment index; extend toggles it in the selection instead of
 * selecting it alone. -1 without extend clears the selection. */
void lens_segment_legend_select (LensSegmentLegend *self, int index, gboolean extend);
/* selected[i] for each segment; returns how many are selected. */
int lens_segment_legend_get_selection (LensSegmentLegend *self, gboolean selected[SCVAE_MAX_CLUSTERS]);
/* Starts editing segment index's name, as its Rename button does. */
void lens_segment_legend_start_rename (LensSegmentLegend *self, int index);
/* The caption under the heading ("5 segments from k-means"). */
const char *lens_segment_legend_get_caption (LensSegmentLegend *self);

G_END_DECLS
