/* test-whole-path.c: kill -9 over the whole path of a batch, as separate paperdock-cli
 * processes: `scan` of a 50-page ADF batch split at separator sheets, `resume`, and
 * `sync --wait` to the Apache WebDAV fixture with eviction right after upload (grace 0). Each
 * process is killed with SIGKILL after a random delay (a seeded GRand; the seed is printed and
 * PD_TORTURE_SEED replays it), at least MIN_KILLS times, and whatever was interrupted is started
 * again until everything is done. What a user checks at the end: every scanned page is in exactly
 * one document, separator sheets the only pages left out; every document is on the server once,
 * under its own name, with the bytes of its PDF; nothing half-written anywhere; the database is
 * sound; the journal and the sync log account for every step and attempt.
 *
 * The demo scanner serves a private page set (PAPERDOCK_DATA_DIR): separator sheets with a
 * Code 39 barcode made by zint, and the demo pages at half size so that OCR, redone after every
 * kill, keeps the test within a few minutes. Runs inside a private gnome-keyring. */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <leptonica/allheaders.h>

#include "pd-library.h"
#include "pd-library-sync.h"
#include "pd-profile.h"
#include "pd-test-cli-util.h"
#include "pd-test-webdav.h"

#define N_PAGES     50
#define MIN_KILLS   100
/* Pages at 300 dpi as the demo scanner makes them: at about a second of OCR each, a batch gives
 * the kills enough work to land in (half-size pages were done before most kills could). */
#define PAGE_SCALE  1.0f
#define MAX_ROUNDS  600
#define CYCLE       10   /* files in the private demo feeder; page 1 and 6 are separator sheets */
#define FOLDER      "torture"

typedef enum {
  PHASE_SCAN,     /* a document still capturing */
  PHASE_OCR,      /* pages waiting for clean-up and OCR */
  PHASE_PDF,      /* every page read, PDF not written */
  PHASE_QUEUE,    /* the processing command's last steps: naming, queueing */
  PHASE_UPLOAD,   /* a sync with documents still due */
  PHASE_EVICT,    /* a sync with nothing due: eviction and the end of the pass */
  N_PHASES
} Phase;

/* The demo scanner reads a page in milliseconds and recognition overlaps it, so a kill while a
 * batch is still open interrupts both: "scan+ocr". "ocr" is a resumed batch being recognized. */
static const char *phase_names[N_PHASES] = { "scan+ocr", "ocr", "pdf", "queue", "upload", "evict" };

static PdTestWebdav *webdav;

/* --- the private demo feeder ------------------------------------------------------------ */

static void
write_pix (PIX        *pix,
           const char *path)
{
  g_assert_cmpint (pixWrite (path, pix, IFF_PNM), ==, 0);
}

static void
write_separator_sheet (const char *dir,
                       const char *value,
                       guint       width,
                       guint       height,
                       const char *path)
{
  g_autofree char *png = g_build_filename (dir, "code.png", NULL);
  g_autofree char *data = g_strdup_printf ("--data=%s", value);
  g_autofree char *out = g_strdup_printf ("--output=%s", png);
  const char *zint[] = { "zint", "--barcode=8", "--height=50", "--scale=2", data, out, NULL };
  PIX *page = pixCreate ((l_int32) width, (l_int32) height, 8);
  PIX *code_rgb;
  PIX *code;

  g_assert_cmpint (pd_test_run_tool (zint, NULL), ==, 0);
  pixSetAllArbitrary (page, 240);
  code_rgb = pixRead (png);
  g_assert_nonnull (code_rgb);
  code = pixConvertTo8 (code_rgb, FALSE);
  pixRasterop (page, 150, 500, pixGetWidth (code), pixGetHeight (code), PIX_SRC, code, 0, 0);
  write_pix (page, path);
  pixDestroy (&code);
  pixDestroy (&code_rgb);
  pixDestroy (&page);
  g_unlink (png);
}

