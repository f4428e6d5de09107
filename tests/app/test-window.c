/* test-window.c: the real window, under Xvfb
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Opens a sample photo, waits for the engine thread, moves each control
 * and checks that the pictures and numbers follow; opens a broken file and
 * checks the toast and that the photo stays; saves a snapshot of the
 * window (look at it: tests/app/window-snapshot.png in the build folder).
 */

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lens-application.h"
#include "lens-window-private.h"
#include "window-test.h"

static char *samples;
/* This run's own folder for what the tests write: other runs of the test
 * (memcheck-app runs it too, at the same time) have theirs. */
static char *scratch;

static void
save_snapshot (GtkWidget *widget, const char *name)
{
  /* Beside the test's executable, in the build tree, to look at after a
   * run. */
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, name, NULL);
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_object_unref (paintable);
}

static void
test_window (void)
{
  g_autoptr(ScvaeModel) model = test_model ();
  g_autofree char *photo = g_build_filename (samples, "chelsea.jpg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (photo);
  g_autoptr(GFile) broken = NULL;
  g_autofree char *broken_path = NULL;
  LensWindow *window = lens_window_new (NULL);
  g_autoptr(LensResult) first = NULL, sparse = NULL, shallow = NULL, l1 = NULL, reset = NULL;
  int fd;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  lens_window_set_model (window, model);
  lens_window_open_file (window, file);

  first = wait_for_result (window, 0);
  g_assert_cmpint (first->request.input->image->width, ==, 451);
  /* Segments start from the engine's defaults, as scvae segment does. */
  {
    ScvaeSegmentOptions defaults;

    scvae_segment_options_init_default (&defaults);
    g_assert_cmpint (first->request.segment_options.features, ==, defaults.features);
    g_assert_cmpint (first->request.segment_options.smooth_radius, ==, defaults.smooth_radius);
  }
  g_assert_cmpint (first->request.depth, ==, 8);       /* the model's T */
  g_assert_cmpfloat (first->metrics.psnr, >, 0.0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->stack), ==, "main");
  g_assert_nonnull (strstr (gtk_label_get_label (window->quality_label), "PSNR"));

  /* More sparsity: fewer active codes, another reconstruction. */
  gtk_adjustment_set_value (window->sparsity_adjustment, 3.0);
  sparse = wait_for_result (window, first->serial);
  g_assert_cmpfloat (sparse->request.sparsity, ==, 3.0f);
  g_assert_cmpfloat (sparse->metrics.codes.active_fraction, <, first->metrics.codes.active_fraction);
  g_assert_true (pictures_differ (sparse->reconstruction, first->reconstruction));
  g_assert_true (pictures_differ (sparse->activation, first->activation));
  /* The input was not encoded again: its picture is the same object. */
  g_assert_true (sparse->input_picture == first->input_picture);

  /* Depth 0 against the trained depth: other codes, a worse lasso fit. */
  gtk_adjustment_set_value (window->sparsity_adjustment, 1.0);
  gtk_adjustment_set_value (window->depth_adjustment, 0);
  shallow = wait_for_result (window, sparse->serial);
  g_assert_cmpint (shallow->request.depth, ==, 0);
  g_assert_cmpfloat (shallow->request.sparsity, ==, 1.0f);
  g_assert_cmpfloat (shallow->metrics.lasso, >, first->metrics.lasso);
  g_assert_true (pictures_differ (shallow->reconstruction, first->reconstruction));

  /* Another activation measure changes only the heat map. */
  gtk_drop_down_set_selected (window->mode_dropdown, LENS_ACTIVATION_L1);
  l1 = wait_for_result (window, shallow->serial);
  g_assert_cmpint (l1->request.mode, ==, LENS_ACTIVATION_L1);
  g_assert_true (l1->reconstruction == shallow->reconstruction);
  g_assert_true (pictures_differ (l1->activation, shallow->activation));

  /* Hovering a patch names it in the status line. */
  lens_viewport_set_hover (window->viewport, 3, 5);
  g_assert_nonnull (strstr (gtk_label_get_label (window->status_label), "row 3, column 5"));
  lens_viewport_set_hover (window->viewport, -1, -1);

  /* Reset returns both controls to the model's defaults. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.reset-controls", NULL);
  g_assert_cmpfloat (gtk_adjustment_get_value (window->sparsity_adjustment), ==, 1.0);
  g_assert_cmpfloat (gtk_adjustment_get_value (window->depth_adjustment), ==, 8.0);
  reset = wait_for_result (window, l1->serial);

  /* A broken file: a toast naming it, and the photo stays. */
  fd = g_file_open_tmp ("broken-XXXXXX.png", &broken_path, NULL);
  g_assert_cmpint (write (fd, "not a png", 9), ==, 9);
  close (fd);
  broken = g_file_new_for_path (broken_path);
  lens_window_open_file (window, broken);
  spin (500);
  g_assert_nonnull (lens_window_get_last_toast (window));
  g_assert_nonnull (strstr (lens_window_get_last_toast (window), broken_path));
  g_assert_true (lens_window_get_result (window)->request.input == first->request.input);
  g_unlink (broken_path);

  spin (300);
  save_snapshot (GTK_WIDGET (window), "window-snapshot.png");

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Runs an export through the window and waits for its toast. */
static char *
export_to (LensWindow *window, LensExportKind kind, const char *name)
{
  char *path = g_build_filename (scratch, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  gint64 deadline = g_get_monotonic_time () + patience ();

  g_remove (path);
  lens_window_export (window, kind, file);
  while (g_strcmp0 (lens_window_get_last_toast (window), "Exported") != 0 && g_get_monotonic_time () < deadline)
    spin (10);
  g_assert_cmpstr (lens_window_get_last_toast (window), ==, "Exported");
  lens_window_toast (window, "");
  return path;
}

static void
check_exports (LensWindow *window, LensResult *shown, int n_segments)
{
  g_autofree char *overlay = export_to (window, LENS_EXPORT_OVERLAY, "lens-test-segments.png");
  g_autofree char *labels = export_to (window, LENS_EXPORT_LABELS, "lens-test-labels.png");
  g_autofree char *codes = export_to (window, LENS_EXPORT_CODES, "lens-test-codes.npy");
  g_autofree char *reconstruction = export_to (window, LENS_EXPORT_RECONSTRUCTION, "lens-test-rec.png");
  g_autoptr(GdkPixbuf) reconstructed = gdk_pixbuf_new_from_file (reconstruction, NULL);
  g_autoptr(GdkPixbuf) overlay_image = gdk_pixbuf_new_from_file (overlay, NULL);
  g_autoptr(GdkPixbuf) label_map = gdk_pixbuf_new_from_file (labels, NULL);
  g_autofree char *npy = NULL, *shape = NULL;
  gboolean seen[SCVAE_MAX_CLUSTERS] = { FALSE };
  int found = 0;

  /* Pictures of the model's output are at the source's size. */
  g_assert_nonnull (reconstructed);
  g_assert_cmpint (gdk_pixbuf_get_width (reconstructed), ==, shown->request.input->source_width);
  /* The segments too, like every export. */
  g_assert_nonnull (overlay_image);
  g_assert_cmpint (gdk_pixbuf_get_width (overlay_image), ==, shown->request.input->source_width);
  g_assert_cmpint (gdk_pixbuf_get_height (overlay_image), ==, shown->request.input->source_height);

  /* Every pixel names a segment, and every segment is there. */
  g_assert_nonnull (label_map);
  g_assert_cmpint (gdk_pixbuf_get_width (label_map), ==, shown->request.input->source_width);
  g_assert_cmpint (gdk_pixbuf_get_height (label_map), ==, shown->request.input->source_height);
  for (int y = 0; y < gdk_pixbuf_get_height (label_map); y++)
    for (int x = 0; x < gdk_pixbuf_get_width (label_map); x++)
      {
        guint8 v = gdk_pixbuf_read_pixels (label_map)[y * gdk_pixbuf_get_rowstride (label_map)
                                                      + x * gdk_pixbuf_get_n_channels (label_map)];
        g_assert_cmpint (v, <, n_segments);
        found += !seen[v];
        seen[v] = TRUE;
      }
  g_assert_cmpint (found, ==, n_segments);

  /* NumPy: float32, [rows, cols, K]. */
  g_assert_true (g_file_get_contents (codes, &npy, NULL, NULL));
  g_assert_cmpmem (npy, 6, "\x93NUMPY", 6);
  shape = g_strdup_printf ("(%d, %d, %d)", shown->rows, shown->cols, 32);
  g_assert_nonnull (strstr (npy + 10, "'<f4'"));
  g_assert_nonnull (strstr (npy + 10, shape));
}

static void
test_explore (void)
{
  g_autoptr(ScvaeModel) model = test_model ();
  g_autofree char *photo = g_build_filename (samples, "coffee.jpg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (photo);
  LensWindow *window = lens_window_new (NULL);
  g_autoptr(LensResult) first = NULL, one = NULL, two = NULL, segmented = NULL;
  gint64 deadline;
  int a, b, n;
  const int *atoms;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  lens_window_set_model (window, model);
  /* Worked on at 256 px: the exports still come at the photo's 512. */
  g_settings_set_int (window->settings, "working-size", 256);
  lens_window_open_file (window, file);
  first = wait_for_result (window, 0);
  g_assert_cmpint (first->request.input->image->width, ==, 256);

  /* The gallery fills with every atom, rendered on the engine thread. */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (lens_atom_gallery_get_n_atoms (window->gallery) < 32 && g_get_monotonic_time () < deadline)
    spin (10);
  g_assert_cmpuint (lens_atom_gallery_get_n_atoms (window->gallery), ==, 32);
  g_assert_nonnull (lens_atom_gallery_get_texture (window->gallery, 0));

  /* Selecting an atom shows its coefficients and marks where it fires. */
  a = most_used_atom (first, 32, -1);
  lens_atom_gallery_select (window->gallery, a, FALSE);
  one = wait_for_result (window, first->serial);
  g_assert_cmpint (one->request.mode, ==, LENS_ACTIVATION_ATOMS);
  atoms = lens_request_get_atoms (&one->request, &n);
  g_assert_cmpint (n, ==, 1);
  g_assert_cmpint (atoms[0], ==, a);
  g_assert_cmpint (one->n_top_patches, >, 0);
  g_assert_true (one->activation_scale.diverging);   /* signed coefficients */
  g_assert_true (pictures_differ (one->activation, first->activation));

  /* Ctrl+click a second: the union map. */
  b = most_used_atom (first, 32, a);
  lens_atom_gallery_select (window->gallery, b, TRUE);
  two = wait_for_result (window, one->serial);
  lens_request_get_atoms (&two->request, &n);
  g_assert_cmpint (n, ==, 2);
  g_assert_false (two->activation_scale.diverging);  /* largest |coefficient| */

  /* Segments: k-means on the codes, then merge two and undo. */
  gtk_adjustment_set_value (window->k_adjustment, 4);
  g_action_group_change_action_state (G_ACTION_GROUP (window), "show-segments", g_variant_new_boolean (TRUE));
  segmented = wait_for_result (window, two->serial);
  g_assert_nonnull (segmented->labels);
  n = lens_segmentation_get_n_segments (window->segmentation);
  g_assert_cmpint (n, >=, 2);
  g_assert_true (lens_segmentation_merge (window->segmentation, 0, 1));
  g_assert_cmpint (lens_segmentation_get_n_segments (window->segmentation), ==, n - 1);
  g_signal_emit_by_name (window->segment_legend, "edited");   /* as the legend does after an edit */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL);
  g_assert_cmpint (lens_segmentation_get_n_segments (window->segmentation), ==, n);

  /* Exports: the segments as shown (merged here), their label map, the codes. */
  g_assert_true (lens_segmentation_merge (window->segmentation, 0, 1));
  check_exports (window, segmented, n - 1);

  /* Splitting a segment: its k-means runs on the engine thread. */
  n = lens_segmentation_get_n_segments (window->segmentation);
  g_signal_emit_by_name (window->segment_legend, "split-requested", 0);
  deadline = g_get_monotonic_time () + patience ();
  while (lens_segmentation_get_n_segments (window->segmentation) == n && g_get_monotonic_time () < deadline)
    spin (10);
  g_assert_cmpint (lens_segmentation_get_n_segments (window->segmentation), ==, n + 1);

  /* Right-clicking a patch opens the inspector with its code (with the
   * segments shown, a left click selects a segment instead). */
  g_signal_emit_by_name (window->input_view, "patch-clicked", 10, 12, 100.0, 100.0, GDK_BUTTON_SECONDARY,
                         (GdkModifierType) 0);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!gtk_widget_get_visible (GTK_WIDGET (window->inspector)) && g_get_monotonic_time () < deadline)
    spin (10);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->inspector)));
  spin (300);
  save_snapshot (GTK_WIDGET (window), "explore-snapshot.png");
  gtk_popover_popdown (GTK_POPOVER (window->inspector));
  g_settings_reset (window->settings, "working-size");

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Results the worker posts, previews and full ones, in order */
static void
collect_result (LensWorker *worker, LensResult *result, GPtrArray *results)
{
  g_ptr_array_add (results, lens_result_ref (result));
}

