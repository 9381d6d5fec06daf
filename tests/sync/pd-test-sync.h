/* pd-test-sync.h: blocking wrappers around the PdConnector calls for the sync tests, and
 * helpers to make and compare files. */
#pragma once

#include "pd-connector.h"

G_BEGIN_DECLS

gboolean  pd_test_upload        (PdConnector   *connector,
                                 const char    *local_path,
                                 const char    *remote_path,
                                 const char    *expected_etag,
                                 GHashTable    *metadata,
                                 PdRemoteInfo **info,
                                 GError       **error);
PdRemoteInfo *pd_test_stat      (PdConnector   *connector,
                                 const char    *remote_path,
                                 GError       **error);
gboolean  pd_test_download      (PdConnector   *connector,
                                 const char    *remote_path,
                                 const char    *local_path,
                                 PdRemoteInfo **info,
                                 GError       **error);
gboolean  pd_test_delete        (PdConnector   *connector,
                                 const char    *remote_path,
                                 const char    *expected_etag,
                                 GError       **error);
gboolean  pd_test_connection    (PdConnector   *connector,
                                 GError       **error);

/* A file of @size random bytes in the test's private folder; returns its path. */
char     *pd_test_make_file     (const char    *name,
                                 gsize          size);
void      pd_test_assert_same_file (const char *a,
                                    const char *b);
/* Paths under @dir whose name contains @needle (temporary files left behind). */
guint     pd_test_count_matching (const char   *dir,
                                  const char   *needle);

/* Drops the caller's reference and fails unless @object is finalized within a few seconds. */
void      pd_test_assert_finalized (gpointer   object);

G_END_DECLS
