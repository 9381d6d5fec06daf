/* pd-oauth.c: OAuth 2.0 for a native app (see pd-oauth.h).
 *
 * Loopback sign-in (RFC 8252, RFC 7636): a SoupServer listens on the loopback address at a port
 * the kernel picks; the browser is sent to the provider with a random state and an S256 code
 * challenge, and comes back to us with the code. The browser's request is held open while the
 * code is exchanged, so the page it shows says whether the sign-in really worked.
 *
 * Device code (RFC 8628): the code is shown, then the token endpoint is polled at the interval
 * the provider asked for, five seconds slower after each slow_down.
 *
 * Tokens, codes and verifiers are never logged; the HTTP sessions used here have no SoupLogger,
 * because the token endpoint's bodies are nothing but secrets. */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/random.h>

#include "pd-http.h"
#include "pd-oauth.h"
#include "pd-oauth-private.h"

#define IO_TIMEOUT_SECONDS 30
#define DEVICE_GRANT_TYPE "urn:ietf:params:oauth:grant-type:device_code"
/* What the person reads in the browser tab once the redirect arrived. */
#define PAGE_TEMPLATE \
  "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Paperdock</title></head>" \
  "<body style=\"font-family: sans-serif; margin: 3em\"><h1>%s</h1><p>%s</p></body></html>"

G_DEFINE_QUARK (pd-oauth-error-quark, pd_oauth_error)

/* Providers */

static PdOAuthProvider *
provider_new (const char *name,
              const char *authorize_url,
              const char *token_url,
              const char *device_url,
              const char *scopes,
              const char *client_id,
              const char *client_secret,
              const char *redirect_host,
              const char *extra_params)
{
  PdOAuthProvider *p = g_new0 (PdOAuthProvider, 1);

  p->name = g_strdup (name);
  p->authorize_url = g_strdup (authorize_url);
  p->token_url = g_strdup (token_url);
  p->device_url = g_strdup (device_url);
  p->scopes = g_strdup (scopes);
  p->client_id = g_strdup (client_id);
  p->client_secret = g_strdup (client_secret);
  p->redirect_host = g_strdup (redirect_host);
  p->extra_params = g_strdup (extra_params);
  return p;
}

PdOAuthProvider *
pd_oauth_provider_new_microsoft (const char *client_id)
{
  /* "common" lets both work and personal accounts in; response_mode=query keeps the code in
   * the redirect's query, where the loopback listener reads it. */
  return provider_new ("Microsoft",
                       "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                       "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                       "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode",
                       "Files.ReadWrite offline_access", client_id, NULL, "localhost",
                       "response_mode=query&prompt=select_account");
}

PdOAuthProvider *
pd_oauth_provider_new_google (const char *client_id,
                              const char *client_secret)
{
  /* Without access_type=offline Google gives no refresh token, and the account would need a
   * sign-in every hour. */
  return provider_new ("Google",
                       "https://accounts.google.com/o/oauth2/v2/auth",
                       "https://oauth2.googleapis.com/token",
                       "https://oauth2.googleapis.com/device/code",
                       "https://www.googleapis.com/auth/drive.file", client_id, client_secret,
                       "127.0.0.1", "access_type=offline");
}

static void
override_from_env (char       **field,
                   const char  *variable)
{
  const char *value = g_getenv (variable);

  if (value != NULL && *value != '\0')
    {
      g_free (*field);
      *field = g_strdup (value);
    }
}

PdOAuthProvider *
pd_oauth_provider_new_for_kind (const char  *kind,
                                const char  *client_id,
                                const char  *client_secret,
                                GError     **error)
{
  PdOAuthProvider *p;

  if (g_strcmp0 (kind, "onedrive") == 0)
    p = pd_oauth_provider_new_microsoft (client_id);
  else if (g_strcmp0 (kind, "gdrive") == 0)
    p = pd_oauth_provider_new_google (client_id, client_secret);
  else
    {
      g_set_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_FAILED,
                   "Accounts of kind “%s” do not sign in with OAuth.", kind);
      return NULL;
    }
  override_from_env (&p->authorize_url, "PAPERDOCK_OAUTH_AUTHORIZE_URL");
  override_from_env (&p->token_url, "PAPERDOCK_OAUTH_TOKEN_URL");
  override_from_env (&p->device_url, "PAPERDOCK_OAUTH_DEVICE_URL");
  return p;
}

PdOAuthProvider *
pd_oauth_provider_copy (const PdOAuthProvider *p)
{
  g_return_val_if_fail (p != NULL, NULL);

  return provider_new (p->name, p->authorize_url, p->token_url, p->device_url, p->scopes,
                       p->client_id, p->client_secret, p->redirect_host, p->extra_params);
}

static void
wipe_free (char *s)
{
  if (s != NULL)
    {
      explicit_bzero (s, strlen (s));
      g_free (s);
    }
}

void
pd_oauth_provider_free (PdOAuthProvider *p)
{
  if (p == NULL)
    return;
  g_free (p->name);
  g_free (p->authorize_url);
  g_free (p->token_url);
  g_free (p->device_url);
  g_free (p->scopes);
  g_free (p->client_id);
  wipe_free (p->client_secret);
  g_free (p->redirect_host);
  g_free (p->extra_params);
  g_free (p);
}

