/* pd-oauth-token-source.c: access tokens for OneDrive and Google Drive accounts, refreshed from
 * the keyring (see pd-oauth-token-source.h).
 *
 * The keyring holds two items per account:
 *   oauth-refresh  {"refresh_token", "token_url", "client_id", "client_secret"?, "scope",
 *                   "provider"}
 *   oauth-access   {"access_token", "expires_at"}
 * The access token is only a cache: losing it costs one refresh. The refresh token is the
 * account: when the provider rotates it, the new one replaces the old in the keyring before the
 * new access token is used, so a crash can never leave us holding only a dead token.
 *
 * Connectors call pd_token_source_get_token () from several worker threads, and a pass may
 * create a new source for an account while an older one is still in use; every source of an
 * account takes the same per-account mutex around a refresh, and a caller that waited for it
 * finds the new token (in its cache or in the keyring) instead of refreshing again. */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "pd-oauth-token-source.h"
#include "pd-secret.h"
#include "pd-sync-error.h"

/* Refresh when less than this is left, so a request never starts with a token about to die. */
#define REFRESH_AHEAD_SECONDS 60

/* Per-account state shared by every source of that account in this process. */
typedef struct {
  GMutex  mutex;
  guint   users;          /* guarded by accounts_lock */
  char   *unsaved_blob;   /* a rotated refresh token the keyring refused; guarded by mutex */
} AccountState;

G_LOCK_DEFINE_STATIC (accounts_lock);
static GHashTable *accounts;  /* gint64 account id -> AccountState */

static AccountState *
account_state_ref (gint64 account_id)
{
  AccountState *state;

  G_LOCK (accounts_lock);
  if (accounts == NULL)
    accounts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  state = g_hash_table_lookup (accounts, &account_id);
  if (state == NULL)
    {
      state = g_new0 (AccountState, 1);
      g_mutex_init (&state->mutex);
      g_hash_table_insert (accounts, g_memdup2 (&account_id, sizeof account_id), state);
    }
  state->users++;
  G_UNLOCK (accounts_lock);
  return state;
}

static void
account_state_unref (gint64        account_id,
                     AccountState *state)
{
  G_LOCK (accounts_lock);
  if (--state->users == 0)
    {
      g_hash_table_remove (accounts, &account_id);
      g_mutex_clear (&state->mutex);
      g_clear_pointer (&state->unsaved_blob, pd_secret_free);
      g_free (state);
    }
  G_UNLOCK (accounts_lock);
}

struct _PdOAuthTokenSource
{
  GObject parent_instance;

  /* immutable after construction */
  gint64        account_id;
  char         *account_name;
  AccountState *state;

  /* guarded by state->mutex */
  char         *access_token;
  gint64        expires_at;
};

#define PD_TYPE_OAUTH_TOKEN_SOURCE (pd_oauth_token_source_get_type ())
G_DECLARE_FINAL_TYPE (PdOAuthTokenSource, pd_oauth_token_source, PD, OAUTH_TOKEN_SOURCE, GObject)

static void pd_oauth_token_source_iface_init (PdTokenSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PdOAuthTokenSource, pd_oauth_token_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PD_TYPE_TOKEN_SOURCE,
                                                      pd_oauth_token_source_iface_init))

/* Keyring values */

static char *
json_to_secret (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static void
add_member (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static char *
refresh_blob_new (const PdOAuthProvider *provider,
                  const char            *refresh_token)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_member (builder, "refresh_token", refresh_token);
  add_member (builder, "token_url", provider->token_url);
  add_member (builder, "client_id", provider->client_id);
  add_member (builder, "client_secret", provider->client_secret);
  add_member (builder, "scope", provider->scopes);
  add_member (builder, "provider", provider->name);
  json_builder_end_object (builder);
  return json_to_secret (builder);
}

static char *
access_blob_new (const char *access_token,
                 gint64      expires_at)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_member (builder, "access_token", access_token);
  json_builder_set_member_name (builder, "expires_at");
  json_builder_add_int_value (builder, expires_at);
  json_builder_end_object (builder);
  return json_to_secret (builder);
}

