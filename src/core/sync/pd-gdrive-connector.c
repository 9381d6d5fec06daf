/* pd-gdrive-connector.c: syncing to Google Drive through the Drive API v3 with libsoup 3.
 *
 * Each call runs as a GTask on a worker thread and sends blocking requests through one shared
 * SoupSession, as the WebDAV connector does. Every API request carries a bearer token from the
 * PdTokenSource; a 401 asks the source once more (naming the refused token, so it refreshes)
 * and sends again, and a second 401 means "sign in again".
 *
 * Drive keys files by id; a name is only an attribute, so two uploads into the same new folder
 * would happily make two folders of that name. Folders are therefore found or created one at a
 * time per connector (a mutex held across the whole walk) and their ids cached; when several
 * folders share a name the oldest wins (createdTime, then id), so every client picks the same.
 *
 * A file is looked up by name in its parent, and recognised as the document's by the "uuid"
 * kept in its appProperties (private to Paperdock's OAuth client, so nobody edits it by hand).
 * A new upload first asks files.generateIds for its id and keeps {id, session URI} in the
 * PdResumeStore before the first byte goes out; after any failure or a restart the session is
 * asked where it stands ("Content-Range: bytes *\/TOTAL") and continued, and an expired session
 * is replaced by a new one for the SAME id, so that Drive itself refuses (409) to make the file
 * twice. Updates (expected_etag = the Drive `version` this connector returned as etag) compare
 * the version first, then PATCH a resumable upload onto the same file id.
 *
 * Metadata goes into `properties` (at most 124 bytes of key plus value each: longer values are
 * cut at a UTF-8 character boundary) and, complete, into the `description`, one "key: value"
 * line each; stat reads both back. Size and md5Checksum are compared with the local file after
 * every upload.
 *
 * Security: the token only goes into Authorization headers, never to the session URI requests
 * (the session URI is itself a credential) and never into a log; neither does a session URI:
 * the optional HTTP debug log drops query strings and Location headers. Redirects are not
 * followed. TLS certificates are always verified.
 *
 * Chunk size: PD_GDRIVE_DEFAULT_CHUNK_SIZE, or the "chunk-size" property, or
 * PAPERDOCK_GDRIVE_CHUNK_SIZE in the environment (tests use 256 KiB). */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "pd-fs.h"
#include "pd-gdrive-connector.h"
#include "pd-gdrive-private.h"
#include "pd-http.h"
#include "pd-http-range.h"
#include "pd-secret.h"
#include "pd-sync-private.h"

#define FOLDER_MIME "application/vnd.google-apps.folder"
#define FILE_FIELDS "id,name,mimeType,size,md5Checksum,version,createdTime,modifiedTime," \
                    "appProperties,properties,description"
#define PROPERTY_LIMIT 124        /* bytes of key + value, Drive's limit */
#define MAX_PROPERTIES 30         /* public properties per app and file */
#define MAX_CHUNK_FAILURES 3      /* interruptions survived inside one call */
#define MAX_SESSION_RESTARTS 2    /* expired sessions replaced inside one call */
#define THROTTLE_HINT_CAP 64      /* seconds: Google's "maximum_backoff" */
#define IO_TIMEOUT_SECONDS 60
#define IDLE_TIMEOUT_SECONDS 30

static const char * const gdrive_secret_headers[] = { "Location", "X-GUploader-UploadID", NULL };
static const PdHttpLogRules gdrive_log_rules = {
  .secret_headers = gdrive_secret_headers,
  .redact_queries = TRUE,
};
#define READ_BUFFER_SIZE (128 * 1024)

struct _PdGdriveConnector
{
  GObject parent_instance;

  /* owned, immutable after construction: read from worker threads */
  char          *display_name;
  char          *api_uri;         /* no trailing '/' */
  char          *root_folder_id;
  PdTokenSource *tokens;
  PdResumeStore *resume;
  SoupSession   *session;

  /* atomic */
  guint          chunk_size;
  gint           throttle_streak; /* throttled answers in a row, for backoff hints */

  /* owned, guarded by folder_lock, which is held across a whole find-or-create walk */
  GMutex         folder_lock;
  GHashTable    *folders;         /* folder path ("" for the root) -> Drive id */
};

enum {
  PROP_0,
  PROP_API_URI,
  PROP_ROOT_FOLDER_ID,
  PROP_CHUNK_SIZE,
  N_PROPS,
  PROP_DISPLAY_NAME = N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void pd_gdrive_connector_iface_init (PdConnectorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PdGdriveConnector, pd_gdrive_connector, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PD_TYPE_CONNECTOR,
                                                      pd_gdrive_connector_iface_init))

typedef PdConnectorOp OpData;

/* A file or folder as files.list or files.get describe it. */
typedef struct {
  char         *id;
  char         *md5;
  char         *mime;
  gint64        created;  /* µs since the epoch, 0 if unknown */
  PdRemoteInfo *info;
} DriveEntry;

static void
drive_entry_free (DriveEntry *entry)
{
  g_free (entry->id);
  g_free (entry->md5);
  g_free (entry->mime);
  g_clear_pointer (&entry->info, pd_remote_info_free);
  g_free (entry);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DriveEntry, drive_entry_free)

/* Parsing */

static gint64
parse_time (const char *value)
{
  g_autoptr(GDateTime) dt = value != NULL ? g_date_time_new_from_iso8601 (value, NULL) : NULL;

  return dt != NULL ? g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt)
                    : 0;
}

static const char *
member_string (JsonObject *obj,
               const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Drive sends int64 fields as strings; accept a plain number too. */
static gboolean
member_uint64 (JsonObject *obj,
               const char *name,
               guint64    *value)
{
  JsonNode *node = json_object_get_member (obj, name);
  const char *text;

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      gint64 n = json_node_get_int (node);

      if (n < 0)
        return FALSE;
      *value = (guint64) n;
      return TRUE;
    }
  text = member_string (obj, name);
  return text != NULL && g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, value, NULL);
}

/* Description lines are "key: value" with '\' and newlines escaped. */
static void
escape_line_value (GString    *out,
                   const char *value)
{
  for (const char *c = value; *c != '\0'; c++)
    if (*c == '\\')
      g_string_append (out, "\\\\");
    else if (*c == '\n')
      g_string_append (out, "\\n");
    else if (*c == '\r')
      g_string_append (out, "\\r");
    else
      g_string_append_c (out, *c);
}

static char *
unescape_line_value (const char *value)
{
  GString *out = g_string_new (NULL);

  for (const char *c = value; *c != '\0'; c++)
    {
      if (*c == '\\' && c[1] == 'n')
        g_string_append_c (out, '\n'), c++;
      else if (*c == '\\' && c[1] == 'r')
        g_string_append_c (out, '\r'), c++;
      else if (*c == '\\' && c[1] == '\\')
        g_string_append_c (out, '\\'), c++;
      else
        g_string_append_c (out, *c);
    }
  return g_string_free (out, FALSE);
}

static void
copy_string_members (JsonObject *obj,
                     GHashTable *into)
{
  g_autoptr(GList) members = obj != NULL ? json_object_get_members (obj) : NULL;

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *value = member_string (obj, l->data);

      if (value != NULL)
        g_hash_table_replace (into, g_strdup (l->data), g_strdup (value));
    }
}

