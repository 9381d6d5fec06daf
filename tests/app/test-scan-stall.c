/* test-scan-stall.c: the benchmark of issue 6: how long the main loop can stall while the Scan
 * page scans 20 pages of 300 dpi from the demo scanner, deskews them and reads their text, with a
 * thumbnail per page on screen. A timer that should run every 5 ms measures the gaps between its
 * dispatches from the press of Scan until every page reads Done; each gap is how long a click or
 * a key would have waited. The longest gap is printed, and a screenshot of the batch is left
 * beside the test log. Needs a display (the suite runs under xvfb-run). */
#define G_LOG_DOMAIN "pd-test"

#include "config.h"

#include <glib/gstdio.h>
#include <time.h>
#include <unistd.h>

#include "pd-library.h"
#include "pd-profile.h"
#include "pd-scan-page.h"
#include "pd-scan-view.h"
#include "pd-test-scan.h"
#include "pd-test-app.h"

#define N_PAGES          20   /* PD_STALL_PAGES=N measures a larger batch by hand */
#define SCAN_TIMEOUT_MS  (300 * 1000)
#define TICK_MS          5
/* The target: a stall a person notices is one over 50 ms. */
#define TARGET_US        (50 * 1000)

static guint n_pages = N_PAGES;

/* What is asserted. Measured on a shared 2-core machine (load average 3 to 9 from other builds
 * and tests), 20 pages, GSK_RENDERER=cairo under Xvfb. Before the Scan page stopped rebuilding
 * every tile of the batch on each page read back, that alone took 50 to 210 ms per page; after:
 * longest gap 37 to 370 ms depending on the load (0 to 14 gaps over 50 ms), 95th percentile 9 to
 * 19 ms, and the main thread itself never ran more than 25 ms of CPU within one gap: the long
 * gaps were the main thread (and Xvfb) waiting for a core, not work of the app. Under ASan+UBSan:
 * longest 167 to 213 ms, 95th percentile 16 to 18 ms, at most 22 ms of work within one gap.
 * So the 50 ms target is asserted on what the app does, which load does not change:
 * - the main thread's CPU time within any one gap (its longest piece of work between two
 *   dispatches of the timer) stays under 50 ms;
 * - 95 gaps in 100 stay under 50 ms of wall-clock time;
 * - no gap at all reaches a second, however loaded the machine: that is a hang anyone sees.
 * The longest wall-clock gap and the count over 50 ms are printed, not asserted: on a loaded
 * machine they measure the other processes. AddressSanitizer makes the main thread's own work
 * (layout, painting) slower, so there the limits are looser. */
#define MAX_P95_US       (50 * 1000)
#if defined(__SANITIZE_ADDRESS__)
#define MAX_WORK_US      (150 * 1000)
#define CEILING_US       (2 * G_USEC_PER_SEC)
#else
#define MAX_WORK_US      (50 * 1000)
#define CEILING_US       (1 * G_USEC_PER_SEC)
#endif

typedef struct {
  gint64  last_tick;
  gint64  last_cpu;
  gint64  longest_work;  /* µs of main-thread CPU time within one gap */
  GArray *gaps;          /* gint64 µs between dispatches of the timer */
} Stalls;

/* CPU time the calling thread has used, in µs. */
static gint64
thread_cpu_time (void)
{
  struct timespec ts;

  g_assert_no_errno (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts));
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* A timer that should run every TICK_MS: the gap since its last run is how long input waited,
 * and the CPU time used meanwhile is how much of that the main thread spent working. */
