/* lens-stage-cache.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lens-stage-cache.h"

struct _LensStageCache {
  ScvaeSession *session;
  LensInput *encoded;    /* whose image the session encoded */
  int depth;             /* and coded and decoded, when have_codes */
  float sparsity;
  gboolean have_codes;
  /* The intervention the reconstruction was decoded with, when decoded */
  GBytes *atom_gains;
  int keep;
  gboolean decoded;
};

LensStageCache *
lens_stage_cache_new (void)
{
  return g_new0 (LensStageCache, 1);
}

void
lens_stage_cache_free (LensStageCache *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->session, scvae_session_free);
  g_clear_pointer (&self->encoded, lens_input_unref);
  g_clear_pointer (&self->atom_gains, g_bytes_unref);
  g_free (self);
}

gboolean
lens_stage_cache_has_input (LensStageCache *self, const LensRequest *request)
{
  return self->session && scvae_session_get_model (self->session) == request->model
         && self->encoded == request->input;
}

gboolean
lens_stage_cache_has_codes (LensStageCache *self, const LensRequest *request)
{
  return lens_stage_cache_has_input (self, request) && self->have_codes && self->depth == request->depth
         && self->sparsity == request->sparsity;
}

gboolean
lens_stage_cache_has_reconstruction (LensStageCache *self, const LensRequest *request)
{
  GBytes *gains = request->atom_gains;

  return lens_stage_cache_has_codes (self, request) && self->decoded && self->keep == request->keep
         && (self->atom_gains == gains || (self->atom_gains && gains && g_bytes_equal (self->atom_gains, gains)));
}

ScvaeSession *
lens_stage_cache_get_session (LensStageCache *self)
{
  return self->session;
}

gboolean
lens_stage_cache_bring (LensStageCache *self, const LensRequest *request, const ScvaeImage *image,
                        GCancellable *cancellable, gboolean *new_codes, GError **error)
{
  *new_codes = FALSE;
  if (self->session == NULL || scvae_session_get_model (self->session) != request->model)
    {
      g_clear_pointer (&self->session, scvae_session_free);
      g_clear_pointer (&self->encoded, lens_input_unref);
      self->session = scvae_session_new (request->model);
      self->have_codes = FALSE;
      self->decoded = FALSE;
    }
  if (self->encoded != request->input)
    {
      g_clear_pointer (&self->encoded, lens_input_unref);
      self->have_codes = FALSE;
      if (!scvae_session_encode (self->session, image, cancellable, error))
        {
          g_prefix_error (error, "%s: ", request->input->name);
          return FALSE;
        }
      self->encoded = lens_input_ref (request->input);
    }
  if (!lens_stage_cache_has_codes (self, request))
    {
      self->have_codes = FALSE;
      self->decoded = FALSE;
      if (!scvae_session_sparse_code (self->session, request->depth, request->sparsity, cancellable, error))
        return FALSE;
      self->have_codes = TRUE;
      self->depth = request->depth;
      self->sparsity = request->sparsity;
      *new_codes = TRUE;
    }
  if (!lens_stage_cache_has_reconstruction (self, request))
    {
      ScvaeIntervention intervention = lens_request_get_intervention (request);

      self->decoded = FALSE;
      g_clear_pointer (&self->atom_gains, g_bytes_unref);
      scvae_session_set_intervention (self->session, &intervention);
      if (!scvae_session_decode (self->session, cancellable, error))
        return FALSE;
      self->atom_gains = request->atom_gains ? g_bytes_ref (request->atom_gains) : NULL;
      self->keep = request->keep;
      self->decoded = TRUE;
    }
  return TRUE;
}
