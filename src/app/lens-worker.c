/* lens-worker.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lens-worker.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

/* A request submitted this soon after the one before is part of a drag
 * (motion events come every 10-20 ms). A new slider value cancels the run
 * in flight, except in a drag: there a run cancelled by each next value
 * would never show anything, and letting it finish shows the drag every
 * run. (The full pass after a preview is cancelled even then: the preview
 * has shown that value.) */
#define DRAG_GAP_US (250 * 1000)

/* On an image of at least this many pixels, a drag is shown at half size
 * first (see wants_preview). A full pass costs about 900 ms at 1024x768
 * here, so about 350 ms at 640x480; below that, a preview would only add
 * work. */
#define PREVIEW_MIN_PIXELS (640 * 480)

/* Pixels around an inspected patch: the patch and two on each side. */
#define INSPECT_PATCHES 5

/* A job checks the task's cancellable, which closing the window cancels. */
typedef void (*JobFunc) (LensWorker *self, GTask *task);

typedef struct {
  JobFunc run;
  LensRequest request;
  /* per job */
  LensExportKind kind;
  GFile *destination;
  guint8 *labels;               /* LensSegmentsView, copied */
  int rows, cols;
  ScvaeRenderSegment *segments;
  int n_segments;
  double opacity;
  int row, col, top_m;
  float *amplitudes;
} Job;

/* A session and what its stages hold: whose image it encoded, at which
 * depth and sparsity it coded and decoded. */
typedef struct {
  ScvaeSession *session;
  LensInput *encoded;
  int depth;
  float sparsity;
  gboolean have_codes;
} Coder;

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
  GQueue jobs;                /* GTask with a Job */
  gboolean run_previewed;     /* the running request has shown its preview */
  gint64 last_submitted_us;
  gboolean pending_in_drag;   /* submitted right after another request */
  guint64 next_serial;
  gboolean busy;

  /* Owned by the worker thread */
  Coder full;                 /* the working image */
  Coder preview;              /* its half-size copy, while a slider is dragged */
  ScvaeImage *preview_image;  /* of preview.encoded */
  guint8 *labels;             /* k-means of the current codes, or NULL */
  ScvaeSegmentOptions labels_options;
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
  if (dst->atoms)
    g_bytes_ref (dst->atoms);
}

static void
request_clear (LensRequest *request)
{
  g_clear_pointer (&request->model, scvae_model_unref);
  g_clear_pointer (&request->input, lens_input_unref);
  g_clear_pointer (&request->atoms, g_bytes_unref);
}

const int *
lens_request_get_atoms (const LensRequest *request, int *n_atoms)
{
  gsize size = 0;
  const int *atoms = request->atoms ? g_bytes_get_data (request->atoms, &size) : NULL;

  *n_atoms = size / sizeof (int);
  return atoms;
}

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

static gboolean
same_segment_options (const ScvaeSegmentOptions *a, const ScvaeSegmentOptions *b)
{
  return a->k == b->k && a->features == b->features && a->smooth_radius == b->smooth_radius
         && a->n_restarts == b->n_restarts && a->seed == b->seed;
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
  request_clear (&result->request);
  g_clear_pointer (&result->input_picture, lens_picture_unref);
  g_clear_pointer (&result->reconstruction, lens_picture_unref);
  g_clear_pointer (&result->residual, lens_picture_unref);
  g_clear_pointer (&result->activation, lens_picture_unref);
  g_free (result->activation_values);
  g_free (result->usage);
  g_free (result->labels);
  g_free (result);
}

