/* lens-worker-jobs.c: the kinds of job
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A job may be interrupted by a request at any cancellation point and run
 * again after it, so everything a job computes is kept in the Job: its own
 * stage cache, the export's source image, the atoms drawn so far.
 */

#include "lens-worker-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

/* Pixels around an inspected patch: the patch and two on each side. */
#define INSPECT_PATCHES 5

struct _Job {
  JobFunc run;
  LensRequest request;
  LensStageCache *own;        /* the job's codes when the window's are others */
  gpointer value;             /* what the task returns */
  GDestroyNotify value_free;
  gpointer state;             /* lens_job_set_state */
  GDestroyNotify state_free;

  /* Exports */
  LensExportKind kind;
  GFile *destination;
  char *path;
  LensInput *source;          /* what the pictures are made from (full size) */
  guint8 *labels;             /* LensSegmentsView, copied */
  int rows, cols;
  ScvaeRenderSegment *segments;
  int n_segments;
  double opacity;

  /* Inspecting a patch */
  int row, col, top_m;

  /* Rendering the atoms */
  float *amplitudes;
  ScvaeSession *atom_session;
  GPtrArray *atoms;           /* cairo surfaces drawn so far */

  /* Splitting a segment */
  LensSplit *split;
  guint64 seed;
};

Job *
lens_job_new (JobFunc run, const LensRequest *request)
{
  Job *job = g_new0 (Job, 1);

  job->run = run;
  lens_request_copy (&job->request, request);
  return job;
}

void
lens_job_free (Job *job)
{
  lens_request_clear (&job->request);
  lens_stage_cache_free (job->own);
  if (job->value_free)
    g_clear_pointer (&job->value, job->value_free);
  if (job->state_free)
    g_clear_pointer (&job->state, job->state_free);
  g_clear_object (&job->destination);
  g_free (job->path);
  g_clear_pointer (&job->source, lens_input_unref);
  g_free (job->labels);
  g_free (job->segments);
  g_free (job->amplitudes);
  g_clear_pointer (&job->atom_session, scvae_session_free);
  g_clear_pointer (&job->atoms, g_ptr_array_unref);
  g_clear_pointer (&job->split, lens_split_free);
  g_free (job);
}

void
lens_job_set_state (Job *job, gpointer state, GDestroyNotify state_free)
{
  job->state = state;
  job->state_free = state_free;
}

gpointer
lens_job_get_state (Job *job)
{
  return job->state;
}

void
lens_job_set_value (Job *job, gpointer value, GDestroyNotify value_free)
{
  job->value = value;
  job->value_free = value_free;
}

gboolean
lens_job_run (Job *job, LensWorker *self, GCancellable *cancellable, GError **error)
{
  return job->run (self, job, cancellable, error);
}

void
lens_job_return (Job *job, GTask *task, GError *error)
{
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&job->value), g_steal_pointer (&job->value_free));
}

/* The session holding the codes of request (whose input has image) and
 * their reconstruction with its intervention: the
 * window's when it holds them already, read only; else the job's own. */
static ScvaeSession *
job_session (LensWorker *self, Job *job, const LensRequest *request, const ScvaeImage *image,
             GCancellable *cancellable, GError **error)
{
  gboolean new_codes;

  if (lens_stage_cache_has_reconstruction (self->full, request))
    return lens_stage_cache_get_session (self->full);
  if (job->own == NULL)
    job->own = lens_stage_cache_new ();
  if (!lens_stage_cache_bring (job->own, request, image, cancellable, &new_codes, error))
    return NULL;
  return lens_stage_cache_get_session (job->own);
}

/* ------------------------------------------------------------------------- */
/* Exports */

static void
set_exported (Job *job)
{
  job->value = g_object_ref (job->destination);
  job->value_free = g_object_unref;
}

static gboolean
write_png (Job *job, cairo_surface_t *surface, GError **error)
{
  gboolean ok = scvae_render_write_png (surface, job->path, error);

  cairo_surface_destroy (surface);
  if (ok)
    set_exported (job);
  return ok;
}

/* The pictures of the model's output come from the file again, at up to
 * SCVAE_DEFAULT_MAX_SIDE; a pasted image has only its working size. */
