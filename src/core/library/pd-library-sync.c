/* pd-library-sync.c: the sync tables of the library (see pd-library-sync.h), through the
 * library's second connection (pd-library-db.h), so sync workers never wait behind a page being
 * recognized. Every change is one transaction with its journal row; "document-changed" is
 * emitted on the library's context once it committed. */
#define G_LOG_DOMAIN "pd-library"

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "pd-library-db.h"
#include "pd-library-sync.h"


const char *
pd_sync_outcome_to_string (PdSyncOutcome outcome)
{
  switch (outcome)
    {
    case PD_SYNC_OUTCOME_ACCEPTED: return "accepted";
    case PD_SYNC_OUTCOME_CONFLICT: return "conflict";
    case PD_SYNC_OUTCOME_REJECTED: return "rejected";
    case PD_SYNC_OUTCOME_RETRY: return "retry";
    default: return "unknown";
    }
}

void
pd_account_free (PdAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->name);
  g_free (account->kind);
  g_free (account->url);
  g_free (account->username);
  g_free (account->pinned_certificate);
  g_free (account);
}

void
pd_sync_state_free (PdSyncState *state)
{
  if (state == NULL)
    return;
  g_free (state->uuid);
  g_free (state->name);
  g_free (state->pdf_path);
  g_free (state->destination);
  g_free (state->remote_path);
  g_free (state->remote_etag);
  g_free (state->last_sync_error);
  g_free (state);
}

void
pd_inbox_item_free (PdInboxItem *item)
{
  if (item == NULL)
    return;
  g_free (item->document_name);
  g_free (item->account_name);
  g_free (item->kind);
  g_free (item->message);
  g_free (item->resolution);
  g_free (item);
}

void
pd_version_free (PdVersion *version)
{
  if (version == NULL)
    return;
  g_free (version->path);
  g_free (version->etag);
  g_free (version);
}

void
pd_sync_log_entry_free (PdSyncLogEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->account_name);
  g_free (entry->document_name);
  g_free (entry->outcome);
  g_free (entry->detail);
  g_free (entry);
}

static void
set_not_found (GError     **error,
               const char  *what)
{
  g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND, "%s", what);
}

/* Accounts */

/* A WebDAV account's pinned certificate is not a secret (it is the server's public
 * certificate): a setting, read with the account. */
#define ACCOUNT_COLUMNS \
  "id, name, kind, url, username, created_at, " \
  "(SELECT value FROM settings WHERE key = 'account.' || accounts.id || '.pinned-certificate')"

static PdAccount *
account_from_row (sqlite3_stmt *stmt)
{
  PdAccount *account = g_new0 (PdAccount, 1);

  account->id = sqlite3_column_int64 (stmt, 0);
  account->name = _pd_db_column_dup (stmt, 1);
  account->kind = _pd_db_column_dup (stmt, 2);
  account->url = _pd_db_column_dup (stmt, 3);
  account->username = _pd_db_column_dup (stmt, 4);
  account->created_at = sqlite3_column_int64 (stmt, 5);
  account->pinned_certificate = _pd_db_column_dup (stmt, 6);
  return account;
}

gint64
pd_library_add_account (PdLibrary   *self,
                        const char  *name,
                        const char  *kind,
                        const char  *url,
                        const char  *username,
                        GError     **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(PdLibraryDbTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *detail = NULL;
  gint64 id;
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), 0);
  g_return_val_if_fail (name != NULL && kind != NULL && url != NULL, 0);

  if (*name == '\0' || strchr (name, ':') != NULL)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_FAILED,
                   "“%s” cannot be used as an account name: it must not be empty or contain "
                   "“:”.", name);
      return 0;
    }
  if ((sdb = _pd_db_lock (self, error)) == NULL || (tx = _pd_db_begin (sdb, error)) == NULL)
    return 0;
  stmt = _pd_db_prepare (sdb,
                         "INSERT INTO accounts (name, kind, url, username, created_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5)", error);
  if (stmt == NULL)
    return 0;
  _pd_db_bind_text (stmt, 1, name);
  _pd_db_bind_text (stmt, 2, kind);
  _pd_db_bind_text (stmt, 3, url);
  _pd_db_bind_text (stmt, 4, username);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time ());
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_FAILED,
                   "There is already an account named “%s”. Remove it first or choose "
                   "another name.", name);
      return 0;
    }
  if (rc == SQLITE_CONSTRAINT_CHECK)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_FAILED,
                   "“%s” is not a kind of account Paperdock knows (folder, webdav, onedrive, "
                   "gdrive).", kind);
      return 0;
    }
  if (rc != SQLITE_DONE)
    {
      _pd_db_set_error (sdb->db, error, rc, "add the account");
      return 0;
    }
  id = sqlite3_last_insert_rowid (sdb->db);
  detail = g_strdup_printf ("%s (%s) %s", name, kind, url);
  if (!_pd_db_journal (sdb, 0, "account added", detail, error) || !_pd_db_commit (tx, error))
    return 0;
  return id;
}

