/* scvae.h: public interface of libscvae, the SC-VAE engine
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An SC-VAE encodes every 4x4 pixel patch of an image into a feature vector e,
 * writes e as a sparse combination z of K learned dictionary atoms with an
 * unrolled learned ISTA (LISTA), and decodes D z back into pixels.
 *
 * The engine is plain C on GLib and OpenBLAS; it never touches GTK. All
 * objects are owned by one thread at a time; nothing here is global.
 */

#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define SCVAE_ERROR (scvae_error_quark ())

typedef enum {
  SCVAE_ERROR_INVALID_INPUT, /* a file or a value given by the user is unusable */
  SCVAE_ERROR_FAILED,        /* the work itself failed (I/O, memory) */
} ScvaeErrorCode;

GQuark scvae_error_quark (void);

/* Limits on what the engine accepts. */
#define SCVAE_MAX_DEPTH 64
#define SCVAE_MAX_SPARSITY 4.0f
#define SCVAE_PATCH_PIXELS 4             /* a patch is this many pixels on a side (f4) */
#define SCVAE_DEFAULT_MAX_SIDE 2048       /* images are downscaled to this long side */
#define SCVAE_MAX_SOURCE_PIXELS 100000000 /* larger sources are refused outright */

/* Sets how many threads the engine computes with, in OpenBLAS and in its
 * own parallel stages (0: all cores). */
void scvae_set_threads (int n_threads);
int scvae_get_threads (void);
const char *scvae_blas_info (void);
/* The OPENBLAS_CORETYPE this CPU should use when OpenBLAS did not recognise
 * it and fell back to its slow generic kernels, else NULL. OpenBLAS reads
 * the variable once, when it is loaded: a program can only tell its user. */
const char *scvae_blas_preferred_core (void);
/* Call first thing in main() of a program that runs the engine: has freed
 * memory kept for reuse (see process.c). */
void scvae_init_process (void);

/* ---------------------------------------------------------------------------
 * Images: planar RGB floats in [-1, 1] (channel, row, column).
 */
typedef struct {
  int width;
  int height;
  float *data; /* 3 * height * width */
} ScvaeImage;

ScvaeImage *scvae_image_new (int width, int height);
void scvae_image_free (ScvaeImage *image);
ScvaeImage *scvae_image_copy (const ScvaeImage *image);

/* Loads any GdkPixbuf format, honours EXIF orientation, composites alpha on
 * mid grey, and downscales so the long side is at most max_side (0: no
 * limit). *was_scaled tells whether that happened (may be NULL). Sources
 * above SCVAE_MAX_SOURCE_PIXELS, and ones whose decoding would need more
 * than scvae_memory_budget (), are refused from their header. */
ScvaeImage *scvae_image_load (const char *path,
                              int max_side,
                              gboolean *was_scaled,
                              GError **error);

typedef struct {
  int source_width;   /* the image as stored (after EXIF rotation) */
  int source_height;
  gboolean scaled;    /* downscaled to max_side while decoding */
  gboolean flattened; /* had transparent pixels: composited on mid grey */
} ScvaeImageInfo;

/* scvae_image_load, telling more about what was done. */
ScvaeImage *scvae_image_load_with_info (const char *path,
                                        int max_side,
                                        ScvaeImageInfo *info,
                                        GError **error);
ScvaeImage *scvae_image_new_from_pixbuf (GdkPixbuf *pixbuf);
GdkPixbuf *scvae_image_to_pixbuf (const ScvaeImage *image);
/* Writes a PNG atomically (temporary file, fsync, rename). */
gboolean scvae_image_save_png (const ScvaeImage *image,
                               const char *path,
                               GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScvaeImage, scvae_image_free)

/* ---------------------------------------------------------------------------
 * Models.
 */

/* What sits between the encoder and the decoder. The same encoder and
 * decoder with another bottleneck make the paper's baselines. */
