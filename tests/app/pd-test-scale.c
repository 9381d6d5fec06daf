/* pd-test-scale.c: see pd-test-scale.h. */
#define G_LOG_DOMAIN "pd-test"

#include "config.h"

#include <sqlite3.h>

#include "pd-library.h"
#include "pd-test-scale.h"

#define WORDS_PER_PAGE 40

/* Office words; the rare terms a person searches for are the invoice numbers. */
static const char *vocabulary[] = {
  "invoice", "total", "amount", "payment", "due", "date", "customer", "address", "street",
  "order", "quantity", "price", "tax", "net", "gross", "delivery", "contract", "agreement",
  "signature", "account", "bank", "transfer", "reference", "thank", "you", "please", "pay",
  "within", "days", "receipt", "office", "supplies", "paper", "toner", "service", "hours",
};

static void
check (sqlite3 *db,
       int      rc,
       int      expected)
{
  if (rc != expected)
    g_error ("SQLite: %s", sqlite3_errmsg (db));
}

void
pd_test_scale_generate (const char *dir,
                        guint       n_docs,
                        guint       n_pages)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdLibrary) library = NULL;
  g_autofree char *db_path = g_build_filename (dir, "library.db", NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261122);
  sqlite3 *db = NULL;
  sqlite3_stmt *doc = NULL, *page = NULL, *fts = NULL;
  gint64 now = g_get_real_time ();

  /* The library makes its schema; then the rows go in through SQLite directly. */
  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  g_clear_object (&library);

  check (db, sqlite3_open (db_path, &db), SQLITE_OK);
  check (db, sqlite3_exec (db, "PRAGMA synchronous = OFF; BEGIN", NULL, NULL, NULL), SQLITE_OK);
  check (db, sqlite3_prepare_v2 (db,
         "INSERT INTO documents (uuid, name, state, source, mode, langs, n_pages, pdf_path, "
         "  created_at, created_by, updated_at, revision) "
         "VALUES (lower (hex (randomblob (16))), ?1, 'ready', 'demo', 'text', 'eng', ?2, ?3, ?4, "
         "  'test', ?4, 1)", -1, &doc, NULL), SQLITE_OK);
  check (db, sqlite3_prepare_v2 (db,
         "INSERT INTO pages (document_id, idx, state, spool_path, width, height, depth, "
         "  channels, dpi, text, confidence) "
         "VALUES (?1, ?2, 'recognized', '', 2480, 3508, 8, 1, 300, ?3, 91)", -1, &page, NULL),
         SQLITE_OK);
  check (db, sqlite3_prepare_v2 (db, "INSERT INTO page_fts (rowid, text) VALUES (?1, ?2)", -1,
                                 &fts, NULL), SQLITE_OK);

  for (guint d = 0; d < n_docs; d++)
    {
      g_autofree char *name = g_strdup_printf ("Invoice %06u", d);
      g_autofree char *pdf = g_strdup_printf ("%s/documents/invoice-%06u.pdf", dir, d);
      gint64 doc_id;

      sqlite3_bind_text (doc, 1, name, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (doc, 2, (int) n_pages);
      sqlite3_bind_text (doc, 3, pdf, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (doc, 4, now - (gint64) (n_docs - d) * 3600 * G_USEC_PER_SEC);
      check (db, sqlite3_step (doc), SQLITE_DONE);
      sqlite3_reset (doc);
      doc_id = sqlite3_last_insert_rowid (db);

      for (guint p = 0; p < n_pages; p++)
        {
          gint64 page_id;

          g_string_printf (text, "Invoice INV-%06u-%u ", d, p);
          for (guint w = 0; w < WORDS_PER_PAGE; w++)
            {
              g_string_append (text, vocabulary[g_rand_int_range (rand, 0,
                                                                  G_N_ELEMENTS (vocabulary))]);
              g_string_append_c (text, w % 12 == 11 ? '\n' : ' ');
            }
          sqlite3_bind_int64 (page, 1, doc_id);
          sqlite3_bind_int (page, 2, (int) p);
          sqlite3_bind_text (page, 3, text->str, (int) text->len, SQLITE_TRANSIENT);
          check (db, sqlite3_step (page), SQLITE_DONE);
          sqlite3_reset (page);
          page_id = sqlite3_last_insert_rowid (db);
          sqlite3_bind_int64 (fts, 1, page_id);
          sqlite3_bind_text (fts, 2, text->str, (int) text->len, SQLITE_TRANSIENT);
          check (db, sqlite3_step (fts), SQLITE_DONE);
          sqlite3_reset (fts);
        }
    }
  sqlite3_finalize (doc);
  sqlite3_finalize (page);
  sqlite3_finalize (fts);
  check (db, sqlite3_exec (db, "COMMIT; PRAGMA wal_checkpoint (TRUNCATE); ANALYZE", NULL, NULL,
                           NULL), SQLITE_OK);
  sqlite3_close (db);
}
