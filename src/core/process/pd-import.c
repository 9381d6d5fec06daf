/* pd-import.c: imports PNG, JPEG, TIFF (every page), PNM and PDF files into the spool. The
 * format is sniffed from the content, never from the name, and the whole file is checked (every
 * page decoded, structure walked to its end) before any spool file is written, so that a
 * truncated download or a renamed text file fails with a precise message and leaves nothing
 * behind. JPEG files are copied byte for byte so the PDF can embed them without re-encoding;
 * everything else becomes PNM, which every later step reads without a codec. */
#define G_LOG_DOMAIN "pd-process"

#include "pd-import.h"

#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <glib/gstdio.h>
#include <poppler.h>
#include <stdio.h>
#include <string.h>

#include "pd-fs.h"
#include "pd-process-error.h"
#include "pd-process-private.h"

#define PDF_RENDER_DPI 300
/* A PDF page is rendered at PDF_RENDER_DPI unless that gives more pixels than this (A2 at
 * 300 dpi is 35 million): a PDF of a few hundred bytes can declare a page of several metres,
 * and 300 dpi of that is gigabytes of memory and spool. Such a page is rendered smaller. */
#define PDF_RENDER_MAX_PIXELS 40e6
#define DEFAULT_DPI 300

typedef enum {
  FORMAT_UNKNOWN,
  FORMAT_PNG,
  FORMAT_JPEG,
  FORMAT_TIFF,
  FORMAT_PNM,
  FORMAT_PDF,
  FORMAT_OTHER_IMAGE,
} Format;

typedef struct {
  const char        *spool_dir;
  const char        *file_prefix;
  guint              next_index;
  PdSpooledPageFunc  page_func;
  gpointer           user_data;
  guint              n_pages;
} ImportContext;

static Format
sniff_format (const guint8  *data,
              gsize          len,
              const char   **other_name)
{
  *other_name = NULL;

  if (len >= 8 && memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0)
    return FORMAT_PNG;
  if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
    return FORMAT_JPEG;
  if (len >= 4 && (memcmp (data, "II*\0", 4) == 0 || memcmp (data, "MM\0*", 4) == 0))
    return FORMAT_TIFF;
  if (len >= 3 && data[0] == 'P' && data[1] >= '1' && data[1] <= '6' && g_ascii_isspace (data[2]))
    return FORMAT_PNM;
  if (len >= 5 && memcmp (data, "%PDF-", 5) == 0)
    return FORMAT_PDF;

  /* Images we recognise but do not read get a better message than "not an image". */
  if (len >= 4 && memcmp (data, "GIF8", 4) == 0)
    *other_name = "GIF";
  else if (len >= 2 && memcmp (data, "BM", 2) == 0 && len >= 26)
    *other_name = "BMP";
  else if (len >= 12 && memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP", 4) == 0)
    *other_name = "WebP";
  else if ((len >= 12 && memcmp (data, "\0\0\0\x0cjP  ", 8) == 0)
           || (len >= 4 && memcmp (data, "\xff\x4f\xff\x51", 4) == 0))
    *other_name = "JPEG 2000";
  else if (len >= 12 && memcmp (data + 4, "ftyp", 4) == 0
           && (memcmp (data + 8, "heic", 4) == 0 || memcmp (data + 8, "mif1", 4) == 0
               || memcmp (data + 8, "avif", 4) == 0 || memcmp (data + 8, "heix", 4) == 0))
    *other_name = "HEIF/AVIF";
  else if (len >= 3 && data[0] == 'P' && data[1] == '7' && g_ascii_isspace (data[2]))
    *other_name = "PAM";
  else if (len >= 4 && memcmp (data, "8BPS", 4) == 0)
    *other_name = "Photoshop";

  return *other_name != NULL ? FORMAT_OTHER_IMAGE : FORMAT_UNKNOWN;
}

static void
set_truncated_error (GError     **error,
                     const char  *display_name,
                     const char  *format_name)
{
  g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_TRUNCATED,
               "“%s” is an incomplete %s file: its end is missing. It was probably cut off while "
               "being copied or downloaded; copy it again and import the new copy.",
               display_name, format_name);
}