typedef enum {
  SCVAE_BOTTLENECK_LISTA,    /* sparse codes over a dictionary of K atoms (SC-VAE) */
  SCVAE_BOTTLENECK_VQ,       /* the nearest of a codebook of K vectors (VQ-VAE): a
                              * one-hot code, the codebook as the dictionary */
  SCVAE_BOTTLENECK_GAUSSIAN, /* a diagonal Gaussian of C channels (VAE): K = C,
                              * the code is its mean, the dictionary the identity */
} ScvaeBottleneck;

/* "lista", "vq", "gaussian": the model file's metadata "bottleneck". */
const char *scvae_bottleneck_to_string (ScvaeBottleneck bottleneck);
gboolean scvae_bottleneck_from_string (const char *text, ScvaeBottleneck *bottleneck);

typedef struct {
  ScvaeBottleneck bottleneck;
  int channels;    /* C: encoder output channels = atom dimension */
  int atoms;       /* K: dictionary size */
  int lista_steps; /* T: unrolled ISTA steps after the first */
  float beta;      /* sparsity weight; threshold = beta * s / c */
  float gamma;     /* weight of the latent loss mean((e - D z)^2) */
  float l1;        /* weight of the optional mean(|z|) loss */
  float whiten;    /* weight of |E[e e^T] - I|^2 / C^2, which holds the
                    * features at unit scale in every direction */
  float center;    /* weight of |E[e]|^2 / C, which keeps any direction
                    * from being a constant that every patch carries */
  float lifetime;  /* weight of an L1 on the codes of atoms active on more
                    * than a quarter of the patches, in proportion to the
                    * excess, which keeps any atom from being dense */
  float commitment; /* VQ: weight of mean((e - sg(q))^2) */
  float ema_decay;  /* VQ: how much of the codebook's moving averages a
                     * step keeps */
  float kl_weight;  /* Gaussian: weight of the KL divergence from N(0, I),
                     * summed over channels, averaged over patches */
} ScvaeConfig;

void scvae_config_init_default (ScvaeConfig *config);
/* "0.05" style: the shortest decimal that reads back as the same float. */
char *scvae_format_float (float value);
gboolean scvae_config_validate (const ScvaeConfig *config, GError **error);

typedef struct _ScvaeModel ScvaeModel;

/* A freshly initialised model: PyTorch's default convolution init, BatchNorm
 * at identity, an overcomplete DCT dictionary and c = ||D||_2^2. */
ScvaeModel *scvae_model_new (const ScvaeConfig *config, guint64 seed, GError **error);
ScvaeModel *scvae_model_load (const char *path, GError **error);
gboolean scvae_model_save (ScvaeModel *model, const char *path, GError **error);
ScvaeModel *scvae_model_ref (ScvaeModel *model);
void scvae_model_unref (ScvaeModel *model);
const ScvaeConfig *scvae_model_get_config (ScvaeModel *model);
/* A new run from a model's weights (scvae train --init) may train with
 * other loss weights: beta, gamma, l1, whiten, center and lifetime are taken
 * from weights, the architecture (channels, atoms, lista_steps) stays. */
gboolean scvae_model_set_loss_weights (ScvaeModel *model,
                                       const ScvaeConfig *weights,
                                       GError **error);
/* Metadata stored in the file (strings): at least format, format_version,
 * arch, channels, atoms, lista_steps and beta, and where the model was
 * trained (data, steps, date). */
const char *scvae_model_get_metadata (ScvaeModel *model, const char *key);
void scvae_model_set_metadata (ScvaeModel *model, const char *key, const char *value);
/* Sorted list of metadata keys; free with g_free (not the strings). */
const char **scvae_model_list_metadata (ScvaeModel *model);
const char *scvae_model_get_path (ScvaeModel *model);
gsize scvae_model_get_n_parameters (ScvaeModel *model);
/* The dictionary D, C x K row-major (columns are atoms). */
const float *scvae_model_get_dictionary (ScvaeModel *model);


G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScvaeModel, scvae_model_unref)

