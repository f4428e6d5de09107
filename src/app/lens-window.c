/* lens-window.c: the main window, its controls and the request they make
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lens-window-private.h"

#include "lens-settings.h"

#include <glib/gi18n.h>
#include <math.h>

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

/* A toast with a "Show in Files" button for a file just written. */
void
lens_window_toast_file (LensWindow *self, const char *message, GFile *file)
{
  AdwToast *toast = adw_toast_new (message);
  g_autofree char *uri = g_file_get_uri (file);

  g_free (self->last_toast);
  self->last_toast = g_strdup (message);
  adw_toast_set_timeout (toast, 8);
  adw_toast_set_button_label (toast, _("Show in Files"));
  adw_toast_set_action_name (toast, "win.show-in-files");
  adw_toast_set_action_target_value (toast, g_variant_new_string (uri));
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

gboolean
lens_window_get_toggle (LensWindow *self, const char *action)
{
  g_autoptr(GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (self), action);

  return state && g_variant_get_boolean (state);
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
    .scaling = self->settings ? (LensScaling) g_settings_get_enum (self->settings, "heatmap-scale")
                              : LENS_SCALING_FIXED,
    .atoms = self->selected_atoms,
    .segment = lens_window_get_toggle (self, "show-segments"),
    .segment_options = {
      .k = (int) gtk_adjustment_get_value (self->k_adjustment),
      .features = (ScvaeSegmentFeatures) adw_combo_row_get_selected (self->features_row),
      .smooth_radius = (int) gtk_adjustment_get_value (self->smooth_adjustment),
      .n_restarts = 4,
      .seed = self->seed,
    },
    .atom_gains = lens_intervention_panel_get_gains (self->intervention_panel),
    .keep = lens_intervention_panel_get_keep (self->intervention_panel),
    .comparison = self->comparison_model,
  };
}

void
lens_window_update (LensWindow *self)
{
  LensRequest request = lens_window_current_request (self);

  if (request.model && request.input)
    lens_worker_submit (self->worker, &request);
  lens_window_update_segments_status (self);
}

int
lens_window_get_working_size (LensWindow *self)
{
  return self->settings ? g_settings_get_int (self->settings, "working-size") : LENS_WORKING_SIZE_DEFAULT;
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
  lens_intervention_panel_set_selection (self->intervention_panel, self->selected_atoms);
  lens_window_show_collection_atom (self);
  /* Selecting atoms shows where they fire; clearing returns to the counts. */
  if (self->selected_atoms)
    gtk_drop_down_set_selected (self->mode_dropdown, LENS_ACTIVATION_ATOMS);
  else if (gtk_drop_down_get_selected (self->mode_dropdown) == LENS_ACTIVATION_ATOMS)
    gtk_drop_down_set_selected (self->mode_dropdown, LENS_ACTIVATION_COUNT);
  lens_window_update (self);
}

static void
on_intervention_changed (LensWindow *self)
{
  GBytes *gains = lens_intervention_panel_get_gains (self->intervention_panel);
  gsize size = 0;
  const float *data = gains ? g_bytes_get_data (gains, &size) : NULL;

  lens_atom_gallery_set_gains (self->gallery, data, size / sizeof (float));
  lens_window_update (self);
}

static void
on_hover_changed (LensWindow *self)
{
  lens_window_update_status (self);
}

static void
on_file_chosen (LensWindow *self, GFile *file)
{
  lens_window_open_file (self, file);
}

static gboolean
on_close_request (LensWindow *self)
{
  /* Stop the engine before the widgets go: it joins within one LISTA step
   * or layer. */
  g_cancellable_cancel (self->cancellable);
  lens_worker_shutdown (self->worker);
  return FALSE;
}

/* ------------------------------------------------------------------------- */

static void
lens_window_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  GTK_WIDGET_CLASS (lens_window_parent_class)->size_allocate (widget, width, height, baseline);
  lens_window_fit_views (LENS_WINDOW (widget));
}

static void
lens_window_dispose (GObject *object)
{
  LensWindow *self = LENS_WINDOW (object);

  /* First: callbacks still to come see CANCELLED and touch nothing. */
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->loading);
  g_cancellable_cancel (self->rendering_atoms);
  g_cancellable_cancel (self->surveying);
  g_cancellable_cancel (self->cropping);
  if (self->worker)
    {
      g_signal_handlers_disconnect_by_data (self->worker, self);
      lens_worker_shutdown (self->worker);
    }
  g_clear_object (&self->worker);
  g_clear_handle_id (&self->busy_timeout, g_source_remove);
  g_clear_handle_id (&self->layout_idle, g_source_remove);
  g_clear_object (&self->viewport);
  g_clear_pointer (&self->model, scvae_model_unref);
  g_clear_pointer (&self->comparison_model, scvae_model_unref);
  g_clear_pointer (&self->input, lens_input_unref);
  g_clear_pointer (&self->preview, lens_result_unref);
  g_clear_pointer (&self->result, lens_result_unref);
  g_clear_object (&self->loading);
  g_clear_object (&self->rendering_atoms);
  g_clear_object (&self->surveying);
  g_clear_object (&self->cropping);
  g_clear_object (&self->pending_file);
  g_clear_object (&self->folder_to_survey);
  g_clear_pointer (&self->collection, lens_collection_free);
  g_clear_pointer (&self->collection_name, g_free);
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
  lens_request_clear (&self->segmented);
  lens_window_dispose_segments (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), LENS_TYPE_WINDOW);

  G_OBJECT_CLASS (lens_window_parent_class)->dispose (object);
}

