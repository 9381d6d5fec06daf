/* pd-preferences-window.c: the preferences (see pd-preferences-window.h). Settings the CLI
 * shares (grace period, default profile, profile required) live in the library's settings
 * table, so both behave the same; only what is about this desktop (background syncing) is in
 * GSettings. Every library call runs as a job on a worker thread. The pages are built in code
 * because most of their rows come from the library (profiles, accounts). */
#define G_LOG_DOMAIN "pd-app"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "pd-app-job.h"
#include "pd-app-toast.h"
#include "pd-cloud-sign-in.h"
#include "pd-library-sync.h"
#include "pd-naming.h"
#include "pd-preferences-window.h"
#include "pd-profile.h"
#include "pd-secret.h"
#include "pd-sync-engine.h"

#define SAVE_DELAY_MS    500
#define PREVIEW_DELAY_MS 200
#define DEFAULT_GRACE_HOURS 24

struct _PdPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* Owned */
  PdLibrary            *library;
  GCancellable         *cancellable;
  GCancellable         *preview_cancellable;
  GSettings            *settings;
  GPtrArray            *profiles;          /* PdProfile, as last listed */
  GtkStringList        *profile_names;     /* for the profile picker */
  GtkStringList        *default_names;     /* "None" + profile names */
  char                 *editing;           /* name of the profile in the editor, NULL: new */
  guint                 grace_save_id;
  guint                 preview_id;

  /* General page */
  GtkSpinButton        *grace_spin;
  GtkSwitch            *background_switch;
  AdwComboRow          *default_row;
  GtkSwitch            *required_switch;

  /* Profiles page */
  AdwComboRow          *profile_row;
  GtkEditable          *name_entry;
  GtkEditable          *device_entry;
  AdwComboRow          *source_row;
  GtkSpinButton        *resolution_spin;
  AdwComboRow          *mode_row;
  GtkEditable          *page_size_entry;
  GtkSwitch            *deskew_switch;
  GtkSwitch            *orientation_switch;
  GtkSwitch            *crop_switch;
  GtkSwitch            *background_clean_switch;
  AdwComboRow          *blank_row;
  GtkSwitch            *blurry_switch;
  GtkEditable          *langs_entry;
  AdwComboRow          *separation_row;
  GtkEditable          *pattern_entry;
  GtkEditable          *template_entry;
  AdwActionRow         *preview_row;
  GtkEditable          *destination_entry;
  GtkSpinButton        *quality_spin;
  GtkSpinButton        *downsample_spin;
  GtkSwitch            *pdfa_switch;
  GtkSwitch            *encrypt_switch;

  /* Accounts page */
  AdwPreferencesGroup  *accounts_group;
  GPtrArray            *account_rows;      /* rows currently in accounts_group */
  GtkEditable          *webdav_name;
  GtkEditable          *webdav_url;
  GtkEditable          *webdav_user;
  GtkEditable          *webdav_password;
  GtkEditable          *folder_name;
  AdwActionRow         *folder_row;
  char                 *folder_path;
  GtkEditable          *onedrive_name;
  GtkEditable          *onedrive_client_id;
  GtkEditable          *onedrive_drive_id;
  GtkEditable          *gdrive_name;
  GtkEditable          *gdrive_client_id;
  GtkEditable          *gdrive_client_secret;

  guint                 loading : 1;       /* widgets are being filled in: do not save */
};

G_DEFINE_FINAL_TYPE (PdPreferencesWindow, pd_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void pd_preferences_window_load_general  (PdPreferencesWindow *self);
static void pd_preferences_window_load_profiles (PdPreferencesWindow *self);
static void pd_preferences_window_load_accounts (PdPreferencesWindow *self);

static void
pd_preferences_window_toast (PdPreferencesWindow *self,
                             const char          *text)
{
  pd_app_toast (GTK_WIDGET (self), text, 5);
}

/* Row helpers */

static GtkWidget *
add_row (AdwPreferencesGroup *group,
         GtkWidget           *row)
{
  adw_preferences_group_add (group, row);
  return row;
}

static GtkSwitch *
add_switch_row (AdwPreferencesGroup *group,
                const char          *title,
                const char          *subtitle)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();

  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  gtk_accessible_update_property (GTK_ACCESSIBLE (toggle),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
  add_row (group, row);
  return GTK_SWITCH (toggle);
}

static GtkSpinButton *
add_spin_row (AdwPreferencesGroup *group,
              const char          *title,
              const char          *subtitle,
              double               min,
              double               max,
              double               step)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (min, max, step);

  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
  add_row (group, row);
  return GTK_SPIN_BUTTON (spin);
}

static GtkEditable *
add_entry_row (AdwPreferencesGroup *group,
               const char          *title)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  add_row (group, row);
  return GTK_EDITABLE (row);
}

static AdwComboRow *
add_combo_row (AdwPreferencesGroup *group,
               const char          *title,
               const char * const  *choices)
{
  GtkWidget *row = adw_combo_row_new ();
  g_autoptr(GtkStringList) model = gtk_string_list_new (choices);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  add_row (group, row);
  return ADW_COMBO_ROW (row);
}

static AdwPreferencesGroup *
add_group (AdwPreferencesPage *page,
           const char         *title,
           const char         *description)
{
  GtkWidget *group = adw_preferences_group_new ();

  if (title != NULL)
    adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (description != NULL)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  adw_preferences_page_add (page, ADW_PREFERENCES_GROUP (group));
  return ADW_PREFERENCES_GROUP (group);
}

static GtkWidget *
make_icon_button (const char *icon_name,
                  const char *tooltip)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip,
                                  -1);
  return button;
}

/* Setting jobs */

typedef struct {
  char     *key;
  char     *value;
  gboolean  required;   /* for the profile-required job */
} SettingJob;

static void
setting_job_free (SettingJob *job)
{
  g_free (job->key);
  g_free (job->value);
  g_free (job);
}

static SettingJob *
setting_job_new (const char *key,
                 const char *value)
{
  SettingJob *job = g_new0 (SettingJob, 1);

  job->key = g_strdup (key);
  job->value = g_strdup (value);
  return job;
}

