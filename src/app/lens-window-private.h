/* lens-window-private.h: the window's state, shared by its files
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lens-window.c: the class, its controls and the request they make;
 * lens-window-results.c: showing what the engine thread sends back;
 * lens-window-open.c: opening images and models (and one to compare with);
 * lens-window-segments.c: the segments over the views, selecting and splitting them;
 * lens-window-views.c: the grid of the three views, and the patch inspector;
 * lens-window-actions.c, lens-window-dnd.c: actions, drag and drop.
 */

#pragma once

#include "lens-atom-gallery.h"
#include "lens-collection-page.h"
#include "lens-comparison-page.h"
#include "lens-image-view.h"
#include "lens-intervention-panel.h"
#include "lens-legend.h"
#include "lens-patch-inspector.h"
#include "lens-quality-panel.h"
#include "lens-segment-legend.h"
#include "lens-segments-page.h"
#include "lens-segmentation.h"
#include "lens-view-grid.h"
#include "lens-viewport.h"
#include "lens-welcome-page.h"
#include "lens-window.h"

G_BEGIN_DECLS

struct _LensWindow {
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;
  GtkSpinner *spinner;
  GtkStack *stack;
  LensWelcomePage *welcome_page;
  AdwFlap *flap;
  GtkStack *content_stack;   /* the views, or the comparison page */
  LensViewGrid *views;
  LensComparisonPage *comparison_page;
  GtkWidget *comparison_toggle;        /* the view switchers' "Models" */
  GtkWidget *bottom_comparison_toggle;
  GtkButton *input_maximize;
  GtkButton *reconstruction_maximize;
  GtkButton *activation_maximize;
  GtkWidget *header_switcher;
  GtkActionBar *bottom_bar;
  LensImageView *input_view;
  LensImageView *reconstruction_view;
  LensImageView *activation_view;
  GtkLabel *input_caption;
  GtkLabel *quality_label;
  GtkDropDown *mode_dropdown;
  LensLegend *legend;
  GtkLabel *status_label;
  GtkAdjustment *sparsity_adjustment;
  GtkAdjustment *depth_adjustment;
  AdwPreferencesGroup *coding_group;
  GtkWidget *sparsity_scale;
  GtkWidget *depth_scale;
  LensInterventionPanel *intervention_panel;
  LensQualityPanel *quality_panel;
  AdwViewStack *sidebar_stack;
  LensAtomGallery *gallery;
  LensSegmentsPage *segments_page;
  LensCollectionPage *collection_page;
  /* The segments page's controls (lens_segments_page_get_controls) */
  GtkAdjustment *k_adjustment;
  AdwComboRow *features_row;
  GtkAdjustment *smooth_adjustment;
  GtkAdjustment *opacity_adjustment;
  LensSegmentLegend *segment_legend;

  LensPatchInspector *inspector;
  int inspected_row, inspected_col;
  LensSegmentation *segmentation;
  LensRequest segmented;     /* the request whose labels the segmentation holds */
  gboolean splitting;        /* a split's 2-means is running */
  LensSegmentAtoms *segment_atoms; /* each segment's typical atoms, for the labels hashed below */
  guint32 segment_atoms_hash;
  guint32 asked_atoms_hash;  /* of the labels the atoms were last asked for */
  GCancellable *segment_atoms_cancellable;
  guint64 seed;
  GSettings *settings;       /* NULL when the schema is not installed */

  GBytes *selected_atoms;    /* int indices chosen in the atom gallery */

  /* A surveyed collection (lens-window-collection.c) */
  LensCollection *collection;
  char *collection_name;
  GCancellable *surveying;   /* while a survey runs */
  GFile *folder_to_survey;   /* given before the model was open */
  GCancellable *cropping;    /* of the selected atom's top patches */
  GFile *pending_file;       /* a collection's image opening, to inspect */
  double pending_row, pending_col; /* that patch's centre, as shares of the image */

