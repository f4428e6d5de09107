/* test-golden.c: the whole model against the PyTorch reference
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * tests/data/golden-tiny.safetensors is written by
 * tools/reference/make-golden (PyTorch): a tiny model (C=16, K=32, T=4), a
 * batch of two 32x32 images, and what PyTorch computed from them: features,
 * codes, reconstructions in training and inference mode, the loss terms,
 * every parameter gradient, all tensors after one clipped Adam step and
 * after two more on two more batches, and a 30x22 image in inference mode.
 * golden-tiny-vq and golden-tiny-gaussian hold the same for the baselines'
 * bottlenecks (make-golden --bottleneck): every test runs on all three.
 */

#include <math.h>
#include <string.h>

#include "check.h"
#include "f4-network.h"
#include "model-private.h"
#include "optimizer.h"
#include "safetensors.h"
#include "session-private.h"
#include "vq.h"

#define BATCH 2
#define SIZE 32

static const char *const golden_names[] = { "lista", "vq", "gaussian" };
static SafetensorsFile *golden_files[G_N_ELEMENTS (golden_names)];
/* The file of the test running. */
static SafetensorsFile *golden;

static float *
read_tensor (const char *name, gsize *numel)
{
  const SafetensorsEntry *entry = scvae__safetensors_find (golden, name);
  float *data;

  if (entry == NULL)
    g_error ("golden file lacks '%s'", name);
  data = g_new (float, entry->numel);
  scvae__safetensors_read_f32 (golden, entry, data);
  if (numel)
    *numel = entry->numel;
  return data;
}

static double *
read_tensor_d (const char *name, gsize *numel)
{
  gsize n;
  g_autofree float *f = read_tensor (name, &n);

  if (numel)
    *numel = n;
  return check_to_double (f, n);
}

static double
read_scalar (const char *name)
{
  g_autofree float *f = read_tensor (name, NULL);
  return f[0];
}

/* [B][C][H][W] (PyTorch) <-> [C][B][H][W] (the engine's training layout) */
static void
swap_batch_channels (const float *src, int b, int c, gsize plane, float *dst)
{
  for (int i = 0; i < b; i++)
    for (int j = 0; j < c; j++)
      memcpy (dst + ((gsize) j * b + i) * plane, src + ((gsize) i * c + j) * plane,
              plane * sizeof (float));
}

static void
read_setting (const char *key, float *value)
{
  g_assert_true (scvae__parse_float (g_hash_table_lookup (scvae__safetensors_get_metadata (golden), key), value));
}

static ScvaeModel *
load_model (void)
{
  ScvaeModel *model;
  ScvaeConfig config;
  GHashTable *meta = scvae__safetensors_get_metadata (golden);
  const char *bottleneck = g_hash_table_lookup (meta, "bottleneck");
  g_autoptr(GError) error = NULL;

  scvae_config_init_default (&config);
  g_assert_true (scvae_bottleneck_from_string (bottleneck ? bottleneck : "lista", &config.bottleneck));
  config.channels = atoi (g_hash_table_lookup (meta, "channels"));
  config.atoms = atoi (g_hash_table_lookup (meta, "atoms"));
  read_setting ("whiten", &config.whiten);
  read_setting ("center", &config.center);
  /* The terms are compared, not skipped. */
  g_assert_cmpfloat (config.whiten, >, 0.f);
  g_assert_cmpfloat (config.center, >, 0.f);
  switch (config.bottleneck)
    {
    case SCVAE_BOTTLENECK_LISTA:
      config.lista_steps = atoi (g_hash_table_lookup (meta, "lista_steps"));
      read_setting ("beta", &config.beta);
      read_setting ("gamma", &config.gamma);
      read_setting ("l1", &config.l1);
      read_setting ("lifetime", &config.lifetime);
      g_assert_cmpfloat (config.lifetime, >, 0.f);
      break;
    case SCVAE_BOTTLENECK_VQ:
      read_setting ("commitment", &config.commitment);
      read_setting ("ema_decay", &config.ema_decay);
      config.lista_steps = 0;
      break;
    case SCVAE_BOTTLENECK_GAUSSIAN:
      read_setting ("kl_weight", &config.kl_weight);
      config.lista_steps = 0;
      break;
    }

  model = scvae__model_alloc (&config);
  scvae__model_read_tensors (model, golden, TRUE, &error);
  g_assert_no_error (error);
  return model;
}

