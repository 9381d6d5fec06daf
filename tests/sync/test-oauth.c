/* test-oauth.c: signing in to OneDrive and Google Drive accounts, against the OAuth server in
 * pd-oauth-server.c (RFC 6749/7636/8628 on loopback); the test plays the browser and the person
 * who types the device code. What a user checks: the sign-in works, a forged or refused answer
 * says so plainly; the device code flow waits as long as the provider asks; tokens are
 * refreshed once, ahead of expiry, with the rotated refresh token safe in the keyring first; a
 * revoked grant asks to sign in again; a locked keyring or an unreachable server only delays;
 * no token ever shows in debug output; paperdock-cli adds, signs in again and removes such an
 * account. Runs inside a private gnome-keyring (see run-with-keyring.sh). */
#define _GNU_SOURCE  /* memmem */
#include <string.h>

#include <libsecret/secret.h>
#include <libsoup/soup.h>

#include <glib/gstdio.h>

#include "pd-library-sync.h"
#include "pd-oauth-private.h"
#include "pd-oauth-server.h"
#include "pd-oauth-token-source.h"
#include "pd-profile.h"
#include "pd-secret.h"
#include "pd-sync-engine.h"
#include "pd-sync-error.h"
#include "pd-test-sync.h"

#define CLIENT_ID "11111111-2222-3333-4444-555555555555"

static PdOAuthServer *server;
static GString *captured_log;
static GMutex log_lock;

static GLogWriterOutput
capture_log_writer (GLogLevelFlags   level,
                    const GLogField *fields,
                    gsize            n_fields,
                    gpointer         user_data)
{
  g_mutex_lock (&log_lock);
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
      {
        g_string_append (captured_log, fields[i].value);
        g_string_append_c (captured_log, '\n');
      }
  g_mutex_unlock (&log_lock);
  /* Debug output is only captured, to look for secrets in it: on stdout it would break TAP. */
  if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

/* PKCE and the parsers */

static void
test_pkce_rfc7636 (void)
{
  /* RFC 7636, appendix B. */
  static const guint8 octets[32] = {
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186,
    22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121 };
  g_autofree char *verifier = _pd_oauth_base64url (octets, sizeof octets);
  g_autofree char *challenge = _pd_oauth_pkce_challenge (verifier);
  g_autofree char *a = _pd_oauth_random_string (32);
  g_autofree char *b = _pd_oauth_random_string (32);

  g_assert_cmpstr (verifier, ==, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  g_assert_cmpstr (challenge, ==, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");

  /* A verifier of our own: 43 unreserved characters, never the same twice. */
  g_assert_cmpuint (strlen (a), ==, 43);
  g_assert_cmpuint (strspn (a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789-._~"), ==, 43);
  g_assert_cmpstr (a, !=, b);
}

static void
test_parse_redirect (void)
{
  g_autoptr(GError) error = NULL;
  char *code = NULL, *state = NULL;

  g_assert_true (_pd_oauth_parse_redirect ("code=M.C1%2Fab&state=xyz&session_state=1", &code,
                                           &state, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "M.C1/ab");
  g_assert_cmpstr (state, ==, "xyz");
  g_clear_pointer (&code, g_free);
  g_clear_pointer (&state, g_free);

  g_assert_false (_pd_oauth_parse_redirect ("error=access_denied&error_description=The+user+"
                                            "said+no%0D%0ATrace+ID%3A+1&state=xyz",
                                            &code, &state, &error));
  g_assert_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_DENIED);
  g_assert_nonnull (strstr (error->message, "The user said no"));
  g_assert_null (strstr (error->message, "Trace ID"));
  g_assert_null (code);
  g_clear_error (&error);

  g_assert_false (_pd_oauth_parse_redirect ("state=xyz", &code, &state, &error));
  g_assert_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_PROTOCOL);
  g_clear_error (&error);
  g_assert_false (_pd_oauth_parse_redirect ("code=%zz", &code, &state, &error));
  g_assert_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_PROTOCOL);
  g_clear_error (&error);
  g_assert_false (_pd_oauth_parse_redirect ("", &code, &state, &error));
  g_assert_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_PROTOCOL);
}

static void
test_parse_token_response (void)
{
  static const char ok[] = "{\"token_type\":\"Bearer\",\"expires_in\":\"3599\","
                           "\"access_token\":\"eyJ0\",\"refresh_token\":\"M.R3\"}";
  static const char denied[] = "{\"error\":\"invalid_grant\","
                               "\"error_description\":\"AADSTS70000\"}";
  static const char *bad[] = { "", "{", "[]", "null", "{\"access_token\":5}",
                               "{\"token_type\":\"mac\",\"access_token\":\"x\"}", "{}" };
  g_autoptr(GError) error = NULL;
  char *access = NULL, *refresh = NULL, *code = NULL;
  gint64 expires_in = 0;

  g_assert_true (_pd_oauth_parse_token_response (ok, strlen (ok), &access, &refresh, &expires_in,
                                                 &code, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (access, ==, "eyJ0");
  g_assert_cmpstr (refresh, ==, "M.R3");
  g_assert_cmpint (expires_in, ==, 3599);
  g_assert_null (code);
  g_clear_pointer (&access, g_free);
  g_clear_pointer (&refresh, g_free);

  g_assert_true (_pd_oauth_parse_token_response (denied, strlen (denied), &access, &refresh,
                                                 &expires_in, &code, &error));
  g_assert_cmpstr (code, ==, "invalid_grant");
  g_assert_null (access);
  g_clear_pointer (&code, g_free);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (_pd_oauth_parse_token_response (bad[i], strlen (bad[i]), &access, &refresh,
                                                      &expires_in, &code, &error));
      g_assert_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_PROTOCOL);
      g_assert_null (access);
      g_clear_error (&error);
    }
}

/* The loopback sign-in, with the test as the browser */

typedef struct {
  SoupSession *session;
  char        *authorize_uri;
  guint        status;
  char        *page;
  gboolean     done;
} Browser;

static void
browser_page_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Browser *browser = user_data;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  g_assert_no_error (error);
  browser->status = soup_message_get_status (
                      soup_session_get_async_result_message (SOUP_SESSION (object), result));
  browser->page = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  browser->done = TRUE;
}

/* What a browser does with the address: GET it, follow the provider's redirect to us. */
static void
browser_open_cb (const char *uri,
                 gpointer    user_data)
{
  Browser *browser = user_data;
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, uri);

  g_assert_nonnull (msg);
  browser->authorize_uri = g_strdup (uri);
  soup_session_send_and_read_async (browser->session, msg, G_PRIORITY_DEFAULT, NULL,
                                    browser_page_cb, browser);
}

