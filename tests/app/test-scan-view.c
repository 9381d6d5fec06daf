/* test-scan-view.c: the Scan page as a person uses it, in a real window under Xvfb, with the
 * demo scanner, SANE's test backend, tesseract and the library: a required profile keeps Scan
 * off until one is picked; a demo scan shows a thumbnail per page whose state reaches Done;
 * turning, deleting (and undoing), reordering change the library and the PDF (read back with
 * poppler); the page viewer outlines the recognized words; a crop dragged over the viewer and
 * a new scan of one page change the page's image and its PDF page; a jammed feeder says so,
 * with what to do, and the pages already scanned stay. Screenshots are left beside the test log. */
#define G_LOG_DOMAIN "pd-test"

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <poppler.h>
#include <string.h>
#include <unistd.h>

#include "pd-library.h"
#include "pd-library-pages.h"
#include "pd-page-viewer.h"
#include "pd-profile.h"
#include "pd-scan-page.h"
#include "pd-scan-view.h"
#include "pd-test-scan.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PopplerDocument, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PopplerPage, g_object_unref)

#define SCAN_TIMEOUT_MS 90000

static gboolean
set_true_cb (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

#define WAIT_UNTIL_MS(cond, ms)                                                 \
  G_STMT_START {                                                                \
    gboolean timed_out_ = FALSE;                                                \
    guint timeout_id_ = g_timeout_add ((ms), set_true_cb, &timed_out_);         \
    while (!(cond) && !timed_out_)                                              \
      g_main_context_iteration (NULL, TRUE);                                    \
    if (!timed_out_)                                                            \
      g_source_remove (timeout_id_);                                            \
    if (!(cond))                                                                \
      g_error ("Timed out after %d ms waiting for: %s", (ms), #cond);           \
  } G_STMT_END
#define WAIT_UNTIL(cond) WAIT_UNTIL_MS (cond, 10000)

static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_true_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
is_shown_label_containing (GtkWidget     *widget,
                           gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
         strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL;
}

static gboolean
is_type (GtkWidget     *widget,
         gconstpointer  type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (type));
}

static void
select_tile (GtkWidget *view,
             guint      index)
{
  GtkFlowBox *box = pd_test_scan_page_box (view);

  gtk_flow_box_select_child (box, gtk_flow_box_get_child_at_index (box, (int) index));
}

static gboolean
all_pages_done (PdScanView *view,
                guint       n)
{
  GListModel *pages = pd_scan_view_get_pages (view);

  if (g_list_model_get_n_items (pages) != n || pd_scan_view_get_busy (view))
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PdScanPage) page = g_list_model_get_item (pages, i);

      if (page->state != PD_SCAN_PAGE_DONE || page->thumbnail == NULL || page->page_id <= 0)
        return FALSE;
    }
  return TRUE;
}

static gint64
first_shown_page_id (PdScanView *view)
{
  g_autoptr(PdScanPage) page = g_list_model_get_item (pd_scan_view_get_pages (view), 0);

  return page != NULL ? page->page_id : 0;
}

static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  const char *dir = g_getenv ("PD_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int width;
  int height;

  /* What a screenshot shows has been on screen: let GTK lay out and paint first. */
  spin (300);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (dir == NULL || dir[0] == '\0')
    dir = g_get_user_cache_dir ();
  g_assert_no_errno (g_mkdir_with_parents (dir, 0755));
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot saved to %s", path);
}

static PdLibrary *
open_library (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "library", NULL);
  g_autoptr(GError) error = NULL;
  PdLibrary *library = pd_library_open (dir, &error);

  g_assert_no_error (error);
  return library;
}

static GtkWidget *
show_view (PdLibrary  *library,
           GtkWindow **window)
{
  GtkWidget *view = pd_scan_view_new ();

  *window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (*window, 900, 760);
  gtk_window_set_child (*window, view);
  pd_scan_view_set_library (PD_SCAN_VIEW (view), library);
  gtk_window_present (*window);
  return view;
}

static void
close_window (GtkWindow *window,
              GtkWidget *view)
{
  gpointer weak = view;

  g_object_add_weak_pointer (G_OBJECT (view), &weak);
  gtk_window_destroy (window);
  WAIT_UNTIL (weak == NULL);
}

static void
release_library (PdLibrary *library)
{
  gpointer weak = library;

  g_object_add_weak_pointer (G_OBJECT (library), &weak);
  g_object_unref (library);
  WAIT_UNTIL_MS (weak == NULL, 20000);
}

