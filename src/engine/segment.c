/* segment.c: segmentation by clustering the per-patch sparse codes
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "scvae.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "project.h"
#include "threads.h"

void
scvae_segment_options_init_default (ScvaeSegmentOptions *options)
{
  /* The defaults are the best of tools/bench/segmentation (results in
   * tools/bench/README.md). */
  *options = (ScvaeSegmentOptions) {
    .k = 5,
    .features = SCVAE_SEGMENT_HISTOGRAMS_AND_CODES,
    .smooth_radius = 4,
    .n_restarts = 4,
    .seed = 1,
  };
}

/* The transforms below work in place on P vectors of atoms floats, stride
 * floats apart: one part of the features, each patch's parts side by
 * side. */

/* x <- log(1 + |x| / m), m the mean |x| over the non-zeros. */
static void
log_magnitudes (float *x, gsize P, int atoms, int stride)
{
  double sum = 0.0;
  gsize nonzeros = 0;
  float inv_m;

  for (gsize p = 0; p < P; p++)
    for (int k = 0; k < atoms; k++)
      if (x[p * stride + k] != 0.f)
        {
          sum += fabsf (x[p * stride + k]);
          nonzeros++;
        }
  if (nonzeros == 0)
    return;
  inv_m = (float) (nonzeros / sum);
  for (gsize p = 0; p < P; p++)
    for (int k = 0; k < atoms; k++)
      x[p * stride + k] = log1pf (fabsf (x[p * stride + k]) * inv_m);
}

/* Each patch votes for its SCVAE_SEGMENT_VOTES largest |z| (active atoms
 * only; on ties the lower index wins): those become the vote's weight, the
 * rest 0. The weight is atom k's inverse document frequency,
 * log(1 + P / (patches voting for k)): an atom that is among the strongest
 * nearly everywhere tells regions apart less than a rarer one, and without
 * the weights such atoms dominate the histograms' distances
 * (tools/bench/README.md). */
static void
strongest_atom_votes (float *x, gsize P, int atoms, int stride)
{
  g_autofree double *voters = g_new0 (double, atoms);
  g_autofree float *weights = g_new (float, atoms);

  for (gsize p = 0; p < P; p++)
    {
      float *z = x + p * stride;
      int strongest[SCVAE_SEGMENT_VOTES];
      int n = 0;

      for (int k = 0; k < atoms; k++)
        {
          int i;

          if (z[k] == 0.f || (n == SCVAE_SEGMENT_VOTES && fabsf (z[k]) <= fabsf (z[strongest[n - 1]])))
            continue;
          /* Insertion into the list, kept by decreasing |z|. */
          i = MIN (n, SCVAE_SEGMENT_VOTES - 1);
          while (i > 0 && fabsf (z[strongest[i - 1]]) < fabsf (z[k]))
            {
              strongest[i] = strongest[i - 1];
              i--;
            }
          strongest[i] = k;
          n = MIN (n + 1, SCVAE_SEGMENT_VOTES);
        }
      memset (z, 0, atoms * sizeof (float));
      for (int i = 0; i < n; i++)
        {
          z[strongest[i]] = 1.f;
          voters[strongest[i]]++;
        }
    }
  for (int k = 0; k < atoms; k++)
    weights[k] = voters[k] > 0 ? (float) log1p (P / voters[k]) : 0.f;
  for (gsize p = 0; p < P; p++)
    for (int k = 0; k < atoms; k++)
      x[p * stride + k] *= weights[k];
}

/* Box average along one line of n vectors of dim floats: each becomes the
 * mean of those within radius of it (fewer at the ends). Running sums make
 * the cost independent of the radius. */
static void
box_line (const float *src, gsize src_stride, float *dst, gsize dst_stride, int n, int dim, int radius,
          double *sum)
{
  int lo = 0, hi = -1; /* the window's ends, inclusive */

  memset (sum, 0, dim * sizeof (double));
  for (int i = 0; i < n; i++)
    {
      for (; hi < MIN (n - 1, i + radius); hi++)
        for (int d = 0; d < dim; d++)
          sum[d] += src[(hi + 1) * src_stride + d];
      for (; lo < i - radius; lo++)
        for (int d = 0; d < dim; d++)
          sum[d] -= src[lo * src_stride + d];
      for (int d = 0; d < dim; d++)
        dst[i * dst_stride + d] = (float) (sum[d] / (hi - lo + 1));
    }
}

/* Box average over (2 r + 1)^2 patches, clamped at the borders, done as
 * two 1-D passes in place, each line through a buffer of one line: the
 * features never need a second copy. FALSE when cancelled between the
 * passes. */
