/* test-training.c: the parts of training around the gradients: the
 * learning-rate schedule, dictionary upkeep and the BatchNorm average
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "batchnorm.h"
#include "check.h"
#include "optimizer.h"
#include "resample.h"
#include "safetensors.h"
#include "scvae.h"

static char *tmp;

/* A tiny model: C = 4, K = 16, T = 3 (a Gaussian's K = C). */
static ScvaeModel *
tiny_model_with (ScvaeBottleneck bottleneck)
{
  ScvaeConfig config;
  g_autoptr(GError) error = NULL;
  ScvaeModel *model;

  scvae_config_init_default (&config);
  config.bottleneck = bottleneck;
  config.channels = 4;
  config.atoms = bottleneck == SCVAE_BOTTLENECK_GAUSSIAN ? 4 : 16;
  config.lista_steps = bottleneck == SCVAE_BOTTLENECK_LISTA ? 3 : 0;
  config.beta = 0.05f;
  config.whiten = 1.f;
  model = scvae_model_new (&config, 7, &error);
  g_assert_no_error (error);
  return model;
}

static ScvaeModel *
tiny_model (void)
{
  return tiny_model_with (SCVAE_BOTTLENECK_LISTA);
}

/* Two smooth 40 x 40 pictures with some texture, written as PNGs. */
static char *
write_photos (void)
{
  char *folder = g_build_filename (tmp, "photos", NULL);
  Rng rng;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  scvae__rng_seed (&rng, 11);
  for (int n = 0; n < 2; n++)
    {
      g_autoptr(ScvaeImage) image = scvae_image_new (40, 40);
      g_autofree char *name = g_strdup_printf ("photo-%d.png", n);
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_autoptr(GError) error = NULL;

      for (int c = 0; c < 3; c++)
        for (int y = 0; y < 40; y++)
          for (int x = 0; x < 40; x++)
            image->data[(c * 40 + y) * 40 + x] =
              0.6f * sinf (0.2f * (x + 7 * n) + 0.4f * c) * cosf (0.15f * y) + 0.2f * (scvae__rng_uniform (&rng) - 0.5f);
      scvae_image_save_png (image, path, &error);
      g_assert_no_error (error);
    }
  return folder;
}

/* Warm-up rises linearly to the peak, then a cosine falls to a floor, as
 * tools/reference/train-reference's learning_rate() (worked by hand: peak
 * 1e-3, 100 warm-up steps of 1100, floor 5 %). */
static void
test_learning_rate (void)
{
  const float lr = 1e-3f, floor = 0.05f;

  g_assert_cmpfloat_with_epsilon (scvae__learning_rate_at (0, 1100, 100, lr, floor), 1e-5, 1e-12);
  g_assert_cmpfloat_with_epsilon (scvae__learning_rate_at (49, 1100, 100, lr, floor), 5e-4, 1e-10);
  g_assert_cmpfloat_with_epsilon (scvae__learning_rate_at (99, 1100, 100, lr, floor), 1e-3, 1e-10);
  g_assert_cmpfloat_with_epsilon (scvae__learning_rate_at (100, 1100, 100, lr, floor), 1e-3, 1e-10);
  /* Half-way through the decay: floor + (1 - floor) / 2. */
  g_assert_cmpfloat_with_epsilon (scvae__learning_rate_at (600, 1100, 100, lr, floor), 5.25e-4, 1e-9);
  /* A quarter: floor + (1 - floor) (1 + cos(pi/4)) / 2 = 0.8609... */
  g_assert_cmpfloat_with_epsilon (scvae__learning_rate_at (350, 1100, 100, lr, floor),
                                  1e-3 * (0.05 + 0.95 * 0.5 * (1 + cos (G_PI / 4))), 1e-9);
  g_assert_cmpfloat_with_epsilon (scvae__learning_rate_at (1100, 1100, 100, lr, floor), 5e-5, 1e-11);
  g_assert_cmpfloat_with_epsilon (scvae__learning_rate_at (5000, 1100, 100, lr, floor), 5e-5, 1e-11);
  /* No room for a decay: the peak throughout. */
  g_assert_cmpfloat (scvae__learning_rate_at (500, 50, 100, lr, floor), ==, lr);
}

