/* test-layers.c: every layer against a double-precision reference, and its
 * backward against finite differences of that reference
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <math.h>
#include <string.h>

#include "batchnorm.h"
#include "check.h"
#include "conv.h"
#include "ops.h"
#include "lista.h"
#include "reference.h"

/* ------------------------------------------------------------------------- */
/* Convolutions */

typedef struct {
  ConvSpec spec;
  Extent in;
  double *x, *w, *b, *weights_out; /* weights_out: the loss's random projection */
  double *y;
} ConvProblem;

/* Every layer's loss: its output y projected on a fixed random direction,
 * so that dloss/dy is that direction, the dy given to the backward. */
static double
projected (const double *direction, const double *y, gsize n)
{
  double loss = 0.0;

  for (gsize i = 0; i < n; i++)
    loss += direction[i] * y[i];
  return loss;
}

static double
conv_loss (gpointer data)
{
  ConvProblem *p = data;
  gsize n = extent_size (scvae__conv_output_extent (&p->spec, p->in)) * p->spec.out_channels;

  ref_conv (&p->spec, p->w, p->b, p->x, p->in, p->y);
  return projected (p->weights_out, p->y, n);
}

static void
check_gradient (const char *what, RefLoss loss, gpointer data, double *x, gsize n,
                const float *analytic, double eps, double tolerance)
{
  g_autofree double *fd = g_new (double, MIN (n, 400));
  g_autofree gsize *index = g_new (gsize, MIN (n, 400));
  g_autofree float *picked = NULL;
  gsize count = ref_finite_differences (loss, data, x, n, eps, 400, 7, fd, index);

  picked = g_new (float, count);
  for (gsize j = 0; j < count; j++)
    picked[j] = analytic[index[j]];
  check_close (what, picked, fd, count, tolerance);
}

/* ReLU folded into the forward, on the input, the output or both, gives
 * to the bit what passes of its own around it give; and so do the rows a
 * stride-1 convolution of one image computes alone. */
static void
check_conv_relu (const ConvSpec *spec, Extent in, const float *w, const float *b, const float *x, Scratch *scratch)
{
  Extent out = scvae__conv_output_extent (spec, in);
  gsize nx = extent_size (in) * spec->in_channels, ny = extent_size (out) * spec->out_channels;
  gsize row = out.width, plane = (gsize) out.height * row;
  g_autofree float *rectified = g_new (float, nx), *expect = g_new (float, ny), *y = g_new (float, ny);
  gboolean by_rows = !spec->transposed && spec->stride == 1 && spec->kernel > 1 && in.batch == 1;

  scvae__ops_relu (x, rectified, nx);
  for (ConvRelu relu_at = CONV_RELU_NONE; relu_at <= (CONV_RELU_INPUT | CONV_RELU_OUTPUT); relu_at++)
    {
      int first_row = 1, n_rows = out.height - 2;

      scvae__conv_forward (spec, w, b, relu_at & CONV_RELU_INPUT ? rectified : x, in, expect, scratch);
      if (relu_at & CONV_RELU_OUTPUT)
        scvae__ops_relu (expect, expect, ny);
      scvae__conv_forward_relu (spec, w, b, x, in, relu_at, y, scratch);
      g_assert_cmpmem (y, ny * sizeof (float), expect, ny * sizeof (float));
      if (!by_rows)
        continue;
      scvae__conv_forward_rows (spec, w, b, x, in, relu_at, first_row, n_rows, y, scratch);
      for (int c = 0; c < spec->out_channels; c++)
        g_assert_cmpmem (y + c * n_rows * row, n_rows * row * sizeof (float),
                         expect + c * plane + first_row * row, n_rows * row * sizeof (float));
    }
}

