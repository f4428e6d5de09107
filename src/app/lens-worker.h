/* lens-worker.h: the engine's own thread
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One thread owns the engine session. The window submits what it wants to
 * see (model, image, depth, sparsity, activation view); the worker runs
 * only the stages that request invalidates, builds the pictures, and hands
 * a LensResult back on the main loop. The newest request wins: a request
 * that makes the running work useless cancels it between layers or LISTA
 * steps.
 */

#pragma once

#include <gtk/gtk.h>

#include "lens-heatmap.h"
#include "lens-input.h"
#include "lens-picture.h"

G_BEGIN_DECLS

typedef struct {
  ScvaeModel *model;
  LensInput *input;
  int depth;
  float sparsity;
  LensActivationMode mode;
  int atom;
} LensRequest;

typedef struct {
  gatomicrefcount ref_count;
  guint64 serial;          /* of the request answered */
  gint64 submitted_us;     /* monotonic time that request was submitted */
  ScvaeModel *model;
  LensInput *input;
  int depth;
  float sparsity;
  LensActivationMode mode;
  int atom;

  LensPicture *input_picture;
  LensPicture *reconstruction;
  LensPicture *residual;
  LensPicture *activation;       /* one level-0 pixel per patch */
  LensColorScale residual_scale;
  LensColorScale activation_scale;
  float *activation_values;      /* rows x cols */
  int rows, cols;

  ScvaeMetrics metrics;
  double compute_ms;             /* the stages this request ran */
} LensResult;

LensResult *lens_result_ref (LensResult *result);
void lens_result_unref (LensResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LensResult, lens_result_unref)

typedef enum {
  LENS_EXPORT_RECONSTRUCTION,
  LENS_EXPORT_RESIDUAL,
  LENS_EXPORT_ACTIVATION,
} LensExportKind;

#define LENS_TYPE_WORKER (lens_worker_get_type ())
G_DECLARE_FINAL_TYPE (LensWorker, lens_worker, LENS, WORKER, GObject)

LensWorker *lens_worker_new (void);
/* Returns the request's serial; its result arrives by the "result" signal. */
guint64 lens_worker_submit (LensWorker *self, const LensRequest *request);
gboolean lens_worker_get_busy (LensWorker *self);
/* Cancels the work and joins the thread; called when the window closes. */
void lens_worker_shutdown (LensWorker *self);

/* Renders at the source's full size (up to SCVAE_DEFAULT_MAX_SIDE) on the
 * worker thread and writes a PNG atomically. */
void lens_worker_export_async (LensWorker *self, const LensRequest *request, LensExportKind kind,
                               GFile *destination, GAsyncReadyCallback callback, gpointer user_data);
gboolean lens_worker_export_finish (LensWorker *self, GAsyncResult *result, GError **error);

G_END_DECLS
