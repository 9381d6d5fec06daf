/* test-folder-connector.c: the folder connector on a real folder: what a person opening the
 * destination would see (the file, byte for byte, once; no half-written leftovers), and the
 * create-only and update-if-unchanged rules the sync engine relies on. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "pd-folder-connector.h"
#include "pd-test-sync.h"

typedef struct {
  char        *root;
  PdConnector *connector;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->root = g_build_filename (g_get_user_data_dir (), "Shared Scans", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->root, 0755), ==, 0);
  f->connector = pd_folder_connector_new ("Office share", f->root);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  pd_test_assert_finalized (f->connector);
  g_free (f->root);
}

static void
test_upload_new (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("new.pdf", 300 * 1024 + 7);
  g_autofree char *dest = g_build_filename (f->root, "Invoices", "2026", "03", "Scan 1.pdf", NULL);
  g_autofree char *back = g_build_filename (g_get_user_cache_dir (), "back.pdf", NULL);
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autoptr(PdRemoteInfo) stat = NULL;
  g_autoptr(PdRemoteInfo) down = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (pd_test_upload (f->connector, local, "Invoices/2026/03/Scan 1.pdf", NULL, NULL,
                                 &info, &error));
  g_assert_no_error (error);
  /* The parents were created and the file is there, identical. */
  pd_test_assert_same_file (local, dest);
  g_assert_true (info->exists);
  g_assert_cmpuint (info->size, ==, 300 * 1024 + 7);
  g_assert_nonnull (info->etag);
  g_assert_cmpint (info->modified, >, 0);
  g_assert_cmpuint (pd_test_count_matching (f->root, ".pd-upload-"), ==, 0);

  stat = pd_test_stat (f->connector, "Invoices/2026/03/Scan 1.pdf", &error);
  g_assert_no_error (error);
  g_assert_true (stat->exists);
  g_assert_cmpstr (stat->etag, ==, info->etag);
  g_assert_cmpuint (stat->size, ==, info->size);

  g_assert_true (pd_test_download (f->connector, "Invoices/2026/03/Scan 1.pdf", back, &down,
                                   &error));
  g_assert_no_error (error);
  pd_test_assert_same_file (local, back);
  g_assert_cmpstr (down->etag, ==, info->etag);
}

