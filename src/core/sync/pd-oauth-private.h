/* pd-oauth-private.h: the pieces of pd-oauth.c that tests and fuzzers call directly: the parsers
 * of what comes from outside (the browser's redirect, the token and device endpoints' JSON), and
 * PKCE. Nothing else should need them. */
#pragma once

#include "pd-oauth.h"

G_BEGIN_DECLS

/* The query of the loopback redirect ("code=…&state=…" or "error=…&error_description=…").
 * TRUE with *code set (and *state, NULL when absent); FALSE with PD_OAUTH_ERROR_DENIED when the
 * person refused, another PD_OAUTH_ERROR for other answers and for text that is not a query. */
gboolean  _pd_oauth_parse_redirect        (const char     *query,
                                           char          **code,
                                           char          **state,
                                           GError        **error);
/* A token endpoint's answer. TRUE for a well-formed answer: either a token (*access_token set,
 * *refresh_token when one came, *expires_in or -1 when absent) or an OAuth error (*error_code
 * set, the rest NULL). FALSE with PD_OAUTH_ERROR_PROTOCOL for anything else. */
gboolean  _pd_oauth_parse_token_response  (const char     *json,
                                           gsize           len,
                                           char          **access_token,
                                           char          **refresh_token,
                                           gint64         *expires_in,
                                           char          **error_code,
                                           GError        **error);
/* A device authorization answer (RFC 8628 3.2). Google names the address verification_url. */
gboolean  _pd_oauth_parse_device_response (const char     *json,
                                           gsize           len,
                                           char          **device_code,
                                           char          **user_code,
                                           char          **verification_uri,
                                           char          **message,
                                           gint64         *expires_in,
                                           gint64         *interval,
                                           GError        **error);

/* base64url without padding (RFC 7636 appendix A). */
char     *_pd_oauth_base64url             (const guint8   *data,
                                           gsize           len);
/* BASE64URL(SHA256(ASCII(verifier))). */
char     *_pd_oauth_pkce_challenge        (const char     *verifier);
/* @n_bytes from the kernel's CSPRNG, base64url-encoded (32 bytes give a 43-character verifier). */
char     *_pd_oauth_random_string         (gsize           n_bytes);
/* The address the browser opens. */
char     *_pd_oauth_build_authorize_url   (const PdOAuthProvider *provider,
                                           const char     *redirect_uri,
                                           const char     *state,
                                           const char     *code_challenge);

G_END_DECLS
