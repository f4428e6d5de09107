/* lens-image-view.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The picture is drawn once into a cached render node; hover outlines and
 * the split handle are drawn over it each frame, so moving the pointer
 * never redraws the image.
 */

#include "lens-image-view.h"

#include "lens-segment-edges.h"

#include "scvae.h"

#include <math.h>
#include <string.h>

#define FRAME_RADIUS 8
#define SPLIT_GRAB 8.0 /* pixels either side of the split line that grab it */

struct _LensImageView {
  GtkWidget parent_instance;

  LensViewport *viewport;
  int image_width, image_height; /* the viewport's, as last measured */
  LensPicture *picture;
  LensPicture *before;
  double split;             /* 0..1 of the image width */

  LensPicture *overlay;
  double overlay_opacity;
  guint8 *labels;           /* for segment borders */
  int label_rows, label_cols;
  gboolean highlight[SCVAE_MAX_CLUSTERS]; /* segments outlined as selected */
  guint32 outline_colors[SCVAE_MAX_CLUSTERS]; /* 0xffRRGGBB per segment, 0: none */
  int n_outlines;           /* segments drawn as outlines in their colours; 0: none */
  gboolean any_highlight;
  int *marks;
  int n_marks, mark_cols;

  GskRenderNode *cache;     /* the pictures at the current geometry */
  int cache_width, cache_height;

  double pointer_x, pointer_y; /* last pointer position, for zooming */

  /* drag state */
  gboolean dragging_split;
  double drag_center_x, drag_center_y, drag_zoom;
  double zoom_at_begin;
};

G_DEFINE_FINAL_TYPE (LensImageView, lens_image_view, GTK_TYPE_WIDGET)

enum {
  SIGNAL_PATCH_CLICKED,
  N_VIEW_SIGNALS
};

static guint view_signals[N_VIEW_SIGNALS];

/* view = offset + scale * image */
static void
geometry (LensImageView *self, double *scale, double *ox, double *oy)
{
  int iw, ih, w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  double zoom = lens_viewport_get_zoom (self->viewport), cx, cy;

  lens_viewport_get_image_size (self->viewport, &iw, &ih);
  if (iw <= 0 || ih <= 0)
    {
      *scale = 1, *ox = 0, *oy = 0;
      return;
    }
  if (zoom == 0.0)
    {
      double fit = lens_viewport_get_fit_scale (self->viewport);

      *scale = fit > 0.0 ? fit : MIN ((double) w / iw, (double) h / ih);
      *ox = (w - *scale * iw) / 2;
      *oy = (h - *scale * ih) / 2;
    }
  else
    {
      lens_viewport_get_center (self->viewport, &cx, &cy);
      *scale = zoom;
      *ox = w / 2.0 - zoom * cx;
      *oy = h / 2.0 - zoom * cy;
    }
}

double
lens_image_view_get_fit_scale (LensImageView *self)
{
  int iw, ih, w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->viewport == NULL)
    return 0.0;
  lens_viewport_get_image_size (self->viewport, &iw, &ih);
  return iw > 0 && ih > 0 && w > 0 && h > 0 ? MIN ((double) w / iw, (double) h / ih) : 0.0;
}

double
lens_image_view_get_scale (LensImageView *self)
{
  double scale, ox, oy;

  geometry (self, &scale, &ox, &oy);
  return scale;
}

gboolean
lens_image_view_to_image (LensImageView *self, double x, double y, double *image_x, double *image_y)
{
  int iw, ih;
  double scale, ox, oy;

  if (self->viewport == NULL)
    return FALSE;
  geometry (self, &scale, &ox, &oy);
  lens_viewport_get_image_size (self->viewport, &iw, &ih);
  *image_x = (x - ox) / scale;
  *image_y = (y - oy) / scale;
  return *image_x >= 0 && *image_y >= 0 && *image_x < iw && *image_y < ih;
}

void
lens_image_view_from_image (LensImageView *self, double image_x, double image_y, double *x, double *y)
{
  double scale, ox, oy;

  geometry (self, &scale, &ox, &oy);
  *x = ox + scale * image_x;
  *y = oy + scale * image_y;
}

