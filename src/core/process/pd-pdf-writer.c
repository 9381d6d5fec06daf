/* pd-pdf-writer.c: a small PDF 1.5 writer for scanned pages. cairo cannot draw invisible text
 * (it drops alpha-0 text before the PDF backend sees it), and merging tesseract's own text
 * layer needs a second library, so the few objects a searchable scan needs are written here:
 * per page one image XObject holding the JPEG or G4 bytes unchanged, one content stream that
 * paints it and then lays the words over it in text render mode 3 (invisible), and the page.
 * Objects are streamed through a PdDurableFile as they are made; the xref table comes last.
 *
 * Font: a glyphless TrueType font made here (two empty glyphs, 500 units wide), embedded as a
 * CID font with Identity-H: each character is shown as its UTF-16 code, every code maps to the
 * one blank glyph, and a ToUnicode CMap maps each code back to itself. Text extraction then
 * works for every script in the Basic Multilingual Plane, equal widths make the horizontal
 * scale (Tz) that stretches a word over its box a simple division, and the font is embedded,
 * which PDF/A requires. The font descriptor gives Helvetica's ascent and descent so that the
 * selection boxes readers draw match the words on the image.
 *
 * PDF/A-2b (meta->pdfa) adds what an archive validator asks for on top of that: an XMP
 * metadata stream saying so and repeating the Info dictionary, and an sRGB output intent with
 * an ICC profile generated here (a v2 matrix/TRC profile of IEC 61966-2-1: no file to find at
 * run time, in Flatpak or elsewhere). The pages have no transparency, and the file is never
 * encrypted here; pd-pdf-finish.c refuses to encrypt a PDF/A file. */
#define G_LOG_DOMAIN "pd-process"

#include "pd-pdf-writer.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "pd-fs.h"
#include "pd-process-error.h"
#include "pd-process-private.h"
#include "pd-vault.h"
#include "pd-word.h"

#define OBJ_CATALOG 1
#define OBJ_PAGES 2
#define OBJ_FONT 3
#define OBJ_INFO 4
#define OBJ_CID_FONT 5
#define OBJ_FONT_DESCRIPTOR 6
#define OBJ_FONT_FILE 7
#define OBJ_CID_TO_GID 8
#define OBJ_TO_UNICODE 9
#define OBJ_FIRST_PAGE 10
#define OBJS_PER_PAGE 3
/* After the pages, for PDF/A only: the XMP metadata and the ICC profile. */
#define OBJS_PDFA 2

/* Helvetica's ascender and descender as readers use them for selection boxes; the font size
 * is chosen so that the ascender reaches the top of the line's tallest word. */
#define FONT_ASCENT 0.718
#define FONT_DESCENT 0.207
#define GLYPH_WIDTH 0.5
#define FONT_NAME "PaperdockGlyphless"

#define XMP_PACKET_ID "W5M0MpCehiHzreSzNTczkc9d"
#define ICC_DESCRIPTION "sRGB IEC61966-2.1"

typedef struct {
  PdDurableFile  *file;
  guint64        *offsets;  /* by object number */
  guint           n_objects;
} PdfOut;

static const char *
fmt (char   *buf,
     double  value)
{
  /* %g would write exponents, and printf follows the locale's decimal comma. */
  return g_ascii_formatd (buf, G_ASCII_DTOSTR_BUF_SIZE, "%.3f", value);
}

static gboolean
begin_object (PdfOut   *out,
              guint     number,
              GError  **error)
{
  g_assert (number < out->n_objects);
  out->offsets[number] = pd_durable_file_tell (out->file);
  return pd_durable_file_printf (out->file, error, "%u 0 obj\n", number);
}

static gboolean
end_object (PdfOut   *out,
            GError  **error)
{
  return pd_durable_file_printf (out->file, error, "endobj\n");
}

static gboolean
write_stream (PdfOut        *out,
              const guint8  *data,
              gsize          len,
              GError       **error)
{
  return pd_durable_file_printf (out->file, error, "stream\n")
         && pd_durable_file_write (out->file, data, len, error)
         && pd_durable_file_printf (out->file, error, "\nendstream\n");
}

/* zlib data for /FlateDecode. GIO's compressor only fails on a full output buffer, which the
 * loop drains. */
static GBytes *
deflate_bytes (const void *data,
               gsize       len)
{
  g_autoptr(GZlibCompressor) zlib = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 6);
  g_autoptr(GByteArray) out = g_byte_array_sized_new (len / 4 + 64);
  const guint8 *in = data;
  guint8 buffer[16384];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gsize n_read = 0, n_written = 0;
      GConverterResult result;

      result = g_converter_convert (G_CONVERTER (zlib), in, len, buffer, sizeof buffer,
                                    G_CONVERTER_INPUT_AT_END, &n_read, &n_written, &error);
      if (result == G_CONVERTER_ERROR)
        g_error ("zlib compression failed: %s", error->message);
      g_byte_array_append (out, buffer, (guint) n_written);
      in += n_read;
      len -= n_read;
      if (result == G_CONVERTER_FINISHED)
        break;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* An object holding one compressed stream; @extra goes into its dictionary. */