static void
test_profile_required (void)
{
  PdLibrary *library = open_library ();
  g_autoptr(PdProfile) profile = pd_profile_new ("Invoices");
  g_autoptr(GError) error = NULL;
  GtkWindow *window;
  GtkWidget *view;
  GtkWidget *button;

  profile->device = g_strdup ("demo");
  g_assert_true (pd_library_save_profile (library, profile, FALSE, &error));
  g_assert_true (pd_library_set_profile_required (library, TRUE, &error));
  g_assert_no_error (error);

  view = show_view (library, &window);
  WAIT_UNTIL ((button = pd_test_scan_find_widget (view, pd_test_scan_is_profile_button, "Invoices")) != NULL);
  WAIT_UNTIL (pd_test_scan_find_widget (view, is_shown_label_containing, "requires one") != NULL);
  /* No "Quick Scan" when a profile is required, and Scan waits for a choice. */
  g_assert_null (pd_test_scan_find_widget (view, pd_test_scan_is_profile_button, "Quick Scan"));
  spin (200);
  g_assert_false (pd_test_scan_enabled (view));
  save_screenshot (view, "scan-profile-required.png");

  /* Found again: the list is rebuilt whenever the library's profiles change. */
  button = pd_test_scan_find_widget (view, pd_test_scan_is_profile_button, "Invoices");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), TRUE);
  g_assert_true (pd_test_scan_enabled (view));

  close_window (window, view);
  release_library (library);
}

static gint64
page_id_at (PdLibrary *library,
            gint64     document_id,
            guint      index,
            guint     *n_pages)
{
  g_autoptr(GPtrArray) pages = pd_library_list_pages (library, document_id, NULL);

  g_assert_nonnull (pages);
  if (n_pages != NULL)
    *n_pages = pages->len;
  return index < pages->len ? ((PdPage *) g_ptr_array_index (pages, index))->id : 0;
}

static PopplerDocument *
open_pdf (PdLibrary *library,
          gint64     document_id)
{
  g_autoptr(PdDocument) document = pd_library_get_document_by_id (library, document_id, NULL);
  g_autofree char *uri = NULL;
  g_autoptr(GError) error = NULL;
  PopplerDocument *pdf;

  g_assert_nonnull (document);
  g_assert_nonnull (document->pdf_path);
  uri = g_filename_to_uri (document->pdf_path, NULL, NULL);
  pdf = poppler_document_new_from_file (uri, NULL, &error);
  g_assert_no_error (error);
  return pdf;
}

static void
pdf_page_size (PdLibrary *library,
               gint64     document_id,
               int        index,
               double    *width,
               double    *height)
{
  g_autoptr(PopplerDocument) pdf = open_pdf (library, document_id);
  g_autoptr(PopplerPage) page = poppler_document_get_page (pdf, index);

  g_assert_nonnull (page);
  poppler_page_get_size (page, width, height);
}

static gboolean
action_enabled (GtkWidget  *view,
                const char *action)
{
  GtkWidget *button = pd_test_scan_find_widget (view, pd_test_scan_is_action_button, action);

  g_assert_nonnull (button);
  return gtk_widget_is_sensitive (button);
}

static GtkGesture *
find_drag_gesture (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_DRAG (controller))
        return GTK_GESTURE (controller);
    }
  return NULL;
}

static char *
dup_shown_image_path (GtkWidget *view,
                      gint64     page_id)
{
  GListModel *pages = pd_scan_view_get_pages (PD_SCAN_VIEW (view));

  for (guint i = 0; i < g_list_model_get_n_items (pages); i++)
    {
      g_autoptr(PdScanPage) page = g_list_model_get_item (pages, i);

      if (page->page_id == page_id && page->state == PD_SCAN_PAGE_DONE)
        return g_strdup (page->image_path);
    }
  return NULL;
}

/* Crops the page shown in the viewer to its middle by a drag, as a person would, and applies
 * it: the page's image and its PDF page become about half as wide and high. */
