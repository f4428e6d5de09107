/* train.c: scvae train
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static volatile sig_atomic_t interrupted = 0;

static void
on_interrupt (int signum)
{
  /* A second Ctrl-C kills at once, as the user then expects. */
  interrupted = 1;
  signal (signum, SIG_DFL);
}

typedef struct {
  gboolean tty;
  FILE *log;          /* CSV, or NULL */
  const char *log_path;
  int log_errno;      /* why writing the log failed, or 0 */
  gint64 last_line;   /* step of the last plain log line */
  double last_draw;   /* elapsed seconds at the last progress bar */
  int channels;       /* C, for the dictionary's effective rank "of C" */
  ScvaeBottleneck bottleneck;
} Reporter;

static void
draw_bar (const ScvaeTrainProgress *p)
{
  const int width = 24;
  int filled = (int) CLAMP (p->fraction_done * width, 0, width);
  g_autofree char *eta = cli_format_duration (p->fraction_done > 0.001
                                              ? p->elapsed_s * (1 - p->fraction_done) / p->fraction_done
                                              : 0);
  char bar[32];

  memset (bar, '#', filled);
  memset (bar + filled, '.', width - filled);
  bar[width] = '\0';
  fprintf (stderr, "\r[%s] ", bar);
  /* Translators: the progress line after the bar: done, the step, the
   * training loss and PSNR, the speed and the time left. Keep it short. */
  fprintf (stderr, _("%3.0f%% step %lld loss %.4f PSNR %.2f dB %.0f img/s ETA %s"),
           100 * p->fraction_done, (long long) p->step, p->loss, p->train_psnr, p->images_per_s, eta);
  fputs ("\033[K", stderr);
}

/* A log that cannot be written stops the run (with a checkpoint): a log
 * the user asked for must not silently end. */
static gboolean
log_written (Reporter *r)
{
  if (fflush (r->log) == 0 && !ferror (r->log))
    return TRUE;
  r->log_errno = errno ? errno : EIO;
  return FALSE;
}

static int
log_failed (Reporter *r)
{
  g_autoptr(GError) error = NULL;

  g_set_error (&error, SCVAE_ERROR, SCVAE_ERROR_FAILED, _("%s: cannot write: %s"), r->log_path,
               g_strerror (r->log_errno));
  return cli_report (error);
}

static gboolean
report (const ScvaeTrainProgress *p, gpointer user_data)
{
  Reporter *r = user_data;
  gboolean validated = !isnan (p->val_psnr);

  if (validated)
    {
      g_autofree char *elapsed = cli_format_duration (p->elapsed_s);

      if (r->tty)
        fprintf (stderr, "\r\033[K");
      /* Translators: the line after a validation pass: the step, the time
       * since the start, the losses and quality on the training and the
       * validation photos, the active codes, and the atoms used and those
       * that were dead and resampled. */
      fprintf (stderr, ngettext ("step %lld (%s): loss %.4f, train PSNR %.2f dB, "
                                 "val PSNR %.2f dB, SSIM %.4f, %.1f%% active, %d atom used, %d resampled\n",
                                 "step %lld (%s): loss %.4f, train PSNR %.2f dB, "
                                 "val PSNR %.2f dB, SSIM %.4f, %.1f%% active, %d atoms used, %d resampled\n",
                                 p->atoms_used),
               (long long) p->step, elapsed, p->loss, p->train_psnr, p->val_psnr, p->val_ssim,
               100 * p->active_fraction, p->atoms_used, p->atoms_resampled);
      fprintf (stderr, "  ");
      cli_print_code_health (stderr, &p->val_codes);
      fprintf (stderr, "  ");
      cli_print_dictionary_health (stderr, &p->dictionary, r->channels, r->bottleneck);
      r->last_line = p->step;
    }
  else if (r->tty && p->elapsed_s - r->last_draw > 0.2)
    {
      draw_bar (p);
      r->last_draw = p->elapsed_s;
    }
  else if (!r->tty && p->step - r->last_line >= 100)
    {
      /* Translators: "lr" is the learning rate. */
      fprintf (stderr, _("step %lld: loss %.4f, train PSNR %.2f dB, %.0f images/s, lr %.2e\n"),
               (long long) p->step, p->loss, p->train_psnr, p->images_per_s, p->lr);
      r->last_line = p->step;
    }

  if (r->log && (validated || p->step % 50 == 0))
    {
      fprintf (r->log, "%" G_GINT64_FORMAT ",%.2f,%.6f,%.4f,", p->step, p->elapsed_s, p->loss, p->train_psnr);
      if (validated)
        fprintf (r->log, "%.4f,%.5f,%.5f,%d,%.1f,%d,%.2f,%.5f,", p->val_psnr, p->val_ssim, p->active_fraction,
                 p->atoms_used, p->val_codes.atoms_per_patch_median, p->val_codes.dense_atoms,
                 p->dictionary.effective_rank, p->dictionary.pairs_cos_above_0_9);
      else
        fprintf (r->log, ",,%.5f,,,,,,", p->active_fraction);
      fprintf (r->log, "%.4g,%.4g\n", p->lista_c, p->feature_rms);
      if (!log_written (r))
        return FALSE;
    }

  if (interrupted)
    {
      if (r->tty)
        fprintf (stderr, "\r\033[K");
      fprintf (stderr, _("scvae: interrupted at step %lld, saving a checkpoint\n"), (long long) p->step);
      return FALSE;
    }
  return TRUE;
}

