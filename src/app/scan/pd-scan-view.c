/* pd-scan-view.c: the Scan page (see pd-scan-view.h). It only observes and drives core objects:
 * the scanner lists devices on its own SANE thread, the pipeline scans and processes and emits
 * its signals on this main context, page edits run in pd-document-edit's worker, and every
 * library read and image decode happens in a GTask thread. The main thread never decodes a
 * 300 dpi page: thumbnails are decoded downscaled in a worker. */
#define G_LOG_DOMAIN "pd-app"

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>

#include "pd-document-edit.h"
#include "pd-library-pages.h"
#include "pd-page-viewer.h"
#include "pd-pipeline.h"
#include "pd-profile.h"
#include "pd-scan-page.h"
#include "pd-app-image.h"
#include "pd-app-toast.h"
#include "pd-scan-view.h"
#include "pd-scanner.h"
#include "pd-task.h"

#define THUMBNAIL_SIZE           160
/* SANE has no hotplug events: the device list is read again this often while the page is on
 * screen. The listing runs on the scanner's own thread, never on the main thread. */
#define DEVICE_REFRESH_SECONDS   5
#define DEMO_DEVICE_ID           "demo"

struct _PdScanView
{
  AdwBin           parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  GtkRevealer     *problem_revealer;
  GtkLabel        *problem_title;
  GtkLabel        *problem_label;
  GtkFlowBox      *profile_box;
  GtkLabel        *profile_hint;
  AdwComboRow     *device_row;
  GtkProgressBar  *progress_bar;
  GtkLabel        *status_label;
  GtkFlowBox      *page_box;
  GtkWidget       *viewer_box;
  GtkLabel        *viewer_title;
  PdPageViewer    *viewer;
  GtkRevealer     *crop_revealer;

  /* Owned */
  GCancellable    *cancellable;     /* cancelled when the view goes away */
  GCancellable    *scan_cancellable;
  PdLibrary       *library;
  PdScanner       *scanner;
  PdPipeline      *pipeline;
  GListStore      *pages;           /* PdScanPage */
  GPtrArray       *profiles;        /* PdProfile */
  PdProfile       *profile;         /* the one picked; NULL for none */
  GtkStringList   *device_labels;
  GPtrArray       *device_ids;      /* char *, parallel to device_labels */
  GPtrArray       *documents;       /* PdDocument: what the last batch became */
  GQueue           edits;           /* PdPageEdit *, applied one at a time */
  GHashTable      *refreshing;      /* document id -> 1 in flight, 2 in flight and again */
  GPtrArray       *pending_deletes; /* PendingDelete: hidden, waiting for their toast to go */
  AdwToast        *delete_toast;
  guint            delete_timer;    /* commits the deletions DELETE_UNDO_SECONDS after the last */
  guint            device_timer;
  gint64           viewer_page_id;
  char            *viewer_path;     /* the image the viewer was asked to show */
  gint64           rescan_page_id;  /* the page being scanned again; 0 for none */
  PdFilingPlan    *plan;            /* the batch waiting for Save; NULL for none */
  GtkWindow       *plan_dialog;     /* weak: the Save dialog while it is open */

  guint            profile_required : 1;
  guint            profile_chosen : 1;   /* a choice was made, "no profile" included */
  guint            profiles_loaded : 1;
  guint            listing_devices : 1;
  guint            scanning : 1;
  guint            editing : 1;
  guint            show_words : 1;
  guint            filing : 1;
  guint            replanning : 1;     /* the plan is being made again after an edit */
  guint            replan_again : 1;   /* ... and another edit came meanwhile */
  guint            save_requested : 1; /* Save waits for the edits and the plan */
  guint            plan_empty : 1;     /* every page is left out: nothing to save */
};

G_DEFINE_FINAL_TYPE (PdScanView, pd_scan_view, ADW_TYPE_BIN)

/* A deleted page the undo toast can still bring back, and where its tile was. */
typedef struct {
  PdScanPage *page;
  guint       position;
} PendingDelete;

static void
pending_delete_free (PendingDelete *pending)
{
  g_object_unref (pending->page);
  g_free (pending);
}

static gboolean
pd_scan_view_is_pending_delete (PdScanView *self,
                                gint64      page_id)
{
  for (guint i = 0; i < self->pending_deletes->len; i++)
    if (((PendingDelete *) g_ptr_array_index (self->pending_deletes, i))->page->page_id == page_id)
      return TRUE;
  return FALSE;
}

enum {
  PROP_0,
  PROP_BUSY,
  PROP_SHOW_WORDS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  BATCH_DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void pd_scan_view_update_actions (PdScanView *self);
static void pd_scan_view_refresh_document (PdScanView *self,
                                           gint64      document_id);
static void pd_scan_view_next_edit (PdScanView *self);
static void pd_scan_view_present_plan (PdScanView *self);
static void pd_scan_view_set_cropping (PdScanView *self,
                                       gboolean    cropping);

/* Problems ------------------------------------------------------------------------------------ */

static void
pd_scan_view_show_problem (PdScanView *self,
                           const char *title,
                           const char *message)
{
  gtk_label_set_text (self->problem_title, title);
  gtk_label_set_text (self->problem_label, message);
  gtk_revealer_set_reveal_child (self->problem_revealer, TRUE);
}

static void
problem_close_clicked_cb (PdScanView *self)
{
  gtk_revealer_set_reveal_child (self->problem_revealer, FALSE);
}

/* A headline a person recognizes at a glance; the error's message says what to do. */
static const char *
problem_title_for_error (const GError *error)
{
  if (error->domain == PD_CAPTURE_ERROR)
    switch ((PdCaptureError) error->code)
      {
      case PD_CAPTURE_ERROR_JAMMED: return _("Paper Jam");
      case PD_CAPTURE_ERROR_COVER_OPEN: return _("The Scanner’s Cover Is Open");
      case PD_CAPTURE_ERROR_NO_DOCS: return _("No Paper in the Feeder");
      case PD_CAPTURE_ERROR_UNPLUGGED: return _("The Scanner Was Disconnected");
      case PD_CAPTURE_ERROR_DEVICE_BUSY: return _("The Scanner Is Busy");
      case PD_CAPTURE_ERROR_NO_DEVICE: return _("Scanner Not Found");
      case PD_CAPTURE_ERROR_IO_ERROR: return _("The Scanner Does Not Answer");
      case PD_CAPTURE_ERROR_ACCESS_DENIED: return _("No Permission to Use the Scanner");
      default: return _("The Scan Stopped");
      }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    return _("The Disk Is Full");
  return _("Something Went Wrong");
}

/* Busy ---------------------------------------------------------------------------------------- */

gboolean
pd_scan_view_get_busy (PdScanView *self)
{
  g_return_val_if_fail (PD_IS_SCAN_VIEW (self), FALSE);
  return self->scanning || self->editing || self->filing || self->rescan_page_id != 0 ||
         self->save_requested;
}

static void
pd_scan_view_set_state (PdScanView *self,
                        gboolean    scanning,
                        gboolean    editing)
{
  gboolean was_busy = pd_scan_view_get_busy (self);

  self->scanning = !!scanning;
  self->editing = !!editing;
  pd_scan_view_update_actions (self);
  if (was_busy != pd_scan_view_get_busy (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* The page the keyboard acts on: the selected one. */
static PdScanPage *
pd_scan_view_get_current_page (PdScanView *self)
{
  g_autoptr(GList) selected = gtk_flow_box_get_selected_children (self->page_box);
  guint position;

  if (selected == NULL)
    return NULL;
  position = (guint) gtk_flow_box_child_get_index (selected->data);
  return g_list_model_get_item (G_LIST_MODEL (self->pages), position);
}

static PdScanPage *
pd_scan_view_find_page_by_id (PdScanView *self,
                              gint64      page_id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->pages));

  for (guint i = 0; page_id > 0 && i < n; i++)
    {
      g_autoptr(PdScanPage) page = g_list_model_get_item (G_LIST_MODEL (self->pages), i);

      if (page->page_id == page_id)
        return g_steal_pointer (&page);
    }
  return NULL;
}

static void
pd_scan_view_update_actions_now (PdScanView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  g_autoptr(PdScanPage) page = pd_scan_view_get_current_page (self);
  gboolean has_device = adw_combo_row_get_selected (self->device_row) != GTK_INVALID_LIST_POSITION &&
                        self->device_ids->len > 0;
  gboolean profile_ok = !self->profile_required || self->profile != NULL;
  /* Edits wait until the pipeline has finished the document, or the batch waits for Save: its
   * pages are edited like a document's, and the plan is made again after each edit. */
  gboolean editable = page != NULL && page->page_id > 0 && !self->scanning &&
                      page->state != PD_SCAN_PAGE_CAPTURED && !self->filing && !self->save_requested;

  gtk_widget_action_set_enabled (widget, "scan.start",
                                 self->library != NULL && !self->scanning && profile_ok &&
                                 self->plan == NULL && !self->filing &&
                                 (has_device || (self->profile != NULL && self->profile->device != NULL)));
  gtk_widget_action_set_enabled (widget, "scan.stop", self->scanning);
  gtk_widget_action_set_enabled (widget, "scan.save", self->plan != NULL && !self->filing && !self->scanning &&
                                 !self->save_requested && !self->plan_empty);
  gtk_widget_action_set_enabled (widget, "scan.rotate-right", editable && page->state == PD_SCAN_PAGE_DONE);
  gtk_widget_action_set_enabled (widget, "scan.rotate-left", editable && page->state == PD_SCAN_PAGE_DONE);
  gtk_widget_action_set_enabled (widget, "scan.delete-page", editable);
  gtk_widget_action_set_enabled (widget, "scan.toggle-blank", editable && page->state == PD_SCAN_PAGE_DONE);
  gtk_widget_action_set_enabled (widget, "scan.move-page-back", editable && page->index > 0);
  gtk_widget_action_set_enabled (widget, "scan.move-page-forward", editable);
  gtk_widget_action_set_enabled (widget, "scan.undo-delete", self->pending_deletes->len > 0);

  /* A new scan of a page needs the scanner, which a batch or another re-scan is using. */
  gtk_widget_action_set_enabled (widget, "scan.rescan-page",
                                 editable && self->rescan_page_id == 0 &&
                                 (has_device || (self->profile != NULL && self->profile->device != NULL)));
  {
    g_autoptr(PdScanPage) shown = pd_scan_view_find_page_by_id (self, self->viewer_page_id);
    gboolean croppable = shown != NULL && gtk_widget_get_visible (self->viewer_box) && !self->scanning &&
                         !self->filing && !self->save_requested &&
                         shown->state == PD_SCAN_PAGE_DONE && shown->image_is_processed &&
                         shown->page_id != self->rescan_page_id;
    gboolean cropping = pd_page_viewer_get_cropping (self->viewer);

    gtk_widget_action_set_enabled (widget, "scan.crop", croppable && !cropping);
    gtk_widget_action_set_enabled (widget, "scan.cancel-crop", cropping);
    gtk_widget_action_set_enabled (widget, "scan.apply-crop",
                                   croppable && cropping && pd_page_viewer_get_selection (self->viewer, NULL));
  }
}

static void
pd_scan_view_update_actions (PdScanView *self)
{
  /* An edit or a re-scan may finish after the view was disposed: nothing is left to update. */
  if (self->viewer != NULL && self->pages != NULL && self->device_ids != NULL)
    pd_scan_view_update_actions_now (self);
}

/* Profiles ------------------------------------------------------------------------------------ */

typedef struct {
  GPtrArray *profiles;
  gboolean   required;
} ProfilesData;

static void
profiles_data_free (ProfilesData *data)
{
  g_clear_pointer (&data->profiles, g_ptr_array_unref);
  g_free (data);
}

static void
profiles_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  PdLibrary *library = task_data;
  ProfilesData *data = g_new0 (ProfilesData, 1);
  GError *error = NULL;

  data->profiles = pd_library_list_profiles (library, &error);
  if (data->profiles == NULL)
    {
      profiles_data_free (data);
      g_task_return_error (task, error);
      return;
    }
  data->required = pd_library_get_profile_required (library, NULL);
  g_task_return_pointer (task, data, (GDestroyNotify) profiles_data_free);
}

static void
profile_toggled_cb (GtkToggleButton *button,
                    PdScanView      *self)
{
  PdProfile *profile = g_object_get_data (G_OBJECT (button), "pd-profile");

  if (!gtk_toggle_button_get_active (button))
    return;
  g_clear_pointer (&self->profile, pd_profile_free);
  self->profile = profile != NULL ? pd_profile_copy (profile) : NULL;
  self->profile_chosen = TRUE;

  /* The profile's scanner becomes the choice, when it is connected. */
  if (self->profile != NULL && self->profile->device != NULL)
    for (guint i = 0; i < self->device_ids->len; i++)
      if (g_strcmp0 (g_ptr_array_index (self->device_ids, i), self->profile->device) == 0)
        adw_combo_row_set_selected (self->device_row, i);
  pd_scan_view_update_actions (self);
}

static GtkWidget *
profile_button_new (PdScanView      *self,
                    const PdProfile *profile,
                    const char      *title,
                    const char      *subtitle,
                    GtkToggleButton *group)
{
  GtkWidget *button = gtk_toggle_button_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *label = gtk_label_new (title);

  gtk_widget_add_css_class (label, "title-3");
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), label);
  label = gtk_label_new (subtitle);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), label);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_button_set_child (GTK_BUTTON (button), box);
  gtk_widget_set_tooltip_text (button, subtitle);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  if (group != NULL)
    gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), group);
  if (profile != NULL)
    g_object_set_data_full (G_OBJECT (button), "pd-profile", pd_profile_copy (profile),
                            (GDestroyNotify) pd_profile_free);
  g_signal_connect_object (button, "toggled", G_CALLBACK (profile_toggled_cb), self, 0);
  return button;
}

