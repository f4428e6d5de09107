/* session.c: inference stage by stage, with every stage's result kept
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * At creation the session folds each BatchNorm into the convolution before
 * it and precomputes the Gram matrix D^T D; encoding also keeps D^T e. So a
 * new sparsity or depth reruns only LISTA (sparse-aware) and the decoder.
 *
 * Each stage computes into fresh buffers and swaps them in only when it
 * completes: a cancelled stage leaves the previous results intact.
 */

#include "config.h"

#include "session-private.h"

#include <cblas.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "metrics.h"
#include "ops.h"
#include "simd.h"
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
  gboolean decoded;
  float *decoded_rows;       /* P x C: D z */
  ScvaeImage *reconstruction;

  ScvaeCodeStats *code_stats; /* of the current codes, when stats_valid */
  gboolean stats_valid;
  float *atom_background;    /* decode of the all-zero atom grid */
};

/* A buffer for P x K codes; NULL if there is no memory for it and it is
 * optional. */
static float *
codes_buffer_take (ScvaeSession *session, gboolean optional)
{
  gsize n = (gsize) session->rows * session->cols * session->K;

  if (session->spare_codes->len > 0)
    return g_ptr_array_steal_index_fast (session->spare_codes, session->spare_codes->len - 1);
  return optional ? g_try_new (float, n) : g_new (float, n);
}

static void
codes_buffer_give (ScvaeSession *session, float *buffer)
{
  if (buffer)
    g_ptr_array_add (session->spare_codes, buffer);
}

static void
checkpoints_clear (ScvaeSession *session)
{
  for (int d = 0; d <= SCVAE_MAX_DEPTH; d++)
    codes_buffer_give (session, g_steal_pointer (&session->checkpoints[d]));
}

static void
invalidate_codes (ScvaeSession *session)
{
  session->coded = FALSE;
  session->decoded = FALSE;
  session->stats_valid = FALSE;
}

static float *
copy_tensor (const float *src, gsize n, float **cursor)
{
  float *dst = *cursor;

  memcpy (dst, src, n * sizeof (float));
  *cursor += n;
  return dst;
}

static ConvParams
fold (const ConvSpec *spec, const ConvParams *conv, const BatchNormParams *bn, float **cursor)
{
  ConvParams out;

  out.weight = copy_tensor (conv->weight, scvae__conv_weight_size (spec), cursor);
  out.bias = copy_tensor (conv->bias, spec->out_channels, cursor);
  if (bn)
    scvae__batchnorm_fold (bn, spec, out.weight, out.bias);
  return out;
}

static void
fold_resblock (const F4Specs *s, const ResBlockParams *p, FoldedResBlock *out, float **cursor)
{
  out->conv3 = fold (&s->res_conv3, &p->conv3, &p->bn3, cursor);
  out->conv1 = fold (&s->res_conv1, &p->conv1, &p->bn1, cursor);
}

ScvaeSession *
scvae_session_new (ScvaeModel *model)
{
  ScvaeSession *session = g_new0 (ScvaeSession, 1);
  const F4Tensors *t = &model->tensors;
  const F4Specs *s = &session->specs;
  float *cursor;

  session->model = scvae_model_ref (model);
  session->spare_codes = g_ptr_array_new_with_free_func (g_free);
  session->C = model->layout->config.channels;
  session->K = model->layout->config.atoms;
  scvae__f4_specs (session->C, &session->specs);

  /* The folded weights have exactly the parameter count's size. */
  session->folded_storage = g_new (float, model->layout->n_parameters);
  cursor = session->folded_storage;
  session->w.enc_conv1 = fold (&s->enc_conv1, &t->enc_conv1, &t->enc_bn, &cursor);
  session->w.enc_conv2 = fold (&s->enc_conv2, &t->enc_conv2, NULL, &cursor);
  for (int i = 0; i < F4_RESBLOCKS; i++)
    {
      fold_resblock (s, &t->enc_res[i], &session->w.enc_res[i], &cursor);
      fold_resblock (s, &t->dec_res[i], &session->w.dec_res[i], &cursor);
    }
  session->w.dec_convt1 = fold (&s->dec_convt1, &t->dec_convt1, &t->dec_bn, &cursor);
  session->w.dec_convt2 = fold (&s->dec_convt2, &t->dec_convt2, NULL, &cursor);
  g_assert (cursor <= session->folded_storage + model->layout->n_parameters);

  session->gram = g_new (float, (gsize) session->K * session->K);
  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, session->K, session->K, session->C,
               1.f, t->dictionary, session->K, t->dictionary, session->K,
               0.f, session->gram, session->K);
  session->lista_form = LISTA_FORM_AUTO;
  return session;
}

