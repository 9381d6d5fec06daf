/* pd-cloud-sign-in.c: browser sign-in of OneDrive and Google Drive accounts (see
 * pd-cloud-sign-in.h). The library and keyring work runs as jobs on a worker thread; the
 * sign-in itself waits on the main context for the browser to come back to the loopback
 * listener, with a dialog up that can cancel it. What is stored mirrors the CLI's "accounts
 * add" (src/cli/pd-cli-sync.c): the account row (kind, drive address), the tokens with the
 * client that got them (pd_oauth_token_source_store), "account.<id>.client-id" and, for another
 * drive, "account.<id>.drive-id". */
#define G_LOG_DOMAIN "pd-app"

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "pd-app-job.h"
#include "pd-cloud-sign-in.h"
#include "pd-library-sync.h"
#include "pd-oauth-token-source.h"
#include "pd-profile.h"
#include "pd-secret.h"

static PdOAuthOpenUriFunc open_uri_func;
static gpointer           open_uri_data;

void
pd_cloud_sign_in_set_open_uri_func (PdOAuthOpenUriFunc func,
                                    gpointer           user_data)
{
  open_uri_func = func;
  open_uri_data = user_data;
}

typedef struct {
  PdLibrary       *library;
  GtkWindow       *parent;
  char            *kind;
  char            *name;
  char            *client_id;
  char            *client_secret;   /* wiped when freed */
  char            *drive_id;
  gint64           account_id;      /* signing in again: which account */
  PdOAuthProvider *provider;
  PdOAuthTokens   *tokens;
  GtkWidget       *dialog;          /* weak: the person may close it */
  GCancellable    *cancellable;     /* ours: the caller's, or Cancel in the dialog */
  GCancellable    *caller_cancellable;
  gulong           caller_handler;
} SignIn;

static void
sign_in_close_dialog (SignIn *s)
{
  if (s->dialog == NULL)
    return;
  g_signal_handlers_disconnect_matched (s->dialog, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, s);
  g_object_remove_weak_pointer (G_OBJECT (s->dialog), (gpointer *) &s->dialog);
  gtk_window_destroy (GTK_WINDOW (s->dialog));
  s->dialog = NULL;
}

static void
sign_in_free (SignIn *s)
{
  sign_in_close_dialog (s);
  if (s->caller_handler != 0)
    g_cancellable_disconnect (s->caller_cancellable, s->caller_handler);
  g_clear_object (&s->caller_cancellable);
  g_clear_object (&s->cancellable);
  g_clear_object (&s->library);
  g_clear_object (&s->parent);
  g_free (s->kind);
  g_free (s->name);
  g_free (s->client_id);
  if (s->client_secret != NULL)
    pd_secret_free (s->client_secret);
  g_free (s->drive_id);
  g_clear_pointer (&s->provider, pd_oauth_provider_free);
  g_clear_pointer (&s->tokens, pd_oauth_tokens_free);
  g_free (s);
}

static void
caller_cancelled_cb (GCancellable *cancellable,
                     GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

static GTask *
sign_in_task_new (PdLibrary           *library,
                  GtkWindow           *parent,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data,
                  gpointer             source_tag,
                  SignIn             **out)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  SignIn *s = g_new0 (SignIn, 1);

  g_task_set_source_tag (task, source_tag);
  s->library = g_object_ref (library);
  s->parent = parent != NULL ? g_object_ref (parent) : NULL;
  s->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      s->caller_cancellable = g_object_ref (cancellable);
      s->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                                 s->cancellable, NULL);
    }
  g_task_set_task_data (task, s, (GDestroyNotify) sign_in_free);
  *out = s;
  return task;
}

static char *
setting_key (gint64      account_id,
             const char *what)
{
  return g_strdup_printf ("account.%" G_GINT64_FORMAT ".%s", account_id, what);
}

