/* pd-library.c: the document library on SQLite. One connection per PdLibrary, guarded by a mutex
 * so any thread may call; WAL with synchronous=FULL so a commit is on disk before we report it.
 * Each state change is one transaction together with its journal row. The schema grows by a
 * user_version ladder of migrations, each one transaction; a database from a newer Paperdock is
 * refused before anything is written to it. */
#define G_LOG_DOMAIN "pd-library"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "pd-fs.h"
#include "pd-library.h"
#include "pd-library-db.h"
#include "pd-library-private.h"
#include "pd-naming.h"
#include "pd-profile.h"
#include "pd-task.h"

struct _PdLibrary
{
  GObject       parent_instance;

  /* owned, immutable after open */
  char         *dir;
  char         *spool_dir;
  char         *pages_dir;
  char         *documents_dir;
  char         *db_path;
  GMainContext *context;        /* where "document-changed" is emitted */
  guint         schema_version;

  /* owned, guarded by mutex */
  GMutex        mutex;
  sqlite3      *db;
};

enum {
  DOCUMENT_CHANGED,
  PROFILES_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PdLibrary, pd_library, G_TYPE_OBJECT)


#define BUSY_TIMEOUT_MS 10000

/* The ladder: migrations[i] takes a database from user_version i to i + 1. Never edit a step
 * once released; add a new one. */
static const char *migrations[] = {
  /* 0 -> 1: documents, pages, journal */
  "CREATE TABLE documents ("
  "  id INTEGER PRIMARY KEY,"
  "  uuid TEXT NOT NULL UNIQUE,"
  "  name TEXT NOT NULL,"
  "  state TEXT NOT NULL,"
  "  source TEXT,"
  "  mode TEXT NOT NULL,"
  "  langs TEXT,"
  "  n_pages INTEGER NOT NULL DEFAULT 0,"
  "  pdf_path TEXT,"
  "  created_at INTEGER NOT NULL,"
  "  created_by TEXT,"
  "  updated_at INTEGER NOT NULL,"
  "  revision INTEGER NOT NULL DEFAULT 0,"
  "  last_error TEXT);"
  "CREATE INDEX documents_by_state ON documents (state);"
  "CREATE TABLE pages ("
  "  id INTEGER PRIMARY KEY,"
  "  document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,"
  "  idx INTEGER NOT NULL,"
  "  state TEXT NOT NULL,"
  "  spool_path TEXT NOT NULL,"
  "  width INTEGER NOT NULL,"
  "  height INTEGER NOT NULL,"
  "  depth INTEGER NOT NULL,"
  "  channels INTEGER NOT NULL,"
  "  dpi INTEGER NOT NULL,"
  "  image_path TEXT,"
  "  encoding INTEGER NOT NULL DEFAULT 0,"
  "  skew REAL NOT NULL DEFAULT 0,"
  "  text TEXT,"
  "  confidence REAL NOT NULL DEFAULT 0,"
  "  UNIQUE (document_id, idx));"
  "CREATE TABLE journal ("
  "  id INTEGER PRIMARY KEY,"
  "  time INTEGER NOT NULL,"
  "  document_id INTEGER REFERENCES documents (id) ON DELETE SET NULL,"
  "  document_uuid TEXT,"
  "  actor TEXT NOT NULL,"
  "  from_state TEXT,"
  "  to_state TEXT,"
  "  what TEXT NOT NULL,"
  "  detail TEXT);"
  "CREATE INDEX journal_by_document ON journal (document_id, id);",

  /* 1 -> 2: word boxes for highlighting, and a full-text index over page text. The FTS table
   * keeps its own copy of the text (rowid = page id) so snippets need no content triggers. */
  "CREATE TABLE words ("
  "  page_id INTEGER NOT NULL REFERENCES pages (id) ON DELETE CASCADE,"
  "  n INTEGER NOT NULL,"
  "  text TEXT NOT NULL,"
  "  x0 INTEGER NOT NULL, y0 INTEGER NOT NULL, x1 INTEGER NOT NULL, y1 INTEGER NOT NULL,"
  "  baseline INTEGER NOT NULL,"
  "  confidence REAL NOT NULL,"
  "  line INTEGER NOT NULL,"
  "  PRIMARY KEY (page_id, n)) WITHOUT ROWID;"
  "CREATE VIRTUAL TABLE page_fts USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2');"
  "INSERT INTO page_fts (rowid, text) SELECT id, text FROM pages WHERE text IS NOT NULL;",

  /* 2 -> 3: scan profiles, the counters naming templates draw from, and library settings.
   * A profile's key is its case-folded name (SQLite's NOCASE folds ASCII only), so "Rechnungen"
   * and "RECHNUNGEN" are one profile. Counters are kept when a profile is removed, so a profile
   * made again under the same name never hands out a number twice. */
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
  "  value TEXT NOT NULL) WITHOUT ROWID;",

  /* 3 -> 4: what page analysis found (turn, crop, blank, blur), whether the page is left out of
   * the PDF (a separator sheet, a removed blank page: kept, recoverable), its barcodes, and the
   * size of the processed image the PDF embeds (a crop, a turn or downsampling change it). */
  "ALTER TABLE pages ADD COLUMN rotation INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE pages ADD COLUMN crop_x INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE pages ADD COLUMN crop_y INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE pages ADD COLUMN crop_width INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE pages ADD COLUMN crop_height INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE pages ADD COLUMN blank_score REAL NOT NULL DEFAULT -1;"
  "ALTER TABLE pages ADD COLUMN is_blank INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE pages ADD COLUMN blur_score REAL NOT NULL DEFAULT -1;"
  "ALTER TABLE pages ADD COLUMN is_blurry INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE pages ADD COLUMN is_separator INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE pages ADD COLUMN excluded INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE pages ADD COLUMN image_width INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE pages ADD COLUMN image_height INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE pages ADD COLUMN image_dpi INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE pages ADD COLUMN image_channels INTEGER NOT NULL DEFAULT 0;"
  "CREATE TABLE barcodes ("
  "  page_id INTEGER NOT NULL REFERENCES pages (id) ON DELETE CASCADE,"
  "  n INTEGER NOT NULL,"
  "  type TEXT NOT NULL,"
  "  value TEXT NOT NULL,"
  "  x0 INTEGER NOT NULL, y0 INTEGER NOT NULL, x1 INTEGER NOT NULL, y1 INTEGER NOT NULL,"
  "  PRIMARY KEY (page_id, n)) WITHOUT ROWID;"
  "CREATE INDEX barcodes_by_value ON barcodes (value);",

  /* 4 -> 5: sync. Per document, where it goes and what the destination last confirmed; the
   * wait before the next attempt is stored, never slept. Accounts hold no password or token
   * (those are in the keyring). The inbox holds what needs a person; versions keep the losing
   * side of a conflict; sync_log has one row per attempt with what the server answered. */
  "ALTER TABLE documents ADD COLUMN destination TEXT;"
  "ALTER TABLE documents ADD COLUMN remote_path TEXT;"
  "ALTER TABLE documents ADD COLUMN remote_etag TEXT;"
  "ALTER TABLE documents ADD COLUMN synced_revision INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE documents ADD COLUMN synced_at INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE documents ADD COLUMN evict_after INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE documents ADD COLUMN evicted_at INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE documents ADD COLUMN sync_attempts INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE documents ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE documents ADD COLUMN last_sync_error TEXT;"
  "CREATE TABLE accounts ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  kind TEXT NOT NULL CHECK (kind IN ('folder', 'webdav', 'onedrive', 'gdrive')),"
  "  url TEXT NOT NULL,"
  "  username TEXT,"
  "  created_at INTEGER NOT NULL);"
  "CREATE TABLE versions ("
  "  id INTEGER PRIMARY KEY,"
  "  document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,"
  "  path TEXT NOT NULL,"
  "  etag TEXT,"
  "  size INTEGER NOT NULL,"
  "  saved_at INTEGER NOT NULL);"
  "CREATE TABLE inbox ("
  "  id INTEGER PRIMARY KEY,"
  "  document_id INTEGER REFERENCES documents (id) ON DELETE CASCADE,"
  "  account_id INTEGER REFERENCES accounts (id) ON DELETE CASCADE,"
  "  kind TEXT NOT NULL,"
  "  message TEXT NOT NULL,"
  "  version_id INTEGER REFERENCES versions (id) ON DELETE SET NULL,"
  "  created_at INTEGER NOT NULL,"
  "  resolved_at INTEGER,"
  "  resolution TEXT);"
  "CREATE INDEX inbox_open ON inbox (resolved_at, document_id);"
  "CREATE TABLE sync_log ("
  "  id INTEGER PRIMARY KEY,"
  "  time INTEGER NOT NULL,"
  "  account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,"
  "  document_id INTEGER REFERENCES documents (id) ON DELETE SET NULL,"
  "  http_status INTEGER NOT NULL DEFAULT 0,"
  "  bytes INTEGER NOT NULL DEFAULT 0,"
  "  duration_us INTEGER NOT NULL DEFAULT 0,"
  "  outcome TEXT NOT NULL,"
  "  detail TEXT);"
  "CREATE INDEX documents_to_sync ON documents (next_attempt_at) WHERE destination IS NOT NULL;",
  /* 5 -> 6: prefix indexes for 2- and 3-letter prefixes. Search runs as the person types, so
   * most queries end in a short prefix; without these, FTS5 merges the lists of every word with
   * that prefix and a 100,000-page library answers "to…" in 40 ms instead of under one. */
  "DROP TABLE page_fts;"
  "CREATE VIRTUAL TABLE page_fts USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2',"
  "  prefix = '2 3');"
  "INSERT INTO page_fts (rowid, text) SELECT id, text FROM pages WHERE text IS NOT NULL;",
  /* 6 -> 7: the profile that made each document, by name, so an edit made later writes the PDF
   * with the same options (PDF/A, encryption with the profile's password). NULL for documents
   * made before, or without a profile: their PDFs are made again as plain PDFs, as before. */
  "ALTER TABLE documents ADD COLUMN profile TEXT;",
};

#define SCHEMA_VERSION G_N_ELEMENTS (migrations)

/* Up to this many matching pages, search ranks them (bm25); beyond, the newest come first.
 * Tests lower it (_pd_library_set_ranked_search_max) rather than making thousands of pages. */
static gint64 ranked_search_max_matches = 2000;
#define RANKED_SEARCH_MAX_MATCHES ranked_search_max_matches

void
_pd_library_set_ranked_search_max (guint n_matches)
{
  ranked_search_max_matches = n_matches;
}

/* Records */

PdDocument *
pd_document_copy (const PdDocument *document)
{
  PdDocument *copy;

  g_return_val_if_fail (document != NULL, NULL);

  copy = g_memdup2 (document, sizeof *document);
  copy->uuid = g_strdup (document->uuid);
  copy->name = g_strdup (document->name);
  copy->source = g_strdup (document->source);
  copy->langs = g_strdup (document->langs);
  copy->pdf_path = g_strdup (document->pdf_path);
  copy->last_error = g_strdup (document->last_error);
  return copy;
}

