/* pd-scanner.h: the scanner. One dedicated thread owns SANE (init, discovery, the open device);
 * this object sends it requests and hands the answers back as GTask results on the caller's
 * main context. Pages are written to the spool and made durable one by one as they leave the
 * device, and handed to the caller the moment they are safe on disk. */
#pragma once

#include <gio/gio.h>

#include "pd-capture-error.h"
#include "pd-device-info.h"
#include "pd-scan-options.h"
#include "pd-spooled-page.h"

G_BEGIN_DECLS

#define PD_TYPE_SCANNER (pd_scanner_get_type ())

G_DECLARE_FINAL_TYPE (PdScanner, pd_scanner, PD, SCANNER, GObject)

/* Called on the scanner thread while a page is read; @fraction is 0..1, or -1 when the device
 * does not say how long the page is. */
typedef void (*PdScanProgressFunc) (guint    page_index,
                                    double   fraction,
                                    gpointer func_data);

void       pd_capture_prepare_environment (void);

PdScanner *pd_scanner_new                 (void);
void       pd_scanner_list_devices_async  (PdScanner            *self,
                                           gboolean              include_virtual,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
GPtrArray *pd_scanner_list_devices_finish (PdScanner            *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void       pd_scanner_scan_async          (PdScanner            *self,
                                           const PdScanOptions  *options,
                                           const char           *spool_dir,
                                           const char           *file_prefix,
                                           PdSpooledPageFunc     page_func,
                                           PdScanProgressFunc    progress_func,
                                           gpointer              func_data,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean   pd_scanner_scan_finish         (PdScanner            *self,
                                           GAsyncResult         *result,
                                           guint                *n_pages,
                                           GError              **error);

G_END_DECLS
