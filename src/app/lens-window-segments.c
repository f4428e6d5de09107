/* lens-window-segments.c: the segments over the views, selecting and splitting them
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Edits (merge, hide, rename, recolour, undo) change the segmentation
 * only: the overlay and the legend are redrawn from it, and nothing goes
 * to the engine. A split sends the segment's patches to the engine thread
 * for a 2-means on the features the segments were made from, which the
 * worker keeps. New labels come with a result: those of a new image,
 * model, k, seed or feature choice start a fresh set of segments; those of
 * new codes for the same clustering (a slider move) keep the edits.
 */

#include "config.h"

#include "lens-window-private.h"

#include <glib/gi18n.h>

static LensImageView *
window_views (LensWindow *self, int i)
{
  LensImageView *views[] = { self->input_view, self->reconstruction_view, self->activation_view };

  return views[i];
}

/* The outlines of the segments selected in the legend, in every view. */
static void
show_selection (LensWindow *self)
{
  gboolean selected[SCVAE_MAX_CLUSTERS];
  int n = lens_segment_legend_get_selection (self->segment_legend, selected);

  for (int i = 0; i < 3; i++)
    lens_image_view_set_highlight (window_views (self, i), n ? selected : NULL, SCVAE_MAX_CLUSTERS);
}

/* Whether the controls ask for other segments than those shown: k-means
 * is running, or about to. */
static gboolean
segments_pending (LensWindow *self)
{
  LensRequest request;

  if (!lens_window_get_toggle (self, "show-segments") || self->input == NULL || self->model == NULL)
    return FALSE;
  request = lens_window_current_request (self);
  return lens_segmentation_get_labels (self->segmentation, NULL, NULL) == NULL || self->splitting
         || !lens_request_same_segments (&self->segmented, &request);
}

/* FNV-1a of the labels: whether the segments' atoms need asking again. */
static guint32
hash_labels (const guint8 *labels, gsize n, int n_segments)
{
  guint32 hash = 2166136261u ^ (guint32) n_segments;

  for (gsize p = 0; p < n; p++)
    hash = (hash ^ labels[p]) * 16777619u;
  return hash;
}

void
lens_window_show_segment_atoms (LensWindow *self)
{
  gboolean current = self->segment_atoms && self->segment_atoms_hash == self->asked_atoms_hash
                     && self->segment_atoms->n_segments == lens_segmentation_get_n_segments (self->segmentation);

  lens_segment_legend_set_atoms (self->segment_legend, current ? self->segment_atoms->atoms : NULL,
                                 current ? self->segment_atoms->n_segments : 0, self->gallery);
}

typedef struct {
  LensWindow *window;
  guint32 hash;            /* of the labels asked about */
} AtomsAsked;

static void
on_segment_atoms (GObject *source, GAsyncResult *result, gpointer data)
{
  AtomsAsked *asked = data;
  g_autoptr(LensWindow) self = asked->window;
  LensSegmentAtoms *atoms = lens_worker_segment_atoms_finish (LENS_WORKER (source), result, NULL);
  guint32 hash = asked->hash;

  g_free (asked);
  /* Failed (say, the labels are of codes no longer at hand): no atoms. */
  if (lens_window_is_closed (self) || atoms == NULL)
    {
      g_free (atoms);
      return;
    }
  g_free (self->segment_atoms);
  self->segment_atoms = atoms;
  self->segment_atoms_hash = hash;
  lens_window_show_segment_atoms (self);
}

/* Asks the engine thread for the segments' typical atoms when the labels
 * changed (a merge, a split, new labels; not a rename or a new colour). */
static void
ask_segment_atoms (LensWindow *self, const guint8 *labels, int rows, int cols, int n)
{
  guint32 hash = hash_labels (labels, (gsize) rows * cols, n);
  AtomsAsked *asked;

  if (hash == self->asked_atoms_hash)
    return;
  self->asked_atoms_hash = hash;
  g_cancellable_cancel (self->segment_atoms_cancellable);
  g_clear_object (&self->segment_atoms_cancellable);
  self->segment_atoms_cancellable = g_cancellable_new ();
  asked = g_new0 (AtomsAsked, 1);
  asked->window = g_object_ref (self);
  asked->hash = hash;
  lens_worker_segment_atoms_async (self->worker, &self->segmented, labels, rows, cols, n,
                                   self->segment_atoms_cancellable, on_segment_atoms, asked);
}

void
lens_window_update_segments_status (LensWindow *self)
{
  lens_segment_legend_set_pending (self->segment_legend, segments_pending (self));
}

/* The segments over the views: a translucent colour per visible segment,
 * one pixel per patch, with borders between segments, or each segment's
 * outline in its colour. */
