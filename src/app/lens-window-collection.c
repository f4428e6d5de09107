/* lens-window-collection.c: surveying a folder, and the collection view
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A folder (chosen, or dropped on the window) is surveyed on the engine
 * thread with the current model, depth and sparsity; the Collection page
 * shows its progress and then, for the atom selected in the gallery, its
 * strongest patches across the collection. Clicking one opens its image
 * and inspects that patch once the image is shown. A survey is saved and
 * opened as the JSON file scvae survey writes.
 */

#include "config.h"

#include "lens-window-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "scvae-render.h"

/* Surveys run at most at this size: a collection wants breadth, and at
 * 512 px a photo has 128 x 96 patches. */
#define SURVEY_MAX_SIZE 512
#define SURVEY_TOP 16

void
lens_window_close_collection (LensWindow *self)
{
  g_cancellable_cancel (self->surveying);
  g_clear_object (&self->surveying);
  g_cancellable_cancel (self->cropping);
  g_clear_object (&self->cropping);
  lens_atom_gallery_set_collection (self->gallery, NULL);
  lens_collection_page_show_empty (self->collection_page);
  g_clear_pointer (&self->collection, lens_collection_free);
  g_clear_pointer (&self->collection_name, g_free);
  lens_window_update_actions (self);
}

static void
on_crops (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(LensWindow) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) crops = lens_worker_crop_patches_finish (LENS_WORKER (source), result, &error);

  /* Crops of another atom's patches were cancelled when it changed */
  if (lens_window_is_closed (self) || crops == NULL)
    return;
  lens_collection_page_set_crops (self->collection_page, lens_collection_page_get_atom (self->collection_page),
                                  crops);
}

/* The collection's view of the gallery's first selected atom. */
void
lens_window_show_collection_atom (LensWindow *self)
{
  int n, atom;
  const int *selected = self->selected_atoms ? g_bytes_get_data (self->selected_atoms, NULL) : NULL;
  const LensCollectionAtom *a;
  g_autofree LensPatchCrop *patches = NULL;

  if (self->collection == NULL)
    return;
  n = self->selected_atoms ? (int) (g_bytes_get_size (self->selected_atoms) / sizeof (int)) : 0;
  atom = n > 0 && selected[0] < self->collection->n_atoms ? selected[0] : -1;
  if (atom == lens_collection_page_get_atom (self->collection_page))
    return;
  lens_collection_page_show_atom (self->collection_page, atom);
  g_cancellable_cancel (self->cropping);
  g_clear_object (&self->cropping);
  if (atom < 0)
    return;

  a = &self->collection->atoms[atom];
  patches = g_new (LensPatchCrop, MAX (a->n_top, 1));
  for (int i = 0; i < a->n_top; i++)
    {
      const ScvaeSurveyImage *image = self->collection->images->pdata[a->top[i].image];

      patches[i] = (LensPatchCrop) { image->path, self->collection->max_size, a->top[i].row, a->top[i].col };
    }
  self->cropping = g_cancellable_new ();
  lens_worker_crop_patches_async (self->worker, patches, a->n_top, self->cropping, on_crops, g_object_ref (self));
}

/* Shows a collection the window now owns. */
static void
take_collection (LensWindow *self, LensCollection *collection, const char *name)
{
  char *copy = g_strdup (name);   /* name may be the current one */

  g_clear_pointer (&self->collection, lens_collection_free);
  g_free (self->collection_name);
  self->collection = collection;
  self->collection_name = copy;
  lens_atom_gallery_set_collection (self->gallery, collection);
  lens_collection_page_show_collection (self->collection_page, collection, self->collection_name, self->gallery);
  lens_window_show_collection_atom (self);
  lens_window_update_actions (self);
}

/* ------------------------------------------------------------------------- */
/* Surveying */

static void
on_survey_progress (GObject *target, int done, int total, const char *skipped)
{
  LensWindow *self = LENS_WINDOW (target);

  if (lens_window_is_closed (self) || self->surveying == NULL)
    return;
  lens_collection_page_show_progress (self->collection_page, self->collection_name, done, total);
  /* A file that cannot be read is named, and the survey goes on. */
  if (skipped)
    lens_window_toast (self, skipped);
}