void
pd_oauth_tokens_free (PdOAuthTokens *tokens)
{
  if (tokens == NULL)
    return;
  wipe_free (tokens->access_token);
  wipe_free (tokens->refresh_token);
  g_free (tokens);
}

/* PKCE and random values */

char *
_pd_oauth_base64url (const guint8 *data,
                     gsize         len)
{
  char *s = g_base64_encode (data, len);
  gsize n = strlen (s);

  while (n > 0 && s[n - 1] == '=')
    s[--n] = '\0';
  for (char *c = s; *c != '\0'; c++)
    {
      if (*c == '+')
        *c = '-';
      else if (*c == '/')
        *c = '_';
    }
  return s;
}

char *
_pd_oauth_pkce_challenge (const char *verifier)
{
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autoptr(GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (sha, (const guchar *) verifier, (gssize) strlen (verifier));
  g_checksum_get_digest (sha, digest, &digest_len);
  return _pd_oauth_base64url (digest, digest_len);
}

char *
_pd_oauth_random_string (gsize n_bytes)
{
  g_autofree guint8 *bytes = g_malloc (n_bytes);
  gsize got = 0;
  char *s;

  /* getrandom blocks only before the kernel's pool is first seeded, never afterwards; a state
   * or verifier from a weaker source would make the flow guessable, so there is no fallback. */
  while (got < n_bytes)
    {
      ssize_t r = getrandom (bytes + got, n_bytes - got, 0);

      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        g_error ("The kernel's random number generator failed: %s", g_strerror (errno));
      got += (gsize) r;
    }
  s = _pd_oauth_base64url (bytes, n_bytes);
  explicit_bzero (bytes, n_bytes);
  return s;
}

/* Parsers */

/* Provider text shown to a person: one line, printable, not endless. */
static char *
sanitize_description (const char *text)
{
  GString *out;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return NULL;
  out = g_string_new (NULL);
  for (const char *p = text; *p != '\0' && out->len < 300; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\r' || c == '\n')
        break;  /* Microsoft appends "Trace ID: …" lines nobody needs to read */
      if (g_unichar_iscntrl (c))
        continue;
      g_string_append_unichar (out, c);
    }
  g_strstrip (out->str);
  if (out->str[0] == '\0')
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

/* Sets @error for an OAuth error code as a person should read it. */
static void
set_error_for_code (GError     **error,
                    const char  *provider_name,
                    const char  *code,
                    const char  *description)
{
  g_autofree char *said = sanitize_description (description);
  g_autofree char *detail = said != NULL ? g_strdup_printf (" (%s: %s)", code, said)
                                         : g_strdup_printf (" (%s)", code);
  const char *who = provider_name != NULL ? provider_name : "The sign-in server";

  if (g_str_equal (code, "access_denied") || g_str_equal (code, "authorization_declined"))
    g_set_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_DENIED,
                 "The sign-in was refused%s. To use this account, sign in again and allow "
                 "Paperdock to access your files.", detail);
  else if (g_str_equal (code, "invalid_grant") || g_str_equal (code, "interaction_required") ||
           g_str_equal (code, "consent_required") || g_str_equal (code, "login_required"))
    g_set_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_SIGN_IN_AGAIN,
                 "%s no longer accepts this account's sign-in%s. Sign in again.", who, detail);
  else if (g_str_equal (code, "expired_token") || g_str_equal (code, "code_expired"))
    g_set_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_EXPIRED,
                 "The sign-in code expired before it was entered%s. Start the sign-in again.",
                 detail);
  else if (g_str_equal (code, "invalid_client") || g_str_equal (code, "unauthorized_client") ||
           g_str_equal (code, "invalid_scope") || g_str_equal (code, "unsupported_grant_type"))
    g_set_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_CLIENT,
                 "%s refused Paperdock's app registration%s. Check the client id (see "
                 "doc/cloud-accounts.md), then sign in again.", who, detail);
  else if (g_str_equal (code, "temporarily_unavailable") || g_str_equal (code, "server_error"))
    g_set_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_UNREACHABLE,
                 "%s is temporarily unavailable%s. Paperdock tries again later.", who, detail);
  else
    g_set_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_FAILED,
                 "%s refused the sign-in%s.", who, detail);
}

gboolean
_pd_oauth_parse_redirect (const char  *query,
                          char       **code,
                          char       **state,
                          GError     **error)
{
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *error_code, *value;

  g_return_val_if_fail (code != NULL && state != NULL, FALSE);
  *code = NULL;
  *state = NULL;

  if (query == NULL || *query == '\0')
    {
      g_set_error_literal (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_PROTOCOL,
                           "The browser came back without an answer from the sign-in page.");
      return FALSE;
    }
  params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_WWW_FORM, &local_error);
  if (params == NULL)
    {
      g_set_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_PROTOCOL,
                   "The browser came back with an answer that could not be read: %s",
                   local_error->message);
      return FALSE;
    }
  error_code = g_hash_table_lookup (params, "error");
  if (error_code != NULL)
    {
      g_autofree char *safe_code = sanitize_description (error_code);

      set_error_for_code (error, NULL, safe_code != NULL ? safe_code : "error",
                          g_hash_table_lookup (params, "error_description"));
      return FALSE;
    }
  value = g_hash_table_lookup (params, "code");
  if (value == NULL || *value == '\0')
    {
      g_set_error_literal (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_PROTOCOL,
                           "The browser came back without a sign-in code.");
      return FALSE;
    }
  *code = g_strdup (value);
  *state = g_strdup (g_hash_table_lookup (params, "state"));
  return TRUE;
}