void
scvae_session_free (ScvaeSession *session)
{
  if (session == NULL)
    return;
  scvae_model_unref (session->model);
  g_free (session->folded_storage);
  g_free (session->gram);
  for (int i = 0; i < session->n_parts; i++)
    scvae__scratch_clear (&session->parts[i]);
  g_free (session->parts);
  scvae_image_free (session->input);
  scvae__ssim_reference_free (session->ssim_input);
  g_free (session->features);
  g_free (session->dty);
  g_free (session->codes);
  checkpoints_clear (session);
  g_ptr_array_unref (session->spare_codes);
  g_free (session->decoded_rows);
  scvae_image_free (session->reconstruction);
  scvae_code_stats_free (session->code_stats);
  g_free (session->atom_background);
  g_free (session);
}

ScvaeModel *
scvae_session_get_model (ScvaeSession *session)
{
  return session->model;
}

/* The forms round differently: iterates of one do not continue the other. */
void
scvae__session_set_lista_form (ScvaeSession *session, ListaForm form)
{
  if (form == session->lista_form)
    return;
  session->lista_form = form;
  checkpoints_clear (session);
  codes_buffer_give (session, g_steal_pointer (&session->codes));
  invalidate_codes (session);
}

static gsize
n_patches (ScvaeSession *session)
{
  return (gsize) session->rows * session->cols;
}

/* ------------------------------------------------------------------------- */
/* Encode */

/* Mirrors out-of-range coordinates back inside [0, n) (no edge repeat). */
static int
reflect (int i, int n)
{
  int period = 2 * (n - 1);

  if (n == 1)
    return 0;
  i %= period;
  return i < n ? i : period - i;
}

/* The encoder needs sides that are multiples of 4: reflect-pad right and
 * bottom; the decoder's output is cropped back. */
static float *
pad_input (const ScvaeImage *image, int width, int height)
{
  float *out = g_new (float, (gsize) 3 * width * height);

  for (int c = 0; c < 3; c++)
    for (int y = 0; y < height; y++)
      {
        const float *src = image->data + ((gsize) c * image->height + reflect (y, image->height)) * image->width;
        float *dst = out + ((gsize) c * height + y) * width;

        for (int x = 0; x < width; x++)
          dst[x] = src[reflect (x, image->width)];
      }
  return out;
}

static void
relu_inplace (float *x, gsize n)
{
  scvae__ops_relu (x, x, n);
}

/* x + conv1(relu(conv3(relu(x)))) with BatchNorm folded; t1, t2 are
 * temporaries of x's size; the result replaces x. */
static void
resblock (ScvaeSession *session, const FoldedResBlock *w, Extent e, float *x, float *t1, float *t2,
          Scratch *scratch)
{
  gsize n = (gsize) session->C * extent_size (e);

  scvae__ops_relu (x, t1, n);
  scvae__conv_forward (&session->specs.res_conv3, w->conv3.weight, w->conv3.bias, t1, e, t2, scratch);
  relu_inplace (t2, n);
  scvae__conv_forward (&session->specs.res_conv1, w->conv1.weight, w->conv1.bias, t2, e, t1, scratch);
  cblas_saxpy (n, 1.f, t1, 1, x, 1);
}

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

/* The parts' working memory, for a caller that runs no further stage. */
static void
session_drop_scratch (ScvaeSession *session)
{
  for (int i = 0; i < session->n_parts; i++)
    scvae__scratch_clear (&session->parts[i]);
}

/* Runs part () on the engine's threads, each part with its own Scratch. */
static void
session_parallel_run (ScvaeSession *session, ParallelPart part, gpointer data)
{
  int n_parts = scvae_get_threads ();

  if (n_parts > session->n_parts)
    {
      session->parts = g_renew (Scratch, session->parts, n_parts);
      memset (session->parts + session->n_parts, 0, (n_parts - session->n_parts) * sizeof (Scratch));
      session->n_parts = n_parts;
    }
  scvae__parallel_run (n_parts, part, data);
}

/* The encoder on 3 planes of 4 rows x 4 cols pixels, into the features
 * of rows x cols patches (patch-major); FALSE if cancelled. */
