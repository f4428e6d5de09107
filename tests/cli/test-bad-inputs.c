/* test-bad-inputs.c: the CLI on every file of tests/data/bad
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * expected.tsv says, for each file, the exit status and what the one-line
 * message must say; the message must also name the file, and an output
 * file must not appear. A directory, a FIFO, a device node and an
 * unreadable file are made here, since git cannot keep them.
 */

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <gio/gio.h>

#include "scvae-run.h"

static char *bad, *model, *tmp;

/* Feeds one file to the command that reads its kind: the failure names
 * the file and the reason, and nothing is written. */
static void
check (const char *path, const char *kind, int expected_status, const char *reason)
{
  g_autofree char *out = g_build_filename (tmp, "out.png", NULL);
  g_autofree char *base = g_path_get_basename (path);
  g_auto(ScvaeRun) run = { 0 };

  g_remove (out);
  if (g_str_equal (kind, "model"))
    SCVAE_RUN (&run, "info", "--model", path);
  else
    SCVAE_RUN (&run, "reconstruct", "--model", model, path, out);

  g_test_message ("%s: exit %d: %s", base, run.status, run.err);
  if (expected_status == 0)
    {
      scvae_assert_ok (&run);
      return;
    }
  scvae_assert_fails (&run, expected_status, base);
  g_assert_true (g_str_has_prefix (run.err, "scvae: "));
  g_assert_nonnull (strstr (run.err, reason));
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

static void
test_corpus (void)
{
  g_autofree char *table = g_build_filename (bad, "expected.tsv", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  int checked = 0;

  g_assert_true (g_file_get_contents (table, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (int i = 0; lines[i]; i++)
    {
      g_auto(GStrv) fields = NULL;
      g_autofree char *path = NULL;

      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      fields = g_strsplit (lines[i], "\t", 4);
      g_assert_cmpuint (g_strv_length (fields), ==, 4);
      path = g_build_filename (bad, fields[0], NULL);
      check (path, fields[1], atoi (fields[2]), fields[3]);
      checked++;
    }
  /* The corpus is what the issue asks for: twenty files or more. */
  g_assert_cmpint (checked, >=, 20);
}

static void
test_special_files (void)
{
  g_autofree char *folder = g_build_filename (tmp, "folder.png", NULL);
  g_autofree char *fifo = g_build_filename (tmp, "fifo.safetensors", NULL);
  g_autofree char *fifo_image = g_build_filename (tmp, "fifo.png", NULL);
  /* A copy of /dev/zero: reading it would never end. */
  g_autofree char *device = g_build_filename (tmp, "zero.safetensors", NULL);
  g_autofree char *device_image = g_build_filename (tmp, "zero.png", NULL);

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  g_assert_cmpint (mkfifo (fifo_image, 0644), ==, 0);
  check (folder, "image", 2, "is a directory");
  check (folder, "model", 2, "is a directory");
  /* Reading a FIFO would wait for a writer forever: refused up front. */
  check (fifo, "model", 2, "not a regular file");
  check (fifo_image, "image", 2, "not a regular file");

  /* A device node, made here (as root: mknod needs it): never read. */
  if (mknod (device, S_IFCHR | 0666, makedev (1, 5)) == 0
      && mknod (device_image, S_IFCHR | 0666, makedev (1, 5)) == 0)
    {
      check (device, "model", 2, "not a regular file");
      check (device_image, "image", 2, "not a regular file");
    }
}

static void
test_unreadable (void)
{
  g_autofree char *locked = g_build_filename (tmp, "locked.safetensors", NULL);
  g_autofree char *source = g_build_filename (bad, "..", "..", "fuzz", "model-loader", "tiny-model.safetensors", NULL);
  g_autofree char *contents = NULL;
  gsize size;

  if (geteuid () == 0)
    {
      /* Root reads any file whatever its mode. */
      g_test_skip ("running as root: permissions do not stop reading");
      return;
    }
  g_assert_true (g_file_get_contents (source, &contents, &size, NULL));
  g_assert_true (g_file_set_contents (locked, contents, size, NULL));
  g_assert_cmpint (g_chmod (locked, 0), ==, 0);
  check (locked, "model", 2, "Permission denied");
}

int
main (int argc, char **argv)
{
  g_autofree char *samples = NULL;

  scvae_test_init (&argc, &argv, "bad", &tmp, &samples, &model);
  bad = g_test_build_filename (G_TEST_DIST, "..", "data", "bad", NULL);

  g_test_add_func ("/bad-inputs/corpus", test_corpus);
  g_test_add_func ("/bad-inputs/special-files", test_special_files);
  g_test_add_func ("/bad-inputs/unreadable", test_unreadable);
  return scvae_test_run (tmp);
}
