/* pd-oauth-server.c: the OAuth 2.0 test server (see pd-oauth-server.h). It follows the
 * specifications, not Paperdock's client: every request is checked the way a real provider
 * checks it, and refused with the error code the RFCs name. */
#include <libsoup/soup.h>
#include <string.h>

#include "pd-oauth-private.h"
#include "pd-oauth-server.h"

typedef struct {
  char *challenge;
  char *redirect_uri;
} PendingCode;

typedef enum {
  DEVICE_PENDING,
  DEVICE_APPROVED,
  DEVICE_DENIED,
} DeviceState;

typedef struct {
  char        *user_code;
  DeviceState  state;
  gint64       expires_at;  /* monotonic µs */
} DeviceCode;

struct _PdOAuthServer
{
  /* immutable after construction */
  char         *client_id;
  char         *client_secret;
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  guint         port;

  /* guarded by lock */
  GMutex        lock;
  GCond         ready;
  gboolean      started;
  GHashTable   *codes;             /* code -> PendingCode */
  GHashTable   *devices;           /* device_code -> DeviceCode */
  GHashTable   *valid_refresh;     /* refresh tokens that work now */
  GHashTable   *dead_refresh;      /* refresh tokens rotated away */
  GPtrArray    *secrets;
  char         *last_refresh;
  char         *last_access;
  GArray       *poll_times;
  gboolean      deny;
  gboolean      wrong_state;
  gboolean      invalid_grant;
  gint64        access_lifetime;
  guint         refresh_delay_ms;
  guint         slow_down_after;
  guint         slow_down_polls;
  guint         polls;
  guint         refreshes;
  guint         stale_refreshes;
};

static void
pending_code_free (PendingCode *p)
{
  g_free (p->challenge);
  g_free (p->redirect_uri);
  g_free (p);
}

static void
device_code_free (DeviceCode *d)
{
  g_free (d->user_code);
  g_free (d);
}

/* Called with the lock held. */
static char *
new_secret (PdOAuthServer *self,
            const char    *prefix)
{
  g_autofree char *random = _pd_oauth_random_string (24);
  char *s = g_strconcat (prefix, random, NULL);

  g_ptr_array_add (self->secrets, g_strdup (s));
  return s;
}

static void
respond_json (SoupServerMessage *msg,
              guint              status,
              const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control",
                                "no-store");
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json,
                                    strlen (json));
}

static void
respond_error (SoupServerMessage *msg,
               guint              status,
               const char        *code,
               const char        *description)
{
  g_autofree char *json = g_strdup_printf ("{\"error\":\"%s\",\"error_description\":\"%s\","
                                           "\"error_codes\":[70000],\"trace_id\":\"t\"}",
                                           code, description);

  respond_json (msg, status, json);
}

/* Called with the lock held: a new access token, and a refresh token that replaces @old. */
static void
issue_tokens (PdOAuthServer     *self,
              SoupServerMessage *msg,
              const char        *old_refresh)
{
  g_autofree char *access = new_secret (self, "at-");
  g_autofree char *refresh = new_secret (self, "rt-");
  g_autofree char *json = NULL;

  if (old_refresh != NULL)
    {
      g_hash_table_remove (self->valid_refresh, old_refresh);
      g_hash_table_add (self->dead_refresh, g_strdup (old_refresh));
    }
  g_hash_table_add (self->valid_refresh, g_strdup (refresh));
  g_free (self->last_refresh);
  self->last_refresh = g_strdup (refresh);
  g_free (self->last_access);
  self->last_access = g_strdup (access);
  /* Microsoft's shape: Bearer, scope, a lifetime, and the rotated refresh token. */
  json = g_strdup_printf ("{\"token_type\":\"Bearer\",\"scope\":\"Files.ReadWrite\","
                          "\"expires_in\":%" G_GINT64_FORMAT ",\"ext_expires_in\":3600,"
                          "\"access_token\":\"%s\",\"refresh_token\":\"%s\"}",
                          self->access_lifetime, access, refresh);
  respond_json (msg, SOUP_STATUS_OK, json);
}

