/* test-metrics.c: PSNR and SSIM against scikit-image and a
 * double-precision reference
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <math.h>

#include "fixtures.h"

static void
test_ssim_matches_scikit_image (void)
{
  g_autofree char *a_path = g_test_build_filename (G_TEST_DIST, "..", "data", "ssim-a.png", NULL);
  g_autofree char *b_path = g_test_build_filename (G_TEST_DIST, "..", "data", "ssim-b.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeImage) a = NULL, b = NULL;

  a = scvae_image_load (a_path, 0, NULL, &error);
  g_assert_no_error (error);
  b = scvae_image_load (b_path, 0, NULL, &error);
  g_assert_no_error (error);
  /* From tools/reference/ssim-reference (scikit-image 0.19). */
  g_assert_cmpfloat_with_epsilon (scvae_psnr (a, b), 25.218302, 1e-4);
  g_assert_cmpfloat_with_epsilon (scvae_ssim (a, b), 0.724186, 1e-5);
  g_assert_cmpfloat_with_epsilon (scvae_ssim (a, a), 1.0, 1e-6);
}

static int
reflect_index (int i, int n)
{
  if (n == 1)
    return 0;
  while (i < 0 || i >= n)
    i = i < 0 ? -i - 1 : 2 * n - i - 1;
  return i;
}

/* The blur of scikit-image's SSIM, pixel by pixel in double precision. */
static double *
reference_blur (const double *x, int w, int h)
{
  double taps[11], sum = 0.0;
  double *across = g_new (double, (gsize) w * h), *out = g_new (double, (gsize) w * h);

  for (int k = -5; k <= 5; k++)
    sum += taps[k + 5] = exp (-0.5 * k * k / (1.5 * 1.5));
  for (int y = 0; y < h; y++)
    for (int i = 0; i < w; i++)
      {
        double v = 0.0;

        for (int k = -5; k <= 5; k++)
          v += taps[k + 5] / sum * x[(gsize) y * w + reflect_index (i + k, w)];
        across[(gsize) y * w + i] = v;
      }
  for (int y = 0; y < h; y++)
    for (int i = 0; i < w; i++)
      {
        double v = 0.0;

        for (int k = -5; k <= 5; k++)
          v += taps[k + 5] / sum * across[(gsize) reflect_index (y + k, h) * w + i];
        out[(gsize) y * w + i] = v;
      }
  g_free (across);
  return out;
}

static double
reference_ssim (const ScvaeImage *a, const ScvaeImage *b)
{
  int w = a->width, h = a->height;
  gsize plane = (gsize) w * h;
  int x0 = w > 10 ? 5 : 0, x1 = w > 10 ? w - 5 : w, y0 = h > 10 ? 5 : 0, y1 = h > 10 ? h - 5 : h;
  double total = 0.0;

  for (int c = 0; c < 3; c++)
    {
      g_autofree double *x = g_new (double, plane), *y = g_new (double, plane);
      g_autofree double *xx = g_new (double, plane), *yy = g_new (double, plane), *xy = g_new (double, plane);
      g_autofree double *mx = NULL, *my = NULL, *sxx = NULL, *syy = NULL, *sxy = NULL;
      double channel = 0.0;

      for (gsize i = 0; i < plane; i++)
        {
          x[i] = (b->data[c * plane + i] + 1.0) / 2, y[i] = (a->data[c * plane + i] + 1.0) / 2;
          xx[i] = x[i] * x[i], yy[i] = y[i] * y[i], xy[i] = x[i] * y[i];
        }
      mx = reference_blur (x, w, h), my = reference_blur (y, w, h);
      sxx = reference_blur (xx, w, h), syy = reference_blur (yy, w, h), sxy = reference_blur (xy, w, h);
      for (int r = y0; r < y1; r++)
        for (int i = x0; i < x1; i++)
          {
            gsize j = (gsize) r * w + i;
            double c1 = 1e-4, c2 = 9e-4, vx = sxx[j] - mx[j] * mx[j], vy = syy[j] - my[j] * my[j];
            double vxy = sxy[j] - mx[j] * my[j];

            channel += ((2 * mx[j] * my[j] + c1) * (2 * vxy + c2))
                       / ((mx[j] * mx[j] + my[j] * my[j] + c1) * (vx + vy + c2));
          }
      total += channel / ((double) (x1 - x0) * (y1 - y0));
    }
  return total / 3;
}

/* SSIM blurs in bands of rows, each from the rows it reaches: taller
 * images than a band, and shorter ones than the blur, come out as the
 * whole-plane definition says, and the same to the bit on any number of
 * threads (they share the channels' bands). */
static void
test_ssim_bands (void)
{
  const int sizes[][2] = { { 70, 300 }, { 300, 129 }, { 9, 7 }, { 1, 40 } };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(ScvaeImage) a = fixture_test_image (sizes[i][0], sizes[i][1]);
      g_autoptr(ScvaeImage) b = fixture_test_image (sizes[i][0], sizes[i][1]);
      double expected;

      for (gsize j = 0; j < (gsize) 3 * a->width * a->height; j++)
        b->data[j] = CLAMP (0.7f * b->data[j] + 0.2f * sinf (0.37f * j), -1.f, 1.f);
      expected = reference_ssim (a, b);
      g_test_message ("%dx%d: SSIM %.7f, reference %.7f", sizes[i][0], sizes[i][1], scvae_ssim (a, b), expected);
      g_assert_cmpfloat_with_epsilon (scvae_ssim (a, b), expected, 2e-6);
      for (int threads = 1; threads <= 5; threads++)
        {
          scvae_set_threads (threads);
          if (threads == 1)
            expected = scvae_ssim (a, b);
          g_assert_cmpfloat (scvae_ssim (a, b), ==, expected);
        }
      scvae_set_threads (0);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/metrics/ssim", test_ssim_matches_scikit_image);
  g_test_add_func ("/metrics/ssim-bands", test_ssim_bands);

  return g_test_run ();
}
