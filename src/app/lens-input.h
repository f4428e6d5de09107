/* lens-input.h: an image opened in Sparse Lens, shared between threads
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "scvae.h"

G_BEGIN_DECLS

#define LENS_WORKING_SIZE_DEFAULT 1024

/* Immutable once made, reference counted (g_atomic_rc_box): the window,
 * the worker and every result can hold the same image without copying it. */
typedef struct {
  ScvaeImage *image;  /* at working size */
  char *name;         /* for titles and messages */
  GFile *file;        /* NULL when pasted */
  int source_width;   /* before downscaling */
  int source_height;
  gboolean flattened; /* had transparent pixels, now on mid grey */
} LensInput;

LensInput *lens_input_new (ScvaeImage *image, const char *name, GFile *file,
                           int source_width, int source_height);
LensInput *lens_input_ref (LensInput *input);
void lens_input_unref (LensInput *input);
gboolean lens_input_is_downscaled (const LensInput *input);

/* Decodes a file (any GdkPixbuf format, EXIF orientation, alpha on grey)
 * at most working_size on the long side; runs in a thread. */
void lens_input_load_async (GFile *file, int working_size, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
/* The same for a pasted texture, within the same limits as a file. */
void lens_input_new_from_texture_async (GdkTexture *texture, const char *name, int working_size,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
/* Finishes either. */
LensInput *lens_input_load_finish (GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LensInput, lens_input_unref)

G_END_DECLS
