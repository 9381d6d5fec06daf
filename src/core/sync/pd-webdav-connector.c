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
 * Large files on Nextcloud (above "chunk-threshold", when the account address is Nextcloud's
 * /remote.php/dav/files/USER/ and the server answers for /remote.php/dav/uploads/USER/, checked
 * once per connector) use Nextcloud's chunked upload v2: MKCOL an upload folder with a
 * Destination header, PUT the chunks 00001..N, then MOVE its .file onto the destination, which
 * assembles them. The folder's name comes from the document's uuid and revision (or the bytes
 * when there is no uuid) and its destination, so an upload cut off, even by a kill, is resumed
 * by the next attempt: the chunks already there with the right size are not sent again, and
 * there is never a second upload of the same revision. The MOVE carries the same preconditions
 * as a PUT, in WebDAV's own words for a MOVE: "Overwrite: F" for create only, and an If header
 * naming the destination's etag for a replace (as Nextcloud's desktop client does). Other
 * servers get one plain PUT.
 *
 * Timeouts: "timeout" bounds each network read or write (libsoup's session timeout, 60 s by
 * default), so a server that stops answering fails the request as TRANSIENT instead of holding
 * the queue; a long upload that keeps moving is not cut.
 *
 * Security: the password only ever goes into the Authorization header, which is set by hand
 * (no 401 round trip, so a PUT is never restarted for authentication) and redacted from the
 * optional HTTP debug log. Redirects are not followed, so the header never goes to another
 * host. TLS certificates are always verified; the one exception is a certificate pinned for
 * the account, accepted when the server presents exactly that certificate. A refused
 * certificate is PD_SYNC_ERROR_CERTIFICATE with what was wrong with it (expired, unknown
 * issuer, another host's name). */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "pd-fs.h"
#include "pd-http.h"
#include "pd-sync-private.h"
#include "pd-webdav-connector.h"
#include "pd-webdav-xml.h"

#define DAV_NS PD_WEBDAV_DAV_NS
#define PD_NS PD_WEBDAV_PD_NS
#define IDLE_TIMEOUT_SECONDS 30
#define READ_BUFFER_SIZE (128 * 1024)

typedef enum {
  CHUNKING_UNKNOWN,
  CHUNKING_NO,
  CHUNKING_NEXTCLOUD,
} ChunkingSupport;

struct _PdWebdavConnector
{
  GObject parent_instance;

  /* owned, immutable after construction: read from worker threads */
  char        *display_name;
  char        *base_uri;       /* ends with '/' */
  char        *username;
  char        *authorization;  /* "Basic …": a secret, never logged */
  char        *uploads_home;   /* Nextcloud's uploads collection for the account, or NULL */
  SoupSession *session;

  /* owned, guarded by lock */
  GMutex       lock;
  GHashTable  *known_folders;  /* remote folder paths seen to exist */
  GTlsCertificate *pinned;     /* the account's trusted certificate, or NULL */
  ChunkingSupport chunking;
  guint        timeout;
  guint64      chunk_threshold;
  guint64      chunk_size;
};

enum {
  PROP_0,
  PROP_BASE_URI,
  PROP_USERNAME,
  PROP_TIMEOUT,
  PROP_CHUNK_THRESHOLD,
  PROP_CHUNK_SIZE,
  N_PROPS,
  PROP_DISPLAY_NAME = N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void pd_webdav_connector_iface_init (PdConnectorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PdWebdavConnector, pd_webdav_connector, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PD_TYPE_CONNECTOR,
                                                      pd_webdav_connector_iface_init))

typedef PdConnectorOp OpData;

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

/* What accept_certificate_cb found wrong with the server's certificate, kept on the message
 * for set_transport_error. */
#define TLS_ERRORS_KEY "pd-tls-errors"
#define TLS_PINNED_KEY "pd-tls-pinned"

static char *
describe_certificate_errors (GTlsCertificateFlags errors)
{
  g_autoptr(GPtrArray) why = g_ptr_array_new ();

  if (errors & G_TLS_CERTIFICATE_EXPIRED)
    g_ptr_array_add (why, _("its certificate has expired"));
  if (errors & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    g_ptr_array_add (why, _("its certificate is not valid yet (is this computer’s clock right?)"));
  if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    g_ptr_array_add (why, _("its certificate was issued for another server name (wrong host)"));
  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    g_ptr_array_add (why, _("its certificate is signed by an unknown issuer that this computer "
                            "does not trust (a self-signed certificate?)"));
  if (errors & G_TLS_CERTIFICATE_REVOKED)
    g_ptr_array_add (why, _("its certificate has been revoked"));
  if (errors & G_TLS_CERTIFICATE_INSECURE)
    g_ptr_array_add (why, _("its certificate uses an insecure algorithm"));
  if (why->len == 0)
    g_ptr_array_add (why, _("its certificate is not valid"));
  g_ptr_array_add (why, NULL);
  return g_strjoinv ("; ", (char **) why->pdata);
}

static void
set_transport_error (PdWebdavConnector  *self,
                     GError            **error,
                     GError             *cause,
                     SoupMessage        *msg)
{
  gpointer tls_errors = msg != NULL ? g_object_get_data (G_OBJECT (msg), TLS_ERRORS_KEY) : NULL;

  if (_pd_http_set_common_transport_error (error, cause))
    return;
  if (tls_errors != NULL)
    {
      g_autofree char *why = describe_certificate_errors (GPOINTER_TO_UINT (tls_errors));

      if (g_object_get_data (G_OBJECT (msg), TLS_PINNED_KEY) != NULL)
        g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CERTIFICATE,
                     _("The server for account “%s” did not present the certificate trusted for "
                       "this account, and its own cannot be verified: %s. Nothing was sent to "
                       "it. If the server’s certificate was replaced on purpose, trust the new "
                       "one in the account’s settings."), self->display_name, why);
      else
        g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CERTIFICATE,
                     _("The identity of the server for account “%s” could not be verified: %s. "
                       "Nothing was sent to it."), self->display_name, why);
    }
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                 _("The server of account “%s” did not answer within %u seconds. Paperdock will "
                   "try again later."), self->display_name, pd_webdav_connector_get_timeout (self));
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

