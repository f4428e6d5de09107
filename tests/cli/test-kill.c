/* test-kill.c: training survives being killed at any moment
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Starts `scvae train` with a checkpoint every few steps, kills it with
 * SIGKILL at a random moment, and checks that the model and checkpoint on
 * disk always load (files are replaced by rename, never rewritten in
 * place), and that --resume starts exactly at the checkpoint's step, which
 * only ever moves forward: at most one checkpoint interval is lost.
 */

#include <signal.h>
#include <string.h>

#include "model-private.h"

#include "scvae-run.h"

#define KILLS 10
#define INTERVAL "5"

static char *scvae, *samples, *tmp;

static gint64
checkpoint_step (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeModel) model = scvae_model_load (path, &error);
  gint64 step = -1;

  g_assert_no_error (error);
  g_assert_true (scvae__parse_int (scvae_model_get_metadata (model, "checkpoint_step"), 0, G_MAXINT64, &step));
  return step;
}

static GSubprocess *
start (const char *out, gboolean resume)
{
  const char *argv[] = { scvae, "train", "--data", samples, "--out", out, "--steps", "100000",
                         "--checkpoint-every", INTERVAL, "--channels", "16", "--atoms", "32",
                         "--depth", "4", "--crop", "32", "--batch", "4", "--warmup", "5",
                         /* A run killed between writing the model and
                          * its checkpoint starts over on the model. */
                         resume ? "--resume" : "--force", NULL };
  g_autoptr(GError) error = NULL;
  GSubprocess *process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);

  g_assert_no_error (error);
  return process;
}

/* The step the run says it starts from ("... from step N, ..."), after
 * the lines about skipped files (the samples' README). */
static gint64
starting_step (GSubprocess *process)
{
  GInputStream *stream = g_subprocess_get_stderr_pipe (process);
  g_autoptr(GDataInputStream) lines = g_data_input_stream_new (stream);

  /* Keep the pipe open after this: a closed pipe would kill the child with
   * SIGPIPE at its next log line, not when the test means to. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (lines), FALSE);
  for (int i = 0; i < 10; i++)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, NULL);

      if (line == NULL)
        break;
      if (strstr (line, "from step "))
        return g_ascii_strtoll (strstr (line, "from step ") + strlen ("from step "), NULL, 10);
    }
  g_error ("the run did not say which step it starts from");
}

static void
test_kill_and_resume (void)
{
  g_autofree char *out = g_build_filename (tmp, "killed.safetensors", NULL);
  g_autofree char *checkpoint = g_strconcat (out, ".ckpt", NULL);
  GRand *rand = g_rand_new_with_seed (11);
  gint64 last = -1;

  for (int i = 0; i <= KILLS; i++)
    {
      g_autoptr(GSubprocess) process = start (out, i > 0);
      gint64 from = starting_step (process);

      /* Resumes exactly where the last checkpoint left off. */
      g_assert_cmpint (from, ==, i > 0 ? last : 0);

      /* Let it run past a checkpoint or two, then kill it mid-step (or
       * mid-write: a checkpoint is written every few tens of ms). */
      g_usleep (g_rand_int_range (rand, 300, 1500) * 1000);
      g_subprocess_send_signal (process, SIGKILL);
      g_subprocess_wait (process, NULL, NULL);

      /* What is on disk always loads, and the checkpoint only moves on. */
      if (g_file_test (out, G_FILE_TEST_EXISTS))
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(ScvaeModel) model = scvae_model_load (out, &error);
          g_assert_no_error (error);
          g_assert_nonnull (model);
        }
      if (g_file_test (checkpoint, G_FILE_TEST_EXISTS))
        {
          gint64 step = checkpoint_step (checkpoint);

          g_test_message ("kill %d: checkpoint at step %" G_GINT64_FORMAT, i + 1, step);
          g_assert_cmpint (step, >=, MAX (last, 0));
          g_assert_cmpint (step % atoi (INTERVAL), ==, 0);
          last = step;
        }
      else
        {
          /* Killed before the first checkpoint: start over. */
          g_assert_cmpint (last, <, 0);
          i--;
        }
    }
  g_assert_cmpint (last, >, 0);
  g_rand_free (rand);
}

int
main (int argc, char **argv)
{
  g_autofree char *tiny = NULL;

  scvae_test_init (&argc, &argv, "kill", &tmp, &samples, &tiny);
  scvae = g_strdup (g_getenv ("SCVAE"));

  g_test_add_func ("/train/kill-and-resume", test_kill_and_resume);
  return scvae_test_run (tmp);
}
