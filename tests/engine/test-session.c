/* test-session.c: inference sessions stage by stage: sizes, cancelling,
 * LISTA's tiles and checkpoints, bands and thread counts, the memory limit
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include "check.h"
#include "fixtures.h"
#include "model-private.h"
#include "session-private.h"
#include "reference.h"

static void
test_session_sizes (void)
{
  g_autoptr(ScvaeModel) model = fixture_tiny_model (2);
  g_autoptr(ScvaeSession) session = scvae_session_new (model);
  const int sizes[][2] = { { 1, 1 }, { 3, 5 }, { 37, 23 }, { 64, 48 } };

  /* Any size works: padded by reflection, cropped back. */
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(ScvaeImage) image = fixture_test_image (sizes[i][0], sizes[i][1]);
      g_autoptr(GError) error = NULL;
      const ScvaeImage *out;
      int rows, cols;

      g_assert_true (scvae_session_encode (session, image, NULL, &error));
      g_assert_true (scvae_session_sparse_code (session, -1, 1.f, NULL, &error));
      g_assert_true (scvae_session_decode (session, NULL, &error));
      out = scvae_session_get_reconstruction (session);
      g_assert_cmpint (out->width, ==, sizes[i][0]);
      g_assert_cmpint (out->height, ==, sizes[i][1]);
      scvae_session_get_codes (session, &rows, &cols, NULL);
      g_assert_cmpint (rows, ==, (sizes[i][1] + 3) / 4);
      g_assert_cmpint (cols, ==, (sizes[i][0] + 3) / 4);
      for (gsize j = 0; j < (gsize) 3 * out->width * out->height; j++)
        g_assert_true (out->data[j] >= -1.f && out->data[j] <= 1.f);
    }
}

