/* pd-scan-view.h: the Scan page of the main window: profiles, the scanner, and the batch being
 * scanned with a live preview of each page, its edits (turn, delete with undo, reorder, mark
 * blank, crop, scan again) and a page viewer. A finished batch waits for review: a dialog lists
 * the documents its profile's rules will make and their names, and Save files them.
 *
 * Actions (group "scan", accelerators set by the class):
 *   scan.start          Ctrl+Return        scan.stop          Escape
 *   scan.save           Ctrl+S             (files a batch waiting for review, see below)
 *   scan.rotate-right   Ctrl+R             scan.rotate-left   Ctrl+Shift+R
 *   scan.delete-page    Delete             scan.undo-delete   Ctrl+Z
 *   scan.toggle-blank   Ctrl+B
 *   scan.move-page-back Alt+Up, Alt+Left   scan.move-page-forward Alt+Down, Alt+Right
 *   scan.zoom-in        Ctrl+plus          scan.zoom-out      Ctrl+minus
 *   scan.show-words     Ctrl+T             scan.close-viewer
 *   scan.crop           Ctrl+Shift+X       scan.apply-crop    scan.cancel-crop
 *   scan.rescan-page    Ctrl+Shift+S       (the selected page, from the scanner picked here)
 */
#pragma once

#include <adwaita.h>

#include "pd-library.h"

G_BEGIN_DECLS

#define PD_TYPE_SCAN_VIEW (pd_scan_view_get_type ())

G_DECLARE_FINAL_TYPE (PdScanView, pd_scan_view, PD, SCAN_VIEW, AdwBin)

GtkWidget  *pd_scan_view_new                 (void);
void        pd_scan_view_set_library         (PdScanView *self,
                                              PdLibrary  *library);
/* TRUE while a batch is being scanned or processed, or a page edit is being saved. */
gboolean    pd_scan_view_get_busy            (PdScanView *self);
/* The pages of the batch preview, PdScanPage (pd-scan-page.h), in order. */
GListModel *pd_scan_view_get_pages           (PdScanView *self);
/* The documents the last batch became (PdDocument), as committed; empty before. */
GPtrArray  *pd_scan_view_get_documents       (PdScanView *self);
/* Saves deletions still waiting for their undo toast to go, e.g. before the window closes. */
void        pd_scan_view_commit_pending_edits (PdScanView *self);

G_END_DECLS
