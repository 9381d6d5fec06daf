/* pd-scanner-private.h: the capture stage's internals shared between its files and its unit
 * tests: source ranking and the SANE status table. Not for callers outside capture/. */
#pragma once

#include <sane/sane.h>

#include "pd-scanner.h"

G_BEGIN_DECLS

/* Where in a scan a SANE failure happened: an I/O error after a page started flowing means the
 * device went away, before that it means it could not be reached. */
typedef enum {
  SANE_STAGE_SETUP,
  SANE_STAGE_MID_PAGE,
} SaneStage;

void        _pd_capture_error_set_from_sane (GError             **error,
                                             SANE_Status          status,
                                             SaneStage            stage,
                                             guint                n_pages_kept);

/* Returns the entry of @sources (borrowed) that best means @wanted, or NULL if none does
 * (or @wanted is PD_SCAN_SOURCE_AUTO). */
const char *_pd_scanner_pick_source         (const char *const   *sources,
                                             PdScanSource         wanted);

/* TRUE if a source name (the device's current one) is a document feeder. */
gboolean    _pd_scanner_source_is_feeder    (const char          *source);

/* Sets @handle up for @options (source, mode, resolution, page size, then the extra
 * "name=value" options). @feeder says whether to keep scanning until the feeder is empty;
 * @dpi is the resolution the device will really use. */
gboolean    _pd_scanner_configure           (SANE_Handle          handle,
                                             const char          *device,
                                             const PdScanOptions *options,
                                             gboolean             is_demo,
                                             gboolean            *feeder,
                                             guint               *dpi,
                                             GError             **error);
gboolean    _pd_scanner_set_string_option   (SANE_Handle          handle,
                                             const char          *name,
                                             const char          *value,
                                             GError             **error);

G_END_DECLS
