/* lista.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lista.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "eigen.h"
#include "scvae.h"
#include "simd.h"

#ifdef SCVAE_HAS_CLONES
#include <immintrin.h>
#endif

/* Below this fraction of non-zero codes (a tile's, at one step) the
 * sparse Gram kernel is faster than the two dense GEMMs. Where the two
 * cross depends on OpenBLAS's kernels and on the threads: at K = 256,
 * C = 64, a dense step costs about 400 ns per patch with its AVX-512
 * kernels and 700 ns with its AVX2 ones on one thread
 * (tools/bench/lista-forms), and on two threads, each running a share of
 * the tiles, the GEMMs lose more to each other than the Gram kernel does.
 * LISTA at 256x256 and 1024x1024 on two threads took least with limits
 * of 0.10-0.15 and 0.15 (tools/bench/stage-rates), and on one thread
 * those limits beat the lower ones measured there too. Since the AVX-512
 * Gram step gathers without branching, 0.18 does best there: against
 * 0.12, the default model's LISTA at 1024^2 takes 6 % less, as little
 * as the Gram form alone, and at sparsity x0.25 (15 % active) 0.18 is
 * still 5 % faster than the dense form alone. The limit may not depend
 * on the thread count: the codes must not either. */
#define LISTA_SPARSE_DENSITY_LIMIT_AVX512_BLAS 0.18
#define LISTA_SPARSE_DENSITY_LIMIT 0.15

static double
sparse_density_limit (void)
{
  static const char *const avx512_kernels[] = { "SkylakeX", "Cooperlake", "SapphireRapids", NULL };

  return g_strv_contains (avx512_kernels, scvae_blas_info ()) ? LISTA_SPARSE_DENSITY_LIMIT_AVX512_BLAS
                                                               : LISTA_SPARSE_DENSITY_LIMIT;
}

/* soft() over one block, with an int counter so the loop vectorises. */
SCVAE_VECTORIZED static int
soft_threshold_block (float *restrict x, int n, float theta)
{
  int nonzeros = 0;

  for (int i = 0; i < n; i++)
    {
      float v = x[i];
      float magnitude = fabsf (v) - theta;

      x[i] = copysignf (magnitude > 0.f ? magnitude : 0.f, v);
      nonzeros += magnitude > 0.f;
    }
  return nonzeros;
}

gsize
scvae__lista_soft_threshold (float *x, gsize n, float theta)
{
  const gsize block = 1 << 16;
  gsize nonzeros = 0;

  for (gsize i = 0; i < n; i += block)
    nonzeros += soft_threshold_block (x + i, (int) MIN (block, n - i), theta);
  return nonzeros;
}

/* Z(t) = soft(Z(t-1) + R D / c) with R = E - Z(t-1) D^T stored in residual. */
static gsize
dense_step (const Lista *l,
            gsize n,
            const float *features,
            const float *previous,
            float *residual,
            float *codes)
{
  int C = l->channels, K = l->atoms;

  memcpy (residual, features, n * C * sizeof (float));
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, C, K,
               -1.f, previous, K, l->dictionary, K, 1.f, residual, C);
  if (codes != previous)
    memcpy (codes, previous, n * K * sizeof (float));
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, K, C,
               1.f / l->c, residual, C, l->dictionary, K, 1.f, codes, K);
  return scvae__lista_soft_threshold (codes, n * K, l->threshold);
}

static void
first_step (const Lista *l, gsize n, const float *features, float *codes)
{
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, l->atoms, l->channels,
               1.f / l->c, features, l->channels, l->dictionary, l->atoms, 0.f, codes, l->atoms);
  scvae__lista_soft_threshold (codes, n * l->atoms, l->threshold);
}

