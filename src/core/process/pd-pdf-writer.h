/* pd-pdf-writer.h: writes a searchable PDF (each page an embedded JPEG or CCITT G4 image with
 * an invisible text layer at the recognized words' positions) straight to disk, durably. */
#pragma once

#include <glib.h>

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
} PdPdfMetadata;

gboolean pd_pdf_write (const char           *path,
                       const PdPdfPage      *pages,
                       guint                 n_pages,
                       const PdPdfMetadata  *meta,
                       GError              **error);

G_END_DECLS