static void
test_create_collision (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *first = pd_test_make_file ("first.pdf", 4000);
  g_autofree char *second = pd_test_make_file ("second.pdf", 5000);
  g_autofree char *dest = g_build_filename (f->root, "Report.pdf", NULL);
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autoptr(PdRemoteInfo) none = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (pd_test_upload (f->connector, first, "Report.pdf", NULL, NULL, &info, &error));
  g_assert_no_error (error);

  g_assert_false (pd_test_upload (f->connector, second, "Report.pdf", NULL, NULL, &none, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_ALREADY_EXISTS);
  g_assert_nonnull (strstr (error->message, "Office share"));
  g_assert_null (none);
  /* The original is untouched and nothing is left behind. */
  pd_test_assert_same_file (first, dest);
  g_assert_cmpuint (pd_test_count_matching (f->root, ".pd-upload-"), ==, 0);
}

static void
test_update (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *v1 = pd_test_make_file ("v1.pdf", 1000);
  g_autofree char *v2 = pd_test_make_file ("v2.pdf", 1000);
  g_autofree char *v3 = pd_test_make_file ("v3.pdf", 2000);
  g_autofree char *dest = g_build_filename (f->root, "Contract.pdf", NULL);
  g_autoptr(PdRemoteInfo) info1 = NULL;
  g_autoptr(PdRemoteInfo) info2 = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (pd_test_upload (f->connector, v1, "Contract.pdf", NULL, NULL, &info1, &error));
  g_assert_no_error (error);
  /* Same size, written right after: the etag must still change. */
  g_assert_true (pd_test_upload (f->connector, v2, "Contract.pdf", info1->etag, NULL, &info2,
                                 &error));
  g_assert_no_error (error);
  g_assert_cmpstr (info2->etag, !=, info1->etag);
  pd_test_assert_same_file (v2, dest);

  /* Someone else's copy is newer than the one we last saw: refuse. */
  g_assert_false (pd_test_upload (f->connector, v3, "Contract.pdf", info1->etag, NULL, NULL,
                                  &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT);
  pd_test_assert_same_file (v2, dest);
  g_assert_cmpuint (pd_test_count_matching (f->root, ".pd-upload-"), ==, 0);
  g_clear_error (&error);

  /* Removed remotely since the last sync: also a conflict, not a silent re-create. */
  g_assert_cmpint (g_unlink (dest), ==, 0);
  g_assert_false (pd_test_upload (f->connector, v3, "Contract.pdf", info2->etag, NULL, NULL,
                                  &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT);
  g_assert_false (g_file_test (dest, G_FILE_TEST_EXISTS));
}

static void
test_metadata (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("meta.pdf", 100);
  g_autofree char *probe = g_build_filename (f->root, "probe", NULL);
  g_autoptr(GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autoptr(PdRemoteInfo) stat = NULL;
  g_autoptr(GError) error = NULL;

  g_file_set_contents (probe, "", 0, NULL);
  if (setxattr (probe, "user.paperdock.probe", "1", 1, 0) != 0)
    {
      g_test_skip ("this filesystem has no user extended attributes");
      return;
    }
  g_hash_table_insert (metadata, "uuid", "6c1f3a9e-4f1e-4c4b-9d3c-1d2e3f4a5b6c");
  g_hash_table_insert (metadata, "title", "Facture “été” <n°7>");
  g_assert_true (pd_test_upload (f->connector, local, "meta.pdf", NULL, metadata, &info, &error));
  g_assert_no_error (error);
  stat = pd_test_stat (f->connector, "meta.pdf", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (stat->metadata, "uuid"), ==,
                   "6c1f3a9e-4f1e-4c4b-9d3c-1d2e3f4a5b6c");
  g_assert_cmpstr (g_hash_table_lookup (stat->metadata, "title"), ==, "Facture “été” <n°7>");
}

static void
test_delete (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *v1 = pd_test_make_file ("d1.pdf", 10);
  g_autofree char *v2 = pd_test_make_file ("d2.pdf", 20);
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
  g_clear_error (&error);
  g_assert_true (pd_test_delete (f->connector, "old/d.pdf", info2->etag, &error));
  g_assert_no_error (error);
  gone = pd_test_stat (f->connector, "old/d.pdf", &error);
  g_assert_no_error (error);
  g_assert_false (gone->exists);
  g_assert_false (pd_test_delete (f->connector, "old/d.pdf", NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_NOT_FOUND);
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("e.pdf", 10);
  g_autofree char *missing = g_build_filename (f->root, "not mounted", NULL);
  g_autoptr(PdConnector) unmounted = pd_folder_connector_new ("NAS", missing);
  g_autoptr(GError) error = NULL;

  g_assert_false (pd_test_upload (f->connector, local, "../escape.pdf", NULL, NULL, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_INVALID_NAME);
  g_clear_error (&error);

  /* An unmounted share is retried later, and never silently filled on the local disk. */
  g_assert_false (pd_test_upload (unmounted, local, "a/b.pdf", NULL, NULL, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT);
  g_assert_nonnull (strstr (error->message, "NAS"));
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  g_assert_false (pd_test_download (f->connector, "nothing.pdf", local, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_NOT_FOUND);
}

static void
test_read_only (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("ro.pdf", 10);
  g_autofree char *ro = g_build_filename (f->root, "readonly", NULL);
  g_autoptr(GError) error = NULL;

  if (geteuid () == 0)
    {
      g_test_skip ("root ignores folder permissions");
      return;
    }
  g_assert_cmpint (g_mkdir (ro, 0555), ==, 0);
  g_assert_false (pd_test_upload (f->connector, local, "readonly/x.pdf", NULL, NULL, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FORBIDDEN);
  g_chmod (ro, 0755);
}

static void
test_connection (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (f->root, "gone", NULL);
  g_autoptr(PdConnector) bad = pd_folder_connector_new ("Gone", missing);
  g_autoptr(GError) error = NULL;

  g_assert_true (pd_test_connection (f->connector, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pd_test_count_matching (f->root, "paperdock-test"), ==, 0);

  g_assert_false (pd_test_connection (bad, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/sync/folder/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("upload-new", test_upload_new);
  ADD ("create-collision", test_create_collision);
  ADD ("update", test_update);
  ADD ("metadata", test_metadata);
  ADD ("delete", test_delete);
  ADD ("errors", test_errors);
  ADD ("read-only", test_read_only);
  ADD ("test-connection", test_connection);
#undef ADD

  return g_test_run ();
}
