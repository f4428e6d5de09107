/* lens-worker.h: the engine's own thread
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One thread owns the engine session. The window submits what it wants to
 * see (model, image, depth, sparsity, activation view, segmentation); the
 * worker runs only the stages that request invalidates, builds the
 * pictures, and hands a LensResult back on the main loop. The newest
 * request wins: a request that makes the running work useless cancels it
 * between layers or LISTA steps. While a slider is dragged over a large
 * image, each request is first answered at half size (a preview), and the
 * full pass runs only when no newer request waits. One-off jobs (export,
 * inspecting a patch, rendering the atoms) queue behind and run on the
 * same thread, on the session's current state.
 */

#pragma once

#include <gtk/gtk.h>

#include "lens-heatmap.h"
#include "lens-input.h"
#include "lens-picture.h"
#include "scvae-render.h"

G_BEGIN_DECLS

#define LENS_TOP_PATCHES 12

typedef struct {
  ScvaeModel *model;
  LensInput *input;
  int depth;
  float sparsity;
  LensActivationMode mode;
  LensColormap colormap;
  GBytes *atoms;              /* selected atom indices (int), or NULL */
  gboolean segment;           /* run k-means on the codes */
  ScvaeSegmentOptions segment_options;
} LensRequest;

typedef struct {
  gatomicrefcount ref_count;
  guint64 serial;          /* of the request answered */
  gint64 submitted_us;     /* monotonic time that request was submitted */
  /* A first look while a slider is dragged over a large image: pictures of
   * the image at half size (rows x cols of its patches), no metrics, usage,
   * top patches or segments. The full result follows once the drag stops. */
  gboolean preview;
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
  double compute_ms;             /* the stages this request ran */
} LensResult;

LensResult *lens_result_ref (LensResult *result);
void lens_result_unref (LensResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LensResult, lens_result_unref)

/* The selected atoms of a request, as a C array. */
const int *lens_request_get_atoms (const LensRequest *request, int *n_atoms);

typedef enum {
  LENS_EXPORT_RECONSTRUCTION, /* PNGs at the source's size (up to 2048 px) */
  LENS_EXPORT_RESIDUAL,
  LENS_EXPORT_ACTIVATION,
  LENS_EXPORT_CODES,          /* .npy [rows, cols, K] of the working image */
  LENS_EXPORT_OVERLAY,        /* the segments as shown, at working size */
  LENS_EXPORT_LABELS,         /* 8-bit PNG, pixel = segment index */
} LensExportKind;

/* The segments as the window shows them, for LENS_EXPORT_OVERLAY and
 * LENS_EXPORT_LABELS: a segment index per patch, and each segment's look. */
typedef struct {
  const guint8 *labels;
  int rows, cols;
  const ScvaeRenderSegment *segments;
  int n_segments;
  double opacity;
} LensSegmentsView;

/* A patch's sparse code, strongest atoms first, and what it draws. */
typedef struct {
  int row, col;
  int n_active;
  int *atoms;              /* n_active, by descending |coefficient| */
  float *coefficients;
  int top_m;
  cairo_surface_t *input;          /* the patch and its surroundings */
  cairo_surface_t *reconstruction;
  cairo_surface_t *top_m_reconstruction; /* from only the top_m atoms of this patch */
  int window;              /* pixels on a side of those pictures */
} LensInspection;

void lens_inspection_free (LensInspection *inspection);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LensInspection, lens_inspection_free)

#define LENS_TYPE_WORKER (lens_worker_get_type ())
G_DECLARE_FINAL_TYPE (LensWorker, lens_worker, LENS, WORKER, GObject)

LensWorker *lens_worker_new (void);
/* Returns the request's serial; its result arrives by the "result" signal. */
guint64 lens_worker_submit (LensWorker *self, const LensRequest *request);
gboolean lens_worker_get_busy (LensWorker *self);
/* Cancels the work and joins the thread; called when the window closes. */
void lens_worker_shutdown (LensWorker *self);
gboolean lens_worker_is_shut_down (LensWorker *self);

/* Writes the export atomically; segments (copied) is needed for the
 * overlay and the label map only. */
void lens_worker_export_async (LensWorker *self, const LensRequest *request, LensExportKind kind,
                               const LensSegmentsView *segments, GFile *destination,
                               GAsyncReadyCallback callback, gpointer user_data);
gboolean lens_worker_export_finish (LensWorker *self, GAsyncResult *result, GError **error);

/* One patch of the request's image, with its top_m strongest atoms. */
void lens_worker_inspect_async (LensWorker *self, const LensRequest *request, int row, int col,
                                int top_m, GAsyncReadyCallback callback, gpointer user_data);
LensInspection *lens_worker_inspect_finish (LensWorker *self, GAsyncResult *result, GError **error);

/* What every atom of the model draws: a GPtrArray of cairo surfaces
 * (CAIRO_FORMAT_RGB24, SCVAE_ATOM_PIXELS square), index = atom, and how
 * spread out the atoms are (*health). amplitudes (K floats, may be NULL)
 * are the coefficients to draw them at. */
void lens_worker_render_atoms_async (LensWorker *self, ScvaeModel *model, const float *amplitudes,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
GPtrArray *lens_worker_render_atoms_finish (LensWorker *self, GAsyncResult *result,
                                            ScvaeDictionaryHealth *health, GError **error);

/* The request's segmentation features for every patch (rows x cols x K
 * floats, in a GBytes), e.g. to split a segment. */
void lens_worker_features_async (LensWorker *self, const LensRequest *request,
                                 GAsyncReadyCallback callback, gpointer user_data);
GBytes *lens_worker_features_finish (LensWorker *self, GAsyncResult *result, GError **error);

G_END_DECLS
