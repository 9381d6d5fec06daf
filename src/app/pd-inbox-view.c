/* pd-inbox-view.c: the Inbox page (see pd-inbox-view.h). Items are listed and settled by jobs
 * on a worker thread (pd_sync_resolve may download or upload); the list follows the library's
 * changes and the sync status's inbox count. The words on each row are the application's; the
 * engine's own message, which names files and accounts, comes under them. */
#define G_LOG_DOMAIN "pd-app"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "pd-app-job.h"
#include "pd-app-toast.h"
#include "pd-cloud-sign-in.h"
#include "pd-inbox-view.h"
#include "pd-library-sync.h"
#include "pd-secret.h"
#include "pd-sync-engine.h"

struct _PdInboxView
{
  AdwBin        parent_instance;

  /* Template widgets */
  GtkStack     *stack;
  GtkListBox   *list_box;

  /* Owned */
  GCancellable *cancellable;
  PdLibrary    *library;
  PdSyncStatus *status;

  guint         n_items;
  guint         listing : 1;
  guint         relist_pending : 1;
};

G_DEFINE_FINAL_TYPE (PdInboxView, pd_inbox_view, ADW_TYPE_BIN)

static void pd_inbox_view_list (PdInboxView *self);

static void
pd_inbox_view_toast (PdInboxView *self,
                     const char  *text)
{
  pd_app_toast (GTK_WIDGET (self), text, 5);
}

/* Resolving */

typedef struct {
  gint64  item_id;
  char   *keep;       /* mine, theirs, both */
  gint64  account_id; /* sign in: whose password */
  char   *password;   /* sign in: the new password, wiped when freed */
} Resolve;

static void
resolve_free (Resolve *resolve)
{
  g_free (resolve->keep);
  if (resolve->password != NULL)
    pd_secret_free (resolve->password);
  g_free (resolve);
}

static gboolean
resolve_job (PdLibrary       *library,
             gpointer         data,
             gpointer        *result,
             GDestroyNotify  *result_free,
             GCancellable    *cancellable,
             GError         **error)
{
  Resolve *resolve = data;

  if (resolve->password != NULL)
    {
      g_autoptr(PdAccount) account = pd_library_get_account_by_id (library, resolve->account_id,
                                                                   error);

      if (account == NULL)
        return FALSE;
      if (!pd_secret_store (account->id, account->kind, account->name, resolve->password,
                            cancellable, error))
        return FALSE;
    }
  return pd_sync_resolve (library, resolve->item_id, resolve->keep, cancellable, error);
}

static void
resolve_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(PdInboxView) self = PD_INBOX_VIEW (user_data);
  g_autoptr(GError) error = NULL;

  if (!pd_app_job_finish (result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pd_inbox_view_toast (self, error->message);
      pd_inbox_view_list (self);
      return;
    }

  pd_inbox_view_toast (self, _("Done. The document will be synced again."));
  pd_inbox_view_list (self);
  if (self->status != NULL)
    pd_sync_status_refresh (self->status);
}

static void
pd_inbox_view_resolve (PdInboxView *self,
                       gint64       item_id,
                       const char  *keep,
                       gint64       account_id,
                       const char  *password)
{
  Resolve *resolve;

  if (self->library == NULL)
    return;

  resolve = g_new0 (Resolve, 1);
  resolve->item_id = item_id;
  resolve->keep = g_strdup (keep);
  resolve->account_id = account_id;
  resolve->password = g_strdup (password);
  pd_app_job_run (self->library, resolve_job, resolve, (GDestroyNotify) resolve_free,
                  self->cancellable, resolve_cb, g_object_ref (self));
}

/* Buttons carry what they do as data, so one handler serves them all. */
static void
resolve_clicked_cb (GtkButton   *button,
                    PdInboxView *self)
{
  gint64 *item_id = g_object_get_data (G_OBJECT (button), "pd-item-id");
  const char *keep = g_object_get_data (G_OBJECT (button), "pd-keep");

  /* One answer per item: the row goes when the list is read again. */
  gtk_widget_set_sensitive (gtk_widget_get_parent (GTK_WIDGET (button)), FALSE);
  pd_inbox_view_resolve (self, *item_id, keep, 0, NULL);
}