/* DATA/demo/page-01..10.pgm and DATA/sane/test.conf; returns DATA. */
static char *
make_data_dir (const char *parent)
{
  const char *demo = g_getenv ("PAPERDOCK_DATA_DIR");
  g_autofree char *data = g_build_filename (parent, "data", NULL);
  g_autofree char *pages = g_build_filename (data, "demo", NULL);
  g_autofree char *sane = g_build_filename (data, "sane", NULL);
  g_autofree char *conf_from = g_build_filename (demo, "sane", "test.conf", NULL);
  g_autofree char *conf_to = g_build_filename (sane, "test.conf", NULL);
  g_autofree char *conf = NULL;
  gsize conf_len;
  guint width = 0, height = 0;

  g_assert_nonnull (demo);
  g_assert_cmpint (g_mkdir_with_parents (pages, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (sane, 0700), ==, 0);
  g_assert_true (g_file_get_contents (conf_from, &conf, &conf_len, NULL));
  g_assert_true (g_file_set_contents (conf_to, conf, (gssize) conf_len, NULL));

  for (guint i = 0; i < CYCLE; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/page-%02u.pgm", pages, i + 1);

      if (i == 0 || i == 5)
        continue;
      {
        g_autofree char *from = g_strdup_printf ("%s/demo/page-%02u.pgm", demo,
                                                 (i < 5 ? i - 1 : i - 2) % 6 + 1);
        PIX *full = pixRead (from);
        PIX *half;

        g_assert_nonnull (full);
        half = pixScale (full, PAGE_SCALE, PAGE_SCALE);
        width = (guint) pixGetWidth (half);
        height = (guint) pixGetHeight (half);
        write_pix (half, path);
        pixDestroy (&half);
        pixDestroy (&full);
      }
    }
  for (guint i = 0; i < CYCLE; i += 5)
    {
      g_autofree char *path = g_strdup_printf ("%s/page-%02u.pgm", pages, i + 1);
      g_autofree char *value = g_strdup_printf ("SEP-%04u", i / 5 + 1);

      write_separator_sheet (parent, value, width, height, path);
    }
  return g_steal_pointer (&data);
}

/* --- processes that get killed ----------------------------------------------------------- */

typedef struct {
  PdTestEnv *env;
  char     **envp;
  char      *log_path;   /* every child's output, appended */
  goffset    run_start;  /* where the last run's output starts in it */
  GRand     *rand;
  guint      kills[N_PHASES];
  guint      runs;
  guint      clean_exits;
  GPtrArray *trace;      /* one line per processing run, printed if the work never ends */
} Torture;

/* Runs paperdock-cli ARGS and kills it after @delay_ms unless it ended first. Returns TRUE when it
 * was killed; otherwise its exit status is in @status. */
static gboolean
run_killed (Torture           *t,
            const char *const *args,
            guint              delay_ms,
            int               *exit_status)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  gint64 deadline;
  GPid pid;
  int status = 0;
  pid_t done = 0;
  int log_fd = open (t->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  GStatBuf st;

  g_assert_cmpint (log_fd, >=, 0);
  t->run_start = g_stat (t->log_path, &st) == 0 ? st.st_size : 0;
  g_ptr_array_add (argv, (char *) g_getenv ("PAPERDOCK_CLI"));
  g_ptr_array_add (argv, (char *) "--library");
  g_ptr_array_add (argv, t->env->library);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_async_with_pipes_and_fds (NULL, (const char *const *) argv->pdata,
                                                   (const char *const *) t->envp,
                                                   G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                                   -1, log_fd, log_fd, NULL, NULL, 0,
                                                   &pid, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  close (log_fd);
  t->runs++;

  deadline = g_get_monotonic_time () + (gint64) delay_ms * 1000;
  while (g_get_monotonic_time () < deadline && (done = waitpid (pid, &status, WNOHANG)) == 0)
    g_usleep (2 * 1000);
  if (done == 0)
    {
      g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_spawn_close_pid (pid);
      return TRUE;
    }
  g_assert_cmpint (done, ==, pid);
  g_spawn_close_pid (pid);
  /* A crash is never an acceptable way to end. */
  if (!WIFEXITED (status))
    g_test_message ("paperdock-cli %s died of signal %d (output in %s)", args[0],
                    WTERMSIG (status), t->log_path);
  g_assert_true (WIFEXITED (status));
  *exit_status = WEXITSTATUS (status);
  t->clean_exits++;
  return FALSE;
}

/* --- what the library says --------------------------------------------------------------- */

typedef struct {
  guint captured;      /* pages in the library, in any document */
  guint discarded;     /* separator sheets of batches cut right after one, removed on purpose */
  guint unfinished;    /* documents capturing or processing */
  guint unread_pages;  /* pages of unfinished documents not yet recognized */
  guint pending;       /* documents still due for their server */
  guint not_evicted;   /* synced documents whose files are still local */
} Snapshot;

static PdLibrary *
open_library (Torture *t)
{
  g_autoptr(GError) error = NULL;
  PdLibrary *library = pd_library_open (t->env->library, &error);

  g_assert_no_error (error);
  return library;
}

static void
take_snapshot (Torture  *t,
               Snapshot *s)
{
  g_autoptr(PdLibrary) library = open_library (t);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) documents = pd_library_list_documents (library, &error);

  g_assert_no_error (error);
  memset (s, 0, sizeof *s);
  for (guint i = 0; i < documents->len; i++)
    {
      const PdDocument *document = documents->pdata[i];
      g_autoptr(GPtrArray) pages = pd_library_list_pages (library, document->id, &error);

      g_assert_no_error (error);
      s->captured += pages->len;
      if (document->state == PD_DOC_STATE_CAPTURING || document->state == PD_DOC_STATE_PROCESSING)
        {
          s->unfinished++;
          for (guint p = 0; p < pages->len; p++)
            if (((PdPage *) pages->pdata[p])->state == PD_PAGE_STATE_CAPTURED)
              s->unread_pages++;
        }
      if (document->state == PD_DOC_STATE_READY)
        {
          g_autoptr(PdSyncState) state = pd_library_get_sync_state (library, document->id, &error);

          g_assert_no_error (error);
          if (state->synced_revision == state->revision && state->evicted_at == 0)
            s->not_evicted++;
        }
    }
  s->pending = pd_library_count_sync_pending (library, 1000, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GPtrArray) journal = pd_library_list_journal (library, 0, &error);

    g_assert_no_error (error);
    for (guint i = 0; i < journal->len; i++)
      {
        const PdJournalEntry *entry = journal->pdata[i];

        if (g_strcmp0 (entry->what, "failed") == 0 && entry->detail != NULL &&
            g_str_has_prefix (entry->detail, "only separator sheets: "))
          s->discarded += (guint) g_ascii_strtoull (entry->detail + 23, NULL, 10);
      }
  }
}

