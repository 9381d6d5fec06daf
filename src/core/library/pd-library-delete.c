/* pd-library-delete.c: deleting a document (see pd-library-delete.h). The rows go first, in one
 * transaction with the journal row; the files go only after the commit: a crash in between
 * leaves files nothing points to, never a document whose files are gone. */
#define G_LOG_DOMAIN "pd-library"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "pd-library-db.h"
#include "pd-library-delete.h"

/* Every file the document's rows point to, read inside the transaction. */
static gboolean
collect_files (PdLibraryDb  *sdb,
               gint64        document_id,
               GPtrArray    *files,
               GError      **error)
{
  static const char *queries[] = {
    "SELECT spool_path FROM pages WHERE document_id = ?1",
    "SELECT image_path FROM pages WHERE document_id = ?1",
    "SELECT path FROM versions WHERE document_id = ?1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autoptr(sqlite3_stmt) stmt = _pd_db_prepare (sdb, queries[i], error);
      int rc;

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, document_id);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          char *path = _pd_db_column_dup (stmt, 0);

          if (path != NULL && path[0] != '\0')
            g_ptr_array_add (files, path);
          else
            g_free (path);
        }
      if (rc != SQLITE_DONE)
        {
          _pd_db_set_error (sdb->db, error, rc, "read the document's pages");
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
run (PdLibraryDb  *sdb,
     const char   *sql,
     gint64        document_id,
     const char   *what,
     GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = _pd_db_prepare (sdb, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, document_id);
  return _pd_db_step_done (sdb, stmt, what, error);
}

/**
 * pd_library_delete_document:
 * @document_id: the document to delete
 *
 * Deletes the document, its pages and its files from this computer. A copy already synced to
 * a destination is not touched there.
 *
 * Returns: %TRUE when the document is gone
 */
gboolean
pd_library_delete_document (PdLibrary  *self,
                            gint64      document_id,
                            GError    **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(PdLibraryDbTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *name = NULL;
  g_autofree char *state = NULL;
  g_autofree char *detail = NULL;
  gboolean synced;
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((sdb = _pd_db_lock (self, error)) == NULL || (tx = _pd_db_begin (sdb, error)) == NULL)
    return FALSE;

  stmt = _pd_db_prepare (sdb,
                         "SELECT name, state, pdf_path, destination, remote_etag IS NOT NULL "
                         "FROM documents WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, document_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
                     "There is no document number %" G_GINT64_FORMAT " in the library.",
                     document_id);
      else
        _pd_db_set_error (sdb->db, error, rc, "read the document");
      return FALSE;
    }
  name = _pd_db_column_dup (stmt, 0);
  state = _pd_db_column_dup (stmt, 1);
  if (sqlite3_column_type (stmt, 2) != SQLITE_NULL)
    g_ptr_array_add (files, _pd_db_column_dup (stmt, 2));
  synced = sqlite3_column_type (stmt, 3) != SQLITE_NULL && sqlite3_column_int (stmt, 4) != 0;
  g_clear_pointer (&stmt, sqlite3_finalize);

  /* The scanner thread and the workers write to such a document until it is finished. */
  if (g_strcmp0 (state, "capturing") == 0 || g_strcmp0 (state, "processing") == 0)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_BAD_TRANSITION,
                   "“%s” is still being scanned or processed. Delete it once it is finished.",
                   name);
      return FALSE;
    }

  if (!collect_files (sdb, document_id, files, error))
    return FALSE;

  /* The journal row first: it copies the uuid from the row about to go, and keeps it when the
   * delete sets its document_id to NULL. */
  detail = g_strdup_printf (synced ? "“%s” deleted from this computer; the synced copy stays "
                                     "on its destination"
                                   : "“%s” deleted",
                            name);
  if (!_pd_db_journal_transition (sdb, document_id, state, "deleted", "deleted", detail, error))
    return FALSE;
  /* The full-text table has no foreign key: its rows go by hand. Pages, words, barcodes,
   * versions and inbox items follow the document (ON DELETE CASCADE). */
  if (!run (sdb, "DELETE FROM page_fts WHERE rowid IN "
                 "(SELECT id FROM pages WHERE document_id = ?1)",
            document_id, "remove the document's text from the search index", error) ||
      !run (sdb, "DELETE FROM documents WHERE id = ?1", document_id, "delete the document",
            error) ||
      !_pd_db_commit (tx, error))
    return FALSE;
  /* The transaction goes before the lock: freed later it would roll back another thread's. */
  g_clear_pointer (&tx, _pd_db_tx_free);
  g_clear_pointer (&sdb, _pd_db_unlock);

  for (guint i = 0; i < files->len; i++)
    {
      const char *path = files->pdata[i];

      /* An evicted document has no local files left; that is not a failure. */
      if (g_unlink (path) != 0 && errno != ENOENT)
        g_warning ("Could not remove %s of the deleted document “%s”: %s", path, name,
                   g_strerror (errno));
    }
  g_debug ("Deleted document %" G_GINT64_FORMAT " (%u files)", document_id, files->len);

  _pd_library_notify_document_changed (self, document_id);
  return TRUE;
}
