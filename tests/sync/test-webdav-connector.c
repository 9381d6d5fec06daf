/* test-webdav-connector.c: the WebDAV connector against a real Apache httpd with mod_dav_fs on
 * loopback (tests/fixtures/webdav). Each test checks what the server really stored, on its
 * disk, and the PD_SYNC_ERROR code the engine will act on. The password must never reach the
 * log, even with the HTTP debug log on. */
#include <gio/gio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "pd-fault-proxy.h"
#include "pd-test-sync.h"
#include "pd-test-webdav.h"
#include "pd-webdav-connector.h"

static PdTestWebdav *server;
static GMutex log_lock;
static GString *log_text;

typedef struct {
  PdConnector *connector;
} Fixture;

/* Every message of every domain, debug included, is kept to be searched for the password. */
static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  g_mutex_lock (&log_lock);
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      {
        if (fields[i].length < 0)
          g_string_append (log_text, fields[i].value);
        else
          g_string_append_len (log_text, fields[i].value, fields[i].length);
        g_string_append_c (log_text, '\n');
      }
  g_mutex_unlock (&log_lock);
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return g_log_writer_default (level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

static PdConnector *
new_connector (const char *name,
               const char *password)
{
  g_autoptr(GError) error = NULL;
  PdConnector *connector = pd_webdav_connector_new (name, pd_test_webdav_get_uri (server),
                                                    PD_TEST_WEBDAV_USER, password, &error);

  g_assert_no_error (error);
  return connector;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->connector = new_connector ("Office NAS", PD_TEST_WEBDAV_PASSWORD);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  pd_test_assert_finalized (f->connector);
}

static char *
on_server (const char *remote_path)
{
  return g_build_filename (pd_test_webdav_get_root (server), remote_path, NULL);
}

static void
test_upload_new (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("new.pdf", 200 * 1024 + 3);
  g_autofree char *stored = on_server ("Invoices/2026/März/Scan 1.pdf");
  g_autofree char *back = g_build_filename (g_get_user_cache_dir (), "back.pdf", NULL);
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autoptr(PdRemoteInfo) stat = NULL;
  g_autoptr(PdRemoteInfo) down = NULL;
  g_autoptr(GError) error = NULL;

  /* Three missing parents, one with a non-ASCII name, a space in the file name. */
  g_assert_true (pd_test_upload (f->connector, local, "Invoices/2026/März/Scan 1.pdf", NULL, NULL,
                                 &info, &error));
  g_assert_no_error (error);
  pd_test_assert_same_file (local, stored);
  g_assert_true (info->exists);
  g_assert_cmpuint (info->size, ==, 200 * 1024 + 3);
  g_assert_nonnull (info->etag);
  g_assert_cmpint (info->modified, >, 0);

  stat = pd_test_stat (f->connector, "Invoices/2026/März/Scan 1.pdf", &error);
  g_assert_no_error (error);
  g_assert_true (stat->exists);
  g_assert_cmpstr (stat->etag, ==, info->etag);
  g_assert_cmpuint (stat->size, ==, info->size);

  g_assert_true (pd_test_download (f->connector, "Invoices/2026/März/Scan 1.pdf", back, &down,
                                   &error));
  g_assert_no_error (error);
  pd_test_assert_same_file (local, back);
  g_assert_cmpstr (down->etag, ==, info->etag);
  g_assert_cmpuint (down->size, ==, info->size);

  /* A second file in the same, now known, folder. */
  g_clear_pointer (&info, pd_remote_info_free);
  g_assert_true (pd_test_upload (f->connector, local, "Invoices/2026/März/Scan 2.pdf", NULL, NULL,
                                 &info, &error));
  g_assert_no_error (error);
}

typedef struct {
  guint   pending;
  guint   failed;
} RaceState;

static void
race_upload_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  RaceState *state = user_data;
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  if (!pd_connector_upload_finish (PD_CONNECTOR (source), result, &info, &error))
    {
      g_test_message ("upload failed: %s", error->message);
      state->failed++;
    }
  state->pending--;
}

