/* pd-process-error.c: the process stage's error domain, and the one-time set-up of leptonica
 * that every file of the stage relies on. */
#define G_LOG_DOMAIN "pd-process"

#include "pd-process-error.h"

G_DEFINE_QUARK (pd-process-error-quark, pd_process_error)

#include "pd-process-private.h"

/* Leptonica reports bad input on stderr; a damaged import is reported to the person through a
 * GError instead, so its own words only go to the debug log. */
static void
leptonica_stderr_cb (const char *msg)
{
  g_debug ("leptonica: %s", msg);
}

void
_pd_process_init_leptonica (void)
{
  static gsize once;

  if (g_once_init_enter (&once))
    {
      leptSetStderrHandler (leptonica_stderr_cb);
      g_once_init_leave (&once, 1);
    }
}
