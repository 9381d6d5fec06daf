/* pd-secret.c: account secrets in libsecret (see pd-secret.h). libsecret's blocking calls run
 * their own main loop; callers run them where blocking is fine (the CLI, a sync worker). */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <libsecret/secret.h>
#include <string.h>

#include "pd-secret.h"

G_DEFINE_QUARK (pd-secret-error-quark, pd_secret_error)

static const SecretSchema account_schema = {
  "io.github.paperdock.Paperdock.Account", SECRET_SCHEMA_NONE,
  {
    { "account-id", SECRET_SCHEMA_ATTRIBUTE_INTEGER },
    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
  0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

/* Turns what libsecret or D-Bus said into a message a person can act on. */
static void
set_error_from_secret (GError     **error,
                       GError      *cause,
                       const char  *what)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_error_copy (cause));
      return;
    }
  if (cause->domain == SECRET_ERROR && cause->code == SECRET_ERROR_IS_LOCKED)
    g_set_error (error, PD_SECRET_ERROR, PD_SECRET_ERROR_LOCKED,
                 "Could not %s: the keyring is locked. Unlock it (for example by logging in "
                 "again) and try again; nothing was lost.", what);
  else
    g_set_error (error, PD_SECRET_ERROR, PD_SECRET_ERROR_UNAVAILABLE,
                 "Could not %s: no keyring is available (%s). Paperdock keeps passwords only "
                 "in the keyring; start GNOME Keyring or another Secret Service and try again.",
                 what, cause->message);
}

/* After a lookup found nothing: is the keyring really open, or did a locked or missing
 * collection hide the item? (libsecret answers NULL without an error in both cases.) */
static void
explain_empty_lookup (GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;

  service = secret_service_get_sync (SECRET_SERVICE_NONE, cancellable, &local_error);
  if (service == NULL)
    {
      set_error_from_secret (error, local_error, "read the password");
      return;
    }
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, cancellable,
                                                 &local_error);
  if (collection == NULL && local_error != NULL)
    {
      set_error_from_secret (error, local_error, "read the password");
      return;
    }
  if (collection == NULL)
    {
      g_set_error (error, PD_SECRET_ERROR, PD_SECRET_ERROR_UNAVAILABLE,
                   "Could not read the password: the keyring has no default collection yet. "
                   "Open GNOME Keyring (Passwords and Keys) once to create it.");
      return;
    }
  if (secret_collection_get_locked (collection))
    {
      g_set_error (error, PD_SECRET_ERROR, PD_SECRET_ERROR_LOCKED,
                   "Could not read the password: the keyring is locked. Unlock it and try "
                   "again; nothing was lost.");
      return;
    }
  g_set_error (error, PD_SECRET_ERROR, PD_SECRET_ERROR_NOT_FOUND,
               "No password is stored in the keyring for this account. Add the account again "
               "to enter it.");
}

gboolean
pd_secret_store (gint64        account_id,
                 const char   *kind,
                 const char   *label,
                 const char   *secret,
                 GCancellable *cancellable,
                 GError      **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (kind != NULL && label != NULL && secret != NULL, FALSE);

  if (!secret_password_store_sync (&account_schema, SECRET_COLLECTION_DEFAULT, label, secret,
                                   cancellable, &local_error,
                                   "account-id", (int) account_id, "kind", kind, NULL))
    {
      set_error_from_secret (error, local_error, "store the password");
      return FALSE;
    }
  return TRUE;
}

char *
pd_secret_lookup (gint64        account_id,
                  const char   *kind,
                  GCancellable *cancellable,
                  GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  char *secret;

  g_return_val_if_fail (kind != NULL, NULL);

  secret = secret_password_lookup_sync (&account_schema, cancellable, &local_error,
                                        "account-id", (int) account_id, "kind", kind, NULL);
  if (secret != NULL)
    return secret;
  if (local_error != NULL)
    set_error_from_secret (error, local_error, "read the password");
  else
    explain_empty_lookup (cancellable, error);
  return NULL;
}

gboolean
pd_secret_clear (gint64        account_id,
                 const char   *kind,
                 GCancellable *cancellable,
                 GError      **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (kind != NULL, FALSE);

  /* FALSE without an error means there was nothing to remove: fine. */
  if (!secret_password_clear_sync (&account_schema, cancellable, &local_error,
                                   "account-id", (int) account_id, "kind", kind, NULL) &&
      local_error != NULL)
    {
      set_error_from_secret (error, local_error, "remove the password");
      return FALSE;
    }
  return TRUE;
}

void
pd_secret_free (char *secret)
{
  secret_password_free (secret);
}

char *
pd_secret_dup_pdf_password_kind (const char *profile_name)
{
  g_autofree char *folded = g_utf8_casefold (profile_name, -1);

  return g_strdup_printf ("pdf-password:%s", folded);
}

gboolean
pd_secret_clear_account (gint64         account_id,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  /* Matching on the account alone removes every kind at once (libsecret clears all unlocked
   * items that match). FALSE without an error: nothing was there. */
  if (!secret_password_clear_sync (&account_schema, cancellable, &local_error,
                                   "account-id", (int) account_id, NULL) &&
      local_error != NULL)
    {
      set_error_from_secret (error, local_error, "remove the account's secrets");
      return FALSE;
    }
  return TRUE;
}
