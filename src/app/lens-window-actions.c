/* lens-window-actions.c: the window's actions
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lens-window-private.h"

#include <glib/gi18n.h>

#include "shipped.h"

static void
on_image_chosen (GtkNativeDialog *dialog, int response, LensWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      lens_window_open_file (self, file);
    }
  g_object_unref (dialog);
}

static void
open_action (GtkWidget *widget, const char *action, GVariant *param)
{
  LensWindow *self = LENS_WINDOW (widget);
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (_("Open Image"), GTK_WINDOW (self),
                                                              GTK_FILE_CHOOSER_ACTION_OPEN,
                                                              _("_Open"), _("_Cancel"));
  GtkFileFilter *images = gtk_file_filter_new ();

  gtk_file_filter_set_name (images, _("Images"));
  gtk_file_filter_add_pixbuf_formats (images);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), images);
  g_object_unref (images);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (on_image_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

typedef void (*OpenModelFunc) (LensWindow *self, GFile *file);

static void
on_model_chosen (GtkNativeDialog *dialog, int response, LensWindow *self)
{
  OpenModelFunc open = g_object_get_data (G_OBJECT (dialog), "open");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      open (self, file);
    }
  g_object_unref (dialog);
}

/* A file chooser for a model, which open then opens; it starts in
 * folder (a shipped one) when given. */
static void
choose_model (LensWindow *self, const char *title, const char *folder, OpenModelFunc open)
{
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (title, GTK_WINDOW (self),
                                                              GTK_FILE_CHOOSER_ACTION_OPEN,
                                                              _("_Open"), _("_Cancel"));
  GtkFileFilter *models = gtk_file_filter_new ();

  gtk_file_filter_set_name (models, _("SC-VAE models (safetensors)"));
  gtk_file_filter_add_pattern (models, "*.safetensors");
  gtk_file_filter_add_pattern (models, "*.ckpt");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), models);
  g_object_unref (models);
  if (folder)
    {
      g_autofree char *path = shipped_path (folder);
      g_autoptr(GFile) start = g_file_new_for_path (path);

      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), start, NULL);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_object_set_data (G_OBJECT (dialog), "open", open);
  g_signal_connect (dialog, "response", G_CALLBACK (on_model_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
open_model_action (GtkWidget *widget, const char *action, GVariant *param)
{
  choose_model (LENS_WINDOW (widget), _("Open Model"), NULL, lens_window_open_model);
}

static void
open_comparison_action (GtkWidget *widget, const char *action, GVariant *param)
{
  /* The baselines the model card compares with are the likely choice. */
  choose_model (LENS_WINDOW (widget), _("Open a Model to Compare With"), "models/baselines",
                lens_window_open_comparison);
}

static void
close_comparison_action (GtkWidget *widget, const char *action, GVariant *param)
{
  lens_window_set_comparison (LENS_WINDOW (widget), NULL);
}

/* ------------------------------------------------------------------------- */
/* Export */

static const struct {
  const char *target;
  LensExportKind kind;
  const char *suffix;
} exports[] = {
  { "reconstruction", LENS_EXPORT_RECONSTRUCTION, "reconstruction.png" },
  { "residual", LENS_EXPORT_RESIDUAL, "residual.png" },
  { "activation", LENS_EXPORT_ACTIVATION, "activations.png" },
  { "overlay", LENS_EXPORT_OVERLAY, "segments.png" },
  { "labels", LENS_EXPORT_LABELS, "labels.png" },
  { "codes", LENS_EXPORT_CODES, "codes.npy" },
};

typedef struct {
  LensWindow *window;
  GFile *file;
} Export;

static void
export_free (Export *export)
{
  g_object_unref (export->window);
  g_object_unref (export->file);
  g_free (export);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Export, export_free)

static void
on_exported (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(Export) export = data;
  g_autoptr(GError) error = NULL;
  gboolean exported = lens_worker_export_finish (LENS_WORKER (source), result, &error);

  if (lens_window_is_closed (export->window) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (exported)
    lens_window_toast_file (export->window, _("Exported"), export->file);
  else
    lens_window_toast (export->window, error->message);
}

/* The file manager's ShowItems selects the file in its folder; without a
 * file manager on the bus, the folder opens in whatever shows folders. */
static void
on_shown_in_files (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GFile) file = data;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, NULL);

  if (reply == NULL)
    {
      g_autoptr(GFile) folder = g_file_get_parent (file);
      g_autofree char *uri = folder ? g_file_get_uri (folder) : NULL;
      GApplication *app = g_application_get_default ();
      GtkWindow *window = app ? gtk_application_get_active_window (GTK_APPLICATION (app)) : NULL;

      if (uri)
        gtk_show_uri (window, uri, GDK_CURRENT_TIME);
    }
}

static void
show_in_files_action (GtkWidget *widget, const char *action, GVariant *param)
{
  const char *uri = g_variant_get_string (param, NULL);
  const char *uris[] = { uri, NULL };
  GDBusConnection *bus = g_application_get_dbus_connection (g_application_get_default ());
  GFile *file = g_file_new_for_uri (uri);

  if (bus == NULL)
    {
      on_shown_in_files (NULL, NULL, file);
      return;
    }
  g_dbus_connection_call (bus, "org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
                          "org.freedesktop.FileManager1", "ShowItems", g_variant_new ("(^ass)", uris, ""),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_shown_in_files, file);
}

/* Exports what the window shows: the segments with their edits, colours
 * and opacity; the rest from the current controls. */
void
lens_window_export (LensWindow *self, LensExportKind kind, GFile *file)
{
  LensRequest request = lens_window_current_request (self);
  ScvaeRenderSegment segments[SCVAE_MAX_CLUSTERS];
  LensSegmentsView view = {
    .segments = segments,
    .n_segments = MIN (lens_segmentation_get_n_segments (self->segmentation), SCVAE_MAX_CLUSTERS),
    .opacity = gtk_adjustment_get_value (self->opacity_adjustment),
  };

  view.labels = lens_segmentation_get_labels (self->segmentation, &view.rows, &view.cols);
  for (int i = 0; i < view.n_segments; i++)
    {
      const LensSegment *segment = lens_segmentation_get_segment (self->segmentation, i);

      memcpy (segments[i].rgb, segment->rgb, 3);
      segments[i].visible = segment->visible;
    }
  Export *export = g_new0 (Export, 1);

  export->window = g_object_ref (self);
  export->file = g_object_ref (file);
  lens_worker_export_async (self->worker, &request, kind, &view, file, self->cancellable, on_exported, export);
}

static void
on_export_chosen (GtkNativeDialog *dialog, int response, LensWindow *self)
{
  LensExportKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "kind"));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      lens_window_export (self, kind, file);
    }
  g_object_unref (dialog);
}

