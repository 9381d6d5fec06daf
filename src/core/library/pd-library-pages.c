/* pd-library-pages.c: page edits of a finished document (see pd-library-pages.h), through the
 * library's second connection (pd-library-db.h). Every edit is one transaction with its
 * journal row; "document-changed" follows the commit on the library's context. */
#define G_LOG_DOMAIN "pd-library"

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "pd-library-db.h"
#include "pd-library-pages.h"

/* The page's document, its place and the document's state, with the edit refused while the
 * pipeline still works on the document (a batch waiting in review is left to the person). */
static gboolean
lookup_editable_page (PdLibraryDb     *pdb,
                      gint64       page_id,
                      gint64      *document_id,
                      guint       *index,
                      guint       *n_pages,
                      char       **state,
                      GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  const char *doc_state;
  int rc;

  stmt = _pd_db_prepare (pdb,
                         "SELECT p.document_id, p.idx, d.state, d.name, "
                         "  (SELECT count (*) FROM pages q WHERE q.document_id = p.document_id), "
                         "  " PD_DB_PAGES_EDITABLE_SQL " "
                         "FROM pages p JOIN documents d ON d.id = p.document_id WHERE p.id = ?",
                         error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, page_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
                   "There is no page %" G_GINT64_FORMAT " in the library; it may have been "
                   "deleted meanwhile.", page_id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      _pd_db_set_error (pdb->db, error, rc, "find the page");
      return FALSE;
    }
  doc_state = (const char *) sqlite3_column_text (stmt, 2);
  if (sqlite3_column_int (stmt, 5) == 0)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_BAD_TRANSITION,
                   "“%s” is still being scanned or processed; its pages can be changed once "
                   "it is finished.", (const char *) sqlite3_column_text (stmt, 3));
      return FALSE;
    }
  *document_id = sqlite3_column_int64 (stmt, 0);
  *index = (guint) sqlite3_column_int64 (stmt, 1);
  if (n_pages != NULL)
    *n_pages = (guint) sqlite3_column_int64 (stmt, 4);
  if (state != NULL)
    *state = g_strdup (doc_state);
  return TRUE;
}

/* Indexes are unique per document: moving a range goes through negative values first. */
static gboolean
shift_pages (PdLibraryDb  *pdb,
             gint64    document_id,
             guint     from,
             guint     to,
             int       delta,
             GError  **error)
{
  g_autoptr(sqlite3_stmt) out = NULL;
  g_autoptr(sqlite3_stmt) back = NULL;

  out = _pd_db_prepare (pdb, "UPDATE pages SET idx = -1 - (idx + ?4) "
                        "WHERE document_id = ?1 AND idx BETWEEN ?2 AND ?3", error);
  if (out == NULL)
    return FALSE;
  sqlite3_bind_int64 (out, 1, document_id);
  sqlite3_bind_int64 (out, 2, from);
  sqlite3_bind_int64 (out, 3, to);
  sqlite3_bind_int (out, 4, delta);
  if (!_pd_db_step_done (pdb, out, "reorder the pages", error))
    return FALSE;
  /* -1000000 is the page being moved (pd_library_move_page): it is placed by its caller. */
  back = _pd_db_prepare (pdb, "UPDATE pages SET idx = -1 - idx "
                         "WHERE document_id = ?1 AND idx < 0 AND idx > -1000000", error);
  if (back == NULL)
    return FALSE;
  sqlite3_bind_int64 (back, 1, document_id);
  return _pd_db_step_done (pdb, back, "reorder the pages", error);
}

static gboolean
touch_document (PdLibraryDb  *pdb,
                gint64    document_id,
                GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = _pd_db_prepare (pdb,
                         "UPDATE documents SET updated_at = ?1, "
                         "  n_pages = (SELECT count (*) FROM pages WHERE document_id = ?2) "
                         "WHERE id = ?2",
                         error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 2, document_id);
  return _pd_db_step_done (pdb, stmt, "change the document", error);
}

