/* fuzz-main.c: runs a fuzz target on files, without libFuzzer
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * So the seed corpus and every crash the fuzzer ever found run in the
 * normal test suite as regression tests: `fuzz-target FILE|DIR...`.
 */

#include <glib.h>

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

static void
run (const char *path)
{
  g_autofree char *contents = NULL;
  gsize size;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir && (name = g_dir_read_name (dir)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          run (child);
        }
      return;
    }
  if (!g_file_get_contents (path, &contents, &size, NULL))
    g_error ("cannot read %s", path);
  LLVMFuzzerTestOneInput ((const guint8 *) contents, size);
}

int
main (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    run (argv[i]);
  return 0;
}
