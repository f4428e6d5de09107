/* files.h: errors about files, and writing files safely
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

/* Sets SCVAE_ERROR_INVALID_INPUT "PATH: reason" and returns FALSE, so a
 * check can end in `return scvae_invalid_file (...)`. */
gboolean scvae_invalid_file (GError **error, const char *path, const char *format, ...) G_GNUC_PRINTF (3, 4);

/* Writes through a temporary file, fsync and rename: the destination is
 * either the old file or the whole new one, never a torn mix. */
gboolean scvae_write_file (const char *path, const void *data, gsize size, GError **error);
