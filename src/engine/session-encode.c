/* session-encode.c: the encode stage, the encoder run in bands
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "session-private.h"

#include <cblas.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "ops.h"

/* Mirrors out-of-range coordinates back inside [0, n) (no edge repeat). */
static int
reflect (int i, int n)
{
  int period = 2 * (n - 1);

  if (n == 1)
    return 0;
  i %= period;
  return i < n ? i : period - i;
}

/* The encoder needs sides that are multiples of 4: reflect-pad right and
 * bottom; the decoder's output is cropped back. */
static float *
pad_input (const ScvaeImage *image, int width, int height)
{
  float *out = g_new (float, (gsize) 3 * width * height);

  for (int c = 0; c < 3; c++)
    for (int y = 0; y < height; y++)
      {
        const float *src = image->data + ((gsize) c * image->height + reflect (y, image->height)) * image->width;
        float *dst = out + ((gsize) c * height + y) * width;

        for (int x = 0; x < width; x++)
          dst[x] = src[reflect (x, image->width)];
      }
  return out;
}

/* The encoder on 3 planes of 4 rows x 4 cols pixels, into the features
 * of rows x cols patches (patch-major); FALSE if cancelled. Where the
 * grid is a band's with a margin above (trim_top) or below (trim_bottom),
 * the residual blocks leave out the margin's rows that are wrong: the
 * first block two (the convolutions before it reach a patch row past the
 * band's edge, and so does its own), the others one each. The features
 * in out are then those of patch rows SESSION_BAND_HALO * trim_top ..
 * rows - SESSION_BAND_HALO * trim_bottom - 1: the whole margin goes. */
static gboolean
encode_grid (ScvaeSession *session, const float *pixels, int rows, int cols, gboolean trim_top,
             gboolean trim_bottom, float *features, Scratch *scratch, GCancellable *cancellable)
{
  int C = session->C;
  Extent full = { 1, 4 * rows, 4 * cols }, half = { 1, 2 * rows, 2 * cols }, quarter = { 1, rows, cols };
  SessionActivations a = scvae__session_activations (session, scratch, rows, cols);
  const FoldedWeights *w = &session->w;

  scvae__conv_forward_relu (&session->specs.enc_conv1, w->enc_conv1.weight, w->enc_conv1.bias, pixels, full,
                            CONV_RELU_OUTPUT, a.wide, scratch);
  if (g_cancellable_is_cancelled (cancellable))
    return FALSE;
  scvae__conv_forward (&session->specs.enc_conv2, w->enc_conv2.weight, w->enc_conv2.bias, a.wide, half,
                       a.x, scratch);
  for (int i = 0; i < F4_RESBLOCKS; i++)
    {
      int trim = i == 0 ? 2 : 1;

      if (g_cancellable_is_cancelled (cancellable))
        return FALSE;
      quarter = scvae__session_resblock (session, &w->enc_res[i], quarter, trim_top ? trim : 0,
                                         trim_bottom ? trim : 0, a.x, a.t1, a.t2, scratch);
    }
  scvae__ops_transpose (a.x, C, extent_size (quarter), features);
  return TRUE;
}

/* A band has at most this many patch rows, so that a 1024 px image is cut
 * finer than one band per thread: a layer of a band is the longest stretch
 * between two checks for cancellation. */
#define ENCODE_BAND_ROWS 32

typedef struct {
  const float *pixels;   /* 3 planes of 4 rows x 4 cols */
  float *features;       /* rows x cols x C */
  float *dty;            /* rows x cols x K */
} EncodeRun;