static JsonObject *
parse_object (JsonParser  *parser,
              const char  *json,
              gsize        len,
              const char  *what,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (json == NULL || len > G_MAXSSIZE ||
      !json_parser_load_from_data (parser, json, (gssize) len, &local_error))
    {
      /* json-glib quotes the bad bytes in its message, and they need not be UTF-8. */
      g_autofree char *why = local_error != NULL ? g_utf8_make_valid (local_error->message, -1)
                                                 : NULL;

      g_set_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_PROTOCOL,
                   "The %s answered something that is not JSON%s%s.", what,
                   why != NULL ? ": " : "", why != NULL ? why : "");
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_PROTOCOL,
                   "The %s answered JSON that is not an object.", what);
      return NULL;
    }
  return json_node_get_object (root);
}

/* A string member, or NULL when absent, null or not a (non-empty) string. */
static const char *
get_string (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);
  const char *s;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  s = json_node_get_string (node);
  return s != NULL && *s != '\0' ? s : NULL;
}

/* A number of seconds, given as a JSON number or, as older Microsoft endpoints do, a string;
 * -1 when absent or unreadable. Clamped to ten years so arithmetic on it cannot overflow. */
static gint64
get_seconds (JsonObject *object,
             const char *member)
{
  JsonNode *node = json_object_get_member (object, member);
  gint64 value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return -1;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    value = json_node_get_int (node);
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      if (!(d >= 0 && d < 1e10))
        return -1;
      value = (gint64) d;
    }
  else if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      guint64 parsed;

      if (!g_ascii_string_to_unsigned (json_node_get_string (node), 10, 0, G_MAXINT64, &parsed,
                                       NULL))
        return -1;
      value = (gint64) parsed;
    }
  else
    return -1;
  if (value < 0)
    return -1;
  return MIN (value, (gint64) 10 * 365 * 24 * 3600);
}

typedef struct {
  char   *access_token;
  char   *refresh_token;
  gint64  expires_in;
  char   *error_code;
  char   *error_description;
} TokenAnswer;

