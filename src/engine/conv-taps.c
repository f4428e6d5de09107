/* conv-taps.c: a convolution as a sum of shifted products, computed directly
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A tile of the output, a few channels by a few vectors of positions, is
 * summed in registers over every tap and input channel: each step loads
 * the input's vectors at the tap's shift once and multiplies them by one
 * weight per output channel. The weights are repacked per block of output
 * channels so that a step's are adjacent. On one core, as the session's
 * bands run it: a 3x3 kernel with 64 channels on a 128x256 grid in 7.5 ms
 * where the nine cblas_sgemm calls it replaces took 15.8, and on 64x64 at
 * 178 GFLOP/s where one sgemm of the same shape reaches 126.
 *
 * Every output is summed in the same order whatever the threads, so the
 * result does not depend on their number.
 */

#include "conv-taps.h"

#include <string.h>

#include "simd.h"
#include "threads.h"

typedef struct TapsRun TapsRun;

/* A tile's channels and positions, and the function that runs tiles of
 * that shape. */
typedef struct {
  int rows;
  gsize width;
  void (*tiles) (const TapsRun *run, gsize first, gsize last);
} TapsShape;

struct TapsRun {
  TapsShape shape;
  int cout, cin, n_taps;
  const float *packed; /* [cout / rows][tap][cin][rows] */
  const gsize *offsets;
  const float *in;
  gsize in_stride, n;
  float *out;
  gsize n_tiles;
};

/* For a tile of `rows` channels by `vectors` vectors of `lanes` positions:
 * name##_tile sums one tile into out (rows out_stride apart) and name runs
 * tiles first .. last - 1 (a tile, for every block of channels), the
 * partial ones through a buffer, compiled with the attributes `target`
 * for a vector unit (the tile inlined into it). pin (b) may keep an input
 * vector in a register: GCC otherwise reads it from memory again for
 * every channel when there are few (3 rows of 6 vectors: 24 loads a step,
 * not 9, and a third slower). */
#define NOT_PINNED(b) ((void) 0)
#define PINNED(b) __asm__ ("" : "+v"(b))
#define DEFINE_TAPS_TILES(name, Floats, lanes, rows, vectors, pin, target)                             \
  static inline __attribute__ ((always_inline)) void                                                   \
  name##_tile (const float *restrict w, const TapsRun *run, gsize j, float *restrict out,              \
               gsize out_stride)                                                                       \
  {                                                                                                    \
    Floats sum[rows][vectors];                                                                         \
                                                                                                       \
    _Pragma ("GCC unroll 16")                                                                          \
    for (int m = 0; m < (rows); m++)                                                                   \
      _Pragma ("GCC unroll 8")                                                                         \
      for (int v = 0; v < (vectors); v++)                                                              \
        sum[m][v] = (Floats) { 0 };                                                                    \
    for (int t = 0; t < run->n_taps; t++)                                                              \
      {                                                                                                \
        const float *x = run->in + run->offsets[t] + j;                                                \
                                                                                                       \
        for (int ci = 0; ci < run->cin; ci++, w += (rows), x += run->in_stride)                        \
          {                                                                                            \
            Floats b[vectors];                                                                         \
                                                                                                       \
            _Pragma ("GCC unroll 8")                                                                   \
            for (int v = 0; v < (vectors); v++)                                                        \
              {                                                                                        \
                b[v] = *(const Floats *) (x + v * (lanes));                                            \
                pin (b[v]);                                                                            \
              }                                                                                        \
            _Pragma ("GCC unroll 16")                                                                  \
            for (int m = 0; m < (rows); m++)                                                           \
              _Pragma ("GCC unroll 8")                                                                 \
              for (int v = 0; v < (vectors); v++)                                                      \
                sum[m][v] += w[m] * b[v];                                                              \
          }                                                                                            \
      }                                                                                                \
    _Pragma ("GCC unroll 16")                                                                          \
    for (int m = 0; m < (rows); m++)                                                                   \
      _Pragma ("GCC unroll 8")                                                                         \
      for (int v = 0; v < (vectors); v++)                                                              \
        *(Floats *) (out + m * out_stride + v * (lanes)) = sum[m][v];                                  \
  }                                                                                                    \
                                                                                                       \
  target static void                                                                                   \
  name (const TapsRun *run, gsize first, gsize last)                                                   \
  {                                                                                                    \
    const gsize width = (vectors) * (lanes);                                                           \
    float edge[(rows) * (vectors) * (lanes)];                                                          \
                                                                                                       \
    for (gsize tile = first; tile < last; tile++)                                                      \
      {                                                                                                \
        gsize j = tile * width;                                                                        \
                                                                                                       \
        for (int co = 0; co < run->cout; co += (rows))                                                 \
          {                                                                                            \
            const float *w = run->packed + (gsize) co * run->n_taps * run->cin;                        \
            int kept_rows = MIN ((rows), run->cout - co);                                              \
            gsize kept_width = MIN (width, run->n - j);                                                \
                                                                                                       \
            if (kept_rows == (rows) && kept_width == width)                                            \
              {                                                                                        \
                name##_tile (w, run, j, run->out + co * run->n + j, run->n);                           \
                continue;                                                                              \
              }                                                                                        \
            name##_tile (w, run, j, edge, width);                                                      \
            for (int m = 0; m < kept_rows; m++)                                                        \
              memcpy (run->out + (co + m) * run->n + j, edge + m * width, kept_width * sizeof (float)); \
          }                                                                                            \
      }                                                                                                \
  }

