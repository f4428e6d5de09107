/* lens-segmentation.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The state is a snapshot: per-patch segment labels and the segments.
 * Every edit pushes a deep copy of the snapshot on the undo stack first.
 *
 * Besides the snapshots we keep the raw k-means labels of the last
 * set_labels ("clusters"). Edits never change them, so one copy serves
 * every snapshot, and they are what the next clustering is matched
 * against:
 *
 *  1. New clusters are paired one to one with old clusters, largest
 *     overlap first. Pairing clusters rather than segments tells a merge
 *     (two old clusters in one segment: their successors rejoin it) from a
 *     larger k (an old cluster cut in two: one piece is new).
 *  2. A paired cluster joins the segment holding most of its old cluster.
 *  3. A cluster left unpaired takes a segment nothing joined if most of it
 *     lies there: k-means found again a region the user had split off.
 *  4. Any other cluster becomes a new segment.
 *
 * A split-off part that k-means does not find again goes back into its
 * segment on the next clustering: a split is a cut in one clustering.
 */

#include "config.h"

#include "lens-segmentation.h"

#include <glib/gi18n.h>
#include <string.h>

/* Each step copies the labels, one byte per patch: plenty of undo for little memory. */
#define MAX_UNDO 100

typedef struct {
  guint8 *labels; /* rows x cols segment indices */
  LensSegment segments[SCVAE_MAX_CLUSTERS];
  int n_segments;
} Snapshot;

struct _LensSegmentation {
  int rows;
  int cols;
  guint8 *clusters; /* k-means labels of the last set_labels, rows x cols */
  int n_clusters;   /* the k of those labels */
  int n_made;       /* how many of their clusters hold patches */
  Snapshot *current; /* NULL: no segments */
  GPtrArray *undo;   /* of Snapshot, the next undo last */
  GPtrArray *redo;   /* of Snapshot, the next redo last */
  /* "Segment N" never names two segments of one set (from one clear to
   * the next), so a name seen earlier never comes back meaning another
   * region; a fresh set counts from 1 again. */
  guint next_number;
};

static void
snapshot_free (gpointer data)
{
  Snapshot *snapshot = data;

  for (int i = 0; i < snapshot->n_segments; i++)
    g_free (snapshot->segments[i].name);
  g_free (snapshot->labels);
  g_free (snapshot);
}

static Snapshot *
snapshot_copy (const Snapshot *snapshot, int n)
{
  Snapshot *copy = g_memdup2 (snapshot, sizeof *snapshot);

  copy->labels = g_memdup2 (snapshot->labels, n);
  for (int i = 0; i < copy->n_segments; i++)
    copy->segments[i].name = g_strdup (snapshot->segments[i].name);
  return copy;
}

/* Shares are not compared: they follow from the labels. */
static gboolean
snapshot_equal (const Snapshot *a, const Snapshot *b, int n)
{
  if (a->n_segments != b->n_segments || memcmp (a->labels, b->labels, n) != 0)
    return FALSE;
  for (int i = 0; i < a->n_segments; i++)
    {
      const LensSegment *x = &a->segments[i], *y = &b->segments[i];

      if (g_strcmp0 (x->name, y->name) != 0 || memcmp (x->rgb, y->rgb, 3) != 0
          || x->visible != y->visible)
        return FALSE;
    }
  return TRUE;
}

static void
snapshot_update_shares (Snapshot *snapshot, gsize n)
{
  gsize counts[SCVAE_MAX_CLUSTERS] = { 0 };

  for (gsize p = 0; p < n; p++)
    counts[snapshot->labels[p]]++;
  for (int i = 0; i < snapshot->n_segments; i++)
    snapshot->segments[i].share = (double) counts[i] / n;
}

static void
snapshot_append (Snapshot *snapshot, const LensSegment *segment)
{
  LensSegment *copy = &snapshot->segments[snapshot->n_segments++];

  *copy = *segment;
  copy->name = g_strdup (segment->name);
}

static gboolean
snapshot_has_color (const Snapshot *snapshot, const guint8 rgb[3])
{
  for (int i = 0; i < snapshot->n_segments; i++)
    if (memcmp (snapshot->segments[i].rgb, rgb, 3) == 0)
      return TRUE;
  return FALSE;
}