static void
run_conv_case (ConvSpec spec, Extent in, gsize column_limit)
{
  Rng rng;
  Scratch scratch = { .column_limit = column_limit };
  Extent out = scvae__conv_output_extent (&spec, in);
  gsize nx = extent_size (in) * spec.in_channels, ny = extent_size (out) * spec.out_channels;
  gsize nw = scvae__conv_weight_size (&spec);
  g_autofree float *x = g_new (float, nx), *w = g_new (float, nw), *b = g_new (float, spec.out_channels);
  g_autofree float *y = g_new (float, ny), *dy = g_new (float, ny);
  g_autofree float *dx = g_new0 (float, nx), *dw = g_new0 (float, nw), *db = g_new0 (float, spec.out_channels);
  ConvProblem p = { spec, in };
  g_autofree double *x_d = NULL, *w_d = NULL, *b_d = NULL, *dy_d = NULL, *y_d = NULL;
  g_autofree char *name = g_strdup_printf ("%s %dx%d s%d p%d %d->%d, %dx%dx%d",
                                           spec.transposed ? "conv_t" : "conv", spec.kernel,
                                           spec.kernel, spec.stride, spec.pad, spec.in_channels,
                                           spec.out_channels, in.batch, in.height, in.width);

  scvae__rng_seed (&rng, 42);
  check_fill_uniform (&rng, x, nx, -1, 1);
  check_fill_uniform (&rng, w, nw, -0.5, 0.5);
  check_fill_uniform (&rng, b, spec.out_channels, -0.5, 0.5);
  check_fill_uniform (&rng, dy, ny, -1, 1);

  scvae__conv_forward (&spec, w, b, x, in, y, &scratch);
  /* dx accumulates: start from a known non-zero value and subtract it. */
  for (gsize i = 0; i < nx; i++)
    dx[i] = 1.f;
  scvae__conv_backward (&spec, w, x, in, dy, dx, dw, db, &scratch);
  for (gsize i = 0; i < nx; i++)
    dx[i] -= 1.f;

  p.x = x_d = check_to_double (x, nx);
  p.w = w_d = check_to_double (w, nw);
  p.b = b_d = check_to_double (b, spec.out_channels);
  p.weights_out = dy_d = check_to_double (dy, ny);
  p.y = y_d = g_new (double, ny);

  ref_conv (&spec, p.w, p.b, p.x, in, p.y);
  check_close (name, y, p.y, ny, 1e-5);
  check_conv_relu (&spec, in, w, b, x, &scratch);

  /* The layer is linear, so finite differences are exact up to rounding. */
  check_gradient ("dx", conv_loss, &p, p.x, nx, dx, 1e-3, 1e-4);
  check_gradient ("dweight", conv_loss, &p, p.w, nw, dw, 1e-3, 1e-4);
  check_gradient ("dbias", conv_loss, &p, p.b, spec.out_channels, db, 1e-3, 1e-4);

  scvae__scratch_clear (&scratch);
}

static void
test_conv (void)
{
  Extent small = { 2, 8, 6 };

  /* Every convolution of the architecture, with odd channel counts and a
   * non-square extent so that no two dimensions can be confused. */
  run_conv_case ((ConvSpec) { 3, 5, 4, 2, 1, FALSE }, small, 0);
  run_conv_case ((ConvSpec) { 5, 4, 3, 1, 1, FALSE }, small, 0);
  run_conv_case ((ConvSpec) { 5, 4, 1, 1, 0, FALSE }, small, 0);
  run_conv_case ((ConvSpec) { 5, 4, 4, 2, 1, TRUE }, small, 0);
  run_conv_case ((ConvSpec) { 5, 3, 4, 2, 1, TRUE }, small, 0);
  /* The forward sums these as shifted products (conv-taps.c), in tiles of
   * 4 or 8 channels by 24 to 128 positions: channel counts that spill into
   * a partial tile, 3 (RGB) with tiles of their own, and grids of several
   * tiles ending in a partial one. */
  run_conv_case ((ConvSpec) { 16, 17, 4, 2, 1, FALSE }, small, 0);
  run_conv_case ((ConvSpec) { 17, 16, 4, 2, 1, TRUE }, small, 0);
  run_conv_case ((ConvSpec) { 16, 16, 3, 1, 1, FALSE }, (Extent) { 3, 5, 7 }, 0);
  run_conv_case ((ConvSpec) { 9, 3, 4, 2, 1, TRUE }, (Extent) { 1, 9, 19 }, 0);
  /* One image: the rows of a stride-1 convolution alone. */
  run_conv_case ((ConvSpec) { 9, 10, 3, 1, 1, FALSE }, (Extent) { 1, 7, 11 }, 0);
}