static void
token_answer_clear (TokenAnswer *a)
{
  g_clear_pointer (&a->access_token, wipe_free);
  g_clear_pointer (&a->refresh_token, wipe_free);
  g_clear_pointer (&a->error_code, g_free);
  g_clear_pointer (&a->error_description, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TokenAnswer, token_answer_clear)

static gboolean
parse_token_answer (const char   *json,
                    gsize         len,
                    TokenAnswer  *answer,
                    GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *object;
  const char *access, *code;

  memset (answer, 0, sizeof *answer);
  answer->expires_in = -1;
  object = parse_object (parser, json, len, "sign-in server", error);
  if (object == NULL)
    return FALSE;
  code = get_string (object, "error");
  if (code != NULL)
    {
      answer->error_code = g_strdup (code);
      answer->error_description = g_strdup (get_string (object, "error_description"));
      return TRUE;
    }
  access = get_string (object, "access_token");
  if (access == NULL)
    {
      g_set_error_literal (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_PROTOCOL,
                           "The sign-in server answered without an access token or an error.");
      return FALSE;
    }
  /* Only bearer tokens are understood by Graph and Drive; absent means bearer (RFC 6750). */
  if (get_string (object, "token_type") != NULL &&
      g_ascii_strcasecmp (get_string (object, "token_type"), "Bearer") != 0)
    {
      g_set_error_literal (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_PROTOCOL,
                           "The sign-in server gave a token of a type Paperdock cannot use.");
      return FALSE;
    }
  answer->access_token = g_strdup (access);
  answer->refresh_token = g_strdup (get_string (object, "refresh_token"));
  answer->expires_in = get_seconds (object, "expires_in");
  return TRUE;
}

gboolean
_pd_oauth_parse_token_response (const char  *json,
                                gsize        len,
                                char       **access_token,
                                char       **refresh_token,
                                gint64      *expires_in,
                                char       **error_code,
                                GError     **error)
{
  g_auto(TokenAnswer) answer = { 0 };

  g_return_val_if_fail (access_token != NULL && refresh_token != NULL, FALSE);
  g_return_val_if_fail (expires_in != NULL && error_code != NULL, FALSE);
  *access_token = *refresh_token = *error_code = NULL;
  *expires_in = -1;

  if (!parse_token_answer (json, len, &answer, error))
    return FALSE;
  *access_token = g_steal_pointer (&answer.access_token);
  *refresh_token = g_steal_pointer (&answer.refresh_token);
  *expires_in = answer.expires_in;
  *error_code = g_steal_pointer (&answer.error_code);
  return TRUE;
}

gboolean
_pd_oauth_parse_device_response (const char  *json,
                                 gsize        len,
                                 char       **device_code,
                                 char       **user_code,
                                 char       **verification_uri,
                                 char       **message,
                                 gint64      *expires_in,
                                 gint64      *interval,
                                 GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *object;
  const char *device, *user, *uri;

  *device_code = *user_code = *verification_uri = *message = NULL;
  *expires_in = *interval = -1;
  object = parse_object (parser, json, len, "sign-in server", error);
  if (object == NULL)
    return FALSE;
  if (get_string (object, "error") != NULL)
    {
      set_error_for_code (error, NULL, get_string (object, "error"),
                          get_string (object, "error_description"));
      return FALSE;
    }
  device = get_string (object, "device_code");
  user = get_string (object, "user_code");
  uri = get_string (object, "verification_uri");
  if (uri == NULL)
    uri = get_string (object, "verification_url");
  if (device == NULL || user == NULL || uri == NULL)
    {
      g_set_error_literal (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_PROTOCOL,
                           "The sign-in server's device code answer lacks the code or the "
                           "address to enter it at.");
      return FALSE;
    }
  *device_code = g_strdup (device);
  *user_code = g_strdup (user);
  *verification_uri = g_strdup (uri);
  *message = sanitize_description (get_string (object, "message"));
  *expires_in = get_seconds (object, "expires_in");
  *interval = get_seconds (object, "interval");
  return TRUE;
}

/* HTTP */

static void
form_add (GString    *form,
          const char *name,
          const char *value)
{
  if (value == NULL)
    return;
  if (form->len > 0)
    g_string_append_c (form, '&');
  g_string_append_uri_escaped (form, name, NULL, FALSE);
  g_string_append_c (form, '=');
  g_string_append_uri_escaped (form, value, NULL, FALSE);
}

/* A POST to @url with the fields of @form (which is wiped: it holds codes and tokens). NULL with
 * PD_OAUTH_ERROR_FAILED when @url is not a web address. */
static SoupMessage *
form_message_new (const char  *url,
                  GString     *form,
                  GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  g_autoptr(GBytes) body = NULL;
  SoupMessage *msg;

  if (uri == NULL || (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 &&
                      g_strcmp0 (g_uri_get_scheme (uri), "http") != 0))
    {
      g_set_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_FAILED,
                   "“%s” is not a web address of a sign-in server.", url);
      return NULL;
    }
  msg = soup_message_new_from_uri (SOUP_METHOD_POST, uri);
  body = g_bytes_new (form->str, form->len);
  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", body);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept",
                                "application/json");
  /* Never follow a redirect with a refresh token in the body. */
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  return msg;
}

static void
wipe_string (GString *s)
{
  explicit_bzero (s->str, s->len);
  g_string_free (s, TRUE);
}

/* g_autoptr(GStringWiped): a form body holding codes or tokens, wiped when it goes. */
typedef GString GStringWiped;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GStringWiped, wipe_string)

/* Turns an exchange with the token endpoint into a TokenAnswer. TRUE when the endpoint
 * answered in OAuth terms (a token, or an error code the caller interprets); FALSE with a
 * PD_OAUTH_ERROR (or G_IO_ERROR_CANCELLED) otherwise. */
static gboolean
read_token_exchange (const PdOAuthProvider  *provider,
                     SoupMessage            *msg,
                     GBytes                 *body,
                     GError                 *transport_error,
                     TokenAnswer            *answer,
                     GError                **error)
{
  g_autoptr(GError) parse_error = NULL;
  guint status;
  gsize len = 0;
  const char *data;

  memset (answer, 0, sizeof *answer);
  if (transport_error != NULL)
    {
      if (g_error_matches (transport_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_error_copy (transport_error));
      else
        g_set_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_UNREACHABLE,
                     "Could not reach %s's sign-in server (%s). Paperdock tries again once the "
                     "connection is back.", provider->name, transport_error->message);
      return FALSE;
    }
  status = soup_message_get_status (msg);
  data = body != NULL ? g_bytes_get_data (body, &len) : NULL;
  if (data != NULL && parse_token_answer (data, len, answer, &parse_error) &&
      (answer->error_code != NULL || SOUP_STATUS_IS_SUCCESSFUL (status)))
    return TRUE;
  token_answer_clear (answer);
  if (status >= 500 || status == 429 || status == 408)
    g_set_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_UNREACHABLE,
                 "%s's sign-in server is busy or failing (HTTP %u). Paperdock tries again later.",
                 provider->name, status);
  else if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    g_set_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_FAILED,
                 "%s's sign-in server refused the request (HTTP %u %s).", provider->name, status,
                 soup_message_get_reason_phrase (msg) != NULL
                   ? soup_message_get_reason_phrase (msg) : "");
  else
    g_propagate_error (error, g_steal_pointer (&parse_error));
  return FALSE;
}