static gboolean
is_noise_gradient (const char *name)
{
  /* A bias right before a BatchNorm has a true gradient of zero: both sides
   * hold only rounding noise there, so it is compared on the scale of all
   * gradients rather than its own. */
  const char *list = g_hash_table_lookup (scvae__safetensors_get_metadata (golden), "noise_grads");
  g_auto(GStrv) names = g_strsplit (list ? list : "", ",", -1);

  return g_strv_contains ((const char * const *) names, name);
}

static void
test_dct_init (gconstpointer file)
{
  g_autoptr(ScvaeModel) model = NULL;
  golden = (SafetensorsFile *) file;
  model = load_model ();
  const ScvaeConfig *config = scvae_model_get_config (model);
  gsize n;
  g_autofree double *expect = read_tensor_d ("golden.dct_dictionary", &n);
  g_autofree float *dictionary = g_new (float, n);
  float c;

  g_assert_true (scvae__lista_init_dct (dictionary, config->channels, config->atoms));
  check_close ("DCT dictionary", dictionary, expect, n, 1e-6);
  c = (float) scvae__lista_spectral_norm_squared (dictionary, config->channels, config->atoms);
  g_assert_cmpfloat_with_epsilon (c, read_scalar ("golden.dct_c"), 1e-5 * c);
}

/* Every parameter and running statistic against prefix.NAME. */
static void
check_state (ScvaeModel *model, const char *prefix, double tolerance)
{
  for (guint i = 0; i < model->layout->tensors->len; i++)
    {
      const TensorInfo *info = &g_array_index (model->layout->tensors, TensorInfo, i);
      g_autofree char *name = g_strconcat (prefix, info->name, NULL);
      g_autofree double *expect = read_tensor_d (name, NULL);
      const float *data = (info->kind == TENSOR_PARAMETER ? model->parameters : model->running) + info->offset;

      check_close (name, data, expect, info->numel, tolerance);
    }
}

/* Rounding noise where the true gradient is zero, which Adam would turn
 * into random steps: set to zero before clipping, as make-golden does. */
static void
zero_noise_gradients (ScvaeModel *model, float *grads)
{
  for (guint i = 0; i < model->layout->tensors->len; i++)
    {
      const TensorInfo *info = &g_array_index (model->layout->tensors, TensorInfo, i);

      if (info->kind == TENSOR_PARAMETER && is_noise_gradient (info->name))
        memset (grads + info->offset, 0, info->numel * sizeof (float));
    }
}

/* What the trainer does after the optimiser's step: a VQ codebook follows
 * its moving averages of the batch just coded. */
static void
upkeep (ScvaeModel *model, F4Network *net)
{
  const ScvaeConfig *config = scvae_model_get_config (model);

  if (config->bottleneck == SCVAE_BOTTLENECK_VQ)
    scvae__vq_ema_update (&(VqEma) { config->channels, config->atoms, config->ema_decay,
                                     model->tensors.ema_counts, model->tensors.ema_sums },
                          scvae__f4_network_get_n_patches (net), scvae__f4_network_get_feature_rows (net),
                          scvae__f4_network_get_code_index (net), model->tensors.dictionary);
}

/* A Gaussian model samples with PyTorch's noise of that forward. */
static float *
use_noise (F4Network *net, const char *name)
{
  float *noise = NULL;

  if (scvae__safetensors_find (golden, name))
    {
      noise = read_tensor (name, NULL);
      scvae__f4_network_use_noise (net, noise);
    }
  return noise;
}

