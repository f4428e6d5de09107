/* dataset.c: training photos, kept at several scales, cut into crops
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Wallpapers are 1280-5312 px wide; at native size a 64 px crop sees mostly
 * smooth, out-of-focus pixels. Each photo is therefore also kept downscaled
 * to 1024, 768 and 512 px on the long side, and every crop first picks a
 * photo, then one of its scales, then a position, then maybe a mirror flip.
 */

#include "config.h"

#include "dataset-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "rng.h"

static const int extra_scales[] = { 1024, 768, 512 };

typedef struct {
  char *path;
  GPtrArray *scales;  /* GdkPixbuf, RGB 8-bit, largest first */
} Photo;

struct _ScvaeDataset {
  GPtrArray *photos;  /* Photo */
  int crop;
  GPtrArray *skipped; /* "PATH: reason", NULL-terminated */
};

static void
photo_free (gpointer data)
{
  Photo *photo = data;

  g_free (photo->path);
  g_ptr_array_unref (photo->scales);
  g_free (photo);
}

static gboolean
is_image_name (const char *name)
{
  static const char *suffixes[] = { ".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp",
                                    ".gif", ".ppm", ".pgm", ".pnm", ".avif", ".jxl" };
  g_autofree char *lower = g_ascii_strdown (name, -1);

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    if (g_str_has_suffix (lower, suffixes[i]))
      return TRUE;
  return FALSE;
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean collect (const char *path, GPtrArray *out, GPtrArray *skipped, GError **error);

static gboolean
collect_list (const char *list, GPtrArray *out, GPtrArray *skipped, GError **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *folder = g_path_get_dirname (list);
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (list, &contents, NULL, error))
    return FALSE;
  if (!g_utf8_validate (contents, -1, NULL))
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   _("%s: neither an image nor a text list of images"), list);
      return FALSE;
    }
  lines = g_strsplit (contents, "\n", -1);
  for (int i = 0; lines[i]; i++)
    {
      g_autofree char *entry = NULL;
      char *line = g_strstrip (lines[i]);

      if (*line == '\0' || *line == '#')
        continue;
      entry = g_path_is_absolute (line) ? g_strdup (line) : g_build_filename (folder, line, NULL);
      if (!collect (entry, out, skipped, error))
        return FALSE;
    }
  return TRUE;
}

/* Directories are searched recursively for image files, in sorted order so
 * that runs are reproducible. Other files found there are added to
 * skipped, when given. */
static gboolean
collect (const char *path, GPtrArray *out, GPtrArray *skipped, GError **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT, _("%s: no such file or directory"), path);
      return FALSE;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      if (is_image_name (path) || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          g_ptr_array_add (out, g_strdup (path));
          return TRUE;
        }
      return collect_list (path, out, skipped, error);
    }

  dir = g_dir_open (path, 0, error);
  if (dir == NULL)
    return FALSE;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)))
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_paths);
  for (guint i = 0; i < names->len; i++)
    {
      const char *child = names->pdata[i];

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          if (!collect (child, out, skipped, error))
            return FALSE;
        }
      else if (is_image_name (child))
        {
          g_ptr_array_add (out, g_strdup (child));
        }
      else if (skipped)
        {
          g_ptr_array_add (skipped, g_strdup_printf (_("%s: not named like an image file"), child));
        }
    }
  return TRUE;
}

char **
scvae_list_images (const char * const *paths, GError **error)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; paths[i]; i++)
    if (!collect (paths[i], files, NULL, error))
      return NULL;
  if (files->len == 0)
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   _("%s: no images found"), paths[0] ? paths[0] : _("(no paths)"));
      return NULL;
    }
  g_ptr_array_add (files, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&files), FALSE);
}

static Photo *
load_photo (const char *path, int max_side, int crop, GError **error)
{
  g_autoptr(ScvaeImage) image = scvae_image_load (path, max_side, NULL, error);
  g_autoptr(GdkPixbuf) largest = NULL;
  Photo *photo;
  int width, height, long_side;

  if (image == NULL)
    return NULL;
  if (MIN (image->width, image->height) < crop)
    {
      g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                   _("%s: %dx%d is smaller than the %d px training crop"), path, image->width,
                   image->height, crop);
      return NULL;
    }

  photo = g_new0 (Photo, 1);
  photo->path = g_strdup (path);
  photo->scales = g_ptr_array_new_with_free_func (g_object_unref);
  largest = scvae_image_to_pixbuf (image);
  g_ptr_array_add (photo->scales, g_object_ref (largest));

  width = gdk_pixbuf_get_width (largest);
  height = gdk_pixbuf_get_height (largest);
  long_side = MAX (width, height);
  for (guint i = 0; crop > 0 && i < G_N_ELEMENTS (extra_scales); i++)
    {
      double f = (double) extra_scales[i] / long_side;
      int w = (int) (width * f + 0.5), h = (int) (height * f + 0.5);

      if (f >= 0.9 || MIN (w, h) < crop)
        continue;
      g_ptr_array_add (photo->scales, gdk_pixbuf_scale_simple (largest, w, h, GDK_INTERP_HYPER));
    }
  return photo;
}

