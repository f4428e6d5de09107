/* session-private.h: session controls for tests and benchmarks
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lista.h"
#include "model-private.h"

/* Forces LISTA's dense or sparse form (LISTA_FORM_AUTO by default). */
void scvae__session_set_lista_form (ScvaeSession *session, ListaForm form);
