/* pd-bench-cloud.c: issue 5's benchmark. A 100 MB upload to each provider's test server (the
 * Graph and Drive servers of tests/sync, which follow the providers' documentation) with three
 * connections cut mid-transfer, at about a quarter, a half and three quarters of the file. Prints
 * the bytes sent beyond the file's size (target: at most one fragment or chunk per cut) and the
 * wall time. Each cut breaks one connection once. A connector that gives up on a cut is called
 * again at once, as the sync engine calls it again after its backoff (the backoff is not counted),
 * with the resume store it keeps between attempts. Exits 1 when a target is missed.
 * Usage: pd-bench-cloud [MEGABYTES] */
#define G_LOG_DOMAIN "pd-bench"

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "pd-drive-server.h"
#include "pd-gdrive-connector.h"
#include "pd-graph-server.h"
#include "pd-onedrive-connector.h"
#include "pd-resume-store.h"
#include "pd-sync-error.h"
#include "pd-test-sync.h"
#include "pd-token-source.h"

#define TOKEN       "bench-access-token"
#define N_CUTS      3
#define OD_FRAGMENT (10 * 320 * 1024)  /* the OneDrive connector's fragment */

typedef struct {
  const char *name;
  guint64     unit;        /* fragment or chunk */
  guint64     sent;        /* bytes of every fragment or chunk the server received */
  guint       attempts;    /* calls of the connector */
  guint       cuts;        /* connections the server broke */
  double      seconds;
  gboolean    intact;
} Result;

static GBytes *
make_file (const char *path,
           gsize       size)
{
  guint32 *data = g_malloc (size + sizeof (guint32));
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  for (gsize i = 0; i < size / sizeof (guint32) + 1; i++)
    data[i] = g_random_int ();
  bytes = g_bytes_new_take (data, size);
  if (!g_file_set_contents (path, g_bytes_get_data (bytes, NULL), (gssize) size, &error))
    g_error ("%s", error->message);
  return bytes;
}

static GHashTable *
new_metadata (void)
{
  GHashTable *metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_insert (metadata, g_strdup ("uuid"), g_uuid_string_random ());
  g_hash_table_insert (metadata, g_strdup ("revision"), g_strdup ("1"));
  return metadata;
}

/* Calls the connector until the upload succeeds. */
static void
upload_until_done (PdConnector *connector,
                   const char  *local,
                   const char  *remote,
                   Result      *result)
{
  g_autoptr(GHashTable) metadata = new_metadata ();
  gint64 t0 = g_get_monotonic_time ();

  for (;;)
    {
      g_autoptr(GError) error = NULL;

      result->attempts++;
      if (pd_test_upload (connector, local, remote, NULL, metadata, NULL, &error))
        break;
      if (!pd_sync_error_is_retryable (error) || result->attempts > 20)
        g_error ("%s: the upload failed for good: %s", result->name, error->message);
    }
  result->seconds = (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC;
}

/* OneDrive */

static void
bench_onedrive (const char *local,
                GBytes     *content,
                guint       n_cuts,
                Result     *result)
{
  PdGraphServer *server = pd_graph_server_new (TOKEN);
  guint64 n_fragments = (g_bytes_get_size (content) + OD_FRAGMENT - 1) / OD_FRAGMENT;
  g_autoptr(PdTokenSource) tokens = pd_static_token_source_new (TOKEN);
  g_autoptr(PdResumeStore) resume = pd_memory_resume_store_new ();
  g_autoptr(PdConnector) connector = NULL;
  g_autoptr(GArray) fragments = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GError) error = NULL;

  connector = pd_onedrive_connector_new ("Bench OneDrive", pd_graph_server_get_drive_uri (server),
                                         tokens, resume, &error);
  if (connector == NULL)
    g_error ("%s", error->message);
  result->name = "OneDrive (Graph upload session)";
  result->unit = OD_FRAGMENT;
  /* The connection breaks in the fragment at a quarter, a half and three quarters of the file. */
  for (guint k = 1; k <= n_cuts; k++)
    pd_graph_server_cut_fragment_once_at (server, (n_fragments * k / (n_cuts + 1)) * OD_FRAGMENT);
  upload_until_done (connector, local, "Bench/big.pdf", result);

  fragments = pd_graph_server_dup_fragments (server);
  for (guint i = 0; i < fragments->len; i++)
    {
      const PdGraphFragment *fragment = &g_array_index (fragments, PdGraphFragment, i);

      result->sent += fragment->length;
      result->cuts += fragment->status == 0;
    }
  stored = pd_graph_server_get_file (server, "Bench/big.pdf");
  result->intact = stored != NULL && g_bytes_equal (stored, content) &&
                   pd_graph_server_count_files (server) == 1;
  g_clear_object (&connector);
  pd_graph_server_free (server);
}

/* Google Drive */

