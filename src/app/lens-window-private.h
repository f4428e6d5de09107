/* lens-window-private.h: the window's state, shared by its files
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lens-atom-gallery.h"
#include "lens-image-view.h"
#include "lens-legend.h"
#include "lens-patch-inspector.h"
#include "lens-segment-legend.h"
#include "lens-segmentation.h"
#include "lens-viewport.h"
#include "lens-window.h"

G_BEGIN_DECLS

struct _LensWindow {
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;
  GtkSpinner *spinner;
  GtkStack *stack;
  GtkBox *samples_box;
  GtkLabel *recent_label;
  GtkBox *recent_box;
  AdwFlap *flap;
  GtkFlowBox *views;
  LensImageView *input_view;
  LensImageView *reconstruction_view;
  LensImageView *activation_view;
  GtkLabel *input_caption;
  GtkLabel *quality_label;
  GtkToggleButton *compare_button;
  GtkToggleButton *residual_button;
  GtkDropDown *mode_dropdown;
  LensLegend *legend;
  GtkLabel *status_label;
  GtkAdjustment *sparsity_adjustment;
  GtkAdjustment *depth_adjustment;
  AdwPreferencesGroup *metrics_group;
  AdwPreferencesGroup *model_group;
  AdwFlap *flap_widget;
  AdwViewStack *sidebar_stack;
  LensAtomGallery *gallery;
  GtkSwitch *segments_switch;
  GtkAdjustment *k_adjustment;
  AdwComboRow *features_row;
  GtkAdjustment *smooth_adjustment;
  GtkAdjustment *opacity_adjustment;
  GtkBox *legend_box;
  LensSegmentLegend *segment_legend;
  LensPatchInspector *inspector;
  GtkWidget *inspected_view;   /* where the inspector points */
  int inspected_row, inspected_col;
  LensSegmentation *segmentation;
  guint64 seed;
  GSettings *settings;       /* NULL when the schema is not installed */

  /* Rows filled from results and the model */
  GtkLabel *psnr_value, *ssim_value, *active_value, *per_patch_value, *hoyer_value;
  GtkLabel *atoms_value, *dense_value, *lasso_value;
  GtkLabel *channels_value, *atoms_count_value, *depth_value, *beta_value, *data_value;
  GtkLabel *spread_value, *twins_value;

  GBytes *selected_atoms;    /* int indices chosen in the atom gallery */
  ScvaeSegmentOptions segment_options; /* k == 0: segmentation off */

  LensWorker *worker;
  LensViewport *viewport;
  ScvaeModel *model;
  LensInput *input;
  LensResult *result;        /* shown now */
  LensResult *preview;       /* its pictures shown instead, until the next full result */
  GCancellable *loading;     /* of the image or model being opened */
  GCancellable *rendering_atoms;
  guint busy_timeout;
  guint view_columns_idle;   /* applies a new number of view columns */
  int view_columns;
  double last_latency_ms;
  guint64 painted_serial;    /* the newest full result that reached the screen */
  guint64 painted_preview_serial; /* the newest preview that did */
  char *last_toast;          /* for tests */
  FILE *latency_log;         /* $LENS_LATENCY_LOG, for tools/bench/app-latency */
};

void lens_window_install_actions (GtkWidgetClass *widget_class);
void lens_window_setup_dnd (LensWindow *self);
/* The long side images are shown at (the working-size setting). */
int lens_window_get_working_size (LensWindow *self);
/* Submits what the window shows now to the worker. */
void lens_window_update (LensWindow *self);
LensRequest lens_window_current_request (LensWindow *self);
/* Writes an export of what the window shows to file; a toast says how it went. */
void lens_window_export (LensWindow *self, LensExportKind kind, GFile *file);

G_END_DECLS