/* ---------------------------------------------------------------------------
 * Bottleneck health (health.c): how sparse the codes are and how spread out
 * the dictionary is. A dense code on a collapsed dictionary can reconstruct
 * well and still show nothing sparse, so a model is judged by these as much
 * as by PSNR.
 */
#define SCVAE_DENSE_ATOM_SHARE 0.5 /* an atom active on more of the patches is dense */
#define SCVAE_TWIN_COS 0.9         /* atoms with a larger |cos| are near-duplicates */

typedef struct {
  guint count;           /* patches where the atom is active */
  float mean_abs;        /* mean |coefficient| over the patches where active */
  float max_abs;
} ScvaeAtomUsage;

typedef struct {
  guint64 patches;
  double active_fraction;        /* non-zero codes / all codes */
  double atoms_per_patch_median; /* median over patches of the active atoms */
  double hoyer;                  /* mean over patches of Hoyer's sparsity of z:
                                  * 1 for one active atom (or none), 0 when
                                  * all K carry the code equally */
  double l1_per_patch;           /* mean |z|_1 */
  int atoms_used;                /* active on at least one patch */
  int dead_atoms;                /* the others */
  int dense_atoms;               /* active on more than SCVAE_DENSE_ATOM_SHARE */
  double usage_perplexity;       /* exp of the entropy of how often each atom
                                  * fires: K when all fire equally often */
} ScvaeCodeHealth;

/* Statistics of codes streamed patch by patch, over any number of images. */
typedef struct _ScvaeCodeStats ScvaeCodeStats;

ScvaeCodeStats *scvae_code_stats_new (int atoms);
void scvae_code_stats_free (ScvaeCodeStats *stats);
void scvae_code_stats_reset (ScvaeCodeStats *stats);
/* codes: n_patches x K, patch-major. */
void scvae_code_stats_add (ScvaeCodeStats *stats, const float *codes, gsize n_patches);
void scvae_code_stats_get_health (ScvaeCodeStats *stats, ScvaeCodeHealth *health);
/* K entries, valid until the next call. */
const ScvaeAtomUsage *scvae_code_stats_get_usage (ScvaeCodeStats *stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScvaeCodeStats, scvae_code_stats_free)

/* A Gaussian model's latent channels in use (Burda et al.'s active units):
 * those whose mean varies across patches with a variance above
 * SCVAE_ACTIVE_UNIT_VARIANCE. An unused channel's mean is a constant the
 * decoder ignores and its KL near 0: posterior collapse, channel by channel.
 * From each channel's sum and sum of squares of the means over n patches. */
#define SCVAE_ACTIVE_UNIT_VARIANCE 0.01
int scvae_active_channels (const double *sums, const double *squares, int channels, guint64 n_patches);
/* Adds n_patches codes (patch-major, `channels` each) to each channel's
 * sum and sum of squares, as scvae_active_channels takes them. */
void scvae_channel_moments_add (const float *codes, gsize n_patches, int channels, double *sums, double *squares);

/* A survey (survey.c): per-atom statistics of the codes of a collection,
 * added image by image and never held all at once. */
#define SCVAE_SURVEY_BINS 21 /* histogram of |z|: [0, 1e-3), then quarter
                              * decades from 1e-3; the last bin holds all
                              * above 10^2 too */

typedef struct {
  int image;   /* as numbered by the caller of scvae_survey_add */
  int row, col;
  float value; /* the signed code */
} ScvaeSurveyPatch;

typedef struct _ScvaeSurvey ScvaeSurvey;

ScvaeSurvey *scvae_survey_new (int atoms, int top_n);
void scvae_survey_free (ScvaeSurvey *survey);
/* codes: rows x cols x K, patch-major, as scvae_session_get_codes. */
void scvae_survey_add (ScvaeSurvey *survey, int image, const float *codes, int rows, int cols);
/* Frequency, mean and largest |z| per atom, and the bottleneck's health. */
ScvaeCodeStats *scvae_survey_get_code_stats (ScvaeSurvey *survey);
/* The lower edge of bin i (0 <= i <= SCVAE_SURVEY_BINS: the last is the
 * upper edge of the bins below 10^2). */