static gboolean
set_setting_job (PdLibrary       *library,
                 gpointer         data,
                 gpointer        *result,
                 GDestroyNotify  *result_free,
                 GCancellable    *cancellable,
                 GError         **error)
{
  SettingJob *job = data;

  if (job->key == NULL)
    return pd_library_set_profile_required (library, job->required, error);
  return pd_library_set_setting (library, job->key, job->value, error);
}

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(PdPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!pd_app_job_finish (result, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    pd_preferences_window_toast (self, error->message);
}

static void
pd_preferences_window_save_setting (PdPreferencesWindow *self,
                                    SettingJob          *job)
{
  pd_app_job_run (self->library, set_setting_job, job, (GDestroyNotify) setting_job_free,
                  self->cancellable, saved_cb, g_object_ref (self));
}

/* General page */

typedef struct {
  char      *grace;
  char      *default_profile;
  gboolean   required;
  GPtrArray *profiles;
} General;

static void
general_free (General *general)
{
  g_free (general->grace);
  g_free (general->default_profile);
  g_clear_pointer (&general->profiles, g_ptr_array_unref);
  g_free (general);
}

static gboolean
load_general_job (PdLibrary       *library,
                  gpointer         data,
                  gpointer        *result,
                  GDestroyNotify  *result_free,
                  GCancellable    *cancellable,
                  GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  General *general = g_new0 (General, 1);

  if (!pd_library_get_setting (library, PD_SETTING_EVICT_GRACE_HOURS, &general->grace, error) ||
      !pd_library_get_setting (library, PD_SETTING_DEFAULT_PROFILE, &general->default_profile,
                               error) ||
      (general->profiles = pd_library_list_profiles (library, error)) == NULL)
    {
      general_free (general);
      return FALSE;
    }
  general->required = pd_library_get_profile_required (library, &local_error);
  if (local_error != NULL)
    {
      general_free (general);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  *result = general;
  *result_free = (GDestroyNotify) general_free;
  return TRUE;
}

static void
load_general_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(PdPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  General *general = NULL;
  guint selected = 0;
  double grace = DEFAULT_GRACE_HOURS;

  if (!pd_app_job_finish (result, (gpointer *) &general, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pd_preferences_window_toast (self, error->message);
      return;
    }

  self->loading = TRUE;
  if (general->grace != NULL)
    grace = g_ascii_strtod (general->grace, NULL);
  /* A change the person just made, not yet saved, wins over what the library held. */
  if (self->grace_save_id == 0)
    gtk_spin_button_set_value (self->grace_spin, grace);
  gtk_switch_set_active (self->required_switch, general->required);

  gtk_string_list_splice (self->default_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->default_names)), NULL);
  gtk_string_list_append (self->default_names, _("None"));
  for (guint i = 0; i < general->profiles->len; i++)
    {
      const PdProfile *profile = general->profiles->pdata[i];

      gtk_string_list_append (self->default_names, profile->name);
      if (general->default_profile != NULL &&
          g_utf8_collate (general->default_profile, profile->name) == 0)
        selected = i + 1;
    }
  adw_combo_row_set_selected (self->default_row, selected);
  self->loading = FALSE;
  general_free (general);

  /* Editable only once they show what the library holds, so nothing typed is overwritten. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->grace_spin), TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->default_row), TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->required_switch), TRUE);
}

static void
pd_preferences_window_load_general (PdPreferencesWindow *self)
{
  pd_app_job_run (self->library, load_general_job, NULL, NULL, self->cancellable,
                  load_general_cb, g_object_ref (self));
}

static gboolean
save_grace_cb (gpointer data)
{
  PdPreferencesWindow *self = data;
  g_autofree char *value = NULL;

  self->grace_save_id = 0;
  value = g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (self->grace_spin));
  g_debug ("Keeping synced documents locally for %s hours", value);
  pd_preferences_window_save_setting (self, setting_job_new (PD_SETTING_EVICT_GRACE_HOURS,
                                                             value));
  return G_SOURCE_REMOVE;
}

static void
grace_changed_cb (PdPreferencesWindow *self)
{
  if (self->loading)
    return;
  /* Each save is a journaled transaction: one per pause in clicking, not one per click. */
  g_clear_handle_id (&self->grace_save_id, g_source_remove);
  self->grace_save_id = g_timeout_add (SAVE_DELAY_MS, save_grace_cb, self);
}

static void
required_changed_cb (PdPreferencesWindow *self)
{
  SettingJob *job;

  if (self->loading)
    return;
  job = setting_job_new (NULL, NULL);
  job->required = gtk_switch_get_active (self->required_switch);
  pd_preferences_window_save_setting (self, job);
}

static void
default_changed_cb (PdPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->default_row);
  const char *name = NULL;

  if (self->loading || selected == GTK_INVALID_LIST_POSITION)
    return;
  if (selected > 0)
    name = gtk_string_list_get_string (self->default_names, selected);
  pd_preferences_window_save_setting (self, setting_job_new (PD_SETTING_DEFAULT_PROFILE, name));
}

static GtkWidget *
pd_preferences_window_build_general (PdPreferencesWindow *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  AdwPreferencesGroup *group;
  GtkWidget *row;
  g_autoptr(GSettingsSchema) schema = NULL;

  adw_preferences_page_set_name (ADW_PREFERENCES_PAGE (page), "general");
  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (page), _("General"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (page), "preferences-system-symbolic");

  group = add_group (ADW_PREFERENCES_PAGE (page), _("Syncing"), NULL);
  self->grace_spin = add_spin_row (group, _("Keep Local Copies For (Hours)"),
                                   _("After a document is synced, its pages and PDF stay on this "
                                     "computer this long. Its text and details always stay, and "
                                     "it is downloaded again when opened."),
                                   0, 24 * 365, 1);
  gtk_spin_button_set_value (self->grace_spin, DEFAULT_GRACE_HOURS);
  gtk_widget_set_sensitive (GTK_WIDGET (self->grace_spin), FALSE);
  g_signal_connect_object (self->grace_spin, "value-changed",
                           G_CALLBACK (grace_changed_cb), self, G_CONNECT_SWAPPED);

  self->background_switch = add_switch_row (group, _("Keep Syncing in the Background"),
                                            _("Documents still waiting are sent after the window "
                                              "is closed."));
  g_object_get (self->settings, "settings-schema", &schema, NULL);
  if (schema != NULL && g_settings_schema_has_key (schema, "background-sync"))
    g_settings_bind (self->settings, "background-sync", self->background_switch, "active",
                     G_SETTINGS_BIND_DEFAULT);
  else
    {
      /* An older installed schema: syncing in the background is what happens then. */
      gtk_switch_set_active (self->background_switch, TRUE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->background_switch), FALSE);
    }

  group = add_group (ADW_PREFERENCES_PAGE (page), _("Scanning"), NULL);
  self->default_names = gtk_string_list_new (NULL);
  row = adw_combo_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Default Profile"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Selected when the Scan page opens"));
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (self->default_names));
  self->default_row = ADW_COMBO_ROW (add_row (group, row));
  g_signal_connect_object (row, "notify::selected",
                           G_CALLBACK (default_changed_cb), self, G_CONNECT_SWAPPED);

  self->required_switch = add_switch_row (group, _("Profile Required"),
                                          _("Scanning stays disabled until a profile is "
                                            "picked"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->default_row), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->required_switch), FALSE);
  g_signal_connect_object (self->required_switch, "notify::active",
                           G_CALLBACK (required_changed_cb), self, G_CONNECT_SWAPPED);

  return page;
}

/* Profiles page */

