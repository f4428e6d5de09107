/* memory.c: how much memory the engine may plan to use
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "model-private.h"

#include <glib/gi18n-lib.h>
#include <unistd.h>

/* 16 TiB: more than any machine this runs on, and far from overflowing
 * when shifted into bytes. */
#define MAX_LIMIT_MB (1 << 24)

gboolean
scvae_memory_budget (guint64 *bytes, GError **error)
{
  const char *limit = g_getenv ("SCVAE_MEMORY_LIMIT_MB");
  long pages = sysconf (_SC_PHYS_PAGES), page_size = sysconf (_SC_PAGESIZE);
  gint64 megabytes;

  /* Set but empty counts as not set, as for most variables. */
  if (limit != NULL && *limit != '\0')
    {
      /* A limit that is not understood is refused, never ignored: the
       * user set it to be kept. */
      if (!scvae__parse_int (limit, 1, MAX_LIMIT_MB, &megabytes))
        {
          g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                       _("SCVAE_MEMORY_LIMIT_MB is '%s': it must be a whole number of megabytes from 1 to %d"),
                       limit, MAX_LIMIT_MB);
          return FALSE;
        }
      *bytes = (guint64) megabytes << 20;
      return TRUE;
    }
  if (pages <= 0 || page_size <= 0)
    *bytes = G_MAXUINT64;
  else
    *bytes = (guint64) pages * page_size / 4 * 3;
  return TRUE;
}
