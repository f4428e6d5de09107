/* lens-window.c: views, controls and results
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lens-window-private.h"

#include "lens-settings.h"

#include <glib/gi18n.h>
#include <math.h>

/* A spinner for work that would otherwise look like nothing happens. */
#define BUSY_DELAY_MS 150

G_DEFINE_FINAL_TYPE (LensWindow, lens_window, ADW_TYPE_APPLICATION_WINDOW)

void
lens_window_toast (LensWindow *self, const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  g_free (self->last_toast);
  self->last_toast = g_strdup (message);
  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

LensRequest
lens_window_current_request (LensWindow *self)
{
  return (LensRequest) {
    .model = self->model,
    .input = self->input,
    .depth = (int) lround (gtk_adjustment_get_value (self->depth_adjustment)),
    .sparsity = (float) gtk_adjustment_get_value (self->sparsity_adjustment),
    .mode = (LensActivationMode) gtk_drop_down_get_selected (self->mode_dropdown),
    .colormap = self->settings ? (LensColormap) g_settings_get_enum (self->settings, "heatmap-colormap")
                               : LENS_COLORMAP_VIRIDIS,
    .atoms = self->selected_atoms,
    .segment = gtk_switch_get_active (self->segments_switch),
    .segment_options = {
      .k = (int) gtk_adjustment_get_value (self->k_adjustment),
      .features = (ScvaeSegmentFeatures) adw_combo_row_get_selected (self->features_row),
      .smooth_radius = (int) gtk_adjustment_get_value (self->smooth_adjustment),
      .n_restarts = 4,
      .seed = self->seed,
    },
  };
}

void
lens_window_update (LensWindow *self)
{
  LensRequest request = lens_window_current_request (self);

  if (request.model && request.input)
    lens_worker_submit (self->worker, &request);
}

/* ------------------------------------------------------------------------- */
/* Showing results */

static void
log_latency (GdkFrameClock *clock, LensWindow *self)
{
  LensResult *shown = self->preview ? self->preview : self->result;
  gint64 submitted;

  g_signal_handlers_disconnect_by_func (clock, log_latency, self);
  if (shown == NULL)
    return;
  submitted = shown->submitted_us;
  self->last_latency_ms = (g_get_monotonic_time () - submitted) / 1000.0;
  if (shown->preview)
    self->painted_preview_serial = shown->serial;
  else
    self->painted_serial = shown->serial;
  if (self->latency_log)
    {
      fprintf (self->latency_log, "%" G_GUINT64_FORMAT " %.3f %.3f%s\n", shown->serial,
               self->last_latency_ms, shown->compute_ms, shown->preview ? " preview" : "");
      fflush (self->latency_log);
    }
}

/* Latency: from the request to the frame that shows its result. */
static void
log_latency_at_next_paint (LensWindow *self)
{
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (self)), "after-paint",
                    G_CALLBACK (log_latency), self);
}

static void
show_pictures (LensWindow *self)
{
  LensResult *r = self->result, *shown = self->preview ? self->preview : self->result;
  gboolean residual = gtk_toggle_button_get_active (self->residual_button);
  gboolean compare = gtk_toggle_button_get_active (self->compare_button);

  if (r == NULL)
    return;
  lens_image_view_set_picture (self->input_view, r->input_picture);
  lens_image_view_set_picture (self->reconstruction_view, residual ? shown->residual : shown->reconstruction);
  lens_image_view_set_before (self->reconstruction_view, compare ? r->input_picture : NULL);
  lens_image_view_set_picture (self->activation_view, shown->activation);
  lens_legend_set_scale (self->legend, &shown->activation_scale,
                         shown->request.mode == LENS_ACTIVATION_COUNT ? 0 : 2);
  lens_image_view_set_marks (self->input_view, r->top_patches, r->n_top_patches, r->cols);
}

/* The segments over the input: a translucent colour per visible segment,
 * one pixel per patch, and borders between segments. */
