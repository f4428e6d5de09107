/* main.c: `sparse-lens`
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "lens-application.h"
#include "scvae.h"

int
main (int argc, char *argv[])
{
  g_autoptr(LensApplication) app = NULL;

  scvae_init_process ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = lens_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
