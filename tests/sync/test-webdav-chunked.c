/* test-webdav-chunked.c: large files to Nextcloud go in chunks (Nextcloud's chunked upload
 * v2), against the in-process Nextcloud fixture (pd-nextcloud-server.c): the file arrives
 * whole and byte-identical, an upload cut in the middle is resumed by the next attempt without
 * sending again what the server already has, and the MOVE that assembles the chunks keeps the
 * create-only and replace-only-if-unchanged promises of a plain PUT. Apache, which has no
 * chunking, still gets one plain PUT. */
#include <gio/gio.h>
#include <string.h>

#include "pd-nextcloud-server.h"
#include "pd-test-sync.h"
#include "pd-test-webdav.h"
#include "pd-webdav-connector.h"

#define MIB (1024 * 1024)

typedef struct {
  PdNextcloudServer *server;
  PdConnector       *connector;
} Fixture;

static PdConnector *
new_connector (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  PdConnector *connector = pd_webdav_connector_new ("Nextcloud",
                                                    pd_nextcloud_server_get_uri (f->server),
                                                    PD_TEST_WEBDAV_USER, PD_TEST_WEBDAV_PASSWORD,
                                                    &error);

  g_assert_no_error (error);
  return connector;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = pd_nextcloud_server_new (PD_TEST_WEBDAV_USER, PD_TEST_WEBDAV_PASSWORD);
  f->connector = new_connector (f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  pd_test_assert_finalized (f->connector);
  pd_nextcloud_server_free (f->server);
}

/* Small chunks for the tests that are not about the defaults, so they stay quick. */
static void
use_small_chunks (Fixture     *f,
                  PdConnector *connector)
{
  g_object_set (connector, "chunk-threshold", (guint64) MIB, "chunk-size", (guint64) MIB, NULL);
  pd_nextcloud_server_set_min_chunk (f->server, MIB);
}

static char *
on_server (Fixture    *f,
           const char *remote_path)
{
  return g_build_filename (pd_nextcloud_server_get_root (f->server), remote_path, NULL);
}

static GHashTable *
document_metadata (const char *uuid,
                   const char *revision)
{
  GHashTable *metadata = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (metadata, "uuid", (gpointer) uuid);
  g_hash_table_insert (metadata, "revision", (gpointer) revision);
  return metadata;
}

static char *
sha256_of (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
}

static void
test_large_in_chunks (Fixture       *f,
                      gconstpointer  data)
{
  /* Default threshold (10 MiB) and chunk size (5 MiB): 5 + 5 + 2. */
  g_autofree char *local = pd_test_make_file ("big.pdf", 12 * MIB);
  g_autofree char *stored = on_server (f, "Scans/2026/big.pdf");
  g_autoptr(GHashTable) metadata = document_metadata ("0b6e2f4e-8d7c-4a43-9c59-0e1f2a3b4c5d", "1");
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autoptr(PdRemoteInfo) stat = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha_local = NULL;
  g_autofree char *sha_stored = NULL;

  g_assert_true (pd_test_upload (f->connector, local, "Scans/2026/big.pdf", NULL, metadata, &info,
                                 &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pd_nextcloud_server_count_chunk_puts (f->server, 0), ==, 3);
  g_assert_cmpuint (pd_nextcloud_server_count_chunk_puts (f->server, 3), ==, 1);
  g_assert_cmpuint (pd_nextcloud_server_count_file_puts (f->server), ==, 0);
  g_assert_cmpuint (pd_nextcloud_server_count_uploads (f->server), ==, 0);
  sha_local = sha256_of (local);
  sha_stored = sha256_of (stored);
  g_assert_cmpstr (sha_stored, ==, sha_local);
  g_assert_cmpuint (info->size, ==, 12 * MIB);
  g_assert_nonnull (info->etag);
  g_assert_cmpstr (g_hash_table_lookup (info->metadata, "uuid"), ==,
                   "0b6e2f4e-8d7c-4a43-9c59-0e1f2a3b4c5d");

  stat = pd_test_stat (f->connector, "Scans/2026/big.pdf", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stat->etag, ==, info->etag);

  /* A small file on the same server: one plain PUT. */
  {
    g_autofree char *small = pd_test_make_file ("small.pdf", 100 * 1024);
    g_autofree char *small_stored = on_server (f, "Scans/2026/small.pdf");

    g_assert_true (pd_test_upload (f->connector, small, "Scans/2026/small.pdf", NULL, NULL, NULL,
                                   &error));
    g_assert_no_error (error);
    g_assert_cmpuint (pd_nextcloud_server_count_file_puts (f->server), ==, 1);
    g_assert_cmpuint (pd_nextcloud_server_count_chunk_puts (f->server, 0), ==, 3);
    pd_test_assert_same_file (small, small_stored);
  }
}

static void
test_resume_after_cut (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("resume.pdf", 3 * MIB + 11);
  g_autofree char *stored = on_server (f, "resume.pdf");
  g_autoptr(GHashTable) metadata = document_metadata ("5d1c0b7a-2f34-4e59-8a6b-7c8d9e0f1a2b", "3");
  g_autoptr(PdConnector) second = NULL;
  g_autoptr(GError) error = NULL;

  /* The network drops half-way through the second chunk, every time, until it comes back. */
  use_small_chunks (f, f->connector);
  pd_nextcloud_server_cut_chunk (f->server, 2, MIB / 2);
  g_assert_false (pd_test_upload (f->connector, local, "resume.pdf", NULL, metadata, NULL,
                                  &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT);
  g_assert_true (pd_sync_error_is_retryable (error));
  g_clear_error (&error);
  g_assert_cmpuint (pd_nextcloud_server_count_cuts (f->server), >=, 1);
  g_assert_cmpuint (pd_nextcloud_server_count_chunk_puts (f->server, 1), ==, 1);
  g_assert_cmpuint (pd_nextcloud_server_count_chunk_puts (f->server, 2), ==, 0);
  g_assert_false (g_file_test (stored, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (pd_nextcloud_server_count_uploads (f->server), ==, 1);

  /* Back online, after a restart of the app: a new connector knows nothing of the first. */
  pd_nextcloud_server_cut_chunk (f->server, 0, 0);
  second = new_connector (f);
  use_small_chunks (f, second);
  g_assert_true (pd_test_upload (second, local, "resume.pdf", NULL, metadata, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pd_nextcloud_server_count_chunk_puts (f->server, 1), ==, 1);
  g_assert_cmpuint (pd_nextcloud_server_count_chunk_puts (f->server, 2), ==, 1);
  g_assert_cmpuint (pd_nextcloud_server_count_chunk_puts (f->server, 3), ==, 1);
  g_assert_cmpuint (pd_nextcloud_server_count_chunk_puts (f->server, 4), ==, 1);
  g_assert_cmpuint (pd_nextcloud_server_count_uploads (f->server), ==, 0);
  pd_test_assert_same_file (local, stored);
}

static void
test_create_only (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *first = pd_test_make_file ("first.pdf", 3 * MIB + 5);
  g_autofree char *second = pd_test_make_file ("second.pdf", 3 * MIB + 7);
  g_autofree char *stored = on_server (f, "Report.pdf");
  g_autoptr(GError) error = NULL;

  use_small_chunks (f, f->connector);
  g_assert_true (pd_test_upload (f->connector, first, "Report.pdf", NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pd_nextcloud_server_count_chunk_puts (f->server, 0), ==, 4);

  g_assert_false (pd_test_upload (f->connector, second, "Report.pdf", NULL, NULL, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_ALREADY_EXISTS);
  g_assert_cmpuint (pd_sync_error_get_http_status (error), ==, 412);
  g_assert_nonnull (strstr (error->message, "Nextcloud"));
  pd_test_assert_same_file (first, stored);
  g_assert_cmpuint (pd_nextcloud_server_count_chunk_puts (f->server, 0), ==, 8);
}

static void
test_stale_etag (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *v1 = pd_test_make_file ("v1.pdf", 2 * MIB + 1);
  g_autofree char *v2 = pd_test_make_file ("v2.pdf", 2 * MIB + 2);
  g_autofree char *v3 = pd_test_make_file ("v3.pdf", 2 * MIB + 3);
  g_autofree char *stored = on_server (f, "Contracts/Contract.pdf");
  g_autoptr(PdRemoteInfo) info1 = NULL;
  g_autoptr(PdRemoteInfo) info2 = NULL;
  g_autoptr(GError) error = NULL;

  use_small_chunks (f, f->connector);
  g_assert_true (pd_test_upload (f->connector, v1, "Contracts/Contract.pdf", NULL, NULL, &info1,
                                 &error));
  g_assert_no_error (error);
  g_assert_true (pd_test_upload (f->connector, v2, "Contracts/Contract.pdf", info1->etag, NULL,
                                 &info2, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (info2->etag, !=, info1->etag);
  pd_test_assert_same_file (v2, stored);

  /* Another laptop still has the first version's etag. */
  g_assert_false (pd_test_upload (f->connector, v3, "Contracts/Contract.pdf", info1->etag, NULL,
                                  NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT);
  g_assert_cmpuint (pd_sync_error_get_http_status (error), ==, 412);
  pd_test_assert_same_file (v2, stored);
  g_assert_cmpuint (pd_nextcloud_server_count_file_puts (f->server), ==, 0);
}

/* Apache has no uploads collection: a file above the threshold is one plain PUT there. */
static void
test_apache_plain_put (void)
{
  PdTestWebdav *apache = pd_test_webdav_start (64 * MIB);
  g_autofree char *local = pd_test_make_file ("apache.pdf", 3 * MIB);
  g_autofree char *stored = g_build_filename (pd_test_webdav_get_root (apache), "apache.pdf",
                                              NULL);
  g_autofree char *access_log = g_build_filename (pd_test_webdav_get_root (apache), "..", "logs",
                                                  "access.log", NULL);
  g_autofree char *log = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PdConnector) connector = pd_webdav_connector_new ("Office NAS",
                                                              pd_test_webdav_get_uri (apache),
                                                              PD_TEST_WEBDAV_USER,
                                                              PD_TEST_WEBDAV_PASSWORD, &error);
  guint puts = 0;

  g_assert_no_error (error);
  g_object_set (connector, "chunk-threshold", (guint64) MIB, "chunk-size", (guint64) MIB, NULL);
  g_assert_true (pd_test_upload (connector, local, "apache.pdf", NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  pd_test_assert_same_file (local, stored);

  g_assert_true (g_file_get_contents (access_log, &log, NULL, NULL));
  for (const char *p = log; (p = strstr (p, "\"PUT ")) != NULL; p++)
    puts++;
  g_assert_cmpuint (puts, ==, 1);
  g_assert_null (strstr (log, "MOVE"));
  pd_test_webdav_stop (apache);
}

int
main (int argc, char **argv)
{
  /* GNOME's proxy resolver reads GSettings schemas that the isolated test dirs hide. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/sync/webdav-chunked/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("large-in-chunks", test_large_in_chunks);
  ADD ("resume-after-cut", test_resume_after_cut);
  ADD ("create-only", test_create_only);
  ADD ("stale-etag", test_stale_etag);
#undef ADD
  g_test_add_func ("/sync/webdav-chunked/apache-plain-put", test_apache_plain_put);

  return g_test_run ();
}
