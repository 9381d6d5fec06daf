/* pd-scan-options.c: the scan request record. It is copied when a scan is queued so the caller
 * may change or free its own copy while the scanner thread works. */
#define G_LOG_DOMAIN "pd-capture"

#include "pd-scan-options.h"

G_DEFINE_BOXED_TYPE (PdScanOptions, pd_scan_options, pd_scan_options_copy, pd_scan_options_free)

PdScanOptions *
pd_scan_options_new (void)
{
  PdScanOptions *options = g_new0 (PdScanOptions, 1);

  /* Documents are read by OCR: gray at 300 dpi is what it needs, whatever the device's own
   * default happens to be. */
  options->source = PD_SCAN_SOURCE_AUTO;
  options->mode = PD_SCAN_MODE_GRAY;
  return options;
}

PdScanOptions *
pd_scan_options_copy (const PdScanOptions *options)
{
  PdScanOptions *copy;

  g_return_val_if_fail (options != NULL, NULL);

  copy = g_new0 (PdScanOptions, 1);
  *copy = *options;
  copy->device = g_strdup (options->device);
  copy->sane_options = g_strdupv (options->sane_options);
  return copy;
}

void
pd_scan_options_free (PdScanOptions *options)
{
  if (options == NULL)
    return;
  g_free (options->device);
  g_strfreev (options->sane_options);
  g_free (options);
}
