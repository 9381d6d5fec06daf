/* pd-fs.c: durable writes (temporary file, fsync, rename, fsync of the directory), sealed on the
 * fly when the file lies in a library that encrypts at rest (pd-vault.h), and the plain-words
 * error messages a person sees when the disk is full or a folder is not writable. */
#define G_LOG_DOMAIN "pd-core"

#include "pd-fs.h"
#include "pd-vault.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <unistd.h>

#define BUFFER_SIZE (128 * 1024)

struct _PdDurableFile {
  char    *path;
  char    *tmp_path;
  int      fd;
  guint8  *buffer;
  gsize    buffered;
  guint64  written;
  /* owned; NULL for a plain file. The sealer's output waits in @sealed until it is written. */
  PdVaultSealer *sealer;
  GByteArray    *sealed;
};

void
pd_fs_set_error_from_errno (GError     **error,
                            int          saved_errno,
                            const char  *what,
                            const char  *path)
{
  GIOErrorEnum code = g_io_error_from_errno (saved_errno);
  g_autofree char *name = g_filename_display_name (path);

  if (saved_errno == ENOSPC || saved_errno == EDQUOT)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                 "The disk is full: could not %s “%s”. Free some space and try again; "
                 "everything saved before this point is kept.", what, name);
  else if (saved_errno == EACCES || saved_errno == EPERM || saved_errno == EROFS)
    g_set_error (error, G_IO_ERROR, code,
                 "No permission to %s “%s”: %s.", what, name, g_strerror (saved_errno));
  else
    g_set_error (error, G_IO_ERROR, code,
                 "Could not %s “%s”: %s.", what, name, g_strerror (saved_errno));
}

gboolean
pd_fs_fsync_dir (const char  *dir,
                 GError     **error)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    {
      pd_fs_set_error_from_errno (error, errno, "open the folder", dir);
      return FALSE;
    }
  if (fsync (fd) != 0 && errno != EINVAL)
    {
      int saved = errno;
      close (fd);
      pd_fs_set_error_from_errno (error, saved, "flush the folder", dir);
      return FALSE;
    }
  close (fd);
  return TRUE;
}

gboolean
pd_fs_ensure_private_dir (const char  *dir,
                          GError     **error)
{
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      pd_fs_set_error_from_errno (error, errno, "create the folder", dir);
      return FALSE;
    }
  /* A folder made before, or by someone else's umask, is tightened too: it holds pages. */
  if (g_chmod (dir, 0700) != 0)
    {
      pd_fs_set_error_from_errno (error, errno, "protect the folder", dir);
      return FALSE;
    }
  return TRUE;
}

PdDurableFile *
pd_durable_file_create (const char  *path,
                        GError     **error)
{
  g_autoptr(PdVault) vault = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  vault = pd_vault_dup_for_path (path);
  return pd_durable_file_create_sealed (path, vault, error);
}

PdDurableFile *
pd_durable_file_create_sealed (const char  *path,
                               PdVault     *vault,
                               GError     **error)
{
  g_autoptr(PdDurableFile) file = g_new0 (PdDurableFile, 1);

  g_return_val_if_fail (path != NULL, NULL);

  file->fd = -1;
  file->path = g_strdup (path);
  file->tmp_path = g_strdup_printf ("%s.part-XXXXXX", path);
  file->fd = g_mkstemp_full (file->tmp_path, O_WRONLY | O_CLOEXEC, 0600);
  if (file->fd < 0)
    {
      int saved = errno;
      g_clear_pointer (&file->tmp_path, g_free);
      pd_fs_set_error_from_errno (error, saved, "create", path);
      return NULL;
    }
  /* Held until the file is closed, also by the kernel when the process is killed: a temporary
   * file nobody holds is a crash's leftover (pd_fs_remove_stale_temporaries ()). */
  if (flock (file->fd, LOCK_EX | LOCK_NB) != 0)
    g_debug ("Could not lock %s: %s", file->tmp_path, g_strerror (errno));
  file->buffer = g_malloc (BUFFER_SIZE);
  if (vault != NULL)
    {
      file->sealed = g_byte_array_sized_new (BUFFER_SIZE);
      file->sealer = pd_vault_sealer_new (vault, file->sealed);
    }
  return g_steal_pointer (&file);
}

