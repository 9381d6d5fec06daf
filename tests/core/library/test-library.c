/* test-library.c: the document library against a real SQLite database in a private folder:
 * what is on disk after open, the journal a document's life leaves, refused transitions that
 * write nothing, search with hostile input, id lookups, several threads at once, reopening,
 * a full disk, and the change notification. */
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "pd-document-edit.h"
#include "pd-library.h"
#include "pd-library-pages.h"
#include "pd-library-private.h"

static char *
make_library_dir (void)
{
  static guint counter;

  /* G_TEST_OPTION_ISOLATE_DIRS gives every test its own data dir, removed afterwards. */
  return g_strdup_printf ("%s/library-%u", g_get_user_data_dir (), counter++);
}

static PdLibrary *
open_library (const char *dir)
{
  g_autoptr(GError) error = NULL;
  PdLibrary *library = pd_library_open (dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (library);
  return library;
}

static void
close_library (PdLibrary *library)
{
  /* Pending "document-changed" emissions hold only a weak reference, so the library must go
   * away now; draining the context lets them run (as no-ops) rather than leak. */
  g_assert_finalize_object (library);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
spooled_page (PdSpooledPage *page,
              const char    *dir,
              guint          index,
              char         **path_out)
{
  *path_out = g_strdup_printf ("%s/spool/page-%u.pnm", dir, index);
  *page = (PdSpooledPage) {
    .index = index, .path = *path_out, .width = 2480, .height = 3508,
    .depth = 8, .channels = 1, .dpi = 300,
  };
}

static gint64
add_page (PdLibrary  *library,
          gint64      document_id,
          guint       index)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  PdSpooledPage page;
  gint64 page_id;

  spooled_page (&page, pd_library_get_dir (library), index, &path);
  page_id = pd_library_add_page (library, document_id, &page, &error);
  g_assert_no_error (error);
  g_assert_cmpint (page_id, >, 0);
  return page_id;
}

static GArray *
words_for (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, " ", -1);
  GArray *words = pd_word_array_new ();
  int x = 100;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      PdWord word = {
        .text = g_strdup (parts[i]), .x0 = x, .y0 = 200 + 60 * (int) (i / 5),
        .x1 = x + 40 * (int) strlen (parts[i]), .y1 = 240 + 60 * (int) (i / 5),
        .baseline = 236 + 60 * (int) (i / 5), .confidence = 90.0f + (float) i, .line = i / 5,
      };

      x = word.x1 + 30;
      g_array_append_val (words, word);
    }
  return words;
}

static void
recognize (PdLibrary  *library,
           gint64      page_id,
           const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) words = words_for (text);
  g_autofree char *image = g_strdup_printf ("%s/pages/%" G_GINT64_FORMAT ".jpg",
                                            pd_library_get_dir (library), page_id);

  pd_library_set_page_recognized (library, page_id, image, 1, 0.4, text, 91.5, words, &error);
  g_assert_no_error (error);
}

static guint
journal_length (PdLibrary *library)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) journal = pd_library_list_journal (library, 0, &error);

  g_assert_no_error (error);
  return journal->len;
}

static void
assert_mode (const char *path,
             guint       mode)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, mode);
}

static char *
sqlite_pragma (const char *db_path,
               const char *pragma)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *value;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, pragma, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static void
test_open_creates_private_files (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autofree char *db_path = g_build_filename (dir, "library.db", NULL);
  g_autofree char *wal_path = g_build_filename (dir, "library.db-wal", NULL);
  g_autofree char *journal_mode = NULL;
  g_autofree char *user_version = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) document = NULL;
  PdLibrary *library;

  library = open_library (dir);
  g_assert_cmpstr (pd_library_get_dir (library), ==, dir);
  assert_mode (dir, 0700);
  assert_mode (pd_library_get_spool_dir (library), 0700);
  assert_mode (pd_library_get_pages_dir (library), 0700);
  assert_mode (pd_library_get_documents_dir (library), 0700);
  g_assert_true (g_str_has_prefix (pd_library_get_spool_dir (library), dir));
  assert_mode (db_path, 0600);
  g_assert_cmpuint (pd_library_get_schema_version (library), ==,
                    _pd_library_get_latest_schema_version ());

  /* Write something so the write-ahead log exists, and check it is as private as the db. */
  document = pd_library_create_document (library, "Lease", "test:0", PD_SCAN_MODE_GRAY, "eng",
                                         &error);
  g_assert_no_error (error);
  assert_mode (wal_path, 0600);

  journal_mode = sqlite_pragma (db_path, "PRAGMA journal_mode");
  g_assert_cmpstr (journal_mode, ==, "wal");
  user_version = sqlite_pragma (db_path, "PRAGMA user_version");
  g_assert_cmpuint (g_ascii_strtoull (user_version, NULL, 10), ==,
                    _pd_library_get_latest_schema_version ());

  close_library (library);
}