  LensWorker *worker;
  LensViewport *viewport;
  ScvaeModel *model;
  ScvaeModel *comparison_model; /* shown beside model, or NULL */
  LensInput *input;
  LensResult *result;        /* shown now */
  LensResult *preview;       /* its pictures shown instead, until the next full result */
  GCancellable *cancellable; /* of everything the window waits for; cancelled in dispose */
  GCancellable *loading;     /* of the image being opened */
  GCancellable *rendering_atoms;
  guint busy_timeout;
  guint layout_idle;         /* applies a new width class of the window */
  gboolean wide;             /* the view switcher fits in the header bar */
  gboolean narrow;           /* the side bar folds away */
  double shown_latency_ms;   /* of the result on screen, once painted; 0 before */
  guint64 painted_serial;    /* the newest full result that reached the screen */
  guint64 painted_preview_serial; /* the newest preview that did */
  char *last_toast;          /* for tests */
  FILE *latency_log;         /* $LENS_LATENCY_LOG, for tools/bench/app-latency */
};

/* lens-window.c */
/* The long side images are shown at (the working-size setting). */
int lens_window_get_working_size (LensWindow *self);
/* Submits what the window shows now to the worker. */
void lens_window_update (LensWindow *self);
LensRequest lens_window_current_request (LensWindow *self);
/* The state of a stateful boolean window action. */
gboolean lens_window_get_toggle (LensWindow *self, const char *action);

/* lens-window-results.c */
void lens_window_show_pictures (LensWindow *self);
void lens_window_update_status (LensWindow *self);
void lens_window_show_atom_usage (LensWindow *self);
void lens_window_connect_worker (LensWindow *self);

/* lens-window-open.c */
void lens_window_paste (LensWindow *self);

/* lens-window-segments.c */
/* Redraws the overlay, the legend and the selection from the segmentation. */
void lens_window_show_segments (LensWindow *self);
/* Adopts the labels of a result (or drops the segments when it has none). */
void lens_window_take_segments (LensWindow *self, LensResult *result);
/* Tells the legend whether k-means runs for what the controls ask. */
void lens_window_update_segments_status (LensWindow *self);
/* Selects the segment of patch (row, col) in the legend. */
void lens_window_select_segment_at (LensWindow *self, int row, int col, gboolean extend);
void lens_window_setup_segments (LensWindow *self);
void lens_window_dispose_segments (LensWindow *self);
/* The legend's atom pictures, once the gallery has them. */
void lens_window_show_segment_atoms (LensWindow *self);

/* lens-window-views.c */
void lens_window_setup_views (LensWindow *self);
/* After an allocation: the view switcher in the header bar if it fits,
 * the side bar folded on a narrow window, one fit scale for all views. */
void lens_window_fit_views (LensWindow *self);
/* Shows view (0 input, 1 reconstruction, 2 activations) alone, or all three (-1). */
void lens_window_show_view (LensWindow *self, int view);
/* Opens the inspector on a patch of the input view. */
void lens_window_inspect_patch (LensWindow *self, int row, int col);

/* lens-window-actions.c */
void lens_window_install_actions (GtkWidgetClass *widget_class);
void lens_window_add_actions (LensWindow *self);
/* Enables the actions that can run now (Export needs an image). */
void lens_window_update_actions (LensWindow *self);
/* Writes an export of what the window shows to file; a toast says how it went. */
void lens_window_export (LensWindow *self, LensExportKind kind, GFile *file);

/* lens-window-collection.c */
typedef enum {
  LENS_COLLECTION_SURVEY,  /* the survey's JSON */
  LENS_COLLECTION_CSV,     /* per-atom statistics */
  LENS_COLLECTION_SHEET,   /* the atoms, as PNG */
} LensCollectionExport;

void lens_window_cancel_survey (LensWindow *self);
void lens_window_open_survey (LensWindow *self, GFile *file);
void lens_window_close_collection (LensWindow *self);
/* Writes the collection's survey, statistics or atom sheet to file. */
void lens_window_save_collection (LensWindow *self, LensCollectionExport kind, GFile *file);
/* After the gallery's selection changed. */
void lens_window_show_collection_atom (LensWindow *self);
/* Opens the image of one of the collection's patches, then inspects it. */
void lens_window_open_collection_patch (LensWindow *self, int image, int row, int col);
/* After a result: inspects the patch waiting for its image. */
void lens_window_inspect_pending_patch (LensWindow *self);
void lens_window_setup_collection (LensWindow *self);
void lens_window_install_collection_actions (GtkWidgetClass *widget_class);
void lens_window_update_collection_actions (LensWindow *self);

/* lens-window-dnd.c */
void lens_window_setup_dnd (LensWindow *self);

G_END_DECLS
