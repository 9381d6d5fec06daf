/* pd-onedrive-connector.c: syncing to OneDrive and SharePoint through Microsoft Graph v1.0,
 * with libsoup 3 and json-glib.
 *
 * Each call runs as a GTask on a worker thread and sends blocking requests through one shared
 * SoupSession, like the WebDAV connector. Items are addressed by path ("root:/a/b.pdf:").
 *
 * Upload: parent folders are created one by one (POST children with conflictBehavior fail; a
 * 409 nameAlreadyExists means someone made it first). Files up to 4 MiB go in one PUT, with
 * conflictBehavior=fail for a new file (a retry whose answer was lost can never make a second
 * file) or If-Match <eTag> for an update; the metadata then goes into the item's description
 * with a PATCH. Larger files go through an upload session: its address and expiry are saved
 * in the PdResumeStore before the first byte is sent, fragments are multiples of 320 KiB and
 * carry no Authorization header (the session address is the credential), and a later attempt,
 * even by another process, asks the session where it stopped and carries on from there.
 *
 * Never a duplicate: after any answer that leaves it unclear whether the file was written (a
 * connection cut after the last fragment, a lost answer, a 409 or a vanished session), the item
 * is looked up and its size and QuickXorHash compared with the local file before anything is
 * sent again.
 *
 * Security: bearer tokens only go into the Authorization header of API requests; neither they
 * nor session or download addresses reach a log (the optional HTTP debug log masks them).
 * Redirects are not followed automatically. TLS certificates are always verified. */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "pd-fs.h"
#include "pd-http.h"
#include "pd-http-range.h"
#include "pd-onedrive-connector.h"
#include "pd-onedrive-private.h"
#include "pd-quickxor.h"
#include "pd-secret.h"
#include "pd-sync-private.h"

#define IO_TIMEOUT_SECONDS 60
#define IDLE_TIMEOUT_SECONDS 30

static const char * const onedrive_secret_headers[] = { "Location", "Content-Location", NULL };
#define READ_BUFFER_SIZE (128 * 1024)
/* Graph: simple PUT is documented for 4 MB on older pages (250 MB on newer ones); stay with
 * the limit every account type has. */
#define SIMPLE_UPLOAD_MAX (4 * 1024 * 1024)
/* Fragments must be multiples of 320 KiB; 10 of them is near the size Microsoft recommends. */
#define FRAGMENT_UNIT (320 * 1024)
#define FRAGMENT_SIZE (10 * FRAGMENT_UNIT)
#define MAX_SESSIONS_PER_ATTEMPT 2
#define MAX_STALLED_FRAGMENTS 3

struct _PdOnedriveConnector
{
  GObject parent_instance;

  /* owned, immutable after construction: read from worker threads */
  char          *display_name;
  char          *drive_uri;   /* no trailing '/' */
  char          *drive_path;  /* its path, to tell API requests from session ones in the log */
  PdTokenSource *tokens;
  PdResumeStore *resume;
  SoupSession   *session;

  /* owned, guarded by lock */
  GMutex         lock;
  GHashTable    *known_folders;  /* remote folder paths seen to exist */
};

enum {
  PROP_0,
  PROP_DRIVE_URI,
  N_PROPS,
  PROP_DISPLAY_NAME = N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void pd_onedrive_connector_iface_init (PdConnectorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PdOnedriveConnector, pd_onedrive_connector, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PD_TYPE_CONNECTOR,
                                                      pd_onedrive_connector_iface_init))

typedef PdConnectorOp OpData;

/* Parsing what Graph answers: total over any input (the fuzzers feed it anything). */

static JsonObject *
parse_object (JsonParser  *parser,
              const char  *json,
              gsize        len,
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

      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                   _("The server’s answer is not valid JSON (%s)."),
                   why != NULL ? why : _("no data"));
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                           _("The server’s answer is not a JSON object."));
      return NULL;
    }
  return json_node_get_object (root);
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

static gboolean
member_uint (JsonObject *object,
             const char *name,
             guint64    *out)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;
  gint64 value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  value = json_node_get_int (node);
  if (value < 0)
    return FALSE;
  *out = (guint64) value;
  return TRUE;
}

static gint64
parse_iso8601 (const char *text)
{
  g_autoptr(GDateTime) dt = NULL;

  if (text == NULL)
    return 0;
  dt = g_date_time_new_from_iso8601 (text, NULL);
  return dt != NULL ? g_date_time_to_unix (dt) : 0;
}

char *
_pd_onedrive_format_description (GHashTable  *metadata,
                                 GError     **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GList) keys = NULL;

  if (metadata == NULL || g_hash_table_size (metadata) == 0)
    return NULL;
  /* Sorted, so that the same metadata always reads the same. */
  keys = g_list_sort (g_hash_table_get_keys (metadata), (GCompareFunc) g_strcmp0);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      const char *key = l->data;
      const char *value = g_hash_table_lookup (metadata, key);

      if (*key == '\0' || strpbrk (key, ":\r\n") != NULL || !g_utf8_validate (key, -1, NULL) ||
          (value != NULL && !g_utf8_validate (value, -1, NULL)))
        {
          g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_INVALID_NAME,
                       _("“%s” cannot be used as a metadata name on OneDrive."), key);
          return NULL;
        }
      g_string_append_printf (text, "%s%s: ", l != keys ? "\n" : "", key);
      for (const char *c = value != NULL ? value : ""; *c != '\0'; c++)
        g_string_append_c (text, *c == '\n' || *c == '\r' ? ' ' : *c);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Lines that are not "key: value" (a person may have edited the description) are skipped. */
void
_pd_onedrive_parse_description (const char *description,
                                GHashTable *metadata)
{
  g_auto(GStrv) lines = NULL;

  if (description == NULL || metadata == NULL || !g_utf8_validate (description, -1, NULL))
    return;
  lines = g_strsplit_set (description, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *colon = strstr (lines[i], ": ");
      g_autofree char *key = NULL;

      if (colon == NULL || colon == lines[i])
        continue;
      key = g_strndup (lines[i], (gsize) (colon - lines[i]));
      if (strchr (key, ':') != NULL)
        continue;
      g_hash_table_replace (metadata, g_steal_pointer (&key), g_strdup (colon + 2));
    }
}

static gboolean
parse_item_full (const char    *json,
                 gsize          len,
                 PdRemoteInfo  *info,
                 gboolean      *is_folder,
                 GError       **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *item = parse_object (parser, json, len, error);
  JsonObject *file;
  const char *etag, *hash;
  guint64 size = 0;

  if (item == NULL)
    return FALSE;
  etag = member_string (item, "eTag");
  if (member_string (item, "name") == NULL && member_string (item, "id") == NULL)
    {
      g_set_error_literal (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                           _("The server’s answer does not describe a file."));
      return FALSE;
    }
  if (json_object_has_member (item, "size") && !member_uint (item, "size", &size))
    {
      g_set_error_literal (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                           _("The server gave a file size that is not a number."));
      return FALSE;
    }

  g_hash_table_remove_all (info->metadata);
  info->exists = TRUE;
  info->size = size;
  g_free (info->etag);
  info->etag = g_strdup (etag);
  info->modified = parse_iso8601 (member_string (item, "lastModifiedDateTime"));
  _pd_onedrive_parse_description (member_string (item, "description"), info->metadata);
  file = member_object (item, "file");
  hash = member_string (member_object (file, "hashes"), "quickXorHash");
  if (hash != NULL)
    g_hash_table_replace (info->metadata, g_strdup ("quickXorHash"), g_strdup (hash));
  if (is_folder != NULL)
    *is_folder = member_object (item, "folder") != NULL ||
                 (file == NULL && member_object (item, "root") != NULL);
  return TRUE;
}