static void
set_entry (GtkEditable *entry,
           const char  *text)
{
  gtk_editable_set_text (entry, text != NULL ? text : "");
}

/* NULL for an empty entry: "not set" rather than an empty value. */
static char *
dup_entry (GtkEditable *entry)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  return text[0] != '\0' ? g_steal_pointer (&text) : NULL;
}

static void
pd_preferences_window_show_profile (PdPreferencesWindow *self,
                                    const PdProfile     *profile)
{
  g_autofree char *page_size = pd_profile_dup_page_size (profile);

  self->loading = TRUE;
  set_entry (self->name_entry, profile->name);
  set_entry (self->device_entry, profile->device);
  adw_combo_row_set_selected (self->source_row, profile->source);
  gtk_spin_button_set_value (self->resolution_spin, profile->resolution);
  adw_combo_row_set_selected (self->mode_row, profile->mode);
  set_entry (self->page_size_entry, page_size);
  gtk_switch_set_active (self->deskew_switch, profile->deskew);
  gtk_switch_set_active (self->orientation_switch, profile->orientation);
  gtk_switch_set_active (self->crop_switch, profile->crop_border);
  gtk_switch_set_active (self->background_clean_switch, profile->clean_background);
  adw_combo_row_set_selected (self->blank_row, profile->blank);
  gtk_switch_set_active (self->blurry_switch, profile->flag_blurry);
  set_entry (self->langs_entry, profile->langs);
  adw_combo_row_set_selected (self->separation_row, profile->separation);
  set_entry (self->pattern_entry, profile->separator_pattern);
  set_entry (self->template_entry, profile->name_template);
  set_entry (self->destination_entry, profile->destination);
  gtk_spin_button_set_value (self->quality_spin, profile->jpeg_quality);
  gtk_spin_button_set_value (self->downsample_spin, profile->downsample_dpi);
  gtk_switch_set_active (self->pdfa_switch, profile->pdfa);
  gtk_switch_set_active (self->encrypt_switch, profile->encrypt);
  self->loading = FALSE;
}

/* The profile as the editor shows it; NULL with @error when a field cannot work. */
static PdProfile *
pd_preferences_window_dup_profile (PdPreferencesWindow  *self,
                                   GError              **error)
{
  g_autofree char *name = dup_entry (self->name_entry);
  g_autofree char *page_size = dup_entry (self->page_size_entry);
  g_autoptr(PdProfile) profile = NULL;

  if (name == NULL)
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   _("Give the profile a name."));
      return NULL;
    }
  profile = pd_profile_new (name);
  profile->device = dup_entry (self->device_entry);
  profile->source = adw_combo_row_get_selected (self->source_row);
  profile->resolution = gtk_spin_button_get_value_as_int (self->resolution_spin);
  profile->mode = adw_combo_row_get_selected (self->mode_row);
  if (!pd_profile_set_page_size (profile, page_size != NULL ? page_size : "auto", error))
    return NULL;
  profile->deskew = gtk_switch_get_active (self->deskew_switch);
  profile->orientation = gtk_switch_get_active (self->orientation_switch);
  profile->crop_border = gtk_switch_get_active (self->crop_switch);
  profile->clean_background = gtk_switch_get_active (self->background_clean_switch);
  profile->blank = adw_combo_row_get_selected (self->blank_row);
  profile->flag_blurry = gtk_switch_get_active (self->blurry_switch);
  g_free (profile->langs);
  profile->langs = dup_entry (self->langs_entry);
  profile->separation = adw_combo_row_get_selected (self->separation_row);
  g_free (profile->separator_pattern);
  profile->separator_pattern = dup_entry (self->pattern_entry);
  g_free (profile->name_template);
  profile->name_template = dup_entry (self->template_entry);
  g_free (profile->destination);
  profile->destination = dup_entry (self->destination_entry);
  profile->jpeg_quality = gtk_spin_button_get_value_as_int (self->quality_spin);
  profile->downsample_dpi = gtk_spin_button_get_value_as_int (self->downsample_spin);
  profile->pdfa = gtk_switch_get_active (self->pdfa_switch);
  profile->encrypt = gtk_switch_get_active (self->encrypt_switch);

  if (!pd_profile_validate (profile, error))
    return NULL;
  return g_steal_pointer (&profile);
}

/* Preview of the next name */

typedef struct {
  char *name_template;
  char *profile;
} Preview;

static void
preview_free (Preview *preview)
{
  g_free (preview->name_template);
  g_free (preview->profile);
  g_free (preview);
}

static gboolean
preview_job (PdLibrary       *library,
             gpointer         data,
             gpointer        *result,
             GDestroyNotify  *result_free,
             GCancellable    *cancellable,
             GError         **error)
{
  Preview *preview = data;
  PdNamingContext ctx = { 0 };
  char *name;

  ctx.profile = preview->profile;
  ctx.pages = 1;
  name = pd_naming_preview_name (library, preview->name_template, &ctx, error);
  if (name == NULL)
    return FALSE;
  *result = name;
  *result_free = g_free;
  return TRUE;
}

static void
preview_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(PdPreferencesWindow) self = user_data;
  g_autofree char *name = NULL;
  g_autoptr(GError) error = NULL;

  if (!pd_app_job_finish (result, (gpointer *) &name, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      adw_action_row_set_subtitle (self->preview_row, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->preview_row), "error");
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->preview_row), "error");
  adw_action_row_set_subtitle (self->preview_row, name);
}

