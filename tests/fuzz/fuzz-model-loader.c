/* fuzz-model-loader.c: any bytes as a model file
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The safetensors header parser and the model validation must turn every
 * input into either a model or an error: never a crash, a leak, an
 * out-of-bounds read or undefined behaviour. A model that loads is also
 * run once on a tiny image, so its numbers must be usable.
 */

#include "model-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  static gboolean initialised;
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeModel) model = NULL;

  /* One input at a time: the engine's threads (and OpenBLAS's, which spin
   * between calls) would only hand work over and back. */
  if (!initialised)
    {
      scvae_set_threads (1);
      initialised = TRUE;
    }
  model = scvae__model_load_bytes ("fuzz.safetensors", bytes, &error);
  g_assert ((model == NULL) != (error == NULL));
  if (model && scvae_model_get_config (model)->channels <= 64 && scvae_model_get_config (model)->atoms <= 512)
    {
      g_autoptr(ScvaeImage) image = scvae_image_new (9, 7);
      g_autoptr(ScvaeImage) out = scvae_reconstruct (model, image, 2, 1.f, NULL, NULL, &error);

      g_assert (out != NULL);
    }
  return 0;
}
