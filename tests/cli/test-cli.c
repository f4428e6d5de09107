/* test-cli.c: the real scvae binary on real images, good and bad
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Trains a tiny model on the shipped sample photos, then runs every command
 * on it; feeds broken images, models and flags and checks the exit status,
 * that the error is one line naming the file, and that nothing was written.
 */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>

#include "claiming-png.h"
#include "scvae-run.h"
#include "scvae.h"

static char *scvae;      /* the binary */
static char *samples;    /* data/samples */
static char *tmp;        /* scratch folder for this run */
static char *model;      /* the tiny model trained by /cli/train */

static char *
in_tmp (const char *name)
{
  return g_build_filename (tmp, name, NULL);
}

static JsonObject *
parse_json (const char *text, JsonParser **parser)
{
  g_autoptr(GError) error = NULL;

  *parser = json_parser_new ();
  json_parser_load_from_data (*parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (*parser)));
  return json_node_get_object (json_parser_get_root (*parser));
}

static char *
sample (const char *name)
{
  return g_build_filename (samples, name, NULL);
}

/* ------------------------------------------------------------------------- */

static void
test_help (void)
{
  g_auto(ScvaeRun) top = { 0 }, train = { 0 }, unknown = { 0 };

  SCVAE_RUN (&top, "--help");
  scvae_assert_ok (&top);
  for (const char *const *c = (const char *[]) { "train", "reconstruct", "eval", "info", "bench", NULL }; *c; c++)
    g_assert_nonnull (strstr (top.out, *c));

  SCVAE_RUN (&train, "train", "--help");
  scvae_assert_ok (&train);
  g_assert_nonnull (strstr (train.out, "--data"));
  g_assert_nonnull (strstr (train.out, "--resume"));

  SCVAE_RUN (&unknown, "frobnicate");
  scvae_assert_fails (&unknown, 2, "frobnicate");
}

static const char *tiny[] = { "--channels", "16", "--atoms", "32", "--depth", "4", "--crop", "32",
                              "--batch", "4", "--seed", "7", "--warmup", "5" };

/* Trains the tiny model; further arguments, NULL-terminated, follow. */
G_GNUC_NULL_TERMINATED static void
train_tiny (ScvaeRun *run, const char *out, const char *steps, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *extra;
  va_list ap;

  g_ptr_array_add (args, "train");
  g_ptr_array_add (args, "--data");
  g_ptr_array_add (args, samples);
  g_ptr_array_add (args, "--out");
  g_ptr_array_add (args, (gpointer) out);
  g_ptr_array_add (args, "--steps");
  g_ptr_array_add (args, (gpointer) steps);
  for (guint i = 0; i < G_N_ELEMENTS (tiny); i++)
    g_ptr_array_add (args, (gpointer) tiny[i]);
  va_start (ap, steps);
  while ((extra = va_arg (ap, const char *)))
    g_ptr_array_add (args, (gpointer) extra);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  scvae_run (run, NULL, (const char * const *) args->pdata);
}

typedef struct
{
  double loss;
  double val_psnr;
} LogRow;

/* The first and the last row of a training log (step,seconds,loss,
 * train_psnr,val_psnr,...). */
static void
read_log (const char *path, LogRow *first, LogRow *last)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint rows = 0;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (g_strstrip (text), "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "step,seconds,loss,train_psnr,val_psnr,"));
  for (guint i = 1; lines[i]; i++, rows++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ",", -1);
      LogRow row = { g_ascii_strtod (f[2], NULL), g_ascii_strtod (f[4], NULL) };

      g_assert_cmpuint (g_strv_length (f), >, 4);
      if (i == 1)
        *first = row;
      *last = row;
    }
  g_assert_cmpuint (rows, >=, 2);
}

static void
test_train (void)
{
  g_auto(ScvaeRun) run = { 0 };
  g_autofree char *checkpoint = NULL;
  g_autofree char *log = NULL;
  g_autoptr(ScvaeModel) trained = NULL;
  g_autoptr(GError) error = NULL;
  LogRow first = { NAN, NAN }, last = { NAN, NAN };

  model = in_tmp ("tiny.safetensors");
  log = in_tmp ("tiny.csv");
  train_tiny (&run, model, "40", "--val", samples, "--validate-every", "10", "--log", log, NULL);
  scvae_assert_ok (&run);

  /* It learned: the training loss fell to under half its first logged
   * value, and the validation PSNR rose (40 steps from 4.3 to 1.4, and
   * 12.0 to 14.4 dB, when this was written). */
  read_log (log, &first, &last);
  g_assert_cmpfloat (last.loss, <, 0.5 * first.loss);
  g_assert_cmpfloat (last.val_psnr, >, first.val_psnr + 1.0);

  /* The model and its checkpoint load, and the model says where it came from. */
  trained = scvae_model_load (model, &error);
  g_assert_no_error (error);
  g_assert_cmpint (scvae_model_get_config (trained)->atoms, ==, 32);
  g_assert_cmpstr (scvae_model_get_metadata (trained, "steps"), ==, "40");
  g_assert_cmpstr (scvae_model_get_metadata (trained, "data"), ==, "4 images in samples");
  g_assert_nonnull (strstr (scvae_model_get_metadata (trained, "data_files"), "coffee.jpg"));
  checkpoint = g_strconcat (model, ".ckpt", NULL);
  g_clear_pointer (&trained, scvae_model_unref);
  trained = scvae_model_load (checkpoint, &error);
  g_assert_no_error (error);
}

