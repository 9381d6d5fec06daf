/* pd-bench-scale.c: the library at the size an office reaches after years (bench-scale.sh drives
 * it). Subcommands:
 *   generate DIR DOCS PAGES  a library of DOCS documents of PAGES pages each, with OCR-like text
 *                            (words of the demo pages' ground truth, plus invoice numbers, names
 *                            and dates that make rare search terms), written straight into the
 *                            database in one transaction: making 100,000 pages through OCR would
 *                            take days and measure the pipeline, not the library.
 *   search DIR N             N searches through pd_library_search () as the app makes them:
 *                            common words, rare numbers, two-word queries, prefixes; prints p50,
 *                            p95 and the worst time in milliseconds.
 *   list DIR                 how long listing every document takes (the window's first listing).
 *   queue DIR N              N of the documents become ready for a folder account "Scale" with a
 *                            small PDF each (the documents' own PDFs are not generated).
 *   sync-start DIR           one sync pass over the queue: the time from asking for the pass until
 *                            the first document is on the destination, and the whole pass.
 * It is a command, not a test: it fails only when it cannot set the benchmark up. */
#define G_LOG_DOMAIN "pd-bench"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pd-library.h"
#include "pd-library-sync.h"
#include "pd-paths.h"
#include "pd-sync-engine.h"

#define WORDS_PER_PAGE 260

