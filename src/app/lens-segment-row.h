/* lens-segment-row.h: one segment in the legend
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

#define LENS_TYPE_SEGMENT_ROW (lens_segment_row_get_type ())
G_DECLARE_FINAL_TYPE (LensSegmentRow, lens_segment_row, LENS, SEGMENT_ROW, GtkListBoxRow)

/* A row shows a segment and asks for edits to it; it changes nothing
 * itself. Signals: "renamed" (the new name, which may be empty),
 * "recolored" (a GdkRGBA), "visibility-toggled" (whether it should show),
 * "split-clicked", and "atom-activated" (an atom index). Updating a row
 * emits none of them. */
GtkWidget *lens_segment_row_new (void);
void lens_segment_row_update (LensSegmentRow *self, const LensSegment *segment);
/* The LENS_SEGMENT_ATOMS atoms that characterise the segment (-1 for
 * none; NULL: none known), pictured from the gallery when it has them. */
void lens_segment_row_set_atoms (LensSegmentRow *self, const int *atoms, LensAtomGallery *gallery);
/* Turns the name into an entry; Enter or leaving it renames, Escape
 * cancels. A double-click on the row and its Rename button do the same. */
void lens_segment_row_start_rename (LensSegmentRow *self);
/* Leaves the entry without renaming: the row is about to go. */
void lens_segment_row_cancel_rename (LensSegmentRow *self);

G_END_DECLS