gboolean
_pd_onedrive_parse_item (const char    *json,
                         gsize          len,
                         PdRemoteInfo  *info,
                         GError       **error)
{
  g_return_val_if_fail (info != NULL && info->metadata != NULL, FALSE);

  return parse_item_full (json, len, info, NULL, error);
}

/* One entry of nextExpectedRanges: "START-" or "START-END". */
static gboolean
parse_expected_range (const char *range,
                      guint64    *start)
{
  guint64 s = 0, e = 0;
  const char *p = range;

  if (p == NULL || !g_ascii_isdigit (*p))
    return FALSE;
  for (; g_ascii_isdigit (*p); p++)
    {
      if (s > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      s = s * 10 + (guint64) (*p - '0');
    }
  if (*p++ != '-')
    return FALSE;
  if (*p != '\0')
    {
      for (; g_ascii_isdigit (*p); p++)
        {
          if (e > (G_MAXUINT64 - 9) / 10)
            return FALSE;
          e = e * 10 + (guint64) (*p - '0');
        }
      if (*p != '\0' || e < s)
        return FALSE;
    }
  *start = s;
  return TRUE;
}

gboolean
_pd_onedrive_parse_session (const char  *json,
                            gsize        len,
                            char       **upload_url,
                            gint64      *expires,
                            guint64     *next_expected_start,
                            GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *session = parse_object (parser, json, len, error);
  JsonNode *ranges;
  const char *url;
  guint64 next = 0;

  if (session == NULL)
    return FALSE;

  url = member_string (session, "uploadUrl");
  if (url != NULL && !g_uri_is_valid (url, SOUP_HTTP_URI_FLAGS, NULL))
    {
      g_set_error_literal (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                           _("The server gave an upload address that is not valid."));
      return FALSE;
    }

  ranges = json_object_get_member (session, "nextExpectedRanges");
  if (ranges != NULL)
    {
      JsonArray *array = JSON_NODE_HOLDS_ARRAY (ranges) ? json_node_get_array (ranges) : NULL;
      guint n = array != NULL ? json_array_get_length (array) : 0;

      /* The list "doesn't always list all of the missing ranges": the earliest start is the
       * only safe place to go on from. */
      next = G_MAXUINT64;
      for (guint i = 0; i < n; i++)
        {
          JsonNode *node = json_array_get_element (array, i);
          const char *range = NULL;
          guint64 start;

          if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
            range = json_node_get_string (node);
          if (!parse_expected_range (range, &start))
            {
              g_set_error_literal (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                                   _("The server’s upload session lists a range that is not "
                                     "valid."));
              return FALSE;
            }
          next = MIN (next, start);
        }
      if (array == NULL || n == 0)
        {
          g_set_error_literal (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                               _("The server’s upload session lists no missing range."));
          return FALSE;
        }
    }

  if (upload_url != NULL)
    *upload_url = g_strdup (url);
  if (expires != NULL)
    *expires = parse_iso8601 (member_string (session, "expirationDateTime"));
  if (next_expected_start != NULL)
    *next_expected_start = next;
  return TRUE;
}

/* Errors */

static void
set_error_details (GError      *error,
                   SoupMessage *msg)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  const char *retry_after = soup_message_headers_get_one (headers, "Retry-After");
  const char *date = soup_message_headers_get_one (headers, "Date");
  g_autoptr(GDateTime) server_now = NULL;

  if (date != NULL)
    server_now = soup_date_time_new_from_http_string (date);

  _pd_sync_error_set_details (error, soup_message_get_status (msg),
                              pd_sync_parse_retry_after (retry_after, server_now));
}

/* Graph's error JSON nests codes ({"error":{"code":…,"innererror":{"code":…}}}); the docs say
 * to act on the most detailed one that is understood, so all of them are collected. */
static GStrv
graph_error_codes (GBytes *body)
{
  g_autoptr(GStrvBuilder) codes = g_strv_builder_new ();
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *object;
  gsize len = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &len) : NULL;

  object = data != NULL ? parse_object (parser, data, len, NULL) : NULL;
  object = member_object (object, "error");
  for (guint depth = 0; object != NULL && depth < 8; depth++)
    {
      const char *code = member_string (object, "code");

      if (code != NULL)
        g_strv_builder_add (codes, code);
      object = member_object (object, "innererror");
    }
  return g_strv_builder_end (codes);
}

static gboolean
has_code (GStrv       codes,
          const char *code)
{
  for (guint i = 0; codes != NULL && codes[i] != NULL; i++)
    if (g_ascii_strcasecmp (codes[i], code) == 0)
      return TRUE;
  return FALSE;
}

/* What Graph's answer means for the engine, in words for the person. */
static void
set_http_error (PdOnedriveConnector  *self,
                GError              **error,
                SoupMessage          *msg,
                GBytes               *body,
                const char           *remote_path)
{
  guint status = soup_message_get_status (msg);
  const char *reason = soup_message_get_reason_phrase (msg);
  const char *name = self->display_name;
  g_auto(GStrv) codes = graph_error_codes (body);
  GError *e;

  if (status == SOUP_STATUS_UNAUTHORIZED)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_AUTH_REQUIRED,
                     _("Microsoft refused the sign-in of account “%s”. Sign in again."), name);
  else if (status == SOUP_STATUS_INSUFFICIENT_STORAGE || has_code (codes, "quotaLimitReached") ||
           has_code (codes, "insufficientStorage"))
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_QUOTA,
                     _("The OneDrive of account “%s” is full. Free some space there or ask for "
                       "more storage."), name);
  else if (status == SOUP_STATUS_FORBIDDEN)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_FORBIDDEN,
                     _("Account “%s” is not allowed to change “%s”. The folder may be read-only "
                       "or shared without write access."), name, remote_path);
  else if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_NOT_FOUND,
                     _("“%s” does not exist in the OneDrive of account “%s”."), remote_path, name);
  else if (status == SOUP_STATUS_PRECONDITION_FAILED || status == SOUP_STATUS_CONFLICT)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT,
                     _("“%s” was changed in the OneDrive of account “%s” since it was last "
                       "synced."), remote_path, name);
  else if (status == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_TOO_LARGE,
                     _("OneDrive refused “%s” for account “%s”: the file is larger than it "
                       "accepts."), remote_path, name);
  else if (status == SOUP_STATUS_REQUEST_URI_TOO_LONG ||
           (status == SOUP_STATUS_BAD_REQUEST &&
            (has_code (codes, "pathIsTooLong") || has_code (codes, "invalidName") ||
             has_code (codes, "nameContainsInvalidCharacters"))))
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_INVALID_NAME,
                     _("OneDrive does not accept “%s” as a name (account “%s”)."), remote_path,
                     name);
  else if (status == 429 ||
           (status == SOUP_STATUS_SERVICE_UNAVAILABLE &&
            soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                          "Retry-After") != NULL))
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_THROTTLED,
                     _("OneDrive is busy and asked Paperdock to wait before sending more for "
                       "account “%s” (HTTP %u %s). Paperdock will try again then."),
                     name, status, reason);
  else if (status == SOUP_STATUS_REQUEST_TIMEOUT || status >= 500)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                     _("OneDrive could not take “%s” for account “%s” right now (HTTP %u %s). "
                       "Paperdock will try again later."), remote_path, name, status, reason);
  else
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                     _("OneDrive refused “%s” for account “%s” (HTTP %u %s%s%s)."),
                     remote_path, name, status, reason,
                     codes[0] != NULL ? ", " : "", codes[0] != NULL ? codes[0] : "");

  set_error_details (e, msg);
  g_propagate_error (error, e);
}

