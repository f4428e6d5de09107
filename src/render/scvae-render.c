/* scvae-render.c: what scvae and Sparse Lens write as pictures
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "scvae-render.h"

#include <string.h>

#define BORDER_SHADE 0.15 /* border pixels keep this much of the image */

static inline guint32
rgb24 (const guint8 rgb[3])
{
  /* CAIRO_FORMAT_RGB24: native-endian 0xXXRRGGBB */
  return (guint32) rgb[0] << 16 | (guint32) rgb[1] << 8 | rgb[2];
}

/* A level from a value in [-1, 1], rounded; clamped as a float, so that
 * a loop of these vectorises. */
static inline guint32
level (float v)
{
  return (guint32) CLAMP ((v + 1.f) * 127.5f + 0.5f, 0.f, 255.f);
}

/* CAIRO_FORMAT_RGB24 of the pixel whose red value v points at: three
 * planes, `plane` floats apart. */
static inline guint32
pixel (const float *v, gsize plane)
{
  return level (v[0]) << 16 | level (v[plane]) << 8 | level (v[2 * plane]);
}

cairo_surface_t *
scvae_render_image (const ScvaeImage *image)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, image->width, image->height);
  guint8 *pixels = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  gsize plane = (gsize) image->width * image->height;

  for (int y = 0; y < image->height; y++)
    {
      guint32 *row = (guint32 *) (pixels + (gsize) y * stride);
      const float *channel = image->data + (gsize) y * image->width;
      int x = 0;

      /* Eight pixels at a time, a loop of known length the compiler
       * makes vectors of (a 1024x768 image: 3.3 ms before, 1.8 now). */
      for (; x + 8 <= image->width; x += 8)
        {
          guint32 lanes[8];

          for (int i = 0; i < 8; i++)
            lanes[i] = pixel (channel + x + i, plane);
          memcpy (row + x, lanes, sizeof lanes);
        }
      for (; x < image->width; x++)
        row[x] = pixel (channel + x, plane);
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

ScvaeImage *
scvae_render_surface_to_image (cairo_surface_t *surface)
{
  int w = cairo_image_surface_get_width (surface), h = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  const guint8 *pixels;
  ScvaeImage *image = scvae_image_new (w, h);
  gsize plane = (gsize) w * h;

  g_return_val_if_fail (cairo_image_surface_get_format (surface) == CAIRO_FORMAT_ARGB32, image);

  cairo_surface_flush (surface);
  pixels = cairo_image_surface_get_data (surface);
  for (int y = 0; y < h; y++)
    {
      const guint32 *row = (const guint32 *) (pixels + (gsize) y * stride);

      for (int x = 0; x < w; x++)
        {
          float alpha = (row[x] >> 24) / 255.f;

          /* Premultiplied p = a v, so a (v / 127.5 - 1) = p / 127.5 - a:
           * mid grey is 0. */
          for (int c = 0; c < 3; c++)
            image->data[c * plane + (gsize) y * w + x] = ((row[x] >> (16 - 8 * c)) & 0xff) / 127.5f - alpha;
        }
    }
  return image;
}

cairo_surface_t *
scvae_render_overlay (const ScvaeImage *image,
                      const guint8 *labels,
                      const ScvaeRenderSegment *segments,
                      int n_segments,
                      double opacity)
{
  cairo_surface_t *surface = scvae_render_image (image);
  guint8 *pixels = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface), w = image->width, h = image->height;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint32 *pixel = (guint32 *) (pixels + (gsize) y * stride) + x;
        guint8 label = labels[(gsize) y * w + x], out[3];
        gboolean border = (x + 1 < w && labels[(gsize) y * w + x + 1] != label)
                          || (y + 1 < h && labels[(gsize) (y + 1) * w + x] != label);
        const ScvaeRenderSegment *segment = label < n_segments ? &segments[label] : NULL;

        for (int c = 0; c < 3; c++)
          {
            double v = (*pixel >> (16 - 8 * c)) & 0xff;

            if (border)
              v *= BORDER_SHADE;
            else if (segment && segment->visible)
              v = (1 - opacity) * v + opacity * segment->rgb[c];
            out[c] = (guint8) CLAMP ((int) (v + 0.5), 0, 255);
          }
        *pixel = rgb24 (out);
      }
  cairo_surface_mark_dirty (surface);
  return surface;
}

cairo_surface_t *
scvae_render_crop (const ScvaeImage *image, int x, int y, int size)
{
  g_autoptr(ScvaeImage) crop = scvae_image_new (size, size);
  int w = image->width, h = image->height;
  gsize plane = (gsize) w * h;

  for (int c = 0; c < 3; c++)
    for (int cy = 0; cy < size; cy++)
      for (int cx = 0; cx < size; cx++)
        crop->data[((gsize) c * size + cy) * size + cx] =
          image->data[c * plane + (gsize) CLAMP (y + cy, 0, h - 1) * w + CLAMP (x + cx, 0, w - 1)];
  return scvae_render_image (crop);
}

cairo_surface_t *
scvae_render_patches (cairo_surface_t *patches, int width, int height)
{
  cairo_surface_t *out = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cairo_t *cr = cairo_create (out);

  cairo_scale (cr, SCVAE_PATCH_PIXELS, SCVAE_PATCH_PIXELS);
  cairo_set_source_surface (cr, patches, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_destroy (cr);
  return out;
}

cairo_surface_t *
scvae_render_label_map (const guint8 *labels, int width, int height)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_A8, width, height);
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  for (int y = 0; y < height; y++)
    memcpy (data + (gsize) y * stride, labels + (gsize) y * width, width);
  cairo_surface_mark_dirty (surface);
  return surface;
}

static cairo_status_t
append (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

gboolean
scvae_render_write_png (cairo_surface_t *surface, const char *path, GError **error)
{
  g_autoptr(GByteArray) png = g_byte_array_new ();
  cairo_status_t status = cairo_surface_write_to_png_stream (surface, append, png);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_FAILED, "%s: %s", path, cairo_status_to_string (status));
      return FALSE;
    }
  return scvae_write_file (path, (const char *) png->data, png->len, error);
}
