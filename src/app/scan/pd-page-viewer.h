/* pd-page-viewer.h: one page at a readable size, with zoom, and on request the recognized
 * words outlined where tesseract found them, so a person sees what search will find. In crop
 * mode a drag over the page selects the part to keep ("selection-changed"). */
#pragma once

#include <gtk/gtk.h>

#include "pd-document-edit.h"
#include "pd-library.h"

G_BEGIN_DECLS

#define PD_TYPE_PAGE_VIEWER (pd_page_viewer_get_type ())

G_DECLARE_FINAL_TYPE (PdPageViewer, pd_page_viewer, PD, PAGE_VIEWER, GtkWidget)

GtkWidget *pd_page_viewer_new           (void);
/* Decodes @image_path (downscaled) and reads the page's words in a worker. */
void       pd_page_viewer_load          (PdPageViewer *self,
                                         PdLibrary    *library,
                                         gint64        page_id,
                                         const char   *image_path);
void       pd_page_viewer_set_zoom      (PdPageViewer *self,
                                         double        zoom);
double     pd_page_viewer_get_zoom      (PdPageViewer *self);
void       pd_page_viewer_set_show_words (PdPageViewer *self,
                                         gboolean      show_words);
gboolean   pd_page_viewer_get_show_words (PdPageViewer *self);
/* How many word boxes the last frame drew: 0 with the overlay off. */
guint      pd_page_viewer_get_n_words_drawn (PdPageViewer *self);
gboolean   pd_page_viewer_is_loaded     (PdPageViewer *self);
/* Whether a drag over the page selects a part of it; turning it off drops the selection. */
void       pd_page_viewer_set_cropping  (PdPageViewer *self,
                                         gboolean      cropping);
gboolean   pd_page_viewer_get_cropping  (PdPageViewer *self);
/* The selection, in pixels of the full image (what PD_PAGE_EDIT_CROP takes); FALSE if none. */
gboolean   pd_page_viewer_get_selection (PdPageViewer *self,
                                         PdPageRect   *rect);
/* Selects @rect (clamped to the image), as a drag would; NULL clears it. Crop mode only. */
void       pd_page_viewer_set_selection (PdPageViewer     *self,
                                         const PdPageRect *rect);

G_END_DECLS
