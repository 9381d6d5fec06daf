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
#include "pd-window.h"

#define WAIT_TIMEOUT_MS 10000

static gboolean
set_true_cb (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until @cond holds, failing the test after WAIT_TIMEOUT_MS. */
#define WAIT_UNTIL(cond)                                                        \
  G_STMT_START {                                                                \
    gboolean timed_out_ = FALSE;                                                \
    guint timeout_id_ = g_timeout_add (WAIT_TIMEOUT_MS, set_true_cb, &timed_out_); \
    while (!(cond) && !timed_out_)                                              \
      g_main_context_iteration (NULL, TRUE);                                    \
    if (!timed_out_)                                                            \
      g_source_remove (timeout_id_);                                            \
    if (!(cond))                                                                \
      g_error ("Timed out after %d ms waiting for: %s", WAIT_TIMEOUT_MS, #cond); \
  } G_STMT_END

/* Lets GTK lay out and paint for a while, so what a screenshot shows has been on screen. */
static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_true_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static GtkWidget *
find_widget (GtkWidget *root,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The rows a person can see: in the list, and on screen. */
static guint
count_shown_rows (PdWindow *window)
{
  GtkListBox *list_box = GTK_LIST_BOX (find_widget (GTK_WIDGET (window), GTK_TYPE_LIST_BOX));
  guint n = 0;

  g_assert_nonnull (list_box);
  if (!gtk_widget_get_mapped (GTK_WIDGET (list_box)))
    return 0;
  while (gtk_list_box_get_row_at_index (list_box, n) != NULL)
    n++;
  return n;
}

static AdwActionRow *
get_row (PdWindow *window,
         guint     index)
{
  GtkListBox *list_box = GTK_LIST_BOX (find_widget (GTK_WIDGET (window), GTK_TYPE_LIST_BOX));
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (list_box, index);

  g_assert_true (ADW_IS_ACTION_ROW (row));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (row)));
  return ADW_ACTION_ROW (row);
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
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  const char *dir = g_getenv ("PD_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guchar *pixels = NULL;
  g_autofree char *path = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (widget));
  gboolean varied = FALSE;

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));

  /* A blank picture would mean nothing was drawn. */
  pixels = g_malloc (width * height * 4);
  gdk_texture_download (texture, pixels, width * 4);
  for (gsize i = 4; i < (gsize)width * height * 4 && !varied; i += 4)
    varied = memcmp (pixels, pixels + i, 4) != 0;
  g_assert_true (varied);

  if (dir == NULL || dir[0] == '\0')
    dir = g_get_user_cache_dir ();
  g_assert_no_errno (g_mkdir_with_parents (dir, 0755));
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot saved to %s", path);
}

/* Closes the window as a person would and checks that nothing keeps it alive. */
static void
destroy_window (PdWindow *window)
{
  gpointer weak = window;

  g_object_add_weak_pointer (G_OBJECT (window), &weak);
  gtk_window_destroy (GTK_WINDOW (window));
  /* A listing still in flight holds the window until its callback runs. */
  WAIT_UNTIL (weak == NULL);
}

static void
release_library (PdLibrary *library)
{
  gpointer weak = library;

  g_object_add_weak_pointer (G_OBJECT (library), &weak);
  g_object_unref (library);
  WAIT_UNTIL (weak == NULL);
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

  if (window == NULL || !PD_IS_WINDOW (window) || count_shown_rows (PD_WINDOW (window)) == 0)
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

int
main (int   argc,
      char *argv[])
{
  const char *data_dirs = g_getenv ("XDG_DATA_DIRS");
  g_auto(GStrv) system_dirs = NULL;
  g_auto(GStrv) mime_dirs = NULL;
  g_auto(GStrv) icon_dirs = NULL;

  /* Read before G_TEST_OPTION_ISOLATE_DIRS replaces it with empty folders. */
  if (data_dirs == NULL || data_dirs[0] == '\0')
    data_dirs = "/usr/local/share:/usr/share";
  system_dirs = g_strsplit (data_dirs, ":", -1);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  if (!gtk_init_check ())
    {
      g_printerr ("test-window needs a display: run it under xvfb-run\n");
      return 1;
    }
  adw_init ();

  /* Icons and the MIME database (which loads SVG icons) come from the system, not from the
   * isolated folders. */
  mime_dirs = g_new0 (char *, g_strv_length (system_dirs) + 1);
  icon_dirs = g_new0 (char *, g_strv_length (system_dirs) + 1);
  for (guint i = 0; system_dirs[i] != NULL; i++)
    {
      mime_dirs[i] = g_build_filename (system_dirs[i], "mime", NULL);
      icon_dirs[i] = g_build_filename (system_dirs[i], "icons", NULL);
    }
  g_content_type_set_mime_dirs ((const char * const *)mime_dirs);
  gtk_icon_theme_set_search_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                  (const char * const *)icon_dirs);
  /* What GtkApplication does for the real application, from its resource base path. */
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/io/github/paperdock/Paperdock/icons");

  g_test_add_func ("/app/window/lists-documents", test_window_lists_documents);
  g_test_add_func ("/app/window/empty-library", test_window_empty_library);
  g_test_add_func ("/app/window/error", test_window_error);
  g_test_add_func ("/app/application/library-option", test_application_library_option);

  return g_test_run ();
}
