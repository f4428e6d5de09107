/* trainer.c: training: options, one step, dictionary upkeep, the loop
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The loop validates, resamples dead atoms, writes checkpoints
 * (trainer-checkpoint.c, which also resumes from them) and, at the end,
 * re-estimates BatchNorm's statistics.
 */

#include "config.h"

#include "trainer-private.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "batch-loader.h"
#include "batchnorm.h"
#include "lista.h"
#include "resample.h"
#include "vq.h"

/* Every RESAMPLE_EVERY steps, atoms that fired on fewer than DEAD_RATE of
 * the patches of those steps (about a hundred in a million: dying, not just
 * specialised) and near-duplicates are moved (resample.c), with their Adam
 * moments cleared. The last RESAMPLE_STOP of a planned run is left alone so
 * that the last atoms moved can settle. */
#define RESAMPLE_EVERY 250
#define RESAMPLE_STOP 0.2
#define DEAD_RATE 1e-4

/* BatchNorm's running statistics follow the last ~10 batches (momentum
 * 0.1), so a model saved at any one step carries that noise: validation
 * PSNR moved by up to 0.8 dB between neighbouring evaluations at the end of
 * a run. A finished run therefore re-estimates them as the plain average
 * over BATCHNORM_BATCHES training batches of the final weights ("precise
 * BN", Wu & Johnson 2021). Those batches come from indices no run reaches,
 * so they are the same whenever the run finishes, and a time budget keeps
 * their cost in reserve (a forward measured 39 % of a step; half is kept). */
#define BATCHNORM_BATCHES 200
#define BATCHNORM_FIRST_INDEX (G_GINT64_CONSTANT (1) << 40)
#define FORWARD_SHARE_OF_STEP 0.5

/* Throughput is measured over this many steps before a time-budgeted run
 * fixes the length of its learning-rate schedule. */
#define CALIBRATION_STEPS 20
#define EMA_WEIGHT 0.05

void
scvae_train_options_init_default (ScvaeTrainOptions *o)
{
  *o = (ScvaeTrainOptions) {
    .steps = 0,
    .minutes = 0,
    .batch = 16,
    .crop = 64,
    .lr = 1e-3f,
    .min_lr_fraction = 0.05f,
    .warmup_steps = 200,
    .clip_norm = 1.0f,
    .seed = 1,
    .checkpoint_every = 500,
    .validate_every = 500,
    .val_max_side = 512,
  };
}

static gboolean
validate_options (const ScvaeTrainOptions *o, GError **error)
{
  const char *problem = NULL;

  if (o->steps <= 0 && o->minutes <= 0)
    problem = _("give a number of steps or a time budget in minutes");
  else if (o->steps < 0 || o->minutes < 0 || !isfinite (o->minutes))
    problem = _("steps and minutes must be positive");
  else if (o->batch < 1 || o->batch > 4096)
    problem = _("batch must be between 1 and 4096");
  else if (o->crop < 8 || o->crop > 1024 || o->crop % 4 != 0)
    problem = _("crop must be a multiple of 4 between 8 and 1024");
  else if (!(o->lr > 0 && o->lr < 1))
    problem = _("the learning rate must be in (0, 1)");
  else if (o->warmup_steps < 0 || o->checkpoint_every < 0 || o->validate_every < 0)
    problem = _("warm-up, checkpoint and validation intervals must be >= 0");
  else if (!(o->clip_norm >= 0))
    problem = _("the gradient clip must be >= 0");

  if (problem)
    {
      g_set_error_literal (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT, problem);
      return FALSE;
    }
  return TRUE;
}

ScvaeTrainer *
scvae_trainer_new (ScvaeModel *model, const ScvaeTrainOptions *options, GError **error)
{
  ScvaeTrainer *trainer;

  if (!validate_options (options, error))
    return NULL;

  trainer = g_new0 (ScvaeTrainer, 1);
  trainer->model = scvae_model_ref (model);
  trainer->options = *options;
  trainer->grads = g_new0 (float, model->layout->n_parameters);
  scvae__f4_bind (model->layout, trainer->grads, NULL, &trainer->grad_tensors);
  scvae__adam_init (&trainer->adam, model->layout->n_parameters);
  trainer->planned_steps = options->steps;
  trainer->atom_hits = g_new0 (float, model->layout->config.atoms);
  return trainer;
}