static void
test_training_step (gconstpointer file)
{
  g_autoptr(ScvaeModel) model = NULL;
  golden = (SafetensorsFile *) file;
  model = load_model ();
  const ScvaeConfig *config = scvae_model_get_config (model);
  int C = config->channels, K = config->atoms;
  gsize n_in, P = BATCH * (SIZE / 4) * (SIZE / 4);
  g_autofree float *input_nchw = read_tensor ("golden.input", &n_in);
  g_autofree float *input = g_new (float, n_in);
  g_autofree float *out = g_new (float, n_in);
  g_autofree float *features = g_new (float, C * P);
  g_autofree double *expect_recon = read_tensor_d ("golden.recon_train", NULL);
  g_autofree double *expect_e = read_tensor_d ("golden.e", NULL);
  g_autofree double *expect_z = read_tensor_d ("golden.z", NULL);
  g_autofree float *grads = g_new0 (float, model->layout->n_parameters);
  F4Network *net = scvae__f4_network_new (model->layout, BATCH, SIZE, SIZE);
  Scratch scratch = { 0 };
  F4Tensors g;
  F4Loss loss;
  Adam adam;
  double grad_scale = 0.0, norm;
  float lr, clip;
  float *noise = use_noise (net, "golden.noise");

  swap_batch_channels (input_nchw, BATCH, 3, SIZE * SIZE, input);
  scvae__f4_network_forward (net, &model->tensors, input, &loss, &scratch);

  /* Forward, training mode (batch statistics) */
  swap_batch_channels (scvae__f4_network_get_features (net), C, BATCH, P / BATCH, features);
  check_close ("features e", features, expect_e, C * P, 1e-4);
  check_close ("codes z", scvae__f4_network_get_codes (net), expect_z, P * K, 1e-4);
  swap_batch_channels (scvae__f4_network_get_output (net), 3, BATCH, SIZE * SIZE, out);
  check_close ("reconstruction (train)", out, expect_recon, n_in, 1e-4);
  g_assert_cmpfloat_with_epsilon (loss.image, read_scalar ("golden.loss_image"), 1e-4 * loss.image);
  g_assert_cmpfloat_with_epsilon (loss.latent, read_scalar ("golden.loss_latent"), 1e-4 * loss.latent);
  /* (+ 1e-30: the baselines' l1 and lifetime terms are 0 on both sides) */
  g_assert_cmpfloat_with_epsilon (loss.l1, read_scalar ("golden.loss_l1"), 1e-4 * loss.l1 + 1e-30);
  g_assert_cmpfloat_with_epsilon (loss.whiten, read_scalar ("golden.loss_whiten"), 1e-4 * loss.whiten);
  g_assert_cmpfloat_with_epsilon (loss.center, read_scalar ("golden.loss_center"), 1e-4 * loss.center);
  g_assert_cmpfloat_with_epsilon (loss.lifetime, read_scalar ("golden.loss_lifetime"), 1e-4 * loss.lifetime + 1e-30);
  g_assert_cmpfloat_with_epsilon (loss.total, read_scalar ("golden.loss"), 1e-4 * loss.total);

  /* Backward: every parameter's gradient */
  scvae__f4_bind (model->layout, grads, NULL, &g);
  scvae__f4_network_backward (net, &model->tensors, &g, input, &scratch);
  for (gsize i = 0; i < model->layout->n_parameters; i++)
    grad_scale = MAX (grad_scale, fabsf (grads[i]));
  for (guint i = 0; i < model->layout->tensors->len; i++)
    {
      const TensorInfo *info = &g_array_index (model->layout->tensors, TensorInfo, i);
      g_autofree char *name = g_strconcat ("grad.", info->name, NULL);
      g_autofree double *expect = NULL;

      if (info->kind != TENSOR_PARAMETER)
        continue;
      expect = read_tensor_d (name, NULL);
      if (is_noise_gradient (info->name))
        {
          for (gsize j = 0; j < info->numel; j++)
            g_assert_cmpfloat (fabs (grads[info->offset + j] - expect[j]), <, 1e-5 * grad_scale);
        }
      else
        {
          check_close (name, grads + info->offset, expect, info->numel, 2e-3);
        }
    }

  /* One clipped Adam step, and the running statistics the forward updated */
  g_assert_true (scvae__parse_float (g_hash_table_lookup (scvae__safetensors_get_metadata (golden), "lr"), &lr));
  g_assert_true (scvae__parse_float (g_hash_table_lookup (scvae__safetensors_get_metadata (golden), "clip"), &clip));
  zero_noise_gradients (model, grads);
  norm = scvae__clip_gradient_norm (grads, model->layout->n_parameters, clip);
  g_assert_cmpfloat_with_epsilon (norm, g_ascii_strtod (g_hash_table_lookup (scvae__safetensors_get_metadata (golden), "grad_norm"), NULL), 1e-4 * norm);
  g_assert_cmpfloat (norm, >, clip); /* the clip is active in this check */
  scvae__adam_init (&adam, model->layout->n_parameters);
  scvae__adam_step (&adam, lr, model->parameters, grads);
  upkeep (model, net);
  /* Adam's first step is lr g / (|g| + 1e-8): for the few weights whose
   * gradient is near 1e-8 it turns the gradients' rounding into visible
   * differences. The baselines' decoders (fed 32 distinct codes, or a
   * Gaussian's sample) have such weights: the reference itself, run in
   * float32 and float64, differs by 5e-5 (Gaussian) and 9e-5 (VQ) after
   * this step. They are held to 2e-4 here and after three steps; that
   * still fails for a learning rate 10 % off. */
  check_state (model, "after_step.", config->bottleneck == SCVAE_BOTTLENECK_LISTA ? 1e-5 : 2e-4);

  /* Two more steps: at the first, bias correction cancels Adam's betas
   * exactly, so only these tell wrong betas apart (checked: betas of 0.5
   * and 0.9 fail here and pass above). */
  for (int step = 2; step <= 3; step++)
    {
      g_autofree char *input_name = g_strdup_printf ("golden.input_%d", step);
      g_autofree char *loss_name = g_strdup_printf ("golden.loss_%d", step);
      g_autofree char *noise_name = g_strdup_printf ("golden.noise_%d", step);
      g_autofree float *batch_nchw = read_tensor (input_name, NULL);
      float *step_noise = use_noise (net, noise_name);

      swap_batch_channels (batch_nchw, BATCH, 3, SIZE * SIZE, input);
      scvae__f4_network_forward (net, &model->tensors, input, &loss, &scratch);
      g_assert_cmpfloat_with_epsilon (loss.total, read_scalar (loss_name), 1e-4 * loss.total);
      memset (grads, 0, model->layout->n_parameters * sizeof (float));
      scvae__f4_network_backward (net, &model->tensors, &g, input, &scratch);
      zero_noise_gradients (model, grads);
      scvae__clip_gradient_norm (grads, model->layout->n_parameters, clip);
      scvae__adam_step (&adam, lr, model->parameters, grads);
      upkeep (model, net);
      g_free (step_noise);
    }
  check_state (model, "after_step3.", config->bottleneck == SCVAE_BOTTLENECK_LISTA ? 1e-4 : 2e-4);

  g_free (noise);
  scvae__adam_clear (&adam);
  scvae__scratch_clear (&scratch);
  scvae__f4_network_free (net);
}