static void
lens_window_finalize (GObject *object)
{
  g_clear_object (&LENS_WINDOW (object)->cancellable);

  G_OBJECT_CLASS (lens_window_parent_class)->finalize (object);
}

static void
lens_window_class_init (LensWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lens_window_dispose;
  object_class->finalize = lens_window_finalize;
  widget_class->size_allocate = lens_window_size_allocate;

  g_type_ensure (LENS_TYPE_ATOM_GALLERY);
  g_type_ensure (LENS_TYPE_COLLECTION_PAGE);
  g_type_ensure (LENS_TYPE_COMPARISON_PAGE);
  g_type_ensure (LENS_TYPE_IMAGE_VIEW);
  g_type_ensure (LENS_TYPE_LEGEND);
  g_type_ensure (LENS_TYPE_INTERVENTION_PANEL);
  g_type_ensure (LENS_TYPE_QUALITY_PANEL);
  g_type_ensure (LENS_TYPE_SEGMENTS_PAGE);
  g_type_ensure (LENS_TYPE_VIEW_GRID);
  g_type_ensure (LENS_TYPE_WELCOME_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sparselens/SparseLens/lens-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LensWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, views);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, comparison_page);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, comparison_toggle);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, bottom_comparison_toggle);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, input_maximize);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, reconstruction_maximize);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, activation_maximize);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, header_switcher);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, bottom_bar);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, input_view);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, reconstruction_view);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, activation_view);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, input_caption);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, quality_label);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, mode_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, legend);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, sparsity_adjustment);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, depth_adjustment);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, coding_group);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, sparsity_scale);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, depth_scale);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, intervention_panel);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, collection_page);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, quality_panel);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, gallery);
  gtk_widget_class_bind_template_child (widget_class, LensWindow, segments_page);
  gtk_widget_class_bind_template_callback (widget_class, on_control_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_depth_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_atoms_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_intervention_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_file_chosen);
  gtk_widget_class_bind_template_callback (widget_class, on_close_request);

  lens_window_install_actions (widget_class);
}

static void
lens_window_init (LensWindow *self)
{
  const char *log_path = g_getenv ("LENS_LATENCY_LOG");

  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  {
    const LensSegmentsControls *controls = lens_segments_page_get_controls (self->segments_page);
    /* The segmentation defaults are the engine's, measured best by
     * tools/bench/segmentation; the combo lists the features in enum order. */
    ScvaeSegmentOptions defaults;

    self->k_adjustment = controls->k;
    self->features_row = controls->features;
    self->smooth_adjustment = controls->smooth;
    self->opacity_adjustment = controls->opacity;
    self->segment_legend = controls->legend;
    scvae_segment_options_init_default (&defaults);
    adw_combo_row_set_selected (self->features_row, defaults.features);
    gtk_adjustment_set_value (self->smooth_adjustment, defaults.smooth_radius);
    g_signal_connect_swapped (self->k_adjustment, "value-changed", G_CALLBACK (on_control_changed), self);
    g_signal_connect_swapped (self->features_row, "notify::selected", G_CALLBACK (on_control_changed), self);
    g_signal_connect_swapped (self->smooth_adjustment, "value-changed", G_CALLBACK (on_control_changed), self);
  }

  self->viewport = lens_viewport_new ();
  g_signal_connect_swapped (self->viewport, "hover-changed", G_CALLBACK (on_hover_changed), self);

  self->worker = lens_worker_new ();
  lens_window_connect_worker (self);

  self->settings = lens_settings_new ();
  lens_window_add_actions (self);
  if (self->settings)
    {
      lens_settings_track_window (self->settings, GTK_WINDOW (self));
      g_settings_bind (self->settings, "sparsity", self->sparsity_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "overlay-opacity", self->opacity_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
      lens_settings_bind_int_adjustment (self->settings, "segment-k", self->k_adjustment);
      g_signal_connect_swapped (self->settings, "changed::heatmap-colormap", G_CALLBACK (on_control_changed), self);
      g_signal_connect_swapped (self->settings, "changed::heatmap-scale", G_CALLBACK (on_control_changed), self);
    }

  lens_window_setup_views (self);
  lens_window_setup_segments (self);
  lens_window_setup_dnd (self);
  lens_window_setup_collection (self);
  lens_window_update_actions (self);
  if (log_path)
    self->latency_log = fopen (log_path, "a");
}

LensWindow *
lens_window_new (AdwApplication *application)
{
  return g_object_new (LENS_TYPE_WINDOW, "application", application, NULL);
}

ScvaeModel *
lens_window_get_model (LensWindow *self)
{
  return self->model;
}

ScvaeModel *
lens_window_get_comparison (LensWindow *self)
{
  return self->comparison_model;
}

GCancellable *
lens_window_get_cancellable (LensWindow *self)
{
  return self->cancellable;
}

gboolean
lens_window_is_closed (LensWindow *self)
{
  return g_cancellable_is_cancelled (self->cancellable);
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
