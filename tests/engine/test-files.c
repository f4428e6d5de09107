/* test-files.c: writing output files (files.c)
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every output of scvae and the app goes through scvae_write_file: a
 * regular file is replaced whole, keeping its mode; a symbolic link is
 * written through; a character device or a FIFO is written as it is, with
 * its errors; anything else is refused. Device nodes are made here, in a
 * temporary folder (mknod needs root; those cases are skipped otherwise).
 */

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "scvae.h"

static char *tmp;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp, name, NULL);
}

static void
write_ok (const char *path, const char *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (scvae_write_file (path, text, strlen (text), &error));
  g_assert_no_error (error);
}

static void
assert_contents (const char *path, const char *text)
{
  g_autofree char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, text);
}

/* Nothing but the named files: no temporary file left behind. */
static void
assert_folder_holds (const char *folder, const char * const *names)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *entry;
  guint n = 0;

  while ((entry = g_dir_read_name (dir)))
    {
      g_assert_true (g_strv_contains (names, entry));
      n++;
    }
  g_assert_cmpuint (n, ==, g_strv_length ((char **) names));
}

static gboolean
make_node (const char *path, mode_t kind, int major_number, int minor_number)
{
  if (mknod (path, kind | 0666, makedev (major_number, minor_number)) == 0)
    return TRUE;
  g_test_skip ("cannot make device nodes here (mknod needs root)");
  return FALSE;
}

static void
test_new_file (void)
{
  g_autofree char *folder = tmp_path ("new");
  g_autofree char *path = g_build_filename (folder, "out.bin", NULL);
  GStatBuf st;
  mode_t mask = umask (022);

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  write_ok (path, "new");
  assert_contents (path, "new");
  /* The mode any program's new file gets: 0666 less the umask. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0644);
  assert_folder_holds (folder, (const char *[]) { "out.bin", NULL });
  umask (mask);
}

/* Overwriting made a private 0600 file readable by everyone (0644). */
static void
test_keeps_mode (void)
{
  g_autofree char *path = tmp_path ("private.bin");
  GStatBuf st;

  write_ok (path, "old");
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
  write_ok (path, "new");
  assert_contents (path, "new");
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);

  g_assert_cmpint (g_chmod (path, 0640), ==, 0);
  write_ok (path, "newer");
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0640);
}

/* A symbolic link was replaced by a regular file. */
static void
test_writes_through_links (void)
{
  g_autofree char *folder = tmp_path ("links");
  g_autofree char *target = g_build_filename (folder, "target.bin", NULL);
  g_autofree char *link = g_build_filename (folder, "link.bin", NULL);
  g_autofree char *chain = g_build_filename (folder, "chain.bin", NULL);
  g_autofree char *dangling = g_build_filename (folder, "dangling.bin", NULL);
  g_autofree char *created = g_build_filename (folder, "created.bin", NULL);
  GStatBuf st;

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  write_ok (target, "old");
  g_assert_cmpint (symlink ("target.bin", link), ==, 0);   /* relative */
  g_assert_cmpint (symlink (link, chain), ==, 0);           /* absolute, to a link */
  g_assert_cmpint (symlink ("created.bin", dangling), ==, 0);

  write_ok (chain, "through two links");
  assert_contents (target, "through two links");
  g_assert_cmpint (g_lstat (link, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  g_assert_cmpint (g_lstat (chain, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));

  /* A dangling link names the file to create. */
  write_ok (dangling, "created");
  assert_contents (created, "created");
  g_assert_cmpint (g_lstat (dangling, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  assert_folder_holds (folder, (const char *[]) { "target.bin", "link.bin", "chain.bin", "dangling.bin",
                                                  "created.bin", NULL });
}

/* A copy of /dev/null made here: it stays a device, and takes the data. */
static void
test_null_device (void)
{
  g_autofree char *path = tmp_path ("null");
  GStatBuf st;

  if (!make_node (path, S_IFCHR, 1, 3))
    return;
  write_ok (path, "into the void");
  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  g_assert_true (S_ISCHR (st.st_mode));
  g_assert_cmpint (major (st.st_rdev), ==, 1);
  g_assert_cmpint (minor (st.st_rdev), ==, 3);
}

/* A copy of /dev/full: the write fails, naming the file, as a runtime
 * failure; the device stays. */
static void
test_full_device (void)
{
  g_autofree char *path = tmp_path ("full");
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  if (!make_node (path, S_IFCHR, 1, 7))
    return;
  g_assert_false (scvae_write_file (path, "x", 1, &error));
  g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_FAILED);
  expected = g_strdup_printf ("%s: cannot write: %s", path, g_strerror (ENOSPC));
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  g_assert_true (S_ISCHR (st.st_mode));
}

/* The reading end is opened first (without blocking), so the write goes
 * into the pipe's buffer and the test cannot hang, whatever the writer
 * does. */
static void
test_fifo (void)
{
  g_autofree char *path = tmp_path ("fifo");
  char received[64] = "";
  gssize n;
  GStatBuf st;
  int fd;

  g_assert_cmpint (mkfifo (path, 0644), ==, 0);
  fd = g_open (path, O_RDONLY | O_NONBLOCK, 0);
  g_assert_cmpint (fd, >=, 0);
  write_ok (path, "through the pipe");
  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  g_assert_true (S_ISFIFO (st.st_mode));
  n = read (fd, received, sizeof received - 1);
  g_assert_cmpint (n, ==, strlen ("through the pipe"));
  g_assert_cmpstr (received, ==, "through the pipe");
  close (fd);
}

static void
assert_refused (const char *path, const char *reason)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *prefix = g_strconcat (path, ": ", NULL);

  g_assert_false (scvae_write_file (path, "x", 1, &error));
  g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_assert_nonnull (strstr (error->message, reason));
}

/* A folder, a block device and a socket are no files to write. */
static void
test_refuses_other_kinds (void)
{
  g_autofree char *folder = tmp_path ("folder");
  g_autofree char *socket_path = tmp_path ("socket");
  g_autofree char *block = tmp_path ("block");
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM, 0);
  GStatBuf st;

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  assert_refused (folder, "is a directory");

  g_strlcpy (address.sun_path, socket_path, sizeof address.sun_path);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &address, sizeof address), ==, 0);
  assert_refused (socket_path, "refusing to write it");
  close (fd);
  g_assert_cmpint (g_lstat (socket_path, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));

  /* A loop device node: never opened. */
  if (!make_node (block, S_IFBLK, 7, 0))
    return;
  assert_refused (block, "refusing to write it");
  g_assert_cmpint (g_lstat (block, &st), ==, 0);
  g_assert_true (S_ISBLK (st.st_mode));
}

