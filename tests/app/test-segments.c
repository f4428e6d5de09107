/* test-segments.c: editing segments in the real window, under Xvfb
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drives the legend's own widgets (its rows' buttons and check boxes, the
 * Merge, Undo and Redo buttons), the k spin button's adjustment and clicks
 * on the image views, and after every step checks that the legend, the
 * label map and the overlay agree. GLib makes any critical warning fatal
 * here, so renaming is checked to log none.
 */

#include <adwaita.h>
#include <string.h>

#include "window-test.h"

static char *samples;

/* Runs the main loop until the engine thread is idle, its results are
 * shown, no split runs and the segments shown are those the controls ask
 * for. */
static void
settle (LensWindow *window)
{
  gint64 deadline = g_get_monotonic_time () + patience ();

  while (g_get_monotonic_time () < deadline)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (!lens_worker_get_busy (lens_window_get_worker (window)) && !window->splitting)
        {
          LensRequest request = lens_window_current_request (window);

          /* Posted before the worker went idle: take it in. */
          while (g_main_context_iteration (NULL, FALSE))
            ;
          if (window->result && lens_request_same_segments (&window->result->request, &request)
              && !window->result->segments_pending)
            return;
        }
      g_usleep (1000);
    }
  g_error ("the window did not settle in time");
}

/* The legend's rows, in order. */
static GPtrArray *
legend_rows (LensWindow *window)
{
  GPtrArray *rows = g_ptr_array_new ();
  GtkWidget *list = NULL;

  for (GtkWidget *w = find_named (GTK_WIDGET (window->segment_legend), "color"); w; w = gtk_widget_get_parent (w))
    if (GTK_IS_LIST_BOX (w))
      {
        list = w;
        break;
      }
  if (list == NULL)
    return rows;
  for (GtkWidget *child = gtk_widget_get_first_child (list); child; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child) && gtk_widget_get_visible (child))
      g_ptr_array_add (rows, child);
  return rows;
}

static GtkWidget *
row_widget (LensWindow *window, int index, const char *name)
{
  g_autoptr(GPtrArray) rows = legend_rows (window);

  g_assert_cmpint (index, <, (int) rows->len);
  return find_named (g_ptr_array_index (rows, index), name);
}

static guint32
overlay_pixel (LensPicture *overlay, int row, int col)
{
  cairo_surface_t *surface = overlay->levels[0];
  const guint8 *data = cairo_image_surface_get_data (surface);

  return ((const guint32 *) (data + (gsize) row * cairo_image_surface_get_stride (surface)))[col];
}

/* The legend, the label map and the overlay tell the same story. */
static void
assert_consistent (LensWindow *window)
{
  LensSegmentation *seg = window->segmentation;
  int rows, cols, n = lens_segmentation_get_n_segments (seg), made = lens_segmentation_get_n_clusters (seg);
  const guint8 *labels = lens_segmentation_get_labels (seg, &rows, &cols);
  g_autoptr(GPtrArray) legend = legend_rows (window);
  LensPicture *overlay = lens_image_view_get_overlay (window->input_view);
  int counts[SCVAE_MAX_CLUSTERS] = { 0 };
  g_autofree char *caption = NULL;

  g_assert_nonnull (labels);
  g_assert_cmpint (n, >, 0);
  /* k shows what k-means made it from; it made at most k (no empty ones here). */
  g_assert_cmpint (window->segmented.segment_options.k, ==, (int) gtk_adjustment_get_value (window->k_adjustment));
  g_assert_cmpint (made, <=, window->segmented.segment_options.k);
  g_assert_cmpint (made, >=, 2);

  /* Every patch's label names a legend row, and every row has patches. */
  g_assert_cmpint (rows, ==, window->result->rows);
  g_assert_cmpint (cols, ==, window->result->cols);
  for (int p = 0; p < rows * cols; p++)
    {
      g_assert_cmpint (labels[p], <, n);
      counts[labels[p]]++;
    }
  g_assert_cmpint (legend->len, ==, n);
  for (int i = 0; i < n; i++)
    {
      const LensSegment *segment = lens_segmentation_get_segment (seg, i);
      GtkWidget *row = g_ptr_array_index (legend, i);
      g_autofree char *share = g_strdup_printf ("%.1f %%", 100.0 * counts[i] / (rows * cols));
      GdkRGBA rgba;

      g_assert_cmpint (counts[i], >, 0);
      g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (find_named (row, "name-label"))), ==, segment->name);
      g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (find_named (row, "share"))), ==, share);
      g_assert_cmpint (gtk_check_button_get_active (GTK_CHECK_BUTTON (find_named (row, "visible"))), ==,
                       segment->visible);
      gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (find_named (row, "color")), &rgba);
      g_assert_cmpint ((int) (rgba.red * 255 + 0.5), ==, segment->rgb[0]);
      g_assert_cmpint ((int) (rgba.green * 255 + 0.5), ==, segment->rgb[1]);
      g_assert_cmpint ((int) (rgba.blue * 255 + 0.5), ==, segment->rgb[2]);
    }

  /* The overlay: each patch in its segment's legend colour, or clear. */
  g_assert_nonnull (overlay);
  g_assert_cmpint (cairo_image_surface_get_width (overlay->levels[0]), ==, cols);
  g_assert_cmpint (cairo_image_surface_get_height (overlay->levels[0]), ==, rows);
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      {
        const LensSegment *segment = lens_segmentation_get_segment (seg, labels[r * cols + c]);
        guint32 expected = segment->visible ? 0xff000000u | (guint32) segment->rgb[0] << 16
                                              | (guint32) segment->rgb[1] << 8 | segment->rgb[2]
                                            : 0;

        g_assert_cmphex (overlay_pixel (overlay, r, c), ==, expected);
      }

  /* The caption counts the segments after edits. */
  if (n == made)
    caption = g_strdup_printf ("%d segments from k-means", n);
  else
    caption = g_strdup_printf ("%d segment%s after your edits · k-means made %d", n, n == 1 ? "" : "s", made);
  g_assert_cmpstr (lens_segment_legend_get_caption (window->segment_legend), ==, caption);
}

