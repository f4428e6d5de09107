/* claiming-png.h: PNG files whose header claims any size
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

/* A valid PNG whose header claims width x height RGB pixels, with one
 * byte of pixel data (a stored zlib block: the first row's filter byte)
 * and a proper end: a few dozen bytes that decoders must not believe. */
GBytes *claiming_png_new (guint32 width, guint32 height);