static void
show_segments (LensWindow *self)
{
  int rows, cols, n = lens_segmentation_get_n_segments (self->segmentation);
  const guint8 *labels = n ? lens_segmentation_get_labels (self->segmentation, &rows, &cols) : NULL;
  g_autoptr(LensPicture) overlay = NULL;
  cairo_surface_t *surface;
  guint32 *pixels;
  int stride;

  lens_segment_legend_refresh (self->segment_legend);
  if (labels == NULL || !gtk_switch_get_active (self->segments_switch))
    {
      lens_image_view_set_overlay (self->input_view, NULL, 0, NULL, 0, 0);
      return;
    }
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, cols, rows);
  pixels = (guint32 *) cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface) / 4;
  for (int y = 0; y < rows; y++)
    for (int x = 0; x < cols; x++)
      {
        const LensSegment *segment = lens_segmentation_get_segment (self->segmentation, labels[y * cols + x]);

        pixels[y * stride + x] = segment->visible ? 0xff000000u | (guint32) segment->rgb[0] << 16
                                                    | (guint32) segment->rgb[1] << 8 | segment->rgb[2]
                                                  : 0;
      }
  cairo_surface_mark_dirty (surface);
  overlay = lens_picture_new (surface, 4);
  lens_image_view_set_overlay (self->input_view, overlay, gtk_adjustment_get_value (self->opacity_adjustment),
                               labels, rows, cols);
}

static void
set_label_printf (GtkLabel *label, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
set_label_printf (GtkLabel *label, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  gtk_label_set_label (label, text);
}

static void
update_status (LensWindow *self)
{
  LensResult *r = self->result;
  int row, col;
  g_autoptr(GString) status = g_string_new (NULL);
  const ScvaeImage *image;

  if (r == NULL)
    return;
  image = r->request.input->image;
  g_string_append_printf (status, _("%d×%d px"), r->request.input->source_width, r->request.input->source_height);
  if (lens_input_is_downscaled (r->request.input))
    g_string_append_printf (status, _(" · working size %d×%d"), image->width, image->height);
  g_string_append_printf (status, _(" · %.1f %% of codes active · %d atoms used · updated in %.0f ms"),
                          100 * r->metrics.codes.active_fraction, r->metrics.codes.atoms_used,
                          self->last_latency_ms > 0 ? self->last_latency_ms : r->compute_ms);
  if (self->preview)
    g_string_append (status, _(" · preview at half size"));

  lens_viewport_get_hover (self->viewport, &row, &col);
  if (row >= 0 && col >= 0 && row < r->rows && col < r->cols)
    {
      float value = r->activation_values[(gsize) row * r->cols + col];

      g_string_append_printf (status, _(" · patch (%d, %d): "), row, col);
      if (r->request.mode == LENS_ACTIVATION_COUNT)
        g_string_append_printf (status, ngettext ("%.0f active atom", "%.0f active atoms", (gulong) value), value);
      else if (r->request.mode == LENS_ACTIVATION_L1)
        g_string_append_printf (status, _("L1 norm %.3f"), value);
      else
        g_string_append_printf (status, _("selected atoms %.3f"), value);
    }
  gtk_label_set_label (self->status_label, status->str);
}

static void
show_atom_usage (LensWindow *self)
{
  if (self->result)
    lens_atom_gallery_set_usage (self->gallery, self->result->usage,
                                 scvae_model_get_config (self->result->request.model)->atoms,
                                 (guint) self->result->rows * self->result->cols);
}

static void
on_result (LensWorker *worker, LensResult *result, LensWindow *self)
{
  const ScvaeMetrics *m = &result->metrics;

  /* Computed before another model was opened: stale. */
  if (result->request.model != self->model)
    return;
  if (result->preview)
    {
      if (self->result == NULL || result->request.input != self->input)
        return;
      g_clear_pointer (&self->preview, lens_result_unref);
      self->preview = lens_result_ref (result);
      show_pictures (self);
      update_status (self);
      log_latency_at_next_paint (self);
      return;
    }
  g_clear_pointer (&self->preview, lens_result_unref);
  g_clear_pointer (&self->result, lens_result_unref);
  self->result = lens_result_ref (result);

  lens_viewport_set_image_size (self->viewport, result->request.input->image->width, result->request.input->image->height);
  show_pictures (self);

  set_label_printf (self->quality_label, _("PSNR %.2f dB · SSIM %.3f"), m->psnr, m->ssim);
  set_label_printf (self->psnr_value, _("%.2f dB"), m->psnr);
  set_label_printf (self->ssim_value, "%.4f", m->ssim);
  set_label_printf (self->active_value, _("%.2f %%"), 100 * m->codes.active_fraction);
  set_label_printf (self->per_patch_value, "%g", m->codes.atoms_per_patch_median);
  set_label_printf (self->hoyer_value, "%.3f", m->codes.hoyer);
  set_label_printf (self->atoms_value, _("%d of %d"), m->codes.atoms_used, scvae_model_get_config (result->request.model)->atoms);
  set_label_printf (self->dense_value, "%d", m->codes.dense_atoms);
  set_label_printf (self->lasso_value, "%.4f", m->lasso);
  if (lens_input_is_downscaled (result->request.input))
    set_label_printf (self->input_caption, _("%d×%d px, shown at %d×%d"), result->request.input->source_width,
                      result->request.input->source_height, result->request.input->image->width,
                      result->request.input->image->height);
  else
    set_label_printf (self->input_caption, _("%d×%d px"), result->request.input->image->width,
                      result->request.input->image->height);

  gtk_stack_set_visible_child_name (self->stack, "main");
  update_status (self);
  show_atom_usage (self);
  if (result->labels)
    lens_segmentation_set_labels (self->segmentation, result->labels, result->rows, result->cols,
                                  result->request.segment_options.k);
  else
    lens_segmentation_clear (self->segmentation);
  show_segments (self);

  log_latency_at_next_paint (self);
}

static void
on_failed (LensWorker *worker, const GError *error, LensWindow *self)
{
  lens_window_toast (self, error->message);
}

static gboolean
show_spinner (gpointer data)
{
  LensWindow *self = data;

  self->busy_timeout = 0;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), TRUE);
  return G_SOURCE_REMOVE;
}

