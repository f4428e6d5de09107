/* lens-input.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lens-input.h"

#include <glib/gi18n.h>

#include "scvae-render.h"

LensInput *
lens_input_new (ScvaeImage *image, const char *name, GFile *file, int source_width, int source_height)
{
  LensInput *input = g_atomic_rc_box_new0 (LensInput);

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
  return g_atomic_rc_box_acquire (input);
}

static void
input_clear (LensInput *input)
{
  scvae_image_free (input->image);
  g_free (input->name);
  g_clear_object (&input->file);
}

void
lens_input_unref (LensInput *input)
{
  g_atomic_rc_box_release_full (input, (GDestroyNotify) input_clear);
}

gboolean
lens_input_is_downscaled (const LensInput *input)
{
  return input->source_width != input->image->width || input->source_height != input->image->height;
}

/* A file or a texture to make an input of. */
typedef struct {
  GFile *file;
  GdkTexture *texture;
  char *name;
  int working_size;
} LoadData;

static void
load_data_free (gpointer data)
{
  LoadData *load = data;

  g_clear_object (&load->file);
  g_clear_object (&load->texture);
  g_free (load->name);
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

static void
run_load (LoadData *load, GTaskThreadFunc func, gpointer source_tag, GCancellable *cancellable,
          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_task_data (task, load, load_data_free);
  g_task_set_source_tag (task, source_tag);
  g_task_run_in_thread (task, func);
}

void
lens_input_load_async (GFile *file, int working_size, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  LoadData *load = g_new0 (LoadData, 1);

  load->file = g_object_ref (file);
  load->working_size = working_size;
  run_load (load, load_in_thread, lens_input_load_async, cancellable, callback, user_data);
}

LensInput *
lens_input_load_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Whether any pixel of an ARGB32 surface is not opaque. */
static gboolean
has_transparency (cairo_surface_t *surface)
{
  int width = cairo_image_surface_get_width (surface), height = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  const guint8 *pixels = cairo_image_surface_get_data (surface);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      if (((const guint32 *) (pixels + (gsize) y * stride))[x] >> 24 != 0xff)
        return TRUE;
  return FALSE;
}

static void
texture_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  LoadData *load = task_data;
  int width = gdk_texture_get_width (load->texture), height = gdk_texture_get_height (load->texture);
  double scale = MIN (1.0, (double) load->working_size / MAX (width, height));
  cairo_surface_t *full, *scaled;
  cairo_t *cr;
  ScvaeImage *image;
  LensInput *input;
  gboolean flattened;

  /* The limit a file has (scvae_image_load). */
  if ((double) width * height > SCVAE_MAX_SOURCE_PIXELS)
    {
      g_task_return_new_error (task, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                               ngettext ("%s: %d×%d pixels is too large (the limit is %d megapixel)",
                                         "%s: %d×%d pixels is too large (the limit is %d megapixels)",
                                         SCVAE_MAX_SOURCE_PIXELS / 1000000),
                               load->name, width, height, SCVAE_MAX_SOURCE_PIXELS / 1000000);
      return;
    }
  /* GDK downloads premultiplied ARGB, cairo's own format: scaled as it
   * is, alpha is right at the edges. */
  full = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  if (cairo_surface_status (full) != CAIRO_STATUS_SUCCESS)
    {
      g_task_return_new_error (task, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT, "%s: %s", load->name,
                               cairo_status_to_string (cairo_surface_status (full)));
      cairo_surface_destroy (full);
      return;
    }
  gdk_texture_download (load->texture, cairo_image_surface_get_data (full), cairo_image_surface_get_stride (full));
  cairo_surface_mark_dirty (full);
  flattened = has_transparency (full);

  scaled = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, MAX (1, (int) (width * scale + 0.5)),
                                       MAX (1, (int) (height * scale + 0.5)));
  cr = cairo_create (scaled);
  cairo_scale (cr, (double) cairo_image_surface_get_width (scaled) / width,
               (double) cairo_image_surface_get_height (scaled) / height);
  cairo_set_source_surface (cr, full, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
  cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_destroy (full);

  image = scvae_render_surface_to_image (scaled);
  cairo_surface_destroy (scaled);
  input = lens_input_new (image, load->name, NULL, width, height);
  input->flattened = flattened;
  g_task_return_pointer (task, input, (GDestroyNotify) lens_input_unref);
}

void
lens_input_new_from_texture_async (GdkTexture *texture, const char *name, int working_size,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  LoadData *load = g_new0 (LoadData, 1);

  /* Textures are immutable, so safe to read on another thread. */
  load->texture = g_object_ref (texture);
  load->name = g_strdup (name);
  load->working_size = working_size;
  run_load (load, texture_in_thread, lens_input_new_from_texture_async, cancellable, callback, user_data);
}
