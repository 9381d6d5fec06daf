/* test-barcode.c: barcodes printed on scanned pages, as an office prints them. Each code is drawn
 * by zint at a real printer's size (a 0.25-0.5 mm module at 300 dpi) and inked onto a demo page
 * (2480 × 3508 gray, off-white paper with sensor noise); then every code must read with its own
 * value, in the place it was printed, from every image depth, and still when the sheet went
 * through the scanner 3 degrees askew. Separator sheets (NAPS2's Patch T, a "SEP-0042" cover
 * sheet) must split a batch and an invoice carrying a product code must not. */
#include <math.h>
#include <string.h>

#include "pd-barcode.h"
#include "pd-paths.h"
#include "pd-process-private.h"
#include "pd-test-process.h"

#define SEPARATOR_PATTERN "^SEP-[0-9]+$"

static void
kernel_destroy (L_KERNEL *kernel)
{
  kernelDestroy (&kernel);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (L_KERNEL, kernel_destroy)

typedef struct {
  const char *zint_type;   /* zint's -b name */
  const char *data;        /* what zint is given */
  const char *scale;       /* zint's scale: 1 = 2 pixels per module */
  int         x, y;        /* where the top left corner is printed on the page */
  const char *type;        /* what zbar must say */
  const char *value;       /* what zbar must read (EAN/UPC with the check digit zint adds) */
} Printed;

/* On the invoice page (demo page 1), in its empty right column and below its text. */
static const Printed invoice_codes[] = {
  { "CODE128", "SEP-0001-INVOICE", "1.5", 1400, 250, "CODE-128", "SEP-0001-INVOICE" },
  { "CODE39", "CUST88213", "1.5", 1500, 900, "CODE-39", "CUST88213" },
  { "EANX", "590123412345", "2", 1500, 2700, "EAN-13", "5901234123457" },
  { "EANX", "9638507", "2", 900, 3050, "EAN-8", "96385074" },
  { "UPCA", "03600029145", "2", 300, 2700, "UPC-A", "036000291452" },
  { "QRCODE", "https://example.org/doc/42", "3", 2000, 3000, "QR-Code",
    "https://example.org/doc/42" },
};

typedef struct {
  int x0, y0, x1, y1;
} Rect;

/* Draws @printed with the zint command line and returns it as 8-bit gray, white paper. */
static PIX *
render_code (const Printed *printed)
{
  g_autofree char *dir = pd_test_make_dir ("barcodes");
  g_autofree char *png = g_build_filename (dir, "code.png", NULL);
  g_autofree char *scale = g_strdup_printf ("--scale=%s", printed->scale);
  g_autofree char *out = NULL;
  g_autoptr(PIX) pix = NULL;
  const char *argv[] = { "zint", "-b", printed->zint_type, scale, "--height=50", "-d",
                         printed->data, "-o", png, NULL };

  out = pd_test_run (argv);
  pix = pixRead (png);
  g_assert_nonnull (pix);
  return pixConvertTo8 (pix, FALSE);
}

/* Prints @printed on @page like ink on paper: its black darkens the page, its white leaves the
 * paper (and its noise) as it was. Returns where it landed. */
static Rect
print_code (PIX           *page,
            const Printed *printed)
{
  g_autoptr(PIX) code = render_code (printed);
  int w = pixGetWidth (code), h = pixGetHeight (code);
  Rect rect = { printed->x, printed->y, printed->x + w - 1, printed->y + h - 1 };

  g_assert_cmpint (rect.x1, <, pixGetWidth (page));
  g_assert_cmpint (rect.y1, <, pixGetHeight (page));
  pixRasterop (page, printed->x, printed->y, w, h, PIX_SRC & PIX_DST, code, 0, 0);
  return rect;
}

static PIX *
load_demo_page (guint n)
{
  g_autofree char *name = g_strdup_printf ("page-%02u.pgm", n);
  g_autofree char *path = g_build_filename (pd_paths_get_data_dir (), "demo", name, NULL);
  PIX *pix = pixRead (path);

  if (pix == NULL)
    g_error ("no demo page %s: build the demo-pages target", path);
  g_assert_cmpint (pixGetWidth (pix), ==, 2480);
  g_assert_cmpint (pixGetHeight (pix), ==, 3508);
  return pix;
}

/* A sheet of blank paper as the scanner sees it: off-white, with sensor noise. */
static PIX *
blank_sheet (void)
{
  g_autoptr(PIX) paper = pixCreate (2480, 3508, 8);

  pixSetAllArbitrary (paper, 236);
  return pixAddGaussianNoise (paper, 4.0);
}

static GPtrArray *
scan_timed (PIX        *pix,
            const char *what)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  GPtrArray *barcodes = pd_barcode_scan (pix, &error);

  g_assert_no_error (error);
  g_assert_nonnull (barcodes);
  g_test_message ("%s: %u barcodes in %.0f ms", what, barcodes->len,
                  (g_get_monotonic_time () - start) / 1000.0);
  return barcodes;
}

