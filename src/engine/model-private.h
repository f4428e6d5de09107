/* model-private.h: what the engine's own files see of a model
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "f4-params.h"
#include "scvae.h"

struct _ScvaeModel {
  F4Layout *layout;
  float *parameters;  /* layout->n_parameters */
  float *running;     /* layout->n_running */
  F4Tensors tensors;
  float *identity;    /* a Gaussian model's dictionary (C x C), else NULL */
  GHashTable *metadata;
  char *path;         /* where it was loaded from or last saved, or NULL */
};

/* scvae_model_load on a file's contents in memory (name is for messages). */
ScvaeModel *scvae__model_load_bytes (const char *name, GBytes *contents, GError **error);

/* An uninitialised model of this configuration (parameters zeroed). */
ScvaeModel *scvae__model_alloc (const ScvaeConfig *config);

gboolean scvae__parse_float (const char *text, float *value);
gboolean scvae__parse_int (const char *text, gint64 min, gint64 max, gint64 *value);

/* Model tensors as safetensors descriptors in state_dict order; the
 * names are owned by the model. */
GArray *scvae__model_describe_tensors (ScvaeModel *model);
/* The metadata a file of this model carries: the stored keys plus the
 * configuration. */
GHashTable *scvae__model_file_metadata (ScvaeModel *model);
/* Fills the model's tensors from an opened file, validating each one.
 * Tensors that are not the model's are refused unless allow_extra. */
gboolean scvae__model_read_tensors (ScvaeModel *model,
                                    gpointer safetensors_file,
                                    gboolean allow_extra,
                                    GError **error);

/* Refuses weights beyond what any usable model holds, and a LISTA step c
 * far from ||D||_2^2 (model-check.c); SCVAE_ERROR_INVALID_INPUT naming
 * path. */
gboolean scvae__model_check_values (ScvaeModel *model, const char *path, GError **error);
/* Before a write: every value finite, else SCVAE_ERROR_FAILED naming path
 * and the tensor. */
gboolean scvae__model_check_finite (ScvaeModel *model, const char *path, GError **error);
