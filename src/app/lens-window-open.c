/* lens-window-open.c: opening images and models
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything here finishes on the main loop after a thread; each callback
 * checks for G_IO_ERROR_CANCELLED first, as the window may be gone.
 */

#include "config.h"

#include "lens-window-private.h"

#include "lens-settings.h"

#include <glib/gi18n.h>

/* The model sees no transparency: say what it sees instead. */
static void
note_flattened (LensWindow *self, LensInput *input)
{
  g_autofree char *message = NULL;

  if (!input->flattened)
    return;
  /* Translators: the %s is the image's file name. */
  message = g_strdup_printf (_("%s has transparent areas: they are shown and measured on mid grey"), input->name);
  lens_window_toast (self, message);
}

void
lens_window_open_input (LensWindow *self, LensInput *input)
{
  g_clear_pointer (&self->input, lens_input_unref);
  self->input = lens_input_ref (input);
  adw_window_title_set_title (self->window_title, input->name);
  gtk_widget_queue_allocate (GTK_WIDGET (self)); /* its shape may want other view columns */
  lens_window_update_actions (self);
  lens_window_update (self);
  note_flattened (self, input);
}

static void
on_input_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(LensWindow) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LensInput) input = lens_input_load_finish (result, &error);

  if (lens_window_is_closed (self) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (input == NULL)
    {
      lens_window_toast (self, error->message);
      return;
    }
  if (input->file)
    {
      g_autofree char *uri = g_file_get_uri (input->file);
      gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
    }
  lens_window_open_input (self, input);
}

/* A new image replaces the one still loading. */
static GCancellable *
restart_loading (LensWindow *self)
{
  g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  self->loading = g_cancellable_new ();
  return self->loading;
}

void
lens_window_open_file (LensWindow *self, GFile *file)
{
  lens_input_load_async (file, lens_window_get_working_size (self), restart_loading (self), on_input_loaded,
                         g_object_ref (self));
}

/* ------------------------------------------------------------------------- */
/* Paste */

static void
on_texture_pasted (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(LensWindow) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &error);

  if (lens_window_is_closed (self) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (texture == NULL)
    {
      lens_window_toast (self, _("The clipboard holds no image"));
      return;
    }
  /* Read like a file: on a thread, within the same limits. */
  lens_input_new_from_texture_async (texture, _("Pasted image"), lens_window_get_working_size (self),
                                     restart_loading (self), on_input_loaded, g_object_ref (self));
}

static void
on_files_pasted (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(LensWindow) self = data;
  g_autoptr(GError) error = NULL;
  const GValue *value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (source), result, &error);
  GSList *files;

  if (lens_window_is_closed (self) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (value == NULL || (files = g_value_get_boxed (value)) == NULL)
    {
      lens_window_toast (self, _("The clipboard holds no image"));
      return;
    }
  lens_window_open_file (self, files->data);
}

void
lens_window_paste (LensWindow *self)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);

  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, self->cancellable,
                                    on_files_pasted, g_object_ref (self));
  else
    gdk_clipboard_read_texture_async (clipboard, self->cancellable, on_texture_pasted, g_object_ref (self));
}

/* ------------------------------------------------------------------------- */
/* Models */

static double *
parse_numbers (const char *text, int n)
{
  g_auto(GStrv) parts = text ? g_strsplit (text, ",", -1) : NULL;
  double *values;

  if (parts == NULL || (int) g_strv_length (parts) != n)
    return NULL;
  values = g_new (double, n);
  for (int i = 0; i < n; i++)
    values[i] = g_ascii_strtod (parts[i], NULL);
  return values;
}

static void
on_atoms_rendered (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(LensWindow) self = data;
  g_autoptr(GError) error = NULL;
  ScvaeDictionaryHealth health;
  g_autoptr(GPtrArray) surfaces = lens_worker_render_atoms_finish (LENS_WORKER (source), result, &health,
                                                                   &error);
  g_autofree double *stored = NULL;

  /* Cancelled when another model was opened, or the window closed. */
  if (lens_window_is_closed (self) || surfaces == NULL)
    return;
  lens_quality_panel_show_health (self->quality_panel, &health, scvae_model_get_config (self->model)->channels);
  stored = parse_numbers (scvae_model_get_metadata (self->model, "atom_usage"), surfaces->len);
  lens_atom_gallery_set_atoms (self->gallery, surfaces, stored, scvae_model_get_config (self->model)->bottleneck);
  lens_window_show_segment_atoms (self);
  lens_window_show_atom_usage (self);
}

/* Atoms are drawn at their typical coefficient on the validation photos
 * when the model stores it (see scvae_session_render_atom). */
static void
render_atoms (LensWindow *self)
{
  int K = scvae_model_get_config (self->model)->atoms;
  g_autofree double *mean_abs = parse_numbers (scvae_model_get_metadata (self->model, "atom_mean_abs"), K);
  g_autofree float *amplitudes = NULL;
  double typical = 0.0;
  int used = 0;

  if (mean_abs)
    {
      amplitudes = g_new (float, K);
      for (int k = 0; k < K; k++)
        if (mean_abs[k] > 0)
          typical += (mean_abs[k] - typical) / ++used;
      for (int k = 0; k < K; k++)
        amplitudes[k] = (float) (mean_abs[k] > 0 ? mean_abs[k] : typical);
    }
  g_cancellable_cancel (self->rendering_atoms);
  g_clear_object (&self->rendering_atoms);
  self->rendering_atoms = g_cancellable_new ();
  lens_atom_gallery_clear (self->gallery);
  lens_worker_render_atoms_async (self->worker, self->model, amplitudes, self->rendering_atoms,
                                  on_atoms_rendered, g_object_ref (self));
}

