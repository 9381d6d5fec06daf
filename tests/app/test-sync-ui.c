/* test-sync-ui.c: the Library, Inbox and Preferences as a person sees them, against a real
 * library and real folder accounts: each document's row says where it is in syncing, search
 * shows highlighted snippets, a real conflict (two library instances, as another program on the
 * same library would) is settled with Keep Both, the grace period set in Preferences is the
 * library's, the Test button says exactly what is wrong with a folder account, and every button
 * can be told apart by a tooltip or a label. Screenshots of each page go to PD_SCREENSHOT_DIR.
 * Needs a display (the suite runs under xvfb-run). */
#define G_LOG_DOMAIN "pd-test"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "pd-document-item.h"
#include "pd-library-view.h"
#include "pd-library-sync.h"
#include "pd-preferences-window.h"
#include "pd-profile.h"
#include "pd-sync-engine.h"
#include "pd-secret.h"
#include "pd-sync-status.h"
#include "pd-test-app.h"
#include "pd-test-sync.h"
#include "pd-test-webdav.h"
#include "pd-webdav-connector.h"
#include "pd-window.h"

typedef struct {
  char         *dir;
  char         *share;     /* the folder account's root */
  PdLibrary    *library;
  PdSyncEngine *engine;
  PdSyncStatus *status;
  PdWindow     *window;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_build_filename (g_get_user_data_dir (), "library", NULL);
  f->share = g_build_filename (g_get_user_data_dir (), "share", NULL);
  g_assert_no_errno (g_mkdir_with_parents (f->share, 0700));
  f->library = pd_library_open (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pd_library_add_account (f->library, "Share", "folder", f->share, NULL,
                                           &error), >, 0);
  g_assert_no_error (error);
  f->engine = pd_sync_engine_new (f->library);
}

static void
fixture_show (Fixture    *f,
              const char *page)
{
  f->status = pd_sync_status_new (f->library, f->engine);
  f->window = pd_window_new (NULL);
  pd_window_set_library (f->window, f->library);
  pd_window_set_sync_status (f->window, f->status);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 760, 560);
  pd_window_set_visible_page (f->window, page);
  gtk_window_present (GTK_WINDOW (f->window));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->window != NULL)
    pd_test_app_destroy (f->window);
  if (f->status != NULL)
    pd_test_app_release (f->status);
  g_object_run_dispose (G_OBJECT (f->engine));
  pd_test_app_release (f->engine);
  pd_test_app_release (f->library);
  g_free (f->dir);
  g_free (f->share);
}

/* A ready document whose PDF holds @contents, going to @destination (NULL: nowhere). */
static gint64
make_ready (Fixture    *f,
            const char *name,
            const char *contents,
            const char *destination)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autofree char *file = g_strdup_printf ("%s.pdf", name);
  g_autofree char *pdf = g_build_filename (pd_library_get_documents_dir (f->library), file, NULL);

  g_assert_true (g_file_set_contents (pdf, contents, -1, &error));
  document = pd_library_create_document (f->library, name, "demo", PD_SCAN_MODE_TEXT, "eng",
                                         &error);
  g_assert_no_error (error);
  g_assert_true (pd_library_transition (f->library, document->id, PD_DOC_STATE_CAPTURING,
                                        PD_DOC_STATE_PROCESSING, "processing", NULL, &error));
  g_assert_true (pd_library_set_document_ready (f->library, document->id, pdf, &error));
  if (destination != NULL)
    g_assert_true (pd_library_set_document_destination (f->library, document->id, destination,
                                                        &error));
  g_assert_no_error (error);
  return document->id;
}

static void
pass_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static PdSyncSummary
run_pass (PdSyncEngine *engine)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  PdSyncSummary summary = { 0 };

  pd_sync_engine_run_pass_async (engine, NULL, pass_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (pd_sync_engine_run_pass_finish (engine, result, &summary, &error));
  g_assert_no_error (error);
  return summary;
}

static const char *
row_subtitle (Fixture    *f,
              const char *title)
{
  AdwActionRow *row = pd_test_app_find_row (GTK_WIDGET (f->window), title);

  return row != NULL ? adw_action_row_get_subtitle (row) : NULL;
}

static gboolean
row_says (Fixture    *f,
          const char *title,
          const char *subtitle)
{
  return g_strcmp0 (row_subtitle (f, title), subtitle) == 0;
}