static gboolean
write_deflated_object (PdfOut        *out,
                       guint          number,
                       const char    *extra,
                       const void    *data,
                       gsize          len,
                       GError       **error)
{
  g_autoptr(GBytes) packed = deflate_bytes (data, len);
  gsize packed_len = 0;
  const guint8 *packed_data = g_bytes_get_data (packed, &packed_len);

  return begin_object (out, number, error)
         && pd_durable_file_printf (out->file, error,
                                    "<< %s/Filter /FlateDecode /Length %" G_GSIZE_FORMAT " >>\n",
                                    extra, packed_len)
         && write_stream (out, packed_data, packed_len, error)
         && end_object (out, error);
}

/* Big-endian fields for the font and ICC builders. */
static void
put16 (GByteArray *b,
       guint16     v)
{
  guint8 d[2] = { v >> 8, v & 0xff };

  g_byte_array_append (b, d, 2);
}

static void
put32 (GByteArray *b,
       guint32     v)
{
  guint8 d[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };

  g_byte_array_append (b, d, 4);
}

static void
put_tag (GByteArray *b,
         const char *tag)
{
  g_assert (strlen (tag) == 4);
  g_byte_array_append (b, (const guint8 *) tag, 4);
}

static void
set32 (GByteArray *b,
       guint       at,
       guint32     v)
{
  b->data[at] = v >> 24;
  b->data[at + 1] = (v >> 16) & 0xff;
  b->data[at + 2] = (v >> 8) & 0xff;
  b->data[at + 3] = v & 0xff;
}

static void
pad4 (GByteArray *b)
{
  while (b->len % 4 != 0)
    g_byte_array_append (b, (const guint8 *) "", 1);
}

static guint32
sfnt_checksum (const guint8 *data,
               gsize         len)
{
  guint32 sum = 0;

  for (gsize i = 0; i < len; i += 4)
    {
      guint32 word = 0;

      for (gsize k = 0; k < 4; k++)
        word = (word << 8) | (i + k < len ? data[i + k] : 0);
      sum += word;
    }
  return sum;
}

/* The glyphless TrueType font: .notdef and one blank glyph, both 500 of 1000 units wide, no
 * outlines. Only the tables a PDF reader needs for an embedded CID TrueType font (no cmap:
 * the CIDToGIDMap does its job). */
static GByteArray *
glyphless_font_new (void)
{
  g_autoptr(GByteArray) head = g_byte_array_new ();
  g_autoptr(GByteArray) hhea = g_byte_array_new ();
  g_autoptr(GByteArray) maxp = g_byte_array_new ();
  g_autoptr(GByteArray) hmtx = g_byte_array_new ();
  g_autoptr(GByteArray) loca = g_byte_array_new ();
  g_autoptr(GByteArray) glyf = g_byte_array_new ();
  g_autoptr(GByteArray) post = g_byte_array_new ();
  const gint16 ascent = (gint16) (FONT_ASCENT * 1000), descent = (gint16) (FONT_DESCENT * 1000);
  const guint16 advance = (guint16) (GLYPH_WIDTH * 1000);
  /* Sorted by tag, as the table directory must be. */
  const struct { const char *tag; GByteArray *data; } tables[] = {
    { "glyf", glyf }, { "head", head }, { "hhea", hhea }, { "hmtx", hmtx },
    { "loca", loca }, { "maxp", maxp }, { "post", post },
  };
  const guint n_tables = G_N_ELEMENTS (tables);
  GByteArray *font = g_byte_array_new ();
  guint pow2 = 1, log2 = 0, offset, head_offset = 0;

  put32 (head, 0x00010000);         /* version */
  put32 (head, 0x00010000);         /* fontRevision */
  put32 (head, 0);                  /* checkSumAdjustment, set below */
  put32 (head, 0x5f0f3cf5);         /* magicNumber */
  put16 (head, 0x0003);             /* flags: baseline at y 0, left sidebearing at x 0 */
  put16 (head, 1000);               /* unitsPerEm */
  for (guint i = 0; i < 4; i++)
    put32 (head, 0);                /* created, modified */
  put16 (head, 0);                  /* xMin */
  put16 (head, (guint16) -descent); /* yMin */
  put16 (head, advance);            /* xMax */
  put16 (head, (guint16) ascent);   /* yMax */
  put16 (head, 0);                  /* macStyle */
  put16 (head, 8);                  /* lowestRecPPEM */
  put16 (head, 2);                  /* fontDirectionHint */
  put16 (head, 0);                  /* indexToLocFormat: short offsets */
  put16 (head, 0);                  /* glyphDataFormat */

  put32 (hhea, 0x00010000);
  put16 (hhea, (guint16) ascent);
  put16 (hhea, (guint16) -descent);
  put16 (hhea, 0);                  /* lineGap */
  put16 (hhea, advance);            /* advanceWidthMax */
  put16 (hhea, 0);                  /* minLeftSideBearing */
  put16 (hhea, 0);                  /* minRightSideBearing */
  put16 (hhea, 0);                  /* xMaxExtent */
  put16 (hhea, 1);                  /* caretSlopeRise */
  put16 (hhea, 0);                  /* caretSlopeRun */
  put16 (hhea, 0);                  /* caretOffset */
  for (guint i = 0; i < 4; i++)
    put16 (hhea, 0);                /* reserved */
  put16 (hhea, 0);                  /* metricDataFormat */
  put16 (hhea, 2);                  /* numberOfHMetrics */

  put32 (maxp, 0x00010000);
  put16 (maxp, 2);                  /* numGlyphs */
  for (guint i = 0; i < 13; i++)
    put16 (maxp, i == 4 ? 2 : 0);   /* maxZones is 2, every other maximum 0 */

  for (guint i = 0; i < 2; i++)
    {
      put16 (hmtx, advance);
      put16 (hmtx, 0);
    }
  for (guint i = 0; i < 3; i++)
    put16 (loca, 0);                /* both glyphs empty */

  put32 (post, 0x00030000);         /* format 3: no glyph names */
  put32 (post, 0);                  /* italicAngle */
  put16 (post, (guint16) -100);     /* underlinePosition */
  put16 (post, 50);                 /* underlineThickness */
  put32 (post, 1);                  /* isFixedPitch */
  for (guint i = 0; i < 4; i++)
    put32 (post, 0);

  while (pow2 * 2 <= n_tables)
    {
      pow2 *= 2;
      log2++;
    }
  put32 (font, 0x00010000);
  put16 (font, n_tables);
  put16 (font, pow2 * 16);
  put16 (font, log2);
  put16 (font, n_tables * 16 - pow2 * 16);
  offset = 12 + 16 * n_tables;
  for (guint i = 0; i < n_tables; i++)
    {
      put_tag (font, tables[i].tag);
      put32 (font, sfnt_checksum (tables[i].data->data, tables[i].data->len));
      put32 (font, offset);
      put32 (font, tables[i].data->len);
      if (tables[i].data == head)
        head_offset = offset;
      offset += (tables[i].data->len + 3) & ~3u;
    }
  for (guint i = 0; i < n_tables; i++)
    {
      g_byte_array_append (font, tables[i].data->data, tables[i].data->len);
      pad4 (font);
    }
  set32 (font, head_offset + 8, 0xb1b0afba - sfnt_checksum (font->data, font->len));
  return font;
}

