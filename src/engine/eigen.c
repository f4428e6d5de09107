/* eigen.c: eigenvalues of small symmetric matrices
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "eigen.h"

#include <math.h>

void
scvae__symmetric_eigenvalues (double *a, int n, double *values)
{
  for (int sweep = 0; sweep < 100; sweep++)
    {
      double off = 0.0, total = 0.0;

      for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
          {
            total += a[i * n + j] * a[i * n + j];
            if (i != j)
              off += a[i * n + j] * a[i * n + j];
          }
      if (off <= 1e-30 * total)
        break;

      for (int p = 0; p < n - 1; p++)
        for (int q = p + 1; q < n; q++)
          {
            double apq = a[p * n + q], theta, t, c, s;

            if (fabs (apq) < 1e-300)
              continue;
            theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
            t = (theta >= 0 ? 1.0 : -1.0) / (fabs (theta) + sqrt (theta * theta + 1.0));
            c = 1.0 / sqrt (t * t + 1.0);
            s = t * c;
            for (int k = 0; k < n; k++)
              {
                double akp = a[k * n + p], akq = a[k * n + q];
                a[k * n + p] = c * akp - s * akq;
                a[k * n + q] = s * akp + c * akq;
              }
            for (int k = 0; k < n; k++)
              {
                double apk = a[p * n + k], aqk = a[q * n + k];
                a[p * n + k] = c * apk - s * aqk;
                a[q * n + k] = s * apk + c * aqk;
              }
          }
    }

  for (int i = 0; i < n; i++)
    values[i] = a[i * n + i];
}

void
scvae__gram_of_rows (const float *a, int rows, int cols, double *gram)
{
  for (int i = 0; i < rows; i++)
    for (int j = i; j < rows; j++)
      {
        double s = 0.0;

        for (int k = 0; k < cols; k++)
          s += (double) a[(gsize) i * cols + k] * a[(gsize) j * cols + k];
        gram[i * rows + j] = gram[j * rows + i] = s;
      }
}
