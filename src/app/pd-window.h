/* pd-window.h: the main window: the Scan, Library and Inbox pages of one library, with the sync
 * status in its header. */
#pragma once

#include <adwaita.h>

#include "pd-library.h"
#include "pd-sync-status.h"

G_BEGIN_DECLS

#define PD_TYPE_WINDOW (pd_window_get_type ())

G_DECLARE_FINAL_TYPE (PdWindow, pd_window, PD, WINDOW, AdwApplicationWindow)

PdWindow     *pd_window_new              (GtkApplication *application);
PdLibrary    *pd_window_get_library      (PdWindow       *self);
void          pd_window_set_library      (PdWindow       *self,
                                          PdLibrary      *library);
PdSyncStatus *pd_window_get_sync_status  (PdWindow       *self);
void          pd_window_set_sync_status  (PdWindow       *self,
                                          PdSyncStatus   *status);
GListModel   *pd_window_get_documents    (PdWindow       *self);
void          pd_window_set_visible_page (PdWindow       *self,
                                          const char     *name);
const char   *pd_window_get_visible_page (PdWindow       *self);
GtkWindow    *pd_window_show_preferences (PdWindow       *self,
                                          const char     *page);
void          pd_window_show_error       (PdWindow       *self,
                                          const char     *title,
                                          const char     *description);
void          pd_window_add_toast        (PdWindow       *self,
                                          const char     *text);

G_END_DECLS