/* Four atoms in C = 3 (columns of D):
 *   a0 = (1, 0, 0)             fired 10 times
 *   a1 = (0, 1, 0)             fired 0 times: dead
 *   a2 = (0.6, 0.8, 0)         fired 5 times
 *   a3 = (1, 0.1, 0) / |.|     fired 3 times; |cos(a0, a3)| = 0.995: a twin
 *                              of a0 that fired less, so it moves
 * Residuals e - ehat of four rows, worst first:
 *   r0 = (0, 3, 0)      9      (0, 1, 0): away from the kept a0 and a2 -> a1
 *   r1 = (2, 0, 0.1)    4.01   cos 0.9988 with a0: skipped
 *   r2 = (0, 0, 1.5)    2.25   (0, 0, 1) -> a3
 *   r3 = (0.1, 0.1, 0.1)       not needed */
static void
test_resample (void)
{
  float D[3 * 4] = {
    1, 0, 0.6f, 1,
    0, 1, 0.8f, 0.1f,
    0, 0, 0, 0,
  };
  const float hits[4] = { 10, 0, 5, 3 };
  const float e[4 * 3] = {
    0, 3, 0,
    2, 0, 0.1f,
    0, 0, 1.5f,
    0.1f, 0.1f, 0.1f,
  };
  const float ehat[4 * 3] = { 0 };
  const float a0[3] = { 1, 0, 0 }, a2[3] = { 0.6f, 0.8f, 0 };
  gboolean moved[4];
  float length = sqrtf (1.01f);

  for (int i = 0; i < 3; i++)
    D[i * 4 + 3] /= length;
  g_assert_cmpint (scvae__resample_atoms (D, 3, 4, hits, 1.f, e, ehat, 4, moved), ==, 2);
  g_assert_false (moved[0]);
  g_assert_true (moved[1]);
  g_assert_false (moved[2]);
  g_assert_true (moved[3]);
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpfloat (D[i * 4 + 0], ==, a0[i]);
      g_assert_cmpfloat (D[i * 4 + 1], ==, i == 1 ? 1.f : 0.f);
      g_assert_cmpfloat (D[i * 4 + 2], ==, a2[i]);
      g_assert_cmpfloat (D[i * 4 + 3], ==, i == 2 ? 1.f : 0.f);
    }

  /* Nothing dead, nothing twin: nothing moves. */
  {
    const float busy[4] = { 10, 10, 10, 10 };

    g_assert_cmpint (scvae__resample_atoms (D, 3, 4, busy, 1.f, e, ehat, 4, moved), ==, 0);
    for (int k = 0; k < 4; k++)
      g_assert_false (moved[k]);
  }

  /* A dead atom with no residual pointing away stays where it is. */
  {
    const float only_a0[1 * 3] = { 5, 0, 0 };
    const float dead[4] = { 10, 0, 10, 10 };
    float before[3 * 4];

    memcpy (before, D, sizeof D);
    g_assert_cmpint (scvae__resample_atoms (D, 3, 4, dead, 1.f, only_a0, ehat, 1, moved), ==, 0);
    g_assert_false (moved[1]);
    g_assert_cmpmem (D, sizeof D, before, sizeof before);
  }
}

/* Precise BatchNorm: momentum 1/i over a series of batches leaves their
 * plain average in the running statistics, as PyTorch's momentum=None
 * (train-reference's BatchNorm pass). One channel, three batches of four:
 *   {1, 2, 3, 4}   mean 2.5, unbiased variance 5/3
 *   {0, 0, 0, 4}   mean 1,   variance 4
 *   {2, 2, 2, 2}   mean 2,   variance 0
 * average mean 11/6, average variance 17/9. */
