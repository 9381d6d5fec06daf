/* pd-page-processor.c: one page from spool file to PDF-ready image plus words. The page is
 * cleaned up first (pd-enhance.c): a photographed sheet is flattened, a scanner-lid border cut
 * away, the page turned upright and straightened, because tesseract silently drops whole
 * paragraphs on pages skewed by two degrees or more and reads an upside-down page as noise; it
 * is also scored for blankness and blur. Then it is encoded the way the PDF will embed it (CCITT
 * G4 for text mode, JPEG otherwise; a scanner's JPEG that needed no change is kept byte for
 * byte, since every re-encoding loses quality and usually grows the file); then it is
 * recognized. Output files are written last and durably, so a failed or cancelled page leaves
 * nothing behind. */
#define G_LOG_DOMAIN "pd-process"

#include "pd-page-processor.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <jpeglib.h>

#include "pd-enhance.h"
#include "pd-barcode.h"
#include "pd-fs.h"
#include "pd-ocr.h"
#include "pd-pdf-writer.h"
#include "pd-process-error.h"
#include "pd-process-private.h"
#include "pd-vault.h"
#include "pd-word.h"

#define DEFAULT_JPEG_QUALITY 75
#define DEFAULT_DPI 300

PdProcessOptions *
pd_process_options_new (void)
{
  PdProcessOptions *options = g_new0 (PdProcessOptions, 1);

  options->mode = PD_SCAN_MODE_GRAY;
  options->langs = g_strdup ("eng");
  options->deskew = TRUE;
  options->jpeg_quality = DEFAULT_JPEG_QUALITY;
  options->clean_background = TRUE;
  options->max_skew_degrees = PD_ENHANCE_MAX_SKEW_DEGREES;
  options->orientation = TRUE;
  options->min_orientation_confidence = PD_ENHANCE_MIN_ORIENTATION_CONFIDENCE;
  options->crop_border = TRUE;
  options->detect_blank = TRUE;
  options->blank_threshold = PD_ENHANCE_BLANK_THRESHOLD;
  options->detect_blur = TRUE;
  options->blur_threshold = PD_ENHANCE_BLUR_THRESHOLD;
  options->perspective = FALSE;
  options->detect_barcodes = TRUE;
  return options;
}

PdProcessOptions *
pd_process_options_copy (const PdProcessOptions *options)
{
  PdProcessOptions *copy;

  g_return_val_if_fail (options != NULL, NULL);

  copy = g_memdup2 (options, sizeof *options);
  copy->langs = g_strdup (options->langs);
  return copy;
}

void
pd_process_options_free (PdProcessOptions *options)
{
  if (options == NULL)
    return;
  g_free (options->langs);
  g_free (options);
}

void
pd_page_result_free (PdPageResult *result)
{
  if (result == NULL)
    return;
  g_free (result->image_path);
  g_clear_pointer (&result->words, g_array_unref);
  g_clear_pointer (&result->barcodes, g_ptr_array_unref);
  g_free (result->text);
  g_free (result);
}

static PIX *
take (PIX **pix)
{
  return g_steal_pointer (pix);
}

/* The image the page is worked on: 1-bit stays 1-bit in text mode, colour stays colour in
 * colour mode, everything else becomes 8-bit gray. */
static PIX *
working_image (PIX        *pix,
               PdScanMode  mode)
{
  g_autoptr(PIX) out = NULL;

  if (pixGetColormap (pix) != NULL)
    out = pixRemoveColormap (pix, REMOVE_CMAP_BASED_ON_SRC);
  else
    out = pixClone (pix);
  if (out == NULL)
    return NULL;

  switch (pixGetDepth (out))
    {
    case 1:
      if (mode == PD_SCAN_MODE_TEXT)
        return take (&out);
      return pixConvertTo8 (out, FALSE);
    case 8:
      return take (&out);
    case 32:
      if (mode == PD_SCAN_MODE_COLOR)
        {
          PIX *rgb = pixGetSpp (out) == 4 ? pixRemoveAlpha (out) : pixClone (out);

          if (rgb != NULL)
            pixSetSpp (rgb, 3);
          return rgb;
        }
      return pixConvertRGBToLuminance (out);
    default:
      return pixConvertTo8 (out, FALSE);
    }
}

/* Sauvola adapts the threshold to its neighbourhood, so uneven lighting, yellowed paper and
 * sensor noise neither turn areas black nor wash out faint print the way one global threshold
 * does. */
