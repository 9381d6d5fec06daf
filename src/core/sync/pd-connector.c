/* pd-connector.c: the PdConnector interface, its thin dispatching wrappers, the PdRemoteInfo
 * boxed type, and the default "test connection" built from upload and delete, so that every
 * connector is tested the way the engine will use it. */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "pd-connector.h"
#include "pd-sync-private.h"
#include "pd-task.h"

G_DEFINE_BOXED_TYPE (PdRemoteInfo, pd_remote_info, pd_remote_info_copy, pd_remote_info_free)

PdRemoteInfo *
pd_remote_info_new (void)
{
  PdRemoteInfo *info = g_new0 (PdRemoteInfo, 1);

  info->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return info;
}

PdRemoteInfo *
pd_remote_info_copy (const PdRemoteInfo *info)
{
  PdRemoteInfo *copy;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (info != NULL, NULL);

  copy = pd_remote_info_new ();
  copy->exists = info->exists;
  copy->size = info->size;
  copy->etag = g_strdup (info->etag);
  copy->modified = info->modified;
  if (info->metadata != NULL)
    {
      g_hash_table_iter_init (&iter, info->metadata);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (copy->metadata, g_strdup (key), g_strdup (value));
    }
  return copy;
}

void
pd_remote_info_free (PdRemoteInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->etag);
  g_clear_pointer (&info->metadata, g_hash_table_unref);
  g_free (info);
}

static void pd_connector_real_test_async (PdConnector         *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
static gboolean pd_connector_real_test_finish (PdConnector   *self,
                                               GAsyncResult  *result,
                                               GError       **error);

G_DEFINE_INTERFACE (PdConnector, pd_connector, G_TYPE_OBJECT)

/* Connectors built on blocking calls: the async methods run their thread functions. */

static void
connector_op_free (PdConnectorOp *op)
{
  g_free (op->local_path);
  g_free (op->remote_path);
  g_free (op->expected_etag);
  g_clear_pointer (&op->metadata, g_hash_table_unref);
  g_free (op);
}

static void
run_in_thread (PdConnector         *self,
               GTaskThreadFunc      func,
               gpointer             source_tag,
               const char          *local_path,
               const char          *remote_path,
               const char          *expected_etag,
               GHashTable          *metadata,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  PdConnectorOp *op = g_new0 (PdConnectorOp, 1);

  g_return_if_fail (func != NULL);

  op->local_path = g_strdup (local_path);
  op->remote_path = g_strdup (remote_path);
  op->expected_etag = g_strdup (expected_etag);
  op->metadata = metadata != NULL ? g_hash_table_ref (metadata) : NULL;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, (GDestroyNotify) connector_op_free);
  pd_task_run_in_thread (task, func);
}

static void
threaded_upload_async (PdConnector         *self,
                       const char          *local_path,
                       const char          *remote_path,
                       const char          *expected_etag,
                       GHashTable          *metadata,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  run_in_thread (self, PD_CONNECTOR_GET_IFACE (self)->upload_thread, threaded_upload_async,
                 local_path, remote_path, expected_etag, metadata, cancellable, callback,
                 user_data);
}

static void
threaded_stat_async (PdConnector         *self,
                     const char          *remote_path,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  run_in_thread (self, PD_CONNECTOR_GET_IFACE (self)->stat_thread, threaded_stat_async, NULL,
                 remote_path, NULL, NULL, cancellable, callback, user_data);
}

static void
threaded_download_async (PdConnector         *self,
                         const char          *remote_path,
                         const char          *local_path,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  run_in_thread (self, PD_CONNECTOR_GET_IFACE (self)->download_thread, threaded_download_async,
                 local_path, remote_path, NULL, NULL, cancellable, callback, user_data);
}

static void
threaded_delete_async (PdConnector         *self,
                       const char          *remote_path,
                       const char          *expected_etag,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  run_in_thread (self, PD_CONNECTOR_GET_IFACE (self)->delete_thread, threaded_delete_async, NULL,
                 remote_path, expected_etag, NULL, cancellable, callback, user_data);
}

static gboolean
threaded_info_finish (PdConnector   *self,
                      GAsyncResult  *result,
                      PdRemoteInfo **info,
                      GError       **error)
{
  g_autoptr(PdRemoteInfo) ret = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  ret = g_task_propagate_pointer (G_TASK (result), error);
  if (ret == NULL)
    return FALSE;
  if (info != NULL)
    *info = g_steal_pointer (&ret);
  return TRUE;
}

