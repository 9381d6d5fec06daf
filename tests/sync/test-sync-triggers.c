/* test-sync-triggers.c: what starts a sync pass when nobody calls it: a document becoming ready,
 * the network coming back, the end of a stored wait, the periodic timer, "sync now", and pause
 * and resume. A folder account stands for the destination; a missing folder is a destination
 * that cannot be reached. The network monitor is a test double the test switches on and off:
 * the engine treats it as a hint, exactly as GNetworkMonitor is meant to be used. */
#include <string.h>

#include <glib/gstdio.h>

#include "pd-library-sync.h"
#include "pd-sync-engine.h"
#include "pd-test-sync.h"

/* A network monitor whose state the test sets. */

#define TEST_TYPE_MONITOR (test_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TestMonitor, test_monitor, TEST, MONITOR, GObject)

struct _TestMonitor
{
  GObject  parent_instance;
  gboolean available;
};

enum { PROP_0, PROP_AVAILABLE, PROP_METERED, PROP_CONNECTIVITY };

static void test_monitor_iface_init (GNetworkMonitorInterface *iface);
static void test_monitor_initable_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestMonitor, test_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, test_monitor_initable_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR, test_monitor_iface_init))

static gboolean
test_monitor_can_reach (GNetworkMonitor     *monitor,
                        GSocketConnectable  *connectable,
                        GCancellable        *cancellable,
                        GError             **error)
{
  return TEST_MONITOR (monitor)->available;
}

static void
test_monitor_iface_init (GNetworkMonitorInterface *iface)
{
  iface->can_reach = test_monitor_can_reach;
}

static gboolean
test_monitor_initable (GInitable     *initable,
                       GCancellable  *cancellable,
                       GError       **error)
{
  return TRUE;
}

static void
test_monitor_initable_init (GInitableIface *iface)
{
  iface->init = test_monitor_initable;
}

static void
test_monitor_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TestMonitor *self = TEST_MONITOR (object);

  switch (prop_id)
    {
    case PROP_AVAILABLE: g_value_set_boolean (value, self->available); break;
    case PROP_METERED: g_value_set_boolean (value, FALSE); break;
    case PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL
                                               : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_monitor_class_init (TestMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_monitor_get_property;
  g_object_class_override_property (object_class, PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, PROP_CONNECTIVITY, "connectivity");
}

static void
test_monitor_init (TestMonitor *self)
{
  self->available = TRUE;
}

static void
test_monitor_set_available (TestMonitor *self,
                            gboolean     available)
{
  self->available = available;
  g_object_notify (G_OBJECT (self), "network-available");
  g_signal_emit_by_name (self, "network-changed", available);
}

/* The fixture */

typedef struct {
  char         *dir;
  char         *remote;
  PdLibrary    *library;
  TestMonitor  *monitor;
  PdSyncEngine *engine;
  guint         passes;
  PdSyncSummary last;
} Fixture;

static void
pass_finished_cb (PdSyncEngine        *engine,
                  const PdSyncSummary *summary,
                  Fixture             *f)
{
  f->passes++;
  f->last = *summary;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint period = GPOINTER_TO_UINT (data);

  f->dir = g_build_filename (g_get_user_data_dir (), "lib", NULL);
  f->remote = g_build_filename (g_get_user_data_dir (), "share", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->remote, 0700), ==, 0);
  f->library = pd_library_open (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pd_library_add_account (f->library, "Share", "folder", f->remote, NULL,
                                           &error), >, 0);
  f->monitor = g_object_new (TEST_TYPE_MONITOR, NULL);
  f->engine = g_object_new (PD_TYPE_SYNC_ENGINE, "library", f->library,
                            "network-monitor", f->monitor, "period-seconds", period, NULL);
  g_signal_connect (f->engine, "pass-finished", G_CALLBACK (pass_finished_cb), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  /* A pass still running holds the engine and reports after this fixture is gone. */
  g_signal_handlers_disconnect_by_data (f->engine, f);
  g_clear_object (&f->engine);
  /* let a pass that was running end and release what it holds */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->monitor);
  g_clear_object (&f->library);
  g_free (f->dir);
  g_free (f->remote);
}

