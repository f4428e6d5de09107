/* conv.c: convolutions, forward and backward
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The forward of the architecture's convolutions is a sum of shifted
 * products over a padded copy of the input (below, and conv-taps.c). The
 * backward, and any other forward, use im2col/col2im around cblas_sgemm:
 * a convolution gathers, for every output position, the k x k input window
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

#include "conv-taps.h"
#include "ops.h"

#include <cblas.h>
#include <string.h>

#include "simd.h"

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
scvae__conv_output_extent (const ConvSpec *spec, Extent in)
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
scvae__conv_weight_size (const ConvSpec *spec)
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
  Extent out = scvae__conv_output_extent (spec, in);
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

/* ------------------------------------------------------------------------- */
/* Forward without im2col ("shifted products").
 *
 * im2col writes k*k copies of the input and col2im scatters k*k partial
 * sums; at 64 channels that copying costs as much as the GEMM itself. With
 * a padded copy of the input, the input column a kernel tap needs for all
 * output positions is the padded plane shifted by that tap's offset, if
 * outputs are computed over the padded width too (the extra columns are
 * computed and dropped). So a convolution becomes a sum over taps, each
 * reading the input in place: y_padded += W_tap x_padded[. + offset],
 * which scvae__conv_taps computes without GEMM calls (conv-taps.c).
 * Stride-2 kernels first fold 2x2 pixel blocks into channels
 * (space-to-depth) and become 2x2 stride-1 kernels; a stride-2 transposed
 * convolution is four stride-1 2x2 convolutions, one per output parity
 * (sub-pixel). Backward keeps the im2col form. */

/* ReLU as scvae__ops_relu computes it. */
static inline float
relu (float x)
{
  return x > 0.f ? x : 0.f;
}

/* n floats of x into y, through ReLU if asked. */
static inline void
copy_row (const float *x, gsize n, gboolean rectify, float *y)
{
  if (!rectify)
    {
      memcpy (y, x, n * sizeof (float));
      return;
    }
  for (gsize i = 0; i < n; i++)
    y[i] = relu (x[i]);
}

typedef struct {
  int channels;
  int batch, height, width; /* the padded grid */
  gsize stride;             /* floats between channel planes (with a tail) */
  float *data;
} Padded;

/* x (through ReLU if rectify) zero-padded by pad on every side, with a
 * tail of spare zeros so that shifted reads past the last position stay
 * inside the buffer. */
static Padded
pad_input (const float *x, int channels, Extent in, int pad, gboolean rectify, gsize tail, float *buffer)
{
  Padded p = { channels, in.batch, in.height + 2 * pad, in.width + 2 * pad };
  gsize plane = (gsize) p.height * p.width;

  p.stride = in.batch * plane + tail;
  p.data = buffer;
  /* Only the margins are cleared: a memset of the whole buffer before the
   * copy wrote every float twice. */
  for (int c = 0; c < channels; c++)
    {
      for (int b = 0; b < in.batch; b++)
        {
          float *grid = buffer + c * p.stride + b * plane, *at = grid;

          for (int y = 0; y < in.height; y++)
            {
              float *row = grid + (gsize) (y + pad) * p.width + pad;

              /* from the end of the row before (or the plane's start) */
              memset (at, 0, (row - at) * sizeof (float));
              copy_row (x + (((gsize) c * in.batch + b) * in.height + y) * in.width, in.width, rectify, row);
              at = row + in.width;
            }
          memset (at, 0, (grid + plane - at) * sizeof (float));
        }
      memset (buffer + c * p.stride + in.batch * plane, 0, tail * sizeof (float));
    }
  return p;
}

/* Space-to-depth of x padded by 1: channel (c, dy, dx) of the result holds
 * pixels (2u + dy, 2v + dx) of the padded x, that is input pixel
 * (2u + dy - 1, 2v + dx - 1). So an input row's even pixels go to dx = 1
 * from v = 0 and its odd ones to dx = 0 from v = 1, in one pass. */
