/* lens-quality-panel.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lens-quality-panel.h"

#include <glib/gi18n.h>

struct _LensQualityPanel {
  GtkWidget parent_instance;

  /* Template widgets: the value of each row */
  GtkLabel *psnr_value, *ssim_value, *active_value, *per_patch_value, *hoyer_value;
  GtkLabel *atoms_value, *dense_value, *lasso_value;
  GtkLabel *channels_value, *atoms_count_value, *depth_value, *beta_value, *data_value;
  GtkLabel *spread_value, *twins_value;
};

G_DEFINE_FINAL_TYPE (LensQualityPanel, lens_quality_panel, GTK_TYPE_WIDGET)

static void
set_label_printf (GtkLabel *label, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
set_label_printf (GtkLabel *label, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  gtk_label_set_label (label, text);
}

void
lens_quality_panel_show_metrics (LensQualityPanel *self, const ScvaeMetrics *m, int n_atoms)
{
  set_label_printf (self->psnr_value, _("%.2f dB"), m->psnr);
  set_label_printf (self->ssim_value, "%.4f", m->ssim);
  set_label_printf (self->active_value, _("%.2f %%"), 100 * m->codes.active_fraction);
  set_label_printf (self->per_patch_value, "%g", m->codes.atoms_per_patch_median);
  set_label_printf (self->hoyer_value, "%.3f", m->codes.hoyer);
  set_label_printf (self->atoms_value, _("%d of %d"), m->codes.atoms_used, n_atoms);
  set_label_printf (self->dense_value, "%d", m->codes.dense_atoms);
  set_label_printf (self->lasso_value, "%.4f", m->lasso);
}

void
lens_quality_panel_show_model (LensQualityPanel *self, ScvaeModel *model)
{
  const ScvaeConfig *config = scvae_model_get_config (model);
  const char *data = scvae_model_get_metadata (model, "data");
  const char *steps = scvae_model_get_metadata (model, "steps");
  g_autofree char *beta = scvae_format_float (config->beta);

  set_label_printf (self->channels_value, "%d", config->channels);
  set_label_printf (self->atoms_count_value, "%d", config->atoms);
  set_label_printf (self->depth_value, "%d", config->lista_steps);
  gtk_label_set_label (self->beta_value, beta);
  if (data && steps)
    set_label_printf (self->data_value, _("%s (%s steps)"), data, steps);
  else
    gtk_label_set_label (self->data_value, data ? data : _("unknown"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->data_value), data);
  gtk_label_set_label (self->spread_value, "—");
  gtk_label_set_label (self->twins_value, "—");
}

void
lens_quality_panel_show_health (LensQualityPanel *self, const ScvaeDictionaryHealth *health, int channels)
{
  set_label_printf (self->spread_value, _("%.1f of %d"), health->effective_rank, channels);
  set_label_printf (self->twins_value, _("%.2f %%"), 100 * health->pairs_cos_above_0_9);
}

static void
lens_quality_panel_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), LENS_TYPE_QUALITY_PANEL);
  /* The groups: a plain GtkWidget unparents nothing itself. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (lens_quality_panel_parent_class)->dispose (object);
}

static void
lens_quality_panel_class_init (LensQualityPanelClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lens_quality_panel_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparselens/SparseLens/lens-quality-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, LensQualityPanel, psnr_value);
  gtk_widget_class_bind_template_child (widget_class, LensQualityPanel, ssim_value);
  gtk_widget_class_bind_template_child (widget_class, LensQualityPanel, active_value);
  gtk_widget_class_bind_template_child (widget_class, LensQualityPanel, per_patch_value);
  gtk_widget_class_bind_template_child (widget_class, LensQualityPanel, hoyer_value);
  gtk_widget_class_bind_template_child (widget_class, LensQualityPanel, atoms_value);
  gtk_widget_class_bind_template_child (widget_class, LensQualityPanel, dense_value);
  gtk_widget_class_bind_template_child (widget_class, LensQualityPanel, lasso_value);
  gtk_widget_class_bind_template_child (widget_class, LensQualityPanel, channels_value);
  gtk_widget_class_bind_template_child (widget_class, LensQualityPanel, atoms_count_value);
  gtk_widget_class_bind_template_child (widget_class, LensQualityPanel, depth_value);
  gtk_widget_class_bind_template_child (widget_class, LensQualityPanel, beta_value);
  gtk_widget_class_bind_template_child (widget_class, LensQualityPanel, data_value);
  gtk_widget_class_bind_template_child (widget_class, LensQualityPanel, spread_value);
  gtk_widget_class_bind_template_child (widget_class, LensQualityPanel, twins_value);
}

static void
lens_quality_panel_init (LensQualityPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
