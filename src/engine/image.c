/* image.c: images in and out of the engine
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "scvae.h"

#include "files.h"
#include "sniff.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

ScvaeImage *
scvae_image_new (int width, int height)
{
  ScvaeImage *image = g_new0 (ScvaeImage, 1);

  image->width = width;
  image->height = height;
  image->data = g_new0 (float, (gsize) 3 * width * height);
  return image;
}

void
scvae_image_free (ScvaeImage *image)
{
  if (image == NULL)
    return;
  g_free (image->data);
  g_free (image);
}

ScvaeImage *
scvae_image_copy (const ScvaeImage *image)
{
  ScvaeImage *copy = scvae_image_new (image->width, image->height);

  memcpy (copy->data, image->data, (gsize) 3 * image->width * image->height * sizeof (float));
  return copy;
}

ScvaeImage *
scvae_image_new_from_pixbuf (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf), height = gdk_pixbuf_get_height (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf), channels = gdk_pixbuf_get_n_channels (pixbuf);
  gboolean alpha = gdk_pixbuf_get_has_alpha (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  ScvaeImage *image = scvae_image_new (width, height);
  gsize plane = (gsize) width * height;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guint8 *p = pixels + (gsize) y * stride + (gsize) x * channels;
        /* Transparent pixels blend into mid grey, which is 0 in [-1, 1]. */
        float a = alpha ? p[3] / 255.f : 1.f;

        for (int c = 0; c < 3; c++)
          {
            float v = channels >= 3 ? p[c] : p[0];
            image->data[c * plane + (gsize) y * width + x] = a * (v / 127.5f - 1.f);
          }
      }
  return image;
}

GdkPixbuf *
scvae_image_to_pixbuf (const ScvaeImage *image)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, image->width, image->height);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  gsize plane = (gsize) image->width * image->height;

  for (int y = 0; y < image->height; y++)
    for (int x = 0; x < image->width; x++)
      for (int c = 0; c < 3; c++)
        {
          float v = (image->data[c * plane + (gsize) y * image->width + x] + 1.f) * 127.5f;
          pixels[(gsize) y * stride + x * 3 + c] = (guint8) CLAMP (lrintf (v), 0, 255);
        }
  return pixbuf;
}

/* GdkPixbuf decodes a cut-off JPEG or PNG without complaint, showing grey
 * where the data ended. The end-of-image marker must be near the end of
 * the file (a little trailing data is tolerated, as readers do). */
static gboolean
is_truncated (const char *path, GdkPixbufFormat *format)
{
  g_autofree char *name = gdk_pixbuf_format_get_name (format);
  static const guint8 jpeg_end[] = { 0xff, 0xd9 };
  guint8 tail[4096];
  const guint8 *marker;
  gsize marker_size, got;
  FILE *file;

  if (g_str_equal (name, "jpeg"))
    marker = jpeg_end, marker_size = sizeof jpeg_end;
  else if (g_str_equal (name, "png"))
    marker = (const guint8 *) "IEND", marker_size = 4;
  else
    return FALSE;

  file = fopen (path, "rb");
  if (file == NULL)
    return FALSE; /* the decoder will report the read error */
  if (fseek (file, -(long) sizeof tail, SEEK_END) != 0)
    rewind (file); /* a file shorter than the tail */
  got = fread (tail, 1, sizeof tail, file);
  fclose (file);
  return memmem (tail, got, marker, marker_size) == NULL;
}

/* The first bytes of a file, for sniffing; how many were read. */
static gsize
read_head (const char *path, guint8 *head, gsize size)
{
  FILE *file = fopen (path, "rb");
  gsize got;

  if (file == NULL)
    return 0; /* the decoder will report the read error */
  got = fread (head, 1, size, file);
  fclose (file);
  return got;
}

