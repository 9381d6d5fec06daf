/* pd-device-info.h: one scanner as discovery reports it. The id is what a person passes to
 * --device and what a scan profile stores: a SANE device name ("genesys:libusb:001:004",
 * "test:0") or "demo" for the built-in demo scanner. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PD_TYPE_DEVICE_INFO (pd_device_info_get_type ())

typedef struct {
  char     *id;
  char     *vendor;
  char     *model;
  char     *type;        /* as SANE says: "flatbed scanner", "sheetfed scanner", "virtual device" */
  gboolean  is_virtual;  /* SANE's test/pnm backends and the demo: not a real device */
} PdDeviceInfo;

GType         pd_device_info_get_type (void) G_GNUC_CONST;
PdDeviceInfo *pd_device_info_new      (const char         *id,
                                       const char         *vendor,
                                       const char         *model,
                                       const char         *type,
                                       gboolean            is_virtual);
PdDeviceInfo *pd_device_info_copy     (const PdDeviceInfo *info);
void          pd_device_info_free     (PdDeviceInfo       *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdDeviceInfo, pd_device_info_free)

G_END_DECLS
