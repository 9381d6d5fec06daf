/* pd-onedrive-private.h: the OneDrive connector's parsers of what Graph answers, for its tests
 * and fuzzers. Each takes any bytes at all and never crashes. */
#pragma once

#include "pd-connector.h"

G_BEGIN_DECLS

/* A driveItem JSON -> @info: exists, size, eTag, lastModifiedDateTime, the metadata written
 * into its description ("key: value" lines) and file.hashes.quickXorHash as
 * info->metadata["quickXorHash"]. @info is filled only on success. */
gboolean _pd_onedrive_parse_item    (const char    *json,
                                     gsize          len,
                                     PdRemoteInfo  *info,
                                     GError       **error);

/* An uploadSession JSON (createUploadSession, a 202 fragment answer, a status GET) ->
 * uploadUrl (NULL when absent, as in status answers), expirationDateTime as Unix time (0 when
 * absent) and the first byte the server still wants: the smallest start of nextExpectedRanges
 * (0 when absent). Any output may be NULL. */
gboolean _pd_onedrive_parse_session (const char    *json,
                                     gsize          len,
                                     char         **upload_url,
                                     gint64        *expires,
                                     guint64       *next_expected_start,
                                     GError       **error);

/* Metadata as the driveItem description carries it: one "key: value" line per entry, sorted
 * by key. Keys with ':' or line breaks are refused (PD_SYNC_ERROR_INVALID_NAME); line breaks
 * in values become spaces. */
char    *_pd_onedrive_format_description (GHashTable  *metadata,
                                          GError     **error);
void     _pd_onedrive_parse_description  (const char  *description,
                                          GHashTable  *metadata);

G_END_DECLS
