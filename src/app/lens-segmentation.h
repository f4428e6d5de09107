/* lens-segmentation.h: the segments the legend shows, and the user's edits to them
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * k-means gives numbered clusters of patches; the user turns them into
 * named, coloured segments by renaming, recolouring, hiding, merging and
 * splitting. LensSegmentation keeps those edits when k-means reruns (every
 * slider move does) and makes each edit undoable. Plain data on GLib: no
 * widgets and no signals; the caller redraws after a change.
 */

#pragma once

#include <glib.h>

#include "scvae.h"

G_BEGIN_DECLS

typedef struct {
  char *name;    /* "Segment 1" by default */
  guint8 rgb[3]; /* display colour */
  gboolean visible;
  double share;  /* fraction of the patches in this segment */
} LensSegment;

typedef struct _LensSegmentation LensSegmentation;

LensSegmentation *lens_segmentation_new (void);
void lens_segmentation_free (LensSegmentation *self);

/* Adopts fresh k-means labels: rows x cols patches, values below k
 * (1 <= k <= SCVAE_MAX_CLUSTERS). On a grid of the same size, new clusters
 * are matched to the previous ones, so segments keep their name, colour and
 * visibility however k-means numbers them this time, and clusters the user
 * merged stay merged; see lens-segmentation.c for the rules. Clusters that
 * match nothing (the first call, a new grid size, a larger k) become new
 * segments, appended after the surviving ones in their old order; segments
 * left without a cluster disappear. Empty clusters make no segment.
 *
 * Not an edit itself: on the same grid the undo and redo history is kept,
 * rewritten onto the new labels; a new grid size clears it. */
void lens_segmentation_set_labels (LensSegmentation *self,
                                   const guint8 *labels,
                                   int rows,
                                   int cols,
                                   int k);
/* No segments (overlay off); also forgets the history, and the next
 * labels start a fresh set, named from "Segment 1" again. The window
 * clears before the labels of another image, model, k, seed or feature
 * choice: only new codes of the same image (a slider move) carry the
 * user's edits over. */
void lens_segmentation_clear (LensSegmentation *self);

int lens_segmentation_get_n_segments (LensSegmentation *self);
/* How many clusters the last k-means made (its k, less any empty
 * cluster): the segments before the user's merges and splits; 0 when
 * there are no segments. */
int lens_segmentation_get_n_clusters (LensSegmentation *self);
/* The segment of patch (row, col), or -1 outside the grid or without segments. */
int lens_segmentation_segment_at (LensSegmentation *self, int row, int col);
/* index must be below get_n_segments; the pointer is valid until the next change. */
const LensSegment *lens_segmentation_get_segment (LensSegmentation *self, int index);
/* Segment index of every patch, rows x cols, reflecting all edits; NULL
 * when there are no segments. Valid until the next call that changes
 * anything. */
const guint8 *lens_segmentation_get_labels (LensSegmentation *self, int *rows, int *cols);

/* Edits. Each returns FALSE and changes nothing when an index is out of
 * range (say, a legend row outlived a re-clustering). An edit that would
 * change nothing returns TRUE and adds no undo step. */

/* Leading and trailing white space is dropped; FALSE for an empty name. */
gboolean lens_segmentation_rename (LensSegmentation *self, int index, const char *name);
gboolean lens_segmentation_recolor (LensSegmentation *self, int index, const guint8 rgb[3]);
gboolean lens_segmentation_set_visible (LensSegmentation *self, int index, gboolean visible);
/* Merges segment b into a, which keeps its name, colour and visibility;
 * b's index disappears and later indices shift down. FALSE if a == b. */
gboolean lens_segmentation_merge (LensSegmentation *self, int a, int b);
/* Splitting a segment re-clusters its patches into two with k-means on
 * per-patch features, in three steps so that the k-means can run on the
 * engine's thread: take the segment's patches, divide them (any thread,
 * lens-segment-split.c), apply the division. The larger part keeps the
 * segment; the other becomes a new segment at the end, with the same
 * visibility. */
typedef struct {
  int index;          /* the segment */
  int n_patches;
  int *patches;       /* its patches when the split began, in order */
  guint8 *parts;      /* 0 or 1 per patch, once divided */
  int keep;           /* the larger part; -1 while there are not two */
} LensSplit;

/* A segment of more patches is divided by 2-means on a regular sample of
 * at most this many, each patch then taking the nearer centre. */
#define LENS_SPLIT_MAX_SAMPLE 8192

/* NULL if segment index has fewer than 2 patches or there are
 * SCVAE_MAX_CLUSTERS segments already. */
LensSplit *lens_segmentation_begin_split (LensSegmentation *self, int index);
/* 2-means on features (rows * cols x dim, the segmentation's grid),
 * deterministic for a seed; FALSE if cancelled or failed. */
gboolean lens_split_divide (LensSplit *split,
                            const float *features,
                            int dim,
                            guint64 seed,
                            GCancellable *cancellable,
                            GError **error);
/* Whether the division found two parts (features that differ). */
gboolean lens_split_divides (const LensSplit *split);
/* Applies a division; FALSE (and no change) if it found one part only or
 * the segment no longer holds the same patches (k-means ran again). */
gboolean lens_segmentation_finish_split (LensSegmentation *self, const LensSplit *split);
void lens_split_free (LensSplit *split);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LensSplit, lens_split_free)

gboolean lens_segmentation_can_undo (LensSegmentation *self);
gboolean lens_segmentation_undo (LensSegmentation *self);
gboolean lens_segmentation_can_redo (LensSegmentation *self);
gboolean lens_segmentation_redo (LensSegmentation *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LensSegmentation, lens_segmentation_free)

G_END_DECLS
