/* png.c: writing cairo surfaces as PNG files, atomically
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "cli.h"

static cairo_status_t
append (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

gboolean
cli_write_png (cairo_surface_t *surface, const char *path, GError **error)
{
  g_autoptr(GByteArray) png = g_byte_array_new ();
  g_autoptr(GError) local_error = NULL;
  cairo_status_t status = cairo_surface_write_to_png_stream (surface, append, png);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_FAILED, "%s: %s", path, cairo_status_to_string (status));
      return FALSE;
    }
  if (!g_file_set_contents_full (path, (const char *) png->data, png->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0644, &local_error))
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_FAILED, "%s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

cairo_surface_t *
cli_image_surface (const ScvaeImage *image)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, image->width, image->height);
  guint8 *pixels = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  gsize plane = (gsize) image->width * image->height;

  for (int y = 0; y < image->height; y++)
    for (int x = 0; x < image->width; x++)
      {
        guint32 pixel = 0;

        for (int c = 0; c < 3; c++)
          {
            float v = (image->data[c * plane + (gsize) y * image->width + x] + 1.f) * 127.5f;
            pixel = pixel << 8 | (guint32) CLAMP ((int) (v + 0.5f), 0, 255);
          }
        ((guint32 *) (pixels + (gsize) y * stride))[x] = pixel;
      }
  cairo_surface_mark_dirty (surface);
  return surface;
}