static const PdBarcode *
find_value (GPtrArray  *barcodes,
            const char *value)
{
  for (guint i = 0; i < barcodes->len; i++)
    {
      const PdBarcode *barcode = g_ptr_array_index (barcodes, i);

      if (g_strcmp0 (barcode->value, value) == 0)
        return barcode;
    }
  for (guint i = 0; i < barcodes->len; i++)
    {
      const PdBarcode *barcode = g_ptr_array_index (barcodes, i);

      g_test_message ("read %s “%s”", barcode->type, barcode->value);
    }
  g_error ("“%s” was not read", value);
  return NULL;
}

/* Every printed code is read once, with its type and value, and no code that was not printed. */
static void
assert_reads_all (GPtrArray     *barcodes,
                  const Printed *printed,
                  guint          n_printed)
{
  for (guint i = 0; i < n_printed; i++)
    {
      const PdBarcode *barcode = find_value (barcodes, printed[i].value);

      g_assert_cmpstr (barcode->type, ==, printed[i].type);
    }
  g_assert_cmpuint (barcodes->len, ==, n_printed);
}

/* The box zbar reports lies on the printed code (a few pixels of slack for the edges of the scan
 * lines), and spans most of its width: a 1-D code is read across all its bars. */
static void
assert_box_on (const PdBarcode *barcode,
               Rect             rect)
{
  const int slack = 6;

  g_test_message ("%s “%s”: read at %d,%d-%d,%d, printed at %d,%d-%d,%d", barcode->type,
                  barcode->value, barcode->x0, barcode->y0, barcode->x1, barcode->y1,
                  rect.x0, rect.y0, rect.x1, rect.y1);
  g_assert_cmpint (barcode->x0, >=, rect.x0 - slack);
  g_assert_cmpint (barcode->y0, >=, rect.y0 - slack);
  g_assert_cmpint (barcode->x1, <=, rect.x1 + slack);
  g_assert_cmpint (barcode->y1, <=, rect.y1 + slack);
  g_assert_cmpint (barcode->x1 - barcode->x0, >=, (rect.x1 - rect.x0) * 8 / 10);
}

static PIX *
invoice_with_codes (Rect *rects)
{
  PIX *page = load_demo_page (1);

  for (guint i = 0; i < G_N_ELEMENTS (invoice_codes); i++)
    rects[i] = print_code (page, &invoice_codes[i]);
  return page;
}

static void
test_types (void)
{
  Rect rects[G_N_ELEMENTS (invoice_codes)];
  g_autoptr(PIX) page = invoice_with_codes (rects);
  g_autoptr(GPtrArray) barcodes = scan_timed (page, "invoice with six codes");

  assert_reads_all (barcodes, invoice_codes, G_N_ELEMENTS (invoice_codes));
  for (guint i = 0; i < G_N_ELEMENTS (invoice_codes); i++)
    assert_box_on (find_value (barcodes, invoice_codes[i].value), rects[i]);
}

