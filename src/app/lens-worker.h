/* lens-worker.h: the engine's own thread
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One thread runs all the engine's work, so OpenBLAS and the engine's
 * threads serve one computation at a time. The window submits what it
 * wants to see (model, image, depth, sparsity, activation view,
 * segmentation); the worker runs only the stages that request invalidates,
 * builds the pictures, and hands a LensResult back on the main loop. The
 * newest request wins: a request that makes the running work useless
 * cancels it between layers or LISTA steps. While a slider is dragged over
 * a large image, each request is first answered at reduced size (a preview),
 * and the full pass runs only when no newer request waits.
 *
 * Jobs (export, inspecting a patch, splitting a segment, rendering the
 * atoms) run when no request waits, and a new request interrupts them: a
 * job keeps what it has computed and carries on after the request. A job
 * reads the codes of the window's session when they are the ones it asks
 * for, else it computes its own; it never changes what the requests use.
 */

#pragma once

#include <gtk/gtk.h>

#include "lens-collection.h"
#include "lens-result.h"
#include "lens-segmentation.h"
#include "scvae-render.h"

G_BEGIN_DECLS

typedef enum {
  LENS_EXPORT_RECONSTRUCTION, /* PNGs at the source's size (up to 2048 px) */
  LENS_EXPORT_RESIDUAL,
  LENS_EXPORT_ACTIVATION,
  LENS_EXPORT_CODES,          /* .npy [rows, cols, K] of the working image */
  LENS_EXPORT_OVERLAY,        /* the segments as shown, at the source's size too */
  LENS_EXPORT_LABELS,         /* 8-bit PNG, pixel = segment index, at the source's size */
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

#define LENS_TYPE_WORKER (lens_worker_get_type ())
G_DECLARE_FINAL_TYPE (LensWorker, lens_worker, LENS, WORKER, GObject)

LensWorker *lens_worker_new (void);
/* Returns the request's serial; its result arrives by the "result" signal. */
guint64 lens_worker_submit (LensWorker *self, const LensRequest *request);
gboolean lens_worker_get_busy (LensWorker *self);
/* Cancels the work and joins the thread; called when the window closes,
 * and by dispose at the latest. Jobs not yet run return cancelled. */
void lens_worker_shutdown (LensWorker *self);
gboolean lens_worker_is_shut_down (LensWorker *self);

/* Writes the export atomically; segments (copied) is needed for the
 * overlay and the label map only. */
void lens_worker_export_async (LensWorker *self, const LensRequest *request, LensExportKind kind,
                               const LensSegmentsView *segments, GFile *destination,
                               GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
gboolean lens_worker_export_finish (LensWorker *self, GAsyncResult *result, GError **error);

/* One patch of the request's image, with its top_m strongest atoms. */
void lens_worker_inspect_async (LensWorker *self, const LensRequest *request, int row, int col, int top_m,
                                GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
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

/* Divides a segment of the request's segmentation (split, taken with
 * lens_segmentation_begin_split) with k-means on its segmentation
 * features; returns the split, ready for lens_segmentation_finish_split. */
void lens_worker_split_async (LensWorker *self, const LensRequest *request, LensSplit *split, guint64 seed,
                              GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
LensSplit *lens_worker_split_finish (LensWorker *self, GAsyncResult *result, GError **error);

/* The atoms that characterise each segment: the LENS_SEGMENT_ATOMS whose
 * mean |coefficient| in the segment most exceeds their mean in the image
 * (with a floor under the latter, so that atoms the image hardly uses do
 * not win by a near-zero mean), strongest first, -1 where fewer. */
#define LENS_SEGMENT_ATOMS 3

typedef struct {
  int n_segments;
  int atoms[];            /* n_segments x LENS_SEGMENT_ATOMS */
} LensSegmentAtoms;

/* For the segments of labels (rows x cols segment indices) on the
 * request's codes; g_free the result. */
void lens_worker_segment_atoms_async (LensWorker *self, const LensRequest *request, const guint8 *labels, int rows,
                                      int cols, int n_segments, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
LensSegmentAtoms *lens_worker_segment_atoms_finish (LensWorker *self, GAsyncResult *result, GError **error);

/* Surveys the images at paths (files and folders, as scvae survey does)
 * with options, keeping top_n patches per atom. progress (target, done,
 * total, skipped) runs on the main loop after each image (skipped: the
 * message of a file just skipped, or NULL). */
typedef void (*LensSurveyProgress) (GObject *target, int done, int total, const char *skipped);

void lens_worker_survey_async (LensWorker *self, ScvaeModel *model, const char * const *paths,
                               const ScvaeSurveyOptions *options, int top_n, LensSurveyProgress progress,
                               GObject *progress_target, GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
LensCollection *lens_worker_survey_finish (LensWorker *self, GAsyncResult *result, GError **error);

/* Patches of a collection's images, each in a little context: a square of
 * LENS_CROP_PATCHES patches around it, magnified LENS_CROP_MAGNIFY times,
 * the patch outlined. */
#define LENS_CROP_PATCHES 9
#define LENS_CROP_MAGNIFY 2

typedef struct {
  char *path;
  int max_size;     /* the working size the survey coded it at */
  int row, col;
} LensPatchCrop;

/* A GPtrArray of cairo surfaces, one per patch (NULL where the image can
 * no longer be read). */
void lens_worker_crop_patches_async (LensWorker *self, const LensPatchCrop *patches, int n_patches,
                                     GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *lens_worker_crop_patches_finish (LensWorker *self, GAsyncResult *result, GError **error);

G_END_DECLS