static char *
dup_profile_subtitle (const PdProfile *profile)
{
  const char *mode = profile->mode == PD_SCAN_MODE_TEXT ? _("Black and white")
                     : profile->mode == PD_SCAN_MODE_COLOR ? _("Color") : _("Gray");

  return g_strdup_printf ("%s · %u dpi%s%s", mode, profile->resolution ? profile->resolution : 300,
                          profile->device ? " · " : "", profile->device ? profile->device : "");
}

static void
profiles_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  PdScanView *self = PD_SCAN_VIEW (object);
  g_autoptr(GError) error = NULL;
  ProfilesData *data = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *previous = self->profile ? g_strdup (self->profile->name) : NULL;
  GtkToggleButton *group = NULL;
  GtkWidget *child;

  if (data == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pd_scan_view_show_problem (self, _("Could Not Read the Profiles"), error->message);
      return;
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->profile_box))) != NULL)
    gtk_flow_box_remove (self->profile_box, child);
  g_clear_pointer (&self->profiles, g_ptr_array_unref);
  self->profiles = g_steal_pointer (&data->profiles);
  self->profile_required = data->required;
  self->profiles_loaded = TRUE;
  profiles_data_free (data);
  g_clear_pointer (&self->profile, pd_profile_free);

  /* Without a required profile, a plain scan is the first, preselected choice. */
  if (!self->profile_required)
    {
      GtkWidget *button = profile_button_new (self, NULL, _("Quick Scan"),
                                              _("Gray, 300 dpi, English text"), NULL);

      group = GTK_TOGGLE_BUTTON (button);
      gtk_flow_box_append (self->profile_box, button);
      if (previous == NULL)
        gtk_toggle_button_set_active (group, TRUE);
    }
  for (guint i = 0; i < self->profiles->len; i++)
    {
      PdProfile *profile = g_ptr_array_index (self->profiles, i);
      g_autofree char *subtitle = dup_profile_subtitle (profile);
      GtkWidget *button = profile_button_new (self, profile, profile->name, subtitle, group);

      if (group == NULL)
        group = GTK_TOGGLE_BUTTON (button);
      gtk_flow_box_append (self->profile_box, button);
      if (previous != NULL && g_ascii_strcasecmp (previous, profile->name) == 0)
        gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), TRUE);
    }

  if (self->profile_required && self->profiles->len == 0)
    gtk_label_set_text (self->profile_hint,
                        _("Scanning needs a profile, and there is none yet. Create one in "
                          "Preferences, or import the file your office shares."));
  else if (self->profile_required && self->profile == NULL)
    gtk_label_set_text (self->profile_hint, _("Pick a profile to scan: this library requires one."));
  gtk_widget_set_visible (GTK_WIDGET (self->profile_hint),
                          self->profile_required && self->profile == NULL);
  pd_scan_view_update_actions (self);
}

static void
pd_scan_view_load_profiles (PdScanView *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->library == NULL)
    return;
  task = g_task_new (self, self->cancellable, profiles_cb, NULL);
  g_task_set_task_data (task, g_object_ref (self->library), g_object_unref);
  pd_task_run_in_thread (task, profiles_thread);
}

/* Devices ------------------------------------------------------------------------------------- */

static void
devices_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(PdScanView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = pd_scanner_list_devices_finish (PD_SCANNER (object), result, &error);
  g_autofree char *selected_id = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  guint selected = adw_combo_row_get_selected (self->device_row);
  guint choose = GTK_INVALID_LIST_POSITION;
  gboolean same = TRUE;

  self->listing_devices = FALSE;
  if (devices == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not list the scanners: %s", error->message);
      return;
    }
  if (selected < self->device_ids->len)
    selected_id = g_strdup (g_ptr_array_index (self->device_ids, selected));

  same = devices->len == self->device_ids->len;
  for (guint i = 0; same && i < devices->len; i++)
    same = g_strcmp0 (((PdDeviceInfo *) g_ptr_array_index (devices, i))->id,
                      g_ptr_array_index (self->device_ids, i)) == 0;
  if (same)
    return;

  g_ptr_array_set_size (self->device_ids, 0);
  for (guint i = 0; i < devices->len; i++)
    {
      PdDeviceInfo *info = g_ptr_array_index (devices, i);

      g_ptr_array_add (self->device_ids, g_strdup (info->id));
      if (g_strcmp0 (info->id, DEMO_DEVICE_ID) == 0)
        g_ptr_array_add (labels, g_strdup (_("Demo scanner (no hardware needed)")));
      else
        g_ptr_array_add (labels, g_strdup_printf ("%s %s", info->vendor ? info->vendor : "",
                                                  info->model ? info->model : info->id));
      /* The one chosen stays chosen; otherwise the profile's, else the first real scanner. */
      if (selected_id != NULL && g_strcmp0 (selected_id, info->id) == 0)
        choose = i;
    }
  for (guint i = 0; choose == GTK_INVALID_LIST_POSITION && i < devices->len; i++)
    if (self->profile != NULL && g_strcmp0 (self->profile->device,
                                            ((PdDeviceInfo *) g_ptr_array_index (devices, i))->id) == 0)
      choose = i;
  for (guint i = 0; choose == GTK_INVALID_LIST_POSITION && i < devices->len; i++)
    if (!((PdDeviceInfo *) g_ptr_array_index (devices, i))->is_virtual)
      choose = i;
  if (choose == GTK_INVALID_LIST_POSITION && devices->len > 0)
    choose = 0;

  g_ptr_array_add (labels, NULL);
  gtk_string_list_splice (self->device_labels, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->device_labels)),
                          (const char *const *) labels->pdata);
  adw_combo_row_set_selected (self->device_row, choose);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->device_row),
                               devices->len == 0 ? _("No scanner found. Check that it is plugged in and "
                                                     "switched on.") : NULL);
  pd_scan_view_update_actions (self);
}

static void
pd_scan_view_list_devices (PdScanView *self)
{
  /* The scanner's thread is busy with the scan; the list cannot change what is being scanned. */
  if (self->listing_devices || self->scanning)
    return;
  self->listing_devices = TRUE;
  pd_scanner_list_devices_async (self->scanner, FALSE, self->cancellable, devices_cb,
                                 g_object_ref (self));
}

static gboolean
device_timer_cb (gpointer user_data)
{
  pd_scan_view_list_devices (PD_SCAN_VIEW (user_data));
  return G_SOURCE_CONTINUE;
}

static void
pd_scan_view_map (GtkWidget *widget)
{
  PdScanView *self = PD_SCAN_VIEW (widget);

  GTK_WIDGET_CLASS (pd_scan_view_parent_class)->map (widget);
  pd_scan_view_list_devices (self);
  if (self->device_timer == 0)
    self->device_timer = g_timeout_add_seconds (DEVICE_REFRESH_SECONDS, device_timer_cb, self);
}

