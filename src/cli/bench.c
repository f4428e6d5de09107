/* bench.c: scvae bench
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Times each stage on one image, repeatedly, and reports medians: the
 * machine is shared and noisy, and a median shrugs off the outliers.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "shipped.h"

enum { ENCODE, LISTA, DECODE, METRICS, KMEANS, SLIDER, TOTAL, N_STAGES };
/* The keys of --json, and the row labels of the table: not translated. */
static const char *stage_names[N_STAGES] = {
  "encode", "lista", "decode", "metrics", "kmeans", "slider", "total"
};

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *values, int n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

/* The shipped sample photo, scaled to size x size: sparsity (and so the
 * LISTA kernel the engine picks) depends on content, so a real photo. */
static ScvaeImage *
bench_image (const char *path, int size, char **described, GError **error)
{
  g_autofree char *sample = shipped_path ("samples/astronaut.jpg");
  g_autoptr(GdkPixbuf) pixbuf = NULL, scaled = NULL;

  if (path == NULL)
    path = sample;
  pixbuf = gdk_pixbuf_new_from_file (path, error);
  if (pixbuf == NULL)
    return NULL;
  scaled = gdk_pixbuf_scale_simple (pixbuf, size, size, GDK_INTERP_BILINEAR);
  *described = g_path_get_basename (path);
  return scvae_image_new_from_pixbuf (scaled);
}

static double
train_throughput (ScvaeModel *model, const ScvaeImage *image, int repeats, GError **error)
{
  const int batch = 16, crop = 64;
  ScvaeTrainOptions options;
  g_autoptr(ScvaeTrainer) trainer = NULL;
  g_autofree float *data = g_new (float, (gsize) 3 * batch * crop * crop);
  g_autofree double *times = g_new (double, repeats);
  gsize plane = (gsize) image->width * image->height;

  scvae_train_options_init_default (&options);
  options.steps = repeats + 3;
  trainer = scvae_trainer_new (model, &options, error);
  if (trainer == NULL)
    return -1;
  if (image->width < crop || image->height < crop)
    return 0;

  /* Crops from the image in the trainer's channel-major layout. */
  for (int b = 0; b < batch; b++)
    {
      int x0 = (b * 37) % (image->width - crop + 1), y0 = (b * 53) % (image->height - crop + 1);

      for (int c = 0; c < 3; c++)
        for (int y = 0; y < crop; y++)
          memcpy (data + (((gsize) c * batch + b) * crop + y) * crop,
                  image->data + c * plane + (gsize) (y0 + y) * image->width + x0, crop * sizeof (float));
    }

  for (int i = 0; i < 3; i++)
    scvae_trainer_step (trainer, data, batch, crop);
  for (int i = 0; i < repeats; i++)
    {
      gint64 start = g_get_monotonic_time ();

      scvae_trainer_step (trainer, data, batch, crop);
      times[i] = ms_since (start);
    }
  return batch * 1000.0 / median (times, repeats);
}

