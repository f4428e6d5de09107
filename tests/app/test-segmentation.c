/* test-segmentation.c: segments across re-clustering, edits, undo and redo
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Grids are written as text, one character per patch, so a failing
 * comparison prints the two segmentations side by side.
 */

#include <math.h>
#include <string.h>

#include "lens-segmentation.h"

#define ROWS 4
#define COLS 6
#define N (ROWS * COLS)

/* Sizes 6, 9, 6, 3. */
static const char *base =
  "000111"
  "000111"
  "222111"
  "222333";

static void
parse (const char *text, guint8 *labels)
{
  g_assert_cmpint (strlen (text), ==, N);
  for (int p = 0; p < N; p++)
    labels[p] = g_ascii_digit_value (text[p]);
}

/* All three steps of a split at once, as the window runs them. */
static gboolean
split_segment (LensSegmentation *seg, int index, const float *features, int dim, guint64 seed)
{
  g_autoptr(LensSplit) split = lens_segmentation_begin_split (seg, index);
  g_autoptr(GError) error = NULL;

  if (split == NULL)
    return FALSE;
  g_assert_true (lens_split_divide (split, features, dim, seed, NULL, &error));
  g_assert_no_error (error);
  return lens_segmentation_finish_split (seg, split);
}

static void
set (LensSegmentation *seg, const char *text, int k)
{
  guint8 labels[N];

  parse (text, labels);
  lens_segmentation_set_labels (seg, labels, ROWS, COLS, k);
}

