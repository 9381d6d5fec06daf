/* pd-folder-connector.c: syncing into a folder (local, or a mounted share).
 *
 * An upload is written to a hidden temporary file in the destination folder, fsync'd, then
 * renamed into place and the folder fsync'd, so a reader of the share never sees half a PDF.
 * Create-only uploads must never replace a file: they use renameat2 (RENAME_NOREPLACE), and on
 * filesystems without it (NFS, CIFS, some FUSE) link(), which also refuses an existing name.
 *
 * The etag is "<size>-<mtime seconds>.<nanoseconds>-<inode>" of the file. Every upload writes a
 * new inode (the temporary file) while the old one still exists, so two versions written by
 * Paperdock never share an etag even within one clock tick; an edit in place by another program
 * changes the mtime. Checking the etag and renaming are two steps: on a share, a writer squeezed
 * between them is not detected (no filesystem offers compare-and-swap of a name).
 *
 * Metadata is stored as user.paperdock.<name> extended attributes, best effort: filesystems
 * without user xattrs (vfat, many SMB mounts) keep the file and drop the metadata. */
#define _GNU_SOURCE
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "pd-folder-connector.h"
#include "pd-fs.h"
#include "pd-sync-private.h"
#include "pd-vault.h"

#define COPY_BUFFER_SIZE (256 * 1024)
#define XATTR_PREFIX "user.paperdock."

struct _PdFolderConnector
{
  GObject parent_instance;

  /* owned, immutable after construction: safe to read from worker threads */
  char *display_name;
  char *root;
};

enum {
  PROP_0,
  PROP_ROOT,
  N_PROPS,
  PROP_DISPLAY_NAME = N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void pd_folder_connector_iface_init (PdConnectorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PdFolderConnector, pd_folder_connector, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PD_TYPE_CONNECTOR,
                                                      pd_folder_connector_iface_init))

typedef PdConnectorOp OpData;

static char *
etag_from_stat (const struct stat *st)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT "-%" G_GINT64_FORMAT ".%09ld-%" G_GUINT64_FORMAT,
                          (guint64) st->st_size, (gint64) st->st_mtim.tv_sec,
                          (long) st->st_mtim.tv_nsec, (guint64) st->st_ino);
}

/* What an upload, download or removal was doing when the filesystem said no. Each has whole
 * sentences of its own below, so that translators can order the words as their language needs. */
typedef enum {
  FOLDER_OP_CREATE_FOLDER,
  FOLDER_OP_WRITE,
  FOLDER_OP_SAVE,
  FOLDER_OP_CHECK,
  FOLDER_OP_READ,
  FOLDER_OP_REMOVE,
} FolderOp;

/* The sentence saying what failed; with the system's reason when there is one to show. */
static char *
dup_failure_sentence (FolderOp    op,
                      const char *remote_path,
                      const char *account,
                      const char *reason)
{
  if (reason == NULL)
    switch (op)
      {
      case FOLDER_OP_CREATE_FOLDER:
        return g_strdup_printf (_("Could not create the folder for “%s” in the folder of "
                                  "account “%s”."), remote_path, account);
      case FOLDER_OP_WRITE:
        return g_strdup_printf (_("Could not write “%s” to the folder of account “%s”."),
                                remote_path, account);
      case FOLDER_OP_SAVE:
        return g_strdup_printf (_("Could not save “%s” in the folder of account “%s”."),
                                remote_path, account);
      case FOLDER_OP_CHECK:
        return g_strdup_printf (_("Could not check “%s” in the folder of account “%s”."),
                                remote_path, account);
      case FOLDER_OP_READ:
        return g_strdup_printf (_("Could not read “%s” from the folder of account “%s”."),
                                remote_path, account);
      case FOLDER_OP_REMOVE:
      default:
        return g_strdup_printf (_("Could not remove “%s” from the folder of account “%s”."),
                                remote_path, account);
      }

  switch (op)
    {
    case FOLDER_OP_CREATE_FOLDER:
      return g_strdup_printf (_("Could not create the folder for “%s” in the folder of account "
                                "“%s”: %s."), remote_path, account, reason);
    case FOLDER_OP_WRITE:
      return g_strdup_printf (_("Could not write “%s” to the folder of account “%s”: %s."),
                              remote_path, account, reason);
    case FOLDER_OP_SAVE:
      return g_strdup_printf (_("Could not save “%s” in the folder of account “%s”: %s."),
                              remote_path, account, reason);
    case FOLDER_OP_CHECK:
      return g_strdup_printf (_("Could not check “%s” in the folder of account “%s”: %s."),
                              remote_path, account, reason);
    case FOLDER_OP_READ:
      return g_strdup_printf (_("Could not read “%s” from the folder of account “%s”: %s."),
                              remote_path, account, reason);
    case FOLDER_OP_REMOVE:
    default:
      return g_strdup_printf (_("Could not remove “%s” from the folder of account “%s”: %s."),
                              remote_path, account, reason);
    }
}

