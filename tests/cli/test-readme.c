/* test-readme.c: what README.md promises about scvae, as it says it
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test quotes the sentence it checks. When one fails, either the
 * program or the README is wrong.
 */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "scvae-run.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ADDRESS_SANITIZER 1
#endif
#endif
#ifndef UNDER_ADDRESS_SANITIZER
#define UNDER_ADDRESS_SANITIZER 0
#endif

static char *tmp, *samples, *tiny;

static char *
in_tmp (const char *name)
{
  return g_build_filename (tmp, name, NULL);
}

static char *
scaled_sample (const char *name, int width, int height)
{
  g_autofree char *source = g_build_filename (samples, "astronaut.jpg", NULL);
  g_autoptr(GdkPixbuf) photo = gdk_pixbuf_new_from_file (source, NULL);
  g_autoptr(GdkPixbuf) scaled = gdk_pixbuf_scale_simple (photo, width, height, GDK_INTERP_BILINEAR);
  char *path = in_tmp (name);

  g_assert_true (gdk_pixbuf_save (scaled, path, "png", NULL, NULL));
  return path;
}

/* "Exit status: 0 ok, 1 runtime failure, 2 bad input or usage (one line
 * on stderr naming the file and the reason)" */
static void
test_exit_status (void)
{
  g_autofree char *photo = scaled_sample ("photo.png", 96, 64);
  g_autofree char *out = in_tmp ("status.png"), *text = in_tmp ("text.png");
  ScvaeRunOptions small_files = { .file_size_limit = 1024 };
  g_auto(ScvaeRun) ok = { 0 }, runtime = { 0 }, input = { 0 }, usage = { 0 };

  SCVAE_RUN (&ok, "reconstruct", "--model", tiny, photo, out);
  g_assert_cmpint (ok.status, ==, 0);
  /* The disk refuses a file this large: the work failed, not the input. */
  SCVAE_RUN_WITH (&runtime, &small_files, "reconstruct", "--model", tiny, photo, out);
  scvae_assert_fails (&runtime, 1, "status.png: cannot write: File too large");
  g_assert_true (g_file_set_contents (text, "not a picture\n", -1, NULL));
  SCVAE_RUN (&input, "reconstruct", "--model", tiny, text, out);
  scvae_assert_fails (&input, 2, "text.png: not an image");
  SCVAE_RUN (&usage, "reconstruct", "--model", tiny, "--depth", "99", photo, out);
  scvae_assert_fails (&usage, 2, "--depth must be between 0 and 64 (got 99)");
}

static GSubprocess *
start_training (const char *out, const char *steps, gboolean resume)
{
  const char *argv[] = { g_getenv ("SCVAE"), "train", "--data", samples, "--out", out, "--steps", steps,
                         "--checkpoint-every", "100000", "--channels", "4", "--atoms", "8", "--depth", "2",
                         "--crop", "32", "--batch", "2", resume ? "--resume" : NULL, NULL };
  g_autoptr(GError) error = NULL;
  GSubprocess *process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);

  g_assert_no_error (error);
  return process;
}

/* Reads stderr lines until one contains needle; returns it. */
static char *
read_until (GDataInputStream *lines, const char *needle)
{
  for (;;)
    {
      char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, NULL);

      g_assert_nonnull (line);
      g_test_message ("stderr: %s", line);
      if (strstr (line, needle))
        return line;
      g_free (line);
    }
}

/* "`train` exits with 130 after Ctrl-C, having saved a checkpoint that
 * `--resume` continues from." */
