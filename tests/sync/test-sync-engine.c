/* test-sync-engine.c: the sync engine against a real folder and the real Apache WebDAV fixture.
 * What a user checks: each document is on the server exactly once with the same bytes; a busy
 * server's Retry-After becomes the stored wait; a taken name gives "name (2).pdf" and an inbox
 * item; a document changed on both sides keeps theirs as a version; a wrong password asks to
 * sign in; an upload whose answer was lost is not sent twice; synced documents are evicted and
 * come back; the password is never in the database or the log. Runs inside a private
 * gnome-keyring (see run-with-keyring.sh). */
#include <string.h>

#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "pd-account.h"
#include "pd-folder-connector.h"
#include "pd-library-sync.h"
#include "pd-profile.h"
#include "pd-secret.h"
#include "pd-sync-engine.h"
#include "pd-test-sync.h"
#include "pd-test-webdav.h"
#include "pd-thumbnail.h"
#include "pd-webdav-connector.h"

static PdTestWebdav *webdav;
static GString *captured_log;

static GLogWriterOutput
capture_log_writer (GLogLevelFlags   level,
                    const GLogField *fields,
                    gsize            n_fields,
                    gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
      {
        g_string_append (captured_log, fields[i].value);
        g_string_append_c (captured_log, '\n');
      }
  /* Debug output is only captured (to look for secrets in it): printed, it would go to stdout
   * and break the TAP stream. */
  if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

typedef struct {
  char         *dir;
  PdLibrary    *library;
  PdSyncEngine *engine;
  char         *remote;       /* the folder account's root */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_build_filename (g_get_user_data_dir (), "lib", NULL);
  f->library = pd_library_open (f->dir, &error);
  g_assert_no_error (error);
  f->engine = pd_sync_engine_new (f->library);
  f->remote = g_build_filename (g_get_user_data_dir (), "share", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->remote, 0700), ==, 0);
  g_assert_cmpint (pd_library_add_account (f->library, "Share", "folder", f->remote, NULL,
                                           &error), >, 0);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->engine);
  g_clear_object (&f->library);
  g_free (f->dir);
  g_free (f->remote);
}

/* A ready document with a PDF of @size random bytes, going to @destination. */
static gint64
make_ready (Fixture    *f,
            const char *name,
            gsize       size,
            const char *destination)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autofree char *file = g_strdup_printf ("%s.pdf", name);
  g_autofree char *tmp = pd_test_make_file (file, size);
  g_autofree char *pdf = g_build_filename (pd_library_get_documents_dir (f->library), file, NULL);

  g_assert_cmpint (g_rename (tmp, pdf), ==, 0);
  document = pd_library_create_document (f->library, name, NULL, PD_SCAN_MODE_TEXT, "eng", &error);
  g_assert_no_error (error);
  g_assert_true (pd_library_transition (f->library, document->id, PD_DOC_STATE_CAPTURING,
                                        PD_DOC_STATE_PROCESSING, "processing", NULL, &error));
  g_assert_true (pd_library_set_document_ready (f->library, document->id, pdf, &error));
  if (destination != NULL)
    g_assert_true (pd_library_set_document_destination (f->library, document->id, destination,
                                                        &error));
  g_assert_no_error (error);
  return document->id;
}

static void
pass_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static PdSyncSummary
run_pass (PdSyncEngine *engine)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  PdSyncSummary summary = { 0 };

  pd_sync_engine_run_pass_async (engine, NULL, pass_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (pd_sync_engine_run_pass_finish (engine, result, &summary, &error));
  g_assert_no_error (error);
  return summary;
}

static guint
count_inbox (PdLibrary  *library,
             const char *kind)
{
  g_autoptr(GPtrArray) items = pd_library_list_inbox (library, FALSE, NULL);
  guint n = 0;

  for (guint i = 0; i < items->len; i++)
    if (g_strcmp0 (((PdInboxItem *) items->pdata[i])->kind, kind) == 0)
      n++;
  return n;
}