void
scvae__lista_forward_train (const Lista *lista,
                            gsize n_patches,
                            const float *features,
                            ListaTrace *trace)
{
  gsize code_size = n_patches * lista->atoms;
  gsize residual_size = n_patches * lista->channels;

  first_step (lista, n_patches, features, trace->codes);
  for (int t = 1; t <= trace->depth; t++)
    dense_step (lista, n_patches, features,
                trace->codes + (t - 1) * code_size,
                trace->residuals + (t - 1) * residual_size,
                trace->codes + t * code_size);
}

void
scvae__lista_backward (const Lista *lista,
                       gsize n_patches,
                       const float *features,
                       const ListaTrace *trace,
                       float *dcodes,
                       float *dfeatures,
                       float *ddictionary,
                       double *dc,
                       Scratch *scratch)
{
  int C = lista->channels, K = lista->atoms;
  gsize P = n_patches, code_size = P * K, residual_size = P * C;
  float inv_c = 1.f / lista->c, theta = lista->threshold;
  float *dresidual = scvae__scratch_get (scratch, 2, residual_size);
  double dtheta = 0.0, dc_direct = 0.0;

  for (int t = trace->depth; t >= 0; t--)
    {
      const float *z = trace->codes + t * code_size;
      const float *z_prev = t > 0 ? z - code_size : NULL;
      const float *r = t > 0 ? trace->residuals + (t - 1) * residual_size : features;
      /* Through soft(): du = dz where |u| > theta, i.e. where z != 0. On that
       * set u = z + theta sign(z), and u - z_prev = D^T r / c. */
      float *du = dcodes;

      for (gsize i = 0; i < code_size; i++)
        {
          if (z[i] != 0.f)
            {
              float sign = z[i] > 0.f ? 1.f : -1.f;
              float u = z[i] + theta * sign;

              dtheta -= (double) sign * du[i];
              dc_direct += (double) du[i] * (u - (z_prev ? z_prev[i] : 0.f));
            }
          else
            {
              du[i] = 0.f;
            }
        }

      /* u = z_prev + r D / c */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, P, C, K,
                   inv_c, du, K, lista->dictionary, K, 0.f, dresidual, C);
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, C, K, P,
                   inv_c, r, C, du, K, 1.f, ddictionary, K);
      cblas_saxpy (residual_size, 1.f, dresidual, 1, dfeatures, 1);

      if (t > 0)
        {
          /* r = e - z_prev D^T; du becomes dz_prev = du - dr D. */
          cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, C, K, P,
                       -1.f, dresidual, C, z_prev, K, 1.f, ddictionary, K);
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, P, K, C,
                       -1.f, dresidual, C, lista->dictionary, K, 1.f, du, K);
        }
    }

  /* d/dc of (D^T r) / c is -(D^T r) / c^2; theta = beta s / c gives
   * dtheta/dc = -theta / c. */
  *dc += -dc_direct * inv_c - dtheta * theta * inv_c;
}

/* The sparse Gram form keeps this many coefficients of z in registers
 * while it adds up every active atom's Gram row over them: 8 vectors of 8
 * (16 SSE or 8 AVX registers), or with AVX-512, 16 vectors of 16 (256
 * coefficients, the whole of z at K = 256, in half its 32 registers). */
#define GRAM_VECTORS 8
#define GRAM_BLOCK (GRAM_VECTORS * SIMD_FLOATS)

/* soft() of a vector in place, as soft_threshold_block computes it;
 * subtracts 1 from the lanes of kept that stay non-zero. (By pointer: a
 * vector passed by value would have a different ABI in each clone.) */
static inline void
soft_threshold_vector (SimdFloats *x, float theta, SimdInts *kept)
{
  const SimdInts sign_bit = (SimdInts) { 0 } + (int) 0x80000000u;
  SimdInts bits = (SimdInts) *x;
  SimdFloats magnitude = (SimdFloats) (bits & ~sign_bit) - theta;
  SimdInts positive = magnitude > (SimdFloats) { 0 };

  *kept += positive;
  *x = (SimdFloats) (((SimdInts) magnitude & positive) | (bits & sign_bit));
}