/* Every segment, then the labels: the whole visible state. */
static char *
describe (LensSegmentation *seg)
{
  GString *s = g_string_new (NULL);
  int rows, cols;
  const guint8 *labels = lens_segmentation_get_labels (seg, &rows, &cols);

  for (int i = 0; i < lens_segmentation_get_n_segments (seg); i++)
    {
      const LensSegment *segment = lens_segmentation_get_segment (seg, i);

      g_string_append_printf (s, "%s #%02x%02x%02x %s %.4f\n", segment->name,
                              segment->rgb[0], segment->rgb[1], segment->rgb[2],
                              segment->visible ? "shown" : "hidden", segment->share);
    }
  for (int r = 0; labels != NULL && r < rows; r++)
    {
      for (int c = 0; c < cols; c++)
        g_string_append_c (s, "0123456789abcdefghijklmnopqrstuv"[labels[r * cols + c]]);
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

/* Asserts the whole visible state: describe (seg) is expected. */
static void
assert_state (LensSegmentation *seg, const char *expected)
{
  g_autofree char *now = describe (seg);

  g_assert_cmpstr (now, ==, expected);
}

static void
assert_consistent (LensSegmentation *seg)
{
  int rows, cols, n_segments = lens_segmentation_get_n_segments (seg);
  const guint8 *labels = lens_segmentation_get_labels (seg, &rows, &cols);
  int counts[SCVAE_MAX_CLUSTERS] = { 0 };
  double sum = 0.0;

  if (n_segments == 0)
    return;
  g_assert_nonnull (labels);
  for (int p = 0; p < rows * cols; p++)
    {
      g_assert_cmpint (labels[p], <, n_segments);
      counts[labels[p]]++;
    }
  for (int i = 0; i < n_segments; i++)
    {
      const LensSegment *segment = lens_segmentation_get_segment (seg, i);

      g_assert_cmpint (counts[i], >, 0);
      g_assert_cmpfloat_with_epsilon (segment->share, (double) counts[i] / (rows * cols), 1e-12);
      sum += segment->share;
    }
  g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-12);
}

static const char *
name_of (LensSegmentation *seg, int index)
{
  return lens_segmentation_get_segment (seg, index)->name;
}

static void
test_first_labels (void)
{
  g_autoptr(LensSegmentation) seg = lens_segmentation_new ();
  int rows, cols;
  const guint8 *labels;

  g_assert_cmpint (lens_segmentation_get_n_segments (seg), ==, 0);
  g_assert_null (lens_segmentation_get_labels (seg, NULL, NULL));

  set (seg, base, 4);
  g_assert_cmpint (lens_segmentation_get_n_segments (seg), ==, 4);
  for (int i = 0; i < 4; i++)
    {
      const LensSegment *segment = lens_segmentation_get_segment (seg, i);
      g_autofree char *name = g_strdup_printf ("Segment %d", i + 1);
      guint8 rgb[3];

      scvae_cluster_color (i, rgb);
      g_assert_cmpstr (segment->name, ==, name);
      g_assert_cmpmem (segment->rgb, 3, rgb, 3);
      g_assert_true (segment->visible);
    }
  g_assert_cmpfloat (lens_segmentation_get_segment (seg, 1)->share, ==, 9.0 / N);
  labels = lens_segmentation_get_labels (seg, &rows, &cols);
  g_assert_cmpint (rows, ==, ROWS);
  g_assert_cmpint (cols, ==, COLS);
  for (int p = 0; p < N; p++)
    g_assert_cmpint (labels[p], ==, g_ascii_digit_value (base[p]));
  assert_consistent (seg);
  g_assert_false (lens_segmentation_can_undo (seg));
}

/* k-means numbers its clusters differently at each run. */
static void
test_permuted (void)
{
  g_autoptr(LensSegmentation) seg = lens_segmentation_new ();
  const guint8 ochre[3] = { 200, 150, 40 };
  g_autofree char *before = NULL;

  set (seg, base, 4);
  g_assert_true (lens_segmentation_rename (seg, 1, "Sky"));
  g_assert_true (lens_segmentation_recolor (seg, 2, ochre));
  g_assert_true (lens_segmentation_set_visible (seg, 0, FALSE));
  before = describe (seg);

  /* 0 -> 2, 1 -> 0, 2 -> 3, 3 -> 1 */
  set (seg, "222000"
            "222000"
            "333000"
            "333111", 4);
  assert_state (seg, before);
  assert_consistent (seg);

  /* A slightly different clustering, numbered differently again. */
  set (seg, "111000"
            "111000"
            "112000"
            "222333", 4);
  g_assert_cmpint (lens_segmentation_get_n_segments (seg), ==, 4);
  g_assert_cmpstr (name_of (seg, 0), ==, "Segment 1");
  g_assert_cmpstr (name_of (seg, 1), ==, "Sky");
  g_assert_cmpmem (lens_segmentation_get_segment (seg, 2)->rgb, 3, ochre, 3);
  g_assert_false (lens_segmentation_get_segment (seg, 0)->visible);
  /* The patch that moved went with its new cluster. */
  g_assert_cmpint (lens_segmentation_get_labels (seg, NULL, NULL)[12], ==, 0);
  assert_consistent (seg);
}

static void
test_merge_kept (void)
{
  g_autoptr(LensSegmentation) seg = lens_segmentation_new ();
  g_autofree char *merged = NULL;

  set (seg, base, 4);
  g_assert_true (lens_segmentation_merge (seg, 0, 2));
  g_assert_cmpint (lens_segmentation_get_n_segments (seg), ==, 3);
  g_assert_cmpstr (name_of (seg, 0), ==, "Segment 1");
  g_assert_cmpstr (name_of (seg, 1), ==, "Segment 2");
  g_assert_cmpstr (name_of (seg, 2), ==, "Segment 4");
  g_assert_cmpfloat (lens_segmentation_get_segment (seg, 0)->share, ==, 12.0 / N);
  merged = describe (seg);
  g_assert_cmpstr (merged, ==,
                   "Segment 1 #4e79a7 shown 0.5000\n"
                   "Segment 2 #f28e2b shown 0.3750\n"
                   "Segment 4 #76b7b2 shown 0.1250\n"
                   "000111\n"
                   "000111\n"
                   "000111\n"
                   "000222\n");

  /* The two merged clusters come back apart, numbered differently. */
  set (seg, "333000"
            "333000"
            "111000"
            "111222", 4);
  assert_state (seg, merged);
  assert_consistent (seg);
}

/* A larger k cuts a cluster in two: one piece is a new segment. */
static void
test_k_changes (void)
{
  g_autoptr(LensSegmentation) seg = lens_segmentation_new ();
  guint8 rgb[3];

  set (seg, base, 4);
  g_assert_true (lens_segmentation_rename (seg, 3, "Sea"));
  set (seg, "000444"
            "000444"
            "222111"
            "222333", 5);
  g_assert_cmpint (lens_segmentation_get_n_segments (seg), ==, 5);
  g_assert_cmpstr (name_of (seg, 0), ==, "Segment 1");
  g_assert_cmpstr (name_of (seg, 1), ==, "Segment 2");
  g_assert_cmpstr (name_of (seg, 2), ==, "Segment 3");
  g_assert_cmpstr (name_of (seg, 3), ==, "Sea");
  g_assert_cmpstr (name_of (seg, 4), ==, "Segment 5");
  scvae_cluster_color (4, rgb);
  g_assert_cmpmem (lens_segmentation_get_segment (seg, 4)->rgb, 3, rgb, 3);
  /* The larger piece kept the segment. */
  g_assert_cmpfloat (lens_segmentation_get_segment (seg, 1)->share, ==, 6.0 / N);
  g_assert_cmpint (lens_segmentation_get_labels (seg, NULL, NULL)[15], ==, 4);
  assert_consistent (seg);

  /* A smaller k: "Sea" disappears into segment 3 (cluster 3 is empty). */
  set (seg, "000111"
            "000111"
            "222111"
            "222222", 4);
  g_assert_cmpint (lens_segmentation_get_n_segments (seg), ==, 3);
  g_assert_cmpstr (name_of (seg, 2), ==, "Segment 3");
  assert_consistent (seg);

  /* Names are never reused. */
  set (seg, base, 4);
  g_assert_cmpint (lens_segmentation_get_n_segments (seg), ==, 4);
  g_assert_cmpstr (name_of (seg, 3), ==, "Segment 6");
}

/* Row 3 of cluster 1 stands out. */
static void
split_features (float *features)
{
  for (int p = 0; p < N; p++)
    features[p] = (p / COLS == 2 && p % COLS >= 3) ? 5.f : 0.f;
}

static void
test_split_and_recluster (void)
{
  g_autoptr(LensSegmentation) seg = lens_segmentation_new ();
  g_autofree char *split = NULL;
  float features[N];

  split_features (features);
  set (seg, base, 4);
  g_assert_true (split_segment (seg, 1, features, 1, 7));
  split = describe (seg);
  g_assert_cmpstr (split, ==,
                   "Segment 1 #4e79a7 shown 0.2500\n"
                   "Segment 2 #f28e2b shown 0.2500\n"
                   "Segment 3 #e15759 shown 0.2500\n"
                   "Segment 4 #76b7b2 shown 0.1250\n"
                   "Segment 5 #59a14f shown 0.1250\n"
                   "000111\n"
                   "000111\n"
                   "222444\n"
                   "222333\n");

  /* k-means finds the split-off part too: it keeps its name. */
  set (seg, "111000"
            "111000"
            "333222"
            "333444", 5);
  assert_state (seg, split);

  /* It does not: the part goes back, and the split is no longer undoable
   * (undoing it would change nothing). */
  set (seg, base, 4);
  g_assert_cmpint (lens_segmentation_get_n_segments (seg), ==, 4);
  g_assert_cmpfloat (lens_segmentation_get_segment (seg, 1)->share, ==, 9.0 / N);
  g_assert_false (lens_segmentation_can_undo (seg));
  assert_consistent (seg);
}

/* Two clearly separated blobs in feature space, 16 and 8 patches. */
static void
test_split_blobs (void)
{
  g_autoptr(LensSegmentation) seg = lens_segmentation_new ();
  g_autoptr(LensSegmentation) again = lens_segmentation_new ();
  g_autofree char *first = NULL, *second = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  guint8 zeros[N] = { 0 };
  float features[N * 3];
  const guint8 *labels;
  guint8 rgb[3];

  for (int p = 0; p < N; p++)
    {
      gboolean right = p % COLS >= 4;

      features[p * 3 + 0] = (right ? 10.f : 0.f) + g_rand_double_range (rand, -0.5, 0.5);
      features[p * 3 + 1] = (right ? -10.f : 0.f) + g_rand_double_range (rand, -0.5, 0.5);
      features[p * 3 + 2] = g_rand_double_range (rand, -0.5, 0.5);
    }

  lens_segmentation_set_labels (seg, zeros, ROWS, COLS, 1);
  g_assert_true (lens_segmentation_set_visible (seg, 0, FALSE));
  g_assert_true (split_segment (seg, 0, features, 3, 11));
  g_assert_cmpint (lens_segmentation_get_n_segments (seg), ==, 2);
  labels = lens_segmentation_get_labels (seg, NULL, NULL);
  for (int p = 0; p < N; p++)
    g_assert_cmpint (labels[p], ==, p % COLS >= 4 ? 1 : 0);
  g_assert_cmpstr (name_of (seg, 0), ==, "Segment 1");
  g_assert_cmpstr (name_of (seg, 1), ==, "Segment 2");
  scvae_cluster_color (1, rgb);
  g_assert_cmpmem (lens_segmentation_get_segment (seg, 1)->rgb, 3, rgb, 3);
  /* A part of a hidden segment stays hidden. */
  g_assert_false (lens_segmentation_get_segment (seg, 1)->visible);
  g_assert_cmpfloat (lens_segmentation_get_segment (seg, 0)->share, ==, 16.0 / N);
  assert_consistent (seg);

  /* Deterministic for a seed. */
  lens_segmentation_set_labels (again, zeros, ROWS, COLS, 1);
  g_assert_true (lens_segmentation_set_visible (again, 0, FALSE));
  g_assert_true (split_segment (again, 0, features, 3, 11));
  first = describe (seg);
  second = describe (again);
  g_assert_cmpstr (first, ==, second);
}

static void
test_split_refused (void)
{
  g_autoptr(LensSegmentation) seg = lens_segmentation_new ();
  g_autofree char *before = NULL;
  g_autofree guint8 *many = g_new (guint8, 8 * 8);
  g_autofree float *many_features = g_new0 (float, 8 * 8);
  float features[N], flat[N] = { 0 };

  for (int p = 0; p < N; p++)
    features[p] = p;
  set (seg, "000000"
            "000000"
            "000000"
            "000001", 2);
  before = describe (seg);
  /* One patch. */
  g_assert_false (split_segment (seg, 1, features, 1, 1));
  /* Nothing to tell the patches apart. */
  g_assert_false (split_segment (seg, 0, flat, 1, 1));
  assert_state (seg, before);
  g_assert_false (lens_segmentation_can_undo (seg));

  /* No room for another segment. */
  for (int p = 0; p < 8 * 8; p++)
    {
      many[p] = p / 2;
      many_features[p] = p;
    }
  lens_segmentation_set_labels (seg, many, 8, 8, SCVAE_MAX_CLUSTERS);
  g_assert_cmpint (lens_segmentation_get_n_segments (seg), ==, SCVAE_MAX_CLUSTERS);
  g_assert_false (split_segment (seg, 0, many_features, 1, 1));
  g_assert_true (lens_segmentation_merge (seg, 0, 1));
  g_assert_true (split_segment (seg, 0, many_features, 1, 1));
  g_assert_cmpint (lens_segmentation_get_n_segments (seg), ==, SCVAE_MAX_CLUSTERS);
  assert_consistent (seg);
}

/* The k-means of a split runs on the engine thread; if the segments were
 * clustered again meanwhile, the division no longer fits and is dropped. */
static void
test_split_outdated (void)
{
  g_autoptr(LensSegmentation) seg = lens_segmentation_new ();
  g_autoptr(LensSplit) split = NULL;
  g_autofree char *before = NULL;
  float features[N];

  split_features (features);
  set (seg, base, 4);
  split = lens_segmentation_begin_split (seg, 1);
  g_assert_nonnull (split);
  g_assert_true (lens_split_divide (split, features, 1, 7, NULL, NULL));
  g_assert_true (lens_split_divides (split));
  set (seg, "000011"
            "000111"
            "222111"
            "222333", 4);
  before = describe (seg);
  g_assert_false (lens_segmentation_finish_split (seg, split));
  assert_state (seg, before);
  g_assert_false (lens_segmentation_can_undo (seg));
}

static void
test_undo_redo (void)
{
  g_autoptr(LensSegmentation) seg = lens_segmentation_new ();
  const guint8 teal[3] = { 0, 128, 128 };
  char *states[7];
  float features[N];
  int n_states = 0;

  split_features (features);
  set (seg, base, 4);
  states[n_states++] = describe (seg);
  g_assert_true (lens_segmentation_rename (seg, 0, "Trees"));
  states[n_states++] = describe (seg);
  g_assert_true (lens_segmentation_recolor (seg, 3, teal));
  states[n_states++] = describe (seg);
  g_assert_true (lens_segmentation_set_visible (seg, 2, FALSE));
  states[n_states++] = describe (seg);
  g_assert_true (split_segment (seg, 1, features, 1, 7));
  states[n_states++] = describe (seg);
  g_assert_true (lens_segmentation_merge (seg, 4, 0));
  states[n_states++] = describe (seg);
  g_assert_true (lens_segmentation_merge (seg, 1, 2));
  states[n_states++] = describe (seg);

  g_assert_false (lens_segmentation_can_redo (seg));
  for (int i = n_states - 2; i >= 0; i--)
    {
      g_assert_true (lens_segmentation_can_undo (seg));
      g_assert_true (lens_segmentation_undo (seg));
      assert_state (seg, states[i]);
      assert_consistent (seg);
    }
  g_assert_false (lens_segmentation_can_undo (seg));
  g_assert_false (lens_segmentation_undo (seg));

  for (int i = 1; i < n_states; i++)
    {
      g_assert_true (lens_segmentation_can_redo (seg));
      g_assert_true (lens_segmentation_redo (seg));
      assert_state (seg, states[i]);
    }
  g_assert_false (lens_segmentation_can_redo (seg));
  g_assert_false (lens_segmentation_redo (seg));

  /* A new edit drops what could be redone. */
  g_assert_true (lens_segmentation_undo (seg));
  g_assert_true (lens_segmentation_undo (seg));
  g_assert_true (lens_segmentation_can_redo (seg));
  g_assert_true (lens_segmentation_rename (seg, 0, "Field"));
  g_assert_false (lens_segmentation_can_redo (seg));
  g_assert_true (lens_segmentation_undo (seg));
  assert_state (seg, states[n_states - 3]);

  for (int i = 0; i < n_states; i++)
    g_free (states[i]);
}

static void
test_undo_limit (void)
{
  g_autoptr(LensSegmentation) seg = lens_segmentation_new ();
  int n_undo = 0;

  set (seg, base, 4);
  for (int i = 0; i < 150; i++)
    {
      g_autofree char *name = g_strdup_printf ("Name %d", i);
      g_assert_true (lens_segmentation_rename (seg, 0, name));
    }
  while (lens_segmentation_undo (seg))
    n_undo++;
  g_assert_cmpint (n_undo, ==, 100);
  g_assert_cmpstr (name_of (seg, 0), ==, "Name 49");
}

/* An edit that changes nothing succeeds without an undo step. */
static void
test_no_op_edits (void)
{
  g_autoptr(LensSegmentation) seg = lens_segmentation_new ();
  guint8 rgb[3];

  set (seg, base, 4);
  scvae_cluster_color (0, rgb);
  g_assert_true (lens_segmentation_rename (seg, 0, "Segment 1"));
  g_assert_true (lens_segmentation_recolor (seg, 0, rgb));
  g_assert_true (lens_segmentation_set_visible (seg, 0, TRUE));
  g_assert_false (lens_segmentation_can_undo (seg));

  g_assert_true (lens_segmentation_rename (seg, 0, "  Sky\t"));
  g_assert_cmpstr (name_of (seg, 0), ==, "Sky");
  g_assert_true (lens_segmentation_rename (seg, 0, "Sky "));
  g_assert_true (lens_segmentation_undo (seg));
  g_assert_false (lens_segmentation_can_undo (seg));
}

static void
test_bad_index (void)
{
  g_autoptr(LensSegmentation) seg = lens_segmentation_new ();
  const guint8 rgb[3] = { 1, 2, 3 };
  float features[N] = { 0 };
  g_autofree char *before = NULL;

  /* No segments at all. */
  g_assert_false (lens_segmentation_rename (seg, 0, "A"));
  g_assert_false (lens_segmentation_recolor (seg, 0, rgb));
  g_assert_false (lens_segmentation_set_visible (seg, 0, FALSE));
  g_assert_false (lens_segmentation_merge (seg, 0, 1));
  g_assert_false (split_segment (seg, 0, features, 1, 1));

  set (seg, base, 4);
  before = describe (seg);
  for (int i = 0; i < 2; i++)
    {
      int bad = i == 0 ? -1 : 4;

      g_assert_false (lens_segmentation_rename (seg, bad, "A"));
      g_assert_false (lens_segmentation_recolor (seg, bad, rgb));
      g_assert_false (lens_segmentation_set_visible (seg, bad, FALSE));
      g_assert_false (lens_segmentation_merge (seg, bad, 0));
      g_assert_false (lens_segmentation_merge (seg, 0, bad));
      g_assert_false (split_segment (seg, bad, features, 1, 1));
    }
  g_assert_false (lens_segmentation_merge (seg, 2, 2));
  g_assert_false (lens_segmentation_rename (seg, 0, ""));
  g_assert_false (lens_segmentation_rename (seg, 0, " \n"));
  assert_state (seg, before);
  g_assert_false (lens_segmentation_can_undo (seg));
}

/* set_labels is not an edit, but undo still works after it. */
static void
test_history_across_labels (void)
{
  g_autoptr(LensSegmentation) seg = lens_segmentation_new ();
  g_autofree char *unmerged = NULL, *merged = NULL;

  set (seg, base, 4);
  unmerged = describe (seg);
  g_assert_true (lens_segmentation_merge (seg, 0, 1));
  merged = describe (seg);

  /* A slider moved: the same regions, numbered differently. */
  set (seg, "111222"
            "111222"
            "333222"
            "333000", 4);
  assert_state (seg, merged);
  g_assert_true (lens_segmentation_undo (seg));
  assert_state (seg, unmerged);

  /* The history follows the new regions, not the old ones. */
  set (seg, "000011"
            "000111"
            "222111"
            "222333", 4);
  g_assert_cmpint (lens_segmentation_get_n_segments (seg), ==, 4);
  g_assert_true (lens_segmentation_redo (seg));
  assert_state (seg,
                "Segment 1 #4e79a7 shown 0.6250\n"
                "Segment 3 #e15759 shown 0.2500\n"
                "Segment 4 #76b7b2 shown 0.1250\n"
                "000000\n"
                "000000\n"
                "111000\n"
                "111222\n");
  assert_consistent (seg);

  /* Another grid size: nothing carries over. */
  {
    guint8 other[3 * 8] = { 0 };

    lens_segmentation_set_labels (seg, other, 3, 8, 2);
  }
  g_assert_false (lens_segmentation_can_undo (seg));
  g_assert_false (lens_segmentation_can_redo (seg));
  g_assert_cmpint (lens_segmentation_get_n_segments (seg), ==, 1);
  /* A fresh set, numbered from 1 again. */
  g_assert_cmpstr (name_of (seg, 0), ==, "Segment 1");
}

static void
test_clear (void)
{
  g_autoptr(LensSegmentation) seg = lens_segmentation_new ();
  int rows = -1, cols = -1;

  set (seg, base, 4);
  g_assert_true (lens_segmentation_merge (seg, 0, 1));
  lens_segmentation_clear (seg);
  g_assert_cmpint (lens_segmentation_get_n_segments (seg), ==, 0);
  g_assert_null (lens_segmentation_get_labels (seg, &rows, &cols));
  g_assert_cmpint (rows * cols, ==, 0);
  g_assert_false (lens_segmentation_can_undo (seg));
  g_assert_false (lens_segmentation_rename (seg, 0, "A"));

  /* The next labels are a fresh set: "Segment 1" again, however many
   * names the last set used, and no history. */
  set (seg, base, 4);
  g_assert_true (lens_segmentation_merge (seg, 0, 1));
  set (seg, "000444"
            "000444"
            "222111"
            "222333", 5);  /* a cluster cut off another: "Segment 5" */
  g_assert_cmpstr (name_of (seg, lens_segmentation_get_n_segments (seg) - 1), ==, "Segment 5");
  lens_segmentation_clear (seg);
  set (seg, base, 4);
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("Segment %d", i + 1);

      g_assert_cmpstr (name_of (seg, i), ==, name);
    }
  g_assert_false (lens_segmentation_can_undo (seg));
}