/* Dragging a slider over a large image (640x480 is the smallest) shows
 * half-size previews while the values keep coming, then the full result of
 * the last value; one change after a pause is answered in full at once. */
static void
test_drag_preview (void)
{
  g_autoptr(ScvaeModel) model = test_model ();
  g_autoptr(LensInput) input = scaled_sample (samples, "coffee.jpg", 640, 480);
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) lens_result_unref);
  LensWindow *window = lens_window_new (NULL);
  g_autoptr(LensResult) first = NULL, last = NULL, single = NULL;
  guint n_previews = 0;
  float final = 0.f;

  gtk_window_present (GTK_WINDOW (window));
  lens_window_set_model (window, model);
  lens_window_open_input (window, input);
  first = wait_for_result (window, 0);
  g_assert_cmpint (first->rows, ==, 120);
  g_assert_cmpint (first->cols, ==, 160);
  g_signal_connect (lens_window_get_worker (window), "result", G_CALLBACK (collect_result), results);

  /* Values faster than any drag: in a slow build (valgrind) a paced loop
   * would not come fast enough to count as one. */
  for (int i = 0; i < 40; i++)
    {
      final = 0.5f + 0.05f * i;
      gtk_adjustment_set_value (window->sparsity_adjustment, final);
    }
  do
    {
      g_clear_pointer (&last, lens_result_unref);
      last = wait_for_result (window, last ? last->serial : first->serial);
    }
  while (last->request.sparsity != final);

  for (guint i = 0; i < results->len; i++)
    {
      LensResult *r = g_ptr_array_index (results, i);

      if (!r->preview)
        continue;
      n_previews++;
      /* 640x480 halved is under the preview's pixel budget. */
      g_assert_cmpint (r->preview_scale, ==, 2);
      g_assert_cmpint (r->rows, ==, 60);
      g_assert_cmpint (r->cols, ==, 80);
      g_assert_null (r->usage);
      g_assert_cmpint (lens_picture_get_width (r->reconstruction), ==, 640);
      g_assert_cmpint (lens_picture_get_width (r->activation), ==, 640);
    }
  g_assert_cmpuint (n_previews, >=, 1);
  g_assert_false (last->preview);
  g_assert_cmpint (last->rows, ==, 120);
  g_assert_null (window->preview);
  /* The last result posted is the full one of the last value. */
  g_assert_true (g_ptr_array_index (results, results->len - 1) == last);

  spin (400);
  g_ptr_array_set_size (results, 0);
  gtk_adjustment_set_value (window->sparsity_adjustment, 1.0);
  single = wait_for_result (window, last->serial);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_false (single->preview);

  g_signal_handlers_disconnect_by_data (lens_window_get_worker (window), results);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Waits until a toast other than `before` shows; returns it. */
