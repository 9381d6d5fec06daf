/* test-pdf-options.c: the PDF options a profile can choose, checked with the tools a person or
 * an archive would use: qpdf --check on every output; linearization seen by qpdf and pdfinfo;
 * an encrypted file that pdftotext cannot open without its password and opens with it (AES-256
 * per pdfinfo); a PDF/A-2b file whose XMP parses and claims part 2 B with the Info dictionary's
 * values, with an sRGB output intent, every font embedded (pdffonts) and nothing transparent;
 * PDF/A with a password refused; pages downsampled to 200 dpi. In every mode the words are
 * still found, where OCR saw them. Bytes per page of each mode are in the test log. */
#define _GNU_SOURCE  /* memmem: the PDF's bytes are binary */
#include <gio/gio.h>
#include <math.h>
#include <qpdf/qpdf-c.h>
#include <string.h>
#include <sys/wait.h>

#include "pd-ocr.h"
#include "pd-page-processor.h"
#include "pd-pdf-finish.h"
#include "pd-pdf-writer.h"
#include "pd-process-error.h"
#include "pd-process-private.h"
#include "pd-test-process.h"
#include "pd-word.h"

#define PASSWORD "correct horse battery"

/* One recognized gray page, made once: OCR is the slow part, and every test needs it. */
static struct {
  PIX       *pix;       /* 300 dpi original */
  char     **expected;  /* its words */
  GBytes    *jpeg;
  guint      width, height, dpi, channels;
  GArray    *words;
} page;

static void
ensure_page (void)
{
  g_autoptr(PdProcessOptions) options = pd_process_options_new ();
  g_autoptr(PdPageResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *spool = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;

  if (page.jpeg != NULL)
    return;
  page.pix = pd_test_load_page (&page.expected);
  dir = pd_test_make_dir ("fixture");
  spool = pd_test_write_pnm (page.pix, dir, "page.pgm");
  options->mode = PD_SCAN_MODE_GRAY;
  result = pd_page_process (spool, 300, options, dir, "gray", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->encoding, ==, PD_IMAGE_ENCODING_JPEG);
  g_assert_true (g_file_get_contents (result->image_path, &data, &len, NULL));
  page.jpeg = g_bytes_new_take (g_steal_pointer (&data), len);
  page.width = result->width;
  page.height = result->height;
  page.dpi = result->dpi;
  page.channels = result->channels;
  page.words = g_array_ref (result->words);
}

static GArray *
copy_words (GArray *words)
{
  GArray *copy = pd_word_array_new ();

  for (guint i = 0; i < words->len; i++)
    {
      PdWord w = g_array_index (words, PdWord, i);

      w.text = g_strdup (w.text);
      g_array_append_val (copy, w);
    }
  return copy;
}

/* Writes the fixture page as @name in @dir, returns the PDF's path. */
static char *
write_pdf (const char *dir,
           const char *name,
           gboolean    pdfa)
{
  g_autofree char *image = g_build_filename (dir, "page.jpg", NULL);
  g_autoptr(GDateTime) created = g_date_time_new_utc (2026, 5, 1, 10, 30, 0);
  g_autoptr(GError) error = NULL;
  char *pdf = g_build_filename (dir, name, NULL);
  PdPdfMetadata meta = {
    .title = "Rechnung März 2026 <Büro & Co>",
    .author = "Margaret Okonkwo",
    .subject = "Invoice (office supplies)",
    .keywords = "invoice, supplies",
    .creator = "Paperdock test",
    .producer = "Paperdock 0.1.0",
    .created = created,
    .pdfa = pdfa,
  };
  PdPdfPage pdf_page;

  ensure_page ();
  g_assert_true (g_file_set_contents (image, g_bytes_get_data (page.jpeg, NULL),
                                      (gssize) g_bytes_get_size (page.jpeg), NULL));
  pdf_page = (PdPdfPage) { image, PD_IMAGE_ENCODING_JPEG, page.width, page.height, page.dpi,
                           page.channels, page.words };
  g_assert_true (pd_pdf_write (pdf, &pdf_page, 1, &meta, &error));
  g_assert_no_error (error);
  return pdf;
}

static gsize
file_size (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, 0, NULL,
                                                 NULL);

  g_assert_nonnull (info);
  return (gsize) g_file_info_get_size (info);
}

