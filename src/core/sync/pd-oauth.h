/* pd-oauth.h: signing in to OneDrive (Microsoft identity platform) and Google Drive with OAuth 2.0
 * as a native app: the authorization code flow with PKCE and a loopback redirect on 127.0.0.1
 * (the app opens the browser, the CLI prints the address), the device code flow for terminals
 * (RFC 8628), and refreshing tokens. Nothing here touches the keyring or logs a token: callers
 * store what they get (see pd-oauth-token-source.h). Client ids are never built in: each
 * organization registers its own app (doc/cloud-accounts.md). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PD_OAUTH_ERROR (pd_oauth_error_quark ())

typedef enum {
  PD_OAUTH_ERROR_FAILED,          /* anything else; the message says what the provider answered */
  PD_OAUTH_ERROR_DENIED,          /* the person refused consent (access_denied,
                                     authorization_declined) */
  PD_OAUTH_ERROR_STATE_MISMATCH,  /* the browser brought back an answer to another request */
  PD_OAUTH_ERROR_SIGN_IN_AGAIN,   /* invalid_grant, interaction_required, consent_required...:
                                     only a new interactive sign-in helps */
  PD_OAUTH_ERROR_EXPIRED,         /* the device code expired before anyone entered it */
  PD_OAUTH_ERROR_CLIENT,          /* the app registration was refused (invalid_client,
                                     unauthorized_client, invalid_scope): check the client id */
  PD_OAUTH_ERROR_UNREACHABLE,     /* no answer, 5xx, 429 or temporarily_unavailable: try later */
  PD_OAUTH_ERROR_PROTOCOL,        /* an answer that is not what the protocol says */
} PdOAuthError;

GQuark pd_oauth_error_quark (void);

/* Where and as whom to sign in. Plain data: fill it by hand for tests, or start from the
 * built-in defaults below and override what an organization needs. */
typedef struct {
  char *name;            /* "microsoft", "google": for messages */
  char *authorize_url;
  char *token_url;
  char *device_url;      /* NULL: the provider has no device code flow */
  char *scopes;          /* space-separated */
  char *client_id;
  char *client_secret;   /* Google "Desktop app" clients only; NULL otherwise */
  char *redirect_host;   /* "localhost" (what Microsoft lets one register) or "127.0.0.1" */
  char *extra_params;    /* added to the authorize URL, already encoded ("access_type=offline") */
} PdOAuthProvider;

/* login.microsoftonline.com/common/oauth2/v2.0/{authorize,token,devicecode},
 * "Files.ReadWrite offline_access", redirect http://localhost:<port>/. */
PdOAuthProvider *pd_oauth_provider_new_microsoft (const char            *client_id);
/* accounts.google.com/o/oauth2/v2/auth, oauth2.googleapis.com/{token,device/code},
 * https://www.googleapis.com/auth/drive.file, redirect http://127.0.0.1:<port>/. */
PdOAuthProvider *pd_oauth_provider_new_google    (const char            *client_id,
                                                  const char            *client_secret);
/* The defaults for an account kind ("onedrive" or "gdrive"), with the endpoints replaced by
 * PAPERDOCK_OAUTH_AUTHORIZE_URL, PAPERDOCK_OAUTH_TOKEN_URL and PAPERDOCK_OAUTH_DEVICE_URL when
 * they are set (tests, private clouds). NULL with PD_OAUTH_ERROR_FAILED for another kind. */
PdOAuthProvider *pd_oauth_provider_new_for_kind  (const char            *kind,
                                                  const char            *client_id,
                                                  const char            *client_secret,
                                                  GError               **error);
PdOAuthProvider *pd_oauth_provider_copy          (const PdOAuthProvider *provider);
void             pd_oauth_provider_free          (PdOAuthProvider       *provider);

/* What a sign-in or a refresh gave. refresh_token is NULL when the provider kept the old one. */
typedef struct {
  char   *access_token;
  char   *refresh_token;
  gint64  expires_at;     /* wall clock, seconds since 1970 */
} PdOAuthTokens;

/* Wipes the tokens before freeing them. */
void             pd_oauth_tokens_free            (PdOAuthTokens         *tokens);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdOAuthProvider, pd_oauth_provider_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdOAuthTokens, pd_oauth_tokens_free)

/* Called once the loopback listener is up, with the address the person must open in a browser. */
typedef void (*PdOAuthOpenUriFunc)  (const char *uri,
                                     gpointer    user_data);
/* Called once with what the person must type, where. @message is the provider's own
 * instruction when it sent one (Microsoft does), or NULL. */
typedef void (*PdOAuthShowCodeFunc) (const char *verification_uri,
                                     const char *user_code,
                                     const char *message,
                                     gpointer    user_data);

/* Authorization code + PKCE (S256) with a loopback redirect on 127.0.0.1 at a free port. Runs on
 * the thread-default main context; @open_uri is called from it before this returns to the main
 * loop. Cancel @cancellable to give up waiting for the browser. */
void             pd_oauth_sign_in_async          (const PdOAuthProvider *provider,
                                                  PdOAuthOpenUriFunc     open_uri,
                                                  gpointer               open_uri_data,
                                                  GCancellable          *cancellable,
                                                  GAsyncReadyCallback    callback,
                                                  gpointer               user_data);
PdOAuthTokens   *pd_oauth_sign_in_finish         (GAsyncResult          *result,
                                                  GError               **error);

/* The device code flow (RFC 8628): asks for a code, shows it, and polls the token endpoint at
 * the interval the provider asked for (slowing down when told to) until the person has signed
 * in, refused, or the code expired. */
void             pd_oauth_device_sign_in_async   (const PdOAuthProvider *provider,
                                                  PdOAuthShowCodeFunc    show_code,
                                                  gpointer               show_code_data,
                                                  GCancellable          *cancellable,
                                                  GAsyncReadyCallback    callback,
                                                  gpointer               user_data);
PdOAuthTokens   *pd_oauth_device_sign_in_finish  (GAsyncResult          *result,
                                                  GError               **error);

/* Blocking (for worker threads): a new access token for @refresh_token. */
PdOAuthTokens   *pd_oauth_refresh                (const PdOAuthProvider *provider,
                                                  const char            *refresh_token,
                                                  GCancellable          *cancellable,
                                                  GError               **error);

G_END_DECLS