static void
on_surveyed (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(LensWindow) self = data;
  g_autoptr(GError) error = NULL;
  LensCollection *collection = lens_worker_survey_finish (LENS_WORKER (source), result, &error);
  g_autofree char *message = NULL;

  if (lens_window_is_closed (self) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_pointer (&collection, lens_collection_free);
      return;
    }
  g_clear_object (&self->surveying);
  if (collection == NULL)
    {
      lens_window_close_collection (self);
      lens_window_toast (self, error->message);
      return;
    }
  message = g_strdup_printf (ngettext ("Surveyed %u image", "Surveyed %u images", collection->images->len),
                             collection->images->len);
  take_collection (self, collection, self->collection_name);
  lens_window_toast (self, message);
  /* Surveyed before any image was open: show the first */
  if (self->input == NULL)
    {
      g_autoptr(GFile) first = g_file_new_for_path (((ScvaeSurveyImage *) collection->images->pdata[0])->path);

      lens_window_open_file (self, first);
    }
}

void
lens_window_survey_folder (LensWindow *self, GFile *folder)
{
  g_autofree char *path = g_file_get_path (folder);
  const char *paths[] = { path, NULL };
  ScvaeSurveyOptions options;

  if (self->model == NULL)
    {
      g_set_object (&self->folder_to_survey, folder);
      return;
    }
  if (path == NULL)
    {
      lens_window_toast (self, _("Only local folders can be surveyed"));
      return;
    }
  lens_window_close_collection (self);
  self->collection_name = g_file_get_basename (folder);
  options = (ScvaeSurveyOptions) {
    .max_size = MIN (lens_window_get_working_size (self), SURVEY_MAX_SIZE),
    .depth = (int) lround (gtk_adjustment_get_value (self->depth_adjustment)),
    .sparsity = (float) gtk_adjustment_get_value (self->sparsity_adjustment),
  };
  self->surveying = g_cancellable_new ();
  lens_collection_page_show_progress (self->collection_page, self->collection_name, 0, 0);
  adw_view_stack_set_visible_child_name (self->sidebar_stack, "collection");
  lens_worker_survey_async (self->worker, self->model, paths, &options, SURVEY_TOP, on_survey_progress,
                            G_OBJECT (self), self->surveying, on_surveyed, g_object_ref (self));
  lens_window_update_actions (self);
}

void
lens_window_cancel_survey (LensWindow *self)
{
  if (self->surveying == NULL)
    return;
  lens_window_close_collection (self);
  lens_window_toast (self, _("Survey cancelled"));
}

/* ------------------------------------------------------------------------- */
/* Opening a survey */

