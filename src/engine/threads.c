/* threads.c: the threads the engine computes with (OpenBLAS's, and its
 * own for parts that are independent) and the kernels OpenBLAS runs
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * OpenBLAS has one thread count for the whole process. Parts run by
 * scvae__parallel_run () need it at 1, every other BLAS call at the engine's
 * count, and changing it while a call runs on another thread is a race
 * inside OpenBLAS. So every BLAS call the engine makes passes through this
 * file: the linker sends the engine's calls to the __wrap_ functions below
 * (src/engine/meson.build; a program linked without that fails to link),
 * which keep the two kinds of caller apart, and the count changes only
 * while no call is under way.
 */

#include "scvae.h"
#include "threads.h"

#include <cblas.h>

/* Guards everything below: the engine's thread count, and how many
 * scvae__parallel_run ()s and outside BLAS calls are under way. The two never
 * overlap; each waits on `idle` for the other to end. */
static GMutex count_lock;
static GCond idle;
static int engine_threads;  /* 0: OpenBLAS's own default, not yet read */
static int blas_threads;    /* what OpenBLAS was last set to; 0: never set */
static int runs_under_way;
static int calls_under_way;

/* Set while a thread computes a part: its BLAS calls belong to the run. */
static _Thread_local gboolean in_part;

/* The engine's thread count, OpenBLAS's own until set; count_lock held. */
static int
engine_threads_locked (void)
{
  if (engine_threads == 0)
    engine_threads = openblas_get_num_threads ();
  return engine_threads;
}

/* count_lock held, and no call or run under way that would see it change. */
static void
set_blas_threads_locked (int n_threads)
{
  if (blas_threads != n_threads)
    openblas_set_num_threads (n_threads);
  blas_threads = n_threads;
}

void
scvae_set_threads (int n_threads)
{
  g_mutex_lock (&count_lock);
  engine_threads = n_threads > 0 ? n_threads : (int) g_get_num_processors ();
  /* Applied now when nothing runs (it sizes OpenBLAS's pool at start),
   * else by the next outside call. */
  if (runs_under_way == 0 && calls_under_way == 0)
    set_blas_threads_locked (engine_threads);
  g_mutex_unlock (&count_lock);
}

int
scvae_get_threads (void)
{
  int n;

  g_mutex_lock (&count_lock);
  n = engine_threads_locked ();
  g_mutex_unlock (&count_lock);
  return n;
}

/* A BLAS call outside any part: on the engine's thread count, and never
 * while a run has OpenBLAS single-threaded. */
static void
begin_outside_call (void)
{
  g_mutex_lock (&count_lock);
  while (runs_under_way > 0)
    g_cond_wait (&idle, &count_lock);
  if (calls_under_way++ == 0)
    set_blas_threads_locked (engine_threads_locked ());
  g_mutex_unlock (&count_lock);
}

static void
end_outside_call (void)
{
  g_mutex_lock (&count_lock);
  if (--calls_under_way == 0)
    g_cond_broadcast (&idle);
  g_mutex_unlock (&count_lock);
}

/* Declared here only: the linker's --wrap names them. */
void __wrap_cblas_sgemm (OPENBLAS_CONST enum CBLAS_ORDER order, OPENBLAS_CONST enum CBLAS_TRANSPOSE trans_a,
                         OPENBLAS_CONST enum CBLAS_TRANSPOSE trans_b, OPENBLAS_CONST blasint m,
                         OPENBLAS_CONST blasint n, OPENBLAS_CONST blasint k, OPENBLAS_CONST float alpha,
                         OPENBLAS_CONST float *a, OPENBLAS_CONST blasint lda, OPENBLAS_CONST float *b,
                         OPENBLAS_CONST blasint ldb, OPENBLAS_CONST float beta, float *c,
                         OPENBLAS_CONST blasint ldc);
void __real_cblas_sgemm (OPENBLAS_CONST enum CBLAS_ORDER order, OPENBLAS_CONST enum CBLAS_TRANSPOSE trans_a,
                         OPENBLAS_CONST enum CBLAS_TRANSPOSE trans_b, OPENBLAS_CONST blasint m,
                         OPENBLAS_CONST blasint n, OPENBLAS_CONST blasint k, OPENBLAS_CONST float alpha,
                         OPENBLAS_CONST float *a, OPENBLAS_CONST blasint lda, OPENBLAS_CONST float *b,
                         OPENBLAS_CONST blasint ldb, OPENBLAS_CONST float beta, float *c,
                         OPENBLAS_CONST blasint ldc);
void __wrap_cblas_saxpy (OPENBLAS_CONST blasint n, OPENBLAS_CONST float alpha, OPENBLAS_CONST float *x,
                         OPENBLAS_CONST blasint incx, float *y, OPENBLAS_CONST blasint incy);