static JsonObject *
member_object (JsonObject *obj,
               const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* The metadata Paperdock attached: properties, where a value was cut to fit Drive's limit the
 * whole value from the description, and the uuid from appProperties, which only Paperdock can
 * write. */
static void
read_metadata (JsonObject *obj,
               GHashTable *metadata)
{
  const char *description = member_string (obj, "description");
  JsonObject *app = member_object (obj, "appProperties");

  copy_string_members (member_object (obj, "properties"), metadata);
  if (description != NULL)
    {
      g_auto(GStrv) lines = g_strsplit (description, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          const char *sep = strstr (lines[i], ": ");
          g_autofree char *key = NULL;
          g_autofree char *value = NULL;
          const char *have;

          if (sep == NULL || sep == lines[i])
            continue;
          key = g_strndup (lines[i], sep - lines[i]);
          value = unescape_line_value (sep + 2);
          have = g_hash_table_lookup (metadata, key);
          if (have != NULL && !g_str_has_prefix (value, have))
            continue;  /* the description was edited: the property is the truth */
          if (have != NULL || g_utf8_validate (value, -1, NULL))
            g_hash_table_replace (metadata, g_steal_pointer (&key), g_steal_pointer (&value));
        }
    }
  if (app != NULL && member_string (app, "uuid") != NULL)
    g_hash_table_replace (metadata, g_strdup ("uuid"), g_strdup (member_string (app, "uuid")));
}

static gboolean
parse_file_object (JsonObject    *obj,
                   DriveEntry    *entry,
                   GError       **error)
{
  const char *id = member_string (obj, "id");
  const char *version = member_string (obj, "version");
  const char *modified = member_string (obj, "modifiedTime");
  guint64 n;

  if (id == NULL || *id == '\0')
    {
      g_set_error_literal (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                           _("Google Drive described a file without an id."));
      return FALSE;
    }
  entry->id = g_strdup (id);
  entry->md5 = g_strdup (member_string (obj, "md5Checksum"));
  entry->mime = g_strdup (member_string (obj, "mimeType"));
  entry->created = parse_time (member_string (obj, "createdTime"));
  entry->info->exists = TRUE;
  if (member_uint64 (obj, "size", &n))
    entry->info->size = n;
  g_clear_pointer (&entry->info->etag, g_free);
  if (version != NULL)
    entry->info->etag = g_strdup (version);
  else if (member_uint64 (obj, "version", &n))
    entry->info->etag = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  entry->info->modified = parse_time (modified) / G_USEC_PER_SEC;
  read_metadata (obj, entry->info->metadata);
  return TRUE;
}

static JsonNode *
parse_json (const char  *json,
            gsize        len,
            GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (len > G_MAXSSIZE ||
      !json_parser_load_from_data (parser, json, (gssize) len, &local_error))
    {
      /* json-glib quotes the bad bytes in its message, and they need not be UTF-8. */
      g_autofree char *why = local_error != NULL ? g_utf8_make_valid (local_error->message, -1)
                                                 : NULL;

      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                   _("Google Drive gave an answer Paperdock does not understand (%s)."),
                   why != NULL ? why : _("too long"));
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                           _("Google Drive gave an answer Paperdock does not understand."));
      return NULL;
    }
  return json_node_ref (root);
}

gboolean
_pd_gdrive_parse_file (const char    *json,
                       gsize          len,
                       PdRemoteInfo  *info,
                       char         **file_id,
                       char         **md5,
                       GError       **error)
{
  g_autoptr(JsonNode) root = NULL;
  DriveEntry entry = { NULL, NULL, NULL, 0, info };

  g_return_val_if_fail (info != NULL, FALSE);

  root = parse_json (json, len, error);
  if (root == NULL)
    return FALSE;
  if (!parse_file_object (json_node_get_object (root), &entry, error))
    return FALSE;
  if (file_id != NULL)
    *file_id = g_steal_pointer (&entry.id);
  if (md5 != NULL)
    *md5 = g_steal_pointer (&entry.md5);
  g_free (entry.id);
  g_free (entry.md5);
  g_free (entry.mime);
  return TRUE;
}

gboolean
_pd_gdrive_parse_error (const char  *json,
                        gsize        len,
                        char       **reason,
                        char       **message)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *error_obj;
  JsonNode *errors;

  if (reason != NULL)
    *reason = NULL;
  if (message != NULL)
    *message = NULL;
  if (json == NULL || len == 0)
    return FALSE;
  root = parse_json (json, len, NULL);
  if (root == NULL)
    return FALSE;
  error_obj = member_object (json_node_get_object (root), "error");
  if (error_obj == NULL)
    return FALSE;
  errors = json_object_get_member (error_obj, "errors");
  if (reason != NULL && errors != NULL && JSON_NODE_HOLDS_ARRAY (errors) &&
      json_array_get_length (json_node_get_array (errors)) > 0)
    {
      JsonNode *first = json_array_get_element (json_node_get_array (errors), 0);

      if (JSON_NODE_HOLDS_OBJECT (first))
        *reason = g_strdup (member_string (json_node_get_object (first), "reason"));
    }
  if (message != NULL)
    *message = g_strdup (member_string (error_obj, "message"));
  return TRUE;
}

/* Errors */

/* Seconds to suggest when Drive throttles without Retry-After: Google's truncated exponential
 * backoff, 2^n plus up to a second of jitter, capped, n counting throttles in a row. */
static gint64
throttle_hint (PdGdriveConnector *self)
{
  gint streak = g_atomic_int_add (&self->throttle_streak, 1);

  return MIN ((gint64) 1 << MIN (streak, 6), THROTTLE_HINT_CAP) + g_random_int_range (0, 2);
}

static gint64
retry_after_of (SoupMessage *msg)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  const char *value = soup_message_headers_get_one (headers, "Retry-After");
  const char *date = soup_message_headers_get_one (headers, "Date");
  g_autoptr(GDateTime) server_now = date != NULL ? soup_date_time_new_from_http_string (date) : NULL;

  return pd_sync_parse_retry_after (value, server_now);
}

static char *
plain_reason (const char *reason,
              const char *message)
{
  if (g_strcmp0 (reason, "insufficientFilePermissions") == 0)
    return g_strdup (_("the account may only view or comment in this folder, not add files"));
  if (g_strcmp0 (reason, "domainPolicy") == 0)
    return g_strdup (_("the organisation’s Google Workspace policy does not allow Paperdock"));
  if (g_strcmp0 (reason, "appNotAuthorizedToFile") == 0)
    return g_strdup (_("Paperdock was not given access to this file or folder"));
  if (g_strcmp0 (reason, "cannotAddParent") == 0 || g_strcmp0 (reason, "cannotModifyParent") == 0)
    return g_strdup (_("files cannot be added to this folder"));
  if (message != NULL && *message != '\0')
    return g_strdup (message);
  return g_strdup (_("no reason was given"));
}