static gboolean
preview_timeout_cb (gpointer data)
{
  PdPreferencesWindow *self = data;
  g_autofree char *name_template = dup_entry (self->template_entry);
  Preview *preview;

  self->preview_id = 0;
  g_cancellable_cancel (self->preview_cancellable);
  g_clear_object (&self->preview_cancellable);

  if (name_template == NULL)
    {
      adw_action_row_set_subtitle (self->preview_row,
                                   _("No naming template: documents are named by date and time"));
      return G_SOURCE_REMOVE;
    }

  preview = g_new0 (Preview, 1);
  preview->name_template = g_steal_pointer (&name_template);
  preview->profile = dup_entry (self->name_entry);
  self->preview_cancellable = g_cancellable_new ();
  pd_app_job_run (self->library, preview_job, preview, (GDestroyNotify) preview_free,
                  self->preview_cancellable, preview_cb, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static void
template_changed_cb (PdPreferencesWindow *self)
{
  g_clear_handle_id (&self->preview_id, g_source_remove);
  self->preview_id = g_timeout_add (PREVIEW_DELAY_MS, preview_timeout_cb, self);
}

/* Listing, picking, saving, deleting */

static gboolean
list_profiles_job (PdLibrary       *library,
                   gpointer         data,
                   gpointer        *result,
                   GDestroyNotify  *result_free,
                   GCancellable    *cancellable,
                   GError         **error)
{
  GPtrArray *profiles = pd_library_list_profiles (library, error);

  if (profiles == NULL)
    return FALSE;
  *result = profiles;
  *result_free = (GDestroyNotify) g_ptr_array_unref;
  return TRUE;
}

static void
pd_preferences_window_edit (PdPreferencesWindow *self,
                            const PdProfile     *profile)
{
  g_autoptr(PdProfile) fresh = NULL;

  if (profile == NULL)
    {
      /* Translators: the name a new profile starts with */
      fresh = pd_profile_new (_("New Profile"));
      profile = fresh;
      g_clear_pointer (&self->editing, g_free);
    }
  else
    {
      g_free (self->editing);
      self->editing = g_strdup (profile->name);
    }
  pd_preferences_window_show_profile (self, profile);
  template_changed_cb (self);
}

static void
list_profiles_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(PdPreferencesWindow) self = user_data;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GError) error = NULL;
  guint selected = GTK_INVALID_LIST_POSITION;

  if (!pd_app_job_finish (result, (gpointer *) &profiles, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pd_preferences_window_toast (self, error->message);
      return;
    }

  g_clear_pointer (&self->profiles, g_ptr_array_unref);
  self->profiles = g_steal_pointer (&profiles);

  self->loading = TRUE;
  gtk_string_list_splice (self->profile_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->profile_names)), NULL);
  for (guint i = 0; i < self->profiles->len; i++)
    {
      const PdProfile *profile = self->profiles->pdata[i];

      gtk_string_list_append (self->profile_names, profile->name);
      if (self->editing != NULL && g_utf8_collate (self->editing, profile->name) == 0)
        selected = i;
    }
  if (selected == GTK_INVALID_LIST_POSITION && self->profiles->len > 0 && self->editing == NULL)
    selected = 0;
  adw_combo_row_set_selected (self->profile_row, selected);
  self->loading = FALSE;

  if (selected != GTK_INVALID_LIST_POSITION)
    pd_preferences_window_edit (self, self->profiles->pdata[selected]);
  else
    pd_preferences_window_edit (self, NULL);
}

static void
pd_preferences_window_load_profiles (PdPreferencesWindow *self)
{
  pd_app_job_run (self->library, list_profiles_job, NULL, NULL, self->cancellable,
                  list_profiles_cb, g_object_ref (self));
}

static void
profile_picked_cb (PdPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->profile_row);

  if (self->loading || self->profiles == NULL || selected >= self->profiles->len)
    return;
  pd_preferences_window_edit (self, self->profiles->pdata[selected]);
}

typedef struct {
  PdProfile *profile;
  char      *replaces;   /* the name it had, when renamed */
  gboolean   replace;
} SaveProfile;

static void
save_profile_free (SaveProfile *save)
{
  g_clear_pointer (&save->profile, pd_profile_free);
  g_free (save->replaces);
  g_free (save);
}

static gboolean
save_profile_job (PdLibrary       *library,
                  gpointer         data,
                  gpointer        *result,
                  GDestroyNotify  *result_free,
                  GCancellable    *cancellable,
                  GError         **error)
{
  SaveProfile *save = data;

  if (!pd_library_save_profile (library, save->profile, save->replace, error))
    return FALSE;
  if (save->replaces != NULL && !pd_library_remove_profile (library, save->replaces, error))
    return FALSE;
  return TRUE;
}

static void
save_profile_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(PdPreferencesWindow) self = user_data;
  SaveProfile *save = pd_app_job_get_data (result);
  g_autoptr(GError) error = NULL;

  if (!pd_app_job_finish (result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pd_preferences_window_toast (self, error->message);
      return;
    }
  g_free (self->editing);
  self->editing = g_strdup (save->profile->name);
  pd_preferences_window_toast (self, _("Profile saved"));
  pd_preferences_window_load_profiles (self);
  pd_preferences_window_load_general (self);
}

static void
save_clicked_cb (PdPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  PdProfile *profile = pd_preferences_window_dup_profile (self, &error);
  SaveProfile *save;

  if (profile == NULL)
    {
      pd_preferences_window_toast (self, error->message);
      return;
    }
  save = g_new0 (SaveProfile, 1);
  save->profile = profile;
  /* Saving under the name it was opened with replaces it; a new name must be free, and then
   * the old profile goes (a rename). */
  save->replace = self->editing != NULL && g_utf8_collate (self->editing, profile->name) == 0;
  if (self->editing != NULL && !save->replace)
    save->replaces = g_strdup (self->editing);
  pd_app_job_run (self->library, save_profile_job, save, (GDestroyNotify) save_profile_free,
                  self->cancellable, save_profile_cb, g_object_ref (self));
}

static void
new_profile_clicked_cb (PdPreferencesWindow *self)
{
  self->loading = TRUE;
  adw_combo_row_set_selected (self->profile_row, GTK_INVALID_LIST_POSITION);
  self->loading = FALSE;
  pd_preferences_window_edit (self, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->name_entry));
}

static gboolean
remove_profile_job (PdLibrary       *library,
                    gpointer         data,
                    gpointer        *result,
                    GDestroyNotify  *result_free,
                    GCancellable    *cancellable,
                    GError         **error)
{
  return pd_library_remove_profile (library, data, error);
}

static void
removed_profile_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(PdPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!pd_app_job_finish (result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pd_preferences_window_toast (self, error->message);
      return;
    }
  g_clear_pointer (&self->editing, g_free);
  pd_preferences_window_load_profiles (self);
  pd_preferences_window_load_general (self);
}

static void
delete_profile_response_cb (AdwMessageDialog    *dialog,
                            const char          *response,
                            PdPreferencesWindow *self)
{
  const char *name = g_object_get_data (G_OBJECT (dialog), "pd-profile");

  if (g_strcmp0 (response, "delete") == 0)
    pd_app_job_run (self->library, remove_profile_job, g_strdup (name), g_free,
                    self->cancellable, removed_profile_cb, g_object_ref (self));
}

