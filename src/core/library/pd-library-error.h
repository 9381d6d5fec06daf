/* pd-library-error.h: the library's error domain. The codes are what a caller can act on:
 * show "not found", offer to restore a damaged database, ask for an update, free disk space. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PD_LIBRARY_ERROR (pd_library_error_quark ())

typedef enum {
  PD_LIBRARY_ERROR_FAILED,          /* anything else; the message says what */
  PD_LIBRARY_ERROR_NOT_FOUND,       /* nothing matches; the message names what was asked for */
  PD_LIBRARY_ERROR_CORRUPT,         /* the database file is damaged; the message says what to do */
  PD_LIBRARY_ERROR_TOO_NEW,         /* written by a newer Paperdock: not opened and not touched */
  PD_LIBRARY_ERROR_BAD_TRANSITION,  /* the document is not in the state the caller expected */
  PD_LIBRARY_ERROR_AMBIGUOUS,       /* a uuid prefix matches several documents */
  PD_LIBRARY_ERROR_DISK_FULL,       /* no space to write; nothing committed was lost */
} PdLibraryError;

GQuark pd_library_error_quark (void);

G_END_DECLS