static gboolean
same_parameters (const char *a, const char *b)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *image = sample ("chelsea.jpg");
  g_autoptr(ScvaeModel) ma = NULL, mb = NULL;
  g_autoptr(ScvaeImage) input = NULL, ra = NULL, rb = NULL;

  ma = scvae_model_load (a, &error);
  g_assert_no_error (error);
  mb = scvae_model_load (b, &error);
  g_assert_no_error (error);
  input = scvae_image_load (image, 0, NULL, &error);
  g_assert_no_error (error);
  /* Equal weights give bit-identical reconstructions. */
  ra = scvae_reconstruct (ma, input, -1, 1.f, NULL, NULL, &error);
  rb = scvae_reconstruct (mb, input, -1, 1.f, NULL, NULL, &error);
  g_assert_no_error (error);
  return memcmp (ra->data, rb->data, (gsize) 3 * ra->width * ra->height * sizeof (float)) == 0;
}

/* Training keeps every atom at unit length: with one threshold for all,
 * longer atoms would be cheaper to use and the short ones would die. */
static void
assert_unit_atoms (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeModel) trained = scvae_model_load (path, &error);
  const ScvaeConfig *config;
  const float *D;

  g_assert_no_error (error);
  config = scvae_model_get_config (trained);
  D = scvae_model_get_dictionary (trained);
  for (int k = 0; k < config->atoms; k++)
    {
      double length = 0.0;

      for (int c = 0; c < config->channels; c++)
        length += (double) D[c * config->atoms + k] * D[c * config->atoms + k];
      g_assert_cmpfloat_with_epsilon (sqrt (length), 1.0, 1e-5);
    }
}