/* What Drive's answer means for the engine, in words for the person. */
static void
set_http_error (PdGdriveConnector  *self,
                GError            **error,
                SoupMessage        *msg,
                GBytes             *response,
                const char         *remote_path)
{
  guint status = soup_message_get_status (msg);
  const char *name = self->display_name;
  g_autofree char *reason = NULL;
  g_autofree char *message = NULL;
  gint64 retry_after = retry_after_of (msg);
  GError *e;

  if (response != NULL)
    _pd_gdrive_parse_error (g_bytes_get_data (response, NULL), g_bytes_get_size (response),
                            &reason, &message);

  if (status == SOUP_STATUS_UNAUTHORIZED)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_AUTH_REQUIRED,
                     _("Google Drive refused the sign-in of account “%s”. Sign in again."), name);
  else if (status == 429 ||
           (status == SOUP_STATUS_FORBIDDEN &&
            (g_strcmp0 (reason, "rateLimitExceeded") == 0 ||
             g_strcmp0 (reason, "userRateLimitExceeded") == 0 ||
             g_strcmp0 (reason, "dailyLimitExceeded") == 0 ||
             g_strcmp0 (reason, "quotaExceeded") == 0)) ||
           (status == SOUP_STATUS_SERVICE_UNAVAILABLE && retry_after >= 0))
    {
      e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_THROTTLED,
                       _("Google Drive asked Paperdock to slow down for account “%s” (HTTP %u%s%s). "
                         "Paperdock will try again after a pause."), name, status,
                       reason != NULL ? ", " : "", reason != NULL ? reason : "");
      if (retry_after < 0)
        retry_after = throttle_hint (self);
    }
  else if (status == SOUP_STATUS_FORBIDDEN &&
           (g_strcmp0 (reason, "storageQuotaExceeded") == 0 ||
            g_strcmp0 (reason, "teamDriveFileLimitExceeded") == 0))
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_QUOTA,
                     _("The Google Drive of account “%s” is full. Free some space there or buy "
                       "more storage, then sync again."), name);
  else if (status == SOUP_STATUS_FORBIDDEN)
    {
      g_autofree char *why = plain_reason (reason, message);

      e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_FORBIDDEN,
                       _("Google Drive did not let account “%s” save “%s”: %s."), name,
                       remote_path, why);
    }
  else if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_NOT_FOUND,
                     _("“%s” does not exist in the Google Drive of account “%s”."), remote_path,
                     name);
  else if (status == SOUP_STATUS_PRECONDITION_FAILED || status == SOUP_STATUS_CONFLICT)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT,
                     _("“%s” was changed in the Google Drive of account “%s” since it was last "
                       "synced."), remote_path, name);
  else if (status == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_TOO_LARGE,
                     _("Google Drive refused “%s” for account “%s”: the file is too large."),
                     remote_path, name);
  else if (status == SOUP_STATUS_REQUEST_TIMEOUT || status >= 500)
    {
      e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                       _("Google Drive could not take “%s” for account “%s” right now (HTTP %u). "
                         "Paperdock will try again later."), remote_path, name, status);
      if (retry_after < 0)
        retry_after = throttle_hint (self);
    }
  else
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                     _("Google Drive refused “%s” for account “%s” (HTTP %u: %s)."), remote_path,
                     name, status, message != NULL ? message : soup_message_get_reason_phrase (msg));

  _pd_sync_error_set_details (e, status, retry_after);
  g_propagate_error (error, e);
}

static void
set_transport_error (PdGdriveConnector  *self,
                     GError            **error,
                     GError             *cause)
{
  if (cause->domain == PD_SYNC_ERROR)
    g_propagate_error (error, g_error_copy (cause));
  else if (_pd_http_set_common_transport_error (error, cause))
    return;
  else if (cause->domain == G_TLS_ERROR)
    g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CERTIFICATE,
                 _("The identity of Google Drive for account “%s” could not be verified (%s). "
                   "Nothing was sent to it."), self->display_name, cause->message);
  else
    _pd_http_set_unreachable_error (error, cause, "Google Drive", self->display_name);
}

/* Requests */

/* Only the path: a session URI's query is a credential. */
static const char *
log_path (SoupMessage *msg)
{
  return g_uri_get_path (soup_message_get_uri (msg));
}

/* Sends one request. @headers is NULL or NULL-terminated name/value pairs. With @authorize the
 * bearer token goes along, and a 401 gets one more try with a refreshed token. Returns the
 * response body and the message in @out_msg, or NULL with a PD_SYNC_ERROR (or
 * G_IO_ERROR_CANCELLED) when no answer arrived. HTTP error statuses are the caller's to judge. */
static GBytes *
send_request (PdGdriveConnector  *self,
              const char         *method,
              const char         *uri,
              GBytes             *body,
              const char         *content_type,
              const char * const *headers,
              gboolean            authorize,
              SoupMessage       **out_msg,
              GCancellable       *cancellable,
              GError            **error)
{
  g_autoptr(PdSecretText) token = NULL;

  for (guint attempt = 0;; attempt++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GBytes) response = NULL;

      if (msg == NULL)
        {
          g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                       _("Google Drive gave account “%s” an address Paperdock cannot use."),
                       self->display_name);
          return NULL;
        }
      if (authorize)
        {
          g_autofree char *value = NULL;

          if (token == NULL)
            {
              token = pd_token_source_get_token (self->tokens, NULL, cancellable, error);
              if (token == NULL)
                return NULL;
            }
          value = g_strconcat ("Bearer ", token, NULL);
          soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                        value);
          memset (value, 0, strlen (value));
        }
      for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
        soup_message_headers_replace (soup_message_get_request_headers (msg), headers[i],
                                      headers[i + 1]);
      soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
      if (body != NULL)
        _pd_http_message_set_body (msg, body, content_type);
      else if (strcmp (method, "GET") != 0 && strcmp (method, "DELETE") != 0)
        soup_message_headers_set_content_length (soup_message_get_request_headers (msg), 0);

      response = soup_session_send_and_read (self->session, msg, cancellable, &local_error);
      if (response == NULL)
        {
          g_debug ("%s %s failed: %s", method, log_path (msg), local_error->message);
          set_transport_error (self, error, local_error);
          return NULL;
        }
      g_debug ("%s %s: %u", method, log_path (msg), soup_message_get_status (msg));

      if (soup_message_get_status (msg) == SOUP_STATUS_UNAUTHORIZED && authorize && attempt == 0)
        {
          /* Expired or revoked: the source refreshes once, since we name the refused token. */
          g_autoptr(PdSecretText) refused = g_steal_pointer (&token);

          token = pd_token_source_get_token (self->tokens, refused, cancellable, error);
          if (token == NULL)
            return NULL;
          continue;
        }
      *out_msg = g_steal_pointer (&msg);
      return g_steal_pointer (&response);
    }
}

static GBytes *
send_json (PdGdriveConnector  *self,
           const char         *method,
           const char         *uri,
           JsonBuilder        *builder,
           const char * const *headers,
           SoupMessage       **out_msg,
           GCancellable       *cancellable,
           GError            **error)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autoptr(GBytes) body = NULL;
  gsize len;
  char *text;

  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  body = g_bytes_new_take (text, len);
  return send_request (self, method, uri, body, "application/json; charset=UTF-8", headers, TRUE,
                       out_msg, cancellable, error);
}

static char *
escape_q (const char *value)
{
  GString *out = g_string_new (NULL);

  for (const char *c = value; *c != '\0'; c++)
    {
      if (*c == '\\' || *c == '\'')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *c);
    }
  return g_string_free (out, FALSE);
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const DriveEntry *ea = *(DriveEntry **) a, *eb = *(DriveEntry **) b;

  if (ea->created != eb->created)
    return ea->created < eb->created ? -1 : 1;
  return g_strcmp0 (ea->id, eb->id);
}

/* Children of @parent_id called @name, folders or files, oldest first (ties by id). */
static GPtrArray *
list_named (PdGdriveConnector  *self,
            const char         *parent_id,
            const char         *name,
            gboolean            folders,
            const char         *remote_path,
            GCancellable       *cancellable,
            GError            **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) drive_entry_free);
  g_autofree char *esc_name = escape_q (name);
  g_autofree char *esc_parent = escape_q (parent_id);
  g_autofree char *q = g_strdup_printf ("name = '%s' and '%s' in parents and mimeType %s '"
                                        FOLDER_MIME "' and trashed = false", esc_name, esc_parent,
                                        folders ? "=" : "!=");
  g_autofree char *q_esc = g_uri_escape_string (q, NULL, FALSE);
  g_autofree char *fields = g_uri_escape_string ("nextPageToken,files(" FILE_FIELDS ")", NULL,
                                                 FALSE);
  g_autofree char *page = NULL;

  do
    {
      g_autofree char *page_esc = page != NULL ? g_uri_escape_string (page, NULL, FALSE) : NULL;
      g_autofree char *uri = g_strdup_printf ("%s/drive/v3/files?q=%s&fields=%s&spaces=drive&"
                                              "orderBy=createdTime&pageSize=100%s%s",
                                              self->api_uri, q_esc, fields,
                                              page != NULL ? "&pageToken=" : "",
                                              page != NULL ? page_esc : "");
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) response = NULL;
      g_autoptr(JsonNode) root = NULL;
      JsonNode *files;

      response = send_request (self, "GET", uri, NULL, NULL, NULL, TRUE, &msg, cancellable, error);
      if (response == NULL)
        return NULL;
      if (soup_message_get_status (msg) != SOUP_STATUS_OK)
        {
          set_http_error (self, error, msg, response, remote_path);
          return NULL;
        }
      root = parse_json (g_bytes_get_data (response, NULL), g_bytes_get_size (response), error);
      if (root == NULL)
        return NULL;
      files = json_object_get_member (json_node_get_object (root), "files");
      if (files != NULL && JSON_NODE_HOLDS_ARRAY (files))
        {
          JsonArray *array = json_node_get_array (files);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonNode *node = json_array_get_element (array, i);
              g_autoptr(DriveEntry) entry = g_new0 (DriveEntry, 1);

              entry->info = pd_remote_info_new ();
              if (!JSON_NODE_HOLDS_OBJECT (node) ||
                  !parse_file_object (json_node_get_object (node), entry, NULL))
                continue;
              g_ptr_array_add (entries, g_steal_pointer (&entry));
            }
        }
      g_free (page);
      page = g_strdup (member_string (json_node_get_object (root), "nextPageToken"));
    }
  while (page != NULL);

  g_ptr_array_sort (entries, compare_entries);
  return g_steal_pointer (&entries);
}