static void
invalidate (LensImageView *self)
{
  int iw = 0, ih = 0;

  g_clear_pointer (&self->cache, gsk_render_node_unref);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (self->viewport)
    lens_viewport_get_image_size (self->viewport, &iw, &ih);
  if (iw != self->image_width || ih != self->image_height)
    {
      /* A new shape asks for a new height (measure) */
      self->image_width = iw;
      self->image_height = ih;
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
}

static GskRenderNode *
render_pictures (LensImageView *self, int w, int h)
{
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, w, h);
  GskRenderNode *node = gsk_cairo_node_new (&bounds);
  cairo_t *cr = gsk_cairo_node_get_draw_context (node);
  double scale, ox, oy;
  int iw, ih;

  geometry (self, &scale, &ox, &oy);
  lens_viewport_get_image_size (self->viewport, &iw, &ih);
  cairo_translate (cr, ox, oy);
  cairo_scale (cr, scale, scale);
  /* Heat maps cover the padded patch grid: show the image's area only. */
  cairo_rectangle (cr, 0, 0, iw, ih);
  cairo_clip (cr);

  lens_picture_paint (self->picture, cr, scale, 1.0);
  if (self->overlay)
    lens_picture_paint (self->overlay, cr, scale, self->overlay_opacity);
  if (self->labels)
    {
      LensLabelGrid grid = { self->labels, self->label_rows, self->label_cols };

      if (self->overlay)
        lens_segment_edges_draw_borders (cr, &grid, scale);
      if (self->n_outlines > 0)
        lens_segment_edges_draw_outlines (cr, &grid, self->outline_colors, self->n_outlines, scale);
      if (self->any_highlight)
        lens_segment_edges_draw_selection (cr, &grid, self->highlight, scale);
    }
  if (self->before)
    {
      cairo_rectangle (cr, 0, 0, self->split * iw, ih);
      cairo_clip (cr);
      lens_picture_paint (self->before, cr, scale, 1.0);
    }
  cairo_destroy (cr);
  return node;
}

/* The frame hugs the visible part of the image, with a card's rounded
 * corners and soft shadow: a photo of any shape then sits on the window
 * instead of on a white slab of the view's shape. */
static void
append_framed_picture (LensImageView *self, GtkSnapshot *snapshot, const graphene_rect_t *image, int w, int h)
{
  const GdkRGBA shadow = { 0, 0, 0, 0.18 }, outline = { 0, 0, 0, 0.06 };
  const float outline_width[4] = { 1, 1, 1, 1 };
  const GdkRGBA outline_colors[4] = { outline, outline, outline, outline };
  graphene_rect_t visible;
  GskRoundedRect frame;

  if (!graphene_rect_intersection (image, &GRAPHENE_RECT_INIT (0, 0, w, h), &visible))
    return;
  gsk_rounded_rect_init_from_rect (&frame, &visible, FRAME_RADIUS);
  gtk_snapshot_append_outset_shadow (snapshot, &frame, &shadow, 0, 1, 0, 3);
  gtk_snapshot_push_rounded_clip (snapshot, &frame);
  gtk_snapshot_append_node (snapshot, self->cache);
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_append_border (snapshot, &frame, outline_width, outline_colors);
}