static void
test_train_resume (void)
{
  g_autofree char *straight = in_tmp ("straight.safetensors");
  g_autofree char *resumed = in_tmp ("resumed.safetensors");
  g_autofree char *checkpoint = g_strconcat (resumed, ".ckpt", NULL);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(ScvaeRun) a = { 0 }, b = { 0 }, again = { 0 };
  const char *steps = "300"; /* past the first dead-atom resampling at 250 */

  /* Same seed, same steps: the same model, bit for bit. */
  train_tiny (&a, straight, steps, NULL);
  scvae_assert_ok (&a);
  train_tiny (&b, resumed, steps, NULL);
  scvae_assert_ok (&b);
  g_assert_true (same_parameters (straight, resumed));
  assert_unit_atoms (straight);

  /* Interrupted with Ctrl-C after its first checkpoint, then resumed: still
   * the same model, since batches depend only on (seed, step). */
  g_remove (resumed);
  g_remove (checkpoint);
  g_ptr_array_add (args, scvae);
  g_ptr_array_add (args, "train");
  g_ptr_array_add (args, "--data");
  g_ptr_array_add (args, samples);
  g_ptr_array_add (args, "--out");
  g_ptr_array_add (args, resumed);
  g_ptr_array_add (args, "--steps");
  g_ptr_array_add (args, (gpointer) steps);
  g_ptr_array_add (args, "--checkpoint-every");
  g_ptr_array_add (args, "10");
  for (guint i = 0; i < G_N_ELEMENTS (tiny); i++)
    g_ptr_array_add (args, (gpointer) tiny[i]);
  g_ptr_array_add (args, NULL);
  process = g_subprocess_newv ((const char * const *) args->pdata, G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  while (!g_file_test (checkpoint, G_FILE_TEST_EXISTS) && g_subprocess_get_identifier (process))
    g_usleep (2000);
  g_subprocess_send_signal (process, SIGINT);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("interrupted run exited with %d", g_subprocess_get_exit_status (process));
  /* 130 if the signal came in time, 0 if the run had already finished. */
  g_assert_true (g_subprocess_get_exit_status (process) == 130 || g_subprocess_get_exit_status (process) == 0);

  train_tiny (&again, resumed, steps, "--resume", NULL);
  scvae_assert_ok (&again);
  g_assert_true (same_parameters (straight, resumed));

  /* The finished model describes the model, not the checkpoint it resumed. */
  {
    g_autoptr(ScvaeModel) finished = scvae_model_load (resumed, &error);

    g_assert_no_error (error);
    g_assert_null (scvae_model_get_metadata (finished, "checkpoint_step"));
    g_assert_null (scvae_model_get_metadata (finished, "checkpoint_elapsed_s"));
    g_assert_cmpstr (scvae_model_get_metadata (finished, "steps"), ==, steps);
  }
}

/* The "PSNR 28.12 dB" of reconstruct's one-line summary. */
static double
printed_psnr (const char *out)
{
  const char *at = strstr (out, "PSNR ");

  g_assert_nonnull (at);
  return g_ascii_strtod (at + strlen ("PSNR "), NULL);
}

/* A run killed after its last checkpoint has logged steps that resuming
 * trains again: the resumed log holds each step once, in order. */
static void
test_train_resume_log (void)
{
  g_autofree char *out = in_tmp ("logged.safetensors");
  g_autofree char *log = in_tmp ("logged.csv");
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(ScvaeRun) first = { 0 }, resumed = { 0 };
  FILE *f;
  gint64 previous = 0;

  train_tiny (&first, out, "20", "--val", samples, "--validate-every", "10", "--log", log, NULL);
  scvae_assert_ok (&first);
  /* What the killed run logged after its checkpoint at step 20. */
  f = fopen (log, "a");
  g_assert_nonnull (f);
  fputs ("30,9.99,1.0,10.0,10.0,0.1,0.5,32,16.0,0,8.0,0.00000,1,1\n", f);
  fclose (f);

  train_tiny (&resumed, out, "40", "--val", samples, "--validate-every", "10", "--log", log, "--resume", NULL);
  scvae_assert_ok (&resumed);
  g_assert_true (g_file_get_contents (log, &text, NULL, NULL));
  lines = g_strsplit (g_strstrip (text), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);   /* header, 10, 20, 30, 40 */
  for (guint i = 1; lines[i]; i++)
    {
      gint64 step = g_ascii_strtoll (lines[i], NULL, 10);

      g_assert_cmpint (step, >, previous);
      previous = step;
    }
  g_assert_cmpint (previous, ==, 40);
  g_assert_null (strstr (text, "9.99,"));
}

static void
test_reconstruct (void)
{
  g_autofree char *input = sample ("coffee.jpg");
  g_autofree char *output = in_tmp ("coffee-out.png");
  g_autoptr(GdkPixbuf) in = NULL, out = NULL;
  g_auto(ScvaeRun) run = { 0 }, shallow = { 0 };
  g_autoptr(ScvaeModel) loaded = NULL;
  g_autoptr(ScvaeImage) original = NULL, expected = NULL;
  g_autoptr(GError) error = NULL;
  double trained_psnr, shallow_psnr;

  SCVAE_RUN (&run, "reconstruct", "--model", model, input, output);
  scvae_assert_ok (&run);
  g_assert_nonnull (strstr (run.out, "PSNR"));
  in = gdk_pixbuf_new_from_file (input, NULL);
  out = gdk_pixbuf_new_from_file (output, NULL);
  g_assert_nonnull (out);
  g_assert_cmpint (gdk_pixbuf_get_width (out), ==, gdk_pixbuf_get_width (in));
  g_assert_cmpint (gdk_pixbuf_get_height (out), ==, gdk_pixbuf_get_height (in));

  /* The flags reach the engine: the PSNR printed for depth 0 and sparsity
   * 2.5 is the one the engine gives at those settings, not the trained
   * depth's. */
  SCVAE_RUN (&shallow, "reconstruct", "--model", model, "--depth", "0", "--sparsity", "2.5", input, output);
  scvae_assert_ok (&shallow);
  trained_psnr = printed_psnr (run.out);
  shallow_psnr = printed_psnr (shallow.out);
  loaded = scvae_model_load (model, &error);
  g_assert_no_error (error);
  original = scvae_image_load (input, 0, NULL, &error);
  g_assert_no_error (error);
  expected = scvae_reconstruct (loaded, original, 0, 2.5f, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (shallow_psnr, scvae_psnr (original, expected), 0.006);
  g_assert_cmpfloat (fabs (shallow_psnr - trained_psnr), >, 0.01);
  g_clear_object (&out);
  out = gdk_pixbuf_new_from_file (output, NULL);
  g_assert_nonnull (out);
  g_assert_cmpint (gdk_pixbuf_get_width (out), ==, expected->width);
  g_assert_cmpint (gdk_pixbuf_get_height (out), ==, expected->height);
}

static void
assert_dictionary_health (JsonObject *o, int channels)
{
  g_assert_cmpfloat (json_object_get_double_member (o, "dict_effective_rank"), >=, 1.0);
  g_assert_cmpfloat (json_object_get_double_member (o, "dict_effective_rank"), <=, channels);
  g_assert_cmpfloat (json_object_get_double_member (o, "dict_pairs_cos_above_0_9"), >=, 0.0);
  g_assert_cmpfloat (json_object_get_double_member (o, "dict_pairs_cos_above_0_9"), <=, 1.0);
  g_assert_cmpfloat (json_object_get_double_member (o, "dict_median_nearest_cos"), >, 0.0);
  g_assert_cmpfloat (json_object_get_double_member (o, "dict_median_nearest_cos"), <=, 1.0);
}

static void
test_eval_json (void)
{
  g_auto(ScvaeRun) run = { 0 };
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *o;

  SCVAE_RUN (&run, "eval", "--model", model, "--json", "--max-size", "256", samples);
  scvae_assert_ok (&run);
  o = parse_json (run.out, &parser);
  g_assert_cmpint (json_object_get_int_member (o, "images"), ==, 4);
  g_assert_cmpfloat (json_object_get_double_member (o, "psnr"), >, 10.0);
  g_assert_cmpfloat (json_object_get_double_member (o, "ssim"), >, 0.0);
  g_assert_cmpfloat (json_object_get_double_member (o, "active_fraction"), >, 0.0);
  g_assert_cmpint (json_object_get_int_member (o, "atoms_used"), >, 0);
  g_assert_cmpint (json_object_get_int_member (o, "atoms_used"), <=, 32);
  g_assert_cmpfloat (json_object_get_double_member (o, "ms_per_image"), >, 0.0);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (o, "per_image")), ==, 4);

  /* Bottleneck health: every key, each in its range (the engine's tests
   * check the values on hand-worked examples). */
  g_assert_cmpint (json_object_get_int_member (o, "atoms_used") + json_object_get_int_member (o, "dead_atoms"),
                   ==, 32);
  g_assert_cmpint (json_object_get_int_member (o, "dense_atoms"), >=, 0);
  g_assert_cmpint (json_object_get_int_member (o, "dense_atoms"), <=, json_object_get_int_member (o, "atoms_used"));
  g_assert_cmpfloat (json_object_get_double_member (o, "atoms_per_patch_median"), >=, 0.0);
  g_assert_cmpfloat (json_object_get_double_member (o, "atoms_per_patch_median"), <=, 32.0);
  g_assert_cmpfloat (json_object_get_double_member (o, "hoyer"), >=, 0.0);
  g_assert_cmpfloat (json_object_get_double_member (o, "hoyer"), <=, 1.0);
  assert_dictionary_health (o, 16);
}

