/* test-baselines.c: a VQ and a Gaussian model as the window's model: the
 * views, the gallery and the segments work on their codes, and the
 * controls that are LISTA's are greyed out and say why; and a baseline
 * opened beside an SC-VAE as the comparison model
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>

#include "window-test.h"

static char *samples;

static ScvaeModel *
baseline_model (ScvaeBottleneck bottleneck)
{
  ScvaeConfig config;
  g_autoptr(GError) error = NULL;
  ScvaeModel *model;

  scvae_config_init_default (&config);
  config.bottleneck = bottleneck;
  config.channels = 16;
  config.atoms = bottleneck == SCVAE_BOTTLENECK_VQ ? 32 : 16;
  config.lista_steps = 0;
  model = scvae_model_new (&config, 1, &error);
  g_assert_no_error (error);
  return model;
}

/* The first search entry at or below widget. */
static GtkWidget *
find_search_entry (GtkWidget *widget)
{
  if (GTK_IS_SEARCH_ENTRY (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_search_entry (child);

      if (found)
        return found;
    }
  return NULL;
}

/* The gallery's search field, once its atoms (drawn on the engine
 * thread) name their kind: NULL if they do not in time. */
static gboolean
search_says (LensWindow *window, const char *placeholder)
{
  GtkWidget *search = find_search_entry (GTK_WIDGET (window->gallery));
  gint64 deadline = g_get_monotonic_time () + patience ();

  g_assert_nonnull (search);
  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *text = NULL;

      g_object_get (search, "placeholder-text", &text, NULL);
      if (g_strcmp0 (text, placeholder) == 0)
        return TRUE;
      spin (20);
    }
  return FALSE;
}

typedef gboolean (*ResultTest) (const LensResult *result);

/* Runs the main loop until a result after serial `after` passes test. */
static LensResult *
wait_for_result_that (LensWindow *window, guint64 after, ResultTest test, const char *what)
{
  gint64 deadline = g_get_monotonic_time () + patience ();

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(LensResult) result = wait_for_result (window, after);

      if (test (result))
        return g_steal_pointer (&result);
      after = result->serial;
    }
  g_error ("no %s in time", what);
}

static gboolean
has_segments (const LensResult *result)
{
  return result->labels && !result->segments_pending;
}

static gboolean
has_comparison (const LensResult *result)
{
  return result->comparison != NULL;
}

static LensResult *
wait_for_segments (LensWindow *window, guint64 after)
{
  return wait_for_result_that (window, after, has_segments, "segments");
}

static void
check_baseline (LensWindow *window, ScvaeBottleneck bottleneck, guint64 *serial)
{
  g_autoptr(ScvaeModel) model = baseline_model (bottleneck);
  g_autoptr(LensResult) result = NULL;
  const char *why;
  int K = scvae_model_get_config (model)->atoms;

  lens_window_set_model (window, model);
  result = wait_for_segments (window, *serial);
  *serial = result->serial;

  /* Sparsity and depth are LISTA's: greyed out, and the group says why. */
  g_assert_false (gtk_widget_get_sensitive (window->sparsity_scale));
  g_assert_false (gtk_widget_get_sensitive (window->depth_scale));
  why = adw_preferences_group_get_description (window->coding_group);
  g_assert_nonnull (why);
  g_assert_nonnull (strstr (why, bottleneck == SCVAE_BOTTLENECK_VQ ? "nearest code" : "its mean"));

  /* The gallery finds codes or channels, not atoms. */
  g_assert_true (search_says (window, bottleneck == SCVAE_BOTTLENECK_VQ ? "Code index" : "Channel index"));

  /* A reconstruction from the bottleneck's code. */
  g_assert_nonnull (result->reconstruction);
  g_assert_true (isfinite (result->metrics.psnr));
  if (bottleneck == SCVAE_BOTTLENECK_VQ)
    {
      /* One code per patch, and the usage counts every patch once. */
      guint total = 0;

      g_assert_cmpfloat_with_epsilon (result->metrics.codes.active_fraction, 1.0 / K, 1e-9);
      for (int k = 0; k < K; k++)
        total += result->usage[k].count;
      g_assert_cmpuint (total, ==, result->rows * result->cols);
    }
  else
    {
      /* The code is the mean: dense. */
      g_assert_cmpfloat (result->metrics.codes.active_fraction, >, 0.9);
    }

  /* The coding-error map: VQ's quantisation error; a Gaussian model has
   * none, a toast says why and the map goes back to the counts. */
  gtk_drop_down_set_selected (window->mode_dropdown, LENS_ACTIVATION_CODING_ERROR);
  {
    g_autoptr(LensResult) errors = wait_for_result (window, *serial);

    *serial = errors->serial;
    if (bottleneck == SCVAE_BOTTLENECK_VQ)
      {
        g_assert_nonnull (errors->activation);
        g_assert_cmpfloat (errors->activation_values[0], >=, 0.f);
      }
    else
      {
        /* The result shown is the counts' that followed. */
        g_assert_nonnull (strstr (lens_window_get_last_toast (window), "Gaussian"));
        g_assert_cmpuint (gtk_drop_down_get_selected (window->mode_dropdown), ==, LENS_ACTIVATION_COUNT);
        g_assert_cmpint (errors->request.mode, ==, LENS_ACTIVATION_COUNT);
        g_assert_nonnull (errors->activation);
      }
  }
  gtk_drop_down_set_selected (window->mode_dropdown, LENS_ACTIVATION_COUNT);

  /* The segments of its codes, one label per patch. */
  g_assert_nonnull (result->labels);
  g_assert_cmpint (lens_segmentation_get_n_segments (window->segmentation), >=, 2);
}

