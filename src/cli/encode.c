/* encode.c: scvae encode
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gi18n.h>
#include <stdio.h>

#include "cli.h"

int
cli_encode (int argc, char **argv)
{
  g_autofree char *model_spec = NULL, *codes_path = NULL;
  int depth = -1, max_size = SCVAE_DEFAULT_MAX_SIDE;
  double sparsity = 1.0;
  const GOptionEntry entries[] = {
    CLI_MODEL_OPTION (model_spec),
    { "codes", 0, 0, G_OPTION_ARG_FILENAME, &codes_path, N_("Where to write the codes (.npy, float32 [rows, cols, K])"), N_("OUT.npy") },
    CLI_CODING_OPTIONS (depth, sparsity),
    CLI_MAX_SIZE_OPTION (max_size),
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeSession) session = NULL;
  g_autoptr(ScvaeImage) image = NULL;
  const float *codes;
  int rows, cols, atoms;
  gint64 shape[3];
  gsize nonzeros = 0;

  if (!cli_parse_options ("encode", N_("IN.png"), N_("Writes an image's sparse codes, one K-vector per 4x4 patch."),
                          entries, &argc, &argv))
    return CLI_BAD_INPUT;
  if (argc != 2)
    return cli_usage_error ("encode", _("expected one input image"));
  if (codes_path == NULL)
    return cli_usage_error ("encode", _("--codes is required"));
  if (!cli_check_coding_options ("encode", depth, sparsity, max_size))
    return CLI_BAD_INPUT;

  if (!scvae_check_writable (codes_path, &error))
    return cli_report (error);
  session = cli_open_and_code (model_spec, argv[1], max_size, depth, sparsity, &image, &error);
  if (session == NULL)
    return cli_report (error);

  codes = scvae_session_get_codes (session, &rows, &cols, &atoms);
  shape[0] = rows, shape[1] = cols, shape[2] = atoms;
  if (!scvae_write_npy (codes_path, codes, 3, shape, &error))
    return cli_report (error);
  for (gsize i = 0; i < (gsize) rows * cols * atoms; i++)
    nonzeros += codes[i] != 0.f;
  /* Translators: the shape of the codes written, rows x columns of patches
   * x atoms (so the nouns name units and stay plural), then how many of
   * the codes are not zero. */
  printf (_("%s: %d x %d patches x %d atoms, %.1f%% non-zero\n"), codes_path, rows, cols, atoms,
          100.0 * nonzeros / ((double) rows * cols * atoms));
  return CLI_OK;
}
