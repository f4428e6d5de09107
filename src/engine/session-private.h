/* session-private.h: session controls for tests and benchmarks
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lista.h"
#include "model-private.h"

/* Forces LISTA's dense or sparse form (LISTA_FORM_AUTO by default). */
void scvae_session_set_lista_form (ScvaeSession *session, ListaForm form);

/* Decodes patch-major latents (rows x cols x C) into a channel-major image
 * of 4 rows x 4 cols pixels (3 planes, values in [-1, 1]). */
gboolean scvae_session_decode_latents (ScvaeSession *session, const float *latents, int rows,
                                       int cols, float *out, GCancellable *cancellable,
                                       GError **error);