static PdOAuthTokens *
tokens_from_answer (TokenAnswer *answer)
{
  PdOAuthTokens *tokens = g_new0 (PdOAuthTokens, 1);

  tokens->access_token = g_steal_pointer (&answer->access_token);
  tokens->refresh_token = g_steal_pointer (&answer->refresh_token);
  /* An answer without a lifetime is treated as the usual hour. */
  tokens->expires_at = g_get_real_time () / G_USEC_PER_SEC +
                       (answer->expires_in >= 0 ? answer->expires_in : 3600);
  return tokens;
}

PdOAuthTokens *
pd_oauth_refresh (const PdOAuthProvider  *provider,
                  const char             *refresh_token,
                  GCancellable           *cancellable,
                  GError                **error)
{
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) transport_error = NULL;
  g_autoptr(GStringWiped) form = g_string_new (NULL);
  g_auto(TokenAnswer) answer = { 0 };

  g_return_val_if_fail (provider != NULL && provider->token_url != NULL, NULL);
  g_return_val_if_fail (refresh_token != NULL, NULL);

  form_add (form, "grant_type", "refresh_token");
  form_add (form, "refresh_token", refresh_token);
  form_add (form, "client_id", provider->client_id);
  form_add (form, "client_secret", provider->client_secret);
  form_add (form, "scope", provider->scopes);
  msg = form_message_new (provider->token_url, form, error);
  if (msg == NULL)
    return NULL;
  session = _pd_http_session_new (IO_TIMEOUT_SECONDS, 0);
  g_debug ("Refreshing an access token at %s", provider->token_url);
  body = soup_session_send_and_read (session, msg, cancellable, &transport_error);
  if (!read_token_exchange (provider, msg, body, transport_error, &answer, error))
    return NULL;
  if (answer.error_code != NULL)
    {
      set_error_for_code (error, provider->name, answer.error_code, answer.error_description);
      return NULL;
    }
  g_debug ("Access token refreshed (HTTP %u, lifetime %" G_GINT64_FORMAT " s, %s refresh token)",
           soup_message_get_status (msg), answer.expires_in,
           answer.refresh_token != NULL ? "new" : "same");
  return tokens_from_answer (&answer);
}

/* The authorize URL */

char *
_pd_oauth_build_authorize_url (const PdOAuthProvider *provider,
                               const char            *redirect_uri,
                               const char            *state,
                               const char            *code_challenge)
{
  GString *url = g_string_new (provider->authorize_url);
  g_autoptr(GString) query = g_string_new (NULL);

  form_add (query, "client_id", provider->client_id);
  form_add (query, "response_type", "code");
  form_add (query, "redirect_uri", redirect_uri);
  form_add (query, "scope", provider->scopes);
  form_add (query, "state", state);
  form_add (query, "code_challenge", code_challenge);
  form_add (query, "code_challenge_method", "S256");
  if (provider->extra_params != NULL && *provider->extra_params != '\0')
    g_string_append_printf (query, "&%s", provider->extra_params);
  g_string_append_c (url, strchr (url->str, '?') != NULL ? '&' : '?');
  g_string_append (url, query->str);
  return g_string_free (url, FALSE);
}

/* Loopback sign-in */

typedef struct {
  PdOAuthProvider   *provider;
  SoupSession       *session;
  SoupServer        *server;
  char              *verifier;
  char              *state;
  char              *redirect_uri;
  GTask             *task;           /* owned until completed; NULL afterwards */
  GSource           *cancel_source;
  GSource           *finish_source;
  SoupServerMessage *browser;        /* the held-open redirect request */
  PdOAuthTokens     *tokens;
  GError            *error;
} SignIn;

static void
sign_in_free (SignIn *s)
{
  if (s->cancel_source != NULL)
    {
      g_source_destroy (s->cancel_source);
      g_source_unref (s->cancel_source);
    }
  if (s->finish_source != NULL)
    {
      g_source_destroy (s->finish_source);
      g_source_unref (s->finish_source);
    }
  if (s->browser != NULL)
    g_signal_handlers_disconnect_by_data (s->browser, s);
  if (s->server != NULL)
    soup_server_disconnect (s->server);
  g_clear_object (&s->server);
  g_clear_object (&s->session);
  g_clear_object (&s->browser);
  g_clear_pointer (&s->provider, pd_oauth_provider_free);
  g_clear_pointer (&s->verifier, wipe_free);
  g_clear_pointer (&s->state, g_free);
  g_clear_pointer (&s->redirect_uri, g_free);
  g_clear_pointer (&s->tokens, pd_oauth_tokens_free);
  g_clear_error (&s->error);
  g_free (s);
}

static gboolean
sign_in_return_cb (gpointer data)
{
  SignIn *s = data;
  g_autoptr(GTask) task = g_steal_pointer (&s->task);

  g_clear_pointer (&s->finish_source, g_source_unref);
  if (s->error != NULL)
    g_task_return_error (task, g_steal_pointer (&s->error));
  else
    g_task_return_pointer (task, g_steal_pointer (&s->tokens),
                           (GDestroyNotify) pd_oauth_tokens_free);
  return G_SOURCE_REMOVE;
}

