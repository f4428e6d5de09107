/* f4-network.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "f4-network.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "gaussian.h"
#include "losses.h"
#include "ops.h"
#include "rng.h"
#include "vq.h"

typedef struct {
  const float *in;
  float *t1;  /* relu(in) */
  float *t2;  /* conv3(t1) */
  float *t4;  /* relu(bn3(t2)) */
  float *t5;  /* conv1(t4) */
  float *out; /* in + bn1(t5) */
  BatchNormSaved bn3, bn1;
} ResBlockActivations;

struct _F4Network {
  ScvaeConfig config;
  F4Specs specs;
  Extent full, half, quarter;
  gsize n_patches;
  float batchnorm_momentum;

  float *arena;

  /* encoder */
  float *a1, *h1, *a2;
  BatchNormSaved enc_bn;
  ResBlockActivations enc_res[F4_RESBLOCKS];
  /* LISTA */
  float *features;       /* e, patch-major */
  float *moment;         /* E[e e^T] - I over the batch, C x C */
  float *feature_mean;   /* E[e] over the batch, C */
  float *atom_excess;    /* the lifetime term's weights, K */
  ListaTrace trace;      /* VQ and Gaussian keep only codes[0]: the one-hot
                          * codes, or the Gaussian's mean */
  int *code_index;       /* VQ: each patch's code */
  GaussianTrace gaussian;
  Rng noise_rng;
  const float *fixed_noise; /* the Gaussian's eps given, not drawn */
  gboolean decode_mean;     /* the Gaussian decodes its mean, as at inference */
  float *decoded_rows;   /* D z, patch-major: q for VQ, the sample for a Gaussian */
  float *decoded;        /* D z, channel-major */
  /* decoder */
  ResBlockActivations dec_res[F4_RESBLOCKS];
  float *h, *a3, *h3, *out;
  BatchNormSaved dec_bn;

  /* gradients of activations, reused layer after layer */
  float *g_out, *g_wide[3], *g_narrow[5];
  float *g_codes, *g_features, *g_decoded_rows;
};

typedef struct {
  float *base;   /* NULL: only measure */
  gsize used;    /* in floats */
} Arena;

static float *
take (Arena *arena, gsize n)
{
  float *p = arena->base ? arena->base + arena->used : NULL;

  /* Keep every buffer 64-byte aligned. */
  arena->used += (n + 15) & ~(gsize) 15;
  return p;
}

static void
resblock_layout (ResBlockActivations *r, Arena *arena, int C, gsize n)
{
  r->t1 = take (arena, C * n);
  r->t2 = take (arena, C * n);
  r->t4 = take (arena, C * n);
  r->t5 = take (arena, C * n);
  r->out = take (arena, C * n);
  r->bn3.mean = take (arena, C);
  r->bn3.inv_std = take (arena, C);
  r->bn1.mean = take (arena, C);
  r->bn1.inv_std = take (arena, C);
}

static void
saved_layout (BatchNormSaved *s, Arena *arena, int C)
{
  s->mean = take (arena, C);
  s->inv_std = take (arena, C);
}

