/* pd-sync-engine.c: the sync engine (see pd-sync-engine.h). A pass runs in a GTask thread; for
 * each account it starts up to max-per-account worker threads, each with its own main context
 * and connector, taking documents from a shared list. Connector calls are async; a worker waits
 * for them by iterating its own context. Every outcome goes to the library at once, so a crash
 * loses at most the answer to the upload in flight, and the next pass finds that file by the
 * document's uuid in its metadata instead of making a second one. */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "pd-account.h"
#include "pd-connector.h"
#include "pd-fs.h"
#include "pd-profile.h"
#include "pd-sync-engine.h"
#include "pd-task.h"
#include "pd-thumbnail.h"
#include "pd-vault.h"

#define DEFAULT_MAX_ATTEMPTS     10
#define DEFAULT_MAX_PER_ACCOUNT  4  /* as rclone's transfers; Nextcloud's client uses 6 */
#define DEFAULT_PERIOD_SECONDS   (15 * 60)
#define BACKOFF_BASE_SECONDS     30
#define BACKOFF_CAP_SECONDS      (6 * 3600)
#define TRIGGER_DEBOUNCE_MS      1500
#define MAX_NAME_TRIES           50
#define DEFAULT_GRACE_HOURS      24.0
#define ROUTING_TEXT_LINES       3
#define ROUTING_TEXT_CHARS       200
#define COMPARE_SUFFIX           ".pd-compare"

struct _PdSyncEngine
{
  GObject          parent_instance;

  /* owned */
  PdLibrary       *library;
  GMainContext    *context;          /* where signals and notifications are emitted */
  GCancellable    *cancellable;
  GNetworkMonitor *monitor;          /* the default one unless a test gave its own */
  GMutex           pass_mutex;       /* one pass at a time in this process */
  guint            periodic_id;
  guint            debounce_id;
  gboolean         started;
  gboolean         pass_running;     /* main context only */
  gboolean         pass_again;
  GArray          *changed;          /* gint64: documents changed, not checked yet (main context) */
  gboolean         checking;         /* check_changed_thread () runs (main context) */
  gint             paused;           /* atomic */
  gboolean         swept;            /* sweep_once () done (pass thread) */

  guint            max_attempts;
  guint            max_per_account;
  guint            period_seconds;

  /* progress, guarded by progress_mutex, published on the main context */
  GMutex           progress_mutex;
  guint            items_total;
  guint            items_done;
  guint64          bytes_total;
  guint64          bytes_done;
  guint            notify_id;
};

enum {
  PROP_0,
  PROP_LIBRARY,
  PROP_PAUSED,
  PROP_RUNNING,
  PROP_ITEMS_TOTAL,
  PROP_ITEMS_DONE,
  PROP_BYTES_TOTAL,
  PROP_BYTES_DONE,
  PROP_MAX_ATTEMPTS,
  PROP_MAX_PER_ACCOUNT,
  PROP_PERIOD_SECONDS,
  PROP_NETWORK_MONITOR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  PASS_FINISHED,
  DOCUMENT_PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PdSyncEngine, pd_sync_engine, G_TYPE_OBJECT)

/* Waiting for async connector calls on a worker's own context */

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  GMainContext *context = g_main_context_get_thread_default ();

  while (*slot == NULL)
    g_main_context_iteration (context, TRUE);
  return *slot;
}

static gboolean
do_upload (PdConnector   *connector,
           const char    *local_path,
           const char    *remote_path,
           const char    *expected_etag,
           GHashTable    *metadata,
           GCancellable  *cancellable,
           PdRemoteInfo **info,
           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pd_connector_upload_async (connector, local_path, remote_path, expected_etag, metadata,
                             cancellable, store_result_cb, &result);
  return pd_connector_upload_finish (connector, wait_for (&result), info, error);
}

static PdRemoteInfo *
do_stat (PdConnector   *connector,
         const char    *remote_path,
         GCancellable  *cancellable,
         GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  PdRemoteInfo *info = NULL;

  pd_connector_stat_async (connector, remote_path, cancellable, store_result_cb, &result);
  if (!pd_connector_stat_finish (connector, wait_for (&result), &info, error))
    return NULL;
  return info;
}

static gboolean
do_download (PdConnector   *connector,
             const char    *remote_path,
             const char    *local_path,
             GCancellable  *cancellable,
             PdRemoteInfo **info,
             GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pd_connector_download_async (connector, remote_path, local_path, cancellable,
                               store_result_cb, &result);
  return pd_connector_download_finish (connector, wait_for (&result), info, error);
}

static gboolean
do_test (PdConnector   *connector,
         GCancellable  *cancellable,
         GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pd_connector_test_async (connector, cancellable, store_result_cb, &result);
  return pd_connector_test_finish (connector, wait_for (&result), error);
}

/* A private main context pushed for the lifetime of a blocking helper or worker. */
typedef struct {
  GMainContext *context;
} PushedContext;

static PushedContext *
pushed_context_new (void)
{
  PushedContext *pushed = g_new0 (PushedContext, 1);

  pushed->context = g_main_context_new ();
  g_main_context_push_thread_default (pushed->context);
  return pushed;
}

static void
pushed_context_free (PushedContext *pushed)
{
  /* Let sources the connector left (timeouts, idle finalizers) run before the context goes. */
  while (g_main_context_iteration (pushed->context, FALSE))
    ;
  g_main_context_pop_thread_default (pushed->context);
  g_main_context_unref (pushed->context);
  g_free (pushed);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PushedContext, pushed_context_free)

/* Progress */

static gboolean
publish_progress_cb (gpointer data)
{
  PdSyncEngine *self = data;

  g_mutex_lock (&self->progress_mutex);
  self->notify_id = 0;
  g_mutex_unlock (&self->progress_mutex);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEMS_TOTAL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEMS_DONE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_TOTAL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_DONE]);
  g_object_thaw_notify (G_OBJECT (self));
  return G_SOURCE_REMOVE;
}

/* Called with progress_mutex held. One pending notification at a time; the source holds a
 * reference so the engine outlives it. */
static void
schedule_progress_locked (PdSyncEngine *self)
{
  g_autoptr(GSource) source = NULL;

  if (self->notify_id != 0)
    return;
  source = g_idle_source_new ();
  g_source_set_callback (source, publish_progress_cb, g_object_ref (self), g_object_unref);
  g_source_set_static_name (source, "[pd-sync] progress");
  self->notify_id = g_source_attach (source, self->context);
}

static void
progress_reset (PdSyncEngine *self,
                guint         items,
                guint64       bytes)
{
  g_mutex_lock (&self->progress_mutex);
  self->items_total = items;
  self->bytes_total = bytes;
  self->items_done = 0;
  self->bytes_done = 0;
  schedule_progress_locked (self);
  g_mutex_unlock (&self->progress_mutex);
}

static void
progress_add (PdSyncEngine *self,
              guint64       bytes)
{
  g_mutex_lock (&self->progress_mutex);
  self->items_done++;
  self->bytes_done += bytes;
  schedule_progress_locked (self);
  g_mutex_unlock (&self->progress_mutex);
}

