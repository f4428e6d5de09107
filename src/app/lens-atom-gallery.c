/* lens-atom-gallery.c
 *
 * Copyright 2026 The Sparse Lens authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkGridView of atoms (after gtk4-demo's listview_colors): a list store
 * of LensAtomItem objects, sorted and filtered, in a multi-selection.
 */

#include "config.h"

#include "lens-atom-gallery.h"

#include "lens-atom-cell.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

/* Pixels: whole multiples of the rendered window, so every rendered pixel
 * is magnified alike */
#define THUMBNAIL (4 * SCVAE_ATOM_PIXELS)
#define PREVIEW (12 * SCVAE_ATOM_PIXELS)

/* ------------------------------------------------------------------------- */
/* One atom */

#define LENS_TYPE_ATOM_ITEM (lens_atom_item_get_type ())
G_DECLARE_FINAL_TYPE (LensAtomItem, lens_atom_item, LENS, ATOM_ITEM, GObject)

struct _LensAtomItem {
  GObject parent_instance;
  ScvaeBottleneck kind; /* a VQ model's atoms are its codes, a Gaussian's its channels */
  int index;
  double usage;         /* fraction of this image's patches */
  double mean_abs;      /* mean |coefficient| where it fires */
  double stored_usage;  /* on the model's validation photos; < 0: unknown */
  float gain;           /* the intervention's (1: none) */
  double collection_frequency; /* in a surveyed collection; < 0: none */
  gboolean dead_in_collection, dense_in_collection;
  gboolean show_collection;    /* caption and bar: the collection's share */
  cairo_surface_t *surface;  /* as rendered, SCVAE_ATOM_PIXELS square */
  GdkTexture *thumbnail;
  GdkTexture *preview;       /* made when first hovered */
};

G_DEFINE_FINAL_TYPE (LensAtomItem, lens_atom_item, G_TYPE_OBJECT)

static guint item_changed_signal;

static void
lens_atom_item_finalize (GObject *object)
{
  LensAtomItem *self = LENS_ATOM_ITEM (object);

  g_clear_pointer (&self->surface, cairo_surface_destroy);
  g_clear_object (&self->thumbnail);
  g_clear_object (&self->preview);
  G_OBJECT_CLASS (lens_atom_item_parent_class)->finalize (object);
}

