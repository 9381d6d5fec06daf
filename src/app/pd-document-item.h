/* pd-document-item.h: one library document as a GObject, so that list models and widgets can
 * hold it; it also words the document's state (including where it is in syncing: waiting,
 * uploading, synced, needs attention), page count and date for a person. */
#pragma once

#include <glib-object.h>

#include "pd-library.h"
#include "pd-library-sync.h"

G_BEGIN_DECLS

#define PD_TYPE_DOCUMENT_ITEM (pd_document_item_get_type ())

G_DECLARE_FINAL_TYPE (PdDocumentItem, pd_document_item, PD, DOCUMENT_ITEM, GObject)

PdDocumentItem   *pd_document_item_new             (const PdDocument *document);
PdDocumentItem   *pd_document_item_new_with_sync   (const PdDocument    *document,
                                                    const PdSyncState   *sync_state,
                                                    const char          *attention,
                                                    gboolean             uploading,
                                                    guint                percent);
const PdSyncState *pd_document_item_get_sync_state (PdDocumentItem   *self);
void              pd_document_item_set_upload_progress (PdDocumentItem *self,
                                                        gboolean        uploading,
                                                        guint           percent);
gboolean          pd_document_item_get_evicted     (PdDocumentItem   *self);
gboolean          pd_document_item_needs_attention (PdDocumentItem   *self);
const PdDocument *pd_document_item_get_document    (PdDocumentItem   *self);
gint64            pd_document_item_get_id          (PdDocumentItem   *self);
const char       *pd_document_item_get_name        (PdDocumentItem   *self);
PdDocState        pd_document_item_get_state       (PdDocumentItem   *self);
guint             pd_document_item_get_n_pages     (PdDocumentItem   *self);
char             *pd_document_item_dup_status      (PdDocumentItem   *self);
char             *pd_document_item_dup_pages_label (PdDocumentItem   *self);
char             *pd_document_item_dup_date_label  (PdDocumentItem   *self);

G_END_DECLS
