/* batchnorm.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "batchnorm.h"

#include <math.h>

void
scvae__batchnorm_forward_train (const BatchNormParams *p,
                                int channels,
                                gsize n,
                                const float *x,
                                float *y,
                                BatchNormSaved *saved,
                                float momentum)
{
  for (int c = 0; c < channels; c++)
    {
      const float *xr = x + (gsize) c * n;
      float *yr = y + (gsize) c * n;
      double sum = 0.0, sum_sq = 0.0;
      float mean, var, inv_std, scale, shift;

      for (gsize i = 0; i < n; i++)
        sum += xr[i];
      mean = (float) (sum / n);
      /* Two passes: one-pass variance loses precision when mean >> std. */
      for (gsize i = 0; i < n; i++)
        {
          float d = xr[i] - mean;
          sum_sq += (double) d * d;
        }
      var = (float) (sum_sq / n);
      inv_std = 1.f / sqrtf (var + BATCHNORM_EPS);
      scale = p->weight[c] * inv_std;
      shift = p->bias[c] - mean * scale;
      for (gsize i = 0; i < n; i++)
        yr[i] = xr[i] * scale + shift;

      saved->mean[c] = mean;
      saved->inv_std[c] = inv_std;
      if (momentum > 0.f)
        {
          float unbiased = n > 1 ? (float) (sum_sq / (n - 1)) : var;

          p->running_mean[c] = (1.f - momentum) * p->running_mean[c] + momentum * mean;
          p->running_var[c] = (1.f - momentum) * p->running_var[c] + momentum * unbiased;
        }
    }
}

void
scvae__batchnorm_forward_eval (const BatchNormParams *p,
                               int channels,
                               gsize n,
                               const float *x,
                               float *y)
{
  for (int c = 0; c < channels; c++)
    {
      float scale = p->weight[c] / sqrtf (p->running_var[c] + BATCHNORM_EPS);
      float shift = p->bias[c] - p->running_mean[c] * scale;
      const float *xr = x + (gsize) c * n;
      float *yr = y + (gsize) c * n;

      for (gsize i = 0; i < n; i++)
        yr[i] = xr[i] * scale + shift;
    }
}

void
scvae__batchnorm_backward (const BatchNormParams *p,
                           int channels,
                           gsize n,
                           const float *x,
                           const BatchNormSaved *saved,
                           const float *dy,
                           float *dx,
                           float *dweight,
                           float *dbias)
{
  for (int c = 0; c < channels; c++)
    {
      const float *xr = x + (gsize) c * n;
      const float *dyr = dy + (gsize) c * n;
      float *dxr = dx + (gsize) c * n;
      float mean = saved->mean[c], inv_std = saved->inv_std[c];
      double sum_dy = 0.0, sum_dy_xhat = 0.0;
      float k, mean_dy, mean_dy_xhat;

      for (gsize i = 0; i < n; i++)
        {
          sum_dy += dyr[i];
          sum_dy_xhat += (double) dyr[i] * (xr[i] - mean) * inv_std;
        }
      dbias[c] += (float) sum_dy;
      dweight[c] += (float) sum_dy_xhat;

      /* dx = gamma / sigma * (dy - mean(dy) - xhat * mean(dy * xhat)) */
      k = p->weight[c] * inv_std;
      mean_dy = (float) (sum_dy / n);
      mean_dy_xhat = (float) (sum_dy_xhat / n);
      for (gsize i = 0; i < n; i++)
        {
          float xhat = (xr[i] - mean) * inv_std;
          dxr[i] += k * (dyr[i] - mean_dy - xhat * mean_dy_xhat);
        }
    }
}

void
scvae__batchnorm_fold (const BatchNormParams *p,
                       const ConvSpec *spec,
                       float *weight,
                       float *bias)
{
  gsize kk = (gsize) spec->kernel * spec->kernel;

  for (int co = 0; co < spec->out_channels; co++)
    {
      float scale = p->weight[co] / sqrtf (p->running_var[co] + BATCHNORM_EPS);

      bias[co] = (bias[co] - p->running_mean[co]) * scale + p->bias[co];
      if (spec->transposed)
        {
          /* [in][out][k][k]: the output channel is the second index. */
          for (int ci = 0; ci < spec->in_channels; ci++)
            {
              float *w = weight + ((gsize) ci * spec->out_channels + co) * kk;
              for (gsize i = 0; i < kk; i++)
                w[i] *= scale;
            }
        }
      else
        {
          float *w = weight + (gsize) co * spec->in_channels * kk;
          for (gsize i = 0; i < (gsize) spec->in_channels * kk; i++)
            w[i] *= scale;
        }
    }
}