static void
test_session_stages (void)
{
  g_autoptr(ScvaeModel) model = fixture_tiny_model (2);
  g_autoptr(ScvaeSession) session = scvae_session_new (model);
  g_autoptr(ScvaeImage) image = fixture_test_image (32, 24);
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree float *features = NULL, *codes = NULL;
  gsize n_features = (gsize) 8 * 6 * 4, n_codes = (gsize) 8 * 6 * 8;
  ScvaeMetrics sparse, dense;

  g_assert_true (scvae_session_encode (session, image, NULL, &error));
  features = g_memdup2 (scvae_session_get_features (session, NULL, NULL, NULL), n_features * sizeof (float));
  g_assert_true (scvae_session_sparse_code (session, -1, 2.f, NULL, &error));
  g_assert_true (scvae_session_decode (session, NULL, &error));
  scvae_session_compute_metrics (session, &sparse);
  codes = g_memdup2 (scvae_session_get_codes (session, NULL, NULL, NULL), n_codes * sizeof (float));

  /* A cancelled stage fails and leaves the last results as they were. */
  g_cancellable_cancel (cancelled);
  g_assert_false (scvae_session_sparse_code (session, 10, 0.f, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpmem (scvae_session_get_codes (session, NULL, NULL, NULL), n_codes * sizeof (float),
                   codes, n_codes * sizeof (float));
  g_assert_nonnull (scvae_session_get_reconstruction (session));

  /* Rerunning the later stages leaves the features alone; a lower
   * threshold gives denser codes. */
  g_assert_true (scvae_session_sparse_code (session, -1, 0.f, NULL, &error));
  g_assert_null (scvae_session_get_reconstruction (session)); /* stale until decoded */
  g_assert_true (scvae_session_decode (session, NULL, &error));
  scvae_session_compute_metrics (session, &dense);
  g_assert_cmpmem (scvae_session_get_features (session, NULL, NULL, NULL), n_features * sizeof (float),
                   features, n_features * sizeof (float));
  g_assert_cmpfloat (dense.codes.active_fraction, >, sparse.codes.active_fraction);
  g_assert_cmpfloat (dense.codes.active_fraction, ==, 1.0); /* threshold 0 keeps everything */

  /* Bad controls are refused with a message. */
  g_assert_false (scvae_session_sparse_code (session, 65, 1.f, NULL, &error));
  g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT);
}

/* The session's codes are LISTA's, tile boundaries included: against the
 * double-precision reference on more patches than one tile holds. */
static void
test_session_codes_match_reference (void)
{
  g_autoptr(ScvaeModel) model = fixture_tiny_model (4);
  g_autoptr(ScvaeSession) session = scvae_session_new (model);
  g_autoptr(ScvaeImage) image = fixture_test_image (256, 160);
  g_autoptr(GError) error = NULL;
  const ScvaeConfig *config = scvae_model_get_config (model);
  int C = config->channels, K = config->atoms, rows, cols;
  const float *features, *codes;
  g_autofree double *D = NULL, *E = NULL, *Z = NULL;
  gsize P;
  double worst = 0.0;

  g_assert_true (scvae_session_encode (session, image, NULL, &error));
  g_assert_true (scvae_session_sparse_code (session, 5, 1.5f, NULL, &error));
  features = scvae_session_get_features (session, &rows, &cols, NULL);
  codes = scvae_session_get_codes (session, NULL, NULL, NULL);
  P = (gsize) rows * cols;
  g_assert_cmpuint (P, >, 2048);

  D = check_to_double (model->tensors.dictionary, (gsize) C * K);
  E = check_to_double (features, P * C);
  Z = g_new (double, P * K);
  ref_lista (C, K, P, 5, config->beta * 1.5, D, model->tensors.step[0], E, Z);
  worst = check_largest_difference (codes, Z, P * K);
  g_test_message ("largest difference from the reference: %g", worst);
  g_assert_cmpfloat (worst, <, 1e-4);
}

/* A new depth continues from kept iterates (the last one, or a checkpoint
 * below it): the codes must be the same, bit for bit, as from zero. */
static void
test_session_depth_continues (void)
{
  g_autoptr(ScvaeModel) model = fixture_tiny_model (5);
  g_autoptr(ScvaeSession) session = scvae_session_new (model);
  g_autoptr(ScvaeImage) image = fixture_test_image (256, 160);
  g_autoptr(GError) error = NULL;
  const struct { int depth; float sparsity; } steps[] = {
    { 3, 1.f }, { 9, 1.f }, { 16, 1.f }, { 6, 1.f }, { 64, 1.f }, { 0, 1.f }, { 13, 1.f },
    { 7, 2.f }, { 5, 2.f }, { 10, 1.f },
  };
  gsize n = (gsize) 64 * 40 * scvae_model_get_config (model)->atoms;

  g_assert_true (scvae_session_encode (session, image, NULL, &error));
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(ScvaeSession) scratch = scvae_session_new (model);
      ScvaeMetrics reused, fresh;

      g_assert_true (scvae_session_sparse_code (session, steps[i].depth, steps[i].sparsity, NULL, &error));
      g_assert_true (scvae_session_encode (scratch, image, NULL, &error));
      g_assert_true (scvae_session_sparse_code (scratch, steps[i].depth, steps[i].sparsity, NULL, &error));
      g_assert_cmpmem (scvae_session_get_codes (session, NULL, NULL, NULL), n * sizeof (float),
                       scvae_session_get_codes (scratch, NULL, NULL, NULL), n * sizeof (float));
      g_assert_true (scvae_session_decode (session, NULL, &error));
      g_assert_true (scvae_session_decode (scratch, NULL, &error));
      scvae_session_compute_metrics (session, &reused);
      scvae_session_compute_metrics (scratch, &fresh);
      g_assert_cmpfloat (reused.codes.active_fraction, ==, fresh.codes.active_fraction);
    }
}

static double
largest_difference (const float *a, const float *b, gsize n)
{
  g_autofree double *wide = check_to_double (b, n);

  return check_largest_difference (a, wide, n);
}