static PdOAuthTokens *
sign_in_with_browser (const PdOAuthProvider  *provider,
                      Browser                *browser,
                      GError                **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  browser->session = soup_session_new ();
  pd_oauth_sign_in_async (provider, browser_open_cb, browser, NULL, done_cb, &result);
  wait_for (&result);
  while (!browser->done)
    g_main_context_iteration (NULL, TRUE);
  return pd_oauth_sign_in_finish (result, error);
}

static void
browser_clear (Browser *browser)
{
  g_clear_object (&browser->session);
  g_clear_pointer (&browser->authorize_uri, g_free);
  g_clear_pointer (&browser->page, g_free);
}

static void
test_loopback_sign_in (gconstpointer data)
{
  const char *redirect_host = data;
  g_autoptr(PdOAuthProvider) provider = pd_oauth_server_dup_provider (server);
  g_autofree char *expected_redirect = g_strdup_printf ("redirect_uri=http%%3A%%2F%%2F%s%%3A",
                                                        redirect_host);
  g_autoptr(PdOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *issued = NULL;
  Browser browser = { 0 };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_free (provider->redirect_host);
  provider->redirect_host = g_strdup (redirect_host);
  tokens = sign_in_with_browser (provider, &browser, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tokens);
  issued = pd_oauth_server_dup_access_token (server);
  g_assert_cmpstr (tokens->access_token, ==, issued);
  g_assert_nonnull (tokens->refresh_token);
  g_assert_cmpint (tokens->expires_at, >=, now + 3590);
  g_assert_cmpint (tokens->expires_at, <=, now + 3610);
  /* The browser's tab tells the person it worked. */
  g_assert_cmpuint (browser.status, ==, 200);
  g_assert_nonnull (strstr (browser.page, "You are signed in"));
  g_assert_nonnull (strstr (browser.authorize_uri, "code_challenge_method=S256"));
  g_assert_nonnull (strstr (browser.authorize_uri, expected_redirect));
  browser_clear (&browser);
}

static void
test_loopback_state_mismatch (void)
{
  g_autoptr(PdOAuthProvider) provider = pd_oauth_server_dup_provider (server);
  g_autoptr(PdOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  Browser browser = { 0 };

  pd_oauth_server_set_wrong_state (server, TRUE);
  tokens = sign_in_with_browser (provider, &browser, &error);
  pd_oauth_server_set_wrong_state (server, FALSE);
  g_assert_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_STATE_MISMATCH);
  g_assert_null (tokens);
  g_assert_cmpuint (browser.status, ==, 400);
  g_assert_nonnull (strstr (browser.page, "did not work"));
  browser_clear (&browser);
}

static void
test_loopback_denied (void)
{
  g_autoptr(PdOAuthProvider) provider = pd_oauth_server_dup_provider (server);
  g_autoptr(PdOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  Browser browser = { 0 };

  pd_oauth_server_set_deny (server, TRUE);
  tokens = sign_in_with_browser (provider, &browser, &error);
  pd_oauth_server_set_deny (server, FALSE);
  g_assert_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_DENIED);
  g_assert_nonnull (strstr (error->message, "refused"));
  g_assert_nonnull (strstr (error->message, "The user has denied access"));
  g_assert_nonnull (strstr (browser.page, "did not work"));
  browser_clear (&browser);
}

static void
ignore_uri_cb (const char *uri,
               gpointer    user_data)
{
}

static void
test_loopback_cancel (void)
{
  g_autoptr(PdOAuthProvider) provider = pd_oauth_server_dup_provider (server);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PdOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;

  /* Nobody comes back from the browser: the person gives up. */
  pd_oauth_sign_in_async (provider, ignore_uri_cb, NULL, cancellable, done_cb, &result);
  g_timeout_add_once (100, (GSourceOnceFunc) g_cancellable_cancel, cancellable);
  tokens = pd_oauth_sign_in_finish (wait_for (&result), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (tokens);
}

/* The device code flow, with the test as the person */

typedef struct {
  char     *user_code;
  char     *verification_uri;
  gboolean  approve;
  guint     polls_before;
} Person;

/* The person takes a moment: acts once the client has polled once (and found it pending). */
static gboolean
person_acts_cb (gpointer user_data)
{
  Person *person = user_data;
  g_autoptr(GArray) polls = pd_oauth_server_dup_poll_times (server);

  if (polls->len <= person->polls_before)
    return G_SOURCE_CONTINUE;
  g_assert_true (pd_oauth_server_approve_device (server, person->user_code, person->approve));
  return G_SOURCE_REMOVE;
}

static void
show_code_cb (const char *verification_uri,
              const char *user_code,
              const char *message,
              gpointer    user_data)
{
  Person *person = user_data;
  g_autoptr(GArray) polls = pd_oauth_server_dup_poll_times (server);

  person->user_code = g_strdup (user_code);
  person->verification_uri = g_strdup (verification_uri);
  person->polls_before = polls->len;
  g_timeout_add (50, person_acts_cb, person);
}

static void
test_device_flow (void)
{
  g_autoptr(PdOAuthProvider) provider = pd_oauth_server_dup_provider (server);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PdOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) before = pd_oauth_server_dup_poll_times (server);
  g_autoptr(GArray) polls = NULL;
  g_autofree char *issued = NULL;
  g_autofree char *device_page = pd_oauth_server_dup_url (server, "/device");
  Person person = { NULL, NULL, TRUE, 0 };
  gint64 *t;

  /* Poll 1 (at 1 s): pending. Poll 2 (2 s): slow_down. Poll 3 must wait 1 + 5 s more. */
  pd_oauth_server_set_slow_down (server, 1, 1);
  pd_oauth_device_sign_in_async (provider, show_code_cb, &person, NULL, done_cb, &result);
  tokens = pd_oauth_device_sign_in_finish (wait_for (&result), &error);
  g_assert_no_error (error);
  issued = pd_oauth_server_dup_access_token (server);
  g_assert_cmpstr (tokens->access_token, ==, issued);
  g_assert_nonnull (tokens->refresh_token);
  g_assert_cmpstr (person.verification_uri, ==, device_page);

  polls = pd_oauth_server_dup_poll_times (server);
  g_assert_cmpuint (polls->len - before->len, ==, 3);
  t = &g_array_index (polls, gint64, before->len);
  g_assert_cmpint (t[1] - t[0], >=, 900 * 1000);
  g_assert_cmpint (t[2] - t[1], >=, 5900 * 1000);
  g_free (person.user_code);
  g_free (person.verification_uri);
}

static void
test_device_denied (void)
{
  g_autoptr(PdOAuthProvider) provider = pd_oauth_server_dup_provider (server);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PdOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  Person person = { NULL, NULL, FALSE, 0 };

  pd_oauth_device_sign_in_async (provider, show_code_cb, &person, NULL, done_cb, &result);
  tokens = pd_oauth_device_sign_in_finish (wait_for (&result), &error);
  g_assert_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_DENIED);
  g_assert_null (tokens);
  g_free (person.user_code);
  g_free (person.verification_uri);
}

