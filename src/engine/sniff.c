/* sniff.c: what a file is, from its first bytes
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sniff.h"

#include <glib/gi18n-lib.h>
#include <string.h>

static const guint8 png_signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

static gboolean
starts_with (const guint8 *data, gsize size, const void *magic, gsize length)
{
  return size >= length && memcmp (data, magic, length) == 0;
}

const char *
scvae__sniff_describe (const guint8 *data, gsize size)
{
  if (starts_with (data, size, png_signature, sizeof png_signature))
    return _("a PNG image");
  if (starts_with (data, size, "\xff\xd8\xff", 3))
    return _("a JPEG image");
  if (starts_with (data, size, "GIF8", 4))
    return _("a GIF image");
  if (starts_with (data, size, "RIFF", 4) && size >= 12 && memcmp (data + 8, "WEBP", 4) == 0)
    return _("a WebP image");
  /* PyTorch has saved .pt and .pth files as zip archives since 1.6. */
  if (starts_with (data, size, "PK\x03\x04", 4))
    return _("a zip archive (a PyTorch .pt checkpoint is one)");
  /* Older PyTorch files, and pickles in general: PROTO 2 to 5. */
  if (size >= 2 && data[0] == 0x80 && data[1] >= 2 && data[1] <= 5)
    return _("a Python pickle (an older PyTorch .pt checkpoint)");
  if (starts_with (data, size, "\x93NUMPY", 6))
    return _("a NumPy array");
  if (starts_with (data, size, "\x1f\x8b", 2))
    return _("a gzip-compressed file");
  return NULL;
}

gboolean
scvae__sniff_png_size (const guint8 *data, gsize size, guint32 *width, guint32 *height)
{
  /* Signature, then the IHDR chunk: length, "IHDR", width, height. */
  if (!starts_with (data, size, png_signature, sizeof png_signature) || size < 24
      || memcmp (data + 12, "IHDR", 4) != 0)
    return FALSE;
  *width = (guint32) data[16] << 24 | (guint32) data[17] << 16 | (guint32) data[18] << 8 | data[19];
  *height = (guint32) data[20] << 24 | (guint32) data[21] << 16 | (guint32) data[22] << 8 | data[23];
  return TRUE;
}

/* Past a chain of GIF data sub-blocks (a length byte, that many bytes)
 * that ends with a length of 0. */
static gsize
skip_gif_blocks (const guint8 *data, gsize size, gsize at)
{
  while (at < size && data[at] != 0)
    at += 1 + (gsize) data[at];
  return at < size ? at + 1 : size;
}

gboolean
scvae__sniff_gif_largest_frame (const guint8 *data, gsize size, guint *width, guint *height)
{
  gboolean global_colours;
  gsize at = 13;

  if (!starts_with (data, size, "GIF87a", 6) && !starts_with (data, size, "GIF89a", 6))
    return FALSE;
  *width = *height = 0;
  if (size < 13)
    return TRUE;
  /* The logical screen descriptor, then the global colour table. */
  global_colours = (data[10] & 0x80) != 0;
  if (global_colours)
    at += 3 * ((gsize) 2 << (data[10] & 7));
  while (at < size)
    {
      guint8 introducer = data[at++];

      if (introducer == ';')
        break;
      if (introducer == '!' && at < size)
        {
          guint8 label = data[at++];

          /* GdkPixbuf reads the first block of a graphic control or
           * application extension whatever its length, even 0, and then
           * every block up to an empty one. */
          if ((label == 0xf9 || label == 0xff) && at < size)
            at += 1 + (gsize) data[at];
          at = skip_gif_blocks (data, size, at);
        }
      else if (introducer == ',')
        {
          guint frame_width, frame_height;
          guint8 flags;

          if (size - at < 9)
            break;
          frame_width = data[at + 4] | (guint) data[at + 5] << 8;
          frame_height = data[at + 6] | (guint) data[at + 7] << 8;
          flags = data[at + 8];
          at += 9;
          if (flags & 0x80)
            at += 3 * ((gsize) 2 << (flags & 7));
          else if (!global_colours)
            break; /* GdkPixbuf stops: no colours for this frame */
          /* The LZW code size: GdkPixbuf stops at one of 12 or more, and
           * at a frame of 2 GB or more as RGBA, before allocating. */
          if (at >= size || data[at] >= 12 || (guint64) 4 * frame_width * frame_height >= G_MAXINT)
            break;
          if ((guint64) frame_width * frame_height > (guint64) *width * *height)
            *width = frame_width, *height = frame_height;
          at = skip_gif_blocks (data, size, at + 1);
        }
      /* GdkPixbuf skips any other byte between blocks. */
    }
  return TRUE;
}
