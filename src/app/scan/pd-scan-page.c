/* pd-scan-page.c: one page of the batch preview (see pd-scan-page.h). */
#define G_LOG_DOMAIN "pd-app"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pd-scan-page.h"

G_DEFINE_FINAL_TYPE (PdScanPage, pd_scan_page, G_TYPE_OBJECT)

static void
pd_scan_page_finalize (GObject *object)
{
  PdScanPage *self = PD_SCAN_PAGE (object);

  g_free (self->message);
  g_free (self->barcodes);
  g_free (self->image_path);
  g_clear_object (&self->thumbnail);
  G_OBJECT_CLASS (pd_scan_page_parent_class)->finalize (object);
}

static void
pd_scan_page_class_init (PdScanPageClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_scan_page_finalize;
}

static void
pd_scan_page_init (PdScanPage *self)
{
}

PdScanPage *
pd_scan_page_new (gint64 document_id,
                  guint  index)
{
  PdScanPage *self = g_object_new (PD_TYPE_SCAN_PAGE, NULL);

  self->document_id = document_id;
  self->index = index;
  return self;
}

char *
pd_scan_page_dup_state_label (PdScanPage *self)
{
  g_return_val_if_fail (PD_IS_SCAN_PAGE (self), NULL);

  switch (self->state)
    {
    case PD_SCAN_PAGE_CAPTURED:
      if (self->stage == PD_SCAN_PAGE_READING_TEXT)
        return g_strdup (_("Reading text…"));
      if (self->stage == PD_SCAN_PAGE_ENHANCING)
        return g_strdup (_("Enhancing…"));
      return g_strdup (_("Waiting…"));
    case PD_SCAN_PAGE_DONE:
      return g_strdup (_("Done"));
    case PD_SCAN_PAGE_FAILED:
    default:
      return g_strdup (_("Could not be processed"));
    }
}

/* What a person should check before trusting the page, in words. */
char *
pd_scan_page_dup_flags_label (PdScanPage *self)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (PD_IS_SCAN_PAGE (self), NULL);

  if (self->is_blank)
    g_ptr_array_add (parts, g_strdup (self->excluded ? _("Blank, left out") : _("Blank")));
  if (self->is_blurry)
    g_ptr_array_add (parts, g_strdup (_("Blurry")));
  if (self->is_separator)
    g_ptr_array_add (parts, g_strdup (_("Separator sheet")));
  if (self->barcodes != NULL && *self->barcodes != '\0')
    {
      const char *colon = strchr (self->barcodes, ':');

      /* The value is what a person recognizes; the symbology is noise. */
      g_ptr_array_add (parts, g_strdup_printf (_("Barcode %s"), colon ? colon + 1 : self->barcodes));
    }
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" · ", (char **) parts->pdata);
}
