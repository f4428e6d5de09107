/* lens-segment-split.c: dividing a segment's patches in two
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The middle step of a split (see lens-segmentation.h): k-means, which
 * runs on the engine's thread, away from the segmentation itself.
 */

#include "lens-segmentation.h"

#include <string.h>

void
lens_split_free (LensSplit *split)
{
  if (split == NULL)
    return;
  g_free (split->patches);
  g_free (split->parts);
  g_free (split);
}

gboolean
lens_split_divide (LensSplit *split,
                   const float *features,
                   int dim,
                   guint64 seed,
                   GCancellable *cancellable,
                   GError **error)
{
  /* Like the segmentation's own k-means: a large segment is clustered on
   * a regular sample of its patches, then every patch takes the nearer
   * centre. */
  ScvaeKMeansOptions options = {
    .k = 2, .n_restarts = 4, .max_iterations = 100, .seed = seed, .max_rows = LENS_SPLIT_MAX_SAMPLE,
  };
  g_autofree float *rows = NULL;
  int counts[2] = { 0, 0 };

  g_return_val_if_fail (split != NULL, FALSE);
  g_return_val_if_fail (features != NULL, FALSE);
  g_return_val_if_fail (dim >= 1, FALSE);

  rows = g_new (float, (gsize) split->n_patches * dim);
  for (int i = 0; i < split->n_patches; i++)
    memcpy (rows + (gsize) i * dim, features + (gsize) split->patches[i] * dim, dim * sizeof (float));
  split->keep = -1;
  split->parts = g_renew (guint8, split->parts, split->n_patches);
  if (!scvae_kmeans (rows, split->n_patches, dim, &options, split->parts, NULL, NULL, cancellable, error))
    return FALSE;
  for (int i = 0; i < split->n_patches; i++)
    counts[split->parts[i]]++;
  /* Identical features leave one part empty: nothing to split along. */
  if (counts[0] > 0 && counts[1] > 0)
    split->keep = counts[0] >= counts[1] ? 0 : 1;
  return TRUE;
}

gboolean
lens_split_divides (const LensSplit *split)
{
  return split->keep >= 0;
}