static void
lens_image_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  LensImageView *self = LENS_IMAGE_VIEW (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  double scale, ox, oy;
  int row, col, iw, ih;

  if (self->viewport == NULL || self->picture == NULL || w <= 0 || h <= 0)
    return;

  if (self->cache == NULL || self->cache_width != w || self->cache_height != h)
    {
      g_clear_pointer (&self->cache, gsk_render_node_unref);
      self->cache = render_pictures (self, w, h);
      self->cache_width = w;
      self->cache_height = h;
    }
  geometry (self, &scale, &ox, &oy);
  lens_viewport_get_image_size (self->viewport, &iw, &ih);
  append_framed_picture (self, snapshot, &GRAPHENE_RECT_INIT (ox, oy, iw * scale, ih * scale), w, h);

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  if (self->before)
    {
      double x = ox + self->split * iw * scale;
      GdkRGBA white = { 1, 1, 1, 0.9 }, shadow = { 0, 0, 0, 0.4 };

      gtk_snapshot_append_color (snapshot, &shadow, &GRAPHENE_RECT_INIT (x - 1.5, oy, 3, ih * scale));
      gtk_snapshot_append_color (snapshot, &white, &GRAPHENE_RECT_INIT (x - 0.5, oy, 1, ih * scale));
      gtk_snapshot_append_color (snapshot, &white, &GRAPHENE_RECT_INIT (x - 4, oy + ih * scale / 2 - 12, 8, 24));
    }

  /* Marked patches: a yellow ring each. */
  for (int i = 0; i < self->n_marks; i++)
    {
      int r = self->marks[i] / self->mark_cols, c = self->marks[i] % self->mark_cols;
      double side = MAX (SCVAE_PATCH_PIXELS * scale, 4.0);
      GskRoundedRect ring;
      float width[4] = { 2, 2, 2, 2 };
      GdkRGBA yellow[4];

      for (int j = 0; j < 4; j++)
        yellow[j] = (GdkRGBA) { 1, 0.85, 0.1, 1 };
      gsk_rounded_rect_init_from_rect (&ring, &GRAPHENE_RECT_INIT (ox + c * SCVAE_PATCH_PIXELS * scale - 2,
                                                                   oy + r * SCVAE_PATCH_PIXELS * scale - 2,
                                                                   side + 4, side + 4), 2);
      gtk_snapshot_append_border (snapshot, &ring, width, yellow);
    }

  lens_viewport_get_hover (self->viewport, &row, &col);
  if (row >= 0 && col >= 0)
    {
      /* Two rings, dark and light, so the outline shows on any content. */
      double side = MAX (SCVAE_PATCH_PIXELS * scale, 3.0);
      GskRoundedRect outer, inner;
      float dark[4] = { 2, 2, 2, 2 }, light[4] = { 1, 1, 1, 1 };
      GdkRGBA black[4], white[4];

      for (int i = 0; i < 4; i++)
        black[i] = (GdkRGBA) { 0, 0, 0, 0.8 }, white[i] = (GdkRGBA) { 1, 1, 1, 1 };
      gsk_rounded_rect_init_from_rect (&outer, &GRAPHENE_RECT_INIT (ox + col * SCVAE_PATCH_PIXELS * scale - 2,
                                                                    oy + row * SCVAE_PATCH_PIXELS * scale - 2,
                                                                    side + 4, side + 4), 0);
      gsk_rounded_rect_init_from_rect (&inner, &GRAPHENE_RECT_INIT (ox + col * SCVAE_PATCH_PIXELS * scale - 1,
                                                                    oy + row * SCVAE_PATCH_PIXELS * scale - 1,
                                                                    side + 2, side + 2), 0);
      gtk_snapshot_append_border (snapshot, &outer, dark, black);
      gtk_snapshot_append_border (snapshot, &inner, light, white);
    }
  gtk_snapshot_pop (snapshot);
}

/* ------------------------------------------------------------------------- */
/* Input */

static void
zoom_around (LensImageView *self, double factor, double x, double y)
{
  double scale, ox, oy, ix, iy, cx, cy, zoom;
  int w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));

  geometry (self, &scale, &ox, &oy);
  zoom = CLAMP (scale * factor, LENS_ZOOM_MIN, LENS_ZOOM_MAX);
  /* Keep the image point under (x, y) where it is. */
  ix = (x - ox) / scale;
  iy = (y - oy) / scale;
  cx = ix - (x - w / 2.0) / zoom;
  cy = iy - (y - h / 2.0) / zoom;
  lens_viewport_set_view (self->viewport, zoom, cx, cy);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller, double dx, double dy, LensImageView *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  double scale, ox, oy, cx, cy;

  if (self->viewport == NULL || self->picture == NULL)
    return FALSE;
  if (state & GDK_CONTROL_MASK)
    {
      zoom_around (self, pow (1.1, -dy), self->pointer_x, self->pointer_y);
      return TRUE;
    }
  if (lens_viewport_get_zoom (self->viewport) == 0.0)
    return FALSE;
  /* Zoomed in: scrolling pans. */
  geometry (self, &scale, &ox, &oy);
  lens_viewport_get_center (self->viewport, &cx, &cy);
  lens_viewport_set_view (self->viewport, scale, cx + 40 * dx / scale, cy + 40 * dy / scale);
  return TRUE;
}

static void
on_pinch_begin (GtkGesture *gesture, GdkEventSequence *sequence, LensImageView *self)
{
  double scale, ox, oy;

  geometry (self, &scale, &ox, &oy);
  self->zoom_at_begin = scale;
}

static void
on_pinch (GtkGestureZoom *gesture, double factor, LensImageView *self)
{
  double x, y, scale, ox, oy;

  geometry (self, &scale, &ox, &oy);
  gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y);
  zoom_around (self, self->zoom_at_begin * factor / scale, x, y);
}

static gboolean
near_split (LensImageView *self, double x)
{
  double scale, ox, oy;
  int iw, ih;

  if (self->before == NULL)
    return FALSE;
  geometry (self, &scale, &ox, &oy);
  lens_viewport_get_image_size (self->viewport, &iw, &ih);
  return fabs (x - (ox + self->split * iw * scale)) <= SPLIT_GRAB;
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, LensImageView *self)
{
  double scale, ox, oy;

  if (self->viewport == NULL)
    return;
  self->dragging_split = near_split (self, x);
  geometry (self, &scale, &ox, &oy);
  self->drag_zoom = scale;
  lens_viewport_get_center (self->viewport, &self->drag_center_x, &self->drag_center_y);
  if (lens_viewport_get_zoom (self->viewport) == 0.0)
    {
      int iw, ih;
      lens_viewport_get_image_size (self->viewport, &iw, &ih);
      self->drag_center_x = iw / 2.0;
      self->drag_center_y = ih / 2.0;
    }
}

