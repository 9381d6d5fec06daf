/* pd-oauth-server.h: an OAuth 2.0 authorization server on 127.0.0.1 for the sign-in tests,
 * speaking the protocol as RFC 6749, RFC 7636 (PKCE), RFC 8628 (device code) and the Microsoft
 * and Google pages describe it: /authorize redirects to a loopback redirect_uri with a one-time
 * code, /token exchanges codes (checking the PKCE verifier against the challenge), device codes
 * and refresh tokens (rotating them: a used refresh token is dead), /devicecode hands out user
 * codes. It runs its own thread and main context, so tests may block on it. Knobs make it deny,
 * forge the state, refuse refreshes, answer slowly or ask the client to slow down. */
#pragma once

#include "pd-oauth.h"

G_BEGIN_DECLS

typedef struct _PdOAuthServer PdOAuthServer;

/* @client_secret NULL: a public client (Microsoft); otherwise /token requires it (Google). */
PdOAuthServer   *pd_oauth_server_new                 (const char    *client_id,
                                                      const char    *client_secret);
void             pd_oauth_server_free                (PdOAuthServer *self);
/* "http://127.0.0.1:PORT" followed by @path. */
char            *pd_oauth_server_dup_url             (PdOAuthServer *self,
                                                      const char    *path);
/* A provider whose endpoints are this server's. */
PdOAuthProvider *pd_oauth_server_dup_provider        (PdOAuthServer *self);

/* Tokens as a finished sign-in would have them (the refresh token becomes valid). */
PdOAuthTokens   *pd_oauth_server_mint_tokens         (PdOAuthServer *self,
                                                      gint64         lifetime);

/* Knobs */
void             pd_oauth_server_set_deny            (PdOAuthServer *self,
                                                      gboolean       deny);
void             pd_oauth_server_set_wrong_state     (PdOAuthServer *self,
                                                      gboolean       wrong_state);
void             pd_oauth_server_set_invalid_grant   (PdOAuthServer *self,
                                                      gboolean       invalid_grant);
/* expires_in of the access tokens it issues (3600 unless set). */
void             pd_oauth_server_set_access_lifetime (PdOAuthServer *self,
                                                      gint64         seconds);
/* How long a refresh takes to answer, so concurrent callers overlap. */
void             pd_oauth_server_set_refresh_delay   (PdOAuthServer *self,
                                                      guint          milliseconds);
/* The next @polls device code polls answer slow_down, after @after_polls ordinary ones. */
void             pd_oauth_server_set_slow_down       (PdOAuthServer *self,
                                                      guint          after_polls,
                                                      guint          polls);
/* What the person does on the device page. FALSE if no such code is waiting. */
gboolean         pd_oauth_server_approve_device      (PdOAuthServer *self,
                                                      const char    *user_code,
                                                      gboolean       approve);

/* Counters and what it handed out */
guint            pd_oauth_server_count_refreshes     (PdOAuthServer *self);
/* Refreshes that presented a refresh token already rotated away: a client bug. */
guint            pd_oauth_server_count_stale_refreshes (PdOAuthServer *self);
/* The refresh token that is valid now (the last one issued), or NULL. */
char            *pd_oauth_server_dup_refresh_token   (PdOAuthServer *self);
char            *pd_oauth_server_dup_access_token    (PdOAuthServer *self);
/* Monotonic times (µs) of every device code poll. */
GArray          *pd_oauth_server_dup_poll_times      (PdOAuthServer *self);
/* Every code, token and verifier it saw or issued, to look for in logs. */
GPtrArray       *pd_oauth_server_dup_secrets         (PdOAuthServer *self);

G_END_DECLS