static void
report_size (const char *mode,
             const char *pdf)
{
  g_test_message ("%s: %" G_GSIZE_FORMAT " bytes per page (JPEG %" G_GSIZE_FORMAT ")", mode,
                  file_size (pdf), page.jpeg != NULL ? g_bytes_get_size (page.jpeg) : 0);
}

/* Runs argv and returns its exit status, stdout in @out. */
static int
run_status (const char * const  *argv,
            char               **out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err_out = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out, &err_out,
                &status, &error);
  g_assert_no_error (error);
  if (err_out != NULL && *err_out != '\0')
    g_test_message ("%s said: %s", argv[0], err_out);
  if (g_spawn_check_wait_status (status, NULL))
    return 0;
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
assert_qpdf_check (const char *pdf,
                   const char *password)
{
  g_autofree char *pw_arg = password != NULL ? g_strdup_printf ("--password=%s", password) : NULL;
  const char *argv[] = { "qpdf", "--check", pdf, pw_arg, NULL };
  g_autofree char *out = pd_test_run (argv);

  g_assert_nonnull (strstr (out, "No syntax or stream encoding errors found"));
}

static char *
pdfinfo (const char *pdf,
         const char *password)
{
  const char *argv[] = { "pdfinfo", pdf, password != NULL ? "-upw" : NULL, password, NULL };

  return pd_test_run (argv);
}

typedef struct {
  char   *text;
  double  x0, y0, x1, y1;
} BoxWord;

static void
box_word_clear (BoxWord *w)
{
  g_free (w->text);
}

/* The words a reader finds, and the boxes it highlights: like test-pdf.c, left and right
 * edges, top and vertical centre within 3 points of where OCR saw the word. */
static void
assert_words_in_place (const char *pdf,
                       const char *password,
                       GArray     *words,
                       guint       dpi)
{
  const char *text_argv[] = { "pdftotext", pdf, "-", password != NULL ? "-upw" : NULL, password,
                              NULL };
  const char *bbox_argv[] = { "pdftotext", "-bbox", pdf, "-", password != NULL ? "-upw" : NULL,
                              password, NULL };
  g_autofree char *text = pd_test_run (text_argv);
  g_autofree char *html = pd_test_run (bbox_argv);
  g_auto(GStrv) found = pd_test_split_words (text);
  g_autoptr(GRegex) re = g_regex_new ("<word xMin=\"([0-9.]+)\" yMin=\"([0-9.]+)\" "
                                      "xMax=\"([0-9.]+)\" yMax=\"([0-9.]+)\">([^<]*)</word>",
                                      0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GArray) boxes = g_array_new (FALSE, TRUE, sizeof (BoxWord));
  double scale = 72.0 / dpi;
  guint n_checked = 0;

  g_assert_cmpfloat (pd_test_fraction_found (page.expected, found), >=, 0.95);

  g_array_set_clear_func (boxes, (GDestroyNotify) box_word_clear);
  g_regex_match (re, html, 0, &match);
  while (g_match_info_matches (match))
    {
      BoxWord b;
      g_autofree char *x0 = g_match_info_fetch (match, 1);
      g_autofree char *y0 = g_match_info_fetch (match, 2);
      g_autofree char *x1 = g_match_info_fetch (match, 3);
      g_autofree char *y1 = g_match_info_fetch (match, 4);

      b.x0 = g_ascii_strtod (x0, NULL);
      b.y0 = g_ascii_strtod (y0, NULL);
      b.x1 = g_ascii_strtod (x1, NULL);
      b.y1 = g_ascii_strtod (y1, NULL);
      b.text = g_match_info_fetch (match, 5);
      g_array_append_val (boxes, b);
      g_match_info_next (match, NULL);
    }

  for (guint i = 0; i < words->len; i++)
    {
      const PdWord *w = &g_array_index (words, PdWord, i);
      double ox0 = w->x0 * scale, oy0 = w->y0 * scale, ox1 = w->x1 * scale, oy1 = w->y1 * scale;
      double best = G_MAXDOUBLE;

      if (strchr (w->text, '&') != NULL || strchr (w->text, '<') != NULL
          || strchr (w->text, '>') != NULL || strchr (w->text, '"') != NULL)
        continue;  /* XML-escaped in pdftotext's output */
      for (guint j = 0; j < boxes->len; j++)
        {
          const BoxWord *b = &g_array_index (boxes, BoxWord, j);
          double d;

          if (strcmp (b->text, w->text) != 0)
            continue;
          d = MAX (MAX (fabs (b->x0 - ox0), fabs (b->x1 - ox1)),
                   MAX (fabs (b->y0 - oy0), fabs ((b->y0 + b->y1) / 2 - (oy0 + oy1) / 2)));
          best = MIN (best, d);
        }
      if (best > 3.0)
        g_test_message ("“%s” is %.2f pt from its OCR box", w->text, best);
      g_assert_cmpfloat (best, <=, 3.0);
      n_checked++;
    }
  g_assert_cmpuint (n_checked, >=, words->len * 9 / 10);
}

