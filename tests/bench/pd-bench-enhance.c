/* pd-bench-enhance.c: the page clean-up benchmark's measuring half (bench-enhance.sh drives it).
 *   write DIR N       N degraded 300 dpi pages made from the demo pages (skewed both ways up to
 *                     5 degrees, noisy, blurred, on a dark lid, on tinted paper, one upside down)
 *                     as DIR/page-NN.png, each with its text in DIR/page-NN.txt;
 *   stages DIR        every page of DIR through pd_page_process on one thread, once per mode
 *                     (text/G4, gray JPEG, colour JPEG), then into a PDF per mode and one PDF/A:
 *                     a table of milliseconds per page for each stage and PDF bytes per page;
 *   cer DIR FILE.pdf  the character error rate of the PDF's text (pdftotext, one page per form
 *                     feed) against DIR's ground truth, per page, mean and worst.
 * It is a command, not a test: it prints numbers for a person to compare, and fails only when
 * it cannot measure. */
#define G_LOG_DOMAIN "pd-bench"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "pd-degrade.h"
#include "pd-page-processor.h"
#include "pd-paths.h"
#include "pd-pdf-writer.h"

#define BENCH_DPI 300
#define N_DEMO_PAGES 6

/* How a page goes bad. Skews are chosen so that, with the skew the demo page is printed with
 * (0, 1.5, -2.5, 3, 0.7, -1 degrees for pages 1..6), a page ends up at most 5 degrees off. */
typedef struct {
  const char *what;
  double      skew;         /* degrees clockwise, on top of the demo page's own */
  guint       quarter_turns;
  double      noise;        /* sigma in gray levels; 0: none */
  double      blur;         /* sigma in pixels; 0: none */
  int         paper;        /* tinted paper level; 0: the demo page's own off-white */
  gboolean    lid;          /* lying on a flatbed larger than itself, dark lid around */
} Recipe;

static const Recipe recipes[] = {
  { "skew +4, noise",                 4.0, 0, 6.0, 0.0,   0, FALSE },
  { "skew -5, off-white, noise",     -5.0, 0, 5.0, 0.0, 215, FALSE },
  { "upside down, noise",             0.0, 2, 4.0, 0.0,   0, FALSE },
  { "skew +2, blur, noise",           2.0, 0, 4.0, 1.2,   0, FALSE },
  { "lid border, sheet at -3",       -3.0, 0, 0.0, 0.0,   0, TRUE  },
  { "skew -3.5, tinted, noise",      -3.5, 0, 8.0, 0.0, 205, FALSE },
  { "skew -5, blur, noise",          -5.0, 0, 5.0, 0.8,   0, FALSE },
  { "lid border, off-white, at +1.5",   1.5, 0, 0.0, 0.0, 225, TRUE  },
};

static void
pix_free (PIX *pix)
{
  pixDestroy (&pix);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PIX, pix_free)

/* Replaces *@pix by @next (the result of a degrade step), dropping the old one. */
static void
replace (PIX **pix,
         PIX  *next)
{
  g_assert (next != NULL);
  pixDestroy (pix);
  *pix = next;
}

static PIX *
make_page (guint          index,
           char         **text_out,
           char         **what_out)
{
  const Recipe *r = &recipes[index % G_N_ELEMENTS (recipes)];
  guint demo = index % N_DEMO_PAGES + 1;
  double builtin = 0;
  PIX *pix = pd_degrade_load_demo_page (demo, text_out, &builtin);

  if (pix == NULL)
    return NULL;
  if (r->paper != 0)
    replace (&pix, pd_degrade_tint_paper (pix, r->paper));
  if (r->blur > 0)
    replace (&pix, pd_degrade_blur (pix, r->blur));
  if (r->lid)
    replace (&pix, pd_degrade_lid_border (pix, 150, 100, 260, 180, r->skew, 70, NULL));
  else if (r->skew != 0)
    replace (&pix, pd_degrade_skew (pix, r->skew));
  if (r->noise > 0)
    replace (&pix, pd_degrade_noise (pix, r->noise, 0x9e3779b9u + index));
  if (r->quarter_turns != 0)
    replace (&pix, pd_degrade_turn (pix, r->quarter_turns));
  pixSetResolution (pix, BENCH_DPI, BENCH_DPI);
  *what_out = g_strdup_printf ("demo page %u, %s (%+.1f deg in all%s)", demo, r->what,
                               r->skew + builtin, r->quarter_turns == 2 ? ", upside down" : "");
  return pix;
}

