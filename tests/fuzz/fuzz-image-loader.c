/* fuzz-image-loader.c: any bytes as an image file, through the engine
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The image path the CLI and the app share: the checks before decoding
 * (size limits, truncation), decoding with downscaling, EXIF orientation,
 * alpha, conversion to floats, and the encoder's padding of odd sizes.
 */

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "scvae.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

static ScvaeModel *model;
static char *path;

/* The loader reads from a file: every input is written to one file in
 * memory (a memfd, reached as /proc/self/fd/N), rewritten in place. A
 * temporary file on disk per input, renamed, took nine tenths of the
 * time, and truncating one on ext4 flushes it at every close. */
static void
write_input (const guint8 *data, gsize size)
{
  static int fd = -1;

  if (fd < 0)
    {
      fd = memfd_create ("fuzz-image-input", MFD_CLOEXEC);
      if (fd < 0)
        g_error ("memfd_create: %s", g_strerror (errno));
      path = g_strdup_printf ("/proc/self/fd/%d", fd);
    }
  if (ftruncate (fd, 0) != 0)
    g_error ("cannot empty %s: %s", path, g_strerror (errno));
  for (gsize done = 0; done < size;)
    {
      ssize_t wrote = pwrite (fd, data + done, size - done, done);

      if (wrote < 0)
        g_error ("cannot write %s: %s", path, g_strerror (errno));
      done += wrote;
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeImage) image = NULL;

  if (model == NULL)
    {
      ScvaeConfig config = { .channels = 4, .atoms = 8, .lista_steps = 2, .beta = 0.1f, .gamma = 1.f };

      /* A few bytes can claim 100 megapixels: under a limit, as a user may
       * set one, such claims are refused from their header (and the
       * fuzzer's time goes to inputs that decode). */
      g_setenv ("SCVAE_MEMORY_LIMIT_MB", "16", FALSE);
      /* One input at a time: the engine's threads (and OpenBLAS's, which
       * spin between calls) would only hand work over and back. */
      scvae_set_threads (1);
      model = scvae_model_new (&config, 1, NULL);
    }
  write_input (data, size);

  image = scvae_image_load (path, 64, NULL, &error);
  g_assert ((image == NULL) != (error == NULL));
  if (image)
    {
      g_autoptr(ScvaeImage) out = scvae_reconstruct (model, image, 1, 1.f, NULL, NULL, &error);

      g_assert (out && out->width == image->width && out->height == image->height);
    }
  return 0;
}
