/* lens-window-results.c: showing what the engine thread sends back
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lens-window-private.h"

#include <glib/gi18n.h>

/* A spinner for work that would otherwise look like nothing happens. */
#define BUSY_DELAY_MS 150

static void
log_latency (GdkFrameClock *clock, LensWindow *self)
{
  LensResult *shown = self->preview ? self->preview : self->result;

  g_signal_handlers_disconnect_by_func (clock, log_latency, self);
  if (shown == NULL)
    return;
  self->shown_latency_ms = (g_get_monotonic_time () - shown->submitted_us) / 1000.0;
  if (shown->preview)
    self->painted_preview_serial = shown->serial;
  else
    self->painted_serial = shown->serial;
  if (self->latency_log)
    {
      fprintf (self->latency_log, "%" G_GUINT64_FORMAT " %.3f %.3f%s\n", shown->serial,
               self->shown_latency_ms, shown->compute_ms, shown->preview ? " preview" : "");
      fflush (self->latency_log);
    }
  lens_window_update_status (self);
}

/* Latency: from the request to the frame that shows its result. The
 * status line, which names it, follows that frame. */
static void
log_latency_at_next_paint (LensWindow *self)
{
  self->shown_latency_ms = 0;
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (self)), "after-paint",
                    G_CALLBACK (log_latency), self);
}

void
lens_window_show_pictures (LensWindow *self)
{
  LensResult *r = self->result, *shown = self->preview ? self->preview : self->result;
  gboolean residual = lens_window_get_toggle (self, "show-residual");
  gboolean compare = lens_window_get_toggle (self, "compare");

  if (r == NULL)
    return;
  lens_image_view_set_picture (self->input_view, r->input_picture);
  lens_image_view_set_picture (self->reconstruction_view, residual ? shown->residual : shown->reconstruction);
  lens_image_view_set_before (self->reconstruction_view, compare ? r->input_picture : NULL);
  lens_image_view_set_picture (self->activation_view, shown->activation);
  if (shown->activation)
    lens_legend_set_scale (self->legend, &shown->activation_scale,
                           shown->request.mode == LENS_ACTIVATION_COUNT ? 0 : 2);
  lens_image_view_set_marks (self->input_view, r->top_patches, r->n_top_patches, r->cols);
}

void
lens_window_update_status (LensWindow *self)
{
  LensResult *r = self->result;
  int row, col;
  g_autoptr(GString) status = g_string_new (NULL);
  const ScvaeImage *image;

  if (r == NULL)
    return;
  image = r->request.input->image;
  g_string_append_printf (status, _("%d×%d px"), r->request.input->source_width, r->request.input->source_height);
  if (lens_input_is_downscaled (r->request.input))
    g_string_append_printf (status, _(" · working size %d×%d"), image->width, image->height);
  g_string_append_printf (status, _(" · %.1f %% of codes active · %d atoms used"),
                          100 * r->metrics.codes.active_fraction, r->metrics.codes.atoms_used);
  /* Of the result on screen: known once its frame is painted. */
  if (self->shown_latency_ms > 0)
    g_string_append_printf (status, _(" · updated in %.0f ms"), self->shown_latency_ms);
  if (self->preview)
    /* Translators: %d is 2, 3, 4...: the preview is coded at a half, a
     * third... of the image's size. */
    g_string_append_printf (status, _(" · preview at 1/%d size"), self->preview->preview_scale);

  lens_viewport_get_hover (self->viewport, &row, &col);
  if (row >= 0 && col >= 0 && row < r->rows && col < r->cols && r->activation_values)
    {
      float value = r->activation_values[(gsize) row * r->cols + col];

      g_string_append_printf (status, _(" · row %d, column %d: "), row, col);
      if (r->request.mode == LENS_ACTIVATION_COUNT)
        g_string_append_printf (status, ngettext ("%.0f active atom", "%.0f active atoms", (gulong) value), value);
      else if (r->request.mode == LENS_ACTIVATION_L1)
        g_string_append_printf (status, _("L1 norm %.3f"), value);
      else if (r->request.mode == LENS_ACTIVATION_CODING_ERROR)
        /* Translators: the share of the patch's feature its code leaves
         * out, in percent. */
        g_string_append_printf (status, _("coding error %.1f %%"), 100 * value);
      else
        g_string_append_printf (status, _("selected atoms %.3f"), value);
    }
  gtk_label_set_label (self->status_label, status->str);
}