static void
set_damaged_error (GError     **error,
                   const char  *display_name,
                   const char  *format_name)
{
  g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_TRUNCATED,
               "“%s” is a damaged %s file: its image data cannot be read. Copy it again or "
               "export it again from the program that made it.", display_name, format_name);
}

/* Walks the chunks up to IEND. libpng would report a cut-off file only half way through
 * decoding, and on stderr. */
static gboolean
check_png_structure (const guint8  *data,
                     gsize          len,
                     const char    *display_name,
                     GError       **error)
{
  gsize pos = 8;

  while (pos + 8 <= len)
    {
      guint32 chunk_len = ((guint32) data[pos] << 24) | ((guint32) data[pos + 1] << 16)
                          | ((guint32) data[pos + 2] << 8) | data[pos + 3];
      const guint8 *type = data + pos + 4;

      if ((guint64) pos + 12 + chunk_len > len)
        break;
      if (memcmp (type, "IEND", 4) == 0)
        return TRUE;
      pos += 12 + (gsize) chunk_len;
    }
  set_truncated_error (error, display_name, "PNG");
  return FALSE;
}

/* Walks the markers and the entropy-coded scans up to EOI. libjpeg decodes a cut-off file
 * into a grey-bottomed page with only a warning on stderr, so the end must be found here. */
static gboolean
check_jpeg_structure (const guint8  *data,
                      gsize          len,
                      const char    *display_name,
                      GError       **error)
{
  gsize pos = 2;

  while (pos < len)
    {
      guint8 marker;

      if (data[pos] != 0xff)
        break;
      while (pos < len && data[pos] == 0xff)
        pos++;
      if (pos >= len)
        break;
      marker = data[pos++];
      if (marker == 0xd9)
        return TRUE;
      if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7))
        continue;
      if (pos + 2 > len)
        break;
      pos += ((gsize) data[pos] << 8) | data[pos + 1];
      if (marker == 0xda)
        {
          /* Entropy-coded data: 0xff is followed by 0x00 (stuffing) or a restart marker
           * inside a scan; anything else starts the next marker. */
          while (pos + 1 < len)
            {
              if (data[pos] == 0xff && data[pos + 1] != 0x00
                  && !(data[pos + 1] >= 0xd0 && data[pos + 1] <= 0xd7))
                break;
              pos++;
            }
          if (pos + 1 >= len)
            break;
        }
    }
  set_truncated_error (error, display_name, "JPEG");
  return FALSE;
}

/* Parses a binary PNM header and returns the offset of the raster, so that a file shorter
 * than its declared size is reported instead of being read as a page with a black bottom. */
static gboolean
check_pnm_size (const guint8  *data,
                gsize          len,
                const char    *display_name,
                GError       **error)
{
  char kind = (char) data[1];
  guint64 values[3] = { 0, 0, 0 };  /* width, height, maxval */
  guint n_values = (kind == '1' || kind == '4') ? 2 : 3;
  gsize pos = 2;
  guint64 row_bytes, expected;

  if (kind >= '1' && kind <= '3')
    return TRUE;  /* ASCII PNM: leptonica's parser finds missing values itself */

  for (guint i = 0; i < n_values; i++)
    {
      while (pos < len && (g_ascii_isspace (data[pos]) || data[pos] == '#'))
        {
          if (data[pos] == '#')
            while (pos < len && data[pos] != '\n')
              pos++;
          else
            pos++;
        }
      if (pos >= len || !g_ascii_isdigit (data[pos]))
        {
          set_truncated_error (error, display_name, "PNM");
          return FALSE;
        }
      while (pos < len && g_ascii_isdigit (data[pos]) && values[i] < G_MAXUINT32)
        values[i] = values[i] * 10 + (guint64) (data[pos++] - '0');
    }
  pos++;  /* the single whitespace byte before the raster */

  if (kind == '4')
    row_bytes = (values[0] + 7) / 8;
  else
    row_bytes = values[0] * (kind == '6' ? 3 : 1) * (values[2] > 255 ? 2 : 1);
  expected = row_bytes * values[1];
  if (values[0] == 0 || values[1] == 0 || pos > len || len - pos < expected)
    {
      set_truncated_error (error, display_name, "PNM");
      return FALSE;
    }
  return TRUE;
}