static GPtrArray *
load_vocabulary (void)
{
  g_autofree char *dir = g_build_filename (pd_paths_get_data_dir (), "demo", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  const char *entry;

  while (d != NULL && (entry = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *text = NULL;
      g_auto(GStrv) parts = NULL;

      if (!g_str_has_suffix (entry, ".txt"))
        continue;
      path = g_build_filename (dir, entry, NULL);
      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      parts = g_strsplit_set (text, " \n\t", -1);
      for (guint i = 0; parts[i] != NULL; i++)
        if (strlen (parts[i]) > 1)
          g_ptr_array_add (words, g_strdup (parts[i]));
    }
  if (words->len == 0)
    g_error ("No demo page text in %s: build the project first.", dir);
  return words;
}

static void
check (sqlite3 *db,
       int      rc,
       int      expected)
{
  if (rc != expected)
    g_error ("SQLite: %s", sqlite3_errmsg (db));
}

static int
cmd_generate (const char *dir,
              guint       n_docs,
              guint       n_pages)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdLibrary) library = NULL;
  g_autoptr(GPtrArray) vocabulary = load_vocabulary ();
  g_autofree char *db_path = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *doc = NULL, *page = NULL, *fts = NULL;
  GRand *rand = g_rand_new_with_seed (20261122);
  gint64 now = g_get_real_time ();
  gint64 t0 = g_get_monotonic_time ();

  /* The library makes its schema; then the rows go in through SQLite directly. */
  library = pd_library_open (dir, &error);
  if (library == NULL)
    g_error ("%s", error->message);
  g_clear_object (&library);

  db_path = g_build_filename (dir, "library.db", NULL);
  check (db, sqlite3_open (db_path, &db), SQLITE_OK);
  check (db, sqlite3_exec (db, "PRAGMA synchronous = OFF; BEGIN", NULL, NULL, NULL), SQLITE_OK);
  check (db, sqlite3_prepare_v2 (db,
         "INSERT INTO documents (uuid, name, state, source, mode, langs, n_pages, pdf_path, "
         "  created_at, created_by, updated_at, revision) "
         "VALUES (lower (hex (randomblob (16))), ?1, 'ready', 'demo', 'text', 'eng', ?2, ?3, ?4, "
         "  'bench', ?4, 1)", -1, &doc, NULL), SQLITE_OK);
  check (db, sqlite3_prepare_v2 (db,
         "INSERT INTO pages (document_id, idx, state, spool_path, width, height, depth, "
         "  channels, dpi, text, confidence) "
         "VALUES (?1, ?2, 'recognized', '', 2480, 3508, 8, 1, 300, ?3, 91)", -1, &page, NULL),
         SQLITE_OK);
  check (db, sqlite3_prepare_v2 (db, "INSERT INTO page_fts (rowid, text) VALUES (?1, ?2)", -1,
                                 &fts, NULL), SQLITE_OK);

  for (guint d = 0; d < n_docs; d++)
    {
      g_autofree char *name = g_strdup_printf ("Invoice %06u", d);
      g_autofree char *pdf = g_strdup_printf ("%s/documents/invoice-%06u.pdf", dir, d);
      gint64 doc_id;

      sqlite3_bind_text (doc, 1, name, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (doc, 2, (int) n_pages);
      sqlite3_bind_text (doc, 3, pdf, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (doc, 4, now - (gint64) (n_docs - d) * 3600 * G_USEC_PER_SEC);
      check (db, sqlite3_step (doc), SQLITE_DONE);
      sqlite3_reset (doc);
      doc_id = sqlite3_last_insert_rowid (db);

      for (guint p = 0; p < n_pages; p++)
        {
          gint64 page_id;

          g_string_truncate (text, 0);
          /* rare terms a person searches for: the invoice and customer numbers */
          g_string_append_printf (text, "Invoice INV-%06u-%u Customer C%05u ", d, p,
                                  g_rand_int_range (rand, 0, 50000));
          for (guint w = 0; w < WORDS_PER_PAGE; w++)
            {
              g_string_append (text, vocabulary->pdata[g_rand_int_range (rand, 0,
                                                                         (gint32) vocabulary->len)]);
              g_string_append_c (text, w % 12 == 11 ? '\n' : ' ');
            }
          sqlite3_bind_int64 (page, 1, doc_id);
          sqlite3_bind_int (page, 2, (int) p);
          sqlite3_bind_text (page, 3, text->str, (int) text->len, SQLITE_TRANSIENT);
          check (db, sqlite3_step (page), SQLITE_DONE);
          sqlite3_reset (page);
          page_id = sqlite3_last_insert_rowid (db);
          sqlite3_bind_int64 (fts, 1, page_id);
          sqlite3_bind_text (fts, 2, text->str, (int) text->len, SQLITE_TRANSIENT);
          check (db, sqlite3_step (fts), SQLITE_DONE);
          sqlite3_reset (fts);
        }
    }
  sqlite3_finalize (doc);
  sqlite3_finalize (page);
  sqlite3_finalize (fts);
  check (db, sqlite3_exec (db, "COMMIT; PRAGMA wal_checkpoint (TRUNCATE); ANALYZE", NULL, NULL, NULL),
         SQLITE_OK);
  sqlite3_close (db);
  g_rand_free (rand);
  g_print ("generated %u documents, %u pages in %.1f s\n", n_docs, n_docs * n_pages,
           (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC);
  return 0;
}

static double
thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec * 1000.0 + (double) ts.tv_nsec / 1e6;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static int
cmd_search (const char *dir,
            guint       n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdLibrary) library = pd_library_open (dir, &error);
  g_autoptr(GPtrArray) vocabulary = load_vocabulary ();
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) cpu_times = g_array_new (FALSE, FALSE, sizeof (double));
  GRand *rand = g_rand_new_with_seed (7);
  guint hits_total = 0;

  if (library == NULL)
    g_error ("%s", error->message);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *query = NULL;
      g_autoptr(GPtrArray) hits = NULL;
      const char *w1 = vocabulary->pdata[g_rand_int_range (rand, 0, (gint32) vocabulary->len)];
      const char *w2 = vocabulary->pdata[g_rand_int_range (rand, 0, (gint32) vocabulary->len)];
      gint64 t0;
      double ms, cpu_ms, cpu0;

      switch (i % 4)
        {
        case 0: query = g_strdup (w1); break;                               /* a common word */
        case 1: query = g_strdup_printf ("INV-%06u", g_rand_int_range (rand, 0, 20000)); break;
        case 2: query = g_strdup_printf ("%s %s", w1, w2); break;           /* two words */
        default: query = g_strndup (w1, MAX (3, strlen (w1) / 2)); break;   /* typing: a prefix */
        }
      t0 = g_get_monotonic_time ();
      cpu0 = thread_cpu_ms ();
      /* the app shows the first 50 hits and fetches more on scroll */
      hits = pd_library_search (library, query, 50, &error);
      ms = (double) (g_get_monotonic_time () - t0) / 1000.0;
      cpu_ms = thread_cpu_ms () - cpu0;
      g_array_append_val (cpu_times, cpu_ms);
      if (hits == NULL)
        g_error ("search “%s”: %s", query, error->message);
      hits_total += hits->len;
      g_array_append_val (times, ms);
      if (ms > 20.0)
        g_printerr ("  slow: %.1f ms for “%s” (%u hits)\n", ms, query, hits->len);
    }
  g_array_sort (times, compare_double);
  g_array_sort (cpu_times, compare_double);
  g_print ("search: %u queries, p50 %.2f ms, p95 %.2f ms, worst %.2f ms (%.1f hits each)\n", n,
           g_array_index (times, double, n / 2), g_array_index (times, double, (n * 95) / 100),
           g_array_index (times, double, n - 1), (double) hits_total / n);
  /* CPU time does not grow when other programs share the cores, wall time does. */
  g_print ("search CPU time: p50 %.2f ms, p95 %.2f ms, worst %.2f ms\n",
           g_array_index (cpu_times, double, n / 2),
           g_array_index (cpu_times, double, (n * 95) / 100),
           g_array_index (cpu_times, double, n - 1));
  g_rand_free (rand);
  return 0;
}