void
lens_window_show_atom_usage (LensWindow *self)
{
  if (self->result)
    lens_atom_gallery_set_usage (self->gallery, self->result->usage,
                                 scvae_model_get_config (self->result->request.model)->atoms,
                                 (guint) self->result->rows * self->result->cols);
}

static void
show_captions (LensWindow *self, const LensResult *result)
{
  const ScvaeMetrics *m = &result->metrics;
  const LensInput *input = result->request.input;
  g_autofree char *quality = g_strdup_printf (_("PSNR %.2f dB · SSIM %.3f"), m->psnr, m->ssim);
  g_autofree char *size = NULL;

  if (lens_input_is_downscaled (input))
    size = g_strdup_printf (_("%d×%d px, shown at %d×%d"), input->source_width, input->source_height,
                            input->image->width, input->image->height);
  else
    size = g_strdup_printf (_("%d×%d px"), input->image->width, input->image->height);
  gtk_label_set_label (self->quality_label, quality);
  gtk_label_set_label (self->input_caption, size);
}

static void
on_result (LensWorker *worker, LensResult *result, LensWindow *self)
{
  /* Computed before another model was opened: stale. */
  if (result->request.model != self->model)
    return;
  if (result->preview)
    {
      if (self->result == NULL || result->request.input != self->input)
        return;
      g_clear_pointer (&self->preview, lens_result_unref);
      self->preview = lens_result_ref (result);
      lens_window_show_pictures (self);
      log_latency_at_next_paint (self);
      return;
    }
  g_clear_pointer (&self->preview, lens_result_unref);
  g_clear_pointer (&self->result, lens_result_unref);
  self->result = lens_result_ref (result);

  lens_viewport_set_image_size (self->viewport, result->request.input->image->width,
                                result->request.input->image->height);
  lens_view_grid_set_image_size (self->views, result->request.input->image->width,
                                 result->request.input->image->height);
  lens_window_show_pictures (self);
  if (result->comparison && result->request.comparison == self->comparison_model)
    lens_comparison_page_show (self->comparison_page, result);
  else if (result->request.comparison && result->request.comparison == self->comparison_model)
    /* It failed on this image, and a toast said why: closed, so that the
     * next slider move does not fail and say it again. */
    lens_window_set_comparison (self, NULL);
  /* The model has no such map, and a toast said why: back to the counts. */
  if (result->activation == NULL && result->request.mode == LENS_ACTIVATION_CODING_ERROR)
    gtk_drop_down_set_selected (self->mode_dropdown, LENS_ACTIVATION_COUNT);
  show_captions (self, result);
  lens_quality_panel_show_metrics (self->quality_panel, &result->metrics,
                                   scvae_model_get_config (result->request.model)->atoms);

  gtk_stack_set_visible_child_name (self->stack, "main");
  log_latency_at_next_paint (self);
  lens_window_show_atom_usage (self);
  lens_window_take_segments (self, result);
  lens_window_show_segments (self);
  lens_window_update_actions (self);
  lens_window_inspect_pending_patch (self);
}

static void
on_failed (LensWorker *worker, const GError *error, LensWindow *self)
{
  lens_window_toast (self, error->message);
}

static gboolean
show_spinner (gpointer data)
{
  LensWindow *self = data;

  self->busy_timeout = 0;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), TRUE);
  return G_SOURCE_REMOVE;
}

static void
on_busy_changed (LensWorker *worker, GParamSpec *pspec, LensWindow *self)
{
  g_clear_handle_id (&self->busy_timeout, g_source_remove);
  if (lens_worker_get_busy (worker))
    self->busy_timeout = g_timeout_add (BUSY_DELAY_MS, show_spinner, self);
  else
    gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
}

void
lens_window_connect_worker (LensWindow *self)
{
  g_signal_connect (self->worker, "result", G_CALLBACK (on_result), self);
  g_signal_connect (self->worker, "failed", G_CALLBACK (on_failed), self);
  g_signal_connect (self->worker, "notify::busy", G_CALLBACK (on_busy_changed), self);
}
