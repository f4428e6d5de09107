/* test-intervene.c: scvae_codes_intervene, by hand and against D z
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "scvae.h"

/* Gains, then a budget of 2, on two patches worked by hand. */
static void
test_by_hand (void)
{
  const float codes[] = { 0.5f, -3.f, 0.2f, -0.4f,
                          1.f, 1.f, 0.f, -1.f };
  const float gains[] = { 1.f, 0.f, 2.f, 1.f };
  ScvaeIntervention gained = { gains, 0 }, budget = { gains, 2 }, ties = { NULL, 2 };
  const float expected_gained[] = { 0.5f, 0.f, 0.4f, -0.4f,   1.f, 0.f, 0.f, -1.f };
  /* Patch 0: 0.5 and 0.4 beat -0.4 (the lower index wins the tie at 0.4). */
  const float expected_budget[] = { 0.5f, 0.f, 0.4f, 0.f,     1.f, 0.f, 0.f, -1.f };
  /* Without gains, patch 1 ties three ways at 1: atoms 0 and 1 stay. */
  const float expected_ties[] = { 0.5f, -3.f, 0.f, 0.f,       1.f, 1.f, 0.f, 0.f };
  float out[8];

  scvae_codes_intervene (codes, 2, 4, &gained, out);
  for (int i = 0; i < 8; i++)
    g_assert_cmpfloat (out[i], ==, expected_gained[i]);
  scvae_codes_intervene (codes, 2, 4, &budget, out);
  for (int i = 0; i < 8; i++)
    g_assert_cmpfloat (out[i], ==, expected_budget[i]);
  scvae_codes_intervene (codes, 2, 4, &ties, out);
  for (int i = 0; i < 8; i++)
    g_assert_cmpfloat (out[i], ==, expected_ties[i]);
}

static int
compare_magnitude_desc (const void *a, const void *b)
{
  float x = fabsf (*(const float *) a), y = fabsf (*(const float *) b);

  return x > y ? -1 : x < y ? 1 : 0;
}

/* An atom switched off vanishes from the latent D z: what is left is
 * D z minus that atom's column times its code, patch by patch. A budget
 * of m keeps exactly the m largest magnitudes. */
static void
test_against_latents (void)
{
  enum { P = 64, K = 24, C = 8, ABLATED = 5, KEEP = 3 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);
  float D[C * K], codes[P * K], gains[K], out[P * K];
  ScvaeIntervention off = { gains, 0 }, budget = { NULL, KEEP };

  for (int i = 0; i < C * K; i++)
    D[i] = (float) g_rand_double_range (rand, -1, 1);
  for (int i = 0; i < P * K; i++)
    codes[i] = g_rand_double (rand) < 0.3 ? (float) g_rand_double_range (rand, -2, 2) : 0.f;
  for (int k = 0; k < K; k++)
    gains[k] = k == ABLATED ? 0.f : 1.f;

  scvae_codes_intervene (codes, P, K, &off, out);
  for (int p = 0; p < P; p++)
    for (int c = 0; c < C; c++)
      {
        double full = 0, left = 0;

        for (int k = 0; k < K; k++)
          {
            full += (double) D[c * K + k] * codes[p * K + k];
            left += (double) D[c * K + k] * out[p * K + k];
          }
        g_assert_cmpfloat (fabs (left - (full - (double) D[c * K + ABLATED] * codes[p * K + ABLATED])), <, 1e-5);
      }

  scvae_codes_intervene (codes, P, K, &budget, out);
  for (int p = 0; p < P; p++)
    {
      float sorted[K];
      int nonzero = 0, kept = 0;

      for (int k = 0; k < K; k++)
        {
          sorted[k] = codes[p * K + k];
          nonzero += codes[p * K + k] != 0.f;
          if (out[p * K + k] != 0.f)
            {
              kept++;
              g_assert_cmpfloat (out[p * K + k], ==, codes[p * K + k]);
            }
        }
      qsort (sorted, K, sizeof *sorted, compare_magnitude_desc);
      g_assert_cmpint (kept, ==, MIN (nonzero, KEEP));
      for (int k = 0; k < K; k++)
        if (out[p * K + k] == 0.f && codes[p * K + k] != 0.f)
          g_assert_cmpfloat (fabsf (codes[p * K + k]), <=, fabsf (sorted[KEEP - 1]));
    }
}

