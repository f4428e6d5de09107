/* lens-preferences-window.c: style, heat map colours, working size, threads
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lens-preferences-window.h"

#include "lens-settings.h"

struct _LensPreferencesWindow {
  AdwPreferencesWindow parent_instance;

  GSettings *settings;

  /* Template widgets */
  AdwComboRow *style_row;
  AdwComboRow *colormap_row;
  AdwComboRow *scale_row;
  GtkAdjustment *working_size_adjustment;
  GtkAdjustment *threads_adjustment;
};

G_DEFINE_FINAL_TYPE (LensPreferencesWindow, lens_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The rows list an enum key's values in the schema's order, so a row's
 * "selected" position is the enum's nick at that position. */
static const char *style_nicks[] = { "follow", "light", "dark", NULL };
static const char *colormap_nicks[] = { "viridis", "magma", "grey", NULL };
static const char *scale_nicks[] = { "fixed", "per-image", NULL };

static gboolean
nick_to_position (GValue *value, GVariant *variant, gpointer data)
{
  const char **nicks = data;
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; nicks[i]; i++)
    if (g_str_equal (nicks[i], nick))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
position_to_nick (const GValue *value, const GVariantType *type, gpointer data)
{
  const char **nicks = data;
  guint position = g_value_get_uint (value);

  for (guint i = 0; nicks[i]; i++)
    if (i == position)
      return g_variant_new_string (nicks[i]);
  return NULL;  /* GTK_INVALID_LIST_POSITION: leave the key alone */
}

static void
bind_enum_row (GSettings *settings, const char *key, AdwComboRow *row, const char **nicks)
{
  g_settings_bind_with_mapping (settings, key, row, "selected", G_SETTINGS_BIND_DEFAULT,
                                nick_to_position, position_to_nick, (gpointer) nicks, NULL);
}

static void
lens_preferences_window_dispose (GObject *object)
{
  LensPreferencesWindow *self = LENS_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), LENS_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (lens_preferences_window_parent_class)->dispose (object);
}

static void
lens_preferences_window_class_init (LensPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lens_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparselens/SparseLens/lens-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LensPreferencesWindow, style_row);
  gtk_widget_class_bind_template_child (widget_class, LensPreferencesWindow, colormap_row);
  gtk_widget_class_bind_template_child (widget_class, LensPreferencesWindow, scale_row);
  gtk_widget_class_bind_template_child (widget_class, LensPreferencesWindow, working_size_adjustment);
  gtk_widget_class_bind_template_child (widget_class, LensPreferencesWindow, threads_adjustment);
}

static void
lens_preferences_window_init (LensPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = lens_settings_new ();
  bind_enum_row (self->settings, "color-scheme", self->style_row, style_nicks);
  bind_enum_row (self->settings, "heatmap-colormap", self->colormap_row, colormap_nicks);
  bind_enum_row (self->settings, "heatmap-scale", self->scale_row, scale_nicks);
  lens_settings_bind_int_adjustment (self->settings, "working-size", self->working_size_adjustment);
  lens_settings_bind_int_adjustment (self->settings, "engine-threads", self->threads_adjustment);
}

GtkWidget *
lens_preferences_window_new (GtkWindow *parent)
{
  return g_object_new (LENS_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "modal", TRUE,
                       NULL);
}
