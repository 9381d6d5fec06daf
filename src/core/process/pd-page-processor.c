/* pd-page-processor.c: one page from spool file to PDF-ready image plus words. The page is
 * straightened first, because tesseract silently drops whole paragraphs on pages skewed by
 * two degrees or more; then it is encoded the way the PDF will embed it (CCITT G4 for text
 * mode, JPEG otherwise; a scanner's JPEG that needed no rotation is kept byte for byte, since
 * every re-encoding loses quality and usually grows the file); then it is recognized. Output
 * files are written last and durably, so a failed or cancelled page leaves nothing behind. */
#define G_LOG_DOMAIN "pd-process"

#include "pd-page-processor.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <jpeglib.h>

#include "pd-fs.h"
#include "pd-ocr.h"
#include "pd-process-error.h"
#include "pd-process-private.h"
#include "pd-word.h"

#define DEFAULT_JPEG_QUALITY 75
#define DEFAULT_DPI 300

/* Leptonica's own thresholds: below 0.05 degree a rotation moves no pixel by more than about
 * two pixels across an A4 page at 300 dpi, and a confidence under 3 means the text lines were
 * not clear enough to trust the angle. */
#define MIN_DESKEW_DEGREES 0.05
#define MIN_SKEW_CONFIDENCE 3.0
#define SKEW_SWEEP_DEGREES 12.0

PdProcessOptions *
pd_process_options_new (void)
{
  PdProcessOptions *options = g_new0 (PdProcessOptions, 1);

  options->mode = PD_SCAN_MODE_GRAY;
  options->langs = g_strdup ("eng");
  options->deskew = TRUE;
  options->jpeg_quality = DEFAULT_JPEG_QUALITY;
  options->clean_background = TRUE;
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

static gboolean
find_skew (PIX    *work,
           double *angle_out)
{
  g_autoptr(PIX) gray = NULL;
  g_autoptr(PIX) binary = NULL;
  l_float32 angle = 0, conf = 0;

  *angle_out = 0;
  if (pixGetDepth (work) == 1)
    binary = pixClone (work);
  else
    {
      gray = pixGetDepth (work) == 32 ? pixConvertRGBToLuminance (work) : pixClone (work);
      binary = gray != NULL ? pixConvertTo1 (gray, 160) : NULL;
    }
  if (binary == NULL)
    return FALSE;

  /* Leptonica's default sweep is +-7 degrees; an ADF feeds pages more crooked than that. The
   * fine search runs at full resolution, which halves the error on noisy scans for ~10 ms. */
  if (pixFindSkewSweepAndSearch (binary, &angle, &conf, 4, 1, SKEW_SWEEP_DEGREES, 1.0, 0.01) != 0)
    return FALSE;
  g_debug ("skew %.3f° (confidence %.2f)", angle, conf);
  if (conf < MIN_SKEW_CONFIDENCE || fabs (angle) < MIN_DESKEW_DEGREES)
    return FALSE;
  *angle_out = angle;
  return TRUE;
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

PdPageResult *
pd_page_process (const char              *spool_path,
                 guint                    dpi,
                 const PdProcessOptions  *options,
                 const char              *out_dir,
                 const char              *file_prefix,
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
  double angle = 0;
  gboolean rotated = FALSE;
  guint quality;

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

  if (!g_file_get_contents (spool_path, (char **) &spool_data, &spool_len, &local_error))
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

  if (options->deskew && find_skew (work, &angle))
    {
      g_autoptr(PIX) straight = pixRotate (work, (l_float32) (angle * G_PI / 180.0),
                                           L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);

      if (straight != NULL)
        {
          pixDestroy (&work);
          work = g_steal_pointer (&straight);
          rotated = TRUE;
        }
    }
  pixSetResolution (work, (l_int32) dpi, (l_int32) dpi);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  result = g_new0 (PdPageResult, 1);
  result->width = (guint) pixGetWidth (work);
  result->height = (guint) pixGetHeight (work);
  result->dpi = dpi;
  result->skew_degrees = rotated ? angle : 0.0;
  result->words = pd_word_array_new ();

  quality = options->jpeg_quality >= 1 && options->jpeg_quality <= 100
            ? options->jpeg_quality : DEFAULT_JPEG_QUALITY;

  binary = binarize (work);
  if (binary == NULL)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_FAILED,
                   "Could not convert the page “%s” to black and white.", display_name);
      return NULL;
    }

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

      if (spool_is_jpeg && !rotated
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
          g_autoptr(PIX) clean = pixCopy (NULL, work);

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

  /* Tesseract's own global threshold lets sensor noise and tinted paper break up isolated
   * digits (a "4" alone in a table column read as "A"); the Sauvola image reads cleanly. It
   * shares the pixel grid of the JPEG, so the word boxes fit the embedded image either way. */
  if (!pd_ocr_recognize (binary, dpi, options->langs, result->words, &result->text,
                         &result->mean_confidence, cancellable, error))
    {
      return NULL;
    }

  written = pd_fs_ensure_private_dir (out_dir, error)
            && pd_fs_write_durable (result->image_path, out_data, out_len, error);
  if (!written)
    return NULL;

  return g_steal_pointer (&result);
}
