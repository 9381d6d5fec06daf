/* pd-token-source.h: where a cloud connector (OneDrive, Google Drive) gets the access token for
 * its next request. The connector never sees a refresh token or a client secret; the source
 * refreshes ahead of expiry, one refresh at a time per account, and says "sign in again" when the
 * provider has revoked the grant. Calls block: connectors call it on their worker thread. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PD_TYPE_TOKEN_SOURCE (pd_token_source_get_type ())

G_DECLARE_INTERFACE (PdTokenSource, pd_token_source, PD, TOKEN_SOURCE, GObject)

struct _PdTokenSourceInterface
{
  GTypeInterface parent_iface;

  char *(*get_token) (PdTokenSource  *self,
                      const char     *refused,
                      GCancellable   *cancellable,
                      GError        **error);
};

/* Returns an access token that is valid for at least a minute (free with pd_secret_free ()).
 * @refused is the token the server just answered 401 to, or NULL: if it is still the current
 * token, the source refreshes it before answering. Fails with PD_SYNC_ERROR_AUTH_REQUIRED when a
 * person must sign in again, PD_SYNC_ERROR_TRANSIENT when the provider could not be reached. */
char          *pd_token_source_get_token  (PdTokenSource  *self,
                                           const char     *refused,
                                           GCancellable   *cancellable,
                                           GError        **error);

/* A source that always answers @token (tests, and accounts configured with a fixed token).
 * With @token NULL it fails with PD_SYNC_ERROR_AUTH_REQUIRED. */
PdTokenSource *pd_static_token_source_new (const char     *token);

G_END_DECLS
