/* lens-atom-gallery.h: every dictionary atom, as the decoder draws it
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "lens-collection.h"
#include "scvae.h"

G_BEGIN_DECLS

#define LENS_TYPE_ATOM_GALLERY (lens_atom_gallery_get_type ())
G_DECLARE_FINAL_TYPE (LensAtomGallery, lens_atom_gallery, LENS, ATOM_GALLERY, GtkWidget)

GtkWidget *lens_atom_gallery_new (void);
/* One cairo surface per atom (see lens_worker_render_atoms_async);
 * stored_usage (K, or NULL): fraction of validation patches using it.
 * They appear over the next few main-loop turns. */
/* kind: the model's bottleneck, whose words the gallery uses (a VQ
 * model's codes, a Gaussian's latent channels). */
void lens_atom_gallery_set_atoms (LensAtomGallery *self, GPtrArray *surfaces, const double *stored_usage,
                                  ScvaeBottleneck kind);
/* No atoms: the model changed and its atoms are being drawn. */
void lens_atom_gallery_clear (LensAtomGallery *self);
/* How the current image uses the atoms (n_atoms entries, n_patches
 * patches); shown once the gallery has that many atoms. */
void lens_atom_gallery_set_usage (LensAtomGallery *self, const ScvaeAtomUsage *usage, guint n_atoms,
                                  guint n_patches);
/* The intervention's gain of each atom (NULL: all 1), as badges. */
void lens_atom_gallery_set_gains (LensAtomGallery *self, const float *gains, guint n_atoms);
/* A surveyed collection's frequencies (NULL: none): a sort order, a
 * filter and badges for its dead and dense atoms. Atoms added later (a
 * model's atoms still arriving) do not get them. */
void lens_atom_gallery_set_collection (LensAtomGallery *self, const LensCollection *collection);
/* What the atom draws (SCVAE_ATOM_PIXELS square), NULL before rendering. */
cairo_surface_t *lens_atom_gallery_get_surface (LensAtomGallery *self, int atom);
/* Selected atom indices as a GBytes of ints (NULL when none). */
GBytes *lens_atom_gallery_get_selection (LensAtomGallery *self);
void lens_atom_gallery_focus_search (LensAtomGallery *self);
guint lens_atom_gallery_get_n_atoms (LensAtomGallery *self);
/* Selects an atom by index; extend keeps the current selection (Ctrl+click). */
void lens_atom_gallery_select (LensAtomGallery *self, int atom, gboolean extend);
/* The atom's thumbnail texture (NULL before rendering). */
GdkTexture *lens_atom_gallery_get_texture (LensAtomGallery *self, int atom);

G_END_DECLS
