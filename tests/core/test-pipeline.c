/* test-pipeline.c: the pipeline overlaps capture with recognition and never blocks its main
 * context, through real SANE (test backend and demo scanner), tesseract and SQLite. */
#include <glib/gstdio.h>
#include <string.h>

#include "pd-library.h"
#include "pd-pipeline.h"
#include "pd-scanner.h"

typedef struct {
  GMainLoop    *loop;
  GAsyncResult *result;
  gint64        captured_at[16];
  gint64        recognized_at[16];
  guint         stage_seq;          /* "page-stage": the order the stages arrived in */
  guint         enhancing_seq[16];
  guint         reading_seq[16];
  guint         done_seq[16];
  guint         n_stage_out_of_order;
  gint64        last_tick;
  gint64        max_gap;
} Fixture;

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Fixture *f = user_data;

  f->result = g_object_ref (result);
  g_main_loop_quit (f->loop);
}

static void
page_captured_cb (PdPipeline *pipeline,
                  gint64      document_id,
                  guint       index,
                  Fixture    *f)
{
  if (index < G_N_ELEMENTS (f->captured_at))
    f->captured_at[index] = g_get_monotonic_time ();
}

static void
page_recognized_cb (PdPipeline *pipeline,
                    gint64      document_id,
                    guint       index,
                    guint       n_words,
                    double      skew,
                    Fixture    *f)
{
  if (index < G_N_ELEMENTS (f->recognized_at))
    f->recognized_at[index] = g_get_monotonic_time ();
}

static void
page_stage_cb (PdPipeline *pipeline,
               gint64      document_id,
               guint       index,
               guint       stage,
               Fixture    *f)
{
  guint seq = ++f->stage_seq;

  if (index >= G_N_ELEMENTS (f->done_seq))
    return;
  if (stage == PD_PAGE_STAGE_ENHANCING)
    {
      /* Only after the page exists, and once. */
      if (f->captured_at[index] == 0 || f->enhancing_seq[index] != 0)
        f->n_stage_out_of_order++;
      f->enhancing_seq[index] = seq;
    }
  else if (stage == PD_PAGE_STAGE_READING_TEXT)
    {
      if (f->enhancing_seq[index] == 0 || f->reading_seq[index] != 0)
        f->n_stage_out_of_order++;
      f->reading_seq[index] = seq;
    }
  else if (stage == PD_PAGE_STAGE_DONE)
    {
      if (f->reading_seq[index] == 0 || f->done_seq[index] != 0)
        f->n_stage_out_of_order++;
      /* The page's row is committed before "done": it was recognized first. */
      if (f->recognized_at[index] == 0)
        f->n_stage_out_of_order++;
      f->done_seq[index] = seq;
    }
  else
    f->n_stage_out_of_order++;
}

static gboolean
tick_cb (gpointer user_data)
{
  Fixture *f = user_data;
  gint64 now = g_get_monotonic_time ();

  if (f->last_tick != 0)
    f->max_gap = MAX (f->max_gap, now - f->last_tick);
  f->last_tick = now;
  return G_SOURCE_CONTINUE;
}

static gboolean
give_up_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* The batches let go of the pipeline on this main context; waiting for that ends its worker
 * threads (and their recognizers) here rather than at process exit. */
static void
release_pipeline (PdPipeline **pipeline)
{
  gpointer weak = *pipeline;
  gboolean timed_out = FALSE;
  guint id;

  g_object_add_weak_pointer (G_OBJECT (weak), &weak);
  g_clear_object (pipeline);
  id = g_timeout_add_seconds (10, give_up_cb, &timed_out);
  while (weak != NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (id);
}

static PdDocument *
run_scan (Fixture       *f,
          PdScanOptions *scan,
          GError       **error)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "library", NULL);
  g_autoptr(PdLibrary) library = pd_library_open (dir, error);
  g_autoptr(PdScanner) scanner = pd_scanner_new ();
  g_autoptr(PdPipeline) pipeline = NULL;
  g_autoptr(PdProcessOptions) process = pd_process_options_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) documents = NULL;
  guint tick;

  g_assert_nonnull (library);
  pipeline = pd_pipeline_new (library, scanner);
  g_signal_connect (pipeline, "page-captured", G_CALLBACK (page_captured_cb), f);
  g_signal_connect (pipeline, "page-recognized", G_CALLBACK (page_recognized_cb), f);
  g_signal_connect (pipeline, "page-stage", G_CALLBACK (page_stage_cb), f);

  f->loop = g_main_loop_new (NULL, FALSE);
  tick = g_timeout_add (5, tick_cb, f);
  pd_pipeline_scan_async (pipeline, scan, process, NULL, NULL, result_cb, f);
  g_main_loop_run (f->loop);
  g_source_remove (tick);
  result = g_steal_pointer (&f->result);
  pd_pipeline_scan_finish (pipeline, result, &documents, error);
  g_clear_object (&result);
  release_pipeline (&pipeline);
  g_main_loop_unref (f->loop);
  g_assert_cmpuint (documents->len, ==, 1);
  return pd_document_copy (g_ptr_array_index (documents, 0));
}