/* Every font row of pdffonts says "emb yes"; returns how many fonts there are. */
static guint
assert_fonts_embedded (const char *pdf,
                       const char *password)
{
  const char *argv[] = { "pdffonts", pdf, password != NULL ? "-upw" : NULL, password, NULL };
  g_autofree char *out = pd_test_run (argv);
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  guint emb_start = 0, n_fonts = 0, column = 0;

  g_test_message ("%s", out);
  g_assert_true (g_strv_length (lines) >= 2);
  /* The dashes under the header mark the columns; "emb" is the fourth. */
  for (const char *p = lines[1]; *p != '\0' && column < 3; p++)
    if (*p == ' ' && p[1] == '-' && ++column == 3)
      emb_start = (guint) (p + 1 - lines[1]);
  g_assert_cmpuint (emb_start, >, 0);
  for (guint i = 2; lines[i] != NULL; i++)
    {
      if (*lines[i] == '\0')
        continue;
      g_assert_cmpuint (strlen (lines[i]), >, emb_start + 3);
      g_assert_true (strncmp (lines[i] + emb_start, "yes", 3) == 0);
      n_fonts++;
    }
  return n_fonts;
}

static void
test_plain (void)
{
  g_autofree char *dir = pd_test_make_dir ("work");
  g_autofree char *pdf = write_pdf (dir, "plain.pdf", FALSE);
  g_autofree char *before = NULL, *after = NULL, *info = NULL;
  gsize before_len = 0, after_len = 0;
  g_autoptr(GError) error = NULL;
  PdPdfFinishOptions none = { 0 };

  assert_qpdf_check (pdf, NULL);
  assert_words_in_place (pdf, NULL, page.words, page.dpi);
  g_assert_cmpuint (assert_fonts_embedded (pdf, NULL), ==, 1);
  info = pdfinfo (pdf, NULL);
  g_assert_nonnull (strstr (info, "Encrypted:       no\n"));
  g_assert_nonnull (strstr (info, "Optimized:       no\n"));
  g_assert_nonnull (strstr (info, "Metadata Stream: no\n"));
  report_size ("plain", pdf);

  /* Nothing asked, nothing done: the file stays as the writer made it. */
  g_assert_true (g_file_get_contents (pdf, &before, &before_len, NULL));
  g_assert_true (pd_pdf_finish (pdf, &none, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (pdf, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
}

static void
test_linearized (void)
{
  g_autofree char *dir = pd_test_make_dir ("work");
  g_autofree char *pdf = write_pdf (dir, "web.pdf", FALSE);
  g_autofree char *lin = NULL, *info = NULL;
  g_autoptr(GError) error = NULL;
  PdPdfFinishOptions opts = { .linearize = TRUE };

  g_assert_true (pd_pdf_finish (pdf, &opts, &error));
  g_assert_no_error (error);
  assert_qpdf_check (pdf, NULL);
  {
    const char *argv[] = { "qpdf", "--check-linearization", pdf, NULL };
    lin = pd_test_run (argv);
  }
  g_assert_nonnull (strstr (lin, "no linearization errors"));
  info = pdfinfo (pdf, NULL);
  g_assert_nonnull (strstr (info, "Optimized:       yes\n"));
  g_assert_nonnull (strstr (info, "Title:           Rechnung März 2026 <Büro & Co>\n"));
  assert_words_in_place (pdf, NULL, page.words, page.dpi);
  /* The durable rewrite leaves nothing beside the file. */
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *entry;

    while ((entry = g_dir_read_name (d)) != NULL)
      g_assert_false (strstr (entry, ".part-") != NULL);
  }
  report_size ("linearized", pdf);
}

static void
test_encrypted (void)
{
  g_autofree char *dir = pd_test_make_dir ("work");
  g_autofree char *pdf = write_pdf (dir, "secret.pdf", FALSE);
  g_autofree char *info = NULL, *out = NULL, *bytes = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  PdPdfFinishOptions opts = { .linearize = TRUE, .user_password = PASSWORD };

  g_assert_true (pd_pdf_finish (pdf, &opts, &error));
  g_assert_no_error (error);
  assert_qpdf_check (pdf, PASSWORD);

  /* Without the password nothing reads it... */
  {
    const char *argv[] = { "pdftotext", pdf, "-", NULL };
    g_assert_cmpint (run_status (argv, &out), !=, 0);
  }
  g_clear_pointer (&out, g_free);
  {
    const char *argv[] = { "pdftotext", pdf, "-", "-upw", "wrong password", NULL };
    g_assert_cmpint (run_status (argv, &out), !=, 0);
  }
  /* ...nor is the password or the title in the bytes... */
  g_assert_true (g_file_get_contents (pdf, &bytes, &len, NULL));
  g_assert_null (memmem (bytes, len, PASSWORD, strlen (PASSWORD)));
  g_assert_null (memmem (bytes, len, "Okonkwo", strlen ("Okonkwo")));

  /* ...and with it everything is there. */
  info = pdfinfo (pdf, PASSWORD);
  g_test_message ("%s", info);
  g_assert_nonnull (strstr (info, "algorithm:AES-256"));
  g_assert_nonnull (strstr (info, "Optimized:       yes\n"));
  g_assert_nonnull (strstr (info, "Author:          Margaret Okonkwo\n"));
  assert_words_in_place (pdf, PASSWORD, page.words, page.dpi);
  report_size ("AES-256, linearized", pdf);
}

typedef struct {
  GPtrArray  *stack;
  GHashTable *values;  /* XMP property -> its text */
} XmpParse;

static void
xmp_start (GMarkupParseContext  *context,
           const char           *element,
           const char          **names,
           const char          **values,
           gpointer              user_data,
           GError              **error)
{
  XmpParse *parse = user_data;

  g_ptr_array_add (parse->stack, g_strdup (element));
}

static void
xmp_end (GMarkupParseContext  *context,
         const char           *element,
         gpointer              user_data,
         GError              **error)
{
  XmpParse *parse = user_data;

  g_ptr_array_remove_index (parse->stack, parse->stack->len - 1);
}

static void
xmp_text (GMarkupParseContext  *context,
          const char           *text,
          gsize                 len,
          gpointer              user_data,
          GError              **error)
{
  XmpParse *parse = user_data;
  g_autofree char *copy = g_strstrip (g_strndup (text, len));

  if (*copy == '\0')
    return;
  /* The property a value belongs to is the innermost element outside the RDF vocabulary. */
  for (guint i = parse->stack->len; i > 0; i--)
    {
      const char *name = g_ptr_array_index (parse->stack, i - 1);

      if (!g_str_has_prefix (name, "rdf:"))
        {
          g_hash_table_insert (parse->values, g_strdup (name), g_steal_pointer (&copy));
          return;
        }
    }
}

/* The catalog's XMP stream, unfiltered as PDF/A wants it, parsed into property -> value. */
static GHashTable *
read_xmp (qpdf_data q)
{
  static const GMarkupParser parser = { xmp_start, xmp_end, xmp_text, NULL, NULL };
  qpdf_oh metadata = qpdf_oh_get_key (q, qpdf_get_root (q), "/Metadata");
  qpdf_oh dict;
  unsigned char *data = NULL;
  size_t len = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) stack = g_ptr_array_new_with_free_func (g_free);
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  XmpParse parse = { stack, values };
  g_autoptr(GMarkupParseContext) context = NULL;

  g_assert_true (qpdf_oh_is_stream (q, metadata));
  dict = qpdf_oh_get_dict (q, metadata);
  g_assert_cmpstr (qpdf_oh_get_name (q, qpdf_oh_get_key (q, dict, "/Subtype")), ==, "/XML");
  g_assert_false (qpdf_oh_has_key (q, dict, "/Filter"));
  g_assert_cmpint (qpdf_oh_get_stream_data (q, metadata, qpdf_dl_none, NULL, &data, &len), ==, 0);
  g_assert_true (g_utf8_validate ((const char *) data, (gssize) len, NULL));

  context = g_markup_parse_context_new (&parser, 0, &parse, NULL);
  g_markup_parse_context_parse (context, (const char *) data, (gssize) len, &error);
  g_assert_no_error (error);
  g_markup_parse_context_end_parse (context, &error);
  g_assert_no_error (error);
  free (data);
  return values;
}

/* What an archive validator looks at, read back with qpdf: XMP, output intent, no encryption,
 * nothing transparent. */
static void
assert_pdfa_structure (const char *pdf)
{
  qpdf_data q = qpdf_init ();
  g_autoptr(GHashTable) xmp = NULL;
  g_autofree char *info = pdfinfo (pdf, NULL);
  qpdf_oh intents, intent, profile;
  unsigned char *icc = NULL;
  size_t icc_len = 0;
  int n_pages;

  g_assert_cmpint (qpdf_read (q, pdf, NULL) & QPDF_ERRORS, ==, 0);
  g_assert_false (qpdf_is_encrypted (q));

  xmp = read_xmp (q);
  g_assert_cmpstr (g_hash_table_lookup (xmp, "pdfaid:part"), ==, "2");
  g_assert_cmpstr (g_hash_table_lookup (xmp, "pdfaid:conformance"), ==, "B");
  /* The same values as the Info dictionary, as PDF/A requires. */
  g_assert_cmpstr (g_hash_table_lookup (xmp, "dc:title"), ==, "Rechnung März 2026 <Büro & Co>");
  g_assert_nonnull (strstr (info, "Title:           Rechnung März 2026 <Büro & Co>\n"));
  g_assert_cmpstr (g_hash_table_lookup (xmp, "dc:creator"), ==, "Margaret Okonkwo");
  g_assert_cmpstr (g_hash_table_lookup (xmp, "xmp:CreatorTool"), ==, "Paperdock test");
  g_assert_cmpstr (g_hash_table_lookup (xmp, "pdf:Producer"), ==, "Paperdock 0.1.0");
  g_assert_cmpstr (g_hash_table_lookup (xmp, "xmp:CreateDate"), ==, "2026-05-01T10:30:00Z");
  g_assert_nonnull (strstr (info, "CreationDate:    Fri May  1 10:30:00 2026 UTC\n"));
  /* pdfinfo's "PDF subtype" reads a nonstandard Info key, not the XMP: only the stream here. */
  g_assert_nonnull (strstr (info, "Metadata Stream: yes\n"));

  intents = qpdf_oh_get_key (q, qpdf_get_root (q), "/OutputIntents");
  g_assert_true (qpdf_oh_is_array (q, intents));
  g_assert_cmpint (qpdf_oh_get_array_n_items (q, intents), ==, 1);
  intent = qpdf_oh_get_array_item (q, intents, 0);
  g_assert_cmpstr (qpdf_oh_get_name (q, qpdf_oh_get_key (q, intent, "/S")), ==, "/GTS_PDFA1");
  profile = qpdf_oh_get_key (q, intent, "/DestOutputProfile");
  g_assert_true (qpdf_oh_is_stream (q, profile));
  g_assert_cmpint (qpdf_oh_get_int_value (q, qpdf_oh_get_key (q, qpdf_oh_get_dict (q, profile),
                                                               "/N")), ==, 3);
  g_assert_cmpint (qpdf_oh_get_stream_data (q, profile, qpdf_dl_all, NULL, &icc, &icc_len), ==, 0);
  /* An RGB display profile whose header agrees with its length. */
  g_assert_cmpuint (icc_len, >, 128);
  g_assert_cmpuint (GUINT32_FROM_BE (*(guint32 *) (gpointer) icc), ==, icc_len);
  g_assert_cmpmem (icc + 12, 12, "mntrRGB XYZ ", 12);
  g_assert_cmpmem (icc + 36, 4, "acsp", 4);
  free (icc);

  n_pages = qpdf_get_num_pages (q);
  g_assert_cmpint (n_pages, ==, 1);
  for (int i = 0; i < n_pages; i++)
    {
      qpdf_oh pg = qpdf_get_page_n (q, (size_t) i);
      qpdf_oh resources = qpdf_oh_get_key (q, pg, "/Resources");
      qpdf_oh image = qpdf_oh_get_key (q, qpdf_oh_get_key (q, resources, "/XObject"), "/Im1");

      g_assert_false (qpdf_oh_has_key (q, pg, "/Group"));
      g_assert_false (qpdf_oh_has_key (q, resources, "/ExtGState"));
      g_assert_true (qpdf_oh_is_stream (q, image));
      g_assert_false (qpdf_oh_has_key (q, qpdf_oh_get_dict (q, image), "/SMask"));
    }
  g_assert_false (qpdf_has_error (q));
  qpdf_cleanup (&q);
}

static void
test_pdfa (void)
{
  g_autofree char *dir = pd_test_make_dir ("work");
  g_autofree char *pdf = write_pdf (dir, "archive.pdf", TRUE);
  g_autoptr(GError) error = NULL;
  PdPdfFinishOptions opts = { .linearize = TRUE };

  assert_qpdf_check (pdf, NULL);
  assert_pdfa_structure (pdf);
  g_assert_cmpuint (assert_fonts_embedded (pdf, NULL), ==, 1);
  assert_words_in_place (pdf, NULL, page.words, page.dpi);
  report_size ("PDF/A-2b", pdf);

  /* Linearizing keeps it an archive file: the XMP stays unfiltered, the output intent stays. */
  g_assert_true (pd_pdf_finish (pdf, &opts, &error));
  g_assert_no_error (error);
  assert_qpdf_check (pdf, NULL);
  assert_pdfa_structure (pdf);
  g_assert_cmpuint (assert_fonts_embedded (pdf, NULL), ==, 1);
  report_size ("PDF/A-2b, linearized", pdf);
}

static void
test_pdfa_encrypt_refused (void)
{
  g_autofree char *dir = pd_test_make_dir ("work");
  g_autofree char *pdf = write_pdf (dir, "archive.pdf", TRUE);
  g_autofree char *missing = g_build_filename (dir, "missing.pdf", NULL);
  g_autofree char *before = NULL, *after = NULL;
  gsize before_len = 0, after_len = 0;
  g_autoptr(GError) error = NULL;
  PdPdfFinishOptions opts = { .linearize = TRUE, .user_password = PASSWORD };

  g_assert_true (g_file_get_contents (pdf, &before, &before_len, NULL));
  g_assert_false (pd_pdf_finish (pdf, &opts, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "PDF/A"));
  g_assert_null (strstr (error->message, PASSWORD));
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (pdf, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);

  /* A file that is not there is the PDF's problem, said with its name. */
  g_assert_false (pd_pdf_finish (missing, &opts, &error));
  g_assert_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_PDF_FAILED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "missing.pdf"));
  g_assert_null (strstr (error->message, PASSWORD));
}

