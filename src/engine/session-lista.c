/* session-lista.c: the sparse_code stage, LISTA in tiles, with
 * checkpoints for the depth slider
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "session-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* Patches per tile: at most 256, so that a tile's codes and D^T e (2 KB a
 * patch at K = 256) stay in a core's L2 cache beside the Gram matrix
 * (256 KB) across the steps (at 1024^2, tiles of 2048 took LISTA 126 ms,
 * of 256 118-120), and a 256 x 256 image still makes 8 or more to share
 * out. The size depends on the image alone, never on the thread count:
 * the tiles, and so the results, are the same bit for bit whoever
 * computes them. */
static gsize
lista_tile (gsize n_patches)
{
  return CLAMP ((n_patches + 7) / 8, 64, 256);
}

/* Every 4th depth when that fits in SESSION_CHECKPOINT_BYTES, sparser for
 * large images; 0: none fits. */
static int
checkpoint_spacing (ScvaeSession *session)
{
  guint64 bytes = (guint64) session_n_patches (session) * session->K * sizeof (float);
  guint64 fitting = SESSION_CHECKPOINT_BYTES / MAX (bytes, 1);

  if (fitting == 0)
    return 0;
  return MAX (4, (int) ((SCVAE_MAX_DEPTH + fitting - 1) / fitting));
}

static gsize
count_nonzeros (const float *codes, gsize n)
{
  gsize count = 0;

  for (gsize i = 0; i < n; i++)
    count += codes[i] != 0.f;
  return count;
}

static Lista
session_lista (ScvaeSession *session, float sparsity)
{
  float c = session->model->tensors.step[0];

  return (Lista) {
    .channels = session->C,
    .atoms = session->K,
    .dictionary = session->model->tensors.dictionary,
    .c = c,
    .threshold = session->model->layout->config.beta * sparsity / c,
  };
}

/* One LISTA run, shared by the threads that each code a share of the
 * tiles. */
typedef struct {
  ScvaeSession *session;
  Lista lista;
  gsize tile;
  float *codes;
  gboolean continued;     /* codes hold the iterate at from_depth */
  int from_depth, depth;
  float **fresh;          /* checkpoints to fill, by depth */
  GCancellable *cancellable;
  gsize nonzeros;         /* added to atomically */
  gint cancelled;
} ListaRun;

/* Patches are coded independently: all steps tile by tile keep a tile's
 * codes in cache across steps, cancellation comes sooner, and the threads
 * need not meet between steps. */
static void
code_tiles (int part, int n_parts, gpointer data)
{
  ListaRun *run = data;
  ScvaeSession *session = run->session;
  gsize P = session_n_patches (session), C = session->C, K = session->K;
  Scratch *scratch = &session->parts[part];
  gsize nonzeros = 0;

  for (gsize first = part * run->tile; first < P; first += n_parts * run->tile)
    {
      gsize n = MIN (run->tile, P - first);
      const float *dty = session->dty + first * K;
      float *tile = run->codes + first * K;
      gsize tile_nonzeros = run->continued ? count_nonzeros (tile, n * K)
                                           : scvae__lista_first_step_inference (&run->lista, n, dty, tile);

      for (int t = MAX (run->from_depth, 0) + 1; t <= run->depth; t++)
        {
          if (g_cancellable_is_cancelled (run->cancellable))
            {
              g_atomic_int_set (&run->cancelled, TRUE);
              return;
            }
          /* Once the tile is sparse enough for the Gram form, its other
           * steps run patch by patch, each patch's code and D^T e kept in
           * L1 across them, not streamed from L2 at every step (the
           * default model's step 160 -> 140 ns a patch, lista-forms; LISTA
           * at 1024^2 98-115 -> 92-95 ms). The tile then stays in that
           * form: a photo's codes get sparser step by step, so a choice
           * made at every step never went back to dense (same codes). */
          if (scvae__lista_takes_gram_form (session->lista_form, tile_nonzeros, n, K))
            {
              float *after_step[SCVAE_MAX_DEPTH];

              for (int s = t; s <= run->depth; s++)
                after_step[s - t] = run->fresh[s] ? run->fresh[s] + first * K : NULL;
              tile_nonzeros = scvae__lista_gram_steps (&run->lista, session->gram, n, dty, tile, run->depth - t + 1,
                                                       after_step, scratch);
              break;
            }
          tile_nonzeros = scvae__lista_step_inference (&run->lista, session->gram, n, session->features + first * C,
                                                       dty, tile, tile_nonzeros, LISTA_FORM_DENSE, scratch);
          if (run->fresh[t])
            memcpy (run->fresh[t] + first * K, tile, n * K * sizeof (float));
        }
      nonzeros += tile_nonzeros;
    }
  g_atomic_pointer_add (&run->nonzeros, nonzeros);
}

