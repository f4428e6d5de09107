/* lens-window.h: the Sparse Lens main window
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "lens-worker.h"

G_BEGIN_DECLS

#define LENS_TYPE_WINDOW (lens_window_get_type ())
G_DECLARE_FINAL_TYPE (LensWindow, lens_window, LENS, WINDOW, AdwApplicationWindow)

LensWindow *lens_window_new (AdwApplication *application);
void lens_window_open_file (LensWindow *self, GFile *file);
/* Surveys the images in folder (see the Collection page), once a model
 * is open. */
void lens_window_survey_folder (LensWindow *self, GFile *folder);
void lens_window_open_model (LensWindow *self, GFile *file);
/* Adopts an already loaded model (the application's default). */
void lens_window_set_model (LensWindow *self, ScvaeModel *model);
/* Opens a second model beside the window's (see LensComparison) and shows
 * both side by side; set_comparison with NULL closes it. */
void lens_window_open_comparison (LensWindow *self, GFile *file);
void lens_window_set_comparison (LensWindow *self, ScvaeModel *model);
ScvaeModel *lens_window_get_comparison (LensWindow *self);
void lens_window_open_input (LensWindow *self, LensInput *input);
void lens_window_toast (LensWindow *self, const char *message);
/* The same, with a button that shows the file in the file manager. */
void lens_window_toast_file (LensWindow *self, const char *message, GFile *file);
/* Cancelled when the window goes: for work whose end the window waits for.
 * Callbacks check lens_window_is_closed () first: a GTask that failed
 * reports its own error even when its cancellable was cancelled. */
GCancellable *lens_window_get_cancellable (LensWindow *self);
/* The model shown, or NULL before the first has loaded. */
ScvaeModel *lens_window_get_model (LensWindow *self);
gboolean lens_window_is_closed (LensWindow *self);

/* For tests and benchmarks. */
LensWorker *lens_window_get_worker (LensWindow *self);
LensResult *lens_window_get_result (LensWindow *self);
const char *lens_window_get_last_toast (LensWindow *self);

G_END_DECLS
