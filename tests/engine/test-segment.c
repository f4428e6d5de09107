/* test-segment.c: segmentation features from codes, and k-means
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <math.h>

#include "check.h"
#include "scvae.h"

static void
test_segment_features (void)
{
  /* 1 x 2 patches, 2 atoms; mean |z| over the non-zeros is (1 + 2 + 3) / 3 = 2. */
  const float codes[] = { -1.f, 0.f, 2.f, -3.f };
  ScvaeSegmentOptions options;
  struct { ScvaeSegmentFeatures features; int smooth; float expect[4]; } cases[] = {
    { SCVAE_SEGMENT_CODES, 0, { -1.f, 0.f, 2.f, -3.f } },
    { SCVAE_SEGMENT_ABS, 0, { 1.f, 0.f, 2.f, 3.f } },
    { SCVAE_SEGMENT_NORMALIZED, 0, { -1.f, 0.f, 2.f / sqrtf (13.f), -3.f / sqrtf (13.f) } },
    { SCVAE_SEGMENT_LOG, 0, { log1pf (0.5f), 0.f, log1pf (1.f), log1pf (1.5f) } },
    /* Smoothing radius 1 over a 1 x 2 grid: both patches get the mean. */
    { SCVAE_SEGMENT_ABS, 1, { 1.5f, 1.5f, 1.5f, 1.5f } },
  };

  scvae_segment_options_init_default (&options);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree float *features = NULL;

      options.features = cases[i].features;
      options.smooth_radius = cases[i].smooth;
      features = scvae_segment_features (codes, 1, 2, 2, &options, NULL, NULL);
      g_assert_cmpint (scvae_segment_features_dim (&options, 2), ==, 2);
      for (int j = 0; j < 4; j++)
        g_assert_cmpfloat_with_epsilon (features[j], cases[i].expect[j], 1e-6);
    }
}

static void
test_segment_features_log_and_codes (void)
{
  /* As above. Each patch gets [log magnitudes, z], each half scaled so its
   * mean squared distance from its mean is 1: with two patches a and b that
   * is |a - b|^2 / 4. */
  const float codes[] = { -1.f, 0.f, 2.f, -3.f };
  const float log_a[] = { log1pf (0.5f), 0.f }, log_b[] = { log1pf (1.f), log1pf (1.5f) };
  float log_scale = 2.f / hypotf (log_a[0] - log_b[0], log_a[1] - log_b[1]);
  float z_scale = 2.f / hypotf (-1.f - 2.f, 0.f + 3.f);
  const float expect[] = {
    log_a[0] * log_scale, log_a[1] * log_scale, -1.f * z_scale, 0.f,
    log_b[0] * log_scale, log_b[1] * log_scale, 2.f * z_scale, -3.f * z_scale,
  };
  g_autofree float *features = NULL;
  ScvaeSegmentOptions options;

  scvae_segment_options_init_default (&options);
  options.features = SCVAE_SEGMENT_LOG_AND_CODES;
  options.smooth_radius = 0;
  g_assert_cmpint (scvae_segment_features_dim (&options, 2), ==, 4);
  features = scvae_segment_features (codes, 1, 2, 2, &options, NULL, NULL);
  for (int j = 0; j < 8; j++)
    g_assert_cmpfloat_with_epsilon (features[j], expect[j], 1e-5);

  /* Smoothing reaches the log half only: radius 1 makes both patches'
   * log halves equal (nothing left to scale), not their codes. */
  g_clear_pointer (&features, g_free);
  options.smooth_radius = 1;
  features = scvae_segment_features (codes, 1, 2, 2, &options, NULL, NULL);
  g_assert_cmpfloat_with_epsilon (features[0], features[4], 1e-6);
  g_assert_cmpfloat_with_epsilon (features[1], features[5], 1e-6);
  for (int j = 2; j < 4; j++)
    g_assert_cmpfloat_with_epsilon (features[j], expect[j], 1e-5);
  for (int j = 6; j < 8; j++)
    g_assert_cmpfloat_with_epsilon (features[j], expect[j], 1e-5);
}