double scvae_survey_bin_edge (int i);
/* SCVAE_SURVEY_BINS counts of |z| over the patches where the atom fires. */
const guint64 *scvae_survey_get_histogram (ScvaeSurvey *survey, int atom);
/* The atom's strongest patches, largest |value| first (the earlier patch
 * at equal magnitude), copied into top (room for top_n); returns how many. */
int scvae_survey_get_top (ScvaeSurvey *survey, int atom, ScvaeSurveyPatch *top);
/* Patches where atoms a and b both fire (0 for a == b). */
guint64 scvae_survey_get_together (ScvaeSurvey *survey, int a, int b);
int scvae_survey_get_top_n (ScvaeSurvey *survey);


G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScvaeSurvey, scvae_survey_free)

typedef struct {
  double effective_rank;      /* of the unit-length atoms: exp of the entropy
                               * of the shares of the squared singular
                               * values; C when the atoms fill every
                               * direction evenly, 1 when they lie on a line */
  double pairs_cos_above_0_9; /* share of atom pairs with |cos| > SCVAE_TWIN_COS */
  double median_nearest_cos;  /* median over atoms of the largest |cos| to
                               * any other atom */
} ScvaeDictionaryHealth;

/* dictionary: C x K row-major (columns are atoms). */
void scvae_dictionary_health (const float *dictionary, int channels, int atoms,
                              ScvaeDictionaryHealth *health);

/* Interventions on codes (intervene.c): per-atom gains, then a budget of
 * each patch's strongest atoms. */
#define SCVAE_MAX_ATOM_GAIN 3.f

typedef struct {
  const float *atom_gain; /* K gains (0: off), or NULL for all 1 */
  int keep;               /* keep each patch's `keep` strongest atoms after
                           * the gains (the lower index at a tie); 0: all */
} ScvaeIntervention;

/* codes and out: patches x K, patch-major; out may not alias codes. */
void scvae_codes_intervene (const float *codes, gsize patches, int atoms,
                            const ScvaeIntervention *intervention, float *out);

/* ---------------------------------------------------------------------------
 * Inference, stage by stage. A session keeps every stage's result so a
 * caller reruns only what a changed parameter invalidates:
 *
 *   encode (image)  ->  sparse_code (depth, sparsity)  ->  decode  ->  metrics
 *
 * Every stage checks the cancellable between layers or LISTA steps and fails
 * with G_IO_ERROR_CANCELLED, leaving the previous results of that stage
 * intact.
 */
typedef struct _ScvaeSession ScvaeSession;

typedef struct {
  double psnr;            /* dB, on [0, 1] pixels */
  double ssim;            /* mean SSIM over channels, Gaussian window */
  double lasso;           /* mean over patches of 1/2 |e - Dz|^2 + beta s |z|_1 */
  double latent_mse;      /* mean((e - Dz)^2) */
  ScvaeCodeHealth codes;
} ScvaeMetrics;

ScvaeSession *scvae_session_new (ScvaeModel *model);
void scvae_session_free (ScvaeSession *session);
ScvaeModel *scvae_session_get_model (ScvaeSession *session);

/* Peak bytes a session of this model needs for an image of this size;
 * scvae_session_encode refuses images above SCVAE_MEMORY_LIMIT_MB (default:
 * three quarters of the physical memory). */
guint64 scvae_session_estimate_bytes (ScvaeModel *model, int width, int height);
/* The memory the engine may plan to use: SCVAE_MEMORY_LIMIT_MB, else
 * three quarters of the physical memory; a value of the variable that is
 * not a number of megabytes is an error (SCVAE_ERROR_INVALID_INPUT). */
gboolean scvae_memory_budget (guint64 *bytes, GError **error);
gboolean scvae_session_encode (ScvaeSession *session,
                               const ScvaeImage *image,
                               GCancellable *cancellable,
                               GError **error);
/* depth in 0..SCVAE_MAX_DEPTH (-1: the model's T); sparsity multiplies the
 * threshold, 0..SCVAE_MAX_SPARSITY. */
