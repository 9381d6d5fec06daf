/* pd-webdav-connector.c: syncing to a WebDAV server with libsoup 3.
 *
 * Each call runs as a GTask on a worker thread and sends blocking requests through one shared
 * SoupSession (libsoup >= 3.2 allows sending from any thread; the session is configured once,
 * at construction, before any request).
 *
 * Upload: the parent folders are made sure of (PROPFIND Depth 0 walking up, then MKCOL walking
 * down; folders known to exist are remembered), then one PUT with If-None-Match: * (create only:
 * a retried upload whose answer was lost can never make a second file) or If-Match: <etag>
 * (replace only what we last saw). The document's metadata is set as dead properties in the
 * urn:paperdock namespace with PROPPATCH, and a final PROPFIND checks that the server holds as
 * many bytes as we sent and gives the etag when the PUT answer had none.
 *
 * Security: the password only ever goes into the Authorization header, which is set by hand
 * (no 401 round trip, so a PUT is never restarted for authentication) and redacted from the
 * optional HTTP debug log. Redirects are not followed, so the header never goes to another
 * host. TLS certificates are always verified.
 *
 * Not done yet: Nextcloud chunked upload v2 (every file is one PUT). */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "pd-fs.h"
#include "pd-sync-private.h"
#include "pd-webdav-connector.h"
#include "pd-webdav-xml.h"

#define DAV_NS PD_WEBDAV_DAV_NS
#define PD_NS PD_WEBDAV_PD_NS
#define IO_TIMEOUT_SECONDS 60
#define IDLE_TIMEOUT_SECONDS 30
#define READ_BUFFER_SIZE (128 * 1024)

struct _PdWebdavConnector
{
  GObject parent_instance;

  /* owned, immutable after construction: read from worker threads */
  char        *display_name;
  char        *base_uri;       /* ends with '/' */
  char        *username;
  char        *authorization;  /* "Basic …": a secret, never logged */
  SoupSession *session;

  /* owned, guarded by lock */
  GMutex       lock;
  GHashTable  *known_folders;  /* remote folder paths seen to exist */
};

enum {
  PROP_0,
  PROP_BASE_URI,
  PROP_USERNAME,
  N_PROPS,
  PROP_DISPLAY_NAME = N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void pd_webdav_connector_iface_init (PdConnectorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PdWebdavConnector, pd_webdav_connector, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PD_TYPE_CONNECTOR,
                                                      pd_webdav_connector_iface_init))

typedef struct {
  char       *local_path;
  char       *remote_path;
  char       *expected_etag;
  GHashTable *metadata;
} OpData;

static void
op_data_free (OpData *data)
{
  g_free (data->local_path);
  g_free (data->remote_path);
  g_free (data->expected_etag);
  g_clear_pointer (&data->metadata, g_hash_table_unref);
  g_free (data);
}

/* Errors */

static void
set_error_details (GError      *error,
                   SoupMessage *msg)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  const char *retry_after = soup_message_headers_get_one (headers, "Retry-After");
  const char *date = soup_message_headers_get_one (headers, "Date");
  g_autoptr(GDateTime) server_now = date != NULL ? soup_date_time_new_from_http_string (date) : NULL;

  /* An HTTP-date is counted from the server's own clock when it sent one: a laptop whose clock
   * is off would otherwise wait too long or hammer the server. */
  _pd_sync_error_set_details (error, soup_message_get_status (msg),
                              pd_sync_parse_retry_after (retry_after, server_now));
}