/* What the killed run said last: "page N saved" while the scanner was reading, "page N read"
 * while pages were recognized. Capture and recognition overlap, so the last word tells which
 * one the kill interrupted. */
static Phase
phase_from_output (Torture *t)
{
  g_autofree char *log = NULL;
  gsize len = 0;
  const char *last_saved, *last_read;

  if (!g_file_get_contents (t->log_path, &log, &len, NULL) || (gsize) t->run_start >= len)
    return N_PHASES;
  last_saved = g_strrstr (log + t->run_start, " saved");
  last_read = g_strrstr (log + t->run_start, " read:");
  if (last_saved == NULL && last_read == NULL)
    return N_PHASES;
  return last_read > last_saved ? PHASE_OCR : PHASE_SCAN;
}

static Phase
processing_phase (Torture *t)
{
  Phase from_output = phase_from_output (t);
  g_autoptr(PdLibrary) library = open_library (t);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) documents = pd_library_list_documents (library, &error);
  gboolean processing = FALSE, unread = FALSE;

  g_assert_no_error (error);
  for (guint i = 0; i < documents->len; i++)
    {
      const PdDocument *document = documents->pdata[i];
      g_autoptr(GPtrArray) pages = NULL;

      if (document->state == PD_DOC_STATE_CAPTURING && from_output == N_PHASES)
        return PHASE_SCAN;
      if (document->state != PD_DOC_STATE_PROCESSING)
        continue;
      processing = TRUE;
      pages = pd_library_list_pages (library, document->id, NULL);
      for (guint p = 0; pages != NULL && p < pages->len; p++)
        if (((PdPage *) pages->pdata[p])->state == PD_PAGE_STATE_CAPTURED)
          unread = TRUE;
    }
  if (from_output != N_PHASES && (unread || from_output == PHASE_SCAN))
    return from_output;
  return unread ? PHASE_OCR : processing ? PHASE_PDF : PHASE_QUEUE;
}

/* --- the checks ---------------------------------------------------------------------------- */

static char *
sha256_of (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
}

static guint
pdf_page_count (const char *path)
{
  const char *argv[] = { "pdfinfo", path, NULL };
  g_autofree char *out = NULL;
  const char *line;

  g_assert_cmpint (pd_test_run_tool (argv, &out), ==, 0);
  line = strstr (out, "\nPages:");
  g_assert_nonnull (line);
  return (guint) g_ascii_strtoull (line + strlen ("\nPages:"), NULL, 10);
}