/* One document's progress, emitted on the main context like the rest: a row can say how far
 * its own document is. The connector interface reports no bytes while a file is on its way, so
 * a document is at 0 when its upload starts and at its size when the destination confirmed. */

typedef struct {
  PdSyncEngine *engine;
  gint64        document_id;
  guint64       done;
  guint64       total;
} DocumentProgress;

static gboolean
emit_document_progress_cb (gpointer data)
{
  DocumentProgress *progress = data;

  g_signal_emit (progress->engine, signals[DOCUMENT_PROGRESS], 0, progress->document_id,
                 progress->done, progress->total);
  return G_SOURCE_REMOVE;
}

static void
document_progress_free (gpointer data)
{
  DocumentProgress *progress = data;

  g_object_unref (progress->engine);
  g_free (progress);
}

static void
document_progress (PdSyncEngine *self,
                   gint64        document_id,
                   guint64       done,
                   guint64       total)
{
  g_autoptr(GSource) source = g_idle_source_new ();
  DocumentProgress *progress = g_new0 (DocumentProgress, 1);

  progress->engine = g_object_ref (self);
  progress->document_id = document_id;
  progress->done = done;
  progress->total = total;
  g_source_set_callback (source, emit_document_progress_cb, progress, document_progress_free);
  g_source_set_static_name (source, "[pd-sync] document-progress");
  g_source_attach (source, self->context);
}

/* One pass */

typedef struct {
  PdSyncEngine *engine;        /* borrowed; the pass task holds a reference */
  PdAccount    *account;       /* NULL: the destination names no account */
  GPtrArray    *states;        /* PdSyncState */
  guint         next;          /* guarded by mutex */
  GMutex        mutex;
  gboolean      signed_out;    /* guarded by mutex: a 401 stops the other workers */
  char         *keyring_error; /* guarded by mutex */
  PdSyncSummary summary;       /* guarded by mutex */
  GCancellable *cancellable;
  gint64        grace_us;
  char         *versions_dir;
} AccountWork;

static void
account_work_free (AccountWork *work)
{
  pd_account_free (work->account);
  g_ptr_array_unref (work->states);
  g_mutex_clear (&work->mutex);
  g_free (work->keyring_error);
  g_free (work->versions_dir);
  g_free (work);
}

static gint64
backoff_us (guint attempts)
{
  gint64 delay = BACKOFF_BASE_SECONDS;

  for (guint i = 1; i < attempts && delay < BACKOFF_CAP_SECONDS; i++)
    delay *= 2;
  delay = MIN (delay, BACKOFF_CAP_SECONDS);
  /* Jitter: anywhere in the upper half, so many clients do not come back together. */
  return (delay * G_USEC_PER_SEC / 2) +
         (gint64) g_random_int_range (0, (gint32) MAX (1, delay / 2)) * G_USEC_PER_SEC;
}

static void
count_outcome (AccountWork   *work,
               PdSyncOutcome  outcome)
{
  g_mutex_lock (&work->mutex);
  switch (outcome)
    {
    case PD_SYNC_OUTCOME_ACCEPTED: work->summary.accepted++; break;
    case PD_SYNC_OUTCOME_CONFLICT: work->summary.conflicts++; break;
    case PD_SYNC_OUTCOME_REJECTED: work->summary.rejected++; break;
    case PD_SYNC_OUTCOME_RETRY: work->summary.retry_later++; break;
    default: break;
    }
  g_mutex_unlock (&work->mutex);
}

static void
record (AccountWork  *work,
        PdSyncRecord *rec)
{
  g_autoptr(GError) error = NULL;

  if (!pd_library_record_sync (work->engine->library, rec, &error))
    g_warning ("Could not record the sync of document %" G_GINT64_FORMAT ": %s",
               rec->document_id, error->message);
  count_outcome (work, rec->outcome);
}

/* Where losing remote copies are kept: <library>/versions/<uuid>-<n>.pdf */
static char *
version_path_for (AccountWork       *work,
                  const PdSyncState *state)
{
  for (guint n = 1; ; n++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%u.pdf", state->uuid, n);
      char *path = g_build_filename (work->versions_dir, name, NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return path;
      g_free (path);
    }
}

static gboolean
is_ours (const PdRemoteInfo *info,
         const PdSyncState  *state,
         gboolean           *same_revision)
{
  const char *uuid = g_hash_table_lookup (info->metadata, "uuid");
  const char *revision = g_hash_table_lookup (info->metadata, "revision");

  *same_revision = FALSE;
  if (g_strcmp0 (uuid, state->uuid) != 0)
    return FALSE;
  *same_revision = revision != NULL && g_ascii_strtoll (revision, NULL, 10) == state->revision;
  return TRUE;
}

static char *
file_sha256 (const char  *path,
             GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, error);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guchar buffer[64 * 1024];
  gssize n;

  /* A sealed PDF (pd-vault.h) is compared by its plaintext, which is what servers hold. */
  if (pd_vault_is_sealed (path))
    {
      g_autoptr(GBytes) plain = pd_vault_read_all (NULL, path, error);

      return plain != NULL ? g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, plain) : NULL;
    }
  if (in == NULL)
    return NULL;
  while ((n = g_input_stream_read (G_INPUT_STREAM (in), buffer, sizeof buffer, NULL, error)) > 0)
    g_checksum_update (checksum, buffer, n);
  if (n < 0)
    return NULL;
  return g_strdup (g_checksum_get_string (checksum));
}

/* Whether the remote file holds exactly our PDF's bytes. A connector that stores the metadata
 * in a second request (WebDAV: PUT, then PROPPATCH) leaves our file without its uuid when the
 * connection or the process dies in between; this is how it is still recognised as ours. */
static gboolean
remote_has_our_bytes (AccountWork        *work,
                      PdConnector        *connector,
                      const PdSyncState  *state,
                      const char         *remote_path,
                      gboolean           *same,
                      GError            **error)
{
  g_autofree char *name = g_strconcat (state->uuid, COMPARE_SUFFIX, NULL);
  g_autofree char *path = g_build_filename (work->versions_dir, name, NULL);
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autofree char *ours = NULL;
  g_autofree char *theirs = NULL;
  g_autoptr(GError) local_error = NULL;

  *same = FALSE;
  /* A process killed during an earlier comparison left its copy, or the download's
   * temporary file, behind: they are only ever ours to remove. */
  {
    g_autoptr(GDir) dir = g_dir_open (work->versions_dir, 0, NULL);
    const char *entry;

    while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
      if (g_str_has_prefix (entry, name))
        {
          g_autofree char *stale = g_build_filename (work->versions_dir, entry, NULL);

          g_unlink (stale);
        }
  }
  if (!do_download (connector, remote_path, path, work->cancellable, &info, error))
    return FALSE;
  theirs = file_sha256 (path, &local_error);
  g_unlink (path);
  /* Gone under us: another process syncing this library swept it (sweep_once ()). Later. */
  if (theirs == NULL)
    {
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                   "The copy of “%s” taken to compare it could not be read: %s", remote_path,
                   local_error->message);
      return FALSE;
    }
  if ((ours = file_sha256 (state->pdf_path, error)) == NULL)
    return FALSE;
  *same = g_str_equal (ours, theirs);
  return TRUE;
}

