/* test-collection.c: surveying a folder through the real window, and
 * browsing the collection: the Collection page, the gallery's order and
 * flags, a top patch opening its image, saving and opening the survey,
 * the exports, cancelling, and folders with nothing to survey
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "window-test.h"

#define SURVEY_SIZE 256

static char *samples;
static char *scratch;

/* A folder of the sample photos given (copied), plus broken.png, a text
 * file that is not an image. */
static char *
make_folder (const char *name, const char * const *photos, gboolean broken)
{
  char *folder = g_build_filename (scratch, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  for (int i = 0; photos[i]; i++)
    {
      g_autofree char *from = g_build_filename (samples, photos[i], NULL);
      g_autofree char *to = g_build_filename (folder, photos[i], NULL);
      g_autofree char *data = NULL;
      gsize length;

      g_assert_true (g_file_get_contents (from, &data, &length, NULL));
      g_assert_true (g_file_set_contents (to, data, length, NULL));
    }
  if (broken)
    {
      g_autofree char *path = g_build_filename (folder, "broken.png", NULL);

      g_assert_true (g_file_set_contents (path, "not an image\n", -1, NULL));
    }
  return folder;
}

static LensWindow *
new_window (ScvaeModel *model)
{
  LensWindow *window = lens_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  lens_window_set_model (window, model);
  g_settings_set_int (window->settings, "working-size", SURVEY_SIZE);
  return window;
}

static void
wait_until (gboolean (*done) (LensWindow *window), LensWindow *window, const char *what)
{
  gint64 deadline = g_get_monotonic_time () + patience ();

  while (!done (window) && g_get_monotonic_time () < deadline)
    spin (10);
  if (!done (window))
    g_error ("timed out waiting for %s", what);
}

static gboolean
survey_over (LensWindow *window)
{
  return window->surveying == NULL;
}

static gboolean
atoms_drawn (LensWindow *window)
{
  return lens_atom_gallery_get_n_atoms (window->gallery) == (guint) scvae_model_get_config (window->model)->atoms;
}

static gboolean
crops_shown (LensWindow *window)
{
  GtkWidget *first = gtk_widget_get_first_child (find_named (GTK_WIDGET (window->collection_page), "top-patches"));
  GtkWidget *button = first ? gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (first)) : NULL;

  return button && gtk_image_get_storage_type (GTK_IMAGE (gtk_button_get_child (GTK_BUTTON (button))))
                     == GTK_IMAGE_PAINTABLE;
}

static gboolean
inspector_shown (LensWindow *window)
{
  return gtk_widget_get_visible (GTK_WIDGET (window->inspector));
}

/* The toast shown before an action, to wait for the one it brings */
static char *last_toast;

static void
remember_toast (LensWindow *window)
{
  g_free (last_toast);
  last_toast = g_strdup (lens_window_get_last_toast (window));
}

static gboolean
toast_changed (LensWindow *window)
{
  return g_strcmp0 (lens_window_get_last_toast (window), last_toast) != 0;
}

/* The nth child of a flow box of the Collection page, as the button it holds. */
static GtkWidget *
page_button (LensWindow *window, const char *box, int n)
{
  GtkWidget *child = gtk_widget_get_first_child (find_named (GTK_WIDGET (window->collection_page), box));

  for (int i = 0; i < n && child; i++)
    child = gtk_widget_get_next_sibling (child);
  g_assert_nonnull (child);
  return gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child));
}

static int
count_children (LensWindow *window, const char *box)
{
  int n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (find_named (GTK_WIDGET (window->collection_page), box)); child;
       child = gtk_widget_get_next_sibling (child))
    n++;
  return n;
}

/* What scvae survey writes for the folder, with the app's options. */
static char *
survey_by_engine (ScvaeModel *model, const char *folder, const ScvaeSurveyOptions *options)
{
  const char *paths[] = { folder, NULL };
  g_auto(GStrv) files = scvae_list_images (paths, NULL);
  g_autoptr(ScvaeSurvey) survey = scvae_survey_new_for_model (model, 16, NULL);
  g_autoptr(ScvaeSession) session = scvae_session_new (model);

  for (int i = 0; files[i]; i++)
    g_assert_true (scvae_survey_add_file (survey, session, files[i], options, NULL, NULL));
  return scvae_survey_to_json (survey, model, options);
}

static void
save (LensWindow *window, LensCollectionExport kind, const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  /* Each save toasts "Saved": forget the last one */
  g_clear_pointer (&window->last_toast, g_free);
  remember_toast (window);
  lens_window_save_collection (window, kind, file);
  wait_until (toast_changed, window, "the file to be written");
  g_assert_cmpstr (lens_window_get_last_toast (window), ==, "Saved");
}