static void
test_folder_drained_once (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(PdSyncState) a = NULL;
  g_autoptr(PdSyncState) b = NULL;
  g_autoptr(GPtrArray) log = NULL;
  g_autofree char *remote_a = NULL;
  PdSyncSummary summary;
  gint64 id_a, id_b;
  guint64 bytes_done = 0;

  id_a = make_ready (f, "Invoice", 70000, "Share:Invoices/2026");
  id_b = make_ready (f, "Letter", 12000, "Share:");
  make_ready (f, "Kept here", 1000, NULL);

  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.accepted, ==, 2);
  g_assert_cmpuint (summary.conflicts + summary.rejected + summary.retry_later, ==, 0);

  a = pd_library_get_sync_state (f->library, id_a, NULL);
  b = pd_library_get_sync_state (f->library, id_b, NULL);
  g_assert_cmpstr (a->remote_path, ==, "Invoices/2026/Invoice.pdf");
  g_assert_cmpstr (b->remote_path, ==, "Letter.pdf");
  g_assert_cmpint (a->synced_revision, ==, a->revision);
  g_assert_nonnull (a->remote_etag);
  remote_a = g_build_filename (f->remote, "Invoices", "2026", "Invoice.pdf", NULL);
  pd_test_assert_same_file (a->pdf_path, remote_a);
  g_assert_cmpuint (pd_test_count_matching (f->remote, ".pdf"), ==, 2);

  /* progress reached the end */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_object_get (f->engine, "bytes-done", &bytes_done, NULL);
  g_assert_cmpuint (bytes_done, ==, 82000);

  /* drained: a second pass sends nothing and makes no second file */
  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.accepted, ==, 0);
  g_assert_cmpuint (pd_test_count_matching (f->remote, ".pdf"), ==, 2);
  g_assert_cmpuint (pd_library_count_sync_pending (f->library, 10, NULL), ==, 0);

  /* each outcome has its log row with bytes and outcome */
  log = pd_library_list_sync_log (f->library, 0, NULL);
  g_assert_cmpuint (log->len, ==, 2);
  g_assert_cmpstr (((PdSyncLogEntry *) log->pdata[0])->outcome, ==, "accepted");
  g_assert_cmpstr (((PdSyncLogEntry *) log->pdata[0])->account_name, ==, "Share");
  /* two workers: either order */
  g_assert_cmpuint (((PdSyncLogEntry *) log->pdata[0])->bytes +
                    ((PdSyncLogEntry *) log->pdata[1])->bytes, ==, 82000);
}

static void
test_folder_name_taken (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *theirs = g_build_filename (f->remote, "Receipt.pdf", NULL);
  g_autofree char *ours = g_build_filename (f->remote, "Receipt (2).pdf", NULL);
  g_autoptr(PdSyncState) state = NULL;
  g_autoptr(GPtrArray) items = NULL;
  PdSyncSummary summary;
  gint64 id;

  g_assert_true (g_file_set_contents (theirs, "someone else's receipt", -1, NULL));
  id = make_ready (f, "Receipt", 5000, "Share:");

  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.conflicts, ==, 1);
  state = pd_library_get_sync_state (f->library, id, NULL);
  g_assert_cmpstr (state->remote_path, ==, "Receipt (2).pdf");
  pd_test_assert_same_file (state->pdf_path, ours);
  /* never overwritten */
  {
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (theirs, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "someone else's receipt");
  }
  items = pd_library_list_inbox (f->library, FALSE, NULL);
  g_assert_cmpuint (items->len, ==, 1);
  g_assert_cmpstr (((PdInboxItem *) items->pdata[0])->kind, ==, "name_taken");
  g_assert_nonnull (strstr (((PdInboxItem *) items->pdata[0])->message, "Receipt (2).pdf"));
}

