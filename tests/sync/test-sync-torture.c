/* test-sync-torture.c: the sync engine against the real Apache WebDAV fixture through a proxy
 * that breaks requests (pd-fault-proxy.c): connections cut mid-body, answers lost after the
 * server stored the file, stalls, 500, 503 and 429 with Retry-After, 507; and a syncing
 * process killed with SIGKILL at random moments. What a user checks at the end: every document
 * is on the server exactly once, under its own name, with the same bytes; nothing half-written
 * is left on the server or in the library; the database is sound; and the sync log accounts
 * for every attempt. Runs inside a private gnome-keyring (see run-with-keyring.sh).
 *
 * The killed process is this program itself, started with --torture-child LIBRARY-DIR. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "pd-fault-proxy.h"
#include "pd-library-sync.h"
#include "pd-secret.h"
#include "pd-sync-engine.h"
#include "pd-test-sync.h"
#include "pd-test-webdav.h"

#define N_DOCUMENTS  100
#define FAULT_RATE   0.3
#define MAX_PASSES   80
#define MIN_KILLS    50

static PdTestWebdav *webdav;

static GLogWriterOutput
quiet_log_writer (GLogLevelFlags   level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  /* Debug output would go to stdout and break the TAP stream. */
  if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
pass_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static gboolean
run_pass (PdSyncEngine  *engine,
          PdSyncSummary *summary,
          GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pd_sync_engine_run_pass_async (engine, NULL, pass_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return pd_sync_engine_run_pass_finish (engine, result, summary, error);
}

/* What a person does between passes: "Sync now", and "try again" on every item the faults put
 * in the inbox (a 507 is a full disk to the engine; here it is gone a moment later). */
static guint
retry_everything (PdLibrary *library)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;
  guint resolved = 0;

  if (!pd_library_clear_sync_backoff (library, &error))
    g_error ("clearing the backoff failed: %s", error->message);
  items = pd_library_list_inbox (library, FALSE, &error);
  if (items == NULL)
    g_error ("listing the inbox failed: %s", error->message);
  for (guint i = 0; i < items->len; i++)
    {
      const PdInboxItem *item = items->pdata[i];

      if (g_strcmp0 (item->kind, "rejected") != 0 && g_strcmp0 (item->kind, "gave_up") != 0)
        continue;
      if (!pd_library_resolve_inbox_item (library, item->id, "retry", &error))
        g_error ("resolving an inbox item failed: %s", error->message);
      resolved++;
    }
  return resolved;
}

/* The process that gets killed: passes until nothing is pending. */
static int
child_main (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdLibrary) library = NULL;
  g_autoptr(PdSyncEngine) engine = NULL;

  g_log_set_writer_func (quiet_log_writer, NULL, NULL);
  library = pd_library_open (dir, &error);
  if (library == NULL)
    {
      g_printerr ("torture child: %s\n", error->message);
      return 2;
    }
  engine = pd_sync_engine_new (library);
  /* One upload at a time: the 100 documents then last for well over 50 kills. */
  g_object_set (engine, "max-attempts", 1000, "max-per-account", 1, NULL);
  for (guint pass = 0; pass < MAX_PASSES * 4; pass++)
    {
      PdSyncSummary summary;

      /* Resolved first: a document waiting in the inbox does not count as pending. */
      retry_everything (library);
      if (pd_library_count_sync_pending (library, 1000, NULL) == 0)
        break;
      if (!run_pass (engine, &summary, &error))
        {
          g_printerr ("torture child: %s\n", error->message);
          return 2;
        }
    }
  g_clear_object (&engine);
  g_clear_object (&library);
  secret_service_disconnect ();
  return 0;
}

typedef struct {
  char          *dir;
  char          *folder;        /* remote folder of this test */
  PdLibrary     *library;
  PdSyncEngine  *engine;
  PdFaultProxy  *proxy;
  gint64         ids[N_DOCUMENTS];
  char          *sha256[N_DOCUMENTS];
} Fixture;