/* Lays out every buffer from base; with base == NULL it only measures. */
static gsize
network_layout (F4Network *net, float *base)
{
  Arena arena = { base, 0 };
  int C = net->config.channels, K = net->config.atoms, T = net->config.lista_steps;
  gsize n0 = extent_size (net->full), n1 = extent_size (net->half);
  gsize n2 = extent_size (net->quarter), P = net->n_patches;

  net->a1 = take (&arena, C * n1);
  net->h1 = take (&arena, C * n1);
  net->a2 = take (&arena, C * n2);
  saved_layout (&net->enc_bn, &arena, C);
  for (int i = 0; i < F4_RESBLOCKS; i++)
    resblock_layout (&net->enc_res[i], &arena, C, n2);

  net->features = take (&arena, P * C);
  net->moment = take (&arena, C * C);
  net->feature_mean = take (&arena, C);
  net->atom_excess = take (&arena, K);
  net->trace.depth = T;
  net->trace.codes = take (&arena, (T + 1) * P * K);
  if (net->config.bottleneck == SCVAE_BOTTLENECK_LISTA)
    net->trace.residuals = take (&arena, MAX (T, 1) * P * C);
  if (net->config.bottleneck == SCVAE_BOTTLENECK_VQ)
    net->code_index = (int *) take (&arena, P);
  if (net->config.bottleneck == SCVAE_BOTTLENECK_GAUSSIAN)
    {
      net->gaussian.mean = take (&arena, P * C);
      net->gaussian.logvar = take (&arena, P * C);
      net->gaussian.noise = take (&arena, P * C);
    }
  net->decoded_rows = take (&arena, P * C);
  net->decoded = take (&arena, C * n2);

  for (int i = 0; i < F4_RESBLOCKS; i++)
    resblock_layout (&net->dec_res[i], &arena, C, n2);
  net->h = take (&arena, C * n2);
  net->a3 = take (&arena, C * n1);
  net->h3 = take (&arena, C * n1);
  saved_layout (&net->dec_bn, &arena, C);
  net->out = take (&arena, 3 * n0);

  net->g_out = take (&arena, 3 * n0);
  for (int i = 0; i < 3; i++)
    net->g_wide[i] = take (&arena, C * n1);
  for (int i = 0; i < 5; i++)
    net->g_narrow[i] = take (&arena, C * n2);
  net->g_codes = take (&arena, P * K);
  net->g_features = take (&arena, P * C);
  net->g_decoded_rows = take (&arena, P * C);

  return arena.used;
}

F4Network *
scvae__f4_network_new (const F4Layout *layout, int batch, int height, int width)
{
  F4Network *net = g_new0 (F4Network, 1);
  gsize size;

  g_return_val_if_fail (height % 4 == 0 && width % 4 == 0, NULL);

  net->config = layout->config;
  scvae__f4_specs (layout->config.channels, &net->specs);
  net->full = (Extent) { batch, height, width };
  net->half = (Extent) { batch, height / 2, width / 2 };
  net->quarter = (Extent) { batch, height / 4, width / 4 };
  net->n_patches = extent_size (net->quarter);
  net->batchnorm_momentum = BATCHNORM_MOMENTUM;
  if (net->config.bottleneck != SCVAE_BOTTLENECK_LISTA)
    net->config.lista_steps = 0;
  scvae__rng_seed (&net->noise_rng, 0);

  size = network_layout (net, NULL);
  net->arena = g_aligned_alloc0 (size, sizeof (float), 64);
  network_layout (net, net->arena);
  return net;
}

void
scvae__f4_network_free (F4Network *net)
{
  if (net == NULL)
    return;
  g_aligned_free (net->arena);
  g_free (net);
}

void
scvae__f4_network_set_batchnorm_momentum (F4Network *net, float momentum)
{
  net->batchnorm_momentum = momentum;
}

void
scvae__f4_network_seed_noise (F4Network *net, guint64 seed)
{
  scvae__rng_seed (&net->noise_rng, seed);
}

void
scvae__f4_network_decode_mean (F4Network *net, gboolean mean)
{
  net->decode_mean = mean;
}

void
scvae__f4_network_use_noise (F4Network *net, const float *noise)
{
  net->fixed_noise = noise;
}

const int *
scvae__f4_network_get_code_index (F4Network *net)
{
  return net->code_index;
}

const float *
scvae__f4_network_get_output (F4Network *net)
{
  return net->out;
}

const float *
scvae__f4_network_get_features (F4Network *net)
{
  return net->enc_res[F4_RESBLOCKS - 1].out;
}

const float *
scvae__f4_network_get_feature_rows (F4Network *net)
{
  return net->features;
}

const float *
scvae__f4_network_get_decoded_rows (F4Network *net)
{
  return net->decoded_rows;
}

gsize
scvae__f4_network_get_n_patches (F4Network *net)
{
  return net->n_patches;
}

const float *
scvae__f4_network_get_codes (F4Network *net)
{
  return net->trace.codes + (gsize) net->trace.depth * net->n_patches * net->config.atoms;
}

/* conv -> BatchNorm (batch statistics) -> ReLU; the BatchNorm output is
 * written straight into the ReLU buffer and rectified in place. */
