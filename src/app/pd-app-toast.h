/* pd-app-toast.h: short feedback that needs no answer, shown as a toast over the pages around a
 * widget, and always logged, so a message is never lost where no overlay is shown. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Shows @text for @seconds in the toast overlay @widget is in (or the preferences window that
 * @widget is); without either, it is only logged. */
void pd_app_toast (GtkWidget  *widget,
                   const char *text,
                   guint       seconds);

G_END_DECLS