#define PAGE_COLUMNS \
  "id, document_id, idx, state, spool_path, width, height, depth, channels, dpi, image_path, " \
  "encoding, skew, text, confidence, rotation, crop_x, crop_y, crop_width, crop_height, " \
  "blank_score, is_blank, blur_score, is_blurry, is_separator, excluded, " \
  "(SELECT group_concat (type || ':' || value, ' ') FROM barcodes WHERE page_id = pages.id), " \
  "image_width, image_height, image_dpi, image_channels"

PdPage *
pd_library_get_page (PdLibrary  *self,
                     gint64      page_id,
                     GError    **error)
{
  g_autoptr(PdLibraryDbLock) pdb = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  PdPage *page;
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);

  if ((pdb = _pd_db_lock (self, error)) == NULL)
    return NULL;
  stmt = _pd_db_prepare (pdb, "SELECT " PAGE_COLUMNS " FROM pages WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, page_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
                   "There is no page %" G_GINT64_FORMAT " in the library.", page_id);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      _pd_db_set_error (pdb->db, error, rc, "read the page");
      return NULL;
    }

  page = g_new0 (PdPage, 1);
  page->id = sqlite3_column_int64 (stmt, 0);
  page->document_id = sqlite3_column_int64 (stmt, 1);
  page->index = (guint) sqlite3_column_int64 (stmt, 2);
  if (!pd_page_state_from_string ((const char *) sqlite3_column_text (stmt, 3), &page->state))
    page->state = PD_PAGE_STATE_FAILED;
  page->spool_path = _pd_db_column_dup (stmt, 4);
  page->width = (guint) sqlite3_column_int64 (stmt, 5);
  page->height = (guint) sqlite3_column_int64 (stmt, 6);
  page->depth = (guint) sqlite3_column_int64 (stmt, 7);
  page->channels = (guint) sqlite3_column_int64 (stmt, 8);
  page->dpi = (guint) sqlite3_column_int64 (stmt, 9);
  page->image_path = _pd_db_column_dup (stmt, 10);
  page->encoding = sqlite3_column_int (stmt, 11);
  page->skew = sqlite3_column_double (stmt, 12);
  page->text = _pd_db_column_dup (stmt, 13);
  page->confidence = sqlite3_column_double (stmt, 14);
  page->rotation = (guint) sqlite3_column_int64 (stmt, 15);
  page->crop_x = (guint) sqlite3_column_int64 (stmt, 16);
  page->crop_y = (guint) sqlite3_column_int64 (stmt, 17);
  page->crop_width = (guint) sqlite3_column_int64 (stmt, 18);
  page->crop_height = (guint) sqlite3_column_int64 (stmt, 19);
  page->blank_score = sqlite3_column_double (stmt, 20);
  page->is_blank = sqlite3_column_int (stmt, 21) != 0;
  page->blur_score = sqlite3_column_double (stmt, 22);
  page->is_blurry = sqlite3_column_int (stmt, 23) != 0;
  page->is_separator = sqlite3_column_int (stmt, 24) != 0;
  page->excluded = sqlite3_column_int (stmt, 25) != 0;
  page->barcodes = _pd_db_column_dup (stmt, 26);
  page->image_width = (guint) sqlite3_column_int64 (stmt, 27);
  page->image_height = (guint) sqlite3_column_int64 (stmt, 28);
  page->image_dpi = (guint) sqlite3_column_int64 (stmt, 29);
  page->image_channels = (guint) sqlite3_column_int64 (stmt, 30);
  return page;
}

