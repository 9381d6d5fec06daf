/* pd-enhance.c: page clean-up measured on leptonica images (see pd-enhance.h). Most steps work
 * on a small gray copy of the page (75 to 150 dpi): borders, blank pages, blur and the corners
 * of a photographed sheet are all larger than a few pixels, and a copy a ninth of the size costs
 * a ninth of the time. Only the steps that change the page (rotation, crop, perspective) touch
 * the full image. Orientation uses tesseract's OSD model, with one detector per thread like the
 * recognizers in pd-ocr.c. */
#define G_LOG_DOMAIN "pd-process"

#include "pd-enhance.h"

#include <math.h>
#include <string.h>
#include <tesseract/capi.h>

#include "pd-process-error.h"
#include "pd-process-private.h"

static void
_pd_boxa_destroy (BOXA *boxa)
{
  boxaDestroy (&boxa);
}

static void
_pd_box_destroy (BOX *box)
{
  boxDestroy (&box);
}

static void
_pd_pta_destroy (PTA *pta)
{
  ptaDestroy (&pta);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BOXA, _pd_boxa_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BOX, _pd_box_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PTA, _pd_pta_destroy)

/* Any page as 8-bit gray, without a colormap. */
static PIX *
to_gray (PIX *pix)
{
  g_autoptr(PIX) plain = NULL;

  plain = pixGetColormap (pix) != NULL ? pixRemoveColormap (pix, REMOVE_CMAP_BASED_ON_SRC)
                                       : pixClone (pix);
  if (plain == NULL)
    return NULL;
  switch (pixGetDepth (plain))
    {
    case 8:
      return g_steal_pointer (&plain);
    case 32:
      return pixConvertRGBToLuminance (plain);
    default:
      return pixConvertTo8 (plain, FALSE);
    }
}

/* An integer reduction of @dpi to about @target dpi, so that a low-resolution pixel maps back
 * onto whole page pixels. */
static guint
reduction_for (guint dpi,
               guint target)
{
  if (dpi == 0)
    dpi = 300;
  return MAX (1u, (dpi + target / 2) / target);
}

/* A gray copy of @pix reduced by @factor, averaging so thin strokes keep some contrast. */
static PIX *
gray_reduced (PIX   *pix,
              guint  factor)
{
  g_autoptr(PIX) gray = to_gray (pix);

  if (gray == NULL)
    return NULL;
  if (factor <= 1)
    return g_steal_pointer (&gray);
  return pixScaleAreaMap (gray, 1.0f / factor, 1.0f / factor);
}

/* The level that most of the page has: the paper, on any page that is mostly paper. Taken from
 * the brighter half of the histogram so a dense dark area cannot win. */
static int
paper_level (PIX *gray,
             BOX *box)
{
  g_autoptr(NUMA) histogram = box != NULL ? pixGetGrayHistogramInRect (gray, box, 1)
                                          : pixGetGrayHistogram (gray, 1);
  l_float32 *counts;
  int best = 255;

  if (histogram == NULL || numaGetCount (histogram) != 256)
    return 255;
  counts = numaGetFArray (histogram, L_NOCOPY);
  for (int v = 96; v < 256; v++)
    if (counts[v] > counts[best])
      best = v;
  return best;
}

static int
median_of (guint8 *values,
           gsize   n)
{
  guint counts[256] = { 0 };
  gsize seen = 0;

  if (n == 0)
    return 255;
  for (gsize i = 0; i < n; i++)
    counts[values[i]]++;
  for (int v = 0; v < 256; v++)
    {
      seen += counts[v];
      if (seen * 2 >= n)
        return v;
    }
  return 255;
}

/* ---- skew ---------------------------------------------------------------------------------- */

/* Leptonica's own thresholds: a confidence under 3 means the text lines were not clear enough to
 * trust the angle, and below 0.05 degree a rotation moves no pixel by more than about two pixels
 * across an A4 page at 300 dpi. */
#define MIN_SKEW_CONFIDENCE 3.0
#define MIN_DESKEW_DEGREES 0.05

gboolean
pd_enhance_find_skew (PIX    *pix,
                      double  max_degrees,
                      double *angle_out,
                      double *confidence_out)
{
  g_autoptr(PIX) gray = NULL;
  g_autoptr(PIX) binary = NULL;
  l_float32 angle = 0, conf = 0;

  g_return_val_if_fail (pix != NULL, FALSE);
  g_return_val_if_fail (angle_out != NULL, FALSE);

  *angle_out = 0;
  if (confidence_out != NULL)
    *confidence_out = 0;
  if (pixGetDepth (pix) == 1)
    binary = pixClone (pix);
  else
    {
      gray = to_gray (pix);
      binary = gray != NULL ? pixConvertTo1 (gray, 160) : NULL;
    }
  if (binary == NULL)
    return FALSE;

  /* Leptonica's default sweep is +-7 degrees; an ADF feeds pages more crooked than that. The
   * sweep runs at a quarter of the size (one-degree steps, cheap even over +-20), the fine
   * search at full resolution, which halves the error on noisy scans for ~10 ms. */
  if (pixFindSkewSweepAndSearch (binary, &angle, &conf, 4, 1, (l_float32) max_degrees, 1.0f,
                                 0.01f) != 0)
    return FALSE;
  g_debug ("skew %.3f° (confidence %.2f)", angle, conf);
  if (confidence_out != NULL)
    *confidence_out = conf;
  if (conf < MIN_SKEW_CONFIDENCE || fabs (angle) < MIN_DESKEW_DEGREES)
    return FALSE;
  *angle_out = angle;
  return TRUE;
}

