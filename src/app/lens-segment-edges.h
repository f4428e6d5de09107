/* lens-segment-edges.h: segment edges on the patch grid, drawn with cairo
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Coordinates are image pixels (a patch is SCVAE_PATCH_PIXELS square);
 * scale is view pixels per image pixel, so lines keep their width on
 * screen at any zoom.
 */

#pragma once

#include <cairo.h>
#include <glib.h>

typedef struct {
  const guint8 *labels;  /* rows x cols segment indices */
  int rows, cols;
} LensLabelGrid;

/* A thin dark line wherever two neighbouring patches are in different
 * segments (over a filled overlay). */
void lens_segment_edges_draw_borders (cairo_t *cr, const LensLabelGrid *grid, double scale);

/* Each segment s with colors[s] != 0 (0xffRRGGBB) outlined in that colour,
 * inside the segment, so that neighbours' colours sit side by side and the
 * image shows unchanged within. */
void lens_segment_edges_draw_outlines (cairo_t *cr, const LensLabelGrid *grid, const guint32 *colors, int n,
                                       double scale);

/* The outline of the segments with selected[s], the image's edges
 * included, as a white line over a dark one so it shows on any colour. */
void lens_segment_edges_draw_selection (cairo_t *cr, const LensLabelGrid *grid, const gboolean *selected,
                                        double scale);
