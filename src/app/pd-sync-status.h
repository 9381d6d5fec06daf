/* pd-sync-status.h: what the window and the application show about sync, kept current from the
 * library and the sync engine: how many documents still have to go somewhere, how many inbox
 * items wait for a person, and whether a pass is sending right now (with its progress). */
#pragma once

#include <glib-object.h>

#include "pd-library.h"
#include "pd-sync-engine.h"

G_BEGIN_DECLS

#define PD_TYPE_SYNC_STATUS (pd_sync_status_get_type ())

G_DECLARE_FINAL_TYPE (PdSyncStatus, pd_sync_status, PD, SYNC_STATUS, GObject)

PdSyncStatus *pd_sync_status_new             (PdLibrary    *library,
                                              PdSyncEngine *engine);
PdLibrary    *pd_sync_status_get_library     (PdSyncStatus *self);
PdSyncEngine *pd_sync_status_get_engine      (PdSyncStatus *self);
guint         pd_sync_status_get_pending     (PdSyncStatus *self);
guint         pd_sync_status_get_inbox_count (PdSyncStatus *self);
gboolean      pd_sync_status_get_syncing     (PdSyncStatus *self);
guint         pd_sync_status_get_percent     (PdSyncStatus *self);
gboolean      pd_sync_status_get_ready       (PdSyncStatus *self);
void          pd_sync_status_refresh         (PdSyncStatus *self);

G_END_DECLS
