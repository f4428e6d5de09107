/* lens-worker.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lens-worker.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <unistd.h>

/* While results keep arriving, a new slider value cancels the run in
 * flight; once the screen has waited this long, runs finish instead, so a
 * continuous drag still shows a picture every run (else every run would be
 * cancelled by the next motion event and nothing would ever show). */
#define STARVING_US (100 * 1000)

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
  LensRequest running;        /* what the thread works on */
  gboolean is_running;
  GCancellable *cancellable;  /* of the running request */
  GQueue exports;             /* GTask */
  gint64 last_result_us;
  guint64 next_serial;
  gboolean busy;

  /* Owned by the worker thread */
  ScvaeSession *session;
  LensInput *encoded;         /* what the session's features are of */
  int coded_depth;
  float coded_sparsity;
  gboolean have_codes;
  LensResult *last;           /* pictures reused when a stage is skipped */
};

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
/* Requests and results */

static void
request_copy (LensRequest *dst, const LensRequest *src)
{
  *dst = *src;
  if (dst->model)
    scvae_model_ref (dst->model);
  if (dst->input)
    lens_input_ref (dst->input);
}

static void
request_clear (LensRequest *request)
{
  g_clear_pointer (&request->model, scvae_model_unref);
  g_clear_pointer (&request->input, lens_input_unref);
}

LensResult *
lens_result_ref (LensResult *result)
{
  g_atomic_ref_count_inc (&result->ref_count);
  return result;
}

void
lens_result_unref (LensResult *result)
{
  if (result == NULL || !g_atomic_ref_count_dec (&result->ref_count))
    return;
  scvae_model_unref (result->model);
  lens_input_unref (result->input);
  g_clear_pointer (&result->input_picture, lens_picture_unref);
  g_clear_pointer (&result->reconstruction, lens_picture_unref);
  g_clear_pointer (&result->residual, lens_picture_unref);
  g_clear_pointer (&result->activation, lens_picture_unref);
  g_free (result->activation_values);
  g_free (result);
}

/* ------------------------------------------------------------------------- */
/* Delivery to the main loop */

typedef struct {
  LensWorker *self;
  LensResult *result;
  GError *error;
} Delivery;

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

static void
post (LensWorker *self, LensResult *result, GError *error)
{
  Delivery *d = g_new0 (Delivery, 1);

  d->self = g_object_ref (self);
  d->result = result;
  d->error = error;
  g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT, deliver, d, delivery_free);
}

static gboolean
notify_busy (gpointer data)
{
  LensWorker *self = data;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  return G_SOURCE_REMOVE;
}

static void
set_busy (LensWorker *self, gboolean busy)
{
  g_mutex_lock (&self->mutex);
  self->busy = busy;
  g_mutex_unlock (&self->mutex);
  g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT, notify_busy,
                              g_object_ref (self), g_object_unref);
}

/* ------------------------------------------------------------------------- */
/* The work */

static gboolean
same_input (const LensRequest *a, const LensRequest *b)
{
  return a->model == b->model && a->input == b->input;
}

static gboolean
same_codes (const LensRequest *a, const LensRequest *b)
{
  return same_input (a, b) && a->depth == b->depth && a->sparsity == b->sparsity;
}

/* The heat map of the codes in the result's mode, one pixel per patch. */
static cairo_surface_t *
build_activation (LensResult *result, ScvaeSession *session)
{
  int rows, cols, atoms;
  const float *codes = scvae_session_get_codes (session, &rows, &cols, &atoms);

  result->rows = rows;
  result->cols = cols;
  result->activation_values = lens_activation_values (codes, rows, cols, atoms, result->mode, result->atom);
  result->activation_scale = lens_color_scale_for (result->activation_values, (gsize) rows * cols,
                                                   result->mode == LENS_ACTIVATION_ATOM);
  return lens_heatmap_surface (result->activation_values, rows, cols, &result->activation_scale);
}