/* The encoder and decoder run in one band of rows per thread, each with a
 * margin that its edge cannot reach across, and LISTA codes tiles that do
 * not depend on the thread count: features, codes and pictures are the
 * same on 1, 2 or 3 threads (up to BLAS rounding). */
static void
test_session_threads_agree (void)
{
  g_autoptr(ScvaeModel) model = fixture_tiny_model (6);
  g_autoptr(ScvaeImage) image = fixture_test_image (256, 160);
  g_autoptr(ScvaeImage) whole = NULL;
  g_autoptr(GError) error = NULL;
  const ScvaeConfig *config = scvae_model_get_config (model);
  gsize P = (gsize) 64 * 40, pixels = (gsize) 3 * 256 * 160;
  g_autofree float *features = NULL, *codes = NULL;
  int threads = scvae_get_threads ();

  for (int n_threads = 1; n_threads <= 3; n_threads++)
    {
      g_autoptr(ScvaeSession) session = scvae_session_new (model);
      const float *session_features, *session_codes;
      const ScvaeImage *reconstruction;

      scvae_set_threads (n_threads);
      g_assert_cmpint (scvae_get_threads (), ==, n_threads);
      g_assert_true (scvae_session_encode (session, image, NULL, &error));
      g_assert_true (scvae_session_sparse_code (session, 7, 1.f, NULL, &error));
      g_assert_true (scvae_session_decode (session, NULL, &error));
      session_features = scvae_session_get_features (session, NULL, NULL, NULL);
      session_codes = scvae_session_get_codes (session, NULL, NULL, NULL);
      reconstruction = scvae_session_get_reconstruction (session);
      if (n_threads == 1)
        {
          features = g_memdup2 (session_features, P * config->channels * sizeof (float));
          codes = g_memdup2 (session_codes, P * config->atoms * sizeof (float));
          whole = scvae_image_copy (reconstruction);
          continue;
        }
      g_test_message ("%d threads: largest differences from 1: features %g, codes %g, pixels %g", n_threads,
                      largest_difference (session_features, features, P * config->channels),
                      largest_difference (session_codes, codes, P * config->atoms),
                      largest_difference (reconstruction->data, whole->data, pixels));
      g_assert_cmpfloat (largest_difference (session_features, features, P * config->channels), <, 1e-5);
      g_assert_cmpfloat (largest_difference (session_codes, codes, P * config->atoms), <, 1e-5);
      g_assert_cmpfloat (largest_difference (reconstruction->data, whole->data, pixels), <, 1e-5);
    }
  scvae_set_threads (threads);
}

/* LISTA's two forms (two GEMMs, or the Gram rows of the active atoms) give
 * the same codes, at densities from about half the atoms to a few, on 1
 * to 3 threads. K = 100 is not a multiple of the vector width, so the
 * Gram kernel's tail runs too. */
