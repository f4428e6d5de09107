/* lens-comparison-page.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lens-comparison-page.h"

#include <glib/gi18n.h>

#include "lens-image-view.h"
#include "lens-legend.h"
#include "lens-view-grid.h"

/* The table's columns after the heading row: model, PSNR, SSIM, use. */
#define TABLE_COLUMNS 4

struct _LensComparisonPage {
  GtkWidget parent_instance;

  /* Template widgets */
  GtkLabel *title;
  LensViewGrid *grid;
  GtkGrid *table;
  LensLegend *legend;

  GtkLabel *headings[LENS_COMPARISON_N_VIEWS];
  LensImageView *views[LENS_COMPARISON_N_VIEWS];
  GtkLabel *cells[2][TABLE_COLUMNS];
};

G_DEFINE_FINAL_TYPE (LensComparisonPage, lens_comparison_page, GTK_TYPE_WIDGET)

static char *
model_name (ScvaeModel *model)
{
  const char *path = scvae_model_get_path (model);

  return path ? g_path_get_basename (path) : g_strdup (_("Untitled model"));
}

/* The bottleneck, and for the window's SC-VAE (request given) its depth
 * and sparsity when they are not the trained ones. */
static char *
describe_coding (ScvaeModel *model, const LensRequest *request)
{
  const ScvaeConfig *config = scvae_model_get_config (model);
  g_autofree char *name = model_name (model);

  switch (config->bottleneck)
    {
    case SCVAE_BOTTLENECK_VQ:
      return g_strdup_printf (_("%s (VQ-VAE)"), name);
    case SCVAE_BOTTLENECK_GAUSSIAN:
      return g_strdup_printf (_("%s (Gaussian VAE)"), name);
    case SCVAE_BOTTLENECK_LISTA:
    default:
      if (request && (request->depth != config->lista_steps || request->sparsity != 1.f))
        /* Translators: an SC-VAE coding at depth %d and sparsity ×%.2f. */
        return g_strdup_printf (_("%s (SC-VAE, depth %d, sparsity ×%.2f)"), name, request->depth,
                                request->sparsity);
      return g_strdup_printf (_("%s (SC-VAE)"), name);
    }
}

/* What the table says of a model: for the window's (request given), what
 * the controls change too, the intervention included; the comparison
 * model codes as trained. */
static char *
describe_model (ScvaeModel *model, const LensRequest *request)
{
  g_autofree char *coding = describe_coding (model, request);

  if (request && (request->atom_gains || request->keep > 0))
    /* Translators: a model's description, then: its codes changed by the
     * Interventions panel. */
    return g_strdup_printf (_("%s, codes changed"), coding);
  return g_steal_pointer (&coding);
}

void
lens_comparison_page_show (LensComparisonPage *self, const LensResult *result)
{
  const LensComparison *comparison = result->comparison;
  g_autofree char *name = model_name (comparison->scores[0].model);
  g_autofree char *other_name = model_name (comparison->scores[1].model);
  const char *names[2] = { name, other_name };
  g_autofree char *title = g_strdup_printf (_("%s beside %s"), name, other_name);
  LensPicture *pictures[LENS_COMPARISON_N_VIEWS] = {
    result->reconstruction, comparison->reconstruction, comparison->residuals[0], comparison->residuals[1],
  };
  const ScvaeImage *image = result->request.input->image;

  gtk_label_set_label (self->title, title);
  lens_view_grid_set_image_size (self->grid, image->width, image->height);
  for (int i = 0; i < LENS_COMPARISON_N_VIEWS; i++)
    {
      g_autofree char *heading = g_strdup_printf (i < 2 ? _("Reconstruction · %s") : _("Residual · %s"),
                                                  names[i % 2]);

      gtk_label_set_label (self->headings[i], heading);
      lens_image_view_set_picture (self->views[i], pictures[i]);
    }
  lens_legend_set_scale (self->legend, &comparison->residual_scale, 2);

  for (int m = 0; m < 2; m++)
    {
      const LensModelScore *score = &comparison->scores[m];
      g_autofree char *model = describe_model (score->model, m == 0 ? &result->request : NULL);
      g_autofree char *psnr = g_strdup_printf (_("%.2f dB"), score->metrics.psnr);
      g_autofree char *ssim = g_strdup_printf ("%.3f", score->metrics.ssim);
      g_autofree char *usage = lens_model_score_describe_usage (score);
      const char *texts[TABLE_COLUMNS] = { model, psnr, ssim, usage };

      for (int c = 0; c < TABLE_COLUMNS; c++)
        gtk_label_set_label (self->cells[m][c], texts[c]);
    }
}

