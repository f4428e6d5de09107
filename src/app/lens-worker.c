/* lens-worker.c: the queue, the thread and delivery to the main loop
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lens-worker-private.h"

#include <glib/gi18n.h>

/* A request submitted this soon after the one before is part of a drag
 * (motion events come every 10-20 ms). A new slider value cancels the run
 * in flight, except in a drag: there a run cancelled by each next value
 * would never show anything, and letting it finish shows the drag every
 * run. (The full pass after a preview is cancelled even then: the preview
 * has shown that value.) */
#define DRAG_GAP_US (250 * 1000)

G_DEFINE_FINAL_TYPE (LensWorker, lens_worker, G_TYPE_OBJECT)

enum {
  SIGNAL_RESULT,
  SIGNAL_FAILED,
  N_SIGNALS
};

enum {
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

static guint signals[N_SIGNALS];
static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------------- */
/* Delivery to the main loop
 *
 * What the thread hands over holds a reference to the worker, and lets go
 * of it on the main thread: the last reference must never go on the worker
 * thread, as dispose joins that thread. */

typedef struct {
  LensWorker *self;
  LensResult *result;
  GError *error;
} Delivery;

/* Always through an idle source, never g_main_context_invoke: that runs
 * the function at once on the calling thread whenever it can take the
 * context, which a loop of g_main_context_iteration () (as in the tests)
 * leaves free between iterations; a result would then reach the window on
 * the worker thread. */
void
lens_worker_run_on_main (LensWorker *self, GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, self->main_context);
}

static gboolean
deliver (gpointer data)
{
  Delivery *d = data;

  /* After shutdown the window is gone: drop silently. */
  if (!g_atomic_int_get (&d->self->stopping))
    {
      if (d->result)
        g_signal_emit (d->self, signals[SIGNAL_RESULT], 0, d->result);
      else
        g_signal_emit (d->self, signals[SIGNAL_FAILED], 0, d->error);
    }
  return G_SOURCE_REMOVE;
}

static void
delivery_free (gpointer data)
{
  Delivery *d = data;

  g_object_unref (d->self);
  g_clear_pointer (&d->result, lens_result_unref);
  g_clear_error (&d->error);
  g_free (d);
}

void
lens_worker_post (LensWorker *self, LensResult *result, GError *error)
{
  Delivery *d = g_new0 (Delivery, 1);

  d->self = g_object_ref (self);
  d->result = result;
  d->error = error;
  lens_worker_run_on_main (self, deliver, d, delivery_free);
}

/* A finished job: its task (which holds the worker) returns there. */
typedef struct {
  GTask *task;
  GError *error;
} JobDelivery;

static gboolean
deliver_job (gpointer data)
{
  JobDelivery *d = data;

  lens_job_return (g_task_get_task_data (d->task), d->task, g_steal_pointer (&d->error));
  return G_SOURCE_REMOVE;
}

static void
job_delivery_free (gpointer data)
{
  JobDelivery *d = data;

  g_object_unref (d->task);
  g_clear_error (&d->error);
  g_free (d);
}

static void
post_job (LensWorker *self, GTask *task, GError *error)
{
  JobDelivery *d = g_new0 (JobDelivery, 1);

  d->task = task;
  d->error = error;
  lens_worker_run_on_main (self, deliver_job, d, job_delivery_free);
}

static gboolean
notify_busy (gpointer data)
{
  LensWorker *self = data;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  return G_SOURCE_REMOVE;
}

/* Call with the mutex held. Busy stays set from taking one piece of work
 * to finishing the last one queued, so it never flickers in between. */
static void
update_busy (LensWorker *self, gboolean working)
{
  gboolean busy = working || self->has_pending || !g_queue_is_empty (&self->jobs);

  if (busy == self->busy)
    return;
  self->busy = busy;
  /* Deferred even on the main thread: handlers may take the mutex. */
  lens_worker_run_on_main (self, notify_busy, g_object_ref (self), g_object_unref);
}

gboolean
lens_worker_newer_request_waiting (LensWorker *self)
{
  gboolean waiting;

  g_mutex_lock (&self->mutex);
  waiting = self->has_pending;
  g_mutex_unlock (&self->mutex);
  return waiting;
}

void
lens_worker_mark_previewed (LensWorker *self)
{
  g_mutex_lock (&self->mutex);
  self->run_previewed = TRUE;
  g_mutex_unlock (&self->mutex);
}