static void
test_folder_conflict_and_resolve (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *remote = g_build_filename (f->remote, "Contract.pdf", NULL);
  g_autofree char *edited = NULL;
  g_autoptr(PdSyncState) state = NULL;
  g_autoptr(PdSyncState) after = NULL;
  g_autoptr(PdInboxItem) item = NULL;
  g_autoptr(PdVersion) version = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(PdLibrary) other = NULL;
  PdSyncSummary summary;
  gint64 id;

  id = make_ready (f, "Contract", 4000, "Share:");
  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.accepted, ==, 1);

  /* someone else changes the remote copy, while we edit ours (through a second library
   * instance on the same folder, as another program would) */
  g_usleep (1100 * 1000);  /* a different mtime, so a different etag */
  g_assert_true (g_file_set_contents (remote, "their edit of the contract", -1, NULL));
  other = pd_library_open (f->dir, &error);
  g_assert_no_error (error);
  edited = pd_test_make_file ("contract-v2.pdf", 4500);
  g_assert_true (pd_library_replace_document_pdf (other, id, edited, "edited", &error));
  g_assert_no_error (error);

  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.conflicts, ==, 1);
  /* ours wins on the server ... */
  pd_test_assert_same_file (edited, remote);
  /* ... theirs was kept first, and the inbox offers a choice */
  items = pd_library_list_inbox (f->library, FALSE, NULL);
  g_assert_cmpuint (items->len, ==, 1);
  item = pd_library_get_inbox_item (f->library, ((PdInboxItem *) items->pdata[0])->id, NULL);
  g_assert_cmpstr (item->kind, ==, "conflict");
  version = pd_library_get_version (f->library, item->version_id, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (version->path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "their edit of the contract");

  /* Restore theirs: it becomes our PDF and goes back to the server */
  g_assert_true (pd_sync_resolve (f->library, item->id, "theirs", NULL, &error));
  g_assert_no_error (error);
  state = pd_library_get_sync_state (f->library, id, NULL);
  pd_test_assert_same_file (version->path, state->pdf_path);
  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.accepted, ==, 1);
  pd_test_assert_same_file (version->path, remote);
  after = pd_library_get_sync_state (f->library, id, NULL);
  g_assert_cmpint (after->synced_revision, ==, after->revision);
  g_assert_cmpuint (count_inbox (f->library, "conflict"), ==, 0);
}

static void
test_folder_remote_deleted (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *remote = g_build_filename (f->remote, "Memo.pdf", NULL);
  g_autofree char *edited = pd_test_make_file ("memo-v2.pdf", 900);
  PdSyncSummary summary;
  gint64 id;

  id = make_ready (f, "Memo", 800, "Share:");
  run_pass (f->engine);
  g_assert_cmpint (g_unlink (remote), ==, 0);
  g_assert_true (pd_library_replace_document_pdf (f->library, id, edited, "edited", NULL));
  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.conflicts, ==, 1);
  pd_test_assert_same_file (edited, remote);
  g_assert_cmpuint (count_inbox (f->library, "remote_deleted"), ==, 1);
}

static void
test_folder_lost_answer_not_sent_twice (Fixture       *f,
                                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdConnector) connector = NULL;
  g_autoptr(GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(PdSyncState) state = NULL;
  g_autofree char *revision = NULL;
  PdSyncSummary summary;
  gint64 id;

  /* What a kill -9 right after the upload leaves: the remote name stored, the file on the
   * server, and no record of the answer. */
  id = make_ready (f, "Statement", 3000, "Share:");
  g_assert_true (pd_library_set_remote_path (f->library, id, "Statement.pdf", &error));
  state = pd_library_get_sync_state (f->library, id, NULL);
  revision = g_strdup_printf ("%" G_GINT64_FORMAT, state->revision);
  g_hash_table_insert (metadata, "uuid", state->uuid);
  g_hash_table_insert (metadata, "revision", revision);
  connector = pd_folder_connector_new ("Share", f->remote);
  g_assert_true (pd_test_upload (connector, state->pdf_path, "Statement.pdf", NULL, metadata,
                                 NULL, &error));
  g_assert_no_error (error);

  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.accepted, ==, 1);
  g_assert_cmpuint (pd_test_count_matching (f->remote, "Statement"), ==, 1);
  g_assert_cmpuint (count_inbox (f->library, "name_taken"), ==, 0);
}

