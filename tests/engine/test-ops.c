/* test-ops.c: the element-wise layers and each term of the training loss,
 * forward against a double-precision reference and backward against
 * finite differences of it
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <math.h>
#include <string.h>

#include "check.h"
#include "losses.h"
#include "ops.h"
#include "reference.h"

#define N 300
/* Rows and channels of the whitening and centring terms' features. */
#define P 40
#define C 6

typedef struct {
  double x[N], y[N], w[N]; /* input, second input or target, loss weights */
  double (*f) (double);    /* for the element-wise layers */
} Problem;

/* An element-wise layer through a random linear loss sum(w f(x)). */
static double
elementwise_loss (gpointer data)
{
  Problem *p = data;
  double sum = 0.0;

  for (int i = 0; i < N; i++)
    sum += p->w[i] * p->f (p->x[i]);
  return sum;
}

static double
relu (double x)
{
  return x > 0 ? x : 0;
}

static void
fill (Rng *rng, Problem *p, double lo, double hi)
{
  check_fill_uniform_d (rng, p->x, N, lo, hi);
  check_fill_uniform_d (rng, p->y, N, lo, hi);
  check_fill_uniform_d (rng, p->w, N, -1, 1);
  /* Finite differences across a kink measure nothing: keep clear of 0. */
  for (int i = 0; i < N; i++)
    if (fabs (p->x[i]) < 0.05)
      p->x[i] += p->x[i] < 0 ? -0.05 : 0.05;
}

static void
check_gradient (const char *what, RefLoss loss, Problem *p, double *x, gsize n, const float *analytic)
{
  double fd[N];
  gsize index[N];
  float picked[N];
  gsize count = ref_finite_differences (loss, p, x, n, 1e-6, N, 7, fd, index);

  for (gsize j = 0; j < count; j++)
    picked[j] = analytic[index[j]];
  check_close (what, picked, fd, count, 1e-5);
}

static void
run_elementwise (const char *name, double (*f) (double),
                 void (*forward) (const float *, float *, gsize),
                 void (*backward) (const float *, const float *, float *, gsize), gboolean accumulates)
{
  Problem p = { .f = f };
  Rng rng;
  float x[N], y[N], dy[N], dx[N];
  double y_ref[N];
  g_autofree char *forward_name = g_strconcat (name, " forward", NULL);
  g_autofree char *backward_name = g_strconcat (name, " backward", NULL);

  scvae__rng_seed (&rng, 3);
  fill (&rng, &p, -2, 2);
  for (int i = 0; i < N; i++)
    {
      x[i] = (float) p.x[i];
      dy[i] = (float) p.w[i];
      y_ref[i] = f (x[i]);
      /* A backward that adds must add: start from 1 and take it away. */
      dx[i] = accumulates ? 1.f : 0.f;
    }
  forward (x, y, N);
  check_close (forward_name, y, y_ref, N, 1e-6);
  backward (y, dy, dx, N);
  for (int i = 0; i < N && accumulates; i++)
    dx[i] -= 1.f;
  check_gradient (backward_name, elementwise_loss, &p, p.x, N, dx);
}

static void
test_relu (void)
{
  run_elementwise ("relu", relu, scvae__ops_relu, scvae__ops_relu_backward, TRUE);
}

/* The transpose moves every float to its place, for shapes that are and
 * are not whole 8 x 8 blocks (the patch-major latents and channel-major
 * activations the session converts between). */
static void
test_transpose (void)
{
  const gsize shapes[][2] = { { 1, 1 }, { 8, 8 }, { 3, 64 }, { 64, 13 }, { 19, 21 }, { 1000, 64 } };

  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      gsize rows = shapes[s][0], cols = shapes[s][1];
      g_autofree float *src = g_new (float, rows * cols), *dst = g_new (float, rows * cols);

      for (gsize i = 0; i < rows * cols; i++)
        src[i] = (float) i;
      scvae__ops_transpose (src, rows, cols, dst);
      for (gsize r = 0; r < rows; r++)
        for (gsize c = 0; c < cols; c++)
          g_assert_cmpfloat (dst[c * rows + r], ==, src[r * cols + c]);
    }
}

static void
test_tanh (void)
{
  run_elementwise ("tanh", tanh, scvae__ops_tanh, scvae__ops_tanh_backward, FALSE);
}

static double
mse_loss (gpointer data)
{
  Problem *p = data;
  double sum = 0.0;

  for (int i = 0; i < N; i++)
    sum += (p->x[i] - p->y[i]) * (p->x[i] - p->y[i]);
  return sum / N;
}