/* soft() of n floats (whole vectors) in place, counting into kept as
 * soft_threshold_vector does. */
static inline __attribute__ ((always_inline)) void
soft_threshold_vectors (float *z, int n, float theta, SimdInts *kept)
{
  _Pragma ("GCC unroll 32")
  for (int i = 0; i < n; i += SIMD_FLOATS)
    {
      SimdFloats v = SIMD_LOAD (z + i);

      soft_threshold_vector (&v, theta, kept);
      SIMD_AT (z + i) = v;
    }
}

/* The active atoms of z, in order, and their values times scale, into
 * atom and value; their count. Thirty-two coefficients at a time are
 * compared with zero and folded into a bit mask whose set bits are then
 * walked, so the cost is a few instructions per eight coefficients and per
 * active atom. (A loop over every atom, storing each and keeping the
 * active ones, took 150-250 ns a patch: more than the arithmetic at 5 %
 * density. Inline, so each clone of the caller compiles it for its vector
 * unit.) */
#define GATHER_RUN (4 * SIMD_FLOATS)

/* Bit i set where z[i] is not zero, for i < GATHER_RUN. */
static inline guint32
active_bits (const float *z)
{
  const SimdInts lane_bits = { 1, 2, 4, 8, 16, 32, 64, 128 };
  guint32 bits = 0;

  for (int q = 0; q < GATHER_RUN / SIMD_FLOATS; q++)
    {
      SimdInts m = (SIMD_LOAD (z + q * SIMD_FLOATS) != (SimdFloats) { 0 }) & lane_bits;

      bits |= (guint32) ((m[0] | m[4]) | (m[1] | m[5]) | (m[2] | m[6]) | (m[3] | m[7])) << (q * SIMD_FLOATS);
    }
  return bits;
}

/* The active atoms from k0 to K, one by one, after the n found; the new
 * count. */
static inline int
gather_tail (const float *z, int k0, int K, float scale, int *atom, float *value, int n)
{
  for (int k = k0; k < K; k++)
    if (z[k] != 0.f)
      {
        atom[n] = k;
        value[n++] = z[k] * scale;
      }
  return n;
}

static inline int
gather_active (const float *z, int K, float scale, int *atom, float *value)
{
  int n = 0, k0 = 0;

  for (; k0 + GATHER_RUN <= K; k0 += GATHER_RUN)
    for (guint32 bits = active_bits (z + k0); bits; bits &= bits - 1)
      {
        int k = k0 + __builtin_ctz (bits);

        atom[n] = k;
        value[n++] = z[k] * scale;
      }
  return gather_tail (z, k0, K, scale, atom, value, n);
}

/* Defines name (): the Gram step over the blocks of `vectors` vectors of
 * type Floats (`lanes` floats each) from k0 that fit below K; returns
 * where they end.
 *   z <- soft(z + (dty - sum over active j of z_j G_j) / c)
 * A block's sums stay in registers while the Gram rows of all n active
 * atoms (atom, value: gather_active's) are added to it, so z is read and
 * written once per step whatever the number of active atoms. Written with vector types:
 * gathered by index, the rows defeat the compiler's own vectoriser (the
 * scalar loop was 6 times slower). A macro, for one body over two vector
 * types: GCC computes with 16-float vectors well only where they are one
 * register (on AVX2 it compares them lane by lane and keeps them on the
 * stack), and 8-float ones would need 32 AVX-512 registers and one more
 * for the multiplier. Each element is summed in the same order whatever
 * the type. */