static void
on_busy_changed (LensWorker *worker, GParamSpec *pspec, LensWindow *self)
{
  g_clear_handle_id (&self->busy_timeout, g_source_remove);
  if (lens_worker_get_busy (worker))
    self->busy_timeout = g_timeout_add (BUSY_DELAY_MS, show_spinner, self);
  else
    gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
}

/* ------------------------------------------------------------------------- */
/* Inputs and models */

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
  lens_window_update (self);
  note_flattened (self, input);
}

static void
show_model (LensWindow *self)
{
  const ScvaeConfig *config = scvae_model_get_config (self->model);
  const char *path = scvae_model_get_path (self->model);
  const char *data = scvae_model_get_metadata (self->model, "data");
  const char *steps = scvae_model_get_metadata (self->model, "steps");
  g_autofree char *name = path ? g_path_get_basename (path) : g_strdup (_("Untitled model"));
  g_autofree char *subtitle = g_strdup_printf (_("%s · C=%d, K=%d, T=%d"), name, config->channels,
                                               config->atoms, config->lista_steps);
  g_autofree char *beta = scvae_format_float (config->beta);

  adw_window_title_set_subtitle (self->window_title, subtitle);
  set_label_printf (self->channels_value, "%d", config->channels);
  set_label_printf (self->atoms_count_value, "%d", config->atoms);
  set_label_printf (self->depth_value, "%d", config->lista_steps);
  gtk_label_set_label (self->beta_value, beta);
  if (data && steps)
    set_label_printf (self->data_value, _("%s (%s steps)"), data, steps);
  else
    gtk_label_set_label (self->data_value, data ? data : _("unknown"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->data_value), data);

  /* The depth slider starts at the depth chosen before, else the trained one. */
  gtk_adjustment_set_value (self->depth_adjustment,
                            self->settings ? lens_settings_get_depth (self->settings, config->lista_steps)
                                           : config->lista_steps);
}

int
lens_window_get_working_size (LensWindow *self)
{
  return self->settings ? g_settings_get_int (self->settings, "working-size") : LENS_WORKING_SIZE_DEFAULT;
}

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

  /* Cancelled when another model was opened. */
  if (surfaces == NULL || self->model == NULL)
    return;
  set_label_printf (self->spread_value, _("%.1f of %d"), health.effective_rank,
                    scvae_model_get_config (self->model)->channels);
  set_label_printf (self->twins_value, _("%.2f %%"), 100 * health.pairs_cos_above_0_9);
  stored = parse_numbers (scvae_model_get_metadata (self->model, "atom_usage"), surfaces->len);
  lens_atom_gallery_set_atoms (self->gallery, surfaces, stored);
  show_atom_usage (self);
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
  gtk_label_set_label (self->spread_value, "—");
  gtk_label_set_label (self->twins_value, "—");
  lens_worker_render_atoms_async (self->worker, self->model, amplitudes, self->rendering_atoms,
                                  on_atoms_rendered, g_object_ref (self));
}

