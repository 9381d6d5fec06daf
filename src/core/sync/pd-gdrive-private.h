/* pd-gdrive-private.h: the Google Drive connector's parsers of server answers, exposed for
 * the fuzzers and tests; callers use pd-gdrive-connector.h. */
#pragma once

#include "pd-connector.h"

G_BEGIN_DECLS

/* A Drive file resource (JSON) -> @info (exists, size, etag = version, modified, metadata from
 * properties, description and appProperties). @file_id and @md5 (optional) get the file's id
 * and md5Checksum (NULL when absent). FALSE with PD_SYNC_ERROR_FAILED if @json is not a file
 * resource with an id. @info must come from pd_remote_info_new (). */
gboolean _pd_gdrive_parse_file  (const char    *json,
                                 gsize          len,
                                 PdRemoteInfo  *info,
                                 char         **file_id,
                                 char         **md5,
                                 GError       **error);
/* {"error": {"errors": [{"reason": ...}], "message": ...}} -> the first reason and the
 * message (either may be NULL). FALSE if @json is no Drive error. */
gboolean _pd_gdrive_parse_error (const char    *json,
                                 gsize          len,
                                 char         **reason,
                                 char         **message);

G_END_DECLS