#define DEFINE_GRAM_BLOCKS(name, Floats, lanes, vectors, soft, target)                                 \
  target static inline __attribute__ ((always_inline)) int                                             \
  name (int k0, int K, const float *gram, float inv_c, float theta, const float *restrict dty,         \
        float *restrict z, const int *atom, const float *value, int n, SimdInts *kept)                 \
  {                                                                                                    \
    for (; k0 + (vectors) * (lanes) <= K; k0 += (vectors) * (lanes))                                   \
      {                                                                                                \
        Floats s[vectors];                                                                             \
                                                                                                       \
        _Pragma ("GCC unroll 16")                                                                      \
        for (int i = 0; i < (vectors); i++)                                                            \
          s[i] = *(const Floats *) (z + k0 + i * (lanes)) + inv_c * *(const Floats *) (dty + k0 + i * (lanes)); \
        for (int j = 0; j < n; j++)                                                                    \
          {                                                                                            \
            const float *g = gram + (gsize) atom[j] * K + k0;                                          \
            float a = value[j];                                                                        \
                                                                                                       \
            /* g in one register: else GCC keeps k0 + i lanes in a register                            \
             * for each vector, more than there are, and spills. */                                    \
            __asm__ ("" : "+r" (g));                                                                   \
            _Pragma ("GCC unroll 16")                                                                  \
            for (int i = 0; i < (vectors); i++)                                                        \
              s[i] -= a * *(const Floats *) (g + i * (lanes));                                         \
          }                                                                                            \
        _Pragma ("GCC unroll 16")                                                                      \
        for (int i = 0; i < (vectors); i++)                                                            \
          *(Floats *) (z + k0 + i * (lanes)) = s[i];                                                   \
        soft (z + k0, (vectors) * (lanes), theta, kept);                                               \
      }                                                                                                \
    return k0;                                                                                         \
  }

DEFINE_GRAM_BLOCKS (gram_blocks, SimdFloats, SIMD_FLOATS, GRAM_VECTORS, soft_threshold_vectors, )

/* The coefficients from k0 on, one by one, and the patch's non-zero
 * count. */
static inline int
gram_tail (int k0, int K, const float *gram, float inv_c, float theta, const float *restrict dty,
           float *restrict z, const int *atom, const float *value, int n, const SimdInts *kept)
{
  int nonzeros;

  for (int k = k0; k < K; k++)
    {
      float s = z[k] + inv_c * dty[k];

      for (int j = 0; j < n; j++)
        s -= value[j] * gram[(gsize) atom[j] * K + k];
      z[k] = s;
    }
  nonzeros = k0 < K ? soft_threshold_block (z + k0, K - k0, theta) : 0;
  for (int i = 0; i < SIMD_FLOATS; i++)
    nonzeros -= (*kept)[i];
  return nonzeros;
}

/* One patch of the sparse Gram form; its non-zero count. */
SCVAE_VECTORIZED static int
sparse_step_patch (const float *gram, int K, float inv_c, float theta,
                   const float *restrict dty, float *restrict z, int *atom, float *value)
{
  int n = gather_active (z, K, inv_c, atom, value);
  SimdInts kept = { 0 };
  int k0 = gram_blocks (0, K, gram, inv_c, theta, dty, z, atom, value, n, &kept);

  return gram_tail (k0, K, gram, inv_c, theta, dty, z, atom, value, n, &kept);
}

#ifdef SCVAE_HAS_CLONES
#define WIDE_VECTORS 16

/* soft_threshold_vectors () with AVX-512's mask registers: which lanes stay
 * non-zero is one compare into a mask, counted by popcount, where the
 * 8-float form spent a dozen instructions a vector. The same floats. */