/* Maps a failure to an outcome; fills @rec. */
static void
classify_failure (AccountWork       *work,
                  const PdSyncState *state,
                  const GError      *error,
                  PdSyncRecord      *rec,
                  char             **message)
{
  gint64 now = g_get_real_time ();

  rec->http_status = error->domain == PD_SYNC_ERROR ? pd_sync_error_get_http_status (error) : 0;

  if (g_error_matches (error, PD_SYNC_ERROR, PD_SYNC_ERROR_THROTTLED))
    {
      gint64 wait = pd_sync_error_get_retry_after (error);

      rec->outcome = PD_SYNC_OUTCOME_RETRY;
      rec->next_attempt_at = now + MAX (wait, 1) * G_USEC_PER_SEC;
      *message = g_strdup_printf ("%s The server asked to wait %" G_GINT64_FORMAT " seconds.",
                                  error->message, wait);
    }
  else if (g_error_matches (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
           error->domain == PD_LIBRARY_ERROR)
    {
      rec->outcome = PD_SYNC_OUTCOME_RETRY;
      *message = g_strdup (error->message);
      if (work->engine->monitor != NULL &&
          !g_network_monitor_get_network_available (work->engine->monitor))
        {
          /* Offline is the normal state of a field laptop, not a failing server: such tries
           * never count toward giving up, and the network's return starts the next pass. */
          rec->reset_attempts = TRUE;
          rec->next_attempt_at = now;
        }
      else
        rec->next_attempt_at = now + backoff_us (state->sync_attempts + 1);
      if (!rec->reset_attempts && state->sync_attempts + 1 >= work->engine->max_attempts)
        {
          rec->inbox_kind = "gave_up";
          g_free (*message);
          *message = g_strdup_printf ("“%s” could not be sent after %u tries (%s). Check the "
                                      "connection, then resolve this item to try again.",
                                      state->name, state->sync_attempts + 1, error->message);
        }
    }
  else if (g_error_matches (error, PD_SYNC_ERROR, PD_SYNC_ERROR_AUTH_REQUIRED))
    {
      rec->outcome = PD_SYNC_OUTCOME_REJECTED;
      *message = g_strdup (error->message);
      g_mutex_lock (&work->mutex);
      if (!work->signed_out && work->account != NULL &&
          !pd_library_has_open_inbox_item (work->engine->library, work->account->id, "sign_in",
                                           NULL))
        {
          g_autofree char *text = g_strdup_printf ("Account “%s” refused the password: %s "
                                                   "Its documents wait until you sign in "
                                                   "again.", work->account->name,
                                                   error->message);

          pd_library_add_inbox_item (work->engine->library, 0, work->account->id, "sign_in",
                                     text, NULL);
        }
      work->signed_out = TRUE;
      g_mutex_unlock (&work->mutex);
    }
  else
    {
      const char *advice;

      if (g_error_matches (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FORBIDDEN))
        advice = "Choose a folder this account may write to, or ask its owner for access.";
      else if (g_error_matches (error, PD_SYNC_ERROR, PD_SYNC_ERROR_QUOTA))
        advice = "Free space on the account, then resolve this item to try again.";
      else if (g_error_matches (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TOO_LARGE))
        advice = "The server refuses files this large: lower the PDF quality or split the "
                 "document.";
      else if (g_error_matches (error, PD_SYNC_ERROR, PD_SYNC_ERROR_INVALID_NAME))
        advice = "Rename the document, then resolve this item to try again.";
      else
        advice = "Resolve this item to try again once the cause is fixed.";
      rec->outcome = PD_SYNC_OUTCOME_REJECTED;
      rec->inbox_kind = "rejected";
      *message = g_strdup_printf ("“%s” was not sent: %s %s Other documents are not held up.",
                                  state->name, error->message, advice);
    }
}

/* What a downstream automation routes on without reading the PDF again: the document's name,
 * its page count, its first barcode and the first lines of its text. */
static void
add_routing_metadata (PdLibrary         *library,
                      const PdSyncState *state,
                      GHashTable        *metadata)
{
  g_autoptr(GPtrArray) pages = pd_library_list_pages (library, state->document_id, NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  const char *barcode = NULL;
  guint n_pages = 0, n_lines = 0;

  g_hash_table_insert (metadata, "name", g_strdup (state->name));
  for (guint i = 0; pages != NULL && i < pages->len; i++)
    {
      const PdPage *page = pages->pdata[i];

      /* A separator sheet is left out of the PDF, but its barcode is what routes the document. */
      if (barcode == NULL && page->barcodes != NULL && *page->barcodes != '\0')
        barcode = page->barcodes;
      if (page->excluded)
        continue;
      n_pages++;
      if (page->text == NULL || n_lines >= ROUTING_TEXT_LINES)
        continue;
      {
        g_auto(GStrv) lines = g_strsplit (page->text, "\n", -1);

        for (guint l = 0; lines[l] != NULL && n_lines < ROUTING_TEXT_LINES; l++)
          {
            g_strstrip (lines[l]);
            if (*lines[l] == '\0')
              continue;
            if (text->len > 0)
              g_string_append_c (text, ' ');
            g_string_append (text, lines[l]);
            n_lines++;
          }
      }
    }
  g_hash_table_insert (metadata, "pages", g_strdup_printf ("%u", n_pages));
  if (barcode != NULL)
    {
      /* "TYPE:VALUE TYPE:VALUE": the first value */
      const char *colon = strchr (barcode, ':');
      const char *value = colon != NULL ? colon + 1 : barcode;
      const char *end = strchr (value, ' ');

      g_hash_table_insert (metadata, "barcode",
                           end != NULL ? g_strndup (value, (gsize) (end - value)) : g_strdup (value));
    }
  if (text->len > 0)
    {
      /* cut at a character boundary */
      if (g_utf8_strlen (text->str, -1) > ROUTING_TEXT_CHARS)
        g_string_truncate (text, (gsize) (g_utf8_offset_to_pointer (text->str, ROUTING_TEXT_CHARS) -
                                          text->str));
      g_hash_table_insert (metadata, "text", g_string_free (g_steal_pointer (&text), FALSE));
    }
}

static void
sync_one (AccountWork       *work,
          PdConnector       *connector,
          const PdSyncState *state)
{
  PdSyncEngine *self = work->engine;
  g_autoptr(GHashTable) metadata = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *account_name = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *remote_path = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *note = NULL;
  g_autofree char *version_path = NULL;
  g_autofree char *version_etag = NULL;
  g_autofree char *message = NULL;
  PdSyncRecord rec = { 0 };
  const char *inbox_kind = NULL;
  guint64 version_size = 0;
  guint64 size = 0;
  gint64 start = g_get_monotonic_time ();
  GStatBuf st;

  rec.document_id = state->document_id;
  rec.account_id = work->account != NULL ? work->account->id : 0;
  rec.revision = state->revision;
  rec.evict_grace_us = work->grace_us;

  pd_account_split_destination (state->destination, &account_name, &folder);

  if (state->pdf_path == NULL || g_stat (state->pdf_path, &st) != 0)
    {
      rec.outcome = PD_SYNC_OUTCOME_REJECTED;
      rec.inbox_kind = "rejected";
      message = g_strdup_printf ("“%s” has no PDF on this computer to send (%s). Export or "
                                 "recreate it, then resolve this item.", state->name,
                                 state->pdf_path != NULL ? g_strerror (errno) : "none written");
      rec.message = message;
      record (work, &rec);
      return;
    }
  size = (guint64) st.st_size;
  /* A sealed PDF (pd-vault.h) is larger on disk than what the server gets and holds. */
  if (pd_vault_is_sealed (state->pdf_path))
    {
      g_autoptr(GBytes) plain = pd_vault_read_all (NULL, state->pdf_path, NULL);

      if (plain != NULL)
        size = g_bytes_get_size (plain);
    }

  if (work->account == NULL)
    {
      rec.outcome = PD_SYNC_OUTCOME_REJECTED;
      rec.inbox_kind = "rejected";
      message = g_strdup_printf ("“%s” should go to account “%s”, which does not exist. Add "
                                 "the account, then resolve this item.", state->name,
                                 account_name);
      rec.message = message;
      record (work, &rec);
      return;
    }

  g_hash_table_insert (metadata, "uuid", g_strdup (state->uuid));
  g_hash_table_insert (metadata, "revision", g_strdup_printf ("%" G_GINT64_FORMAT,
                                                              state->revision));
  add_routing_metadata (self->library, state, metadata);

  remote_path = g_strdup (state->remote_path);
  if (remote_path == NULL)
    {
      /* Decided and stored before the first byte goes out, so a restart after a crash asks for
       * the same name and finds its own file there. */
      remote_path = pd_account_remote_path (folder, state->name);
      if (!pd_library_set_remote_path (self->library, state->document_id, remote_path, &error))
        goto failed;
    }
  expected = g_strdup (state->remote_etag);
  document_progress (self, state->document_id, 0, size);

  for (guint tries = 0, n = 1; tries < MAX_NAME_TRIES; tries++)
    {
      g_autoptr(PdRemoteInfo) info = NULL;
      g_autoptr(PdRemoteInfo) remote = NULL;
      gboolean same_revision;

      g_clear_error (&error);
      if (do_upload (connector, state->pdf_path, remote_path, expected, metadata,
                     work->cancellable, &info, &error))
        {
          rec.outcome = inbox_kind != NULL ? PD_SYNC_OUTCOME_CONFLICT : PD_SYNC_OUTCOME_ACCEPTED;
          rec.remote_path = remote_path;
          rec.remote_etag = info->etag != NULL ? info->etag : "";
          rec.http_status = 0;
          rec.bytes = size;
          rec.duration_us = g_get_monotonic_time () - start;
          rec.message = note;
          rec.inbox_kind = inbox_kind;
          rec.version_path = version_path;
          rec.version_etag = version_etag;
          rec.version_size = version_size;
          record (work, &rec);
          progress_add (self, size);
          document_progress (self, state->document_id, size, size);
          return;
        }

      if (!g_error_matches (error, PD_SYNC_ERROR, PD_SYNC_ERROR_ALREADY_EXISTS) &&
          !g_error_matches (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT) &&
          !g_error_matches (error, PD_SYNC_ERROR, PD_SYNC_ERROR_NOT_FOUND))
        break;

      /* The refusal is understood; only a failing stat is an error from here. */
      g_clear_error (&error);
      remote = do_stat (connector, remote_path, work->cancellable, &error);
      if (remote == NULL)
        break;

      if (remote->exists && is_ours (remote, state, &same_revision))
        {
          if (same_revision)
            {
              /* Our own upload whose answer was lost (a crash, a dropped connection): the
               * server has exactly this revision, so record it instead of sending again. */
              g_debug ("%s already holds revision %" G_GINT64_FORMAT " of %s", remote_path,
                       state->revision, state->uuid);
              rec.outcome = inbox_kind != NULL ? PD_SYNC_OUTCOME_CONFLICT
                                               : PD_SYNC_OUTCOME_ACCEPTED;
              rec.remote_path = remote_path;
              rec.remote_etag = remote->etag != NULL ? remote->etag : "";
              rec.bytes = 0;
              rec.duration_us = g_get_monotonic_time () - start;
              rec.message = note;
              rec.inbox_kind = inbox_kind;
              record (work, &rec);
              progress_add (self, size);
              return;
            }
          if (expected == NULL)
            {
              /* An older revision of ours that we never recorded: replace it. */
              expected = g_strdup (remote->etag);
              continue;
            }
        }

      if (!remote->exists)
        {
          /* Deleted on the server since our last sync: send it again, and say so. */
          g_clear_pointer (&expected, g_free);
          g_clear_pointer (&note, g_free);
          note = g_strdup_printf ("“%s” had been deleted from account “%s”; it was uploaded "
                                  "again.", remote_path, work->account->name);
          inbox_kind = "remote_deleted";
          continue;
        }

      /* Also when we expected an etag: a replace refused only because the etag was still
       * weak, with the check that would have waited it out lost, is no conflict either. */
      if (remote->etag != NULL && remote->size == size &&
          g_hash_table_lookup (remote->metadata, "uuid") == NULL)
        {
          gboolean same;

          if (!remote_has_our_bytes (work, connector, state, remote_path, &same, &error))
            break;
          if (same)
            {
              /* Our upload whose metadata never reached the server: replace it in place (same
               * bytes) so it gets them, instead of sending a second copy under another name. */
              g_debug ("%s holds the bytes of %s without its metadata", remote_path,
                       state->uuid);
              g_free (expected);
              expected = g_strdup (remote->etag);
              continue;
            }
        }

      if (expected == NULL)
        {
          /* A different file holds the name: never overwrite, take the next free name. */
          g_autofree char *taken = g_steal_pointer (&remote_path);

          remote_path = pd_account_numbered_path (taken, ++n);
          if (!pd_library_set_remote_path (self->library, state->document_id, remote_path,
                                           &error))
            break;
          g_clear_pointer (&note, g_free);
          note = g_strdup_printf ("“%s” was already taken on account “%s” by another file, so "
                                  "this document was saved as “%s”.", taken,
                                  work->account->name, remote_path);
          inbox_kind = "name_taken";
          continue;
        }

      /* Changed on the server since our last sync while ours was edited: ours wins, theirs
       * is downloaded into versions first. */
      if (version_path == NULL)
        {
          g_autoptr(PdRemoteInfo) kept = NULL;
          g_autofree char *path = version_path_for (work, state);

          if (!do_download (connector, remote_path, path, work->cancellable, &kept, &error))
            break;
          version_path = g_steal_pointer (&path);
          version_etag = g_strdup (kept->etag != NULL ? kept->etag : remote->etag);
          version_size = kept->size;
        }
      g_clear_pointer (&expected, g_free);
      expected = g_strdup (remote->etag);
      g_clear_pointer (&note, g_free);
      note = g_strdup_printf ("“%s” was changed on account “%s” since the last sync while it "
                              "was edited here. This computer's version was saved; the other "
                              "one is kept: resolve with “theirs” to restore it or “both” to "
                              "keep both.", remote_path, work->account->name);
      inbox_kind = "conflict";
    }

failed:
  if (error == NULL)
    g_set_error (&error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                 "“%s” could not be given a free name on account “%s”.", state->name,
                 work->account->name);
  classify_failure (work, state, error, &rec, &message);
  rec.duration_us = g_get_monotonic_time () - start;
  rec.message = message;
  rec.version_path = NULL;
  record (work, &rec);
  progress_add (self, 0);
}

static gpointer
account_worker (gpointer data)
{
  AccountWork *work = data;
  g_autoptr(PushedContext) pushed = pushed_context_new ();
  g_autoptr(PdConnector) connector = NULL;
  g_autoptr(GError) error = NULL;

  if (work->account != NULL)
    connector = pd_account_create_connector (work->account, work->cancellable, &error);

  for (;;)
    {
      const PdSyncState *state;

      g_mutex_lock (&work->mutex);
      if (work->next >= work->states->len || work->signed_out ||
          g_atomic_int_get (&work->engine->paused) ||
          g_cancellable_is_cancelled (work->cancellable))
        {
          g_mutex_unlock (&work->mutex);
          break;
        }
      state = work->states->pdata[work->next++];
      g_mutex_unlock (&work->mutex);

      if (work->account != NULL && connector == NULL)
        {
          PdSyncRecord rec = { 0 };
          g_autofree char *message = NULL;

          rec.document_id = state->document_id;
          rec.account_id = work->account->id;
          rec.revision = state->revision;
          classify_failure (work, state, error, &rec, &message);
          rec.message = message;
          record (work, &rec);
          progress_add (work->engine, 0);
          continue;
        }
      sync_one (work, connector, state);
    }
  return NULL;
}

static gint64
read_grace_us (PdLibrary *library)
{
  g_autofree char *value = NULL;
  double hours = DEFAULT_GRACE_HOURS;

  if (pd_library_get_setting (library, PD_SETTING_EVICT_GRACE_HOURS, &value, NULL) &&
      value != NULL)
    {
      char *end = NULL;
      double parsed = g_ascii_strtod (value, &end);

      if (end != value && parsed >= 0)
        hours = parsed;
      else if (g_strcmp0 (value, "never") == 0)
        return -1;
    }
  return (gint64) (hours * 3600.0 * G_USEC_PER_SEC);
}

static void
remove_local_files (PdLibrary         *library,
                    const PdSyncState *state)
{
  g_autoptr(GPtrArray) pages = pd_library_list_pages (library, state->document_id, NULL);

  for (guint p = 0; pages != NULL && p < pages->len; p++)
    {
      const PdPage *page = pages->pdata[p];

      if (page->image_path != NULL)
        g_unlink (page->image_path);
      if (page->spool_path != NULL)
        g_unlink (page->spool_path);
    }
  if (state->pdf_path != NULL)
    g_unlink (state->pdf_path);
}

static guint
evict (PdSyncEngine *self)
{
  g_autoptr(GPtrArray) states = NULL;
  g_autoptr(GError) error = NULL;
  guint evicted = 0;

  states = pd_library_list_evictable (self->library, g_get_real_time (), &error);
  if (states == NULL)
    {
      g_warning ("Could not list documents to evict: %s", error->message);
      return 0;
    }
  for (guint i = 0; i < states->len; i++)
    {
      const PdSyncState *state = states->pdata[i];

      /* The library keeps showing what the document looks like. */
      if (!pd_thumbnail_ensure (self->library, state->document_id, &error))
        {
          g_debug ("No thumbnail for document %" G_GINT64_FORMAT ": %s", state->document_id,
                   error->message);
          g_clear_error (&error);
        }
      /* Marked first: a crash before the files go leaves files that are merely not needed;
       * the other order could leave a document that claims files it lost. */
      if (!pd_library_set_document_evicted (self->library, state->document_id, TRUE, &error))
        {
          g_warning ("Could not evict document %" G_GINT64_FORMAT ": %s", state->document_id,
                     error->message);
          g_clear_error (&error);
          continue;
        }
      remove_local_files (self->library, state);
      evicted++;
    }
  return evicted;
}

/* Once per process, before its first pass: what a process killed earlier left behind.
 * - Documents marked evicted whose files stayed (marked, then killed before the files went; the
 *   PDF goes last, so it tells).
 * - Thumbnails and downloads cut short while they were written (temporaries no live writer
 *   holds).
 * - The copies remote_has_our_bytes () takes to compare a server's file with ours. Another
 *   process syncing this library at this very moment may lose its copy; its comparison then
 *   fails as a transient error and is simply tried again. */
static void
sweep_once (PdSyncEngine *self,
            const char   *versions_dir)
{
  g_autofree char *thumbnails = NULL;
  g_autoptr(GPtrArray) states = NULL;
  g_autoptr(GDir) versions = NULL;
  const char *name;

  if (self->swept)
    return;
  self->swept = TRUE;
  thumbnails = pd_thumbnail_dup_dir (self->library);
  pd_fs_remove_stale_temporaries (thumbnails);
  pd_fs_remove_stale_temporaries (versions_dir);
  versions = g_dir_open (versions_dir, 0, NULL);
  while (versions != NULL && (name = g_dir_read_name (versions)) != NULL)
    if (g_str_has_suffix (name, COMPARE_SUFFIX))
      {
        g_autofree char *path = g_build_filename (versions_dir, name, NULL);

        g_unlink (path);
      }
  /* Only a PDF older than the eviction is a leftover: a newer one is being fetched again
   * (pd_sync_fetch_document () marks the document restored once the download is in place). */
  states = pd_library_list_evicted (self->library, NULL);
  for (guint i = 0; states != NULL && i < states->len; i++)
    {
      const PdSyncState *state = states->pdata[i];
      GStatBuf st;

      if (state->pdf_path != NULL && g_stat (state->pdf_path, &st) == 0 &&
          (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000 <=
            state->evicted_at)
        remove_local_files (self->library, state);
    }
}


static void
run_pass_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  PdSyncEngine *self = source_object;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GHashTable) by_account = NULL;
  g_autoptr(GPtrArray) works = g_ptr_array_new_with_free_func ((GDestroyNotify) account_work_free);
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  g_autofree char *versions_dir = NULL;
  PdSyncSummary *summary = g_new0 (PdSyncSummary, 1);
  GHashTableIter iter;
  gpointer value;
  guint64 bytes = 0;
  gint64 grace_us;

  g_mutex_lock (&self->pass_mutex);

  due = pd_library_list_sync_due (self->library, g_get_real_time (), self->max_attempts, &error);
  if (due == NULL)
    {
      g_mutex_unlock (&self->pass_mutex);
      g_free (summary);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  grace_us = read_grace_us (self->library);
  versions_dir = g_build_filename (pd_library_get_dir (self->library), "versions", NULL);
  sweep_once (self, versions_dir);
  if (due->len > 0 && !pd_fs_ensure_private_dir (versions_dir, &error))
    {
      g_warning ("%s", error->message);
      g_clear_error (&error);
    }

  by_account = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < due->len; i++)
    {
      PdSyncState *state = due->pdata[i];
      g_autofree char *name = NULL;
      AccountWork *work;
      GStatBuf st;

      pd_account_split_destination (state->destination, &name, NULL);
      work = g_hash_table_lookup (by_account, name);
      if (work == NULL)
        {
          work = g_new0 (AccountWork, 1);
          work->engine = self;
          work->account = pd_library_get_account (self->library, name, NULL);
          work->states = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_sync_state_free);
          g_mutex_init (&work->mutex);
          work->cancellable = cancellable;
          work->grace_us = grace_us;
          work->versions_dir = g_strdup (versions_dir);
          g_ptr_array_add (works, work);
          g_hash_table_insert (by_account, g_steal_pointer (&name), work);
        }
      due->pdata[i] = NULL;
      g_ptr_array_add (work->states, state);
      if (state->pdf_path != NULL && g_stat (state->pdf_path, &st) == 0)
        bytes += (guint64) st.st_size;
    }
  progress_reset (self, due->len, bytes);

  g_hash_table_iter_init (&iter, by_account);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      AccountWork *work = value;
      guint n = MIN (MAX (self->max_per_account, 1), work->states->len);

      for (guint i = 0; i < n; i++)
        g_ptr_array_add (threads, g_thread_new ("pd-sync-worker", account_worker, work));
    }
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (threads->pdata[i]);

  for (guint i = 0; i < works->len; i++)
    {
      AccountWork *work = works->pdata[i];

      summary->accepted += work->summary.accepted;
      summary->conflicts += work->summary.conflicts;
      summary->rejected += work->summary.rejected;
      summary->retry_later += work->summary.retry_later;
    }

  if (!g_atomic_int_get (&self->paused) && !g_cancellable_is_cancelled (cancellable))
    summary->evicted = evict (self);
  if (!pd_library_get_next_sync_attempt (self->library, self->max_attempts,
                                         &summary->next_attempt_at, &error))
    {
      g_warning ("%s", error->message);
      g_clear_error (&error);
    }

  g_mutex_unlock (&self->pass_mutex);
  g_task_return_pointer (task, summary, g_free);
}

