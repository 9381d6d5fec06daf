/* pd-make-demo-pages.c: makes the demo scanner's pages at build time. Each page is what a
 * 300 dpi gray scan of a printed office document looks like to SANE: off-white paper, sensor
 * noise, a slight skew on some pages. The words of each page go to page-NN.txt beside it, so
 * tests can check that every word reaches the searchable PDF.
 *
 * Usage: pd-make-demo-pages OUTDIR [N]
 * N pages (default: one of each sample); past the samples, the texts repeat with other noise and
 * skew, so no two pages are identical (a benchmark must not reward deduplicating images). */
#include <cairo.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define WIDTH  2480  /* A4 at 300 dpi */
#define HEIGHT 3508
#define DPI    300.0

typedef struct {
  const char *title;
  double      skew_degrees;
  const char *lines[24];
} DemoPage;

static const DemoPage pages[] = {
  { "INVOICE 2026-0412", 0.0, {
      "Harbour Office Supplies Ltd",
      "14 Quay Street, Port Ellen",
      "Customer number 88213",
      "",
      "Item                      Qty     Price",
      "Recycled paper A4 box       4     23.60",
      "Toner cartridge black       2     89.90",
      "Stapler heavy duty          1     17.45",
      "Archive folders blue       12     14.40",
      "",
      "Subtotal                         145.35",
      "Value added tax 20 percent        29.07",
      "Total due                        174.42",
      "",
      "Payment within thirty days of delivery.",
      "Thank you for your order.",
      NULL } },
  { "CLIENT INTAKE FORM", 1.5, {
      "Name: Margaret Okonkwo",
      "Date of birth: 12 March 1971",
      "Address: 7 Willow Lane, Brackley",
      "Telephone: 01280 555 0142",
      "",
      "Reason for visit: annual review",
      "of household insurance and the",
      "claim for storm damage to the",
      "garden wall reported in October.",
      "",
      "Documents provided: policy schedule,",
      "photographs, builder quotation.",
      "",
      "Signed by the client on arrival.",
      NULL } },
  { "EXPENSE RECEIPT", -2.5, {
      "Riverside Station Cafe",
      "Receipt number 55107",
      "",
      "Breakfast roll            4.20",
      "Coffee large              3.10",
      "Orange juice              2.40",
      "",
      "Total paid by card        9.70",
      "",
      "Field visit to the Northgate site",
      "for the quarterly safety inspection.",
      "Please reimburse from project budget",
      "code FIELD-2026-17.",
      NULL } },
  { "MINUTES OF THE MEETING", 3.0, {
      "The committee met on Tuesday morning",
      "to review the scanning project.",
      "",
      "Present: Alvarez, Brennan, Chen,",
      "Dubois and Eriksen.",
      "",
      "The office will scan every incoming",
      "letter on the day it arrives and",
      "keep the paper originals for three",
      "months before shredding them.",
      "",
      "Next meeting in four weeks.",
      NULL } },
  { "DELIVERY NOTE", 0.7, {
      "Consignment 4471-B",
      "Carrier: Westline Logistics",
      "",
      "Pallets delivered              3",
      "Cartons delivered             42",
      "Cartons damaged                1",
      "",
      "Received in good order except the",
      "damaged carton noted above, which",
      "was returned with the driver.",
      "",
      "Warehouse supervisor: Ingrid Holm",
      NULL } },
  { "LETTER OF CONFIRMATION", -1.0, {
      "Dear Mr Fitzgerald,",
      "",
      "We confirm that your application",
      "for the community grant has been",
      "received and is complete.",
      "",
      "A decision will be made by the",
      "panel before the end of January.",
      "",
      "Yours sincerely,",
      "Priya Raman, Grants Officer",
      NULL } },
};

/* A small deterministic generator, so every build makes identical pages. */
static guint32
next_random (guint32 *state)
{
  *state ^= *state << 13;
  *state ^= *state >> 17;
  *state ^= *state << 5;
  return *state;
}

