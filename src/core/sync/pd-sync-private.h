/* pd-sync-private.h: helpers the connectors of the sync stage share and callers never need:
 * the task data of their thread functions, checking a remote path, and filling a PdSyncError's
 * side fields. */
#pragma once

#include <gio/gio.h>

#include "pd-sync-error.h"

G_BEGIN_DECLS

/* What a connector's thread functions get as task data (PdConnectorInterface's *_thread). */
typedef struct {
  char       *local_path;
  char       *remote_path;
  char       *expected_etag;
  GHashTable *metadata;
} PdConnectorOp;

char   **_pd_sync_split_remote_path   (const char   *remote_path,
                                       GError      **error);
void     _pd_sync_error_set_details   (GError       *error,
                                       guint         http_status,
                                       gint64        retry_after);

G_END_DECLS