static gboolean
is_loopback_redirect (const char *redirect_uri)
{
  g_autoptr(GUri) uri = g_uri_parse (redirect_uri, G_URI_FLAGS_NONE, NULL);

  /* RFC 8252 7.3: any port on the loopback address, plain http. */
  return uri != NULL && g_strcmp0 (g_uri_get_scheme (uri), "http") == 0 &&
         (g_strcmp0 (g_uri_get_host (uri), "127.0.0.1") == 0 ||
          g_strcmp0 (g_uri_get_host (uri), "localhost") == 0) &&
         g_uri_get_port (uri) > 0 && g_uri_get_query (uri) == NULL;
}

static gboolean
is_pkce_value (const char *s)
{
  gsize n = s != NULL ? strlen (s) : 0;

  /* RFC 7636 4.1: 43 to 128 unreserved characters. */
  return n >= 43 && n <= 128 &&
         strspn (s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") == n;
}

static void
authorize_cb (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           data)
{
  PdOAuthServer *self = data;
  const char *redirect_uri = query ? g_hash_table_lookup (query, "redirect_uri") : NULL;
  const char *state = query ? g_hash_table_lookup (query, "state") : NULL;
  const char *challenge = query ? g_hash_table_lookup (query, "code_challenge") : NULL;
  g_autofree char *location = NULL;
  g_autofree char *code = NULL;
  g_autofree char *escaped_state = NULL;
  PendingCode *pending;

  /* A bad client or redirect is never redirected to (RFC 6749 4.1.2.1): an error page. */
  if (query == NULL || g_strcmp0 (g_hash_table_lookup (query, "client_id"), self->client_id) != 0 ||
      redirect_uri == NULL || !is_loopback_redirect (redirect_uri))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
                                        "bad client_id or redirect_uri", 29);
      return;
    }
  escaped_state = g_uri_escape_string (state != NULL ? state : "", NULL, FALSE);
  if (g_strcmp0 (g_hash_table_lookup (query, "response_type"), "code") != 0 ||
      g_strcmp0 (g_hash_table_lookup (query, "code_challenge_method"), "S256") != 0 ||
      !is_pkce_value (challenge) || state == NULL)
    location = g_strdup_printf ("%s?error=invalid_request&error_description=PKCE+S256+and+"
                                "state+required&state=%s", redirect_uri, escaped_state);
  else
    {
      g_mutex_lock (&self->lock);
      if (self->deny)
        location = g_strdup_printf ("%s?error=access_denied&error_description=The+user+has+"
                                    "denied+access+to+the+scope+requested+by+the+client+"
                                    "application.&state=%s", redirect_uri, escaped_state);
      else
        {
          code = new_secret (self, "code-");
          pending = g_new0 (PendingCode, 1);
          pending->challenge = g_strdup (challenge);
          pending->redirect_uri = g_strdup (redirect_uri);
          g_hash_table_insert (self->codes, g_strdup (code), pending);
          location = g_strdup_printf ("%s?code=%s&state=%s&session_state=x", redirect_uri, code,
                                      self->wrong_state ? "forged-by-someone-else"
                                                        : escaped_state);
        }
      g_mutex_unlock (&self->lock);
    }
  soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
}

static GHashTable *
read_form (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  const char *type = soup_message_headers_get_content_type (
                       soup_server_message_get_request_headers (msg), NULL);

  if (g_strcmp0 (type, "application/x-www-form-urlencoded") != 0)
    return NULL;
  return soup_form_decode (text);
}

/* Called with the lock held. */
static void
token_authorization_code (PdOAuthServer     *self,
                          SoupServerMessage *msg,
                          GHashTable        *form)
{
  const char *code = g_hash_table_lookup (form, "code");
  const char *verifier = g_hash_table_lookup (form, "code_verifier");
  PendingCode *pending = code != NULL ? g_hash_table_lookup (self->codes, code) : NULL;
  g_autofree char *challenge = NULL;

  if (verifier != NULL)
    g_ptr_array_add (self->secrets, g_strdup (verifier));
  if (pending == NULL)
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                     "AADSTS70000: The provided authorization code is invalid or expired.");
      return;
    }
  if (g_strcmp0 (g_hash_table_lookup (form, "redirect_uri"), pending->redirect_uri) != 0)
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                     "The redirect_uri does not match the one of the authorization request.");
      return;
    }
  challenge = is_pkce_value (verifier) ? _pd_oauth_pkce_challenge (verifier) : NULL;
  if (challenge == NULL || g_strcmp0 (challenge, pending->challenge) != 0)
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                     "AADSTS501481: The Code_Verifier does not match the code_challenge.");
      return;
    }
  /* Codes are single-use. */
  g_hash_table_remove (self->codes, code);
  issue_tokens (self, msg, NULL);
}