static int
cmd_write (const char *dir,
           const char *count)
{
  guint64 n = 0;
  g_autoptr(GError) error = NULL;

  if (!g_ascii_string_to_unsigned (count, 10, 1, 99, &n, &error))
    {
      g_printerr ("pd-bench-enhance write: the page count must be 1..99: %s\n", error->message);
      return 2;
    }
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_printerr ("pd-bench-enhance: could not create “%s”: %s\n", dir, g_strerror (errno));
      return 1;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = NULL;
      g_autofree char *what = NULL;
      g_autofree char *png = g_strdup_printf ("%s/page-%02u.png", dir, i + 1);
      g_autofree char *txt = g_strdup_printf ("%s/page-%02u.txt", dir, i + 1);
      g_autoptr(PIX) pix = make_page (i, &text, &what);

      if (pix == NULL)
        {
          g_printerr ("pd-bench-enhance: the demo pages are missing from %s/demo; build them "
                      "first, or point PAPERDOCK_DATA_DIR at <build>/data.\n",
                      pd_paths_get_data_dir ());
          return 1;
        }
      if (pixWrite (png, pix, IFF_PNG) != 0 || !g_file_set_contents (txt, text, -1, &error))
        {
          g_printerr ("pd-bench-enhance: could not write page %u into “%s”%s%s\n", i + 1, dir,
                      error != NULL ? ": " : "", error != NULL ? error->message : "");
          return 1;
        }
      g_print ("page-%02u.png: %s\n", i + 1, what);
    }
  return 0;
}

/* For g_ptr_array_sort, which passes pointers to the elements. */
static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

/* The pages of @dir in order: page-NN.png (or .pgm) with their page-NN.txt. */
static GPtrArray *
list_pages (const char  *dir,
            const char  *suffix,
            GError     **error)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, error);
  g_autoptr(GPtrArray) pages = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (d == NULL)
    return NULL;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, "page-") && g_str_has_suffix (name, suffix))
      g_ptr_array_add (pages, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (pages, compare_paths);
  if (pages->len == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "There are no page-NN%s files in “%s”: run “pd-bench-enhance write” first.",
                   suffix, dir);
      return NULL;
    }
  return g_steal_pointer (&pages);
}

/* The ground truth beside an image or text file: page-NN.txt. */
static char *
read_truth (const char  *page_path,
            GError     **error)
{
  const char *dot = strrchr (page_path, '.');
  g_autofree char *stem = g_strndup (page_path, (gsize) (dot - page_path));
  g_autofree char *txt = g_strconcat (stem, ".txt", NULL);
  char *text = NULL;

  if (!g_file_get_contents (txt, &text, NULL, error))
    return NULL;
  return text;
}

/* A colour scan of the same sheet: warm paper (less blue than red), ink kept dark. The demo
 * pages are gray, and colour mode keeps a page colour only when it arrives in colour. */
static PIX *
warm_colour (PIX *gray)
{
  l_int32 w = pixGetWidth (gray), h = pixGetHeight (gray);
  PIX *rgb = pixCreate (w, h, 32);
  l_uint32 *sdata = pixGetData (gray), *ddata = pixGetData (rgb);
  l_int32 swpl = pixGetWpl (gray), dwpl = pixGetWpl (rgb);

  for (l_int32 y = 0; y < h; y++)
    for (l_int32 x = 0; x < w; x++)
      {
        int v = GET_DATA_BYTE (sdata + (gsize) y * swpl, x);
        l_uint32 pixel = 0;

        composeRGBPixel (v, v * 97 / 100, v * 88 / 100, &pixel);
        ddata[(gsize) y * dwpl + x] = pixel;
      }
  pixSetSpp (rgb, 3);
  pixCopyResolution (rgb, gray);
  return rgb;
}

