/* lens-application.c: one application, one window, the default model
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lens-application.h"

#include <glib/gi18n.h>

#include "lens-preferences-window.h"
#include "lens-settings.h"
#include "shipped.h"
#include "lens-window.h"

struct _LensApplication {
  AdwApplication parent_instance;
  GSettings *settings;  /* NULL when the schema is not installed */
};

G_DEFINE_FINAL_TYPE (LensApplication, lens_application, ADW_TYPE_APPLICATION)

/* What start-up loads: a model, and why the remembered one was not it. */
typedef struct {
  ScvaeModel *model;
  GError *error;      /* no model at all */
  GError *last_error; /* the remembered model did not load */
} FirstModel;

static void
first_model_free (FirstModel *first)
{
  g_clear_pointer (&first->model, scvae_model_unref);
  g_clear_error (&first->error);
  g_clear_error (&first->last_error);
  g_free (first);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FirstModel, first_model_free)

static void
on_default_model (GObject *source, GAsyncResult *result, gpointer data)
{
  LensWindow *window = LENS_WINDOW (source);
  g_autoptr(FirstModel) first = g_task_propagate_pointer (G_TASK (result), NULL);
  g_autofree char *message = NULL;

  /* The window was closed meanwhile (the task was cancelled). */
  if (first == NULL || lens_window_is_closed (window))
    return;
  /* Whatever went wrong with the remembered model, the app starts, on
   * the default model, and says why. */
  if (first->last_error)
    {
      /* Translators: the %s says which file and what is wrong with it. */
      message = g_strdup_printf (_("The last model could not be opened (%s): using the default model"),
                                 first->last_error->message);
      lens_window_toast (window, message);
      g_clear_pointer (&message, g_free);
    }
  if (first->model == NULL)
    {
      /* The app stays usable: another model can be opened. */
      message = g_strdup_printf (_("No default model: %s"), first->error->message);
      lens_window_toast (window, message);
    }
  else if (lens_window_get_model (window) == NULL)
    {
      /* (A model given on the command line, loaded first, stays.) */
      lens_window_set_model (window, first->model);
    }
}

/* The model used last, if it still loads; else the shipped default. */
static void
load_first_model (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *last = task_data;
  FirstModel *first = g_new0 (FirstModel, 1);
  g_autofree char *path = NULL;

  if (last && *last)
    first->model = scvae_model_load (last, &first->last_error);
  if (first->model == NULL)
    {
      path = shipped_default_model_path (&first->error);
      first->model = path ? scvae_model_load (path, &first->error) : NULL;
    }
  g_task_return_pointer (task, first, (GDestroyNotify) first_model_free);
}

static LensWindow *
get_window (LensApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  g_autoptr(GTask) task = NULL;
  LensWindow *lens;

  if (window)
    return LENS_WINDOW (window);

  lens = lens_window_new (ADW_APPLICATION (self));
  task = g_task_new (lens, lens_window_get_cancellable (lens), on_default_model, NULL);
  g_task_set_source_tag (task, get_window);
  if (self->settings)
    g_task_set_task_data (task, g_settings_get_string (self->settings, "last-model"), g_free);
  g_task_run_in_thread (task, load_first_model);
  return lens;
}

static void
lens_application_activate (GApplication *app)
{
  gtk_window_present (GTK_WINDOW (get_window (LENS_APPLICATION (app))));
}

static void
lens_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  LensWindow *window = get_window (LENS_APPLICATION (app));
  GFile *image = NULL, *folder = NULL, *model = NULL, *comparison = NULL;

  /* One image at a time, one folder to survey and one model: the last ones
   * given (a model, as when dropped, by its .safetensors name). A second
   * model is one to compare with: `sparse-lens a.safetensors b.safetensors`. */
  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *name = g_file_get_basename (files[i]);

      if (g_file_query_file_type (files[i], G_FILE_QUERY_INFO_NONE, NULL) == G_FILE_TYPE_DIRECTORY)
        folder = files[i];
      else if (name && g_str_has_suffix (name, ".safetensors"))
        {
          if (model)
            comparison = files[i];
          else
            model = files[i];
        }
      else
        image = files[i];
    }
  if (model)
    lens_window_open_model (window, model);
  if (comparison)
    lens_window_open_comparison (window, comparison);
  if (image)
    lens_window_open_file (window, image);
  if (folder)
    lens_window_survey_folder (window, folder);
  gtk_window_present (GTK_WINDOW (window));
}

static void
about_action (GSimpleAction *action, GVariant *param, gpointer data)
{
  GtkApplication *app = data;
  static const char *developers[] = { "The Sparse Lens authors", NULL };
  const char *better = scvae_blas_preferred_core ();
  g_autofree char *hint = better ? g_strdup_printf ("This processor can run faster kernels: start Sparse Lens "
                                                    "with OPENBLAS_CORETYPE=%s\n", better)
                                 : NULL;
  g_autofree char *debug = g_strdup_printf ("Sparse Lens %s\nOpenBLAS kernels: %s, %d threads\n%s",
                                            PACKAGE_VERSION, scvae_blas_info (), scvae_get_threads (),
                                            hint ? hint : "");

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("Sparse Lens"),
                         "application-icon", LENS_APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "developer-name", _("The Sparse Lens authors"),
                         "developers", developers,
                         "comments", _("See what a sparse-coding variational autoencoder sees in an image"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "website", "https://github.com/sparselens/SparseLens",
                         "issue-url", "https://github.com/sparselens/SparseLens/issues",
                         "debug-info", debug,
                         NULL);
}

static void
preferences_action (GSimpleAction *action, GVariant *param, gpointer data)
{
  GtkApplication *app = data;

  gtk_window_present (GTK_WINDOW (lens_preferences_window_new (gtk_application_get_active_window (app))));
}

static void
quit_action (GSimpleAction *action, GVariant *param, gpointer data)
{
  GtkApplication *app = data;
  g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (app));

  /* Closed as the user would: each window stops its engine thread then. */
  for (GList *l = windows; l; l = l->next)
    gtk_window_close (l->data);
}

static void
lens_application_startup (GApplication *app)
{
  static const GActionEntry actions[] = {
    { "about", about_action },
    { "preferences", preferences_action },
    { "quit", quit_action },
  };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  LensApplication *self = LENS_APPLICATION (app);

  G_APPLICATION_CLASS (lens_application_parent_class)->startup (app);
  g_action_map_add_action_entries (G_ACTION_MAP (app), actions, G_N_ELEMENTS (actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", preferences_accels);

  self->settings = lens_settings_new ();
  if (self->settings)
    {
      lens_settings_follow_color_scheme (self->settings);
      /* Before the first engine call: OpenBLAS's pool is sized once. */
      scvae_set_threads (g_settings_get_int (self->settings, "engine-threads"));
    }
  else
    {
      /* Without the preferences action's settings, hide it. */
      g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (app), "preferences")), FALSE);
    }
}

static void
lens_application_dispose (GObject *object)
{
  g_clear_object (&LENS_APPLICATION (object)->settings);
  G_OBJECT_CLASS (lens_application_parent_class)->dispose (object);
}

static void
lens_application_class_init (LensApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lens_application_dispose;
  app_class->activate = lens_application_activate;
  app_class->open = lens_application_open;
  app_class->startup = lens_application_startup;
}

static void
lens_application_init (LensApplication *self)
{
}

LensApplication *
lens_application_new (void)
{
  return g_object_new (LENS_TYPE_APPLICATION,
                       "application-id", LENS_APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/sparselens/SparseLens",
                       NULL);
}
