/* pd-application.c: the application object. It reads the command line (--library), opens the
 * library once, asynchronously, and hands it to every window; app.quit and app.about live here
 * because they concern the whole application rather than one window. It also owns the sync
 * engine: while documents still have to go somewhere it holds the application, so closing the
 * window does not stop them (asking the Background portal for permission when sandboxed), and
 * it sends a notification when the queue has drained or something needs a person. Right after
 * the library opens, its vault is attached (pd-vault.h), so that every page and PDF the app
 * reads or writes goes through the library's key; plain copies of documents opened in another
 * application are removed when the application quits (pd-app-open.h). */
#define G_LOG_DOMAIN "pd-app"

#include "config.h"

#include <glib/gi18n.h>

#include "pd-app-open.h"
#include "pd-application.h"
#include "pd-paths.h"
#include "pd-sync-engine.h"
#include "pd-sync-status.h"
#include "pd-pipeline.h"
#include "pd-vault.h"
#include "pd-window.h"
#include "pd-task.h"

struct _PdApplication
{
  AdwApplication  parent_instance;

  /* Owned */
  char           *library_dir;   /* from --library, absolute; NULL for the configured one */
  GCancellable   *cancellable;
  PdLibrary      *library;       /* NULL until opened and its vault attached */
  PdVault        *vault;         /* the library's, NULL when sealing is off */
  GError         *open_error;    /* why the library could not be opened */
  char           *open_error_title;
  char           *vault_warning; /* said once, in the first window that shows the library */
  GSettings      *settings;
  PdSyncEngine   *engine;        /* NULL until the library is open */
  PdSyncStatus   *status;

  guint           opening : 1;
  guint           holding : 1;        /* g_application_hold () for the sync queue */
  guint           background_asked : 1;
};

G_DEFINE_FINAL_TYPE (PdApplication, pd_application, ADW_TYPE_APPLICATION)

static void
pd_application_show_library (PdApplication *self,
                             PdWindow      *window)
{
  if (self->library != NULL)
    {
      pd_window_set_library (window, self->library);
      pd_window_set_sync_status (window, self->status);
    }
  else if (self->open_error != NULL)
    pd_window_show_error (window,
                          self->open_error_title != NULL ? self->open_error_title
                                                         : _("Could Not Open the Library"),
                          self->open_error->message);

  if (self->library != NULL && self->vault_warning != NULL)
    {
      pd_window_add_toast (window, self->vault_warning);
      g_clear_pointer (&self->vault_warning, g_free);
    }
}

static gboolean
pd_application_background_allowed (PdApplication *self)
{
  g_autoptr(GSettingsSchema) schema = NULL;

  /* Without the key (an older installed schema) keeping on is what the person expects. */
  g_object_get (self->settings, "settings-schema", &schema, NULL);
  if (schema == NULL || !g_settings_schema_has_key (schema, "background-sync"))
    return TRUE;
  return g_settings_get_boolean (self->settings, "background-sync");
}

static void
request_background_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    g_debug ("The Background portal did not answer: %s", error->message);
}

/* In a sandbox, running without a window needs the Background portal's permission; the portal
 * asks the person once and remembers. Outside one there is nobody to ask. */
static void
pd_application_request_background (PdApplication *self)
{
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (self));
  GVariantBuilder options;

  if (self->background_asked || bus == NULL ||
      !g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    return;
  self->background_asked = TRUE;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Send scanned documents that are still "
                                                 "waiting after the window is closed")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (FALSE));
  g_dbus_connection_call (bus,
                          "org.freedesktop.portal.Desktop",
                          "/org/freedesktop/portal/desktop",
                          "org.freedesktop.portal.Background",
                          "RequestBackground",
                          g_variant_new ("(sa{sv})", "", &options),
                          G_VARIANT_TYPE ("(o)"),
                          G_DBUS_CALL_FLAGS_NONE,
                          -1,
                          self->cancellable,
                          request_background_cb,
                          NULL);
}

static void
pd_application_update_hold (PdApplication *self)
{
  gboolean hold = self->status != NULL &&
                  pd_sync_status_get_pending (self->status) > 0 &&
                  pd_application_background_allowed (self);

  if (hold == self->holding)
    return;

  self->holding = hold;
  if (hold)
    {
      g_debug ("Holding the application while %u documents wait to sync",
               pd_sync_status_get_pending (self->status));
      g_application_hold (G_APPLICATION (self));
      pd_application_request_background (self);
    }
  else
    {
      g_debug ("Sync queue empty: releasing the application");
      g_application_release (G_APPLICATION (self));
    }
}

typedef struct {
  PdApplication *self;
  GNotification *notification;
} Notify;

