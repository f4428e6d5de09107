/* lens-segments-page.h: the side bar's Segments page
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "lens-segment-legend.h"

G_BEGIN_DECLS

#define LENS_TYPE_SEGMENTS_PAGE (lens_segments_page_get_type ())
G_DECLARE_FINAL_TYPE (LensSegmentsPage, lens_segments_page, LENS, SEGMENTS_PAGE, GtkWidget)

/* The page's controls, which the window reads and binds to its settings.
 * The switches and Re-seed act through the window's actions
 * (win.show-segments, win.segments-outlines, win.segments-everywhere,
 * win.reseed). */
typedef struct {
  GtkAdjustment *k;
  AdwComboRow *features; /* items in the order of ScvaeSegmentFeatures */
  GtkAdjustment *smooth;
  GtkAdjustment *opacity;
  LensSegmentLegend *legend;
} LensSegmentsControls;

const LensSegmentsControls *lens_segments_page_get_controls (LensSegmentsPage *self);

G_END_DECLS
