/* scratch.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "scratch.h"

float *
scvae__scratch_get (Scratch *scratch, int slot, gsize n)
{
  g_assert (slot >= 0 && slot < SCRATCH_SLOTS);

  if (scratch->size[slot] < n)
    {
      g_aligned_free (scratch->slot[slot]);
      /* 64-byte alignment suits every SIMD width OpenBLAS picks. */
      scratch->slot[slot] = g_aligned_alloc (n, sizeof (float), 64);
      scratch->size[slot] = n;
    }
  return scratch->slot[slot];
}

void
scvae__scratch_clear (Scratch *scratch)
{
  for (int i = 0; i < SCRATCH_SLOTS; i++)
    {
      g_aligned_free (scratch->slot[i]);
      scratch->slot[i] = NULL;
      scratch->size[i] = 0;
    }
}
