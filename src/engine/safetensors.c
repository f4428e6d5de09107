/* safetensors.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "safetensors.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "scvae.h"

#include "files.h"
#include "sniff.h"

/* The deepest a valid header nests: the header object, a tensor's object,
 * its shape or offsets array. */
#define MAX_HEADER_DEPTH 3

struct _SafetensorsFile {
  char *path;
  GBytes *bytes;        /* the whole file */
  const guint8 *data;   /* the data section */
  gsize data_size;
  GHashTable *metadata;
  GPtrArray *entries;   /* SafetensorsEntry, in header order */
};

static void
entry_free (gpointer data)
{
  SafetensorsEntry *entry = data;

  g_free (entry->name);
  g_free (entry->dtype);
  g_free (entry);
}

void
scvae__safetensors_close (SafetensorsFile *file)
{
  if (file == NULL)
    return;
  g_free (file->path);
  g_clear_pointer (&file->bytes, g_bytes_unref);
  g_clear_pointer (&file->metadata, g_hash_table_unref);
  g_clear_pointer (&file->entries, g_ptr_array_unref);
  g_free (file);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SafetensorsEntry, entry_free)

static int
dtype_size (const char *dtype)
{
  static const struct { const char *name; int size; } sizes[] = {
    { "F64", 8 }, { "F32", 4 }, { "F16", 2 }, { "BF16", 2 },
    { "I64", 8 }, { "I32", 4 }, { "I16", 2 }, { "I8", 1 },
    { "U64", 8 }, { "U32", 4 }, { "U16", 2 }, { "U8", 1 }, { "BOOL", 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    if (g_str_equal (dtype, sizes[i].name))
      return sizes[i].size;
  return 0;
}

static gboolean
node_get_uint (JsonNode *node, guint64 *value)
{
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (node);
  if (v < 0)
    return FALSE;
  *value = (guint64) v;
  return TRUE;
}

static gboolean
parse_metadata (SafetensorsFile *file, JsonNode *node, GError **error)
{
  JsonObject *object;
  g_autoptr(GList) members = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return scvae__invalid_file (error, file->path, _("__metadata__ is not an object"));
  object = json_node_get_object (node);
  members = json_object_get_members (object);
  for (GList *l = members; l; l = l->next)
    {
      JsonNode *value = json_object_get_member (object, l->data);

      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        return scvae__invalid_file (error, file->path, _("metadata '%s' is not a string"), (char *) l->data);
      g_hash_table_insert (file->metadata, g_strdup (l->data),
                           g_strdup (json_node_get_string (value)));
    }
  return TRUE;
}

static gboolean
parse_entry (SafetensorsFile *file, const char *name, JsonNode *node, GError **error)
{
  g_autoptr(SafetensorsEntry) entry = NULL;
  JsonObject *object;
  JsonArray *shape, *offsets;
  guint64 begin, end, bytes;
  int size;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return scvae__invalid_file (error, file->path, _("tensor '%s' is not described by an object"), name);
  object = json_node_get_object (node);

  entry = g_new0 (SafetensorsEntry, 1);
  entry->name = g_strdup (name);

  if (!json_object_has_member (object, "dtype")
      || !JSON_NODE_HOLDS_VALUE (json_object_get_member (object, "dtype"))
      || json_node_get_value_type (json_object_get_member (object, "dtype")) != G_TYPE_STRING)
    return scvae__invalid_file (error, file->path, _("tensor '%s' has no dtype"), name);
  entry->dtype = g_strdup (json_object_get_string_member (object, "dtype"));
  size = dtype_size (entry->dtype);
  if (size == 0)
    return scvae__invalid_file (error, file->path, _("tensor '%s' has unknown dtype '%s'"), name, entry->dtype);

  if (!json_object_has_member (object, "shape")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "shape")))
    return scvae__invalid_file (error, file->path, _("tensor '%s' has no shape"), name);
  shape = json_object_get_array_member (object, "shape");
  if (json_array_get_length (shape) > SAFETENSORS_MAX_DIMS)
    return scvae__invalid_file (error, file->path, _("tensor '%s' has too many dimensions"), name);
  entry->ndim = json_array_get_length (shape);
  entry->numel = 1;
  for (int i = 0; i < entry->ndim; i++)
    {
      guint64 dim;

      if (!node_get_uint (json_array_get_element (shape, i), &dim) || dim > G_MAXINT32)
        return scvae__invalid_file (error, file->path, _("tensor '%s' has an invalid shape"), name);
      entry->shape[i] = dim;
      if (!g_uint64_checked_mul (&entry->numel, entry->numel, dim))
        return scvae__invalid_file (error, file->path, _("tensor '%s' is impossibly large"), name);
    }

  if (!json_object_has_member (object, "data_offsets")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "data_offsets")))
    return scvae__invalid_file (error, file->path, _("tensor '%s' has no data_offsets"), name);
  offsets = json_object_get_array_member (object, "data_offsets");
  if (json_array_get_length (offsets) != 2
      || !node_get_uint (json_array_get_element (offsets, 0), &begin)
      || !node_get_uint (json_array_get_element (offsets, 1), &end)
      || begin > end)
    return scvae__invalid_file (error, file->path, _("tensor '%s' has invalid data_offsets"), name);
  if (end > file->data_size)
    return scvae__invalid_file (error, file->path, _("tensor '%s' lies outside the file (bytes %llu-%llu of %zu)"),
                                name, (unsigned long long) begin, (unsigned long long) end, file->data_size);
  if (!g_uint64_checked_mul (&bytes, entry->numel, size) || bytes != end - begin)
    return scvae__invalid_file (error, file->path,
                                g_dngettext (GETTEXT_PACKAGE, "tensor '%s' has %llu byte of data but its shape needs %llu",
                                             "tensor '%s' has %llu bytes of data but its shape needs %llu", end - begin),
                                name, (unsigned long long) (end - begin), (unsigned long long) (entry->numel * size));
  entry->begin = begin;
  entry->end = end;

  g_ptr_array_add (file->entries, g_steal_pointer (&entry));
  return TRUE;
}