/* ---- orientation --------------------------------------------------------------------------- */

typedef struct {
  TessBaseAPI *api;
  gboolean     ready;
} PdOsdEngine;

static void
osd_engine_free (gpointer data)
{
  PdOsdEngine *engine = data;

  if (engine == NULL)
    return;
  if (engine->api != NULL)
    {
      TessBaseAPIEnd (engine->api);
      TessBaseAPIDelete (engine->api);
    }
  g_free (engine);
}

static GPrivate osd_key = G_PRIVATE_INIT (osd_engine_free);

/* The folder holding osd.traineddata: where TESSDATA_PREFIX says, else Debian's and Flatpak's
 * places; the same candidates pd-ocr.c searches for the language models. */
static const char *
get_osd_dir (void)
{
  static gsize once;
  static char *osd_dir;

  if (g_once_init_enter (&once))
    {
      const char *prefix = g_getenv ("TESSDATA_PREFIX");
      g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
      char *found = NULL;

      if (prefix != NULL && *prefix != '\0')
        {
          g_ptr_array_add (candidates, g_strdup (prefix));
          g_ptr_array_add (candidates, g_build_filename (prefix, "tessdata", NULL));
        }
      g_ptr_array_add (candidates, g_strdup ("/usr/share/tesseract-ocr/5/tessdata"));
      g_ptr_array_add (candidates, g_strdup ("/usr/share/tesseract-ocr/4.00/tessdata"));
      g_ptr_array_add (candidates, g_strdup ("/usr/share/tessdata"));
      g_ptr_array_add (candidates, g_strdup ("/usr/local/share/tessdata"));
      g_ptr_array_add (candidates, g_strdup ("/app/share/tessdata"));

      for (guint i = 0; i < candidates->len && found == NULL; i++)
        {
          g_autofree char *model = g_build_filename (g_ptr_array_index (candidates, i),
                                                     "osd.traineddata", NULL);

          if (g_file_test (model, G_FILE_TEST_IS_REGULAR))
            found = g_strdup (g_ptr_array_index (candidates, i));
        }
      osd_dir = found;
      g_once_init_leave (&once, 1);
    }
  return osd_dir;
}

static PdOsdEngine *
get_osd_engine (GError **error)
{
  PdOsdEngine *engine = g_private_get (&osd_key);

  if (engine != NULL && engine->ready)
    return engine;
  if (get_osd_dir () == NULL)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_NO_LANGUAGE,
                   "Page orientation cannot be detected: the model for it is not installed. "
                   "Install the package tesseract-ocr-osd (for example “sudo apt install "
                   "tesseract-ocr-osd”).");
      return NULL;
    }
  if (engine == NULL)
    {
      engine = g_new0 (PdOsdEngine, 1);
      engine->api = TessBaseAPICreate ();
      g_private_set (&osd_key, engine);
    }
  if (TessBaseAPIInit3 (engine->api, get_osd_dir (), "osd") != 0)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_NO_LANGUAGE,
                   "The page orientation model could not be loaded from %s. Reinstall the "
                   "package tesseract-ocr-osd.", get_osd_dir ());
      return NULL;
    }
  /* "Too few characters" on every blank page is not worth a line on stderr. */
  TessBaseAPISetVariable (engine->api, "debug_file", "/dev/null");
  TessBaseAPISetPageSegMode (engine->api, PSM_OSD_ONLY);
  engine->ready = TRUE;
  return engine;
}

void
pd_enhance_release_thread_engine (void)
{
  g_private_replace (&osd_key, NULL);
}