static int
cmd_list (const char *dir)
{
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr(PdLibrary) library = pd_library_open (dir, &error);
  gint64 t1 = g_get_monotonic_time ();
  g_autoptr(GPtrArray) documents = NULL;

  if (library == NULL)
    g_error ("%s", error->message);
  documents = pd_library_list_documents (library, &error);
  if (documents == NULL)
    g_error ("%s", error->message);
  g_print ("open: %.1f ms; list: %u documents in %.1f ms\n", (double) (t1 - t0) / 1000.0,
           documents->len, (double) (g_get_monotonic_time () - t1) / 1000.0);
  return 0;
}

static int
cmd_queue (const char *dir,
           guint       n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdLibrary) library = pd_library_open (dir, &error);
  g_autofree char *remote = g_build_filename (dir, "..", "scale-remote", NULL);
  g_autoptr(GPtrArray) documents = NULL;
  gint64 t0 = g_get_monotonic_time ();

  if (library == NULL)
    g_error ("%s", error->message);
  g_mkdir_with_parents (remote, 0700);
  if (pd_library_add_account (library, "Scale", "folder", remote, NULL, &error) <= 0)
    g_error ("%s", error->message);
  documents = pd_library_list_documents (library, &error);
  for (guint i = 0; i < n && i < documents->len; i++)
    {
      PdDocument *document = documents->pdata[i];
      g_autofree char *body = g_strdup_printf ("%%PDF-1.7\n%% scale %u\n%%%%EOF\n", i);

      if (!g_file_set_contents (document->pdf_path, body, -1, &error) ||
          !pd_library_set_document_destination (library, document->id, "Scale:In", &error))
        g_error ("%s", error->message);
    }
  g_print ("queued %u documents in %.1f s\n", MIN (n, documents->len),
           (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC);
  return 0;
}

typedef struct {
  GAsyncResult *result;
} PassWait;

static void
pass_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  ((PassWait *) user_data)->result = g_object_ref (result);
}

static int
cmd_sync_start (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdLibrary) library = pd_library_open (dir, &error);
  g_autoptr(PdSyncEngine) engine = NULL;
  g_autofree char *remote = g_build_filename (dir, "..", "scale-remote", "In", NULL);
  PassWait wait = { NULL };
  PdSyncSummary summary = { 0 };
  gint64 t0, first = 0;

  if (library == NULL)
    g_error ("%s", error->message);
  engine = pd_sync_engine_new (library);
  t0 = g_get_monotonic_time ();
  pd_sync_engine_run_pass_async (engine, NULL, pass_cb, &wait);
  while (wait.result == NULL)
    {
      if (first == 0)
        {
          g_autoptr(GDir) d = g_dir_open (remote, 0, NULL);

          if (d != NULL && g_dir_read_name (d) != NULL)
            first = g_get_monotonic_time ();
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  if (!pd_sync_engine_run_pass_finish (engine, wait.result, &summary, &error))
    g_error ("%s", error->message);
  g_object_unref (wait.result);
  g_print ("sync: first document on the destination after %.0f ms; pass of %u documents in %.1f s\n",
           (double) (first - t0) / 1000.0, summary.accepted,
           (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  pd_process_prepare (argc, argv);
  if (argc == 5 && strcmp (argv[1], "generate") == 0)
    return cmd_generate (argv[2], (guint) atoi (argv[3]), (guint) atoi (argv[4]));
  if (argc == 4 && strcmp (argv[1], "search") == 0)
    return cmd_search (argv[2], (guint) atoi (argv[3]));
  if (argc == 3 && strcmp (argv[1], "list") == 0)
    return cmd_list (argv[2]);
  if (argc == 4 && strcmp (argv[1], "queue") == 0)
    return cmd_queue (argv[2], (guint) atoi (argv[3]));
  if (argc == 3 && strcmp (argv[1], "sync-start") == 0)
    return cmd_sync_start (argv[2]);
  g_printerr ("usage: %s generate DIR DOCS PAGES | search DIR N | list DIR | queue DIR N | "
              "sync-start DIR\n", argv[0]);
  return 2;
}
