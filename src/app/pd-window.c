/* pd-window.c: the main window. It hosts the Scan, Library and Inbox pages and only observes the
 * library and the sync status: the header says "Syncing N items" while documents are on their
 * way and nothing once the queue is empty, and the Inbox page carries a badge with the number
 * of items waiting for a person. */
#define G_LOG_DOMAIN "pd-app"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "pd-app-toast.h"
#include "pd-inbox-view.h"
#include "pd-library-view.h"
#include "pd-preferences-window.h"
#include "pd-scan-view.h"
#include "pd-window.h"

struct _PdWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewSwitcherBar   *switcher_bar;
  AdwViewStack         *view_stack;
  AdwViewStackPage     *inbox_page;
  GtkWidget            *sync_box;
  GtkSpinner           *sync_spinner;
  GtkLabel             *sync_label;
  PdScanView           *scan_view;
  PdLibraryView        *library_view;
  PdInboxView          *inbox_view;

  /* Owned */
  PdLibrary            *library;
  PdSyncStatus         *status;
  GSettings            *settings;

  /* Borrowed: the open preferences window, cleared by a weak pointer */
  GtkWindow            *preferences;
};

G_DEFINE_FINAL_TYPE (PdWindow, pd_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_LIBRARY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
pd_window_update_sync (PdWindow *self)
{
  guint pending = 0;
  guint inbox = 0;
  gboolean syncing = FALSE;
  g_autofree char *text = NULL;

  if (self->status != NULL)
    {
      pending = pd_sync_status_get_pending (self->status);
      inbox = pd_sync_status_get_inbox_count (self->status);
      syncing = pd_sync_status_get_syncing (self->status);
    }

  /* Gone when the queue is empty: nothing to watch then. */
  gtk_widget_set_visible (self->sync_box, pending > 0);
  gtk_spinner_set_spinning (self->sync_spinner, pending > 0 && syncing);
  if (syncing)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Syncing %u item", "Syncing %u items",
                                         pending), pending);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u item waiting to sync",
                                         "%u items waiting to sync", pending), pending);
  gtk_label_set_text (self->sync_label, text);

  adw_view_stack_page_set_badge_number (self->inbox_page, inbox);
  adw_view_stack_page_set_needs_attention (self->inbox_page, inbox > 0);
}

static void
pd_window_refresh_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  PdWindow *self = (PdWindow *)widget;

  g_assert (PD_IS_WINDOW (self));

  pd_library_view_refresh (self->library_view);
  pd_inbox_view_refresh (self->inbox_view);
  if (self->status != NULL)
    pd_sync_status_refresh (self->status);
}

static void
pd_window_show_page_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  pd_window_set_visible_page (PD_WINDOW (widget), g_variant_get_string (param, NULL));
}

static void
pd_window_search_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  PdWindow *self = (PdWindow *)widget;

  pd_window_set_visible_page (self, "library");
  pd_library_view_focus_search (self->library_view);
}

static void
pd_window_preferences_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *param)
{
  pd_window_show_preferences (PD_WINDOW (widget), g_variant_get_string (param, NULL));
}

static gboolean
pd_window_close_request (GtkWindow *window)
{
  PdWindow *self = (PdWindow *)window;
  int width;
  int height;

  g_assert (PD_IS_WINDOW (self));

  /* Remember the size the user chose, not the maximized one. */
  gtk_window_get_default_size (window, &width, &height);
  g_settings_delay (self->settings);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  if (!gtk_window_is_maximized (window) && width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  g_settings_apply (self->settings);

  return GTK_WINDOW_CLASS (pd_window_parent_class)->close_request (window);
}

static void
pd_window_dispose (GObject *object)
{
  PdWindow *self = (PdWindow *)object;

  if (self->status != NULL)
    g_signal_handlers_disconnect_by_data (self->status, self);
  if (self->preferences != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->preferences), (gpointer *) &self->preferences);
      gtk_window_destroy (self->preferences);
      self->preferences = NULL;
    }

  /* libadwaita 1.2's switchers drop their pages when they let go of the stack; let go of it
   * while the stack's pages are still alive, not after the stack was disposed. */
  if (self->switcher_bar != NULL)
    adw_view_switcher_bar_set_stack (self->switcher_bar, NULL);
  if (self->switcher_title != NULL)
    adw_view_switcher_title_set_stack (self->switcher_title, NULL);

  gtk_widget_dispose_template (GTK_WIDGET (self), PD_TYPE_WINDOW);

  g_clear_object (&self->library);
  g_clear_object (&self->status);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (pd_window_parent_class)->dispose (object);
}