static void
put_s15_fixed16 (GByteArray *b,
                 double      v)
{
  put32 (b, (guint32) (gint32) lround (v * 65536.0));
}

static void
put_icc_xyz (GByteArray *b,
             double      x,
             double      y,
             double      z)
{
  put_tag (b, "XYZ ");
  put32 (b, 0);
  put_s15_fixed16 (b, x);
  put_s15_fixed16 (b, y);
  put_s15_fixed16 (b, z);
}

/* An ICC v2.1 display profile of sRGB: the IEC 61966-2-1 primaries adapted to the D50 PCS
 * (Bradford), and the sRGB tone curve sampled at 1024 points. */
static GByteArray *
srgb_icc_profile_new (void)
{
  static const char description[] = ICC_DESCRIPTION;
  static const char copyright[] = "No copyright, use freely";
  enum { DESC, CPRT, WTPT, RXYZ, GXYZ, BXYZ, TRC, N_DATA };
  static const struct { const char *tag; guint data; } tags[] = {
    { "desc", DESC }, { "cprt", CPRT }, { "wtpt", WTPT }, { "rXYZ", RXYZ }, { "gXYZ", GXYZ },
    { "bXYZ", BXYZ }, { "rTRC", TRC }, { "gTRC", TRC }, { "bTRC", TRC },
  };
  GByteArray *data[N_DATA];
  guint data_offset[N_DATA];
  GByteArray *icc = g_byte_array_new ();
  guint offset;

  for (guint i = 0; i < N_DATA; i++)
    data[i] = g_byte_array_new ();

  put_tag (data[DESC], "desc");
  put32 (data[DESC], 0);
  put32 (data[DESC], sizeof description);
  g_byte_array_append (data[DESC], (const guint8 *) description, sizeof description);
  put32 (data[DESC], 0);            /* Unicode language code */
  put32 (data[DESC], 0);            /* Unicode count */
  put16 (data[DESC], 0);            /* ScriptCode code */
  g_byte_array_append (data[DESC], (const guint8 *) "", 1);  /* ScriptCode count */
  for (guint i = 0; i < 67; i++)
    g_byte_array_append (data[DESC], (const guint8 *) "", 1);

  put_tag (data[CPRT], "text");
  put32 (data[CPRT], 0);
  g_byte_array_append (data[CPRT], (const guint8 *) copyright, sizeof copyright);

  put_icc_xyz (data[WTPT], 0.9642, 1.0, 0.8249);
  put_icc_xyz (data[RXYZ], 0.4360747, 0.2225045, 0.0139322);
  put_icc_xyz (data[GXYZ], 0.3850649, 0.7168786, 0.0971045);
  put_icc_xyz (data[BXYZ], 0.1430804, 0.0606169, 0.7141733);

  put_tag (data[TRC], "curv");
  put32 (data[TRC], 0);
  put32 (data[TRC], 1024);
  for (guint i = 0; i < 1024; i++)
    {
      double v = i / 1023.0;
      double linear = v <= 0.04045 ? v / 12.92 : pow ((v + 0.055) / 1.055, 2.4);

      put16 (data[TRC], (guint16) lround (linear * 65535.0));
    }

  /* The header; the size is set at the end. */
  put32 (icc, 0);                   /* profile size */
  put32 (icc, 0);                   /* preferred CMM */
  put32 (icc, 0x02100000);          /* version 2.1 */
  put_tag (icc, "mntr");
  put_tag (icc, "RGB ");
  put_tag (icc, "XYZ ");
  put16 (icc, 2024);                /* creation date: fixed, so the profile never changes */
  put16 (icc, 1);
  put16 (icc, 1);
  put16 (icc, 0);
  put16 (icc, 0);
  put16 (icc, 0);
  put_tag (icc, "acsp");
  for (guint i = 0; i < 7; i++)
    put32 (icc, 0);                 /* platform, flags, manufacturer, model, attributes, intent */
  put_s15_fixed16 (icc, 0.9642);    /* PCS illuminant D50 */
  put_s15_fixed16 (icc, 1.0);
  put_s15_fixed16 (icc, 0.8249);
  while (icc->len < 128)
    g_byte_array_append (icc, (const guint8 *) "", 1);

  offset = 128 + 4 + 12 * G_N_ELEMENTS (tags);
  for (guint i = 0; i < N_DATA; i++)
    {
      data_offset[i] = offset;
      offset += (data[i]->len + 3) & ~3u;
    }
  put32 (icc, G_N_ELEMENTS (tags));
  for (guint i = 0; i < G_N_ELEMENTS (tags); i++)
    {
      put_tag (icc, tags[i].tag);
      put32 (icc, data_offset[tags[i].data]);
      put32 (icc, data[tags[i].data]->len);
    }
  for (guint i = 0; i < N_DATA; i++)
    {
      g_byte_array_append (icc, data[i]->data, data[i]->len);
      pad4 (icc);
      g_byte_array_unref (data[i]);
    }
  set32 (icc, 0, icc->len);
  return icc;
}

