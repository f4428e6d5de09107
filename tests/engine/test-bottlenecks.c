/* test-bottlenecks.c: the VQ and Gaussian bottlenecks against
 * double-precision references written from their definitions, and their
 * backward passes against finite differences
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <math.h>
#include <string.h>

#include "check.h"
#include "f4-network.h"
#include "fixtures.h"
#include "gaussian.h"
#include "losses.h"
#include "model-private.h"
#include "reference.h"
#include "scvae.h"
#include "vq.h"

/* ------------------------------------------------------------------------- */
/* Vector quantisation */

/* The nearest code by brute force in double, the lowest on a tie. */
static int
ref_nearest (int C, int K, const double *codebook, const double *e)
{
  int best = 0;
  double best_distance = INFINITY;

  for (int k = 0; k < K; k++)
    {
      double distance = 0.0;

      for (int i = 0; i < C; i++)
        distance += (e[i] - codebook[i * K + k]) * (e[i] - codebook[i * K + k]);
      if (distance < best_distance)
        {
          best = k;
          best_distance = distance;
        }
    }
  return best;
}

static void
test_vq_nearest (void)
{
  enum { C = 8, K = 40, P = 300 };
  Rng rng;
  Scratch scratch = { 0 };
  float codebook[C * K], features[P * C], quantized[P * C];
  int index[P];
  g_autofree double *codebook_d = NULL, *features_d = NULL;
  double total, expected_total = 0.0;

  scvae__rng_seed (&rng, 11);
  check_fill_uniform (&rng, codebook, C * K, -1.f, 1.f);
  check_fill_uniform (&rng, features, P * C, -1.f, 1.f);
  /* Code 7 is a copy of code 3: a patch nearest to either takes 3. */
  for (int i = 0; i < C; i++)
    codebook[i * K + 7] = codebook[i * K + 3];
  for (int i = 0; i < C; i++)
    features[5 * C + i] = codebook[i * K + 3] + 1e-3f;
  codebook_d = check_to_double (codebook, C * K);
  features_d = check_to_double (features, P * C);

  total = scvae__vq_forward (&(Vq) { C, K, codebook }, P, features, index, quantized, &scratch);
  for (int p = 0; p < P; p++)
    {
      int k = ref_nearest (C, K, codebook_d, features_d + p * C);

      g_assert_cmpint (index[p], ==, k);
      for (int i = 0; i < C; i++)
        {
          g_assert_cmpfloat (quantized[p * C + i], ==, codebook[i * K + k]);
          expected_total += (features_d[p * C + i] - codebook_d[i * K + k])
                            * (features_d[p * C + i] - codebook_d[i * K + k]);
        }
    }
  g_assert_cmpint (index[5], ==, 3);
  g_assert_cmpfloat_with_epsilon (total, expected_total, 1e-9 * P * C);
  g_assert_cmpfloat_with_epsilon (scvae__loss_mse (features, quantized, P * C), expected_total / (P * C), 1e-9);
  scvae__scratch_clear (&scratch);
}

typedef struct {
  int C, K;
  gsize P;
  double beta;
  double *codebook, *features, *direction;
} VqProblem;

/* projected(direction, q(e)) + beta mean((e - q(e))^2), q from the
 * brute-force nearest code: piecewise constant, so its finite difference
 * is the commitment's gradient alone. */
static double
vq_loss (gpointer data)
{
  VqProblem *p = data;
  double projected = 0.0, commitment = 0.0;

  for (gsize j = 0; j < p->P; j++)
    {
      const double *e = p->features + j * p->C;
      int k = ref_nearest (p->C, p->K, p->codebook, e);

      for (int i = 0; i < p->C; i++)
        {
          double q = p->codebook[i * p->K + k];

          projected += p->direction[j * p->C + i] * q;
          commitment += (e[i] - q) * (e[i] - q);
        }
    }
  return projected + p->beta * commitment / (p->P * p->C);
}