static void
pd_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  PdWindow *self = PD_WINDOW (object);

  switch (prop_id)
    {
    case PROP_LIBRARY:
      g_value_set_object (value, pd_window_get_library (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  PdWindow *self = PD_WINDOW (object);

  switch (prop_id)
    {
    case PROP_LIBRARY:
      pd_window_set_library (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_window_class_init (PdWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);
  static const struct {
    guint       key;
    const char *page;
  } pages[] = {
    { GDK_KEY_1, "scan" },
    { GDK_KEY_2, "library" },
    { GDK_KEY_3, "inbox" },
  };

  object_class->dispose = pd_window_dispose;
  object_class->get_property = pd_window_get_property;
  object_class->set_property = pd_window_set_property;

  window_class->close_request = pd_window_close_request;

  properties[PROP_LIBRARY] =
    g_param_spec_object ("library", NULL, NULL,
                         PD_TYPE_LIBRARY,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (PD_TYPE_SCAN_VIEW);
  g_type_ensure (PD_TYPE_LIBRARY_VIEW);
  g_type_ensure (PD_TYPE_INBOX_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/paperdock/Paperdock/ui/pd-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PdWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PdWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, PdWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, PdWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, PdWindow, inbox_page);
  gtk_widget_class_bind_template_child (widget_class, PdWindow, sync_box);
  gtk_widget_class_bind_template_child (widget_class, PdWindow, sync_spinner);
  gtk_widget_class_bind_template_child (widget_class, PdWindow, sync_label);
  gtk_widget_class_bind_template_child (widget_class, PdWindow, scan_view);
  gtk_widget_class_bind_template_child (widget_class, PdWindow, library_view);
  gtk_widget_class_bind_template_child (widget_class, PdWindow, inbox_view);

  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, pd_window_refresh_action);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s",
                                   pd_window_show_page_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, pd_window_search_action);
  gtk_widget_class_install_action (widget_class, "win.preferences", "s",
                                   pd_window_preferences_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK,
                                       "win.preferences", "s", "general");
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    gtk_widget_class_add_binding_action (widget_class, pages[i].key, GDK_ALT_MASK,
                                         "win.show-page", "s", pages[i].page);
}

static void
pd_window_init (PdWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.refresh", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.preferences", FALSE);
  pd_window_update_sync (self);
}

/**
 * pd_window_new:
 * @application: (nullable): the application the window belongs to
 *
 * Like every #GtkWindow, the window belongs to GTK until gtk_window_destroy().
 *
 * Returns: (transfer none): a new window showing that its library is being opened, until
 *   pd_window_set_library() is called
 */
PdWindow *
pd_window_new (GtkApplication *application)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);

  return g_object_new (PD_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

PdLibrary *
pd_window_get_library (PdWindow *self)
{
  g_return_val_if_fail (PD_IS_WINDOW (self), NULL);

  return self->library;
}

/**
 * pd_window_set_library:
 * @library: (nullable): the library to show
 *
 * Shows the documents of @library on every page, and follows its changes.
 */
void
pd_window_set_library (PdWindow  *self,
                       PdLibrary *library)
{
  g_return_if_fail (PD_IS_WINDOW (self));
  g_return_if_fail (library == NULL || PD_IS_LIBRARY (library));

  if (self->library == library)
    return;

  g_set_object (&self->library, library);
  pd_scan_view_set_library (self->scan_view, library);
  pd_library_view_set_library (self->library_view, library);
  pd_inbox_view_set_library (self->inbox_view, library);

  if (library != NULL)
    {
      g_autofree char *dir = g_strdup (pd_library_get_dir (library));
      const char *home = g_get_home_dir ();

      /* Show where the library is, the way a person would type it. */
      if (dir != NULL && g_str_has_prefix (dir, home) && dir[strlen (home)] == G_DIR_SEPARATOR)
        {
          g_autofree char *rest = g_strdup (dir + strlen (home));

          g_free (dir);
          dir = g_strconcat ("~", rest, NULL);
        }
      adw_view_switcher_title_set_subtitle (self->switcher_title, dir != NULL ? dir : "");
    }
  else
    adw_view_switcher_title_set_subtitle (self->switcher_title, "");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.refresh", library != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.preferences", library != NULL);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIBRARY]);
}

