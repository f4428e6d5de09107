/* lens-worker-private.h: the worker's state, shared by its files
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lens-worker.c: the queue, the thread and delivery to the main loop;
 * lens-worker-requests.c: answering the window's requests;
 * lens-worker-jobs.c: the kinds of job about the window's image;
 * lens-worker-collection.c: surveying a collection, and its patches.
 */

#pragma once

#include "lens-stage-cache.h"
#include "lens-worker.h"

G_BEGIN_DECLS

typedef struct _Job Job;

/* Runs a job on the engine thread: TRUE with the job's value set, or FALSE
 * with error (cancelled, perhaps only to let a request go first). */
typedef gboolean (*JobFunc) (LensWorker *self, Job *job, GCancellable *cancellable, GError **error);

struct _LensWorker {
  GObject parent_instance;

  GMainContext *main_context;
  GThread *thread;
  GMutex mutex;
  GCond cond;

  /* Guarded by mutex */
  gboolean stopping;
  gboolean has_pending;
  LensRequest pending;
  guint64 pending_serial;
  gint64 pending_submitted;
  gboolean pending_in_drag;   /* submitted right after another request */
  gint64 last_submitted_us;
  guint64 next_serial;
  LensRequest running;        /* the request the thread answers, while is_running */
  gboolean is_running;
  gboolean job_running;
  gboolean run_previewed;     /* the running request has shown its preview */
  gboolean run_segmenting;    /* it has posted its pictures and runs k-means */
  GCancellable *cancellable;  /* of what the thread runs */
  GQueue jobs;                /* GTask with a Job */
  gboolean busy;

  /* Owned by the worker thread */
  LensStageCache *full;       /* the working image */
  LensStageCache *preview;    /* its reduced copy, while a slider is dragged */
  ScvaeImage *preview_image;
  LensStageCache *comparison; /* the comparison model's codes of the working image */
  /* Segmentation of the full cache's codes: the features (the costly
   * part: a new k or seed reuses them) and the k-means labels. Both go
   * when the codes change. */
  float *features;            /* rows x cols x features_dim, or NULL */
  int features_dim;
  ScvaeSegmentOptions features_options; /* features and smooth_radius count */
  guint8 *labels;             /* k-means of the features, or NULL */
  ScvaeSegmentOptions labels_options;
  LensResult *last;           /* pictures reused when a stage is skipped */
  ScvaeModel *l1_model;       /* the model whose fixed L1 scale is l1_reference */
  float l1_reference;
  GHashTable *crop_sources;   /* working images of a collection, for crops */
};

/* lens-worker.c */

/* Runs func (data) on the main loop, then notify (data). */
void lens_worker_run_on_main (LensWorker *self, GSourceFunc func, gpointer data, GDestroyNotify notify);
/* Other jobs wait behind the running one: a long job can yield (return
 * G_IO_ERROR_WOULD_BLOCK) to carry on behind them. */
gboolean lens_worker_jobs_waiting (LensWorker *self);

/* Hands a result or an error (one of them) to the main loop, where the
 * "result" or "failed" signal carries it; takes both. */
void lens_worker_post (LensWorker *self, LensResult *result, GError *error);
gboolean lens_worker_newer_request_waiting (LensWorker *self);
void lens_worker_mark_previewed (LensWorker *self);
/* The running request has posted its pictures and now runs k-means: a
 * new request with other segment options makes that work useless. */
void lens_worker_mark_segmenting (LensWorker *self, gboolean segmenting);
/* The features of the full cache's codes under options, computed unless
 * they are kept already; NULL with error when cancelled. On the engine
 * thread; valid until the next request runs. */
const float *lens_worker_get_features (LensWorker *self, const LensRequest *request, int *dim,
                                       GCancellable *cancellable, GError **error);
/* Queues a job (the task takes it) to run when no request waits. */
void lens_worker_queue_job (LensWorker *self, Job *job, GCancellable *cancellable, gpointer source_tag,
                            GAsyncReadyCallback callback, gpointer user_data);

/* lens-worker-requests.c */

/* The top of the fixed L1 scale for request's model, when its heat map
 * needs it (else 0); measured once per model. On the engine thread. */
float lens_worker_get_l1_reference (LensWorker *self, const LensRequest *request, GCancellable *cancellable);

/* Answers a request: a preview first when wanted, then the full result.
 * Failures other than cancelling are posted. */
void lens_worker_answer (LensWorker *self, const LensRequest *request, guint64 serial, gint64 submitted,
                         gboolean in_drag, GCancellable *cancellable);

/* lens-worker-jobs.c */

Job *lens_job_new (JobFunc run, const LensRequest *request);
void lens_job_free (Job *job);
/* What a kind of job keeps between its runs (freed with the job), and
 * the value its task returns. */
void lens_job_set_state (Job *job, gpointer state, GDestroyNotify state_free);
gpointer lens_job_get_state (Job *job);
void lens_job_set_value (Job *job, gpointer value, GDestroyNotify value_free);
/* Runs the job on the engine thread: FALSE with error when it stopped. */
gboolean lens_job_run (Job *job, LensWorker *self, GCancellable *cancellable, GError **error);
/* Returns the job's value, or error, to its task (which owns the job);
 * on the main thread. */
void lens_job_return (Job *job, GTask *task, GError *error);

G_END_DECLS
