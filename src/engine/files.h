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

/* Writes data to path, following symbolic links to the file they name.
 * A regular file (or a new one) is written through a temporary file in
 * its folder, fsync and rename: the destination is either the old file or
 * the whole new one, never a torn mix, and an existing file keeps its mode
 * (and, where allowed, its owner). A character device or a FIFO is written
 * as it is; anything else is refused. Errors name path, never the
 * temporary file: SCVAE_ERROR_INVALID_INPUT for a path that cannot be
 * written (empty, a folder, missing, not permitted), SCVAE_ERROR_FAILED
 * when the writing itself fails (a full disk). */
gboolean scvae_write_file (const char *path, const void *data, gsize size, GError **error);

/* Whether scvae_write_file could write path, as far as can be told
 * without writing: errors as above. */
gboolean scvae_check_writable (const char *path, GError **error);

/* Deletes the temporary files that writes of path left behind when their
 * process was killed (ones still being written are locked and kept);
 * returns how many. */
int scvae_remove_stale_temporaries (const char *path);