void
scvae_trainer_free (ScvaeTrainer *trainer)
{
  if (trainer == NULL)
    return;
  scvae_model_unref (trainer->model);
  g_free (trainer->grads);
  g_free (trainer->atom_hits);
  scvae__adam_clear (&trainer->adam);
  scvae__f4_network_free (trainer->net);
  scvae__scratch_clear (&trainer->scratch);
  g_free (trainer);
}

gint64
scvae_trainer_get_step (ScvaeTrainer *trainer)
{
  return trainer->step;
}

static void
count_hits (ScvaeTrainer *trainer)
{
  int K = trainer->model->layout->config.atoms;
  gsize P = scvae__f4_network_get_n_patches (trainer->net);
  const float *codes = scvae__f4_network_get_codes (trainer->net);

  for (gsize p = 0; p < P; p++)
    for (int k = 0; k < K; k++)
      trainer->atom_hits[k] += codes[p * K + k] != 0.f;
}

/* Atoms are kept at unit length, the usual constraint of dictionary
 * learning. The threshold beta / c is the same for every atom, so an atom's
 * length decides how easily it fires: left free, the atoms in use grow (an
 * hour's training spread them from 1 to 6) while the rest stay short, stop
 * passing the threshold and die -- a rich-get-richer collapse that
 * resampling alone could not undo. Projecting after each step removes it. */
static void
normalize_atoms (float *D, int C, int K)
{
  g_autofree double *length = g_new0 (double, K);

  for (int i = 0; i < C; i++)
    for (int k = 0; k < K; k++)
      length[k] += (double) D[i * K + k] * D[i * K + k];
  for (int k = 0; k < K; k++)
    length[k] = length[k] > 0.0 ? 1.0 / sqrt (length[k]) : 1.0;
  for (int i = 0; i < C; i++)
    for (int k = 0; k < K; k++)
      D[i * K + k] = (float) (D[i * K + k] * length[k]);
}

static void
resample (ScvaeTrainer *trainer)
{
  ScvaeModel *model = trainer->model;
  int C = model->layout->config.channels, K = model->layout->config.atoms;
  gsize P = scvae__f4_network_get_n_patches (trainer->net);
  float *D = model->tensors.dictionary;
  gsize d_offset = D - model->parameters;
  g_autofree gboolean *moved = g_new (gboolean, K);

  trainer->resampled = scvae__resample_atoms (D, C, K, trainer->atom_hits, DEAD_RATE * P * RESAMPLE_EVERY,
                                              scvae__f4_network_get_feature_rows (trainer->net),
                                              scvae__f4_network_get_decoded_rows (trainer->net), P, moved);
  for (int k = 0; k < K; k++)
    for (int i = 0; i < C && moved[k]; i++)
      {
        gsize at = d_offset + (gsize) i * K + k;

        trainer->adam.m[at] = trainer->adam.v[at] = 0.f;
      }
  memset (trainer->atom_hits, 0, K * sizeof (float));
  if (trainer->resampled > 0)
    {
      float lipschitz = (float) scvae__lista_spectral_norm_squared (D, C, K);

      if (model->tensors.step[0] < 1.05f * lipschitz)
        model->tensors.step[0] = 1.05f * lipschitz;
    }
}

/* After each step: the dictionary's constraints and resampling, or the
 * codebook's moving averages and restarts. Resampling stops for the last
 * RESAMPLE_STOP of a planned run, so that it ends on atoms it has trained. */
static void
upkeep_bottleneck (ScvaeTrainer *trainer)
{
  ScvaeModel *model = trainer->model;
  const ScvaeConfig *config = &model->layout->config;
  gboolean resample_now = trainer->step % RESAMPLE_EVERY == 0
                          && (trainer->planned_steps <= 0
                              || trainer->step < (1.0 - RESAMPLE_STOP) * trainer->planned_steps);

  switch (config->bottleneck)
    {
    case SCVAE_BOTTLENECK_LISTA:
      normalize_atoms (model->tensors.dictionary, config->channels, config->atoms);
      /* The step size must stay positive for the threshold beta / c to
       * mean anything; Adam moves it by at most lr per step, so this only
       * guards against a diverging run. */
      model->tensors.step[0] = MAX (model->tensors.step[0], 1e-3f);
      if (resample_now)
        resample (trainer);
      break;
    case SCVAE_BOTTLENECK_VQ:
      {
        VqEma ema = { config->channels, config->atoms, config->ema_decay, model->tensors.ema_counts,
                      model->tensors.ema_sums };
        gsize P = scvae__f4_network_get_n_patches (trainer->net);
        const float *features = scvae__f4_network_get_feature_rows (trainer->net);

        scvae__vq_ema_update (&ema, P, features, scvae__f4_network_get_code_index (trainer->net),
                              model->tensors.dictionary);
        /* Dead: used less than DEAD_RATE of the patches of a batch, on
         * the moving average. */
        if (resample_now)
          trainer->resampled = scvae__vq_restart_dead (&ema, P, features,
                                                       scvae__f4_network_get_decoded_rows (trainer->net),
                                                       DEAD_RATE * P, model->tensors.dictionary);
      }
      break;
    case SCVAE_BOTTLENECK_GAUSSIAN:
      break;
    }
}

