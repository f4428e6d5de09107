/* info.c: scvae info
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "cli.h"

int
cli_info (int argc, char **argv)
{
  g_autofree char *model_spec = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    CLI_MODEL_OPTION (model_spec),
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object"), NULL },
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeModel) model = NULL;
  g_autofree const char **keys = NULL;
  const ScvaeConfig *config;
  ScvaeDictionaryHealth dictionary;

  if (!cli_parse_options ("info", "", N_("Describes a model: architecture, sizes and provenance."),
                          entries, &argc, &argv))
    return CLI_BAD_INPUT;
  if (argc != 1)
    return cli_usage_error ("info", _("unexpected argument '%s'"), argv[1]);

  model = cli_load_model (model_spec, &error);
  if (model == NULL)
    return cli_report (error);
  config = scvae_model_get_config (model);
  keys = scvae_model_list_metadata (model);
  scvae_dictionary_health (scvae_model_get_dictionary (model), config->channels, config->atoms, &dictionary);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, scvae_model_get_path (model));
      json_builder_set_member_name (builder, "parameters");
      json_builder_add_int_value (builder, scvae_model_get_n_parameters (model));
      json_builder_set_member_name (builder, "bottleneck");
      json_builder_add_string_value (builder, scvae_bottleneck_to_string (config->bottleneck));
      json_builder_set_member_name (builder, "channels");
      json_builder_add_int_value (builder, config->channels);
      json_builder_set_member_name (builder, "atoms");
      json_builder_add_int_value (builder, config->atoms);
      json_builder_set_member_name (builder, "lista_steps");
      json_builder_add_int_value (builder, config->lista_steps);
      json_builder_set_member_name (builder, "beta");
      json_builder_add_double_value (builder, config->beta);
      /* A Gaussian's "dictionary" is the identity: nothing to measure. */
      if (config->bottleneck != SCVAE_BOTTLENECK_GAUSSIAN)
        cli_json_add_dictionary_health (builder, &dictionary);
      json_builder_set_member_name (builder, "metadata");
      json_builder_begin_object (builder);
      for (int i = 0; keys[i]; i++)
        {
          json_builder_set_member_name (builder, keys[i]);
          json_builder_add_string_value (builder, scvae_model_get_metadata (model, keys[i]));
        }
      json_builder_end_object (builder);
      json_builder_end_object (builder);
      cli_json_print (builder, TRUE);
      return CLI_OK;
    }

  printf ("%s\n", scvae_model_get_path (model));
  {
    g_autofree char *channels = g_strdup_printf (ngettext ("%d channel", "%d channels", config->channels),
                                                 config->channels);
    g_autofree char *atoms = g_strdup_printf (ngettext ("%d atom", "%d atoms", config->atoms), config->atoms);
    g_autofree char *steps = g_strdup_printf (ngettext ("%d LISTA step", "%d LISTA steps", config->lista_steps),
                                              config->lista_steps);

    /* Translators for all three: the labels "architecture" and
     * "parameters" line up with the metadata keys below them, whose values
     * start in column 17. "f4" is the architecture's name; the %s are "64
     * channels", "256 atoms" and "16 LISTA steps". */
    switch (config->bottleneck)
      {
      case SCVAE_BOTTLENECK_LISTA:
        /* Translators: beta is the sparsity weight. */
        printf (_("  architecture  f4, sparse codes (SC-VAE): %s, %s, %s, beta %g\n"), channels, atoms, steps,
                config->beta);
        break;
      case SCVAE_BOTTLENECK_VQ:
        {
          g_autofree char *codes = g_strdup_printf (ngettext ("%d code", "%d codes", config->atoms), config->atoms);

          /* Translators: the second %s is "256 codes". */
          printf (_("  architecture  f4, nearest code (VQ-VAE): %s, a codebook of %s\n"), channels, codes);
        }
        break;
      case SCVAE_BOTTLENECK_GAUSSIAN:
        printf (_("  architecture  f4, Gaussian (VAE): %s\n"), channels);
        break;
      }
  }
  printf (_("  parameters    %zu\n"), scvae_model_get_n_parameters (model));
  if (config->bottleneck != SCVAE_BOTTLENECK_GAUSSIAN)
    {
      printf ("  ");
      cli_print_dictionary_health (stdout, &dictionary, config->channels, config->bottleneck);
    }
  /* Metadata keys are names in the model file: not translated. */
  for (int i = 0; keys[i]; i++)
    printf ("  %-13s %s\n", keys[i], scvae_model_get_metadata (model, keys[i]));
  return CLI_OK;
}
