/* test-scanner.c: the scanner against real SANE backends, loaded from a private config dir that
 * holds only `test` (ADF emulation, error injection, slow reads) and `pnm` (the demo scanner,
 * serving our own PGM pages pixel for pixel). Asserts what a person would check: how many
 * pages arrived, that the files are valid images of the right size, what the error says. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "pd-scanner.h"

static char *fixture_root;  /* temp dir: sane/ config, data/demo/ pages, spool dirs */
static guint spool_counter;

/* ---- helpers ---------------------------------------------------------------------------- */

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static char *
new_spool_dir (void)
{
  return g_strdup_printf ("%s/spool-%u", fixture_root, ++spool_counter);
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) gdir = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (gdir != NULL && g_dir_read_name (gdir) != NULL)
    n++;
  return n;
}

typedef struct {
  char    magic[3];
  guint   width;
  guint   height;
  gsize   data_offset;
  GBytes *contents;
} Pnm;

static void
pnm_clear (Pnm *pnm)
{
  g_clear_pointer (&pnm->contents, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Pnm, pnm_clear)

/* Reads a PNM as a viewer would: magic, width, height, maxval (not for P4), then raw data
 * whose size must be exactly what the header promises. */
static void
pnm_load (const char *path,
          Pnm        *pnm)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  const char *p;
  char *end;
  guint maxval = 1;
  gsize row_bytes, expected;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpuint (len, >, 3);
  g_assert_true (data[0] == 'P' && (data[1] == '4' || data[1] == '5' || data[1] == '6'));
  pnm->magic[0] = data[0];
  pnm->magic[1] = data[1];
  pnm->magic[2] = '\0';
  p = data + 2;
  pnm->width = (guint) strtoul (p, &end, 10);
  p = end;
  pnm->height = (guint) strtoul (p, &end, 10);
  p = end;
  if (data[1] != '4')
    {
      maxval = (guint) strtoul (p, &end, 10);
      p = end;
      g_assert_cmpuint (maxval, ==, 255);
    }
  g_assert_true (g_ascii_isspace (*p));
  p++;
  pnm->data_offset = (gsize) (p - data);
  row_bytes = data[1] == '4' ? (pnm->width + 7) / 8 : pnm->width * (data[1] == '6' ? 3 : 1);
  expected = pnm->data_offset + row_bytes * pnm->height;
  g_assert_cmpuint (len, ==, expected);
  pnm->contents = g_bytes_new_take (g_steal_pointer (&data), len);
}

static const guint8 *
pnm_pixels (Pnm   *pnm,
            gsize *len)
{
  gsize total;
  const guint8 *data = g_bytes_get_data (pnm->contents, &total);

  *len = total - pnm->data_offset;
  return data + pnm->data_offset;
}

/* What the test backend computes for a page of @mm at @dpi. */
static guint
test_backend_pixels (double mm,
                     double dpi)
{
  return (guint) (dpi * mm / 25.4);
}

typedef struct {
  GThread   *scanner_thread;
  GPtrArray *paths;
  GArray    *pages;            /* PdSpooledPage with path borrowed from @paths */
  guint      fail_at;          /* page index at which the page function refuses; G_MAXUINT never */
  gint       progress_calls;   /* atomic */
} Collect;

static void
collect_init (Collect *c)
{
  memset (c, 0, sizeof *c);
  c->paths = g_ptr_array_new_with_free_func (g_free);
  c->pages = g_array_new (FALSE, TRUE, sizeof (PdSpooledPage));
  c->fail_at = G_MAXUINT;
}

