/* plot-training.c: chart of a `scvae train --log` CSV as a PNG
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * plot-training LOG.csv OUT.png [--atoms K] [--title TEXT]
 *
 * Three panels over training time in minutes: loss (log scale), train and
 * validation PSNR, and the share of active codes with the number of atoms
 * used. Drawn with Cairo and PangoCairo so the recipe needs no Python.
 */

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define WIDTH 1200
#define HEIGHT 900
#define FONT "Sans"

/* Columns of the log, in the order `scvae train` writes them. */
enum {
  COL_STEP,
  COL_SECONDS,
  COL_LOSS,
  COL_TRAIN_PSNR,
  COL_VAL_PSNR,
  COL_VAL_SSIM,
  COL_ACTIVE,
  COL_ATOMS_USED,
  N_COLS
};

typedef struct {
  double v[N_COLS];   /* NAN where the field is empty */
  double minutes;
} Row;

typedef struct {
  double x, y, w, h;          /* plot area in pixels */
  double xmin, xmax;
  double ymin, ymax;          /* log10 of the values when ylog */
  gboolean ylog;
} Panel;

typedef enum {
  STYLE_LINE,
  STYLE_MARKERS,      /* markers joined by a line */
} Style;

typedef struct {
  const char *label;
  const double *rgb;
  Style style;
  double width;
} LegendItem;

static const double ink[] = { 0.15, 0.15, 0.17 };
static const double grid[] = { 0.89, 0.89, 0.91 };
static const double blue[] = { 0.11, 0.38, 0.73 };
static const double light_blue[] = { 0.58, 0.72, 0.90 };
static const double orange[] = { 0.90, 0.38, 0.00 };
static const double green[] = { 0.15, 0.55, 0.25 };
static const double purple[] = { 0.51, 0.24, 0.64 };

static gboolean
fail_errno (GError **error, const char *path, int saved)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", path,
               g_strerror (saved));
  return FALSE;
}

/* Parses the log. A resumed run appends to the same file, possibly after a
 * header line and starting again from the last checkpoint: rows at or after
 * a step seen again belong to the run that was cut short, so they are
 * dropped in favour of the newer ones. */
static GArray *
read_log (const char *path, guint *n_malformed, GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_auto (GStrv) lines = NULL;
  GArray *rows;
  FILE *f;
  char buf[65536];
  size_t got;
  int saved = 0;

  /* stdio rather than g_file_get_contents for a plain "FILE: reason". */
  f = fopen (path, "rb");
  if (f == NULL)
    {
      fail_errno (error, path, errno);
      return NULL;
    }
  while ((got = fread (buf, 1, sizeof buf, f)) > 0)
    g_string_append_len (text, buf, got);
  if (ferror (f))
    saved = errno ? errno : EIO;
  fclose (f);
  if (saved)
    {
      fail_errno (error, path, saved);
      return NULL;
    }

  rows = g_array_new (FALSE, FALSE, sizeof (Row));
  *n_malformed = 0;
  lines = g_strsplit (text->str, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = NULL;
      Row row;
      gboolean ok = TRUE;

      g_strchomp (lines[i]);
      if (!g_ascii_isdigit (lines[i][0]))
        continue;
      fields = g_strsplit (lines[i], ",", -1);
      if (g_strv_length (fields) != N_COLS)
        ok = FALSE;
      for (int c = 0; ok && c < N_COLS; c++)
        {
          char *end;

          if (fields[c][0] == '\0')
            {
              row.v[c] = NAN;
              /* Only validation fields may be empty. */
              ok = c == COL_VAL_PSNR || c == COL_VAL_SSIM || c == COL_ATOMS_USED;
              continue;
            }
          row.v[c] = g_ascii_strtod (fields[c], &end);
          ok = *end == '\0' && end != fields[c];
        }
      /* A run killed mid-write can leave half a line. */
      if (!ok || !isfinite (row.v[COL_STEP]) || !isfinite (row.v[COL_SECONDS]))
        {
          (*n_malformed)++;
          continue;
        }
      row.minutes = row.v[COL_SECONDS] / 60.0;

      while (rows->len > 0
             && g_array_index (rows, Row, rows->len - 1).v[COL_STEP] >= row.v[COL_STEP])
        g_array_set_size (rows, rows->len - 1);
      g_array_append_val (rows, row);
    }
  return rows;
}

