/* test-model.c: the whole model's gradients, model files, inference
 * sessions, metrics and k-means
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "check.h"
#include "f4-network.h"
#include "model-private.h"
#include "reference.h"
#include "safetensors.h"
#include "session-private.h"
#include "shipped.h"

static char *tmp;

static ScvaeModel *
tiny_model (guint64 seed)
{
  ScvaeConfig config = { .channels = 4, .atoms = 8, .lista_steps = 3, .beta = 0.02f,
                         .gamma = 0.5f, .l1 = 0.01f, .whiten = 0.05f };
  g_autoptr(GError) error = NULL;
  ScvaeModel *model = scvae_model_new (&config, seed, &error);
  Rng rng;

  g_assert_no_error (error);
  /* Make BatchNorm non-trivial, as after training. */
  scvae__rng_seed (&rng, seed + 1);
  for (guint i = 0; i < model->layout->tensors->len; i++)
    {
      const TensorInfo *info = &g_array_index (model->layout->tensors, TensorInfo, i);
      float *data = (info->kind == TENSOR_PARAMETER ? model->parameters : model->running) + info->offset;

      if (g_str_has_suffix (info->name, ".running_var"))
        check_fill_uniform (&rng, data, info->numel, 0.5, 1.5);
      else if (g_str_has_suffix (info->name, ".running_mean"))
        check_fill_uniform (&rng, data, info->numel, -0.2, 0.2);
      else if (info->ndim == 1 && g_str_has_prefix (info->name, "encoder.1"))
        check_fill_uniform (&rng, data, info->numel, 0.5, 1.5);
    }
  return model;
}

static double
model_loss (ScvaeModel *model, F4Network *net, const float *input, Scratch *scratch)
{
  F4Loss loss;
  g_autofree float *saved = g_memdup2 (model->running, model->layout->n_running * sizeof (float));

  scvae__f4_network_forward (net, &model->tensors, input, &loss, scratch);
  /* Forward updates running statistics; finite differences must not. */
  memcpy (model->running, saved, model->layout->n_running * sizeof (float));
  return loss.total;
}

/* Every parameter tensor's gradient against a central finite difference
 * along a random direction within that tensor (float model: directional
 * derivatives average out rounding where per-element ones would not). */
static void
test_model_gradients (void)
{
  g_autoptr(ScvaeModel) model = tiny_model (3);
  const int batch = 2, size = 16;
  gsize n_in = (gsize) 3 * batch * size * size;
  g_autofree float *input = g_new (float, n_in);
  g_autofree float *grads = g_new0 (float, model->layout->n_parameters);
  F4Network *net = scvae__f4_network_new (model->layout, batch, size, size);
  Scratch scratch = { 0 };
  F4Tensors g;
  Rng rng;
  int checked = 0;
  double loss;

  scvae__rng_seed (&rng, 5);
  check_fill_uniform (&rng, input, n_in, -0.9f, 0.9f);
  scvae__f4_bind (model->layout, grads, NULL, &g);
  loss = model_loss (model, net, input, &scratch);
  scvae__f4_network_backward (net, &model->tensors, &g, input, &scratch);

  for (guint i = 0; i < model->layout->tensors->len; i++)
    {
      const TensorInfo *info = &g_array_index (model->layout->tensors, TensorInfo, i);
      float *p = model->parameters + info->offset;
      g_autofree float *direction = NULL, *saved = NULL;
      double analytic = 0.0, rms = 0.0, eps, plus, minus, numeric, scale = 0.0;

      if (info->kind != TENSOR_PARAMETER)
        continue;
      direction = g_new (float, info->numel);
      saved = g_memdup2 (p, info->numel * sizeof (float));
      check_fill_uniform (&rng, direction, info->numel, -1, 1);
      for (gsize j = 0; j < info->numel; j++)
        {
          analytic += (double) direction[j] * grads[info->offset + j];
          scale += fabs (direction[j] * grads[info->offset + j]);
          rms += (double) saved[j] * saved[j] / info->numel;
        }
      /* One central difference at a fixed step, 10⁻³ of the tensor's RMS
       * (or of 0.1 for tensors that start at zero): three times larger
       * steps cross ReLU and threshold kinks (encoder.0 is 3 % off), ten
       * times smaller ones drown in float rounding. */
      eps = 1e-3 * MAX (sqrt (rms), 0.1);
      for (gsize j = 0; j < info->numel; j++)
        p[j] = saved[j] + eps * direction[j];
      plus = model_loss (model, net, input, &scratch);
      for (gsize j = 0; j < info->numel; j++)
        p[j] = saved[j] - eps * direction[j];
      minus = model_loss (model, net, input, &scratch);
      memcpy (p, saved, info->numel * sizeof (float));
      numeric = (plus - minus) / (2 * eps);

      g_test_message ("%-28s analytic %+.6e numeric %+.6e", info->name, analytic, numeric);
      /* Biases before BatchNorm have no gradient: both sides are noise. */
      if (scale < 1e-7)
        continue;
      /* 1 %, or the float rounding of the two losses (a few ulps each)
       * divided by the step, whichever is larger. */
      g_assert_cmpfloat (fabs (analytic - numeric), <=,
                         1e-2 * fabs (analytic) + 1e-3 * scale + 2 * FLT_EPSILON * fabs (loss) / eps);
      checked++;
    }
  g_assert_cmpint (checked, >=, 30);
  scvae__scratch_clear (&scratch);
  scvae__f4_network_free (net);
}

