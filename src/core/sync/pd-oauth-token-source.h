/* pd-oauth-token-source.h: the PdTokenSource of a OneDrive or Google Drive account. The tokens
 * live in the keyring only (kinds "oauth-access" and "oauth-refresh" of the account); the
 * refresh token is kept together with the client and the token endpoint that issued it, since
 * it is worth nothing anywhere else. Access tokens are refreshed a minute ahead of expiry, one
 * refresh at a time per account across every source of the process; a refresh token the
 * provider rotated is stored before the new access token is handed out. */
#pragma once

#include "pd-oauth.h"
#include "pd-token-source.h"

G_BEGIN_DECLS

#define PD_OAUTH_SECRET_ACCESS  "oauth-access"
#define PD_OAUTH_SECRET_REFRESH "oauth-refresh"

/* Reads the keyring only when asked for a token. @account_name is for messages. */
PdTokenSource *pd_oauth_token_source_new         (gint64                  account_id,
                                                  const char             *account_name);

/* After a sign-in: stores the refresh token with @provider's client and token endpoint, then
 * the access token. Fails with PD_SECRET_ERROR when the keyring cannot take them, or
 * PD_OAUTH_ERROR_PROTOCOL when @tokens has no refresh token (the provider gave offline access
 * to nobody: the account could not sync for more than an hour). */
gboolean       pd_oauth_token_source_store       (gint64                  account_id,
                                                  const PdOAuthProvider  *provider,
                                                  const PdOAuthTokens    *tokens,
                                                  GCancellable           *cancellable,
                                                  GError                **error);
/* Removes both tokens of the account (nothing stored is fine). */
gboolean       pd_oauth_token_source_clear       (gint64                  account_id,
                                                  GCancellable           *cancellable,
                                                  GError                **error);
/* The provider stored with the account's refresh token (client id and secret, token
 * endpoint), to sign in again as the same app. PD_SECRET_ERROR_NOT_FOUND when none is stored. */
PdOAuthProvider *pd_oauth_token_source_dup_provider (gint64               account_id,
                                                  const char             *kind,
                                                  GCancellable           *cancellable,
                                                  GError                **error);

G_END_DECLS