static gboolean
find_label (GtkWidget  *root,
            const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root) &&
      g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (find_label (child, text))
      return TRUE;
  return FALSE;
}

/* What the header bar shows, visibly. */
static gboolean
header_says (Fixture    *f,
             const char *text)
{
  return find_label (pd_test_app_find (GTK_WIDGET (f->window), ADW_TYPE_HEADER_BAR), text);
}

static void
test_library_sync_states (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) processing = NULL;
  g_autofree char *gone = g_build_filename (g_get_user_data_dir (), "unplugged", NULL);
  PdSyncSummary summary;
  gint64 sent;

  /* A share that is not mounted: the engine waits and tries again. */
  g_assert_cmpint (pd_library_add_account (f->library, "Unplugged", "folder", gone, NULL,
                                           &error), >, 0);
  g_assert_no_error (error);

  processing = pd_library_create_document (f->library, "Still processing", "demo",
                                           PD_SCAN_MODE_TEXT, "eng", &error);
  g_assert_true (pd_library_transition (f->library, processing->id, PD_DOC_STATE_CAPTURING,
                                        PD_DOC_STATE_PROCESSING, "processing", NULL, &error));
  g_assert_no_error (error);
  make_ready (f, "Kept here", "%PDF kept", NULL);
  sent = make_ready (f, "Sent", "%PDF sent", "Share:Invoices");
  make_ready (f, "Offline", "%PDF offline", "Unplugged:");
  make_ready (f, "Refused", "%PDF refused", "Nowhere:");

  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.accepted, ==, 1);
  g_assert_cmpuint (summary.retry_later, ==, 1);
  g_assert_cmpuint (summary.rejected, ==, 1);
  /* Ready after the pass: nothing has tried to send it yet. */
  make_ready (f, "Queued", "%PDF queued", "Share:");

  fixture_show (f, "library");
  PD_TEST_WAIT_UNTIL (row_says (f, "Queued", "Waiting to upload"));
  g_assert_cmpstr (row_subtitle (f, "Sent"), ==, "Synced");
  g_assert_cmpstr (row_subtitle (f, "Offline"), ==, "Waiting for network");
  g_assert_cmpstr (row_subtitle (f, "Refused"), ==, "Needs attention: see the inbox");
  g_assert_cmpstr (row_subtitle (f, "Kept here"), ==, "Ready");
  g_assert_cmpstr (row_subtitle (f, "Still processing"), ==, "Processing");

  /* The header counts what is still to go (Offline, Queued); the inbox badge what needs a
   * person (Refused). */
  PD_TEST_WAIT_UNTIL (pd_sync_status_get_pending (f->status) == 2);
  g_assert_cmpuint (pd_sync_status_get_inbox_count (f->status), ==, 1);
  PD_TEST_WAIT_UNTIL (header_says (f, "2 items waiting to sync"));

  pd_test_app_spin (300);
  pd_test_app_screenshot (GTK_WIDGET (f->window), "library-sync-states.png");

  /* After the grace period the PDF goes; the row says where it is now. */
  g_assert_true (pd_library_set_document_evicted (f->library, sent, TRUE, &error));
  g_assert_no_error (error);
  /* No Refresh: the library's "document-changed" reaches the view. */
  PD_TEST_WAIT_UNTIL (row_says (f, "Sent", "Synced, stored online only"));

  /* While a pass sends, a waiting document says how far it is. */
  {
    g_autoptr(PdSyncState) state = pd_library_get_sync_state (f->library, sent, &error);
    g_autoptr(PdDocument) document = pd_library_get_document_by_id (f->library, sent, &error);
    g_autoptr(PdDocumentItem) uploading = NULL;
    g_autofree char *words = NULL;

    state->synced_revision = 0;
    uploading = pd_document_item_new_with_sync (document, state, NULL, TRUE, 40);
    words = pd_document_item_dup_status (uploading);
    g_assert_cmpstr (words, ==, "Uploading 40 %");
  }

  /* The inbox says what happened and offers what fixes it. */
  pd_window_set_visible_page (f->window, "inbox");
  PD_TEST_WAIT_UNTIL (pd_test_app_find_row (GTK_WIDGET (f->window),
                                            "“Refused” was not sent") != NULL);
  g_assert_nonnull (pd_test_app_find_button (GTK_WIDGET (f->window), "Add Account"));
  g_assert_nonnull (pd_test_app_find_button (GTK_WIDGET (f->window), "Retry"));
  pd_test_app_spin (300);
  pd_test_app_screenshot (GTK_WIDGET (f->window), "inbox-rejected.png");
}

