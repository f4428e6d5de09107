/* scvae-run.c: running the scvae binary from a test
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Beside what GSubprocess gives, the child's peak memory (wait4's
 * rusage), a file size limit and a working folder.
 */

#include "scvae-run.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static gint64 file_size_limit;

static void
child_setup (gpointer data)
{
  if (file_size_limit > 0)
    {
      struct rlimit limit = { file_size_limit, file_size_limit };

      /* Past the limit, write () fails with EFBIG instead of a signal. */
      signal (SIGXFSZ, SIG_IGN);
      setrlimit (RLIMIT_FSIZE, &limit);
    }
}

static char *
read_and_remove (const char *path)
{
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_unlink (path);
  return contents;
}

void
scvae_run (ScvaeRun *run, const ScvaeRunOptions *options, const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) envp = g_get_environ ();
  g_autofree char *out_path = NULL, *err_path = NULL;
  g_autoptr(GError) error = NULL;
  int out_fd = g_file_open_tmp ("scvae-out-XXXXXX", &out_path, &error);
  int err_fd = g_file_open_tmp ("scvae-err-XXXXXX", &err_path, &error);
  struct rusage usage;
  int status;
  GPid pid;

  g_assert_no_error (error);
  g_ptr_array_add (argv, (gpointer) g_getenv ("SCVAE"));
  for (int i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  for (int i = 0; options && options->env && options->env[i]; i++)
    {
      g_auto(GStrv) pair = g_strsplit (options->env[i], "=", 2);

      envp = g_environ_setenv (envp, pair[0], pair[1], TRUE);
    }
  file_size_limit = options ? options->file_size_limit : 0;

  g_spawn_async_with_fds (options ? options->cwd : NULL, (char **) argv->pdata, envp, G_SPAWN_DO_NOT_REAP_CHILD,
                          child_setup, NULL, &pid, -1, out_fd, err_fd, &error);
  g_assert_no_error (error);
  while (wait4 (pid, &status, 0, &usage) < 0)
    g_assert_cmpint (errno, ==, EINTR);
  g_spawn_close_pid (pid);
  close (out_fd);
  close (err_fd);

  *run = (ScvaeRun) {
    .status = WIFEXITED (status) ? WEXITSTATUS (status) : -1,
    .signal = WIFSIGNALED (status) ? WTERMSIG (status) : 0,
    .out = read_and_remove (out_path),
    .err = read_and_remove (err_path),
    .peak_kb = usage.ru_maxrss,
  };
  if (run->signal)
    g_error ("scvae %s died from signal %d: %s", args[0], run->signal, run->err);
}

void
scvae_run_clear (ScvaeRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

void
scvae_assert_ok (const ScvaeRun *run)
{
  if (run->status != 0)
    g_error ("scvae exited with %d: %s", run->status, run->err);
}

void
scvae_assert_failure (int status, const char *err, int expected_status, const char *mention)
{
  const char *newline = strchr (err, '\n');

  g_test_message ("exit %d, stderr: %s", status, err);
  g_assert_cmpint (status, ==, expected_status);
  g_assert_nonnull (newline);
  g_assert_cmpstr (newline + 1, ==, "");
  g_assert_true (g_str_has_prefix (err, "scvae"));
  if (strstr (err, mention) == NULL)
    g_error ("stderr lacks '%s': %s", mention, err);
}

void
scvae_assert_fails (const ScvaeRun *run, int status, const char *mention)
{
  scvae_assert_failure (run->status, run->err, status, mention);
}

void
scvae_assert_peak_at_most (const ScvaeRun *run, double kib)
{
  g_test_message ("peak %" G_GINT64_FORMAT " KiB (at most %.0f)", run->peak_kb, kib);
#ifdef SANITIZED_BUILD
  g_test_skip ("peak memory is checked in builds without sanitizers");
#else
  g_assert_cmpfloat (run->peak_kb, <=, kib);
#endif
}

void
scvae_test_init (int *argc, char ***argv, const char *name, char **tmp, char **samples, char **tiny)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *template = g_strdup_printf ("scvae-%s-XXXXXX", name);

  g_test_init (argc, argv, NULL);
  *samples = g_strdup (g_getenv ("SCVAE_SAMPLES"));
  g_assert_nonnull (g_getenv ("SCVAE"));
  g_assert_nonnull (*samples);
  *tmp = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  *tiny = g_test_build_filename (G_TEST_DIST, "..", "fuzz", "model-loader", "tiny-model.safetensors", NULL);
}

int
scvae_test_run (const char *tmp)
{
  int status = g_test_run ();

  if (status == 0)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", tmp);
      (void) !system (command);
    }
  return status;
}
