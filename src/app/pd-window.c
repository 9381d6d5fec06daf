/* pd-window.c: the main window. It only observes the library: it lists the documents with the
 * library's async call (the main thread never waits on SQLite), and lists them again whenever
 * the library reports a committed change. Bursts of changes (a batch being processed) are
 * coalesced: at most one listing runs, and one more follows if something changed meanwhile. */
#define G_LOG_DOMAIN "pd-app"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "pd-document-item.h"
#include "pd-window.h"

struct _PdWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwWindowTitle       *window_title;
  GtkStack             *stack;
  GtkSpinner           *spinner;
  AdwStatusPage        *error_page;
  GtkListBox           *list_box;

  /* Owned */
  GCancellable         *cancellable;   /* cancelled when the window goes away */
  GListStore           *documents;     /* PdDocumentItem, newest first */
  PdLibrary            *library;
  GSettings            *settings;

  guint                 listing : 1;        /* a listing is in flight */
  guint                 relist_pending : 1; /* the library changed while listing */
};

G_DEFINE_FINAL_TYPE (PdWindow, pd_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_LIBRARY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void pd_window_list (PdWindow *self);

static void
pd_window_update_page (PdWindow *self)
{
  if (self->library == NULL)
    {
      gtk_spinner_set_spinning (self->spinner, TRUE);
      gtk_stack_set_visible_child_name (self->stack, "loading");
      return;
    }

  gtk_spinner_set_spinning (self->spinner, FALSE);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->documents)) == 0)
    gtk_stack_set_visible_child_name (self->stack, "empty");
  else
    gtk_stack_set_visible_child_name (self->stack, "documents");
}

static void
pd_window_list_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  PdLibrary *library = PD_LIBRARY (object);
  g_autoptr(PdWindow) self = PD_WINDOW (user_data);
  g_autoptr(GPtrArray) documents = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;

  documents = pd_library_list_documents_finish (library, result, &error);

  /* The window was closed, or the library replaced, while the listing ran. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (self->cancellable) ||
      library != self->library)
    return;

  self->listing = FALSE;

  if (documents == NULL)
    {
      g_warning ("Could not list the documents: %s", error->message);
      pd_window_show_error (self, _("Could Not Read the Documents"), error->message);
      return;
    }

  items = g_ptr_array_new_full (documents->len, g_object_unref);
  for (guint i = 0; i < documents->len; i++)
    g_ptr_array_add (items, pd_document_item_new (g_ptr_array_index (documents, i)));

  g_list_store_splice (self->documents,
                       0, g_list_model_get_n_items (G_LIST_MODEL (self->documents)),
                       items->pdata, items->len);
  g_debug ("Listed %u documents", items->len);
  pd_window_update_page (self);

  if (self->relist_pending)
    pd_window_list (self);
}

static void
pd_window_list (PdWindow *self)
{
  g_assert (PD_IS_WINDOW (self));

  if (self->library == NULL)
    return;

  if (self->listing)
    {
      self->relist_pending = TRUE;
      return;
    }

  self->listing = TRUE;
  self->relist_pending = FALSE;
  pd_library_list_documents_async (self->library,
                                   self->cancellable,
                                   pd_window_list_cb,
                                   g_object_ref (self));
}

static void
pd_window_document_changed_cb (PdWindow  *self,
                               gint64     document_id,
                               PdLibrary *library)
{
  g_debug ("Document %" G_GINT64_FORMAT " changed, listing again", document_id);
  pd_window_list (self);
}

static GtkWidget *
pd_window_create_row_cb (gpointer item,
                         gpointer user_data)
{
  PdDocumentItem *document = PD_DOCUMENT_ITEM (item);
  g_autofree char *status = pd_document_item_dup_status (document);
  g_autofree char *pages = pd_document_item_dup_pages_label (document);
  g_autofree char *date = pd_document_item_dup_date_label (document);
  GtkWidget *row;
  GtkWidget *box;
  GtkWidget *label;

  row = adw_action_row_new ();
  /* Names come from users and scanners: never markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), pd_document_item_get_name (document));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), status);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  if (pd_document_item_get_state (document) == PD_DOC_STATE_FAILED)
    {
      GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-error-symbolic");

      /* The words say it; the icon makes failed documents stand out in a long list. */
      gtk_widget_add_css_class (icon, "error");
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Failed"),
                                      -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
    }

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  label = gtk_label_new (pages);
  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  gtk_box_append (GTK_BOX (box), label);
  label = gtk_label_new (date);
  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "caption");
  gtk_box_append (GTK_BOX (box), label);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);

  return row;
}