/* The first default colour no segment shows, so the first clustering gets
 * the palette in order and a new segment never repeats a colour on screen. */
static void
pick_color (const Snapshot *snapshot, guint8 rgb[3])
{
  for (int i = 0; i < 2 * SCVAE_MAX_CLUSTERS; i++)
    {
      scvae_cluster_color (i, rgb);
      if (!snapshot_has_color (snapshot, rgb))
        return;
    }
}

static void
init_segment (LensSegmentation *self, const Snapshot *snapshot, LensSegment *segment)
{
  /* Translators: the default name of an image segment; the number counts up */
  segment->name = g_strdup_printf (_("Segment %u"), self->next_number++);
  pick_color (snapshot, segment->rgb);
  segment->visible = TRUE;
  segment->share = 0.0;
}

LensSegmentation *
lens_segmentation_new (void)
{
  LensSegmentation *self = g_new0 (LensSegmentation, 1);

  self->undo = g_ptr_array_new_with_free_func (snapshot_free);
  self->redo = g_ptr_array_new_with_free_func (snapshot_free);
  self->next_number = 1;
  return self;
}

void
lens_segmentation_free (LensSegmentation *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->current, snapshot_free);
  g_free (self->clusters);
  g_ptr_array_unref (self->undo);
  g_ptr_array_unref (self->redo);
  g_free (self);
}

void
lens_segmentation_clear (LensSegmentation *self)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->current, snapshot_free);
  g_clear_pointer (&self->clusters, g_free);
  self->n_clusters = 0;
  self->n_made = 0;
  self->rows = self->cols = 0;
  self->next_number = 1;
  g_ptr_array_set_size (self->undo, 0);
  g_ptr_array_set_size (self->redo, 0);
}

typedef struct {
  int overlap;
  int cluster;
  int old;
} Pair;

static int
compare_pairs (const void *a, const void *b)
{
  const Pair *x = a, *y = b;

  if (x->overlap != y->overlap)
    return x->overlap > y->overlap ? -1 : 1;
  if (x->cluster != y->cluster)
    return x->cluster - y->cluster;
  return x->old - y->old;
}

/* Rule 1: match[c] is the old cluster paired with new cluster c, or -1. */
static void
match_clusters (const guint8 *old, int old_k, const guint8 *clusters, int k, int n, int *match)
{
  int overlap[SCVAE_MAX_CLUSTERS][SCVAE_MAX_CLUSTERS] = { { 0 } };
  gboolean taken[SCVAE_MAX_CLUSTERS] = { FALSE };
  g_autofree Pair *pairs = g_new (Pair, k * old_k);
  int n_pairs = 0;

  for (int p = 0; p < n; p++)
    overlap[clusters[p]][old[p]]++;
  for (int c = 0; c < k; c++)
    for (int r = 0; r < old_k; r++)
      if (overlap[c][r] > 0)
        pairs[n_pairs++] = (Pair) { overlap[c][r], c, r };
  qsort (pairs, n_pairs, sizeof *pairs, compare_pairs);

  for (int c = 0; c < k; c++)
    match[c] = -1;
  for (int i = 0; i < n_pairs; i++)
    if (match[pairs[i].cluster] < 0 && !taken[pairs[i].old])
      {
        match[pairs[i].cluster] = pairs[i].old;
        taken[pairs[i].old] = TRUE;
      }
}

/* The segments of old (NULL: none) carried over to the new clusters, by
 * rules 2 to 4. A cluster that needs a new segment gets fresh[c], made on
 * first use, so it is the same segment in every snapshot of the history. */
