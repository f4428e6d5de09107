/* lens-result.h: what the window asks the engine thread, and what comes back
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "lens-comparison.h"
#include "lens-heatmap.h"
#include "lens-input.h"
#include "lens-picture.h"

G_BEGIN_DECLS

#define LENS_TOP_PATCHES 12

/* The controls at one moment: which image through which model, and how. */
typedef struct {
  ScvaeModel *model;
  LensInput *input;
  int depth;
  float sparsity;
  LensActivationMode mode;
  LensColormap colormap;
  LensScaling scaling;        /* of the count and L1 maps */
  GBytes *atoms;              /* selected atom indices (int), or NULL */
  gboolean segment;           /* run k-means on the codes */
  ScvaeSegmentOptions segment_options;
  /* What the decoder sees changed (see ScvaeIntervention); the codes, the
   * heat map and the segments stay LISTA's. */
  GBytes *atom_gains;         /* K floats, or NULL: every gain 1 */
  int keep;                   /* each patch's strongest atoms kept; 0: all */
  ScvaeModel *comparison;     /* a second model to compare with (see LensComparison), or NULL */
} LensRequest;

/* dst takes references to what src holds; lens_request_clear drops them. */
void lens_request_copy (LensRequest *dst, const LensRequest *src);
void lens_request_clear (LensRequest *request);
/* The selected atoms, as a C array. */
const int *lens_request_get_atoms (const LensRequest *request, int *n_atoms);
/* Same model and image: the encoder's output can be shared. */
gboolean lens_request_same_input (const LensRequest *a, const LensRequest *b);
/* Same codes too (depth and sparsity). */
gboolean lens_request_same_codes (const LensRequest *a, const LensRequest *b);
/* Same codes and the same intervention: the same reconstruction. */
gboolean lens_request_same_reconstruction (const LensRequest *a, const LensRequest *b);
/* The request's intervention, for the engine (valid while request is). */
ScvaeIntervention lens_request_get_intervention (const LensRequest *request);
/* Same reconstruction and the same heat map: the same pictures. */
gboolean lens_request_same_pictures (const LensRequest *a, const LensRequest *b);
/* Same codes and the same k-means on them (or none in both). */
gboolean lens_request_same_segments (const LensRequest *a, const LensRequest *b);
gboolean lens_segment_options_equal (const ScvaeSegmentOptions *a, const ScvaeSegmentOptions *b);

/* The answer to a request; immutable once the engine thread posts it. */
typedef struct {
  guint64 serial;          /* of the request answered */
  gint64 submitted_us;     /* monotonic time that request was submitted */
  /* A first look while a slider is dragged over a large image: pictures of
   * the image at 1 / preview_scale of its size (rows x cols of its
   * patches), no metrics, usage, top patches or segments. The full result
   * follows once the drag stops. */
  gboolean preview;
  int preview_scale;
  LensRequest request;     /* what was asked (holds references) */

  LensPicture *input_picture;
  LensPicture *reconstruction;
  LensPicture *residual;
  LensPicture *activation;       /* one level-0 pixel per patch */
  LensColorScale residual_scale;
  LensColorScale activation_scale;
  float *activation_values;      /* rows x cols */
  int top_patches[LENS_TOP_PATCHES]; /* where the selected atoms fire most */
  int n_top_patches;
  int rows, cols;

  ScvaeMetrics metrics;
  ScvaeAtomUsage *usage;         /* K, on this image */
  guint8 *labels;                /* rows x cols k-means labels, or NULL */
  /* The request asks for segments and they are still being computed: a
   * result with the same serial and the labels follows (unless a newer
   * request cancels it). The pictures are shown meanwhile. */
  gboolean segments_pending;
  LensComparison *comparison;    /* when the request names a comparison model */
  double compute_ms;             /* the stages this request ran */
} LensResult;

#define LENS_TYPE_RESULT (lens_result_get_type ())
GType lens_result_get_type (void) G_GNUC_CONST;

/* Holds a copy of request; the rest is zero. */
LensResult *lens_result_new (const LensRequest *request);
LensResult *lens_result_ref (LensResult *result);
/* A new result holding what result holds (its pictures are shared). */
LensResult *lens_result_copy (const LensResult *result);
void lens_result_unref (LensResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LensResult, lens_result_unref)

/* The heat map of the session's codes in the result's mode, one pixel
 * per patch; fills the result's values, scale and top patches. A fixed
 * scale goes to K for counts, to l1_reference (the model's, see
 * lens_l1_reference) for L1 and to 1 for the coding error, whose scale is
 * linear. NULL with error where the model has no such values (the coding
 * error of a Gaussian model). */
cairo_surface_t *lens_result_build_activation (LensResult *result, ScvaeSession *session, float l1_reference,
                                               GError **error);
/* The L1 map's fixed top for a model: the 99.5th percentile of the L1
 * norm of its codes on a shipped sample photo (256 px, trained depth,
 * sparsity 1), rounded up to 1, 2 or 5 times a power of ten; the same for
 * every image and setting. On the engine thread (it encodes); 0 if the
 * sample cannot be read. */
float lens_l1_reference (ScvaeModel *model, GCancellable *cancellable);

/* What the inspector shows each of a patch's strongest atoms adds, at most */
#define LENS_INSPECT_CONTRIBUTIONS 8

/* A patch's sparse code as the decoder sees it (after the request's
 * intervention), strongest atoms first, and what it draws. */
typedef struct {
  int row, col;
  int n_active;
  int n_coded;             /* active in LISTA's code, before the intervention */
  int *atoms;              /* n_active, by descending |coefficient| */
  float *coefficients;
  int top_m;
  cairo_surface_t *input;          /* the patch and its surroundings */
  cairo_surface_t *reconstruction;
  cairo_surface_t *top_m_reconstruction; /* from only the top_m atoms of this patch */
  /* What atoms[i] adds to the reconstruction (the code less that atom,
   * decoded, subtracted from the whole), for the first n_contributions;
   * mid grey is no change and +-contribution_scale (in [-1, 1] image
   * units) full white or black. */
  cairo_surface_t *contributions[LENS_INSPECT_CONTRIBUTIONS];
  int n_contributions;
  float contribution_scale;
  int window;              /* pixels on a side of those pictures */
} LensInspection;

void lens_inspection_free (LensInspection *inspection);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LensInspection, lens_inspection_free)

G_END_DECLS
