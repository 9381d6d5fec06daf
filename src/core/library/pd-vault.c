/* pd-vault.c: sealing page images and PDFs with libsodium's secretstream (XChaCha20-Poly1305),
 * the library's key in the keyring, and the process-wide default vault PdDurableFile consults.
 * See pd-vault.h for the file format and why readers pass files that are not sealed through. */
#define G_LOG_DOMAIN "pd-library"

#include "config.h"

#include "pd-vault.h"

#include <glib/gi18n-lib.h>
#include <sodium.h>
#include <string.h>

#include "pd-fs.h"
#include "pd-secret.h"

#define MAGIC      "PDSEALED"
#define MAGIC_LEN  8
#define VERSION    1
#define CHUNK      (64 * 1024)
#define ABYTES     crypto_secretstream_xchacha20poly1305_ABYTES
#define HEADER_LEN (MAGIC_LEN + 1 + crypto_secretstream_xchacha20poly1305_HEADERBYTES)

G_STATIC_ASSERT (PD_VAULT_KEY_BYTES == crypto_secretstream_xchacha20poly1305_KEYBYTES);

G_DEFINE_QUARK (pd-vault-error-quark, pd_vault_error)

struct _PdVault {
  GObject  parent_instance;

  /* owned; sodium_malloc'd so it is locked in memory and wiped when freed */
  guint8  *key;
};

G_DEFINE_FINAL_TYPE (PdVault, pd_vault, G_TYPE_OBJECT)

struct _PdVaultSealer {
  crypto_secretstream_xchacha20poly1305_state state;
  guint8  prefix[MAGIC_LEN + 1];
  guint8 *pending;      /* plaintext not yet sealed: always less than one chunk after a push */
  gsize   n_pending;
  gboolean finished;
};

static GMutex default_lock;
static PdVault *default_vault;
static char *default_root;

static void
ensure_sodium (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      if (sodium_init () < 0)
        g_error ("libsodium could not be initialised");
      g_once_init_leave (&done, 1);
    }
}

static void
pd_vault_finalize (GObject *object)
{
  PdVault *self = PD_VAULT (object);

  g_clear_pointer (&self->key, sodium_free);
  G_OBJECT_CLASS (pd_vault_parent_class)->finalize (object);
}

static void
pd_vault_class_init (PdVaultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_vault_finalize;
}

static void
pd_vault_init (PdVault *self)
{
  ensure_sodium ();
  self->key = sodium_malloc (PD_VAULT_KEY_BYTES);
  if (self->key == NULL)
    g_error ("Out of memory for the library key");
}

PdVault *
pd_vault_new_with_key (const guint8 *key)
{
  PdVault *self;

  g_return_val_if_fail (key != NULL, NULL);

  self = g_object_new (PD_TYPE_VAULT, NULL);
  memcpy (self->key, key, PD_VAULT_KEY_BYTES);
  return self;
}

PdVault *
pd_vault_new_random (void)
{
  PdVault *self = g_object_new (PD_TYPE_VAULT, NULL);

  crypto_secretstream_xchacha20poly1305_keygen (self->key);
  return self;
}

/* The default vault */

void
pd_vault_set_default (PdVault    *vault,
                      const char *root)
{
  g_return_if_fail (vault == NULL || PD_IS_VAULT (vault));
  g_return_if_fail (vault == NULL || root != NULL);

  g_mutex_lock (&default_lock);
  g_set_object (&default_vault, vault);
  g_clear_pointer (&default_root, g_free);
  if (vault != NULL)
    default_root = g_canonicalize_filename (root, NULL);
  g_mutex_unlock (&default_lock);
}

PdVault *
pd_vault_dup_default (void)
{
  PdVault *vault;

  g_mutex_lock (&default_lock);
  vault = default_vault != NULL ? g_object_ref (default_vault) : NULL;
  g_mutex_unlock (&default_lock);
  return vault;
}