/* The token source */

static void
store_minted (gint64 account_id,
              gint64 lifetime,
              char **access_token)
{
  g_autoptr(PdOAuthProvider) provider = pd_oauth_server_dup_provider (server);
  g_autoptr(PdOAuthTokens) tokens = pd_oauth_server_mint_tokens (server, lifetime);
  g_autoptr(GError) error = NULL;

  g_assert_true (pd_oauth_token_source_store (account_id, provider, tokens, NULL, &error));
  g_assert_no_error (error);
  if (access_token != NULL)
    *access_token = g_strdup (tokens->access_token);
}

static char *
get_token (PdTokenSource *source,
           const char    *refused)
{
  g_autoptr(GError) error = NULL;
  char *token = pd_token_source_get_token (source, refused, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (token);
  return token;
}

static void
test_source_refresh_ahead (void)
{
  g_autoptr(PdTokenSource) source = pd_oauth_token_source_new (101, "Cloud");
  g_autoptr(PdTokenSource) second = pd_oauth_token_source_new (101, "Cloud");
  g_autoptr(PdTokenSource) fresh = pd_oauth_token_source_new (102, "Fresh");
  g_autofree char *minted = NULL, *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL;
  g_autofree char *fresh_minted = NULL, *t5 = NULL;
  guint refreshes = pd_oauth_server_count_refreshes (server);

  /* 30 s left is less than the minute of margin: refreshed before it is handed out. */
  store_minted (101, 30, &minted);
  t1 = get_token (source, NULL);
  g_assert_cmpstr (t1, !=, minted);
  g_assert_cmpuint (pd_oauth_server_count_refreshes (server), ==, refreshes + 1);
  t2 = get_token (source, NULL);
  g_assert_cmpstr (t2, ==, t1);
  /* Another source of the account finds the new token in the keyring. */
  t3 = get_token (second, NULL);
  g_assert_cmpstr (t3, ==, t1);
  g_assert_cmpuint (pd_oauth_server_count_refreshes (server), ==, refreshes + 1);
  /* A 401 on the current token refreshes it, once. */
  t4 = get_token (source, t1);
  g_assert_cmpstr (t4, !=, t1);
  g_assert_cmpuint (pd_oauth_server_count_refreshes (server), ==, refreshes + 2);

  /* An hour left: no refresh at all. */
  store_minted (102, 3600, &fresh_minted);
  t5 = get_token (fresh, NULL);
  g_assert_cmpstr (t5, ==, fresh_minted);
  g_assert_cmpuint (pd_oauth_server_count_refreshes (server), ==, refreshes + 2);
}

typedef struct {
  PdTokenSource *source;
  char          *token;
  GError        *error;
} Asker;

static gpointer
asker_thread (gpointer data)
{
  Asker *asker = data;

  asker->token = pd_token_source_get_token (asker->source, NULL, NULL, &asker->error);
  return NULL;
}

static void
test_source_one_refresh (void)
{
  g_autoptr(PdTokenSource) a = pd_oauth_token_source_new (103, "Busy");
  g_autoptr(PdTokenSource) b = pd_oauth_token_source_new (103, "Busy");
  guint refreshes = pd_oauth_server_count_refreshes (server);
  GThread *threads[8];
  Asker askers[8] = { { 0 } };

  store_minted (103, 10, NULL);
  /* A slow token endpoint: without the lock, all eight would be refreshing at once. */
  pd_oauth_server_set_refresh_delay (server, 300);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      askers[i].source = i % 2 ? a : b;
      threads[i] = g_thread_new ("asker", asker_thread, &askers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  pd_oauth_server_set_refresh_delay (server, 0);

  g_assert_cmpuint (pd_oauth_server_count_refreshes (server), ==, refreshes + 1);
  for (guint i = 0; i < G_N_ELEMENTS (askers); i++)
    {
      g_assert_no_error (askers[i].error);
      g_assert_cmpstr (askers[i].token, ==, askers[0].token);
    }
  for (guint i = 0; i < G_N_ELEMENTS (askers); i++)
    pd_secret_free (askers[i].token);
}

static void
test_source_rotation (void)
{
  g_autoptr(PdTokenSource) source = pd_oauth_token_source_new (104, "Rotating");
  g_autoptr(GError) error = NULL;
  g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL;
  g_autofree char *first_refresh = NULL, *rotated = NULL, *stored = NULL;
  guint stale = pd_oauth_server_count_stale_refreshes (server);

  store_minted (104, 0, NULL);
  first_refresh = pd_oauth_server_dup_refresh_token (server);
  t1 = get_token (source, NULL);
  /* The server rotated the refresh token (the old one is now refused): the new one is in the
   * keyring by the time the access token is handed out. */
  rotated = pd_oauth_server_dup_refresh_token (server);
  g_assert_cmpstr (rotated, !=, first_refresh);
  stored = pd_secret_lookup (104, PD_OAUTH_SECRET_REFRESH, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (stored, rotated));
  g_assert_null (strstr (stored, first_refresh));

  /* Two more refreshes, each with the token the last one gave: the server never sees a dead
   * refresh token. */
  t2 = get_token (source, t1);
  t3 = get_token (source, t2);
  g_assert_cmpstr (t3, !=, t2);
  g_assert_cmpuint (pd_oauth_server_count_stale_refreshes (server), ==, stale);
}

static void
test_source_invalid_grant (void)
{
  g_autoptr(PdTokenSource) source = pd_oauth_token_source_new (105, "Revoked");
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *kept = NULL;

  store_minted (105, 0, NULL);
  pd_oauth_server_set_invalid_grant (server, TRUE);
  token = pd_token_source_get_token (source, NULL, NULL, &error);
  pd_oauth_server_set_invalid_grant (server, FALSE);
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_AUTH_REQUIRED);
  g_assert_null (token);
  g_assert_nonnull (strstr (error->message, "Sign in again"));
  g_assert_nonnull (strstr (error->message, "AADSTS700082"));
  g_assert_null (strstr (error->message, "Trace ID"));
  g_clear_error (&error);

  /* Nothing is deleted: a sign-in replaces it. */
  kept = pd_secret_lookup (105, PD_OAUTH_SECRET_REFRESH, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (kept);
}

static void
test_source_unreachable (void)
{
  g_autoptr(PdTokenSource) source = pd_oauth_token_source_new (106, "Offline");
  g_autoptr(PdOAuthProvider) provider = pd_oauth_server_dup_provider (server);
  g_autoptr(PdOAuthTokens) tokens = pd_oauth_server_mint_tokens (server, 0);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  /* A port that was just free and is closed again: connection refused. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_true (g_socket_bind (socket, any_port, TRUE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_free (provider->token_url);
  provider->token_url = g_strdup_printf ("http://127.0.0.1:%u/token",
                                         g_inet_socket_address_get_port (
                                           G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);

  g_assert_true (pd_oauth_token_source_store (106, provider, tokens, NULL, &error));
  token = pd_token_source_get_token (source, NULL, NULL, &error);
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT);
  g_assert_null (token);
}

static void
test_source_not_signed_in (void)
{
  g_autoptr(PdTokenSource) source = pd_oauth_token_source_new (107, "Never");
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  token = pd_token_source_get_token (source, NULL, NULL, &error);
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_AUTH_REQUIRED);
  g_assert_nonnull (strstr (error->message, "accounts signin Never"));
}

/* The sync engine with cloud accounts */

static gint64
make_ready (PdLibrary  *library,
            const char *name,
            const char *destination)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autofree char *file = g_strdup_printf ("%s.pdf", name);
  g_autofree char *tmp = pd_test_make_file (file, 4096);
  g_autofree char *pdf = g_build_filename (pd_library_get_documents_dir (library), file, NULL);

  g_assert_cmpint (g_rename (tmp, pdf), ==, 0);
  document = pd_library_create_document (library, name, NULL, PD_SCAN_MODE_TEXT, "eng", &error);
  g_assert_no_error (error);
  g_assert_true (pd_library_transition (library, document->id, PD_DOC_STATE_CAPTURING,
                                        PD_DOC_STATE_PROCESSING, "processing", NULL, &error));
  g_assert_true (pd_library_set_document_ready (library, document->id, pdf, &error));
  g_assert_true (pd_library_set_document_destination (library, document->id, destination,
                                                      &error));
  g_assert_no_error (error);
  return document->id;
}

static PdSyncSummary
run_pass (PdSyncEngine *engine)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  PdSyncSummary summary = { 0 };

  pd_sync_engine_run_pass_async (engine, NULL, done_cb, &result);
  g_assert_true (pd_sync_engine_run_pass_finish (engine, wait_for (&result), &summary, &error));
  g_assert_no_error (error);
  return summary;
}

static guint
count_open_inbox (PdLibrary  *library,
                  const char *kind)
{
  g_autoptr(GPtrArray) items = pd_library_list_inbox (library, FALSE, NULL);
  guint n = 0;

  for (guint i = 0; i < items->len; i++)
    if (g_strcmp0 (((PdInboxItem *) items->pdata[i])->kind, kind) == 0)
      n++;
  return n;
}

/* A revoked grant stops the account with one "sign in" item and loses nothing; after a new
 * sign-in its documents are tried again. The remote end is a closed port, so "tried again"
 * shows as a retry, not an upload. */
static void
test_engine_sign_in_item (gconstpointer data)
{
  const char *kind = data;
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "engine-lib", NULL);
  g_autoptr(PdLibrary) library = NULL;
  g_autoptr(PdSyncEngine) engine = NULL;
  g_autoptr(PdAccount) account = NULL;
  g_autoptr(PdSyncState) state = NULL;
  g_autoptr(PdOAuthProvider) provider = pd_oauth_server_dup_provider (server);
  g_autoptr(PdOAuthTokens) tokens = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  const char *url = g_str_equal (kind, "onedrive") ? "http://127.0.0.1:9/v1.0/me/drive"
                                                   : "http://127.0.0.1:9";
  PdSyncSummary summary;
  gint64 id, doc1, doc2;

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  id = pd_library_add_account (library, "Cloud", kind, url, NULL, &error);
  g_assert_no_error (error);
  /* Account ids start again in every test's library: the keyring must not hold a sign-in
   * from an earlier test under the same id. */
  g_assert_true (pd_oauth_token_source_clear (id, NULL, &error));
  tokens = pd_oauth_server_mint_tokens (server, 0);
  g_assert_true (pd_oauth_token_source_store (id, provider, tokens, NULL, &error));
  doc1 = make_ready (library, "Invoice", "Cloud:Scans");
  doc2 = make_ready (library, "Letter", "Cloud:Scans");
  engine = pd_sync_engine_new (library);

  pd_oauth_server_set_invalid_grant (server, TRUE);
  summary = run_pass (engine);
  pd_oauth_server_set_invalid_grant (server, FALSE);
  g_assert_cmpuint (summary.accepted, ==, 0);
  g_assert_cmpuint (count_open_inbox (library, "sign_in"), ==, 1);
  g_assert_cmpuint (count_open_inbox (library, "rejected"), ==, 0);
  items = pd_library_list_inbox (library, FALSE, &error);
  g_assert_nonnull (strstr (((PdInboxItem *) items->pdata[0])->message, "Sign in again"));
  state = pd_library_get_sync_state (library, doc1, &error);
  g_assert_cmpint (state->synced_revision, ==, 0);
  g_assert_true (g_file_test (state->pdf_path, G_FILE_TEST_EXISTS));
  /* Blocked, not dropped: a second pass does not knock again. */
  summary = run_pass (engine);
  g_assert_cmpuint (summary.retry_later + summary.rejected + summary.accepted, ==, 0);

  /* Signed in again (what "accounts signin" does): both documents are tried again. */
  g_clear_pointer (&tokens, pd_oauth_tokens_free);
  tokens = pd_oauth_server_mint_tokens (server, 3600);
  g_assert_true (pd_oauth_token_source_store (id, provider, tokens, NULL, &error));
  g_assert_true (pd_library_resolve_inbox_item (library,
                                                ((PdInboxItem *) items->pdata[0])->id,
                                                "signed in again", &error));
  summary = run_pass (engine);
  g_assert_cmpuint (summary.retry_later, ==, 2);
  g_assert_cmpuint (count_open_inbox (library, "sign_in"), ==, 0);
  g_clear_pointer (&state, pd_sync_state_free);
  state = pd_library_get_sync_state (library, doc2, &error);
  g_assert_cmpuint (state->sync_attempts, >=, 1);
  g_assert_true (pd_oauth_token_source_clear (id, NULL, &error));
}

