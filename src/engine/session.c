/* session.c: an inference session's setup and the buffers it keeps
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * At creation the session folds each BatchNorm into the convolution before
 * it and precomputes the Gram matrix D^T D; encoding also keeps D^T e. So a
 * new sparsity or depth reruns only LISTA (sparse-aware) and the decoder.
 * The stages themselves are in the other session-*.c files (see
 * session-private.h).
 */

#include "config.h"

#include "session-private.h"

#include <cblas.h>
#include <string.h>

#include "ops.h"

float *
scvae__session_take_codes_buffer (ScvaeSession *session, gboolean optional)
{
  gsize n = (gsize) session->rows * session->cols * session->K;

  if (session->spare_codes->len > 0)
    return g_ptr_array_steal_index_fast (session->spare_codes, session->spare_codes->len - 1);
  return optional ? g_try_new (float, n) : g_new (float, n);
}

void
scvae__session_give_codes_buffer (ScvaeSession *session, float *buffer)
{
  if (buffer)
    g_ptr_array_add (session->spare_codes, buffer);
}

void
scvae__session_clear_checkpoints (ScvaeSession *session)
{
  for (int d = 0; d <= SCVAE_MAX_DEPTH; d++)
    scvae__session_give_codes_buffer (session, g_steal_pointer (&session->checkpoints[d]));
}

static float *
copy_tensor (const float *src, gsize n, float **cursor)
{
  float *dst = *cursor;

  memcpy (dst, src, n * sizeof (float));
  *cursor += n;
  return dst;
}

static ConvParams
fold (const ConvSpec *spec, const ConvParams *conv, const BatchNormParams *bn, float **cursor)
{
  ConvParams out;

  out.weight = copy_tensor (conv->weight, scvae__conv_weight_size (spec), cursor);
  out.bias = copy_tensor (conv->bias, spec->out_channels, cursor);
  if (bn)
    scvae__batchnorm_fold (bn, spec, out.weight, out.bias);
  return out;
}

static void
fold_resblock (const F4Specs *s, const ResBlockParams *p, FoldedResBlock *out, float **cursor)
{
  out->conv3 = fold (&s->res_conv3, &p->conv3, &p->bn3, cursor);
  out->conv1 = fold (&s->res_conv1, &p->conv1, &p->bn1, cursor);
}

ScvaeSession *
scvae_session_new (ScvaeModel *model)
{
  ScvaeSession *session = g_new0 (ScvaeSession, 1);
  const F4Tensors *t = &model->tensors;
  const F4Specs *s = &session->specs;
  float *cursor;

  session->model = scvae_model_ref (model);
  session->spare_codes = g_ptr_array_new_with_free_func (g_free);
  session->C = model->layout->config.channels;
  session->K = model->layout->config.atoms;
  scvae__f4_specs (session->C, &session->specs);

  /* The folded weights have exactly the parameter count's size. */
  session->folded_storage = g_new (float, model->layout->n_parameters);
  cursor = session->folded_storage;
  session->w.enc_conv1 = fold (&s->enc_conv1, &t->enc_conv1, &t->enc_bn, &cursor);
  session->w.enc_conv2 = fold (&s->enc_conv2, &t->enc_conv2, NULL, &cursor);
  for (int i = 0; i < F4_RESBLOCKS; i++)
    {
      fold_resblock (s, &t->enc_res[i], &session->w.enc_res[i], &cursor);
      fold_resblock (s, &t->dec_res[i], &session->w.dec_res[i], &cursor);
    }
  session->w.dec_convt1 = fold (&s->dec_convt1, &t->dec_convt1, &t->dec_bn, &cursor);
  session->w.dec_convt2 = fold (&s->dec_convt2, &t->dec_convt2, NULL, &cursor);
  g_assert (cursor <= session->folded_storage + model->layout->n_parameters);

  session->gram = g_new (float, (gsize) session->K * session->K);
  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, session->K, session->K, session->C,
               1.f, t->dictionary, session->K, t->dictionary, session->K,
               0.f, session->gram, session->K);
  session->dictionary_t = g_new (float, (gsize) session->K * session->C);
  scvae__ops_transpose (t->dictionary, session->C, session->K, session->dictionary_t);
  session->lista_form = LISTA_FORM_AUTO;
  return session;
}

