/* test-ocr.c: recognition with the real tesseract: the words of a page are found, a crooked
 * page is straightened first and still read, a missing language says which package to install,
 * Cancel stops a page, and two worker threads recognize at the same time. */
#include <math.h>
#include <string.h>

#include "pd-ocr.h"
#include "pd-page-processor.h"
#include "pd-process-error.h"
#include "pd-process-private.h"
#include "pd-test-process.h"
#include "pd-word.h"

static void
test_page_words (void)
{
  g_auto(GStrv) expected = NULL;
  g_autoptr(PIX) pix = pd_test_load_page (&expected);
  g_autoptr(PdProcessOptions) options = pd_process_options_new ();
  g_autoptr(PdPageResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = pd_test_make_dir ("work");
  g_autofree char *spool = pd_test_write_pnm (pix, dir, "page.pgm");
  g_auto(GStrv) found = NULL;
  double fraction;
  guint last_line = 0;

  result = pd_page_process (spool, 300, options, dir, "page", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);

  found = pd_test_words_of_array (result->words);
  fraction = pd_test_fraction_found (expected, found);
  g_test_message ("%u words, %.1f %% of the page's words found, mean confidence %.1f, skew %.3f°",
                  result->words->len, fraction * 100, result->mean_confidence,
                  result->skew_degrees);
  g_assert_cmpfloat (fraction, >=, 0.95);
  g_assert_cmpfloat (result->mean_confidence, >, 70.0);
  g_assert_nonnull (strstr (result->text, expected[0]));
  g_assert_cmpfloat (fabs (result->skew_degrees), <, 0.3);

  for (guint i = 0; i < result->words->len; i++)
    {
      const PdWord *w = &g_array_index (result->words, PdWord, i);

      g_assert_cmpint (w->x0, >=, 0);
      g_assert_cmpint (w->x0, <, w->x1);
      g_assert_cmpint (w->y0, <, w->y1);
      g_assert_cmpint (w->x1, <=, pixGetWidth (pix));
      g_assert_cmpint (w->y1, <=, pixGetHeight (pix));
      g_assert_cmpint (w->baseline, >=, w->y0);
      g_assert_cmpint (w->baseline, <=, w->y1);
      g_assert_cmpuint (w->line, >=, last_line);
      last_line = w->line;
    }
  g_assert_cmpuint (last_line, >, 3);
}

static PIX *
sauvola (PIX *pix)
{
  PIX *binary = NULL;

  g_assert_cmpint (pixSauvolaBinarizeTiled (pix, 25, 0.35f, 1, 1, NULL, &binary), ==, 0);
  return binary;
}

static void
test_deskew (void)
{
  g_auto(GStrv) expected = NULL;
  g_autoptr(PIX) pix = pd_test_load_page (&expected);
  g_autoptr(PIX) skewed = NULL;
  g_autoptr(PdProcessOptions) options = pd_process_options_new ();
  g_autoptr(PdPageResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = pd_test_make_dir ("work");
  g_autofree char *spool = NULL;
  g_auto(GStrv) found = NULL;
  double fraction;

  /* Turned 3 degrees clockwise, as a page fed crooked through an ADF. */
  skewed = pixRotate (pix, (l_float32) (3.0 * G_PI / 180.0), L_ROTATE_AREA_MAP,
                      L_BRING_IN_WHITE, 0, 0);
  spool = pd_test_write_pnm (skewed, dir, "skewed.pgm");

  options->mode = PD_SCAN_MODE_GRAY;
  result = pd_page_process (spool, 300, options, dir, "page", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);

  g_test_message ("skew corrected: %.3f°", result->skew_degrees);
  g_assert_cmpfloat (fabs (result->skew_degrees + 3.0), <, 0.3);

  found = pd_test_words_of_array (result->words);
  fraction = pd_test_fraction_found (expected, found);
  g_test_message ("%.1f %% of the page's words found after deskew", fraction * 100);
  g_assert_cmpfloat (fraction, >=, 0.95);
  g_assert_cmpuint (result->width, ==, (guint) pixGetWidth (pix));
  g_assert_cmpuint (result->dpi, ==, 300);
}

static void
test_missing_language (void)
{
  g_autoptr(PIX) pix = pixCreate (100, 100, 8);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) installed = pd_ocr_dup_installed_languages ();

  g_assert_true (g_strv_contains ((const char * const *) installed, "eng"));
  g_assert_false (g_strv_contains ((const char * const *) installed, "osd"));
  g_assert_true (pd_ocr_check_languages ("eng", NULL));

  g_assert_false (pd_ocr_recognize (pix, 300, "eng+chi_sim", NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_NO_LANGUAGE);
  g_test_message ("%s", error->message);
  /* What to install, and what is there already. */
  g_assert_nonnull (strstr (error->message, "tesseract-ocr-chi-sim"));
  g_assert_nonnull (strstr (error->message, "eng"));
  g_clear_error (&error);

  g_assert_false (pd_ocr_check_languages ("../../etc/passwd", &error));
  g_assert_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_NO_LANGUAGE);
}

typedef struct {
  PIX          *pix;
  GCancellable *cancellable;
  GError       *error;
  gboolean      ok;
  GArray       *words;
} RecognizeJob;

static gpointer
recognize_thread (gpointer data)
{
  RecognizeJob *job = data;

  job->words = pd_word_array_new ();
  job->ok = pd_ocr_recognize (job->pix, 300, "eng", job->words, NULL, NULL, job->cancellable,
                              &job->error);
  return NULL;
}

static void
test_cancel (void)
{
  g_auto(GStrv) expected = NULL;
  g_autoptr(PIX) pix = pd_test_load_page (&expected);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  RecognizeJob job = { pix, cancellable, NULL, FALSE, NULL };
  GThread *thread;
  gint64 cancelled_at, done_at;

  thread = g_thread_new ("ocr", recognize_thread, &job);
  g_usleep (300 * G_TIME_SPAN_MILLISECOND);
  cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  g_thread_join (thread);
  done_at = g_get_monotonic_time ();

  g_assert_false (job.ok);
  g_assert_error (job.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_test_message ("stopped %.0f ms after Cancel", (done_at - cancelled_at) / 1000.0);
  g_assert_cmpint (done_at - cancelled_at, <, G_USEC_PER_SEC);
  g_clear_error (&job.error);
  g_array_unref (job.words);
}

static void
test_two_threads (void)
{
  g_auto(GStrv) expected = NULL;
  g_autoptr(PIX) gray = pd_test_load_page (&expected);
  g_autoptr(PIX) pix = sauvola (gray);
  RecognizeJob jobs[2] = { { pix, NULL, NULL, FALSE, NULL }, { pix, NULL, NULL, FALSE, NULL } };
  GThread *threads[2];

  for (guint i = 0; i < 2; i++)
    threads[i] = g_thread_new ("ocr", recognize_thread, &jobs[i]);
  for (guint i = 0; i < 2; i++)
    {
      g_auto(GStrv) found = NULL;

      g_thread_join (threads[i]);
      g_assert_no_error (jobs[i].error);
      g_assert_true (jobs[i].ok);
      found = pd_test_words_of_array (jobs[i].words);
      g_assert_cmpfloat (pd_test_fraction_found (expected, found), >=, 0.95);
      g_array_unref (jobs[i].words);
    }
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/process/ocr/page-words", test_page_words);
  g_test_add_func ("/process/ocr/deskew", test_deskew);
  g_test_add_func ("/process/ocr/missing-language", test_missing_language);
  g_test_add_func ("/process/ocr/cancel", test_cancel);
  g_test_add_func ("/process/ocr/two-threads", test_two_threads);

  ret = g_test_run ();
  pd_ocr_release_thread_engine ();
  return ret;
}