/* The loss terms' backwards add weight times the gradient to what is there.
 * Weights are powers of two, so that dividing by them is exact, and each
 * backward runs twice from zero: the second run must double the first. */
static void
check_adds (const char *what, const float *once, const float *twice, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (twice[i] != 2.f * once[i])
      g_error ("%s: a second backward gave %g, not 2 x %g", what, twice[i], once[i]);
}

/* The image term (gradient to x_hat only) and the latent term (to e and,
 * opposite, to D z). */
static void
test_mse (void)
{
  const float weight = 0.5f;
  Problem p;
  Rng rng;
  float a[N], b[N], da[N] = { 0 }, db[N] = { 0 }, da2[N] = { 0 }, db2[N] = { 0 };
  double value;

  scvae__rng_seed (&rng, 4);
  fill (&rng, &p, -1, 1);
  for (int i = 0; i < N; i++)
    {
      a[i] = (float) p.x[i];
      b[i] = (float) p.y[i];
      p.x[i] = a[i], p.y[i] = b[i];
    }
  value = scvae__loss_mse (a, b, N);
  g_assert_cmpfloat_with_epsilon (value, mse_loss (&p), 1e-7);
  scvae__loss_mse_backward (a, b, N, weight, da, db);
  memcpy (da2, da, sizeof da);
  memcpy (db2, db, sizeof db);
  scvae__loss_mse_backward (a, b, N, weight, da2, db2);
  check_adds ("mse d/da", da, da2, N);
  check_adds ("mse d/db", db, db2, N);
  for (int i = 0; i < N; i++)
    {
      da[i] /= weight;
      db[i] /= weight;
    }
  check_gradient ("mse d/da", mse_loss, &p, p.x, N, da);
  check_gradient ("mse d/db", mse_loss, &p, p.y, N, db);

  /* Without db, only da. */
  memset (da, 0, sizeof da);
  scvae__loss_mse_backward (a, b, N, 1.f, da, NULL);
  check_gradient ("mse d/da alone", mse_loss, &p, p.x, N, da);
}

static double
l1_loss (gpointer data)
{
  Problem *p = data;
  double sum = 0.0;

  for (int i = 0; i < N; i++)
    sum += fabs (p->x[i]);
  return sum / N;
}

static void
test_l1 (void)
{
  const float weight = 2.f;
  Problem p;
  Rng rng;
  float z[N], dz[N] = { 0 }, dz2[N];

  scvae__rng_seed (&rng, 5);
  fill (&rng, &p, -1, 1);
  for (int i = 0; i < N; i++)
    {
      z[i] = (float) p.x[i];
      p.x[i] = z[i];
    }
  g_assert_cmpfloat_with_epsilon (scvae__loss_l1 (z, N), l1_loss (&p), 1e-7);
  scvae__loss_l1_backward (z, N, weight, dz);
  memcpy (dz2, dz, sizeof dz);
  scvae__loss_l1_backward (z, N, weight, dz2);
  check_adds ("l1", dz, dz2, N);
  for (int i = 0; i < N; i++)
    dz[i] /= weight;
  check_gradient ("l1", l1_loss, &p, p.x, N, dz);

  /* At 0 the subgradient taken is 0: an inactive code is not pushed. */
  z[0] = 0.f, dz[0] = 0.f;
  scvae__loss_l1_backward (z, 1, weight, dz);
  g_assert_cmpfloat (dz[0], ==, 0.f);
}

/* |E^T E / P - I|^2 / C^2 from the definition. */
static double
whiten_loss (gpointer data)
{
  Problem *p = data;
  double sum = 0.0;

  for (int i = 0; i < C; i++)
    for (int j = 0; j < C; j++)
      {
        double m = i == j ? -1.0 : 0.0;

        for (int r = 0; r < P; r++)
          m += p->x[r * C + i] * p->x[r * C + j] / P;
        sum += m * m;
      }
  return sum / (C * C);
}

