/* simd.h: compile hot loops for the vector units the CPU has
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine is built for baseline x86-64 (distributions and Flatpak
 * cannot assume more), which limits the compiler to SSE2. A function marked
 * SCVAE_VECTORIZED is compiled also for x86-64-v3 (AVX2 and FMA) and v4
 * (AVX-512) and the best version is picked when the program loads (GCC's
 * target_clones). Whole levels, not "avx2" or "avx512f" alone: neither
 * of those brings fused multiply-adds on 8-float vectors, and without them
 * LISTA's Gram kernel multiplies and adds in two steps.
 */

#pragma once

#include <stdlib.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(SCVAE_NO_CLONES)
#define SCVAE_VECTORIZED __attribute__ ((target_clones ("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define SCVAE_HAS_CLONES 1
#else
#define SCVAE_VECTORIZED
#endif

/* Eight floats at any address, as one value: each clone compiles the
 * arithmetic on them for its own vector unit (one AVX register, or two SSE
 * ones). For loops the compiler does not vectorise by itself. */
#define SIMD_FLOATS 8
typedef float SimdFloats __attribute__ ((vector_size (SIMD_FLOATS * sizeof (float)), aligned (4), may_alias));
typedef int SimdInts __attribute__ ((vector_size (SIMD_FLOATS * sizeof (int))));
#define SIMD_AT(p) (*(SimdFloats *) (p))
#define SIMD_LOAD(p) (*(const SimdFloats *) (p))

#ifdef SCVAE_HAS_CLONES
/* Sixteen floats, one AVX-512 register, for kernels that keep a version of
 * their own for it (SCVAE_WIDE) with blocks shaped for 32 such registers;
 * they call it when simd_has_wide_vectors (). SCVAE_NARROW_VECTORS set
 * in the environment makes them take their other version, which the tests
 * check too. */
#define WIDE_FLOATS 16
typedef float WideFloats __attribute__ ((vector_size (WIDE_FLOATS * sizeof (float)), aligned (4), may_alias));
#define SCVAE_WIDE __attribute__ ((target ("arch=x86-64-v4")))

static inline int
simd_has_wide_vectors (void)
{
  return __builtin_cpu_supports ("x86-64-v4") && !getenv ("SCVAE_NARROW_VECTORS");
}
#else
static inline int
simd_has_wide_vectors (void)
{
  return 0;
}
#endif
