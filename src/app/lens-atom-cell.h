/* lens-atom-cell.h: one atom in the gallery: thumbnail, usage bar, caption
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LENS_TYPE_ATOM_CELL (lens_atom_cell_get_type ())
G_DECLARE_FINAL_TYPE (LensAtomCell, lens_atom_cell, LENS, ATOM_CELL, GtkWidget)

GtkWidget *lens_atom_cell_new (int thumbnail_size);
/* bar: 0..1. dimmed: drawn faded (a dead atom). The badges (NULL or
 * empty: none) are a word each over the thumbnail's top corners.
 * description: what a screen reader says; like caption, only a change
 * costs anything. */
void lens_atom_cell_set (LensAtomCell *self, GdkTexture *thumbnail, double bar, const char *caption,
                         gboolean dimmed, const char *left_badge, const char *right_badge,
                         const char *description);

G_END_DECLS
