/* test-health.c: bottleneck health measures against hand-worked examples
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <math.h>
#include <string.h>

#include "scvae.h"

/* Five patches of K = 5 atoms; atom 4 never fires.
 *   patch  code               active  |z|_1  |z|_2  Hoyer = (√5 - |z|_1/|z|_2) / (√5 - 1)
 *   0      0  0  0  0  0      0       0      0      1 (an all-zero code counts as 1)
 *   1      3  0  0  0  0      1       3      3      1
 *   2      1 -1  1 -1  0      4       4      2      (√5 - 2) / (√5 - 1)       = 0.190983
 *   3      0  3 -4  0  0      2       7      5      (√5 - 1.4) / (√5 - 1)     = 0.676393
 *   4      1  1  0  0  0      2       2      √2     (√5 - √2) / (√5 - 1)      = 0.664894
 * Active counts sorted 0 1 2 2 4: median 2. Per atom: atoms 0 and 1 fire on
 * 3 of 5 patches (dense: more than half), atom 2 on 2, atom 3 on 1, atom 4
 * on none (dead). Usage shares 3/9 3/9 2/9 1/9: perplexity
 * exp(-(2/3 ln 1/3 + 2/9 ln 2/9 + 1/9 ln 1/9)) = 3.709079. */
static const float example_codes[5 * 5] = {
  0, 0, 0, 0, 0,
  3, 0, 0, 0, 0,
  1, -1, 1, -1, 0,
  0, 3, -4, 0, 0,
  1, 1, 0, 0, 0,
};

static void
assert_example_health (const ScvaeCodeHealth *h, guint64 copies)
{
  g_assert_cmpuint (h->patches, ==, 5 * copies);
  g_assert_cmpfloat_with_epsilon (h->active_fraction, 9.0 / 25.0, 1e-12);
  g_assert_cmpfloat (h->atoms_per_patch_median, ==, 2.0);
  g_assert_cmpfloat_with_epsilon (h->hoyer, (1 + 1 + 0.19098300562505 + 0.67639320225002 + 0.66489418873958) / 5,
                                  1e-6);
  g_assert_cmpfloat_with_epsilon (h->l1_per_patch, 16.0 / 5.0, 1e-6);
  g_assert_cmpint (h->atoms_used, ==, 4);
  g_assert_cmpint (h->dead_atoms, ==, 1);
  g_assert_cmpint (h->dense_atoms, ==, 2);
  g_assert_cmpfloat_with_epsilon (h->usage_perplexity, 3.7090792977554, 1e-9);
}

static void
test_code_health (void)
{
  g_autoptr(ScvaeCodeStats) stats = scvae_code_stats_new (5);
  ScvaeCodeHealth h;
  const ScvaeAtomUsage *usage;

  scvae_code_stats_add (stats, example_codes, 5);
  scvae_code_stats_get_health (stats, &h);
  assert_example_health (&h, 1);

  usage = scvae_code_stats_get_usage (stats);
  g_assert_cmpuint (usage[0].count, ==, 3);
  g_assert_cmpfloat_with_epsilon (usage[0].mean_abs, 5.f / 3.f, 1e-6);
  g_assert_cmpfloat (usage[0].max_abs, ==, 3.f);
  g_assert_cmpuint (usage[2].count, ==, 2);
  g_assert_cmpfloat_with_epsilon (usage[2].mean_abs, 2.5f, 1e-6);
  g_assert_cmpfloat (usage[2].max_abs, ==, 4.f);
  g_assert_cmpuint (usage[4].count, ==, 0);
  g_assert_cmpfloat (usage[4].mean_abs, ==, 0.f);

  /* An even number of patches: the median is the mean of the middle two
   * (0 1 | 2 4 after dropping patch 4: 1.5). */
  scvae_code_stats_reset (stats);
  scvae_code_stats_add (stats, example_codes, 4);
  scvae_code_stats_get_health (stats, &h);
  g_assert_cmpfloat (h.atoms_per_patch_median, ==, 1.5);

  /* Nothing yet: zero patches, nothing made up. */
  scvae_code_stats_reset (stats);
  scvae_code_stats_get_health (stats, &h);
  g_assert_cmpuint (h.patches, ==, 0);
  g_assert_cmpint (h.atoms_used, ==, 0);
}

/* Streaming: 1000 copies of the example, added in uneven pieces that cross
 * the accumulator's tiles, measure the same as the example itself. */
static void
test_code_health_streamed (void)
{
  const guint64 copies = 1000;
  g_autofree float *codes = g_new (float, copies * 25);
  g_autoptr(ScvaeCodeStats) stats = scvae_code_stats_new (5);
  const gsize pieces[] = { 1, 2046, 3, 2048, 1 };
  gsize first = 0;
  ScvaeCodeHealth h;

  for (guint64 i = 0; i < copies; i++)
    memcpy (codes + i * 25, example_codes, sizeof example_codes);
  for (guint i = 0; i < G_N_ELEMENTS (pieces); i++)
    {
      scvae_code_stats_add (stats, codes + first * 5, pieces[i]);
      first += pieces[i];
    }
  scvae_code_stats_add (stats, codes + first * 5, copies * 5 - first);
  scvae_code_stats_get_health (stats, &h);
  assert_example_health (&h, copies);
  g_assert_cmpuint (scvae_code_stats_get_usage (stats)[1].count, ==, 3 * copies);
}

/* The tiles are shared among the threads: any number of them measures
 * the same, to the bit, as one. */
