/* files.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "files.h"

#include "scvae.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Temporary files are named .NAME.tmp-XXXXXX beside NAME: hidden, and
 * recognisable as ours, so that scvae_remove_stale_temporaries can tell
 * them from the user's files. */
#define TEMPORARY_INFIX ".tmp-"
#define MAX_SYMLINKS 40

gboolean
scvae__invalid_file (GError **error, const char *path, const char *format, ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT, "%s: %s", path, reason);
  return FALSE;
}

/* A path the user gave that cannot be written is bad input; a write that
 * fails on the way (a full disk, an I/O error) is a runtime failure. */
static gboolean
write_failed (GError **error, const char *path, int saved_errno)
{
  gboolean bad_path = saved_errno == ENOENT || saved_errno == ENOTDIR || saved_errno == EISDIR
                      || saved_errno == ELOOP || saved_errno == ENAMETOOLONG || saved_errno == EACCES
                      || saved_errno == EPERM || saved_errno == EROFS;

  g_set_error (error, SCVAE_ERROR, bad_path ? SCVAE_ERROR_INVALID_INPUT : SCVAE_ERROR_FAILED,
               _("%s: cannot write: %s"), path, g_strerror (saved_errno));
  return FALSE;
}

/* The file a path finally names, following symbolic links (relative ones
 * from the link's folder); the last link may dangle: it then names the
 * file to create. */
static char *
resolve_links (const char *path, GError **error)
{
  g_autofree char *current = g_strdup (path);

  for (int i = 0; i < MAX_SYMLINKS; i++)
    {
      g_autofree char *link = g_file_read_link (current, NULL);
      g_autofree char *folder = NULL;

      if (link == NULL)
        return g_steal_pointer (&current);
      if (g_path_is_absolute (link))
        {
          g_free (current);
          current = g_steal_pointer (&link);
          continue;
        }
      folder = g_path_get_dirname (current);
      g_free (current);
      current = g_build_filename (folder, link, NULL);
    }
  write_failed (error, path, ELOOP);
  return NULL;
}

static gboolean
write_all (int fd, const guint8 *data, gsize size)
{
  while (size > 0)
    {
      gssize n = write (fd, data, MIN (size, (gsize) G_MAXSSIZE));

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          if (n == 0)
            errno = EIO;
          return FALSE;
        }
      data += n;
      size -= n;
    }
  return TRUE;
}

/* A device or a FIFO cannot be replaced by a rename, and must not be: it
 * is written as it is, like a shell's redirection would. */
static gboolean
write_in_place (const char *path, const char *target, const void *data, gsize size, GError **error)
{
  int fd = g_open (target, O_WRONLY | O_CLOEXEC, 0);
  int saved_errno;

  if (fd < 0)
    return write_failed (error, path, errno);
  if (!write_all (fd, data, size))
    {
      saved_errno = errno;
      close (fd);
      return write_failed (error, path, saved_errno);
    }
  if (close (fd) != 0)
    return write_failed (error, path, errno);
  return TRUE;
}

