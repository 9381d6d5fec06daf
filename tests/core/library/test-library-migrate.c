/* test-library-migrate.c: opening libraries written by other versions. A database from every
 * earlier schema version is brought up to date with its documents, pages, words and journal
 * kept, and the tables added since then usable; a database from a newer Paperdock, or one that
 * is not a database, is refused and left byte for byte as it was. */
#include <sqlite3.h>
#include <string.h>

#include <glib/gstdio.h>

#include "pd-document-edit.h"
#include "pd-library.h"
#include "pd-library-private.h"
#include "pd-library-sync.h"
#include "pd-naming.h"
#include "pd-profile.h"

/* The schema as version 1 of Paperdock released it, written out here on purpose: the test must
 * keep describing that old file even when the code's migrations change. */
static const char v1_schema[] =
  "CREATE TABLE documents ("
  "  id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
  "  state TEXT NOT NULL, source TEXT, mode TEXT NOT NULL, langs TEXT,"
  "  n_pages INTEGER NOT NULL DEFAULT 0, pdf_path TEXT, created_at INTEGER NOT NULL,"
  "  created_by TEXT, updated_at INTEGER NOT NULL, revision INTEGER NOT NULL DEFAULT 0,"
  "  last_error TEXT);"
  "CREATE INDEX documents_by_state ON documents (state);"
  "CREATE TABLE pages ("
  "  id INTEGER PRIMARY KEY,"
  "  document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,"
  "  idx INTEGER NOT NULL, state TEXT NOT NULL, spool_path TEXT NOT NULL,"
  "  width INTEGER NOT NULL, height INTEGER NOT NULL, depth INTEGER NOT NULL,"
  "  channels INTEGER NOT NULL, dpi INTEGER NOT NULL, image_path TEXT,"
  "  encoding INTEGER NOT NULL DEFAULT 0, skew REAL NOT NULL DEFAULT 0, text TEXT,"
  "  confidence REAL NOT NULL DEFAULT 0, UNIQUE (document_id, idx));"
  "CREATE TABLE journal ("
  "  id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
  "  document_id INTEGER REFERENCES documents (id) ON DELETE SET NULL,"
  "  document_uuid TEXT, actor TEXT NOT NULL, from_state TEXT, to_state TEXT,"
  "  what TEXT NOT NULL, detail TEXT);"
  "CREATE INDEX journal_by_document ON journal (document_id, id);"
  "PRAGMA user_version = 1;";

static const char v1_data[] =
  "INSERT INTO documents VALUES (1, '0b1e6a2c-5d4f-4e8a-9c3b-7f2d1e0a9b8c', 'Old invoice',"
  "  'ready', 'test:0', 'text', 'eng', 2, '/old/invoice.pdf', 1700000000000000, 'alice',"
  "  1700000100000000, 3, NULL);"
  "INSERT INTO documents VALUES (2, '5f3c9d7e-1a2b-4c6d-8e0f-1a2b3c4d5e6f', 'Half scanned',"
  "  'capturing', 'test:0', 'gray', 'eng', 1, NULL, 1700000200000000, 'alice',"
  "  1700000200000000, 1, NULL);"
  "INSERT INTO pages VALUES (10, 1, 0, 'recognized', '/old/spool/a.pnm', 2480, 3508, 1, 1,"
  "  300, '/old/pages/a.tif', 2, 0.5, 'Invoice for the lighthouse repair', 88.0);"
  "INSERT INTO pages VALUES (11, 1, 1, 'recognized', '/old/spool/b.pnm', 2480, 3508, 1, 1,"
  "  300, '/old/pages/b.tif', 2, 0.0, 'Payment due in thirty days', 90.0);"
  "INSERT INTO pages VALUES (12, 2, 0, 'captured', '/old/spool/c.pnm', 2480, 3508, 8, 1,"
  "  300, NULL, 0, 0, NULL, 0);"
  "INSERT INTO journal VALUES (1, 1700000000000000, 1, '0b1e6a2c-5d4f-4e8a-9c3b-7f2d1e0a9b8c',"
  "  'alice', NULL, 'capturing', 'created', 'Old invoice');"
  "INSERT INTO journal VALUES (2, 1700000100000000, 1, '0b1e6a2c-5d4f-4e8a-9c3b-7f2d1e0a9b8c',"
  "  'alice', 'processing', 'ready', 'ready', '/old/invoice.pdf');"
  "INSERT INTO journal VALUES (3, 1700000200000000, 2, '5f3c9d7e-1a2b-4c6d-8e0f-1a2b3c4d5e6f',"
  "  'alice', NULL, 'capturing', 'created', 'Half scanned');";