void
lens_window_show_segments (LensWindow *self)
{
  int rows, cols, n = lens_segmentation_get_n_segments (self->segmentation);
  const guint8 *labels = n ? lens_segmentation_get_labels (self->segmentation, &rows, &cols) : NULL;
  g_autoptr(LensPicture) overlay = NULL;
  cairo_surface_t *surface;
  guint32 *pixels;
  guint32 colors[SCVAE_MAX_CLUSTERS];
  gboolean outlines = lens_window_get_toggle (self, "segments-outlines");
  int stride;

  lens_segment_legend_refresh (self->segment_legend);
  lens_window_update_segments_status (self);
  lens_window_update_actions (self);
  if (labels)
    ask_segment_atoms (self, labels, rows, cols, n);
  lens_window_show_segment_atoms (self);
  if (labels == NULL || !lens_window_get_toggle (self, "show-segments"))
    {
      for (int i = 0; i < 3; i++)
        {
          lens_image_view_set_outlines (window_views (self, i), NULL, 0);
          lens_image_view_set_overlay (window_views (self, i), NULL, 0, NULL, 0, 0);
        }
      return;
    }
  for (int s = 0; s < n; s++)
    {
      const LensSegment *segment = lens_segmentation_get_segment (self->segmentation, s);

      colors[s] = segment->visible ? 0xff000000u | (guint32) segment->rgb[0] << 16
                                     | (guint32) segment->rgb[1] << 8 | segment->rgb[2]
                                   : 0;
    }
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, cols, rows);
  pixels = (guint32 *) cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface) / 4;
  for (int y = 0; y < rows; y++)
    for (int x = 0; x < cols; x++)
      pixels[y * stride + x] = colors[labels[y * cols + x]];
  cairo_surface_mark_dirty (surface);
  overlay = lens_picture_new (surface, SCVAE_PATCH_PIXELS);
  /* As a fill (true colours at full opacity) or as outlines in the
   * segments' colours; over the input, or over every view. Other views
   * get the labels for outlining the selection. */
  for (int i = 0; i < 3; i++)
    {
      LensImageView *view = window_views (self, i);
      gboolean shown = i == 0 || lens_window_get_toggle (self, "segments-everywhere");

      if (shown && outlines)
        {
          lens_image_view_set_overlay (view, NULL, 0, labels, rows, cols);
          lens_image_view_set_outlines (view, colors, n);
        }
      else
        {
          lens_image_view_set_outlines (view, NULL, 0);
          lens_image_view_set_overlay (view, shown ? overlay : NULL,
                                       gtk_adjustment_get_value (self->opacity_adjustment), labels, rows, cols);
        }
    }
  show_selection (self);
}

void
lens_window_take_segments (LensWindow *self, LensResult *result)
{
  if (result->labels == NULL)
    {
      /* Still computing: the segments shown stay until the new ones come. */
      if (result->segments_pending)
        return;
      lens_segmentation_clear (self->segmentation);
      lens_request_clear (&self->segmented);
      self->segmented = (LensRequest) { 0 };
      return;
    }
  /* Another clustering: a fresh set. The same one on new codes: the
   * edits carry over. */
  if (!lens_request_same_input (&self->segmented, &result->request)
      || !lens_segment_options_equal (&self->segmented.segment_options, &result->request.segment_options))
    lens_segmentation_clear (self->segmentation);
  lens_segmentation_set_labels (self->segmentation, result->labels, result->rows, result->cols,
                                result->request.segment_options.k);
  lens_request_clear (&self->segmented);
  lens_request_copy (&self->segmented, &result->request);
  /* The selection was of other segments. */
  lens_segment_legend_select (self->segment_legend, -1, FALSE);
}

void
lens_window_select_segment_at (LensWindow *self, int row, int col, gboolean extend)
{
  int index = lens_segmentation_segment_at (self->segmentation, row, col);

  if (index >= 0)
    lens_segment_legend_select (self->segment_legend, index, extend);
}

static void
on_segments_edited (LensWindow *self)
{
  lens_window_show_segments (self);
}

static void
on_split (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(LensWindow) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LensSplit) split = lens_worker_split_finish (LENS_WORKER (source), result, &error);

  if (lens_window_is_closed (self))
    return;
  self->splitting = FALSE;
  lens_window_update_segments_status (self);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (split == NULL)
    {
      lens_window_toast (self, error->message);
      return;
    }
  if (!lens_split_divides (split))
    {
      lens_window_toast (self, _("This segment cannot be split further"));
      return;
    }
  /* FALSE when k-means ran again meanwhile: the legend shows that instead. */
  if (lens_segmentation_finish_split (self->segmentation, split))
    {
      lens_window_show_segments (self);
      lens_segment_legend_select (self->segment_legend, split->index, FALSE);
      lens_segment_legend_select (self->segment_legend, lens_segmentation_get_n_segments (self->segmentation) - 1,
                                  TRUE);
    }
}

static void
on_split_requested (LensWindow *self, int index)
{
  LensSplit *split;

  if (self->input == NULL || self->model == NULL)
    return;
  split = lens_segmentation_begin_split (self->segmentation, index);
  if (split == NULL)
    {
      lens_window_toast (self, _("This segment cannot be split further"));
      return;
    }
  self->splitting = TRUE;
  lens_window_update_segments_status (self);
  /* The codes and features the segments were made from. */
  lens_worker_split_async (self->worker, &self->segmented, split, self->seed, self->cancellable, on_split,
                           g_object_ref (self));
}

static void
on_atom_activated (LensWindow *self, int atom)
{
  /* The heat map shows where it fires; the gallery has it selected. */
  lens_atom_gallery_select (self->gallery, atom, FALSE);
}

void
lens_window_dispose_segments (LensWindow *self)
{
  g_cancellable_cancel (self->segment_atoms_cancellable);
  g_clear_object (&self->segment_atoms_cancellable);
  g_clear_pointer (&self->segment_atoms, g_free);
}

void
lens_window_setup_segments (LensWindow *self)
{
  self->segmentation = lens_segmentation_new ();
  lens_segment_legend_set_segmentation (self->segment_legend, self->segmentation);
  g_signal_connect_swapped (self->segment_legend, "edited", G_CALLBACK (on_segments_edited), self);
  g_signal_connect_swapped (self->segment_legend, "split-requested", G_CALLBACK (on_split_requested), self);
  g_signal_connect_swapped (self->segment_legend, "selection-changed", G_CALLBACK (show_selection), self);
  g_signal_connect_swapped (self->segment_legend, "atom-activated", G_CALLBACK (on_atom_activated), self);
  g_signal_connect_swapped (self->opacity_adjustment, "value-changed", G_CALLBACK (on_segments_edited), self);
}