void __real_cblas_saxpy (OPENBLAS_CONST blasint n, OPENBLAS_CONST float alpha, OPENBLAS_CONST float *x,
                         OPENBLAS_CONST blasint incx, float *y, OPENBLAS_CONST blasint incy);

static guint64 gemm_flops;

void
scvae__count_gemm_flops (guint64 flops)
{
  __atomic_fetch_add (&gemm_flops, flops, __ATOMIC_RELAXED);
}

guint64
scvae__gemm_flops (void)
{
  return __atomic_load_n (&gemm_flops, __ATOMIC_RELAXED);
}

void
__wrap_cblas_sgemm (OPENBLAS_CONST enum CBLAS_ORDER order, OPENBLAS_CONST enum CBLAS_TRANSPOSE trans_a,
                    OPENBLAS_CONST enum CBLAS_TRANSPOSE trans_b, OPENBLAS_CONST blasint m,
                    OPENBLAS_CONST blasint n, OPENBLAS_CONST blasint k, OPENBLAS_CONST float alpha,
                    OPENBLAS_CONST float *a, OPENBLAS_CONST blasint lda, OPENBLAS_CONST float *b,
                    OPENBLAS_CONST blasint ldb, OPENBLAS_CONST float beta, float *c,
                    OPENBLAS_CONST blasint ldc)
{
  scvae__count_gemm_flops ((guint64) 2 * m * n * k);
  if (!in_part)
    begin_outside_call ();
  __real_cblas_sgemm (order, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (!in_part)
    end_outside_call ();
}

void
__wrap_cblas_saxpy (OPENBLAS_CONST blasint n, OPENBLAS_CONST float alpha, OPENBLAS_CONST float *x,
                    OPENBLAS_CONST blasint incx, float *y, OPENBLAS_CONST blasint incy)
{
  if (!in_part)
    begin_outside_call ();
  __real_cblas_saxpy (n, alpha, x, incx, y, incy);
  if (!in_part)
    end_outside_call ();
}

typedef struct {
  ParallelPart part;
  gpointer data;
  int n_parts;
  GMutex lock;
  GCond done;
  int remaining;
} ParallelRun;

typedef struct {
  ParallelRun *run;
  int index;
} PartTask;

/* Runs one part with in_part set; restores it, as a part may itself run
 * parts. */
static void
run_part (ParallelRun *run, int index)
{
  gboolean was_in_part = in_part;

  in_part = TRUE;
  run->part (index, run->n_parts, run->data);
  in_part = was_in_part;
}

static void
run_part_task (gpointer task_data, gpointer unused)
{
  PartTask *task = task_data;
  ParallelRun *run = task->run;

  run_part (run, task->index);
  g_mutex_lock (&run->lock);
  if (--run->remaining == 0)
    g_cond_signal (&run->done);
  g_mutex_unlock (&run->lock);
}

static GThreadPool *
shared_pool (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool))
    /* Not exclusive: its threads are created when first needed and idle
     * ones are shared with GLib's other pools. */
    g_once_init_leave (&pool, g_thread_pool_new (run_part_task, NULL, -1, FALSE, NULL));
  return pool;
}

int
scvae__parallel_width (void)
{
  return in_part ? 1 : scvae_get_threads ();
}

void
scvae__parallel_run (int n_parts, ParallelPart part, gpointer data)
{
  ParallelRun run = { .part = part, .data = data, .n_parts = n_parts, .remaining = n_parts - 1 };
  g_autofree PartTask *tasks = NULL;

  if (n_parts == 1)
    {
      part (0, 1, data);
      return;
    }

  /* A run inside a part is already single-threaded and counted. */
  if (!in_part)
    {
      g_mutex_lock (&count_lock);
      while (calls_under_way > 0)
        g_cond_wait (&idle, &count_lock);
      runs_under_way++;
      set_blas_threads_locked (1);
      g_mutex_unlock (&count_lock);
    }

  tasks = g_new (PartTask, n_parts);
  g_mutex_init (&run.lock);
  g_cond_init (&run.done);
  for (int i = 1; i < n_parts; i++)
    {
      tasks[i] = (PartTask) { &run, i };
      g_thread_pool_push (shared_pool (), &tasks[i], NULL);
    }
  run_part (&run, 0);
  g_mutex_lock (&run.lock);
  while (run.remaining > 0)
    g_cond_wait (&run.done, &run.lock);
  g_mutex_unlock (&run.lock);
  g_cond_clear (&run.done);
  g_mutex_clear (&run.lock);

  if (!in_part)
    {
      g_mutex_lock (&count_lock);
      if (--runs_under_way == 0)
        g_cond_broadcast (&idle);
      g_mutex_unlock (&count_lock);
    }
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
   * generic "Prescott" kernels, which run sgemm 5x slower (55 against 290
   * GFLOP/s on one such machine). Name the kernels the CPU's features
   * allow instead. */
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