/* What the server's answer means for the engine, in words for the person. */
static void
set_http_error (PdWebdavConnector  *self,
                GError            **error,
                SoupMessage        *msg,
                const char         *remote_path)
{
  guint status = soup_message_get_status (msg);
  const char *reason = soup_message_get_reason_phrase (msg);
  const char *name = self->display_name;
  GError *e;

  if (status == SOUP_STATUS_UNAUTHORIZED)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_AUTH_REQUIRED,
                     _("The server refused the password for account “%s”. Sign in again."), name);
  else if (status == SOUP_STATUS_FORBIDDEN)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_FORBIDDEN,
                     _("Account “%s” is not allowed to change “%s” on the server. The folder may "
                       "be read-only for this account."), name, remote_path);
  else if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_NOT_FOUND,
                     _("“%s” does not exist on the server of account “%s”."), remote_path, name);
  else if (status == SOUP_STATUS_PRECONDITION_FAILED || status == SOUP_STATUS_CONFLICT)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT,
                     _("“%s” was changed on the server of account “%s” since it was last "
                       "synced."), remote_path, name);
  else if (status == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_TOO_LARGE,
                     _("The server of account “%s” refused “%s”: the file is larger than it "
                       "accepts."), name, remote_path);
  else if (status == SOUP_STATUS_INSUFFICIENT_STORAGE)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_QUOTA,
                     _("Account “%s” has no space left on the server. Free some space there or ask "
                       "for a larger quota."), name);
  else if (status == SOUP_STATUS_REQUEST_URI_TOO_LONG)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_INVALID_NAME,
                     _("The server of account “%s” does not accept a name as long as “%s”."),
                     name, remote_path);
  else if (status == 429 ||
           (status == SOUP_STATUS_SERVICE_UNAVAILABLE &&
            soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                          "Retry-After") != NULL))
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_THROTTLED,
                     _("The server of account “%s” is busy and asked Paperdock to wait (HTTP %u "
                       "%s). Paperdock will try again then."), name, status, reason);
  else if (status == SOUP_STATUS_REQUEST_TIMEOUT || status == 423 || status == 425 ||
           status >= 500)
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                     _("The server of account “%s” could not take “%s” right now (HTTP %u %s). "
                       "Paperdock will try again later."), name, remote_path, status, reason);
  else if (SOUP_STATUS_IS_REDIRECTION (status))
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                     _("The server of account “%s” sent Paperdock to another address (%s). Check "
                       "the account’s server address."), name,
                     soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                   "Location") ?: _("none given"));
  else
    e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                     _("The server of account “%s” refused “%s” (HTTP %u %s)."),
                     name, remote_path, status, reason);

  set_error_details (e, msg);
  g_propagate_error (error, e);
}

static void
set_transport_error (PdWebdavConnector  *self,
                     GError            **error,
                     GError             *cause)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_error_copy (cause));
  else if (g_error_matches (cause, G_TLS_ERROR, G_TLS_ERROR_UNAVAILABLE))
    g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                 _("Paperdock cannot make secure connections: %s. Install glib-networking."),
                 cause->message);
  else if (cause->domain == G_TLS_ERROR &&
           (cause->code == G_TLS_ERROR_BAD_CERTIFICATE || cause->code == G_TLS_ERROR_HANDSHAKE ||
            cause->code == G_TLS_ERROR_NOT_TLS || cause->code == G_TLS_ERROR_CERTIFICATE_REQUIRED))
    g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CERTIFICATE,
                 _("The identity of the server for account “%s” could not be verified (%s). "
                   "Nothing was sent to it."), self->display_name, cause->message);
  else
    g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                 _("Could not reach the server of account “%s”: %s. Paperdock will try again "
                   "when the network is back."), self->display_name, cause->message);
}

/* Requests */

static char *
folder_path (char **parts,
             guint  n)
{
  g_autoptr(GString) path = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (path, "%s%s", i > 0 ? "/" : "", parts[i]);
  return g_string_free (g_steal_pointer (&path), FALSE);
}

/* The first @n segments of @parts under the base address, each percent-encoded. */
static char *
build_uri (PdWebdavConnector  *self,
           char              **parts,
           guint               n,
           gboolean            collection)
{
  g_autoptr(GString) uri = g_string_new (self->base_uri);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *escaped = g_uri_escape_string (parts[i], NULL, FALSE);

      g_string_append_printf (uri, "%s%s", i > 0 ? "/" : "", escaped);
    }
  if (collection && n > 0)
    g_string_append_c (uri, '/');
  return g_string_free (g_steal_pointer (&uri), FALSE);
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

/* libsoup drops the body stream when it restarts a message (a keep-alive connection that died
 * before answering an idempotent PUT): without this the retry would send zero bytes. */
static void
message_restarted_cb (SoupMessage *msg,
                      gpointer     user_data)
{
  RequestBody *rb = user_data;

  g_debug ("%s restarted, sending its body again", soup_message_get_method (msg));
  soup_message_set_request_body_from_bytes (msg, rb->content_type, rb->body);
}

static SoupMessage *
new_message (const char *method,
             const char *uri)
{
  SoupMessage *msg = soup_message_new (method, uri);

  g_assert (msg != NULL);
  return msg;
}

/* Sends @msg with the account's credentials. Returns the response body, or NULL with a
 * PD_SYNC_ERROR (or G_IO_ERROR_CANCELLED) when no answer arrived. HTTP error statuses are
 * the caller's to judge. */
