/* atom-sheet.c: every atom of a dictionary on one page
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The contact sheet scvae atoms writes and the app exports: the atoms as
 * the decoder draws them, magnified, each with its index, how often it
 * fires (a bar relative to the most used atom, and a percentage) and, for
 * an atom that never fires, its label in red.
 */

#include "scvae-render.h"

#include <pango/pangocairo.h>

#define ZOOM 4
#define ATOM_SIDE (SCVAE_ATOM_PIXELS * ZOOM) /* on the sheet */
#define COLUMNS 16
#define CELL_W (ATOM_SIDE + 12)
#define CELL_H (ATOM_SIDE + 30)
#define TITLE_H 40

static void
draw_text (cairo_t *cr, const char *text, double x, double y, const char *font)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *description = pango_font_description_from_string (font);

  pango_layout_set_font_description (layout, description);
  pango_layout_set_text (layout, text, -1);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
  pango_font_description_free (description);
  g_object_unref (layout);
}

cairo_surface_t *
scvae_render_atom_sheet (cairo_surface_t * const *atoms, const double *usage, const int *order, int n,
                         const char *title)
{
  int rows = MAX ((n + COLUMNS - 1) / COLUMNS, 1);
  cairo_surface_t *sheet = cairo_image_surface_create (CAIRO_FORMAT_RGB24, COLUMNS * CELL_W + 12,
                                                       rows * CELL_H + TITLE_H);
  cairo_t *cr = cairo_create (sheet);
  double most = 1e-9;

  for (int i = 0; i < n; i++)
    most = MAX (most, usage[i]);
  cairo_set_source_rgb (cr, 0.98, 0.98, 0.98);
  cairo_paint (cr);
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  draw_text (cr, title, 12, 10, "Sans 11");

  for (int i = 0; i < n; i++)
    {
      int k = order ? order[i] : i;
      double x = 12 + (i % COLUMNS) * CELL_W, y = TITLE_H + (i / COLUMNS) * CELL_H;
      g_autofree char *label = g_strdup_printf ("#%d  %.1f%%", k, 100 * usage[k]);
      double scale = (double) ATOM_SIDE / cairo_image_surface_get_width (atoms[k]);

      cairo_save (cr);
      cairo_translate (cr, x, y);
      cairo_scale (cr, scale, scale);
      cairo_set_source_surface (cr, atoms[k], 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
      cairo_paint (cr);
      cairo_restore (cr);

      /* Usage bar, relative to the most used atom; dead atoms in red. */
      cairo_set_source_rgb (cr, 0.85, 0.85, 0.85);
      cairo_rectangle (cr, x, y + ATOM_SIDE + 2, ATOM_SIDE, 4);
      cairo_fill (cr);
      cairo_set_source_rgb (cr, 0.2, 0.45, 0.75);
      cairo_rectangle (cr, x, y + ATOM_SIDE + 2, ATOM_SIDE * MIN (1.0, usage[k] / most), 4);
      cairo_fill (cr);
      if (usage[k] == 0)
        cairo_set_source_rgb (cr, 0.75, 0.1, 0.1);
      else
        cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
      draw_text (cr, label, x, y + ATOM_SIDE + 8, "Sans 7");
    }
  cairo_destroy (cr);
  return sheet;
}
