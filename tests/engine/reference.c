/* reference.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "reference.h"

#include <math.h>
#include <string.h>

#include "rng.h"

void
ref_conv (const ConvSpec *s, const double *w, const double *b,
          const double *x, Extent in, double *y)
{
  Extent out = scvae__conv_output_extent (s, in);
  int k = s->kernel;

  for (int co = 0; co < s->out_channels; co++)
    for (int n = 0; n < in.batch; n++)
      for (int oy = 0; oy < out.height; oy++)
        for (int ox = 0; ox < out.width; ox++)
          y[(((gsize) co * in.batch + n) * out.height + oy) * out.width + ox] = b ? b[co] : 0.0;

  for (int ci = 0; ci < s->in_channels; ci++)
    for (int co = 0; co < s->out_channels; co++)
      for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++)
          for (int n = 0; n < in.batch; n++)
            {
              if (!s->transposed)
                {
                  double wv = w[(((gsize) co * s->in_channels + ci) * k + ky) * k + kx];

                  for (int oy = 0; oy < out.height; oy++)
                    for (int ox = 0; ox < out.width; ox++)
                      {
                        int iy = oy * s->stride - s->pad + ky, ix = ox * s->stride - s->pad + kx;

                        if (iy < 0 || iy >= in.height || ix < 0 || ix >= in.width)
                          continue;
                        y[(((gsize) co * in.batch + n) * out.height + oy) * out.width + ox] +=
                          wv * x[(((gsize) ci * in.batch + n) * in.height + iy) * in.width + ix];
                      }
                }
              else
                {
                  double wv = w[(((gsize) ci * s->out_channels + co) * k + ky) * k + kx];

                  for (int iy = 0; iy < in.height; iy++)
                    for (int ix = 0; ix < in.width; ix++)
                      {
                        int oy = iy * s->stride - s->pad + ky, ox = ix * s->stride - s->pad + kx;

                        if (oy < 0 || oy >= out.height || ox < 0 || ox >= out.width)
                          continue;
                        y[(((gsize) co * in.batch + n) * out.height + oy) * out.width + ox] +=
                          wv * x[(((gsize) ci * in.batch + n) * in.height + iy) * in.width + ix];
                      }
                }
            }
}

void
ref_batchnorm_train (int channels, gsize n, const double *x,
                     const double *weight, const double *bias, double *y)
{
  for (int c = 0; c < channels; c++)
    {
      const double *xr = x + c * n;
      double mean = 0.0, var = 0.0;

      for (gsize i = 0; i < n; i++)
        mean += xr[i] / n;
      for (gsize i = 0; i < n; i++)
        var += (xr[i] - mean) * (xr[i] - mean) / n;
      for (gsize i = 0; i < n; i++)
        y[c * n + i] = weight[c] * (xr[i] - mean) / sqrt (var + 1e-5) + bias[c];
    }
}

static double
soft (double x, double theta)
{
  double m = fabs (x) - theta;
  return m > 0 ? copysign (m, x) : 0.0;
}

void
ref_lista (int C, int K, gsize P, int depth, double beta_s,
           const double *D, double c, const double *E, double *Z)
{
  double theta = beta_s / c;
  g_autofree double *next = g_new (double, K);
  g_autofree double *r = g_new (double, C);

  for (gsize p = 0; p < P; p++)
    {
      const double *e = E + p * C;
      double *z = Z + p * K;

      memset (z, 0, K * sizeof (double));
      for (int t = 0; t <= depth; t++)
        {
          /* z <- soft(z + D^T (e - D z) / c); from z = 0 this is soft(D^T e / c). */
          for (int i = 0; i < C; i++)
            {
              r[i] = e[i];
              for (int k = 0; k < K; k++)
                r[i] -= D[i * K + k] * z[k];
            }
          for (int k = 0; k < K; k++)
            {
              double u = z[k];
              for (int i = 0; i < C; i++)
                u += D[i * K + k] * r[i] / c;
              next[k] = soft (u, theta);
            }
          memcpy (z, next, K * sizeof (double));
        }
    }
}

gsize
ref_finite_differences (RefLoss loss, gpointer data, double *x, gsize n,
                        double eps, gsize max_checks, guint64 seed,
                        double *grad, gsize *checked)
{
  Rng rng;
  gsize count = MIN (n, max_checks);

  scvae__rng_seed (&rng, seed);
  for (gsize j = 0; j < count; j++)
    {
      gsize i = count == n ? j : scvae__rng_below (&rng, n);
      double saved = x[i], plus, minus;

      x[i] = saved + eps;
      plus = loss (data);
      x[i] = saved - eps;
      minus = loss (data);
      x[i] = saved;
      grad[j] = (plus - minus) / (2 * eps);
      checked[j] = i;
    }
  return count;
}
