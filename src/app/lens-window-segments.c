/* lens-window-segments.c: the segments over the input, and splitting one
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lens-window-private.h"

#include <glib/gi18n.h>

/* The segments over the input: a translucent colour per visible segment,
 * one pixel per patch, and borders between segments. */
void
lens_window_show_segments (LensWindow *self)
{
  int rows, cols, n = lens_segmentation_get_n_segments (self->segmentation);
  const guint8 *labels = n ? lens_segmentation_get_labels (self->segmentation, &rows, &cols) : NULL;
  g_autoptr(LensPicture) overlay = NULL;
  cairo_surface_t *surface;
  guint32 *pixels;
  int stride;

  lens_segment_legend_refresh (self->segment_legend);
  lens_window_update_actions (self);
  if (labels == NULL || !lens_window_get_toggle (self, "show-segments"))
    {
      lens_image_view_set_overlay (self->input_view, NULL, 0, NULL, 0, 0);
      return;
    }
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, cols, rows);
  pixels = (guint32 *) cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface) / 4;
  for (int y = 0; y < rows; y++)
    for (int x = 0; x < cols; x++)
      {
        const LensSegment *segment = lens_segmentation_get_segment (self->segmentation, labels[y * cols + x]);

        pixels[y * stride + x] = segment->visible ? 0xff000000u | (guint32) segment->rgb[0] << 16
                                                    | (guint32) segment->rgb[1] << 8 | segment->rgb[2]
                                                  : 0;
      }
  cairo_surface_mark_dirty (surface);
  overlay = lens_picture_new (surface, SCVAE_PATCH_PIXELS);
  lens_image_view_set_overlay (self->input_view, overlay, gtk_adjustment_get_value (self->opacity_adjustment),
                               labels, rows, cols);
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

  if (lens_window_is_closed (self) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
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
    lens_window_show_segments (self);
}

static void
on_split_requested (LensWindow *self, int index)
{
  LensRequest request = lens_window_current_request (self);
  LensSplit *split;

  if (self->input == NULL || self->model == NULL)
    return;
  split = lens_segmentation_begin_split (self->segmentation, index);
  if (split == NULL)
    {
      lens_window_toast (self, _("This segment cannot be split further"));
      return;
    }
  lens_worker_split_async (self->worker, &request, split, self->seed, self->cancellable, on_split,
                           g_object_ref (self));
}

void
lens_window_setup_segments (LensWindow *self)
{
  self->segmentation = lens_segmentation_new ();
  lens_segment_legend_set_segmentation (self->segment_legend, self->segmentation);
  g_signal_connect_swapped (self->segment_legend, "edited", G_CALLBACK (on_segments_edited), self);
  g_signal_connect_swapped (self->segment_legend, "split-requested", G_CALLBACK (on_split_requested), self);
  g_signal_connect_swapped (self->opacity_adjustment, "value-changed", G_CALLBACK (on_segments_edited), self);
}