static gboolean
smooth (float *x, int rows, int cols, int atoms, int stride, int radius, GCancellable *cancellable)
{
  g_autofree double *sum = g_new (double, atoms);
  g_autofree float *line = g_new (float, (gsize) MAX (rows, cols) * atoms);

  for (int y = 0; y < rows; y++)
    {
      float *row = x + (gsize) y * cols * stride;

      box_line (row, stride, line, atoms, cols, atoms, radius, sum);
      for (int c = 0; c < cols; c++)
        memcpy (row + (gsize) c * stride, line + (gsize) c * atoms, atoms * sizeof (float));
    }
  if (g_cancellable_is_cancelled (cancellable))
    return FALSE;
  for (int c = 0; c < cols; c++)
    {
      float *column = x + (gsize) c * stride;

      box_line (column, (gsize) cols * stride, line, atoms, rows, atoms, radius, sum);
      for (int y = 0; y < rows; y++)
        memcpy (column + (gsize) y * cols * stride, line + (gsize) y * atoms, atoms * sizeof (float));
    }
  return TRUE;
}

/* 1 / the root mean squared distance of the P vectors from their mean: the
 * factor that gives them unit spread (1 if they do not spread at all). */
static double
unit_spread_scale (const float *x, gsize P, int atoms, int stride)
{
  g_autofree double *sum = g_new0 (double, atoms);
  double squares = 0.0, spread;

  for (gsize p = 0; p < P; p++)
    for (int d = 0; d < atoms; d++)
      {
        double v = x[p * stride + d];

        sum[d] += v;
        squares += v * v;
      }
  spread = squares / P;
  for (int d = 0; d < atoms; d++)
    spread -= (sum[d] / P) * (sum[d] / P);
  return spread > 0.0 ? 1.0 / sqrt (spread) : 1.0;
}

/* One kind of feature in place of the codes, smoothed over radius. FALSE when cancelled: each step is one pass over the
 * codes, about 100 ms at 1024 x 768. */
static gboolean
transform_codes (float *x, int rows, int cols, int atoms, int stride, ScvaeSegmentFeatures kind, int radius,
                 GCancellable *cancellable)
{
  gsize P = (gsize) rows * cols;

  if (kind == SCVAE_SEGMENT_ABS)
    for (gsize p = 0; p < P; p++)
      for (int k = 0; k < atoms; k++)
        x[p * stride + k] = fabsf (x[p * stride + k]);
  if (kind == SCVAE_SEGMENT_LOG)
    log_magnitudes (x, P, atoms, stride);
  if (kind == SCVAE_SEGMENT_HISTOGRAM)
    strongest_atom_votes (x, P, atoms, stride);
  if (g_cancellable_is_cancelled (cancellable)
      || (radius > 0 && !smooth (x, rows, cols, atoms, stride, radius, cancellable)))
    return FALSE;
  if (kind == SCVAE_SEGMENT_HISTOGRAM)
    /* Euclidean distance between square roots is the Hellinger distance
     * between the histograms: k-means then compares them as histograms. */
    for (gsize p = 0; p < P; p++)
      for (int k = 0; k < atoms; k++)
        x[p * stride + k] = sqrtf (x[p * stride + k]);
  if (kind == SCVAE_SEGMENT_NORMALIZED)
    for (gsize p = 0; p < P; p++)
      {
        float *f = x + p * stride;
        double norm = 0.0;

        for (int k = 0; k < atoms; k++)
          norm += (double) f[k] * f[k];
        /* An all-zero code stays zero: it is its own cluster-worthy thing. */
        if (norm > 0.0)
          for (int k = 0; k < atoms; k++)
            f[k] /= (float) sqrt (norm);
      }
  return TRUE;
}

/* The combined features: each part is the codes transformed as one kind,
 * smoothed over radius_scale times the smoothing radius, and scaled to unit
 * spread. Texture descriptors alone blur small objects into their
 * surroundings; the codes alone split one texture by its details. Together,
 * at equal weight, they segment best (tools/bench/README.md). */
typedef struct {
  ScvaeSegmentFeatures kind;
  int radius_scale;
} FeaturePart;

#define MAX_FEATURE_PARTS 3

