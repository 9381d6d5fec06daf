/* pd-barcode.h: the barcodes printed on a page, and whether they make it a separator sheet that
 * splits a batch into documents (a NAPS2/Kodak "Patch T" sheet, or a code whose value matches the
 * profile's pattern). Reads Code 128, Code 39, EAN-13, EAN-8, UPC-A, UPC-E and QR codes; not
 * DataMatrix or PDF417, which zbar cannot decode. Safe to call from any thread. */
#pragma once

#include <glib.h>
#include <leptonica/allheaders.h>

G_BEGIN_DECLS

typedef struct {
  char *type;   /* as zbar names it: "CODE-128", "CODE-39", "EAN-13", "EAN-8", "UPC-A",
                 * "UPC-E", "QR-Code" */
  char *value;  /* UTF-8; bytes that are not are replaced with U+FFFD */
  int   x0, y0; /* the box where it was read, in the scanned image's pixels, x1 and y1 */
  int   x1, y1; /* included; for a 1-D code it spans the scan lines that decoded it */
} PdBarcode;

/* The value on a NAPS2 / Kodak "Patch T" separator sheet (a Code 39 barcode). */
#define PD_BARCODE_PATCH_T "PATCHT"

GPtrArray *pd_barcode_scan         (PIX              *pix,
                                    GError          **error);
void       pd_barcode_free         (PdBarcode        *barcode);

gboolean   pd_barcode_is_separator (const GPtrArray  *barcodes,
                                    const char       *pattern,
                                    const char      **value_out,
                                    GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdBarcode, pd_barcode_free)

G_END_DECLS
