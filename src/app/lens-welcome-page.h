/* lens-welcome-page.h: what the window shows before an image is open
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An Open button, the sample photos and the images opened recently;
 * choosing a photo emits "open-file".
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LENS_TYPE_WELCOME_PAGE (lens_welcome_page_get_type ())
G_DECLARE_FINAL_TYPE (LensWelcomePage, lens_welcome_page, LENS, WELCOME_PAGE, AdwBin)

G_END_DECLS