/* One rule for every file a folder or list holds: a file that is not a
 * usable image (not named like one, not decodable, smaller than the crop)
 * is skipped and reported, and only a dataset left without any image is an
 * error. */
ScvaeDataset *
scvae_dataset_new (const char * const *paths, int max_side, int crop, GError **error)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(ScvaeDataset) dataset = g_new0 (ScvaeDataset, 1);

  dataset->crop = crop;
  dataset->photos = g_ptr_array_new_with_free_func (photo_free);
  dataset->skipped = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; paths[i]; i++)
    if (!collect (paths[i], files, dataset->skipped, error))
      return NULL;
  for (guint i = 0; i < files->len; i++)
    {
      g_autoptr(GError) local_error = NULL;
      Photo *photo = load_photo (files->pdata[i], max_side, crop, &local_error);

      if (photo == NULL && !g_error_matches (local_error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (photo == NULL)
        g_ptr_array_add (dataset->skipped, g_strdup (local_error->message));
      else
        g_ptr_array_add (dataset->photos, photo);
    }
  if (dataset->photos->len == 0)
    {
      if (dataset->skipped->len > 0)
        g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT,
                     g_dngettext (GETTEXT_PACKAGE, "%s: no usable images: %u file skipped (%s)",
                                  "%s: no usable images: %u files skipped (the first: %s)", dataset->skipped->len),
                     paths[0], dataset->skipped->len, (char *) dataset->skipped->pdata[0]);
      else
        g_set_error (error, SCVAE_ERROR, SCVAE_ERROR_INVALID_INPUT, _("%s: no images found"),
                     paths[0] ? paths[0] : _("(no paths)"));
      return NULL;
    }
  g_ptr_array_add (dataset->skipped, NULL);
  return g_steal_pointer (&dataset);
}

const char * const *
scvae_dataset_get_skipped (ScvaeDataset *dataset)
{
  return (const char * const *) dataset->skipped->pdata;
}

void
scvae_dataset_free (ScvaeDataset *dataset)
{
  if (dataset == NULL)
    return;
  g_clear_pointer (&dataset->photos, g_ptr_array_unref);
  g_clear_pointer (&dataset->skipped, g_ptr_array_unref);
  g_free (dataset);
}

int
scvae_dataset_get_n_images (ScvaeDataset *dataset)
{
  return dataset->photos->len;
}

ScvaeImage *
scvae_dataset_load_image (ScvaeDataset *dataset, int index)
{
  Photo *photo = dataset->photos->pdata[index];

  return scvae_image_new_from_pixbuf (photo->scales->pdata[0]);
}

const char *
scvae_dataset_get_path (ScvaeDataset *dataset, int index)
{
  return ((Photo *) dataset->photos->pdata[index])->path;
}

int
scvae__dataset_get_crop (ScvaeDataset *dataset)
{
  return dataset->crop;
}

void
scvae__dataset_fill_batch (ScvaeDataset *dataset, guint64 seed, gint64 index, int batch, float *out)
{
  int crop = dataset->crop;
  gsize plane = (gsize) crop * crop;
  Rng rng;

  /* Batch i depends only on (seed, i): reproducible, and resumable. */
  scvae__rng_seed (&rng, seed ^ (0x9e3779b97f4a7c15ULL * (guint64) (index + 1)));
  for (int b = 0; b < batch; b++)
    {
      Photo *photo = dataset->photos->pdata[scvae__rng_below (&rng, dataset->photos->len)];
      GdkPixbuf *pixbuf = photo->scales->pdata[scvae__rng_below (&rng, photo->scales->len)];
      int w = gdk_pixbuf_get_width (pixbuf), h = gdk_pixbuf_get_height (pixbuf);
      int x0 = scvae__rng_below (&rng, w - crop + 1), y0 = scvae__rng_below (&rng, h - crop + 1);
      gboolean flip = scvae__rng_below (&rng, 2);
      int stride = gdk_pixbuf_get_rowstride (pixbuf);
      const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);

      /* Channel-major batch: [3][batch][crop][crop] */
      for (int y = 0; y < crop; y++)
        {
          const guint8 *row = pixels + (gsize) (y0 + y) * stride + (gsize) x0 * 3;

          for (int x = 0; x < crop; x++)
            {
              int sx = flip ? crop - 1 - x : x;

              for (int c = 0; c < 3; c++)
                out[((gsize) c * batch + b) * plane + (gsize) y * crop + x] =
                  row[sx * 3 + c] / 127.5f - 1.f;
            }
        }
    }
}
