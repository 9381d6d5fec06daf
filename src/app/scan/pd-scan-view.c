/* pd-scan-view.c: the Scan page (see pd-scan-view.h). For now a placeholder the window can host. */
#define G_LOG_DOMAIN "pd-app"

#include "config.h"

#include <glib/gi18n.h>

#include "pd-scan-view.h"

struct _PdScanView
{
  AdwBin     parent_instance;
  PdLibrary *library;
};

G_DEFINE_FINAL_TYPE (PdScanView, pd_scan_view, ADW_TYPE_BIN)

static void
pd_scan_view_dispose (GObject *object)
{
  PdScanView *self = PD_SCAN_VIEW (object);

  g_clear_object (&self->library);
  G_OBJECT_CLASS (pd_scan_view_parent_class)->dispose (object);
}

static void
pd_scan_view_class_init (PdScanViewClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = pd_scan_view_dispose;
}

static void
pd_scan_view_init (PdScanView *self)
{
  GtkWidget *status = adw_status_page_new ();

  adw_status_page_set_title (ADW_STATUS_PAGE (status), _("Scan"));
  adw_bin_set_child (ADW_BIN (self), status);
}

GtkWidget *
pd_scan_view_new (void)
{
  return g_object_new (PD_TYPE_SCAN_VIEW, NULL);
}

void
pd_scan_view_set_library (PdScanView *self,
                          PdLibrary  *library)
{
  g_return_if_fail (PD_IS_SCAN_VIEW (self));

  g_set_object (&self->library, library);
}