static SoupMessage *
new_message (const char *method,
             const char *uri)
{
  SoupMessage *msg = soup_message_new (method, uri);

  g_assert (msg != NULL);
  return msg;
}

/* Only called when the certificate failed verification. Called on the thread sending. */
static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  PdWebdavConnector *self = user_data;
  g_autoptr(GTlsCertificate) pinned = NULL;

  g_mutex_lock (&self->lock);
  pinned = self->pinned != NULL ? g_object_ref (self->pinned) : NULL;
  g_mutex_unlock (&self->lock);

  /* Byte for byte the certificate the account's owner chose to trust. */
  if (pinned != NULL && g_tls_certificate_is_same (pinned, certificate))
    {
      g_debug ("accepting the pinned certificate of %s (flags 0x%x)", self->display_name,
               errors);
      return TRUE;
    }
  g_object_set_data (G_OBJECT (msg), TLS_ERRORS_KEY, GUINT_TO_POINTER (errors));
  g_object_set_data (G_OBJECT (msg), TLS_PINNED_KEY, GUINT_TO_POINTER (pinned != NULL));
  return FALSE;
}

/* Credentials, no redirects, and the account's certificate rules on any request. */
static void
prepare_message (PdWebdavConnector *self,
                 SoupMessage       *msg)
{
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                self->authorization);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), self);
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

  prepare_message (self, msg);
  if (body != NULL)
    _pd_http_message_set_body (msg, body, content_type);

  response = soup_session_send_and_read (self->session, msg, cancellable, &local_error);
  if (response == NULL)
    {
      g_debug ("%s failed: %s", soup_message_get_method (msg), local_error->message);
      set_transport_error (self, error, local_error, msg);
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

/* Uploads */

static void
forget_folders (PdWebdavConnector  *self,
                char              **parts,
                guint               n)
{
  for (guint i = n - 1; i > 0; i--)
    {
      g_autofree char *p = folder_path (parts, i);

      remember_folder (self, p, FALSE);
    }
}

static GError *
already_exists_error (PdWebdavConnector *self,
                      SoupMessage       *msg,
                      const char        *remote_path)
{
  GError *e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_ALREADY_EXISTS,
                           _("A file named “%s” already exists on account “%s”."),
                           remote_path, self->display_name);

  set_error_details (e, msg);
  return e;
}