static void
test_downsample (void)
{
  g_autofree char *dir = pd_test_make_dir ("work");
  g_autofree char *full = write_pdf (dir, "full.pdf", FALSE);
  g_autofree char *pdf = g_build_filename (dir, "small.pdf", NULL);
  g_autofree char *image = g_build_filename (dir, "small.jpg", NULL);
  g_autofree char *images = NULL, *info = NULL;
  g_autoptr(PIX) small = NULL;
  g_autoptr(PIX) same = NULL;
  g_autoptr(PIX) binary = NULL;
  g_autoptr(PIX) work = NULL;
  g_autoptr(GArray) words = NULL;
  g_autoptr(GError) error = NULL;
  l_uint8 *jpeg = NULL;
  size_t jpeg_len = 0, full_len = 0;
  PdPdfPage pdf_page;

  /* The processed page (deskewed or not) has the fixture's size; downsample that. */
  ensure_page ();
  work = pixReadMem (g_bytes_get_data (page.jpeg, NULL), g_bytes_get_size (page.jpeg));
  g_assert_nonnull (work);
  small = pd_pdf_downsample (work, 300, 200);
  g_assert_nonnull (small);
  g_assert_cmpint (pixGetWidth (small), ==, (int) lround (page.width * 2.0 / 3.0));
  g_assert_cmpint (pixGetHeight (small), ==, (int) lround (page.height * 2.0 / 3.0));
  g_assert_cmpint (pixGetXRes (small), ==, 200);

  /* Nothing to do: no target, a target above the scan, or a bitonal page. */
  same = pd_pdf_downsample (work, 300, 0);
  g_assert_true (same == work);
  g_clear_pointer (&same, _pd_pix_destroy);
  same = pd_pdf_downsample (work, 300, 600);
  g_assert_true (same == work);
  binary = pixThresholdToBinary (work, 128);
  g_clear_pointer (&same, _pd_pix_destroy);
  same = pd_pdf_downsample (binary, 300, 200);
  g_assert_true (same == binary);

  /* Both sizes encoded alike: a third fewer pixels each way is about half the bytes. */
  g_assert_cmpint (pixWriteMemJpeg (&jpeg, &jpeg_len, work, 75, 0), ==, 0);
  full_len = jpeg_len;
  free (jpeg);
  g_assert_cmpint (pixWriteMemJpeg (&jpeg, &jpeg_len, small, 75, 0), ==, 0);
  g_assert_true (g_file_set_contents (image, (const char *) jpeg, (gssize) jpeg_len, NULL));
  free (jpeg);
  g_test_message ("JPEG at 300 dpi: %" G_GSIZE_FORMAT " bytes, at 200 dpi: %" G_GSIZE_FORMAT,
                  full_len, (gsize) jpeg_len);
  g_assert_cmpuint (jpeg_len, <, full_len * 2 / 3);

  words = copy_words (page.words);
  pd_pdf_scale_words (words, 300, 200);
  pdf_page = (PdPdfPage) { image, PD_IMAGE_ENCODING_JPEG, (guint) pixGetWidth (small),
                           (guint) pixGetHeight (small), 200, 1, words };
  g_assert_true (pd_pdf_write (pdf, &pdf_page, 1, NULL, &error));
  g_assert_no_error (error);

  assert_qpdf_check (pdf, NULL);
  {
    const char *argv[] = { "pdfimages", "-list", pdf, NULL };
    images = pd_test_run (argv);
  }
  g_test_message ("%s", images);
  g_assert_nonnull (strstr (images, "gray    1   8  jpeg"));
  g_assert_nonnull (strstr (images, "   200   200 "));
  /* Still an A4 page, the words still where they are on paper. */
  info = pdfinfo (pdf, NULL);
  g_assert_nonnull (strstr (info, "(A4)"));
  assert_words_in_place (pdf, NULL, words, 200);

  report_size ("300 dpi", full);
  report_size ("downsampled to 200 dpi", pdf);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/process/pdf-options/plain", test_plain);
  g_test_add_func ("/process/pdf-options/linearized", test_linearized);
  g_test_add_func ("/process/pdf-options/encrypted", test_encrypted);
  g_test_add_func ("/process/pdf-options/pdfa", test_pdfa);
  g_test_add_func ("/process/pdf-options/pdfa-encrypt-refused", test_pdfa_encrypt_refused);
  g_test_add_func ("/process/pdf-options/downsample", test_downsample);

  ret = g_test_run ();
  g_clear_pointer (&page.pix, _pd_pix_destroy);
  g_clear_pointer (&page.expected, g_strfreev);
  g_clear_pointer (&page.jpeg, g_bytes_unref);
  g_clear_pointer (&page.words, g_array_unref);
  pd_ocr_release_thread_engine ();
  return ret;
}
