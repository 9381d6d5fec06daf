/* pd-application.h: the Paperdock application: command line, app-wide actions, the one library
 * its windows show, and the sync engine that keeps it running while documents wait to go. */
#pragma once

#include <adwaita.h>

#include "pd-library.h"
#include "pd-sync-engine.h"

G_BEGIN_DECLS

#define PD_TYPE_APPLICATION (pd_application_get_type ())

G_DECLARE_FINAL_TYPE (PdApplication, pd_application, PD, APPLICATION, AdwApplication)

PdApplication *pd_application_new             (void);
PdLibrary     *pd_application_get_library     (PdApplication *self);
PdSyncEngine  *pd_application_get_sync_engine (PdApplication *self);
gboolean       pd_application_get_holding     (PdApplication *self);

G_END_DECLS