static void
test_vq_backward (void)
{
  enum { C = 6, K = 16, P = 50 };
  Rng rng;
  Scratch scratch = { 0 };
  float codebook[C * K], features[P * C], quantized[P * C], direction[P * C];
  float dfeatures[P * C] = { 0 }, commitment_part[P * C];
  int index[P];
  const float beta = 0.25f;
  g_autofree double *fd = g_new (double, P * C);
  g_autofree gsize *checked = g_new (gsize, P * C);
  VqProblem problem = { C, K, P, beta };

  scvae__rng_seed (&rng, 12);
  check_fill_uniform (&rng, codebook, C * K, -1.f, 1.f);
  check_fill_uniform (&rng, features, P * C, -1.f, 1.f);
  check_fill_uniform (&rng, direction, P * C, -1.f, 1.f);
  problem.codebook = check_to_double (codebook, C * K);
  problem.features = check_to_double (features, P * C);
  problem.direction = check_to_double (direction, P * C);

  scvae__vq_forward (&(Vq) { C, K, codebook }, P, features, index, quantized, &scratch);
  scvae__vq_backward (C, P, features, quantized, direction, beta, dfeatures);

  /* Straight through: de is dq plus the commitment's gradient, which the
   * finite differences give. */
  g_assert_cmpuint (ref_finite_differences (vq_loss, &problem, problem.features, P * C, 1e-6, P * C, 1, fd,
                                            checked), ==, P * C);
  for (int i = 0; i < P * C; i++)
    commitment_part[i] = dfeatures[i] - direction[i];
  check_close ("vq de - dq against the commitment's finite differences", commitment_part, fd, P * C, 1e-4);

  g_free (problem.codebook);
  g_free (problem.features);
  g_free (problem.direction);
  scvae__scratch_clear (&scratch);
}

static void
test_vq_ema (void)
{
  /* C = 2, K = 3; patches 0 and 1 take code 0, patch 2 code 2, code 1 none. */
  const float features[] = { 1.f, 2.f, 3.f, 4.f, -1.f, 0.5f };
  const int index[] = { 0, 0, 2 };
  float codebook[] = { 0.f, 1.f, 2.f,
                       0.f, 1.f, 2.f };
  float ema_counts[3], ema_sums[6];
  VqEma ema = { 2, 3, 0.5f, ema_counts, ema_sums };
  double counts[3], sums[2][3], total = 0.0;

  scvae__vq_ema_init (&ema, codebook);
  scvae__vq_ema_update (&ema, 3, features, index, codebook);

  /* N = 0.5 * 1 + 0.5 * n, M = 0.5 * E + 0.5 * sum of e */
  counts[0] = 0.5 + 0.5 * 2;
  counts[1] = 0.5;
  counts[2] = 0.5 + 0.5 * 1;
  sums[0][0] = 0.5 * 0 + 0.5 * (1 + 3);
  sums[1][0] = 0.5 * 0 + 0.5 * (2 + 4);
  sums[0][1] = 0.5 * 1;
  sums[1][1] = 0.5 * 1;
  sums[0][2] = 0.5 * 2 + 0.5 * -1;
  sums[1][2] = 0.5 * 2 + 0.5 * 0.5;
  for (int k = 0; k < 3; k++)
    {
      g_assert_cmpfloat_with_epsilon (ema.counts[k], counts[k], 1e-7);
      total += counts[k];
    }
  for (int k = 0; k < 3; k++)
    {
      double smoothed = (counts[k] + 1e-5) / (total + 3e-5) * total;

      for (int i = 0; i < 2; i++)
        g_assert_cmpfloat_with_epsilon (codebook[i * 3 + k], sums[i][k] / smoothed, 1e-6);
    }
  /* Code 0 moved to the mean of its two patches, nearly. */
  g_assert_cmpfloat_with_epsilon (codebook[0], 4.0 / 3.0, 1e-4);
}