void
scvae_session_free (ScvaeSession *session)
{
  if (session == NULL)
    return;
  scvae_model_unref (session->model);
  g_free (session->folded_storage);
  g_free (session->gram);
  g_free (session->dictionary_t);
  for (int i = 0; i < session->n_parts; i++)
    scvae__scratch_clear (&session->parts[i]);
  g_free (session->parts);
  scvae_image_free (session->input);
  scvae__ssim_reference_free (session->ssim_input);
  g_free (session->features);
  g_free (session->dty);
  g_free (session->codes);
  g_free (session->intervention_gain);
  scvae__session_clear_checkpoints (session);
  g_ptr_array_unref (session->spare_codes);
  g_free (session->decoded_rows);
  scvae_image_free (session->reconstruction);
  scvae_code_stats_free (session->code_stats);
  g_free (session->atom_background);
  g_free (session);
}

ScvaeModel *
scvae_session_get_model (ScvaeSession *session)
{
  return session->model;
}

/* The forms round differently: iterates of one do not continue the other. */
void
scvae__session_set_lista_form (ScvaeSession *session, ListaForm form)
{
  if (form == session->lista_form)
    return;
  session->lista_form = form;
  scvae__session_clear_checkpoints (session);
  scvae__session_give_codes_buffer (session, g_steal_pointer (&session->codes));
  session_invalidate_codes (session);
}

Extent
scvae__session_resblock (ScvaeSession *session, const FoldedResBlock *w, Extent e, int trim_top, int trim_bottom,
                         float *x, float *t1, float *t2, Scratch *scratch)
{
  Extent kept = { e.batch, e.height - trim_top - trim_bottom, e.width };
  gsize plane = (gsize) e.height * e.width, kept_plane = extent_size (kept), n = session->C * kept_plane;

  scvae__conv_forward_rows (&session->specs.res_conv3, w->conv3.weight, w->conv3.bias, x, e,
                            CONV_RELU_INPUT | CONV_RELU_OUTPUT, trim_top, kept.height, t2, scratch);
  /* x's kept rows, channel by channel, to where the result's go */
  if (kept_plane != plane)
    for (int c = 0; c < session->C; c++)
      memmove (x + c * kept_plane, x + c * plane + (gsize) trim_top * e.width, kept_plane * sizeof (float));
  scvae__conv_forward (&session->specs.res_conv1, w->conv1.weight, w->conv1.bias, t2, kept, t1, scratch);
  cblas_saxpy (n, 1.f, t1, 1, x, 1);
  return kept;
}

guint64
scvae_session_estimate_bytes (ScvaeModel *model, int width, int height)
{
  const ScvaeConfig *config = scvae_model_get_config (model);
  guint64 C = config->channels, K = config->atoms;
  guint64 padded_width = (width + 3) / 4 * 4, padded_height = (height + 3) / 4 * 4;
  guint64 pixels = padded_width * padded_height, P = pixels / 16, cols = padded_width / 4;
  guint64 threads = MAX (scvae_get_threads (), 1);
  guint64 codes = P * K * sizeof (float), checkpoints = 0, band_patches, working;

  /* LISTA keeps iterates for the depth slider, at every 4th depth at most,
   * within SESSION_CHECKPOINT_BYTES (session-lista.c). */
  if (codes <= SESSION_CHECKPOINT_BYTES)
    checkpoints = MIN (SESSION_CHECKPOINT_BYTES / codes, SCVAE_MAX_DEPTH / 4) * codes;
  /* A thread's working memory is that of its largest band: the decoder's
   * (SESSION_DECODE_BAND_PATCHES, or a share of the image), with the
   * activations at half resolution, those at patch resolution, the band's
   * input and output and the convolutions' padded copies. */
  band_patches = MIN (P / threads + 1, (guint64) SESSION_DECODE_BAND_PATCHES) + 2 * SESSION_BAND_HALO * cols;
  working = threads * band_patches * sizeof (float) * (12 * C + 48);

  /* Images: the caller's, the session's copy, the padded input, the
   * decoder's output and the reconstruction, and SSIM's planes of the
   * input. Per patch: the features and D z in C floats, D^T e, the codes
   * and a spare set of codes in K floats. */
  return sizeof (float) * (3 * 5 * pixels + 9 * pixels + P * (2 * C + 3 * K)) + checkpoints + working;
}

void
scvae_session_set_intervention (ScvaeSession *session, const ScvaeIntervention *intervention)
{
  g_clear_pointer (&session->intervention_gain, g_free);
  session->intervention_keep = 0;
  if (intervention && intervention->atom_gain)
    session->intervention_gain = g_memdup2 (intervention->atom_gain, session->K * sizeof (float));
  if (intervention)
    session->intervention_keep = intervention->keep;
  session->decoded = FALSE;
}