static void
sign_in_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     PdInboxView      *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "pd-password");
  gint64 *item_id = g_object_get_data (G_OBJECT (dialog), "pd-item-id");
  gint64 *account_id = g_object_get_data (G_OBJECT (dialog), "pd-account-id");
  const char *password = gtk_editable_get_text (entry);

  if (g_strcmp0 (response, "sign-in") == 0 && password[0] != '\0')
    pd_inbox_view_resolve (self, *item_id, "mine", *account_id, password);
  /* The entry's buffer is GTK's; at least do not keep it around. */
  gtk_editable_set_text (entry, "");
}

static void
signed_in_again_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(PdInboxView) self = PD_INBOX_VIEW (user_data);
  g_autoptr(GError) error = NULL;

  if (!pd_cloud_sign_in_again_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pd_inbox_view_toast (self, error->message);
      /* Still signed out: the button comes back. */
      pd_inbox_view_list (self);
      return;
    }
  pd_inbox_view_toast (self, _("Signed in again. Documents waiting for the account are sent "
                               "now."));
  pd_inbox_view_list (self);
  if (self->status != NULL)
    {
      PdSyncEngine *engine = pd_sync_status_get_engine (self->status);

      pd_sync_status_refresh (self->status);
      if (engine != NULL)
        pd_sync_engine_sync_now (engine);
    }
}

static void
sign_in_clicked_cb (GtkButton   *button,
                    PdInboxView *self)
{
  const char *kind = g_object_get_data (G_OBJECT (button), "pd-account-kind");
  const char *account = g_object_get_data (G_OBJECT (button), "pd-account-name");
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *heading = NULL;
  GtkWidget *dialog;
  GtkWidget *entry;

  if ((g_strcmp0 (kind, "onedrive") == 0 || g_strcmp0 (kind, "gdrive") == 0) &&
      self->library != NULL)
    {
      gint64 *account_id = g_object_get_data (G_OBJECT (button), "pd-account-id");

      /* The same app registration as the last sign-in, in the browser. */
      gtk_widget_set_sensitive (gtk_widget_get_parent (GTK_WIDGET (button)), FALSE);
      pd_cloud_sign_in_again_async (self->library, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                    *account_id, self->cancellable, signed_in_again_cb,
                                    g_object_ref (self));
      return;
    }
  if (g_strcmp0 (kind, "webdav") != 0)
    {
      /* Nothing to sign in to here (a folder): the account settings say what is wrong. */
      gtk_widget_activate_action (GTK_WIDGET (self), "win.preferences", "s", "accounts");
      return;
    }

  /* Translators: %s is an account's name */
  heading = g_strdup_printf (_("Sign In to “%s”"), account);
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
                                   _("The server refused the saved password. Enter the current "
                                     "one; it is kept in your keyring."));
  entry = gtk_password_entry_new ();
  gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Password"),
                                  -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "sign-in", _("_Sign In"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "sign-in",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "sign-in");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "pd-password", entry);
  g_object_set_data_full (G_OBJECT (dialog), "pd-item-id",
                          g_memdup2 (g_object_get_data (G_OBJECT (button), "pd-item-id"),
                                     sizeof (gint64)), g_free);
  g_object_set_data_full (G_OBJECT (dialog), "pd-account-id",
                          g_memdup2 (g_object_get_data (G_OBJECT (button), "pd-account-id"),
                                     sizeof (gint64)), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (sign_in_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
preferences_clicked_cb (GtkButton   *button,
                        PdInboxView *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.preferences", "s",
                              g_object_get_data (G_OBJECT (button), "pd-page"));
}

static GtkWidget *
add_button (GtkWidget         *box,
            const char        *label,
            const char        *tooltip,
            const PdInboxItem *item,
            gboolean           suggested)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip);
  if (suggested)
    gtk_widget_add_css_class (button, "suggested-action");
  g_object_set_data_full (G_OBJECT (button), "pd-item-id",
                          g_memdup2 (&item->id, sizeof (gint64)), g_free);
  g_object_set_data_full (G_OBJECT (button), "pd-account-id",
                          g_memdup2 (&item->account_id, sizeof (gint64)), g_free);
  gtk_box_append (GTK_BOX (box), button);
  return button;
}