/* Step between ticks: 1, 2 or 5 times a power of ten, giving at most
 * max_ticks intervals over range. */
static double
nice_step (double range, int max_ticks)
{
  double raw = range / max_ticks;
  double mag = pow (10.0, floor (log10 (raw)));
  double f = raw / mag;

  if (f <= 1.0)
    return mag;
  if (f <= 2.0)
    return 2.0 * mag;
  if (f <= 5.0)
    return 5.0 * mag;
  return 10.0 * mag;
}

/* Widens [lo, hi] outwards to multiples of a nice step. */
static void
nice_range (double *lo, double *hi, int max_ticks)
{
  double step;

  if (!(*hi > *lo))
    {
      double pad = fabs (*lo) > 0 ? fabs (*lo) * 0.1 : 1.0;
      *lo -= pad;
      *hi += pad;
    }
  step = nice_step (*hi - *lo, max_ticks);
  *lo = floor (*lo / step + 1e-9) * step;
  *hi = ceil (*hi / step - 1e-9) * step;
}

/* Number of ticks from the first multiple of step at or above lo up to hi,
 * capped: absurd values in a log must not make a loop that never ends. */
static int
tick_count (double lo, double hi, double step, double *first)
{
  double n;

  *first = ceil (lo / step - 1e-9) * step;
  n = floor ((hi - *first) / step + 1e-6) + 1;
  return isfinite (n) && n > 0 ? (int) MIN (n, 50) : 0;
}

static int
decimals_for (double step)
{
  return step >= 1.0 ? 0 : (int) ceil (-log10 (step) - 1e-9);
}

static void
format_number (char *buf, gsize size, double v, int decimals)
{
  /* Avoids "-0". */
  if (fabs (v) < 1e-12)
    v = 0.0;
  g_snprintf (buf, size, "%.*f", decimals, v);
}

static void
set_rgb (cairo_t *cr, const double *rgb)
{
  cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
}

/* Draws text with its anchor at (x, y): ax and ay are 0 (left/top), 0.5
 * (centre) or 1 (right/bottom). A positive max_width ellipsizes longer text
 * (a long --title) instead of running off the image. Returns the width. */
static double
draw_text_width (cairo_t *cr, const char *text, double size_pt, gboolean bold, double x, double y,
                 double ax, double ay, double max_width)
{
  g_autoptr (PangoLayout) layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string (FONT);
  int w, h;

  pango_font_description_set_size (font, (int) (size_pt * PANGO_SCALE));
  pango_font_description_set_weight (font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  pango_layout_set_text (layout, text, -1);
  if (max_width > 0)
    {
      pango_layout_set_width (layout, (int) (max_width * PANGO_SCALE));
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
    }
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, round (x - ax * w), round (y - ay * h));
  pango_cairo_show_layout (cr, layout);
  return w;
}

static double
draw_text (cairo_t *cr, const char *text, double size_pt, gboolean bold, double x, double y,
           double ax, double ay)
{
  return draw_text_width (cr, text, size_pt, bold, x, y, ax, ay, -1);
}

/* Text turned a quarter left, centred on (x, y), for y axis titles. */
static void
draw_vertical_text (cairo_t *cr, const char *text, double x, double y)
{
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_rotate (cr, -G_PI / 2);
  draw_text (cr, text, 10.5, FALSE, 0, 0, 0.5, 0.5);
  cairo_restore (cr);
}

static double
panel_x (const Panel *p, double v)
{
  return p->x + (v - p->xmin) / (p->xmax - p->xmin) * p->w;
}

static double
panel_y (const Panel *p, double v)
{
  if (p->ylog)
    v = log10 (v);
  return p->y + p->h - (v - p->ymin) / (p->ymax - p->ymin) * p->h;
}

static double
scale_y (double v, double lo, double hi, const Panel *p)
{
  return p->y + p->h - (v - lo) / (hi - lo) * p->h;
}

static void
hline (cairo_t *cr, const Panel *p, double y)
{
  cairo_move_to (cr, p->x, round (y) + 0.5);
  cairo_line_to (cr, p->x + p->w, round (y) + 0.5);
}

