/* pd-library-view.h: the Library page of the main window: every document with its state in
 * plain words, full-text search with highlighted snippets, and per document Open, Export and
 * History. */
#pragma once

#include <adwaita.h>

#include "pd-library.h"
#include "pd-sync-status.h"

G_BEGIN_DECLS

#define PD_TYPE_LIBRARY_VIEW (pd_library_view_get_type ())

G_DECLARE_FINAL_TYPE (PdLibraryView, pd_library_view, PD, LIBRARY_VIEW, AdwBin)

GtkWidget  *pd_library_view_new             (void);
void        pd_library_view_set_library     (PdLibraryView *self,
                                             PdLibrary     *library);
void        pd_library_view_set_sync_status (PdLibraryView *self,
                                             PdSyncStatus  *status);
GListModel *pd_library_view_get_documents   (PdLibraryView *self);
void        pd_library_view_refresh         (PdLibraryView *self);
void        pd_library_view_focus_search    (PdLibraryView *self);
void        pd_library_view_show_error      (PdLibraryView *self,
                                             const char    *title,
                                             const char    *description);
void        pd_library_view_export_to       (PdLibraryView *self,
                                             gint64         document_id,
                                             const char    *path);
const char *pd_library_view_get_last_opened (PdLibraryView *self);

G_END_DECLS