/* Asks where to write one of the exports, named like the image. */
static void
choose_export (LensWindow *self, const char *target, gboolean of_segments)
{
  for (guint i = 0; i < G_N_ELEMENTS (exports); i++)
    {
      GtkFileChooserNative *dialog;
      g_autofree char *base = NULL, *name = NULL;

      if (!g_str_equal (target, exports[i].target)
          || of_segments != (exports[i].kind == LENS_EXPORT_OVERLAY || exports[i].kind == LENS_EXPORT_LABELS))
        continue;
      dialog = gtk_file_chooser_native_new (exports[i].kind == LENS_EXPORT_CODES ? _("Export Codes as NumPy Array")
                                                                                 : _("Export as PNG"),
                                            GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                            _("_Export"), _("_Cancel"));
      base = g_strdup (self->input->name);
      if (strrchr (base, '.'))
        *strrchr (base, '.') = '\0';
      name = g_strdup_printf ("%s-%s", base, exports[i].suffix);
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
      gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
      g_object_set_data (G_OBJECT (dialog), "kind", GINT_TO_POINTER (exports[i].kind));
      g_signal_connect (dialog, "response", G_CALLBACK (on_export_chosen), self);
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
      return;
    }
}

/* win.export: pictures of the model's output and the codes, which need an
 * image and a model; win.export-segments: the segments as shown, which
 * need segments too. Each is enabled only when it can run. */
static void
export_action (GtkWidget *widget, const char *action, GVariant *param)
{
  choose_export (LENS_WINDOW (widget), g_variant_get_string (param, NULL),
                 g_str_equal (action, "win.export-segments"));
}

/* ------------------------------------------------------------------------- */
/* View */

