/* pd-import.h: bring image files and PDFs into the spool as pages, exactly as a scanner would.
 * The file is checked completely before the first page is handed on, so a damaged file never
 * leaves half a document behind. */
#pragma once

#include <glib.h>

#include "pd-spooled-page.h"

G_BEGIN_DECLS

gboolean pd_import_file (const char        *path,
                         const char        *spool_dir,
                         const char        *file_prefix,
                         guint              first_index,
                         PdSpooledPageFunc  page_func,
                         gpointer           user_data,
                         guint             *n_pages,
                         GError           **error);

G_END_DECLS