/* One PUT of the whole file. On success *put_etag is the etag the server answered, if any. */
static gboolean
plain_put (PdWebdavConnector  *self,
           OpData             *data,
           char              **parts,
           const char         *uri,
           GBytes             *body,
           const char         *mime,
           const char         *expected,
           char              **put_etag,
           GCancellable       *cancellable,
           GError            **error)
{
  guint n = g_strv_length (parts);
  gboolean waited = FALSE;

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

      response = send_message (self, msg, body, mime, cancellable, error);
      if (response == NULL)
        return FALSE;
      status = soup_message_get_status (msg);
      if (SOUP_STATUS_IS_SUCCESSFUL (status))
        {
          *put_etag = _pd_webdav_normalize_etag (soup_message_headers_get_one (
                                       soup_message_get_response_headers (msg), "ETag"));
          return TRUE;
        }
      if (status == SOUP_STATUS_CONFLICT && attempt == 0 && n > 1)
        {
          /* A folder we remembered was removed on the server: forget it and make it again. */
          g_debug ("PUT %s: parent folder missing, creating it again", data->remote_path);
          forget_folders (self, parts, n);
          if (!ensure_folders (self, parts, n - 1, cancellable, error))
            return FALSE;
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
          g_propagate_error (error, already_exists_error (self, msg, data->remote_path));
          return FALSE;
        }
      if (status == SOUP_STATUS_METHOD_NOT_ALLOWED)
        {
          GError *e = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT,
                                   _("A folder named “%s” is in the way on account “%s”."),
                                   data->remote_path, self->display_name);

          set_error_details (e, msg);
          g_propagate_error (error, e);
          return FALSE;
        }
      set_http_error (self, error, msg, data->remote_path);
      return FALSE;
    }
}

/* Nextcloud's uploads collection for an account address of the form
 * …/remote.php/dav/files/USER/…, or NULL: chunking needs that collection. */
static char *
nextcloud_uploads_home (const char *base_uri)
{
  static const char files[] = "/remote.php/dav/files/";
  const char *at = strstr (base_uri, files);
  const char *user, *end;

  if (at == NULL)
    return NULL;
  user = at + strlen (files);
  end = strchr (user, '/');
  if (end == NULL || end == user)
    return NULL;
  return g_strdup_printf ("%.*s/remote.php/dav/uploads/%.*s/", (int) (at - base_uri), base_uri,
                          (int) (end - user), user);
}

/* Whether the server takes Nextcloud's chunked upload, found out once per connector: the
 * uploads collection next to the account's files answers PROPFIND as a collection. A network
 * failure is an error (and not remembered): the upload cannot go on anyway. */
