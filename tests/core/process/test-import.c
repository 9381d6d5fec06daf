/* test-import.c: importing files as a person would pick them: good images and PDFs become
 * spool pages in order; empty, cut-off and mislabelled files fail with their own error and
 * leave the spool untouched. */
#include <glib/gstdio.h>
#include <string.h>

#include "pd-import.h"
#include "pd-page-processor.h"
#include "pd-pdf-writer.h"
#include "pd-process-error.h"
#include "pd-process-private.h"
#include "pd-test-process.h"

typedef struct {
  GPtrArray *paths;
  GArray    *pages;  /* PdSpooledPage with path pointing into paths */
  guint      stop_after;
} Collected;

static void
collected_init (Collected *c)
{
  c->paths = g_ptr_array_new_with_free_func (g_free);
  c->pages = g_array_new (FALSE, TRUE, sizeof (PdSpooledPage));
  c->stop_after = G_MAXUINT;
}

static void
collected_clear (Collected *c)
{
  g_ptr_array_unref (c->paths);
  g_array_unref (c->pages);
}

static gboolean
collect_cb (const PdSpooledPage  *page,
            gpointer              user_data,
            GError              **error)
{
  Collected *c = user_data;
  PdSpooledPage copy = *page;

  g_assert_true (g_file_test (page->path, G_FILE_TEST_IS_REGULAR));
  g_ptr_array_add (c->paths, g_strdup (page->path));
  copy.path = g_ptr_array_index (c->paths, c->paths->len - 1);
  g_array_append_val (c->pages, copy);
  if (c->pages->len >= c->stop_after)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Stopped by the user.");
      return FALSE;
    }
  return TRUE;
}

static PIX *
make_gray_pix (int width,
               int height,
               int dpi)
{
  PIX *pix = pixCreate (width, height, 8);

  pixSetAllArbitrary (pix, 230);
  /* Some ink, so the images are not trivially uniform. */
  for (int y = height / 4; y < height / 2; y++)
    for (int x = width / 4; x < width / 2; x++)
      pixSetPixel (pix, x, y, 20);
  pixSetResolution (pix, dpi, dpi);
  return pix;
}

static void
write_bytes (const char *path,
             const void *data,
             gsize       len)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

static void
assert_import_fails (const char *file_name,
                     const void *data,
                     gsize       len,
                     int         code)
{
  g_autofree char *in_dir = pd_test_make_dir ("in");
  g_autofree char *spool = pd_test_make_dir ("spool");
  g_autofree char *path = g_build_filename (in_dir, file_name, NULL);
  g_autoptr(GError) error = NULL;
  Collected c;
  guint n_pages = 99;

  write_bytes (path, data, len);
  collected_init (&c);
  g_assert_false (pd_import_file (path, spool, "doc", 0, collect_cb, &c, &n_pages, &error));
  g_assert_error (error, PD_PROCESS_ERROR, code);
  g_test_message ("%s: %s", file_name, error->message);
  /* The message names the file, so a person knows which one to fix. */
  g_assert_nonnull (strstr (error->message, file_name));
  g_assert_cmpuint (n_pages, ==, 0);
  g_assert_cmpuint (c.pages->len, ==, 0);
  g_assert_true (pd_test_dir_is_empty (spool));
  collected_clear (&c);
}

static void
test_empty_file (void)
{
  assert_import_fails ("empty.png", "", 0, PD_PROCESS_ERROR_EMPTY_FILE);
}

static void
test_truncated_png (void)
{
  g_autoptr(PIX) pix = make_gray_pix (400, 300, 300);
  l_uint8 *data = NULL;
  size_t len = 0;

  g_assert_cmpint (pixWriteMemPng (&data, &len, pix, 0), ==, 0);
  assert_import_fails ("cut.png", data, len * 2 / 3, PD_PROCESS_ERROR_TRUNCATED);
  lept_free (data);
}

static void
test_truncated_jpeg (void)
{
  g_autoptr(PIX) pix = make_gray_pix (400, 300, 300);
  l_uint8 *data = NULL;
  size_t len = 0;

  g_assert_cmpint (pixWriteMemJpeg (&data, &len, pix, 75, 0), ==, 0);
  assert_import_fails ("cut.jpg", data, len - len / 3, PD_PROCESS_ERROR_TRUNCATED);
  lept_free (data);
}

static void
test_text_named_png (void)
{
  const char *text = "Dear customer,\nthis is a letter, not a picture.\n";

  assert_import_fails ("letter.png", text, strlen (text), PD_PROCESS_ERROR_NOT_AN_IMAGE);
}

