/* test-vault-ui.c: the window with a sealed library and cloud accounts, inside a private
 * gnome-keyring (tests/sync/run-with-keyring.sh). A document imported by paperdock-cli into a
 * sealed library is exported by the app as a plain PDF whose words pdftotext reads; opening it
 * hands a viewer a private 0600 plain copy that is gone once the app quits; its row shows the
 * first page, and after eviction the sealed thumbnail. OneDrive is added from Preferences with
 * the test playing the browser against a local OAuth server (tests/sync/pd-oauth-server.c),
 * signed in again from the inbox, and removed with every secret. The pages are shown in dark
 * mode and their text checked to be light on dark. Screenshots go to PD_SCREENSHOT_DIR. */
#define G_LOG_DOMAIN "pd-test"

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/stat.h>

#include "pd-application.h"
#include "pd-cloud-sign-in.h"
#include "pd-document-item.h"
#include "pd-library-sync.h"
#include "pd-library-view.h"
#include "pd-oauth-server.h"
#include "pd-oauth-token-source.h"
#include "pd-profile.h"
#include "pd-secret.h"
#include "pd-test-app.h"
#include "pd-thumbnail.h"
#include "pd-vault.h"
#include "pd-window.h"

#define WAIT_UNTIL PD_TEST_WAIT_UNTIL

static char *
dup_library_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "library", NULL);
}

/* paperdock-cli import of one demo page: a real, sealed, recognized document. */
static void
import_demo_page (const char *library_dir)
{
  g_autofree char *page = g_build_filename (g_getenv ("PAPERDOCK_DATA_DIR"), "demo",
                                            "page-01.pgm", NULL);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_nonnull (g_getenv ("PAPERDOCK_CLI"));
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                           &error, g_getenv ("PAPERDOCK_CLI"), "--library", library_dir,
                           "import", page, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_exit_status (proc) != 0)
    g_error ("paperdock-cli import failed: %s%s", out, err);
}

/* The first word of the demo page's ground truth that pdftotext must find. */
static char *
dup_expected_word (void)
{
  g_autofree char *truth_path = g_build_filename (g_getenv ("PAPERDOCK_DATA_DIR"), "demo",
                                                  "page-01.txt", NULL);
  g_autofree char *truth = NULL;
  g_auto(GStrv) words = NULL;

  g_assert_true (g_file_get_contents (truth_path, &truth, NULL, NULL));
  words = g_regex_split_simple ("[^A-Za-z]+", truth, 0, 0);
  for (guint i = 0; words[i] != NULL; i++)
    if (strlen (words[i]) >= 6)
      return g_strdup (words[i]);
  g_assert_not_reached ();
}

