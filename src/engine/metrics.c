/* metrics.c: image quality measures
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "metrics.h"

#include <math.h>
#include <string.h>

#include "simd.h"
#include "threads.h"

double
scvae_psnr (const ScvaeImage *a, const ScvaeImage *b)
{
  gsize n = (gsize) 3 * a->width * a->height;
  double se = 0.0;

  g_return_val_if_fail (a->width == b->width && a->height == b->height, NAN);

  for (gsize i = 0; i < n; i++)
    {
      double d = a->data[i] - b->data[i];
      se += d * d;
    }
  /* Pixels span 2 in [-1, 1]: on [0, 1] the squared error is a quarter. */
  return 10.0 * log10 (1.0 / (se / n / 4.0));
}

/* SSIM as scikit-image computes it with gaussian_weights=True: an 11-tap
 * Gaussian (sigma 1.5, truncated at 3.5 sigma) with mirrored borders,
 * population covariances, K1 = 0.01, K2 = 0.03, data range 1, the map's
 * mean over the interior (5 pixels in from each side), averaged over
 * channels. */
#define SSIM_RADIUS 5

static int
mirror (int i, int n)
{
  /* scipy.ndimage "reflect": d c b a | a b c d | d c b a */
  if (n == 1)
    return 0;
  while (i < 0 || i >= n)
    i = i < 0 ? -i - 1 : 2 * n - i - 1;
  return i;
}

/* Separable blur; each pass is a sum of shifted, weighted rows so that
 * the inner loops run over contiguous pixels and vectorise. pad holds one
 * row plus SSIM_RADIUS mirrored pixels on each side. */
SCVAE_VECTORIZED static void
gaussian_blur (const float *src, float *tmp, float *dst, int w, int h, const float *taps, float *pad)
{
  for (int y = 0; y < h; y++)
    {
      const float *row = src + (gsize) y * w;
      float *out = tmp + (gsize) y * w;

      for (int x = -SSIM_RADIUS; x < w + SSIM_RADIUS; x++)
        pad[x + SSIM_RADIUS] = row[mirror (x, w)];
      for (int x = 0; x < w; x++)
        out[x] = 0.f;
      for (int k = 0; k <= 2 * SSIM_RADIUS; k++)
        for (int x = 0; x < w; x++)
          out[x] += taps[k] * pad[x + k];
    }
  for (int y = 0; y < h; y++)
    {
      float *out = dst + (gsize) y * w;

      for (int x = 0; x < w; x++)
        out[x] = 0.f;
      for (int k = -SSIM_RADIUS; k <= SSIM_RADIUS; k++)
        {
          const float *in = tmp + (gsize) mirror (y + k, h) * w;
          float t = taps[k + SSIM_RADIUS];

          for (int x = 0; x < w; x++)
            out[x] += t * in[x];
        }
    }
}

/* The SSIM map summed over a row, in float so that it vectorises; rows
 * add up in double. */
SCVAE_VECTORIZED static float
ssim_row (const float *mx, const float *my, const float *sxx, const float *syy, const float *sxy, int n)
{
  const float c1 = 0.01f * 0.01f, c2 = 0.03f * 0.03f;
  float sum = 0.f;

  for (int x = 0; x < n; x++)
    {
      float ux = mx[x], uy = my[x];
      float vx = sxx[x] - ux * ux, vy = syy[x] - uy * uy, vxy = sxy[x] - ux * uy;

      sum += ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
    }
  return sum;
}

struct _SsimReference {
  int width, height;
  float taps[2 * SSIM_RADIUS + 1];
  float *pixels;        /* 3 planes in [0, 1] */
  float *mean, *square;  /* 3 planes each: pixels and their squares, blurred */
  /* Working memory of the comparisons, one block per thread: kept, as
   * fresh blocks this large fault in page by page (see process.c). */
  float *work[3];
};

/* One channel in [0, 1]. */
static void
channel_01 (const ScvaeImage *image, int c, float *out)
{
  gsize plane = (gsize) image->width * image->height;

  for (gsize i = 0; i < plane; i++)
    out[i] = (image->data[c * plane + i] + 1.f) * 0.5f;
}