static void
ensure_network (ScvaeTrainer *trainer, int n_images, int size)
{
  if (trainer->net == NULL || trainer->net_batch != n_images || trainer->net_size != size)
    {
      scvae__f4_network_free (trainer->net);
      trainer->net = scvae__f4_network_new (trainer->model->layout, n_images, size, size);
      trainer->net_batch = n_images;
      trainer->net_size = size;
    }
}

double
scvae_trainer_step (ScvaeTrainer *trainer, const float *batch, int n_images, int size)
{
  ScvaeModel *model = trainer->model;
  const ScvaeTrainOptions *o = &trainer->options;
  float lr;

  ensure_network (trainer, n_images, size);

  /* A Gaussian's noise, like the crops, is a function of (seed, step): a
   * resumed run draws what the run it continues would have drawn. */
  scvae__f4_network_seed_noise (trainer->net, o->seed * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) + trainer->step);
  scvae__f4_network_forward (trainer->net, &model->tensors, batch, &trainer->last_loss, &trainer->scratch);
  count_hits (trainer);
  memset (trainer->grads, 0, model->layout->n_parameters * sizeof (float));
  scvae__f4_network_backward (trainer->net, &model->tensors, &trainer->grad_tensors, batch, &trainer->scratch);
  scvae__clip_gradient_norm (trainer->grads, model->layout->n_parameters, o->clip_norm);
  lr = scvae__learning_rate_at (trainer->step, trainer->planned_steps, o->warmup_steps, o->lr,
                                o->min_lr_fraction);
  scvae__adam_step (&trainer->adam, lr, model->parameters, trainer->grads);
  trainer->step++;
  upkeep_bottleneck (trainer);
  return trainer->last_loss.total;
}

static void
reestimate_batchnorm (ScvaeTrainer *trainer, ScvaeDataset *train)
{
  const ScvaeTrainOptions *o = &trainer->options;
  BatchLoader *loader = scvae__batch_loader_new (train, o->seed, BATCHNORM_FIRST_INDEX, o->batch);
  F4Loss loss;

  ensure_network (trainer, o->batch, o->crop);
  /* The statistics of what inference will feed the decoder: a Gaussian's
   * mean, not the samples training decoded (whose variance, up to the
   * prior's, would make the decoder's BatchNorm shrink the mean). */
  scvae__f4_network_decode_mean (trainer->net, TRUE);
  for (int i = 1; i <= BATCHNORM_BATCHES; i++)
    {
      scvae__f4_network_set_batchnorm_momentum (trainer->net, 1.f / i);
      scvae__f4_network_forward (trainer->net, &trainer->model->tensors, scvae__batch_loader_next (loader), &loss,
                                 &trainer->scratch);
    }
  scvae__f4_network_set_batchnorm_momentum (trainer->net, BATCHNORM_MOMENTUM);
  scvae__f4_network_decode_mean (trainer->net, FALSE);
  scvae__batch_loader_free (loader);
}

static double
elapsed_total (ScvaeTrainer *trainer, gint64 run_start)
{
  return trainer->elapsed_before + (g_get_monotonic_time () - run_start) / 1e6;
}

/* ------------------------------------------------------------------------- */
/* The loop */

typedef struct {
  double psnr, ssim;
  ScvaeCodeHealth codes;
  double *usage;     /* K: fraction of validation patches where the atom fires */
  double *mean_abs;  /* K: its mean |coefficient| there */
} Validation;

static void
validation_clear (Validation *v)
{
  g_clear_pointer (&v->usage, g_free);
  g_clear_pointer (&v->mean_abs, g_free);
}