/* A failure sentence, then (if any) one saying why or what to do. */
static void
set_failure (GError     **error,
             PdSyncError  code,
             const char  *failure,
             const char  *advice)
{
  if (advice == NULL)
    g_set_error_literal (error, PD_SYNC_ERROR, code, failure);
  else
    /* Translators: two sentences of an error message: what failed, then why or what to do.
       Reorder them, or drop the space, as your language writes two sentences. */
    g_set_error (error, PD_SYNC_ERROR, code, C_("folder error", "%s %s"), failure, advice);
}

/* Maps what the filesystem said to what the engine can do about it. */
static void
set_error_from_errno (PdFolderConnector  *self,
                      GError            **error,
                      int                 saved_errno,
                      FolderOp            op,
                      const char         *remote_path)
{
  const char *reason = g_strerror (saved_errno);
  g_autofree char *failure = NULL;

  switch (saved_errno)
    {
    case ENOENT:
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_NOT_FOUND,
                   _("“%s” does not exist in the folder of account “%s”."),
                   remote_path, self->display_name);
      break;
    case EEXIST:
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_ALREADY_EXISTS,
                   _("A file named “%s” already exists in the folder of account “%s”."),
                   remote_path, self->display_name);
      break;
    case ENOTDIR:
    case EISDIR:
      failure = dup_failure_sentence (op, remote_path, self->display_name, NULL);
      set_failure (error, PD_SYNC_ERROR_CONFLICT, failure,
                   _("A file or folder of the same name is in the way."));
      break;
    case EACCES:
    case EPERM:
    case EROFS:
      failure = dup_failure_sentence (op, remote_path, self->display_name, reason);
      set_failure (error, PD_SYNC_ERROR_FORBIDDEN, failure,
                   _("You have no permission there: the folder may be read-only for you."));
      break;
    case ENOSPC:
    case EDQUOT:
      failure = dup_failure_sentence (op, remote_path, self->display_name, NULL);
      set_failure (error, PD_SYNC_ERROR_QUOTA, failure,
                   _("The folder is full. Free some space there."));
      break;
    case EFBIG:
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TOO_LARGE,
                   _("The folder of account “%s” does not accept a file as large as “%s”."),
                   self->display_name, remote_path);
      break;
    case ENAMETOOLONG:
    case EINVAL:
    case EILSEQ:
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_INVALID_NAME,
                   _("The folder of account “%s” does not accept the name “%s” (%s)."),
                   self->display_name, remote_path, reason);
      break;
    case EIO:
    case EAGAIN:
    case EBUSY:
    case EINTR:
    case ENOTCONN:
    case ESTALE:
    case ETIMEDOUT:
    case EHOSTDOWN:
    case EHOSTUNREACH:
    case ENETDOWN:
    case ENETUNREACH:
    case ECONNRESET:
    case ECONNABORTED:
    case ENODEV:
    case ENXIO:
      failure = dup_failure_sentence (op, remote_path, self->display_name, reason);
      set_failure (error, PD_SYNC_ERROR_TRANSIENT, failure,
                   _("Paperdock will try again later."));
      break;
    default:
      failure = dup_failure_sentence (op, remote_path, self->display_name, reason);
      set_failure (error, PD_SYNC_ERROR_FAILED, failure, NULL);
      break;
    }
}

/* The root is never created: if it is missing, the share is most likely not mounted. */
static char *
resolve_path (PdFolderConnector  *self,
              const char         *remote_path,
              GError            **error)
{
  g_auto(GStrv) parts = _pd_sync_split_remote_path (remote_path, error);
  g_autofree char *relative = NULL;
  struct stat st;

  if (parts == NULL)
    return NULL;
  if (g_stat (self->root, &st) != 0 || !S_ISDIR (st.st_mode))
    {
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                   _("The folder “%s” of account “%s” is not available. If it is on a network "
                     "share or a removable disk, connect it; Paperdock will try again."),
                   self->root, self->display_name);
      return NULL;
    }
  relative = g_strjoinv (G_DIR_SEPARATOR_S, parts);
  return g_build_filename (self->root, relative, NULL);
}

