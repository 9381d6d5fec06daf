/* pd-resume-store.c: the PdResumeStore interface, and its in-memory and keyring stores. */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include "pd-resume-store.h"
#include "pd-secret.h"

G_DEFINE_INTERFACE (PdResumeStore, pd_resume_store, G_TYPE_OBJECT)

static void
pd_resume_store_default_init (PdResumeStoreInterface *iface)
{
}

char *
pd_resume_store_lookup (PdResumeStore  *self,
                        const char     *key,
                        GCancellable   *cancellable,
                        GError        **error)
{
  g_return_val_if_fail (PD_IS_RESUME_STORE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return PD_RESUME_STORE_GET_IFACE (self)->lookup (self, key, cancellable, error);
}

gboolean
pd_resume_store_save (PdResumeStore  *self,
                      const char     *key,
                      const char     *value,
                      GCancellable   *cancellable,
                      GError        **error)
{
  g_return_val_if_fail (PD_IS_RESUME_STORE (self), FALSE);
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  return PD_RESUME_STORE_GET_IFACE (self)->save (self, key, value, cancellable, error);
}

gboolean
pd_resume_store_clear (PdResumeStore  *self,
                       const char     *key,
                       GCancellable   *cancellable,
                       GError        **error)
{
  g_return_val_if_fail (PD_IS_RESUME_STORE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  return PD_RESUME_STORE_GET_IFACE (self)->clear (self, key, cancellable, error);
}

/* In memory. Connectors call from worker threads, so the table has a lock. */

#define PD_TYPE_MEMORY_RESUME_STORE (pd_memory_resume_store_get_type ())
G_DECLARE_FINAL_TYPE (PdMemoryResumeStore, pd_memory_resume_store, PD, MEMORY_RESUME_STORE, GObject)

struct _PdMemoryResumeStore
{
  GObject     parent_instance;
  GMutex      lock;
  GHashTable *values;
};

static void pd_memory_resume_store_iface_init (PdResumeStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PdMemoryResumeStore, pd_memory_resume_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PD_TYPE_RESUME_STORE,
                                                      pd_memory_resume_store_iface_init))

static char *
memory_lookup (PdResumeStore  *store,
               const char     *key,
               GCancellable   *cancellable,
               GError        **error)
{
  PdMemoryResumeStore *self = PD_MEMORY_RESUME_STORE (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return g_strdup (g_hash_table_lookup (self->values, key));
}

static gboolean
memory_save (PdResumeStore  *store,
             const char     *key,
             const char     *value,
             GCancellable   *cancellable,
             GError        **error)
{
  PdMemoryResumeStore *self = PD_MEMORY_RESUME_STORE (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  g_hash_table_insert (self->values, g_strdup (key), g_strdup (value));
  return TRUE;
}

static gboolean
memory_clear (PdResumeStore  *store,
              const char     *key,
              GCancellable   *cancellable,
              GError        **error)
{
  PdMemoryResumeStore *self = PD_MEMORY_RESUME_STORE (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  g_hash_table_remove (self->values, key);
  return TRUE;
}

static void
pd_memory_resume_store_iface_init (PdResumeStoreInterface *iface)
{
  iface->lookup = memory_lookup;
  iface->save = memory_save;
  iface->clear = memory_clear;
}

static void
pd_memory_resume_store_finalize (GObject *object)
{
  PdMemoryResumeStore *self = PD_MEMORY_RESUME_STORE (object);

  g_hash_table_unref (self->values);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (pd_memory_resume_store_parent_class)->finalize (object);
}

static void
pd_memory_resume_store_class_init (PdMemoryResumeStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_memory_resume_store_finalize;
}

static void
pd_memory_resume_store_init (PdMemoryResumeStore *self)
{
  g_mutex_init (&self->lock);
  self->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) pd_secret_free);
}

PdResumeStore *
pd_memory_resume_store_new (void)
{
  return g_object_new (PD_TYPE_MEMORY_RESUME_STORE, NULL);
}

/* In the keyring. */

#define PD_TYPE_KEYRING_RESUME_STORE (pd_keyring_resume_store_get_type ())
G_DECLARE_FINAL_TYPE (PdKeyringResumeStore, pd_keyring_resume_store, PD, KEYRING_RESUME_STORE, GObject)

struct _PdKeyringResumeStore
{
  GObject parent_instance;
  gint64  account_id;
};

static void pd_keyring_resume_store_iface_init (PdResumeStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PdKeyringResumeStore, pd_keyring_resume_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PD_TYPE_RESUME_STORE,
                                                      pd_keyring_resume_store_iface_init))

static char *
keyring_kind (const char *key)
{
  return g_strconcat ("resume:", key, NULL);
}

static char *
keyring_lookup (PdResumeStore  *store,
                const char     *key,
                GCancellable   *cancellable,
                GError        **error)
{
  PdKeyringResumeStore *self = PD_KEYRING_RESUME_STORE (store);
  g_autofree char *kind = keyring_kind (key);
  g_autoptr(GError) local_error = NULL;
  char *value;

  value = pd_secret_lookup (self->account_id, kind, cancellable, &local_error);
  if (value == NULL && !g_error_matches (local_error, PD_SECRET_ERROR, PD_SECRET_ERROR_NOT_FOUND))
    g_propagate_error (error, g_steal_pointer (&local_error));
  return value;
}

static gboolean
keyring_save (PdResumeStore  *store,
              const char     *key,
              const char     *value,
              GCancellable   *cancellable,
              GError        **error)
{
  PdKeyringResumeStore *self = PD_KEYRING_RESUME_STORE (store);
  g_autofree char *kind = keyring_kind (key);

  return pd_secret_store (self->account_id, kind, "Paperdock upload in progress", value,
                          cancellable, error);
}

static gboolean
keyring_clear (PdResumeStore  *store,
               const char     *key,
               GCancellable   *cancellable,
               GError        **error)
{
  PdKeyringResumeStore *self = PD_KEYRING_RESUME_STORE (store);
  g_autofree char *kind = keyring_kind (key);

  return pd_secret_clear (self->account_id, kind, cancellable, error);
}

static void
pd_keyring_resume_store_iface_init (PdResumeStoreInterface *iface)
{
  iface->lookup = keyring_lookup;
  iface->save = keyring_save;
  iface->clear = keyring_clear;
}

static void
pd_keyring_resume_store_class_init (PdKeyringResumeStoreClass *klass)
{
}

static void
pd_keyring_resume_store_init (PdKeyringResumeStore *self)
{
}

PdResumeStore *
pd_keyring_resume_store_new (gint64 account_id)
{
  PdKeyringResumeStore *self = g_object_new (PD_TYPE_KEYRING_RESUME_STORE, NULL);

  self->account_id = account_id;
  return PD_RESUME_STORE (self);
}