static gboolean
load_source (Job *job, GError **error)
{
  LensInput *input = job->request.input;
  g_autofree char *path = input->file ? g_file_get_path (input->file) : NULL;
  ScvaeImage *image;

  if (path == NULL)
    {
      job->source = lens_input_ref (input);
      return TRUE;
    }
  image = scvae_image_load (path, SCVAE_DEFAULT_MAX_SIDE, NULL, error);
  if (image == NULL)
    return FALSE;
  job->source = lens_input_new (image, input->name, input->file, input->source_width, input->source_height);
  return TRUE;
}

static gboolean
run_export (LensWorker *self, Job *job, GCancellable *cancellable, GError **error)
{
  LensRequest request = job->request;  /* the same, at the source's size */
  const ScvaeImage *image, *reconstruction;
  ScvaeSession *session;
  cairo_surface_t *surface;

  if (job->source == NULL && !load_source (job, error))
    return FALSE;
  request.input = job->source;
  image = job->source->image;
  session = job_session (self, job, &request, image, cancellable, error);
  if (session == NULL)
    return FALSE;

  reconstruction = scvae_session_get_reconstruction (session);
  if (job->kind == LENS_EXPORT_RECONSTRUCTION)
    {
      surface = scvae_render_image (reconstruction);
    }
  else if (job->kind == LENS_EXPORT_RESIDUAL)
    {
      LensColorScale scale;

      surface = lens_residual_surface (image, reconstruction, job->request.colormap, &scale);
    }
  else
    {
      g_autoptr(LensResult) shown = lens_result_new (&job->request);
      cairo_surface_t *patches = lens_result_build_activation (shown, session,
                                                               lens_worker_get_l1_reference (self, &job->request,
                                                                                             cancellable),
                                                               error);

      if (patches == NULL)
        return FALSE;
      surface = scvae_render_patches (patches, image->width, image->height);
      cairo_surface_destroy (patches);
    }
  return write_png (job, surface, error);
}

/* The codes of the working image, as the views and the segments show
 * them: [rows, cols, K] float32. */
static gboolean
run_export_codes (LensWorker *self, Job *job, GCancellable *cancellable, GError **error)
{
  ScvaeSession *session = job_session (self, job, &job->request, job->request.input->image, cancellable, error);
  gint64 shape[3];
  int rows, cols, atoms;
  const float *codes;

  if (session == NULL)
    return FALSE;
  codes = scvae_session_get_codes (session, &rows, &cols, &atoms);
  shape[0] = rows, shape[1] = cols, shape[2] = atoms;
  if (!scvae_write_npy (job->path, codes, 3, shape, error))
    return FALSE;
  set_exported (job);
  return TRUE;
}

/* One label per pixel of a width x height picture of the working image:
 * each pixel takes the label of the working image's patch it falls in. */
static guint8 *
labels_at_size (const Job *job, const ScvaeImage *working, int width, int height)
{
  guint8 *pixels = g_new (guint8, (gsize) width * height);

  for (int y = 0; y < height; y++)
    {
      int row = MIN ((int) (((double) y + 0.5) * working->height / height) / SCVAE_PATCH_PIXELS, job->rows - 1);

      for (int x = 0; x < width; x++)
        {
          int col = MIN ((int) (((double) x + 0.5) * working->width / width) / SCVAE_PATCH_PIXELS, job->cols - 1);

          pixels[(gsize) y * width + x] = job->labels[(gsize) row * job->cols + col];
        }
    }
  return pixels;
}

/* The segments as the window shows them, at the source's size like the
 * other pictures: the labels of the working image's patches, scaled up. */
static gboolean
run_export_segments (LensWorker *self, Job *job, GCancellable *cancellable, GError **error)
{
  const ScvaeImage *working = job->request.input->image, *image;
  g_autofree guint8 *pixels = NULL;

  if (job->source == NULL && !load_source (job, error))
    return FALSE;
  image = job->source->image;
  pixels = labels_at_size (job, working, image->width, image->height);
  if (job->kind == LENS_EXPORT_OVERLAY)
    return write_png (job, scvae_render_overlay (image, pixels, job->segments, job->n_segments, job->opacity),
                      error);
  return write_png (job, scvae_render_label_map (pixels, image->width, image->height), error);
}