static DriveEntry *
get_file (PdGdriveConnector  *self,
          const char         *id,
          const char         *remote_path,
          GCancellable       *cancellable,
          GError            **error)
{
  g_autofree char *id_esc = g_uri_escape_string (id, NULL, FALSE);
  g_autofree char *uri = g_strdup_printf ("%s/drive/v3/files/%s?fields=" FILE_FIELDS,
                                          self->api_uri, id_esc);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autoptr(DriveEntry) entry = g_new0 (DriveEntry, 1);
  g_autoptr(JsonNode) root = NULL;

  response = send_request (self, "GET", uri, NULL, NULL, NULL, TRUE, &msg, cancellable, error);
  if (response == NULL)
    return NULL;
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      set_http_error (self, error, msg, response, remote_path);
      return NULL;
    }
  root = parse_json (g_bytes_get_data (response, NULL), g_bytes_get_size (response), error);
  entry->info = pd_remote_info_new ();
  if (root == NULL || !parse_file_object (json_node_get_object (root), entry, error))
    return NULL;
  return g_steal_pointer (&entry);
}

/* Folders */

static char *
folder_key (char  **parts,
            guint   n)
{
  g_autoptr(GString) path = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (path, "%s%s", i > 0 ? "/" : "", parts[i]);
  return g_string_free (g_steal_pointer (&path), FALSE);
}

static char *
create_folder (PdGdriveConnector  *self,
               const char         *parent_id,
               const char         *name,
               const char         *path,
               GCancellable       *cancellable,
               GError            **error)
{
  g_autofree char *uri = g_strdup_printf ("%s/drive/v3/files?fields=id", self->api_uri);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autoptr(JsonNode) root = NULL;
  const char *id;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "mimeType");
  json_builder_add_string_value (b, FOLDER_MIME);
  json_builder_set_member_name (b, "parents");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, parent_id);
  json_builder_end_array (b);
  json_builder_end_object (b);

  response = send_json (self, "POST", uri, b, NULL, &msg, cancellable, error);
  if (response == NULL)
    return NULL;
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      set_http_error (self, error, msg, response, path);
      g_prefix_error (error, _("Could not create the folder “%s”: "), path);
      return NULL;
    }
  root = parse_json (g_bytes_get_data (response, NULL), g_bytes_get_size (response), error);
  if (root == NULL)
    return NULL;
  id = member_string (json_node_get_object (root), "id");
  if (id == NULL)
    {
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                   _("Google Drive did not say which folder it made for “%s”."), path);
      return NULL;
    }
  g_debug ("folder %s created", path);
  return g_strdup (id);
}

/* The id of the folder holding the first @n_dirs segments of @parts, creating what is missing
 * when @create. Without @create a missing folder gives NULL and no error. One walk at a time:
 * Drive would make two folders of the same name for two concurrent uploads. */
static char *
resolve_folder (PdGdriveConnector  *self,
                char              **parts,
                guint               n_dirs,
                gboolean            create,
                GCancellable       *cancellable,
                GError            **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->folder_lock);
  const char *parent = self->root_folder_id;

  for (guint i = 0; i < n_dirs; i++)
    {
      g_autofree char *key = folder_key (parts, i + 1);
      const char *known = g_hash_table_lookup (self->folders, key);
      g_autoptr(GPtrArray) found = NULL;
      char *id;

      if (known != NULL)
        {
          parent = known;
          continue;
        }
      found = list_named (self, parent, parts[i], TRUE, key, cancellable, error);
      if (found == NULL)
        return NULL;
      if (found->len > 1)
        g_debug ("%u folders named %s: using the oldest", found->len, key);
      if (found->len > 0)
        id = g_strdup (((DriveEntry *) found->pdata[0])->id);
      else if (!create)
        return NULL;
      else if ((id = create_folder (self, parent, parts[i], key, cancellable, error)) == NULL)
        return NULL;
      g_hash_table_replace (self->folders, g_steal_pointer (&key), id);
      parent = id;
    }
  return g_strdup (parent);
}

static void
forget_folders (PdGdriveConnector *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->folder_lock);

  g_hash_table_remove_all (self->folders);
}

/* The file @remote_path names (the oldest if several do), or NULL with @error unset when there
 * is none. */
static DriveEntry *
find_file (PdGdriveConnector  *self,
           const char         *remote_path,
           GCancellable       *cancellable,
           GError            **error)
{
  g_auto(GStrv) parts = _pd_sync_split_remote_path (remote_path, error);
  g_autofree char *parent = NULL;
  g_autoptr(GPtrArray) found = NULL;
  guint n;

  if (parts == NULL)
    return NULL;
  n = g_strv_length (parts);
  parent = resolve_folder (self, parts, n - 1, FALSE, cancellable, error);
  if (parent == NULL)
    return NULL;
  found = list_named (self, parent, parts[n - 1], FALSE, remote_path, cancellable, error);
  if (found == NULL || found->len == 0)
    return NULL;
  return g_ptr_array_steal_index (found, 0);
}

/* Uploads */

/* What must survive a restart to resume an upload, kept in the resume store (a secret: the
 * session URI lets anyone write the file). */
typedef struct {
  char    *session;  /* NULL until the session is opened */
  char    *id;       /* the pre-generated id, or the file being replaced */
  gboolean update;
  char    *md5;
  guint64  size;
} ResumeRecord;

static void
resume_record_free (ResumeRecord *record)
{
  g_clear_pointer (&record->session, pd_secret_free);
  g_free (record->id);
  g_free (record->md5);
  g_free (record);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ResumeRecord, resume_record_free)

static gboolean
save_record (PdGdriveConnector  *self,
             const char         *key,
             const ResumeRecord *record,
             GCancellable       *cancellable,
             GError            **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(PdSecretText) text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, record->id);
  json_builder_set_member_name (b, "update");
  json_builder_add_boolean_value (b, record->update);
  json_builder_set_member_name (b, "md5");
  json_builder_add_string_value (b, record->md5);
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, (gint64) record->size);
  if (record->session != NULL)
    {
      json_builder_set_member_name (b, "session");
      json_builder_add_string_value (b, record->session);
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  return pd_resume_store_save (self->resume, key, text, cancellable, error);
}

static ResumeRecord *
load_record (PdGdriveConnector  *self,
             const char         *key,
             GCancellable       *cancellable,
             GError            **error)
{
  g_autoptr(PdSecretText) text = pd_resume_store_lookup (self->resume, key, cancellable, error);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(ResumeRecord) record = NULL;
  JsonObject *obj;
  guint64 size;

  if (text == NULL)
    return NULL;
  root = parse_json (text, strlen (text), NULL);
  if (root == NULL)
    return NULL;
  obj = json_node_get_object (root);
  if (member_string (obj, "id") == NULL || member_string (obj, "md5") == NULL ||
      !member_uint64 (obj, "size", &size))
    return NULL;
  record = g_new0 (ResumeRecord, 1);
  record->id = g_strdup (member_string (obj, "id"));
  record->md5 = g_strdup (member_string (obj, "md5"));
  record->size = size;
  record->update = json_object_get_boolean_member_with_default (obj, "update", FALSE);
  record->session = g_strdup (member_string (obj, "session"));
  return g_steal_pointer (&record);
}