SCVAE_WIDE static inline __attribute__ ((always_inline)) void
soft_threshold_wide (float *z, int n, float theta, SimdInts *kept)
{
  const __m512i sign_bit = _mm512_set1_epi32 ((int) 0x80000000u);
  int count = 0;

  for (int i = 0; i < n; i += WIDE_FLOATS)
    {
      __m512i bits = _mm512_loadu_si512 (z + i);
      __m512 magnitude = _mm512_sub_ps (_mm512_castsi512_ps (_mm512_andnot_si512 (sign_bit, bits)),
                                        _mm512_set1_ps (theta));
      __mmask16 positive = _mm512_cmp_ps_mask (magnitude, _mm512_setzero_ps (), _CMP_GT_OQ);
      __m512i kept_bits = _mm512_maskz_mov_epi32 (positive, _mm512_castps_si512 (magnitude));

      _mm512_storeu_si512 (z + i, _mm512_or_si512 (kept_bits, _mm512_and_si512 (bits, sign_bit)));
      count += __builtin_popcount (positive);
    }
  (*kept)[0] -= count;
}

/* gather_active () with AVX-512 and no branch on the data: sixteen
 * coefficients at a time are compared with zero into a mask, and the
 * non-zero ones and their atoms are packed to the front of a register
 * (compress) and stored whole at the end of the lists, which grow by the
 * mask's popcount; the store ends at k0 + 16 at most, within K. Walking
 * the bits cost a mispredicted branch in most blocks: this form took the
 * step at the default sparsity from 222-228 to 160-162 ns a patch
 * (lista-forms, 512 px, one thread), LISTA at 1024^2 from 114-116 to
 * 99-103 ms. Compress into a register and store it whole: compress to
 * memory is microcoded on some CPUs, dozens of times slower. */
SCVAE_WIDE static inline __attribute__ ((always_inline)) int
gather_active_wide (const float *z, int K, float scale, int *atom, float *value)
{
  const __m512i lanes = _mm512_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  int n = 0, k0 = 0;

  for (; k0 + WIDE_FLOATS <= K; k0 += WIDE_FLOATS)
    {
      __m512 v = _mm512_loadu_ps (z + k0);
      __mmask16 nonzero = _mm512_cmp_ps_mask (v, _mm512_setzero_ps (), _CMP_NEQ_UQ);

      __m512i atoms = _mm512_add_epi32 (lanes, _mm512_set1_epi32 (k0));

      _mm512_storeu_ps (value + n, _mm512_maskz_compress_ps (nonzero, _mm512_mul_ps (v, _mm512_set1_ps (scale))));
      _mm512_storeu_si512 (atom + n, _mm512_maskz_compress_epi32 (nonzero, atoms));
      n += __builtin_popcount (nonzero);
    }
  return gather_tail (z, k0, K, scale, atom, value, n);
}

DEFINE_GRAM_BLOCKS (gram_blocks_wide, WideFloats, WIDE_FLOATS, WIDE_VECTORS, soft_threshold_wide, SCVAE_WIDE)

/* The same with AVX-512, 256 coefficients at a time: each active row is
 * read in one pass rather than one per 64, with half the instructions
 * (LISTA at 1024^2: 135-160 -> 118-139 ms). The codes are the same to the
 * bit. */
SCVAE_WIDE static int
sparse_step_patch_wide (const float *gram, int K, float inv_c, float theta,
                        const float *restrict dty, float *restrict z, int *atom, float *value)
{
  int n = gather_active_wide (z, K, inv_c, atom, value);
  SimdInts kept = { 0 };
  int k0 = gram_blocks_wide (0, K, gram, inv_c, theta, dty, z, atom, value, n, &kept);

  k0 = gram_blocks (k0, K, gram, inv_c, theta, dty, z, atom, value, n, &kept);
  return gram_tail (k0, K, gram, inv_c, theta, dty, z, atom, value, n, &kept);
}
#else
#define sparse_step_patch_wide sparse_step_patch
#endif

gboolean
scvae__lista_takes_gram_form (ListaForm form, gsize nonzeros, gsize n_patches, int K)
{
  if (form == LISTA_FORM_AUTO)
    return (double) nonzeros / ((double) n_patches * K) < sparse_density_limit ();
  return form == LISTA_FORM_SPARSE;
}