void
lens_worker_export_async (LensWorker *self, const LensRequest *request, LensExportKind kind,
                          const LensSegmentsView *segments, GFile *destination,
                          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  JobFunc run = kind == LENS_EXPORT_CODES ? run_export_codes
                : kind == LENS_EXPORT_OVERLAY || kind == LENS_EXPORT_LABELS ? run_export_segments
                : run_export;
  g_autofree char *path = g_file_get_path (destination);
  Job *job;

  g_return_if_fail (run != run_export_segments || (segments != NULL && segments->labels != NULL));

  if (path == NULL)
    {
      g_autofree char *name = g_file_get_parse_name (destination);

      g_task_report_new_error (self, callback, user_data, lens_worker_export_async, SCVAE_ERROR,
                               SCVAE_ERROR_FAILED, _("%s: not a local file"), name);
      return;
    }
  job = lens_job_new (run, request);
  job->kind = kind;
  job->destination = g_object_ref (destination);
  job->path = g_steal_pointer (&path);
  if (run == run_export_segments)
    {
      job->labels = g_memdup2 (segments->labels, (gsize) segments->rows * segments->cols);
      job->rows = segments->rows;
      job->cols = segments->cols;
      job->segments = g_memdup2 (segments->segments, segments->n_segments * sizeof (ScvaeRenderSegment));
      job->n_segments = segments->n_segments;
      job->opacity = segments->opacity;
    }
  lens_worker_queue_job (self, job, cancellable, lens_worker_export_async, callback, user_data);
}

gboolean
lens_worker_export_finish (LensWorker *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GFile) written = g_task_propagate_pointer (G_TASK (result), error);

  return written != NULL;
}

/* ------------------------------------------------------------------------- */
/* Inspecting a patch */

static int
by_magnitude (gconstpointer a, gconstpointer b, gpointer data)
{
  const float *z = data;
  float x = fabsf (z[*(const int *) a]), y = fabsf (z[*(const int *) b]);

  return x < y ? 1 : x > y ? -1 : 0;
}

/* The window of INSPECT_PATCHES patches on a side centred on patch
 * (row, col) of image. */
static cairo_surface_t *
crop_around (const ScvaeImage *image, int row, int col)
{
  return scvae_render_crop (image, SCVAE_PATCH_PIXELS * (col - INSPECT_PATCHES / 2),
                            SCVAE_PATCH_PIXELS * (row - INSPECT_PATCHES / 2),
                            SCVAE_PATCH_PIXELS * INSPECT_PATCHES);
}

/* The patches around an inspected one as the decoder saw them: the decoder
 * sees about two patches around each patch, so the decoded grid has two
 * patches of margin around the part that is shown; patches past the
 * image's edge repeat its edge patches. */
typedef struct {
  ScvaeSession *session;
  const float *D;
  int C, K, grid;
  float *code;      /* the centre patch's code, after the request's intervention */
  float *latents;   /* grid x grid x C: D z of every patch, computed once */
} Neighbourhood;

/* e = D z */
static void
latent_of (const Neighbourhood *nb, const float *z, float *e)
{
  for (int i = 0; i < nb->C; i++)
    {
      double sum = 0.0;

      for (int k = 0; k < nb->K; k++)
        if (z[k] != 0.f)
          sum += (double) nb->D[(gsize) i * nb->K + k] * z[k];
      e[i] = (float) sum;
    }
}

static void
neighbourhood_init (Neighbourhood *nb, const LensRequest *request, ScvaeSession *session, const float *codes,
                    int rows, int cols, int row, int col)
{
  ScvaeIntervention intervention = lens_request_get_intervention (request);
  int grid = INSPECT_PATCHES + 4;
  g_autofree float *z = NULL;

  nb->session = session;
  nb->D = scvae_model_get_dictionary (request->model);
  nb->C = scvae_model_get_config (request->model)->channels;
  nb->K = scvae_model_get_config (request->model)->atoms;
  nb->grid = grid;
  nb->code = g_new (float, nb->K);
  nb->latents = g_new (float, (gsize) grid * grid * nb->C);
  z = g_new (float, nb->K);
  for (int y = 0; y < grid; y++)
    for (int x = 0; x < grid; x++)
      {
        int r = CLAMP (row - grid / 2 + y, 0, rows - 1), c = CLAMP (col - grid / 2 + x, 0, cols - 1);

        scvae_codes_intervene (codes + ((gsize) r * cols + c) * nb->K, 1, nb->K, &intervention, z);
        latent_of (nb, z, nb->latents + ((gsize) y * grid + x) * nb->C);
        if (y == grid / 2 && x == grid / 2)
          memcpy (nb->code, z, nb->K * sizeof (float));
      }
}