gboolean
pd_library_move_page (PdLibrary  *self,
                      gint64      page_id,
                      guint       new_index,
                      GError    **error)
{
  g_autoptr(PdLibraryDbLock) pdb = NULL;
  g_autoptr(PdLibraryDbTx) tx = NULL;
  g_autoptr(sqlite3_stmt) place = NULL;
  g_autofree char *detail = NULL;
  gint64 document_id = 0;
  guint index = 0;
  guint n_pages = 0;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);

  if ((pdb = _pd_db_lock (self, error)) == NULL || (tx = _pd_db_begin (pdb, error)) == NULL)
    return FALSE;
  if (!lookup_editable_page (pdb, page_id, &document_id, &index, &n_pages, NULL, error))
    return FALSE;
  new_index = MIN (new_index, n_pages - 1);
  if (new_index == index)
    return TRUE;

  /* Out of the way, close the gap, open the new place, and in. */
  place = _pd_db_prepare (pdb, "UPDATE pages SET idx = -1000000 WHERE id = ?", error);
  if (place == NULL)
    return FALSE;
  sqlite3_bind_int64 (place, 1, page_id);
  if (!_pd_db_step_done (pdb, place, "reorder the pages", error))
    return FALSE;
  if (new_index > index
      ? !shift_pages (pdb, document_id, index + 1, new_index, -1, error)
      : !shift_pages (pdb, document_id, new_index, index - 1, +1, error))
    return FALSE;
  g_clear_pointer (&place, sqlite3_finalize);
  place = _pd_db_prepare (pdb, "UPDATE pages SET idx = ? WHERE id = ?", error);
  if (place == NULL)
    return FALSE;
  sqlite3_bind_int64 (place, 1, new_index);
  sqlite3_bind_int64 (place, 2, page_id);
  if (!_pd_db_step_done (pdb, place, "reorder the pages", error))
    return FALSE;

  detail = g_strdup_printf ("page %u is now page %u", index + 1, new_index + 1);
  if (!touch_document (pdb, document_id, error) ||
      !_pd_db_journal_transition (pdb, document_id, NULL, NULL, "page moved", detail, error) ||
      !_pd_db_commit (tx, error))
    return FALSE;
  _pd_library_notify_document_changed (self, document_id);
  return TRUE;
}

gboolean
pd_library_delete_page (PdLibrary  *self,
                        gint64      page_id,
                        GError    **error)
{
  g_autoptr(PdLibraryDbLock) pdb = NULL;
  g_autoptr(PdLibraryDbTx) tx = NULL;
  g_autoptr(sqlite3_stmt) fts = NULL;
  g_autoptr(sqlite3_stmt) del = NULL;
  g_autofree char *detail = NULL;
  gint64 document_id = 0;
  guint index = 0;
  guint n_pages = 0;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);

  if ((pdb = _pd_db_lock (self, error)) == NULL || (tx = _pd_db_begin (pdb, error)) == NULL)
    return FALSE;
  if (!lookup_editable_page (pdb, page_id, &document_id, &index, &n_pages, NULL, error))
    return FALSE;
  if (n_pages <= 1)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_BAD_TRANSITION,
                   "This is the only page of the document: delete the document instead.");
      return FALSE;
    }

  /* The index keeps its own copy of the text, keyed by the page id. */
  fts = _pd_db_prepare (pdb, "DELETE FROM page_fts WHERE rowid = ?", error);
  if (fts == NULL)
    return FALSE;
  sqlite3_bind_int64 (fts, 1, page_id);
  if (!_pd_db_step_done (pdb, fts, "remove the page from the search index", error))
    return FALSE;
  del = _pd_db_prepare (pdb, "DELETE FROM pages WHERE id = ?", error);
  if (del == NULL)
    return FALSE;
  sqlite3_bind_int64 (del, 1, page_id);
  if (!_pd_db_step_done (pdb, del, "delete the page", error))
    return FALSE;
  if (index + 1 < n_pages && !shift_pages (pdb, document_id, index + 1, n_pages - 1, -1, error))
    return FALSE;

  detail = g_strdup_printf ("page %u of %u", index + 1, n_pages);
  if (!touch_document (pdb, document_id, error) ||
      !_pd_db_journal_transition (pdb, document_id, NULL, NULL, "page deleted", detail, error) ||
      !_pd_db_commit (tx, error))
    return FALSE;
  _pd_library_notify_document_changed (self, document_id);
  return TRUE;
}

