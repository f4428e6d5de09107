/* lens-comparison-page.h: two models' reconstructions of one image, side by side
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shown in place of the three views while a comparison model is open
 * (see LensComparison): each model's reconstruction above its residual,
 * on the window's viewport so that all of them zoom and pan together, and
 * a table of each model's PSNR, SSIM and use of its code on the image.
 */

#pragma once

#include <gtk/gtk.h>

#include "lens-image-view.h"
#include "lens-result.h"
#include "lens-viewport.h"

G_BEGIN_DECLS

#define LENS_TYPE_COMPARISON_PAGE (lens_comparison_page_get_type ())
G_DECLARE_FINAL_TYPE (LensComparisonPage, lens_comparison_page, LENS, COMPARISON_PAGE, GtkWidget)

/* The page's pictures, in reading order. */
typedef enum {
  LENS_COMPARISON_RECONSTRUCTION,        /* the window's model */
  LENS_COMPARISON_OTHER_RECONSTRUCTION,  /* the comparison model */
  LENS_COMPARISON_RESIDUAL,
  LENS_COMPARISON_OTHER_RESIDUAL,
  LENS_COMPARISON_N_VIEWS,
} LensComparisonView;

GtkWidget *lens_comparison_page_new (void);
void lens_comparison_page_set_viewport (LensComparisonPage *self, LensViewport *viewport);
/* Shows result's comparison (result->comparison must be set). */
void lens_comparison_page_show (LensComparisonPage *self, const LensResult *result);
void lens_comparison_page_clear (LensComparisonPage *self);
LensImageView *lens_comparison_page_get_view (LensComparisonPage *self, LensComparisonView view);
/* The smallest scale that fits the image into each view (0 before a layout). */
double lens_comparison_page_get_fit_scale (LensComparisonPage *self);
/* The table's row for scores[model] of the comparison, its cells joined by " | ". */
char *lens_comparison_page_get_row (LensComparisonPage *self, int model);

G_END_DECLS
