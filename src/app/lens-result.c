/* lens-result.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lens-result.h"

#include <math.h>
#include <string.h>

#include "shipped.h"

void
lens_request_copy (LensRequest *dst, const LensRequest *src)
{
  *dst = *src;
  if (dst->model)
    scvae_model_ref (dst->model);
  if (dst->input)
    lens_input_ref (dst->input);
  if (dst->atoms)
    g_bytes_ref (dst->atoms);
  if (dst->atom_gains)
    g_bytes_ref (dst->atom_gains);
  if (dst->comparison)
    scvae_model_ref (dst->comparison);
}

void
lens_request_clear (LensRequest *request)
{
  g_clear_pointer (&request->model, scvae_model_unref);
  g_clear_pointer (&request->input, lens_input_unref);
  g_clear_pointer (&request->atoms, g_bytes_unref);
  g_clear_pointer (&request->atom_gains, g_bytes_unref);
  g_clear_pointer (&request->comparison, scvae_model_unref);
}

const int *
lens_request_get_atoms (const LensRequest *request, int *n_atoms)
{
  gsize size = 0;
  const int *atoms = request->atoms ? g_bytes_get_data (request->atoms, &size) : NULL;

  *n_atoms = size / sizeof (int);
  return atoms;
}

gboolean
lens_request_same_input (const LensRequest *a, const LensRequest *b)
{
  return a->model == b->model && a->input == b->input;
}

gboolean
lens_request_same_codes (const LensRequest *a, const LensRequest *b)
{
  return lens_request_same_input (a, b) && a->depth == b->depth && a->sparsity == b->sparsity;
}

static gboolean
bytes_equal0 (GBytes *a, GBytes *b)
{
  return a == b || (a && b && g_bytes_equal (a, b));
}

gboolean
lens_request_same_reconstruction (const LensRequest *a, const LensRequest *b)
{
  return lens_request_same_codes (a, b) && a->keep == b->keep && bytes_equal0 (a->atom_gains, b->atom_gains);
}

ScvaeIntervention
lens_request_get_intervention (const LensRequest *request)
{
  return (ScvaeIntervention) {
    .atom_gain = request->atom_gains ? g_bytes_get_data (request->atom_gains, NULL) : NULL,
    .keep = request->keep,
  };
}

gboolean
lens_segment_options_equal (const ScvaeSegmentOptions *a, const ScvaeSegmentOptions *b)
{
  return a->k == b->k && a->features == b->features && a->smooth_radius == b->smooth_radius
         && a->n_restarts == b->n_restarts && a->seed == b->seed;
}

gboolean
lens_request_same_segments (const LensRequest *a, const LensRequest *b)
{
  return lens_request_same_codes (a, b) && a->segment == b->segment
         && (!a->segment || lens_segment_options_equal (&a->segment_options, &b->segment_options));
}

gboolean
lens_request_same_pictures (const LensRequest *a, const LensRequest *b)
{
  return lens_request_same_reconstruction (a, b) && a->mode == b->mode && a->colormap == b->colormap
         && a->scaling == b->scaling && bytes_equal0 (a->atoms, b->atoms);
}

G_DEFINE_BOXED_TYPE (LensResult, lens_result, lens_result_ref, lens_result_unref)

LensResult *
lens_result_new (const LensRequest *request)
{
  LensResult *result = g_atomic_rc_box_new0 (LensResult);

  lens_request_copy (&result->request, request);
  return result;
}

LensResult *
lens_result_ref (LensResult *result)
{
  return g_atomic_rc_box_acquire (result);
}

static LensPicture *
picture_ref0 (LensPicture *picture)
{
  return picture ? lens_picture_ref (picture) : NULL;
}

LensResult *
lens_result_copy (const LensResult *result)
{
  LensResult *copy = lens_result_new (&result->request);
  gsize n = (gsize) result->rows * result->cols;

  copy->serial = result->serial;
  copy->submitted_us = result->submitted_us;
  copy->preview = result->preview;
  copy->preview_scale = result->preview_scale;
  copy->input_picture = picture_ref0 (result->input_picture);
  copy->reconstruction = picture_ref0 (result->reconstruction);
  copy->residual = picture_ref0 (result->residual);
  copy->activation = picture_ref0 (result->activation);
  copy->residual_scale = result->residual_scale;
  copy->activation_scale = result->activation_scale;
  copy->activation_values = result->activation_values ? g_memdup2 (result->activation_values, n * sizeof (float))
                                                      : NULL;
  memcpy (copy->top_patches, result->top_patches, sizeof result->top_patches);
  copy->n_top_patches = result->n_top_patches;
  copy->rows = result->rows;
  copy->cols = result->cols;
  copy->metrics = result->metrics;
  if (result->usage)
    copy->usage = g_memdup2 (result->usage,
                             scvae_model_get_config (result->request.model)->atoms * sizeof (ScvaeAtomUsage));
  copy->labels = result->labels ? g_memdup2 (result->labels, n) : NULL;
  copy->comparison = result->comparison ? lens_comparison_ref (result->comparison) : NULL;
  copy->segments_pending = result->segments_pending;
  copy->compute_ms = result->compute_ms;
  return copy;
}

static void
result_clear (LensResult *result)
{
  lens_request_clear (&result->request);
  g_clear_pointer (&result->input_picture, lens_picture_unref);
  g_clear_pointer (&result->reconstruction, lens_picture_unref);
  g_clear_pointer (&result->residual, lens_picture_unref);
  g_clear_pointer (&result->activation, lens_picture_unref);
  g_free (result->activation_values);
  g_free (result->usage);
  g_free (result->labels);
  g_clear_pointer (&result->comparison, lens_comparison_unref);
}

void
lens_result_unref (LensResult *result)
{
  g_atomic_rc_box_release_full (result, (GDestroyNotify) result_clear);
}

cairo_surface_t *
lens_result_build_activation (LensResult *result, ScvaeSession *session, float l1_reference, GError **error)
{
  int n_selected, rows, cols, atoms;
  const int *selected = lens_request_get_atoms (&result->request, &n_selected);
  const float *codes = scvae_session_get_codes (session, &rows, &cols, &atoms);
  LensActivationMode mode = result->request.mode;
  gsize n = (gsize) rows * cols;

  result->rows = rows;
  result->cols = cols;
  if (mode == LENS_ACTIVATION_CODING_ERROR)
    {
      g_autofree float *errors = g_new (float, n);

      if (!scvae_session_get_coding_errors (session, errors, error))
        return NULL;
      result->activation_values = g_steal_pointer (&errors);
    }
  else
    result->activation_values = lens_activation_values (codes, rows, cols, atoms, mode, selected, n_selected);
  if (mode == LENS_ACTIVATION_ATOMS)
    result->activation_scale = lens_color_scale_for (result->activation_values, n, n_selected == 1,
                                                     result->request.colormap);
  else if (mode == LENS_ACTIVATION_CODING_ERROR)
    {
      /* A share, 0 to 1: linear, so that twice the colour is twice the
       * error. */
      result->activation_scale = lens_activation_scale (result->activation_values, n, result->request.scaling, 1.f,
                                                        FALSE, result->request.colormap);
      result->activation_scale.knee = 0.f;
    }
  else
    result->activation_scale = lens_activation_scale (result->activation_values, n, result->request.scaling,
                                                      mode == LENS_ACTIVATION_COUNT ? atoms : l1_reference,
                                                      mode == LENS_ACTIVATION_COUNT, result->request.colormap);
  if (mode == LENS_ACTIVATION_ATOMS)
    result->n_top_patches = lens_top_patches (result->activation_values, n, LENS_TOP_PATCHES,
                                              result->top_patches);
  return lens_heatmap_surface (result->activation_values, rows, cols, &result->activation_scale);
}

