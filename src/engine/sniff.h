/* sniff.h: what a file is, from its first bytes
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For messages that tell a user what they gave instead of what was asked
 * for ("it looks like a PNG image"), and for the sizes image headers claim
 * before any decoder sees them.
 */

#pragma once

#include <glib.h>

/* A translated description of well-known kinds of file ("a PNG image",
 * "a zip archive (...)"), or NULL. */
const char *scvae__sniff_describe (const guint8 *data, gsize size);

/* The width and height a PNG's header claims, read as the 32-bit numbers
 * they are (libpng refuses sides above a million before saying anything);
 * FALSE if data is not the start of a PNG. */
gboolean scvae__sniff_png_size (const guint8 *data, gsize size, guint32 *width, guint32 *height);

/* The largest frame a GIF holds, found the way GdkPixbuf's loader reads
 * the file (its decoder allocates a frame's width x height bytes however
 * small the logical screen is); 0x0 if it has none. FALSE if data is not
 * a GIF. */
gboolean scvae__sniff_gif_largest_frame (const guint8 *data, gsize size, guint *width, guint *height);
