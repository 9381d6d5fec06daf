/* test-pdf.c: the searchable PDF, checked with the tools a person would use: pdftotext finds
 * the words, and where they are on the page (pdftotext -bbox) matches what OCR saw; pdfimages
 * shows JPEG for gray pages and CCITT for text pages, with the scanner's JPEG embedded byte for
 * byte; pdftoppm renders black text on white; pdfinfo shows the metadata. */
#include <math.h>
#include <string.h>

#include "pd-ocr.h"
#include "pd-page-processor.h"
#include "pd-pdf-writer.h"
#include "pd-process-error.h"
#include "pd-process-private.h"
#include "pd-test-process.h"
#include "pd-word.h"

typedef struct {
  char   *text;
  double  x0, y0, x1, y1;
} BoxWord;

static void
box_word_clear (BoxWord *w)
{
  g_free (w->text);
}

static GArray *
read_bbox_words (const char *pdf)
{
  const char *argv[] = { "pdftotext", "-bbox", pdf, "-", NULL };
  g_autofree char *html = pd_test_run (argv);
  g_autoptr(GRegex) re = g_regex_new ("<word xMin=\"([0-9.]+)\" yMin=\"([0-9.]+)\" "
                                      "xMax=\"([0-9.]+)\" yMax=\"([0-9.]+)\">([^<]*)</word>",
                                      0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  GArray *words = g_array_new (FALSE, TRUE, sizeof (BoxWord));

  g_array_set_clear_func (words, (GDestroyNotify) box_word_clear);
  g_regex_match (re, html, 0, &match);
  while (g_match_info_matches (match))
    {
      BoxWord w;
      g_autofree char *x0 = g_match_info_fetch (match, 1);
      g_autofree char *y0 = g_match_info_fetch (match, 2);
      g_autofree char *x1 = g_match_info_fetch (match, 3);
      g_autofree char *y1 = g_match_info_fetch (match, 4);

      w.x0 = g_ascii_strtod (x0, NULL);
      w.y0 = g_ascii_strtod (y0, NULL);
      w.x1 = g_ascii_strtod (x1, NULL);
      w.y1 = g_ascii_strtod (y1, NULL);
      w.text = g_match_info_fetch (match, 5);
      g_array_append_val (words, w);
      g_match_info_next (match, NULL);
    }
  return words;
}

static PdPageResult *
process_page (PIX         *pix,
              PdScanMode   mode,
              const char  *dir,
              const char  *spool_name)
{
  g_autoptr(PdProcessOptions) options = pd_process_options_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *spool = NULL;
  PdPageResult *result;

  if (g_str_has_suffix (spool_name, ".jpg"))
    {
      spool = g_build_filename (dir, spool_name, NULL);
      g_assert_cmpint (pixWrite (spool, pix, IFF_JFIF_JPEG), ==, 0);
    }
  else
    spool = pd_test_write_pnm (pix, dir, spool_name);
  options->mode = mode;
  result = pd_page_process (spool, 300, options, dir, mode == PD_SCAN_MODE_TEXT ? "text" : "gray",
                            NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

static PdPdfPage
pdf_page_of (const PdPageResult *r)
{
  return (PdPdfPage) { r->image_path, r->encoding, r->width, r->height, r->dpi, r->channels,
                       r->words };
}

static void
test_gray_searchable (void)
{
  g_auto(GStrv) expected = NULL;
  g_autoptr(PIX) pix = pd_test_load_page (&expected);
  g_autofree char *dir = pd_test_make_dir ("work");
  g_autofree char *pdf = g_build_filename (dir, "Invoice.pdf", NULL);
  g_autoptr(PdPageResult) result = process_page (pix, PD_SCAN_MODE_GRAY, dir, "page.pgm");
  g_autoptr(GDateTime) created = g_date_time_new_utc (2026, 5, 1, 10, 30, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) boxes = NULL;
  PdPdfMetadata meta = {
    .title = "Rechnung März 2026",
    .author = "Margaret Okonkwo",
    .subject = "Invoice (office supplies)",
    .keywords = "invoice, supplies",
    .creator = "Paperdock test",
    .producer = "Paperdock 0.1.0",
    .created = created,
  };
  PdPdfPage page = pdf_page_of (result);
  g_autofree char *text = NULL;
  g_autofree char *images = NULL;
  g_autofree char *info = NULL;
  g_auto(GStrv) found = NULL;
  double scale = 72.0 / 300.0;
  guint n_checked = 0;

  g_assert_true (pd_pdf_write (pdf, &page, 1, &meta, &error));
  g_assert_no_error (error);

  /* Search finds the words. */
  {
    const char *argv[] = { "pdftotext", pdf, "-", NULL };
    text = pd_test_run (argv);
  }
  found = pd_test_split_words (text);
  g_assert_cmpfloat (pd_test_fraction_found (expected, found), >=, 0.95);

  /* Each word sits where OCR saw it: left and right edges, top and vertical centre within 3
   * points. The bottom edge is not compared: a reader puts it at the font's descent (0.207 em
   * for Helvetica) whether or not the word has descenders, 3.7 pt below the box of an 18 pt
   * "INVOICE". */
  boxes = read_bbox_words (pdf);
  for (guint i = 0; i < result->words->len; i++)
    {
      const PdWord *w = &g_array_index (result->words, PdWord, i);
      double ox0 = w->x0 * scale, oy0 = w->y0 * scale, ox1 = w->x1 * scale, oy1 = w->y1 * scale;
      double best = G_MAXDOUBLE;

      if (strchr (w->text, '&') != NULL || strchr (w->text, '<') != NULL)
        continue;  /* XML-escaped in pdftotext's output */
      for (guint j = 0; j < boxes->len; j++)
        {
          const BoxWord *b = &g_array_index (boxes, BoxWord, j);
          double d;

          if (strcmp (b->text, w->text) != 0)
            continue;
          d = MAX (MAX (fabs (b->x0 - ox0), fabs (b->x1 - ox1)),
                   MAX (fabs (b->y0 - oy0), fabs ((b->y0 + b->y1) / 2 - (oy0 + oy1) / 2)));
          best = MIN (best, d);
        }
      if (best > 3.0)
        g_test_message ("“%s” is %.2f pt from its OCR box", w->text, best);
      g_assert_cmpfloat (best, <=, 3.0);
      n_checked++;
    }
  g_assert_cmpuint (n_checked, >=, result->words->len * 9 / 10);

  {
    const char *argv[] = { "pdfimages", "-list", pdf, NULL };
    images = pd_test_run (argv);
  }
  g_test_message ("%s", images);
  g_assert_nonnull (strstr (images, "gray    1   8  jpeg"));

  {
    const char *argv[] = { "pdfinfo", pdf, NULL };
    info = pd_test_run (argv);
  }
  g_test_message ("%s", info);
  g_assert_nonnull (strstr (info, "Title:           Rechnung März 2026\n"));
  g_assert_nonnull (strstr (info, "Author:          Margaret Okonkwo\n"));
  g_assert_nonnull (strstr (info, "Subject:         Invoice (office supplies)\n"));
  g_assert_nonnull (strstr (info, "Keywords:        invoice, supplies\n"));
  g_assert_nonnull (strstr (info, "Creator:         Paperdock test\n"));
  g_assert_nonnull (strstr (info, "Producer:        Paperdock 0.1.0\n"));
  g_assert_nonnull (strstr (info, "CreationDate:    Fri May  1 10:30:00 2026 UTC\n"));
  g_assert_nonnull (strstr (info, "ModDate:"));
  g_assert_nonnull (strstr (info, "Pages:           1\n"));
  g_assert_nonnull (strstr (info, "Page size:       595.2 x 841.92 pts (A4)\n"));
  g_assert_nonnull (strstr (info, "PDF version:     1.5\n"));
}

static void
test_text_mode_ccitt (void)
{
  g_auto(GStrv) expected = NULL;
  g_autoptr(PIX) pix = pd_test_load_page (&expected);
  g_autofree char *dir = pd_test_make_dir ("work");
  g_autofree char *pdf = g_build_filename (dir, "text.pdf", NULL);
  g_autofree char *render_base = g_build_filename (dir, "render", NULL);
  g_autofree char *render = g_build_filename (dir, "render.pgm", NULL);
  g_autoptr(PdPageResult) result = process_page (pix, PD_SCAN_MODE_TEXT, dir, "page.pgm");
  g_autoptr(GError) error = NULL;
  g_autoptr(PIX) rendered = NULL;
  g_autoptr(PIX) ink = NULL;
  PdPdfPage page = pdf_page_of (result);
  g_autofree char *images = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) found = NULL;
  l_int32 n_black = 0;
  l_float32 mean = 0;
  g_autofree char *g4 = NULL;
  gsize g4_size = 0;

  g_assert_cmpint (result->encoding, ==, PD_IMAGE_ENCODING_CCITT_G4);
  g_assert_true (g_str_has_suffix (result->image_path, "/text.g4"));
  g_assert_true (g_file_get_contents (result->image_path, &g4, &g4_size, NULL));
  g_test_message ("G4 page: %" G_GSIZE_FORMAT " bytes", g4_size);
  g_assert_cmpuint (g4_size, <, 200 * 1024);

  g_assert_true (pd_pdf_write (pdf, &page, 1, NULL, &error));
  g_assert_no_error (error);
  {
    const char *argv[] = { "pdfimages", "-list", pdf, NULL };
    images = pd_test_run (argv);
  }
  g_test_message ("%s", images);
  g_assert_nonnull (strstr (images, "ccitt"));
  {
    const char *argv[] = { "pdftotext", pdf, "-", NULL };
    text = pd_test_run (argv);
  }
  found = pd_test_split_words (text);
  g_assert_cmpfloat (pd_test_fraction_found (expected, found), >=, 0.95);

  /* Black text on white paper, not a negative: mostly white, some black where the title is. */
  {
    const char *argv[] = { "pdftoppm", "-gray", "-r", "75", "-singlefile", pdf, render_base, NULL };
    g_free (pd_test_run (argv));
  }
  rendered = pixRead (render);
  g_assert_nonnull (rendered);
  pixGetAverageMasked (rendered, NULL, 0, 0, 1, L_MEAN_ABSVAL, &mean);
  g_test_message ("mean gray of the rendered page: %.1f", mean);
  g_assert_cmpfloat (mean, >, 200.0);
  ink = pixThresholdToBinary (rendered, 100);
  pixCountPixels (ink, &n_black, NULL);
  g_assert_cmpint (n_black, >, 500);
}

static void
test_jpeg_passthrough (void)
{
  g_auto(GStrv) expected = NULL;
  g_autoptr(PIX) pix = pd_test_load_page (&expected);
  g_autofree char *dir = pd_test_make_dir ("work");
  g_autofree char *pdf = g_build_filename (dir, "jpeg.pdf", NULL);
  g_autofree char *spool = g_build_filename (dir, "scan.jpg", NULL);
  g_autofree char *extract_base = g_build_filename (dir, "extracted", NULL);
  g_autofree char *extracted = g_build_filename (dir, "extracted-000.jpg", NULL);
  g_autoptr(PdPageResult) result = process_page (pix, PD_SCAN_MODE_GRAY, dir, "scan.jpg");
  g_autoptr(GError) error = NULL;
  PdPdfPage page = pdf_page_of (result);
  g_autofree char *spool_bytes = NULL, *out_bytes = NULL, *pdf_bytes = NULL;
  gsize spool_len = 0, out_len = 0, pdf_len = 0;

  /* The scanner's JPEG needed no rotation, so it is kept as it is... */
  g_assert_cmpfloat (result->skew_degrees, ==, 0.0);
  g_assert_true (g_file_get_contents (spool, &spool_bytes, &spool_len, NULL));
  g_assert_true (g_file_get_contents (result->image_path, &out_bytes, &out_len, NULL));
  g_assert_cmpmem (spool_bytes, spool_len, out_bytes, out_len);

  /* ...and the PDF carries exactly those bytes as its image stream. */
  g_assert_true (pd_pdf_write (pdf, &page, 1, NULL, &error));
  g_assert_no_error (error);
  {
    const char *argv[] = { "pdfimages", "-j", pdf, extract_base, NULL };
    g_free (pd_test_run (argv));
  }
  g_clear_pointer (&out_bytes, g_free);
  g_assert_true (g_file_get_contents (extracted, &out_bytes, &out_len, NULL));
  g_assert_cmpmem (spool_bytes, spool_len, out_bytes, out_len);
  g_assert_true (g_file_get_contents (pdf, &pdf_bytes, &pdf_len, NULL));
  g_assert_cmpuint (pdf_len, <, spool_len + 16 * 1024);
}

static void
test_empty_document (void)
{
  g_autofree char *dir = pd_test_make_dir ("work");
  g_autofree char *pdf = g_build_filename (dir, "none.pdf", NULL);
  g_autoptr(GError) error = NULL;
  PdPdfPage page = { "/nonexistent/page.jpg", PD_IMAGE_ENCODING_JPEG, 10, 10, 300, 1, NULL };

  g_assert_false (pd_pdf_write (pdf, &page, 0, NULL, &error));
  g_assert_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_PDF_FAILED);
  g_clear_error (&error);

  /* A missing page image leaves no half-written PDF behind. */
  g_assert_false (pd_pdf_write (pdf, &page, 1, NULL, &error));
  g_assert_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_PDF_FAILED);
  g_assert_true (pd_test_dir_is_empty (dir));
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/process/pdf/gray-searchable", test_gray_searchable);
  g_test_add_func ("/process/pdf/text-mode-ccitt", test_text_mode_ccitt);
  g_test_add_func ("/process/pdf/jpeg-passthrough", test_jpeg_passthrough);
  g_test_add_func ("/process/pdf/errors", test_empty_document);

  ret = g_test_run ();
  pd_ocr_release_thread_engine ();
  return ret;
}
