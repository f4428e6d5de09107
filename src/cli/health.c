/* health.c: bottleneck health as scvae eval and scvae info report it
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include "cli.h"

void
cli_json_add_double (JsonBuilder *builder, const char *name, double value)
{
  json_builder_set_member_name (builder, name);
  /* JSON has no infinity (a perfect reconstruction's PSNR). */
  if (isfinite (value))
    json_builder_add_double_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

void
cli_json_add_int (JsonBuilder *builder, const char *name, gint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

void
cli_json_print (JsonBuilder *builder, gboolean pretty)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, pretty);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
}

void
cli_json_add_dictionary_health (JsonBuilder *builder, const ScvaeDictionaryHealth *dictionary)
{
  cli_json_add_double (builder, "dict_effective_rank", dictionary->effective_rank);
  cli_json_add_double (builder, "dict_pairs_cos_above_0_9", dictionary->pairs_cos_above_0_9);
  cli_json_add_double (builder, "dict_median_nearest_cos", dictionary->median_nearest_cos);
}

void
cli_print_dictionary_health (FILE *out, const ScvaeDictionaryHealth *dictionary, int channels,
                             ScvaeBottleneck bottleneck)
{
  if (bottleneck == SCVAE_BOTTLENECK_VQ)
    /* Translators: a VQ-VAE codebook's health, as the dictionary's below. */
    fprintf (out, _("codebook: effective rank %.1f of %d, %.2f%% of code pairs with |cos| > 0.9, "
                    "median nearest |cos| %.3f\n"),
             dictionary->effective_rank, channels, 100 * dictionary->pairs_cos_above_0_9,
             dictionary->median_nearest_cos);
  else
    /* Translators: the dictionary's health. Effective rank: how many
     * directions of the C-dimensional feature space its atoms fill; the
     * share of atom pairs that are near-duplicates (|cos| > 0.9); the
     * median over atoms of the |cos| to the nearest other atom. */
    fprintf (out, _("dictionary: effective rank %.1f of %d, %.2f%% of atom pairs with |cos| > 0.9, "
                    "median nearest |cos| %.3f\n"),
             dictionary->effective_rank, channels, 100 * dictionary->pairs_cos_above_0_9,
             dictionary->median_nearest_cos);
}

void
cli_print_code_health (FILE *out, const ScvaeCodeHealth *codes)
{
  /* Translators: the codes' health: the median number of atoms active in a
   * patch, Hoyer's sparsity (0 dense, 1 one atom), and atoms active on
   * more than half the patches (dense) or on none (dead). */
  fprintf (out, _("codes: median %.1f atoms per patch, Hoyer sparsity %.3f, %d dense atoms, %d dead\n"),
          codes->atoms_per_patch_median, codes->hoyer, codes->dense_atoms, codes->dead_atoms);
}