/* The tile shapes: for many channels, 4 by 3 vectors of 8 (12 sums and 3
 * inputs in AVX2's 16 registers) or with AVX-512, 8 by 3 vectors of 16 (24
 * of its 32; 4 by 6 and 8 by 2 measured no faster); for the 3 channels of
 * RGB, 3 channels by more vectors rather than 5 of 8 rows of zeros. */
DEFINE_TAPS_TILES (run_tiles_many, SimdFloats, SIMD_FLOATS, 4, 3, NOT_PINNED, SCVAE_VECTORIZED)
DEFINE_TAPS_TILES (run_tiles_few, SimdFloats, SIMD_FLOATS, 3, 3, NOT_PINNED, SCVAE_VECTORIZED)
#ifdef SCVAE_HAS_CLONES
DEFINE_TAPS_TILES (run_tiles_many_wide, WideFloats, WIDE_FLOATS, 8, 3, PINNED, SCVAE_WIDE)
DEFINE_TAPS_TILES (run_tiles_few_wide, WideFloats, WIDE_FLOATS, 3, 6, PINNED, SCVAE_WIDE)
#endif

static TapsShape
shape_for (int cout)
{
  gboolean few = cout <= 3;

#ifdef SCVAE_HAS_CLONES
  if (simd_has_wide_vectors ())
    return few ? (TapsShape) { 3, 6 * WIDE_FLOATS, run_tiles_few_wide }
               : (TapsShape) { 8, 3 * WIDE_FLOATS, run_tiles_many_wide };
#endif
  return few ? (TapsShape) { 3, 3 * SIMD_FLOATS, run_tiles_few }
             : (TapsShape) { 4, 3 * SIMD_FLOATS, run_tiles_many };
}

static void
run_part (int part, int n_parts, gpointer data)
{
  const TapsRun *run = data;

  run->shape.tiles (run, run->n_tiles * part / n_parts, run->n_tiles * (part + 1) / n_parts);
}

void
scvae__conv_taps (int cout, int cin, int n_taps, const float *weights, const gsize *offsets,
                  const float *in, gsize in_stride, gsize n, float *out, Scratch *scratch)
{
  TapsShape shape = shape_for (cout);
  int rows = shape.rows, blocks = (cout + rows - 1) / rows;
  float *packed = scvae__scratch_get (scratch, 2, (gsize) blocks * rows * n_taps * cin);
  TapsRun run = { shape, cout, cin, n_taps, packed, offsets, in, in_stride, n, out,
                  (n + shape.width - 1) / shape.width };
  int n_parts;

  g_assert (shape.width <= CONV_TAPS_OVERREAD);
  /* packed[b][t][ci][m] = weights[t][b rows + m][ci], zero past cout */
  for (int b = 0; b < blocks; b++)
    for (int t = 0; t < n_taps; t++)
      for (int ci = 0; ci < cin; ci++)
        for (int m = 0; m < rows; m++)
          {
            int co = b * rows + m;

            *packed++ = co < cout ? weights[((gsize) t * cout + co) * cin + ci] : 0.f;
          }

  scvae__count_gemm_flops ((guint64) 2 * cout * cin * n_taps * n);
  n_parts = (int) MIN ((gsize) scvae__parallel_width (), run.n_tiles);
  if (n_parts <= 1)
    shape.tiles (&run, 0, run.n_tiles);
  else
    scvae__parallel_run (n_parts, run_part, &run);
}
