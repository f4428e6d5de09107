/* test-trainer.c: the training loop when things go wrong
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A run whose loss stops being finite must stop there, keeping the last
 * checkpoint it wrote; a dataset skips the files it cannot use and says
 * which; a checkpoint records the crop and batch its batches were made of.
 */

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "model-private.h"

static char *tmp, *samples;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp, name, NULL);
}

static ScvaeModel *
tiny_model (void)
{
  ScvaeConfig config = { .channels = 4, .atoms = 8, .lista_steps = 2, .beta = 0.1f, .gamma = 1.f };
  g_autoptr(GError) error = NULL;
  ScvaeModel *model = scvae_model_new (&config, 5, &error);

  g_assert_no_error (error);
  return model;
}

static ScvaeDataset *
sample_dataset (void)
{
  const char *paths[] = { samples, NULL };
  g_autoptr(GError) error = NULL;
  ScvaeDataset *dataset = scvae_dataset_new (paths, 256, 32, &error);

  g_assert_no_error (error);
  return dataset;
}

static gint64
checkpoint_step (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeModel) model = scvae_model_load (path, &error);

  g_assert_no_error (error);
  return g_ascii_strtoll (scvae_model_get_metadata (model, "checkpoint_step"), NULL, 10);
}

typedef struct {
  ScvaeModel *model;
  gint64 poison_at;
} Poison;

/* After step poison_at the weights are lost, as a diverging run loses
 * them: the next step's loss is not finite. */
static gboolean
poison (const ScvaeTrainProgress *progress, gpointer data)
{
  Poison *p = data;

  if (progress->step == p->poison_at)
    p->model->tensors.enc_conv1.weight[0] = INFINITY;
  return TRUE;
}

/* Trains the tiny model on the samples for steps, checkpointing every
 * checkpoint_every steps, with the weights lost after step poison_at:
 * the run must fail. Returns the step it stopped at. */
static gint64
run_poisoned (const char *out, const char *checkpoint, gint64 steps, gint64 checkpoint_every,
              gint64 poison_at, GError **error)
{
  g_autoptr(ScvaeModel) model = tiny_model ();
  g_autoptr(ScvaeDataset) data = sample_dataset ();
  ScvaeTrainOptions options;
  Poison p = { model, poison_at };
  g_autoptr(ScvaeTrainer) trainer = NULL;

  scvae_train_options_init_default (&options);
  options.steps = steps;
  options.batch = 2;
  options.crop = 32;
  options.warmup_steps = 2;
  options.checkpoint_every = checkpoint_every;
  trainer = scvae_trainer_new (model, &options, error);
  g_assert_nonnull (trainer);
  g_assert_false (scvae_trainer_run (trainer, data, NULL, out, checkpoint, poison, &p, error));
  g_assert_error (*error, SCVAE_ERROR, SCVAE_ERROR_FAILED);
  g_test_message ("%s", (*error)->message);
  return scvae_trainer_get_step (trainer);
}

static void
test_stops_at_non_finite_loss (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = tmp_path ("diverged.safetensors");
  g_autofree char *checkpoint = tmp_path ("diverged.safetensors.ckpt");
  gint64 stopped_at = run_poisoned (out, checkpoint, 40, 5, 13, &error);
  g_autofree char *expected = NULL;
  g_autoptr(ScvaeModel) kept = NULL;

  expected = g_strdup_printf ("%s: training stopped at step 14: the loss or the weights are not finite", checkpoint);
  g_assert_true (g_str_has_prefix (error->message, expected));
  g_assert_nonnull (strstr (error->message, "the checkpoint of step 10 is kept"));
  g_assert_cmpint (stopped_at, ==, 14);

  /* The files hold step 10, and load. */
  g_clear_error (&error);
  g_assert_cmpint (checkpoint_step (checkpoint), ==, 10);
  kept = scvae_model_load (out, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (scvae_model_get_metadata (kept, "steps"), ==, "10");
}

/* Weights lost just before a checkpoint: the check before every write
 * refuses them, and the files keep the checkpoint before. */
static void
test_refuses_non_finite_checkpoint (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = tmp_path ("unsaved.safetensors");
  g_autofree char *checkpoint = tmp_path ("unsaved.safetensors.ckpt");

  run_poisoned (out, checkpoint, 20, 5, 10, &error);
  g_assert_nonnull (strstr (error->message, "not written: tensor 'encoder.0.weight' holds a non-finite value"));
  g_assert_cmpint (checkpoint_step (checkpoint), ==, 5);
}

/* A run that diverges before its first checkpoint writes nothing. */
static void
test_writes_nothing_before_first_checkpoint (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = tmp_path ("early.safetensors");
  g_autofree char *checkpoint = tmp_path ("early.safetensors.ckpt");

  run_poisoned (out, checkpoint, 20, 10, 1, &error);
  g_assert_nonnull (strstr (error->message, "nothing was written"));
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (checkpoint, G_FILE_TEST_EXISTS));
}