/* Files and folders that look half-written: mod_dav_fs's temporary files, Paperdock's ".part-"
 * and ".pd-" files, temporary files, Nextcloud-style upload folders, and empty files. */
static void
collect_leftovers (const char *dir,
                   GPtrArray  *found)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      gboolean is_dir = g_file_test (path, G_FILE_TEST_IS_DIR);
      GStatBuf st;

      if (strstr (name, ".davfs.tmp") != NULL || strstr (name, ".part-") != NULL ||
          strstr (name, ".pd-upload-") != NULL || g_str_has_suffix (name, ".pd-compare") ||
          g_str_has_suffix (name, ".tmp") || g_str_has_suffix (name, "~") ||
          (is_dir && (g_str_equal (name, "uploads") || g_str_has_prefix (name, ".pd-"))) ||
          (!is_dir && g_stat (path, &st) == 0 && st.st_size == 0))
        g_ptr_array_add (found, g_steal_pointer (&path));
      else if (is_dir)
        collect_leftovers (path, found);
    }
}

static void
assert_no_leftovers (const char *dir)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

  collect_leftovers (dir, found);
  for (guint i = 0; i < found->len; i++)
    g_test_message ("left behind: %s", (const char *) found->pdata[i]);
  g_assert_cmpuint (found->len, ==, 0);
}

static void
collect_files (const char *dir,
               const char *relative,
               GHashTable *files)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *rel = relative ? g_strdup_printf ("%s/%s", relative, name) : g_strdup (name);

      /* mod_dav_fs keeps each file's properties in a .DAV folder beside it */
      if (g_strcmp0 (name, ".DAV") == 0)
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        collect_files (path, rel, files);
      else
        g_hash_table_add (files, g_steal_pointer (&rel));
    }
}

static gboolean
journal_has (GPtrArray  *journal,
             const char *to_state,
             const char *what)
{
  for (guint i = 0; i < journal->len; i++)
    {
      const PdJournalEntry *e = journal->pdata[i];

      if ((to_state == NULL || g_strcmp0 (e->to_state, to_state) == 0) &&
          (what == NULL || g_strcmp0 (e->what, what) == 0))
        return TRUE;
    }
  return FALSE;
}

