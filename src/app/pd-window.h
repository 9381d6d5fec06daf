/* pd-window.h: the main window, showing the documents of one library. */
#pragma once

#include <adwaita.h>

#include "pd-library.h"

G_BEGIN_DECLS

#define PD_TYPE_WINDOW (pd_window_get_type ())

G_DECLARE_FINAL_TYPE (PdWindow, pd_window, PD, WINDOW, AdwApplicationWindow)

PdWindow   *pd_window_new           (GtkApplication *application);
PdLibrary  *pd_window_get_library   (PdWindow       *self);
void        pd_window_set_library   (PdWindow       *self,
                                     PdLibrary      *library);
GListModel *pd_window_get_documents (PdWindow       *self);
void        pd_window_show_error    (PdWindow       *self,
                                     const char     *title,
                                     const char     *description);

G_END_DECLS