static void
test_session_lista_forms_agree (void)
{
  ScvaeConfig config = { .channels = 16, .atoms = 100, .lista_steps = 8, .beta = 0.15f, .gamma = 1.f };
  const float sparsities[] = { 0.1f, 0.5f, 1.f, 2.f, 4.f };
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeModel) model = scvae_model_new (&config, 11, &error);
  g_autoptr(ScvaeImage) image = fixture_test_image (192, 128);
  gsize n = (gsize) 48 * 32 * config.atoms;
  int threads = scvae_get_threads ();
  double lowest = 1.0, highest = 0.0;

  g_assert_no_error (error);
  for (guint s = 0; s < G_N_ELEMENTS (sparsities); s++)
    {
      g_autofree float *dense = NULL;

      for (int n_threads = 1; n_threads <= 3; n_threads++)
        for (ListaForm form = LISTA_FORM_DENSE; form <= LISTA_FORM_SPARSE; form++)
          {
            g_autoptr(ScvaeSession) session = scvae_session_new (model);
            const float *codes;
            gsize nonzeros = 0;

            scvae_set_threads (n_threads);
            scvae__session_set_lista_form (session, form);
            g_assert_true (scvae_session_encode (session, image, NULL, &error));
            g_assert_true (scvae_session_sparse_code (session, -1, sparsities[s], NULL, &error));
            codes = scvae_session_get_codes (session, NULL, NULL, NULL);
            if (dense == NULL)
              {
                dense = g_memdup2 (codes, n * sizeof (float));
                for (gsize i = 0; i < n; i++)
                  nonzeros += dense[i] != 0.f;
                lowest = MIN (lowest, (double) nonzeros / n);
                highest = MAX (highest, (double) nonzeros / n);
                continue;
              }
            g_test_message ("sparsity %g, %d threads, form %d: largest difference %g", sparsities[s], n_threads,
                            form, largest_difference (codes, dense, n));
            g_assert_cmpfloat (largest_difference (codes, dense, n), <, 1e-4);
          }
    }
  /* The densities the forms were compared at */
  g_test_message ("densities from %.1f %% to %.1f %%", 100 * lowest, 100 * highest);
  g_assert_cmpfloat (lowest, <, 0.05);
  g_assert_cmpfloat (highest, >, 0.3);
  scvae_set_threads (threads);
}

/* Large images decode in several bands per thread (SESSION_DECODE_BAND_PATCHES):
 * whatever the split, the same picture. */
static void
test_session_bands_agree (void)
{
  g_autoptr(ScvaeModel) model = fixture_tiny_model (7);
  g_autoptr(ScvaeImage) image = fixture_test_image (1024, 768);
  g_autoptr(ScvaeImage) first = NULL;
  g_autoptr(GError) error = NULL;
  int threads = scvae_get_threads ();

  for (int n_threads = 1; n_threads <= 3; n_threads += 2)
    {
      g_autoptr(ScvaeSession) session = scvae_session_new (model);
      const ScvaeImage *reconstruction;

      scvae_set_threads (n_threads);
      g_assert_true (scvae_session_encode (session, image, NULL, &error));
      g_assert_true (scvae_session_sparse_code (session, 3, 1.f, NULL, &error));
      g_assert_true (scvae_session_decode (session, NULL, &error));
      g_assert_no_error (error);
      reconstruction = scvae_session_get_reconstruction (session);
      if (first == NULL)
        {
          first = scvae_image_copy (reconstruction);
          continue;
        }
      g_test_message ("%d threads: largest difference from 1: %g", n_threads,
                      largest_difference (reconstruction->data, first->data, (gsize) 3 * 1024 * 768));
      g_assert_cmpfloat (largest_difference (reconstruction->data, first->data, (gsize) 3 * 1024 * 768), <, 1e-5);
    }
  scvae_set_threads (threads);
}

/* An image too large for the memory is refused with a message, before
 * anything is allocated, and the session keeps what it had. */
/* Each patch's coding error is |e - D z|^2 / |e|^2 of the session's
 * features and codes (summed here in double), for a LISTA and a VQ model;
 * weighted by |e|^2 their mean is the metrics' latent MSE. A Gaussian
 * model's latent is no code, and it has none. */