/* Width (@offset 16) or height (20) from a PNG's IHDR. */
static guint
png_dimension (const char *png,
               gsize       len,
               gsize       offset)
{
  const guchar *p = (const guchar *) png + offset;

  g_assert_cmpuint (len, >=, offset + 4);
  return ((guint) p[0] << 24) | ((guint) p[1] << 16) | ((guint) p[2] << 8) | p[3];
}

static void
test_folder_evict_and_fetch (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdSyncState) state = NULL;
  g_autoptr(PdSyncState) back = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *stale_thumbnail = NULL;
  g_autofree char *versions = NULL;
  const char *stale_versions[] = { "0b2f.pd-compare", "0b2f.pd-compare.part-QW12ER",
                                   "0b2f-1.pdf.part-TY34UI" };
  g_autofree char *kept_version = NULL;
  PdSyncSummary summary;
  gint64 id;

  g_assert_true (pd_library_set_setting (f->library, PD_SETTING_EVICT_GRACE_HOURS, "0", &error));
  id = make_ready (f, "Old tax return", 6000, "Share:Tax");
  {
    /* its one page: a 400 x 600 gray scan in the spool */
    g_autofree char *spool = g_build_filename (pd_library_get_spool_dir (f->library), "p0.pnm",
                                               NULL);
    g_autoptr(GString) pnm = g_string_new ("P5\n400 600\n255\n");
    PdSpooledPage page = { 0, spool, 400, 600, 8, 1, 300 };

    for (guint i = 0; i < 400 * 600; i++)
      g_string_append_c (pnm, (char) (i % 400 < 200 ? 0xf0 : 0x20));
    g_assert_true (g_file_set_contents (spool, pnm->str, (gssize) pnm->len, &error));
    g_assert_cmpint (pd_library_add_page (f->library, id, &page, &error), >, 0);
    g_assert_no_error (error);
  }
  state = pd_library_get_sync_state (f->library, id, NULL);
  copy = g_strconcat (state->pdf_path, ".orig", NULL);
  {
    g_autoptr(GFile) src = g_file_new_for_path (state->pdf_path);
    g_autoptr(GFile) dst = g_file_new_for_path (copy);

    g_assert_true (g_file_copy (src, dst, G_FILE_COPY_NONE, NULL, NULL, NULL, &error));
  }
  /* A thumbnail an earlier process was killed writing: nobody holds it, the pass removes it. */
  {
    g_autofree char *dir = pd_thumbnail_dup_dir (f->library);

    g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
    stale_thumbnail = g_build_filename (dir, "dead.png.part-AB12CD", NULL);
    g_assert_true (g_file_set_contents (stale_thumbnail, "PNG, half", -1, &error));
  }
  /* In versions: a comparison copy and two downloads a killed process left (they go), and a
   * kept version of a conflict (it stays). */
  versions = g_build_filename (pd_library_get_dir (f->library), "versions", NULL);
  g_assert_cmpint (g_mkdir_with_parents (versions, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (stale_versions); i++)
    {
      g_autofree char *path = g_build_filename (versions, stale_versions[i], NULL);

      g_assert_true (g_file_set_contents (path, "%PDF-1.7 half", -1, &error));
    }
  kept_version = g_build_filename (versions, "0b2f-1.pdf", NULL);
  g_assert_true (g_file_set_contents (kept_version, "%PDF-1.7 theirs", -1, &error));

  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.accepted, ==, 1);
  g_assert_cmpuint (summary.evicted, ==, 1);
  g_assert_false (g_file_test (stale_thumbnail, G_FILE_TEST_EXISTS));
  for (guint i = 0; i < G_N_ELEMENTS (stale_versions); i++)
    {
      g_autofree char *path = g_build_filename (versions, stale_versions[i], NULL);

      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    }
  g_assert_true (g_file_test (kept_version, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (state->pdf_path, G_FILE_TEST_EXISTS));
  g_clear_pointer (&state, pd_sync_state_free);
  state = pd_library_get_sync_state (f->library, id, NULL);
  g_assert_cmpint (state->evicted_at, >, 0);
  /* what stays: a thumbnail of the first page, 256 pixels on its longer side */
  {
    g_autofree char *thumb = pd_thumbnail_get_path (f->library, state->uuid);
    g_autofree char *png = NULL;
    gsize len = 0;

    g_assert_true (g_file_get_contents (thumb, &png, &len, &error));
    g_assert_cmpuint (len, >, 8);
    g_assert_cmpmem (png, 8, "\x89PNG\r\n\x1a\n", 8);
    g_assert_cmpuint (png_dimension (png, len, 16), ==, 171);
    g_assert_cmpuint (png_dimension (png, len, 20), ==, 256);
  }

  /* export brings it back */
  g_assert_true (pd_sync_fetch_document (f->library, id, NULL, &error));
  g_assert_no_error (error);
  pd_test_assert_same_file (copy, state->pdf_path);
  back = pd_library_get_sync_state (f->library, id, NULL);
  g_assert_cmpint (back->evicted_at, ==, 0);
  /* and it is not evicted again straight away by the next pass, nor sent again */
  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.accepted, ==, 0);

  /* A process's first pass removes the files of a document marked evicted that a crash left
   * (older than the mark), never a PDF being fetched again (newer: not marked restored yet).
   * File times come from a coarse clock: the sleeps keep the two sides apart. */
  {
    g_autoptr(PdSyncEngine) next = NULL;
    g_autofree char *contents = NULL;
    gsize len = 0;

    g_assert_true (g_file_get_contents (copy, &contents, &len, &error));
    g_usleep (50 * 1000);
    g_assert_true (pd_library_set_document_evicted (f->library, id, TRUE, &error));
    next = pd_sync_engine_new (f->library);
    run_pass (next);
    g_assert_false (g_file_test (state->pdf_path, G_FILE_TEST_EXISTS));
    g_clear_object (&next);

    g_usleep (50 * 1000);
    g_assert_true (g_file_set_contents (state->pdf_path, contents, (gssize) len, &error));
    next = pd_sync_engine_new (f->library);
    run_pass (next);
    g_assert_true (g_file_test (state->pdf_path, G_FILE_TEST_EXISTS));
    g_assert_true (pd_library_set_document_evicted (f->library, id, FALSE, &error));
    g_assert_no_error (error);
  }
}