/* ------------------------------------------------------------------------- */
/* Files */

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
  g_autoptr(ScvaeModel) model = tiny_model (1);
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

/* Rewrites a valid model file's header (and maybe its data) to break it. */
typedef void (*Breaker) (JsonObject *header, GByteArray *data);

static char *
broken_copy (const char *name, Breaker breaker)
{
  g_autoptr(ScvaeModel) model = tiny_model (1);
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
  g_autoptr(ScvaeModel) model = tiny_model (1);
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
  g_autoptr(ScvaeModel) model = tiny_model (1);
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

/* ------------------------------------------------------------------------- */
/* Sessions */

static ScvaeImage *
test_image (int width, int height)
{
  ScvaeImage *image = scvae_image_new (width, height);
  gsize plane = (gsize) width * height;

  for (int c = 0; c < 3; c++)
    for (int y = 0; y < height; y++)
      for (int x = 0; x < width; x++)
        image->data[c * plane + (gsize) y * width + x] = 0.8f * sinf (0.3f * x + 0.7f * y + c);
  return image;
}

static void
test_session_sizes (void)
{
  g_autoptr(ScvaeModel) model = tiny_model (2);
  g_autoptr(ScvaeSession) session = scvae_session_new (model);
  const int sizes[][2] = { { 1, 1 }, { 3, 5 }, { 37, 23 }, { 64, 48 } };

  /* Any size works: padded by reflection, cropped back. */
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(ScvaeImage) image = test_image (sizes[i][0], sizes[i][1]);
      g_autoptr(GError) error = NULL;
      const ScvaeImage *out;
      int rows, cols;

      g_assert_true (scvae_session_encode (session, image, NULL, &error));
      g_assert_true (scvae_session_sparse_code (session, -1, 1.f, NULL, &error));
      g_assert_true (scvae_session_decode (session, NULL, &error));
      out = scvae_session_get_reconstruction (session);
      g_assert_cmpint (out->width, ==, sizes[i][0]);
      g_assert_cmpint (out->height, ==, sizes[i][1]);
      scvae_session_get_codes (session, &rows, &cols, NULL);
      g_assert_cmpint (rows, ==, (sizes[i][1] + 3) / 4);
      g_assert_cmpint (cols, ==, (sizes[i][0] + 3) / 4);
      for (gsize j = 0; j < (gsize) 3 * out->width * out->height; j++)
        g_assert_true (out->data[j] >= -1.f && out->data[j] <= 1.f);
    }
}

