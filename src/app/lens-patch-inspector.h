/* lens-patch-inspector.h: what one patch is made of
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "lens-atom-gallery.h"
#include "lens-result.h"

G_BEGIN_DECLS

#define LENS_TYPE_PATCH_INSPECTOR (lens_patch_inspector_get_type ())
G_DECLARE_FINAL_TYPE (LensPatchInspector, lens_patch_inspector, LENS, PATCH_INSPECTOR, GtkPopover)

GtkWidget *lens_patch_inspector_new (void);
/* Thumbnails come from the gallery. */
void lens_patch_inspector_set_inspection (LensPatchInspector *self, const LensInspection *inspection,
                                          LensAtomGallery *gallery);
int lens_patch_inspector_get_top_m (LensPatchInspector *self);

G_END_DECLS