static void
check_everything (Torture *t)
{
  g_autoptr(PdLibrary) library = open_library (t);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) documents = pd_library_list_documents (library, &error);
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GHashTable) on_server = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) page_ids = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autofree char *report = NULL;
  g_autofree char *log_out = NULL;
  g_autofree char *root = g_build_filename (pd_test_webdav_get_root (webdav), FOLDER, NULL);
  guint captured = 0, separators = 0, in_pdfs = 0, evicted = 0;
  GHashTableIter iter;
  gpointer key;

  g_assert_no_error (error);
  collect_files (root, FOLDER, on_server);
  log = pd_library_list_sync_log (library, 0, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < documents->len; i++)
    {
      const PdDocument *document = documents->pdata[i];
      g_autoptr(PdSyncState) state = pd_library_get_sync_state (library, document->id, &error);
      g_autoptr(GPtrArray) pages = pd_library_list_pages (library, document->id, &error);
      g_autoptr(GPtrArray) journal = pd_library_list_journal (library, document->id, &error);
      g_autofree char *remote = NULL;
      g_autofree char *remote_sha = NULL;
      g_autofree char *local_sha = NULL;
      g_autofree char *local_pdf = NULL;
      guint included = 0, accepted = 0;

      g_assert_no_error (error);
      if (document->state != PD_DOC_STATE_READY || state->destination == NULL)
        g_test_message ("“%s” is %s with destination %s: %s", document->name,
                        pd_doc_state_to_string (document->state),
                        state->destination ? state->destination : "(none)",
                        document->last_error ? document->last_error : "");
      g_assert_cmpint (document->state, ==, PD_DOC_STATE_READY);
      g_assert_nonnull (state->destination);

      /* Every page in one document only; the pages left out are exactly the separator sheets. */
      for (guint p = 0; p < pages->len; p++)
        {
          PdPage *page = pages->pdata[p];

          g_assert_false (g_hash_table_contains (page_ids, &page->id));
          g_hash_table_add (page_ids, &page->id);
          g_assert_cmpint (page->excluded, ==, page->is_separator);
          if (page->is_separator)
            {
              g_assert_nonnull (page->barcodes);
              g_assert_nonnull (strstr (page->barcodes, "SEP-000"));
              separators++;
            }
          else
            included++;
          /* Evicted: the files of every page are gone too (marked first, unlinked after). */
          if (state->evicted_at != 0)
            {
              if (page->image_path != NULL && g_file_test (page->image_path, G_FILE_TEST_EXISTS))
                g_test_message ("evicted “%s” still has %s", document->name, page->image_path);
              g_assert_false (page->image_path != NULL &&
                              g_file_test (page->image_path, G_FILE_TEST_EXISTS));
              g_assert_false (page->spool_path != NULL &&
                              g_file_test (page->spool_path, G_FILE_TEST_EXISTS));
            }
        }
      captured += pages->len;
      in_pdfs += included;
      g_assert_cmpuint (included, >, 0);

      /* On the server once, under its own name, in its barcode's folder. */
      g_assert_true (g_str_has_prefix (document->name, "SEP-000"));
      remote = g_strdup_printf ("%s/%.8s/%s.pdf", FOLDER, document->name, document->name);
      g_assert_cmpstr (state->remote_path, ==, remote);
      g_assert_cmpint (state->synced_revision, ==, state->revision);
      g_assert_true (g_hash_table_contains (on_server, remote));
      g_assert_false (g_hash_table_contains (expected, remote));
      g_hash_table_add (expected, g_strdup (remote));
      {
        g_autofree char *path = g_build_filename (pd_test_webdav_get_root (webdav), remote, NULL);

        remote_sha = sha256_of (path);
      }

      /* The same bytes as what export gives: the library's PDF unsealed, or for an evicted
       * document what export downloads again. */
      {
        g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, document->id);
        const char *args[] = { "export", id, "-o", NULL, NULL };
        int status = -1;

        if (state->evicted_at != 0)
          {
            evicted++;
            g_assert_false (document->pdf_path != NULL &&
                            g_file_test (document->pdf_path, G_FILE_TEST_EXISTS));
          }
        local_pdf = g_strdup_printf ("%s/export-%s.pdf", t->env->dir, id);
        args[3] = local_pdf;
        g_assert_false (run_killed (t, args, 60 * 1000, &status));
        g_assert_cmpint (status, ==, 0);
      }
      local_sha = sha256_of (local_pdf);
      g_assert_nonnull (local_sha);
      g_assert_cmpstr (local_sha, ==, remote_sha);
      g_assert_cmpuint (pdf_page_count (local_pdf), ==, included);

      /* The journal has its steps; the sync log its one acceptance, and never a conflict. */
      g_assert_true (journal_has (journal, "processing", NULL));
      g_assert_true (journal_has (journal, "ready", NULL));
      if (state->evicted_at != 0)
        g_assert_true (journal_has (journal, NULL, "evicted"));
      for (guint l = 0; l < log->len; l++)
        {
          const PdSyncLogEntry *entry = log->pdata[l];

          if (entry->document_id != document->id)
            continue;
          g_assert_cmpstr (entry->outcome, !=, "conflict");
          if (g_strcmp0 (entry->outcome, "accepted") == 0)
            accepted++;
        }
      g_assert_cmpuint (accepted, ==, 1);
    }

  g_test_message ("%u documents, %u pages: %u in PDFs, %u separator sheets left out; %u evicted",
                  documents->len, captured, in_pdfs, separators, evicted);
  g_assert_cmpuint (captured, ==, N_PAGES);
  g_assert_cmpuint (in_pdfs + separators, ==, N_PAGES);
  /* One separator sheet starts each document; a batch cut right after a sheet that would have
   * started the next one keeps it, left out of the PDF, at the end of the document before. */
  g_assert_cmpuint (separators, >=, documents->len);
  g_assert_cmpuint (evicted, ==, documents->len);

  /* Nothing on the server but our documents: no "(2)" copies. */
  g_hash_table_iter_init (&iter, on_server);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      if (!g_hash_table_contains (expected, key))
        g_test_message ("unexpected on the server: %s", (const char *) key);
      g_assert_true (g_hash_table_contains (expected, key));
    }
  g_assert_cmpuint (g_hash_table_size (on_server), ==, documents->len);

  assert_no_leftovers (pd_test_webdav_get_root (webdav));
  assert_no_leftovers (t->env->library);

  g_assert_true (pd_library_check_integrity (library, &report, &error));
  g_assert_no_error (error);

  /* `log --sync` prints every attempt, one line each. */
  {
    const char *args[] = { "log", "--sync", NULL };
    g_auto(GStrv) lines = NULL;
    guint n = 0;

    g_assert_cmpint (pd_test_run_cli_v (t->env, args, &log_out, NULL), ==, 0);
    lines = g_strsplit (log_out, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++)
      if (lines[i][0] != '\0')
        n++;
    g_test_message ("%u sync attempts in the log", log->len);
    g_assert_cmpuint (n, ==, log->len);
    for (guint i = 0; i < documents->len; i++)
      g_assert_nonnull (strstr (log_out, ((PdDocument *) documents->pdata[i])->name));
  }
}

