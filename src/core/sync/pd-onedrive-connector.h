/* pd-onedrive-connector.h: a connector for OneDrive and SharePoint document libraries through
 * Microsoft Graph v1.0, with upload sessions that survive a restart. */
#pragma once

#include "pd-connector.h"
#include "pd-resume-store.h"
#include "pd-token-source.h"

G_BEGIN_DECLS

#define PD_TYPE_ONEDRIVE_CONNECTOR (pd_onedrive_connector_get_type ())

G_DECLARE_FINAL_TYPE (PdOnedriveConnector, pd_onedrive_connector, PD, ONEDRIVE_CONNECTOR, GObject)

/* @drive_uri is the drive's base address: "https://graph.microsoft.com/v1.0/me/drive" for the
 * signed-in person's OneDrive, ".../v1.0/drives/{drive-id}" for a SharePoint library. Remote
 * paths are relative to the drive's root. Every request asks @tokens for a bearer token;
 * upload sessions (their address is a credential) are kept in @resume between attempts, keyed
 * by the document's "uuid" metadata and the remote path. Fails with PD_SYNC_ERROR_FAILED if
 * @drive_uri is not an https address (http only for 127.0.0.1, for tests). TLS certificates are
 * always verified. */
PdConnector *pd_onedrive_connector_new           (const char           *display_name,
                                                  const char           *drive_uri,
                                                  PdTokenSource        *tokens,
                                                  PdResumeStore        *resume,
                                                  GError              **error);
const char  *pd_onedrive_connector_get_drive_uri (PdOnedriveConnector  *self);

G_END_DECLS