static void
lens_atom_item_class_init (LensAtomItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lens_atom_item_finalize;
  item_changed_signal = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                      NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
lens_atom_item_init (LensAtomItem *self)
{
  self->stored_usage = -1;
  self->gain = 1.f;
  self->collection_frequency = -1;
}

static gboolean
item_is_dead (LensAtomItem *item)
{
  /* Dead: never fires on the validation photos (or, without those
   * statistics, not in this image). */
  return item->stored_usage >= 0 ? item->stored_usage == 0 : item->usage == 0;
}

/* A cairo RGB24 surface magnified with nearest neighbours into an opaque
 * texture. */
static GdkTexture *
texture_from_surface (cairo_surface_t *surface, int size)
{
  int w = cairo_image_surface_get_width (surface), h = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  const guint8 *src = cairo_image_surface_get_data (surface);
  g_autoptr(GBytes) bytes = NULL;
  guint8 *pixels = g_malloc ((gsize) size * size * 4);
  g_autofree int *columns = g_new (int, size);

  for (int x = 0; x < size; x++)
    columns[x] = x * w / size;
  cairo_surface_flush (surface);
  for (int y = 0; y < size; y++)
    {
      const guint32 *row = (const guint32 *) (src + (gsize) (y * h / size) * stride);
      guint8 *d = pixels + (gsize) y * size * 4;

      for (int x = 0; x < size; x++, d += 4)
        {
          guint32 p = row[columns[x]];

          d[0] = p >> 16, d[1] = p >> 8, d[2] = p, d[3] = 0xff;
        }
    }
  bytes = g_bytes_new_take (pixels, (gsize) size * size * 4);
  return gdk_memory_texture_new (size, size, GDK_MEMORY_R8G8B8A8, bytes, (gsize) size * 4);
}

/* ------------------------------------------------------------------------- */
/* The gallery */

enum {
  SORT_USAGE,
  SORT_INDEX,
  SORT_COEFFICIENT,
  SORT_COLLECTION,
};

enum {
  SHOW_ALL,
  SHOW_DEAD,
  SHOW_DENSE,
};

struct _LensAtomGallery {
  GtkWidget parent_instance;

  /* Template widgets */
  GtkWidget *box;
  GtkSearchEntry *search;
  GtkDropDown *sort_by;
  GtkDropDown *show;
  GtkGridView *grid;

  GListStore *store;
  GtkCustomSorter *sorter;
  GtkCustomFilter *filter;
  GtkMultiSelection *selection;
  guint resort_id;

  /* A model's atoms go into the store a few at a time (see add_some_atoms) */
  ScvaeBottleneck kind;
  GPtrArray *arriving;        /* their surfaces */
  double *arriving_stored;    /* stored usage, or NULL */
  guint fill_id;

  ScvaeAtomUsage *usage;      /* the latest image's, kept for atoms still arriving */
  guint usage_atoms, usage_patches;
};

/* While a slider is dragged usage changes with every frame: the bars follow
 * at once, the order only once the image has been still this long, so the
 * gallery neither jumps around nor re-sorts for each frame. */
#define RESORT_DELAY_MS 400

G_DEFINE_FINAL_TYPE (LensAtomGallery, lens_atom_gallery, GTK_TYPE_WIDGET)

enum {
  SIGNAL_SELECTION_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static int
compare_items (gconstpointer a, gconstpointer b, gpointer data)
{
  LensAtomGallery *self = data;
  const LensAtomItem *x = a, *y = b;
  double vx = 0, vy = 0;

  switch (gtk_drop_down_get_selected (self->sort_by))
    {
    case SORT_USAGE:
      vx = x->usage, vy = y->usage;
      break;
    case SORT_COEFFICIENT:
      vx = x->mean_abs, vy = y->mean_abs;
      break;
    case SORT_COLLECTION:
      vx = x->collection_frequency, vy = y->collection_frequency;
      break;
    default:
      break;
    }
  /* Largest first, then by index. */
  if (vx != vy)
    return vx < vy ? GTK_ORDERING_LARGER : GTK_ORDERING_SMALLER;
  return x->index < y->index ? GTK_ORDERING_SMALLER : x->index > y->index;
}

static gboolean
filter_item (gpointer item, gpointer data)
{
  LensAtomGallery *self = data;
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search))));
  LensAtomItem *atom = LENS_ATOM_ITEM (item);
  char digits[16];

  switch (gtk_drop_down_get_selected (self->show))
    {
    case SHOW_DEAD:
      if (!atom->dead_in_collection)
        return FALSE;
      break;
    case SHOW_DENSE:
      if (!atom->dense_in_collection)
        return FALSE;
      break;
    default:
      break;
    }
  if (*text == '\0')
    return TRUE;
  /* The typed digits anywhere in the index: "12" finds 12, 112, 120... */
  g_snprintf (digits, sizeof digits, "%d", LENS_ATOM_ITEM (item)->index);
  return strstr (digits, text) != NULL;
}

