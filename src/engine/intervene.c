/* intervene.c: codes changed on purpose, to see what atoms do
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two interventions on a whole image's codes, applied in this order: a
 * gain per atom (0 switches an atom off everywhere, 2 doubles it), and a
 * budget that keeps only each patch's m strongest atoms after the gains,
 * as an OMP-style budget shows how few atoms a patch needs. Decoding the
 * result (D z, then the decoder) shows what was taken away.
 */

#include "scvae.h"

#include <math.h>
#include <string.h>

/* Index of the weakest of the kept atoms of a patch. */
static int
weakest (const float *z, const int *kept, int n)
{
  int w = 0;

  for (int i = 1; i < n; i++)
    if (fabsf (z[kept[i]]) < fabsf (z[kept[w]])
        || (fabsf (z[kept[i]]) == fabsf (z[kept[w]]) && kept[i] > kept[w]))
      w = i;
  return w;
}

void
scvae_codes_intervene (const float *codes, gsize patches, int atoms, const ScvaeIntervention *intervention,
                       float *out)
{
  int keep = intervention->keep;
  g_autofree int *kept = keep > 0 ? g_new (int, keep) : NULL;
  g_autofree float *strong = keep > 0 ? g_new (float, keep) : NULL;

  for (gsize p = 0; p < patches; p++)
    {
      const float *z = codes + p * atoms;
      float *y = out + p * atoms;
      int n = 0, w = 0;

      for (int k = 0; k < atoms; k++)
        y[k] = intervention->atom_gain ? z[k] * intervention->atom_gain[k] : z[k];
      if (keep <= 0)
        continue;
      /* The m strongest by |y| (the lower index at a tie), in one pass
       * that replaces the weakest kept atom. */
      for (int k = 0; k < atoms; k++)
        {
          if (y[k] == 0.f)
            continue;
          if (n < keep)
            {
              kept[n++] = k;
              w = weakest (y, kept, n);
            }
          else if (fabsf (y[k]) > fabsf (y[kept[w]]))
            {
              kept[w] = k;
              w = weakest (y, kept, n);
            }
        }
      for (int i = 0; i < n; i++)
        strong[i] = y[kept[i]];
      memset (y, 0, atoms * sizeof *y);
      for (int i = 0; i < n; i++)
        y[kept[i]] = strong[i];
    }
}