static void
test_session_stages (void)
{
  g_autoptr(ScvaeModel) model = tiny_model (2);
  g_autoptr(ScvaeSession) session = scvae_session_new (model);
  g_autoptr(ScvaeImage) image = test_image (32, 24);
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree float *features = NULL, *codes = NULL;
  gsize n_features = (gsize) 8 * 6 * 4, n_codes = (gsize) 8 * 6 * 8;
  ScvaeMetrics sparse, dense;

  g_assert_true (scvae_session_encode (session, image, NULL, &error));
  features = g_memdup2 (scvae_session_get_features (session, NULL, NULL, NULL), n_features * sizeof (float));
  g_assert_true (scvae_session_sparse_code (session, -1, 2.f, NULL, &error));
  g_assert_true (scvae_session_decode (session, NULL, &error));
  scvae_session_compute_metrics (session, &sparse);
  codes = g_memdup2 (scvae_session_get_codes (session, NULL, NULL, NULL), n_codes * sizeof (float));

  /* A cancelled stage fails and leaves the last results as they were. */
  g_cancellable_cancel (cancelled);
  g_assert_false (scvae_session_sparse_code (session, 10, 0.f, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpmem (scvae_session_get_codes (session, NULL, NULL, NULL), n_codes * sizeof (float),
                   codes, n_codes * sizeof (float));
  g_assert_nonnull (scvae_session_get_reconstruction (session));

  /* Rerunning the later stages leaves the features alone; a lower
   * threshold gives denser codes. */
  g_assert_true (scvae_session_sparse_code (session, -1, 0.f, NULL, &error));
  g_assert_null (scvae_session_get_reconstruction (session)); /* stale until decoded */
  g_assert_true (scvae_session_decode (session, NULL, &error));
  scvae_session_compute_metrics (session, &dense);
  g_assert_cmpmem (scvae_session_get_features (session, NULL, NULL, NULL), n_features * sizeof (float),
                   features, n_features * sizeof (float));
  g_assert_cmpfloat (dense.codes.active_fraction, >, sparse.codes.active_fraction);
  g_assert_cmpfloat (dense.codes.active_fraction, ==, 1.0); /* threshold 0 keeps everything */

  /* Bad controls are refused with a message. */
  g_assert_false (scvae_session_sparse_code (session, 65, 1.f, NULL, &error));
  g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT);
}

/* The session's codes are LISTA's, tile boundaries included: against the
 * double-precision reference on more patches than one tile holds. */
static void
test_session_codes_match_reference (void)
{
  g_autoptr(ScvaeModel) model = tiny_model (4);
  g_autoptr(ScvaeSession) session = scvae_session_new (model);
  g_autoptr(ScvaeImage) image = test_image (256, 160);
  g_autoptr(GError) error = NULL;
  const ScvaeConfig *config = scvae_model_get_config (model);
  int C = config->channels, K = config->atoms, rows, cols;
  const float *features, *codes;
  g_autofree double *D = NULL, *E = NULL, *Z = NULL;
  gsize P;
  double worst = 0.0;

  g_assert_true (scvae_session_encode (session, image, NULL, &error));
  g_assert_true (scvae_session_sparse_code (session, 5, 1.5f, NULL, &error));
  features = scvae_session_get_features (session, &rows, &cols, NULL);
  codes = scvae_session_get_codes (session, NULL, NULL, NULL);
  P = (gsize) rows * cols;
  g_assert_cmpuint (P, >, 2048);

  D = g_new (double, (gsize) C * K);
  E = g_new (double, P * C);
  Z = g_new (double, P * K);
  for (gsize i = 0; i < (gsize) C * K; i++)
    D[i] = model->tensors.dictionary[i];
  for (gsize i = 0; i < P * C; i++)
    E[i] = features[i];
  ref_lista (C, K, P, 5, config->beta * 1.5, D, model->tensors.step[0], E, Z);
  worst = check_largest_difference (codes, Z, P * K);
  g_test_message ("largest difference from the reference: %g", worst);
  g_assert_cmpfloat (worst, <, 1e-4);
}

/* A new depth continues from kept iterates (the last one, or a checkpoint
 * below it): the codes must be the same, bit for bit, as from zero. */
static void
test_session_depth_continues (void)
{
  g_autoptr(ScvaeModel) model = tiny_model (5);
  g_autoptr(ScvaeSession) session = scvae_session_new (model);
  g_autoptr(ScvaeImage) image = test_image (256, 160);
  g_autoptr(GError) error = NULL;
  const struct { int depth; float sparsity; } steps[] = {
    { 3, 1.f }, { 9, 1.f }, { 16, 1.f }, { 6, 1.f }, { 64, 1.f }, { 0, 1.f }, { 13, 1.f },
    { 7, 2.f }, { 5, 2.f }, { 10, 1.f },
  };
  gsize n = (gsize) 64 * 40 * scvae_model_get_config (model)->atoms;

  g_assert_true (scvae_session_encode (session, image, NULL, &error));
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(ScvaeSession) scratch = scvae_session_new (model);
      ScvaeMetrics reused, fresh;

      g_assert_true (scvae_session_sparse_code (session, steps[i].depth, steps[i].sparsity, NULL, &error));
      g_assert_true (scvae_session_encode (scratch, image, NULL, &error));
      g_assert_true (scvae_session_sparse_code (scratch, steps[i].depth, steps[i].sparsity, NULL, &error));
      g_assert_cmpmem (scvae_session_get_codes (session, NULL, NULL, NULL), n * sizeof (float),
                       scvae_session_get_codes (scratch, NULL, NULL, NULL), n * sizeof (float));
      g_assert_true (scvae_session_decode (session, NULL, &error));
      g_assert_true (scvae_session_decode (scratch, NULL, &error));
      scvae_session_compute_metrics (session, &reused);
      scvae_session_compute_metrics (scratch, &fresh);
      g_assert_cmpfloat (reused.codes.active_fraction, ==, fresh.codes.active_fraction);
    }
}

static double
largest_difference (const float *a, const float *b, gsize n)
{
  g_autofree double *wide = check_to_double (b, n);

  return check_largest_difference (a, wide, n);
}

/* The encoder and decoder run in one band of rows per thread, each with a
 * margin that its edge cannot reach across, and LISTA codes tiles that do
 * not depend on the thread count: features, codes and pictures are the
 * same on 1, 2 or 3 threads (up to BLAS rounding). */