static void
test_conv_chunked (void)
{
  Extent in = { 2, 10, 7 };

  /* Column buffers far smaller than one image: chunks split rows and
   * images at arbitrary positions. */
  run_conv_case ((ConvSpec) { 3, 5, 4, 2, 1, FALSE }, in, 48 * 7);
  run_conv_case ((ConvSpec) { 5, 4, 3, 1, 1, FALSE }, in, 45 * 13);
  run_conv_case ((ConvSpec) { 5, 4, 4, 2, 1, TRUE }, in, 64 * 11);
  /* Transposed but not 4x4 stride 2: the forward's col2im form. */
  run_conv_case ((ConvSpec) { 5, 4, 3, 2, 1, TRUE }, in, 36 * 11);
}

/* ------------------------------------------------------------------------- */
/* BatchNorm */

typedef struct {
  int C;
  gsize n;
  double *x, *weight, *bias, *proj, *y;
} BnProblem;

static double
bn_loss (gpointer data)
{
  BnProblem *p = data;

  ref_batchnorm_train (p->C, p->n, p->x, p->weight, p->bias, p->y);
  return projected (p->proj, p->y, p->C * p->n);
}

static void
test_batchnorm (void)
{
  const int C = 3;
  const gsize n = 40;
  Rng rng;
  float x[3 * 40], y[3 * 40], dy[3 * 40], dx[3 * 40] = { 0 };
  float weight[3], bias[3], mean[3], inv_std[3], rm[3] = { 0.5f, -1, 2 }, rv[3] = { 1, 2, 0.5f };
  float dweight[3] = { 0 }, dbias[3] = { 0 };
  BatchNormParams params = { weight, bias, rm, rv };
  BatchNormSaved saved = { mean, inv_std };
  BnProblem p = { C, n };
  g_autofree double *x_d = NULL, *w_d = NULL, *b_d = NULL, *dy_d = NULL, *y_d = g_new (double, C * n);

  scvae__rng_seed (&rng, 3);
  /* Channel offsets far from zero test the two-pass variance. */
  for (int c = 0; c < C; c++)
    check_fill_uniform (&rng, x + c * n, n, 10.f * c - 1, 10.f * c + 2);
  check_fill_uniform (&rng, weight, C, 0.5, 1.5);
  check_fill_uniform (&rng, bias, C, -1, 1);
  check_fill_uniform (&rng, dy, C * n, -1, 1);

  scvae__batchnorm_forward_train (&params, C, n, x, y, &saved, BATCHNORM_MOMENTUM);
  scvae__batchnorm_backward (&params, C, n, x, &saved, dy, dx, dweight, dbias);

  p.x = x_d = check_to_double (x, C * n);
  p.weight = w_d = check_to_double (weight, C);
  p.bias = b_d = check_to_double (bias, C);
  p.proj = dy_d = check_to_double (dy, C * n);
  p.y = y_d;
  bn_loss (&p);
  check_close ("batchnorm forward", y, p.y, C * n, 1e-5);
  check_gradient ("batchnorm dx", bn_loss, &p, p.x, C * n, dx, 1e-5, 1e-4);
  check_gradient ("batchnorm dweight", bn_loss, &p, p.weight, C, dweight, 1e-5, 1e-4);
  check_gradient ("batchnorm dbias", bn_loss, &p, p.bias, C, dbias, 1e-5, 1e-4);

  /* Running averages as PyTorch keeps them: momentum 0.1, unbiased variance. */
  {
    double expect_mean[3], expect_var[3];
    const double start_mean[3] = { 0.5, -1, 2 }, start_var[3] = { 1, 2, 0.5 };

    for (int c = 0; c < C; c++)
      {
        double m = 0.0, v = 0.0;

        for (gsize i = 0; i < n; i++)
          m += x_d[c * n + i] / n;
        for (gsize i = 0; i < n; i++)
          v += (x_d[c * n + i] - m) * (x_d[c * n + i] - m) / (n - 1);
        expect_mean[c] = 0.9 * start_mean[c] + 0.1 * m;
        expect_var[c] = 0.9 * start_var[c] + 0.1 * v;
      }
    check_close ("running_mean", rm, expect_mean, C, 1e-6);
    check_close ("running_var", rv, expect_var, C, 1e-6);
  }

  /* Momentum 1/i over a series of batches (the trainer's re-estimation at
   * the end of a run): the plain average of their statistics, whatever the
   * running values were before. */
  {
    const int batches = 3;
    double expect_mean[3] = { 0 }, expect_var[3] = { 0 };

    for (int b = 1; b <= batches; b++)
      {
        for (int c = 0; c < C; c++)
          {
            double m = 0.0, v = 0.0;

            check_fill_uniform (&rng, x + c * n, n, 3.f * b - c, 3.f * b + c * c);
            for (gsize i = 0; i < n; i++)
              m += (double) x[c * n + i] / n;
            for (gsize i = 0; i < n; i++)
              v += (x[c * n + i] - m) * (x[c * n + i] - m) / (n - 1);
            expect_mean[c] += m / batches;
            expect_var[c] += v / batches;
          }
        scvae__batchnorm_forward_train (&params, C, n, x, y, &saved, 1.f / b);
      }
    check_close ("averaged running_mean", rm, expect_mean, C, 1e-5);
    check_close ("averaged running_var", rv, expect_var, C, 1e-5);
  }
}