gboolean
scvae_session_sparse_code (ScvaeSession *session,
                           int depth,
                           float sparsity,
                           GCancellable *cancellable,
                           GError **error)
{
  gsize P = session_n_patches (session);
  float *codes, *fresh[SCVAE_MAX_DEPTH + 1] = { NULL };
  const float *from = NULL;
  int from_depth = -1, spacing = checkpoint_spacing (session);
  ListaRun run;

  g_return_val_if_fail (session->features != NULL, FALSE);

  if (depth < 0)
    depth = session->model->layout->config.lista_steps;
  if (depth > SCVAE_MAX_DEPTH || !(sparsity >= 0.f && sparsity <= SCVAE_MAX_SPARSITY))
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   _("depth must be in 0..%d and sparsity in 0..%g (got %d and %g)"),
                   SCVAE_MAX_DEPTH, SCVAE_MAX_SPARSITY, depth, sparsity);
      return FALSE;
    }

  if (session->model->layout->config.bottleneck != SCVAE_BOTTLENECK_LISTA)
    {
      scvae__session_code_baseline (session, depth, sparsity);
      return TRUE;
    }

  /* Continue from the nearest iterate at or below this depth: the result
   * is the same, bit for bit, as from zero (the same steps on the same
   * tiles), and dragging the depth slider costs a step or a few. */
  if (sparsity != session->checkpoint_sparsity)
    {
      scvae__session_clear_checkpoints (session);
      session->checkpoint_sparsity = sparsity;
    }
  if (session->codes && session->sparsity == sparsity && session->depth <= depth)
    from = session->codes, from_depth = session->depth;
  for (int d = depth; d > from_depth; d--)
    if (session->checkpoints[d])
      {
        from = session->checkpoints[d], from_depth = d;
        break;
      }
  if (spacing > 0)
    for (int d = from_depth + 1; d <= depth; d++)
      if (d > 0 && d % spacing == 0 && session->checkpoints[d] == NULL)
        fresh[d] = scvae__session_take_codes_buffer (session, TRUE);

  codes = scvae__session_take_codes_buffer (session, FALSE);
  if (from)
    memcpy (codes, from, P * session->K * sizeof (float));
  run = (ListaRun) {
    .session = session,
    .lista = session_lista (session, sparsity),
    .tile = lista_tile (P),
    .codes = codes,
    .continued = from != NULL,
    .from_depth = from_depth,
    .depth = depth,
    .fresh = fresh,
    .cancellable = cancellable,
  };
  scvae__session_parallel_run (session, code_tiles, &run);
  if (run.cancelled)
    {
      g_cancellable_set_error_if_cancelled (cancellable, error);
      for (int d = 0; d <= depth; d++)
        scvae__session_give_codes_buffer (session, fresh[d]);
      scvae__session_give_codes_buffer (session, codes);
      return FALSE;
    }
  for (int d = 0; d <= depth; d++)
    if (fresh[d])
      session->checkpoints[d] = fresh[d];

  scvae__session_give_codes_buffer (session, session->codes);
  session->codes = codes;
  session->nonzeros = run.nonzeros;
  session->depth = depth;
  session->sparsity = sparsity;
  session_invalidate_codes (session);
  session->coded = TRUE;
  return TRUE;
}