void
lens_inspection_free (LensInspection *inspection)
{
  if (inspection == NULL)
    return;
  g_free (inspection->atoms);
  g_free (inspection->coefficients);
  g_clear_pointer (&inspection->input, cairo_surface_destroy);
  g_clear_pointer (&inspection->reconstruction, cairo_surface_destroy);
  g_clear_pointer (&inspection->top_m_reconstruction, cairo_surface_destroy);
  g_free (inspection);
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

/* Call with the mutex held. Busy stays set from taking one piece of work
 * to finishing the last one queued, so it never flickers in between. */
static void
update_busy (LensWorker *self, gboolean working)
{
  gboolean busy = working || self->has_pending || !g_queue_is_empty (&self->jobs);
  g_autoptr(GSource) source = NULL;

  if (busy == self->busy)
    return;
  self->busy = busy;
  /* Deferred even on the main thread: handlers may take the mutex. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, notify_busy, g_object_ref (self), g_object_unref);
  g_source_attach (source, self->main_context);
}

/* ------------------------------------------------------------------------- */
/* The stages */

/* Brings a coder to the request's codes of image (the request's input or
 * its preview), running only what changed. */
static gboolean
bring_to_codes (Coder *coder, const LensRequest *request, const ScvaeImage *image,
                GCancellable *cancellable, gboolean *new_codes, GError **error)
{
  *new_codes = FALSE;
  if (coder->session == NULL || scvae_session_get_model (coder->session) != request->model)
    {
      g_clear_pointer (&coder->session, scvae_session_free);
      g_clear_pointer (&coder->encoded, lens_input_unref);
      coder->session = scvae_session_new (request->model);
      coder->have_codes = FALSE;
    }
  if (coder->encoded != request->input)
    {
      g_clear_pointer (&coder->encoded, lens_input_unref);
      coder->have_codes = FALSE;
      if (!scvae_session_encode (coder->session, image, cancellable, error))
        {
          g_prefix_error (error, "%s: ", request->input->name);
          return FALSE;
        }
      coder->encoded = lens_input_ref (request->input);
    }
  if (!coder->have_codes || coder->depth != request->depth || coder->sparsity != request->sparsity)
    {
      coder->have_codes = FALSE;
      if (!scvae_session_sparse_code (coder->session, request->depth, request->sparsity, cancellable, error)
          || !scvae_session_decode (coder->session, cancellable, error))
        return FALSE;
      coder->have_codes = TRUE;
      coder->depth = request->depth;
      coder->sparsity = request->sparsity;
      *new_codes = TRUE;
    }
  return TRUE;
}

static void
coder_clear (Coder *coder)
{
  g_clear_pointer (&coder->session, scvae_session_free);
  g_clear_pointer (&coder->encoded, lens_input_unref);
}

/* Brings the working image's session to the request's codes. */
static gboolean
prepare (LensWorker *self, const LensRequest *request, GCancellable *cancellable,
         gboolean *new_codes, GError **error)
{
  if (!bring_to_codes (&self->full, request, request->input->image, cancellable, new_codes, error))
    return FALSE;
  if (*new_codes)
    g_clear_pointer (&self->labels, g_free);
  return TRUE;
}

/* The heat map of the codes in the request's mode, one pixel per patch. */
static cairo_surface_t *
build_activation (LensResult *result, ScvaeSession *session)
{
  int rows, cols, atoms, n_selected;
  const float *codes = scvae_session_get_codes (session, &rows, &cols, &atoms);
  const int *selected = lens_request_get_atoms (&result->request, &n_selected);
  gboolean signed_values = result->request.mode == LENS_ACTIVATION_ATOMS && n_selected == 1;

  result->rows = rows;
  result->cols = cols;
  result->activation_values = lens_activation_values (codes, rows, cols, atoms, result->request.mode,
                                                      selected, n_selected);
  result->activation_scale = lens_color_scale_for (result->activation_values, (gsize) rows * cols,
                                                   signed_values, result->request.colormap);
  if (result->request.mode == LENS_ACTIVATION_ATOMS)
    result->n_top_patches = lens_top_patches (result->activation_values, (gsize) rows * cols,
                                              LENS_TOP_PATCHES, result->top_patches);
  return lens_heatmap_surface (result->activation_values, rows, cols, &result->activation_scale);
}

static gboolean
segment (LensWorker *self, const LensRequest *request, GCancellable *cancellable, GError **error)
{
  int rows, cols, atoms;
  const float *codes = scvae_session_get_codes (self->full.session, &rows, &cols, &atoms);
  g_autofree float *features = NULL;
  g_autofree guint8 *labels = NULL;

  if (self->labels && same_segment_options (&self->labels_options, &request->segment_options))
    return TRUE;
  features = scvae_segment_features (codes, rows, cols, atoms, &request->segment_options, cancellable, error);
  if (features == NULL)
    return FALSE;
  labels = g_new (guint8, (gsize) rows * cols);
  if (!scvae_segment (features, rows, cols, scvae_segment_features_dim (&request->segment_options, atoms),
                      &request->segment_options, labels, cancellable, error))
    return FALSE;
  g_free (self->labels);
  self->labels = g_steal_pointer (&labels);
  self->labels_options = request->segment_options;
  return TRUE;
}

static LensResult *
result_new (LensWorker *self, const LensRequest *request, guint64 serial, gint64 submitted)
{
  LensResult *result = g_new0 (LensResult, 1);

  g_atomic_ref_count_init (&result->ref_count);
  result->serial = serial;
  result->submitted_us = submitted;
  request_copy (&result->request, request);
  if (self->last && self->last->request.input == request->input)
    result->input_picture = lens_picture_ref (self->last->input_picture);
  else
    result->input_picture = lens_picture_new (scvae_render_image (request->input->image), 1);
  return result;
}

static gboolean
newer_request_waiting (LensWorker *self)
{
  gboolean waiting;

  g_mutex_lock (&self->mutex);
  waiting = self->has_pending;
  g_mutex_unlock (&self->mutex);
  return waiting;
}

/* A preview is worth it for a slider move on a large image while the user
 * drags: the full pass would show a picture only every second or so. */
static gboolean
wants_preview (LensWorker *self, const LensRequest *request, gboolean in_drag)
{
  const ScvaeImage *image = request->input->image;

  return in_drag && (gsize) image->width * image->height >= PREVIEW_MIN_PIXELS
         && self->full.encoded == request->input && self->full.session
         && scvae_session_get_model (self->full.session) == request->model
         && !(self->full.have_codes && self->full.depth == request->depth
              && self->full.sparsity == request->sparsity);
}

static ScvaeImage *
half_size (const ScvaeImage *image)
{
  g_autoptr(GdkPixbuf) full = scvae_image_to_pixbuf (image);
  g_autoptr(GdkPixbuf) half = gdk_pixbuf_scale_simple (full, MAX (1, image->width / 2),
                                                       MAX (1, image->height / 2), GDK_INTERP_BILINEAR);

  return scvae_image_new_from_pixbuf (half);
}

/* The request on the image at half size: a quarter of the patches, so about
 * four times faster. Its pictures only: no metrics, usage or segments. */
static gboolean
process_preview (LensWorker *self, const LensRequest *request, guint64 serial, gint64 submitted,
                 GCancellable *cancellable, GError **error)
{
  g_autoptr(LensResult) result = NULL;
  gint64 start = g_get_monotonic_time ();
  const ScvaeImage *reconstruction;
  gboolean new_codes;

  if (self->preview.encoded != request->input)
    {
      g_clear_pointer (&self->preview_image, scvae_image_free);
      self->preview_image = half_size (request->input->image);
    }
  if (!bring_to_codes (&self->preview, request, self->preview_image, cancellable, &new_codes, error))
    return FALSE;

  result = result_new (self, request, serial, submitted);
  result->preview = TRUE;
  reconstruction = scvae_session_get_reconstruction (self->preview.session);
  result->reconstruction = lens_picture_new (scvae_render_image (reconstruction), 2);
  result->residual = lens_picture_new (lens_residual_surface (self->preview_image, reconstruction,
                                                              request->colormap, &result->residual_scale), 2);
  result->activation = lens_picture_new (build_activation (result, self->preview.session), 2 * SCVAE_PATCH_PIXELS);
  result->compute_ms = (g_get_monotonic_time () - start) / 1000.0;
  post (self, g_steal_pointer (&result), NULL);
  g_mutex_lock (&self->mutex);
  self->run_previewed = TRUE;
  g_mutex_unlock (&self->mutex);
  return TRUE;
}

static gboolean
process (LensWorker *self, const LensRequest *request, guint64 serial, gint64 submitted,
         gboolean in_drag, GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LensResult) result = NULL;
  gint64 start = g_get_monotonic_time ();
  gboolean new_codes;
  int K;

  if (request->model == NULL || request->input == NULL)
    return TRUE;
  if (wants_preview (self, request, in_drag))
    {
      if (!process_preview (self, request, serial, submitted, cancellable, &error))
        goto failed;
      /* The drag goes on: the full pass would be stale before it ends. */
      if (newer_request_waiting (self))
        return TRUE;
    }
  if (!prepare (self, request, cancellable, &new_codes, &error)
      || (request->segment && !segment (self, request, cancellable, &error)))
    goto failed;

  K = scvae_model_get_config (request->model)->atoms;
  result = result_new (self, request, serial, submitted);

  /* Reuse the pictures of stages that did not run. */
  if (!new_codes && self->last && same_codes (&self->last->request, request)
      && self->last->request.colormap == request->colormap)
    {
      result->reconstruction = lens_picture_ref (self->last->reconstruction);
      result->residual = lens_picture_ref (self->last->residual);
      result->residual_scale = self->last->residual_scale;
      result->metrics = self->last->metrics;
    }
  else
    {
      const ScvaeImage *reconstruction = scvae_session_get_reconstruction (self->full.session);

      scvae_session_compute_metrics (self->full.session, &result->metrics);
      result->reconstruction = lens_picture_new (scvae_render_image (reconstruction), 1);
      result->residual = lens_picture_new (lens_residual_surface (request->input->image, reconstruction,
                                                                  request->colormap, &result->residual_scale), 1);
    }
  result->activation = lens_picture_new (build_activation (result, self->full.session), SCVAE_PATCH_PIXELS);
  result->usage = g_memdup2 (scvae_session_get_atom_usage (self->full.session), K * sizeof (ScvaeAtomUsage));
  if (request->segment)
    result->labels = g_memdup2 (self->labels, (gsize) result->rows * result->cols);
  result->compute_ms = (g_get_monotonic_time () - start) / 1000.0;

  g_clear_pointer (&self->last, lens_result_unref);
  self->last = lens_result_ref (result);
  post (self, g_steal_pointer (&result), NULL);
  return TRUE;

failed:
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    post (self, NULL, g_steal_pointer (&error));
  return FALSE;
}

/* ------------------------------------------------------------------------- */
/* Jobs */

static void
job_free (gpointer data)
{
  Job *job = data;

  request_clear (&job->request);
  g_clear_object (&job->destination);
  g_free (job->labels);
  g_free (job->segments);
  g_free (job->amplitudes);
  g_free (job);
}

static void
queue_job (LensWorker *self, Job *job, GCancellable *caller_cancellable, gpointer source_tag,
           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GCancellable) cancellable = caller_cancellable ? g_object_ref (caller_cancellable)
                                                           : g_cancellable_new ();
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_task_data (task, job, job_free);
  g_task_set_source_tag (task, source_tag);
  g_mutex_lock (&self->mutex);
  g_queue_push_tail (&self->jobs, task);
  update_busy (self, TRUE);
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
}