void
pd_document_free (PdDocument *document)
{
  if (document == NULL)
    return;
  g_free (document->uuid);
  g_free (document->name);
  g_free (document->source);
  g_free (document->langs);
  g_free (document->pdf_path);
  g_free (document->last_error);
  g_free (document);
}

void
pd_page_free (PdPage *page)
{
  if (page == NULL)
    return;
  g_free (page->spool_path);
  g_free (page->image_path);
  g_free (page->text);
  g_free (page->barcodes);
  g_free (page);
}

void
pd_journal_entry_free (PdJournalEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->document_uuid);
  g_free (entry->actor);
  g_free (entry->from_state);
  g_free (entry->to_state);
  g_free (entry->what);
  g_free (entry->detail);
  g_free (entry);
}

void
pd_search_hit_free (PdSearchHit *hit)
{
  if (hit == NULL)
    return;
  g_free (hit->uuid);
  g_free (hit->name);
  g_free (hit->snippet);
  g_free (hit);
}

/* Errors */

static void
set_corrupt_error (GError     **error,
                   const char  *db_path,
                   const char  *detail)
{
  g_autofree char *name = g_filename_display_name (db_path);

  g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_CORRUPT,
               "The library database “%s” is damaged (%s). Quit Paperdock, keep a copy of its "
               "folder, and restore the database from a backup; scanned pages in the spool "
               "folder are not affected.", name, detail);
}

/* Turns an SQLite failure into an error a person can act on. @what completes
 * "could not …". */
static void
set_sqlite_error (PdLibrary   *self,
                  GError     **error,
                  int          rc,
                  const char  *what)
{
  const char *msg = self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc);

  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_DISK_FULL,
                   "The disk is full: could not %s. Nothing was lost; free some space and "
                   "try again.", what);
      break;

    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      set_corrupt_error (error, self->db_path, msg);
      break;

    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_FAILED,
                   "Could not %s: the library is busy in another program. Try again in a "
                   "moment.", what);
      break;

    default:
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_FAILED,
                   "Could not %s: %s.", what, msg);
      break;
    }
  g_debug ("sqlite error %d while trying to %s: %s", rc, what, msg);
}

static void
set_document_not_found (GError **error,
                        gint64   id)
{
  g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
               "There is no document number %" G_GINT64_FORMAT " in the library.", id);
}

static void
set_page_not_found (GError **error,
                    gint64   id)
{
  g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
               "There is no page number %" G_GINT64_FORMAT " in the library.", id);
}

/* Statements. All helpers below expect self->mutex to be held. */

static sqlite3_stmt *
prepare (PdLibrary   *self,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, error, rc, "read the library");
      return NULL;
    }
  return stmt;
}

static gboolean
exec (PdLibrary   *self,
      const char  *sql,
      const char  *what,
      GError     **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, error, rc, what);
      return FALSE;
    }
  return TRUE;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           col,
           const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, col);
  else
    sqlite3_bind_text (stmt, col, text, -1, SQLITE_TRANSIENT);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           col)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, col));
}

/* Runs a statement that returns no rows. */
static gboolean
step_done (PdLibrary     *self,
           sqlite3_stmt  *stmt,
           const char    *what,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, what);
      return FALSE;
    }
  return TRUE;
}

/* Transactions: a PdTx rolls back when it goes out of scope uncommitted, so every early return
 * on error leaves nothing half-written. */

typedef struct {
  PdLibrary *self;
} PdTx;

static void
pd_tx_free (PdTx *tx)
{
  if (!sqlite3_get_autocommit (tx->self->db))
    {
      int rc = sqlite3_exec (tx->self->db, "ROLLBACK", NULL, NULL, NULL);

      if (rc != SQLITE_OK)
        g_warning ("Could not roll back: %s", sqlite3_errmsg (tx->self->db));
    }
  g_free (tx);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdTx, pd_tx_free)

static PdTx *
pd_tx_begin (PdLibrary  *self,
             GError    **error)
{
  PdTx *tx;

  /* IMMEDIATE takes the write lock now, so another process cannot make us fail half-way. */
  if (!exec (self, "BEGIN IMMEDIATE", "start writing to the library", error))
    return NULL;
  tx = g_new0 (PdTx, 1);
  tx->self = self;
  return tx;
}

static gboolean
pd_tx_commit (PdTx    *tx,
              GError **error)
{
  return exec (tx->self, "COMMIT", "save the change to the library", error);
}

/* Journal */

static gboolean
journal_insert (PdLibrary   *self,
                gint64       document_id,
                const char  *from_state,
                const char  *to_state,
                const char  *what,
                const char  *detail,
                GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self,
                  "INSERT INTO journal (time, document_id, document_uuid, actor, from_state, "
                  "  to_state, what, detail) "
                  "VALUES (?1, ?2, (SELECT uuid FROM documents WHERE id = ?2), ?3, ?4, ?5, ?6, ?7)",
                  error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  if (document_id > 0)
    sqlite3_bind_int64 (stmt, 2, document_id);
  else
    sqlite3_bind_null (stmt, 2);
  bind_text (stmt, 3, g_get_user_name ());
  bind_text (stmt, 4, from_state);
  bind_text (stmt, 5, to_state);
  bind_text (stmt, 6, what);
  bind_text (stmt, 7, detail);

  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      int rc = sqlite3_extended_errcode (self->db);

      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        set_document_not_found (error, document_id);
      else
        set_sqlite_error (self, error, rc, "write the journal");
      return FALSE;
    }
  return TRUE;
}

/* Notification: "document-changed" is emitted on the context the library was opened in, after
 * the change committed. A weak reference so a pending emission never keeps the library alive. */

typedef struct {
  GWeakRef self;
  gint64   document_id;
} ChangedData;

static void
changed_data_free (gpointer data)
{
  ChangedData *changed = data;

  g_weak_ref_clear (&changed->self);
  g_free (changed);
}

static gboolean
emit_document_changed_cb (gpointer data)
{
  ChangedData *changed = data;
  g_autoptr(PdLibrary) self = g_weak_ref_get (&changed->self);

  if (self != NULL)
    g_signal_emit (self, signals[DOCUMENT_CHANGED], 0, changed->document_id);
  return G_SOURCE_REMOVE;
}

void
_pd_library_notify_document_changed (PdLibrary *self,
                                     gint64     document_id)
{
  g_autoptr(GSource) source = NULL;
  ChangedData *changed;

  if (document_id <= 0)
    return;
  if (g_main_context_is_owner (self->context))
    {
      g_signal_emit (self, signals[DOCUMENT_CHANGED], 0, document_id);
      return;
    }

  /* Not g_main_context_invoke (): a worker thread can acquire the default context while the
   * main thread is not iterating it, and would then emit the signal itself. */
  changed = g_new0 (ChangedData, 1);
  g_weak_ref_init (&changed->self, self);
  changed->document_id = document_id;
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, emit_document_changed_cb, changed, changed_data_free);
  g_source_set_static_name (source, "[pd-library] document-changed");
  g_source_attach (source, self->context);
}

/* Rows */

#define DOCUMENT_COLUMNS \
  "id, uuid, name, state, source, mode, langs, n_pages, pdf_path, created_at, updated_at, " \
  "revision, last_error"

static PdDocument *
document_from_row (sqlite3_stmt *stmt)
{
  PdDocument *document = g_new0 (PdDocument, 1);
  const char *state = (const char *) sqlite3_column_text (stmt, 3);
  const char *mode = (const char *) sqlite3_column_text (stmt, 5);

  document->id = sqlite3_column_int64 (stmt, 0);
  document->uuid = column_dup (stmt, 1);
  document->name = column_dup (stmt, 2);
  if (!pd_doc_state_from_string (state, &document->state))
    g_warning ("Document %" G_GINT64_FORMAT " has an unknown state “%s”",
               document->id, state);
  document->source = column_dup (stmt, 4);
  if (!pd_scan_mode_from_string (mode, &document->mode))
    g_warning ("Document %" G_GINT64_FORMAT " has an unknown mode “%s”",
               document->id, mode);
  document->langs = column_dup (stmt, 6);
  document->n_pages = (guint) sqlite3_column_int64 (stmt, 7);
  document->pdf_path = column_dup (stmt, 8);
  document->created_at = sqlite3_column_int64 (stmt, 9);
  document->updated_at = sqlite3_column_int64 (stmt, 10);
  document->revision = sqlite3_column_int64 (stmt, 11);
  document->last_error = column_dup (stmt, 12);
  return document;
}

#define PAGE_COLUMNS \
  "id, document_id, idx, state, spool_path, width, height, depth, channels, dpi, image_path, " \
  "encoding, skew, text, confidence, rotation, crop_x, crop_y, crop_width, crop_height, " \
  "blank_score, is_blank, blur_score, is_blurry, is_separator, excluded, " \
  "(SELECT group_concat (type || ':' || value, ' ') FROM barcodes WHERE page_id = pages.id), " \
  "image_width, image_height, image_dpi, image_channels"

static PdPage *
page_from_row (sqlite3_stmt *stmt)
{
  PdPage *page = g_new0 (PdPage, 1);
  const char *state = (const char *) sqlite3_column_text (stmt, 3);

  page->id = sqlite3_column_int64 (stmt, 0);
  page->document_id = sqlite3_column_int64 (stmt, 1);
  page->index = (guint) sqlite3_column_int64 (stmt, 2);
  if (!pd_page_state_from_string (state, &page->state))
    g_warning ("Page %" G_GINT64_FORMAT " has an unknown state “%s”", page->id, state);
  page->spool_path = column_dup (stmt, 4);
  page->width = (guint) sqlite3_column_int64 (stmt, 5);
  page->height = (guint) sqlite3_column_int64 (stmt, 6);
  page->depth = (guint) sqlite3_column_int64 (stmt, 7);
  page->channels = (guint) sqlite3_column_int64 (stmt, 8);
  page->dpi = (guint) sqlite3_column_int64 (stmt, 9);
  page->image_path = column_dup (stmt, 10);
  page->encoding = sqlite3_column_int (stmt, 11);
  page->skew = sqlite3_column_double (stmt, 12);
  page->text = column_dup (stmt, 13);
  page->confidence = sqlite3_column_double (stmt, 14);
  page->rotation = (guint) sqlite3_column_int (stmt, 15);
  page->crop_x = (guint) sqlite3_column_int (stmt, 16);
  page->crop_y = (guint) sqlite3_column_int (stmt, 17);
  page->crop_width = (guint) sqlite3_column_int (stmt, 18);
  page->crop_height = (guint) sqlite3_column_int (stmt, 19);
  page->blank_score = sqlite3_column_double (stmt, 20);
  page->is_blank = sqlite3_column_int (stmt, 21) != 0;
  page->blur_score = sqlite3_column_double (stmt, 22);
  page->is_blurry = sqlite3_column_int (stmt, 23) != 0;
  page->is_separator = sqlite3_column_int (stmt, 24) != 0;
  page->excluded = sqlite3_column_int (stmt, 25) != 0;
  page->barcodes = column_dup (stmt, 26);
  page->image_width = (guint) sqlite3_column_int (stmt, 27);
  page->image_height = (guint) sqlite3_column_int (stmt, 28);
  page->image_dpi = (guint) sqlite3_column_int (stmt, 29);
  page->image_channels = (guint) sqlite3_column_int (stmt, 30);
  return page;
}