static void
bench_gdrive (const char *local,
              GBytes     *content,
              guint       n_cuts,
              Result     *result)
{
  PdDriveServer *server = pd_drive_server_new (TOKEN);
  guint64 n_chunks = (g_bytes_get_size (content) + PD_GDRIVE_DEFAULT_CHUNK_SIZE - 1) /
                     PD_GDRIVE_DEFAULT_CHUNK_SIZE;
  g_autoptr(PdTokenSource) tokens = pd_static_token_source_new (TOKEN);
  g_autoptr(PdResumeStore) resume = pd_memory_resume_store_new ();
  g_autoptr(PdConnector) connector = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  g_autofree char *id = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GBytes) stored = NULL;

  connector = pd_gdrive_connector_new ("Bench Drive", pd_drive_server_get_uri (server), NULL,
                                       tokens, resume, &error);
  if (connector == NULL)
    g_error ("%s", error->message);
  result->name = "Google Drive (resumable upload)";
  result->unit = PD_GDRIVE_DEFAULT_CHUNK_SIZE;
  /* A quarter of the file gets through, then the connection breaks half-way into a chunk (the
   * server keeps the half it received, as Drive may); three times. Faults queue: each counts
   * its chunks from the end of the one before. */
  for (guint k = 0; k < n_cuts; k++)
    pd_drive_server_add_fault (server, PD_DRIVE_FAULT_CUT, PD_DRIVE_REQ_CHUNK | PD_DRIVE_REQ_FINAL,
                               (guint) MAX (n_chunks / (n_cuts + 1), 1), 1,
                               PD_GDRIVE_DEFAULT_CHUNK_SIZE / 2);
  upload_until_done (connector, local, "Bench/big.pdf", result);

  /* "METHOD KIND START LENGTH TOTAL STATUS": every chunk's length, cut or not. */
  log = pd_drive_server_dup_log (server);
  lines = g_strsplit (log, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", -1);

      if (g_strv_length (fields) >= 6 &&
          (strcmp (fields[1], "chunk") == 0 || strcmp (fields[1], "final") == 0) &&
          strcmp (fields[3], "-1") != 0)
        {
          result->sent += g_ascii_strtoull (fields[3], NULL, 10);
          result->cuts += strcmp (fields[5], "0") == 0;
        }
    }
  id = pd_drive_server_lookup_path (server, "Bench/big.pdf");
  stored = id != NULL ? pd_drive_server_dup_content (server, id) : NULL;
  result->intact = stored != NULL && g_bytes_equal (stored, content) &&
                   pd_drive_server_count_files (server) == 1;
  g_clear_object (&connector);
  pd_drive_server_free (server);
}

static gboolean
report (const Result *r,
        const Result *uncut,
        guint64       size)
{
  guint64 beyond = r->sent > size ? r->sent - size : 0;
  gboolean met = r->intact && uncut->intact && r->cuts == N_CUTS && beyond <= r->unit * r->cuts;

  g_print ("%-34s %6.2f s (%.2fx uncut)  %u cuts  %u calls  %10" G_GUINT64_FORMAT " B beyond the "
           "file  (%.2f %s per cut of %" G_GUINT64_FORMAT " KiB)  %s\n",
           r->name, r->seconds, uncut->seconds > 0 ? r->seconds / uncut->seconds : 0.0, r->cuts,
           r->attempts, beyond,
           r->cuts ? (double) beyond / (double) r->unit / r->cuts : 0.0,
           r->unit == OD_FRAGMENT ? "fragment" : "chunk", r->unit / 1024,
           !r->intact ? "FILE DIFFERS" : met ? "target met" : "TARGET MISSED");
  return met;
}

int
main (int   argc,
      char *argv[])
{
  guint64 megabytes = argc > 1 ? g_ascii_strtoull (argv[1], NULL, 10) : 100;
  guint64 size = megabytes * 1000 * 1000;
  g_autofree char *dir = g_dir_make_tmp ("pd-bench-cloud-XXXXXX", NULL);
  g_autofree char *local = g_build_filename (dir, "big.pdf", NULL);
  g_autoptr(GBytes) content = NULL;
  Result onedrive = { 0 }, gdrive = { 0 }, onedrive_uncut = { 0 }, gdrive_uncut = { 0 };
  gboolean ok;

  if (megabytes == 0)
    {
      g_printerr ("usage: %s [MEGABYTES]\n", argv[0]);
      return 2;
    }
  content = make_file (local, size);
  g_print ("Cloud upload benchmark: %" G_GUINT64_FORMAT " MB, %d connections cut mid-transfer "
           "each, to the test servers on loopback\n", megabytes, N_CUTS);
  bench_onedrive (local, content, 0, &onedrive_uncut);
  bench_onedrive (local, content, N_CUTS, &onedrive);
  bench_gdrive (local, content, 0, &gdrive_uncut);
  bench_gdrive (local, content, N_CUTS, &gdrive);
  ok = report (&onedrive, &onedrive_uncut, size);
  ok = report (&gdrive, &gdrive_uncut, size) && ok;
  g_unlink (local);
  g_rmdir (dir);
  return ok ? 0 : 1;
}