/* The destination as a local path, or an error naming it. */
static char *
destination_path (GFile *destination, GError **error)
{
  char *path = g_file_get_path (destination);

  if (path == NULL)
    {
      g_autofree char *name = g_file_get_parse_name (destination);

      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_FAILED, _("%s: not a local file"), name);
    }
  return path;
}

static gboolean
save_png (cairo_surface_t *surface, GFile *destination, GError **error)
{
  g_autofree char *path = destination_path (destination, error);

  return path && scvae_render_write_png (surface, path, error);
}

/* Ends an export job: TRUE, or the error that stopped it. */
static void
finish_export (GTask *task, gboolean ok, GError **error)
{
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (error));
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
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeImage) image = NULL;
  g_autoptr(ScvaeSession) session = scvae_session_new (job->request.model);
  g_autofree char *source = job->request.input->file ? g_file_get_path (job->request.input->file) : NULL;
  cairo_surface_t *surface;
  gboolean ok;

  /* Full size from the file when there is one; else the working image.
   * A session of its own: the interactive one stays at working size. */
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
      surface = scvae_render_image (scvae_session_get_reconstruction (session));
    }
  else if (job->kind == LENS_EXPORT_RESIDUAL)
    {
      LensColorScale scale;
      surface = lens_residual_surface (image, scvae_session_get_reconstruction (session),
                                       job->request.colormap, &scale);
    }
  else
    {
      g_autoptr(LensResult) r = g_new0 (LensResult, 1);
      cairo_surface_t *patches;

      g_atomic_ref_count_init (&r->ref_count);
      request_copy (&r->request, &job->request);
      patches = build_activation (r, session);
      surface = magnify (patches, image->width, image->height);
      cairo_surface_destroy (patches);
    }

  ok = save_png (surface, job->destination, &error);
  cairo_surface_destroy (surface);
  finish_export (task, ok, &error);
}

