/* pd-library-delete.h: deleting a document from the library for good: its rows (pages, words,
 * barcodes, full-text entries, kept versions, inbox items) go in one transaction with the journal
 * row that records it (the journal keeps the document's uuid, so its history stays readable),
 * and its files (PDF, page images, spooled scans, kept versions) are removed after the commit.
 * A synced document is deleted on this computer only: its copy on the destination stays. */
#pragma once

#include "pd-library.h"

G_BEGIN_DECLS

/* NOT_FOUND when there is no such document; BAD_TRANSITION while it is still being scanned or
 * processed (the pipeline owns it then). */
gboolean pd_library_delete_document (PdLibrary  *self,
                                     gint64      document_id,
                                     GError    **error);

G_END_DECLS