/* What a resumed run must not contradict. */
static void
test_checkpoint_records_crop_and_batch (void)
{
  g_autoptr(ScvaeModel) model = tiny_model ();
  g_autoptr(ScvaeDataset) data = sample_dataset ();
  g_autoptr(ScvaeTrainer) trainer = NULL;
  g_autoptr(ScvaeModel) loaded = NULL, finished = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = tmp_path ("recorded.safetensors");
  g_autofree char *checkpoint = tmp_path ("recorded.safetensors.ckpt");
  ScvaeTrainOptions options;

  scvae_train_options_init_default (&options);
  options.steps = 3;
  options.batch = 3;
  options.crop = 32; /* the dataset's; the default is 64 */
  trainer = scvae_trainer_new (model, &options, &error);
  g_assert_true (scvae_trainer_run (trainer, data, NULL, out, checkpoint, NULL, NULL, &error));
  g_assert_no_error (error);
  loaded = scvae_model_load (checkpoint, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (scvae_model_get_metadata (loaded, "checkpoint_crop"), ==, "32");
  g_assert_cmpstr (scvae_model_get_metadata (loaded, "checkpoint_batch"), ==, "3");
  /* They describe the run, not the model. */
  finished = scvae_model_load (out, &error);
  g_assert_no_error (error);
  g_assert_null (scvae_model_get_metadata (finished, "checkpoint_crop"));
}

/* One rule for every file found: what is not a usable image is skipped,
 * with the reason, and only a dataset without images is an error. */
static void
test_dataset_skips_unusable_files (void)
{
  g_autofree char *folder = tmp_path ("photos");
  g_autofree char *good = g_build_filename (folder, "good.jpg", NULL);
  g_autofree char *source = g_build_filename (samples, "coffee.jpg", NULL);
  g_autofree char *contents = NULL, *expected = NULL;
  const char *paths[] = { folder, NULL };
  g_autoptr(ScvaeDataset) data = NULL, none = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *skipped;
  gsize size;

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_assert_true (g_file_get_contents (source, &contents, &size, NULL));
  g_assert_true (g_file_set_contents (good, contents, size, NULL));
  for (const char * const *name = (const char *[]) { "broken.jpg", "notes.txt", "small.png", NULL }; *name; name++)
    {
      g_autofree char *path = g_build_filename (folder, *name, NULL);

      if (g_str_equal (*name, "broken.jpg"))
        g_assert_true (g_file_set_contents (path, contents, size / 3, NULL));
      else if (g_str_equal (*name, "notes.txt"))
        g_assert_true (g_file_set_contents (path, "not a photo\n", -1, NULL));
      else
        {
          g_autoptr(GdkPixbuf) tiny = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 16, 16);

          gdk_pixbuf_fill (tiny, 0x808080ff);
          g_assert_true (gdk_pixbuf_save (tiny, path, "png", NULL, NULL));
        }
    }

  data = scvae_dataset_new (paths, 512, 32, &error);
  g_assert_no_error (error);
  g_assert_cmpint (scvae_dataset_get_n_images (data), ==, 1);
  skipped = scvae_dataset_get_skipped (data);
  g_assert_cmpuint (g_strv_length ((char **) skipped), ==, 3);
  for (int i = 0; skipped[i]; i++)
    g_test_message ("skipped %s", skipped[i]);
  g_assert_nonnull (strstr (skipped[0], "notes.txt: not named like an image file"));
  g_assert_nonnull (strstr (skipped[1], "broken.jpg: the file is truncated"));
  g_assert_nonnull (strstr (skipped[2], "small.png: 16x16 is smaller than the 32 px training crop"));

  g_assert_cmpint (g_unlink (good), ==, 0);
  none = scvae_dataset_new (paths, 512, 32, &error);
  g_assert_null (none);
  g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT);
  g_test_message ("%s", error->message);
  expected = g_strdup_printf ("%s: no usable images: 3 files skipped (the first: ", folder);
  g_assert_true (g_str_has_prefix (error->message, expected));
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  samples = g_test_build_filename (G_TEST_DIST, "..", "..", "data", "samples", NULL);
  tmp = g_dir_make_tmp ("scvae-trainer-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/trainer/stops-at-non-finite-loss", test_stops_at_non_finite_loss);
  g_test_add_func ("/trainer/refuses-non-finite-checkpoint", test_refuses_non_finite_checkpoint);
  g_test_add_func ("/trainer/writes-nothing-before-first-checkpoint", test_writes_nothing_before_first_checkpoint);
  g_test_add_func ("/trainer/checkpoint-records-crop-and-batch", test_checkpoint_records_crop_and_batch);
  g_test_add_func ("/dataset/skips-unusable-files", test_dataset_skips_unusable_files);

  status = g_test_run ();
  if (status == 0)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", tmp);
      (void) !system (command);
    }
  return status;
}
