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
  ScvaeKMeansOptions options = { .k = 2, .n_restarts = 4, .max_iterations = 100, .seed = seed };
  /* A large segment is clustered on a regular sample of its patches (as
   * the segmentation's own k-means does), then every patch takes the
   * nearer centre, read in place: no copy of all its features. */
  int stride = (split->n_patches + LENS_SPLIT_MAX_SAMPLE - 1) / LENS_SPLIT_MAX_SAMPLE;
  int n_sample = (split->n_patches + stride - 1) / stride;
  g_autofree float *rows = NULL;
  g_autofree guint8 *sample_parts = NULL;
  float centroids[2 * 1024], *centres = NULL;
  g_autofree float *big_centres = NULL;
  int counts[2] = { 0, 0 };

  g_return_val_if_fail (split != NULL, FALSE);
  g_return_val_if_fail (features != NULL, FALSE);
  g_return_val_if_fail (dim >= 1, FALSE);

  centres = dim <= 1024 ? centroids : (big_centres = g_new (float, 2 * (gsize) dim));
  rows = g_new (float, (gsize) n_sample * dim);
  for (int i = 0; i < n_sample; i++)
    memcpy (rows + (gsize) i * dim, features + (gsize) split->patches[i * stride] * dim, dim * sizeof (float));
  split->keep = -1;
  split->parts = g_renew (guint8, split->parts, split->n_patches);
  sample_parts = g_new (guint8, n_sample);
  if (!scvae_kmeans (rows, n_sample, dim, &options, sample_parts, centres, NULL, cancellable, error))
    return FALSE;
  for (int i = 0; i < split->n_patches; i++)
    {
      const float *x = features + (gsize) split->patches[i] * dim;
      double d[2] = { 0.0, 0.0 };

      if (stride == 1)
        {
          split->parts[i] = sample_parts[i];
          counts[split->parts[i]]++;
          continue;
        }
      for (int c = 0; c < 2; c++)
        for (int j = 0; j < dim; j++)
          {
            double diff = x[j] - centres[c * dim + j];

            d[c] += diff * diff;
          }
      split->parts[i] = d[1] < d[0];
      counts[split->parts[i]]++;
    }
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