static void
sync_folder (const char *folder)
{
  int fd = g_open (folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

/* Temporary file beside the target, fsync, rename over it: the target is
 * the old file or the whole new one. The temporary is locked while it is
 * written, so that a cleanup can tell it from one a killed run left. */
static gboolean
replace_atomically (const char *path, const char *target, const struct stat *existing,
                    const void *data, gsize size, GError **error)
{
  g_autofree char *folder = g_path_get_dirname (target);
  g_autofree char *name = g_path_get_basename (target);
  g_autofree char *temporary = g_strdup_printf ("%s/.%s" TEMPORARY_INFIX "XXXXXX", folder, name);
  /* A new file gets the mode open () gives: 0666 less the umask. */
  int fd = g_mkstemp_full (temporary, O_WRONLY | O_CLOEXEC, existing ? 0600 : 0666);
  int saved_errno;

  if (fd < 0)
    return write_failed (error, path, errno);
  flock (fd, LOCK_EX);

  /* Keep the owner where we may (as root); else the file becomes ours, as
   * any editor's save would make it. */
  if (existing && (existing->st_uid != geteuid () || existing->st_gid != getegid ()))
    (void) !fchown (fd, existing->st_uid, existing->st_gid);
  if ((existing && fchmod (fd, existing->st_mode & 07777) != 0) || !write_all (fd, data, size)
      || fsync (fd) != 0)
    {
      saved_errno = errno;
      close (fd);
      g_unlink (temporary);
      return write_failed (error, path, saved_errno);
    }
  if (close (fd) != 0 || g_rename (temporary, target) != 0)
    {
      saved_errno = errno;
      g_unlink (temporary);
      return write_failed (error, path, saved_errno);
    }
  sync_folder (folder);
  return TRUE;
}

/* The file that writing to path writes: path with its links resolved;
 * NULL for an empty name. */
static char *
output_target (const char *path, GError **error)
{
  if (path == NULL || *path == '\0')
    {
      g_set_error_literal (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                           _("the name of the file to write is empty"));
      return NULL;
    }
  return resolve_links (path, error);
}

gboolean
scvae_write_file (const char *path, const void *data, gsize size, GError **error)
{
  g_autofree char *target = output_target (path, error);
  struct stat st;

  if (target == NULL)
    return FALSE;

  if (g_stat (target, &st) != 0)
    {
      if (errno != ENOENT)
        return write_failed (error, path, errno);
      return replace_atomically (path, target, NULL, data, size, error);
    }
  if (S_ISREG (st.st_mode))
    return replace_atomically (path, target, &st, data, size, error);
  if (S_ISCHR (st.st_mode) || S_ISFIFO (st.st_mode))
    return write_in_place (path, target, data, size, error);
  if (S_ISDIR (st.st_mode))
    return scvae__invalid_file (error, path, _("is a directory"));
  return scvae__invalid_file (error, path, _("is neither a regular file, a character device nor a FIFO: "
                                             "refusing to write it"));
}

gboolean
scvae_check_writable (const char *path, GError **error)
{
  g_autofree char *target = output_target (path, error);
  g_autofree char *folder = NULL;
  struct stat st;

  if (target == NULL)
    return FALSE;
  if (g_stat (target, &st) == 0)
    {
      if (S_ISDIR (st.st_mode))
        return scvae__invalid_file (error, path, _("is a directory"));
      if (!S_ISREG (st.st_mode) && !S_ISCHR (st.st_mode) && !S_ISFIFO (st.st_mode))
        return scvae__invalid_file (error, path, _("is neither a regular file, a character device nor a FIFO: "
                                                   "refusing to write it"));
      if (!S_ISREG (st.st_mode))
        return g_access (target, W_OK) == 0 || write_failed (error, path, errno);
    }
  else if (errno != ENOENT)
    {
      return write_failed (error, path, errno);
    }
  /* A regular file is replaced through a new file in its folder. */
  folder = g_path_get_dirname (target);
  if (g_stat (folder, &st) != 0)
    return write_failed (error, path, errno);
  if (!S_ISDIR (st.st_mode))
    return write_failed (error, path, ENOTDIR);
  if (g_access (folder, W_OK | X_OK) != 0)
    return write_failed (error, path, errno);
  return TRUE;
}

int
scvae_remove_stale_temporaries (const char *path)
{
  g_autofree char *target = resolve_links (path, NULL);
  g_autofree char *folder = NULL, *prefix = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *entry;
  int removed = 0;

  if (target == NULL)
    return 0;
  folder = g_path_get_dirname (target);
  {
    g_autofree char *name = g_path_get_basename (target);

    prefix = g_strconcat (".", name, TEMPORARY_INFIX, NULL);
  }
  dir = g_dir_open (folder, 0, NULL);
  while (dir && (entry = g_dir_read_name (dir)))
    {
      g_autofree char *candidate = NULL;
      struct stat st;
      int fd;

      if (!g_str_has_prefix (entry, prefix) || strlen (entry) != strlen (prefix) + 6)
        continue;
      candidate = g_build_filename (folder, entry, NULL);
      fd = g_open (candidate, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
      if (fd < 0)
        continue;
      /* A writer holds its lock until the rename: a lock we can take
       * belongs to nobody, so the file is a leftover. (A writer caught
       * between creating its file and locking it would fail to rename and
       * say so; its target stays as it was.) */
      if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && flock (fd, LOCK_EX | LOCK_NB) == 0
          && g_unlink (candidate) == 0)
        removed++;
      close (fd);
    }
  return removed;
}