/* WebDAV */

static gint64
add_webdav_account (Fixture    *f,
                    const char *name,
                    const char *password)
{
  g_autoptr(GError) error = NULL;
  gint64 id;

  id = pd_library_add_account (f->library, name, "webdav", pd_test_webdav_get_uri (webdav),
                               PD_TEST_WEBDAV_USER, &error);
  g_assert_no_error (error);
  g_assert_true (pd_secret_store (id, "webdav", name, password, NULL, &error));
  g_assert_no_error (error);
  return id;
}

/* Regular files in @dir itself (mod_dav_fs keeps properties in a .DAV folder beside them). */
static guint
count_files (const char *dir,
             const char *needle)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (strstr (name, needle) != NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        n++;
    }
  return n;
}

static char *
sha256_of (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
}

static void
test_webdav_drained_once (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(PdSyncState) state = NULL;
  g_autofree char *on_server = NULL;
  g_autofree char *ours = NULL;
  g_autofree char *theirs = NULL;
  g_autofree char *db_path = g_build_filename (f->dir, "library.db", NULL);
  g_autofree char *wal_path = g_build_filename (f->dir, "library.db-wal", NULL);
  g_autofree char *db = NULL;
  g_autofree char *wal = NULL;
  gsize db_len = 0, wal_len = 0;
  PdSyncSummary summary;
  gint64 id;

  add_webdav_account (f, "Cloud", PD_TEST_WEBDAV_PASSWORD);
  id = make_ready (f, "Engine manual", 150000, "Cloud:engine-once");
  {
    /* a page with text and a barcode: what routing metadata is made of */
    g_autoptr(GError) error = NULL;
    PdSpooledPage spooled = { 0, "/nonexistent/p0.pnm", 100, 100, 8, 1, 300 };
    PdPageBarcode code = { "QRCODE", "CLAIM-4711", 1, 1, 9, 9 };
    PdPageAnalysis analysis = { 0 };
    gint64 page_id = pd_library_add_page (f->library, id, &spooled, &error);

    g_assert_no_error (error);
    g_assert_true (pd_library_set_page_recognized (f->library, page_id, NULL, 0, 0.0,
                                                   "  Storm damage claim\n\nPolicy 88-123\n"
                                                   "Kingsbridge Mutual\nFourth line", 90.0,
                                                   NULL, &error));
    analysis.blank_score = analysis.blur_score = -1;
    analysis.barcodes = &code;
    analysis.n_barcodes = 1;
    g_assert_true (pd_library_set_page_analysis (f->library, page_id, &analysis, &error));
    g_assert_no_error (error);
  }

  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.accepted, ==, 1);
  {
    /* a downstream automation routes on these without reading the PDF */
    g_autoptr(PdConnector) connector = pd_webdav_connector_new ("Cloud",
                                                                pd_test_webdav_get_uri (webdav),
                                                                PD_TEST_WEBDAV_USER,
                                                                PD_TEST_WEBDAV_PASSWORD, NULL);
    g_autoptr(PdRemoteInfo) info = NULL;
    g_autoptr(GError) error = NULL;

    info = pd_test_stat (connector, "engine-once/Engine manual.pdf", &error);
    g_assert_no_error (error);
    g_assert_true (info->exists);
    g_assert_cmpstr (g_hash_table_lookup (info->metadata, "name"), ==, "Engine manual");
    g_assert_cmpstr (g_hash_table_lookup (info->metadata, "pages"), ==, "1");
    g_assert_cmpstr (g_hash_table_lookup (info->metadata, "barcode"), ==, "CLAIM-4711");
    g_assert_cmpstr (g_hash_table_lookup (info->metadata, "text"), ==,
                     "Storm damage claim Policy 88-123 Kingsbridge Mutual");
  }
  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.accepted, ==, 0);

  state = pd_library_get_sync_state (f->library, id, NULL);
  on_server = g_build_filename (pd_test_webdav_get_root (webdav), "engine-once",
                                "Engine manual.pdf", NULL);
  ours = sha256_of (state->pdf_path);
  theirs = sha256_of (on_server);
  g_assert_cmpstr (ours, ==, theirs);
  {
    g_autofree char *folder = g_build_filename (pd_test_webdav_get_root (webdav), "engine-once",
                                                NULL);

    g_assert_cmpuint (count_files (folder, "Engine manual"), ==, 1);
  }

  /* the password is in the keyring only: not in the database, its log, or our log */
  g_assert_true (g_file_get_contents (db_path, &db, &db_len, NULL));
  g_file_get_contents (wal_path, &wal, &wal_len, NULL);
  g_assert_null (g_strstr_len (db, (gssize) db_len, PD_TEST_WEBDAV_PASSWORD));
  if (wal != NULL)
    g_assert_null (g_strstr_len (wal, (gssize) wal_len, PD_TEST_WEBDAV_PASSWORD));
  g_assert_null (strstr (captured_log->str, PD_TEST_WEBDAV_PASSWORD));
}

