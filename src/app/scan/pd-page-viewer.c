/* pd-page-viewer.c: the page viewer (see pd-page-viewer.h). The image is decoded at most
 * VIEW_MAX_PIXELS on its long side in a worker thread: a 300 dpi page is never decoded on the
 * main thread. Word boxes come in pixels of the full image and are scaled when drawn; so is the
 * crop selection, kept in pixels of the full image whatever the zoom. */
#define G_LOG_DOMAIN "pd-app"

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <string.h>

#include "pd-app-image.h"
#include "pd-page-viewer.h"
#include "pd-task.h"

#define VIEW_MAX_PIXELS 1600
#define BASE_WIDTH      480.0
/* A selection smaller than this (in image pixels) is a click, not a crop. */
#define MIN_SELECTION   16

struct _PdPageViewer
{
  GtkWidget     parent_instance;

  /* Owned */
  GCancellable *cancellable;
  GdkTexture   *texture;
  GArray       *words;        /* PdWord, in pixels of the full image */
  int           full_width;   /* of the image the words refer to */
  int           full_height;
  double        zoom;
  gboolean      show_words;
  guint         n_words_drawn;
  gboolean      cropping;
  gboolean      has_selection;
  double        drag_x, drag_y;   /* where the drag started, image pixels */
  PdPageRect    selection;        /* image pixels */
};

enum {
  SELECTION_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PdPageViewer, pd_page_viewer, GTK_TYPE_WIDGET)

typedef struct {
  PdLibrary *library;
  gint64     page_id;
  char      *path;
  GdkPixbuf *pixbuf;
  GArray    *words;
  int        width, height;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_clear_object (&data->library);
  g_clear_object (&data->pixbuf);
  g_clear_pointer (&data->words, g_array_unref);
  g_free (data->path);
  g_free (data);
}

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadData *data = task_data;
  GError *error = NULL;

  data->pixbuf = pd_app_load_image (data->path, VIEW_MAX_PIXELS, VIEW_MAX_PIXELS, &data->width,
                                    &data->height, &error);
  if (data->pixbuf == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  data->words = pd_library_get_words (data->library, data->page_id, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  PdPageViewer *self = PD_PAGE_VIEWER (object);
  LoadData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not show the page: %s", error->message);
      return;
    }
  g_clear_object (&self->texture);
  self->texture = gdk_texture_new_for_pixbuf (data->pixbuf);
  g_clear_pointer (&self->words, g_array_unref);
  self->words = g_steal_pointer (&data->words);
  self->full_width = data->width;
  self->full_height = data->height;
  /* A selection belongs to the image it was made on. */
  pd_page_viewer_set_selection (self, NULL);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static void
pd_page_viewer_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  PdPageViewer *self = PD_PAGE_VIEWER (widget);
  double width = BASE_WIDTH * self->zoom;
  double aspect = self->full_width > 0 ? (double) self->full_height / self->full_width : 1.414;

  *minimum = *natural = (int) (orientation == GTK_ORIENTATION_HORIZONTAL ? width : width * aspect);
}