static void
clear_record (PdGdriveConnector *self,
              const char        *key)
{
  g_autoptr(GError) error = NULL;

  if (!pd_resume_store_clear (self->resume, key, NULL, &error))
    g_warning ("Could not forget a finished Google Drive upload: %s", error->message);
}

/* Cuts @value to at most @max bytes without splitting a UTF-8 character. */
static char *
truncate_utf8 (const char *value,
               gsize       max)
{
  if (strlen (value) <= max)
    return g_strdup (value);
  while (max > 0 && ((guchar) value[max] & 0xC0) == 0x80)
    max--;
  return g_strndup (value, max);
}

static int
compare_keys (gconstpointer a,
              gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

/* The file resource fields that carry Paperdock's metadata. */
static void
add_metadata_members (JsonBuilder *b,
                      GHashTable  *metadata)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autoptr(GString) description = g_string_new (NULL);
  const char *uuid = metadata != NULL ? g_hash_table_lookup (metadata, "uuid") : NULL;
  guint n_props = 0;

  if (metadata == NULL)
    return;
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, metadata);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_ptr_array_add (keys, key);
  }
  g_ptr_array_sort (keys, compare_keys);

  if (uuid != NULL)
    {
      json_builder_set_member_name (b, "appProperties");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "uuid");
      json_builder_add_string_value (b, uuid);
      json_builder_end_object (b);
    }

  json_builder_set_member_name (b, "properties");
  json_builder_begin_object (b);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = keys->pdata[i];
      g_autofree char *value = g_utf8_make_valid (g_hash_table_lookup (metadata, key), -1);

      g_string_append_printf (description, "%s%s: ", description->len > 0 ? "\n" : "", key);
      escape_line_value (description, value);
      /* uuid and revision first: the engine cannot do without them. */
      if (strlen (key) >= PROPERTY_LIMIT || !g_utf8_validate (key, -1, NULL) ||
          n_props >= MAX_PROPERTIES ||
          (n_props >= MAX_PROPERTIES - 2 && strcmp (key, "uuid") != 0 &&
           strcmp (key, "revision") != 0))
        continue;
      {
        g_autofree char *cut = truncate_utf8 (value, PROPERTY_LIMIT - strlen (key));

        json_builder_set_member_name (b, key);
        json_builder_add_string_value (b, cut);
        n_props++;
      }
    }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, description->str);
}

static char *
generate_id (PdGdriveConnector  *self,
             const char         *remote_path,
             GCancellable       *cancellable,
             GError            **error)
{
  g_autofree char *uri = g_strdup_printf ("%s/drive/v3/files/generateIds?count=1&space=drive&"
                                          "type=files", self->api_uri);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonNode *ids;

  response = send_request (self, "GET", uri, NULL, NULL, NULL, TRUE, &msg, cancellable, error);
  if (response == NULL)
    return NULL;
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      set_http_error (self, error, msg, response, remote_path);
      return NULL;
    }
  root = parse_json (g_bytes_get_data (response, NULL), g_bytes_get_size (response), error);
  if (root == NULL)
    return NULL;
  ids = json_object_get_member (json_node_get_object (root), "ids");
  if (ids == NULL || !JSON_NODE_HOLDS_ARRAY (ids) ||
      json_array_get_length (json_node_get_array (ids)) == 0 ||
      json_array_get_string_element (json_node_get_array (ids), 0) == NULL)
    {
      g_set_error_literal (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                           _("Google Drive did not hand out a file id."));
      return NULL;
    }
  return g_strdup (json_array_get_string_element (json_node_get_array (ids), 0));
}

typedef struct {
  const char  *remote_path;
  const char  *name;
  const char  *parent_id;
  const char  *mime;
  GHashTable  *metadata;
  GBytes      *body;
  const char  *md5;
} Upload;

/* Opens a resumable session for @record (POST for a new file with its pre-generated id, PATCH
 * onto the file being replaced) and sets record->session. A 409 on a new file means a file
 * with that id exists already: *exists is set and no error. */
static gboolean
open_session (PdGdriveConnector  *self,
              const Upload       *up,
              ResumeRecord       *record,
              gboolean           *exists,
              GCancellable       *cancellable,
              GError            **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *length = g_strdup_printf ("%" G_GUINT64_FORMAT, record->size);
  const char *headers[] = { "X-Upload-Content-Type", up->mime,
                            "X-Upload-Content-Length", length, NULL };
  const char *location;
  guint status;

  *exists = FALSE;
  json_builder_begin_object (b);
  if (!record->update)
    {
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, record->id);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, up->name);
      json_builder_set_member_name (b, "mimeType");
      json_builder_add_string_value (b, up->mime);
      json_builder_set_member_name (b, "parents");
      json_builder_begin_array (b);
      json_builder_add_string_value (b, up->parent_id);
      json_builder_end_array (b);
    }
  add_metadata_members (b, up->metadata);
  json_builder_end_object (b);

  if (record->update)
    {
      g_autofree char *id_esc = g_uri_escape_string (record->id, NULL, FALSE);

      uri = g_strdup_printf ("%s/upload/drive/v3/files/%s?uploadType=resumable&fields="
                             FILE_FIELDS, self->api_uri, id_esc);
    }
  else
    uri = g_strdup_printf ("%s/upload/drive/v3/files?uploadType=resumable&fields=" FILE_FIELDS,
                           self->api_uri);
  response = send_json (self, record->update ? "PATCH" : "POST", uri, b, headers, &msg,
                        cancellable, error);
  if (response == NULL)
    return FALSE;
  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_CONFLICT && !record->update)
    {
      *exists = TRUE;
      return TRUE;
    }
  if (status == SOUP_STATUS_NOT_FOUND && !record->update)
    {
      /* The folder we remembered was removed: look it up again next time. */
      forget_folders (self);
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                   _("The folder for “%s” was removed from the Google Drive of account “%s”. "
                     "Paperdock will create it again."), up->remote_path, self->display_name);
      _pd_sync_error_set_details (*error, status, -1);
      return FALSE;
    }
  if (status != SOUP_STATUS_OK)
    {
      set_http_error (self, error, msg, response, up->remote_path);
      return FALSE;
    }
  location = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location");
  if (location == NULL)
    {
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                   _("Google Drive did not open an upload for “%s” (account “%s”). Paperdock will "
                     "try again later."), up->remote_path, self->display_name);
      return FALSE;
    }
  g_clear_pointer (&record->session, pd_secret_free);
  record->session = g_uri_resolve_relative (uri, location, G_URI_FLAGS_NONE, NULL);
  if (record->session == NULL)
    record->session = g_strdup (location);
  return TRUE;
}

typedef enum {
  SEND_DONE,     /* *response holds the file resource */
  SEND_EXPIRED,  /* the session is gone (404/410) */
  SEND_EXISTS,   /* 409: a file with that id exists already */
  SEND_FAILED,   /* error set */
} SendResult;

static void
pause_briefly (guint         failures,
               GCancellable *cancellable)
{
  for (guint i = 0; i < (1u << MIN (failures, 4)) && !g_cancellable_is_cancelled (cancellable); i++)
    g_usleep (50 * 1000);
}

