/* fuzz-image-loader.c: any bytes as an image file, through the engine
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The image path the CLI and the app share: the checks before decoding
 * (size limits, truncation), decoding with downscaling, EXIF orientation,
 * alpha, conversion to floats, and the encoder's padding of odd sizes.
 */

#include <glib/gstdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "scvae.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

static ScvaeModel *model;
static char *path;

/* The loader reads from a file, so every input goes through one temporary
 * file, removed when the run ends however many inputs it took. */
static void
remove_input_file (void)
{
  g_unlink (path);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeImage) image = NULL;

  if (path == NULL)
    {
      ScvaeConfig config = { .channels = 4, .atoms = 8, .lista_steps = 2, .beta = 0.1f, .gamma = 1.f };
      int fd = g_file_open_tmp ("fuzz-image-XXXXXX", &path, NULL);

      close (fd);
      atexit (remove_input_file);
      /* A few bytes can claim 100 megapixels: under a limit, as a user may
       * set one, such claims are refused from their header (and the
       * fuzzer's time goes to inputs that decode). */
      g_setenv ("SCVAE_MEMORY_LIMIT_MB", "256", FALSE);
      model = scvae_model_new (&config, 1, NULL);
    }
  if (!g_file_set_contents (path, (const char *) data, size, NULL))
    return 0;

  image = scvae_image_load (path, 64, NULL, &error);
  g_assert ((image == NULL) != (error == NULL));
  if (image)
    {
      g_autoptr(ScvaeImage) out = scvae_reconstruct (model, image, 1, 1.f, NULL, NULL, &error);

      g_assert (out && out->width == image->width && out->height == image->height);
    }
  return 0;
}