static void
pd_scan_view_unmap (GtkWidget *widget)
{
  PdScanView *self = PD_SCAN_VIEW (widget);

  g_clear_handle_id (&self->device_timer, g_source_remove);
  GTK_WIDGET_CLASS (pd_scan_view_parent_class)->unmap (widget);
}

/* Pages --------------------------------------------------------------------------------------- */

static gboolean
find_page (PdScanView *self,
           gint64      document_id,
           guint       index,
           guint      *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->pages));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PdScanPage) page = g_list_model_get_item (G_LIST_MODEL (self->pages), i);

      if (page->document_id == document_id && page->index == index)
        {
          *position = i;
          return TRUE;
        }
    }
  return FALSE;
}

/* Places follow the preview's order at once, so the next keyboard edit acts on what a person
 * sees; the library's answer (a refresh) confirms them. */
static void
pd_scan_view_renumber (PdScanView *self,
                       gint64      document_id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->pages));

  for (guint i = 0, k = 0; i < n; i++)
    {
      g_autoptr(PdScanPage) item = g_list_model_get_item (G_LIST_MODEL (self->pages), i);

      if (item->document_id == document_id)
        item->index = k++;
    }
}

/* The preview rebuilds a tile by replacing its item with itself. */
static void
pd_scan_view_page_changed (PdScanView *self,
                           PdScanPage *page)
{
  guint position;

  if (g_list_store_find (self->pages, page, &position))
    {
      GtkFlowBoxChild *child = gtk_flow_box_get_child_at_index (self->page_box, (int) position);
      gboolean was_selected = child != NULL && gtk_flow_box_child_is_selected (child);

      g_list_store_splice (self->pages, position, 1, (gpointer *) &page, 1);
      if (was_selected)
        gtk_flow_box_select_child (self->page_box, gtk_flow_box_get_child_at_index (self->page_box, (int) position));
    }
  pd_scan_view_update_actions (self);
}

/* What a worker reads back for a document: its pages and new thumbnails. */
typedef struct {
  PdLibrary  *library;
  gint64      document_id;
  GHashTable *decoded;     /* display paths already shown: not decoded again */
  GPtrArray  *pages;       /* PdPage */
  GHashTable *thumbnails;  /* page id -> GdkPixbuf */
} RefreshData;

static void
refresh_data_free (RefreshData *data)
{
  g_clear_object (&data->library);
  g_clear_pointer (&data->decoded, g_hash_table_unref);
  g_clear_pointer (&data->pages, g_ptr_array_unref);
  g_clear_pointer (&data->thumbnails, g_hash_table_unref);
  g_free (data);
}

/* What the preview shows: the processed image when there is one it can decode, else the scan. */
static const char *
page_display_path (const PdPage *page)
{
  if (page->image_path != NULL && page->state == PD_PAGE_STATE_RECOGNIZED && page->encoding == 0)
    return page->image_path;
  return page->spool_path;
}

static void
refresh_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  RefreshData *data = task_data;
  GError *error = NULL;

  data->pages = pd_library_list_pages (data->library, data->document_id, &error);
  if (data->pages == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  data->thumbnails = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  for (guint i = 0; i < data->pages->len && !g_cancellable_is_cancelled (cancellable); i++)
    {
      PdPage *page = g_ptr_array_index (data->pages, i);
      const char *path = page_display_path (page);
      GdkPixbuf *pixbuf;

      if (g_hash_table_contains (data->decoded, path))
        continue;
      pixbuf = pd_app_load_image (path, THUMBNAIL_SIZE, THUMBNAIL_SIZE, NULL, NULL, NULL);
      if (pixbuf != NULL)
        g_hash_table_insert (data->thumbnails, g_memdup2 (&page->id, sizeof page->id), pixbuf);
    }
  g_task_return_boolean (task, TRUE);
}

/* What a tile shows of its page, but the thumbnail: a tile is built again only when this (or
 * the thumbnail) changed, since building one costs a few milliseconds of the main loop and a
 * batch is read back after every page. Each tile keeps the key it was built from (a keyboard
 * move renumbers pages before their tiles are built again). */
static char *
dup_tile_key (PdScanPage *page)
{
  return g_strdup_printf ("%u %d %d %d%d%d%d %s %s", page->index, page->state, page->stage,
                          page->is_blank, page->is_blurry, page->is_separator, page->excluded,
                          page->barcodes != NULL ? page->barcodes : "",
                          page->message != NULL ? page->message : "");
}

/* TRUE when the store holds @items, in this order, from @first on: the document's tiles are
 * where they were, so new rows can be added behind them and changed ones rebuilt alone. */
static gboolean
tiles_in_place (GListModel *store,
                guint       first,
                GPtrArray  *items,
                GPtrArray  *fresh)
{
  if (items->len > fresh->len || first + items->len > g_list_model_get_n_items (store))
    return FALSE;
  for (guint k = 0; k < items->len; k++)
    {
      g_autoptr(PdScanPage) shown = g_list_model_get_item (store, first + k);

      if (shown != g_ptr_array_index (items, k) || g_ptr_array_index (fresh, k) != shown)
        return FALSE;
    }
  return TRUE;
}

static void
refresh_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  PdScanView *self = PD_SCAN_VIEW (object);
  RefreshData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gpointer state;
  guint first = G_MAXUINT;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  guint n;
  gint64 selected_id = 0;
  gint64 document_id = data->document_id;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("Could not read the pages back: %s", error->message);
    }
  else
    {
      g_autoptr(PdScanPage) current = pd_scan_view_get_current_page (self);

      if (current != NULL)
        selected_id = current->page_id;

      /* The document's tiles are replaced, in the library's order, where its first one was. */
      n = g_list_model_get_n_items (G_LIST_MODEL (self->pages));
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(PdScanPage) page = g_list_model_get_item (G_LIST_MODEL (self->pages), i);

          if (page->document_id == document_id)
            {
              first = MIN (first, i);
              g_ptr_array_add (items, g_object_ref (page));
            }
        }
      if (first == G_MAXUINT)
        first = n;

      {
        g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);
        g_autoptr(GArray) changed = g_array_new (FALSE, FALSE, sizeof (gboolean));
        guint removed = items->len;

        for (guint i = 0; i < data->pages->len; i++)
          {
            PdPage *row = g_ptr_array_index (data->pages, i);
            PdScanPage *page = NULL;
            GdkPixbuf *pixbuf = g_hash_table_lookup (data->thumbnails, &row->id);
            g_autofree char *old_key = NULL;
            g_autofree char *new_key = NULL;
            gboolean is_changed;

            /* A page still waiting for its undo toast stays hidden. */
            if (pd_scan_view_is_pending_delete (self, row->id))
              continue;
            for (guint k = 0; k < items->len && page == NULL; k++)
              {
                PdScanPage *old = g_ptr_array_index (items, k);

                if (old->page_id == row->id || (old->page_id == 0 && old->index == row->index))
                  page = g_object_ref (old);
              }
            if (page == NULL)
              page = pd_scan_page_new (document_id, row->index);
            else
              old_key = g_strdup (g_object_get_data (G_OBJECT (page), "pd-tile-key"));
            page->page_id = row->id;
            page->index = row->index;
            if (row->state == PD_PAGE_STATE_RECOGNIZED)
              page->state = PD_SCAN_PAGE_DONE;
            else if (row->state == PD_PAGE_STATE_FAILED)
              page->state = PD_SCAN_PAGE_FAILED;
            page->is_blank = row->is_blank;
            page->is_blurry = row->is_blurry;
            page->is_separator = row->is_separator;
            page->excluded = row->excluded;
            g_free (page->barcodes);
            page->barcodes = g_strdup (row->barcodes);
            g_free (page->image_path);
            page->image_path = g_strdup (page_display_path (row));
            page->image_is_processed = page->image_path != NULL &&
                                       g_strcmp0 (page->image_path, row->image_path) == 0;
            /* A crop or a new scan gave the page shown in the viewer a new image. */
            if (page->page_id == self->viewer_page_id && page->image_path != NULL &&
                gtk_widget_get_visible (self->viewer_box) &&
                g_strcmp0 (page->image_path, self->viewer_path) != 0)
              {
                g_free (self->viewer_path);
                self->viewer_path = g_strdup (page->image_path);
                pd_page_viewer_load (self->viewer, self->library, page->page_id, page->image_path);
              }
            if (pixbuf != NULL)
              {
                g_clear_object (&page->thumbnail);
                page->thumbnail = gdk_texture_new_for_pixbuf (pixbuf);
              }
            new_key = dup_tile_key (page);
            is_changed = pixbuf != NULL || g_strcmp0 (old_key, new_key) != 0;
            g_array_append_val (changed, is_changed);
            g_ptr_array_add (fresh, page);
          }
        if (tiles_in_place (G_LIST_MODEL (self->pages), first, items, fresh))
          {
            /* The usual case while scanning: a page was added or one page's state changed.
             * Only those tiles are built again. */
            for (guint k = 0; k < items->len; k++)
              if (g_array_index (changed, gboolean, k))
                g_list_store_splice (self->pages, first + k, 1, &fresh->pdata[k], 1);
            g_list_store_splice (self->pages, first + items->len, 0, fresh->pdata + items->len,
                                 fresh->len - items->len);
          }
        else
          {
            /* Pages went away or changed places: the document's tiles arrive as one batch. */
            for (guint k = 0; k < removed; k++)
              {
                guint position;

                if (g_list_store_find (self->pages, g_ptr_array_index (items, k), &position))
                  g_list_store_remove (self->pages, position);
              }
            g_list_store_splice (self->pages, MIN (first, g_list_model_get_n_items (G_LIST_MODEL (self->pages))),
                                 0, fresh->pdata, fresh->len);
          }
        for (guint i = 0; selected_id > 0 && i < g_list_model_get_n_items (G_LIST_MODEL (self->pages)); i++)
          {
            g_autoptr(PdScanPage) page = g_list_model_get_item (G_LIST_MODEL (self->pages), i);

            if (page->page_id == selected_id)
              gtk_flow_box_select_child (self->page_box, gtk_flow_box_get_child_at_index (self->page_box, (int) i));
          }
      }
    }

  state = g_hash_table_lookup (self->refreshing, &document_id);
  g_hash_table_remove (self->refreshing, &document_id);
  if (GPOINTER_TO_INT (state) == 2)
    pd_scan_view_refresh_document (self, document_id);
  pd_scan_view_update_actions (self);
}