static void
test_batchnorm_fold (void)
{
  /* conv -> BatchNorm(running stats) equals the folded conv, for both kinds. */
  const ConvSpec specs[] = { { 4, 3, 3, 1, 1, FALSE }, { 4, 3, 4, 2, 1, TRUE } };
  Extent in = { 1, 6, 5 };
  Rng rng;

  scvae__rng_seed (&rng, 11);
  for (guint s = 0; s < G_N_ELEMENTS (specs); s++)
    {
      const ConvSpec *spec = &specs[s];
      Scratch scratch = { 0 };
      gsize nw = scvae__conv_weight_size (spec), nx = extent_size (in) * 4;
      gsize ny = extent_size (scvae__conv_output_extent (spec, in)) * 3;
      g_autofree float *w = g_new (float, nw), *x = g_new (float, nx);
      g_autofree float *y = g_new (float, ny), *y_folded = g_new (float, ny);
      g_autofree double *expect = g_new (double, ny);
      float b[3], gw[3], gb[3], rm[3], rv[3];
      BatchNormParams bn = { gw, gb, rm, rv };

      check_fill_uniform (&rng, w, nw, -1, 1);
      check_fill_uniform (&rng, x, nx, -1, 1);
      check_fill_uniform (&rng, b, 3, -1, 1);
      check_fill_uniform (&rng, gw, 3, 0.5, 2);
      check_fill_uniform (&rng, gb, 3, -1, 1);
      check_fill_uniform (&rng, rm, 3, -1, 1);
      check_fill_uniform (&rng, rv, 3, 0.2, 2);

      scvae__conv_forward (spec, w, b, x, in, y, &scratch);
      scvae__batchnorm_forward_eval (&bn, 3, ny / 3, y, y);
      for (gsize i = 0; i < ny; i++)
        expect[i] = y[i];

      scvae__batchnorm_fold (&bn, spec, w, b);
      scvae__conv_forward (spec, w, b, x, in, y_folded, &scratch);
      check_close (spec->transposed ? "fold conv_t" : "fold conv", y_folded, expect, ny, 1e-5);
      scvae__scratch_clear (&scratch);
    }
}

/* ------------------------------------------------------------------------- */
/* LISTA */

typedef struct {
  int C, K, depth;
  gsize P;
  double beta_s;
  double *D, *c, *E, *proj, *Z;
} ListaProblem;

static double
lista_loss (gpointer data)
{
  ListaProblem *p = data;

  ref_lista (p->C, p->K, p->P, p->depth, p->beta_s, p->D, p->c[0], p->E, p->Z);
  return projected (p->proj, p->Z, p->P * p->K);
}

