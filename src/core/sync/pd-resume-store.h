/* pd-resume-store.h: where a connector keeps what it needs to resume an interrupted upload (a
 * OneDrive upload session, a Google Drive resumable session URI, its expiry) across a crash or
 * a restart. Such a URL is a credential: whoever holds it can write the file without signing in,
 * so the real store is the keyring, never the database or a log. Values are saved before the
 * first byte is sent and cleared once the upload is confirmed. Calls block: connectors call them
 * on their worker thread. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PD_TYPE_RESUME_STORE (pd_resume_store_get_type ())

G_DECLARE_INTERFACE (PdResumeStore, pd_resume_store, PD, RESUME_STORE, GObject)

struct _PdResumeStoreInterface
{
  GTypeInterface parent_iface;

  char     *(*lookup) (PdResumeStore  *self,
                       const char     *key,
                       GCancellable   *cancellable,
                       GError        **error);
  gboolean  (*save)   (PdResumeStore  *self,
                       const char     *key,
                       const char     *value,
                       GCancellable   *cancellable,
                       GError        **error);
  gboolean  (*clear)  (PdResumeStore  *self,
                       const char     *key,
                       GCancellable   *cancellable,
                       GError        **error);
};

/* NULL without an error when nothing is stored for @key. Free with pd_secret_free (). */
char          *pd_resume_store_lookup          (PdResumeStore  *self,
                                                const char     *key,
                                                GCancellable   *cancellable,
                                                GError        **error);
gboolean       pd_resume_store_save            (PdResumeStore  *self,
                                                const char     *key,
                                                const char     *value,
                                                GCancellable   *cancellable,
                                                GError        **error);
/* Clearing a key that holds nothing succeeds. */
gboolean       pd_resume_store_clear           (PdResumeStore  *self,
                                                const char     *key,
                                                GCancellable   *cancellable,
                                                GError        **error);

/* Kept in memory only: for tests, and for a process that may not touch the keyring. */
PdResumeStore *pd_memory_resume_store_new      (void);
/* Kept in the keyring (pd-secret.h), under @account_id and kind "resume:<key>". */
PdResumeStore *pd_keyring_resume_store_new     (gint64          account_id);

G_END_DECLS
