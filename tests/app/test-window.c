/* test-window.c: the main window as a person sees it: a library with documents shows them by
 * name with their state in plain words, follows changes made through the core, says so when
 * the library is empty, leaves a screenshot behind, and is freed when closed. Needs a display
 * (the suite runs under xvfb-run). */
#define G_LOG_DOMAIN "pd-test"

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "pd-application.h"
#include "pd-library.h"
#include "pd-library-sync.h"
#include "pd-test-app.h"
#include "pd-window.h"

#define WAIT_TIMEOUT_MS PD_TEST_WAIT_TIMEOUT_MS
#define WAIT_UNTIL PD_TEST_WAIT_UNTIL
#define spin pd_test_app_spin
#define save_screenshot pd_test_app_screenshot
#define destroy_window pd_test_app_destroy
#define release_library pd_test_app_release

/* The document rows a person can see on the Library page, in order (a list view makes rows
 * only for what is on screen). */
static GPtrArray *
shown_rows (PdWindow *window)
{
  GtkWidget *list_view = pd_test_app_find (GTK_WIDGET (window), GTK_TYPE_LIST_VIEW);
  GPtrArray *rows = g_ptr_array_new ();

  if (list_view == NULL)
    return rows;
  for (GtkWidget *child = gtk_widget_get_first_child (list_view);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row = gtk_widget_get_first_child (child);

      if (ADW_IS_ACTION_ROW (row) && gtk_widget_get_mapped (row))
        g_ptr_array_add (rows, row);
    }
  return rows;
}

static guint
count_shown_rows (PdWindow *window)
{
  g_autoptr(GPtrArray) rows = shown_rows (window);

  return rows->len;
}

static AdwActionRow *
get_row (PdWindow *window,
         guint     index)
{
  g_autoptr(GPtrArray) rows = shown_rows (window);

  g_assert_cmpuint (index, <, rows->len);
  return ADW_ACTION_ROW (rows->pdata[index]);
}

/* The status page with @title, if a person can see it. */
static AdwStatusPage *
find_shown_status_page (GtkWidget  *root,
                        const char *title)
{
  if (ADW_IS_STATUS_PAGE (root) &&
      gtk_widget_get_mapped (root) &&
      g_strcmp0 (adw_status_page_get_title (ADW_STATUS_PAGE (root)), title) == 0)
    return ADW_STATUS_PAGE (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwStatusPage *found = find_shown_status_page (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
status_page_shown (PdWindow   *window,
                   const char *title)
{
  return find_shown_status_page (GTK_WIDGET (window), title) != NULL;
}

static char *
dup_library_dir (void)
{
  /* The isolated data dir is fresh for each test and removed after it. */
  return g_build_filename (g_get_user_data_dir (), "library", NULL);
}

static void
test_window_lists_documents (void)
{
  g_autofree char *dir = dup_library_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) invoice = NULL;
  g_autoptr(PdDocument) letter = NULL;
  g_autoptr(PdDocument) receipt = NULL;
  PdLibrary *library;
  PdWindow *window;

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  invoice = pd_library_create_document (library, "Invoice ACME 2025-11", "demo",
                                        PD_SCAN_MODE_TEXT, "eng", &error);
  g_assert_no_error (error);
  letter = pd_library_create_document (library, "Letter from the <tax> office & co", "demo",
                                       PD_SCAN_MODE_GRAY, "eng", &error);
  g_assert_no_error (error);
  g_assert_true (pd_library_set_document_failed (library, letter->id,
                                                 "The scanner’s cover is open", &error));
  g_assert_no_error (error);

  window = pd_window_new (NULL);
  pd_window_set_library (window, library);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 420);
  pd_window_set_visible_page (window, "library");
  gtk_window_present (GTK_WINDOW (window));

  WAIT_UNTIL (count_shown_rows (window) == 2);
  /* Newest first, by name as given (no markup), with the state in plain words. */
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (get_row (window, 0))), ==,
                   "Letter from the <tax> office & co");
  g_assert_cmpstr (adw_action_row_get_subtitle (get_row (window, 0)), ==,
                   "Failed: The scanner’s cover is open");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (get_row (window, 1))), ==,
                   "Invoice ACME 2025-11");
  g_assert_cmpstr (adw_action_row_get_subtitle (get_row (window, 1)), ==, "Scanning");

  /* A document made elsewhere (the CLI, the pipeline) shows up without any action. */
  receipt = pd_library_create_document (library, "Receipt 42", "demo",
                                        PD_SCAN_MODE_COLOR, "eng", &error);
  g_assert_no_error (error);
  WAIT_UNTIL (count_shown_rows (window) == 3);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (get_row (window, 0))), ==,
                   "Receipt 42");

  spin (300);
  save_screenshot (GTK_WIDGET (window), "window-documents.png");

  destroy_window (window);
  release_library (library);
}