/* The codes a word is shown with: the UTF-16 units of its NFKC form (ligatures and full-width
 * forms become the letters a search types), one glyphless CID each. Characters outside the
 * Basic Multilingual Plane and control characters become '?'. */
static GArray *
word_codes (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  g_autofree char *normal = g_utf8_normalize (valid, -1, G_NORMALIZE_NFKC);
  GArray *codes = g_array_new (FALSE, FALSE, sizeof (guint16));

  for (const char *p = normal; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      guint16 code = c < 0x20 || (c >= 0x7f && c < 0xa0) || c > 0xffff ? '?' : (guint16) c;

      g_array_append_val (codes, code);
    }
  return codes;
}

/* A PDF text string: literal when plain ASCII, otherwise UTF-16BE with a byte order mark. */
static char *
pdf_text_string (const char *utf8)
{
  gboolean ascii = TRUE;
  GString *out;

  for (const char *p = utf8; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || (guchar) *p > 0x7e)
      ascii = FALSE;

  if (ascii)
    {
      out = g_string_new ("(");
      for (const char *p = utf8; *p != '\0'; p++)
        {
          if (*p == '(' || *p == ')' || *p == '\\')
            g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, ')');
    }
  else
    {
      g_autofree gunichar2 *utf16 = NULL;
      glong n = 0;

      utf16 = g_utf8_to_utf16 (utf8, -1, NULL, &n, NULL);
      out = g_string_new ("<FEFF");
      for (glong i = 0; utf16 != NULL && i < n; i++)
        g_string_append_printf (out, "%04X", utf16[i]);
      g_string_append_c (out, '>');
    }
  return g_string_free (out, FALSE);
}

static char *
pdf_date (GDateTime *dt)
{
  g_autofree char *base = g_date_time_format (dt, "%Y%m%d%H%M%S");
  GTimeSpan offset = g_date_time_get_utc_offset (dt);
  gint64 minutes = ABS (offset) / G_TIME_SPAN_MINUTE;

  if (offset == 0)
    return g_strdup_printf ("D:%sZ", base);
  return g_strdup_printf ("D:%s%c%02d'%02d'", base, offset < 0 ? '-' : '+',
                          (int) (minutes / 60), (int) (minutes % 60));
}

/* The same instant as pdf_date(), in the form XMP uses; PDF/A wants both to agree. */
static char *
xmp_date (GDateTime *dt)
{
  return g_date_time_format (dt, g_date_time_get_utc_offset (dt) == 0 ? "%Y-%m-%dT%H:%M:%SZ"
                                                                      : "%Y-%m-%dT%H:%M:%S%:z");
}