static void
test_session_threads_agree (void)
{
  g_autoptr(ScvaeModel) model = tiny_model (6);
  g_autoptr(ScvaeImage) image = test_image (256, 160);
  g_autoptr(ScvaeImage) whole = NULL;
  g_autoptr(GError) error = NULL;
  const ScvaeConfig *config = scvae_model_get_config (model);
  gsize P = (gsize) 64 * 40, pixels = (gsize) 3 * 256 * 160;
  g_autofree float *features = NULL, *codes = NULL;
  int threads = scvae_get_threads ();

  for (int n_threads = 1; n_threads <= 3; n_threads++)
    {
      g_autoptr(ScvaeSession) session = scvae_session_new (model);
      const float *session_features, *session_codes;
      const ScvaeImage *reconstruction;

      scvae_set_threads (n_threads);
      g_assert_cmpint (scvae_get_threads (), ==, n_threads);
      g_assert_true (scvae_session_encode (session, image, NULL, &error));
      g_assert_true (scvae_session_sparse_code (session, 7, 1.f, NULL, &error));
      g_assert_true (scvae_session_decode (session, NULL, &error));
      session_features = scvae_session_get_features (session, NULL, NULL, NULL);
      session_codes = scvae_session_get_codes (session, NULL, NULL, NULL);
      reconstruction = scvae_session_get_reconstruction (session);
      if (n_threads == 1)
        {
          features = g_memdup2 (session_features, P * config->channels * sizeof (float));
          codes = g_memdup2 (session_codes, P * config->atoms * sizeof (float));
          whole = scvae_image_copy (reconstruction);
          continue;
        }
      g_test_message ("%d threads: largest differences from 1: features %g, codes %g, pixels %g", n_threads,
                      largest_difference (session_features, features, P * config->channels),
                      largest_difference (session_codes, codes, P * config->atoms),
                      largest_difference (reconstruction->data, whole->data, pixels));
      g_assert_cmpfloat (largest_difference (session_features, features, P * config->channels), <, 1e-5);
      g_assert_cmpfloat (largest_difference (session_codes, codes, P * config->atoms), <, 1e-5);
      g_assert_cmpfloat (largest_difference (reconstruction->data, whole->data, pixels), <, 1e-5);
    }
  scvae_set_threads (threads);
}

/* Large images decode in several bands per thread (DECODE_BAND_PATCHES):
 * whatever the split, the same picture. */
static void
test_session_bands_agree (void)
{
  g_autoptr(ScvaeModel) model = tiny_model (7);
  g_autoptr(ScvaeImage) image = test_image (1024, 768);
  g_autoptr(ScvaeImage) first = NULL;
  g_autoptr(GError) error = NULL;
  int threads = scvae_get_threads ();

  for (int n_threads = 1; n_threads <= 3; n_threads += 2)
    {
      g_autoptr(ScvaeSession) session = scvae_session_new (model);
      const ScvaeImage *reconstruction;

      scvae_set_threads (n_threads);
      g_assert_true (scvae_session_encode (session, image, NULL, &error));
      g_assert_true (scvae_session_sparse_code (session, 3, 1.f, NULL, &error));
      g_assert_true (scvae_session_decode (session, NULL, &error));
      g_assert_no_error (error);
      reconstruction = scvae_session_get_reconstruction (session);
      if (first == NULL)
        {
          first = scvae_image_copy (reconstruction);
          continue;
        }
      g_test_message ("%d threads: largest difference from 1: %g", n_threads,
                      largest_difference (reconstruction->data, first->data, (gsize) 3 * 1024 * 768));
      g_assert_cmpfloat (largest_difference (reconstruction->data, first->data, (gsize) 3 * 1024 * 768), <, 1e-5);
    }
  scvae_set_threads (threads);
}

/* The window atoms are shown in holds nearly all that each atom of the
 * shipped model draws, so no atom is shown cut off (see SCVAE_ATOM_PIXELS). */
static void
test_session_atom_window (void)
{
  const int whole = 28, window = SCVAE_ATOM_PIXELS, start = (whole - window) / 2;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = shipped_default_model_path (&error);
  g_autoptr(ScvaeModel) model = path ? scvae_model_load (path, &error) : NULL;
  g_autoptr(ScvaeSession) session = NULL;
  double worst = 1.0;

  g_assert_no_error (error);
  session = scvae_session_new (model);
  for (int k = 0; k < scvae_model_get_config (model)->atoms; k++)
    {
      g_autoptr(ScvaeImage) atom = scvae_session_render_atom (session, k, 1.f, whole, NULL);
      double all = 0, inside = 0;

      for (int c = 0; c < 3; c++)
        for (int y = 0; y < whole; y++)
          for (int x = 0; x < whole; x++)
            {
              double d = atom->data[((gsize) c * whole + y) * whole + x];

              all += d * d;
              if (y >= start && y < start + window && x >= start && x < start + window)
                inside += d * d;
            }
      g_assert_cmpfloat (all, >, 0);
      worst = MIN (worst, inside / all);
    }
  g_assert_cmpfloat (worst, >=, 0.95);
}