/* The most bytes decoding an image of width x height into target_width x
 * target_height holds at once. GdkPixbufLoader decodes at full size and
 * scales at the end, except that its JPEG decoder reads at 1/2, 1/4 or 1/8
 * of the size when that is still at least the target; then come the
 * scaled copy, its EXIF rotation and the float planes. */
static guint64
decode_bytes (GdkPixbufFormat *format, int width, int height, int target_width, int target_height)
{
  g_autofree char *name = gdk_pixbuf_format_get_name (format);
  guint64 decoded_width = width, decoded_height = height;

  if (g_str_equal (name, "jpeg"))
    for (int denominator = 2; denominator <= 8; denominator *= 2)
      {
        int w = (width + denominator - 1) / denominator, h = (height + denominator - 1) / denominator;

        if (w < target_width || h < target_height)
          break;
        decoded_width = w;
        decoded_height = h;
      }
  return 4 * decoded_width * decoded_height
         + (4 + 4 + 3 * sizeof (float)) * (guint64) target_width * target_height;
}

/* A GIF's frames may be larger than the logical screen its header gives,
 * and GdkPixbuf allocates each in full while decoding: the largest, or
 * 0x0 for other formats. */
static void
largest_gif_frame (const char *path, GdkPixbufFormat *format, guint *width, guint *height)
{
  g_autofree char *name = gdk_pixbuf_format_get_name (format);
  g_autoptr(GMappedFile) file = NULL;

  *width = *height = 0;
  if (!g_str_equal (name, "gif") || (file = g_mapped_file_new (path, FALSE, NULL)) == NULL)
    return;
  scvae__sniff_gif_largest_frame ((const guint8 *) g_mapped_file_get_contents (file), g_mapped_file_get_length (file),
                                  width, height);
}

static gboolean
has_transparency (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf), height = gdk_pixbuf_get_height (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf), channels = gdk_pixbuf_get_n_channels (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);

  if (!gdk_pixbuf_get_has_alpha (pixbuf))
    return FALSE;
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      if (pixels[(gsize) y * stride + (gsize) x * channels + 3] != 255)
        return TRUE;
  return FALSE;
}

static ScvaeImage *
too_large (GError **error, const char *path, int width, int height)
{
  scvae__invalid_file (error, path,
                       g_dngettext (GETTEXT_PACKAGE,
                                    "%dx%d pixels is too large (the limit is %d megapixel)",
                                    "%dx%d pixels is too large (the limit is %d megapixels)",
                                    SCVAE_MAX_SOURCE_PIXELS / 1000000),
                       width, height, SCVAE_MAX_SOURCE_PIXELS / 1000000);
  return NULL;
}

ScvaeImage *
scvae_image_load (const char *path, int max_side, gboolean *was_scaled, GError **error)
{
  ScvaeImageInfo info;
  ScvaeImage *image = scvae_image_load_with_info (path, max_side, &info, error);

  if (was_scaled)
    *was_scaled = image && info.scaled;
  return image;
}