static void
update_cell (LensAtomItem *item, GtkWidget *cell)
{
  g_autofree char *caption = NULL, *description = NULL, *gain = NULL;
  const char *flag = NULL;

  /* Whole percents, as the caption shows them: finer numbers would change
   * with every slider step and tell a screen reader nothing more. */
  if (item->show_collection && item->collection_frequency >= 0)
    {
      caption = g_strdup_printf ("%d · %.0f%%", item->index, 100 * item->collection_frequency);
      description = item->kind == SCVAE_BOTTLENECK_VQ
                      ? g_strdup_printf (_("Code %d: the nearest in %.0f %% of the collection's patches"),
                                         item->index, 100 * item->collection_frequency)
                      : g_strdup_printf (_("Atom %d: fires in %.0f %% of the collection's patches"), item->index,
                                         100 * item->collection_frequency);
    }
  else if (item_is_dead (item))
    {
      caption = g_strdup_printf (_("%d · unused"), item->index);
      description = item->kind == SCVAE_BOTTLENECK_VQ ? g_strdup_printf (_("Code %d: unused"), item->index)
                                                      : g_strdup_printf (_("Atom %d: unused"), item->index);
    }
  else
    {
      caption = g_strdup_printf ("%d · %.0f%%", item->index, 100 * item->usage);
      if (item->kind == SCVAE_BOTTLENECK_VQ)
        description = g_strdup_printf (_("Code %d: the nearest in %.0f %% of patches"), item->index,
                                       100 * item->usage);
      else if (item->kind == SCVAE_BOTTLENECK_GAUSSIAN)
        /* Translators: a Gaussian VAE's latent channel, shown as what the
         * decoder makes of it alone. */
        description = g_strdup_printf (_("Latent channel %d, mean |value| %.2f"), item->index, item->mean_abs);
      else
        description = g_strdup_printf (_("Atom %d: fires in %.0f %% of patches"), item->index, 100 * item->usage);
    }
  if (item->gain != 1.f)
    {
      g_autofree char *more = NULL;

      /* Translators: a badge on an atom an intervention switched off */
      gain = item->gain == 0.f ? g_strdup (C_("atom", "off")) : g_strdup_printf ("×%.2g", item->gain);
      more = item->gain == 0.f ? g_strdup_printf (_("%s; switched off"), description)
                               : g_strdup_printf (_("%s; scaled by %.2f"), description, item->gain);
      g_free (description);
      description = g_steal_pointer (&more);
    }
  if (item->dead_in_collection || item->dense_in_collection)
    {
      g_autofree char *more = NULL;

      /* Translators: a badge on an atom no patch of the collection uses,
       * or one that fires in more than half of them */
      flag = item->dead_in_collection ? C_("atom", "dead") : C_("atom", "dense");
      more = g_strdup_printf (item->dead_in_collection ? _("%s; dead in the collection")
                                                       : _("%s; dense in the collection"), description);
      g_free (description);
      description = g_steal_pointer (&more);
    }
  lens_atom_cell_set (LENS_ATOM_CELL (cell), item->thumbnail,
                      MIN (1.0, item->show_collection ? item->collection_frequency : item->usage), caption,
                      item->show_collection ? item->dead_in_collection : item_is_dead (item), flag, gain,
                      description);
}

static gboolean
on_query_tooltip (GtkWidget *cell, int x, int y, gboolean keyboard, GtkTooltip *tooltip, gpointer data)
{
  LensAtomItem *item = g_object_get_data (G_OBJECT (cell), "item");
  GtkWidget *box, *picture, *label;
  g_autofree char *text = NULL;

  if (item == NULL || item->surface == NULL)
    return FALSE;
  /* Made here, not with the thumbnails: 256 of them would hold up the
   * window for tens of milliseconds when a model's atoms arrive. */
  if (item->preview == NULL)
    item->preview = texture_from_surface (item->surface, PREVIEW);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (item->preview));
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), FALSE);
  if (item->kind == SCVAE_BOTTLENECK_VQ)
    text = g_strdup_printf (_("Code %d\nthe nearest in %.1f %% of patches here"), item->index, 100 * item->usage);
  else if (item->kind == SCVAE_BOTTLENECK_GAUSSIAN)
    text = g_strdup_printf (_("Latent channel %d\nmean |value| %.3f"), item->index, item->mean_abs);
  else
    text = g_strdup_printf (_("Atom %d\nfires in %.1f %% of patches here\nmean |coefficient| %.3f"),
                            item->index, 100 * item->usage, item->mean_abs);
  if (item->stored_usage >= 0)
    {
      g_autofree char *more = g_strdup_printf (_("%s\n%.1f %% on the validation photos"), text,
                                               100 * item->stored_usage);
      g_free (text);
      text = g_steal_pointer (&more);
    }
  if (item->collection_frequency >= 0)
    {
      g_autofree char *more = g_strdup_printf (_("%s\n%.1f %% in the collection"), text,
                                               100 * item->collection_frequency);
      g_free (text);
      text = g_steal_pointer (&more);
    }
  label = gtk_label_new (text);
  gtk_box_append (GTK_BOX (box), picture);
  gtk_box_append (GTK_BOX (box), label);
  gtk_tooltip_set_custom (tooltip, box);
  return TRUE;
}

