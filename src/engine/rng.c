/* rng.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "rng.h"

#include <math.h>

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void
scvae__rng_seed (Rng *rng, guint64 seed)
{
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&seed);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

guint64
scvae__rng_next (Rng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

double
scvae__rng_uniform (Rng *rng)
{
  return (scvae__rng_next (rng) >> 11) * 0x1.0p-53;
}

guint32
scvae__rng_below (Rng *rng, guint32 n)
{
  /* Lemire's multiply-shift; the tiny bias is irrelevant for crops. */
  return (guint32) (((scvae__rng_next (rng) >> 32) * (guint64) n) >> 32);
}

double
scvae__rng_normal (Rng *rng)
{
  double u1 = 1.0 - scvae__rng_uniform (rng); /* (0, 1]: log stays finite */
  double u2 = scvae__rng_uniform (rng);
  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}
