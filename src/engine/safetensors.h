/* safetensors.h: reading and writing safetensors files
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The format: an 8-byte little-endian header length N, N bytes of JSON
 * mapping tensor names to {dtype, shape, data_offsets} (plus an optional
 * "__metadata__" map of strings), then the raw little-endian tensor bytes.
 * Files come from anywhere, so the reader trusts nothing: every length,
 * offset and shape is checked before any byte of data is touched.
 */

#pragma once

#include <glib.h>

#define SAFETENSORS_MAX_DIMS 8
/* A header larger than this is refused rather than parsed: the limit of
 * the safetensors library itself (MAX_HEADER_SIZE). */
#define SAFETENSORS_MAX_HEADER 100000000

typedef struct {
  char *name;
  char *dtype;
  int ndim;
  gint64 shape[SAFETENSORS_MAX_DIMS];
  guint64 numel;
  gsize begin; /* byte range within the data section */
  gsize end;
} SafetensorsEntry;

typedef struct _SafetensorsFile SafetensorsFile;

/* Errors are SCVAE_ERROR_INVALID_INPUT with "PATH: reason". */
SafetensorsFile *scvae__safetensors_open (const char *path, GError **error);
/* The same, on a file's contents already in memory; path names it in
 * messages. */
SafetensorsFile *scvae__safetensors_open_bytes (const char *path, GBytes *contents, GError **error);
void scvae__safetensors_close (SafetensorsFile *file);
const char *scvae__safetensors_get_path (SafetensorsFile *file);
/* Metadata: string keys and values, owned by the file. */
GHashTable *scvae__safetensors_get_metadata (SafetensorsFile *file);
guint scvae__safetensors_get_n_entries (SafetensorsFile *file);
const SafetensorsEntry *scvae__safetensors_get_entry (SafetensorsFile *file, guint index);
const SafetensorsEntry *scvae__safetensors_find (SafetensorsFile *file, const char *name);
/* Copies an F32 entry's numel floats into out, in host byte order. */
void scvae__safetensors_read_f32 (SafetensorsFile *file, const SafetensorsEntry *entry, float *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SafetensorsFile, scvae__safetensors_close)

typedef struct {
  const char *name;
  int ndim;
  gint64 shape[SAFETENSORS_MAX_DIMS];
  const float *data;
} SafetensorsTensor;

/* Writes F32 tensors in the order given, atomically (temporary file, fsync,
 * rename): the destination is either the old file or the complete new one. */
gboolean scvae__safetensors_write (const char *path,
                                   GHashTable *metadata,
                                   const SafetensorsTensor *tensors,
                                   guint n_tensors,
                                   GError **error);