static void
neighbourhood_clear (Neighbourhood *nb)
{
  g_free (nb->code);
  g_free (nb->latents);
}

/* The neighbourhood decoded with centre (K floats) as the centre patch's
 * code. */
static ScvaeImage *
decode_with_centre (const Neighbourhood *nb, const float *centre)
{
  int grid = nb->grid, side = SCVAE_PATCH_PIXELS * grid;
  g_autofree float *latents = g_memdup2 (nb->latents, (gsize) grid * grid * nb->C * sizeof (float));
  ScvaeImage *decoded = scvae_image_new (side, side);

  latent_of (nb, centre, latents + (gsize) (grid * grid / 2) * nb->C);
  scvae_session_decode_latents (nb->session, latents, grid, grid, decoded->data, NULL, NULL);
  return decoded;
}

/* What each of the patch's strongest atoms adds: the window decoded with
 * the whole code less the window decoded without that atom, all on one
 * scale (the largest change is full white or black, no change mid grey). */
static void
add_contributions (LensInspection *inspection, const Neighbourhood *nb)
{
  g_autoptr(ScvaeImage) whole = decode_with_centre (nb, nb->code);
  g_autofree float *without = g_memdup2 (nb->code, nb->K * sizeof (float));
  int n = MIN (inspection->n_active, LENS_INSPECT_CONTRIBUTIONS);
  gsize values = (gsize) 3 * whole->width * whole->height;
  ScvaeImage *changes[LENS_INSPECT_CONTRIBUTIONS];
  float largest = 0.f;

  for (int i = 0; i < n; i++)
    {
      int k = inspection->atoms[i];

      without[k] = 0.f;
      changes[i] = decode_with_centre (nb, without);
      without[k] = nb->code[k];
      for (gsize j = 0; j < values; j++)
        {
          changes[i]->data[j] = whole->data[j] - changes[i]->data[j];
          largest = MAX (largest, fabsf (changes[i]->data[j]));
        }
    }
  inspection->n_contributions = n;
  inspection->contribution_scale = largest;
  for (int i = 0; i < n; i++)
    {
      for (gsize j = 0; j < values; j++)
        changes[i]->data[j] = largest > 0.f ? changes[i]->data[j] / largest : 0.f;
      inspection->contributions[i] = crop_around (changes[i], nb->grid / 2, nb->grid / 2);
      scvae_image_free (changes[i]);
    }
}

static gboolean
run_inspect (LensWorker *self, Job *job, GCancellable *cancellable, GError **error)
{
  ScvaeSession *session = job_session (self, job, &job->request, job->request.input->image, cancellable, error);
  g_autoptr(LensInspection) inspection = NULL;
  g_autoptr(ScvaeImage) top_m = NULL;
  g_autofree float *centre = NULL;
  Neighbourhood nb;
  int rows, cols, K;
  const float *codes, *z;

  if (session == NULL)
    return FALSE;
  codes = scvae_session_get_codes (session, &rows, &cols, &K);
  if (job->row < 0 || job->col < 0 || job->row >= rows || job->col >= cols)
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT, _("No such patch"));
      return FALSE;
    }

  /* The patch's code as the decoder saw it */
  neighbourhood_init (&nb, &job->request, session, codes, rows, cols, job->row, job->col);
  z = nb.code;
  inspection = g_new0 (LensInspection, 1);
  inspection->row = job->row;
  inspection->col = job->col;
  inspection->atoms = g_new (int, K);
  inspection->coefficients = g_new (float, K);
  for (int k = 0; k < K; k++)
    {
      if (z[k] != 0.f)
        inspection->atoms[inspection->n_active++] = k;
      if (codes[((gsize) job->row * cols + job->col) * K + k] != 0.f)
        inspection->n_coded++;
    }
  g_qsort_with_data (inspection->atoms, inspection->n_active, sizeof (int), by_magnitude, (gpointer) z);
  for (int i = 0; i < inspection->n_active; i++)
    inspection->coefficients[i] = z[inspection->atoms[i]];
  inspection->top_m = MIN (job->top_m, inspection->n_active);

  inspection->window = SCVAE_PATCH_PIXELS * INSPECT_PATCHES;
  inspection->input = crop_around (scvae_session_get_input (session), job->row, job->col);
  inspection->reconstruction = crop_around (scvae_session_get_reconstruction (session), job->row, job->col);
  /* The patch's code cut to its m strongest atoms */
  centre = g_new0 (float, K);
  for (int i = 0; i < inspection->top_m; i++)
    centre[inspection->atoms[i]] = inspection->coefficients[i];
  top_m = decode_with_centre (&nb, centre);
  inspection->top_m_reconstruction = crop_around (top_m, nb.grid / 2, nb.grid / 2);
  add_contributions (inspection, &nb);
  neighbourhood_clear (&nb);
  job->value = g_steal_pointer (&inspection);
  job->value_free = (GDestroyNotify) lens_inspection_free;
  return TRUE;
}