PdVault *
pd_vault_dup_for_path (const char *path)
{
  g_autofree char *canonical = NULL;
  PdVault *vault = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  canonical = g_canonicalize_filename (path, NULL);
  g_mutex_lock (&default_lock);
  if (default_vault != NULL)
    {
      gsize n = strlen (default_root);

      if (strncmp (canonical, default_root, n) == 0
          && (canonical[n] == G_DIR_SEPARATOR || canonical[n] == '\0'))
        vault = g_object_ref (default_vault);
    }
  g_mutex_unlock (&default_lock);
  return vault;
}

/* Sealing */

PdVaultSealer *
pd_vault_sealer_new (PdVault    *vault,
                     GByteArray *out)
{
  PdVaultSealer *sealer;
  guint8 header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];

  g_return_val_if_fail (PD_IS_VAULT (vault), NULL);
  g_return_val_if_fail (out != NULL, NULL);

  sealer = g_new0 (PdVaultSealer, 1);
  memcpy (sealer->prefix, MAGIC, MAGIC_LEN);
  sealer->prefix[MAGIC_LEN] = VERSION;
  sealer->pending = g_malloc (CHUNK);
  crypto_secretstream_xchacha20poly1305_init_push (&sealer->state, header, vault->key);
  g_byte_array_append (out, sealer->prefix, sizeof sealer->prefix);
  g_byte_array_append (out, header, sizeof header);
  return sealer;
}

static void
seal_chunk (PdVaultSealer *sealer,
            const guint8  *data,
            gsize          len,
            guint8         tag,
            GByteArray    *out)
{
  guint old_len = out->len;
  unsigned long long clen = 0;

  g_byte_array_set_size (out, old_len + len + ABYTES);
  /* The magic and version are bound to every chunk, so changing them is noticed too. */
  crypto_secretstream_xchacha20poly1305_push (&sealer->state, out->data + old_len, &clen,
                                              data, len, sealer->prefix,
                                              sizeof sealer->prefix, tag);
  g_assert (clen == len + ABYTES);
}

void
pd_vault_sealer_push (PdVaultSealer *sealer,
                      const void    *data,
                      gsize          len,
                      GByteArray    *out)
{
  const guint8 *p = data;

  g_return_if_fail (sealer != NULL && !sealer->finished);

  while (len > 0)
    {
      gsize take;

      /* A full chunk is sealed only once more data follows: the last chunk, whatever its
       * size, must carry the FINAL tag. */
      if (sealer->n_pending == CHUNK)
        {
          seal_chunk (sealer, sealer->pending, CHUNK,
                      crypto_secretstream_xchacha20poly1305_TAG_MESSAGE, out);
          sealer->n_pending = 0;
        }
      take = MIN (len, CHUNK - sealer->n_pending);
      memcpy (sealer->pending + sealer->n_pending, p, take);
      sealer->n_pending += take;
      p += take;
      len -= take;
    }
}

void
pd_vault_sealer_finish (PdVaultSealer *sealer,
                        GByteArray    *out)
{
  g_return_if_fail (sealer != NULL && !sealer->finished);

  seal_chunk (sealer, sealer->pending, sealer->n_pending,
              crypto_secretstream_xchacha20poly1305_TAG_FINAL, out);
  sealer->n_pending = 0;
  sealer->finished = TRUE;
}

void
pd_vault_sealer_free (PdVaultSealer *sealer)
{
  if (sealer == NULL)
    return;
  sodium_memzero (sealer->pending, CHUNK);
  sodium_memzero (&sealer->state, sizeof sealer->state);
  g_free (sealer->pending);
  g_free (sealer);
}

