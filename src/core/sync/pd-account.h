/* pd-account.h: from an account row of the library to a connector that can reach it (the
 * password comes from the keyring), and the naming rules for remote files: where a document
 * goes under "ACCOUNT:FOLDER" and the next free name when a name is taken. */
#pragma once

#include "pd-connector.h"
#include "pd-library-sync.h"

G_BEGIN_DECLS

/* Fails with PD_SYNC_ERROR_AUTH_REQUIRED when the keyring holds no password for a WebDAV
 * account, and PD_SYNC_ERROR_TRANSIENT when the keyring is locked or unavailable (the account
 * is kept; try again later). */
PdConnector *pd_account_create_connector  (const PdAccount  *account,
                                           GCancellable     *cancellable,
                                           GError          **error);
/* "Work:Invoices/2026" -> account "Work", folder "Invoices/2026". FALSE if there is no ':'. */
gboolean     pd_account_split_destination (const char       *destination,
                                           char            **account_name,
                                           char            **folder);
/* FOLDER/NAME.pdf, with characters a remote file name cannot hold replaced. */
char        *pd_account_remote_path       (const char       *folder,
                                           const char       *document_name);
/* "A/b.pdf", 2 -> "A/b (2).pdf"; also from "A/b (2).pdf", 3 -> "A/b (3).pdf". */
char        *pd_account_numbered_path     (const char       *remote_path,
                                           guint             n);

G_END_DECLS