static gint64
make_ready (Fixture    *f,
            const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autofree char *file = g_strdup_printf ("%s.pdf", name);
  g_autofree char *tmp = pd_test_make_file (file, 20000);
  g_autofree char *pdf = g_build_filename (pd_library_get_documents_dir (f->library), file, NULL);

  g_assert_cmpint (g_rename (tmp, pdf), ==, 0);
  document = pd_library_create_document (f->library, name, NULL, PD_SCAN_MODE_TEXT, "eng", &error);
  g_assert_no_error (error);
  g_assert_true (pd_library_transition (f->library, document->id, PD_DOC_STATE_CAPTURING,
                                        PD_DOC_STATE_PROCESSING, "processing", NULL, &error));
  g_assert_true (pd_library_set_document_destination (f->library, document->id, "Share:In",
                                                      &error));
  g_assert_true (pd_library_set_document_ready (f->library, document->id, pdf, &error));
  g_assert_no_error (error);
  return document->id;
}

static gboolean
is_synced (Fixture *f,
           gint64   id)
{
  g_autoptr(PdSyncState) state = pd_library_get_sync_state (f->library, id, NULL);

  return state != NULL && state->synced_revision == state->revision;
}

/* Iterates the main context until @id is synced or @seconds have passed. */
static gboolean
wait_synced (Fixture *f,
             gint64   id,
             double   seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < end)
    {
      if (is_synced (f, id))
        return TRUE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  return is_synced (f, id);
}

static void
spin (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
}

static void
test_document_ready (Fixture       *f,
                     gconstpointer  data)
{
  gint64 id;

  pd_sync_engine_start (f->engine);
  spin (0.3);
  id = make_ready (f, "Ready");
  /* the trigger is debounced by 1.5 s: a batch of documents becomes one pass */
  g_assert_true (wait_synced (f, id, 6));
  g_assert_cmpuint (pd_test_count_matching (f->remote, ".pdf"), ==, 1);
}

/* A document made ready while a pass runs (that pass listed its work before) gets the next pass
 * as soon as that one ends, not when some other trigger comes: there is no periodic timer here. */
#define N_BEFORE 40

typedef struct {
  Fixture *f;
  gint64   id;
} DuringPass;

static gboolean
make_ready_during_cb (gpointer data)
{
  DuringPass *during = data;

  during->id = make_ready (during->f, "During");
  return G_SOURCE_REMOVE;
}

static void
running_cb (PdSyncEngine *engine,
            GParamSpec   *pspec,
            DuringPass   *during)
{
  gboolean running = FALSE;

  g_object_get (engine, "running", &running, NULL);
  /* Forty uploads, each written and fsync'd, then recorded: far longer than 20 ms. */
  if (running && during->id == 0)
    g_timeout_add (20, make_ready_during_cb, during);
}

static void
test_ready_during_pass (Fixture       *f,
                        gconstpointer  data)
{
  DuringPass during = { f, 0 };
  gint64 before[N_BEFORE];

  for (guint i = 0; i < N_BEFORE; i++)
    {
      g_autofree char *name = g_strdup_printf ("Before %02u", i);

      before[i] = make_ready (f, name);
    }
  g_signal_connect (f->engine, "notify::running", G_CALLBACK (running_cb), &during);
  pd_sync_engine_start (f->engine);
  for (guint i = 0; i < N_BEFORE; i++)
    g_assert_true (wait_synced (f, before[i], 10));
  /* (Whether the pass was still running when "During" became ready depends on the disk; the
   * outcome must not.) */
  g_assert_cmpint (during.id, >, 0);
  g_assert_true (wait_synced (f, during.id, 6));
  g_assert_cmpuint (pd_test_count_matching (f->remote, ".pdf"), ==, N_BEFORE + 1);
  g_signal_handlers_disconnect_by_func (f->engine, running_cb, &during);
}

static void
test_pause_resume (Fixture       *f,
                   gconstpointer  data)
{
  gint64 id;

  pd_sync_engine_start (f->engine);
  spin (0.3);
  pd_sync_engine_pause (f->engine);
  g_assert_true (pd_sync_engine_get_paused (f->engine));
  id = make_ready (f, "Paused");
  spin (2.5);
  g_assert_false (is_synced (f, id));
  g_assert_cmpuint (pd_test_count_matching (f->remote, ".pdf"), ==, 0);

  pd_sync_engine_resume (f->engine);
  g_assert_true (wait_synced (f, id, 6));
}

