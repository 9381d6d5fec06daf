/* pd-library-pages.h: edits a person makes to the pages of a finished document (turn, delete,
 * reorder, mark blank) and the new revision of its PDF, as library transactions. Each call is
 * one transaction with its journal row, refused while the pipeline still owns the document
 * (capturing or processing). pd-document-edit.h does the image and PDF work around them. */
#pragma once

#include "pd-library.h"

G_BEGIN_DECLS

/* Borrowed from nobody: a page by its id, or NULL with PD_LIBRARY_ERROR_NOT_FOUND. */
PdPage   *pd_library_get_page              (PdLibrary    *self,
                                            gint64        page_id,
                                            GError      **error);
/* The page moves to @new_index (0-based, clamped to the last page); the others close up. */
gboolean  pd_library_move_page             (PdLibrary    *self,
                                            gint64        page_id,
                                            guint         new_index,
                                            GError      **error);
/* The page, its words, barcodes and index entry go; the pages after it move up. Refused for
 * the only page of a document. The files are the caller's to remove once this committed. */
gboolean  pd_library_delete_page           (PdLibrary    *self,
                                            gint64        page_id,
                                            GError      **error);
/* A person's verdict: blank pages are left out of the PDF (and kept), others put back. */
gboolean  pd_library_set_page_blank        (PdLibrary    *self,
                                            gint64        page_id,
                                            gboolean      blank,
                                            GError      **error);
/* The page's embedded image was turned by @quarter_turns clockwise: its new file, size, the
 * rotation now applied to the scan (0/90/180/270) and the words on the new pixel grid. */
gboolean  pd_library_set_page_turned       (PdLibrary    *self,
                                            gint64        page_id,
                                            const char   *image_path,
                                            guint         image_width,
                                            guint         image_height,
                                            guint         rotation,
                                            GArray       *words,
                                            GError      **error);
/* A new PDF of the document was written at @pdf_path: the document is ready again at the next
 * revision, so the sync engine sends it. @what says why, for the journal. */
gboolean  pd_library_set_document_revised  (PdLibrary    *self,
                                            gint64        document_id,
                                            const char   *pdf_path,
                                            const char   *what,
                                            GError      **error);

G_END_DECLS
