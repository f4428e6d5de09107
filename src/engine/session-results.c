/* session-results.c: metrics, atom usage and the results of a session;
 * scvae_reconstruct, the stages in one call
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "session-private.h"

#include <glib/gi18n-lib.h>

#include "simd.h"

static ScvaeCodeStats *
current_code_stats (ScvaeSession *session)
{
  if (!session->stats_valid)
    {
      if (session->code_stats == NULL)
        session->code_stats = scvae_code_stats_new (session->K);
      scvae_code_stats_reset (session->code_stats);
      scvae_code_stats_add (session->code_stats, session->codes, session_n_patches (session));
      session->stats_valid = TRUE;
    }
  return session->code_stats;
}

const ScvaeAtomUsage *
scvae_session_get_atom_usage (ScvaeSession *session)
{
  g_return_val_if_fail (session->coded, NULL);

  return scvae_code_stats_get_usage (current_code_stats (session));
}

SCVAE_VECTORIZED static float
squared_distance (const float *a, const float *b, int n)
{
  float sum = 0.f;

  for (int i = 0; i < n; i++)
    sum += (a[i] - b[i]) * (a[i] - b[i]);
  return sum;
}

void
scvae_session_compute_metrics (ScvaeSession *session, ScvaeMetrics *m)
{
  gsize P = session_n_patches (session);
  int C = session->C;
  double beta_s = session->model->layout->config.beta * session->sparsity;
  double se = 0.0;

  g_return_if_fail (session->decoded);

  m->psnr = scvae_psnr (session->reconstruction, session->input);
  if (session->ssim_input == NULL)
    session->ssim_input = scvae__ssim_reference_new (session->input);
  m->ssim = scvae__ssim_reference_compare (session->ssim_input, session->reconstruction);
  scvae_code_stats_get_health (current_code_stats (session), &m->codes);

  for (gsize p = 0; p < P; p++)
    se += squared_distance (session->features + p * C, session->decoded_rows + p * C, C);
  m->latent_mse = se / ((double) P * C);
  m->lasso = 0.5 * se / P + beta_s * m->codes.l1_per_patch;
}

/* Patches whose D z is summed at a time: their latents stay in L1. */
#define CODING_ERROR_TILE 64

gboolean
scvae_session_get_coding_errors (ScvaeSession *session, float *errors, GError **error)
{
  gsize P = session_n_patches (session);
  int C = session->C, K = session->K;
  g_autofree float *dz = g_new (float, (gsize) CODING_ERROR_TILE * C);
  g_autofree float *zeros = g_new0 (float, C);
  Scratch scratch = { 0 };

  g_return_val_if_fail (session->coded, FALSE);

  if (session->model->layout->config.bottleneck == SCVAE_BOTTLENECK_GAUSSIAN)
    {
      g_set_error_literal (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                           _("a Gaussian model's latent is not a code of the encoder's features, so it has no "
                             "coding error"));
      return FALSE;
    }
  for (gsize first = 0; first < P; first += CODING_ERROR_TILE)
    {
      gsize n = MIN (CODING_ERROR_TILE, P - first);

      scvae__lista_sparse_dictionary_product (session->dictionary_t, C, K, session->codes + first * K, n, dz,
                                              &scratch);
      for (gsize p = 0; p < n; p++)
        {
          const float *e = session->features + (first + p) * C;
          float energy = squared_distance (e, zeros, C);

          errors[first + p] = energy > 0.f ? squared_distance (e, dz + p * C, C) / energy : 0.f;
        }
    }
  scvae__scratch_clear (&scratch);
  return TRUE;
}

const ScvaeImage *
scvae_session_get_input (ScvaeSession *session)
{
  return session->input;
}

const ScvaeImage *
scvae_session_get_reconstruction (ScvaeSession *session)
{
  return session->decoded ? session->reconstruction : NULL;
}

const float *
scvae_session_get_codes (ScvaeSession *session, int *rows, int *cols, int *atoms)
{
  if (rows)
    *rows = session->rows;
  if (cols)
    *cols = session->cols;
  if (atoms)
    *atoms = session->K;
  return session->coded ? session->codes : NULL;
}

const float *
scvae_session_get_features (ScvaeSession *session, int *rows, int *cols, int *channels)
{
  if (rows)
    *rows = session->rows;
  if (cols)
    *cols = session->cols;
  if (channels)
    *channels = session->C;
  return session->features;
}

ScvaeImage *
scvae_reconstruct (ScvaeModel *model,
                   const ScvaeImage *image,
                   int depth,
                   float sparsity,
                   ScvaeMetrics *metrics,
                   GCancellable *cancellable,
                   GError **error)
{
  g_autoptr(ScvaeSession) session = scvae_session_new (model);

  /* One pass, never another: what a later slider move would reuse is
   * dropped as soon as it is done with, which lowers the peak. */
  if (!scvae_session_encode (session, image, cancellable, error)
      || !scvae_session_sparse_code (session, depth, sparsity, cancellable, error))
    return NULL;
  g_clear_pointer (&session->dty, g_free);
  scvae__session_drop_scratch (session);
  if (!scvae_session_decode (session, cancellable, error))
    return NULL;
  scvae__session_drop_scratch (session);
  if (metrics)
    scvae_session_compute_metrics (session, metrics);
  return g_steal_pointer (&session->reconstruction);
}