/* Runs what the request needs; FALSE when cancelled or failed. */
static gboolean
process (LensWorker *self, const LensRequest *request, guint64 serial, gint64 submitted,
         GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LensResult) result = NULL;
  gint64 start = g_get_monotonic_time ();
  gboolean new_codes = FALSE;

  if (request->model == NULL || request->input == NULL)
    return TRUE;

  if (self->session == NULL || scvae_session_get_model (self->session) != request->model)
    {
      g_clear_pointer (&self->session, scvae_session_free);
      g_clear_pointer (&self->encoded, lens_input_unref);
      self->session = scvae_session_new (request->model);
      self->have_codes = FALSE;
    }
  if (self->encoded != request->input)
    {
      g_clear_pointer (&self->encoded, lens_input_unref);
      self->have_codes = FALSE;
      if (!scvae_session_encode (self->session, request->input->image, cancellable, &error))
        goto failed;
      self->encoded = lens_input_ref (request->input);
    }
  if (!self->have_codes || self->coded_depth != request->depth || self->coded_sparsity != request->sparsity)
    {
      self->have_codes = FALSE;
      if (!scvae_session_sparse_code (self->session, request->depth, request->sparsity, cancellable, &error)
          || !scvae_session_decode (self->session, cancellable, &error))
        goto failed;
      self->have_codes = TRUE;
      self->coded_depth = request->depth;
      self->coded_sparsity = request->sparsity;
      new_codes = TRUE;
    }

  result = g_new0 (LensResult, 1);
  g_atomic_ref_count_init (&result->ref_count);
  result->serial = serial;
  result->submitted_us = submitted;
  result->model = scvae_model_ref (request->model);
  result->input = lens_input_ref (request->input);
  result->depth = request->depth;
  result->sparsity = request->sparsity;
  result->mode = request->mode;
  result->atom = request->atom;

  /* Reuse the pictures of stages that did not run. */
  if (self->last && self->last->input == request->input)
    result->input_picture = lens_picture_ref (self->last->input_picture);
  else
    result->input_picture = lens_picture_new (lens_image_surface (request->input->image), 1);
  if (!new_codes && self->last && same_codes (&(LensRequest) { self->last->model, self->last->input,
                                                                self->last->depth, self->last->sparsity },
                                              request))
    {
      result->reconstruction = lens_picture_ref (self->last->reconstruction);
      result->residual = lens_picture_ref (self->last->residual);
      result->residual_scale = self->last->residual_scale;
      result->metrics = self->last->metrics;
    }
  else
    {
      const ScvaeImage *reconstruction = scvae_session_get_reconstruction (self->session);

      scvae_session_compute_metrics (self->session, &result->metrics);
      result->reconstruction = lens_picture_new (lens_image_surface (reconstruction), 1);
      result->residual = lens_picture_new (lens_residual_surface (request->input->image, reconstruction,
                                                                  &result->residual_scale), 1);
    }
  result->activation = lens_picture_new (build_activation (result, self->session), 4);
  result->compute_ms = (g_get_monotonic_time () - start) / 1000.0;

  g_clear_pointer (&self->last, lens_result_unref);
  self->last = lens_result_ref (result);
  g_mutex_lock (&self->mutex);
  self->last_result_us = g_get_monotonic_time ();
  g_mutex_unlock (&self->mutex);
  post (self, g_steal_pointer (&result), NULL);
  return TRUE;

failed:
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    post (self, NULL, g_steal_pointer (&error));
  return FALSE;
}

/* ------------------------------------------------------------------------- */
/* Export */

typedef struct {
  LensRequest request;
  LensExportKind kind;
  GFile *destination;
} ExportJob;

static void
export_job_free (gpointer data)
{
  ExportJob *job = data;

  request_clear (&job->request);
  g_object_unref (job->destination);
  g_free (job);
}