static void
test_session_coding_errors (void)
{
  const ScvaeBottleneck coded[] = { SCVAE_BOTTLENECK_LISTA, SCVAE_BOTTLENECK_VQ };
  g_autoptr(ScvaeImage) image = fixture_test_image (32, 24);
  g_autoptr(GError) error = NULL;

  for (guint b = 0; b < G_N_ELEMENTS (coded); b++)
    {
      g_autoptr(ScvaeModel) model = fixture_tiny_model_with (coded[b], 3);
      g_autoptr(ScvaeSession) session = scvae_session_new (model);
      const float *D = model->tensors.dictionary, *codes, *features;
      g_autofree float *errors = NULL;
      int rows, cols, K, C;
      double weighted = 0.0, largest = 0.0;
      ScvaeMetrics metrics;
      gsize P;

      g_assert_true (scvae_session_encode (session, image, NULL, &error));
      g_assert_true (scvae_session_sparse_code (session, -1, 1.f, NULL, &error));
      g_assert_true (scvae_session_decode (session, NULL, &error));
      scvae_session_compute_metrics (session, &metrics);
      codes = scvae_session_get_codes (session, &rows, &cols, &K);
      features = scvae_session_get_features (session, NULL, NULL, &C);
      P = (gsize) rows * cols;
      errors = g_new (float, P);
      g_assert_true (scvae_session_get_coding_errors (session, errors, &error));
      g_assert_no_error (error);

      for (gsize p = 0; p < P; p++)
        {
          double energy = 0.0, squared = 0.0, expect;

          for (int c = 0; c < C; c++)
            {
              double dz = 0.0, e = features[p * C + c];

              for (int k = 0; k < K; k++)
                dz += (double) D[c * K + k] * codes[p * K + k];
              squared += (e - dz) * (e - dz);
              energy += e * e;
            }
          expect = energy > 0.0 ? squared / energy : 0.0;
          g_assert_cmpfloat_with_epsilon (errors[p], expect, 1e-5 + 1e-4 * expect);
          weighted += errors[p] * energy;
          largest = MAX (largest, errors[p]);
        }
      g_assert_cmpfloat (largest, >, 1e-3);
      g_assert_cmpfloat_with_epsilon (weighted / ((double) P * C), metrics.latent_mse, 1e-4 * metrics.latent_mse);
    }

  {
    g_autoptr(ScvaeModel) model = fixture_tiny_model_with (SCVAE_BOTTLENECK_GAUSSIAN, 3);
    g_autoptr(ScvaeSession) session = scvae_session_new (model);
    float errors[8 * 6];

    g_assert_true (scvae_session_encode (session, image, NULL, &error));
    g_assert_true (scvae_session_sparse_code (session, -1, 1.f, NULL, &error));
    g_assert_false (scvae_session_get_coding_errors (session, errors, &error));
    g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT);
  }
}

static void
test_session_memory_limit (void)
{
  g_autoptr(ScvaeModel) model = fixture_tiny_model (2);
  g_autoptr(ScvaeSession) session = scvae_session_new (model);
  g_autoptr(ScvaeImage) small = fixture_test_image (32, 24), large = fixture_test_image (1024, 1024);
  g_autoptr(GError) error = NULL;
  guint64 needed = scvae_session_estimate_bytes (model, 1024, 1024);

  /* Between the two images' needs. */
  g_assert_cmpuint (needed, >, 1 << 20);
  g_assert_cmpuint (scvae_session_estimate_bytes (model, 32, 24), <, 1 << 20);
  g_setenv ("SCVAE_MEMORY_LIMIT_MB", "1", TRUE);
  g_assert_true (scvae_session_encode (session, small, NULL, &error));
  g_assert_false (scvae_session_encode (session, large, NULL, &error));
  g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "1024x1024"));
  g_assert_nonnull (strstr (error->message, "downscale"));
  g_unsetenv ("SCVAE_MEMORY_LIMIT_MB");
  g_assert_true (scvae_session_get_input (session) != NULL);
  g_assert_cmpint (scvae_session_get_input (session)->width, ==, 32);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/session/sizes", test_session_sizes);
  g_test_add_func ("/session/stages", test_session_stages);
  g_test_add_func ("/session/memory-limit", test_session_memory_limit);
  g_test_add_func ("/session/codes-match-reference", test_session_codes_match_reference);
  g_test_add_func ("/session/depth-continues", test_session_depth_continues);
  g_test_add_func ("/session/threads-agree", test_session_threads_agree);
  g_test_add_func ("/session/bands-agree", test_session_bands_agree);
  g_test_add_func ("/session/lista-forms-agree", test_session_lista_forms_agree);
  g_test_add_func ("/session/coding-errors", test_session_coding_errors);

  return g_test_run ();
}
