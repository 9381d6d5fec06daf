/* test-document-edit.c: a person's page edits of a scanned document, through the real demo
 * scanner, tesseract, SQLite and the PDF writer: turning, moving, marking blank, deleting,
 * cropping and scanning a page again change the library and the PDF a viewer opens (read back
 * with poppler), each edit is in the journal, each new PDF is a new revision, and a document
 * its profile encrypted stays encrypted (inside run-with-keyring.sh's private keyring). */
#include <glib/gstdio.h>
#include <math.h>
#include <poppler.h>
#include <string.h>

#include "pd-document-edit.h"
#include "pd-library-pages.h"
#include "pd-pipeline.h"
#include "pd-profile.h"
#include "pd-scanner.h"
#include "pd-secret.h"

/* Debian 12's poppler-glib declares no autoptr cleanups. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PopplerDocument, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PopplerPage, g_object_unref)

typedef struct {
  PdLibrary  *library;
  PdDocument *document;
} Fixture;

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
give_up_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
release_pipeline (PdPipeline **pipeline)
{
  gpointer weak = *pipeline;
  gboolean timed_out = FALSE;
  guint id;

  g_object_add_weak_pointer (G_OBJECT (weak), &weak);
  g_clear_object (pipeline);
  id = g_timeout_add_seconds (10, give_up_cb, &timed_out);
  while (weak != NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (id);
}

/* Three demo pages, scanned in gray as a person would by default; with @profile, as that
 * profile says (its PDF options). */
