/* app-test.h: what the window tests (and tools/bench/app-latency) share:
 * random models, the sample photos, how long to wait for the engine,
 * letting the main loop run, and finding a widget by name
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "lens-input.h"
#include "scvae.h"

/* A random model of the given size, the same for a seed. */
static inline ScvaeModel *
random_model (int channels, int atoms, guint64 seed)
{
  ScvaeConfig config = { .channels = channels, .atoms = atoms, .lista_steps = 8, .beta = 0.15f, .gamma = 1.f };
  g_autoptr(GError) error = NULL;
  ScvaeModel *model = scvae_model_new (&config, seed, &error);

  g_assert_no_error (error);
  return model;
}

/* A small random model: the window's machinery without the default
 * model's cost. */
static inline ScvaeModel *
test_model (void)
{
  return random_model (16, 32, 3);
}

/* The sample photos' folder, which meson's test environment names. */
static inline char *
samples_folder (void)
{
  const char *folder = g_getenv ("SCVAE_SAMPLES");

  g_assert_nonnull (folder);
  return g_strdup (folder);
}

/* A sample photo scaled to width x height, as an input named "big". */
static inline LensInput *
scaled_sample (const char *samples, const char *name, int width, int height)
{
  g_autofree char *path = g_build_filename (samples, name, NULL);
  g_autoptr(GdkPixbuf) photo = gdk_pixbuf_new_from_file (path, NULL);
  g_autoptr(GdkPixbuf) scaled = NULL;

  g_assert_nonnull (photo);
  scaled = gdk_pixbuf_scale_simple (photo, width, height, GDK_INTERP_BILINEAR);
  return lens_input_new (scvae_image_new_from_pixbuf (scaled), "big", NULL, width, height);
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

/* The first widget at or below widget, depth first, whose name
 * (gtk_widget_set_name) is name; NULL if there is none. */
static inline GtkWidget *
find_named (GtkWidget *widget, const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found)
        return found;
    }
  return NULL;
}