static void
test_unsupported_gif (void)
{
  const guint8 gif[] = "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04"
                       "\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

  assert_import_fails ("photo.gif", gif, sizeof gif - 1, PD_PROCESS_ERROR_UNSUPPORTED_FORMAT);
}

static void
test_png_becomes_pgm (void)
{
  g_autofree char *in_dir = pd_test_make_dir ("in");
  g_autofree char *spool = pd_test_make_dir ("spool");
  g_autofree char *path = g_build_filename (in_dir, "page.png", NULL);
  g_autoptr(PIX) pix = make_gray_pix (640, 480, 200);
  g_autoptr(PIX) back = NULL;
  g_autoptr(GError) error = NULL;
  PdSpooledPage *page;
  Collected c;
  guint n_pages = 0;
  l_int32 same = 0;

  g_assert_cmpint (pixWrite (path, pix, IFF_PNG), ==, 0);
  collected_init (&c);
  g_assert_true (pd_import_file (path, spool, "doc", 7, collect_cb, &c, &n_pages, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_pages, ==, 1);
  page = &g_array_index (c.pages, PdSpooledPage, 0);
  g_assert_cmpuint (page->index, ==, 7);
  g_assert_true (g_str_has_suffix (page->path, "/doc-0007.pgm"));
  g_assert_cmpuint (page->width, ==, 640);
  g_assert_cmpuint (page->height, ==, 480);
  g_assert_cmpuint (page->channels, ==, 1);
  g_assert_cmpuint (page->depth, ==, 8);
  g_assert_cmpuint (page->dpi, ==, 200);

  /* Pixel for pixel what the PNG held. */
  back = pixRead (page->path);
  g_assert_nonnull (back);
  pixEqual (pix, back, &same);
  g_assert_true (same);
  collected_clear (&c);
}

static void
test_jpeg_copied_as_is (void)
{
  g_autofree char *in_dir = pd_test_make_dir ("in");
  g_autofree char *spool = pd_test_make_dir ("spool");
  g_autofree char *path = g_build_filename (in_dir, "scan.jpeg", NULL);
  g_autoptr(PIX) pix = make_gray_pix (500, 700, 150);
  g_autoptr(GError) error = NULL;
  g_autofree char *spooled = NULL;
  PdSpooledPage *page;
  l_uint8 *data = NULL;
  size_t len = 0, spooled_len = 0;
  Collected c;

  g_assert_cmpint (pixWriteMemJpeg (&data, &len, pix, 80, 0), ==, 0);
  write_bytes (path, data, len);
  collected_init (&c);
  g_assert_true (pd_import_file (path, spool, "doc", 0, collect_cb, &c, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c.pages->len, ==, 1);
  page = &g_array_index (c.pages, PdSpooledPage, 0);
  g_assert_true (g_str_has_suffix (page->path, "/doc-0000.jpg"));
  g_assert_cmpuint (page->width, ==, 500);
  g_assert_cmpuint (page->height, ==, 700);
  g_assert_cmpuint (page->dpi, ==, 150);
  g_assert_true (g_file_get_contents (page->path, &spooled, &spooled_len, NULL));
  g_assert_cmpmem (spooled, spooled_len, data, len);
  lept_free (data);
  collected_clear (&c);
}

static void
test_multipage_tiff (void)
{
  g_autofree char *in_dir = pd_test_make_dir ("in");
  g_autofree char *spool = pd_test_make_dir ("spool");
  g_autofree char *path = g_build_filename (in_dir, "fax.tif", NULL);
  g_autoptr(GError) error = NULL;
  const int widths[] = { 300, 400, 500 };
  Collected c;
  guint n_pages = 0;

  for (guint i = 0; i < G_N_ELEMENTS (widths); i++)
    {
      g_autoptr(PIX) gray = make_gray_pix (widths[i], 200, 300);
      g_autoptr(PIX) bits = pixConvertTo1 (gray, 128);

      g_assert_cmpint (pixWriteTiff (path, bits, IFF_TIFF_G4, i == 0 ? "w" : "a"), ==, 0);
    }
  collected_init (&c);
  g_assert_true (pd_import_file (path, spool, "fax", 0, collect_cb, &c, &n_pages, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_pages, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      PdSpooledPage *page = &g_array_index (c.pages, PdSpooledPage, i);
      g_autofree char *suffix = g_strdup_printf ("/fax-%04u.pbm", i);

      g_assert_cmpuint (page->index, ==, i);
      g_assert_true (g_str_has_suffix (page->path, suffix));
      g_assert_cmpuint (page->width, ==, (guint) widths[i]);
      g_assert_cmpuint (page->depth, ==, 1);
    }
  collected_clear (&c);
}

static void
test_pdf_pages_in_order (void)
{
  g_autofree char *in_dir = pd_test_make_dir ("in");
  g_autofree char *spool = pd_test_make_dir ("spool");
  g_autofree char *pdf = g_build_filename (in_dir, "three.pdf", NULL);
  g_autoptr(GError) error = NULL;
  PdPdfPage pages[3] = { 0 };
  char *paths[3] = { NULL };
  const int widths[] = { 200, 300, 400 };
  gboolean ok;
  Collected c;
  guint n_pages = 0;

  /* Three pages of different widths at 100 dpi, made with our own writer. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(PIX) pix = make_gray_pix (widths[i], 250, 100);
      g_autofree char *name = g_strdup_printf ("p%u.jpg", i);

      paths[i] = g_build_filename (in_dir, name, NULL);
      g_assert_cmpint (pixWrite (paths[i], pix, IFF_JFIF_JPEG), ==, 0);
      pages[i] = (PdPdfPage) { paths[i], PD_IMAGE_ENCODING_JPEG, (guint) widths[i], 250, 100, 1,
                               NULL };
    }
  g_assert_true (pd_pdf_write (pdf, pages, 3, NULL, &error));
  g_assert_no_error (error);

  collected_init (&c);
  ok = pd_import_file (pdf, spool, "pdf", 3, collect_cb, &c, &n_pages, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpuint (n_pages, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      PdSpooledPage *page = &g_array_index (c.pages, PdSpooledPage, i);
      g_autofree char *suffix = g_strdup_printf ("/pdf-%04u.pgm", i + 3);
      g_autoptr(PIX) back = pixRead (page->path);

      g_assert_cmpuint (page->index, ==, i + 3);
      g_assert_true (g_str_has_suffix (page->path, suffix));
      /* Rendered at 300 dpi: three times the 100 dpi pixels, in the original order. */
      g_assert_cmpuint (page->width, ==, (guint) widths[i] * 3);
      g_assert_cmpuint (page->height, ==, 750);
      g_assert_cmpuint (page->dpi, ==, 300);
      g_assert_cmpuint (page->channels, ==, 1);
      g_assert_nonnull (back);
      g_assert_cmpint (pixGetWidth (back), ==, widths[i] * 3);
      g_assert_cmpint (pixGetDepth (back), ==, 8);
    }
  for (guint i = 0; i < 3; i++)
    g_free (paths[i]);
  collected_clear (&c);
}

static void
test_callback_stops_import (void)
{
  g_autofree char *in_dir = pd_test_make_dir ("in");
  g_autofree char *spool = pd_test_make_dir ("spool");
  g_autofree char *path = g_build_filename (in_dir, "pages.tif", NULL);
  g_autoptr(GError) error = NULL;
  Collected c;
  guint n_pages = 0;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(PIX) pix = make_gray_pix (100, 100, 300);

      g_assert_cmpint (pixWriteTiff (path, pix, IFF_TIFF_LZW, i == 0 ? "w" : "a"), ==, 0);
    }
  collected_init (&c);
  c.stop_after = 2;
  g_assert_false (pd_import_file (path, spool, "doc", 0, collect_cb, &c, &n_pages, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (c.pages->len, ==, 2);
  g_assert_cmpuint (n_pages, ==, 2);
  collected_clear (&c);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/process/import/empty-file", test_empty_file);
  g_test_add_func ("/process/import/truncated-png", test_truncated_png);
  g_test_add_func ("/process/import/truncated-jpeg", test_truncated_jpeg);
  g_test_add_func ("/process/import/text-named-png", test_text_named_png);
  g_test_add_func ("/process/import/unsupported-gif", test_unsupported_gif);
  g_test_add_func ("/process/import/png", test_png_becomes_pgm);
  g_test_add_func ("/process/import/jpeg-copied", test_jpeg_copied_as_is);
  g_test_add_func ("/process/import/multipage-tiff", test_multipage_tiff);
  g_test_add_func ("/process/import/pdf-pages-in-order", test_pdf_pages_in_order);
  g_test_add_func ("/process/import/callback-stops", test_callback_stops_import);

  return g_test_run ();
}