/* Brings any decoded image to what a PNM spool file holds: 1-bit, 8-bit gray or 8-bit RGB. */
static PIX *
normalize_pix (PIX *pix)
{
  g_autoptr(PIX) out = pixClone (pix);

  if (pixGetColormap (out) != NULL)
    {
      g_autoptr(PIX) tmp = pixRemoveColormap (out, REMOVE_CMAP_BASED_ON_SRC);
      pixDestroy (&out);
      out = g_steal_pointer (&tmp);
    }
  if (out == NULL)
    return NULL;
  if (pixGetDepth (out) == 16)
    {
      g_autoptr(PIX) tmp = pixConvert16To8 (out, L_MS_BYTE);
      pixDestroy (&out);
      out = g_steal_pointer (&tmp);
    }
  else if (pixGetDepth (out) == 2 || pixGetDepth (out) == 4)
    {
      g_autoptr(PIX) tmp = pixConvertTo8 (out, FALSE);
      pixDestroy (&out);
      out = g_steal_pointer (&tmp);
    }
  else if (pixGetDepth (out) == 24)
    {
      g_autoptr(PIX) tmp = pixConvert24To32 (out);
      pixDestroy (&out);
      out = g_steal_pointer (&tmp);
    }
  if (out != NULL && pixGetDepth (out) == 32)
    {
      if (pixGetSpp (out) == 4)
        {
          /* Transparent areas become paper white, as they would print. */
          g_autoptr(PIX) tmp = pixRemoveAlpha (out);
          pixDestroy (&out);
          out = g_steal_pointer (&tmp);
        }
      if (out != NULL)
        {
          g_autoptr(PIX) tmp = pixCopy (NULL, out);
          pixDestroy (&out);
          out = g_steal_pointer (&tmp);
          pixSetSpp (out, 3);
        }
    }
  if (out == NULL)
    return NULL;
  if (pixGetDepth (out) != 1 && pixGetDepth (out) != 8 && pixGetDepth (out) != 32)
    return NULL;
  return g_steal_pointer (&out);
}

static guint
pix_dpi (PIX *pix)
{
  l_int32 xres = pixGetXRes (pix);

  /* Some programs write 1 or 72 dpi as a placeholder; nothing scanned is below 50. */
  return xres >= 50 && xres <= 4800 ? (guint) xres : DEFAULT_DPI;
}

static char *
spool_path_for (ImportContext *ctx,
                const char    *ext)
{
  g_autofree char *name = g_strdup_printf ("%s-%04u.%s", ctx->file_prefix, ctx->next_index, ext);

  return g_build_filename (ctx->spool_dir, name, NULL);
}

static gboolean
hand_on (ImportContext  *ctx,
         const char     *path,
         guint           width,
         guint           height,
         guint           depth,
         guint           channels,
         guint           dpi,
         GError        **error)
{
  PdSpooledPage page = {
    .index = ctx->next_index,
    .path = path,
    .width = width,
    .height = height,
    .depth = depth,
    .channels = channels,
    .dpi = dpi,
  };

  ctx->next_index++;
  ctx->n_pages++;
  if (ctx->page_func != NULL)
    return ctx->page_func (&page, ctx->user_data, error);
  return TRUE;
}