/* Sends the bytes the session does not hold yet. Asks where it stands first unless @fresh. */
static SendResult
send_bytes (PdGdriveConnector  *self,
            const Upload       *up,
            ResumeRecord       *record,
            gboolean            fresh,
            GBytes            **out_response,
            GCancellable       *cancellable,
            GError            **error)
{
  guint64 size = record->size;
  guint64 offset = 0;
  gsize chunk_size = g_atomic_int_get (&self->chunk_size);
  gboolean ask = !fresh || size == 0;
  guint failures = 0;

  for (;;)
    {
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) response = NULL;
      g_autoptr(GBytes) chunk = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autofree char *range = NULL;
      guint status;

      if (ask)
        range = g_strdup_printf ("bytes */%" G_GUINT64_FORMAT, size);
      else
        {
          gsize len = (gsize) MIN ((guint64) chunk_size, size - offset);

          chunk = g_bytes_new_from_bytes (up->body, (gsize) offset, len);
          range = g_strdup_printf ("bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "/%"
                                   G_GUINT64_FORMAT, offset, offset + len - 1, size);
        }
      {
        const char *headers[] = { "Content-Range", range, NULL };

        response = send_request (self, "PUT", record->session, chunk, up->mime, headers, FALSE,
                                 &msg, cancellable, &local_error);
      }
      if (response == NULL)
        {
          if (g_error_matches (local_error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT) &&
              ++failures <= MAX_CHUNK_FAILURES)
            {
              /* Part of the chunk may have arrived: the session says how much. */
              g_debug ("%s: upload interrupted, asking the session where it stands",
                       up->remote_path);
              pause_briefly (failures, cancellable);
              ask = TRUE;
              continue;
            }
          g_propagate_error (error, g_steal_pointer (&local_error));
          return SEND_FAILED;
        }

      status = soup_message_get_status (msg);
      if (status == SOUP_STATUS_OK || status == SOUP_STATUS_CREATED)
        {
          *out_response = g_steal_pointer (&response);
          return SEND_DONE;
        }
      if (status == 308)
        {
          const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                            "Range");
          guint64 last = 0;
          guint64 next = 0;

          /* No Range: the session holds nothing yet. */
          if (value != NULL && _pd_range_header_parse (value, &last))
            next = last + 1;
          if (value != NULL && (next == 0 || next > size))
            {
              g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                           _("Google Drive reported an impossible upload position for “%s”. "
                             "Paperdock will start that upload again."), up->remote_path);
              return SEND_EXPIRED;
            }
          /* A server that keeps taking chunks without moving on would loop forever. */
          if (!ask && next <= offset && ++failures > MAX_CHUNK_FAILURES)
            {
              g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                           _("Google Drive is not taking the bytes of “%s” (account “%s”). "
                             "Paperdock will try again later."), up->remote_path,
                           self->display_name);
              return SEND_FAILED;
            }
          if (!ask && next < offset)
            g_debug ("%s: Drive kept less than was sent, going back", up->remote_path);
          offset = next;
          ask = offset == size;  /* everything there but no file yet: ask to finish */
          if (ask && ++failures > MAX_CHUNK_FAILURES)
            {
              g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                           _("Google Drive holds all of “%s” but did not finish the file. "
                             "Paperdock will try again later."), up->remote_path);
              return SEND_FAILED;
            }
          continue;
        }
      if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE)
        return SEND_EXPIRED;
      if (status == SOUP_STATUS_CONFLICT && !record->update)
        return SEND_EXISTS;
      if (status >= 500 && ++failures <= MAX_CHUNK_FAILURES)
        {
          /* Google: resume after a 5xx, asking for the position first. */
          g_debug ("%s: HTTP %u during the upload, resuming", up->remote_path, status);
          pause_briefly (failures, cancellable);
          ask = TRUE;
          continue;
        }
      set_http_error (self, error, msg, response, up->remote_path);
      return SEND_FAILED;
    }
}

/* A file with our pre-generated id exists: an upload of ours whose answer was lost. It counts
 * as done only if it holds exactly our bytes. */
static DriveEntry *
adopt_existing (PdGdriveConnector  *self,
                const Upload       *up,
                const ResumeRecord *record,
                GCancellable       *cancellable,
                GError            **error)
{
  g_autoptr(DriveEntry) entry = get_file (self, record->id, up->remote_path, cancellable, error);

  if (entry == NULL)
    return NULL;
  if (g_strcmp0 (entry->md5, up->md5) != 0 || entry->info->size != record->size)
    {
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_ALREADY_EXISTS,
                   _("A different version of “%s” already exists on account “%s”."),
                   up->remote_path, self->display_name);
      return NULL;
    }
  g_debug ("%s: already uploaded, answer had been lost", up->remote_path);
  return g_steal_pointer (&entry);
}

/* Opens (or resumes) the session and sends everything; returns the file as Drive holds it. */
static DriveEntry *
run_upload (PdGdriveConnector  *self,
            const Upload       *up,
            const char         *key,
            ResumeRecord       *record,
            GCancellable       *cancellable,
            GError            **error)
{
  for (guint restarts = 0;; restarts++)
    {
      g_autoptr(GBytes) response = NULL;
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(DriveEntry) entry = NULL;
      gboolean fresh = FALSE;
      SendResult result;

      if (record->session == NULL)
        {
          gboolean exists;

          if (!open_session (self, up, record, &exists, cancellable, error))
            return NULL;
          if (exists)
            return adopt_existing (self, up, record, cancellable, error);
          /* Kept before the first byte, so a crash resumes this session, with this id. */
          if (!save_record (self, key, record, cancellable, error))
            return NULL;
          fresh = TRUE;
        }
      else
        g_debug ("%s: resuming an earlier upload", up->remote_path);

      result = send_bytes (self, up, record, fresh, &response, cancellable, error);
      if (result == SEND_EXISTS)
        return adopt_existing (self, up, record, cancellable, error);
      if (result == SEND_EXPIRED)
        {
          g_clear_error (error);
          if (restarts >= MAX_SESSION_RESTARTS)
            {
              g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                           _("Google Drive kept dropping the upload of “%s” (account “%s”). "
                             "Paperdock will try again later."), up->remote_path,
                           self->display_name);
              return NULL;
            }
          /* Same id again: if the first session did make the file, Drive answers 409. */
          g_debug ("%s: upload session expired, opening a new one", up->remote_path);
          g_clear_pointer (&record->session, pd_secret_free);
          continue;
        }
      if (result == SEND_FAILED)
        return NULL;

      root = parse_json (g_bytes_get_data (response, NULL), g_bytes_get_size (response), NULL);
      entry = g_new0 (DriveEntry, 1);
      entry->info = pd_remote_info_new ();
      if (root == NULL || !parse_file_object (json_node_get_object (root), entry, NULL) ||
          entry->md5 == NULL)
        {
          /* An answer without the fields asked for: ask for them. */
          g_clear_pointer (&entry, drive_entry_free);
          entry = get_file (self, record->id, up->remote_path, cancellable, error);
          if (entry == NULL)
            return NULL;
        }
      return g_steal_pointer (&entry);
    }
}