static void
test_segment_features_histogram (void)
{
  /* 1 x 3 patches, 4 atoms. Each patch votes for its three largest |z|
   * among its active atoms, the lower index first on ties: a for 1, 3, 0;
   * b for 0 alone; c for 2, 3 and 0 (before 1, as large). Voters per atom:
   * 3, 1, 1, 2 of 3 patches, so the votes weigh log(1 + 3 / voters). */
  const float codes[] = {
    0.5f, -2.f, 0.f, 1.f,
    3.f, 0.f, 0.f, 0.f,
    1.f, 1.f, -4.f, 2.f,
  };
  const float w[] = { logf (2.f), logf (4.f), logf (4.f), logf (2.5f) };
  const float votes[] = {
    w[0], w[1], 0.f, w[3],
    w[0], 0.f, 0.f, 0.f,
    w[0], 0.f, w[2], w[3],
  };
  g_autofree float *features = NULL;
  ScvaeSegmentOptions options;

  scvae_segment_options_init_default (&options);
  options.features = SCVAE_SEGMENT_HISTOGRAM;
  options.smooth_radius = 0;
  g_assert_cmpint (scvae_segment_features_dim (&options, 4), ==, 4);
  features = scvae_segment_features (codes, 1, 3, 4, &options, NULL, NULL);
  for (int j = 0; j < 12; j++)
    g_assert_cmpfloat_with_epsilon (features[j], sqrtf (votes[j]), 1e-6);

  /* Radius 1: the square root of the mean votes of each patch and its
   * neighbours (two at the ends). */
  g_clear_pointer (&features, g_free);
  options.smooth_radius = 1;
  features = scvae_segment_features (codes, 1, 3, 4, &options, NULL, NULL);
  for (int k = 0; k < 4; k++)
    {
      g_assert_cmpfloat_with_epsilon (features[k], sqrtf ((votes[k] + votes[4 + k]) / 2), 1e-6);
      g_assert_cmpfloat_with_epsilon (features[4 + k], sqrtf ((votes[k] + votes[4 + k] + votes[8 + k]) / 3), 1e-6);
      g_assert_cmpfloat_with_epsilon (features[8 + k], sqrtf ((votes[4 + k] + votes[8 + k]) / 2), 1e-6);
    }

  /* Histograms over r and 3 r beside z: over 3 r = 3 every patch sees the
   * whole grid, so that part is the same for all; z is not smoothed, only
   * scaled. */
  g_clear_pointer (&features, g_free);
  options.features = SCVAE_SEGMENT_HISTOGRAMS_AND_CODES;
  g_assert_cmpint (scvae_segment_features_dim (&options, 4), ==, 12);
  features = scvae_segment_features (codes, 1, 3, 4, &options, NULL, NULL);
  for (int k = 0; k < 4; k++)
    {
      float scale = features[8 + 1] / codes[1];

      /* The first part: the radius-1 histograms above, at one scale. */
      g_assert_cmpfloat_with_epsilon (features[k] * sqrtf ((votes[4] + votes[0] + votes[8]) / 3),
                                      features[12 + 0] * sqrtf ((votes[k] + votes[4 + k]) / 2), 1e-5);
      g_assert_cmpfloat_with_epsilon (features[4 + k], features[12 + 4 + k], 1e-6);
      g_assert_cmpfloat_with_epsilon (features[4 + k], features[24 + 4 + k], 1e-6);
      for (int p = 0; p < 3; p++)
        g_assert_cmpfloat_with_epsilon (features[p * 12 + 8 + k], codes[p * 4 + k] * scale, 1e-5);
    }

  /* A cancelled request gets no features, and says why. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GError) error = NULL;

    g_cancellable_cancel (cancellable);
    g_assert_null (scvae_segment_features (codes, 1, 3, 4, &options, cancellable, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
}

/* Row i belongs to blob i % k: one label per blob, a different one each. */
static void
assert_finds_blobs (const guint8 *labels, int n, int k)
{
  for (int i = k; i < n; i++)
    g_assert_cmpint (labels[i], ==, labels[i % k]);
  for (int a = 0; a < k; a++)
    for (int b = a + 1; b < k; b++)
      g_assert_cmpint (labels[a], !=, labels[b]);
}

static void
test_kmeans (void)
{
  const int per_cluster = 50, k = 4, dim = 6;
  int n = per_cluster * k;
  g_autofree float *rows = g_new (float, n * dim);
  g_autofree guint8 *labels = g_new (guint8, n), *again = g_new (guint8, n);
  g_autofree float *centroids = g_new (float, k * dim);
  ScvaeKMeansOptions options = { .k = k, .n_restarts = 3, .max_iterations = 100, .seed = 9 };
  double inertia;
  g_autoptr(GError) error = NULL;
  Rng rng;

  /* Four tight, far-apart blobs, interleaved. */
  scvae__rng_seed (&rng, 4);
  for (int i = 0; i < n; i++)
    for (int d = 0; d < dim; d++)
      rows[i * dim + d] = (d == i % k ? 10.f : 0.f) + 0.1f * (float) scvae__rng_normal (&rng);

  g_assert_true (scvae_kmeans (rows, n, dim, &options, labels, NULL, NULL, NULL, &error));
  assert_finds_blobs (labels, n, k);

  /* Same seed, same labels. */
  g_assert_true (scvae_kmeans (rows, n, dim, &options, again, NULL, NULL, NULL, &error));
  g_assert_cmpmem (labels, n, again, n);

  /* Clustering every fifth row finds the same blobs, and every row gets the
   * nearest of their centroids. */
  options.max_rows = n / 5;
  g_assert_true (scvae_kmeans (rows, n, dim, &options, again, centroids, &inertia, NULL, &error));
  assert_finds_blobs (again, n, k);
  {
    double sum = 0.0;

    for (int i = 0; i < n; i++)
      for (int d = 0; d < dim; d++)
        sum += pow (rows[i * dim + d] - centroids[again[i] * dim + d], 2);
    g_assert_cmpfloat_with_epsilon (inertia, sum, 1e-3 * sum);
  }
  options.max_rows = 0;

  options.k = 300;
  g_assert_false (scvae_kmeans (rows, n, dim, &options, labels, NULL, NULL, NULL, &error));
  g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/segment/features", test_segment_features);
  g_test_add_func ("/segment/features-log-and-codes", test_segment_features_log_and_codes);
  g_test_add_func ("/segment/features-histogram", test_segment_features_histogram);
  g_test_add_func ("/kmeans/blobs", test_kmeans);

  return g_test_run ();
}
