/* threads.h: running independent parts of a stage on the engine's threads
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * OpenBLAS splits one GEMM over its threads, which pays for large square
 * products but not for LISTA's: a tile's two products (2048 x 256 x 64)
 * run at 180 GFLOP/s on one core and at 190 on two. When a stage falls
 * into independent parts, each thread takes its own and calls BLAS
 * single-threaded, and the stage runs twice as fast.
 */

#pragma once

#include <glib.h>

/* Runs part(0 .. n_parts - 1), one per thread (the caller's among them),
 * and returns when all are done; n_parts is usually scvae_get_threads ().
 * With more than one part, OpenBLAS is single-threaded meanwhile. */
typedef void (*ParallelPart) (int part, int n_parts, gpointer data);
void scvae__parallel_run (int n_parts, ParallelPart part, gpointer data);

/* The parts a run started here can have: the engine's thread count, or 1
 * on a thread that already computes a part of a run. */
int scvae__parallel_width (void);

/* Floating-point operations (2 m n k each) of every matrix product the
 * process has made, cblas_sgemm's and the engine's own kernels' (which
 * count theirs here), for benchmarks that report FLOP rates. */
void scvae__count_gemm_flops (guint64 flops);
guint64 scvae__gemm_flops (void);