gboolean scvae_session_sparse_code (ScvaeSession *session,
                                    int depth,
                                    float sparsity,
                                    GCancellable *cancellable,
                                    GError **error);
gboolean scvae_session_decode (ScvaeSession *session,
                               GCancellable *cancellable,
                               GError **error);
/* What decode applies to the codes before D z (see scvae_codes_intervene;
 * NULL: nothing); the codes themselves stay as LISTA wrote them. */
void scvae_session_set_intervention (ScvaeSession *session,
                                     const ScvaeIntervention *intervention);
/* Needs encode, sparse_code and decode to have run. */
void scvae_session_compute_metrics (ScvaeSession *session, ScvaeMetrics *metrics);
/* Per-atom usage over the current codes; returns K entries. */
const ScvaeAtomUsage *scvae_session_get_atom_usage (ScvaeSession *session);

/* Results; pointers stay valid until the stage reruns. */
const ScvaeImage *scvae_session_get_input (ScvaeSession *session);
const ScvaeImage *scvae_session_get_reconstruction (ScvaeSession *session);
/* Codes, patch-major: rows x cols x K floats. */
const float *scvae_session_get_codes (ScvaeSession *session,
                                      int *rows,
                                      int *cols,
                                      int *atoms);
/* How much of each patch's encoder feature e its code leaves out,
 * |e - D z|^2 / |e|^2 (0: coded exactly; 1: as much as no code at all; 0
 * where e is 0), into errors (rows x cols floats, row-major). The codes
 * are LISTA's, before any intervention. A VQ model's D z is the nearest
 * code vector: its error is the quantisation error. A Gaussian model's
 * latent is no code of e: FALSE with SCVAE_ERROR_INVALID_INPUT. Needs
 * sparse_code. */
gboolean scvae_session_get_coding_errors (ScvaeSession *session, float *errors, GError **error);
/* Encoder features, patch-major: rows x cols x C floats. */
const float *scvae_session_get_features (ScvaeSession *session,
                                         int *rows,
                                         int *cols,
                                         int *channels);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScvaeSession, scvae_session_free)

/* A collection, image by image (survey.c, survey-report.c). */
#define SCVAE_SURVEY_NEIGHBOURS 8 /* nearest and co-firing atoms per atom */

typedef struct {
  char *path;
  int width, height;  /* as coded, after max_size */
  int rows, cols;     /* its patches */
} ScvaeSurveyImage;

void scvae_survey_image_free (ScvaeSurveyImage *image);

/* How each image is coded, as in scvae encode. */
typedef struct {
  int max_size;       /* 0: no limit */
  int depth;          /* -1: the model's */
  float sparsity;
} ScvaeSurveyOptions;

/* A survey of the model's atoms, refused (SCVAE_ERROR_INVALID_INPUT) when
 * its K² counts would take more than half the memory budget. */
ScvaeSurvey *scvae_survey_new_for_model (ScvaeModel *model, int top_n, GError **error);
/* Adds codes as the next image, which the survey remembers. */
void scvae_survey_add_image (ScvaeSurvey *survey, const char *path, int width, int height, const float *codes,
                             int rows, int cols);
/* Codes the image at path as scvae encode does and adds it. An image that
 * cannot be read or that the engine refuses (SCVAE_ERROR_INVALID_INPUT) is
 * remembered as skipped instead, and the survey goes on; FALSE with error
 * only when it must stop (cancelled, out of memory). */
gboolean scvae_survey_add_file (ScvaeSurvey *survey, ScvaeSession *session, const char *path,
                                const ScvaeSurveyOptions *options, GCancellable *cancellable, GError **error);
guint scvae_survey_get_n_images (ScvaeSurvey *survey);
const ScvaeSurveyImage *scvae_survey_get_image (ScvaeSurvey *survey, guint i);
void scvae_survey_add_skipped (ScvaeSurvey *survey, const char *message);
/* The skipped files' messages, NULL-terminated, n of them. */
const char * const *scvae_survey_get_skipped (ScvaeSurvey *survey, guint *n);
/* The survey as the JSON document scvae survey writes (see its --help and
 * the README): images, skipped, patches, model, max_size, depth,
 * sparsity, and per atom its statistics. */