/* Returns the result from an idle callback: never from inside a SoupServer handler, whose
 * server the caller's callback may well free. */
static void
sign_in_complete (SignIn *s)
{
  if (s->task == NULL || s->finish_source != NULL)
    return;
  if (s->cancel_source != NULL)
    {
      g_source_destroy (s->cancel_source);
      g_clear_pointer (&s->cancel_source, g_source_unref);
    }
  s->finish_source = g_idle_source_new ();
  g_source_set_callback (s->finish_source, sign_in_return_cb, s, NULL);
  g_source_attach (s->finish_source, g_task_get_context (s->task));
}

static gboolean
sign_in_cancelled_cb (GCancellable *cancellable,
                      gpointer      data)
{
  SignIn *s = data;

  if (s->error == NULL && s->tokens == NULL)
    g_set_error_literal (&s->error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                         "The sign-in was cancelled.");
  sign_in_complete (s);
  return G_SOURCE_REMOVE;
}

static void
respond_page (SoupServerMessage *msg,
              guint              status,
              const char        *title,
              const char        *text)
{
  g_autofree char *title_html = g_markup_escape_text (title, -1);
  g_autofree char *text_html = g_markup_escape_text (text, -1);
  g_autofree char *page = g_strdup_printf (PAGE_TEMPLATE, title_html, text_html);

  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control",
                                "no-store");
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY, page,
                                    strlen (page));
}

static void
browser_finished_cb (SoupServerMessage *msg,
                     gpointer           data)
{
  sign_in_complete (data);
}

static void
code_exchanged_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autoptr(GTask) task = data;
  SignIn *s = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) transport_error = NULL;
  g_auto(TokenAnswer) answer = { 0 };
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);

  body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &transport_error);
  if (s->task == NULL || s->finish_source != NULL)
    return;  /* cancelled meanwhile: the result is on its way already */
  if (read_token_exchange (s->provider, msg, body, transport_error, &answer, &s->error))
    {
      if (answer.error_code != NULL)
        set_error_for_code (&s->error, s->provider->name, answer.error_code,
                            answer.error_description);
      else
        s->tokens = tokens_from_answer (&answer);
    }
  if (s->tokens != NULL)
    respond_page (s->browser, SOUP_STATUS_OK, "You are signed in",
                  "Paperdock can now send your documents. You can close this window.");
  else
    respond_page (s->browser, SOUP_STATUS_OK, "The sign-in did not work", s->error->message);
  soup_server_message_unpause (s->browser);
}

static void
redirect_cb (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           data)
{
  SignIn *s = data;
  g_autofree char *code = NULL;
  g_autofree char *state = NULL;
  g_autoptr(SoupMessage) exchange = NULL;
  g_autoptr(GStringWiped) form = NULL;
  GUri *uri = soup_server_message_get_uri (msg);

  /* Browsers also ask for /favicon.ico; and once one answer came, the flow is over. */
  if (g_strcmp0 (path, "/") != 0 || s->task == NULL || s->browser != NULL ||
      s->finish_source != NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }
  /* From here on this request is the answer: the result is returned once the browser has
   * the page that says what happened. */
  s->browser = g_object_ref (msg);
  g_signal_connect (msg, "finished", G_CALLBACK (browser_finished_cb), s);
  if (!_pd_oauth_parse_redirect (g_uri_get_query (uri), &code, &state, &s->error))
    {
      respond_page (msg, SOUP_STATUS_OK, "The sign-in did not work", s->error->message);
      return;
    }
  /* Anyone on this machine can reach the listener: only the answer to our own request counts. */
  if (state == NULL || strcmp (state, s->state) != 0)
    {
      g_set_error_literal (&s->error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_STATE_MISMATCH,
                           "The browser brought back an answer that does not belong to this "
                           "sign-in. Start the sign-in again.");
      respond_page (msg, SOUP_STATUS_BAD_REQUEST, "The sign-in did not work", s->error->message);
      return;
    }
  g_clear_pointer (&state, g_free);

  form = g_string_new (NULL);
  form_add (form, "grant_type", "authorization_code");
  form_add (form, "code", code);
  form_add (form, "redirect_uri", s->redirect_uri);
  form_add (form, "client_id", s->provider->client_id);
  form_add (form, "client_secret", s->provider->client_secret);
  form_add (form, "code_verifier", s->verifier);
  form_add (form, "scope", s->provider->scopes);
  explicit_bzero (code, strlen (code));
  exchange = form_message_new (s->provider->token_url, form, &s->error);
  if (exchange == NULL)
    {
      respond_page (msg, SOUP_STATUS_OK, "The sign-in did not work", s->error->message);
      return;
    }
  g_debug ("Browser came back; exchanging the code at %s", s->provider->token_url);
  soup_server_message_pause (msg);
  /* The request keeps the task (and so this listener) alive until it is answered. */
  soup_session_send_and_read_async (s->session, exchange, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (s->task), code_exchanged_cb,
                                    g_object_ref (s->task));
}