/* An image too large for the memory is refused with a message, before
 * anything is allocated, and the session keeps what it had. */
static void
test_session_memory_limit (void)
{
  g_autoptr(ScvaeModel) model = tiny_model (2);
  g_autoptr(ScvaeSession) session = scvae_session_new (model);
  g_autoptr(ScvaeImage) small = test_image (32, 24), large = test_image (1024, 1024);
  g_autoptr(GError) error = NULL;
  guint64 needed = scvae_session_estimate_bytes (model, 1024, 1024);

  /* Between the two images' needs. */
  g_assert_cmpuint (needed, >, 1 << 20);
  g_assert_cmpuint (scvae_session_estimate_bytes (model, 32, 24), <, 1 << 20);
  g_setenv ("SCVAE_MEMORY_LIMIT_MB", "1", TRUE);
  g_assert_true (scvae_session_encode (session, small, NULL, &error));
  g_assert_false (scvae_session_encode (session, large, NULL, &error));
  g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "1024x1024"));
  g_assert_nonnull (strstr (error->message, "downscale"));
  g_unsetenv ("SCVAE_MEMORY_LIMIT_MB");
  g_assert_true (scvae_session_get_input (session) != NULL);
  g_assert_cmpint (scvae_session_get_input (session)->width, ==, 32);
}

/* ------------------------------------------------------------------------- */
/* Segmentation features */

static void
test_segment_features (void)
{
  /* 1 x 2 patches, 2 atoms; mean |z| over the non-zeros is (1 + 2 + 3) / 3 = 2. */
  const float codes[] = { -1.f, 0.f, 2.f, -3.f };
  ScvaeSegmentOptions options;
  struct { ScvaeSegmentFeatures features; int smooth; float expect[4]; } cases[] = {
    { SCVAE_SEGMENT_CODES, 0, { -1.f, 0.f, 2.f, -3.f } },
    { SCVAE_SEGMENT_ABS, 0, { 1.f, 0.f, 2.f, 3.f } },
    { SCVAE_SEGMENT_NORMALIZED, 0, { -1.f, 0.f, 2.f / sqrtf (13.f), -3.f / sqrtf (13.f) } },
    { SCVAE_SEGMENT_LOG, 0, { log1pf (0.5f), 0.f, log1pf (1.f), log1pf (1.5f) } },
    /* Smoothing radius 1 over a 1 x 2 grid: both patches get the mean. */
    { SCVAE_SEGMENT_ABS, 1, { 1.5f, 1.5f, 1.5f, 1.5f } },
  };

  scvae_segment_options_init_default (&options);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree float *features = NULL;

      options.features = cases[i].features;
      options.smooth_radius = cases[i].smooth;
      features = scvae_segment_features (codes, 1, 2, 2, &options, NULL, NULL);
      g_assert_cmpint (scvae_segment_features_dim (&options, 2), ==, 2);
      for (int j = 0; j < 4; j++)
        g_assert_cmpfloat_with_epsilon (features[j], cases[i].expect[j], 1e-6);
    }
}

static void
test_segment_features_log_and_codes (void)
{
  /* As above. Each patch gets [log magnitudes, z], each half scaled so its
   * mean squared distance from its mean is 1: with two patches a and b that
   * is |a - b|^2 / 4. */
  const float codes[] = { -1.f, 0.f, 2.f, -3.f };
  const float log_a[] = { log1pf (0.5f), 0.f }, log_b[] = { log1pf (1.f), log1pf (1.5f) };
  float log_scale = 2.f / hypotf (log_a[0] - log_b[0], log_a[1] - log_b[1]);
  float z_scale = 2.f / hypotf (-1.f - 2.f, 0.f + 3.f);
  const float expect[] = {
    log_a[0] * log_scale, log_a[1] * log_scale, -1.f * z_scale, 0.f,
    log_b[0] * log_scale, log_b[1] * log_scale, 2.f * z_scale, -3.f * z_scale,
  };
  g_autofree float *features = NULL;
  ScvaeSegmentOptions options;

  scvae_segment_options_init_default (&options);
  options.features = SCVAE_SEGMENT_LOG_AND_CODES;
  options.smooth_radius = 0;
  g_assert_cmpint (scvae_segment_features_dim (&options, 2), ==, 4);
  features = scvae_segment_features (codes, 1, 2, 2, &options, NULL, NULL);
  for (int j = 0; j < 8; j++)
    g_assert_cmpfloat_with_epsilon (features[j], expect[j], 1e-5);

  /* Smoothing reaches the log half only: radius 1 makes both patches'
   * log halves equal (nothing left to scale), not their codes. */
  g_clear_pointer (&features, g_free);
  options.smooth_radius = 1;
  features = scvae_segment_features (codes, 1, 2, 2, &options, NULL, NULL);
  g_assert_cmpfloat_with_epsilon (features[0], features[4], 1e-6);
  g_assert_cmpfloat_with_epsilon (features[1], features[5], 1e-6);
  for (int j = 2; j < 4; j++)
    g_assert_cmpfloat_with_epsilon (features[j], expect[j], 1e-5);
  for (int j = 6; j < 8; j++)
    g_assert_cmpfloat_with_epsilon (features[j], expect[j], 1e-5);
}