static gboolean
detect_chunking (PdWebdavConnector  *self,
                 gboolean           *nextcloud,
                 GCancellable       *cancellable,
                 GError            **error)
{
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autoptr(GError) local_error = NULL;
  ChunkingSupport support;
  gboolean is_collection = FALSE;

  *nextcloud = FALSE;
  if (self->uploads_home == NULL)
    return TRUE;
  g_mutex_lock (&self->lock);
  support = self->chunking;
  g_mutex_unlock (&self->lock);
  if (support != CHUNKING_UNKNOWN)
    {
      *nextcloud = support == CHUNKING_NEXTCLOUD;
      return TRUE;
    }

  info = dav_stat (self, self->uploads_home, _("the uploads folder"), &is_collection,
                   cancellable, &local_error);
  /* Refused (403, 405, …) is a plain WebDAV server; only a transport error, a refused
   * password or a busy server stops the upload. */
  if (info == NULL &&
      (g_error_matches (local_error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT) ||
       g_error_matches (local_error, PD_SYNC_ERROR, PD_SYNC_ERROR_AUTH_REQUIRED) ||
       g_error_matches (local_error, PD_SYNC_ERROR, PD_SYNC_ERROR_THROTTLED) ||
       g_error_matches (local_error, PD_SYNC_ERROR, PD_SYNC_ERROR_CERTIFICATE) ||
       g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  support = info != NULL && info->exists && is_collection ? CHUNKING_NEXTCLOUD : CHUNKING_NO;
  g_debug ("%s: chunked upload %s", self->display_name,
           support == CHUNKING_NEXTCLOUD ? "available" : "not available");
  g_mutex_lock (&self->lock);
  self->chunking = support;
  g_mutex_unlock (&self->lock);
  *nextcloud = support == CHUNKING_NEXTCLOUD;
  return TRUE;
}

/* The upload folder's name: the same for every attempt at one revision of one document to one
 * destination, so that an attempt after a cut (or a kill) finds the chunks of the last one. */
static char *
transfer_id (OpData *data,
             GBytes *body)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  const char *uuid = data->metadata != NULL ? g_hash_table_lookup (data->metadata, "uuid") : NULL;
  const char *revision = data->metadata != NULL ? g_hash_table_lookup (data->metadata, "revision")
                                                : NULL;
  g_autofree char *size = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (body));

  if (uuid != NULL)
    {
      g_checksum_update (checksum, (const guchar *) uuid, -1);
      g_checksum_update (checksum, (const guchar *) "\n", 1);
      if (revision != NULL)
        g_checksum_update (checksum, (const guchar *) revision, -1);
    }
  else
    {
      /* No document identity: the bytes themselves are one. */
      g_checksum_update (checksum, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
    }
  g_checksum_update (checksum, (const guchar *) "\n", 1);
  g_checksum_update (checksum, (const guchar *) data->remote_path, -1);
  g_checksum_update (checksum, (const guchar *) "\n", 1);
  g_checksum_update (checksum, (const guchar *) size, -1);
  return g_strdup_printf ("paperdock-%.40s", g_checksum_get_string (checksum));
}

/* The chunks already in the upload folder (name -> size), or NULL with *missing set when the
 * folder does not exist (never made, or expired after a day without activity). */
static GHashTable *
list_upload_folder (PdWebdavConnector  *self,
                    const char         *folder_uri,
                    const char         *remote_path,
                    gboolean           *missing,
                    GCancellable       *cancellable,
                    GError            **error)
{
  static const char props[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:resourcetype/><D:getcontentlength/></D:prop>"
    "</D:propfind>\n";
  g_autoptr(SoupMessage) msg = new_message ("PROPFIND", folder_uri);
  g_autoptr(GBytes) request = g_bytes_new_static (props, sizeof props - 1);
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GHashTable) sizes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  guint status;

  *missing = FALSE;
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Depth", "1");
  response = send_message (self, msg, request, "application/xml; charset=utf-8", cancellable,
                           error);
  if (response == NULL)
    return NULL;
  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_NOT_FOUND)
    {
      *missing = TRUE;
      return NULL;
    }
  if (status != SOUP_STATUS_MULTI_STATUS)
    {
      set_http_error (self, error, msg, remote_path);
      return NULL;
    }
  if (!_pd_webdav_parse_listing (g_bytes_get_data (response, NULL), g_bytes_get_size (response),
                                 sizes))
    {
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                   _("The server of account “%s” gave an answer Paperdock does not understand "
                     "while uploading “%s” in parts."), self->display_name, remote_path);
      return NULL;
    }
  return g_steal_pointer (&sizes);
}