static const char *
object_get_string (JsonObject *object,
                   const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* The provider and refresh token from an oauth-refresh item; NULL when it is unreadable. */
static PdOAuthProvider *
parse_refresh_blob (const char  *blob,
                    const char  *kind,
                    char       **refresh_token)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  PdOAuthProvider *provider;
  JsonObject *object;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, blob, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  object = json_node_get_object (root);
  if (object_get_string (object, "refresh_token") == NULL ||
      object_get_string (object, "token_url") == NULL ||
      object_get_string (object, "client_id") == NULL)
    return NULL;
  provider = g_new0 (PdOAuthProvider, 1);
  provider->name = g_strdup (object_get_string (object, "provider"));
  if (provider->name == NULL)
    provider->name = g_strdup (g_strcmp0 (kind, "gdrive") == 0 ? "Google" : "Microsoft");
  provider->token_url = g_strdup (object_get_string (object, "token_url"));
  provider->client_id = g_strdup (object_get_string (object, "client_id"));
  provider->client_secret = g_strdup (object_get_string (object, "client_secret"));
  provider->scopes = g_strdup (object_get_string (object, "scope"));
  if (refresh_token != NULL)
    *refresh_token = g_strdup (object_get_string (object, "refresh_token"));
  return provider;
}

static char *
parse_access_blob (const char *blob,
                   gint64     *expires_at)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *object;
  JsonNode *root, *node;

  if (!json_parser_load_from_data (parser, blob, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  object = json_node_get_object (root);
  node = json_object_get_member (object, "expires_at");
  if (object_get_string (object, "access_token") == NULL || node == NULL ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return NULL;
  *expires_at = json_node_get_int (node);
  return g_strdup (object_get_string (object, "access_token"));
}

/* Errors, as the sync engine needs them */

/* A keyring that is locked or missing keeps the account and its queue: try again later. */
static void
set_keyring_error (GError     **error,
                   GError      *cause,
                   const char  *account_name)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_error_copy (cause));
  else
    g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                 "Account “%s” waits for the keyring: %s", account_name, cause->message);
}

static void
set_sign_in_again_error (GError     **error,
                         const char  *account_name,
                         const char  *why)
{
  g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_AUTH_REQUIRED,
               "%s Sign in again (in Paperdock's accounts, or “paperdock-cli accounts signin "
               "%s”); nothing waiting to be sent is lost.", why, account_name);
}

/* The refresh */

