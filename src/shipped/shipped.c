/* shipped.c: where the files Sparse Lens ships are found
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "scvae.h"
#include "shipped.h"

char *
shipped_path (const char *relative)
{
  g_autofree char *installed = g_build_filename (PKGDATADIR, relative, NULL);

  if (g_file_test (installed, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&installed);
  return g_build_filename (SOURCE_DATADIR, relative, NULL);
}

char *
shipped_default_model_path (GError **error)
{
  const char *override = g_getenv ("SCVAE_DEFAULT_MODEL");
  const char *relative = "models/default.safetensors";
  g_autofree char *installed = g_build_filename (PKGDATADIR, relative, NULL);
  g_autofree char *source = g_build_filename (SOURCE_DATADIR, relative, NULL);

  if (override && *override)
    return g_strdup (override);
  if (g_file_test (installed, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&installed);
  /* Running from the build tree: use the model in the source tree. */
  if (g_file_test (source, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&source);

  g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
               _("the default model is not installed (looked for %s and %s)"), installed, source);
  return NULL;
}