static Padded
space_to_depth (const float *x, int channels, Extent in, gboolean rectify, gsize tail, float *buffer)
{
  Padded p = { channels * 4, in.batch, (in.height + 2) / 2, (in.width + 2) / 2 };
  gsize plane = (gsize) p.height * p.width;
  int half_width = in.width / 2;

  p.stride = in.batch * plane + tail;
  p.data = buffer;
  memset (buffer, 0, p.channels * p.stride * sizeof (float));
  for (int c = 0; c < channels; c++)
    for (int b = 0; b < in.batch; b++)
      for (int y = 0; y < in.height; y++)
        {
          /* input row y is padded row y + 1 = 2u + dy */
          int u = (y + 1) / 2, dy = (y + 1) % 2;
          const float *src = x + (((gsize) c * in.batch + b) * in.height + y) * in.width;
          gsize row = b * plane + (gsize) u * p.width;
          float *odd = buffer + ((gsize) (c * 2 + dy) * 2 + 0) * p.stride + row + 1;
          float *even = buffer + ((gsize) (c * 2 + dy) * 2 + 1) * p.stride + row;

          for (int m = 0; m < half_width; m++)
            {
              even[m] = rectify ? relu (src[2 * m]) : src[2 * m];
              odd[m] = rectify ? relu (src[2 * m + 1]) : src[2 * m + 1];
            }
        }
  return p;
}

/* y[c][b][oy][ox] = grid[c][b plane + oy * width + ox]: the valid outputs
 * of a padded grid, plus bias, through ReLU if rectify. */
static void
crop_grid (const float *grid, const Padded *g, int channels, Extent out, const float *bias, gboolean rectify,
           float *y)
{
  gsize plane = (gsize) g->height * g->width, n = g->batch * plane;

  for (int c = 0; c < channels; c++)
    for (int b = 0; b < out.batch; b++)
      for (int i = 0; i < out.height; i++)
        {
          const float *src = grid + c * n + b * plane + (gsize) i * g->width;
          float *dst = y + (((gsize) c * out.batch + b) * out.height + i) * out.width;
          float value = bias ? bias[c] : 0.f;

          if (rectify)
            for (int j = 0; j < out.width; j++)
              dst[j] = relu (src[j] + value);
          else
            for (int j = 0; j < out.width; j++)
              dst[j] = src[j] + value;
        }
}

/* Output rows 2 i + py of y from the grids of the two column parities
 * (px = 0 in even, 1 in odd), plus bias, through ReLU if rectify: one pass
 * of contiguous stores where cropping each grid on its own stored every
 * other float, twice. */
SCVAE_VECTORIZED static void
interleave_grids (const float *even, const float *odd, const Padded *g, int channels, Extent out,
                  const float *bias, gboolean rectify, int py, float *y)
{
  gsize plane = (gsize) g->height * g->width, n = g->batch * plane;

  for (int c = 0; c < channels; c++)
    for (int b = 0; b < out.batch; b++)
      for (int i = 0; i < out.height / 2; i++)
        {
          gsize at = c * n + b * plane + (gsize) i * g->width;
          const float *e = even + at, *o = odd + at;
          float *dst = y + (((gsize) c * out.batch + b) * out.height + 2 * i + py) * out.width;
          float value = bias ? bias[c] : 0.f;

          if (rectify)
            for (int j = 0; j < out.width / 2; j++)
              {
                dst[2 * j] = relu (e[j] + value);
                dst[2 * j + 1] = relu (o[j] + value);
              }
          else
            for (int j = 0; j < out.width / 2; j++)
              {
                dst[2 * j] = e[j] + value;
                dst[2 * j + 1] = o[j] + value;
              }
        }
}