static void
notify_free (Notify *notify)
{
  g_object_unref (notify->self);
  g_object_unref (notify->notification);
  g_free (notify);
}

static void
notification_server_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  Notify *notify = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  if (owned)
    g_application_send_notification (G_APPLICATION (notify->self), "sync", notify->notification);
  else
    g_debug ("No notification server on the session bus: nothing to show the notification");
  notify_free (notify);
}

/* GLib 2.74 cannot send a notification without a session bus (a test, a bare console), and
 * warns when the bus has no notification server (a bare X session, a test's private bus):
 * then there is nobody to show it anyway. Sandboxed, the portal takes it. */
static void
pd_application_notify (PdApplication *self,
                       GNotification *notification)
{
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (self));
  Notify *notify;

  if (bus == NULL)
    return;
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      g_application_send_notification (G_APPLICATION (self), "sync", notification);
      return;
    }
  notify = g_new0 (Notify, 1);
  notify->self = g_object_ref (self);
  notify->notification = g_object_ref (notification);
  g_dbus_connection_call (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "NameHasOwner",
                          g_variant_new ("(s)", "org.freedesktop.Notifications"),
                          G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          notification_server_cb, notify);
}

static void
pd_application_drained_cb (PdApplication *self)
{
  g_autoptr(GNotification) notification = g_notification_new (_("All documents are synced"));

  g_notification_set_body (notification,
                           _("Every scanned document has reached its destination."));
  g_notification_set_default_action_and_target (notification, "app.show-page", "s", "library");
  pd_application_notify (self, notification);
}

static void
pd_application_attention_cb (PdApplication *self,
                             guint          count)
{
  g_autoptr(GNotification) notification = g_notification_new (_("A document needs you"));
  g_autofree char *body = NULL;

  body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%u item in the inbox waits for your decision.",
                                       "%u items in the inbox wait for your decision.",
                                       count), count);
  g_notification_set_body (notification, body);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_set_default_action_and_target (notification, "app.show-page", "s", "inbox");
  pd_application_notify (self, notification);
}

static void
pd_application_start_sync (PdApplication *self)
{
  g_assert (self->library != NULL);

  self->engine = pd_sync_engine_new (self->library);
  self->status = pd_sync_status_new (self->library, self->engine);
  g_signal_connect_object (self->status, "notify::pending",
                           G_CALLBACK (pd_application_update_hold), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->status, "drained",
                           G_CALLBACK (pd_application_drained_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->status, "attention",
                           G_CALLBACK (pd_application_attention_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::background-sync",
                           G_CALLBACK (pd_application_update_hold), self, G_CONNECT_SWAPPED);
  pd_sync_engine_start (self->engine);
}

static void
pd_application_show_library_everywhere (PdApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (PD_IS_WINDOW (l->data))
      pd_application_show_library (self, PD_WINDOW (l->data));
}

typedef struct {
  PdVault *vault;
  char    *warning;
} Attached;

static void
attached_free (Attached *attached)
{
  g_clear_object (&attached->vault);
  g_free (attached->warning);
  g_free (attached);
}

/* The keyring is asked over D-Bus, and may take a while to answer (or to be unlocked). */
static void
attach_vault_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  PdLibrary *library = PD_LIBRARY (source_object);
  g_autoptr(GError) error = NULL;
  Attached *attached = g_new0 (Attached, 1);

  attached->vault = pd_vault_attach_library (pd_library_get_dir (library), &attached->warning,
                                             cancellable, &error);
  if (attached->vault == NULL && error != NULL)
    {
      attached_free (attached);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, attached, (GDestroyNotify) attached_free);
}

static void
resume_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  guint n = 0;

  if (!pd_pipeline_resume_finish (PD_PIPELINE (object), result, &n, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not finish interrupted documents: %s", error->message);
      return;
    }
  if (n > 0)
    g_debug ("Finished %u documents interrupted earlier", n);
}

/* A crash, an unplugged scanner or a batch left waiting in its Save preview when the app
 * closed: such documents are finished by their own profile's rules, as the CLI does before its
 * commands. The pipeline lives as long as its task. */
static void
pd_application_resume_unfinished (PdApplication *self)
{
  g_autoptr(PdPipeline) pipeline = pd_pipeline_new (self->library, NULL);

  pd_pipeline_resume_async (pipeline, self->cancellable, resume_cb, NULL);
}

static void
pd_application_attach_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(PdApplication) self = PD_APPLICATION (user_data);
  PdLibrary *library = PD_LIBRARY (object);
  g_autoptr(GError) error = NULL;
  Attached *attached;

  self->opening = FALSE;
  attached = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (attached == NULL)
    {
      /* Not a library without its key: nothing could be read, and whatever it would write
       * could be sealed with no key, or not at all. The message says what to do. */
      g_warning ("Could not unlock the library: %s", error->message);
      self->open_error = g_steal_pointer (&error);
      self->open_error_title = g_strdup (_("Could Not Unlock the Library"));
    }
  else
    {
      self->vault = g_steal_pointer (&attached->vault);
      self->vault_warning = g_steal_pointer (&attached->warning);
      attached_free (attached);
      self->library = g_object_ref (library);
      pd_application_resume_unfinished (self);
      pd_application_start_sync (self);
    }
  pd_application_show_library_everywhere (self);
}

