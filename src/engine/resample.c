/* resample.c: dictionary upkeep during training
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An atom that never passes the threshold gets no gradient (soft() has none
 * below it) and so can never come back on its own; two atoms that point the
 * same way split one direction's work and leave others uncovered (K-SVD
 * prunes those likewise). Both are moved to where the dictionary explains
 * the features worst: the residuals of the worst-coded patches, as dead
 * codebook entries are restarted in VQ-VAEs or dead features resampled in
 * sparse autoencoders.
 */

#include "resample.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>

#include "scvae.h"

typedef struct {
  gsize row;
  float error;
} RowError;

static int
worse_first (gconstpointer a, gconstpointer b)
{
  float x = ((const RowError *) a)->error, y = ((const RowError *) b)->error;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* Of each pair of atoms closer than SCVAE_TWIN_COS, marks the one that fired
 * less, unless either is marked already. */
static void
mark_twins (const float *D, int C, int K, const float *hits, gboolean *move)
{
  g_autofree float *gram = g_new (float, (gsize) K * K);

  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, K, K, C, 1.f, D, K, D, K, 0.f, gram, K);
  for (int a = 0; a < K; a++)
    for (int b = a + 1; b < K; b++)
      if (fabsf (gram[(gsize) a * K + b]) > SCVAE_TWIN_COS && !move[a] && !move[b])
        move[hits[a] < hits[b] ? a : b] = TRUE;
}

/* Whether the unit vector v has |cos| <= SCVAE_TWIN_COS with every atom
 * that is not to be moved. */
static gboolean
points_away (const float *D, int C, int K, const gboolean *move, const float *v)
{
  for (int k = 0; k < K; k++)
    {
      double dot = 0.0;

      if (move[k])
        continue;
      for (int i = 0; i < C; i++)
        dot += (double) D[(gsize) i * K + k] * v[i];
      if (fabs (dot) > SCVAE_TWIN_COS)
        return FALSE;
    }
  return TRUE;
}

int
scvae__resample_atoms (float *D, int C, int K, const float *hits, float dead_below,
                       const float *e, const float *ehat, gsize P, gboolean *moved)
{
  g_autofree RowError *errors = g_new (RowError, P);
  g_autofree gboolean *move = g_new0 (gboolean, K);
  g_autofree float *candidate = g_new (float, C);
  gsize next = 0;
  int n_moved = 0;

  for (gsize p = 0; p < P; p++)
    {
      double sum = 0.0;

      for (int i = 0; i < C; i++)
        sum += (double) (e[p * C + i] - ehat[p * C + i]) * (e[p * C + i] - ehat[p * C + i]);
      errors[p] = (RowError) { p, (float) sum };
    }
  qsort (errors, P, sizeof *errors, worse_first);

  for (int k = 0; k < K; k++)
    {
      move[k] = hits[k] < dead_below;
      moved[k] = FALSE;
    }
  mark_twins (D, C, K, hits, move);

  /* The worst-coded patches often share one direction that the dictionary
   * misses: atoms moved onto it together would be twins of each other and
   * of the atoms near it, and would raise ||D||^2 (and with it c, so the
   * threshold beta / c would fall). Hence only residuals that point away. */
  for (int k = 0; k < K; k++)
    {
      if (!move[k])
        continue;
      for (; next < P; next++)
        {
          const RowError *worst = &errors[next];
          double length = sqrt (worst->error);

          if (length <= 0.0)
            {
              next = P;
              break;
            }
          for (int i = 0; i < C; i++)
            candidate[i] = (float) ((e[worst->row * C + i] - ehat[worst->row * C + i]) / length);
          if (points_away (D, C, K, move, candidate))
            break;
        }
      if (next == P)
        break;
      next++;
      for (int i = 0; i < C; i++)
        D[(gsize) i * K + k] = candidate[i];
      move[k] = FALSE; /* placed: from now on it counts as kept */
      moved[k] = TRUE;
      n_moved++;
    }
  return n_moved;
}