static void
on_survey_read (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(LensWindow) self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL, *name = NULL, *message = NULL;
  gsize length;
  LensCollection *collection;

  if (!g_file_load_contents_finish (G_FILE (source), result, &text, &length, NULL, &error))
    {
      if (!lens_window_is_closed (self) && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        lens_window_toast (self, error->message);
      return;
    }
  if (lens_window_is_closed (self))
    return;
  name = g_file_get_basename (G_FILE (source));
  collection = lens_collection_new (text, length, &error);
  if (collection && self->model && collection->n_atoms != scvae_model_get_config (self->model)->atoms)
    {
      /* Translators: a survey file, its atoms, the model's atoms */
      message = g_strdup_printf (_("%s: surveyed with a model of %d atoms, not this one's %d"), name,
                                 collection->n_atoms, scvae_model_get_config (self->model)->atoms);
      lens_collection_free (collection);
      lens_window_toast (self, message);
      return;
    }
  if (collection == NULL)
    {
      message = g_strdup_printf ("%s: %s", name, error->message);
      lens_window_toast (self, message);
      return;
    }
  lens_window_close_collection (self);
  take_collection (self, collection, name);
  adw_view_stack_set_visible_child_name (self->sidebar_stack, "collection");
}

void
lens_window_open_survey (LensWindow *self, GFile *file)
{
  g_file_load_contents_async (file, self->cancellable, on_survey_read, g_object_ref (self));
}

/* ------------------------------------------------------------------------- */
/* Saving and exporting: the survey as it was read or made, the per-atom
 * statistics as CSV, the atom sheet as PNG; written atomically on a
 * thread. */

typedef struct {
  char *path;
  GBytes *data;              /* to write as it is, or NULL for the sheet: */
  cairo_surface_t **atoms;   /* n_atoms, referenced */
  double *usage;
  int *order;
  int n_atoms;
  char *title;
} Write;

static void
write_free (gpointer data)
{
  Write *write = data;

  g_free (write->path);
  g_clear_pointer (&write->data, g_bytes_unref);
  for (int k = 0; write->atoms && k < write->n_atoms; k++)
    cairo_surface_destroy (write->atoms[k]);
  g_free (write->atoms);
  g_free (write->usage);
  g_free (write->order);
  g_free (write->title);
  g_free (write);
}

/* The sheet is drawn here too: 256 atoms and their captions would hold
 * up the window for tens of milliseconds. */
static void
write_in_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Write *write = data;
  GError *error = NULL;
  gboolean ok;

  if (write->data)
    ok = scvae_write_file (write->path, g_bytes_get_data (write->data, NULL), g_bytes_get_size (write->data),
                           &error);
  else
    {
      cairo_surface_t *sheet = scvae_render_atom_sheet (write->atoms, write->usage, write->order, write->n_atoms,
                                                        write->title);

      ok = scvae_render_write_png (sheet, write->path, &error);
      cairo_surface_destroy (sheet);
    }
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_written (GObject *source, GAsyncResult *result, gpointer data)
{
  LensWindow *self = LENS_WINDOW (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = data;

  if (lens_window_is_closed (self))
    return;
  if (g_task_propagate_boolean (G_TASK (result), &error))
    lens_window_toast_file (self, _("Saved"), file);
  else
    lens_window_toast (self, error->message);
}

static int
by_usage (gconstpointer a, gconstpointer b, gpointer data)
{
  const double *usage = data;
  int x = *(const int *) a, y = *(const int *) b;

  if (usage[x] != usage[y])
    return usage[x] < usage[y] ? 1 : -1;
  return x - y;
}

/* What the atom sheet shows: the atoms, most used first, with their usage
 * in the collection, else in the image; FALSE while they are being drawn. */
static gboolean
prepare_sheet (LensWindow *self, Write *write)
{
  int K = self->model ? scvae_model_get_config (self->model)->atoms : 0;
  guint patches = self->result ? (guint) self->result->rows * self->result->cols : 0;
  const char *model = self->model ? scvae_model_get_path (self->model) : NULL;

  write->n_atoms = K;
  write->atoms = g_new0 (cairo_surface_t *, MAX (K, 1));
  write->usage = g_new (double, MAX (K, 1));
  write->order = g_new (int, MAX (K, 1));
  for (int k = 0; k < K; k++)
    {
      cairo_surface_t *atom = lens_atom_gallery_get_surface (self->gallery, k);

      if (atom == NULL)
        return FALSE;
      write->atoms[k] = cairo_surface_reference (atom);
      if (self->collection)
        write->usage[k] = self->collection->atoms[k].frequency;
      else
        write->usage[k] = self->result && self->result->usage
                            ? (double) self->result->usage[k].count / MAX (patches, 1) : 0;
      write->order[k] = k;
    }
  g_qsort_with_data (write->order, K, sizeof (int), by_usage, write->usage);
  if (self->collection)
    /* Translators: the title of an exported atom sheet: the model, its
     * atoms, and the surveyed collection */
    write->title = g_strdup_printf (_("%s: %d atoms; usage over %s (%u images)"),
                                    model ? model : _("Untitled model"), K, self->collection_name,
                                    self->collection->images->len);
  else
    /* Translators: the title of an exported atom sheet: the model, its
     * atoms, and the image */
    write->title = g_strdup_printf (_("%s: %d atoms; usage over %s"), model ? model : _("Untitled model"), K,
                                    self->input ? self->input->name : "");
  return TRUE;
}

void
lens_window_save_collection (LensWindow *self, LensCollectionExport kind, GFile *file)
{
  Write *write = g_new0 (Write, 1);
  g_autoptr(GTask) task = NULL;
  char *csv;

  write->path = g_file_get_path (file);
  if (write->path == NULL)
    {
      lens_window_toast (self, _("Only local files can be written"));
      write_free (write);
      return;
    }
  switch (kind)
    {
    case LENS_COLLECTION_SURVEY:
      write->data = g_bytes_new (self->collection->text, strlen (self->collection->text));
      break;
    case LENS_COLLECTION_CSV:
      csv = lens_collection_to_csv (self->collection);
      write->data = g_bytes_new_take (csv, strlen (csv));
      break;
    case LENS_COLLECTION_SHEET:
      if (!prepare_sheet (self, write))
        {
          lens_window_toast (self, _("The atoms are still being drawn"));
          write_free (write);
          return;
        }
      break;
    }
  task = g_task_new (self, self->cancellable, on_written, g_object_ref (file));
  g_task_set_task_data (task, write, write_free);
  g_task_run_in_thread (task, write_in_thread);
}

/* ------------------------------------------------------------------------- */
/* From a patch of the collection to its image */

void
lens_window_open_collection_patch (LensWindow *self, int image, int row, int col)
{
  const ScvaeSurveyImage *surveyed;

  if (self->collection == NULL || image < 0 || (guint) image >= self->collection->images->len)
    return;
  surveyed = self->collection->images->pdata[image];
  g_clear_object (&self->pending_file);
  self->pending_file = g_file_new_for_path (surveyed->path);
  /* The window may work at another size than the survey did: the patch
   * is found again by where its centre lies in the image. */
  self->pending_row = (row + 0.5) * SCVAE_PATCH_PIXELS / surveyed->height;
  self->pending_col = (col + 0.5) * SCVAE_PATCH_PIXELS / surveyed->width;
  if (self->input && self->input->file && g_file_equal (self->input->file, self->pending_file) && self->result
      && self->result->request.input == self->input)
    lens_window_inspect_pending_patch (self);
  else
    lens_window_open_file (self, self->pending_file);
}

void
lens_window_inspect_pending_patch (LensWindow *self)
{
  const ScvaeImage *image;
  int row, col;

  if (self->pending_file == NULL || self->result == NULL || self->result->request.input->file == NULL
      || !g_file_equal (self->result->request.input->file, self->pending_file))
    return;
  image = self->result->request.input->image;
  row = CLAMP ((int) (self->pending_row * image->height / SCVAE_PATCH_PIXELS), 0, self->result->rows - 1);
  col = CLAMP ((int) (self->pending_col * image->width / SCVAE_PATCH_PIXELS), 0, self->result->cols - 1);
  g_clear_object (&self->pending_file);
  lens_window_inspect_patch (self, row, col);
}

static void
on_patch_activated (LensCollectionPage *page, int image, int row, int col, LensWindow *self)
{
  lens_window_open_collection_patch (self, image, row, col);
}

static void
on_atom_activated (LensCollectionPage *page, int atom, LensWindow *self)
{
  lens_atom_gallery_select (self->gallery, atom, FALSE);
}

void
lens_window_setup_collection (LensWindow *self)
{
  g_signal_connect (self->collection_page, "patch-activated", G_CALLBACK (on_patch_activated), self);
  g_signal_connect (self->collection_page, "atom-activated", G_CALLBACK (on_atom_activated), self);
}

/* ------------------------------------------------------------------------- */
/* Actions */

typedef void (*FileChosen) (LensWindow *self, GFile *file, int kind);

static void
on_chosen (GtkNativeDialog *dialog, int response, LensWindow *self)
{
  FileChosen chosen = g_object_get_data (G_OBJECT (dialog), "chosen");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      chosen (self, file, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "kind")));
    }
  g_object_unref (dialog);
}

