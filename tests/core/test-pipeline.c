/* test-pipeline.c: the pipeline overlaps capture with recognition and never blocks its main
 * context, through real SANE (test backend and demo scanner), tesseract and SQLite. */
#include <glib/gstdio.h>
#include <leptonica/allheaders.h>
#include <string.h>

#include "pd-document-edit.h"
#include "pd-library.h"
#include "pd-naming.h"
#include "pd-pipeline.h"
#include "pd-profile.h"
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

typedef struct {
  gboolean  finalized;
  GThread  *thread;
} Finalized;

static void
pipeline_finalized_cb (gpointer  data,
                       GObject  *where_the_object_was)
{
  Finalized *finalized = data;

  finalized->thread = g_thread_self ();
  g_atomic_int_set (&finalized->finalized, TRUE);
  /* Wakes the loop below even when this runs in another thread, which it must not. */
  g_main_context_wakeup (NULL);
}

/* The batches let go of the pipeline on this main context; waiting for that ends its worker
 * threads (and their recognizers) here rather than at process exit. The pipeline's last
 * reference must go here too, never in one of its threads. */
static void
release_pipeline (PdPipeline **pipeline)
{
  Finalized finalized = { FALSE, NULL };
  gboolean timed_out = FALSE;
  guint id;

  g_object_weak_ref (G_OBJECT (*pipeline), pipeline_finalized_cb, &finalized);
  g_clear_object (pipeline);
  id = g_timeout_add_seconds (10, give_up_cb, &timed_out);
  while (!g_atomic_int_get (&finalized.finalized) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_assert_true (finalized.thread == g_thread_self ());
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

/* Review ------------------------------------------------------------------------------------- */

/* A page of the demo scanner's size with a Code 39 barcode printed by zint: the separator sheet
 * an office puts between documents. */
static char *
write_separator_sheet (const char *value)
{
  g_autofree char *code = g_strdup_printf ("%s/code-%s.png", g_get_user_cache_dir (), value);
  g_autofree char *data = g_strdup_printf ("--data=%s", value);
  g_autofree char *out = g_strdup_printf ("--output=%s", code);
  const char *zint[] = { "zint", "--barcode=8", "--height=60", "--scale=4", data, out, NULL };
  char *path = g_strdup_printf ("%s/sheet-%s.png", g_get_user_cache_dir (), value);
  g_autoptr(GError) error = NULL;
  int status = -1;
  PIX *page, *barcode_rgb, *barcode;

  g_mkdir_with_parents (g_get_user_cache_dir (), 0700);
  g_assert_true (g_spawn_sync (NULL, (char **) zint, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  page = pixCreate (2480, 3508, 8);
  pixSetAllArbitrary (page, 240);
  barcode_rgb = pixRead (code);
  g_assert_nonnull (barcode_rgb);
  barcode = pixConvertTo8 (barcode_rgb, FALSE);
  pixRasterop (page, 600, 1400, pixGetWidth (barcode), pixGetHeight (barcode), PIX_SRC, barcode, 0, 0);
  pixSetResolution (page, 300, 300);
  g_assert_cmpint (pixWrite (path, page, IFF_PNG), ==, 0);
  pixDestroy (&barcode);
  pixDestroy (&barcode_rgb);
  pixDestroy (&page);
  return path;
}

static char *
demo_page (guint n)
{
  g_autofree char *base = g_strdup_printf ("page-%02u.pgm", n);

  return g_build_filename (g_getenv ("PAPERDOCK_DATA_DIR"), "demo", base, NULL);
}

/* Claims: a barcode sheet starts each document, named from the sheet and a counter. */
static PdLibrary *
open_claims_library (const char *name)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PdLibrary) library = pd_library_open (dir, &error);
  g_autoptr(PdProfile) profile = pd_profile_new ("Claims");

  g_assert_no_error (error);
  profile->separation = PD_SEPARATION_BARCODE;
  profile->separator_pattern = g_strdup ("SEP-[0-9]+");
  profile->name_template = g_strdup ("{barcode}_{counter:3}");
  g_assert_true (pd_library_save_profile (library, profile, FALSE, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&library);
}

static void
quit_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_until_set (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

/* Imports the two claims (sheet, page, sheet, page) into @library; in review, @plan_out gets
 * the plan. */
static GPtrArray *
import_claims (PdLibrary     *library,
               gboolean       review,
               PdFilingPlan **plan_out)
{
  g_autofree char *sep1 = write_separator_sheet ("SEP-0001");
  g_autofree char *sep2 = write_separator_sheet ("SEP-0002");
  g_autofree char *p1 = demo_page (1);
  g_autofree char *p2 = demo_page (2);
  const char *files[] = { sep1, p1, sep2, p2, NULL };
  g_autoptr(PdProfile) profile = pd_library_get_profile (library, "Claims", NULL);
  g_autoptr(PdProcessOptions) process = pd_process_options_new ();
  g_autoptr(PdPipeline) pipeline = pd_pipeline_new (library, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *documents = NULL;

  pd_pipeline_set_profile (pipeline, profile);
  pd_pipeline_set_review (pipeline, review);
  pd_pipeline_import_async (pipeline, files, process, NULL, NULL, quit_cb, &result);
  wait_until_set (&result);
  pd_pipeline_import_finish (pipeline, result, &documents, &error);
  g_assert_no_error (error);
  if (plan_out != NULL)
    *plan_out = pd_pipeline_dup_plan (pipeline, result);
  g_clear_object (&result);
  release_pipeline (&pipeline);
  return documents;
}

/* Save shows the documents the separation rules will make and the names they will get, takes
 * no counter for that, and files them exactly as a batch filed at once would be. */
static void
test_review_plan (void)
{
  g_autoptr(PdLibrary) direct_library = open_claims_library ("direct");
  g_autoptr(PdLibrary) review_library = open_claims_library ("review");
  g_autoptr(GPtrArray) direct = import_claims (direct_library, FALSE, NULL);
  g_autoptr(PdFilingPlan) plan = NULL;
  g_autoptr(GPtrArray) reviewed = import_claims (review_library, TRUE, &plan);
  g_autoptr(PdPipeline) pipeline = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) filed = NULL;
  g_autoptr(GError) error = NULL;

  /* Filed at once: two ready documents, named from their sheets. */
  g_assert_cmpuint (direct->len, ==, 2);
  g_assert_cmpstr (((PdDocument *) direct->pdata[0])->name, ==, "SEP-0001_001");
  g_assert_cmpstr (((PdDocument *) direct->pdata[1])->name, ==, "SEP-0002_002");

  /* In review: one document, every page recognized, nothing split, no PDF, no counter taken. */
  g_assert_cmpuint (reviewed->len, ==, 1);
  g_assert_cmpint (((PdDocument *) reviewed->pdata[0])->state, ==, PD_DOC_STATE_PROCESSING);
  g_assert_cmpuint (((PdDocument *) reviewed->pdata[0])->n_pages, ==, 4);
  g_assert_null (((PdDocument *) reviewed->pdata[0])->pdf_path);
  g_assert_cmpint (pd_library_peek_counter (review_library, "Claims", NULL), ==, 1);

  g_assert_nonnull (plan);
  g_assert_cmpint (plan->document_id, ==, ((PdDocument *) reviewed->pdata[0])->id);
  g_assert_cmpstr (plan->profile, ==, "Claims");
  g_assert_cmpuint (plan->segments->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      PdFilingSegment *segment = g_ptr_array_index (plan->segments, i);
      PdDocument *expected = g_ptr_array_index (direct, i);

      g_assert_cmpstr (segment->name, ==, expected->name);
      g_assert_cmpstr (segment->barcode, ==, i == 0 ? "SEP-0001" : "SEP-0002");
      g_assert_cmpuint (segment->first_index, ==, 2 * i);
      /* The sheet stays with its document but is not a page of its PDF. */
      g_assert_cmpuint (segment->n_pages, ==, 1);
    }

  /* Saved: the same documents as filed at once. */
  pipeline = pd_pipeline_new (review_library, NULL);
  pd_pipeline_file_async (pipeline, plan, NULL, quit_cb, &result);
  wait_until_set (&result);
  pd_pipeline_file_finish (pipeline, result, &filed, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (filed->len, ==, direct->len);
  for (guint i = 0; i < filed->len; i++)
    {
      PdDocument *got = g_ptr_array_index (filed, i);
      PdDocument *expected = g_ptr_array_index (direct, i);

      g_assert_cmpstr (got->name, ==, expected->name);
      g_assert_cmpuint (got->n_pages, ==, expected->n_pages);
      g_assert_cmpint (got->state, ==, PD_DOC_STATE_READY);
      g_assert_true (g_file_test (got->pdf_path, G_FILE_TEST_IS_REGULAR));
    }
  g_assert_cmpint (pd_library_peek_counter (review_library, "Claims", NULL), ==, 3);

  /* Filed once only: a second Save says so and makes nothing. */
  pd_pipeline_file_async (pipeline, plan, NULL, quit_cb, &result);
  wait_until_set (&result);
  g_clear_pointer (&filed, g_ptr_array_unref);
  g_assert_false (pd_pipeline_file_finish (pipeline, result, &filed, &error));
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_BAD_TRANSITION);
  g_assert_cmpuint (filed->len, ==, 0);
  g_clear_object (&result);
  release_pipeline (&pipeline);
}

/* A batch left in review when the program ended is filed by the next start's resume, by its
 * profile's rules: nothing scanned is lost. */
static void
test_review_resumed (void)
{
  g_autoptr(PdLibrary) library = open_claims_library ("left");
  g_autoptr(PdFilingPlan) plan = NULL;
  g_autoptr(GPtrArray) reviewed = import_claims (library, TRUE, &plan);
  g_autoptr(PdPipeline) pipeline = pd_pipeline_new (library, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) documents = NULL;
  g_autoptr(GError) error = NULL;
  guint n_resumed = 0;

  g_assert_nonnull (plan);
  pd_pipeline_resume_async (pipeline, NULL, quit_cb, &result);
  wait_until_set (&result);
  pd_pipeline_resume_finish (pipeline, result, &n_resumed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_resumed, ==, 1);
  g_clear_object (&result);
  release_pipeline (&pipeline);

  documents = pd_library_list_documents (library, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (documents->len, ==, 2);
  for (guint i = 0; i < documents->len; i++)
    {
      PdDocument *document = g_ptr_array_index (documents, i);
      gboolean planned = FALSE;

      g_assert_cmpint (document->state, ==, PD_DOC_STATE_READY);
      for (guint k = 0; k < plan->segments->len; k++)
        planned |= g_strcmp0 (((PdFilingSegment *) plan->segments->pdata[k])->name, document->name) == 0;
      g_assert_true (planned);
    }
}

/* Edits a page of a batch waiting in review, as the Scan page does before Save. */
static void
edit_page (PdLibrary      *library,
           PdPageEditKind  kind,
           gint64          page_id,
           int             value)
{
  PdPageEdit edit = { 0 };
  g_autoptr(GError) error = NULL;

  edit.kind = kind;
  edit.page_id = page_id;
  edit.value = value;
  pd_document_edit_page (library, &edit, &error);
  g_assert_no_error (error);
}

/* Edited while it waits for Save: the pages change in the library but no PDF is made, the
 * preview is planned again from the pages as they are, and Save files what the person sees. */
static void
test_review_edited (void)
{
  g_autoptr(PdLibrary) library = open_claims_library ("edited");
  g_autoptr(PdFilingPlan) plan = NULL;
  g_autoptr(PdFilingPlan) replanned = NULL;
  g_autoptr(GPtrArray) reviewed = import_claims (library, TRUE, &plan);
  g_autoptr(PdPipeline) pipeline = pd_pipeline_new (library, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(GPtrArray) filed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) waiting = NULL;
  gint64 document_id = ((PdDocument *) reviewed->pdata[0])->id;

  g_assert_cmpuint (plan->segments->len, ==, 2);
  pages = pd_library_list_pages (library, document_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pages->len, ==, 4);

  /* The second separator sheet goes, and the last page is turned. */
  edit_page (library, PD_PAGE_EDIT_DELETE, ((PdPage *) pages->pdata[2])->id, 0);
  edit_page (library, PD_PAGE_EDIT_ROTATE, ((PdPage *) pages->pdata[3])->id, 1);
  waiting = pd_library_get_document_by_id (library, document_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (waiting->state, ==, PD_DOC_STATE_PROCESSING);
  g_assert_null (waiting->pdf_path);
  g_assert_cmpuint (waiting->n_pages, ==, 3);

  /* Planned again: one document of the two pages, named from the first sheet. */
  pd_pipeline_plan_async (pipeline, document_id, NULL, quit_cb, &result);
  wait_until_set (&result);
  replanned = pd_pipeline_plan_finish (pipeline, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (replanned->segments->len, ==, 1);
  g_assert_cmpstr (((PdFilingSegment *) replanned->segments->pdata[0])->name, ==, "SEP-0001_001");
  g_assert_cmpuint (((PdFilingSegment *) replanned->segments->pdata[0])->n_pages, ==, 2);
  g_assert_cmpint (pd_library_peek_counter (library, "Claims", NULL), ==, 1);

  /* Saved: exactly that, the sheet staying with its document outside the PDF. */
  pd_pipeline_file_async (pipeline, replanned, NULL, quit_cb, &result);
  wait_until_set (&result);
  pd_pipeline_file_finish (pipeline, result, &filed, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (filed->len, ==, 1);
  g_assert_cmpstr (((PdDocument *) filed->pdata[0])->name, ==, "SEP-0001_001");
  g_assert_cmpuint (((PdDocument *) filed->pdata[0])->n_pages, ==, 3);
  g_assert_cmpint (((PdDocument *) filed->pdata[0])->state, ==, PD_DOC_STATE_READY);

  /* Filed, it is planned no more. */
  pd_pipeline_plan_async (pipeline, document_id, NULL, quit_cb, &result);
  wait_until_set (&result);
  g_assert_null (pd_pipeline_plan_finish (pipeline, result, &error));
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_BAD_TRANSITION);
  g_clear_object (&result);
  release_pipeline (&pipeline);
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
  g_test_add_func ("/pipeline/review/plan", test_review_plan);
  g_test_add_func ("/pipeline/review/resumed", test_review_resumed);
  g_test_add_func ("/pipeline/review/edited", test_review_edited);
  return g_test_run ();
}