static void
test_whiten (void)
{
  const float weight = 0.25f;
  Problem p;
  Rng rng;
  float E[P * C], dE[P * C] = { 0 }, dE2[P * C], moment[C * C];

  scvae__rng_seed (&rng, 6);
  fill (&rng, &p, -2, 2);
  for (int i = 0; i < P * C; i++)
    {
      /* Unequal scales per channel, as features before whitening. */
      E[i] = (float) (p.x[i] * (1 + i % C));
      p.x[i] = E[i];
    }
  g_assert_cmpfloat_with_epsilon (scvae__loss_whiten (E, P, C, moment), whiten_loss (&p), 1e-5 * whiten_loss (&p));
  scvae__loss_whiten_backward (E, P, C, moment, weight, dE);
  memcpy (dE2, dE, sizeof dE);
  scvae__loss_whiten_backward (E, P, C, moment, weight, dE2);
  check_adds ("whiten", dE, dE2, P * C);
  for (int i = 0; i < P * C; i++)
    dE[i] /= weight;
  check_gradient ("whiten", whiten_loss, &p, p.x, P * C, dE);

  /* White features cost nothing and get no gradient. */
  memset (E, 0, sizeof E);
  for (int r = 0; r < P; r++)
    E[r * C + r % C] = sqrtf ((float) C);
  g_assert_cmpfloat (scvae__loss_whiten (E, P - P % C, C, moment), <, 1e-10);
}

/* |mean(E)|^2 / C from the definition. */
static double
center_loss (gpointer data)
{
  Problem *p = data;
  double sum = 0.0;

  for (int i = 0; i < C; i++)
    {
      double mean = 0.0;

      for (int r = 0; r < P; r++)
        mean += p->x[r * C + i] / P;
      sum += mean * mean;
    }
  return sum / C;
}

static void
test_center (void)
{
  const float weight = 0.25f;
  Problem p;
  Rng rng;
  float E[P * C], dE[P * C] = { 0 }, dE2[P * C], mean[C];

  /* Worked by hand: rows (1, 2) and (3, -2) have the mean (2, 0), so the
   * term is (4 + 0) / 2, and each row's gradient is 2 (2, 0) / (2 * 2). */
  {
    const float rows[] = { 1, 2, 3, -2 };
    float grad[4] = { 0 };

    g_assert_cmpfloat (scvae__loss_center (rows, 2, 2, mean), ==, 2.0);
    scvae__loss_center_backward (2, 2, mean, 1.f, grad);
    g_assert_cmpfloat (grad[0], ==, 1.f);
    g_assert_cmpfloat (grad[1], ==, 0.f);
    g_assert_cmpfloat (grad[2], ==, 1.f);
    g_assert_cmpfloat (grad[3], ==, 0.f);
  }

  scvae__rng_seed (&rng, 7);
  fill (&rng, &p, -1, 3); /* off-centre, as features with a constant part */
  for (int i = 0; i < P * C; i++)
    E[i] = (float) p.x[i];
  g_assert_cmpfloat_with_epsilon (scvae__loss_center (E, P, C, mean), center_loss (&p), 1e-5 * center_loss (&p));
  scvae__loss_center_backward (P, C, mean, weight, dE);
  memcpy (dE2, dE, sizeof dE);
  scvae__loss_center_backward (P, C, mean, weight, dE2);
  check_adds ("center", dE, dE2, P * C);
  for (int i = 0; i < P * C; i++)
    dE[i] /= weight;
  check_gradient ("center", center_loss, &p, p.x, P * C, dE);
}

/* The lifetime term from its definition, P rows of C atoms. */
static double
lifetime_loss (gpointer data)
{
  Problem *p = data;
  double sum = 0.0;

  for (int k = 0; k < C; k++)
    {
      double l1 = 0.0;
      int active = 0;

      for (int r = 0; r < P; r++)
        {
          l1 += fabs (p->x[r * C + k]);
          active += p->x[r * C + k] != 0.0;
        }
      sum += MAX (0.0, (double) active / P / SCVAE_LIFETIME_TARGET - 1.0) * l1 / P;
    }
  return sum / C;
}