void
lens_worker_mark_segmenting (LensWorker *self, gboolean segmenting)
{
  g_mutex_lock (&self->mutex);
  self->run_segmenting = segmenting;
  g_mutex_unlock (&self->mutex);
}

/* ------------------------------------------------------------------------- */
/* The thread */

static void
cancel_too (GCancellable *caller, GCancellable *run)
{
  g_cancellable_cancel (run);
}

/* Runs a job, stopped by its caller's cancellable as well as the run's. A
 * job that stopped only to let a request go first goes back to the head
 * of the queue, keeping what it computed, and one that yields to the other
 * jobs to its tail; otherwise its task returns on the main loop. */
static void
run_job (LensWorker *self, GTask *task, GCancellable *cancellable)
{
  GCancellable *caller = g_task_get_cancellable (task);
  gulong handler = caller ? g_cancellable_connect (caller, G_CALLBACK (cancel_too), cancellable, NULL) : 0;
  GError *error = NULL;
  gboolean preempted;

  lens_job_run (g_task_get_task_data (task), self, cancellable, &error);
  if (caller)
    g_cancellable_disconnect (caller, handler);

  preempted = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
              && !(caller && g_cancellable_is_cancelled (caller));
  g_mutex_lock (&self->mutex);
  if (preempted && !self->stopping)
    {
      g_queue_push_head (&self->jobs, task);
      g_clear_error (&error);
      task = NULL;
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK) && !self->stopping)
    {
      /* It yields to the jobs behind it */
      g_queue_push_tail (&self->jobs, task);
      g_clear_error (&error);
      task = NULL;
    }
  g_mutex_unlock (&self->mutex);
  if (task)
    post_job (self, task, error);
}

static gpointer
worker_thread (gpointer data)
{
  LensWorker *self = data;

  for (;;)
    {
      LensRequest request = { 0 };
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      GTask *job = NULL;   /* the queue's reference */
      guint64 serial = 0;
      gint64 submitted = 0;
      gboolean in_drag = FALSE;

      g_mutex_lock (&self->mutex);
      while (!self->stopping && !self->has_pending && g_queue_is_empty (&self->jobs))
        g_cond_wait (&self->cond, &self->mutex);
      if (self->stopping)
        {
          g_mutex_unlock (&self->mutex);
          break;
        }
      /* What the user looks at goes first; jobs wait for a quiet moment. */
      if (self->has_pending)
        {
          request = self->pending;      /* takes over the references */
          self->pending = (LensRequest) { 0 };
          self->has_pending = FALSE;
          serial = self->pending_serial;
          submitted = self->pending_submitted;
          in_drag = self->pending_in_drag;
          lens_request_clear (&self->running);
          lens_request_copy (&self->running, &request);
          self->is_running = TRUE;
          self->run_previewed = FALSE;
          self->run_segmenting = FALSE;
        }
      else
        {
          job = g_queue_pop_head (&self->jobs);
          self->job_running = TRUE;
        }
      g_set_object (&self->cancellable, cancellable);
      update_busy (self, TRUE);
      g_mutex_unlock (&self->mutex);

      if (job)
        run_job (self, job, cancellable);
      else
        lens_worker_answer (self, &request, serial, submitted, in_drag, cancellable);
      lens_request_clear (&request);

      g_mutex_lock (&self->mutex);
      self->is_running = FALSE;
      self->job_running = FALSE;
      update_busy (self, FALSE);
      g_mutex_unlock (&self->mutex);
    }

  /* The sessions belong to this thread: free them here. */
  g_clear_pointer (&self->full, lens_stage_cache_free);
  g_clear_pointer (&self->preview, lens_stage_cache_free);
  g_clear_pointer (&self->comparison, lens_stage_cache_free);
  g_clear_pointer (&self->preview_image, scvae_image_free);
  g_clear_pointer (&self->features, g_free);
  g_clear_pointer (&self->labels, g_free);
  g_clear_pointer (&self->last, lens_result_unref);
  g_clear_pointer (&self->l1_model, scvae_model_unref);
  g_clear_pointer (&self->crop_sources, g_hash_table_unref);
  return NULL;
}