static void
crop_in_viewer (GtkWidget    *view,
                PdPageViewer *viewer,
                PdLibrary    *library,
                gint64        document_id,
                gint64        page_id)
{
  g_autoptr(PdPage) before = pd_library_get_page (library, page_id, NULL);
  g_autoptr(PdPage) after = NULL;
  g_autofree char *shown = NULL;
  GtkGesture *drag = find_drag_gesture (GTK_WIDGET (viewer));
  double w0, h0, w1, h1;
  int width = gtk_widget_get_width (GTK_WIDGET (viewer));
  int height = gtk_widget_get_height (GTK_WIDGET (viewer));
  PdPageRect selection;

  g_assert_nonnull (before);
  g_assert_nonnull (drag);
  g_assert_cmpuint (before->image_width, >, 1000);
  pdf_page_size (library, document_id, 0, &w0, &h0);

  /* Off until asked: a drag over the page selects nothing. */
  g_assert_false (action_enabled (view, "scan.apply-crop"));
  g_assert_true (action_enabled (view, "scan.crop"));
  g_assert_true (gtk_widget_activate_action (view, "scan.crop", NULL));
  g_assert_true (pd_page_viewer_get_cropping (viewer));
  g_assert_false (action_enabled (view, "scan.apply-crop"));

  g_signal_emit_by_name (drag, "drag-begin", width / 4.0, height / 4.0);
  g_signal_emit_by_name (drag, "drag-update", width / 2.0, height / 2.0);
  g_signal_emit_by_name (drag, "drag-end", width / 2.0, height / 2.0);
  g_assert_true (pd_page_viewer_get_selection (viewer, &selection));
  g_assert_cmpuint (selection.width, >, before->image_width * 45 / 100);
  g_assert_cmpuint (selection.width, <, before->image_width * 55 / 100);
  g_assert_true (action_enabled (view, "scan.apply-crop"));
  /* The viewer with its crop bar: below the batch, out of the window's first screen. */
  save_screenshot (gtk_widget_get_ancestor (GTK_WIDGET (viewer), GTK_TYPE_BOX), "scan-crop.png");

  g_assert_true (gtk_widget_activate_action (view, "scan.apply-crop", NULL));
  g_assert_false (pd_page_viewer_get_cropping (viewer));
  WAIT_UNTIL_MS (!pd_scan_view_get_busy (PD_SCAN_VIEW (view)), 30000);

  after = pd_library_get_page (library, page_id, NULL);
  g_assert_nonnull (after);
  g_assert_cmpuint (after->image_width, ==, selection.width);
  g_assert_cmpuint (after->image_height, ==, selection.height);
  pdf_page_size (library, document_id, 0, &w1, &h1);
  g_assert_cmpfloat (w1, <, w0 * 0.55);
  g_assert_cmpfloat (w1, >, w0 * 0.45);
  g_assert_cmpfloat (h1, <, h0 * 0.55);
  /* The tile shows the new image (its thumbnail is decoded from it), and so does the viewer. */
  WAIT_UNTIL ((shown = dup_shown_image_path (view, page_id)) != NULL &&
              g_strcmp0 (shown, after->image_path) == 0);
  WAIT_UNTIL (pd_page_viewer_is_loaded (viewer));
}

/* The Save dialog of a batch waiting for review, once shown. */
static AdwMessageDialog *
find_plan_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* borrowed */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_mapped (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static gboolean
is_button_labelled (GtkWidget     *widget,
                    gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), data) == 0;
}

static gboolean
is_row_titled (GtkWidget     *widget,
               gconstpointer  data)
{
  return ADW_IS_ACTION_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), data) == 0;
}

static gboolean
is_row_subtitled (GtkWidget     *widget,
                  gconstpointer  data)
{
  return ADW_IS_ACTION_ROW (widget) &&
         g_strcmp0 (adw_action_row_get_subtitle (ADW_ACTION_ROW (widget)), data) == 0;
}

/* Save shows the documents the batch will make, with their names and page counts; nothing is
 * filed before the person says Save (Keep Reviewing leaves it for the Save button), and the
 * tiles then show the filed document. */