void
lens_window_set_model (LensWindow *self, ScvaeModel *model)
{
  if (self->model == model)
    return;
  g_clear_pointer (&self->model, scvae_model_unref);
  self->model = scvae_model_ref (model);
  g_clear_pointer (&self->selected_atoms, g_bytes_unref);
  show_model (self);
  render_atoms (self);
  lens_window_update (self);
}

static void
on_input_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(LensWindow) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LensInput) input = lens_input_load_finish (result, &error);

  if (input == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
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

void
lens_window_open_file (LensWindow *self, GFile *file)
{
  g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  self->loading = g_cancellable_new ();
  lens_input_load_async (file, lens_window_get_working_size (self), self->loading, on_input_loaded,
                         g_object_ref (self));
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

static void
on_model_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  LensWindow *self = LENS_WINDOW (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeModel) model = g_task_propagate_pointer (G_TASK (result), &error);

  if (model == NULL)
    {
      lens_window_toast (self, error->message);
      return;
    }
  lens_window_set_model (self, model);
  if (self->settings && scvae_model_get_path (model))
    g_settings_set_string (self->settings, "last-model", scvae_model_get_path (model));
}

void
lens_window_open_model (LensWindow *self, GFile *file)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, on_model_loaded, NULL);

  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, load_model_in_thread);
}

/* ------------------------------------------------------------------------- */
/* Controls */

static void
on_control_changed (LensWindow *self)
{
  lens_window_update (self);
}

static void
on_depth_changed (LensWindow *self)
{
  if (self->settings && self->model)
    lens_settings_set_depth (self->settings, (int) gtk_adjustment_get_value (self->depth_adjustment),
                             scvae_model_get_config (self->model)->lista_steps);
  lens_window_update (self);
}

static void
on_atoms_selected (LensWindow *self)
{
  g_clear_pointer (&self->selected_atoms, g_bytes_unref);
  self->selected_atoms = lens_atom_gallery_get_selection (self->gallery);
  /* Selecting atoms shows where they fire; clearing returns to the counts. */
  if (self->selected_atoms)
    gtk_drop_down_set_selected (self->mode_dropdown, LENS_ACTIVATION_ATOMS);
  else if (gtk_drop_down_get_selected (self->mode_dropdown) == LENS_ACTIVATION_ATOMS)
    gtk_drop_down_set_selected (self->mode_dropdown, LENS_ACTIVATION_COUNT);
  lens_window_update (self);
}

static void
on_segments_edited (LensWindow *self)
{
  show_segments (self);
}

static void
on_features_for_split (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(LensWindow) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) features = lens_worker_features_finish (LENS_WORKER (source), result, &error);
  int index = GPOINTER_TO_INT (g_object_steal_data (G_OBJECT (self), "split-index"));
  int rows, cols;
  gsize size;
  const float *data_features;

  if (features == NULL)
    {
      lens_window_toast (self, error->message);
      return;
    }
  lens_segmentation_get_labels (self->segmentation, &rows, &cols);
  data_features = g_bytes_get_data (features, &size);
  if (rows * cols == 0
      || !lens_segmentation_split (self->segmentation, index, data_features,
                                   (int) (size / sizeof (float) / ((gsize) rows * cols)), self->seed))
    lens_window_toast (self, _("This segment cannot be split further"));
  show_segments (self);
}

static void
on_split_requested (LensWindow *self, int index)
{
  LensRequest request = lens_window_current_request (self);

  if (self->input == NULL || self->model == NULL)
    return;
  g_object_set_data (G_OBJECT (self), "split-index", GINT_TO_POINTER (index));
  lens_worker_features_async (self->worker, &request, on_features_for_split, g_object_ref (self));
}

/* ------------------------------------------------------------------------- */
/* The patch inspector */