static int
feature_parts (ScvaeSegmentFeatures features, FeaturePart parts[MAX_FEATURE_PARTS])
{
  switch (features)
    {
    case SCVAE_SEGMENT_LOG_AND_CODES:
      parts[0] = (FeaturePart) { SCVAE_SEGMENT_LOG, 1 };
      parts[1] = (FeaturePart) { SCVAE_SEGMENT_CODES, 0 };
      return 2;
    case SCVAE_SEGMENT_HISTOGRAMS_AND_CODES:
      /* The texture near the patch and the wider scene around it. */
      parts[0] = (FeaturePart) { SCVAE_SEGMENT_HISTOGRAM, 1 };
      parts[1] = (FeaturePart) { SCVAE_SEGMENT_HISTOGRAM, 3 };
      parts[2] = (FeaturePart) { SCVAE_SEGMENT_CODES, 0 };
      return 3;
    default:
      parts[0] = (FeaturePart) { features, 1 };
      return 1;
    }
}

/* Each part of the features, when the model has more atoms than this, is
 * projected onto its principal subspace of this width (project.c) before
 * k-means: the parts are smooth or sparse, and this many directions keep
 * their distances well enough that segmentation scores the same as on all
 * 3 x 256 numbers (tools/bench/README.md), while k-means, split and the
 * memory for the features shrink tenfold. */
#define SEGMENT_PART_WIDTH 24

/* The range finder of a part looks at this many patches at most. */
#define SEGMENT_PROJECTION_SAMPLE 4096

int
scvae_segment_features_dim (const ScvaeSegmentOptions *options, int atoms)
{
  FeaturePart parts[MAX_FEATURE_PARTS];

  return feature_parts (options->features, parts) * MIN (atoms, SEGMENT_PART_WIDTH);
}

/* One part's P x atoms features into columns offset .. offset + width of
 * the P x dim features, scaled by scale: projected when width < atoms. */
static gboolean
place_part (const float *part, gsize P, int atoms, int width, int seed, double scale, float *features,
            int offset, int dim, GCancellable *cancellable)
{
  g_autofree float *projected = NULL;
  const float *source = part;

  if (width < atoms)
    {
      projected = scvae__project_rows (part, P, atoms, width, SEGMENT_PROJECTION_SAMPLE, seed, cancellable);
      if (!projected)
        return FALSE;
      source = projected;
    }
  for (gsize p = 0; p < P; p++)
    for (int d = 0; d < width; d++)
      features[p * dim + offset + d] = (float) (source[p * width + d] * scale);
  return TRUE;
}

/* The features being built: each part is built by one of the engine's
 * threads, with its own buffer, into its own columns. */
typedef struct {
  const float *codes;
  int rows, cols, atoms, width, n_parts, smooth_radius;
  FeaturePart parts[MAX_FEATURE_PARTS];
  float *features;
  GCancellable *cancellable;
  gint cancelled;
} FeaturesRun;

/* Part i into its columns; buffer (P x atoms floats) is allocated on first
 * use. FALSE when cancelled. */
static gboolean
build_part (FeaturesRun *run, int i, float **buffer)
{
  gsize P = (gsize) run->rows * run->cols, row = (gsize) run->cols * run->atoms;
  int radius = run->parts[i].radius_scale * run->smooth_radius;
  const float *source = run->codes;

  /* Unsmoothed codes are their own feature: no copy. */
  if (run->parts[i].kind != SCVAE_SEGMENT_CODES || radius > 0)
    {
      if (!*buffer)
        *buffer = g_new (float, P * run->atoms);
      /* The first copy faults in every page of the part: at 1024 x 768
       * that takes long enough to be cancellable row by row. */
      for (int y = 0; y < run->rows; y++)
        {
          memcpy (*buffer + y * row, run->codes + y * row, row * sizeof (float));
          if (g_cancellable_is_cancelled (run->cancellable))
            return FALSE;
        }
      if (!transform_codes (*buffer, run->rows, run->cols, run->atoms, run->atoms, run->parts[i].kind, radius,
                            run->cancellable))
        return FALSE;
      source = *buffer;
    }
  /* The parts of combined features at equal weight: each at unit spread. */
  return place_part (source, P, run->atoms, run->width, 1 + i,
                     run->n_parts > 1 ? unit_spread_scale (source, P, run->atoms, run->atoms) : 1.0,
                     run->features, i * run->width, run->n_parts * run->width, run->cancellable);
}

static void
build_parts (int thread, int n_threads, gpointer data)
{
  FeaturesRun *run = data;
  g_autofree float *buffer = NULL;

  for (int i = thread; i < run->n_parts && !g_atomic_int_get (&run->cancelled); i += n_threads)
    if (!build_part (run, i, &buffer))
      g_atomic_int_set (&run->cancelled, TRUE);
}

