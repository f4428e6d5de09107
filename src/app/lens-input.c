/* lens-input.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lens-input.h"

#include <glib/gi18n.h>

LensInput *
lens_input_new (ScvaeImage *image, const char *name, GFile *file, int source_width, int source_height)
{
  LensInput *input = g_new0 (LensInput, 1);

  g_atomic_ref_count_init (&input->ref_count);
  input->image = image;
  input->name = g_strdup (name);
  input->file = file ? g_object_ref (file) : NULL;
  input->source_width = source_width;
  input->source_height = source_height;
  return input;
}

LensInput *
lens_input_ref (LensInput *input)
{
  g_atomic_ref_count_inc (&input->ref_count);
  return input;
}

void
lens_input_unref (LensInput *input)
{
  if (input == NULL || !g_atomic_ref_count_dec (&input->ref_count))
    return;
  scvae_image_free (input->image);
  g_free (input->name);
  g_clear_object (&input->file);
  g_free (input);
}

gboolean
lens_input_is_downscaled (const LensInput *input)
{
  return input->source_width != input->image->width || input->source_height != input->image->height;
}

typedef struct {
  GFile *file;
  int working_size;
} LoadData;

static void
load_data_free (gpointer data)
{
  LoadData *load = data;

  g_object_unref (load->file);
  g_free (load);
}

static void
load_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  LoadData *load = task_data;
  g_autofree char *path = g_file_get_path (load->file);
  g_autofree char *name = g_file_get_basename (load->file);
  g_autoptr(GError) error = NULL;
  ScvaeImage *image;
  ScvaeImageInfo info;
  LensInput *input;

  if (path == NULL)
    {
      g_task_return_new_error (task, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                               _("%s: not a local file"), name);
      return;
    }
  image = scvae_image_load_with_info (path, load->working_size, &info, &error);
  if (image == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  input = lens_input_new (image, name, load->file, MAX (info.source_width, image->width),
                          MAX (info.source_height, image->height));
  input->flattened = info.flattened;
  g_task_return_pointer (task, input, (GDestroyNotify) lens_input_unref);
}

void
lens_input_load_async (GFile *file, int working_size, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  LoadData *load = g_new0 (LoadData, 1);

  load->file = g_object_ref (file);
  load->working_size = working_size;
  g_task_set_task_data (task, load, load_data_free);
  g_task_set_source_tag (task, lens_input_load_async);
  g_task_run_in_thread (task, load_in_thread);
}

LensInput *
lens_input_load_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
has_transparency (GdkPixbuf *pixbuf)
{
  int stride = gdk_pixbuf_get_rowstride (pixbuf), channels = gdk_pixbuf_get_n_channels (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);

  for (int y = 0; gdk_pixbuf_get_has_alpha (pixbuf) && y < gdk_pixbuf_get_height (pixbuf); y++)
    for (int x = 0; x < gdk_pixbuf_get_width (pixbuf); x++)
      if (pixels[(gsize) y * stride + (gsize) x * channels + 3] != 255)
        return TRUE;
  return FALSE;
}

LensInput *
lens_input_new_from_texture_pixbuf (GdkPixbuf *pixbuf, const char *name, int working_size)
{
  int width = gdk_pixbuf_get_width (pixbuf), height = gdk_pixbuf_get_height (pixbuf);
  g_autoptr(GdkPixbuf) scaled = NULL;
  LensInput *input;

  if (MAX (width, height) > working_size)
    {
      double f = (double) working_size / MAX (width, height);
      scaled = gdk_pixbuf_scale_simple (pixbuf, MAX (1, (int) (width * f + 0.5)),
                                        MAX (1, (int) (height * f + 0.5)), GDK_INTERP_HYPER);
    }
  input = lens_input_new (scvae_image_new_from_pixbuf (scaled ? scaled : pixbuf), name, NULL, width, height);
  input->flattened = has_transparency (pixbuf);
  return input;
}
