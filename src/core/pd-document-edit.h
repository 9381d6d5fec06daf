/* pd-document-edit.h: what a person changes in a scanned document after the fact: turn a page,
 * delete it, move it, mark it blank (left out of the PDF, kept), crop it, or replace it with a
 * new scan. Each edit is one library transaction with its journal row; the document's PDF is
 * then made again from the stored page images and words, as the next revision, so the sync
 * engine sends the new version. The new PDF gets the options of the profile that made the
 * document (PDF/A, encryption): an edit never takes a document's protection away. A batch still
 * waiting in review (before Save) is edited the same way but no PDF is made: filing makes its
 * documents from the pages as they are then (see pd_pipeline_plan_async()). */
#pragma once

#include <gio/gio.h>

#include "pd-library.h"
#include "pd-page-processor.h"
#include "pd-spooled-page.h"

G_BEGIN_DECLS

#define PD_DOCUMENT_EDIT_ERROR (pd_document_edit_error_quark ())

typedef enum {
  PD_DOCUMENT_EDIT_ERROR_FAILED,       /* anything else; the message says what */
  PD_DOCUMENT_EDIT_ERROR_UNSUPPORTED,  /* e.g. turning a page that was never recognized */
  PD_DOCUMENT_EDIT_ERROR_NO_PAGES,     /* every page would be left out of the PDF */
  PD_DOCUMENT_EDIT_ERROR_PROTECTION,   /* the PDF must be encrypted but the profile or its
                                        * password is gone: set the password, nothing changed */
} PdDocumentEditError;

GQuark pd_document_edit_error_quark (void);

typedef enum {
  PD_PAGE_EDIT_ROTATE,     /* value: quarter turns clockwise, negative for anticlockwise */
  PD_PAGE_EDIT_DELETE,     /* value: unused */
  PD_PAGE_EDIT_MOVE,       /* value: the page's new 0-based place in its document */
  PD_PAGE_EDIT_SET_BLANK,  /* value: 1 blank (left out of the PDF), 0 not blank (put back) */
  PD_PAGE_EDIT_CROP,       /* value: unused; crop: what to keep */
} PdPageEditKind;

/* A rectangle in pixels of the page's image as it is now (the one the PDF embeds). */
typedef struct {
  guint x, y, width, height;
} PdPageRect;

typedef struct {
  PdPageEditKind kind;
  gint64         page_id;
  int            value;
  PdPageRect     crop;     /* PD_PAGE_EDIT_CROP only */
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

/* Replaces a page with a new scan of it: @spooled is the new spool file (durable already) and
 * @result what pd_page_process made of it. The page keeps its place and id; its image, text and
 * words are the new ones, and the PDF is made again as the next revision. The old files go once
 * this is committed. */
gboolean pd_document_replace_page     (PdLibrary            *library,
                                       gint64                page_id,
                                       const PdSpooledPage  *spooled,
                                       const PdPageResult   *result,
                                       GError              **error);

/* The profile that made a document (its name), recorded when the pipeline files it; the PDF
 * is always made again with that profile's options. *profile_name is NULL for none. */
gboolean pd_document_set_profile      (PdLibrary            *library,
                                       gint64                document_id,
                                       const char           *profile_name,
                                       GError              **error);
gboolean pd_document_get_profile      (PdLibrary            *library,
                                       gint64                document_id,
                                       char                **profile_name,
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
