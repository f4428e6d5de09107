/* stage-rates.c: each stage's time and FLOP rate, LISTA in each form
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Times, on a SIDE x SIDE image (the shipped astronaut scaled, as scvae
 * bench does) and the engine's threads: encode, LISTA at the model's depth
 * in the dense form (two GEMMs a step), in the Gram form (the active
 * atoms' rows of D^T D) and as the engine picks per tile and step, decode,
 * the metrics, the segmentation (default features and k-means, k = 8) and
 * a slider move (LISTA as picked, then decode). Prints a Markdown table
 * of medians. FLOPs are those of the matrix products each stage computes
 * (2 m n k each, counted at the BLAS wrapper and by the engine's direct
 * convolution kernel); the Gram form computes none, so LISTA's
 * rates are dense-equivalent: the dense form's FLOPs over the time taken,
 * which above the machine's GEMM rate says how much work the active set
 * saved. The last column counts the page faults of a run: memory the
 * stage takes fresh from the kernel each time instead of reusing.
 *
 *   build/tools/bench/stage-rates [SIDE [REPEATS [MODEL]]]
 *
 * Defaults: 256, 9, data/models/default.safetensors.
 */

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "lista.h"
#include "scvae.h"
#include "session-private.h"
#include "threads.h"

typedef enum {
  ENCODE, LISTA_DENSE, LISTA_GRAM, LISTA_AUTO, DECODE, METRICS, SEGMENT, SLIDER, N_STAGES
} Stage;

static const char *const stage_names[] = {
  "encode", "LISTA, dense form", "LISTA, Gram form", "LISTA, as the engine picks", "decode (D z, decoder)",
  "metrics (PSNR, SSIM, code health)", "segmentation (hist+z, k = 8)", "slider move (LISTA + decode)",
};

static int
compare (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static void
fail (const GError *error)
{
  fprintf (stderr, "stage-rates: %s\n", error->message);
  exit (1);
}

static long
minor_faults (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

/* One run of a stage: its milliseconds, its GEMM FLOPs in *flops and its
 * page faults in *faults. */
static double
run_stage (ScvaeSession *session, const ScvaeImage *image, Stage stage, int run, guint64 *flops, long *faults)
{
  g_autoptr(GError) error = NULL;
  guint64 before = scvae__gemm_flops ();
  long faults_before = minor_faults ();
  gint64 start = g_get_monotonic_time ();
  gboolean ok = TRUE;

  switch (stage)
    {
    case ENCODE:
      ok = scvae_session_encode (session, image, NULL, &error);
      break;
    case LISTA_DENSE:
    case LISTA_GRAM:
    case LISTA_AUTO:
      scvae__session_set_lista_form (session, stage == LISTA_DENSE ? LISTA_FORM_DENSE
                                              : stage == LISTA_GRAM ? LISTA_FORM_SPARSE : LISTA_FORM_AUTO);
      /* Alternating sparsity: the codes are computed anew every run (the
       * same sparsity again would be continued from the last codes). */
      ok = scvae_session_sparse_code (session, -1, run % 2 ? 1.f : 1.0001f, NULL, &error);
      scvae__session_set_lista_form (session, LISTA_FORM_AUTO);
      break;
    case DECODE:
      ok = scvae_session_decode (session, NULL, &error);
      break;
    case METRICS:
      {
        ScvaeMetrics metrics;

        scvae_session_compute_metrics (session, &metrics);
      }
      break;
    case SEGMENT:
      {
        ScvaeSegmentOptions options;
        int rows, cols, K;
        const float *codes = scvae_session_get_codes (session, &rows, &cols, &K);
        g_autofree guint8 *labels = g_new (guint8, (gsize) rows * cols);
        g_autofree float *features = NULL;

        scvae_segment_options_init_default (&options);
        features = scvae_segment_features (codes, rows, cols, K, &options, NULL, &error);
        ok = features && scvae_segment (features, rows, cols, scvae_segment_features_dim (&options, K), &options,
                                        labels, NULL, &error);
      }
      break;
    case SLIDER:
      ok = scvae_session_sparse_code (session, -1, run % 2 ? 1.f : 1.05f, NULL, &error)
           && scvae_session_decode (session, NULL, &error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (!ok)
    fail (error);
  *flops = scvae__gemm_flops () - before;
  *faults = minor_faults () - faults_before;
  return (g_get_monotonic_time () - start) / 1000.0;
}

int
main (int argc, char **argv)
{
  int side = argc > 1 ? atoi (argv[1]) : 256, repeats = argc > 2 ? atoi (argv[2]) : 9;
  const char *model_path = argc > 3 ? argv[3] : "data/models/default.safetensors";
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeModel) model = NULL;
  g_autoptr(GdkPixbuf) photo = NULL, scaled = NULL;
  g_autoptr(ScvaeImage) image = NULL;
  g_autoptr(ScvaeSession) session = NULL;
  double ms[N_STAGES];
  guint64 flops[N_STAGES];
  long faults[N_STAGES];
  ScvaeMetrics metrics;

  scvae_init_process ();
  model = scvae_model_load (model_path, &error);
  photo = model ? gdk_pixbuf_new_from_file ("data/samples/astronaut.jpg", &error) : NULL;
  if (photo == NULL || side < 16 || repeats < 1)
    {
      fprintf (stderr, "stage-rates: %s\n", error ? error->message : "SIDE must be 16 or more, REPEATS 1 or more");
      return 1;
    }
  scaled = gdk_pixbuf_scale_simple (photo, side, side, GDK_INTERP_BILINEAR);
  image = scvae_image_new_from_pixbuf (scaled);
  session = scvae_session_new (model);
  if (!scvae_session_encode (session, image, NULL, &error) || !scvae_session_sparse_code (session, -1, 1.f, NULL, &error)
      || !scvae_session_decode (session, NULL, &error))
    fail (error);

  for (int s = 0; s < N_STAGES; s++)
    {
      g_autofree double *t = g_new (double, repeats);

      for (int r = -2; r < repeats; r++)
        {
          double elapsed = run_stage (session, image, s, r, &flops[s], &faults[s]);

          if (r >= 0)
            t[r] = elapsed;
        }
      qsort (t, repeats, sizeof (double), compare);
      ms[s] = t[repeats / 2];
    }
  scvae_session_compute_metrics (session, &metrics);

  printf ("%dx%d, %d threads, OpenBLAS %s kernels, %.1f %% of codes active after LISTA; medians of %d\n\n", side,
          side, scvae_get_threads (), scvae_blas_info (), 100 * metrics.codes.active_fraction, repeats);
  printf ("| stage | ms | GFLOP | GFLOP/s | page faults |\n|:---|---:|---:|---:|---:|\n");
  for (int s = 0; s < N_STAGES; s++)
    {
      /* The Gram form calls no GEMM: its rate is against the dense form's
       * FLOPs (and the picked form's, whichever steps went dense). */
      guint64 f = s == LISTA_GRAM || s == LISTA_AUTO ? flops[LISTA_DENSE] : flops[s];

      if (f > 0)
        printf ("| %s | %.1f | %.2f | %.0f%s | %ld |\n", stage_names[s], ms[s], f / 1e9, f / 1e6 / ms[s],
                s == LISTA_GRAM || s == LISTA_AUTO ? " (dense-equivalent)" : "", faults[s]);
      else
        printf ("| %s | %.1f | – | – | %ld |\n", stage_names[s], ms[s], faults[s]);
    }
  return 0;
}