static void
fixture_scan_with (Fixture         *f,
                   const PdProfile *profile)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "library", NULL);
  g_autoptr(PdScanner) scanner = pd_scanner_new ();
  g_autoptr(PdPipeline) pipeline = NULL;
  g_autoptr(PdProcessOptions) process = pd_process_options_new ();
  g_autoptr(PdScanOptions) scan = pd_scan_options_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) documents = NULL;
  g_autoptr(GError) error = NULL;

  f->library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  scan->device = g_strdup ("demo");
  scan->max_pages = 3;
  pipeline = pd_pipeline_new (f->library, scanner);
  if (profile != NULL)
    {
      g_assert_true (pd_library_save_profile (f->library, profile, TRUE, &error));
      g_assert_no_error (error);
      pd_pipeline_set_profile (pipeline, profile);
    }
  pd_pipeline_scan_async (pipeline, scan, process, "Edited", NULL, result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (pd_pipeline_scan_finish (pipeline, result, &documents, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  release_pipeline (&pipeline);
  g_assert_cmpuint (documents->len, ==, 1);
  f->document = pd_document_copy (g_ptr_array_index (documents, 0));
  g_assert_cmpint (f->document->state, ==, PD_DOC_STATE_READY);
  g_assert_cmpuint (f->document->n_pages, ==, 3);
}

static void
fixture_scan (Fixture *f)
{
  fixture_scan_with (f, NULL);
}

static void
fixture_clear (Fixture *f)
{
  g_clear_pointer (&f->document, pd_document_free);
  g_clear_object (&f->library);
}

static PopplerDocument *
open_pdf (const char *path)
{
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
  g_autoptr(GError) error = NULL;
  PopplerDocument *pdf = poppler_document_new_from_file (uri, NULL, &error);

  g_assert_no_error (error);
  return pdf;
}

static PdDocument *
reload (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  PdDocument *document = pd_library_get_document_by_id (f->library, f->document->id, &error);

  g_assert_no_error (error);
  return document;
}

static GPtrArray *
list_pages (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *pages = pd_library_list_pages (f->library, f->document->id, &error);

  g_assert_no_error (error);
  return pages;
}

/* A long word of the page's recognized text: what a person would search the PDF for. */
static char *
dup_marker_word (PdPage *page)
{
  g_auto(GStrv) words = g_strsplit_set (page->text, " \n\t", -1);
  char *best = NULL;

  for (guint i = 0; words[i] != NULL; i++)
    {
      gboolean alpha = TRUE;

      for (const char *c = words[i]; *c != '\0'; c++)
        alpha = alpha && g_ascii_isalpha (*c);
      if (alpha && strlen (words[i]) >= 7 && (best == NULL || strlen (words[i]) > strlen (best)))
        {
          g_free (best);
          best = g_strdup (words[i]);
        }
    }
  g_assert_nonnull (best);
  return best;
}

static char *
dup_pdf_page_text (PopplerDocument *pdf,
                   int              index)
{
  g_autoptr(PopplerPage) page = poppler_document_get_page (pdf, index);

  g_assert_nonnull (page);
  return poppler_page_get_text (page);
}

static gboolean
journal_has (Fixture    *f,
             const char *what)
{
  g_autoptr(GPtrArray) entries = pd_library_list_journal (f->library, f->document->id, NULL);

  for (guint i = 0; entries != NULL && i < entries->len; i++)
    if (g_strcmp0 (((PdJournalEntry *) g_ptr_array_index (entries, i))->what, what) == 0)
      return TRUE;
  return FALSE;
}

static void
edit (Fixture        *f,
      PdPageEditKind  kind,
      gint64          page_id,
      int             value)
{
  PdPageEdit e = { kind, page_id, value };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  /* Through the async form, as the window calls it. */
  pd_document_edit_page_async (f->library, &e, NULL, result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (pd_document_edit_page_finish (f->library, result, &error));
  g_assert_no_error (error);
}

static void
test_edits (void)
{
  Fixture f = { 0 };
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(PdDocument) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first_word = NULL;
  g_autofree char *third_word = NULL;
  gint64 revision;
  gint64 first_id, third_id;
  guint first_rotation;

  fixture_scan (&f);
  revision = f.document->revision;
  pages = list_pages (&f);
  first_id = ((PdPage *) g_ptr_array_index (pages, 0))->id;
  third_id = ((PdPage *) g_ptr_array_index (pages, 2))->id;
  first_rotation = ((PdPage *) g_ptr_array_index (pages, 0))->rotation;
  first_word = dup_marker_word (g_ptr_array_index (pages, 0));
  third_word = dup_marker_word (g_ptr_array_index (pages, 2));
  g_test_message ("page 1 says “%s”, page 3 “%s”", first_word, third_word);

  /* Turn page 1 a quarter: the PDF's page 1 is now landscape and its words still found. */
  {
    g_autoptr(PopplerDocument) pdf = open_pdf (f.document->pdf_path);
    g_autoptr(PopplerPage) page = poppler_document_get_page (pdf, 0);
    g_autoptr(PopplerDocument) turned_pdf = NULL;
    g_autoptr(PopplerPage) turned = NULL;
    g_autoptr(PdPage) stored = NULL;
    g_autofree char *text = NULL;
    double w, h, tw, th;

    poppler_page_get_size (page, &w, &h);
    g_assert_cmpfloat (h, >, w);
    edit (&f, PD_PAGE_EDIT_ROTATE, first_id, 1);
    after = reload (&f);
    g_assert_cmpint (after->revision, ==, revision + 1);
    turned_pdf = open_pdf (after->pdf_path);
    g_assert_cmpint (poppler_document_get_n_pages (turned_pdf), ==, 3);
    turned = poppler_document_get_page (turned_pdf, 0);
    poppler_page_get_size (turned, &tw, &th);
    g_assert_cmpfloat (fabs (tw - h), <, 2.0);
    g_assert_cmpfloat (fabs (th - w), <, 2.0);
    text = dup_pdf_page_text (turned_pdf, 0);
    g_assert_nonnull (strstr (text, first_word));
    stored = pd_library_get_page (f.library, first_id, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (stored->rotation, ==, (first_rotation + 90) % 360);
    g_assert_true (journal_has (&f, "page turned"));
    g_clear_pointer (&after, pd_document_free);
  }

  /* Page 3 to the front: the library and the PDF both show it first. */
  {
    g_autoptr(PopplerDocument) pdf = NULL;
    g_autoptr(GPtrArray) moved = NULL;
    g_autofree char *text = NULL;

    edit (&f, PD_PAGE_EDIT_MOVE, third_id, 0);
    moved = list_pages (&f);
    g_assert_cmpint (((PdPage *) g_ptr_array_index (moved, 0))->id, ==, third_id);
    g_assert_cmpint (((PdPage *) g_ptr_array_index (moved, 1))->id, ==, first_id);
    for (guint i = 0; i < moved->len; i++)
      g_assert_cmpuint (((PdPage *) g_ptr_array_index (moved, i))->index, ==, i);
    after = reload (&f);
    g_assert_cmpint (after->revision, ==, revision + 2);
    pdf = open_pdf (after->pdf_path);
    text = dup_pdf_page_text (pdf, 0);
    g_assert_nonnull (strstr (text, third_word));
    g_clear_pointer (&text, g_free);
    text = dup_pdf_page_text (pdf, 1);
    g_assert_nonnull (strstr (text, first_word));
    g_assert_true (journal_has (&f, "page moved"));
    g_clear_pointer (&after, pd_document_free);
  }

  /* Marked blank: out of the PDF, still in the library; unmarked: back in. */
  {
    g_autoptr(PopplerDocument) pdf = NULL;
    g_autoptr(PdPage) stored = NULL;

    edit (&f, PD_PAGE_EDIT_SET_BLANK, first_id, 1);
    after = reload (&f);
    pdf = open_pdf (after->pdf_path);
    g_assert_cmpint (poppler_document_get_n_pages (pdf), ==, 2);
    g_assert_cmpuint (after->n_pages, ==, 3);
    stored = pd_library_get_page (f.library, first_id, &error);
    g_assert_true (stored->is_blank && stored->excluded);
    g_clear_object (&pdf);
    g_clear_pointer (&after, pd_document_free);

    edit (&f, PD_PAGE_EDIT_SET_BLANK, first_id, 0);
    after = reload (&f);
    pdf = open_pdf (after->pdf_path);
    g_assert_cmpint (poppler_document_get_n_pages (pdf), ==, 3);
    g_clear_pointer (&after, pd_document_free);
  }

  /* Deleted: gone from the library, the search index and the PDF. */
  {
    g_autoptr(PopplerDocument) pdf = NULL;
    g_autoptr(GPtrArray) left = NULL;
    g_autoptr(GPtrArray) hits = NULL;

    edit (&f, PD_PAGE_EDIT_DELETE, third_id, 0);
    left = list_pages (&f);
    g_assert_cmpuint (left->len, ==, 2);
    g_assert_cmpint (((PdPage *) g_ptr_array_index (left, 0))->id, ==, first_id);
    g_assert_cmpuint (((PdPage *) g_ptr_array_index (left, 1))->index, ==, 1);
    after = reload (&f);
    g_assert_cmpuint (after->n_pages, ==, 2);
    g_assert_cmpint (after->revision, ==, revision + 5);
    pdf = open_pdf (after->pdf_path);
    g_assert_cmpint (poppler_document_get_n_pages (pdf), ==, 2);
    g_assert_null (pd_library_get_page (f.library, third_id, NULL));
    hits = pd_library_search (f.library, third_word, 10, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < hits->len; i++)
      g_assert_cmpuint (((PdSearchHit *) g_ptr_array_index (hits, i))->page_index, !=, 2);
    g_assert_true (journal_has (&f, "page deleted"));
    g_clear_pointer (&after, pd_document_free);
  }

  fixture_clear (&f);
}

/* A word of the page's stored words whose box lies wholly above (or below) @y: something a
 * person would look for in one half of the page. */
static char *
dup_word_beside (PdLibrary *library,
                 gint64     page_id,
                 int        y,
                 gboolean   above)
{
  g_autoptr(GArray) words = pd_library_get_words (library, page_id, NULL);
  char *best = NULL;

  g_assert_nonnull (words);
  for (guint i = 0; i < words->len; i++)
    {
      PdWord *w = &g_array_index (words, PdWord, i);
      gboolean alpha = TRUE;

      for (const char *c = w->text; *c != '\0'; c++)
        alpha = alpha && g_ascii_isalpha (*c);
      if (!alpha || strlen (w->text) < 7 || (above ? w->y1 >= y - 20 : w->y0 <= y + 20))
        continue;
      if (best == NULL || strlen (w->text) > strlen (best))
        {
          g_free (best);
          best = g_strdup (w->text);
        }
    }
  g_assert_nonnull (best);
  return best;
}

/* Cropped to its top half: the PDF page is half as tall, the words above are still found in
 * it, those below are gone from it and from the library, the boxes fit the new image. */
static void
test_crop (void)
{
  Fixture f = { 0 };
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(PdPage) stored = NULL;
  g_autoptr(PdDocument) after = NULL;
  g_autoptr(PopplerDocument) before_pdf = NULL;
  g_autoptr(PopplerDocument) pdf = NULL;
  g_autoptr(PopplerPage) before_page = NULL;
  g_autoptr(PopplerPage) page = NULL;
  g_autoptr(GArray) words = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *top_word = NULL;
  g_autofree char *bottom_word = NULL;
  g_autofree char *text = NULL;
  PdPageEdit e = { PD_PAGE_EDIT_CROP, 0, 0, { 0 } };
  PdPage *first;
  double w, h, cw, ch;
  guint half;

  fixture_scan (&f);
  pages = list_pages (&f);
  first = g_ptr_array_index (pages, 0);
  half = first->image_height / 2;
  top_word = dup_word_beside (f.library, first->id, (int) half, TRUE);
  bottom_word = dup_word_beside (f.library, first->id, (int) half, FALSE);
  g_test_message ("keeping “%s”, cutting away “%s”", top_word, bottom_word);

  before_pdf = open_pdf (f.document->pdf_path);
  before_page = poppler_document_get_page (before_pdf, 0);
  poppler_page_get_size (before_page, &w, &h);

  e.page_id = first->id;
  e.crop = (PdPageRect) { 0, 0, first->image_width, half };
  {
    g_autoptr(GAsyncResult) result = NULL;

    pd_document_edit_page_async (f.library, &e, NULL, result_cb, &result);
    while (result == NULL)
      g_main_context_iteration (NULL, TRUE);
    g_assert_true (pd_document_edit_page_finish (f.library, result, &error));
    g_assert_no_error (error);
  }

  after = reload (&f);
  g_assert_cmpint (after->revision, ==, f.document->revision + 1);
  pdf = open_pdf (after->pdf_path);
  g_assert_cmpint (poppler_document_get_n_pages (pdf), ==, 3);
  page = poppler_document_get_page (pdf, 0);
  poppler_page_get_size (page, &cw, &ch);
  g_assert_cmpfloat (fabs (cw - w), <, 2.0);
  g_assert_cmpfloat (fabs (ch - h / 2), <, 2.0);
  text = dup_pdf_page_text (pdf, 0);
  g_assert_nonnull (strstr (text, top_word));
  g_assert_null (strstr (text, bottom_word));

  stored = pd_library_get_page (f.library, first->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->image_width, ==, first->image_width);
  g_assert_cmpuint (stored->image_height, ==, half);
  g_assert_null (strstr (stored->text, bottom_word));
  g_assert_nonnull (strstr (stored->text, top_word));
  words = pd_library_get_words (f.library, first->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (words->len, >, 0);
  for (guint i = 0; i < words->len; i++)
    {
      PdWord *word = &g_array_index (words, PdWord, i);

      g_assert_cmpint (word->y1, <=, (int) half);
      g_assert_cmpint (word->x1, <=, (int) first->image_width);
    }
  g_assert_true (journal_has (&f, "page cropped"));

  /* A slip of the mouse is refused and changes nothing. */
  g_clear_pointer (&after, pd_document_free);
  e.crop = (PdPageRect) { 10, 10, 3, 3 };
  g_assert_false (pd_document_edit_page (f.library, &e, &error));
  g_assert_error (error, PD_DOCUMENT_EDIT_ERROR, PD_DOCUMENT_EDIT_ERROR_UNSUPPORTED);
  after = reload (&f);
  g_assert_cmpint (after->revision, ==, f.document->revision + 1);

  fixture_clear (&f);
}

/* Page 2 scanned again: the demo scanner's first sheet takes its place, same page, new text,
 * in the library, in search and in the PDF, as a new revision. */
static void
test_rescan (void)
{
  Fixture f = { 0 };
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(GPtrArray) after_pages = NULL;
  g_autoptr(PdScanner) scanner = pd_scanner_new ();
  g_autoptr(PdPipeline) pipeline = NULL;
  g_autoptr(PdProcessOptions) process = pd_process_options_new ();
  g_autoptr(PdScanOptions) scan = pd_scan_options_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PdDocument) after = NULL;
  g_autoptr(PopplerDocument) pdf = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first_word = NULL;
  g_autofree char *second_word = NULL;
  g_autofree char *text = NULL;
  PdPage *second;
  PdPage *replaced;

  fixture_scan (&f);
  pages = list_pages (&f);
  second = g_ptr_array_index (pages, 1);
  first_word = dup_marker_word (g_ptr_array_index (pages, 0));
  second_word = dup_marker_word (second);
  g_assert_cmpstr (first_word, !=, second_word);

  scan->device = g_strdup ("demo");
  pipeline = pd_pipeline_new (f.library, scanner);
  pd_pipeline_rescan_page_async (pipeline, scan, process, second->id, NULL, result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (pd_pipeline_rescan_page_finish (pipeline, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  release_pipeline (&pipeline);

  after_pages = list_pages (&f);
  g_assert_cmpuint (after_pages->len, ==, 3);
  replaced = g_ptr_array_index (after_pages, 1);
  g_assert_cmpint (replaced->id, ==, second->id);
  g_assert_cmpint (replaced->state, ==, PD_PAGE_STATE_RECOGNIZED);
  g_assert_cmpstr (replaced->spool_path, !=, second->spool_path);
  g_assert_false (g_file_test (second->spool_path, G_FILE_TEST_EXISTS));
  g_assert_nonnull (strstr (replaced->text, first_word));
  g_assert_null (strstr (replaced->text, second_word));

  after = reload (&f);
  g_assert_cmpint (after->revision, ==, f.document->revision + 1);
  pdf = open_pdf (after->pdf_path);
  g_assert_cmpint (poppler_document_get_n_pages (pdf), ==, 3);
  text = dup_pdf_page_text (pdf, 1);
  g_assert_nonnull (strstr (text, first_word));
  g_assert_null (strstr (text, second_word));
  g_assert_true (journal_has (&f, "page scanned again"));

  fixture_clear (&f);
}

static PopplerDocument *
open_pdf_with (const char  *path,
               const char  *password,
               GError     **error)
{
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);

  return poppler_document_new_from_file (uri, password, error);
}

/* A profile that encrypts: the scanned PDF needs the password, so does the PDF every edit
 * makes, and without the password in the keyring an edit is refused with nothing changed. */
static void
test_keeps_protection (void)
{
  Fixture f = { 0 };
  g_autoptr(PdProfile) profile = pd_profile_new ("Confidential");
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(PdDocument) after = NULL;
  g_autoptr(PopplerDocument) pdf = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *kind = pd_secret_dup_pdf_password_kind ("Confidential");
  g_autofree char *recorded = NULL;
  g_autofree char *word = NULL;
  g_autofree char *text = NULL;
  PdPageEdit e = { PD_PAGE_EDIT_ROTATE, 0, 1, { 0 } };

  if (!pd_secret_store (0, kind, "PDF password", "open sesame", NULL, &error))
    {
      /* Meson runs this file under tests/sync/run-with-keyring.sh, which gives it one. */
      g_test_skip_printf ("no Secret Service to keep the PDF password in: %s", error->message);
      return;
    }
  profile->encrypt = TRUE;
  profile->mode = PD_SCAN_MODE_GRAY;
  fixture_scan_with (&f, profile);
  g_assert_true (pd_document_get_profile (f.library, f.document->id, &recorded, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (recorded, ==, "Confidential");
  pages = list_pages (&f);
  word = dup_marker_word (g_ptr_array_index (pages, 0));

  g_assert_null (open_pdf_with (f.document->pdf_path, NULL, &error));
  g_assert_error (error, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED);
  g_clear_error (&error);

  /* Turned: a new revision, still locked, and readable with the password. */
  e.page_id = ((PdPage *) g_ptr_array_index (pages, 0))->id;
  g_assert_true (pd_document_edit_page (f.library, &e, &error));
  g_assert_no_error (error);
  after = reload (&f);
  g_assert_cmpint (after->revision, ==, f.document->revision + 1);
  g_assert_null (open_pdf_with (after->pdf_path, NULL, &error));
  g_assert_error (error, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED);
  g_clear_error (&error);
  pdf = open_pdf_with (after->pdf_path, "open sesame", &error);
  g_assert_no_error (error);
  g_assert_cmpint (poppler_document_get_n_pages (pdf), ==, 3);
  text = dup_pdf_page_text (pdf, 0);
  g_assert_nonnull (strstr (text, word));
  g_clear_pointer (&after, pd_document_free);

  /* The password gone from the keyring: refused, and neither the page nor the PDF changed. */
  g_assert_true (pd_secret_clear (0, kind, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (pd_document_edit_page (f.library, &e, &error));
  g_assert_error (error, PD_DOCUMENT_EDIT_ERROR, PD_DOCUMENT_EDIT_ERROR_PROTECTION);
  g_assert_nonnull (strstr (error->message, "profiles password Confidential"));
  g_clear_error (&error);
  {
    g_autoptr(PdPage) stored = pd_library_get_page (f.library, e.page_id, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (stored->rotation, ==, (((PdPage *) g_ptr_array_index (pages, 0))->rotation + 90) % 360);
  }
  after = reload (&f);
  g_assert_cmpint (after->revision, ==, f.document->revision + 1);
  g_assert_false (pd_document_rebuild_pdf (f.library, f.document->id, NULL, &error));
  g_assert_error (error, PD_DOCUMENT_EDIT_ERROR, PD_DOCUMENT_EDIT_ERROR_PROTECTION);

  fixture_clear (&f);
}

/* What cannot be done says why, and changes nothing. */
static void
test_refusals (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "library", NULL);
  g_autoptr(PdLibrary) library = pd_library_open (dir, NULL);
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(GError) error = NULL;
  PdPageEdit e = { PD_PAGE_EDIT_DELETE, 12345, 0 };

  g_assert_nonnull (library);
  g_assert_false (pd_document_edit_page (library, &e, &error));
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A document the scanner is still filling is not to be edited. */
  document = pd_library_create_document (library, "Busy", "demo", PD_SCAN_MODE_GRAY, "eng", &error);
  g_assert_no_error (error);
  {
    PdSpooledPage spooled = { 0 };
    gint64 page_id;

    spooled.path = "/nonexistent/page.pgm";
    spooled.width = 10;
    spooled.height = 10;
    spooled.depth = 8;
    spooled.channels = 1;
    spooled.dpi = 300;
    page_id = pd_library_add_page (library, document->id, &spooled, &error);
    g_assert_no_error (error);
    e.kind = PD_PAGE_EDIT_MOVE;
    e.page_id = page_id;
    g_assert_false (pd_document_edit_page (library, &e, &error));
    g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_BAD_TRANSITION);
    g_assert_nonnull (strstr (error->message, "still being scanned"));
  }
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *sane_dir = NULL;
  const char *fixtures = g_getenv ("PD_TEST_SANE_FIXTURES");

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* Only SANE's test and pnm backends, set before the scanner thread starts. */
  sane_dir = g_dir_make_tmp ("pd-sane-XXXXXX", NULL);
  for (guint i = 0; i < 2; i++)
    {
      const char *names[] = { "dll.conf", "test.conf" };
      g_autofree char *from = g_build_filename (fixtures, names[i], NULL);
      g_autofree char *to = g_build_filename (sane_dir, names[i], NULL);
      g_autofree char *contents = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (from, &contents, &len, NULL));
      g_assert_true (g_file_set_contents (to, contents, (gssize) len, NULL));
    }
  g_setenv ("SANE_CONFIG_DIR", sane_dir, TRUE);

  g_test_add_func ("/document-edit/edits", test_edits);
  g_test_add_func ("/document-edit/refusals", test_refusals);
  g_test_add_func ("/document-edit/crop", test_crop);
  g_test_add_func ("/document-edit/rescan", test_rescan);
  g_test_add_func ("/document-edit/keeps-protection", test_keeps_protection);
  return g_test_run ();
}