static void
test_vq_restart_dead (void)
{
  enum { C = 2, K = 4, P = 3 };
  float codebook[C * K] = { 0.f, 1.f, 2.f, 3.f,
                            0.f, 0.f, 0.f, 0.f };
  const float features[P * C] = { 0.1f, 0.f, 9.f, 9.f, 2.f, 1.f };
  float quantized[P * C];
  int index[P];
  Scratch scratch = { 0 };
  float ema_counts[K], ema_sums[C * K];
  VqEma ema = { C, K, 0.9f, ema_counts, ema_sums };
  float before[C * K];

  scvae__vq_ema_init (&ema, codebook);
  ema.counts[1] = 1e-4;
  ema.counts[3] = 1e-4;
  scvae__vq_forward (&(Vq) { C, K, codebook }, P, features, index, quantized, &scratch);
  memcpy (before, codebook, sizeof before);

  g_assert_cmpint (scvae__vq_restart_dead (&ema, P, features, quantized, 1e-2, codebook), ==, 2);
  /* The worst-coded patch (9, 9) takes code 1, the next (2, 1) code 3. */
  g_assert_cmpfloat_with_epsilon (codebook[0 * K + 1], 9.f, 1e-3);
  g_assert_cmpfloat_with_epsilon (codebook[1 * K + 1], 9.f, 1e-3);
  g_assert_cmpfloat_with_epsilon (codebook[0 * K + 3], 2.f, 1e-3);
  g_assert_cmpfloat_with_epsilon (codebook[1 * K + 3], 1.f, 1e-3);
  /* Live codes stay. */
  for (int i = 0; i < C; i++)
    {
      g_assert_cmpfloat_with_epsilon (codebook[i * K + 0], before[i * K + 0], 1e-4);
      g_assert_cmpfloat_with_epsilon (codebook[i * K + 2], before[i * K + 2], 1e-4);
    }
  g_assert_cmpint (scvae__vq_restart_dead (&ema, P, features, quantized, 1e-2, codebook), ==, 0);
  scvae__scratch_clear (&scratch);
}

