/* conv.c: convolutions as im2col/col2im around cblas_sgemm
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A convolution gathers, for every output position, the k x k input window
 * of every channel into a column (im2col) and multiplies by the weight
 * matrix. A transposed convolution is the same pair read backwards: a GEMM
 * produces per-input-position columns that are scattered into the output
 * (col2im). That keeps every GEMM's dimensions at channels x k^2 and
 * positions, never 3 (RGB) in the position dimension, where OpenBLAS is slow.
 *
 * Positions are processed in chunks so the column buffer stays bounded for
 * large images, yet each chunk is large enough to keep the GEMM efficient.
 */

#include "conv.h"

#include <cblas.h>
#include <string.h>

/* Column buffers are capped at this many floats (32 MiB) unless the
 * caller's Scratch says otherwise. */
#define DEFAULT_COLUMN_LIMIT ((gsize) 1 << 23)

/* Window geometry: the `image` side is gathered from (im2col) or scattered
 * into (col2im); the `grid` side's positions index the columns. */
typedef struct {
  int channels;
  Extent image;
  Extent grid;
  int kernel;
  int stride;
  int pad;
} Windows;

Extent
conv_output_extent (const ConvSpec *spec, Extent in)
{
  Extent out = { .batch = in.batch };

  if (spec->transposed)
    {
      out.height = (in.height - 1) * spec->stride - 2 * spec->pad + spec->kernel;
      out.width = (in.width - 1) * spec->stride - 2 * spec->pad + spec->kernel;
    }
  else
    {
      out.height = (in.height + 2 * spec->pad - spec->kernel) / spec->stride + 1;
      out.width = (in.width + 2 * spec->pad - spec->kernel) / spec->stride + 1;
    }
  return out;
}

gsize
conv_weight_size (const ConvSpec *spec)
{
  return (gsize) spec->in_channels * spec->out_channels * spec->kernel * spec->kernel;
}

/* The grid columns ox in [*lo, *hi) whose tap kx falls inside the image. */
static inline void
valid_columns (const Windows *w, int kx, int *lo, int *hi)
{
  int first = w->pad - kx;
  int last = w->image.width + w->pad - kx; /* exclusive bound on ox * stride */

  *lo = first <= 0 ? 0 : (first + w->stride - 1) / w->stride;
  *hi = last <= 0 ? 0 : MIN (w->grid.width, (last + w->stride - 1) / w->stride);
  *lo = MIN (*lo, *hi);
}

/* Walks the grid positions [q0, q1) row run by row run, calling the body
 * with the image row (or NULL when outside) for each tap. */
#define FOR_EACH_RUN(w, q0, q1, ...)                                           \
  G_STMT_START {                                                               \
    int gw = (w)->grid.width, gh = (w)->grid.height;                           \
    gsize q = (q0);                                                            \
    int ox0 = q % gw;                                                          \
    int oy = (q / gw) % gh;                                                    \
    int b = q / ((gsize) gw * gh);                                             \
    while (q < (q1))                                                           \
      {                                                                        \
        int run = (int) MIN ((gsize) (gw - ox0), (q1) - q);                    \
        gsize offset = q - (q0);                                               \
        __VA_ARGS__;                                                               \
        q += run;                                                              \
        ox0 = 0;                                                               \
        if (++oy == gh)                                                        \
          {                                                                    \
            oy = 0;                                                            \
            b++;                                                               \
          }                                                                    \
      }                                                                        \
  } G_STMT_END