/* Several uploads at once into the same new folder all try to make it; the ones that lose the
 * race (mod_dav_fs answers their MKCOL with 403) must still upload, not be rejected. */
static void
test_concurrent_new_folder (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("race.pdf", 40 * 1024);
  g_autoptr(GPtrArray) connectors = g_ptr_array_new_with_free_func (g_object_unref);
  RaceState state = { 0 };

  /* One connector per upload, as the engine's workers have: none knows the folder yet. */
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *remote = g_strdup_printf ("Race/2026/doc-%u.pdf", i);
      PdConnector *connector = new_connector ("Office NAS", PD_TEST_WEBDAV_PASSWORD);

      g_ptr_array_add (connectors, connector);
      state.pending++;
      pd_connector_upload_async (connector, local, remote, NULL, NULL, NULL, race_upload_cb, &state);
    }
  while (state.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (state.failed, ==, 0);
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("Race/2026/doc-%u.pdf", i);
      g_autofree char *stored = on_server (name);

      pd_test_assert_same_file (local, stored);
    }
}

static void
test_create_collision (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *first = pd_test_make_file ("first.pdf", 4000);
  g_autofree char *second = pd_test_make_file ("second.pdf", 5000);
  g_autofree char *stored = on_server ("Report.pdf");
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (pd_test_upload (f->connector, first, "Report.pdf", NULL, NULL, &info, &error));
  g_assert_no_error (error);
  g_assert_false (pd_test_upload (f->connector, second, "Report.pdf", NULL, NULL, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_ALREADY_EXISTS);
  g_assert_cmpuint (pd_sync_error_get_http_status (error), ==, 412);
  g_assert_nonnull (strstr (error->message, "Office NAS"));
  pd_test_assert_same_file (first, stored);
}

static void
test_update (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *v1 = pd_test_make_file ("v1.pdf", 1000);
  g_autofree char *v2 = pd_test_make_file ("v2.pdf", 1500);
  g_autofree char *v3 = pd_test_make_file ("v3.pdf", 2000);
  g_autofree char *stored = on_server ("Contracts/Contract.pdf");
  g_autoptr(PdRemoteInfo) info1 = NULL;
  g_autoptr(PdRemoteInfo) info2 = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (pd_test_upload (f->connector, v1, "Contracts/Contract.pdf", NULL, NULL, &info1,
                                 &error));
  g_assert_no_error (error);
  /* Right after the first version: Apache's etag is still weak (see normalize_etag). */
  g_assert_true (pd_test_upload (f->connector, v2, "Contracts/Contract.pdf", info1->etag, NULL,
                                 &info2, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (info2->etag, !=, info1->etag);
  g_assert_cmpuint (info2->size, ==, 1500);
  pd_test_assert_same_file (v2, stored);

  g_assert_false (pd_test_upload (f->connector, v3, "Contracts/Contract.pdf", info1->etag, NULL,
                                  NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT);
  g_assert_cmpuint (pd_sync_error_get_http_status (error), ==, 412);
  pd_test_assert_same_file (v2, stored);
}

static void
test_metadata (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("meta.pdf", 100);
  g_autoptr(GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autoptr(PdRemoteInfo) stat = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autofree char *uri = g_strconcat (pd_test_webdav_get_uri (server), "Tagged/meta.pdf", NULL);
  g_autofree char *auth = NULL;
  g_autofree char *creds = g_base64_encode ((const guchar *) PD_TEST_WEBDAV_USER ":"
                                            PD_TEST_WEBDAV_PASSWORD,
                                            strlen (PD_TEST_WEBDAV_USER ":"
                                                    PD_TEST_WEBDAV_PASSWORD));
  const char *propfind =
    "<?xml version=\"1.0\"?><propfind xmlns=\"DAV:\"><prop>"
    "<uuid xmlns=\"urn:paperdock\"/></prop></propfind>";

  g_hash_table_insert (metadata, "uuid", "6c1f3a9e-4f1e-4c4b-9d3c-1d2e3f4a5b6c");
  g_hash_table_insert (metadata, "title", "Facture “été” <n°7> & co");
  g_assert_true (pd_test_upload (f->connector, local, "Tagged/meta.pdf", NULL, metadata, &info,
                                 &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (info->metadata, "uuid"), ==,
                   "6c1f3a9e-4f1e-4c4b-9d3c-1d2e3f4a5b6c");

  stat = pd_test_stat (f->connector, "Tagged/meta.pdf", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (stat->metadata, "uuid"), ==,
                   "6c1f3a9e-4f1e-4c4b-9d3c-1d2e3f4a5b6c");
  g_assert_cmpstr (g_hash_table_lookup (stat->metadata, "title"), ==, "Facture “été” <n°7> & co");
  g_assert_cmpstr (stat->etag, ==, info->etag);

  /* Any other WebDAV client asking for the property by name finds it too. */
  msg = soup_message_new ("PROPFIND", uri);
  auth = g_strconcat ("Basic ", creds, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Depth", "0");
  request = g_bytes_new_static (propfind, strlen (propfind));
  soup_message_set_request_body_from_bytes (msg, "application/xml", request);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 207);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                  "6c1f3a9e-4f1e-4c4b-9d3c-1d2e3f4a5b6c"));
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                  "urn:paperdock"));
}

static void
test_delete (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *v1 = pd_test_make_file ("d1.pdf", 10);
  g_autofree char *v2 = pd_test_make_file ("d2.pdf", 20);
  g_autofree char *stored = on_server ("old/d.pdf");
  g_autoptr(PdRemoteInfo) info1 = NULL;
  g_autoptr(PdRemoteInfo) info2 = NULL;
  g_autoptr(PdRemoteInfo) gone = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (pd_test_upload (f->connector, v1, "old/d.pdf", NULL, NULL, &info1, &error));
  g_assert_true (pd_test_upload (f->connector, v2, "old/d.pdf", info1->etag, NULL, &info2,
                                 &error));
  g_assert_no_error (error);
  g_assert_false (pd_test_delete (f->connector, "old/d.pdf", info1->etag, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT);
  g_assert_true (g_file_test (stored, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  g_assert_true (pd_test_delete (f->connector, "old/d.pdf", info2->etag, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (stored, G_FILE_TEST_EXISTS));
  gone = pd_test_stat (f->connector, "old/d.pdf", &error);
  g_assert_no_error (error);
  g_assert_false (gone->exists);
  g_assert_false (pd_test_delete (f->connector, "old/d.pdf", NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_NOT_FOUND);
}

static void
test_wrong_password (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(PdConnector) bad = new_connector ("Office NAS", "not-the-password");
  g_autofree char *local = pd_test_make_file ("w.pdf", 10);
  g_autofree char *stored = on_server ("w.pdf");
  g_autoptr(GError) error = NULL;

  g_assert_false (pd_test_upload (bad, local, "w.pdf", NULL, NULL, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_AUTH_REQUIRED);
  g_assert_cmpstr (error->message, ==,
                   "The server refused the password for account “Office NAS”. Sign in again.");
  g_assert_false (g_file_test (stored, G_FILE_TEST_EXISTS));
}

static void
test_read_only (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("ro.pdf", 10);
  g_autoptr(GError) error = NULL;

  g_assert_false (pd_test_upload (f->connector, local, "readonly/x.pdf", NULL, NULL, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FORBIDDEN);
  g_assert_cmpuint (pd_sync_error_get_http_status (error), ==, 403);
  g_clear_error (&error);
  g_assert_false (pd_test_upload (f->connector, local, "readonly/new/x.pdf", NULL, NULL, NULL,
                                  &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FORBIDDEN);
}

static void
test_too_large (Fixture       *f,
                gconstpointer  data)
{
  /* The fixture refuses bodies above 1 MiB. */
  g_autofree char *local = pd_test_make_file ("big.pdf", 1536 * 1024);
  g_autofree char *stored = on_server ("big.pdf");
  g_autoptr(GError) error = NULL;

  g_assert_false (pd_test_upload (f->connector, local, "big.pdf", NULL, NULL, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TOO_LARGE);
  g_assert_false (g_file_test (stored, G_FILE_TEST_EXISTS));
}

static void
test_throttled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdRemoteInfo) info = pd_test_stat (f->connector, "busy/x.pdf", &error);

  g_assert_null (info);
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_THROTTLED);
  g_assert_cmpuint (pd_sync_error_get_http_status (error), ==, 503);
  g_assert_cmpint (pd_sync_error_get_retry_after (error), ==, 120);
  g_assert_true (pd_sync_error_is_retryable (error));
}

static void
test_connection_refused (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u/dav/", pd_test_free_port ());
  g_autoptr(GError) error = NULL;
  g_autoptr(PdConnector) nowhere = pd_webdav_connector_new ("Home server", uri, "bob", "pw",
                                                            &error);
  g_autofree char *local = pd_test_make_file ("n.pdf", 10);

  g_assert_no_error (error);
  g_assert_false (pd_test_upload (nowhere, local, "a/n.pdf", NULL, NULL, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT);
  g_assert_nonnull (strstr (error->message, "Home server"));
  g_clear_error (&error);

  g_assert_null (pd_webdav_connector_new ("Typo", "ftp://example.org/", "bob", "pw", &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED);
}

static void
test_connection (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(PdConnector) bad = new_connector ("Office NAS", "wrong");
  g_autoptr(GError) error = NULL;

  g_assert_true (pd_test_connection (f->connector, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pd_test_count_matching (pd_test_webdav_get_root (server), "paperdock-test"),
                    ==, 0);

  g_assert_false (pd_test_connection (bad, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_AUTH_REQUIRED);
}

/* A kill during a download leaves PdDurableFile's temporary "<name>.part-XXXXXX" beside the
 * target; the next download of that file clears it, and nothing else. */
static void
test_stale_partials (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("p.pdf", 30 * 1024);
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "downloads", NULL);
  g_autofree char *target = g_build_filename (dir, "p.pdf", NULL);
  g_autofree char *stale = g_build_filename (dir, "p.pdf.part-Ab12Cd", NULL);
  g_autofree char *not_ours = g_build_filename (dir, "p.pdf.part-notes.txt", NULL);
  g_autofree char *other = g_build_filename (dir, "q.pdf.part-Xy34Zw", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (pd_test_upload (f->connector, local, "partials/p.pdf", NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_mkdir_with_parents (dir, 0700);
  g_assert_true (g_file_set_contents (stale, "half a PDF", -1, NULL));
  g_assert_true (g_file_set_contents (not_ours, "keep", -1, NULL));
  g_assert_true (g_file_set_contents (other, "another download", -1, NULL));

  g_assert_true (pd_test_download (f->connector, "partials/p.pdf", target, NULL, &error));
  g_assert_no_error (error);
  pd_test_assert_same_file (local, target);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (not_ours, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (other, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (pd_test_count_matching (dir, "p.pdf.part-"), ==, 1);
}

/* Files in @dir, leaving out mod_dav_fs's own property folder. */
static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (!g_str_equal (name, ".DAV"))
      n++;
  return n;
}

/* A server that takes the file and then answers later than the connector waits: the upload
 * fails as TRANSIENT within about the timeout, and the next attempt ends with the file there
 * once, with its metadata. */
static void
test_timeout (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GUri) apache = g_uri_parse (pd_test_webdav_get_uri (server), G_URI_FLAGS_NONE, NULL);
  PdFaultProxy *proxy = pd_fault_proxy_new ((guint16) g_uri_get_port (apache), 7);
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u/dav/",
                                          pd_fault_proxy_get_port (proxy));
  g_autoptr(GError) error = NULL;
  g_autoptr(PdConnector) slow = pd_webdav_connector_new ("Office NAS", uri, PD_TEST_WEBDAV_USER,
                                                         PD_TEST_WEBDAV_PASSWORD, &error);
  g_autofree char *local = pd_test_make_file ("t.pdf", 300 * 1024);
  g_autofree char *folder = on_server ("Slow");
  g_autofree char *stored = on_server ("Slow/t.pdf");
  g_autoptr(GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(PdRemoteInfo) remote = NULL;
  g_autoptr(PdRemoteInfo) info = NULL;
  gint64 start;
  double seconds;

  g_assert_no_error (error);
  g_hash_table_insert (metadata, "uuid", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d");
  g_hash_table_insert (metadata, "revision", "1");
  g_assert_cmpuint (pd_webdav_connector_get_timeout (PD_WEBDAV_CONNECTOR (slow)), ==, 60);
  g_object_set (slow, "timeout", 2, NULL);
  g_assert_cmpuint (pd_webdav_connector_get_timeout (PD_WEBDAV_CONNECTOR (slow)), ==, 2);

  pd_fault_proxy_hold_response (proxy, "PUT", 6000);
  start = g_get_monotonic_time ();
  g_assert_false (pd_test_upload (slow, local, "Slow/t.pdf", NULL, metadata, NULL, &error));
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_test_message ("the upload gave up after %.1f s", seconds);
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT);
  g_assert_nonnull (strstr (error->message, "within 2 seconds"));
  g_assert_cmpfloat (seconds, >=, 1.5);
  g_assert_cmpfloat (seconds, <, 4.5);
  g_clear_error (&error);

  /* The server did store it: the next create-only attempt is refused, and the engine then
   * finds its own bytes without their metadata (pd-sync-engine.c) and replaces them in place. */
  g_assert_false (pd_test_upload (slow, local, "Slow/t.pdf", NULL, metadata, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);
  remote = pd_test_stat (slow, "Slow/t.pdf", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remote->size, ==, 300 * 1024);
  g_assert_null (g_hash_table_lookup (remote->metadata, "uuid"));
  g_assert_true (pd_test_upload (slow, local, "Slow/t.pdf", remote->etag, metadata, &info,
                                 &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (info->metadata, "uuid"), ==,
                   "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d");
  g_assert_cmpuint (count_entries (folder), ==, 1);
  pd_test_assert_same_file (local, stored);
  pd_fault_proxy_free (proxy);
}

/* TLS */

static char *
read_pem (const char *path)
{
  g_autofree char *pem = NULL;

  g_assert_true (g_file_get_contents (path, &pem, NULL, NULL));
  return g_steal_pointer (&pem);
}

/* Verification is always on; a pinned certificate is trusted only when it is the very one the
 * server presents. */
static void
test_tls_pinning (void)
{
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *other_cert = NULL;
  g_autofree char *other_key = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *other_pem = NULL;
  g_autofree char *local = pd_test_make_file ("tls.pdf", 20 * 1024);
  g_autofree char *stored = NULL;
  PdTestWebdav *tls_server;
  g_autoptr(PdConnector) connector = NULL;
  g_autoptr(GError) error = NULL;

  pd_test_make_certificate ("server", &cert, &key);
  pd_test_make_certificate ("other", &other_cert, &other_key);
  pem = read_pem (cert);
  other_pem = read_pem (other_cert);
  tls_server = pd_test_webdav_start_tls (1024 * 1024, cert, key);
  g_assert_true (g_str_has_prefix (pd_test_webdav_get_uri (tls_server), "https://"));
  stored = g_build_filename (pd_test_webdav_get_root (tls_server), "tls.pdf", NULL);
  connector = pd_webdav_connector_new ("Home server", pd_test_webdav_get_uri (tls_server),
                                       PD_TEST_WEBDAV_USER, PD_TEST_WEBDAV_PASSWORD, &error);
  g_assert_no_error (error);

  /* Self-signed and not pinned: refused, and the message says why. */
  g_assert_false (pd_test_upload (connector, local, "tls.pdf", NULL, NULL, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CERTIFICATE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "Home server"));
  g_assert_nonnull (strstr (error->message, "unknown issuer"));
  g_assert_false (pd_sync_error_is_retryable (error));
  g_clear_error (&error);
  g_assert_false (g_file_test (stored, G_FILE_TEST_EXISTS));

  /* Another certificate pinned: still refused. */
  g_assert_true (pd_webdav_connector_set_pinned_certificate (PD_WEBDAV_CONNECTOR (connector),
                                                             other_pem, &error));
  g_assert_no_error (error);
  g_assert_false (pd_test_upload (connector, local, "tls.pdf", NULL, NULL, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, "trusted for this account"));
  g_clear_error (&error);
  g_assert_false (g_file_test (stored, G_FILE_TEST_EXISTS));

  /* The server's own certificate pinned: accepted. */
  g_assert_true (pd_webdav_connector_set_pinned_certificate (PD_WEBDAV_CONNECTOR (connector), pem,
                                                             &error));
  g_assert_no_error (error);
  g_assert_true (pd_test_upload (connector, local, "tls.pdf", NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  pd_test_assert_same_file (local, stored);

  /* Unpinned again: refused again, even on a connection that was fine a moment ago. */
  g_assert_true (pd_webdav_connector_set_pinned_certificate (PD_WEBDAV_CONNECTOR (connector),
                                                             NULL, &error));
  g_assert_null (pd_test_stat (connector, "tls.pdf", &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CERTIFICATE);
  g_clear_error (&error);

  /* Not a certificate at all. */
  g_assert_false (pd_webdav_connector_set_pinned_certificate (PD_WEBDAV_CONNECTOR (connector),
                                                              "not a PEM", &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CERTIFICATE);

  pd_test_webdav_stop (tls_server);
}

/* Runs last: everything above went through the HTTP debug log. */
static void
test_password_not_logged (void)
{
  g_autofree char *basic = g_base64_encode ((const guchar *) PD_TEST_WEBDAV_USER ":"
                                            PD_TEST_WEBDAV_PASSWORD,
                                            strlen (PD_TEST_WEBDAV_USER ":"
                                                    PD_TEST_WEBDAV_PASSWORD));
  g_autofree char *wrong = g_base64_encode ((const guchar *) PD_TEST_WEBDAV_USER ":wrong",
                                            strlen (PD_TEST_WEBDAV_USER ":wrong"));

  g_mutex_lock (&log_lock);
  /* The log did record the requests, and their Authorization headers only as redacted. */
  g_assert_nonnull (strstr (log_text->str, "PUT /dav/"));
  g_assert_nonnull (strstr (log_text->str, "Authorization: [redacted]"));
  g_assert_null (strstr (log_text->str, PD_TEST_WEBDAV_PASSWORD));
  g_assert_null (strstr (log_text->str, basic));
  g_assert_null (strstr (log_text->str, wrong));
  g_mutex_unlock (&log_lock);
}

int
main (int argc, char **argv)
{
  int ret;

  /* The HTTP debug log is on for the whole run, and every line of it is kept. */
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  /* GNOME's proxy resolver reads GSettings schemas that the isolated test dirs hide. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  log_text = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  server = pd_test_webdav_start (1024 * 1024);

#define ADD(path, func) \
  g_test_add ("/sync/webdav/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("upload-new", test_upload_new);
  ADD ("concurrent-new-folder", test_concurrent_new_folder);
  ADD ("create-collision", test_create_collision);
  ADD ("update", test_update);
  ADD ("metadata", test_metadata);
  ADD ("delete", test_delete);
  ADD ("wrong-password", test_wrong_password);
  ADD ("read-only", test_read_only);
  ADD ("too-large", test_too_large);
  ADD ("throttled", test_throttled);
  ADD ("connection-refused", test_connection_refused);
  ADD ("test-connection", test_connection);
  ADD ("stale-partials", test_stale_partials);
  ADD ("timeout", test_timeout);
#undef ADD
  g_test_add_func ("/sync/webdav/tls-pinning", test_tls_pinning);
  g_test_add_func ("/sync/webdav/password-not-logged", test_password_not_logged);

  ret = g_test_run ();
  pd_test_webdav_stop (server);
  g_string_free (log_text, TRUE);
  return ret;
}