void
pd_sync_engine_run_pass_async (PdSyncEngine        *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PD_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable != NULL ? cancellable : self->cancellable, callback,
                     user_data);
  g_task_set_source_tag (task, pd_sync_engine_run_pass_async);
  pd_task_run_in_thread (task, run_pass_thread);
}

gboolean
pd_sync_engine_run_pass_finish (PdSyncEngine   *self,
                                GAsyncResult   *result,
                                PdSyncSummary  *summary,
                                GError        **error)
{
  g_autofree PdSyncSummary *got = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  got = g_task_propagate_pointer (G_TASK (result), error);
  if (got == NULL)
    return FALSE;
  if (summary != NULL)
    *summary = *got;
  return TRUE;
}

/* Triggers */

static void schedule_pass (PdSyncEngine *self,
                           guint         delay_ms);

static void
triggered_pass_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  PdSyncEngine *self = PD_SYNC_ENGINE (object);
  g_autoptr(GError) error = NULL;
  PdSyncSummary summary = { 0 };

  self->pass_running = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  if (!pd_sync_engine_run_pass_finish (self, result, &summary, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Sync pass failed: %s", error->message);
      return;
    }
  g_signal_emit (self, signals[PASS_FINISHED], 0, &summary);
  if (self->pass_again)
    {
      self->pass_again = FALSE;
      schedule_pass (self, 0);
    }
  else if (summary.next_attempt_at > 0 && !g_atomic_int_get (&self->paused) &&
           g_network_monitor_get_network_available (self->monitor))
    {
      /* The stored wait is the truth (it survives a restart); this timer only wakes us when it
       * ends, so a one-hour throttle costs nothing in between. */
      gint64 delay_ms = (summary.next_attempt_at - g_get_real_time ()) / 1000;
      gint64 cap_ms = (self->period_seconds > 0 ? self->period_seconds : 24 * 3600) * (gint64) 1000;

      schedule_pass (self, (guint) CLAMP (delay_ms + 50, 0, cap_ms));
    }
}