static int
compare_begin (gconstpointer a, gconstpointer b)
{
  const SafetensorsEntry *x = *(SafetensorsEntry **) a, *y = *(SafetensorsEntry **) b;

  return x->begin < y->begin ? -1 : x->begin > y->begin;
}

static gboolean
check_overlaps (SafetensorsFile *file, GError **error)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_copy (file->entries, NULL, NULL);

  /* The copy inherits the free function; it must not free the entries. */
  g_ptr_array_set_free_func (sorted, NULL);
  g_ptr_array_sort (sorted, compare_begin);
  for (guint i = 1; i < sorted->len; i++)
    {
      const SafetensorsEntry *a = sorted->pdata[i - 1], *b = sorted->pdata[i];

      if (a->end > b->begin && a->end > a->begin && b->end > b->begin)
        return scvae__invalid_file (error, file->path, _("tensors '%s' and '%s' overlap"), a->name, b->name);
    }
  return TRUE;
}

/* json-glib parses by recursion, and a header of 80,000 '[' overflowed
 * the stack: count the nesting first (outside strings) and refuse what no
 * valid header has. */
static gboolean
nests_too_deep (const char *text, gsize length)
{
  gboolean in_string = FALSE;
  int depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if ((c == '[' || c == '{') && ++depth > MAX_HEADER_DEPTH)
        return TRUE;
      else if (c == ']' || c == '}')
        depth--;
    }
  return FALSE;
}

