/* lens-welcome-page.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lens-welcome-page.h"

#include <string.h>

#include "shipped.h"

#define MAX_RECENT 4

struct _LensWelcomePage {
  AdwBin parent_instance;

  /* Template widgets */
  GtkBox *samples_box;
  GtkLabel *recent_label;
  GtkBox *recent_box;
};

G_DEFINE_FINAL_TYPE (LensWelcomePage, lens_welcome_page, ADW_TYPE_BIN)

enum {
  SIGNAL_OPEN_FILE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_thumbnail_clicked (GtkButton *button, LensWelcomePage *self)
{
  g_autoptr(GFile) file = g_file_new_for_path (g_object_get_data (G_OBJECT (button), "path"));

  g_signal_emit (self, signals[SIGNAL_OPEN_FILE], 0, file);
}

/* A button with a thumbnail and a caption that opens path; FALSE if path
 * is not an image this system reads. */
static gboolean
add_thumbnail (LensWelcomePage *self, GtkBox *box, const char *path, const char *caption)
{
  g_autoptr(GdkPixbuf) thumbnail = gdk_pixbuf_new_from_file_at_scale (path, 128, 96, TRUE, NULL);
  GtkWidget *button, *content, *picture, *label;

  if (thumbnail == NULL)
    return FALSE;
  picture = gtk_picture_new_for_pixbuf (thumbnail);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), FALSE);
  gtk_picture_set_alternative_text (GTK_PICTURE (picture), caption);
  label = g_object_new (GTK_TYPE_LABEL, "label", caption, "ellipsize", PANGO_ELLIPSIZE_MIDDLE,
                        "max-width-chars", 16, NULL);
  content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append (GTK_BOX (content), picture);
  gtk_box_append (GTK_BOX (content), label);
  button = g_object_new (GTK_TYPE_BUTTON, "child", content, "tooltip-text", path, "css-classes",
                         (const char *[]) { "flat", NULL }, NULL);
  g_object_set_data_full (G_OBJECT (button), "path", g_strdup (path), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (on_thumbnail_clicked), self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, caption, -1);
  gtk_box_append (box, button);
  return TRUE;
}

static void
add_samples (LensWelcomePage *self)
{
  static const char *names[] = { "astronaut.jpg", "coffee.jpg", "chelsea.jpg", "rocket.jpg" };
  g_autofree char *folder = shipped_path ("samples");

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
add_recent (LensWelcomePage *self)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  int shown = 0;

  items = g_list_sort (items, newest_first);
  for (GList *l = items; l && shown < MAX_RECENT; l = l->next)
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

static void
lens_welcome_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LENS_TYPE_WELCOME_PAGE);

  G_OBJECT_CLASS (lens_welcome_page_parent_class)->dispose (object);
}

static void
lens_welcome_page_class_init (LensWelcomePageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lens_welcome_page_dispose;

  signals[SIGNAL_OPEN_FILE] = g_signal_new ("open-file", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_FILE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparselens/SparseLens/lens-welcome-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LensWelcomePage, samples_box);
  gtk_widget_class_bind_template_child (widget_class, LensWelcomePage, recent_label);
  gtk_widget_class_bind_template_child (widget_class, LensWelcomePage, recent_box);
}

static void
lens_welcome_page_init (LensWelcomePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  add_samples (self);
  add_recent (self);
}
