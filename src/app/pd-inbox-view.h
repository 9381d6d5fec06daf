/* pd-inbox-view.h: the Inbox page of the main window: what sync could not settle alone, each
 * item in plain words with the buttons that settle it (Restore Theirs / Keep Both for a
 * conflict, Sign In Again, Choose Another Folder, Retry). */
#pragma once

#include <adwaita.h>

#include "pd-library.h"
#include "pd-sync-status.h"

G_BEGIN_DECLS

#define PD_TYPE_INBOX_VIEW (pd_inbox_view_get_type ())

G_DECLARE_FINAL_TYPE (PdInboxView, pd_inbox_view, PD, INBOX_VIEW, AdwBin)

GtkWidget *pd_inbox_view_new             (void);
void       pd_inbox_view_set_library     (PdInboxView  *self,
                                          PdLibrary    *library);
void       pd_inbox_view_set_sync_status (PdInboxView  *self,
                                          PdSyncStatus *status);
guint      pd_inbox_view_get_n_items     (PdInboxView  *self);
void       pd_inbox_view_refresh         (PdInboxView  *self);

G_END_DECLS