gboolean
pd_vault_seal_file (PdVault     *vault,
                    const char  *path,
                    const void  *data,
                    gsize        len,
                    GError     **error)
{
  g_autoptr(PdDurableFile) file = NULL;

  g_return_val_if_fail (PD_IS_VAULT (vault), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  file = pd_durable_file_create_sealed (path, vault, error);
  if (file == NULL || !pd_durable_file_write (file, data, len, error))
    return FALSE;
  return pd_durable_file_commit (g_steal_pointer (&file), error);
}

/* Opening */

static gboolean
has_magic (const guint8 *data,
           gsize         len)
{
  return len >= MAGIC_LEN && memcmp (data, MAGIC, MAGIC_LEN) == 0;
}

gboolean
pd_vault_is_sealed (const char *path)
{
  guint8 head[MAGIC_LEN];
  FILE *f;
  gsize n;

  g_return_val_if_fail (path != NULL, FALSE);

  f = fopen (path, "rbe");
  if (f == NULL)
    return FALSE;
  n = fread (head, 1, sizeof head, f);
  fclose (f);
  return has_magic (head, n);
}

static GBytes *
unseal (PdVault       *vault,
        const char    *path,
        const guint8  *data,
        gsize          len,
        GError       **error)
{
  g_autofree char *name = g_filename_display_name (path);
  crypto_secretstream_xchacha20poly1305_state state;
  g_autoptr(GByteArray) plain = NULL;
  const guint8 *p;
  gsize left;
  gboolean first = TRUE;

  if (len < HEADER_LEN || data[MAGIC_LEN] != VERSION)
    {
      if (len >= HEADER_LEN && data[MAGIC_LEN] > VERSION)
        g_set_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_TOO_NEW,
                     "“%s” was encrypted by a newer version of Paperdock. Update Paperdock to "
                     "open it.", name);
      else
        g_set_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_CORRUPT,
                     "“%s” is damaged: its encryption header is incomplete.", name);
      return NULL;
    }
  if (vault == NULL)
    {
      g_set_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_NO_KEY,
                   "“%s” is encrypted and the library's key is not at hand. Open the library "
                   "with its keyring unlocked and try again.", name);
      return NULL;
    }
  if (crypto_secretstream_xchacha20poly1305_init_pull (&state, data + MAGIC_LEN + 1,
                                                       vault->key) != 0)
    {
      g_set_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_CORRUPT,
                   "“%s” is damaged: its encryption header is not valid.", name);
      return NULL;
    }

  plain = g_byte_array_sized_new (len);
  p = data + HEADER_LEN;
  left = len - HEADER_LEN;
  for (;;)
    {
      gsize clen = MIN (left, (gsize) CHUNK + ABYTES);
      unsigned long long mlen = 0;
      guint8 tag = 0;
      guint old_len = plain->len;

      if (clen < ABYTES)
        {
          g_set_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_CORRUPT,
                       "“%s” is damaged: it was cut short.", name);
          return NULL;
        }
      g_byte_array_set_size (plain, old_len + clen - ABYTES);
      if (crypto_secretstream_xchacha20poly1305_pull (&state, plain->data + old_len, &mlen, &tag,
                                                      p, clen, data, MAGIC_LEN + 1) != 0)
        {
          sodium_memzero (plain->data, plain->len);
          if (first)
            g_set_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_WRONG_KEY,
                         "“%s” cannot be decrypted with this library's key: it belongs to "
                         "another library, or it was altered.", name);
          else
            g_set_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_CORRUPT,
                         "“%s” is damaged: part of it was altered.", name);
          return NULL;
        }
      first = FALSE;
      p += clen;
      left -= clen;
      if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)
        {
          if (left != 0)
            {
              sodium_memzero (plain->data, plain->len);
              g_set_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_CORRUPT,
                           "“%s” is damaged: something was added after its end.", name);
              return NULL;
            }
          break;
        }
      if (left == 0)
        {
          sodium_memzero (plain->data, plain->len);
          g_set_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_CORRUPT,
                       "“%s” is damaged: it was cut short.", name);
          return NULL;
        }
    }
  sodium_memzero (&state, sizeof state);
  return g_byte_array_free_to_bytes (g_steal_pointer (&plain));
}

GBytes *
pd_vault_read_all (PdVault     *vault,
                   const char  *path,
                   GError     **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(PdVault) fallback = NULL;
  GError *local_error = NULL;
  const guint8 *data;
  gsize len;

  g_return_val_if_fail (vault == NULL || PD_IS_VAULT (vault), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_autofree char *name = g_filename_display_name (path);

      g_set_error (error, G_FILE_ERROR, local_error->code, "Could not read “%s”: %s", name,
                   local_error->message);
      g_error_free (local_error);
      return NULL;
    }
  bytes = g_mapped_file_get_bytes (mapped);
  data = g_bytes_get_data (bytes, &len);
  if (!has_magic (data, len))
    return g_steal_pointer (&bytes);
  if (vault == NULL)
    vault = fallback = pd_vault_dup_default ();
  return unseal (vault, path, data, len, error);
}