static void
conv_bn_relu (const ConvSpec *spec, const ConvParams *conv, const BatchNormParams *bn,
              float momentum, const float *x, Extent in, float *pre, BatchNormSaved *saved,
              float *post, Scratch *scratch)
{
  gsize n = extent_size (scvae__conv_output_extent (spec, in));

  scvae__conv_forward (spec, conv->weight, conv->bias, x, in, pre, scratch);
  scvae__batchnorm_forward_train (bn, spec->out_channels, n, pre, post, saved, momentum);
  scvae__ops_relu (post, post, spec->out_channels * n);
}

static void
resblock_forward (F4Network *net, const ResBlockParams *p, ResBlockActivations *r,
                  const float *in, Scratch *scratch)
{
  int C = net->config.channels;
  gsize n = extent_size (net->quarter);

  r->in = in;
  scvae__ops_relu (in, r->t1, C * n);
  conv_bn_relu (&net->specs.res_conv3, &p->conv3, &p->bn3, net->batchnorm_momentum,
                r->t1, net->quarter, r->t2, &r->bn3, r->t4, scratch);
  scvae__conv_forward (&net->specs.res_conv1, p->conv1.weight, p->conv1.bias, r->t4, net->quarter,
                       r->t5, scratch);
  scvae__batchnorm_forward_train (&p->bn1, C, n, r->t5, r->out, &r->bn1, net->batchnorm_momentum);
  cblas_saxpy (C * n, 1.f, in, 1, r->out, 1);
}

/* Channel-major (C x B x h x w) to patch-major (B h w x C) and back: the
 * positions of a channel-major row are exactly the patches in order. */
static void
to_patches (const float *x, int C, gsize P, float *rows)
{
  scvae__ops_transpose (x, C, P, rows);
}

static void
from_patches (const float *rows, int C, gsize P, float *x)
{
  scvae__ops_transpose (rows, P, C, x);
}

static Lista
network_lista (F4Network *net, const F4Tensors *p)
{
  float c = p->step[0];

  return (Lista) {
    .channels = net->config.channels,
    .atoms = net->config.atoms,
    .dictionary = p->dictionary,
    .c = c,
    .threshold = net->config.beta / c,
  };
}

static Gaussian
network_gaussian (F4Network *net, const F4Tensors *p)
{
  return (Gaussian) {
    .channels = net->config.channels,
    .mean_weight = p->mean_head.weight,
    .mean_bias = p->mean_head.bias,
    .logvar_weight = p->logvar_head.weight,
    .logvar_bias = p->logvar_head.bias,
  };
}

/* From the features to the codes (trace.codes[0..]) and the decoder's
 * input (decoded_rows). */
static void
bottleneck_forward (F4Network *net, const F4Tensors *p, Scratch *scratch)
{
  int C = net->config.channels, K = net->config.atoms;
  gsize P = net->n_patches;
  float *codes = net->trace.codes;

  switch (net->config.bottleneck)
    {
    case SCVAE_BOTTLENECK_LISTA:
      {
        Lista lista = network_lista (net, p);

        scvae__lista_forward_train (&lista, P, net->features, &net->trace);
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, P, C, K,
                     1.f, scvae__f4_network_get_codes (net), K, p->dictionary, K, 0.f, net->decoded_rows, C);
      }
      break;
    case SCVAE_BOTTLENECK_VQ:
      scvae__vq_forward (&(Vq) { C, K, p->dictionary }, P, net->features, net->code_index, net->decoded_rows,
                         scratch);
      memset (codes, 0, P * K * sizeof (float));
      for (gsize i = 0; i < P; i++)
        codes[i * K + net->code_index[i]] = 1.f;
      break;
    case SCVAE_BOTTLENECK_GAUSSIAN:
      {
        Gaussian gaussian = network_gaussian (net, p);
        GaussianTrace trace = net->gaussian;

        if (net->decode_mean)
          trace.noise = NULL;
        else if (net->fixed_noise)
          memcpy (trace.noise, net->fixed_noise, P * C * sizeof (float));
        else
          for (gsize i = 0; i < P * C; i++)
            trace.noise[i] = (float) scvae__rng_normal (&net->noise_rng);
        scvae__gaussian_forward (&gaussian, P, net->features, &trace, net->decoded_rows);
        memcpy (codes, net->gaussian.mean, P * C * sizeof (float));
      }
      break;
    }
}