static gboolean
forward_without_im2col (const ConvSpec *spec, const float *weight, const float *bias, const float *x, Extent in,
                        ConvRelu relu_at, int first_row, int n_rows, float *y, Scratch *scratch)
{
  int k = spec->kernel, cin = spec->in_channels, cout = spec->out_channels;
  Extent out = scvae__conv_output_extent (spec, in);
  gboolean stride1 = !spec->transposed && spec->stride == 1 && k > 1;
  gboolean strided = !spec->transposed && k == 4 && spec->stride == 2 && spec->pad == 1
                     && in.height % 2 == 0 && in.width % 2 == 0;
  gboolean subpixel = spec->transposed && k == 4 && spec->stride == 2 && spec->pad == 1;
  gboolean relu_input = relu_at & CONV_RELU_INPUT, relu_output = relu_at & CONV_RELU_OUTPUT;
  gsize offsets[16];
  float *packed;
  Padded p;

  if (!stride1 && !strided && !subpixel)
    return FALSE;
  packed = scvae__scratch_get (scratch, 3, scvae__conv_weight_size (spec));

  if (stride1)
    {
      gsize tail = (gsize) (k - 1) * (in.width + 2 * spec->pad) + k + CONV_TAPS_OVERREAD;
      float *grid;

      p = pad_input (x, cin, in, spec->pad, relu_input,
                     tail, scvae__scratch_get (scratch, 0, cin * ((gsize) in.batch * (in.height + 2 * spec->pad)
                                                                 * (in.width + 2 * spec->pad) + tail)));
      /* packed[tap][co][ci] = W[co][ci][ky][kx] */
      for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++)
          {
            offsets[ky * k + kx] = (gsize) ky * p.width + kx;
            for (int co = 0; co < cout; co++)
              for (int ci = 0; ci < cin; ci++)
                packed[((gsize) (ky * k + kx) * cout + co) * cin + ci] =
                  weight[(((gsize) co * cin + ci) * k + ky) * k + kx];
          }
      if (n_rows >= 0)
        {
          /* Only output rows first_row ..: the grid from the first of them
           * (one image: its rows are the grid's). */
          p.data += (gsize) first_row * p.width;
          p.height = n_rows;
          out.height = n_rows;
        }
      grid = scvae__scratch_get (scratch, 1, cout * (p.stride - tail));
      scvae__conv_taps (cout, cin, k * k, packed, offsets, p.data, p.stride,
                        n_rows >= 0 ? (gsize) n_rows * p.width : p.stride - tail, grid, scratch);
      crop_grid (grid, &p, cout, out, bias, relu_output, y);
    }
  else if (strided)
    {
      gsize tail = (gsize) (in.width + 2) / 2 + 2 + CONV_TAPS_OVERREAD;
      float *grid;

      p = space_to_depth (x, cin, in, relu_input, tail,
                          scvae__scratch_get (scratch, 0, 4 * cin * ((gsize) in.batch * ((in.height + 2) / 2)
                                                                     * ((in.width + 2) / 2) + tail)));
      /* A 2x2 kernel over (ci, dy, dx): packed[ty,tx][co][(ci,dy,dx)] =
       * W[co][ci][2 ty + dy][2 tx + dx] */
      for (int ty = 0; ty < 2; ty++)
        for (int tx = 0; tx < 2; tx++)
          {
            offsets[ty * 2 + tx] = (gsize) ty * p.width + tx;
            for (int co = 0; co < cout; co++)
              for (int ci = 0; ci < cin; ci++)
                for (int dy = 0; dy < 2; dy++)
                  for (int dx = 0; dx < 2; dx++)
                    packed[((gsize) (ty * 2 + tx) * cout + co) * p.channels + (ci * 2 + dy) * 2 + dx] =
                      weight[(((gsize) co * cin + ci) * 4 + 2 * ty + dy) * 4 + 2 * tx + dx];
          }
      grid = scvae__scratch_get (scratch, 1, cout * (p.stride - tail));
      scvae__conv_taps (cout, p.channels, 4, packed, offsets, p.data, p.stride, p.stride - tail, grid, scratch);
      crop_grid (grid, &p, cout, out, bias, relu_output, y);
    }
  else
    {
      gsize tail = (gsize) 2 * (in.width + 2) + 3 + CONV_TAPS_OVERREAD, n;
      float *grid;

      p = pad_input (x, cin, in, 1, relu_input, tail,
                     scvae__scratch_get (scratch, 0, cin * ((gsize) in.batch * (in.height + 2) * (in.width + 2) + tail)));
      n = p.stride - tail;
      grid = scvae__scratch_get (scratch, 1, 2 * cout * n);
      /* Output pixel (2i + py, 2j + px) sees input rows i + py + ty - 1
       * through kernel row 3 - 2 ty - py, and likewise for columns. */
      for (int py = 0; py < 2; py++)
        {
          for (int px = 0; px < 2; px++)
            {
              for (int ty = 0; ty < 2; ty++)
                for (int tx = 0; tx < 2; tx++)
                  {
                    int ky = 3 - 2 * ty - py, kx = 3 - 2 * tx - px, t = ty * 2 + tx;

                    offsets[t] = (gsize) (py + ty) * p.width + px + tx;
                    for (int co = 0; co < cout; co++)
                      for (int ci = 0; ci < cin; ci++)
                        packed[((gsize) t * cout + co) * cin + ci] =
                          weight[(((gsize) ci * cout + co) * 4 + ky) * 4 + kx];
                  }
              scvae__conv_taps (cout, cin, 4, packed, offsets, p.data, p.stride, n, grid + px * cout * n, scratch);
            }
          interleave_grids (grid, grid + cout * n, &p, cout, out, bias, relu_output, py, y);
        }
    }
  return TRUE;
}

