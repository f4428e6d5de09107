/* claiming-png.c: PNG files whose header claims any size
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "claiming-png.h"

static guint32
crc32 (const guint8 *data, gsize n)
{
  guint32 crc = 0xffffffff;

  for (gsize i = 0; i < n; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
    }
  return ~crc;
}

static void
append_be32 (GByteArray *png, guint32 value)
{
  const guint8 be[4] = { value >> 24, value >> 16, value >> 8, value };

  g_byte_array_append (png, be, 4);
}

static void
png_chunk (GByteArray *png, const char *type, const guint8 *data, guint32 size)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();

  g_byte_array_append (body, (const guint8 *) type, 4);
  g_byte_array_append (body, data, size);
  append_be32 (png, size);
  g_byte_array_append (png, body->data, body->len);
  append_be32 (png, crc32 (body->data, body->len));
}

GBytes *
claiming_png_new (guint32 width, guint32 height)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  static const guint8 pixels[] = { 0x78, 0x01, 0x01, 0x01, 0x00, 0xfe, 0xff, 0x00,
                                   0x00, 0x01, 0x00, 0x01 /* Adler-32 of one zero byte */ };
  const guint8 header[13] = { width >> 24, width >> 16, width >> 8, width, height >> 24, height >> 16,
                              height >> 8, height, 8, 2, 0, 0, 0 };
  GByteArray *png = g_byte_array_new ();

  g_byte_array_append (png, signature, sizeof signature);
  png_chunk (png, "IHDR", header, sizeof header);
  png_chunk (png, "IDAT", pixels, sizeof pixels);
  png_chunk (png, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (png);
}