static void
append_text_layer (GString         *content,
                   const PdPdfPage *page)
{
  const double scale = 72.0 / page->dpi;
  const double page_height = page->height * scale;
  char b1[G_ASCII_DTOSTR_BUF_SIZE], b2[G_ASCII_DTOSTR_BUF_SIZE], b3[G_ASCII_DTOSTR_BUF_SIZE];
  guint i = 0;

  if (page->words == NULL)
    return;

  while (i < page->words->len)
    {
      const PdWord *first = &g_array_index (page->words, PdWord, i);
      guint end = i;
      gint ascent_px = 1;
      double font_size;

      /* One BT block per text line, one font size per line: the line's tallest word. */
      while (end < page->words->len && g_array_index (page->words, PdWord, end).line == first->line)
        {
          const PdWord *w = &g_array_index (page->words, PdWord, end);

          ascent_px = MAX (ascent_px, w->baseline - w->y0);
          end++;
        }
      font_size = MAX (1.0, ascent_px * scale / FONT_ASCENT);

      g_string_append_printf (content, "BT\n3 Tr\n/F1 %s Tf\n", fmt (b1, font_size));
      for (guint j = i; j < end; j++)
        {
          const PdWord *w = &g_array_index (page->words, PdWord, j);
          g_autoptr(GArray) codes = word_codes (w->text != NULL ? w->text : "");
          double width = MAX (1, w->x1 - w->x0) * scale;
          double natural;

          if (codes->len == 0)
            continue;
          natural = codes->len * GLYPH_WIDTH * font_size;
          g_string_append_printf (content, "%s Tz 1 0 0 1 %s %s Tm <",
                                  fmt (b1, 100.0 * width / natural),
                                  fmt (b2, w->x0 * scale),
                                  fmt (b3, page_height - w->baseline * scale));
          for (guint k = 0; k < codes->len; k++)
            g_string_append_printf (content, "%04X", g_array_index (codes, guint16, k));
          /* A space after every word but the line's last, so extraction sees word breaks. */
          g_string_append (content, j + 1 < end ? "0020> Tj\n" : "> Tj\n");
        }
      g_string_append (content, "ET\n");
      i = end;
    }
}

static gboolean
write_page (PdfOut           *out,
            const PdPdfPage  *page,
            guint             index,
            GError          **error)
{
  guint obj_image = OBJ_FIRST_PAGE + index * OBJS_PER_PAGE;
  guint obj_content = obj_image + 1;
  guint obj_page = obj_image + 2;
  g_autofree guint8 *data = NULL;
  g_autofree char *display_name = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GString) content = g_string_new (NULL);
  char bw[G_ASCII_DTOSTR_BUF_SIZE], bh[G_ASCII_DTOSTR_BUF_SIZE];
  double width_pt, height_pt;
  gsize len = 0;
  guint channels = page->channels;

  display_name = g_filename_display_basename (page->image_path);
  if (page->dpi == 0 || page->width == 0 || page->height == 0)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_PDF_FAILED,
                   "Page %u (“%s”) has no size or resolution; it cannot be placed in a PDF.",
                   index + 1, display_name);
      return FALSE;
    }
  if (!pd_vault_get_contents (page->image_path, (char **) &data, &len, &local_error))
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_PDF_FAILED,
                   "The image of page %u could not be read: %s", index + 1, local_error->message);
      return FALSE;
    }

  if (page->encoding == PD_IMAGE_ENCODING_JPEG)
    {
      l_int32 w = 0, h = 0, spp = 0, ycck = 0, cmyk = 0;

      /* A wrong size or colour space would make a PDF that opens blank in some viewers. */
      if (readHeaderMemJpeg (data, len, &w, &h, &spp, &ycck, &cmyk) != 0
          || (guint) w != page->width || (guint) h != page->height || (spp != 1 && spp != 3))
        {
          g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_PDF_FAILED,
                       "The image of page %u (“%s”) is not the JPEG it should be.", index + 1,
                       display_name);
          return FALSE;
        }
      channels = (guint) spp;
    }

  width_pt = page->width * 72.0 / page->dpi;
  height_pt = page->height * 72.0 / page->dpi;

  /* The image XObject, bytes unchanged. */
  if (!begin_object (out, obj_image, error))
    return FALSE;
  if (page->encoding == PD_IMAGE_ENCODING_JPEG)
    {
      if (!pd_durable_file_printf (out->file, error,
                                   "<< /Type /XObject /Subtype /Image /Width %u /Height %u "
                                   "/ColorSpace /%s /BitsPerComponent 8 /Filter /DCTDecode "
                                   "/Length %" G_GSIZE_FORMAT " >>\n",
                                   page->width, page->height,
                                   channels == 1 ? "DeviceGray" : "DeviceRGB", len))
        return FALSE;
    }
  else
    {
      /* Leptonica's G4 data codes black as 1 in TIFF's min-is-white sense, which is the PDF
       * filter's default (BlackIs1 false: decoded 0 bits are black in DeviceGray). */
      if (!pd_durable_file_printf (out->file, error,
                                   "<< /Type /XObject /Subtype /Image /Width %u /Height %u "
                                   "/ColorSpace /DeviceGray /BitsPerComponent 1 "
                                   "/Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns %u "
                                   "/Rows %u /BlackIs1 false >> /Length %" G_GSIZE_FORMAT " >>\n",
                                   page->width, page->height, page->width, page->height, len))
        return FALSE;
    }
  if (!write_stream (out, data, len, error) || !end_object (out, error))
    return FALSE;
  g_clear_pointer (&data, g_free);

  /* The content: the image over the whole page, then the invisible words. */
  g_string_append_printf (content, "q %s 0 0 %s 0 0 cm /Im1 Do Q\n", fmt (bw, width_pt),
                          fmt (bh, height_pt));
  append_text_layer (content, page);
  if (!write_deflated_object (out, obj_content, "", content->str, content->len, error))
    return FALSE;

  return begin_object (out, obj_page, error)
         && pd_durable_file_printf (out->file, error,
                                    "<< /Type /Page /Parent %u 0 R /MediaBox [0 0 %s %s] "
                                    "/Resources << /XObject << /Im1 %u 0 R >> "
                                    "/Font << /F1 %u 0 R >> "
                                    "/ProcSet [/PDF /Text /ImageB /ImageC] >> "
                                    "/Contents %u 0 R >>\n",
                                    OBJ_PAGES, bw, bh, obj_image, OBJ_FONT, obj_content)
         && end_object (out, error);
}

