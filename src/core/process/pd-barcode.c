/* pd-barcode.c: finds the barcodes on a scanned page with zbar, and decides whether a page is a
 * separator sheet. Only the symbologies offices print on documents and cover sheets are switched
 * on: the others (Interleaved 2 of 5, Codabar, DataBar...) cost time on every page and read
 * phantom codes in ordinary text lines. A zbar scanner is made per call, so no zbar object is
 * ever shared between worker threads. */
#define G_LOG_DOMAIN "pd-process"

#include "pd-barcode.h"

#include <zbar.h>

#include "pd-process-error.h"
#include "pd-process-private.h"

/* zbar looks at every Nth row and column. Measured on a 300 dpi A4 page: 2 reads the same codes
 * as 1 in two thirds of the time (87 ms instead of 130 ms); at 4 a QR code next to a 1-D code was
 * missed. A 1-D code printed 5 mm high still crosses about 30 of the rows looked at. */
#define SCAN_DENSITY 2

static const zbar_symbol_type_t wanted_symbologies[] = {
  ZBAR_CODE128, ZBAR_CODE39, ZBAR_EAN13, ZBAR_EAN8, ZBAR_UPCA, ZBAR_UPCE, ZBAR_QRCODE,
};

static void
zbar_image_scanner_free (zbar_image_scanner_t *scanner)
{
  zbar_image_scanner_destroy (scanner);
}

static void
zbar_image_free (zbar_image_t *image)
{
  zbar_image_destroy (image);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (zbar_image_scanner_t, zbar_image_scanner_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (zbar_image_t, zbar_image_free)

void
pd_barcode_free (PdBarcode *barcode)
{
  if (barcode == NULL)
    return;
  g_free (barcode->type);
  g_free (barcode->value);
  g_free (barcode);
}

/* zbar reads 8-bit gray rows packed one byte per pixel; leptonica keeps them in 32-bit words
 * (bytes swapped on little-endian machines) with padded rows. Copies @gray into @bytes, counting
 * its gray levels into @histogram when one is given. */
static void
copy_gray_bytes (PIX    *gray,
                 guint8 *bytes,
                 guint   histogram[256])
{
  int width = pixGetWidth (gray), height = pixGetHeight (gray), wpl = pixGetWpl (gray);
  const l_uint32 *data = pixGetData (gray);

  for (int y = 0; y < height; y++)
    {
      const l_uint32 *line = data + (gsize) y * wpl;
      guint8 *out = bytes + (gsize) y * width;

      for (int x = 0; x < width; x++)
        out[x] = GET_DATA_BYTE (line, x);
      if (histogram != NULL)
        for (int x = 0; x < width; x++)
          histogram[out[x]]++;
    }
}

/* Otsu's threshold: the gray level that best splits the page into ink and paper. Returns the
 * first level counted as paper. */
static guint
otsu_threshold (const guint histogram[256])
{
  double total = 0, sum = 0, weight_ink = 0, sum_ink = 0, best = -1;
  guint threshold = 128;

  for (guint i = 0; i < 256; i++)
    {
      total += histogram[i];
      sum += (double) i * histogram[i];
    }
  for (guint i = 0; i < 255; i++)
    {
      double weight_paper, mean_ink, mean_paper, between;

      weight_ink += histogram[i];
      sum_ink += (double) i * histogram[i];
      weight_paper = total - weight_ink;
      if (weight_ink == 0)
        continue;
      if (weight_paper == 0)
        break;
      mean_ink = sum_ink / weight_ink;
      mean_paper = (sum - sum_ink) / weight_paper;
      between = weight_ink * weight_paper * (mean_ink - mean_paper) * (mean_ink - mean_paper);
      if (between > best)
        {
          best = between;
          threshold = i + 1;
        }
    }
  return threshold;
}

static PdBarcode *
barcode_of_symbol (const zbar_symbol_t *symbol)
{
  PdBarcode *barcode = g_new0 (PdBarcode, 1);
  unsigned n_points = zbar_symbol_get_loc_size (symbol);

  barcode->type = g_strdup (zbar_get_symbol_name (zbar_symbol_get_type (symbol)));
  /* A QR code may hold any bytes (zbar converts the common text encodings to UTF-8 itself); the
   * value goes into the library and regex matches, which both want valid UTF-8. */
  barcode->value = g_utf8_make_valid (zbar_symbol_get_data (symbol),
                                      (gssize) zbar_symbol_get_data_length (symbol));

  /* The location is a polygon: the corners of a QR code, or the ends of every scan line that
   * decoded a 1-D code. */
  for (unsigned i = 0; i < n_points; i++)
    {
      int x = zbar_symbol_get_loc_x (symbol, i);
      int y = zbar_symbol_get_loc_y (symbol, i);

      if (i == 0)
        {
          barcode->x0 = barcode->x1 = x;
          barcode->y0 = barcode->y1 = y;
          continue;
        }
      barcode->x0 = MIN (barcode->x0, x);
      barcode->y0 = MIN (barcode->y0, y);
      barcode->x1 = MAX (barcode->x1, x);
      barcode->y1 = MAX (barcode->y1, y);
    }
  return barcode;
}

static GPtrArray *
scan_bytes (zbar_image_scanner_t  *scanner,
            guint8                *bytes,
            int                    width,
            int                    height,
            GError               **error)
{
  g_autoptr(zbar_image_t) image = zbar_image_create ();
  GPtrArray *barcodes;

  zbar_image_set_format (image, zbar_fourcc ('Y', '8', '0', '0'));
  zbar_image_set_size (image, (unsigned) width, (unsigned) height);
  /* No cleanup handler: zbar only reads the bytes during the scan; the caller owns them. */
  zbar_image_set_data (image, bytes, (unsigned long) width * (unsigned long) height, NULL);

  if (zbar_scan_image (scanner, image) < 0)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_FAILED,
                   "The page (%d × %d pixels) could not be searched for barcodes.",
                   width, height);
      return NULL;
    }

  barcodes = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_barcode_free);
  for (const zbar_symbol_t *symbol = zbar_image_first_symbol (image);
       symbol != NULL;
       symbol = zbar_symbol_next (symbol))
    {
      PdBarcode *barcode = barcode_of_symbol (symbol);

      g_debug ("%s “%s” at %d,%d-%d,%d", barcode->type, barcode->value,
               barcode->x0, barcode->y0, barcode->x1, barcode->y1);
      g_ptr_array_add (barcodes, barcode);
    }
  return barcodes;
}

