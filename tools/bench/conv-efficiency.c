/* conv-efficiency.c: how close the convolutions come to bare sgemm
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For every convolution of the f4 model (C=64) at inference on a 256x256
 * image and in a training batch of 16 crops of 64x64, times scvae__conv_forward
 * (im2col or col2im included) and cblas_sgemm alone on the GEMM shape that
 * convolution runs, and prints both rates and their ratio. Medians of 21
 * runs.
 *
 *   build/tools/bench/conv-efficiency
 */

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>

#include "conv.h"
#include "scvae.h"

#define RUNS 21

static int
compare (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median_ms (double *t)
{
  qsort (t, RUNS, sizeof (double), compare);
  return t[RUNS / 2];
}

static gsize column_limit;

static void
measure (const char *name, ConvSpec spec, Extent in)
{
  Extent out = scvae__conv_output_extent (&spec, in);
  int kk = spec.kernel * spec.kernel;
  gsize n_in = extent_size (in), n_out = extent_size (out);
  /* The GEMM the convolution runs: conv: [Cout x Cin k k] x [Cin k k x
   * positions]; transposed: [Cout k k x Cin] x [Cin x input positions]. */
  int M = spec.transposed ? spec.out_channels * kk : spec.out_channels;
  int K = spec.transposed ? spec.in_channels : spec.in_channels * kk;
  gsize N = spec.transposed ? n_in : n_out;
  double flops = 2.0 * M * N * K, t_conv[RUNS], t_gemm[RUNS], conv_ms, gemm_ms;
  float *x = g_new (float, spec.in_channels * n_in), *y = g_new (float, spec.out_channels * n_out);
  float *w = g_new (float, scvae__conv_weight_size (&spec)), *b = g_new0 (float, spec.out_channels);
  float *a = g_new (float, (gsize) M * K), *bb = g_new (float, (gsize) K * N), *c = g_new (float, (gsize) M * N);
  Scratch scratch = { .column_limit = column_limit };

  for (gsize i = 0; i < spec.in_channels * n_in; i++)
    x[i] = (float) (i % 13) / 13.f;
  for (gsize i = 0; i < scvae__conv_weight_size (&spec); i++)
    w[i] = (float) (i % 7) / 70.f;
  for (gsize i = 0; i < (gsize) M * K; i++)
    a[i] = 0.01f;
  for (gsize i = 0; i < (gsize) K * N; i++)
    bb[i] = 0.02f;

  for (int r = -3; r < RUNS; r++)
    {
      gint64 t0 = g_get_monotonic_time ();

      scvae__conv_forward (&spec, w, b, x, in, y, &scratch);
      if (r >= 0)
        t_conv[r] = (g_get_monotonic_time () - t0) / 1000.0;
      t0 = g_get_monotonic_time ();
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.f, a, K, bb, N, 0.f, c, N);
      if (r >= 0)
        t_gemm[r] = (g_get_monotonic_time () - t0) / 1000.0;
    }
  conv_ms = median_ms (t_conv);
  gemm_ms = median_ms (t_gemm);
  printf ("%-34s M=%5d N=%6" G_GSIZE_FORMAT " K=%5d  conv %7.3f ms %6.1f GFLOP/s  sgemm %7.3f ms %6.1f GFLOP/s  %4.0f%%\n",
          name, M, N, K, conv_ms, flops / conv_ms / 1e6, gemm_ms, flops / gemm_ms / 1e6,
          100.0 * gemm_ms / conv_ms);

  scvae__scratch_clear (&scratch);
  g_free (x), g_free (y), g_free (w), g_free (b), g_free (a), g_free (bb), g_free (c);
}

int
main (int argc, char **argv)
{
  const int C = 64;
  Extent infer[] = { { 1, 256, 256 }, { 1, 128, 128 }, { 1, 64, 64 } };
  Extent train[] = { { 16, 64, 64 }, { 16, 32, 32 }, { 16, 16, 16 } };

  scvae_init_process ();
  if (argc > 1)
    column_limit = g_ascii_strtoull (argv[1], NULL, 10);
  printf ("OpenBLAS %s kernels, %d threads\n", scvae_blas_info (), scvae_get_threads ());
  for (int t = 0; t < 2; t++)
    {
      Extent *e = t ? train : infer;

      printf ("%s\n", t ? "training batch 16 x 64x64" : "inference 256x256");
      measure ("encoder conv 4x4 s2 3->64", (ConvSpec) { 3, C, 4, 2, 1, FALSE }, e[0]);
      measure ("encoder conv 4x4 s2 64->64", (ConvSpec) { C, C, 4, 2, 1, FALSE }, e[1]);
      measure ("resblock conv 3x3 64->64", (ConvSpec) { C, C, 3, 1, 1, FALSE }, e[2]);
      measure ("resblock conv 1x1 64->64", (ConvSpec) { C, C, 1, 1, 0, FALSE }, e[2]);
      measure ("decoder conv_t 4x4 s2 64->64", (ConvSpec) { C, C, 4, 2, 1, TRUE }, e[2]);
      measure ("decoder conv_t 4x4 s2 64->3", (ConvSpec) { C, 3, 4, 2, 1, TRUE }, e[1]);
    }
  return 0;
}