/* The message named the temporary file (out.png.EXSXZ3), and an empty
 * name made a temporary file in the current folder. */
static void
test_errors_name_the_file (void)
{
  g_autofree char *missing = tmp_path ("no-such-folder/out.bin");
  g_autofree char *expected = g_strdup_printf ("%s: cannot write: %s", missing, g_strerror (ENOENT));
  g_autofree char *cwd = g_get_current_dir ();
  g_autoptr(GError) error = NULL;

  g_assert_false (scvae_write_file (missing, "x", 1, &error));
  g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  g_assert_cmpint (g_chdir (tmp), ==, 0);
  g_assert_false (scvae_write_file ("", "x", 1, &error));
  g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "empty"));
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  g_clear_error (&error);
  g_assert_false (scvae_check_writable ("", &error));
  g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT);
}

/* What scvae train checks before its first step. */
static void
test_check_writable (void)
{
  g_autofree char *folder = tmp_path ("checked");
  g_autofree char *inside = g_build_filename (folder, "model.safetensors", NULL);
  g_autofree char *missing = tmp_path ("nowhere/model.safetensors");
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_assert_true (scvae_check_writable (inside, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (inside, G_FILE_TEST_EXISTS)); /* nothing written */
  g_assert_false (scvae_check_writable (folder, &error));
  g_assert_nonnull (strstr (error->message, "is a directory"));
  g_clear_error (&error);
  g_assert_false (scvae_check_writable (missing, &error));
  g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT);
  g_assert_true (g_str_has_prefix (error->message, missing));
}

/* A killed run's temporary files are removed; one still being written (its
 * writer holds the lock) and files that only look alike are kept. */
static void
test_stale_temporaries (void)
{
  g_autofree char *folder = tmp_path ("stale");
  g_autofree char *path = g_build_filename (folder, "m.safetensors", NULL);
  g_autofree char *stale = g_build_filename (folder, ".m.safetensors.tmp-Ab3xYz", NULL);
  g_autofree char *busy = g_build_filename (folder, ".m.safetensors.tmp-Busy01", NULL);
  g_autofree char *other = g_build_filename (folder, ".m.safetensors.tmp-toolong", NULL);
  g_autofree char *backup = g_build_filename (folder, "m.safetensors.backup", NULL);
  g_autofree char *other_output = g_build_filename (folder, ".n.safetensors.tmp-Ab3xYz", NULL);
  int fd;

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  write_ok (path, "model");
  for (const char * const *p = (const char *[]) { stale, busy, other, backup, other_output, NULL }; *p; p++)
    g_assert_true (g_file_set_contents (*p, "left over", -1, NULL));
  fd = g_open (busy, O_RDONLY, 0);
  g_assert_cmpint (flock (fd, LOCK_EX), ==, 0);

  g_assert_cmpint (scvae_remove_stale_temporaries (path), ==, 1);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  for (const char * const *p = (const char *[]) { busy, other, backup, other_output, path, NULL }; *p; p++)
    g_assert_true (g_file_test (*p, G_FILE_TEST_EXISTS));
  close (fd);
  g_assert_cmpint (scvae_remove_stale_temporaries (path), ==, 1);
  g_assert_false (g_file_test (busy, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp = g_dir_make_tmp ("scvae-files-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/files/new-file", test_new_file);
  g_test_add_func ("/files/keeps-mode", test_keeps_mode);
  g_test_add_func ("/files/writes-through-links", test_writes_through_links);
  g_test_add_func ("/files/null-device", test_null_device);
  g_test_add_func ("/files/full-device", test_full_device);
  g_test_add_func ("/files/fifo", test_fifo);
  g_test_add_func ("/files/refuses-other-kinds", test_refuses_other_kinds);
  g_test_add_func ("/files/errors-name-the-file", test_errors_name_the_file);
  g_test_add_func ("/files/check-writable", test_check_writable);
  g_test_add_func ("/files/stale-temporaries", test_stale_temporaries);

  status = g_test_run ();
  if (status == 0)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", tmp);
      (void) !system (command);
    }
  return status;
}
