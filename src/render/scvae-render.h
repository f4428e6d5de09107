/* scvae-render.h: what scvae and Sparse Lens write as pictures
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Images, segmentation overlays and label maps as cairo surfaces, and
 * PNG files written atomically: one implementation for the command-line
 * tool and the app's exports, so that both write the same files.
 */

#pragma once

#include <cairo.h>

#include "scvae.h"

G_BEGIN_DECLS

/* CAIRO_FORMAT_RGB24, pixels from [-1, 1]. */
cairo_surface_t *scvae_render_image (const ScvaeImage *image);
/* The other way, from CAIRO_FORMAT_ARGB32 (premultiplied): transparent
 * pixels blend into mid grey, as scvae_image_load () does. */
ScvaeImage *scvae_render_surface_to_image (cairo_surface_t *surface);

typedef struct {
  guint8 rgb[3];
  gboolean visible;
} ScvaeRenderSegment;

/* The image with each visible segment tinted at opacity and the borders
 * between segments drawn dark; labels has one segment index per pixel. */
cairo_surface_t *scvae_render_overlay (const ScvaeImage *image,
                                       const guint8 *labels,
                                       const ScvaeRenderSegment *segments,
                                       int n_segments,
                                       double opacity);

/* A contact sheet of n atoms (atoms[k]: what atom k draws, square), in
 * the given order (NULL: by index), each with its index and usage[k] (the
 * share of patches where it fires), under a title (atom-sheet.c). */
cairo_surface_t *scvae_render_atom_sheet (cairo_surface_t * const *atoms, const double *usage, const int *order,
                                          int n, const char *title);

/* The size x size square of image whose top left pixel is (x, y), the
 * image's edge pixels repeated where the square reaches past them. */
cairo_surface_t *scvae_render_crop (const ScvaeImage *image, int x, int y, int size);

/* A map with one pixel per patch, magnified to width x height image pixels
 * with a crisp SCVAE_PATCH_PIXELS square per patch; CAIRO_FORMAT_RGB24. */
cairo_surface_t *scvae_render_patches (cairo_surface_t *patches, int width, int height);

/* CAIRO_FORMAT_A8, which cairo writes as an 8-bit grey PNG: pixel value =
 * segment index. */
cairo_surface_t *scvae_render_label_map (const guint8 *labels, int width, int height);

/* PNG through a temporary file, fsync and rename: never half-written. */
gboolean scvae_render_write_png (cairo_surface_t *surface, const char *path, GError **error);

G_END_DECLS
