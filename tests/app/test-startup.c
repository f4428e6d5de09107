/* test-startup.c: the app starts whatever the remembered model is
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "last-model" setting named a model file whose header nests 80,000
 * deep, and the app crashed at every start, before a window a user could
 * use to open another model. Start-up now falls back to the default model
 * whenever the remembered one fails to load, and says why in a toast.
 */

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "lens-application.h"
#include "lens-window-private.h"
#include "shipped.h"
#include "app-test.h"

static char *tmp;

/* Starts the application as `sparse-lens` does, remembering last_model;
 * returns its window once a model is set. */
static LensWindow *
start (LensApplication **app, const char *last_model)
{
  g_autoptr(GSettings) settings = g_settings_new (LENS_APPLICATION_ID);
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  LensWindow *window;
  GList *windows;

  g_settings_set_string (settings, "last-model", last_model);
  *app = lens_application_new ();
  /* Each test its own instance, not a remote call to the first. */
  g_application_set_flags (G_APPLICATION (*app), G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN);
  g_assert_true (g_application_register (G_APPLICATION (*app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (*app));
  windows = gtk_application_get_windows (GTK_APPLICATION (*app));
  g_assert_nonnull (windows);
  window = LENS_WINDOW (windows->data);
  while (window->model == NULL && g_get_monotonic_time () < deadline)
    spin (10);
  g_assert_nonnull (window->model);
  spin (50);
  return window;
}

/* Closed as a user closes it: the window stops its engine thread (a
 * thread still computing when the process ends would crash it). */
static void
stop (LensApplication *app, LensWindow *window)
{
  gtk_window_close (GTK_WINDOW (window));
  spin (50);
  g_object_unref (app);
}

/* A model file whose header nests 80,000 deep (tools/make-bad-inputs). */
static char *
deep_json (void)
{
  return g_build_filename (g_getenv ("SCVAE_SAMPLES"), "..", "..", "tests", "data", "bad", "deep-nesting.safetensors",
                           NULL);
}

static void
assert_default_model (LensWindow *window)
{
  g_autofree char *expected = shipped_default_model_path (NULL);

  g_assert_nonnull (expected);
  g_assert_cmpstr (scvae_model_get_path (window->model), ==, expected);
}

static void
test_remembered_model_crashes_nothing_run (void)
{
  g_autofree char *deep = deep_json ();
  g_autofree char *expected = g_strdup_printf ("The last model could not be opened (%s: not a safetensors file: "
                                               "the header nests deeper than 3 levels): using the default model",
                                               deep);
  LensApplication *app;
  LensWindow *window = start (&app, deep);

  assert_default_model (window);
  g_assert_cmpstr (lens_window_get_last_toast (window), ==, expected);
  stop (app, window);
}

/* For any reason: a file that is gone says so too. */
static void
test_remembered_model_missing_run (void)
{
  g_autofree char *gone = g_build_filename (tmp, "gone.safetensors", NULL);
  g_autofree char *expected = g_strdup_printf ("The last model could not be opened (%s: no such file): "
                                               "using the default model", gone);
  LensApplication *app;
  LensWindow *window = start (&app, gone);

  assert_default_model (window);
  g_assert_cmpstr (lens_window_get_last_toast (window), ==, expected);
  stop (app, window);
}

/* A remembered model that loads is the one used, without a word. */
static void
test_remembered_model_loads_run (void)
{
  ScvaeConfig config = { .channels = 4, .atoms = 8, .lista_steps = 2, .beta = 0.1f, .gamma = 1.f };
  g_autoptr(ScvaeModel) model = scvae_model_new (&config, 1, NULL);
  g_autofree char *path = g_build_filename (tmp, "remembered.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  LensApplication *app;
  LensWindow *window;

  g_assert_true (scvae_model_save (model, path, &error));
  window = start (&app, path);
  g_assert_cmpstr (scvae_model_get_path (window->model), ==, path);
  g_assert_null (lens_window_get_last_toast (window));
  stop (app, window);
}

/* Each start in a process of its own, as a user's: one application per
 * process can be registered on the session bus. */
#define IN_SUBPROCESS(name) \
  static void \
  name (void) \
  { \
    if (g_test_subprocess ()) \
      { \
        name##_run (); \
        return; \
      } \
    g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR); \
    g_test_trap_assert_passed (); \
  }

IN_SUBPROCESS (test_remembered_model_crashes_nothing)
IN_SUBPROCESS (test_remembered_model_missing)
IN_SUBPROCESS (test_remembered_model_loads)

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  tmp = g_dir_make_tmp ("lens-startup-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/startup/remembered-model-crashes-nothing", test_remembered_model_crashes_nothing);
  g_test_add_func ("/startup/remembered-model-missing", test_remembered_model_missing);
  g_test_add_func ("/startup/remembered-model-loads", test_remembered_model_loads);
  status = g_test_run ();
  if (status == 0)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", tmp);
      (void) !system (command);
    }
  return status;
}