/* Scanners deliver bilevel (text mode), gray, colour and palette images; each is read alike. */
static void
test_depths (void)
{
  Rect rects[G_N_ELEMENTS (invoice_codes)];
  g_autoptr(PIX) page = invoice_with_codes (rects);
  g_autoptr(PIX) bilevel = pixThresholdToBinary (page, 128);
  g_autoptr(PIX) colour = pixConvert8To32 (page);
  g_autoptr(PIX) palette = pixConvertGrayToColormap (page);
  struct { const char *what; PIX *pix; int depth; } images[] = {
    { "1-bit", bilevel, 1 },
    { "32-bit colour", colour, 32 },
    { "palette", palette, 8 },
  };

  g_assert_nonnull (pixGetColormap (palette));
  for (guint i = 0; i < G_N_ELEMENTS (images); i++)
    {
      g_autoptr(GPtrArray) barcodes = scan_timed (images[i].pix, images[i].what);

      g_assert_cmpint (pixGetDepth (images[i].pix), ==, images[i].depth);
      assert_reads_all (barcodes, invoice_codes, G_N_ELEMENTS (invoice_codes));
      for (guint j = 0; j < G_N_ELEMENTS (invoice_codes); j++)
        assert_box_on (find_value (barcodes, invoice_codes[j].value), rects[j]);
    }
}

/* A sheet fed 3 degrees askew, through a noisier sensor: every code still reads, and where it
 * landed after the rotation. */
static void
test_rotated_noisy (void)
{
  Rect rects[G_N_ELEMENTS (invoice_codes)];
  g_autoptr(PIX) page = invoice_with_codes (rects);
  const double angle = 3.0 * G_PI / 180.0;
  g_autoptr(PIX) rotated = pixRotate (page, (float) angle, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE,
                                      0, 0);
  g_autoptr(PIX) noisy = pixAddGaussianNoise (rotated, 12.0);
  g_autoptr(GPtrArray) barcodes = scan_timed (noisy, "rotated 3 degrees, noisy");
  double cx = pixGetWidth (page) / 2.0, cy = pixGetHeight (page) / 2.0;

  assert_reads_all (barcodes, invoice_codes, G_N_ELEMENTS (invoice_codes));
  for (guint i = 0; i < G_N_ELEMENTS (invoice_codes); i++)
    {
      const PdBarcode *barcode = find_value (barcodes, invoice_codes[i].value);
      double mx = (barcode->x0 + barcode->x1) / 2.0, my = (barcode->y0 + barcode->y1) / 2.0;
      /* Leptonica turns the page clockwise for a positive angle, about its centre: undo that
       * on the middle of the box read, and it must fall on the code as printed. */
      double px = cx + (mx - cx) * cos (angle) + (my - cy) * sin (angle);
      double py = cy - (mx - cx) * sin (angle) + (my - cy) * cos (angle);

      g_test_message ("%s: middle %.0f,%.0f before the rotation", barcode->value, px, py);
      g_assert_cmpfloat (px, >=, rects[i].x0);
      g_assert_cmpfloat (px, <=, rects[i].x1);
      g_assert_cmpfloat (py, >=, rects[i].y0);
      g_assert_cmpfloat (py, <=, rects[i].y1);
    }
}

/* A fine code (a 2-pixel module: a 0.25 mm module scanned at 200 dpi) blurred by the scanner's
 * optics: its thin spaces are gray, not white, so it only reads in gray, not in black and white. */
static void
test_fine_blurred (void)
{
  static const Printed fine = { "EANX", "590123412345", "1", 1500, 2700, "EAN-13",
                                "5901234123457" };
  g_autoptr(PIX) page = load_demo_page (1);
  g_autoptr(L_KERNEL) kernel = makeGaussianKernel (2, 2, 1.0, 1.0);
  g_autoptr(PIX) blurred = NULL;
  g_autoptr(GPtrArray) barcodes = NULL;
  Rect rect = print_code (page, &fine);

  blurred = pixConvolve (page, kernel, 8, 1);
  barcodes = scan_timed (blurred, "fine code, blurred");
  assert_reads_all (barcodes, &fine, 1);
  assert_box_on (g_ptr_array_index (barcodes, 0), rect);
}

static gpointer
scan_in_thread (gpointer data)
{
  return pd_barcode_scan (data, NULL);
}

