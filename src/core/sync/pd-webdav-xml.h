/* pd-webdav-xml.h: reading what a WebDAV server answers (207 multistatus bodies, etags). Kept
 * apart from the connector so that the fuzzers reach the parsers without a server. */
#pragma once

#include "pd-connector.h"

G_BEGIN_DECLS

#define PD_WEBDAV_DAV_NS "DAV:"
#define PD_WEBDAV_PD_NS  "urn:paperdock"

/* W/"x" -> "x": see the .c for why. NULL stays NULL. */
char     *_pd_webdav_normalize_etag          (const char   *etag);
/* Fills @info from the first <response> of a PROPFIND answer. FALSE if it is not one. */
gboolean  _pd_webdav_parse_propfind          (const char   *data,
                                              gsize         len,
                                              PdRemoteInfo *info,
                                              gboolean     *is_collection);
/* A PROPPATCH answer: FALSE if it is not a multistatus; otherwise @failed_status is 0 when
 * every <status> in it is a success, else the last failing status. */
gboolean  _pd_webdav_parse_proppatch         (const char   *data,
                                              gsize         len,
                                              guint        *failed_status);

G_END_DECLS