static void
test_baselines (void)
{
  g_autoptr(ScvaeModel) lista = test_model ();
  g_autofree char *photo = g_build_filename (samples, "coffee.jpg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (photo);
  LensWindow *window = lens_window_new (NULL);
  g_autoptr(LensResult) first = NULL, back = NULL;
  const char *why;
  guint64 serial;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  lens_window_set_model (window, lista);
  g_settings_set_int (window->settings, "working-size", 256);
  g_action_group_change_action_state (G_ACTION_GROUP (window), "show-segments", g_variant_new_boolean (TRUE));
  lens_window_open_file (window, file);
  first = wait_for_segments (window, 0);
  g_assert_true (gtk_widget_get_sensitive (window->sparsity_scale));
  serial = first->serial;

  check_baseline (window, SCVAE_BOTTLENECK_VQ, &serial);
  check_baseline (window, SCVAE_BOTTLENECK_GAUSSIAN, &serial);

  /* Back to an SC-VAE: its controls again, without a note. */
  lens_window_set_model (window, lista);
  back = wait_for_result (window, serial);
  g_assert_true (gtk_widget_get_sensitive (window->sparsity_scale));
  g_assert_true (gtk_widget_get_sensitive (window->depth_scale));
  why = adw_preferences_group_get_description (window->coding_group);
  g_assert_true (why == NULL || *why == '\0');
  g_assert_true (search_says (window, "Atom index"));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Results the worker posts, in order */
static void
collect_result (LensWorker *worker, LensResult *result, GPtrArray *results)
{
  g_ptr_array_add (results, lens_result_ref (result));
}

/* The engine's own session of model on image, coded as trained. */
static ScvaeSession *
coded_as_trained (ScvaeModel *model, const ScvaeImage *image)
{
  ScvaeSession *session = scvae_session_new (model);
  g_autoptr(GError) error = NULL;

  g_assert_true (scvae_session_encode (session, image, NULL, &error));
  g_assert_true (scvae_session_sparse_code (session, -1, 1.f, NULL, &error));
  g_assert_true (scvae_session_decode (session, NULL, &error));
  g_assert_no_error (error);
  return session;
}

static ScvaeMetrics
engine_metrics (ScvaeModel *model, const ScvaeImage *image)
{
  ScvaeSession *session = coded_as_trained (model, image);
  ScvaeMetrics metrics;

  scvae_session_compute_metrics (session, &metrics);
  scvae_session_free (session);
  return metrics;
}

static float
largest_residual (ScvaeModel *model, const ScvaeImage *image)
{
  ScvaeSession *session = coded_as_trained (model, image);
  g_autofree float *residual = lens_residual_values (image, scvae_session_get_reconstruction (session));
  float largest = 0.f;

  for (gsize i = 0; i < (gsize) image->width * image->height; i++)
    largest = MAX (largest, residual[i]);
  scvae_session_free (session);
  return largest;
}

static LensResult *
wait_for_comparison (LensWindow *window, guint64 after)
{
  return wait_for_result_that (window, after, has_comparison, "comparison");
}

static const char *
shown_page (LensWindow *window)
{
  return gtk_stack_get_visible_child_name (window->content_stack);
}

static void
test_compare (void)
{
  g_autoptr(ScvaeModel) lista = test_model ();
  g_autoptr(ScvaeModel) vq = baseline_model (SCVAE_BOTTLENECK_VQ);
  g_autofree char *dir = g_dir_make_tmp ("sparse-lens-compare-XXXXXX", NULL);
  g_autofree char *vq_path = g_build_filename (dir, "vq.safetensors", NULL);
  g_autofree char *broken_path = g_build_filename (dir, "broken.safetensors", NULL);
  g_autofree char *photo = g_build_filename (samples, "coffee.jpg", NULL);
  g_autoptr(GFile) image_file = g_file_new_for_path (photo);
  g_autoptr(GFile) vq_file = g_file_new_for_path (vq_path);
  g_autoptr(GFile) broken_file = g_file_new_for_path (broken_path);
  g_autoptr(GError) error = NULL;
  LensWindow *window = lens_window_new (NULL);
  g_autoptr(LensResult) first = NULL, compared = NULL, moved = NULL, closed = NULL;
  const LensComparison *c;
  const ScvaeImage *input;
  ScvaeMetrics vq_metrics;
  LensImageView *view;
  g_autofree char *row0 = NULL, *row1 = NULL, *moved_row0 = NULL, *expected = NULL;
  float hi;

  g_assert_true (scvae_model_save (vq, vq_path, &error));
  g_assert_true (g_file_set_contents (broken_path, "not a model", -1, &error));
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  lens_window_set_model (window, lista);
  g_settings_set_int (window->settings, "working-size", 256);
  lens_window_open_file (window, image_file);
  first = wait_for_result (window, 0);
  g_assert_null (first->comparison);
  g_assert_cmpstr (shown_page (window), ==, "views");
  g_assert_false (gtk_widget_get_visible (window->comparison_toggle));

  /* A file that is not a model: a toast that names it, no comparison. */
  lens_window_open_comparison (window, broken_file);
  while (lens_window_get_last_toast (window) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (strstr (lens_window_get_last_toast (window), "broken.safetensors"));
  g_assert_null (lens_window_get_comparison (window));

  /* The VQ model beside the SC-VAE: the page of both. */
  lens_window_open_comparison (window, vq_file);
  compared = wait_for_comparison (window, first->serial);
  c = compared->comparison;
  input = compared->request.input->image;
  g_assert_cmpstr (shown_page (window), ==, "comparison");
  g_assert_true (gtk_widget_get_visible (window->comparison_toggle));
  g_assert_cmpstr (scvae_model_get_path (c->scores[1].model), ==, vq_path);

  /* Each model's numbers are the engine's own on the working image. */
  g_assert_cmpfloat (c->scores[0].metrics.psnr, ==, compared->metrics.psnr);
  vq_metrics = engine_metrics (vq, input);
  g_assert_cmpfloat (c->scores[1].metrics.psnr, ==, vq_metrics.psnr);
  g_assert_cmpfloat (c->scores[1].metrics.ssim, ==, vq_metrics.ssim);
  g_assert_cmpint (c->scores[1].metrics.codes.atoms_used, ==, vq_metrics.codes.atoms_used);

  /* Both residuals on one scale: up to the larger of their largest values. */
  hi = MAX (largest_residual (lista, input), largest_residual (vq, input));
  g_assert_cmpfloat_with_epsilon (c->residual_scale.hi, hi, 1e-6);

  /* The table, in each bottleneck's terms. */
  row0 = lens_comparison_page_get_row (window->comparison_page, 0);
  row1 = lens_comparison_page_get_row (window->comparison_page, 1);
  expected = g_strdup_printf ("vq.safetensors (VQ-VAE) | %.2f dB | %.3f | 1 code a patch · %d of 32 used",
                              vq_metrics.psnr, vq_metrics.ssim, vq_metrics.codes.atoms_used);
  g_assert_true (g_str_has_prefix (row1, expected));
  g_assert_nonnull (strstr (row0, "(SC-VAE) |"));
  g_assert_nonnull (strstr (row0, "atoms a patch"));

  /* Zoomed together: the comparison's views follow the window's viewport. */
  lens_viewport_set_view (window->viewport, 2.0, input->width / 2.0, input->height / 2.0);
  for (int i = 0; i < LENS_COMPARISON_N_VIEWS; i++)
    {
      view = lens_comparison_page_get_view (window->comparison_page, i);
      g_assert_cmpfloat (lens_image_view_get_scale (view), ==, 2.0);
    }
  lens_viewport_fit (window->viewport);

  /* A slider moves the window's model only: the comparison codes as trained. */
  gtk_adjustment_set_value (window->sparsity_adjustment, 1.5);
  moved = wait_for_comparison (window, compared->serial);
  g_assert_cmpfloat (moved->request.sparsity, ==, 1.5f);
  g_assert_cmpfloat (moved->comparison->scores[0].metrics.psnr, ==, moved->metrics.psnr);
  g_assert_cmpfloat (moved->comparison->scores[0].metrics.psnr, !=, c->scores[0].metrics.psnr);
  g_assert_cmpfloat (moved->comparison->scores[1].metrics.psnr, ==, vq_metrics.psnr);
  moved_row0 = lens_comparison_page_get_row (window->comparison_page, 0);
  g_assert_nonnull (strstr (moved_row0, "sparsity ×1.50"));
  g_assert_null (strstr (moved_row0, "codes changed"));

  /* An intervention on the window model's codes: the table says so. */
  {
    GtkWidget *keep = find_named (GTK_WIDGET (window->intervention_panel), "keep");
    g_autoptr(LensResult) kept = NULL;
    g_autofree char *kept_row0 = NULL;

    g_assert_nonnull (keep);
    gtk_range_set_value (GTK_RANGE (keep), 2);
    kept = wait_for_comparison (window, moved->serial);
    g_assert_cmpint (kept->request.keep, ==, 2);
    kept_row0 = lens_comparison_page_get_row (window->comparison_page, 0);
    g_assert_nonnull (strstr (kept_row0, "sparsity ×1.50), codes changed |"));
    gtk_range_set_value (GTK_RANGE (keep), 0);
    g_clear_pointer (&moved, lens_result_unref);
    moved = wait_for_comparison (window, kept->serial);
    g_assert_cmpint (moved->request.keep, ==, 0);
  }

  /* Alt+4's view switches between the three views and the comparison. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-view", "s", "models");
  g_assert_cmpstr (shown_page (window), ==, "views");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-view", "s", "models");
  g_assert_cmpstr (shown_page (window), ==, "comparison");

  /* Stop Comparing: the three views again, and no comparison computed. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.close-comparison", NULL);
  g_assert_null (lens_window_get_comparison (window));
  g_assert_cmpstr (shown_page (window), ==, "views");
  g_assert_false (gtk_widget_get_visible (window->comparison_toggle));
  closed = wait_for_result (window, moved->serial);
  g_assert_null (closed->comparison);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-view", "s", "models");
  g_assert_cmpstr (shown_page (window), ==, "views");

  /* A comparison model the image is too large for (under a memory limit
   * the window's model fits): a toast says why, the window's model's
   * pictures still come, and the comparison closes (so that every slider
   * move does not say it again). The worker is idle: it reads the limit
   * later. */
  {
    g_autoptr(ScvaeModel) big = random_model (256, 2048, 5);
    guint64 small_needs = scvae_session_estimate_bytes (lista, input->width, input->height);
    guint64 big_needs = scvae_session_estimate_bytes (big, input->width, input->height);
    g_autofree char *limit = g_strdup_printf ("%" G_GUINT64_FORMAT, (small_needs + big_needs) / 2 >> 20);
    g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) lens_result_unref);
    LensResult *refused = NULL;

    g_assert_cmpuint (big_needs - small_needs, >, 4u << 20);
    g_signal_connect (lens_window_get_worker (window), "result", G_CALLBACK (collect_result), results);
    g_setenv ("SCVAE_MEMORY_LIMIT_MB", limit, TRUE);
    lens_window_set_comparison (window, big);
    while (lens_window_get_comparison (window) != NULL)
      g_main_context_iteration (NULL, TRUE);
    g_assert_nonnull (strstr (lens_window_get_last_toast (window), "more than the"));
    g_assert_cmpstr (shown_page (window), ==, "views");
    for (guint i = 0; i < results->len; i++)
      if (((LensResult *) g_ptr_array_index (results, i))->request.comparison == big)
        refused = g_ptr_array_index (results, i);
    g_assert_nonnull (refused);
    g_assert_null (refused->comparison);
    g_assert_nonnull (refused->reconstruction);
    g_signal_handlers_disconnect_by_data (lens_window_get_worker (window), results);
    g_unsetenv ("SCVAE_MEMORY_LIMIT_MB");
  }

  gtk_window_destroy (GTK_WINDOW (window));
  g_unlink (vq_path);
  g_unlink (broken_path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  samples = samples_folder ();
  g_test_add_func ("/app/baselines", test_baselines);
  g_test_add_func ("/app/baselines/compare", test_compare);
  return g_test_run ();
}