static GBytes *
send_message (PdWebdavConnector  *self,
              SoupMessage        *msg,
              GBytes             *body,
              const char         *content_type,
              GCancellable       *cancellable,
              GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  GBytes *response;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                self->authorization);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  if (body != NULL)
    {
      RequestBody *rb = g_new0 (RequestBody, 1);

      rb->body = g_bytes_ref (body);
      rb->content_type = g_strdup (content_type);
      soup_message_set_request_body_from_bytes (msg, content_type, body);
      g_signal_connect_data (msg, "restarted", G_CALLBACK (message_restarted_cb), rb,
                             request_body_free, 0);
    }

  response = soup_session_send_and_read (self->session, msg, cancellable, &local_error);
  if (response == NULL)
    {
      g_debug ("%s failed: %s", soup_message_get_method (msg), local_error->message);
      set_transport_error (self, error, local_error);
      return NULL;
    }
  g_debug ("%s %s: %u", soup_message_get_method (msg),
           g_uri_get_path (soup_message_get_uri (msg)), soup_message_get_status (msg));
  return response;
}

/* PROPFIND Depth 0. A missing resource is not an error: info->exists is FALSE. */
static PdRemoteInfo *
dav_stat (PdWebdavConnector  *self,
          const char         *uri,
          const char         *remote_path,
          gboolean           *is_collection,
          GCancellable       *cancellable,
          GError            **error)
{
  static const char allprop[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>\n";
  g_autoptr(SoupMessage) msg = new_message ("PROPFIND", uri);
  g_autoptr(GBytes) request = g_bytes_new_static (allprop, sizeof allprop - 1);
  g_autoptr(GBytes) response = NULL;
  g_autoptr(PdRemoteInfo) info = pd_remote_info_new ();
  guint status;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Depth", "0");
  response = send_message (self, msg, request, "application/xml; charset=utf-8", cancellable,
                           error);
  if (response == NULL)
    return NULL;

  status = soup_message_get_status (msg);
  *is_collection = FALSE;
  if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE)
    return g_steal_pointer (&info);
  if (status != SOUP_STATUS_MULTI_STATUS)
    {
      set_http_error (self, error, msg, remote_path);
      return NULL;
    }
  if (!_pd_webdav_parse_propfind (g_bytes_get_data (response, NULL), g_bytes_get_size (response),
                                  info, is_collection))
    {
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                   _("The server of account “%s” gave an answer Paperdock does not understand "
                     "about “%s”. Is the address a WebDAV folder?"),
                   self->display_name, remote_path);
      return NULL;
    }
  return g_steal_pointer (&info);
}

static gboolean
folder_known (PdWebdavConnector *self,
              const char        *path)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return g_hash_table_contains (self->known_folders, path);
}

static void
remember_folder (PdWebdavConnector *self,
                 const char        *path,
                 gboolean           exists)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  if (exists)
    g_hash_table_add (self->known_folders, g_strdup (path));
  else
    g_hash_table_remove (self->known_folders, path);
}

/* Makes sure the first @n_dirs segments of @parts exist as folders: PROPFIND walking up until
 * one exists, then MKCOL walking down. */
static gboolean
ensure_folders (PdWebdavConnector  *self,
                char              **parts,
                guint               n_dirs,
                GCancellable       *cancellable,
                GError            **error)
{
  guint existing = n_dirs;

  /* Walk up: how many leading segments already exist? */
  while (existing > 0)
    {
      g_autofree char *path = folder_path (parts, existing);
      g_autofree char *uri = NULL;
      g_autoptr(PdRemoteInfo) info = NULL;
      gboolean is_collection;

      if (folder_known (self, path))
        break;
      uri = build_uri (self, parts, existing, TRUE);
      info = dav_stat (self, uri, path, &is_collection, cancellable, error);
      if (info == NULL)
        return FALSE;
      if (info->exists && !is_collection)
        {
          g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT,
                       _("Could not create the folder “%s” on account “%s”: a file of that name "
                         "is in the way."), path, self->display_name);
          return FALSE;
        }
      if (info->exists)
        {
          remember_folder (self, path, TRUE);
          break;
        }
      existing--;
    }

  /* Walk down: create the rest. */
  for (guint i = existing + 1; i <= n_dirs; i++)
    {
      g_autofree char *path = folder_path (parts, i);
      g_autofree char *uri = build_uri (self, parts, i, TRUE);
      g_autoptr(SoupMessage) msg = new_message ("MKCOL", uri);
      g_autoptr(GBytes) response = send_message (self, msg, NULL, NULL, cancellable, error);
      guint status;

      if (response == NULL)
        return FALSE;
      status = soup_message_get_status (msg);
      /* Another upload into the same new folder may have made it first: mod_dav_fs then says
       * 403 (others say 405 or 409). Look again before calling it an error. */
      if (status == SOUP_STATUS_FORBIDDEN || status == SOUP_STATUS_CONFLICT)
        {
          g_autoptr(PdRemoteInfo) again = NULL;
          gboolean is_collection = FALSE;

          again = dav_stat (self, uri, path, &is_collection, cancellable, NULL);
          if (again != NULL && again->exists && is_collection)
            status = SOUP_STATUS_METHOD_NOT_ALLOWED;
        }
      /* 405: it exists after all (someone else just made it). */
      if (status != SOUP_STATUS_CREATED && status != SOUP_STATUS_METHOD_NOT_ALLOWED)
        {
          set_http_error (self, error, msg, path);
          g_prefix_error (error, _("Could not create the folder “%s”: "), path);
          return FALSE;
        }
      g_debug ("folder %s created", path);
      remember_folder (self, path, TRUE);
    }
  return TRUE;
}

