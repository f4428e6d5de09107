/* batch-loader.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "batch-loader.h"

#include "dataset-private.h"

#define N_BUFFERS 3

struct _BatchLoader {
  ScvaeDataset *dataset;
  guint64 seed;
  gint64 next_index;
  int batch;
  float *buffers[N_BUFFERS];
  GAsyncQueue *empty;   /* buffers the producer may fill */
  GAsyncQueue *full;    /* filled buffers, in batch order */
  float *in_use;        /* handed to the consumer */
  gboolean stopping;
  GThread *thread;
};

static gpointer
produce (gpointer data)
{
  BatchLoader *loader = data;

  for (;;)
    {
      float *buffer = g_async_queue_pop (loader->empty);

      if (g_atomic_int_get (&loader->stopping))
        return NULL;
      scvae__dataset_fill_batch (loader->dataset, loader->seed, loader->next_index++, loader->batch, buffer);
      g_async_queue_push (loader->full, buffer);
    }
}

BatchLoader *
scvae__batch_loader_new (ScvaeDataset *dataset, guint64 seed, gint64 first_index, int batch)
{
  BatchLoader *loader = g_new0 (BatchLoader, 1);
  int crop = scvae__dataset_get_crop (dataset);

  loader->dataset = dataset;
  loader->seed = seed;
  loader->next_index = first_index;
  loader->batch = batch;
  loader->empty = g_async_queue_new ();
  loader->full = g_async_queue_new ();
  for (int i = 0; i < N_BUFFERS; i++)
    {
      loader->buffers[i] = g_new (float, (gsize) 3 * batch * crop * crop);
      g_async_queue_push (loader->empty, loader->buffers[i]);
    }
  loader->thread = g_thread_new ("scvae-batches", produce, loader);
  return loader;
}

const float *
scvae__batch_loader_next (BatchLoader *loader)
{
  if (loader->in_use)
    g_async_queue_push (loader->empty, loader->in_use);
  loader->in_use = g_async_queue_pop (loader->full);
  return loader->in_use;
}

void
scvae__batch_loader_free (BatchLoader *loader)
{
  if (loader == NULL)
    return;
  g_atomic_int_set (&loader->stopping, TRUE);
  /* Wake the producer if it waits for a buffer. */
  g_async_queue_push (loader->empty, loader->buffers[0]);
  g_thread_join (loader->thread);
  g_async_queue_unref (loader->empty);
  g_async_queue_unref (loader->full);
  for (int i = 0; i < N_BUFFERS; i++)
    g_free (loader->buffers[i]);
  g_free (loader);
}
