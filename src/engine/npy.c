/* npy.c: NumPy .npy files (float32), for exporting codes
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "scvae.h"

#include "files.h"

#include <string.h>

gboolean
scvae_write_npy (const char *path, const float *data, int ndim, const gint64 *shape, GError **error)
{
  g_autoptr(GString) header = g_string_new ("{'descr': '<f4', 'fortran_order': False, 'shape': (");
  g_autoptr(GByteArray) out = g_byte_array_new ();
  static const guint8 magic[] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0 };
  gsize n = 1;
  guint16 length;

  for (int i = 0; i < ndim; i++)
    {
      g_string_append_printf (header, "%" G_GINT64_FORMAT "%s", shape[i], ndim == 1 || i < ndim - 1 ? ", " : "");
      n *= shape[i];
    }
  g_string_append (header, "), }");
  /* Format 1.0: the header, padded with spaces and ended by a newline,
   * makes the data start at a multiple of 64 bytes. */
  while ((sizeof magic + 2 + header->len + 1) % 64 != 0)
    g_string_append_c (header, ' ');
  g_string_append_c (header, '\n');
  length = GUINT16_TO_LE ((guint16) header->len);

  g_byte_array_append (out, magic, sizeof magic);
  g_byte_array_append (out, (const guint8 *) &length, 2);
  g_byte_array_append (out, (const guint8 *) header->str, header->len);
#if G_BYTE_ORDER == G_BIG_ENDIAN
  for (gsize i = 0; i < n; i++)
    {
      guint32 v;
      memcpy (&v, data + i, 4);
      v = GUINT32_SWAP_LE_BE (v);
      g_byte_array_append (out, (const guint8 *) &v, 4);
    }
#else
  g_byte_array_append (out, (const guint8 *) data, n * sizeof (float));
#endif

  return scvae_write_file (path, out->data, out->len, error);
}