static void
delete_profile_clicked_cb (PdPreferencesWindow *self)
{
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  if (self->editing == NULL)
    {
      pd_preferences_window_load_profiles (self);
      return;
    }
  /* Translators: %s is a profile's name */
  heading = g_strdup_printf (_("Delete Profile “%s”?"), self->editing);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                   _("Documents already scanned with it are kept."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "pd-profile", g_strdup (self->editing), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_profile_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Choices are marked with N_() in static arrays; @out must hold them all and a NULL. */
static const char * const *
translate_list (const char * const *list,
                const char        **out)
{
  guint i;

  for (i = 0; list[i] != NULL; i++)
    out[i] = _(list[i]);
  out[i] = NULL;
  return out;
}

static GtkWidget *
pd_preferences_window_build_profiles (PdPreferencesWindow *self)
{
  static const char * const sources[] = {
    N_("Automatic"), N_("Flatbed"), N_("Document Feeder"), N_("Document Feeder, Both Sides"), NULL
  };
  static const char * const modes[] = {
    N_("Text (Black and White)"), N_("Gray"), N_("Color"), NULL
  };
  static const char * const blanks[] = {
    N_("Keep"), N_("Keep and Flag"), N_("Remove"), NULL
  };
  static const char * const separations[] = {
    N_("None: One Document per Batch"), N_("Every Page"), N_("Every Press of Scan"),
    N_("Barcode or Patch Sheet"), NULL
  };
  const char *translated[8];
  GtkWidget *page = adw_preferences_page_new ();
  AdwPreferencesGroup *group;
  GtkWidget *suffix;
  GtkWidget *button;
  GtkWidget *row;

  adw_preferences_page_set_name (ADW_PREFERENCES_PAGE (page), "profiles");
  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (page), _("Profiles"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (page), "document-properties-symbolic");

  group = add_group (ADW_PREFERENCES_PAGE (page), _("Profile"),
                     _("Everything set before a scan, saved under a name."));
  suffix = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  button = make_icon_button ("list-add-symbolic", _("New Profile"));
  g_signal_connect_object (button, "clicked", G_CALLBACK (new_profile_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (suffix), button);
  button = make_icon_button ("user-trash-symbolic", _("Delete Profile"));
  g_signal_connect_object (button, "clicked", G_CALLBACK (delete_profile_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (suffix), button);
  adw_preferences_group_set_header_suffix (group, suffix);

  self->profile_names = gtk_string_list_new (NULL);
  row = adw_combo_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Edit"));
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (self->profile_names));
  self->profile_row = ADW_COMBO_ROW (add_row (group, row));
  g_signal_connect_object (row, "notify::selected", G_CALLBACK (profile_picked_cb), self,
                           G_CONNECT_SWAPPED);
  self->name_entry = add_entry_row (group, _("Name"));
  g_signal_connect_object (self->name_entry, "changed", G_CALLBACK (template_changed_cb), self,
                           G_CONNECT_SWAPPED);

  group = add_group (ADW_PREFERENCES_PAGE (page), _("Scanner"), NULL);
  self->device_entry = add_entry_row (group, _("Scanner (empty: ask)"));
  self->source_row = add_combo_row (group, _("Paper Source"),
                                  translate_list (sources, translated));
  self->resolution_spin = add_spin_row (group, _("Resolution (DPI)"), NULL, 50, 1200, 50);
  self->mode_row = add_combo_row (group, _("Mode"),
                                  translate_list (modes, translated));
  self->page_size_entry = add_entry_row (group, _("Page Size (A4, Letter, 210x297, auto)"));

  group = add_group (ADW_PREFERENCES_PAGE (page), _("Clean-Up"), NULL);
  self->deskew_switch = add_switch_row (group, _("Straighten Pages"), NULL);
  self->orientation_switch = add_switch_row (group, _("Turn Pages Upright"), NULL);
  self->crop_switch = add_switch_row (group, _("Crop the Scanner Border"), NULL);
  self->background_clean_switch = add_switch_row (group, _("Whiten the Background"), NULL);
  self->blank_row = add_combo_row (group, _("Blank Pages"),
                                  translate_list (blanks, translated));
  self->blurry_switch = add_switch_row (group, _("Flag Blurry Pages"), NULL);
  self->langs_entry = add_entry_row (group, _("Text Languages (eng+deu)"));

  group = add_group (ADW_PREFERENCES_PAGE (page), _("Documents"), NULL);
  self->separation_row = add_combo_row (group, _("Split a Batch Into Documents"),
                                        translate_list (separations, translated));
  self->pattern_entry = add_entry_row (group, _("Separator Barcode Pattern"));
  self->template_entry = add_entry_row (group,
                                        _("Name Template ({date} {counter:3} {barcode}…)"));
  g_signal_connect_object (self->template_entry, "changed", G_CALLBACK (template_changed_cb),
                           self, G_CONNECT_SWAPPED);
  row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Next Document Name"));
  gtk_widget_add_css_class (row, "property");
  self->preview_row = ADW_ACTION_ROW (add_row (group, row));
  self->destination_entry = add_entry_row (group, _("Destination (Account:Folder)"));

  group = add_group (ADW_PREFERENCES_PAGE (page), _("PDF"), NULL);
  self->quality_spin = add_spin_row (group, _("Image Quality"), NULL, 1, 100, 1);
  self->downsample_spin = add_spin_row (group, _("Reduce Images to DPI (0: keep)"), NULL,
                                        0, 1200, 50);
  self->pdfa_switch = add_switch_row (group, _("PDF/A for Archiving"), NULL);
  self->encrypt_switch = add_switch_row (group, _("Encrypt With a Password"), NULL);

  group = add_group (ADW_PREFERENCES_PAGE (page), NULL, NULL);
  button = gtk_button_new_with_mnemonic (_("_Save Profile"));
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "suggested-action");
  gtk_widget_add_css_class (button, "pill");
  g_signal_connect_object (button, "clicked", G_CALLBACK (save_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  adw_preferences_group_add (group, button);

  return page;
}

/* Accounts page */

static gboolean
list_accounts_job (PdLibrary       *library,
                   gpointer         data,
                   gpointer        *result,
                   GDestroyNotify  *result_free,
                   GCancellable    *cancellable,
                   GError         **error)
{
  GPtrArray *accounts = pd_library_list_accounts (library, error);

  if (accounts == NULL)
    return FALSE;
  *result = accounts;
  *result_free = (GDestroyNotify) g_ptr_array_unref;
  return TRUE;
}

static gboolean
test_account_job (PdLibrary       *library,
                  gpointer         data,
                  gpointer        *result,
                  GDestroyNotify  *result_free,
                  GCancellable    *cancellable,
                  GError         **error)
{
  return pd_sync_test_account (library, data, cancellable, error);
}

static void
test_account_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(AdwActionRow) row = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  GtkWidget *button = g_object_get_data (G_OBJECT (row), "pd-test-button");

  if (!pd_app_job_finish (result, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Translators: %s says exactly which step of the account test failed, and why */
      text = g_strdup_printf (_("Does not work: %s"), error->message);
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
    }
  else
    {
      text = g_strdup (_("Works: a test file was written and removed."));
      gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
    }
  adw_action_row_set_subtitle (row, text);
  gtk_widget_set_sensitive (button, TRUE);
}

static void
test_clicked_cb (GtkButton           *button,
                 PdPreferencesWindow *self)
{
  AdwActionRow *row = g_object_get_data (G_OBJECT (button), "pd-row");
  const char *name = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));

  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  adw_action_row_set_subtitle (row, _("Testing…"));
  pd_app_job_run (self->library, test_account_job, g_strdup (name), g_free, self->cancellable,
                  test_account_cb, g_object_ref (row));
}

static gboolean
remove_account_job (PdLibrary       *library,
                    gpointer         data,
                    gpointer        *result,
                    GDestroyNotify  *result_free,
                    GCancellable    *cancellable,
                    GError         **error)
{
  g_autoptr(PdAccount) account = pd_library_get_account (library, data, error);
  g_autoptr(GError) secret_error = NULL;

  if (account == NULL)
    return FALSE;
  /* Every secret of the account, whatever its kind: password, OAuth tokens, upload sessions.
   * One left behind is harmless but untidy; the account goes either way. */
  if (g_strcmp0 (account->kind, "folder") != 0 &&
      !pd_secret_clear_account (account->id, cancellable, &secret_error))
    g_debug ("Secrets of “%s” stay in the keyring: %s", account->name,
             secret_error->message);
  return pd_library_remove_account (library, account->name, error);
}

static void
account_changed_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(PdPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!pd_app_job_finish (result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pd_preferences_window_toast (self, error->message);
      return;
    }
  pd_preferences_window_load_accounts (self);
}

static void
remove_account_response_cb (AdwMessageDialog    *dialog,
                            const char          *response,
                            PdPreferencesWindow *self)
{
  const char *name = g_object_get_data (G_OBJECT (dialog), "pd-account");

  if (g_strcmp0 (response, "remove") == 0)
    pd_app_job_run (self->library, remove_account_job, g_strdup (name), g_free,
                    self->cancellable, account_changed_cb, g_object_ref (self));
}

static void
remove_clicked_cb (GtkButton           *button,
                   PdPreferencesWindow *self)
{
  AdwActionRow *row = g_object_get_data (G_OBJECT (button), "pd-row");
  const char *name = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  /* Translators: %s is an account's name */
  heading = g_strdup_printf (_("Remove Account “%s”?"), name);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                   _("Documents already sent stay where they are. Documents "
                                     "still waiting for this account wait in the inbox."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "pd-account", g_strdup (name), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_account_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static GtkWidget *
make_account_row (PdPreferencesWindow *self,
                  const PdAccount     *account)
{
  g_autofree char *subtitle = NULL;
  g_autofree char *remove_label = NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *test;
  GtkWidget *remove;

  if (g_strcmp0 (account->kind, "folder") == 0)
    /* Translators: %s is a folder's path */
    subtitle = g_strdup_printf (_("Folder · %s"), account->url);
  else if (g_strcmp0 (account->kind, "webdav") == 0)
    /* Translators: WebDAV account: address and user name */
    subtitle = g_strdup_printf (_("WebDAV · %s · %s"), account->url,
                                account->username != NULL ? account->username : "");
  else if (g_strcmp0 (account->kind, "onedrive") == 0)
    /* Translators: %s is the drive's address */
    subtitle = g_strdup_printf (_("Microsoft OneDrive · %s"), account->url);
  else if (g_strcmp0 (account->kind, "gdrive") == 0)
    subtitle = g_strdup_printf (_("Google Drive · %s"), account->url);
  else
    subtitle = g_strdup_printf ("%s · %s", account->kind, account->url);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), account->name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);

  test = gtk_button_new_with_mnemonic (_("_Test"));
  gtk_widget_set_valign (test, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (test, _("Write a test file to the account and remove it"));
  g_object_set_data (G_OBJECT (test), "pd-row", row);
  g_object_set_data (G_OBJECT (row), "pd-test-button", test);
  g_signal_connect_object (test, "clicked", G_CALLBACK (test_clicked_cb), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), test);

  remove = make_icon_button ("user-trash-symbolic", _("Remove Account"));
  /* Translators: accessible label; %s is an account's name */
  remove_label = g_strdup_printf (_("Remove account “%s”"), account->name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, remove_label,
                                  -1);
  g_object_set_data (G_OBJECT (remove), "pd-row", row);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_clicked_cb), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);

  return row;
}