static void
upload_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  PdGdriveConnector *self = source_object;
  OpData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(ResumeRecord) record = NULL;
  g_autoptr(DriveEntry) done = NULL;
  g_autofree char *md5 = NULL;
  g_autofree char *key = NULL;
  g_autofree char *parent_id = NULL;
  g_autofree char *mime = NULL;
  const char *uuid = data->metadata != NULL ? g_hash_table_lookup (data->metadata, "uuid") : NULL;
  Upload up = { 0, };
  guint n;

  body = _pd_http_read_upload (data->remote_path, data->local_path, &parts, &mime, &error);
  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  n = g_strv_length (parts);
  md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, body);
  key = g_strdup_printf ("gdrive:%s:%s", uuid != NULL ? uuid : md5, data->remote_path);

  up.remote_path = data->remote_path;
  up.name = parts[n - 1];
  up.mime = mime;
  up.metadata = data->metadata;
  up.body = body;
  up.md5 = md5;

  parent_id = resolve_folder (self, parts, n - 1, TRUE, cancellable, &error);
  if (parent_id == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  up.parent_id = parent_id;

  record = load_record (self, key, cancellable, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* A session for other bytes (the document was edited since) is of no use. */
  if (record != NULL && (g_strcmp0 (record->md5, md5) != 0 ||
                         record->size != g_bytes_get_size (body) ||
                         record->update != (data->expected_etag != NULL)))
    {
      g_debug ("%s: dropping an upload session for older bytes", data->remote_path);
      clear_record (self, key);
      g_clear_pointer (&record, resume_record_free);
    }

  if (record == NULL)
    {
      g_autoptr(GPtrArray) found = list_named (self, parent_id, parts[n - 1], FALSE,
                                               data->remote_path, cancellable, &error);
      DriveEntry *target = NULL;

      if (found == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      if (data->expected_etag == NULL)
        {
          for (guint i = 0; i < found->len; i++)
            {
              DriveEntry *entry = found->pdata[i];
              GHashTable *meta = entry->info->metadata;
              const char *revision = data->metadata != NULL
                                     ? g_hash_table_lookup (data->metadata, "revision") : NULL;

              if (uuid != NULL && g_strcmp0 (g_hash_table_lookup (meta, "uuid"), uuid) == 0 &&
                  g_strcmp0 (entry->md5, md5) == 0 && entry->info->size == g_bytes_get_size (body) &&
                  g_strcmp0 (g_hash_table_lookup (meta, "revision"), revision) == 0 &&
                  found->len == 1)
                {
                  /* Ours, complete: an upload whose answer and session were both lost. */
                  g_debug ("%s: already holds these bytes", data->remote_path);
                  g_atomic_int_set (&self->throttle_streak, 0);
                  g_task_return_pointer (task, pd_remote_info_copy (entry->info),
                                         (GDestroyNotify) pd_remote_info_free);
                  return;
                }
            }
          if (found->len > 0)
            {
              g_task_return_new_error (task, PD_SYNC_ERROR, PD_SYNC_ERROR_ALREADY_EXISTS,
                                       _("A file named “%s” already exists on account “%s”."),
                                       data->remote_path, self->display_name);
              return;
            }
        }
      else
        {
          /* The document's own file first, then any of that name, oldest first. */
          for (guint pass = 0; pass < 2 && target == NULL; pass++)
            for (guint i = 0; i < found->len && target == NULL; i++)
              {
                DriveEntry *entry = found->pdata[i];
                gboolean ours = uuid != NULL &&
                                g_strcmp0 (g_hash_table_lookup (entry->info->metadata, "uuid"),
                                           uuid) == 0;

                if ((pass == 0) == ours &&
                    g_strcmp0 (entry->info->etag, data->expected_etag) == 0)
                  target = entry;
              }
          if (target == NULL)
            {
              if (found->len == 0)
                g_task_return_new_error (task, PD_SYNC_ERROR, PD_SYNC_ERROR_NOT_FOUND,
                                         _("“%s” is no longer in the Google Drive of account "
                                           "“%s”."), data->remote_path, self->display_name);
              else
                g_task_return_new_error (task, PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT,
                                         _("“%s” was changed in the Google Drive of account “%s” "
                                           "since it was last synced."), data->remote_path,
                                         self->display_name);
              return;
            }
        }

      record = g_new0 (ResumeRecord, 1);
      record->md5 = g_strdup (md5);
      record->size = g_bytes_get_size (body);
      record->update = target != NULL;
      if (target != NULL)
        record->id = g_strdup (target->id);
      else
        {
          record->id = generate_id (self, data->remote_path, cancellable, &error);
          if (record->id == NULL)
            {
              g_task_return_error (task, g_steal_pointer (&error));
              return;
            }
          /* The id alone already makes a retry after a crash safe: Drive refuses it twice. */
          if (!save_record (self, key, record, cancellable, &error))
            {
              g_task_return_error (task, g_steal_pointer (&error));
              return;
            }
        }
    }

  done = run_upload (self, &up, key, record, cancellable, &error);
  if (done == NULL)
    {
      /* A refusal that will not change by resuming: start from scratch next time. */
      if (g_error_matches (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED) ||
          g_error_matches (error, PD_SYNC_ERROR, PD_SYNC_ERROR_ALREADY_EXISTS))
        clear_record (self, key);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  clear_record (self, key);
  g_atomic_int_set (&self->throttle_streak, 0);

  if (g_strcmp0 (done->md5, md5) != 0 || done->info->size != g_bytes_get_size (body))
    {
      g_task_return_new_error (task, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                               _("Google Drive holds other bytes for “%s” (account “%s”) than "
                                 "were sent. Paperdock will upload it again."),
                               data->remote_path, self->display_name);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&done->info), (GDestroyNotify) pd_remote_info_free);
}

static void
stat_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  PdGdriveConnector *self = source_object;
  OpData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(DriveEntry) entry = find_file (self, data->remote_path, cancellable, &error);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (entry == NULL)
    g_task_return_pointer (task, pd_remote_info_new (), (GDestroyNotify) pd_remote_info_free);
  else
    g_task_return_pointer (task, g_steal_pointer (&entry->info),
                           (GDestroyNotify) pd_remote_info_free);
}

static GInputStream *
open_download (PdGdriveConnector  *self,
               const char         *uri,
               SoupMessage       **out_msg,
               GCancellable       *cancellable,
               GError            **error)
{
  g_autoptr(PdSecretText) token = NULL;

  for (guint attempt = 0;; attempt++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GInputStream) stream = NULL;
      g_autofree char *value = NULL;
      g_autoptr(PdSecretText) refused = g_steal_pointer (&token);

      token = pd_token_source_get_token (self->tokens, refused, cancellable, error);
      if (token == NULL)
        return NULL;
      value = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    value);
      memset (value, 0, strlen (value));
      soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
      stream = soup_session_send (self->session, msg, cancellable, &local_error);
      if (stream == NULL)
        {
          set_transport_error (self, error, local_error);
          return NULL;
        }
      g_debug ("GET %s: %u", log_path (msg), soup_message_get_status (msg));
      if (soup_message_get_status (msg) == SOUP_STATUS_UNAUTHORIZED && attempt == 0)
        {
          g_input_stream_close (stream, NULL, NULL);
          continue;
        }
      *out_msg = g_steal_pointer (&msg);
      return g_steal_pointer (&stream);
    }
}

static void
download_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  PdGdriveConnector *self = source_object;
  OpData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(DriveEntry) entry = find_file (self, data->remote_path, cancellable, &error);
  g_autofree char *id_esc = NULL;
  g_autofree char *uri = NULL;
  g_autofree guint8 *buffer = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(PdDurableFile) out = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_MD5);

  if (entry == NULL)
    {
      if (error == NULL)
        g_set_error (&error, PD_SYNC_ERROR, PD_SYNC_ERROR_NOT_FOUND,
                     _("“%s” does not exist in the Google Drive of account “%s”."),
                     data->remote_path, self->display_name);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  id_esc = g_uri_escape_string (entry->id, NULL, FALSE);
  uri = g_strdup_printf ("%s/drive/v3/files/%s?alt=media", self->api_uri, id_esc);
  stream = open_download (self, uri, &msg, cancellable, &error);
  if (stream == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      g_autoptr(GBytes) response = g_input_stream_read_bytes (stream, 64 * 1024, NULL, NULL);

      g_input_stream_close (stream, NULL, NULL);
      set_http_error (self, &error, msg, response, data->remote_path);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Local disk problems stay G_IO_ERROR from pd-fs; a broken download is worth retrying. */
  out = pd_durable_file_create (data->local_path, &error);
  buffer = g_malloc (READ_BUFFER_SIZE);
  while (out != NULL && error == NULL)
    {
      g_autoptr(GError) read_error = NULL;
      gssize got = g_input_stream_read (stream, buffer, READ_BUFFER_SIZE, cancellable, &read_error);

      if (got < 0)
        set_transport_error (self, &error, read_error);
      else if (got == 0)
        break;
      else
        {
          g_checksum_update (checksum, buffer, got);
          pd_durable_file_write (out, buffer, (gsize) got, &error);
        }
    }
  g_input_stream_close (stream, NULL, NULL);

  if (error == NULL &&
      ((entry->md5 != NULL && g_strcmp0 (g_checksum_get_string (checksum), entry->md5) != 0) ||
       pd_durable_file_tell (out) != entry->info->size))
    g_set_error (&error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                 _("The download of “%s” from account “%s” came out different from what Google "
                   "Drive lists. Paperdock will try again."), data->remote_path,
                 self->display_name);
  if (error == NULL)
    pd_durable_file_commit (g_steal_pointer (&out), &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&entry->info), (GDestroyNotify) pd_remote_info_free);
}

