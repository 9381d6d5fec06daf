/* pd-account.c: connectors for accounts, and remote naming (see pd-account.h). */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <string.h>

#include "pd-account.h"
#include "pd-folder-connector.h"
#include "pd-gdrive-connector.h"
#include "pd-oauth-token-source.h"
#include "pd-onedrive-connector.h"
#include "pd-resume-store.h"
#include "pd-secret.h"
#include "pd-webdav-connector.h"

/* Tokens come from the keyring through the token source, on the connector's first request:
 * a locked keyring then retries later, a missing sign-in asks for one (see
 * pd-oauth-token-source.h). Upload sessions in progress are kept in the keyring too. */
static PdConnector *
create_cloud_connector (const PdAccount  *account,
                        GError          **error)
{
  g_autoptr(PdTokenSource) tokens = pd_oauth_token_source_new (account->id, account->name);
  g_autoptr(PdResumeStore) resume = pd_keyring_resume_store_new (account->id);

  if (g_strcmp0 (account->kind, "onedrive") == 0)
    return pd_onedrive_connector_new (account->name, account->url, tokens, resume, error);
  /* "root" is Drive's name for the top of My Drive; drive.file lets the app create there. */
  return pd_gdrive_connector_new (account->name, account->url, "root", tokens, resume, error);
}

PdConnector *
pd_account_create_connector (const PdAccount  *account,
                             GCancellable     *cancellable,
                             GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  PdConnector *connector;
  char *password;

  g_return_val_if_fail (account != NULL, NULL);

  if (g_strcmp0 (account->kind, "folder") == 0)
    return pd_folder_connector_new (account->name, account->url);
  if (g_strcmp0 (account->kind, "onedrive") == 0 || g_strcmp0 (account->kind, "gdrive") == 0)
    return create_cloud_connector (account, error);

  if (g_strcmp0 (account->kind, "webdav") != 0)
    {
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FAILED,
                   "Accounts of kind “%s” cannot be used by this version of Paperdock.",
                   account->kind);
      return NULL;
    }

  password = pd_secret_lookup (account->id, account->kind, cancellable, &local_error);
  if (password == NULL)
    {
      if (g_error_matches (local_error, PD_SECRET_ERROR, PD_SECRET_ERROR_NOT_FOUND))
        g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_AUTH_REQUIRED,
                     "No password for account “%s” is in the keyring. Sign in again "
                     "(paperdock-cli accounts add webdav %s …).", account->name, account->name);
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT,
                     "Account “%s” waits for the keyring: %s", account->name,
                     local_error->message);
      return NULL;
    }
  connector = pd_webdav_connector_new (account->name, account->url, account->username,
                                       password, error);
  pd_secret_free (password);
  if (connector != NULL && account->pinned_certificate != NULL &&
      !pd_webdav_connector_set_pinned_certificate (PD_WEBDAV_CONNECTOR (connector),
                                                   account->pinned_certificate, error))
    g_clear_object (&connector);
  return connector;
}

gboolean
pd_account_split_destination (const char  *destination,
                              char       **account_name,
                              char       **folder)
{
  const char *colon;

  if (destination == NULL || (colon = strchr (destination, ':')) == NULL || colon == destination)
    return FALSE;
  if (account_name != NULL)
    *account_name = g_strndup (destination, (gsize) (colon - destination));
  if (folder != NULL)
    {
      const char *f = colon + 1;

      while (*f == '/')
        f++;
      *folder = g_strdup (f);
      /* no trailing slash */
      while (**folder != '\0' && (*folder)[strlen (*folder) - 1] == '/')
        (*folder)[strlen (*folder) - 1] = '\0';
    }
  return TRUE;
}

char *
pd_account_remote_path (const char *folder,
                        const char *document_name)
{
  g_autofree char *name = g_strdup (document_name != NULL && *document_name != '\0'
                                      ? document_name : "Document");

  /* Characters Windows shares, OneDrive and Nextcloud refuse, and the path separator. */
  g_strdelimit (name, "/\\:*?\"<>|", '-');
  g_strstrip (name);
  if (folder == NULL || *folder == '\0')
    return g_strconcat (name, ".pdf", NULL);
  return g_strconcat (folder, "/", name, ".pdf", NULL);
}

char *
pd_account_numbered_path (const char *remote_path,
                          guint       n)
{
  g_autofree char *stem = NULL;
  const char *dot = strrchr (remote_path, '.');
  const char *slash = strrchr (remote_path, '/');
  const char *ext;
  size_t len;

  if (dot == NULL || (slash != NULL && dot < slash))
    dot = remote_path + strlen (remote_path);
  ext = dot;
  stem = g_strndup (remote_path, (gsize) (dot - remote_path));
  len = strlen (stem);
  /* Drop a number we added before: "b (2)" -> "b". */
  if (len > 4 && stem[len - 1] == ')')
    {
      char *open = strrchr (stem, '(');

      if (open != NULL && open > stem && open[-1] == ' ' &&
          strspn (open + 1, "0123456789") == (size_t) (stem + len - 1 - (open + 1)) &&
          stem + len - 1 > open + 1)
        open[-1] = '\0';
    }
  return g_strdup_printf ("%s (%u)%s", stem, n, ext);
}