static gboolean
write_font (PdfOut   *out,
            GError  **error)
{
  g_autoptr(GByteArray) program = glyphless_font_new ();
  g_autoptr(GString) to_unicode = g_string_new (NULL);
  g_autofree guint8 *cid_to_gid = g_malloc (2 * 65536);
  g_autofree char *length1 = NULL;

  /* Every code shows glyph 1: never .notdef, which PDF/A forbids showing. */
  for (guint i = 0; i < 65536; i++)
    {
      cid_to_gid[2 * i] = 0;
      cid_to_gid[2 * i + 1] = 1;
    }

  /* Each code stands for itself. The strict reading of the CMap rules wants one range per
   * high byte, but Ghostscript (10.0) then extracts nothing above U+00FF; the single range
   * tesseract's and OCRmyPDF's glyphless fonts have always used is read right by poppler,
   * Ghostscript, pdf.js and Acrobat. */
  g_string_append (to_unicode,
                   "/CIDInit /ProcSet findresource begin\n"
                   "12 dict begin\n"
                   "begincmap\n"
                   "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                   "/CMapName /Adobe-Identity-UCS def\n"
                   "/CMapType 2 def\n"
                   "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
                   "1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange\n"
                   "endcmap\n"
                   "CMapName currentdict /CMap defineresource pop\n"
                   "end\n"
                   "end\n");

  length1 = g_strdup_printf ("/Length1 %u ", program->len);

  return begin_object (out, OBJ_FONT, error)
         && pd_durable_file_printf (out->file, error,
                                    "<< /Type /Font /Subtype /Type0 /BaseFont /" FONT_NAME " "
                                    "/Encoding /Identity-H /DescendantFonts [%u 0 R] "
                                    "/ToUnicode %u 0 R >>\n", OBJ_CID_FONT, OBJ_TO_UNICODE)
         && end_object (out, error)
         && begin_object (out, OBJ_CID_FONT, error)
         && pd_durable_file_printf (out->file, error,
                                    "<< /Type /Font /Subtype /CIDFontType2 "
                                    "/BaseFont /" FONT_NAME " /CIDSystemInfo << /Registry (Adobe) "
                                    "/Ordering (Identity) /Supplement 0 >> "
                                    "/FontDescriptor %u 0 R /DW %d /CIDToGIDMap %u 0 R >>\n",
                                    OBJ_FONT_DESCRIPTOR, (int) (GLYPH_WIDTH * 1000),
                                    OBJ_CID_TO_GID)
         && end_object (out, error)
         && begin_object (out, OBJ_FONT_DESCRIPTOR, error)
         && pd_durable_file_printf (out->file, error,
                                    "<< /Type /FontDescriptor /FontName /" FONT_NAME " /Flags 4 "
                                    "/FontBBox [0 %d %d %d] /ItalicAngle 0 /Ascent %d "
                                    "/Descent %d /CapHeight %d /StemV 80 /FontFile2 %u 0 R >>\n",
                                    (int) (-FONT_DESCENT * 1000), (int) (GLYPH_WIDTH * 1000),
                                    (int) (FONT_ASCENT * 1000), (int) (FONT_ASCENT * 1000),
                                    (int) (-FONT_DESCENT * 1000), (int) (FONT_ASCENT * 1000),
                                    OBJ_FONT_FILE)
         && end_object (out, error)
         && write_deflated_object (out, OBJ_FONT_FILE, length1, program->data, program->len,
                                   error)
         && write_deflated_object (out, OBJ_CID_TO_GID, "", cid_to_gid, 2 * 65536, error)
         && write_deflated_object (out, OBJ_TO_UNICODE, "", to_unicode->str, to_unicode->len,
                                   error);
}

/* The Info entries, each with the XMP property PDF/A says must repeat it. */
typedef struct {
  const char *key;
  const char *value;
  const char *xmp_element;
  enum { XMP_SIMPLE, XMP_ALT, XMP_SEQ } xmp_kind;
} InfoEntry;

static guint
info_entries (const PdPdfMetadata *meta,
              InfoEntry            entries[6])
{
  const InfoEntry all[] = {
    { "Title", meta != NULL ? meta->title : NULL, "dc:title", XMP_ALT },
    { "Author", meta != NULL ? meta->author : NULL, "dc:creator", XMP_SEQ },
    { "Subject", meta != NULL ? meta->subject : NULL, "dc:description", XMP_ALT },
    { "Keywords", meta != NULL ? meta->keywords : NULL, "pdf:Keywords", XMP_SIMPLE },
    { "Creator", meta != NULL ? meta->creator : NULL, "xmp:CreatorTool", XMP_SIMPLE },
    { "Producer", meta != NULL && meta->producer != NULL ? meta->producer : "Paperdock",
      "pdf:Producer", XMP_SIMPLE },
  };
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (all[i].value != NULL && g_utf8_validate (all[i].value, -1, NULL))
      entries[n++] = all[i];
  return n;
}