/* Grid lines and labels along x; labels only under the bottom panel. */
static void
draw_x_axis (cairo_t *cr, const Panel *p, gboolean labels)
{
  double step = nice_step (p->xmax - p->xmin, 12);
  int decimals = decimals_for (step);

  cairo_set_line_width (cr, 1.0);
  double first;
  int n = tick_count (p->xmin, p->xmax, step, &first);

  for (int i = 0; i < n; i++)
    {
      double v = first + i * step;
      double x = round (panel_x (p, v)) + 0.5;

      set_rgb (cr, grid);
      cairo_move_to (cr, x, p->y);
      cairo_line_to (cr, x, p->y + p->h);
      cairo_stroke (cr);
      if (labels)
        {
          char buf[32];

          set_rgb (cr, ink);
          cairo_move_to (cr, x, p->y + p->h);
          cairo_line_to (cr, x, p->y + p->h + 5);
          cairo_stroke (cr);
          format_number (buf, sizeof buf, v, decimals);
          draw_text (cr, buf, 10, FALSE, x, p->y + p->h + 8, 0.5, 0);
        }
    }
}

/* Linear y axis on the left (with grid) or on the right (ticks only).
 * Labels go from lo to top in steps of step (0: a nice step); the axis
 * itself may run on above top to leave room for markers. */
static void
draw_linear_y_axis (cairo_t *cr, const Panel *p, double lo, double hi, double top, double step,
                    gboolean right)
{
  double first;
  int decimals, n;

  if (step <= 0)
    step = nice_step (hi - lo, 6);
  decimals = decimals_for (step);
  cairo_set_line_width (cr, 1.0);
  n = tick_count (lo, top, step, &first);
  for (int i = 0; i < n; i++)
    {
      double v = first + i * step;
      double y = round (scale_y (v, lo, hi, p)) + 0.5;
      double edge = right ? p->x + p->w : p->x;
      char buf[32];

      if (!right)
        {
          set_rgb (cr, grid);
          hline (cr, p, y);
          cairo_stroke (cr);
        }
      set_rgb (cr, ink);
      cairo_move_to (cr, edge, y);
      cairo_line_to (cr, right ? edge + 5 : edge - 5, y);
      cairo_stroke (cr);
      format_number (buf, sizeof buf, v, decimals);
      draw_text (cr, buf, 10, FALSE, right ? edge + 8 : edge - 8, y, right ? 0 : 1, 0.5);
    }
}

/* Log10 y axis: labels at powers of ten, or at 1-2-5 within them when the
 * range is short; light grid lines at every integer multiple. */
static void
draw_log_y_axis (cairo_t *cr, const Panel *p)
{
  gboolean dense = p->ymax - p->ymin < 2.5, minor = p->ymax - p->ymin < 6;
  /* Loss lies in a few decades; the cap only guards against absurd logs. */
  int e_min = (int) MAX (floor (p->ymin), -40), e_max = (int) MIN (ceil (p->ymax), 40);

  /* A diverging run can span many decades: label at most about eight. */
  int stride = MAX (1, (int) ceil ((p->ymax - p->ymin) / 8));

  cairo_set_line_width (cr, 1.0);
  for (int e = e_min; e <= e_max; e++)
    for (int m = 1; m <= 9; m++)
      {
        double v = m * pow (10.0, e), lv = log10 (v), y;
        gboolean major = (m == 1 && e % stride == 0) || (dense && (m == 2 || m == 5));
        char buf[32];

        if (lv < p->ymin - 1e-9 || lv > p->ymax + 1e-9 || (!major && !minor))
          continue;
        y = round (panel_y (p, v)) + 0.5;
        cairo_set_source_rgb (cr, grid[0], grid[1], grid[2]);
        if (!major)
          cairo_set_source_rgb (cr, 0.95, 0.95, 0.96);
        hline (cr, p, y);
        cairo_stroke (cr);
        set_rgb (cr, ink);
        cairo_move_to (cr, p->x, y);
        cairo_line_to (cr, p->x - (major ? 5 : 3), y);
        cairo_stroke (cr);
        if (major)
          {
            if (e < -5 || e > 5)
              g_snprintf (buf, sizeof buf, "%de%d", m, e);
            else
              format_number (buf, sizeof buf, v, MAX (0, -e));
            draw_text (cr, buf, 10, FALSE, p->x - 8, y, 1, 0.5);
          }
      }
}