static void
test_network_returns (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(PdSyncState) state = NULL;
  guint passes;
  gint64 id;

  /* offline: the share is not mounted and the monitor says so */
  g_assert_cmpint (g_rmdir (f->remote), ==, 0);
  test_monitor_set_available (f->monitor, FALSE);
  id = make_ready (f, "Offline");
  pd_sync_engine_start (f->engine);
  while (f->passes == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (f->last.retry_later, ==, 1);
  state = pd_library_get_sync_state (f->library, id, NULL);
  /* a try while offline does not count toward giving up */
  g_assert_cmpuint (state->sync_attempts, ==, 0);
  g_assert_nonnull (state->last_sync_error);

  /* no busy loop while offline: nothing runs until the network comes back */
  passes = f->passes;
  spin (2.0);
  g_assert_cmpuint (f->passes, ==, passes);
  g_assert_false (is_synced (f, id));

  g_assert_cmpint (g_mkdir_with_parents (f->remote, 0700), ==, 0);
  test_monitor_set_available (f->monitor, TRUE);
  g_assert_true (wait_synced (f, id, 6));
  g_assert_cmpuint (pd_test_count_matching (f->remote, ".pdf"), ==, 1);
}

/* A stored wait (a server's Retry-After, a backoff) wakes the engine when it ends, without a
 * timer that polls: the pass before it tells when. */
static void
test_stored_wait_wakes (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  PdSyncRecord rec = { 0 };
  gint64 id, started;

  id = make_ready (f, "Throttled");
  rec.document_id = id;
  rec.outcome = PD_SYNC_OUTCOME_RETRY;
  rec.next_attempt_at = g_get_real_time () + 2 * G_USEC_PER_SEC;
  rec.reset_attempts = TRUE;
  rec.message = "The server asked to wait 2 seconds.";
  g_assert_true (pd_library_record_sync (f->library, &rec, &error));
  g_assert_no_error (error);

  started = g_get_monotonic_time ();
  pd_sync_engine_start (f->engine);
  while (f->passes == 0)
    g_main_context_iteration (NULL, TRUE);
  /* the first pass found nothing due, and knows when something will be */
  g_assert_cmpuint (f->last.accepted, ==, 0);
  g_assert_cmpint (f->last.next_attempt_at, ==, rec.next_attempt_at);
  g_assert_true (wait_synced (f, id, 6));
  /* not before the wait was over */
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 19 * G_USEC_PER_SEC / 10);
}

static void
test_sync_now_clears_wait (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  PdSyncRecord rec = { 0 };
  gint64 id;

  id = make_ready (f, "Waiting");
  rec.document_id = id;
  rec.outcome = PD_SYNC_OUTCOME_RETRY;
  rec.next_attempt_at = g_get_real_time () + (gint64) 3600 * G_USEC_PER_SEC;
  rec.message = "Backing off for an hour.";
  g_assert_true (pd_library_record_sync (f->library, &rec, &error));

  pd_sync_engine_start (f->engine);
  spin (1.0);
  g_assert_false (is_synced (f, id));
  pd_sync_engine_sync_now (f->engine);
  g_assert_true (wait_synced (f, id, 4));
}

static void
test_periodic (Fixture       *f,
               gconstpointer  data)
{
  /* period 1 s: with nothing else happening, the timer alone starts passes */
  pd_sync_engine_start (f->engine);
  spin (3.3);
  g_assert_cmpuint (f->passes, >=, 3);
  g_assert_cmpuint (f->passes, <=, 5);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, period, fn) \
  g_test_add (path, Fixture, GUINT_TO_POINTER (period), fixture_set_up, fn, fixture_tear_down)
  ADD ("/sync/triggers/document-ready", 0, test_document_ready);
  ADD ("/sync/triggers/ready-during-pass", 0, test_ready_during_pass);
  ADD ("/sync/triggers/pause-resume", 0, test_pause_resume);
  ADD ("/sync/triggers/network-returns", 0, test_network_returns);
  ADD ("/sync/triggers/stored-wait-wakes", 0, test_stored_wait_wakes);
  ADD ("/sync/triggers/sync-now-clears-wait", 0, test_sync_now_clears_wait);
  ADD ("/sync/triggers/periodic", 1, test_periodic);
#undef ADD

  return g_test_run ();
}
