/* session-decode.c: the decode stage, the decoder run in bands
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "session-private.h"

#include <cblas.h>
#include <string.h>

#include "ops.h"

/* The decoder on a grid of latents (rows x cols x C); FALSE if cancelled. */
static gboolean
decode_grid (ScvaeSession *session, const float *latents, int rows, int cols, float *out,
             Scratch *scratch, GCancellable *cancellable)
{
  int C = session->C;
  Extent quarter = { 1, rows, cols }, half = { 1, 2 * rows, 2 * cols };
  gsize P = (gsize) rows * cols;
  float *wide = scvae__scratch_get (scratch, SLOT_WIDE, C * extent_size (half));
  float *x = scvae__scratch_get (scratch, SLOT_X, C * P);
  float *t1 = scvae__scratch_get (scratch, SLOT_T1, C * P);
  float *t2 = scvae__scratch_get (scratch, SLOT_T2, C * P);
  const FoldedWeights *w = &session->w;

  scvae__ops_transpose (latents, P, C, x);
  for (int i = 0; i < F4_RESBLOCKS; i++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        return FALSE;
      scvae__session_resblock (session, &w->dec_res[i], quarter, x, t1, t2, scratch);
    }
  scvae__ops_relu (x, x, C * P);
  scvae__conv_forward (&session->specs.dec_convt1, w->dec_convt1.weight, w->dec_convt1.bias, x, quarter,
                       wide, scratch);
  scvae__ops_relu (wide, wide, C * extent_size (half));
  if (g_cancellable_is_cancelled (cancellable))
    return FALSE;
  scvae__conv_forward (&session->specs.dec_convt2, w->dec_convt2.weight, w->dec_convt2.bias, wide, half,
                       out, scratch);
  scvae__ops_tanh (out, out, (gsize) 3 * 16 * P);
  return TRUE;
}

typedef struct {
  ScvaeSession *session;
  const float *codes;    /* P x K, or NULL: latents are given */
  float *latents;        /* rows x cols x C: read, or written from codes */
  int rows, cols;
  float *out;            /* 3 planes of 4 rows x 4 cols */
  GCancellable *cancellable;
} DecodeRun;

/* Decodes one band into the run's outputs; FALSE if cancelled. */
static gboolean
decode_band (gpointer data, const SessionBand *band, Scratch *scratch)
{
  DecodeRun *run = data;
  ScvaeSession *session = run->session;
  int C = session->C, K = session->K, cols = run->cols, width = 4 * cols;
  int r0 = band->r0, r1 = band->r1, h0 = band->h0, h1 = band->h1;
  gsize n = (gsize) (h1 - h0) * cols, plane = (gsize) 16 * run->rows * cols;
  float *latents = NULL, *pixels;

  if (run->codes)
    {
      /* D z for the band and its halo; its own rows are kept. */
      latents = scvae__scratch_get (scratch, SLOT_BAND_IN, n * C);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, C, K,
                   1.f, run->codes + (gsize) h0 * cols * K, K, session->model->tensors.dictionary, K,
                   0.f, latents, C);
      memcpy (run->latents + (gsize) r0 * cols * C, latents + (gsize) (r0 - h0) * cols * C,
              (gsize) (r1 - r0) * cols * C * sizeof (float));
    }
  pixels = scvae__scratch_get (scratch, SLOT_BAND_OUT, 3 * 16 * n);
  if (!decode_grid (session, latents ? latents : run->latents + (gsize) h0 * cols * C, h1 - h0, cols,
                    pixels, scratch, run->cancellable))
    return FALSE;
  for (int c = 0; c < 3; c++)
    memcpy (run->out + c * plane + (gsize) 4 * r0 * width, pixels + c * 16 * n + (gsize) 4 * (r0 - h0) * width,
            (gsize) 4 * (r1 - r0) * width * sizeof (float));
  return TRUE;
}

/* The bands are as many as the threads, or a multiple of that so that
 * none exceeds SESSION_DECODE_BAND_PATCHES. */
static gboolean
decode_bands (DecodeRun *run, GError **error)
{
  SessionBands bands = {
    .rows = run->rows,
    .cols = run->cols,
    .max_patches = SESSION_DECODE_BAND_PATCHES,
    .work = decode_band,
    .data = run,
  };

  return scvae__session_run_bands (run->session, &bands, run->cancellable, error);
}

gboolean
scvae_session_decode_latents (ScvaeSession *session, const float *latents, int rows, int cols,
                              float *out, GCancellable *cancellable, GError **error)
{
  DecodeRun run = {
    .session = session,
    .latents = (float *) latents,
    .rows = rows,
    .cols = cols,
    .out = out,
    .cancellable = cancellable,
  };

  return decode_bands (&run, error);
}

gboolean
scvae_session_decode (ScvaeSession *session, GCancellable *cancellable, GError **error)
{
  int C = session->C;
  int width = 4 * session->cols, height = 4 * session->rows;
  gsize P = session_n_patches (session), plane = (gsize) width * height;
  g_autofree float *decoded_rows = g_new (float, P * C);
  g_autofree float *out = g_new (float, 3 * plane);
  const ScvaeImage *input = session->input;
  ScvaeImage *reconstruction;
  DecodeRun run = {
    .session = session,
    .codes = session->codes,
    .latents = decoded_rows,
    .rows = session->rows,
    .cols = session->cols,
    .out = out,
    .cancellable = cancellable,
  };

  g_return_val_if_fail (session->coded, FALSE);

  if (!decode_bands (&run, error))
    return FALSE;

  /* Cropped back to the input's size */
  reconstruction = scvae_image_new (input->width, input->height);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < input->height; y++)
      memcpy (reconstruction->data + ((gsize) c * input->height + y) * input->width,
              out + c * plane + (gsize) y * width, input->width * sizeof (float));

  g_free (session->decoded_rows);
  session->decoded_rows = g_steal_pointer (&decoded_rows);
  scvae_image_free (session->reconstruction);
  session->reconstruction = reconstruction;
  session->decoded = TRUE;
  return TRUE;
}