static void
test_vq_usage (void)
{
  guint64 even[4] = { 5, 5, 5, 5 }, one[4] = { 0, 12, 0, 0 }, some[4] = { 1, 0, 3, 0 };

  g_assert_cmpfloat_with_epsilon (scvae__vq_perplexity (even, 4), 4.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (scvae__vq_perplexity (one, 4), 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (scvae__vq_perplexity (some, 4),
                                  exp (-(0.25 * log (0.25) + 0.75 * log (0.75))), 1e-12);
  g_assert_cmpint (scvae__vq_unused (even, 4), ==, 0);
  g_assert_cmpint (scvae__vq_unused (one, 4), ==, 3);
  g_assert_cmpint (scvae__vq_unused (some, 4), ==, 2);
}

/* ------------------------------------------------------------------------- */
/* Gaussian */

typedef struct {
  int C;
  gsize P;
  double beta;
  double *features, *mean_weight, *mean_bias, *logvar_weight, *logvar_bias;
  const double *noise, *direction;
  double *mean, *logvar, *latent;
} GaussianProblem;

/* The heads, the sample with the given noise, and
 * projected(direction, latent) + beta KL. */
static double
gaussian_loss (gpointer data)
{
  GaussianProblem *p = data;
  double projected = 0.0, kl = 0.0;

  for (gsize j = 0; j < p->P; j++)
    for (int o = 0; o < p->C; o++)
      {
        double m = p->mean_bias[o], v = p->logvar_bias[o];
        gsize at = j * p->C + o;

        for (int i = 0; i < p->C; i++)
          {
            m += p->mean_weight[o * p->C + i] * p->features[j * p->C + i];
            v += p->logvar_weight[o * p->C + i] * p->features[j * p->C + i];
          }
        v = CLAMP (v, GAUSSIAN_LOGVAR_MIN, GAUSSIAN_LOGVAR_MAX);
        p->mean[at] = m;
        p->logvar[at] = v;
        p->latent[at] = m + (p->noise ? exp (0.5 * v) * p->noise[at] : 0.0);
        projected += p->direction[at] * p->latent[at];
        kl += -0.5 * (1.0 + v - m * m - exp (v));
      }
  return projected + p->beta * kl / p->P;
}

static void
test_gaussian (gconstpointer with_noise)
{
  enum { C = 5, P = 40 };
  const float beta = 0.7f;
  Rng rng, noise_rng;
  float features[P * C], mw[C * C], mb[C], lw[C * C], lb[C], direction[P * C];
  float mean[P * C], logvar[P * C], noise[P * C], latent[P * C], dlatent[P * C], scratch[P * C];
  float dfeatures[P * C] = { 0 }, dmw[C * C] = { 0 }, dmb[C] = { 0 }, dlw[C * C] = { 0 }, dlb[C] = { 0 };
  GaussianTrace trace = { mean, logvar, with_noise ? noise : NULL };
  Gaussian gaussian = { C, mw, mb, lw, lb };
  GaussianProblem p = { C, P, beta };
  g_autofree double *noise_d = NULL, *direction_d = NULL;
  double kl;

  scvae__rng_seed (&rng, 13);
  check_fill_uniform (&rng, features, P * C, -1.f, 1.f);
  check_fill_uniform (&rng, mw, C * C, -0.6f, 0.6f);
  check_fill_uniform (&rng, mb, C, -0.3f, 0.3f);
  check_fill_uniform (&rng, lw, C * C, -0.6f, 0.6f);
  check_fill_uniform (&rng, lb, C, -1.f, 0.5f);
  check_fill_uniform (&rng, direction, P * C, -1.f, 1.f);
  scvae__rng_seed (&noise_rng, 14);

  for (int i = 0; i < P * C && with_noise; i++)
    noise[i] = (float) scvae__rng_normal (&noise_rng);
  kl = scvae__gaussian_forward (&gaussian, P, features, &trace, latent);

  p.features = check_to_double (features, P * C);
  p.mean_weight = check_to_double (mw, C * C);
  p.mean_bias = check_to_double (mb, C);
  p.logvar_weight = check_to_double (lw, C * C);
  p.logvar_bias = check_to_double (lb, C);
  p.noise = noise_d = with_noise ? check_to_double (noise, P * C) : NULL;
  p.direction = direction_d = check_to_double (direction, P * C);
  p.mean = g_new (double, P * C);
  p.logvar = g_new (double, P * C);
  p.latent = g_new (double, P * C);
  gaussian_loss (&p);
  check_close ("gaussian mean", mean, p.mean, P * C, 1e-5);
  check_close ("gaussian logvar", logvar, p.logvar, P * C, 1e-5);
  check_close ("gaussian latent", latent, p.latent, P * C, 1e-5);
  g_assert_cmpfloat_with_epsilon (kl, scvae__gaussian_kl (C, P, mean, logvar), 1e-9);
  if (!with_noise)
    g_assert_cmpmem (latent, sizeof latent, mean, sizeof mean);

  memcpy (dlatent, direction, sizeof dlatent);
  scvae__gaussian_backward (&gaussian, P, features, &trace, beta, dlatent, dfeatures, dmw, dmb, dlw, dlb,
                            scratch);
  {
    struct { const char *what; double *x; gsize n; const float *analytic; } grads[] = {
      { "gaussian de", p.features, P * C, dfeatures },
      { "gaussian dW_mu", p.mean_weight, C * C, dmw },
      { "gaussian db_mu", p.mean_bias, C, dmb },
      { "gaussian dW_logvar", p.logvar_weight, C * C, dlw },
      { "gaussian db_logvar", p.logvar_bias, C, dlb },
    };

    for (guint g = 0; g < G_N_ELEMENTS (grads); g++)
      {
        g_autofree double *fd = g_new (double, grads[g].n);
        g_autofree gsize *checked = g_new (gsize, grads[g].n);

        ref_finite_differences (gaussian_loss, &p, grads[g].x, grads[g].n, 1e-6, grads[g].n, 2, fd, checked);
        check_close (grads[g].what, grads[g].analytic, fd, grads[g].n, 1e-4);
      }
  }
  g_free (p.features);
  g_free (p.mean_weight);
  g_free (p.mean_bias);
  g_free (p.logvar_weight);
  g_free (p.logvar_bias);
  g_free (p.mean);
  g_free (p.logvar);
  g_free (p.latent);
}

static void
test_gaussian_active_channels (void)
{
  enum { C = 3, P = 100 };
  double sums[C] = { 0 }, squares[C] = { 0 };
  float means[P * C];
  Rng rng;

  scvae__rng_seed (&rng, 15);
  for (int p = 0; p < P; p++)
    {
      /* variance ~1: in use; constant: unused; variance ~1e-4: unused */
      means[p * C] = scvae__rng_normal (&rng);
      means[p * C + 1] = 0.3f;
      means[p * C + 2] = 0.01 * scvae__rng_normal (&rng);
    }
  /* In two pieces, as scvae eval adds image after image */
  scvae_channel_moments_add (means, 40, C, sums, squares);
  scvae_channel_moments_add (means + 40 * C, P - 40, C, sums, squares);
  g_assert_cmpfloat_with_epsilon (sums[1], 30.0, 1e-4);
  g_assert_cmpfloat_with_epsilon (squares[1], 9.0, 1e-4);
  g_assert_cmpint (scvae_active_channels (sums, squares, C, P), ==, 1);
  g_assert_cmpint (scvae_active_channels (sums, squares, C, 1), ==, 0);
}

/* Decoding the mean (for BatchNorm's statistics at the end of training)
 * is decoding a sample whose noise is zero, and not a sample. */
static void
test_gaussian_decode_mean (void)
{
  g_autoptr(ScvaeModel) model = fixture_tiny_model_with (SCVAE_BOTTLENECK_GAUSSIAN, 4);
  const int batch = 2, size = 16;
  gsize n_in = (gsize) 3 * batch * size * size, n_noise = (gsize) batch * (size / 4) * (size / 4) * 4;
  g_autofree float *input = g_new (float, n_in), *zeros = g_new0 (float, n_noise);
  g_autofree float *mean_out = NULL, *sampled_out = NULL;
  g_autofree float *running = g_memdup2 (model->running, model->layout->n_running * sizeof (float));
  F4Network *net = scvae__f4_network_new (model->layout, batch, size, size);
  Scratch scratch = { 0 };
  F4Loss loss;
  Rng rng;

  scvae__rng_seed (&rng, 16);
  check_fill_uniform (&rng, input, n_in, -0.9f, 0.9f);
  scvae__f4_network_decode_mean (net, TRUE);
  scvae__f4_network_forward (net, &model->tensors, input, &loss, &scratch);
  mean_out = g_memdup2 (scvae__f4_network_get_output (net), n_in * sizeof (float));

  memcpy (model->running, running, model->layout->n_running * sizeof (float));
  scvae__f4_network_decode_mean (net, FALSE);
  scvae__f4_network_use_noise (net, zeros);
  scvae__f4_network_forward (net, &model->tensors, input, &loss, &scratch);
  g_assert_cmpmem (scvae__f4_network_get_output (net), n_in * sizeof (float), mean_out, n_in * sizeof (float));

  memcpy (model->running, running, model->layout->n_running * sizeof (float));
  scvae__f4_network_use_noise (net, NULL);
  scvae__f4_network_forward (net, &model->tensors, input, &loss, &scratch);
  sampled_out = g_memdup2 (scvae__f4_network_get_output (net), n_in * sizeof (float));
  g_assert_cmpint (memcmp (sampled_out, mean_out, n_in * sizeof (float)), !=, 0);

  scvae__scratch_clear (&scratch);
  scvae__f4_network_free (net);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vq/nearest", test_vq_nearest);
  g_test_add_func ("/vq/backward", test_vq_backward);
  g_test_add_func ("/vq/ema", test_vq_ema);
  g_test_add_func ("/vq/restart-dead", test_vq_restart_dead);
  g_test_add_func ("/vq/usage", test_vq_usage);
  g_test_add_data_func ("/gaussian/sampled", GINT_TO_POINTER (TRUE), test_gaussian);
  g_test_add_data_func ("/gaussian/mean", GINT_TO_POINTER (FALSE), test_gaussian);
  g_test_add_func ("/gaussian/active-channels", test_gaussian_active_channels);
  g_test_add_func ("/gaussian/decode-mean", test_gaussian_decode_mean);
  return g_test_run ();
}
