/* threads.c: the one thread pool the engine computes with (OpenBLAS's)
 * and the kernels it runs
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "scvae.h"

#include <cblas.h>
#include <unistd.h>

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

const char *
scvae_blas_preferred_core (void)
{
  /* OpenBLAS 0.3.21 (Debian 12) picks its kernels by CPU model number; on a
   * model it does not know (newer Xeons, many VMs) it falls back to the
   * generic "Prescott" kernels, which run sgemm 5x slower here (55 against
   * 290 GFLOP/s). Name the kernels the CPU's features allow instead. */
  if (!g_str_equal (openblas_get_corename (), "Prescott"))
    return NULL;
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512bw")
      && __builtin_cpu_supports ("avx512dq") && __builtin_cpu_supports ("avx512vl"))
    return "SkylakeX";
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return "Haswell";
  return NULL;
}

void
scvae_blas_select_core (char **argv)
{
  g_autofree char *self = NULL;
  const char *core;

  /* OpenBLAS reads OPENBLAS_CORETYPE once, when it is loaded: the only way
   * to change kernels is to run the program again with it set. Setting it
   * first also makes sure this happens at most once. */
  if (g_getenv ("OPENBLAS_CORETYPE") != NULL || (core = scvae_blas_preferred_core ()) == NULL)
    return;
  g_setenv ("OPENBLAS_CORETYPE", core, TRUE);
  /* The resolved path, not /proc/self/exe: the process keeps its name. */
  self = g_file_read_link ("/proc/self/exe", NULL);
  if (self)
    execv (self, argv);
  /* Could not re-execute (no /proc): carry on with the slow kernels. */
}