static guint16
webdav_port (void)
{
  g_autoptr(GUri) uri = g_uri_parse (pd_test_webdav_get_uri (webdav), G_URI_FLAGS_NONE, NULL);

  g_assert_nonnull (uri);
  return (guint16) g_uri_get_port (uri);
}

static char *
sha256_of (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char *folder = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GRand) sizes = g_rand_new_with_seed (4242);
  gint64 account;

  f->folder = g_strdup (folder);
  f->dir = g_build_filename (g_get_user_data_dir (), folder, NULL);
  f->library = pd_library_open (f->dir, &error);
  g_assert_no_error (error);
  f->engine = pd_sync_engine_new (f->library);
  /* The faults must not make the engine give up for good: the test is about what happens
   * while it keeps trying. */
  g_object_set (f->engine, "max-attempts", 1000, NULL);

  f->proxy = pd_fault_proxy_new (webdav_port (), g_str_hash (folder));
  uri = g_strdup_printf ("http://127.0.0.1:%u/dav/", pd_fault_proxy_get_port (f->proxy));
  account = pd_library_add_account (f->library, "Cloud", "webdav", uri, PD_TEST_WEBDAV_USER,
                                    &error);
  g_assert_no_error (error);
  g_assert_true (pd_secret_store (account, "webdav", "Cloud", PD_TEST_WEBDAV_PASSWORD, NULL,
                                  &error));
  g_assert_no_error (error);

  for (guint i = 0; i < N_DOCUMENTS; i++)
    {
      g_autoptr(PdDocument) document = NULL;
      g_autofree char *name = g_strdup_printf ("Doc %03u", i);
      g_autofree char *file = g_strdup_printf ("%s-%s.pdf", folder, name);
      g_autofree char *tmp = pd_test_make_file (file, (gsize) g_rand_int_range (sizes, 2000,
                                                                                 40000));
      g_autofree char *pdf = g_build_filename (pd_library_get_documents_dir (f->library), file,
                                               NULL);
      g_autofree char *destination = g_strdup_printf ("Cloud:%s", folder);

      g_assert_cmpint (g_rename (tmp, pdf), ==, 0);
      f->sha256[i] = sha256_of (pdf);
      document = pd_library_create_document (f->library, name, NULL, PD_SCAN_MODE_TEXT, "eng",
                                             &error);
      g_assert_no_error (error);
      g_assert_true (pd_library_transition (f->library, document->id, PD_DOC_STATE_CAPTURING,
                                            PD_DOC_STATE_PROCESSING, "processing", NULL, &error));
      g_assert_true (pd_library_set_document_ready (f->library, document->id, pdf, &error));
      g_assert_true (pd_library_set_document_destination (f->library, document->id, destination,
                                                          &error));
      g_assert_no_error (error);
      f->ids[i] = document->id;
    }
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->engine);
  g_clear_object (&f->library);
  g_clear_pointer (&f->proxy, pd_fault_proxy_free);
  for (guint i = 0; i < N_DOCUMENTS; i++)
    g_free (f->sha256[i]);
  g_free (f->folder);
  g_free (f->dir);
}

/* Names of files and folders under @dir that look half-written: mod_dav_fs's temporary files,
 * Paperdock's ".part-" files, the engine's ".pd-compare" copies and the folder
 * connector's ".pd-upload-" files. */
static void
collect_leftovers (const char *dir,
                   GPtrArray  *found)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (strstr (name, ".davfs.tmp") != NULL || strstr (name, ".part-") != NULL ||
          strstr (name, ".pd-upload-") != NULL || g_str_has_suffix (name, ".pd-compare") ||
          g_str_has_suffix (name, ".tmp") || g_str_has_suffix (name, "~"))
        g_ptr_array_add (found, g_steal_pointer (&path));
      else if (g_file_test (path, G_FILE_TEST_IS_DIR))
        collect_leftovers (path, found);
    }
}

/* A file of a request the server is still finishing (its client was killed, or the proxy cut
 * it a moment ago) is not a leftover: one that is still there seconds later is. */
