/* lens-comparison.h: a second model beside the window's, on the same image
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The paper's claim made visible: the same image through two models (an
 * SC-VAE and a VQ-VAE, say), their reconstructions and residuals side by
 * side and how well each did. The comparison model codes as it was
 * trained (its own depth, sparsity 1, no intervention), so it is a fixed
 * reference while the window's model follows the controls. Both residuals
 * share one colour scale, or their colours could not be compared.
 */

#pragma once

#include "lens-heatmap.h"
#include "lens-picture.h"

G_BEGIN_DECLS

/* How well one model did on the image, in its bottleneck's terms. */
typedef struct {
  ScvaeModel *model;
  ScvaeMetrics metrics;
  int active_channels;   /* a Gaussian model's latent channels in use, else 0 */
} LensModelScore;

/* Immutable once made; reference counted (g_atomic_rc_box). */
typedef struct {
  LensModelScore scores[2];       /* [0] the window's model, [1] the comparison model */
  LensPicture *reconstruction;    /* the comparison model's */
  LensPicture *residuals[2];      /* as scores, both on residual_scale */
  LensColorScale residual_scale;
} LensComparison;

/* From the two sessions' reconstructions of input; main_metrics are the
 * window's model's (computed already); the comparison session's are
 * other_score when given (its reconstruction unchanged since), else
 * computed here. On the engine thread. */
LensComparison *lens_comparison_new (const ScvaeImage *input, ScvaeSession *main, const ScvaeMetrics *main_metrics,
                                     ScvaeSession *other, const LensModelScore *other_score,
                                     LensColormap colormap);
LensComparison *lens_comparison_ref (LensComparison *comparison);
void lens_comparison_unref (LensComparison *comparison);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LensComparison, lens_comparison_unref)

/* The model's use of its code on the image, in its bottleneck's words:
 * atoms a patch and how many are used (LISTA), codes used and their
 * perplexity (VQ), latent channels active (Gaussian). */
char *lens_model_score_describe_usage (const LensModelScore *score);

G_END_DECLS
