/* pd-secret.h: account passwords and tokens in the user's keyring (libsecret), never in the
 * database or a log. A lookup that finds nothing is told apart from a keyring that is locked or
 * missing, so a locked keyring never looks like a deleted password. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PD_SECRET_ERROR (pd_secret_error_quark ())

typedef enum {
  PD_SECRET_ERROR_UNAVAILABLE,  /* no Secret Service (no keyring daemon, no session bus) */
  PD_SECRET_ERROR_LOCKED,       /* the keyring is locked: unlock it, nothing was lost */
  PD_SECRET_ERROR_NOT_FOUND,    /* the keyring is open and holds nothing for this account */
} PdSecretError;

GQuark    pd_secret_error_quark (void);

gboolean  pd_secret_store       (gint64        account_id,
                                 const char   *kind,
                                 const char   *label,
                                 const char   *secret,
                                 GCancellable *cancellable,
                                 GError      **error);
/* Returns the secret (free with pd_secret_free ()), or NULL with an error. */
char     *pd_secret_lookup      (gint64        account_id,
                                 const char   *kind,
                                 GCancellable *cancellable,
                                 GError      **error);
gboolean  pd_secret_clear       (gint64        account_id,
                                 const char   *kind,
                                 GCancellable *cancellable,
                                 GError      **error);
/* Removes every secret of @account_id whatever its kind (password, OAuth tokens, upload
 * sessions "resume:*"): what removing an account must do. Nothing stored is fine. */
gboolean  pd_secret_clear_account (gint64        account_id,
                                   GCancellable *cancellable,
                                   GError      **error);
/* A profile's PDF password: the same keyring schema, account 0, kind "pdf-password:<profile>"
 * with the profile's name case-folded, as profiles are looked up. */
char     *pd_secret_dup_pdf_password_kind (const char *profile_name);

/* Wipes the memory before freeing it. */
void      pd_secret_free        (char         *secret);

/* g_autoptr(PdSecretText) wipes a secret string when it goes out of scope. */
typedef char PdSecretText;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdSecretText, pd_secret_free)

G_END_DECLS