int
cli_bench (int argc, char **argv)
{
  g_autofree char *model_spec = NULL, *image_path = NULL, *described = NULL, *threads = NULL;
  int size = 256, repeats = 20, k = 8;
  gboolean json = FALSE, train = FALSE;
  const GOptionEntry entries[] = {
    CLI_MODEL_OPTION (model_spec),
    { "size", 0, 0, G_OPTION_ARG_INT, &size, N_("Image side in pixels (default 256)"), N_("PX") },
    { "image", 0, 0, G_OPTION_ARG_FILENAME, &image_path, N_("Image to scale and time (default: a shipped sample photo)"), N_("FILE") },
    { "repeats", 0, 0, G_OPTION_ARG_INT, &repeats, N_("Timed runs per stage after 3 warm-ups (default 20)"), N_("N") },
    { "k", 0, 0, G_OPTION_ARG_INT, &k, N_("Clusters for the k-means stage (default 8)"), N_("K") },
    { "train", 0, 0, G_OPTION_ARG_NONE, &train, N_("Also measure training throughput (batch 16 of 64x64)"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object of median milliseconds"), NULL },
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeModel) model = NULL;
  g_autoptr(ScvaeImage) image = NULL;
  g_autoptr(ScvaeSession) session = NULL;
  g_autofree double *times = NULL; /* N_STAGES x repeats */
  g_autofree guint8 *labels = NULL;
  double medians[N_STAGES], images_per_s = -1, active = 0;
  int side_patches, patches;
  ScvaeSegmentOptions segment;

  if (!cli_parse_options ("bench", "", N_("Times encode, LISTA, decode, metrics and k-means on one image."),
                          entries, &argc, &argv))
    return CLI_BAD_INPUT;
  if (argc != 1)
    return cli_usage_error ("bench", _("unexpected argument '%s'"), argv[1]);
  if (size < 4 || size > 4096)
    return cli_usage_error ("bench", _("--size must be between 4 and 4096 (got %d)"), size);
  if (repeats < 1 || repeats > 10000)
    return cli_usage_error ("bench", _("--repeats must be between 1 and 10000 (got %d)"), repeats);
  if (k < 2 || k > SCVAE_MAX_CLUSTERS)
    return cli_usage_error ("bench", _("--k must be between 2 and %d (got %d)"), SCVAE_MAX_CLUSTERS, k);
  /* The k-means stage needs a patch per cluster at least: checked here,
   * not after the timed runs. */
  side_patches = (size + SCVAE_PATCH_PIXELS - 1) / SCVAE_PATCH_PIXELS;
  patches = side_patches * side_patches;
  if (patches < k)
    return cli_usage_error ("bench", ngettext ("--size %d makes %d patch of 4x4 pixels, fewer than the %d "
                                               "clusters of --k",
                                               "--size %d makes %d patches of 4x4 pixels, fewer than the %d "
                                               "clusters of --k", patches), size, patches, k);
  /* The k-means stage is the segmentation the app and scvae segment run:
   * the default features, then k-means. */
  scvae_segment_options_init_default (&segment);
  segment.k = k;

  model = cli_load_model (model_spec, &error);
  if (model == NULL)
    return cli_report (error);
  image = bench_image (image_path, size, &described, &error);
  if (image == NULL)
    return cli_report (error);

  session = scvae_session_new (model);
  times = g_new (double, (gsize) N_STAGES * repeats);
  for (int r = -3; r < repeats; r++)
    {
      double t[N_STAGES];
      gint64 start = g_get_monotonic_time ();
      ScvaeMetrics m;
      int rows, cols, K;
      const float *codes;

      if (!scvae_session_encode (session, image, NULL, &error))
        return cli_report (error);
      t[ENCODE] = ms_since (start);
      start = g_get_monotonic_time ();
      if (!scvae_session_sparse_code (session, -1, 1.f, NULL, &error))
        return cli_report (error);
      t[LISTA] = ms_since (start);
      start = g_get_monotonic_time ();
      if (!scvae_session_decode (session, NULL, &error))
        return cli_report (error);
      t[DECODE] = ms_since (start);
      start = g_get_monotonic_time ();
      scvae_session_compute_metrics (session, &m);
      t[METRICS] = ms_since (start);
      active = m.codes.active_fraction;

      codes = scvae_session_get_codes (session, &rows, &cols, &K);
      if (labels == NULL)
        labels = g_new (guint8, (gsize) rows * cols);
      start = g_get_monotonic_time ();
      {
        g_autofree float *features = scvae_segment_features (codes, rows, cols, K, &segment, NULL, NULL);

        if (!scvae_segment (features, rows, cols, scvae_segment_features_dim (&segment, K), &segment, labels,
                            NULL, &error))
          return cli_report (error);
      }
      t[KMEANS] = ms_since (start);
      t[TOTAL] = t[ENCODE] + t[LISTA] + t[DECODE];

      for (int s = 0; r >= 0 && s < N_STAGES; s++)
        if (s != SLIDER)
          times[s * repeats + r] = t[s];
    }

  /* A slider move: the image stays encoded and the sparsity changes, as
   * while the user drags, so LISTA starts over and the session reuses its
   * buffers (above, every run starts from a new image). */
  for (int r = -3; r < repeats; r++)
    {
      gint64 start = g_get_monotonic_time ();

      if (!scvae_session_sparse_code (session, -1, r % 2 ? 1.f : 1.05f, NULL, &error)
          || !scvae_session_decode (session, NULL, &error))
        return cli_report (error);
      if (r >= 0)
        times[SLIDER * repeats + r] = ms_since (start);
    }
  for (int s = 0; s < N_STAGES; s++)
    medians[s] = median (times + s * repeats, repeats);

  if (train)
    {
      images_per_s = train_throughput (model, image, repeats, &error);
      if (images_per_s < 0)
        return cli_report (error);
    }

  if (json)
    {
      printf ("{");
      for (int s = 0; s < N_STAGES; s++)
        printf ("\"%s\": %.3f, ", stage_names[s], medians[s]);
      if (train)
        printf ("\"train_images_per_s\": %.2f, ", images_per_s);
      printf ("\"active_fraction\": %.4f, \"size\": %d, \"repeats\": %d, \"threads\": %d, "
              "\"blas_core\": \"%s\"}\n", active, size, repeats, scvae_get_threads (), scvae_blas_info ());
      return CLI_OK;
    }

  threads = g_strdup_printf (ngettext ("%d thread", "%d threads", scvae_get_threads ()), scvae_get_threads ());
  /* Translators: the image's file name, its size, the number of timed
   * runs, "4 threads", the name of the BLAS kernels and how many codes are
   * not zero. */
  printf (ngettext ("%s at %dx%d, %d repeat, %s (%s kernels), %.1f%% of codes active\n",
                    "%s at %dx%d, %d repeats, %s (%s kernels), %.1f%% of codes active\n", repeats),
          described, size, size, repeats, threads, scvae_blas_info (), 100 * active);
  for (int s = 0; s < N_STAGES; s++)
    printf ("  %-8s %8.2f ms\n", stage_names[s], medians[s]);
  if (train)
    printf ("  %-8s %8.1f %s\n", "training", images_per_s,
            /* Translators: the unit of the training throughput. */
            _("images/s (batch 16 of 64x64)"));
  return CLI_OK;
}
