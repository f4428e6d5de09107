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

/* The decoder on a grid of latents (rows x cols x C); FALSE if cancelled.
 * Where the grid is a band's with a margin above (trim_top) or below
 * (trim_bottom), each residual block drops a row of it on that side: the
 * 3x3 convolution made the edge row wrong, and the rows the band keeps do
 * not reach it. The pixels in out are then those of patch rows
 * F4_RESBLOCKS * trim_top .. rows - F4_RESBLOCKS * trim_bottom - 1. */
static gboolean
decode_grid (ScvaeSession *session, const float *latents, int rows, int cols, gboolean trim_top,
             gboolean trim_bottom, float *out, Scratch *scratch, GCancellable *cancellable)
{
  int C = session->C;
  Extent quarter = { 1, rows, cols }, half;
  SessionActivations a = scvae__session_activations (session, scratch, rows, cols);
  const FoldedWeights *w = &session->w;

  scvae__ops_transpose (latents, (gsize) rows * cols, C, a.x);
  for (int i = 0; i < F4_RESBLOCKS; i++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        return FALSE;
      quarter = scvae__session_resblock (session, &w->dec_res[i], quarter, trim_top, trim_bottom, a.x, a.t1, a.t2,
                                         scratch);
    }
  half = (Extent) { 1, 2 * quarter.height, 2 * cols };
  scvae__conv_forward_relu (&session->specs.dec_convt1, w->dec_convt1.weight, w->dec_convt1.bias, a.x, quarter,
                            CONV_RELU_INPUT | CONV_RELU_OUTPUT, a.wide, scratch);
  if (g_cancellable_is_cancelled (cancellable))
    return FALSE;
  scvae__conv_forward (&session->specs.dec_convt2, w->dec_convt2.weight, w->dec_convt2.bias, a.wide, half,
                       out, scratch);
  scvae__ops_tanh (out, out, (gsize) 3 * 16 * extent_size (quarter));
  return TRUE;
}

/* Below this fraction of non-zero codes, D z is summed over each patch's
 * active atoms rather than multiplied out by a GEMM: at the default
 * model's 4-6 % that is a twentieth of the GEMM's multiply-adds, and the
 * sum over the patch's list costs a few times more per multiply-add. */
#define SPARSE_PRODUCT_DENSITY_LIMIT 0.15

typedef struct {
  const float *codes;    /* P x K, or NULL: latents are given */
  gboolean sparse;       /* codes below SPARSE_PRODUCT_DENSITY_LIMIT */
  float *latents;        /* rows x cols x C: read, or written from codes */
  float *out;            /* 3 planes of 4 rows x 4 cols */
} DecodeRun;

/* Decodes one band into the run's outputs; FALSE if cancelled. */
static gboolean
decode_band (ScvaeSession *session, const SessionBand *band, Scratch *scratch, GCancellable *cancellable,
             gpointer data)
{
  DecodeRun *run = data;
  SessionBand trimmed;
  int C = session->C, K = session->K, cols = band->cols, rows = band->h1 - band->h0;
  gsize n = (gsize) rows * cols;
  const float *latents = run->latents + (gsize) band->h0 * cols * C;
  float *pixels;

  if (run->codes)
    {
      /* D z for the band and its halo; its own rows are kept. */
      float *dz = scvae__scratch_get (scratch, SLOT_BAND_IN, n * C);
      const float *codes = run->codes + (gsize) band->h0 * cols * K;

      if (run->sparse)
        scvae__lista_sparse_dictionary_product (session->dictionary_t, C, K, codes, n, dz, scratch);
      else
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, C, K,
                     1.f, codes, K, session->model->tensors.dictionary, K, 0.f, dz, C);
      scvae__session_band_keep_rows (band, C, dz, run->latents);
      latents = dz;
    }
  pixels = scvae__scratch_get (scratch, SLOT_BAND_OUT, 3 * 16 * n);
  if (!decode_grid (session, latents, rows, cols, band->h0 > 0, band->h1 < band->rows, pixels, scratch,
                    cancellable))
    return FALSE;
  /* The rows decoded: the band's, less the margin the blocks dropped */
  trimmed = scvae__session_band_less_margin (band, F4_RESBLOCKS);
  scvae__session_band_keep_pixels (&trimmed, pixels, run->out);
  return TRUE;
}

/* The bands are as many as the threads, or a multiple of that so that
 * none exceeds SESSION_DECODE_BAND_PATCHES. */
static gboolean
decode_bands (ScvaeSession *session, DecodeRun *run, int rows, int cols, GCancellable *cancellable,
              GError **error)
{
  SessionBands bands = {
    .rows = rows,
    .cols = cols,
    .max_patches = SESSION_DECODE_BAND_PATCHES,
    .work = decode_band,
    .data = run,
  };

  return scvae__session_run_bands (session, &bands, cancellable, error);
}

gboolean
scvae_session_decode_latents (ScvaeSession *session, const float *latents, int rows, int cols,
                              float *out, GCancellable *cancellable, GError **error)
{
  DecodeRun run = {
    .latents = (float *) latents,
    .out = out,
  };

  return decode_bands (session, &run, rows, cols, cancellable, error);
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
    .codes = session->codes,
    /* Interventions only remove or scale non-zero codes. */
    .sparse = session->nonzeros < SPARSE_PRODUCT_DENSITY_LIMIT * P * session->K,
    .latents = decoded_rows,
    .out = out,
  };
  float *changed = NULL;
  gboolean ok;

  g_return_val_if_fail (session->coded, FALSE);

  if (session->intervention_gain || session->intervention_keep > 0)
    {
      ScvaeIntervention intervention = { session->intervention_gain, session->intervention_keep };

      changed = scvae__session_take_codes_buffer (session, FALSE);
      scvae_codes_intervene (session->codes, P, session->K, &intervention, changed);
      run.codes = changed;
    }
  ok = decode_bands (session, &run, session->rows, session->cols, cancellable, error);
  scvae__session_give_codes_buffer (session, changed);
  if (!ok)
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