gboolean
pd_library_set_page_blank (PdLibrary  *self,
                           gint64      page_id,
                           gboolean    blank,
                           GError    **error)
{
  g_autoptr(PdLibraryDbLock) pdb = NULL;
  g_autoptr(PdLibraryDbTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *detail = NULL;
  gint64 document_id = 0;
  guint index = 0;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);

  if ((pdb = _pd_db_lock (self, error)) == NULL || (tx = _pd_db_begin (pdb, error)) == NULL)
    return FALSE;
  if (!lookup_editable_page (pdb, page_id, &document_id, &index, NULL, NULL, error))
    return FALSE;
  /* A separator sheet stays out of the PDF whatever a person says about its blankness. */
  stmt = _pd_db_prepare (pdb,
                         "UPDATE pages SET is_blank = ?1, excluded = (?1 OR is_separator) "
                         "WHERE id = ?2",
                         error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, blank ? 1 : 0);
  sqlite3_bind_int64 (stmt, 2, page_id);
  if (!_pd_db_step_done (pdb, stmt, "mark the page", error))
    return FALSE;
  detail = g_strdup_printf ("page %u: marked by a person; its scan is kept", index + 1);
  if (!touch_document (pdb, document_id, error) ||
      !_pd_db_journal_transition (pdb, document_id, NULL, NULL,
                                  blank ? "page marked blank, left out of the PDF"
                                        : "page marked not blank, put back into the PDF",
                                  detail, error) ||
      !_pd_db_commit (tx, error))
    return FALSE;
  _pd_library_notify_document_changed (self, document_id);
  return TRUE;
}