static void
assert_plain_pdf_with (const char *path,
                       const char *word)
{
  g_autofree char *head = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  const char *argv[] = { "pdftotext", path, "-", NULL };

  g_assert_true (g_file_get_contents (path, &head, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (head, "%PDF-"));
  g_assert_false (pd_vault_is_sealed (path));
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &text, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  if (strstr (text, word) == NULL)
    g_error ("pdftotext did not find “%s” in %s:\n%s", word, path, text);
}

static PdLibraryView *
find_library_view (GtkWidget *window)
{
  return PD_LIBRARY_VIEW (pd_test_app_find (window, PD_TYPE_LIBRARY_VIEW));
}

static gboolean
picture_shown (GtkWidget *root)
{
  if (GTK_IS_PICTURE (root) && gtk_widget_get_mapped (root))
    {
      GdkPaintable *paintable = gtk_picture_get_paintable (GTK_PICTURE (root));

      return paintable != NULL && gdk_paintable_get_intrinsic_width (paintable) > 0;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (picture_shown (child))
      return TRUE;
  return FALSE;
}

/* A document row on screen shows a page's picture. */
static gboolean
first_row_has_thumbnail (GtkWidget *window)
{
  GtkWidget *list_view = pd_test_app_find (window, GTK_TYPE_LIST_VIEW);

  return list_view != NULL && picture_shown (list_view);
}

/* The app, run as a person would run it, on the sealed library */

typedef struct {
  GApplication *app;
  guint         stage;
  gint64        document_id;
  char         *export_path;
  char         *opened;          /* the plain copy handed to the viewer */
  gboolean      timed_out;
} VaultRun;

static gboolean
vault_timeout_cb (gpointer user_data)
{
  VaultRun *run = user_data;

  run->timed_out = TRUE;
  g_test_message ("Timed out at stage %u", run->stage);
  if (gtk_application_get_active_window (GTK_APPLICATION (run->app)) != NULL)
    {
      GtkWidget *window = GTK_WIDGET (gtk_application_get_active_window (GTK_APPLICATION (run->app)));

      g_test_message ("list view %p, page %s", pd_test_app_find (window, GTK_TYPE_LIST_VIEW),
                      pd_window_get_visible_page (PD_WINDOW (window)));
      pd_test_app_screenshot (window, "vault-timeout.png");
    }
  g_application_quit (run->app);
  return G_SOURCE_REMOVE;
}

static gboolean
vault_poll_cb (gpointer user_data)
{
  VaultRun *run = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (run->app));
  PdLibraryView *view;
  GListModel *documents;

  if (window == NULL)
    return G_SOURCE_CONTINUE;
  /* The window opens on the Scan page. */
  if (run->stage == 0)
    pd_window_set_visible_page (PD_WINDOW (window), "library");
  if ((view = find_library_view (GTK_WIDGET (window))) == NULL)
    return G_SOURCE_CONTINUE;
  documents = pd_library_view_get_documents (view);

  switch (run->stage)
    {
    case 0:
      /* Listed, with the first page's picture (decrypted on the way). */
      if (g_list_model_get_n_items (documents) != 1 || !first_row_has_thumbnail (GTK_WIDGET (window)))
        return G_SOURCE_CONTINUE;
      {
        g_autoptr(PdDocumentItem) item = g_list_model_get_item (documents, 0);

        run->document_id = pd_document_item_get_id (item);
      }
      pd_library_view_export_to (view, run->document_id, run->export_path);
      run->stage = 1;
      return G_SOURCE_CONTINUE;

    case 1:
      if (!g_file_test (run->export_path, G_FILE_TEST_EXISTS))
        return G_SOURCE_CONTINUE;
      gtk_widget_activate_action (GTK_WIDGET (view), "doc.open", "x", run->document_id);
      run->stage = 2;
      return G_SOURCE_CONTINUE;

    case 2:
      if (pd_library_view_get_last_opened (view) == NULL)
        return G_SOURCE_CONTINUE;
      run->opened = g_strdup (pd_library_view_get_last_opened (view));
      g_assert_true (g_file_test (run->opened, G_FILE_TEST_EXISTS));
      run->stage = 3;
      /* Everything is checked while the app runs (below, in the test), then it quits. */
      return G_SOURCE_REMOVE;

    default:
      return G_SOURCE_REMOVE;
    }
}

static gboolean
check_and_quit_cb (gpointer user_data)
{
  VaultRun *run = user_data;
  g_autofree char *word = dup_expected_word ();
  g_autofree char *dir = NULL;
  GStatBuf st;

  if (run->stage < 3)
    return G_SOURCE_CONTINUE;

  /* A private plain copy under the runtime folder: only its owner can read it. */
  g_assert_true (g_str_has_prefix (run->opened, g_get_user_runtime_dir ()));
  g_assert_cmpint (g_stat (run->opened, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  dir = g_path_get_dirname (run->opened);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  assert_plain_pdf_with (run->opened, word);
  assert_plain_pdf_with (run->export_path, word);

  pd_test_app_screenshot (GTK_WIDGET (gtk_application_get_active_window (
                            GTK_APPLICATION (run->app))), "vault-library.png");
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
test_vault_open_export (void)
{
  g_autofree char *dir = dup_library_dir ();
  g_autofree char *runtime = g_build_filename (g_get_user_runtime_dir (), "paperdock", NULL);
  g_autofree char *stale = NULL;
  g_autofree char *stale_file = NULL;
  g_autoptr(PdApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) documents = NULL;
  char *argv[] = { (char *) "paperdock", (char *) "--library", dir, NULL };
  VaultRun run = { 0 };
  PdLibrary *library;
  PdDocument *document;
  guint poll_id, check_id, timeout_id;

  import_demo_page (dir);
  /* What paperdock-cli wrote is sealed: no viewer could read it as it is. */
  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  documents = pd_library_list_documents (library, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (documents->len, ==, 1);
  document = documents->pdata[0];
  g_assert_true (pd_vault_is_sealed (document->pdf_path));
  pd_test_app_release (library);

  /* A copy left by a Paperdock that is gone: no process has the highest number. */
  stale = g_build_filename (runtime, "4194303", "7", NULL);
  g_assert_no_errno (g_mkdir_with_parents (stale, 0700));
  stale_file = g_build_filename (stale, "Old.pdf", NULL);
  g_assert_true (g_file_set_contents (stale_file, "%PDF old", -1, NULL));

  run.export_path = g_build_filename (g_get_user_data_dir (), "Exported.pdf", NULL);
  app = pd_application_new ();
  run.app = G_APPLICATION (app);
  poll_id = g_timeout_add (50, vault_poll_cb, &run);
  check_id = g_timeout_add (100, check_and_quit_cb, &run);
  timeout_id = g_timeout_add (PD_TEST_WAIT_TIMEOUT_MS * 2, vault_timeout_cb, &run);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), G_N_ELEMENTS (argv) - 1, argv),
                   ==, 0);
  g_assert_false (run.timed_out);
  g_source_remove (timeout_id);
  if (run.stage < 3)
    {
      g_source_remove (poll_id);
      g_source_remove (check_id);
    }

  /* Quitting took the plain copy away; the stale one went at start-up. */
  g_assert_nonnull (run.opened);
  g_assert_false (g_file_test (run.opened, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (stale_file, G_FILE_TEST_EXISTS));
  g_free (run.export_path);
  g_free (run.opened);
}

/* An evicted document keeps only its sealed thumbnail: the row shows that. */
static void
test_vault_evicted_thumbnail (void)
{
  g_autofree char *dir = dup_library_dir ();
  g_autofree char *thumbnail = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) documents = NULL;
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(PdVault) vault = NULL;
  g_autofree char *warning = NULL;
  PdDocument *document;
  PdLibrary *library;
  PdWindow *window;

  import_demo_page (dir);
  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  vault = pd_vault_attach_library (dir, &warning, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (vault);
  documents = pd_library_list_documents (library, &error);
  g_assert_no_error (error);
  document = documents->pdata[0];
  g_assert_true (pd_thumbnail_ensure (library, document->id, &error));
  g_assert_no_error (error);
  thumbnail = pd_thumbnail_get_path (library, document->uuid);
  g_assert_true (pd_vault_is_sealed (thumbnail));

  /* What eviction leaves: no page images. */
  pages = pd_library_list_pages (library, document->id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < pages->len; i++)
    {
      const PdPage *page = pages->pdata[i];

      if (page->spool_path != NULL)
        g_unlink (page->spool_path);
      if (page->image_path != NULL)
        g_unlink (page->image_path);
    }
  g_assert_true (pd_library_set_document_evicted (library, document->id, TRUE, &error));
  g_assert_no_error (error);

  window = pd_window_new (NULL);
  pd_window_set_library (window, library);
  gtk_window_set_default_size (GTK_WINDOW (window), 760, 480);
  pd_window_set_visible_page (window, "library");
  gtk_window_present (GTK_WINDOW (window));
  WAIT_UNTIL (first_row_has_thumbnail (GTK_WIDGET (window)));
  pd_test_app_spin (200);
  pd_test_app_screenshot (GTK_WIDGET (window), "vault-evicted.png");

  pd_test_app_destroy (window);
  pd_test_app_release (library);
  pd_vault_set_default (NULL, NULL);
}

/* Cloud accounts: the test is the browser */

typedef struct {
  SoupSession *session;
  guint        opened;
  guint        status;
} Browser;

static void
browser_page_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Browser *browser = user_data;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  g_assert_no_error (error);
  browser->status = soup_message_get_status (
                      soup_session_get_async_result_message (SOUP_SESSION (object), result));
}

/* GETs the provider's page; libsoup follows its redirect to the app's loopback listener. */
static void
browser_open_cb (const char *uri,
                 gpointer    user_data)
{
  Browser *browser = user_data;
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, uri);

  g_assert_nonnull (msg);
  browser->opened++;
  soup_session_send_and_read_async (browser->session, msg, G_PRIORITY_DEFAULT, NULL,
                                    browser_page_cb, browser);
}

static GtkWidget *
find_expander (GtkWidget  *root,
               const char *title)
{
  if (ADW_IS_EXPANDER_ROW (root) && gtk_widget_get_mapped (root) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_expander (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkEditable *
find_entry (GtkWidget  *root,
            const char *title)
{
  if (ADW_IS_ENTRY_ROW (root) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title) == 0)
    return GTK_EDITABLE (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkEditable *found = find_entry (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_button_by_tooltip (GtkWidget  *root,
                        const char *tooltip)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_widget_get_tooltip_text (root), tooltip) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button_by_tooltip (child, tooltip);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static AdwMessageDialog *
find_message_dialog (void)
{
  g_autoptr(GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

/* A shown label whose text holds @text: a toast's title, say. */
static gboolean
shows_text (GtkWidget  *root,
            const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root) &&
      strstr (gtk_label_get_text (GTK_LABEL (root)), text) != NULL)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_text (child, text))
      return TRUE;
  return FALSE;
}

static gboolean
has_open_sign_in (PdLibrary *library)
{
  g_autoptr(GPtrArray) items = pd_library_list_inbox (library, FALSE, NULL);

  for (guint i = 0; items != NULL && i < items->len; i++)
    if (g_strcmp0 (((PdInboxItem *) items->pdata[i])->kind, "sign_in") == 0)
      return TRUE;
  return FALSE;
}

static void
test_accounts_onedrive (void)
{
  g_autofree char *dir = dup_library_dir ();
  PdOAuthServer *server = pd_oauth_server_new ("paperdock-test-client", NULL);
  g_autofree char *authorize = pd_oauth_server_dup_url (server, "/authorize");
  g_autofree char *token = pd_oauth_server_dup_url (server, "/token");
  g_autofree char *access = NULL;
  g_autofree char *issued = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *key = NULL;
  g_autoptr(PdAccount) account = NULL;
  g_autoptr(PdAccount) gone = NULL;
  g_autoptr(PdOAuthProvider) stored = NULL;
  g_autoptr(GError) error = NULL;
  Browser browser = { 0 };
  PdLibrary *library;
  PdWindow *window;
  GtkWindow *prefs;
  GtkWidget *expander;
  GtkButton *button;
  AdwActionRow *row;
  AdwMessageDialog *dialog;
  GtkWidget *remove;
  char *secret;

  g_setenv ("PAPERDOCK_OAUTH_AUTHORIZE_URL", authorize, TRUE);
  g_setenv ("PAPERDOCK_OAUTH_TOKEN_URL", token, TRUE);
  browser.session = soup_session_new ();
  pd_cloud_sign_in_set_open_uri_func (browser_open_cb, &browser);

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  window = pd_window_new (NULL);
  pd_window_set_library (window, library);
  gtk_window_set_default_size (GTK_WINDOW (window), 760, 560);
  gtk_window_present (GTK_WINDOW (window));
  prefs = pd_window_show_preferences (window, "accounts");

  /* Add OneDrive: a name, the organization's client id, Sign In. */
  WAIT_UNTIL ((expander = find_expander (GTK_WIDGET (prefs), "Microsoft OneDrive")) != NULL);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander), TRUE);
  pd_test_app_spin (300);
  gtk_editable_set_text (find_entry (expander, "Account Name"), "Office OneDrive");
  gtk_editable_set_text (find_entry (expander, "Application (Client) ID"),
                         "paperdock-test-client");
  button = pd_test_app_find_button (expander, "Sign In…");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");

  /* The browser went to the provider, came back, and the account is there. */
  WAIT_UNTIL (pd_test_app_find_row (GTK_WIDGET (prefs), "Office OneDrive") != NULL);
  g_assert_cmpuint (browser.opened, ==, 1);
  g_assert_cmpuint (browser.status, ==, 200);
  account = pd_library_get_account (library, "Office OneDrive", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (account->kind, ==, "onedrive");
  g_assert_true (g_str_has_suffix (account->url, "/me/drive"));
  /* Exactly what "paperdock-cli accounts add onedrive" stores. */
  key = g_strdup_printf ("account.%" G_GINT64_FORMAT ".client-id", account->id);
  g_assert_true (pd_library_get_setting (library, key, &client_id, &error));
  g_assert_cmpstr (client_id, ==, "paperdock-test-client");
  stored = pd_oauth_token_source_dup_provider (account->id, "onedrive", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored->client_id, ==, "paperdock-test-client");
  g_assert_cmpstr (stored->token_url, ==, token);
  access = pd_secret_lookup (account->id, PD_OAUTH_SECRET_ACCESS, NULL, &error);
  g_assert_no_error (error);
  issued = pd_oauth_server_dup_access_token (server);
  /* Stored with its expiry: the token source's record holds the token the server issued. */
  g_assert_nonnull (strstr (access, issued));
  g_clear_pointer (&access, pd_secret_free);
  g_clear_pointer (&issued, g_free);
  pd_test_app_spin (300);
  pd_test_app_screenshot (GTK_WIDGET (prefs), "accounts-onedrive-added.png");

  /* The provider wants a new sign-in: the inbox's button runs it. Two items, as the app and a
   * headless run can each raise one: one sign-in answers both. */
  for (guint i = 0; i < 2; i++)
    g_assert_cmpint (pd_library_add_inbox_item (library, 0, account->id, "sign_in",
                                                "Account “Office OneDrive” refused the password: "
                                                "sign in again.", &error), >, 0);
  g_assert_no_error (error);
  /* As the engine's sync status would tell it (no engine runs here): the inbox reads again. */
  pd_window_set_library (window, NULL);
  pd_window_set_library (window, library);
  pd_window_set_visible_page (window, "inbox");
  gtk_window_present (GTK_WINDOW (window));
  WAIT_UNTIL ((button = pd_test_app_find_button (GTK_WIDGET (window), "Sign In Again")) != NULL);
  pd_test_app_spin (300);
  pd_test_app_screenshot (GTK_WIDGET (window), "inbox-sign-in-again.png");
  /* The list may have been read again meanwhile: the button as it is now. */
  button = pd_test_app_find_button (GTK_WIDGET (window), "Sign In Again");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  WAIT_UNTIL (!has_open_sign_in (library));
  WAIT_UNTIL (shows_text (GTK_WIDGET (window), "Signed in again"));
  g_assert_cmpuint (browser.opened, ==, 2);
  access = pd_secret_lookup (account->id, PD_OAUTH_SECRET_ACCESS, NULL, &error);
  g_assert_no_error (error);
  issued = pd_oauth_server_dup_access_token (server);
  /* Stored with its expiry: the token source's record holds the token the server issued. */
  g_assert_nonnull (strstr (access, issued));
  g_clear_pointer (&access, pd_secret_free);

  /* Remove: the account and every secret of it go. */
  gtk_window_present (prefs);
  row = pd_test_app_find_row (GTK_WIDGET (prefs), "Office OneDrive");
  g_assert_nonnull (row);
  remove = find_button_by_tooltip (GTK_WIDGET (row), "Remove Account");
  g_assert_nonnull (remove);
  g_signal_emit_by_name (remove, "clicked");
  WAIT_UNTIL ((dialog = find_message_dialog ()) != NULL);
  adw_message_dialog_response (dialog, "remove");
  WAIT_UNTIL ((gone = pd_library_get_account (library, "Office OneDrive", NULL)) == NULL);
  secret = pd_secret_lookup (account->id, PD_OAUTH_SECRET_ACCESS, NULL, &error);
  g_assert_null (secret);
  g_assert_error (error, PD_SECRET_ERROR, PD_SECRET_ERROR_NOT_FOUND);
  g_clear_error (&error);
  secret = pd_secret_lookup (account->id, PD_OAUTH_SECRET_REFRESH, NULL, &error);
  g_assert_null (secret);
  g_assert_error (error, PD_SECRET_ERROR, PD_SECRET_ERROR_NOT_FOUND);

  pd_cloud_sign_in_set_open_uri_func (NULL, NULL);
  pd_test_app_destroy (prefs);
  pd_test_app_destroy (window);
  pd_test_app_release (library);
  g_clear_object (&browser.session);
  pd_oauth_server_free (server);
}

/* Dark mode: every page, with text light on a dark background. */

static gboolean
label_is_light (GtkWidget *root,
                const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root) &&
      g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    {
      GdkRGBA color;

      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      gtk_style_context_get_color (gtk_widget_get_style_context (root), &color);
      G_GNUC_END_IGNORE_DEPRECATIONS
      return 0.2126 * color.red + 0.7152 * color.green + 0.0722 * color.blue > 0.6;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (label_is_light (child, text))
      return TRUE;
  return FALSE;
}

static void
test_dark_mode (void)
{
  g_autofree char *dir = dup_library_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) failed = NULL;
  AdwStyleManager *style = adw_style_manager_get_default ();
  const char *pages[] = { "scan", "library", "inbox" };
  PdLibrary *library;
  PdWindow *window;
  GtkWindow *prefs;
  gint64 account_id;

  import_demo_page (dir);
  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pd_vault_attach_library (dir, NULL, NULL, &error));
  g_assert_no_error (error);
  failed = pd_library_create_document (library, "Letter that failed", "demo",
                                       PD_SCAN_MODE_GRAY, "eng", &error);
  g_assert_true (pd_library_set_document_failed (library, failed->id, "The scanner jammed.",
                                                 &error));
  account_id = pd_library_add_account (library, "Office", "webdav", "https://dav.example/",
                                       "me", &error);
  g_assert_cmpint (account_id, >, 0);
  g_assert_cmpint (pd_library_add_inbox_item (library, 0, account_id, "sign_in",
                                              "Account “Office” refused the password.",
                                              &error), >, 0);
  g_assert_no_error (error);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  g_assert_true (adw_style_manager_get_dark (style));

  window = pd_window_new (NULL);
  pd_window_set_library (window, library);
  gtk_window_set_default_size (GTK_WINDOW (window), 820, 600);
  gtk_window_present (GTK_WINDOW (window));
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autofree char *name = g_strdup_printf ("dark-%s.png", pages[i]);

      pd_window_set_visible_page (window, pages[i]);
      if (g_str_equal (pages[i], "library"))
        {
          WAIT_UNTIL (first_row_has_thumbnail (GTK_WIDGET (window)));
          WAIT_UNTIL (label_is_light (GTK_WIDGET (window), "Letter that failed"));
        }
      pd_test_app_spin (400);
      pd_test_app_screenshot (GTK_WIDGET (window), name);
    }

  prefs = pd_window_show_preferences (window, "accounts");
  gtk_window_set_default_size (prefs, 640, 900);
  WAIT_UNTIL (pd_test_app_find_row (GTK_WIDGET (prefs), "Office") != NULL);
  g_assert_true (label_is_light (GTK_WIDGET (prefs), "Office"));
  pd_test_app_spin (400);
  pd_test_app_screenshot (GTK_WIDGET (prefs), "dark-preferences-accounts.png");

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  pd_test_app_destroy (prefs);
  pd_test_app_destroy (window);
  pd_test_app_release (library);
  pd_vault_set_default (NULL, NULL);
}

int
main (int   argc,
      char *argv[])
{
  if (!pd_test_app_init (&argc, &argv))
    {
      g_printerr ("test-vault-ui needs a display: run it under xvfb-run\n");
      return 1;
    }

  g_test_add_func ("/app/vault/open-export", test_vault_open_export);
  g_test_add_func ("/app/vault/evicted-thumbnail", test_vault_evicted_thumbnail);
  g_test_add_func ("/app/accounts/onedrive", test_accounts_onedrive);
  g_test_add_func ("/app/dark-mode", test_dark_mode);

  return g_test_run ();
}
