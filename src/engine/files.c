/* files.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "files.h"

#include "scvae.h"

gboolean
scvae_invalid_file (GError **error, const char *path, const char *format, ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT, "%s: %s", path, reason);
  return FALSE;
}

gboolean
scvae_write_file (const char *path, const void *data, gsize size, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!g_file_set_contents_full (path, data, size,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0644, &local_error))
    {
      /* GLib's message names the file already. */
      g_set_error_literal (error, SCVAE_ERROR, SCVAE_ERROR_FAILED, local_error->message);
      return FALSE;
    }
  return TRUE;
}
