/* pd-test-webdav.h: a private Apache httpd with mod_dav_fs on 127.0.0.1 for one test program,
 * started from tests/fixtures/webdav/ and stopped at the end. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PD_TEST_WEBDAV_USER     "alice"
#define PD_TEST_WEBDAV_PASSWORD "Corr3ct-h0rse-battery"

typedef struct _PdTestWebdav PdTestWebdav;

/* Aborts the test program with a clear message if Apache is missing or does not start.
 * PUT bodies above @body_limit bytes get 413. */
PdTestWebdav *pd_test_webdav_start    (guint64       body_limit);
/* The same over HTTPS (https://127.0.0.1:PORT/dav/) with this certificate and key (PEM). */
PdTestWebdav *pd_test_webdav_start_tls (guint64      body_limit,
                                        const char  *cert_file,
                                        const char  *key_file);
void          pd_test_webdav_stop     (PdTestWebdav *server);
/* http://127.0.0.1:PORT/dav/: the account root; readonly/ in it may only be read, and busy/
 * answers 503 with Retry-After: 120. */
const char   *pd_test_webdav_get_uri  (PdTestWebdav *server);
/* The account root on disk, to check what the server really stored. */
const char   *pd_test_webdav_get_root (PdTestWebdav *server);

guint16       pd_test_free_port       (void);
/* A self-signed certificate and key (PEM files) for 127.0.0.1, made with openssl. */
void          pd_test_make_certificate (const char  *name,
                                        char       **cert_file,
                                        char       **key_file);

G_END_DECLS
