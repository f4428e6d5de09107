/* lens-window-dnd.c: dropping images, models and folders on the window
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lens-window-private.h"

#include <glib/gi18n.h>

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, LensWindow *self)
{
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = g_value_get_boxed (value);
      GFile *file;
      g_autofree char *name = NULL;

      if (files == NULL)
        return FALSE;
      file = files->data;
      name = g_file_get_basename (file);
      /* A folder is surveyed; a model replaces the model. */
      if (g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL) == G_FILE_TYPE_DIRECTORY)
        lens_window_survey_folder (self, file);
      else if (g_str_has_suffix (name, ".safetensors"))
        lens_window_open_model (self, file);
      else
        lens_window_open_file (self, file);
      return TRUE;
    }
  return FALSE;
}

void
lens_window_setup_dnd (LensWindow *self)
{
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  GType types[] = { GDK_TYPE_FILE_LIST };

  gtk_drop_target_set_gtypes (target, types, G_N_ELEMENTS (types));
  g_signal_connect (target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}
