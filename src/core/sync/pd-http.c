/* pd-http.c: the HTTP plumbing the cloud connectors and the OAuth client share, kept in one place
 * so that a fix to the session set-up or to the masking of the debug log reaches every provider.
 *
 * The debug log prints headers only (never bodies, which carry documents and tokens) and masks
 * what libsoup's own logger leaves in the clear: libsoup hides Basic passwords, not bearer
 * tokens, cookies, or the session addresses that providers hand out as credentials.
 *
 * The upload and transport-error helpers hold what the connectors wrote three times word for
 * word; what each connector words its own way (a certificate it cannot verify, a server it
 * cannot reach when no product name fits) stays in the connector. */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pd-http.h"
#include "pd-sync-private.h"
#include "pd-vault.h"

/* Secret for every provider. */
static const char * const common_secret_headers[] = {
  "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", NULL
};

typedef struct {
  GPtrArray *secret_headers; /* of char *, NULL-terminated */
  char      *api_path;
  gboolean   redact_queries;
} LogRules;

static void
log_rules_free (gpointer data)
{
  LogRules *rules = data;

  g_ptr_array_unref (rules->secret_headers);
  g_free (rules->api_path);
  g_free (rules);
}

SoupSession *
_pd_http_session_new (guint timeout,
                      guint idle_timeout)
{
  SoupSession *session;

  session = soup_session_new_with_options ("timeout", timeout,
                                           "user-agent", "Paperdock/" PACKAGE_VERSION " ",
                                           NULL);
  if (idle_timeout > 0)
    g_object_set (session, "idle-timeout", idle_timeout, NULL);
  return session;
}

/* @data is one header line ("Name: value"), a request line ("PUT /path HTTP/1.1") or a status
 * line, without its line end. */
static void
logger_printer (SoupLogger         *logger,
                SoupLoggerLogLevel  level,
                char                direction,
                const char         *data,
                gpointer            user_data)
{
  LogRules *rules = user_data;
  const char *space = strchr (data, ' ');
  const char *query;

  for (guint i = 0; i + 1 < rules->secret_headers->len; i++)
    {
      const char *name = g_ptr_array_index (rules->secret_headers, i);
      gsize len = strlen (name);

      if (g_ascii_strncasecmp (data, name, len) == 0 && data[len] == ':')
        {
          g_debug ("http %c %s: [redacted]", direction, name);
          return;
        }
    }
  /* A request line: only paths under the API's own are shown. */
  if (rules->api_path != NULL && direction == '>' && space != NULL && space[1] == '/' &&
      strstr (data, " HTTP/") != NULL && !g_str_has_prefix (space + 1, rules->api_path))
    {
      g_debug ("http > %.*s [address redacted]", (int) (space - data), data);
      return;
    }
  query = rules->redact_queries ? strchr (data, '?') : NULL;
  if (query != NULL)
    {
      const char *after = strchr (query, ' ');

      g_debug ("http %c %.*s?[redacted]%s", direction, (int) (query - data), data,
               after != NULL ? after : "");
      return;
    }
  g_debug ("http %c %s", direction, data);
}

void
_pd_http_session_add_log (SoupSession          *session,
                          const PdHttpLogRules *rules)
{
  g_autoptr(SoupLogger) logger = NULL;
  LogRules *copy;

  g_return_if_fail (SOUP_IS_SESSION (session));

  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    return;

  copy = g_new0 (LogRules, 1);
  copy->secret_headers = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; common_secret_headers[i] != NULL; i++)
    g_ptr_array_add (copy->secret_headers, g_strdup (common_secret_headers[i]));
  for (guint i = 0; rules != NULL && rules->secret_headers != NULL &&
                    rules->secret_headers[i] != NULL; i++)
    g_ptr_array_add (copy->secret_headers, g_strdup (rules->secret_headers[i]));
  g_ptr_array_add (copy->secret_headers, NULL);
  copy->api_path = rules != NULL ? g_strdup (rules->api_path) : NULL;
  copy->redact_queries = rules != NULL && rules->redact_queries;

  logger = soup_logger_new (SOUP_LOGGER_LOG_HEADERS);
  soup_logger_set_printer (logger, logger_printer, copy, log_rules_free);
  soup_session_add_feature (session, SOUP_SESSION_FEATURE (logger));
}

typedef struct {
  GBytes *body;
  char   *content_type;
} RequestBody;

static void
request_body_free (gpointer  data,
                   GClosure *closure)
{
  RequestBody *rb = data;

  g_bytes_unref (rb->body);
  g_free (rb->content_type);
  g_free (rb);
}

static void
message_restarted_cb (SoupMessage *msg,
                      gpointer     user_data)
{
  RequestBody *rb = user_data;

  g_debug ("%s restarted, sending its body again", soup_message_get_method (msg));
  soup_message_set_request_body_from_bytes (msg, rb->content_type, rb->body);
}

void
_pd_http_message_set_body (SoupMessage *msg,
                           GBytes      *body,
                           const char  *content_type)
{
  RequestBody *rb;

  g_return_if_fail (SOUP_IS_MESSAGE (msg));
  g_return_if_fail (body != NULL);

  rb = g_new0 (RequestBody, 1);
  rb->body = g_bytes_ref (body);
  rb->content_type = g_strdup (content_type);
  soup_message_set_request_body_from_bytes (msg, content_type, body);
  g_signal_connect_data (msg, "restarted", G_CALLBACK (message_restarted_cb), rb,
                         request_body_free, 0);
}

GBytes *
_pd_http_read_upload (const char   *remote_path,
                      const char   *local_path,
                      char       ***out_parts,
                      char        **out_mime,
                      GError      **error)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *content_type = NULL;
  char *mime;

  g_return_val_if_fail (out_parts != NULL && out_mime != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parts = _pd_sync_split_remote_path (remote_path, error);
  if (parts == NULL)
    return NULL;

  /* Queued PDFs are immutable and held whole in memory, so every chunk or restarted request
   * sends the very same bytes. A sealed PDF (pd-vault.h) is decrypted here: the server gets the
   * plain PDF, and sizes and hashes are the plaintext's. */
  body = pd_vault_read_all (NULL, local_path, error);
  if (body == NULL)
    return NULL;

  content_type = g_content_type_guess (parts[g_strv_length (parts) - 1], NULL, 0, NULL);
  mime = g_content_type_get_mime_type (content_type);
  *out_mime = mime != NULL ? mime : g_strdup ("application/octet-stream");
  *out_parts = g_steal_pointer (&parts);
  return g_steal_pointer (&body);
}

gboolean
_pd_http_set_common_transport_error (GError       **error,
                                     const GError  *cause)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_error_copy (cause));
  else if (g_error_matches (cause, G_TLS_ERROR, G_TLS_ERROR_UNAVAILABLE))
    g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                 _("Paperdock cannot make secure connections: %s. Install glib-networking."),
                 cause->message);
  else
    return FALSE;
  return TRUE;
}

void
_pd_http_set_unreachable_error (GError       **error,
                                const GError  *cause,
                                const char    *service,
                                const char    *account)
{
  /* Translators: the first %s is a product name (“OneDrive”, “Google Drive”), the second the
   * account's name, the third what went wrong. */
  g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
               _("Could not reach %s for account “%s”: %s. Paperdock will try again when the "
                 "network is back."), service, account, cause->message);
}
