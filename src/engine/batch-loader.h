/* batch-loader.h: prepares training batches on a thread of its own
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * While the engine computes on batch i, the loader fills batches i+1 and
 * i+2. Batches come out in order and each depends only on (seed, index),
 * so timing never changes what is trained on.
 */

#pragma once

#include "scvae.h"

typedef struct _BatchLoader BatchLoader;

BatchLoader *scvae__batch_loader_new (ScvaeDataset *dataset, guint64 seed, gint64 first_index, int batch);
/* Blocks until the next batch is ready; the buffer stays valid until the
 * next call. */
const float *scvae__batch_loader_next (BatchLoader *loader);
void scvae__batch_loader_free (BatchLoader *loader);
