/* pd-app-open.h: documents opened in another application. A library may keep its PDFs sealed
 * (pd-vault.h), which no PDF viewer can read: the document is decrypted into a private file
 * under the user's runtime folder (tmpfs on most systems, never backed up), handed to the
 * viewer, and removed when Paperdock quits. Each process has its own folder, so one instance
 * quitting never pulls a file from under another's viewer. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* <runtime dir>/paperdock/<pid>: where this process puts its plain copies. */
char     *pd_app_open_dup_dir      (void);
/* Decrypts @pdf_path into <dir>/<document_id>/<name>.pdf (0600, folders 0700) and returns that
 * path. Blocking: call it on a worker thread. */
char     *pd_app_open_decrypt      (const char  *pdf_path,
                                    gint64       document_id,
                                    const char  *name,
                                    GError     **error);
/* Removes this process's plain copies (at quit). */
void      pd_app_open_remove_own   (void);
/* Removes plain copies left by Paperdock processes that are gone (a crash, a power cut). */
void      pd_app_open_remove_stale (void);

G_END_DECLS