static Snapshot *
rebase (LensSegmentation *self,
        const Snapshot *old,
        const guint8 *clusters,
        int k,
        const int *match,
        LensSegment *fresh)
{
  gsize n = (gsize) self->rows * self->cols;
  int size[SCVAE_MAX_CLUSTERS] = { 0 };
  int old_of[SCVAE_MAX_CLUSTERS];     /* old segment each cluster joins, or -1 */
  int new_of_old[SCVAE_MAX_CLUSTERS]; /* index of an old segment in the result */
  int segment_of[SCVAE_MAX_CLUSTERS];
  Snapshot *snapshot = g_new0 (Snapshot, 1);

  for (gsize p = 0; p < n; p++)
    size[clusters[p]]++;
  for (int c = 0; c < k; c++)
    old_of[c] = -1;

  if (old != NULL)
    {
      int by_old[SCVAE_MAX_CLUSTERS][SCVAE_MAX_CLUSTERS] = { { 0 } }; /* old cluster, segment */
      int by_new[SCVAE_MAX_CLUSTERS][SCVAE_MAX_CLUSTERS] = { { 0 } }; /* new cluster, segment */
      gboolean joined[SCVAE_MAX_CLUSTERS] = { FALSE };
      int order[SCVAE_MAX_CLUSTERS];

      for (gsize p = 0; p < n; p++)
        {
          by_old[self->clusters[p]][old->labels[p]]++;
          by_new[clusters[p]][old->labels[p]]++;
        }

      for (int c = 0; c < k; c++)
        {
          int best = 0;

          if (match[c] < 0)
            continue;
          for (int s = 1; s < old->n_segments; s++)
            if (by_old[match[c]][s] > by_old[match[c]][best])
              best = s;
          old_of[c] = best;
          joined[best] = TRUE;
        }

      /* Larger clusters choose first (insertion sort: k is small). */
      for (int i = 0; i < k; i++)
        {
          int j = i;

          for (; j > 0 && size[order[j - 1]] < size[i]; j--)
            order[j] = order[j - 1];
          order[j] = i;
        }
      for (int i = 0; i < k; i++)
        {
          int c = order[i], best = -1;

          if (old_of[c] >= 0 || size[c] == 0)
            continue;
          for (int s = 0; s < old->n_segments; s++)
            if (!joined[s] && (best < 0 || by_new[c][s] > by_new[c][best]))
              best = s;
          if (best >= 0 && 2 * by_new[c][best] > size[c])
            {
              old_of[c] = best;
              joined[best] = TRUE;
            }
        }

      for (int s = 0; s < old->n_segments; s++)
        {
          new_of_old[s] = joined[s] ? snapshot->n_segments : -1;
          if (joined[s])
            snapshot_append (snapshot, &old->segments[s]);
        }
    }

  for (int c = 0; c < k; c++)
    {
      segment_of[c] = old_of[c] >= 0 ? new_of_old[old_of[c]] : -1;
      if (segment_of[c] >= 0 || size[c] == 0)
        continue;
      if (fresh[c].name == NULL)
        init_segment (self, snapshot, &fresh[c]);
      segment_of[c] = snapshot->n_segments;
      snapshot_append (snapshot, &fresh[c]);
    }

  snapshot->labels = g_new (guint8, n);
  for (gsize p = 0; p < n; p++)
    snapshot->labels[p] = segment_of[clusters[p]];
  snapshot_update_shares (snapshot, n);
  return snapshot;
}

static void
rebase_stack (LensSegmentation *self,
              GPtrArray *stack,
              const guint8 *clusters,
              int k,
              const int *match,
              LensSegment *fresh)
{
  for (guint i = 0; i < stack->len; i++)
    {
      Snapshot *old = g_ptr_array_index (stack, i);

      stack->pdata[i] = rebase (self, old, clusters, k, match, fresh);
      snapshot_free (old);
    }
}

/* Rebasing can make neighbouring steps equal (a split followed by a
 * clustering that undid it): drop those, so every undo changes something. */
static void
drop_repeats (LensSegmentation *self)
{
  int n = self->rows * self->cols;

  for (guint i = self->undo->len; i-- > 0;)
    {
      const Snapshot *next = i + 1 < self->undo->len ? g_ptr_array_index (self->undo, i + 1)
                                                     : self->current;

      if (snapshot_equal (g_ptr_array_index (self->undo, i), next, n))
        g_ptr_array_remove_index (self->undo, i);
    }
  for (guint i = self->redo->len; i-- > 0;)
    {
      const Snapshot *previous = i + 1 < self->redo->len ? g_ptr_array_index (self->redo, i + 1)
                                                         : self->current;

      if (snapshot_equal (g_ptr_array_index (self->redo, i), previous, n))
        g_ptr_array_remove_index (self->redo, i);
    }
}