void
scvae__f4_network_forward (F4Network *net,
                           const F4Tensors *p,
                           const float *input,
                           F4Loss *loss,
                           Scratch *scratch)
{
  int C = net->config.channels, K = net->config.atoms;
  gsize n0 = extent_size (net->full), P = net->n_patches;
  const F4Specs *s = &net->specs;
  const float *x, *codes;
  gsize nonzeros = 0;

  /* Encoder */
  conv_bn_relu (&s->enc_conv1, &p->enc_conv1, &p->enc_bn, net->batchnorm_momentum,
                input, net->full, net->a1, &net->enc_bn, net->h1, scratch);
  scvae__conv_forward (&s->enc_conv2, p->enc_conv2.weight, p->enc_conv2.bias, net->h1, net->half,
                       net->a2, scratch);
  x = net->a2;
  for (int i = 0; i < F4_RESBLOCKS; i++)
    {
      resblock_forward (net, &p->enc_res[i], &net->enc_res[i], x, scratch);
      x = net->enc_res[i].out;
    }

  /* The bottleneck */
  to_patches (x, C, P, net->features);
  bottleneck_forward (net, p, scratch);
  codes = scvae__f4_network_get_codes (net);
  from_patches (net->decoded_rows, C, P, net->decoded);

  /* Decoder */
  x = net->decoded;
  for (int i = 0; i < F4_RESBLOCKS; i++)
    {
      resblock_forward (net, &p->dec_res[i], &net->dec_res[i], x, scratch);
      x = net->dec_res[i].out;
    }
  scvae__ops_relu (x, net->h, C * P);
  conv_bn_relu (&s->dec_convt1, &p->dec_convt1, &p->dec_bn, net->batchnorm_momentum,
                net->h, net->quarter, net->a3, &net->dec_bn, net->h3, scratch);
  scvae__conv_forward (&s->dec_convt2, p->dec_convt2.weight, p->dec_convt2.bias, net->h3, net->half,
                       net->out, scratch);
  scvae__ops_tanh (net->out, net->out, 3 * n0);

  if (loss == NULL)
    return;

  for (gsize i = 0; i < P * K; i++)
    nonzeros += codes[i] != 0.f;
  loss->image = scvae__loss_mse (net->out, input, 3 * n0);
  loss->whiten = scvae__loss_whiten (net->features, P, C, net->moment);
  loss->center = scvae__loss_center (net->features, P, C, net->feature_mean);
  loss->total = loss->image + net->config.whiten * loss->whiten + net->config.center * loss->center;
  loss->l1 = loss->lifetime = 0.0; /* LISTA's terms */
  switch (net->config.bottleneck)
    {
    case SCVAE_BOTTLENECK_LISTA:
      loss->latent = scvae__loss_mse (net->features, net->decoded_rows, P * C);
      loss->l1 = scvae__loss_l1 (codes, P * K);
      loss->lifetime = scvae__loss_lifetime (codes, P, K, net->atom_excess);
      loss->total += net->config.gamma * loss->latent + net->config.l1 * loss->l1
                     + net->config.lifetime * loss->lifetime;
      break;
    case SCVAE_BOTTLENECK_VQ:
      loss->latent = scvae__loss_mse (net->features, net->decoded_rows, P * C);
      loss->total += net->config.commitment * loss->latent;
      break;
    case SCVAE_BOTTLENECK_GAUSSIAN:
      loss->latent = scvae__gaussian_kl (C, P, net->gaussian.mean, net->gaussian.logvar);
      loss->total += net->config.kl_weight * loss->latent;
      break;
    }
  loss->active_fraction = (double) nonzeros / (P * K);
}

/* The backward of conv_bn_relu: dpost is the gradient at the ReLU output;
 * dx (may be NULL) accumulates the input gradient. tmp and tmp2 are buffers
 * of the pre-activation's size. */
