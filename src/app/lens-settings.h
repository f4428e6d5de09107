/* lens-settings.h: the app's GSettings, shared helpers
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "lens-heatmap.h"

G_BEGIN_DECLS

/* Values of the "heatmap-colormap" key (the nicks are the key's values). */

/* The schema is io.github.sparselens.SparseLens (LENS_APPLICATION_ID). */
/* NULL when the schema is not installed (an uninstalled run). */
GSettings *lens_settings_new                 (void);

/* Keeps AdwStyleManager's colour scheme in step with "color-scheme". */
void       lens_settings_follow_color_scheme (GSettings    *settings);

/* Sets the window's size and maximized state from the settings, and saves
 * them again when the window is closed. */
void       lens_settings_track_window         (GSettings    *settings,
                                              GtkWindow    *window);

/* Binds an int key to a GtkAdjustment's (double) "value", both ways. */
void       lens_settings_bind_int_adjustment  (GSettings     *settings,
                                              const char    *key,
                                              GtkAdjustment *adjustment);

/* The "depth" key: -1 means the depth the model was trained with. */
int        lens_settings_get_depth            (GSettings    *settings,
                                              int           trained_depth);
void       lens_settings_set_depth            (GSettings    *settings,
                                              int           depth,
                                              int           trained_depth);

G_END_DECLS
