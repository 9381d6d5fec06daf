/* pd-webdav-connector.h: a connector for WebDAV servers (Nextcloud, ownCloud, Apache mod_dav,
 * NAS boxes) with Basic authentication over libsoup 3. */
#pragma once

#include "pd-connector.h"

G_BEGIN_DECLS

#define PD_TYPE_WEBDAV_CONNECTOR (pd_webdav_connector_get_type ())

G_DECLARE_FINAL_TYPE (PdWebdavConnector, pd_webdav_connector, PD, WEBDAV_CONNECTOR, GObject)

/* @base_uri is the account's root folder ("https://cloud.example.org/remote.php/dav/files/ann/").
 * The password is kept only in memory, sent only in the Authorization header, and never logged;
 * it is not a property. Fails with PD_SYNC_ERROR_FAILED if @base_uri is not an http(s)
 * address. TLS certificates are always verified. */
PdConnector *pd_webdav_connector_new          (const char         *display_name,
                                               const char         *base_uri,
                                               const char         *username,
                                               const char         *password,
                                               GError            **error);
const char  *pd_webdav_connector_get_base_uri (PdWebdavConnector  *self);
const char  *pd_webdav_connector_get_username (PdWebdavConnector  *self);

G_END_DECLS