static void
test_window_empty_library (void)
{
  g_autofree char *dir = dup_library_dir ();
  g_autoptr(GError) error = NULL;
  PdLibrary *library;
  PdWindow *window;

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);

  window = pd_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 420);
  pd_window_set_visible_page (window, "library");
  gtk_window_present (GTK_WINDOW (window));
  /* Until the library is there, the window says it is busy, not "empty". */
  g_assert_false (status_page_shown (window, "No Documents Yet"));
  pd_window_set_library (window, library);

  WAIT_UNTIL (status_page_shown (window, "No Documents Yet"));
  g_assert_cmpuint (count_shown_rows (window), ==, 0);

  spin (300);
  save_screenshot (GTK_WIDGET (window), "window-empty.png");

  destroy_window (window);
  release_library (library);
}

static void
test_window_error (void)
{
  PdWindow *window;
  AdwStatusPage *page;

  window = pd_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  pd_window_show_error (window, "Could Not Open the Library",
                        "No permission to write in <the folder> & its files");

  WAIT_UNTIL (status_page_shown (window, "Could Not Open the Library"));
  page = find_shown_status_page (GTK_WIDGET (window), "Could Not Open the Library");
  /* The message is shown as written, not read as markup. */
  g_assert_cmpstr (adw_status_page_get_description (page), ==,
                   "No permission to write in &lt;the folder&gt; &amp; its files");

  destroy_window (window);
}

/* The real application: --library picks the library, it is opened without blocking, app.about
 * shows the about window, and app.quit ends the run. */
typedef struct {
  GApplication *app;
  guint         n_rows_seen;
  gboolean      about_shown;
} AppRun;

static gboolean
about_window_shown (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_ABOUT_WINDOW (window) && gtk_widget_get_mapped (window))
        return TRUE;
    }
  return FALSE;
}

static gboolean
app_poll_cb (gpointer user_data)
{
  AppRun *run = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (run->app));

  if (window == NULL || !PD_IS_WINDOW (window))
    return G_SOURCE_CONTINUE;
  /* The window opens on the Scan page; the documents are one click away. */
  pd_window_set_visible_page (PD_WINDOW (window), "library");
  if (count_shown_rows (PD_WINDOW (window)) == 0)
    return G_SOURCE_CONTINUE;

  if (run->n_rows_seen == 0)
    {
      run->n_rows_seen = count_shown_rows (PD_WINDOW (window));
      g_action_group_activate_action (G_ACTION_GROUP (run->app), "about", NULL);
      return G_SOURCE_CONTINUE;
    }
  if (!about_window_shown ())
    return G_SOURCE_CONTINUE;

  run->about_shown = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
app_timeout_cb (gpointer user_data)
{
  AppRun *run = user_data;

  g_application_quit (run->app);
  return G_SOURCE_REMOVE;
}

static void
test_application_library_option (void)
{
  g_autofree char *dir = dup_library_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(PdApplication) app = NULL;
  char *argv[] = { (char *)"paperdock", (char *)"--library", dir, NULL };
  AppRun run = { 0 };
  PdLibrary *library;
  guint poll_id;
  guint timeout_id;
  int status;

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  document = pd_library_create_document (library, "Contract", "demo",
                                         PD_SCAN_MODE_TEXT, "eng", &error);
  g_assert_no_error (error);
  /* Not left capturing: the app finishes interrupted documents at start-up, and an empty one
   * (no page saved) is removed. */
  g_assert_true (pd_library_set_document_failed (library, document->id, "the scanner was unplugged",
                                                 &error));
  release_library (library);

  app = pd_application_new ();
  run.app = G_APPLICATION (app);
  poll_id = g_timeout_add (50, app_poll_cb, &run);
  timeout_id = g_timeout_add (WAIT_TIMEOUT_MS, app_timeout_cb, &run);
  status = g_application_run (G_APPLICATION (app), G_N_ELEMENTS (argv) - 1, argv);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpuint (run.n_rows_seen, ==, 1);
  g_assert_true (run.about_shown);
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (app)));
  if (!run.about_shown)
    g_source_remove (poll_id);
  g_source_remove (timeout_id);
}