/* What k-means made, beside the segments after edits; the segment under a patch. */
static void
test_clusters_and_lookup (void)
{
  g_autoptr(LensSegmentation) seg = lens_segmentation_new ();
  float features[N];

  g_assert_cmpint (lens_segmentation_get_n_clusters (seg), ==, 0);
  g_assert_cmpint (lens_segmentation_segment_at (seg, 0, 0), ==, -1);
  /* k = 5 with one empty cluster: k-means made 4. */
  set (seg, base, 5);
  g_assert_cmpint (lens_segmentation_get_n_clusters (seg), ==, 4);
  g_assert_cmpint (lens_segmentation_get_n_segments (seg), ==, 4);
  g_assert_true (lens_segmentation_merge (seg, 0, 2));
  g_assert_cmpint (lens_segmentation_get_n_clusters (seg), ==, 4);
  g_assert_cmpint (lens_segmentation_get_n_segments (seg), ==, 3);
  split_features (features);
  g_assert_true (split_segment (seg, 1, features, 1, 7));
  g_assert_cmpint (lens_segmentation_get_n_segments (seg), ==, 4);

  for (int p = 0; p < N; p++)
    g_assert_cmpint (lens_segmentation_segment_at (seg, p / COLS, p % COLS), ==,
                     lens_segmentation_get_labels (seg, NULL, NULL)[p]);
  g_assert_cmpint (lens_segmentation_segment_at (seg, ROWS, 0), ==, -1);
  g_assert_cmpint (lens_segmentation_segment_at (seg, 0, -1), ==, -1);
  lens_segmentation_clear (seg);
  g_assert_cmpint (lens_segmentation_get_n_clusters (seg), ==, 0);
}

