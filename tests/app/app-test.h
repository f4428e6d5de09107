/* app-test.h: what the window tests share: a small model, how long to
 * wait for the engine, and letting the main loop run
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "scvae.h"

/* A small random model: the window's machinery without the default
 * model's cost. */
static inline ScvaeModel *
test_model (void)
{
  ScvaeConfig config = { .channels = 16, .atoms = 32, .lista_steps = 8, .beta = 0.15f, .gamma = 1.f };
  g_autoptr(GError) error = NULL;
  ScvaeModel *model = scvae_model_new (&config, 3, &error);

  g_assert_no_error (error);
  return model;
}

/* How long to wait for the engine: much longer under valgrind
 * (LENS_TEST_SLOW), longer with sanitizers (a 1024 px image on a
 * full-size model, in test_job_yields). */
static inline gint64
patience (void)
{
#ifdef SANITIZED_BUILD
  const int seconds = 120;
#else
  const int seconds = 30;
#endif

  return (g_getenv ("LENS_TEST_SLOW") ? 600 : seconds) * G_USEC_PER_SEC;
}

/* Runs the default main context for ms milliseconds, so that results
 * from worker threads arrive and frames are drawn. */
static inline void
spin (int ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}