static void
list_accounts_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(PdPreferencesWindow) self = user_data;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GError) error = NULL;

  if (!pd_app_job_finish (result, (gpointer *) &accounts, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pd_preferences_window_toast (self, error->message);
      return;
    }

  for (guint i = 0; i < self->account_rows->len; i++)
    adw_preferences_group_remove (self->accounts_group, self->account_rows->pdata[i]);
  g_ptr_array_set_size (self->account_rows, 0);

  for (guint i = 0; i < accounts->len; i++)
    {
      GtkWidget *row = make_account_row (self, accounts->pdata[i]);

      adw_preferences_group_add (self->accounts_group, row);
      g_ptr_array_add (self->account_rows, row);
    }
  if (accounts->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No accounts yet"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _("Documents stay on this computer until you add one."));
      adw_preferences_group_add (self->accounts_group, row);
      g_ptr_array_add (self->account_rows, row);
    }
}

static void
pd_preferences_window_load_accounts (PdPreferencesWindow *self)
{
  pd_app_job_run (self->library, list_accounts_job, NULL, NULL, self->cancellable,
                  list_accounts_cb, g_object_ref (self));
}

typedef struct {
  char *kind;
  char *name;
  char *url;
  char *user;
  char *password;   /* wiped when freed */
} AddAccount;

static void
add_account_free (AddAccount *add)
{
  g_free (add->kind);
  g_free (add->name);
  g_free (add->url);
  g_free (add->user);
  if (add->password != NULL)
    pd_secret_free (add->password);
  g_free (add);
}

static gboolean
add_account_job (PdLibrary       *library,
                 gpointer         data,
                 gpointer        *result,
                 GDestroyNotify  *result_free,
                 GCancellable    *cancellable,
                 GError         **error)
{
  AddAccount *add = data;
  gint64 id;

  if (g_strcmp0 (add->kind, "folder") == 0 && !g_file_test (add->url, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
                   _("“%s” is not a folder. Create it, or connect the share, first."),
                   add->url);
      return FALSE;
    }
  id = pd_library_add_account (library, add->name, add->kind, add->url, add->user, error);
  if (id == 0)
    return FALSE;
  if (add->password != NULL &&
      !pd_secret_store (id, add->kind, add->name, add->password, cancellable, error))
    {
      /* No account without its password: it could never sync. */
      pd_library_remove_account (library, add->name, NULL);
      return FALSE;
    }
  return TRUE;
}

static void
added_account_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(PdPreferencesWindow) self = user_data;
  AddAccount *add = pd_app_job_get_data (result);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!pd_app_job_finish (result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pd_preferences_window_toast (self, error->message);
      return;
    }
  /* Translators: %s is an account's name */
  text = g_strdup_printf (_("Account “%s” added. Test it to be sure it works."), add->name);
  pd_preferences_window_toast (self, text);
  if (g_strcmp0 (add->kind, "webdav") == 0)
    {
      gtk_editable_set_text (self->webdav_name, "");
      gtk_editable_set_text (self->webdav_url, "");
      gtk_editable_set_text (self->webdav_user, "");
      gtk_editable_set_text (self->webdav_password, "");
    }
  else
    {
      gtk_editable_set_text (self->folder_name, "");
      g_clear_pointer (&self->folder_path, g_free);
      adw_action_row_set_subtitle (self->folder_row, _("None chosen"));
    }
  pd_preferences_window_load_accounts (self);
}