/* The forward through im2col or col2im: for the convolutions the shifted
 * products do not cover. Uses the kernel scratch slot 0. */
static void
forward_with_columns (const ConvSpec *spec, const float *weight, const float *bias, const float *x, Extent in,
                      float *y, Scratch *scratch)
{
  Windows w = windows_for (spec, in);
  gsize kk = (gsize) spec->kernel * spec->kernel;
  gsize n_in = extent_size (in);
  gsize n_out = extent_size (scvae__conv_output_extent (spec, in));

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
      float *cols = scvae__scratch_get (scratch, 0, rows * chunk);

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
      float *cols = scvae__scratch_get (scratch, 0, rows * chunk);

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
scvae__conv_forward_relu (const ConvSpec *spec, const float *weight, const float *bias, const float *x, Extent in,
                          ConvRelu relu_at, float *y, Scratch *scratch)
{
  if (forward_without_im2col (spec, weight, bias, x, in, relu_at, 0, -1, y, scratch))
    return;
  if (relu_at & CONV_RELU_INPUT)
    {
      gsize n_in = spec->in_channels * extent_size (in);
      float *rectified = scvae__scratch_get (scratch, 1, n_in);

      scvae__ops_relu (x, rectified, n_in);
      x = rectified;
    }
  forward_with_columns (spec, weight, bias, x, in, y, scratch);
  if (relu_at & CONV_RELU_OUTPUT)
    scvae__ops_relu (y, y, spec->out_channels * extent_size (scvae__conv_output_extent (spec, in)));
}

void
scvae__conv_forward (const ConvSpec *spec, const float *weight, const float *bias, const float *x, Extent in,
                     float *y, Scratch *scratch)
{
  scvae__conv_forward_relu (spec, weight, bias, x, in, CONV_RELU_NONE, y, scratch);
}

void
scvae__conv_forward_rows (const ConvSpec *spec, const float *weight, const float *bias, const float *x,
                          Extent in, ConvRelu relu_at, int first_row, int n_rows, float *y, Scratch *scratch)
{
  Extent out = scvae__conv_output_extent (spec, in);

  g_return_if_fail (!spec->transposed && spec->stride == 1 && spec->kernel > 1 && in.batch == 1);
  g_return_if_fail (first_row >= 0 && n_rows >= 0 && first_row + n_rows <= out.height);

  forward_without_im2col (spec, weight, bias, x, in, relu_at, first_row, n_rows, y, scratch);
}

void
scvae__conv_backward (const ConvSpec *spec,
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
  gsize n_out = extent_size (scvae__conv_output_extent (spec, in));

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
      float *cols = scvae__scratch_get (scratch, 0, rows * chunk);

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
      float *cols = scvae__scratch_get (scratch, 0, rows * chunk);
      float *dcols = dx ? scvae__scratch_get (scratch, 1, rows * chunk) : NULL;

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
