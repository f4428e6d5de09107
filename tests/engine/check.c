/* check.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "check.h"

#include <math.h>

void
check_fill_uniform (Rng *rng, float *x, gsize n, float lo, float hi)
{
  for (gsize i = 0; i < n; i++)
    x[i] = lo + (hi - lo) * (float) scvae__rng_uniform (rng);
}

void
check_fill_uniform_d (Rng *rng, double *x, gsize n, double lo, double hi)
{
  for (gsize i = 0; i < n; i++)
    x[i] = lo + (hi - lo) * scvae__rng_uniform (rng);
}

double *
check_to_double (const float *x, gsize n)
{
  double *y = g_new (double, n);
  for (gsize i = 0; i < n; i++)
    y[i] = x[i];
  return y;
}

float *
check_to_float (const double *x, gsize n)
{
  float *y = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    y[i] = (float) x[i];
  return y;
}

double
check_largest_difference (const float *a, const double *b, gsize n)
{
  double worst = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      /* MAX() would drop a NaN (every comparison with it is false). */
      if (!isfinite (a[i]) || !isfinite (b[i]))
        return NAN;
      worst = MAX (worst, fabs (a[i] - b[i]));
    }
  return worst;
}

double
check_relative_error (const float *a, const double *b, gsize n)
{
  double scale = 1e-30;

  for (gsize i = 0; i < n; i++)
    scale = MAX (scale, fabs (b[i]));
  return check_largest_difference (a, b, n) / scale;
}

void
check_close (const char *what, const float *a, const double *b, gsize n, double tolerance)
{
  double error = check_relative_error (a, b, n);

  if (!(error <= tolerance))
    g_error ("%s: relative error %.3g exceeds %.3g", what, error, tolerance);
  g_test_message ("%s: relative error %.3g", what, error);
}