static const char *
wait_for_toast (LensWindow *window, const char *before)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      const char *toast = lens_window_get_last_toast (window);

      if (toast && g_strcmp0 (toast, before) != 0)
        return toast;
      spin (10);
    }
  g_error ("no toast within 10 s");
}

/* Every broken image and model of tests/data/bad: a toast naming the file,
 * and the photo and model on screen stay. */
static void
test_bad_inputs (void)
{
  g_autoptr(ScvaeModel) model = test_model ();
  g_autofree char *photo = g_build_filename (samples, "rocket.jpg", NULL);
  g_autofree char *bad = g_build_filename (samples, "..", "..", "tests", "data", "bad", NULL);
  g_autofree char *table = g_build_filename (bad, "expected.tsv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (photo);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(LensResult) first = NULL;
  LensWindow *window = lens_window_new (NULL);
  int checked = 0;

  gtk_window_present (GTK_WINDOW (window));
  lens_window_set_model (window, model);
  lens_window_open_file (window, file);
  first = wait_for_result (window, 0);

  g_assert_true (g_file_get_contents (table, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (int i = 0; lines[i]; i++)
    {
      g_auto(GStrv) fields = NULL;
      g_autofree char *path = NULL, *before = NULL;
      g_autoptr(GFile) broken = NULL;
      const char *toast;

      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      fields = g_strsplit (lines[i], "\t", 4);
      if (!g_str_equal (fields[2], "2"))
        continue;
      path = g_build_filename (bad, fields[0], NULL);
      broken = g_file_new_for_path (path);
      before = g_strdup (lens_window_get_last_toast (window));
      if (g_str_equal (fields[1], "model"))
        lens_window_open_model (window, broken);
      else
        lens_window_open_file (window, broken);
      toast = wait_for_toast (window, before);
      g_test_message ("%s: %s", fields[0], toast);
      g_assert_nonnull (strstr (toast, fields[0]));
      g_assert_nonnull (strstr (toast, fields[3]));
      /* Toasts that repeat would not be seen as new: clear it. */
      g_clear_pointer (&window->last_toast, g_free);
      checked++;
    }
  g_assert_cmpint (checked, >=, 18);
  spin (200);
  g_assert_true (window->model == model);
  g_assert_true (lens_window_get_result (window)->request.input == first->request.input);
  g_assert_true (lens_window_get_result (window)->request.model == model);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* RGBA pictures are flattened onto mid grey, and the window says so; an
 * opaque one says nothing. */
static void
test_transparent_image (void)
{
  g_autoptr(ScvaeModel) model = test_model ();
  g_autofree char *folder = g_dir_make_tmp ("lens-alpha-XXXXXX", NULL);
  g_autofree char *transparent = g_build_filename (folder, "see-through.png", NULL);
  g_autofree char *opaque = g_build_filename (folder, "solid.png", NULL);
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 48, 32);
  g_autoptr(GFile) transparent_file = g_file_new_for_path (transparent);
  g_autoptr(GFile) opaque_file = g_file_new_for_path (opaque);
  g_autoptr(LensResult) first = NULL, second = NULL;
  LensWindow *window = lens_window_new (NULL);
  const char *toast;

  gdk_pixbuf_fill (pixbuf, 0x3366ffff);
  g_assert_true (gdk_pixbuf_save (pixbuf, opaque, "png", NULL, NULL));
  gdk_pixbuf_fill (pixbuf, 0x3366ff40);
  g_assert_true (gdk_pixbuf_save (pixbuf, transparent, "png", NULL, NULL));

  gtk_window_present (GTK_WINDOW (window));
  lens_window_set_model (window, model);
  lens_window_open_file (window, opaque_file);
  first = wait_for_result (window, 0);
  g_assert_null (lens_window_get_last_toast (window));

  lens_window_open_file (window, transparent_file);
  toast = wait_for_toast (window, NULL);
  g_assert_cmpstr (toast, ==, "see-through.png has transparent areas: they are shown and measured on mid grey");
  second = wait_for_result (window, first->serial);
  gtk_window_destroy (GTK_WINDOW (window));
  g_unlink (transparent);
  g_unlink (opaque);
  g_rmdir (folder);
}

/* The default model's size, and so its cost, with random weights. */
static ScvaeModel *
full_size_model (void)
{
  return random_model (64, 256, 5);
}

static void
remove_scratch (void)
{
  g_autoptr(GDir) dir = g_dir_open (scratch, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (scratch, name, NULL);

      g_remove (path);
    }
  g_rmdir (scratch);
}

/* A sample photo scaled to width x height, written as a PNG file. */
static char *
large_photo (const char *name, int width, int height)
{
  g_autofree char *sample = g_build_filename (samples, "astronaut.jpg", NULL);
  g_autoptr(GdkPixbuf) photo = gdk_pixbuf_new_from_file (sample, NULL);
  g_autoptr(GdkPixbuf) large = gdk_pixbuf_scale_simple (photo, width, height, GDK_INTERP_BILINEAR);
  char *path = g_build_filename (scratch, name, NULL);

  g_assert_true (gdk_pixbuf_save (large, path, "png", NULL, NULL));
  return path;
}

/* Runs the main loop until the window shows a full result with sparsity. */
static void
wait_for_sparsity (LensWindow *window, float sparsity)
{
  gint64 deadline = g_get_monotonic_time () + patience ();

  while (g_get_monotonic_time () < deadline)
    {
      LensResult *result = lens_window_get_result (window);

      if (result && result->request.sparsity == sparsity)
        return;
      spin (1);
    }
  g_error ("no result for sparsity %g in time", sparsity);
}

/* An export at the photo's size (1600 px) runs long on the engine thread;
 * a slider moved meanwhile is answered first, and the export still ends. */
static void
test_job_yields (void)
{
  g_autoptr(ScvaeModel) model = full_size_model ();
  g_autofree char *photo = large_photo ("lens-test-large.png", 1600, 1200);
  g_autofree char *exported = g_build_filename (scratch, "lens-test-large-rec.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (photo), destination = g_file_new_for_path (exported);
  g_autoptr(GdkPixbuf) written = NULL;
  LensWindow *window = lens_window_new (NULL);
  g_autoptr(LensResult) first = NULL;
  gint64 deadline;

  gtk_window_present (GTK_WINDOW (window));
  lens_window_set_model (window, model);
  lens_window_open_file (window, file);
  first = wait_for_result (window, 0);
  g_assert_cmpint (first->request.input->image->width, ==, 1024);

  g_remove (exported);
  lens_window_export (window, LENS_EXPORT_RECONSTRUCTION, destination);
  spin (50);   /* the engine thread takes the export */
  gtk_adjustment_set_value (window->sparsity_adjustment, 2.0);
  wait_for_sparsity (window, 2.0f);
  g_assert_cmpstr (lens_window_get_last_toast (window), !=, "Exported");

  /* Several seconds of work on a busy machine. */
  deadline = g_get_monotonic_time () + 6 * patience ();
  while (g_strcmp0 (lens_window_get_last_toast (window), "Exported") != 0 && g_get_monotonic_time () < deadline)
    spin (10);
  g_assert_cmpstr (lens_window_get_last_toast (window), ==, "Exported");
  written = gdk_pixbuf_new_from_file (exported, NULL);
  g_assert_nonnull (written);
  g_assert_cmpint (gdk_pixbuf_get_width (written), ==, 1600);
  /* The slider's codes were not disturbed: its result stays on screen. */
  g_assert_cmpfloat (lens_window_get_result (window)->request.sparsity, ==, 2.0f);

  g_remove (exported);
  g_remove (photo);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A worker dropped while it computes joins its thread and goes away. */
static void
test_drop_busy_worker (void)
{
  g_autoptr(ScvaeModel) model = full_size_model ();
  g_autoptr(LensInput) input = scaled_sample (samples, "astronaut.jpg", 1024, 1024);
  LensRequest request = { .model = model, .input = input, .depth = 8, .sparsity = 1.f };
  LensWorker *worker = lens_worker_new ();
  gint64 deadline;

  g_object_add_weak_pointer (G_OBJECT (worker), (gpointer *) &worker);
  lens_worker_submit (worker, &request);
  spin (50);
  g_assert_true (lens_worker_get_busy (worker));
  g_object_unref (worker);
  deadline = g_get_monotonic_time () + patience ();
  while (worker != NULL && g_get_monotonic_time () < deadline)
    spin (10);
  g_assert_null (worker);
}

static void
record_thread (LensWorker *worker, LensResult *result, GThread **thread)
{
  *thread = g_thread_self ();
}

/* Results reach the main thread even when it is not iterating the main
 * loop as the worker finishes: the worker handed them over with
 * g_main_context_invoke, which then ran the window's handler on the
 * worker thread (test-window failed once in 8 runs with "invalid (NULL)
 * pointer instance" from the frame clock). */
static void
test_results_on_main_thread (void)
{
  g_autoptr(ScvaeModel) model = test_model ();
  g_autoptr(LensInput) input = scaled_sample (samples, "chelsea.jpg", 128, 128);
  LensRequest request = { .model = model, .input = input, .depth = 4, .sparsity = 1.f };
  g_autoptr(LensWorker) worker = lens_worker_new ();
  GThread *handled_on = NULL;
  gint64 deadline;

  g_signal_connect (worker, "result", G_CALLBACK (record_thread), &handled_on);
  lens_worker_submit (worker, &request);
  /* Not iterating: the context is free for any thread to take. */
  deadline = g_get_monotonic_time () + patience ();
  while (lens_worker_get_busy (worker) && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  g_assert_false (lens_worker_get_busy (worker));
  g_assert_null (handled_on);
  while (handled_on == NULL && g_get_monotonic_time () < deadline)
    spin (10);
  g_assert_true (handled_on == g_thread_self ());
  lens_worker_shutdown (worker);
}

/* Models still loading when the window closes: no toast, nothing touched. */
static void
test_open_model_cancelled (void)
{
  g_autofree char *bad = g_build_filename (samples, "..", "..", "tests", "data", "bad", NULL);
  g_autoptr(GDir) dir = g_dir_open (bad, 0, NULL);
  LensWindow *window = lens_window_new (NULL);
  const char *name;

  g_assert_nonnull (dir);
  gtk_window_present (GTK_WINDOW (window));
  g_object_ref (window);
  while ((name = g_dir_read_name (dir)))
    if (g_str_has_suffix (name, ".safetensors"))
      {
        g_autofree char *model = g_build_filename (bad, name, NULL);
        g_autoptr(GFile) file = g_file_new_for_path (model);

        lens_window_open_model (window, file);
      }
  /* Closed as the user closes it; the loads end after. */
  gtk_window_close (GTK_WINDOW (window));
  spin (500);
  g_assert_null (lens_window_get_last_toast (window));
  g_object_unref (window);
}

static void
on_texture_input (GObject *source, GAsyncResult *result, gpointer data)
{
  LensInput **input = data;
  g_autoptr(GError) error = NULL;

  *input = lens_input_load_finish (result, &error);
  g_assert_no_error (error);
}

/* A pasted picture is read on a thread like a file: scaled to the working
 * size, transparent pixels on mid grey (0), white stays white. */
static void
test_paste_texture (void)
{
  const int width = 2000, height = 1000;
  g_autofree guint32 *pixels = g_new (guint32, width * height);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  LensInput *input = NULL;
  gint64 deadline = g_get_monotonic_time () + patience ();
  gsize plane;

  /* Premultiplied ARGB, as GDK keeps it: the left half transparent. */
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      pixels[y * width + x] = x < width / 2 ? 0 : 0xffffffffu;
  bytes = g_bytes_new (pixels, (gsize) width * height * 4);
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_DEFAULT, bytes, width * 4);
  lens_input_new_from_texture_async (texture, "Pasted image", 1024, NULL, on_texture_input, &input);
  while (input == NULL && g_get_monotonic_time () < deadline)
    spin (10);
  g_assert_nonnull (input);
  g_assert_cmpint (input->image->width, ==, 1024);
  g_assert_cmpint (input->image->height, ==, 512);
  g_assert_cmpint (input->source_width, ==, width);
  g_assert_cmpint (input->source_height, ==, height);
  g_assert_true (input->flattened); /* the window says so (test_transparent_image) */
  plane = (gsize) input->image->width * input->image->height;
  for (int c = 0; c < 3; c++)
    {
      g_assert_cmpfloat_with_epsilon (input->image->data[c * plane + 100 * 1024 + 10], 0.f, 1e-6);
      g_assert_cmpfloat_with_epsilon (input->image->data[c * plane + 100 * 1024 + 1000], 1.f, 1e-6);
    }
  lens_input_unref (input);
}

/* Finds "updated in N ms" in the status line. */
static int
status_latency (LensWindow *window)
{
  const char *status = gtk_label_get_label (window->status_label);
  const char *at = strstr (status, "updated in ");

  g_assert_nonnull (at);
  return atoi (at + strlen ("updated in "));
}

/* Waits until result is painted; then the status line must name the time
 * of that very update, measured to its frame. */
static void
check_status_latency (LensWindow *window, LensResult *result)
{
  gint64 deadline = g_get_monotonic_time () + patience ();

  while (window->painted_serial != result->serial && g_get_monotonic_time () < deadline)
    spin (5);
  g_assert_cmpuint (window->painted_serial, ==, result->serial);
  g_test_message ("update %" G_GUINT64_FORMAT ": %.1f ms, the status line says %d ms", result->serial,
                  window->shown_latency_ms, status_latency (window));
  g_assert_cmpint (status_latency (window), ==, (int) (window->shown_latency_ms + 0.5));
}

/* The status line names the time of the update on screen, not the one
 * before: a slow update (a new image) then a quick one (another heat map). */
static void
test_status_latency (void)
{
  g_autoptr(ScvaeModel) model = test_model ();
  g_autofree char *photo = g_build_filename (samples, "coffee.jpg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (photo);
  LensWindow *window = lens_window_new (NULL);
  g_autoptr(LensResult) opened = NULL, switched = NULL;

  gtk_window_present (GTK_WINDOW (window));
  lens_window_set_model (window, model);
  lens_window_open_file (window, file);
  opened = wait_for_result (window, 0);
  check_status_latency (window, opened);
  gtk_drop_down_set_selected (window->mode_dropdown, LENS_ACTIVATION_L1);
  switched = wait_for_result (window, opened->serial);
  check_status_latency (window, switched);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The heat map's fixed scale stays put across slider settings (0 to K
 * for counts, the model's L1 reference for L1), so two settings can be
 * compared by eye; the per-image scale follows the values. */
static void
test_heatmap_scale (void)
{
  g_autoptr(ScvaeModel) model = test_model ();
  g_autofree char *photo = g_build_filename (samples, "coffee.jpg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (photo);
  LensWindow *window = lens_window_new (NULL);
  g_autoptr(LensResult) a = NULL, b = NULL, c = NULL, d = NULL, e = NULL, f = NULL;
  float reference;

  g_assert_nonnull (window->settings);
  g_assert_cmpint (g_settings_get_enum (window->settings, "heatmap-scale"), ==, LENS_SCALING_FIXED);
  gtk_window_present (GTK_WINDOW (window));
  lens_window_set_model (window, model);
  lens_window_open_file (window, file);
  a = wait_for_result (window, 0);
  g_assert_cmpfloat (a->activation_scale.lo, ==, 0.f);
  g_assert_cmpfloat (a->activation_scale.hi, ==, 32.f);   /* K */
  g_assert_cmpfloat (a->activation_scale.knee, >, 0.f);
  gtk_adjustment_set_value (window->sparsity_adjustment, 2.5);
  b = wait_for_result (window, a->serial);
  g_assert_cmpfloat (b->activation_scale.hi, ==, 32.f);
  /* Fewer atoms: darker, on the same scale. */
  g_assert_true (pictures_differ (a->activation, b->activation));

  gtk_drop_down_set_selected (window->mode_dropdown, LENS_ACTIVATION_L1);
  c = wait_for_result (window, b->serial);
  reference = lens_l1_reference (model, NULL);
  g_assert_cmpfloat (reference, >, 0.f);
  g_assert_cmpfloat (c->activation_scale.hi, ==, reference);
  gtk_adjustment_set_value (window->sparsity_adjustment, 1.0);
  d = wait_for_result (window, c->serial);
  g_assert_cmpfloat (d->activation_scale.hi, ==, reference);

  /* Stretched to the image: the top follows the values (the 99.5th
   * percentile, which no value of the map exceeds by much). */
  g_settings_set_enum (window->settings, "heatmap-scale", LENS_SCALING_PER_IMAGE);
  e = wait_for_result (window, d->serial);
  g_assert_cmpint (e->request.scaling, ==, LENS_SCALING_PER_IMAGE);
  g_assert_cmpfloat (e->activation_scale.hi, ==,
                     lens_quantile (e->activation_values, (gsize) e->rows * e->cols, 0.995));
  gtk_adjustment_set_value (window->sparsity_adjustment, 2.5);
  f = wait_for_result (window, e->serial);
  g_assert_cmpfloat (f->activation_scale.hi, <, e->activation_scale.hi);
  g_settings_reset (window->settings, "heatmap-scale");
  gtk_window_destroy (GTK_WINDOW (window));
}

static double
mean (const float *values, gsize n)
{
  double sum = 0.0;

  for (gsize i = 0; i < n; i++)
    sum += values[i];
  return sum / n;
}

/* The coding-error map: each patch's share of its feature that the code
 * leaves out, on a linear scale from 0 to 1; more sparsity leaves more
 * out; the reconstruction is not computed again for it; hovering names
 * the patch's error. */
static void
test_coding_error (void)
{
  g_autoptr(ScvaeModel) model = test_model ();
  g_autofree char *photo = g_build_filename (samples, "coffee.jpg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (photo);
  LensWindow *window = lens_window_new (NULL);
  g_autoptr(LensResult) counts = NULL, errors = NULL, sparser = NULL;
  gsize n;

  gtk_window_present (GTK_WINDOW (window));
  lens_window_set_model (window, model);
  lens_window_open_file (window, file);
  counts = wait_for_result (window, 0);

  gtk_drop_down_set_selected (window->mode_dropdown, LENS_ACTIVATION_CODING_ERROR);
  errors = wait_for_result (window, counts->serial);
  n = (gsize) errors->rows * errors->cols;
  g_assert_cmpint (errors->request.mode, ==, LENS_ACTIVATION_CODING_ERROR);
  g_assert_true (errors->reconstruction == counts->reconstruction);
  g_assert_true (pictures_differ (errors->activation, counts->activation));
  g_assert_cmpfloat (errors->activation_scale.lo, ==, 0.f);
  g_assert_cmpfloat (errors->activation_scale.hi, ==, 1.f);
  g_assert_cmpfloat (errors->activation_scale.knee, ==, 0.f);
  for (gsize i = 0; i < n; i++)
    g_assert_true (errors->activation_values[i] >= 0.f && errors->activation_values[i] < 2.f);
  g_assert_cmpfloat (mean (errors->activation_values, n), >, 0.0);

  gtk_adjustment_set_value (window->sparsity_adjustment, 3.0);
  sparser = wait_for_result (window, errors->serial);
  g_assert_cmpfloat (mean (sparser->activation_values, n), >, mean (errors->activation_values, n));

  lens_viewport_set_hover (window->viewport, 2, 3);
  g_assert_nonnull (strstr (gtk_label_get_label (window->status_label), "coding error"));
  lens_viewport_set_hover (window->viewport, -1, -1);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
on_painted (GdkFrameClock *clock, gboolean *painted)
{
  *painted = TRUE;
}

/* Waits until the widget has been drawn (its render node exists only then). */
static void
wait_painted (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean painted = FALSE;
  gulong handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_painted), &painted);
  gint64 deadline = g_get_monotonic_time () + patience ();

  gtk_widget_queue_draw (widget);
  while (!painted && g_get_monotonic_time () < deadline)
    spin (5);
  g_signal_handler_disconnect (clock, handler);
  g_assert_true (painted);
}

/* Draws a widget as it is on screen; the caller frees the pixels
 * (CAIRO_FORMAT_ARGB32 order, stride *stride). */
static guint8 *
render_widget (GtkWidget *widget, int *width, int *height, gsize *stride)
{
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guint8 *pixels;

  wait_painted (widget);
  *width = gtk_widget_get_width (widget);
  *height = gtk_widget_get_height (widget);
  gdk_paintable_snapshot (paintable, snapshot, *width, *height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, *width, *height));
  *stride = (gsize) *width * 4;
  pixels = g_malloc (*stride * *height);
  gdk_texture_download (texture, pixels, *stride);
  g_object_unref (paintable);
  return pixels;
}

/* Every view shows the same image pixel at the same place, at every
 * zoom and pan, and a magnified pixel is a block of one colour (nearest
 * neighbour, no smoothing). */
static void
assert_views_aligned (LensWindow *window)
{
  LensImageView *views[] = { window->input_view, window->reconstruction_view, window->activation_view };
  int w = gtk_widget_get_width (GTK_WIDGET (views[0])), h = gtk_widget_get_height (GTK_WIDGET (views[0]));
  double scale = lens_image_view_get_scale (views[0]);

  for (int i = 1; i < 3; i++)
    {
      g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (views[i])), ==, w);
      g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (views[i])), ==, h);
      g_assert_cmpfloat (lens_image_view_get_scale (views[i]), ==, scale);
    }
  for (int y = 0; y < h; y += 17)
    for (int x = 0; x < w; x += 13)
      {
        double ix0, iy0;
        gboolean inside = lens_image_view_to_image (views[0], x, y, &ix0, &iy0);

        for (int i = 1; i < 3; i++)
          {
            double ix, iy;

            g_assert_cmpint (lens_image_view_to_image (views[i], x, y, &ix, &iy), ==, inside);
            g_assert_cmpfloat (ix, ==, ix0);
            g_assert_cmpfloat (iy, ==, iy0);
          }
      }
}

static void
assert_crisp (LensImageView *view)
{
  double scale = lens_image_view_get_scale (view), cx, cy;
  int w, h, checked = 0;
  gsize stride;
  g_autofree guint8 *pixels = render_widget (GTK_WIDGET (view), &w, &h, &stride);

  g_assert_cmpfloat (scale, >=, 4.0);
  /* The image pixels around the middle: each a uniform square. */
  lens_image_view_to_image (view, w / 2.0, h / 2.0, &cx, &cy);
  for (int py = (int) cy - 3; py <= (int) cy + 3; py++)
    for (int px = (int) cx - 3; px <= (int) cx + 3; px++)
      {
        double x0, y0;
        guint32 first;

        lens_image_view_from_image (view, px, py, &x0, &y0);
        first = *(guint32 *) (pixels + (gsize) (ceil (y0) + 1) * stride + (gsize) (ceil (x0) + 1) * 4);
        for (int y = (int) ceil (y0) + 1; y < (int) floor (y0 + scale) - 1; y++)
          for (int x = (int) ceil (x0) + 1; x < (int) floor (x0 + scale) - 1; x++)
            if (x >= 0 && y >= 0 && x < w && y < h)
              {
                g_assert_cmphex (*(guint32 *) (pixels + (gsize) y * stride + (gsize) x * 4), ==, first);
                checked++;
              }
      }
  g_assert_cmpint (checked, >, 100);
}

static void
test_zoom_aligned (void)
{
  g_autoptr(ScvaeModel) model = test_model ();
  g_autofree char *photo = g_build_filename (samples, "chelsea.jpg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (photo);
  LensWindow *window = lens_window_new (NULL);
  g_autoptr(LensResult) first = NULL;
  double cx, cy;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  lens_window_set_model (window, model);
  lens_window_open_file (window, file);
  first = wait_for_result (window, 0);
  spin (300);

  /* Fit: one scale for all three. */
  assert_views_aligned (window);
  g_assert_cmpfloat (lens_viewport_get_zoom (window->viewport), ==, 0.0);

  /* Zoom in by the keyboard's actions, then pan as a drag does. */
  for (int i = 0; i < 8; i++)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-in", NULL);
  spin (100);
  g_assert_cmpfloat (lens_viewport_get_zoom (window->viewport), >, 4.0);
  assert_views_aligned (window);
  assert_crisp (window->input_view);
  lens_viewport_get_center (window->viewport, &cx, &cy);
  lens_viewport_set_view (window->viewport, lens_viewport_get_zoom (window->viewport), cx + 37.5, cy - 12.25);
  spin (100);
  assert_views_aligned (window);
  assert_crisp (window->input_view);
  assert_crisp (window->activation_view);

  /* One view alone, and back: still aligned. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-view", "s", "reconstruction");
  spin (300);
  g_assert_false (gtk_widget_get_child_visible (gtk_widget_get_parent (GTK_WIDGET (window->input_view))));
  g_assert_true (gtk_widget_get_child_visible (gtk_widget_get_parent (GTK_WIDGET (window->reconstruction_view))));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window->reconstruction_view)), >,
                   gtk_widget_get_width (GTK_WIDGET (window->activation_view)));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-view", "s", "reconstruction");
  spin (300);
  assert_views_aligned (window);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-fit", NULL);
  spin (100);
  g_assert_cmpfloat (lens_viewport_get_zoom (window->viewport), ==, 0.0);
  assert_views_aligned (window);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The window's own shortcut for a key, or NULL. */
static GtkShortcut *
find_shortcut (GtkWidget *widget, GtkShortcutTrigger *trigger)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);

          if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (shortcut), trigger))
            return g_steal_pointer (&shortcut);
        }
    }
  return NULL;
}

