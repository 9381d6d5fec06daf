/* pd-vault.h: encryption at rest. A library with the setting on seals every page image and PDF it
 * keeps (spool, processed pages, documents, versions) with a 32-byte key that lives only in the
 * user's keyring, so a stolen disk without the keyring reveals no page. A sealed file is a short
 * header ("PDSEALED" magic, a version byte, libsodium's secretstream header) followed by
 * XChaCha20-Poly1305 chunks of 64 KiB plaintext; every chunk is authenticated and the last one
 * carries the FINAL tag, so a truncated, altered or foreign file is an error, never garbage.
 *
 * Writers need not know about the vault: once pd_vault_set_default () names the library's folder,
 * every PdDurableFile created under it is sealed as it is written (the plaintext never reaches the
 * disk). Readers call pd_vault_read_all () or pd_vault_open_read (), which read a file that is not
 * sealed (libraries from before, or with the setting off) unchanged. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PD_VAULT_ERROR (pd_vault_error_quark ())

typedef enum {
  PD_VAULT_ERROR_NO_KEY,      /* sealed, but no key is at hand: open the library / unlock the keyring */
  PD_VAULT_ERROR_WRONG_KEY,   /* sealed with another library's key (or its header was altered) */
  PD_VAULT_ERROR_CORRUPT,     /* altered or truncated after it was sealed */
  PD_VAULT_ERROR_TOO_NEW,     /* sealed by a newer Paperdock */
  PD_VAULT_ERROR_KEYRING,     /* the keyring is missing or locked; the message says what to do */
} PdVaultError;

GQuark pd_vault_error_quark (void);

#define PD_VAULT_KEY_BYTES 32

#define PD_TYPE_VAULT (pd_vault_get_type ())
G_DECLARE_FINAL_TYPE (PdVault, pd_vault, PD, VAULT, GObject)

/* A vault holding @key (PD_VAULT_KEY_BYTES bytes, copied). */
PdVault      *pd_vault_new_with_key   (const guint8  *key);
/* A vault with a fresh random key (tests, and the first use of a library). */
PdVault      *pd_vault_new_random     (void);

/* The library in @library_dir's vault. Its setting lives in "<dir>/vault.ini" (no secret: a
 * random id and whether sealing is on); the key is in the keyring, account 0, kind
 * "library-key:<id>". A library without the file is new: sealing is on, a key is created and
 * stored. Returns NULL without an error when the setting is off; NULL with PD_VAULT_ERROR_KEYRING
 * when the key cannot be stored or found, so nothing is ever written in plain text by mistake. */
PdVault      *pd_vault_open_for_library (const char   *library_dir,
                                         GCancellable *cancellable,
                                         GError      **error);
/* Turns sealing off (or on) for a library that has no vault.ini yet, e.g. before its first open. */
gboolean      pd_vault_set_library_enabled (const char  *library_dir,
                                            gboolean     enabled,
                                            GError     **error);

/* The process-wide vault: files written through PdDurableFile under @root are sealed with
 * @vault, and readers given a NULL vault use it. NULL @vault clears it. Set by whoever opens the
 * library (CLI, app, tests), right after pd_library_open (). */
void          pd_vault_set_default    (PdVault       *vault,
                                       const char    *root);
/* A new reference to the default vault, or NULL. */
PdVault      *pd_vault_dup_default    (void);
/* The default vault if @path lies under its root, else NULL (new reference). */
PdVault      *pd_vault_dup_for_path   (const char    *path);

gboolean      pd_vault_is_sealed      (const char    *path);

/* Reads @path whole, decrypting it if it is sealed (with @vault, or the default one if NULL). */
GBytes       *pd_vault_read_all       (PdVault       *vault,
                                       const char    *path,
                                       GError       **error);
/* g_file_get_contents () for files a library keeps: decrypted with the default vault when sealed,
 * as they are otherwise. A NUL follows the data, as g_file_get_contents () promises. */
gboolean      pd_vault_get_contents   (const char    *path,
                                       char         **contents,
                                       gsize         *length,
                                       GError       **error);
/* As pd_vault_read_all (), as a stream (the plaintext stays in memory, never on disk). */
GInputStream *pd_vault_open_read      (PdVault       *vault,
                                       const char    *path,
                                       GError       **error);
/* Seals @data into @path durably (temporary file, fsync, rename), whatever the default vault. */
gboolean      pd_vault_seal_file      (PdVault       *vault,
                                       const char    *path,
                                       const void    *data,
                                       gsize          len,
                                       GError       **error);
/* Copies @src (sealed or not) to @dest in plain text, durably: exporting a document. */
gboolean      pd_vault_export_file    (PdVault       *vault,
                                       const char    *src,
                                       const char    *dest,
                                       GError       **error);

/* The incremental sealer PdDurableFile uses: each call appends ciphertext to @out. */
typedef struct _PdVaultSealer PdVaultSealer;

PdVaultSealer *pd_vault_sealer_new    (PdVault       *vault,
                                       GByteArray    *out);
void           pd_vault_sealer_push   (PdVaultSealer *sealer,
                                       const void    *data,
                                       gsize          len,
                                       GByteArray    *out);
/* Seals what is left with the FINAL tag; the sealer may then only be freed. */
void           pd_vault_sealer_finish (PdVaultSealer *sealer,
                                       GByteArray    *out);
void           pd_vault_sealer_free   (PdVaultSealer *sealer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdVaultSealer, pd_vault_sealer_free)

/* What the CLI and the app call after opening a library: its vault, made the process default
 * for files under @library_dir. A NEW library where no keyring is reachable is made with sealing
 * off, and @warning says so (free it); an existing library whose key cannot be reached is an
 * error. NULL without an error when sealing is off. */
PdVault  *pd_vault_attach_library (const char    *library_dir,
                                   char         **warning,
                                   GCancellable  *cancellable,
                                   GError       **error);

G_END_DECLS
