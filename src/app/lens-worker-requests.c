/* lens-worker-requests.c: answering the window's requests
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lens-worker-private.h"

/* On an image of at least this many pixels, a drag is shown at reduced
 * size first (see wants_preview). A full answer to a slider move takes 0.28 to
 * 0.51 s at 1024x768 on the build machine (tools/bench/app-latency), so
 * about 0.15 s at 640x480; below that, a preview would only add work. */
#define PREVIEW_MIN_PIXELS (640 * 480)
/* A preview is coded at a half, a third... of the image's size, the
 * largest that has at most this many pixels: about 40 ms a slider move
 * (a 256x256 image's takes 22-25 ms), so that a drag's pictures are
 * well under 100 ms old when they show (a value arriving while the last
 * preview is computed waits for it). Half of 1024x768 would take 75 ms. */
#define PREVIEW_MAX_PIXELS (100 * 1000)

/* Brings the working image's cache to the request's codes. */
static gboolean
prepare (LensWorker *self, const LensRequest *request, GCancellable *cancellable,
         gboolean *new_codes, GError **error)
{
  if (!lens_stage_cache_bring (self->full, request, request->input->image, cancellable, new_codes, error))
    return FALSE;
  if (*new_codes)
    {
      g_clear_pointer (&self->features, g_free);
      g_clear_pointer (&self->labels, g_free);
    }
  return TRUE;
}

const float *
lens_worker_get_features (LensWorker *self, const LensRequest *request, int *dim,
                          GCancellable *cancellable, GError **error)
{
  const ScvaeSegmentOptions *options = &request->segment_options;
  int rows, cols, atoms;
  const float *codes = scvae_session_get_codes (lens_stage_cache_get_session (self->full), &rows, &cols, &atoms);

  if (self->features == NULL || self->features_options.features != options->features
      || self->features_options.smooth_radius != options->smooth_radius)
    {
      g_clear_pointer (&self->features, g_free);
      g_clear_pointer (&self->labels, g_free);
      self->features = scvae_segment_features (codes, rows, cols, atoms, options, cancellable, error);
      if (self->features == NULL)
        return NULL;
      self->features_dim = scvae_segment_features_dim (options, atoms);
      self->features_options = *options;
    }
  *dim = self->features_dim;
  return self->features;
}

/* k-means on the features of the full cache's codes: only what the
 * options change runs again (a new k or seed reuses the features). */
static gboolean
segment (LensWorker *self, const LensRequest *request, GCancellable *cancellable, GError **error)
{
  int rows, cols, atoms, dim;
  g_autofree guint8 *labels = NULL;
  const float *features;

  if (self->labels && lens_segment_options_equal (&self->labels_options, &request->segment_options))
    return TRUE;
  features = lens_worker_get_features (self, request, &dim, cancellable, error);
  if (features == NULL)
    return FALSE;
  scvae_session_get_codes (lens_stage_cache_get_session (self->full), &rows, &cols, &atoms);
  labels = g_new (guint8, (gsize) rows * cols);
  if (!scvae_segment (features, rows, cols, dim, &request->segment_options, labels, cancellable, error))
    return FALSE;
  g_free (self->labels);
  self->labels = g_steal_pointer (&labels);
  self->labels_options = request->segment_options;
  return TRUE;
}

static LensResult *
result_new (LensWorker *self, const LensRequest *request, guint64 serial, gint64 submitted)
{
  LensResult *result = lens_result_new (request);

  result->serial = serial;
  result->submitted_us = submitted;
  if (self->last && self->last->request.input == request->input)
    result->input_picture = lens_picture_ref (self->last->input_picture);
  else
    result->input_picture = lens_picture_new (scvae_render_image (request->input->image), 1);
  return result;
}

float
lens_worker_get_l1_reference (LensWorker *self, const LensRequest *request, GCancellable *cancellable)
{
  if (request->mode != LENS_ACTIVATION_L1 || request->scaling != LENS_SCALING_FIXED)
    return 0.f;
  if (self->l1_model != request->model)
    {
      float reference = lens_l1_reference (request->model, cancellable);

      /* Cancelled: measured again next time. */
      if (g_cancellable_is_cancelled (cancellable))
        return 0.f;
      g_clear_pointer (&self->l1_model, scvae_model_unref);
      self->l1_model = scvae_model_ref (request->model);
      self->l1_reference = reference;
    }
  return self->l1_reference;
}

/* The heat map of a session's codes, one pixel per patch, magnified by
 * units when shown. Where the model has no such map, a toast says why
 * and the result has none (the window then goes back to the counts). */