static void
pd_application_open_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(PdApplication) self = PD_APPLICATION (user_data);
  g_autoptr(PdLibrary) library = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;

  library = pd_library_open_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      self->opening = FALSE;
      return;
    }

  if (library == NULL)
    {
      self->opening = FALSE;
      g_warning ("Could not open the library: %s", error->message);
      self->open_error = g_steal_pointer (&error);
      pd_application_show_library_everywhere (self);
      return;
    }

  /* Nothing may read or write the library's pages before its key is at hand. */
  task = g_task_new (library, self->cancellable, pd_application_attach_cb, g_object_ref (self));
  g_task_set_source_tag (task, pd_application_open_cb);
  pd_task_run_in_thread (task, attach_vault_thread);
}

static char *
pd_application_dup_library_dir (PdApplication *self)
{
  g_autofree char *configured = NULL;

  if (self->library_dir != NULL)
    return g_strdup (self->library_dir);

  configured = g_settings_get_string (self->settings, "library-dir");
  if (configured[0] != '\0')
    {
      /* People write "~/Documents/Scans" in dconf-editor; mean what they meant. */
      if (g_str_has_prefix (configured, "~/"))
        return g_build_filename (g_get_home_dir (), configured + 2, NULL);
      return g_steal_pointer (&configured);
    }

  return pd_paths_dup_default_library_dir ();
}

static void
pd_application_open_library (PdApplication *self)
{
  g_autofree char *dir = NULL;

  if (self->library != NULL || self->open_error != NULL || self->opening)
    return;

  dir = pd_application_dup_library_dir (self);
  g_debug ("Opening the library in %s", dir);
  self->opening = TRUE;
  pd_library_open_async (dir, self->cancellable, pd_application_open_cb, g_object_ref (self));
}

static void
pd_application_quit_action (GSimpleAction *action,
                            GVariant      *param,
                            gpointer       user_data)
{
  PdApplication *self = PD_APPLICATION (user_data);

  /* Closing the windows rather than quitting outright lets each save its size. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; )
    {
      GtkWindow *window = l->data;

      l = l->next;
      gtk_window_close (window);
    }
  g_application_quit (G_APPLICATION (self));
}

static void
pd_application_about_action (GSimpleAction *action,
                             GVariant      *param,
                             gpointer       user_data)
{
  PdApplication *self = PD_APPLICATION (user_data);
  static const char *developers[] = { "The Paperdock developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (GTK_APPLICATION (self)),
                        "destroy-with-parent", TRUE,
                        "application-name", _("Paperdock"),
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Paperdock developers"),
                        "developers", developers,
                        "comments", _("Scan, recognize and file paper documents, even offline."),
                        "website", "https://github.com/paperdock/paperdock",
                        "issue-url", "https://github.com/paperdock/paperdock/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* Translators: replace with your names, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
pd_application_sync_now_action (GSimpleAction *action,
                                GVariant      *param,
                                gpointer       user_data)
{
  PdApplication *self = PD_APPLICATION (user_data);

  if (self->engine != NULL)
    pd_sync_engine_sync_now (self->engine);
}

static void
pd_application_show_page_action (GSimpleAction *action,
                                 GVariant      *param,
                                 gpointer       user_data)
{
  PdApplication *self = PD_APPLICATION (user_data);
  GtkWindow *window;

  /* From a notification: the window may have been closed since. */
  g_application_activate (G_APPLICATION (self));
  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (PD_IS_WINDOW (window))
    pd_window_set_visible_page (PD_WINDOW (window), g_variant_get_string (param, NULL));
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = pd_application_quit_action },
  { .name = "about", .activate = pd_application_about_action },
  { .name = "sync-now", .activate = pd_application_sync_now_action },
  { .name = "show-page", .activate = pd_application_show_page_action, .parameter_type = "s" },
};