/* Runs @stmt (bound by the caller) and returns its single document row, or NULL. */
static PdDocument *
query_one_document (PdLibrary     *self,
                    sqlite3_stmt  *stmt,
                    GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    return document_from_row (stmt);
  if (rc != SQLITE_DONE)
    set_sqlite_error (self, error, rc, "read the library");
  return NULL;
}

static PdDocument *
get_document_by_id_locked (PdLibrary  *self,
                           gint64      id,
                           GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) local_error = NULL;
  PdDocument *document;

  stmt = prepare (self, "SELECT " DOCUMENT_COLUMNS " FROM documents WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  document = query_one_document (self, stmt, &local_error);
  if (document == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        set_document_not_found (error, id);
    }
  return document;
}

static GPtrArray *
query_documents (PdLibrary     *self,
                 sqlite3_stmt  *stmt,
                 GError       **error)
{
  g_autoptr(GPtrArray) documents = NULL;
  int rc;

  documents = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_document_free);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (documents, document_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, "list the documents");
      return NULL;
    }
  return g_steal_pointer (&documents);
}

/* Returns the page's document id and current state, or 0 with NOT_FOUND. */
static gint64
lookup_page_locked (PdLibrary  *self,
                    gint64      page_id,
                    guint      *index,
                    char      **state,
                    GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare (self, "SELECT document_id, idx, state FROM pages WHERE id = ?", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, page_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *index = (guint) sqlite3_column_int64 (stmt, 1);
      *state = column_dup (stmt, 2);
      return sqlite3_column_int64 (stmt, 0);
    }
  if (rc == SQLITE_DONE)
    set_page_not_found (error, page_id);
  else
    set_sqlite_error (self, error, rc, "read the library");
  return 0;
}

static gboolean
touch_document (PdLibrary  *self,
                gint64      document_id,
                GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self, "UPDATE documents SET updated_at = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 2, document_id);
  return step_done (self, stmt, "update the document", error);
}

/* Opening and migrations */

static gboolean
read_user_version (PdLibrary  *self,
                   gint64     *version,
                   GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      set_sqlite_error (self, error, rc, "open the library");
      return FALSE;
    }
  *version = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static gboolean
migrate (PdLibrary  *self,
         guint       from,
         GError    **error)
{
  for (guint version = from; version < SCHEMA_VERSION; version++)
    {
      g_autoptr(PdTx) tx = NULL;
      g_autofree char *bump = NULL;
      g_autofree char *what = g_strdup_printf ("update the library to version %u", version + 1);

      g_debug ("Migrating %s from version %u to %u", self->db_path, version, version + 1);

      /* user_version lives in the database header, which is part of the transaction: a crash
       * leaves either the old version with the old schema or the new one with the new. */
      tx = pd_tx_begin (self, error);
      if (tx == NULL)
        return FALSE;
      if (!exec (self, migrations[version], what, error))
        return FALSE;
      bump = g_strdup_printf ("PRAGMA user_version = %u", version + 1);
      if (!exec (self, bump, what, error))
        return FALSE;
      if (!pd_tx_commit (tx, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
open_database (PdLibrary  *self,
               GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 version = 0;
  int fd;
  int rc;

  /* Create the file ourselves so it is private from its first byte; SQLite gives its WAL and
   * shared-memory files the same permissions as the database. O_CREAT without O_TRUNC leaves an
   * existing file as it is. */
  fd = g_open (self->db_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      GError *io_error = NULL;

      pd_fs_set_error_from_errno (&io_error, errno, "open the library database", self->db_path);
      g_set_error_literal (error, PD_LIBRARY_ERROR,
                           g_error_matches (io_error, G_IO_ERROR, G_IO_ERROR_NO_SPACE)
                             ? PD_LIBRARY_ERROR_DISK_FULL : PD_LIBRARY_ERROR_FAILED,
                           io_error->message);
      g_error_free (io_error);
      return FALSE;
    }
  close (fd);

  rc = sqlite3_open_v2 (self->db_path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, error, rc, "open the library database");
      return FALSE;
    }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);

  /* Read the version before anything that writes (journal_mode=WAL rewrites the header): a
   * database from a newer Paperdock must stay exactly as it is. */
  if (!read_user_version (self, &version, error))
    return FALSE;
  if (version > (gint64) SCHEMA_VERSION)
    {
      g_autofree char *name = g_filename_display_name (self->dir);

      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_TOO_NEW,
                   "The library in “%s” was written by a newer version of Paperdock (format %"
                   G_GINT64_FORMAT "; this version knows up to %u). It was not opened and has "
                   "not been changed: update Paperdock to open it.",
                   name, version, (guint) SCHEMA_VERSION);
      return FALSE;
    }
  if (version < 0)
    {
      set_corrupt_error (error, self->db_path, "its format number is negative");
      return FALSE;
    }

  stmt = prepare (self, "PRAGMA journal_mode = WAL", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      set_sqlite_error (self, error, rc, "open the library database");
      return FALSE;
    }
  if (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "wal") != 0)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_FAILED,
                   "Could not open the library database “%s”: its file system does not "
                   "support the write-ahead log Paperdock needs.", self->db_path);
      return FALSE;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  /* synchronous=FULL: in WAL mode NORMAL may lose the last commits on power loss, and we
   * report a transition only once it is durable. */
  if (!exec (self, "PRAGMA synchronous = FULL", "open the library database", error) ||
      !exec (self, "PRAGMA foreign_keys = ON", "open the library database", error))
    return FALSE;

  if (!migrate (self, (guint) version, error))
    return FALSE;
  self->schema_version = SCHEMA_VERSION;
  return TRUE;
}