/* The drive's base address, as the connector wants it (the CLI's cloud_account_url ()). */
static char *
cloud_account_url (const char *kind,
                   const char *drive_id)
{
  const char *base;

  if (g_strcmp0 (kind, "onedrive") == 0)
    {
      g_autofree char *escaped = NULL;

      base = g_getenv ("PAPERDOCK_GRAPH_URL");
      if (base == NULL || *base == '\0')
        base = "https://graph.microsoft.com/v1.0";
      if (drive_id == NULL)
        return g_strconcat (base, "/me/drive", NULL);
      escaped = g_uri_escape_string (drive_id, NULL, FALSE);
      return g_strconcat (base, "/drives/", escaped, NULL);
    }
  base = g_getenv ("PAPERDOCK_DRIVE_URL");
  return g_strdup (base != NULL && *base != '\0' ? base : "https://www.googleapis.com");
}

static const char *
provider_title (const char *kind)
{
  return g_strcmp0 (kind, "gdrive") == 0 ? _("Google Drive") : _("Microsoft OneDrive");
}

/* The browser */

static void
show_uri_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  SignIn *s = g_task_get_task_data (task);
  const char *uri = g_object_get_data (G_OBJECT (task), "pd-uri");
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  GtkWidget *label;

  if (gtk_show_uri_full_finish (GTK_WINDOW (object), result, &error) || s->dialog == NULL)
    return;
  /* No browser could be started (none installed, no portal): the person can still copy the
   * address into one; the loopback listener waits either way. */
  g_debug ("No browser for the sign-in: %s", error->message);
  body = g_strdup_printf (_("No browser could be opened (%s). Open this address in a browser "
                            "on this computer to sign in:"), error->message);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (s->dialog), body);
  label = gtk_label_new (uri);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 50);
  gtk_widget_add_css_class (label, "monospace");
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (s->dialog), label);
}

static void
open_uri_cb (const char *uri,
             gpointer    user_data)
{
  GTask *task = G_TASK (user_data);
  SignIn *s = g_task_get_task_data (task);
  GtkWindow *window = s->dialog != NULL ? GTK_WINDOW (s->dialog) : s->parent;

  /* Never logged: the address carries the PKCE challenge and the state. */
  if (open_uri_func != NULL)
    {
      open_uri_func (uri, open_uri_data);
      return;
    }
  g_object_set_data_full (G_OBJECT (task), "pd-uri", g_strdup (uri), g_free);
  /* Through the OpenURI portal when sandboxed. */
  gtk_show_uri_full (window, uri, GDK_CURRENT_TIME, NULL, show_uri_cb, g_object_ref (task));
}

static void
dialog_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    SignIn           *s)
{
  /* Cancel, Escape or the window closed: stop waiting for the browser. */
  g_debug ("Sign-in cancelled by the person");
  g_cancellable_cancel (s->cancellable);
}

static void signed_in_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data);

static void
sign_in_start_browser (GTask *task)
{
  SignIn *s = g_task_get_task_data (task);
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;

  /* Translators: %s is "Microsoft OneDrive" or "Google Drive" */
  heading = g_strdup_printf (_("Sign In to %s"), provider_title (s->kind));
  /* Translators: %s is an account's name */
  body = g_strdup_printf (_("Your browser opens the sign-in page for “%s”. Sign in there and "
                            "allow Paperdock to keep files in your drive; this window closes "
                            "by itself once you are done."), s->name);
  s->dialog = adw_message_dialog_new (s->parent, heading, body);
  g_object_add_weak_pointer (G_OBJECT (s->dialog), (gpointer *) &s->dialog);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (s->dialog), "cancel", _("_Cancel"));
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (s->dialog), "cancel");
  g_signal_connect (s->dialog, "response", G_CALLBACK (dialog_response_cb), s);
  gtk_window_present (GTK_WINDOW (s->dialog));

  pd_oauth_sign_in_async (s->provider, open_uri_cb, task, s->cancellable, signed_in_cb,
                          g_object_ref (task));
}

/* Library and keyring jobs */

