/* lens-stage-cache.h: an engine session and the stages it holds
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A session keeps what its last encode, sparse coding and decode made. A
 * stage cache remembers which image that was and at which depth and
 * sparsity, so bringing it to a request runs only the stages the request
 * changes: a new slider value reruns LISTA and the decoder, never the
 * encoder. Owned by one thread (the engine's) at a time.
 */

#pragma once

#include "lens-result.h"

G_BEGIN_DECLS

typedef struct _LensStageCache LensStageCache;

LensStageCache *lens_stage_cache_new (void);
void lens_stage_cache_free (LensStageCache *self);

/* Runs what the request's codes of image (its input at working size, or a
 * copy of it) and their reconstruction still need; *new_codes tells
 * whether LISTA ran (a new intervention alone decodes again). */
gboolean lens_stage_cache_bring (LensStageCache *self, const LensRequest *request, const ScvaeImage *image,
                                 GCancellable *cancellable, gboolean *new_codes, GError **error);
/* Has the request's input encoded, whatever its codes. */
gboolean lens_stage_cache_has_input (LensStageCache *self, const LensRequest *request);
/* Holds the request's codes (LISTA's, whatever the intervention). */
gboolean lens_stage_cache_has_codes (LensStageCache *self, const LensRequest *request);
/* And their reconstruction, decoded with the request's intervention. */
gboolean lens_stage_cache_has_reconstruction (LensStageCache *self, const LensRequest *request);
/* The session, for reading its stages' results; NULL before the first bring. */
ScvaeSession *lens_stage_cache_get_session (LensStageCache *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LensStageCache, lens_stage_cache_free)

G_END_DECLS