char *scvae_survey_to_json (ScvaeSurvey *survey, ScvaeModel *model, const ScvaeSurveyOptions *options);

/* Decodes any patch-major latents (rows x cols x C, e.g. D z) into 3
 * channel-major planes of 4 rows x 4 cols pixels in [-1, 1]. */
gboolean scvae_session_decode_latents (ScvaeSession *session, const float *latents, int rows,
                                       int cols, float *out, GCancellable *cancellable,
                                       GError **error);

/* The side, in pixels, of the window atoms are shown in. The decoder spreads
 * one patch's atom over about 12 pixels: for the default model, the centred
 * 16 x 16 window holds 99.8 % of the mean atom's change and 97 % of the
 * widest one's (the test /session/atom-window keeps that true), so a wider
 * window would only shrink the atom in a grey field. */
#define SCVAE_ATOM_PIXELS 16

/* What atom k adds to the picture when used with the given coefficient:
 * size x size pixels around one patch, scaled so that no change is 0 (mid
 * grey) and the largest change is +-1; *energy (may be NULL) receives that
 * largest change. See session-atoms.c for why this rendering. */
ScvaeImage *scvae_session_render_atom (ScvaeSession *session,
                                       int atom,
                                       float amplitude,
                                       int size,
                                       float *energy);

/* Encode, sparse-code and decode in one call. */
ScvaeImage *scvae_reconstruct (ScvaeModel *model,
                               const ScvaeImage *image,
                               int depth,
                               float sparsity,
                               ScvaeMetrics *metrics,
                               GCancellable *cancellable,
                               GError **error);

/* ---------------------------------------------------------------------------
 * Metrics on whole images.
 */
double scvae_psnr (const ScvaeImage *a, const ScvaeImage *b);
double scvae_ssim (const ScvaeImage *a, const ScvaeImage *b);

/* ---------------------------------------------------------------------------
 * k-means on row vectors (for segmenting codes): k-means++ seeding, Lloyd
 * iterations, the best of n_restarts by inertia. Deterministic for a seed.
 */
typedef struct {
  int k;
  int n_restarts;
  int max_iterations;
  guint64 seed;
  int max_rows;              /* 0: cluster all rows; else cluster every
                              * ceil(n_rows / max_rows)-th row, then give each
                              * row the nearest of the centroids found */
} ScvaeKMeansOptions;

gboolean scvae_kmeans (const float *rows,
                       int n_rows,
                       int dim,
                       const ScvaeKMeansOptions *options,
                       guint8 *labels,
                       float *centroids,
                       double *inertia,
                       GCancellable *cancellable,
                       GError **error);

/* ---------------------------------------------------------------------------
 * Segmentation: k-means over per-patch features derived from the codes.
 */
#define SCVAE_MAX_CLUSTERS 32

typedef enum {
  SCVAE_SEGMENT_CODES,       /* z as it is */
  SCVAE_SEGMENT_ABS,         /* |z|: an atom's sign does not split a region */
  SCVAE_SEGMENT_NORMALIZED,  /* z / |z|: direction only, not contrast */
  SCVAE_SEGMENT_LOG,         /* log(1 + |z| / m), m the image's mean |z| over
                              * non-zeros: strong atoms do not drown the rest */
  SCVAE_SEGMENT_LOG_AND_CODES, /* the smoothed log magnitudes (the texture
                                * around a patch) beside the patch's own z,
                                * each half scaled to the same spread */
  SCVAE_SEGMENT_HISTOGRAM,   /* each patch votes for its SCVAE_SEGMENT_VOTES
                              * strongest atoms, weighted by how rare they
                              * are in the image; the square root of the
                              * smoothed votes (a texton histogram) */
  SCVAE_SEGMENT_HISTOGRAMS_AND_CODES, /* histograms over the smoothing radius
                                       * r and over 3 r, beside the patch's
                                       * own z, each part at the same spread */
} ScvaeSegmentFeatures;