static void
assert_no_leftovers (const char *dir)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  collect_leftovers (dir, found);
  while (found->len > 0 && g_get_monotonic_time () < deadline)
    {
      g_usleep (100 * 1000);
      g_ptr_array_set_size (found, 0);
      collect_leftovers (dir, found);
    }
  for (guint i = 0; i < found->len; i++)
    g_test_message ("left behind: %s", (const char *) found->pdata[i]);
  g_assert_cmpuint (found->len, ==, 0);
}

/* What the user checks, whatever happened on the way. */
static void
assert_all_there_once (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *remote_dir = g_build_filename (pd_test_webdav_get_root (webdav), f->folder,
                                                  NULL);
  g_autoptr(GDir) d = NULL;
  g_autoptr(GHashTable) expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) log = NULL;
  g_autofree char *report = NULL;
  const char *name;
  guint files = 0;

  /* A killed child's request can still be in the proxy, delayed, and reach the server after
   * the final pass: what is checked is what stays once nothing is on the way. */
  g_assert_true (pd_fault_proxy_wait_idle (f->proxy, 10 * 1000));
  g_assert_cmpuint (pd_library_count_sync_pending (f->library, 1000, NULL), ==, 0);

  for (guint i = 0; i < N_DOCUMENTS; i++)
    {
      g_autoptr(PdSyncState) state = pd_library_get_sync_state (f->library, f->ids[i], &error);
      g_autofree char *remote_name = g_strdup_printf ("Doc %03u.pdf", i);
      g_autofree char *on_server = g_build_filename (remote_dir, remote_name, NULL);
      g_autofree char *theirs = sha256_of (on_server);
      g_autofree char *expected_path = g_strdup_printf ("%s/%s", f->folder, remote_name);

      g_assert_no_error (error);
      if (state->synced_revision != state->revision)
        {
          g_autoptr(GPtrArray) items = pd_library_list_inbox (f->library, TRUE, NULL);

          g_test_message ("%s not synced: %s", remote_name, state->last_sync_error);
          for (guint k = 0; k < items->len; k++)
            g_test_message ("inbox: %s %s %s", ((PdInboxItem *) items->pdata[k])->kind,
                            ((PdInboxItem *) items->pdata[k])->message,
                            ((PdInboxItem *) items->pdata[k])->resolution);
        }
      g_assert_cmpstr (state->remote_path, ==, expected_path);
      g_assert_cmpint (state->synced_revision, ==, state->revision);
      if (theirs == NULL)
        g_test_message ("missing on the server: %s", on_server);
      g_assert_cmpstr (theirs, ==, f->sha256[i]);
      g_hash_table_add (expected, g_steal_pointer (&remote_name));
    }

  /* exactly once: nothing else in the folder, no "Doc 007 (2).pdf" */
  d = g_dir_open (remote_dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (remote_dir, name, NULL);

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      if (!g_hash_table_contains (expected, name))
        g_test_message ("unexpected on the server: %s", name);
      g_assert_true (g_hash_table_contains (expected, name));
      files++;
    }
  g_assert_cmpuint (files, ==, N_DOCUMENTS);

  assert_no_leftovers (pd_test_webdav_get_root (webdav));
  assert_no_leftovers (f->dir);

  g_assert_true (pd_library_check_integrity (f->library, &report, &error));
  g_assert_no_error (error);

  /* every document accepted exactly once, never as a conflict (a second name) */
  log = pd_library_list_sync_log (f->library, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < N_DOCUMENTS; i++)
    {
      guint accepted = 0;

      for (guint l = 0; l < log->len; l++)
        {
          const PdSyncLogEntry *entry = log->pdata[l];

          if (entry->document_id != f->ids[i])
            continue;
          g_assert_cmpstr (entry->outcome, !=, "conflict");
          if (g_strcmp0 (entry->outcome, "accepted") == 0)
            accepted++;
        }
      g_assert_cmpuint (accepted, ==, 1);
    }
  g_assert_cmpuint (g_hash_table_size (expected), ==, N_DOCUMENTS);
}

static guint
count_log (GPtrArray  *log,
           const char *outcome,
           guint       http_status)
{
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    {
      const PdSyncLogEntry *entry = log->pdata[i];

      if ((outcome == NULL || g_strcmp0 (entry->outcome, outcome) == 0) &&
          entry->http_status == http_status)
        n++;
    }
  return n;
}

