/* shipped.h: where the files Sparse Lens ships are found
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The default model and the sample photos are installed under PKGDATADIR;
 * programs run from the build tree find them in the source tree's data/.
 * The engine knows nothing of either place: the programs (scvae, the app,
 * the benchmarks) ask here and hand the engine a path.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The installed copy of RELATIVE (e.g. "samples/astronaut.jpg") if it
 * exists, otherwise the source tree's. Never NULL. */
char *shipped_path (const char *relative);

/* The default model: $SCVAE_DEFAULT_MODEL if set, otherwise the shipped
 * default.safetensors; NULL and an error naming both places if it is in
 * neither. */
char *shipped_default_model_path (GError **error);

G_END_DECLS