guint64
lens_worker_submit (LensWorker *self, const LensRequest *request)
{
  guint64 serial;

  g_return_val_if_fail (LENS_IS_WORKER (self), 0);

  g_mutex_lock (&self->mutex);
  if (self->has_pending)
    lens_request_clear (&self->pending);
  lens_request_copy (&self->pending, request);
  self->has_pending = TRUE;
  update_busy (self, TRUE);
  serial = self->pending_serial = ++self->next_serial;
  self->pending_submitted = g_get_monotonic_time ();
  self->pending_in_drag = self->pending_submitted - self->last_submitted_us < DRAG_GAP_US;
  self->last_submitted_us = self->pending_submitted;

  /* A job gives way at once. A running request is cancelled if its work
   * is stale: always when it encodes another image or model (or compares
   * with another); for new
   * slider values or a new intervention unless they come in a drag (see DRAG_GAP_US); and once
   * it has shown its pictures and runs k-means, for any other
   * segmentation (a new k, seed or features, or segments off). */
  if (self->job_running
      || (self->is_running
          && (!lens_request_same_input (&self->running, request)
              || self->running.comparison != request->comparison
              || (!lens_request_same_reconstruction (&self->running, request)
                  && (!self->pending_in_drag || self->run_previewed))
              || (self->run_segmenting && !lens_request_same_segments (&self->running, request)))))
    g_cancellable_cancel (self->cancellable);
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
  return serial;
}

gboolean
lens_worker_get_busy (LensWorker *self)
{
  gboolean busy;

  g_mutex_lock (&self->mutex);
  busy = self->busy;
  g_mutex_unlock (&self->mutex);
  return busy;
}

gboolean
lens_worker_jobs_waiting (LensWorker *self)
{
  gboolean waiting;

  g_mutex_lock (&self->mutex);
  waiting = !g_queue_is_empty (&self->jobs);
  g_mutex_unlock (&self->mutex);
  return waiting;
}

void
lens_worker_queue_job (LensWorker *self, Job *job, GCancellable *cancellable, gpointer source_tag,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_task_data (task, job, (GDestroyNotify) lens_job_free);
  g_task_set_source_tag (task, source_tag);
  g_mutex_lock (&self->mutex);
  if (self->stopping)
    {
      g_mutex_unlock (&self->mutex);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The window was closed"));
      g_object_unref (task);
      return;
    }
  g_queue_push_tail (&self->jobs, task);
  update_busy (self, TRUE);
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
}

gboolean
lens_worker_is_shut_down (LensWorker *self)
{
  return self->thread == NULL;
}

void
lens_worker_shutdown (LensWorker *self)
{
  if (self->thread == NULL)
    return;

  g_mutex_lock (&self->mutex);
  g_atomic_int_set (&self->stopping, TRUE);
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);

  g_thread_join (self->thread);
  self->thread = NULL;

  /* Jobs that never ran. */
  while (!g_queue_is_empty (&self->jobs))
    {
      GTask *task = g_queue_pop_head (&self->jobs);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The window was closed"));
      g_object_unref (task);
    }
}

/* ------------------------------------------------------------------------- */

/* A caller that drops the worker without shutting it down must not leave
 * the thread running on a freed object: join it here. */
static void
lens_worker_dispose (GObject *object)
{
  lens_worker_shutdown (LENS_WORKER (object));

  G_OBJECT_CLASS (lens_worker_parent_class)->dispose (object);
}

static void
lens_worker_finalize (GObject *object)
{
  LensWorker *self = LENS_WORKER (object);

  lens_request_clear (&self->pending);
  lens_request_clear (&self->running);
  g_clear_object (&self->cancellable);
  g_main_context_unref (self->main_context);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (lens_worker_parent_class)->finalize (object);
}

static void
lens_worker_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LensWorker *self = LENS_WORKER (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, lens_worker_get_busy (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lens_worker_class_init (LensWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lens_worker_dispose;
  object_class->finalize = lens_worker_finalize;
  object_class->get_property = lens_worker_get_property;

  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_RESULT] = g_signal_new ("result", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, LENS_TYPE_RESULT);
  signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
lens_worker_init (LensWorker *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  g_queue_init (&self->jobs);
  self->main_context = g_main_context_ref_thread_default ();
  self->full = lens_stage_cache_new ();
  self->preview = lens_stage_cache_new ();
  self->comparison = lens_stage_cache_new ();
  /* Unowned: dispose joins the thread before the object can go. */
  self->thread = g_thread_new ("lens-engine", worker_thread, self);
}

LensWorker *
lens_worker_new (void)
{
  return g_object_new (LENS_TYPE_WORKER, NULL);
}