/* Asks for a file or folder; chosen (self, it, kind) follows. pattern and
 * name may be NULL. */
static void
choose (LensWindow *self, const char *title, GtkFileChooserAction action, const char *accept,
        const char *filter_name, const char *pattern, const char *name, FileChosen chosen, int kind)
{
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, accept,
                                                              _("_Cancel"));

  if (pattern)
    {
      GtkFileFilter *filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, filter_name);
      gtk_file_filter_add_pattern (filter, pattern);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
      g_object_unref (filter);
    }
  if (name)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_object_set_data (G_OBJECT (dialog), "chosen", chosen);
  g_object_set_data (G_OBJECT (dialog), "kind", GINT_TO_POINTER (kind));
  g_signal_connect (dialog, "response", G_CALLBACK (on_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
folder_chosen (LensWindow *self, GFile *file, int kind)
{
  lens_window_survey_folder (self, file);
}

static void
survey_chosen (LensWindow *self, GFile *file, int kind)
{
  lens_window_open_survey (self, file);
}

static void
save_chosen (LensWindow *self, GFile *file, int kind)
{
  lens_window_save_collection (self, (LensCollectionExport) kind, file);
}

static void
survey_folder_action (GtkWidget *widget, const char *action, GVariant *param)
{
  choose (LENS_WINDOW (widget), _("Survey a Folder"), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Survey"), NULL,
          NULL, NULL, folder_chosen, 0);
}

static void
open_survey_action (GtkWidget *widget, const char *action, GVariant *param)
{
  choose (LENS_WINDOW (widget), _("Open a Survey"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
          _("Surveys (JSON)"), "*.json", NULL, survey_chosen, 0);
}

/* win.save-survey, win.export-survey-csv, win.export-atom-sheet */
static void
save_action (GtkWidget *widget, const char *action, GVariant *param)
{
  LensWindow *self = LENS_WINDOW (widget);
  g_autofree char *name = NULL;

  if (g_str_equal (action, "win.save-survey"))
    {
      name = g_strdup_printf ("%s-survey.json", self->collection_name);
      choose (self, _("Save Survey"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("Surveys (JSON)"), "*.json",
              name, save_chosen, LENS_COLLECTION_SURVEY);
    }
  else if (g_str_equal (action, "win.export-survey-csv"))
    {
      name = g_strdup_printf ("%s-atoms.csv", self->collection_name);
      choose (self, _("Export Atom Statistics"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("CSV"), "*.csv",
              name, save_chosen, LENS_COLLECTION_CSV);
    }
  else
    {
      g_autofree char *base = g_strdup (self->collection_name ? self->collection_name
                                                              : self->input ? self->input->name : "model");

      if (self->collection_name == NULL && strrchr (base, '.'))
        *strrchr (base, '.') = '\0';
      name = g_strdup_printf ("%s-atoms.png", base);
      choose (self, _("Export Atom Sheet"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("PNG images"), "*.png",
              name, save_chosen, LENS_COLLECTION_SHEET);
    }
}

static void
cancel_survey_action (GtkWidget *widget, const char *action, GVariant *param)
{
  lens_window_cancel_survey (LENS_WINDOW (widget));
}

static void
close_collection_action (GtkWidget *widget, const char *action, GVariant *param)
{
  lens_window_close_collection (LENS_WINDOW (widget));
}

void
lens_window_install_collection_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.survey-folder", NULL, survey_folder_action);
  gtk_widget_class_install_action (widget_class, "win.open-survey", NULL, open_survey_action);
  gtk_widget_class_install_action (widget_class, "win.save-survey", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.export-survey-csv", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.export-atom-sheet", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-survey", NULL, cancel_survey_action);
  gtk_widget_class_install_action (widget_class, "win.close-collection", NULL, close_collection_action);
}

void
lens_window_update_collection_actions (LensWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean collection = self->collection != NULL;

  gtk_widget_action_set_enabled (widget, "win.survey-folder", self->model != NULL);
  gtk_widget_action_set_enabled (widget, "win.open-survey", self->model != NULL);
  gtk_widget_action_set_enabled (widget, "win.save-survey", collection);
  gtk_widget_action_set_enabled (widget, "win.export-survey-csv", collection);
  gtk_widget_action_set_enabled (widget, "win.export-atom-sheet",
                                 collection || (self->result && self->result->usage));
  gtk_widget_action_set_enabled (widget, "win.cancel-survey", self->surveying != NULL);
  gtk_widget_action_set_enabled (widget, "win.close-collection", collection);
}