static void
on_drag_update (GtkGestureDrag *gesture, double dx, double dy, LensImageView *self)
{
  double start_x, start_y;

  if (self->viewport == NULL)
    return;
  gtk_gesture_drag_get_start_point (gesture, &start_x, &start_y);
  if (self->dragging_split)
    {
      double ix, iy;
      int iw, ih;

      lens_image_view_to_image (self, start_x + dx, start_y + dy, &ix, &iy);
      lens_viewport_get_image_size (self->viewport, &iw, &ih);
      self->split = CLAMP (ix / iw, 0.0, 1.0);
      invalidate (self);
      return;
    }
  /* Dragging pans, zoomed in or not (it keeps the current scale). */
  lens_viewport_set_view (self->viewport, self->drag_zoom,
                          self->drag_center_x - dx / self->drag_zoom,
                          self->drag_center_y - dy / self->drag_zoom);
}

/* A press and release without moving is a click on a patch. */
static void
on_drag_end (GtkGestureDrag *gesture, double dx, double dy, LensImageView *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));
  double x, y;

  if (self->viewport == NULL || self->dragging_split || fabs (dx) > 3 || fabs (dy) > 3)
    return;
  gtk_gesture_drag_get_start_point (gesture, &x, &y);
  lens_image_view_click (self, x, y, button, state);
}

gboolean
lens_image_view_click (LensImageView *self, double x, double y, guint button, GdkModifierType state)
{
  double ix, iy;

  if (self->viewport == NULL || !lens_image_view_to_image (self, x, y, &ix, &iy))
    return FALSE;
  g_signal_emit (self, view_signals[SIGNAL_PATCH_CLICKED], 0, (int) (iy / SCVAE_PATCH_PIXELS),
                 (int) (ix / SCVAE_PATCH_PIXELS), x, y, button, state);
  return TRUE;
}

static void
on_motion (GtkEventControllerMotion *controller, double x, double y, LensImageView *self)
{
  double ix, iy;

  self->pointer_x = x;
  self->pointer_y = y;
  if (self->viewport == NULL || self->picture == NULL)
    return;
  if (lens_image_view_to_image (self, x, y, &ix, &iy))
    lens_viewport_set_hover (self->viewport, (int) (iy / SCVAE_PATCH_PIXELS), (int) (ix / SCVAE_PATCH_PIXELS));
  else
    lens_viewport_set_hover (self->viewport, -1, -1);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), near_split (self, x) ? "col-resize" : "crosshair");
}

static void
on_leave (GtkEventControllerMotion *controller, LensImageView *self)
{
  if (self->viewport)
    lens_viewport_set_hover (self->viewport, -1, -1);
}

/* ------------------------------------------------------------------------- */

void
lens_image_view_set_viewport (LensImageView *self, LensViewport *viewport)
{
  if (self->viewport)
    g_signal_handlers_disconnect_by_data (self->viewport, self);
  g_set_object (&self->viewport, viewport);
  if (viewport)
    {
      g_signal_connect_swapped (viewport, "view-changed", G_CALLBACK (invalidate), self);
      g_signal_connect_swapped (viewport, "hover-changed", G_CALLBACK (gtk_widget_queue_draw), self);
    }
  invalidate (self);
}

void
lens_image_view_set_picture (LensImageView *self, LensPicture *picture)
{
  if (self->picture == picture)
    return;
  g_clear_pointer (&self->picture, lens_picture_unref);
  self->picture = picture ? lens_picture_ref (picture) : NULL;
  invalidate (self);
}

void
lens_image_view_set_before (LensImageView *self, LensPicture *before)
{
  if (self->before == before)
    return;
  g_clear_pointer (&self->before, lens_picture_unref);
  self->before = before ? lens_picture_ref (before) : NULL;
  invalidate (self);
}

void
lens_image_view_set_overlay (LensImageView *self, LensPicture *overlay, double opacity,
                             const guint8 *labels, int rows, int cols)
{
  /* Labels without an overlay only serve to outline a selection: while
   * there is none, nothing on screen changes. */
  gboolean unseen = self->overlay == NULL && overlay == NULL && !self->any_highlight && self->n_outlines == 0;

  g_clear_pointer (&self->overlay, lens_picture_unref);
  g_clear_pointer (&self->labels, g_free);
  self->overlay = overlay ? lens_picture_ref (overlay) : NULL;
  self->overlay_opacity = opacity;
  if (labels)
    {
      self->labels = g_memdup2 (labels, (gsize) rows * cols);
      self->label_rows = rows;
      self->label_cols = cols;
    }
  else
    self->any_highlight = FALSE;
  if (!unseen)
    invalidate (self);
}