static LensPicture *
activation_picture (LensWorker *self, LensResult *result, ScvaeSession *session, int units,
                    GCancellable *cancellable)
{
  float l1_reference = lens_worker_get_l1_reference (self, &result->request, cancellable);
  GError *failure = NULL;
  cairo_surface_t *surface = lens_result_build_activation (result, session, l1_reference, &failure);

  if (surface == NULL)
    {
      lens_worker_post (self, NULL, failure);
      return NULL;
    }
  return lens_picture_new (surface, units);
}

/* A preview is worth it for a slider move on a large image while the user
 * drags: the full pass would show a picture only every half second or so. */
static gboolean
wants_preview (LensWorker *self, const LensRequest *request, gboolean in_drag)
{
  const ScvaeImage *image = request->input->image;

  return in_drag && (gsize) image->width * image->height >= PREVIEW_MIN_PIXELS
         && lens_stage_cache_has_input (self->full, request)
         && !lens_stage_cache_has_codes (self->full, request);
}

static int
preview_scale (const ScvaeImage *image)
{
  int scale = 2;

  while ((gsize) (image->width / scale) * (image->height / scale) > PREVIEW_MAX_PIXELS)
    scale++;
  return scale;
}

static ScvaeImage *
reduced (const ScvaeImage *image, int scale)
{
  g_autoptr(GdkPixbuf) full = scvae_image_to_pixbuf (image);
  g_autoptr(GdkPixbuf) small = gdk_pixbuf_scale_simple (full, MAX (1, image->width / scale),
                                                        MAX (1, image->height / scale), GDK_INTERP_BILINEAR);

  return scvae_image_new_from_pixbuf (small);
}

/* The request on the image at 1 / scale of its size: 1 / scale^2 of the
 * patches, and as much faster. Its pictures only: no metrics, usage or
 * segments. */
static gboolean
answer_preview (LensWorker *self, const LensRequest *request, guint64 serial, gint64 submitted,
                GCancellable *cancellable, GError **error)
{
  g_autoptr(LensResult) result = NULL;
  gint64 start = g_get_monotonic_time ();
  const ScvaeImage *reconstruction;
  ScvaeSession *session;
  gboolean new_codes;
  int scale = preview_scale (request->input->image);

  if (!lens_stage_cache_has_input (self->preview, request))
    {
      g_clear_pointer (&self->preview_image, scvae_image_free);
      self->preview_image = reduced (request->input->image, scale);
    }
  if (!lens_stage_cache_bring (self->preview, request, self->preview_image, cancellable, &new_codes, error))
    return FALSE;

  session = lens_stage_cache_get_session (self->preview);
  result = result_new (self, request, serial, submitted);
  result->preview = TRUE;
  result->preview_scale = scale;
  reconstruction = scvae_session_get_reconstruction (session);
  result->reconstruction = lens_picture_new (scvae_render_image (reconstruction), scale);
  result->residual = lens_picture_new (lens_residual_surface (self->preview_image, reconstruction,
                                                              request->colormap, &result->residual_scale), scale);
  result->activation = activation_picture (self, result, session, scale * SCVAE_PATCH_PIXELS, cancellable);
  result->compute_ms = (g_get_monotonic_time () - start) / 1000.0;
  lens_worker_post (self, g_steal_pointer (&result), NULL);
  lens_worker_mark_previewed (self);
  return TRUE;
}

/* The request's comparison model beside its model, on result's pictures:
 * the last comparison when neither its model nor the main reconstruction
 * changed, else the comparison model's codes (as trained: its own depth,
 * sparsity 1) brought up to date, and measured unless they were already.
 * A comparison model that fails on the image (too large for it, say) says
 * why and leaves the result without a comparison: the window's model's
 * pictures still show. FALSE only when cancelled. */
static gboolean
compare (LensWorker *self, const LensRequest *request, LensResult *result, GCancellable *cancellable,
         GError **error)
{
  LensComparison *last = self->last && self->last->request.comparison == request->comparison
                             && self->last->request.input == request->input ? self->last->comparison : NULL;
  LensRequest as_trained = { 0 };
  g_autoptr(GError) failure = NULL;
  gboolean new_codes;

  if (request->comparison == NULL)
    {
      /* Its session holds a whole image's stages: let them go. */
      if (lens_stage_cache_get_session (self->comparison))
        {
          lens_stage_cache_free (self->comparison);
          self->comparison = lens_stage_cache_new ();
        }
      return TRUE;
    }
  if (last && self->last->residual == result->residual)
    {
      result->comparison = lens_comparison_ref (last);
      return TRUE;
    }
  as_trained.model = request->comparison;
  as_trained.input = request->input;
  as_trained.depth = scvae_model_get_config (request->comparison)->lista_steps;
  as_trained.sparsity = 1.f;
  if (!lens_stage_cache_bring (self->comparison, &as_trained, request->input->image, cancellable, &new_codes,
                               &failure))
    {
      if (g_error_matches (failure, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&failure));
          return FALSE;
        }
      lens_worker_post (self, NULL, g_steal_pointer (&failure));
      return TRUE;
    }
  result->comparison = lens_comparison_new (request->input->image, lens_stage_cache_get_session (self->full),
                                            &result->metrics, lens_stage_cache_get_session (self->comparison),
                                            last && !new_codes ? &last->scores[1] : NULL, request->colormap);
  return TRUE;
}

