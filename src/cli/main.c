/* main.c: `scvae`, the command-line face of the SC-VAE engine
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
  const char *name;
  CliCommandFunc run;
  const char *summary;
} commands[] = {
  { "train", cli_train, N_("Train a model on a folder of photos") },
  { "reconstruct", cli_reconstruct, N_("Encode, sparse-code and decode one image") },
  { "eval", cli_eval, N_("Measure PSNR, SSIM and sparsity over images") },
  { "encode", cli_encode, N_("Write an image's sparse codes as .npy") },
  { "segment", cli_segment, N_("Segment an image by clustering its codes") },
  { "atoms", cli_atoms, N_("Draw the dictionary atoms on a contact sheet") },
  { "survey", cli_survey, N_("Survey what every atom does over a collection of images") },
  { "info", cli_info, N_("Describe a model file") },
  { "bench", cli_bench, N_("Time every stage of the pipeline") },
};

static void
print_help (FILE *out)
{
  /* Translators: COMMAND and OPTIONS are placeholders; "scvae" is the
   * program's name. */
  fprintf (out, "%s\n\n%s\n\n%s\n", _("Usage: scvae COMMAND [OPTIONS...]"),
           _("Train and run sparse-coding variational autoencoders (SC-VAE)."), _("Commands:"));
  /* The command names are typed as they are: never translated. */
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n%s\n%s\n", _("`scvae COMMAND --help` lists a command's options."),
           /* Translators: "--model default" is typed as it is. */
           _("--model default (or no --model) uses the model shipped with Sparse Lens."),
           _("Exit status: 0 ok, 1 runtime failure, 2 bad input or usage."));
}

int
main (int argc, char **argv)
{
  scvae_init_process ();
  setlocale (LC_ALL, "");
  /* Numbers stay machine-readable: --json, the --log CSV, model metadata. */
  setlocale (LC_NUMERIC, "C");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("scvae");

  if (argc < 2)
    {
      print_help (stderr);
      return CLI_BAD_INPUT;
    }
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    {
      print_help (stdout);
      return CLI_OK;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      printf ("scvae %s\n", PACKAGE_VERSION);
      return CLI_OK;
    }

  /* A memory limit that cannot be understood must not be ignored: every
   * command refuses it before any work. */
  {
    g_autoptr(GError) error = NULL;
    guint64 budget;

    if (!scvae_memory_budget (&budget, &error))
      return cli_report (error);
  }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].run (argc - 1, argv + 1);

  fprintf (stderr, _("scvae: unknown command '%s' (try scvae --help)\n"), argv[1]);
  return CLI_BAD_INPUT;
}
