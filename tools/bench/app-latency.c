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
 * slider as a hand would (see drag ()).
 *
 * With --segments it times segment work instead, on a 512x512 and the
 * 1024x768 photo (see segments ()): the first segmentation, a new k, a new
 * seed, another smoothing, a split, and the edits that touch labels only
 * (merge, hide, rename, recolour, undo), each from the change to the
 * painted frame that shows it. Run it under Xvfb:
 *
 *   dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24 -noreset" \
 *     env GSK_RENDERER=cairo GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR=build/data \
 *     build/tools/bench/app-latency [--segments] [MODEL]
 */

#include "config.h"

#include <adwaita.h>
#include <stdio.h>
#include <stdlib.h>

#include "app-test.h"
#include "lens-window-private.h"
#include "shipped.h"

#define POSITIONS 50
#define SEGMENT_REPEATS 9

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

/* Whether the painted result r shows what a wait is for. */
typedef gboolean (*Awaited) (LensWindow *window, const LensResult *r, gconstpointer data);

/* Waits until the painted result is one awaited; returns ms from `since`
 * and stores the worker's share of it in *worker_ms. After `seconds` the
 * run ends: what it measures no longer comes. */
static double
wait_for (LensWindow *window, Awaited awaited, gconstpointer data, int seconds, const char *what, gint64 since,
          double *worker_ms)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      LensResult *r = window->result;

      if (r && window->painted_serial == r->serial && awaited (window, r, data))
        {
          if (worker_ms)
            *worker_ms = r->compute_ms;
          return (g_get_monotonic_time () - since) / 1000.0;
        }
      iterate ();
    }
  g_printerr ("app-latency: no %s within %d s\n", what, seconds);
  exit (1);
}

typedef struct {
  LensInput *input;
  int depth;
  float sparsity;
} Controls;

static gboolean
shows_controls (LensWindow *window, const LensResult *r, gconstpointer data)
{
  const Controls *controls = data;

  return r->request.input == controls->input && r->request.depth == controls->depth
         && r->request.sparsity == controls->sparsity;
}

/* Waits until a result whose controls match is on screen. */
static double
wait_painted (LensWindow *window, int depth, float sparsity, gint64 since, double *worker_ms)
{
  Controls controls = { window->input, depth, sparsity };

  return wait_for (window, shows_controls, &controls, 30, "frame", since, worker_ms);
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

/* ------------------------------------------------------------------------- */
/* Segments */

static gboolean painted;

static void
on_after_paint (GdkFrameClock *clock, gpointer data)
{
  painted = TRUE;
}

/* Runs an edit and waits for the frame that shows it; ms. Edits change
 * the segmentation and redraw on the main thread: the next frame has them. */
static double
time_edit (LensWindow *window, void (*edit) (LensWindow *window, int i), int i)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  gulong handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), NULL);
  gint64 t0 = g_get_monotonic_time ();
  guint64 serial = window->result->serial;

  painted = FALSE;
  edit (window, i);
  while (!painted)
    iterate ();
  g_signal_handler_disconnect (clock, handler);
  if (window->result->serial != serial)
    {
      g_printerr ("app-latency: an edit asked the engine for something\n");
      exit (1);
    }
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static gboolean
shows_segments (LensWindow *window, const LensResult *r, gconstpointer data)
{
  LensRequest request = lens_window_current_request (window);

  return r->labels && lens_request_same_segments (&r->request, &request) && !window->splitting;
}

/* Waits until segments for the current controls are on screen. */
static double
wait_segments (LensWindow *window, gint64 since, double *worker_ms)
{
  return wait_for (window, shows_segments, NULL, 300, "segments", since, worker_ms);
}

static void
report_segments (const char *image_name, const char *what, double *ms, double *worker, int n)
{
  g_autofree char *label = g_strdup_printf ("%s %s", image_name, what);

  qsort (ms, n, sizeof (double), compare);
  if (worker)
    {
      qsort (worker, n, sizeof (double), compare);
      printf ("%-26s median %6.1f ms (worker %6.1f)   min %6.1f ms   max %6.1f ms   (%d runs)\n",
              label, ms[n / 2], worker[n / 2], ms[0], ms[n - 1], n);
    }
  else
    printf ("%-26s median %6.1f ms                    min %6.1f ms   max %6.1f ms   (%d runs)\n",
            label, ms[n / 2], ms[0], ms[n - 1], n);
}