/* The rule for unusable files among the photos: each is skipped with a
 * line saying why, and counted. */
static void
report_skipped (ScvaeDataset *dataset)
{
  const char * const *skipped = scvae_dataset_get_skipped (dataset);
  guint n = g_strv_length ((char **) skipped);

  for (guint i = 0; i < n; i++)
    fprintf (stderr, _("scvae: skipping %s\n"), skipped[i]);
  if (n > 0)
    fprintf (stderr, ngettext ("scvae: %u file skipped: it is not a usable image\n",
                               "scvae: %u files skipped: they are not usable images\n", n), n);
}

/* A run from --init writes its own steps, recipe and date over the file's:
 * what the weights went through before is kept in "previous_training", one
 * entry per run ("13000 steps: batch=16 ... lifetime=0"), oldest first,
 * separated by "; ". */
static void
remember_previous_training (ScvaeModel *model)
{
  const char *keys[] = { "beta", "gamma", "l1", "whiten", "center", "lifetime" };
  const char *steps = scvae_model_get_metadata (model, "steps");
  const char *recipe = scvae_model_get_metadata (model, "train_recipe");
  const char *earlier = scvae_model_get_metadata (model, "previous_training");
  g_autoptr(GString) line = NULL;

  if (steps == NULL)
    return;
  line = g_string_new (earlier);
  if (earlier)
    g_string_append (line, "; ");
  g_string_append_printf (line, "%s steps:", steps);
  if (recipe)
    g_string_append_printf (line, " %s", recipe);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const char *value = scvae_model_get_metadata (model, keys[i]);

      if (value)
        g_string_append_printf (line, " %s=%s", keys[i], value);
    }
  scvae_model_set_metadata (model, "previous_training", line->str);
}

