/* pd-library-error.c: the library's error quark, so callers can match PD_LIBRARY_ERROR codes. */
#define G_LOG_DOMAIN "pd-library"

#include "pd-library-error.h"

G_DEFINE_QUARK (pd-library-error-quark, pd_library_error)