static void
test_batchnorm_average (void)
{
  const float batches[3][4] = { { 1, 2, 3, 4 }, { 0, 0, 0, 4 }, { 2, 2, 2, 2 } };
  float weight = 1, bias = 0, running_mean = 7, running_var = 7, y[4], mean, inv_std;
  BatchNormParams p = { &weight, &bias, &running_mean, &running_var };
  BatchNormSaved saved = { &mean, &inv_std };

  for (int i = 1; i <= 3; i++)
    scvae__batchnorm_forward_train (&p, 1, 4, batches[i - 1], y, &saved, 1.f / i);
  g_assert_cmpfloat_with_epsilon (running_mean, 11.0 / 6.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (running_var, 17.0 / 9.0, 1e-6);
}

/* Training learns: on one fixed batch the loss falls to under a fifth of
 * its start in 150 steps (it falls to about 0.08 of it). */
static void
test_overfit (void)
{
  g_autoptr(ScvaeModel) model = tiny_model ();
  g_autoptr(ScvaeTrainer) trainer = NULL;
  g_autoptr(GError) error = NULL;
  ScvaeTrainOptions options;
  const int batch = 2, size = 16;
  gsize n = (gsize) 3 * batch * size * size;
  g_autofree float *input = g_new (float, n);
  double first, last = 0.0;
  Rng rng;

  scvae__rng_seed (&rng, 3);
  for (gsize i = 0; i < n; i++)
    input[i] = 0.7f * sinf (0.3f * (float) (i % size) + (float) (i / (size * size))) + 0.1f * (scvae__rng_uniform (&rng) - 0.5f);
  scvae_train_options_init_default (&options);
  options.steps = 150;
  options.warmup_steps = 10;
  options.lr = 5e-3f;
  trainer = scvae_trainer_new (model, &options, &error);
  g_assert_no_error (error);
  first = scvae_trainer_step (trainer, input, batch, size);
  for (int step = 1; step < 150; step++)
    last = scvae_trainer_step (trainer, input, batch, size);
  g_test_message ("loss %.5f -> %.5f (%.3f of the start)", first, last, last / first);
  g_assert_true (isfinite (last));
  g_assert_cmpfloat (last, <, 0.2 * first);
}

static gboolean
stop_at_step (const ScvaeTrainProgress *progress, gpointer data)
{
  return progress->step < GPOINTER_TO_INT (data);
}

static float *
read_all (const char *path, const char *name, gsize *numel)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SafetensorsFile) file = scvae__safetensors_open (path, &error);
  const SafetensorsEntry *entry;
  float *data;

  g_assert_no_error (error);
  entry = scvae__safetensors_find (file, name);
  g_assert_nonnull (entry);
  data = g_new (float, entry->numel);
  scvae__safetensors_read_f32 (file, entry, data);
  *numel = entry->numel;
  return data;
}

/* A run killed after a checkpoint and resumed ends with the same weights,
 * BatchNorm statistics, Adam moments and atom counts, bit for bit, as the
 * same run uninterrupted: the data order (and a Gaussian's noise) is a
 * function of (seed, step), and the checkpoint holds the rest (a VQ
 * codebook's moving averages among it). The run crosses a resampling
 * (step 250) on each side of the interruption. */
