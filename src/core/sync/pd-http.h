/* pd-http.h: what the HTTP connectors (WebDAV, OneDrive, Google Drive) and the OAuth client share:
 * a libsoup session set up the same way for all, a debug log of headers that never shows a
 * credential, and request bodies that survive libsoup restarting a message.
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

G_END_DECLS