/**
 * pd_barcode_scan:
 * @pix: the page, any depth; only read, so other threads may read it meanwhile
 * @error: set when the image cannot be searched at all
 *
 * Reads the barcodes on @pix: first in black and white, then, if that found none, in gray.
 * Two identical codes (same type and value) on one page are reported once, with a box around
 * both. About 60 ms for a 300 dpi A4 page with codes, 200 ms without, on one core.
 *
 * Returns: (transfer full): a #GPtrArray of #PdBarcode in zbar's order, empty for a page without
 *   barcodes; %NULL with @error set on failure.
 */
GPtrArray *
pd_barcode_scan (PIX     *pix,
                 GError **error)
{
  g_autoptr(zbar_image_scanner_t) scanner = NULL;
  g_autoptr(GPtrArray) barcodes = NULL;
  g_autoptr(PIX) converted = NULL;
  PIX *gray;
  g_autofree guint8 *bytes = NULL;
  g_autofree guint *histogram = NULL;
  gint64 start = g_get_monotonic_time ();
  guint threshold;
  gsize n_bytes;
  int width, height;

  g_return_val_if_fail (pix != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  _pd_process_init_leptonica ();

  /* pixConvertTo8 takes every depth leptonica has (1, 2, 4, 8, 16, 32 bits, with or without a
   * colour map) to 8-bit gray without a colour map; 1-bit ink becomes black. A gray page is only
   * read, not even cloned (leptonica's reference count is not atomic), so that workers may scan
   * the same page at once. */
  if (pixGetDepth (pix) == 8 && pixGetColormap (pix) == NULL)
    gray = pix;
  else
    gray = converted = pixConvertTo8 (pix, FALSE);
  if (gray == NULL)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_FAILED,
                   "The page image (%d bits per pixel) could not be read as gray to look for "
                   "barcodes.", pixGetDepth (pix));
      return NULL;
    }
  width = pixGetWidth (gray);
  height = pixGetHeight (gray);
  n_bytes = (gsize) width * (gsize) height;
  bytes = g_malloc (n_bytes);
  histogram = g_new0 (guint, 256);

  scanner = zbar_image_scanner_create ();
  zbar_image_scanner_set_config (scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
  for (guint i = 0; i < G_N_ELEMENTS (wanted_symbologies); i++)
    zbar_image_scanner_set_config (scanner, wanted_symbologies[i], ZBAR_CFG_ENABLE, 1);
  zbar_image_scanner_set_config (scanner, ZBAR_NONE, ZBAR_CFG_X_DENSITY, SCAN_DENSITY);
  zbar_image_scanner_set_config (scanner, ZBAR_NONE, ZBAR_CFG_Y_DENSITY, SCAN_DENSITY);

  /* First the page in black and white. zbar finds bar edges in the gray profile of each scan
   * line, and scanner noise inside a wide bar or space reads as extra edges: measured with a
   * 3-pixel module, Code 128 stopped reading at a noise of 4 gray levels and a gray page took
   * 400 ms, while the same pages in black and white read at 12 and take about 60 ms. */
  copy_gray_bytes (gray, bytes, histogram);
  threshold = otsu_threshold (histogram);
  for (gsize i = 0; i < n_bytes; i++)
    bytes[i] = bytes[i] < threshold ? 0 : 255;
  barcodes = scan_bytes (scanner, bytes, width, height, error);
  if (barcodes == NULL)
    return NULL;
  g_debug ("black and white (threshold %u): %u barcodes after %.0f ms", threshold,
           barcodes->len, (g_get_monotonic_time () - start) / 1000.0);

  /* Then, only when nothing was found, in gray: one threshold for the whole page merges the bars
   * of a fine code (2-pixel modules, as at 200 dpi) that the scanner's optics blurred into gray
   * spaces, while zbar's own edge detection still tells them apart. */
  if (barcodes->len == 0)
    {
      g_clear_pointer (&barcodes, g_ptr_array_unref);
      copy_gray_bytes (gray, bytes, NULL);
      barcodes = scan_bytes (scanner, bytes, width, height, error);
      if (barcodes == NULL)
        return NULL;
    }
  g_debug ("%u barcodes on a %d × %d page in %.0f ms", barcodes->len, width, height,
           (g_get_monotonic_time () - start) / 1000.0);
  return g_steal_pointer (&barcodes);
}