enum { MODE_TEXT, MODE_GRAY, MODE_COLOR, N_PROCESSED_MODES };

static const char *const mode_names[] = { "text/G4", "gray JPEG", "color JPEG", "PDF/A (gray)" };
static const char *const mode_dirs[] = { "text", "gray", "color" };
static const PdScanMode scan_modes[] = { PD_SCAN_MODE_TEXT, PD_SCAN_MODE_GRAY,
                                         PD_SCAN_MODE_COLOR };

enum {
  ROW_BORDER, ROW_DESKEW, ROW_ORIENTATION, ROW_BLANK, ROW_BLUR, ROW_BARCODE, ROW_ENCODE,
  ROW_OCR, ROW_PAGE, N_STAGE_ROWS
};

static const char *const row_names[] = {
  "border crop", "deskew", "orientation (OSD)", "blank check", "blur check", "barcodes",
  "encode (G4/JPEG)", "OCR", "page total (wall)",
};

typedef struct {
  double     ms[N_STAGE_ROWS];  /* sums over the pages */
  double     pdf_ms;
  goffset    pdf_bytes;
  double     cer_sum, cer_worst;
  GPtrArray *results;           /* PdPageResult */
} ModeRun;

static gboolean
process_mode (GPtrArray   *pages,
              guint        mode,
              const char  *work,
              ModeRun     *run,
              GError     **error)
{
  g_autoptr(PdProcessOptions) options = pd_process_options_new ();
  g_autofree char *out_dir = g_build_filename (work, mode_dirs[mode], NULL);

  options->mode = scan_modes[mode];
  run->results = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_page_result_free);

  for (guint i = 0; i < pages->len; i++)
    {
      const char *spool = g_ptr_array_index (pages, i);
      g_autofree char *colour_spool = NULL;
      g_autofree char *prefix = g_strdup_printf ("page-%02u", i + 1);
      g_autofree char *truth = read_truth (spool, error);
      PdPageResult *result;
      gint64 start;
      double cer;

      if (truth == NULL)
        return FALSE;
      if (g_mkdir_with_parents (out_dir, 0755) != 0)
        {
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                       "Could not create “%s”: %s", out_dir, g_strerror (errno));
          return FALSE;
        }
      if (mode == MODE_COLOR)
        {
          /* Made before the clock starts: it stands for what the scanner sends. */
          g_autoptr(PIX) gray = pixRead (spool);
          g_autoptr(PIX) rgb = NULL;

          colour_spool = g_strdup_printf ("%s/%s-spool.png", out_dir, prefix);
          if (gray == NULL || pixGetDepth (gray) != 8
              || (rgb = warm_colour (gray)) == NULL || pixWrite (colour_spool, rgb, IFF_PNG) != 0)
            {
              g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                           "Could not make a colour copy of “%s”.", spool);
              return FALSE;
            }
          spool = colour_spool;
        }

      start = g_get_monotonic_time ();
      result = pd_page_process (spool, BENCH_DPI, options, out_dir, prefix, NULL, error);
      if (result == NULL)
        return FALSE;
      run->ms[ROW_PAGE] += (g_get_monotonic_time () - start) / 1000.0;
      run->ms[ROW_BORDER] += result->border_ms;
      run->ms[ROW_DESKEW] += result->deskew_ms;
      run->ms[ROW_ORIENTATION] += result->orientation_ms;
      run->ms[ROW_BLANK] += result->blank_ms;
      run->ms[ROW_BLUR] += result->blur_ms;
      run->ms[ROW_BARCODE] += result->barcode_ms;
      run->ms[ROW_ENCODE] += result->encode_ms;
      run->ms[ROW_OCR] += result->ocr_ms;
      cer = pd_degrade_cer (truth, result->text);
      run->cer_sum += cer;
      run->cer_worst = MAX (run->cer_worst, cer);
      g_printerr ("%-10s %s: %.0f ms, turned %u deg, skew %+.2f deg, crop %ux%u, CER %.2f %%\n",
                  mode_names[mode], prefix, (g_get_monotonic_time () - start) / 1000.0,
                  result->rotation_degrees, result->skew_degrees, result->crop.width,
                  result->crop.height, cer * 100);
      g_ptr_array_add (run->results, result);
    }
  return TRUE;
}

