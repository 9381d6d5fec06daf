/* pd-fs.h: durable file writes. A file that matters is written under a temporary name in its
 * final directory, fsync'd, renamed over its final name, and the directory fsync'd, so a crash
 * leaves either the old file or the complete new one, never a torn one. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _PdDurableFile PdDurableFile;

PdDurableFile *pd_durable_file_create  (const char     *path,
                                        GError        **error);
gboolean       pd_durable_file_write   (PdDurableFile  *file,
                                        const void     *data,
                                        gsize           len,
                                        GError        **error);
gboolean       pd_durable_file_printf  (PdDurableFile  *file,
                                        GError        **error,
                                        const char     *format,
                                        ...) G_GNUC_PRINTF (3, 4);
guint64        pd_durable_file_tell    (PdDurableFile  *file);
gboolean       pd_durable_file_commit  (PdDurableFile  *file,
                                        GError        **error);
void           pd_durable_file_abort   (PdDurableFile  *file);

gboolean       pd_fs_write_durable     (const char     *path,
                                        const void     *data,
                                        gsize           len,
                                        GError        **error);
gboolean       pd_fs_fsync_dir         (const char     *dir,
                                        GError        **error);
gboolean       pd_fs_ensure_private_dir (const char    *dir,
                                         GError       **error);
void           pd_fs_set_error_from_errno (GError     **error,
                                           int          saved_errno,
                                           const char  *what,
                                           const char  *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdDurableFile, pd_durable_file_abort)

G_END_DECLS