static gboolean
threaded_delete_finish (PdConnector   *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
pd_connector_default_init (PdConnectorInterface *iface)
{
  iface->upload_async = threaded_upload_async;
  iface->upload_finish = threaded_info_finish;
  iface->stat_async = threaded_stat_async;
  iface->stat_finish = threaded_info_finish;
  iface->download_async = threaded_download_async;
  iface->download_finish = threaded_info_finish;
  iface->delete_async = threaded_delete_async;
  iface->delete_finish = threaded_delete_finish;
  iface->test_async = pd_connector_real_test_async;
  iface->test_finish = pd_connector_real_test_finish;

  /* The account's name as the person gave it ("Office NAS"): every error message names it. */
  g_object_interface_install_property (iface,
    g_param_spec_string ("display-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
}

/* Returns: (transfer none): the account's name, as the person gave it. */
const char *
pd_connector_get_display_name (PdConnector *self)
{
  g_return_val_if_fail (PD_IS_CONNECTOR (self), NULL);

  return PD_CONNECTOR_GET_IFACE (self)->get_display_name (self);
}

void
pd_connector_upload_async (PdConnector         *self,
                           const char          *local_path,
                           const char          *remote_path,
                           const char          *expected_etag,
                           GHashTable          *metadata,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (PD_IS_CONNECTOR (self));
  g_return_if_fail (local_path != NULL);
  g_return_if_fail (remote_path != NULL);

  PD_CONNECTOR_GET_IFACE (self)->upload_async (self, local_path, remote_path, expected_etag,
                                               metadata, cancellable, callback, user_data);
}

gboolean
pd_connector_upload_finish (PdConnector   *self,
                            GAsyncResult  *result,
                            PdRemoteInfo **info,
                            GError       **error)
{
  g_return_val_if_fail (PD_IS_CONNECTOR (self), FALSE);
  return PD_CONNECTOR_GET_IFACE (self)->upload_finish (self, result, info, error);
}

void
pd_connector_stat_async (PdConnector         *self,
                         const char          *remote_path,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (PD_IS_CONNECTOR (self));
  g_return_if_fail (remote_path != NULL);

  PD_CONNECTOR_GET_IFACE (self)->stat_async (self, remote_path, cancellable, callback, user_data);
}

gboolean
pd_connector_stat_finish (PdConnector   *self,
                          GAsyncResult  *result,
                          PdRemoteInfo **info,
                          GError       **error)
{
  g_return_val_if_fail (PD_IS_CONNECTOR (self), FALSE);
  return PD_CONNECTOR_GET_IFACE (self)->stat_finish (self, result, info, error);
}

void
pd_connector_download_async (PdConnector         *self,
                             const char          *remote_path,
                             const char          *local_path,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (PD_IS_CONNECTOR (self));
  g_return_if_fail (remote_path != NULL);
  g_return_if_fail (local_path != NULL);

  PD_CONNECTOR_GET_IFACE (self)->download_async (self, remote_path, local_path, cancellable,
                                                 callback, user_data);
}

gboolean
pd_connector_download_finish (PdConnector   *self,
                              GAsyncResult  *result,
                              PdRemoteInfo **info,
                              GError       **error)
{
  g_return_val_if_fail (PD_IS_CONNECTOR (self), FALSE);
  return PD_CONNECTOR_GET_IFACE (self)->download_finish (self, result, info, error);
}

void
pd_connector_delete_async (PdConnector         *self,
                           const char          *remote_path,
                           const char          *expected_etag,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (PD_IS_CONNECTOR (self));
  g_return_if_fail (remote_path != NULL);

  PD_CONNECTOR_GET_IFACE (self)->delete_async (self, remote_path, expected_etag, cancellable,
                                               callback, user_data);
}

gboolean
pd_connector_delete_finish (PdConnector   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (PD_IS_CONNECTOR (self), FALSE);
  return PD_CONNECTOR_GET_IFACE (self)->delete_finish (self, result, error);
}

void
pd_connector_test_async (PdConnector         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (PD_IS_CONNECTOR (self));

  PD_CONNECTOR_GET_IFACE (self)->test_async (self, cancellable, callback, user_data);
}

gboolean
pd_connector_test_finish (PdConnector   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (PD_IS_CONNECTOR (self), FALSE);
  return PD_CONNECTOR_GET_IFACE (self)->test_finish (self, result, error);
}

/* The default test: the same create-only upload and conditional delete the engine will do. */

typedef struct {
  char *local_path;   /* the probe file, removed when the test ends */
  char *remote_path;
} TestData;

static void
test_data_free (TestData *data)
{
  if (data->local_path != NULL)
    g_unlink (data->local_path);
  g_free (data->local_path);
  g_free (data->remote_path);
  g_free (data);
}

static void
test_deleted_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TestData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!pd_connector_delete_finish (PD_CONNECTOR (object), result, &error))
    {
      g_prefix_error (&error, _("The test file “%s” was written but could not be removed: "),
                      data->remote_path);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
test_uploaded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TestData *data = g_task_get_task_data (task);
  g_autoptr(PdRemoteInfo) info = NULL;
  GCancellable *cancellable;
  GError *error = NULL;

  if (!pd_connector_upload_finish (PD_CONNECTOR (object), result, &info, &error))
    {
      /* The upload's own message already names the account and the reason. */
      g_task_return_error (task, error);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  pd_connector_delete_async (PD_CONNECTOR (object), data->remote_path, info->etag, cancellable,
                             test_deleted_cb, g_steal_pointer (&task));
}

static void
pd_connector_real_test_async (PdConnector         *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *body = NULL;
  TestData *data = g_new0 (TestData, 1);
  int fd;

  g_task_set_source_tag (task, pd_connector_real_test_async);
  g_task_set_task_data (task, data, (GDestroyNotify) test_data_free);

  /* Hidden, unique, and saying what it is if a person ever finds one left behind. */
  data->remote_path = g_strdup_printf (".paperdock-test-%s.txt", uuid);
  fd = g_file_open_tmp ("paperdock-probe-XXXXXX.txt", &data->local_path, &error);
  if (fd < 0)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  close (fd);
  body = g_strdup_printf ("Paperdock connection test %s. This file can be deleted.\n", uuid);
  if (!g_file_set_contents (data->local_path, body, -1, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  pd_connector_upload_async (self, data->local_path, data->remote_path, NULL, NULL, cancellable,
                             test_uploaded_cb, g_steal_pointer (&task));
}

static gboolean
pd_connector_real_test_finish (PdConnector   *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