static void
zoom_by (LensWindow *self, double factor)
{
  double zoom = lens_viewport_get_zoom (self->viewport), cx, cy;
  int iw, ih;

  lens_viewport_get_image_size (self->viewport, &iw, &ih);
  if (iw <= 0)
    return;
  if (zoom == 0.0)
    /* From "fit", start at the scale the views show. */
    zoom = lens_image_view_get_scale (self->input_view);
  lens_viewport_get_center (self->viewport, &cx, &cy);
  lens_viewport_set_view (self->viewport, zoom * factor, cx, cy);
}

static void
zoom_in_action (GtkWidget *widget, const char *action, GVariant *param)
{
  zoom_by (LENS_WINDOW (widget), 1.25);
}

static void
zoom_out_action (GtkWidget *widget, const char *action, GVariant *param)
{
  zoom_by (LENS_WINDOW (widget), 0.8);
}

static void
zoom_fit_action (GtkWidget *widget, const char *action, GVariant *param)
{
  lens_viewport_fit (LENS_WINDOW (widget)->viewport);
}

static int
view_index (const char *name)
{
  static const char *names[] = { "input", "reconstruction", "activation" };

  for (int i = 0; i < 3; i++)
    if (g_strcmp0 (name, names[i]) == 0)
      return i;
  return -1;
}

/* win.view: "all", the one view shown alone, or "models": the comparison
 * page (while there is a model to compare with). */
static void
change_view (GSimpleAction *action, GVariant *state, gpointer data)
{
  LensWindow *self = data;
  gboolean models = g_strcmp0 (g_variant_get_string (state, NULL), "models") == 0;

  if (models && self->comparison_model == NULL)
    return;
  g_simple_action_set_state (action, state);
  gtk_stack_set_visible_child_name (self->content_stack, models ? "comparison" : "views");
  lens_window_show_view (self, view_index (g_variant_get_string (state, NULL)));
}

/* win.toggle-view: that view alone, or all three again if it is alone. */
static void
toggle_view_action (GtkWidget *widget, const char *action, GVariant *param)
{
  g_autoptr(GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (widget), "view");
  const char *view = g_variant_get_string (param, NULL);

  g_action_group_change_action_state (G_ACTION_GROUP (widget), "view",
                                      g_variant_new_string (g_strcmp0 (g_variant_get_string (state, NULL), view) == 0
                                                              ? "all" : view));
}

static void
reset_controls_action (GtkWidget *widget, const char *action, GVariant *param)
{
  LensWindow *self = LENS_WINDOW (widget);

  gtk_adjustment_set_value (self->sparsity_adjustment, 1.0);
  if (self->model)
    gtk_adjustment_set_value (self->depth_adjustment, scvae_model_get_config (self->model)->lista_steps);
}

static void
paste_action (GtkWidget *widget, const char *action, GVariant *param)
{
  lens_window_paste (LENS_WINDOW (widget));
}

/* ------------------------------------------------------------------------- */
/* Segments and atoms */

static void
reseed_action (GtkWidget *widget, const char *action, GVariant *param)
{
  LensWindow *self = LENS_WINDOW (widget);

  self->seed++;
  if (lens_window_get_toggle (self, "show-segments"))
    lens_window_update (self);
  else
    g_action_group_change_action_state (G_ACTION_GROUP (self), "show-segments", g_variant_new_boolean (TRUE));
}

static void
undo_action (GtkWidget *widget, const char *action, GVariant *param)
{
  LensWindow *self = LENS_WINDOW (widget);

  if (lens_segmentation_undo (self->segmentation))
    g_signal_emit_by_name (self->segment_legend, "edited");
}

static void
redo_action (GtkWidget *widget, const char *action, GVariant *param)
{
  LensWindow *self = LENS_WINDOW (widget);

  if (lens_segmentation_redo (self->segmentation))
    g_signal_emit_by_name (self->segment_legend, "edited");
}

static void
find_atom_action (GtkWidget *widget, const char *action, GVariant *param)
{
  LensWindow *self = LENS_WINDOW (widget);

  adw_flap_set_reveal_flap (self->flap, TRUE);
  adw_view_stack_set_visible_child_name (self->sidebar_stack, "atoms");
  lens_atom_gallery_focus_search (self->gallery);
}

/* ------------------------------------------------------------------------- */
/* Toggles: stateful actions, so buttons, switches and menus agree */

