/* pd-preferences-window.h: Paperdock's preferences: General (how long synced documents stay on
 * this computer, background syncing, the default profile and whether scanning needs one),
 * Profiles (an editor for every profile field with a live preview of the next document's name)
 * and Accounts (add WebDAV or a folder, test, remove). */
#pragma once

#include <adwaita.h>

#include "pd-library.h"

G_BEGIN_DECLS

#define PD_TYPE_PREFERENCES_WINDOW (pd_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (PdPreferencesWindow, pd_preferences_window, PD, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

GtkWidget *pd_preferences_window_new      (PdLibrary           *library);
void       pd_preferences_window_set_page (PdPreferencesWindow *self,
                                           const char          *name);

/* The library setting holding the profile the Scan page selects first. */
#define PD_SETTING_DEFAULT_PROFILE "default-profile"

G_END_DECLS
