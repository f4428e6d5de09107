/* rng.h: a small, seedable random generator (xoshiro256**)
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Training must be reproducible for a seed and resumable from a checkpoint,
 * so the engine carries its own generator whose whole state can be saved.
 */

#pragma once

#include <glib.h>

typedef struct {
  guint64 s[4];
} Rng;

void scvae__rng_seed (Rng *rng, guint64 seed);
guint64 scvae__rng_next (Rng *rng);
/* Uniform in [0, 1). */
double scvae__rng_uniform (Rng *rng);
/* Uniform integer in [0, n). */
guint32 scvae__rng_below (Rng *rng, guint32 n);
/* Standard normal (Box-Muller). */
double scvae__rng_normal (Rng *rng);