static void
on_inspected (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(LensWindow) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LensInspection) inspection = lens_worker_inspect_finish (LENS_WORKER (source), result, &error);

  if (inspection == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        lens_window_toast (self, error->message);
      return;
    }
  lens_patch_inspector_set_inspection (self->inspector, inspection, self->gallery);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->inspector)))
    gtk_popover_popup (GTK_POPOVER (self->inspector));
}

static void
inspect (LensWindow *self)
{
  LensRequest request = lens_window_current_request (self);

  if (self->input == NULL || self->model == NULL)
    return;
  lens_worker_inspect_async (self->worker, &request, self->inspected_row, self->inspected_col,
                             lens_patch_inspector_get_top_m (self->inspector), on_inspected,
                             g_object_ref (self));
}

static void
on_patch_activated (LensImageView *view, int row, int col, double x, double y, LensWindow *self)
{
  graphene_point_t point;

  self->inspected_row = row;
  self->inspected_col = col;
  /* The popover lives on the window and points at the click. */
  if (!gtk_widget_compute_point (GTK_WIDGET (view), GTK_WIDGET (self), &GRAPHENE_POINT_INIT (x, y), &point))
    return;
  gtk_popover_set_pointing_to (GTK_POPOVER (self->inspector),
                               &(GdkRectangle) { (int) point.x - 4, (int) point.y - 4, 8, 8 });
  inspect (self);
}

static void
on_view_toggled (LensWindow *self)
{
  show_pictures (self);
}

static GtkLabel *
add_row (AdwPreferencesGroup *group, const char *title, const char *subtitle)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  GtkWidget *value = gtk_label_new ("—");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle)
    adw_action_row_set_subtitle (row, subtitle);
  gtk_label_set_ellipsize (GTK_LABEL (value), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (value), 18);
  gtk_widget_add_css_class (value, "numeric");
  gtk_widget_add_css_class (value, "dim-label");
  adw_action_row_add_suffix (row, value);
  adw_preferences_group_add (group, GTK_WIDGET (row));
  return GTK_LABEL (value);
}

static char *
sample_folder (void)
{
  g_autofree char *installed = g_build_filename (PKGDATADIR, "samples", NULL);

  if (g_file_test (installed, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&installed);
  return g_build_filename (SOURCE_DATADIR, "samples", NULL);
}

static void
on_thumbnail_clicked (GtkButton *button, LensWindow *self)
{
  const char *path = g_object_get_data (G_OBJECT (button), "path");
  g_autoptr(GFile) file = g_file_new_for_path (path);

  lens_window_open_file (self, file);
}

/* A button with a thumbnail and a caption that opens path. */
static gboolean
add_thumbnail (LensWindow *self, GtkBox *box, const char *path, const char *caption)
{
  g_autoptr(GdkPixbuf) thumbnail = gdk_pixbuf_new_from_file_at_scale (path, 128, 96, TRUE, NULL);
  GtkWidget *button, *content, *picture, *label;

  if (thumbnail == NULL)
    return FALSE;
  button = gtk_button_new ();
  content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  picture = gtk_picture_new_for_pixbuf (thumbnail);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), FALSE);
  gtk_picture_set_alternative_text (GTK_PICTURE (picture), caption);
  label = gtk_label_new (caption);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 16);
  gtk_box_append (GTK_BOX (content), picture);
  gtk_box_append (GTK_BOX (content), label);
  gtk_button_set_child (GTK_BUTTON (button), content);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, path);
  g_object_set_data_full (G_OBJECT (button), "path", g_strdup (path), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (on_thumbnail_clicked), self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, caption, -1);
  gtk_box_append (box, button);
  return TRUE;
}

static void
add_samples (LensWindow *self)
{
  static const char *names[] = { "astronaut.jpg", "coffee.jpg", "chelsea.jpg", "rocket.jpg" };
  g_autofree char *folder = sample_folder ();

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (folder, names[i], NULL);
      g_autofree char *caption = g_strndup (names[i], strlen (names[i]) - 4);

      caption[0] = g_ascii_toupper (caption[0]);
      add_thumbnail (self, self->samples_box, path, caption);
    }
}