gboolean
pd_library_set_page_turned (PdLibrary   *self,
                            gint64       page_id,
                            const char  *image_path,
                            guint        image_width,
                            guint        image_height,
                            guint        rotation,
                            GArray      *words,
                            GError     **error)
{
  g_autoptr(PdLibraryDbLock) pdb = NULL;
  g_autoptr(PdLibraryDbTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(sqlite3_stmt) clear = NULL;
  g_autofree char *detail = NULL;
  gint64 document_id = 0;
  guint index = 0;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (image_path != NULL && words != NULL, FALSE);
  g_return_val_if_fail (rotation % 90 == 0 && rotation < 360, FALSE);

  if ((pdb = _pd_db_lock (self, error)) == NULL || (tx = _pd_db_begin (pdb, error)) == NULL)
    return FALSE;
  if (!lookup_editable_page (pdb, page_id, &document_id, &index, NULL, NULL, error))
    return FALSE;
  stmt = _pd_db_prepare (pdb,
                         "UPDATE pages SET image_path = ?1, image_width = ?2, image_height = ?3, "
                         "  rotation = ?4 WHERE id = ?5", error);
  if (stmt == NULL)
    return FALSE;
  _pd_db_bind_text (stmt, 1, image_path);
  sqlite3_bind_int64 (stmt, 2, image_width);
  sqlite3_bind_int64 (stmt, 3, image_height);
  sqlite3_bind_int64 (stmt, 4, rotation);
  sqlite3_bind_int64 (stmt, 5, page_id);
  if (!_pd_db_step_done (pdb, stmt, "turn the page", error))
    return FALSE;

  clear = _pd_db_prepare (pdb, "DELETE FROM words WHERE page_id = ?", error);
  if (clear == NULL)
    return FALSE;
  sqlite3_bind_int64 (clear, 1, page_id);
  if (!_pd_db_step_done (pdb, clear, "store the page's words", error))
    return FALSE;
  for (guint i = 0; i < words->len; i++)
    {
      const PdWord *w = &g_array_index (words, PdWord, i);
      g_autoptr(sqlite3_stmt) insert = NULL;

      insert = _pd_db_prepare (pdb, "INSERT INTO words (page_id, n, text, x0, y0, x1, y1, baseline, "
                               "  confidence, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
      if (insert == NULL)
        return FALSE;
      sqlite3_bind_int64 (insert, 1, page_id);
      sqlite3_bind_int64 (insert, 2, i);
      _pd_db_bind_text (insert, 3, w->text);
      sqlite3_bind_int (insert, 4, w->x0);
      sqlite3_bind_int (insert, 5, w->y0);
      sqlite3_bind_int (insert, 6, w->x1);
      sqlite3_bind_int (insert, 7, w->y1);
      sqlite3_bind_int (insert, 8, w->baseline);
      sqlite3_bind_double (insert, 9, w->confidence);
      sqlite3_bind_int64 (insert, 10, w->line);
      if (!_pd_db_step_done (pdb, insert, "store the page's words", error))
        return FALSE;
    }

  detail = g_strdup_printf ("page %u: now turned %u° from the scan", index + 1, rotation);
  if (!touch_document (pdb, document_id, error) ||
      !_pd_db_journal_transition (pdb, document_id, NULL, NULL, "page turned", detail, error) ||
      !_pd_db_commit (tx, error))
    return FALSE;
  _pd_library_notify_document_changed (self, document_id);
  return TRUE;
}

gboolean
pd_library_set_document_revised (PdLibrary   *self,
                                 gint64       document_id,
                                 const char  *pdf_path,
                                 const char  *what,
                                 GError     **error)
{
  g_autoptr(PdLibraryDbLock) pdb = NULL;
  g_autoptr(PdLibraryDbTx) tx = NULL;
  g_autoptr(sqlite3_stmt) read = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *from_state = NULL;
  g_autofree char *detail = NULL;
  gint64 revision;
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (pdf_path != NULL && what != NULL, FALSE);

  if ((pdb = _pd_db_lock (self, error)) == NULL || (tx = _pd_db_begin (pdb, error)) == NULL)
    return FALSE;
  read = _pd_db_prepare (pdb, "SELECT state, revision FROM documents WHERE id = ?", error);
  if (read == NULL)
    return FALSE;
  sqlite3_bind_int64 (read, 1, document_id);
  rc = sqlite3_step (read);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
                     "There is no document %" G_GINT64_FORMAT " in the library.", document_id);
      else
        _pd_db_set_error (pdb->db, error, rc, "read the document");
      return FALSE;
    }
  from_state = _pd_db_column_dup (read, 0);
  revision = sqlite3_column_int64 (read, 1) + 1;
  if (g_strcmp0 (from_state, "ready") != 0 && g_strcmp0 (from_state, "failed") != 0)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_BAD_TRANSITION,
                   "The document is still being scanned or processed; its PDF is made once it "
                   "is finished.");
      return FALSE;
    }

  stmt = _pd_db_prepare (pdb, "UPDATE documents SET state = 'ready', pdf_path = ?1, revision = ?2, "
                         "  updated_at = ?3, last_error = NULL WHERE id = ?4", error);
  if (stmt == NULL)
    return FALSE;
  _pd_db_bind_text (stmt, 1, pdf_path);
  sqlite3_bind_int64 (stmt, 2, revision);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 4, document_id);
  if (!_pd_db_step_done (pdb, stmt, "save the new PDF", error))
    return FALSE;
  detail = g_strdup_printf ("revision %" G_GINT64_FORMAT ": %s", revision, pdf_path);
  if (!_pd_db_journal_transition (pdb, document_id, from_state, "ready", what, detail, error) ||
      !_pd_db_commit (tx, error))
    return FALSE;
  _pd_library_notify_document_changed (self, document_id);
  return TRUE;
}