/* --- the test ------------------------------------------------------------------------------ */

static void
test_whole_path (void)
{
  /* sealed, as a person's library is: the whole path includes encryption at rest */
  g_autoptr(PdTestEnv) env = pd_test_env_new_sealed ();
  g_autofree char *data = make_data_dir (env->dir);
  g_autofree char *profile_dest = g_strdup_printf ("Cloud:%s/{barcode}", FOLDER);
  g_autofree char *seed_text = NULL;
  Torture t = { 0 };
  Snapshot s;
  guint32 seed;
  guint kills = 0, rounds = 0, consecutive = 0;
  gint64 started = g_get_monotonic_time ();
  int status;

  seed = g_getenv ("PD_TORTURE_SEED") != NULL
           ? (guint32) g_ascii_strtoull (g_getenv ("PD_TORTURE_SEED"), NULL, 10)
           : (guint32) g_random_int ();
  g_test_message ("seed %u (PD_TORTURE_SEED=%u replays the same delays)", seed, seed);
  t.env = env;
  t.rand = g_rand_new_with_seed (seed);
  t.trace = g_ptr_array_new_with_free_func (g_free);
  t.log_path = g_build_filename (env->dir, "cli.log", NULL);
  g_test_message ("every paperdock-cli's output: %s (PD_TEST_KEEP=1 keeps it)", t.log_path);
  g_setenv ("PAPERDOCK_DATA_DIR", data, TRUE);
  t.envp = g_get_environ ();
  t.envp = g_environ_setenv (t.envp, "SANE_CONFIG_DIR", env->sane_dir, TRUE);
  t.envp = g_environ_setenv (t.envp, "LC_ALL", "C.UTF-8", TRUE);
  t.envp = g_environ_unsetenv (t.envp, "PAPERDOCK_LIBRARY");

  /* A webdav account, a profile splitting at separator sheets into its barcode's folder, and
   * eviction as soon as a document is on its server. */
  g_assert_cmpint (pd_test_run_cli_stdin (env, PD_TEST_WEBDAV_PASSWORD, NULL, NULL, "accounts",
                                          "add", "webdav", "Cloud", "--url",
                                          pd_test_webdav_get_uri (webdav), "--user",
                                          PD_TEST_WEBDAV_USER, "--password-stdin", NULL), ==, 0);
  g_assert_cmpint (pd_test_run_cli (env, NULL, NULL, "profiles", "add", "Torture", "--device",
                                    "demo", "--source", "adf", "--mode", "gray", "--lang", "eng",
                                    "--separation", "barcode", "--separator-pattern",
                                    "SEP-[0-9]+", "--name-template", "{barcode}_{counter:3}",
                                    "--destination", profile_dest, NULL), ==, 0);
  {
    g_autoptr(PdLibrary) library = open_library (&t);
    g_autoptr(GError) error = NULL;

    g_assert_true (pd_library_set_setting (library, PD_SETTING_EVICT_GRACE_HOURS, "0", &error));
    g_assert_no_error (error);
  }

  /* Each round: the processing command that is due (scan of the pages not yet captured, or
   * resume), then a sync, each killed at a random moment. Sync runs between processing runs, so
   * uploads and evictions are interrupted while other documents are still being made. */
  take_snapshot (&t, &s);
  for (rounds = 0; rounds < MAX_ROUNDS; rounds++)
    {
      guint last_captured = s.captured + s.discarded;
      guint last_unfinished = s.unfinished;

      if (s.captured == N_PAGES && s.unfinished == 0 && s.pending == 0 && s.not_evicted == 0)
        break;

      if (s.captured < N_PAGES || s.unfinished > 0)
        {
          g_autofree char *n = g_strdup_printf ("%u", N_PAGES - s.captured);
          const char *scan[] = { "scan", "--device", "demo", "--source", "adf", "--pages", n,
                                 "--profile", "Torture", NULL };
          const char *resume[] = { "resume", NULL };
          /* Longer delays after kills that made no progress, so the work always ends; after
           * progress, only half as long again, since delays back at their shortest would be
           * spent climbing again (under ASan a scan takes most of a second to get going). The
           * short base keeps a fast build's runs killed often enough for MIN_KILLS. */
          guint max_ms = 100 + 120 * consecutive;
          guint delay = (guint) g_rand_int_range (t.rand, 30, (gint32) max_ms);
          const char *const *command = s.captured < N_PAGES ? scan : resume;
          Phase phase = N_PHASES;

          gboolean killed;

          killed = run_killed (&t, command, delay, &status);
          if (killed)
            {
              phase = processing_phase (&t);
              t.kills[phase]++;
              kills++;
            }
          else
            {
              g_assert_cmpint (status, ==, 0);
              consecutive = 0;
            }
          take_snapshot (&t, &s);
          g_ptr_array_add (t.trace, g_strdup_printf (
            "round %u: %s, %u ms, %s; pages %u+%u, unfinished %u, unread %u, stuck %u", rounds,
            command[0], delay,
            killed ? phase_names[phase] : "ended", s.captured, s.discarded, s.unfinished,
            s.unread_pages, consecutive));
          /* A kill may lose the page being read, never one already saved (a batch holding
           * only a separator sheet is removed on purpose, and the journal says so). */
          g_assert_cmpuint (s.captured + s.discarded, >=, last_captured);
          /* Stuck: no page saved and no document finished, though work remains (pages to scan
           * or read, or a finish that writes a long PDF under a sanitizer, killed before its end
           * as surely as a page being read is). Pages read along the way do not count: a resume
           * that reads a few pages and is killed again would never get further. */
          if (s.captured + s.discarded == last_captured && s.unfinished >= last_unfinished)
            consecutive++;
          else
            consecutive /= 2;
        }

      {
        const char *sync[] = { "sync", "--wait", NULL };
        guint delay = (guint) g_rand_int_range (t.rand, 10, 250);
        gboolean due = s.pending > 0;

        if (run_killed (&t, sync, delay, &status))
          {
            t.kills[due ? PHASE_UPLOAD : PHASE_EVICT]++;
            kills++;
          }
        else
          g_assert_cmpint (status, ==, 0);
        take_snapshot (&t, &s);
      }
    }

  g_test_message ("%u rounds, %u runs of paperdock-cli, %u kills, %u clean exits, %.1f s",
                  rounds, t.runs, kills, t.clean_exits,
                  (double) (g_get_monotonic_time () - started) / G_USEC_PER_SEC);
  for (Phase p = 0; p < N_PHASES; p++)
    g_test_message ("  killed during %-8s %u", phase_names[p], t.kills[p]);
  if (rounds == MAX_ROUNDS)
    for (guint i = t.trace->len > 40 ? t.trace->len - 40 : 0; i < t.trace->len; i++)
      g_test_message ("%s", (const char *) t.trace->pdata[i]);
  if (rounds == MAX_ROUNDS)
    g_test_message ("not finished: %u pages, %u unfinished documents, %u due, %u not evicted",
                    s.captured, s.unfinished, s.pending, s.not_evicted);
  g_assert_cmpuint (rounds, <, MAX_ROUNDS);
  g_assert_cmpuint (kills, >=, MIN_KILLS);

  /* Nothing left for a clean resume and sync to do. */
  {
    g_autofree char *out = NULL;

    g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "sync", "--wait", NULL), ==, 0);
    g_assert_nonnull (strstr (out, "Accepted: 0 "));
  }

  check_everything (&t);

  seed_text = g_strdup_printf ("%u", seed);
  g_test_message ("seed %s: done", seed_text);
  g_strfreev (t.envp);
  g_free (t.log_path);
  g_ptr_array_unref (t.trace);
  g_rand_free (t.rand);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/torture/whole-path", test_whole_path);

  webdav = pd_test_webdav_start (0);
  ret = g_test_run ();
  pd_test_webdav_stop (webdav);
  return ret;
}