static gboolean
encode_grid (ScvaeSession *session, const float *pixels, int rows, int cols, float *features,
             Scratch *scratch, GCancellable *cancellable)
{
  int C = session->C;
  Extent full = { 1, 4 * rows, 4 * cols }, half = { 1, 2 * rows, 2 * cols }, quarter = { 1, rows, cols };
  gsize P = extent_size (quarter);
  float *wide = scvae__scratch_get (scratch, SLOT_WIDE, C * extent_size (half));
  float *x = scvae__scratch_get (scratch, SLOT_X, C * P);
  float *t1 = scvae__scratch_get (scratch, SLOT_T1, C * P);
  float *t2 = scvae__scratch_get (scratch, SLOT_T2, C * P);
  const FoldedWeights *w = &session->w;

  scvae__conv_forward (&session->specs.enc_conv1, w->enc_conv1.weight, w->enc_conv1.bias, pixels, full,
                       wide, scratch);
  relu_inplace (wide, C * extent_size (half));
  if (g_cancellable_is_cancelled (cancellable))
    return FALSE;
  scvae__conv_forward (&session->specs.enc_conv2, w->enc_conv2.weight, w->enc_conv2.bias, wide, half,
                       x, scratch);
  for (int i = 0; i < F4_RESBLOCKS; i++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        return FALSE;
      resblock (session, &w->enc_res[i], quarter, x, t1, t2, scratch);
    }
  scvae__ops_transpose (x, C, P, features);
  return TRUE;
}

/* Like the decoder (see DECODE_HALO), the encoder runs in bands of patch
 * rows shared out among the threads, each band with a margin as far as the
 * zero padding at its edge reaches in: under one row for the two strided
 * convolutions, and one for each 3x3 convolution. */
#define ENCODE_HALO (F4_RESBLOCKS + 1)
/* A band has at most this many patch rows, so that a 1024 px image is cut
 * finer than one band per thread: a layer of a band is the longest stretch
 * between two checks for cancellation. */
#define ENCODE_BAND_ROWS 32

typedef struct {
  ScvaeSession *session;
  const float *pixels;   /* 3 planes of 4 rows x 4 cols */
  int rows, cols;        /* patches */
  float *features;       /* rows x cols x C */
  float *dty;            /* rows x cols x K */
  GCancellable *cancellable;
  gint cancelled;
} EncodeRun;

/* Encodes patch rows r0 .. r1 - 1 into the run's outputs; FALSE if
 * cancelled. */
static gboolean
encode_band (EncodeRun *run, int r0, int r1, Scratch *scratch)
{
  ScvaeSession *session = run->session;
  int C = session->C, K = session->K, cols = run->cols, width = 4 * cols;
  int h0 = MAX (0, r0 - ENCODE_HALO), h1 = MIN (run->rows, r1 + ENCODE_HALO);
  gsize n = (gsize) (h1 - h0) * cols, plane = (gsize) 16 * run->rows * cols;
  gsize own = (gsize) (r1 - r0) * cols, skipped = (gsize) (r0 - h0) * cols;
  float *pixels = scvae__scratch_get (scratch, SLOT_BAND_IN, 3 * 16 * n);
  float *features = scvae__scratch_get (scratch, SLOT_BAND_OUT, n * C);

  for (int c = 0; c < 3; c++)
    memcpy (pixels + c * 16 * n, run->pixels + c * plane + (gsize) 4 * h0 * width,
            16 * n * sizeof (float));
  if (!encode_grid (session, pixels, h1 - h0, cols, features, scratch, run->cancellable))
    return FALSE;

  /* The band's own rows: their features, and D^T e. */
  memcpy (run->features + (gsize) r0 * cols * C, features + skipped * C, own * C * sizeof (float));
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, own, K, C,
               1.f, features + skipped * C, C, session->model->tensors.dictionary, K,
               0.f, run->dty + (gsize) r0 * cols * K, K);
  return TRUE;
}

static void
encode_part (int part, int n_parts, gpointer data)
{
  EncodeRun *run = data;
  int rows = MIN ((run->rows + n_parts - 1) / n_parts, ENCODE_BAND_ROWS);

  for (int r0 = part * rows; r0 < run->rows; r0 += n_parts * rows)
    if (!encode_band (run, r0, MIN (run->rows, r0 + rows), &run->session->parts[part]))
      {
        g_atomic_int_set (&run->cancelled, TRUE);
        break;
      }
}