static void
set_transport_error (PdOnedriveConnector  *self,
                     GError              **error,
                     GError               *cause)
{
  if (_pd_http_set_common_transport_error (error, cause))
    return;
  if (cause->domain == G_TLS_ERROR)
    g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CERTIFICATE,
                 _("The identity of the OneDrive server for account “%s” could not be verified "
                   "(%s). Nothing was sent to it."), self->display_name, cause->message);
  else
    _pd_http_set_unreachable_error (error, cause, "OneDrive", self->display_name);
}

static void
set_answer_error (PdOnedriveConnector  *self,
                  GError              **error,
                  const char           *remote_path,
                  GError               *cause)
{
  g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
               _("OneDrive gave an answer Paperdock does not understand about “%s” (account "
                 "“%s”): %s"), remote_path, self->display_name, cause->message);
}

/* Names OneDrive and SharePoint refuse, checked before anything is sent. */
static gboolean
check_names (char       **parts,
             const char  *remote_path,
             GError     **error)
{
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *p = parts[i];
      gsize len = strlen (p);

      if (strpbrk (p, "\"*:<>?|") != NULL || p[0] == ' ' || p[len - 1] == ' ' ||
          p[len - 1] == '.')
        {
          g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_INVALID_NAME,
                       _("“%s” cannot be used as a name on OneDrive: names may not contain "
                         "\" * : < > ? | nor begin or end with a space or end with a dot."),
                       remote_path);
          return FALSE;
        }
    }
  return TRUE;
}

/* Requests */

/* The item at the first @n segments of @parts: "…/root" or "…/root:/a/b.pdf:", then
 * "/@action" when given. Segments are percent-encoded, ':' included. */
static char *
item_uri (PdOnedriveConnector  *self,
          char                **parts,
          guint                 n,
          const char           *action)
{
  g_autoptr(GString) uri = g_string_new (self->drive_uri);

  g_string_append (uri, n == 0 ? "/root" : "/root:");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *escaped = g_uri_escape_string (parts[i], NULL, FALSE);

      g_string_append_printf (uri, "/%s", escaped);
    }
  if (n > 0)
    g_string_append_c (uri, ':');
  if (action != NULL)
    g_string_append_printf (uri, "/%s", action);
  return g_string_free (g_steal_pointer (&uri), FALSE);
}

static char *
folder_path (char **parts,
             guint  n)
{
  g_autofree char *joined = NULL;
  char *saved = parts[n];

  parts[n] = NULL;
  joined = g_strjoinv ("/", parts);
  parts[n] = saved;
  return g_steal_pointer (&joined);
}

static SoupMessage *
new_message (const char *method,
             const char *uri,
             const char *if_match,
             GBytes     *body,
             const char *content_type)
{
  SoupMessage *msg = soup_message_new (method, uri);

  g_assert (msg != NULL);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  if (if_match != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "If-Match", if_match);
  if (body != NULL)
    _pd_http_message_set_body (msg, body, content_type);
  else if (g_str_equal (method, "POST") || g_str_equal (method, "PUT"))
    soup_message_headers_set_content_length (soup_message_get_request_headers (msg), 0);
  return msg;
}

/* Sends @msg as is. Returns the response body, or NULL with a PD_SYNC_ERROR (or
 * G_IO_ERROR_CANCELLED) when no answer arrived. @what names the request in the debug log:
 * never the address, which for sessions and downloads is a credential. */
static GBytes *
send_message (PdOnedriveConnector  *self,
              SoupMessage          *msg,
              const char           *what,
              GCancellable         *cancellable,
              GError              **error)
{
  g_autoptr(GError) local_error = NULL;
  GBytes *response;

  response = soup_session_send_and_read (self->session, msg, cancellable, &local_error);
  if (response == NULL)
    {
      g_debug ("%s %s failed: %s", soup_message_get_method (msg), what, local_error->message);
      set_transport_error (self, error, local_error);
      return NULL;
    }
  g_debug ("%s %s: %u", soup_message_get_method (msg), what, soup_message_get_status (msg));
  return response;
}

/* An API request with a bearer token. On 401 the token source is asked once for a fresh token
 * (it refreshes only if the refused one is still its current one) and the request is sent
 * again; a second 401 is the caller's to report. Returns the message with its answer, or NULL
 * with an error when no answer arrived or no token could be had. */
static SoupMessage *
api_call (PdOnedriveConnector  *self,
          const char           *method,
          const char           *uri,
          const char           *if_match,
          GBytes               *body,
          const char           *content_type,
          const char           *what,
          GBytes              **response,
          GCancellable         *cancellable,
          GError              **error)
{
  g_autofree char *refused = NULL;

  for (guint attempt = 0;; attempt++)
    {
      g_autoptr(SoupMessage) msg = new_message (method, uri, if_match, body, content_type);
      g_autofree char *token = NULL;
      g_autofree char *authorization = NULL;
      g_autoptr(GBytes) answer = NULL;

      token = pd_token_source_get_token (self->tokens, refused, cancellable, error);
      if (token == NULL)
        return NULL;
      authorization = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    authorization);
      memset (authorization, 0, strlen (authorization));

      answer = send_message (self, msg, what, cancellable, error);
      if (answer == NULL)
        {
          memset (token, 0, strlen (token));
          return NULL;
        }
      if (soup_message_get_status (msg) == SOUP_STATUS_UNAUTHORIZED && attempt == 0)
        {
          g_debug ("%s %s: token refused, asking for a fresh one", method, what);
          g_clear_pointer (&refused, pd_secret_free);
          refused = g_steal_pointer (&token);
          continue;
        }
      if (token != NULL)
        memset (token, 0, strlen (token));
      if (refused != NULL)
        memset (refused, 0, strlen (refused));
      *response = g_steal_pointer (&answer);
      return g_steal_pointer (&msg);
    }
}

/* A request to an upload session address: never with the Authorization header (Graph may
 * answer 401 to one, and the address is the credential). */
static SoupMessage *
session_call (PdOnedriveConnector  *self,
              const char           *method,
              const char           *upload_url,
              GBytes               *body,
              GBytes              **response,
              GCancellable         *cancellable,
              GError              **error)
{
  g_autoptr(SoupMessage) msg = new_message (method, upload_url, NULL, body,
                                            "application/octet-stream");

  *response = send_message (self, msg, "upload session", cancellable, error);
  if (*response == NULL)
    return NULL;
  return g_steal_pointer (&msg);
}