static void
setup_cell (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer data)
{
  GtkWidget *cell = lens_atom_cell_new (THUMBNAIL);

  gtk_widget_set_has_tooltip (cell, TRUE);
  g_signal_connect (cell, "query-tooltip", G_CALLBACK (on_query_tooltip), NULL);
  gtk_list_item_set_child (list_item, cell);
}

static void
bind_cell (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer data)
{
  LensAtomItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *cell = gtk_list_item_get_child (list_item);

  g_object_set_data (G_OBJECT (cell), "item", item);
  update_cell (item, cell);
  g_signal_connect_object (item, "changed", G_CALLBACK (update_cell), cell, 0);
}

static void
unbind_cell (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer data)
{
  LensAtomItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *cell = gtk_list_item_get_child (list_item);

  g_signal_handlers_disconnect_by_func (item, update_cell, cell);
  g_object_set_data (G_OBJECT (cell), "item", NULL);
}

/* A new order. The grid keeps the atom at its top in view, which after a
 * re-sort hides the new first ones: a gallery scrolled to the top stays at
 * the top. */
static void
sort_again (LensAtomGallery *self)
{
  GtkAdjustment *scroll = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->grid));
  gboolean at_top = scroll == NULL || gtk_adjustment_get_value (scroll) <= gtk_adjustment_get_lower (scroll);

  gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
  if (at_top && g_list_model_get_n_items (G_LIST_MODEL (self->selection)) > 0)
    gtk_widget_activate_action (GTK_WIDGET (self->grid), "list.scroll-to-item", "u", 0);
}

static gboolean
resort (gpointer data)
{
  LensAtomGallery *self = data;

  self->resort_id = 0;
  sort_again (self);
  return G_SOURCE_REMOVE;
}

/* The latest usage onto the atoms, if it is for as many atoms as shown;
 * FALSE when it is not (atoms still arriving, or another model's). */
static gboolean
apply_usage (LensAtomGallery *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));

  if (self->usage == NULL || n != self->usage_atoms)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LensAtomItem) item = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      item->usage = (double) self->usage[i].count / MAX (self->usage_patches, 1);
      item->mean_abs = self->usage[i].mean_abs;
      g_signal_emit (item, item_changed_signal, 0);
    }
  return TRUE;
}

/* A few atoms per main-loop turn, at idle priority so frames go between:
 * all K at once (their items, thumbnails and the grid's cells) held the
 * window for ~25 ms. */
#define ATOMS_PER_TURN 32

static gboolean
add_some_atoms (gpointer data)
{
  LensAtomGallery *self = data;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  guint first = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  guint last = MIN (first + ATOMS_PER_TURN, self->arriving->len);

  for (guint i = first; i < last; i++)
    {
      LensAtomItem *item = g_object_new (LENS_TYPE_ATOM_ITEM, NULL);

      item->kind = self->kind;
      item->index = i;
      item->stored_usage = self->arriving_stored ? self->arriving_stored[i] : -1;
      item->usage = MAX (item->stored_usage, 0.0);
      item->surface = cairo_surface_reference (self->arriving->pdata[i]);
      item->thumbnail = texture_from_surface (item->surface, THUMBNAIL);
      g_ptr_array_add (items, item);
    }
  g_list_store_splice (self->store, first, 0, items->pdata, items->len);
  if (last < self->arriving->len)
    return G_SOURCE_CONTINUE;

  self->fill_id = 0;
  g_clear_pointer (&self->arriving, g_ptr_array_unref);
  g_clear_pointer (&self->arriving_stored, g_free);
  apply_usage (self);
  sort_again (self);
  return G_SOURCE_REMOVE;
}