static gboolean
spool_pix (ImportContext  *ctx,
           PIX            *pix,
           const char     *display_name,
           GError        **error)
{
  g_autoptr(PIX) norm = normalize_pix (pix);
  g_autofree char *path = NULL;
  l_uint8 *bytes = NULL;
  size_t n_bytes = 0;
  gboolean ok;
  guint depth;

  if (norm == NULL)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_UNSUPPORTED_FORMAT,
                   "“%s” uses a kind of pixel Paperdock cannot read (%d bits per pixel).",
                   display_name, pixGetDepth (pix));
      return FALSE;
    }
  depth = (guint) pixGetDepth (norm);
  path = spool_path_for (ctx, depth == 1 ? "pbm" : depth == 8 ? "pgm" : "ppm");
  if (pixWriteMemPnm (&bytes, &n_bytes, norm) != 0)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_FAILED,
                   "Could not convert a page of “%s” for processing.", display_name);
      return FALSE;
    }
  ok = pd_fs_write_durable (path, bytes, n_bytes, error);
  lept_free (bytes);
  if (!ok)
    return FALSE;
  return hand_on (ctx, path, (guint) pixGetWidth (norm), (guint) pixGetHeight (norm),
                  depth == 1 ? 1 : 8, depth == 32 ? 3 : 1, pix_dpi (pix), error);
}

static gboolean
import_jpeg (ImportContext  *ctx,
             const guint8   *data,
             gsize           len,
             const char     *display_name,
             GError        **error)
{
  g_autoptr(PIX) pix = NULL;
  g_autofree char *path = NULL;
  l_int32 w = 0, h = 0, spp = 0, ycck = 0, cmyk = 0;
  l_int32 nwarn = 0;

  if (!check_jpeg_structure (data, len, display_name, error))
    return FALSE;
  if (readHeaderMemJpeg (data, len, &w, &h, &spp, &ycck, &cmyk) != 0)
    {
      set_damaged_error (error, display_name, "JPEG");
      return FALSE;
    }
  pix = pixReadMemJpeg (data, len, 0, 1, &nwarn, 0);
  if (pix == NULL || nwarn > 0)
    {
      set_damaged_error (error, display_name, "JPEG");
      return FALSE;
    }

  /* A PDF embeds gray and RGB JPEG data as is; CMYK JPEGs are rare from scanners and are
   * converted like any other image instead. */
  if (spp == 4 || cmyk || ycck)
    return spool_pix (ctx, pix, display_name, error);

  path = spool_path_for (ctx, "jpg");
  if (!pd_fs_write_durable (path, data, len, error))
    return FALSE;
  return hand_on (ctx, path, (guint) w, (guint) h, 8, spp == 1 ? 1 : 3, pix_dpi (pix), error);
}

static gboolean
import_single (ImportContext  *ctx,
               Format          format,
               const guint8   *data,
               gsize           len,
               const char     *display_name,
               GError        **error)
{
  g_autoptr(PIX) pix = NULL;
  const char *format_name = format == FORMAT_PNG ? "PNG" : "PNM";

  if (format == FORMAT_PNG && !check_png_structure (data, len, display_name, error))
    return FALSE;
  if (format == FORMAT_PNM && !check_pnm_size (data, len, display_name, error))
    return FALSE;

  pix = format == FORMAT_PNG ? pixReadMemPng (data, len) : pixReadMemPnm (data, len);
  if (pix == NULL)
    {
      set_damaged_error (error, display_name, format_name);
      return FALSE;
    }
  return spool_pix (ctx, pix, display_name, error);
}