static GBytes *
json_body (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  gsize len = 0;
  char *text;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &len);
  return g_bytes_new_take (text, len);
}

/* GET the item. A missing item is not an error: info->exists is FALSE. */
static PdRemoteInfo *
graph_stat (PdOnedriveConnector  *self,
            char                **parts,
            guint                 n,
            const char           *remote_path,
            gboolean             *is_folder,
            GCancellable         *cancellable,
            GError              **error)
{
  g_autofree char *uri = item_uri (self, parts, n, NULL);
  g_autoptr(GBytes) response = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(PdRemoteInfo) info = pd_remote_info_new ();
  g_autoptr(GError) parse_error = NULL;
  gboolean folder = FALSE;
  guint status;

  msg = api_call (self, "GET", uri, NULL, NULL, NULL, remote_path, &response, cancellable, error);
  if (msg == NULL)
    return NULL;
  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_NOT_FOUND)
    {
      if (is_folder != NULL)
        *is_folder = FALSE;
      return g_steal_pointer (&info);
    }
  if (status != SOUP_STATUS_OK)
    {
      set_http_error (self, error, msg, response, remote_path);
      return NULL;
    }
  if (!parse_item_full (g_bytes_get_data (response, NULL), g_bytes_get_size (response), info,
                        &folder, &parse_error))
    {
      set_answer_error (self, error, remote_path, parse_error);
      return NULL;
    }
  if (is_folder != NULL)
    *is_folder = folder;
  return g_steal_pointer (&info);
}

static gboolean
folder_known (PdOnedriveConnector *self,
              const char          *path)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return g_hash_table_contains (self->known_folders, path);
}

static void
remember_folder (PdOnedriveConnector *self,
                 const char          *path)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  g_hash_table_add (self->known_folders, g_strdup (path));
}

/* Creates the first @n_dirs segments of @parts as folders, each in its parent, top down. A
 * 409 nameAlreadyExists means the folder is there already (or was just made by another upload):
 * the next level's creation, or the upload itself, says so if it is a file instead. */
static gboolean
ensure_folders (PdOnedriveConnector  *self,
                char                **parts,
                guint                 n_dirs,
                GCancellable         *cancellable,
                GError              **error)
{
  for (guint i = 1; i <= n_dirs; i++)
    {
      g_autofree char *path = folder_path (parts, i);
      g_autofree char *uri = NULL;
      g_autoptr(JsonBuilder) builder = NULL;
      g_autoptr(GBytes) request = NULL;
      g_autoptr(GBytes) response = NULL;
      g_autoptr(SoupMessage) msg = NULL;
      guint status;

      if (folder_known (self, path))
        continue;
      uri = item_uri (self, parts, i - 1, "children");
      builder = json_builder_new ();
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, parts[i - 1]);
      json_builder_set_member_name (builder, "folder");
      json_builder_begin_object (builder);
      json_builder_end_object (builder);
      json_builder_set_member_name (builder, "@microsoft.graph.conflictBehavior");
      json_builder_add_string_value (builder, "fail");
      json_builder_end_object (builder);
      request = json_body (builder);

      msg = api_call (self, "POST", uri, NULL, request, "application/json", path, &response,
                      cancellable, error);
      if (msg == NULL)
        return FALSE;
      status = soup_message_get_status (msg);
      if (status != SOUP_STATUS_CREATED && status != SOUP_STATUS_OK &&
          status != SOUP_STATUS_CONFLICT)
        {
          set_http_error (self, error, msg, response, path);
          g_prefix_error (error, _("Could not create the folder “%s”: "), path);
          return FALSE;
        }
      g_debug ("folder %s %s", path, status == SOUP_STATUS_CONFLICT ? "exists" : "created");
      remember_folder (self, path);
    }
  return TRUE;
}

/* What we are uploading, and how to recognise it on the server. */
typedef struct {
  GBytes     *body;
  const char *content_type;
  char       *hash;         /* QuickXorHash, base64 */
  const char *uuid;         /* the document's, from the metadata; may be NULL */
  char       *description;  /* the metadata as the item's description; may be NULL */
} Upload;

static void
upload_clear (Upload *up)
{
  g_clear_pointer (&up->body, g_bytes_unref);
  g_clear_pointer (&up->hash, g_free);
  g_clear_pointer (&up->description, g_free);
}

/* After an answer that leaves it unclear whether our file was written: whether the server now
 * holds exactly our bytes (size and QuickXorHash), and no other document's. Returns the item
 * then; NULL otherwise, with @error set only if the lookup itself failed. */
static PdRemoteInfo *
find_our_upload (PdOnedriveConnector  *self,
                 char                **parts,
                 guint                 n,
                 const char           *remote_path,
                 const Upload         *up,
                 GCancellable         *cancellable,
                 GError              **error)
{
  g_autoptr(PdRemoteInfo) info = NULL;
  const char *uuid;
  gboolean is_folder = FALSE;

  info = graph_stat (self, parts, n, remote_path, &is_folder, cancellable, error);
  if (info == NULL || !info->exists || is_folder)
    return NULL;
  uuid = g_hash_table_lookup (info->metadata, "uuid");
  if (info->size != g_bytes_get_size (up->body) ||
      g_strcmp0 (g_hash_table_lookup (info->metadata, "quickXorHash"), up->hash) != 0 ||
      (uuid != NULL && g_strcmp0 (uuid, up->uuid) != 0))
    return NULL;
  g_debug ("%s already holds these bytes", remote_path);
  return g_steal_pointer (&info);
}

/* Writes the metadata into the item's description, unless it is there already. */
static gboolean
set_description (PdOnedriveConnector  *self,
                 char                **parts,
                 guint                 n,
                 const char           *remote_path,
                 const Upload         *up,
                 PdRemoteInfo         *info,
                 GCancellable         *cancellable,
                 GError              **error)
{
  g_autofree char *uri = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GError) parse_error = NULL;
  GHashTableIter iter;
  gpointer key, value;
  gboolean same = TRUE;

  if (up->description == NULL)
    return TRUE;
  _pd_onedrive_parse_description (up->description, wanted);
  g_hash_table_iter_init (&iter, wanted);
  while (same && g_hash_table_iter_next (&iter, &key, &value))
    same = g_strcmp0 (g_hash_table_lookup (info->metadata, key), value) == 0;
  if (same)
    return TRUE;

  uri = item_uri (self, parts, n, NULL);
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, up->description);
  json_builder_end_object (builder);
  request = json_body (builder);
  msg = api_call (self, "PATCH", uri, info->etag, request, "application/json", remote_path,
                  &response, cancellable, error);
  if (msg == NULL)
    return FALSE;
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      set_http_error (self, error, msg, response, remote_path);
      g_prefix_error (error, _("“%s” was uploaded, but its details were not kept: "), remote_path);
      return FALSE;
    }
  if (!parse_item_full (g_bytes_get_data (response, NULL), g_bytes_get_size (response), info,
                        NULL, &parse_error))
    {
      set_answer_error (self, error, remote_path, parse_error);
      return FALSE;
    }
  return TRUE;
}