static void
draw_frame (cairo_t *cr, const Panel *p)
{
  set_rgb (cr, ink);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, round (p->x) + 0.5, round (p->y) + 0.5, round (p->w), round (p->h));
  cairo_stroke (cr);
}

/* Maps a value to a pixel row: the panel's own axis or a right-hand one. */
typedef double (*ToY) (const Panel *p, double v, gpointer data);

static double
to_panel_y (const Panel *p, double v, gpointer data)
{
  return panel_y (p, v);
}

static gboolean
plottable (const Panel *p, const Row *r, int col, double scale)
{
  double v = r->v[col] * scale;

  return isfinite (v) && !(p->ylog && v <= 0);
}

/* Plots one column against time; y values go through to_y so the same code
 * serves the left and the right axis. Gaps (empty or non-finite fields, or
 * non-positive values on a log axis) break a line; markers are joined
 * across the empty fields of the rows between validations. */
static void
plot_series (cairo_t *cr, const Panel *p, const Row *rows, guint n, int col, double scale,
             ToY to_y, gpointer data, const double *rgb, Style style, double width)
{
  gboolean pen_down = FALSE;

  cairo_save (cr);
  cairo_rectangle (cr, p->x, p->y - 6, p->w + 6, p->h + 12);
  cairo_clip (cr);
  set_rgb (cr, rgb);
  cairo_set_line_width (cr, width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < n; i++)
    {
      double x, y;

      if (isnan (rows[i].v[col]) && style == STYLE_MARKERS)
        continue;   /* markers are joined across the rows between them */
      if (!plottable (p, &rows[i], col, scale))
        {
          pen_down = FALSE;
          continue;
        }
      x = panel_x (p, rows[i].minutes);
      y = to_y (p, rows[i].v[col] * scale, data);
      if (pen_down)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      pen_down = TRUE;
    }
  cairo_stroke (cr);

  for (guint i = 0; i < n; i++)
    {
      double x, y;

      if (!plottable (p, &rows[i], col, scale))
        continue;
      x = panel_x (p, rows[i].minutes);
      y = to_y (p, rows[i].v[col] * scale, data);
      if (style == STYLE_MARKERS)
        {
          cairo_arc (cr, x, y, 4.0, 0, 2 * G_PI);
          set_rgb (cr, rgb);
          cairo_fill_preserve (cr);
          cairo_set_source_rgb (cr, 1, 1, 1);
          cairo_set_line_width (cr, 1.2);
          cairo_stroke (cr);
        }
      else if ((i == 0 || !plottable (p, &rows[i - 1], col, scale))
               && (i + 1 == n || !plottable (p, &rows[i + 1], col, scale)))
        {
          /* A lone point draws no line: give it a dot. */
          cairo_arc (cr, x, y, width + 1.0, 0, 2 * G_PI);
          cairo_fill (cr);
        }
    }
  cairo_restore (cr);
}

/* Centred moving average of log10(loss): the raw loss of one batch is noisy,
 * the trend is what the chart is for. */
static GArray *
smooth_loss (const Row *rows, guint n, guint half)
{
  GArray *out = g_array_sized_new (FALSE, FALSE, sizeof (Row), n);

  for (guint i = 0; i < n; i++)
    {
      Row r = rows[i];
      double sum = 0;
      guint count = 0;

      for (guint j = i > half ? i - half : 0; j <= MIN (n - 1, i + half); j++)
        if (isfinite (rows[j].v[COL_LOSS]) && rows[j].v[COL_LOSS] > 0)
          {
            sum += log10 (rows[j].v[COL_LOSS]);
            count++;
          }
      r.v[COL_LOSS] = count ? pow (10.0, sum / count) : NAN;
      g_array_append_val (out, r);
    }
  return out;
}

/* The legend goes in a row above the panel, right-aligned on its title's
 * line, so it can never hide a curve. */