gsize
scvae__lista_gram_steps (const Lista *lista,
                         const float *gram,
                         gsize n_patches,
                         const float *dty,
                         float *codes,
                         int steps,
                         float *const *after_step,
                         Scratch *scratch)
{
  int K = lista->atoms;
  int *atom = (int *) scvae__scratch_get (scratch, 0, K);
  float *value = scvae__scratch_get (scratch, 1, K);
  float inv_c = 1.f / lista->c;
  gboolean wide = simd_has_wide_vectors ();
  gsize total = 0;

  g_return_val_if_fail (steps > 0, 0);

  for (gsize p = 0; p < n_patches; p++)
    {
      float *z = codes + p * K;
      int nonzeros = 0;

      for (int s = 0; s < steps; s++)
        {
          nonzeros = wide ? sparse_step_patch_wide (gram, K, inv_c, lista->threshold, dty + p * K, z, atom, value)
                          : sparse_step_patch (gram, K, inv_c, lista->threshold, dty + p * K, z, atom, value);
          if (after_step && after_step[s])
            memcpy (after_step[s] + p * K, z, K * sizeof (float));
        }
      total += nonzeros;
    }
  return total;
}

gsize
scvae__lista_step_inference (const Lista *lista,
                             const float *gram,
                             gsize n_patches,
                             const float *features,
                             const float *dty,
                             float *codes,
                             gsize nonzeros,
                             ListaForm form,
                             Scratch *scratch)
{
  if (scvae__lista_takes_gram_form (form, nonzeros, n_patches, lista->atoms))
    return scvae__lista_gram_steps (lista, gram, n_patches, dty, codes, 1, NULL, scratch);
  else
    {
      float *residual = scvae__scratch_get (scratch, 0, n_patches * lista->channels);
      return dense_step (lista, n_patches, features, codes, residual, codes);
    }
}

#ifdef SCVAE_HAS_CLONES
/* scvae__lista_sparse_dictionary_product with AVX-512: the active atoms
 * gathered without branching, 64 channels in four registers; the same
 * sums in the same order. At 1024^2 the decoder's D z (with copying its
 * rows out) took 15 ms of the threads' time a decode the other way, 11
 * now: most of the rest is reading the 64 MB of codes. */
SCVAE_WIDE static void
sparse_dictionary_product_wide (const float *dictionary_t, int C, int K, const float *codes, gsize n, float *out,
                                int *atom, float *value)
{
  for (gsize p = 0; p < n; p++)
    {
      int active = gather_active_wide (codes + p * K, K, 1.f, atom, value), c0 = 0;
      float *y = out + p * C;

      for (; c0 + 4 * WIDE_FLOATS <= C; c0 += 4 * WIDE_FLOATS)
        {
          WideFloats sum[4] = { { 0 } };

          for (int j = 0; j < active; j++)
            {
              const float *column = dictionary_t + (gsize) atom[j] * C + c0;

#pragma GCC unroll 4
              for (int i = 0; i < 4; i++)
                sum[i] += value[j] * *(const WideFloats *) (column + i * WIDE_FLOATS);
            }
#pragma GCC unroll 4
          for (int i = 0; i < 4; i++)
            *(WideFloats *) (y + c0 + i * WIDE_FLOATS) = sum[i];
        }
      for (; c0 < C; c0++)
        {
          float sum = 0.f;

          for (int j = 0; j < active; j++)
            sum += value[j] * dictionary_t[(gsize) atom[j] * C + c0];
          y[c0] = sum;
        }
    }
}
#endif