static gboolean
import_tiff (ImportContext  *ctx,
             const guint8   *data,
             gsize           len,
             const char     *display_name,
             GError        **error)
{
  FILE *fp;
  l_int32 n = 0;

  fp = fmemopen ((void *) data, len, "rb");
  if (fp == NULL || tiffGetCount (fp, &n) != 0 || n <= 0)
    {
      if (fp != NULL)
        fclose (fp);
      set_damaged_error (error, display_name, "TIFF");
      return FALSE;
    }
  fclose (fp);

  /* Decode every page once before writing any, so a damaged page 7 does not leave pages 1-6
   * in the spool; pages are decoded again one at a time to keep memory to a single page. */
  for (l_int32 i = 0; i < n; i++)
    {
      g_autoptr(PIX) pix = pixReadMemTiff (data, len, i);

      if (pix == NULL)
        {
          set_damaged_error (error, display_name, "TIFF");
          return FALSE;
        }
    }
  for (l_int32 i = 0; i < n; i++)
    {
      g_autoptr(PIX) pix = pixReadMemTiff (data, len, i);

      if (pix == NULL)
        {
          set_damaged_error (error, display_name, "TIFF");
          return FALSE;
        }
      if (!spool_pix (ctx, pix, display_name, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
surface_is_gray (cairo_surface_t *surface)
{
  const guint8 *pixels = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);

  for (int y = 0; y < height; y++)
    {
      const guint32 *row = (const guint32 *) (gconstpointer) (pixels + (gsize) y * (gsize) stride);

      for (int x = 0; x < width; x++)
        {
          guint32 p = row[x];
          guint8 r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;

          if (r != g || g != b)
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
spool_pdf_page (ImportContext  *ctx,
                PopplerPage    *page,
                GError        **error)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  double width_pt = 0, height_pt = 0;
  double dpi = PDF_RENDER_DPI;
  int width, height, stride;
  const guint8 *pixels;
  gboolean gray;
  g_autofree char *path = NULL;
  g_autoptr(PdDurableFile) file = NULL;
  g_autofree guint8 *row_out = NULL;

  poppler_page_get_size (page, &width_pt, &height_pt);
  width_pt = isnan (width_pt) ? 1.0 : CLAMP (width_pt, 1.0, 1e6);
  height_pt = isnan (height_pt) ? 1.0 : CLAMP (height_pt, 1.0, 1e6);
  if (width_pt * height_pt * (dpi / 72.0) * (dpi / 72.0) > PDF_RENDER_MAX_PIXELS)
    dpi = 72.0 * sqrt (PDF_RENDER_MAX_PIXELS / (width_pt * height_pt));
  width = MAX (1, (int) (width_pt * dpi / 72.0 + 0.5));
  height = MAX (1, (int) (height_pt * dpi / 72.0 + 0.5));

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (surface);
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_FAILED,
                   "Not enough memory to render a page of %d × %d pixels.", width, height);
      return FALSE;
    }
  cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_scale (cr, dpi / 72.0, dpi / 72.0);
  poppler_page_render_for_printing (page, cr);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  pixels = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  gray = surface_is_gray (surface);

  path = spool_path_for (ctx, gray ? "pgm" : "ppm");
  file = pd_durable_file_create (path, error);
  if (file == NULL
      || !pd_durable_file_printf (file, error, "P%c\n%d %d\n255\n", gray ? '5' : '6',
                                  width, height))
    {
      cairo_surface_destroy (surface);
      return FALSE;
    }
  row_out = g_malloc ((gsize) width * 3);
  for (int y = 0; y < height; y++)
    {
      const guint32 *row = (const guint32 *) (gconstpointer) (pixels + (gsize) y * (gsize) stride);
      gsize n = 0;

      for (int x = 0; x < width; x++)
        {
          guint32 p = row[x];

          if (gray)
            row_out[n++] = p & 0xff;
          else
            {
              row_out[n++] = (p >> 16) & 0xff;
              row_out[n++] = (p >> 8) & 0xff;
              row_out[n++] = p & 0xff;
            }
        }
      if (!pd_durable_file_write (file, row_out, n, error))
        {
          cairo_surface_destroy (surface);
          return FALSE;
        }
    }
  cairo_surface_destroy (surface);
  if (!pd_durable_file_commit (g_steal_pointer (&file), error))
    return FALSE;
  return hand_on (ctx, path, (guint) width, (guint) height, 8, gray ? 1 : 3,
                  MAX (1, (guint) (dpi + 0.5)), error);
}

static gboolean
contains_bytes (const guint8 *haystack,
                gsize         len,
                const char   *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= len; i++)
    if (memcmp (haystack + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
import_pdf (ImportContext  *ctx,
            GBytes         *bytes,
            const char     *display_name,
            GError        **error)
{
  /* poppler-glib 22.12 defines no g_autoptr cleanups for its types. */
  g_autoptr(GObject) doc = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  gsize tail = MIN (len, 2048);
  int n;

  /* poppler silently rebuilds a cut-off file from what is left; the end marker tells. */
  if (!contains_bytes (data + len - tail, tail, "%%EOF"))
    {
      set_truncated_error (error, display_name, "PDF");
      return FALSE;
    }

  doc = (GObject *) poppler_document_new_from_bytes (bytes, NULL, &local_error);
  if (doc == NULL)
    {
      if (g_error_matches (local_error, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED))
        g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_UNSUPPORTED_FORMAT,
                     "“%s” is protected with a password. Remove the password in the program "
                     "that made it, then import it again.", display_name);
      else
        set_damaged_error (error, display_name, "PDF");
      return FALSE;
    }
  n = poppler_document_get_n_pages (POPPLER_DOCUMENT (doc));
  if (n <= 0)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_EMPTY_FILE,
                   "“%s” is a PDF without any pages.", display_name);
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    {
      g_autoptr(GObject) page = (GObject *) poppler_document_get_page (POPPLER_DOCUMENT (doc), i);

      if (page == NULL)
        {
          set_damaged_error (error, display_name, "PDF");
          return FALSE;
        }
    }
  for (int i = 0; i < n; i++)
    {
      g_autoptr(GObject) page = (GObject *) poppler_document_get_page (POPPLER_DOCUMENT (doc), i);

      if (!spool_pdf_page (ctx, POPPLER_PAGE (page), error))
        return FALSE;
    }
  return TRUE;
}

gboolean
pd_import_file (const char         *path,
                const char         *spool_dir,
                const char         *file_prefix,
                guint               first_index,
                PdSpooledPageFunc   page_func,
                gpointer            user_data,
                guint              *n_pages,
                GError            **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *display_name = NULL;
  ImportContext ctx = { 0 };
  const guint8 *data;
  const char *other_name = NULL;
  GStatBuf st;
  gsize len;
  gboolean ok = FALSE;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (spool_dir != NULL, FALSE);
  g_return_val_if_fail (file_prefix != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  _pd_process_init_leptonica ();

  if (n_pages != NULL)
    *n_pages = 0;
  display_name = g_filename_display_basename (path);

  if (g_stat (path, &st) != 0)
    {
      pd_fs_set_error_from_errno (error, errno, "read", path);
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_NOT_AN_IMAGE,
                   "“%s” is not a file. Choose an image or PDF file to import.", display_name);
      return FALSE;
    }
  if (st.st_size == 0)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_EMPTY_FILE,
                   "“%s” is empty (0 bytes). It was probably not saved or copied completely.",
                   display_name);
      return FALSE;
    }

  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_FAILED,
                   "Could not read “%s”: %s", display_name, local_error->message);
      return FALSE;
    }
  bytes = g_mapped_file_get_bytes (mapped);
  data = g_bytes_get_data (bytes, &len);

  if (!pd_fs_ensure_private_dir (spool_dir, error))
    return FALSE;

  ctx.spool_dir = spool_dir;
  ctx.file_prefix = file_prefix;
  ctx.next_index = first_index;
  ctx.page_func = page_func;
  ctx.user_data = user_data;

  switch (sniff_format (data, len, &other_name))
    {
    case FORMAT_PNG:
      ok = import_single (&ctx, FORMAT_PNG, data, len, display_name, error);
      break;
    case FORMAT_PNM:
      ok = import_single (&ctx, FORMAT_PNM, data, len, display_name, error);
      break;
    case FORMAT_JPEG:
      ok = import_jpeg (&ctx, data, len, display_name, error);
      break;
    case FORMAT_TIFF:
      ok = import_tiff (&ctx, data, len, display_name, error);
      break;
    case FORMAT_PDF:
      ok = import_pdf (&ctx, bytes, display_name, error);
      break;
    case FORMAT_OTHER_IMAGE:
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_UNSUPPORTED_FORMAT,
                   "“%s” is a %s image, which Paperdock cannot import. Save it as PNG, JPEG, "
                   "TIFF or PDF and import that file.", display_name, other_name);
      break;
    case FORMAT_UNKNOWN:
    default:
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_NOT_AN_IMAGE,
                   "“%s” is not an image or a PDF, whatever its name says. Paperdock imports "
                   "PNG, JPEG, TIFF, PNM and PDF files.", display_name);
      break;
    }

  if (n_pages != NULL)
    *n_pages = ctx.n_pages;
  return ok;
}