static gboolean
debounced_pass_cb (gpointer data)
{
  PdSyncEngine *self = data;

  self->debounce_id = 0;
  if (g_atomic_int_get (&self->paused))
    return G_SOURCE_REMOVE;
  if (self->pass_running)
    {
      self->pass_again = TRUE;
      return G_SOURCE_REMOVE;
    }
  self->pass_running = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  pd_sync_engine_run_pass_async (self, self->cancellable, triggered_pass_cb, NULL);
  return G_SOURCE_REMOVE;
}

static void
schedule_pass (PdSyncEngine *self,
               guint         delay_ms)
{
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  self->debounce_id = g_timeout_add (delay_ms, debounced_pass_cb, self);
}

static gboolean
periodic_cb (gpointer data)
{
  PdSyncEngine *self = data;

  schedule_pass (self, 0);
  return G_SOURCE_CONTINUE;
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    PdSyncEngine    *self)
{
  /* A hint only: the requests decide. Debounced, since a change arrives as a burst. */
  if (available)
    schedule_pass (self, TRIGGER_DEBOUNCE_MS);
}

/* Whether any of the documents changed is new or newly edited, ready and bound for somewhere: a
 * document that failed before waits for its stored time (the wake-up timer, the network's
 * return or the periodic pass). Read in a thread: a worker may be holding the library in a
 * transaction, and the main thread must not wait for it. */