/* The page workers scan pages side by side, sometimes the same page (a preview and the
 * pipeline): each gets every code. */
static void
test_threads (void)
{
  Rect rects[G_N_ELEMENTS (invoice_codes)];
  g_autoptr(PIX) page = invoice_with_codes (rects);
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("scan", scan_in_thread, page);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_autoptr(GPtrArray) barcodes = g_thread_join (threads[i]);

      g_assert_nonnull (barcodes);
      assert_reads_all (barcodes, invoice_codes, G_N_ELEMENTS (invoice_codes));
    }
}

/* Pages of text (invoice, letter, receipt...) hold no barcode, and say so quickly: zbar must
 * neither read phantom codes in the text lines nor linger on a page that has none. */
static void
test_no_barcodes (void)
{
  for (guint n = 1; n <= 6; n++)
    {
      g_autoptr(PIX) page = load_demo_page (n);
      g_autofree char *what = g_strdup_printf ("demo page %u", n);
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GPtrArray) barcodes = scan_timed (page, what);
      gint64 elapsed = g_get_monotonic_time () - start;
      const char *value = (const char *) 1;
      g_autoptr(GError) error = NULL;

      g_assert_cmpuint (barcodes->len, ==, 0);
      /* About 0.1 s on one core; the bound leaves room for sanitizers and a busy machine. */
      g_assert_cmpint (elapsed, <, 3 * G_USEC_PER_SEC);
      g_assert_false (pd_barcode_is_separator (barcodes, SEPARATOR_PATTERN, &value, &error));
      g_assert_no_error (error);
      g_assert_null (value);
    }
}

/* NAPS2's Patch T sheet: a Code 39 "PATCHT" in the middle of an otherwise blank sheet. It
 * separates documents with no pattern set, and with one. */
