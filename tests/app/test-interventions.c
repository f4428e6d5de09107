/* test-interventions.c: switching atoms off, scaling them and keeping a
 * budget of atoms per patch, through the real window's controls
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <math.h>

#include "window-test.h"

static char *samples;

static GtkWidget *
panel_control (LensWindow *window, const char *name)
{
  GtkWidget *widget = find_named (GTK_WIDGET (window->intervention_panel), name);

  g_assert_nonnull (widget);
  return widget;
}

static void
keep_result (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* The inspection of a patch under what the controls ask now. */
static LensInspection *
inspect (LensWindow *window, int row, int col)
{
  LensRequest request = lens_window_current_request (window);
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  LensInspection *inspection;

  lens_worker_inspect_async (window->worker, &request, row, col, 4, NULL,
                             keep_result, &done);
  while (done == NULL)
    g_main_context_iteration (NULL, TRUE);
  inspection = lens_worker_inspect_finish (window->worker, done, &error);
  g_assert_no_error (error);
  return inspection;
}

static gboolean
inspection_has_atom (const LensInspection *inspection, int atom)
{
  for (int i = 0; i < inspection->n_active; i++)
    if (inspection->atoms[i] == atom)
      return TRUE;
  return FALSE;
}

/* Not mid grey everywhere: the atom adds something. */
static gboolean
shows_change (cairo_surface_t *surface)
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface), side = cairo_image_surface_get_width (surface);

  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      for (int c = 0; c < 3; c++)
        if (abs (data[y * stride + 4 * x + c] - 128) > 8)
          return TRUE;
  return FALSE;
}

static void
test_interventions (void)
{
  g_autoptr(ScvaeModel) model = test_model ();
  g_autofree char *photo = g_build_filename (samples, "coffee.jpg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (photo);
  LensWindow *window = lens_window_new (NULL);
  g_autoptr(LensResult) first = NULL, selected = NULL, off = NULL, kept = NULL, doubled = NULL, reset = NULL;
  g_autoptr(LensInspection) before = NULL, after = NULL, budget = NULL;
  const float *gains;
  int K = scvae_model_get_config (model)->atoms, atom, row, col;
  gsize size;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  lens_window_set_model (window, model);
  g_settings_set_int (window->settings, "working-size", 256);
  lens_window_open_file (window, file);
  first = wait_for_result (window, 0);
  g_assert_null (first->request.atom_gains);
  g_assert_cmpint (first->request.keep, ==, 0);

  /* Nothing selected: the gain slider has nothing to scale. */
  g_assert_false (gtk_widget_get_sensitive (panel_control (window, "gain")));
  atom = most_used_atom (first, K, -1);
  lens_atom_gallery_select (window->gallery, atom, FALSE);
  selected = wait_for_result (window, first->serial);
  g_assert_true (gtk_widget_get_sensitive (panel_control (window, "gain")));
  row = selected->top_patches[0] / selected->cols;
  col = selected->top_patches[0] % selected->cols;
  before = inspect (window, row, col);
  g_assert_true (inspection_has_atom (before, atom));
  g_assert_cmpint (before->n_coded, ==, before->n_active);

  /* Switching the atom off changes the reconstruction, never the codes:
   * the heat map, the usage and the active share stay LISTA's. */
  gtk_widget_activate (panel_control (window, "switch-off"));
  off = wait_for_result (window, selected->serial);
  g_assert_nonnull (off->request.atom_gains);
  gains = g_bytes_get_data (off->request.atom_gains, &size);
  g_assert_cmpuint (size, ==, K * sizeof (float));
  for (int k = 0; k < K; k++)
    g_assert_cmpfloat (gains[k], ==, k == atom ? 0.f : 1.f);
  g_assert_true (pictures_differ (off->reconstruction, selected->reconstruction));
  g_assert_false (pictures_differ (off->activation, selected->activation));
  g_assert_cmpfloat (off->metrics.psnr, !=, selected->metrics.psnr);
  g_assert_cmpfloat (off->metrics.codes.active_fraction, ==, selected->metrics.codes.active_fraction);
  g_assert_cmpint (memcmp (off->usage, selected->usage, K * sizeof (ScvaeAtomUsage)), ==, 0);

  /* The inspector shows the code the decoder saw, and what each of its
   * strongest atoms adds. */
  after = inspect (window, row, col);
  g_assert_false (inspection_has_atom (after, atom));
  g_assert_cmpint (after->n_active, ==, before->n_active - 1);
  g_assert_cmpint (after->n_coded, ==, before->n_coded);
  g_assert_cmpint (after->n_contributions, ==, MIN (after->n_active, LENS_INSPECT_CONTRIBUTIONS));
  g_assert_cmpfloat (after->contribution_scale, >, 0.f);
  g_assert_true (shows_change (after->contributions[0]));

  /* A budget of one atom per patch on top of it. */
  gtk_range_set_value (GTK_RANGE (panel_control (window, "keep")), 1);
  kept = wait_for_result (window, off->serial);
  g_assert_cmpint (kept->request.keep, ==, 1);
  g_assert_true (pictures_differ (kept->reconstruction, off->reconstruction));
  budget = inspect (window, row, col);
  g_assert_cmpint (budget->n_active, ==, 1);
  g_assert_cmpint (budget->atoms[0], ==, after->atoms[0]);

  /* Doubling instead of switching off: another reconstruction again. */
  gtk_range_set_value (GTK_RANGE (panel_control (window, "gain")), 2.0);
  doubled = wait_for_result (window, kept->serial);
  gains = g_bytes_get_data (doubled->request.atom_gains, NULL);
  g_assert_cmpfloat (gains[atom], ==, 2.f);
  g_assert_true (pictures_differ (doubled->reconstruction, kept->reconstruction));

  /* Reset: exactly LISTA's reconstruction again. */
  gtk_widget_activate (panel_control (window, "reset"));
  reset = wait_for_result (window, doubled->serial);
  g_assert_null (reset->request.atom_gains);
  g_assert_cmpint (reset->request.keep, ==, 0);
  g_assert_false (pictures_differ (reset->reconstruction, selected->reconstruction));
  g_assert_cmpfloat (reset->metrics.psnr, ==, selected->metrics.psnr);

  g_settings_reset (window->settings, "working-size");
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  samples = samples_folder ();
  g_test_add_func ("/app/interventions", test_interventions);
  return g_test_run ();
}