SafetensorsFile *
scvae__safetensors_open (const char *path, GError **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      scvae__invalid_file (error, path, _("no such file"));
      return NULL;
    }
  /* Mapping a FIFO or a device would block or misbehave: refuse early. */
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      scvae__invalid_file (error, path, "%s", g_file_test (path, G_FILE_TEST_IS_DIR) ? _("is a directory, not a model file")
                                                                                : _("is not a regular file"));
      return NULL;
    }
  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      /* GLib says "Failed to open file “PATH”: open() failed: REASON". */
      const char *reason = strrchr (local_error->message, ':');
      scvae__invalid_file (error, path, _("cannot be read: %s"), reason ? reason + 2 : local_error->message);
      return NULL;
    }
  bytes = g_mapped_file_get_bytes (mapped);
  return scvae__safetensors_open_bytes (path, bytes, error);
}

SafetensorsFile *
scvae__safetensors_open_bytes (const char *path, GBytes *contents, GError **error)
{
  g_autoptr(SafetensorsFile) file = g_new0 (SafetensorsFile, 1);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GList) members = NULL;
  const guint8 *bytes;
  gsize size;
  guint64 header_size;
  JsonObject *root;

  file->path = g_strdup (path);
  file->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  file->entries = g_ptr_array_new_with_free_func (entry_free);
  file->bytes = g_bytes_ref (contents);
  bytes = g_bytes_get_data (contents, &size);

  if (size < 8)
    {
      scvae__invalid_file (error, path,
                           g_dngettext (GETTEXT_PACKAGE, "too short to be a safetensors file (%zu byte)",
                                        "too short to be a safetensors file (%zu bytes)", size),
                           size);
      return NULL;
    }
  /* Another kind of file altogether: say what it looks like. */
  if (scvae__sniff_describe (bytes, size))
    {
      scvae__invalid_file (error, path, _("not a safetensors model: it looks like %s"),
                           scvae__sniff_describe (bytes, size));
      return NULL;
    }
  memcpy (&header_size, bytes, 8);
  header_size = GUINT64_FROM_LE (header_size);
  if (header_size > size - 8)
    {
      scvae__invalid_file (error, path, _("not a safetensors file: header length %llu exceeds the file size %zu"),
                           (unsigned long long) header_size, size);
      return NULL;
    }
  if (header_size < 2 || header_size > SAFETENSORS_MAX_HEADER)
    {
      scvae__invalid_file (error, path, _("not a safetensors file: header length %llu"),
                           (unsigned long long) header_size);
      return NULL;
    }
  file->data = bytes + 8 + header_size;
  file->data_size = size - 8 - header_size;

  if (!g_utf8_validate ((const char *) bytes + 8, header_size, NULL))
    {
      scvae__invalid_file (error, path, _("not a safetensors file: the header is not UTF-8 text"));
      return NULL;
    }
  if (nests_too_deep ((const char *) bytes + 8, header_size))
    {
      scvae__invalid_file (error, path, _("not a safetensors file: the header nests deeper than %d levels"),
                           MAX_HEADER_DEPTH);
      return NULL;
    }
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, (const char *) bytes + 8, header_size, &local_error))
    {
      scvae__invalid_file (error, path, _("not a safetensors file: bad header JSON (%s)"), local_error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      scvae__invalid_file (error, path, _("not a safetensors file: the header is not a JSON object"));
      return NULL;
    }

  root = json_node_get_object (json_parser_get_root (parser));
  members = json_object_get_members (root);
  for (GList *l = members; l; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (root, name);

      if (g_str_equal (name, "__metadata__") ? !parse_metadata (file, node, error)
                                             : !parse_entry (file, name, node, error))
        return NULL;
    }
  if (!check_overlaps (file, error))
    return NULL;

  return g_steal_pointer (&file);
}

const char *
scvae__safetensors_get_path (SafetensorsFile *file)
{
  return file->path;
}

GHashTable *
scvae__safetensors_get_metadata (SafetensorsFile *file)
{
  return file->metadata;
}

guint
scvae__safetensors_get_n_entries (SafetensorsFile *file)
{
  return file->entries->len;
}

const SafetensorsEntry *
scvae__safetensors_get_entry (SafetensorsFile *file, guint index)
{
  return g_ptr_array_index (file->entries, index);
}