static void
make_lista (Rng *rng, int C, int K, gsize P, float *D, float *E, float *c)
{
  check_fill_uniform (rng, D, (gsize) C * K, -1, 1);
  for (int k = 0; k < K; k++)
    {
      double norm = 0.0;
      for (int i = 0; i < C; i++)
        norm += D[i * K + k] * D[i * K + k];
      for (int i = 0; i < C; i++)
        D[i * K + k] /= sqrt (norm);
    }
  check_fill_uniform (rng, E, P * C, -1, 1);
  *c = 1.1f * (float) scvae__lista_spectral_norm_squared (D, C, K);
}

static void
test_lista_gradients (void)
{
  const int C = 6, K = 10, depth = 5;
  const gsize P = 7;
  const float beta_s = 0.25f;
  Rng rng;
  Scratch scratch = { 0 };
  float D[6 * 10], E[7 * 6], c, dcodes[7 * 10], dE[7 * 6] = { 0 }, dD[6 * 10] = { 0 };
  float codes[(5 + 1) * 7 * 10], residuals[5 * 7 * 6];
  ListaTrace trace = { depth, codes, residuals };
  double dc = 0.0;
  ListaProblem p = { C, K, depth, P, beta_s };
  g_autofree double *D_d = NULL, *E_d = NULL, *proj = NULL, *Z = g_new (double, P * K);
  double c_d;
  gsize nonzeros = 0;
  Lista lista;

  scvae__rng_seed (&rng, 5);
  make_lista (&rng, C, K, P, D, E, &c);
  lista = (Lista) { C, K, D, c, beta_s / c };
  check_fill_uniform (&rng, dcodes, P * K, -1, 1);

  scvae__lista_forward_train (&lista, P, E, &trace);
  p.D = D_d = check_to_double (D, C * K);
  p.E = E_d = check_to_double (E, P * C);
  p.proj = proj = check_to_double (dcodes, P * K);
  c_d = c;
  p.c = &c_d;
  p.Z = Z;
  lista_loss (&p);
  check_close ("lista forward", codes + depth * P * K, Z, P * K, 1e-5);
  for (gsize i = 0; i < P * K; i++)
    nonzeros += Z[i] != 0.0;
  /* The check means something only if the codes are neither empty nor full. */
  g_assert_cmpuint (nonzeros, >, P * K / 5);
  g_assert_cmpuint (nonzeros, <, P * K * 4 / 5);

  scvae__lista_backward (&lista, P, E, &trace, dcodes, dE, dD, &dc, &scratch);
  {
    float dc_f = (float) dc;

    check_gradient ("lista dE", lista_loss, &p, p.E, P * C, dE, 1e-6, 1e-4);
    check_gradient ("lista dD", lista_loss, &p, p.D, C * K, dD, 1e-6, 1e-4);
    check_gradient ("lista dc", lista_loss, &p, p.c, 1, &dc_f, 1e-6, 1e-4);
  }
  scvae__scratch_clear (&scratch);
}

/* The dense factored and sparse Gram forms must give the codes training
 * computes, and count their non-zeros, at every density the sparsity
 * multiplier can produce, for a K that is and one that is not a whole
 * number of the Gram kernel's blocks and vectors. */