static void
draw_page (cairo_t        *cr,
           const DemoPage *page,
           double          extra_skew)
{
  double mm = DPI / 25.4;
  double y;

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);

  cairo_translate (cr, WIDTH / 2.0, HEIGHT / 2.0);
  cairo_rotate (cr, (page->skew_degrees + extra_skew) * G_PI / 180.0);
  cairo_translate (cr, -WIDTH / 2.0, -HEIGHT / 2.0);

  cairo_set_source_rgb (cr, 0.08, 0.08, 0.08);
  cairo_select_font_face (cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, 18.0 / 72.0 * DPI);
  cairo_move_to (cr, 25 * mm, 40 * mm);
  cairo_show_text (cr, page->title);

  cairo_select_font_face (cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 12.0 / 72.0 * DPI);
  y = 60 * mm;
  for (guint i = 0; page->lines[i] != NULL; i++)
    {
      cairo_move_to (cr, 25 * mm, y);
      cairo_show_text (cr, page->lines[i]);
      y += 9 * mm;
    }
}

static gboolean
write_pgm (const char      *path,
           cairo_surface_t *surface,
           guint32          seed)
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  g_autofree guint8 *row = g_malloc (WIDTH);
  FILE *f = g_fopen (path, "wb");
  guint32 state = seed;

  if (f == NULL)
    return FALSE;
  fprintf (f, "P5\n%d %d\n255\n", WIDTH, HEIGHT);
  for (int y = 0; y < HEIGHT; y++)
    {
      const guint32 *px = (const guint32 *) (data + (gsize) y * stride);

      for (int x = 0; x < WIDTH; x++)
        {
          /* Ink on slightly warm paper, then sensor noise of a few levels. */
          double ink = 1.0 - ((px[x] >> 8) & 0xff) / 255.0;
          double value = 238.0 - ink * 215.0;
          int noise = (int) (next_random (&state) % 9) - 4;
          int v = (int) lround (value) + noise;

          row[x] = (guint8) CLAMP (v, 0, 255);
        }
      if (fwrite (row, 1, WIDTH, f) != WIDTH)
        {
          fclose (f);
          return FALSE;
        }
    }
  return fclose (f) == 0;
}

static gboolean
write_words (const char     *path,
             const DemoPage *page)
{
  g_autoptr(GString) text = g_string_new (page->title);

  g_string_append_c (text, '\n');
  for (guint i = 0; page->lines[i] != NULL; i++)
    {
      g_string_append (text, page->lines[i]);
      g_string_append_c (text, '\n');
    }
  return g_file_set_contents (path, text->str, (gssize) text->len, NULL);
}

int
main (int    argc,
      char **argv)
{
  guint n_pages = G_N_ELEMENTS (pages);

  if (argc != 2 && argc != 3)
    {
      fprintf (stderr, "usage: %s OUTDIR [N]\n", argv[0]);
      return 2;
    }
  if (argc == 3)
    n_pages = (guint) g_ascii_strtoull (argv[2], NULL, 10);
  if (g_mkdir_with_parents (argv[1], 0755) != 0)
    {
      perror (argv[1]);
      return 1;
    }

  for (guint i = 0; i < n_pages; i++)
    {
      const DemoPage *page = &pages[i % G_N_ELEMENTS (pages)];
      double extra_skew = (i / G_N_ELEMENTS (pages)) * 0.3;
      cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, WIDTH, HEIGHT);
      cairo_t *cr = cairo_create (surface);
      g_autofree char *pgm = g_strdup_printf ("%s/page-%02u.pgm", argv[1], i + 1);
      g_autofree char *txt = g_strdup_printf ("%s/page-%02u.txt", argv[1], i + 1);

      draw_page (cr, page, extra_skew);
      cairo_destroy (cr);
      cairo_surface_flush (surface);
      if (!write_pgm (pgm, surface, 0x9e3779b9u + i) || !write_words (txt, page))
        {
          fprintf (stderr, "could not write page %u into %s\n", i + 1, argv[1]);
          cairo_surface_destroy (surface);
          return 1;
        }
      cairo_surface_destroy (surface);
    }
  return 0;
}