static void
assert_entry (PdJournalEntry *entry,
              gint64          document_id,
              const char     *uuid,
              const char     *from,
              const char     *to,
              const char     *what,
              gint64          not_before,
              gint64          not_after)
{
  g_assert_cmpint (entry->document_id, ==, document_id);
  g_assert_cmpstr (entry->document_uuid, ==, uuid);
  g_assert_cmpstr (entry->from_state, ==, from);
  g_assert_cmpstr (entry->to_state, ==, to);
  g_assert_cmpstr (entry->what, ==, what);
  g_assert_cmpstr (entry->actor, ==, g_get_user_name ());
  g_assert_cmpint (entry->time, >=, not_before);
  g_assert_cmpint (entry->time, <=, not_after);
}

static void
test_document_life_journal (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(PdDocument) ready = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(GArray) words = NULL;
  g_autofree char *pdf = NULL;
  PdLibrary *library;
  PdPage *page;
  gint64 start = g_get_real_time ();
  gint64 page0, page1;

  library = open_library (dir);

  document = pd_library_create_document (library, "Invoice 2024-117", "test:0",
                                         PD_SCAN_MODE_TEXT, "eng", &error);
  g_assert_no_error (error);
  g_assert_cmpint (document->state, ==, PD_DOC_STATE_CAPTURING);
  g_assert_true (g_uuid_string_is_valid (document->uuid));
  g_assert_cmpstr (document->name, ==, "Invoice 2024-117");
  g_assert_cmpstr (document->langs, ==, "eng");
  g_assert_cmpint (document->mode, ==, PD_SCAN_MODE_TEXT);
  g_assert_cmpint (document->created_at, >=, start);
  g_assert_cmpuint (document->n_pages, ==, 0);

  page0 = add_page (library, document->id, 0);
  page1 = add_page (library, document->id, 1);
  recognize (library, page0, "Invoice number 4711");
  pd_library_set_page_failed (library, page1, "the page is blank", &error);
  g_assert_no_error (error);

  pd_library_transition (library, document->id, PD_DOC_STATE_CAPTURING,
                         PD_DOC_STATE_PROCESSING, "capture finished", "2 pages", &error);
  g_assert_no_error (error);
  pdf = g_build_filename (pd_library_get_documents_dir (library), "invoice.pdf", NULL);
  pd_library_set_document_ready (library, document->id, pdf, &error);
  g_assert_no_error (error);

  ready = pd_library_get_document_by_id (library, document->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ready->state, ==, PD_DOC_STATE_READY);
  g_assert_cmpstr (ready->pdf_path, ==, pdf);
  g_assert_cmpint (ready->revision, ==, document->revision + 1);
  g_assert_cmpuint (ready->n_pages, ==, 2);
  g_assert_cmpint (ready->updated_at, >=, document->updated_at);

  pages = pd_library_list_pages (library, document->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pages->len, ==, 2);
  page = g_ptr_array_index (pages, 0);
  g_assert_cmpint (page->id, ==, page0);
  g_assert_cmpuint (page->index, ==, 0);
  g_assert_cmpint (page->state, ==, PD_PAGE_STATE_RECOGNIZED);
  g_assert_cmpstr (page->text, ==, "Invoice number 4711");
  g_assert_cmpfloat_with_epsilon (page->confidence, 91.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (page->skew, 0.4, 1e-9);
  g_assert_cmpint (page->encoding, ==, 1);
  g_assert_cmpuint (page->width, ==, 2480);
  g_assert_cmpuint (page->dpi, ==, 300);
  g_assert_true (g_str_has_suffix (page->spool_path, "page-0.pnm"));
  g_assert_true (g_str_has_suffix (page->image_path, ".jpg"));
  page = g_ptr_array_index (pages, 1);
  g_assert_cmpint (page->state, ==, PD_PAGE_STATE_FAILED);
  g_assert_null (page->text);

  words = pd_library_get_words (library, page0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (words->len, ==, 3);
  g_assert_cmpstr (g_array_index (words, PdWord, 0).text, ==, "Invoice");
  g_assert_cmpstr (g_array_index (words, PdWord, 2).text, ==, "4711");
  g_assert_cmpint (g_array_index (words, PdWord, 1).x0, ==, 100 + 40 * 7 + 30);
  g_assert_cmpfloat_with_epsilon (g_array_index (words, PdWord, 2).confidence, 92.0, 1e-6);

  journal = pd_library_list_journal (library, document->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (journal->len, ==, 7);
  assert_entry (journal->pdata[0], document->id, document->uuid, NULL, "capturing", "created",
                start, g_get_real_time ());
  assert_entry (journal->pdata[1], document->id, document->uuid, NULL, "captured",
                "page captured", start, g_get_real_time ());
  assert_entry (journal->pdata[2], document->id, document->uuid, NULL, "captured",
                "page captured", start, g_get_real_time ());
  assert_entry (journal->pdata[3], document->id, document->uuid, "captured", "recognized",
                "page recognized", start, g_get_real_time ());
  assert_entry (journal->pdata[4], document->id, document->uuid, "captured", "failed",
                "page failed", start, g_get_real_time ());
  g_assert_nonnull (strstr (((PdJournalEntry *) journal->pdata[4])->detail, "blank"));
  assert_entry (journal->pdata[5], document->id, document->uuid, "capturing", "processing",
                "capture finished", start, g_get_real_time ());
  assert_entry (journal->pdata[6], document->id, document->uuid, "processing", "ready",
                "ready", start, g_get_real_time ());
  g_assert_cmpstr (((PdJournalEntry *) journal->pdata[6])->detail, ==, pdf);
  for (guint i = 1; i < journal->len; i++)
    g_assert_cmpint (((PdJournalEntry *) journal->pdata[i])->time, >=,
                     ((PdJournalEntry *) journal->pdata[i - 1])->time);

  /* An event without a document, and renaming, which is not a state change. */
  pd_library_journal_add (library, 0, "scanner connected", "test:0", &error);
  g_assert_no_error (error);
  pd_library_rename_document (library, document->id, "Invoice from Müller", &error);
  g_assert_no_error (error);
  g_clear_pointer (&journal, g_ptr_array_unref);
  journal = pd_library_list_journal (library, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (journal->len, ==, 9);
  assert_entry (journal->pdata[7], 0, NULL, NULL, NULL, "scanner connected", start,
                g_get_real_time ());
  assert_entry (journal->pdata[8], document->id, document->uuid, NULL, NULL, "renamed", start,
                g_get_real_time ());
  g_clear_pointer (&ready, pd_document_free);
  ready = pd_library_get_document_by_id (library, document->id, &error);
  g_assert_cmpstr (ready->name, ==, "Invoice from Müller");
  g_assert_cmpint (ready->revision, ==, document->revision + 2);

  close_library (library);
}

/* A batch cut at a separator sheet: the new part has exactly its pages and the batch's profile,
 * so a part left unfinished by a crash is resumed by the same rules (its destination above all)
 * as the first part. */
static void
test_split_keeps_profile (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(PdDocument) part = NULL;
  g_autoptr(PdDocument) first = NULL;
  g_autofree char *profile = NULL;
  g_autofree char *part_profile = NULL;
  PdLibrary *library = open_library (dir);

  document = pd_library_create_document (library, "Claims", NULL, PD_SCAN_MODE_GRAY, "eng", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    add_page (library, document->id, i);
  g_assert_true (pd_document_set_profile (library, document->id, "Claims", &error));
  g_assert_no_error (error);

  part = pd_library_split_document (library, document->id, 1, "Claims (2)", &error);
  g_assert_no_error (error);
  g_assert_nonnull (part);
  g_assert_cmpuint (part->n_pages, ==, 2);
  g_assert_cmpint (part->state, ==, document->state);
  first = pd_library_get_document_by_id (library, document->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->n_pages, ==, 1);

  g_assert_true (pd_document_get_profile (library, document->id, &profile, &error));
  g_assert_true (pd_document_get_profile (library, part->id, &part_profile, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (profile, ==, "Claims");
  g_assert_cmpstr (part_profile, ==, "Claims");
  close_library (library);
}

/* Pages may be changed in a finished document and in a batch the pipeline stopped for review,
 * never in one it is still working on, though both are PROCESSING with every page recognized. */
static void
test_pages_editable_only_in_review (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) document = NULL;
  PdLibrary *library = open_library (dir);
  gint64 page_id;

  document = pd_library_create_document (library, "Batch", NULL, PD_SCAN_MODE_GRAY, "eng", &error);
  g_assert_no_error (error);
  page_id = add_page (library, document->id, 0);
  add_page (library, document->id, 1);
  recognize (library, page_id, "first page");
  g_assert_true (pd_library_transition (library, document->id, PD_DOC_STATE_CAPTURING,
                                        PD_DOC_STATE_PROCESSING, "capture finished", NULL, &error));
  g_assert_no_error (error);

  /* Being finished by the pipeline. */
  g_assert_false (pd_library_set_page_blank (library, page_id, TRUE, &error));
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_BAD_TRANSITION);
  g_clear_error (&error);

  /* Waiting for the person to save it. */
  pd_library_journal_add (library, document->id, "waiting for review", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (pd_library_set_page_blank (library, page_id, TRUE, &error));
  g_assert_no_error (error);

  /* Saved: being filed. */
  pd_library_journal_add (library, document->id, "reviewed", "filed as the person saved it", &error);
  g_assert_no_error (error);
  g_assert_false (pd_library_set_page_blank (library, page_id, FALSE, &error));
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_BAD_TRANSITION);
  close_library (library);
}

static void
test_bad_transition_writes_nothing (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(PdDocument) after = NULL;
  PdLibrary *library;
  guint before;

  library = open_library (dir);
  document = pd_library_create_document (library, "Contract", NULL, PD_SCAN_MODE_COLOR, "eng",
                                         &error);
  g_assert_no_error (error);
  before = journal_length (library);

  g_assert_false (pd_library_transition (library, document->id, PD_DOC_STATE_PROCESSING,
                                         PD_DOC_STATE_READY, "assembled", NULL, &error));
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_BAD_TRANSITION);
  g_assert_nonnull (strstr (error->message, "Contract"));
  g_clear_error (&error);

  /* ready needs processing; the document is still capturing */
  g_assert_false (pd_library_set_document_ready (library, document->id, "/nowhere.pdf", &error));
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_BAD_TRANSITION);
  g_clear_error (&error);

  g_assert_false (pd_library_transition (library, 424242, PD_DOC_STATE_CAPTURING,
                                         PD_DOC_STATE_PROCESSING, "capture finished", NULL,
                                         &error));
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "424242"));
  g_clear_error (&error);

  g_assert_cmpuint (journal_length (library), ==, before);
  after = pd_library_get_document_by_id (library, document->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (after->state, ==, PD_DOC_STATE_CAPTURING);
  g_assert_null (after->pdf_path);
  g_assert_cmpint (after->revision, ==, document->revision);
  g_assert_cmpint (after->updated_at, ==, document->updated_at);

  /* failing is allowed from any state, and says why */
  g_assert_true (pd_library_set_document_failed (library, document->id,
                                                 "The scanner jammed.", &error));
  g_assert_no_error (error);
  g_clear_pointer (&after, pd_document_free);
  after = pd_library_get_document_by_id (library, document->id, &error);
  g_assert_cmpint (after->state, ==, PD_DOC_STATE_FAILED);
  g_assert_cmpstr (after->last_error, ==, "The scanner jammed.");
  g_assert_cmpuint (journal_length (library), ==, before + 1);

  close_library (library);
}

static void
test_failed_transaction_leaves_no_journal (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(PdDocument) after = NULL;
  g_autoptr(GPtrArray) pages = NULL;
  g_autofree char *report = NULL;
  PdLibrary *library;
  PdSpooledPage page;
  guint before;

  library = open_library (dir);
  document = pd_library_create_document (library, "Receipt", NULL, PD_SCAN_MODE_GRAY, "eng",
                                         &error);
  g_assert_no_error (error);
  add_page (library, document->id, 0);
  before = journal_length (library);

  /* a page for a document that does not exist */
  spooled_page (&page, dir, 0, &path);
  g_assert_cmpint (pd_library_add_page (library, 987654, &page, &error), ==, 0);
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* the same page twice: the journal row is written before the page row fails, so only a
   * rollback keeps it out */
  g_assert_cmpint (pd_library_add_page (library, document->id, &page, &error), ==, 0);
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_FAILED);
  g_clear_error (&error);

  /* a journal row pointing at a missing document */
  g_assert_false (pd_library_journal_add (library, 987654, "note", NULL, &error));
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* recognizing a page that does not exist */
  g_assert_false (pd_library_set_page_recognized (library, 987654, "/x.jpg", 0, 0, "text", 50,
                                                  NULL, &error));
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_cmpuint (journal_length (library), ==, before);
  after = pd_library_get_document_by_id (library, document->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->n_pages, ==, 1);
  pages = pd_library_list_pages (library, document->id, &error);
  g_assert_cmpuint (pages->len, ==, 1);

  g_assert_true (pd_library_check_integrity (library, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (report, ==, "ok");

  close_library (library);
}

static GPtrArray *
search (PdLibrary  *library,
        const char *query)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *hits = pd_library_search (library, query, 20, &error);

  g_assert_no_error (error);
  g_assert_nonnull (hits);
  return hits;
}

static void
test_search (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) invoice = NULL;
  g_autoptr(PdDocument) letter = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  PdSearchHit *hit;
  PdLibrary *library;
  gint64 page;
  const char *hostile[] = {
    "\"unbalanced", "a AND", "NEAR(", "*", "\"", ")", "OR", "text:invoice", "^start",
    "a OR OR b", "NOT", "-minus", "'single", "{text}", "\"\"*", "((((", "a:b:c",
  };

  library = open_library (dir);
  invoice = pd_library_create_document (library, "Invoice", NULL, PD_SCAN_MODE_TEXT, "eng",
                                        &error);
  letter = pd_library_create_document (library, "Letter", NULL, PD_SCAN_MODE_TEXT, "eng",
                                       &error);
  g_assert_no_error (error);
  recognize (library, add_page (library, invoice->id, 0), "Dear customer please find attached");
  recognize (library, add_page (library, invoice->id, 1),
             "Invoice number 4711 from Müller GmbH total amount due");
  page = add_page (library, letter->id, 0);
  recognize (library, page, "Thank you for your letter about the garden fence");

  hits = search (library, "4711");
  g_assert_cmpuint (hits->len, ==, 1);
  hit = hits->pdata[0];
  g_assert_cmpint (hit->document_id, ==, invoice->id);
  g_assert_cmpstr (hit->uuid, ==, invoice->uuid);
  g_assert_cmpstr (hit->name, ==, "Invoice");
  g_assert_cmpuint (hit->page_index, ==, 1);
  g_assert_nonnull (strstr (hit->snippet, "[4711]"));
  g_assert_nonnull (strstr (hit->snippet, "number"));
  g_clear_pointer (&hits, g_ptr_array_unref);

  /* the last word is a prefix (results while typing), accents and case do not matter */
  hits = search (library, "mull");
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_nonnull (strstr (((PdSearchHit *) hits->pdata[0])->snippet, "[Müller]"));
  g_clear_pointer (&hits, g_ptr_array_unref);

  /* every word must be there */
  hits = search (library, "invoice total");
  g_assert_cmpuint (hits->len, ==, 1);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = search (library, "invoice fence");
  g_assert_cmpuint (hits->len, ==, 0);
  g_clear_pointer (&hits, g_ptr_array_unref);

  /* a word on pages of both documents; the limit is honoured */
  hits = search (library, "you");
  g_assert_cmpuint (hits->len, ==, 1);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = search (library, "f");
  g_assert_cmpuint (hits->len, ==, 3);
  g_clear_pointer (&hits, g_ptr_array_unref);
  {
    g_autoptr(GPtrArray) limited = pd_library_search (library, "f", 2, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (limited->len, ==, 2);
  }

  /* what a person may type never breaks the query syntax */
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autoptr(GPtrArray) some = pd_library_search (library, hostile[i], 20, &error);

      g_assert_no_error (error);
      g_assert_nonnull (some);
      /* nothing on these pages contains these words, and punctuation alone matches nothing */
      g_assert_cmpuint (some->len, ==, 0);
    }
  hits = search (library, "\"invoice");
  g_assert_cmpuint (hits->len, ==, 1);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = search (library, "(garden fence\"");
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_cmpint (((PdSearchHit *) hits->pdata[0])->document_id, ==, letter->id);
  g_clear_pointer (&hits, g_ptr_array_unref);

  /* recognizing a page again replaces what the index knows about it */
  recognize (library, page, "Second attempt reads a hedge instead");
  hits = search (library, "fence");
  g_assert_cmpuint (hits->len, ==, 0);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = search (library, "hedge");
  g_assert_cmpuint (hits->len, ==, 1);
  g_clear_pointer (&hits, g_ptr_array_unref);

  close_library (library);
}

/* A word on very many pages: the newest pages come first, without scoring every match. */
static void
test_search_many_matches_newest_first (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(GPtrArray) ranked = NULL;
  g_autoptr(GPtrArray) newest = NULL;
  PdLibrary *library;

  library = open_library (dir);
  document = pd_library_create_document (library, "Minutes", NULL, PD_SCAN_MODE_TEXT, "eng",
                                         &error);
  g_assert_no_error (error);
  /* page 0 is the best match by far (the word three times in few words) */
  recognize (library, add_page (library, document->id, 0), "budget budget budget");
  for (guint i = 1; i < 5; i++)
    recognize (library, add_page (library, document->id, i),
               "the meeting discussed the budget among many other things of the day");

  ranked = search (library, "budget");
  g_assert_cmpuint (ranked->len, ==, 5);
  g_assert_cmpuint (((PdSearchHit *) ranked->pdata[0])->page_index, ==, 0);

  _pd_library_set_ranked_search_max (3);
  newest = search (library, "budget");
  _pd_library_set_ranked_search_max (2000);
  g_assert_cmpuint (newest->len, ==, 5);
  g_assert_cmpuint (((PdSearchHit *) newest->pdata[0])->page_index, ==, 4);
  g_assert_cmpuint (((PdSearchHit *) newest->pdata[4])->page_index, ==, 0);
  g_assert_nonnull (strstr (((PdSearchHit *) newest->pdata[0])->snippet, "[budget]"));

  close_library (library);
}

static void
test_fts_query_quoting (void)
{
  g_autofree char *q1 = _pd_library_build_fts_query ("invoice  4711");
  g_autofree char *q2 = _pd_library_build_fts_query ("say \"hi\"");
  g_autofree char *q3 = _pd_library_build_fts_query ("* ( ) \"");
  g_autofree char *q4 = _pd_library_build_fts_query ("");
  g_autofree char *q5 = _pd_library_build_fts_query ("Telephone 4471-B");

  g_assert_cmpstr (q1, ==, "\"invoice\" \"4711\"*");
  /* a last word ending in one letter is not a prefix */
  g_assert_cmpstr (q5, ==, "\"Telephone\" \"4471-B\"");
  g_assert_cmpstr (q2, ==, "\"say\" \"\"\"hi\"\"\"*");
  g_assert_null (q3);
  g_assert_null (q4);
}

static void
set_uuid (PdLibrary  *library,
          gint64      id,
          const char *uuid)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = g_strdup_printf ("UPDATE documents SET uuid = '%s' WHERE id = %"
                                          G_GINT64_FORMAT, uuid, id);

  g_assert_true (_pd_library_exec (library, sql, &error));
  g_assert_no_error (error);
}