/* How many atoms a patch votes for in SCVAE_SEGMENT_HISTOGRAM. */
#define SCVAE_SEGMENT_VOTES 3

typedef struct {
  int k;
  ScvaeSegmentFeatures features;
  int smooth_radius;         /* box-average codes over (2r+1)^2 patches first
                              * (in the combined features, z is never
                              * smoothed) */
  int n_restarts;
  guint64 seed;
} ScvaeSegmentOptions;

void scvae_segment_options_init_default (ScvaeSegmentOptions *options);
/* How many features a patch gets: the number of parts times the atoms, or
 * times the width each part is projected to when there are more atoms (24:
 * the principal subspace of the part, which keeps its distances). */
int scvae_segment_features_dim (const ScvaeSegmentOptions *options, int atoms);
/* rows x cols x atoms codes to rows x cols x dim features; g_free it.
 * NULL only when cancelled. */
float *scvae_segment_features (const float *codes, int rows, int cols, int atoms,
                               const ScvaeSegmentOptions *options, GCancellable *cancellable, GError **error);
/* The raw-pixel baseline: each 4x4 patch's 48 RGB values (edges repeated
 * past the image), on the same grid as the codes; g_free it. */
float *scvae_patch_pixels (const ScvaeImage *image, int *rows, int *cols);
/* k-means on the features; labels are rows x cols cluster indices. */
gboolean scvae_segment (const float *features, int rows, int cols, int dim,
                        const ScvaeSegmentOptions *options, guint8 *labels,
                        GCancellable *cancellable, GError **error);
/* Patch labels to one label per pixel (a patch is 4 x 4 pixels), cropped
 * to width x height. */
guint8 *scvae_labels_to_pixels (const guint8 *labels, int rows, int cols, int width, int height);

/* The colour every front end gives cluster index. */
void scvae_cluster_color (int index, guint8 rgb[3]);

/* ---------------------------------------------------------------------------
 * Writing files safely (files.c): what the engine writes (models, PNG,
 * .npy), and what a program writes beside it, goes through this.
 */

/* Writes data to path, following symbolic links to the file they name.
 * A regular file (or a new one) is written through a temporary file in
 * its folder, fsync and rename: the destination is either the old file or
 * the whole new one, never a torn mix, and an existing file keeps its mode
 * (and, where allowed, its owner). A character device or a FIFO is written
 * as it is; anything else is refused. Errors name path, never the
 * temporary file: SCVAE_ERROR_INVALID_INPUT for a path that cannot be
 * written (empty, a folder, missing, not permitted), SCVAE_ERROR_FAILED
 * when the writing itself fails (a full disk). */
gboolean scvae_write_file (const char *path, const void *data, gsize size, GError **error);

/* Whether scvae_write_file could write path, as far as can be told
 * without writing: errors as above. */
gboolean scvae_check_writable (const char *path, GError **error);

/* Deletes the temporary files that writes of path left behind when their
 * process was killed (ones still being written are locked and kept);
 * returns how many. */
int scvae_remove_stale_temporaries (const char *path);

/* Writes a float32 array as NumPy .npy (little-endian, C order), atomically. */
gboolean scvae_write_npy (const char *path, const float *data, int ndim, const gint64 *shape,
                          GError **error);

/* ---------------------------------------------------------------------------
 * Training.
 */
typedef struct _ScvaeDataset ScvaeDataset;

/* Expands files and directories (recursively, by image file extension) into
 * a sorted list of image paths; free with g_strfreev. A regular file that
 * is not named like an image is read as a list of paths, one per line
 * (relative to the list's folder; # starts a comment). */
char **scvae_list_images (const char * const *paths, GError **error);