static void
add_recognized_page (Fixture    *f,
                     gint64      document_id,
                     const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *spool = g_build_filename (pd_library_get_spool_dir (f->library), "p.pnm", NULL);
  g_autofree char *image = g_build_filename (pd_library_get_pages_dir (f->library), "p.jpg", NULL);
  PdSpooledPage page = { 0, spool, 100, 100, 8, 1, 300 };
  gint64 page_id;

  g_assert_true (g_file_set_contents (spool, "P5\n1 1\n255\n\0", 13, NULL));
  page_id = pd_library_add_page (f->library, document_id, &page, &error);
  g_assert_no_error (error);
  g_assert_true (pd_library_set_page_recognized (f->library, page_id, image, 1, 0.0, text, 90.0,
                                                 NULL, &error));
  g_assert_no_error (error);
}

/* The markup of a label under @root that starts with @prefix and is shown as markup. */
static const char *
find_markup (GtkWidget  *root,
             const char *prefix)
{
  if (GTK_IS_LABEL (root) && gtk_label_get_use_markup (GTK_LABEL (root)) &&
      g_str_has_prefix (gtk_label_get_label (GTK_LABEL (root)), prefix))
    return gtk_label_get_label (GTK_LABEL (root));
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *found = find_markup (child, prefix);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_library_search (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) claim = NULL;
  g_autoptr(PdDocument) memo = NULL;
  GtkEditable *entry;
  AdwActionRow *row;
  const char *subtitle;

  claim = pd_library_create_document (f->library, "Claim <42> & co", "demo",
                                      PD_SCAN_MODE_TEXT, "eng", &error);
  g_assert_no_error (error);
  add_recognized_page (f, claim->id, "The storm damaged the <roof> & the fence of the barn.");
  memo = pd_library_create_document (f->library, "Memo", "demo", PD_SCAN_MODE_TEXT, "eng",
                                     &error);
  g_assert_no_error (error);
  add_recognized_page (f, memo->id, "Lunch is at noon on Friday.");

  fixture_show (f, "library");
  PD_TEST_WAIT_UNTIL (pd_test_app_find_row (GTK_WIDGET (f->window), "Memo") != NULL);

  /* As a person types: the results come without pressing Enter. */
  entry = GTK_EDITABLE (pd_test_app_find (GTK_WIDGET (f->window), GTK_TYPE_SEARCH_ENTRY));
  g_assert_nonnull (entry);
  gtk_editable_set_text (entry, "storm");
  /* The title is escaped markup: it shows as the name was given. */
  PD_TEST_WAIT_UNTIL (pd_test_app_find_row (GTK_WIDGET (f->window),
                                            "Claim &lt;42&gt; &amp; co") != NULL);
  row = pd_test_app_find_row (GTK_WIDGET (f->window), "Claim &lt;42&gt; &amp; co");
  /* What is drawn: the subtitle label's markup, the word found in bold, the rest as it was
   * recognized (escaped, so "<roof>" shows as written). */
  subtitle = find_markup (GTK_WIDGET (row), "Page 1: ");
  g_assert_nonnull (subtitle);
  g_test_message ("snippet: %s", subtitle);
  g_assert_nonnull (strstr (subtitle, "<b>storm</b>"));
  g_assert_nonnull (strstr (subtitle, "&lt;roof&gt; &amp;"));
  PD_TEST_WAIT_UNTIL (pd_test_app_find_row (GTK_WIDGET (f->window), "Memo") == NULL);
  pd_test_app_spin (300);
  pd_test_app_screenshot (GTK_WIDGET (f->window), "library-search.png");

  /* Nothing found says so; clearing the search shows every document again. */
  gtk_editable_set_text (entry, "hurricane");
  PD_TEST_WAIT_UNTIL (pd_test_app_find_row (GTK_WIDGET (f->window),
                                            "Claim &lt;42&gt; &amp; co") == NULL);
  gtk_editable_set_text (entry, "");
  PD_TEST_WAIT_UNTIL (pd_test_app_find_row (GTK_WIDGET (f->window), "Memo") != NULL);
}