/* The codes of the working image, as the views and the segments show
 * them: [rows, cols, K] float32. */
static void
run_export_codes (LensWorker *self, GTask *task)
{
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeSession) session = scvae_session_new (job->request.model);
  g_autofree char *path = destination_path (job->destination, &error);
  GCancellable *cancellable = g_task_get_cancellable (task);
  gint64 shape[3];
  int rows, cols, atoms;
  const float *codes;

  if (path == NULL
      || !scvae_session_encode (session, job->request.input->image, cancellable, &error)
      || !scvae_session_sparse_code (session, job->request.depth, job->request.sparsity,
                                     cancellable, &error))
    {
      finish_export (task, FALSE, &error);
      return;
    }
  codes = scvae_session_get_codes (session, &rows, &cols, &atoms);
  shape[0] = rows, shape[1] = cols, shape[2] = atoms;
  finish_export (task, scvae_write_npy (path, codes, 3, shape, &error), &error);
}

/* The segments as the window shows them, on the working image. */
static void
run_export_segments (LensWorker *self, GTask *task)
{
  Job *job = g_task_get_task_data (task);
  const ScvaeImage *image = job->request.input->image;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *pixels = scvae_labels_to_pixels (job->labels, job->rows, job->cols,
                                                      image->width, image->height);
  cairo_surface_t *surface;
  gboolean ok;

  if (job->kind == LENS_EXPORT_OVERLAY)
    surface = scvae_render_overlay (image, pixels, job->segments, job->n_segments, job->opacity);
  else
    surface = scvae_render_label_map (pixels, image->width, image->height);
  ok = save_png (surface, job->destination, &error);
  cairo_surface_destroy (surface);
  finish_export (task, ok, &error);
}