static void
run_lista_inference_forms (int C, int K, gsize P)
{
  const int depth = 6;
  const float multipliers[] = { 0.f, 0.3f, 1.f, 3.f };
  Rng rng;
  Scratch scratch = { 0 };
  g_autofree float *D = g_new (float, C * K), *E = g_new (float, P * C);
  g_autofree float *gram = g_new (float, K * K), *dty = g_new (float, P * K);
  g_autofree float *codes = g_new (float, (depth + 1) * P * K);
  g_autofree float *residuals = g_new (float, depth * P * C);
  g_autofree float *z = g_new (float, P * K), *patchwise = g_new (float, P * K);
  g_autofree float *stepped = g_new (float, depth * P * K), *kept = g_new (float, depth * P * K);
  float c;

  scvae__rng_seed (&rng, 9);
  make_lista (&rng, C, K, P, D, E, &c);
  for (int i = 0; i < K; i++)
    for (int j = 0; j < K; j++)
      {
        double s = 0.0;
        for (int r = 0; r < C; r++)
          s += D[r * K + i] * D[r * K + j];
        gram[i * K + j] = (float) s;
      }
  for (gsize p = 0; p < P; p++)
    for (int k = 0; k < K; k++)
      {
        double s = 0.0;
        for (int r = 0; r < C; r++)
          s += E[p * C + r] * D[r * K + k];
        dty[p * K + k] = (float) s;
      }

  for (guint m = 0; m < G_N_ELEMENTS (multipliers); m++)
    for (ListaForm form = LISTA_FORM_AUTO; form <= LISTA_FORM_SPARSE; form++)
      {
        Lista lista = { C, K, D, c, 0.05f * multipliers[m] / c };
        ListaTrace trace = { depth, codes, residuals };
        g_autofree double *expect = NULL;
        gsize nonzeros;

        scvae__lista_forward_train (&lista, P, E, &trace);
        expect = check_to_double (codes + depth * P * K, P * K);

        nonzeros = scvae__lista_first_step_inference (&lista, P, dty, z);
        for (int t = 1; t <= depth; t++)
          {
            nonzeros = scvae__lista_step_inference (&lista, gram, P, E, dty, z, nonzeros, form, &scratch);
            memcpy (stepped + (t - 1) * P * K, z, P * K * sizeof (float));
          }
        check_close ("lista inference", z, expect, P * K, 1e-4);
        for (gsize i = 0; i < P * K; i++)
          nonzeros -= z[i] != 0.f;
        g_assert_cmpuint (nonzeros, ==, 0);

        /* The Gram form's steps run patch by patch give the same codes to
         * the bit, after the last step and after each one kept. */
        if (form == LISTA_FORM_SPARSE)
          {
            g_autofree float **after_step = g_new (float *, depth);

            for (int t = 0; t < depth; t++)
              after_step[t] = t % 2 ? kept + t * P * K : NULL;
            memset (kept, 0, depth * P * K * sizeof (float));
            scvae__lista_first_step_inference (&lista, P, dty, patchwise);
            nonzeros = scvae__lista_gram_steps (&lista, gram, P, dty, patchwise, depth, after_step, &scratch);
            g_assert_cmpmem (patchwise, P * K * sizeof (float), z, P * K * sizeof (float));
            for (gsize i = 0; i < P * K; i++)
              nonzeros -= z[i] != 0.f;
            g_assert_cmpuint (nonzeros, ==, 0);
            for (int t = 1; t < depth; t += 2)
              g_assert_cmpmem (kept + t * P * K, P * K * sizeof (float), stepped + t * P * K,
                               P * K * sizeof (float));
          }
      }
  scvae__scratch_clear (&scratch);
}

static void
test_lista_inference_forms (void)
{
  run_lista_inference_forms (16, 64, 50);
  run_lista_inference_forms (16, 83, 50);
  /* With AVX-512 the Gram kernel takes 256 coefficients at a time, then
   * 64, then one by one. */
  run_lista_inference_forms (16, 339, 50);
}

/* D z from the active atoms alone equals the product in double, for
 * codes from all zero to all non-zero, and channel counts that are and
 * are not whole blocks and vectors of the kernel. */
static void
test_sparse_dictionary_product (void)
{
  const int channels[] = { 64, 70, 5 }, K = 83;
  const double densities[] = { 0.0, 0.05, 0.3, 1.0 };
  const gsize P = 20;
  Scratch scratch = { 0 };
  Rng rng;

  scvae__rng_seed (&rng, 4);
  for (guint c = 0; c < G_N_ELEMENTS (channels); c++)
    for (guint d = 0; d < G_N_ELEMENTS (densities); d++)
      {
        int C = channels[c];
        g_autofree float *D = g_new (float, C * K), *Dt = g_new (float, K * C), *z = g_new (float, P * K);
        g_autofree float *out = g_new (float, P * C);
        g_autofree double *expect = g_new0 (double, P * C);

        check_fill_uniform (&rng, D, C * K, -1, 1);
        check_fill_uniform (&rng, z, P * K, -1, 1);
        for (gsize i = 0; i < P * K; i++)
          if ((z[i] + 1.f) / 2.f >= densities[d])
            z[i] = 0.f;
        for (int r = 0; r < C; r++)
          for (int k = 0; k < K; k++)
            Dt[k * C + r] = D[r * K + k];
        for (gsize p = 0; p < P; p++)
          for (int r = 0; r < C; r++)
            for (int k = 0; k < K; k++)
              expect[p * C + r] += (double) D[r * K + k] * z[p * K + k];
        scvae__lista_sparse_dictionary_product (Dt, C, K, z, P, out, &scratch);
        check_close ("sparse D z", out, expect, P * C, 1e-5);
      }
  scvae__scratch_clear (&scratch);
}