static void
check_changed_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  PdSyncEngine *self = source_object;
  GArray *changed = task_data;
  gboolean due = FALSE;

  for (guint i = 0; i < changed->len && !due; i++)
    {
      gint64 document_id = g_array_index (changed, gint64, i);
      g_autoptr(PdSyncState) state = pd_library_get_sync_state (self->library, document_id, NULL);

      if (state != NULL && state->destination != NULL && state->revision > state->synced_revision &&
          state->last_sync_error == NULL)
        {
          g_autoptr(PdDocument) document = pd_library_get_document_by_id (self->library,
                                                                          document_id, NULL);

          due = document != NULL && document->state == PD_DOC_STATE_READY;
        }
    }
  g_task_return_boolean (task, due);
}

static void check_changed (PdSyncEngine *self);

static void
check_changed_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  PdSyncEngine *self = PD_SYNC_ENGINE (object);
  gboolean due = g_task_propagate_boolean (G_TASK (result), NULL);

  self->checking = FALSE;
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  /* Changes while a pass runs are its own sync records, or documents it will find due when it
   * ends (triggered_pass_cb () wakes up for the next attempt), so they start nothing. */
  if (due && !self->pass_running)
    schedule_pass (self, TRIGGER_DEBOUNCE_MS);
  if (self->changed->len > 0)
    check_changed (self);
}

