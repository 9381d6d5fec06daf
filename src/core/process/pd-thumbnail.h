/* pd-thumbnail.h: a small picture of a document's first page, kept in the library when the
 * page images and the PDF are removed after sync (eviction), so the library still shows what
 * the document looks like. */
#pragma once

#include "pd-library.h"

G_BEGIN_DECLS

#define PD_THUMBNAIL_SIZE 256  /* pixels, the longer side */

/* <library>/thumbnails/<uuid>.png; free with g_free (). The file may not exist. */
char     *pd_thumbnail_get_path (PdLibrary    *library,
                                 const char   *uuid);
/* <library>/thumbnails; free with g_free (). */
char     *pd_thumbnail_dup_dir  (PdLibrary    *library);
/* Writes the thumbnail of @document_id from its first page's scan, unless it exists. FALSE with
 * an error when no page image can be read (an evicted document without a thumbnail). */
gboolean  pd_thumbnail_ensure   (PdLibrary    *library,
                                 gint64        document_id,
                                 GError      **error);

G_END_DECLS