/* Two laptops and Apache: this one edits the contract offline while another device replaces the
 * server's copy (a WebDAV PUT with the etag it had). Ours wins on the server, theirs is kept in
 * versions first, and Keep Both puts theirs back beside ours under the next free name. */
static void
test_webdav_conflict_keep_both (Fixture       *f,
                                gconstpointer  data)
{
  g_autofree char *folder = g_build_filename (pd_test_webdav_get_root (webdav), "laptops", NULL);
  g_autofree char *remote = g_build_filename (folder, "Contract.pdf", NULL);
  g_autofree char *beside = g_build_filename (folder, "Contract (2).pdf", NULL);
  g_autofree char *theirs = pd_test_make_file ("contract-theirs.pdf", 5000);
  g_autofree char *edited = pd_test_make_file ("contract-ours.pdf", 4500);
  g_autoptr(PdConnector) device = pd_webdav_connector_new ("Other laptop", pd_test_webdav_get_uri (webdav),
                                                           PD_TEST_WEBDAV_USER, PD_TEST_WEBDAV_PASSWORD,
                                                           NULL);
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autoptr(PdLibrary) other = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  PdSyncSummary summary;
  gint64 id;

  add_webdav_account (f, "Cloud", PD_TEST_WEBDAV_PASSWORD);
  id = make_ready (f, "Contract", 4000, "Cloud:laptops");
  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.accepted, ==, 1);

  /* The other device replaces the file it knows (its etag), as a sync client would. */
  info = pd_test_stat (device, "laptops/Contract.pdf", &error);
  g_assert_no_error (error);
  g_assert_true (pd_test_upload (device, theirs, "laptops/Contract.pdf", info->etag, NULL, NULL,
                                 &error));
  g_assert_no_error (error);
  /* Meanwhile, offline here: the contract is edited (by a second instance of this library, as
   * the command line would while the app runs). */
  other = pd_library_open (f->dir, &error);
  g_assert_no_error (error);
  g_assert_true (pd_library_replace_document_pdf (other, id, edited, "edited", &error));
  g_assert_no_error (error);

  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.conflicts, ==, 1);
  pd_test_assert_same_file (edited, remote);
  items = pd_library_list_inbox (f->library, FALSE, NULL);
  g_assert_cmpuint (items->len, ==, 1);
  g_assert_cmpstr (((PdInboxItem *) items->pdata[0])->kind, ==, "conflict");

  /* Keep Both: theirs goes back to the server beside ours; the inbox is empty. */
  g_assert_true (pd_sync_resolve (f->library, ((PdInboxItem *) items->pdata[0])->id, "both", NULL,
                                  &error));
  g_assert_no_error (error);
  run_pass (f->engine);
  pd_test_assert_same_file (edited, remote);
  pd_test_assert_same_file (theirs, beside);
  g_assert_cmpuint (count_inbox (f->library, "conflict"), ==, 0);
}