static void
test_spectral_norm (void)
{
  const int C = 9, K = 20;
  Rng rng;
  float D[9 * 20];
  double v[9], largest = 0.0;

  /* Compare with plain power iteration on D D^T, run to convergence. */
  scvae__rng_seed (&rng, 1);
  check_fill_uniform (&rng, D, C * K, -1, 1);
  for (int i = 0; i < C; i++)
    v[i] = 1.0;
  for (int it = 0; it < 20000; it++)
    {
      double w[9] = { 0 }, norm = 0.0;

      for (int i = 0; i < C; i++)
        for (int j = 0; j < C; j++)
          for (int k = 0; k < K; k++)
            w[i] += (double) D[i * K + k] * D[j * K + k] * v[j];
      for (int i = 0; i < C; i++)
        norm += w[i] * w[i];
      norm = sqrt (norm);
      largest = norm;
      for (int i = 0; i < C; i++)
        v[i] = w[i] / norm;
    }
  g_assert_cmpfloat_with_epsilon (scvae__lista_spectral_norm_squared (D, C, K), largest, largest * 1e-9);
}

static void
test_dct (void)
{
  float D[16 * 32];

  g_assert_false (scvae__lista_init_dct (D, 15, 32));
  g_assert_true (scvae__lista_init_dct (D, 16, 32));
  /* Unit columns; the first atom is the constant. */
  for (int k = 0; k < 32; k++)
    {
      double norm = 0.0;
      for (int i = 0; i < 16; i++)
        norm += D[i * 32 + k] * D[i * 32 + k];
      g_assert_cmpfloat_with_epsilon (norm, 1.0, 1e-6);
    }
  for (int i = 0; i < 16; i++)
    g_assert_cmpfloat_with_epsilon (D[i * 32], 0.25, 1e-7);
}

/* The comparisons every numeric test relies on: a NaN or an infinity on
 * either side, anywhere, fails them (MAX() alone used to drop a NaN that
 * was not last). */
static void
test_check_rejects_non_finite (void)
{
  const double ones[3] = { 1, 1, 1 };
  const float nan_first[3] = { NAN, 1, 1 }, inf_last[3] = { 1, 1, INFINITY }, near[3] = { 1, 1.5f, 1 };
  const double nan_reference[3] = { 1, NAN, 1 };

  g_assert_true (isnan (check_relative_error (nan_first, ones, 3)));
  g_assert_true (isnan (check_relative_error (inf_last, ones, 3)));
  g_assert_true (isnan (check_relative_error (near, nan_reference, 3)));
  g_assert_cmpfloat (check_relative_error (near, ones, 3), ==, 0.5);
  g_assert_cmpfloat (check_largest_difference (near, ones, 3), ==, 0.5);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/check/non-finite", test_check_rejects_non_finite);

  g_test_add_func ("/layers/conv", test_conv);
  g_test_add_func ("/layers/conv-chunked", test_conv_chunked);
  g_test_add_func ("/layers/batchnorm", test_batchnorm);
  g_test_add_func ("/layers/batchnorm-fold", test_batchnorm_fold);
  g_test_add_func ("/lista/gradients", test_lista_gradients);
  g_test_add_func ("/lista/inference-forms", test_lista_inference_forms);
  g_test_add_func ("/lista/sparse-dictionary-product", test_sparse_dictionary_product);
  g_test_add_func ("/lista/spectral-norm", test_spectral_norm);
  g_test_add_func ("/lista/dct", test_dct);

  return g_test_run ();
}