/* Times SEGMENT_REPEATS runs of an edit and reports them as `what`. */
static void
time_edits (LensWindow *window, const char *image_name, const char *what, void (*edit) (LensWindow *window, int i))
{
  double ms[SEGMENT_REPEATS];

  for (int i = 0; i < SEGMENT_REPEATS; i++)
    ms[i] = time_edit (window, edit, i);
  report_segments (image_name, what, ms, NULL, SEGMENT_REPEATS);
}

/* Selects the first two segments and clicks Merge Selected. */
static void
edit_merge (LensWindow *window, int i)
{
  lens_segment_legend_select (window->segment_legend, 0, FALSE);
  lens_segment_legend_select (window->segment_legend, 1, TRUE);
  g_signal_emit_by_name (find_named (GTK_WIDGET (window->segment_legend), "merge"), "clicked");
}

static void
edit_undo (LensWindow *window, int i)
{
  gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL);
}

static void
edit_hide (LensWindow *window, int i)
{
  int index = i % lens_segmentation_get_n_segments (window->segmentation);

  lens_segmentation_set_visible (window->segmentation, index,
                                 !lens_segmentation_get_segment (window->segmentation, index)->visible);
  g_signal_emit_by_name (window->segment_legend, "edited");
}

static void
edit_rename (LensWindow *window, int i)
{
  g_autofree char *name = g_strdup_printf ("Region %d", i);

  lens_segmentation_rename (window->segmentation, 0, name);
  g_signal_emit_by_name (window->segment_legend, "edited");
}

static void
edit_recolour (LensWindow *window, int i)
{
  guint8 rgb[3] = { (guint8) (40 * i), 120, (guint8) (255 - 20 * i) };

  lens_segmentation_recolor (window->segmentation, 1, rgb);
  g_signal_emit_by_name (window->segment_legend, "edited");
}

/* The floor under every edit: redrawing the views, nothing else. */
static void
edit_nothing (LensWindow *window, int i)
{
  gtk_widget_queue_draw (GTK_WIDGET (window->input_view));
}

