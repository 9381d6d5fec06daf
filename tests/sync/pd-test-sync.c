/* pd-test-sync.c: helpers shared by the sync tests (see pd-test-sync.h). */
#define G_LOG_DOMAIN "pd-test"

#include "pd-test-sync.h"

#include <string.h>

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

gboolean
pd_test_upload (PdConnector   *connector,
                const char    *local_path,
                const char    *remote_path,
                const char    *expected_etag,
                GHashTable    *metadata,
                PdRemoteInfo **info,
                GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pd_connector_upload_async (connector, local_path, remote_path, expected_etag, metadata, NULL,
                             store_result_cb, &result);
  return pd_connector_upload_finish (connector, wait_for (&result), info, error);
}

PdRemoteInfo *
pd_test_stat (PdConnector  *connector,
              const char   *remote_path,
              GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  PdRemoteInfo *info = NULL;

  pd_connector_stat_async (connector, remote_path, NULL, store_result_cb, &result);
  if (!pd_connector_stat_finish (connector, wait_for (&result), &info, error))
    return NULL;
  return info;
}

gboolean
pd_test_download (PdConnector   *connector,
                  const char    *remote_path,
                  const char    *local_path,
                  PdRemoteInfo **info,
                  GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pd_connector_download_async (connector, remote_path, local_path, NULL, store_result_cb, &result);
  return pd_connector_download_finish (connector, wait_for (&result), info, error);
}

gboolean
pd_test_delete (PdConnector  *connector,
                const char   *remote_path,
                const char   *expected_etag,
                GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pd_connector_delete_async (connector, remote_path, expected_etag, NULL, store_result_cb,
                             &result);
  return pd_connector_delete_finish (connector, wait_for (&result), error);
}

gboolean
pd_test_connection (PdConnector  *connector,
                    GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pd_connector_test_async (connector, NULL, store_result_cb, &result);
  return pd_connector_test_finish (connector, wait_for (&result), error);
}

char *
pd_test_make_file (const char *name,
                   gsize       size)
{
  g_autofree char *path = g_build_filename (g_get_user_cache_dir (), name, NULL);
  g_autofree guint8 *data = g_malloc (size);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_random_int ();
  g_mkdir_with_parents (g_get_user_cache_dir (), 0700);
  g_file_set_contents (path, (const char *) data, (gssize) size, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

void
pd_test_assert_same_file (const char *a,
                          const char *b)
{
  g_autofree char *da = NULL;
  g_autofree char *db = NULL;
  gsize la = 0, lb = 0;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (a, &da, &la, &error);
  g_assert_no_error (error);
  g_file_get_contents (b, &db, &lb, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (da, la, db, lb);
}

guint
pd_test_count_matching (const char *dir,
                        const char *needle)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint count = 0;

  if (d == NULL)
    return 0;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (strstr (name, needle) != NULL)
        count++;
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        count += pd_test_count_matching (path, needle);
    }
  return count;
}

void
pd_test_assert_finalized (gpointer object)
{
  gpointer weak = object;
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  /* A GTask run in a thread drops its reference on the source object after the callback has
   * run, from the worker: wait for that instead of racing it. */
  g_object_add_weak_pointer (object, &weak);
  g_object_unref (object);
  while (weak != NULL && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  g_assert_null (weak);
}