static gboolean
write_info (PdfOut               *out,
            const PdPdfMetadata  *meta,
            const char           *date,
            GError              **error)
{
  InfoEntry entries[6];
  guint n = info_entries (meta, entries);
  g_autoptr(GString) dict = g_string_new ("<<");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *str = pdf_text_string (entries[i].value);

      g_string_append_printf (dict, " /%s %s", entries[i].key, str);
    }
  g_string_append_printf (dict, " /CreationDate (%s) /ModDate (%s) >>\n", date, date);

  return begin_object (out, OBJ_INFO, error)
         && pd_durable_file_write (out->file, dict->str, dict->len, error)
         && end_object (out, error);
}

/* The XMP packet of a PDF/A-2b file: the conformance claim and the Info entries again. It stays
 * uncompressed, as PDF/A requires, so that any tool finds it. */
static gboolean
write_xmp (PdfOut               *out,
           guint                 number,
           const PdPdfMetadata  *meta,
           GDateTime            *created,
           GError              **error)
{
  InfoEntry entries[6];
  guint n = info_entries (meta, entries);
  g_autofree char *date = xmp_date (created);
  g_autoptr(GString) xmp = g_string_new (NULL);

  g_string_append (xmp,
                   "<?xpacket begin=\"\xef\xbb\xbf\" id=\"" XMP_PACKET_ID "\"?>\n"
                   "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
                   " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
                   "  <rdf:Description rdf:about=\"\"\n"
                   "    xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\"\n"
                   "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
                   "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
                   "    xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n"
                   "   <pdfaid:part>2</pdfaid:part>\n"
                   "   <pdfaid:conformance>B</pdfaid:conformance>\n"
                   "   <dc:format>application/pdf</dc:format>\n");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *value = g_markup_escape_text (entries[i].value, -1);
      const char *el = entries[i].xmp_element;

      switch (entries[i].xmp_kind)
        {
        case XMP_ALT:
          g_string_append_printf (xmp, "   <%s><rdf:Alt><rdf:li xml:lang=\"x-default\">%s"
                                  "</rdf:li></rdf:Alt></%s>\n", el, value, el);
          break;
        case XMP_SEQ:
          g_string_append_printf (xmp, "   <%s><rdf:Seq><rdf:li>%s</rdf:li></rdf:Seq></%s>\n",
                                  el, value, el);
          break;
        case XMP_SIMPLE:
        default:
          g_string_append_printf (xmp, "   <%s>%s</%s>\n", el, value, el);
          break;
        }
    }
  g_string_append_printf (xmp,
                          "   <xmp:CreateDate>%s</xmp:CreateDate>\n"
                          "   <xmp:ModifyDate>%s</xmp:ModifyDate>\n"
                          "   <xmp:MetadataDate>%s</xmp:MetadataDate>\n"
                          "  </rdf:Description>\n"
                          " </rdf:RDF>\n"
                          "</x:xmpmeta>\n"
                          "<?xpacket end=\"w\"?>", date, date, date);

  return begin_object (out, number, error)
         && pd_durable_file_printf (out->file, error,
                                    "<< /Type /Metadata /Subtype /XML /Length %" G_GSIZE_FORMAT
                                    " >>\n", xmp->len)
         && write_stream (out, (const guint8 *) xmp->str, xmp->len, error)
         && end_object (out, error);
}