static PdAccount *
query_account (PdLibrary   *self,
               const char  *where,
               const char  *name,
               gint64       id,
               GError     **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *sql = g_strconcat ("SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE ", where,
                                      NULL);
  int rc;

  if ((sdb = _pd_db_lock (self, error)) == NULL || (stmt = _pd_db_prepare (sdb, sql, error)) == NULL)
    return NULL;
  if (name != NULL)
    _pd_db_bind_text (stmt, 1, name);
  else
    sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return account_from_row (stmt);
  if (rc != SQLITE_DONE)
    _pd_db_set_error (sdb->db, error, rc, "read the accounts");
  else if (name != NULL)
    g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
                 "There is no account named “%s”. “paperdock-cli accounts list” shows them.",
                 name);
  else
    g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
                 "There is no account number %" G_GINT64_FORMAT ".", id);
  return NULL;
}

PdAccount *
pd_library_get_account (PdLibrary   *self,
                        const char  *name,
                        GError     **error)
{
  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return query_account (self, "name = ?1", name, 0, error);
}

PdAccount *
pd_library_get_account_by_id (PdLibrary  *self,
                              gint64      id,
                              GError    **error)
{
  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);
  return query_account (self, "id = ?1", NULL, id, error);
}

GPtrArray *
pd_library_list_accounts (PdLibrary  *self,
                          GError    **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_account_free);
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);

  if ((sdb = _pd_db_lock (self, error)) == NULL ||
      (stmt = _pd_db_prepare (sdb, "SELECT " ACCOUNT_COLUMNS " FROM accounts ORDER BY name",
                              error)) == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (accounts, account_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      _pd_db_set_error (sdb->db, error, rc, "read the accounts");
      return NULL;
    }
  return g_steal_pointer (&accounts);
}

gboolean
pd_library_remove_account (PdLibrary   *self,
                           const char  *name,
                           GError     **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(PdLibraryDbTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if ((sdb = _pd_db_lock (self, error)) == NULL || (tx = _pd_db_begin (sdb, error)) == NULL)
    return FALSE;
  stmt = _pd_db_prepare (sdb, "DELETE FROM accounts WHERE name = ?1", error);
  if (stmt == NULL)
    return FALSE;
  _pd_db_bind_text (stmt, 1, name);
  if (!_pd_db_step_done (sdb, stmt, "remove the account", error))
    return FALSE;
  if (sqlite3_changes (sdb->db) == 0)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
                   "There is no account named “%s”.", name);
      return FALSE;
    }
  return _pd_db_journal (sdb, 0, "account removed", name, error) && _pd_db_commit (tx, error);
}

/* Documents */

#define STATE_COLUMNS \
  "d.id, d.uuid, d.name, d.pdf_path, d.revision, d.destination, d.remote_path, d.remote_etag, " \
  "d.synced_revision, d.synced_at, d.evict_after, d.evicted_at, d.sync_attempts, " \
  "d.next_attempt_at, d.last_sync_error"

static PdSyncState *
state_from_row (sqlite3_stmt *stmt)
{
  PdSyncState *state = g_new0 (PdSyncState, 1);

  state->document_id = sqlite3_column_int64 (stmt, 0);
  state->uuid = _pd_db_column_dup (stmt, 1);
  state->name = _pd_db_column_dup (stmt, 2);
  state->pdf_path = _pd_db_column_dup (stmt, 3);
  state->revision = sqlite3_column_int64 (stmt, 4);
  state->destination = _pd_db_column_dup (stmt, 5);
  state->remote_path = _pd_db_column_dup (stmt, 6);
  state->remote_etag = _pd_db_column_dup (stmt, 7);
  state->synced_revision = sqlite3_column_int64 (stmt, 8);
  state->synced_at = sqlite3_column_int64 (stmt, 9);
  state->evict_after = sqlite3_column_int64 (stmt, 10);
  state->evicted_at = sqlite3_column_int64 (stmt, 11);
  state->sync_attempts = (guint) sqlite3_column_int64 (stmt, 12);
  state->next_attempt_at = sqlite3_column_int64 (stmt, 13);
  state->last_sync_error = _pd_db_column_dup (stmt, 14);
  return state;
}

