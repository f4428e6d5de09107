/* threads.c: the one thread pool the engine computes with (OpenBLAS's)
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "scvae.h"

#include <cblas.h>

void
scvae_set_threads (int n_threads)
{
  openblas_set_num_threads (n_threads > 0 ? n_threads : (int) g_get_num_processors ());
}

int
scvae_get_threads (void)
{
  return openblas_get_num_threads ();
}

const char *
scvae_blas_info (void)
{
  /* Static strings owned by OpenBLAS, e.g. "Cooperlake". */
  return openblas_get_corename ();
}
