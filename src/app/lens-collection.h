/* lens-collection.h: a surveyed collection, as scvae survey writes it
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "scvae.h"

G_BEGIN_DECLS

typedef struct {
  int index;
  double value;   /* cos for the nearest atoms, lift for those it fires with */
} LensAtomNeighbour;

typedef struct {
  int image;      /* into LensCollection.images */
  int row, col;
  double value;   /* the signed code */
} LensCollectionPatch;

typedef struct {
  double frequency;       /* share of the collection's patches where it fires */
  double mean_abs, max_abs;
  double edges[SCVAE_SURVEY_BINS + 1];
  guint64 counts[SCVAE_SURVEY_BINS];
  LensCollectionPatch *top;  /* strongest first */
  int n_top;
  LensAtomNeighbour nearest[SCVAE_SURVEY_NEIGHBOURS];
  int n_nearest;
  LensAtomNeighbour cooccurs[SCVAE_SURVEY_NEIGHBOURS];
  int n_cooccurs;
} LensCollectionAtom;

typedef struct {
  char *text;             /* the survey's file, as read or made */
  GPtrArray *images;      /* ScvaeSurveyImage */
  char **skipped;         /* messages, NULL-terminated */
  guint64 patches;
  char *model;            /* the model's path, or NULL */
  int max_size, depth;
  double sparsity;
  int n_atoms;
  LensCollectionAtom *atoms;
} LensCollection;

/* Reads a survey (the text of a scvae survey file); NULL with error
 * (SCVAE_ERROR_INVALID_INPUT, naming what is wrong) when it is not one. */
LensCollection *lens_collection_new (const char *text, gsize length, GError **error);
void lens_collection_free (LensCollection *collection);
/* An atom no patch used, and one used by more than SCVAE_DENSE_ATOM_SHARE
 * of them. */
gboolean lens_collection_atom_is_dead (const LensCollection *collection, int atom);
gboolean lens_collection_atom_is_dense (const LensCollection *collection, int atom);
/* The per-atom statistics as CSV (index, frequency, mean_abs, max_abs,
 * dead, dense, nearest, its cos, cooccurs, its lift). */
char *lens_collection_to_csv (const LensCollection *collection);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LensCollection, lens_collection_free)

G_END_DECLS