gboolean
scvae_session_encode (ScvaeSession *session,
                      const ScvaeImage *image,
                      GCancellable *cancellable,
                      GError **error)
{
  int width = (image->width + 3) / 4 * 4, height = (image->height + 3) / 4 * 4;
  Extent quarter = { 1, height / 4, width / 4 };
  gsize P = extent_size (quarter);
  int C = session->C;
  g_autofree float *padded = NULL, *features = NULL, *dty = NULL;
  EncodeRun run;
  guint64 needed = scvae_session_estimate_bytes (session->model, image->width, image->height);
  guint64 budget;

  if (!scvae_memory_budget (&budget, error))
    return FALSE;
  /* Refused up front: the alternative is an abort or the OOM killer. */
  if (needed > budget)
    {
      /* In MiB, the unit of SCVAE_MEMORY_LIMIT_MB. */
      g_autofree char *needed_text = g_format_size_full (needed, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *budget_text = g_format_size_full (budget, G_FORMAT_SIZE_IEC_UNITS);

      /* Translators: follows the image's file name and a colon; the %s are
       * sizes such as "1.2 GB": the memory needed, then the memory there is. */
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   g_dngettext (GETTEXT_PACKAGE,
                                "at %dx%d it needs %s with this model (%d atom), more than the %s available: "
                                "downscale it",
                                "at %dx%d it needs %s with this model (%d atoms), more than the %s available: "
                                "downscale it", session->K),
                   image->width, image->height, needed_text, session->K, budget_text);
      return FALSE;
    }

  padded = pad_input (image, width, height);
  features = g_new (float, P * C);
  dty = g_new (float, P * session->K);
  run = (EncodeRun) {
    .session = session,
    .pixels = padded,
    .rows = quarter.height,
    .cols = quarter.width,
    .features = features,
    .dty = dty,
    .cancellable = cancellable,
  };
  session_parallel_run (session, encode_part, &run);
  if (run.cancelled)
    return !g_cancellable_set_error_if_cancelled (cancellable, error);

  /* Done: swap the results in. */
  scvae_image_free (session->input);
  g_clear_pointer (&session->ssim_input, scvae__ssim_reference_free);
  session->input = scvae_image_copy (image);
  session->rows = quarter.height;
  session->cols = quarter.width;
  g_free (session->features);
  session->features = g_steal_pointer (&features);
  g_free (session->dty);
  session->dty = g_steal_pointer (&dty);
  g_clear_pointer (&session->codes, g_free);
  checkpoints_clear (session);
  g_ptr_array_set_size (session->spare_codes, 0);
  g_clear_pointer (&session->decoded_rows, g_free);
  g_clear_pointer (&session->reconstruction, scvae_image_free);
  invalidate_codes (session);
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Sparse code */

/* Patches per tile: a tile's codes (2 MB at K = 256) stay in cache, and a
 * 256 x 256 image still makes 8 tiles to share out. The size depends on
 * the image alone, never on the thread count: the tiles, and so the
 * results, are the same bit for bit whoever computes them. */
static gsize
lista_tile (gsize n_patches)
{
  return CLAMP ((n_patches + 7) / 8, 64, 2048);
}

#define CHECKPOINT_BYTES (128 << 20)

/* Every 4th depth when that fits in CHECKPOINT_BYTES, sparser for large
 * images; 0: none fits. */
static int
checkpoint_spacing (ScvaeSession *session)
{
  guint64 bytes = (guint64) n_patches (session) * session->K * sizeof (float);
  guint64 fitting = CHECKPOINT_BYTES / MAX (bytes, 1);

  if (fitting == 0)
    return 0;
  return MAX (4, (int) ((SCVAE_MAX_DEPTH + fitting - 1) / fitting));
}

static gsize
count_nonzeros (const float *codes, gsize n)
{
  gsize count = 0;

  for (gsize i = 0; i < n; i++)
    count += codes[i] != 0.f;
  return count;
}

static Lista
session_lista (ScvaeSession *session, float sparsity)
{
  float c = session->model->tensors.step[0];

  return (Lista) {
    .channels = session->C,
    .atoms = session->K,
    .dictionary = session->model->tensors.dictionary,
    .c = c,
    .threshold = session->model->layout->config.beta * sparsity / c,
  };
}

/* One LISTA run, shared by the threads that each code a share of the
 * tiles. */
typedef struct {
  ScvaeSession *session;
  Lista lista;
  gsize tile;
  float *codes;
  gboolean continued;     /* codes hold the iterate at from_depth */
  int from_depth, depth;
  float **fresh;          /* checkpoints to fill, by depth */
  GCancellable *cancellable;
  gsize nonzeros;         /* added to atomically */
  gint cancelled;
} ListaRun;

/* Patches are coded independently: all steps tile by tile keep a tile's
 * codes in cache across steps, cancellation comes sooner, and the threads
 * need not meet between steps. */
static void
code_tiles (int part, int n_parts, gpointer data)
{
  ListaRun *run = data;
  ScvaeSession *session = run->session;
  gsize P = n_patches (session), C = session->C, K = session->K;
  Scratch *scratch = &session->parts[part];
  gsize nonzeros = 0;

  for (gsize first = part * run->tile; first < P; first += n_parts * run->tile)
    {
      gsize n = MIN (run->tile, P - first);
      const float *dty = session->dty + first * K;
      float *tile = run->codes + first * K;
      gsize tile_nonzeros = run->continued ? count_nonzeros (tile, n * K)
                                           : scvae__lista_first_step_inference (&run->lista, n, dty, tile);

      for (int t = MAX (run->from_depth, 0) + 1; t <= run->depth; t++)
        {
          if (g_cancellable_is_cancelled (run->cancellable))
            {
              g_atomic_int_set (&run->cancelled, TRUE);
              return;
            }
          tile_nonzeros = scvae__lista_step_inference (&run->lista, session->gram, n, session->features + first * C,
                                                       dty, tile, tile_nonzeros, session->lista_form, scratch);
          if (run->fresh[t])
            memcpy (run->fresh[t] + first * K, tile, n * K * sizeof (float));
        }
      nonzeros += tile_nonzeros;
    }
  g_atomic_pointer_add (&run->nonzeros, nonzeros);
}

gboolean
scvae_session_sparse_code (ScvaeSession *session,
                           int depth,
                           float sparsity,
                           GCancellable *cancellable,
                           GError **error)
{
  gsize P = n_patches (session);
  float *codes, *fresh[SCVAE_MAX_DEPTH + 1] = { NULL };
  const float *from = NULL;
  int from_depth = -1, spacing = checkpoint_spacing (session);
  ListaRun run;

  g_return_val_if_fail (session->features != NULL, FALSE);

  if (depth < 0)
    depth = session->model->layout->config.lista_steps;
  if (depth > SCVAE_MAX_DEPTH || !(sparsity >= 0.f && sparsity <= SCVAE_MAX_SPARSITY))
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   _("depth must be in 0..%d and sparsity in 0..%g (got %d and %g)"),
                   SCVAE_MAX_DEPTH, SCVAE_MAX_SPARSITY, depth, sparsity);
      return FALSE;
    }

  /* Continue from the nearest iterate at or below this depth: the result
   * is the same, bit for bit, as from zero (the same steps on the same
   * tiles), and dragging the depth slider costs a step or a few. */
  if (sparsity != session->checkpoint_sparsity)
    {
      checkpoints_clear (session);
      session->checkpoint_sparsity = sparsity;
    }
  if (session->codes && session->sparsity == sparsity && session->depth <= depth)
    from = session->codes, from_depth = session->depth;
  for (int d = depth; d > from_depth; d--)
    if (session->checkpoints[d])
      {
        from = session->checkpoints[d], from_depth = d;
        break;
      }
  if (spacing > 0)
    for (int d = from_depth + 1; d <= depth; d++)
      if (d > 0 && d % spacing == 0 && session->checkpoints[d] == NULL)
        fresh[d] = codes_buffer_take (session, TRUE);

  codes = codes_buffer_take (session, FALSE);
  if (from)
    memcpy (codes, from, P * session->K * sizeof (float));
  run = (ListaRun) {
    .session = session,
    .lista = session_lista (session, sparsity),
    .tile = lista_tile (P),
    .codes = codes,
    .continued = from != NULL,
    .from_depth = from_depth,
    .depth = depth,
    .fresh = fresh,
    .cancellable = cancellable,
  };
  session_parallel_run (session, code_tiles, &run);
  if (run.cancelled)
    {
      g_cancellable_set_error_if_cancelled (cancellable, error);
      for (int d = 0; d <= depth; d++)
        codes_buffer_give (session, fresh[d]);
      codes_buffer_give (session, codes);
      return FALSE;
    }
  for (int d = 0; d <= depth; d++)
    if (fresh[d])
      session->checkpoints[d] = fresh[d];

  codes_buffer_give (session, session->codes);
  session->codes = codes;
  session->nonzeros = run.nonzeros;
  session->depth = depth;
  session->sparsity = sparsity;
  invalidate_codes (session);
  session->coded = TRUE;
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Decode */