SsimReference *
ssim_reference_new (const ScvaeImage *reference)
{
  SsimReference *self = g_new0 (SsimReference, 1);
  int w = reference->width, h = reference->height;
  gsize plane = (gsize) w * h;
  g_autofree float *square = g_new (float, plane), *tmp = g_new (float, plane);
  g_autofree float *pad = g_new (float, w + 2 * SSIM_RADIUS);
  float sum = 0.f;

  self->width = w, self->height = h;
  for (int k = -SSIM_RADIUS; k <= SSIM_RADIUS; k++)
    sum += self->taps[k + SSIM_RADIUS] = expf (-0.5f * k * k / (1.5f * 1.5f));
  for (int k = 0; k <= 2 * SSIM_RADIUS; k++)
    self->taps[k] /= sum;

  self->pixels = g_new (float, 3 * plane);
  self->mean = g_new (float, 3 * plane);
  self->square = g_new (float, 3 * plane);
  for (int c = 0; c < 3; c++)
    {
      float *x = self->pixels + c * plane;

      channel_01 (reference, c, x);
      gaussian_blur (x, tmp, self->mean + c * plane, w, h, self->taps, pad);
      for (gsize i = 0; i < plane; i++)
        square[i] = x[i] * x[i];
      gaussian_blur (square, tmp, self->square + c * plane, w, h, self->taps, pad);
    }
  return self;
}

void
ssim_reference_free (SsimReference *self)
{
  if (self == NULL)
    return;
  g_free (self->pixels);
  g_free (self->mean);
  g_free (self->square);
  for (int i = 0; i < 3; i++)
    g_free (self->work[i]);
  g_free (self);
}

typedef struct {
  const SsimReference *reference;
  const ScvaeImage *image;
  double channel_ssim[3];
} SsimComparison;

/* A part's working memory: 6 planes and a padded row. */
static gsize
work_per_part (const SsimReference *self)
{
  return (gsize) 6 * self->width * self->height + self->width + 2 * SSIM_RADIUS;
}

/* The mean SSIM of some of the channels, each thread its own. */
static void
compare_channels (int part, int n_parts, gpointer data)
{
  SsimComparison *comparison = data;
  const SsimReference *self = comparison->reference;
  int w = self->width, h = self->height;
  gsize plane = (gsize) w * h;
  float *y = self->work[part];
  float *prod = y + plane, *tmp = prod + plane, *my = tmp + plane, *syy = my + plane, *sxy = syy + plane;
  float *pad = sxy + plane;
  /* Images too small for the crop are measured over every pixel. */
  int x0 = w > 2 * SSIM_RADIUS ? SSIM_RADIUS : 0, x1 = w > 2 * SSIM_RADIUS ? w - SSIM_RADIUS : w;
  int y0 = h > 2 * SSIM_RADIUS ? SSIM_RADIUS : 0, y1 = h > 2 * SSIM_RADIUS ? h - SSIM_RADIUS : h;

  for (int c = part; c < 3; c += n_parts)
    {
      const float *x = self->pixels + c * plane;
      const float *mx = self->mean + c * plane, *sxx = self->square + c * plane;
      double channel = 0.0;

      channel_01 (comparison->image, c, y);
      gaussian_blur (y, tmp, my, w, h, self->taps, pad);
      for (gsize i = 0; i < plane; i++)
        prod[i] = y[i] * y[i];
      gaussian_blur (prod, tmp, syy, w, h, self->taps, pad);
      for (gsize i = 0; i < plane; i++)
        prod[i] = x[i] * y[i];
      gaussian_blur (prod, tmp, sxy, w, h, self->taps, pad);

      for (int yy = y0; yy < y1; yy++)
        {
          gsize i = (gsize) yy * w + x0;

          channel += ssim_row (mx + i, my + i, sxx + i, syy + i, sxy + i, x1 - x0);
        }
      comparison->channel_ssim[c] = channel / ((double) (x1 - x0) * (y1 - y0));
    }
}

double
ssim_reference_compare (SsimReference *self, const ScvaeImage *image)
{
  int n_parts = MIN (scvae_get_threads (), 3);
  SsimComparison comparison = { self, image };

  g_return_val_if_fail (image->width == self->width && image->height == self->height, NAN);

  for (int i = 0; i < n_parts; i++)
    if (self->work[i] == NULL)
      self->work[i] = g_new (float, work_per_part (self));
  parallel_run (n_parts, compare_channels, &comparison);
  return (comparison.channel_ssim[0] + comparison.channel_ssim[1] + comparison.channel_ssim[2]) / 3.0;
}

double
scvae_ssim (const ScvaeImage *a, const ScvaeImage *b)
{
  g_autoptr(SsimReference) reference = NULL;

  g_return_val_if_fail (a->width == b->width && a->height == b->height, NAN);
  reference = ssim_reference_new (b);
  return ssim_reference_compare (reference, a);
}
