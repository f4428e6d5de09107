/* survey.c: per-atom statistics over a whole collection, streamed
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A collection's codes never exist at once: each image's codes are added
 * and forgotten. What stays is per atom (how often and how strongly it
 * fires, through ScvaeCodeStats; a histogram of |z|; its N strongest
 * patches in a min-heap) and per pair of atoms (how often they fire
 * together), so memory is bounded by K² counts plus K·N patches, whatever
 * the number of images.
 */

#include "scvae.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct _ScvaeSurvey {
  int K;
  int top_n;
  ScvaeCodeStats *stats;
  guint64 *histogram;     /* K x SCVAE_SURVEY_BINS */
  ScvaeSurveyPatch *top;  /* K x top_n, each a min-heap on |value| */
  int *top_len;           /* K */
  guint32 *together;      /* K x K, upper triangle: patches where both fire */
  int *active;            /* K: one patch's active atoms */
  GPtrArray *images;      /* ScvaeSurveyImage, as scvae_survey_add_image numbers them */
  GPtrArray *skipped;     /* messages */
};

void
scvae_survey_image_free (ScvaeSurveyImage *image)
{
  if (image == NULL)
    return;
  g_free (image->path);
  g_free (image);
}

ScvaeSurvey *
scvae_survey_new (int atoms, int top_n)
{
  ScvaeSurvey *survey = g_new0 (ScvaeSurvey, 1);

  survey->K = atoms;
  survey->top_n = top_n;
  survey->stats = scvae_code_stats_new (atoms);
  survey->histogram = g_new0 (guint64, (gsize) atoms * SCVAE_SURVEY_BINS);
  survey->top = g_new0 (ScvaeSurveyPatch, (gsize) atoms * MAX (top_n, 1));
  survey->top_len = g_new0 (int, atoms);
  survey->together = g_new0 (guint32, (gsize) atoms * atoms);
  survey->active = g_new (int, atoms);
  survey->images = g_ptr_array_new_with_free_func ((GDestroyNotify) scvae_survey_image_free);
  survey->skipped = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (survey->skipped, NULL);
  return survey;
}

void
scvae_survey_free (ScvaeSurvey *survey)
{
  if (survey == NULL)
    return;
  scvae_code_stats_free (survey->stats);
  g_free (survey->histogram);
  g_free (survey->top);
  g_free (survey->top_len);
  g_free (survey->together);
  g_free (survey->active);
  g_ptr_array_unref (survey->images);
  g_ptr_array_unref (survey->skipped);
  g_free (survey);
}

double
scvae_survey_bin_edge (int i)
{
  /* 0, then a quarter of a decade a bin from 10^-3 to 10^2 */
  return i == 0 ? 0.0 : pow (10.0, -3.0 + (i - 1) / 4.0);
}

static int
bin_of (float magnitude)
{
  int i;

  if (magnitude < 1e-3f)
    return 0;
  i = 1 + (int) floor (4.0 * (log10 (magnitude) + 3.0));
  return CLAMP (i, 1, SCVAE_SURVEY_BINS - 1);
}

/* Which of two patches ranks lower: the smaller |value|, and at equal
 * magnitude the later one, so the survey keeps the first it met. */
static gboolean
ranks_below (const ScvaeSurveyPatch *a, const ScvaeSurveyPatch *b)
{
  float x = fabsf (a->value), y = fabsf (b->value);

  if (x != y)
    return x < y;
  if (a->image != b->image)
    return a->image > b->image;
  if (a->row != b->row)
    return a->row > b->row;
  return a->col > b->col;
}

static void
sift_down (ScvaeSurveyPatch *heap, int n, int i)
{
  for (;;)
    {
      int lowest = i, l = 2 * i + 1, r = 2 * i + 2;
      ScvaeSurveyPatch t;

      if (l < n && ranks_below (&heap[l], &heap[lowest]))
        lowest = l;
      if (r < n && ranks_below (&heap[r], &heap[lowest]))
        lowest = r;
      if (lowest == i)
        return;
      t = heap[i], heap[i] = heap[lowest], heap[lowest] = t;
      i = lowest;
    }
}

