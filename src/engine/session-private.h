/* session-private.h: what the session's files share, and controls for
 * tests and benchmarks
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A session is one struct worked on by several files, one per stage:
 *
 *   session.c          setup, BatchNorm folding, the buffers kept across calls
 *   session-bands.c    a stage run over bands of patch rows with a halo
 *   session-encode.c   encode: the encoder, in bands
 *   session-lista.c    sparse_code: LISTA in tiles, with checkpoints
 *   session-decode.c   decode: the decoder, in bands
 *   session-atoms.c    what an atom draws
 *   session-results.c  metrics, atom usage, the results; scvae_reconstruct
 *
 * Each stage computes into fresh buffers and swaps them in only when it
 * completes: a cancelled stage leaves the previous results intact.
 */

#pragma once

#include "lista.h"
#include "metrics.h"
#include "model-private.h"
#include "scratch.h"
#include "threads.h"

typedef struct {
  ConvParams conv3, conv1; /* BatchNorm folded in */
} FoldedResBlock;

typedef struct {
  ConvParams enc_conv1, enc_conv2;
  FoldedResBlock enc_res[F4_RESBLOCKS];
  FoldedResBlock dec_res[F4_RESBLOCKS];
  ConvParams dec_convt1, dec_convt2;
} FoldedWeights;

struct _ScvaeSession {
  ScvaeModel *model;
  int C, K;
  F4Specs specs;
  float *folded_storage;
  FoldedWeights w;
  float *gram;               /* K x K */
  float *dictionary_t;       /* D^T, K x C: an atom's column of D as a row */
  Scratch *parts;            /* working memory of each thread's part, kept */
  int n_parts;
  ListaForm lista_form;

  /* encode */
  ScvaeImage *input;         /* as given */
  SsimReference *ssim_input; /* made at the first metrics */
  int rows, cols;            /* the patch grid */
  float *features;           /* P x C */
  float *dty;                /* P x K: D^T e per patch */

  /* sparse_code */
  gboolean coded;
  float *codes;              /* P x K */
  gsize nonzeros;
  int depth;
  float sparsity;
  /* LISTA's iterates at every checkpoint_spacing-th depth for one sparsity
   * (memory allowing): a new depth starts from the nearest one below. */
  float *checkpoints[SCVAE_MAX_DEPTH + 1];
  float checkpoint_sparsity;
  /* P x K buffers no longer in use, kept for the next codes and
   * checkpoints: tens of MB each at 1024 px, and fresh memory faults in
   * page by page (see process.c). Dropped when the grid changes. */
  GPtrArray *spare_codes;

  /* decode */
  float *intervention_gain;  /* K, or NULL: no gains */
  int intervention_keep;     /* 0: every atom */
  gboolean decoded;
  float *decoded_rows;       /* P x C: D z */
  ScvaeImage *reconstruction;

  ScvaeCodeStats *code_stats; /* of the current codes, when stats_valid */
  gboolean stats_valid;
  float *atom_background;    /* decode of the all-zero atom grid */
};

static inline gsize
session_n_patches (ScvaeSession *session)
{
  return (gsize) session->rows * session->cols;
}

/* New codes make the later stages' results stale. */
static inline void
session_invalidate_codes (ScvaeSession *session)
{
  session->coded = FALSE;
  session->decoded = FALSE;
  session->stats_valid = FALSE;
}

/* session.c */

/* A buffer for P x K codes, from the spares if there is one; NULL if there
 * is no memory for it and it is optional. */
float *scvae__session_take_codes_buffer (ScvaeSession *session, gboolean optional);
/* Keeps buffer (may be NULL) as a spare. */
void scvae__session_give_codes_buffer (ScvaeSession *session, float *buffer);
void scvae__session_clear_checkpoints (ScvaeSession *session);

/* x + conv1(relu(conv3(relu(x)))) with BatchNorm folded; t1, t2 are
 * temporaries of x's size; the result replaces x. Without its first
 * trim_top and last trim_bottom rows, when those are not needed (a
 * band's margin: the 3x3 convolution makes its edge rows wrong anyway);
 * returns the result's extent. */
Extent scvae__session_resblock (ScvaeSession *session, const FoldedResBlock *w, Extent e, int trim_top,
                                int trim_bottom, float *x, float *t1, float *t2, Scratch *scratch);

/* session-baseline.c: the codes of a VQ or Gaussian model (its depth and
 * sparsity only recorded). */
void scvae__session_code_baseline (ScvaeSession *session, int depth, float sparsity);

/* LISTA keeps its iterates for the depth slider within this many bytes
 * (session-lista.c; scvae_session_estimate_bytes counts them). */
#define SESSION_CHECKPOINT_BYTES (128 << 20)

/* session-bands.c */