static gboolean
journal_has (PdLibrary  *library,
             gint64      document_id,
             const char *what)
{
  g_autoptr(GPtrArray) entries = pd_library_list_journal (library, document_id, NULL);

  for (guint i = 0; entries != NULL && i < entries->len; i++)
    if (g_strcmp0 (((PdJournalEntry *) entries->pdata[i])->what, what) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
inbox_empty_shown (Fixture *f)
{
  AdwStatusPage *page = ADW_STATUS_PAGE (pd_test_app_find (GTK_WIDGET (f->window),
                                                           ADW_TYPE_STATUS_PAGE));

  return page != NULL && g_strcmp0 (adw_status_page_get_title (page), "Nothing Needs You") == 0;
}

/* Offline here, the document is edited through a second instance of the library (as the
 * command line would while the app runs); the next pass finds the server's copy changed too. */
static void
edit_offline_then_sync (Fixture    *f,
                        gint64      id,
                        const char *edited)
{
  g_autoptr(PdLibrary) other = NULL;
  g_autoptr(GError) error = NULL;
  PdSyncSummary summary;

  other = pd_library_open (f->dir, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (edited, "%PDF our edit", -1, &error));
  g_assert_true (pd_library_replace_document_pdf (other, id, edited, "edited", &error));
  g_assert_no_error (error);
  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.conflicts, ==, 1);
}

/* The Inbox explains the conflict (a screenshot named @screenshot), Keep Both settles it: the
 * journal says so and the inbox empties. */
static void
keep_both_from_inbox (Fixture    *f,
                      gint64      id,
                      const char *screenshot)
{
  fixture_show (f, "inbox");
  PD_TEST_WAIT_UNTIL (pd_test_app_find_button (GTK_WIDGET (f->window), "Keep Both") != NULL);
  g_assert_nonnull (pd_test_app_find_row (GTK_WIDGET (f->window),
                                          "“Contract” was changed in two places"));
  g_assert_nonnull (pd_test_app_find_button (GTK_WIDGET (f->window), "Restore Theirs"));
  /* The Inbox page carries the count. */
  PD_TEST_WAIT_UNTIL (pd_sync_status_get_inbox_count (f->status) == 1);
  pd_test_app_spin (300);
  pd_test_app_screenshot (GTK_WIDGET (f->window), screenshot);

  g_signal_emit_by_name (pd_test_app_find_button (GTK_WIDGET (f->window), "Keep Both"), "clicked");
  PD_TEST_WAIT_UNTIL (journal_has (f->library, id, "conflict: both kept"));
  PD_TEST_WAIT_UNTIL (inbox_empty_shown (f) &&
                      pd_test_app_find_button (GTK_WIDGET (f->window), "Keep Both") == NULL);
}

static void
test_inbox_keep_both (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *remote = g_build_filename (f->share, "Contract.pdf", NULL);
  g_autofree char *kept = g_build_filename (f->share, "Contract (2).pdf", NULL);
  g_autofree char *edited = g_build_filename (g_get_user_data_dir (), "contract-v2.pdf", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GPtrArray) items = NULL;
  PdSyncSummary summary;
  gint64 id;

  id = make_ready (f, "Contract", "%PDF our first version", "Share:");
  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.accepted, ==, 1);

  /* Someone changes the server's copy while the document is edited here. */
  g_usleep (1100 * 1000);  /* a different mtime, so a different etag */
  g_assert_true (g_file_set_contents (remote, "%PDF their edit", -1, &error));
  edit_offline_then_sync (f, id, edited);

  /* Both are on the server: ours under its name, theirs beside it. */
  keep_both_from_inbox (f, id, "inbox-conflict.png");
  g_assert_true (g_file_get_contents (kept, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "%PDF their edit");
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (remote, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "%PDF our edit");
  items = pd_library_list_inbox (f->library, FALSE, &error);
  g_assert_cmpuint (items->len, ==, 0);
  PD_TEST_WAIT_UNTIL (pd_sync_status_get_inbox_count (f->status) == 0);
  pd_test_app_spin (300);
  pd_test_app_screenshot (GTK_WIDGET (f->window), "inbox-empty.png");
}

/* The same against Apache's WebDAV: another device replaces the server's copy with the etag it
 * had, while this laptop edits the document offline; the Inbox's Keep Both puts theirs beside
 * ours on the server. */
static void
test_inbox_webdav_keep_both (Fixture       *f,
                             gconstpointer  data)
{
  PdTestWebdav *webdav = pd_test_webdav_start (0);
  g_autofree char *folder = g_build_filename (pd_test_webdav_get_root (webdav), "laptops", NULL);
  g_autofree char *remote = g_build_filename (folder, "Contract.pdf", NULL);
  g_autofree char *beside = g_build_filename (folder, "Contract (2).pdf", NULL);
  g_autofree char *theirs = g_build_filename (g_get_user_data_dir (), "contract-theirs.pdf", NULL);
  g_autofree char *edited = g_build_filename (g_get_user_data_dir (), "contract-ours.pdf", NULL);
  g_autoptr(PdConnector) device = NULL;
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  PdSyncSummary summary;
  gint64 account, id;

  account = pd_library_add_account (f->library, "Cloud", "webdav", pd_test_webdav_get_uri (webdav),
                                    PD_TEST_WEBDAV_USER, &error);
  g_assert_no_error (error);
  g_assert_true (pd_secret_store (account, "webdav", "Cloud", PD_TEST_WEBDAV_PASSWORD, NULL, &error));
  g_assert_no_error (error);
  id = make_ready (f, "Contract", "%PDF our first version", "Cloud:laptops");
  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.accepted, ==, 1);

  device = pd_webdav_connector_new ("Other laptop", pd_test_webdav_get_uri (webdav),
                                    PD_TEST_WEBDAV_USER, PD_TEST_WEBDAV_PASSWORD, NULL);
  info = pd_test_stat (device, "laptops/Contract.pdf", &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (theirs, "%PDF their edit, from the other laptop", -1, &error));
  g_assert_true (pd_test_upload (device, theirs, "laptops/Contract.pdf", info->etag, NULL, NULL,
                                 &error));
  g_assert_no_error (error);
  edit_offline_then_sync (f, id, edited);

  keep_both_from_inbox (f, id, "inbox-conflict-webdav.png");
  PD_TEST_WAIT_UNTIL (g_file_test (beside, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (beside, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "%PDF their edit, from the other laptop");
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (remote, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "%PDF our edit");
  g_clear_object (&device);
  pd_test_webdav_stop (webdav);
}

static char *
dup_grace (PdLibrary *library)
{
  char *value = NULL;

  g_assert_true (pd_library_get_setting (library, PD_SETTING_EVICT_GRACE_HOURS, &value, NULL));
  return value;
}

static gboolean
grace_is (PdLibrary  *library,
          const char *expected)
{
  g_autofree char *value = dup_grace (library);

  return g_strcmp0 (value, expected) == 0;
}

static void
test_preferences (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdProfile) claims = pd_profile_new ("Claims");
  GtkWindow *prefs;
  GtkSpinButton *spin;
  AdwActionRow *preview;

  g_free (claims->name_template);
  claims->name_template = g_strdup ("{profile}_{counter:3}");
  g_assert_true (pd_library_save_profile (f->library, claims, FALSE, &error));
  g_assert_no_error (error);

  fixture_show (f, "library");
  prefs = pd_window_show_preferences (f->window, "general");
  g_assert_nonnull (prefs);
  PD_TEST_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (prefs)));

  /* The first spin button on the General page is the grace period, 24 h by default. */
  spin = GTK_SPIN_BUTTON (pd_test_app_find (GTK_WIDGET (prefs), GTK_TYPE_SPIN_BUTTON));
  g_assert_nonnull (spin);
  PD_TEST_WAIT_UNTIL (gtk_widget_is_sensitive (GTK_WIDGET (spin)));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 24);
  gtk_spin_button_set_value (spin, 72);
  PD_TEST_WAIT_UNTIL (grace_is (f->library, "72"));
  pd_test_app_spin (300);
  pd_test_app_screenshot (GTK_WIDGET (prefs), "preferences-general.png");

  /* The profile editor previews the next name from the library's counter. */
  pd_preferences_window_set_page (PD_PREFERENCES_WINDOW (prefs), "profiles");
  PD_TEST_WAIT_UNTIL ((preview = pd_test_app_find_row (GTK_WIDGET (prefs),
                                                       "Next Document Name")) != NULL &&
                      g_strcmp0 (adw_action_row_get_subtitle (preview), "Claims_001") == 0);
  pd_test_app_spin (300);
  pd_test_app_screenshot (GTK_WIDGET (prefs), "preferences-profiles.png");

  gtk_window_destroy (prefs);
}

