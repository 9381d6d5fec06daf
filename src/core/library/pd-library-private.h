/* pd-library-private.h: library internals that its own tests need (the FTS query builder, the
 * schema version this build writes, raw SQL to provoke failures). Not for other components. */
#pragma once

#include "pd-library.h"

G_BEGIN_DECLS

guint     _pd_library_get_latest_schema_version (void);
char     *_pd_library_build_fts_query           (const char  *text);
void      _pd_library_set_ranked_search_max     (guint        n_matches);
gboolean  _pd_library_exec                      (PdLibrary   *self,
                                                 const char  *sql,
                                                 GError     **error);

G_END_DECLS
