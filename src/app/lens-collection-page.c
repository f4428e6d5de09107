/* lens-collection-page.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three states: nothing surveyed (how to begin), a survey running (its
 * progress), and a collection: its summary and, for the atom selected in
 * the gallery, its strongest patches across the collection, the histogram
 * of its strength, its nearest atoms and the atoms it fires with. Clicking
 * a patch or an atom is the window's business ("patch-activated",
 * "atom-activated").
 */

#include "config.h"

#include "lens-collection-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "lens-worker.h"

#define NEIGHBOUR_PIXELS 48

struct _LensCollectionPage {
  GtkWidget parent_instance;

  /* Template widgets */
  GtkStack *stack;
  AdwStatusPage *running_page;
  GtkProgressBar *progress;
  AdwPreferencesGroup *summary;
  GtkLabel *skipped_label;
  GtkWidget *hint;
  GtkWidget *atom_box;
  GtkLabel *atom_title;
  GtkLabel *atom_stats;
  GtkFlowBox *top_patches;
  GtkDrawingArea *histogram;
  GtkFlowBox *nearest;
  GtkFlowBox *cooccurs;

  const LensCollection *collection;
  LensAtomGallery *gallery;
  int atom;
};

G_DEFINE_FINAL_TYPE (LensCollectionPage, lens_collection_page, GTK_TYPE_WIDGET)

enum {
  SIGNAL_PATCH_ACTIVATED,
  SIGNAL_ATOM_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
lens_collection_page_show_empty (LensCollectionPage *self)
{
  self->collection = NULL;
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

void
lens_collection_page_show_progress (LensCollectionPage *self, const char *name, int done, int total)
{
  g_autofree char *text = NULL;

  self->collection = NULL;
  adw_status_page_set_description (self->running_page, name);
  if (total > 0)
    /* Translators: images surveyed, of all */
    text = g_strdup_printf (_("%d of %d images"), done, total);
  else
    text = g_strdup (_("Looking for images…"));
  gtk_progress_bar_set_text (self->progress, text);
  gtk_progress_bar_set_fraction (self->progress, total > 0 ? (double) done / total : 0.0);
  gtk_stack_set_visible_child_name (self->stack, "running");
}

static void
remove_children (GtkFlowBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))))
    gtk_flow_box_remove (box, child);
}

static GdkTexture *
texture_from_surface (cairo_surface_t *surface)
{
  int w = cairo_image_surface_get_width (surface), h = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  g_autoptr(GBytes) bytes = NULL;

  cairo_surface_flush (surface);
  bytes = g_bytes_new (cairo_image_surface_get_data (surface), (gsize) stride * h);
  return gdk_memory_texture_new (w, h, GDK_MEMORY_DEFAULT, bytes, stride);
}

static void
on_patch_clicked (GtkButton *button, LensCollectionPage *self)
{
  int i = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "patch"));
  const LensCollectionPatch *patch;

  if (self->collection == NULL || self->atom < 0 || i >= self->collection->atoms[self->atom].n_top)
    return;
  patch = &self->collection->atoms[self->atom].top[i];
  g_signal_emit (self, signals[SIGNAL_PATCH_ACTIVATED], 0, patch->image, patch->row, patch->col);
}

static void
on_neighbour_clicked (GtkButton *button, LensCollectionPage *self)
{
  g_signal_emit (self, signals[SIGNAL_ATOM_ACTIVATED], 0,
                 GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "atom")));
}