static gboolean
copy_fd (int            in_fd,
         int            out_fd,
         GCancellable  *cancellable,
         int           *read_errno,
         int           *write_errno,
         GError       **error)
{
  g_autofree guint8 *buffer = g_malloc (COPY_BUFFER_SIZE);

  for (;;)
    {
      ssize_t n = read (in_fd, buffer, COPY_BUFFER_SIZE);
      ssize_t done = 0;

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          *read_errno = errno;
          return FALSE;
        }
      if (n == 0)
        return TRUE;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      while (done < n)
        {
          ssize_t w = write (out_fd, buffer + done, (size_t) (n - done));

          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            {
              *write_errno = errno;
              return FALSE;
            }
          done += w;
        }
    }
}

static void
store_metadata (int         fd,
                GHashTable *metadata)
{
  GHashTableIter iter;
  gpointer key, value;

  if (metadata == NULL)
    return;
  g_hash_table_iter_init (&iter, metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autofree char *name = g_strconcat (XATTR_PREFIX, (const char *) key, NULL);

      if (fsetxattr (fd, name, value, strlen (value), 0) != 0)
        {
          g_debug ("metadata “%s” not kept: %s", (const char *) key, g_strerror (errno));
          if (errno == ENOTSUP)
            return;
        }
    }
}

static void
load_metadata (const char *path,
               GHashTable *metadata)
{
  g_autofree char *names = NULL;
  ssize_t len = listxattr (path, NULL, 0);

  if (len <= 0)
    return;
  names = g_malloc ((gsize) len);
  len = listxattr (path, names, (size_t) len);
  for (ssize_t i = 0; len > 0 && i < len; i += (ssize_t) strlen (names + i) + 1)
    {
      const char *name = names + i;
      char value[4096];
      ssize_t vlen;

      if (!g_str_has_prefix (name, XATTR_PREFIX))
        continue;
      vlen = getxattr (path, name, value, sizeof value - 1);
      if (vlen < 0)
        continue;
      value[vlen] = '\0';
      g_hash_table_insert (metadata, g_strdup (name + strlen (XATTR_PREFIX)), g_strdup (value));
    }
}

static PdRemoteInfo *
info_from_stat (const struct stat *st,
                const char        *path)
{
  PdRemoteInfo *info = pd_remote_info_new ();

  info->exists = TRUE;
  info->modified = st->st_mtim.tv_sec;
  if (S_ISREG (st->st_mode))
    {
      info->size = (guint64) st->st_size;
      info->etag = etag_from_stat (st);
      if (path != NULL)
        load_metadata (path, info->metadata);
    }
  return info;
}

