/* lens-heatmap.h: turning per-patch numbers and images into pictures
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything here is pure computation on plain buffers, so the engine
 * worker thread builds the pictures and the main thread only shows them.
 */

#pragma once

#include <cairo.h>
#include <glib.h>

#include "scvae.h"

G_BEGIN_DECLS

typedef enum {
  LENS_ACTIVATION_COUNT,  /* active atoms per patch (L0) */
  LENS_ACTIVATION_L1,     /* sum of |coefficients| per patch */
  LENS_ACTIVATION_ATOMS,  /* the selected atoms' coefficients per patch */
  LENS_ACTIVATION_CODING_ERROR, /* |e - D z|^2 / |e|^2 per patch, from the
                                 * session (scvae_session_get_coding_errors) */
} LensActivationMode;

/* The per-patch value the mode asks for, rows x cols floats, for the
 * modes computed from the codes alone (not the coding error). With one
 * selected atom: its signed coefficient; with several: the largest |coefficient|
 * among them (where any of them fires). */
float *lens_activation_values (const float *codes, int rows, int cols, int atoms,
                               LensActivationMode mode, const int *selected, int n_selected);

/* Patch indices of the n largest values (fewer if fewer are non-zero),
 * largest first; returns how many. */
int lens_top_patches (const float *values, gsize n_patches, int n, int *top);

/* Maps values to colours: sequential (viridis-like) from 0 to max, or
 * diverging (blue-white-red) from -max to max for signed values. */
typedef enum {
  LENS_COLORMAP_VIRIDIS,
  LENS_COLORMAP_MAGMA,
  LENS_COLORMAP_GREY,
} LensColormap;

typedef struct {
  float lo;
  float hi;
  gboolean diverging;    /* signed values: blue - white - red whatever the map */
  LensColormap colormap;
  /* 0: linear from lo to hi. Else logarithmic: position
   * log(1 + (v - lo) / knee) / log(1 + (hi - lo) / knee), so small values
   * (a sparse code's few atoms) get as much of the ramp as large ones. */
  float knee;
  gboolean clipped;      /* values above hi occur (and show as hi) */
} LensColorScale;

/* From 0 (or -max for signed values) to the largest value. */
LensColorScale lens_color_scale_for (const float *values, gsize n, gboolean signed_values,
                                     LensColormap colormap);
void lens_color_scale_map (const LensColorScale *scale, float value, guint8 rgb[3]);
/* Where value lies on the ramp, 0 to 1, and the colour at a position. */
float lens_color_scale_position (const LensColorScale *scale, float value);
void lens_color_scale_map_position (const LensColorScale *scale, float t, guint8 rgb[3]);

/* How the activation heat map (counts and L1) is scaled. */
typedef enum {
  /* The same scale for every setting and image: 0 to K atoms, or 0 to
   * the model's L1 reference (see lens_activation_scale). */
  LENS_SCALING_FIXED,
  /* 0 to this image's 99.5th percentile: the most contrast. */
  LENS_SCALING_PER_IMAGE,
} LensScaling;

/* The number of logarithmic steps the count and L1 maps span: a
 * knee at hi / LENS_SCALE_SPAN (1 atom at K = 256). */
#define LENS_SCALE_SPAN 256.f

/* The scale of a count or L1 map (values >= 0): logarithmic, up to
 * fixed_hi for LENS_SCALING_FIXED, else up to the values' 99.5th
 * percentile (rounded up to a whole number for counts). */
LensColorScale lens_activation_scale (const float *values, gsize n, LensScaling scaling, float fixed_hi,
                                      gboolean whole, LensColormap colormap);
/* The q-quantile (0..1) of n values, n > 0. */
float lens_quantile (const float *values, gsize n, double q);

/* One pixel per value: per patch for the code maps (the view magnifies
 * without smoothing), per image pixel for residuals. */
cairo_surface_t *lens_heatmap_surface (const float *values, int rows, int cols,
                                       const LensColorScale *scale);
/* |x - x_hat| averaged over channels (in [0, 1]), width x height floats. */
float *lens_residual_values (const ScvaeImage *a, const ScvaeImage *b);
/* The same, as a heat map at image resolution, on a scale up to its largest value. */
cairo_surface_t *lens_residual_surface (const ScvaeImage *a, const ScvaeImage *b,
                                        LensColormap colormap, LensColorScale *scale);

G_END_DECLS
