/* test-model-files.c: model files written, read back, and refused when
 * broken
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "model-private.h"
#include "safetensors.h"

static char *tmp;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp, name, NULL);
}

/* Metadata and messages: the shortest decimal that reads back, without an
 * exponent where digits say it as briefly ("10" was "1e+01"). */
static void
test_format_float (void)
{
  const struct { float value; const char *text; } cases[] = {
    { 10.f, "10" }, { 0.05f, "0.05" }, { 0.35f, "0.35" }, { 200.f, "200" }, { 1e8f, "100000000" },
    { -20.f, "-20" }, { 3e38f, "3e+38" }, { 1e-5f, "1e-05" }, { 0.f, "0" }, { 1.5f, "1.5" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = scvae_format_float (cases[i].value);
      float back;

      g_assert_cmpstr (text, ==, cases[i].text);
      g_assert_true (scvae__parse_float (text, &back));
      g_assert_cmpfloat (back, ==, cases[i].value);
    }
}

static void
test_round_trip (void)
{
  g_autoptr(ScvaeModel) model = fixture_tiny_model (1);
  g_autoptr(ScvaeModel) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("round-trip.safetensors");

  scvae_model_set_metadata (model, "data", "a.jpg,b.jpg");
  scvae_model_save (model, path, &error);
  g_assert_no_error (error);
  loaded = scvae_model_load (path, &error);
  g_assert_no_error (error);

  g_assert_cmpmem (loaded->parameters, loaded->layout->n_parameters * sizeof (float),
                   model->parameters, model->layout->n_parameters * sizeof (float));
  g_assert_cmpmem (loaded->running, loaded->layout->n_running * sizeof (float),
                   model->running, model->layout->n_running * sizeof (float));
  g_assert_cmpstr (scvae_model_get_metadata (loaded, "data"), ==, "a.jpg,b.jpg");
  g_assert_cmpstr (scvae_model_get_metadata (loaded, "beta"), ==, "0.02");
  g_assert_cmpfloat (scvae_model_get_config (loaded)->gamma, ==, 0.5f);
}

/* A VQ and a Gaussian model keep their bottleneck, its settings and its
 * tensors (the VQ codebook's moving averages among them); an SC-VAE's
 * file has no setting of theirs. */
static void
test_round_trip_baselines (void)
{
  const ScvaeBottleneck kinds[] = { SCVAE_BOTTLENECK_VQ, SCVAE_BOTTLENECK_GAUSSIAN };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(ScvaeModel) model = fixture_tiny_model_with (kinds[i], 1);
      g_autoptr(ScvaeModel) loaded = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *path = tmp_path ("baseline.safetensors");
      const ScvaeConfig *config;

      scvae_model_save (model, path, &error);
      g_assert_no_error (error);
      loaded = scvae_model_load (path, &error);
      g_assert_no_error (error);
      config = scvae_model_get_config (loaded);
      g_assert_cmpint (config->bottleneck, ==, kinds[i]);
      g_assert_cmpstr (scvae_model_get_metadata (loaded, "bottleneck"), ==, scvae_bottleneck_to_string (kinds[i]));
      g_assert_null (scvae_model_get_metadata (loaded, "beta"));
      g_assert_null (scvae_model_get_metadata (loaded, "lista_steps"));
      g_assert_cmpmem (loaded->parameters, loaded->layout->n_parameters * sizeof (float),
                       model->parameters, model->layout->n_parameters * sizeof (float));
      g_assert_cmpmem (loaded->running, loaded->layout->n_running * sizeof (float),
                       model->running, model->layout->n_running * sizeof (float));
      if (kinds[i] == SCVAE_BOTTLENECK_VQ)
        {
          g_assert_cmpfloat (config->commitment, ==, 0.25f);
          g_assert_cmpfloat (config->ema_decay, ==, 0.9f);
          g_assert_null (scvae_model_get_metadata (loaded, "kl_weight"));
          g_assert_nonnull (scvae__f4_layout_find (loaded->layout, "vq.ema_sums"));
          /* The moving averages start at the codebook, each code counted once. */
          g_assert_cmpmem (loaded->tensors.ema_sums, 32 * sizeof (float), loaded->tensors.dictionary,
                           32 * sizeof (float));
          g_assert_cmpfloat (loaded->tensors.ema_counts[7], ==, 1.f);
        }
      else
        {
          const float *D = scvae_model_get_dictionary (loaded);

          g_assert_cmpfloat (config->kl_weight, ==, 0.1f);
          g_assert_null (scvae_model_get_metadata (loaded, "commitment"));
          g_assert_null (scvae__f4_layout_find (loaded->layout, "lista.dictionary"));
          /* Its dictionary, not in the file, is the identity. */
          for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
              g_assert_cmpfloat (D[r * 4 + c], ==, r == c ? 1.f : 0.f);
        }
    }
}

