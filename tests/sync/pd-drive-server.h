/* pd-drive-server.h: a small Google Drive API v3 server on 127.0.0.1 for the sync tests,
 * written to Google's documentation of the calls Paperdock makes (files.list with a q query,
 * files.create, files.generateIds, files.get with fields and alt=media, files.delete, and the
 * resumable upload protocol with 308 Resume Incomplete). Like Drive it keeps names as a mere
 * attribute: two folders or files may share a name in one folder. It checks the bearer token,
 * and can be told to misbehave: throttle, fail, cut a chunk, lose an answer, expire sessions.
 * It runs in a thread of its own, so tests may block on the connector. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PD_DRIVE_FOLDER_MIME "application/vnd.google-apps.folder"

typedef struct _PdDriveServer PdDriveServer;

/* Which requests a fault applies to (flags; 0 means every request). */
typedef enum {
  PD_DRIVE_REQ_METADATA = 1 << 0,  /* anything under /drive/v3 */
  PD_DRIVE_REQ_INIT     = 1 << 1,  /* POST or PATCH /upload/...?uploadType=resumable (no session) */
  PD_DRIVE_REQ_CHUNK    = 1 << 2,  /* PUT on a session with bytes (not the last chunk) */
  PD_DRIVE_REQ_FINAL    = 1 << 3,  /* PUT on a session whose bytes complete the upload */
  PD_DRIVE_REQ_STATUS   = 1 << 4,  /* PUT on a session with Content-Range: bytes *\/TOTAL */
} PdDriveRequest;

typedef enum {
  PD_DRIVE_FAULT_RATE_LIMIT,       /* 403 reason rateLimitExceeded */
  PD_DRIVE_FAULT_USER_RATE_LIMIT,  /* 403 reason userRateLimitExceeded */
  PD_DRIVE_FAULT_429,              /* 429 rateLimitExceeded */
  PD_DRIVE_FAULT_500,              /* 500 backendError */
  PD_DRIVE_FAULT_503,              /* 503 backendError */
  PD_DRIVE_FAULT_QUOTA,            /* 403 storageQuotaExceeded */
  PD_DRIVE_FAULT_NO_PERMISSION,    /* 403 insufficientFilePermissions */
  PD_DRIVE_FAULT_CUT,              /* keeps the first @param bytes of a chunk, then hangs up */
  PD_DRIVE_FAULT_LOSE_RESPONSE,    /* handles the request fully, then hangs up unanswered */
} PdDriveFault;

/* Listens on a free loopback port. @token is the only bearer token accepted. */
PdDriveServer *pd_drive_server_new             (const char     *token);
void           pd_drive_server_free            (PdDriveServer  *server);
/* "http://127.0.0.1:PORT": both /drive/v3 and /upload/drive/v3 hang under it. */
const char    *pd_drive_server_get_uri         (PdDriveServer  *server);
void           pd_drive_server_set_token       (PdDriveServer  *server,
                                                const char     *token);

/* The next @count requests matching @kinds, after @skip matching ones pass untouched, get
 * @fault. @param is the Retry-After in seconds for the answering faults (-1: none), the bytes
 * kept for PD_DRIVE_FAULT_CUT. Faults queue in the order they were added. */
void           pd_drive_server_add_fault       (PdDriveServer  *server,
                                                PdDriveFault    fault,
                                                PdDriveRequest  kinds,
                                                guint           skip,
                                                guint           count,
                                                int             param);
void           pd_drive_server_clear_faults    (PdDriveServer  *server);
/* Every upload session open now answers @status (404 or 410) from now on. */
void           pd_drive_server_expire_sessions (PdDriveServer  *server,
                                                guint           status);

/* Makes a folder as another client would; returns its id (@id NULL: a fresh one). */
char          *pd_drive_server_add_folder      (PdDriveServer  *server,
                                                const char     *parent_id,
                                                const char     *name,
                                                const char     *id);
/* Children of @parent_id ("root" for the root) called @name that are not trashed. */
guint          pd_drive_server_count_named     (PdDriveServer  *server,
                                                const char     *parent_id,
                                                const char     *name,
                                                gboolean        folders);
/* The id of the only file or folder at @path ("A/B/x.pdf" from the root), NULL if there is
 * none or more than one at some level. */
char          *pd_drive_server_lookup_path     (PdDriveServer  *server,
                                                const char     *path);
char          *pd_drive_server_dup_parent      (PdDriveServer  *server,
                                                const char     *id);
GBytes        *pd_drive_server_dup_content     (PdDriveServer  *server,
                                                const char     *id);
/* A public (properties) or private (appProperties) property of a file, NULL if unset. */
char          *pd_drive_server_dup_property    (PdDriveServer  *server,
                                                const char     *id,
                                                const char     *key,
                                                gboolean        private_);
guint          pd_drive_server_count_files     (PdDriveServer  *server);
guint          pd_drive_server_count_sessions  (PdDriveServer  *server);
/* Bytes the most recently opened session holds. */
guint64        pd_drive_server_get_received    (PdDriveServer  *server);
/* Every id files.generateIds handed out, in order (free with g_strfreev). */
char         **pd_drive_server_dup_generated   (PdDriveServer  *server);
/* Every upload_id the server made (secrets the client must never log). */
char         **pd_drive_server_dup_upload_ids  (PdDriveServer  *server);
/* One line per request: "METHOD KIND START LENGTH TOTAL STATUS", KIND one of metadata, init,
 * chunk, final, status, other; START/LENGTH/TOTAL -1 when not a session PUT with bytes; STATUS
 * 0 when the connection was dropped. */
char          *pd_drive_server_dup_log         (PdDriveServer  *server);

G_END_DECLS