static void
conv_bn_relu_backward (const ConvSpec *spec, const ConvParams *conv, const ConvParams *dconv,
                       const BatchNormParams *bn, const BatchNormParams *dbn,
                       const float *x, Extent in, const float *pre, const BatchNormSaved *saved,
                       const float *post, const float *dpost, float *dx, float *tmp,
                       float *tmp2, Scratch *scratch)
{
  gsize n = extent_size (scvae__conv_output_extent (spec, in)) * spec->out_channels;

  memset (tmp, 0, n * sizeof (float));
  scvae__ops_relu_backward (post, dpost, tmp, n);
  memset (tmp2, 0, n * sizeof (float));
  scvae__batchnorm_backward (bn, spec->out_channels, n / spec->out_channels, pre, saved, tmp, tmp2,
                             dbn->weight, dbn->bias);
  scvae__conv_backward (spec, conv->weight, x, in, tmp2, dx, dconv->weight, dconv->bias, scratch);
}

/* dout is the gradient at the block's output; din receives (not
 * accumulates) the gradient at its input. */
static void
resblock_backward (F4Network *net, const ResBlockParams *p, const ResBlockParams *g,
                   const ResBlockActivations *r, const float *dout, float *din, Scratch *scratch)
{
  int C = net->config.channels;
  gsize n = extent_size (net->quarter), size = C * n * sizeof (float);
  float *a = net->g_narrow[2], *b = net->g_narrow[3];

  memcpy (din, dout, size);

  /* out = in + bn1(t5) */
  memset (a, 0, size);
  scvae__batchnorm_backward (&p->bn1, C, n, r->t5, &r->bn1, dout, a, g->bn1.weight, g->bn1.bias);
  /* t5 = conv1(t4) */
  memset (b, 0, size);
  scvae__conv_backward (&net->specs.res_conv1, p->conv1.weight, r->t4, net->quarter, a, b,
                        g->conv1.weight, g->conv1.bias, scratch);
  /* t4 = relu(bn3(t2)), t2 = conv3(t1); the input gradient lands in b */
  {
    float *t1_grad = b;
    float *masked = a;
    float *bn_grad = net->g_narrow[4];

    memset (masked, 0, size);
    scvae__ops_relu_backward (r->t4, b, masked, C * n);
    memset (bn_grad, 0, size);
    scvae__batchnorm_backward (&p->bn3, C, n, r->t2, &r->bn3, masked, bn_grad,
                               g->bn3.weight, g->bn3.bias);
    memset (t1_grad, 0, size);
    scvae__conv_backward (&net->specs.res_conv3, p->conv3.weight, r->t1, net->quarter, bn_grad,
                          t1_grad, g->conv3.weight, g->conv3.bias, scratch);
    /* t1 = relu(in) */
    scvae__ops_relu_backward (r->t1, t1_grad, din, C * n);
  }
}

/* From the gradient at the decoder's input (g_decoded_rows, overwritten)
 * to the features' (accumulated into g_features) and the bottleneck's
 * parameters'. */
static void
bottleneck_backward (F4Network *net, const F4Tensors *p, const F4Tensors *g, Scratch *scratch)
{
  int C = net->config.channels, K = net->config.atoms;
  gsize P = net->n_patches;
  const float *codes = scvae__f4_network_get_codes (net);

  switch (net->config.bottleneck)
    {
    case SCVAE_BOTTLENECK_LISTA:
      {
        Lista lista = network_lista (net, p);
        double dc = 0.0;

        /* D z feeds the decoder and the latent loss gamma mean((e - D z)^2). */
        scvae__loss_mse_backward (net->features, net->decoded_rows, P * C, net->config.gamma, net->g_features,
                                  net->g_decoded_rows);
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, P, K, C,
                     1.f, net->g_decoded_rows, C, p->dictionary, K, 0.f, net->g_codes, K);
        cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, C, K, P,
                     1.f, net->g_decoded_rows, C, codes, K, 1.f, g->dictionary, K);
        if (net->config.l1 != 0.f)
          scvae__loss_l1_backward (codes, P * K, net->config.l1, net->g_codes);
        if (net->config.lifetime != 0.f)
          scvae__loss_lifetime_backward (codes, P, K, net->atom_excess, net->config.lifetime, net->g_codes);
        scvae__lista_backward (&lista, P, net->features, &net->trace, net->g_codes, net->g_features,
                               g->dictionary, &dc, scratch);
        g->step[0] += (float) dc;
      }
      break;
    case SCVAE_BOTTLENECK_VQ:
      /* The codebook follows its moving averages (the trainer), not a gradient. */
      scvae__vq_backward (C, P, net->features, net->decoded_rows, net->g_decoded_rows, net->config.commitment,
                          net->g_features);
      break;
    case SCVAE_BOTTLENECK_GAUSSIAN:
      {
        Gaussian gaussian = network_gaussian (net, p);

        scvae__gaussian_backward (&gaussian, P, net->features, &net->gaussian, net->config.kl_weight,
                                  net->g_decoded_rows, net->g_features, g->mean_head.weight, g->mean_head.bias,
                                  g->logvar_head.weight, g->logvar_head.bias, net->g_codes);
      }
      break;
    }
}

