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

/* The squared differences of n <= PSNR_BLOCK floats, summed in sixteen
 * lanes of floats that the compiler makes vectors of; blocks add up in
 * double (one element at a time in double took 1.6 ms at 1024x768). */
#define PSNR_BLOCK 4096
#define PSNR_LANES 16

SCVAE_VECTORIZED static double
squared_error_block (const float *a, const float *b, gsize n)
{
  float lanes[PSNR_LANES] = { 0 };
  double sum = 0.0;
  gsize i = 0;

  for (; i + PSNR_LANES <= n; i += PSNR_LANES)
    for (int j = 0; j < PSNR_LANES; j++)
      {
        float d = a[i + j] - b[i + j];

        lanes[j] += d * d;
      }
  for (; i < n; i++)
    sum += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
  for (int j = 0; j < PSNR_LANES; j++)
    sum += lanes[j];
  return sum;
}

double
scvae_psnr (const ScvaeImage *a, const ScvaeImage *b)
{
  gsize n = (gsize) 3 * a->width * a->height;
  double se = 0.0;

  g_return_val_if_fail (a->width == b->width && a->height == b->height, NAN);

  for (gsize i = 0; i < n; i += PSNR_BLOCK)
    se += squared_error_block (a->data + i, b->data + i, MIN (PSNR_BLOCK, n - i));
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

/* The blur runs over bands of this many rows, each from the rows it
 * reaches (SSIM_RADIUS more on each side): a comparison's working memory is
 * a few bands, not six planes per thread (200 MB at 2048 x 2048 px). */
#define SSIM_BAND_ROWS 128

/* What a blur reads: a channel in [0, 1], its squares, or the products of
 * two images' channels. A channel of an ScvaeImage (in [-1, 1]) is read
 * into [0, 1] as it goes, so that no plane of it is made. */
typedef struct {
  const float *a, *b;   /* channels; b NULL: a alone */
  gboolean a_signed;    /* a is in [-1, 1] */
  gboolean b_signed;
  gboolean square;      /* a * a (or a * b) rather than a */
  int width, height;
} BlurSource;

static inline float
unit (float v, gboolean is_signed)
{
  return is_signed ? (v + 1.f) * 0.5f : v;
}

SCVAE_VECTORIZED static void
source_row (const BlurSource *source, int y, float *out)
{
  const float *a = source->a + (gsize) y * source->width;
  const float *b = source->b ? source->b + (gsize) y * source->width : a;
  gboolean b_signed = source->b ? source->b_signed : source->a_signed;

  if (!source->square)
    for (int x = 0; x < source->width; x++)
      out[x] = unit (a[x], source->a_signed);
  else
    for (int x = 0; x < source->width; x++)
      out[x] = unit (a[x], source->a_signed) * unit (b[x], b_signed);
}

/* A band's working memory: the rows the band reaches, horizontally blurred,
 * and one padded source row. */
static gsize
blur_work_size (int width)
{
  return (gsize) (SSIM_BAND_ROWS + 2 * SSIM_RADIUS) * width + width + 2 * SSIM_RADIUS;
}

/* Rows y0 .. y1 - 1 of the separable Gaussian blur of the source, with
 * mirrored borders, into dst (y1 - y0 rows). Each pass is a sum of
 * shifted, weighted rows so that the inner loops run over contiguous
 * pixels and vectorise; every output pixel is the same sum, in the same
 * order, as a blur of the whole plane. */
SCVAE_VECTORIZED static void
gaussian_blur_rows (const BlurSource *source, int y0, int y1, const float *taps, float *work, float *dst)
{
  int w = source->width, h = source->height;
  float *rows = work, *pad = work + (gsize) (SSIM_BAND_ROWS + 2 * SSIM_RADIUS) * w;

  /* rows[i] holds row mirror (y0 - SSIM_RADIUS + i) blurred across. */
  for (int i = 0; i < y1 - y0 + 2 * SSIM_RADIUS; i++)
    {
      float *out = rows + (gsize) i * w;

      source_row (source, mirror (y0 - SSIM_RADIUS + i, h), pad + SSIM_RADIUS);
      for (int x = -SSIM_RADIUS; x < 0; x++)
        pad[x + SSIM_RADIUS] = pad[mirror (x, w) + SSIM_RADIUS];
      for (int x = w; x < w + SSIM_RADIUS; x++)
        pad[x + SSIM_RADIUS] = pad[mirror (x, w) + SSIM_RADIUS];
      for (int x = 0; x < w; x++)
        out[x] = 0.f;
      for (int k = 0; k <= 2 * SSIM_RADIUS; k++)
        for (int x = 0; x < w; x++)
          out[x] += taps[k] * pad[x + k];
    }
  for (int y = y0; y < y1; y++)
    {
      float *out = dst + (gsize) (y - y0) * w;

      for (int x = 0; x < w; x++)
        out[x] = 0.f;
      for (int k = -SSIM_RADIUS; k <= SSIM_RADIUS; k++)
        {
          const float *in = rows + (gsize) (y - y0 + k + SSIM_RADIUS) * w;
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
  /* Working memory of the comparisons, one block per thread: kept, so
   * that a comparison allocates nothing (see process.c). */
  float **work;
  int n_work;
  double *band_sums;     /* per channel and band of rows */
};

static int
n_bands (const SsimReference *self)
{
  return (self->height + SSIM_BAND_ROWS - 1) / SSIM_BAND_ROWS;
}

/* One channel in [0, 1]. */
static void
channel_01 (const ScvaeImage *image, int c, float *out)
{
  gsize plane = (gsize) image->width * image->height;

  for (gsize i = 0; i < plane; i++)
    out[i] = (image->data[c * plane + i] + 1.f) * 0.5f;
}

/* The whole blurred plane, band by band. */
static void
gaussian_blur (const BlurSource *source, const float *taps, float *work, float *dst)
{
  for (int y0 = 0; y0 < source->height; y0 += SSIM_BAND_ROWS)
    gaussian_blur_rows (source, y0, MIN (source->height, y0 + SSIM_BAND_ROWS), taps, work,
                        dst + (gsize) y0 * source->width);
}

SsimReference *
scvae__ssim_reference_new (const ScvaeImage *reference)
{
  SsimReference *self = g_new0 (SsimReference, 1);
  int w = reference->width, h = reference->height;
  gsize plane = (gsize) w * h;
  g_autofree float *work = g_new (float, blur_work_size (w));
  float sum = 0.f;

  self->width = w, self->height = h;
  for (int k = -SSIM_RADIUS; k <= SSIM_RADIUS; k++)
    sum += self->taps[k + SSIM_RADIUS] = expf (-0.5f * k * k / (1.5f * 1.5f));
  for (int k = 0; k <= 2 * SSIM_RADIUS; k++)
    self->taps[k] /= sum;

  self->band_sums = g_new (double, 3 * n_bands (self));
  self->pixels = g_new (float, 3 * plane);
  self->mean = g_new (float, 3 * plane);
  self->square = g_new (float, 3 * plane);
  for (int c = 0; c < 3; c++)
    {
      BlurSource x = { .a = self->pixels + c * plane, .width = w, .height = h };
      BlurSource xx = { .a = self->pixels + c * plane, .square = TRUE, .width = w, .height = h };

      channel_01 (reference, c, self->pixels + c * plane);
      gaussian_blur (&x, self->taps, work, self->mean + c * plane);
      gaussian_blur (&xx, self->taps, work, self->square + c * plane);
    }
  return self;
}

void
scvae__ssim_reference_free (SsimReference *self)
{
  if (self == NULL)
    return;
  g_free (self->pixels);
  g_free (self->mean);
  g_free (self->square);
  for (int i = 0; i < self->n_work; i++)
    g_free (self->work[i]);
  g_free (self->work);
  g_free (self->band_sums);
  g_free (self);
}

typedef struct {
  SsimReference *reference;
  const ScvaeImage *image;
} SsimComparison;

/* The pixels [*lo, *hi) of a side of n that the mean is taken over; images
 * too small for the crop are measured over every pixel. */
static void
measured (int n, int *lo, int *hi)
{
  *lo = n > 2 * SSIM_RADIUS ? SSIM_RADIUS : 0;
  *hi = n > 2 * SSIM_RADIUS ? n - SSIM_RADIUS : n;
}

/* A part's working memory: three blurred bands and the blur's own. */
static gsize
work_per_part (const SsimReference *self)
{
  return (gsize) 3 * SSIM_BAND_ROWS * self->width + blur_work_size (self->width);
}

/* The SSIM map summed over bands of a channel, each thread every
 * n_parts-th (channel, band) pair: balanced whatever the number of
 * threads (by channel, two threads took two channels and one). Each
 * band's sum is kept apart and the sums added in order afterwards, so the
 * result does not depend on the threads either. */
static void
compare_bands (int part, int n_parts, gpointer data)
{
  SsimComparison *comparison = data;
  SsimReference *self = comparison->reference;
  int w = self->width, h = self->height, bands = n_bands (self);
  gsize plane = (gsize) w * h, band = (gsize) SSIM_BAND_ROWS * w;
  float *my = self->work[part], *syy = my + band, *sxy = syy + band, *work = sxy + band;
  int x0, x1, y0, y1;

  measured (w, &x0, &x1);
  measured (h, &y0, &y1);
  for (int u = part; u < 3 * bands; u += n_parts)
    {
      int c = u / bands, b0 = u % bands * SSIM_BAND_ROWS, b1 = MIN (h, b0 + SSIM_BAND_ROWS);
      const float *x = self->pixels + c * plane, *y = comparison->image->data + c * plane;
      const float *mx = self->mean + c * plane, *sxx = self->square + c * plane;
      BlurSource source_y = { .a = y, .a_signed = TRUE, .width = w, .height = h };
      BlurSource source_yy = { .a = y, .a_signed = TRUE, .square = TRUE, .width = w, .height = h };
      BlurSource source_xy = { .a = x, .b = y, .b_signed = TRUE, .square = TRUE, .width = w, .height = h };
      double sum = 0.0;

      gaussian_blur_rows (&source_y, b0, b1, self->taps, work, my);
      gaussian_blur_rows (&source_yy, b0, b1, self->taps, work, syy);
      gaussian_blur_rows (&source_xy, b0, b1, self->taps, work, sxy);
      for (int yy = MAX (b0, y0); yy < MIN (b1, y1); yy++)
        {
          gsize i = (gsize) yy * w + x0, j = (gsize) (yy - b0) * w + x0;

          sum += ssim_row (mx + i, my + j, sxx + i, syy + j, sxy + j, x1 - x0);
        }
      self->band_sums[u] = sum;
    }
}

double
scvae__ssim_reference_compare (SsimReference *self, const ScvaeImage *image)
{
  int n_parts = MIN (scvae_get_threads (), 3 * n_bands (self));
  SsimComparison comparison = { self, image };
  int x0, x1, y0, y1;
  double total = 0.0;

  g_return_val_if_fail (image->width == self->width && image->height == self->height, NAN);

  if (n_parts > self->n_work)
    {
      self->work = g_renew (float *, self->work, n_parts);
      for (; self->n_work < n_parts; self->n_work++)
        self->work[self->n_work] = g_new (float, work_per_part (self));
    }
  scvae__parallel_run (n_parts, compare_bands, &comparison);
  for (int u = 0; u < 3 * n_bands (self); u++)
    total += self->band_sums[u];
  measured (self->width, &x0, &x1);
  measured (self->height, &y0, &y1);
  /* The mean over channels of each channel's mean */
  return total / (3.0 * (x1 - x0) * (y1 - y0));
}

double
scvae_ssim (const ScvaeImage *a, const ScvaeImage *b)
{
  g_autoptr(SsimReference) reference = NULL;

  g_return_val_if_fail (a->width == b->width && a->height == b->height, NAN);
  reference = scvae__ssim_reference_new (b);
  return scvae__ssim_reference_compare (reference, a);
}