static void
token_refresh (PdOAuthServer     *self,
               SoupServerMessage *msg,
               GHashTable        *form)
{
  const char *refresh = g_hash_table_lookup (form, "refresh_token");
  guint delay;

  g_mutex_lock (&self->lock);
  self->refreshes++;
  delay = self->refresh_delay_ms;
  g_mutex_unlock (&self->lock);
  if (delay > 0)
    g_usleep (delay * 1000);

  g_mutex_lock (&self->lock);
  if (refresh != NULL && g_hash_table_contains (self->dead_refresh, refresh))
    self->stale_refreshes++;
  if (self->invalid_grant)
    respond_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                   "AADSTS700082: The refresh token has expired due to inactivity.\r\n"
                   "Trace ID: 0000\r\nCorrelation ID: 1111");
  else if (refresh == NULL || !g_hash_table_contains (self->valid_refresh, refresh))
    respond_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                   "AADSTS70000: The provided grant is invalid or expired.");
  else
    issue_tokens (self, msg, refresh);
  g_mutex_unlock (&self->lock);
}

/* Called with the lock held. */
static void
token_device (PdOAuthServer     *self,
              SoupServerMessage *msg,
              GHashTable        *form)
{
  const char *device_code = g_hash_table_lookup (form, "device_code");
  DeviceCode *d = device_code ? g_hash_table_lookup (self->devices, device_code) : NULL;
  gint64 now = g_get_monotonic_time ();

  g_array_append_val (self->poll_times, now);
  self->polls++;
  if (d == NULL)
    respond_error (msg, SOUP_STATUS_BAD_REQUEST, "bad_verification_code",
                   "The device_code was not recognized.");
  else if (now > d->expires_at)
    respond_error (msg, SOUP_STATUS_BAD_REQUEST, "expired_token", "The device code expired.");
  else if (self->polls > self->slow_down_after && self->slow_down_polls > 0)
    {
      self->slow_down_polls--;
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "slow_down", "Polling too fast.");
    }
  else if (d->state == DEVICE_PENDING)
    respond_error (msg, SOUP_STATUS_BAD_REQUEST, "authorization_pending",
                   "The user has not yet finished authorizing.");
  else if (d->state == DEVICE_DENIED)
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "authorization_declined",
                     "The end user denied the authorization request.");
      g_hash_table_remove (self->devices, device_code);
    }
  else
    {
      g_hash_table_remove (self->devices, device_code);
      issue_tokens (self, msg, NULL);
    }
}

static void
token_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           data)
{
  PdOAuthServer *self = data;
  g_autoptr(GHashTable) form = NULL;
  const char *grant;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST || query != NULL ||
      (form = read_form (msg)) == NULL)
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                     "The token endpoint takes a form POST.");
      return;
    }
  if (g_strcmp0 (g_hash_table_lookup (form, "client_id"), self->client_id) != 0 ||
      (self->client_secret != NULL &&
       g_strcmp0 (g_hash_table_lookup (form, "client_secret"), self->client_secret) != 0))
    {
      respond_error (msg, SOUP_STATUS_UNAUTHORIZED, "invalid_client",
                     "The OAuth client was not found.");
      return;
    }
  grant = g_hash_table_lookup (form, "grant_type");
  if (g_strcmp0 (grant, "refresh_token") == 0)
    {
      token_refresh (self, msg, form);
      return;
    }
  g_mutex_lock (&self->lock);
  if (g_strcmp0 (grant, "authorization_code") == 0)
    token_authorization_code (self, msg, form);
  else if (g_strcmp0 (grant, "urn:ietf:params:oauth:grant-type:device_code") == 0)
    token_device (self, msg, form);
  else
    respond_error (msg, SOUP_STATUS_BAD_REQUEST, "unsupported_grant_type",
                   "This grant type is not supported.");
  g_mutex_unlock (&self->lock);
}