static void
test_info_and_bench_json (void)
{
  g_auto(ScvaeRun) info = { 0 }, bench = { 0 };
  g_autoptr(JsonParser) p1 = NULL, p2 = NULL;
  JsonObject *o;

  SCVAE_RUN (&info, "info", "--model", model, "--json");
  scvae_assert_ok (&info);
  o = parse_json (info.out, &p1);
  g_assert_cmpint (json_object_get_int_member (o, "channels"), ==, 16);
  g_assert_cmpint (json_object_get_int_member (o, "lista_steps"), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "metadata"), "format"), ==, "scvae");
  assert_dictionary_health (o, 16);

  SCVAE_RUN (&bench, "bench", "--model", model, "--size", "64", "--repeats", "3", "--json");
  scvae_assert_ok (&bench);
  o = parse_json (bench.out, &p2);
  for (const char *const *k = (const char *[]) { "encode", "lista", "decode", "kmeans", "total", NULL }; *k; k++)
    g_assert_cmpfloat (json_object_get_double_member (o, *k), >, 0.0);
}

static void
test_encode (void)
{
  g_autofree char *input = sample ("chelsea.jpg");
  g_autofree char *npy = in_tmp ("codes.npy");
  g_autofree char *contents = NULL;
  g_auto(ScvaeRun) run = { 0 };
  gsize size;
  guint16 header;

  SCVAE_RUN (&run, "encode", "--model", model, input, "--codes", npy);
  scvae_assert_ok (&run);
  g_assert_true (g_file_get_contents (npy, &contents, &size, NULL));
  /* NumPy format 1.0: magic, header length, a dict naming float32 and the
   * shape [rows, cols, K] (451x300 pixels: 75 x 113 patches), then data. */
  g_assert_cmpmem (contents, 6, "\x93NUMPY", 6);
  memcpy (&header, contents + 8, 2);
  header = GUINT16_FROM_LE (header);
  g_assert_cmpint ((10 + header) % 64, ==, 0);
  g_assert_nonnull (g_strstr_len (contents + 10, header, "'descr': '<f4'"));
  g_assert_nonnull (g_strstr_len (contents + 10, header, "'shape': (75, 113, 32)"));
  g_assert_cmpuint (size, ==, 10 + header + (gsize) 75 * 113 * 32 * 4);
}