static void
add_webdav_clicked_cb (PdPreferencesWindow *self)
{
  AddAccount *add = g_new0 (AddAccount, 1);

  add->kind = g_strdup ("webdav");
  add->name = dup_entry (self->webdav_name);
  add->url = dup_entry (self->webdav_url);
  add->user = dup_entry (self->webdav_user);
  add->password = g_strdup (gtk_editable_get_text (self->webdav_password));

  if (add->name == NULL || add->url == NULL || add->user == NULL || add->password[0] == '\0')
    pd_preferences_window_toast (self, _("A WebDAV account needs a name, an address, a user "
                                         "name and a password."));
  else if (!g_str_has_prefix (add->url, "https://") && !g_str_has_prefix (add->url, "http://"))
    pd_preferences_window_toast (self, _("The address must start with https://."));
  else
    {
      pd_app_job_run (self->library, add_account_job, add, (GDestroyNotify) add_account_free,
                      self->cancellable, added_account_cb, g_object_ref (self));
      return;
    }
  add_account_free (add);
}

static void
add_folder_clicked_cb (PdPreferencesWindow *self)
{
  AddAccount *add;
  g_autofree char *name = dup_entry (self->folder_name);

  if (name == NULL || self->folder_path == NULL)
    {
      pd_preferences_window_toast (self, _("A folder account needs a name and a folder."));
      return;
    }
  add = g_new0 (AddAccount, 1);
  add->kind = g_strdup ("folder");
  add->name = g_steal_pointer (&name);
  add->url = g_strdup (self->folder_path);
  pd_app_job_run (self->library, add_account_job, add, (GDestroyNotify) add_account_free,
                  self->cancellable, added_account_cb, g_object_ref (self));
}

static void
folder_chosen_cb (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  g_autoptr(PdPreferencesWindow) self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      g_free (self->folder_path);
      self->folder_path = file != NULL ? g_file_get_path (file) : NULL;
      if (self->folder_path != NULL)
        adw_action_row_set_subtitle (self->folder_row, self->folder_path);
      else
        pd_preferences_window_toast (self, _("That folder is not on this computer or a "
                                             "mounted share."));
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
choose_folder_clicked_cb (PdPreferencesWindow *self)
{
  GtkFileChooserNative *dialog;

  /* Through the file chooser portal when sandboxed: the folder becomes reachable then. */
  dialog = gtk_file_chooser_native_new (_("Choose the Folder to Sync Into"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                        _("_Choose"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (folder_chosen_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static GtkWidget *
make_add_button (const char *tooltip)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Add"));

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "suggested-action");
  gtk_widget_set_tooltip_text (button, tooltip);
  return button;
}

static GtkEditable *
add_expander_entry (GtkWidget  *expander,
                    const char *title,
                    gboolean    secret)
{
  GtkWidget *row = secret ? adw_password_entry_row_new () : adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (!secret)
    adw_entry_row_set_input_hints (ADW_ENTRY_ROW (row), GTK_INPUT_HINT_NO_SPELLCHECK);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
  return GTK_EDITABLE (row);
}

static GtkWidget *
make_sign_in_button (const char *tooltip)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Sign In…"));

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "suggested-action");
  gtk_widget_set_tooltip_text (button, tooltip);
  return button;
}

static void
cloud_added_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GtkWidget) button = GTK_WIDGET (user_data);
  const char *kind = g_object_get_data (G_OBJECT (button), "pd-kind");
  gboolean google = g_strcmp0 (kind, "gdrive") == 0;
  GtkWidget *window = gtk_widget_get_ancestor (button, PD_TYPE_PREFERENCES_WINDOW);
  PdPreferencesWindow *self = window != NULL ? PD_PREFERENCES_WINDOW (window) : NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  gtk_widget_set_sensitive (button, TRUE);
  /* The window may have been closed meanwhile: then there is nobody to tell. */
  if (self == NULL || self->library == NULL)
    return;
  if (!pd_cloud_sign_in_add_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pd_preferences_window_toast (self, error->message);
      return;
    }
  /* Translators: %s is an account's name */
  text = g_strdup_printf (_("Signed in. Account “%s” added."),
                          gtk_editable_get_text (google ? self->gdrive_name
                                                        : self->onedrive_name));
  pd_preferences_window_toast (self, text);
  if (google)
    {
      gtk_editable_set_text (self->gdrive_name, "");
      gtk_editable_set_text (self->gdrive_client_id, "");
      gtk_editable_set_text (self->gdrive_client_secret, "");
    }
  else
    {
      gtk_editable_set_text (self->onedrive_name, "");
      gtk_editable_set_text (self->onedrive_client_id, "");
      gtk_editable_set_text (self->onedrive_drive_id, "");
    }
  pd_preferences_window_load_accounts (self);
}

static void
add_cloud_clicked_cb (GtkButton           *button,
                      PdPreferencesWindow *self)
{
  const char *kind = g_object_get_data (G_OBJECT (button), "pd-kind");
  gboolean google = g_strcmp0 (kind, "gdrive") == 0;

  /* One sign-in at a time from this button; the dialog can cancel it. */
  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  pd_cloud_sign_in_add_async (self->library, GTK_WINDOW (self), kind,
                              gtk_editable_get_text (google ? self->gdrive_name
                                                            : self->onedrive_name),
                              gtk_editable_get_text (google ? self->gdrive_client_id
                                                            : self->onedrive_client_id),
                              google ? gtk_editable_get_text (self->gdrive_client_secret)
                                     : NULL,
                              google ? NULL : gtk_editable_get_text (self->onedrive_drive_id),
                              self->cancellable, cloud_added_cb, g_object_ref (button));
}