/* Page 1 is recognized while the scanner is still feeding later pages. */
static void
test_overlap (void)
{
  Fixture f = { 0 };
  g_autoptr(PdScanOptions) scan = pd_scan_options_new ();
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(GError) error = NULL;
  const char *options[] = { "test-picture=Grid", "read-delay=yes", "read-delay-duration=60000",
                            "read-limit=yes", "read-limit-size=32768", NULL };

  scan->device = g_strdup ("test:0");
  scan->source = PD_SCAN_SOURCE_ADF;
  scan->resolution = 100;
  scan->max_pages = 5;
  scan->sane_options = g_strdupv ((char **) options);

  document = run_scan (&f, scan, &error);
  g_assert_no_error (error);
  g_assert_nonnull (document);
  g_assert_cmpuint (document->n_pages, ==, 5);
  g_assert_cmpint (document->state, ==, PD_DOC_STATE_READY);
  /* About 1.8 s a page from the scanner: page 1 is read long before the last page leaves it,
   * even in a sanitizer build. */
  g_test_message ("page 1 recognized %.2f s before page 5 was captured",
                  (f.captured_at[4] - f.recognized_at[0]) / 1e6);
  g_assert_cmpint (f.recognized_at[0], >, 0);
  g_assert_cmpint (f.recognized_at[0], <, f.captured_at[4]);
  /* Each page told its stages in order, on this context: enhancing, reading text, done. */
  g_assert_cmpuint (f.n_stage_out_of_order, ==, 0);
  for (guint i = 0; i < 5; i++)
    {
      g_assert_cmpuint (f.enhancing_seq[i], >, 0);
      g_assert_cmpuint (f.reading_seq[i], >, f.enhancing_seq[i]);
      g_assert_cmpuint (f.done_seq[i], >, f.reading_seq[i]);
    }
  g_assert_cmpuint (f.done_seq[5], ==, 0);
}

/* Six real pages through SANE, deskew, OCR, SQLite and the PDF: the main context keeps
 * dispatching every few milliseconds throughout. */
static void
test_main_context_free (void)
{
  Fixture f = { 0 };
  g_autoptr(PdScanOptions) scan = pd_scan_options_new ();
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(GError) error = NULL;

  scan->device = g_strdup ("demo");
  scan->max_pages = 6;

  document = run_scan (&f, scan, &error);
  g_assert_no_error (error);
  g_assert_nonnull (document);
  g_assert_cmpuint (document->n_pages, ==, 6);
  g_test_message ("longest gap between main-context dispatches: %.1f ms", f.max_gap / 1000.0);
  g_assert_cmpint (f.max_gap, <, 250 * 1000);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *sane_dir = NULL;
  const char *fixtures = g_getenv ("PD_TEST_SANE_FIXTURES");

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* Only SANE's test and pnm backends, set before the scanner thread starts. */
  sane_dir = g_dir_make_tmp ("pd-sane-XXXXXX", NULL);
  for (guint i = 0; i < 2; i++)
    {
      const char *names[] = { "dll.conf", "test.conf" };
      g_autofree char *from = g_build_filename (fixtures, names[i], NULL);
      g_autofree char *to = g_build_filename (sane_dir, names[i], NULL);
      g_autofree char *contents = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (from, &contents, &len, NULL));
      g_assert_true (g_file_set_contents (to, contents, (gssize) len, NULL));
    }
  g_setenv ("SANE_CONFIG_DIR", sane_dir, TRUE);

  g_test_add_func ("/pipeline/overlap", test_overlap);
  g_test_add_func ("/pipeline/main-context-free", test_main_context_free);
  return g_test_run ();
}