static void
check_inference (ScvaeModel *model, int depth, float sparsity, const char *recon_name,
                 const char *codes_name, ListaForm form)
{
  const ScvaeConfig *config = scvae_model_get_config (model);
  gsize plane = SIZE * SIZE, grid = (SIZE / 4) * (SIZE / 4);
  g_autofree float *input = read_tensor ("golden.input", NULL);
  g_autofree double *expect_codes = read_tensor_d (codes_name, NULL);
  g_autofree double *expect_recon = recon_name ? read_tensor_d (recon_name, NULL) : NULL;
  g_autoptr(ScvaeSession) session = scvae_session_new (model);

  scvae__session_set_lista_form (session, form);
  for (int b = 0; b < BATCH; b++)
    {
      g_autoptr(ScvaeImage) image = scvae_image_new (SIZE, SIZE);
      g_autoptr(GError) error = NULL;

      memcpy (image->data, input + b * 3 * plane, 3 * plane * sizeof (float));
      scvae_session_encode (session, image, NULL, &error);
      g_assert_no_error (error);
      scvae_session_sparse_code (session, depth, sparsity, NULL, &error);
      g_assert_no_error (error);
      scvae_session_decode (session, NULL, &error);
      g_assert_no_error (error);

      check_close (codes_name, scvae_session_get_codes (session, NULL, NULL, NULL),
                   expect_codes + b * grid * config->atoms, grid * config->atoms, 1e-4);
      if (expect_recon)
        check_close (recon_name, scvae_session_get_reconstruction (session)->data,
                     expect_recon + b * 3 * plane, 3 * plane, 1e-4);
    }
}

