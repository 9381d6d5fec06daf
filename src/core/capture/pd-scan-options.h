/* pd-scan-options.h: what a person asked the scanner for. Zero values mean "the sensible
 * default", so a profile only stores what it changes. */
#pragma once

#include <glib-object.h>

#include "pd-enums.h"

G_BEGIN_DECLS

#define PD_TYPE_SCAN_OPTIONS (pd_scan_options_get_type ())

typedef struct {
  char          *device;          /* PdDeviceInfo id; NULL = the first real scanner found */
  PdScanSource   source;
  guint          resolution;      /* dpi, 0 = 300; the closest value the device supports is used */
  PdScanMode     mode;
  guint          max_pages;       /* 0 = flatbed: 1 page, ADF/duplex: until the feeder is empty */
  double         page_width_mm;   /* 0 = A4, clipped to the device's maximum */
  double         page_height_mm;
  char         **sane_options;    /* extra "name=value", set by name after the others */
} PdScanOptions;

GType          pd_scan_options_get_type (void) G_GNUC_CONST;
PdScanOptions *pd_scan_options_new      (void);
PdScanOptions *pd_scan_options_copy     (const PdScanOptions *options);
void           pd_scan_options_free     (PdScanOptions       *options);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdScanOptions, pd_scan_options_free)

G_END_DECLS