gboolean
pd_pdf_write (const char           *path,
              const PdPdfPage      *pages,
              guint                 n_pages,
              const PdPdfMetadata  *meta,
              GError              **error)
{
  g_autoptr(PdDurableFile) file = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GString) kids = g_string_new (NULL);
  g_autoptr(GString) catalog_extra = g_string_new (NULL);
  g_autoptr(GChecksum) checksum = NULL;
  g_autofree guint64 *offsets = NULL;
  g_autofree char *date = NULL;
  gboolean pdfa = meta != NULL && meta->pdfa;
  guint obj_metadata = OBJ_FIRST_PAGE + n_pages * OBJS_PER_PAGE;
  guint obj_icc = obj_metadata + 1;
  GDateTime *created;
  PdfOut out;
  guint64 xref_offset;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (pages != NULL || n_pages == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n_pages == 0)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_PDF_FAILED,
                   "A document needs at least one page to be saved as PDF.");
      return FALSE;
    }

  now = g_date_time_new_now_local ();
  created = meta != NULL && meta->created != NULL ? meta->created : now;
  date = pdf_date (created);

  file = pd_durable_file_create (path, error);
  if (file == NULL)
    return FALSE;
  out.file = file;
  out.n_objects = OBJ_FIRST_PAGE + n_pages * OBJS_PER_PAGE + (pdfa ? OBJS_PDFA : 0);
  offsets = g_new0 (guint64, out.n_objects);
  out.offsets = offsets;

  /* The binary comment line tells transfer tools the file is not text. */
  if (!pd_durable_file_printf (file, error, "%%PDF-1.5\n%%\xe2\xe3\xcf\xd3\n")
      || !write_font (&out, error))
    return FALSE;

  for (guint i = 0; i < n_pages; i++)
    {
      if (!write_page (&out, &pages[i], i, error))
        return FALSE;
      g_string_append_printf (kids, "%s%u 0 R", i == 0 ? "" : " ",
                              OBJ_FIRST_PAGE + i * OBJS_PER_PAGE + 2);
    }

  if (pdfa)
    {
      g_autoptr(GByteArray) icc = srgb_icc_profile_new ();

      if (!write_xmp (&out, obj_metadata, meta, created, error)
          || !write_deflated_object (&out, obj_icc, "/N 3 ", icc->data, icc->len, error))
        return FALSE;
      g_string_append_printf (catalog_extra,
                              " /Metadata %u 0 R /OutputIntents [<< /Type /OutputIntent "
                              "/S /GTS_PDFA1 /OutputConditionIdentifier (" ICC_DESCRIPTION ") "
                              "/Info (" ICC_DESCRIPTION ") /RegistryName (http://www.color.org) "
                              "/DestOutputProfile %u 0 R >>]", obj_metadata, obj_icc);
    }

  if (!begin_object (&out, OBJ_PAGES, error)
      || !pd_durable_file_printf (file, error, "<< /Type /Pages /Kids [%s] /Count %u >>\n",
                                  kids->str, n_pages)
      || !end_object (&out, error)
      || !begin_object (&out, OBJ_CATALOG, error)
      || !pd_durable_file_printf (file, error, "<< /Type /Catalog /Pages %u 0 R%s >>\n",
                                  OBJ_PAGES, catalog_extra->str)
      || !end_object (&out, error)
      || !write_info (&out, meta, date, error))
    return FALSE;

  xref_offset = pd_durable_file_tell (file);
  if (!pd_durable_file_printf (file, error, "xref\n0 %u\n0000000000 65535 f \n", out.n_objects))
    return FALSE;
  for (guint i = 1; i < out.n_objects; i++)
    if (!pd_durable_file_printf (file, error, "%010" G_GUINT64_FORMAT " 00000 n \n", offsets[i]))
      return FALSE;

  /* The file identifier only has to be unique; the path, time and size make it so. */
  checksum = g_checksum_new (G_CHECKSUM_MD5);
  g_checksum_update (checksum, (const guchar *) path, -1);
  g_checksum_update (checksum, (const guchar *) date, -1);
  g_checksum_update (checksum, (const guchar *) &xref_offset, sizeof xref_offset);

  if (!pd_durable_file_printf (file, error,
                               "trailer\n<< /Size %u /Root %u 0 R /Info %u 0 R /ID [<%s> <%s>] >>\n"
                               "startxref\n%" G_GUINT64_FORMAT "\n%%%%EOF\n",
                               out.n_objects, OBJ_CATALOG, OBJ_INFO,
                               g_checksum_get_string (checksum), g_checksum_get_string (checksum),
                               xref_offset))
    return FALSE;

  return pd_durable_file_commit (g_steal_pointer (&file), error);
}

PIX *
pd_pdf_downsample (PIX   *pix,
                   guint  from_dpi,
                   guint  to_dpi)
{
  g_autoptr(PIX) src = NULL;
  PIX *scaled;
  float scale;

  g_return_val_if_fail (pix != NULL, NULL);

  if (to_dpi == 0 || from_dpi == 0 || to_dpi >= from_dpi || pixGetDepth (pix) == 1)
    return pixClone (pix);

  _pd_process_init_leptonica ();
  scale = (float) to_dpi / (float) from_dpi;
  /* Area mapping averages every source pixel into the smaller grid (no moiré on halftones);
   * leptonica only allows it for a reduction of 0.7 or more, linear interpolation above. */
  if (pixGetColormap (pix) != NULL)
    src = pixRemoveColormap (pix, REMOVE_CMAP_BASED_ON_SRC);
  else if (pixGetDepth (pix) == 8 || pixGetDepth (pix) == 32)
    src = pixClone (pix);
  else
    src = pixConvertTo8 (pix, FALSE);
  if (src == NULL)
    return NULL;
  scaled = scale <= 0.7f ? pixScaleAreaMap (src, scale, scale) : pixScaleLI (src, scale, scale);
  if (scaled != NULL)
    pixSetResolution (scaled, (l_int32) to_dpi, (l_int32) to_dpi);
  return scaled;
}

void
pd_pdf_scale_words (GArray *words,
                    guint   from_dpi,
                    guint   to_dpi)
{
  double f;

  g_return_if_fail (words != NULL);
  g_return_if_fail (from_dpi > 0 && to_dpi > 0);

  f = (double) to_dpi / from_dpi;
  for (guint i = 0; i < words->len; i++)
    {
      PdWord *w = &g_array_index (words, PdWord, i);

      /* The box keeps covering the word's pixels: edges round outwards. */
      w->x0 = (gint) floor (w->x0 * f);
      w->y0 = (gint) floor (w->y0 * f);
      w->x1 = (gint) ceil (w->x1 * f);
      w->y1 = (gint) ceil (w->y1 * f);
      w->baseline = (gint) lround (w->baseline * f);
    }
}