static void
test_uuid_prefix_lookup (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) one = NULL;
  g_autoptr(PdDocument) two = NULL;
  g_autoptr(PdDocument) three = NULL;
  g_autoptr(PdDocument) found = NULL;
  g_autofree char *id_ref = NULL;
  PdLibrary *library;

  library = open_library (dir);
  one = pd_library_create_document (library, "One", NULL, PD_SCAN_MODE_GRAY, "eng", &error);
  two = pd_library_create_document (library, "Two", NULL, PD_SCAN_MODE_GRAY, "eng", &error);
  three = pd_library_create_document (library, "Three", NULL, PD_SCAN_MODE_GRAY, "eng", &error);
  g_assert_no_error (error);

  /* random uuids rarely share a prefix, so give two of them one */
  set_uuid (library, one->id, "abcd1111-0000-4000-8000-000000000001");
  set_uuid (library, two->id, "abcd2222-0000-4000-8000-000000000002");
  set_uuid (library, three->id, "98765432-0000-4000-8000-000000000003");

  found = pd_library_get_document (library, "abcd", &error);
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_AMBIGUOUS);
  g_assert_nonnull (strstr (error->message, "abcd"));
  g_assert_nonnull (strstr (error->message, "2"));
  g_assert_null (found);
  g_clear_error (&error);

  found = pd_library_get_document (library, "abcd1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (found->id, ==, one->id);
  g_clear_pointer (&found, pd_document_free);

  found = pd_library_get_document (library, "ABCD2", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->name, ==, "Two");
  g_clear_pointer (&found, pd_document_free);

  found = pd_library_get_document (library, "abcd2222-0000-4000-8000-000000000002", &error);
  g_assert_no_error (error);
  g_assert_cmpint (found->id, ==, two->id);
  g_clear_pointer (&found, pd_document_free);

  id_ref = g_strdup_printf ("%" G_GINT64_FORMAT, three->id);
  found = pd_library_get_document (library, id_ref, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->name, ==, "Three");
  g_clear_pointer (&found, pd_document_free);

  /* digits that are no document number may still begin a uuid */
  found = pd_library_get_document (library, "98765", &error);
  g_assert_no_error (error);
  g_assert_cmpint (found->id, ==, three->id);
  g_clear_pointer (&found, pd_document_free);

  for (guint i = 0; i < 4; i++)
    {
      const char *missing[] = { "abc", "ffff", "zzzz", "ab%d" };

      found = pd_library_get_document (library, missing[i], &error);
      g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND);
      g_assert_nonnull (strstr (error->message, missing[i]));
      g_assert_null (found);
      g_clear_error (&error);
    }

  close_library (library);
}

