/* scratch.h: reusable working memory for the kernels
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Kernels borrow temporary buffers (im2col columns and the like) from a
 * Scratch owned by their caller, so steady-state inference and training do
 * no allocation at all.
 */

#pragma once

#include <glib.h>

/* Slots 0 to SCRATCH_KERNEL_SLOTS - 1 are the kernels' (convolutions,
 * LISTA steps); the stages that call them use the others. */
#define SCRATCH_KERNEL_SLOTS 4
#define SCRATCH_SLOTS 10

typedef struct {
  float *slot[SCRATCH_SLOTS];
  gsize size[SCRATCH_SLOTS];
  /* Largest im2col buffer, in floats, a convolution may use (0: 32 MiB).
   * Tests lower it to exercise the chunked paths. */
  gsize column_limit;
} Scratch;

/* A buffer of at least n floats in the given slot; contents undefined. */
float *scvae__scratch_get (Scratch *scratch, int slot, gsize n);
void scvae__scratch_clear (Scratch *scratch);