static void
test_separator_patch_t (void)
{
  static const Printed patch_t = { "CODE39", "PATCHT", "3", 900, 1500, "CODE-39", "PATCHT" };
  g_autoptr(PIX) sheet = blank_sheet ();
  g_autoptr(GPtrArray) barcodes = NULL;
  g_autoptr(GError) error = NULL;
  const char *value = NULL;

  print_code (sheet, &patch_t);
  barcodes = scan_timed (sheet, "Patch T sheet");
  assert_reads_all (barcodes, &patch_t, 1);

  g_assert_true (pd_barcode_is_separator (barcodes, NULL, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "PATCHT");
  value = NULL;
  g_assert_true (pd_barcode_is_separator (barcodes, SEPARATOR_PATTERN, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "PATCHT");
}

/* An office's own cover sheet, "SEP-0042" in Code 128, is a separator under the profile's
 * pattern, but not when only Patch T sheets separate. */
static void
test_separator_pattern (void)
{
  static const Printed cover = { "CODE128", "SEP-0042", "2", 1000, 400, "CODE-128", "SEP-0042" };
  g_autoptr(PIX) sheet = load_demo_page (4);
  g_autoptr(GPtrArray) barcodes = NULL;
  g_autoptr(GError) error = NULL;
  const char *value = NULL;

  print_code (sheet, &cover);
  barcodes = scan_timed (sheet, "cover sheet");
  assert_reads_all (barcodes, &cover, 1);

  g_assert_true (pd_barcode_is_separator (barcodes, SEPARATOR_PATTERN, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "SEP-0042");
  g_assert_false (pd_barcode_is_separator (barcodes, NULL, &value, &error));
  g_assert_no_error (error);
  g_assert_null (value);
}

/* An invoice with the product's EAN-13 is a page of the document, not a separator; nor is the
 * page with "SEP-0001-INVOICE", which only starts like a separator's value. */
static void
test_separator_invoice (void)
{
  g_autoptr(PIX) page = load_demo_page (1);
  g_autoptr(GPtrArray) barcodes = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(PIX) full = NULL;
  g_autoptr(GError) error = NULL;
  Rect rects[G_N_ELEMENTS (invoice_codes)];
  const char *value = NULL;

  print_code (page, &invoice_codes[2]);
  barcodes = scan_timed (page, "invoice with an EAN-13");
  assert_reads_all (barcodes, &invoice_codes[2], 1);
  g_assert_false (pd_barcode_is_separator (barcodes, SEPARATOR_PATTERN, &value, &error));
  g_assert_no_error (error);
  g_assert_null (value);
  g_assert_false (pd_barcode_is_separator (barcodes, NULL, &value, &error));
  g_assert_no_error (error);

  full = invoice_with_codes (rects);
  all = scan_timed (full, "invoice with six codes");
  assert_reads_all (all, invoice_codes, G_N_ELEMENTS (invoice_codes));
  g_assert_false (pd_barcode_is_separator (all, SEPARATOR_PATTERN, &value, &error));
  g_assert_no_error (error);
}

static GPtrArray *
barcodes_of (const char * const *values)
{
  GPtrArray *barcodes = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_barcode_free);

  for (guint i = 0; values[i] != NULL; i++)
    {
      PdBarcode *barcode = g_new0 (PdBarcode, 1);

      barcode->type = g_strdup ("CODE-128");
      barcode->value = g_strdup (values[i]);
      g_ptr_array_add (barcodes, barcode);
    }
  return barcodes;
}

/* The pattern is matched against the whole value, whatever anchors the person wrote. */
static void
test_separator_rules (void)
{
  static const struct {
    const char *value;
    const char *pattern;
    gboolean    separator;
  } cases[] = {
    { "SEP-1", "SEP-[0-9]+", TRUE },
    { "XSEP-1", "SEP-[0-9]+", FALSE },
    { "SEP-1A", "SEP-[0-9]+", FALSE },
    { "SEP-1A", "^SEP-[0-9]+", FALSE },
    { "SEP-1", "SEP|SEP-1", TRUE },        /* the longer alternative must be tried */
    { "sep-7", "(?i)SEP-[0-9]+", TRUE },
    { "patcht", NULL, TRUE },              /* generous with letter case, as NAPS2 users expect */
    { "PATCH T", NULL, FALSE },
    { "PATCHTX", NULL, FALSE },
    { "", NULL, FALSE },
  };
  g_autoptr(GError) error = NULL;
  const char *value = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *values[] = { "5901234123457", cases[i].value, NULL };
      g_autoptr(GPtrArray) barcodes = barcodes_of (values);
      gboolean separator = pd_barcode_is_separator (barcodes, cases[i].pattern, &value, &error);

      g_test_message ("“%s” against %s", cases[i].value, cases[i].pattern);
      g_assert_no_error (error);
      g_assert_cmpint (separator, ==, cases[i].separator);
      if (separator)
        g_assert_true (value == ((PdBarcode *) g_ptr_array_index (barcodes, 1))->value);
      else
        g_assert_null (value);
    }

  {
    const char *values[] = { "SEP-1", NULL };
    g_autoptr(GPtrArray) barcodes = barcodes_of (values);

    /* A typing mistake in the profile is reported, with the pattern as typed. */
    g_assert_false (pd_barcode_is_separator (barcodes, "SEP-(", &value, &error));
    g_assert_error (error, G_REGEX_ERROR, G_REGEX_ERROR_UNMATCHED_PARENTHESIS);
    g_assert_nonnull (strstr (error->message, "“SEP-(”"));
    g_assert_null (value);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/barcode/types", test_types);
  g_test_add_func ("/barcode/depths", test_depths);
  g_test_add_func ("/barcode/rotated-noisy", test_rotated_noisy);
  g_test_add_func ("/barcode/fine-blurred", test_fine_blurred);
  g_test_add_func ("/barcode/threads", test_threads);
  g_test_add_func ("/barcode/no-barcodes", test_no_barcodes);
  g_test_add_func ("/barcode/separator/patch-t", test_separator_patch_t);
  g_test_add_func ("/barcode/separator/pattern", test_separator_pattern);
  g_test_add_func ("/barcode/separator/invoice", test_separator_invoice);
  g_test_add_func ("/barcode/separator/rules", test_separator_rules);

  return g_test_run ();
}
