/* pd-library-sync.h: what the library stores for sync: accounts (never a password or token),
 * each document's destination and the remote state it last confirmed, the retry schedule, the
 * inbox of things that need a person, the versions kept from conflicts and a log of every
 * attempt. Each state change is one transaction together with its journal row. */
#pragma once

#include "pd-library.h"

G_BEGIN_DECLS

typedef enum {
  PD_SYNC_OUTCOME_ACCEPTED,  /* the destination now holds our revision */
  PD_SYNC_OUTCOME_CONFLICT,  /* accepted after the conflict policy acted; the inbox says how */
  PD_SYNC_OUTCOME_REJECTED,  /* permanent: waits for a person (inbox) */
  PD_SYNC_OUTCOME_RETRY,     /* transient: tried again at next_attempt_at */
} PdSyncOutcome;

const char *pd_sync_outcome_to_string (PdSyncOutcome outcome);

/* The setting holding how long a synced document keeps its files locally, in hours (24 when
 * unset); see pd_library_get_setting (). */
#define PD_SETTING_EVICT_GRACE_HOURS "sync-evict-grace-hours"

typedef struct {
  gint64  id;
  char   *name;
  char   *kind;        /* folder, webdav, onedrive, gdrive */
  char   *url;         /* folder path or base URL */
  char   *username;    /* NULL for folders */
  gint64  created_at;
  char   *pinned_certificate;  /* WebDAV: PEM of the one server certificate trusted without a CA
                                * (setting "account.ID.pinned-certificate"), or NULL */
} PdAccount;

/* The setting holding a WebDAV account's pinned certificate; free with g_free (). */
#define PD_ACCOUNT_PINNED_CERTIFICATE_KEY(id) \
  g_strdup_printf ("account.%" G_GINT64_FORMAT ".pinned-certificate", (gint64) (id))

typedef struct {
  gint64  document_id;
  char   *uuid;
  char   *name;
  char   *pdf_path;
  gint64  revision;
  char   *destination;     /* "ACCOUNT:FOLDER", NULL when the document is not synced */
  char   *remote_path;     /* decided before the first upload, kept across restarts */
  char   *remote_etag;     /* what the destination last confirmed; NULL before the first sync */
  gint64  synced_revision;
  gint64  synced_at;
  gint64  evict_after;     /* 0: not scheduled */
  gint64  evicted_at;      /* 0: files are local */
  guint   sync_attempts;
  gint64  next_attempt_at;
  char   *last_sync_error;
} PdSyncState;

typedef struct {
  gint64  id;
  gint64  document_id;     /* 0 for an account-wide item (sign in) */
  gint64  account_id;
  char   *document_name;
  char   *account_name;
  char   *kind;            /* conflict, name_taken, remote_deleted, rejected, sign_in, gave_up */
  char   *message;
  gint64  version_id;      /* the remote copy kept for a conflict, 0 if none */
  gint64  created_at;
  gint64  resolved_at;     /* 0 while open */
  char   *resolution;
} PdInboxItem;

typedef struct {
  gint64  id;
  gint64  document_id;
  char   *path;
  char   *etag;
  guint64 size;
  gint64  saved_at;
} PdVersion;

typedef struct {
  gint64  id;
  gint64  time;
  char   *account_name;
  gint64  document_id;
  char   *document_name;
  guint   http_status;
  guint64 bytes;
  gint64  duration_us;
  char   *outcome;
  char   *detail;
} PdSyncLogEntry;

/* One attempt's result, committed by pd_library_record_sync () in one transaction with its log
 * and journal rows. Strings are borrowed. */
typedef struct {
  gint64         document_id;
  gint64         account_id;
  PdSyncOutcome  outcome;
  gint64         revision;        /* the revision that was sent */
  const char    *remote_path;     /* ACCEPTED/CONFLICT: where it is now */
  const char    *remote_etag;     /* ACCEPTED/CONFLICT */
  gint64         evict_grace_us;  /* ACCEPTED/CONFLICT: evict_after = now + this; < 0: never */
  guint          http_status;
  guint64        bytes;
  gint64         duration_us;
  gint64         next_attempt_at; /* RETRY */
  gboolean       reset_attempts;  /* RETRY: a wait the server asked for is not a failure */
  const char    *message;         /* for a person: the error, or what the policy did */
  const char    *inbox_kind;      /* NULL: nothing for the inbox */
  const char    *version_path;    /* a remote copy saved before we replaced it */
  const char    *version_etag;
  guint64        version_size;
} PdSyncRecord;

void         pd_account_free            (PdAccount      *account);
void         pd_sync_state_free         (PdSyncState    *state);
void         pd_inbox_item_free         (PdInboxItem    *item);
void         pd_version_free            (PdVersion      *version);
void         pd_sync_log_entry_free     (PdSyncLogEntry *entry);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdAccount, pd_account_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdSyncState, pd_sync_state_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdInboxItem, pd_inbox_item_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdVersion, pd_version_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdSyncLogEntry, pd_sync_log_entry_free)

