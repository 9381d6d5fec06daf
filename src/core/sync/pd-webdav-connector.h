/* pd-webdav-connector.h: a connector for WebDAV servers (Nextcloud, ownCloud, Apache mod_dav,
 * NAS boxes) with Basic authentication over libsoup 3. */
#pragma once

#include "pd-connector.h"

G_BEGIN_DECLS

#define PD_TYPE_WEBDAV_CONNECTOR (pd_webdav_connector_get_type ())

G_DECLARE_FINAL_TYPE (PdWebdavConnector, pd_webdav_connector, PD, WEBDAV_CONNECTOR, GObject)

/* Defaults of the "timeout", "chunk-threshold" and "chunk-size" properties. */
#define PD_WEBDAV_DEFAULT_TIMEOUT         60
#define PD_WEBDAV_DEFAULT_CHUNK_THRESHOLD (10 * 1024 * 1024)
#define PD_WEBDAV_DEFAULT_CHUNK_SIZE      (5 * 1024 * 1024)

/* @base_uri is the account's root folder ("https://cloud.example.org/remote.php/dav/files/ann/").
 * The password is kept only in memory, sent only in the Authorization header, and never logged;
 * it is not a property. Fails with PD_SYNC_ERROR_FAILED if @base_uri is not an http(s)
 * address. TLS certificates are always verified.
 *
 * Properties: "timeout" (seconds a single network read or write may wait before the request
 * fails as PD_SYNC_ERROR_TRANSIENT), "chunk-threshold" (files larger than this many bytes go
 * to a Nextcloud server in chunks), "chunk-size" (bytes per chunk, the last one smaller). */
PdConnector *pd_webdav_connector_new          (const char         *display_name,
                                               const char         *base_uri,
                                               const char         *username,
                                               const char         *password,
                                               GError            **error);
const char  *pd_webdav_connector_get_base_uri (PdWebdavConnector  *self);
const char  *pd_webdav_connector_get_username (PdWebdavConnector  *self);

guint        pd_webdav_connector_get_timeout  (PdWebdavConnector  *self);
void         pd_webdav_connector_set_timeout  (PdWebdavConnector  *self,
                                               guint               seconds);

/* Trusts exactly this certificate (PEM) for this account, even self-signed or issued for
 * another name: the one exception to verification, for a self-hosted server whose owner
 * checked it. Any other certificate still has to pass verification. NULL removes the pin.
 * Fails with PD_SYNC_ERROR_CERTIFICATE if @pem holds no certificate. Takes effect for new
 * connections. */
gboolean     pd_webdav_connector_set_pinned_certificate (PdWebdavConnector  *self,
                                                         const char         *pem,
                                                         GError            **error);

G_END_DECLS