/* The stages' buffers in each part's Scratch, after the kernels' slots:
 * kept from one call to the next, so that a slider move allocates nothing
 * large (fresh memory faults in page by page: see process.c). */
enum {
  SLOT_WIDE = SCRATCH_KERNEL_SLOTS, /* activations at half resolution */
  SLOT_X,                           /* and at patch resolution */
  SLOT_T1,
  SLOT_T2,
  SLOT_BAND_IN,                     /* a band's input and output */
  SLOT_BAND_OUT,
};
G_STATIC_ASSERT (SLOT_BAND_OUT < SCRATCH_SLOTS);

/* Runs part () on the engine's threads, each part with its own Scratch,
 * session->parts[part]. */
void scvae__session_parallel_run (ScvaeSession *session, ParallelPart part, gpointer data);
/* The parts' working memory, for a caller that runs no further stage. */
void scvae__session_drop_scratch (ScvaeSession *session);

/* The encoder and the decoder run in horizontal bands of patch rows,
 * shared out among the threads. A band computes this many rows beyond its
 * own on each side (its halo, cut at the grid's edges), as far as the zero
 * padding at its edge, where the image goes on, reaches in: a row for each
 * 3x3 convolution, and under one row more for the two strided (encoder)
 * or transposed (decoder: they reach 11 pixels) convolutions. Its own rows
 * then come out as the whole image's do, bit for bit, on any number of
 * threads (/session/threads-agree fails with a row fewer). */
#define SESSION_BAND_HALO (F4_RESBLOCKS + 1)

typedef struct {
  int rows, cols; /* the whole grid of patches */
  int r0, r1;     /* the band's own patch rows, r0 .. r1 - 1 */
  int h0, h1;     /* the rows it computes: its own and its halo */
} SessionBand;

/* Computes one band of a stage into the stage's outputs (data), with the
 * working memory of the part it runs in; FALSE if cancelled. */
typedef gboolean (*SessionBandWork) (ScvaeSession *session, const SessionBand *band, Scratch *scratch,
                                     GCancellable *cancellable, gpointer data);

typedef struct {
  int rows, cols;          /* the patch grid */
  /* How the grid is cut: one band per thread, or a multiple of that so
   * that none has more than max_patches patches, and none more than
   * max_rows rows (0: no limit). The cut never changes the results. */
  int max_rows;
  gsize max_patches;
  SessionBandWork work;
  gpointer data;
} SessionBands;

/* Runs work on every band of the grid; each thread takes every n-th band.
 * FALSE with G_IO_ERROR_CANCELLED when cancelled. */
gboolean scvae__session_run_bands (ScvaeSession *session, const SessionBands *bands,
                                   GCancellable *cancellable, GError **error);

/* Moving a band's rows between its own buffers, which hold the rows it
 * computes (halo included), and the whole grid's. Patch-major buffers
 * have dim floats a patch; pixels are 3 planes of 4 x 4 pixels a patch. */

/* The band's own rows of band_rows into whole; returns where they start in
 * band_rows. */
const float *scvae__session_band_keep_rows (const SessionBand *band, int dim, const float *band_rows,
                                            float *whole);
/* The band without `margin` of its margin rows on each side that has
 * them (not at the grid's edge): what is left after layers dropped them. */
SessionBand scvae__session_band_less_margin (const SessionBand *band, int margin);
/* The rows the band computes, from whole into band_pixels. */
void scvae__session_band_take_pixels (const SessionBand *band, const float *whole, float *band_pixels);
/* The band's own rows of band_pixels into whole. */
void scvae__session_band_keep_pixels (const SessionBand *band, const float *band_pixels, float *whole);

/* The encoder's and decoder's activations for a grid of rows x cols
 * patches, C channels, channel-major, in a part's Scratch. */
typedef struct {
  float *wide;   /* at half resolution: 2 rows x 2 cols */
  float *x;      /* at patch resolution, and two temporaries of its size */
  float *t1, *t2;
} SessionActivations;

SessionActivations scvae__session_activations (ScvaeSession *session, Scratch *scratch, int rows, int cols);

/* A decoder band has about this many patches at most (32 rows of a
 * 1024 px image): at 2048 x 2048 px one band per thread kept hundreds of
 * MB of working memory per thread, and the whole reconstruct peaked at
 * 2.0 GB. At 1024 x 1024 px on two threads, bands of 32768 patches (one
 * per thread) decoded in 125-167 ms, these in 124-156 (stage-rates,
 * alternating: equal on a quiet machine, faster on a busy one, whose
 * caches they fit better), and reconstruct peaked at 431 MB, now 305. */
#define SESSION_DECODE_BAND_PATCHES 8192

/* For tests and benchmarks: forces LISTA's dense or sparse form
 * (LISTA_FORM_AUTO by default). */
void scvae__session_set_lista_form (ScvaeSession *session, ListaForm form);