void
pd_oauth_sign_in_async (const PdOAuthProvider *provider,
                        PdOAuthOpenUriFunc     open_uri,
                        gpointer               open_uri_data,
                        GCancellable          *cancellable,
                        GAsyncReadyCallback    callback,
                        gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *authorize = NULL;
  GSList *uris;
  SignIn *s;
  guint port = 0;
  gboolean listening;

  g_return_if_fail (provider != NULL && provider->authorize_url != NULL);
  g_return_if_fail (provider->token_url != NULL && provider->client_id != NULL);
  g_return_if_fail (open_uri != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_oauth_sign_in_async);
  s = g_new0 (SignIn, 1);
  g_task_set_task_data (task, s, (GDestroyNotify) sign_in_free);
  s->provider = pd_oauth_provider_copy (provider);
  s->session = _pd_http_session_new (IO_TIMEOUT_SECONDS, 0);
  /* RFC 7636: 32 random bytes give a 43-character verifier; the state is as unguessable. */
  s->verifier = _pd_oauth_random_string (32);
  s->state = _pd_oauth_random_string (24);
  challenge = _pd_oauth_pkce_challenge (s->verifier);

  s->server = soup_server_new ("server-header", "Paperdock", NULL);
  soup_server_add_handler (s->server, "/", redirect_cb, s, NULL);
  /* "localhost" may resolve to ::1 in the browser: listen on both loopback addresses then, on
   * 127.0.0.1 alone when the redirect names it. */
  if (g_strcmp0 (provider->redirect_host, "localhost") == 0)
    listening = soup_server_listen_local (s->server, 0, 0, &error) ||
                (g_clear_error (&error),
                 soup_server_listen_local (s->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  else
    listening = soup_server_listen_local (s->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  if (!listening)
    {
      g_task_return_new_error (task, PD_OAUTH_ERROR, PD_OAUTH_ERROR_FAILED,
                               "Could not wait for the browser on this computer: %s",
                               error->message);
      return;
    }
  uris = soup_server_get_uris (s->server);
  if (uris != NULL)
    port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  s->redirect_uri = g_strdup_printf ("http://%s:%u/", provider->redirect_host != NULL
                                                        ? provider->redirect_host : "127.0.0.1",
                                     port);
  if (cancellable != NULL)
    {
      s->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (s->cancel_source, G_SOURCE_FUNC (sign_in_cancelled_cb), s, NULL);
      g_source_attach (s->cancel_source, g_task_get_context (task));
    }
  s->task = g_object_ref (task);
  authorize = _pd_oauth_build_authorize_url (provider, s->redirect_uri, s->state, challenge);
  g_debug ("Waiting for the browser at %s", s->redirect_uri);
  open_uri (authorize, open_uri_data);
}

PdOAuthTokens *
pd_oauth_sign_in_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pd_oauth_sign_in_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Device code sign-in */

typedef struct {
  PdOAuthProvider     *provider;
  SoupSession         *session;
  PdOAuthShowCodeFunc  show_code;
  gpointer             show_code_data;
  char                *device_code;
  gint64               interval;     /* seconds */
  gint64               deadline;     /* monotonic, µs */
  GSource             *wait;
} DeviceSignIn;

static void
device_sign_in_free (DeviceSignIn *d)
{
  if (d->wait != NULL)
    {
      g_source_destroy (d->wait);
      g_source_unref (d->wait);
    }
  g_clear_object (&d->session);
  g_clear_pointer (&d->provider, pd_oauth_provider_free);
  g_clear_pointer (&d->device_code, wipe_free);
  g_free (d);
}

static void poll_done_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      data);

static gboolean
poll_cb (gpointer data)
{
  GTask *task = data;
  DeviceSignIn *d = g_task_get_task_data (task);
  g_autoptr(GStringWiped) form = g_string_new (NULL);
  g_autoptr(SoupMessage) msg = NULL;
  GError *error = NULL;

  g_clear_pointer (&d->wait, g_source_unref);
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }
  if (g_get_monotonic_time () > d->deadline)
    {
      g_task_return_new_error (task, PD_OAUTH_ERROR, PD_OAUTH_ERROR_EXPIRED,
                               "The sign-in code expired before it was entered. Start the "
                               "sign-in again.");
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }
  form_add (form, "grant_type", DEVICE_GRANT_TYPE);
  form_add (form, "device_code", d->device_code);
  form_add (form, "client_id", d->provider->client_id);
  form_add (form, "client_secret", d->provider->client_secret);
  msg = form_message_new (d->provider->token_url, form, &error);
  if (msg == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }
  /* The task's reference travels with the request. */
  soup_session_send_and_read_async (d->session, msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), poll_done_cb, task);
  return G_SOURCE_REMOVE;
}

static gboolean
wake_on_cancel_cb (GCancellable *cancellable,
                   gpointer      data)
{
  return G_SOURCE_CONTINUE;  /* its parent, the wait, is dispatched and ends the flow */
}