/* Moves @from to @to only if @to does not exist. */
static int
rename_noreplace (const char *from,
                  const char *to)
{
  struct stat st;

  if (renameat2 (AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
    return 0;
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
    return -1;
  if (link (from, to) == 0)
    {
      g_unlink (from);
      return 0;
    }
  if (errno != EPERM && errno != ENOTSUP && errno != ENOSYS)
    return -1;
  /* Neither is supported (vfat and some SMB servers): check, then rename. A file created in
   * between would be replaced; the window is a few microseconds. */
  g_debug ("no atomic create-only rename on this filesystem, checking first");
  if (g_lstat (to, &st) == 0)
    {
      errno = EEXIST;
      return -1;
    }
  return g_rename (from, to);
}

static void
upload_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  PdFolderConnector *self = source_object;
  OpData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmp_path = NULL;
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autoptr(GBytes) plain = NULL;
  int in_fd = -1, out_fd = -1, read_errno = 0, write_errno = 0;
  struct stat st;

  path = resolve_path (self, data->remote_path, &error);
  if (path == NULL)
    goto out;
  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  if (g_mkdir_with_parents (dir, 0777) != 0)
    {
      set_error_from_errno (self, &error, errno, FOLDER_OP_CREATE_FOLDER, data->remote_path);
      goto out;
    }

  /* A sealed PDF (pd-vault.h) is decrypted in memory: the folder gets the plain PDF. */
  if (pd_vault_is_sealed (data->local_path))
    {
      plain = pd_vault_read_all (NULL, data->local_path, &error);
      if (plain == NULL)
        goto out;
    }
  else
    {
      in_fd = g_open (data->local_path, O_RDONLY | O_CLOEXEC, 0);
      if (in_fd < 0)
        {
          pd_fs_set_error_from_errno (&error, errno, "read", data->local_path);
          goto out;
        }
    }

  /* Hidden and recognisable, so that a crash leaves nothing a person mistakes for a document. */
  tmp_path = g_strdup_printf ("%s" G_DIR_SEPARATOR_S ".%s.pd-upload-XXXXXX", dir, base);
  out_fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0666);
  if (out_fd < 0)
    {
      set_error_from_errno (self, &error, errno, FOLDER_OP_WRITE, data->remote_path);
      g_clear_pointer (&tmp_path, g_free);
      goto out;
    }

  if (plain != NULL)
    {
      const guint8 *p = g_bytes_get_data (plain, NULL);
      gsize left = g_bytes_get_size (plain);

      while (left > 0)
        {
          ssize_t n = write (out_fd, p, left);

          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            {
              set_error_from_errno (self, &error, errno, FOLDER_OP_WRITE, data->remote_path);
              goto out;
            }
          p += n;
          left -= (gsize) n;
        }
    }
  else if (!copy_fd (in_fd, out_fd, cancellable, &read_errno, &write_errno, &error))
    {
      if (read_errno != 0)
        pd_fs_set_error_from_errno (&error, read_errno, "read", data->local_path);
      else if (write_errno != 0)
        set_error_from_errno (self, &error, write_errno, FOLDER_OP_WRITE, data->remote_path);
      goto out;
    }
  store_metadata (out_fd, data->metadata);
  if (fsync (out_fd) != 0 || fstat (out_fd, &st) != 0)
    {
      set_error_from_errno (self, &error, errno, FOLDER_OP_WRITE, data->remote_path);
      goto out;
    }
  if (close (out_fd) != 0)
    {
      out_fd = -1;
      set_error_from_errno (self, &error, errno, FOLDER_OP_WRITE, data->remote_path);
      goto out;
    }
  out_fd = -1;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    goto out;

  if (data->expected_etag == NULL)
    {
      if (rename_noreplace (tmp_path, path) != 0)
        {
          set_error_from_errno (self, &error, errno, FOLDER_OP_SAVE, data->remote_path);
          goto out;
        }
    }
  else
    {
      struct stat current;
      g_autofree char *current_etag = NULL;

      if (g_stat (path, &current) != 0)
        {
          if (errno == ENOENT)
            g_set_error (&error, PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT,
                         _("“%s” was removed from the folder of account “%s” since it was "
                           "last synced."), data->remote_path, self->display_name);
          else
            set_error_from_errno (self, &error, errno, FOLDER_OP_CHECK, data->remote_path);
          goto out;
        }
      current_etag = etag_from_stat (&current);
      if (!S_ISREG (current.st_mode) || g_strcmp0 (current_etag, data->expected_etag) != 0)
        {
          g_set_error (&error, PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT,
                       _("“%s” was changed in the folder of account “%s” since it was last "
                         "synced."), data->remote_path, self->display_name);
          goto out;
        }
      if (g_rename (tmp_path, path) != 0)
        {
          set_error_from_errno (self, &error, errno, FOLDER_OP_SAVE, data->remote_path);
          goto out;
        }
    }
  g_clear_pointer (&tmp_path, g_free);

  if (!pd_fs_fsync_dir (dir, NULL))
    g_debug ("could not flush the folder of “%s”", data->remote_path);

  /* rename keeps the inode and mtime: the new file's etag is the temporary file's. */
  info = info_from_stat (&st, NULL);
  if (data->metadata != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, data->metadata);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (info->metadata, g_strdup (key), g_strdup (value));
    }

out:
  if (in_fd >= 0)
    close (in_fd);
  if (out_fd >= 0)
    close (out_fd);
  if (tmp_path != NULL)
    g_unlink (tmp_path);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_steal_pointer (&info), (GDestroyNotify) pd_remote_info_free);
}

static void
stat_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  PdFolderConnector *self = source_object;
  OpData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = resolve_path (self, data->remote_path, &error);
  struct stat st;

  if (path == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_stat (path, &st) != 0)
    {
      if (errno == ENOENT || errno == ENOTDIR)
        {
          g_task_return_pointer (task, pd_remote_info_new (), (GDestroyNotify) pd_remote_info_free);
          return;
        }
      set_error_from_errno (self, &error, errno, FOLDER_OP_CHECK, data->remote_path);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, info_from_stat (&st, path), (GDestroyNotify) pd_remote_info_free);
}