static void
check_changed (PdSyncEngine *self)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, check_changed_cb, NULL);

  self->checking = TRUE;
  g_task_set_source_tag (task, check_changed);
  g_task_set_task_data (task, g_steal_pointer (&self->changed), (GDestroyNotify) g_array_unref);
  self->changed = g_array_new (FALSE, FALSE, sizeof (gint64));
  pd_task_run_in_thread (task, check_changed_thread);
}

static void
document_changed_cb (PdLibrary    *library,
                     gint64        document_id,
                     PdSyncEngine *self)
{
  if (self->pass_running)
    return;
  g_array_append_val (self->changed, document_id);
  if (!self->checking)
    check_changed (self);
}

void
pd_sync_engine_start (PdSyncEngine *self)
{
  g_return_if_fail (PD_IS_SYNC_ENGINE (self));

  if (self->started)
    return;
  self->started = TRUE;

  g_signal_connect_object (self->library, "document-changed",
                           G_CALLBACK (document_changed_cb), self, 0);
  if (self->monitor == NULL)
    self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect_object (self->monitor, "network-changed",
                           G_CALLBACK (network_changed_cb), self, 0);
  if (self->period_seconds > 0)
    self->periodic_id = g_timeout_add_seconds (self->period_seconds, periodic_cb, self);
  schedule_pass (self, 0);
}

void
pd_sync_engine_sync_now (PdSyncEngine *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PD_IS_SYNC_ENGINE (self));

  if (!pd_library_clear_sync_backoff (self->library, &error))
    g_warning ("Could not clear the waits: %s", error->message);
  pd_sync_engine_resume (self);
  schedule_pass (self, 0);
}

void
pd_sync_engine_pause (PdSyncEngine *self)
{
  g_return_if_fail (PD_IS_SYNC_ENGINE (self));

  if (g_atomic_int_compare_and_exchange (&self->paused, FALSE, TRUE))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

void
pd_sync_engine_resume (PdSyncEngine *self)
{
  g_return_if_fail (PD_IS_SYNC_ENGINE (self));

  if (g_atomic_int_compare_and_exchange (&self->paused, TRUE, FALSE))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
      if (self->started)
        schedule_pass (self, 0);
    }
}

gboolean
pd_sync_engine_get_paused (PdSyncEngine *self)
{
  g_return_val_if_fail (PD_IS_SYNC_ENGINE (self), FALSE);
  return g_atomic_int_get (&self->paused);
}

PdLibrary *
pd_sync_engine_get_library (PdSyncEngine *self)
{
  g_return_val_if_fail (PD_IS_SYNC_ENGINE (self), NULL);
  return self->library;
}

/* Object */

PdSyncEngine *
pd_sync_engine_new (PdLibrary *library)
{
  g_return_val_if_fail (PD_IS_LIBRARY (library), NULL);
  return g_object_new (PD_TYPE_SYNC_ENGINE, "library", library, NULL);
}

static void
pd_sync_engine_dispose (GObject *object)
{
  PdSyncEngine *self = PD_SYNC_ENGINE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->periodic_id, g_source_remove);
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  g_clear_object (&self->monitor);
  if (self->library != NULL)
    g_signal_handlers_disconnect_by_func (self->library, document_changed_cb, self);

  G_OBJECT_CLASS (pd_sync_engine_parent_class)->dispose (object);
}

static void
pd_sync_engine_finalize (GObject *object)
{
  PdSyncEngine *self = PD_SYNC_ENGINE (object);

  g_clear_object (&self->library);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->changed, g_array_unref);
  g_mutex_clear (&self->pass_mutex);
  g_mutex_clear (&self->progress_mutex);

  G_OBJECT_CLASS (pd_sync_engine_parent_class)->finalize (object);
}

static void
pd_sync_engine_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  PdSyncEngine *self = PD_SYNC_ENGINE (object);

  g_mutex_lock (&self->progress_mutex);
  switch (prop_id)
    {
    case PROP_LIBRARY: g_value_set_object (value, self->library); break;
    case PROP_PAUSED: g_value_set_boolean (value, g_atomic_int_get (&self->paused)); break;
    case PROP_RUNNING: g_value_set_boolean (value, self->pass_running); break;
    case PROP_ITEMS_TOTAL: g_value_set_uint (value, self->items_total); break;
    case PROP_ITEMS_DONE: g_value_set_uint (value, self->items_done); break;
    case PROP_BYTES_TOTAL: g_value_set_uint64 (value, self->bytes_total); break;
    case PROP_BYTES_DONE: g_value_set_uint64 (value, self->bytes_done); break;
    case PROP_MAX_ATTEMPTS: g_value_set_uint (value, self->max_attempts); break;
    case PROP_MAX_PER_ACCOUNT: g_value_set_uint (value, self->max_per_account); break;
    case PROP_PERIOD_SECONDS: g_value_set_uint (value, self->period_seconds); break;
    case PROP_NETWORK_MONITOR: g_value_set_object (value, self->monitor); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  g_mutex_unlock (&self->progress_mutex);
}

