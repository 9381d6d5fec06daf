/* pd-connector.h: one interface for every destination a document can be synced to (a folder,
 * WebDAV, later OneDrive and Google Drive). The sync engine speaks only this interface; each
 * provider's quirks stay in its connector. Every call is async, takes a GCancellable, and ends
 * with a PD_SYNC_ERROR code the engine maps to an outcome (see pd-sync-error.h).
 *
 * Remote paths are '/'-separated, relative to the account's root folder, already rendered from
 * the folder template ("Invoices/2026/Scan 2026-03-01.pdf"). */
#pragma once

#include <gio/gio.h>

#include "pd-sync-error.h"

G_BEGIN_DECLS

/* What the destination holds for a path. */
typedef struct {
  gboolean    exists;
  guint64     size;
  char       *etag;      /* opaque version; NULL if the destination gives none */
  gint64      modified;  /* Unix time in seconds, 0 if unknown */
  GHashTable *metadata;  /* name -> value, the metadata Paperdock attached; never NULL */
} PdRemoteInfo;

#define PD_TYPE_REMOTE_INFO (pd_remote_info_get_type ())

GType         pd_remote_info_get_type (void) G_GNUC_CONST;
PdRemoteInfo *pd_remote_info_new      (void);
PdRemoteInfo *pd_remote_info_copy     (const PdRemoteInfo *info);
void          pd_remote_info_free     (PdRemoteInfo       *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdRemoteInfo, pd_remote_info_free)

#define PD_TYPE_CONNECTOR (pd_connector_get_type ())

G_DECLARE_INTERFACE (PdConnector, pd_connector, PD, CONNECTOR, GObject)

struct _PdConnectorInterface
{
  GTypeInterface parent_iface;

  const char *(*get_display_name) (PdConnector *self);

  void     (*upload_async)    (PdConnector          *self,
                               const char           *local_path,
                               const char           *remote_path,
                               const char           *expected_etag,
                               GHashTable           *metadata,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data);
  gboolean (*upload_finish)   (PdConnector          *self,
                               GAsyncResult         *result,
                               PdRemoteInfo        **info,
                               GError              **error);
  void     (*stat_async)      (PdConnector          *self,
                               const char           *remote_path,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data);
  gboolean (*stat_finish)     (PdConnector          *self,
                               GAsyncResult         *result,
                               PdRemoteInfo        **info,
                               GError              **error);
  void     (*download_async)  (PdConnector          *self,
                               const char           *remote_path,
                               const char           *local_path,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data);
  gboolean (*download_finish) (PdConnector          *self,
                               GAsyncResult         *result,
                               PdRemoteInfo        **info,
                               GError              **error);
  void     (*delete_async)    (PdConnector          *self,
                               const char           *remote_path,
                               const char           *expected_etag,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data);
  gboolean (*delete_finish)   (PdConnector          *self,
                               GAsyncResult         *result,
                               GError              **error);
  /* A connector that works with blocking calls sets these instead of the _async/_finish pairs
   * above: each runs in a GTask thread with a PdConnectorOp (pd-sync-private.h) as task data and
   * returns a PdRemoteInfo (g_task_return_pointer; a boolean for delete) or an error. */
  GTaskThreadFunc upload_thread;
  GTaskThreadFunc stat_thread;
  GTaskThreadFunc download_thread;
  GTaskThreadFunc delete_thread;

  /* Optional: the default uploads a small probe file to the root and deletes it again. */
  void     (*test_async)      (PdConnector          *self,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data);
  gboolean (*test_finish)     (PdConnector          *self,
                               GAsyncResult         *result,
                               GError              **error);
};

const char *pd_connector_get_display_name (PdConnector          *self);

/* expected_etag NULL: create only, fail with ALREADY_EXISTS if the name is taken. Otherwise
 * replace only if the remote still has that etag, else CONFLICT. Missing parent folders are
 * created. On success, @info (optional) describes the new remote file. */
void     pd_connector_upload_async    (PdConnector          *self,
                                       const char           *local_path,
                                       const char           *remote_path,
                                       const char           *expected_etag,
                                       GHashTable           *metadata,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean pd_connector_upload_finish   (PdConnector          *self,
                                       GAsyncResult         *result,
                                       PdRemoteInfo        **info,
                                       GError              **error);

/* A missing file is not an error: @info->exists is FALSE. */
void     pd_connector_stat_async      (PdConnector          *self,
                                       const char           *remote_path,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean pd_connector_stat_finish     (PdConnector          *self,
                                       GAsyncResult         *result,
                                       PdRemoteInfo        **info,
                                       GError              **error);

/* Writes the remote file durably to @local_path (temporary file, fsync, rename); @info
 * describes the version that was read. */
void     pd_connector_download_async  (PdConnector          *self,
                                       const char           *remote_path,
                                       const char           *local_path,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean pd_connector_download_finish (PdConnector          *self,
                                       GAsyncResult         *result,
                                       PdRemoteInfo        **info,
                                       GError              **error);

/* expected_etag NULL deletes whatever is there; otherwise CONFLICT if it changed. */
void     pd_connector_delete_async    (PdConnector          *self,
                                       const char           *remote_path,
                                       const char           *expected_etag,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean pd_connector_delete_finish   (PdConnector          *self,
                                       GAsyncResult         *result,
                                       GError              **error);

/* "Test connection" in the account dialog: writes a small file and removes it. The error says
 * exactly which step failed and why. */
void     pd_connector_test_async      (PdConnector          *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean pd_connector_test_finish     (PdConnector          *self,
                                       GAsyncResult         *result,
                                       GError              **error);

G_END_DECLS
