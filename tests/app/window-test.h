/* window-test.h: what the tests of the real window share: waiting for
 * its results, comparing pictures, finding the most used atoms
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <string.h>

#include "lens-window-private.h"
#include "app-test.h"

/* Runs the main loop until a result newer than `after` is shown; returns
 * a new reference to it. */
static inline LensResult *
wait_for_result (LensWindow *window, guint64 after)
{
  gint64 deadline = g_get_monotonic_time () + patience ();

  while (g_get_monotonic_time () < deadline)
    {
      if (!lens_worker_get_busy (lens_window_get_worker (window)))
        {
          LensResult *result;

          /* The last result was posted before the worker went idle. */
          while (g_main_context_iteration (NULL, FALSE))
            ;
          result = lens_window_get_result (window);
          if (result && result->serial > after)
            return lens_result_ref (result);
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_error ("no result from the engine thread in time");
}

static inline gboolean
pictures_differ (LensPicture *a, LensPicture *b)
{
  cairo_surface_t *x = a->levels[0], *y = b->levels[0];
  int h = cairo_image_surface_get_height (x);

  if (cairo_image_surface_get_width (x) != cairo_image_surface_get_width (y) || h != cairo_image_surface_get_height (y))
    return TRUE;
  return memcmp (cairo_image_surface_get_data (x), cairo_image_surface_get_data (y),
                 (gsize) cairo_image_surface_get_stride (x) * h) != 0;
}

/* The atom used by the most patches of result, other than skip. */
static inline int
most_used_atom (LensResult *result, int K, int skip)
{
  int best = -1;

  for (int k = 0; k < K; k++)
    if (k != skip && (best < 0 || result->usage[k].count > result->usage[best].count))
      best = k;
  return best;
}


/* A click on a button, as its "clicked" handlers see it (activating it
 * would emit "clicked" only after a timeout). */
static inline void
click (GtkWidget *button)
{
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}