/* 1, 2 or 5 times a power of ten, at least x. */
static float
nice_ceiling (float x)
{
  double decade = pow (10.0, floor (log10 (x)));

  for (int i = 0; i < 3; i++)
    {
      const double steps[] = { 1, 2, 5 };

      if (steps[i] * decade >= x)
        return (float) (steps[i] * decade);
    }
  return (float) (10 * decade);
}

float
lens_l1_reference (ScvaeModel *model, GCancellable *cancellable)
{
  g_autofree char *path = shipped_path ("samples/astronaut.jpg");
  g_autoptr(ScvaeImage) image = path ? scvae_image_load (path, 256, NULL, NULL) : NULL;
  g_autofree float *l1 = NULL;
  ScvaeSession *session;
  const float *codes;
  int rows, cols, atoms;
  float reference = 0.f;

  if (image == NULL)
    return 0.f;
  session = scvae_session_new (model);
  if (scvae_session_encode (session, image, cancellable, NULL)
      && scvae_session_sparse_code (session, scvae_model_get_config (model)->lista_steps, 1.f, cancellable, NULL))
    {
      codes = scvae_session_get_codes (session, &rows, &cols, &atoms);
      l1 = lens_activation_values (codes, rows, cols, atoms, LENS_ACTIVATION_L1, NULL, 0);
      reference = lens_quantile (l1, (gsize) rows * cols, 0.995);
      reference = reference > 0.f ? nice_ceiling (reference) : 1.f;
    }
  scvae_session_free (session);
  return reference;
}

void
lens_inspection_free (LensInspection *inspection)
{
  if (inspection == NULL)
    return;
  g_free (inspection->atoms);
  g_free (inspection->coefficients);
  g_clear_pointer (&inspection->input, cairo_surface_destroy);
  g_clear_pointer (&inspection->reconstruction, cairo_surface_destroy);
  g_clear_pointer (&inspection->top_m_reconstruction, cairo_surface_destroy);
  for (int i = 0; i < inspection->n_contributions; i++)
    cairo_surface_destroy (inspection->contributions[i]);
  g_free (inspection);
}
