/* session-bands.c: a stage run over bands of patch rows, with a halo, on
 * the engine's threads
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The encoder and the decoder both cut the patch grid into horizontal
 * bands, compute each band with a margin of SESSION_BAND_HALO rows, and
 * keep only its own rows; how they cut it and what a band computes is
 * theirs (session-encode.c, session-decode.c).
 */

#include "config.h"

#include "session-private.h"

#include <string.h>

void
scvae__session_drop_scratch (ScvaeSession *session)
{
  for (int i = 0; i < session->n_parts; i++)
    scvae__scratch_clear (&session->parts[i]);
}

void
scvae__session_parallel_run (ScvaeSession *session, ParallelPart part, gpointer data)
{
  int n_parts = scvae_get_threads ();

  if (n_parts > session->n_parts)
    {
      session->parts = g_renew (Scratch, session->parts, n_parts);
      memset (session->parts + session->n_parts, 0, (n_parts - session->n_parts) * sizeof (Scratch));
      session->n_parts = n_parts;
    }
  scvae__parallel_run (n_parts, part, data);
}

typedef struct {
  ScvaeSession *session;
  const SessionBands *bands;
  GCancellable *cancellable;
  gint cancelled;
} BandsRun;

/* Rows per band: as many bands as parts, or a multiple of that so that
 * none exceeds max_patches, and none longer than max_rows. */
static int
band_rows (const SessionBands *bands, int n_parts)
{
  gsize n_bands = n_parts;
  int rows;

  if (bands->max_patches > 0)
    {
      gsize patches = (gsize) bands->rows * bands->cols, round = (gsize) n_parts * bands->max_patches;

      n_bands *= MAX ((patches + round - 1) / round, 1);
    }
  rows = (int) ((bands->rows + n_bands - 1) / n_bands);
  return bands->max_rows > 0 ? MIN (rows, bands->max_rows) : rows;
}

/* Each part takes every n_parts-th band, until one is cancelled. */
static void
bands_part (int part, int n_parts, gpointer data)
{
  BandsRun *run = data;
  const SessionBands *bands = run->bands;
  int rows = band_rows (bands, n_parts);

  for (int r0 = part * rows; r0 < bands->rows; r0 += n_parts * rows)
    {
      SessionBand band = {
        .rows = bands->rows,
        .cols = bands->cols,
        .r0 = r0,
        .r1 = MIN (bands->rows, r0 + rows),
        .h0 = MAX (0, r0 - SESSION_BAND_HALO),
        .h1 = MIN (bands->rows, r0 + rows + SESSION_BAND_HALO),
      };

      if (!bands->work (run->session, &band, &run->session->parts[part], run->cancellable, bands->data))
        {
          g_atomic_int_set (&run->cancelled, TRUE);
          break;
        }
    }
}

gboolean
scvae__session_run_bands (ScvaeSession *session, const SessionBands *bands,
                          GCancellable *cancellable, GError **error)
{
  BandsRun run = {
    .session = session,
    .bands = bands,
    .cancellable = cancellable,
  };

  scvae__session_parallel_run (session, bands_part, &run);
  if (run.cancelled)
    return !g_cancellable_set_error_if_cancelled (cancellable, error);
  return TRUE;
}

const float *
scvae__session_band_keep_rows (const SessionBand *band, int dim, const float *band_rows, float *whole)
{
  gsize row = (gsize) band->cols * dim;
  const float *own = band_rows + (band->r0 - band->h0) * row;

  memcpy (whole + band->r0 * row, own, (band->r1 - band->r0) * row * sizeof (float));
  return own;
}

/* n_rows patch rows of 3 pixel planes: from row src_row of src, planes of
 * src_rows patch rows, to row dst_row of dst, planes of dst_rows. */
static void
copy_pixel_rows (const float *src, int src_rows, int src_row, float *dst, int dst_rows, int dst_row,
                 int n_rows, int cols)
{
  gsize row = (gsize) 16 * cols;

  for (int c = 0; c < 3; c++)
    memcpy (dst + (c * (gsize) dst_rows + dst_row) * row, src + (c * (gsize) src_rows + src_row) * row,
            n_rows * row * sizeof (float));
}

SessionBand
scvae__session_band_less_margin (const SessionBand *band, int margin)
{
  SessionBand less = *band;

  if (less.h0 > 0)
    less.h0 += margin;
  if (less.h1 < less.rows)
    less.h1 -= margin;
  return less;
}

void
scvae__session_band_take_pixels (const SessionBand *band, const float *whole, float *band_pixels)
{
  copy_pixel_rows (whole, band->rows, band->h0, band_pixels, band->h1 - band->h0, 0,
                   band->h1 - band->h0, band->cols);
}

void
scvae__session_band_keep_pixels (const SessionBand *band, const float *band_pixels, float *whole)
{
  copy_pixel_rows (band_pixels, band->h1 - band->h0, band->r0 - band->h0, whole, band->rows, band->r0,
                   band->r1 - band->r0, band->cols);
}

SessionActivations
scvae__session_activations (ScvaeSession *session, Scratch *scratch, int rows, int cols)
{
  gsize patch = (gsize) session->C * rows * cols;

  return (SessionActivations) {
    .wide = scvae__scratch_get (scratch, SLOT_WIDE, 4 * patch),
    .x = scvae__scratch_get (scratch, SLOT_X, patch),
    .t1 = scvae__scratch_get (scratch, SLOT_T1, patch),
    .t2 = scvae__scratch_get (scratch, SLOT_T2, patch),
  };
}