static gboolean
write_surface (cairo_surface_t *surface, const char *path, GError **error)
{
  g_autofree char *tmp = g_strconcat (path, ".XXXXXX", NULL);
  int fd = g_mkstemp (tmp);
  cairo_status_t status;

  if (fd < 0)
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_FAILED, "%s: %s", path, g_strerror (errno));
      return FALSE;
    }
  close (fd);
  /* Temporary file, then rename: the destination is never half-written. */
  status = cairo_surface_write_to_png (surface, tmp);
  if (status != CAIRO_STATUS_SUCCESS || g_rename (tmp, path) != 0)
    {
      g_unlink (tmp);
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_FAILED, "%s: %s", path,
                   status != CAIRO_STATUS_SUCCESS ? cairo_status_to_string (status) : g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* Magnifies a one-pixel-per-patch heat map to the image's size. */
static cairo_surface_t *
magnify (cairo_surface_t *patches, int width, int height)
{
  cairo_surface_t *out = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cairo_t *cr = cairo_create (out);

  cairo_scale (cr, 4, 4);
  cairo_set_source_surface (cr, patches, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_destroy (cr);
  return out;
}

static void
run_export (LensWorker *self, GTask *task)
{
  ExportJob *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeImage) image = NULL;
  g_autoptr(ScvaeSession) session = scvae_session_new (job->request.model);
  g_autofree char *path = g_file_get_path (job->destination);
  g_autofree char *source = job->request.input->file ? g_file_get_path (job->request.input->file) : NULL;
  cairo_surface_t *surface = NULL;
  gboolean ok;

  /* Full size from the file when there is one; else the working image. */
  image = source ? scvae_image_load (source, SCVAE_DEFAULT_MAX_SIDE, NULL, &error)
                 : scvae_image_copy (job->request.input->image);
  if (image == NULL
      || !scvae_session_encode (session, image, g_task_get_cancellable (task), &error)
      || !scvae_session_sparse_code (session, job->request.depth, job->request.sparsity,
                                     g_task_get_cancellable (task), &error)
      || !scvae_session_decode (session, g_task_get_cancellable (task), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (job->kind == LENS_EXPORT_RECONSTRUCTION)
    {
      surface = lens_image_surface (scvae_session_get_reconstruction (session));
    }
  else if (job->kind == LENS_EXPORT_RESIDUAL)
    {
      LensColorScale scale;
      surface = lens_residual_surface (image, scvae_session_get_reconstruction (session), &scale);
    }
  else
    {
      g_autoptr(LensResult) r = g_new0 (LensResult, 1);
      cairo_surface_t *patches;

      g_atomic_ref_count_init (&r->ref_count);
      r->model = scvae_model_ref (job->request.model);
      r->input = lens_input_ref (job->request.input);
      r->mode = job->request.mode;
      r->atom = job->request.atom;
      patches = build_activation (r, session);
      surface = magnify (patches, image->width, image->height);
      cairo_surface_destroy (patches);
    }

  ok = write_surface (surface, path, &error);
  cairo_surface_destroy (surface);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

/* ------------------------------------------------------------------------- */
/* The thread */

static gpointer
worker_thread (gpointer data)
{
  LensWorker *self = data;

  for (;;)
    {
      LensRequest request = { 0 };
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GTask) export = NULL;
      guint64 serial;
      gint64 submitted;

      g_mutex_lock (&self->mutex);
      while (!self->stopping && !self->has_pending && g_queue_is_empty (&self->exports))
        g_cond_wait (&self->cond, &self->mutex);
      if (self->stopping)
        {
          g_mutex_unlock (&self->mutex);
          break;
        }
      if (self->has_pending)
        {
          request = self->pending;      /* takes over the references */
          self->pending = (LensRequest) { 0 };
          self->has_pending = FALSE;
          serial = self->pending_serial;
          submitted = self->pending_submitted;
          request_clear (&self->running);
          request_copy (&self->running, &request);
          self->is_running = TRUE;
          g_set_object (&self->cancellable, cancellable);
        }
      else
        {
          export = g_queue_pop_head (&self->exports);
        }
      g_mutex_unlock (&self->mutex);

      set_busy (self, TRUE);
      if (export)
        run_export (self, export);
      else
        process (self, &request, serial, submitted, cancellable);
      request_clear (&request);

      g_mutex_lock (&self->mutex);
      self->is_running = FALSE;
      g_mutex_unlock (&self->mutex);
      set_busy (self, FALSE);
    }

  /* The session belongs to this thread: free it here. */
  g_clear_pointer (&self->session, scvae_session_free);
  g_clear_pointer (&self->encoded, lens_input_unref);
  g_clear_pointer (&self->last, lens_result_unref);
  return NULL;
}

guint64
lens_worker_submit (LensWorker *self, const LensRequest *request)
{
  guint64 serial;

  g_return_val_if_fail (LENS_IS_WORKER (self), 0);

  g_mutex_lock (&self->mutex);
  if (self->has_pending)
    request_clear (&self->pending);
  request_copy (&self->pending, request);
  self->has_pending = TRUE;
  serial = self->pending_serial = ++self->next_serial;
  self->pending_submitted = g_get_monotonic_time ();

  /* Cancel the running request if its work is stale: always when it
   * encodes another image or model; for new slider values only while the
   * screen is fresh (see STARVING_US). */
  if (self->is_running && self->cancellable)
    {
      gboolean starving = g_get_monotonic_time () - self->last_result_us > STARVING_US;

      if (!same_input (&self->running, request) || (!same_codes (&self->running, request) && !starving))
        g_cancellable_cancel (self->cancellable);
    }
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

void
lens_worker_export_async (LensWorker *self, const LensRequest *request, LensExportKind kind,
                          GFile *destination, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  ExportJob *job = g_new0 (ExportJob, 1);

  request_copy (&job->request, request);
  job->kind = kind;
  job->destination = g_object_ref (destination);
  g_task_set_task_data (task, job, export_job_free);
  g_task_set_source_tag (task, lens_worker_export_async);

  g_mutex_lock (&self->mutex);
  g_queue_push_tail (&self->exports, task);
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
}

gboolean
lens_worker_export_finish (LensWorker *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
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

  /* Exports that never ran. */
  while (!g_queue_is_empty (&self->exports))
    {
      GTask *task = g_queue_pop_head (&self->exports);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The window was closed");
      g_object_unref (task);
    }
}

/* ------------------------------------------------------------------------- */

static void
lens_worker_finalize (GObject *object)
{
  LensWorker *self = LENS_WORKER (object);

  lens_worker_shutdown (self);
  request_clear (&self->pending);
  request_clear (&self->running);
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

  object_class->finalize = lens_worker_finalize;
  object_class->get_property = lens_worker_get_property;

  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* LensResult is passed as a pointer; handlers take a reference if they
   * keep it. */
  signals[SIGNAL_RESULT] = g_signal_new ("result", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
lens_worker_init (LensWorker *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  g_queue_init (&self->exports);
  self->main_context = g_main_context_ref_thread_default ();
  self->thread = g_thread_new ("lens-engine", worker_thread, self);
}

LensWorker *
lens_worker_new (void)
{
  return g_object_new (LENS_TYPE_WORKER, NULL);
}
