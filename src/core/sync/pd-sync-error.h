/* pd-sync-error.h: the errors a connector ends with, as codes the sync engine maps to an outcome
 * (conflict, rejected, retry later, sign in again), and messages written for the person who reads
 * the inbox. A THROTTLED error carries how long the server asked us to wait; any error from an
 * HTTP exchange carries its status for the journal. Cancelling is G_IO_ERROR_CANCELLED. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PD_SYNC_ERROR (pd_sync_error_quark ())

typedef enum {
  PD_SYNC_ERROR_FAILED,          /* anything else: permanent, needs a person; the message says what */
  PD_SYNC_ERROR_CONFLICT,        /* the remote copy changed since we saw it (etag mismatch, 412 on If-Match)
                                    or the name is taken by something else (a folder) */
  PD_SYNC_ERROR_ALREADY_EXISTS,  /* create-only upload, and a file of that name is already there */
  PD_SYNC_ERROR_NOT_FOUND,       /* the remote file does not exist */
  PD_SYNC_ERROR_AUTH_REQUIRED,   /* 401: the password or token was refused; sign in again */
  PD_SYNC_ERROR_FORBIDDEN,       /* 403: the account may not write there (read-only share) */
  PD_SYNC_ERROR_QUOTA,           /* 507 or a full disk: pause the account, not just the file */
  PD_SYNC_ERROR_TOO_LARGE,       /* 413: the server refuses files this big */
  PD_SYNC_ERROR_INVALID_NAME,    /* the remote path is not acceptable as a file name */
  PD_SYNC_ERROR_THROTTLED,       /* 429, or 503 with Retry-After: wait pd_sync_error_get_retry_after () */
  PD_SYNC_ERROR_TRANSIENT,       /* network down, timeout, 408, 5xx, share not mounted: retry later */
  PD_SYNC_ERROR_CERTIFICATE,     /* the server's TLS certificate could not be verified: needs a person */
} PdSyncError;

GQuark   pd_sync_error_quark              (void);

gint64   pd_sync_error_get_retry_after    (const GError *error);
guint    pd_sync_error_get_http_status    (const GError *error);
gboolean pd_sync_error_is_retryable       (const GError *error);

gint64   pd_sync_parse_retry_after        (const char   *value,
                                           GDateTime    *now);

G_END_DECLS