/* A button per top patch, empty until the crops arrive. */
static void
add_patch_buttons (LensCollectionPage *self, const LensCollectionAtom *atom)
{
  int side = LENS_CROP_PATCHES * SCVAE_PATCH_PIXELS * LENS_CROP_MAGNIFY;

  remove_children (self->top_patches);
  for (int i = 0; i < atom->n_top; i++)
    {
      const LensCollectionPatch *patch = &atom->top[i];
      const ScvaeSurveyImage *image = self->collection->images->pdata[patch->image];
      g_autofree char *name = g_path_get_basename (image->path);
      /* Translators: a patch's image, row, column and coefficient */
      g_autofree char *tip = g_strdup_printf (_("%s, row %d, column %d: %+.3f"), name, patch->row, patch->col,
                                              patch->value);
      GtkWidget *button = gtk_button_new ();
      GtkWidget *picture = gtk_image_new ();

      gtk_image_set_pixel_size (GTK_IMAGE (picture), side);
      gtk_button_set_child (GTK_BUTTON (button), picture);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, tip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tip, -1);
      g_object_set_data (G_OBJECT (button), "patch", GINT_TO_POINTER (i));
      g_signal_connect (button, "clicked", G_CALLBACK (on_patch_clicked), self);
      gtk_flow_box_append (self->top_patches, button);
    }
}

/* A button per neighbour: its thumbnail, index and value. */
static void
add_neighbours (LensCollectionPage *self, GtkFlowBox *box, const LensAtomNeighbour *neighbours, int n,
                gboolean lift)
{
  remove_children (box);
  for (int i = 0; i < n; i++)
    {
      GtkWidget *button = gtk_button_new (), *child = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *picture = gtk_image_new (), *label;
      GdkTexture *thumbnail = lens_atom_gallery_get_texture (self->gallery, neighbours[i].index);
      g_autofree char *caption = NULL, *name = NULL;

      if (lift)
        {
          caption = g_strdup_printf ("%d · ×%.1f", neighbours[i].index, neighbours[i].value);
          /* Translators: an atom, and how many times more often than
           * chance it fires with the selected one */
          name = g_strdup_printf (_("Atom %d, %.1f times as often as by chance"), neighbours[i].index,
                                  neighbours[i].value);
        }
      else
        {
          caption = g_strdup_printf ("%d · %+.2f", neighbours[i].index, neighbours[i].value);
          /* Translators: an atom and its cosine with the selected one */
          name = g_strdup_printf (_("Atom %d, cosine %.2f"), neighbours[i].index, neighbours[i].value);
        }
      if (thumbnail)
        gtk_image_set_from_paintable (GTK_IMAGE (picture), GDK_PAINTABLE (thumbnail));
      gtk_image_set_pixel_size (GTK_IMAGE (picture), NEIGHBOUR_PIXELS);
      label = gtk_label_new (caption);
      gtk_widget_add_css_class (label, "caption");
      gtk_widget_add_css_class (label, "numeric");
      /* Near-duplicates stand out */
      if (!lift && fabs (neighbours[i].value) > 0.9)
        gtk_widget_add_css_class (label, "warning");
      gtk_box_append (GTK_BOX (child), picture);
      gtk_box_append (GTK_BOX (child), label);
      gtk_button_set_child (GTK_BUTTON (button), child);
      gtk_widget_add_css_class (button, "flat");
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      g_object_set_data (G_OBJECT (button), "atom", GINT_TO_POINTER (neighbours[i].index));
      g_signal_connect (button, "clicked", G_CALLBACK (on_neighbour_clicked), self);
      gtk_flow_box_append (box, button);
    }
}