static void
change_toggle (GSimpleAction *action, GVariant *state, gpointer data)
{
  LensWindow *self = data;

  g_simple_action_set_state (action, state);
  if (g_str_equal (g_action_get_name (G_ACTION (action)), "show-segments"))
    {
      lens_window_show_segments (self);  /* the overlay goes at once */
      lens_window_update (self);         /* k-means runs, or stops */
    }
  else if (g_str_has_prefix (g_action_get_name (G_ACTION (action)), "segments-"))
    {
      lens_window_show_segments (self);  /* only how they are drawn */
    }
  else
    {
      lens_window_show_pictures (self);
    }
}

void
lens_window_add_actions (LensWindow *self)
{
  static const GActionEntry toggles[] = {
    { .name = "show-residual", .state = "false", .change_state = change_toggle },
    { .name = "compare", .state = "false", .change_state = change_toggle },
    { .name = "show-segments", .state = "false", .change_state = change_toggle },
    { .name = "segments-outlines", .state = "false", .change_state = change_toggle },
    { .name = "segments-everywhere", .state = "false", .change_state = change_toggle },
    { .name = "view", .parameter_type = "s", .state = "'all'", .change_state = change_view },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), toggles, G_N_ELEMENTS (toggles), self);
  if (self->settings)
    {
      g_autoptr(GAction) colormap = g_settings_create_action (self->settings, "heatmap-colormap");
      g_autoptr(GAction) scale = g_settings_create_action (self->settings, "heatmap-scale");

      g_action_map_add_action (G_ACTION_MAP (self), colormap);
      g_action_map_add_action (G_ACTION_MAP (self), scale);
    }
}

void
lens_window_update_actions (LensWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean image = self->input != NULL, model = self->model != NULL;
  gboolean segments = lens_segmentation_get_labels (self->segmentation, NULL, NULL) != NULL;

  gtk_widget_action_set_enabled (widget, "win.export", image && model);
  gtk_widget_action_set_enabled (widget, "win.export-segments", image && model && segments);
  gtk_widget_action_set_enabled (widget, "win.reseed", image && model);
  gtk_widget_action_set_enabled (widget, "win.zoom-in", image);
  gtk_widget_action_set_enabled (widget, "win.zoom-out", image);
  gtk_widget_action_set_enabled (widget, "win.zoom-fit", image);
  gtk_widget_action_set_enabled (widget, "win.reset-controls",
                                 model && scvae_model_get_config (self->model)->bottleneck == SCVAE_BOTTLENECK_LISTA);
  gtk_widget_action_set_enabled (widget, "win.find-atom", model);
  gtk_widget_action_set_enabled (widget, "win.open-comparison", model);
  gtk_widget_action_set_enabled (widget, "win.close-comparison", self->comparison_model != NULL);
  gtk_widget_action_set_enabled (widget, "win.undo", lens_segmentation_can_undo (self->segmentation));
  gtk_widget_action_set_enabled (widget, "win.redo", lens_segmentation_can_redo (self->segmentation));
  lens_window_update_collection_actions (self);
}

void
lens_window_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.reseed", NULL, reseed_action);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, redo_action);
  gtk_widget_class_install_action (widget_class, "win.find-atom", NULL, find_atom_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.find-atom", NULL);
  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-model", NULL, open_model_action);
  gtk_widget_class_install_action (widget_class, "win.open-comparison", NULL, open_comparison_action);
  gtk_widget_class_install_action (widget_class, "win.close-comparison", NULL, close_comparison_action);
  gtk_widget_class_install_action (widget_class, "win.export", "s", export_action);
  gtk_widget_class_install_action (widget_class, "win.export-segments", "s", export_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-in", NULL, zoom_in_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-fit", NULL, zoom_fit_action);
  gtk_widget_class_install_action (widget_class, "win.reset-controls", NULL, reset_controls_action);
  gtk_widget_class_install_action (widget_class, "win.paste", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-view", "s", toggle_view_action);
  gtk_widget_class_install_action (widget_class, "win.show-in-files", "s", show_in_files_action);
  lens_window_install_collection_actions (widget_class);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, GDK_CONTROL_MASK, "win.open-model", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.open-comparison", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.export",
                                       "s", "reconstruction");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "win.paste", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "win.zoom-fit", NULL);
  /* Plain keys too; a focused entry (the atom index) sees them first. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, 0, "win.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.reset-controls", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.toggle-view", "s", "input");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.toggle-view", "s",
                                       "reconstruction");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.toggle-view", "s", "activation");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_4, GDK_ALT_MASK, "win.toggle-view", "s", "models");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_ALT_MASK, "win.view", "s", "all");
}
