/* lens-segment-edges.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "lens-segment-edges.h"

#include "scvae.h"

/* Whether the edge between neighbouring patches of labels a and b (-1:
 * outside the image) is drawn. */
typedef gboolean (*EdgeTest) (int a, int b, gconstpointer data);

static int
label_at (const LensLabelGrid *grid, int y, int x)
{
  return x >= 0 && y >= 0 && x < grid->cols && y < grid->rows ? grid->labels[y * grid->cols + x] : -1;
}

/* Adds the patch edges that test picks to the path, consecutive ones
 * joined into one line: far fewer lines to stroke than edges. */
static void
add_edges (cairo_t *cr, const LensLabelGrid *grid, EdgeTest test, gconstpointer data)
{
  int r = grid->rows, c = grid->cols;
  const int P = SCVAE_PATCH_PIXELS;

  for (int x = 0; x <= c; x++)
    for (int y = 0, start = -1; y <= r; y++)
      {
        gboolean on = y < r && test (label_at (grid, y, x - 1), label_at (grid, y, x), data);

        if (on && start < 0)
          start = y;
        else if (!on && start >= 0)
          {
            cairo_move_to (cr, P * x, P * start);
            cairo_line_to (cr, P * x, P * y);
            start = -1;
          }
      }
  for (int y = 0; y <= r; y++)
    for (int x = 0, start = -1; x <= c; x++)
      {
        gboolean on = x < c && test (label_at (grid, y - 1, x), label_at (grid, y, x), data);

        if (on && start < 0)
          start = x;
        else if (!on && start >= 0)
          {
            cairo_move_to (cr, P * start, P * y);
            cairo_line_to (cr, P * x, P * y);
            start = -1;
          }
      }
}

static gboolean
between_segments (int a, int b, gconstpointer data)
{
  return a >= 0 && b >= 0 && a != b;
}

static gboolean
around_segment (int a, int b, gconstpointer data)
{
  int s = *(const int *) data;

  return (a == s) != (b == s);
}

static gboolean
around_selection (int a, int b, gconstpointer data)
{
  const gboolean *selected = data;

  return (a >= 0 && selected[a]) != (b >= 0 && selected[b]);
}

void
lens_segment_edges_draw_borders (cairo_t *cr, const LensLabelGrid *grid, double scale)
{
  add_edges (cr, grid, between_segments, NULL);
  cairo_set_line_width (cr, MAX (1.0 / scale, 0.25));
  cairo_set_source_rgba (cr, 0, 0, 0, 0.7);
  cairo_stroke (cr);
}

void
lens_segment_edges_draw_outlines (cairo_t *cr, const LensLabelGrid *grid, const guint32 *colors, int n,
                                  double scale)
{
  int r = grid->rows, c = grid->cols;
  const int P = SCVAE_PATCH_PIXELS;

  for (int s = 0; s < n; s++)
    {
      guint32 color = colors[s];

      if (color == 0)
        continue;
      cairo_save (cr);
      /* The stroke is clipped to the segment's patches, a rectangle per
       * run in each row. */
      for (int y = 0; y < r; y++)
        for (int x = 0, start = -1; x <= c; x++)
          {
            gboolean in = x < c && grid->labels[y * c + x] == s;

            if (in && start < 0)
              start = x;
            else if (!in && start >= 0)
              {
                cairo_rectangle (cr, P * start, P * y, P * (x - start), P);
                start = -1;
              }
          }
      cairo_clip (cr);
      add_edges (cr, grid, around_segment, &s);
      cairo_set_line_width (cr, MAX (6.0 / scale, 1.0));
      cairo_set_source_rgb (cr, (color >> 16 & 0xff) / 255.0, (color >> 8 & 0xff) / 255.0, (color & 0xff) / 255.0);
      cairo_stroke (cr);
      cairo_restore (cr);
    }
}

void
lens_segment_edges_draw_selection (cairo_t *cr, const LensLabelGrid *grid, const gboolean *selected, double scale)
{
  add_edges (cr, grid, around_selection, selected);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_SQUARE);
  cairo_set_line_width (cr, 4.0 / scale);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.85);
  cairo_stroke_preserve (cr);
  cairo_set_line_width (cr, 2.0 / scale);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_stroke (cr);
}