static gboolean
write_pdf (GPtrArray   *results,
           const char  *path,
           gboolean     pdfa,
           ModeRun     *run,
           GError     **error)
{
  g_autofree PdPdfPage *pages = g_new0 (PdPdfPage, results->len);
  PdPdfMetadata meta = { .title = "Paperdock enhancement benchmark", .pdfa = pdfa };
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  gint64 start;

  for (guint i = 0; i < results->len; i++)
    {
      PdPageResult *r = g_ptr_array_index (results, i);

      pages[i] = (PdPdfPage) { .image_path = r->image_path, .encoding = r->encoding,
                               .width = r->width, .height = r->height, .dpi = r->dpi,
                               .channels = r->channels, .words = r->words };
    }
  start = g_get_monotonic_time ();
  if (!pd_pdf_write (path, pages, results->len, &meta, error))
    return FALSE;
  run->pdf_ms = (g_get_monotonic_time () - start) / 1000.0;
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, NULL,
                            error);
  if (info == NULL)
    return FALSE;
  run->pdf_bytes = g_file_info_get_size (info);
  return TRUE;
}

static int
cmd_stages (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pages = list_pages (dir, ".png", &error);
  g_autofree char *work = NULL;
  ModeRun runs[N_PROCESSED_MODES + 1] = { 0 };
  guint n;
  int code = 0;

  if (pages == NULL)
    {
      g_printerr ("pd-bench-enhance: %s\n", error->message);
      return 1;
    }
  n = pages->len;
  work = g_build_filename (dir, "stages", NULL);

  for (guint mode = 0; mode < N_PROCESSED_MODES && code == 0; mode++)
    {
      g_autofree char *pdf = g_strdup_printf ("%s/%s.pdf", work, mode_dirs[mode]);

      if (!process_mode (pages, mode, work, &runs[mode], &error)
          || !write_pdf (runs[mode].results, pdf, FALSE, &runs[mode], &error))
        code = 1;
    }
  /* PDF/A: the gray pages again, written as an archive. */
  if (code == 0)
    {
      g_autofree char *pdf = g_strdup_printf ("%s/pdfa.pdf", work);

      if (!write_pdf (runs[MODE_GRAY].results, pdf, TRUE, &runs[N_PROCESSED_MODES], &error))
        code = 1;
    }
  if (code != 0)
    g_printerr ("pd-bench-enhance: %s\n", error->message);
  else
    {
      g_print ("\nPer stage, ms per page (mean of %u pages, one thread)%*s", n,
               n < 10 ? 2 : 1, "");
      for (guint m = 0; m <= N_PROCESSED_MODES; m++)
        g_print (" %13s", mode_names[m]);
      g_print ("\n");
      for (guint row = 0; row < N_STAGE_ROWS; row++)
        {
          g_print ("%-55s", row_names[row]);
          for (guint m = 0; m < N_PROCESSED_MODES; m++)
            g_print (" %13.1f", runs[m].ms[row] / n);
          g_print (" %13s\n", "as gray");
        }
      g_print ("%-55s", "PDF write");
      for (guint m = 0; m <= N_PROCESSED_MODES; m++)
        g_print (" %13.1f", runs[m].pdf_ms / n);
      g_print ("\n%-55s", "PDF bytes per page");
      for (guint m = 0; m <= N_PROCESSED_MODES; m++)
        g_print (" %13" G_GOFFSET_FORMAT, runs[m].pdf_bytes / n);
      g_print ("\n%-55s", "CER of the page's OCR text, mean / worst (%)");
      for (guint m = 0; m < N_PROCESSED_MODES; m++)
        {
          g_autofree char *cell = g_strdup_printf ("%.2f / %.2f", runs[m].cer_sum / n * 100,
                                                   runs[m].cer_worst * 100);

          g_print (" %13s", cell);
        }
      g_print (" %13s\n", "as gray");
    }
  for (guint m = 0; m < N_PROCESSED_MODES; m++)
    g_clear_pointer (&runs[m].results, g_ptr_array_unref);
  return code;
}