float *
scvae_segment_features (const float *codes, int rows, int cols, int atoms,
                        const ScvaeSegmentOptions *options, GCancellable *cancellable, GError **error)
{
  FeaturesRun run = {
    .codes = codes,
    .rows = rows,
    .cols = cols,
    .atoms = atoms,
    .width = MIN (atoms, SEGMENT_PART_WIDTH),
    .smooth_radius = options->smooth_radius,
    .cancellable = cancellable,
  };
  g_autofree float *features = NULL;

  run.n_parts = feature_parts (options->features, run.parts);
  features = run.features = g_new (float, (gsize) rows * cols * run.n_parts * run.width);
  scvae__parallel_run (MIN (scvae_get_threads (), run.n_parts), build_parts, &run);
  if (run.cancelled)
    {
      g_cancellable_set_error_if_cancelled (cancellable, error);
      return NULL;
    }
  return g_steal_pointer (&features);
}

float *
scvae_patch_pixels (const ScvaeImage *image, int *rows, int *cols)
{
  int r = (image->height + 3) / 4, c = (image->width + 3) / 4;
  gsize plane = (gsize) image->width * image->height;
  float *features = g_new (float, (gsize) r * c * 48);

  for (int y = 0; y < r; y++)
    for (int x = 0; x < c; x++)
      {
        float *f = features + ((gsize) y * c + x) * 48;

        for (int ch = 0; ch < 3; ch++)
          for (int dy = 0; dy < 4; dy++)
            for (int dx = 0; dx < 4; dx++)
              *f++ = image->data[ch * plane + (gsize) MIN (4 * y + dy, image->height - 1) * image->width
                                 + MIN (4 * x + dx, image->width - 1)];
      }
  *rows = r;
  *cols = c;
  return features;
}

/* Large images cluster a regular subsample of their patches, at most
 * twice a 256 x 256 image's, and then give every patch the nearest centre:
 * the centroids of a few thousand patches are as good as those of all, and
 * the iterations cost no more than at 512 x 512. (Measured before the
 * features were projected: at 1024 x 1024, 4.5 s on all 65,536 patches,
 * 2.4 s with the sample.) */
#define SEGMENT_MAX_SAMPLE 8192

gboolean
scvae_segment (const float *features, int rows, int cols, int dim,
               const ScvaeSegmentOptions *options, guint8 *labels,
               GCancellable *cancellable, GError **error)
{
  ScvaeKMeansOptions kmeans = {
    .k = options->k,
    .n_restarts = options->n_restarts,
    .max_iterations = 100,
    .seed = options->seed,
    .max_rows = SEGMENT_MAX_SAMPLE,
  };

  if (options->k < 2 || options->k > SCVAE_MAX_CLUSTERS)
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   _("k must be between 2 and %d (got %d)"), SCVAE_MAX_CLUSTERS, options->k);
      return FALSE;
    }
  if (options->k > rows * cols)
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   g_dngettext (GETTEXT_PACKAGE, "k = %d is more than the image's %d patch",
                                "k = %d is more than the image's %d patches", rows * cols),
                   options->k, rows * cols);
      return FALSE;
    }
  return scvae_kmeans (features, rows * cols, dim, &kmeans, labels, NULL, NULL, cancellable, error);
}

guint8 *
scvae_labels_to_pixels (const guint8 *labels, int rows, int cols, int width, int height)
{
  guint8 *pixels = g_new (guint8, (gsize) width * height);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      pixels[(gsize) y * width + x] = labels[(gsize) MIN (y / 4, rows - 1) * cols + MIN (x / 4, cols - 1)];
  return pixels;
}

void
scvae_cluster_color (int index, guint8 rgb[3])
{
  /* Distinct, print-friendly colours first (Tableau 10); beyond ten,
   * hues spaced by the golden angle. */
  static const guint8 palette[][3] = {
    { 78, 121, 167 }, { 242, 142, 43 }, { 225, 87, 89 }, { 118, 183, 178 }, { 89, 161, 79 },
    { 237, 201, 72 }, { 176, 122, 161 }, { 255, 157, 167 }, { 156, 117, 95 }, { 186, 176, 172 },
  };

  if (index >= 0 && index < (int) G_N_ELEMENTS (palette))
    {
      memcpy (rgb, palette[index], 3);
      return;
    }
  {
    double h = fmod (index * 137.508, 360.0) / 60.0, f = h - floor (h);
    double v = 0.85, s = 0.6, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
    double r, g, b;

    switch ((int) h)
      {
      case 0: r = v, g = t, b = p; break;
      case 1: r = q, g = v, b = p; break;
      case 2: r = p, g = v, b = t; break;
      case 3: r = p, g = q, b = v; break;
      case 4: r = t, g = p, b = v; break;
      default: r = v, g = p, b = q; break;
      }
    rgb[0] = (guint8) (r * 255), rgb[1] = (guint8) (g * 255), rgb[2] = (guint8) (b * 255);
  }
}