static void
test_segment (void)
{
  g_autofree char *input = sample ("coffee.jpg");
  g_autofree char *labels = in_tmp ("labels.png"), *overlay = in_tmp ("overlay.png");
  g_autoptr(GdkPixbuf) in = gdk_pixbuf_new_from_file (input, NULL);
  g_autoptr(GdkPixbuf) map = NULL;
  g_auto(ScvaeRun) run = { 0 }, again = { 0 };
  g_autofree char *first = NULL, *second = NULL;
  gsize first_length, second_length;
  const char *features[] = { "z", "abs", "normalized", "log", "log+z", "hist", "hist+z", "pixels" };
  gboolean seen[4] = { FALSE };

  SCVAE_RUN (&run, "segment", "--model", model, input, "--k", "4", "--labels", labels, "--overlay", overlay);
  scvae_assert_ok (&run);
  map = gdk_pixbuf_new_from_file (labels, NULL);
  g_assert_nonnull (map);
  g_assert_cmpint (gdk_pixbuf_get_width (map), ==, gdk_pixbuf_get_width (in));
  g_assert_cmpint (gdk_pixbuf_get_height (map), ==, gdk_pixbuf_get_height (in));
  /* Grey values are the cluster indices, and every cluster is used. */
  for (int y = 0; y < gdk_pixbuf_get_height (map); y++)
    for (int x = 0; x < gdk_pixbuf_get_width (map); x++)
      {
        guint8 v = gdk_pixbuf_read_pixels (map)[y * gdk_pixbuf_get_rowstride (map) + x * gdk_pixbuf_get_n_channels (map)];
        g_assert_cmpuint (v, <, 4);
        seen[v] = TRUE;
      }
  for (int c = 0; c < 4; c++)
    g_assert_true (seen[c]);
  g_assert_true (g_file_test (overlay, G_FILE_TEST_IS_REGULAR));

  /* Same seed, same labels. */
  g_assert_true (g_file_get_contents (labels, &first, &first_length, NULL));
  SCVAE_RUN (&again, "segment", "--model", model, input, "--k", "4", "--labels", labels);
  scvae_assert_ok (&again);
  g_assert_true (g_file_get_contents (labels, &second, &second_length, NULL));
  g_assert_cmpmem (first, first_length, second, second_length);

  /* Every feature choice segments. */
  for (guint i = 0; i < G_N_ELEMENTS (features); i++)
    {
      g_auto(ScvaeRun) each = { 0 };

      SCVAE_RUN (&each, "segment", "--model", model, input, "--k", "3", "--features", features[i],
           "--smooth", "2", "--labels", labels);
      scvae_assert_ok (&each);
    }
}

static void
test_segment_edge_cases (void)
{
  g_autofree char *flat = in_tmp ("flat.png"), *small_path = in_tmp ("tiny.png");
  g_autofree char *labels = in_tmp ("edge-labels.png");
  g_autoptr(GdkPixbuf) grey = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 40, 24);
  g_autoptr(GdkPixbuf) small = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 3, 2);
  g_auto(ScvaeRun) one_colour = { 0 }, too_small = { 0 }, bad_k = { 0 }, bad_features = { 0 };

  /* One flat colour: every patch has the same code, k-means finds empty
   * clusters; it must still write labels. */
  gdk_pixbuf_fill (grey, 0x808080ff);
  gdk_pixbuf_save (grey, flat, "png", NULL, NULL);
  SCVAE_RUN (&one_colour, "segment", "--model", model, flat, "--k", "3", "--labels", labels);
  scvae_assert_ok (&one_colour);

  /* Smaller than two patches: k = 2 cannot be met. */
  gdk_pixbuf_fill (small, 0x336699ff);
  gdk_pixbuf_save (small, small_path, "png", NULL, NULL);
  SCVAE_RUN (&too_small, "segment", "--model", model, small_path, "--k", "2", "--labels", labels);
  scvae_assert_fails (&too_small, 2, "tiny.png");

  SCVAE_RUN (&bad_k, "segment", "--model", model, flat, "--k", "33", "--labels", labels);
  scvae_assert_fails (&bad_k, 2, "-k must be between 2 and 32");
  SCVAE_RUN (&bad_features, "segment", "--model", model, flat, "--k", "3", "--features", "rgb", "--labels", labels);
  scvae_assert_fails (&bad_features, 2, "--features");
}

