/* pd-fs.h: durable file writes. A file that matters is written under a temporary name in its
 * final directory, fsync'd, renamed over its final name, and the directory fsync'd, so a crash
 * leaves either the old file or the complete new one, never a torn one. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _PdDurableFile PdDurableFile;
typedef struct _PdVault PdVault;

/* Under the default vault's folder (pd_vault_set_default ()) the file is sealed as it is
 * written; elsewhere it is plain. Either way it is created 0600. */
PdDurableFile *pd_durable_file_create  (const char     *path,
                                        GError        **error);
/* Sealed with @vault, or plain if @vault is NULL, wherever @path is. */
PdDurableFile *pd_durable_file_create_sealed (const char  *path,
                                              PdVault     *vault,
                                              GError     **error);
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
/* Creates @dir (and its parents) if needed and makes it 0700, also when it already existed. */
gboolean       pd_fs_ensure_private_dir (const char    *dir,
                                         GError       **error);
void           pd_fs_set_error_from_errno (GError     **error,
                                           int          saved_errno,
                                           const char  *what,
                                           const char  *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdDurableFile, pd_durable_file_abort)

/* Removes the ".part-" files in @dir that no live PdDurableFile holds (a writer killed before it
 * committed); returns how many. A file being written by another process right now is left. */
guint          pd_fs_remove_stale_temporaries (const char *dir);

G_END_DECLS