/* Random clusterings and edits: shares always add up to 1. */
static void
test_shares (void)
{
  g_autoptr(LensSegmentation) seg = lens_segmentation_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  const int rows = 5, cols = 7, dim = 2;
  guint8 labels[5 * 7];
  float features[5 * 7 * 2];

  for (int round = 0; round < 200; round++)
    {
      int k = g_rand_int_range (rand, 1, 9), n_segments;

      for (int p = 0; p < rows * cols; p++)
        labels[p] = g_rand_int_range (rand, 0, k);
      for (int i = 0; i < rows * cols * dim; i++)
        features[i] = g_rand_double (rand);
      lens_segmentation_set_labels (seg, labels, rows, cols, k);
      assert_consistent (seg);

      n_segments = lens_segmentation_get_n_segments (seg);
      switch (g_rand_int_range (rand, 0, 4))
        {
        case 0:
          lens_segmentation_merge (seg, g_rand_int_range (rand, 0, n_segments),
                                   g_rand_int_range (rand, 0, n_segments));
          break;
        case 1:
          split_segment (seg, g_rand_int_range (rand, 0, n_segments), features, dim, round);
          break;
        case 2:
          lens_segmentation_undo (seg);
          break;
        default:
          lens_segmentation_redo (seg);
          break;
        }
      assert_consistent (seg);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/segmentation/first-labels", test_first_labels);
  g_test_add_func ("/segmentation/permuted", test_permuted);
  g_test_add_func ("/segmentation/merge-kept", test_merge_kept);
  g_test_add_func ("/segmentation/k-changes", test_k_changes);
  g_test_add_func ("/segmentation/split-and-recluster", test_split_and_recluster);
  g_test_add_func ("/segmentation/split-blobs", test_split_blobs);
  g_test_add_func ("/segmentation/split-refused", test_split_refused);
  g_test_add_func ("/segmentation/split-outdated", test_split_outdated);
  g_test_add_func ("/segmentation/undo-redo", test_undo_redo);
  g_test_add_func ("/segmentation/undo-limit", test_undo_limit);
  g_test_add_func ("/segmentation/no-op-edits", test_no_op_edits);
  g_test_add_func ("/segmentation/bad-index", test_bad_index);
  g_test_add_func ("/segmentation/history-across-labels", test_history_across_labels);
  g_test_add_func ("/segmentation/clear", test_clear);
  g_test_add_func ("/segmentation/clusters-and-lookup", test_clusters_and_lookup);
  g_test_add_func ("/segmentation/shares", test_shares);

  return g_test_run ();
}
