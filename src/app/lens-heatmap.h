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
} LensActivationMode;

/* The per-patch value the mode asks for, rows x cols floats. With one
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
} LensColorScale;

LensColorScale lens_color_scale_for (const float *values, gsize n, gboolean signed_values,
                                     LensColormap colormap);
void lens_color_scale_map (const LensColorScale *scale, float value, guint8 rgb[3]);

/* One pixel per patch (the view magnifies without smoothing). */
cairo_surface_t *lens_heatmap_surface (const float *values, int rows, int cols,
                                       const LensColorScale *scale);
/* |x - x_hat| averaged over channels, as a heat map at image resolution. */
cairo_surface_t *lens_residual_surface (const ScvaeImage *a, const ScvaeImage *b,
                                        LensColormap colormap, LensColorScale *scale);

G_END_DECLS