/* Reads the document's pages back (ids, flags, order) and decodes new thumbnails; at most one
 * reading per document at a time, and one more if something changed meanwhile. */
static void
pd_scan_view_refresh_document (PdScanView *self,
                               gint64      document_id)
{
  g_autoptr(GTask) task = NULL;
  RefreshData *data;
  gpointer state;
  guint n;

  if (self->library == NULL)
    return;
  state = g_hash_table_lookup (self->refreshing, &document_id);
  if (state != NULL)
    {
      g_hash_table_insert (self->refreshing, g_memdup2 (&document_id, sizeof document_id), GINT_TO_POINTER (2));
      return;
    }
  g_hash_table_insert (self->refreshing, g_memdup2 (&document_id, sizeof document_id), GINT_TO_POINTER (1));

  data = g_new0 (RefreshData, 1);
  data->library = g_object_ref (self->library);
  data->document_id = document_id;
  data->decoded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->pages));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PdScanPage) page = g_list_model_get_item (G_LIST_MODEL (self->pages), i);

      if (page->thumbnail != NULL && page->image_path != NULL)
        g_hash_table_add (data->decoded, g_strdup (page->image_path));
    }
  task = g_task_new (self, self->cancellable, refresh_cb, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) refresh_data_free);
  pd_task_run_in_thread (task, refresh_thread);
}

/* Tiles --------------------------------------------------------------------------------------- */

static void
tile_action_clicked_cb (GtkButton *button,
                        gpointer   user_data)
{
  GtkWidget *child = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_FLOW_BOX_CHILD);
  GtkWidget *flow_box = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_FLOW_BOX);

  /* The buttons act on their own page: make it the current one first. */
  gtk_flow_box_select_child (GTK_FLOW_BOX (flow_box), GTK_FLOW_BOX_CHILD (child));
  gtk_widget_activate_action (GTK_WIDGET (button), user_data, NULL);
}

static GtkWidget *
tile_button_new (const char *icon_name,
                 const char *tooltip,
                 const char *action)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_focus_on_click (button, FALSE);
  g_signal_connect (button, "clicked", G_CALLBACK (tile_action_clicked_cb), (gpointer) action);
  return button;
}

static GdkContentProvider *
drag_prepare_cb (GtkDragSource *source,
                 double         x,
                 double         y,
                 PdScanPage    *page)
{
  if (page->page_id <= 0 || page->state == PD_SCAN_PAGE_CAPTURED)
    return NULL;
  return gdk_content_provider_new_typed (G_TYPE_INT64, page->page_id);
}

static void pd_scan_view_queue_edit (PdScanView     *self,
                                     PdPageEditKind  kind,
                                     PdScanPage     *page,
                                     int             value);
static PdScanPage *pd_scan_view_find_page_by_id (PdScanView *self,
                                                 gint64      page_id);

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         PdScanPage    *onto)
{
  GtkWidget *widget = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  PdScanView *self = PD_SCAN_VIEW (gtk_widget_get_ancestor (widget, PD_TYPE_SCAN_VIEW));
  gint64 page_id = g_value_get_int64 (value);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->pages));

  /* As the move actions: not while the batch is being scanned or saved. */
  if (self->scanning || self->filing || self->save_requested)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PdScanPage) page = g_list_model_get_item (G_LIST_MODEL (self->pages), i);

      /* Pages move within their own document only. */
      if (page->page_id == page_id && page->document_id == onto->document_id && page != onto)
        {
          pd_scan_view_queue_edit (self, PD_PAGE_EDIT_MOVE, page, (int) onto->index);
          return TRUE;
        }
    }
  return FALSE;
}

static GtkWidget *
create_tile_cb (gpointer item,
                gpointer user_data)
{
  PdScanPage *page = PD_SCAN_PAGE (item);
  g_autofree char *title = g_strdup_printf (_("Page %u"), page->index + 1);
  g_autofree char *state = pd_scan_page_dup_state_label (page);
  g_autofree char *flags = pd_scan_page_dup_flags_label (page);
  g_autofree char *description = NULL;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *picture;
  GtkWidget *label;
  GtkWidget *buttons;
  GtkDragSource *drag;
  GtkDropTarget *drop;

  g_object_set_data_full (G_OBJECT (page), "pd-tile-key", dup_tile_key (page), g_free);
  gtk_widget_add_css_class (box, "card");
  if (page->thumbnail != NULL)
    picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (page->thumbnail));
  else
    picture = gtk_picture_new ();
  gtk_widget_set_size_request (picture, THUMBNAIL_SIZE * 2 / 3, THUMBNAIL_SIZE);
  gtk_widget_set_margin_top (picture, 6);
  if (page->excluded)
    gtk_widget_set_opacity (picture, 0.4);
  gtk_box_append (GTK_BOX (box), picture);

  label = gtk_label_new (title);
  gtk_widget_add_css_class (label, "heading");
  gtk_box_append (GTK_BOX (box), label);
  label = gtk_label_new (state);
  gtk_widget_add_css_class (label, "caption");
  if (page->state == PD_SCAN_PAGE_FAILED)
    gtk_widget_add_css_class (label, "error");
  gtk_widget_set_name (label, "state");
  gtk_box_append (GTK_BOX (box), label);
  if (page->state == PD_SCAN_PAGE_CAPTURED)
    {
      GtkWidget *spinner = gtk_spinner_new ();

      gtk_spinner_set_spinning (GTK_SPINNER (spinner), TRUE);
      gtk_box_append (GTK_BOX (box), spinner);
    }
  label = gtk_label_new (flags);
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_add_css_class (label, "warning");
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 18);
  gtk_widget_set_visible (label, *flags != '\0');
  gtk_box_append (GTK_BOX (box), label);

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_halign (buttons, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (buttons), tile_button_new ("object-rotate-left-symbolic", _("Turn Left"),
                                                      "scan.rotate-left"));
  gtk_box_append (GTK_BOX (buttons), tile_button_new ("object-rotate-right-symbolic", _("Turn Right"),
                                                      "scan.rotate-right"));
  gtk_box_append (GTK_BOX (buttons), tile_button_new (page->is_blank ? "view-reveal-symbolic"
                                                                     : "view-conceal-symbolic",
                                                      page->is_blank ? _("Not Blank: Put Back in the PDF")
                                                                     : _("Blank: Leave Out of the PDF"),
                                                      "scan.toggle-blank"));
  gtk_box_append (GTK_BOX (buttons), tile_button_new ("view-refresh-symbolic", _("Scan This Page Again"),
                                                      "scan.rescan-page"));
  gtk_box_append (GTK_BOX (buttons), tile_button_new ("user-trash-symbolic", _("Delete Page"),
                                                      "scan.delete-page"));
  gtk_box_append (GTK_BOX (box), buttons);

  description = g_strdup_printf ("%s, %s%s%s", title, state, *flags ? ", " : "", flags);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, description, -1);

  drag = gtk_drag_source_new ();
  gtk_drag_source_set_actions (drag, GDK_ACTION_MOVE);
  g_signal_connect_object (drag, "prepare", G_CALLBACK (drag_prepare_cb), page, 0);
  gtk_widget_add_controller (box, GTK_EVENT_CONTROLLER (drag));
  drop = gtk_drop_target_new (G_TYPE_INT64, GDK_ACTION_MOVE);
  g_signal_connect_object (drop, "drop", G_CALLBACK (drop_cb), page, 0);
  gtk_widget_add_controller (box, GTK_EVENT_CONTROLLER (drop));
  return box;
}

/* Pipeline signals ---------------------------------------------------------------------------- */

static void
page_captured_cb (PdPipeline *pipeline,
                  gint64      document_id,
                  guint       index,
                  PdScanView *self)
{
  g_autoptr(PdScanPage) page = pd_scan_page_new (document_id, index);
  g_autofree char *status = g_strdup_printf (_("Page %u scanned"), index + 1);

  g_list_store_append (self->pages, page);
  gtk_label_set_text (self->status_label, status);
  pd_scan_view_refresh_document (self, document_id);
}

static void
page_recognized_cb (PdPipeline *pipeline,
                    gint64      document_id,
                    guint       index,
                    guint       n_words,
                    double      skew,
                    PdScanView *self)
{
  guint position;

  if (find_page (self, document_id, index, &position))
    {
      g_autoptr(PdScanPage) page = g_list_model_get_item (G_LIST_MODEL (self->pages), position);

      page->n_words = n_words;
    }
  /* Flags, the processed image and the state come back with the row. */
  pd_scan_view_refresh_document (self, document_id);
}

static void
page_stage_cb (PdPipeline *pipeline,
               gint64      document_id,
               guint       index,
               guint       stage,
               PdScanView *self)
{
  g_autoptr(PdScanPage) page = NULL;
  guint position;

  if (!find_page (self, document_id, index, &position))
    return;
  page = g_list_model_get_item (G_LIST_MODEL (self->pages), position);
  switch (stage)
    {
    case PD_PAGE_STAGE_ENHANCING:
      page->stage = PD_SCAN_PAGE_ENHANCING;
      break;
    case PD_PAGE_STAGE_READING_TEXT:
      page->stage = PD_SCAN_PAGE_READING_TEXT;
      break;
    case PD_PAGE_STAGE_DONE:
    default:
      /* "Done" comes with the page's row (page-recognized reads it back), together with the
       * flags and the processed image, so the tile never says done without them. */
      return;
    }
  pd_scan_view_page_changed (self, page);
}

static void
page_failed_cb (PdPipeline *pipeline,
                gint64      document_id,
                guint       index,
                const char *message,
                PdScanView *self)
{
  guint position;

  if (find_page (self, document_id, index, &position))
    {
      g_autoptr(PdScanPage) page = g_list_model_get_item (G_LIST_MODEL (self->pages), position);

      page->state = PD_SCAN_PAGE_FAILED;
      g_free (page->message);
      page->message = g_strdup (message);
      pd_scan_view_page_changed (self, page);
    }
}

static void
scan_progress_cb (PdPipeline *pipeline,
                  guint       index,
                  double      fraction,
                  PdScanView *self)
{
  g_autofree char *status = g_strdup_printf (_("Scanning page %u…"), index + 1);

  gtk_label_set_text (self->status_label, status);
  if (fraction < 0)
    gtk_progress_bar_pulse (self->progress_bar);
  else
    gtk_progress_bar_set_fraction (self->progress_bar, fraction);
}