static PIX *
binarize (PIX *work)
{
  g_autoptr(PIX) gray = NULL;
  PIX *binary = NULL;

  if (pixGetDepth (work) == 1)
    return pixClone (work);
  gray = pixGetDepth (work) == 32 ? pixConvertRGBToLuminance (work) : pixClone (work);
  if (gray == NULL || pixSauvolaBinarizeTiled (gray, 25, 0.35f, 1, 1, NULL, &binary) != 0)
    return NULL;
  pixCopyResolution (binary, work);
  return binary;
}

/* A scanner sees paper as a noisy light gray; encoding that noise costs more JPEG bytes than the
 * text. Moving the white point just below the paper's own level turns the paper white and
 * stretches the ink to full contrast, as a scanner's "background removal" does. Pages with no
 * clear paper background (photos, dark forms) are left alone. */
#define PAPER_MARGIN 24
#define MIN_PAPER_SHARE 0.30

static void
whiten_paper (PIX *work)
{
  g_autoptr(PIX) gray = NULL;
  g_autoptr(NUMA) histogram = NULL;
  l_float32 *counts;
  l_int32 n = 0;
  double total = 0, near_paper = 0;
  int paper = 255;
  int white;

  if (pixGetDepth (work) != 8 && pixGetDepth (work) != 32)
    return;
  gray = pixGetDepth (work) == 32 ? pixConvertRGBToLuminance (work) : pixClone (work);
  histogram = gray ? pixGetGrayHistogram (gray, 4) : NULL;
  if (histogram == NULL)
    return;
  counts = numaGetFArray (histogram, L_NOCOPY);
  n = numaGetCount (histogram);
  if (n != 256)
    return;

  for (int v = 0; v < 256; v++)
    total += counts[v];
  for (int v = 128; v < 256; v++)
    if (counts[v] > counts[paper])
      paper = v;
  for (int v = MAX (0, paper - 8); v <= MIN (255, paper + 8); v++)
    near_paper += counts[v];
  if (total <= 0 || near_paper / total < MIN_PAPER_SHARE)
    return;

  white = MAX (128, paper - PAPER_MARGIN);
  g_debug ("paper at %d: white point moved to %d", paper, white);
  pixGammaTRC (work, work, 1.0f, 0, white);
}

/* leptonica's JPEG writer leaves libjpeg's default Huffman tables; optimized tables make the
 * same image 5-10% smaller at no cost in quality. */
static gboolean
encode_jpeg (PIX      *pix,
             guint     quality,
             guint8  **data_out,
             gsize    *len_out)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *buffer = NULL;
  unsigned long size = 0;
  l_int32 width = pixGetWidth (pix);
  l_int32 height = pixGetHeight (pix);
  l_int32 depth = pixGetDepth (pix);
  l_int32 wpl = pixGetWpl (pix);
  l_uint32 *data = pixGetData (pix);
  g_autofree JSAMPLE *row = NULL;
  int channels;

  if (depth != 8 && depth != 32)
    return FALSE;
  channels = depth == 32 ? 3 : 1;
  row = g_malloc ((gsize) width * channels);

  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &buffer, &size);
  cinfo.image_width = (JDIMENSION) width;
  cinfo.image_height = (JDIMENSION) height;
  cinfo.input_components = channels;
  cinfo.in_color_space = channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, (int) quality, TRUE);
  cinfo.optimize_coding = TRUE;
  cinfo.density_unit = 1;
  cinfo.X_density = (UINT16) MAX (1, pixGetXRes (pix));
  cinfo.Y_density = (UINT16) MAX (1, pixGetYRes (pix));
  jpeg_start_compress (&cinfo, TRUE);

  for (l_int32 y = 0; y < height; y++)
    {
      l_uint32 *line = data + (gsize) y * wpl;
      JSAMPROW rows[1] = { row };

      if (channels == 1)
        for (l_int32 x = 0; x < width; x++)
          row[x] = (JSAMPLE) GET_DATA_BYTE (line, x);
      else
        for (l_int32 x = 0; x < width; x++)
          {
            l_int32 r, g, b;

            extractRGBValues (line[x], &r, &g, &b);
            row[3 * x] = (JSAMPLE) r;
            row[3 * x + 1] = (JSAMPLE) g;
            row[3 * x + 2] = (JSAMPLE) b;
          }
      jpeg_write_scanlines (&cinfo, rows, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);

  *data_out = g_memdup2 (buffer, size);
  *len_out = size;
  free (buffer);
  return TRUE;
}

static gboolean
is_jpeg_data (const guint8 *data,
              gsize         len)
{
  return len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff;
}

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

static void
replace_pix (PIX **pix,
             PIX  *with)
{
  pixDestroy (pix);
  *pix = with;
}

