/* lens-result.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lens-result.h"

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
}

void
lens_request_clear (LensRequest *request)
{
  g_clear_pointer (&request->model, scvae_model_unref);
  g_clear_pointer (&request->input, lens_input_unref);
  g_clear_pointer (&request->atoms, g_bytes_unref);
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
}

void
lens_result_unref (LensResult *result)
{
  g_atomic_rc_box_release_full (result, (GDestroyNotify) result_clear);
}

cairo_surface_t *
lens_result_build_activation (LensResult *result, const float *codes, int rows, int cols, int atoms)
{
  int n_selected;
  const int *selected = lens_request_get_atoms (&result->request, &n_selected);
  gboolean signed_values = result->request.mode == LENS_ACTIVATION_ATOMS && n_selected == 1;

  result->rows = rows;
  result->cols = cols;
  result->activation_values = lens_activation_values (codes, rows, cols, atoms, result->request.mode,
                                                      selected, n_selected);
  result->activation_scale = lens_color_scale_for (result->activation_values, (gsize) rows * cols,
                                                   signed_values, result->request.colormap);
  if (result->request.mode == LENS_ACTIVATION_ATOMS)
    result->n_top_patches = lens_top_patches (result->activation_values, (gsize) rows * cols,
                                              LENS_TOP_PATCHES, result->top_patches);
  return lens_heatmap_surface (result->activation_values, rows, cols, &result->activation_scale);
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
  g_free (inspection);
}