/* A file of at most SIMPLE_UPLOAD_MAX bytes: one PUT, then the description. */
static PdRemoteInfo *
simple_upload (PdOnedriveConnector  *self,
               char                **parts,
               guint                 n,
               const char           *remote_path,
               const char           *expected,
               const Upload         *up,
               GCancellable         *cancellable,
               GError              **error)
{
  g_autofree char *uri = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autoptr(GError) local_error = NULL;
  guint status;

  {
    g_autofree char *content = item_uri (self, parts, n, "content");

    /* No If-Match on a new file: conflictBehavior=fail is what makes a retry harmless. */
    uri = expected == NULL ? g_strconcat (content, "?@microsoft.graph.conflictBehavior=fail", NULL)
                           : g_steal_pointer (&content);
  }
  msg = api_call (self, "PUT", uri, expected, up->body, up->content_type, remote_path, &response,
                  cancellable, &local_error);
  if (msg == NULL)
    {
      if (!g_error_matches (local_error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      /* The answer was lost: the file may or may not be there. */
      info = find_our_upload (self, parts, n, remote_path, up, cancellable, NULL);
      if (info == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  else if ((status = soup_message_get_status (msg)) == SOUP_STATUS_OK ||
           status == SOUP_STATUS_CREATED)
    {
      info = pd_remote_info_new ();
      if (!parse_item_full (g_bytes_get_data (response, NULL), g_bytes_get_size (response), info,
                            NULL, &local_error))
        {
          set_answer_error (self, error, remote_path, local_error);
          return NULL;
        }
    }
  else if (status == SOUP_STATUS_CONFLICT && expected == NULL)
    {
      /* The name is taken: by our own earlier upload whose answer was lost, or by another
       * file (never overwritten). */
      info = find_our_upload (self, parts, n, remote_path, up, cancellable, &local_error);
      if (info == NULL)
        {
          GError *e;

          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_ALREADY_EXISTS,
                           _("A file named “%s” already exists in the OneDrive of account "
                             "“%s”."), remote_path, self->display_name);
          set_error_details (e, msg);
          g_propagate_error (error, e);
          return NULL;
        }
    }
  else
    {
      set_http_error (self, error, msg, response, remote_path);
      return NULL;
    }

  if (!set_description (self, parts, n, remote_path, up, info, cancellable, error))
    return NULL;
  return g_steal_pointer (&info);
}

/* Upload sessions. The resume store holds, per document and path, the session address, its
 * expiry and what file it is for (size and hash): a file changed since is never completed
 * with the bytes of the old one. */

static char *
resume_key (const Upload *up,
            const char   *remote_path)
{
  return g_strdup_printf ("onedrive:%s:%s", up->uuid != NULL ? up->uuid : "", remote_path);
}

static char *
resume_value (const char   *upload_url,
              gint64        expires,
              const Upload *up)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (expires);
  g_autofree char *iso = when != NULL ? g_date_time_format_iso8601 (when) : NULL;
  g_autoptr(GBytes) bytes = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "uploadUrl");
  json_builder_add_string_value (builder, upload_url);
  if (expires > 0 && iso != NULL)
    {
      json_builder_set_member_name (builder, "expirationDateTime");
      json_builder_add_string_value (builder, iso);
    }
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, (gint64) g_bytes_get_size (up->body));
  json_builder_set_member_name (builder, "quickXorHash");
  json_builder_add_string_value (builder, up->hash);
  json_builder_end_object (builder);
  bytes = json_body (builder);
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* The stored session's address if it is for this very file and not expired, else NULL; its
 * stored expiry in @expires_out. */
static char *
stored_session (const char   *value,
                const Upload *up,
                char        **stale_url,
                gint64       *expires_out)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *url = NULL;
  JsonObject *object;
  gint64 expires = 0;
  guint64 size = 0;

  if (!_pd_onedrive_parse_session (value, strlen (value), &url, &expires, NULL, NULL) ||
      url == NULL)
    return NULL;
  object = parse_object (parser, value, strlen (value), NULL);
  if (!member_uint (object, "size", &size) || size != g_bytes_get_size (up->body) ||
      g_strcmp0 (member_string (object, "quickXorHash"), up->hash) != 0 ||
      (expires > 0 && expires <= g_get_real_time () / G_USEC_PER_SEC + 60))
    {
      *stale_url = g_steal_pointer (&url);
      return NULL;
    }
  *expires_out = expires;
  return g_steal_pointer (&url);
}

/* Each answer about a session carries its expiry, and OneDrive moves it on as fragments arrive.
 * The stored one is moved along (not on every fragment: the store is the keyring), so a restart
 * after the first expiry still resumes a session that is alive. */
#define EXPIRY_SAVE_STEP_SECONDS 60

static void
refresh_stored_expiry (PdOnedriveConnector *self,
                       const char          *key,
                       const char          *upload_url,
                       const Upload        *up,
                       gint64               expires,
                       gint64              *saved_expires,
                       GCancellable        *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  if (expires <= *saved_expires + EXPIRY_SAVE_STEP_SECONDS)
    return;
  value = resume_value (upload_url, expires, up);
  if (pd_resume_store_save (self->resume, key, value, cancellable, &error))
    *saved_expires = expires;
  else
    g_debug ("The upload session's new expiry was not stored: %s", error->message);
  memset (value, 0, strlen (value));
}

static void
forget_session (PdOnedriveConnector *self,
                const char          *key,
                const char          *upload_url,
                GCancellable        *cancellable)
{
  g_autoptr(GError) error = NULL;

  /* Best effort: OneDrive for Business reserves the name until the session is gone. */
  if (upload_url != NULL)
    {
      g_autoptr(GBytes) response = NULL;
      g_autoptr(SoupMessage) msg = session_call (self, "DELETE", upload_url, NULL, &response,
                                                 cancellable, NULL);
    }
  if (!pd_resume_store_clear (self->resume, key, cancellable, &error))
    g_debug ("could not forget an upload session: %s", error->message);
}