static int
cmd_cer (const char *dir,
         const char *pdf)
{
  /* -layout reads each physical line left to right; without it poppler groups a right-hand
   * column of figures into a block of its own and moves words between lines, which would count
   * as recognition errors. Both tools are read the same way. */
  const char *argv[] = { "pdftotext", "-layout", "-enc", "UTF-8", pdf, "-", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) truths = list_pages (dir, ".txt", &error);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) texts = NULL;
  double sum = 0, worst = 0;
  int status = 0;

  if (truths == NULL)
    {
      g_printerr ("pd-bench-enhance: %s\n", error->message);
      return 1;
    }
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                     &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("pd-bench-enhance: could not read the text of “%s” with pdftotext: %s%s%s\n",
                  pdf, error->message, err != NULL && *err != '\0' ? "\n" : "", err ? err : "");
      return 1;
    }
  /* pdftotext ends every page with a form feed. */
  texts = g_strsplit (out, "\f", -1);
  if (g_strv_length (texts) != truths->len + 1)
    {
      g_printerr ("pd-bench-enhance: “%s” has %u pages, but “%s” has %u pages of ground truth.\n",
                  pdf, g_strv_length (texts) - 1, dir, truths->len);
      return 1;
    }
  for (guint i = 0; i < truths->len; i++)
    {
      g_autofree char *truth = NULL;
      double cer;

      if (!g_file_get_contents (g_ptr_array_index (truths, i), &truth, NULL, &error))
        {
          g_printerr ("pd-bench-enhance: %s\n", error->message);
          return 1;
        }
      cer = pd_degrade_cer (truth, texts[i]);
      sum += cer;
      worst = MAX (worst, cer);
      g_print ("page-%02u  CER %6.2f %%\n", i + 1, cer * 100);
    }
  /* The last line is what bench-enhance.sh reads. */
  g_print ("mean %.2f %% worst %.2f %% over %u pages\n", sum / truths->len * 100, worst * 100,
           truths->len);
  return 0;
}

static int
usage (void)
{
  g_printerr ("Usage: pd-bench-enhance write DIR N       write N degraded pages with their text\n"
              "       pd-bench-enhance stages DIR        per-stage ms and PDF bytes per page\n"
              "       pd-bench-enhance cer DIR FILE.pdf  character error rate of a PDF's text\n");
  return 2;
}

int
main (int    argc,
      char **argv)
{
  /* Tesseract reads OMP_THREAD_LIMIT when it loads: restart with it when missing. */
  pd_process_prepare (argc, argv);
  /* pd-degrade.c's rotations are chatty at leptonica's default level. */
  setMsgSeverity (L_SEVERITY_WARNING);

  if (argc == 4 && g_str_equal (argv[1], "write"))
    return cmd_write (argv[2], argv[3]);
  if (argc == 3 && g_str_equal (argv[1], "stages"))
    return cmd_stages (argv[2]);
  if (argc == 4 && g_str_equal (argv[1], "cer"))
    return cmd_cer (argv[2], argv[3]);
  return usage ();
}