static void
poll_later (GTask *task)
{
  DeviceSignIn *d = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  /* Milliseconds, not g_timeout_source_new_seconds (): that one may fire a quarter second
   * early, and a poll before the interval is over earns a slow_down. */
  d->wait = g_timeout_source_new ((guint) d->interval * 1000);
  g_source_set_callback (d->wait, poll_cb, task, NULL);
  /* Cancelling must not wait for the next poll: a child source dispatches its parent. */
  if (cancellable != NULL)
    {
      g_autoptr(GSource) wake = g_cancellable_source_new (cancellable);

      g_source_set_callback (wake, G_SOURCE_FUNC (wake_on_cancel_cb), NULL, NULL);
      g_source_add_child_source (d->wait, wake);
    }
  g_source_attach (d->wait, g_task_get_context (task));
}

static void
poll_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  GTask *task = data;
  DeviceSignIn *d = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) transport_error = NULL;
  g_auto(TokenAnswer) answer = { 0 };
  GError *error = NULL;

  body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &transport_error);
  if (!read_token_exchange (d->provider, msg, body, transport_error, &answer, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (answer.error_code == NULL)
    {
      g_task_return_pointer (task, tokens_from_answer (&answer),
                             (GDestroyNotify) pd_oauth_tokens_free);
      g_object_unref (task);
      return;
    }
  if (g_str_equal (answer.error_code, "authorization_pending"))
    {
      poll_later (task);
      return;
    }
  if (g_str_equal (answer.error_code, "slow_down"))
    {
      /* RFC 8628 3.5: five seconds more, for this and every later request. */
      d->interval += 5;
      g_debug ("The sign-in server asked to poll more slowly: every %" G_GINT64_FORMAT " s",
               d->interval);
      poll_later (task);
      return;
    }
  set_error_for_code (&error, d->provider->name, answer.error_code, answer.error_description);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
device_code_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      data)
{
  GTask *task = data;
  DeviceSignIn *d = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *user_code = NULL;
  g_autofree char *verification_uri = NULL;
  g_autofree char *message = NULL;
  gint64 expires_in, interval;
  GError *error = NULL;
  gsize len = 0;
  const char *json;

  body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  if (body == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          GError *cause = error;

          error = g_error_new (PD_OAUTH_ERROR, PD_OAUTH_ERROR_UNREACHABLE,
                               "Could not reach %s's sign-in server (%s).", d->provider->name,
                               cause->message);
          g_error_free (cause);
        }
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  json = g_bytes_get_data (body, &len);
  if (!_pd_oauth_parse_device_response (json, len, &d->device_code, &user_code,
                                        &verification_uri, &message, &expires_in, &interval,
                                        &error))
    {
      if (g_error_matches (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_PROTOCOL) &&
          !SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
        {
          g_clear_error (&error);
          g_set_error (&error, PD_OAUTH_ERROR, soup_message_get_status (msg) >= 500
                                                 ? PD_OAUTH_ERROR_UNREACHABLE
                                                 : PD_OAUTH_ERROR_FAILED,
                       "%s's sign-in server refused to give a device code (HTTP %u).",
                       d->provider->name, soup_message_get_status (msg));
        }
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  /* RFC 8628 defaults: 5 s between polls; Microsoft's codes live 15 minutes. */
  d->interval = interval > 0 ? interval : 5;
  d->deadline = g_get_monotonic_time () + (expires_in > 0 ? expires_in : 900) * G_USEC_PER_SEC;
  d->show_code (verification_uri, user_code, message, d->show_code_data);
  poll_later (task);
}

void
pd_oauth_device_sign_in_async (const PdOAuthProvider *provider,
                               PdOAuthShowCodeFunc    show_code,
                               gpointer               show_code_data,
                               GCancellable          *cancellable,
                               GAsyncReadyCallback    callback,
                               gpointer               user_data)
{
  GTask *task;
  DeviceSignIn *d;
  g_autoptr(GStringWiped) form = g_string_new (NULL);
  g_autoptr(SoupMessage) msg = NULL;
  GError *error = NULL;

  g_return_if_fail (provider != NULL && provider->token_url != NULL);
  g_return_if_fail (provider->client_id != NULL && show_code != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_oauth_device_sign_in_async);
  if (provider->device_url == NULL)
    {
      g_task_return_new_error (task, PD_OAUTH_ERROR, PD_OAUTH_ERROR_FAILED,
                               "%s has no device code sign-in; sign in with a browser.",
                               provider->name);
      g_object_unref (task);
      return;
    }
  d = g_new0 (DeviceSignIn, 1);
  g_task_set_task_data (task, d, (GDestroyNotify) device_sign_in_free);
  d->provider = pd_oauth_provider_copy (provider);
  d->session = _pd_http_session_new (IO_TIMEOUT_SECONDS, 0);
  d->show_code = show_code;
  d->show_code_data = show_code_data;

  form_add (form, "client_id", provider->client_id);
  form_add (form, "scope", provider->scopes);
  msg = form_message_new (provider->device_url, form, &error);
  if (msg == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  soup_session_send_and_read_async (d->session, msg, G_PRIORITY_DEFAULT, cancellable,
                                    device_code_cb, task);
}

PdOAuthTokens *
pd_oauth_device_sign_in_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        pd_oauth_device_sign_in_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