static void
pd_sync_engine_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  PdSyncEngine *self = PD_SYNC_ENGINE (object);
  guint v;

  switch (prop_id)
    {
    case PROP_LIBRARY:
      self->library = g_value_dup_object (value);
      break;
    case PROP_NETWORK_MONITOR:
      self->monitor = g_value_dup_object (value);
      break;
    case PROP_MAX_ATTEMPTS:
    case PROP_MAX_PER_ACCOUNT:
    case PROP_PERIOD_SECONDS:
      v = g_value_get_uint (value);
      if (prop_id == PROP_MAX_ATTEMPTS && v != self->max_attempts)
        self->max_attempts = v;
      else if (prop_id == PROP_MAX_PER_ACCOUNT && v != self->max_per_account)
        self->max_per_account = v;
      else if (prop_id == PROP_PERIOD_SECONDS && v != self->period_seconds)
        self->period_seconds = v;
      else
        break;
      g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_sync_engine_class_init (PdSyncEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = pd_sync_engine_dispose;
  object_class->finalize = pd_sync_engine_finalize;
  object_class->get_property = pd_sync_engine_get_property;
  object_class->set_property = pd_sync_engine_set_property;

  properties[PROP_LIBRARY] =
    g_param_spec_object ("library", NULL, NULL, PD_TYPE_LIBRARY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PAUSED] = g_param_spec_boolean ("paused", NULL, NULL, FALSE, ro);
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);
  properties[PROP_ITEMS_TOTAL] = g_param_spec_uint ("items-total", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_ITEMS_DONE] = g_param_spec_uint ("items-done", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_BYTES_TOTAL] =
    g_param_spec_uint64 ("bytes-total", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_BYTES_DONE] =
    g_param_spec_uint64 ("bytes-done", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_MAX_ATTEMPTS] =
    g_param_spec_uint ("max-attempts", NULL, NULL, 1, 1000, DEFAULT_MAX_ATTEMPTS, rw);
  properties[PROP_MAX_PER_ACCOUNT] =
    g_param_spec_uint ("max-per-account", NULL, NULL, 1, 16, DEFAULT_MAX_PER_ACCOUNT, rw);
  properties[PROP_PERIOD_SECONDS] =
    g_param_spec_uint ("period-seconds", NULL, NULL, 0, G_MAXUINT, DEFAULT_PERIOD_SECONDS, rw);
  /* Construct-only: the network monitor whose "network-changed" starts a pass; NULL for the
   * default one. */
  properties[PROP_NETWORK_MONITOR] =
    g_param_spec_object ("network-monitor", NULL, NULL, G_TYPE_NETWORK_MONITOR,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PdSyncEngine::pass-finished:
   * @summary: (type gpointer): a PdSyncSummary, valid during the emission
   *
   * Emitted on the main context after a pass started by a trigger ended.
   */
  signals[PASS_FINISHED] =
    g_signal_new ("pass-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);

  /**
   * PdSyncEngine::document-progress:
   * @document_id: the document being sent
   * @bytes_done: how much of its PDF the destination has
   * @bytes_total: the size of its PDF
   *
   * Emitted on the main context when a document's upload starts (@bytes_done 0) and when its
   * destination confirmed it (@bytes_done == @bytes_total).
   */
  signals[DOCUMENT_PROGRESS] =
    g_signal_new ("document-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_INT64, G_TYPE_UINT64, G_TYPE_UINT64);
}

static void
pd_sync_engine_init (PdSyncEngine *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->max_attempts = DEFAULT_MAX_ATTEMPTS;
  self->max_per_account = DEFAULT_MAX_PER_ACCOUNT;
  self->period_seconds = DEFAULT_PERIOD_SECONDS;
  self->changed = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_mutex_init (&self->pass_mutex);
  g_mutex_init (&self->progress_mutex);
}

/* Blocking helpers */

static PdConnector *
connector_for_destination (PdLibrary   *library,
                           const char  *destination,
                           PdAccount  **account_out,
                           GCancellable *cancellable,
                           GError     **error)
{
  g_autofree char *name = NULL;
  g_autoptr(PdAccount) account = NULL;
  PdConnector *connector;

  if (!pd_account_split_destination (destination, &name, NULL))
    {
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                   "This document is not synced anywhere.");
      return NULL;
    }
  account = pd_library_get_account (library, name, error);
  if (account == NULL)
    return NULL;
  connector = pd_account_create_connector (account, cancellable, error);
  if (connector != NULL && account_out != NULL)
    *account_out = g_steal_pointer (&account);
  return connector;
}

gboolean
pd_sync_fetch_document (PdLibrary     *library,
                        gint64         document_id,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr(PushedContext) pushed = NULL;
  g_autoptr(PdSyncState) state = NULL;
  g_autoptr(PdConnector) connector = NULL;
  g_autoptr(PdRemoteInfo) info = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (library), FALSE);

  state = pd_library_get_sync_state (library, document_id, error);
  if (state == NULL)
    return FALSE;
  if (state->evicted_at == 0 && state->pdf_path != NULL &&
      g_file_test (state->pdf_path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (state->remote_path == NULL || state->remote_etag == NULL || state->pdf_path == NULL)
    {
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_NOT_FOUND,
                   "The PDF of “%s” is not on this computer and was never synced, so it "
                   "cannot be downloaded.", state->name);
      return FALSE;
    }
  pushed = pushed_context_new ();
  connector = connector_for_destination (library, state->destination, NULL, cancellable, error);
  if (connector == NULL)
    return FALSE;
  if (!do_download (connector, state->remote_path, state->pdf_path, cancellable, &info, error))
    return FALSE;
  return pd_library_set_document_evicted (library, document_id, FALSE, error);
}

gboolean
pd_sync_resolve (PdLibrary     *library,
                 gint64         item_id,
                 const char    *keep,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(PdInboxItem) item = NULL;
  g_autoptr(PdVersion) version = NULL;
  g_autoptr(PdSyncState) state = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (library), FALSE);
  g_return_val_if_fail (keep != NULL, FALSE);

  if (g_strcmp0 (keep, "mine") != 0 && g_strcmp0 (keep, "theirs") != 0 &&
      g_strcmp0 (keep, "both") != 0)
    {
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                   "“%s” is not a choice: keep “mine”, “theirs” or “both”.", keep);
      return FALSE;
    }
  item = pd_library_get_inbox_item (library, item_id, error);
  if (item == NULL)
    return FALSE;

  if (g_strcmp0 (item->kind, "conflict") != 0 || g_strcmp0 (keep, "mine") == 0)
    return pd_library_resolve_inbox_item (library, item_id, keep, error);

  if (item->resolved_at != 0)
    return pd_library_resolve_inbox_item (library, item_id, keep, error);
  version = pd_library_get_version (library, item->version_id, error);
  if (version == NULL)
    return FALSE;
  state = pd_library_get_sync_state (library, item->document_id, error);
  if (state == NULL)
    return FALSE;

  if (g_strcmp0 (keep, "theirs") == 0)
    {
      /* Theirs becomes the document's PDF as a new revision; the next pass sends it back. */
      g_autofree char *name = g_strdup_printf ("%s-restored-%" G_GINT64_FORMAT ".pdf",
                                               state->uuid, version->id);
      g_autofree char *path = g_build_filename (pd_library_get_documents_dir (library), name,
                                                NULL);
      g_autoptr(GFile) src = g_file_new_for_path (version->path);
      g_autoptr(GFile) dst = g_file_new_for_path (path);

      if (!g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, cancellable, NULL, NULL, error))
        return FALSE;
      if (!pd_library_replace_document_pdf (library, item->document_id, path,
                                            "conflict: their version restored", error))
        return FALSE;
    }
  else
    {
      /* Both: theirs goes back up under the next free name beside ours. */
      g_autoptr(PushedContext) pushed = pushed_context_new ();
      g_autoptr(PdConnector) connector = NULL;
      gboolean done = FALSE;

      connector = connector_for_destination (library, state->destination, NULL, cancellable,
                                             error);
      if (connector == NULL)
        return FALSE;
      for (guint n = 2; n < MAX_NAME_TRIES && !done; n++)
        {
          g_autofree char *path = pd_account_numbered_path (state->remote_path, n);
          g_autoptr(GError) local_error = NULL;

          if (do_upload (connector, version->path, path, NULL, NULL, cancellable, NULL,
                         &local_error))
            {
              g_autofree char *detail = g_strdup_printf ("their version kept as %s", path);

              pd_library_journal_add (library, item->document_id, "conflict: both kept",
                                      detail, NULL);
              done = TRUE;
            }
          else if (!g_error_matches (local_error, PD_SYNC_ERROR, PD_SYNC_ERROR_ALREADY_EXISTS))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
        }
    }
  return pd_library_resolve_inbox_item (library, item_id, keep, error);
}

gboolean
pd_sync_test_account (PdLibrary     *library,
                      const char    *account_name,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(PushedContext) pushed = NULL;
  g_autoptr(PdAccount) account = NULL;
  g_autoptr(PdConnector) connector = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (library), FALSE);

  account = pd_library_get_account (library, account_name, error);
  if (account == NULL)
    return FALSE;
  pushed = pushed_context_new ();
  connector = pd_account_create_connector (account, cancellable, error);
  if (connector == NULL)
    return FALSE;
  return do_test (connector, cancellable, error);
}
