/* test-library-delete.c: deleting a document against a real library in a private folder: its
 * rows, its words in the search index and its files are gone, the journal remembers it by uuid,
 * the database stays consistent, the other documents are untouched, a document still being
 * processed is refused, and a synced document's copy on its destination (a real folder account,
 * sent by the real sync engine) stays where it is. */
#include <glib/gstdio.h>
#include <string.h>

#include "pd-library.h"
#include "pd-library-delete.h"
#include "pd-library-sync.h"
#include "pd-sync-engine.h"

static PdLibrary *
open_library (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "library", NULL);
  PdLibrary *library = pd_library_open (dir, &error);

  g_assert_no_error (error);
  return library;
}

static void
close_library (PdLibrary *library)
{
  gpointer weak = library;

  /* Pending emissions (the engine's progress holds the engine, which holds the library) run
   * first; after them nothing may keep the library alive. */
  g_object_add_weak_pointer (G_OBJECT (library), &weak);
  g_object_unref (library);
  for (guint i = 0; weak != NULL && i < 1000; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (weak);
}

static char *
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
  return path;
}

/* A ready document of two recognized pages, whose spooled scans, page images and PDF exist. */
static PdDocument *
make_document (PdLibrary  *library,
               const char *name,
               const char *text,
               GPtrArray  *files)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autofree char *pdf_name = g_strdup_printf ("%s.pdf", name);
  char *pdf;

  document = pd_library_create_document (library, name, "demo", PD_SCAN_MODE_TEXT, "eng",
                                         &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *spool_name = g_strdup_printf ("%s-%u.pnm", name, i);
      g_autofree char *image_name = g_strdup_printf ("%s-%u.jpg", name, i);
      char *spool = write_file (pd_library_get_spool_dir (library), spool_name, "P5 1 1 255 x");
      char *image = write_file (pd_library_get_pages_dir (library), image_name, "jpeg");
      g_autofree char *page_text = g_strdup_printf ("%s page%u", text, i);
      g_autoptr(GArray) words = pd_word_array_new ();
      PdSpooledPage page = {
        .index = i, .path = spool, .width = 10, .height = 10, .depth = 8, .channels = 1,
        .dpi = 300,
      };
      gint64 page_id = pd_library_add_page (library, document->id, &page, &error);

      g_assert_no_error (error);
      g_assert_true (pd_library_set_page_recognized (library, page_id, image, 1, 0, page_text,
                                                     90, words, &error));
      g_assert_no_error (error);
      g_ptr_array_add (files, spool);
      g_ptr_array_add (files, image);
    }
  g_assert_true (pd_library_transition (library, document->id, PD_DOC_STATE_CAPTURING,
                                        PD_DOC_STATE_PROCESSING, "processing", NULL, &error));
  pdf = write_file (pd_library_get_documents_dir (library), pdf_name, "%PDF-1.7 test");
  g_assert_true (pd_library_set_document_ready (library, document->id, pdf, &error));
  g_assert_no_error (error);
  g_ptr_array_add (files, pdf);
  return g_steal_pointer (&document);
}

static guint
count_hits (PdLibrary  *library,
            const char *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = pd_library_search (library, query, 50, &error);

  g_assert_no_error (error);
  return hits->len;
}

static void
changed_cb (PdLibrary *library,
            gint64     document_id,
            gpointer   user_data)
{
  *(gint64 *) user_data = document_id;
}