static GPtrArray *
query_states (PdLibraryDb        *sdb,
              sqlite3_stmt  *stmt,
              GError       **error)
{
  g_autoptr(GPtrArray) states = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_sync_state_free);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (states, state_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      _pd_db_set_error (sdb->db, error, rc, "read the documents to sync");
      return NULL;
    }
  return g_steal_pointer (&states);
}

gboolean
pd_library_set_document_destination (PdLibrary   *self,
                                     gint64       document_id,
                                     const char  *destination,
                                     GError     **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(PdLibraryDbTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);

  if (destination != NULL && (strchr (destination, ':') == NULL || *destination == ':'))
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_FAILED,
                   "“%s” is not a destination: write it as ACCOUNT:FOLDER.", destination);
      return FALSE;
    }
  if ((sdb = _pd_db_lock (self, error)) == NULL || (tx = _pd_db_begin (sdb, error)) == NULL)
    return FALSE;
  /* A new destination is a new remote file: forget the old one's name and etag so the next
   * pass creates it there (never overwriting what is there). */
  stmt = _pd_db_prepare (sdb,
                         "UPDATE documents SET destination = ?2,"
                         "  remote_path = CASE WHEN destination IS ?2 THEN remote_path END,"
                         "  remote_etag = CASE WHEN destination IS ?2 THEN remote_etag END,"
                         "  synced_revision = CASE WHEN destination IS ?2 THEN synced_revision"
                         "    ELSE 0 END,"
                         "  sync_attempts = 0, next_attempt_at = 0, last_sync_error = NULL "
                         "WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, document_id);
  _pd_db_bind_text (stmt, 2, destination);
  if (!_pd_db_step_done (sdb, stmt, "set where the document is synced to", error))
    return FALSE;
  if (sqlite3_changes (sdb->db) == 0)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
                   "There is no document number %" G_GINT64_FORMAT " in the library.",
                   document_id);
      return FALSE;
    }
  if (!_pd_db_journal (sdb, document_id, "destination",
                       destination != NULL ? destination : "(none)", error) ||
      !_pd_db_commit (tx, error))
    return FALSE;
  /* The transaction goes before the lock: freed later it would roll back another thread's. */
  g_clear_pointer (&tx, _pd_db_tx_free);
  g_clear_pointer (&sdb, _pd_db_unlock);
  _pd_library_notify_document_changed (self, document_id);
  return TRUE;
}

PdSyncState *
pd_library_get_sync_state (PdLibrary  *self,
                           gint64      document_id,
                           GError    **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);

  if ((sdb = _pd_db_lock (self, error)) == NULL ||
      (stmt = _pd_db_prepare (sdb, "SELECT " STATE_COLUMNS " FROM documents d WHERE d.id = ?1",
                              error)) == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, document_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return state_from_row (stmt);
  if (rc != SQLITE_DONE)
    _pd_db_set_error (sdb->db, error, rc, "read the document");
  else
    g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
                 "There is no document number %" G_GINT64_FORMAT " in the library.",
                 document_id);
  return NULL;
}

/* A document is blocked by its own open rejection, or by an open sign-in item of the account
 * its destination names. */
#define DUE_FILTER \
  "d.state = 'ready' AND d.destination IS NOT NULL AND d.revision > d.synced_revision " \
  "AND d.sync_attempts < ?2 " \
  "AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.resolved_at IS NULL AND (" \
  "  (i.document_id = d.id AND i.kind IN ('rejected', 'gave_up')) OR " \
  "  (i.kind = 'sign_in' AND i.account_id = (SELECT a.id FROM accounts a WHERE a.name = " \
  "     substr (d.destination, 1, instr (d.destination, ':') - 1)))))"

GPtrArray *
pd_library_list_sync_due (PdLibrary  *self,
                          gint64      now,
                          guint       max_attempts,
                          GError    **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);

  if ((sdb = _pd_db_lock (self, error)) == NULL ||
      (stmt = _pd_db_prepare (sdb, "SELECT " STATE_COLUMNS " FROM documents d WHERE " DUE_FILTER
                              " AND d.next_attempt_at <= ?1 ORDER BY d.updated_at, d.id",
                              error)) == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int64 (stmt, 2, max_attempts);
  return query_states (sdb, stmt, error);
}