static void
draw_legend (cairo_t *cr, const Panel *p, const LegendItem *items, guint n_items)
{
  const double swatch = 26, gap = 6, spacing = 22;
  double x = p->x + p->w;

  for (guint i = n_items; i-- > 0;)
    {
      g_autoptr (PangoLayout) layout = pango_cairo_create_layout (cr);
      PangoFontDescription *font = pango_font_description_from_string (FONT " 10");
      double cy = p->y - 15;
      int tw, th;

      pango_layout_set_font_description (layout, font);
      pango_font_description_free (font);
      pango_layout_set_text (layout, items[i].label, -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      x -= tw;
      set_rgb (cr, ink);
      cairo_move_to (cr, round (x), round (cy - th / 2.0));
      pango_cairo_show_layout (cr, layout);
      x -= gap + swatch;

      set_rgb (cr, items[i].rgb);
      cairo_set_line_width (cr, items[i].width);
      cairo_move_to (cr, x, cy);
      cairo_line_to (cr, x + swatch, cy);
      cairo_stroke (cr);
      if (items[i].style == STYLE_MARKERS)
        {
          cairo_arc (cr, x + swatch / 2, cy, 4.0, 0, 2 * G_PI);
          cairo_fill_preserve (cr);
          cairo_set_source_rgb (cr, 1, 1, 1);
          cairo_set_line_width (cr, 1.2);
          cairo_stroke (cr);
        }
      x -= spacing;
    }
}

static void
column_range (const Row *rows, guint n, int col, double scale, gboolean positive,
              double *lo, double *hi)
{
  for (guint i = 0; i < n; i++)
    {
      double v = rows[i].v[col] * scale;

      if (!isfinite (v) || (positive && v <= 0))
        continue;
      *lo = MIN (*lo, v);
      *hi = MAX (*hi, v);
    }
}

typedef struct {
  double lo, hi;
} RightAxis;

static double
to_right_y (const Panel *p, double v, gpointer data)
{
  const RightAxis *axis = data;

  return scale_y (v, axis->lo, axis->hi, p);
}

static void
draw_panel_title (cairo_t *cr, const Panel *p, const char *title)
{
  set_rgb (cr, ink);
  draw_text (cr, title, 11.5, TRUE, p->x, p->y - 6, 0, 1);
}

static cairo_status_t
write_stream (void *closure, const unsigned char *data, unsigned int length)
{
  return fwrite (data, 1, length, closure) == length ? CAIRO_STATUS_SUCCESS
                                                     : CAIRO_STATUS_WRITE_ERROR;
}

/* g_mkstemp makes the file 0600; a chart should get the usual mode. */
static int
chmod_as_new_file (const char *path)
{
  mode_t mask = umask (0);

  umask (mask);
  return g_chmod (path, 0666 & ~mask);
}

/* Writes to a temporary file beside the target and renames it over, so a
 * reader never sees half a PNG. */
static gboolean
write_png_atomically (cairo_surface_t *surface, const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  cairo_status_t status;
  FILE *f;
  int fd, saved = 0;

  fd = g_mkstemp (tmp);
  if (fd < 0)
    return fail_errno (error, path, errno);
  f = fdopen (fd, "wb");
  if (f == NULL)
    {
      saved = errno;
      close (fd);
      g_unlink (tmp);
      return fail_errno (error, path, saved);
    }
  status = cairo_surface_write_to_png_stream (surface, write_stream, f);
  if (status == CAIRO_STATUS_SUCCESS && (fflush (f) != 0 || fsync (fileno (f)) != 0))
    saved = errno;
  if (fclose (f) != 0 && saved == 0)
    saved = errno;
  if (status == CAIRO_STATUS_SUCCESS && saved == 0
      && (chmod_as_new_file (tmp) != 0 || g_rename (tmp, path) != 0))
    saved = errno;
  if (status == CAIRO_STATUS_SUCCESS && saved == 0)
    return TRUE;

  g_unlink (tmp);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "%s: %s", path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return fail_errno (error, path, saved);
}

static void
draw_chart (cairo_t *cr, const Row *rows, guint n, int atoms, const char *title)
{
  const double left = 100, right = WIDTH - 100, top = 112, bottom = HEIGHT - 62, gap = 46;
  const double ph = (bottom - top - 2 * gap) / 3;
  const Row *last = &rows[n - 1];
  const Row *last_val = NULL, *best_val = NULL;
  Panel pa, pb, pc;
  RightAxis atoms_axis = { 0, atoms };
  double lo, hi, xmax, atoms_top;
  g_autofree char *subtitle = NULL, *right_title = NULL;
  g_autoptr (GArray) smooth = NULL;
  gboolean smoothed;

  for (guint i = 0; i < n; i++)
    if (isfinite (rows[i].v[COL_VAL_PSNR]))
      {
        last_val = &rows[i];
        if (best_val == NULL || rows[i].v[COL_VAL_PSNR] > best_val->v[COL_VAL_PSNR])
          best_val = &rows[i];
      }

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);

  /* Title and a one-line summary of where the run ended. */
  set_rgb (cr, ink);
  draw_text_width (cr, title, 15, TRUE, left, 16, 0, 0, right - left + 60);
  if (last_val)
    subtitle = g_strdup_printf ("%.0f steps in %.1f min  \u00b7  last validation: PSNR %.2f dB, "
                                "SSIM %.3f, %.1f %% active, %.0f/%d atoms used  \u00b7  "
                                "best PSNR %.2f dB at %.1f min",
                                last->v[COL_STEP], last->minutes, last_val->v[COL_VAL_PSNR],
                                last_val->v[COL_VAL_SSIM], 100 * last_val->v[COL_ACTIVE],
                                last_val->v[COL_ATOMS_USED], atoms, best_val->v[COL_VAL_PSNR],
                                best_val->minutes);
  else
    subtitle = g_strdup_printf ("%.0f steps in %.1f min  \u00b7  no validation rows",
                                last->v[COL_STEP], last->minutes);
  cairo_set_source_rgb (cr, 0.35, 0.35, 0.38);
  draw_text_width (cr, subtitle, 10.5, FALSE, left, 46, 0, 0, right - left + 60);

  xmax = 0;
  for (guint i = 0; i < n; i++)
    xmax = MAX (xmax, rows[i].minutes);
  xmax = xmax > 0 ? xmax * 1.015 : 1.0;
  pa = (Panel) { left, top, right - left, ph, 0, xmax, 0, 0, TRUE };
  pb = (Panel) { left, top + ph + gap, right - left, ph, 0, xmax, 0, 0, FALSE };
  pc = (Panel) { left, top + 2 * (ph + gap), right - left, ph, 0, xmax, 0, 0, FALSE };

  /* (a) Loss on a log axis, padded a little beyond the data. */
  lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;
  column_range (rows, n, COL_LOSS, 1, TRUE, &lo, &hi);
  if (lo > hi)
    lo = 0.01, hi = 1;
  pa.ymin = log10 (lo);
  pa.ymax = log10 (hi);
  if (pa.ymax - pa.ymin < 0.3)
    {
      double mid = (pa.ymax + pa.ymin) / 2;
      pa.ymin = mid - 0.15, pa.ymax = mid + 0.15;
    }
  else
    {
      double pad = 0.05 * (pa.ymax - pa.ymin);
      pa.ymin -= pad, pa.ymax += pad;
    }
  draw_panel_title (cr, &pa, "Training loss");
  draw_x_axis (cr, &pa, FALSE);
  draw_log_y_axis (cr, &pa);
  /* The batch loss is noisy: a moving average shows the trend once there
   * are enough rows for it to mean something. */
  smoothed = n >= 40;
  if (smoothed)
    {
      smooth = smooth_loss (rows, n, MAX (2, n / 60));
      plot_series (cr, &pa, rows, n, COL_LOSS, 1, to_panel_y, NULL, light_blue, STYLE_LINE, 1.0);
      plot_series (cr, &pa, (Row *) smooth->data, n, COL_LOSS, 1, to_panel_y, NULL, blue,
                   STYLE_LINE, 2.2);
    }
  else
    plot_series (cr, &pa, rows, n, COL_LOSS, 1, to_panel_y, NULL, blue, STYLE_LINE, 1.8);
  draw_frame (cr, &pa);
  {
    const LegendItem raw = { "loss of the batch, every 50 steps", light_blue, STYLE_LINE, 1.0 };
    const LegendItem avg = { "moving average", blue, STYLE_LINE, 2.2 };
    const LegendItem plain = { "loss of the batch, every 50 steps", blue, STYLE_LINE, 1.8 };
    LegendItem items[2];
    guint n_items = 0;

    if (smoothed)
      {
        items[n_items++] = raw;
        items[n_items++] = avg;
      }
    else
      items[n_items++] = plain;
    draw_legend (cr, &pa, items, n_items);
  }
  set_rgb (cr, ink);
  draw_vertical_text (cr, "loss (log scale)", 28, pa.y + pa.h / 2);

  /* (b) PSNR: the training batch's and the validation set's. */
  lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;
  column_range (rows, n, COL_TRAIN_PSNR, 1, FALSE, &lo, &hi);
  column_range (rows, n, COL_VAL_PSNR, 1, FALSE, &lo, &hi);
  if (lo > hi)
    lo = 0, hi = 40;
  /* Room above the last validation result for its label, and below so
   * the first points do not sit on the frame. */
  hi += 0.08 * (hi - lo);
  lo -= 0.03 * (hi - lo);
  nice_range (&lo, &hi, 6);
  pb.ymin = lo, pb.ymax = hi;
  draw_panel_title (cr, &pb, "Reconstruction quality (PSNR)");
  draw_x_axis (cr, &pb, FALSE);
  draw_linear_y_axis (cr, &pb, lo, hi, hi, 0, FALSE);
  plot_series (cr, &pb, rows, n, COL_TRAIN_PSNR, 1, to_panel_y, NULL, light_blue, STYLE_LINE, 1.2);
  plot_series (cr, &pb, rows, n, COL_VAL_PSNR, 1, to_panel_y, NULL, orange, STYLE_MARKERS, 2.0);
  draw_frame (cr, &pb);
  if (last_val)
    {
      /* The last validation result, written above its marker, or below it
       * when there is no room above (beside it, it would cover the line). */
      char label[64];
      double x = panel_x (&pb, last_val->minutes), y = panel_y (&pb, last_val->v[COL_VAL_PSNR]);
      double lx = MIN (x, pb.x + pb.w - 4), ly = y - 8, ay = 1;

      g_snprintf (label, sizeof label, "%.2f dB", last_val->v[COL_VAL_PSNR]);
      if (ly - 18 < pb.y)
        ly = y + 8, ay = 0;
      set_rgb (cr, orange);
      draw_text (cr, label, 10, TRUE, lx, ly, 1, ay);
    }
  {
    const LegendItem items[] = {
      { "training batch, every 50 steps", light_blue, STYLE_LINE, 1.2 },
      { "validation photos", orange, STYLE_MARKERS, 2.0 },
    };

    draw_legend (cr, &pb, items, last_val ? 2 : 1);
  }
  set_rgb (cr, ink);
  draw_vertical_text (cr, "PSNR (dB)", 28, pb.y + pb.h / 2);

  /* (c) Share of non-zero codes (left) and atoms in use (right, 0..K). */
  lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;
  column_range (rows, n, COL_ACTIVE, 100, FALSE, &lo, &hi);
  if (lo > hi)
    lo = 0, hi = 100;
  /* Headroom: the atoms-used markers usually run along the top. */
  hi += 0.25 * (hi - lo);
  lo -= 0.03 * (hi - lo);
  nice_range (&lo, &hi, 5);
  lo = MAX (lo, 0), hi = MIN (hi, 100);
  if (hi <= lo)
    lo = 0, hi = 100;
  pc.ymin = lo, pc.ymax = hi;
  /* Atoms used is usually K itself: headroom keeps those markers off the
   * frame, and ticks at quarters of K end on a labelled K. */
  column_range (rows, n, COL_ATOMS_USED, 1, FALSE, &atoms_axis.lo, &atoms_axis.hi);
  atoms_axis.lo = 0;
  atoms_top = atoms_axis.hi;
  atoms_axis.hi *= 1.07;
  draw_panel_title (cr, &pc, "Sparsity: active codes and atoms used");
  draw_x_axis (cr, &pc, TRUE);
  draw_linear_y_axis (cr, &pc, lo, hi, hi, 0, FALSE);
  draw_linear_y_axis (cr, &pc, 0, atoms_axis.hi, atoms_top,
                      atoms % 4 == 0 && atoms_top == atoms ? atoms / 4 : 0, TRUE);
  plot_series (cr, &pc, rows, n, COL_ACTIVE, 100, to_panel_y, NULL, green, STYLE_LINE, 1.6);
  plot_series (cr, &pc, rows, n, COL_ATOMS_USED, 1, to_right_y, &atoms_axis, purple,
               STYLE_MARKERS, 2.0);
  draw_frame (cr, &pc);
  {
    const LegendItem items[] = {
      { "active codes, training batch (left axis)", green, STYLE_LINE, 1.6 },
      { "atoms used on validation (right axis)", purple, STYLE_MARKERS, 2.0 },
    };

    draw_legend (cr, &pc, items, last_val ? 2 : 1);
  }
  set_rgb (cr, green);
  draw_vertical_text (cr, "active codes (%)", 28, pc.y + pc.h / 2);
  right_title = g_strdup_printf ("atoms used (of %d)", atoms);
  set_rgb (cr, purple);
  draw_vertical_text (cr, right_title, WIDTH - 26, pc.y + pc.h / 2);

  set_rgb (cr, ink);
  draw_text (cr, "training time (minutes)", 10.5, FALSE, pc.x + pc.w / 2, pc.y + pc.h + 32, 0.5, 0);
}