/* The decoder on a grid of latents (rows x cols x C); FALSE if cancelled. */
static gboolean
decode_grid (ScvaeSession *session, const float *latents, int rows, int cols, float *out,
             Scratch *scratch, GCancellable *cancellable)
{
  int C = session->C;
  Extent quarter = { 1, rows, cols }, half = { 1, 2 * rows, 2 * cols };
  gsize P = (gsize) rows * cols;
  float *wide = scvae__scratch_get (scratch, SLOT_WIDE, C * extent_size (half));
  float *x = scvae__scratch_get (scratch, SLOT_X, C * P);
  float *t1 = scvae__scratch_get (scratch, SLOT_T1, C * P);
  float *t2 = scvae__scratch_get (scratch, SLOT_T2, C * P);
  const FoldedWeights *w = &session->w;

  scvae__ops_transpose (latents, P, C, x);
  for (int i = 0; i < F4_RESBLOCKS; i++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        return FALSE;
      resblock (session, &w->dec_res[i], quarter, x, t1, t2, scratch);
    }
  relu_inplace (x, C * P);
  scvae__conv_forward (&session->specs.dec_convt1, w->dec_convt1.weight, w->dec_convt1.bias, x, quarter,
                       wide, scratch);
  relu_inplace (wide, C * extent_size (half));
  if (g_cancellable_is_cancelled (cancellable))
    return FALSE;
  scvae__conv_forward (&session->specs.dec_convt2, w->dec_convt2.weight, w->dec_convt2.bias, wide, half,
                       out, scratch);
  scvae__ops_tanh (out, out, (gsize) 3 * 16 * P);
  return TRUE;
}