static void
add_resolve_button (PdInboxView       *self,
                    GtkWidget         *box,
                    const char        *label,
                    const char        *tooltip,
                    const PdInboxItem *item,
                    const char        *keep,
                    gboolean           suggested)
{
  GtkWidget *button = add_button (box, label, tooltip, item, suggested);

  g_object_set_data (G_OBJECT (button), "pd-keep", (gpointer) keep);
  g_signal_connect_object (button, "clicked", G_CALLBACK (resolve_clicked_cb), self, 0);
}

static void
add_preferences_button (PdInboxView       *self,
                        GtkWidget         *box,
                        const char        *label,
                        const char        *tooltip,
                        const PdInboxItem *item,
                        const char        *page)
{
  GtkWidget *button = add_button (box, label, tooltip, item, TRUE);

  g_object_set_data (G_OBJECT (button), "pd-page", (gpointer) page);
  g_signal_connect_object (button, "clicked", G_CALLBACK (preferences_clicked_cb), self, 0);
}

static const char *
item_subject (const PdInboxItem *item)
{
  if (item->document_name != NULL)
    return item->document_name;
  if (item->account_name != NULL)
    return item->account_name;
  return "";
}

static GtkWidget *
pd_inbox_view_create_row (PdInboxView       *self,
                          const PdInboxItem *item,
                          const char        *account_kind)
{
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  const char *subject = item_subject (item);
  const char *account = item->account_name != NULL ? item->account_name : "";
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *icon;

  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);

  if (g_strcmp0 (item->kind, "conflict") == 0)
    {
      /* Translators: %s is a document's name */
      title = g_strdup_printf (_("“%s” was changed in two places"), subject);
      /* Translators: %s is an account's name */
      subtitle = g_strdup_printf (_("Someone changed it on “%s” while it was edited here. The "
                                    "server now holds this computer’s version; the other "
                                    "version was kept. Restore theirs to make it the document "
                                    "again, or keep both side by side."), account);
      add_resolve_button (self, box, _("Restore _Theirs"),
                          _("Make their version the document again, here and on the server"),
                          item, "theirs", FALSE);
      add_resolve_button (self, box, _("Keep _Both"),
                          _("Put their version back on the server beside this one"),
                          item, "both", TRUE);
    }
  else if (g_strcmp0 (item->kind, "name_taken") == 0)
    {
      title = g_strdup_printf (_("“%s” was saved under another name"), subject);
      subtitle = g_strdup (item->message);
      add_resolve_button (self, box, _("_OK"), _("Remove this message"), item, "mine", FALSE);
    }
  else if (g_strcmp0 (item->kind, "remote_deleted") == 0)
    {
      title = g_strdup_printf (_("“%s” was uploaded again"), subject);
      subtitle = g_strdup (item->message);
      add_resolve_button (self, box, _("_OK"), _("Remove this message"), item, "mine", FALSE);
    }
  else if (g_strcmp0 (item->kind, "sign_in") == 0)
    {
      GtkWidget *button;

      /* Translators: %s is an account's name */
      title = g_strdup_printf (_("Sign in to “%s” again"), subject);
      subtitle = g_strdup (item->message);
      button = add_button (box, _("_Sign In Again"),
                           g_strcmp0 (account_kind, "onedrive") == 0 ||
                           g_strcmp0 (account_kind, "gdrive") == 0
                             ? _("Sign in to the account again in your browser")
                             : _("Enter the account’s password again"), item, TRUE);
      g_object_set_data_full (G_OBJECT (button), "pd-account-kind", g_strdup (account_kind),
                              g_free);
      g_object_set_data_full (G_OBJECT (button), "pd-account-name", g_strdup (subject), g_free);
      g_signal_connect_object (button, "clicked", G_CALLBACK (sign_in_clicked_cb), self, 0);
    }
  else
    {
      if (g_strcmp0 (item->kind, "gave_up") == 0)
        title = g_strdup_printf (_("“%s” could not be sent"), subject);
      else
        title = g_strdup_printf (_("“%s” was not sent"), subject);
      subtitle = g_strdup (item->message);

      /* The engine says what fixes a refusal; offer the button that does it. */
      if (item->message != NULL && strstr (item->message, "Choose a folder") != NULL)
        add_preferences_button (self, box, _("_Choose Another Folder"),
                                _("Change where the profile sends its documents"),
                                item, "profiles");
      else if (item->message != NULL && strstr (item->message, "Add the account") != NULL)
        add_preferences_button (self, box, _("_Add Account"),
                                _("Add the account this document should go to"),
                                item, "accounts");
      add_resolve_button (self, box, _("_Retry"), _("Send the document again"), item, "mine",
                          FALSE);
    }

  icon = gtk_image_new_from_icon_name (g_strcmp0 (item->kind, "name_taken") == 0 ||
                                       g_strcmp0 (item->kind, "remote_deleted") == 0
                                         ? "dialog-information-symbolic"
                                         : "dialog-warning-symbolic");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Needs attention"),
                                  -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle != NULL ? subtitle : "");
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);
  g_object_set_data (G_OBJECT (row), "pd-inbox-kind", (gpointer) g_intern_string (item->kind));
  return row;
}