static gint64
review_and_save (GtkWidget *view,
                 PdLibrary *library,
                 guint      n_pages)
{
  AdwMessageDialog *dialog = NULL;
  GPtrArray *documents = pd_scan_view_get_documents (PD_SCAN_VIEW (view));
  g_autoptr(PdDocument) pending = NULL;
  g_autoptr(PdDocument) filed = NULL;
  g_autofree char *subtitle = g_strdup_printf ("%u pages", n_pages);
  gint64 document_id;

  WAIT_UNTIL ((dialog = find_plan_dialog ()) != NULL);
  g_assert_cmpuint (documents->len, ==, 1);
  document_id = ((PdDocument *) g_ptr_array_index (documents, 0))->id;
  pending = pd_library_get_document_by_id (library, document_id, NULL);
  g_assert_nonnull (pending);
  g_assert_cmpint (pending->state, ==, PD_DOC_STATE_PROCESSING);
  g_assert_null (pending->pdf_path);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Save 1 Document?");
  g_assert_nonnull (pd_test_scan_find_widget (GTK_WIDGET (dialog), is_row_titled, pending->name));
  g_assert_nonnull (pd_test_scan_find_widget (GTK_WIDGET (dialog), is_row_subtitled, subtitle));
  /* A new batch waits until this one is saved. */
  g_assert_false (action_enabled (view, "scan.start"));
  spin (200);
  save_screenshot (GTK_WIDGET (dialog), "scan-save-dialog.png");

  /* Keep Reviewing: the batch waits, Save stays on the page. */
  {
    GtkWidget *keep = pd_test_scan_find_widget (GTK_WIDGET (dialog), is_button_labelled, "_Keep Reviewing");

    g_assert_nonnull (keep);
    g_signal_emit_by_name (keep, "clicked");
  }
  WAIT_UNTIL (find_plan_dialog () == NULL);

  /* Still in review, the last page is turned, and Save is pressed while that edit is still
   * being made: Save waits for it, and files the page turned. */
  select_tile (view, n_pages - 1);
  g_assert_true (gtk_widget_activate_action (view, "scan.rotate-right", NULL));
  g_assert_true (action_enabled (view, "scan.save"));
  g_assert_true (gtk_widget_activate_action (view, "scan.save", NULL));
  WAIT_UNTIL_MS (!pd_scan_view_get_busy (PD_SCAN_VIEW (view)), 60000);
  WAIT_UNTIL (pd_test_scan_find_widget (view, is_shown_label_containing, "Saved") != NULL);
  g_assert_false (action_enabled (view, "scan.save"));

  documents = pd_scan_view_get_documents (PD_SCAN_VIEW (view));
  g_assert_cmpuint (documents->len, ==, 1);
  filed = pd_library_get_document_by_id (library, ((PdDocument *) g_ptr_array_index (documents, 0))->id, NULL);
  g_assert_nonnull (filed);
  g_assert_cmpstr (filed->name, ==, pending->name);
  g_assert_cmpint (filed->state, ==, PD_DOC_STATE_READY);
  g_assert_true (g_file_test (filed->pdf_path, G_FILE_TEST_IS_REGULAR));
  {
    g_autoptr(PopplerDocument) pdf = open_pdf (library, filed->id);
    g_autoptr(PopplerPage) first = poppler_document_get_page (pdf, 0);
    g_autoptr(PopplerPage) last = poppler_document_get_page (pdf, (int) n_pages - 1);
    double w, h;

    g_assert_cmpint (poppler_document_get_n_pages (pdf), ==, (int) n_pages);
    poppler_page_get_size (first, &w, &h);
    g_assert_cmpfloat (w, <, h);
    poppler_page_get_size (last, &w, &h);
    g_assert_cmpfloat (w, >, h);
  }
  WAIT_UNTIL (pd_test_scan_count_shown_tiles (view) == n_pages);
  return filed->id;
}