/* paperdock-cli */

typedef struct {
  GSubprocess      *process;
  GDataInputStream *out;
  GString          *stdout_text;
  gboolean          eof;
  GAsyncResult     *exited;
} Cli;

static void
cli_line_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data);

static void
cli_read_next (Cli *cli)
{
  g_data_input_stream_read_line_async (cli->out, G_PRIORITY_DEFAULT, NULL, cli_line_cb, cli);
}

static void
cli_line_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish (cli->out, result, NULL, &error);

  g_assert_no_error (error);
  if (line == NULL)
    {
      cli->eof = TRUE;
      return;
    }
  g_string_append_printf (cli->stdout_text, "%s\n", line);
  cli_read_next (cli);
}

static void
cli_start (Cli                *cli,
           PdOAuthServer      *oauth,
           const char * const *argv,
           const char         *input)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token_url = pd_oauth_server_dup_url (oauth, "/token");
  g_autofree char *device_url = pd_oauth_server_dup_url (oauth, "/devicecode");
  g_autofree char *authorize_url = pd_oauth_server_dup_url (oauth, "/authorize");
  g_autofree char *library = g_build_filename (g_get_user_data_dir (), "cli-lib", NULL);

  memset (cli, 0, sizeof *cli);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_MERGE |
                                        (input != NULL ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0));
  g_subprocess_launcher_setenv (launcher, "PAPERDOCK_LIBRARY", library, TRUE);
  g_subprocess_launcher_setenv (launcher, "PAPERDOCK_OAUTH_TOKEN_URL", token_url, TRUE);
  g_subprocess_launcher_setenv (launcher, "PAPERDOCK_OAUTH_DEVICE_URL", device_url, TRUE);
  g_subprocess_launcher_setenv (launcher, "PAPERDOCK_OAUTH_AUTHORIZE_URL", authorize_url, TRUE);
  g_subprocess_launcher_setenv (launcher, "PAPERDOCK_GRAPH_URL", "http://127.0.0.1:9/v1.0", TRUE);
  g_subprocess_launcher_setenv (launcher, "PAPERDOCK_DRIVE_URL", "http://127.0.0.1:9", TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  cli->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  if (input != NULL)
    {
      GOutputStream *in = g_subprocess_get_stdin_pipe (cli->process);

      g_assert_true (g_output_stream_write_all (in, input, strlen (input), NULL, NULL, &error));
      g_assert_true (g_output_stream_close (in, NULL, &error));
    }
  cli->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (cli->process));
  cli->stdout_text = g_string_new (NULL);
  cli_read_next (cli);
}