static void
collect_clear (Collect *c)
{
  g_clear_pointer (&c->paths, g_ptr_array_unref);
  g_clear_pointer (&c->pages, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Collect, collect_clear)

static gboolean
collect_page (const PdSpooledPage  *page,
              gpointer              data,
              GError              **error)
{
  Collect *c = data;
  PdSpooledPage copy = *page;

  /* The promise of the API: the file is complete and in place before anyone hears of it. */
  g_assert_true (g_file_test (page->path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (page->index, ==, c->pages->len);
  c->scanner_thread = g_thread_self ();
  if (page->index == c->fail_at)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "The disk is full (test).");
      return FALSE;
    }
  g_ptr_array_add (c->paths, g_strdup (page->path));
  copy.path = g_ptr_array_index (c->paths, c->paths->len - 1);
  g_array_append_val (c->pages, copy);
  return TRUE;
}

static void
count_progress (guint    page_index,
                double   fraction,
                gpointer data)
{
  Collect *c = data;

  g_assert_true (fraction == -1.0 || (fraction >= 0.0 && fraction <= 1.0));
  g_atomic_int_inc (&c->progress_calls);
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  GAsyncResult **slot = data;

  *slot = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static gboolean
scan_sync (PdScanOptions  *options,
           const char     *spool_dir,
           Collect        *collect,
           GCancellable   *cancellable,
           guint          *n_pages,
           GError        **error)
{
  g_autoptr(PdScanner) scanner = pd_scanner_new ();
  g_autoptr(GAsyncResult) result = NULL;

  pd_scanner_scan_async (scanner, options, spool_dir, "page", collect_page, count_progress,
                         collect, cancellable, store_result_cb, &result);
  return pd_scanner_scan_finish (scanner, wait_for (&result), n_pages, error);
}

static GPtrArray *
list_sync (gboolean include_virtual)
{
  g_autoptr(PdScanner) scanner = pd_scanner_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *devices;

  pd_scanner_list_devices_async (scanner, include_virtual, NULL, store_result_cb, &result);
  devices = pd_scanner_list_devices_finish (scanner, wait_for (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (devices);
  return devices;
}

static PdDeviceInfo *
find_device (GPtrArray  *devices,
             const char *id)
{
  for (guint i = 0; i < devices->len; i++)
    {
      PdDeviceInfo *info = g_ptr_array_index (devices, i);

      if (g_strcmp0 (info->id, id) == 0)
        return info;
    }
  return NULL;
}

static PdScanOptions *
test_options (const char   *device,
              PdScanSource  source,
              guint         dpi)
{
  PdScanOptions *options = pd_scan_options_new ();

  options->device = g_strdup (device);
  options->source = source;
  options->resolution = dpi;
  return options;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void
test_list_devices (void)
{
  g_autoptr(GPtrArray) real_only = list_sync (FALSE);
  g_autoptr(GPtrArray) everything = list_sync (TRUE);
  PdDeviceInfo *info;

  /* Only virtual backends are configured: a person sees just the demo scanner. */
  g_assert_cmpuint (real_only->len, ==, 1);
  info = find_device (real_only, "demo");
  g_assert_nonnull (info);
  g_assert_true (info->is_virtual);

  g_assert_nonnull (find_device (everything, "demo"));
  g_assert_nonnull (find_device (everything, "pnm:0"));
  g_assert_nonnull (find_device (everything, "test:1"));
  info = find_device (everything, "test:0");
  g_assert_nonnull (info);
  g_assert_true (info->is_virtual);
  g_assert_cmpstr (info->type, ==, "virtual device");
}

static void
test_adf_ten_pages (void)
{
  g_autoptr(PdScanOptions) options = test_options ("test:0", PD_SCAN_SOURCE_ADF, 75);
  g_autofree char *spool = new_spool_dir ();
  g_auto(Collect) collect;
  g_autoptr(GError) error = NULL;
  guint n_pages = 0;
  guint width = test_backend_pixels (210, 75);
  guint height = test_backend_pixels (297, 75);
  gboolean ok;

  collect_init (&collect);
  ok = scan_sync (options, spool, &collect, NULL, &n_pages, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  /* The test backend's feeder holds 10 sheets; the 11th start says "no documents". */
  g_assert_cmpuint (n_pages, ==, 10);
  g_assert_cmpuint (collect.pages->len, ==, 10);
  g_assert_true (collect.scanner_thread != g_thread_self ());
  g_assert_cmpint (g_atomic_int_get (&collect.progress_calls), >=, 10);

  for (guint i = 0; i < 10; i++)
    {
      PdSpooledPage *page = &g_array_index (collect.pages, PdSpooledPage, i);
      g_autofree char *name = g_strdup_printf ("page-%04u.pnm", i);
      g_autofree char *expected_path = g_build_filename (spool, name, NULL);
      g_auto(Pnm) pnm = { 0 };
      const guint8 *pixels;
      gsize len;

      g_assert_cmpstr (page->path, ==, expected_path);
      g_assert_cmpuint (page->index, ==, i);
      g_assert_cmpuint (page->dpi, ==, 75);
      g_assert_cmpuint (page->depth, ==, 8);
      g_assert_cmpuint (page->channels, ==, 1);
      g_assert_cmpuint (page->width, ==, width);
      g_assert_cmpuint (page->height, ==, height);

      pnm_load (page->path, &pnm);
      g_assert_cmpstr (pnm.magic, ==, "P5");
      g_assert_cmpuint (pnm.width, ==, width);
      g_assert_cmpuint (pnm.height, ==, height);
      /* "Solid black" is what the backend draws. */
      pixels = pnm_pixels (&pnm, &len);
      g_assert_cmpuint (pixels[0], ==, 0);
      g_assert_cmpuint (pixels[len - 1], ==, 0);
    }
  /* Nothing else in the spool: no temporary files left behind. */
  g_assert_cmpuint (count_files (spool), ==, 10);
}

static void
test_flatbed_one_page (void)
{
  g_autoptr(PdScanOptions) options = test_options ("test:0", PD_SCAN_SOURCE_FLATBED, 50);
  g_autofree char *spool = new_spool_dir ();
  g_auto(Collect) collect;
  g_autoptr(GError) error = NULL;
  g_auto(Pnm) pnm = { 0 };
  guint n_pages = 0;

  options->mode = PD_SCAN_MODE_COLOR;
  options->sane_options = g_strdupv ((char *[]) { "test-picture=Color pattern", NULL });
  collect_init (&collect);
  g_assert_true (scan_sync (options, spool, &collect, NULL, &n_pages, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_pages, ==, 1);
  g_assert_cmpuint (count_files (spool), ==, 1);

  pnm_load (g_ptr_array_index (collect.paths, 0), &pnm);
  g_assert_cmpstr (pnm.magic, ==, "P6");
  g_assert_cmpuint (pnm.width, ==, test_backend_pixels (210, 50));
  g_assert_cmpuint (pnm.height, ==, test_backend_pixels (297, 50));
  g_assert_cmpuint (g_array_index (collect.pages, PdSpooledPage, 0).channels, ==, 3);
}

static void
test_smaller_page (void)
{
  g_autoptr(PdScanOptions) options = test_options ("test:0", PD_SCAN_SOURCE_FLATBED, 100);
  g_autofree char *spool = new_spool_dir ();
  g_auto(Collect) collect;
  g_autoptr(GError) error = NULL;
  g_auto(Pnm) pnm = { 0 };

  /* A5 landscape, and a width beyond the device's 300 mm that must be clipped, not refused. */
  options->page_width_mm = 148;
  options->page_height_mm = 105;
  collect_init (&collect);
  g_assert_true (scan_sync (options, spool, &collect, NULL, NULL, &error));
  g_assert_no_error (error);
  pnm_load (g_ptr_array_index (collect.paths, 0), &pnm);
  g_assert_cmpuint (pnm.width, ==, test_backend_pixels (148, 100));
  g_assert_cmpuint (pnm.height, ==, test_backend_pixels (105, 100));

  collect_clear (&collect);
  collect_init (&collect);
  options->page_width_mm = 1000;
  g_assert_true (scan_sync (options, spool, &collect, NULL, NULL, &error));
  g_assert_no_error (error);
  pnm_clear (&pnm);
  pnm_load (g_ptr_array_index (collect.paths, 0), &pnm);
  g_assert_cmpuint (pnm.width, ==, test_backend_pixels (300, 100));
}

typedef struct {
  const char     *status;
  PdCaptureError  code;
  const char     *advice;
} Injection;

static void
test_error_injection (void)
{
  static const Injection injections[] = {
    { "SANE_STATUS_JAMMED", PD_CAPTURE_ERROR_JAMMED, "Clear the jam" },
    { "SANE_STATUS_COVER_OPEN", PD_CAPTURE_ERROR_COVER_OPEN, "Close it" },
    { "SANE_STATUS_NO_DOCS", PD_CAPTURE_ERROR_NO_DOCS, "Put the pages in the feeder" },
    { "SANE_STATUS_DEVICE_BUSY", PD_CAPTURE_ERROR_DEVICE_BUSY, "close the other program" },
    { "SANE_STATUS_IO_ERROR", PD_CAPTURE_ERROR_IO_ERROR, "Check its cable" },
    { "SANE_STATUS_ACCESS_DENIED", PD_CAPTURE_ERROR_ACCESS_DENIED, "may use scanners" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (injections); i++)
    {
      g_autoptr(PdScanOptions) options = test_options ("test:0", PD_SCAN_SOURCE_ADF, 50);
      g_autofree char *assignment = g_strdup_printf ("read-return-value=%s", injections[i].status);
      g_autofree char *spool = new_spool_dir ();
      g_auto(Collect) collect;
      g_autoptr(GError) error = NULL;
      guint n_pages = 99;

      g_test_message ("injecting %s", injections[i].status);
      options->sane_options = g_strdupv ((char *[]) { assignment, NULL });
      collect_init (&collect);
      g_assert_false (scan_sync (options, spool, &collect, NULL, &n_pages, &error));
      g_assert_error (error, PD_CAPTURE_ERROR, (int) injections[i].code);
      g_assert_nonnull (strstr (error->message, injections[i].advice));
      g_assert_cmpuint (n_pages, ==, 0);
      /* The partial page is gone, not left as a torn file. */
      g_assert_cmpuint (count_files (spool), ==, 0);
    }

  /* After all those failures the device was released: a plain scan works straight away. */
  {
    g_autoptr(PdScanOptions) options = test_options ("test:0", PD_SCAN_SOURCE_FLATBED, 50);
    g_autofree char *spool = new_spool_dir ();
    g_auto(Collect) collect;
    g_autoptr(GError) error = NULL;
    guint n_pages = 0;

    collect_init (&collect);
    g_assert_true (scan_sync (options, spool, &collect, NULL, &n_pages, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (n_pages, ==, 1);
  }
}

static gboolean
cancel_when_flowing_cb (gpointer data)
{
  gpointer *args = data;
  Collect *collect = args[0];
  GCancellable *cancellable = args[1];
  gint64 *cancelled_at = args[2];

  if (g_atomic_int_get (&collect->progress_calls) < 2)
    return G_SOURCE_CONTINUE;
  *cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  return G_SOURCE_REMOVE;
}

static void
test_cancel_slow_scan (void)
{
  g_autoptr(PdScanOptions) options = test_options ("test:0", PD_SCAN_SOURCE_FLATBED, 300);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(PdScanner) scanner = pd_scanner_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *spool = new_spool_dir ();
  g_auto(Collect) collect;
  g_autoptr(GError) error = NULL;
  gint64 cancelled_at = 0;
  gint64 elapsed_us;
  gpointer args[3];
  guint n_pages = 99;

  /* 200 ms after each buffer: a full A4 page at 300 dpi would take over 20 s. */
  options->sane_options = g_strdupv ((char *[]) { "read-delay=yes",
                                                  "read-delay-duration=200000", NULL });
  collect_init (&collect);
  args[0] = &collect;
  args[1] = cancellable;
  args[2] = &cancelled_at;
  g_timeout_add (20, cancel_when_flowing_cb, args);

  pd_scanner_scan_async (scanner, options, spool, "page", collect_page, count_progress,
                         &collect, cancellable, store_result_cb, &result);
  wait_for (&result);
  elapsed_us = g_get_monotonic_time () - cancelled_at;

  g_assert_cmpint (cancelled_at, >, 0);
  g_test_message ("cancel took %.0f ms", elapsed_us / 1000.0);
  g_assert_cmpint (elapsed_us, <, G_USEC_PER_SEC);
  g_assert_false (pd_scanner_scan_finish (scanner, result, &n_pages, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (n_pages, ==, 0);
  g_assert_cmpuint (count_files (spool), ==, 0);
}

static void
test_unknown_device (void)
{
  static const char *const names[] = { "nosuchbackend:0", "test:9", NULL };

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(PdScanOptions) options = test_options (names[i], PD_SCAN_SOURCE_FLATBED, 50);
      g_autofree char *spool = new_spool_dir ();
      g_auto(Collect) collect;
      g_autoptr(GError) error = NULL;

      collect_init (&collect);
      g_assert_false (scan_sync (options, spool, &collect, NULL, NULL, &error));
      g_assert_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_NO_DEVICE);
      g_assert_nonnull (strstr (error->message, names[i]));
      g_assert_nonnull (strstr (error->message, "scanimage -L"));
    }
}

static void
test_duplex_unsupported (void)
{
  g_autoptr(PdScanOptions) options = test_options ("test:0", PD_SCAN_SOURCE_DUPLEX, 50);
  g_autofree char *spool = new_spool_dir ();
  g_auto(Collect) collect;
  g_autoptr(GError) error = NULL;
  guint n_pages = 99;

  collect_init (&collect);
  g_assert_false (scan_sync (options, spool, &collect, NULL, &n_pages, &error));
  g_assert_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "both sides"));
  g_assert_cmpuint (n_pages, ==, 0);
  g_assert_cmpuint (count_files (spool), ==, 0);
}

static void
assert_same_pixels (const char *scanned,
                    const char *source)
{
  g_auto(Pnm) a = { 0 };
  g_auto(Pnm) b = { 0 };
  const guint8 *pa, *pb;
  gsize la, lb;

  pnm_load (scanned, &a);
  pnm_load (source, &b);
  g_assert_cmpstr (a.magic, ==, b.magic);
  g_assert_cmpuint (a.width, ==, b.width);
  g_assert_cmpuint (a.height, ==, b.height);
  pa = pnm_pixels (&a, &la);
  pb = pnm_pixels (&b, &lb);
  g_assert_cmpmem (pa, la, pb, lb);
}

static char *
demo_page_path (guint n)
{
  g_autofree char *name = g_strdup_printf ("page-%02u.pgm", n);

  return g_build_filename (fixture_root, "data", "demo", name, NULL);
}

static void
test_demo_scan (void)
{
  g_autoptr(PdScanOptions) options = test_options ("demo", PD_SCAN_SOURCE_AUTO, 0);
  g_autofree char *spool = new_spool_dir ();
  g_auto(Collect) collect;
  g_autoptr(GError) error = NULL;
  guint n_pages = 0;

  options->max_pages = 2;
  collect_init (&collect);
  g_assert_true (scan_sync (options, spool, &collect, NULL, &n_pages, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_pages, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *source = demo_page_path (i + 1);

      g_assert_cmpuint (g_array_index (collect.pages, PdSpooledPage, i).dpi, ==, 300);
      assert_same_pixels (g_ptr_array_index (collect.paths, i), source);
    }
}

static void
test_demo_all_and_cycle (void)
{
  g_autoptr(PdScanOptions) options = test_options ("demo", PD_SCAN_SOURCE_AUTO, 0);
  g_autofree char *spool = new_spool_dir ();
  g_autofree char *spool2 = new_spool_dir ();
  g_auto(Collect) collect;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = demo_page_path (1);
  g_autofree char *third = demo_page_path (3);
  guint n_pages = 0;

  /* max_pages 0: every demo page once, like a feeder emptying. */
  collect_init (&collect);
  g_assert_true (scan_sync (options, spool, &collect, NULL, &n_pages, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_pages, ==, 3);
  assert_same_pixels (g_ptr_array_index (collect.paths, 2), third);

  /* More pages than exist: the demo starts over. */
  collect_clear (&collect);
  collect_init (&collect);
  options->max_pages = 4;
  g_assert_true (scan_sync (options, spool2, &collect, NULL, &n_pages, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_pages, ==, 4);
  assert_same_pixels (g_ptr_array_index (collect.paths, 3), first);
}

static void
test_page_func_stops_batch (void)
{
  g_autoptr(PdScanOptions) options = test_options ("test:0", PD_SCAN_SOURCE_ADF, 50);
  g_autofree char *spool = new_spool_dir ();
  g_auto(Collect) collect;
  g_autoptr(GError) error = NULL;
  guint n_pages = 0;

  collect_init (&collect);
  collect.fail_at = 3;
  g_assert_false (scan_sync (options, spool, &collect, NULL, &n_pages, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_assert_cmpuint (n_pages, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_auto(Pnm) pnm = { 0 };

      pnm_load (g_ptr_array_index (collect.paths, i), &pnm);
      g_assert_cmpstr (pnm.magic, ==, "P5");
    }
  /* The batch stopped there: nothing was scanned after the refused page. */
  {
    g_autofree char *next = g_build_filename (spool, "page-0004.pnm", NULL);

    g_assert_false (g_file_test (next, G_FILE_TEST_EXISTS));
  }
}

/* ---- fixture ---------------------------------------------------------------------------- */

static void
copy_file (const char *from,
           const char *to)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (from, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (to, contents, (gssize) len, NULL));
}

/* Distinct, non-uniform pages, so a mix-up or a shifted byte shows. */
static void
write_demo_page (guint n,
                 guint width,
                 guint height)
{
  g_autofree char *path = demo_page_path (n);
  g_autoptr(GString) pgm = g_string_new (NULL);

  g_string_append_printf (pgm, "P5\n%u %u\n255\n", width, height);
  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      g_string_append_c (pgm, (char) ((x * 7 + y * 13 + n * 101 + (x * y) % 17) & 0xff));
  g_assert_true (g_file_set_contents (path, pgm->str, (gssize) pgm->len, NULL));
}

static void
setup_fixture (void)
{
  const char *fixtures = g_getenv ("PD_TEST_SANE_FIXTURES");
  g_autofree char *sane_dir = NULL;
  g_autofree char *demo_dir = NULL;
  g_autofree char *data_dir = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (fixtures);
  fixture_root = g_dir_make_tmp ("pd-test-capture-XXXXXX", &error);
  g_assert_no_error (error);

  sane_dir = g_build_filename (fixture_root, "sane", NULL);
  g_assert_cmpint (g_mkdir (sane_dir, 0700), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      const char *name = i == 0 ? "dll.conf" : "test.conf";
      g_autofree char *from = g_build_filename (fixtures, name, NULL);
      g_autofree char *to = g_build_filename (sane_dir, name, NULL);

      copy_file (from, to);
    }
  /* No trailing colon: only our two backends, so listing takes milliseconds. */
  g_setenv ("SANE_CONFIG_DIR", sane_dir, TRUE);

  data_dir = g_build_filename (fixture_root, "data", NULL);
  demo_dir = g_build_filename (data_dir, "demo", NULL);
  g_assert_cmpint (g_mkdir_with_parents (demo_dir, 0700), ==, 0);
  write_demo_page (1, 301, 211);
  write_demo_page (2, 240, 320);
  write_demo_page (3, 123, 77);
  g_setenv ("PAPERDOCK_DATA_DIR", data_dir, TRUE);

  /* Set already, so this must leave it alone. */
  pd_capture_prepare_environment ();
  g_assert_cmpstr (g_getenv ("SANE_CONFIG_DIR"), ==, sane_dir);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  setup_fixture ();

  g_test_add_func ("/capture/scanner/list-devices", test_list_devices);
  g_test_add_func ("/capture/scanner/adf-ten-pages", test_adf_ten_pages);
  g_test_add_func ("/capture/scanner/flatbed-one-page", test_flatbed_one_page);
  g_test_add_func ("/capture/scanner/page-size", test_smaller_page);
  g_test_add_func ("/capture/scanner/error-injection", test_error_injection);
  g_test_add_func ("/capture/scanner/cancel-slow-scan", test_cancel_slow_scan);
  g_test_add_func ("/capture/scanner/unknown-device", test_unknown_device);
  g_test_add_func ("/capture/scanner/duplex-unsupported", test_duplex_unsupported);
  g_test_add_func ("/capture/scanner/demo-two-pages", test_demo_scan);
  g_test_add_func ("/capture/scanner/demo-all-and-cycle", test_demo_all_and_cycle);
  g_test_add_func ("/capture/scanner/page-func-stops-batch", test_page_func_stops_batch);

  ret = g_test_run ();
  remove_tree (fixture_root);
  g_free (fixture_root);
  return ret;
}
