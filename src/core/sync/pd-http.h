/* pd-http.h: what the HTTP connectors (WebDAV, OneDrive, Google Drive) and the OAuth client share:
 * a libsoup session set up the same way for all, a debug log of headers that never shows a
 * credential, request bodies that survive libsoup restarting a message, reading what an upload
 * sends, and the transport failures every connector reports alike.
 * Private to the sync stage. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* What the HTTP debug log must hide, beyond what it hides for everyone (Authorization,
 * Proxy-Authorization, Cookie and Set-Cookie headers). */
typedef struct {
  /* NULL or NULL-terminated header names ("Location"), masked as well. */
  const char * const *secret_headers;
  /* NULL, or the path the API lives under: request lines for other paths (upload sessions,
   * download addresses, which are credentials themselves) show the method only. */
  const char         *api_path;
  /* TRUE: query strings (a session's upload_id) are dropped from every line. */
  gboolean            redact_queries;
} PdHttpLogRules;

/* A session with Paperdock's user agent, @timeout seconds for each network read or write, and
 * @idle_timeout seconds for an idle kept-alive connection (0: libsoup's default). */
SoupSession *_pd_http_session_new      (guint                  timeout,
                                        guint                  idle_timeout);

/* Logs the headers of every request and response of @session with g_debug() in the "pd-sync"
 * domain, masked by @rules (NULL: the masking everyone gets). Does nothing unless those debug
 * messages are shown (G_MESSAGES_DEBUG=pd-sync), so a normal run pays nothing for it. */
void         _pd_http_session_add_log  (SoupSession           *session,
                                        const PdHttpLogRules  *rules);

/* Sets @body as the request body of @msg, and sets it again when libsoup restarts @msg (a
 * kept-alive connection that died before answering): libsoup drops the body then, and the
 * retry would send zero bytes. */
void         _pd_http_message_set_body (SoupMessage           *msg,
                                        GBytes                *body,
                                        const char            *content_type);

/* Reads what an upload of @local_path to @remote_path sends, before anything goes out: splits
 * @remote_path into its segments (@out_parts, as _pd_sync_split_remote_path () does), reads
 * @local_path whole (a sealed PDF is decrypted: the server gets the plain PDF) and guesses
 * @out_mime from the file name (never NULL: application/octet-stream when unknown). Returns the
 * body, or NULL with @error set and nothing in the out parameters. */
GBytes      *_pd_http_read_upload      (const char            *remote_path,
                                        const char            *local_path,
                                        char                ***out_parts,
                                        char                 **out_mime,
                                        GError               **error);

/* Sets @error for the transport failures every connector words alike and returns TRUE: a
 * cancellation is passed on as it is, and a missing TLS backend (glib-networking is not
 * installed) is PD_SYNC_ERROR_FAILED, since trying again cannot help. Returns FALSE and sets
 * nothing for any other @cause: the caller words those, naming its server and account. */
gboolean     _pd_http_set_common_transport_error (GError       **error,
                                                  const GError  *cause);

/* Sets @error to PD_SYNC_ERROR_TRANSIENT for @cause, a network failure on the way to @service
 * (a product name, "OneDrive") for account @account: the engine tries again later. */
void         _pd_http_set_unreachable_error (GError       **error,
                                             const GError  *cause,
                                             const char    *service,
                                             const char    *account);

G_END_DECLS