static GtkWidget *
pd_preferences_window_build_accounts (PdPreferencesWindow *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  AdwPreferencesGroup *group;
  GtkWidget *expander;
  GtkWidget *row;
  GtkWidget *button;

  adw_preferences_page_set_name (ADW_PREFERENCES_PAGE (page), "accounts");
  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (page), _("Accounts"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (page), "network-server-symbolic");

  self->accounts_group = add_group (ADW_PREFERENCES_PAGE (page), _("Accounts"),
                                    _("Where profiles send documents. Passwords are kept in "
                                      "your keyring."));

  group = add_group (ADW_PREFERENCES_PAGE (page), _("Add an Account"), NULL);

  expander = adw_expander_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), _("WebDAV"));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander),
                                 _("Nextcloud, ownCloud and other WebDAV servers"));
  row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Account Name"));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
  self->webdav_name = GTK_EDITABLE (row);
  row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Folder Address (https://…/)"));
  adw_entry_row_set_input_hints (ADW_ENTRY_ROW (row), GTK_INPUT_HINT_NO_SPELLCHECK);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
  self->webdav_url = GTK_EDITABLE (row);
  row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("User Name"));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
  self->webdav_user = GTK_EDITABLE (row);
  row = adw_password_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Password"));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
  self->webdav_password = GTK_EDITABLE (row);
  row = adw_action_row_new ();
  button = make_add_button (_("Add the WebDAV account"));
  g_signal_connect_object (button, "clicked", G_CALLBACK (add_webdav_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
  adw_preferences_group_add (group, expander);

  expander = adw_expander_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), _("Folder"));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander),
                                 _("A folder on this computer or a mounted share"));
  row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Account Name"));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
  self->folder_name = GTK_EDITABLE (row);
  row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Folder"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("None chosen"));
  button = gtk_button_new_with_mnemonic (_("_Choose…"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, _("Choose the folder to sync into"));
  g_signal_connect_object (button, "clicked", G_CALLBACK (choose_folder_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
  self->folder_row = ADW_ACTION_ROW (row);
  row = adw_action_row_new ();
  button = make_add_button (_("Add the folder account"));
  g_signal_connect_object (button, "clicked", G_CALLBACK (add_folder_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
  adw_preferences_group_add (group, expander);

  /* Client IDs are never built in: each organization registers its own app
   * (doc/cloud-accounts.md says how). */
  expander = adw_expander_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), _("Microsoft OneDrive"));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander),
                                 _("OneDrive and SharePoint, signed in through your browser"));
  self->onedrive_name = add_expander_entry (expander, _("Account Name"), FALSE);
  self->onedrive_client_id = add_expander_entry (expander, _("Application (Client) ID"), FALSE);
  self->onedrive_drive_id = add_expander_entry (expander, _("Drive ID (optional, SharePoint)"),
                                                FALSE);
  row = adw_action_row_new ();
  button = make_sign_in_button (_("Sign in to OneDrive in your browser and add the account"));
  g_object_set_data (G_OBJECT (button), "pd-kind", (gpointer) "onedrive");
  g_signal_connect_object (button, "clicked", G_CALLBACK (add_cloud_clicked_cb), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
  adw_preferences_group_add (group, expander);

  expander = adw_expander_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), _("Google Drive"));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander),
                                 _("Signed in through your browser"));
  self->gdrive_name = add_expander_entry (expander, _("Account Name"), FALSE);
  self->gdrive_client_id = add_expander_entry (expander, _("Client ID"), FALSE);
  self->gdrive_client_secret = add_expander_entry (expander, _("Client Secret"), TRUE);
  row = adw_action_row_new ();
  button = make_sign_in_button (_("Sign in to Google Drive in your browser and add the "
                                  "account"));
  g_object_set_data (G_OBJECT (button), "pd-kind", (gpointer) "gdrive");
  g_signal_connect_object (button, "clicked", G_CALLBACK (add_cloud_clicked_cb), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
  adw_preferences_group_add (group, expander);

  return page;
}

/* Object */

static void
profiles_changed_cb (PdPreferencesWindow *self)
{
  pd_preferences_window_load_profiles (self);
  pd_preferences_window_load_general (self);
}

static void
pd_preferences_window_dispose (GObject *object)
{
  PdPreferencesWindow *self = (PdPreferencesWindow *)object;

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->preview_cancellable);
  g_clear_handle_id (&self->preview_id, g_source_remove);
  if (self->grace_save_id != 0)
    {
      /* Closing right after a change still saves it. */
      g_clear_handle_id (&self->grace_save_id, g_source_remove);
      if (self->library != NULL)
        {
          int hours = gtk_spin_button_get_value_as_int (self->grace_spin);
          g_autofree char *value = g_strdup_printf ("%d", hours);

          pd_app_job_run (self->library, set_setting_job,
                          setting_job_new (PD_SETTING_EVICT_GRACE_HOURS, value),
                          (GDestroyNotify) setting_job_free, NULL, NULL, NULL);
        }
    }
  if (self->library != NULL)
    g_signal_handlers_disconnect_by_data (self->library, self);
  g_clear_object (&self->library);
  g_clear_object (&self->settings);
  g_clear_object (&self->profile_names);
  g_clear_object (&self->default_names);
  g_clear_pointer (&self->profiles, g_ptr_array_unref);
  g_clear_pointer (&self->account_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (pd_preferences_window_parent_class)->dispose (object);
}

static void
pd_preferences_window_finalize (GObject *object)
{
  PdPreferencesWindow *self = (PdPreferencesWindow *)object;

  g_clear_object (&self->cancellable);
  g_clear_object (&self->preview_cancellable);
  g_clear_pointer (&self->editing, g_free);
  g_clear_pointer (&self->folder_path, g_free);

  G_OBJECT_CLASS (pd_preferences_window_parent_class)->finalize (object);
}

static void
pd_preferences_window_class_init (PdPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pd_preferences_window_dispose;
  object_class->finalize = pd_preferences_window_finalize;
}

static void
pd_preferences_window_init (PdPreferencesWindow *self)
{
  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (APP_ID);
  self->account_rows = g_ptr_array_new ();

  gtk_window_set_default_size (GTK_WINDOW (self), 640, 720);
  gtk_window_set_modal (GTK_WINDOW (self), FALSE);
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              ADW_PREFERENCES_PAGE (pd_preferences_window_build_general (self)));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              ADW_PREFERENCES_PAGE (pd_preferences_window_build_profiles (self)));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              ADW_PREFERENCES_PAGE (pd_preferences_window_build_accounts (self)));
}

/**
 * pd_preferences_window_new:
 *
 * Returns: (transfer none): a new preferences window for @library; like every window it
 *   belongs to GTK until destroyed
 */
GtkWidget *
pd_preferences_window_new (PdLibrary *library)
{
  PdPreferencesWindow *self;

  g_return_val_if_fail (PD_IS_LIBRARY (library), NULL);

  self = g_object_new (PD_TYPE_PREFERENCES_WINDOW, NULL);
  self->library = g_object_ref (library);
  g_signal_connect_object (library, "profiles-changed",
                           G_CALLBACK (profiles_changed_cb), self, G_CONNECT_SWAPPED);
  pd_preferences_window_load_general (self);
  pd_preferences_window_load_profiles (self);
  pd_preferences_window_load_accounts (self);
  return GTK_WIDGET (self);
}

/**
 * pd_preferences_window_set_page:
 * @name: "general", "profiles" or "accounts"
 */
void
pd_preferences_window_set_page (PdPreferencesWindow *self,
                                const char          *name)
{
  g_return_if_fail (PD_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (name != NULL);

  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (self), name);
  /* "Choose another folder" from the inbox lands on the field that holds it. */
  if (g_str_equal (name, "profiles") && self->destination_entry != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->destination_entry));
}