static void
devicecode_cb (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           data)
{
  PdOAuthServer *self = data;
  g_autoptr(GHashTable) form = NULL;
  g_autofree char *device_code = NULL;
  g_autofree char *json = NULL;
  g_autofree char *random = NULL;
  DeviceCode *d;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST ||
      (form = read_form (msg)) == NULL ||
      g_strcmp0 (g_hash_table_lookup (form, "client_id"), self->client_id) != 0 ||
      g_hash_table_lookup (form, "scope") == NULL)
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "Bad device request.");
      return;
    }
  g_mutex_lock (&self->lock);
  device_code = new_secret (self, "dc-");
  random = _pd_oauth_random_string (6);
  d = g_new0 (DeviceCode, 1);
  /* Eight letters and digits, as Microsoft shows them. */
  d->user_code = g_ascii_strup (random, 8);
  g_strdelimit (d->user_code, "-_", 'X');
  d->expires_at = g_get_monotonic_time () + 900 * G_USEC_PER_SEC;
  g_hash_table_insert (self->devices, g_strdup (device_code), d);
  json = g_strdup_printf ("{\"user_code\":\"%s\",\"device_code\":\"%s\","
                          "\"verification_uri\":\"http://127.0.0.1:%u/device\","
                          "\"expires_in\":900,\"interval\":1,"
                          "\"message\":\"To sign in, use a web browser to open the page "
                          "http://127.0.0.1:%u/device and enter the code %s to authenticate.\"}",
                          d->user_code, device_code, self->port, self->port, d->user_code);
  g_mutex_unlock (&self->lock);
  respond_json (msg, SOUP_STATUS_OK, json);
}

static gpointer
server_thread (gpointer data)
{
  PdOAuthServer *self = data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (self->context);
  self->server = soup_server_new ("server-header", "pd-oauth-server", NULL);
  soup_server_add_handler (self->server, "/authorize", authorize_cb, self, NULL);
  soup_server_add_handler (self->server, "/token", token_cb, self, NULL);
  soup_server_add_handler (self->server, "/devicecode", devicecode_cb, self, NULL);
  if (!soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("pd-oauth-server: %s", error->message);
  uris = soup_server_get_uris (self->server);
  self->port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_mutex_lock (&self->lock);
  self->started = TRUE;
  g_cond_signal (&self->ready);
  g_mutex_unlock (&self->lock);

  g_main_loop_run (self->loop);
  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

PdOAuthServer *
pd_oauth_server_new (const char *client_id,
                     const char *client_secret)
{
  PdOAuthServer *self = g_new0 (PdOAuthServer, 1);

  self->client_id = g_strdup (client_id);
  self->client_secret = g_strdup (client_secret);
  g_mutex_init (&self->lock);
  g_cond_init (&self->ready);
  self->codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) pending_code_free);
  self->devices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) device_code_free);
  self->valid_refresh = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->dead_refresh = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->secrets = g_ptr_array_new_with_free_func (g_free);
  self->poll_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->access_lifetime = 3600;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("pd-oauth-server", server_thread, self);
  g_mutex_lock (&self->lock);
  while (!self->started)
    g_cond_wait (&self->ready, &self->lock);
  g_mutex_unlock (&self->lock);
  return self;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
pd_oauth_server_free (PdOAuthServer *self)
{
  g_main_context_invoke (self->context, quit_cb, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_hash_table_unref (self->codes);
  g_hash_table_unref (self->devices);
  g_hash_table_unref (self->valid_refresh);
  g_hash_table_unref (self->dead_refresh);
  g_ptr_array_unref (self->secrets);
  g_array_unref (self->poll_times);
  g_free (self->last_refresh);
  g_free (self->last_access);
  g_free (self->client_id);
  g_free (self->client_secret);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->ready);
  g_free (self);
}

char *
pd_oauth_server_dup_url (PdOAuthServer *self,
                         const char    *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", self->port, path);
}