void
lens_comparison_page_clear (LensComparisonPage *self)
{
  for (int i = 0; i < LENS_COMPARISON_N_VIEWS; i++)
    lens_image_view_set_picture (self->views[i], NULL);
  for (int m = 0; m < 2; m++)
    for (int c = 0; c < TABLE_COLUMNS; c++)
      gtk_label_set_label (self->cells[m][c], "");
  gtk_label_set_label (self->title, "");
}

void
lens_comparison_page_set_viewport (LensComparisonPage *self, LensViewport *viewport)
{
  for (int i = 0; i < LENS_COMPARISON_N_VIEWS; i++)
    lens_image_view_set_viewport (self->views[i], viewport);
}

LensImageView *
lens_comparison_page_get_view (LensComparisonPage *self, LensComparisonView view)
{
  return self->views[view];
}

double
lens_comparison_page_get_fit_scale (LensComparisonPage *self)
{
  double fit = 0.0;

  for (int i = 0; i < LENS_COMPARISON_N_VIEWS; i++)
    {
      double f = lens_image_view_get_fit_scale (self->views[i]);

      if (f > 0.0 && (fit == 0.0 || f < fit))
        fit = f;
    }
  return fit;
}

char *
lens_comparison_page_get_row (LensComparisonPage *self, int model)
{
  const char *texts[TABLE_COLUMNS + 1] = { NULL };

  for (int c = 0; c < TABLE_COLUMNS; c++)
    texts[c] = gtk_label_get_label (self->cells[model][c]);
  return g_strjoinv (" | ", (char **) texts);
}

/* A view with its heading, as a cell of the grid. */
static GtkWidget *
make_cell (LensComparisonPage *self, int i)
{
  static const char *names[LENS_COMPARISON_N_VIEWS] = {
    N_("Reconstruction by the window's model"), N_("Reconstruction by the comparison model"),
    N_("Residual of the window's model"), N_("Residual of the comparison model"),
  };
  GtkWidget *cell = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  self->headings[i] = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->headings[i], 0);
  gtk_label_set_ellipsize (self->headings[i], PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (GTK_WIDGET (self->headings[i]), "heading");
  self->views[i] = LENS_IMAGE_VIEW (lens_image_view_new ());
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->views[i]), GTK_ACCESSIBLE_PROPERTY_LABEL, _(names[i]), -1);
  gtk_box_append (GTK_BOX (cell), GTK_WIDGET (self->headings[i]));
  gtk_box_append (GTK_BOX (cell), GTK_WIDGET (self->views[i]));
  gtk_widget_set_valign (cell, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (cell, TRUE);
  gtk_widget_set_vexpand (cell, TRUE);
  return cell;
}

static void
lens_comparison_page_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), LENS_TYPE_COMPARISON_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (lens_comparison_page_parent_class)->dispose (object);
}

static void
lens_comparison_page_class_init (LensComparisonPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lens_comparison_page_dispose;
  g_type_ensure (LENS_TYPE_LEGEND);
  g_type_ensure (LENS_TYPE_VIEW_GRID);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparselens/SparseLens/lens-comparison-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LensComparisonPage, title);
  gtk_widget_class_bind_template_child (widget_class, LensComparisonPage, grid);
  gtk_widget_class_bind_template_child (widget_class, LensComparisonPage, table);
  gtk_widget_class_bind_template_child (widget_class, LensComparisonPage, legend);
}

static void
lens_comparison_page_init (LensComparisonPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  for (int i = 0; i < LENS_COMPARISON_N_VIEWS; i++)
    gtk_widget_set_parent (make_cell (self, i), GTK_WIDGET (self->grid));
  for (int m = 0; m < 2; m++)
    for (int c = 0; c < TABLE_COLUMNS; c++)
      {
        GtkLabel *label = self->cells[m][c] = GTK_LABEL (gtk_label_new (NULL));

        /* Numbers line up on the right, words on the left. */
        gtk_label_set_xalign (label, c == 1 || c == 2 ? 1 : 0);
        gtk_label_set_wrap (label, c == 0 || c == 3);
        gtk_widget_add_css_class (GTK_WIDGET (label), "numeric");
        gtk_grid_attach (self->table, GTK_WIDGET (label), c, m + 1, 1, 1);
      }
}

GtkWidget *
lens_comparison_page_new (void)
{
  return g_object_new (LENS_TYPE_COMPARISON_PAGE, NULL);
}