guint
pd_library_count_sync_pending (PdLibrary  *self,
                               guint       max_attempts,
                               GError    **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), 0);

  if ((sdb = _pd_db_lock (self, error)) == NULL ||
      (stmt = _pd_db_prepare (sdb,
                              "SELECT count(*) FROM documents d WHERE " DUE_FILTER " AND ?1 = ?1",
                              error)) == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, 0);
  sqlite3_bind_int64 (stmt, 2, max_attempts);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      _pd_db_set_error (sdb->db, error, rc, "count the documents to sync");
      return 0;
    }
  return (guint) sqlite3_column_int64 (stmt, 0);
}

gboolean
pd_library_get_next_sync_attempt (PdLibrary  *self,
                                  guint       max_attempts,
                                  gint64     *when,
                                  GError    **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (when != NULL, FALSE);

  *when = 0;
  if ((sdb = _pd_db_lock (self, error)) == NULL ||
      (stmt = _pd_db_prepare (sdb,
                              "SELECT min (d.next_attempt_at) FROM documents d WHERE " DUE_FILTER
                              " AND ?1 = ?1", error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, 0);
  sqlite3_bind_int64 (stmt, 2, max_attempts);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      _pd_db_set_error (sdb->db, error, rc, "find the next document to sync");
      return FALSE;
    }
  if (sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    *when = MAX (sqlite3_column_int64 (stmt, 0), 1);
  return TRUE;
}

gboolean
pd_library_set_remote_path (PdLibrary   *self,
                            gint64       document_id,
                            const char  *remote_path,
                            GError     **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(PdLibraryDbTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (remote_path != NULL, FALSE);

  if ((sdb = _pd_db_lock (self, error)) == NULL || (tx = _pd_db_begin (sdb, error)) == NULL)
    return FALSE;
  stmt = _pd_db_prepare (sdb,
                         "UPDATE documents SET remote_path = ?2, remote_etag = NULL WHERE id = ?1",
                         error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, document_id);
  _pd_db_bind_text (stmt, 2, remote_path);
  if (!_pd_db_step_done (sdb, stmt, "remember the remote name", error))
    return FALSE;
  return _pd_db_journal (sdb, document_id, "sync: remote name", remote_path, error) &&
         _pd_db_commit (tx, error);
}

static gint64
inbox_insert (PdLibraryDb      *sdb,
              gint64       document_id,
              gint64       account_id,
              const char  *kind,
              const char  *message,
              gint64       version_id,
              GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = _pd_db_prepare (sdb,
                         "INSERT INTO inbox (document_id, account_id, kind, message, version_id, "
                         "  created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", error);
  if (stmt == NULL)
    return 0;
  _pd_db_bind_id (stmt, 1, document_id);
  _pd_db_bind_id (stmt, 2, account_id);
  _pd_db_bind_text (stmt, 3, kind);
  _pd_db_bind_text (stmt, 4, message);
  _pd_db_bind_id (stmt, 5, version_id);
  sqlite3_bind_int64 (stmt, 6, g_get_real_time ());
  if (!_pd_db_step_done (sdb, stmt, "add to the inbox", error))
    return 0;
  return sqlite3_last_insert_rowid (sdb->db);
}

gboolean
pd_library_record_sync (PdLibrary           *self,
                        const PdSyncRecord  *record,
                        GError             **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(PdLibraryDbTx) tx = NULL;
  g_autoptr(sqlite3_stmt) update = NULL;
  g_autoptr(sqlite3_stmt) log = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *what = NULL;
  gint64 now = g_get_real_time ();
  gint64 version_id = 0;
  gboolean accepted;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

  accepted = record->outcome == PD_SYNC_OUTCOME_ACCEPTED ||
             (record->outcome == PD_SYNC_OUTCOME_CONFLICT && record->remote_etag != NULL);

  if ((sdb = _pd_db_lock (self, error)) == NULL || (tx = _pd_db_begin (sdb, error)) == NULL)
    return FALSE;

  if (accepted)
    {
      /* MAX: a newer revision made while we uploaded stays due. */
      update = _pd_db_prepare (sdb,
                               "UPDATE documents SET remote_path = ?2, remote_etag = ?3,"
                               "  synced_revision = MAX (synced_revision, ?4), synced_at = ?5,"
                               "  evict_after = CASE WHEN ?6 < 0 THEN 0 ELSE ?5 + ?6 END,"
                               "  sync_attempts = 0, next_attempt_at = 0, last_sync_error = NULL "
                               "WHERE id = ?1", error);
      if (update == NULL)
        return FALSE;
      _pd_db_bind_text (update, 2, record->remote_path);
      _pd_db_bind_text (update, 3, record->remote_etag);
      sqlite3_bind_int64 (update, 4, record->revision);
      sqlite3_bind_int64 (update, 5, now);
      sqlite3_bind_int64 (update, 6, record->evict_grace_us);
    }
  else
    {
      update = _pd_db_prepare (sdb,
                               "UPDATE documents SET"
                               "  sync_attempts = CASE WHEN ?4 THEN 0 ELSE sync_attempts + 1 END,"
                               "  next_attempt_at = ?2, last_sync_error = ?3 WHERE id = ?1", error);
      if (update == NULL)
        return FALSE;
      sqlite3_bind_int64 (update, 2, record->next_attempt_at);
      _pd_db_bind_text (update, 3, record->message);
      sqlite3_bind_int (update, 4, record->reset_attempts);
    }
  sqlite3_bind_int64 (update, 1, record->document_id);
  if (!_pd_db_step_done (sdb, update, "record the sync result", error))
    return FALSE;
  if (sqlite3_changes (sdb->db) == 0)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
                   "There is no document number %" G_GINT64_FORMAT " in the library.",
                   record->document_id);
      return FALSE;
    }

  if (record->version_path != NULL)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;

      stmt = _pd_db_prepare (sdb,
                             "INSERT INTO versions (document_id, path, etag, size, saved_at) "
                             "VALUES (?1, ?2, ?3, ?4, ?5)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, record->document_id);
      _pd_db_bind_text (stmt, 2, record->version_path);
      _pd_db_bind_text (stmt, 3, record->version_etag);
      sqlite3_bind_int64 (stmt, 4, (gint64) record->version_size);
      sqlite3_bind_int64 (stmt, 5, now);
      if (!_pd_db_step_done (sdb, stmt, "keep the other version", error))
        return FALSE;
      version_id = sqlite3_last_insert_rowid (sdb->db);
    }

  if (record->inbox_kind != NULL &&
      inbox_insert (sdb, record->document_id, record->account_id, record->inbox_kind,
                    record->message != NULL ? record->message : record->inbox_kind,
                    version_id, error) == 0)
    return FALSE;

  log = _pd_db_prepare (sdb,
                        "INSERT INTO sync_log (time, account_id, document_id, http_status, bytes, "
                        "  duration_us, outcome, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        error);
  if (log == NULL)
    return FALSE;
  sqlite3_bind_int64 (log, 1, now);
  _pd_db_bind_id (log, 2, record->account_id);
  _pd_db_bind_id (log, 3, record->document_id);
  sqlite3_bind_int (log, 4, (int) record->http_status);
  sqlite3_bind_int64 (log, 5, (gint64) record->bytes);
  sqlite3_bind_int64 (log, 6, record->duration_us);
  _pd_db_bind_text (log, 7, pd_sync_outcome_to_string (record->outcome));
  _pd_db_bind_text (log, 8, record->message);
  if (!_pd_db_step_done (sdb, log, "log the sync attempt", error))
    return FALSE;

  what = g_strconcat ("sync: ", pd_sync_outcome_to_string (record->outcome), NULL);
  detail = g_strdup_printf ("%s%s%s", accepted ? record->remote_path : "",
                            accepted && record->message != NULL ? ": " : "",
                            record->message != NULL ? record->message : "");
  if (!_pd_db_journal (sdb, record->document_id, what, detail, error) ||
      !_pd_db_commit (tx, error))
    return FALSE;
  /* The transaction goes before the lock: freed later it would roll back another thread's. */
  g_clear_pointer (&tx, _pd_db_tx_free);
  g_clear_pointer (&sdb, _pd_db_unlock);
  _pd_library_notify_document_changed (self, record->document_id);
  return TRUE;
}

gboolean
pd_library_clear_sync_backoff (PdLibrary  *self,
                               GError    **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(PdLibraryDbTx) tx = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);

  if ((sdb = _pd_db_lock (self, error)) == NULL || (tx = _pd_db_begin (sdb, error)) == NULL)
    return FALSE;
  return _pd_db_exec (sdb, "UPDATE documents SET next_attempt_at = 0 WHERE next_attempt_at > 0",
                      "clear the waits", error) &&
         _pd_db_journal (sdb, 0, "sync now", "waits cleared", error) &&
         _pd_db_commit (tx, error);
}

/* Inbox */

gint64
pd_library_add_inbox_item (PdLibrary   *self,
                           gint64       document_id,
                           gint64       account_id,
                           const char  *kind,
                           const char  *message,
                           GError     **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(PdLibraryDbTx) tx = NULL;
  gint64 id;

  g_return_val_if_fail (PD_IS_LIBRARY (self), 0);
  g_return_val_if_fail (kind != NULL && message != NULL, 0);

  if ((sdb = _pd_db_lock (self, error)) == NULL || (tx = _pd_db_begin (sdb, error)) == NULL)
    return 0;
  id = inbox_insert (sdb, document_id, account_id, kind, message, 0, error);
  if (id == 0 || !_pd_db_journal (sdb, document_id, "inbox", message, error) ||
      !_pd_db_commit (tx, error))
    return 0;
  return id;
}

#define INBOX_COLUMNS \
  "i.id, i.document_id, i.account_id, d.name, a.name, i.kind, i.message, i.version_id, " \
  "i.created_at, i.resolved_at, i.resolution FROM inbox i " \
  "LEFT JOIN documents d ON d.id = i.document_id LEFT JOIN accounts a ON a.id = i.account_id"

static PdInboxItem *
inbox_from_row (sqlite3_stmt *stmt)
{
  PdInboxItem *item = g_new0 (PdInboxItem, 1);

  item->id = sqlite3_column_int64 (stmt, 0);
  item->document_id = sqlite3_column_int64 (stmt, 1);
  item->account_id = sqlite3_column_int64 (stmt, 2);
  item->document_name = _pd_db_column_dup (stmt, 3);
  item->account_name = _pd_db_column_dup (stmt, 4);
  item->kind = _pd_db_column_dup (stmt, 5);
  item->message = _pd_db_column_dup (stmt, 6);
  item->version_id = sqlite3_column_int64 (stmt, 7);
  item->created_at = sqlite3_column_int64 (stmt, 8);
  item->resolved_at = sqlite3_column_int64 (stmt, 9);
  item->resolution = _pd_db_column_dup (stmt, 10);
  return item;
}

GPtrArray *
pd_library_list_inbox (PdLibrary  *self,
                       gboolean    include_resolved,
                       GError    **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_inbox_item_free);
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);

  if ((sdb = _pd_db_lock (self, error)) == NULL ||
      (stmt = _pd_db_prepare (sdb, "SELECT " INBOX_COLUMNS " WHERE ?1 OR i.resolved_at IS NULL "
                              "ORDER BY i.id", error)) == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, include_resolved);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (items, inbox_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      _pd_db_set_error (sdb->db, error, rc, "read the inbox");
      return NULL;
    }
  return g_steal_pointer (&items);
}