/* Scanning ------------------------------------------------------------------------------------ */

static void
scan_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(PdScanView) self = user_data;
  g_autoptr(GPtrArray) documents = NULL;
  g_autoptr(GError) error = NULL;
  guint n_pages = 0;

  pd_pipeline_scan_finish (PD_PIPELINE (object), result, &documents, &error);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  g_clear_object (&self->scan_cancellable);
  g_clear_pointer (&self->plan, pd_filing_plan_free);
  self->plan = pd_pipeline_dup_plan (PD_PIPELINE (object), result);
  self->plan_empty = FALSE;
  g_clear_pointer (&self->documents, g_ptr_array_unref);
  self->documents = g_steal_pointer (&documents);
  for (guint i = 0; i < self->documents->len; i++)
    {
      PdDocument *document = g_ptr_array_index (self->documents, i);

      n_pages += document->n_pages;
      pd_scan_view_refresh_document (self, document->id);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = g_strdup_printf (ngettext ("Scan stopped; %u page kept",
                                                         "Scan stopped; %u pages kept", n_pages), n_pages);

      gtk_label_set_text (self->status_label, text);
      pd_app_toast (GTK_WIDGET (self->toast_overlay), text, 5);
    }
  else if (error != NULL)
    {
      g_autofree char *message = NULL;

      /* Say what happened, what to do, and that nothing scanned was lost. */
      if (n_pages > 0)
        message = g_strdup_printf (ngettext ("%s The %u page scanned before is kept.",
                                             "%s The %u pages scanned before are kept.", n_pages),
                                   error->message, n_pages);
      else
        message = g_strdup (error->message);
      pd_scan_view_show_problem (self, problem_title_for_error (error), message);
      gtk_label_set_text (self->status_label, "");
    }
  else if (self->plan != NULL)
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%u page scanned; check the document and save it",
                                                         "%u pages scanned; check the documents and save them",
                                                         n_pages), n_pages);

      gtk_label_set_text (self->status_label, text);
      pd_scan_view_present_plan (self);
    }
  else
    {
      g_autofree char *text = NULL;

      if (self->documents->len == 1)
        text = g_strdup_printf (ngettext ("Saved “%s” (%u page)", "Saved “%s” (%u pages)", n_pages),
                                ((PdDocument *) g_ptr_array_index (self->documents, 0))->name, n_pages);
      else
        text = g_strdup_printf (ngettext ("Saved %u document", "Saved %u documents", self->documents->len),
                                self->documents->len);
      gtk_label_set_text (self->status_label, text);
    }

  pd_scan_view_set_state (self, FALSE, self->editing);
  g_signal_emit (self, signals[BATCH_DONE], 0, self->documents->len);
}

/* Saving a batch ------------------------------------------------------------------------------ */

/* The filed documents take the place of the batch: each tile moves to the document its page
 * went to (by the plan's page ranges: Save waits until the plan follows the last edit), so the
 * tiles keep their place and thumbnails, and reading each document back renumbers them. */
static void
pd_scan_view_move_tiles (PdScanView   *self,
                         PdFilingPlan *plan,
                         GPtrArray    *documents)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->pages));

  if (documents->len != plan->segments->len)
    {
      /* A part made of separator sheets only was not made into a document: read all again. */
      g_list_store_remove_all (self->pages);
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PdScanPage) page = g_list_model_get_item (G_LIST_MODEL (self->pages), i);
      guint k = 0;

      if (page->document_id != plan->document_id)
        continue;
      while (k + 1 < plan->segments->len &&
             ((PdFilingSegment *) g_ptr_array_index (plan->segments, k + 1))->first_index <= page->index)
        k++;
      page->document_id = ((PdDocument *) g_ptr_array_index (documents, k))->id;
    }
}

static void
file_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(PdScanView) self = user_data;
  g_autoptr(GPtrArray) documents = NULL;
  g_autoptr(PdFilingPlan) plan = g_steal_pointer (&self->plan);
  g_autoptr(GError) error = NULL;
  guint n_pages = 0;

  pd_pipeline_file_finish (PD_PIPELINE (object), result, &documents, &error);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  self->filing = FALSE;
  if (documents->len > 0)
    {
      g_clear_pointer (&self->documents, g_ptr_array_unref);
      self->documents = g_ptr_array_ref (documents);
      pd_scan_view_move_tiles (self, plan, documents);
    }
  for (guint i = 0; i < documents->len; i++)
    {
      PdDocument *document = g_ptr_array_index (documents, i);

      n_pages += document->n_pages;
      pd_scan_view_refresh_document (self, document->id);
    }

  if (error != NULL)
    {
      pd_scan_view_show_problem (self, problem_title_for_error (error), error->message);
      gtk_label_set_text (self->status_label, "");
    }
  else
    {
      g_autofree char *text = NULL;

      if (documents->len == 1)
        text = g_strdup_printf (ngettext ("Saved “%s” (%u page)", "Saved “%s” (%u pages)", n_pages),
                                ((PdDocument *) g_ptr_array_index (documents, 0))->name, n_pages);
      else
        text = g_strdup_printf (ngettext ("Saved %u document", "Saved %u documents", documents->len),
                                documents->len);
      gtk_label_set_text (self->status_label, text);
    }
  pd_scan_view_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  g_signal_emit (self, signals[BATCH_DONE], 0, self->documents ? self->documents->len : 0);
}

static gboolean
pd_scan_view_edits_pending (PdScanView *self)
{
  return self->editing || !g_queue_is_empty (&self->edits) || self->replanning ||
         self->pending_deletes->len > 0 || self->rescan_page_id != 0;
}

static void
pd_scan_view_save (PdScanView *self)
{
  if (self->plan == NULL || self->filing || self->pipeline == NULL || self->plan_empty)
    return;
  /* What is saved is what the person sees: a deletion still offering Undo is made now, and
   * filing starts once every edit is in the library and the plan is made again. */
  if (pd_scan_view_edits_pending (self))
    {
      gboolean was_busy = pd_scan_view_get_busy (self);

      self->save_requested = TRUE;
      gtk_label_set_text (self->status_label, _("Saving…"));
      pd_scan_view_commit_pending_edits (self);
      pd_scan_view_update_actions (self);
      if (!was_busy)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
      return;
    }
  self->save_requested = FALSE;
  self->filing = TRUE;
  gtk_label_set_text (self->status_label, _("Saving…"));
  pd_scan_view_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  /* Not the view's cancellable: once asked for, the batch is filed even if the window closes.
   * (A Save still waiting for its edits when the window closes is filed by the next start's
   * resume, edits included.) */
  pd_pipeline_file_async (self->pipeline, self->plan, NULL, file_cb, g_object_ref (self));
}

static void
pd_scan_view_save_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  pd_scan_view_save (PD_SCAN_VIEW (widget));
}

static void
plan_response_cb (AdwMessageDialog *dialog,
                  const char       *response,
                  PdScanView       *self)
{
  /* Cancel keeps the batch for review: Save stays on the page. */
  if (g_strcmp0 (response, "save") == 0)
    pd_scan_view_save (self);
}

static char *
dup_segment_subtitle (const PdFilingSegment *segment)
{
  g_autofree char *pages = g_strdup_printf (ngettext ("%u page", "%u pages", segment->n_pages),
                                            segment->n_pages);

  if (segment->barcode == NULL)
    return g_steal_pointer (&pages);
  /* TRANSLATORS: "3 pages · barcode SEP-0001" */
  return g_strdup_printf (_("%s · barcode %s"), pages, segment->barcode);
}

/* Shows what Save will make: each document's name, page count and separator barcode. */
static void
pd_scan_view_present_plan (PdScanView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;
  GtkWidget *list;
  guint n = self->plan->segments->len;
  g_autofree char *heading = NULL;

  if (self->plan_dialog != NULL)
    gtk_window_destroy (self->plan_dialog);
  heading = g_strdup_printf (ngettext ("Save %u Document?", "Save %u Documents?", n), n);
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
                                   _("The profile’s rules make these documents from the batch. "
                                     "Names with a number take it when saved."));
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  for (guint i = 0; i < n; i++)
    {
      const PdFilingSegment *segment = g_ptr_array_index (self->plan->segments, i);
      g_autofree char *subtitle = dup_segment_subtitle (segment);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), segment->name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_list_box_append (GTK_LIST_BOX (list), row);
    }
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Keep Reviewing"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (plan_response_cb), self, 0);
  self->plan_dialog = GTK_WINDOW (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->plan_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* What a scan uses: the picked profile's settings and the scanner picked on the page. */
static void
pd_scan_view_dup_options (PdScanView        *self,
                          PdScanOptions    **scan_out,
                          PdProcessOptions **process_out)
{
  g_autoptr(PdScanOptions) scan_options = pd_scan_options_new ();
  g_autoptr(PdProcessOptions) process = pd_process_options_new ();
  guint selected = adw_combo_row_get_selected (self->device_row);
  const PdProfile *profile = self->profile;

  if (profile != NULL)
    {
      scan_options->device = g_strdup (profile->device);
      scan_options->source = profile->source;
      scan_options->resolution = profile->resolution;
      scan_options->page_width_mm = profile->page_width_mm;
      scan_options->page_height_mm = profile->page_height_mm;
      process->mode = profile->mode;
      process->deskew = profile->deskew;
      process->clean_background = profile->clean_background;
      process->jpeg_quality = profile->jpeg_quality;
      process->downsample_dpi = profile->downsample_dpi;
      process->orientation = profile->orientation;
      process->crop_border = profile->crop_border;
      process->detect_blur = profile->flag_blurry;
      if (profile->langs != NULL)
        {
          g_free (process->langs);
          process->langs = g_strdup (profile->langs);
        }
    }
  /* The scanner picked on the page wins over the profile's, unless the profile's is absent
   * from the list (a profile made on another machine names its own scanner). */
  if (selected < self->device_ids->len &&
      (scan_options->device == NULL ||
       g_ptr_array_find_with_equal_func (self->device_ids, scan_options->device, g_str_equal, NULL)))
    {
      g_free (scan_options->device);
      scan_options->device = g_strdup (g_ptr_array_index (self->device_ids, selected));
    }
  scan_options->mode = process->mode;
  *scan_out = g_steal_pointer (&scan_options);
  *process_out = g_steal_pointer (&process);
}

static void
pd_scan_view_ensure_pipeline (PdScanView *self)
{
  if (self->pipeline == NULL)
    {
      self->pipeline = pd_pipeline_new (self->library, self->scanner);
      /* A person sees the documents and their names before they are made. */
      pd_pipeline_set_review (self->pipeline, TRUE);
      g_signal_connect_object (self->pipeline, "page-captured", G_CALLBACK (page_captured_cb), self, 0);
      g_signal_connect_object (self->pipeline, "page-recognized", G_CALLBACK (page_recognized_cb), self, 0);
      g_signal_connect_object (self->pipeline, "page-failed", G_CALLBACK (page_failed_cb), self, 0);
      g_signal_connect_object (self->pipeline, "page-stage", G_CALLBACK (page_stage_cb), self, 0);
      g_signal_connect_object (self->pipeline, "scan-progress", G_CALLBACK (scan_progress_cb), self, 0);
    }
}

static void
pd_scan_view_start_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  PdScanView *self = PD_SCAN_VIEW (widget);
  g_autoptr(PdScanOptions) scan_options = NULL;
  g_autoptr(PdProcessOptions) process = NULL;

  if (self->scanning || self->library == NULL)
    return;
  pd_scan_view_dup_options (self, &scan_options, &process);
  pd_scan_view_ensure_pipeline (self);
  pd_pipeline_set_profile (self->pipeline, self->profile);

  gtk_revealer_set_reveal_child (self->problem_revealer, FALSE);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), TRUE);
  gtk_label_set_text (self->status_label, _("Starting the scanner…"));
  g_clear_object (&self->scan_cancellable);
  self->scan_cancellable = g_cancellable_new ();
  pd_scan_view_set_state (self, TRUE, self->editing);
  pd_pipeline_scan_async (self->pipeline, scan_options, process, NULL, self->scan_cancellable,
                          scan_cb, g_object_ref (self));
}