static void
sift_up (ScvaeSurveyPatch *heap, int i)
{
  while (i > 0 && ranks_below (&heap[i], &heap[(i - 1) / 2]))
    {
      ScvaeSurveyPatch t = heap[i];

      heap[i] = heap[(i - 1) / 2], heap[(i - 1) / 2] = t;
      i = (i - 1) / 2;
    }
}

static void
offer_top (ScvaeSurvey *survey, int k, const ScvaeSurveyPatch *patch)
{
  ScvaeSurveyPatch *heap = survey->top + (gsize) k * survey->top_n;
  int *n = &survey->top_len[k];

  if (survey->top_n == 0)
    return;
  if (*n < survey->top_n)
    {
      heap[*n] = *patch;
      sift_up (heap, (*n)++);
    }
  else if (ranks_below (&heap[0], patch))
    {
      heap[0] = *patch;
      sift_down (heap, *n, 0);
    }
}

void
scvae_survey_add (ScvaeSurvey *survey, int image, const float *codes, int rows, int cols)
{
  int K = survey->K;

  scvae_code_stats_add (survey->stats, codes, (gsize) rows * cols);
  for (int p = 0; p < rows * cols; p++)
    {
      const float *z = codes + (gsize) p * K;
      int n = 0;

      for (int k = 0; k < K; k++)
        if (z[k] != 0.f)
          {
            ScvaeSurveyPatch patch = { image, p / cols, p % cols, z[k] };

            survey->active[n++] = k;
            survey->histogram[(gsize) k * SCVAE_SURVEY_BINS + bin_of (fabsf (z[k]))]++;
            offer_top (survey, k, &patch);
          }
      for (int i = 0; i < n; i++)
        {
          guint32 *row = survey->together + (gsize) survey->active[i] * K;

          for (int j = i + 1; j < n; j++)
            row[survey->active[j]]++;
        }
    }
}

ScvaeCodeStats *
scvae_survey_get_code_stats (ScvaeSurvey *survey)
{
  return survey->stats;
}

const guint64 *
scvae_survey_get_histogram (ScvaeSurvey *survey, int atom)
{
  return survey->histogram + (gsize) atom * SCVAE_SURVEY_BINS;
}

static int
compare_top (const void *a, const void *b)
{
  const ScvaeSurveyPatch *x = a, *y = b;

  return ranks_below (y, x) ? -1 : ranks_below (x, y) ? 1 : 0;
}

int
scvae_survey_get_top (ScvaeSurvey *survey, int atom, ScvaeSurveyPatch *top)
{
  int n = survey->top_len[atom];

  memcpy (top, survey->top + (gsize) atom * survey->top_n, n * sizeof *top);
  qsort (top, n, sizeof *top, compare_top);
  return n;
}

guint64
scvae_survey_get_together (ScvaeSurvey *survey, int a, int b)
{
  if (a == b)
    return 0;
  return survey->together[(gsize) MIN (a, b) * survey->K + MAX (a, b)];
}

void
scvae_survey_add_image (ScvaeSurvey *survey, const char *path, int width, int height, const float *codes, int rows,
                        int cols)
{
  ScvaeSurveyImage *image = g_new (ScvaeSurveyImage, 1);

  *image = (ScvaeSurveyImage) { g_strdup (path), width, height, rows, cols };
  scvae_survey_add (survey, (int) survey->images->len, codes, rows, cols);
  g_ptr_array_add (survey->images, image);
}

guint
scvae_survey_get_n_images (ScvaeSurvey *survey)
{
  return survey->images->len;
}

const ScvaeSurveyImage *
scvae_survey_get_image (ScvaeSurvey *survey, guint i)
{
  g_return_val_if_fail (i < survey->images->len, NULL);
  return survey->images->pdata[i];
}

void
scvae_survey_add_skipped (ScvaeSurvey *survey, const char *message)
{
  /* Kept NULL-terminated */
  survey->skipped->pdata[survey->skipped->len - 1] = g_strdup (message);
  g_ptr_array_add (survey->skipped, NULL);
}

const char * const *
scvae_survey_get_skipped (ScvaeSurvey *survey, guint *n)
{
  *n = survey->skipped->len - 1;
  return (const char * const *) survey->skipped->pdata;
}

int
scvae_survey_get_top_n (ScvaeSurvey *survey)
{
  return survey->top_n;
}