static void
test_resume_exact (gconstpointer kind)
{
  ScvaeBottleneck bottleneck = GPOINTER_TO_INT (kind);
  g_autofree char *photos = write_photos ();
  const char *data[] = { photos, NULL };
  g_autoptr(ScvaeDataset) dataset = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *whole = g_build_filename (tmp, "whole.safetensors", NULL);
  g_autofree char *whole_ckpt = g_build_filename (tmp, "whole.ckpt", NULL);
  g_autofree char *parts = g_build_filename (tmp, "parts.safetensors", NULL);
  g_autofree char *parts_ckpt = g_build_filename (tmp, "parts.ckpt", NULL);
  const char *lista[] = { "lista.dictionary", "lista.c", "encoder.0.weight", "encoder.1.running_mean",
                          "decoder.6.bias", "optimizer.m.encoder.3.weight", "optimizer.v.lista.dictionary",
                          "optimizer.atom_hits", NULL };
  const char *vq[] = { "vq.codebook", "vq.ema_counts", "vq.ema_sums", "encoder.0.weight", "decoder.6.bias",
                       "optimizer.m.encoder.3.weight", NULL };
  const char *gaussian[] = { "gaussian.mean.weight", "gaussian.logvar.bias", "encoder.0.weight",
                             "encoder.1.running_mean", "decoder.6.bias", "optimizer.v.gaussian.logvar.weight",
                             NULL };
  const char **compared = bottleneck == SCVAE_BOTTLENECK_VQ ? vq
                          : bottleneck == SCVAE_BOTTLENECK_GAUSSIAN ? gaussian : lista;
  ScvaeTrainOptions options;

  dataset = scvae_dataset_new (data, 0, 16, &error);
  g_assert_no_error (error);
  scvae_train_options_init_default (&options);
  options.steps = 300;
  options.batch = 2;
  options.crop = 16;
  options.warmup_steps = 20;
  options.checkpoint_every = 0;
  options.seed = 5;

  {
    g_autoptr(ScvaeModel) model = tiny_model_with (bottleneck);
    g_autoptr(ScvaeTrainer) trainer = scvae_trainer_new (model, &options, &error);

    g_assert_true (scvae_trainer_run (trainer, dataset, NULL, whole, whole_ckpt, NULL, NULL, &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr(ScvaeModel) model = tiny_model_with (bottleneck);
    g_autoptr(ScvaeTrainer) trainer = scvae_trainer_new (model, &options, &error);

    /* Interrupted: the callback says stop at step 260, as Ctrl-C does. */
    g_assert_true (scvae_trainer_run (trainer, dataset, NULL, parts, parts_ckpt, stop_at_step,
                                      GINT_TO_POINTER (260), &error));
    g_assert_cmpint (scvae_trainer_get_step (trainer), ==, 260);
  }
  {
    g_autoptr(ScvaeModel) model = scvae_model_load (parts_ckpt, &error);
    g_autoptr(ScvaeTrainer) trainer = NULL;

    g_assert_no_error (error);
    trainer = scvae_trainer_new (model, &options, &error);
    g_assert_true (scvae_trainer_resume (trainer, parts_ckpt, &error));
    g_assert_true (scvae_trainer_run (trainer, dataset, NULL, parts, parts_ckpt, NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (scvae_trainer_get_step (trainer), ==, 300);
  }

  for (int i = 0; compared[i]; i++)
    {
      gsize n_whole, n_parts;
      g_autofree float *a = read_all (whole_ckpt, compared[i], &n_whole);
      g_autofree float *b = read_all (parts_ckpt, compared[i], &n_parts);

      g_assert_cmpmem (a, n_whole * sizeof (float), b, n_parts * sizeof (float));
    }
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp = g_dir_make_tmp ("scvae-training-XXXXXX", &error);
  g_assert_no_error (error);
  g_test_add_func ("/training/learning-rate", test_learning_rate);
  g_test_add_func ("/training/resample", test_resample);
  g_test_add_func ("/training/batchnorm-average", test_batchnorm_average);
  g_test_add_func ("/training/overfit", test_overfit);
  g_test_add_data_func ("/training/resume-exact", GINT_TO_POINTER (SCVAE_BOTTLENECK_LISTA), test_resume_exact);
  g_test_add_data_func ("/training/resume-exact/vq", GINT_TO_POINTER (SCVAE_BOTTLENECK_VQ), test_resume_exact);
  g_test_add_data_func ("/training/resume-exact/gaussian", GINT_TO_POINTER (SCVAE_BOTTLENECK_GAUSSIAN),
                        test_resume_exact);

  status = g_test_run ();
  if (status == 0)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", tmp);
      (void) !system (command);
    }
  return status;
}
