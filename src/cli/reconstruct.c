/* reconstruct.c: scvae reconstruct
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gi18n.h>
#include <stdio.h>

#include "cli.h"

int
cli_reconstruct (int argc, char **argv)
{
  g_autofree char *model_spec = NULL;
  int depth = -1, max_size = SCVAE_DEFAULT_MAX_SIDE;
  double sparsity = 1.0;
  const GOptionEntry entries[] = {
    CLI_MODEL_OPTION (model_spec),
    CLI_CODING_OPTIONS (depth, sparsity),
    CLI_MAX_SIZE_OPTION (max_size),
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeModel) model = NULL;
  g_autoptr(ScvaeImage) image = NULL;
  g_autoptr(ScvaeImage) reconstruction = NULL;
  ScvaeMetrics m;
  int atoms;

  if (!cli_parse_options ("reconstruct", N_("IN.png OUT.png"),
                          N_("Writes what the model makes of an image: encode, sparse-code, decode."),
                          entries, &argc, &argv))
    return CLI_BAD_INPUT;
  if (argc != 3)
    return cli_usage_error ("reconstruct", _("expected an input and an output file"));
  if (!cli_check_coding_options ("reconstruct", depth, sparsity, max_size))
    return CLI_BAD_INPUT;

  /* A wrong output path is found before the work, not after it. */
  if (!scvae_check_writable (argv[2], &error))
    return cli_report (error);
  model = cli_load_model (model_spec, &error);
  if (model == NULL)
    return cli_report (error);
  image = cli_load_image (argv[1], max_size, &error);
  if (image == NULL)
    return cli_report (error);

  reconstruction = scvae_reconstruct (model, image, depth, (float) sparsity, &m, NULL, &error);
  if (reconstruction == NULL)
    {
      g_prefix_error (&error, "%s: ", argv[1]);
      return cli_report (error);
    }
  if (!cli_check_metrics (argv[1], &m, &error) || !scvae_image_save_png (reconstruction, argv[2], &error))
    return cli_report (error);

  atoms = scvae_model_get_config (model)->atoms;
  printf (ngettext ("%s: %dx%d, PSNR %.2f dB, SSIM %.4f, %.1f%% of codes active, %d of %d atom used\n",
                    "%s: %dx%d, PSNR %.2f dB, SSIM %.4f, %.1f%% of codes active, %d of %d atoms used\n", atoms),
          argv[2], image->width, image->height, m.psnr, m.ssim, 100.0 * m.codes.active_fraction,
          m.codes.atoms_used, atoms);
  return CLI_OK;
}