static int
pd_application_handle_local_options (GApplication *application,
                                     GVariantDict *options)
{
  PdApplication *self = (PdApplication *)application;
  g_autofree char *library_dir = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", "paperdock", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (g_variant_dict_lookup (options, "library", "^ay", &library_dir))
    {
      if (library_dir[0] == '\0')
        {
          g_printerr (_("--library needs a folder\n"));
          return EXIT_FAILURE;
        }
      g_free (self->library_dir);
      self->library_dir = g_canonicalize_filename (library_dir, NULL);

      /* A running instance shows its own library; another library needs its own process. */
      g_application_set_flags (application,
                               g_application_get_flags (application) | G_APPLICATION_NON_UNIQUE);
    }

  return G_APPLICATION_CLASS (pd_application_parent_class)->handle_local_options (application,
                                                                                   options);
}

static void
pd_application_startup (GApplication *application)
{
  PdApplication *self = (PdApplication *)application;
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *sync_accels[] = { "<Control><Shift>s", NULL };

  G_APPLICATION_CLASS (pd_application_parent_class)->startup (application);

  /* Documents a crashed instance had decrypted for a viewer. */
  pd_app_open_remove_stale ();
  self->settings = g_settings_new (APP_ID);
  g_action_map_add_action_entries (G_ACTION_MAP (self),
                                   app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.sync-now", sync_accels);
}

static void
pd_application_activate (GApplication *application)
{
  PdApplication *self = (PdApplication *)application;
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window == NULL)
    {
      window = GTK_WINDOW (pd_window_new (GTK_APPLICATION (self)));
      pd_application_show_library (self, PD_WINDOW (window));
    }

  pd_application_open_library (self);
  gtk_window_present (window);
}

static void
pd_application_shutdown (GApplication *application)
{
  PdApplication *self = (PdApplication *)application;

  g_cancellable_cancel (self->cancellable);
  if (self->status != NULL)
    g_signal_handlers_disconnect_by_data (self->status, self);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  /* Stops its timers and cancels the pass in flight; what was sent is already recorded. */
  if (self->engine != NULL)
    g_object_run_dispose (G_OBJECT (self->engine));
  g_clear_object (&self->status);
  /* The plain copies handed to PDF viewers: the library keeps the sealed originals. */
  pd_app_open_remove_own ();
  /* The default vault stays: a worker still finishing a page must seal it, never write it in
   * plain text. */

  G_APPLICATION_CLASS (pd_application_parent_class)->shutdown (application);
}

static void
pd_application_finalize (GObject *object)
{
  PdApplication *self = (PdApplication *)object;

  g_clear_pointer (&self->library_dir, g_free);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->status);
  g_clear_object (&self->engine);
  g_clear_object (&self->library);
  g_clear_object (&self->vault);
  g_clear_error (&self->open_error);
  g_clear_pointer (&self->open_error_title, g_free);
  g_clear_pointer (&self->vault_warning, g_free);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (pd_application_parent_class)->finalize (object);
}

static void
pd_application_class_init (PdApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = pd_application_finalize;

  application_class->handle_local_options = pd_application_handle_local_options;
  application_class->startup = pd_application_startup;
  application_class->activate = pd_application_activate;
  application_class->shutdown = pd_application_shutdown;
}

static void
pd_application_init (PdApplication *self)
{
  static const GOptionEntry entries[] = {
    { "library", 'l', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, NULL,
      N_("Show the library in DIR instead of the configured one"), N_("DIR") },
    { "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
      N_("Print the version and exit"), NULL },
    { NULL }
  };

  self->cancellable = g_cancellable_new ();
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

PdApplication *
pd_application_new (void)
{
  return g_object_new (PD_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/paperdock/Paperdock",
                       NULL);
}

/**
 * pd_application_get_library:
 *
 * Returns: (transfer none) (nullable): the library, or %NULL while it is being opened or when
 *   it could not be opened
 */
PdLibrary *
pd_application_get_library (PdApplication *self)
{
  g_return_val_if_fail (PD_IS_APPLICATION (self), NULL);

  return self->library;
}

/**
 * pd_application_get_sync_engine:
 *
 * Returns: (transfer none) (nullable): the engine syncing the library, once it is open
 */
PdSyncEngine *
pd_application_get_sync_engine (PdApplication *self)
{
  g_return_val_if_fail (PD_IS_APPLICATION (self), NULL);

  return self->engine;
}

/**
 * pd_application_get_holding:
 *
 * Returns: whether the application keeps running without a window because documents are
 *   still waiting to be synced
 */
gboolean
pd_application_get_holding (PdApplication *self)
{
  g_return_val_if_fail (PD_IS_APPLICATION (self), FALSE);

  return self->holding;
}
