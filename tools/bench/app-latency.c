/* app-latency.c: how fast the real window follows its sliders
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Opens the real Sparse Lens window on the default model, shows a 256x256
 * and a 1024x768 photo, moves the sparsity slider through 50 positions and
 * the depth slider through 50 up and then down, and reports, per image and
 * slider, the median and 95th percentile time from the value change to
 * the frame that shows its result, plus the longest main-thread stall
 * seen meanwhile (a 1 ms timer that should fire every millisecond; any
 * longer gap is the main loop being busy). Then it drags the sparsity
 * slider as a hand would (see drag ()). Run it under Xvfb:
 *
 *   dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24 -noreset" \
 *     env GSK_RENDERER=cairo GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR=build/data \
 *     build/tools/bench/app-latency
 */

#include "config.h"

#include <adwaita.h>
#include <stdio.h>
#include <stdlib.h>

#include "lens-window-private.h"
#include "shipped.h"

#define POSITIONS 50

static gint64 last_tick;
static gint64 longest_stall;
static double compute_ms[POSITIONS];

static gboolean
tick (gpointer data)
{
  gint64 now = g_get_monotonic_time ();

  if (last_tick)
    longest_stall = MAX (longest_stall, now - last_tick - 1000);
  last_tick = now;
  return G_SOURCE_CONTINUE;
}

/* Sleeps until the main loop has something to do, as an idle app does;
 * the 1 ms stall timer wakes it at least every millisecond. (Polling here
 * would take CPU time from the engine's threads and slow what is measured.) */
static void
iterate (void)
{
  g_main_context_iteration (NULL, TRUE);
}

/* Waits until a result whose controls match is on screen; returns ms from
 * `since` and stores the worker's share of it in *worker_ms. */
static double
wait_painted (LensWindow *window, int depth, float sparsity, gint64 since, double *worker_ms)
{
  LensInput *input = window->input;

  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      LensResult *r = window->result;

      if (r && r->request.input == input && r->request.depth == depth && r->request.sparsity == sparsity
          && window->painted_serial == r->serial)
        {
          if (worker_ms)
            *worker_ms = r->compute_ms;
          return (g_get_monotonic_time () - since) / 1000.0;
        }
      iterate ();
    }
  g_printerr ("app-latency: no frame within 30 s\n");
  exit (1);
}