static PdLibrary *
library_open (const char    *dir,
              GMainContext  *context,
              GError       **error)
{
  g_autoptr(PdLibrary) self = g_object_new (PD_TYPE_LIBRARY, NULL);
  const char *private_dirs[3];

  self->dir = g_strdup (dir);
  self->spool_dir = g_build_filename (dir, "spool", NULL);
  self->pages_dir = g_build_filename (dir, "pages", NULL);
  self->documents_dir = g_build_filename (dir, "documents", NULL);
  self->db_path = g_build_filename (dir, "library.db", NULL);
  self->context = g_main_context_ref (context);

  if (!pd_fs_ensure_private_dir (dir, error))
    return NULL;
  private_dirs[0] = self->spool_dir;
  private_dirs[1] = self->pages_dir;
  private_dirs[2] = self->documents_dir;
  for (guint i = 0; i < G_N_ELEMENTS (private_dirs); i++)
    {
      if (!pd_fs_ensure_private_dir (private_dirs[i], error))
        return NULL;
    }

  if (!open_database (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

PdLibrary *
pd_library_open (const char  *dir,
                 GError     **error)
{
  g_autoptr(GMainContext) context = NULL;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  context = g_main_context_ref_thread_default ();
  return library_open (dir, context, error);
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const char *dir = task_data;
  GMainContext *context = g_task_get_context (task);
  GError *error = NULL;
  PdLibrary *self;

  if (g_task_return_error_if_cancelled (task))
    return;
  self = library_open (dir, context, &error);
  if (self == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, self, g_object_unref);
}

void
pd_library_open_async (const char          *dir,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (dir != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  /* The task's context is the caller's thread-default context, which is where the library
   * will emit its signals. */
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_library_open_async);
  g_task_set_task_data (task, g_strdup (dir), g_free);
  g_task_run_in_thread (task, open_thread);
}

PdLibrary *
pd_library_open_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pd_library_open_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* GObject */

static void
pd_library_finalize (GObject *object)
{
  PdLibrary *self = (PdLibrary *) object;

  if (self->db != NULL)
    {
      int rc = sqlite3_close (self->db);

      if (rc != SQLITE_OK)
        g_warning ("Could not close the library database: %s", sqlite3_errstr (rc));
      self->db = NULL;
    }
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->dir, g_free);
  g_clear_pointer (&self->spool_dir, g_free);
  g_clear_pointer (&self->pages_dir, g_free);
  g_clear_pointer (&self->documents_dir, g_free);
  g_clear_pointer (&self->db_path, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (pd_library_parent_class)->finalize (object);
}

static void
pd_library_class_init (PdLibraryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pd_library_finalize;

  /**
   * PdLibrary::document-changed:
   * @document_id: the document whose row, pages or journal changed
   *
   * Emitted on the main context the library was opened in, after the change committed.
   */
  signals[DOCUMENT_CHANGED] =
    g_signal_new ("document-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);

  /**
   * PdLibrary::profiles-changed:
   *
   * Emitted on the main context the library was opened in, after a profile was added, changed
   * or removed and the change committed.
   */
  signals[PROFILES_CHANGED] =
    g_signal_new ("profiles-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
pd_library_init (PdLibrary *self)
{
  g_mutex_init (&self->mutex);
}

const char *
pd_library_get_dir (PdLibrary *self)
{
  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);
  return self->dir;
}

const char *
pd_library_get_spool_dir (PdLibrary *self)
{
  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);
  return self->spool_dir;
}

const char *
pd_library_get_pages_dir (PdLibrary *self)
{
  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);
  return self->pages_dir;
}

const char *
pd_library_get_documents_dir (PdLibrary *self)
{
  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);
  return self->documents_dir;
}

guint
pd_library_get_schema_version (PdLibrary *self)
{
  g_return_val_if_fail (PD_IS_LIBRARY (self), 0);
  return self->schema_version;
}

guint
_pd_library_get_latest_schema_version (void)
{
  return SCHEMA_VERSION;
}

gboolean
_pd_library_exec (PdLibrary   *self,
                  const char  *sql,
                  GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  return exec (self, sql, "run the statement", error);
}

/* Writing */

static PdDocument *
create_document_locked (PdLibrary   *self,
                        const char  *name,
                        const char  *source,
                        PdScanMode   mode,
                        const char  *langs,
                        GError     **error)
{
  g_autoptr(PdTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  const char *state = pd_doc_state_to_string (PD_DOC_STATE_CAPTURING);
  gint64 now = g_get_real_time ();
  gint64 id;

  tx = pd_tx_begin (self, error);
  if (tx == NULL)
    return NULL;

  stmt = prepare (self,
                  "INSERT INTO documents (uuid, name, state, source, mode, langs, created_at, "
                  "  created_by, updated_at, revision) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                  error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, uuid);
  bind_text (stmt, 2, name);
  bind_text (stmt, 3, state);
  bind_text (stmt, 4, source);
  bind_text (stmt, 5, pd_scan_mode_to_string (mode));
  bind_text (stmt, 6, langs);
  sqlite3_bind_int64 (stmt, 7, now);
  bind_text (stmt, 8, g_get_user_name ());
  sqlite3_bind_int64 (stmt, 9, now);
  if (!step_done (self, stmt, "create the document", error))
    return NULL;
  id = sqlite3_last_insert_rowid (self->db);

  if (!journal_insert (self, id, NULL, state, "created", name, error))
    return NULL;
  if (!pd_tx_commit (tx, error))
    return NULL;

  return get_document_by_id_locked (self, id, error);
}

PdDocument *
pd_library_create_document (PdLibrary   *self,
                            const char  *name,
                            const char  *source,
                            PdScanMode   mode,
                            const char  *langs,
                            GError     **error)
{
  PdDocument *document;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (pd_scan_mode_to_string (mode) != NULL, NULL);

  g_mutex_lock (&self->mutex);
  document = create_document_locked (self, name, source, mode, langs, error);
  g_mutex_unlock (&self->mutex);

  if (document != NULL)
    _pd_library_notify_document_changed (self, document->id);
  return document;
}

static gint64
add_page_locked (PdLibrary            *self,
                 gint64                document_id,
                 const PdSpooledPage  *page,
                 GError              **error)
{
  g_autoptr(PdTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *detail = g_strdup_printf ("page %u", page->index + 1);
  const char *state = pd_page_state_to_string (PD_PAGE_STATE_CAPTURED);
  gint64 page_id;
  int rc;

  tx = pd_tx_begin (self, error);
  if (tx == NULL)
    return 0;

  stmt = prepare (self,
                  "UPDATE documents SET n_pages = n_pages + 1, updated_at = ? WHERE id = ?",
                  error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 2, document_id);
  if (!step_done (self, stmt, "add the page", error))
    return 0;
  if (sqlite3_changes (self->db) == 0)
    {
      set_document_not_found (error, document_id);
      return 0;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (!journal_insert (self, document_id, NULL, state, "page captured", detail, error))
    return 0;

  stmt = prepare (self,
                  "INSERT INTO pages (document_id, idx, state, spool_path, width, height, depth, "
                  "  channels, dpi) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, document_id);
  sqlite3_bind_int64 (stmt, 2, page->index);
  bind_text (stmt, 3, state);
  bind_text (stmt, 4, page->path);
  sqlite3_bind_int64 (stmt, 5, page->width);
  sqlite3_bind_int64 (stmt, 6, page->height);
  sqlite3_bind_int64 (stmt, 7, page->depth);
  sqlite3_bind_int64 (stmt, 8, page->channels);
  sqlite3_bind_int64 (stmt, 9, page->dpi);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      if (sqlite3_extended_errcode (self->db) == SQLITE_CONSTRAINT_UNIQUE)
        g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_FAILED,
                     "Document %" G_GINT64_FORMAT " already has a page %u; the page was not "
                     "added twice.", document_id, page->index + 1);
      else
        set_sqlite_error (self, error, rc, "add the page");
      return 0;
    }
  page_id = sqlite3_last_insert_rowid (self->db);

  if (!pd_tx_commit (tx, error))
    return 0;
  return page_id;
}

gint64
pd_library_add_page (PdLibrary            *self,
                     gint64                document_id,
                     const PdSpooledPage  *page,
                     GError              **error)
{
  gint64 page_id;

  g_return_val_if_fail (PD_IS_LIBRARY (self), 0);
  g_return_val_if_fail (page != NULL, 0);
  g_return_val_if_fail (page->path != NULL, 0);

  g_mutex_lock (&self->mutex);
  page_id = add_page_locked (self, document_id, page, error);
  g_mutex_unlock (&self->mutex);

  if (page_id > 0)
    _pd_library_notify_document_changed (self, document_id);
  return page_id;
}

static gint64
set_page_recognized_locked (PdLibrary   *self,
                            gint64       page_id,
                            const char  *image_path,
                            int          encoding,
                            double       skew,
                            const char  *text,
                            double       confidence,
                            GArray      *words,
                            GError     **error)
{
  g_autoptr(PdTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *from = NULL;
  g_autofree char *detail = NULL;
  const char *state = pd_page_state_to_string (PD_PAGE_STATE_RECOGNIZED);
  gint64 document_id;
  guint index = 0;

  tx = pd_tx_begin (self, error);
  if (tx == NULL)
    return 0;

  document_id = lookup_page_locked (self, page_id, &index, &from, error);
  if (document_id == 0)
    return 0;

  stmt = prepare (self,
                  "UPDATE pages SET state = ?, image_path = ?, encoding = ?, skew = ?, text = ?, "
                  "  confidence = ? WHERE id = ?",
                  error);
  if (stmt == NULL)
    return 0;
  bind_text (stmt, 1, state);
  bind_text (stmt, 2, image_path);
  sqlite3_bind_int (stmt, 3, encoding);
  sqlite3_bind_double (stmt, 4, skew);
  bind_text (stmt, 5, text);
  sqlite3_bind_double (stmt, 6, confidence);
  sqlite3_bind_int64 (stmt, 7, page_id);
  if (!step_done (self, stmt, "save the recognized page", error))
    return 0;
  g_clear_pointer (&stmt, sqlite3_finalize);

  /* Recognizing again replaces the old words and index entry. */
  stmt = prepare (self, "DELETE FROM words WHERE page_id = ?", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, page_id);
  if (!step_done (self, stmt, "save the recognized words", error))
    return 0;
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (words != NULL && words->len > 0)
    {
      stmt = prepare (self,
                      "INSERT INTO words (page_id, n, text, x0, y0, x1, y1, baseline, "
                      "  confidence, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      error);
      if (stmt == NULL)
        return 0;
      for (guint i = 0; i < words->len; i++)
        {
          const PdWord *word = &g_array_index (words, PdWord, i);

          sqlite3_bind_int64 (stmt, 1, page_id);
          sqlite3_bind_int64 (stmt, 2, i);
          bind_text (stmt, 3, word->text != NULL ? word->text : "");
          sqlite3_bind_int (stmt, 4, word->x0);
          sqlite3_bind_int (stmt, 5, word->y0);
          sqlite3_bind_int (stmt, 6, word->x1);
          sqlite3_bind_int (stmt, 7, word->y1);
          sqlite3_bind_int (stmt, 8, word->baseline);
          sqlite3_bind_double (stmt, 9, word->confidence);
          sqlite3_bind_int64 (stmt, 10, word->line);
          if (!step_done (self, stmt, "save the recognized words", error))
            return 0;
          sqlite3_reset (stmt);
        }
      g_clear_pointer (&stmt, sqlite3_finalize);
    }

  stmt = prepare (self, "DELETE FROM page_fts WHERE rowid = ?", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, page_id);
  if (!step_done (self, stmt, "index the page text", error))
    return 0;
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (text != NULL && *text != '\0')
    {
      stmt = prepare (self, "INSERT INTO page_fts (rowid, text) VALUES (?, ?)", error);
      if (stmt == NULL)
        return 0;
      sqlite3_bind_int64 (stmt, 1, page_id);
      bind_text (stmt, 2, text);
      if (!step_done (self, stmt, "index the page text", error))
        return 0;
      g_clear_pointer (&stmt, sqlite3_finalize);
    }

  if (!touch_document (self, document_id, error))
    return 0;

  detail = g_strdup_printf ("page %u, %u words, confidence %.0f%%", index + 1,
                            words != NULL ? words->len : 0, confidence);
  if (!journal_insert (self, document_id, from, state, "page recognized", detail, error))
    return 0;
  if (!pd_tx_commit (tx, error))
    return 0;
  return document_id;
}

gboolean
pd_library_set_page_recognized (PdLibrary   *self,
                                gint64       page_id,
                                const char  *image_path,
                                int          encoding,
                                double       skew,
                                const char  *text,
                                double       confidence,
                                GArray      *words,
                                GError     **error)
{
  gint64 document_id;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (words == NULL || g_array_get_element_size (words) == sizeof (PdWord),
                        FALSE);

  g_mutex_lock (&self->mutex);
  document_id = set_page_recognized_locked (self, page_id, image_path, encoding, skew, text,
                                            confidence, words, error);
  g_mutex_unlock (&self->mutex);

  if (document_id > 0)
    _pd_library_notify_document_changed (self, document_id);
  return document_id > 0;
}

static gint64
set_page_failed_locked (PdLibrary   *self,
                        gint64       page_id,
                        const char  *reason,
                        GError     **error)
{
  g_autoptr(PdTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *from = NULL;
  g_autofree char *detail = NULL;
  const char *state = pd_page_state_to_string (PD_PAGE_STATE_FAILED);
  gint64 document_id;
  guint index = 0;

  tx = pd_tx_begin (self, error);
  if (tx == NULL)
    return 0;

  document_id = lookup_page_locked (self, page_id, &index, &from, error);
  if (document_id == 0)
    return 0;

  stmt = prepare (self, "UPDATE pages SET state = ? WHERE id = ?", error);
  if (stmt == NULL)
    return 0;
  bind_text (stmt, 1, state);
  sqlite3_bind_int64 (stmt, 2, page_id);
  if (!step_done (self, stmt, "mark the page as failed", error))
    return 0;

  if (!touch_document (self, document_id, error))
    return 0;

  detail = g_strdup_printf ("page %u: %s", index + 1, reason != NULL ? reason : "unknown reason");
  if (!journal_insert (self, document_id, from, state, "page failed", detail, error))
    return 0;
  if (!pd_tx_commit (tx, error))
    return 0;
  return document_id;
}

gboolean
pd_library_set_page_failed (PdLibrary   *self,
                            gint64       page_id,
                            const char  *reason,
                            GError     **error)
{
  gint64 document_id;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);

  g_mutex_lock (&self->mutex);
  document_id = set_page_failed_locked (self, page_id, reason, error);
  g_mutex_unlock (&self->mutex);

  if (document_id > 0)
    _pd_library_notify_document_changed (self, document_id);
  return document_id > 0;
}

/* Moves a document from @from (or from whatever state it is in, when @from is NULL) to @to and
 * journals it, inside the caller's transaction. @set_sql, when given, is extra assignments for the
 * UPDATE; ?4 in it is bound to @extra_text. */
static gboolean
change_document_state (PdLibrary    *self,
                       gint64        document_id,
                       const char   *from,
                       const char   *to,
                       const char   *set_sql,
                       const char   *extra_text,
                       const char   *what,
                       const char   *detail,
                       GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autofree char *sql = NULL;

  document = get_document_by_id_locked (self, document_id, error);
  if (document == NULL)
    return FALSE;

  if (from != NULL && g_strcmp0 (pd_doc_state_to_string (document->state), from) != 0)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_BAD_TRANSITION,
                   "“%s” is %s, not %s, so it cannot become %s.", document->name,
                   pd_doc_state_to_string (document->state), from, to);
      return FALSE;
    }

  sql = g_strdup_printf ("UPDATE documents SET state = ?1, updated_at = ?2%s%s WHERE id = ?3",
                         set_sql != NULL ? ", " : "", set_sql != NULL ? set_sql : "");
  stmt = prepare (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, to);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 3, document_id);
  if (set_sql != NULL)
    bind_text (stmt, 4, extra_text);
  if (!step_done (self, stmt, "change the document", error))
    return FALSE;

  return journal_insert (self, document_id, pd_doc_state_to_string (document->state), to, what,
                         detail, error);
}

static gboolean
transition_locked (PdLibrary   *self,
                   gint64       document_id,
                   const char  *from,
                   const char  *to,
                   const char  *set_sql,
                   const char  *extra_text,
                   const char  *what,
                   const char  *detail,
                   GError     **error)
{
  g_autoptr(PdTx) tx = NULL;

  tx = pd_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  if (!change_document_state (self, document_id, from, to, set_sql, extra_text, what, detail,
                              error))
    return FALSE;
  return pd_tx_commit (tx, error);
}

gboolean
pd_library_transition (PdLibrary   *self,
                       gint64       document_id,
                       PdDocState   from,
                       PdDocState   to,
                       const char  *what,
                       const char  *detail,
                       GError     **error)
{
  gboolean ret;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (pd_doc_state_to_string (from) != NULL, FALSE);
  g_return_val_if_fail (pd_doc_state_to_string (to) != NULL, FALSE);
  g_return_val_if_fail (what != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  ret = transition_locked (self, document_id, pd_doc_state_to_string (from),
                           pd_doc_state_to_string (to), NULL, NULL, what, detail, error);
  g_mutex_unlock (&self->mutex);

  if (ret)
    _pd_library_notify_document_changed (self, document_id);
  return ret;
}

gboolean
pd_library_set_document_ready (PdLibrary   *self,
                               gint64       document_id,
                               const char  *pdf_path,
                               GError     **error)
{
  gboolean ret;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (pdf_path != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  ret = transition_locked (self, document_id,
                           pd_doc_state_to_string (PD_DOC_STATE_PROCESSING),
                           pd_doc_state_to_string (PD_DOC_STATE_READY),
                           "pdf_path = ?4, revision = revision + 1, last_error = NULL",
                           pdf_path, "ready", pdf_path, error);
  g_mutex_unlock (&self->mutex);

  if (ret)
    _pd_library_notify_document_changed (self, document_id);
  return ret;
}

gboolean
pd_library_set_document_failed (PdLibrary   *self,
                                gint64       document_id,
                                const char  *message,
                                GError     **error)
{
  gboolean ret;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  /* Failing is allowed from any state: whatever went wrong, the person must see why. */
  g_mutex_lock (&self->mutex);
  ret = transition_locked (self, document_id, NULL,
                           pd_doc_state_to_string (PD_DOC_STATE_FAILED),
                           "last_error = ?4", message, "failed", message, error);
  g_mutex_unlock (&self->mutex);

  if (ret)
    _pd_library_notify_document_changed (self, document_id);
  return ret;
}

static gboolean
rename_document_locked (PdLibrary   *self,
                        gint64       document_id,
                        const char  *name,
                        GError     **error)
{
  g_autoptr(PdTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autofree char *detail = NULL;

  tx = pd_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;

  document = get_document_by_id_locked (self, document_id, error);
  if (document == NULL)
    return FALSE;

  stmt = prepare (self,
                  "UPDATE documents SET name = ?, updated_at = ?, revision = revision + 1 "
                  "WHERE id = ?",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, name);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 3, document_id);
  if (!step_done (self, stmt, "rename the document", error))
    return FALSE;

  detail = g_strdup_printf ("“%s” → “%s”", document->name, name);
  if (!journal_insert (self, document_id, NULL, NULL, "renamed", detail, error))
    return FALSE;
  return pd_tx_commit (tx, error);
}

gboolean
pd_library_rename_document (PdLibrary   *self,
                            gint64       document_id,
                            const char  *name,
                            GError     **error)
{
  gboolean ret;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (name != NULL && *name != '\0', FALSE);

  g_mutex_lock (&self->mutex);
  ret = rename_document_locked (self, document_id, name, error);
  g_mutex_unlock (&self->mutex);

  if (ret)
    _pd_library_notify_document_changed (self, document_id);
  return ret;
}

gboolean
pd_library_journal_add (PdLibrary   *self,
                        gint64       document_id,
                        const char  *what,
                        const char  *detail,
                        GError     **error)
{
  gboolean ret;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (document_id >= 0, FALSE);
  g_return_val_if_fail (what != NULL, FALSE);

  /* One statement is its own transaction (autocommit). */
  g_mutex_lock (&self->mutex);
  ret = journal_insert (self, document_id, NULL, NULL, what, detail, error);
  g_mutex_unlock (&self->mutex);

  if (ret)
    _pd_library_notify_document_changed (self, document_id);
  return ret;
}

/* Reading */

PdDocument *
pd_library_get_document_by_id (PdLibrary  *self,
                               gint64      id,
                               GError    **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);

  locker = g_mutex_locker_new (&self->mutex);
  return get_document_by_id_locked (self, id, error);
}

static gboolean
is_uuid_prefix (const char *ref)
{
  for (const char *p = ref; *p != '\0'; p++)
    {
      if (!g_ascii_isxdigit (*p) && *p != '-')
        return FALSE;
    }
  return TRUE;
}

static PdDocument *
get_document_locked (PdLibrary   *self,
                     const char  *ref,
                     GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *pattern = NULL;
  g_autofree char *lower = NULL;
  gsize len = strlen (ref);
  guint64 id;
  int rc;

  /* A number is a document id; if no document has that id it may still be a uuid prefix made
   * only of digits, so fall through. */
  if (g_ascii_string_to_unsigned (ref, 10, 1, G_MAXINT64, &id, NULL))
    {
      g_autoptr(GError) local_error = NULL;
      PdDocument *document = get_document_by_id_locked (self, (gint64) id, &local_error);

      if (document != NULL)
        return document;
      if (!g_error_matches (local_error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }

  if (len < 4 || !is_uuid_prefix (ref))
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
                   "No document matches “%s”. Give its number, or at least the first four "
                   "characters of its id.", ref);
      return NULL;
    }

  /* uuids are stored lower case and contain only hex digits and dashes, so the pattern has no
   * LIKE wildcards besides the one we add. */
  lower = g_ascii_strdown (ref, -1);
  pattern = g_strconcat (lower, "%", NULL);
  stmt = prepare (self,
                  "SELECT " DOCUMENT_COLUMNS ", "
                  "  (SELECT count(*) FROM documents WHERE uuid LIKE ?1) "
                  "FROM documents WHERE uuid LIKE ?1 LIMIT 1",
                  error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, pattern);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      gint64 n = sqlite3_column_int64 (stmt, 13);

      if (n > 1)
        {
          g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_AMBIGUOUS,
                       "“%s” matches %" G_GINT64_FORMAT " documents. Give more characters "
                       "of the id.", ref, n);
          return NULL;
        }
      return document_from_row (stmt);
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, "find the document");
      return NULL;
    }
  g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
               "No document matches “%s”.", ref);
  return NULL;
}

PdDocument *
pd_library_get_document (PdLibrary   *self,
                         const char  *ref,
                         GError     **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (ref != NULL, NULL);

  locker = g_mutex_locker_new (&self->mutex);
  return get_document_locked (self, ref, error);
}

static GPtrArray *
list_documents_locked (PdLibrary   *self,
                       const char  *state,
                       GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self,
                  "SELECT " DOCUMENT_COLUMNS " FROM documents "
                  "WHERE ?1 IS NULL OR state = ?1 ORDER BY created_at DESC, id DESC",
                  error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, state);
  return query_documents (self, stmt, error);
}

