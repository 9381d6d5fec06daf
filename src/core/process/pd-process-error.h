/* pd-process-error.h: the process stage's error domain. Each code is something the caller can
 * act on (ask for another file, install a language, retry the page), and each message names the
 * file it is about in words a person understands. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PD_PROCESS_ERROR (pd_process_error_quark ())

typedef enum {
  PD_PROCESS_ERROR_FAILED,              /* anything else; the message says what */
  PD_PROCESS_ERROR_EMPTY_FILE,          /* the file has zero bytes */
  PD_PROCESS_ERROR_TRUNCATED,           /* the file ends before the image does */
  PD_PROCESS_ERROR_NOT_AN_IMAGE,        /* the content is not an image or PDF at all */
  PD_PROCESS_ERROR_UNSUPPORTED_FORMAT,  /* an image format Paperdock does not read */
  PD_PROCESS_ERROR_NO_LANGUAGE,         /* OCR language data is not installed */
  PD_PROCESS_ERROR_OCR_FAILED,          /* tesseract could not recognize the page */
  PD_PROCESS_ERROR_PDF_FAILED,          /* the PDF could not be written */
} PdProcessError;

GQuark pd_process_error_quark (void);

G_END_DECLS