/**
 * pd_window_get_sync_status:
 *
 * Returns: (transfer none) (nullable): the sync status the window shows
 */
PdSyncStatus *
pd_window_get_sync_status (PdWindow *self)
{
  g_return_val_if_fail (PD_IS_WINDOW (self), NULL);

  return self->status;
}

/**
 * pd_window_set_sync_status:
 * @status: (nullable): the sync status to show (its library should be the window's)
 */
void
pd_window_set_sync_status (PdWindow     *self,
                           PdSyncStatus *status)
{
  g_return_if_fail (PD_IS_WINDOW (self));
  g_return_if_fail (status == NULL || PD_IS_SYNC_STATUS (status));

  if (self->status == status)
    return;
  if (self->status != NULL)
    g_signal_handlers_disconnect_by_data (self->status, self);
  g_set_object (&self->status, status);
  if (status != NULL)
    {
      g_signal_connect_object (status, "notify::pending",
                               G_CALLBACK (pd_window_update_sync), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (status, "notify::syncing",
                               G_CALLBACK (pd_window_update_sync), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (status, "notify::inbox-count",
                               G_CALLBACK (pd_window_update_sync), self, G_CONNECT_SWAPPED);
    }
  pd_library_view_set_sync_status (self->library_view, status);
  pd_inbox_view_set_sync_status (self->inbox_view, status);
  pd_window_update_sync (self);
}

/**
 * pd_window_get_documents:
 *
 * Returns: (transfer none): the documents the Library page shows, a #GListModel of
 *   #PdDocumentItem
 */
GListModel *
pd_window_get_documents (PdWindow *self)
{
  g_return_val_if_fail (PD_IS_WINDOW (self), NULL);

  return pd_library_view_get_documents (self->library_view);
}

/**
 * pd_window_set_visible_page:
 * @name: "scan", "library" or "inbox"
 */
void
pd_window_set_visible_page (PdWindow   *self,
                            const char *name)
{
  g_return_if_fail (PD_IS_WINDOW (self));
  g_return_if_fail (name != NULL);

  if (adw_view_stack_get_child_by_name (self->view_stack, name) != NULL)
    adw_view_stack_set_visible_child_name (self->view_stack, name);
}

const char *
pd_window_get_visible_page (PdWindow *self)
{
  g_return_val_if_fail (PD_IS_WINDOW (self), NULL);

  return adw_view_stack_get_visible_child_name (self->view_stack);
}

/**
 * pd_window_show_preferences:
 * @page: (nullable): "general", "profiles" or "accounts"
 *
 * Returns: (transfer none) (nullable): the preferences window, or %NULL while there is no
 *   library to set up
 */
GtkWindow *
pd_window_show_preferences (PdWindow   *self,
                            const char *page)
{
  g_return_val_if_fail (PD_IS_WINDOW (self), NULL);

  if (self->library == NULL)
    return NULL;

  if (self->preferences == NULL)
    {
      self->preferences = GTK_WINDOW (pd_preferences_window_new (self->library));
      gtk_window_set_transient_for (self->preferences, GTK_WINDOW (self));
      g_object_add_weak_pointer (G_OBJECT (self->preferences), (gpointer *) &self->preferences);
    }
  if (page != NULL)
    pd_preferences_window_set_page (PD_PREFERENCES_WINDOW (self->preferences), page);
  gtk_window_present (self->preferences);
  return self->preferences;
}

/**
 * pd_window_show_error:
 * @title: what went wrong, as a headline
 * @description: (nullable): why, and what to do about it
 *
 * Replaces the document list with an explanation, e.g. when the library could not be opened.
 */
void
pd_window_show_error (PdWindow   *self,
                      const char *title,
                      const char *description)
{
  g_return_if_fail (PD_IS_WINDOW (self));
  g_return_if_fail (title != NULL);

  pd_library_view_show_error (self->library_view, title, description);
  pd_window_set_visible_page (self, "library");
}

/**
 * pd_window_add_toast:
 * @text: a short sentence that needs no answer
 *
 * Shows @text for a few seconds over the window's pages.
 */
void
pd_window_add_toast (PdWindow   *self,
                     const char *text)
{
  g_return_if_fail (PD_IS_WINDOW (self));
  g_return_if_fail (text != NULL);

  pd_app_toast (GTK_WIDGET (self->toast_overlay), text, 10);
}