static void
validate (ScvaeModel *model, ScvaeDataset *val, Validation *out)
{
  g_autoptr(ScvaeSession) session = scvae_session_new (model);
  int K = scvae_model_get_config (model)->atoms, n = scvae_dataset_get_n_images (val);
  g_autoptr(ScvaeCodeStats) stats = scvae_code_stats_new (K);
  const ScvaeAtomUsage *usage;

  *out = (Validation) { 0 };
  out->usage = g_new0 (double, K);
  out->mean_abs = g_new0 (double, K);
  for (int i = 0; i < n; i++)
    {
      g_autoptr(ScvaeImage) image = scvae_dataset_load_image (val, i);
      const float *codes;
      ScvaeMetrics m;
      int rows, cols;

      if (!scvae_session_encode (session, image, NULL, NULL)
          || !scvae_session_sparse_code (session, -1, 1.f, NULL, NULL)
          || !scvae_session_decode (session, NULL, NULL))
        g_assert_not_reached (); /* nothing to cancel, nothing invalid */
      scvae_session_compute_metrics (session, &m);
      out->psnr += m.psnr / n;
      out->ssim += m.ssim / n;
      codes = scvae_session_get_codes (session, &rows, &cols, NULL);
      scvae_code_stats_add (stats, codes, (gsize) rows * cols);
    }
  scvae_code_stats_get_health (stats, &out->codes);
  usage = scvae_code_stats_get_usage (stats);
  for (int k = 0; k < K; k++)
    {
      out->usage[k] = (double) usage[k].count / MAX (out->codes.patches, 1);
      out->mean_abs[k] = usage[k].mean_abs;
    }
}

static char *
format_list (const double *values, int n)
{
  GString *s = g_string_new (NULL);

  for (int i = 0; i < n; i++)
    {
      char buffer[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_append_printf (s, "%s%s", i ? "," : "", g_ascii_formatd (buffer, sizeof buffer, "%.4g", values[i]));
    }
  return g_string_free (s, FALSE);
}

static void
dictionary_health (ScvaeModel *model, ScvaeDictionaryHealth *health)
{
  const ScvaeConfig *config = scvae_model_get_config (model);

  scvae_dictionary_health (model->tensors.dictionary, config->channels, config->atoms, health);
}

static double
feature_rms (ScvaeTrainer *trainer)
{
  gsize n = scvae__f4_network_get_n_patches (trainer->net) * trainer->model->layout->config.channels;
  const float *e = scvae__f4_network_get_feature_rows (trainer->net);
  double sum = 0.0;

  for (gsize i = 0; i < n; i++)
    sum += (double) e[i] * e[i];
  return sqrt (sum / MAX (n, 1));
}

/* Per-atom statistics on the validation photos, for the app's atom gallery
 * and `scvae atoms`: "atom_usage" and "atom_mean_abs", K numbers each. */
static void
record_atom_statistics (ScvaeModel *model, const Validation *v)
{
  int K = scvae_model_get_config (model)->atoms;
  g_autofree char *usage = format_list (v->usage, K);
  g_autofree char *mean_abs = format_list (v->mean_abs, K);

  scvae_model_set_metadata (model, "atom_usage", usage);
  scvae_model_set_metadata (model, "atom_mean_abs", mean_abs);
}

static void
record_provenance (ScvaeTrainer *trainer, ScvaeDataset *train, double elapsed)
{
  ScvaeModel *model = trainer->model;
  const ScvaeTrainOptions *o = &trainer->options;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GString) files = g_string_new (NULL);
  g_autoptr(GPtrArray) folders = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) data = g_string_new (NULL);
  g_autofree char *lr = scvae_format_float (o->lr);
  g_autofree char *date = g_date_time_format_iso8601 (now);
  g_autofree char *steps = g_strdup_printf ("%" G_GINT64_FORMAT, trainer->step);
  g_autofree char *seconds = g_strdup_printf ("%.0f", elapsed);
  g_autofree char *recipe = g_strdup_printf ("batch=%d crop=%d lr=%s seed=%" G_GUINT64_FORMAT,
                                             o->batch, o->crop, lr, o->seed);

  /* "data" says it in a line; "data_files" lists every file. */
  for (int i = 0; i < scvae_dataset_get_n_images (train); i++)
    {
      const char *path = scvae_dataset_get_path (train, i);
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *folder = g_path_get_dirname (path);

      g_string_append_printf (files, "%s%s", i ? "," : "", base);
      if (!g_ptr_array_find_with_equal_func (folders, folder, g_str_equal, NULL))
        g_ptr_array_add (folders, g_steal_pointer (&folder));
    }
  g_string_append_printf (data, "%d images in", scvae_dataset_get_n_images (train));
  for (guint i = 0; i < folders->len; i++)
    {
      g_autofree char *name = g_path_get_basename (folders->pdata[i]);
      g_string_append_printf (data, "%s %s", i ? "," : "", name);
    }
  scvae_model_set_metadata (model, "data", data->str);
  scvae_model_set_metadata (model, "data_files", files->str);
  scvae_model_set_metadata (model, "steps", steps);
  scvae_model_set_metadata (model, "date", date);
  scvae_model_set_metadata (model, "train_seconds", seconds);
  scvae_model_set_metadata (model, "train_recipe", recipe);
}

