/* test-default-model.c: checks on the shipped default model
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "scvae.h"
#include "shipped.h"

#include "fixtures.h"

/* The window atoms are shown in holds nearly all that each atom of the
 * shipped model draws, so no atom is shown cut off (see SCVAE_ATOM_PIXELS). */
static void
test_session_atom_window (void)
{
  const int whole = 28, window = SCVAE_ATOM_PIXELS, start = (whole - window) / 2;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = shipped_default_model_path (&error);
  g_autoptr(ScvaeModel) model = path ? scvae_model_load (path, &error) : NULL;
  g_autoptr(ScvaeSession) session = NULL;
  double worst = 1.0;

  g_assert_no_error (error);
  session = scvae_session_new (model);
  for (int k = 0; k < scvae_model_get_config (model)->atoms; k++)
    {
      g_autoptr(ScvaeImage) atom = scvae_session_render_atom (session, k, 1.f, whole, NULL);
      double all = 0, inside = 0;

      for (int c = 0; c < 3; c++)
        for (int y = 0; y < whole; y++)
          for (int x = 0; x < whole; x++)
            {
              double d = atom->data[((gsize) c * whole + y) * whole + x];

              all += d * d;
              if (y >= start && y < start + window && x >= start && x < start + window)
                inside += d * d;
            }
      g_assert_cmpfloat (all, >, 0);
      worst = MIN (worst, inside / all);
    }
  g_assert_cmpfloat (worst, >=, 0.95);
}

/* The kernels' AVX-512 versions (the convolutions' tiles, LISTA's Gram
 * step) give the codes and the pixels of their AVX2 ones to the bit: each
 * sums every value in the same order. On a CPU without AVX-512 both runs
 * take the AVX2 ones. */
static void
test_vector_units_agree (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = shipped_default_model_path (&error);
  g_autoptr(ScvaeModel) model = path ? scvae_model_load (path, &error) : NULL;
  g_autoptr(ScvaeImage) image = fixture_test_image (200, 120);
  g_autofree float *codes = NULL;
  g_autoptr(ScvaeImage) reconstruction = NULL;
  int rows, cols, K;

  g_assert_no_error (error);
  for (int narrow = 0; narrow < 2; narrow++)
    {
      g_autoptr(ScvaeSession) session = scvae_session_new (model);
      const float *session_codes;
      const ScvaeImage *picture;

      if (narrow)
        g_setenv ("SCVAE_NARROW_VECTORS", "1", TRUE);
      g_assert_true (scvae_session_encode (session, image, NULL, &error));
      g_assert_true (scvae_session_sparse_code (session, -1, 1.f, NULL, &error));
      g_assert_true (scvae_session_decode (session, NULL, &error));
      g_unsetenv ("SCVAE_NARROW_VECTORS");
      session_codes = scvae_session_get_codes (session, &rows, &cols, &K);
      picture = scvae_session_get_reconstruction (session);
      if (!narrow)
        {
          codes = g_memdup2 (session_codes, (gsize) rows * cols * K * sizeof (float));
          reconstruction = scvae_image_copy (picture);
          continue;
        }
      g_assert_cmpmem (session_codes, (gsize) rows * cols * K * sizeof (float), codes,
                       (gsize) rows * cols * K * sizeof (float));
      g_assert_cmpmem (picture->data, (gsize) 3 * 200 * 120 * sizeof (float), reconstruction->data,
                       (gsize) 3 * 200 * 120 * sizeof (float));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/session/atom-window", test_session_atom_window);
  g_test_add_func ("/session/vector-units-agree", test_vector_units_agree);

  return g_test_run ();
}