/**
 * pd_barcode_is_separator:
 * @barcodes: (element-type PdBarcode): what pd_barcode_scan() found on a page
 * @pattern: (nullable): a #GRegex the whole value must match (it is anchored at both ends, so
 *   `SEP-[0-9]+` does not match "XSEP-1" nor "SEP-1A"), or %NULL for Patch T sheets only
 * @value_out: (out) (optional) (transfer none): the value that made it a separator, owned by
 *   @barcodes
 * @error: set when @pattern is not a valid regular expression
 *
 * Whether the page is a separator sheet: one of its barcodes matches @pattern, or is the Code 39
 * "PATCHT" of a NAPS2 / Kodak Patch T sheet (in any letter case, which is always a separator,
 * since such a sheet carries nothing else).
 *
 * Returns: %TRUE for a separator sheet; %FALSE otherwise, or with @error set.
 */
gboolean
pd_barcode_is_separator (const GPtrArray  *barcodes,
                         const char       *pattern,
                         const char      **value_out,
                         GError          **error)
{
  g_autoptr(GRegex) whole = NULL;

  g_return_val_if_fail (barcodes != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (value_out != NULL)
    *value_out = NULL;

  if (pattern != NULL)
    {
      g_autoptr(GRegex) check = NULL;
      g_autofree char *anchored = NULL;

      /* Compiled alone first so that a mistake is reported in the person's own pattern. */
      check = g_regex_new (pattern, 0, 0, error);
      if (check == NULL)
        {
          g_prefix_error (error, "The separator pattern “%s” is not valid: ", pattern);
          return FALSE;
        }
      /* \A and \z rather than G_REGEX_ANCHORED and a length check: with "SEP|SEP-1" the first
       * alternative would stop short of the end of "SEP-1" and the value would wrongly fail. */
      anchored = g_strdup_printf ("\\A(?:%s)\\z", pattern);
      whole = g_regex_new (anchored, G_REGEX_OPTIMIZE, 0, error);
      if (whole == NULL)
        {
          g_prefix_error (error, "The separator pattern “%s” is not valid: ", pattern);
          return FALSE;
        }
    }

  for (guint i = 0; i < barcodes->len; i++)
    {
      const PdBarcode *barcode = g_ptr_array_index ((GPtrArray *) barcodes, i);

      if (g_ascii_strcasecmp (barcode->value, PD_BARCODE_PATCH_T) == 0
          || (whole != NULL && g_regex_match (whole, barcode->value, 0, NULL)))
        {
          if (value_out != NULL)
            *value_out = barcode->value;
          return TRUE;
        }
    }
  return FALSE;
}