static void
test_preferences_test_account (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) expected = NULL;
  g_autofree char *missing = g_build_filename (g_get_user_data_dir (), "no", "such", "share",
                                               NULL);
  g_autofree char *words = NULL;
  GtkWindow *prefs;
  AdwActionRow *row;
  GtkButton *button;

  g_assert_cmpint (pd_library_add_account (f->library, "Archive", "folder", missing, NULL,
                                           &error), >, 0);
  g_assert_no_error (error);
  g_assert_false (pd_sync_test_account (f->library, "Archive", NULL, &expected));
  g_assert_nonnull (expected);

  fixture_show (f, "library");
  prefs = pd_window_show_preferences (f->window, "accounts");
  PD_TEST_WAIT_UNTIL ((row = pd_test_app_find_row (GTK_WIDGET (prefs), "Archive")) != NULL);
  g_assert_nonnull (pd_test_app_find_row (GTK_WIDGET (prefs), "Share"));
  button = pd_test_app_find_button (GTK_WIDGET (row), "Test");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");

  /* Exactly what failed: the folder, the account, and what to do. */
  words = g_strdup_printf ("Does not work: %s", expected->message);
  PD_TEST_WAIT_UNTIL (g_strcmp0 (adw_action_row_get_subtitle (row), words) == 0);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (row), missing));
  pd_test_app_spin (300);
  pd_test_app_screenshot (GTK_WIDGET (prefs), "preferences-accounts.png");

  /* The working one says so. */
  row = pd_test_app_find_row (GTK_WIDGET (prefs), "Share");
  g_signal_emit_by_name (pd_test_app_find_button (GTK_WIDGET (row), "Test"), "clicked");
  PD_TEST_WAIT_UNTIL (g_strcmp0 (adw_action_row_get_subtitle (row),
                                 "Works: a test file was written and removed.") == 0);

  gtk_window_destroy (prefs);
}