static void
test_webdav_retry_after_stored (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(PdSyncState) state = NULL;
  g_autoptr(GPtrArray) log = NULL;
  PdSyncSummary summary;
  gint64 before, after, id;

  add_webdav_account (f, "Busy", PD_TEST_WEBDAV_PASSWORD);
  id = make_ready (f, "Busy day", 2000, "Busy:busy");

  before = g_get_real_time ();
  summary = run_pass (f->engine);
  after = g_get_real_time ();
  g_assert_cmpuint (summary.retry_later, ==, 1);
  state = pd_library_get_sync_state (f->library, id, NULL);
  /* Retry-After: 120, exactly */
  g_assert_cmpint (state->next_attempt_at, >=, before + 120 * G_USEC_PER_SEC);
  g_assert_cmpint (state->next_attempt_at, <=, after + 120 * G_USEC_PER_SEC);
  g_assert_nonnull (state->last_sync_error);
  log = pd_library_list_sync_log (f->library, 0, NULL);
  g_assert_cmpuint (((PdSyncLogEntry *) log->pdata[log->len - 1])->http_status, ==, 503);
  g_assert_cmpstr (((PdSyncLogEntry *) log->pdata[log->len - 1])->outcome, ==, "retry");

  /* not due before then: the next pass does nothing */
  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.retry_later, ==, 0);
  /* "sync now" clears the wait */
  g_assert_true (pd_library_clear_sync_backoff (f->library, NULL));
  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.retry_later, ==, 1);
}