static gboolean
rotate_by (PIX    **work,
           double   degrees)
{
  PIX *straight = pixRotate (*work, (l_float32) (degrees * G_PI / 180.0), L_ROTATE_AREA_MAP,
                             L_BRING_IN_WHITE, 0, 0);

  if (straight == NULL)
    return FALSE;
  replace_pix (work, straight);
  return TRUE;
}

/* The clean-up before encoding and OCR: each step records what it did into @result. */
static void
enhance (PIX                    **work,
         guint                    dpi,
         const PdProcessOptions  *options,
         PdPageResult            *result)
{
  gint64 start;
  gboolean skew_found = FALSE;
  gboolean upright = FALSE;
  double angle = 0;

  result->blank_score = -1;
  result->blur_score = -1;

  if (options->perspective)
    {
      PTA *corners;

      start = g_get_monotonic_time ();
      corners = pd_enhance_find_page_corners (*work);
      if (corners != NULL)
        {
          PIX *flat = pd_enhance_correct_perspective (*work, corners);

          if (flat != NULL)
            {
              replace_pix (work, flat);
              result->perspective_corrected = TRUE;
            }
          ptaDestroy (&corners);
        }
      result->perspective_ms = ms_since (start);
    }

  /* After a perspective correction there is no lid left, and a crop box in the spool's pixels
   * would no longer mean anything. */
  if (options->crop_border && !result->perspective_corrected)
    {
      BOX *box = NULL;
      PIX *paper;

      start = g_get_monotonic_time ();
      paper = pd_enhance_remove_border (*work, dpi, &box);
      if (paper != NULL)
        {
          l_int32 x, y, w, h;

          replace_pix (work, paper);
          boxGetGeometry (box, &x, &y, &w, &h);
          result->crop.x = (guint) x;
          result->crop.y = (guint) y;
          result->crop.width = (guint) w;
          result->crop.height = (guint) h;
        }
      boxDestroy (&box);
      result->border_ms = ms_since (start);
    }

  if (options->detect_blank)
    {
      start = g_get_monotonic_time ();
      result->blank_score = pd_enhance_blank_score (*work, dpi);
      result->is_blank = result->blank_score < options->blank_threshold;
      result->blank_ms = ms_since (start);
    }

  /* A blank page has no lines to straighten and no text to turn upright. */
  if (options->deskew && !result->is_blank)
    {
      start = g_get_monotonic_time ();
      skew_found = pd_enhance_find_skew (*work, options->max_skew_degrees, &angle, NULL)
                   && rotate_by (work, angle);
      if (skew_found)
        result->skew_degrees = angle;
      result->deskew_ms = ms_since (start);
    }

  /* Measured on the straightened page, where OSD reads best. Rotations about the centre
   * commute, so turning after the deskew gives the page turned and then straightened. */
  /* Nearly every page arrives upright. Leptonica's text-orientation test is several times
   * cheaper than tesseract's OSD; when it is sure the page is upright, OSD is not run. */
  if (options->orientation && !result->is_blank)
    {
      start = g_get_monotonic_time ();
      upright = pd_enhance_confirm_orientation (*work, 0);
      result->orientation_ms = ms_since (start);
    }
  if (options->orientation && !result->is_blank && !upright)
    {
      g_autoptr(GError) error = NULL;
      guint rotation = 0;
      double confidence = 0;

      start = g_get_monotonic_time ();
      if (!pd_enhance_detect_orientation (*work, dpi, &rotation, &confidence, &error))
        {
          static gsize warned;

          if (g_once_init_enter (&warned))
            {
              g_warning ("%s", error->message);
              g_once_init_leave (&warned, 1);
            }
        }
      result->orientation_confidence = confidence;
      if (rotation != 0
          && (confidence >= options->min_orientation_confidence
              || (confidence >= MIN (options->min_orientation_confidence,
                                     PD_ENHANCE_MIN_CONFIRMED_ORIENTATION_CONFIDENCE)
                  && pd_enhance_confirm_orientation (*work, rotation))))
        {
          PIX *turned = pixRotateOrth (*work, (l_int32) (rotation / 90));

          if (turned != NULL)
            {
              replace_pix (work, turned);
              result->rotation_degrees = rotation;
            }
        }
      result->orientation_ms += ms_since (start);

      /* A page lying on its side shows no horizontal lines to measure until it is turned. */
      if (options->deskew && !skew_found && (result->rotation_degrees % 180) == 90)
        {
          start = g_get_monotonic_time ();
          if (pd_enhance_find_skew (*work, options->max_skew_degrees, &angle, NULL)
              && rotate_by (work, angle))
            result->skew_degrees = angle;
          result->deskew_ms += ms_since (start);
        }
    }

  if (options->detect_blur)
    {
      start = g_get_monotonic_time ();
      result->blur_score = pd_enhance_blur_score (*work, dpi);
      result->is_blurry = !result->is_blank && result->blur_score >= 0
                          && result->blur_score < options->blur_threshold;
      result->blur_ms = ms_since (start);
    }
}