/* Installed on the window's class, or in its action group. */
static gboolean
window_has_action (LensWindow *window, const char *name)
{
  const char *installed, *property;
  const GVariantType *parameter;
  GType owner;

  for (guint i = 0;
       gtk_widget_class_query_action (GTK_WIDGET_GET_CLASS (window), i, &owner, &installed, &parameter, &property);
       i++)
    if (g_str_equal (installed, name))
      return TRUE;
  return g_action_group_has_action (G_ACTION_GROUP (window), name + strlen ("win."));
}

/* Runs what a key runs in the window. */
static void
press (LensWindow *window, const char *accelerator)
{
  g_autoptr(GtkShortcutTrigger) trigger = gtk_shortcut_trigger_parse_string (accelerator);
  g_autoptr(GtkShortcut) shortcut = find_shortcut (GTK_WIDGET (window), trigger);

  g_assert_nonnull (shortcut);
  g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), GTK_SHORTCUT_ACTION_EXCLUSIVE,
                                               GTK_WIDGET (window), gtk_shortcut_get_arguments (shortcut)));
  spin (200);
}

/* Every row of the Shortcuts window names a key, and each key is bound:
 * to an enabled action of the window, or by the application. A few are
 * pressed and their effect checked. */
static void
test_shortcuts (void)
{
  g_autoptr(ScvaeModel) model = test_model ();
  g_autofree char *photo = g_build_filename (samples, "chelsea.jpg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (photo);
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource ("/io/github/sparselens/SparseLens/gtk/help-overlay.ui");
  g_autoptr(GSList) objects = gtk_builder_get_objects (builder);
  g_autoptr(GtkApplication) app = GTK_APPLICATION (lens_application_new ());
  g_autoptr(GError) error = NULL;
  LensWindow *window = lens_window_new (NULL);
  g_autoptr(LensResult) first = NULL;
  int rows = 0, keys = 0;

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  lens_window_set_model (window, model);
  lens_window_open_file (window, file);
  first = wait_for_result (window, 0);
  spin (200);

  for (GSList *l = objects; l; l = l->next)
    {
      g_autofree char *title = NULL, *accelerator = NULL;
      GtkShortcutType type;

      if (!GTK_IS_SHORTCUTS_SHORTCUT (l->data))
        continue;
      rows++;
      g_object_get (l->data, "title", &title, "accelerator", &accelerator, "shortcut-type", &type, NULL);
      if (type != GTK_SHORTCUT_ACCELERATOR)
        continue;  /* a gesture: the views' own */
      g_test_message ("%s: %s", title, accelerator);
      g_assert_nonnull (accelerator);
      g_assert_cmpstr (accelerator, !=, "");
      {
        g_autoptr(GtkShortcutTrigger) trigger = gtk_shortcut_trigger_parse_string (accelerator);
        g_autoptr(GtkShortcut) shortcut = NULL;
        g_auto(GStrv) app_actions = NULL;

        g_assert_nonnull (trigger);
        shortcut = find_shortcut (GTK_WIDGET (window), trigger);
        if (shortcut)
          {
            GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);
            const char *name;

            g_assert_true (GTK_IS_NAMED_ACTION (action));
            name = gtk_named_action_get_action_name (GTK_NAMED_ACTION (action));
            g_assert_true (g_str_has_prefix (name, "win."));
            g_assert_true (window_has_action (window, name));
          }
        else
          {
            app_actions = gtk_application_get_actions_for_accel (app, accelerator);
            g_assert_nonnull (app_actions);
            g_assert_nonnull (app_actions[0]);
          }
        keys++;
      }
    }
  g_assert_cmpint (rows, >=, 18);
  g_assert_cmpint (keys, ==, rows - 1);

  /* Pressed: each does what its row says. */
  press (window, "<Control>plus");
  g_assert_cmpfloat (lens_viewport_get_zoom (window->viewport), >, 0.0);
  press (window, "<Control>0");
  g_assert_cmpfloat (lens_viewport_get_zoom (window->viewport), ==, 0.0);
  press (window, "<Alt>2");
  g_assert_cmpint (lens_view_grid_get_shown (window->views), ==, 1);
  press (window, "<Alt>2");
  g_assert_cmpint (lens_view_grid_get_shown (window->views), ==, -1);
  press (window, "<Alt>3");
  g_assert_cmpint (lens_view_grid_get_shown (window->views), ==, 2);
  press (window, "<Alt>0");
  g_assert_cmpint (lens_view_grid_get_shown (window->views), ==, -1);
  gtk_adjustment_set_value (window->sparsity_adjustment, 2.0);
  press (window, "<Control>r");
  g_assert_cmpfloat (gtk_adjustment_get_value (window->sparsity_adjustment), ==, 1.0);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  samples = samples_folder ();

  g_test_add_func ("/app/window", test_window);
  g_test_add_func ("/app/explore", test_explore);
  g_test_add_func ("/app/drag-preview", test_drag_preview);
  g_test_add_func ("/app/bad-inputs", test_bad_inputs);
  g_test_add_func ("/app/job-yields", test_job_yields);
  g_test_add_func ("/app/drop-busy-worker", test_drop_busy_worker);
  g_test_add_func ("/app/open-model-cancelled", test_open_model_cancelled);
  g_test_add_func ("/app/results-on-main-thread", test_results_on_main_thread);
  g_test_add_func ("/app/status-latency", test_status_latency);
  g_test_add_func ("/app/paste-texture", test_paste_texture);
  g_test_add_func ("/app/transparent-image", test_transparent_image);
  g_test_add_func ("/app/heatmap-scale", test_heatmap_scale);
  g_test_add_func ("/app/coding-error", test_coding_error);
  g_test_add_func ("/app/zoom-aligned", test_zoom_aligned);
  g_test_add_func ("/app/shortcuts", test_shortcuts);
  scratch = g_dir_make_tmp ("lens-test-window-XXXXXX", NULL);
  g_assert_nonnull (scratch);
  status = g_test_run ();
  if (status == 0)
    remove_scratch ();
  return status;
}
