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
/* A Depth 1 PROPFIND answer: fills @sizes with the last path segment (unescaped) of every
 * member that is not a collection -> its getcontentlength (guint64 in a pointer-sized slot is
 * not portable, so the value is a g_malloc'd guint64). The collection itself is skipped.
 * FALSE if it is not a multistatus. */
gboolean  _pd_webdav_parse_listing           (const char   *data,
                                              gsize         len,
                                              GHashTable   *sizes);

G_END_DECLS