/* Listing */

typedef struct {
  GPtrArray  *items;  /* PdInboxItem */
  GHashTable *kinds;  /* account id -> kind */
} InboxListing;

static void
inbox_listing_free (InboxListing *listing)
{
  g_clear_pointer (&listing->items, g_ptr_array_unref);
  g_clear_pointer (&listing->kinds, g_hash_table_unref);
  g_free (listing);
}

static gboolean
list_job (PdLibrary       *library,
          gpointer         data,
          gpointer        *result,
          GDestroyNotify  *result_free,
          GCancellable    *cancellable,
          GError         **error)
{
  g_autoptr(GPtrArray) accounts = NULL;
  InboxListing *listing;
  GPtrArray *items;

  items = pd_library_list_inbox (library, FALSE, error);
  if (items == NULL)
    return FALSE;
  listing = g_new0 (InboxListing, 1);
  listing->items = items;
  listing->kinds = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  accounts = pd_library_list_accounts (library, NULL);
  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    {
      const PdAccount *account = accounts->pdata[i];

      g_hash_table_replace (listing->kinds, g_memdup2 (&account->id, sizeof (gint64)),
                            g_strdup (account->kind));
    }
  *result = listing;
  *result_free = (GDestroyNotify) inbox_listing_free;
  return TRUE;
}

static void
list_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(PdInboxView) self = PD_INBOX_VIEW (user_data);
  g_autoptr(GError) error = NULL;
  InboxListing *listing = NULL;
  GtkListBoxRow *row;

  if (!pd_app_job_finish (result, (gpointer *) &listing, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          PD_LIBRARY (object) != self->library)
        return;
      self->listing = FALSE;
      g_warning ("Could not read the inbox: %s", error->message);
      return;
    }
  if (PD_LIBRARY (object) != self->library)
    {
      inbox_listing_free (listing);
      return;
    }
  self->listing = FALSE;

  while ((row = gtk_list_box_get_row_at_index (self->list_box, 0)) != NULL)
    gtk_list_box_remove (self->list_box, GTK_WIDGET (row));
  for (guint i = 0; i < listing->items->len; i++)
    {
      const PdInboxItem *item = listing->items->pdata[i];

      gtk_list_box_append (self->list_box,
                           pd_inbox_view_create_row (self, item,
                                                     g_hash_table_lookup (listing->kinds,
                                                                          &item->account_id)));
    }
  self->n_items = listing->items->len;
  inbox_listing_free (listing);

  gtk_stack_set_visible_child_name (self->stack, self->n_items > 0 ? "items" : "empty");

  if (self->relist_pending)
    pd_inbox_view_list (self);
}

