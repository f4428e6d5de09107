/* main.c: `scvae`, the command-line face of the SC-VAE engine
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
  const char *name;
  CliCommandFunc run;
  const char *summary;
} commands[] = {
  { "train", cli_train, "Train a model on a folder of photos" },
  { "reconstruct", cli_reconstruct, "Encode, sparse-code and decode one image" },
  { "eval", cli_eval, "Measure PSNR, SSIM and sparsity over images" },
  { "encode", cli_encode, "Write an image's sparse codes as .npy" },
  { "segment", cli_segment, "Segment an image by clustering its codes" },
  { "atoms", cli_atoms, "Draw the dictionary atoms on a contact sheet" },
  { "info", cli_info, "Describe a model file" },
  { "bench", cli_bench, "Time every stage of the pipeline" },
};

static void
print_help (FILE *out)
{
  fprintf (out, "Usage: scvae COMMAND [OPTIONS...]\n\n"
                "Train and run sparse-coding variational autoencoders (SC-VAE).\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\n`scvae COMMAND --help` lists a command's options.\n"
                "--model default (or no --model) uses the model shipped with Sparse Lens.\n"
                "Exit status: 0 ok, 1 runtime failure, 2 bad input or usage.\n");
}

int
main (int argc, char **argv)
{
  scvae_blas_select_core (argv);
  setlocale (LC_ALL, "");
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

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].run (argc - 1, argv + 1);

  fprintf (stderr, "scvae: unknown command '%s' (try scvae --help)\n", argv[1]);
  return CLI_BAD_INPUT;
}
