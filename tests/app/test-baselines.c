/* test-baselines.c: a VQ and a Gaussian model as the window's model: the
 * views, the gallery and the segments work on their codes, and the
 * controls that are LISTA's are greyed out and say why
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
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

/* Runs the main loop until the shown result has its segments. */
static LensResult *
wait_for_segments (LensWindow *window, guint64 after)
{
  gint64 deadline = g_get_monotonic_time () + patience ();

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(LensResult) result = wait_for_result (window, after);

      if (result->labels && !result->segments_pending)
        return g_steal_pointer (&result);
      after = result->serial;
    }
  g_error ("no segments in time");
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

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  samples = samples_folder ();
  g_test_add_func ("/app/baselines", test_baselines);
  return g_test_run ();
}