static int
newest_first (gconstpointer a, gconstpointer b)
{
  GDateTime *x = gtk_recent_info_get_modified ((GtkRecentInfo *) a);
  GDateTime *y = gtk_recent_info_get_modified ((GtkRecentInfo *) b);

  return g_date_time_compare (y, x);
}

static void
add_recent (LensWindow *self)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  int shown = 0;

  items = g_list_sort (items, newest_first);
  for (GList *l = items; l && shown < 4; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      g_autofree char *path = NULL;

      if (!g_str_has_prefix (gtk_recent_info_get_mime_type (info), "image/")
          || !gtk_recent_info_is_local (info) || !gtk_recent_info_exists (info))
        continue;
      path = g_filename_from_uri (gtk_recent_info_get_uri (info), NULL, NULL);
      if (path && add_thumbnail (self, self->recent_box, path, gtk_recent_info_get_display_name (info)))
        shown++;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->recent_label), shown > 0);
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

static gboolean
on_close_request (LensWindow *self)
{
  /* Stop the engine before the widgets go: it joins within one LISTA step
   * or layer. */
  g_cancellable_cancel (self->loading);
  lens_worker_shutdown (self->worker);
  return FALSE;
}

static void
on_hover_changed (LensWindow *self)
{
  update_status (self);
}

static void
lens_window_dispose (GObject *object)
{
  LensWindow *self = LENS_WINDOW (object);

  if (self->worker)
    {
      g_signal_handlers_disconnect_by_data (self->worker, self);
      lens_worker_shutdown (self->worker);
    }
  g_clear_object (&self->worker);
  g_clear_handle_id (&self->busy_timeout, g_source_remove);
  g_clear_handle_id (&self->view_columns_idle, g_source_remove);
  g_clear_object (&self->viewport);
  g_clear_pointer (&self->model, scvae_model_unref);
  g_clear_pointer (&self->input, lens_input_unref);
  g_clear_pointer (&self->preview, lens_result_unref);
  g_clear_pointer (&self->result, lens_result_unref);
  if (self->loading)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  g_clear_object (&self->rendering_atoms);
  g_clear_pointer (&self->latency_log, fclose);
  g_clear_pointer (&self->last_toast, g_free);
  if (self->settings)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->selected_atoms, g_bytes_unref);
  if (self->inspector)
    gtk_widget_unparent (GTK_WIDGET (self->inspector));
  self->inspector = NULL;
  if (self->segment_legend)
    lens_segment_legend_set_segmentation (self->segment_legend, NULL);
  g_clear_pointer (&self->segmentation, lens_segmentation_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), LENS_TYPE_WINDOW);

  G_OBJECT_CLASS (lens_window_parent_class)->dispose (object);
}

/* ------------------------------------------------------------------------- */
/* Layout of the three image views */

/* How many views per row show the image largest in a width x height area:
 * three side by side suit a wide window or a tall image, two and one below
 * a landscape photo in a window of the usual shape. chrome_w and chrome_h
 * are what a view's caption and header take beside the image. */
static int
best_view_columns (int width, int height, int chrome_w, int chrome_h, int image_w, int image_h)
{
  const int n_views = 3, spacing = 12;
  double best_scale = 0;
  int best = n_views;

  for (int columns = n_views; columns >= 1; columns--)
    {
      int rows = (n_views + columns - 1) / columns;
      double cell_w = (double) (width - (columns - 1) * spacing) / columns - chrome_w;
      double cell_h = (double) (height - (rows - 1) * spacing) / rows - chrome_h;
      double scale = MIN (cell_w / image_w, cell_h / image_h);

      /* Fewer columns only for a clearly larger picture: at about the same
       * size, one row keeps all three views side by side. */
      if (scale > best_scale * 1.05)
        best_scale = scale, best = columns;
    }
  return best;
}

static gboolean
apply_view_columns (gpointer data)
{
  LensWindow *self = data;

  self->view_columns_idle = 0;
  /* Only the maximum: the flow box still puts fewer in a row that is too
   * narrow, and the window can still be made narrower. */
  gtk_flow_box_set_max_children_per_line (self->views, self->view_columns);
  return G_SOURCE_REMOVE;
}

