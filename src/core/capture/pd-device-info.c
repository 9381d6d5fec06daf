/* pd-device-info.c: the plain record discovery hands out; copied freely between the scanner
 * thread and the main thread, so it owns all its strings. */
#define G_LOG_DOMAIN "pd-capture"

#include "pd-device-info.h"

G_DEFINE_BOXED_TYPE (PdDeviceInfo, pd_device_info, pd_device_info_copy, pd_device_info_free)

PdDeviceInfo *
pd_device_info_new (const char *id,
                    const char *vendor,
                    const char *model,
                    const char *type,
                    gboolean    is_virtual)
{
  PdDeviceInfo *info;

  g_return_val_if_fail (id != NULL, NULL);

  info = g_new0 (PdDeviceInfo, 1);
  info->id = g_strdup (id);
  info->vendor = g_strdup (vendor != NULL ? vendor : "");
  info->model = g_strdup (model != NULL ? model : "");
  info->type = g_strdup (type != NULL ? type : "");
  info->is_virtual = !!is_virtual;
  return info;
}

PdDeviceInfo *
pd_device_info_copy (const PdDeviceInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);

  return pd_device_info_new (info->id, info->vendor, info->model, info->type, info->is_virtual);
}

void
pd_device_info_free (PdDeviceInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->id);
  g_free (info->vendor);
  g_free (info->model);
  g_free (info->type);
  g_free (info);
}