gboolean
pd_enhance_detect_orientation (PIX     *pix,
                               guint    dpi,
                               guint   *rotation_out,
                               double  *confidence_out,
                               GError **error)
{
  PdOsdEngine *engine;
  g_autoptr(PIX) small = NULL;
  guint factor;
  int orient_deg = 0;
  float orient_conf = 0, script_conf = 0;
  const char *script = NULL;

  g_return_val_if_fail (pix != NULL, FALSE);
  g_return_val_if_fail (rotation_out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *rotation_out = 0;
  if (confidence_out != NULL)
    *confidence_out = 0;
  engine = get_osd_engine (error);
  if (engine == NULL)
    return FALSE;

  /* At 150 dpi OSD is faster and, on pages with little text, more confident than at 300. */
  if (dpi == 0)
    dpi = 300;
  factor = reduction_for (dpi, 150);
  small = gray_reduced (pix, factor);
  if (small == NULL)
    return TRUE;
  TessBaseAPISetImage2 (engine->api, small);
  TessBaseAPISetSourceResolution (engine->api, (int) MAX (70u, dpi / factor));
  if (TessBaseAPIDetectOrientationScript (engine->api, &orient_deg, &orient_conf, &script,
                                          &script_conf))
    {
      /* tesseract says how far the text is turned counter-clockwise from upright; turning it
       * back is the same angle clockwise the other way round. */
      orient_deg = ((orient_deg % 360) + 360) % 360;
      *rotation_out = (guint) ((360 - orient_deg) % 360);
      if (confidence_out != NULL)
        *confidence_out = orient_conf;
      g_debug ("orientation %d° (confidence %.2f), script %s (%.2f)", orient_deg, orient_conf,
               script != NULL ? script : "?", script_conf);
    }
  else
    g_debug ("orientation: too little text to tell");
  TessBaseAPIClear (engine->api);
  return TRUE;
}

/* Leptonica's own defaults for pixOrientCorrect: how far out on the tail of a normal
 * distribution the ascender/descender counts must be, and by how much the winner must beat the
 * other axis. */
#define MIN_LEPTONICA_CONFIDENCE 5.0
#define MIN_LEPTONICA_RATIO 2.0

gboolean
pd_enhance_confirm_orientation (PIX   *pix,
                                guint  rotation)
{
  g_autoptr(PIX) gray = NULL;
  g_autoptr(PIX) binary = NULL;
  l_float32 up = 0, left = 0;
  guint says;

  g_return_val_if_fail (pix != NULL, FALSE);

  gray = pixGetDepth (pix) == 1 ? NULL : to_gray (pix);
  binary = gray != NULL ? pixConvertTo1 (gray, 160) : pixClone (pix);
  if (binary == NULL || pixOrientDetect (binary, &up, &left, 0, 0) != 0)
    return FALSE;
  /* Text turned a quarter clockwise shows its ascenders to the right: leftconf < 0. */
  if (fabs (up) >= fabs (left))
    says = up >= 0 ? 0 : 180;
  else
    says = left >= 0 ? 90 : 270;
  g_debug ("leptonica orientation: up %.2f, left %.2f: turn %u°", up, left, says);
  if (MAX (fabs (up), fabs (left)) < MIN_LEPTONICA_CONFIDENCE
      || MAX (fabs (up), fabs (left)) < MIN_LEPTONICA_RATIO * MIN (fabs (up), fabs (left)))
    return FALSE;
  return says == rotation;
}

/* ---- border -------------------------------------------------------------------------------- */

/* A side counts as scanner lid when its outermost strip is this much darker than the paper. */
#define MIN_BORDER_CONTRAST 40
#define BORDER_DPI 75

BOX *
pd_enhance_find_paper (PIX   *pix,
                       guint  dpi,
                       PIX  **paper_mask_out)
{
  guint factor = reduction_for (dpi, BORDER_DPI);
  g_autoptr(PIX) small = NULL;
  g_autoptr(PIX) dark = NULL;
  g_autoptr(PIX) lid = NULL;
  g_autoptr(PIX) paper = NULL;
  g_autoptr(PIXA) parts = NULL;
  g_autoptr(BOXA) boxes = NULL;
  g_autoptr(BOX) centre = NULL;
  g_autoptr(PIX) mask = NULL;
  g_autofree guint8 *ring = NULL;
  int w, h, level, lid_sum = 0, n_dark_sides = 0, threshold, best = -1;
  l_int32 best_count = 0, bx, by, bw, bh;
  guint32 *data;
  l_int32 wpl;

  g_return_val_if_fail (pix != NULL, NULL);

  if (paper_mask_out != NULL)
    *paper_mask_out = NULL;
  small = gray_reduced (pix, factor);
  if (small == NULL)
    return NULL;
  w = pixGetWidth (small);
  h = pixGetHeight (small);
  if (w < 16 || h < 16)
    return NULL;
  data = pixGetData (small);
  wpl = pixGetWpl (small);

  centre = boxCreate (w / 4, h / 4, w / 2, h / 2);
  level = paper_level (small, centre);

  /* Each side on its own: a sheet laid into the corner of the glass shows the lid on two sides
   * only. */
  ring = g_malloc ((gsize) 2 * MAX (w, h));
  for (int side = 0; side < 4; side++)
    {
      gsize n = 0;
      int median;

      for (int i = 0; i < (side < 2 ? w : h); i++)
        for (int d = 0; d < 2; d++)
          {
            int x = side == 0 || side == 1 ? i : side == 2 ? d : w - 1 - d;
            int y = side == 2 || side == 3 ? i : side == 0 ? d : h - 1 - d;

            ring[n++] = (guint8) GET_DATA_BYTE (data + (gsize) y * wpl, x);
          }
      median = median_of (ring, n);
      if (median < level - MIN_BORDER_CONTRAST)
        {
          lid_sum += median;
          n_dark_sides++;
        }
    }
  if (n_dark_sides == 0)
    return NULL;

  /* The lid is whatever dark region touches the image's edge; ink, punch holes and dark
   * pictures lie inside the sheet and stay part of it. */
  threshold = (level + lid_sum / n_dark_sides) / 2;
  dark = pixThresholdToBinary (small, threshold);
  lid = dark != NULL ? pixExtractBorderConnComps (dark, 8) : NULL;
  paper = lid != NULL ? pixInvert (NULL, lid) : NULL;
  if (paper == NULL)
    return NULL;
  /* Trim the shadow line along the sheet's edge. */
  pixErodeBrick (paper, paper, 3, 3);

  boxes = pixConnComp (paper, &parts, 4);
  if (boxes == NULL)
    return NULL;
  for (int i = 0; i < pixaGetCount (parts); i++)
    {
      g_autoptr(PIX) part = pixaGetPix (parts, i, L_CLONE);
      l_int32 count = 0;

      pixCountPixels (part, &count, NULL);
      if (count > best_count)
        {
          best_count = count;
          best = i;
        }
    }
  /* A sheet smaller than a fifth of the glass is more likely a photo or a receipt laid on a
   * page than the paper itself; leave such scans alone. */
  if (best < 0 || best_count < w * h / 5)
    return NULL;
  boxaGetBoxGeometry (boxes, best, &bx, &by, &bw, &bh);

  if (paper_mask_out != NULL)
    {
      g_autoptr(PIX) part = pixaGetPix (parts, best, L_CLONE);
      g_autoptr(PIX) canvas = pixCreate (w, h, 1);
      g_autoptr(PIX) filled = NULL;
      g_autoptr(PIX) full = NULL;

      pixRasterop (canvas, bx, by, bw, bh, PIX_SRC, part, 0, 0);
      /* Ink touching nothing but paper is paper. */
      filled = pixFillClosedBorders (canvas, 4);
      full = pixExpandReplicate (filled != NULL ? filled : canvas, (l_int32) factor);
      mask = pixCreate (pixGetWidth (pix), pixGetHeight (pix), 1);
      if (full != NULL && mask != NULL)
        {
          pixRasterop (mask, 0, 0, pixGetWidth (full), pixGetHeight (full), PIX_SRC, full, 0, 0);
          *paper_mask_out = g_steal_pointer (&mask);
        }
    }

  g_debug ("paper at %d, lid at %d on %d sides: paper box %d,%d %dx%d (at 1/%u)", level,
           lid_sum / n_dark_sides, n_dark_sides, bx, by, bw, bh, factor);
  {
    l_int32 x0 = bx * (l_int32) factor, y0 = by * (l_int32) factor;
    l_int32 x1 = MIN ((bx + bw) * (l_int32) factor, pixGetWidth (pix));
    l_int32 y1 = MIN ((by + bh) * (l_int32) factor, pixGetHeight (pix));

    /* Touching the far edges, the reduced image lost up to factor - 1 pixels there. */
    if (bx + bw >= w)
      x1 = pixGetWidth (pix);
    if (by + bh >= h)
      y1 = pixGetHeight (pix);
    return boxCreate (x0, y0, x1 - x0, y1 - y0);
  }
}

PIX *
pd_enhance_remove_border (PIX   *pix,
                          guint  dpi,
                          BOX  **crop_out)
{
  g_autoptr(PIX) mask = NULL;
  g_autoptr(PIX) painted = NULL;
  g_autoptr(PIX) gray = NULL;
  g_autoptr(BOX) box = NULL;
  l_uint32 value;
  int level;

  g_return_val_if_fail (pix != NULL, NULL);

  if (crop_out != NULL)
    *crop_out = NULL;
  box = pd_enhance_find_paper (pix, dpi, &mask);
  if (box == NULL)
    return NULL;

  /* A crooked sheet leaves triangles of lid inside its box; paint them the paper's colour, so
   * deskew, OCR and the PDF see only paper. */
  painted = pixCopy (NULL, pix);
  gray = to_gray (pix);
  if (painted == NULL || gray == NULL)
    return NULL;
  level = paper_level (gray, box);
  if (mask != NULL)
    {
      pixInvert (mask, mask);
      switch (pixGetDepth (painted))
        {
        case 1:
          value = 0;
          break;
        case 32:
          composeRGBPixel (level, level, level, &value);
          break;
        case 8:
          value = (l_uint32) level;
          break;
        default:
          value = 0;
          break;
        }
      if (pixGetColormap (painted) == NULL)
        pixSetMasked (painted, mask, value);
    }
  if (crop_out != NULL)
    *crop_out = boxCopy (box);
  return pixClipRectangle (painted, box, NULL);
}

/* ---- blank pages --------------------------------------------------------------------------- */

#define BLANK_DPI 100

/* Weight of a pixel by its distance to the nearest edge, as a fraction of the page: nothing in
 * the outer 4 % (punch holes, staples, the edge's shadow), rising to full weight at 12 %. */
static double
centre_weight (double fx,
               double fy)
{
  double d = MIN (MIN (fx, 1.0 - fx), MIN (fy, 1.0 - fy));

  return CLAMP ((d - 0.04) / 0.08, 0.0, 1.0);
}

/* A solid round blob the size of a punch hole (5 to 8 mm across). */
static gboolean
looks_like_punch_hole (PIX   *part,
                       int    w,
                       int    h,
                       guint  dpi)
{
  double mm_w = w * 25.4 / dpi, mm_h = h * 25.4 / dpi;
  l_int32 count = 0;

  if (mm_w < 3.5 || mm_w > 10.0 || mm_h < 3.5 || mm_h > 10.0)
    return FALSE;
  if (mm_w > 1.4 * mm_h || mm_h > 1.4 * mm_w)
    return FALSE;
  pixCountPixels (part, &count, NULL);
  return count >= 0.55 * w * h;
}

double
pd_enhance_blank_score (PIX   *pix,
                        guint  dpi)
{
  guint factor = reduction_for (dpi, BLANK_DPI);
  guint small_dpi;
  g_autoptr(PIX) small = NULL;
  g_autoptr(PIX) sauvola = NULL;
  g_autoptr(PIX) dark = NULL;
  g_autoptr(PIX) ink = NULL;
  g_autoptr(PIXA) parts = NULL;
  g_autoptr(BOXA) boxes = NULL;
  double weighted_ink = 0, total_weight = 0;
  int w, h, level;

  g_return_val_if_fail (pix != NULL, 0.0);

  if (dpi == 0)
    dpi = 300;
  small_dpi = MAX (1u, dpi / factor);
  small = gray_reduced (pix, factor);
  if (small == NULL)
    return 0.0;
  w = pixGetWidth (small);
  h = pixGetHeight (small);
  if (w < 20 || h < 20)
    return 0.0;

  /* Ink is what Sauvola's local threshold calls dark AND what is clearly darker than the paper:
   * the first ignores tinted or unevenly lit paper, the second the faint mirrored text that
   * shows through thin paper from its other side. */
  level = paper_level (small, NULL);
  if (pixSauvolaBinarizeTiled (small, MAX (2, (int) (small_dpi * 4 / 25.4 / 2)), 0.35f, 1, 1,
                               NULL, &sauvola) != 0 || sauvola == NULL)
    return 0.0;
  dark = pixThresholdToBinary (small, MAX (1, level - 48));
  ink = dark != NULL ? pixAnd (NULL, sauvola, dark) : NULL;
  if (ink == NULL)
    return 0.0;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      total_weight += centre_weight ((x + 0.5) / w, (y + 0.5) / h);

  boxes = pixConnComp (ink, &parts, 8);
  if (boxes == NULL)
    return 0.0;
  for (int i = 0; i < pixaGetCount (parts); i++)
    {
      g_autoptr(PIX) part = pixaGetPix (parts, i, L_CLONE);
      l_int32 bx, by, bw, bh;
      l_uint32 *pdata = pixGetData (part);
      l_int32 pwpl = pixGetWpl (part);

      boxaGetBoxGeometry (boxes, i, &bx, &by, &bw, &bh);
      /* Dust and sensor noise: smaller than a full stop at this size. */
      if (bw < 3 && bh < 3)
        continue;
      if (looks_like_punch_hole (part, bw, bh, small_dpi))
        continue;
      for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++)
          if (GET_DATA_BIT (pdata + (gsize) y * pwpl, x))
            weighted_ink += centre_weight ((bx + x + 0.5) / w, (by + y + 0.5) / h);
    }
  return total_weight > 0 ? 100.0 * weighted_ink / total_weight : 0.0;
}