GPtrArray *
pd_library_list_documents (PdLibrary  *self,
                           GError    **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);

  locker = g_mutex_locker_new (&self->mutex);
  return list_documents_locked (self, NULL, error);
}

GPtrArray *
pd_library_list_documents_in_state (PdLibrary   *self,
                                    PdDocState   state,
                                    GError     **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (pd_doc_state_to_string (state) != NULL, NULL);

  locker = g_mutex_locker_new (&self->mutex);
  return list_documents_locked (self, pd_doc_state_to_string (state), error);
}

static void
list_documents_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *documents;

  if (g_task_return_error_if_cancelled (task))
    return;
  documents = pd_library_list_documents (source_object, &error);
  if (documents == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, documents, (GDestroyNotify) g_ptr_array_unref);
}

void
pd_library_list_documents_async (PdLibrary           *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PD_IS_LIBRARY (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_library_list_documents_async);
  pd_task_run_in_thread (task, list_documents_thread);
}

GPtrArray *
pd_library_list_documents_finish (PdLibrary     *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

GPtrArray *
pd_library_list_pages (PdLibrary  *self,
                       gint64      document_id,
                       GError    **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) pages = NULL;
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);

  locker = g_mutex_locker_new (&self->mutex);
  stmt = prepare (self,
                  "SELECT " PAGE_COLUMNS " FROM pages WHERE document_id = ? ORDER BY idx",
                  error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, document_id);

  pages = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_page_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (pages, page_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, "list the pages");
      return NULL;
    }
  return g_steal_pointer (&pages);
}

GArray *
pd_library_get_words (PdLibrary  *self,
                      gint64      page_id,
                      GError    **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) words = NULL;
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);

  locker = g_mutex_locker_new (&self->mutex);
  stmt = prepare (self,
                  "SELECT text, x0, y0, x1, y1, baseline, confidence, line FROM words "
                  "WHERE page_id = ? ORDER BY n",
                  error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, page_id);

  words = pd_word_array_new ();
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PdWord word = {
        .text = column_dup (stmt, 0),
        .x0 = sqlite3_column_int (stmt, 1),
        .y0 = sqlite3_column_int (stmt, 2),
        .x1 = sqlite3_column_int (stmt, 3),
        .y1 = sqlite3_column_int (stmt, 4),
        .baseline = sqlite3_column_int (stmt, 5),
        .confidence = (gfloat) sqlite3_column_double (stmt, 6),
        .line = (guint) sqlite3_column_int64 (stmt, 7),
      };

      g_array_append_val (words, word);
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, "read the words of the page");
      return NULL;
    }
  return g_steal_pointer (&words);
}

/* How long the last run of letters or digits in @term is: "4471-B" ends in a word of one,
 * "\"hi\"" in a word of two. */
static guint
trailing_word_length (const char *term)
{
  gboolean in_word = FALSE;
  guint n = 0;

  for (const char *p = term; *p != '\0'; p = g_utf8_next_char (p))
    {
      gboolean alnum = g_unichar_isalnum (g_utf8_get_char (p));

      if (alnum)
        n = in_word ? n + 1 : 1;
      in_word = alnum;
    }
  return n;
}