/* Library widgets draw some buttons of their own (window controls, spin buttons, the view
 * switcher); those are theirs to label. Everything else must say what it does. */
static gboolean
is_library_internal (GtkWidget *widget)
{
  static const char *types[] = {
    "GtkWindowControls", "AdwViewSwitcher", "AdwViewSwitcherBar", "AdwViewSwitcherTitle",
    "GtkSpinButton", "GtkSearchEntry", "GtkPasswordEntry", "AdwExpanderRow", "AdwComboRow",
    "GtkMenuButton", "AdwEntryRow",
  };

  for (GtkWidget *w = gtk_widget_get_parent (widget); w != NULL; w = gtk_widget_get_parent (w))
    for (guint i = 0; i < G_N_ELEMENTS (types); i++)
      if (g_strcmp0 (G_OBJECT_TYPE_NAME (w), types[i]) == 0)
        return TRUE;
  return FALSE;
}

static void
collect_unlabelled (GtkWidget *root,
                    GString   *missing,
                    guint     *n_buttons)
{
  if ((GTK_IS_BUTTON (root) || GTK_IS_MENU_BUTTON (root)) && !is_library_internal (root))
    {
      const char *label = GTK_IS_BUTTON (root) ? gtk_button_get_label (GTK_BUTTON (root))
                                               : gtk_menu_button_get_label (GTK_MENU_BUTTON (root));

      (*n_buttons)++;
      if (gtk_widget_get_tooltip_text (root) == NULL && (label == NULL || label[0] == '\0'))
        g_string_append_printf (missing, " %s(%s)", G_OBJECT_TYPE_NAME (root),
                                gtk_widget_get_name (root));
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_unlabelled (child, missing, n_buttons);
}

static void
test_every_button_labelled (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GString) missing = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  GtkWindow *prefs;
  guint n_buttons = 0;

  make_ready (f, "Sent", "%PDF", "Share:");
  make_ready (f, "Refused", "%PDF", "Nowhere:");
  run_pass (f->engine);

  fixture_show (f, "library");
  PD_TEST_WAIT_UNTIL (pd_test_app_find_row (GTK_WIDGET (f->window), "Sent") != NULL);
  PD_TEST_WAIT_UNTIL (pd_sync_status_get_inbox_count (f->status) == 1);
  collect_unlabelled (GTK_WIDGET (f->window), missing, &n_buttons);
  pd_window_set_visible_page (f->window, "inbox");
  PD_TEST_WAIT_UNTIL (pd_test_app_find_button (GTK_WIDGET (f->window), "Retry") != NULL);
  collect_unlabelled (GTK_WIDGET (f->window), missing, &n_buttons);
  pd_window_set_visible_page (f->window, "scan");
  pd_test_app_spin (100);
  collect_unlabelled (GTK_WIDGET (f->window), missing, &n_buttons);

  prefs = pd_window_show_preferences (f->window, "general");
  PD_TEST_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (prefs)));
  for (guint i = 0; i < 3; i++)
    {
      static const char *pages[] = { "general", "profiles", "accounts" };

      pd_preferences_window_set_page (PD_PREFERENCES_WINDOW (prefs), pages[i]);
      pd_test_app_spin (200);
      collect_unlabelled (GTK_WIDGET (prefs), missing, &n_buttons);
    }
  gtk_window_destroy (prefs);

  g_test_message ("%u buttons checked", n_buttons);
  g_assert_cmpuint (n_buttons, >, 10);
  g_assert_cmpstr (missing->str, ==, "");
}