/* Whether a step left the run usable: a loss that is not finite, or
 * weights that are not (ReLU's max () turns a NaN activation into 0, so a
 * lost weight need not show in the loss), mean the weights are lost. */
static gboolean
step_is_finite (ScvaeTrainer *trainer, double loss)
{
  const float *w = trainer->model->parameters;

  if (!isfinite (loss))
    return FALSE;
  for (gsize i = 0; i < trainer->model->layout->n_parameters; i++)
    if (!isfinite (w[i]))
      return FALSE;
  return TRUE;
}

/* The run stops without writing, so the files keep the last checkpoint
 * written (saved_step, or none: -1). */
static gboolean
diverged (ScvaeTrainer *trainer, const char *model_path, const char *checkpoint_path, gint64 saved_step,
          GError **error)
{
  if (saved_step >= 0)
    g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_FAILED,
                 _("%s: training stopped at step %lld: the loss or the weights are not finite (loss %g); "
                   "the checkpoint of step %lld is kept"), checkpoint_path, (long long) trainer->step,
                 trainer->last_loss.total, (long long) saved_step);
  else
    g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_FAILED,
                 _("%s: training stopped at step %lld: the loss or the weights are not finite (loss %g); "
                   "nothing was written"), model_path, (long long) trainer->step, trainer->last_loss.total);
  return FALSE;
}

static gboolean
save_all (ScvaeTrainer *trainer, ScvaeDataset *train, const char *model_path,
          const char *checkpoint_path, double elapsed, GError **error)
{
  record_provenance (trainer, train, elapsed);
  return scvae_model_save (trainer->model, model_path, error)
         && scvae__trainer_save_checkpoint (trainer, checkpoint_path, elapsed, error);
}