/* Builds an FTS5 query from what a person typed: every word becomes a quoted phrase (so
 * operators, parentheses and stray quotes are just text) and the last one a prefix, so results
 * appear while typing. Not when it ends in a single letter after other words ("invoice b",
 * "4471-B"): "b*" matches every word starting with b, is slow on a large library (no prefix
 * index is that short) and narrows nothing. Returns NULL when nothing searchable is left. */

char *
_pd_library_build_fts_query (const char *text)
{
  g_auto(GStrv) terms = NULL;
  g_autoptr(GString) query = g_string_new (NULL);
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();

  if (text == NULL)
    return NULL;

  terms = g_strsplit_set (text, " \t\r\n", -1);
  for (guint i = 0; terms[i] != NULL; i++)
    {
      gboolean has_alnum = FALSE;

      if (!g_utf8_validate (terms[i], -1, NULL))
        continue;
      for (const char *p = terms[i]; *p != '\0'; p = g_utf8_next_char (p))
        {
          if (g_unichar_isalnum (g_utf8_get_char (p)))
            {
              has_alnum = TRUE;
              break;
            }
        }
      /* A term of only punctuation tokenizes to nothing: as a prefix it would match every page. */
      if (has_alnum)
        g_ptr_array_add (kept, terms[i]);
    }

  for (guint i = 0; i < kept->len; i++)
    {
      const char *term = g_ptr_array_index (kept, i);

      if (i > 0)
        g_string_append_c (query, ' ');
      g_string_append_c (query, '"');
      for (const char *p = term; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (query, '"');
          g_string_append_c (query, *p);
        }
      g_string_append_c (query, '"');
      if (i + 1 == kept->len &&
          (trailing_word_length (term) >= 2 || (kept->len == 1 && strlen (term) == 1)))
        g_string_append_c (query, '*');
    }

  if (query->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&query), FALSE);
}

GPtrArray *
pd_library_search (PdLibrary   *self,
                   const char  *query,
                   guint        limit,
                   GError     **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autofree char *fts_query = NULL;
  gboolean ranked;
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  hits = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_search_hit_free);
  fts_query = _pd_library_build_fts_query (query);
  if (fts_query == NULL)
    return g_steal_pointer (&hits);

  locker = g_mutex_locker_new (&self->mutex);

  /* Ranking means scoring every matching page. For a word on most pages of a large library
   * that is 100 ms and more, and the ranking says little anyway: then the newest pages come
   * first, which FTS5 answers by walking its index backwards and stopping at @limit. */
  stmt = prepare (self,
                  "SELECT count (*) FROM (SELECT rowid FROM page_fts WHERE page_fts MATCH ?1 "
                  "  ORDER BY rowid DESC LIMIT ?2)", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, fts_query);
  sqlite3_bind_int64 (stmt, 2, RANKED_SEARCH_MAX_MATCHES + 1);
  if ((rc = sqlite3_step (stmt)) != SQLITE_ROW)
    {
      set_sqlite_error (self, error, rc, "search the library");
      return NULL;
    }
  ranked = sqlite3_column_int64 (stmt, 0) <= RANKED_SEARCH_MAX_MATCHES;
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (ranked)
    stmt = prepare (self,
                    "SELECT d.id, d.uuid, d.name, p.idx, "
                    "  snippet (page_fts, 0, '[', ']', '…', 12), bm25 (page_fts) "
                    "FROM page_fts "
                    "JOIN pages p ON p.id = page_fts.rowid "
                    "JOIN documents d ON d.id = p.document_id "
                    "WHERE page_fts MATCH ? ORDER BY bm25 (page_fts), d.id, p.idx LIMIT ?",
                    error);
  else
    /* The limit inside, on the index alone: joined first, SQLite would visit every match. */
    stmt = prepare (self,
                    "SELECT d.id, d.uuid, d.name, p.idx, m.snippet, m.rank "
                    "FROM (SELECT rowid, snippet (page_fts, 0, '[', ']', '…', 12) AS snippet, "
                    "        bm25 (page_fts) AS rank "
                    "      FROM page_fts WHERE page_fts MATCH ? ORDER BY rowid DESC LIMIT ?) m "
                    "JOIN pages p ON p.id = m.rowid "
                    "JOIN documents d ON d.id = p.document_id "
                    "ORDER BY m.rowid DESC",
                    error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, fts_query);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PdSearchHit *hit = g_new0 (PdSearchHit, 1);

      hit->document_id = sqlite3_column_int64 (stmt, 0);
      hit->uuid = column_dup (stmt, 1);
      hit->name = column_dup (stmt, 2);
      hit->page_index = (guint) sqlite3_column_int64 (stmt, 3);
      hit->snippet = column_dup (stmt, 4);
      /* bm25 () is more negative for better matches; callers expect higher = better. */
      hit->rank = -sqlite3_column_double (stmt, 5);
      g_ptr_array_add (hits, hit);
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, "search the library");
      return NULL;
    }
  return g_steal_pointer (&hits);
}

GPtrArray *
pd_library_list_journal (PdLibrary  *self,
                         gint64      document_id,
                         GError    **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);

  locker = g_mutex_locker_new (&self->mutex);
  stmt = prepare (self,
                  "SELECT id, time, document_id, document_uuid, actor, from_state, to_state, "
                  "  what, detail FROM journal WHERE ?1 = 0 OR document_id = ?1 ORDER BY id",
                  error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, document_id);

  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_journal_entry_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PdJournalEntry *entry = g_new0 (PdJournalEntry, 1);

      entry->id = sqlite3_column_int64 (stmt, 0);
      entry->time = sqlite3_column_int64 (stmt, 1);
      entry->document_id = sqlite3_column_int64 (stmt, 2);
      entry->document_uuid = column_dup (stmt, 3);
      entry->actor = column_dup (stmt, 4);
      entry->from_state = column_dup (stmt, 5);
      entry->to_state = column_dup (stmt, 6);
      entry->what = column_dup (stmt, 7);
      entry->detail = column_dup (stmt, 8);
      g_ptr_array_add (entries, entry);
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, "read the journal");
      return NULL;
    }
  return g_steal_pointer (&entries);
}

gboolean
pd_library_check_integrity (PdLibrary   *self,
                            char       **report,
                            GError     **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GString) problems = g_string_new (NULL);
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);

  locker = g_mutex_locker_new (&self->mutex);

  stmt = prepare (self, "PRAGMA integrity_check", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *line = (const char *) sqlite3_column_text (stmt, 0);

      if (g_strcmp0 (line, "ok") != 0)
        g_string_append_printf (problems, "%s\n", line);
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, "check the library");
      return FALSE;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = prepare (self, "PRAGMA foreign_key_check", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_string_append_printf (problems,
                            "row %" G_GINT64_FORMAT " of %s points to a missing row of %s\n",
                            (gint64) sqlite3_column_int64 (stmt, 1),
                            (const char *) sqlite3_column_text (stmt, 0),
                            (const char *) sqlite3_column_text (stmt, 2));
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, "check the library");
      return FALSE;
    }

  if (problems->len > 0)
    {
      g_strchomp (problems->str);
      if (report != NULL)
        *report = g_strdup (problems->str);
      set_corrupt_error (error, self->db_path, "the integrity check found problems");
      return FALSE;
    }
  if (report != NULL)
    *report = g_strdup ("ok");
  return TRUE;
}

/* Profiles, settings and counters */