static void
dump_proxy_log (Fixture *f)
{
  g_autofree char *text = pd_fault_proxy_dup_log (f->proxy);
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "proxy.log", NULL);

  g_file_set_contents (path, text, -1, NULL);
  if (g_getenv ("PD_TORTURE_LOG") != NULL)
    g_file_set_contents (g_getenv ("PD_TORTURE_LOG"), text, -1, NULL);
}

static void
test_faults (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) log = NULL;
  PdSyncSummary total = { 0 };
  guint passes = 0;
  guint transport;

  pd_fault_proxy_set_stall_ms (f->proxy, 1500);
  pd_fault_proxy_set_fault_rate (f->proxy, FAULT_RATE, NULL);
  while (retry_everything (f->library) > 0 ||
         pd_library_count_sync_pending (f->library, 1000, NULL) > 0)
    {
      PdSyncSummary summary = { 0 };

      g_assert_cmpuint (++passes, <=, MAX_PASSES);
      g_assert_true (run_pass (f->engine, &summary, &error));
      g_assert_no_error (error);
      total.accepted += summary.accepted;
      total.conflicts += summary.conflicts;
      total.rejected += summary.rejected;
      total.retry_later += summary.retry_later;
    }
  pd_fault_proxy_set_fault_rate (f->proxy, 0, NULL);
  dump_proxy_log (f);
  g_test_message ("%u passes, %u requests; accepted %u, conflicts %u, rejected %u, retry %u",
                  passes, pd_fault_proxy_count_requests (f->proxy), total.accepted,
                  total.conflicts, total.rejected, total.retry_later);
  for (PdFault fault = PD_FAULT_NONE; fault < PD_N_FAULTS; fault++)
    g_test_message ("  %s: %u", pd_fault_to_string (fault), pd_fault_proxy_count (f->proxy,
                                                                                     fault));

  /* the plan really did hurt: every kind of fault happened */
  for (PdFault fault = PD_FAULT_NONE + 1; fault < PD_N_FAULTS; fault++)
    g_assert_cmpuint (pd_fault_proxy_count (f->proxy, fault), >, 0);
  if (total.conflicts > 0 || total.accepted != N_DOCUMENTS)
    {
      g_autoptr(GPtrArray) items = pd_library_list_inbox (f->library, FALSE, NULL);

      for (guint k = 0; k < items->len; k++)
        g_test_message ("open in the inbox: %s %s", ((PdInboxItem *) items->pdata[k])->kind,
                        ((PdInboxItem *) items->pdata[k])->message);
      for (guint i = 0; i < N_DOCUMENTS; i++)
        {
          g_autoptr(PdSyncState) state = pd_library_get_sync_state (f->library, f->ids[i], NULL);

          if (state->synced_revision != state->revision)
            g_test_message ("not synced: %s (%s)", state->name, state->last_sync_error);
        }
    }
  g_assert_cmpuint (total.accepted, ==, N_DOCUMENTS);
  g_assert_cmpuint (total.conflicts, ==, 0);

  assert_all_there_once (f);

  /* The log has one row per attempt, and each answer the proxy made up is in it with its
   * status: nothing was retried silently or lost. */
  log = pd_library_list_sync_log (f->library, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (log->len, ==, total.accepted + total.conflicts + total.rejected +
                                  total.retry_later);
  g_assert_cmpuint (count_log (log, "retry", 500), ==, pd_fault_proxy_count (f->proxy, PD_FAULT_500));
  g_assert_cmpuint (count_log (log, "retry", 503), ==,
                    pd_fault_proxy_count (f->proxy, PD_FAULT_503_RETRY_AFTER));
  g_assert_cmpuint (count_log (log, "retry", 429), ==,
                    pd_fault_proxy_count (f->proxy, PD_FAULT_429_RETRY_AFTER));
  g_assert_cmpuint (count_log (log, "rejected", 507), ==,
                    pd_fault_proxy_count (f->proxy, PD_FAULT_507));
  g_assert_cmpuint (total.rejected, ==, pd_fault_proxy_count (f->proxy, PD_FAULT_507));
  /* Broken connections are transport errors (no status); libsoup may resend a request once on
   * a kept-alive connection that died, so there can be fewer rows than breaks, but not none. */
  transport = pd_fault_proxy_count (f->proxy, PD_FAULT_CUT_REQUEST) +
              pd_fault_proxy_count (f->proxy, PD_FAULT_LOSE_RESPONSE) +
              pd_fault_proxy_count (f->proxy, PD_FAULT_STALL);
  g_assert_cmpuint (count_log (log, "retry", 0), >, 0);
  g_assert_cmpuint (count_log (log, "retry", 0), <=, transport);
  g_assert_cmpuint (count_log (log, "accepted", 0), ==, N_DOCUMENTS);
}