PdInboxItem *
pd_library_get_inbox_item (PdLibrary  *self,
                           gint64      id,
                           GError    **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);

  if ((sdb = _pd_db_lock (self, error)) == NULL ||
      (stmt = _pd_db_prepare (sdb, "SELECT " INBOX_COLUMNS " WHERE i.id = ?1", error)) == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return inbox_from_row (stmt);
  if (rc != SQLITE_DONE)
    _pd_db_set_error (sdb->db, error, rc, "read the inbox");
  else
    g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
                 "There is no inbox item number %" G_GINT64_FORMAT ". “paperdock-cli inbox” "
                 "lists them.", id);
  return NULL;
}

gboolean
pd_library_has_open_inbox_item (PdLibrary   *self,
                                gint64       account_id,
                                const char  *kind,
                                GError     **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);

  if ((sdb = _pd_db_lock (self, error)) == NULL ||
      (stmt = _pd_db_prepare (sdb,
                              "SELECT 1 FROM inbox WHERE resolved_at IS NULL AND account_id = ?1 "
                              "AND kind = ?2", error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  _pd_db_bind_text (stmt, 2, kind);
  return sqlite3_step (stmt) == SQLITE_ROW;
}

gboolean
pd_library_resolve_inbox_item (PdLibrary   *self,
                               gint64       id,
                               const char  *resolution,
                               GError     **error)
{
  g_autoptr(PdInboxItem) item = NULL;
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(PdLibraryDbTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *detail = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (resolution != NULL, FALSE);

  item = pd_library_get_inbox_item (self, id, error);
  if (item == NULL)
    return FALSE;
  if (item->resolved_at != 0)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_BAD_TRANSITION,
                   "Inbox item %" G_GINT64_FORMAT " was already resolved (%s).", id,
                   item->resolution);
      return FALSE;
    }
  if ((sdb = _pd_db_lock (self, error)) == NULL || (tx = _pd_db_begin (sdb, error)) == NULL)
    return FALSE;
  if (g_strcmp0 (item->kind, "sign_in") == 0)
    stmt = _pd_db_prepare (sdb, "UPDATE inbox SET resolved_at = ?2, resolution = ?3 "
                           "WHERE resolved_at IS NULL AND kind = 'sign_in' AND account_id = ?4",
                           error);
  else
    stmt = _pd_db_prepare (sdb, "UPDATE inbox SET resolved_at = ?2, resolution = ?3 WHERE id = ?1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  _pd_db_bind_text (stmt, 3, resolution);
  sqlite3_bind_int64 (stmt, 4, item->account_id);
  if (!_pd_db_step_done (sdb, stmt, "resolve the inbox item", error))
    return FALSE;
  if (item->document_id > 0)
    {
      g_autoptr(sqlite3_stmt) again = NULL;

      again = _pd_db_prepare (sdb, "UPDATE documents SET sync_attempts = 0, next_attempt_at = 0 "
                              "WHERE id = ?1", error);
      if (again == NULL)
        return FALSE;
      sqlite3_bind_int64 (again, 1, item->document_id);
      if (!_pd_db_step_done (sdb, again, "resolve the inbox item", error))
        return FALSE;
    }
  detail = g_strdup_printf ("%s: %s", item->kind, resolution);
  if (!_pd_db_journal (sdb, item->document_id, "inbox resolved", detail, error) ||
      !_pd_db_commit (tx, error))
    return FALSE;
  /* The transaction goes before the lock: freed later it would roll back another thread's. */
  g_clear_pointer (&tx, _pd_db_tx_free);
  g_clear_pointer (&sdb, _pd_db_unlock);
  _pd_library_notify_document_changed (self, item->document_id);
  return TRUE;
}

PdVersion *
pd_library_get_version (PdLibrary  *self,
                        gint64      id,
                        GError    **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  PdVersion *version;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);

  if ((sdb = _pd_db_lock (self, error)) == NULL ||
      (stmt = _pd_db_prepare (sdb,
                              "SELECT id, document_id, path, etag, size, saved_at FROM versions "
                              "WHERE id = ?1", error)) == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      set_not_found (error, "That kept version no longer exists.");
      return NULL;
    }
  version = g_new0 (PdVersion, 1);
  version->id = sqlite3_column_int64 (stmt, 0);
  version->document_id = sqlite3_column_int64 (stmt, 1);
  version->path = _pd_db_column_dup (stmt, 2);
  version->etag = _pd_db_column_dup (stmt, 3);
  version->size = (guint64) sqlite3_column_int64 (stmt, 4);
  version->saved_at = sqlite3_column_int64 (stmt, 5);
  return version;
}

gboolean
pd_library_replace_document_pdf (PdLibrary   *self,
                                 gint64       document_id,
                                 const char  *pdf_path,
                                 const char  *what,
                                 GError     **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(PdLibraryDbTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (pdf_path != NULL && what != NULL, FALSE);

  if ((sdb = _pd_db_lock (self, error)) == NULL || (tx = _pd_db_begin (sdb, error)) == NULL)
    return FALSE;
  stmt = _pd_db_prepare (sdb, "UPDATE documents SET pdf_path = ?2, revision = revision + 1,"
                         "  updated_at = ?3, evicted_at = 0, sync_attempts = 0, next_attempt_at = 0 "
                         "WHERE id = ?1 AND state = 'ready'", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, document_id);
  _pd_db_bind_text (stmt, 2, pdf_path);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
  if (!_pd_db_step_done (sdb, stmt, "replace the document's PDF", error))
    return FALSE;
  if (sqlite3_changes (sdb->db) == 0)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_BAD_TRANSITION,
                   "Document %" G_GINT64_FORMAT " is not ready; its PDF was not replaced.",
                   document_id);
      return FALSE;
    }
  if (!_pd_db_journal (sdb, document_id, what, pdf_path, error) || !_pd_db_commit (tx, error))
    return FALSE;
  /* The transaction goes before the lock: freed later it would roll back another thread's. */
  g_clear_pointer (&tx, _pd_db_tx_free);
  g_clear_pointer (&sdb, _pd_db_unlock);
  _pd_library_notify_document_changed (self, document_id);
  return TRUE;
}

