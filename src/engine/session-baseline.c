/* session-baseline.c: the sparse_code stage of the baselines' bottlenecks
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A VQ model's code of a patch is one-hot: 1 at its nearest code, whose
 * vector the decode stage's D z then gives back. A Gaussian model's code
 * is its mean, over the identity "dictionary" (D z = z). Neither has a
 * depth or a sparsity: those of the call are recorded and change nothing.
 */

#include "config.h"

#include "session-private.h"

#include <cblas.h>
#include <string.h>

/* |e - E_k|^2 = |e|^2 - 2 e.E_k + |E_k|^2, and the encode stage has the
 * e.E_k already (dty): the lowest k on a tie, as in training. */
static void
nearest_codes (ScvaeSession *session, float *codes)
{
  gsize P = session_n_patches (session);
  int C = session->C, K = session->K;
  const float *E = session->model->tensors.dictionary;
  g_autofree float *norms = g_new0 (float, K);

  for (int i = 0; i < C; i++)
    for (int k = 0; k < K; k++)
      norms[k] += E[(gsize) i * K + k] * E[(gsize) i * K + k];
  memset (codes, 0, P * K * sizeof (float));
  for (gsize p = 0; p < P; p++)
    {
      const float *dots = session->dty + p * K;
      int best = 0;
      float best_distance = norms[0] - 2.f * dots[0];

      for (int k = 1; k < K; k++)
        if (norms[k] - 2.f * dots[k] < best_distance)
          {
            best = k;
            best_distance = norms[k] - 2.f * dots[k];
          }
      codes[p * K + best] = 1.f;
    }
}

/* mean = W_mu e + b_mu for every patch */
static void
gaussian_means (ScvaeSession *session, float *codes)
{
  gsize P = session_n_patches (session);
  int C = session->C;
  const ConvParams *head = &session->model->tensors.mean_head;

  for (gsize p = 0; p < P; p++)
    memcpy (codes + p * C, head->bias, C * sizeof (float));
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, P, C, C, 1.f, session->features, C, head->weight, C,
               1.f, codes, C);
}

void
scvae__session_code_baseline (ScvaeSession *session, int depth, float sparsity)
{
  gsize P = session_n_patches (session), nonzeros = 0;
  float *codes = scvae__session_take_codes_buffer (session, FALSE);

  if (session->model->layout->config.bottleneck == SCVAE_BOTTLENECK_VQ)
    nearest_codes (session, codes);
  else
    gaussian_means (session, codes);
  for (gsize i = 0; i < P * session->K; i++)
    nonzeros += codes[i] != 0.f;

  scvae__session_give_codes_buffer (session, session->codes);
  session->codes = codes;
  session->nonzeros = nonzeros;
  session->depth = depth;
  session->sparsity = sparsity;
  session_invalidate_codes (session);
  session->coded = TRUE;
}