static void
test_survey_folder (void)
{
  const char *photos[] = { "coffee.jpg", "chelsea.jpg", NULL };
  g_autofree char *folder = make_folder ("photos", photos, TRUE);
  g_autofree char *coffee = g_build_filename (samples, "coffee.jpg", NULL);
  g_autofree char *expected = NULL, *saved_path = g_build_filename (scratch, "saved.json", NULL);
  g_autofree char *csv_path = g_build_filename (scratch, "atoms.csv", NULL);
  g_autofree char *sheet_path = g_build_filename (scratch, "atoms.png", NULL);
  g_autofree char *saved = NULL, *csv = NULL;
  g_autoptr(GFile) folder_file = g_file_new_for_path (folder), coffee_file = g_file_new_for_path (coffee);
  g_autoptr(GFile) saved_file = g_file_new_for_path (saved_path);
  g_autoptr(ScvaeModel) model = test_model ();
  g_autoptr(LensResult) first = NULL, during = NULL;
  g_autoptr(GdkPixbuf) sheet = NULL;
  g_auto(GStrv) lines = NULL;
  LensWindow *window = new_window (model);
  const LensCollectionAtom *atom;
  const ScvaeSurveyImage *image;
  ScvaeSurveyOptions options;
  int K = scvae_model_get_config (model)->atoms, a, neighbour;

  lens_window_open_file (window, coffee_file);
  first = wait_for_result (window, 0);
  wait_until (atoms_drawn, window, "the atoms");

  /* The survey codes with the controls' depth and sparsity */
  gtk_adjustment_set_value (window->sparsity_adjustment, 1.25);
  during = wait_for_result (window, first->serial);
  lens_window_survey_folder (window, folder_file);
  g_assert_nonnull (window->surveying);
  wait_until (survey_over, window, "the survey");

  /* What it made: the two photos, the broken file named */
  g_assert_nonnull (window->collection);
  g_assert_cmpuint (window->collection->images->len, ==, 2);
  g_assert_cmpuint (g_strv_length (window->collection->skipped), ==, 1);
  g_assert_nonnull (strstr (window->collection->skipped[0], "broken.png"));
  g_assert_cmpint (window->collection->n_atoms, ==, K);
  g_assert_cmpint (window->collection->max_size, ==, SURVEY_SIZE);
  g_assert_cmpstr (lens_window_get_last_toast (window), ==, "Surveyed 2 images");

  /* The same survey as the engine (and scvae survey) makes with the
   * window's depth and sparsity at the time. */
  options = (ScvaeSurveyOptions) { SURVEY_SIZE, window->collection->depth, (float) window->collection->sparsity };
  g_assert_cmpfloat (window->collection->sparsity, ==, 1.25);
  expected = survey_by_engine (model, folder, &options);
  {
    g_autoptr(LensCollection) reference = lens_collection_new (expected, strlen (expected), NULL);

    g_assert_nonnull (reference);
    for (int k = 0; k < K; k++)
      {
        g_assert_cmpfloat (reference->atoms[k].frequency, ==, window->collection->atoms[k].frequency);
        g_assert_cmpint (reference->atoms[k].n_top, ==, window->collection->atoms[k].n_top);
      }
  }

  /* The gallery: sorted by the collection, with its filter */
  a = -1;
  for (int k = 0; k < K; k++)
    if (a < 0 || window->collection->atoms[k].frequency > window->collection->atoms[a].frequency)
      a = k;
  lens_atom_gallery_select (window->gallery, a, FALSE);
  g_assert_cmpint (lens_collection_page_get_atom (window->collection_page), ==, a);
  atom = &window->collection->atoms[a];
  g_assert_cmpint (count_children (window, "top-patches"), ==, atom->n_top);
  g_assert_cmpint (count_children (window, "nearest"), ==, atom->n_nearest);
  g_assert_cmpint (count_children (window, "cooccurs"), ==, atom->n_cooccurs);
  wait_until (crops_shown, window, "the crops of the top patches");

  /* A nearest atom, clicked, becomes the selected atom */
  neighbour = atom->nearest[0].index;
  click (page_button (window, "nearest", 0));
  g_assert_cmpint (lens_collection_page_get_atom (window->collection_page), ==, neighbour);
  lens_atom_gallery_select (window->gallery, a, FALSE);

  /* A top patch, clicked, opens its image and inspects that patch. */
  image = window->collection->images->pdata[atom->top[0].image];
  click (page_button (window, "top-patches", 0));
  wait_until (inspector_shown, window, "the inspector on the top patch");
  g_assert_cmpstr (g_file_peek_path (window->input->file), ==, image->path);
  g_assert_cmpint (window->inspected_row, ==, atom->top[0].row);
  g_assert_cmpint (window->inspected_col, ==, atom->top[0].col);
  gtk_popover_popdown (GTK_POPOVER (window->inspector));

  /* Saved, it is the same file; opened again, the same collection. */
  save (window, LENS_COLLECTION_SURVEY, saved_path);
  g_assert_true (g_file_get_contents (saved_path, &saved, NULL, NULL));
  g_assert_cmpstr (saved, ==, window->collection->text);
  lens_window_close_collection (window);
  g_assert_null (window->collection);
  lens_window_open_survey (window, saved_file);
  while (window->collection == NULL)
    spin (10);
  g_assert_cmpstr (window->collection->text, ==, saved);

  /* The exports: a CSV line per atom, and the atom sheet */
  save (window, LENS_COLLECTION_CSV, csv_path);
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
  lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, K + 2);   /* header, K lines, the empty tail */
  g_assert_true (g_str_has_prefix (lines[0], "index,frequency,"));
  save (window, LENS_COLLECTION_SHEET, sheet_path);
  sheet = gdk_pixbuf_new_from_file (sheet_path, NULL);
  g_assert_nonnull (sheet);
  g_assert_cmpint (gdk_pixbuf_get_width (sheet), >, 16 * SCVAE_ATOM_PIXELS);

  g_settings_reset (window->settings, "working-size");
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Sliders moved while a survey runs are answered before it ends. */
static void
test_responsive (void)
{
  const char *photos[] = { "coffee.jpg", "chelsea.jpg", "astronaut.jpg", "rocket.jpg", NULL };
  g_autofree char *folder = make_folder ("four", photos, FALSE);
  g_autofree char *coffee = g_build_filename (samples, "coffee.jpg", NULL);
  g_autoptr(GFile) folder_file = g_file_new_for_path (folder), coffee_file = g_file_new_for_path (coffee);
  g_autoptr(ScvaeModel) model = random_model (64, 256, 5);
  g_autoptr(LensResult) first = NULL;
  LensWindow *window = new_window (model);
  gint64 deadline = g_get_monotonic_time () + patience ();
  LensResult *now = NULL;

  /* Four photos at 512 px on a full-size model: about a second of work */
  g_settings_set_int (window->settings, "working-size", 512);
  lens_window_open_file (window, coffee_file);
  first = wait_for_result (window, 0);
  lens_window_survey_folder (window, folder_file);
  spin (50);
  gtk_adjustment_set_value (window->sparsity_adjustment, 1.5);
  while (g_get_monotonic_time () < deadline
         && ((now = lens_window_get_result (window)) == NULL || now->serial == first->serial))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpfloat (lens_window_get_result (window)->request.sparsity, ==, 1.5f);
  g_assert_nonnull (window->surveying);
  g_assert_cmpint (window->collection_page != NULL, ==, TRUE);
  wait_until (survey_over, window, "the survey");
  g_assert_nonnull (window->collection);
  g_assert_cmpuint (window->collection->images->len, ==, 4);

  g_settings_reset (window->settings, "working-size");
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_cancel_and_empty (void)
{
  const char *photos[] = { "coffee.jpg", "chelsea.jpg", "astronaut.jpg", "rocket.jpg", NULL };
  const char *none[] = { NULL };
  g_autofree char *folder = make_folder ("cancelled", photos, FALSE);
  g_autofree char *empty = make_folder ("empty", none, FALSE);
  g_autofree char *bad = g_build_filename (scratch, "bad.json", NULL);
  g_autoptr(GFile) folder_file = g_file_new_for_path (folder), empty_file = g_file_new_for_path (empty);
  g_autoptr(GFile) bad_file = g_file_new_for_path (bad);
  g_autoptr(ScvaeModel) model = test_model ();
  LensWindow *window = new_window (model);

  wait_until (atoms_drawn, window, "the atoms");

  /* Cancelled: nothing comes of it */
  lens_window_survey_folder (window, folder_file);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-survey", NULL);
  g_assert_null (window->surveying);
  g_assert_cmpstr (lens_window_get_last_toast (window), ==, "Survey cancelled");
  spin (500);
  g_assert_null (window->collection);

  /* An empty folder says so */
  lens_window_survey_folder (window, empty_file);
  wait_until (survey_over, window, "the empty folder's survey");
  g_assert_null (window->collection);
  g_assert_nonnull (strstr (lens_window_get_last_toast (window), "no images found"));

  /* A file that is not a survey is named, with the reason */
  g_assert_true (g_file_set_contents (bad, "{\"images\": []}", -1, NULL));
  remember_toast (window);
  lens_window_open_survey (window, bad_file);
  wait_until (toast_changed, window, "the bad survey's message");
  g_assert_cmpstr (lens_window_get_last_toast (window), ==, "bad.json: not a survey: no images");
  g_assert_null (window->collection);

  g_settings_reset (window->settings, "working-size");
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  samples = samples_folder ();
  scratch = g_dir_make_tmp ("lens-test-collection-XXXXXX", NULL);
  g_assert_nonnull (scratch);
  g_test_add_func ("/app/collection/survey-folder", test_survey_folder);
  g_test_add_func ("/app/collection/responsive", test_responsive);
  g_test_add_func ("/app/collection/cancel-and-empty", test_cancel_and_empty);
  status = g_test_run ();
  g_free (last_toast);
  if (status == 0)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", scratch);

      (void) system (command);
    }
  return status;
}
