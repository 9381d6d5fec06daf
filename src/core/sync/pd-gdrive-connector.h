/* pd-gdrive-connector.h: a connector for Google Drive (Drive API v3) over libsoup 3, with
 * OAuth bearer tokens from a PdTokenSource and resumable uploads that survive a restart
 * through a PdResumeStore. */
#pragma once

#include "pd-connector.h"
#include "pd-resume-store.h"
#include "pd-token-source.h"

G_BEGIN_DECLS

#define PD_TYPE_GDRIVE_CONNECTOR (pd_gdrive_connector_get_type ())

G_DECLARE_FINAL_TYPE (PdGdriveConnector, pd_gdrive_connector, PD, GDRIVE_CONNECTOR, GObject)

/* Upload chunks: 8 MiB, a multiple of 256 KiB as Drive requires. The "chunk-size" property
 * (or PAPERDOCK_GDRIVE_CHUNK_SIZE in the environment, in bytes, read at construction) sets
 * another size; it is rounded down to a multiple of 256 KiB, at least 256 KiB. */
#define PD_GDRIVE_DEFAULT_CHUNK_SIZE (8 * 1024 * 1024)
#define PD_GDRIVE_CHUNK_GRANULARITY  (256 * 1024)

/* @api_uri is "https://www.googleapis.com" (tests pass their server's address): /drive/v3 and
 * /upload/drive/v3 hang under it. @root_folder_id is the Drive folder remote paths start
 * from, NULL for "root" (My Drive). Tokens come from @tokens for every request; upload
 * sessions are kept in @resume until the upload is confirmed. Fails with
 * PD_SYNC_ERROR_FAILED if @api_uri is not an http(s) address. TLS certificates are always
 * verified. */
PdConnector *pd_gdrive_connector_new (const char     *display_name,
                                      const char     *api_uri,
                                      const char     *root_folder_id,
                                      PdTokenSource  *tokens,
                                      PdResumeStore  *resume,
                                      GError        **error);

G_END_DECLS
