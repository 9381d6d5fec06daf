/* pd-sync-engine.h: state reconciliation between the library and its destinations. A pass sends
 * every ready document whose revision is ahead of what its destination last confirmed, applies
 * the conflict policy, and commits each outcome (accepted, conflict, rejected, retry) with its
 * log and journal rows. Waits are stored (next_attempt_at), never slept. Passes are started by
 * pd_sync_engine_start () (start-up, network changes, documents becoming ready, a timer),
 * by "sync now", or run to completion with pd_sync_engine_run_pass_async (). */
#pragma once

#include <gio/gio.h>

#include "pd-library.h"
#include "pd-library-sync.h"

G_BEGIN_DECLS

typedef struct {
  guint accepted;
  guint conflicts;
  guint rejected;
  guint retry_later;
  guint evicted;
  gint64 next_attempt_at;  /* when the earliest waiting document is due (real time, µs); 0: none */
} PdSyncSummary;

#define PD_TYPE_SYNC_ENGINE (pd_sync_engine_get_type ())

G_DECLARE_FINAL_TYPE (PdSyncEngine, pd_sync_engine, PD, SYNC_ENGINE, GObject)

PdSyncEngine *pd_sync_engine_new             (PdLibrary           *library);
PdLibrary    *pd_sync_engine_get_library     (PdSyncEngine        *self);

/* Runs a pass now and then whenever a trigger fires, until disposed. */
void          pd_sync_engine_start           (PdSyncEngine        *self);
/* Clears every stored wait and runs a pass. */
void          pd_sync_engine_sync_now        (PdSyncEngine        *self);
/* Workers finish the document they are sending and take no new one until resumed. */
void          pd_sync_engine_pause           (PdSyncEngine        *self);
void          pd_sync_engine_resume          (PdSyncEngine        *self);
gboolean      pd_sync_engine_get_paused      (PdSyncEngine        *self);

/* One pass to completion (documents due now, then eviction). */
void          pd_sync_engine_run_pass_async  (PdSyncEngine        *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean      pd_sync_engine_run_pass_finish (PdSyncEngine        *self,
                                              GAsyncResult        *result,
                                              PdSyncSummary       *summary,
                                              GError             **error);

/* Blocking helpers for the CLI and export; they must not be called on a thread that is
 * iterating its main context for someone else. */

/* Downloads an evicted document's PDF again to its pdf_path. TRUE at once if it is local. */
gboolean      pd_sync_fetch_document         (PdLibrary           *library,
                                              gint64               document_id,
                                              GCancellable        *cancellable,
                                              GError             **error);
/* Acts on an inbox item: @keep is "mine", "theirs" or "both" (conflicts), any of them for
 * items that only need an acknowledgement or a retry. Journaled. */
gboolean      pd_sync_resolve                (PdLibrary           *library,
                                              gint64               item_id,
                                              const char          *keep,
                                              GCancellable        *cancellable,
                                              GError             **error);
/* Writes a probe file to the account and removes it; the error says which step failed. */
gboolean      pd_sync_test_account           (PdLibrary           *library,
                                              const char          *account_name,
                                              GCancellable        *cancellable,
                                              GError             **error);

G_END_DECLS