/* Eviction */

GPtrArray *
pd_library_list_evictable (PdLibrary  *self,
                           gint64      now,
                           GError    **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);

  if ((sdb = _pd_db_lock (self, error)) == NULL ||
      (stmt = _pd_db_prepare (sdb,
                              "SELECT " STATE_COLUMNS " FROM documents d WHERE d.state = 'ready' "
                              "AND d.evicted_at = 0 AND d.evict_after > 0 AND d.evict_after <= ?1 "
                              "AND d.synced_revision >= d.revision AND d.remote_etag IS NOT NULL "
                              "ORDER BY d.id", error)) == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, now);
  return query_states (sdb, stmt, error);
}

GPtrArray *
pd_library_list_evicted (PdLibrary  *self,
                         GError    **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);

  if ((sdb = _pd_db_lock (self, error)) == NULL ||
      (stmt = _pd_db_prepare (sdb,
                              "SELECT " STATE_COLUMNS " FROM documents d WHERE d.evicted_at > 0 "
                              "ORDER BY d.id", error)) == NULL)
    return NULL;
  return query_states (sdb, stmt, error);
}

gboolean
pd_library_set_document_evicted (PdLibrary  *self,
                                 gint64      document_id,
                                 gboolean    evicted,
                                 GError    **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(PdLibraryDbTx) tx = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);

  if ((sdb = _pd_db_lock (self, error)) == NULL || (tx = _pd_db_begin (sdb, error)) == NULL)
    return FALSE;
  stmt = _pd_db_prepare (sdb, "UPDATE documents SET evicted_at = ?2 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, document_id);
  sqlite3_bind_int64 (stmt, 2, evicted ? g_get_real_time () : 0);
  if (!_pd_db_step_done (sdb, stmt, "mark the document's files", error))
    return FALSE;
  if (!_pd_db_journal (sdb, document_id, evicted ? "evicted" : "restored",
                       evicted ? "local files removed; the synced copy is kept remotely"
                               : "PDF downloaded again", error) ||
      !_pd_db_commit (tx, error))
    return FALSE;
  /* The transaction goes before the lock: freed later it would roll back another thread's. */
  g_clear_pointer (&tx, _pd_db_tx_free);
  g_clear_pointer (&sdb, _pd_db_unlock);
  _pd_library_notify_document_changed (self, document_id);
  return TRUE;
}

