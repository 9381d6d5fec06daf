/* pd-pdf-writer.c: a small PDF 1.5 writer for scanned pages. cairo cannot draw invisible text
 * (it drops alpha-0 text before the PDF backend sees it), and merging tesseract's own text
 * layer needs a second library, so the few objects a searchable scan needs are written here:
 * per page one image XObject holding the JPEG or G4 bytes unchanged, one content stream that
 * paints it and then lays the words over it in text render mode 3 (invisible), and the page.
 * Objects are streamed through a PdDurableFile as they are made; the xref table comes last.
 *
 * Font: the standard Helvetica with WinAnsiEncoding and an explicit /Widths array in which
 * every glyph is 500 units wide. Nothing is embedded (the text is never drawn), every viewer
 * and extractor maps WinAnsi to Unicode without a ToUnicode CMap, and equal widths make the
 * horizontal scale (Tz) that stretches a word over its box a simple division. It covers the
 * Latin-1 languages tesseract is installed with here; characters outside Windows-1252 are
 * decomposed (ﬁ → fi, ő → o) or written as '?'. A glyphless Type0 font would be needed for
 * other scripts. */
#define G_LOG_DOMAIN "pd-process"

#include "pd-pdf-writer.h"

#include <leptonica/allheaders.h>
#include <string.h>

#include "pd-fs.h"
#include "pd-process-error.h"
#include "pd-word.h"

#define OBJ_CATALOG 1
#define OBJ_PAGES 2
#define OBJ_FONT 3
#define OBJ_INFO 4
#define OBJ_FIRST_PAGE 5
#define OBJS_PER_PAGE 3

/* Helvetica's ascender in the metrics poppler and other readers use for selection boxes;
 * the font size is chosen so that the ascender reaches the top of the line's tallest word. */
#define FONT_ASCENT 0.718
#define GLYPH_WIDTH 0.5

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

static guint8
unichar_to_winansi (gunichar c)
{
  static const struct { gunichar u; guint8 b; } extra[] = {
    { 0x20ac, 0x80 }, { 0x201a, 0x82 }, { 0x0192, 0x83 }, { 0x201e, 0x84 }, { 0x2026, 0x85 },
    { 0x2020, 0x86 }, { 0x2021, 0x87 }, { 0x02c6, 0x88 }, { 0x2030, 0x89 }, { 0x0160, 0x8a },
    { 0x2039, 0x8b }, { 0x0152, 0x8c }, { 0x017d, 0x8e }, { 0x2018, 0x91 }, { 0x2019, 0x92 },
    { 0x201c, 0x93 }, { 0x201d, 0x94 }, { 0x2022, 0x95 }, { 0x2013, 0x96 }, { 0x2014, 0x97 },
    { 0x02dc, 0x98 }, { 0x2122, 0x99 }, { 0x0161, 0x9a }, { 0x203a, 0x9b }, { 0x0153, 0x9c },
    { 0x017e, 0x9e }, { 0x0178, 0x9f },
  };

  if ((c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff))
    return (guint8) c;
  for (guint i = 0; i < G_N_ELEMENTS (extra); i++)
    if (extra[i].u == c)
      return extra[i].b;
  return 0;
}

/* UTF-8 to WinAnsi bytes; characters without a WinAnsi code are decomposed (compatibility
 * decomposition, so ligatures become letters and accents fall away) or become '?'. */