static void
pd_scan_view_stop_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  PdScanView *self = PD_SCAN_VIEW (widget);

  if (self->scan_cancellable != NULL)
    g_cancellable_cancel (self->scan_cancellable);
  gtk_label_set_text (self->status_label, _("Stopping after the current page…"));
}

/* Edits --------------------------------------------------------------------------------------- */

static void pd_scan_view_replan (PdScanView *self);

static void
replan_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(PdScanView) self = user_data;
  g_autoptr(PdFilingPlan) plan = NULL;
  g_autoptr(GError) error = NULL;

  plan = pd_pipeline_plan_finish (PD_PIPELINE (object), result, &error);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  self->replanning = FALSE;
  if (self->replan_again)
    {
      /* Made from pages an edit changed since: only the next one counts. */
      pd_scan_view_replan (self);
      return;
    }
  if (plan != NULL)
    {
      g_clear_pointer (&self->plan, pd_filing_plan_free);
      self->plan = g_steal_pointer (&plan);
      self->plan_empty = FALSE;
    }
  else if (g_error_matches (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_NO_DOCS))
    {
      /* Every page is left out: Save waits until one is put back. */
      self->plan_empty = TRUE;
      if (self->save_requested)
        {
          self->save_requested = FALSE;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
        }
      gtk_label_set_text (self->status_label, error->message);
    }
  else
    pd_app_toast (GTK_WIDGET (self->toast_overlay), error->message, 5);
  pd_scan_view_update_actions (self);
  if (self->save_requested && !pd_scan_view_edits_pending (self) && !self->plan_empty)
    pd_scan_view_save (self);
}

/* A batch waiting for Save was edited: what Save will make is planned again. */
static void
pd_scan_view_replan (PdScanView *self)
{
  if (self->plan == NULL || self->pipeline == NULL)
    return;
  if (self->replanning)
    {
      self->replan_again = TRUE;
      return;
    }
  self->replanning = TRUE;
  self->replan_again = FALSE;
  pd_pipeline_plan_async (self->pipeline, self->plan->document_id, self->cancellable, replan_cb,
                          g_object_ref (self));
}

static void
edit_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(PdScanView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree PdPageEdit *edit = g_queue_pop_head (&self->edits);
  g_autoptr(PdPage) page = NULL;

  if (!pd_document_edit_page_finish (PD_LIBRARY (object), result, &error))
    {
      g_debug ("Edit %d of page %" G_GINT64_FORMAT " failed: %s", edit->kind, edit->page_id, error->message);
      pd_app_toast (GTK_WIDGET (self->toast_overlay), error->message, 5);
    }
  else
    g_debug ("Edit %d of page %" G_GINT64_FORMAT " saved", edit->kind, edit->page_id);

  /* Whatever happened, show what the library now holds. */
  {
    guint n = g_list_model_get_n_items (G_LIST_MODEL (self->pages));

    for (guint i = 0; i < n; i++)
      {
        g_autoptr(PdScanPage) item = g_list_model_get_item (G_LIST_MODEL (self->pages), i);

        if (item->page_id == edit->page_id || (self->pending_deletes->len == 0 && edit->kind == PD_PAGE_EDIT_DELETE))
          {
            pd_scan_view_refresh_document (self, item->document_id);
            break;
          }
      }
    if (edit->kind == PD_PAGE_EDIT_DELETE)
      for (guint i = 0; self->documents != NULL && i < self->documents->len; i++)
        pd_scan_view_refresh_document (self, ((PdDocument *) g_ptr_array_index (self->documents, i))->id);
  }
  if (self->viewer_page_id == edit->page_id && edit->kind == PD_PAGE_EDIT_ROTATE)
    gtk_widget_set_visible (self->viewer_box, FALSE);
  /* The new image comes with the refresh above; the crop is done either way. */
  if (edit->kind == PD_PAGE_EDIT_CROP)
    pd_scan_view_set_cropping (self, FALSE);

  pd_scan_view_set_state (self, self->scanning, FALSE);
  pd_scan_view_replan (self);
  pd_scan_view_next_edit (self);
}

static void
pd_scan_view_next_edit (PdScanView *self)
{
  PdPageEdit *edit = g_queue_peek_head (&self->edits);

  if (self->editing || edit == NULL || self->library == NULL)
    return;
  pd_scan_view_set_state (self, self->scanning, TRUE);
  /* Not the view's cancellable: an edit, once started, is saved even if the window closes. */
  pd_document_edit_page_async (self->library, edit, NULL, edit_cb, g_object_ref (self));
}

static void pd_scan_view_commit_deletes (PdScanView *self);

static void
pd_scan_view_queue_edit (PdScanView     *self,
                         PdPageEditKind  kind,
                         PdScanPage     *page,
                         int             value)
{
  PdPageEdit *edit;

  /* A move names places in the batch as shown, where deleted pages are gone already: the
   * library must lose them first. Their Undo goes with the toast. */
  if (kind == PD_PAGE_EDIT_MOVE && self->pending_deletes->len > 0)
    pd_scan_view_commit_deletes (self);
  edit = g_new0 (PdPageEdit, 1);

  edit->kind = kind;
  edit->page_id = page->page_id;
  edit->value = value;
  g_queue_push_tail (&self->edits, edit);

  /* A move shows at once, so pressing the shortcut again moves it further. */
  if (kind == PD_PAGE_EDIT_MOVE)
    {
      guint from, to;

      if (find_page (self, page->document_id, page->index, &from) &&
          find_page (self, page->document_id, (guint) value, &to))
        {
          g_autoptr(PdScanPage) moved = g_object_ref (page);

          g_list_store_remove (self->pages, from);
          g_list_store_insert (self->pages, to, moved);
          pd_scan_view_renumber (self, page->document_id);
          gtk_flow_box_select_child (self->page_box, gtk_flow_box_get_child_at_index (self->page_box, (int) to));
          gtk_widget_grab_focus (GTK_WIDGET (gtk_flow_box_get_child_at_index (self->page_box, (int) to)));
        }
    }
  pd_scan_view_next_edit (self);
}

static void
pd_scan_view_page_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  PdScanView *self = PD_SCAN_VIEW (widget);
  g_autoptr(PdScanPage) page = pd_scan_view_get_current_page (self);

  if (page == NULL || page->page_id <= 0)
    return;
  if (g_str_equal (action_name, "scan.rotate-right"))
    pd_scan_view_queue_edit (self, PD_PAGE_EDIT_ROTATE, page, 1);
  else if (g_str_equal (action_name, "scan.rotate-left"))
    pd_scan_view_queue_edit (self, PD_PAGE_EDIT_ROTATE, page, -1);
  else if (g_str_equal (action_name, "scan.toggle-blank"))
    pd_scan_view_queue_edit (self, PD_PAGE_EDIT_SET_BLANK, page, !page->is_blank);
  else if (g_str_equal (action_name, "scan.move-page-back") && page->index > 0)
    pd_scan_view_queue_edit (self, PD_PAGE_EDIT_MOVE, page, (int) page->index - 1);
  else if (g_str_equal (action_name, "scan.move-page-forward"))
    {
      guint last;

      if (find_page (self, page->document_id, page->index + 1, &last))
        pd_scan_view_queue_edit (self, PD_PAGE_EDIT_MOVE, page, (int) page->index + 1);
    }
}

/* Deleting: the tile goes at once, the library change only when the undo toast has gone. Pages
 * deleted while the toast shows join it ("3 pages deleted") and give it its full time again, and
 * Undo brings them all back, so clearing several blank pages needs neither a wait nor one toast
 * each. The toast itself has no timeout: libadwaita 1.2 cannot restart one. */
#define DELETE_UNDO_SECONDS 5

/* Queues the deletions the toast held, in the order they were made. */
static void
pd_scan_view_commit_deletes (PdScanView *self)
{
  g_autoptr(GPtrArray) deleted = g_steal_pointer (&self->pending_deletes);

  self->pending_deletes = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_delete_free);
  g_clear_handle_id (&self->delete_timer, g_source_remove);
  if (self->delete_toast != NULL)
    adw_toast_dismiss (g_steal_pointer (&self->delete_toast));
  for (guint i = 0; i < deleted->len; i++)
    pd_scan_view_queue_edit (self, PD_PAGE_EDIT_DELETE,
                             ((PendingDelete *) g_ptr_array_index (deleted, i))->page, 0);
  pd_scan_view_update_actions (self);
}

