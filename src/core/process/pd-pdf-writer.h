/* pd-pdf-writer.h: writes a searchable PDF (each page an embedded JPEG or CCITT G4 image with
 * an invisible text layer at the recognized words' positions) straight to disk, durably; on
 * request as PDF/A-2b for archives. Also the image-side helpers that decide how many pixels a
 * page brings into the PDF. */
#pragma once

#include <glib.h>
#include <leptonica/allheaders.h>

#include "pd-page-processor.h"

G_BEGIN_DECLS

typedef struct {
  const char      *image_path;  /* JPEG file or raw CCITT G4 data, embedded as is */
  PdImageEncoding  encoding;
  guint            width, height, dpi, channels;
  GArray          *words;       /* PdWord in pixels of the image, or NULL for an image-only page */
} PdPdfPage;

typedef struct {
  const char *title, *author, *subject, *keywords, *creator, *producer;  /* UTF-8 or NULL */
  GDateTime  *created;  /* NULL: now */
  gboolean    pdfa;     /* PDF/A-2b: XMP metadata, sRGB output intent; never to be encrypted */
} PdPdfMetadata;

gboolean pd_pdf_write       (const char           *path,
                             const PdPdfPage      *pages,
                             guint                 n_pages,
                             const PdPdfMetadata  *meta,
                             GError              **error);

/* A gray or colour page scaled from @from_dpi down to @to_dpi before it is encoded, with its
 * resolution set to @to_dpi. A new reference to @pix when there is nothing to do (@to_dpi 0 or
 * not below @from_dpi, or a 1-bit page, whose G4 data is small already); NULL on failure. */
PIX     *pd_pdf_downsample  (PIX                  *pix,
                             guint                 from_dpi,
                             guint                 to_dpi);
/* Moves word boxes recognized at @from_dpi onto the grid of the same page at @to_dpi. */
void     pd_pdf_scale_words (GArray               *words,
                             guint                 from_dpi,
                             guint                 to_dpi);

G_END_DECLS