static gboolean
emit_profiles_changed_cb (gpointer data)
{
  g_autoptr(PdLibrary) self = g_weak_ref_get (data);

  if (self != NULL)
    g_signal_emit (self, signals[PROFILES_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* Like _pd_library_notify_document_changed (): after the commit, on the library's own context. */
static void
notify_profiles_changed (PdLibrary *self)
{
  g_autoptr(GSource) source = NULL;
  GWeakRef *ref;

  if (g_main_context_is_owner (self->context))
    {
      g_signal_emit (self, signals[PROFILES_CHANGED], 0);
      return;
    }
  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, emit_profiles_changed_cb, ref, weak_ref_free);
  g_source_set_static_name (source, "[pd-library] profiles-changed");
  g_source_attach (source, self->context);
}

static void
set_profile_not_found (GError     **error,
                       const char  *name)
{
  g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
               "There is no profile named “%s” (see “paperdock-cli profiles list”).", name);
}

/* Profile names are unique without regard to case, in every script. */
static char *
profile_key (const char *name)
{
  g_autofree char *normalized = g_utf8_normalize (name, -1, G_NORMALIZE_NFC);

  return g_utf8_casefold (normalized != NULL ? normalized : name, -1);
}

#define PROFILE_COLUMNS \
  "name, device, source, resolution, mode, page_width_mm, page_height_mm, deskew, " \
  "orientation, crop_border, clean_background, blank, flag_blurry, langs, separation, " \
  "separator_pattern, name_template, destination, jpeg_quality, downsample_dpi, pdfa, encrypt"

static PdProfile *
profile_from_row (sqlite3_stmt *stmt)
{
  PdProfile *profile = pd_profile_new ((const char *) sqlite3_column_text (stmt, 0));
  const char *source = (const char *) sqlite3_column_text (stmt, 2);
  const char *mode = (const char *) sqlite3_column_text (stmt, 4);
  const char *blank = (const char *) sqlite3_column_text (stmt, 11);
  const char *separation = (const char *) sqlite3_column_text (stmt, 14);

  profile->device = column_dup (stmt, 1);
  if (!pd_scan_source_from_string (source, &profile->source))
    g_warning ("Profile “%s” has an unknown source “%s”", profile->name, source);
  profile->resolution = (guint) sqlite3_column_int64 (stmt, 3);
  if (!pd_scan_mode_from_string (mode, &profile->mode))
    g_warning ("Profile “%s” has an unknown mode “%s”", profile->name, mode);
  profile->page_width_mm = sqlite3_column_double (stmt, 5);
  profile->page_height_mm = sqlite3_column_double (stmt, 6);
  profile->deskew = sqlite3_column_int (stmt, 7) != 0;
  profile->orientation = sqlite3_column_int (stmt, 8) != 0;
  profile->crop_border = sqlite3_column_int (stmt, 9) != 0;
  profile->clean_background = sqlite3_column_int (stmt, 10) != 0;
  if (!pd_blank_policy_from_string (blank, &profile->blank))
    g_warning ("Profile “%s” has an unknown blank page policy “%s”", profile->name, blank);
  profile->flag_blurry = sqlite3_column_int (stmt, 12) != 0;
  g_free (profile->langs);
  profile->langs = column_dup (stmt, 13);
  if (!pd_separation_from_string (separation, &profile->separation))
    g_warning ("Profile “%s” has an unknown separation “%s”", profile->name, separation);
  profile->separator_pattern = column_dup (stmt, 15);
  g_free (profile->name_template);
  profile->name_template = column_dup (stmt, 16);
  profile->destination = column_dup (stmt, 17);
  profile->jpeg_quality = (guint) sqlite3_column_int64 (stmt, 18);
  profile->downsample_dpi = (guint) sqlite3_column_int64 (stmt, 19);
  profile->pdfa = sqlite3_column_int (stmt, 20) != 0;
  profile->encrypt = sqlite3_column_int (stmt, 21) != 0;
  return profile;
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           col,
                   const char   *text)
{
  bind_text (stmt, col, text != NULL && *text != '\0' ? text : NULL);
}

static gboolean
save_profile_locked (PdLibrary        *self,
                     const PdProfile  *profile,
                     gboolean          replace,
                     GError          **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *key = NULL;
  g_autofree char *old_name = NULL;
  gint64 now = g_get_real_time ();
  int rc;

  if (!pd_profile_validate (profile, error))
    return FALSE;
  key = profile_key (profile->name);

  stmt = prepare (self, "SELECT name FROM profiles WHERE key = ?", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    old_name = column_dup (stmt, 0);
  else if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, "read the profiles");
      return FALSE;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (old_name != NULL && !replace)
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_EXISTS,
                   "There is already a profile named “%s”. Pick another name, or replace it.",
                   old_name);
      return FALSE;
    }

  /* An upsert keeps the row (and its created_at) when the profile is replaced. */
  stmt = prepare (self,
                  "INSERT INTO profiles (key, name, device, source, resolution, mode, "
                  "  page_width_mm, page_height_mm, deskew, orientation, crop_border, "
                  "  clean_background, blank, flag_blurry, langs, separation, separator_pattern, "
                  "  name_template, destination, jpeg_quality, downsample_dpi, pdfa, encrypt, "
                  "  created_at, updated_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
                  "  ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?24) "
                  "ON CONFLICT (key) DO UPDATE SET name = ?2, device = ?3, source = ?4, "
                  "  resolution = ?5, mode = ?6, page_width_mm = ?7, page_height_mm = ?8, "
                  "  deskew = ?9, orientation = ?10, crop_border = ?11, clean_background = ?12, "
                  "  blank = ?13, flag_blurry = ?14, langs = ?15, separation = ?16, "
                  "  separator_pattern = ?17, name_template = ?18, destination = ?19, "
                  "  jpeg_quality = ?20, downsample_dpi = ?21, pdfa = ?22, encrypt = ?23, "
                  "  updated_at = ?24",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, key);
  bind_text (stmt, 2, profile->name);
  bind_text_or_null (stmt, 3, profile->device);
  bind_text (stmt, 4, pd_scan_source_to_string (profile->source));
  sqlite3_bind_int64 (stmt, 5, profile->resolution);
  bind_text (stmt, 6, pd_scan_mode_to_string (profile->mode));
  sqlite3_bind_double (stmt, 7, profile->page_width_mm);
  sqlite3_bind_double (stmt, 8, profile->page_height_mm);
  sqlite3_bind_int (stmt, 9, profile->deskew ? 1 : 0);
  sqlite3_bind_int (stmt, 10, profile->orientation ? 1 : 0);
  sqlite3_bind_int (stmt, 11, profile->crop_border ? 1 : 0);
  sqlite3_bind_int (stmt, 12, profile->clean_background ? 1 : 0);
  bind_text (stmt, 13, pd_blank_policy_to_string (profile->blank));
  sqlite3_bind_int (stmt, 14, profile->flag_blurry ? 1 : 0);
  bind_text (stmt, 15, profile->langs);
  bind_text (stmt, 16, pd_separation_to_string (profile->separation));
  bind_text_or_null (stmt, 17, profile->separator_pattern);
  bind_text (stmt, 18, profile->name_template);
  bind_text_or_null (stmt, 19, profile->destination);
  sqlite3_bind_int64 (stmt, 20, profile->jpeg_quality);
  sqlite3_bind_int64 (stmt, 21, profile->downsample_dpi);
  sqlite3_bind_int (stmt, 22, profile->pdfa ? 1 : 0);
  sqlite3_bind_int (stmt, 23, profile->encrypt ? 1 : 0);
  sqlite3_bind_int64 (stmt, 24, now);
  if (!step_done (self, stmt, "save the profile", error))
    return FALSE;

  return journal_insert (self, 0, NULL, NULL,
                         old_name != NULL ? "profile changed" : "profile added",
                         profile->name, error);
}

static gboolean
save_profiles_locked (PdLibrary  *self,
                      GPtrArray  *profiles,
                      gboolean    replace,
                      GError    **error)
{
  g_autoptr(PdTx) tx = NULL;

  tx = pd_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  for (guint i = 0; i < profiles->len; i++)
    {
      if (!save_profile_locked (self, g_ptr_array_index (profiles, i), replace, error))
        return FALSE;
    }
  return pd_tx_commit (tx, error);
}

gboolean
pd_library_save_profiles (PdLibrary  *self,
                          GPtrArray  *profiles,
                          gboolean    replace,
                          GError    **error)
{
  gboolean ret;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (profiles != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  ret = save_profiles_locked (self, profiles, replace, error);
  g_mutex_unlock (&self->mutex);

  if (ret && profiles->len > 0)
    notify_profiles_changed (self);
  return ret;
}

gboolean
pd_library_save_profile (PdLibrary        *self,
                         const PdProfile  *profile,
                         gboolean          replace,
                         GError          **error)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new ();

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (profile != NULL, FALSE);

  g_ptr_array_add (one, (gpointer) profile);
  return pd_library_save_profiles (self, one, replace, error);
}

PdProfile *
pd_library_get_profile (PdLibrary   *self,
                        const char  *name,
                        GError     **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *key = NULL;
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  key = profile_key (name);
  locker = g_mutex_locker_new (&self->mutex);
  stmt = prepare (self, "SELECT " PROFILE_COLUMNS " FROM profiles WHERE key = ?", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return profile_from_row (stmt);
  if (rc == SQLITE_DONE)
    set_profile_not_found (error, name);
  else
    set_sqlite_error (self, error, rc, "read the profile");
  return NULL;
}

GPtrArray *
pd_library_list_profiles (PdLibrary  *self,
                          GError    **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);

  locker = g_mutex_locker_new (&self->mutex);
  stmt = prepare (self, "SELECT " PROFILE_COLUMNS " FROM profiles ORDER BY key", error);
  if (stmt == NULL)
    return NULL;
  profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_profile_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (profiles, profile_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, "list the profiles");
      return NULL;
    }
  return g_steal_pointer (&profiles);
}

static gboolean
remove_profile_locked (PdLibrary   *self,
                       const char  *name,
                       GError     **error)
{
  g_autoptr(PdTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *key = profile_key (name);
  g_autofree char *old_name = NULL;
  int rc;

  tx = pd_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  stmt = prepare (self, "DELETE FROM profiles WHERE key = ? RETURNING name", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, key);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    old_name = column_dup (stmt, 0);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, "remove the profile");
      return FALSE;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (old_name == NULL)
    {
      set_profile_not_found (error, name);
      return FALSE;
    }
  if (!journal_insert (self, 0, NULL, NULL, "profile removed", old_name, error))
    return FALSE;
  return pd_tx_commit (tx, error);
}

gboolean
pd_library_remove_profile (PdLibrary   *self,
                           const char  *name,
                           GError     **error)
{
  gboolean ret;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  ret = remove_profile_locked (self, name, error);
  g_mutex_unlock (&self->mutex);

  if (ret)
    notify_profiles_changed (self);
  return ret;
}

gboolean
pd_library_get_setting (PdLibrary   *self,
                        const char  *key,
                        char       **value,
                        GError     **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (value != NULL && *value == NULL, FALSE);

  locker = g_mutex_locker_new (&self->mutex);
  stmt = prepare (self, "SELECT value FROM settings WHERE key = ?", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *value = column_dup (stmt, 0);
  else if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, "read the library's settings");
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_setting_locked (PdLibrary   *self,
                    const char  *key,
                    const char  *value,
                    GError     **error)
{
  g_autoptr(PdTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *detail = NULL;

  tx = pd_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  if (value != NULL)
    stmt = prepare (self,
                    "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                    "ON CONFLICT (key) DO UPDATE SET value = ?2",
                    error);
  else
    stmt = prepare (self, "DELETE FROM settings WHERE key = ?1", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, key);
  if (value != NULL)
    bind_text (stmt, 2, value);
  if (!step_done (self, stmt, "change the library's settings", error))
    return FALSE;
  detail = value != NULL ? g_strdup_printf ("%s = %s", key, value)
                         : g_strdup_printf ("%s removed", key);
  if (!journal_insert (self, 0, NULL, NULL, "setting changed", detail, error))
    return FALSE;
  return pd_tx_commit (tx, error);
}

gboolean
pd_library_set_setting (PdLibrary   *self,
                        const char  *key,
                        const char  *value,
                        GError     **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (key != NULL && *key != '\0', FALSE);

  locker = g_mutex_locker_new (&self->mutex);
  return set_setting_locked (self, key, value, error);
}

static gint64
next_counter_locked (PdLibrary   *self,
                     const char  *scope,
                     GError     **error)
{
  g_autoptr(PdTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 value = 0;
  int rc;

  /* Its own transaction, committed (and, with synchronous=FULL, on disk) before the number is
   * used in a name: a crash afterwards can waste a number but never give it out again. */
  tx = pd_tx_begin (self, error);
  if (tx == NULL)
    return 0;
  stmt = prepare (self,
                  "INSERT INTO counters (scope, value) VALUES (?1, 1) "
                  "ON CONFLICT (scope) DO UPDATE SET value = value + 1 RETURNING value",
                  error);
  if (stmt == NULL)
    return 0;
  bind_text (stmt, 1, scope);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, "take the next number for a name");
      return 0;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (!pd_tx_commit (tx, error))
    return 0;
  return value;
}

gint64
pd_library_next_counter (PdLibrary   *self,
                         const char  *scope,
                         GError     **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autofree char *key = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), 0);
  g_return_val_if_fail (scope != NULL, 0);

  key = profile_key (scope);
  locker = g_mutex_locker_new (&self->mutex);
  return next_counter_locked (self, key, error);
}

gint64
pd_library_peek_counter (PdLibrary   *self,
                         const char  *scope,
                         GError     **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *key = NULL;
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), 0);
  g_return_val_if_fail (scope != NULL, 0);

  key = profile_key (scope);
  locker = g_mutex_locker_new (&self->mutex);
  stmt = prepare (self, "SELECT value FROM counters WHERE scope = ?", error);
  if (stmt == NULL)
    return 0;
  bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0) + 1;
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, rc, "read the counters");
      return 0;
    }
  return 1;
}

/* Page analysis ------------------------------------------------------------------------------- */