static gboolean
delete_timer_cb (gpointer data)
{
  PdScanView *self = data;

  self->delete_timer = 0;
  pd_scan_view_commit_deletes (self);
  return G_SOURCE_REMOVE;
}

/* Closed by the person before its time. */
static void
delete_toast_dismissed_cb (AdwToast   *toast,
                           PdScanView *self)
{
  if (self->delete_toast != toast)
    return;
  self->delete_toast = NULL;
  pd_scan_view_commit_deletes (self);
}

void
pd_scan_view_commit_pending_edits (PdScanView *self)
{
  g_return_if_fail (PD_IS_SCAN_VIEW (self));

  if (self->pending_deletes->len > 0)
    pd_scan_view_commit_deletes (self);
}

static void
pd_scan_view_delete_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  PdScanView *self = PD_SCAN_VIEW (widget);
  g_autoptr(PdScanPage) page = pd_scan_view_get_current_page (self);
  g_autofree char *title = NULL;
  PendingDelete *pending;
  guint position;
  guint n;

  if (page == NULL || page->page_id <= 0)
    return;
  if (!g_list_store_find (self->pages, page, &position))
    return;
  pending = g_new0 (PendingDelete, 1);
  pending->page = g_object_ref (page);
  pending->position = position;
  g_ptr_array_add (self->pending_deletes, pending);
  g_list_store_remove (self->pages, position);
  pd_scan_view_renumber (self, page->document_id);
  /* The next page takes the place of the one deleted, ready to be deleted too. */
  n = g_list_model_get_n_items (G_LIST_MODEL (self->pages));
  if (n > 0)
    gtk_flow_box_select_child (self->page_box,
                               gtk_flow_box_get_child_at_index (self->page_box,
                                                                (int) MIN (position, n - 1)));

  n = self->pending_deletes->len;
  if (n == 1)
    title = g_strdup_printf (_("Page %u deleted"), page->index + 1);
  else
    title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u page deleted", "%u pages deleted", n),
                             n);
  g_clear_handle_id (&self->delete_timer, g_source_remove);
  self->delete_timer = g_timeout_add_seconds (DELETE_UNDO_SECONDS, delete_timer_cb, self);
  if (self->delete_toast != NULL)
    {
      /* Changed in place: a new toast for each page would replace the shown one, and fast
       * replacements are what libadwaita 1.2's toast animations handle worst. */
      adw_toast_set_title (self->delete_toast, title);
    }
  else
    {
      AdwToast *toast = adw_toast_new (title);

      adw_toast_set_timeout (toast, 0);
      adw_toast_set_button_label (toast, _("_Undo"));
      adw_toast_set_action_name (toast, "scan.undo-delete");
      adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
      g_signal_connect_object (toast, "dismissed", G_CALLBACK (delete_toast_dismissed_cb), self,
                               0);
      self->delete_toast = toast;
      adw_toast_overlay_add_toast (self->toast_overlay, toast);
    }
  pd_scan_view_update_actions (self);
}

static void
pd_scan_view_undo_delete_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *param)
{
  PdScanView *self = PD_SCAN_VIEW (widget);
  g_autoptr(GPtrArray) deleted = NULL;
  guint first = G_MAXUINT;

  if (self->pending_deletes->len == 0)
    return;
  g_clear_handle_id (&self->delete_timer, g_source_remove);
  deleted = g_steal_pointer (&self->pending_deletes);
  self->pending_deletes = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_delete_free);
  /* Last deleted first: each goes back where it was when it went. */
  for (guint i = deleted->len; i-- > 0;)
    {
      PendingDelete *pending = g_ptr_array_index (deleted, i);
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->pages));

      first = MIN (pending->position, n);
      g_list_store_insert (self->pages, first, pending->page);
      pd_scan_view_renumber (self, pending->page->document_id);
    }
  gtk_flow_box_select_child (self->page_box,
                             gtk_flow_box_get_child_at_index (self->page_box, (int) first));
  if (self->delete_toast != NULL)
    {
      AdwToast *toast = g_steal_pointer (&self->delete_toast);

      adw_toast_dismiss (toast);
    }
  pd_scan_view_update_actions (self);
}

/* Viewer -------------------------------------------------------------------------------------- */

static void
page_activated_cb (PdScanView      *self,
                   GtkFlowBoxChild *child)
{
  g_autoptr(PdScanPage) page = g_list_model_get_item (G_LIST_MODEL (self->pages),
                                                      (guint) gtk_flow_box_child_get_index (child));
  g_autofree char *title = NULL;

  if (page == NULL || page->page_id <= 0 || page->image_path == NULL || self->library == NULL)
    return;
  title = g_strdup_printf (_("Page %u"), page->index + 1);
  gtk_label_set_text (self->viewer_title, title);
  if (self->viewer_page_id != page->page_id)
    pd_scan_view_set_cropping (self, FALSE);
  self->viewer_page_id = page->page_id;
  g_free (self->viewer_path);
  self->viewer_path = g_strdup (page->image_path);
  pd_page_viewer_load (self->viewer, self->library, page->page_id, page->image_path);
  gtk_widget_set_visible (self->viewer_box, TRUE);
  pd_scan_view_update_actions (self);
}

static void
pd_scan_view_viewer_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  PdScanView *self = PD_SCAN_VIEW (widget);
  double zoom = pd_page_viewer_get_zoom (self->viewer);

  if (g_str_equal (action_name, "scan.zoom-in"))
    pd_page_viewer_set_zoom (self->viewer, zoom * 1.25);
  else if (g_str_equal (action_name, "scan.zoom-out"))
    pd_page_viewer_set_zoom (self->viewer, zoom / 1.25);
  else if (g_str_equal (action_name, "scan.close-viewer"))
    {
      pd_scan_view_set_cropping (self, FALSE);
      gtk_widget_set_visible (self->viewer_box, FALSE);
      pd_scan_view_update_actions (self);
    }
}

/* Cropping: a drag over the viewer selects what to keep; Apply queues the edit, which runs in
 * pd-document-edit's worker like every other page edit. */

static void
pd_scan_view_set_cropping (PdScanView *self,
                           gboolean    cropping)
{
  pd_page_viewer_set_cropping (self->viewer, cropping);
  gtk_revealer_set_reveal_child (self->crop_revealer, cropping);
  pd_scan_view_update_actions (self);
}

static void
viewer_selection_changed_cb (PdScanView *self)
{
  pd_scan_view_update_actions (self);
}

static void
pd_scan_view_crop_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  PdScanView *self = PD_SCAN_VIEW (widget);
  g_autoptr(PdScanPage) page = pd_scan_view_find_page_by_id (self, self->viewer_page_id);

  if (g_str_equal (action_name, "scan.crop"))
    pd_scan_view_set_cropping (self, TRUE);
  else if (g_str_equal (action_name, "scan.cancel-crop"))
    pd_scan_view_set_cropping (self, FALSE);
  else if (g_str_equal (action_name, "scan.apply-crop") && page != NULL)
    {
      PdPageEdit *edit = g_new0 (PdPageEdit, 1);

      if (!pd_page_viewer_get_selection (self->viewer, &edit->crop))
        {
          g_free (edit);
          return;
        }
      edit->kind = PD_PAGE_EDIT_CROP;
      edit->page_id = page->page_id;
      g_queue_push_tail (&self->edits, edit);
      /* Applied: nothing more to select until the new image is shown. */
      pd_page_viewer_set_cropping (self->viewer, FALSE);
      gtk_revealer_set_reveal_child (self->crop_revealer, FALSE);
      pd_scan_view_next_edit (self);
    }
}

/* Scanning one page again --------------------------------------------------------------------- */