static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_mapped (window))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static GtkWidget *
library_view (Fixture *f)
{
  return pd_test_app_find (GTK_WIDGET (f->window), PD_TYPE_LIBRARY_VIEW);
}

/* Delete from the row menu's action: the confirmation says what stays where, Cancel keeps the
 * document, Delete removes it here and leaves the synced copy on its destination. */
static void
test_library_delete (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdSyncState) state = NULL;
  g_autoptr(PdDocument) kept = NULL;
  g_autofree char *remote = NULL;
  AdwMessageDialog *dialog;
  PdSyncSummary summary;
  gint64 sent;
  gint64 local;

  sent = make_ready (f, "Sent", "%PDF sent", "Share:Invoices");
  local = make_ready (f, "Local only", "%PDF local", NULL);
  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.accepted, ==, 1);
  state = pd_library_get_sync_state (f->library, sent, &error);
  g_assert_no_error (error);
  remote = g_build_filename (f->share, state->remote_path, NULL);
  g_assert_true (g_file_test (remote, G_FILE_TEST_IS_REGULAR));

  fixture_show (f, "library");
  PD_TEST_WAIT_UNTIL (row_says (f, "Sent", "Synced"));

  /* A document only here: it cannot come back. Cancel keeps it. */
  gtk_widget_activate_action (library_view (f), "doc.delete", "x", local);
  PD_TEST_WAIT_UNTIL ((dialog = find_message_dialog ()) != NULL);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Delete “Local only”?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "cannot be undone"));
  /* Clicked as a person would: the dialog closes itself. */
  gtk_widget_activate (GTK_WIDGET (pd_test_app_find_button (GTK_WIDGET (dialog), "Cancel")));
  PD_TEST_WAIT_UNTIL (find_message_dialog () == NULL);
  pd_test_app_spin (100);
  kept = pd_library_get_document_by_id (f->library, local, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pd_test_app_find_row (GTK_WIDGET (f->window), "Local only"));

  /* A synced document: the confirmation says its copy on "Share" stays. */
  gtk_widget_activate_action (library_view (f), "doc.delete", "x", sent);
  PD_TEST_WAIT_UNTIL ((dialog = find_message_dialog ()) != NULL);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Delete “Sent”?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog),
                            "The copy already synced to “Share” stays there"));
  pd_test_app_spin (300);
  pd_test_app_screenshot (GTK_WIDGET (dialog), "library-delete-confirmation.png");
  gtk_widget_activate (GTK_WIDGET (pd_test_app_find_button (GTK_WIDGET (dialog), "Delete")));

  /* Gone from the list without a Refresh, gone from the disk, still on the share. */
  PD_TEST_WAIT_UNTIL (pd_test_app_find_row (GTK_WIDGET (f->window), "Sent") == NULL);
  g_assert_nonnull (pd_test_app_find_row (GTK_WIDGET (f->window), "Local only"));
  g_assert_false (g_file_test (state->pdf_path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (remote, G_FILE_TEST_IS_REGULAR));
  g_assert_null (pd_library_get_document_by_id (f->library, sent, &error));
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND);
}