/* The decoder runs in horizontal bands, one per thread or, for large
 * images, a few per thread (DECODE_BAND_PATCHES). A band decodes
 * this many latent rows beyond its own on each side, as far as the zero
 * padding at its edge (where the image goes on) reaches in: a row for each
 * 3x3 convolution, and between them the two transposed convolutions reach
 * 11 pixels, under one row more. Its own rows then come out as the whole
 * image's do (/session/threads-agree fails with a row fewer). */
#define DECODE_HALO (F4_RESBLOCKS + 1)
/* A band has about this many patches at most: at 2048 x 2048 px one band
 * per thread kept hundreds of MB of working memory per thread, and the
 * whole reconstruct peaked at 2.0 GB. Up to 1024 x 1024 px on two threads
 * the split stays one band per thread, as before. */
#define DECODE_BAND_PATCHES 32768

typedef struct {
  ScvaeSession *session;
  const float *codes;    /* P x K, or NULL: latents are given */
  float *latents;        /* rows x cols x C: read, or written from codes */
  int rows, cols;
  float *out;            /* 3 planes of 4 rows x 4 cols */
  GCancellable *cancellable;
  gint cancelled;
} DecodeRun;

/* Decodes latent rows r0 .. r1 - 1 into the run's outputs; FALSE if
 * cancelled. */
static gboolean
decode_band (DecodeRun *run, int r0, int r1, Scratch *scratch)
{
  ScvaeSession *session = run->session;
  int C = session->C, K = session->K, cols = run->cols, width = 4 * cols;
  int h0 = MAX (0, r0 - DECODE_HALO), h1 = MIN (run->rows, r1 + DECODE_HALO);
  gsize n = (gsize) (h1 - h0) * cols, plane = (gsize) 16 * run->rows * cols;
  float *latents = NULL, *pixels;

  if (run->codes)
    {
      /* D z for the band and its halo; its own rows are kept. */
      latents = scvae__scratch_get (scratch, SLOT_BAND_IN, n * C);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, C, K,
                   1.f, run->codes + (gsize) h0 * cols * K, K, session->model->tensors.dictionary, K,
                   0.f, latents, C);
      memcpy (run->latents + (gsize) r0 * cols * C, latents + (gsize) (r0 - h0) * cols * C,
              (gsize) (r1 - r0) * cols * C * sizeof (float));
    }
  pixels = scvae__scratch_get (scratch, SLOT_BAND_OUT, 3 * 16 * n);
  if (!decode_grid (session, latents ? latents : run->latents + (gsize) h0 * cols * C, h1 - h0, cols,
                    pixels, scratch, run->cancellable))
    return FALSE;
  for (int c = 0; c < 3; c++)
    memcpy (run->out + c * plane + (gsize) 4 * r0 * width, pixels + c * 16 * n + (gsize) 4 * (r0 - h0) * width,
            (gsize) 4 * (r1 - r0) * width * sizeof (float));
  return TRUE;
}

/* Each thread decodes every n_parts-th band; the bands are as many as the
 * threads, or a multiple of that so that none exceeds DECODE_BAND_PATCHES. */
static void
decode_part (int part, int n_parts, gpointer data)
{
  DecodeRun *run = data;
  gsize patches = (gsize) run->rows * run->cols;
  gsize rounds = (patches + (gsize) n_parts * DECODE_BAND_PATCHES - 1) / ((gsize) n_parts * DECODE_BAND_PATCHES);
  gsize n_bands = MAX (rounds, 1) * n_parts;
  int rows = (int) ((run->rows + n_bands - 1) / n_bands);

  for (int r0 = part * rows; r0 < run->rows; r0 += n_parts * rows)
    if (!decode_band (run, r0, MIN (run->rows, r0 + rows), &run->session->parts[part]))
      {
        g_atomic_int_set (&run->cancelled, TRUE);
        break;
      }
}

static gboolean
decode_bands (DecodeRun *run, GError **error)
{
  session_parallel_run (run->session, decode_part, run);
  if (run->cancelled)
    return !g_cancellable_set_error_if_cancelled (run->cancellable, error);
  return TRUE;
}