void
lens_image_view_set_highlight (LensImageView *self, const gboolean *segments, int n)
{
  gboolean highlight[SCVAE_MAX_CLUSTERS] = { FALSE }, any = FALSE;

  for (int i = 0; segments && i < MIN (n, SCVAE_MAX_CLUSTERS); i++)
    any |= highlight[i] = segments[i];
  if (any == self->any_highlight && memcmp (highlight, self->highlight, sizeof highlight) == 0)
    return;
  memcpy (self->highlight, highlight, sizeof highlight);
  self->any_highlight = any;
  invalidate (self);
}

void
lens_image_view_set_outlines (LensImageView *self, const guint32 *colors, int n)
{
  n = colors ? MIN (n, SCVAE_MAX_CLUSTERS) : 0;
  if (n == self->n_outlines && (n == 0 || memcmp (colors, self->outline_colors, n * sizeof (guint32)) == 0))
    return;
  self->n_outlines = n;
  if (n > 0)
    memcpy (self->outline_colors, colors, n * sizeof (guint32));
  invalidate (self);
}

const guint32 *
lens_image_view_get_outlines (LensImageView *self, int *n)
{
  *n = self->n_outlines;
  return self->n_outlines ? self->outline_colors : NULL;
}

LensPicture *
lens_image_view_get_overlay (LensImageView *self)
{
  return self->overlay;
}

void
lens_image_view_set_marks (LensImageView *self, const int *patches, int n, int cols)
{
  g_clear_pointer (&self->marks, g_free);
  self->marks = n > 0 ? g_memdup2 (patches, n * sizeof (int)) : NULL;
  self->n_marks = n;
  self->mark_cols = cols;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
lens_image_view_get_split (LensImageView *self)
{
  return self->split;
}

static GtkSizeRequestMode
lens_image_view_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

/* As tall as the image is at the width given, so a view's header and
 * caption sit right above and below the picture. */
static void
lens_image_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                         int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  LensImageView *self = LENS_IMAGE_VIEW (widget);

  *minimum = 80;
  *natural = 240;
  if (orientation == GTK_ORIENTATION_VERTICAL && for_size > 0 && self->image_width > 0)
    *natural = MAX (*minimum, (int) ((double) for_size * self->image_height / self->image_width));
}

static void
lens_image_view_dispose (GObject *object)
{
  LensImageView *self = LENS_IMAGE_VIEW (object);

  lens_image_view_set_viewport (self, NULL);
  g_clear_pointer (&self->picture, lens_picture_unref);
  g_clear_pointer (&self->before, lens_picture_unref);
  g_clear_pointer (&self->overlay, lens_picture_unref);
  g_clear_pointer (&self->labels, g_free);
  g_clear_pointer (&self->marks, g_free);
  g_clear_pointer (&self->cache, gsk_render_node_unref);
  G_OBJECT_CLASS (lens_image_view_parent_class)->dispose (object);
}

static void
lens_image_view_class_init (LensImageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lens_image_view_dispose;
  widget_class->snapshot = lens_image_view_snapshot;
  widget_class->get_request_mode = lens_image_view_get_request_mode;
  widget_class->measure = lens_image_view_measure;
  gtk_widget_class_set_css_name (widget_class, "lens-image-view");
  /* (row, column, x, y, button, modifiers): a click on a patch, at x, y
   * in widget coordinates */
  view_signals[SIGNAL_PATCH_CLICKED] = g_signal_new ("patch-clicked", G_TYPE_FROM_CLASS (klass),
                                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                     G_TYPE_NONE, 6, G_TYPE_INT, G_TYPE_INT,
                                                     G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_UINT,
                                                     GDK_TYPE_MODIFIER_TYPE);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
lens_image_view_init (LensImageView *self)
{
  GtkEventController *scroll, *motion;
  GtkGesture *drag, *pinch;

  self->split = 0.5;
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), 0); /* any: a right click inspects */
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  pinch = gtk_gesture_zoom_new ();
  g_signal_connect (pinch, "begin", G_CALLBACK (on_pinch_begin), self);
  g_signal_connect (pinch, "scale-changed", G_CALLBACK (on_pinch), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (pinch));

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

GtkWidget *
lens_image_view_new (void)
{
  return g_object_new (LENS_TYPE_IMAGE_VIEW, NULL);
}
