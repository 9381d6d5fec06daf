/* pd-http.c: the HTTP plumbing the cloud connectors and the OAuth client share, kept in one place
 * so that a fix to the session set-up or to the masking of the debug log reaches every provider.
 *
 * The debug log prints headers only (never bodies, which carry documents and tokens) and masks
 * what libsoup's own logger leaves in the clear: libsoup hides Basic passwords, not bearer
 * tokens, cookies, or the session addresses that providers hand out as credentials. */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <string.h>

#include "pd-http.h"

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