static void
rescan_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(PdScanView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PdScanPage) page = NULL;
  gboolean was_busy = pd_scan_view_get_busy (self);

  if (!pd_pipeline_rescan_page_finish (PD_PIPELINE (object), result, &error))
    {
      if (!g_cancellable_is_cancelled (self->cancellable))
        pd_scan_view_show_problem (self, problem_title_for_error (error), error->message);
    }
  else if (!g_cancellable_is_cancelled (self->cancellable))
    pd_app_toast (GTK_WIDGET (self->toast_overlay), _("Page scanned again"), 5);
  page = self->pages != NULL ? pd_scan_view_find_page_by_id (self, self->rescan_page_id) : NULL;
  self->rescan_page_id = 0;
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (page != NULL)
    {
      page->stage = PD_SCAN_PAGE_WAITING;
      pd_scan_view_refresh_document (self, page->document_id);
    }
  pd_scan_view_replan (self);
  pd_scan_view_update_actions (self);
  if (was_busy != pd_scan_view_get_busy (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
pd_scan_view_rescan_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  PdScanView *self = PD_SCAN_VIEW (widget);
  g_autoptr(PdScanPage) page = pd_scan_view_get_current_page (self);
  g_autoptr(PdScanOptions) scan_options = NULL;
  g_autoptr(PdProcessOptions) process = NULL;
  gboolean was_busy = pd_scan_view_get_busy (self);

  if (page == NULL || page->page_id <= 0 || self->scanning || self->rescan_page_id != 0 ||
      self->library == NULL)
    return;
  pd_scan_view_dup_options (self, &scan_options, &process);
  pd_scan_view_ensure_pipeline (self);
  if (self->viewer_page_id == page->page_id)
    pd_scan_view_set_cropping (self, FALSE);

  self->rescan_page_id = page->page_id;
  gtk_revealer_set_reveal_child (self->problem_revealer, FALSE);
  /* The tile says it is being worked on until the new scan replaces it. */
  page->state = PD_SCAN_PAGE_CAPTURED;
  page->stage = PD_SCAN_PAGE_ENHANCING;
  pd_scan_view_page_changed (self, page);
  if (was_busy != pd_scan_view_get_busy (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  /* Not the view's cancellable either: a page scanned is put in place even if the window goes. */
  pd_pipeline_rescan_page_async (self->pipeline, scan_options, process, page->page_id, NULL,
                                 rescan_cb, g_object_ref (self));
}

/* Object -------------------------------------------------------------------------------------- */

static void
selected_children_changed_cb (PdScanView *self)
{
  pd_scan_view_update_actions (self);
}

static void
profiles_changed_cb (PdScanView *self)
{
  pd_scan_view_load_profiles (self);
}

static void
pd_scan_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  PdScanView *self = PD_SCAN_VIEW (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, pd_scan_view_get_busy (self));
      break;
    case PROP_SHOW_WORDS:
      g_value_set_boolean (value, self->show_words);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_scan_view_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  PdScanView *self = PD_SCAN_VIEW (object);

  switch (prop_id)
    {
    case PROP_SHOW_WORDS:
      if (self->show_words != g_value_get_boolean (value))
        {
          self->show_words = g_value_get_boolean (value);
          pd_page_viewer_set_show_words (self->viewer, self->show_words);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_scan_view_dispose (GObject *object)
{
  PdScanView *self = PD_SCAN_VIEW (object);

  /* Deletions waiting for their toast are what the person asked for: save them. */
  for (guint i = 0; self->library != NULL && i < self->pending_deletes->len; i++)
    {
      PendingDelete *pending = g_ptr_array_index (self->pending_deletes, i);
      PdPageEdit edit = { PD_PAGE_EDIT_DELETE, pending->page->page_id, 0 };

      pd_document_edit_page_async (self->library, &edit, NULL, NULL, NULL);
    }
  /* Saved now: the toast, dismissed when the overlay goes, must not save them again. */
  g_ptr_array_set_size (self->pending_deletes, 0);
  self->delete_toast = NULL;
  g_clear_handle_id (&self->delete_timer, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  if (self->scan_cancellable != NULL)
    g_cancellable_cancel (self->scan_cancellable);
  g_clear_handle_id (&self->device_timer, g_source_remove);
  if (self->plan_dialog != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->plan_dialog), (gpointer *) &self->plan_dialog);
      gtk_window_destroy (g_steal_pointer (&self->plan_dialog));
    }
  /* A batch not saved stays in the library, PROCESSING; the next start's resume files it. */
  g_clear_pointer (&self->plan, pd_filing_plan_free);
  if (self->library != NULL)
    g_signal_handlers_disconnect_by_data (self->library, self);

  /* The template's root is the bin's child: AdwBin's own dispose lets it go. */

  g_clear_object (&self->pipeline);
  g_clear_object (&self->scanner);
  g_clear_object (&self->library);
  g_clear_object (&self->pages);
  g_clear_object (&self->device_labels);
  g_clear_pointer (&self->device_ids, g_ptr_array_unref);
  g_clear_pointer (&self->profiles, g_ptr_array_unref);
  g_clear_pointer (&self->profile, pd_profile_free);
  g_clear_pointer (&self->documents, g_ptr_array_unref);
  g_clear_pointer (&self->refreshing, g_hash_table_unref);
  g_clear_pointer (&self->viewer_path, g_free);
  g_queue_clear_full (&self->edits, g_free);

  G_OBJECT_CLASS (pd_scan_view_parent_class)->dispose (object);
}

static void
pd_scan_view_finalize (GObject *object)
{
  PdScanView *self = PD_SCAN_VIEW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->scan_cancellable);
  g_clear_pointer (&self->pending_deletes, g_ptr_array_unref);
  G_OBJECT_CLASS (pd_scan_view_parent_class)->finalize (object);
}

static void
pd_scan_view_class_init (PdScanViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pd_scan_view_dispose;
  object_class->finalize = pd_scan_view_finalize;
  object_class->get_property = pd_scan_view_get_property;
  object_class->set_property = pd_scan_view_set_property;
  widget_class->map = pd_scan_view_map;
  widget_class->unmap = pd_scan_view_unmap;

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SHOW_WORDS] =
    g_param_spec_boolean ("show-words", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PdScanView::batch-done:
   * @n_documents: how many documents the batch became (see pd_scan_view_get_documents())
   *
   * Emitted when a batch has been scanned and processed, or stopped; for a batch that waits
   * for Save, again once it is saved.
   */
  signals[BATCH_DONE] =
    g_signal_new ("batch-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);

  g_type_ensure (PD_TYPE_PAGE_VIEWER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/paperdock/Paperdock/scan/pd-scan-view.ui");
  gtk_widget_class_bind_template_child (widget_class, PdScanView, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PdScanView, problem_revealer);
  gtk_widget_class_bind_template_child (widget_class, PdScanView, problem_title);
  gtk_widget_class_bind_template_child (widget_class, PdScanView, problem_label);
  gtk_widget_class_bind_template_child (widget_class, PdScanView, profile_box);
  gtk_widget_class_bind_template_child (widget_class, PdScanView, profile_hint);
  gtk_widget_class_bind_template_child (widget_class, PdScanView, device_row);
  gtk_widget_class_bind_template_child (widget_class, PdScanView, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, PdScanView, status_label);
  gtk_widget_class_bind_template_child (widget_class, PdScanView, page_box);
  gtk_widget_class_bind_template_child (widget_class, PdScanView, viewer_box);
  gtk_widget_class_bind_template_child (widget_class, PdScanView, viewer_title);
  gtk_widget_class_bind_template_child (widget_class, PdScanView, viewer);
  gtk_widget_class_bind_template_child (widget_class, PdScanView, crop_revealer);
  gtk_widget_class_bind_template_callback (widget_class, problem_close_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, page_activated_cb);

  gtk_widget_class_install_action (widget_class, "scan.start", NULL, pd_scan_view_start_action);
  gtk_widget_class_install_action (widget_class, "scan.stop", NULL, pd_scan_view_stop_action);
  gtk_widget_class_install_action (widget_class, "scan.save", NULL, pd_scan_view_save_action);
  gtk_widget_class_install_action (widget_class, "scan.rotate-right", NULL, pd_scan_view_page_action);
  gtk_widget_class_install_action (widget_class, "scan.rotate-left", NULL, pd_scan_view_page_action);
  gtk_widget_class_install_action (widget_class, "scan.toggle-blank", NULL, pd_scan_view_page_action);
  gtk_widget_class_install_action (widget_class, "scan.move-page-back", NULL, pd_scan_view_page_action);
  gtk_widget_class_install_action (widget_class, "scan.move-page-forward", NULL, pd_scan_view_page_action);
  gtk_widget_class_install_action (widget_class, "scan.delete-page", NULL, pd_scan_view_delete_action);
  gtk_widget_class_install_action (widget_class, "scan.undo-delete", NULL, pd_scan_view_undo_delete_action);
  gtk_widget_class_install_action (widget_class, "scan.zoom-in", NULL, pd_scan_view_viewer_action);
  gtk_widget_class_install_action (widget_class, "scan.zoom-out", NULL, pd_scan_view_viewer_action);
  gtk_widget_class_install_action (widget_class, "scan.close-viewer", NULL, pd_scan_view_viewer_action);
  gtk_widget_class_install_property_action (widget_class, "scan.show-words", "show-words");
  gtk_widget_class_install_action (widget_class, "scan.crop", NULL, pd_scan_view_crop_action);
  gtk_widget_class_install_action (widget_class, "scan.apply-crop", NULL, pd_scan_view_crop_action);
  gtk_widget_class_install_action (widget_class, "scan.cancel-crop", NULL, pd_scan_view_crop_action);
  gtk_widget_class_install_action (widget_class, "scan.rescan-page", NULL, pd_scan_view_rescan_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "scan.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "scan.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "scan.stop", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "scan.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "scan.rotate-right", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_R, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "scan.rotate-left", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "scan.delete-page", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "scan.undo-delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_b, GDK_CONTROL_MASK, "scan.toggle-blank", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK, "scan.move-page-back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "scan.move-page-back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Down, GDK_ALT_MASK, "scan.move-page-forward", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, GDK_ALT_MASK, "scan.move-page-forward", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "scan.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, "scan.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "scan.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t, GDK_CONTROL_MASK, "scan.show-words", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_X, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "scan.crop", NULL);
  /* Ctrl+Return scans; with Shift it scans the selected page again. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "scan.rescan-page", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "scan.rescan-page", NULL);
}

static void
pd_scan_view_init (PdScanView *self)
{
  self->cancellable = g_cancellable_new ();
  self->scanner = pd_scanner_new ();
  self->pages = g_list_store_new (PD_TYPE_SCAN_PAGE);
  self->device_labels = gtk_string_list_new (NULL);
  self->device_ids = g_ptr_array_new_with_free_func (g_free);
  self->refreshing = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_queue_init (&self->edits);
  self->pending_deletes = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_delete_free);

  gtk_widget_init_template (GTK_WIDGET (self));

  adw_combo_row_set_model (self->device_row, G_LIST_MODEL (self->device_labels));
  g_signal_connect_object (self->device_row, "notify::selected",
                           G_CALLBACK (pd_scan_view_update_actions), self, G_CONNECT_SWAPPED);
  gtk_flow_box_bind_model (self->page_box, G_LIST_MODEL (self->pages), create_tile_cb, NULL, NULL);
  g_signal_connect_object (self->page_box, "selected-children-changed",
                           G_CALLBACK (selected_children_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->viewer, "selection-changed",
                           G_CALLBACK (viewer_selection_changed_cb), self, G_CONNECT_SWAPPED);
  pd_scan_view_update_actions (self);
}

GtkWidget *
pd_scan_view_new (void)
{
  return g_object_new (PD_TYPE_SCAN_VIEW, NULL);
}

void
pd_scan_view_set_library (PdScanView *self,
                          PdLibrary  *library)
{
  g_return_if_fail (PD_IS_SCAN_VIEW (self));
  g_return_if_fail (library == NULL || PD_IS_LIBRARY (library));

  if (self->library == library)
    return;
  if (self->library != NULL)
    g_signal_handlers_disconnect_by_data (self->library, self);
  g_set_object (&self->library, library);
  g_clear_object (&self->pipeline);
  if (library != NULL)
    {
      g_signal_connect_object (library, "profiles-changed", G_CALLBACK (profiles_changed_cb),
                               self, G_CONNECT_SWAPPED);
      pd_scan_view_load_profiles (self);
    }
  pd_scan_view_update_actions (self);
}

GListModel *
pd_scan_view_get_pages (PdScanView *self)
{
  g_return_val_if_fail (PD_IS_SCAN_VIEW (self), NULL);
  return G_LIST_MODEL (self->pages);
}

GPtrArray *
pd_scan_view_get_documents (PdScanView *self)
{
  g_return_val_if_fail (PD_IS_SCAN_VIEW (self), NULL);

  if (self->documents == NULL)
    self->documents = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_document_free);
  return self->documents;
}