typedef struct {
  gint64  document_id;
  guint64 done;
  guint64 total;
} ProgressEvent;

static void
record_progress_cb (PdSyncEngine *engine,
                    gint64        document_id,
                    guint64       done,
                    guint64       total,
                    GArray       *events)
{
  ProgressEvent event = { document_id, done, total };

  g_array_append_val (events, event);
}

/* Each row says how far its own document is; a pass with no grace period evicts what it sent,
 * and the rows say so without a Refresh. */
static void
test_library_progress_and_eviction (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) events = g_array_new (FALSE, FALSE, sizeof (ProgressEvent));
  PdSyncSummary summary;
  gint64 first;
  gint64 second;
  guint started = 0;
  guint finished = 0;

  first = make_ready (f, "First", "%PDF first", "Share:");
  second = make_ready (f, "Second", "%PDF second!", "Share:");
  g_assert_true (pd_library_set_setting (f->library, PD_SETTING_EVICT_GRACE_HOURS, "0",
                                         &error));
  g_assert_no_error (error);

  fixture_show (f, "library");
  PD_TEST_WAIT_UNTIL (row_says (f, "First", "Waiting to upload"));
  g_assert_cmpstr (row_subtitle (f, "Second"), ==, "Waiting to upload");

  /* The engine's word about one document changes that row only. */
  g_signal_emit_by_name (f->engine, "document-progress", first, (guint64) 40, (guint64) 100);
  PD_TEST_WAIT_UNTIL (row_says (f, "First", "Uploading 40 %"));
  g_assert_cmpstr (row_subtitle (f, "Second"), ==, "Waiting to upload");
  pd_test_app_spin (200);
  pd_test_app_screenshot (GTK_WIDGET (f->window), "library-uploading.png");

  /* A real pass tells when each document starts and when its destination confirmed it. */
  g_signal_connect (f->engine, "document-progress", G_CALLBACK (record_progress_cb), events);
  summary = run_pass (f->engine);
  g_assert_cmpuint (summary.accepted, ==, 2);
  g_assert_cmpuint (summary.evicted, ==, 2);
  pd_test_app_spin (100);
  g_signal_handlers_disconnect_by_func (f->engine, record_progress_cb, events);
  for (guint i = 0; i < events->len; i++)
    {
      const ProgressEvent *event = &g_array_index (events, ProgressEvent, i);
      guint64 size = event->document_id == first ? strlen ("%PDF first")
                                                 : strlen ("%PDF second!");

      g_assert_true (event->document_id == first || event->document_id == second);
      g_assert_cmpuint (event->total, ==, size);
      if (event->done == 0)
        started++;
      else if (event->done == size)
        finished++;
    }
  g_assert_cmpuint (started, ==, 2);
  g_assert_cmpuint (finished, ==, 2);

  /* Evicted in that pass: no Refresh. */
  PD_TEST_WAIT_UNTIL (row_says (f, "First", "Synced, stored online only"));
  PD_TEST_WAIT_UNTIL (row_says (f, "Second", "Synced, stored online only"));
}

int
main (int   argc,
      char *argv[])
{
  if (!pd_test_app_init (&argc, &argv))
    {
      g_printerr ("test-sync-ui needs a display: run it under xvfb-run\n");
      return 1;
    }

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/app/library/sync-states", test_library_sync_states);
  ADD ("/app/library/search", test_library_search);
  ADD ("/app/library/delete", test_library_delete);
  ADD ("/app/library/progress-and-eviction", test_library_progress_and_eviction);
  ADD ("/app/inbox/keep-both", test_inbox_keep_both);
  ADD ("/app/inbox/webdav-keep-both", test_inbox_webdav_keep_both);
  ADD ("/app/preferences/grace-and-preview", test_preferences);
  ADD ("/app/preferences/test-account", test_preferences_test_account);
  ADD ("/app/window/every-button-labelled", test_every_button_labelled);
#undef ADD

  return g_test_run ();
}