/* POST createUploadSession. Returns the session address, and where to start, or NULL. */
static char *
create_session (PdOnedriveConnector  *self,
                char                **parts,
                guint                 n,
                const char           *remote_path,
                const char           *expected,
                const Upload         *up,
                const char           *key,
                guint64              *offset,
                gint64               *expires_out,
                PdRemoteInfo        **ours,
                GCancellable         *cancellable,
                GError              **error)
{
  g_autofree char *uri = item_uri (self, parts, n, "createUploadSession");
  g_autofree char *url = NULL;
  g_autofree char *value = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 expires = 0;
  guint status;

  g_assert (error != NULL && *error == NULL);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "item");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "@microsoft.graph.conflictBehavior");
  json_builder_add_string_value (builder, expected == NULL ? "fail" : "replace");
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, parts[n - 1]);
  if (up->description != NULL)
    {
      json_builder_set_member_name (builder, "description");
      json_builder_add_string_value (builder, up->description);
    }
  json_builder_set_member_name (builder, "fileSize");
  json_builder_add_int_value (builder, (gint64) g_bytes_get_size (up->body));
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  request = json_body (builder);

  msg = api_call (self, "POST", uri, expected, request, "application/json", remote_path,
                  &response, cancellable, error);
  if (msg == NULL)
    return NULL;
  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_CONFLICT && expected == NULL)
    {
      *ours = find_our_upload (self, parts, n, remote_path, up, cancellable, error);
      if (*ours == NULL && *error == NULL)
        {
          GError *e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_ALREADY_EXISTS,
                                   _("A file named “%s” already exists in the OneDrive of "
                                     "account “%s”."), remote_path, self->display_name);

          set_error_details (e, msg);
          g_propagate_error (error, e);
        }
      return NULL;
    }
  if (status != SOUP_STATUS_OK && status != SOUP_STATUS_CREATED)
    {
      set_http_error (self, error, msg, response, remote_path);
      return NULL;
    }
  if (!_pd_onedrive_parse_session (g_bytes_get_data (response, NULL),
                                   g_bytes_get_size (response), &url, &expires, offset,
                                   &local_error) ||
      url == NULL)
    {
      if (local_error == NULL)
        g_set_error_literal (&local_error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                             _("no upload address"));
      set_answer_error (self, error, remote_path, local_error);
      return NULL;
    }

  /* Saved before the first byte: after a crash the next attempt finds the session instead of
   * starting another one (which OneDrive for Business would refuse until this one expires). */
  value = resume_value (url, expires, up);
  if (!pd_resume_store_save (self->resume, key, value, cancellable, error))
    {
      memset (value, 0, strlen (value));
      forget_session (self, key, url, cancellable);
      return NULL;
    }
  memset (value, 0, strlen (value));
  g_debug ("%s: upload session created", remote_path);
  *expires_out = expires;
  return g_steal_pointer (&url);
}

/* GET the session: where to go on from. FALSE with *gone when the session no longer exists. */
static gboolean
session_status (PdOnedriveConnector  *self,
                const char           *upload_url,
                const char           *remote_path,
                guint64              *offset,
                gint64               *expires,
                gboolean             *gone,
                GCancellable         *cancellable,
                GError              **error)
{
  g_autoptr(GBytes) response = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) parse_error = NULL;
  guint status;

  *gone = FALSE;
  msg = session_call (self, "GET", upload_url, NULL, &response, cancellable, error);
  if (msg == NULL)
    return FALSE;
  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE)
    {
      *gone = TRUE;
      return FALSE;
    }
  if (status != SOUP_STATUS_OK)
    {
      set_http_error (self, error, msg, response, remote_path);
      return FALSE;
    }
  if (!_pd_onedrive_parse_session (g_bytes_get_data (response, NULL),
                                   g_bytes_get_size (response), NULL, expires, offset,
                                   &parse_error))
    {
      set_answer_error (self, error, remote_path, parse_error);
      return FALSE;
    }
  return TRUE;
}

static PdRemoteInfo *
session_upload (PdOnedriveConnector  *self,
                char                **parts,
                guint                 n,
                const char           *remote_path,
                const char           *expected,
                const Upload         *up,
                GCancellable         *cancellable,
                GError              **error)
{
  g_autofree char *key = resume_key (up, remote_path);
  g_autofree char *stored = NULL;
  g_autofree char *url = NULL;
  guint64 size = g_bytes_get_size (up->body);
  guint64 offset = 0;
  gint64 saved_expires = 0;   /* the expiry in the store */
  gint64 expires = 0;         /* the latest one OneDrive gave */
  guint sessions = 0;
  guint stalled = 0;

  g_assert (error != NULL && *error == NULL);
  stored = pd_resume_store_lookup (self->resume, key, cancellable, error);
  if (stored == NULL && *error != NULL)
    return NULL;
  if (stored != NULL)
    {
      g_autofree char *stale = NULL;

      url = stored_session (stored, up, &stale, &saved_expires);
      memset (stored, 0, strlen (stored));
      if (url == NULL)
        {
          g_debug ("%s: the stored upload session is for another version or expired",
                   remote_path);
          forget_session (self, key, stale, cancellable);
        }
      else
        {
          gboolean gone;

          if (!session_status (self, url, remote_path, &offset, &expires, &gone, cancellable,
                               error))
            {
              PdRemoteInfo *ours;

              if (!gone)
                return NULL;
              /* Gone: expired, or completed by an attempt whose answer was lost. */
              g_debug ("%s: the stored upload session is gone", remote_path);
              g_clear_pointer (&url, g_free);
              forget_session (self, key, NULL, cancellable);
              ours = find_our_upload (self, parts, n, remote_path, up, cancellable, error);
              if (ours != NULL || (*error != NULL))
                return ours;
            }
          else
            {
              g_debug ("%s: resuming the upload session at byte %" G_GUINT64_FORMAT,
                       remote_path, offset);
              refresh_stored_expiry (self, key, url, up, expires, &saved_expires, cancellable);
            }
        }
    }

  for (;;)
    {
      g_autoptr(GBytes) fragment = NULL;
      g_autoptr(GBytes) response = NULL;
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autofree char *range = NULL;
      guint64 len;
      guint status;

      if (url == NULL)
        {
          PdRemoteInfo *ours = NULL;

          if (sessions++ == MAX_SESSIONS_PER_ATTEMPT)
            {
              g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                           _("OneDrive keeps losing the upload of “%s” for account “%s”. "
                             "Paperdock will try again later."),
                           remote_path, self->display_name);
              return NULL;
            }
          offset = 0;
          url = create_session (self, parts, n, remote_path, expected, up, key, &offset,
                                &saved_expires, &ours, cancellable, error);
          if (url == NULL)
            return ours;
        }

      if (offset > size)
        {
          g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                       _("OneDrive asks for bytes of “%s” beyond its end (account “%s”)."),
                       remote_path, self->display_name);
          forget_session (self, key, url, cancellable);
          return NULL;
        }
      len = MIN ((guint64) FRAGMENT_SIZE, size - offset);
      fragment = g_bytes_new_from_bytes (up->body, (gsize) offset, (gsize) len);
      msg = new_message ("PUT", url, NULL, fragment, "application/octet-stream");
      range = g_strdup_printf ("bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "/%"
                               G_GUINT64_FORMAT, offset, offset + len - 1, size);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Content-Range",
                                    range);
      response = send_message (self, msg, "upload fragment", cancellable, &local_error);
      if (response == NULL)
        {
          PdRemoteInfo *ours;

          /* After the last fragment, a lost answer may hide a finished file. */
          if (offset + len == size &&
              g_error_matches (local_error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT))
            {
              ours = find_our_upload (self, parts, n, remote_path, up, cancellable, NULL);
              if (ours != NULL)
                {
                  forget_session (self, key, NULL, cancellable);
                  return ours;
                }
            }
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      status = soup_message_get_status (msg);
      if (status == SOUP_STATUS_ACCEPTED)
        {
          guint64 next = 0;

          if (!_pd_onedrive_parse_session (g_bytes_get_data (response, NULL),
                                           g_bytes_get_size (response), NULL, &expires, &next,
                                           &local_error))
            {
              set_answer_error (self, error, remote_path, local_error);
              return NULL;
            }
          refresh_stored_expiry (self, key, url, up, expires, &saved_expires, cancellable);
          stalled = next > offset ? 0 : stalled + 1;
          if (stalled > MAX_STALLED_FRAGMENTS)
            {
              g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                           _("OneDrive does not take the rest of “%s” (account “%s”). Paperdock "
                             "will try again later."), remote_path, self->display_name);
              return NULL;
            }
          offset = next;
          continue;
        }
      if (status == SOUP_STATUS_OK || status == SOUP_STATUS_CREATED)
        {
          g_autoptr(PdRemoteInfo) info = pd_remote_info_new ();

          forget_session (self, key, NULL, cancellable);
          if (!parse_item_full (g_bytes_get_data (response, NULL), g_bytes_get_size (response),
                                info, NULL, &local_error))
            {
              set_answer_error (self, error, remote_path, local_error);
              return NULL;
            }
          return g_steal_pointer (&info);
        }
      if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)
        {
          guint64 total = 0;
          gboolean gone = FALSE;
          const char *content_range =
            soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                          "Content-Range");

          /* A session for a file of another size is no use to this one. */
          if (content_range != NULL &&
              _pd_content_range_parse (content_range, NULL, NULL, &total) &&
              total != G_MAXUINT64 && total != size)
            {
              forget_session (self, key, url, cancellable);
              g_clear_pointer (&url, g_free);
              continue;
            }
          /* Bytes the server has already: usually an earlier try of this fragment that did
           * arrive. Ask where it stands and go on from there. */
          if (++stalled > MAX_STALLED_FRAGMENTS)
            {
              set_http_error (self, error, msg, response, remote_path);
              return NULL;
            }
          if (!session_status (self, url, remote_path, &offset, &expires, &gone, cancellable,
                               error))
            {
              if (!gone)
                return NULL;
              g_clear_error (error);
              status = SOUP_STATUS_NOT_FOUND;
            }
          else
            continue;
        }
      if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE)
        {
          PdRemoteInfo *ours;

          /* The session expired or was completed by a try whose answer was lost: look before
           * starting the whole upload over. */
          g_debug ("%s: upload session gone", remote_path);
          forget_session (self, key, NULL, cancellable);
          g_clear_pointer (&url, g_free);
          ours = find_our_upload (self, parts, n, remote_path, up, cancellable, error);
          if (ours != NULL || (*error != NULL))
            return ours;
          continue;
        }
      if (status == SOUP_STATUS_CONFLICT && expected == NULL)
        {
          PdRemoteInfo *ours;
          GError *e;

          /* The name was taken while we uploaded. */
          forget_session (self, key, url, cancellable);
          ours = find_our_upload (self, parts, n, remote_path, up, cancellable, error);
          if (ours != NULL || (*error != NULL))
            return ours;
          e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_ALREADY_EXISTS,
                           _("A file named “%s” already exists in the OneDrive of account "
                             "“%s”."), remote_path, self->display_name);
          set_error_details (e, msg);
          g_propagate_error (error, e);
          return NULL;
        }

      set_http_error (self, error, msg, response, remote_path);
      /* Worth resuming later: the session keeps what it has. Anything else ends it. */
      if (!pd_sync_error_is_retryable (*error) &&
          !g_error_matches (*error, PD_SYNC_ERROR, PD_SYNC_ERROR_QUOTA))
        forget_session (self, key, url, cancellable);
      return NULL;
    }
}