static void
test_scan_and_edit (void)
{
  PdLibrary *library = open_library ();
  g_autoptr(PdProfile) jam = pd_profile_new ("Jammed feeder");
  g_autoptr(GError) error = NULL;
  GtkWindow *window;
  GtkWidget *view;
  GPtrArray *documents;
  gint64 document_id;
  gint64 first_id, second_id, third_id;
  guint n_pages;

  /* SANE's test backend, configured by this test to report a jam. */
  jam->device = g_strdup ("test:0");
  jam->source = PD_SCAN_SOURCE_ADF;
  jam->resolution = 50;
  g_assert_true (pd_library_save_profile (library, jam, FALSE, &error));
  g_assert_no_error (error);

  view = show_view (library, &window);
  WAIT_UNTIL (pd_test_scan_find_widget (view, pd_test_scan_is_profile_button, "Quick Scan") != NULL);
  WAIT_UNTIL (pd_test_scan_enabled (view));
  save_screenshot (view, "scan-ready.png");

  /* The demo scanner: six pages, each with a thumbnail, every state reaching Done. */
  g_assert_true (gtk_widget_activate_action (view, "scan.start", NULL));
  WAIT_UNTIL (pd_scan_view_get_busy (PD_SCAN_VIEW (view)));
  WAIT_UNTIL_MS (all_pages_done (PD_SCAN_VIEW (view), 6), SCAN_TIMEOUT_MS);
  WAIT_UNTIL (pd_test_scan_count_shown_tiles (view) == 6);
  document_id = review_and_save (view, library, 6);
  documents = pd_scan_view_get_documents (PD_SCAN_VIEW (view));
  g_assert_cmpuint (documents->len, ==, 1);
  g_assert_cmpint (((PdDocument *) g_ptr_array_index (documents, 0))->id, ==, document_id);
  spin (300);
  save_screenshot (view, "scan-batch.png");

  first_id = page_id_at (library, document_id, 0, NULL);
  second_id = page_id_at (library, document_id, 1, NULL);
  third_id = page_id_at (library, document_id, 2, NULL);

  /* Turn page 1: the PDF's first page becomes landscape. */
  {
    g_autoptr(PopplerDocument) pdf = NULL;
    g_autoptr(PopplerPage) page = NULL;
    double w, h;

    select_tile (view, 0);
    g_assert_true (gtk_widget_activate_action (view, "scan.rotate-right", NULL));
    WAIT_UNTIL_MS (!pd_scan_view_get_busy (PD_SCAN_VIEW (view)), 30000);
    pdf = open_pdf (library, document_id);
    page = poppler_document_get_page (pdf, 0);
    poppler_page_get_size (page, &w, &h);
    g_assert_cmpfloat (w, >, h);
  }

  /* Delete page 2 and undo: the tile comes back and the library never lost it. */
  select_tile (view, 1);
  g_assert_true (gtk_widget_activate_action (view, "scan.delete-page", NULL));
  g_assert_cmpuint (pd_test_scan_count_shown_tiles (view), ==, 5);
  g_assert_true (gtk_widget_activate_action (view, "scan.undo-delete", NULL));
  g_assert_cmpuint (pd_test_scan_count_shown_tiles (view), ==, 6);
  spin (200);
  g_assert_cmpint (page_id_at (library, document_id, 1, &n_pages), ==, second_id);
  g_assert_cmpuint (n_pages, ==, 6);

  /* Two pages deleted in a row share one toast, and one Undo brings both back in their places:
   * the second Delete needs no wait, and the next page is selected for it. */
  select_tile (view, 1);
  g_assert_true (gtk_widget_activate_action (view, "scan.delete-page", NULL));
  g_assert_true (gtk_widget_activate_action (view, "scan.delete-page", NULL));
  g_assert_cmpuint (pd_test_scan_count_shown_tiles (view), ==, 4);
  WAIT_UNTIL (pd_test_scan_find_widget (view, is_shown_label_containing, "2 pages deleted") != NULL);
  g_assert_true (gtk_widget_activate_action (view, "scan.undo-delete", NULL));
  g_assert_cmpuint (pd_test_scan_count_shown_tiles (view), ==, 6);
  spin (200);
  g_assert_cmpint (page_id_at (library, document_id, 1, &n_pages), ==, second_id);
  g_assert_cmpint (page_id_at (library, document_id, 2, NULL), ==, third_id);
  g_assert_cmpuint (n_pages, ==, 6);
  {
    g_autoptr(PdScanPage) restored = g_list_model_get_item (
      G_LIST_MODEL (pd_scan_view_get_pages (PD_SCAN_VIEW (view))), 2);

    g_assert_cmpint (restored->page_id, ==, third_id);
  }

  /* Delete it for real: once the toast goes, the library and the PDF have five pages. */
  {
    g_autoptr(PopplerDocument) pdf = NULL;

    select_tile (view, 1);
    g_assert_true (gtk_widget_activate_action (view, "scan.delete-page", NULL));
    pd_scan_view_commit_pending_edits (PD_SCAN_VIEW (view));
    WAIT_UNTIL_MS (!pd_scan_view_get_busy (PD_SCAN_VIEW (view)), 30000);
    WAIT_UNTIL (pd_test_scan_count_shown_tiles (view) == 5);
    g_assert_cmpint (page_id_at (library, document_id, 1, &n_pages), ==, third_id);
    g_assert_cmpuint (n_pages, ==, 5);
    pdf = open_pdf (library, document_id);
    g_assert_cmpint (poppler_document_get_n_pages (pdf), ==, 5);
  }

  /* Reorder by keyboard: page 2 (the old page 3) moves before page 1. */
  select_tile (view, 1);
  g_assert_true (gtk_widget_activate_action (view, "scan.move-page-back", NULL));
  WAIT_UNTIL_MS (!pd_scan_view_get_busy (PD_SCAN_VIEW (view)), 30000);
  g_assert_cmpint (page_id_at (library, document_id, 0, NULL), ==, third_id);
  g_assert_cmpint (page_id_at (library, document_id, 1, NULL), ==, first_id);
  /* The preview settles on the library's order. */
  WAIT_UNTIL (first_shown_page_id (PD_SCAN_VIEW (view)) == third_id);

  /* A move while a deletion waits for its toast: the move names places as the preview shows
   * them, so the deletion is saved first and the library ends in the order on screen. */
  {
    gint64 fourth_id = page_id_at (library, document_id, 3, NULL);
    gint64 fifth_id = page_id_at (library, document_id, 4, NULL);

    select_tile (view, 2);
    g_assert_true (gtk_widget_activate_action (view, "scan.delete-page", NULL));
    select_tile (view, 2);
    g_assert_true (gtk_widget_activate_action (view, "scan.move-page-forward", NULL));
    WAIT_UNTIL_MS (!pd_scan_view_get_busy (PD_SCAN_VIEW (view)), 30000);
    g_assert_cmpint (page_id_at (library, document_id, 2, &n_pages), ==, fifth_id);
    g_assert_cmpint (page_id_at (library, document_id, 3, NULL), ==, fourth_id);
    g_assert_cmpuint (n_pages, ==, 4);
  }

  /* The viewer, then the word overlay. */
  {
    GtkFlowBox *box = pd_test_scan_page_box (view);
    PdPageViewer *viewer;

    g_signal_emit_by_name (box, "child-activated", gtk_flow_box_get_child_at_index (box, 0));
    viewer = PD_PAGE_VIEWER (pd_test_scan_find_widget (view, is_type,
                                                       GSIZE_TO_POINTER (PD_TYPE_PAGE_VIEWER)));
    WAIT_UNTIL (pd_page_viewer_is_loaded (viewer) && gtk_widget_get_mapped (GTK_WIDGET (viewer)));
    spin (200);
    g_assert_cmpuint (pd_page_viewer_get_n_words_drawn (viewer), ==, 0);
    g_assert_true (gtk_widget_activate_action (view, "scan.show-words", NULL));
    WAIT_UNTIL (pd_page_viewer_get_n_words_drawn (viewer) > 20);
    save_screenshot (view, "scan-viewer-words.png");
    g_assert_true (gtk_widget_activate_action (view, "scan.show-words", NULL));

    crop_in_viewer (view, viewer, library, document_id, third_id);

    /* Scan the cropped page again from the demo scanner: a whole page takes its place, with
     * its id and place kept, in the library, the PDF and the preview. */
    {
      g_autoptr(PdPage) cropped = pd_library_get_page (library, third_id, NULL);
      g_autoptr(PdPage) rescanned = NULL;
      g_autofree char *shown = NULL;
      double w, h, w0, h0;

      pdf_page_size (library, document_id, 0, &w0, &h0);
      select_tile (view, 0);
      g_assert_true (action_enabled (view, "scan.rescan-page"));
      g_assert_true (gtk_widget_activate_action (view, "scan.rescan-page", NULL));
      g_assert_true (pd_scan_view_get_busy (PD_SCAN_VIEW (view)));
      WAIT_UNTIL_MS (!pd_scan_view_get_busy (PD_SCAN_VIEW (view)), 60000);
      g_assert_null (pd_test_scan_find_widget (view, is_shown_label_containing, "Went Wrong"));

      rescanned = pd_library_get_page (library, third_id, NULL);
      g_assert_nonnull (rescanned);
      g_assert_cmpint (rescanned->state, ==, PD_PAGE_STATE_RECOGNIZED);
      g_assert_cmpstr (rescanned->image_path, !=, cropped->image_path);
      g_assert_cmpuint (rescanned->image_width, >, cropped->image_width * 3 / 2);
      g_assert_nonnull (rescanned->text);
      g_assert_cmpuint (strlen (rescanned->text), >, 100);
      g_assert_cmpint (page_id_at (library, document_id, 0, &n_pages), ==, third_id);
      g_assert_cmpuint (n_pages, ==, 4);
      pdf_page_size (library, document_id, 0, &w, &h);
      g_assert_cmpfloat (w, >, w0 * 1.5);
      WAIT_UNTIL ((shown = dup_shown_image_path (view, third_id)) != NULL &&
                  g_strcmp0 (shown, rescanned->image_path) == 0);
      save_screenshot (gtk_widget_get_ancestor (GTK_WIDGET (viewer), GTK_TYPE_BOX), "scan-rescanned.png");
    }
    g_assert_true (gtk_widget_activate_action (view, "scan.close-viewer", NULL));
  }

  /* A jammed feeder: a specific message with what to do; the batch's pages stay. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (pd_test_scan_find_widget (
                                  view, pd_test_scan_is_profile_button, "Jammed feeder")),
                                TRUE);
  WAIT_UNTIL (pd_test_scan_enabled (view));
  g_assert_true (gtk_widget_activate_action (view, "scan.start", NULL));
  WAIT_UNTIL_MS (pd_test_scan_find_widget (view, is_shown_label_containing, "Paper Jam") != NULL, 30000);
  WAIT_UNTIL (pd_test_scan_find_widget (view, is_shown_label_containing, "Clear the jam") != NULL);
  WAIT_UNTIL (!pd_scan_view_get_busy (PD_SCAN_VIEW (view)));
  g_assert_cmpuint (pd_test_scan_count_shown_tiles (view), ==, 4);
  page_id_at (library, document_id, 0, &n_pages);
  g_assert_cmpuint (n_pages, ==, 4);
  spin (400);
  save_screenshot (view, "scan-jammed.png");

  close_window (window, view);
  release_library (library);
}

/* What a tile says while the workers have the page: the pipeline's stages, in words. */
static void
test_page_stage_labels (void)
{
  g_autoptr(PdScanPage) page = pd_scan_page_new (1, 0);
  const struct { PdScanPageState state; PdScanPageStage stage; const char *label; } cases[] = {
    { PD_SCAN_PAGE_CAPTURED, PD_SCAN_PAGE_WAITING, "Waiting…" },
    { PD_SCAN_PAGE_CAPTURED, PD_SCAN_PAGE_ENHANCING, "Enhancing…" },
    { PD_SCAN_PAGE_CAPTURED, PD_SCAN_PAGE_READING_TEXT, "Reading text…" },
    { PD_SCAN_PAGE_DONE, PD_SCAN_PAGE_READING_TEXT, "Done" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *label = NULL;

      page->state = cases[i].state;
      page->stage = cases[i].stage;
      label = pd_scan_page_dup_state_label (page);
      g_assert_cmpstr (label, ==, cases[i].label);
    }
}

/* The demo scanner is there while its pages are: a private data folder whose demo pages are
 * links, so a test can unplug it (remove the links) without touching the build's files. */
static char *private_demo_dir;

static void
make_private_data_dir (void)
{
  const char *real = g_getenv ("PAPERDOCK_DATA_DIR");
  g_autofree char *dir = g_dir_make_tmp ("pd-data-XXXXXX", NULL);
  g_autofree char *real_demo = NULL;
  g_autoptr(GDir) top = NULL;
  g_autoptr(GDir) demo = NULL;
  const char *name;

  g_assert_nonnull (real);
  g_assert_nonnull (dir);
  top = g_dir_open (real, 0, NULL);
  g_assert_nonnull (top);
  while ((name = g_dir_read_name (top)) != NULL)
    {
      g_autofree char *from = g_build_filename (real, name, NULL);
      g_autofree char *to = g_build_filename (dir, name, NULL);

      if (!g_str_equal (name, "demo"))
        g_assert_cmpint (symlink (from, to), ==, 0);
    }
  private_demo_dir = g_build_filename (dir, "demo", NULL);
  g_assert_cmpint (g_mkdir (private_demo_dir, 0700), ==, 0);
  real_demo = g_build_filename (real, "demo", NULL);
  demo = g_dir_open (real_demo, 0, NULL);
  g_assert_nonnull (demo);
  while ((name = g_dir_read_name (demo)) != NULL)
    {
      g_autofree char *from = g_build_filename (real_demo, name, NULL);
      g_autofree char *to = g_build_filename (private_demo_dir, name, NULL);

      g_assert_cmpint (symlink (from, to), ==, 0);
    }
  g_setenv ("PAPERDOCK_DATA_DIR", dir, TRUE);
}

/* Moves the demo pages' links out of (or back into) the private demo folder. */
static void
plug_demo_scanner (gboolean plugged)
{
  g_autofree char *away = g_strconcat (private_demo_dir, ".unplugged", NULL);
  const char *from = plugged ? away : private_demo_dir;
  const char *to = plugged ? private_demo_dir : away;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_mkdir_with_parents (to, 0700);
  dir = g_dir_open (from, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *a = g_build_filename (from, name, NULL);
      g_autofree char *b = g_build_filename (to, name, NULL);

      if (g_str_has_prefix (name, "page-"))
        g_assert_cmpint (g_rename (a, b), ==, 0);
    }
}

static gboolean
device_listed (GtkWidget  *view,
               const char *label)
{
  AdwComboRow *row = ADW_COMBO_ROW (pd_test_scan_find_widget (view, is_type,
                                                 GSIZE_TO_POINTER (ADW_TYPE_COMBO_ROW)));
  GListModel *model = row != NULL ? adw_combo_row_get_model (row) : NULL;

  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (strstr (gtk_string_object_get_string (item), label) != NULL)
        return TRUE;
    }
  return FALSE;
}

/* The device picker follows scanners coming and going without a restart: SANE tells no one, so
 * the page lists the devices again while it is shown. */
static void
test_devices_come_and_go (void)
{
  PdLibrary *library = open_library ();
  GtkWindow *window;
  GtkWidget *view;

  view = show_view (library, &window);
  WAIT_UNTIL (device_listed (view, "Demo scanner"));
  plug_demo_scanner (FALSE);
  WAIT_UNTIL_MS (!device_listed (view, "Demo scanner"), 15000);
  plug_demo_scanner (TRUE);
  WAIT_UNTIL_MS (device_listed (view, "Demo scanner"), 15000);

  close_window (window, view);
  release_library (library);
}

int
main (int   argc,
      char *argv[])
{
  const char *fixtures = g_getenv ("PD_TEST_SANE_FIXTURES");
  const char *data_dirs = g_getenv ("XDG_DATA_DIRS");
  g_autofree char *sane_dir = NULL;
  g_auto(GStrv) system_dirs = NULL;
  g_auto(GStrv) mime_dirs = NULL;
  g_auto(GStrv) icon_dirs = NULL;

  /* Read before G_TEST_OPTION_ISOLATE_DIRS replaces it with empty folders. */
  if (data_dirs == NULL || data_dirs[0] == '\0')
    data_dirs = "/usr/local/share:/usr/share";
  system_dirs = g_strsplit (data_dirs, ":", -1);
  make_private_data_dir ();

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  if (!gtk_init_check ())
    {
      g_printerr ("test-scan-view needs a display: run it under xvfb-run\n");
      return 1;
    }
  adw_init ();
  /* libadwaita 1.2 can finish a toast's animation on a toast already gone (adw_animation_skip
   * on a finalized object) when toasts follow each other fast, as they do here; animations
   * add nothing to what these tests check. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  /* Icons and the MIME database (which loads SVG icons) come from the system. */
  mime_dirs = g_new0 (char *, g_strv_length (system_dirs) + 1);
  icon_dirs = g_new0 (char *, g_strv_length (system_dirs) + 1);
  for (guint i = 0; system_dirs[i] != NULL; i++)
    {
      mime_dirs[i] = g_build_filename (system_dirs[i], "mime", NULL);
      icon_dirs[i] = g_build_filename (system_dirs[i], "icons", NULL);
    }
  g_content_type_set_mime_dirs ((const char * const *) mime_dirs);
  gtk_icon_theme_set_search_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                  (const char * const *) icon_dirs);

  /* Only SANE's test and pnm backends; the test backend's pages all end in a jam. */
  sane_dir = g_dir_make_tmp ("pd-sane-XXXXXX", NULL);
  {
    g_autofree char *dll_from = g_build_filename (fixtures, "dll.conf", NULL);
    g_autofree char *test_from = g_build_filename (fixtures, "test.conf", NULL);
    g_autofree char *dll_to = g_build_filename (sane_dir, "dll.conf", NULL);
    g_autofree char *test_to = g_build_filename (sane_dir, "test.conf", NULL);
    g_autofree char *dll = NULL;
    g_autofree char *test = NULL;
    g_autoptr(GString) jammed = NULL;

    g_assert_true (g_file_get_contents (dll_from, &dll, NULL, NULL));
    g_assert_true (g_file_set_contents (dll_to, dll, -1, NULL));
    g_assert_true (g_file_get_contents (test_from, &test, NULL, NULL));
    jammed = g_string_new (test);
    g_assert_cmpint (g_string_replace (jammed, "read-status-code \"Default\"",
                                       "read-status-code \"SANE_STATUS_JAMMED\"", 1), ==, 1);
    g_assert_true (g_file_set_contents (test_to, jammed->str, -1, NULL));
  }
  g_setenv ("SANE_CONFIG_DIR", sane_dir, TRUE);

  g_test_add_func ("/scan-view/profile-required", test_profile_required);
  g_test_add_func ("/scan-view/scan-and-edit", test_scan_and_edit);
  g_test_add_func ("/scan-view/page-stage-labels", test_page_stage_labels);
  g_test_add_func ("/scan-view/devices-come-and-go", test_devices_come_and_go);
  return g_test_run ();
}