void
lens_atom_gallery_set_atoms (LensAtomGallery *self, GPtrArray *surfaces, const double *stored_usage,
                             ScvaeBottleneck kind)
{
  lens_atom_gallery_clear (self);
  self->kind = kind;
  /* In the bottleneck's words, as the cells are. */
  g_object_set (self->search, "placeholder-text",
                kind == SCVAE_BOTTLENECK_VQ ? _("Code index")
                : kind == SCVAE_BOTTLENECK_GAUSSIAN ? _("Channel index") : _("Atom index"), NULL);
  if (surfaces->len == 0)
    return;
  self->arriving = g_ptr_array_ref (surfaces);
  if (stored_usage)
    self->arriving_stored = g_memdup2 (stored_usage, surfaces->len * sizeof (double));
  self->fill_id = g_idle_add (add_some_atoms, self);
}

void
lens_atom_gallery_clear (LensAtomGallery *self)
{
  g_clear_handle_id (&self->fill_id, g_source_remove);
  g_clear_pointer (&self->arriving, g_ptr_array_unref);
  g_clear_pointer (&self->arriving_stored, g_free);
  g_clear_pointer (&self->usage, g_free);
  g_list_store_remove_all (self->store);
}

void
lens_atom_gallery_set_usage (LensAtomGallery *self, const ScvaeAtomUsage *usage, guint n_atoms,
                             guint n_patches)
{
  g_free (self->usage);
  self->usage = g_memdup2 (usage, n_atoms * sizeof (ScvaeAtomUsage));
  self->usage_atoms = n_atoms;
  self->usage_patches = n_patches;
  /* Atoms still arriving get it when the last one is in. */
  if (!apply_usage (self))
    return;
  g_clear_handle_id (&self->resort_id, g_source_remove);
  self->resort_id = g_timeout_add (RESORT_DELAY_MS, resort, self);
}

void
lens_atom_gallery_set_gains (LensAtomGallery *self, const float *gains, guint n_atoms)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LensAtomItem) item = g_list_model_get_item (G_LIST_MODEL (self->store), i);
      float gain = gains && i < n_atoms ? gains[i] : 1.f;

      if (item->gain != gain)
        {
          item->gain = gain;
          g_signal_emit (item, item_changed_signal, 0);
        }
    }
}

void
lens_atom_gallery_set_collection (LensAtomGallery *self, const LensCollection *collection)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LensAtomItem) item = g_list_model_get_item (G_LIST_MODEL (self->store), i);
      gboolean known = collection && (int) i < collection->n_atoms;

      item->collection_frequency = known ? collection->atoms[i].frequency : -1;
      item->dead_in_collection = known && lens_collection_atom_is_dead (collection, i);
      item->dense_in_collection = known && lens_collection_atom_is_dense (collection, i);
      g_signal_emit (item, item_changed_signal, 0);
    }
  /* Sorted by the collection when there is one */
  gtk_widget_set_visible (GTK_WIDGET (self->show), collection != NULL);
  if (collection == NULL)
    gtk_drop_down_set_selected (self->show, SHOW_ALL);
  if (collection && gtk_drop_down_get_selected (self->sort_by) != SORT_COLLECTION)
    gtk_drop_down_set_selected (self->sort_by, SORT_COLLECTION);
  else if (collection == NULL && gtk_drop_down_get_selected (self->sort_by) == SORT_COLLECTION)
    gtk_drop_down_set_selected (self->sort_by, SORT_USAGE);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  sort_again (self);
}

cairo_surface_t *
lens_atom_gallery_get_surface (LensAtomGallery *self, int atom)
{
  g_autoptr(LensAtomItem) item = NULL;

  if (atom < 0 || (guint) atom >= g_list_model_get_n_items (G_LIST_MODEL (self->store)))
    return NULL;
  item = g_list_model_get_item (G_LIST_MODEL (self->store), atom);
  return item->surface;
}

GBytes *
lens_atom_gallery_get_selection (LensAtomGallery *self)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  g_autoptr(GArray) atoms = g_array_new (FALSE, FALSE, sizeof (int));
  GtkBitsetIter iter;
  guint position;

  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position); ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(LensAtomItem) item = g_list_model_get_item (G_LIST_MODEL (self->selection), position);
      g_array_append_val (atoms, item->index);
    }
  if (atoms->len == 0)
    return NULL;
  return g_bytes_new (atoms->data, atoms->len * sizeof (int));
}