gboolean
pd_vault_get_contents (const char  *path,
                       char       **contents,
                       gsize       *length,
                       GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  gsize len;
  char *data;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (contents != NULL, FALSE);

  bytes = pd_vault_read_all (NULL, path, error);
  if (bytes == NULL)
    return FALSE;
  len = g_bytes_get_size (bytes);
  data = g_malloc (len + 1);
  if (len > 0)
    memcpy (data, g_bytes_get_data (bytes, NULL), len);
  data[len] = '\0';
  *contents = data;
  if (length != NULL)
    *length = len;
  return TRUE;
}

GInputStream *
pd_vault_open_read (PdVault     *vault,
                    const char  *path,
                    GError     **error)
{
  g_autoptr(GBytes) bytes = pd_vault_read_all (vault, path, error);

  if (bytes == NULL)
    return NULL;
  return g_memory_input_stream_new_from_bytes (bytes);
}

gboolean
pd_vault_export_file (PdVault     *vault,
                      const char  *src,
                      const char  *dest,
                      GError     **error)
{
  g_autoptr(GBytes) bytes = pd_vault_read_all (vault, src, error);
  g_autoptr(PdDurableFile) file = NULL;

  if (bytes == NULL)
    return FALSE;
  file = pd_durable_file_create_sealed (dest, NULL, error);
  if (file == NULL
      || !pd_durable_file_write (file, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                 error))
    return FALSE;
  return pd_durable_file_commit (g_steal_pointer (&file), error);
}

/* The library's key */

static char *
key_kind (const char *id)
{
  return g_strdup_printf ("library-key:%s", id);
}

static void
set_keyring_error (GError     **error,
                   GError      *secret_error,
                   const char  *what)
{
  g_set_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_KEYRING,
               "Could not %s the library's encryption key in the keyring: %s. Scanned pages are "
               "encrypted with it, so nothing is written until the keyring is available: unlock "
               "it (or start it) and try again.", what, secret_error->message);
}

/* Writes vault.ini; @id NULL keeps the one already there (it names a key that may already seal
 * files). */
static gboolean
write_setting (const char  *library_dir,
               gboolean     enabled,
               const char  *id,
               GError     **error)
{
  g_autofree char *path = g_build_filename (library_dir, "vault.ini", NULL);
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *old_id = NULL;
  g_autofree char *data = NULL;
  gsize len;

  if (g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, NULL))
    old_id = g_key_file_get_string (keyfile, "vault", "id", NULL);
  if (id == NULL)
    id = old_id;
  g_key_file_set_comment (keyfile, NULL, NULL,
                          " Whether this library encrypts its pages and PDFs. The key itself is "
                          "in the keyring\n (\"library-key:<id>\"), never here.", NULL);
  if (id != NULL)
    g_key_file_set_string (keyfile, "vault", "id", id);
  g_key_file_set_boolean (keyfile, "vault", "enabled", enabled);
  data = g_key_file_to_data (keyfile, &len, NULL);
  return pd_fs_ensure_private_dir (library_dir, error)
         && pd_fs_write_durable (path, data, len, error);
}

gboolean
pd_vault_set_library_enabled (const char  *library_dir,
                              gboolean     enabled,
                              GError     **error)
{
  g_return_val_if_fail (library_dir != NULL, FALSE);

  return write_setting (library_dir, enabled, NULL, error);
}

/* A new key, stored in the keyring before vault.ini names it, so a failed store leaves the
 * library as it was. */
static PdVault *
create_key (const char    *library_dir,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(PdVault) vault = pd_vault_new_random ();
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *kind = key_kind (id);
  g_autofree char *encoded = g_base64_encode (vault->key, PD_VAULT_KEY_BYTES);
  g_autoptr(GError) local_error = NULL;
  gboolean stored;

  stored = pd_secret_store (0, kind, "Paperdock library encryption key", encoded, cancellable,
                            &local_error);
  sodium_memzero (encoded, strlen (encoded));
  if (!stored)
    {
      set_keyring_error (error, local_error, "store");
      return NULL;
    }
  if (!write_setting (library_dir, TRUE, id, error))
    return NULL;
  return g_steal_pointer (&vault);
}