/* Whether the request's segments are computed already. */
static gboolean
has_labels (LensWorker *self, const LensRequest *request)
{
  return self->labels && lens_segment_options_equal (&self->labels_options, &request->segment_options);
}

static gboolean
answer_full (LensWorker *self, const LensRequest *request, guint64 serial, gint64 submitted,
             GCancellable *cancellable, GError **error)
{
  g_autoptr(LensResult) result = NULL;
  gint64 start = g_get_monotonic_time ();
  ScvaeSession *session;
  gboolean new_codes, same_pictures;
  int K;

  if (!prepare (self, request, cancellable, &new_codes, error))
    return FALSE;

  session = lens_stage_cache_get_session (self->full);
  K = scvae_model_get_config (request->model)->atoms;
  same_pictures = !new_codes && self->last && lens_request_same_pictures (&self->last->request, request);

  if (same_pictures)
    {
      /* Only the segments change (or nothing): the pictures stay. */
      result = lens_result_copy (self->last);
      g_clear_pointer (&result->labels, g_free);
      lens_request_clear (&result->request);
      lens_request_copy (&result->request, request);
      result->serial = serial;
      result->submitted_us = submitted;
    }
  else
    {
      result = result_new (self, request, serial, submitted);
      /* Reuse the pictures of stages that did not run. */
      if (!new_codes && self->last && lens_request_same_reconstruction (&self->last->request, request)
          && self->last->request.colormap == request->colormap)
        {
          result->reconstruction = lens_picture_ref (self->last->reconstruction);
          result->residual = lens_picture_ref (self->last->residual);
          result->residual_scale = self->last->residual_scale;
          result->metrics = self->last->metrics;
        }
      else
        {
          const ScvaeImage *reconstruction = scvae_session_get_reconstruction (session);

          scvae_session_compute_metrics (session, &result->metrics);
          result->reconstruction = lens_picture_new (scvae_render_image (reconstruction), 1);
          result->residual = lens_picture_new (lens_residual_surface (request->input->image, reconstruction,
                                                                      request->colormap, &result->residual_scale), 1);
        }
      result->activation = activation_picture (self, result, session, SCVAE_PATCH_PIXELS, cancellable);
      result->usage = g_memdup2 (scvae_session_get_atom_usage (session), K * sizeof (ScvaeAtomUsage));
    }
  g_clear_pointer (&result->comparison, lens_comparison_unref);
  if (!compare (self, request, result, cancellable, error))
    return FALSE;

  /* New pictures go on screen before k-means, which takes longer than
   * they do; the segments follow in a second result. */
  if (request->segment && !has_labels (self, request))
    {
      if (!same_pictures)
        {
          LensResult *pictures = lens_result_copy (result);

          pictures->segments_pending = TRUE;
          pictures->compute_ms = (g_get_monotonic_time () - start) / 1000.0;
          g_clear_pointer (&self->last, lens_result_unref);
          self->last = lens_result_ref (pictures);
          lens_worker_post (self, pictures, NULL);
        }
      lens_worker_mark_segmenting (self, TRUE);
      if (!segment (self, request, cancellable, error))
        return FALSE;
    }
  if (request->segment)
    result->labels = g_memdup2 (self->labels, (gsize) result->rows * result->cols);
  result->compute_ms = (g_get_monotonic_time () - start) / 1000.0;

  g_clear_pointer (&self->last, lens_result_unref);
  self->last = lens_result_ref (result);
  lens_worker_post (self, g_steal_pointer (&result), NULL);
  return TRUE;
}

void
lens_worker_answer (LensWorker *self, const LensRequest *request, guint64 serial, gint64 submitted,
                    gboolean in_drag, GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;

  if (request->model == NULL || request->input == NULL)
    return;
  if (wants_preview (self, request, in_drag))
    {
      if (!answer_preview (self, request, serial, submitted, cancellable, &error))
        goto failed;
      /* The drag goes on: the full pass would be stale before it ends. */
      if (lens_worker_newer_request_waiting (self))
        return;
    }
  if (answer_full (self, request, serial, submitted, cancellable, &error))
    return;

failed:
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    lens_worker_post (self, NULL, g_steal_pointer (&error));
}
