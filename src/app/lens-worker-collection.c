/* lens-worker-collection.c: surveying a collection, and its patches
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A survey codes a whole folder: it runs as a job, one image per step,
 * giving way to every request (the sliders stay live) and, after each
 * image, to the other jobs (an inspection does not wait for the whole
 * folder). Its state lives in the job, so a survey interrupted carries on
 * where it was.
 */

#include "lens-worker-private.h"

#include <glib/gi18n.h>
#include <string.h>

/* Working images kept for their patches' crops: the strongest patches of
 * an atom often come from a few images, and the next atom's from the same. */
#define CROP_SOURCES_MAX 24

typedef struct {
  ScvaeModel *model;
  char **paths;             /* what the user chose */
  char **files;             /* the images found there, once listed */
  guint n_files;
  ScvaeSurveyOptions options;
  int top_n;
  ScvaeSurvey *survey;
  ScvaeSession *session;
  int next;                 /* the next file to code */
  LensSurveyProgress progress;
  GObject *progress_target;
} SurveyState;

static void
survey_state_free (gpointer data)
{
  SurveyState *state = data;

  scvae_model_unref (state->model);
  g_strfreev (state->paths);
  g_strfreev (state->files);
  g_clear_pointer (&state->survey, scvae_survey_free);
  g_clear_pointer (&state->session, scvae_session_free);
  g_clear_object (&state->progress_target);
  g_free (state);
}

typedef struct {
  LensSurveyProgress progress;
  GObject *target;
  int done, total;
  char *skipped;
} Progress;

static gboolean
deliver_progress (gpointer data)
{
  Progress *p = data;

  p->progress (p->target, p->done, p->total, p->skipped);
  return G_SOURCE_REMOVE;
}

static void
progress_free (gpointer data)
{
  Progress *p = data;

  g_object_unref (p->target);
  g_free (p->skipped);
  g_free (p);
}

static void
report (LensWorker *self, SurveyState *state, const char *skipped)
{
  Progress *p = g_new0 (Progress, 1);

  *p = (Progress) { state->progress, g_object_ref (state->progress_target), state->next, (int) state->n_files,
                    g_strdup (skipped) };
  lens_worker_run_on_main (self, deliver_progress, p, progress_free);
}

static gboolean
run_survey (LensWorker *self, Job *job, GCancellable *cancellable, GError **error)
{
  SurveyState *state = lens_job_get_state (job);
  g_autofree char *text = NULL;
  LensCollection *collection;

  if (state->files == NULL)
    {
      state->files = scvae_list_images ((const char * const *) state->paths, error);
      if (state->files == NULL)
        return FALSE;
      state->n_files = g_strv_length (state->files);
      state->survey = scvae_survey_new_for_model (state->model, state->top_n, error);
      if (state->survey == NULL)
        return FALSE;
      state->session = scvae_session_new (state->model);
      report (self, state, NULL);
    }
  while (state->files[state->next])
    {
      const char * const *skipped;
      guint before, after;

      scvae_survey_get_skipped (state->survey, &before);
      if (!scvae_survey_add_file (state->survey, state->session, state->files[state->next], &state->options,
                                  cancellable, error))
        return FALSE;
      state->next++;
      skipped = scvae_survey_get_skipped (state->survey, &after);
      report (self, state, after > before ? skipped[before] : NULL);
      if (state->files[state->next] && lens_worker_jobs_waiting (self))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "yields");
          return FALSE;
        }
    }
  if (scvae_survey_get_n_images (state->survey) == 0)
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   ngettext ("None of the %u file could be surveyed", "None of the %u files could be surveyed",
                             state->n_files),
                   state->n_files);
      return FALSE;
    }
  text = scvae_survey_to_json (state->survey, state->model, &state->options);
  collection = lens_collection_new (text, strlen (text), error);
  if (collection == NULL)
    return FALSE;
  lens_job_set_value (job, collection, (GDestroyNotify) lens_collection_free);
  return TRUE;
}

void
lens_worker_survey_async (LensWorker *self, ScvaeModel *model, const char * const *paths,
                          const ScvaeSurveyOptions *options, int top_n, LensSurveyProgress progress,
                          GObject *progress_target, GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  Job *job = lens_job_new (run_survey, &(LensRequest) { 0 });
  SurveyState *state = g_new0 (SurveyState, 1);

  state->model = scvae_model_ref (model);
  state->paths = g_strdupv ((char **) paths);
  state->options = *options;
  state->top_n = top_n;
  state->progress = progress;
  state->progress_target = g_object_ref (progress_target);
  lens_job_set_state (job, state, survey_state_free);
  lens_worker_queue_job (self, job, cancellable, lens_worker_survey_async, callback, user_data);
}

