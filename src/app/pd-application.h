/* pd-application.h: the Paperdock application: command line, app-wide actions, and the one
 * library its windows show. */
#pragma once

#include <adwaita.h>

#include "pd-library.h"

G_BEGIN_DECLS

#define PD_TYPE_APPLICATION (pd_application_get_type ())

G_DECLARE_FINAL_TYPE (PdApplication, pd_application, PD, APPLICATION, AdwApplication)

PdApplication *pd_application_new         (void);
PdLibrary     *pd_application_get_library (PdApplication *self);

G_END_DECLS