/* Accounts. Names are unique; ALREADY_EXISTS / NOT_FOUND otherwise. */
gint64       pd_library_add_account     (PdLibrary     *self,
                                         const char    *name,
                                         const char    *kind,
                                         const char    *url,
                                         const char    *username,
                                         GError       **error);
PdAccount   *pd_library_get_account     (PdLibrary     *self,
                                         const char    *name,
                                         GError       **error);
PdAccount   *pd_library_get_account_by_id (PdLibrary   *self,
                                         gint64         id,
                                         GError       **error);
GPtrArray   *pd_library_list_accounts   (PdLibrary     *self,
                                         GError       **error);
gboolean     pd_library_remove_account  (PdLibrary     *self,
                                         const char    *name,
                                         GError       **error);

/* Where a document goes: "ACCOUNT:FOLDER" (FOLDER may be empty), or NULL for nowhere. A
 * changed destination makes the document due again under a new remote path. */
gboolean     pd_library_set_document_destination (PdLibrary  *self,
                                         gint64         document_id,
                                         const char    *destination,
                                         GError       **error);
PdSyncState *pd_library_get_sync_state  (PdLibrary     *self,
                                         gint64         document_id,
                                         GError       **error);
/* Ready documents with a destination whose revision is ahead of what it confirmed, whose wait
 * is over at @now, with fewer than @max_attempts failures and nothing open in the inbox that
 * blocks them (their own rejection, or a sign-in for their account). Oldest first. */
GPtrArray   *pd_library_list_sync_due   (PdLibrary     *self,
                                         gint64         now,
                                         guint          max_attempts,
                                         GError       **error);
/* Same filter without the wait: how many documents still have to go somewhere. */
guint        pd_library_count_sync_pending (PdLibrary  *self,
                                         guint          max_attempts,
                                         GError       **error);
/* When the earliest pending document may be tried (its stored next_attempt_at, microseconds of
 * real time; at most "now" for a document due already), or 0 when nothing is pending. */
gboolean     pd_library_get_next_sync_attempt (PdLibrary *self,
                                               guint      max_attempts,
                                               gint64    *when,
                                               GError   **error);
/* Written before the first byte is sent, so a restart uses the same name. */
gboolean     pd_library_set_remote_path (PdLibrary     *self,
                                         gint64         document_id,
                                         const char    *remote_path,
                                         GError       **error);
gboolean     pd_library_record_sync     (PdLibrary     *self,
                                         const PdSyncRecord *record,
                                         GError       **error);
/* "Sync now": every wait is over (attempt counts are kept). Journaled once. */
gboolean     pd_library_clear_sync_backoff (PdLibrary  *self,
                                         GError       **error);

/* Inbox. */
gint64       pd_library_add_inbox_item  (PdLibrary     *self,
                                         gint64         document_id,
                                         gint64         account_id,
                                         const char    *kind,
                                         const char    *message,
                                         GError       **error);
GPtrArray   *pd_library_list_inbox      (PdLibrary     *self,
                                         gboolean       include_resolved,
                                         GError       **error);
PdInboxItem *pd_library_get_inbox_item  (PdLibrary     *self,
                                         gint64         id,
                                         GError       **error);
gboolean     pd_library_has_open_inbox_item (PdLibrary *self,
                                         gint64         account_id,
                                         const char    *kind,
                                         GError       **error);
/* Closes the item (a sign-in item closes all open sign-in items of its account) and makes its
 * document due again with a fresh attempt count. */
gboolean     pd_library_resolve_inbox_item (PdLibrary  *self,
                                         gint64         id,
                                         const char    *resolution,
                                         GError       **error);
PdVersion   *pd_library_get_version     (PdLibrary     *self,
                                         gint64         id,
                                         GError       **error);

/* The document's PDF becomes @pdf_path (already durable on disk) as a new revision, so the next
 * pass sends it; used by "Restore theirs". */
gboolean     pd_library_replace_document_pdf (PdLibrary *self,
                                         gint64         document_id,
                                         const char    *pdf_path,
                                         const char    *what,
                                         GError       **error);

/* Eviction: synced documents whose grace period is over at @now and whose files are still
 * local. Marking comes before deleting the files: a crash in between leaves files that are
 * merely not needed. */
GPtrArray   *pd_library_list_evictable  (PdLibrary     *self,
                                         gint64         now,
                                         GError       **error);
/* Every document whose local files were given up. */
GPtrArray   *pd_library_list_evicted    (PdLibrary     *self,
                                         GError       **error);
gboolean     pd_library_set_document_evicted (PdLibrary *self,
                                         gint64         document_id,
                                         gboolean       evicted,
                                         GError       **error);

GPtrArray   *pd_library_list_sync_log   (PdLibrary     *self,
                                         guint          limit,
                                         GError       **error);

G_END_DECLS