int
cli_train (int argc, char **argv)
{
  g_auto(GStrv) data = NULL, val = NULL;
  g_autofree char *out = NULL, *init = NULL, *log_path = NULL, *bottleneck_name = NULL;
  ScvaeConfig config;
  ScvaeTrainOptions options;
  gint64 steps = 0, checkpoint_every = -1, validate_every = -1, seed = 1;
  double minutes = 0, lr, beta, gamma, l1, whiten, center, lifetime, commitment, ema_decay, kl_weight;
  int channels, atoms, depth, crop, batch, warmup;
  gboolean resume = FALSE, force = FALSE;
  CliTrainFlags given;
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeModel) model = NULL;
  g_autoptr(ScvaeDataset) train_set = NULL, val_set = NULL;
  g_autoptr(ScvaeTrainer) trainer = NULL;
  g_autofree char *checkpoint = NULL, *threads = NULL;
  int n_images;
  Reporter reporter = { .tty = isatty (STDERR_FILENO) };
  gboolean ok;

  scvae_config_init_default (&config);
  scvae_train_options_init_default (&options);
  /* Not given until parsed: --resume and --init must tell a flag given
   * from a default (a negative value is given, and refused later). */
  channels = atoms = depth = crop = batch = CLI_NOT_GIVEN;
  beta = gamma = l1 = whiten = center = lifetime = commitment = ema_decay = kl_weight = NAN;
  lr = options.lr, warmup = options.warmup_steps;

  {
    const GOptionEntry entries[] = {
      { "data", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &data, N_("Training images: a folder, an image, or a text list of paths (repeatable)"), N_("DIR|LIST") },
      { "val", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &val, N_("Validation images, measured at up to 512 px (repeatable)"), N_("DIR|LIST") },
      { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("Where to write the model; the checkpoint goes to OUT.ckpt"), N_("MODEL") },
      { "init", 0, 0, G_OPTION_ARG_FILENAME, &init, N_("Start a new run from this model's weights, with the loss weights given here and the model's for the others"), N_("MODEL") },
      { "resume", 0, 0, G_OPTION_ARG_NONE, &resume, N_("Continue from OUT.ckpt"), NULL },
      { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_("Replace an existing model and checkpoint at OUT"), NULL },
      { "steps", 0, 0, G_OPTION_ARG_INT64, &steps, N_("Optimisation steps"), N_("N") },
      { "minutes", 0, 0, G_OPTION_ARG_DOUBLE, &minutes, N_("Wall-clock budget (with --steps: whichever ends first)"), N_("M") },
      { "bottleneck", 0, 0, G_OPTION_ARG_STRING, &bottleneck_name, N_("lista (sparse codes, the default), vq (nearest code, VQ-VAE) or gaussian (VAE): the same encoder and decoder around another bottleneck"), N_("KIND") },
      { "channels", 0, 0, G_OPTION_ARG_INT, &channels, N_("Latent channels C, a perfect square (default 64)"), N_("C") },
      { "atoms", 0, 0, G_OPTION_ARG_INT, &atoms, N_("Dictionary atoms K (default 256)"), N_("K") },
      { "depth", 0, 0, G_OPTION_ARG_INT, &depth, N_("LISTA steps T (default 16)"), N_("T") },
      { "beta", 0, 0, G_OPTION_ARG_DOUBLE, &beta, N_("Sparsity weight: threshold = beta / c (default 0.35)"), N_("B") },
      { "gamma", 0, 0, G_OPTION_ARG_DOUBLE, &gamma, N_("Weight of the latent loss mean((e - Dz)^2) (default 1)"), N_("G") },
      { "l1", 0, 0, G_OPTION_ARG_DOUBLE, &l1, N_("Weight of the mean(|z|) loss (default 0)"), N_("L") },
      { "whiten", 0, 0, G_OPTION_ARG_DOUBLE, &whiten, N_("Weight of the loss |E[e e^T] - I|^2 / C^2 that holds the features at unit scale in every direction (default 10)"), N_("W") },
      { "center", 0, 0, G_OPTION_ARG_DOUBLE, &center, N_("Weight of the loss |E[e]|^2 / C that keeps the features centred, so that no atom codes a constant every patch carries (default 0)"), N_("W") },
      { "lifetime", 0, 0, G_OPTION_ARG_DOUBLE, &lifetime, N_("Weight of an L1 on the codes of atoms active on more than a quarter of the patches, which keeps atoms from firing everywhere (default 0)"), N_("W") },
      { "commitment", 0, 0, G_OPTION_ARG_DOUBLE, &commitment, N_("vq: weight of the commitment loss mean((e - q)^2) (default 0.25)"), N_("W") },
      { "ema-decay", 0, 0, G_OPTION_ARG_DOUBLE, &ema_decay, N_("vq: how much of the codebook's moving averages a step keeps (default 0.99)"), N_("G") },
      { "kl-weight", 0, 0, G_OPTION_ARG_DOUBLE, &kl_weight, N_("gaussian: weight of the KL divergence, summed over channels and averaged over patches (default 0.001)"), N_("W") },
      { "crop", 0, 0, G_OPTION_ARG_INT, &crop, N_("Training crop side, a multiple of 4 (default 64)"), N_("PX") },
      { "batch", 0, 0, G_OPTION_ARG_INT, &batch, N_("Crops per step (default 16)"), N_("N") },
      { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, N_("Peak learning rate (default 1e-3; warm-up, then cosine)"), N_("X") },
      { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, N_("Warm-up steps (default 200)"), N_("N") },
      { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Random seed for weights and crops (default 1)"), N_("S") },
      { "checkpoint-every", 0, 0, G_OPTION_ARG_INT64, &checkpoint_every, N_("Steps between checkpoints (default 500)"), N_("N") },
      { "validate-every", 0, 0, G_OPTION_ARG_INT64, &validate_every, N_("Steps between validation passes (default 500)"), N_("N") },
      { "log", 0, 0, G_OPTION_ARG_FILENAME, &log_path, N_("Append progress as CSV to this file"), N_("FILE") },
      { NULL },
    };

    if (!cli_parse_options ("train", "",
                            N_("Trains an SC-VAE on photos. Shows a progress bar on a terminal, log lines "
                               "otherwise. Ctrl-C saves a checkpoint and exits with status 130; --resume "
                               "continues from it."),
                            entries, &argc, &argv))
      return CLI_BAD_INPUT;
  }
  if (argc != 1)
    return cli_usage_error ("train", _("unexpected argument '%s'"), argv[1]);
  if (data == NULL)
    return cli_usage_error ("train", _("--data is required"));
  if (out == NULL)
    return cli_usage_error ("train", _("--out is required"));
  if (resume && init)
    return cli_usage_error ("train", _("--resume and --init exclude each other"));

  given = (CliTrainFlags) { CLI_NOT_GIVEN, channels, atoms, depth, crop, batch, beta, gamma, l1, whiten, center,
                            lifetime, commitment, ema_decay, kl_weight };
  if (bottleneck_name)
    {
      ScvaeBottleneck kind;

      if (!scvae_bottleneck_from_string (bottleneck_name, &kind))
        return cli_usage_error ("train", _("--bottleneck must be lista, vq or gaussian (got '%s')"), bottleneck_name);
      given.bottleneck = kind;
      config.bottleneck = kind;
    }
  if (!resume && !init && !cli_train_check_applicable (config.bottleneck, &given, &error))
    return cli_report (error);
  config.channels = channels == CLI_NOT_GIVEN ? config.channels : channels;
  config.atoms = atoms == CLI_NOT_GIVEN ? config.atoms : atoms;
  config.lista_steps = depth == CLI_NOT_GIVEN ? config.lista_steps : depth;
  config.beta = isnan (beta) ? config.beta : (float) beta;
  config.gamma = isnan (gamma) ? config.gamma : (float) gamma;
  config.l1 = isnan (l1) ? config.l1 : (float) l1;
  config.whiten = isnan (whiten) ? config.whiten : (float) whiten;
  config.center = isnan (center) ? config.center : (float) center;
  config.lifetime = isnan (lifetime) ? config.lifetime : (float) lifetime;
  config.commitment = isnan (commitment) ? config.commitment : (float) commitment;
  config.ema_decay = isnan (ema_decay) ? config.ema_decay : (float) ema_decay;
  config.kl_weight = isnan (kl_weight) ? config.kl_weight : (float) kl_weight;
  if (config.bottleneck == SCVAE_BOTTLENECK_GAUSSIAN)
    {
      /* One code per latent channel; --atoms must say the same, if given. */
      if (atoms != CLI_NOT_GIVEN && atoms != config.channels)
        return cli_usage_error ("train", _("a Gaussian bottleneck has one code per channel: --atoms must equal --channels"));
      config.atoms = config.channels;
    }
  if (config.bottleneck != SCVAE_BOTTLENECK_LISTA)
    {
      config.lista_steps = 0;
      config.beta = config.gamma = config.l1 = config.lifetime = 0.f;
    }
  options.steps = steps;
  options.minutes = minutes;
  options.crop = crop == CLI_NOT_GIVEN ? options.crop : crop;
  options.batch = batch == CLI_NOT_GIVEN ? options.batch : batch;
  options.lr = (float) lr;
  options.warmup_steps = warmup;
  options.seed = (guint64) seed;
  if (checkpoint_every >= 0)
    options.checkpoint_every = checkpoint_every;
  if (validate_every >= 0)
    options.validate_every = validate_every;
  checkpoint = g_strconcat (out, ".ckpt", NULL);
  if (!cli_train_check_outputs (out, checkpoint, log_path, resume, force, &error))
    return cli_report (error);

  if (resume)
    model = scvae_model_load (checkpoint, &error);
  else if (init)
    model = scvae_model_load (init, &error);
  else
    model = scvae_model_new (&config, (guint64) seed, &error);
  if (model == NULL)
    return cli_report (error);
  if (init)
    remember_previous_training (model);
  if ((resume || init) && !cli_train_check_flags (model, resume, &given, &options.crop, &options.batch, &error))
    return cli_report (error);

  reporter.channels = scvae_model_get_config (model)->channels;
  reporter.bottleneck = scvae_model_get_config (model)->bottleneck;
  trainer = scvae_trainer_new (model, &options, &error);
  if (trainer == NULL || (resume && !scvae_trainer_resume (trainer, checkpoint, &error)))
    return cli_report (error);
  if (resume && !cli_train_trim_log (log_path, scvae_trainer_get_step (trainer), &error))
    return cli_report (error);

  train_set = scvae_dataset_new ((const char * const *) data, 2048, options.crop, &error);
  if (train_set == NULL)
    return cli_report (error);
  report_skipped (train_set);
  if (val)
    {
      val_set = scvae_dataset_new ((const char * const *) val, options.val_max_side, 0, &error);
      if (val_set == NULL)
        return cli_report (error);
      report_skipped (val_set);
      if (!cli_train_check_validation (model, val_set, &error))
        return cli_report (error);
    }

  if (log_path)
    {
      GStatBuf st;
      /* An empty file (or a device) gets the header too: it is written at
       * once, so a log that cannot be written stops the run before it
       * starts. */
      gboolean fresh = g_stat (log_path, &st) != 0 || st.st_size == 0;

      reporter.log = fopen (log_path, "a");
      reporter.log_path = log_path;
      if (reporter.log == NULL)
        {
          fprintf (stderr, "scvae: %s: %s\n", log_path, g_strerror (errno));
          return CLI_BAD_INPUT;
        }
      /* CSV: the header names columns for programs, not people. */
      if (fresh)
        fprintf (reporter.log, "step,seconds,loss,train_psnr,val_psnr,val_ssim,active_fraction,atoms_used,"
                 "atoms_per_patch_median,dense_atoms,dict_effective_rank,dict_pairs_cos_above_0_9,"
                 "lista_c,feature_rms\n");
      if (!log_written (&reporter))
        {
          fclose (reporter.log);
          return log_failed (&reporter);
        }
    }

  n_images = scvae_dataset_get_n_images (train_set);
  threads = g_strdup_printf (ngettext ("%d thread", "%d threads", scvae_get_threads ()), scvae_get_threads ());
  /* Translators: the model file, the number of training and validation
   * photos, the step training starts from, and "4 threads". */
  fprintf (stderr, ngettext ("training %s on %d image (%d validation) from step %lld, %s\n",
                             "training %s on %d images (%d validation) from step %lld, %s\n", n_images),
           out, n_images, val_set ? scvae_dataset_get_n_images (val_set) : 0,
           (long long) scvae_trainer_get_step (trainer), threads);
  signal (SIGINT, on_interrupt);
  signal (SIGTERM, on_interrupt);
  ok = scvae_trainer_run (trainer, train_set, val_set, out, checkpoint, report, &reporter, &error);
  if (reporter.log && fclose (reporter.log) != 0 && reporter.log_errno == 0)
    reporter.log_errno = errno;
  if (reporter.tty)
    fprintf (stderr, "\r\033[K");
  if (!ok)
    return cli_report (error);
  if (reporter.log_errno)
    return log_failed (&reporter);

  fprintf (stderr, _("wrote %s and %s at step %lld\n"), out, checkpoint,
           (long long) scvae_trainer_get_step (trainer));
  return interrupted ? CLI_INTERRUPTED : CLI_OK;
}