static void
test_atoms (void)
{
  g_autofree char *sheet = in_tmp ("atoms.png");
  g_autoptr(GdkPixbuf) picture = NULL;
  g_auto(ScvaeRun) run = { 0 }, by_index = { 0 };

  SCVAE_RUN (&run, "atoms", "--model", model, sheet, "--usage-from", samples);
  scvae_assert_ok (&run);
  g_assert_nonnull (strstr (run.out, "32 atoms"));
  picture = gdk_pixbuf_new_from_file (sheet, NULL);
  g_assert_nonnull (picture);
  g_assert_cmpint (gdk_pixbuf_get_width (picture), >, 500);

  SCVAE_RUN (&by_index, "atoms", "--model", model, sheet, "--sort", "index");
  scvae_assert_ok (&by_index);
}

/* ------------------------------------------------------------------------- */
/* Bad input */

static char *
write_file (const char *name, const void *data, gsize size)
{
  char *path = in_tmp (name);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, size, &error);
  g_assert_no_error (error);
  return path;
}

static char *
truncated_copy (const char *source, const char *name, double fraction)
{
  g_autofree char *contents = NULL;
  gsize size;

  g_assert_true (g_file_get_contents (source, &contents, &size, NULL));
  return write_file (name, contents, (gsize) (size * fraction));
}

/* A valid PNG claiming 30000 x 30000 pixels in a few dozen bytes. */
static char *
huge_png (void)
{
  g_autoptr(GBytes) png = claiming_png_new (30000, 30000);

  return write_file ("huge.png", g_bytes_get_data (png, NULL), g_bytes_get_size (png));
}

