/* pd-sync-status.c: sync status for the UI (see pd-sync-status.h). The counts come from the
 * library on a worker thread whenever the library reports a committed change or the engine
 * starts or ends a pass; bursts are coalesced (one count in flight, one more queued). */
#define G_LOG_DOMAIN "pd-app"

#include "config.h"

#include "pd-app-job.h"
#include "pd-library-sync.h"
#include "pd-sync-status.h"

#define DEFAULT_MAX_ATTEMPTS 10

struct _PdSyncStatus
{
  GObject       parent_instance;

  /* Owned */
  PdLibrary    *library;
  PdSyncEngine *engine;        /* nullable: a library shown without syncing */
  GCancellable *cancellable;

  guint         pending;
  guint         inbox_count;
  guint         percent;
  guint         syncing : 1;
  guint         ready : 1;          /* counted at least once */
  guint         counting : 1;
  guint         count_again : 1;
};

G_DEFINE_FINAL_TYPE (PdSyncStatus, pd_sync_status, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PENDING,
  PROP_INBOX_COUNT,
  PROP_SYNCING,
  PROP_PERCENT,
  PROP_READY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  DRAINED,
  ATTENTION,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct {
  guint max_attempts;
  guint pending;
  guint inbox_count;
} Counts;

static gboolean
count_job (PdLibrary       *library,
           gpointer         data,
           gpointer        *result,
           GDestroyNotify  *result_free,
           GCancellable    *cancellable,
           GError         **error)
{
  Counts *counts = data;
  g_autoptr(GPtrArray) inbox = NULL;
  g_autoptr(GError) local_error = NULL;
  Counts *out;

  inbox = pd_library_list_inbox (library, FALSE, error);
  if (inbox == NULL)
    return FALSE;
  out = g_new0 (Counts, 1);
  out->inbox_count = inbox->len;
  out->pending = pd_library_count_sync_pending (library, counts->max_attempts, &local_error);
  if (local_error != NULL)
    {
      g_free (out);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  *result = out;
  *result_free = g_free;
  return TRUE;
}

static void pd_sync_status_count (PdSyncStatus *self);

static void
count_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(PdSyncStatus) self = user_data;
  g_autofree Counts *counts = NULL;
  g_autoptr(GError) error = NULL;
  guint old_pending;
  guint old_inbox;

  self->counting = FALSE;
  if (!pd_app_job_finish (result, (gpointer *) &counts, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not count what is left to sync: %s", error->message);
      return;
    }

  old_pending = self->pending;
  old_inbox = self->inbox_count;
  self->pending = counts->pending;
  self->inbox_count = counts->inbox_count;

  g_object_freeze_notify (G_OBJECT (self));
  if (!self->ready)
    {
      self->ready = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
    }
  if (old_pending != self->pending)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);
  if (old_inbox != self->inbox_count)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INBOX_COUNT]);
  g_object_thaw_notify (G_OBJECT (self));

  if (old_pending > 0 && self->pending == 0)
    g_signal_emit (self, signals[DRAINED], 0);
  if (self->inbox_count > old_inbox)
    g_signal_emit (self, signals[ATTENTION], 0, self->inbox_count);

  if (self->count_again)
    pd_sync_status_count (self);
}

static void
pd_sync_status_count (PdSyncStatus *self)
{
  Counts *counts;

  if (self->counting)
    {
      self->count_again = TRUE;
      return;
    }
  self->counting = TRUE;
  self->count_again = FALSE;

  counts = g_new0 (Counts, 1);
  counts->max_attempts = DEFAULT_MAX_ATTEMPTS;
  if (self->engine != NULL)
    g_object_get (self->engine, "max-attempts", &counts->max_attempts, NULL);
  pd_app_job_run (self->library, count_job, counts, g_free, self->cancellable, count_cb,
                  g_object_ref (self));
}

static void
pd_sync_status_update_engine (PdSyncStatus *self)
{
  gboolean running = FALSE;
  guint64 bytes_total = 0;
  guint64 bytes_done = 0;
  guint percent = 0;

  if (self->engine != NULL)
    g_object_get (self->engine,
                  "running", &running,
                  "bytes-total", &bytes_total,
                  "bytes-done", &bytes_done,
                  NULL);
  if (bytes_total > 0)
    percent = (guint) MIN (100, bytes_done * 100 / bytes_total);

  g_object_freeze_notify (G_OBJECT (self));
  if (self->syncing != running)
    {
      self->syncing = running;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNCING]);
    }
  if (self->percent != percent)
    {
      self->percent = percent;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PERCENT]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
engine_changed_cb (PdSyncStatus *self)
{
  pd_sync_status_update_engine (self);
  pd_sync_status_count (self);
}

static void
document_changed_cb (PdSyncStatus *self)
{
  pd_sync_status_count (self);
}

static void
pd_sync_status_dispose (GObject *object)
{
  PdSyncStatus *self = (PdSyncStatus *)object;

  g_cancellable_cancel (self->cancellable);
  if (self->library != NULL)
    g_signal_handlers_disconnect_by_data (self->library, self);
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->engine);
  g_clear_object (&self->library);

  G_OBJECT_CLASS (pd_sync_status_parent_class)->dispose (object);
}