static gboolean
proppatch (PdWebdavConnector  *self,
           const char         *uri,
           const char         *remote_path,
           GHashTable         *metadata,
           GCancellable       *cancellable,
           GError            **error)
{
  xmlDoc *doc = xmlNewDoc ((const xmlChar *) "1.0");
  xmlNode *root = xmlNewNode (NULL, (const xmlChar *) "propertyupdate");
  xmlNs *dav = xmlNewNs (root, (const xmlChar *) DAV_NS, (const xmlChar *) "D");
  xmlNs *pd = xmlNewNs (root, (const xmlChar *) PD_NS, (const xmlChar *) "P");
  xmlNode *set, *prop;
  xmlChar *text = NULL;
  int text_len = 0;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  gboolean parsed;
  GHashTableIter iter;
  gpointer key, value;
  guint failed = 0;

  xmlSetNs (root, dav);
  xmlDocSetRootElement (doc, root);
  set = xmlNewChild (root, dav, (const xmlChar *) "set", NULL);
  prop = xmlNewChild (set, dav, (const xmlChar *) "prop", NULL);
  g_hash_table_iter_init (&iter, metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (xmlValidateNCName ((const xmlChar *) key, 0) != 0)
        {
          xmlFreeDoc (doc);
          g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_INVALID_NAME,
                       "“%s” cannot be used as a metadata name.", (const char *) key);
          return FALSE;
        }
      /* xmlNewTextChild escapes the value. */
      xmlNewTextChild (prop, pd, (const xmlChar *) key, (const xmlChar *) value);
    }
  xmlDocDumpMemoryEnc (doc, &text, &text_len, "UTF-8");
  xmlFreeDoc (doc);
  request = g_bytes_new (text, (gsize) text_len);
  xmlFree (text);

  msg = new_message ("PROPPATCH", uri);
  response = send_message (self, msg, request, "application/xml; charset=utf-8", cancellable,
                           error);
  if (response == NULL)
    return FALSE;
  if (soup_message_get_status (msg) != SOUP_STATUS_MULTI_STATUS)
    {
      set_http_error (self, error, msg, remote_path);
      return FALSE;
    }

  {
    gsize len = 0;
    const char *data = g_bytes_get_data (response, &len);

    parsed = _pd_webdav_parse_proppatch (data, len, &failed);
  }
  if (!parsed || failed != 0)
    {
      GError *e = g_error_new (PD_SYNC_ERROR,
                               failed == SOUP_STATUS_FORBIDDEN ? PD_SYNC_ERROR_FORBIDDEN
                                                               : PD_SYNC_ERROR_FAILED,
                               _("“%s” was uploaded to account “%s”, but the server did not keep "
                                 "its details (HTTP %u)."),
                               remote_path, self->display_name, failed);

      _pd_sync_error_set_details (e, failed, -1);
      g_propagate_error (error, e);
      return FALSE;
    }
  return TRUE;
}

/* After a 412 on If-Match: if the server still holds the version we expected, the refusal
 * only means its etag is still weak (changed less than a second ago, see normalize_etag).
 * Waits that second out and returns TRUE so the caller sends the request again. */
static gboolean
wait_out_weak_etag (PdWebdavConnector *self,
                    const char        *uri,
                    const char        *remote_path,
                    const char        *expected_etag,
                    GCancellable      *cancellable)
{
  g_autoptr(PdRemoteInfo) info = NULL;
  gboolean is_collection;

  info = dav_stat (self, uri, remote_path, &is_collection, cancellable, NULL);
  if (info == NULL || !info->exists || g_strcmp0 (info->etag, expected_etag) != 0)
    return FALSE;
  g_debug ("%s: etag still weak on the server, waiting a second", remote_path);
  for (guint i = 0; i < 12 && !g_cancellable_is_cancelled (cancellable); i++)
    g_usleep (100 * 1000);
  return !g_cancellable_is_cancelled (cancellable);
}