/* Rewrites a valid model file's header (and maybe its data) to break it. */
typedef void (*Breaker) (JsonObject *header, GByteArray *data);

static char *
broken_copy (const char *name, Breaker breaker)
{
  g_autoptr(ScvaeModel) model = fixture_tiny_model (1);
  g_autofree char *valid = tmp_path ("valid.safetensors");
  g_autofree char *contents = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *header = NULL;
  char *path = tmp_path (name);
  gsize size, header_size;
  guint64 length;

  scvae_model_save (model, valid, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (valid, &contents, &size, NULL));
  memcpy (&length, contents, 8);
  json_parser_load_from_data (parser, contents + 8, GUINT64_FROM_LE (length), &error);
  g_assert_no_error (error);
  g_byte_array_append (data, (guint8 *) contents + 8 + length, size - 8 - length);

  breaker (json_node_get_object (json_parser_get_root (parser)), data);

  json_generator_set_root (generator, json_parser_get_root (parser));
  header = json_generator_to_data (generator, &header_size);
  length = GUINT64_TO_LE ((guint64) header_size);
  g_byte_array_append (out, (guint8 *) &length, 8);
  g_byte_array_append (out, (guint8 *) header, header_size);
  g_byte_array_append (out, data->data, data->len);
  g_assert_true (g_file_set_contents (path, (char *) out->data, out->len, NULL));
  return path;
}

static JsonObject *
tensor (JsonObject *header, const char *name)
{
  return json_object_get_object_member (header, name);
}

static JsonObject *
metadata (JsonObject *header)
{
  return json_object_get_object_member (header, "__metadata__");
}

static void
set_offsets (JsonObject *t, gint64 begin, gint64 end)
{
  JsonArray *offsets = json_array_new ();

  json_array_add_int_element (offsets, begin);
  json_array_add_int_element (offsets, end);
  json_object_set_array_member (t, "data_offsets", offsets);
}

static void
break_out_of_range (JsonObject *h, GByteArray *d)
{
  set_offsets (tensor (h, "lista.c"), d->len, d->len + 4);
}

static void
break_overlap (JsonObject *h, GByteArray *d)
{
  JsonArray *o = json_object_get_array_member (tensor (h, "encoder.0.bias"), "data_offsets");
  gint64 begin = json_array_get_int_element (o, 0);

  /* encoder.0.weight occupies the bytes before the bias: shift into it. */
  set_offsets (tensor (h, "encoder.0.bias"), begin - 8, json_array_get_int_element (o, 1) - 8);
}

static void
break_dtype (JsonObject *h, GByteArray *d)
{
  JsonObject *t = tensor (h, "lista.dictionary");
  JsonArray *o = json_object_get_array_member (t, "data_offsets");
  gint64 begin = json_array_get_int_element (o, 0), end = json_array_get_int_element (o, 1);

  json_object_set_string_member (t, "dtype", "F16");
  set_offsets (t, begin, begin + (end - begin) / 2);
}

static void
break_shape (JsonObject *h, GByteArray *d)
{
  JsonArray *shape = json_array_new ();

  /* Same number of values, other shape. */
  json_array_add_int_element (shape, 8);
  json_array_add_int_element (shape, 4);
  json_object_set_array_member (tensor (h, "lista.dictionary"), "shape", shape);
}

static void
break_nan (JsonObject *h, GByteArray *d)
{
  JsonArray *o = json_object_get_array_member (tensor (h, "decoder.3.weight"), "data_offsets");
  float nan_value = NAN;

  memcpy (d->data + json_array_get_int_element (o, 0) + 12, &nan_value, 4);
}

static void
break_missing (JsonObject *h, GByteArray *d)
{
  json_object_remove_member (h, "decoder.4.running_var");
}

static void
break_extra (JsonObject *h, GByteArray *d)
{
  JsonObject *t = json_object_new ();
  JsonArray *shape = json_array_new ();

  json_array_add_int_element (shape, 0);
  json_object_set_string_member (t, "dtype", "F32");
  json_object_set_array_member (t, "shape", shape);
  json_object_set_object_member (h, "mystery.weight", t);
  set_offsets (t, 0, 0);
}

static void
break_metadata_channels (JsonObject *h, GByteArray *d)
{
  json_object_set_string_member (metadata (h), "channels", "9");
}

static void
break_metadata_format (JsonObject *h, GByteArray *d)
{
  json_object_set_string_member (metadata (h), "format", "gguf");
}

