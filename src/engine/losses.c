/* losses.c: the training loss's terms, each a value and its gradient
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "losses.h"

#include <cblas.h>
#include <math.h>

double
scvae__loss_mse (const float *a, const float *b, gsize n)
{
  double sum = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      double d = a[i] - b[i];
      sum += d * d;
    }
  return sum / n;
}

void
scvae__loss_mse_backward (const float *a, const float *b, gsize n, float weight, float *da, float *db)
{
  float k = 2.f * weight / n;

  for (gsize i = 0; i < n; i++)
    {
      float d = k * (a[i] - b[i]);

      da[i] += d;
      if (db)
        db[i] -= d;
    }
}

double
scvae__loss_l1 (const float *z, gsize n)
{
  double sum = 0.0;

  for (gsize i = 0; i < n; i++)
    sum += fabsf (z[i]);
  return sum / n;
}

void
scvae__loss_l1_backward (const float *z, gsize n, float weight, float *dz)
{
  float k = weight / n;

  for (gsize i = 0; i < n; i++)
    dz[i] += z[i] > 0.f ? k : z[i] < 0.f ? -k : 0.f;
}

double
scvae__loss_whiten (const float *E, gsize P, int C, float *moment)
{
  double sum = 0.0;

  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, C, C, P, 1.f / P, E, C, E, C, 0.f, moment, C);
  for (int i = 0; i < C; i++)
    moment[i * C + i] -= 1.f;
  for (int i = 0; i < C * C; i++)
    sum += (double) moment[i] * moment[i];
  return sum / ((double) C * C);
}

void
scvae__loss_whiten_backward (const float *E, gsize P, int C, const float *moment, float weight, float *dE)
{
  /* d/dE of |M|^2 / C^2 is 4 E M / (P C^2): M is symmetric. */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, P, C, C, 4.f * weight / ((float) P * C * C),
               E, C, moment, C, 1.f, dE, C);
}

double
scvae__loss_center (const float *E, gsize P, int C, float *mean)
{
  double sum = 0.0;

  for (int i = 0; i < C; i++)
    {
      double column = 0.0;

      for (gsize p = 0; p < P; p++)
        column += E[p * C + i];
      mean[i] = (float) (column / P);
      sum += column / P * (column / P);
    }
  return sum / C;
}

void
scvae__loss_center_backward (gsize P, int C, const float *mean, float weight, float *dE)
{
  /* Every row gets the same 2 mean / (P C). */
  for (gsize p = 0; p < P; p++)
    for (int i = 0; i < C; i++)
      dE[p * C + i] += 2.f * weight * mean[i] / ((float) P * C);
}

double
scvae__loss_lifetime (const float *Z, gsize P, int K, float *excess)
{
  g_autofree double *l1 = g_new0 (double, K);
  g_autofree gsize *active = g_new0 (gsize, K);
  double sum = 0.0;

  for (gsize p = 0; p < P; p++)
    for (int k = 0; k < K; k++)
      {
        float z = Z[p * K + k];

        l1[k] += fabsf (z);
        active[k] += z != 0.f;
      }
  for (int k = 0; k < K; k++)
    {
      double share = (double) active[k] / P;

      excess[k] = (float) MAX (0.0, share / SCVAE_LIFETIME_TARGET - 1.0);
      sum += excess[k] * l1[k] / P;
    }
  return sum / K;
}

void
scvae__loss_lifetime_backward (const float *Z, gsize P, int K, const float *excess, float weight, float *dZ)
{
  float k_scale = weight / ((float) P * K);

  for (gsize p = 0; p < P; p++)
    for (int k = 0; k < K; k++)
      {
        float z = Z[p * K + k], w = k_scale * excess[k];

        /* At z = 0 the subgradient taken is 0, as for the L1 term. */
        dZ[p * K + k] += z > 0.f ? w : z < 0.f ? -w : 0.f;
      }
}
