/* lista.h: the learned ISTA block that turns features into sparse codes
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every patch's feature e (C floats) is coded over the dictionary D (C x K,
 * columns are atoms) with T + 1 ISTA steps of step size 1/c:
 *
 *   z0      = soft(D^T e / c, theta)
 *   z(t+1)  = soft(z(t) + D^T (e - D z(t)) / c, theta),   theta = beta s / c
 *
 * z0 is the ISTA step from z = 0, so depth 0 is a true ISTA iterate (the
 * official SC-VAE code omits the 1/c there; the PyTorch reference in
 * tools/reference follows this file). The decoder sees D z(T).
 *
 * Matrices are patch-major: E is P x C, Z is P x K, so one patch's code is
 * contiguous (what the sparse kernel and the codes export want).
 */

#pragma once

#include <glib.h>

#include "scratch.h"

typedef struct {
  int channels;
  int atoms;
  const float *dictionary; /* C x K, row-major */
  float c;
  float threshold;         /* theta = beta * s / c */
} Lista;

/* soft(x, theta) = sign(x) max(|x| - theta, 0), in place; returns the number
 * of non-zeros left. */
gsize scvae__lista_soft_threshold (float *x, gsize n, float theta);

/* What training keeps for backward: z(0..T), and r(t) = e - D z(t-1) for
 * t = 1..T (r(0) is e itself). */
typedef struct {
  int depth;
  float *codes;     /* (depth + 1) x P x K */
  float *residuals; /* depth x P x C */
} ListaTrace;

/* Dense forward over P patches; the result is the last slice of
 * trace->codes. */
void scvae__lista_forward_train (const Lista *lista,
                                 gsize n_patches,
                                 const float *features,
                                 ListaTrace *trace);

/* Backward through every unrolled step. dcodes (P x K) is the gradient at
 * z(T) and is used as working memory (overwritten). Accumulates into
 * dfeatures (P x C), ddictionary (C x K) and *dc; beta_s is beta times the
 * sparsity multiplier, so theta's dependence on c is included. */
void scvae__lista_backward (const Lista *lista,
                            gsize n_patches,
                            const float *features,
                            const ListaTrace *trace,
                            float *dcodes,
                            float *dfeatures,
                            float *ddictionary,
                            double *dc,
                            Scratch *scratch);

typedef enum {
  LISTA_FORM_AUTO,   /* by density: see sparse_density_limit () */
  LISTA_FORM_DENSE,
  LISTA_FORM_SPARSE,
} ListaForm;

/* Inference: z(0) = soft(dty / c) with dty = E D precomputed; returns the
 * number of non-zeros. */
gsize scvae__lista_first_step_inference (const Lista *lista,
                                         gsize n_patches,
                                         const float *dty,
                                         float *codes);

/* Inference: one step z <- soft(z + (D^T e - D^T D z) / c), either in the
 * dense factored form (two GEMMs, cost ~ C K per patch) or in a sparse Gram
 * form (cost ~ K per non-zero code). dty = E D (P x K) and gram = D^T D
 * (K x K) are precomputed. nonzeros is the current count in codes; returns
 * the count after the step. */
gsize scvae__lista_step_inference (const Lista *lista,
                                   const float *gram,
                                   gsize n_patches,
                                   const float *features,
                                   const float *dty,
                                   float *codes,
                                   gsize nonzeros,
                                   ListaForm form,
                                   Scratch *scratch);

/* Whether a step of this form on n_patches codes with this many
 * non-zeros takes the sparse Gram form (for LISTA_FORM_AUTO, by the
 * density: see sparse_density_limit ()). */
gboolean scvae__lista_takes_gram_form (ListaForm form, gsize nonzeros, gsize n_patches, int K);

/* steps (at least 1) steps of the sparse Gram form, patch by patch: each
 * patch's code and D^T e stay in the L1 cache across its steps. Where
 * after_step[s] is not NULL, the codes after step s + 1 are copied into
 * it (n_patches x K). Returns the number of non-zeros after the last
 * step. The codes are the same, bit for bit, as from as many calls of
 * scvae__lista_step_inference () in the sparse form. */
gsize scvae__lista_gram_steps (const Lista *lista,
                               const float *gram,
                               gsize n_patches,
                               const float *dty,
                               float *codes,
                               int steps,
                               float *const *after_step,
                               Scratch *scratch);

/* D z for n codes (n x K) into out (n x C), from each code's active atoms
 * alone: dictionary_t is D^T (K x C), so an atom's column of D is a row.
 * Cost ~ C per non-zero code, against C K for the GEMM. */
void scvae__lista_sparse_dictionary_product (const float *dictionary_t, int C, int K, const float *codes,
                                             gsize n, float *out, Scratch *scratch);

/* The overcomplete separable DCT dictionary of the official code; FALSE if
 * channels is not a perfect square. */
gboolean scvae__lista_init_dct (float *dictionary, int channels, int atoms);

/* ||D||_2^2, the largest eigenvalue of D D^T (Jacobi, in double). */
double scvae__lista_spectral_norm_squared (const float *dictionary, int channels, int atoms);
