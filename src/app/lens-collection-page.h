/* lens-collection-page.h: the side bar's page for a surveyed collection
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "lens-atom-gallery.h"
#include "lens-collection.h"

G_BEGIN_DECLS

#define LENS_TYPE_COLLECTION_PAGE (lens_collection_page_get_type ())
G_DECLARE_FINAL_TYPE (LensCollectionPage, lens_collection_page, LENS, COLLECTION_PAGE, GtkWidget)

/* No collection: how to survey one. */
void lens_collection_page_show_empty (LensCollectionPage *self);
/* A survey of name runs: done of total images (total 0 while listing). */
void lens_collection_page_show_progress (LensCollectionPage *self, const char *name, int done, int total);
/* The collection (kept by the caller while shown), no atom selected yet;
 * the atoms' thumbnails come from gallery. */
void lens_collection_page_show_collection (LensCollectionPage *self, const LensCollection *collection,
                                           const char *name, LensAtomGallery *gallery);
void lens_collection_page_show_atom (LensCollectionPage *self, int atom);
/* The atom's strongest patches as crops (cairo surfaces, NULL where gone),
 * in the order of its top patches. */
void lens_collection_page_set_crops (LensCollectionPage *self, int atom, GPtrArray *crops);
int lens_collection_page_get_atom (LensCollectionPage *self);

G_END_DECLS