GPtrArray *
pd_library_list_sync_log (PdLibrary  *self,
                          guint       limit,
                          GError    **error)
{
  g_autoptr(PdLibraryDbLock) sdb = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_sync_log_entry_free);
  int rc;

  g_return_val_if_fail (PD_IS_LIBRARY (self), NULL);

  if ((sdb = _pd_db_lock (self, error)) == NULL ||
      (stmt = _pd_db_prepare (sdb,
                              "SELECT * FROM (SELECT l.id, l.time, a.name, l.document_id, d.name, "
                              "  l.http_status, l.bytes, l.duration_us, l.outcome, l.detail "
                              "  FROM sync_log l LEFT JOIN accounts a ON a.id = l.account_id "
                              "  LEFT JOIN documents d ON d.id = l.document_id "
                              "  ORDER BY l.id DESC LIMIT ?1) ORDER BY 1", error)) == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, limit > 0 ? (gint64) limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PdSyncLogEntry *entry = g_new0 (PdSyncLogEntry, 1);

      entry->id = sqlite3_column_int64 (stmt, 0);
      entry->time = sqlite3_column_int64 (stmt, 1);
      entry->account_name = _pd_db_column_dup (stmt, 2);
      entry->document_id = sqlite3_column_int64 (stmt, 3);
      entry->document_name = _pd_db_column_dup (stmt, 4);
      entry->http_status = (guint) sqlite3_column_int (stmt, 5);
      entry->bytes = (guint64) sqlite3_column_int64 (stmt, 6);
      entry->duration_us = sqlite3_column_int64 (stmt, 7);
      entry->outcome = _pd_db_column_dup (stmt, 8);
      entry->detail = _pd_db_column_dup (stmt, 9);
      g_ptr_array_add (entries, entry);
    }
  if (rc != SQLITE_DONE)
    {
      _pd_db_set_error (sdb->db, error, rc, "read the sync log");
      return NULL;
    }
  return g_steal_pointer (&entries);
}
