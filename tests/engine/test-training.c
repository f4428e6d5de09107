/* test-training.c: the parts of training around the gradients: the
 * learning-rate schedule, dictionary upkeep and the BatchNorm average
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <math.h>
#include <string.h>

#include "batchnorm.h"
#include "optimizer.h"
#include "resample.h"

/* Warm-up rises linearly to the peak, then a cosine falls to a floor, as
 * tools/reference/train-reference's learning_rate() (worked by hand: peak
 * 1e-3, 100 warm-up steps of 1100, floor 5 %). */
static void
test_learning_rate (void)
{
  const float lr = 1e-3f, floor = 0.05f;

  g_assert_cmpfloat_with_epsilon (learning_rate_at (0, 1100, 100, lr, floor), 1e-5, 1e-12);
  g_assert_cmpfloat_with_epsilon (learning_rate_at (49, 1100, 100, lr, floor), 5e-4, 1e-10);
  g_assert_cmpfloat_with_epsilon (learning_rate_at (99, 1100, 100, lr, floor), 1e-3, 1e-10);
  g_assert_cmpfloat_with_epsilon (learning_rate_at (100, 1100, 100, lr, floor), 1e-3, 1e-10);
  /* Half-way through the decay: floor + (1 - floor) / 2. */
  g_assert_cmpfloat_with_epsilon (learning_rate_at (600, 1100, 100, lr, floor), 5.25e-4, 1e-9);
  /* A quarter: floor + (1 - floor) (1 + cos(pi/4)) / 2 = 0.8609... */
  g_assert_cmpfloat_with_epsilon (learning_rate_at (350, 1100, 100, lr, floor),
                                  1e-3 * (0.05 + 0.95 * 0.5 * (1 + cos (G_PI / 4))), 1e-9);
  g_assert_cmpfloat_with_epsilon (learning_rate_at (1100, 1100, 100, lr, floor), 5e-5, 1e-11);
  g_assert_cmpfloat_with_epsilon (learning_rate_at (5000, 1100, 100, lr, floor), 5e-5, 1e-11);
  /* No room for a decay: the peak throughout. */
  g_assert_cmpfloat (learning_rate_at (500, 50, 100, lr, floor), ==, lr);
}

/* Four atoms in C = 3 (columns of D):
 *   a0 = (1, 0, 0)             fired 10 times
 *   a1 = (0, 1, 0)             fired 0 times: dead
 *   a2 = (0.6, 0.8, 0)         fired 5 times
 *   a3 = (1, 0.1, 0) / |.|     fired 3 times; |cos(a0, a3)| = 0.995: a twin
 *                              of a0 that fired less, so it moves
 * Residuals e - ehat of four rows, worst first:
 *   r0 = (0, 3, 0)      9      (0, 1, 0): away from the kept a0 and a2 -> a1
 *   r1 = (2, 0, 0.1)    4.01   cos 0.9988 with a0: skipped
 *   r2 = (0, 0, 1.5)    2.25   (0, 0, 1) -> a3
 *   r3 = (0.1, 0.1, 0.1)       not needed */
static void
test_resample (void)
{
  float D[3 * 4] = {
    1, 0, 0.6f, 1,
    0, 1, 0.8f, 0.1f,
    0, 0, 0, 0,
  };
  const float hits[4] = { 10, 0, 5, 3 };
  const float e[4 * 3] = {
    0, 3, 0,
    2, 0, 0.1f,
    0, 0, 1.5f,
    0.1f, 0.1f, 0.1f,
  };
  const float ehat[4 * 3] = { 0 };
  const float a0[3] = { 1, 0, 0 }, a2[3] = { 0.6f, 0.8f, 0 };
  gboolean moved[4];
  float length = sqrtf (1.01f);

  for (int i = 0; i < 3; i++)
    D[i * 4 + 3] /= length;
  g_assert_cmpint (resample_atoms (D, 3, 4, hits, 1.f, e, ehat, 4, moved), ==, 2);
  g_assert_false (moved[0]);
  g_assert_true (moved[1]);
  g_assert_false (moved[2]);
  g_assert_true (moved[3]);
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpfloat (D[i * 4 + 0], ==, a0[i]);
      g_assert_cmpfloat (D[i * 4 + 1], ==, i == 1 ? 1.f : 0.f);
      g_assert_cmpfloat (D[i * 4 + 2], ==, a2[i]);
      g_assert_cmpfloat (D[i * 4 + 3], ==, i == 2 ? 1.f : 0.f);
    }

  /* Nothing dead, nothing twin: nothing moves. */
  {
    const float busy[4] = { 10, 10, 10, 10 };

    g_assert_cmpint (resample_atoms (D, 3, 4, busy, 1.f, e, ehat, 4, moved), ==, 0);
    for (int k = 0; k < 4; k++)
      g_assert_false (moved[k]);
  }

  /* A dead atom with no residual pointing away stays where it is. */
  {
    const float only_a0[1 * 3] = { 5, 0, 0 };
    const float dead[4] = { 10, 0, 10, 10 };
    float before[3 * 4];

    memcpy (before, D, sizeof D);
    g_assert_cmpint (resample_atoms (D, 3, 4, dead, 1.f, only_a0, ehat, 1, moved), ==, 0);
    g_assert_false (moved[1]);
    g_assert_cmpmem (D, sizeof D, before, sizeof before);
  }
}

/* Precise BatchNorm: momentum 1/i over a series of batches leaves their
 * plain average in the running statistics, as PyTorch's momentum=None
 * (train-reference's BatchNorm pass). One channel, three batches of four:
 *   {1, 2, 3, 4}   mean 2.5, unbiased variance 5/3
 *   {0, 0, 0, 4}   mean 1,   variance 4
 *   {2, 2, 2, 2}   mean 2,   variance 0
 * average mean 11/6, average variance 17/9. */
static void
test_batchnorm_average (void)
{
  const float batches[3][4] = { { 1, 2, 3, 4 }, { 0, 0, 0, 4 }, { 2, 2, 2, 2 } };
  float weight = 1, bias = 0, running_mean = 7, running_var = 7, y[4], mean, inv_std;
  BatchNormParams p = { &weight, &bias, &running_mean, &running_var };
  BatchNormSaved saved = { &mean, &inv_std };

  for (int i = 1; i <= 3; i++)
    batchnorm_forward_train (&p, 1, 4, batches[i - 1], y, &saved, 1.f / i);
  g_assert_cmpfloat_with_epsilon (running_mean, 11.0 / 6.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (running_var, 17.0 / 9.0, 1e-6);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/training/learning-rate", test_learning_rate);
  g_test_add_func ("/training/resample", test_resample);
  g_test_add_func ("/training/batchnorm-average", test_batchnorm_average);
  return g_test_run ();
}