static int
usage_error (const char *message)
{
  fprintf (stderr, "plot-training: %s (usage: plot-training LOG.csv OUT.png [--atoms K] "
           "[--title TEXT])\n", message);
  return 2;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rows = NULL;
  g_autofree char *title = NULL;
  g_autofree char *default_title = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  int atoms = 256;
  guint n_malformed = 0;
  gboolean ok;
  const GOptionEntry entries[] = {
    { "atoms", 0, 0, G_OPTION_ARG_INT, &atoms, "Atoms K: the top of the atoms-used axis (default 256)", "K" },
    /* Taken as bytes: a UTF-8 title (the recipe's has a β) must work in
     * the C locale too, where GOption would refuse to convert it. */
    { "title", 0, 0, G_OPTION_ARG_FILENAME, &title, "Chart title (default: the log's file name)", "TEXT" },
    { NULL },
  };

  context = g_option_context_new ("LOG.csv OUT.png");
  g_option_context_set_summary (context, "Draws the CSV written by 'scvae train --log' as a PNG chart.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (error->message);
  if (argc != 3)
    return usage_error (argc < 3 ? "expected LOG.csv and OUT.png" : "too many arguments");
  if (atoms < 1)
    return usage_error ("--atoms must be at least 1");

  rows = read_log (argv[1], &n_malformed, &error);
  if (rows == NULL)
    {
      fprintf (stderr, "plot-training: %s\n", error->message);
      return 2;
    }
  if (rows->len == 0)
    {
      fprintf (stderr, "plot-training: %s: no data rows (expected the CSV of 'scvae train --log')\n",
               argv[1]);
      return 2;
    }
  if (n_malformed > 0)
    fprintf (stderr, "plot-training: %s: skipped %u malformed line%s\n", argv[1], n_malformed,
             n_malformed == 1 ? "" : "s");

  if (title != NULL && !g_utf8_validate (title, -1, NULL))
    {
      char *utf8 = g_locale_to_utf8 (title, -1, NULL, NULL, NULL);

      if (utf8 == NULL)
        utf8 = g_utf8_make_valid (title, -1);
      g_free (title);
      title = utf8;
    }
  if (title == NULL)
    {
      default_title = g_path_get_basename (argv[1]);
      title = g_strdup_printf ("Training log %s", default_title);
    }

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, WIDTH, HEIGHT);
  cr = cairo_create (surface);
  draw_chart (cr, (Row *) rows->data, rows->len, atoms, title);
  cairo_destroy (cr);
  ok = cairo_surface_status (surface) == CAIRO_STATUS_SUCCESS
       && write_png_atomically (surface, argv[2], &error);
  if (!ok && error == NULL)
    g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s", argv[2],
                 cairo_status_to_string (cairo_surface_status (surface)));
  cairo_surface_destroy (surface);
  if (!ok)
    {
      fprintf (stderr, "plot-training: %s\n", error->message);
      return 1;
    }
  return 0;
}
