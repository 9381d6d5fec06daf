/* pd-graph-server.h: a Microsoft Graph v1.0 drive on 127.0.0.1 for the OneDrive connector's
 * tests, written to Graph's documentation: items by path, folder creation, simple upload,
 * upload sessions with fragments, eTag preconditions, QuickXorHash, descriptions, deletion and
 * downloads through a redirect. Files are kept in memory. It runs on the thread-default main
 * context of the thread that creates it, so the test must iterate that context while it waits.
 *
 * Fault knobs make it misbehave the way the real service does (throttling, broken
 * connections, expired sessions, a full drive, answers lost after the work was done), and
 * counters let a test check what the server really received. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PdGraphServer PdGraphServer;

/* Accepts "Authorization: Bearer @token" on API requests. */
PdGraphServer *pd_graph_server_new                (const char    *token);
void           pd_graph_server_free               (PdGraphServer *server);
/* "http://127.0.0.1:PORT/v1.0/me/drive" */
const char    *pd_graph_server_get_drive_uri      (PdGraphServer *server);
void           pd_graph_server_set_token          (PdGraphServer *server,
                                                   const char    *token);

/* Contents. Paths are relative to the drive's root, compared without regard to case as
 * OneDrive does. */
GBytes        *pd_graph_server_get_file           (PdGraphServer *server,
                                                   const char    *path);
char          *pd_graph_server_dup_description    (PdGraphServer *server,
                                                   const char    *path);
void           pd_graph_server_put_file           (PdGraphServer *server,
                                                   const char    *path,
                                                   GBytes        *content);
guint          pd_graph_server_count_files        (PdGraphServer *server);

/* Faults. */
/* The next @n requests (of any kind) get @status with "Retry-After: @retry_after". */
void           pd_graph_server_throttle           (PdGraphServer *server,
                                                   guint          n,
                                                   guint          status,
                                                   guint          retry_after);
/* Every fragment that starts at byte @offset (G_MAXUINT64: none) loses its connection after
 * the request arrived, as if it broke after @offset's first bytes: the server keeps none of
 * that fragment ("all bytes in that request are ignored") and sends no answer. */
void           pd_graph_server_cut_fragment_at    (PdGraphServer *server,
                                                   guint64        offset);
/* The same, once: the first fragment that starts at @offset loses its connection, the ones
 * sent again after it go through (a connection that broke once). */
void           pd_graph_server_cut_fragment_once_at (PdGraphServer *server,
                                                     guint64        offset);
/* The next fragment that starts at byte @offset is kept, but its answer is lost (the
 * connection closes): a client that sends it again meets 416 fragmentOverlap. */
void           pd_graph_server_lose_fragment_answer_at (PdGraphServer *server,
                                                        guint64        offset);
/* Every session created so far is expired: its address answers 404. */
void           pd_graph_server_expire_sessions    (PdGraphServer *server);
/* New sessions expire @seconds after they are made (3600 until this is called); each fragment
 * that is not the last moves the expiry to @extension seconds from then (0: it never moves). */
void           pd_graph_server_set_session_lifetime (PdGraphServer *server,
                                                     guint          seconds,
                                                     guint          extension);
/* Bytes the drive may hold in all; beyond it: 507 insufficientStorage. */
void           pd_graph_server_set_quota          (PdGraphServer *server,
                                                   guint64        bytes);
/* The next request that creates or replaces a file does so, then loses its connection
 * instead of answering. */
void           pd_graph_server_lose_next_commit   (PdGraphServer *server);

/* What the server saw. */
typedef struct {
  guint64  start;
  guint64  length;
  gboolean had_authorization;
  guint    status;
} PdGraphFragment;

guint          pd_graph_server_count_sessions     (PdGraphServer *server);
/* Bytes of fragments the server accepted, over all sessions. */
guint64        pd_graph_server_get_fragment_bytes (PdGraphServer *server);
/* Every fragment PUT received, in order (PdGraphFragment). */
GArray        *pd_graph_server_dup_fragments      (PdGraphServer *server);
/* Requests refused with 401 because of their token. */
guint          pd_graph_server_count_unauthorized (PdGraphServer *server);
/* The last upload session address handed out (for tests that look for it in logs). */
char          *pd_graph_server_dup_last_upload_url (PdGraphServer *server);

G_END_DECLS
