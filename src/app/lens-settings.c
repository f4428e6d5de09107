/* lens-settings.c: the app's GSettings, shared helpers
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lens-settings.h"

#include <math.h>

#include "lens-application.h"

GSettings *
lens_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, LENS_APPLICATION_ID, TRUE)
                                             : NULL;

  /* Run from a build folder without GSETTINGS_SCHEMA_DIR, the schema is
   * nowhere: work, forgetting settings, rather than abort. */
  if (schema == NULL)
    {
      g_message ("The settings schema %s is not installed: settings will not be kept", LENS_APPLICATION_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

/* ------------------------------------------------------------------------- */
/* Colour scheme */

static void
on_color_scheme_changed (GSettings *settings, const char *key, gpointer data)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  static const AdwColorScheme schemes[] = {
    ADW_COLOR_SCHEME_DEFAULT,      /* follow */
    ADW_COLOR_SCHEME_FORCE_LIGHT,  /* light */
    ADW_COLOR_SCHEME_FORCE_DARK,   /* dark */
  };
  int value = g_settings_get_enum (settings, "color-scheme");

  if (value >= 0 && value < (int) G_N_ELEMENTS (schemes))
    adw_style_manager_set_color_scheme (style, schemes[value]);
}

void
lens_settings_follow_color_scheme (GSettings *settings)
{
  g_return_if_fail (G_IS_SETTINGS (settings));

  g_signal_connect_object (settings, "changed::color-scheme", G_CALLBACK (on_color_scheme_changed),
                           NULL, 0);
  on_color_scheme_changed (settings, "color-scheme", NULL);
}

/* ------------------------------------------------------------------------- */
/* Window state: restored once, saved when the window closes (not on every
 * resize). */

static gboolean
on_close_request (GtkWindow *window, GSettings *settings)
{
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  if (!gtk_window_is_maximized (window) && width > 0 && height > 0)
    {
      /* The schema's lower bounds are the window's size request. */
      g_settings_set_int (settings, "window-width", MAX (width, 360));
      g_settings_set_int (settings, "window-height", MAX (height, 400));
    }
  g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (window));
  return FALSE;
}

void
lens_settings_track_window (GSettings *settings, GtkWindow *window)
{
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (GTK_IS_WINDOW (window));

  gtk_window_set_default_size (window,
                               g_settings_get_int (settings, "window-width"),
                               g_settings_get_int (settings, "window-height"));
  if (g_settings_get_boolean (settings, "window-maximized"))
    gtk_window_maximize (window);
  g_signal_connect_object (window, "close-request", G_CALLBACK (on_close_request), settings, 0);
}

/* ------------------------------------------------------------------------- */
/* Int keys on adjustments */

static gboolean
int_to_double (GValue *value, GVariant *variant, gpointer data)
{
  g_value_set_double (value, g_variant_get_int32 (variant));
  return TRUE;
}

static GVariant *
double_to_int (const GValue *value, const GVariantType *type, gpointer data)
{
  return g_variant_new_int32 ((gint32) lround (g_value_get_double (value)));
}

void
lens_settings_bind_int_adjustment (GSettings *settings, const char *key, GtkAdjustment *adjustment)
{
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (GTK_IS_ADJUSTMENT (adjustment));

  g_settings_bind_with_mapping (settings, key, adjustment, "value", G_SETTINGS_BIND_DEFAULT,
                                int_to_double, double_to_int, NULL, NULL);
}

/* ------------------------------------------------------------------------- */
/* Depth */

int
lens_settings_get_depth (GSettings *settings, int trained_depth)
{
  int depth = g_settings_get_int (settings, "depth");

  return depth < 0 ? trained_depth : depth;
}

void
lens_settings_set_depth (GSettings *settings, int depth, int trained_depth)
{
  /* The trained depth is stored as "the model's own", so that the next
   * model opened starts at its own trained depth too. */
  g_settings_set_int (settings, "depth", depth == trained_depth ? -1 : CLAMP (depth, 0, 64));
}