static void
im2col (const Windows *w, const float *image, gsize q0, gsize q1, float *cols)
{
  gsize nq = q1 - q0;
  gsize plane = (gsize) w->image.height * w->image.width;
  int k = w->kernel, s = w->stride;

  for (int c = 0; c < w->channels; c++)
    for (int ky = 0; ky < k; ky++)
      for (int kx = 0; kx < k; kx++)
        {
          float *row = cols + ((gsize) (c * k + ky) * k + kx) * nq;
          int lo, hi;

          valid_columns (w, kx, &lo, &hi);
          FOR_EACH_RUN (w, q0, q1, {
            float *dst = row + offset - ox0;
            int iy = oy * s - w->pad + ky;
            int end = ox0 + run;

            if (iy < 0 || iy >= w->image.height)
              {
                memset (dst + ox0, 0, run * sizeof (float));
              }
            else
              {
                const float *src = image + ((gsize) c * w->image.batch + b) * plane
                                   + (gsize) iy * w->image.width - w->pad + kx;
                int a = MAX (ox0, lo), z = MIN (end, hi);

                for (int ox = ox0; ox < MIN (a, end); ox++)
                  dst[ox] = 0.f;
                if (s == 1)
                  {
                    if (z > a)
                      memcpy (dst + a, src + a, (z - a) * sizeof (float));
                  }
                else
                  {
                    for (int ox = a; ox < z; ox++)
                      dst[ox] = src[ox * s];
                  }
                for (int ox = MAX (z, ox0); ox < end; ox++)
                  dst[ox] = 0.f;
              }
          });
        }
}

static void
col2im (const Windows *w, const float *cols, gsize q0, gsize q1, float *image)
{
  gsize nq = q1 - q0;
  gsize plane = (gsize) w->image.height * w->image.width;
  int k = w->kernel, s = w->stride;

  for (int c = 0; c < w->channels; c++)
    for (int ky = 0; ky < k; ky++)
      for (int kx = 0; kx < k; kx++)
        {
          const float *row = cols + ((gsize) (c * k + ky) * k + kx) * nq;
          int lo, hi;

          valid_columns (w, kx, &lo, &hi);
          FOR_EACH_RUN (w, q0, q1, {
            const float *src = row + offset - ox0;
            int iy = oy * s - w->pad + ky;

            if (iy >= 0 && iy < w->image.height)
              {
                float *dst = image + ((gsize) c * w->image.batch + b) * plane
                             + (gsize) iy * w->image.width - w->pad + kx;
                int a = MAX (ox0, lo), z = MIN (ox0 + run, hi);

                for (int ox = a; ox < z; ox++)
                  dst[ox * s] += src[ox];
              }
          });
        }
}

static Windows
windows_for (const ConvSpec *spec, Extent in)
{
  Extent out = conv_output_extent (spec, in);
  Windows w = {
    .kernel = spec->kernel,
    .stride = spec->stride,
    .pad = spec->pad,
  };

  /* A transposed convolution is a convolution from its output to its input. */
  if (spec->transposed)
    {
      w.channels = spec->out_channels;
      w.image = out;
      w.grid = in;
    }
  else
    {
      w.channels = spec->in_channels;
      w.image = in;
      w.grid = out;
    }
  return w;
}

static gsize
chunk_positions (const Scratch *scratch, gsize rows, gsize positions)
{
  gsize limit = scratch->column_limit ? scratch->column_limit : DEFAULT_COLUMN_LIMIT;
  gsize chunk = MAX ((gsize) 1, limit / rows);

  return MIN (chunk, positions);
}

static gboolean
is_pointwise (const ConvSpec *spec)
{
  return spec->kernel == 1 && spec->stride == 1 && spec->pad == 0 && !spec->transposed;
}

static void
fill_bias (const float *bias, int channels, gsize positions, float *y)
{
  for (int c = 0; c < channels; c++)
    {
      float *row = y + (gsize) c * positions;
      float value = bias ? bias[c] : 0.f;

      for (gsize i = 0; i < positions; i++)
        row[i] = value;
    }
}

static void
accumulate_bias_gradient (const float *dy, int channels, gsize positions, float *dbias)
{
  for (int c = 0; c < channels; c++)
    {
      const float *row = dy + (gsize) c * positions;
      double sum = 0.0;

      for (gsize i = 0; i < positions; i++)
        sum += row[i];
      dbias[c] += (float) sum;
    }
}