/* Version 2 as released: version 1 plus word boxes and the full-text index. */
static const char v2_step[] =
  "CREATE TABLE words ("
  "  page_id INTEGER NOT NULL REFERENCES pages (id) ON DELETE CASCADE,"
  "  n INTEGER NOT NULL, text TEXT NOT NULL,"
  "  x0 INTEGER NOT NULL, y0 INTEGER NOT NULL, x1 INTEGER NOT NULL, y1 INTEGER NOT NULL,"
  "  baseline INTEGER NOT NULL, confidence REAL NOT NULL, line INTEGER NOT NULL,"
  "  PRIMARY KEY (page_id, n)) WITHOUT ROWID;"
  "CREATE VIRTUAL TABLE page_fts USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2');"
  "PRAGMA user_version = 2;";

static const char v2_data[] =
  "INSERT INTO words VALUES (10, 0, 'Invoice', 100, 100, 300, 140, 138, 91.5, 0);"
  "INSERT INTO words VALUES (10, 1, 'lighthouse', 320, 100, 600, 140, 138, 88.0, 0);"
  "INSERT INTO page_fts (rowid, text) VALUES (10, 'Invoice for the lighthouse repair');"
  "INSERT INTO page_fts (rowid, text) VALUES (11, 'Payment due in thirty days');";

/* Version 3 as released: profiles, counters and settings. */
static const char v3_step[] =
  "CREATE TABLE profiles ("
  "  id INTEGER PRIMARY KEY,"
  "  key TEXT NOT NULL UNIQUE,"
  "  name TEXT NOT NULL,"
  "  device TEXT,"
  "  source TEXT NOT NULL,"
  "  resolution INTEGER NOT NULL,"
  "  mode TEXT NOT NULL,"
  "  page_width_mm REAL NOT NULL DEFAULT 0,"
  "  page_height_mm REAL NOT NULL DEFAULT 0,"
  "  deskew INTEGER NOT NULL,"
  "  orientation INTEGER NOT NULL,"
  "  crop_border INTEGER NOT NULL,"
  "  clean_background INTEGER NOT NULL,"
  "  blank TEXT NOT NULL,"
  "  flag_blurry INTEGER NOT NULL,"
  "  langs TEXT NOT NULL,"
  "  separation TEXT NOT NULL,"
  "  separator_pattern TEXT,"
  "  name_template TEXT NOT NULL,"
  "  destination TEXT,"
  "  jpeg_quality INTEGER NOT NULL,"
  "  downsample_dpi INTEGER NOT NULL DEFAULT 0,"
  "  pdfa INTEGER NOT NULL DEFAULT 0,"
  "  encrypt INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL);"
  "CREATE TABLE counters ("
  "  scope TEXT PRIMARY KEY,"
  "  value INTEGER NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE settings ("
  "  key TEXT PRIMARY KEY,"
  "  value TEXT NOT NULL) WITHOUT ROWID;"
  "PRAGMA user_version = 3;";

static const char v3_data[] =
  "INSERT INTO settings (key, value) VALUES ('profile-required', 'true');";

static char *
make_library_dir (void)
{
  static guint counter;
  char *dir = g_strdup_printf ("%s/library-%u", g_get_user_data_dir (), counter++);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  return dir;
}