void
lens_worker_inspect_async (LensWorker *self, const LensRequest *request, int row, int col, int top_m,
                           GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  Job *job = lens_job_new (run_inspect, request);

  job->row = row;
  job->col = col;
  job->top_m = top_m;
  lens_worker_queue_job (self, job, cancellable, lens_worker_inspect_async, callback, user_data);
}

LensInspection *
lens_worker_inspect_finish (LensWorker *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------- */
/* Rendering the atoms */

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

static gboolean
run_render_atoms (LensWorker *self, Job *job, GCancellable *cancellable, GError **error)
{
  ScvaeModel *model = job->request.model;
  const ScvaeConfig *config = scvae_model_get_config (model);
  AtomsRendering *rendering;

  /* A session of its own: drawing atoms keeps a background in it. */
  if (job->atom_session == NULL)
    job->atom_session = scvae_session_new (model);
  if (job->atoms == NULL)
    job->atoms = g_ptr_array_new_with_free_func ((GDestroyNotify) cairo_surface_destroy);
  for (int k = job->atoms->len; k < config->atoms; k++)
    {
      float amplitude = job->amplitudes && job->amplitudes[k] > 0.f ? job->amplitudes[k] : 1.f;
      g_autoptr(ScvaeImage) atom = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      atom = scvae_session_render_atom (job->atom_session, k, amplitude, SCVAE_ATOM_PIXELS, NULL);
      g_ptr_array_add (job->atoms, scvae_render_image (atom));
    }
  rendering = g_new0 (AtomsRendering, 1);
  rendering->surfaces = g_steal_pointer (&job->atoms);
  scvae_dictionary_health (scvae_model_get_dictionary (model), config->channels, config->atoms,
                           &rendering->health);
  job->value = rendering;
  job->value_free = (GDestroyNotify) atoms_rendering_free;
  return TRUE;
}

void
lens_worker_render_atoms_async (LensWorker *self, ScvaeModel *model, const float *amplitudes,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  LensRequest request = { .model = model };
  Job *job = lens_job_new (run_render_atoms, &request);
  int K = scvae_model_get_config (model)->atoms;

  if (amplitudes)
    job->amplitudes = g_memdup2 (amplitudes, K * sizeof (float));
  lens_worker_queue_job (self, job, cancellable, lens_worker_render_atoms_async, callback, user_data);
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

/* ------------------------------------------------------------------------- */
/* Splitting a segment */

static gboolean
run_split (LensWorker *self, Job *job, GCancellable *cancellable, GError **error)
{
  const ScvaeSegmentOptions *options = &job->request.segment_options;
  g_autofree float *own = NULL;
  const float *features;
  int dim;

  /* The features the segments were clustered on: usually kept by the
   * worker, so only the 2-means on the segment's rows runs. */
  if (lens_stage_cache_has_codes (self->full, &job->request))
    {
      features = lens_worker_get_features (self, &job->request, &dim, cancellable, error);
    }
  else
    {
      ScvaeSession *session = job_session (self, job, &job->request, job->request.input->image, cancellable, error);
      int rows, cols, K;
      const float *codes;

      if (session == NULL)
        return FALSE;
      codes = scvae_session_get_codes (session, &rows, &cols, &K);
      features = own = scvae_segment_features (codes, rows, cols, K, options, cancellable, error);
      dim = scvae_segment_features_dim (options, K);
    }
  if (features == NULL || !lens_split_divide (job->split, features, dim, job->seed, cancellable, error))
    return FALSE;
  job->value = g_steal_pointer (&job->split);
  job->value_free = (GDestroyNotify) lens_split_free;
  return TRUE;
}

void
lens_worker_split_async (LensWorker *self, const LensRequest *request, LensSplit *split, guint64 seed,
                         GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  Job *job = lens_job_new (run_split, request);

  job->split = split;
  job->seed = seed;
  lens_worker_queue_job (self, job, cancellable, lens_worker_split_async, callback, user_data);
}

LensSplit *
lens_worker_split_finish (LensWorker *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------- */
/* The atoms that characterise each segment */

static gboolean
run_segment_atoms (LensWorker *self, Job *job, GCancellable *cancellable, GError **error)
{
  ScvaeSession *session = job_session (self, job, &job->request, job->request.input->image, cancellable, error);
  const int n = job->n_segments, top = LENS_SEGMENT_ATOMS;
  g_autofree double *image_sum = NULL, *segment_sum = NULL;
  g_autofree int *counts = NULL;
  LensSegmentAtoms *atoms;
  const float *codes;
  int rows, cols, K;
  double largest = 0.0;

  if (session == NULL)
    return FALSE;
  codes = scvae_session_get_codes (session, &rows, &cols, &K);
  if (rows != job->rows || cols != job->cols)
    {
      g_set_error_literal (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT, "The segments are of other codes");
      return FALSE;
    }
  image_sum = g_new0 (double, K);
  segment_sum = g_new0 (double, (gsize) n * K);
  counts = g_new0 (int, n);
  for (gsize p = 0; p < (gsize) rows * cols; p++)
    {
      const float *z = codes + p * K;
      double *sum = segment_sum + (gsize) job->labels[p] * K;

      counts[job->labels[p]]++;
      for (int k = 0; k < K; k++)
        {
          double magnitude = fabsf (z[k]);

          sum[k] += magnitude;
          image_sum[k] += magnitude;
        }
    }
  for (int k = 0; k < K; k++)
    largest = MAX (largest, image_sum[k]);

  atoms = g_malloc0 (sizeof (LensSegmentAtoms) + (gsize) n * top * sizeof (int));
  atoms->n_segments = n;
  for (int s = 0; s < n; s++)
    {
      int *best = atoms->atoms + s * top;
      double score[LENS_SEGMENT_ATOMS];

      for (int i = 0; i < top; i++)
        best[i] = -1, score[i] = 0.0;
      for (int k = 0; counts[s] > 0 && k < K; k++)
        {
          /* Mean |z| in the segment over the mean in the image; atoms the
           * image hardly uses are held back by a floor under the latter. */
          double inside = segment_sum[(gsize) s * K + k] / counts[s];
          double everywhere = (image_sum[k] + 0.05 * largest) / ((gsize) rows * cols);
          double ratio = inside / everywhere;
          int at = top;

          if (inside <= 0.0)
            continue;
          while (at > 0 && (best[at - 1] < 0 || ratio > score[at - 1]))
            at--;
          if (at == top)
            continue;
          memmove (best + at + 1, best + at, (top - at - 1) * sizeof (int));
          memmove (score + at + 1, score + at, (top - at - 1) * sizeof (double));
          best[at] = k;
          score[at] = ratio;
        }
    }
  job->value = atoms;
  job->value_free = g_free;
  return TRUE;
}

void
lens_worker_segment_atoms_async (LensWorker *self, const LensRequest *request, const guint8 *labels, int rows,
                                 int cols, int n_segments, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  Job *job = lens_job_new (run_segment_atoms, request);

  job->labels = g_memdup2 (labels, (gsize) rows * cols);
  job->rows = rows;
  job->cols = cols;
  job->n_segments = n_segments;
  lens_worker_queue_job (self, job, cancellable, lens_worker_segment_atoms_async, callback, user_data);
}

LensSegmentAtoms *
lens_worker_segment_atoms_finish (LensWorker *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