static void
pd_window_refresh_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  PdWindow *self = (PdWindow *)widget;

  g_assert (PD_IS_WINDOW (self));

  pd_window_list (self);
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

  g_cancellable_cancel (self->cancellable);
  if (self->library != NULL)
    g_signal_handlers_disconnect_by_data (self->library, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), PD_TYPE_WINDOW);

  g_clear_object (&self->library);
  g_clear_object (&self->documents);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (pd_window_parent_class)->dispose (object);
}

static void
pd_window_finalize (GObject *object)
{
  PdWindow *self = (PdWindow *)object;

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (pd_window_parent_class)->finalize (object);
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

  object_class->dispose = pd_window_dispose;
  object_class->finalize = pd_window_finalize;
  object_class->get_property = pd_window_get_property;
  object_class->set_property = pd_window_set_property;

  window_class->close_request = pd_window_close_request;

  properties[PROP_LIBRARY] =
    g_param_spec_object ("library", NULL, NULL,
                         PD_TYPE_LIBRARY,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/paperdock/Paperdock/ui/pd-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PdWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, PdWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, PdWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, PdWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, PdWindow, list_box);

  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, pd_window_refresh_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "win.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}

static void
pd_window_init (PdWindow *self)
{
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->documents = g_list_store_new (PD_TYPE_DOCUMENT_ITEM);
  gtk_list_box_bind_model (self->list_box,
                           G_LIST_MODEL (self->documents),
                           pd_window_create_row_cb,
                           NULL, NULL);

  self->settings = g_settings_new (APP_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.refresh", FALSE);
  pd_window_update_page (self);
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
 * Shows the documents of @library, and follows its changes.
 */
void
pd_window_set_library (PdWindow  *self,
                       PdLibrary *library)
{
  g_return_if_fail (PD_IS_WINDOW (self));
  g_return_if_fail (library == NULL || PD_IS_LIBRARY (library));

  if (self->library == library)
    return;

  if (self->library != NULL)
    g_signal_handlers_disconnect_by_data (self->library, self);
  g_set_object (&self->library, library);
  self->listing = FALSE;
  self->relist_pending = FALSE;
  g_list_store_remove_all (self->documents);

  if (library != NULL)
    {
      g_autofree char *dir = g_strdup (pd_library_get_dir (library));
      const char *home = g_get_home_dir ();

      g_signal_connect_object (library, "document-changed",
                               G_CALLBACK (pd_window_document_changed_cb),
                               self, G_CONNECT_SWAPPED);

      /* Show where the library is, the way a person would type it. */
      if (dir != NULL && g_str_has_prefix (dir, home) && dir[strlen (home)] == G_DIR_SEPARATOR)
        {
          g_autofree char *rest = g_strdup (dir + strlen (home));

          g_free (dir);
          dir = g_strconcat ("~", rest, NULL);
        }
      adw_window_title_set_subtitle (self->window_title, dir != NULL ? dir : "");
    }
  else
    adw_window_title_set_subtitle (self->window_title, "");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.refresh", library != NULL);
  pd_window_update_page (self);
  pd_window_list (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIBRARY]);
}

/**
 * pd_window_get_documents:
 *
 * Returns: (transfer none): the documents shown, a #GListModel of #PdDocumentItem
 */
GListModel *
pd_window_get_documents (PdWindow *self)
{
  g_return_val_if_fail (PD_IS_WINDOW (self), NULL);

  return G_LIST_MODEL (self->documents);
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
  g_autofree char *escaped = NULL;

  g_return_if_fail (PD_IS_WINDOW (self));
  g_return_if_fail (title != NULL);

  /* The status page reads its description as markup; error messages are plain text. */
  if (description != NULL)
    escaped = g_markup_escape_text (description, -1);
  adw_status_page_set_title (self->error_page, title);
  adw_status_page_set_description (self->error_page, escaped);
  gtk_spinner_set_spinning (self->spinner, FALSE);
  gtk_stack_set_visible_child_name (self->stack, "error");
}