static int
compare (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* The worker's median compute time is printed beside the total: the rest
 * is handing the result over and painting it. */
static void
report (const char *what, double *ms, int n)
{
  qsort (ms, n, sizeof (double), compare);
  qsort (compute_ms, n, sizeof (double), compare);
  printf ("%-26s median %6.1f ms (worker %5.1f)   p95 %6.1f ms   max %6.1f ms   longest stall %5.1f ms\n",
          what, ms[n / 2], compute_ms[n / 2], ms[(int) (0.95 * (n - 1) + 0.5)], ms[n - 1],
          longest_stall / 1000.0);
}

static void
sweep (LensWindow *window, const char *image_name)
{
  double ms[POSITIONS];
  int trained = (int) gtk_adjustment_get_value (window->depth_adjustment);
  g_autofree char *label = NULL;

  /* Sparsity 0.2 .. 3, depth at the trained value */
  longest_stall = 0;
  for (int i = 0; i < POSITIONS; i++)
    {
      float s = 0.2f + 2.8f * i / (POSITIONS - 1);
      gint64 t0 = g_get_monotonic_time ();

      gtk_adjustment_set_value (window->sparsity_adjustment, s);
      ms[i] = wait_painted (window, trained, (float) gtk_adjustment_get_value (window->sparsity_adjustment), t0,
                            &compute_ms[i]);
    }
  label = g_strdup_printf ("%s sparsity", image_name);
  report (label, ms, POSITIONS);

  /* Depth 0 .. 49 at sparsity 1, up (each depth continues the last one),
   * then down (each starts from a checkpoint below it) */
  gtk_adjustment_set_value (window->sparsity_adjustment, 1.0);
  wait_painted (window, trained, 1.f, g_get_monotonic_time (), NULL);
  for (int direction = 0; direction < 2; direction++)
    {
      longest_stall = 0;
      for (int i = 0; i < POSITIONS; i++)
        {
          int depth = direction == 0 ? i : POSITIONS - 1 - i;
          gint64 t0 = g_get_monotonic_time ();

          gtk_adjustment_set_value (window->depth_adjustment, depth);
          ms[i] = wait_painted (window, depth, 1.f, t0, &compute_ms[i]);
        }
      g_free (label);
      label = g_strdup_printf ("%s depth %s", image_name, direction == 0 ? "up" : "down");
      report (label, ms, POSITIONS);
    }
  gtk_adjustment_set_value (window->depth_adjustment, trained);
  wait_painted (window, trained, 1.f, g_get_monotonic_time (), NULL);
}

/* A drag: the sparsity slider moves every DRAG_STEP_MS for DRAG_STEPS
 * steps, as motion events come, then stops. Reports the frames that showed
 * a new result meanwhile (how many were half-size previews), how old each
 * result was when painted (from its value change), and the time from the
 * last move to the frame with the full result. */
#define DRAG_STEP_MS 20
#define DRAG_STEPS 250

static void
drag (LensWindow *window, const char *image_name)
{
  double ages[DRAG_STEPS];
  int n = 0, previews = 0, trained = (int) gtk_adjustment_get_value (window->depth_adjustment);
  guint64 full_seen = window->painted_serial, preview_seen = window->painted_preview_serial;
  gint64 start = g_get_monotonic_time (), last_move = start;
  g_autofree char *label = g_strdup_printf ("%s drag", image_name);
  double settle;

  for (int i = 0; i < DRAG_STEPS;)
    {
      gint64 now = g_get_monotonic_time ();

      if (now >= start + (gint64) i * DRAG_STEP_MS * 1000)
        {
          gtk_adjustment_set_value (window->sparsity_adjustment, 0.5 + 1.5 * i / (DRAG_STEPS - 1));
          last_move = now;
          i++;
        }
      iterate ();
      if (window->painted_serial != full_seen || window->painted_preview_serial != preview_seen)
        {
          previews += window->painted_preview_serial != preview_seen;
          full_seen = window->painted_serial;
          preview_seen = window->painted_preview_serial;
          if (n < DRAG_STEPS) /* one result per move at most */
            ages[n++] = window->shown_latency_ms;
        }
    }
  settle = wait_painted (window, trained, (float) gtk_adjustment_get_value (window->sparsity_adjustment),
                         last_move, NULL);
  qsort (ages, n, sizeof (double), compare);
  printf ("%-26s %3d frames in %.1f s (%d previews), age median %6.1f ms, p95 %6.1f ms; "
          "full picture %.0f ms after the last move\n",
          label, n, DRAG_STEPS * DRAG_STEP_MS / 1000.0, previews,
          n ? ages[n / 2] : 0.0, n ? ages[(int) (0.95 * (n - 1) + 0.5)] : 0.0, settle);
}

static GdkPixbuf *
photo (const char *path, const char *fallback, int width, int height)
{
  GdkPixbuf *source = gdk_pixbuf_new_from_file (path, NULL);
  GdkPixbuf *scaled;

  if (source == NULL)
    source = gdk_pixbuf_new_from_file (fallback, NULL);
  if (source == NULL)
    {
      g_printerr ("app-latency: cannot read %s or %s\n", path, fallback);
      exit (2);
    }
  scaled = gdk_pixbuf_scale_simple (source, width, height, GDK_INTERP_HYPER);
  g_object_unref (source);
  return scaled;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *model_path = NULL;
  g_autoptr(ScvaeModel) model = NULL;
  g_autofree char *sample = shipped_path ("samples/astronaut.jpg");
  g_autofree char *face = g_build_filename (g_get_user_cache_dir (), "sparse-lens", "photos", "val",
                                            "scipy-face.png", NULL);
  const struct { const char *name; const char *path; int w, h; } images[] = {
    { "256x256", sample, 256, 256 },
    { "1024x768", face, 1024, 768 },
  };
  LensWindow *window;

  scvae_init_process ();
  gtk_init ();
  adw_init ();

  model_path = argc > 1 ? g_strdup (argv[1]) : shipped_default_model_path (&error);
  model = model_path ? scvae_model_load (model_path, &error) : NULL;
  if (model == NULL)
    {
      g_printerr ("app-latency: %s\n", error->message);
      return 2;
    }
  printf ("model %s, OpenBLAS %s kernels, %d threads\n", model_path, scvae_blas_info (), scvae_get_threads ());

  window = lens_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  lens_window_set_model (window, model);
  g_timeout_add_full (G_PRIORITY_HIGH, 1, tick, NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (images); i++)
    {
      g_autoptr(GdkPixbuf) pixbuf = photo (images[i].path, sample, images[i].w, images[i].h);
      g_autoptr(LensInput) input = lens_input_new (scvae_image_new_from_pixbuf (pixbuf), images[i].name, NULL,
                                                   images[i].w, images[i].h);
      gint64 t0 = g_get_monotonic_time ();

      lens_window_open_input (window, input);
      printf ("%-26s first picture after %.0f ms (encode included)\n", images[i].name,
              wait_painted (window, (int) gtk_adjustment_get_value (window->depth_adjustment),
                            (float) gtk_adjustment_get_value (window->sparsity_adjustment), t0, NULL));
      sweep (window, images[i].name);
      drag (window, images[i].name);
    }

  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