/* Workers */

static void
upload_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  PdWebdavConnector *self = source_object;
  OpData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *put_etag = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *mime = NULL;
  g_autofree char *expected = _pd_webdav_normalize_etag (data->expected_etag);
  gboolean is_collection;
  gboolean waited = FALSE;
  guint n;

  parts = _pd_sync_split_remote_path (data->remote_path, &error);
  if (parts == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  n = g_strv_length (parts);

  /* Spool files are immutable while queued, so mapping is safe and lets a restarted request
   * send the very same bytes again without a copy. */
  mapped = g_mapped_file_new (data->local_path, FALSE, &error);
  if (mapped == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  body = g_mapped_file_get_bytes (mapped);
  content_type = g_content_type_guess (parts[n - 1], NULL, 0, NULL);
  mime = g_content_type_get_mime_type (content_type);
  uri = build_uri (self, parts, n, FALSE);

  if (!ensure_folders (self, parts, n - 1, cancellable, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  for (guint attempt = 0;; attempt++)
    {
      g_autoptr(SoupMessage) msg = new_message ("PUT", uri);
      SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
      g_autoptr(GBytes) response = NULL;
      guint status;

      if (expected == NULL)
        soup_message_headers_replace (headers, "If-None-Match", "*");
      else
        soup_message_headers_replace (headers, "If-Match", expected);

      response = send_message (self, msg, body, mime != NULL ? mime : "application/octet-stream",
                               cancellable, &error);
      if (response == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      status = soup_message_get_status (msg);
      if (SOUP_STATUS_IS_SUCCESSFUL (status))
        {
          put_etag = _pd_webdav_normalize_etag (soup_message_headers_get_one (
                                       soup_message_get_response_headers (msg), "ETag"));
          break;
        }
      if (status == SOUP_STATUS_CONFLICT && attempt == 0 && n > 1)
        {
          /* A folder we remembered was removed on the server: forget it and make it again. */
          g_debug ("PUT %s: parent folder missing, creating it again", data->remote_path);
          for (guint i = n - 1; i > 0; i--)
            {
              g_autofree char *p = folder_path (parts, i);

              remember_folder (self, p, FALSE);
            }
          if (!ensure_folders (self, parts, n - 1, cancellable, &error))
            {
              g_task_return_error (task, g_steal_pointer (&error));
              return;
            }
          continue;
        }
      if (status == SOUP_STATUS_PRECONDITION_FAILED && expected != NULL && !waited &&
          wait_out_weak_etag (self, uri, data->remote_path, expected, cancellable))
        {
          waited = TRUE;
          continue;
        }
      if (status == SOUP_STATUS_PRECONDITION_FAILED && expected == NULL)
        {
          GError *e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_ALREADY_EXISTS,
                                   _("A file named “%s” already exists on account “%s”."),
                                   data->remote_path, self->display_name);

          set_error_details (e, msg);
          g_task_return_error (task, e);
          return;
        }
      if (status == SOUP_STATUS_METHOD_NOT_ALLOWED)
        {
          GError *e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT,
                                   _("A folder named “%s” is in the way on account “%s”."),
                                   data->remote_path, self->display_name);

          set_error_details (e, msg);
          g_task_return_error (task, e);
          return;
        }
      set_http_error (self, &error, msg, data->remote_path);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (data->metadata != NULL && g_hash_table_size (data->metadata) > 0 &&
      !proppatch (self, uri, data->remote_path, data->metadata, cancellable, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Check what the server really holds. */
  info = dav_stat (self, uri, data->remote_path, &is_collection, cancellable, &error);
  if (info == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!info->exists)
    {
      g_task_return_new_error (task, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                               _("The server of account “%s” accepted “%s” but does not show it. "
                                 "Paperdock will try again later."),
                               self->display_name, data->remote_path);
      return;
    }
  /* A different etag than the PUT's means someone replaced the file right after us; the size
   * then says nothing about our upload. */
  if ((put_etag == NULL || g_strcmp0 (put_etag, info->etag) == 0) &&
      info->size != g_bytes_get_size (body))
    {
      g_task_return_new_error (task, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                               _("The server of account “%s” holds %" G_GUINT64_FORMAT " bytes of "
                                 "“%s” instead of %" G_GSIZE_FORMAT ". Paperdock will upload it "
                                 "again."),
                               self->display_name, info->size, data->remote_path,
                               g_bytes_get_size (body));
      return;
    }
  if (put_etag != NULL)
    {
      g_free (info->etag);
      info->etag = g_steal_pointer (&put_etag);
      info->size = g_bytes_get_size (body);
    }
  g_task_return_pointer (task, g_steal_pointer (&info), (GDestroyNotify) pd_remote_info_free);
}

static void
stat_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  PdWebdavConnector *self = source_object;
  OpData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = _pd_sync_split_remote_path (data->remote_path, &error);
  g_autofree char *uri = NULL;
  PdRemoteInfo *info;
  gboolean is_collection;

  if (parts == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  uri = build_uri (self, parts, g_strv_length (parts), FALSE);
  info = dav_stat (self, uri, data->remote_path, &is_collection, cancellable, &error);
  if (info == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, info, (GDestroyNotify) pd_remote_info_free);
}

static void
download_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  PdWebdavConnector *self = source_object;
  OpData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = _pd_sync_split_remote_path (data->remote_path, &error);
  g_autofree char *uri = NULL;
  g_autofree guint8 *buffer = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(PdDurableFile) out = NULL;
  g_autoptr(PdRemoteInfo) info = pd_remote_info_new ();
  SoupMessageHeaders *headers;
  const char *last_modified;
  goffset expected;
  guint status;

  if (parts == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  uri = build_uri (self, parts, g_strv_length (parts), FALSE);
  msg = new_message ("GET", uri);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                self->authorization);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  stream = soup_session_send (self->session, msg, cancellable, &error);
  if (stream == NULL)
    {
      g_autoptr(GError) mapped = NULL;

      set_transport_error (self, &mapped, error);
      g_task_return_error (task, g_steal_pointer (&mapped));
      return;
    }
  status = soup_message_get_status (msg);
  g_debug ("GET %s: %u", data->remote_path, status);
  if (status != SOUP_STATUS_OK)
    {
      g_input_stream_close (stream, NULL, NULL);
      set_http_error (self, &error, msg, data->remote_path);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Local disk problems stay G_IO_ERROR from pd-fs (they say so plainly); a broken download
   * is the network's, and worth retrying. */
  out = pd_durable_file_create (data->local_path, &error);
  buffer = g_malloc (READ_BUFFER_SIZE);
  while (out != NULL && error == NULL)
    {
      g_autoptr(GError) read_error = NULL;
      gssize n = g_input_stream_read (stream, buffer, READ_BUFFER_SIZE, cancellable, &read_error);

      if (n < 0)
        set_transport_error (self, &error, read_error);
      else if (n == 0)
        break;
      else
        pd_durable_file_write (out, buffer, (gsize) n, &error);
    }
  g_input_stream_close (stream, NULL, NULL);

  headers = soup_message_get_response_headers (msg);
  expected = soup_message_headers_get_content_length (headers);
  if (error == NULL && soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      (guint64) expected != pd_durable_file_tell (out))
    g_set_error (&error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                 _("The download of “%s” from account “%s” ended early. Paperdock will try "
                   "again."), data->remote_path, self->display_name);
  if (error == NULL)
    {
      info->size = pd_durable_file_tell (out);
      pd_durable_file_commit (g_steal_pointer (&out), &error);
    }
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  info->exists = TRUE;
  info->etag = _pd_webdav_normalize_etag (soup_message_headers_get_one (headers, "ETag"));
  last_modified = soup_message_headers_get_one (headers, "Last-Modified");
  if (last_modified != NULL)
    {
      g_autoptr(GDateTime) dt = soup_date_time_new_from_http_string (last_modified);

      if (dt != NULL)
        info->modified = g_date_time_to_unix (dt);
    }
  g_task_return_pointer (task, g_steal_pointer (&info), (GDestroyNotify) pd_remote_info_free);
}

static void
delete_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  PdWebdavConnector *self = source_object;
  OpData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = _pd_sync_split_remote_path (data->remote_path, &error);
  g_autofree char *uri = NULL;
  g_autofree char *expected = NULL;

  if (parts == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  uri = build_uri (self, parts, g_strv_length (parts), FALSE);
  expected = _pd_webdav_normalize_etag (data->expected_etag);
  for (gboolean waited = FALSE;; waited = TRUE)
    {
      g_autoptr(SoupMessage) msg = new_message ("DELETE", uri);
      g_autoptr(GBytes) response = NULL;
      guint status;

      if (expected != NULL)
        soup_message_headers_replace (soup_message_get_request_headers (msg), "If-Match",
                                      expected);
      response = send_message (self, msg, NULL, NULL, cancellable, &error);
      if (response == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      status = soup_message_get_status (msg);
      if (SOUP_STATUS_IS_SUCCESSFUL (status))
        break;
      if (status == SOUP_STATUS_PRECONDITION_FAILED && expected != NULL && !waited &&
          wait_out_weak_etag (self, uri, data->remote_path, expected, cancellable))
        continue;
      set_http_error (self, &error, msg, data->remote_path);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/* Interface */

static GTask *
new_task (PdWebdavConnector   *self,
          gpointer             source_tag,
          const char          *local_path,
          const char          *remote_path,
          const char          *expected_etag,
          GHashTable          *metadata,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  OpData *data = g_new0 (OpData, 1);

  data->local_path = g_strdup (local_path);
  data->remote_path = g_strdup (remote_path);
  data->expected_etag = g_strdup (expected_etag);
  data->metadata = metadata != NULL ? g_hash_table_ref (metadata) : NULL;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, data, (GDestroyNotify) op_data_free);
  return task;
}

static gboolean
propagate_info (PdConnector   *self,
                GAsyncResult  *result,
                PdRemoteInfo **info,
                GError       **error)
{
  g_autoptr(PdRemoteInfo) ret = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  ret = g_task_propagate_pointer (G_TASK (result), error);
  if (ret == NULL)
    return FALSE;
  if (info != NULL)
    *info = g_steal_pointer (&ret);
  return TRUE;
}

static void
pd_webdav_connector_upload_async (PdConnector         *connector,
                                  const char          *local_path,
                                  const char          *remote_path,
                                  const char          *expected_etag,
                                  GHashTable          *metadata,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = new_task (PD_WEBDAV_CONNECTOR (connector),
                                    pd_webdav_connector_upload_async, local_path, remote_path,
                                    expected_etag, metadata, cancellable, callback, user_data);

  g_task_run_in_thread (task, upload_thread);
}

static void
pd_webdav_connector_stat_async (PdConnector         *connector,
                                const char          *remote_path,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = new_task (PD_WEBDAV_CONNECTOR (connector),
                                    pd_webdav_connector_stat_async, NULL, remote_path, NULL,
                                    NULL, cancellable, callback, user_data);

  g_task_run_in_thread (task, stat_thread);
}

static void
pd_webdav_connector_download_async (PdConnector         *connector,
                                    const char          *remote_path,
                                    const char          *local_path,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = new_task (PD_WEBDAV_CONNECTOR (connector),
                                    pd_webdav_connector_download_async, local_path, remote_path,
                                    NULL, NULL, cancellable, callback, user_data);

  g_task_run_in_thread (task, download_thread);
}

static void
pd_webdav_connector_delete_async (PdConnector         *connector,
                                  const char          *remote_path,
                                  const char          *expected_etag,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = new_task (PD_WEBDAV_CONNECTOR (connector),
                                    pd_webdav_connector_delete_async, NULL, remote_path,
                                    expected_etag, NULL, cancellable, callback, user_data);

  g_task_run_in_thread (task, delete_thread);
}

static gboolean
pd_webdav_connector_delete_finish (PdConnector   *connector,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connector), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static const char *
pd_webdav_connector_get_display_name (PdConnector *connector)
{
  return PD_WEBDAV_CONNECTOR (connector)->display_name;
}

static void
pd_webdav_connector_iface_init (PdConnectorInterface *iface)
{
  iface->get_display_name = pd_webdav_connector_get_display_name;
  iface->upload_async = pd_webdav_connector_upload_async;
  iface->upload_finish = propagate_info;
  iface->stat_async = pd_webdav_connector_stat_async;
  iface->stat_finish = propagate_info;
  iface->download_async = pd_webdav_connector_download_async;
  iface->download_finish = propagate_info;
  iface->delete_async = pd_webdav_connector_delete_async;
  iface->delete_finish = pd_webdav_connector_delete_finish;
}

/* The HTTP debug log (G_MESSAGES_DEBUG=pd-sync) prints headers only, with credentials masked:
 * libsoup's own masking covers Basic passwords but not tokens or cookies. */
static void
logger_printer (SoupLogger         *logger,
                SoupLoggerLogLevel  level,
                char                direction,
                const char         *data,
                gpointer            user_data)
{
  static const char *secret_headers[] = {
    "Authorization:", "Proxy-Authorization:", "Cookie:", "Set-Cookie:", NULL
  };

  for (guint i = 0; secret_headers[i] != NULL; i++)
    if (g_ascii_strncasecmp (data, secret_headers[i], strlen (secret_headers[i])) == 0)
      {
        g_debug ("http %c %s [redacted]", direction, secret_headers[i]);
        return;
      }
  g_debug ("http %c %s", direction, data);
}

static void
pd_webdav_connector_finalize (GObject *object)
{
  PdWebdavConnector *self = PD_WEBDAV_CONNECTOR (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->base_uri, g_free);
  g_clear_pointer (&self->username, g_free);
  if (self->authorization != NULL)
    {
      memset (self->authorization, 0, strlen (self->authorization));
      g_clear_pointer (&self->authorization, g_free);
    }
  g_clear_pointer (&self->known_folders, g_hash_table_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (pd_webdav_connector_parent_class)->finalize (object);
}

static void
pd_webdav_connector_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  PdWebdavConnector *self = PD_WEBDAV_CONNECTOR (object);

  switch (prop_id)
    {
    case PROP_BASE_URI:
      g_value_set_string (value, self->base_uri);
      break;
    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_webdav_connector_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  PdWebdavConnector *self = PD_WEBDAV_CONNECTOR (object);

  switch (prop_id)
    {
    case PROP_BASE_URI:
      {
        const char *uri = g_value_get_string (value);

        self->base_uri = uri == NULL ? NULL
                         : g_str_has_suffix (uri, "/") ? g_strdup (uri)
                         : g_strconcat (uri, "/", NULL);
      }
      break;
    case PROP_USERNAME:
      self->username = g_value_dup_string (value);
      break;
    case PROP_DISPLAY_NAME:
      self->display_name = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_webdav_connector_class_init (PdWebdavConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pd_webdav_connector_finalize;
  object_class->get_property = pd_webdav_connector_get_property;
  object_class->set_property = pd_webdav_connector_set_property;

  properties[PROP_BASE_URI] =
    g_param_spec_string ("base-uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  g_object_class_override_property (object_class, PROP_DISPLAY_NAME, "display-name");
}

static void
pd_webdav_connector_init (PdWebdavConnector *self)
{
  g_mutex_init (&self->lock);
  self->known_folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->session = soup_session_new_with_options ("timeout", IO_TIMEOUT_SECONDS,
                                                 "idle-timeout", IDLE_TIMEOUT_SECONDS,
                                                 "user-agent", "Paperdock/" PACKAGE_VERSION " ",
                                                 NULL);
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    {
      g_autoptr(SoupLogger) logger = soup_logger_new (SOUP_LOGGER_LOG_HEADERS);

      soup_logger_set_printer (logger, logger_printer, NULL, NULL);
      soup_session_add_feature (self->session, SOUP_SESSION_FEATURE (logger));
    }
}

PdConnector *
pd_webdav_connector_new (const char  *display_name,
                         const char  *base_uri,
                         const char  *username,
                         const char  *password,
                         GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *credentials = NULL;
  g_autofree char *encoded = NULL;
  PdWebdavConnector *self;
  const char *scheme;

  g_return_val_if_fail (display_name != NULL, NULL);
  g_return_val_if_fail (base_uri != NULL, NULL);
  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);

  uri = g_uri_parse (base_uri, SOUP_HTTP_URI_FLAGS, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0) ||
      g_uri_get_query (uri) != NULL || g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                   _("“%s” is not a WebDAV address. It should look like "
                     "https://cloud.example.org/remote.php/dav/files/name/."), base_uri);
      return NULL;
    }

  self = g_object_new (PD_TYPE_WEBDAV_CONNECTOR,
                       "display-name", display_name,
                       "base-uri", base_uri,
                       "username", username,
                       NULL);
  credentials = g_strdup_printf ("%s:%s", username, password);
  encoded = g_base64_encode ((const guchar *) credentials, strlen (credentials));
  self->authorization = g_strconcat ("Basic ", encoded, NULL);
  memset (credentials, 0, strlen (credentials));
  memset (encoded, 0, strlen (encoded));
  return PD_CONNECTOR (self);
}

const char *
pd_webdav_connector_get_base_uri (PdWebdavConnector *self)
{
  g_return_val_if_fail (PD_IS_WEBDAV_CONNECTOR (self), NULL);
  return self->base_uri;
}

const char *
pd_webdav_connector_get_username (PdWebdavConnector *self)
{
  g_return_val_if_fail (PD_IS_WEBDAV_CONNECTOR (self), NULL);
  return self->username;
}