/* Nextcloud chunked upload v2 (see the top of this file). */
static gboolean
chunked_upload (PdWebdavConnector  *self,
                OpData             *data,
                char              **parts,
                const char         *dest_uri,
                GBytes             *body,
                const char         *expected,
                char              **put_etag,
                GCancellable       *cancellable,
                GError            **error)
{
  g_autofree char *id = transfer_id (data, body);
  g_autofree char *folder_uri = g_strconcat (self->uploads_home, id, "/", NULL);
  g_autofree char *file_uri = g_strconcat (folder_uri, ".file", NULL);
  g_autofree char *total = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (body));
  g_autofree char *mtime = NULL;
  gsize size = g_bytes_get_size (body);
  guint64 chunk_size;
  gboolean waited = FALSE;
  gboolean folders_made = FALSE;
  guint restarts = 0;
  GStatBuf st;

  g_mutex_lock (&self->lock);
  chunk_size = MAX (self->chunk_size, 1);
  g_mutex_unlock (&self->lock);
  if (g_stat (data->local_path, &st) == 0)
    mtime = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) st.st_mtime);

  for (;;)
    {
      g_autoptr(GHashTable) present = NULL;
      g_autoptr(SoupMessage) move = NULL;
      g_autoptr(GBytes) response = NULL;
      SoupMessageHeaders *headers;
      gboolean missing = FALSE;
      gboolean restart = FALSE;
      guint sent = 0, skipped = 0;
      guint status;

      present = list_upload_folder (self, folder_uri, data->remote_path, &missing, cancellable,
                                    error);
      if (present == NULL && !missing)
        return FALSE;
      if (missing)
        {
          g_autoptr(SoupMessage) msg = new_message ("MKCOL", folder_uri);

          soup_message_headers_replace (soup_message_get_request_headers (msg), "Destination",
                                        dest_uri);
          response = send_message (self, msg, NULL, NULL, cancellable, error);
          if (response == NULL)
            return FALSE;
          status = soup_message_get_status (msg);
          /* 405: made meanwhile by another attempt at the same transfer, which is fine. */
          if (status != SOUP_STATUS_CREATED && status != SOUP_STATUS_METHOD_NOT_ALLOWED)
            {
              set_http_error (self, error, msg, data->remote_path);
              return FALSE;
            }
          g_clear_pointer (&response, g_bytes_unref);
          present = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
        }

      for (guint i = 0; (guint64) i * chunk_size < size; i++)
        {
          guint64 offset = (guint64) i * chunk_size;
          gsize len = (gsize) MIN (chunk_size, size - offset);
          g_autofree char *name = g_strdup_printf ("%05u", i + 1);
          g_autofree char *chunk_uri = g_strconcat (folder_uri, name, NULL);
          guint64 *have = g_hash_table_lookup (present, name);
          g_autoptr(SoupMessage) msg = NULL;
          g_autoptr(GBytes) slice = NULL;
          g_autoptr(GBytes) answer = NULL;

          if (have != NULL && *have == len)
            {
              skipped++;
              continue;
            }
          msg = new_message ("PUT", chunk_uri);
          headers = soup_message_get_request_headers (msg);
          soup_message_headers_replace (headers, "Destination", dest_uri);
          soup_message_headers_replace (headers, "OC-Total-Length", total);
          slice = g_bytes_new_from_bytes (body, (gsize) offset, len);
          answer = send_message (self, msg, slice, "application/octet-stream", cancellable, error);
          if (answer == NULL)
            return FALSE;
          status = soup_message_get_status (msg);
          if (status == SOUP_STATUS_NOT_FOUND && restarts == 0)
            {
              /* The upload folder expired under us: start it again, once. */
              restart = TRUE;
              break;
            }
          if (!SOUP_STATUS_IS_SUCCESSFUL (status))
            {
              set_http_error (self, error, msg, data->remote_path);
              return FALSE;
            }
          sent++;
        }
      if (restart)
        {
          restarts++;
          continue;
        }
      g_debug ("%s: %u chunks sent, %u already on the server", data->remote_path, sent, skipped);

      /* Assemble, with the PUT's preconditions in a MOVE's words. */
      move = new_message ("MOVE", file_uri);
      headers = soup_message_get_request_headers (move);
      soup_message_headers_replace (headers, "Destination", dest_uri);
      soup_message_headers_replace (headers, "OC-Total-Length", total);
      if (mtime != NULL)
        soup_message_headers_replace (headers, "X-OC-Mtime", mtime);
      if (expected == NULL)
        soup_message_headers_replace (headers, "Overwrite", "F");
      else
        {
          g_autofree char *condition = g_strdup_printf ("<%s> ([%s])", dest_uri, expected);

          soup_message_headers_replace (headers, "Overwrite", "T");
          soup_message_headers_replace (headers, "If", condition);
        }
      response = send_message (self, move, NULL, NULL, cancellable, error);
      if (response == NULL)
        return FALSE;
      status = soup_message_get_status (move);
      if (SOUP_STATUS_IS_SUCCESSFUL (status))
        {
          SoupMessageHeaders *answer = soup_message_get_response_headers (move);
          const char *etag = soup_message_headers_get_one (answer, "OC-ETag");

          *put_etag = _pd_webdav_normalize_etag (etag != NULL ? etag
                                                 : soup_message_headers_get_one (answer, "ETag"));
          return TRUE;
        }
      if (status == SOUP_STATUS_NOT_FOUND && restarts == 0)
        {
          /* The folder expired between the chunks and the MOVE. */
          restarts++;
          continue;
        }
      if (status == SOUP_STATUS_CONFLICT && !folders_made && g_strv_length (parts) > 1)
        {
          guint n = g_strv_length (parts);

          g_debug ("MOVE %s: parent folder missing, creating it again", data->remote_path);
          forget_folders (self, parts, n);
          if (!ensure_folders (self, parts, n - 1, cancellable, error))
            return FALSE;
          folders_made = TRUE;
          continue;
        }
      if (status == SOUP_STATUS_PRECONDITION_FAILED && expected == NULL)
        {
          g_propagate_error (error, already_exists_error (self, move, data->remote_path));
          return FALSE;
        }
      if (status == SOUP_STATUS_PRECONDITION_FAILED && !waited &&
          wait_out_weak_etag (self, dest_uri, data->remote_path, expected, cancellable))
        {
          waited = TRUE;
          continue;
        }
      set_http_error (self, error, move, data->remote_path);
      return FALSE;
    }
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
  g_autoptr(GBytes) body = NULL;
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *put_etag = NULL;
  g_autofree char *mime = NULL;
  g_autofree char *expected = _pd_webdav_normalize_etag (data->expected_etag);
  gboolean is_collection;
  gboolean nextcloud = FALSE;
  guint64 threshold;
  gboolean ok;
  guint n;

  body = _pd_http_read_upload (data->remote_path, data->local_path, &parts, &mime, &error);
  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  n = g_strv_length (parts);
  uri = build_uri (self, parts, n, FALSE);

  if (!ensure_folders (self, parts, n - 1, cancellable, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_mutex_lock (&self->lock);
  threshold = self->chunk_threshold;
  g_mutex_unlock (&self->lock);
  if (g_bytes_get_size (body) > threshold &&
      !detect_chunking (self, &nextcloud, cancellable, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (nextcloud)
    ok = chunked_upload (self, data, parts, uri, body, expected, &put_etag, cancellable, &error);
  else
    ok = plain_put (self, data, parts, uri, body, mime, expected, &put_etag, cancellable, &error);
  if (!ok)
    {
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
      /* Numbers as strings: xgettext cuts a message at a G_GUINT64_FORMAT macro. */
      g_autofree char *held = g_strdup_printf ("%" G_GUINT64_FORMAT, info->size);
      g_autofree char *sent = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (body));

      g_task_return_new_error (task, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                               /* Translators: the second and last %s are numbers of bytes. */
                               _("The server of account “%s” holds %s bytes of “%s” instead of "
                                 "%s. Paperdock will upload it again."),
                               self->display_name, held, data->remote_path, sent);
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

/* PdDurableFile writes a download next to its target as "<name>.part-XXXXXX" (six random
 * characters) and renames it at the end: a process killed in between leaves that file behind.
 * Only one download at a time writes a given target (the engine handles a document once at a
 * time), so any such file found before a new download of the same target is stale. */
static void
remove_stale_partials (const char *local_path)
{
  g_autofree char *dir = g_path_get_dirname (local_path);
  g_autofree char *base = g_path_get_basename (local_path);
  g_autofree char *prefix = g_strconcat (base, ".part-", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  gsize prefix_len = strlen (prefix);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;

      if (!g_str_has_prefix (name, prefix) || strlen (name) != prefix_len + 6)
        continue;
      path = g_build_filename (dir, name, NULL);
      if (g_unlink (path) == 0)
        g_debug ("removed %s, left by an interrupted download", path);
    }
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
  prepare_message (self, msg);
  stream = soup_session_send (self->session, msg, cancellable, &error);
  if (stream == NULL)
    {
      g_autoptr(GError) mapped = NULL;

      set_transport_error (self, &mapped, error, msg);
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
  remove_stale_partials (data->local_path);
  out = pd_durable_file_create (data->local_path, &error);
  buffer = g_malloc (READ_BUFFER_SIZE);
  while (out != NULL && error == NULL)
    {
      g_autoptr(GError) read_error = NULL;
      gssize n = g_input_stream_read (stream, buffer, READ_BUFFER_SIZE, cancellable, &read_error);

      if (n < 0)
        set_transport_error (self, &error, read_error, msg);
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

static const char *
pd_webdav_connector_get_display_name (PdConnector *connector)
{
  return PD_WEBDAV_CONNECTOR (connector)->display_name;
}

static void
pd_webdav_connector_iface_init (PdConnectorInterface *iface)
{
  iface->get_display_name = pd_webdav_connector_get_display_name;
  iface->upload_thread = upload_thread;
  iface->stat_thread = stat_thread;
  iface->download_thread = download_thread;
  iface->delete_thread = delete_thread;
}

static void
pd_webdav_connector_finalize (GObject *object)
{
  PdWebdavConnector *self = PD_WEBDAV_CONNECTOR (object);

  g_clear_object (&self->session);
  g_clear_object (&self->pinned);
  g_clear_pointer (&self->uploads_home, g_free);
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
    case PROP_TIMEOUT:
      g_value_set_uint (value, pd_webdav_connector_get_timeout (self));
      break;
    case PROP_CHUNK_THRESHOLD:
      g_mutex_lock (&self->lock);
      g_value_set_uint64 (value, self->chunk_threshold);
      g_mutex_unlock (&self->lock);
      break;
    case PROP_CHUNK_SIZE:
      g_mutex_lock (&self->lock);
      g_value_set_uint64 (value, self->chunk_size);
      g_mutex_unlock (&self->lock);
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
    case PROP_TIMEOUT:
      pd_webdav_connector_set_timeout (self, g_value_get_uint (value));
      break;
    case PROP_CHUNK_THRESHOLD:
    case PROP_CHUNK_SIZE:
      {
        guint64 v = g_value_get_uint64 (value);
        guint64 *field = prop_id == PROP_CHUNK_SIZE ? &self->chunk_size : &self->chunk_threshold;
        gboolean changed;

        g_mutex_lock (&self->lock);
        changed = *field != v;
        *field = v;
        g_mutex_unlock (&self->lock);
        if (changed)
          g_object_notify_by_pspec (object, pspec);
      }
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
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, G_MAXUINT, PD_WEBDAV_DEFAULT_TIMEOUT,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Nextcloud wants every chunk but the last to be at least 5 MB; tests use small values
   * against servers that do not check. */
  properties[PROP_CHUNK_THRESHOLD] =
    g_param_spec_uint64 ("chunk-threshold", NULL, NULL, 0, G_MAXUINT64,
                         PD_WEBDAV_DEFAULT_CHUNK_THRESHOLD,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CHUNK_SIZE] =
    g_param_spec_uint64 ("chunk-size", NULL, NULL, 1, G_MAXUINT64, PD_WEBDAV_DEFAULT_CHUNK_SIZE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  g_object_class_override_property (object_class, PROP_DISPLAY_NAME, "display-name");
}

static void
pd_webdav_connector_init (PdWebdavConnector *self)
{
  g_mutex_init (&self->lock);
  self->known_folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->timeout = PD_WEBDAV_DEFAULT_TIMEOUT;
  self->chunk_threshold = PD_WEBDAV_DEFAULT_CHUNK_THRESHOLD;
  self->chunk_size = PD_WEBDAV_DEFAULT_CHUNK_SIZE;
  self->session = _pd_http_session_new (self->timeout, IDLE_TIMEOUT_SECONDS);
  /* The debug log (G_MESSAGES_DEBUG=pd-sync): Basic credentials and cookies masked. */
  _pd_http_session_add_log (self->session, NULL);
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
  self->uploads_home = nextcloud_uploads_home (self->base_uri);
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

guint
pd_webdav_connector_get_timeout (PdWebdavConnector *self)
{
  guint timeout;

  g_return_val_if_fail (PD_IS_WEBDAV_CONNECTOR (self), 0);
  g_mutex_lock (&self->lock);
  timeout = self->timeout;
  g_mutex_unlock (&self->lock);
  return timeout;
}

void
pd_webdav_connector_set_timeout (PdWebdavConnector *self,
                                 guint              seconds)
{
  gboolean changed;

  g_return_if_fail (PD_IS_WEBDAV_CONNECTOR (self));
  g_return_if_fail (seconds > 0);

  g_mutex_lock (&self->lock);
  changed = self->timeout != seconds;
  self->timeout = seconds;
  g_mutex_unlock (&self->lock);
  if (!changed)
    return;
  /* libsoup applies it to new connections only: drop the idle ones. */
  g_object_set (self->session, "timeout", seconds, NULL);
  soup_session_abort (self->session);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

gboolean
pd_webdav_connector_set_pinned_certificate (PdWebdavConnector  *self,
                                            const char         *pem,
                                            GError            **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (PD_IS_WEBDAV_CONNECTOR (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (pem != NULL)
    {
      certificate = g_tls_certificate_new_from_pem (pem, -1, &local_error);
      if (certificate == NULL)
        {
          g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CERTIFICATE,
                       _("The certificate to trust for account “%s” could not be read: %s."),
                       self->display_name, local_error->message);
          return FALSE;
        }
    }
  g_mutex_lock (&self->lock);
  g_set_object (&self->pinned, certificate);
  g_mutex_unlock (&self->lock);
  /* Connections made under the old rule must not be reused under the new one. */
  soup_session_abort (self->session);
  return TRUE;
}