static void
test_lifetime (void)
{
  const float weight = 0.5f;
  Problem p;
  Rng rng;
  float Z[P * C], dZ[P * C] = { 0 }, dZ2[P * C], excess[C];

  /* Worked by hand: atom 0 is active on 3 of 4 rows, three times the
   * target share, so w = 2 and the term is 2 mean(1, 2, 3, 0) / 2 = 1.5;
   * atom 1, on 1 row in 4, is at the target and pays nothing. Each active
   * code of atom 0 gets 2 sign(z) / (4 * 2). */
  {
    const float codes[] = { 1, 0, -2, 0, 3, 0, 0, 4 };
    float grad[8] = { 0 };
    const float expect[8] = { 0.25f, 0, -0.25f, 0, 0.25f, 0, 0, 0 };

    g_assert_cmpfloat (scvae__loss_lifetime (codes, 4, 2, excess), ==, 1.5);
    g_assert_cmpfloat (excess[0], ==, 2.f);
    g_assert_cmpfloat (excess[1], ==, 0.f);
    scvae__loss_lifetime_backward (codes, 4, 2, excess, 1.f, grad);
    for (int i = 0; i < 8; i++)
      g_assert_cmpfloat (grad[i], ==, expect[i]);
  }

  /* Atom k is silent on the first 4k rows: shares from 1 down to 0.5, so
   * every weight differs. A zero code moved either way by the finite
   * difference counts as active both ways: its difference is 0, as its
   * subgradient. */
  scvae__rng_seed (&rng, 8);
  fill (&rng, &p, -2, 2);
  for (int r = 0; r < P; r++)
    for (int k = 0; k < C; k++)
      {
        if (r < 4 * k)
          p.x[r * C + k] = 0.0;
        Z[r * C + k] = (float) p.x[r * C + k];
      }
  g_assert_cmpfloat_with_epsilon (scvae__loss_lifetime (Z, P, C, excess), lifetime_loss (&p),
                                  1e-5 * lifetime_loss (&p));
  scvae__loss_lifetime_backward (Z, P, C, excess, weight, dZ);
  memcpy (dZ2, dZ, sizeof dZ);
  scvae__loss_lifetime_backward (Z, P, C, excess, weight, dZ2);
  check_adds ("lifetime", dZ, dZ2, P * C);
  for (int i = 0; i < P * C; i++)
    dZ[i] /= weight;
  check_gradient ("lifetime", lifetime_loss, &p, p.x, P * C, dZ);
}

/* The decoder's last layer: tanh within 2 ulp of the exact value over
 * its whole range (tiny inputs, where the polynomial meets the exponential
 * form at 0.55, large ones rounding to 1), odd, inf to 1, NaN kept; a
 * length that is not a multiple of the vector width gets the same values
 * in its last elements as anywhere else. */
static void
test_tanh_range (void)
{
  enum { STEPS = 200001 };
  g_autofree float *x = g_new (float, STEPS + 3), *y = g_new (float, STEPS + 3);
  float shifted[5], shifted_y[5];
  double worst = 0.0;

  for (int i = 0; i < STEPS; i++)
    x[i] = -20.f + 40.f * i / (STEPS - 1);
  x[STEPS] = 1e-30f;
  x[STEPS + 1] = -0.549999f;
  x[STEPS + 2] = 0.550001f;
  scvae__ops_tanh (x, y, STEPS + 3);
  for (int i = 0; i < STEPS + 3; i++)
    {
      double exact = tanh ((double) x[i]);
      double ulp = nextafterf ((float) fabs (exact), INFINITY) - (float) fabs (exact);
      double error = fabs (y[i] - exact) / ulp;

      if (error > worst)
        worst = error;
      g_assert_false (isnan (y[i]));
    }
  g_test_message ("tanh: worst error %.2f ulp", worst);
  g_assert_cmpfloat (worst, <=, 2.0);

  for (int i = 0; i < 5; i++)
    shifted[i] = x[STEPS / 2 + 1003 + i];
  scvae__ops_tanh (shifted, shifted_y, 5);
  for (int i = 0; i < 5; i++)
    g_assert_cmpfloat (shifted_y[i], ==, y[STEPS / 2 + 1003 + i]);

  x[0] = INFINITY;
  x[1] = -INFINITY;
  x[2] = NAN;
  x[3] = -0.f;
  x[4] = 0.3f;
  x[5] = -0.3f;
  scvae__ops_tanh (x, y, 6);
  g_assert_cmpfloat (y[0], ==, 1.f);
  g_assert_cmpfloat (y[1], ==, -1.f);
  g_assert_true (isnan (y[2]));
  g_assert_true (y[3] == 0.f && signbit (y[3]));
  g_assert_cmpfloat (y[5], ==, -y[4]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ops/relu", test_relu);
  g_test_add_func ("/ops/transpose", test_transpose);
  g_test_add_func ("/ops/tanh", test_tanh);
  g_test_add_func ("/ops/tanh-range", test_tanh_range);
  g_test_add_func ("/loss/mse", test_mse);
  g_test_add_func ("/loss/l1", test_l1);
  g_test_add_func ("/loss/whiten", test_whiten);
  g_test_add_func ("/loss/center", test_center);
  g_test_add_func ("/loss/lifetime", test_lifetime);
  return g_test_run ();
}