void
lens_segmentation_set_labels (LensSegmentation *self,
                              const guint8 *labels,
                              int rows,
                              int cols,
                              int k)
{
  LensSegment fresh[SCVAE_MAX_CLUSTERS] = { { 0 } };
  int match[SCVAE_MAX_CLUSTERS];
  Snapshot *current;
  int n;

  g_return_if_fail (self != NULL);
  g_return_if_fail (rows >= 0 && cols >= 0);
  g_return_if_fail (k >= 1 && k <= SCVAE_MAX_CLUSTERS);
  g_return_if_fail (labels != NULL || rows * cols == 0);

  n = rows * cols;
  for (int p = 0; p < n; p++)
    g_return_if_fail (labels[p] < k);

  if (n == 0)
    {
      lens_segmentation_clear (self);
      return;
    }

  if (self->current != NULL && rows == self->rows && cols == self->cols)
    {
      /* Keep the history, moved onto the new clusters: undo right after
       * a slider move then undoes the last edit on what is on screen,
       * instead of bringing back a clustering of other codes (or
       * forgetting every edit at each slider move). */
      match_clusters (self->clusters, self->n_clusters, labels, k, n, match);
      current = rebase (self, self->current, labels, k, match, fresh);
      rebase_stack (self, self->undo, labels, k, match, fresh);
      rebase_stack (self, self->redo, labels, k, match, fresh);
      snapshot_free (self->current);
      self->current = current;
      drop_repeats (self);
    }
  else
    {
      /* Patches of another grid are other places: nothing carries over. */
      lens_segmentation_clear (self);
      self->rows = rows;
      self->cols = cols;
      for (int c = 0; c < k; c++)
        match[c] = -1;
      self->current = rebase (self, NULL, labels, k, match, fresh);
    }

  g_free (self->clusters);
  self->clusters = g_memdup2 (labels, n);
  self->n_clusters = k;
  {
    gboolean seen[SCVAE_MAX_CLUSTERS] = { FALSE };

    self->n_made = 0;
    for (int p = 0; p < n; p++)
      if (!seen[labels[p]])
        {
          seen[labels[p]] = TRUE;
          self->n_made++;
        }
  }
  for (int c = 0; c < k; c++)
    g_free (fresh[c].name);
}

int
lens_segmentation_get_n_clusters (LensSegmentation *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->current ? self->n_made : 0;
}

int
lens_segmentation_segment_at (LensSegmentation *self, int row, int col)
{
  g_return_val_if_fail (self != NULL, -1);

  if (self->current == NULL || row < 0 || col < 0 || row >= self->rows || col >= self->cols)
    return -1;
  return self->current->labels[row * self->cols + col];
}

int
lens_segmentation_get_n_segments (LensSegmentation *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->current ? self->current->n_segments : 0;
}

const LensSegment *
lens_segmentation_get_segment (LensSegmentation *self, int index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index >= 0 && index < lens_segmentation_get_n_segments (self), NULL);

  return &self->current->segments[index];
}

const guint8 *
lens_segmentation_get_labels (LensSegmentation *self, int *rows, int *cols)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (rows)
    *rows = self->rows;
  if (cols)
    *cols = self->cols;
  return self->current ? self->current->labels : NULL;
}

static gboolean
is_valid (LensSegmentation *self, int index)
{
  return self->current != NULL && index >= 0 && index < self->current->n_segments;
}

static void
push (GPtrArray *stack, Snapshot *snapshot)
{
  g_ptr_array_add (stack, snapshot);
  if (stack->len > MAX_UNDO)
    g_ptr_array_remove_index (stack, 0);
}

/* Call before changing self->current. */
static void
begin_edit (LensSegmentation *self)
{
  push (self->undo, snapshot_copy (self->current, self->rows * self->cols));
  g_ptr_array_set_size (self->redo, 0);
}

gboolean
lens_segmentation_rename (LensSegmentation *self, int index, const char *name)
{
  g_autofree char *stripped = NULL;
  LensSegment *segment;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL && g_utf8_validate (name, -1, NULL), FALSE);

  if (!is_valid (self, index))
    return FALSE;
  stripped = g_strstrip (g_strdup (name));
  if (stripped[0] == '\0')
    return FALSE;

  segment = &self->current->segments[index];
  if (g_strcmp0 (segment->name, stripped) == 0)
    return TRUE;
  begin_edit (self);
  g_free (segment->name);
  segment->name = g_steal_pointer (&stripped);
  return TRUE;
}