static void
write_database (const char *db_path,
                const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("Could not build the test database: %s", message);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static void
test_migrate_from_v1 (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autofree char *db_path = g_build_filename (dir, "library.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PdLibrary) library = NULL;
  g_autoptr(PdDocument) invoice = NULL;
  g_autoptr(PdDocument) half = NULL;
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GArray) words = NULL;
  g_autofree char *report = NULL;
  PdPage *page;
  PdSearchHit *hit;
  PdWord word = { .text = NULL, 10, 10, 50, 30, 28, 95.0f, 0 };

  write_database (db_path, v1_schema);
  write_database (db_path, v1_data);

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pd_library_get_schema_version (library), ==,
                    _pd_library_get_latest_schema_version ());

  invoice = pd_library_get_document (library, "0b1e6a2c", &error);
  g_assert_no_error (error);
  g_assert_cmpint (invoice->id, ==, 1);
  g_assert_cmpstr (invoice->name, ==, "Old invoice");
  g_assert_cmpint (invoice->state, ==, PD_DOC_STATE_READY);
  g_assert_cmpstr (invoice->pdf_path, ==, "/old/invoice.pdf");
  g_assert_cmpint (invoice->revision, ==, 3);
  g_assert_cmpint (invoice->created_at, ==, 1700000000000000);
  g_assert_cmpuint (invoice->n_pages, ==, 2);

  pages = pd_library_list_pages (library, invoice->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pages->len, ==, 2);
  page = pages->pdata[1];
  g_assert_cmpint (page->id, ==, 11);
  g_assert_cmpstr (page->text, ==, "Payment due in thirty days");
  g_assert_cmpint (page->encoding, ==, 2);

  journal = pd_library_list_journal (library, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (journal->len, ==, 3);
  g_assert_cmpstr (((PdJournalEntry *) journal->pdata[1])->to_state, ==, "ready");
  g_assert_cmpstr (((PdJournalEntry *) journal->pdata[1])->actor, ==, "alice");

  /* text recognized before full-text search existed is found after the update */
  hits = pd_library_search (library, "lighthouse", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 1);
  hit = hits->pdata[0];
  g_assert_cmpint (hit->document_id, ==, 1);
  g_assert_cmpuint (hit->page_index, ==, 0);
  g_assert_nonnull (strstr (hit->snippet, "[lighthouse]"));

  /* and the half-scanned document carries on where it stopped, with the new tables */
  half = pd_library_get_document (library, "5f3c", &error);
  g_assert_no_error (error);
  words = pd_word_array_new ();
  word.text = g_strdup ("Lease");
  g_array_append_val (words, word);
  g_assert_true (pd_library_set_page_recognized (library, 12, "/old/pages/c.jpg", 1, 0, "Lease",
                                                 95, words, &error));
  g_assert_no_error (error);
  g_assert_true (pd_library_transition (library, half->id, PD_DOC_STATE_CAPTURING,
                                        PD_DOC_STATE_PROCESSING, "capture finished", NULL,
                                        &error));
  g_assert_no_error (error);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = pd_library_search (library, "lease", 10, &error);
  g_assert_cmpuint (hits->len, ==, 1);

  g_assert_true (pd_library_check_integrity (library, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (report, ==, "ok");
}

static void
test_migrate_from_v0 (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autofree char *db_path = g_build_filename (dir, "library.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PdLibrary) library = NULL;
  g_autoptr(PdDocument) document = NULL;

  /* an empty file, as a crash right after creating it would leave */
  g_assert_true (g_file_set_contents (db_path, "", 0, &error));

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pd_library_get_schema_version (library), ==,
                    _pd_library_get_latest_schema_version ());
  document = pd_library_create_document (library, "First", NULL, PD_SCAN_MODE_TEXT, "eng",
                                         &error);
  g_assert_no_error (error);
}

static void
test_migrate_from_v2 (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autofree char *db_path = g_build_filename (dir, "library.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PdLibrary) library = NULL;
  g_autoptr(PdDocument) invoice = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GArray) words = NULL;
  g_autoptr(PdProfile) profile = pd_profile_new ("Invoices");
  g_autoptr(PdProfile) stored = NULL;
  g_autofree char *report = NULL;
  g_autofree char *setting = NULL;

  write_database (db_path, v1_schema);
  write_database (db_path, v1_data);
  write_database (db_path, v2_step);
  write_database (db_path, v2_data);

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pd_library_get_schema_version (library), ==,
                    _pd_library_get_latest_schema_version ());

  /* everything version 2 held is still there */
  invoice = pd_library_get_document (library, "1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (invoice->name, ==, "Old invoice");
  g_assert_cmpint (invoice->revision, ==, 3);
  words = pd_library_get_words (library, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (words->len, ==, 2);
  g_assert_cmpstr (g_array_index (words, PdWord, 1).text, ==, "lighthouse");
  g_assert_cmpint (g_array_index (words, PdWord, 1).x0, ==, 320);
  hits = pd_library_search (library, "thirty", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_cmpuint (((PdSearchHit *) hits->pdata[0])->page_index, ==, 1);
  journal = pd_library_list_journal (library, 0, &error);
  g_assert_cmpuint (journal->len, ==, 3);

  /* and the new tables start empty and work */
  profiles = pd_library_list_profiles (library, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (profiles->len, ==, 0);
  g_assert_true (pd_library_get_setting (library, PD_SETTING_PROFILE_REQUIRED, &setting, &error));
  g_assert_null (setting);
  g_assert_true (pd_library_save_profile (library, profile, FALSE, &error));
  g_assert_no_error (error);
  stored = pd_library_get_profile (library, "invoices", &error);
  g_assert_no_error (error);
  g_assert_true (pd_profile_equal (stored, profile));
  g_assert_cmpint (pd_library_next_counter (library, "Invoices", &error), ==, 1);
  g_assert_cmpint (pd_library_next_counter (library, "Invoices", &error), ==, 2);

  g_assert_true (pd_library_check_integrity (library, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (report, ==, "ok");
}

static void
test_migrate_from_v3 (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autofree char *db_path = g_build_filename (dir, "library.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PdLibrary) library = NULL;
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autofree char *setting = NULL;
  g_autofree char *report = NULL;
  const PdPageBarcode barcode = { "CODE-39", "PATCHT", 10, 20, 300, 80 };
  PdPageAnalysis analysis = { 0 };
  PdPage *page;

  write_database (db_path, v1_schema);
  write_database (db_path, v1_data);
  write_database (db_path, v2_step);
  write_database (db_path, v2_data);
  write_database (db_path, v3_step);
  write_database (db_path, v3_data);

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pd_library_get_schema_version (library), ==,
                    _pd_library_get_latest_schema_version ());

  /* what version 3 held is still there */
  g_assert_true (pd_library_get_setting (library, PD_SETTING_PROFILE_REQUIRED, &setting, &error));
  g_assert_cmpstr (setting, ==, "true");

  /* old pages read as "not analysed", and analysis can be stored and searched */
  pages = pd_library_list_pages (library, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pages->len, >=, 1);
  page = g_ptr_array_index (pages, 0);
  g_assert_cmpfloat (page->blank_score, ==, -1);
  g_assert_false (page->excluded);
  g_assert_null (page->barcodes);

  analysis.is_separator = TRUE;
  analysis.barcodes = &barcode;
  analysis.n_barcodes = 1;
  g_assert_true (pd_library_set_page_analysis (library, page->id, &analysis, &error));
  g_assert_no_error (error);
  g_assert_true (pd_library_set_page_excluded (library, page->id, TRUE, "separator sheet", &error));
  g_clear_pointer (&pages, g_ptr_array_unref);
  pages = pd_library_list_pages (library, 1, &error);
  page = g_ptr_array_index (pages, 0);
  g_assert_true (page->is_separator);
  g_assert_true (page->excluded);
  g_assert_cmpstr (page->barcodes, ==, "CODE-39:PATCHT");
  hits = pd_library_search (library, "PATCHT", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 1);

  g_assert_true (pd_library_check_integrity (library, &report, &error));
  g_assert_cmpstr (report, ==, "ok");
}

/* Version 4 is made by taking today's schema back: sync (step 4 -> 5) added only these. */
static const char v5_undo[] =
  "ALTER TABLE documents DROP COLUMN profile;"  /* version 7 */
  "DROP INDEX documents_to_sync; DROP TABLE sync_log; DROP TABLE inbox; DROP TABLE versions;"
  "DROP TABLE accounts;"
  "ALTER TABLE documents DROP COLUMN destination; ALTER TABLE documents DROP COLUMN remote_path;"
  "ALTER TABLE documents DROP COLUMN remote_etag;"
  "ALTER TABLE documents DROP COLUMN synced_revision;"
  "ALTER TABLE documents DROP COLUMN synced_at; ALTER TABLE documents DROP COLUMN evict_after;"
  "ALTER TABLE documents DROP COLUMN evicted_at; ALTER TABLE documents DROP COLUMN sync_attempts;"
  "ALTER TABLE documents DROP COLUMN next_attempt_at;"
  "ALTER TABLE documents DROP COLUMN last_sync_error;"
  "PRAGMA user_version = 4;";

static void
test_migrate_from_v4 (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autofree char *db_path = g_build_filename (dir, "library.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PdLibrary) library = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(PdSyncState) state = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GPtrArray) inbox = NULL;
  gint64 id;

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  document = pd_library_create_document (library, "Kept", NULL, PD_SCAN_MODE_TEXT, "eng", &error);
  g_assert_no_error (error);
  id = document->id;
  g_clear_object (&library);
  write_database (db_path, v5_undo);

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pd_library_get_schema_version (library), ==,
                    _pd_library_get_latest_schema_version ());
  state = pd_library_get_sync_state (library, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (state->name, ==, "Kept");
  g_assert_null (state->destination);
  g_assert_cmpint (state->synced_revision, ==, 0);
  g_assert_cmpint (state->next_attempt_at, ==, 0);
  accounts = pd_library_list_accounts (library, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 0);
  g_assert_cmpint (pd_library_add_account (library, "Home", "folder", "/srv/scans", NULL, &error),
                   >, 0);
  g_assert_no_error (error);
  g_assert_true (pd_library_set_document_destination (library, id, "Home:Inbox", &error));
  g_assert_no_error (error);
  inbox = pd_library_list_inbox (library, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (inbox->len, ==, 0);
}

/* Version 5 is today's schema with the full-text index as it was before prefix indexes. */
static const char v6_undo[] =
  "ALTER TABLE documents DROP COLUMN profile;"  /* version 7 */
  "DROP TABLE page_fts;"
  "CREATE VIRTUAL TABLE page_fts USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2');"
  "INSERT INTO page_fts (rowid, text) SELECT id, text FROM pages WHERE text IS NOT NULL;"
  "PRAGMA user_version = 5;";

static void
test_migrate_from_v5 (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autofree char *db_path = g_build_filename (dir, "library.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PdLibrary) library = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GArray) words = g_array_new (FALSE, TRUE, sizeof (PdWord));
  g_autofree char *report = NULL;
  PdWord word = { .text = (char *) "Quittung", 10, 10, 50, 30, 28, 95.0f, 0 };
  PdSpooledPage spooled = { 0, "/spool/p0.pnm", 100, 100, 8, 1, 300 };
  gint64 page_id;

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  document = pd_library_create_document (library, "Receipt", NULL, PD_SCAN_MODE_TEXT, "deu", &error);
  g_assert_no_error (error);
  page_id = pd_library_add_page (library, document->id, &spooled, &error);
  g_assert_no_error (error);
  g_array_append_val (words, word);
  g_assert_true (pd_library_set_page_recognized (library, page_id, NULL, 0, 0.0, "Quittung Nr 7",
                                                 95.0, words, &error));
  g_assert_no_error (error);
  g_clear_object (&library);
  write_database (db_path, v6_undo);

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pd_library_get_schema_version (library), ==,
                    _pd_library_get_latest_schema_version ());
  /* the text was carried into the new index: a two-letter prefix finds it */
  hits = pd_library_search (library, "qu", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_cmpstr (((PdSearchHit *) hits->pdata[0])->name, ==, "Receipt");
  g_assert_true (pd_library_check_integrity (library, &report, &error));
  g_assert_cmpstr (report, ==, "ok");
}

/* Version 6 is today's schema without the profile each document was made with. */
static const char v7_undo[] =
  "ALTER TABLE documents DROP COLUMN profile;"
  "PRAGMA user_version = 6;";

static void
test_migrate_from_v6 (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autofree char *db_path = g_build_filename (dir, "library.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PdLibrary) library = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(PdDocument) kept = NULL;
  g_autofree char *profile = NULL;
  g_autofree char *report = NULL;

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  document = pd_library_create_document (library, "Older", NULL, PD_SCAN_MODE_GRAY, "eng", &error);
  g_assert_no_error (error);
  g_clear_object (&library);
  write_database (db_path, v7_undo);

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pd_library_get_schema_version (library), ==,
                    _pd_library_get_latest_schema_version ());
  kept = pd_library_get_document_by_id (library, document->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kept->name, ==, "Older");
  /* made before profiles were recorded: none, so its PDF is made again as a plain PDF */
  g_assert_true (pd_document_get_profile (library, document->id, &profile, &error));
  g_assert_no_error (error);
  g_assert_null (profile);
  g_assert_true (pd_document_set_profile (library, document->id, "Invoices", &error));
  g_assert_no_error (error);
  g_assert_true (pd_document_get_profile (library, document->id, &profile, &error));
  g_assert_cmpstr (profile, ==, "Invoices");
  g_assert_true (pd_library_check_integrity (library, &report, &error));
  g_assert_cmpstr (report, ==, "ok");
}

static void
test_every_version_is_tested (void)
{
  /* This file builds databases of versions 0 to 6 by hand. A new migration needs a test from
   * the version before it: add it here and raise this number. */
  g_assert_cmpuint (_pd_library_get_latest_schema_version (), ==, 7);
}

static void
assert_refused_untouched (const char     *dir,
                          const char     *db_path,
                          PdLibraryError  code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *wal_path = g_strconcat (db_path, "-wal", NULL);
  gsize before_len, after_len;
  PdLibrary *library;

  g_assert_true (g_file_get_contents (db_path, &before, &before_len, &error));

  library = pd_library_open (dir, &error);
  g_assert_error (error, PD_LIBRARY_ERROR, (int) code);
  g_assert_null (library);
  g_test_message ("refused with: %s", error->message);

  g_assert_true (g_file_get_contents (db_path, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
  g_assert_false (g_file_test (wal_path, G_FILE_TEST_EXISTS));
}

static void
test_too_new_untouched (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autofree char *db_path = g_build_filename (dir, "library.db", NULL);
  g_autofree char *sql = NULL;

  sql = g_strdup_printf ("CREATE TABLE future (x TEXT); INSERT INTO future VALUES ('kept');"
                         "PRAGMA user_version = %u;",
                         _pd_library_get_latest_schema_version () + 1);
  write_database (db_path, sql);
  assert_refused_untouched (dir, db_path, PD_LIBRARY_ERROR_TOO_NEW);
}

static void
test_too_new_wal_untouched (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autofree char *db_path = g_build_filename (dir, "library.db", NULL);
  g_autofree char *sql = NULL;

  /* a newer Paperdock would leave its database in WAL mode */
  sql = g_strdup_printf ("PRAGMA journal_mode = WAL; CREATE TABLE future (x TEXT);"
                         "INSERT INTO future VALUES ('kept'); PRAGMA user_version = %u;",
                         _pd_library_get_latest_schema_version () + 7);
  write_database (db_path, sql);
  assert_refused_untouched (dir, db_path, PD_LIBRARY_ERROR_TOO_NEW);
}

static void
test_not_a_database_untouched (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autofree char *db_path = g_build_filename (dir, "library.db", NULL);
  g_autoptr(GString) junk = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 200; i++)
    g_string_append (junk, "this is a shopping list, not a database\n");
  g_assert_true (g_file_set_contents (db_path, junk->str, (gssize) junk->len, &error));
  assert_refused_untouched (dir, db_path, PD_LIBRARY_ERROR_CORRUPT);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/library/migrate/from-v0", test_migrate_from_v0);
  g_test_add_func ("/library/migrate/from-v1", test_migrate_from_v1);
  g_test_add_func ("/library/migrate/from-v2", test_migrate_from_v2);
  g_test_add_func ("/library/migrate/from-v3", test_migrate_from_v3);
  g_test_add_func ("/library/migrate/from-v4", test_migrate_from_v4);
  g_test_add_func ("/library/migrate/from-v5", test_migrate_from_v5);
  g_test_add_func ("/library/migrate/from-v6", test_migrate_from_v6);
  g_test_add_func ("/library/migrate/every-version-tested", test_every_version_is_tested);
  g_test_add_func ("/library/migrate/too-new-untouched", test_too_new_untouched);
  g_test_add_func ("/library/migrate/too-new-wal-untouched", test_too_new_wal_untouched);
  g_test_add_func ("/library/migrate/not-a-database-untouched", test_not_a_database_untouched);

  return g_test_run ();
}