/* Collects images from files and directories (recursively, sorted), decodes
 * them at most max_side px on the long side and keeps each also at smaller
 * scales for multi-scale crops. A file that is not a usable image (in a
 * folder but not named like an image, not decodable, or smaller than crop
 * px on its short side; crop 0: no crops, e.g. for validation) is skipped
 * and listed by scvae_dataset_get_skipped; a dataset without any image is
 * an error. */
ScvaeDataset *scvae_dataset_new (const char * const *paths,
                                 int max_side,
                                 int crop,
                                 GError **error);
/* The files skipped, as "PATH: reason", NULL-terminated; owned by the
 * dataset. */
const char * const *scvae_dataset_get_skipped (ScvaeDataset *dataset);
void scvae_dataset_free (ScvaeDataset *dataset);
int scvae_dataset_get_n_images (ScvaeDataset *dataset);
/* Image index at its largest kept scale; free with scvae_image_free. */
ScvaeImage *scvae_dataset_load_image (ScvaeDataset *dataset, int index);
const char *scvae_dataset_get_path (ScvaeDataset *dataset, int index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScvaeDataset, scvae_dataset_free)

typedef struct {
  gint64 steps;            /* stop after this many steps (0: only minutes) */
  double minutes;          /* stop after this much wall-clock (0: only steps) */
  int batch;
  int crop;
  float lr;
  float min_lr_fraction;   /* cosine decays to lr * this */
  int warmup_steps;
  float clip_norm;         /* global gradient-norm clip (0: off) */
  guint64 seed;
  gint64 checkpoint_every; /* steps between checkpoints (0: only at the end) */
  gint64 validate_every;   /* steps between validation passes */
  int val_max_side;        /* validation images are scaled to this long side */
} ScvaeTrainOptions;

void scvae_train_options_init_default (ScvaeTrainOptions *options);

typedef struct {
  gint64 step;
  gint64 total_steps;     /* 0 when training for a time budget */
  double elapsed_s;
  double fraction_done;   /* 0..1, by steps or by time */
  double loss;            /* mean over the steps since the last report */
  double train_psnr;
  double val_psnr;        /* NAN when not measured at this report */
  double val_ssim;
  double active_fraction;
  int atoms_used;
  double images_per_s;
  double lr;
  int atoms_resampled;    /* dead atoms moved at the last resampling */
  /* The bottleneck, measured at validation passes (else val_codes.patches
   * is 0) */
  ScvaeCodeHealth val_codes;
  ScvaeDictionaryHealth dictionary;
  /* What the threshold beta / c works against: LISTA's step c and the
   * root mean square of the encoder's features e in the last batch. */
  double lista_c;             /* NAN without LISTA */
  double feature_rms;
} ScvaeTrainProgress;

/* Return FALSE to stop: the trainer then writes a checkpoint and returns. */
typedef gboolean (*ScvaeTrainCallback) (const ScvaeTrainProgress *progress, gpointer user_data);

typedef struct _ScvaeTrainer ScvaeTrainer;

ScvaeTrainer *scvae_trainer_new (ScvaeModel *model,
                                 const ScvaeTrainOptions *options,
                                 GError **error);
void scvae_trainer_free (ScvaeTrainer *trainer);
/* Loads optimiser state, step and random state from a checkpoint file. */
gboolean scvae_trainer_resume (ScvaeTrainer *trainer, const char *checkpoint_path, GError **error);
gint64 scvae_trainer_get_step (ScvaeTrainer *trainer);
/* One optimisation step on a batch (3 x batch x crop x crop, planar per
 * image); returns the loss. */
double scvae_trainer_step (ScvaeTrainer *trainer, const float *batch, int n_images, int size);
/* The whole loop: batches from train, validation on val (may be NULL), a
 * checkpoint every so often at checkpoint_path, the model at model_path. */
gboolean scvae_trainer_run (ScvaeTrainer *trainer,
                            ScvaeDataset *train,
                            ScvaeDataset *val,
                            const char *model_path,
                            const char *checkpoint_path,
                            ScvaeTrainCallback callback,
                            gpointer user_data,
                            GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScvaeTrainer, scvae_trainer_free)

G_END_DECLS