static void
break_metadata_version (JsonObject *h, GByteArray *d)
{
  json_object_set_string_member (metadata (h), "format_version", "2");
}

static void
break_metadata_number (JsonObject *h, GByteArray *d)
{
  json_object_set_string_member (metadata (h), "beta", "0.1abc");
}

static void
break_step (JsonObject *h, GByteArray *d)
{
  JsonArray *o = json_object_get_array_member (tensor (h, "lista.c"), "data_offsets");
  float negative = -1.f;

  memcpy (d->data + json_array_get_int_element (o, 0), &negative, 4);
}

static void
break_negative_offset (JsonObject *h, GByteArray *d)
{
  set_offsets (tensor (h, "lista.c"), -4, 0);
}

static void
set_first_value (JsonObject *h, GByteArray *d, const char *name, float value)
{
  JsonArray *o = json_object_get_array_member (tensor (h, name), "data_offsets");

  memcpy (d->data + json_array_get_int_element (o, 0), &value, 4);
}

/* Finite values no trained model holds: they loaded, and gave a flat
 * grey picture. */
static void
break_step_huge (JsonObject *h, GByteArray *d)
{
  set_first_value (h, d, "lista.c", 3e38f);
}

static void
break_step_tiny (JsonObject *h, GByteArray *d)
{
  set_first_value (h, d, "lista.c", 1e-44f);
}

static void
break_weight_huge (JsonObject *h, GByteArray *d)
{
  set_first_value (h, d, "encoder.0.weight", 3e38f);
}

static void
break_running_var_huge (JsonObject *h, GByteArray *d)
{
  set_first_value (h, d, "encoder.1.running_var", 1e30f);
}

static void
break_bottleneck (JsonObject *h, GByteArray *d)
{
  json_object_set_string_member (metadata (h), "bottleneck", "sparse-ish");
}

/* An SC-VAE's tensors under a VQ model's name. */
static void
break_bottleneck_vq (JsonObject *h, GByteArray *d)
{
  json_object_set_string_member (metadata (h), "bottleneck", "vq");
}

static void
test_refuse_bad_files (void)
{
  const struct { const char *name; Breaker breaker; const char *reason; } cases[] = {
    { "out-of-range", break_out_of_range, "lies outside the file" },
    { "overlap", break_overlap, "overlap" },
    { "dtype", break_dtype, "is F16, expected F32" },
    { "shape", break_shape, "has shape [8, 4], expected [4, 8]" },
    { "nan", break_nan, "non-finite" },
    { "missing", break_missing, "'decoder.4.running_var' is missing" },
    { "extra", break_extra, "unexpected tensor 'mystery.weight'" },
    { "channels-lie", break_metadata_channels, "has shape" },
    { "format", break_metadata_format, "not an SC-VAE model" },
    { "version", break_metadata_version, "format_version '2' is not supported" },
    { "number", break_metadata_number, "beta '0.1abc' is not a number" },
    { "step", break_step, "must be positive" },
    { "negative-offset", break_negative_offset, "invalid data_offsets" },
    { "step-huge", break_step_huge, "the LISTA step lista.c is 3e+38" },
    { "step-tiny", break_step_tiny, "c must lie between" },
    { "weight-huge", break_weight_huge, "tensor 'encoder.0.weight' holds 3e+38 (at 0), beyond the 1000" },
    { "running-var-huge", break_running_var_huge, "tensor 'encoder.1.running_var' holds 1e+30" },
    { "bottleneck", break_bottleneck, "bottleneck 'sparse-ish' is not supported" },
    { "bottleneck-vq", break_bottleneck_vq, "unexpected tensor 'lista.dictionary'" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strconcat (cases[i].name, ".safetensors", NULL);
      g_autofree char *path = broken_copy (name, cases[i].breaker);
      g_autoptr(GError) error = NULL;
      g_autoptr(ScvaeModel) model = scvae_model_load (path, &error);

      g_assert_null (model);
      g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, path));
      if (strstr (error->message, cases[i].reason) == NULL)
        g_error ("%s: expected '%s' in: %s", cases[i].name, cases[i].reason, error->message);
    }
}

static SafetensorsFile *
open_bytes (const char *text, gsize length, GError **error)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  guint64 le = GUINT64_TO_LE ((guint64) length);

  g_byte_array_append (data, (const guint8 *) &le, 8);
  g_byte_array_append (data, (const guint8 *) text, length);
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&data));
  return scvae__safetensors_open_bytes ("deep.safetensors", bytes, error);
}

/* json-glib parses by recursion: 80,000 '[' crashed every command with a
 * stack overflow. No valid header nests deeper than 3. */