static gboolean
write_all (PdDurableFile  *file,
           const guint8   *data,
           gsize           len,
           GError        **error)
{
  while (len > 0)
    {
      ssize_t n = write (file->fd, data, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          pd_fs_set_error_from_errno (error, errno, "write", file->path);
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static gboolean
flush_sealed (PdDurableFile  *file,
              GError        **error)
{
  gboolean ok = write_all (file, file->sealed->data, file->sealed->len, error);

  g_byte_array_set_size (file->sealed, 0);
  return ok;
}

/* Writes @data through the sealer when there is one. */
static gboolean
write_through (PdDurableFile  *file,
               const guint8   *data,
               gsize           len,
               GError        **error)
{
  if (file->sealer == NULL)
    return write_all (file, data, len, error);
  pd_vault_sealer_push (file->sealer, data, len, file->sealed);
  return flush_sealed (file, error);
}

static gboolean
flush_buffer (PdDurableFile  *file,
              GError        **error)
{
  gboolean ok = write_through (file, file->buffer, file->buffered, error);

  file->buffered = 0;
  return ok;
}

gboolean
pd_durable_file_write (PdDurableFile  *file,
                       const void     *data,
                       gsize           len,
                       GError        **error)
{
  g_return_val_if_fail (file != NULL && file->fd >= 0, FALSE);

  if (len == 0)
    return TRUE;
  file->written += len;
  if (file->buffered + len > BUFFER_SIZE)
    {
      if (!flush_buffer (file, error))
        return FALSE;
      if (len >= BUFFER_SIZE)
        return write_through (file, data, len, error);
    }
  memcpy (file->buffer + file->buffered, data, len);
  file->buffered += len;
  return TRUE;
}

gboolean
pd_durable_file_printf (PdDurableFile  *file,
                        GError        **error,
                        const char     *format,
                        ...)
{
  g_autofree char *str = NULL;
  va_list args;
  int len;

  va_start (args, format);
  len = g_vasprintf (&str, format, args);
  va_end (args);
  return pd_durable_file_write (file, str, (gsize) len, error);
}

guint64
pd_durable_file_tell (PdDurableFile *file)
{
  return file->written;
}

gboolean
pd_durable_file_commit (PdDurableFile  *file,
                        GError        **error)
{
  g_autofree char *dir = NULL;
  gboolean ok;

  g_return_val_if_fail (file != NULL && file->fd >= 0, FALSE);

  ok = flush_buffer (file, error);
  if (ok && file->sealer != NULL)
    {
      pd_vault_sealer_finish (file->sealer, file->sealed);
      ok = flush_sealed (file, error);
    }
  if (ok && fsync (file->fd) != 0)
    {
      pd_fs_set_error_from_errno (error, errno, "save", file->path);
      ok = FALSE;
    }
  if (close (file->fd) != 0 && ok)
    {
      pd_fs_set_error_from_errno (error, errno, "save", file->path);
      ok = FALSE;
    }
  file->fd = -1;
  if (ok && g_rename (file->tmp_path, file->path) != 0)
    {
      pd_fs_set_error_from_errno (error, errno, "save", file->path);
      ok = FALSE;
    }
  if (ok)
    {
      g_clear_pointer (&file->tmp_path, g_free);
      dir = g_path_get_dirname (file->path);
      ok = pd_fs_fsync_dir (dir, error);
    }
  pd_durable_file_abort (file);
  return ok;
}

/* Frees the file; if it was not committed, its temporary file is removed. */
void
pd_durable_file_abort (PdDurableFile *file)
{
  if (file == NULL)
    return;
  if (file->fd >= 0)
    close (file->fd);
  if (file->tmp_path != NULL)
    g_unlink (file->tmp_path);
  g_free (file->tmp_path);
  g_free (file->path);
  g_free (file->buffer);
  g_clear_pointer (&file->sealer, pd_vault_sealer_free);
  if (file->sealed != NULL)
    g_byte_array_unref (file->sealed);
  g_free (file);
}

gboolean
pd_fs_write_durable (const char  *path,
                     const void  *data,
                     gsize        len,
                     GError     **error)
{
  g_autoptr(PdDurableFile) file = pd_durable_file_create (path, error);

  if (file == NULL)
    return FALSE;
  if (!pd_durable_file_write (file, data, len, error))
    return FALSE;
  return pd_durable_file_commit (g_steal_pointer (&file), error);
}

guint
pd_fs_remove_stale_temporaries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint removed = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      int fd;

      if (strstr (name, ".part-") == NULL)
        continue;
      path = g_build_filename (dir, name, NULL);
      fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      if (fd < 0)
        continue;
      /* A writer alive holds the lock; one that died released it with its last descriptor. */
      if (flock (fd, LOCK_EX | LOCK_NB) == 0 && g_unlink (path) == 0)
        removed++;
      close (fd);
    }
  if (removed > 0)
    g_debug ("Removed %u unfinished temporary files in %s", removed, dir);
  return removed;
}
