/* pd-app-job.h: runs one piece of library work (a query, a resolve, a download) on a worker
 * thread and hands its result back on the main context, so that no widget ever waits on SQLite
 * or the network. The library serializes its own connection, so every job may use the one
 * library the application opened. */
#pragma once

#include <gio/gio.h>

#include "pd-library.h"

G_BEGIN_DECLS

/* Runs on a worker thread. On success it may set *result (freed with *result_free unless the
 * caller takes it) and returns TRUE; on failure it sets @error. */
typedef gboolean (*PdAppJobFunc) (PdLibrary       *library,
                                  gpointer         data,
                                  gpointer        *result,
                                  GDestroyNotify  *result_free,
                                  GCancellable    *cancellable,
                                  GError         **error);

void     pd_app_job_run    (PdLibrary            *library,
                            PdAppJobFunc          func,
                            gpointer              data,
                            GDestroyNotify        data_free,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data);
gboolean pd_app_job_finish (GAsyncResult         *result,
                            gpointer             *out,
                            GError              **error);
gpointer pd_app_job_get_data (GAsyncResult        *result);

/* "The scan of [storm] damage" -> "The scan of <b>storm</b> damage", with everything else
 * escaped for Pango markup. */
char    *pd_app_snippet_to_markup (const char *snippet);

/* A time from the library (unix µs) the way a person reads it: "Today 14:02", "3 March 2026". */
char    *pd_app_format_time       (gint64      time_us);

G_END_DECLS