static void
segments (LensWindow *window, const char *image_name)
{
  double ms[SEGMENT_REPEATS], worker[SEGMENT_REPEATS];
  int n;

  /* The first segmentation of the image. */
  for (int i = 0; i < 3; i++)
    {
      gint64 t0;

      g_action_group_change_action_state (G_ACTION_GROUP (window), "show-segments", g_variant_new_boolean (FALSE));
      wait_painted (window, (int) gtk_adjustment_get_value (window->depth_adjustment),
                    (float) gtk_adjustment_get_value (window->sparsity_adjustment), g_get_monotonic_time (), NULL);
      /* Each time on codes the worker has not segmented: another sparsity. */
      gtk_adjustment_set_value (window->sparsity_adjustment, 1.0 + 0.05 * (i + 1));
      wait_painted (window, (int) gtk_adjustment_get_value (window->depth_adjustment),
                    (float) gtk_adjustment_get_value (window->sparsity_adjustment), g_get_monotonic_time (), NULL);
      t0 = g_get_monotonic_time ();
      g_action_group_change_action_state (G_ACTION_GROUP (window), "show-segments", g_variant_new_boolean (TRUE));
      ms[i] = wait_segments (window, t0, &worker[i]);
    }
  report_segments (image_name, "first segmentation", ms, worker, 3);

  for (int i = 0; i < SEGMENT_REPEATS; i++)
    {
      gint64 t0 = g_get_monotonic_time ();

      gtk_adjustment_set_value (window->k_adjustment, gtk_adjustment_get_value (window->k_adjustment) == 5 ? 8 : 5);
      ms[i] = wait_segments (window, t0, &worker[i]);
    }
  report_segments (image_name, "k change", ms, worker, SEGMENT_REPEATS);

  for (int i = 0; i < SEGMENT_REPEATS; i++)
    {
      gint64 t0 = g_get_monotonic_time ();

      gtk_widget_activate_action (GTK_WIDGET (window), "win.reseed", NULL);
      ms[i] = wait_segments (window, t0, &worker[i]);
    }
  report_segments (image_name, "re-seed", ms, worker, SEGMENT_REPEATS);

  for (int i = 0; i < SEGMENT_REPEATS; i++)
    {
      gint64 t0 = g_get_monotonic_time ();

      gtk_adjustment_set_value (window->smooth_adjustment,
                                gtk_adjustment_get_value (window->smooth_adjustment) == 4 ? 3 : 4);
      ms[i] = wait_segments (window, t0, &worker[i]);
    }
  report_segments (image_name, "smoothing", ms, worker, SEGMENT_REPEATS);

  /* A split of the largest segment, undone after each (not timed). */
  for (int i = 0; i < SEGMENT_REPEATS; i++)
    {
      int largest = 0;
      gint64 t0;

      n = lens_segmentation_get_n_segments (window->segmentation);
      for (int s = 1; s < n; s++)
        if (lens_segmentation_get_segment (window->segmentation, s)->share
            > lens_segmentation_get_segment (window->segmentation, largest)->share)
          largest = s;
      t0 = g_get_monotonic_time ();
      g_signal_emit_by_name (window->segment_legend, "split-requested", largest);
      while (lens_segmentation_get_n_segments (window->segmentation) == n)
        iterate ();
      painted = FALSE;
      {
        GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
        gulong handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), NULL);

        while (!painted)
          iterate ();
        g_signal_handler_disconnect (clock, handler);
      }
      ms[i] = (g_get_monotonic_time () - t0) / 1000.0;
      gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL);
    }
  report_segments (image_name, "split", ms, NULL, SEGMENT_REPEATS);

  /* Edits of the labels only: each merge is undone (both timed). */
  {
    double undo[SEGMENT_REPEATS];

    for (int i = 0; i < SEGMENT_REPEATS; i++)
      {
        ms[i] = time_edit (window, edit_merge, i);
        undo[i] = time_edit (window, edit_undo, i);
      }
    report_segments (image_name, "merge", ms, NULL, SEGMENT_REPEATS);
    report_segments (image_name, "undo", undo, NULL, SEGMENT_REPEATS);
  }
  time_edits (window, image_name, "repaint only", edit_nothing);
  time_edits (window, image_name, "hide", edit_hide);
  time_edits (window, image_name, "rename", edit_rename);
  time_edits (window, image_name, "recolour", edit_recolour);
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
  const struct { const char *name; const char *path; int w, h; } slider_images[] = {
    { "256x256", sample, 256, 256 },
    { "1024x768", face, 1024, 768 },
  }, segment_images[] = {
    { "512x512", sample, 512, 512 },
    { "1024x768", face, 1024, 768 },
  };
  gboolean with_segments = argc > 1 && g_str_equal (argv[1], "--segments");
  const char *model_arg = argc > 1 + with_segments ? argv[1 + with_segments] : NULL;
  LensWindow *window;

  scvae_init_process ();
  gtk_init ();
  adw_init ();

  model_path = model_arg ? g_strdup (model_arg) : shipped_default_model_path (&error);
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

  for (guint i = 0; i < G_N_ELEMENTS (slider_images); i++)
    {
      const char *name = with_segments ? segment_images[i].name : slider_images[i].name;
      const char *path = with_segments ? segment_images[i].path : slider_images[i].path;
      int w = with_segments ? segment_images[i].w : slider_images[i].w;
      int h = with_segments ? segment_images[i].h : slider_images[i].h;
      g_autoptr(GdkPixbuf) pixbuf = photo (path, sample, w, h);
      g_autoptr(LensInput) input = lens_input_new (scvae_image_new_from_pixbuf (pixbuf), name, NULL, w, h);
      gint64 t0 = g_get_monotonic_time ();

      lens_window_open_input (window, input);
      printf ("%-26s first picture after %.0f ms (encode included)\n", name,
              wait_painted (window, (int) gtk_adjustment_get_value (window->depth_adjustment),
                            (float) gtk_adjustment_get_value (window->sparsity_adjustment), t0, NULL));
      if (with_segments)
        {
          segments (window, name);
          g_action_group_change_action_state (G_ACTION_GROUP (window), "show-segments",
                                              g_variant_new_boolean (FALSE));
        }
      else
        {
          sweep (window, name);
          drag (window, name);
        }
    }

  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