void
scvae__f4_network_backward (F4Network *net,
                            const F4Tensors *p,
                            const F4Tensors *g,
                            const float *input,
                            Scratch *scratch)
{
  int C = net->config.channels;
  gsize n0 = extent_size (net->full), n1 = extent_size (net->half), P = net->n_patches;
  const F4Specs *s = &net->specs;
  float *d_cur = net->g_narrow[0], *d_next = net->g_narrow[1];

  /* loss = mean((out - x)^2) + ...; out = tanh(a4) */
  memset (net->g_out, 0, 3 * n0 * sizeof (float));
  scvae__loss_mse_backward (net->out, input, 3 * n0, 1.f, net->g_out, NULL);
  scvae__ops_tanh_backward (net->out, net->g_out, net->g_out, 3 * n0);

  /* Decoder */
  memset (net->g_wide[1], 0, C * n1 * sizeof (float));
  scvae__conv_backward (&s->dec_convt2, p->dec_convt2.weight, net->h3, net->half, net->g_out,
                        net->g_wide[1], g->dec_convt2.weight, g->dec_convt2.bias, scratch);
  memset (d_next, 0, C * P * sizeof (float));
  conv_bn_relu_backward (&s->dec_convt1, &p->dec_convt1, &g->dec_convt1, &p->dec_bn, &g->dec_bn,
                         net->h, net->quarter, net->a3, &net->dec_bn, net->h3, net->g_wide[1],
                         d_next, net->g_wide[0], net->g_wide[2], scratch);
  memset (d_cur, 0, C * P * sizeof (float));
  scvae__ops_relu_backward (net->h, d_next, d_cur, C * P);
  for (int i = F4_RESBLOCKS - 1; i >= 0; i--)
    {
      float *swap;

      resblock_backward (net, &p->dec_res[i], &g->dec_res[i], &net->dec_res[i], d_cur, d_next,
                         scratch);
      swap = d_cur, d_cur = d_next, d_next = swap;
    }

  /* The bottleneck, and the losses on the features */
  to_patches (d_cur, C, P, net->g_decoded_rows);
  memset (net->g_features, 0, P * C * sizeof (float));
  if (net->config.whiten != 0.f)
    scvae__loss_whiten_backward (net->features, P, C, net->moment, net->config.whiten, net->g_features);
  if (net->config.center != 0.f)
    scvae__loss_center_backward (P, C, net->feature_mean, net->config.center, net->g_features);
  bottleneck_backward (net, p, g, scratch);
  from_patches (net->g_features, C, P, d_cur);

  /* Encoder */
  for (int i = F4_RESBLOCKS - 1; i >= 0; i--)
    {
      float *swap;

      resblock_backward (net, &p->enc_res[i], &g->enc_res[i], &net->enc_res[i], d_cur, d_next,
                         scratch);
      swap = d_cur, d_cur = d_next, d_next = swap;
    }
  memset (net->g_wide[1], 0, C * n1 * sizeof (float));
  scvae__conv_backward (&s->enc_conv2, p->enc_conv2.weight, net->h1, net->half, d_cur,
                        net->g_wide[1], g->enc_conv2.weight, g->enc_conv2.bias, scratch);
  conv_bn_relu_backward (&s->enc_conv1, &p->enc_conv1, &g->enc_conv1, &p->enc_bn, &g->enc_bn,
                         input, net->full, net->a1, &net->enc_bn, net->h1, net->g_wide[1],
                         NULL, net->g_wide[0], net->g_wide[2], scratch);
}
