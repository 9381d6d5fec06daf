/* pd-library-db.h: a second SQLite connection to the library's database, for the parts of the
 * library kept in their own files (sync, page edits): opened on first use with the library's
 * settings (WAL, synchronous=FULL, foreign keys, busy timeout), held under its own lock.
 * SQLite's BEGIN IMMEDIATE serializes it with the library's connection and with other
 * processes. With it come the helpers every such file needs: statements, transactions that roll
 * back unless committed, journal rows, and "document-changed" after a commit. Library-internal. */
#pragma once

#include <sqlite3.h>

#include "pd-library.h"

G_BEGIN_DECLS

typedef struct _PdLibraryDb PdLibraryDb;

struct _PdLibraryDb
{
  GMutex     mutex;
  sqlite3   *db;
  PdLibrary *library;  /* not owned: the connection lives as long as the library */
};

/* Whether the document row "d" is a batch waiting in review for Save, as an SQL expression: the
 * pipeline stopped it there ("waiting for review" is its last word in the journal; filing it
 * writes "reviewed", resuming it "resumed") and leaves it alone until it is filed. A batch the
 * pipeline is finishing on its own is PROCESSING too, but never waiting for review. */
#define PD_DB_IN_REVIEW_SQL                                                                   \
  "(d.state = 'processing' AND d.pdf_path IS NULL AND "                                      \
  " (SELECT j.what FROM journal j WHERE j.document_id = d.id AND "                           \
  "  j.what IN ('waiting for review', 'reviewed', 'resumed') ORDER BY j.id DESC LIMIT 1) "   \
  "  = 'waiting for review')"

/* Whether a person may change the pages of the document row "d": a finished document (ready or
 * failed), or a batch waiting in review. */
#define PD_DB_PAGES_EDITABLE_SQL \
  "(d.state IN ('ready', 'failed') OR " PD_DB_IN_REVIEW_SQL ")"

/* Returns the connection with its lock held; g_autoptr(PdLibraryDbLock) releases it. */
PdLibraryDb    *_pd_db_lock        (PdLibrary      *library,
                                    GError        **error);
void            _pd_db_unlock      (PdLibraryDb    *db);

typedef PdLibraryDb PdLibraryDbLock;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdLibraryDbLock, _pd_db_unlock)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* @what completes "could not …" in the message for the person. */
void            _pd_db_set_error   (sqlite3        *db,
                                    GError        **error,
                                    int             rc,
                                    const char     *what);
sqlite3_stmt   *_pd_db_prepare     (PdLibraryDb    *db,
                                    const char     *sql,
                                    GError        **error);
gboolean        _pd_db_exec        (PdLibraryDb    *db,
                                    const char     *sql,
                                    const char     *what,
                                    GError        **error);
/* Steps @stmt, a query about @document_id, to its row: FALSE with NOT_FOUND when there is
 * none, or the database's error (@what as for _pd_db_set_error ()). */
gboolean        _pd_db_step_document_row (PdLibraryDb  *db,
                                          sqlite3_stmt *stmt,
                                          gint64        document_id,
                                          const char   *what,
                                          GError      **error);
/* Runs a statement that returns no rows. */
gboolean        _pd_db_step_done   (PdLibraryDb    *db,
                                    sqlite3_stmt   *stmt,
                                    const char     *what,
                                    GError        **error);

/* A write transaction (BEGIN IMMEDIATE) that rolls back when freed uncommitted. Free it before
 * releasing the lock: freed later it would roll back another thread's transaction. */
typedef struct {
  PdLibraryDb *db;
} PdLibraryDbTx;

PdLibraryDbTx  *_pd_db_begin       (PdLibraryDb    *db,
                                    GError        **error);
gboolean        _pd_db_commit      (PdLibraryDbTx  *tx,
                                    GError        **error);
void            _pd_db_tx_free     (PdLibraryDbTx  *tx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdLibraryDbTx, _pd_db_tx_free)

/* A journal row in the current transaction; @document_id 0 for a library-wide event. */
gboolean        _pd_db_journal     (PdLibraryDb    *db,
                                    gint64          document_id,
                                    const char     *what,
                                    const char     *detail,
                                    GError        **error);
/* The same for a change of the document's state. */
gboolean        _pd_db_journal_transition (PdLibraryDb *db,
                                           gint64       document_id,
                                           const char  *from_state,
                                           const char  *to_state,
                                           const char  *what,
                                           const char  *detail,
                                           GError     **error);

/* NULL binds NULL; an id <= 0 binds NULL. */
void            _pd_db_bind_text   (sqlite3_stmt   *stmt,
                                    int             col,
                                    const char     *text);
void            _pd_db_bind_id     (sqlite3_stmt   *stmt,
                                    int             col,
                                    gint64          id);
char           *_pd_db_column_dup  (sqlite3_stmt   *stmt,
                                    int             col);

/* "document-changed" for @document_id on the library's context, after a commit; from any
 * thread. Implemented in pd-library.c. */
void          _pd_library_notify_document_changed (PdLibrary *library,
                                                   gint64     document_id);

G_END_DECLS