SCVAE_VECTORIZED void
scvae__lista_sparse_dictionary_product (const float *dictionary_t, int C, int K, const float *codes, gsize n,
                                        float *out, Scratch *scratch)
{
  int *atom = (int *) scvae__scratch_get (scratch, 0, K);
  float *value = scvae__scratch_get (scratch, 1, K);

#ifdef SCVAE_HAS_CLONES
  if (simd_has_wide_vectors ())
    {
      sparse_dictionary_product_wide (dictionary_t, C, K, codes, n, out, atom, value);
      return;
    }
#endif
  for (gsize p = 0; p < n; p++)
    {
      int active = gather_active (codes + p * K, K, 1.f, atom, value), c0 = 0;
      float *y = out + p * C;

      for (; c0 + GRAM_BLOCK <= C; c0 += GRAM_BLOCK)
        {
          SimdFloats sum[GRAM_VECTORS] = { { 0 } };

          for (int j = 0; j < active; j++)
#pragma GCC unroll 8
            for (int i = 0; i < GRAM_VECTORS; i++)
              sum[i] += value[j] * SIMD_LOAD (dictionary_t + (gsize) atom[j] * C + c0 + i * SIMD_FLOATS);
#pragma GCC unroll 8
          for (int i = 0; i < GRAM_VECTORS; i++)
            SIMD_AT (y + c0 + i * SIMD_FLOATS) = sum[i];
        }
      for (; c0 < C; c0++)
        {
          float sum = 0.f;

          for (int j = 0; j < active; j++)
            sum += value[j] * dictionary_t[(gsize) atom[j] * C + c0];
          y[c0] = sum;
        }
    }
}

gsize
scvae__lista_first_step_inference (const Lista *lista, gsize n_patches, const float *dty, float *codes)
{
  gsize n = n_patches * lista->atoms;
  float inv_c = 1.f / lista->c;

  for (gsize i = 0; i < n; i++)
    codes[i] = dty[i] * inv_c;
  return scvae__lista_soft_threshold (codes, n, lista->threshold);
}

gboolean
scvae__lista_init_dct (float *dictionary, int channels, int atoms)
{
  int n = (int) lround (sqrt (channels));
  int m = (int) ceil (sqrt (atoms));
  g_autofree double *d1 = NULL;

  if (n * n != channels || atoms < 1)
    return FALSE;

  /* The 1-D overcomplete DCT: n samples, m frequencies, mean-removed and
   * normalised columns (the first one is the constant). */
  d1 = g_new (double, (gsize) n * m);
  for (int k = 0; k < m; k++)
    {
      double mean = 0.0, norm = 0.0;

      for (int i = 0; i < n; i++)
        {
          d1[i * m + k] = k == 0 ? 1.0 / sqrt (n) : cos (i * G_PI * k / m);
          mean += d1[i * m + k] / n;
        }
      for (int i = 0; i < n && k > 0; i++)
        d1[i * m + k] -= mean;
      for (int i = 0; i < n; i++)
        norm += d1[i * m + k] * d1[i * m + k];
      for (int i = 0; i < n; i++)
        d1[i * m + k] /= sqrt (norm);
    }

  /* Separable 2-D atoms: kron(D1, D1), columns normalised, first K kept. */
  for (int col = 0; col < atoms; col++)
    {
      int k1 = col / m, k2 = col % m;
      double norm = 0.0;

      for (int row = 0; row < channels; row++)
        {
          double v = d1[(row / n) * m + k1] * d1[(row % n) * m + k2];
          norm += v * v;
        }
      norm = sqrt (norm);
      for (int row = 0; row < channels; row++)
        dictionary[(gsize) row * atoms + col] =
          (float) (d1[(row / n) * m + k1] * d1[(row % n) * m + k2] / norm);
    }
  return TRUE;
}

double
scvae__lista_spectral_norm_squared (const float *dictionary, int channels, int atoms)
{
  int n = channels;
  g_autofree double *a = g_new (double, (gsize) n * n);
  g_autofree double *values = g_new (double, n);
  double largest = 0.0;

  /* The largest eigenvalue of D D^T (C x C, smaller than D^T D). */
  scvae__gram_of_rows (dictionary, n, atoms, a);
  scvae__symmetric_eigenvalues (a, n, values);
  for (int i = 0; i < n; i++)
    largest = MAX (largest, values[i]);
  return largest;
}