PdVault *
pd_vault_open_for_library (const char    *library_dir,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *kind = NULL;
  g_autoptr(PdSecretText) secret = NULL;
  guint8 key[PD_VAULT_KEY_BYTES];
  gsize key_len = 0;
  PdVault *vault;

  g_return_val_if_fail (library_dir != NULL, NULL);

  ensure_sodium ();
  path = g_build_filename (library_dir, "vault.ini", NULL);
  /* No setting yet: a new library, where sealing is on by default. */
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return create_key (library_dir, cancellable, error);
  if (!g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &local_error))
    {
      g_autofree char *name = g_filename_display_name (path);

      g_set_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_CORRUPT,
                   "Could not read the library's encryption setting “%s”: %s", name,
                   local_error->message);
      return NULL;
    }
  if (!g_key_file_get_boolean (keyfile, "vault", "enabled", NULL))
    return NULL;
  id = g_key_file_get_string (keyfile, "vault", "id", NULL);
  if (id == NULL)
    return create_key (library_dir, cancellable, error);
  if (!g_uuid_string_is_valid (id))
    {
      g_set_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_CORRUPT,
                   "The library's encryption setting names no valid key id.");
      return NULL;
    }
  kind = key_kind (id);

  /* A key that is gone is an error, not a reason for a new one: the library's sealed files
   * would stay unreadable and a new key would only hide that. */
  secret = pd_secret_lookup (0, kind, cancellable, &local_error);
  if (secret == NULL)
    {
      if (g_error_matches (local_error, PD_SECRET_ERROR, PD_SECRET_ERROR_NOT_FOUND))
        g_set_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_KEYRING,
                     "The library's encryption key is not in this keyring. Its pages and PDFs "
                     "can only be read with the keyring they were made with: log in as that "
                     "user, or restore that keyring.");
      else
        set_keyring_error (error, local_error, "find");
      return NULL;
    }

  {
    guchar *decoded = g_base64_decode (secret, &key_len);

    if (key_len == PD_VAULT_KEY_BYTES)
      memcpy (key, decoded, PD_VAULT_KEY_BYTES);
    sodium_memzero (decoded, key_len);
    g_free (decoded);
  }
  if (key_len != PD_VAULT_KEY_BYTES)
    {
      g_set_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_KEYRING,
                   "The library's encryption key in the keyring is damaged.");
      return NULL;
    }
  vault = pd_vault_new_with_key (key);
  sodium_memzero (key, sizeof key);
  return vault;
}

PdVault *
pd_vault_attach_library (const char    *library_dir,
                         char         **warning,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autofree char *setting = g_build_filename (library_dir, "vault.ini", NULL);
  gboolean is_new = !g_file_test (setting, G_FILE_TEST_EXISTS);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(PdVault) vault = NULL;

  g_return_val_if_fail (library_dir != NULL, NULL);

  if (warning != NULL)
    *warning = NULL;
  vault = pd_vault_open_for_library (library_dir, cancellable, &local_error);
  if (vault == NULL && local_error != NULL)
    {
      /* A library made where no keyring runs (a headless server, a container) could never be
       * opened with sealing on; it is made without, and the person is told. An existing
       * library whose key cannot be reached is an error: its files need that key. */
      if (!is_new || !g_error_matches (local_error, PD_VAULT_ERROR, PD_VAULT_ERROR_KEYRING))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (!pd_vault_set_library_enabled (library_dir, FALSE, error))
        return NULL;
      g_debug ("No key for the new library %s: %s", library_dir, local_error->message);
      if (warning != NULL)
        *warning = g_strdup (_("No keyring is available: this new library keeps its pages and "
                               "PDFs unencrypted."));
    }
  pd_vault_set_default (vault, library_dir);
  return g_steal_pointer (&vault);
}