static void
test_inference (gconstpointer file)
{
  g_autoptr(ScvaeModel) model = NULL;
  golden = (SafetensorsFile *) file;
  model = load_model ();
  GHashTable *meta = scvae__safetensors_get_metadata (golden);
  float sparsity;
  int depth = atoi (g_hash_table_lookup (meta, "override_depth"));

  g_assert_true (scvae__parse_float (g_hash_table_lookup (meta, "override_sparsity"), &sparsity));
  /* Folded BatchNorm with running statistics; both LISTA forms. */
  for (ListaForm form = LISTA_FORM_DENSE; form <= LISTA_FORM_SPARSE; form++)
    {
      g_autofree char *codes = g_strdup_printf ("golden.z_eval_d%d_s%s", depth,
                                                (char *) g_hash_table_lookup (meta, "override_sparsity"));

      check_inference (model, -1, 1.f, "golden.recon_eval", "golden.z_eval", form);
      check_inference (model, depth, sparsity, NULL, codes, form);
    }
}

/* An image whose sides are not multiples of 4: the session pads it by
 * reflection, as scvae_ref.reconstruct does, and crops the output back. */
static void
test_odd_size (gconstpointer file)
{
  g_autoptr(ScvaeModel) model = NULL;
  g_autoptr(ScvaeSession) session = NULL;
  golden = (SafetensorsFile *) file;
  model = load_model ();
  session = scvae_session_new (model);
  g_autoptr(ScvaeImage) image = NULL;
  g_autoptr(GError) error = NULL;
  gsize n, n_codes;
  g_autofree float *input = read_tensor ("golden.input_odd", &n);
  g_autofree double *expect_recon = read_tensor_d ("golden.recon_odd", NULL);
  g_autofree double *expect_codes = read_tensor_d ("golden.z_odd", &n_codes);
  const ScvaeImage *recon;
  int rows, cols;

  g_assert_cmpuint (n, ==, 3 * 30 * 22);
  image = scvae_image_new (30, 22);
  memcpy (image->data, input, n * sizeof (float));
  g_assert_true (scvae_session_encode (session, image, NULL, &error));
  g_assert_true (scvae_session_sparse_code (session, -1, 1.f, NULL, &error));
  g_assert_true (scvae_session_decode (session, NULL, &error));
  g_assert_no_error (error);
  scvae_session_get_codes (session, &rows, &cols, NULL);
  g_assert_cmpint (rows, ==, 6);
  g_assert_cmpint (cols, ==, 8);
  check_close ("codes of a 30x22 image", scvae_session_get_codes (session, NULL, NULL, NULL), expect_codes,
               n_codes, 1e-4);
  recon = scvae_session_get_reconstruction (session);
  g_assert_cmpint (recon->width, ==, 30);
  g_assert_cmpint (recon->height, ==, 22);
  check_close ("reconstruction of a 30x22 image", recon->data, expect_recon, n, 1e-4);
}

int
main (int argc, char **argv)
{
  static const struct { const char *name; GTestDataFunc test; } tests[] = {
    { "training-step", test_training_step },
    { "inference", test_inference },
    { "odd-size", test_odd_size },
  };
  int status;

  g_test_init (&argc, &argv, NULL);
  for (guint f = 0; f < G_N_ELEMENTS (golden_names); f++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *file = g_strdup_printf (f == 0 ? "golden-tiny.safetensors" : "golden-tiny-%s.safetensors",
                                               golden_names[f]);
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", file, NULL);

      golden_files[f] = scvae__safetensors_open (path, &error);
      g_assert_no_error (error);
      for (guint t = 0; t < G_N_ELEMENTS (tests); t++)
        {
          g_autofree char *name = g_strdup_printf ("/golden/%s/%s", golden_names[f], tests[t].name);

          g_test_add_data_func (name, golden_files[f], tests[t].test);
        }
    }
  /* The DCT initialisation is LISTA's (and VQ's, tested through LISTA). */
  g_test_add_data_func ("/golden/lista/dct-init", golden_files[0], test_dct_init);

  status = g_test_run ();
  for (guint f = 0; f < G_N_ELEMENTS (golden_names); f++)
    scvae__safetensors_close (golden_files[f]);
  return status;
}