typedef struct {
  PdLibrary *library;
  gint64     document_id;
  guint      n_pages;
} Worker;

static gpointer
add_pages_thread (gpointer data)
{
  Worker *worker = data;

  for (guint i = 0; i < worker->n_pages; i++)
    {
      g_autofree char *text = g_strdup_printf ("page %u of document %" G_GINT64_FORMAT " zebra%u",
                                               i, worker->document_id, i);
      gint64 page_id = add_page (worker->library, worker->document_id, i);

      recognize (worker->library, page_id, text);
    }
  return NULL;
}

static void
test_concurrent_writers (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(GError) error = NULL;
  g_autofree char *report = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  PdLibrary *library;
  Worker workers[4];
  GThread *threads[4];
  const guint n_pages = 25;

  library = open_library (dir);
  for (guint i = 0; i < G_N_ELEMENTS (workers); i++)
    {
      g_autofree char *name = g_strdup_printf ("Batch %u", i);
      g_autoptr(PdDocument) document = pd_library_create_document (library, name, NULL,
                                                                    PD_SCAN_MODE_GRAY, "eng",
                                                                    &error);

      g_assert_no_error (error);
      workers[i] = (Worker) { library, document->id, n_pages };
    }
  for (guint i = 0; i < G_N_ELEMENTS (workers); i++)
    threads[i] = g_thread_new ("writer", add_pages_thread, &workers[i]);
  for (guint i = 0; i < G_N_ELEMENTS (workers); i++)
    g_thread_join (threads[i]);

  for (guint i = 0; i < G_N_ELEMENTS (workers); i++)
    {
      g_autoptr(PdDocument) document = NULL;
      g_autoptr(GPtrArray) pages = NULL;
      g_autoptr(GPtrArray) journal = NULL;

      document = pd_library_get_document_by_id (library, workers[i].document_id, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (document->n_pages, ==, n_pages);
      pages = pd_library_list_pages (library, document->id, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (pages->len, ==, n_pages);
      for (guint p = 0; p < pages->len; p++)
        {
          PdPage *page = pages->pdata[p];

          g_assert_cmpuint (page->index, ==, p);
          g_assert_cmpint (page->state, ==, PD_PAGE_STATE_RECOGNIZED);
        }
      journal = pd_library_list_journal (library, document->id, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (journal->len, ==, 1 + 2 * n_pages);
    }

  hits = pd_library_search (library, "zebra7", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, G_N_ELEMENTS (workers));

  g_assert_true (pd_library_check_integrity (library, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (report, ==, "ok");

  close_library (library);
}

static void
test_reopen_keeps_everything (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(PdDocument) again = NULL;
  g_autoptr(GPtrArray) documents = NULL;
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  g_autoptr(GArray) words = NULL;
  PdLibrary *library;
  gint64 page_id;

  library = open_library (dir);
  document = pd_library_create_document (library, "Tax return", "test:0", PD_SCAN_MODE_COLOR,
                                         "eng+deu", &error);
  g_assert_no_error (error);
  page_id = add_page (library, document->id, 0);
  recognize (library, page_id, "Steuererklärung for the year 2023");
  pd_library_transition (library, document->id, PD_DOC_STATE_CAPTURING,
                         PD_DOC_STATE_PROCESSING, "capture finished", NULL, &error);
  g_assert_no_error (error);
  close_library (library);

  library = open_library (dir);
  again = pd_library_get_document (library, document->uuid, &error);
  g_assert_no_error (error);
  g_assert_cmpint (again->id, ==, document->id);
  g_assert_cmpstr (again->name, ==, "Tax return");
  g_assert_cmpstr (again->source, ==, "test:0");
  g_assert_cmpstr (again->langs, ==, "eng+deu");
  g_assert_cmpint (again->mode, ==, PD_SCAN_MODE_COLOR);
  g_assert_cmpint (again->state, ==, PD_DOC_STATE_PROCESSING);
  g_assert_cmpint (again->created_at, ==, document->created_at);
  g_assert_cmpuint (again->n_pages, ==, 1);

  documents = pd_library_list_documents_in_state (library, PD_DOC_STATE_PROCESSING, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (documents->len, ==, 1);
  g_clear_pointer (&documents, g_ptr_array_unref);
  documents = pd_library_list_documents_in_state (library, PD_DOC_STATE_CAPTURING, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (documents->len, ==, 0);

  pages = pd_library_list_pages (library, document->id, &error);
  g_assert_cmpuint (pages->len, ==, 1);
  words = pd_library_get_words (library, page_id, &error);
  g_assert_cmpuint (words->len, ==, 5);
  g_assert_cmpstr (g_array_index (words, PdWord, 0).text, ==, "Steuererklärung");
  hits = search (library, "steuererklarung");
  g_assert_cmpuint (hits->len, ==, 1);
  journal = pd_library_list_journal (library, document->id, &error);
  g_assert_cmpuint (journal->len, ==, 4);

  close_library (library);
}

static void
test_list_newest_first (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) documents = NULL;
  PdLibrary *library;

  library = open_library (dir);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("Doc %u", i);
      g_autoptr(PdDocument) document = pd_library_create_document (library, name, NULL,
                                                                    PD_SCAN_MODE_TEXT, "eng",
                                                                    &error);

      g_assert_no_error (error);
    }
  documents = pd_library_list_documents (library, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (documents->len, ==, 3);
  g_assert_cmpstr (((PdDocument *) documents->pdata[0])->name, ==, "Doc 2");
  g_assert_cmpstr (((PdDocument *) documents->pdata[2])->name, ==, "Doc 0");
  close_library (library);
}

static void
test_disk_full (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) kept = NULL;
  g_autoptr(GPtrArray) documents = NULL;
  g_autofree char *big = NULL;
  g_autofree char *report = NULL;
  PdLibrary *library;
  guint before;
  guint i;

  library = open_library (dir);
  kept = pd_library_create_document (library, "Kept", NULL, PD_SCAN_MODE_TEXT, "eng", &error);
  g_assert_no_error (error);
  before = journal_length (library);

  /* SQLite reports a database that cannot grow exactly as it reports a full disk. */
  g_assert_true (_pd_library_exec (library, "PRAGMA max_page_count = 1", &error));
  g_assert_no_error (error);
  big = g_strnfill (64 * 1024, 'x');
  for (i = 0; i < 100; i++)
    {
      g_autoptr(PdDocument) document = pd_library_create_document (library, big, NULL,
                                                                    PD_SCAN_MODE_TEXT, "eng",
                                                                    &error);
      if (document == NULL)
        break;
    }
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_DISK_FULL);
  g_assert_nonnull (strstr (error->message, "disk is full"));
  g_assert_nonnull (strstr (error->message, "Nothing was lost"));
  g_clear_error (&error);
  g_assert_cmpuint (i, ==, 0);

  /* nothing half-written, and the library works again once there is room */
  g_assert_cmpuint (journal_length (library), ==, before);
  g_assert_true (_pd_library_exec (library, "PRAGMA max_page_count = 1073741823", &error));
  g_assert_no_error (error);
  documents = pd_library_list_documents (library, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (documents->len, ==, 1);
  add_page (library, kept->id, 0);
  g_assert_true (pd_library_check_integrity (library, &report, &error));
  g_assert_no_error (error);

  close_library (library);
}

typedef struct {
  GMainLoop *loop;
  gint64     document_id;
  GThread   *emitted_on;
  guint      count;
  PdLibrary *library;
  GPtrArray *documents;
  GError    *error;
} SignalData;

static void
document_changed_cb (PdLibrary  *library,
                     gint64      document_id,
                     SignalData *data)
{
  data->document_id = document_id;
  data->emitted_on = g_thread_self ();
  data->count++;
  g_main_loop_quit (data->loop);
}

static gpointer
create_in_thread (gpointer user_data)
{
  SignalData *data = user_data;
  g_autoptr(GError) error = NULL;
  PdDocument *document;

  document = pd_library_create_document (data->library, "From a worker", NULL,
                                         PD_SCAN_MODE_GRAY, "eng", &error);
  g_assert_no_error (error);
  return document;
}

static void
test_document_changed_on_main_context (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(PdDocument) document = NULL;
  SignalData data = { loop, 0, NULL, 0, NULL, NULL, NULL };
  GThread *thread;

  data.library = open_library (dir);
  g_signal_connect (data.library, "document-changed", G_CALLBACK (document_changed_cb), &data);

  thread = g_thread_new ("worker", create_in_thread, &data);
  document = g_thread_join (thread);
  g_assert_cmpuint (data.count, ==, 0);  /* not emitted on the worker */
  g_main_loop_run (loop);
  g_assert_cmpuint (data.count, ==, 1);
  g_assert_cmpint (data.document_id, ==, document->id);
  g_assert_true (data.emitted_on == g_thread_self ());

  close_library (data.library);
}

static void
opened_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  SignalData *data = user_data;

  data->library = pd_library_open_finish (result, &data->error);
  g_main_loop_quit (data->loop);
}

static void
listed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  SignalData *data = user_data;

  data->documents = pd_library_list_documents_finish (PD_LIBRARY (source), result, &data->error);
  g_main_loop_quit (data->loop);
}

static void
test_async (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(PdDocument) document = NULL;
  SignalData data = { loop, 0, NULL, 0, NULL, NULL, NULL };
  g_autoptr(GPtrArray) documents = NULL;
  g_autofree char *db_path = g_build_filename (dir, "library.db", NULL);

  pd_library_open_async (dir, NULL, opened_cb, &data);
  g_main_loop_run (loop);
  g_assert_no_error (data.error);
  g_assert_true (PD_IS_LIBRARY (data.library));
  g_assert_true (g_file_test (db_path, G_FILE_TEST_IS_REGULAR));

  /* opened on a worker, but signals come to the context that asked */
  g_signal_connect (data.library, "document-changed", G_CALLBACK (document_changed_cb), &data);
  document = pd_library_create_document (data.library, "Async", NULL, PD_SCAN_MODE_TEXT, "eng",
                                         NULL);
  g_assert_nonnull (document);
  if (data.count == 0)
    g_main_loop_run (loop);
  g_assert_cmpuint (data.count, ==, 1);
  g_assert_true (data.emitted_on == g_thread_self ());

  pd_library_list_documents_async (data.library, NULL, listed_cb, &data);
  g_main_loop_run (loop);
  g_assert_no_error (data.error);
  documents = g_steal_pointer (&data.documents);
  g_assert_cmpuint (documents->len, ==, 1);
  g_assert_cmpstr (((PdDocument *) documents->pdata[0])->name, ==, "Async");

  /* GTask's worker drops its reference to the task (and so to the library) a moment after the
   * callback may already have run; wait for that, but not forever. */
  {
    gpointer weak = data.library;
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    g_object_add_weak_pointer (G_OBJECT (data.library), &weak);
    g_object_unref (data.library);
    while (weak != NULL && g_get_monotonic_time () < deadline)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (1000);
      }
    g_assert_null (weak);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/library/open/private-files", test_open_creates_private_files);
  g_test_add_func ("/library/journal/document-life", test_document_life_journal);
  g_test_add_func ("/library/journal/bad-transition-writes-nothing",
                   test_bad_transition_writes_nothing);
  g_test_add_func ("/library/journal/failed-transaction-leaves-no-row",
                   test_failed_transaction_leaves_no_journal);
  g_test_add_func ("/library/split/keeps-profile", test_split_keeps_profile);
  g_test_add_func ("/library/pages/editable-only-in-review", test_pages_editable_only_in_review);
  g_test_add_func ("/library/search/pages", test_search);
  g_test_add_func ("/library/search/quoting", test_fts_query_quoting);
  g_test_add_func ("/library/search/many-matches-newest-first",
                   test_search_many_matches_newest_first);
  g_test_add_func ("/library/lookup/uuid-prefix", test_uuid_prefix_lookup);
  g_test_add_func ("/library/list/newest-first", test_list_newest_first);
  g_test_add_func ("/library/threads/concurrent-writers", test_concurrent_writers);
  g_test_add_func ("/library/open/reopen-keeps-everything", test_reopen_keeps_everything);
  g_test_add_func ("/library/errors/disk-full", test_disk_full);
  g_test_add_func ("/library/signal/main-context", test_document_changed_on_main_context);
  g_test_add_func ("/library/async/open-and-list", test_async);

  return g_test_run ();
}