/* Sparsity and depth are LISTA's: for the baselines they are greyed out,
 * and the group says why. */
static void
show_coding_controls (LensWindow *self, ScvaeBottleneck bottleneck)
{
  const char *why = NULL;

  if (bottleneck == SCVAE_BOTTLENECK_VQ)
    why = _("This VQ model codes each patch by its nearest code: it has no sparsity or depth to set");
  else if (bottleneck == SCVAE_BOTTLENECK_GAUSSIAN)
    why = _("This Gaussian model's code is its mean: it has no sparsity or depth to set");
  gtk_widget_set_sensitive (self->sparsity_scale, why == NULL);
  gtk_widget_set_sensitive (self->depth_scale, why == NULL);
  adw_preferences_group_set_description (self->coding_group, why);
}

void
lens_window_set_model (LensWindow *self, ScvaeModel *model)
{
  const ScvaeConfig *config = scvae_model_get_config (model);
  const char *path = scvae_model_get_path (model);
  g_autofree char *name = NULL, *subtitle = NULL;

  if (self->model == model)
    return;
  g_clear_pointer (&self->model, scvae_model_unref);
  self->model = scvae_model_ref (model);
  g_clear_pointer (&self->selected_atoms, g_bytes_unref);
  lens_intervention_panel_set_selection (self->intervention_panel, NULL);
  /* A collection's statistics are of the model that surveyed it */
  lens_window_close_collection (self);
  lens_intervention_panel_set_n_atoms (self->intervention_panel, config->atoms);

  name = path ? g_path_get_basename (path) : g_strdup (_("Untitled model"));
  switch (config->bottleneck)
    {
    case SCVAE_BOTTLENECK_LISTA:
      subtitle = g_strdup_printf (_("%s · C=%d, K=%d, T=%d"), name, config->channels, config->atoms,
                                  config->lista_steps);
      break;
    case SCVAE_BOTTLENECK_VQ:
      /* Translators: a VQ-VAE with C latent channels and a codebook of K codes. */
      subtitle = g_strdup_printf (_("%s · VQ, C=%d, K=%d"), name, config->channels, config->atoms);
      break;
    case SCVAE_BOTTLENECK_GAUSSIAN:
      /* Translators: a Gaussian VAE with C latent channels. */
      subtitle = g_strdup_printf (_("%s · Gaussian, C=%d"), name, config->channels);
      break;
    }
  adw_window_title_set_subtitle (self->window_title, subtitle);
  show_coding_controls (self, config->bottleneck);
  lens_quality_panel_show_model (self->quality_panel, model);
  /* The depth slider starts at the depth chosen before, else the trained one. */
  gtk_adjustment_set_value (self->depth_adjustment,
                            self->settings ? lens_settings_get_depth (self->settings, config->lista_steps)
                                           : config->lista_steps);

  render_atoms (self);
  lens_window_update_actions (self);
  lens_window_update (self);
  if (self->folder_to_survey)
    {
      g_autoptr(GFile) folder = g_steal_pointer (&self->folder_to_survey);

      lens_window_survey_folder (self, folder);
    }
}

static void
load_model_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  g_autofree char *path = g_file_get_path (task_data);
  GError *error = NULL;
  ScvaeModel *model = path ? scvae_model_load (path, &error) : NULL;

  if (path == NULL)
    g_task_return_new_error (task, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT, _("Only local model files can be opened"));
  else if (model == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, model, (GDestroyNotify) scvae_model_unref);
}

/* The model of a load_model task; NULL (having said why) when it failed. */
static ScvaeModel *
load_model_finish (LensWindow *self, GAsyncResult *result)
{
  g_autoptr(GError) error = NULL;
  ScvaeModel *model = g_task_propagate_pointer (G_TASK (result), &error);

  if (lens_window_is_closed (self) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NULL;
  if (model == NULL)
    lens_window_toast (self, error->message);
  return model;
}

static void
load_model (LensWindow *self, GFile *file, gpointer source_tag, GAsyncReadyCallback callback)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, callback, NULL);

  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_set_source_tag (task, source_tag);
  g_task_run_in_thread (task, load_model_in_thread);
}

static void
on_model_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  LensWindow *self = LENS_WINDOW (source);
  g_autoptr(ScvaeModel) model = load_model_finish (self, result);

  if (model == NULL)
    return;
  lens_window_set_model (self, model);
  if (self->settings && scvae_model_get_path (model))
    g_settings_set_string (self->settings, "last-model", scvae_model_get_path (model));
}

void
lens_window_open_model (LensWindow *self, GFile *file)
{
  load_model (self, file, lens_window_open_model, on_model_loaded);
}

/* ------------------------------------------------------------------------- */
/* A model to compare with */

void
lens_window_set_comparison (LensWindow *self, ScvaeModel *model)
{
  if (self->comparison_model == model)
    return;
  g_clear_pointer (&self->comparison_model, scvae_model_unref);
  if (model)
    self->comparison_model = scvae_model_ref (model);
  else
    lens_comparison_page_clear (self->comparison_page);
  gtk_widget_set_visible (self->comparison_toggle, model != NULL);
  gtk_widget_set_visible (self->bottom_comparison_toggle, model != NULL);
  g_action_group_change_action_state (G_ACTION_GROUP (self), "view", g_variant_new_string (model ? "models" : "all"));
  lens_window_update_actions (self);
  lens_window_update (self);
}

static void
on_comparison_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  LensWindow *self = LENS_WINDOW (source);
  g_autoptr(ScvaeModel) model = load_model_finish (self, result);

  if (model)
    lens_window_set_comparison (self, model);
}

void
lens_window_open_comparison (LensWindow *self, GFile *file)
{
  load_model (self, file, lens_window_open_comparison, on_comparison_loaded);
}