void
lens_collection_page_show_atom (LensCollectionPage *self, int atom)
{
  const LensCollectionAtom *a;
  g_autofree char *title = NULL, *stats = NULL, *patches = NULL;
  const char *flag = "";

  if (self->collection == NULL || atom < 0 || atom >= self->collection->n_atoms)
    atom = -1;
  self->atom = atom;
  gtk_widget_set_visible (self->hint, atom < 0);
  gtk_widget_set_visible (self->atom_box, atom >= 0);
  if (atom < 0)
    return;

  a = &self->collection->atoms[atom];
  title = g_strdup_printf (_("Atom %d"), atom);
  gtk_label_set_label (self->atom_title, title);
  if (lens_collection_atom_is_dead (self->collection, atom))
    flag = _("Dead: it fires in none of the collection's patches.");
  else if (lens_collection_atom_is_dense (self->collection, atom))
    flag = _("Dense: it fires in more than half of the patches.");
  patches = g_strdup_printf ("%" G_GUINT64_FORMAT, self->collection->patches);
  /* Translators: the share of patches, all patches, the mean and the
   * largest |coefficient|, then a warning or nothing */
  stats = g_strdup_printf (_("Fires in %.2f %% of %s patches, mean |z| %.3f, largest %.3f. %s"), 100 * a->frequency,
                           patches, a->mean_abs, a->max_abs, flag);
  gtk_label_set_label (self->atom_stats, stats);
  add_patch_buttons (self, a);
  add_neighbours (self, self->nearest, a->nearest, a->n_nearest, FALSE);
  add_neighbours (self, self->cooccurs, a->cooccurs, a->n_cooccurs, TRUE);
  gtk_widget_queue_draw (GTK_WIDGET (self->histogram));
}

void
lens_collection_page_show_collection (LensCollectionPage *self, const LensCollection *collection,
                                      const char *name, LensAtomGallery *gallery)
{
  g_autofree char *description = NULL, *patches = NULL;
  g_autoptr(GString) skipped = g_string_new (NULL);
  guint n_skipped = g_strv_length (collection->skipped);
  int dead = 0, dense = 0;

  self->collection = collection;
  self->gallery = gallery;
  for (int k = 0; k < collection->n_atoms; k++)
    {
      dead += lens_collection_atom_is_dead (collection, k);
      dense += lens_collection_atom_is_dense (collection, k);
    }
  adw_preferences_group_set_title (self->summary, name);
  patches = g_strdup_printf ("%" G_GUINT64_FORMAT, collection->patches);
  /* Translators: images, their size, patches, then dead and dense atoms */
  description = g_strdup_printf (_("%u images at up to %d px, %s patches; %d dead and %d dense atoms"),
                                 collection->images->len, collection->max_size, patches, dead, dense);
  adw_preferences_group_set_description (self->summary, description);
  if (n_skipped > 0)
    {
      g_string_append_printf (skipped, ngettext ("%u file skipped:", "%u files skipped:", n_skipped), n_skipped);
      for (guint i = 0; i < n_skipped; i++)
        g_string_append_printf (skipped, "\n%s", collection->skipped[i]);
    }
  gtk_label_set_label (self->skipped_label, skipped->str);
  gtk_widget_set_visible (GTK_WIDGET (self->skipped_label), n_skipped > 0);
  gtk_stack_set_visible_child_name (self->stack, "ready");
  /* A new collection: no atom shown until the window asks */
  lens_collection_page_show_atom (self, -1);
}

void
lens_collection_page_set_crops (LensCollectionPage *self, int atom, GPtrArray *crops)
{
  int i = 0;

  if (atom != self->atom)
    return;
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->top_patches)); child && (guint) i < crops->len;
       child = gtk_widget_get_next_sibling (child), i++)
    {
      GtkWidget *picture = gtk_button_get_child (GTK_BUTTON (gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child))));
      cairo_surface_t *crop = crops->pdata[i];

      if (crop)
        {
          g_autoptr(GdkTexture) texture = texture_from_surface (crop);
          gtk_image_set_from_paintable (GTK_IMAGE (picture), GDK_PAINTABLE (texture));
        }
      else
        gtk_image_set_from_icon_name (GTK_IMAGE (picture), "image-missing-symbolic");
    }
}

int
lens_collection_page_get_atom (LensCollectionPage *self)
{
  return self->atom;
}

/* The histogram of |z|: one bar per bin (the bins are equal on a log
 * scale), decades marked under it. */
