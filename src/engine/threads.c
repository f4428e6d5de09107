/* threads.c: the threads the engine computes with (OpenBLAS's, and its
 * own for parts that are independent) and the kernels OpenBLAS runs
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "scvae.h"
#include "threads.h"

#include <cblas.h>

/* Guards the thread count and the number of parallel_run()s under way:
 * OpenBLAS's thread count is one global, and only the last run to end may
 * give it back. */
static GMutex count_lock;
static int engine_threads;  /* 0: OpenBLAS's own default, not yet read */
static int runs_under_way;

void
scvae_set_threads (int n_threads)
{
  g_mutex_lock (&count_lock);
  engine_threads = n_threads > 0 ? n_threads : (int) g_get_num_processors ();
  if (runs_under_way == 0)
    openblas_set_num_threads (engine_threads);
  g_mutex_unlock (&count_lock);
}

/* The engine's thread count, OpenBLAS's own until set; count_lock held. */
static int
engine_threads_locked (void)
{
  if (engine_threads == 0)
    engine_threads = openblas_get_num_threads ();
  return engine_threads;
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

static void
run_part_task (gpointer task_data, gpointer unused)
{
  PartTask *task = task_data;
  ParallelRun *run = task->run;

  run->part (task->index, run->n_parts, run->data);
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

void
parallel_run (int n_parts, ParallelPart part, gpointer data)
{
  ParallelRun run = { .part = part, .data = data, .n_parts = n_parts, .remaining = n_parts - 1 };
  g_autofree PartTask *tasks = NULL;

  if (n_parts == 1)
    {
      part (0, 1, data);
      return;
    }

  g_mutex_lock (&count_lock);
  if (runs_under_way++ == 0)
    {
      engine_threads_locked ();
      openblas_set_num_threads (1);
    }
  g_mutex_unlock (&count_lock);

  tasks = g_new (PartTask, n_parts);

  g_mutex_init (&run.lock);
  g_cond_init (&run.done);
  for (int i = 1; i < n_parts; i++)
    {
      tasks[i] = (PartTask) { &run, i };
      g_thread_pool_push (shared_pool (), &tasks[i], NULL);
    }
  part (0, n_parts, data);
  g_mutex_lock (&run.lock);
  while (run.remaining > 0)
    g_cond_wait (&run.done, &run.lock);
  g_mutex_unlock (&run.lock);
  g_cond_clear (&run.done);
  g_mutex_clear (&run.lock);

  g_mutex_lock (&count_lock);
  if (--runs_under_way == 0)
    openblas_set_num_threads (engine_threads);
  g_mutex_unlock (&count_lock);
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