static void
test_code_health_threads (void)
{
  const int K = 64;
  const gsize n = 5 * 2048 + 77;
  g_autofree float *codes = g_new (float, n * K);
  ScvaeCodeHealth one = { 0 };
  guint32 state = 1;

  for (gsize i = 0; i < n * K; i++)
    {
      state = state * 1664525u + 1013904223u;
      codes[i] = state >> 28 == 0 ? (float) (state >> 8) / (1u << 24) - 0.5f : 0.f;
    }
  for (int threads = 1; threads <= 4; threads++)
    {
      g_autoptr(ScvaeCodeStats) stats = scvae_code_stats_new (K);
      ScvaeCodeHealth h;

      scvae_set_threads (threads);
      scvae_code_stats_add (stats, codes, n);
      scvae_code_stats_get_health (stats, &h);
      if (threads == 1)
        one = h;
      g_assert_cmpuint (h.patches, ==, n);
      g_assert_cmpfloat (h.active_fraction, ==, one.active_fraction);
      g_assert_cmpfloat (h.atoms_per_patch_median, ==, one.atoms_per_patch_median);
      g_assert_cmpfloat (h.hoyer, ==, one.hoyer);
      g_assert_cmpfloat (h.l1_per_patch, ==, one.l1_per_patch);
      g_assert_cmpfloat (h.usage_perplexity, ==, one.usage_perplexity);
    }
  /* About one code in sixteen is non-zero */
  g_assert_cmpfloat (one.active_fraction, >, 0.05);
  g_assert_cmpfloat (one.active_fraction, <, 0.075);
  scvae_set_threads (0);
}

/* Four atoms in C = 2 (columns of D), lengths 1, 2, 3√2 and about 1:
 *   a0 = (1, 0), a1 = (0, 2), a2 = (3, 3), a3 = (-1, 0.05).
 * As unit vectors, D D^T = [[2.497506, 0.450125], [0.450125, 1.502494]],
 * eigenvalues 2 ± sqrt(0.450125) = 2.670913 and 1.329087; as shares of
 * their sum 4: 0.667728 and 0.332272, entropy 0.635776, effective rank
 * exp(0.635776) = 1.888487.
 * |cos|: a0·a1 = 0, a0·a2 = a1·a2 = 0.707107, a0·a3 = 0.998752 (the one
 * pair above 0.9 of 6), a1·a3 = 0.049938, a2·a3 = 0.670913. Nearest:
 * 0.998752, 0.707107, 0.707107, 0.998752; median (0.707107 + 0.998752) / 2. */
static void
test_dictionary_health (void)
{
  const float D[2 * 4] = {
    1, 0, 3, -1,
    0, 2, 3, 0.05f,
  };
  ScvaeDictionaryHealth h;

  scvae_dictionary_health (D, 2, 4, &h);
  g_assert_cmpfloat_with_epsilon (h.effective_rank, 1.8884865503, 1e-6);
  g_assert_cmpfloat_with_epsilon (h.pairs_cos_above_0_9, 1.0 / 6.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (h.median_nearest_cos, 0.8529295600, 1e-6);
}

/* The extremes: atoms all on one line have effective rank 1 and every pair
 * a twin; an orthonormal basis has rank C and none. */
static void
test_dictionary_health_extremes (void)
{
  const float line[3 * 4] = {
    1, -2, 0.5f, 3,
    2, -4, 1, 6,
    -1, 2, -0.5f, -3,
  };
  const float basis[3 * 3] = {
    1, 0, 0,
    0, 1, 0,
    0, 0, 1,
  };
  ScvaeDictionaryHealth h;

  scvae_dictionary_health (line, 3, 4, &h);
  g_assert_cmpfloat_with_epsilon (h.effective_rank, 1.0, 1e-6);
  g_assert_cmpfloat (h.pairs_cos_above_0_9, ==, 1.0);
  g_assert_cmpfloat_with_epsilon (h.median_nearest_cos, 1.0, 1e-6);

  scvae_dictionary_health (basis, 3, 3, &h);
  g_assert_cmpfloat_with_epsilon (h.effective_rank, 3.0, 1e-9);
  g_assert_cmpfloat (h.pairs_cos_above_0_9, ==, 0.0);
  g_assert_cmpfloat (h.median_nearest_cos, ==, 0.0);
}

/* A new model starts from the overcomplete DCT: spread out (effective
 * rank 54 of 64), with 0.1 % of its pairs near-duplicates (neighbouring
 * frequencies of the 16-wide 1-D DCT on 8 samples). */
static void
test_dictionary_health_dct (void)
{
  ScvaeConfig config;
  g_autoptr(ScvaeModel) model = NULL;
  ScvaeDictionaryHealth h;

  scvae_config_init_default (&config);
  model = scvae_model_new (&config, 1, NULL);
  g_assert_nonnull (model);
  scvae_dictionary_health (scvae_model_get_dictionary (model), config.channels, config.atoms, &h);
  g_assert_cmpfloat (h.effective_rank, >, 50.0);
  g_assert_cmpfloat (h.effective_rank, <=, config.channels);
  g_assert_cmpfloat (h.pairs_cos_above_0_9, <, 0.002);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/health/codes", test_code_health);
  g_test_add_func ("/health/codes-streamed", test_code_health_streamed);
  g_test_add_func ("/health/codes-threads", test_code_health_threads);
  g_test_add_func ("/health/dictionary", test_dictionary_health);
  g_test_add_func ("/health/dictionary-extremes", test_dictionary_health_extremes);
  g_test_add_func ("/health/dictionary-dct", test_dictionary_health_dct);
  return g_test_run ();
}