/* A window of INSPECT_PATCHES x INSPECT_PATCHES patches centred on
 * (row, col) of a channel-major image, as a surface (edges clamped). */
static cairo_surface_t *
crop_window (const float *planes, int width, int height, int row, int col)
{
  int side = 4 * INSPECT_PATCHES, x0 = 4 * (col - INSPECT_PATCHES / 2), y0 = 4 * (row - INSPECT_PATCHES / 2);
  g_autoptr(ScvaeImage) crop = scvae_image_new (side, side);
  gsize plane = (gsize) width * height;

  for (int c = 0; c < 3; c++)
    for (int y = 0; y < side; y++)
      for (int x = 0; x < side; x++)
        crop->data[((gsize) c * side + y) * side + x] =
          planes[c * plane + (gsize) CLAMP (y0 + y, 0, height - 1) * width + CLAMP (x0 + x, 0, width - 1)];
  return scvae_render_image (crop);
}

static int
by_magnitude (gconstpointer a, gconstpointer b, gpointer data)
{
  const float *z = data;
  float x = fabsf (z[*(const int *) a]), y = fabsf (z[*(const int *) b]);

  return x < y ? 1 : x > y ? -1 : 0;
}

static void
run_inspect (LensWorker *self, GTask *task)
{
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(LensInspection) inspection = g_new0 (LensInspection, 1);
  int rows, cols, K, C, grid = INSPECT_PATCHES + 4, r0, c0;
  const float *codes, *D;
  g_autofree float *latents = NULL, *out = NULL;
  gboolean new_codes;
  const ScvaeImage *input, *reconstruction;

  if (!prepare (self, &job->request, g_task_get_cancellable (task), &new_codes, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  codes = scvae_session_get_codes (self->full.session, &rows, &cols, &K);
  if (job->row < 0 || job->col < 0 || job->row >= rows || job->col >= cols)
    {
      g_task_return_new_error (task, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT, _("No such patch"));
      return;
    }

  inspection->row = job->row;
  inspection->col = job->col;
  inspection->atoms = g_new (int, K);
  inspection->coefficients = g_new (float, K);
  {
    const float *z = codes + ((gsize) job->row * cols + job->col) * K;

    for (int k = 0; k < K; k++)
      if (z[k] != 0.f)
        inspection->atoms[inspection->n_active++] = k;
    g_qsort_with_data (inspection->atoms, inspection->n_active, sizeof (int), by_magnitude, (gpointer) z);
    for (int i = 0; i < inspection->n_active; i++)
      inspection->coefficients[i] = z[inspection->atoms[i]];
  }

  input = scvae_session_get_input (self->full.session);
  reconstruction = scvae_session_get_reconstruction (self->full.session);
  inspection->window = 4 * INSPECT_PATCHES;
  inspection->input = crop_window (input->data, input->width, input->height, job->row, job->col);
  inspection->reconstruction = crop_window (reconstruction->data, input->width, input->height,
                                            job->row, job->col);

  /* The top-m picture: decode the neighbourhood with this patch's code cut
   * to its m strongest atoms. The decoder sees about two patches around
   * each patch, so the decoded window has two patches of margin around the
   * part that is shown. */
  C = scvae_model_get_config (job->request.model)->channels;
  D = scvae_model_get_dictionary (job->request.model);
  latents = g_new0 (float, (gsize) grid * grid * C);
  out = g_new (float, (gsize) 3 * 16 * grid * grid);
  r0 = job->row - grid / 2;
  c0 = job->col - grid / 2;
  {
    int keep = MIN (job->top_m, inspection->n_active);

    for (int y = 0; y < grid; y++)
      for (int x = 0; x < grid; x++)
        {
          int r = CLAMP (r0 + y, 0, rows - 1), c = CLAMP (c0 + x, 0, cols - 1);
          const float *z = codes + ((gsize) r * cols + c) * K;
          float *e = latents + ((gsize) y * grid + x) * C;
          gboolean centre = r0 + y == job->row && c0 + x == job->col;

          /* e = D z, with only the strongest atoms at the centre */
          for (int i = 0; i < C; i++)
            {
              double sum = 0.0;

              if (centre)
                for (int j = 0; j < keep; j++)
                  sum += (double) D[(gsize) i * K + inspection->atoms[j]] * inspection->coefficients[j];
              else
                for (int k = 0; k < K; k++)
                  sum += (double) D[(gsize) i * K + k] * z[k];
              e[i] = (float) sum;
            }
        }
    scvae_session_decode_latents (self->full.session, latents, grid, grid, out, NULL, NULL);
    inspection->top_m_reconstruction = crop_window (out, 4 * grid, 4 * grid, grid / 2, grid / 2);
  }
  inspection->top_m = MIN (job->top_m, inspection->n_active);
  g_task_return_pointer (task, g_steal_pointer (&inspection), (GDestroyNotify) lens_inspection_free);
}

typedef struct {
  GPtrArray *surfaces;
  ScvaeDictionaryHealth health;
} AtomsRendering;

static void
atoms_rendering_free (AtomsRendering *rendering)
{
  g_ptr_array_unref (rendering->surfaces);
  g_free (rendering);
}

static void
run_render_atoms (LensWorker *self, GTask *task)
{
  Job *job = g_task_get_task_data (task);
  ScvaeModel *model = job->request.model;
  const ScvaeConfig *config = scvae_model_get_config (model);
  g_autoptr(ScvaeSession) session = scvae_session_new (model);
  AtomsRendering *rendering = g_new0 (AtomsRendering, 1);

  rendering->surfaces = g_ptr_array_new_with_free_func ((GDestroyNotify) cairo_surface_destroy);
  for (int k = 0; k < config->atoms; k++)
    {
      float amplitude = job->amplitudes && job->amplitudes[k] > 0.f ? job->amplitudes[k] : 1.f;
      g_autoptr(GError) error = NULL;

      if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
        {
          atoms_rendering_free (rendering);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_autoptr(ScvaeImage) atom = scvae_session_render_atom (session, k, amplitude, SCVAE_ATOM_PIXELS, NULL);

      g_ptr_array_add (rendering->surfaces, scvae_render_image (atom));
    }
  scvae_dictionary_health (scvae_model_get_dictionary (model), config->channels, config->atoms,
                           &rendering->health);
  g_task_return_pointer (task, rendering, (GDestroyNotify) atoms_rendering_free);
}

static void
run_features (LensWorker *self, GTask *task)
{
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean new_codes;
  int rows, cols, K, dim;
  const float *codes;
  float *features;

  if (!prepare (self, &job->request, g_task_get_cancellable (task), &new_codes, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  codes = scvae_session_get_codes (self->full.session, &rows, &cols, &K);
  features = scvae_segment_features (codes, rows, cols, K, &job->request.segment_options,
                                     g_task_get_cancellable (task), &error);
  if (features == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  dim = scvae_segment_features_dim (&job->request.segment_options, K);
  g_task_return_pointer (task, g_bytes_new_take (features, (gsize) rows * cols * dim * sizeof (float)),
                         (GDestroyNotify) g_bytes_unref);
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
      g_autoptr(GTask) job = NULL;
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
          request_clear (&self->running);
          request_copy (&self->running, &request);
          self->is_running = TRUE;
          self->run_previewed = FALSE;
          g_set_object (&self->cancellable, cancellable);
        }
      else
        {
          job = g_queue_pop_head (&self->jobs);
          g_set_object (&self->cancellable, g_task_get_cancellable (job));
        }
      update_busy (self, TRUE);
      g_mutex_unlock (&self->mutex);

      if (job)
        ((Job *) g_task_get_task_data (job))->run (self, job);
      else
        process (self, &request, serial, submitted, in_drag, cancellable);
      request_clear (&request);

      g_mutex_lock (&self->mutex);
      self->is_running = FALSE;
      update_busy (self, FALSE);
      g_mutex_unlock (&self->mutex);
    }

  /* The session belongs to this thread: free it here. */
  coder_clear (&self->full);
  coder_clear (&self->preview);
  g_clear_pointer (&self->preview_image, scvae_image_free);
  g_clear_pointer (&self->labels, g_free);
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
  update_busy (self, TRUE);
  serial = self->pending_serial = ++self->next_serial;
  self->pending_submitted = g_get_monotonic_time ();
  self->pending_in_drag = self->pending_submitted - self->last_submitted_us < DRAG_GAP_US;
  self->last_submitted_us = self->pending_submitted;

  /* Cancel the running request if its work is stale: always when it
   * encodes another image or model; for new slider values unless they come
   * in a drag (see DRAG_GAP_US). */
  if (self->is_running && self->cancellable
      && (!same_input (&self->running, request)
          || (!same_codes (&self->running, request) && (!self->pending_in_drag || self->run_previewed))))
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

static Job *
job_new (JobFunc run, const LensRequest *request)
{
  Job *job = g_new0 (Job, 1);

  job->run = run;
  if (request)
    request_copy (&job->request, request);
  return job;
}

void
lens_worker_export_async (LensWorker *self, const LensRequest *request, LensExportKind kind,
                          const LensSegmentsView *segments, GFile *destination,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  JobFunc run = kind == LENS_EXPORT_CODES ? run_export_codes
                : kind == LENS_EXPORT_OVERLAY || kind == LENS_EXPORT_LABELS ? run_export_segments
                : run_export;
  Job *job;

  g_return_if_fail (run != run_export_segments || (segments != NULL && segments->labels != NULL));
  job = job_new (run, request);
  job->kind = kind;
  job->destination = g_object_ref (destination);
  if (run == run_export_segments)
    {
      job->labels = g_memdup2 (segments->labels, (gsize) segments->rows * segments->cols);
      job->rows = segments->rows;
      job->cols = segments->cols;
      job->segments = g_memdup2 (segments->segments, segments->n_segments * sizeof (ScvaeRenderSegment));
      job->n_segments = segments->n_segments;
      job->opacity = segments->opacity;
    }
  queue_job (self, job, NULL, lens_worker_export_async, callback, user_data);
}

gboolean
lens_worker_export_finish (LensWorker *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
lens_worker_inspect_async (LensWorker *self, const LensRequest *request, int row, int col,
                           int top_m, GAsyncReadyCallback callback, gpointer user_data)
{
  Job *job = job_new (run_inspect, request);

  job->row = row;
  job->col = col;
  job->top_m = top_m;
  queue_job (self, job, NULL, lens_worker_inspect_async, callback, user_data);
}

LensInspection *
lens_worker_inspect_finish (LensWorker *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
lens_worker_render_atoms_async (LensWorker *self, ScvaeModel *model, const float *amplitudes,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  LensRequest request = { .model = model };
  Job *job = job_new (run_render_atoms, &request);
  int K = scvae_model_get_config (model)->atoms;

  if (amplitudes)
    job->amplitudes = g_memdup2 (amplitudes, K * sizeof (float));
  queue_job (self, job, cancellable, lens_worker_render_atoms_async, callback, user_data);
}

GPtrArray *
lens_worker_render_atoms_finish (LensWorker *self, GAsyncResult *result, ScvaeDictionaryHealth *health,
                                 GError **error)
{
  AtomsRendering *rendering = g_task_propagate_pointer (G_TASK (result), error);
  GPtrArray *surfaces;

  if (rendering == NULL)
    return NULL;
  *health = rendering->health;
  surfaces = g_ptr_array_ref (rendering->surfaces);
  atoms_rendering_free (rendering);
  return surfaces;
}

void
lens_worker_features_async (LensWorker *self, const LensRequest *request,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  queue_job (self, job_new (run_features, request), NULL, lens_worker_features_async, callback, user_data);
}

GBytes *
lens_worker_features_finish (LensWorker *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
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
  g_queue_init (&self->jobs);
  self->main_context = g_main_context_ref_thread_default ();
  self->thread = g_thread_new ("lens-engine", worker_thread, self);
}

LensWorker *
lens_worker_new (void)
{
  return g_object_new (LENS_TYPE_WORKER, NULL);
}
