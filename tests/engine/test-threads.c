/* test-threads.c: OpenBLAS's thread count never changes under a running call
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * scvae__parallel_run () has OpenBLAS single-threaded while its parts compute;
 * a BLAS call from another thread must wait for the run to end, and a run
 * must wait for such a call, so neither sees the count change under it.
 * The calls here go through the same linker wrapping as the engine's.
 */

#include <cblas.h>

#include "scvae.h"
#include "threads.h"

/* A product that takes a good part of a second on two cores. */
#define SIDE 3072

typedef struct {
  GMutex lock;
  GCond changed;
  gboolean started;          /* the run's first part, or the call, began */
  gint64 ended_us;           /* when the call returned */
  int blas_threads[2];       /* OpenBLAS's count as each part saw it */
  gint64 part_started_us[2];
  gint64 part_ended_us[2];
} Timeline;

static void
mark_started (Timeline *t)
{
  g_mutex_lock (&t->lock);
  t->started = TRUE;
  g_cond_signal (&t->changed);
  g_mutex_unlock (&t->lock);
}

static void
wait_started (Timeline *t)
{
  g_mutex_lock (&t->lock);
  while (!t->started)
    g_cond_wait (&t->changed, &t->lock);
  g_mutex_unlock (&t->lock);
}

/* Each part notes OpenBLAS's count and its start, then takes its time. */
static void
slow_part (int part, int n_parts, gpointer data)
{
  Timeline *t = data;

  t->blas_threads[part] = openblas_get_num_threads ();
  t->part_started_us[part] = g_get_monotonic_time ();
  if (part == 0)
    mark_started (t);
  g_usleep (300 * 1000);
  t->part_ended_us[part] = g_get_monotonic_time ();
}

static gpointer
run_in_thread (gpointer data)
{
  scvae__parallel_run (2, slow_part, data);
  return NULL;
}

static void
small_product (void)
{
  float a[4] = { 1, 2, 3, 4 }, b[4] = { 1, 0, 0, 1 }, c[4];

  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1.f, a, 2, b, 2, 0.f, c, 2);
  g_assert_cmpfloat (c[3], ==, 4.f);
}

/* A call made while a run computes waits for it, then runs on the engine's
 * thread count again. */
static void
test_call_waits_for_run (void)
{
  Timeline t = { 0 };
  GThread *thread;
  gint64 returned;

  scvae_set_threads (2);
  thread = g_thread_new ("run", run_in_thread, &t);
  wait_started (&t);
  small_product ();
  returned = g_get_monotonic_time ();
  g_thread_join (thread);

  g_assert_cmpint (t.blas_threads[0], ==, 1);
  g_assert_cmpint (t.blas_threads[1], ==, 1);
  g_assert_cmpint (returned, >=, t.part_ended_us[0]);
  g_assert_cmpint (returned, >=, t.part_ended_us[1]);
  g_assert_cmpint (openblas_get_num_threads (), ==, 2);
}

static gpointer
large_product (gpointer data)
{
  Timeline *t = data;
  g_autofree float *a = g_new0 (float, (gsize) SIDE * SIDE);
  g_autofree float *c = g_new (float, (gsize) SIDE * SIDE);

  mark_started (t);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, SIDE, SIDE, SIDE, 1.f, a, SIDE, a, SIDE, 0.f, c, SIDE);
  t->ended_us = g_get_monotonic_time ();
  return NULL;
}

static void
quick_part (int part, int n_parts, gpointer data)
{
  Timeline *t = data;

  t->blas_threads[part] = openblas_get_num_threads ();
  t->part_started_us[part] = g_get_monotonic_time ();
}

/* A run started while a multithreaded call computes on another thread
 * waits for that call before it makes OpenBLAS single-threaded. The call's
 * end is stamped just after it lets the run go, so the run may start a
 * little before that stamp (SLACK_US), never the whole call before it. */
#define SLACK_US (50 * 1000)

static void
test_run_waits_for_calls (void)
{
  Timeline calls = { 0 }, run = { 0 };
  GThread *thread;

  scvae_set_threads (2);
  thread = g_thread_new ("call", large_product, &calls);
  wait_started (&calls);
  g_usleep (20 * 1000);
  scvae__parallel_run (2, quick_part, &run);
  g_thread_join (thread);

  g_assert_cmpint (run.blas_threads[0], ==, 1);
  g_assert_cmpint (run.part_started_us[0] + SLACK_US, >=, calls.ended_us);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/threads/call-waits-for-run", test_call_waits_for_run);
  g_test_add_func ("/threads/run-waits-for-calls", test_run_waits_for_calls);
  return g_test_run ();
}