GdkTexture *
lens_atom_gallery_get_texture (LensAtomGallery *self, int atom)
{
  g_autoptr(LensAtomItem) item = NULL;

  if (atom < 0 || (guint) atom >= g_list_model_get_n_items (G_LIST_MODEL (self->store)))
    return NULL;
  item = g_list_model_get_item (G_LIST_MODEL (self->store), atom);
  return item->thumbnail;
}

guint
lens_atom_gallery_get_n_atoms (LensAtomGallery *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->store));
}

void
lens_atom_gallery_select (LensAtomGallery *self, int atom, gboolean extend)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));

  /* Positions follow the sort order: find the atom's. */
  for (guint position = 0; position < n; position++)
    {
      g_autoptr(LensAtomItem) item = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

      if (item->index == atom)
        {
          gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, !extend);
          return;
        }
    }
}

void
lens_atom_gallery_focus_search (LensAtomGallery *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->search));
}

static void
on_selection_changed (LensAtomGallery *self)
{
  g_signal_emit (self, signals[SIGNAL_SELECTION_CHANGED], 0);
}

static void
on_search_changed (LensAtomGallery *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
on_sort_changed (LensAtomGallery *self)
{
  gboolean collection = gtk_drop_down_get_selected (self->sort_by) == SORT_COLLECTION;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));

  /* Sorted by the collection, the cells say how often in the collection */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LensAtomItem) item = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      if (item->show_collection != collection)
        {
          item->show_collection = collection;
          g_signal_emit (item, item_changed_signal, 0);
        }
    }
  sort_again (self);
}

static void
lens_atom_gallery_dispose (GObject *object)
{
  LensAtomGallery *self = LENS_ATOM_GALLERY (object);

  g_clear_handle_id (&self->resort_id, g_source_remove);
  g_clear_handle_id (&self->fill_id, g_source_remove);
  g_clear_pointer (&self->arriving, g_ptr_array_unref);
  g_clear_pointer (&self->arriving_stored, g_free);
  g_clear_pointer (&self->usage, g_free);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (self), LENS_TYPE_ATOM_GALLERY);
  G_OBJECT_CLASS (lens_atom_gallery_parent_class)->dispose (object);
}

static void
lens_atom_gallery_class_init (LensAtomGalleryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lens_atom_gallery_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "lens-atom-gallery");
  signals[SIGNAL_SELECTION_CHANGED] = g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass),
                                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                    G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sparselens/SparseLens/lens-atom-gallery.ui");
  gtk_widget_class_bind_template_child (widget_class, LensAtomGallery, box);
  gtk_widget_class_bind_template_child (widget_class, LensAtomGallery, search);
  gtk_widget_class_bind_template_child (widget_class, LensAtomGallery, sort_by);
  gtk_widget_class_bind_template_child (widget_class, LensAtomGallery, show);
  gtk_widget_class_bind_template_child (widget_class, LensAtomGallery, grid);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_sort_changed);
}

/* The layout is the template's; the model and the cells are made here. */
static void
lens_atom_gallery_init (LensAtomGallery *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkSortListModel *sorted;
  GtkFilterListModel *filtered;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->store = g_list_store_new (LENS_TYPE_ATOM_ITEM);
  self->sorter = gtk_custom_sorter_new (compare_items, self, NULL);
  self->filter = gtk_custom_filter_new (filter_item, self, NULL);
  sorted = gtk_sort_list_model_new (G_LIST_MODEL (self->store), GTK_SORTER (self->sorter));
  filtered = gtk_filter_list_model_new (G_LIST_MODEL (sorted), GTK_FILTER (self->filter));
  self->selection = gtk_multi_selection_new (G_LIST_MODEL (filtered));
  g_signal_connect_swapped (self->selection, "selection-changed", G_CALLBACK (on_selection_changed), self);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), NULL);
  gtk_grid_view_set_factory (self->grid, factory);
  gtk_grid_view_set_model (self->grid, GTK_SELECTION_MODEL (self->selection));
  /* The grid owns the chain of models; the fields borrow from it. */
  g_object_unref (self->selection);
}

GtkWidget *
lens_atom_gallery_new (void)
{
  return g_object_new (LENS_TYPE_ATOM_GALLERY, NULL);
}