/* The application keeps running while documents wait to be synced, also with its window
 * closed, and ends by itself once the queue has drained. */
typedef struct {
  GApplication *app;
  char         *share;
  guint         stage;
  gboolean      held;
  gboolean      timed_out;
} HoldRun;

static gboolean
hold_timeout_cb (gpointer user_data)
{
  HoldRun *run = user_data;

  run->timed_out = TRUE;
  g_application_quit (run->app);
  return G_SOURCE_REMOVE;
}

static gboolean
hold_poll_cb (gpointer user_data)
{
  HoldRun *run = user_data;
  PdApplication *app = PD_APPLICATION (run->app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  switch (run->stage)
    {
    case 0:
      /* The share is not mounted yet: the document waits, the application holds. */
      if (!pd_application_get_holding (app) || window == NULL)
        return G_SOURCE_CONTINUE;
      run->held = TRUE;
      gtk_window_destroy (window);
      run->stage = 1;
      return G_SOURCE_CONTINUE;

    case 1:
      /* No window, still running: mount the share and press Sync Now. */
      g_assert_null (gtk_application_get_windows (GTK_APPLICATION (app)));
      g_assert_true (pd_application_get_holding (app));
      g_assert_no_errno (g_mkdir_with_parents (run->share, 0700));
      g_action_group_activate_action (G_ACTION_GROUP (app), "sync-now", NULL);
      run->stage = 2;
      return G_SOURCE_CONTINUE;

    default:
      /* Once the queue drains nothing holds the application: g_application_run () returns. */
      return G_SOURCE_CONTINUE;
    }
}

static void
test_application_holds_while_syncing (void)
{
  g_autofree char *dir = dup_library_dir ();
  g_autofree char *share = g_build_filename (g_get_user_data_dir (), "share", NULL);
  g_autofree char *pdf = NULL;
  g_autofree char *remote = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(PdApplication) app = NULL;
  char *argv[] = { (char *)"paperdock", (char *)"--library", dir, NULL };
  HoldRun run = { 0 };
  PdLibrary *library;
  guint poll_id;
  guint timeout_id;
  int status;

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pd_library_add_account (library, "Office", "folder", share, NULL, &error),
                   >, 0);
  pdf = g_build_filename (pd_library_get_documents_dir (library), "Invoice.pdf", NULL);
  g_assert_true (g_file_set_contents (pdf, "%PDF invoice", -1, &error));
  document = pd_library_create_document (library, "Invoice", "demo", PD_SCAN_MODE_TEXT, "eng",
                                         &error);
  g_assert_true (pd_library_transition (library, document->id, PD_DOC_STATE_CAPTURING,
                                        PD_DOC_STATE_PROCESSING, "processing", NULL, &error));
  g_assert_true (pd_library_set_document_ready (library, document->id, pdf, &error));
  g_assert_true (pd_library_set_document_destination (library, document->id, "Office:", &error));
  g_assert_no_error (error);
  release_library (library);

  app = pd_application_new ();
  run.app = G_APPLICATION (app);
  run.share = share;
  poll_id = g_timeout_add (50, hold_poll_cb, &run);
  timeout_id = g_timeout_add (WAIT_TIMEOUT_MS, hold_timeout_cb, &run);
  /* Returns only when nothing holds the application any more. */
  status = g_application_run (G_APPLICATION (app), G_N_ELEMENTS (argv) - 1, argv);
  g_assert_cmpint (status, ==, 0);
  g_assert_false (run.timed_out);
  g_source_remove (timeout_id);
  g_source_remove (poll_id);
  /* It held while the document waited, and let go by itself once it was sent. */
  g_assert_true (run.held);
  g_assert_cmpuint (run.stage, ==, 2);
  g_assert_false (pd_application_get_holding (app));

  /* It left because the document arrived, not because it gave up. */
  remote = g_build_filename (share, "Invoice.pdf", NULL);
  g_assert_true (g_file_test (remote, G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  if (!pd_test_app_init (&argc, &argv))
    {
      g_printerr ("test-window needs a display: run it under xvfb-run\n");
      return 1;
    }

  g_test_add_func ("/app/window/lists-documents", test_window_lists_documents);
  g_test_add_func ("/app/window/empty-library", test_window_empty_library);
  g_test_add_func ("/app/window/error", test_window_error);
  g_test_add_func ("/app/application/library-option", test_application_library_option);
  g_test_add_func ("/app/application/holds-while-syncing", test_application_holds_while_syncing);

  return g_test_run ();
}
