/* pd-cloud-sign-in.h: signing a OneDrive or Google Drive account in from the window. The
 * person's browser opens on the provider's page (pd-oauth.h: authorization code with PKCE and a
 * loopback redirect) while a dialog says what is happening and offers Cancel; the tokens go to
 * the keyring and the account to the library exactly as "paperdock-cli accounts add" and
 * "accounts signin" leave them, so either tool can use an account the other made. */
#pragma once

#include <gtk/gtk.h>

#include "pd-library.h"
#include "pd-oauth.h"

G_BEGIN_DECLS

/* Adds the account @name of @kind ("onedrive" or "gdrive") after a sign-in as the app
 * registration @client_id (and @client_secret, which Google's desktop clients have). @drive_id
 * (OneDrive, optional) names a drive other than the user's own, e.g. a SharePoint library. A
 * refused or cancelled sign-in leaves no account behind. @parent: for the dialog. */
void      pd_cloud_sign_in_add_async    (PdLibrary            *library,
                                         GtkWindow            *parent,
                                         const char           *kind,
                                         const char           *name,
                                         const char           *client_id,
                                         const char           *client_secret,
                                         const char           *drive_id,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean  pd_cloud_sign_in_add_finish   (GAsyncResult         *result,
                                         GError              **error);

/* Signs the existing account @account_id in again as the same app registration, stores the
 * new tokens and closes the account's "sign in" inbox items, so its waiting documents go at
 * the next sync. */
void      pd_cloud_sign_in_again_async  (PdLibrary            *library,
                                         GtkWindow            *parent,
                                         gint64                account_id,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean  pd_cloud_sign_in_again_finish (GAsyncResult         *result,
                                         GError              **error);

/* Replaces the browser (tests play it; NULL @func: the person's browser again). */
void      pd_cloud_sign_in_set_open_uri_func (PdOAuthOpenUriFunc func,
                                              gpointer           user_data);

G_END_DECLS