/* Waits for the end; returns the exit status and keeps the output in cli->stdout_text. */
static int
cli_finish (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_subprocess_wait_async (cli->process, NULL, done_cb, &cli->exited);
  wait_for (&cli->exited);
  while (!cli->eof)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_subprocess_wait_finish (cli->process, cli->exited, &error));
  status = g_subprocess_get_exit_status (cli->process);
  g_clear_object (&cli->exited);
  g_clear_object (&cli->out);
  g_clear_object (&cli->process);
  return status;
}

/* Plays the person: reads the code the command printed and approves it on the server. */
static void
cli_answer_device_code (Cli *cli)
{
  g_autoptr(GRegex) regex = g_regex_new ("enter the code (\\S+)", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *code = NULL;

  while (!g_regex_match (regex, cli->stdout_text->str, 0, &match))
    {
      g_clear_pointer (&match, g_match_info_unref);
      if (cli->eof)
        {
          g_subprocess_wait (cli->process, NULL, NULL);
          g_error ("paperdock-cli ended (status %d) without showing a code:\n%s",
                   g_subprocess_get_status (cli->process), cli->stdout_text->str);
        }
      g_main_context_iteration (NULL, TRUE);
    }
  code = g_match_info_fetch (match, 1);
  g_assert_true (pd_oauth_server_approve_device (server, code, TRUE));
}

static void
assert_no_secret_in (const char *text)
{
  g_autoptr(GPtrArray) secrets = pd_oauth_server_dup_secrets (server);

  for (guint i = 0; i < secrets->len; i++)
    if (strstr (text, secrets->pdata[i]) != NULL)
      g_error ("A token or code is in the output: %s", (const char *) secrets->pdata[i]);
}

/* The library's files (database, WAL) hold no token either. */
static void
assert_no_secret_in_library (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "cli-lib", NULL);
  g_autoptr(GPtrArray) secrets = pd_oauth_server_dup_secrets (server);
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  guint files = 0;

  g_assert_nonnull (listing);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *data = NULL;
      gsize len = 0;

      if (!g_str_has_prefix (name, "library.db") ||
          !g_file_get_contents (path, &data, &len, NULL))
        continue;
      files++;
      for (guint i = 0; i < secrets->len; i++)
        g_assert_null (memmem (data, len, secrets->pdata[i], strlen (secrets->pdata[i])));
    }
  g_assert_cmpuint (files, >, 0);
}

