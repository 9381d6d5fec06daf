/* pd-document-edit.h: what a person changes in a scanned document after the fact: turn a page,
 * delete it, move it, mark it blank (left out of the PDF, kept). Each edit is one library
 * transaction with its journal row; the document's PDF is then made again from the stored page
 * images and words, as the next revision, so the sync engine sends the new version. */
#pragma once

#include <gio/gio.h>

#include "pd-library.h"

G_BEGIN_DECLS

#define PD_DOCUMENT_EDIT_ERROR (pd_document_edit_error_quark ())

typedef enum {
  PD_DOCUMENT_EDIT_ERROR_FAILED,       /* anything else; the message says what */
  PD_DOCUMENT_EDIT_ERROR_UNSUPPORTED,  /* e.g. turning a page that was never recognized */
  PD_DOCUMENT_EDIT_ERROR_NO_PAGES,     /* every page would be left out of the PDF */
} PdDocumentEditError;

GQuark pd_document_edit_error_quark (void);

typedef enum {
  PD_PAGE_EDIT_ROTATE,     /* value: quarter turns clockwise, negative for anticlockwise */
  PD_PAGE_EDIT_DELETE,     /* value: unused */
  PD_PAGE_EDIT_MOVE,       /* value: the page's new 0-based place in its document */
  PD_PAGE_EDIT_SET_BLANK,  /* value: 1 blank (left out of the PDF), 0 not blank (put back) */
} PdPageEditKind;

typedef struct {
  PdPageEditKind kind;
  gint64         page_id;
  int            value;
} PdPageEdit;

/* Applies @edit and writes the document's PDF again. Blocking: call from a worker, or use the
 * _async form. Edits of one process are applied one at a time. */
gboolean pd_document_edit_page        (PdLibrary            *library,
                                       const PdPageEdit     *edit,
                                       GError              **error);
/* Writes the PDF of @document_id again from its pages, as the document's next revision. */
gboolean pd_document_rebuild_pdf      (PdLibrary            *library,
                                       gint64                document_id,
                                       const char           *why,
                                       GError              **error);

void     pd_document_edit_page_async  (PdLibrary            *library,
                                       const PdPageEdit     *edit,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean pd_document_edit_page_finish (PdLibrary            *library,
                                       GAsyncResult         *result,
                                       GError              **error);

G_END_DECLS