static void
delete_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  PdGdriveConnector *self = source_object;
  OpData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(DriveEntry) entry = find_file (self, data->remote_path, cancellable, &error);
  g_autofree char *id_esc = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) response = NULL;

  if (entry == NULL)
    {
      if (error == NULL)
        g_set_error (&error, PD_SYNC_ERROR, PD_SYNC_ERROR_NOT_FOUND,
                     _("“%s” does not exist in the Google Drive of account “%s”."),
                     data->remote_path, self->display_name);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (data->expected_etag != NULL && g_strcmp0 (entry->info->etag, data->expected_etag) != 0)
    {
      g_task_return_new_error (task, PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT,
                               _("“%s” was changed in the Google Drive of account “%s” since it "
                                 "was last synced."), data->remote_path, self->display_name);
      return;
    }
  id_esc = g_uri_escape_string (entry->id, NULL, FALSE);
  uri = g_strdup_printf ("%s/drive/v3/files/%s", self->api_uri, id_esc);
  response = send_request (self, "DELETE", uri, NULL, NULL, NULL, TRUE, &msg, cancellable, &error);
  if (response == NULL)
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
pd_gdrive_connector_get_display_name (PdConnector *connector)
{
  return PD_GDRIVE_CONNECTOR (connector)->display_name;
}

static void
pd_gdrive_connector_iface_init (PdConnectorInterface *iface)
{
  iface->get_display_name = pd_gdrive_connector_get_display_name;
  iface->upload_thread = upload_thread;
  iface->stat_thread = stat_thread;
  iface->download_thread = download_thread;
  iface->delete_thread = delete_thread;
}

static void
pd_gdrive_connector_finalize (GObject *object)
{
  PdGdriveConnector *self = PD_GDRIVE_CONNECTOR (object);

  g_clear_object (&self->session);
  g_clear_object (&self->tokens);
  g_clear_object (&self->resume);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->api_uri, g_free);
  g_clear_pointer (&self->root_folder_id, g_free);
  g_clear_pointer (&self->folders, g_hash_table_unref);
  g_mutex_clear (&self->folder_lock);

  G_OBJECT_CLASS (pd_gdrive_connector_parent_class)->finalize (object);
}

static void
pd_gdrive_connector_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  PdGdriveConnector *self = PD_GDRIVE_CONNECTOR (object);

  switch (prop_id)
    {
    case PROP_API_URI:
      g_value_set_string (value, self->api_uri);
      break;
    case PROP_ROOT_FOLDER_ID:
      g_value_set_string (value, self->root_folder_id);
      break;
    case PROP_CHUNK_SIZE:
      g_value_set_uint (value, g_atomic_int_get (&self->chunk_size));
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_chunk_size (PdGdriveConnector *self,
                guint              size)
{
  size -= size % PD_GDRIVE_CHUNK_GRANULARITY;
  size = MAX (size, PD_GDRIVE_CHUNK_GRANULARITY);
  if ((guint) g_atomic_int_get (&self->chunk_size) == size)
    return;
  g_atomic_int_set (&self->chunk_size, size);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHUNK_SIZE]);
}

static void
pd_gdrive_connector_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  PdGdriveConnector *self = PD_GDRIVE_CONNECTOR (object);

  switch (prop_id)
    {
    case PROP_API_URI:
      {
        const char *uri = g_value_get_string (value);
        gsize len = uri != NULL ? strlen (uri) : 0;

        while (len > 0 && uri[len - 1] == '/')
          len--;
        self->api_uri = uri != NULL ? g_strndup (uri, len) : NULL;
      }
      break;
    case PROP_ROOT_FOLDER_ID:
      self->root_folder_id = g_strdup (g_value_get_string (value) != NULL
                                       ? g_value_get_string (value) : "root");
      break;
    case PROP_CHUNK_SIZE:
      set_chunk_size (self, g_value_get_uint (value));
      break;
    case PROP_DISPLAY_NAME:
      self->display_name = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_gdrive_connector_class_init (PdGdriveConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pd_gdrive_connector_finalize;
  object_class->get_property = pd_gdrive_connector_get_property;
  object_class->set_property = pd_gdrive_connector_set_property;

  properties[PROP_API_URI] =
    g_param_spec_string ("api-uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROOT_FOLDER_ID] =
    g_param_spec_string ("root-folder-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* Bytes per upload request; applies to uploads started after a change. */
  properties[PROP_CHUNK_SIZE] =
    g_param_spec_uint ("chunk-size", NULL, NULL, PD_GDRIVE_CHUNK_GRANULARITY, G_MAXUINT32,
                       PD_GDRIVE_DEFAULT_CHUNK_SIZE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  g_object_class_override_property (object_class, PROP_DISPLAY_NAME, "display-name");
}

static void
pd_gdrive_connector_init (PdGdriveConnector *self)
{
  const char *env = g_getenv ("PAPERDOCK_GDRIVE_CHUNK_SIZE");
  guint64 size = PD_GDRIVE_DEFAULT_CHUNK_SIZE;

  if (env != NULL && !g_ascii_string_to_unsigned (env, 10, PD_GDRIVE_CHUNK_GRANULARITY,
                                                  G_MAXUINT32, &size, NULL))
    size = PD_GDRIVE_DEFAULT_CHUNK_SIZE;
  self->chunk_size = (guint) (size - size % PD_GDRIVE_CHUNK_GRANULARITY);
  g_mutex_init (&self->folder_lock);
  self->folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->session = _pd_http_session_new (IO_TIMEOUT_SECONDS, IDLE_TIMEOUT_SECONDS);
  /* The debug log (G_MESSAGES_DEBUG=pd-sync): tokens and cookies masked, and session URIs:
   * their headers, and query strings (a session's upload_id). */
  _pd_http_session_add_log (self->session, &gdrive_log_rules);
}

PdConnector *
pd_gdrive_connector_new (const char     *display_name,
                         const char     *api_uri,
                         const char     *root_folder_id,
                         PdTokenSource  *tokens,
                         PdResumeStore  *resume,
                         GError        **error)
{
  g_autoptr(GUri) uri = NULL;
  PdGdriveConnector *self;
  const char *scheme;

  g_return_val_if_fail (display_name != NULL, NULL);
  g_return_val_if_fail (api_uri != NULL, NULL);
  g_return_val_if_fail (PD_IS_TOKEN_SOURCE (tokens), NULL);
  g_return_val_if_fail (PD_IS_RESUME_STORE (resume), NULL);

  uri = g_uri_parse (api_uri, SOUP_HTTP_URI_FLAGS, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0) ||
      g_uri_get_query (uri) != NULL || g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                   _("“%s” is not a Google Drive API address. It should be "
                     "https://www.googleapis.com."), api_uri);
      return NULL;
    }

  self = g_object_new (PD_TYPE_GDRIVE_CONNECTOR,
                       "display-name", display_name,
                       "api-uri", api_uri,
                       "root-folder-id", root_folder_id,
                       NULL);
  self->tokens = g_object_ref (tokens);
  self->resume = g_object_ref (resume);
  return PD_CONNECTOR (self);
}