const SafetensorsEntry *
scvae__safetensors_find (SafetensorsFile *file, const char *name)
{
  for (guint i = 0; i < file->entries->len; i++)
    {
      const SafetensorsEntry *entry = g_ptr_array_index (file->entries, i);
      if (g_str_equal (entry->name, name))
        return entry;
    }
  return NULL;
}

void
scvae__safetensors_read_f32 (SafetensorsFile *file, const SafetensorsEntry *entry, float *out)
{
  g_return_if_fail (g_str_equal (entry->dtype, "F32"));

  /* memcpy: the data need not be 4-byte aligned in the file. */
  memcpy (out, file->data + entry->begin, entry->end - entry->begin);
#if G_BYTE_ORDER == G_BIG_ENDIAN
  for (guint64 i = 0; i < entry->numel; i++)
    {
      guint32 v;
      memcpy (&v, out + i, 4);
      v = GUINT32_SWAP_LE_BE (v);
      memcpy (out + i, &v, 4);
    }
#endif
}

static char *
build_header (GHashTable *metadata, const SafetensorsTensor *tensors, guint n, gsize *length)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  gsize offset = 0;

  json_builder_begin_object (builder);
  if (metadata != NULL && g_hash_table_size (metadata) > 0)
    {
      g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (metadata), (GCompareFunc) strcmp);

      json_builder_set_member_name (builder, "__metadata__");
      json_builder_begin_object (builder);
      for (GList *l = keys; l; l = l->next)
        {
          json_builder_set_member_name (builder, l->data);
          json_builder_add_string_value (builder, g_hash_table_lookup (metadata, l->data));
        }
      json_builder_end_object (builder);
    }
  for (guint i = 0; i < n; i++)
    {
      gsize numel = 1;

      json_builder_set_member_name (builder, tensors[i].name);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "dtype");
      json_builder_add_string_value (builder, "F32");
      json_builder_set_member_name (builder, "shape");
      json_builder_begin_array (builder);
      for (int d = 0; d < tensors[i].ndim; d++)
        {
          json_builder_add_int_value (builder, tensors[i].shape[d]);
          numel *= tensors[i].shape[d];
        }
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "data_offsets");
      json_builder_begin_array (builder);
      json_builder_add_int_value (builder, offset);
      json_builder_add_int_value (builder, offset + numel * 4);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      offset += numel * 4;
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, length);
}

gboolean
scvae__safetensors_write (const char *path,
                          GHashTable *metadata,
                          const SafetensorsTensor *tensors,
                          guint n_tensors,
                          GError **error)
{
  g_autofree char *header = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize header_length, padded;
  guint64 le_length;

  header = build_header (metadata, tensors, n_tensors, &header_length);
  /* Pad with spaces so the data section starts 8-byte aligned. */
  padded = (header_length + 7) & ~(gsize) 7;
  le_length = GUINT64_TO_LE ((guint64) padded);
  g_byte_array_append (out, (const guint8 *) &le_length, 8);
  g_byte_array_append (out, (const guint8 *) header, header_length);
  for (gsize i = header_length; i < padded; i++)
    g_byte_array_append (out, (const guint8 *) " ", 1);

  for (guint i = 0; i < n_tensors; i++)
    {
      gsize numel = 1;

      for (int d = 0; d < tensors[i].ndim; d++)
        numel *= tensors[i].shape[d];
#if G_BYTE_ORDER == G_BIG_ENDIAN
      for (gsize j = 0; j < numel; j++)
        {
          guint32 v;
          memcpy (&v, tensors[i].data + j, 4);
          v = GUINT32_SWAP_LE_BE (v);
          g_byte_array_append (out, (const guint8 *) &v, 4);
        }
#else
      g_byte_array_append (out, (const guint8 *) tensors[i].data, numel * 4);
#endif
    }

  return scvae_write_file (path, out->data, out->len, error);
}