/* ---- blur ---------------------------------------------------------------------------------- */

#define BLUR_DPI 150
/* A pixel is near an ink edge when its 5x5 neighbourhood spans this many levels. */
#define MIN_EDGE_RANGE 48
#define MIN_EDGE_PIXELS 400

double
pd_enhance_blur_score (PIX   *pix,
                       guint  dpi)
{
  guint factor = reduction_for (dpi, BLUR_DPI);
  g_autoptr(PIX) small = NULL;
  g_autoptr(PIX) high = NULL;
  g_autoptr(PIX) low = NULL;
  guint64 histogram[101] = { 0 };
  guint64 n_edges = 0, seen = 0;
  l_uint32 *data, *hdata, *ldata;
  l_int32 wpl, hwpl, lwpl;
  int w, h;

  g_return_val_if_fail (pix != NULL, -1.0);

  small = gray_reduced (pix, factor);
  if (small == NULL)
    return -1.0;
  high = pixDilateGray (small, 5, 5);
  low = pixErodeGray (small, 5, 5);
  if (high == NULL || low == NULL)
    return -1.0;
  w = pixGetWidth (small);
  h = pixGetHeight (small);
  data = pixGetData (small);
  hdata = pixGetData (high);
  ldata = pixGetData (low);
  wpl = pixGetWpl (small);
  hwpl = pixGetWpl (high);
  lwpl = pixGetWpl (low);

  /* For every pixel near an edge: its steepest one-pixel step as a share of the local range. On
   * a sharp page the steepest pixels of each edge reach well over half the range; blur spreads
   * the same step over several pixels. Dividing by the local range makes faint and bold print,
   * and a page with three words or three hundred, comparable. */
  for (int y = 1; y < h - 1; y++)
    {
      const l_uint32 *row = data + (gsize) y * wpl;
      const l_uint32 *up = row - wpl, *down = row + wpl;

      for (int x = 1; x < w - 1; x++)
        {
          int range = (int) GET_DATA_BYTE (hdata + (gsize) y * hwpl, x)
                      - (int) GET_DATA_BYTE (ldata + (gsize) y * lwpl, x);
          int v, step;

          if (range < MIN_EDGE_RANGE)
            continue;
          v = (int) GET_DATA_BYTE (row, x);
          step = MAX (abs (v - (int) GET_DATA_BYTE (row, x + 1)),
                      abs (v - (int) GET_DATA_BYTE (up, x)));
          step = MAX (step, abs (v - (int) GET_DATA_BYTE (row, x - 1)));
          step = MAX (step, abs (v - (int) GET_DATA_BYTE (down, x)));
          histogram[MIN (100, step * 100 / range)]++;
          n_edges++;
        }
    }
  if (n_edges < MIN_EDGE_PIXELS)
    return -1.0;

  /* The steepest tenth of the edge pixels. */
  for (int bin = 100; bin >= 0; bin--)
    {
      seen += histogram[bin];
      if (seen * 10 >= n_edges)
        return bin / 100.0;
    }
  return 0.0;
}