static gint64
set_page_analysis_locked (PdLibrary             *self,
                          gint64                 page_id,
                          const PdPageAnalysis  *analysis,
                          GError               **error)
{
  g_autoptr(PdTx) tx = NULL;
  g_autoptr(sqlite3_stmt) update = NULL;
  g_autoptr(GString) values = g_string_new (NULL);
  g_autoptr(GString) detail = g_string_new (NULL);
  g_autofree char *state = NULL;
  gint64 document_id;
  guint index = 0;

  tx = pd_tx_begin (self, error);
  if (tx == NULL)
    return 0;
  document_id = lookup_page_locked (self, page_id, &index, &state, error);
  if (document_id == 0)
    return 0;

  update = prepare (self, "UPDATE pages SET rotation = ?, crop_x = ?, crop_y = ?, crop_width = ?, "
                    "crop_height = ?, blank_score = ?, is_blank = ?, blur_score = ?, is_blurry = ?, "
                    "is_separator = ?, image_width = ?, image_height = ?, image_dpi = ?, "
                    "image_channels = ? WHERE id = ?", error);
  if (update == NULL)
    return 0;
  sqlite3_bind_int (update, 1, (int) analysis->rotation);
  sqlite3_bind_int (update, 2, (int) analysis->crop_x);
  sqlite3_bind_int (update, 3, (int) analysis->crop_y);
  sqlite3_bind_int (update, 4, (int) analysis->crop_width);
  sqlite3_bind_int (update, 5, (int) analysis->crop_height);
  sqlite3_bind_double (update, 6, analysis->blank_score);
  sqlite3_bind_int (update, 7, analysis->is_blank);
  sqlite3_bind_double (update, 8, analysis->blur_score);
  sqlite3_bind_int (update, 9, analysis->is_blurry);
  sqlite3_bind_int (update, 10, analysis->is_separator);
  sqlite3_bind_int (update, 11, (int) analysis->image_width);
  sqlite3_bind_int (update, 12, (int) analysis->image_height);
  sqlite3_bind_int (update, 13, (int) analysis->image_dpi);
  sqlite3_bind_int (update, 14, (int) analysis->image_channels);
  sqlite3_bind_int64 (update, 15, page_id);
  if (!step_done (self, update, "store what was found on the page", error))
    return 0;

  {
    g_autoptr(sqlite3_stmt) clear = prepare (self, "DELETE FROM barcodes WHERE page_id = ?", error);

    if (clear == NULL)
      return 0;
    sqlite3_bind_int64 (clear, 1, page_id);
    if (!step_done (self, clear, "store the page's barcodes", error))
      return 0;
  }
  for (guint i = 0; i < analysis->n_barcodes; i++)
    {
      const PdPageBarcode *b = &analysis->barcodes[i];
      g_autoptr(sqlite3_stmt) insert = prepare (self, "INSERT INTO barcodes (page_id, n, type, value, "
                                                "x0, y0, x1, y1) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error);

      if (insert == NULL)
        return 0;
      sqlite3_bind_int64 (insert, 1, page_id);
      sqlite3_bind_int (insert, 2, (int) i);
      bind_text (insert, 3, b->type);
      bind_text (insert, 4, b->value);
      sqlite3_bind_int (insert, 5, b->x0);
      sqlite3_bind_int (insert, 6, b->y0);
      sqlite3_bind_int (insert, 7, b->x1);
      sqlite3_bind_int (insert, 8, b->y1);
      if (!step_done (self, insert, "store the page's barcodes", error))
        return 0;
      g_string_append_printf (values, " %s", b->value);
    }

  /* Barcode values are searchable like the page's words. */
  if (analysis->n_barcodes > 0)
    {
      g_autoptr(sqlite3_stmt) drop = prepare (self, "DELETE FROM page_fts WHERE rowid = ?", error);
      g_autoptr(sqlite3_stmt) index_text = NULL;

      if (drop == NULL)
        return 0;
      sqlite3_bind_int64 (drop, 1, page_id);
      if (!step_done (self, drop, "index the page's barcodes", error))
        return 0;
      index_text = prepare (self, "INSERT INTO page_fts (rowid, text) SELECT id, coalesce (text, '') || ? "
                            "FROM pages WHERE id = ?", error);
      if (index_text == NULL)
        return 0;
      bind_text (index_text, 1, values->str);
      sqlite3_bind_int64 (index_text, 2, page_id);
      if (!step_done (self, index_text, "index the page's barcodes", error))
        return 0;
    }

  g_string_append_printf (detail, "page %u", index + 1);
  if (analysis->rotation != 0)
    g_string_append_printf (detail, ", turned %u°", analysis->rotation);
  if (analysis->crop_width > 0)
    g_string_append (detail, ", border cropped");
  if (analysis->is_blank)
    g_string_append (detail, ", looks blank");
  if (analysis->is_blurry)
    g_string_append (detail, ", looks blurry (rescan?)");
  if (analysis->is_separator)
    g_string_append (detail, ", separator sheet");
  if (analysis->n_barcodes > 0)
    g_string_append_printf (detail, ", barcodes:%s", values->str);
  if (!journal_insert (self, document_id, NULL, NULL, "page analysed", detail->str, error))
    return 0;
  if (!pd_tx_commit (tx, error))
    return 0;
  return document_id;
}

gboolean
pd_library_set_page_analysis (PdLibrary             *self,
                              gint64                 page_id,
                              const PdPageAnalysis  *analysis,
                              GError               **error)
{
  gint64 document_id;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (analysis != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  document_id = set_page_analysis_locked (self, page_id, analysis, error);
  g_mutex_unlock (&self->mutex);

  if (document_id > 0)
    _pd_library_notify_document_changed (self, document_id);
  return document_id > 0;
}

static gint64
set_page_excluded_locked (PdLibrary   *self,
                          gint64       page_id,
                          gboolean     excluded,
                          const char  *why,
                          GError     **error)
{
  g_autoptr(PdTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *state = NULL;
  g_autofree char *detail = NULL;
  gint64 document_id;
  guint index = 0;

  tx = pd_tx_begin (self, error);
  if (tx == NULL)
    return 0;
  document_id = lookup_page_locked (self, page_id, &index, &state, error);
  if (document_id == 0)
    return 0;
  stmt = prepare (self, "UPDATE pages SET excluded = ? WHERE id = ?", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int (stmt, 1, excluded);
  sqlite3_bind_int64 (stmt, 2, page_id);
  if (!step_done (self, stmt, "leave the page out of the PDF", error))
    return 0;
  detail = g_strdup_printf ("page %u: %s", index + 1, why != NULL ? why : "");
  if (!journal_insert (self, document_id, NULL, NULL,
                       excluded ? "page left out of the PDF" : "page put back into the PDF", detail, error))
    return 0;
  if (!pd_tx_commit (tx, error))
    return 0;
  return document_id;
}

/* A page left out stays in the library with its scan, so it can be put back. */
gboolean
pd_library_set_page_excluded (PdLibrary   *self,
                              gint64       page_id,
                              gboolean     excluded,
                              const char  *why,
                              GError     **error)
{
  gint64 document_id;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);

  g_mutex_lock (&self->mutex);
  document_id = set_page_excluded_locked (self, page_id, excluded, why, error);
  g_mutex_unlock (&self->mutex);

  if (document_id > 0)
    _pd_library_notify_document_changed (self, document_id);
  return document_id > 0;
}

/* Splitting a batch ----------------------------------------------------------------------------- */

static PdDocument *
split_document_locked (PdLibrary   *self,
                       gint64       document_id,
                       guint        first_index,
                       const char  *name,
                       GError     **error)
{
  g_autoptr(PdTx) tx = NULL;
  g_autoptr(PdDocument) original = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autoptr(sqlite3_stmt) move = NULL;
  g_autoptr(sqlite3_stmt) count = NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *detail = NULL;
  const char *state;
  gint64 now = g_get_real_time ();
  gint64 id;
  int moved;

  tx = pd_tx_begin (self, error);
  if (tx == NULL)
    return NULL;
  original = get_document_by_id_locked (self, document_id, error);
  if (original == NULL)
    return NULL;
  state = pd_doc_state_to_string (original->state);

  /* The part keeps the batch's profile: killed before the part is finished, the next start's
   * resume finishes it by the same rules (name, destination, protection) as its first part. */
  insert = prepare (self, "INSERT INTO documents (uuid, name, state, source, mode, langs, created_at, "
                    "  created_by, updated_at, revision, profile) "
                    "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, profile FROM documents WHERE id = ?", error);
  if (insert == NULL)
    return NULL;
  bind_text (insert, 1, uuid);
  bind_text (insert, 2, name);
  bind_text (insert, 3, state);
  bind_text (insert, 4, original->source);
  bind_text (insert, 5, pd_scan_mode_to_string (original->mode));
  bind_text (insert, 6, original->langs);
  sqlite3_bind_int64 (insert, 7, original->created_at);
  bind_text (insert, 8, g_get_user_name ());
  sqlite3_bind_int64 (insert, 9, now);
  sqlite3_bind_int64 (insert, 10, document_id);
  if (!step_done (self, insert, "create the document", error))
    return NULL;
  id = sqlite3_last_insert_rowid (self->db);

  move = prepare (self, "UPDATE pages SET document_id = ?1, idx = idx - ?3 "
                  "WHERE document_id = ?2 AND idx >= ?3", error);
  if (move == NULL)
    return NULL;
  sqlite3_bind_int64 (move, 1, id);
  sqlite3_bind_int64 (move, 2, document_id);
  sqlite3_bind_int64 (move, 3, first_index);
  if (!step_done (self, move, "move the pages", error))
    return NULL;
  moved = sqlite3_changes (self->db);

  count = prepare (self, "UPDATE documents SET n_pages = (SELECT count (*) FROM pages "
                   "WHERE document_id = documents.id), updated_at = ?1 WHERE id IN (?2, ?3)", error);
  if (count == NULL)
    return NULL;
  sqlite3_bind_int64 (count, 1, now);
  sqlite3_bind_int64 (count, 2, document_id);
  sqlite3_bind_int64 (count, 3, id);
  if (!step_done (self, count, "count the pages", error))
    return NULL;

  detail = g_strdup_printf ("%d pages from page %u of “%s”", moved, first_index + 1, original->name);
  if (!journal_insert (self, id, NULL, state, "created by splitting", detail, error))
    return NULL;
  g_free (detail);
  detail = g_strdup_printf ("pages from %u on moved to “%s”", first_index + 1, name);
  if (!journal_insert (self, document_id, NULL, NULL, "split", detail, error))
    return NULL;
  if (!pd_tx_commit (tx, error))
    return NULL;
  return get_document_by_id_locked (self, id, error);
}

/* Moves the pages of @document_id from @first_index on into a new document (same state, source,
 * mode and languages), renumbered from 0, in one transaction. For separator sheets and
 * one-document-per-page profiles. */
PdDocument *
pd_library_split_document (PdLibrary   *self,
                           gint64       document_id,
                           guint        first_index,
                           const char  *name,
                           GError     **error)
{
  PdDocument *document;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  g_mutex_lock (&self->mutex);
  document = split_document_locked (self, document_id, first_index, name, error);
  g_mutex_unlock (&self->mutex);

  if (document != NULL)
    {
      _pd_library_notify_document_changed (self, document_id);
      _pd_library_notify_document_changed (self, document->id);
    }
  return document;
}