PdOAuthProvider *
pd_oauth_server_dup_provider (PdOAuthServer *self)
{
  PdOAuthProvider *p = g_new0 (PdOAuthProvider, 1);

  p->name = g_strdup ("Test provider");
  p->authorize_url = pd_oauth_server_dup_url (self, "/authorize");
  p->token_url = pd_oauth_server_dup_url (self, "/token");
  p->device_url = pd_oauth_server_dup_url (self, "/devicecode");
  p->scopes = g_strdup ("Files.ReadWrite offline_access");
  p->client_id = g_strdup (self->client_id);
  p->client_secret = g_strdup (self->client_secret);
  p->redirect_host = g_strdup ("127.0.0.1");
  return p;
}

PdOAuthTokens *
pd_oauth_server_mint_tokens (PdOAuthServer *self,
                             gint64         lifetime)
{
  PdOAuthTokens *tokens = g_new0 (PdOAuthTokens, 1);

  g_mutex_lock (&self->lock);
  tokens->access_token = new_secret (self, "at-");
  tokens->refresh_token = new_secret (self, "rt-");
  tokens->expires_at = g_get_real_time () / G_USEC_PER_SEC + lifetime;
  g_hash_table_add (self->valid_refresh, g_strdup (tokens->refresh_token));
  g_free (self->last_refresh);
  self->last_refresh = g_strdup (tokens->refresh_token);
  g_free (self->last_access);
  self->last_access = g_strdup (tokens->access_token);
  g_mutex_unlock (&self->lock);
  return tokens;
}

#define SETTER(name, type, field) \
  void pd_oauth_server_set_##name (PdOAuthServer *self, type value) \
  { g_mutex_lock (&self->lock); self->field = value; g_mutex_unlock (&self->lock); }

SETTER (deny, gboolean, deny)
SETTER (wrong_state, gboolean, wrong_state)
SETTER (invalid_grant, gboolean, invalid_grant)
SETTER (access_lifetime, gint64, access_lifetime)
SETTER (refresh_delay, guint, refresh_delay_ms)

void
pd_oauth_server_set_slow_down (PdOAuthServer *self,
                               guint          after_polls,
                               guint          polls)
{
  g_mutex_lock (&self->lock);
  self->slow_down_after = self->polls + after_polls;
  self->slow_down_polls = polls;
  g_mutex_unlock (&self->lock);
}

gboolean
pd_oauth_server_approve_device (PdOAuthServer *self,
                                const char    *user_code,
                                gboolean       approve)
{
  GHashTableIter iter;
  DeviceCode *d;
  gboolean found = FALSE;

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->devices);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &d))
    if (d->state == DEVICE_PENDING && g_strcmp0 (d->user_code, user_code) == 0)
      {
        d->state = approve ? DEVICE_APPROVED : DEVICE_DENIED;
        found = TRUE;
      }
  g_mutex_unlock (&self->lock);
  return found;
}

#define GETTER(name, field) \
  guint pd_oauth_server_count_##name (PdOAuthServer *self) \
  { guint n; g_mutex_lock (&self->lock); n = self->field; g_mutex_unlock (&self->lock); return n; }

GETTER (refreshes, refreshes)
GETTER (stale_refreshes, stale_refreshes)

char *
pd_oauth_server_dup_refresh_token (PdOAuthServer *self)
{
  char *s;

  g_mutex_lock (&self->lock);
  s = g_strdup (self->last_refresh);
  g_mutex_unlock (&self->lock);
  return s;
}

char *
pd_oauth_server_dup_access_token (PdOAuthServer *self)
{
  char *s;

  g_mutex_lock (&self->lock);
  s = g_strdup (self->last_access);
  g_mutex_unlock (&self->lock);
  return s;
}

GArray *
pd_oauth_server_dup_poll_times (PdOAuthServer *self)
{
  GArray *copy;

  g_mutex_lock (&self->lock);
  copy = g_array_copy (self->poll_times);
  g_mutex_unlock (&self->lock);
  return copy;
}

GPtrArray *
pd_oauth_server_dup_secrets (PdOAuthServer *self)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_free);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->secrets->len; i++)
    g_ptr_array_add (copy, g_strdup (self->secrets->pdata[i]));
  g_mutex_unlock (&self->lock);
  return copy;
}
