/* pd-library-db.c: the library's second connection and its helpers (see pd-library-db.h). */
#define G_LOG_DOMAIN "pd-library"

#include "config.h"

#include "pd-library-db.h"
#include "pd-library-error.h"

#define BUSY_TIMEOUT_MS 10000
#define DB_KEY "pd-library-db"

static GMutex init_mutex;

static void
library_db_free (gpointer data)
{
  PdLibraryDb *db = data;

  sqlite3_close_v2 (db->db);
  g_mutex_clear (&db->mutex);
  g_free (db);
}

void
_pd_db_set_error (sqlite3     *db,
                  GError     **error,
                  int          rc,
                  const char  *what)
{
  const char *msg = db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc);

  if ((rc & 0xff) == SQLITE_FULL)
    g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_DISK_FULL,
                 "The disk is full: could not %s. Nothing was lost; free some space and try "
                 "again.", what);
  else if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
    g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_FAILED,
                 "Could not %s: the library is busy in another program. Try again in a "
                 "moment.", what);
  else
    g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_FAILED, "Could not %s: %s.", what,
                 msg);
  g_debug ("sqlite error %d while trying to %s: %s", rc, what, msg);
}

PdLibraryDb *
_pd_db_lock (PdLibrary  *library,
             GError    **error)
{
  PdLibraryDb *ldb;

  g_mutex_lock (&init_mutex);
  ldb = g_object_get_data (G_OBJECT (library), DB_KEY);
  if (ldb == NULL)
    {
      g_autofree char *path = g_build_filename (pd_library_get_dir (library), "library.db", NULL);
      sqlite3 *db = NULL;
      int rc;

      rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
      if (rc == SQLITE_OK)
        {
          sqlite3_extended_result_codes (db, 1);
          sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);
          rc = sqlite3_exec (db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON",
                             NULL, NULL, NULL);
        }
      if (rc != SQLITE_OK)
        {
          _pd_db_set_error (db, error, rc, "open the library");
          sqlite3_close_v2 (db);
          g_mutex_unlock (&init_mutex);
          return NULL;
        }
      ldb = g_new0 (PdLibraryDb, 1);
      g_mutex_init (&ldb->mutex);
      ldb->db = db;
      ldb->library = library;
      g_object_set_data_full (G_OBJECT (library), DB_KEY, ldb, library_db_free);
    }
  g_mutex_unlock (&init_mutex);

  g_mutex_lock (&ldb->mutex);
  return ldb;
}

void
_pd_db_unlock (PdLibraryDb *db)
{
  g_mutex_unlock (&db->mutex);
}

sqlite3_stmt *
_pd_db_prepare (PdLibraryDb  *db,
                const char   *sql,
                GError      **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db->db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      _pd_db_set_error (db->db, error, rc, "read the library");
      return NULL;
    }
  return stmt;
}

gboolean
_pd_db_exec (PdLibraryDb  *db,
             const char   *sql,
             const char   *what,
             GError      **error)
{
  int rc = sqlite3_exec (db->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      _pd_db_set_error (db->db, error, rc, what);
      return FALSE;
    }
  return TRUE;
}

gboolean
_pd_db_step_document_row (PdLibraryDb   *db,
                          sqlite3_stmt  *stmt,
                          gint64         document_id,
                          const char    *what,
                          GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc == SQLITE_DONE)
    g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
                 "There is no document %" G_GINT64_FORMAT " in the library; it may have been "
                 "deleted meanwhile.", document_id);
  else
    _pd_db_set_error (db->db, error, rc, what);
  return FALSE;
}

gboolean
_pd_db_step_done (PdLibraryDb   *db,
                  sqlite3_stmt  *stmt,
                  const char    *what,
                  GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    {
      _pd_db_set_error (db->db, error, rc, what);
      return FALSE;
    }
  return TRUE;
}

void
_pd_db_tx_free (PdLibraryDbTx *tx)
{
  if (!sqlite3_get_autocommit (tx->db->db) &&
      sqlite3_exec (tx->db->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
    g_warning ("Could not roll back: %s", sqlite3_errmsg (tx->db->db));
  g_free (tx);
}

PdLibraryDbTx *
_pd_db_begin (PdLibraryDb  *db,
              GError      **error)
{
  PdLibraryDbTx *tx;

  /* IMMEDIATE takes the write lock now, so another writer cannot make us fail half-way. */
  if (!_pd_db_exec (db, "BEGIN IMMEDIATE", "start writing to the library", error))
    return NULL;
  tx = g_new0 (PdLibraryDbTx, 1);
  tx->db = db;
  return tx;
}

gboolean
_pd_db_commit (PdLibraryDbTx  *tx,
               GError        **error)
{
  return _pd_db_exec (tx->db, "COMMIT", "save the change to the library", error);
}

void
_pd_db_bind_text (sqlite3_stmt *stmt,
                  int           col,
                  const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, col);
  else
    sqlite3_bind_text (stmt, col, text, -1, SQLITE_TRANSIENT);
}

void
_pd_db_bind_id (sqlite3_stmt *stmt,
                int           col,
                gint64        id)
{
  if (id > 0)
    sqlite3_bind_int64 (stmt, col, id);
  else
    sqlite3_bind_null (stmt, col);
}

char *
_pd_db_column_dup (sqlite3_stmt *stmt,
                   int           col)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, col));
}

gboolean
_pd_db_journal (PdLibraryDb  *db,
                gint64        document_id,
                const char   *what,
                const char   *detail,
                GError      **error)
{
  return _pd_db_journal_transition (db, document_id, NULL, NULL, what, detail, error);
}

gboolean
_pd_db_journal_transition (PdLibraryDb  *db,
                           gint64        document_id,
                           const char   *from_state,
                           const char   *to_state,
                           const char   *what,
                           const char   *detail,
                           GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = _pd_db_prepare (db,
                         "INSERT INTO journal (time, document_id, document_uuid, actor, "
                         "  from_state, to_state, what, detail) "
                         "VALUES (?1, ?2, (SELECT uuid FROM documents WHERE id = ?2), ?3, ?4, ?5, "
                         "  ?6, ?7)",
                         error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  _pd_db_bind_id (stmt, 2, document_id);
  _pd_db_bind_text (stmt, 3, g_get_user_name ());
  _pd_db_bind_text (stmt, 4, from_state);
  _pd_db_bind_text (stmt, 5, to_state);
  _pd_db_bind_text (stmt, 6, what);
  _pd_db_bind_text (stmt, 7, detail);
  return _pd_db_step_done (db, stmt, "write the journal", error);
}