static void
lens_window_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  LensWindow *self = LENS_WINDOW (widget);
  GtkWidget *views = GTK_WIDGET (self->views), *view = GTK_WIDGET (self->input_view);
  GtkWidget *cell = gtk_widget_get_parent (view); /* the view with its header and caption */
  int columns;

  GTK_WIDGET_CLASS (lens_window_parent_class)->size_allocate (widget, width, height, baseline);
  if (self->input == NULL || !gtk_widget_get_mapped (views) || gtk_widget_get_width (view) <= 0)
    return;
  columns = best_view_columns (gtk_widget_get_width (views), gtk_widget_get_height (views),
                               gtk_widget_get_width (cell) - gtk_widget_get_width (view),
                               gtk_widget_get_height (cell) - gtk_widget_get_height (view),
                               self->input->image->width, self->input->image->height);
  /* Changing the flow box while it is being allocated would be ignored
   * until the next layout: change it just after. */
  if (columns != self->view_columns && self->view_columns_idle == 0)
    {
      self->view_columns = columns;
      self->view_columns_idle = g_idle_add (apply_view_columns, self);
    }
}

static void
lens_window_class_init (LensWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lens_window_dispose;
  widget_class->size_allocate = lens_window_size_allocate;

  g_type_ensure (LENS_TYPE_IMAGE_VIEW);
  g_type_ensure (LENS_TYPE_LEGEND);
  g_type_ensure (LENS_TYPE_ATOM_GALLERY);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sparselens/SparseLens/lens-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LensWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, samples_box);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, recent_label);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, recent_box);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, views);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, input_view);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, reconstruction_view);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, activation_view);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, input_caption);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, quality_label);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, compare_button);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, residual_button);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, mode_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, gallery);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, segments_switch);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, k_adjustment);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, features_row);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, smooth_adjustment);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, opacity_adjustment);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, legend_box);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, legend);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, sparsity_adjustment);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, depth_adjustment);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, metrics_group);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, model_group);

  lens_window_install_actions (widget_class);
}