/* ---- photographed pages -------------------------------------------------------------------- */

#define CORNER_SIZE 800

typedef struct {
  double x, y;
} Point;

static double
cross (Point o,
       Point a,
       Point b)
{
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

static int
compare_points (gconstpointer a,
                gconstpointer b)
{
  const Point *p = a, *q = b;

  if (p->x != q->x)
    return p->x < q->x ? -1 : 1;
  if (p->y != q->y)
    return p->y < q->y ? -1 : 1;
  return 0;
}

/* Andrew's monotone chain; @points is sorted in place. */
static GArray *
convex_hull (GArray *points)
{
  GArray *hull = g_array_new (FALSE, FALSE, sizeof (Point));
  guint n = points->len;
  guint k = 0;

  g_array_sort (points, compare_points);
  g_array_set_size (hull, 2 * n + 1);
  for (guint i = 0; i < n; i++)
    {
      Point p = g_array_index (points, Point, i);

      while (k >= 2 && cross (g_array_index (hull, Point, k - 2),
                              g_array_index (hull, Point, k - 1), p) <= 0)
        k--;
      g_array_index (hull, Point, k++) = p;
    }
  for (guint i = n - 1, lower = k + 1; i-- > 0;)
    {
      Point p = g_array_index (points, Point, i);

      while (k >= lower && cross (g_array_index (hull, Point, k - 2),
                                  g_array_index (hull, Point, k - 1), p) <= 0)
        k--;
      g_array_index (hull, Point, k++) = p;
    }
  g_array_set_size (hull, k > 1 ? k - 1 : k);
  return hull;
}

/* The line through the boundary points near side a-b (least squares, perpendicular), as a point
 * and a direction. FALSE when too few points lie along it. */
static gboolean
fit_side (GArray *boundary,
          Point   a,
          Point   b,
          Point  *origin,
          Point  *direction)
{
  double len = hypot (b.x - a.x, b.y - a.y);
  double ux = (b.x - a.x) / len, uy = (b.y - a.y) / len;
  double tolerance = 2.0 + 0.02 * len;
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  guint n = 0;

  if (len < 10)
    return FALSE;
  for (guint i = 0; i < boundary->len; i++)
    {
      Point p = g_array_index (boundary, Point, i);
      double t = ((p.x - a.x) * ux + (p.y - a.y) * uy) / len;
      double d = fabs ((p.x - a.x) * uy - (p.y - a.y) * ux);

      /* The middle of the side only: corners are often dog-eared or rounded. */
      if (t < 0.1 || t > 0.9 || d > tolerance)
        continue;
      sx += p.x;
      sy += p.y;
      sxx += p.x * p.x;
      syy += p.y * p.y;
      sxy += p.x * p.y;
      n++;
    }
  if (n < 10)
    return FALSE;
  origin->x = sx / n;
  origin->y = sy / n;
  {
    double cxx = sxx / n - origin->x * origin->x;
    double cyy = syy / n - origin->y * origin->y;
    double cxy = sxy / n - origin->x * origin->y;
    double theta = 0.5 * atan2 (2 * cxy, cxx - cyy);

    direction->x = cos (theta);
    direction->y = sin (theta);
  }
  return TRUE;
}

static gboolean
intersect (Point  p,
           Point  u,
           Point  q,
           Point  v,
           Point *out)
{
  double det = u.x * v.y - u.y * v.x;
  double t;

  if (fabs (det) < 1e-6)
    return FALSE;
  t = ((q.x - p.x) * v.y - (q.y - p.y) * v.x) / det;
  out->x = p.x + t * u.x;
  out->y = p.y + t * u.y;
  return TRUE;
}

static double
corner_angle (Point prev,
              Point at,
              Point next)
{
  double ax = prev.x - at.x, ay = prev.y - at.y, bx = next.x - at.x, by = next.y - at.y;

  return acos (CLAMP ((ax * bx + ay * by) / (hypot (ax, ay) * hypot (bx, by)), -1.0, 1.0))
         * 180.0 / G_PI;
}

PTA *
pd_enhance_find_page_corners (PIX *pix)
{
  g_autoptr(PIX) small = NULL;
  g_autoptr(PIX) bright = NULL;
  g_autoptr(PIXA) parts = NULL;
  g_autoptr(BOXA) boxes = NULL;
  g_autoptr(PIX) sheet = NULL;
  g_autoptr(GArray) boundary = NULL;
  g_autoptr(GArray) hull = NULL;
  Point corners[4], refined[4], centre = { 0, 0 };
  l_int32 thresh = 0, fg = 0, bg = 0, best_count = 0, bx, by, bw, bh;
  int best = -1, w, h, touching = 0, first = 0;
  guint factor;
  guint ia = 0, ib = 0;
  double best_d = 0, area = 0;
  PTA *pta;

  g_return_val_if_fail (pix != NULL, NULL);

  factor = MAX (1u, (guint) MAX (pixGetWidth (pix), pixGetHeight (pix)) / CORNER_SIZE);
  small = gray_reduced (pix, factor);
  if (small == NULL)
    return NULL;
  w = pixGetWidth (small);
  h = pixGetHeight (small);

  /* The sheet is the largest bright region: Otsu between the paper and the darker surface. */
  if (pixSplitDistributionFgBg (small, 0.1f, 1, &thresh, &fg, &bg, NULL) != 0 || bg - fg < 40)
    return NULL;
  bright = pixThresholdToBinary (small, thresh);
  if (bright == NULL)
    return NULL;
  pixInvert (bright, bright);
  /* Cut thin bright bridges to a table edge or a reflection. */
  pixOpenBrick (bright, bright, 5, 5);
  boxes = pixConnComp (bright, &parts, 4);
  if (boxes == NULL)
    return NULL;
  for (int i = 0; i < pixaGetCount (parts); i++)
    {
      g_autoptr(PIX) part = pixaGetPix (parts, i, L_CLONE);
      l_int32 count = 0;

      pixCountPixels (part, &count, NULL);
      if (count > best_count)
        {
          best_count = count;
          best = i;
        }
    }
  if (best < 0 || best_count < w * h / 6)
    return NULL;
  boxaGetBoxGeometry (boxes, best, &bx, &by, &bw, &bh);
  touching = (bx <= 1) + (by <= 1) + (bx + bw >= w - 1) + (by + bh >= h - 1);
  /* Paper to two or more edges: a scan, or a photo too close to say where the sheet ends. */
  if (touching >= 2)
    return NULL;
  sheet = pixaGetPix (parts, best, L_CLONE);

  /* The sheet's outline: the outermost pixel of every row and every column. Holes (text,
   * pictures) never reach it. Edge positions, not pixel centres: x for a left end, x + 1 for a
   * right one. */
  boundary = g_array_new (FALSE, FALSE, sizeof (Point));
  {
    l_uint32 *sdata = pixGetData (sheet);
    l_int32 swpl = pixGetWpl (sheet);
    g_autofree int *top = g_new (int, bw);
    g_autofree int *bottom = g_new (int, bw);

    for (int x = 0; x < bw; x++)
      {
        top[x] = -1;
        bottom[x] = -1;
      }
    for (int y = 0; y < bh; y++)
      {
        const l_uint32 *row = sdata + (gsize) y * swpl;
        int left = -1, right = -1;

        for (int x = 0; x < bw; x++)
          if (GET_DATA_BIT (row, x))
            {
              if (left < 0)
                left = x;
              right = x;
              if (top[x] < 0)
                top[x] = y;
              bottom[x] = y;
            }
        if (left >= 0)
          {
            Point l = { bx + left, by + y + 0.5 }, r = { bx + right + 1, by + y + 0.5 };

            g_array_append_val (boundary, l);
            g_array_append_val (boundary, r);
          }
      }
    for (int x = 0; x < bw; x++)
      if (top[x] >= 0)
        {
          Point t = { bx + x + 0.5, by + top[x] }, b = { bx + x + 0.5, by + bottom[x] + 1 };

          g_array_append_val (boundary, t);
          g_array_append_val (boundary, b);
        }
  }
  {
    g_autoptr(GArray) copy = g_array_copy (boundary);

    hull = convex_hull (copy);
  }
  if (hull->len < 4)
    return NULL;

  /* The quadrilateral with the largest area inside the hull, found the cheap way: the two
   * points farthest apart are opposite corners, and the points farthest from that diagonal on
   * either side are the other two. This holds for any rotation of the sheet. */
  for (guint i = 0; i < hull->len; i++)
    for (guint j = i + 1; j < hull->len; j++)
      {
        Point p = g_array_index (hull, Point, i), q = g_array_index (hull, Point, j);
        double d = hypot (p.x - q.x, p.y - q.y);

        if (d > best_d)
          {
            best_d = d;
            ia = i;
            ib = j;
          }
      }
  {
    Point a = g_array_index (hull, Point, ia), b = g_array_index (hull, Point, ib);
    double most = 0, least = 0;
    Point left = a, right = b;

    for (guint i = 0; i < hull->len; i++)
      {
        Point p = g_array_index (hull, Point, i);
        double c = cross (a, b, p);

        if (c > most)
          {
            most = c;
            left = p;
          }
        if (c < least)
          {
            least = c;
            right = p;
          }
      }
    if (most <= 0 || least >= 0)
      return NULL;
    corners[0] = a;
    corners[1] = left;
    corners[2] = b;
    corners[3] = right;
  }

  /* Clockwise on screen (y points down), starting at the corner nearest the top left. */
  for (int i = 0; i < 4; i++)
    {
      centre.x += corners[i].x / 4;
      centre.y += corners[i].y / 4;
    }
  for (int i = 0; i < 4; i++)
    for (int j = i + 1; j < 4; j++)
      if (atan2 (corners[j].y - centre.y, corners[j].x - centre.x)
          < atan2 (corners[i].y - centre.y, corners[i].x - centre.x))
        {
          Point t = corners[i];

          corners[i] = corners[j];
          corners[j] = t;
        }
  for (int i = 1; i < 4; i++)
    if (corners[i].x + corners[i].y < corners[first].x + corners[first].y)
      first = i;

  /* Each corner again as the meeting point of lines fitted to the two sides: the hull's corner
   * pixels are where noise and rounded corners hurt most. */
  {
    Point origin[4], direction[4];
    gboolean fitted = TRUE;

    for (int i = 0; i < 4 && fitted; i++)
      fitted = fit_side (boundary, corners[i], corners[(i + 1) % 4], &origin[i], &direction[i]);
    for (int i = 0; i < 4; i++)
      {
        refined[i] = corners[i];
        if (fitted && intersect (origin[(i + 3) % 4], direction[(i + 3) % 4], origin[i],
                                 direction[i], &refined[i])
            && hypot (refined[i].x - corners[i].x, refined[i].y - corners[i].y) > 0.05 * best_d)
          refined[i] = corners[i];
      }
  }

  for (int i = 0; i < 4; i++)
    {
      Point p = refined[(i + 3) % 4], at = refined[i], n = refined[(i + 1) % 4];
      double angle = corner_angle (p, at, n);

      if (angle < 30 || angle > 150)
        return NULL;
      area += at.x * n.y - n.x * at.y;
    }
  if (fabs (area) / 2 < w * h / 6.0)
    return NULL;

  pta = ptaCreate (4);
  for (int i = 0; i < 4; i++)
    {
      Point p = refined[(first + i) % 4];

      ptaAddPt (pta, (l_float32) (p.x * factor), (l_float32) (p.y * factor));
    }
  g_debug ("sheet corners at 1/%u: (%.0f,%.0f) (%.0f,%.0f) (%.0f,%.0f) (%.0f,%.0f)", factor,
           refined[first].x, refined[first].y, refined[(first + 1) % 4].x,
           refined[(first + 1) % 4].y, refined[(first + 2) % 4].x, refined[(first + 2) % 4].y,
           refined[(first + 3) % 4].x, refined[(first + 3) % 4].y);
  return pta;
}

PIX *
pd_enhance_correct_perspective (PIX *pix,
                                PTA *corners)
{
  g_autoptr(PIX) src = NULL;
  g_autoptr(PTA) target = NULL;
  g_autofree l_float32 *coeffs = NULL;
  PIX *out;
  l_float32 x[4], y[4];
  l_int32 out_w, out_h, depth, w, h, swpl, dwpl;
  l_uint32 *sdata, *ddata;

  g_return_val_if_fail (pix != NULL, NULL);
  g_return_val_if_fail (corners != NULL && ptaGetCount (corners) == 4, NULL);

  if (pixGetDepth (pix) == 8 || pixGetDepth (pix) == 32)
    src = pixGetColormap (pix) != NULL ? pixRemoveColormap (pix, REMOVE_CMAP_BASED_ON_SRC)
                                       : pixClone (pix);
  else
    src = to_gray (pix);
  if (src == NULL)
    return NULL;
  for (int i = 0; i < 4; i++)
    ptaGetPt (corners, i, &x[i], &y[i]);
  /* The mean of opposite sides: the near side of a tilted sheet comes out longer than it is,
   * the far side shorter. (The exact proportions would need the camera's focal length.) */
  out_w = (l_int32) lround ((hypot (x[1] - x[0], y[1] - y[0])
                             + hypot (x[2] - x[3], y[2] - y[3])) / 2);
  out_h = (l_int32) lround ((hypot (x[3] - x[0], y[3] - y[0])
                             + hypot (x[2] - x[1], y[2] - y[1])) / 2);
  if (out_w < 16 || out_h < 16)
    return NULL;

  /* Leptonica's coefficients map the output's pixels back into the source. Its own
   * pixProjectivePta keeps the input's size; a sheet's rectangle has its own. */
  target = ptaCreate (4);
  ptaAddPt (target, 0, 0);
  ptaAddPt (target, (l_float32) out_w, 0);
  ptaAddPt (target, (l_float32) out_w, (l_float32) out_h);
  ptaAddPt (target, 0, (l_float32) out_h);
  if (getProjectiveXformCoeffs (target, corners, &coeffs) != 0)
    return NULL;

  depth = pixGetDepth (src);
  out = pixCreate (out_w, out_h, depth);
  if (out == NULL)
    return NULL;
  if (depth == 32)
    pixSetSpp (out, 3);
  pixCopyResolution (out, src);
  w = pixGetWidth (src);
  h = pixGetHeight (src);
  sdata = pixGetData (src);
  swpl = pixGetWpl (src);
  ddata = pixGetData (out);
  dwpl = pixGetWpl (out);
  for (l_int32 i = 0; i < out_h; i++)
    {
      l_uint32 *line = ddata + (gsize) i * dwpl;

      for (l_int32 j = 0; j < out_w; j++)
        {
          const l_float32 *c = coeffs;
          /* Pixel centres on both sides. */
          double fx = j + 0.5, fy = i + 0.5;
          double den = c[6] * fx + c[7] * fy + 1.0;
          l_float32 sx = (l_float32) ((c[0] * fx + c[1] * fy + c[2]) / den - 0.5);
          l_float32 sy = (l_float32) ((c[3] * fx + c[4] * fy + c[5]) / den - 0.5);

          if (depth == 8)
            {
              l_int32 v = 255;

              linearInterpolatePixelGray (sdata, swpl, w, h, sx, sy, 255, &v);
              SET_DATA_BYTE (line, j, v);
            }
          else
            {
              l_uint32 v = 0xffffff00;

              linearInterpolatePixelColor (sdata, swpl, w, h, sx, sy, 0xffffff00, &v);
              line[j] = v;
            }
        }
    }
  return out;
}
