/* lens-collection.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The file is checked as it is read, member by member: a survey written
 * by another program or edited by hand gets an error naming what is wrong,
 * never a crash or a half-filled collection.
 */

#include "config.h"

#include "lens-collection.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

static gboolean
fail (GError **error, const char *what)
{
  /* Translators: what is missing or wrong in a survey file */
  g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT, _("not a survey: %s"), what);
  return FALSE;
}

static gboolean
get_number (JsonObject *object, const char *name, double *value)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || json_node_get_value_type (node) == G_TYPE_STRING || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  *value = json_node_get_double (node);
  return TRUE;
}

static gboolean
get_int (JsonObject *object, const char *name, gint64 lower, gint64 upper, gint64 *value)
{
  double number;

  if (!get_number (object, name, &number) || number != (gint64) number || number < lower || number > upper)
    return FALSE;
  *value = (gint64) number;
  return TRUE;
}

static JsonArray *
get_array (JsonObject *object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static JsonObject *
element_object (JsonArray *array, guint i)
{
  JsonNode *node = json_array_get_element (array, i);

  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static gboolean
read_images (LensCollection *collection, JsonObject *root, GError **error)
{
  JsonArray *images = get_array (root, "images");

  if (images == NULL || json_array_get_length (images) == 0)
    return fail (error, _("no images"));
  for (guint i = 0; i < json_array_get_length (images); i++)
    {
      JsonObject *object = element_object (images, i);
      const char *path = object ? json_object_get_string_member_with_default (object, "path", NULL) : NULL;
      gint64 width, height, rows, cols;
      ScvaeSurveyImage *image;

      if (path == NULL || !get_int (object, "width", 1, G_MAXINT, &width)
          || !get_int (object, "height", 1, G_MAXINT, &height) || !get_int (object, "rows", 1, G_MAXINT, &rows)
          || !get_int (object, "cols", 1, G_MAXINT, &cols))
        return fail (error, _("an image without its path and size"));
      image = g_new (ScvaeSurveyImage, 1);
      *image = (ScvaeSurveyImage) { g_strdup (path), width, height, rows, cols };
      g_ptr_array_add (collection->images, image);
    }
  return TRUE;
}

static gboolean
read_neighbours (JsonObject *atom, const char *name, const char *value_name, int n_atoms,
                 LensAtomNeighbour *neighbours, int *n)
{
  JsonArray *array = get_array (atom, name);

  *n = 0;
  if (array == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (array) && i < SCVAE_SURVEY_NEIGHBOURS; i++)
    {
      JsonObject *object = element_object (array, i);
      gint64 index;

      if (!get_int (object, "index", 0, n_atoms - 1, &index)
          || !get_number (object, value_name, &neighbours[*n].value))
        return FALSE;
      neighbours[(*n)++].index = (int) index;
    }
  return TRUE;
}

static gboolean
read_atom (LensCollection *collection, JsonObject *object, int k, GError **error)
{
  LensCollectionAtom *atom = &collection->atoms[k];
  JsonObject *histogram = NULL;
  JsonArray *edges, *counts, *top;
  JsonNode *node;
  gint64 index;

  if (!get_int (object, "index", k, k, &index))
    return fail (error, _("the atoms are not in order"));
  if (!get_number (object, "frequency", &atom->frequency) || !get_number (object, "mean_abs", &atom->mean_abs)
      || !get_number (object, "max_abs", &atom->max_abs))
    return fail (error, _("an atom without its frequency and strength"));
  node = json_object_get_member (object, "histogram");
  if (node && JSON_NODE_HOLDS_OBJECT (node))
    histogram = json_node_get_object (node);
  edges = get_array (histogram, "edges");
  counts = get_array (histogram, "counts");
  if (edges == NULL || counts == NULL || json_array_get_length (edges) != SCVAE_SURVEY_BINS + 1
      || json_array_get_length (counts) != SCVAE_SURVEY_BINS)
    return fail (error, _("an atom without its histogram"));
  for (int i = 0; i <= SCVAE_SURVEY_BINS; i++)
    atom->edges[i] = json_array_get_double_element (edges, i);
  for (int i = 0; i < SCVAE_SURVEY_BINS; i++)
    atom->counts[i] = (guint64) MAX (json_array_get_int_element (counts, i), 0);

  top = get_array (object, "top");
  if (top == NULL)
    return fail (error, _("an atom without its strongest patches"));
  atom->top = g_new (LensCollectionPatch, MAX (json_array_get_length (top), 1));
  for (guint i = 0; i < json_array_get_length (top); i++)
    {
      JsonObject *patch = element_object (top, i);
      gint64 image, row, col;
      const ScvaeSurveyImage *in;

      if (!get_int (patch, "image", 0, collection->images->len - 1, &image))
        return fail (error, _("a patch of an image not listed"));
      in = collection->images->pdata[image];
      if (!get_int (patch, "row", 0, in->rows - 1, &row) || !get_int (patch, "col", 0, in->cols - 1, &col)
          || !get_number (patch, "value", &atom->top[i].value))
        return fail (error, _("a patch outside its image"));
      atom->top[i].image = (int) image;
      atom->top[i].row = (int) row;
      atom->top[i].col = (int) col;
      atom->n_top++;
    }
  if (!read_neighbours (object, "nearest", "cos", collection->n_atoms, atom->nearest, &atom->n_nearest)
      || !read_neighbours (object, "cooccurs", "lift", collection->n_atoms, atom->cooccurs, &atom->n_cooccurs))
    return fail (error, _("an atom without its nearest atoms and the atoms it fires with"));
  return TRUE;
}

LensCollection *
lens_collection_new (const char *text, gsize length, GError **error)
{
  g_autoptr(LensCollection) collection = g_new0 (LensCollection, 1);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) skipped = g_ptr_array_new ();
  g_autoptr(GError) parse_error = NULL;
  JsonObject *root;
  JsonArray *atoms, *skipped_array;
  gint64 patches, max_size, depth;
  JsonNode *model;

  collection->images = g_ptr_array_new_with_free_func ((GDestroyNotify) scvae_survey_image_free);
  if (!json_parser_load_from_data (parser, text, (gssize) length, &parse_error))
    {
      fail (error, parse_error->message);
      return NULL;
    }
  root = JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ? json_node_get_object (json_parser_get_root (parser))
                                                                  : NULL;
  if (root == NULL)
    {
      fail (error, _("not a JSON object"));
      return NULL;
    }
  if (!read_images (collection, root, error))
    return NULL;
  if (!get_int (root, "patches", 1, G_MAXINT64, &patches) || !get_int (root, "max_size", 0, G_MAXINT, &max_size)
      || !get_int (root, "depth", 0, SCVAE_MAX_DEPTH, &depth) || !get_number (root, "sparsity", &collection->sparsity))
    {
      fail (error, _("no patch count, working size, depth or sparsity"));
      return NULL;
    }
  collection->patches = (guint64) patches;
  collection->max_size = (int) max_size;
  collection->depth = (int) depth;
  model = json_object_get_member (root, "model");
  if (model && json_node_get_value_type (model) == G_TYPE_STRING)
    collection->model = g_strdup (json_node_get_string (model));
  skipped_array = get_array (root, "skipped");
  for (guint i = 0; skipped_array && i < json_array_get_length (skipped_array); i++)
    {
      const char *message = json_array_get_string_element (skipped_array, i);

      if (message)
        g_ptr_array_add (skipped, g_strdup (message));
    }
  g_ptr_array_add (skipped, NULL);
  collection->skipped = (char **) g_ptr_array_free (g_steal_pointer (&skipped), FALSE);

  atoms = get_array (root, "atoms");
  if (atoms == NULL || json_array_get_length (atoms) == 0)
    {
      fail (error, _("no atoms"));
      return NULL;
    }
  collection->n_atoms = (int) json_array_get_length (atoms);
  collection->atoms = g_new0 (LensCollectionAtom, collection->n_atoms);
  for (int k = 0; k < collection->n_atoms; k++)
    if (!read_atom (collection, element_object (atoms, k), k, error))
      return NULL;
  collection->text = g_strndup (text, length);
  return g_steal_pointer (&collection);
}

void
lens_collection_free (LensCollection *collection)
{
  if (collection == NULL)
    return;
  for (int k = 0; k < collection->n_atoms; k++)
    g_free (collection->atoms[k].top);
  g_free (collection->atoms);
  g_clear_pointer (&collection->images, g_ptr_array_unref);
  g_strfreev (collection->skipped);
  g_free (collection->model);
  g_free (collection->text);
  g_free (collection);
}

gboolean
lens_collection_atom_is_dead (const LensCollection *collection, int atom)
{
  return collection->atoms[atom].frequency == 0.0;
}

gboolean
lens_collection_atom_is_dense (const LensCollection *collection, int atom)
{
  return collection->atoms[atom].frequency > SCVAE_DENSE_ATOM_SHARE;
}

char *
lens_collection_to_csv (const LensCollection *collection)
{
  GString *csv = g_string_new ("index,frequency,mean_abs,max_abs,dead,dense,nearest,cos,cooccurs,lift\n");

  for (int k = 0; k < collection->n_atoms; k++)
    {
      const LensCollectionAtom *atom = &collection->atoms[k];
      char numbers[4][G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (numbers[0], sizeof numbers[0], "%.6g", atom->frequency);
      g_ascii_formatd (numbers[1], sizeof numbers[1], "%.6g", atom->mean_abs);
      g_ascii_formatd (numbers[2], sizeof numbers[2], "%.6g", atom->max_abs);
      g_string_append_printf (csv, "%d,%s,%s,%s,%d,%d,", k, numbers[0], numbers[1], numbers[2],
                              lens_collection_atom_is_dead (collection, k),
                              lens_collection_atom_is_dense (collection, k));
      /* The first nearest atom and the first it fires with */
      if (atom->n_nearest > 0)
        g_string_append_printf (csv, "%d,%s,", atom->nearest[0].index,
                                g_ascii_formatd (numbers[3], sizeof numbers[3], "%.4f", atom->nearest[0].value));
      else
        g_string_append (csv, ",,");
      if (atom->n_cooccurs > 0)
        g_string_append_printf (csv, "%d,%s\n", atom->cooccurs[0].index,
                                g_ascii_formatd (numbers[3], sizeof numbers[3], "%.4f", atom->cooccurs[0].value));
      else
        g_string_append (csv, ",\n");
    }
  return g_string_free (csv, FALSE);
}