static gboolean
store_refresh_blob (PdOAuthTokenSource  *self,
                    const char          *blob,
                    GCancellable        *cancellable,
                    GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *label = g_strdup_printf ("Paperdock sign-in for %s", self->account_name);

  if (!pd_secret_store (self->account_id, PD_OAUTH_SECRET_REFRESH, label, blob, cancellable,
                        &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                     "Account “%s” got a renewed sign-in that the keyring could not keep (%s). "
                     "Unlock the keyring; Paperdock tries again.", self->account_name,
                     local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* Called with the account's mutex held. */
static char *
refresh_locked (PdOAuthTokenSource  *self,
                const char          *refused,
                GCancellable        *cancellable,
                GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(PdSecretText) stored_access = NULL;
  g_autoptr(PdSecretText) blob = NULL;
  g_autoptr(PdSecretText) refresh_token = NULL;
  g_autoptr(PdSecretText) new_blob = NULL;
  g_autoptr(PdSecretText) access_blob = NULL;
  g_autoptr(PdOAuthProvider) provider = NULL;
  g_autoptr(PdOAuthTokens) tokens = NULL;
  g_autofree char *label = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  /* Another source of this account (or another process) may have refreshed while we waited. */
  stored_access = pd_secret_lookup (self->account_id, PD_OAUTH_SECRET_ACCESS, cancellable,
                                    &local_error);
  if (stored_access != NULL)
    {
      gint64 expires_at = 0;
      g_autoptr(PdSecretText) access = parse_access_blob (stored_access, &expires_at);

      if (access != NULL && expires_at - now > REFRESH_AHEAD_SECONDS &&
          g_strcmp0 (access, refused) != 0)
        {
          g_clear_pointer (&self->access_token, pd_secret_free);
          self->access_token = g_steal_pointer (&access);
          self->expires_at = expires_at;
          return g_strdup (self->access_token);
        }
    }
  else if (!g_error_matches (local_error, PD_SECRET_ERROR, PD_SECRET_ERROR_NOT_FOUND))
    {
      set_keyring_error (error, local_error, self->account_name);
      return NULL;
    }
  g_clear_error (&local_error);

  /* A rotated refresh token the keyring refused last time goes in first. */
  if (self->state->unsaved_blob != NULL)
    {
      if (!store_refresh_blob (self, self->state->unsaved_blob, cancellable, error))
        return NULL;
      g_clear_pointer (&self->state->unsaved_blob, pd_secret_free);
    }

  blob = pd_secret_lookup (self->account_id, PD_OAUTH_SECRET_REFRESH, cancellable,
                           &local_error);
  if (blob == NULL)
    {
      if (g_error_matches (local_error, PD_SECRET_ERROR, PD_SECRET_ERROR_NOT_FOUND))
        {
          /* Nothing in an open keyring: the account stays, and waits for a sign-in. */
          g_autofree char *why = g_strdup_printf ("The keyring holds no sign-in for account "
                                                  "“%s”.", self->account_name);

          set_sign_in_again_error (error, self->account_name, why);
        }
      else
        set_keyring_error (error, local_error, self->account_name);
      return NULL;
    }
  provider = parse_refresh_blob (blob, NULL, &refresh_token);
  if (provider == NULL)
    {
      g_autofree char *why = g_strdup_printf ("The sign-in of account “%s” in the keyring "
                                              "cannot be read.", self->account_name);

      set_sign_in_again_error (error, self->account_name, why);
      return NULL;
    }

  g_debug ("Account %" G_GINT64_FORMAT ": refreshing its access token", self->account_id);
  tokens = pd_oauth_refresh (provider, refresh_token, cancellable, &local_error);
  if (tokens == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else if (g_error_matches (local_error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_UNREACHABLE) ||
               g_error_matches (local_error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_PROTOCOL))
        g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT, "%s", local_error->message);
      else
        set_sign_in_again_error (error, self->account_name, local_error->message);
      return NULL;
    }

  /* The old refresh token may already be dead: the new one must be safe before anything
   * uses the access token that came with it. */
  if (tokens->refresh_token != NULL && g_strcmp0 (tokens->refresh_token, refresh_token) != 0)
    {
      new_blob = refresh_blob_new (provider, tokens->refresh_token);
      if (!store_refresh_blob (self, new_blob, cancellable, error))
        {
          self->state->unsaved_blob = g_steal_pointer (&new_blob);
          return NULL;
        }
      g_debug ("Account %" G_GINT64_FORMAT ": stored its rotated refresh token",
               self->account_id);
    }

  /* Only a cache: a failure costs one refresh later. */
  label = g_strdup_printf ("Paperdock access for %s", self->account_name);
  access_blob = access_blob_new (tokens->access_token, tokens->expires_at);
  if (!pd_secret_store (self->account_id, PD_OAUTH_SECRET_ACCESS, label, access_blob,
                        cancellable, &local_error))
    g_debug ("Account %" G_GINT64_FORMAT ": access token not cached in the keyring: %s",
             self->account_id, local_error->message);

  g_clear_pointer (&self->access_token, pd_secret_free);
  self->access_token = g_steal_pointer (&tokens->access_token);
  self->expires_at = tokens->expires_at;
  g_debug ("Account %" G_GINT64_FORMAT ": access token valid for %" G_GINT64_FORMAT " s",
           self->account_id, self->expires_at - now);
  return g_strdup (self->access_token);
}

static char *
pd_oauth_token_source_get_token (PdTokenSource  *source,
                                 const char     *refused,
                                 GCancellable   *cancellable,
                                 GError        **error)
{
  PdOAuthTokenSource *self = PD_OAUTH_TOKEN_SOURCE (source);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  char *token;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  g_mutex_lock (&self->state->mutex);
  if (self->access_token != NULL && self->expires_at - now > REFRESH_AHEAD_SECONDS &&
      g_strcmp0 (refused, self->access_token) != 0)
    token = g_strdup (self->access_token);
  else
    token = refresh_locked (self, refused, cancellable, error);
  g_mutex_unlock (&self->state->mutex);
  return token;
}

static void
pd_oauth_token_source_iface_init (PdTokenSourceInterface *iface)
{
  iface->get_token = pd_oauth_token_source_get_token;
}

static void
pd_oauth_token_source_finalize (GObject *object)
{
  PdOAuthTokenSource *self = PD_OAUTH_TOKEN_SOURCE (object);

  g_clear_pointer (&self->access_token, pd_secret_free);
  account_state_unref (self->account_id, self->state);
  g_free (self->account_name);
  G_OBJECT_CLASS (pd_oauth_token_source_parent_class)->finalize (object);
}

static void
pd_oauth_token_source_class_init (PdOAuthTokenSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_oauth_token_source_finalize;
}

static void
pd_oauth_token_source_init (PdOAuthTokenSource *self)
{
}

PdTokenSource *
pd_oauth_token_source_new (gint64      account_id,
                           const char *account_name)
{
  PdOAuthTokenSource *self;

  g_return_val_if_fail (account_name != NULL, NULL);

  self = g_object_new (PD_TYPE_OAUTH_TOKEN_SOURCE, NULL);
  self->account_id = account_id;
  self->account_name = g_strdup (account_name);
  self->state = account_state_ref (account_id);
  return PD_TOKEN_SOURCE (self);
}

gboolean
pd_oauth_token_source_store (gint64                  account_id,
                             const PdOAuthProvider  *provider,
                             const PdOAuthTokens    *tokens,
                             GCancellable           *cancellable,
                             GError                **error)
{
  g_autoptr(PdSecretText) refresh = NULL;
  g_autoptr(PdSecretText) access = NULL;
  g_autofree char *refresh_label = NULL;
  g_autofree char *access_label = NULL;
  AccountState *state;
  gboolean ok;

  g_return_val_if_fail (provider != NULL && tokens != NULL, FALSE);
  g_return_val_if_fail (tokens->access_token != NULL, FALSE);

  if (tokens->refresh_token == NULL)
    {
      g_set_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_PROTOCOL,
                   "%s signed in without giving offline access (no refresh token), so "
                   "Paperdock could send documents for an hour only. Check that the app "
                   "registration asks for offline access (doc/cloud-accounts.md).",
                   provider->name);
      return FALSE;
    }
  refresh = refresh_blob_new (provider, tokens->refresh_token);
  access = access_blob_new (tokens->access_token, tokens->expires_at);
  refresh_label = g_strdup_printf ("Paperdock sign-in (%s)", provider->name);
  access_label = g_strdup_printf ("Paperdock access (%s)", provider->name);

  /* Under the account's lock, so a refresh in flight cannot overwrite the new sign-in. */
  state = account_state_ref (account_id);
  g_mutex_lock (&state->mutex);
  g_clear_pointer (&state->unsaved_blob, pd_secret_free);
  ok = pd_secret_store (account_id, PD_OAUTH_SECRET_REFRESH, refresh_label, refresh, cancellable,
                        error) &&
       pd_secret_store (account_id, PD_OAUTH_SECRET_ACCESS, access_label, access, cancellable,
                        error);
  g_mutex_unlock (&state->mutex);
  account_state_unref (account_id, state);
  return ok;
}

gboolean
pd_oauth_token_source_clear (gint64         account_id,
                             GCancellable  *cancellable,
                             GError       **error)
{
  return pd_secret_clear (account_id, PD_OAUTH_SECRET_ACCESS, cancellable, error) &&
         pd_secret_clear (account_id, PD_OAUTH_SECRET_REFRESH, cancellable, error);
}

PdOAuthProvider *
pd_oauth_token_source_dup_provider (gint64         account_id,
                                    const char    *kind,
                                    GCancellable  *cancellable,
                                    GError       **error)
{
  g_autoptr(PdSecretText) blob = NULL;
  g_autoptr(PdOAuthProvider) stored = NULL;
  PdOAuthProvider *provider;

  blob = pd_secret_lookup (account_id, PD_OAUTH_SECRET_REFRESH, cancellable, error);
  if (blob == NULL)
    return NULL;
  stored = parse_refresh_blob (blob, kind, NULL);
  if (stored == NULL)
    {
      g_set_error (error, PD_SECRET_ERROR, PD_SECRET_ERROR_NOT_FOUND,
                   "The sign-in stored in the keyring cannot be read.");
      return NULL;
    }
  provider = pd_oauth_provider_new_for_kind (kind, stored->client_id, stored->client_secret,
                                             error);
  if (provider != NULL && g_getenv ("PAPERDOCK_OAUTH_TOKEN_URL") == NULL)
    {
      g_free (provider->token_url);
      provider->token_url = g_strdup (stored->token_url);
    }
  return provider;
}
