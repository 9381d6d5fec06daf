/* test-enhance.c: the clean-up of bad scans, end to end through pd_page_process with the real
 * leptonica and tesseract: crooked pages (both ways, up to 15 degrees) are straightened, pages
 * upside down or on their side are turned and read, the dark lid around a small sheet is cut
 * away, a phone photo is flattened, blank pages (tinted, with show-through and punch holes) are
 * flagged and text pages never are, a blurred page is flagged, and the text read off all the
 * degraded pages stays within 1 % character error on average, 3 % at worst. The bad scans are
 * made from the demo pages by pd-degrade.c. */
#include <math.h>
#include <string.h>

#include "pd-degrade.h"
#include "pd-enhance.h"
#include "pd-ocr.h"
#include "pd-page-processor.h"
#include "pd-pdf-writer.h"
#include "pd-process-private.h"
#include "pd-test-process.h"

#define MM (300 / 25.4)

static void
box_free (BOX *box)
{
  boxDestroy (&box);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BOX, box_free)

/* Character error rates of every degraded text page read in this run, for the summary. */
static GArray *error_rates;
static GArray *pdf_error_rates;  /* of the text a reader gets back from the page's PDF */

/* Writes the processed page as a one-page PDF and reads its text back as a reader would. */
static char *
dup_pdf_text (const PdPageResult *result,
              const char         *name)
{
  g_autofree char *pdf = g_strdup_printf ("%s/%s.pdf", g_get_user_cache_dir (), name);
  PdPdfPage page = { result->image_path, result->encoding, result->width, result->height,
                     result->dpi, result->channels, result->words };
  PdPdfMetadata meta = { .title = name };
  const char *argv[] = { "pdftotext", "-layout", "-enc", "UTF-8", pdf, "-", NULL };
  g_autoptr(GError) error = NULL;
  char *text = NULL;
  int status = 0;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_cache_dir (), 0700), ==, 0);
  g_assert_true (pd_pdf_write (pdf, &page, 1, &meta, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &text, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  return text;
}

static PIX *
load_demo (guint    number,
           char   **text_out,
           double  *skew_out)
{
  PIX *pix = pd_degrade_load_demo_page (number, text_out, skew_out);

  if (pix == NULL)
    g_test_skip ("the demo pages were not built");
  return pix;
}

/* Runs @pix through the page processor as a 300 dpi spool file. */
static PdPageResult *
process (PIX                    *pix,
         const char             *name,
         const PdProcessOptions *options)
{
  g_autofree char *dir = pd_test_make_dir (name);
  g_autofree char *spool = pd_test_write_pnm (pix, dir, "spool.pgm");
  g_autoptr(PdProcessOptions) defaults = pd_process_options_new ();
  g_autoptr(GError) error = NULL;
  PdPageResult *result;

  result = pd_page_process (spool, 300, options != NULL ? options : defaults, dir, "page", NULL,
                            &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_test_message ("%s: turned %u° (confidence %.1f), skew %.2f°, crop %u,%u %ux%u, "
                  "perspective %s, blank %.3f%s, sharpness %.2f%s, %u words; ms: perspective "
                  "%.0f border %.0f blank %.0f deskew %.0f orientation %.0f blur %.0f encode "
                  "%.0f ocr %.0f", name, result->rotation_degrees,
                  result->orientation_confidence, result->skew_degrees, result->crop.x,
                  result->crop.y, result->crop.width, result->crop.height,
                  result->perspective_corrected ? "corrected" : "no", result->blank_score,
                  result->is_blank ? " (blank)" : "", result->blur_score,
                  result->is_blurry ? " (blurry)" : "", result->words->len,
                  result->perspective_ms, result->border_ms, result->blank_ms, result->deskew_ms,
                  result->orientation_ms, result->blur_ms, result->encode_ms, result->ocr_ms);
  return result;
}

/* Checks the text of a processed page against its ground truth and keeps the error rate. */
static double
check_text (const PdPageResult *result,
            const char         *truth,
            const char         *name)
{
  double cer = pd_degrade_cer (truth, result->text);
  g_autofree char *pdf_text = dup_pdf_text (result, name);
  double pdf_cer = pd_degrade_cer (truth, pdf_text);

  g_test_message ("%s: character error rate %.2f %%, of the PDF's text %.2f %%", name, cer * 100,
                  pdf_cer * 100);
  if (cer > 0.01)
    g_test_message ("%s read as: %s", name, result->text);
  g_array_append_val (error_rates, cer);
  g_array_append_val (pdf_error_rates, pdf_cer);
  g_assert_false (result->is_blank);
  return cer;
}

static double
fraction_of_words (const char         *truth,
                   const PdPageResult *result)
{
  g_auto(GStrv) expected = pd_test_split_words (truth);
  g_auto(GStrv) found = pd_test_words_of_array (result->words);

  return pd_test_fraction_found (expected, found);
}

/* pd_enhance_find_skew alone, on many angles: it is what every later step relies on. */
static void
test_skew_angles (void)
{
  static const double angles[] = { 5, -5, 10, -10, 15, -15, 0.8, -2.2 };
  g_autoptr(PIX) page = NULL;
  g_autoptr(PIX) noisy = NULL;
  double builtin = 0;

  page = load_demo (1, NULL, &builtin);
  if (page == NULL)
    return;
  noisy = pd_degrade_noise (page, 5.0, 7);

  for (guint i = 0; i < G_N_ELEMENTS (angles); i++)
    {
      g_autoptr(PIX) skewed = pd_degrade_skew (noisy, angles[i]);
      double found = 0, confidence = 0;
      double expected = -(angles[i] + builtin);

      g_assert_true (pd_enhance_find_skew (skewed, PD_ENHANCE_MAX_SKEW_DEGREES, &found,
                                           &confidence));
      g_test_message ("skewed %+.1f°: correction %+.3f° (confidence %.1f)", angles[i], found,
                      confidence);
      g_assert_cmpfloat (fabs (found - expected), <, 0.3);
    }

  /* A straight page needs nothing. */
  {
    double found = 1;

    pd_enhance_find_skew (noisy, PD_ENHANCE_MAX_SKEW_DEGREES, &found, NULL);
    g_assert_cmpfloat (fabs (found), <, 0.3);
  }
}

/* Through the whole page processor, both directions at the limit, then read. */
static void
test_skew_pages (void)
{
  static const struct { guint page; double degrees; } cases[] = { { 1, 15.0 }, { 2, -12.0 } };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *truth = NULL;
      g_autofree char *name = g_strdup_printf ("skew%+.0f", cases[i].degrees);
      g_autoptr(PIX) page = NULL;
      g_autoptr(PIX) skewed = NULL;
      g_autoptr(PIX) noisy = NULL;
      g_autoptr(PdPageResult) result = NULL;
      double builtin = 0;

      page = load_demo (cases[i].page, &truth, &builtin);
      if (page == NULL)
        return;
      skewed = pd_degrade_skew (page, cases[i].degrees);
      noisy = pd_degrade_noise (skewed, 6.0, 11 + i);
      result = process (noisy, name, NULL);
      g_assert_cmpfloat (fabs (result->skew_degrees + cases[i].degrees + builtin), <, 0.3);
      g_assert_cmpuint (result->rotation_degrees, ==, 0);
      g_assert_cmpuint (result->crop.width, ==, 0);
      g_assert_false (result->is_blurry);
      check_text (result, truth, name);
    }
}

static void
test_orientation (void)
{
  /* Clockwise quarter turns made by the "scanner", on a page that is also a little crooked. */
  static const struct { guint page; guint turns; double degrees; } cases[] = {
    { 3, 2, 0.0 }, { 6, 1, 0.0 }, { 4, 3, 2.0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *truth = NULL;
      g_autofree char *name = g_strdup_printf ("turned%u", cases[i].turns * 90);
      g_autoptr(PIX) page = NULL;
      g_autoptr(PIX) skewed = NULL;
      g_autoptr(PIX) turned = NULL;
      g_autoptr(PdPageResult) result = NULL;
      double builtin = 0, fraction;

      page = load_demo (cases[i].page, &truth, &builtin);
      if (page == NULL)
        return;
      skewed = cases[i].degrees != 0 ? pd_degrade_skew (page, cases[i].degrees) : pixClone (page);
      turned = pd_degrade_turn (skewed, cases[i].turns);
      result = process (turned, name, NULL);

      g_assert_cmpuint (result->rotation_degrees, ==, (4 - cases[i].turns) % 4 * 90);
      g_assert_cmpfloat (result->orientation_confidence, >=,
                         PD_ENHANCE_MIN_CONFIRMED_ORIENTATION_CONFIDENCE);
      /* Upright again, in the page's own proportions. */
      g_assert_cmpuint (result->width, ==, (guint) pixGetWidth (page));
      g_assert_cmpuint (result->height, ==, (guint) pixGetHeight (page));
      fraction = fraction_of_words (truth, result);
      g_test_message ("%s: %.1f %% of the words found", name, fraction * 100);
      g_assert_cmpfloat (fraction, >=, 0.95);
      check_text (result, truth, name);
    }

  /* Switched off, the page is left as it came. */
  {
    g_autoptr(PIX) page = load_demo (3, NULL, NULL);
    g_autoptr(PIX) turned = pd_degrade_turn (page, 2);
    g_autoptr(PdProcessOptions) options = pd_process_options_new ();
    g_autoptr(PdPageResult) result = NULL;

    options->orientation = FALSE;
    result = process (turned, "orientation-off", options);
    g_assert_cmpuint (result->rotation_degrees, ==, 0);
    g_assert_cmpfloat (result->orientation_ms, ==, 0);
  }
}

static void
test_border (void)
{
  g_autofree char *truth = NULL;
  g_autoptr(PIX) page = NULL;
  g_autoptr(PIX) scan = NULL;
  g_autoptr(BOX) paper = NULL;
  g_autoptr(PdPageResult) result = NULL;
  l_int32 px, py, pw, ph;
  double tolerance = 3 * MM;

  page = load_demo (5, &truth, NULL);
  if (page == NULL)
    return;
  /* An A4 sheet laid crooked on a larger glass, the lid dark gray around it. */
  scan = pd_degrade_lid_border (page, 150, 100, 260, 180, 1.5, 70, &paper);
  boxGetGeometry (paper, &px, &py, &pw, &ph);
  result = process (scan, "border", NULL);

  g_test_message ("paper at %d,%d %dx%d", px, py, pw, ph);
  g_assert_cmpfloat (fabs ((double) result->crop.x - px), <, tolerance);
  g_assert_cmpfloat (fabs ((double) result->crop.y - py), <, tolerance);
  g_assert_cmpfloat (fabs ((double) (result->crop.x + result->crop.width) - (px + pw)), <,
                     tolerance);
  g_assert_cmpfloat (fabs ((double) (result->crop.y + result->crop.height) - (py + ph)), <,
                     tolerance);
  g_assert_cmpfloat (fabs (result->skew_degrees + 1.5 + 0.7), <, 0.3);
  check_text (result, truth, "border");

  /* The lid left around a crooked sheet is painted over: no dark corner reaches the PDF. */
  {
    g_autoptr(PIX) cropped = pd_enhance_remove_border (scan, 300, NULL);
    l_uint32 corner = 0;

    g_assert_nonnull (cropped);
    pixGetPixel (cropped, 2, 2, &corner);
    g_assert_cmpuint (corner, >, 180);
  }

  /* A scan that is paper to its edges is not cropped. */
  {
    g_autoptr(PIX) plain = pd_degrade_noise (page, 3.0, 5);
    g_autoptr(BOX) none = pd_enhance_find_paper (plain, 300, NULL);

    g_assert_null (none);
  }
}

static void
test_photo (void)
{
  /* Taken from above and a little to the left: the far edge shorter, the sheet turned. */
  static const double corners[8] = { 420, 380, 2660, 300, 2900, 3720, 260, 3620 };
  g_autofree char *truth = NULL;
  g_autoptr(PIX) page = NULL;
  g_autoptr(PIX) photo = NULL;
  g_autoptr(PdProcessOptions) options = pd_process_options_new ();
  g_autoptr(PdPageResult) result = NULL;
  double fraction;

  page = load_demo (6, &truth, NULL);
  if (page == NULL)
    return;
  photo = pd_degrade_photo (page, corners, 3100, 4000, 55);

  /* pd_enhance_find_page_corners alone: within a few pixels of where the sheet is. */
  {
    PTA *found = pd_enhance_find_page_corners (photo);

    g_assert_nonnull (found);
    for (int i = 0; i < 4; i++)
      {
        l_float32 x, y;

        ptaGetPt (found, i, &x, &y);
        g_test_message ("corner %d at %.0f,%.0f (made at %.0f,%.0f)", i, x, y, corners[2 * i],
                        corners[2 * i + 1]);
        g_assert_cmpfloat (hypot (x - corners[2 * i], y - corners[2 * i + 1]), <, 2 * MM);
      }
    ptaDestroy (&found);
  }

  options->perspective = TRUE;
  result = process (photo, "photo", options);
  g_assert_true (result->perspective_corrected);
  g_assert_cmpuint (result->crop.width, ==, 0);
  /* The sheet's proportions come back (A4: 1.414), within a few per cent. */
  g_assert_cmpfloat (fabs ((double) result->height / result->width - 3508.0 / 2480.0), <, 0.06);
  fraction = fraction_of_words (truth, result);
  g_test_message ("photo: %.1f %% of the words found", fraction * 100);
  g_assert_cmpfloat (fraction, >=, 0.95);
  check_text (result, truth, "photo");

  /* A flat scan is never "corrected". */
  {
    g_autoptr(PIX) scan = pd_degrade_noise (page, 3.0, 9);
    PTA *none = pd_enhance_find_page_corners (scan);

    g_assert_null (none);
  }
}

static void
test_paper_and_noise (void)
{
  g_autofree char *truth2 = NULL;
  g_autofree char *truth1 = NULL;
  g_autoptr(PIX) page2 = load_demo (2, &truth2, NULL);
  g_autoptr(PIX) page1 = NULL;
  g_autoptr(PIX) tinted = NULL;
  g_autoptr(PIX) noisy = NULL;
  g_autoptr(PIX) line = NULL;
  g_autoptr(PdPageResult) result = NULL;
  g_autoptr(PdPageResult) sparse = NULL;
  g_auto(GStrv) lines = NULL;

  if (page2 == NULL)
    return;
  /* Recycled paper and a noisy sensor. */
  tinted = pd_degrade_tint_paper (page2, 200);
  noisy = pd_degrade_noise (tinted, 10.0, 3);
  result = process (noisy, "off-white", NULL);
  g_assert_false (result->is_blurry);
  check_text (result, truth2, "off-white");

  /* A page with a single line of text is still not blank. */
  page1 = load_demo (1, &truth1, NULL);
  line = pd_degrade_keep_first_line (page1);
  sparse = process (line, "one-line", NULL);
  lines = g_strsplit (truth1, "\n", 2);
  check_text (sparse, lines[0], "one-line");
  g_assert_cmpfloat (sparse->blank_score, >, 4 * PD_ENHANCE_BLANK_THRESHOLD);
}

static void
test_blank (void)
{
  g_autoptr(PIX) page = load_demo (4, NULL, NULL);
  g_autoptr(PIX) back = NULL;
  g_autoptr(PdPageResult) result = NULL;
  PIX *blanks[4];
  const char *names[] = { "white", "off-white", "show-through+holes", "tinted+holes" };

  if (page == NULL)
    return;
  back = load_demo (2, NULL, NULL);
  blanks[0] = pd_degrade_blank_page (page, 236, NULL, FALSE);
  blanks[1] = pd_degrade_blank_page (page, 205, NULL, FALSE);
  blanks[2] = pd_degrade_blank_page (page, 232, back, TRUE);
  blanks[3] = pd_degrade_blank_page (page, 210, back, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (blanks); i++)
    {
      double score = pd_enhance_blank_score (blanks[i], 300);

      g_test_message ("blank %s: score %.4f", names[i], score);
      g_assert_cmpfloat (score, <, PD_ENHANCE_BLANK_THRESHOLD);
    }

  /* The text pages of this set score far above. */
  for (guint n = 1; n <= 6; n++)
    {
      g_autoptr(PIX) text = load_demo (n, NULL, NULL);
      double score = pd_enhance_blank_score (text, 300);

      g_test_message ("demo page %u: blank score %.3f", n, score);
      g_assert_cmpfloat (score, >, 10 * PD_ENHANCE_BLANK_THRESHOLD);
    }

  /* Through the page processor: flagged, and neither turned nor straightened. */
  result = process (blanks[2], "blank", NULL);
  g_assert_true (result->is_blank);
  g_assert_false (result->is_blurry);
  g_assert_cmpuint (result->rotation_degrees, ==, 0);
  g_assert_cmpfloat (result->skew_degrees, ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (blanks); i++)
    pixDestroy (&blanks[i]);
}

static void
test_blur (void)
{
  g_autofree char *truth = NULL;
  g_autoptr(PIX) page = load_demo (4, &truth, NULL);
  g_autoptr(PIX) sharp = NULL;
  g_autoptr(PIX) soft = NULL;
  g_autoptr(PIX) slightly = NULL;
  g_autoptr(PIX) blurred = NULL;
  g_autoptr(PIX) blurred_noisy = NULL;
  g_autoptr(PdPageResult) result = NULL;
  double sharp_score, soft_score, blurred_score;

  if (page == NULL)
    return;
  sharp = pd_degrade_noise (page, 4.0, 21);
  slightly = pd_degrade_blur (page, 1.0);
  soft = pd_degrade_noise (slightly, 4.0, 22);
  blurred = pd_degrade_blur (page, 3.0);
  blurred_noisy = pd_degrade_noise (blurred, 4.0, 23);

  sharp_score = pd_enhance_blur_score (sharp, 300);
  soft_score = pd_enhance_blur_score (soft, 300);
  blurred_score = pd_enhance_blur_score (blurred_noisy, 300);
  g_test_message ("sharpness: sharp %.3f, slightly soft %.3f, blurred %.3f", sharp_score,
                  soft_score, blurred_score);
  g_assert_cmpfloat (blurred_score, <, soft_score);
  g_assert_cmpfloat (soft_score, <, sharp_score);
  g_assert_cmpfloat (sharp_score, >=, PD_ENHANCE_BLUR_THRESHOLD);
  g_assert_cmpfloat (soft_score, >=, PD_ENHANCE_BLUR_THRESHOLD);
  g_assert_cmpfloat (blurred_score, <, PD_ENHANCE_BLUR_THRESHOLD);

  /* Through the page processor: flagged, and still read. */
  result = process (blurred_noisy, "blurred", NULL);
  g_assert_true (result->is_blurry);
  check_text (result, truth, "blurred");
}

/* Over every degraded text page read above. */
static void
test_error_rate (void)
{
  double sum = 0, worst = 0;

  if (error_rates->len == 0)
    {
      g_test_skip ("no degraded page was read in this run");
      return;
    }
  for (guint i = 0; i < error_rates->len; i++)
    {
      double cer = g_array_index (error_rates, double, i);

      sum += cer;
      worst = MAX (worst, cer);
    }
  g_test_message ("%u degraded pages: mean character error rate %.2f %%, worst %.2f %%",
                  error_rates->len, 100 * sum / error_rates->len, 100 * worst);
  g_assert_cmpfloat (sum / error_rates->len, <=, 0.01);
  g_assert_cmpfloat (worst, <=, 0.03);

  /* And what a person gets from the PDF itself. */
  sum = worst = 0;
  for (guint i = 0; i < pdf_error_rates->len; i++)
    {
      double cer = g_array_index (pdf_error_rates, double, i);

      sum += cer;
      worst = MAX (worst, cer);
    }
  g_test_message ("the same pages' PDFs: mean character error rate %.2f %%, worst %.2f %%",
                  100 * sum / pdf_error_rates->len, 100 * worst);
  g_assert_cmpuint (pdf_error_rates->len, ==, error_rates->len);
  g_assert_cmpfloat (sum / pdf_error_rates->len, <=, 0.01);
  g_assert_cmpfloat (worst, <=, 0.03);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  _pd_process_init_leptonica ();
  error_rates = g_array_new (FALSE, FALSE, sizeof (double));
  pdf_error_rates = g_array_new (FALSE, FALSE, sizeof (double));

  g_test_add_func ("/enhance/skew-angles", test_skew_angles);
  g_test_add_func ("/enhance/skew-pages", test_skew_pages);
  g_test_add_func ("/enhance/orientation", test_orientation);
  g_test_add_func ("/enhance/border", test_border);
  g_test_add_func ("/enhance/photo", test_photo);
  g_test_add_func ("/enhance/paper-and-noise", test_paper_and_noise);
  g_test_add_func ("/enhance/blank", test_blank);
  g_test_add_func ("/enhance/blur", test_blur);
  g_test_add_func ("/enhance/error-rate", test_error_rate);

  status = g_test_run ();
  g_array_unref (error_rates);
  g_array_unref (pdf_error_rates);
  pd_ocr_release_thread_engine ();
  pd_enhance_release_thread_engine ();
  return status;
}
