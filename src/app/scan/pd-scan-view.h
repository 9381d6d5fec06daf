/* pd-scan-view.h: the Scan page of the main window: profiles, the scanner, and the batch being
 * scanned with a live preview of each page. */
#pragma once

#include <adwaita.h>

#include "pd-library.h"

G_BEGIN_DECLS

#define PD_TYPE_SCAN_VIEW (pd_scan_view_get_type ())

G_DECLARE_FINAL_TYPE (PdScanView, pd_scan_view, PD, SCAN_VIEW, AdwBin)

GtkWidget *pd_scan_view_new         (void);
void       pd_scan_view_set_library (PdScanView *self,
                                     PdLibrary  *library);

G_END_DECLS