gboolean
scvae_session_decode_latents (ScvaeSession *session, const float *latents, int rows, int cols,
                              float *out, GCancellable *cancellable, GError **error)
{
  DecodeRun run = {
    .session = session,
    .latents = (float *) latents,
    .rows = rows,
    .cols = cols,
    .out = out,
    .cancellable = cancellable,
  };

  return decode_bands (&run, error);
}

gboolean
scvae_session_decode (ScvaeSession *session, GCancellable *cancellable, GError **error)
{
  int C = session->C;
  int width = 4 * session->cols, height = 4 * session->rows;
  gsize P = n_patches (session), plane = (gsize) width * height;
  g_autofree float *decoded_rows = g_new (float, P * C);
  g_autofree float *out = g_new (float, 3 * plane);
  const ScvaeImage *input = session->input;
  ScvaeImage *reconstruction;
  DecodeRun run = {
    .session = session,
    .codes = session->codes,
    .latents = decoded_rows,
    .rows = session->rows,
    .cols = session->cols,
    .out = out,
    .cancellable = cancellable,
  };

  g_return_val_if_fail (session->coded, FALSE);

  if (!decode_bands (&run, error))
    return FALSE;

  /* Cropped back to the input's size */
  reconstruction = scvae_image_new (input->width, input->height);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < input->height; y++)
      memcpy (reconstruction->data + ((gsize) c * input->height + y) * input->width,
              out + c * plane + (gsize) y * width, input->width * sizeof (float));

  g_free (session->decoded_rows);
  session->decoded_rows = g_steal_pointer (&decoded_rows);
  scvae_image_free (session->reconstruction);
  session->reconstruction = reconstruction;
  session->decoded = TRUE;
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* What an atom draws
 *
 * An atom is a direction in feature space, and the decoder is nonlinear:
 * what an atom "looks like" depends on how strongly it is used and on what
 * surrounds it. The rendering that answers "what does this atom add to the
 * picture" with the least else mixed in: decode a grid that is zero except
 * amplitude * d_k at the centre patch, subtract the decode of the all-zero
 * grid (the decoder's output for "nothing", which is not blank), and crop
 * around the centre. The amplitude is the atom's typical coefficient, so
 * the picture shows the atom as it is used, not at an arbitrary scale. */

#define ATOM_GRID 7

ScvaeImage *
scvae_session_render_atom (ScvaeSession *session, int atom, float amplitude, int size, float *energy)
{
  int C = session->C, K = session->K, side = 4 * ATOM_GRID, centre = side / 2, x0, y0;
  gsize P = ATOM_GRID * ATOM_GRID, plane = (gsize) side * side;
  g_autofree float *latents = g_new0 (float, P * C);
  g_autofree float *out = g_new (float, 3 * plane);
  const float *D = session->model->tensors.dictionary;
  ScvaeImage *image;
  float largest = 0.f;

  g_return_val_if_fail (atom >= 0 && atom < K && size > 0 && size <= side, NULL);

  if (session->atom_background == NULL)
    {
      session->atom_background = g_new (float, 3 * plane);
      scvae_session_decode_latents (session, latents, ATOM_GRID, ATOM_GRID, session->atom_background,
                                    NULL, NULL);
    }
  for (int c = 0; c < C; c++)
    latents[(P / 2) * C + c] = amplitude * D[(gsize) c * K + atom];
  scvae_session_decode_latents (session, latents, ATOM_GRID, ATOM_GRID, out, NULL, NULL);

  image = scvae_image_new (size, size);
  x0 = y0 = centre - size / 2;
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < size; y++)
      for (int x = 0; x < size; x++)
        {
          gsize i = c * plane + (gsize) (y0 + y) * side + x0 + x;
          float d = out[i] - session->atom_background[i];

          image->data[((gsize) c * size + y) * size + x] = d;
          largest = MAX (largest, fabsf (d));
        }
  /* For display: no change is mid grey, the largest change full scale. */
  for (gsize i = 0; i < (gsize) 3 * size * size && largest > 0.f; i++)
    image->data[i] /= largest;
  if (energy)
    *energy = largest;
  return image;
}

/* ------------------------------------------------------------------------- */
/* Metrics and results */

static ScvaeCodeStats *
current_code_stats (ScvaeSession *session)
{
  if (!session->stats_valid)
    {
      if (session->code_stats == NULL)
        session->code_stats = scvae_code_stats_new (session->K);
      scvae_code_stats_reset (session->code_stats);
      scvae_code_stats_add (session->code_stats, session->codes, n_patches (session));
      session->stats_valid = TRUE;
    }
  return session->code_stats;
}

const ScvaeAtomUsage *
scvae_session_get_atom_usage (ScvaeSession *session)
{
  g_return_val_if_fail (session->coded, NULL);

  return scvae_code_stats_get_usage (current_code_stats (session));
}