static gboolean
same_images (const ScvaeImage *a, const ScvaeImage *b)
{
  return a->width == b->width && a->height == b->height
         && memcmp (a->data, b->data, (gsize) 3 * a->width * a->height * sizeof (float)) == 0;
}

/* The session decodes the intervened codes and keeps LISTA's: no
 * intervention (or gains of 1) decodes as before, every atom off decodes
 * as all-zero codes do, and clearing it brings the reconstruction back. */
static void
test_session (void)
{
  g_autoptr(ScvaeModel) model = fixture_tiny_model (3);
  g_autoptr(ScvaeImage) image = fixture_test_image (40, 28);
  g_autoptr(ScvaeSession) session = scvae_session_new (model);
  g_autoptr(ScvaeImage) plain = NULL, none = NULL;
  int K = scvae_model_get_config (model)->atoms, rows, cols;
  g_autofree float *ones = g_new (float, K), *zeros = g_new0 (float, K);
  g_autofree float *codes = NULL, *blank = NULL, *pixels = NULL;
  ScvaeIntervention same = { ones, 0 }, off = { zeros, 0 };
  const float *kept;

  for (int k = 0; k < K; k++)
    ones[k] = 1.f;
  g_assert_true (scvae_session_encode (session, image, NULL, NULL));
  g_assert_true (scvae_session_sparse_code (session, -1, 1.f, NULL, NULL));
  g_assert_true (scvae_session_decode (session, NULL, NULL));
  plain = scvae_image_copy (scvae_session_get_reconstruction (session));
  kept = scvae_session_get_codes (session, &rows, &cols, NULL);
  codes = g_memdup2 (kept, (gsize) rows * cols * K * sizeof (float));

  scvae_session_set_intervention (session, &same);
  g_assert_true (scvae_session_decode (session, NULL, NULL));
  g_assert_true (same_images (plain, scvae_session_get_reconstruction (session)));

  scvae_session_set_intervention (session, &off);
  g_assert_true (scvae_session_decode (session, NULL, NULL));
  g_assert_false (same_images (plain, scvae_session_get_reconstruction (session)));
  /* The decoder of zero latents, cropped as decode crops. */
  blank = g_new0 (float, (gsize) rows * cols * scvae_model_get_config (model)->channels);
  pixels = g_new (float, (gsize) 3 * 16 * rows * cols);
  g_assert_true (scvae_session_decode_latents (session, blank, rows, cols, pixels, NULL, NULL));
  none = scvae_image_copy (scvae_session_get_reconstruction (session));
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < none->height; y++)
      for (int x = 0; x < none->width; x++)
        g_assert_cmpfloat (fabsf (none->data[((gsize) c * none->height + y) * none->width + x]
                                  - pixels[((gsize) c * 4 * rows + y) * 4 * cols + x]), <, 1e-6f);
  /* LISTA's codes are untouched. */
  kept = scvae_session_get_codes (session, NULL, NULL, NULL);
  g_assert_cmpint (memcmp (kept, codes, (gsize) rows * cols * K * sizeof (float)), ==, 0);

  scvae_session_set_intervention (session, NULL);
  g_assert_true (scvae_session_decode (session, NULL, NULL));
  g_assert_true (same_images (plain, scvae_session_get_reconstruction (session)));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/intervene/by-hand", test_by_hand);
  g_test_add_func ("/intervene/against-latents", test_against_latents);
  g_test_add_func ("/intervene/session", test_session);
  return g_test_run ();
}