static void
test_bad_images (void)
{
  g_autofree char *png = in_tmp ("coffee.png");
  g_autofree char *out = in_tmp ("must-stay.png");
  g_autofree char *missing = in_tmp ("missing.png");
  g_autofree char *text = write_file ("not-an-image.png", "hello, world\n", 13);
  g_autofree char *empty = write_file ("empty.jpg", "", 0);
  g_autofree char *truncated_png = NULL, *truncated_jpg = NULL, *huge = huge_png ();
  g_autofree char *jpeg = sample ("coffee.jpg");
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (jpeg, NULL);
  g_autofree char *kept = NULL;

  gdk_pixbuf_save (pixbuf, png, "png", NULL, NULL);
  truncated_png = truncated_copy (png, "truncated.png", 0.5);
  truncated_jpg = truncated_copy (jpeg, "truncated.jpg", 0.5);
  struct { const char *path; const char *reason; } cases[] = {
    { missing, "no such file" },
    { text, "not an image" },
    { empty, "not an image" },
    { truncated_png, "truncated" },
    { truncated_jpg, "truncated" },
    { huge, "too large" },
  };

  /* The output exists beforehand and must survive every failure. */
  g_assert_true (g_file_set_contents (out, "keep me", -1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(ScvaeRun) run = { 0 };
      g_autofree char *base = g_path_get_basename (cases[i].path);

      SCVAE_RUN (&run, "reconstruct", "--model", model, cases[i].path, out);
      scvae_assert_fails (&run, 2, base);
      g_assert_nonnull (strstr (run.err, cases[i].reason));
    }
  {
    g_auto(ScvaeRun) run = { 0 };

    SCVAE_RUN (&run, "reconstruct", "--model", model, tmp, out);
    scvae_assert_fails (&run, 2, "is a directory");
  }
  g_assert_true (g_file_get_contents (out, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, "keep me");
}

static void
test_bad_models (void)
{
  g_autofree char *input = sample ("chelsea.jpg");
  g_autofree char *out = in_tmp ("never-written.png");
  g_autofree char *truncated = truncated_copy (model, "truncated.safetensors", 0.6);
  g_autofree char *garbage = write_file ("garbage.safetensors", "\x10\0\0\0\0\0\0\0{nonsense json!}", 24);
  g_autofree char *empty = write_file ("empty.safetensors", "", 0);
  g_autofree char *huge_header = write_file ("huge-header.safetensors", "\xff\xff\xff\x7f\0\0\0\0{}", 10);
  g_autofree char *image = sample ("coffee.jpg");
  g_autofree char *missing = in_tmp ("no-such-model.safetensors");
  struct { const char *path; const char *reason; } cases[] = {
    { truncated, "outside the file" },
    { garbage, "bad header JSON" },
    { empty, "too short" },
    { huge_header, "exceeds the file size" },
    { image, "not a safetensors model: it looks like a JPEG image" },
    { missing, "no such file" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(ScvaeRun) run = { 0 };
      g_autofree char *base = g_path_get_basename (cases[i].path);

      SCVAE_RUN (&run, "reconstruct", "--model", cases[i].path, input, out);
      scvae_assert_fails (&run, 2, base);
      g_assert_nonnull (strstr (run.err, cases[i].reason));
    }
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

static void
test_bad_flags (void)
{
  g_autofree char *input = sample ("chelsea.jpg");
  g_autofree char *out = in_tmp ("flags.png");
  g_auto(ScvaeRun) depth = { 0 }, sparsity = { 0 }, max_size = { 0 }, unknown = { 0 }, args = { 0 };
  g_auto(ScvaeRun) train = { 0 }, bench = { 0 }, negative_channels = { 0 }, negative_crop = { 0 };

  SCVAE_RUN (&depth, "reconstruct", "--model", model, "--depth", "65", input, out);
  scvae_assert_fails (&depth, 2, "--depth");
  SCVAE_RUN (&sparsity, "reconstruct", "--model", model, "--sparsity", "-1", input, out);
  scvae_assert_fails (&sparsity, 2, "--sparsity");
  SCVAE_RUN (&max_size, "eval", "--model", model, "--max-size", "0", input);
  scvae_assert_fails (&max_size, 2, "--max-size");
  SCVAE_RUN (&unknown, "info", "--colour", "red");
  scvae_assert_fails (&unknown, 2, "--colour");
  SCVAE_RUN (&args, "reconstruct", "--model", model, input);
  scvae_assert_fails (&args, 2, "expected an input and an output");
  SCVAE_RUN (&train, "train", "--data", samples, "--out", out, "--steps", "5", "--channels", "15");
  scvae_assert_fails (&train, 2, "perfect square");
  /* Negative values are given, not defaults: refused. */
  SCVAE_RUN (&negative_channels, "train", "--data", samples, "--out", out, "--steps", "5", "--channels", "-4");
  scvae_assert_fails (&negative_channels, 2, "channels must be between 1 and 1024");
  SCVAE_RUN (&negative_crop, "train", "--data", samples, "--out", out, "--steps", "5", "--crop", "-8");
  scvae_assert_fails (&negative_crop, 2, "crop must be a multiple of 4 between 8 and 1024");
  SCVAE_RUN (&bench, "bench", "--model", model, "--size", "0");
  scvae_assert_fails (&bench, 2, "--size");
}

/* The baselines' bottlenecks train, evaluate and describe themselves in
 * their own terms; flags of another bottleneck are refused. */
static void
test_baselines (void)
{
  const char *const kinds[] = { "vq", "gaussian" };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *out = g_strdup_printf ("%s/%s.safetensors", tmp, kinds[i]);
      g_autofree char *log = g_strdup_printf ("%s/%s.csv", tmp, kinds[i]);
      gboolean vq = g_str_equal (kinds[i], "vq");
      g_auto(ScvaeRun) train = { 0 }, info = { 0 }, eval = { 0 }, resume = { 0 };
      g_autoptr(JsonParser) info_parser = NULL, eval_parser = NULL;
      LogRow first = { NAN, NAN }, last = { NAN, NAN };
      JsonObject *o;

      SCVAE_RUN (&train, "train", "--bottleneck", kinds[i], "--data", samples, "--out", out, "--steps", "40",
                 "--channels", "16", "--atoms", vq ? "32" : "16", "--crop", "32", "--batch", "4", "--seed", "7",
                 "--warmup", "5", "--val", samples, "--validate-every", "10", "--log", log);
      scvae_assert_ok (&train);
      read_log (log, &first, &last);
      g_assert_cmpfloat (last.loss, <, 0.7 * first.loss);
      g_assert_cmpfloat (last.val_psnr, >, first.val_psnr + 1.0);

      SCVAE_RUN (&info, "info", "--model", out, "--json");
      scvae_assert_ok (&info);
      o = parse_json (info.out, &info_parser);
      g_assert_cmpstr (json_object_get_string_member (o, "bottleneck"), ==, kinds[i]);

      SCVAE_RUN (&eval, "eval", "--model", out, "--json", "--max-size", "256", samples);
      scvae_assert_ok (&eval);
      o = parse_json (eval.out, &eval_parser);
      g_assert_cmpstr (json_object_get_string_member (o, "bottleneck"), ==, kinds[i]);
      g_assert_cmpfloat (json_object_get_double_member (o, "psnr"), >, 10.0);
      if (vq)
        {
          /* One code per patch; the codebook's use and health. */
          g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "active_fraction"), 1.0 / 32, 1e-9);
          g_assert_cmpint (json_object_get_int_member (o, "atoms_used") + json_object_get_int_member (o, "dead_atoms"),
                           ==, 32);
          g_assert_cmpfloat (json_object_get_double_member (o, "usage_perplexity"), >=, 1.0);
          g_assert_cmpfloat (json_object_get_double_member (o, "usage_perplexity"), <=,
                             json_object_get_int_member (o, "atoms_used") + 1e-9);
          assert_dictionary_health (o, 16);
          g_assert_false (json_object_has_member (o, "active_channels"));
        }
      else
        {
          g_assert_cmpint (json_object_get_int_member (o, "active_channels"), >=, 0);
          g_assert_cmpint (json_object_get_int_member (o, "active_channels"), <=, 16);
          g_assert_false (json_object_has_member (o, "dict_effective_rank"));
        }

      SCVAE_RUN (&resume, "train", "--bottleneck", "lista", "--data", samples, "--out", out, "--steps", "50",
                 "--resume");
      scvae_assert_fails (&resume, 2, "--bottleneck");
    }
}

static void
test_baseline_flags (void)
{
  g_autofree char *out = in_tmp ("flags.safetensors");
  g_auto(ScvaeRun) beta = { 0 }, kl = { 0 }, atoms = { 0 }, kind = { 0 };

  SCVAE_RUN (&beta, "train", "--bottleneck", "vq", "--beta", "0.3", "--data", samples, "--out", out, "--steps", "5");
  scvae_assert_fails (&beta, 2, "--beta applies to the lista bottleneck, not to vq");
  SCVAE_RUN (&kl, "train", "--kl-weight", "0.1", "--data", samples, "--out", out, "--steps", "5");
  scvae_assert_fails (&kl, 2, "--kl-weight applies to the gaussian bottleneck, not to lista");
  SCVAE_RUN (&atoms, "train", "--bottleneck", "gaussian", "--channels", "16", "--atoms", "32", "--data", samples,
             "--out", out, "--steps", "5");
  scvae_assert_fails (&atoms, 2, "--atoms must equal --channels");
  SCVAE_RUN (&kind, "train", "--bottleneck", "sparse", "--data", samples, "--out", out, "--steps", "5");
  scvae_assert_fails (&kind, 2, "--bottleneck must be lista, vq or gaussian (got 'sparse')");
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

static void
test_missing_default_model (void)
{
  g_autofree char *input = sample ("chelsea.jpg");
  g_autofree char *out = in_tmp ("default.png");
  g_auto(ScvaeRun) run = { 0 };

  g_setenv ("SCVAE_DEFAULT_MODEL", "/nonexistent/default.safetensors", TRUE);
  SCVAE_RUN (&run, "reconstruct", input, out);
  g_unsetenv ("SCVAE_DEFAULT_MODEL");
  scvae_assert_fails (&run, 2, "/nonexistent/default.safetensors");
}

int
main (int argc, char **argv)
{
  g_autofree char *tiny_model = NULL;

  scvae_test_init (&argc, &argv, "cli", &tmp, &samples, &tiny_model);
  scvae = g_strdup (g_getenv ("SCVAE"));

  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/train", test_train);
  g_test_add_func ("/cli/train-resume", test_train_resume);
  g_test_add_func ("/cli/train-resume-log", test_train_resume_log);
  g_test_add_func ("/cli/reconstruct", test_reconstruct);
  g_test_add_func ("/cli/eval-json", test_eval_json);
  g_test_add_func ("/cli/info-bench-json", test_info_and_bench_json);
  g_test_add_func ("/cli/encode", test_encode);
  g_test_add_func ("/cli/segment", test_segment);
  g_test_add_func ("/cli/segment-edge-cases", test_segment_edge_cases);
  g_test_add_func ("/cli/atoms", test_atoms);
  g_test_add_func ("/cli/bad-images", test_bad_images);
  g_test_add_func ("/cli/bad-models", test_bad_models);
  g_test_add_func ("/cli/bad-flags", test_bad_flags);
  g_test_add_func ("/cli/baselines", test_baselines);
  g_test_add_func ("/cli/baseline-flags", test_baseline_flags);
  g_test_add_func ("/cli/missing-default-model", test_missing_default_model);

  return scvae_test_run (tmp);
}