ScvaeImage *
scvae_image_load_with_info (const char *path, int max_side, ScvaeImageInfo *info, GError **error)
{
  g_autoptr(GdkPixbuf) loaded = NULL;
  g_autoptr(GdkPixbuf) oriented = NULL;
  g_autoptr(GError) local_error = NULL;
  GdkPixbufFormat *format;
  int width = 0, height = 0, target_width, target_height;
  guint8 head[32];
  gsize head_size;
  guint32 claimed_width, claimed_height;
  guint frame_width, frame_height;
  guint64 needed, budget;
  gboolean scale;

  *info = (ScvaeImageInfo) { 0 };
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return scvae__invalid_file (error, path, _("no such file")), NULL;
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return scvae__invalid_file (error, path, _("is a directory, not an image")), NULL;
  /* Reading a FIFO or device would block or never end. */
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return scvae__invalid_file (error, path, _("is not a regular file")), NULL;

  /* libpng refuses a side above a million before GdkPixbuf sees a size,
   * which would read as "not an image": read the claim ourselves. */
  head_size = read_head (path, head, sizeof head);
  if (scvae__sniff_png_size (head, head_size, &claimed_width, &claimed_height)
      && (double) claimed_width * claimed_height > SCVAE_MAX_SOURCE_PIXELS)
    return too_large (error, path, MIN (claimed_width, G_MAXINT), MIN (claimed_height, G_MAXINT));

  /* The header's size, before any decoding (GdkPixbufLoader's
   * size-prepared). */
  format = gdk_pixbuf_get_file_info (path, &width, &height);
  if (format == NULL)
    return scvae__invalid_file (error, path, _("not an image, or in a format this system cannot read")), NULL;
  if (width <= 0 || height <= 0)
    return scvae__invalid_file (error, path, _("the image has no pixels (%dx%d)"), width, height), NULL;
  if ((double) width * height > SCVAE_MAX_SOURCE_PIXELS)
    return too_large (error, path, width, height);
  largest_gif_frame (path, format, &frame_width, &frame_height);
  if ((double) frame_width * frame_height > SCVAE_MAX_SOURCE_PIXELS)
    return too_large (error, path, frame_width, frame_height);

  /* Downscaling while decoding keeps huge photos from filling memory. */
  scale = max_side > 0 && MAX (width, height) > max_side;
  target_width = width, target_height = height;
  if (scale)
    {
      double f = (double) max_side / MAX (width, height);

      target_width = MAX (1, (int) (width * f + 0.5));
      target_height = MAX (1, (int) (height * f + 0.5));
    }
  /* The memory limit holds for decoding too: a small file can claim 100
   * megapixels, and decoding them took 300 MB before the session's check
   * refused the image. */
  if (!scvae_memory_budget (&budget, error))
    return NULL;
  /* A GIF frame costs a byte a pixel. */
  needed = decode_bytes (format, width, height, target_width, target_height) + (guint64) frame_width * frame_height;
  if (needed > budget)
    {
      /* In MiB, the unit of SCVAE_MEMORY_LIMIT_MB. */
      g_autofree char *needed_text = g_format_size_full (needed, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *budget_text = g_format_size_full (budget, G_FORMAT_SIZE_IEC_UNITS);
      gboolean frame = (guint64) frame_width * frame_height > (guint64) width * height;

      return scvae__invalid_file (error, path, _("decoding its %dx%d pixels needs %s, more than the %s available"),
                                  frame ? (int) frame_width : width, frame ? (int) frame_height : height,
                                  needed_text, budget_text), NULL;
    }

  if (is_truncated (path, format))
    return scvae__invalid_file (error, path, _("the file is truncated (it ends before the image does)")), NULL;

  if (scale)
    loaded = gdk_pixbuf_new_from_file_at_scale (path, max_side, max_side, TRUE, &local_error);
  else
    loaded = gdk_pixbuf_new_from_file (path, &local_error);
  if (loaded == NULL)
    return scvae__invalid_file (error, path, _("cannot be decoded: %s"), local_error->message), NULL;

  oriented = gdk_pixbuf_apply_embedded_orientation (loaded);
  /* EXIF rotation may swap the sides the header reports. */
  if (gdk_pixbuf_get_width (oriented) != gdk_pixbuf_get_width (loaded))
    {
      int swap = width;

      width = height;
      height = swap;
    }
  info->source_width = width;
  info->source_height = height;
  info->scaled = scale;
  info->flattened = has_transparency (loaded);
  return scvae_image_new_from_pixbuf (oriented);
}

gboolean
scvae_image_save_png (const ScvaeImage *image, const char *path, GError **error)
{
  g_autoptr(GdkPixbuf) pixbuf = scvae_image_to_pixbuf (image);
  g_autofree char *buffer = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize size;

  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "png", &local_error, NULL))
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_FAILED, "%s: %s", path, local_error->message);
      return FALSE;
    }
  return scvae_write_file (path, buffer, size, error);
}