/* Workers */

static void
upload_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  PdOnedriveConnector *self = source_object;
  OpData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = NULL;
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autofree char *mime = NULL;
  Upload up = { 0 };
  guint n;

  up.body = _pd_http_read_upload (data->remote_path, data->local_path, &parts, &mime, &error);
  if (up.body == NULL || !check_names (parts, data->remote_path, &error))
    {
      upload_clear (&up);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  n = g_strv_length (parts);
  up.hash = pd_quickxor_hash_data (g_bytes_get_data (up.body, NULL), g_bytes_get_size (up.body));
  up.uuid = data->metadata != NULL ? g_hash_table_lookup (data->metadata, "uuid") : NULL;
  up.description = _pd_onedrive_format_description (data->metadata, &error);
  up.content_type = mime;

  if (error == NULL && ensure_folders (self, parts, n - 1, cancellable, &error))
    {
      if (g_bytes_get_size (up.body) <= SIMPLE_UPLOAD_MAX)
        info = simple_upload (self, parts, n, data->remote_path, data->expected_etag, &up,
                              cancellable, &error);
      else
        info = session_upload (self, parts, n, data->remote_path, data->expected_etag, &up,
                               cancellable, &error);
    }
  upload_clear (&up);

  if (info == NULL)
    {
      g_assert (error != NULL);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&info), (GDestroyNotify) pd_remote_info_free);
}

static void
stat_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  PdOnedriveConnector *self = source_object;
  OpData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = _pd_sync_split_remote_path (data->remote_path, &error);
  PdRemoteInfo *info;

  if (parts == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  info = graph_stat (self, parts, g_strv_length (parts), data->remote_path, NULL, cancellable,
                     &error);
  if (info == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, info, (GDestroyNotify) pd_remote_info_free);
}

/* Streams @stream into @local_path durably; the size read is returned in @written. */
static gboolean
write_stream (PdOnedriveConnector  *self,
              GInputStream         *stream,
              const char           *local_path,
              guint64              *written,
              GCancellable         *cancellable,
              GError              **error)
{
  g_autoptr(PdDurableFile) out = NULL;
  g_autofree guint8 *buffer = NULL;

  /* Local disk problems stay G_IO_ERROR from pd-fs (they say so plainly); a broken download
   * is the network's, and worth retrying. */
  out = pd_durable_file_create (local_path, error);
  if (out == NULL)
    return FALSE;
  buffer = g_malloc (READ_BUFFER_SIZE);
  for (;;)
    {
      g_autoptr(GError) read_error = NULL;
      gssize got = g_input_stream_read (stream, buffer, READ_BUFFER_SIZE, cancellable,
                                        &read_error);

      if (got < 0)
        {
          set_transport_error (self, error, read_error);
          return FALSE;
        }
      if (got == 0)
        break;
      if (!pd_durable_file_write (out, buffer, (gsize) got, error))
        return FALSE;
    }
  *written = pd_durable_file_tell (out);
  return pd_durable_file_commit (g_steal_pointer (&out), error);
}