/* Encodes one band into the run's outputs; FALSE if cancelled. */
static gboolean
encode_band (ScvaeSession *session, const SessionBand *band, Scratch *scratch, GCancellable *cancellable,
             gpointer data)
{
  EncodeRun *run = data;
  SessionBand trimmed;
  int C = session->C, K = session->K, cols = band->cols, rows = band->h1 - band->h0;
  gsize n = (gsize) rows * cols;
  float *pixels = scvae__scratch_get (scratch, SLOT_BAND_IN, 3 * 16 * n);
  float *features = scvae__scratch_get (scratch, SLOT_BAND_OUT, n * C);
  const float *own;

  scvae__session_band_take_pixels (band, run->pixels, pixels);
  if (!encode_grid (session, pixels, rows, cols, band->h0 > 0, band->h1 < band->rows, features, scratch,
                    cancellable))
    return FALSE;
  /* The rows encoded: the band's, less the margin the blocks dropped */
  trimmed = scvae__session_band_less_margin (band, SESSION_BAND_HALO);

  /* The band's own rows: their features, and D^T e. */
  own = scvae__session_band_keep_rows (&trimmed, C, features, run->features);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (gsize) (band->r1 - band->r0) * cols, K, C,
               1.f, own, C, session->model->tensors.dictionary, K,
               0.f, run->dty + (gsize) band->r0 * cols * K, K);
  return TRUE;
}

gboolean
scvae_session_encode (ScvaeSession *session,
                      const ScvaeImage *image,
                      GCancellable *cancellable,
                      GError **error)
{
  int width = (image->width + 3) / 4 * 4, height = (image->height + 3) / 4 * 4;
  Extent quarter = { 1, height / 4, width / 4 };
  gsize P = extent_size (quarter);
  int C = session->C;
  g_autofree float *padded = NULL, *features = NULL, *dty = NULL;
  EncodeRun run;
  SessionBands bands;
  guint64 needed = scvae_session_estimate_bytes (session->model, image->width, image->height);
  guint64 budget;

  if (!scvae_memory_budget (&budget, error))
    return FALSE;
  /* Refused up front: the alternative is an abort or the OOM killer. */
  if (needed > budget)
    {
      /* In MiB, the unit of SCVAE_MEMORY_LIMIT_MB. */
      g_autofree char *needed_text = g_format_size_full (needed, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *budget_text = g_format_size_full (budget, G_FORMAT_SIZE_IEC_UNITS);

      /* Translators: follows the image's file name and a colon; the %s are
       * sizes such as "1.2 GB": the memory needed, then the memory there is. */
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   g_dngettext (GETTEXT_PACKAGE,
                                "at %dx%d it needs %s with this model (%d atom), more than the %s available: "
                                "downscale it",
                                "at %dx%d it needs %s with this model (%d atoms), more than the %s available: "
                                "downscale it", session->K),
                   image->width, image->height, needed_text, session->K, budget_text);
      return FALSE;
    }

  padded = pad_input (image, width, height);
  features = g_new (float, P * C);
  dty = g_new (float, P * session->K);
  run = (EncodeRun) {
    .pixels = padded,
    .features = features,
    .dty = dty,
  };
  bands = (SessionBands) {
    .rows = quarter.height,
    .cols = quarter.width,
    .max_rows = ENCODE_BAND_ROWS,
    .work = encode_band,
    .data = &run,
  };
  if (!scvae__session_run_bands (session, &bands, cancellable, error))
    return FALSE;

  /* Done: swap the results in. */
  scvae_image_free (session->input);
  g_clear_pointer (&session->ssim_input, scvae__ssim_reference_free);
  session->input = scvae_image_copy (image);
  session->rows = quarter.height;
  session->cols = quarter.width;
  g_free (session->features);
  session->features = g_steal_pointer (&features);
  g_free (session->dty);
  session->dty = g_steal_pointer (&dty);
  g_clear_pointer (&session->codes, g_free);
  scvae__session_clear_checkpoints (session);
  g_ptr_array_set_size (session->spare_codes, 0);
  g_clear_pointer (&session->decoded_rows, g_free);
  g_clear_pointer (&session->reconstruction, scvae_image_free);
  session_invalidate_codes (session);
  return TRUE;
}
