/* lista-forms.c: the time of one LISTA step in each form, by density
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Encodes an image with a model, codes it at depth T for a range of
 * sparsity multipliers (each gives a share of non-zero codes), and from
 * those codes times the inference steps in the dense and Gram forms, and
 * as the engine picks them, on one thread, tile by tile as the session runs
 * them. Prints, per multiplier, the density and each form's median time
 * per patch and step: where the lines cross is where
 * the density limits in src/engine/lista.c belong.
 *
 *   build/tools/bench/lista-forms [MODEL [IMAGE [SIDE]]]
 *
 * Defaults: data/models/default.safetensors, data/samples/astronaut.jpg,
 * 256 (the image's long side).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lista.h"
#include "scvae.h"
#include "session-private.h"

#define RUNS 15
#define TILE 1024

static int
compare (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

typedef enum { RUN_DENSE, RUN_GRAM, RUN_AUTO, N_RUNS } RunKind;

static const char *const run_names[] = { "dense", "Gram", "auto" };

/* Median ns per patch and step of T steps from z(0), tile by tile as the
 * session runs them: dense steps until the form takes the Gram one, then
 * the tile's other steps patch by patch. */
static double
time_run (ScvaeSession *session, const Lista *lista, int depth, RunKind kind, float *work)
{
  gsize P = session_n_patches (session), C = session->C, K = session->K;
  Scratch scratch = { 0 };
  double t[RUNS];

  for (int r = -2; r < RUNS; r++)
    {
      gint64 t0 = g_get_monotonic_time ();

      for (gsize first = 0; first < P; first += TILE)
        {
          gsize n = MIN (TILE, P - first);
          float *z = work + first * K;
          const float *dty = session->dty + first * K;
          ListaForm form = kind == RUN_DENSE ? LISTA_FORM_DENSE : kind == RUN_GRAM ? LISTA_FORM_SPARSE
                                                                                    : LISTA_FORM_AUTO;
          gsize nonzeros = scvae__lista_first_step_inference (lista, n, dty, z);

          for (int step = 1; step <= depth; step++)
            {
              if (scvae__lista_takes_gram_form (form, nonzeros, n, K))
                {
                  scvae__lista_gram_steps (lista, session->gram, n, dty, z, depth - step + 1, NULL, &scratch);
                  break;
                }
              nonzeros = scvae__lista_step_inference (lista, session->gram, n, session->features + first * C, dty,
                                                      z, nonzeros, LISTA_FORM_DENSE, &scratch);
            }
        }
      if (r >= 0)
        t[r] = 1000.0 * (g_get_monotonic_time () - t0) / P / depth;
    }
  scvae__scratch_clear (&scratch);
  qsort (t, RUNS, sizeof (double), compare);
  return t[RUNS / 2];
}

int
main (int argc, char **argv)
{
  const char *model_path = argc > 1 ? argv[1] : "data/models/default.safetensors";
  const char *image_path = argc > 2 ? argv[2] : "data/samples/astronaut.jpg";
  int side = argc > 3 ? atoi (argv[3]) : 256;
  const float multipliers[] = { 0.f, 0.1f, 0.25f, 0.5f, 0.75f, 1.f, 1.5f, 2.f, 3.f, 4.f };
  g_autoptr(GError) error = NULL;
  g_autoptr(ScvaeModel) model = NULL;
  g_autoptr(ScvaeImage) image = NULL;
  g_autoptr(ScvaeSession) session = NULL;
  g_autofree float *work = NULL;
  gsize P;

  scvae_init_process ();
  scvae_set_threads (1);
  model = scvae_model_load (model_path, &error);
  if (model)
    image = scvae_image_load (image_path, side, NULL, &error);
  if (image == NULL)
    {
      fprintf (stderr, "lista-forms: %s\n", error->message);
      return 1;
    }
  session = scvae_session_new (model);
  if (!scvae_session_encode (session, image, NULL, &error))
    {
      fprintf (stderr, "lista-forms: %s\n", error->message);
      return 1;
    }
  P = session_n_patches (session);
  work = g_new (float, P * session->K);

  printf ("OpenBLAS %s kernels, 1 thread; %s at %dx%d, %" G_GSIZE_FORMAT " patches, tiles of %d\n",
          scvae_blas_info (), image_path, image->width, image->height, P, TILE);
  printf ("multiplier  density  atoms/patch");
  for (int k = 0; k < N_RUNS; k++)
    printf ("  %13s", run_names[k]);
  printf ("   (ns per patch and step, over %d steps)\n", model->layout->config.lista_steps);
  for (guint m = 0; m < G_N_ELEMENTS (multipliers); m++)
    {
      int depth = model->layout->config.lista_steps;
      Lista lista;
      const float *codes;
      gsize nonzeros = 0;
      double density;

      if (!scvae_session_sparse_code (session, depth, multipliers[m], NULL, &error))
        {
          fprintf (stderr, "lista-forms: %s\n", error->message);
          return 1;
        }
      codes = scvae_session_get_codes (session, NULL, NULL, NULL);
      for (gsize i = 0; i < P * session->K; i++)
        nonzeros += codes[i] != 0.f;
      density = (double) nonzeros / ((double) P * session->K);
      lista = (Lista) {
        session->C, session->K, model->tensors.dictionary, model->tensors.step[0],
        model->layout->config.beta * multipliers[m] / model->tensors.step[0],
      };
      printf ("%10.2f  %6.2f %%  %11.1f", multipliers[m], 100 * density, density * session->K);
      for (int k = 0; k < N_RUNS; k++)
        printf ("  %13.0f", time_run (session, &lista, depth, k, work));
      printf ("\n");
    }
  return 0;
}