static void
test_delete_removes_everything (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) kept_files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) journal = NULL;
  g_autoptr(PdDocument) gone = NULL;
  g_autoptr(PdDocument) doomed = NULL;
  g_autoptr(PdDocument) kept = NULL;
  g_autofree char *report = NULL;
  PdLibrary *library = open_library ();
  gint64 changed = 0;
  gboolean journaled = FALSE;

  doomed = make_document (library, "Contract", "zebrafish agreement", files);
  kept = make_document (library, "Receipt", "walrus receipt", kept_files);
  g_assert_cmpuint (count_hits (library, "zebrafish"), ==, 2);
  g_signal_connect (library, "document-changed", G_CALLBACK (changed_cb), &changed);

  g_assert_true (pd_library_delete_document (library, doomed->id, &error));
  g_assert_no_error (error);

  /* The document, its pages and its words are gone; nothing else is. */
  gone = pd_library_get_document_by_id (library, doomed->id, &error);
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND);
  g_assert_null (gone);
  g_clear_error (&error);
  g_assert_cmpuint (count_hits (library, "zebrafish"), ==, 0);
  g_assert_cmpuint (count_hits (library, "walrus"), ==, 2);
  for (guint i = 0; i < files->len; i++)
    g_assert_false (g_file_test (files->pdata[i], G_FILE_TEST_EXISTS));
  for (guint i = 0; i < kept_files->len; i++)
    g_assert_true (g_file_test (kept_files->pdata[i], G_FILE_TEST_EXISTS));

  /* The journal still tells what happened to it, by its uuid. */
  journal = pd_library_list_journal (library, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < journal->len; i++)
    {
      const PdJournalEntry *entry = journal->pdata[i];

      if (g_strcmp0 (entry->what, "deleted") == 0)
        {
          g_assert_cmpstr (entry->document_uuid, ==, doomed->uuid);
          g_assert_cmpstr (entry->from_state, ==, "ready");
          g_assert_nonnull (strstr (entry->detail, "Contract"));
          journaled = TRUE;
        }
    }
  g_assert_true (journaled);

  g_assert_true (pd_library_check_integrity (library, &report, &error));
  g_assert_no_error (error);

  /* The view hears about it. */
  while (changed == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (changed, ==, doomed->id);

  /* Twice is an error a caller can tell apart. */
  g_assert_false (pd_library_delete_document (library, doomed->id, &error));
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND);

  close_library (library);
}

static void
test_delete_refuses_processing (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(PdDocument) still = NULL;
  PdLibrary *library = open_library ();

  document = pd_library_create_document (library, "Scanning", "demo", PD_SCAN_MODE_TEXT, "eng",
                                         &error);
  g_assert_no_error (error);
  g_assert_false (pd_library_delete_document (library, document->id, &error));
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_BAD_TRANSITION);
  g_assert_nonnull (strstr (error->message, "Scanning"));
  g_clear_error (&error);
  still = pd_library_get_document_by_id (library, document->id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (still);

  close_library (library);
}

static void
pass_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_delete_synced_keeps_remote (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(PdSyncState) state = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PdSyncEngine) engine = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  g_autofree char *share = g_build_filename (g_get_user_data_dir (), "share", NULL);
  g_autofree char *remote = NULL;
  g_autofree char *contents = NULL;
  PdSyncSummary summary = { 0 };
  PdLibrary *library = open_library ();

  g_assert_no_errno (g_mkdir_with_parents (share, 0700));
  g_assert_cmpint (pd_library_add_account (library, "Share", "folder", share, NULL, &error), >,
                   0);
  g_assert_no_error (error);
  document = make_document (library, "Synced deed", "heron deed", files);
  g_assert_true (pd_library_set_document_destination (library, document->id, "Share:Deeds",
                                                      &error));
  g_assert_no_error (error);

  engine = pd_sync_engine_new (library);
  pd_sync_engine_run_pass_async (engine, NULL, pass_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (pd_sync_engine_run_pass_finish (engine, result, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.accepted, ==, 1);
  state = pd_library_get_sync_state (library, document->id, &error);
  g_assert_no_error (error);
  remote = g_build_filename (share, state->remote_path, NULL);
  g_assert_true (g_file_test (remote, G_FILE_TEST_IS_REGULAR));

  g_assert_true (pd_library_delete_document (library, document->id, &error));
  g_assert_no_error (error);

  /* Gone here, still there. */
  for (guint i = 0; i < files->len; i++)
    g_assert_false (g_file_test (files->pdata[i], G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (remote, &contents, NULL, &error));
  g_assert_cmpstr (contents, ==, "%PDF-1.7 test");
  journal = pd_library_list_journal (library, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((PdJournalEntry *) journal->pdata[journal->len - 1])->detail, ==,
                   "“Synced deed” deleted from this computer; the synced copy stays on its "
                   "destination");

  /* The pass's result holds the engine, which holds the library. */
  g_clear_object (&result);
  g_object_run_dispose (G_OBJECT (engine));
  g_clear_object (&engine);
  close_library (library);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/library/delete/removes-everything", test_delete_removes_everything);
  g_test_add_func ("/library/delete/refuses-processing", test_delete_refuses_processing);
  g_test_add_func ("/library/delete/synced-keeps-remote", test_delete_synced_keeps_remote);

  return g_test_run ();
}