PdPageResult *
pd_page_process (const char              *spool_path,
                 guint                    dpi,
                 const PdProcessOptions  *options,
                 const char              *out_dir,
                 const char              *file_prefix,
                 GCancellable            *cancellable,
                 GError                 **error)
{
  return pd_page_process_full (spool_path, dpi, options, out_dir, file_prefix, NULL, NULL,
                               cancellable, error);
}

PdPageResult *
pd_page_process_full (const char              *spool_path,
                      guint                    dpi,
                      const PdProcessOptions  *options,
                      const char              *out_dir,
                      const char              *file_prefix,
                      PdPageProcessStageFunc   stage_func,
                      gpointer                 stage_data,
                      GCancellable            *cancellable,
                      GError                 **error)
{
  g_autoptr(PdPageResult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree guint8 *spool_data = NULL;
  g_autofree char *display_name = NULL;
  g_autoptr(PIX) pix = NULL;
  g_autoptr(PIX) work = NULL;
  g_autoptr(PIX) binary = NULL;
  g_autoptr(L_COMP_DATA) cid = NULL;
  g_autofree guint8 *encoded = NULL;
  gsize encoded_len = 0;
  const guint8 *out_data = NULL;
  gsize out_len = 0;
  gsize spool_len = 0;
  gboolean spool_is_jpeg;
  gboolean written;
  gboolean changed;
  guint quality;
  gint64 start;

  g_return_val_if_fail (spool_path != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (out_dir != NULL, NULL);
  g_return_val_if_fail (file_prefix != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  _pd_process_init_leptonica ();
  display_name = g_filename_display_basename (spool_path);

  /* Before any work: a missing language is a set-up problem, not a page problem. */
  if (!pd_ocr_check_languages (options->langs, error))
    return NULL;

  if (!pd_vault_get_contents (spool_path, (char **) &spool_data, &spool_len, &local_error))
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_FAILED,
                   "Could not read the page image “%s”: %s", display_name, local_error->message);
      return NULL;
    }
  spool_is_jpeg = is_jpeg_data (spool_data, spool_len);
  pix = spool_len > 0 ? pixReadMem (spool_data, spool_len) : NULL;
  if (pix == NULL)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_FAILED,
                   "The page image “%s” is damaged and cannot be processed.", display_name);
      return NULL;
    }
  if (dpi == 0)
    dpi = pixGetXRes (pix) >= 50 ? (guint) pixGetXRes (pix) : DEFAULT_DPI;

  work = working_image (pix, options->mode);
  if (work == NULL)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_FAILED,
                   "The page image “%s” uses a kind of pixel Paperdock cannot process.",
                   display_name);
      return NULL;
    }

  result = g_new0 (PdPageResult, 1);
  enhance (&work, dpi, options, result);
  pixSetResolution (work, (l_int32) dpi, (l_int32) dpi);

  /* On the straightened page, so the boxes match the embedded image; a page whose codes cannot
   * be read is still a page, so a scanner failure here is only logged. */
  if (options->detect_barcodes)
    {
      g_autoptr(GError) barcode_error = NULL;
      gint64 start_barcodes = g_get_monotonic_time ();

      result->barcodes = pd_barcode_scan (work, &barcode_error);
      if (result->barcodes == NULL)
        g_warning ("Could not look for barcodes on “%s”: %s", display_name, barcode_error->message);
      result->barcode_ms = ms_since (start_barcodes);
    }
  if (result->barcodes == NULL)
    result->barcodes = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_barcode_free);
  changed = result->perspective_corrected || result->crop.width > 0
            || result->rotation_degrees != 0 || result->skew_degrees != 0;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  result->width = (guint) pixGetWidth (work);
  result->height = (guint) pixGetHeight (work);
  result->dpi = dpi;
  result->words = pd_word_array_new ();

  quality = options->jpeg_quality >= 1 && options->jpeg_quality <= 100
            ? options->jpeg_quality : DEFAULT_JPEG_QUALITY;

  start = g_get_monotonic_time ();
  binary = binarize (work);
  if (binary == NULL)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_FAILED,
                   "Could not convert the page “%s” to black and white.", display_name);
      return NULL;
    }

  /* Text mode embeds the same Sauvola image that OCR reads. */
  if (options->mode == PD_SCAN_MODE_TEXT)
    {
      if (pixGenerateCIData (binary, L_G4_ENCODE, 0, 0, &cid) != 0 || cid == NULL)
        {
          g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_FAILED,
                       "Could not compress the page “%s” as black and white.", display_name);
          return NULL;
        }
      result->encoding = PD_IMAGE_ENCODING_CCITT_G4;
      result->channels = 1;
      result->image_path = g_strdup_printf ("%s/%s.g4", out_dir, file_prefix);
      out_data = cid->datacomp;
      out_len = cid->nbytescomp;
    }
  else
    {
      l_int32 jw = 0, jh = 0, jspp = 0, ycck = 0, cmyk = 0;
      gboolean keep_jpeg = FALSE;
      gboolean downsample = options->downsample_dpi > 0 && options->downsample_dpi < dpi;

      if (spool_is_jpeg && !changed && !downsample
          && readHeaderMemJpeg (spool_data, spool_len, &jw, &jh, &jspp, &ycck, &cmyk) == 0
          && !ycck && !cmyk)
        /* Gray mode on a colour JPEG must drop the colour, which means encoding anew. */
        keep_jpeg = jspp == 1 || (jspp == 3 && options->mode == PD_SCAN_MODE_COLOR);

      result->encoding = PD_IMAGE_ENCODING_JPEG;
      result->image_path = g_strdup_printf ("%s/%s.jpg", out_dir, file_prefix);
      if (keep_jpeg)
        {
          out_data = spool_data;
          out_len = spool_len;
          result->channels = (guint) jspp;
          result->width = (guint) jw;
          result->height = (guint) jh;
        }
      else
        {
          /* Fewer pixels before encoding; OCR below still reads the full resolution. */
          g_autoptr(PIX) clean = pd_pdf_downsample (work, dpi, options->downsample_dpi);

          if (clean != NULL && clean == work)
            {
              pixDestroy (&clean);
              clean = pixCopy (NULL, work);
            }
          if (clean != NULL && downsample)
            {
              result->width = (guint) pixGetWidth (clean);
              result->height = (guint) pixGetHeight (clean);
              result->dpi = options->downsample_dpi;
            }
          if (clean != NULL && options->clean_background)
            whiten_paper (clean);
          if (clean == NULL || !encode_jpeg (clean, quality, &encoded, &encoded_len))
            {
              g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_FAILED,
                           "Could not compress the page “%s” as JPEG.", display_name);
              return NULL;
            }
          out_data = encoded;
          out_len = encoded_len;
          result->channels = pixGetDepth (work) == 32 ? 3 : 1;
        }
    }
  result->encode_ms = ms_since (start);

  /* Recognition is most of a page's time: a person watching the batch sees it as its own step. */
  if (stage_func != NULL)
    stage_func (PD_PAGE_PROCESS_READING_TEXT, stage_data);

  /* Tesseract's own global threshold lets sensor noise and tinted paper break up isolated
   * digits (a "4" alone in a table column read as "A"); the Sauvola image reads cleanly. It
   * shares the pixel grid of the JPEG, so the word boxes fit the embedded image either way. */
  start = g_get_monotonic_time ();
  if (!pd_ocr_recognize (binary, dpi, options->langs, result->words, &result->text,
                         &result->mean_confidence, cancellable, error))
    {
      return NULL;
    }
  result->ocr_ms = ms_since (start);
  /* The boxes belong on the image the PDF embeds. */
  if (result->dpi != dpi)
    pd_pdf_scale_words (result->words, dpi, result->dpi);

  written = pd_fs_ensure_private_dir (out_dir, error)
            && pd_fs_write_durable (result->image_path, out_data, out_len, error);
  if (!written)
    return NULL;

  g_debug ("%s: perspective %s, crop %u,%u %ux%u, turned %u°, skew %.2f°, blank %.3f%s, "
           "sharpness %.2f%s; ms: perspective %.0f border %.0f blank %.0f deskew %.0f "
           "orientation %.0f blur %.0f barcodes %.0f encode %.0f ocr %.0f", display_name,
           result->perspective_corrected ? "corrected" : "no", result->crop.x, result->crop.y,
           result->crop.width, result->crop.height, result->rotation_degrees,
           result->skew_degrees, result->blank_score, result->is_blank ? " (blank)" : "",
           result->blur_score, result->is_blurry ? " (blurry)" : "", result->perspective_ms,
           result->border_ms, result->blank_ms, result->deskew_ms, result->orientation_ms,
           result->blur_ms, result->barcode_ms, result->encode_ms, result->ocr_ms);
  return g_steal_pointer (&result);
}