SCVAE_VECTORIZED static float
squared_distance (const float *a, const float *b, int n)
{
  float sum = 0.f;

  for (int i = 0; i < n; i++)
    sum += (a[i] - b[i]) * (a[i] - b[i]);
  return sum;
}

void
scvae_session_compute_metrics (ScvaeSession *session, ScvaeMetrics *m)
{
  gsize P = n_patches (session);
  int C = session->C;
  double beta_s = session->model->layout->config.beta * session->sparsity;
  double se = 0.0;

  g_return_if_fail (session->decoded);

  m->psnr = scvae_psnr (session->reconstruction, session->input);
  if (session->ssim_input == NULL)
    session->ssim_input = scvae__ssim_reference_new (session->input);
  m->ssim = scvae__ssim_reference_compare (session->ssim_input, session->reconstruction);
  scvae_code_stats_get_health (current_code_stats (session), &m->codes);

  for (gsize p = 0; p < P; p++)
    se += squared_distance (session->features + p * C, session->decoded_rows + p * C, C);
  m->latent_mse = se / ((double) P * C);
  m->lasso = 0.5 * se / P + beta_s * m->codes.l1_per_patch;
}

const ScvaeImage *
scvae_session_get_input (ScvaeSession *session)
{
  return session->input;
}

const ScvaeImage *
scvae_session_get_reconstruction (ScvaeSession *session)
{
  return session->decoded ? session->reconstruction : NULL;
}

const float *
scvae_session_get_codes (ScvaeSession *session, int *rows, int *cols, int *atoms)
{
  if (rows)
    *rows = session->rows;
  if (cols)
    *cols = session->cols;
  if (atoms)
    *atoms = session->K;
  return session->coded ? session->codes : NULL;
}

const float *
scvae_session_get_features (ScvaeSession *session, int *rows, int *cols, int *channels)
{
  if (rows)
    *rows = session->rows;
  if (cols)
    *cols = session->cols;
  if (channels)
    *channels = session->C;
  return session->features;
}

guint64
scvae_session_estimate_bytes (ScvaeModel *model, int width, int height)
{
  const ScvaeConfig *config = scvae_model_get_config (model);
  guint64 C = config->channels, K = config->atoms;
  guint64 padded_width = (width + 3) / 4 * 4, padded_height = (height + 3) / 4 * 4;
  guint64 pixels = padded_width * padded_height, P = pixels / 16, cols = padded_width / 4;
  guint64 threads = MAX (scvae_get_threads (), 1);
  guint64 codes = P * K * sizeof (float), checkpoints = 0, band_patches, working;

  /* LISTA keeps iterates for the depth slider, at every 4th depth at most,
   * within CHECKPOINT_BYTES (checkpoint_spacing). */
  if (codes <= CHECKPOINT_BYTES)
    checkpoints = MIN (CHECKPOINT_BYTES / codes, SCVAE_MAX_DEPTH / 4) * codes;
  /* A thread's working memory is that of its largest band: the decoder's
   * (DECODE_BAND_PATCHES, or a share of the image), with the activations
   * at half resolution, those at patch resolution, the band's input and
   * output and the convolutions' padded copies. */
  band_patches = MIN (P / threads + 1, (guint64) DECODE_BAND_PATCHES) + 2 * DECODE_HALO * cols;
  working = threads * band_patches * sizeof (float) * (12 * C + 48);

  /* Images: the caller's, the session's copy, the padded input, the
   * decoder's output and the reconstruction, and SSIM's planes of the
   * input. Per patch: the features and D z in C floats, D^T e, the codes
   * and a spare set of codes in K floats. */
  return sizeof (float) * (3 * 5 * pixels + 9 * pixels + P * (2 * C + 3 * K)) + checkpoints + working;
}

ScvaeImage *
scvae_reconstruct (ScvaeModel *model,
                   const ScvaeImage *image,
                   int depth,
                   float sparsity,
                   ScvaeMetrics *metrics,
                   GCancellable *cancellable,
                   GError **error)
{
  g_autoptr(ScvaeSession) session = scvae_session_new (model);

  /* One pass, never another: what a later slider move would reuse is
   * dropped as soon as it is done with, which lowers the peak. */
  if (!scvae_session_encode (session, image, cancellable, error)
      || !scvae_session_sparse_code (session, depth, sparsity, cancellable, error))
    return NULL;
  g_clear_pointer (&session->dty, g_free);
  session_drop_scratch (session);
  if (!scvae_session_decode (session, cancellable, error))
    return NULL;
  session_drop_scratch (session);
  if (metrics)
    scvae_session_compute_metrics (session, metrics);
  return g_steal_pointer (&session->reconstruction);
}