static PdAccount *
cli_library_account (const char *name,
                     char      **client_id)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "cli-lib", NULL);
  g_autoptr(PdLibrary) library = NULL;
  g_autoptr(GError) error = NULL;
  PdAccount *account;

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  account = pd_library_get_account (library, name, NULL);
  if (account != NULL && client_id != NULL)
    {
      g_autofree char *key = g_strdup_printf ("account.%" G_GINT64_FORMAT ".client-id",
                                              account->id);

      g_assert_true (pd_library_get_setting (library, key, client_id, &error));
    }
  return account;
}

static void
test_cli_device_code (void)
{
  const char *cli_path = g_getenv ("PAPERDOCK_CLI");
  const char *add[] = { cli_path, "accounts", "add", "onedrive", "Cloud", "--client-id",
                        CLIENT_ID, "--device-code", NULL };
  const char *signin[] = { cli_path, "accounts", "signin", "Cloud", "--device-code", NULL };
  const char *list[] = { cli_path, "accounts", "list", NULL };
  const char *remove[] = { cli_path, "accounts", "remove", "Cloud", NULL };
  g_autoptr(PdAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *current = NULL;
  g_autofree char *lib_dir = g_build_filename (g_get_user_data_dir (), "cli-lib", NULL);
  g_autoptr(GString) all_output = g_string_new (NULL);
  g_autoptr(PdLibrary) library = NULL;
  Cli cli = { 0 };
  gint64 id;

  if (cli_path == NULL)
    {
      g_test_skip ("PAPERDOCK_CLI is not set");
      return;
    }

  cli_start (&cli, server, add, NULL);
  cli_answer_device_code (&cli);
  g_assert_cmpint (cli_finish (&cli), ==, 0);
  g_string_append (all_output, cli.stdout_text->str);
  g_assert_nonnull (strstr (cli.stdout_text->str, "Added account “Cloud”"));
  g_string_free (cli.stdout_text, TRUE);

  account = cli_library_account ("Cloud", &client_id);
  g_assert_nonnull (account);
  id = account->id;
  g_assert_cmpstr (account->kind, ==, "onedrive");
  g_assert_cmpstr (account->url, ==, "http://127.0.0.1:9/v1.0/me/drive");
  g_assert_null (account->username);
  g_assert_cmpstr (client_id, ==, CLIENT_ID);
  current = pd_oauth_server_dup_refresh_token (server);
  stored = pd_secret_lookup (id, PD_OAUTH_SECRET_REFRESH, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (stored, current));

  assert_no_secret_in_library ();
  cli_start (&cli, server, list, NULL);
  g_assert_cmpint (cli_finish (&cli), ==, 0);
  g_assert_nonnull (strstr (cli.stdout_text->str, "onedrive"));
  g_string_free (cli.stdout_text, TRUE);

  /* Signed out by the provider: the engine's inbox items go once the person signs in again
   * (two, as the app and a headless run can each raise one). */
  library = pd_library_open (lib_dir, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpint (pd_library_add_inbox_item (library, 0, id, "sign_in", "Sign in again.",
                                                &error), >, 0);
  g_clear_object (&library);
  cli_start (&cli, server, signin, NULL);
  cli_answer_device_code (&cli);
  g_assert_cmpint (cli_finish (&cli), ==, 0);
  g_string_append (all_output, cli.stdout_text->str);
  g_string_free (cli.stdout_text, TRUE);
  library = pd_library_open (lib_dir, &error);
  g_assert_false (pd_library_has_open_inbox_item (library, id, "sign_in", &error));
  g_assert_no_error (error);
  g_clear_object (&library);
  g_clear_pointer (&current, g_free);
  g_clear_pointer (&stored, pd_secret_free);
  current = pd_oauth_server_dup_refresh_token (server);
  stored = pd_secret_lookup (id, PD_OAUTH_SECRET_REFRESH, NULL, &error);
  g_assert_nonnull (strstr (stored, current));

  cli_start (&cli, server, remove, NULL);
  g_assert_cmpint (cli_finish (&cli), ==, 0);
  g_string_free (cli.stdout_text, TRUE);
  g_assert_null (pd_secret_lookup (id, PD_OAUTH_SECRET_REFRESH, NULL, &error));
  g_assert_error (error, PD_SECRET_ERROR, PD_SECRET_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (pd_secret_lookup (id, PD_OAUTH_SECRET_ACCESS, NULL, &error));
  g_assert_error (error, PD_SECRET_ERROR, PD_SECRET_ERROR_NOT_FOUND);
  g_clear_pointer (&account, pd_account_free);
  account = cli_library_account ("Cloud", NULL);
  g_assert_null (account);

  /* With G_MESSAGES_DEBUG=all, the command printed no token, code or verifier. */
  assert_no_secret_in (all_output->str);
}

/* The browser sign-in of a Google Drive account, whose client has a secret. */
static void
test_cli_browser_gdrive (void)
{
  const char *cli_path = g_getenv ("PAPERDOCK_CLI");
  const char *add[] = { cli_path, "accounts", "add", "gdrive", "Team", "--client-id",
                        "123-abc.apps.googleusercontent.com", "--client-secret-stdin", NULL };
  const char *remove[] = { cli_path, "accounts", "remove", "Team", NULL };
  PdOAuthServer *google = pd_oauth_server_new ("123-abc.apps.googleusercontent.com",
                                               "GOCSPX-not-so-secret");
  g_autoptr(GRegex) regex = g_regex_new ("^  (http://\\S+)$", G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(PdAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *current = NULL;
  Browser browser = { 0 };
  Cli cli = { 0 };

  if (cli_path == NULL)
    {
      g_test_skip ("PAPERDOCK_CLI is not set");
      pd_oauth_server_free (google);
      return;
    }
  cli_start (&cli, google, add, "GOCSPX-not-so-secret\n");
  while (!g_regex_match (regex, cli.stdout_text->str, 0, &match))
    {
      g_clear_pointer (&match, g_match_info_unref);
      if (cli.eof)
        g_error ("paperdock-cli showed no address:\n%s", cli.stdout_text->str);
      g_main_context_iteration (NULL, TRUE);
    }
  uri = g_match_info_fetch (match, 1);
  g_assert_true (g_str_has_prefix (uri, "http://127.0.0.1:"));
  g_assert_nonnull (strstr (uri, "access_type=offline"));
  browser.session = soup_session_new ();
  browser_open_cb (uri, &browser);
  g_assert_cmpint (cli_finish (&cli), ==, 0);
  while (!browser.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (strstr (browser.page, "You are signed in"));
  g_assert_nonnull (strstr (cli.stdout_text->str, "Added account “Team”"));
  assert_no_secret_in (cli.stdout_text->str);
  g_assert_null (strstr (cli.stdout_text->str, "GOCSPX"));
  g_string_free (cli.stdout_text, TRUE);

  account = cli_library_account ("Team", NULL);
  g_assert_nonnull (account);
  g_assert_cmpstr (account->kind, ==, "gdrive");
  g_assert_cmpstr (account->url, ==, "http://127.0.0.1:9");
  current = pd_oauth_server_dup_refresh_token (google);
  stored = pd_secret_lookup (account->id, PD_OAUTH_SECRET_REFRESH, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (stored, current));
  /* The client secret goes with the refresh token: Google wants it for every refresh. */
  g_assert_nonnull (strstr (stored, "GOCSPX-not-so-secret"));

  cli_start (&cli, google, remove, NULL);
  g_assert_cmpint (cli_finish (&cli), ==, 0);
  g_string_free (cli.stdout_text, TRUE);
  browser_clear (&browser);
  pd_oauth_server_free (google);
}

static void
test_no_secret_in_debug_log (void)
{
  g_mutex_lock (&log_lock);
  /* The tests above did log (refreshes, sign-ins): the capture works. */
  g_assert_nonnull (strstr (captured_log->str, "refreshing its access token"));
  assert_no_secret_in (captured_log->str);
  g_mutex_unlock (&log_lock);
}

/* Last: a locked keyring cannot be unlocked again without a prompt. */
static void
test_source_locked_keyring (void)
{
  g_autoptr(PdTokenSource) source = pd_oauth_token_source_new (108, "Locked");
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  GList objects = { 0 };

  store_minted (108, 3600, NULL);
  service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  g_assert_no_error (error);
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  objects.data = collection;
  secret_service_lock_sync (service, &objects, NULL, NULL, &error);
  g_assert_no_error (error);

  token = pd_token_source_get_token (source, NULL, NULL, &error);
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT);
  g_assert_nonnull (strstr (error->message, "locked"));
  g_assert_null (token);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  captured_log = g_string_new (NULL);
  g_log_set_writer_func (capture_log_writer, NULL, NULL);
  server = pd_oauth_server_new (CLIENT_ID, NULL);

  g_test_add_func ("/oauth/pkce-rfc7636", test_pkce_rfc7636);
  g_test_add_func ("/oauth/parse-redirect", test_parse_redirect);
  g_test_add_func ("/oauth/parse-token-response", test_parse_token_response);
  /* Google's redirect names 127.0.0.1; Microsoft's portal only takes http://localhost. */
  g_test_add_data_func ("/oauth/loopback/sign-in/127.0.0.1", "127.0.0.1", test_loopback_sign_in);
  g_test_add_data_func ("/oauth/loopback/sign-in/localhost", "localhost", test_loopback_sign_in);
  g_test_add_func ("/oauth/loopback/state-mismatch", test_loopback_state_mismatch);
  g_test_add_func ("/oauth/loopback/denied", test_loopback_denied);
  g_test_add_func ("/oauth/loopback/cancel", test_loopback_cancel);
  g_test_add_func ("/oauth/device/slow-down", test_device_flow);
  g_test_add_func ("/oauth/device/denied", test_device_denied);
  g_test_add_func ("/oauth/token-source/refresh-ahead", test_source_refresh_ahead);
  g_test_add_func ("/oauth/token-source/one-refresh", test_source_one_refresh);
  g_test_add_func ("/oauth/token-source/rotation", test_source_rotation);
  g_test_add_func ("/oauth/token-source/invalid-grant", test_source_invalid_grant);
  g_test_add_func ("/oauth/token-source/unreachable", test_source_unreachable);
  g_test_add_func ("/oauth/token-source/not-signed-in", test_source_not_signed_in);
  g_test_add_data_func ("/oauth/engine/sign-in-item/onedrive", "onedrive",
                        test_engine_sign_in_item);
  g_test_add_data_func ("/oauth/engine/sign-in-item/gdrive", "gdrive", test_engine_sign_in_item);
  g_test_add_func ("/oauth/cli/device-code", test_cli_device_code);
  g_test_add_func ("/oauth/cli/browser-gdrive", test_cli_browser_gdrive);
  g_test_add_func ("/oauth/last/no-secret-in-debug-log", test_no_secret_in_debug_log);
  g_test_add_func ("/oauth/last/locked-keyring", test_source_locked_keyring);

  status = g_test_run ();
  pd_oauth_server_free (server);
  g_string_free (captured_log, TRUE);
  return status;
}