static void
pd_page_viewer_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  PdPageViewer *self = PD_PAGE_VIEWER (widget);
  double width = BASE_WIDTH * self->zoom;
  double height;
  double scale;
  GdkRGBA box_color = { 0.21, 0.52, 0.89, 0.9 };
  GdkRGBA fill_color = { 0.21, 0.52, 0.89, 0.15 };

  self->n_words_drawn = 0;
  if (self->texture == NULL || self->full_width <= 0)
    return;
  height = width * self->full_height / self->full_width;
  gtk_snapshot_append_texture (snapshot, self->texture, &GRAPHENE_RECT_INIT (0, 0, width, height));
  scale = width / self->full_width;
  if (self->has_selection)
    {
      /* What the crop leaves out is dimmed; what it keeps is outlined. */
      GdkRGBA shade = { 0, 0, 0, 0.45 };
      GdkRGBA edge = { 0.21, 0.52, 0.89, 1 };
      float x0 = (float) (self->selection.x * scale);
      float y0 = (float) (self->selection.y * scale);
      float x1 = (float) ((self->selection.x + self->selection.width) * scale);
      float y1 = (float) ((self->selection.y + self->selection.height) * scale);
      graphene_rect_t kept = GRAPHENE_RECT_INIT (x0, y0, x1 - x0, y1 - y0);
      GskRoundedRect rounded;
      float widths[4] = { 2, 2, 2, 2 };
      GdkRGBA edges[4] = { edge, edge, edge, edge };

      gtk_snapshot_append_color (snapshot, &shade, &GRAPHENE_RECT_INIT (0, 0, (float) width, y0));
      gtk_snapshot_append_color (snapshot, &shade, &GRAPHENE_RECT_INIT (0, y1, (float) width, (float) height - y1));
      gtk_snapshot_append_color (snapshot, &shade, &GRAPHENE_RECT_INIT (0, y0, x0, y1 - y0));
      gtk_snapshot_append_color (snapshot, &shade, &GRAPHENE_RECT_INIT (x1, y0, (float) width - x1, y1 - y0));
      gsk_rounded_rect_init_from_rect (&rounded, &kept, 0);
      gtk_snapshot_append_border (snapshot, &rounded, widths, edges);
    }
  if (!self->show_words || self->words == NULL)
    return;

  for (guint i = 0; i < self->words->len; i++)
    {
      const PdWord *w = &g_array_index (self->words, PdWord, i);
      graphene_rect_t r = GRAPHENE_RECT_INIT (w->x0 * scale, w->y0 * scale,
                                              (w->x1 - w->x0) * scale, (w->y1 - w->y0) * scale);
      GskRoundedRect rounded;
      float widths[4] = { 1, 1, 1, 1 };
      GdkRGBA colors[4] = { box_color, box_color, box_color, box_color };

      gsk_rounded_rect_init_from_rect (&rounded, &r, 0);
      gtk_snapshot_append_color (snapshot, &fill_color, &r);
      gtk_snapshot_append_border (snapshot, &rounded, widths, colors);
      self->n_words_drawn++;
    }
}

/* Crop selection ------------------------------------------------------------------------------ */

static double
pd_page_viewer_get_scale (PdPageViewer *self)
{
  return self->full_width > 0 ? BASE_WIDTH * self->zoom / self->full_width : 1.0;
}

static void
pd_page_viewer_select_between (PdPageViewer *self,
                               double        x0,
                               double        y0,
                               double        x1,
                               double        y1)
{
  PdPageRect rect;

  x0 = CLAMP (x0, 0, self->full_width);
  x1 = CLAMP (x1, 0, self->full_width);
  y0 = CLAMP (y0, 0, self->full_height);
  y1 = CLAMP (y1, 0, self->full_height);
  rect.x = (guint) MIN (x0, x1);
  rect.y = (guint) MIN (y0, y1);
  rect.width = (guint) (MAX (x0, x1) - rect.x);
  rect.height = (guint) (MAX (y0, y1) - rect.y);
  pd_page_viewer_set_selection (self, &rect);
}

static void
drag_begin_cb (GtkGestureDrag *gesture,
               double          x,
               double          y,
               PdPageViewer   *self)
{
  double scale = pd_page_viewer_get_scale (self);

  if (!self->cropping || self->texture == NULL)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  self->drag_x = x / scale;
  self->drag_y = y / scale;
}

static void
drag_update_cb (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                PdPageViewer   *self)
{
  double scale = pd_page_viewer_get_scale (self);

  if (!self->cropping || self->texture == NULL)
    return;
  pd_page_viewer_select_between (self, self->drag_x, self->drag_y,
                                 self->drag_x + dx / scale, self->drag_y + dy / scale);
}

static void
drag_end_cb (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             PdPageViewer   *self)
{
  drag_update_cb (gesture, dx, dy, self);
}

void
pd_page_viewer_set_selection (PdPageViewer     *self,
                              const PdPageRect *rect)
{
  gboolean had = self->has_selection;
  PdPageRect old = self->selection;

  g_return_if_fail (PD_IS_PAGE_VIEWER (self));

  self->has_selection = FALSE;
  memset (&self->selection, 0, sizeof self->selection);
  if (rect != NULL && self->cropping && self->full_width > 0 && self->full_height > 0 &&
      rect->x < (guint) self->full_width && rect->y < (guint) self->full_height)
    {
      self->selection = *rect;
      self->selection.width = MIN (rect->width, (guint) self->full_width - rect->x);
      self->selection.height = MIN (rect->height, (guint) self->full_height - rect->y);
      self->has_selection = self->selection.width >= MIN_SELECTION &&
                            self->selection.height >= MIN_SELECTION;
      if (!self->has_selection)
        memset (&self->selection, 0, sizeof self->selection);
    }
  if (had == self->has_selection && memcmp (&old, &self->selection, sizeof old) == 0)
    return;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

gboolean
pd_page_viewer_get_selection (PdPageViewer *self,
                              PdPageRect   *rect)
{
  g_return_val_if_fail (PD_IS_PAGE_VIEWER (self), FALSE);

  if (rect != NULL)
    *rect = self->selection;
  return self->has_selection;
}

void
pd_page_viewer_set_cropping (PdPageViewer *self,
                             gboolean      cropping)
{
  g_return_if_fail (PD_IS_PAGE_VIEWER (self));

  cropping = !!cropping;
  if (self->cropping == cropping)
    return;
  if (!cropping)
    pd_page_viewer_set_selection (self, NULL);
  self->cropping = cropping;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), cropping ? "crosshair" : NULL);
}