static void
lens_window_init (LensWindow *self)
{
  const char *log_path = g_getenv ("LENS_LATENCY_LOG");

  gtk_widget_init_template (GTK_WIDGET (self));

  self->psnr_value = add_row (self->metrics_group, _("PSNR"), NULL);
  self->ssim_value = add_row (self->metrics_group, _("SSIM"), NULL);
  self->active_value = add_row (self->metrics_group, _("Active codes"), _("Non-zero coefficients"));
  self->per_patch_value = add_row (self->metrics_group, _("Atoms per patch"), _("Median of the active atoms"));
  self->hoyer_value = add_row (self->metrics_group, _("Hoyer sparsity"), _("1: one atom per patch, 0: all equal"));
  self->atoms_value = add_row (self->metrics_group, _("Atoms used"), _("Active in at least one patch"));
  self->dense_value = add_row (self->metrics_group, _("Dense atoms"), _("Active in more than half the patches"));
  self->lasso_value = add_row (self->metrics_group, _("Lasso objective"), _("½‖e − Dz‖² + λ‖z‖₁ per patch"));
  self->channels_value = add_row (self->model_group, _("Channels"), _("Feature size C"));
  self->atoms_count_value = add_row (self->model_group, _("Atoms"), _("Dictionary size K"));
  self->depth_value = add_row (self->model_group, _("Trained depth"), _("LISTA steps T"));
  self->beta_value = add_row (self->model_group, _("β"), _("Sparsity weight"));
  self->spread_value = add_row (self->model_group, _("Dictionary spread"), _("Effective rank of the atoms"));
  self->twins_value = add_row (self->model_group, _("Near-duplicate atoms"), _("Pairs with |cos| above 0.9"));
  self->data_value = add_row (self->model_group, _("Training data"), NULL);

  {
    /* The segmentation defaults are the engine's, measured best by
     * tools/bench/segmentation; the combo lists the features in enum order. */
    ScvaeSegmentOptions defaults;

    scvae_segment_options_init_default (&defaults);
    adw_combo_row_set_selected (self->features_row, defaults.features);
    gtk_adjustment_set_value (self->smooth_adjustment, defaults.smooth_radius);
  }

  self->viewport = lens_viewport_new ();
  lens_image_view_set_viewport (self->input_view, self->viewport);
  lens_image_view_set_viewport (self->reconstruction_view, self->viewport);
  lens_image_view_set_viewport (self->activation_view, self->viewport);
  g_signal_connect_swapped (self->viewport, "hover-changed", G_CALLBACK (on_hover_changed), self);

  self->worker = lens_worker_new ();
  g_signal_connect (self->worker, "result", G_CALLBACK (on_result), self);
  g_signal_connect (self->worker, "failed", G_CALLBACK (on_failed), self);
  g_signal_connect (self->worker, "notify::busy", G_CALLBACK (on_busy_changed), self);

  g_signal_connect_swapped (self->sparsity_adjustment, "value-changed", G_CALLBACK (on_control_changed), self);
  g_signal_connect_swapped (self->depth_adjustment, "value-changed", G_CALLBACK (on_depth_changed), self);
  g_signal_connect_swapped (self->gallery, "selection-changed", G_CALLBACK (on_atoms_selected), self);
  g_signal_connect_swapped (self->segments_switch, "notify::active", G_CALLBACK (on_control_changed), self);
  g_signal_connect_swapped (self->k_adjustment, "value-changed", G_CALLBACK (on_control_changed), self);
  g_signal_connect_swapped (self->smooth_adjustment, "value-changed", G_CALLBACK (on_control_changed), self);
  g_signal_connect_swapped (self->features_row, "notify::selected", G_CALLBACK (on_control_changed), self);
  g_signal_connect_swapped (self->opacity_adjustment, "value-changed", G_CALLBACK (on_segments_edited), self);

  self->segmentation = lens_segmentation_new ();
  self->segment_legend = LENS_SEGMENT_LEGEND (lens_segment_legend_new ());
  lens_segment_legend_set_segmentation (self->segment_legend, self->segmentation);
  gtk_box_append (self->legend_box, GTK_WIDGET (self->segment_legend));
  g_signal_connect_swapped (self->segment_legend, "edited", G_CALLBACK (on_segments_edited), self);
  g_signal_connect_swapped (self->segment_legend, "split-requested", G_CALLBACK (on_split_requested), self);

  self->inspector = LENS_PATCH_INSPECTOR (lens_patch_inspector_new ());
  gtk_widget_set_parent (GTK_WIDGET (self->inspector), GTK_WIDGET (self));
  g_signal_connect_swapped (self->inspector, "top-m-changed", G_CALLBACK (inspect), self);
  g_signal_connect (self->input_view, "patch-activated", G_CALLBACK (on_patch_activated), self);
  g_signal_connect (self->reconstruction_view, "patch-activated", G_CALLBACK (on_patch_activated), self);
  g_signal_connect (self->activation_view, "patch-activated", G_CALLBACK (on_patch_activated), self);
  g_signal_connect_swapped (self->mode_dropdown, "notify::selected", G_CALLBACK (on_control_changed), self);
  g_signal_connect_swapped (self->residual_button, "toggled", G_CALLBACK (on_view_toggled), self);
  g_signal_connect_swapped (self->compare_button, "toggled", G_CALLBACK (on_view_toggled), self);
  g_signal_connect (self, "close-request", G_CALLBACK (on_close_request), NULL);

  self->settings = lens_settings_new ();
  if (self->settings)
    {
      lens_settings_track_window (self->settings, GTK_WINDOW (self));
      g_settings_bind (self->settings, "sparsity", self->sparsity_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "overlay-opacity", self->opacity_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
      lens_settings_bind_int_adjustment (self->settings, "segment-k", self->k_adjustment);
      g_signal_connect_swapped (self->settings, "changed::heatmap-colormap", G_CALLBACK (on_control_changed), self);
    }

  add_samples (self);
  add_recent (self);
  lens_window_setup_dnd (self);
  if (log_path)
    self->latency_log = fopen (log_path, "a");
}

LensWindow *
lens_window_new (AdwApplication *application)
{
  return g_object_new (LENS_TYPE_WINDOW, "application", application, NULL);
}

LensWorker *
lens_window_get_worker (LensWindow *self)
{
  return self->worker;
}

LensResult *
lens_window_get_result (LensWindow *self)
{
  return self->result;
}

const char *
lens_window_get_last_toast (LensWindow *self)
{
  return self->last_toast;
}