static void
test_interrupt_and_resume (void)
{
  g_autofree char *out = in_tmp ("interrupted.safetensors");
  g_autofree char *checkpoint = in_tmp ("interrupted.safetensors.ckpt");
  g_autofree char *started = NULL, *saved = NULL, *from = NULL, *finished = NULL, *expected = NULL;
  g_autofree char *more = NULL;
  g_autoptr(GSubprocess) run = NULL, resumed = NULL;
  g_autoptr(GDataInputStream) lines = NULL, resumed_lines = NULL;
  g_autoptr(GError) error = NULL;
  gint64 step;

  /* No checkpoint but the one Ctrl-C saves, and no end in sight. */
  run = start_training (out, "100000000", FALSE);
  lines = g_data_input_stream_new (g_subprocess_get_stderr_pipe (run));
  started = read_until (lines, "interrupted.safetensors on ");
  g_usleep (300 * 1000);
  g_subprocess_send_signal (run, SIGINT);
  saved = read_until (lines, "saving a checkpoint");
  g_assert_true (g_subprocess_wait (run, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (run));
  g_assert_cmpint (g_subprocess_get_exit_status (run), ==, 130);
  g_assert_true (g_file_test (checkpoint, G_FILE_TEST_IS_REGULAR));
  step = g_ascii_strtoll (strstr (saved, "at step ") + strlen ("at step "), NULL, 10);
  g_assert_cmpint (step, >, 0);

  /* Two more steps, from exactly there. */
  more = g_strdup_printf ("%" G_GINT64_FORMAT, step + 2);
  resumed = start_training (out, more, TRUE);
  resumed_lines = g_data_input_stream_new (g_subprocess_get_stderr_pipe (resumed));
  from = read_until (resumed_lines, "interrupted.safetensors on ");
  expected = g_strdup_printf ("from step %" G_GINT64_FORMAT ",", step);
  g_assert_nonnull (strstr (from, expected));
  finished = read_until (resumed_lines, "wrote ");
  g_free (expected);
  expected = g_strdup_printf ("at step %" G_GINT64_FORMAT, step + 2);
  g_assert_nonnull (strstr (finished, expected));
  g_assert_true (g_subprocess_wait (resumed, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (resumed), ==, 0);
}

/* "Every file is written atomically (temporary file, fsync, rename): a
 * crash or a kill never leaves a half-written model." Here: a
 * reconstruction replacing an older one, killed at random moments; the
 * file is always one whole picture or the other. (tests/cli/test-kill.c
 * does the same to training's model and checkpoint.) */
static void
test_atomic_writes (void)
{
  g_autofree char *a = scaled_sample ("a.png", 640, 480), *b = scaled_sample ("b.png", 480, 640);
  g_autofree char *out = in_tmp ("replaced.png");
  g_auto(ScvaeRun) first = { 0 };
  GRand *rand = g_rand_new_with_seed (21);
  gint64 start = g_get_monotonic_time (), duration;
  int finished = 0;

  SCVAE_RUN (&first, "reconstruct", "--model", tiny, a, out);
  scvae_assert_ok (&first);
  /* Kills from the start to past the end of a run: some in the middle of
   * writing, some after it. */
  duration = g_get_monotonic_time () - start;
  for (int i = 0; i < 16; i++)
    {
      const char *argv[] = { g_getenv ("SCVAE"), "reconstruct", "--model", tiny, i % 2 ? a : b, out, NULL };
      g_autoptr(GSubprocess) process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, NULL);
      g_autoptr(GdkPixbuf) written = NULL;
      g_autoptr(GError) error = NULL;
      int width;

      /* The first is killed at once and the last runs to its end, so both
       * outcomes are seen however busy the machine is; the rest are
       * killed at random moments. */
      if (i < 15)
        {
          g_usleep (i == 0 ? 0 : g_rand_int_range (rand, 0, (gint32) (1.3 * duration)));
          g_subprocess_send_signal (process, SIGKILL);
        }
      g_subprocess_wait (process, NULL, NULL);
      written = gdk_pixbuf_new_from_file (out, &error);
      g_assert_no_error (error);
      width = gdk_pixbuf_get_width (written);
      g_test_message ("kill %d: %s, %dx%d", i, g_subprocess_get_if_signaled (process) ? "killed" : "finished",
                      width, gdk_pixbuf_get_height (written));
      g_assert_true ((width == 640 && gdk_pixbuf_get_height (written) == 480)
                     || (width == 480 && gdk_pixbuf_get_height (written) == 640));
      finished += !g_subprocess_get_if_signaled (process);
    }
  g_rand_free (rand);
  /* Both outcomes were seen: the file was replaced, and runs were cut. */
  g_assert_cmpint (finished, >, 0);
  g_assert_cmpint (finished, <, 16);
}

/* "Images are downscaled to `--max-size` (2048 px) while they are decoded;
 * sources above 100 megapixels are refused." */
static void
test_max_size (void)
{
  g_autofree char *wide = scaled_sample ("wide.png", 2600, 40), *out = in_tmp ("wide-out.png");
  g_autofree char *huge = in_tmp ("huge.png"), *note = NULL;
  g_autoptr(GdkPixbuf) written = NULL;
  g_auto(ScvaeRun) scaled = { 0 }, refused = { 0 };

  SCVAE_RUN (&scaled, "reconstruct", "--model", tiny, wide, out);
  scvae_assert_ok (&scaled);
  note = g_strdup_printf ("scvae: %s: downscaled to 2048x32 (--max-size 2048)\n", wide);
  g_assert_cmpstr (scaled.err, ==, note);
  written = gdk_pixbuf_new_from_file (out, NULL);
  g_assert_cmpint (gdk_pixbuf_get_width (written), ==, 2048);

  /* 10001 x 10000 pixels, said by a header of a few bytes. */
  {
    static const guint8 png[] = {
      0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
      0, 0, 0x27, 0x11, 0, 0, 0x27, 0x10, 8, 2, 0, 0, 0,
    };

    g_assert_true (g_file_set_contents (huge, (const char *) png, sizeof png, NULL));
  }
  SCVAE_RUN (&refused, "reconstruct", "--model", tiny, huge, out);
  scvae_assert_fails (&refused, 2, "huge.png: 10001x10000 pixels is too large (the limit is 100 megapixels)");
}

/* "An image whose session would need more memory than
 * `SCVAE_MEMORY_LIMIT_MB` (default: three quarters of the physical
 * memory) is refused with the amount it needs." The amount is no
 * underestimate: the run it refused, run without the limit, stays within
 * it (over what a run on a tiny picture takes). A value that is not a
 * number of megabytes is refused, not ignored. */
static void
test_memory_limit (void)
{
  g_autofree char *photo = scaled_sample ("limited.png", 1024, 768), *dot = scaled_sample ("dot.png", 8, 8);
  g_autofree char *out = in_tmp ("limited-out.png"), *setting = NULL;
  ScvaeRunOptions limited = { .env = (const char *[]) { "SCVAE_MEMORY_LIMIT_MB=50", NULL } };
  ScvaeRunOptions wrong = { .env = (const char *[]) { "SCVAE_MEMORY_LIMIT_MB=lots", NULL } };
  ScvaeRunOptions enough = { 0 };
  g_auto(ScvaeRun) refused = { 0 }, base = { 0 }, unlimited = { 0 }, allowed = { 0 }, invalid = { 0 };
  const char *needs;
  double mib;

  SCVAE_RUN_WITH (&refused, &limited, "reconstruct", "--threads", "2", photo, out);
  scvae_assert_fails (&refused, 2, "limited.png: at 1024x768 it needs ");
  g_assert_nonnull (strstr (refused.err, "more than the 50.0\u00a0MiB available: downscale it"));
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  needs = strstr (refused.err, "it needs ") + strlen ("it needs ");
  mib = g_ascii_strtod (needs, NULL);
  g_assert_true (g_str_has_prefix (strchr (needs, '\xc2'), "\u00a0MiB"));

  SCVAE_RUN (&base, "reconstruct", "--threads", "2", dot, out);
  scvae_assert_ok (&base);
  SCVAE_RUN (&unlimited, "reconstruct", "--threads", "2", photo, out);
  scvae_assert_ok (&unlimited);
  g_test_message ("needs %.1f MiB; peak %" G_GINT64_FORMAT " kB, %" G_GINT64_FORMAT " kB for a dot", mib,
                  unlimited.peak_kb, base.peak_kb);
  /* Under AddressSanitizer the peak also holds its quarantine of freed
   * memory (up to 256 MB) and shadow memory, not the engine's: the
   * estimate is held to the run in the normal build, which CI runs too. */
  if (!UNDER_ADDRESS_SANITIZER)
    g_assert_cmpfloat ((unlimited.peak_kb - base.peak_kb) / 1024.0, <=, mib);

  setting = g_strdup_printf ("SCVAE_MEMORY_LIMIT_MB=%d", (int) mib + 1);
  enough.env = (const char *[]) { setting, NULL };
  SCVAE_RUN_WITH (&allowed, &enough, "reconstruct", "--threads", "2", photo, out);
  scvae_assert_ok (&allowed);

  SCVAE_RUN_WITH (&invalid, &wrong, "reconstruct", "--threads", "2", photo, out);
  scvae_assert_fails (&invalid, 2, "SCVAE_MEMORY_LIMIT_MB is 'lots'");
}

/* "On two threads, `scvae reconstruct` with the default model peaks at
 * 303 MiB of memory at 1024×1024 pixels" (5 % allowed for the machine). */
static void
test_reconstruct_memory (void)
{
  g_autofree char *photo = scaled_sample ("square.png", 1024, 1024), *out = in_tmp ("square-out.png");
  g_auto(ScvaeRun) run = { 0 };

  SCVAE_RUN (&run, "reconstruct", "--threads", "2", photo, out);
  scvae_assert_ok (&run);
  scvae_assert_peak_at_most (&run, 303 * 1024 * 1.05);
}

int
main (int argc, char **argv)
{
  scvae_test_init (&argc, &argv, "readme", &tmp, &samples, &tiny);

  g_test_add_func ("/readme/exit-status", test_exit_status);
  g_test_add_func ("/readme/interrupt-and-resume", test_interrupt_and_resume);
  g_test_add_func ("/readme/atomic-writes", test_atomic_writes);
  g_test_add_func ("/readme/max-size", test_max_size);
  g_test_add_func ("/readme/memory-limit", test_memory_limit);
  g_test_add_func ("/readme/reconstruct-memory", test_reconstruct_memory);

  return scvae_test_run (tmp);
}