/* A fresh set: "Segment 1" to "Segment k", no history. */
static void
assert_fresh (LensWindow *window)
{
  int n = lens_segmentation_get_n_segments (window->segmentation);

  g_assert_cmpint (n, ==, lens_segmentation_get_n_clusters (window->segmentation));
  for (int i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("Segment %d", i + 1);

      g_assert_cmpstr (lens_segmentation_get_segment (window->segmentation, i)->name, ==, name);
    }
  g_assert_false (gtk_widget_get_sensitive (find_named (GTK_WIDGET (window->segment_legend), "undo")));
}

static LensWindow *
open_segmented (const char *photo_name, int k)
{
  g_autoptr(ScvaeModel) model = test_model ();
  g_autofree char *photo = g_build_filename (samples, photo_name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (photo);
  LensWindow *window = lens_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  lens_window_set_model (window, model);
  gtk_adjustment_set_value (window->k_adjustment, k);
  lens_window_open_file (window, file);
  g_action_group_change_action_state (G_ACTION_GROUP (window), "show-segments", g_variant_new_boolean (TRUE));
  settle (window);
  g_assert_nonnull (window->result->labels);
  /* The views have their size. */
  spin (100);
  return window;
}

/* The centre of the part of patch (row, col) inside the image (the last
 * row or column of patches may stick out), in a view's coordinates. */
static void
patch_point (LensWindow *window, LensImageView *view, int row, int col, double *x, double *y)
{
  int width, height;
  double left = col * SCVAE_PATCH_PIXELS, top = row * SCVAE_PATCH_PIXELS;

  lens_viewport_get_image_size (window->viewport, &width, &height);
  lens_image_view_from_image (view, (left + MIN (left + SCVAE_PATCH_PIXELS, width)) / 2,
                              (top + MIN (top + SCVAE_PATCH_PIXELS, height)) / 2, x, y);
}

/* Clicks the middle of a random patch of segment s in a view. */
static void
click_segment (LensWindow *window, LensImageView *view, GRand *rand, int s, GdkModifierType state)
{
  int rows, cols;
  const guint8 *labels = lens_segmentation_get_labels (window->segmentation, &rows, &cols);
  int n = 0, pick, p;
  double x, y;

  for (p = 0; p < rows * cols; p++)
    n += labels[p] == s;
  g_assert_cmpint (n, >, 0);
  pick = g_rand_int_range (rand, 0, n);
  for (p = 0; p < rows * cols; p++)
    if (labels[p] == s && pick-- == 0)
      break;
  patch_point (window, view, p / cols, p % cols, &x, &y);
  g_assert_true (lens_image_view_click (view, x, y, GDK_BUTTON_PRIMARY, state));
}

static int
selection (LensWindow *window, gboolean selected[SCVAE_MAX_CLUSTERS])
{
  return lens_segment_legend_get_selection (window->segment_legend, selected);
}

/* 30 random edits through the widgets (a pick that cannot apply, such as
 * Redo with nothing to redo, is drawn again), checked after every step;
 * the seed is printed, and LENS_TEST_SEED repeats a run. */
static void
test_random_edits (void)
{
  LensWindow *window = open_segmented ("coffee.jpg", 5);
  guint32 seed = g_getenv ("LENS_TEST_SEED") ? (guint32) atoi (g_getenv ("LENS_TEST_SEED")) : g_random_int ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  const char *kinds[] = { "merge", "split", "hide", "undo", "redo", "k", "rename", "recolour" };
  int done[8] = { 0 };

  g_test_message ("seed %u (LENS_TEST_SEED=%u repeats it)", seed, seed);
  assert_consistent (window);
  assert_fresh (window);

  for (int step = 0, edits = 0; edits < 30; step++)
    {
      int n = lens_segmentation_get_n_segments (window->segmentation);
      GtkWidget *legend = GTK_WIDGET (window->segment_legend);
      guint kind = (guint) g_rand_int_range (rand, 0, G_N_ELEMENTS (kinds)) % G_N_ELEMENTS (done);
      guint64 serial = window->result->serial;

      switch (kind)
        {
        case 0: /* merge two or three, picked by clicking regions (Shift adds) */
          {
            int a = g_rand_int_range (rand, 0, n), b = g_rand_int_range (rand, 0, n);
            gboolean selected[SCVAE_MAX_CLUSTERS];

            if (n < 2 || a == b)
              continue;
            click_segment (window, window->input_view, rand, a, 0);
            click_segment (window, window->activation_view, rand, b, GDK_SHIFT_MASK);
            g_assert_cmpint (selection (window, selected), ==, 2);
            g_assert_true (selected[a] && selected[b]);
            click (find_named (legend, "merge"));
            g_assert_cmpint (lens_segmentation_get_n_segments (window->segmentation), ==, n - 1);
            /* The merged segment stays selected. */
            g_assert_cmpint (selection (window, selected), ==, 1);
            g_assert_true (selected[MIN (a, b)]);
            break;
          }
        case 1: /* split: 2-means on the engine thread */
          {
            int s = g_rand_int_range (rand, 0, n);

            if (n >= SCVAE_MAX_CLUSTERS || lens_segmentation_get_segment (window->segmentation, s)->share < 0.01)
              continue;
            click (row_widget (window, s, "split"));
            settle (window);
            break;
          }
        case 2: /* hide or show */
          {
            GtkWidget *check = row_widget (window, g_rand_int_range (rand, 0, n), "visible");

            gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                         !gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
            break;
          }
        case 3:
          if (!gtk_widget_get_sensitive (find_named (legend, "undo")))
            continue;
          click (find_named (legend, "undo"));
          break;
        case 4:
          if (!gtk_widget_get_sensitive (find_named (legend, "redo")))
            continue;
          click (find_named (legend, "redo"));
          break;
        case 5: /* another k: a fresh set */
          {
            int k = g_rand_int_range (rand, 2, 9);

            if (k == (int) gtk_adjustment_get_value (window->k_adjustment))
              continue;
            gtk_adjustment_set_value (window->k_adjustment, k);
            /* The legend says it is clustering until the labels come. */
            g_assert_nonnull (strstr (lens_segment_legend_get_caption (window->segment_legend), "Clustering"));
            settle (window);
            assert_consistent (window);
            assert_fresh (window);
            break;
          }
        case 6: /* rename by the row's Rename button */
          {
            int s = g_rand_int_range (rand, 0, n);
            g_autofree char *name = g_strdup_printf ("Region %d", step);

            click (row_widget (window, s, "rename"));
            g_assert_true (gtk_widget_get_visible (row_widget (window, s, "name-entry")));
            gtk_editable_set_text (GTK_EDITABLE (row_widget (window, s, "name-entry")), name);
            g_signal_emit_by_name (row_widget (window, s, "name-entry"), "activate");
            g_assert_cmpstr (lens_segmentation_get_segment (window->segmentation, s)->name, ==, name);
            break;
          }
        case 7: /* recolour, as the colour dialog does */
          {
            GtkWidget *button = row_widget (window, g_rand_int_range (rand, 0, n), "color");
            GdkRGBA rgba = { g_rand_int_range (rand, 0, 256) / 255.0, g_rand_int_range (rand, 0, 256) / 255.0,
                             g_rand_int_range (rand, 0, 256) / 255.0, 1 };

            gtk_color_chooser_set_rgba (GTK_COLOR_CHOOSER (button), &rgba);
            g_signal_emit_by_name (button, "color-set");
            break;
          }
        }
      done[kind]++;
      edits++;
      /* Edits other than k and split recompute nothing: no request
       * goes to the engine (only, after a merge or an undo, a job that
       * sums up each segment's atoms for the legend). */
      if (kind != 1 && kind != 5)
        g_assert_null (strstr (lens_segment_legend_get_caption (window->segment_legend), "Clustering"));
      settle (window);
      if (kind != 1 && kind != 5)
        g_assert_cmpuint (window->result->serial, ==, serial);
      assert_consistent (window);
    }
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    g_test_message ("%s: %d", kinds[i], done[i]);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A click on a region selects its segment, in any view; Shift adds one. */
static void
test_click_selects (void)
{
  LensWindow *window = open_segmented ("chelsea.jpg", 4);
  LensImageView *views[] = { window->input_view, window->reconstruction_view, window->activation_view };
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  int rows, cols, n = lens_segmentation_get_n_segments (window->segmentation);
  const guint8 *labels = lens_segmentation_get_labels (window->segmentation, &rows, &cols);
  gboolean selected[SCVAE_MAX_CLUSTERS];

  for (int i = 0; i < 40; i++)
    {
      LensImageView *view = views[i % 3];
      int row = g_rand_int_range (rand, 0, rows), col = g_rand_int_range (rand, 0, cols);
      double x, y;

      patch_point (window, view, row, col, &x, &y);
      g_assert_true (lens_image_view_click (view, x, y, GDK_BUTTON_PRIMARY, 0));
      g_assert_cmpint (selection (window, selected), ==, 1);
      g_assert_true (selected[labels[row * cols + col]]);
    }

  /* Shift-click adds another segment, and again takes it out. */
  click_segment (window, window->input_view, rand, 0, 0);
  click_segment (window, window->reconstruction_view, rand, n - 1, GDK_SHIFT_MASK);
  g_assert_cmpint (selection (window, selected), ==, 2);
  g_assert_true (selected[0] && selected[n - 1]);
  click_segment (window, window->reconstruction_view, rand, n - 1, GDK_SHIFT_MASK);
  g_assert_cmpint (selection (window, selected), ==, 1);
  g_assert_true (selected[0]);

  /* Outside the image: nothing. */
  g_assert_false (lens_image_view_click (window->input_view, -50, -50, GDK_BUTTON_PRIMARY, 0));
  g_assert_cmpint (selection (window, selected), ==, 1);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* New labels of the same clustering (a slider move) keep the edits; a new
 * seed, k or image starts a fresh set. */
static void
test_fresh_sets (void)
{
  LensWindow *window = open_segmented ("chelsea.jpg", 4);
  g_autofree char *photo = g_build_filename (samples, "coffee.jpg", NULL);
  g_autoptr(GFile) other = g_file_new_for_path (photo);

  g_assert_true (lens_segmentation_rename (window->segmentation, 0, "Cat"));
  g_signal_emit_by_name (window->segment_legend, "edited");
  gtk_adjustment_set_value (window->sparsity_adjustment, 1.3);
  settle (window);
  assert_consistent (window);
  g_assert_cmpstr (lens_segmentation_get_segment (window->segmentation, 0)->name, ==, "Cat");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.reseed", NULL);
  settle (window);
  assert_consistent (window);
  assert_fresh (window);

  g_assert_true (lens_segmentation_merge (window->segmentation, 0, 1));
  g_signal_emit_by_name (window->segment_legend, "edited");
  lens_window_open_file (window, other);
  settle (window);
  while (window->result->request.input->image->width != 512)
    {
      spin (50);
      settle (window);
    }
  assert_consistent (window);
  assert_fresh (window);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Each row shows the atoms typical of its segment; a click on one shows
 * where it fires. A merge asks for them again; a rename does not. */
static void
test_segment_atoms (void)
{
  LensWindow *window = open_segmented ("chelsea.jpg", 4);
  gint64 deadline = g_get_monotonic_time () + patience ();
  GtkWidget *button = NULL;
  g_autoptr(GBytes) selection = NULL;
  guint32 hash;
  int atom, n_atoms;
  const int *selected;

  while (g_get_monotonic_time () < deadline
         && !gtk_widget_get_visible (row_widget (window, 0, "atoms")))
    spin (20);
  for (int s = 0; s < lens_segmentation_get_n_segments (window->segmentation); s++)
    g_assert_true (gtk_widget_get_visible (row_widget (window, s, "atoms")));
  g_assert_nonnull (window->segment_atoms);
  atom = window->segment_atoms->atoms[0];
  g_assert_cmpint (atom, >=, 0);
  g_assert_cmpint (atom, <, 32);

  /* Renaming changes no labels: nothing is asked. */
  hash = window->asked_atoms_hash;
  g_assert_true (lens_segmentation_rename (window->segmentation, 0, "Fur"));
  g_signal_emit_by_name (window->segment_legend, "edited");
  g_assert_cmpuint (window->asked_atoms_hash, ==, hash);
  g_assert_true (gtk_widget_get_visible (row_widget (window, 0, "atoms")));
  /* Merging does; meanwhile the rows show none rather than stale ones. */
  g_assert_true (lens_segmentation_merge (window->segmentation, 0, 1));
  g_signal_emit_by_name (window->segment_legend, "edited");
  g_assert_cmpuint (window->asked_atoms_hash, !=, hash);
  g_assert_false (gtk_widget_get_visible (row_widget (window, 0, "atoms")));
  deadline = g_get_monotonic_time () + patience ();
  while (g_get_monotonic_time () < deadline && !gtk_widget_get_visible (row_widget (window, 0, "atoms")))
    spin (20);
  g_assert_true (gtk_widget_get_visible (row_widget (window, 0, "atoms")));

  /* The first atom button of the first row selects its atom. */
  atom = window->segment_atoms->atoms[0];
  for (GtkWidget *child = gtk_widget_get_first_child (row_widget (window, 0, "atoms")); child && !button;
       child = gtk_widget_get_next_sibling (child))
    button = child;
  click (button);
  selection = lens_atom_gallery_get_selection (window->gallery);
  g_assert_nonnull (selection);
  selected = g_bytes_get_data (selection, NULL);
  n_atoms = g_bytes_get_size (selection) / sizeof (int);
  g_assert_cmpint (n_atoms, ==, 1);
  g_assert_cmpint (selected[0], ==, atom);
  settle (window);
  g_assert_cmpint (window->result->request.mode, ==, LENS_ACTIVATION_ATOMS);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Outlines in the legend's colours instead of a fill, on every view when asked. */
static void
test_outlines (void)
{
  LensWindow *window = open_segmented ("chelsea.jpg", 4);
  LensImageView *views[] = { window->input_view, window->reconstruction_view, window->activation_view };
  int n = lens_segmentation_get_n_segments (window->segmentation), n_outlines;
  const guint32 *outlines;

  g_assert_nonnull (lens_image_view_get_overlay (window->input_view));
  g_assert_null (lens_image_view_get_overlay (window->activation_view));
  g_action_group_change_action_state (G_ACTION_GROUP (window), "segments-everywhere", g_variant_new_boolean (TRUE));
  for (int i = 0; i < 3; i++)
    g_assert_nonnull (lens_image_view_get_overlay (views[i]));

  g_action_group_change_action_state (G_ACTION_GROUP (window), "segments-outlines", g_variant_new_boolean (TRUE));
  g_assert_true (lens_segmentation_set_visible (window->segmentation, 1, FALSE));
  g_signal_emit_by_name (window->segment_legend, "edited");
  for (int i = 0; i < 3; i++)
    {
      g_assert_null (lens_image_view_get_overlay (views[i]));
      outlines = lens_image_view_get_outlines (views[i], &n_outlines);
      g_assert_cmpint (n_outlines, ==, n);
      for (int s = 0; s < n; s++)
        {
          const LensSegment *segment = lens_segmentation_get_segment (window->segmentation, s);
          guint32 expected = segment->visible ? 0xff000000u | (guint32) segment->rgb[0] << 16
                                                | (guint32) segment->rgb[1] << 8 | segment->rgb[2]
                                              : 0;

          g_assert_cmphex (outlines[s], ==, expected);
        }
    }
  g_action_group_change_action_state (G_ACTION_GROUP (window), "segments-everywhere", g_variant_new_boolean (FALSE));
  lens_image_view_get_outlines (window->activation_view, &n_outlines);
  g_assert_cmpint (n_outlines, ==, 0);
  lens_image_view_get_outlines (window->input_view, &n_outlines);
  g_assert_cmpint (n_outlines, ==, n);
  spin (200);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  samples = samples_folder ();

  g_test_add_func ("/segments/random-edits", test_random_edits);
  g_test_add_func ("/segments/click-selects", test_click_selects);
  g_test_add_func ("/segments/fresh-sets", test_fresh_sets);
  g_test_add_func ("/segments/outlines", test_outlines);
  g_test_add_func ("/segments/atoms", test_segment_atoms);
  return g_test_run ();
}