static void
test_refuse_deep_header (void)
{
  gsize depth = 80000;
  g_autofree char *deep = g_malloc (2 * depth);
  const char *flat = "{\"__metadata__\": {\"note\": \"[[[[[{{{{{\\\"[[[[\"}, "
                     "\"t\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [0, 0]}}";
  const char *four = "{\"t\": {\"dtype\": \"F32\", \"shape\": [[0]], \"data_offsets\": [0, 0]}}";
  g_autoptr(SafetensorsFile) file = NULL;
  g_autoptr(GError) error = NULL;

  memset (deep, '[', depth);
  memset (deep + depth, ']', depth);
  g_assert_null (open_bytes (deep, 2 * depth, &error));
  g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT);
  g_assert_cmpstr (error->message, ==, "deep.safetensors: not a safetensors file: the header nests deeper than 3 levels");
  g_clear_error (&error);

  g_assert_null (open_bytes (four, strlen (four), &error));
  g_assert_nonnull (strstr (error->message, "nests deeper than 3"));
  g_clear_error (&error);

  /* Brackets inside strings, escaped quotes among them, do not count. */
  file = open_bytes (flat, strlen (flat), &error);
  g_assert_no_error (error);
  g_assert_nonnull (file);
}

/* A PNG or a PyTorch .pt given as a model said "header length
 * 727905341920923785 exceeds the file size". */
static void
test_refuse_other_kinds (void)
{
  const struct { const char *bytes; gsize length; const char *looks_like; } cases[] = {
    { "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, "it looks like a PNG image" },
    { "\xff\xd8\xff\xe0\0\x10JFIF", 10, "it looks like a JPEG image" },
    { "PK\x03\x04\x14\0\0\0\0\0", 10, "it looks like a zip archive (a PyTorch .pt checkpoint is one)" },
    { "\x80\x02}q\0(X\x07\0\0\0", 12, "it looks like a Python pickle (an older PyTorch .pt checkpoint)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (cases[i].bytes, cases[i].length);
      g_autoptr(GError) error = NULL;
      g_autoptr(SafetensorsFile) file = scvae__safetensors_open_bytes ("model.pt", bytes, &error);

      g_assert_null (file);
      g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, "model.pt: not a safetensors model: "));
      g_assert_nonnull (strstr (error->message, cases[i].looks_like));
    }
}

/* Nothing that is not finite is written: the file on disk stays as it
 * was. */
static void
test_save_refuses_non_finite (void)
{
  g_autoptr(ScvaeModel) model = fixture_tiny_model (1);
  g_autofree char *path = tmp_path ("kept.safetensors");
  g_autofree char *before = NULL, *after = NULL;
  g_autoptr(GError) error = NULL;
  gsize before_size, after_size;

  g_assert_true (scvae_model_save (model, path, &error));
  g_assert_true (g_file_get_contents (path, &before, &before_size, NULL));
  model->tensors.dictionary[5] = NAN;
  g_assert_false (scvae_model_save (model, path, &error));
  g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, "'lista.dictionary' holds a non-finite value"));
  g_assert_true (g_file_get_contents (path, &after, &after_size, NULL));
  g_assert_cmpmem (before, before_size, after, after_size);
}

static void
test_refuse_truncated (void)
{
  g_autoptr(ScvaeModel) model = fixture_tiny_model (1);
  g_autofree char *path = tmp_path ("cut.safetensors");
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize size;

  scvae_model_save (model, path, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &size, NULL));
  /* Every cut point: inside the length, inside the header, inside the data. */
  for (gsize cut = 0; cut < size; cut += MAX (size / 97, 1))
    {
      g_autoptr(ScvaeModel) loaded = NULL;

      g_clear_error (&error);
      g_assert_true (g_file_set_contents (path, contents, cut, NULL));
      loaded = scvae_model_load (path, &error);
      g_assert_null (loaded);
      g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT);
    }
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp = g_dir_make_tmp ("scvae-model-files-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/model/format-float", test_format_float);
  g_test_add_func ("/model/round-trip", test_round_trip);
  g_test_add_func ("/model/round-trip-baselines", test_round_trip_baselines);
  g_test_add_func ("/model/refuse-bad-files", test_refuse_bad_files);
  g_test_add_func ("/model/refuse-truncated", test_refuse_truncated);
  g_test_add_func ("/model/refuse-deep-header", test_refuse_deep_header);
  g_test_add_func ("/model/refuse-other-kinds", test_refuse_other_kinds);
  g_test_add_func ("/model/save-refuses-non-finite", test_save_refuses_non_finite);

  status = g_test_run ();
  if (status == 0)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", tmp);
      (void) !system (command);
    }
  return status;
}
