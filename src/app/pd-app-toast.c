/* pd-app-toast.c: toasts for the views (see pd-app-toast.h). */
#define G_LOG_DOMAIN "pd-app"

#include "pd-app-toast.h"

#include <adwaita.h>

void
pd_app_toast (GtkWidget  *widget,
              const char *text,
              guint       seconds)
{
  GtkWidget *overlay;
  AdwToast *toast;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (text != NULL);

  g_debug ("%s", text);
  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, seconds);
  if (ADW_IS_PREFERENCES_WINDOW (widget))
    {
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (widget), toast);
      return;
    }
  overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);
  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
  else
    g_object_unref (toast);
}