gboolean
scvae_trainer_run (ScvaeTrainer *trainer,
                   ScvaeDataset *train,
                   ScvaeDataset *val,
                   const char *model_path,
                   const char *checkpoint_path,
                   ScvaeTrainCallback callback,
                   gpointer user_data,
                   GError **error)
{
  const ScvaeTrainOptions *o = &trainer->options;
  gint64 run_start = g_get_monotonic_time ();
  gint64 first_step = trainer->step;
  gint64 saved_step = trainer->step > 0 ? trainer->step : -1; /* a resumed run's checkpoint */
  double budget_s = o->minutes * 60.0;
  double reserve_s = 0.0; /* of the budget, for reestimate_batchnorm */
  BatchLoader *loader = scvae__batch_loader_new (train, o->seed, trainer->step, o->batch);
  ScvaeTrainProgress progress = { .val_psnr = NAN, .val_ssim = NAN };
  double ema_loss = NAN, ema_mse = NAN, ema_active = NAN;
  gboolean keep_going = TRUE, ok = TRUE;

  if (trainer->planned_steps <= 0)
    trainer->planned_steps = G_MAXINT64; /* until calibrated below */

  /* A finished run that is resumed trains no further; it re-estimates the
   * BatchNorm statistics (the same batches and weights give the same
   * values, and a model finished before that pass existed gets it),
   * validates and rewrites its outputs. */
  if ((o->steps > 0 && trainer->step >= o->steps) || (budget_s > 0 && trainer->elapsed_before >= budget_s))
    keep_going = FALSE;
  if (!keep_going)
    reestimate_batchnorm (trainer, train);
  if (!keep_going && val)
    {
      Validation v;

      validate (trainer->model, val, &v);
      record_atom_statistics (trainer->model, &v);
      validation_clear (&v);
    }

  while (keep_going)
    {
      const float *batch = scvae__batch_loader_next (loader);
      double elapsed, run_elapsed;

      if (!step_is_finite (trainer, scvae_trainer_step (trainer, batch, o->batch, o->crop)))
        {
          ok = diverged (trainer, model_path, checkpoint_path, saved_step, error);
          break;
        }
      run_elapsed = (g_get_monotonic_time () - run_start) / 1e6;
      elapsed = trainer->elapsed_before + run_elapsed;

      /* A time budget: size the cosine schedule by the measured speed. */
      if (o->steps <= 0 && trainer->step - first_step == CALIBRATION_STEPS)
        {
          double step_s = run_elapsed / CALIBRATION_STEPS;

          reserve_s = BATCHNORM_BATCHES * FORWARD_SHARE_OF_STEP * step_s;
          if (trainer->planned_steps == G_MAXINT64)
            trainer->planned_steps = trainer->step + (gint64) ((budget_s - reserve_s - elapsed) / step_s);
        }

      ema_loss = isnan (ema_loss) ? trainer->last_loss.total
                                  : (1 - EMA_WEIGHT) * ema_loss + EMA_WEIGHT * trainer->last_loss.total;
      ema_mse = isnan (ema_mse) ? trainer->last_loss.image
                                : (1 - EMA_WEIGHT) * ema_mse + EMA_WEIGHT * trainer->last_loss.image;
      ema_active = isnan (ema_active) ? trainer->last_loss.active_fraction
                                      : (1 - EMA_WEIGHT) * ema_active + EMA_WEIGHT * trainer->last_loss.active_fraction;

      if ((o->steps > 0 && trainer->step >= o->steps) || (budget_s > 0 && elapsed + reserve_s >= budget_s))
        {
          keep_going = FALSE;
          reestimate_batchnorm (trainer, train);
          elapsed = elapsed_total (trainer, run_start);
        }

      progress.step = trainer->step;
      progress.total_steps = o->steps;
      progress.elapsed_s = elapsed;
      progress.fraction_done = o->steps > 0 ? (double) trainer->step / o->steps : elapsed / budget_s;
      if (o->steps > 0 && budget_s > 0)
        progress.fraction_done = MAX (progress.fraction_done, elapsed / budget_s);
      progress.loss = ema_loss;
      progress.train_psnr = 10.0 * log10 (4.0 / ema_mse);
      progress.active_fraction = ema_active;
      progress.images_per_s = (trainer->step - first_step) * o->batch / run_elapsed;
      progress.lr = scvae__learning_rate_at (trainer->step - 1, trainer->planned_steps, o->warmup_steps,
                                             o->lr, o->min_lr_fraction);
      progress.val_psnr = progress.val_ssim = NAN;
      progress.atoms_used = -1;
      progress.atoms_resampled = trainer->resampled;
      progress.val_codes = (ScvaeCodeHealth) { 0 };
      progress.lista_c = trainer->model->tensors.step ? trainer->model->tensors.step[0] : NAN;
      progress.feature_rms = feature_rms (trainer);
      if (val && (!keep_going || (o->validate_every && trainer->step % o->validate_every == 0)))
        {
          Validation v;

          validate (trainer->model, val, &v);
          progress.val_psnr = v.psnr;
          progress.val_ssim = v.ssim;
          progress.active_fraction = v.codes.active_fraction;
          progress.atoms_used = v.codes.atoms_used;
          progress.val_codes = v.codes;
          dictionary_health (trainer->model, &progress.dictionary);
          record_atom_statistics (trainer->model, &v);
          validation_clear (&v);
        }

      if (callback && !callback (&progress, user_data))
        keep_going = FALSE;

      if (keep_going && o->checkpoint_every && trainer->step % o->checkpoint_every == 0)
        {
          ok = save_all (trainer, train, model_path, checkpoint_path, elapsed, error);
          saved_step = ok ? trainer->step : saved_step;
        }
      if (!ok)
        break;
    }

  scvae__batch_loader_free (loader);
  if (ok)
    ok = save_all (trainer, train, model_path, checkpoint_path, elapsed_total (trainer, run_start), error);
  trainer->elapsed_before = elapsed_total (trainer, run_start);
  return ok;
}