static gboolean
check_name_job (PdLibrary       *library,
                gpointer         data,
                gpointer        *result,
                GDestroyNotify  *result_free,
                GCancellable    *cancellable,
                GError         **error)
{
  g_autoptr(PdAccount) existing = pd_library_get_account (library, data, NULL);

  if (existing != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   _("An account named “%s” already exists. Choose another name, or remove "
                     "that account first."), existing->name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
store_new_job (PdLibrary       *library,
               gpointer         data,
               gpointer        *result,
               GDestroyNotify  *result_free,
               GCancellable    *cancellable,
               GError         **error)
{
  SignIn *s = data;
  g_autofree char *url = cloud_account_url (s->kind, s->drive_id);
  g_autofree char *key = NULL;
  gint64 id;

  id = pd_library_add_account (library, s->name, s->kind, url, NULL, error);
  if (id == 0)
    return FALSE;
  key = setting_key (id, "client-id");
  if (!pd_oauth_token_source_store (id, s->provider, s->tokens, cancellable, error) ||
      !pd_library_set_setting (library, key, s->client_id, error))
    {
      /* No account without its tokens: it could never sync. */
      pd_oauth_token_source_clear (id, NULL, NULL);
      pd_library_remove_account (library, s->name, NULL);
      return FALSE;
    }
  if (s->drive_id != NULL)
    {
      g_autofree char *drive_key = setting_key (id, "drive-id");

      pd_library_set_setting (library, drive_key, s->drive_id, NULL);
    }
  return TRUE;
}

typedef struct {
  char            *name;
  char            *kind;
  PdOAuthProvider *provider;
} Stored;

static void
stored_free (Stored *stored)
{
  g_free (stored->name);
  g_free (stored->kind);
  g_clear_pointer (&stored->provider, pd_oauth_provider_free);
  g_free (stored);
}

/* The client of the last sign-in, as the CLI's "accounts signin" finds it. */
static gboolean
load_provider_job (PdLibrary       *library,
                   gpointer         data,
                   gpointer        *result,
                   GDestroyNotify  *result_free,
                   GCancellable    *cancellable,
                   GError         **error)
{
  gint64 account_id = *(gint64 *) data;
  g_autoptr(PdAccount) account = pd_library_get_account_by_id (library, account_id, error);
  g_autoptr(PdOAuthProvider) stored = NULL;
  g_autofree char *key = NULL;
  g_autofree char *client_id = NULL;
  Stored *out;

  if (account == NULL)
    return FALSE;
  if (g_strcmp0 (account->kind, "onedrive") != 0 && g_strcmp0 (account->kind, "gdrive") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Account “%s” does not sign in with a browser."), account->name);
      return FALSE;
    }
  stored = pd_oauth_token_source_dup_provider (account->id, account->kind, cancellable, NULL);
  key = setting_key (account->id, "client-id");
  if (!pd_library_get_setting (library, key, &client_id, error))
    return FALSE;
  if (client_id == NULL && stored != NULL)
    client_id = g_strdup (stored->client_id);
  if (client_id == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("Account “%s” has no client ID on record. Remove it and add it again "
                     "with your organization’s client ID."), account->name);
      return FALSE;
    }

  out = g_new0 (Stored, 1);
  out->name = g_strdup (account->name);
  out->kind = g_strdup (account->kind);
  out->provider = pd_oauth_provider_new_for_kind (account->kind, client_id,
                                                  stored != NULL ? stored->client_secret : NULL,
                                                  error);
  if (out->provider == NULL)
    {
      stored_free (out);
      return FALSE;
    }
  *result = out;
  *result_free = (GDestroyNotify) stored_free;
  return TRUE;
}

static gboolean
store_again_job (PdLibrary       *library,
                 gpointer         data,
                 gpointer        *result,
                 GDestroyNotify  *result_free,
                 GCancellable    *cancellable,
                 GError         **error)
{
  SignIn *s = data;
  g_autoptr(GPtrArray) items = NULL;

  if (!pd_oauth_token_source_store (s->account_id, s->provider, s->tokens, cancellable, error))
    return FALSE;
  /* Resolving one sign-in item of the account resolves them all (the library does), and its
   * documents are due again; a second call would only find it resolved already. */
  items = pd_library_list_inbox (library, FALSE, error);
  if (items == NULL)
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    {
      const PdInboxItem *item = items->pdata[i];

      if (item->account_id == s->account_id && g_strcmp0 (item->kind, "sign_in") == 0)
        return pd_library_resolve_inbox_item (library, item->id, "signed in again", error);
    }
  return TRUE;
}

/* Steps */

static void
stored_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  g_autoptr(GError) error = NULL;

  if (!pd_app_job_finish (result, NULL, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
signed_in_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  SignIn *s = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  sign_in_close_dialog (s);
  s->tokens = pd_oauth_sign_in_finish (result, &error);
  if (s->tokens == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* The job borrows the state: the task, which owns it, lives until the job is over. */
  pd_app_job_run (s->library,
                  s->account_id != 0 ? store_again_job : store_new_job,
                  s, NULL, s->cancellable, stored_cb, g_object_ref (task));
}

static void
name_checked_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  g_autoptr(GError) error = NULL;

  if (!pd_app_job_finish (result, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  sign_in_start_browser (task);
}

static char *
dup_stripped (const char *text)
{
  char *copy;

  if (text == NULL)
    return NULL;
  copy = g_strstrip (g_strdup (text));
  if (*copy == '\0')
    g_clear_pointer (&copy, g_free);
  return copy;
}

void
pd_cloud_sign_in_add_async (PdLibrary           *library,
                            GtkWindow           *parent,
                            const char          *kind,
                            const char          *name,
                            const char          *client_id,
                            const char          *client_secret,
                            const char          *drive_id,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  gboolean google = g_strcmp0 (kind, "gdrive") == 0;
  SignIn *s;

  g_return_if_fail (PD_IS_LIBRARY (library));
  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (google || g_strcmp0 (kind, "onedrive") == 0);

  task = sign_in_task_new (library, parent, cancellable, callback, user_data,
                           pd_cloud_sign_in_add_async, &s);
  s->kind = g_strdup (kind);
  s->name = dup_stripped (name);
  s->client_id = dup_stripped (client_id);
  s->client_secret = dup_stripped (client_secret);
  s->drive_id = google ? NULL : dup_stripped (drive_id);

  if (s->name == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s",
                               _("Give the account a name, e.g. “Office OneDrive”."));
      return;
    }
  if (s->client_id == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s",
                               google
                               ? _("Google Drive needs the client ID of your organization’s "
                                   "Desktop app client (Google Cloud console, Credentials).")
                               : _("OneDrive needs the Application (client) ID of your "
                                   "organization’s app registration (Microsoft Entra admin "
                                   "center, App registrations)."));
      return;
    }
  if (google && s->client_secret == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s",
                               _("Google Desktop app clients come with a client secret: copy "
                                 "it from the same page as the client ID."));
      return;
    }
  s->provider = pd_oauth_provider_new_for_kind (kind, s->client_id,
                                                google ? s->client_secret : NULL, &error);
  if (s->provider == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Before the browser: a name that is taken would waste the person's sign-in. */
  pd_app_job_run (library, check_name_job, g_strdup (s->name), g_free, s->cancellable,
                  name_checked_cb, g_object_ref (task));
}

gboolean
pd_cloud_sign_in_add_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
provider_loaded_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  SignIn *s = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  Stored *stored = NULL;

  if (!pd_app_job_finish (result, (gpointer *) &stored, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  s->name = g_steal_pointer (&stored->name);
  s->kind = g_steal_pointer (&stored->kind);
  s->provider = g_steal_pointer (&stored->provider);
  stored_free (stored);
  sign_in_start_browser (task);
}

void
pd_cloud_sign_in_again_async (PdLibrary           *library,
                              GtkWindow           *parent,
                              gint64               account_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SignIn *s;

  g_return_if_fail (PD_IS_LIBRARY (library));
  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (account_id > 0);

  task = sign_in_task_new (library, parent, cancellable, callback, user_data,
                           pd_cloud_sign_in_again_async, &s);
  s->account_id = account_id;
  pd_app_job_run (library, load_provider_job, g_memdup2 (&account_id, sizeof account_id),
                  g_free, s->cancellable, provider_loaded_cb, g_object_ref (task));
}

gboolean
pd_cloud_sign_in_again_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
