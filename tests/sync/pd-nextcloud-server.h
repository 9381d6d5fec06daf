/* pd-nextcloud-server.h: a small in-process server speaking the part of Nextcloud's WebDAV that
 * the WebDAV connector uses, written from Nextcloud's documentation ("Chunked file upload v2"):
 * the account's files under /remote.php/dav/files/USER/ (PROPFIND, GET, PUT, MKCOL, DELETE,
 * PROPPATCH dead properties, ETags, If-Match / If-None-Match) and the uploads collection under
 * /remote.php/dav/uploads/USER/ (MKCOL with Destination, numbered chunk PUTs, MOVE of .file
 * that assembles them after checking OC-Total-Length and the Destination, Overwrite and If
 * preconditions). It runs on 127.0.0.1 in a thread of its own and keeps files on disk so that
 * tests can check what it stored. A test fixture: the connector is written to the
 * documentation, not to this. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PdNextcloudServer PdNextcloudServer;

PdNextcloudServer *pd_nextcloud_server_new              (const char        *user,
                                                         const char        *password);
void               pd_nextcloud_server_free             (PdNextcloudServer *server);
/* http://127.0.0.1:PORT/remote.php/dav/files/USER/: the account address. */
const char        *pd_nextcloud_server_get_uri          (PdNextcloudServer *server);
/* The account's files on disk. */
const char        *pd_nextcloud_server_get_root         (PdNextcloudServer *server);

/* Complete PUTs of chunk @number (1-based) into any upload folder; 0 counts every chunk. */
guint              pd_nextcloud_server_count_chunk_puts (PdNextcloudServer *server,
                                                         guint              number);
/* Complete PUTs of whole files into the account's files. */
guint              pd_nextcloud_server_count_file_puts  (PdNextcloudServer *server);
/* Upload folders that exist now (begun and not yet assembled or deleted). */
guint              pd_nextcloud_server_count_uploads    (PdNextcloudServer *server);
/* Every PUT of chunk @number is cut (the connection closed) once @after_bytes of its body have
 * arrived, until @number 0 turns it off. count_cuts: how many PUTs were cut so far. */
void               pd_nextcloud_server_cut_chunk        (PdNextcloudServer *server,
                                                         guint              number,
                                                         gsize              after_bytes);
guint              pd_nextcloud_server_count_cuts       (PdNextcloudServer *server);
/* Chunks other than the last must be at least this big at MOVE (Nextcloud: 5 MB, the
 * default here). */
void               pd_nextcloud_server_set_min_chunk    (PdNextcloudServer *server,
                                                         gsize              min_bytes);

G_END_DECLS