gboolean
pd_page_viewer_get_cropping (PdPageViewer *self)
{
  g_return_val_if_fail (PD_IS_PAGE_VIEWER (self), FALSE);
  return self->cropping;
}

/* Object -------------------------------------------------------------------------------------- */

static void
pd_page_viewer_dispose (GObject *object)
{
  PdPageViewer *self = PD_PAGE_VIEWER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->words, g_array_unref);
  G_OBJECT_CLASS (pd_page_viewer_parent_class)->dispose (object);
}

static void
pd_page_viewer_class_init (PdPageViewerClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pd_page_viewer_dispose;
  widget_class->measure = pd_page_viewer_measure;
  widget_class->snapshot = pd_page_viewer_snapshot;
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);

  /**
   * PdPageViewer::selection-changed:
   *
   * The crop selection was made, changed or cleared (pd_page_viewer_get_selection()).
   */
  signals[SELECTION_CHANGED] =
    g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
}

static void
pd_page_viewer_init (PdPageViewer *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();

  g_signal_connect_object (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self, 0);
  g_signal_connect_object (drag, "drag-update", G_CALLBACK (drag_update_cb), self, 0);
  g_signal_connect_object (drag, "drag-end", G_CALLBACK (drag_end_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  self->zoom = 1.0;
  gtk_widget_set_halign (GTK_WIDGET (self), GTK_ALIGN_CENTER);
  gtk_widget_set_valign (GTK_WIDGET (self), GTK_ALIGN_START);
}

GtkWidget *
pd_page_viewer_new (void)
{
  return g_object_new (PD_TYPE_PAGE_VIEWER, NULL);
}

void
pd_page_viewer_load (PdPageViewer *self,
                     PdLibrary    *library,
                     gint64        page_id,
                     const char   *image_path)
{
  g_autoptr(GTask) task = NULL;
  LoadData *data;

  g_return_if_fail (PD_IS_PAGE_VIEWER (self));
  g_return_if_fail (PD_IS_LIBRARY (library));
  g_return_if_fail (image_path != NULL);

  /* Only the last page asked for is shown. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  data = g_new0 (LoadData, 1);
  data->library = g_object_ref (library);
  data->page_id = page_id;
  data->path = g_strdup (image_path);
  task = g_task_new (self, self->cancellable, load_cb, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_task_set_return_on_cancel (task, TRUE);
  pd_task_run_in_thread (task, load_thread);
}

void
pd_page_viewer_set_zoom (PdPageViewer *self,
                         double        zoom)
{
  g_return_if_fail (PD_IS_PAGE_VIEWER (self));

  zoom = CLAMP (zoom, 0.25, 4.0);
  if (zoom == self->zoom)
    return;
  self->zoom = zoom;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

double
pd_page_viewer_get_zoom (PdPageViewer *self)
{
  g_return_val_if_fail (PD_IS_PAGE_VIEWER (self), 1.0);
  return self->zoom;
}

void
pd_page_viewer_set_show_words (PdPageViewer *self,
                               gboolean      show_words)
{
  g_return_if_fail (PD_IS_PAGE_VIEWER (self));

  self->show_words = !!show_words;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
pd_page_viewer_get_show_words (PdPageViewer *self)
{
  g_return_val_if_fail (PD_IS_PAGE_VIEWER (self), FALSE);
  return self->show_words;
}

guint
pd_page_viewer_get_n_words_drawn (PdPageViewer *self)
{
  g_return_val_if_fail (PD_IS_PAGE_VIEWER (self), 0);
  return self->n_words_drawn;
}

gboolean
pd_page_viewer_is_loaded (PdPageViewer *self)
{
  g_return_val_if_fail (PD_IS_PAGE_VIEWER (self), FALSE);
  return self->texture != NULL;
}