static void
pd_inbox_view_list (PdInboxView *self)
{
  if (self->library == NULL)
    return;
  if (self->listing)
    {
      self->relist_pending = TRUE;
      return;
    }
  self->listing = TRUE;
  self->relist_pending = FALSE;
  pd_app_job_run (self->library, list_job, NULL, NULL, self->cancellable, list_cb,
                  g_object_ref (self));
}

static void
changed_cb (PdInboxView *self)
{
  pd_inbox_view_list (self);
}

/* Object */

static void
pd_inbox_view_dispose (GObject *object)
{
  PdInboxView *self = (PdInboxView *)object;

  g_cancellable_cancel (self->cancellable);
  if (self->library != NULL)
    g_signal_handlers_disconnect_by_data (self->library, self);
  if (self->status != NULL)
    g_signal_handlers_disconnect_by_data (self->status, self);

  /* The template's root is the bin's child: dropping it drops every template widget (and
   * gtk_widget_dispose_template () would unparent it a second time under AdwBin). */
  adw_bin_set_child (ADW_BIN (self), NULL);

  g_clear_object (&self->library);
  g_clear_object (&self->status);

  G_OBJECT_CLASS (pd_inbox_view_parent_class)->dispose (object);
}

static void
pd_inbox_view_finalize (GObject *object)
{
  PdInboxView *self = (PdInboxView *)object;

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (pd_inbox_view_parent_class)->finalize (object);
}

static void
pd_inbox_view_class_init (PdInboxViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pd_inbox_view_dispose;
  object_class->finalize = pd_inbox_view_finalize;

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/paperdock/Paperdock/ui/pd-inbox-view.ui");
  gtk_widget_class_bind_template_child (widget_class, PdInboxView, stack);
  gtk_widget_class_bind_template_child (widget_class, PdInboxView, list_box);
}

static void
pd_inbox_view_init (PdInboxView *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
pd_inbox_view_new (void)
{
  return g_object_new (PD_TYPE_INBOX_VIEW, NULL);
}

/**
 * pd_inbox_view_set_library:
 * @library: (nullable): the library whose inbox to show
 */
void
pd_inbox_view_set_library (PdInboxView *self,
                           PdLibrary   *library)
{
  g_return_if_fail (PD_IS_INBOX_VIEW (self));
  g_return_if_fail (library == NULL || PD_IS_LIBRARY (library));

  if (self->library == library)
    return;
  if (self->library != NULL)
    g_signal_handlers_disconnect_by_data (self->library, self);
  g_set_object (&self->library, library);
  self->listing = FALSE;
  self->relist_pending = FALSE;
  if (library != NULL)
    g_signal_connect_object (library, "document-changed",
                             G_CALLBACK (changed_cb), self, G_CONNECT_SWAPPED);
  pd_inbox_view_list (self);
}

/**
 * pd_inbox_view_set_sync_status:
 * @status: (nullable): the status whose inbox count changes make the list read again
 */
void
pd_inbox_view_set_sync_status (PdInboxView  *self,
                               PdSyncStatus *status)
{
  g_return_if_fail (PD_IS_INBOX_VIEW (self));
  g_return_if_fail (status == NULL || PD_IS_SYNC_STATUS (status));

  if (self->status == status)
    return;
  if (self->status != NULL)
    g_signal_handlers_disconnect_by_data (self->status, self);
  g_set_object (&self->status, status);
  if (status != NULL)
    g_signal_connect_object (status, "notify::inbox-count",
                             G_CALLBACK (changed_cb), self, G_CONNECT_SWAPPED);
  pd_inbox_view_list (self);
}

/* How many items the page shows. */
guint
pd_inbox_view_get_n_items (PdInboxView *self)
{
  g_return_val_if_fail (PD_IS_INBOX_VIEW (self), 0);
  return self->n_items;
}

void
pd_inbox_view_refresh (PdInboxView *self)
{
  g_return_if_fail (PD_IS_INBOX_VIEW (self));
  pd_inbox_view_list (self);
}