gboolean
lens_segmentation_recolor (LensSegmentation *self, int index, const guint8 rgb[3])
{
  LensSegment *segment;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (rgb != NULL, FALSE);

  if (!is_valid (self, index))
    return FALSE;
  segment = &self->current->segments[index];
  if (memcmp (segment->rgb, rgb, 3) == 0)
    return TRUE;
  begin_edit (self);
  memcpy (segment->rgb, rgb, 3);
  return TRUE;
}

gboolean
lens_segmentation_set_visible (LensSegmentation *self, int index, gboolean visible)
{
  LensSegment *segment;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!is_valid (self, index))
    return FALSE;
  segment = &self->current->segments[index];
  if (segment->visible == !!visible)
    return TRUE;
  begin_edit (self);
  segment->visible = !!visible;
  return TRUE;
}

gboolean
lens_segmentation_merge (LensSegmentation *self, int a, int b)
{
  Snapshot *snapshot;
  int n;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!is_valid (self, a) || !is_valid (self, b) || a == b)
    return FALSE;

  begin_edit (self);
  snapshot = self->current;
  n = self->rows * self->cols;
  for (int p = 0; p < n; p++)
    {
      int label = snapshot->labels[p] == b ? a : snapshot->labels[p];

      snapshot->labels[p] = label > b ? label - 1 : label;
    }
  g_free (snapshot->segments[b].name);
  memmove (&snapshot->segments[b], &snapshot->segments[b + 1],
           (snapshot->n_segments - b - 1) * sizeof (LensSegment));
  snapshot->n_segments--;
  snapshot_update_shares (snapshot, n);
  return TRUE;
}

LensSplit *
lens_segmentation_begin_split (LensSegmentation *self, int index)
{
  g_autoptr(LensSplit) split = NULL;
  int n;

  g_return_val_if_fail (self != NULL, NULL);

  if (!is_valid (self, index) || self->current->n_segments >= SCVAE_MAX_CLUSTERS)
    return NULL;
  n = self->rows * self->cols;
  split = g_new0 (LensSplit, 1);
  split->index = index;
  split->keep = -1;
  split->patches = g_new (int, n);
  for (int p = 0; p < n; p++)
    if (self->current->labels[p] == index)
      split->patches[split->n_patches++] = p;
  return split->n_patches < 2 ? NULL : g_steal_pointer (&split);
}

gboolean
lens_segmentation_finish_split (LensSegmentation *self, const LensSplit *split)
{
  Snapshot *snapshot;
  LensSegment *segment;
  int n, seen = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (split != NULL, FALSE);

  if (!lens_split_divides (split) || !is_valid (self, split->index)
      || self->current->n_segments >= SCVAE_MAX_CLUSTERS)
    return FALSE;
  /* The segment must hold the same patches as when the split began. */
  n = self->rows * self->cols;
  for (int p = 0; p < n; p++)
    if (self->current->labels[p] == split->index && (seen == split->n_patches || split->patches[seen++] != p))
      return FALSE;
  if (seen != split->n_patches)
    return FALSE;

  begin_edit (self);
  snapshot = self->current;
  segment = &snapshot->segments[snapshot->n_segments];
  init_segment (self, snapshot, segment);
  segment->visible = snapshot->segments[split->index].visible;
  for (int i = 0; i < split->n_patches; i++)
    if (split->parts[i] != split->keep)
      snapshot->labels[split->patches[i]] = snapshot->n_segments;
  snapshot->n_segments++;
  snapshot_update_shares (snapshot, n);
  return TRUE;
}

gboolean
lens_segmentation_can_undo (LensSegmentation *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->undo->len > 0;
}

gboolean
lens_segmentation_undo (LensSegmentation *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->undo->len == 0)
    return FALSE;
  push (self->redo, self->current);
  self->current = g_ptr_array_steal_index (self->undo, self->undo->len - 1);
  return TRUE;
}

gboolean
lens_segmentation_can_redo (LensSegmentation *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->redo->len > 0;
}

gboolean
lens_segmentation_redo (LensSegmentation *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->redo->len == 0)
    return FALSE;
  push (self->undo, self->current);
  self->current = g_ptr_array_steal_index (self->redo, self->redo->len - 1);
  return TRUE;
}