static void
draw_histogram (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  LensCollectionPage *self = data;
  GtkStyleContext *style = gtk_widget_get_style_context (GTK_WIDGET (area));
  const LensCollectionAtom *atom;
  GdkRGBA fg, accent;
  double bar, plot_height, most = 0;
  PangoLayout *layout;
  int text_height;

  if (self->collection == NULL || self->atom < 0)
    return;
  atom = &self->collection->atoms[self->atom];
  gtk_style_context_get_color (style, &fg);
  if (!gtk_style_context_lookup_color (style, "accent_color", &accent))
    accent = fg;
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (area), "10");
  pango_layout_get_pixel_size (layout, NULL, &text_height);
  plot_height = height - text_height - 2;
  bar = (double) width / SCVAE_SURVEY_BINS;
  for (int i = 0; i < SCVAE_SURVEY_BINS; i++)
    most = MAX (most, (double) atom->counts[i]);
  gdk_cairo_set_source_rgba (cr, &accent);
  for (int i = 0; i < SCVAE_SURVEY_BINS && most > 0; i++)
    {
      double h = plot_height * atom->counts[i] / most;

      cairo_rectangle (cr, i * bar + 1, plot_height - h, bar - 2, h);
    }
  cairo_fill (cr);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.3);
  cairo_rectangle (cr, 0, plot_height, width, 1);
  cairo_fill (cr);
  /* Decades: the lower edges of bins 1, 5, 9... (10^-3, 10^-2, ...) */
  gdk_cairo_set_source_rgba (cr, &fg);
  for (int i = 1; i < SCVAE_SURVEY_BINS; i += 4)
    {
      g_autofree char *text = g_strdup_printf ("%g", atom->edges[i]);
      int text_width;

      pango_layout_set_text (layout, text, -1);
      pango_layout_get_pixel_size (layout, &text_width, NULL);
      cairo_move_to (cr, CLAMP (i * bar - text_width / 2.0, 0, width - text_width), plot_height + 2);
      pango_cairo_show_layout (cr, layout);
    }
  g_object_unref (layout);
}

static void
lens_collection_page_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), LENS_TYPE_COLLECTION_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (lens_collection_page_parent_class)->dispose (object);
}

static void
lens_collection_page_class_init (LensCollectionPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lens_collection_page_dispose;

  signals[SIGNAL_PATCH_ACTIVATED] = g_signal_new ("patch-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_INT, G_TYPE_INT,
                                                  G_TYPE_INT);
  signals[SIGNAL_ATOM_ACTIVATED] = g_signal_new ("atom-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                 NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparselens/SparseLens/lens-collection-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LensCollectionPage, stack);
  gtk_widget_class_bind_template_child (widget_class, LensCollectionPage, running_page);
  gtk_widget_class_bind_template_child (widget_class, LensCollectionPage, progress);
  gtk_widget_class_bind_template_child (widget_class, LensCollectionPage, summary);
  gtk_widget_class_bind_template_child (widget_class, LensCollectionPage, skipped_label);
  gtk_widget_class_bind_template_child (widget_class, LensCollectionPage, hint);
  gtk_widget_class_bind_template_child (widget_class, LensCollectionPage, atom_box);
  gtk_widget_class_bind_template_child (widget_class, LensCollectionPage, atom_title);
  gtk_widget_class_bind_template_child (widget_class, LensCollectionPage, atom_stats);
  gtk_widget_class_bind_template_child (widget_class, LensCollectionPage, top_patches);
  gtk_widget_class_bind_template_child (widget_class, LensCollectionPage, histogram);
  gtk_widget_class_bind_template_child (widget_class, LensCollectionPage, nearest);
  gtk_widget_class_bind_template_child (widget_class, LensCollectionPage, cooccurs);
}

static void
lens_collection_page_init (LensCollectionPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->atom = -1;
  gtk_drawing_area_set_draw_func (self->histogram, draw_histogram, self, NULL);
  lens_collection_page_show_empty (self);
}