static void
download_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  PdFolderConnector *self = source_object;
  OpData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = resolve_path (self, data->remote_path, &error);
  g_autoptr(PdDurableFile) out = NULL;
  g_autofree guint8 *buffer = NULL;
  PdRemoteInfo *info;
  struct stat st;
  int fd;

  if (path == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      set_error_from_errno (self, &error, errno, FOLDER_OP_READ, data->remote_path);
      if (fd >= 0)
        close (fd);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  out = pd_durable_file_create (data->local_path, &error);
  buffer = g_malloc (COPY_BUFFER_SIZE);
  while (out != NULL && error == NULL)
    {
      ssize_t n = read (fd, buffer, COPY_BUFFER_SIZE);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        set_error_from_errno (self, &error, errno, FOLDER_OP_READ, data->remote_path);
      else if (n == 0)
        break;
      else if (!g_cancellable_set_error_if_cancelled (cancellable, &error))
        pd_durable_file_write (out, buffer, (gsize) n, &error);
    }
  close (fd);
  if (error == NULL && out != NULL)
    pd_durable_file_commit (g_steal_pointer (&out), &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  info = info_from_stat (&st, path);
  g_task_return_pointer (task, info, (GDestroyNotify) pd_remote_info_free);
}

static void
delete_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  PdFolderConnector *self = source_object;
  OpData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = resolve_path (self, data->remote_path, &error);
  g_autofree char *dir = NULL;
  struct stat st;

  if (path == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (data->expected_etag != NULL)
    {
      g_autofree char *etag = NULL;

      if (g_stat (path, &st) != 0)
        {
          set_error_from_errno (self, &error, errno, FOLDER_OP_REMOVE, data->remote_path);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      etag = etag_from_stat (&st);
      if (g_strcmp0 (etag, data->expected_etag) != 0)
        {
          g_task_return_new_error (task, PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT,
                                   _("“%s” was changed in the folder of account “%s” since it was "
                                     "last synced; it was not removed."),
                                   data->remote_path, self->display_name);
          return;
        }
    }
  if (g_unlink (path) != 0)
    {
      set_error_from_errno (self, &error, errno, FOLDER_OP_REMOVE, data->remote_path);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  dir = g_path_get_dirname (path);
  pd_fs_fsync_dir (dir, NULL);
  g_task_return_boolean (task, TRUE);
}

static const char *
pd_folder_connector_get_display_name (PdConnector *connector)
{
  return PD_FOLDER_CONNECTOR (connector)->display_name;
}

static void
pd_folder_connector_iface_init (PdConnectorInterface *iface)
{
  iface->get_display_name = pd_folder_connector_get_display_name;
  iface->upload_thread = upload_thread;
  iface->stat_thread = stat_thread;
  iface->download_thread = download_thread;
  iface->delete_thread = delete_thread;
}

static void
pd_folder_connector_finalize (GObject *object)
{
  PdFolderConnector *self = PD_FOLDER_CONNECTOR (object);

  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->root, g_free);

  G_OBJECT_CLASS (pd_folder_connector_parent_class)->finalize (object);
}

static void
pd_folder_connector_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  PdFolderConnector *self = PD_FOLDER_CONNECTOR (object);

  switch (prop_id)
    {
    case PROP_ROOT:
      g_value_set_string (value, self->root);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_folder_connector_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  PdFolderConnector *self = PD_FOLDER_CONNECTOR (object);

  switch (prop_id)
    {
    case PROP_ROOT:
      self->root = g_value_dup_string (value);
      break;
    case PROP_DISPLAY_NAME:
      self->display_name = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_folder_connector_class_init (PdFolderConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pd_folder_connector_finalize;
  object_class->get_property = pd_folder_connector_get_property;
  object_class->set_property = pd_folder_connector_set_property;

  properties[PROP_ROOT] =
    g_param_spec_string ("root", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  g_object_class_override_property (object_class, PROP_DISPLAY_NAME, "display-name");
}

static void
pd_folder_connector_init (PdFolderConnector *self)
{
}

PdConnector *
pd_folder_connector_new (const char *display_name,
                         const char *root)
{
  g_return_val_if_fail (display_name != NULL, NULL);
  g_return_val_if_fail (root != NULL, NULL);

  return g_object_new (PD_TYPE_FOLDER_CONNECTOR,
                       "display-name", display_name,
                       "root", root,
                       NULL);
}

const char *
pd_folder_connector_get_root (PdFolderConnector *self)
{
  g_return_val_if_fail (PD_IS_FOLDER_CONNECTOR (self), NULL);
  return self->root;
}
