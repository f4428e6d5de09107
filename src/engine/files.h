/* files.h: errors about files (writing them safely is public: scvae.h)
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "scvae.h"

/* Sets SCVAE_ERROR_INVALID_INPUT "PATH: reason" and returns FALSE, so a
 * check can end in `return scvae__invalid_file (...)`. */
gboolean scvae__invalid_file (GError **error, const char *path, const char *format, ...) G_GNUC_PRINTF (3, 4);