static GByteArray *
utf8_to_winansi (const char *text)
{
  GByteArray *out = g_byte_array_new ();

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char_validated (p, -1);
      guint8 b;

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_byte_array_append (out, (const guint8 *) "?", 1);
          break;
        }
      b = unichar_to_winansi (c);
      if (b != 0)
        g_byte_array_append (out, &b, 1);
      else
        {
          gunichar decomposed[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
          gsize n = g_unichar_fully_decompose (c, TRUE, decomposed, G_N_ELEMENTS (decomposed));
          gboolean any = FALSE;

          for (gsize i = 0; i < n; i++)
            {
              guint8 d = unichar_to_winansi (decomposed[i]);

              if (d != 0)
                {
                  g_byte_array_append (out, &d, 1);
                  any = TRUE;
                }
            }
          if (!any)
            g_byte_array_append (out, (const guint8 *) "?", 1);
        }
    }
  return out;
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
          g_autoptr(GByteArray) bytes = utf8_to_winansi (w->text != NULL ? w->text : "");
          double width = MAX (1, w->x1 - w->x0) * scale;
          double natural;

          if (bytes->len == 0)
            continue;
          natural = bytes->len * GLYPH_WIDTH * font_size;
          g_string_append_printf (content, "%s Tz 1 0 0 1 %s %s Tm <",
                                  fmt (b1, 100.0 * width / natural),
                                  fmt (b2, w->x0 * scale),
                                  fmt (b3, page_height - w->baseline * scale));
          for (guint k = 0; k < bytes->len; k++)
            g_string_append_printf (content, "%02X", bytes->data[k]);
          /* A space after every word but the line's last, so extraction sees word breaks. */
          g_string_append (content, j + 1 < end ? "20> Tj\n" : "> Tj\n");
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
  if (!g_file_get_contents (page->image_path, (char **) &data, &len, &local_error))
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
  if (!begin_object (out, obj_content, error)
      || !pd_durable_file_printf (out->file, error, "<< /Length %" G_GSIZE_FORMAT " >>\n",
                                  content->len)
      || !write_stream (out, (const guint8 *) content->str, content->len, error)
      || !end_object (out, error))
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
  g_autoptr(GString) widths = g_string_new (NULL);

  for (guint c = 32; c <= 255; c++)
    g_string_append_printf (widths, "%s%d", c == 32 ? "" : " ", (int) (GLYPH_WIDTH * 1000));

  return begin_object (out, OBJ_FONT, error)
         && pd_durable_file_printf (out->file, error,
                                    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                                    "/Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 255 "
                                    "/Widths [%s] >>\n", widths->str)
         && end_object (out, error);
}

static gboolean
write_info (PdfOut               *out,
            const PdPdfMetadata  *meta,
            const char           *date,
            GError              **error)
{
  const struct { const char *key; const char *value; } entries[] = {
    { "Title", meta != NULL ? meta->title : NULL },
    { "Author", meta != NULL ? meta->author : NULL },
    { "Subject", meta != NULL ? meta->subject : NULL },
    { "Keywords", meta != NULL ? meta->keywords : NULL },
    { "Creator", meta != NULL ? meta->creator : NULL },
    { "Producer", meta != NULL && meta->producer != NULL ? meta->producer : "Paperdock" },
  };
  g_autoptr(GString) dict = g_string_new ("<<");

  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      g_autofree char *str = NULL;

      if (entries[i].value == NULL || !g_utf8_validate (entries[i].value, -1, NULL))
        continue;
      str = pdf_text_string (entries[i].value);
      g_string_append_printf (dict, " /%s %s", entries[i].key, str);
    }
  g_string_append_printf (dict, " /CreationDate (%s) /ModDate (%s) >>\n", date, date);

  return begin_object (out, OBJ_INFO, error)
         && pd_durable_file_write (out->file, dict->str, dict->len, error)
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
  g_autoptr(GChecksum) checksum = NULL;
  g_autofree guint64 *offsets = NULL;
  g_autofree char *date = NULL;
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
  out.n_objects = OBJ_FIRST_PAGE + n_pages * OBJS_PER_PAGE;
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

  if (!begin_object (&out, OBJ_PAGES, error)
      || !pd_durable_file_printf (file, error, "<< /Type /Pages /Kids [%s] /Count %u >>\n",
                                  kids->str, n_pages)
      || !end_object (&out, error)
      || !begin_object (&out, OBJ_CATALOG, error)
      || !pd_durable_file_printf (file, error, "<< /Type /Catalog /Pages %u 0 R >>\n", OBJ_PAGES)
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