static gboolean
tick_cb (gpointer data)
{
  Stalls *stalls = data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_time ();

  if (stalls->last_tick != 0)
    {
      gint64 gap = now - stalls->last_tick;

      g_array_append_val (stalls->gaps, gap);
      stalls->longest_work = MAX (stalls->longest_work, cpu - stalls->last_cpu);
    }
  stalls->last_tick = now;
  stalls->last_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

static int
compare_gaps (gconstpointer a,
              gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Every page has its thumbnail, its row in the library and reads Done, and the batch is over. */
static gboolean
all_pages_done (PdScanView *view)
{
  GListModel *pages = pd_scan_view_get_pages (view);

  if (g_list_model_get_n_items (pages) != n_pages || pd_scan_view_get_busy (view))
    return FALSE;
  for (guint i = 0; i < n_pages; i++)
    {
      g_autoptr(PdScanPage) page = g_list_model_get_item (pages, i);

      if (page->state != PD_SCAN_PAGE_DONE || page->thumbnail == NULL || page->page_id <= 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
set_true_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_scan_stall (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "library", NULL);
  g_autoptr(PdProfile) profile = pd_profile_new ("Twenty pages");
  g_autoptr(GError) error = NULL;
  PdLibrary *library;
  GtkWindow *window;
  GtkWidget *view;
  GtkWidget *button;
  Stalls stalls = { 0, 0, 0, NULL };
  gboolean timed_out = FALSE;
  guint timeout_id;
  guint tick_id;
  gint64 started_at;
  gint64 longest;
  gint64 p95;
  guint n_slow = 0;

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  /* What an office's profile has: 300 dpi, deskewed, text read (the defaults), from the demo
   * scanner, which serves every page-NN.pgm of its folder as a feeder would. */
  profile->device = g_strdup ("demo");
  profile->resolution = 300;
  profile->deskew = TRUE;
  g_assert_true (pd_library_save_profile (library, profile, FALSE, &error));
  g_assert_no_error (error);

  view = pd_scan_view_new ();
  window = GTK_WINDOW (adw_window_new ());
  gtk_window_set_default_size (window, 1100, 900);
  adw_window_set_content (ADW_WINDOW (window), view);
  pd_scan_view_set_library (PD_SCAN_VIEW (view), library);
  gtk_window_present (window);

  PD_TEST_WAIT_UNTIL ((button = pd_test_scan_find_widget (view, pd_test_scan_is_profile_button,
                                                           "Twenty pages")) != NULL);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), TRUE);
  PD_TEST_WAIT_UNTIL (pd_test_scan_enabled (view));
  pd_test_app_spin (500);

  /* Scan, as the button or Ctrl+Return does, and watch the main loop until the batch is done. */
  stalls.gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
  tick_id = g_timeout_add (TICK_MS, tick_cb, &stalls);
  started_at = g_get_monotonic_time ();
  g_assert_true (gtk_widget_activate_action (view, "scan.start", NULL));
  timeout_id = g_timeout_add (SCAN_TIMEOUT_MS, set_true_cb, &timed_out);
  while (!all_pages_done (PD_SCAN_VIEW (view)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout_id);
  g_source_remove (tick_id);
  g_assert_true (all_pages_done (PD_SCAN_VIEW (view)));
  PD_TEST_WAIT_UNTIL (pd_test_scan_count_shown_tiles (view) == n_pages);

  g_assert_cmpuint (stalls.gaps->len, >, 0);
  g_array_sort (stalls.gaps, compare_gaps);
  for (guint i = 0; i < stalls.gaps->len; i++)
    n_slow += g_array_index (stalls.gaps, gint64, i) > TARGET_US;
  longest = g_array_index (stalls.gaps, gint64, stalls.gaps->len - 1);
  p95 = g_array_index (stalls.gaps, gint64, stalls.gaps->len * 95 / 100);
  g_test_message ("%u pages scanned, deskewed and read in %.1f s", n_pages,
                  (double) (g_get_monotonic_time () - started_at) / G_USEC_PER_SEC);
  g_print ("# %u-page scan with OCR: longest main-loop stall %" G_GINT64_FORMAT " ms "
           "(%u gaps over 50 ms)\n", n_pages, longest / 1000, n_slow);
  g_print ("# %u gaps; 95th percentile %" G_GINT64_FORMAT " ms; longest main-thread work in one "
           "gap %" G_GINT64_FORMAT " ms\n", stalls.gaps->len, p95 / 1000, stalls.longest_work / 1000);
  pd_test_app_spin (300);
  pd_test_app_screenshot (GTK_WIDGET (window), "scan-stall.png");

  g_assert_cmpint (stalls.longest_work, <, MAX_WORK_US);
  g_assert_cmpint (p95, <, MAX_P95_US);
  g_assert_cmpint (longest, <, CEILING_US);

  g_array_unref (stalls.gaps);
  pd_test_app_destroy (window);
  pd_test_app_release (library);
}

/* A private data folder whose demo folder holds n_pages links to the demo pages in turn: the
 * demo scanner serves the pages it finds there, six in the build. */
static void
make_data_dir (void)
{
  const char *real = g_getenv ("PAPERDOCK_DATA_DIR");
  g_autofree char *dir = g_dir_make_tmp ("pd-data-XXXXXX", NULL);
  g_autofree char *real_demo = NULL;
  g_autofree char *demo = NULL;
  g_autoptr(GPtrArray) pages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) top = NULL;
  g_autoptr(GDir) real_pages = NULL;
  const char *name;

  g_assert_nonnull (real);
  g_assert_nonnull (dir);
  top = g_dir_open (real, 0, NULL);
  g_assert_nonnull (top);
  while ((name = g_dir_read_name (top)) != NULL)
    {
      g_autofree char *from = g_build_filename (real, name, NULL);
      g_autofree char *to = g_build_filename (dir, name, NULL);

      if (!g_str_equal (name, "demo"))
        g_assert_cmpint (symlink (from, to), ==, 0);
    }
  real_demo = g_build_filename (real, "demo", NULL);
  real_pages = g_dir_open (real_demo, 0, NULL);
  g_assert_nonnull (real_pages);
  while ((name = g_dir_read_name (real_pages)) != NULL)
    if (g_str_has_prefix (name, "page-") && g_str_has_suffix (name, ".pgm"))
      g_ptr_array_add (pages, g_build_filename (real_demo, name, NULL));
  g_assert_cmpuint (pages->len, >, 0);
  demo = g_build_filename (dir, "demo", NULL);
  g_assert_cmpint (g_mkdir (demo, 0700), ==, 0);
  for (guint i = 0; i < n_pages; i++)
    {
      g_autofree char *link_name = g_strdup_printf ("page-%03u.pgm", i + 1);
      g_autofree char *to = g_build_filename (demo, link_name, NULL);

      g_assert_cmpint (symlink (g_ptr_array_index (pages, i % pages->len), to), ==, 0);
    }
  g_setenv ("PAPERDOCK_DATA_DIR", dir, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  const char *fixtures = g_getenv ("PD_TEST_SANE_FIXTURES");
  g_autofree char *sane_dir = NULL;
  g_autofree char *dll_from = NULL;
  g_autofree char *dll_to = NULL;
  g_autofree char *dll = NULL;

  if (g_getenv ("PD_STALL_PAGES") != NULL)
    n_pages = (guint) CLAMP (g_ascii_strtoull (g_getenv ("PD_STALL_PAGES"), NULL, 10), 1, 999);
  make_data_dir ();
  if (!pd_test_app_init (&argc, &argv))
    {
      g_printerr ("test-scan-stall needs a display: run it under xvfb-run\n");
      return 1;
    }

  /* Only SANE's test and pnm backends (the demo scanner is pnm): no network backends probing
   * the network while the page lists devices. */
  g_assert_nonnull (fixtures);
  sane_dir = g_dir_make_tmp ("pd-sane-XXXXXX", NULL);
  dll_from = g_build_filename (fixtures, "dll.conf", NULL);
  dll_to = g_build_filename (sane_dir, "dll.conf", NULL);
  g_assert_true (g_file_get_contents (dll_from, &dll, NULL, NULL));
  g_assert_true (g_file_set_contents (dll_to, dll, -1, NULL));
  g_setenv ("SANE_CONFIG_DIR", sane_dir, TRUE);

  g_test_add_func ("/scan-stall/20-pages", test_scan_stall);
  return g_test_run ();
}