static void
download_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  PdOnedriveConnector *self = source_object;
  OpData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = _pd_sync_split_remote_path (data->remote_path, &error);
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(SoupMessage) get = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GUri) location = NULL;
  gboolean is_folder = FALSE;
  guint64 written = 0;
  guint n;

  if (parts == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  n = g_strv_length (parts);
  info = graph_stat (self, parts, n, data->remote_path, &is_folder, cancellable, &error);
  if (info == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!info->exists || is_folder)
    {
      g_task_return_new_error (task, PD_SYNC_ERROR, PD_SYNC_ERROR_NOT_FOUND,
                               _("“%s” does not exist in the OneDrive of account “%s”."),
                               data->remote_path, self->display_name);
      return;
    }

  /* Graph answers with a redirect to a short-lived address that needs no token: the token
   * must not follow it there. */
  uri = item_uri (self, parts, n, "content");
  msg = api_call (self, "GET", uri, NULL, NULL, NULL, data->remote_path, &response, cancellable,
                  &error);
  if (msg == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!SOUP_STATUS_IS_REDIRECTION (soup_message_get_status (msg)))
    {
      if (SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
        g_set_error (&error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                     _("OneDrive did not give a download address for “%s” (account “%s”)."),
                     data->remote_path, self->display_name);
      else
        set_http_error (self, &error, msg, response, data->remote_path);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  {
    const char *target = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                       "Location");

    location = target != NULL ? g_uri_parse_relative (soup_message_get_uri (msg), target,
                                                      SOUP_HTTP_URI_FLAGS, NULL)
                              : NULL;
  }
  if (location == NULL)
    {
      g_task_return_new_error (task, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                               _("OneDrive gave a download address for “%s” that is not valid "
                                 "(account “%s”)."), data->remote_path, self->display_name);
      return;
    }

  get = soup_message_new_from_uri ("GET", location);
  soup_message_add_flags (get, SOUP_MESSAGE_NO_REDIRECT);
  stream = soup_session_send (self->session, get, cancellable, &error);
  if (stream == NULL)
    {
      g_autoptr(GError) mapped = NULL;

      set_transport_error (self, &mapped, error);
      g_task_return_error (task, g_steal_pointer (&mapped));
      return;
    }
  g_debug ("GET %s (download): %u", data->remote_path, soup_message_get_status (get));
  if (soup_message_get_status (get) != SOUP_STATUS_OK)
    {
      g_input_stream_close (stream, NULL, NULL);
      set_http_error (self, &error, get, NULL, data->remote_path);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!write_stream (self, stream, data->local_path, &written, cancellable, &error))
    {
      g_input_stream_close (stream, NULL, NULL);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_input_stream_close (stream, NULL, NULL);
  /* Replaced between the look-up and the download: @info would describe another version. */
  if (written != info->size)
    {
      g_task_return_new_error (task, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                               _("“%s” changed in the OneDrive of account “%s” while it was "
                                 "downloaded. Paperdock will try again."),
                               data->remote_path, self->display_name);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&info), (GDestroyNotify) pd_remote_info_free);
}

static void
delete_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  PdOnedriveConnector *self = source_object;
  OpData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = _pd_sync_split_remote_path (data->remote_path, &error);
  g_autofree char *uri = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  if (parts == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  uri = item_uri (self, parts, g_strv_length (parts), NULL);
  msg = api_call (self, "DELETE", uri, data->expected_etag, NULL, NULL, data->remote_path,
                  &response, cancellable, &error);
  if (msg == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      set_http_error (self, &error, msg, response, data->remote_path);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/* Interface */

static const char *
pd_onedrive_connector_get_display_name (PdConnector *connector)
{
  return PD_ONEDRIVE_CONNECTOR (connector)->display_name;
}

static void
pd_onedrive_connector_iface_init (PdConnectorInterface *iface)
{
  iface->get_display_name = pd_onedrive_connector_get_display_name;
  iface->upload_thread = upload_thread;
  iface->stat_thread = stat_thread;
  iface->download_thread = download_thread;
  iface->delete_thread = delete_thread;
}

static void
pd_onedrive_connector_finalize (GObject *object)
{
  PdOnedriveConnector *self = PD_ONEDRIVE_CONNECTOR (object);

  g_clear_object (&self->session);
  g_clear_object (&self->tokens);
  g_clear_object (&self->resume);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->drive_uri, g_free);
  g_clear_pointer (&self->drive_path, g_free);
  g_clear_pointer (&self->known_folders, g_hash_table_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (pd_onedrive_connector_parent_class)->finalize (object);
}

static void
pd_onedrive_connector_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  PdOnedriveConnector *self = PD_ONEDRIVE_CONNECTOR (object);

  switch (prop_id)
    {
    case PROP_DRIVE_URI:
      g_value_set_string (value, self->drive_uri);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_onedrive_connector_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  PdOnedriveConnector *self = PD_ONEDRIVE_CONNECTOR (object);

  switch (prop_id)
    {
    case PROP_DRIVE_URI:
      {
        g_autofree char *uri = g_value_dup_string (value);
        gsize len = uri != NULL ? strlen (uri) : 0;

        while (len > 0 && uri[len - 1] == '/')
          uri[--len] = '\0';
        self->drive_uri = g_steal_pointer (&uri);
      }
      break;
    case PROP_DISPLAY_NAME:
      self->display_name = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_onedrive_connector_class_init (PdOnedriveConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pd_onedrive_connector_finalize;
  object_class->get_property = pd_onedrive_connector_get_property;
  object_class->set_property = pd_onedrive_connector_set_property;

  properties[PROP_DRIVE_URI] =
    g_param_spec_string ("drive-uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  g_object_class_override_property (object_class, PROP_DISPLAY_NAME, "display-name");
}

static void
pd_onedrive_connector_init (PdOnedriveConnector *self)
{
  g_mutex_init (&self->lock);
  self->known_folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->session = _pd_http_session_new (IO_TIMEOUT_SECONDS, IDLE_TIMEOUT_SECONDS);
}

PdConnector *
pd_onedrive_connector_new (const char     *display_name,
                           const char     *drive_uri,
                           PdTokenSource  *tokens,
                           PdResumeStore  *resume,
                           GError        **error)
{
  g_autoptr(GUri) uri = NULL;
  PdHttpLogRules log_rules = { .secret_headers = onedrive_secret_headers };
  PdOnedriveConnector *self;
  const char *scheme;
  const char *host;

  g_return_val_if_fail (display_name != NULL, NULL);
  g_return_val_if_fail (drive_uri != NULL, NULL);
  g_return_val_if_fail (PD_IS_TOKEN_SOURCE (tokens), NULL);
  g_return_val_if_fail (PD_IS_RESUME_STORE (resume), NULL);

  uri = g_uri_parse (drive_uri, SOUP_HTTP_URI_FLAGS, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  host = uri != NULL ? g_uri_get_host (uri) : NULL;
  /* Plain http only to this machine: the token must never cross a network in the clear. */
  if (uri == NULL || host == NULL || *host == '\0' ||
      !(g_strcmp0 (scheme, "https") == 0 ||
        (g_strcmp0 (scheme, "http") == 0 && g_strcmp0 (host, "127.0.0.1") == 0)) ||
      g_uri_get_query (uri) != NULL || g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                   _("“%s” is not a OneDrive address. It should look like "
                     "https://graph.microsoft.com/v1.0/me/drive."), drive_uri);
      return NULL;
    }

  self = g_object_new (PD_TYPE_ONEDRIVE_CONNECTOR,
                       "display-name", display_name,
                       "drive-uri", drive_uri,
                       NULL);
  self->tokens = g_object_ref (tokens);
  self->resume = g_object_ref (resume);
  self->drive_path = g_strdup (g_uri_get_path (uri));
  log_rules.api_path = self->drive_path;
  /* The debug log (G_MESSAGES_DEBUG=pd-sync): bearer tokens and cookies masked, and the
   * addresses of upload sessions and downloads, which are credentials themselves (their
   * Location headers, and request lines outside the drive's own path). */
  _pd_http_session_add_log (self->session, &log_rules);
  return PD_CONNECTOR (self);
}

const char *
pd_onedrive_connector_get_drive_uri (PdOnedriveConnector *self)
{
  g_return_val_if_fail (PD_IS_ONEDRIVE_CONNECTOR (self), NULL);
  return self->drive_uri;
}
