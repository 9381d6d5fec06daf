/* pd-capture-error.h: the errors a scan can end with, as codes a caller can act on (show "clear
 * the jam", offer to retry, list devices) and messages written for the person at the scanner.
 * Cancelling is G_IO_ERROR_CANCELLED and a full disk is G_IO_ERROR_NO_SPACE (from pd-fs). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PD_CAPTURE_ERROR (pd_capture_error_quark ())

typedef enum {
  PD_CAPTURE_ERROR_FAILED,         /* anything not covered below */
  PD_CAPTURE_ERROR_NO_DEVICE,      /* the device asked for does not exist or is not connected */
  PD_CAPTURE_ERROR_DEVICE_BUSY,    /* another program or scan holds the device */
  PD_CAPTURE_ERROR_JAMMED,         /* paper jam in the feeder */
  PD_CAPTURE_ERROR_COVER_OPEN,
  PD_CAPTURE_ERROR_NO_DOCS,        /* the feeder was empty at the first page */
  PD_CAPTURE_ERROR_IO_ERROR,       /* could not talk to the device */
  PD_CAPTURE_ERROR_ACCESS_DENIED,  /* permissions or a device password */
  PD_CAPTURE_ERROR_UNPLUGGED,      /* the device stopped answering in the middle of a page */
  PD_CAPTURE_ERROR_NO_MEM,
  PD_CAPTURE_ERROR_UNSUPPORTED,    /* e.g. duplex asked of a device without it */
  PD_CAPTURE_ERROR_INVALID,        /* the device refused a setting */
} PdCaptureError;

GQuark pd_capture_error_quark (void);

G_END_DECLS