static void
test_webdav_wrong_password (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GPtrArray) items = NULL;
  PdSyncSummary summary;

  add_webdav_account (f, "Wrong", "not-the-password");
  make_ready (f, "First", 1000, "Wrong:wrong");
  make_ready (f, "Second", 1000, "Wrong:wrong");
  make_ready (f, "Elsewhere", 1000, "Share:");
  g_object_set (f->engine, "max-per-account", 1, NULL);

  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.accepted, ==, 1);          /* the other account is not held up */
  g_assert_cmpuint (summary.rejected, >=, 1);
  items = pd_library_list_inbox (f->library, FALSE, NULL);
  g_assert_cmpuint (count_inbox (f->library, "sign_in"), ==, 1);
  g_assert_nonnull (strstr (((PdInboxItem *) items->pdata[0])->message, "Wrong"));
  /* its documents wait until the user signs in again */
  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.accepted + summary.rejected + summary.retry_later, ==, 0);
  g_assert_null (strstr (captured_log->str, "not-the-password"));
}

/* A server with a self-signed certificate: refused until the account pins that certificate,
 * then used like any other; the pin is a setting of the account, not a secret. */
static void
test_webdav_pinned_certificate (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *setting = NULL;
  g_autoptr(PdAccount) account = NULL;
  PdTestWebdav *tls;
  gint64 id;

  pd_test_make_certificate ("engine", &cert, &key);
  tls = pd_test_webdav_start_tls (0, cert, key);
  id = pd_library_add_account (f->library, "Selfsigned", "webdav", pd_test_webdav_get_uri (tls),
                               PD_TEST_WEBDAV_USER, &error);
  g_assert_no_error (error);
  g_assert_true (pd_secret_store (id, "webdav", "Selfsigned", PD_TEST_WEBDAV_PASSWORD, NULL,
                                  &error));

  g_assert_false (pd_sync_test_account (f->library, "Selfsigned", NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CERTIFICATE);
  g_clear_error (&error);

  g_assert_true (g_file_get_contents (cert, &pem, NULL, NULL));
  setting = PD_ACCOUNT_PINNED_CERTIFICATE_KEY (id);
  g_assert_true (pd_library_set_setting (f->library, setting, pem, &error));
  account = pd_library_get_account (f->library, "Selfsigned", &error);
  g_assert_cmpstr (account->pinned_certificate, ==, pem);
  g_assert_true (pd_sync_test_account (f->library, "Selfsigned", NULL, &error));
  g_assert_no_error (error);

  pd_test_webdav_stop (tls);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  captured_log = g_string_new (NULL);
  g_log_set_writer_func (capture_log_writer, NULL, NULL);
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);  /* capture debug output too */

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/sync/engine/folder/drained-once", test_folder_drained_once);
  ADD ("/sync/engine/folder/name-taken", test_folder_name_taken);
  ADD ("/sync/engine/folder/conflict-and-resolve", test_folder_conflict_and_resolve);
  ADD ("/sync/engine/folder/remote-deleted", test_folder_remote_deleted);
  ADD ("/sync/engine/folder/lost-answer-not-sent-twice", test_folder_lost_answer_not_sent_twice);
  ADD ("/sync/engine/folder/evict-and-fetch", test_folder_evict_and_fetch);
  ADD ("/sync/engine/webdav/drained-once", test_webdav_drained_once);
  ADD ("/sync/engine/webdav/conflict-keep-both", test_webdav_conflict_keep_both);
  ADD ("/sync/engine/webdav/retry-after-stored", test_webdav_retry_after_stored);
  ADD ("/sync/engine/webdav/wrong-password", test_webdav_wrong_password);
  ADD ("/sync/engine/webdav/pinned-certificate", test_webdav_pinned_certificate);
#undef ADD

  webdav = pd_test_webdav_start (0);
  ret = g_test_run ();
  pd_test_webdav_stop (webdav);
  /* libsecret keeps a D-Bus connection to the keyring; let it go before the session bus of
   * run-with-keyring.sh goes away under it. */
  secret_service_disconnect ();
  g_string_free (captured_log, TRUE);
  return ret;
}