static char *
self_path (void)
{
  g_autoptr(GError) error = NULL;
  char *path = g_file_read_link ("/proc/self/exe", &error);

  g_assert_no_error (error);
  return path;
}

static void
test_kill_9 (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260301);
  g_autofree char *self = self_path ();
  guint kills = 0, clean_exits = 0, passes = 0;
  gboolean drained = FALSE;

  pd_fault_proxy_set_stall_ms (f->proxy, 1000);
  pd_fault_proxy_set_fault_rate (f->proxy, FAULT_RATE, NULL);

  for (guint round = 0; round < 400 && !(drained && kills >= MIN_KILLS); round++)
    {
      const char *argv[] = { self, "--torture-child", f->dir, NULL };
      guint delay_ms = (guint) g_rand_int_range (rand, 10, 300);
      gint64 deadline;
      GPid pid;
      int status = 0;
      pid_t done = 0;

      /* Once the queue is empty, the children have nothing left to do before they are
       * killed; more kills would prove nothing. */
      if (drained)
        break;
      g_assert_true (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                    NULL, NULL, &pid, &error));
      g_assert_no_error (error);
      deadline = g_get_monotonic_time () + (gint64) delay_ms * 1000;
      while (g_get_monotonic_time () < deadline &&
             (done = waitpid (pid, &status, WNOHANG)) == 0)
        g_usleep (5 * 1000);
      if (done == 0)
        {
          g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
          g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
          kills++;
        }
      else
        {
          g_assert_cmpint (done, ==, pid);
          g_assert_true (WIFEXITED (status));
          g_assert_cmpint (WEXITSTATUS (status), ==, 0);
          clean_exits++;
        }
      g_spawn_close_pid (pid);
      drained = pd_library_count_sync_pending (f->library, 1000, NULL) == 0;
    }
  g_test_message ("%u kills, %u clean exits, drained: %s", kills, clean_exits,
                  drained ? "yes" : "no");
  g_assert_cmpuint (kills, >=, MIN_KILLS);

  /* The final clean pass, faults off: whatever the kills left must be finished now. */
  pd_fault_proxy_set_fault_rate (f->proxy, 0, NULL);
  while (retry_everything (f->library) > 0 ||
         pd_library_count_sync_pending (f->library, 1000, NULL) > 0)
    {
      PdSyncSummary summary = { 0 };

      g_assert_cmpuint (++passes, <=, 5);
      g_assert_true (run_pass (f->engine, &summary, &error));
      g_assert_no_error (error);
    }
  dump_proxy_log (f);
  assert_all_there_once (f);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  if (argc == 3 && g_strcmp0 (argv[1], "--torture-child") == 0)
    return child_main (argv[2]);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_log_set_writer_func (quiet_log_writer, NULL, NULL);

#define ADD(path, folder, fn) \
  g_test_add (path, Fixture, folder, fixture_set_up, fn, fixture_tear_down)
  ADD ("/sync/torture/faults", "faults", test_faults);
  ADD ("/sync/torture/kill-9", "killed", test_kill_9);
#undef ADD

  webdav = pd_test_webdav_start (0);
  ret = g_test_run ();
  pd_test_webdav_stop (webdav);
  secret_service_disconnect ();
  return ret;
}