LensCollection *
lens_worker_survey_finish (LensWorker *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------- */
/* Crops of patches */

typedef struct {
  GArray *patches;    /* LensPatchCrop */
  GPtrArray *crops;   /* made so far */
} CropsState;

static void
crops_state_free (gpointer data)
{
  CropsState *state = data;

  for (guint i = 0; i < state->patches->len; i++)
    g_free (g_array_index (state->patches, LensPatchCrop, i).path);
  g_array_unref (state->patches);
  g_ptr_array_unref (state->crops);
  g_free (state);
}

/* The image at its working size, as a picture: from the worker's few kept,
 * else loaded. */
static cairo_surface_t *
crop_source (LensWorker *self, const LensPatchCrop *patch, GError **error)
{
  g_autofree char *key = g_strdup_printf ("%d:%s", patch->max_size, patch->path);
  cairo_surface_t *surface;
  g_autoptr(ScvaeImage) image = NULL;

  if (self->crop_sources == NULL)
    self->crop_sources = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                (GDestroyNotify) cairo_surface_destroy);
  surface = g_hash_table_lookup (self->crop_sources, key);
  if (surface)
    return surface;
  image = scvae_image_load (patch->path, patch->max_size, NULL, error);
  if (image == NULL)
    return NULL;
  if (g_hash_table_size (self->crop_sources) >= CROP_SOURCES_MAX)
    g_hash_table_remove_all (self->crop_sources);
  surface = scvae_render_image (image);
  g_hash_table_insert (self->crop_sources, g_steal_pointer (&key), surface);
  return surface;
}

/* LENS_CROP_PATCHES patches on a side around the patch, magnified, the
 * patch outlined; mid grey past the image's edges. */
static cairo_surface_t *
crop_patch (cairo_surface_t *source, const LensPatchCrop *patch)
{
  int side = LENS_CROP_PATCHES * SCVAE_PATCH_PIXELS, size = side * LENS_CROP_MAGNIFY;
  double x0 = patch->col * SCVAE_PATCH_PIXELS - (side - SCVAE_PATCH_PIXELS) / 2.0;
  double y0 = patch->row * SCVAE_PATCH_PIXELS - (side - SCVAE_PATCH_PIXELS) / 2.0;
  double box = SCVAE_PATCH_PIXELS * LENS_CROP_MAGNIFY, at = (size - box) / 2.0;
  /* Opaque ARGB32: textures read the alpha byte RGB24 leaves undefined */
  cairo_surface_t *crop = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, size, size);
  cairo_t *cr = cairo_create (crop);

  cairo_set_source_rgb (cr, 0.5, 0.5, 0.5);
  cairo_paint (cr);
  cairo_save (cr);
  cairo_scale (cr, LENS_CROP_MAGNIFY, LENS_CROP_MAGNIFY);
  cairo_set_source_surface (cr, source, -x0, -y0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
  /* A white square with a dark edge shows on light and dark patches alike */
  cairo_set_line_width (cr, 3);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.6);
  cairo_rectangle (cr, at - 1.5, at - 1.5, box + 3, box + 3);
  cairo_stroke (cr);
  cairo_set_line_width (cr, 1.5);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, at - 0.75, at - 0.75, box + 1.5, box + 1.5);
  cairo_stroke (cr);
  cairo_destroy (cr);
  return crop;
}

static gboolean
run_crops (LensWorker *self, Job *job, GCancellable *cancellable, GError **error)
{
  CropsState *state = lens_job_get_state (job);

  while (state->crops->len < state->patches->len)
    {
      const LensPatchCrop *patch = &g_array_index (state->patches, LensPatchCrop, state->crops->len);
      cairo_surface_t *source;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      /* A file gone since the survey leaves its place empty */
      source = crop_source (self, patch, NULL);
      g_ptr_array_add (state->crops, source ? crop_patch (source, patch) : NULL);
    }
  lens_job_set_value (job, g_ptr_array_ref (state->crops), (GDestroyNotify) g_ptr_array_unref);
  return TRUE;
}

void
lens_worker_crop_patches_async (LensWorker *self, const LensPatchCrop *patches, int n_patches,
                                GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  Job *job = lens_job_new (run_crops, &(LensRequest) { 0 });
  CropsState *state = g_new0 (CropsState, 1);

  state->patches = g_array_sized_new (FALSE, FALSE, sizeof (LensPatchCrop), n_patches);
  for (int i = 0; i < n_patches; i++)
    {
      LensPatchCrop copy = patches[i];

      copy.path = g_strdup (patches[i].path);
      g_array_append_val (state->patches, copy);
    }
  state->crops = g_ptr_array_new_with_free_func ((GDestroyNotify) cairo_surface_destroy);
  lens_job_set_state (job, state, crops_state_free);
  lens_worker_queue_job (self, job, cancellable, lens_worker_crop_patches_async, callback, user_data);
}

GPtrArray *
lens_worker_crop_patches_finish (LensWorker *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