static void
pd_sync_status_finalize (GObject *object)
{
  PdSyncStatus *self = (PdSyncStatus *)object;

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (pd_sync_status_parent_class)->finalize (object);
}

static void
pd_sync_status_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  PdSyncStatus *self = PD_SYNC_STATUS (object);

  switch (prop_id)
    {
    case PROP_PENDING:
      g_value_set_uint (value, self->pending);
      break;

    case PROP_INBOX_COUNT:
      g_value_set_uint (value, self->inbox_count);
      break;

    case PROP_SYNCING:
      g_value_set_boolean (value, self->syncing);
      break;

    case PROP_PERCENT:
      g_value_set_uint (value, self->percent);
      break;

    case PROP_READY:
      g_value_set_boolean (value, self->ready);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_sync_status_class_init (PdSyncStatusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = pd_sync_status_dispose;
  object_class->finalize = pd_sync_status_finalize;
  object_class->get_property = pd_sync_status_get_property;

  properties[PROP_PENDING] =
    g_param_spec_uint ("pending", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_INBOX_COUNT] =
    g_param_spec_uint ("inbox-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_SYNCING] =
    g_param_spec_boolean ("syncing", NULL, NULL, FALSE, flags);
  properties[PROP_PERCENT] =
    g_param_spec_uint ("percent", NULL, NULL, 0, 100, 0, flags);
  properties[PROP_READY] =
    g_param_spec_boolean ("ready", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PdSyncStatus::drained:
   *
   * Every document that had somewhere to go got there (the pending count fell to 0).
   */
  signals[DRAINED] =
    g_signal_new ("drained", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * PdSyncStatus::attention:
   * @count: the number of open inbox items
   *
   * A new inbox item needs a person.
   */
  signals[ATTENTION] =
    g_signal_new ("attention", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
pd_sync_status_init (PdSyncStatus *self)
{
  self->cancellable = g_cancellable_new ();
}

/**
 * pd_sync_status_new:
 * @engine: (nullable): the engine sending the library's documents, if any
 *
 * Returns: (transfer full): a status that starts counting at once
 */
PdSyncStatus *
pd_sync_status_new (PdLibrary    *library,
                    PdSyncEngine *engine)
{
  PdSyncStatus *self;

  g_return_val_if_fail (PD_IS_LIBRARY (library), NULL);
  g_return_val_if_fail (engine == NULL || PD_IS_SYNC_ENGINE (engine), NULL);

  self = g_object_new (PD_TYPE_SYNC_STATUS, NULL);
  self->library = g_object_ref (library);
  g_signal_connect_object (library, "document-changed",
                           G_CALLBACK (document_changed_cb), self, G_CONNECT_SWAPPED);
  if (engine != NULL)
    {
      self->engine = g_object_ref (engine);
      g_signal_connect_object (engine, "notify::running",
                               G_CALLBACK (engine_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "notify::bytes-done",
                               G_CALLBACK (pd_sync_status_update_engine), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (engine, "pass-finished",
                               G_CALLBACK (engine_changed_cb), self, G_CONNECT_SWAPPED);
      pd_sync_status_update_engine (self);
    }
  pd_sync_status_count (self);
  return self;
}

PdLibrary *
pd_sync_status_get_library (PdSyncStatus *self)
{
  g_return_val_if_fail (PD_IS_SYNC_STATUS (self), NULL);
  return self->library;
}

/**
 * pd_sync_status_get_engine:
 *
 * Returns: (transfer none) (nullable): the engine, if the library is being synced
 */
PdSyncEngine *
pd_sync_status_get_engine (PdSyncStatus *self)
{
  g_return_val_if_fail (PD_IS_SYNC_STATUS (self), NULL);
  return self->engine;
}

guint
pd_sync_status_get_pending (PdSyncStatus *self)
{
  g_return_val_if_fail (PD_IS_SYNC_STATUS (self), 0);
  return self->pending;
}

guint
pd_sync_status_get_inbox_count (PdSyncStatus *self)
{
  g_return_val_if_fail (PD_IS_SYNC_STATUS (self), 0);
  return self->inbox_count;
}

gboolean
pd_sync_status_get_syncing (PdSyncStatus *self)
{
  g_return_val_if_fail (PD_IS_SYNC_STATUS (self), FALSE);
  return self->syncing;
}

guint
pd_sync_status_get_percent (PdSyncStatus *self)
{
  g_return_val_if_fail (PD_IS_SYNC_STATUS (self), 0);
  return self->percent;
}

gboolean
pd_sync_status_get_ready (PdSyncStatus *self)
{
  g_return_val_if_fail (PD_IS_SYNC_STATUS (self), FALSE);
  return self->ready;
}

/**
 * pd_sync_status_refresh:
 *
 * Counts again, e.g. after an inbox item was resolved (which changes no document when it was
 * an account's sign-in item).
 */
void
pd_sync_status_refresh (PdSyncStatus *self)
{
  g_return_if_fail (PD_IS_SYNC_STATUS (self));
  pd_sync_status_count (self);
}