static void
test_segment_features_histogram (void)
{
  /* 1 x 3 patches, 4 atoms. Each patch votes for its three largest |z|
   * among its active atoms, the lower index first on ties: a for 1, 3, 0;
   * b for 0 alone; c for 2, 3 and 0 (before 1, as large). Voters per atom:
   * 3, 1, 1, 2 of 3 patches, so the votes weigh log(1 + 3 / voters). */
  const float codes[] = {
    0.5f, -2.f, 0.f, 1.f,
    3.f, 0.f, 0.f, 0.f,
    1.f, 1.f, -4.f, 2.f,
  };
  const float w[] = { logf (2.f), logf (4.f), logf (4.f), logf (2.5f) };
  const float votes[] = {
    w[0], w[1], 0.f, w[3],
    w[0], 0.f, 0.f, 0.f,
    w[0], 0.f, w[2], w[3],
  };
  g_autofree float *features = NULL;
  ScvaeSegmentOptions options;

  scvae_segment_options_init_default (&options);
  options.features = SCVAE_SEGMENT_HISTOGRAM;
  options.smooth_radius = 0;
  g_assert_cmpint (scvae_segment_features_dim (&options, 4), ==, 4);
  features = scvae_segment_features (codes, 1, 3, 4, &options, NULL, NULL);
  for (int j = 0; j < 12; j++)
    g_assert_cmpfloat_with_epsilon (features[j], sqrtf (votes[j]), 1e-6);

  /* Radius 1: the square root of the mean votes of each patch and its
   * neighbours (two at the ends). */
  g_clear_pointer (&features, g_free);
  options.smooth_radius = 1;
  features = scvae_segment_features (codes, 1, 3, 4, &options, NULL, NULL);
  for (int k = 0; k < 4; k++)
    {
      g_assert_cmpfloat_with_epsilon (features[k], sqrtf ((votes[k] + votes[4 + k]) / 2), 1e-6);
      g_assert_cmpfloat_with_epsilon (features[4 + k], sqrtf ((votes[k] + votes[4 + k] + votes[8 + k]) / 3), 1e-6);
      g_assert_cmpfloat_with_epsilon (features[8 + k], sqrtf ((votes[4 + k] + votes[8 + k]) / 2), 1e-6);
    }

  /* Histograms over r and 3 r beside z: over 3 r = 3 every patch sees the
   * whole grid, so that part is the same for all; z is not smoothed, only
   * scaled. */
  g_clear_pointer (&features, g_free);
  options.features = SCVAE_SEGMENT_HISTOGRAMS_AND_CODES;
  g_assert_cmpint (scvae_segment_features_dim (&options, 4), ==, 12);
  features = scvae_segment_features (codes, 1, 3, 4, &options, NULL, NULL);
  for (int k = 0; k < 4; k++)
    {
      float scale = features[8 + 1] / codes[1];

      /* The first part: the radius-1 histograms above, at one scale. */
      g_assert_cmpfloat_with_epsilon (features[k] * sqrtf ((votes[4] + votes[0] + votes[8]) / 3),
                                      features[12 + 0] * sqrtf ((votes[k] + votes[4 + k]) / 2), 1e-5);
      g_assert_cmpfloat_with_epsilon (features[4 + k], features[12 + 4 + k], 1e-6);
      g_assert_cmpfloat_with_epsilon (features[4 + k], features[24 + 4 + k], 1e-6);
      for (int p = 0; p < 3; p++)
        g_assert_cmpfloat_with_epsilon (features[p * 12 + 8 + k], codes[p * 4 + k] * scale, 1e-5);
    }

  /* A cancelled request gets no features, and says why. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GError) error = NULL;

    g_cancellable_cancel (cancellable);
    g_assert_null (scvae_segment_features (codes, 1, 3, 4, &options, cancellable, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
}

/* ------------------------------------------------------------------------- */
/* Metrics and k-means */

static void
test_ssim_matches_scikit_image (void)
{
  g_autofree char *a_path = g_test_build_filename (G_TEST_DIST, "..", "data", "ssim-a.png", NULL);
  g_autofree char *b_path = g_test_build_filename (G_TEST_DIST, "..", "data", "ssim-b.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeImage) a = NULL, b = NULL;

  a = scvae_image_load (a_path, 0, NULL, &error);
  g_assert_no_error (error);
  b = scvae_image_load (b_path, 0, NULL, &error);
  g_assert_no_error (error);
  /* From tools/reference/ssim-reference (scikit-image 0.19). */
  g_assert_cmpfloat_with_epsilon (scvae_psnr (a, b), 25.218302, 1e-4);
  g_assert_cmpfloat_with_epsilon (scvae_ssim (a, b), 0.724186, 1e-5);
  g_assert_cmpfloat_with_epsilon (scvae_ssim (a, a), 1.0, 1e-6);
}

static int
reflect_index (int i, int n)
{
  if (n == 1)
    return 0;
  while (i < 0 || i >= n)
    i = i < 0 ? -i - 1 : 2 * n - i - 1;
  return i;
}

/* The blur of scikit-image's SSIM, pixel by pixel in double precision. */
static double *
reference_blur (const double *x, int w, int h)
{
  double taps[11], sum = 0.0;
  double *across = g_new (double, (gsize) w * h), *out = g_new (double, (gsize) w * h);

  for (int k = -5; k <= 5; k++)
    sum += taps[k + 5] = exp (-0.5 * k * k / (1.5 * 1.5));
  for (int y = 0; y < h; y++)
    for (int i = 0; i < w; i++)
      {
        double v = 0.0;

        for (int k = -5; k <= 5; k++)
          v += taps[k + 5] / sum * x[(gsize) y * w + reflect_index (i + k, w)];
        across[(gsize) y * w + i] = v;
      }
  for (int y = 0; y < h; y++)
    for (int i = 0; i < w; i++)
      {
        double v = 0.0;

        for (int k = -5; k <= 5; k++)
          v += taps[k + 5] / sum * across[(gsize) reflect_index (y + k, h) * w + i];
        out[(gsize) y * w + i] = v;
      }
  g_free (across);
  return out;
}

static double
reference_ssim (const ScvaeImage *a, const ScvaeImage *b)
{
  int w = a->width, h = a->height;
  gsize plane = (gsize) w * h;
  int x0 = w > 10 ? 5 : 0, x1 = w > 10 ? w - 5 : w, y0 = h > 10 ? 5 : 0, y1 = h > 10 ? h - 5 : h;
  double total = 0.0;

  for (int c = 0; c < 3; c++)
    {
      g_autofree double *x = g_new (double, plane), *y = g_new (double, plane);
      g_autofree double *xx = g_new (double, plane), *yy = g_new (double, plane), *xy = g_new (double, plane);
      g_autofree double *mx = NULL, *my = NULL, *sxx = NULL, *syy = NULL, *sxy = NULL;
      double channel = 0.0;

      for (gsize i = 0; i < plane; i++)
        {
          x[i] = (b->data[c * plane + i] + 1.0) / 2, y[i] = (a->data[c * plane + i] + 1.0) / 2;
          xx[i] = x[i] * x[i], yy[i] = y[i] * y[i], xy[i] = x[i] * y[i];
        }
      mx = reference_blur (x, w, h), my = reference_blur (y, w, h);
      sxx = reference_blur (xx, w, h), syy = reference_blur (yy, w, h), sxy = reference_blur (xy, w, h);
      for (int r = y0; r < y1; r++)
        for (int i = x0; i < x1; i++)
          {
            gsize j = (gsize) r * w + i;
            double c1 = 1e-4, c2 = 9e-4, vx = sxx[j] - mx[j] * mx[j], vy = syy[j] - my[j] * my[j];
            double vxy = sxy[j] - mx[j] * my[j];

            channel += ((2 * mx[j] * my[j] + c1) * (2 * vxy + c2))
                       / ((mx[j] * mx[j] + my[j] * my[j] + c1) * (vx + vy + c2));
          }
      total += channel / ((double) (x1 - x0) * (y1 - y0));
    }
  return total / 3;
}

/* SSIM blurs in bands of rows, each from the rows it reaches: taller
 * images than a band, and shorter ones than the blur, come out as the
 * whole-plane definition says. */
static void
test_ssim_bands (void)
{
  const int sizes[][2] = { { 70, 300 }, { 300, 129 }, { 9, 7 }, { 1, 40 } };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(ScvaeImage) a = test_image (sizes[i][0], sizes[i][1]);
      g_autoptr(ScvaeImage) b = test_image (sizes[i][0], sizes[i][1]);
      double expected;

      for (gsize j = 0; j < (gsize) 3 * a->width * a->height; j++)
        b->data[j] = CLAMP (0.7f * b->data[j] + 0.2f * sinf (0.37f * j), -1.f, 1.f);
      expected = reference_ssim (a, b);
      g_test_message ("%dx%d: SSIM %.7f, reference %.7f", sizes[i][0], sizes[i][1], scvae_ssim (a, b), expected);
      g_assert_cmpfloat_with_epsilon (scvae_ssim (a, b), expected, 2e-6);
    }
}

/* Row i belongs to blob i % k: one label per blob, a different one each. */
static void
assert_finds_blobs (const guint8 *labels, int n, int k)
{
  for (int i = k; i < n; i++)
    g_assert_cmpint (labels[i], ==, labels[i % k]);
  for (int a = 0; a < k; a++)
    for (int b = a + 1; b < k; b++)
      g_assert_cmpint (labels[a], !=, labels[b]);
}

static void
test_kmeans (void)
{
  const int per_cluster = 50, k = 4, dim = 6;
  int n = per_cluster * k;
  g_autofree float *rows = g_new (float, n * dim);
  g_autofree guint8 *labels = g_new (guint8, n), *again = g_new (guint8, n);
  g_autofree float *centroids = g_new (float, k * dim);
  ScvaeKMeansOptions options = { .k = k, .n_restarts = 3, .max_iterations = 100, .seed = 9 };
  double inertia;
  g_autoptr(GError) error = NULL;
  Rng rng;

  /* Four tight, far-apart blobs, interleaved. */
  scvae__rng_seed (&rng, 4);
  for (int i = 0; i < n; i++)
    for (int d = 0; d < dim; d++)
      rows[i * dim + d] = (d == i % k ? 10.f : 0.f) + 0.1f * (float) scvae__rng_normal (&rng);

  g_assert_true (scvae_kmeans (rows, n, dim, &options, labels, NULL, NULL, NULL, &error));
  assert_finds_blobs (labels, n, k);

  /* Same seed, same labels. */
  g_assert_true (scvae_kmeans (rows, n, dim, &options, again, NULL, NULL, NULL, &error));
  g_assert_cmpmem (labels, n, again, n);

  /* Clustering every fifth row finds the same blobs, and every row gets the
   * nearest of their centroids. */
  options.max_rows = n / 5;
  g_assert_true (scvae_kmeans (rows, n, dim, &options, again, centroids, &inertia, NULL, &error));
  assert_finds_blobs (again, n, k);
  {
    double sum = 0.0;

    for (int i = 0; i < n; i++)
      for (int d = 0; d < dim; d++)
        sum += pow (rows[i * dim + d] - centroids[again[i] * dim + d], 2);
    g_assert_cmpfloat_with_epsilon (inertia, sum, 1e-3 * sum);
  }
  options.max_rows = 0;

  options.k = 300;
  g_assert_false (scvae_kmeans (rows, n, dim, &options, labels, NULL, NULL, NULL, &error));
  g_assert_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp = g_dir_make_tmp ("scvae-model-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/model/gradients", test_model_gradients);
  g_test_add_func ("/model/format-float", test_format_float);
  g_test_add_func ("/model/round-trip", test_round_trip);
  g_test_add_func ("/model/refuse-bad-files", test_refuse_bad_files);
  g_test_add_func ("/model/refuse-truncated", test_refuse_truncated);
  g_test_add_func ("/model/refuse-deep-header", test_refuse_deep_header);
  g_test_add_func ("/model/refuse-other-kinds", test_refuse_other_kinds);
  g_test_add_func ("/model/save-refuses-non-finite", test_save_refuses_non_finite);
  g_test_add_func ("/session/sizes", test_session_sizes);
  g_test_add_func ("/session/stages", test_session_stages);
  g_test_add_func ("/session/memory-limit", test_session_memory_limit);
  g_test_add_func ("/session/codes-match-reference", test_session_codes_match_reference);
  g_test_add_func ("/session/depth-continues", test_session_depth_continues);
  g_test_add_func ("/session/threads-agree", test_session_threads_agree);
  g_test_add_func ("/session/bands-agree", test_session_bands_agree);
  g_test_add_func ("/session/atom-window", test_session_atom_window);
  g_test_add_func ("/segment/features", test_segment_features);
  g_test_add_func ("/segment/features-log-and-codes", test_segment_features_log_and_codes);
  g_test_add_func ("/segment/features-histogram", test_segment_features_histogram);
  g_test_add_func ("/metrics/ssim", test_ssim_matches_scikit_image);
  g_test_add_func ("/metrics/ssim-bands", test_ssim_bands);
  g_test_add_func ("/kmeans/blobs", test_kmeans);

  status = g_test_run ();
  if (status == 0)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", tmp);
      (void) !system (command);
    }
  return status;
}