void
conv_forward (const ConvSpec *spec,
              const float *weight,
              const float *bias,
              const float *x,
              Extent in,
              float *y,
              Scratch *scratch)
{
  Windows w = windows_for (spec, in);
  gsize kk = (gsize) spec->kernel * spec->kernel;
  gsize n_in = extent_size (in);
  gsize n_out = extent_size (conv_output_extent (spec, in));

  fill_bias (bias, spec->out_channels, n_out, y);

  if (is_pointwise (spec))
    {
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans,
                   spec->out_channels, n_out, spec->in_channels,
                   1.f, weight, spec->in_channels, x, n_in,
                   1.f, y, n_out);
    }
  else if (spec->transposed)
    {
      gsize rows = spec->out_channels * kk;
      gsize chunk = chunk_positions (scratch, rows, n_in);
      float *cols = scratch_get (scratch, 0, rows * chunk);

      for (gsize p0 = 0; p0 < n_in; p0 += chunk)
        {
          gsize np = MIN (chunk, n_in - p0);

          cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans,
                       rows, np, spec->in_channels,
                       1.f, weight, rows, x + p0, n_in,
                       0.f, cols, np);
          col2im (&w, cols, p0, p0 + np, y);
        }
    }
  else
    {
      gsize rows = spec->in_channels * kk;
      gsize chunk = chunk_positions (scratch, rows, n_out);
      float *cols = scratch_get (scratch, 0, rows * chunk);

      for (gsize q0 = 0; q0 < n_out; q0 += chunk)
        {
          gsize nq = MIN (chunk, n_out - q0);

          im2col (&w, x, q0, q0 + nq, cols);
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans,
                       spec->out_channels, nq, rows,
                       1.f, weight, rows, cols, nq,
                       1.f, y + q0, n_out);
        }
    }
}

void
conv_backward (const ConvSpec *spec,
               const float *weight,
               const float *x,
               Extent in,
               const float *dy,
               float *dx,
               float *dweight,
               float *dbias,
               Scratch *scratch)
{
  Windows w = windows_for (spec, in);
  gsize kk = (gsize) spec->kernel * spec->kernel;
  gsize n_in = extent_size (in);
  gsize n_out = extent_size (conv_output_extent (spec, in));

  if (dbias)
    accumulate_bias_gradient (dy, spec->out_channels, n_out, dbias);

  if (is_pointwise (spec))
    {
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans,
                   spec->out_channels, spec->in_channels, n_out,
                   1.f, dy, n_out, x, n_in,
                   1.f, dweight, spec->in_channels);
      if (dx)
        cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans,
                     spec->in_channels, n_in, spec->out_channels,
                     1.f, weight, spec->in_channels, dy, n_out,
                     1.f, dx, n_in);
    }
  else if (spec->transposed)
    {
      gsize rows = spec->out_channels * kk;
      gsize chunk = chunk_positions (scratch, rows, n_in);
      float *cols = scratch_get (scratch, 0, rows * chunk);

      for (gsize p0 = 0; p0 < n_in; p0 += chunk)
        {
          gsize np = MIN (chunk, n_in - p0);

          im2col (&w, dy, p0, p0 + np, cols);
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans,
                       spec->in_channels, rows, np,
                       1.f, x + p0, n_in, cols, np,
                       1.f, dweight, rows);
          if (dx)
            cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans,
                         spec->in_channels, np, rows,
                         1.f, weight, rows, cols, np,
                         1.f, dx + p0, n_in);
        }
    }
  else
    {
      gsize rows = spec->in_channels * kk;
      gsize chunk = chunk_positions (scratch, rows, n_out);
      float *cols = scratch_get (scratch, 0, rows * chunk);
      float *dcols = dx ? scratch_get (scratch, 1, rows * chunk) : NULL;

      for (gsize q0 = 0; q0 < n_out; q0 += chunk)
        {
          gsize nq = MIN (chunk, n_out - q0);

          im2col (&w, x, q0, q0 + nq, cols);
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans,
                       spec->out_channels, rows, nq,
                       1.f, dy + q0, n_out, cols, nq,
                       1.f, dweight, rows);
          if (dx)
            {
              cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans,
                           rows, nq, spec->out_channels,
                           1.f, weight, rows, dy + q0, n_out,
                           0.f, dcols, nq);
              col2im (&w, dcols, q0, q0 + nq, dx);
            }
        }
    }
}
