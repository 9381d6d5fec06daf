/* test-vault.c: encryption at rest. Sealed files read back exactly and any damage is an error;
 * the library's key lives in a real (private) gnome-keyring; a demo scan with the setting on
 * leaves no page, PDF or recognized word readable on disk, while export still gives the PDF;
 * and every folder of the library is 0700, every file 0600. */
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "pd-fs.h"
#include "pd-library.h"
#include "pd-pipeline.h"
#include "pd-scanner.h"
#include "pd-secret.h"
#include "pd-vault.h"

static GBytes *
random_bytes (gsize len)
{
  guint8 *data = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) g_random_int ();
  return g_bytes_new_take (data, len);
}

static char *
tmp_path (const char *name)
{
  return g_build_filename (g_get_user_data_dir (), name, NULL);
}

static void
assert_bytes_equal (GBytes *a,
                    GBytes *b)
{
  g_assert_cmpuint (g_bytes_get_size (a), ==, g_bytes_get_size (b));
  g_assert_true (g_bytes_equal (a, b));
}

/* Sizes around the 64 KiB chunk and PdDurableFile's 128 KiB buffer, and a large file. */
static void
test_round_trip (void)
{
  g_autoptr(PdVault) vault = pd_vault_new_random ();
  const gsize sizes[] = { 0, 1, 65535, 65536, 65537, 131072, 200000, 5 * 1024 * 1024 + 3 };

  g_assert_true (g_mkdir_with_parents (g_get_user_data_dir (), 0700) == 0);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GBytes) plain = random_bytes (sizes[i]);
      g_autofree char *path = tmp_path ("round-trip");
      g_autoptr(GBytes) back = NULL;
      g_autoptr(GInputStream) stream = NULL;
      g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable ();
      g_autoptr(GBytes) streamed = NULL;
      g_autoptr(GError) error = NULL;
      struct stat st;

      g_assert_true (pd_vault_seal_file (vault, path, g_bytes_get_data (plain, NULL), sizes[i],
                                         &error));
      g_assert_no_error (error);
      g_assert_true (pd_vault_is_sealed (path));
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
      /* The ciphertext is larger than the page by the header and a tag per chunk, no more. */
      g_assert_cmpint (st.st_size, >, (goffset) sizes[i]);
      g_assert_cmpint (st.st_size, <=, (goffset) (sizes[i] + 33 + 17 * (sizes[i] / 65536 + 2)));

      back = pd_vault_read_all (vault, path, &error);
      g_assert_no_error (error);
      assert_bytes_equal (plain, back);

      stream = pd_vault_open_read (vault, path, &error);
      g_assert_no_error (error);
      g_output_stream_splice (sink, stream, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
      g_assert_no_error (error);
      streamed = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (sink));
      assert_bytes_equal (plain, streamed);
    }
}

/* PdDurableFile seals by itself under the default vault's folder, in many small writes. */
static void
test_durable_file_default (void)
{
  g_autoptr(PdVault) vault = pd_vault_new_random ();
  g_autofree char *root = tmp_path ("default-root");
  g_autofree char *inside = g_build_filename (root, "pages", "page.pgm", NULL);
  g_autofree char *outside = tmp_path ("outside.txt");
  g_autofree char *inner_dir = g_path_get_dirname (inside);
  g_autoptr(PdDurableFile) file = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  g_assert_true (pd_fs_ensure_private_dir (inner_dir, &error));
  pd_vault_set_default (vault, root);

  file = pd_durable_file_create (inside, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 20000; i++)
    {
      g_assert_true (pd_durable_file_printf (file, &error, "P5 line %u\n", i));
      g_string_append_printf (expected, "P5 line %u\n", i);
    }
  g_assert_cmpuint (pd_durable_file_tell (file), ==, expected->len);
  g_assert_true (pd_durable_file_commit (g_steal_pointer (&file), &error));
  g_assert_no_error (error);
  g_assert_true (pd_vault_is_sealed (inside));

  /* A reader given no vault uses the default one. */
  back = pd_vault_read_all (NULL, inside, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back),
                   expected->str, expected->len);

  /* Outside the library, files stay as they are: exports, the user's folders. */
  g_assert_true (pd_fs_write_durable (outside, "plain", 5, &error));
  g_assert_false (pd_vault_is_sealed (outside));
  g_assert_true (g_file_get_contents (outside, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "plain");

  pd_vault_set_default (NULL, NULL);
  g_clear_pointer (&back, g_bytes_unref);
  back = pd_vault_read_all (NULL, inside, &error);
  g_assert_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_NO_KEY);
  g_assert_null (back);
}

static GBytes *
seal_sample (PdVault    *vault,
             const char *path,
             gsize       len)
{
  GBytes *plain = random_bytes (len);
  g_autoptr(GError) error = NULL;

  g_assert_true (pd_vault_seal_file (vault, path, g_bytes_get_data (plain, NULL), len, &error));
  g_assert_no_error (error);
  return plain;
}

static void
rewrite (const char *path,
         GBytes     *bytes)
{
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL),
                                      (gssize) g_bytes_get_size (bytes), NULL));
}

/* Any change to a sealed file, anywhere, is an error and yields no plaintext. */
static void
test_tamper (void)
{
  g_autoptr(PdVault) vault = pd_vault_new_random ();
  g_autofree char *path = tmp_path ("tamper");
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;
  const gsize offsets[] = { 8, 9, 20, 33, 34, 1000, 65536 + 33 + 17 + 5 };

  g_assert_true (g_mkdir_with_parents (g_get_user_data_dir (), 0700) == 0);
  plain = seal_sample (vault, path, 150000);
  {
    g_autofree char *data = NULL;

    g_assert_true (g_file_get_contents (path, &data, &len, NULL));
    sealed = g_bytes_new (data, len);
  }

  /* A flipped bit in the version byte, the header, the first chunk and a later chunk. */
  for (guint i = 0; i < G_N_ELEMENTS (offsets); i++)
    {
      g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (sealed, NULL), len);
      g_autoptr(GBytes) altered = NULL;
      g_autoptr(GBytes) back = NULL;

      g_assert_cmpuint (offsets[i], <, len);
      copy[offsets[i]] ^= 0x01;
      altered = g_bytes_new (copy, len);
      rewrite (path, altered);
      back = pd_vault_read_all (vault, path, &error);
      g_assert_null (back);
      g_assert_true (error->domain == PD_VAULT_ERROR);
      g_test_message ("byte %zu flipped: %s", offsets[i], error->message);
      g_clear_error (&error);
    }

  /* Cut short at a chunk boundary (no FINAL tag), inside a chunk, and to the header only. */
  {
    const gsize cuts[] = { 33 + 65536 + 17, 33 + 65536 + 17 + 100, len - 1, 33, 20 };

    for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
      {
        g_autoptr(GBytes) cut = g_bytes_new_from_bytes (sealed, 0, cuts[i]);
        g_autoptr(GBytes) back = NULL;

        rewrite (path, cut);
        back = pd_vault_read_all (vault, path, &error);
        g_assert_null (back);
        g_assert_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_CORRUPT);
        g_clear_error (&error);
      }
  }

  /* Something appended after the end. */
  {
    g_autoptr(GByteArray) longer = g_byte_array_new ();
    g_autoptr(GBytes) back = NULL;

    g_byte_array_append (longer, g_bytes_get_data (sealed, NULL), (guint) len);
    g_byte_array_append (longer, (const guint8 *) "more", 4);
    g_assert_true (g_file_set_contents (path, (char *) longer->data, longer->len, NULL));
    back = pd_vault_read_all (vault, path, &error);
    g_assert_null (back);
    g_assert_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_CORRUPT);
    g_clear_error (&error);
  }

  /* The untouched file still reads. */
  rewrite (path, sealed);
  {
    g_autoptr(GBytes) back = pd_vault_read_all (vault, path, &error);

    g_assert_no_error (error);
    assert_bytes_equal (plain, back);
  }
}

static void
test_wrong_key (void)
{
  g_autoptr(PdVault) vault = pd_vault_new_random ();
  g_autoptr(PdVault) other = pd_vault_new_random ();
  g_autofree char *path = tmp_path ("wrong-key");
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_mkdir_with_parents (g_get_user_data_dir (), 0700) == 0);
  plain = seal_sample (vault, path, 1000);
  back = pd_vault_read_all (other, path, &error);
  g_assert_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_WRONG_KEY);
  g_assert_null (back);
}

/* Libraries from before, and with the setting off, read through unchanged. */
static void
test_unsealed (void)
{
  g_autoptr(PdVault) vault = pd_vault_new_random ();
  g_autofree char *path = tmp_path ("plain.pdf");
  g_autofree char *empty = tmp_path ("empty");
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;
  const char *text = "%PDF-1.7\nnot sealed\n";

  g_assert_true (g_mkdir_with_parents (g_get_user_data_dir (), 0700) == 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_false (pd_vault_is_sealed (path));
  back = pd_vault_read_all (vault, path, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), text, strlen (text));
  g_clear_pointer (&back, g_bytes_unref);

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  back = pd_vault_read_all (NULL, empty, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (back), ==, 0);
}

/* The key is made once, kept in the keyring, and found again; the setting file holds no secret. */
static void
test_library_key (void)
{
  g_autofree char *dir = tmp_path ("keyed-library");
  g_autofree char *off_dir = tmp_path ("plain-library");
  g_autofree char *ini = g_build_filename (dir, "vault.ini", NULL);
  g_autofree char *sample = g_build_filename (dir, "sample", NULL);
  g_autoptr(PdVault) first = NULL;
  g_autoptr(PdVault) again = NULL;
  g_autoptr(PdVault) off = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;

  first = pd_vault_open_for_library (dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  plain = seal_sample (first, sample, 3000);

  again = pd_vault_open_for_library (dir, NULL, &error);
  g_assert_no_error (error);
  back = pd_vault_read_all (again, sample, &error);
  g_assert_no_error (error);
  assert_bytes_equal (plain, back);

  /* Sealing off, chosen before the library's first open: no vault, no error. */
  g_assert_true (pd_vault_set_library_enabled (off_dir, FALSE, &error));
  off = pd_vault_open_for_library (off_dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (off);

  /* A library whose key is gone from the keyring says so instead of making a new key. */
  {
    g_autoptr(GKeyFile) keyfile = g_key_file_new ();
    g_autofree char *id = NULL;
    g_autofree char *kind = NULL;
    g_autoptr(PdVault) lost = NULL;

    g_assert_true (g_key_file_load_from_file (keyfile, ini, G_KEY_FILE_NONE, NULL));
    id = g_key_file_get_string (keyfile, "vault", "id", NULL);
    g_assert_nonnull (id);
    kind = g_strdup_printf ("library-key:%s", id);
    g_assert_true (pd_secret_clear (0, kind, NULL, &error));
    g_assert_no_error (error);
    lost = pd_vault_open_for_library (dir, NULL, &error);
    g_assert_null (lost);
    g_assert_error (error, PD_VAULT_ERROR, PD_VAULT_ERROR_KEYRING);
  }
}


typedef struct {
  GMainLoop    *loop;
  GAsyncResult *result;
} ScanWait;

static void
scan_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ScanWait *w = user_data;

  w->result = g_object_ref (result);
  g_main_loop_quit (w->loop);
}

static gboolean
memmem_found (GBytes     *haystack,
              const void *needle,
              gsize       len)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (haystack, &size);

  if (len == 0 || size < len)
    return FALSE;
  for (gsize i = 0; i + len <= size; i++)
    if (data[i] == *(const guint8 *) needle && memcmp (data + i, needle, len) == 0)
      return TRUE;
  return FALSE;
}

/* Every entry under @dir: folders 0700, files 0600; collects the files. */
static void
walk (const char *dir,
      GPtrArray  *files)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  struct stat st;

  g_assert_nonnull (d);
  g_assert_cmpint (g_lstat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_cmpint (g_lstat (path, &st), ==, 0);
      if (S_ISDIR (st.st_mode))
        walk (path, files);
      else
        {
          if ((st.st_mode & 0777) != 0600)
            g_error ("%s has mode %o, not 0600", path, st.st_mode & 0777);
          g_ptr_array_add (files, g_steal_pointer (&path));
        }
    }
}

/* A demo scan with sealing on: nothing on disk shows a page, a PDF or a recognized word, the
 * database holds no key, and export still gives the searchable PDF. */
static void
test_scan_sealed (void)
{
  g_autofree char *dir = tmp_path ("library");
  g_autofree char *export_path = tmp_path ("exported.pdf");
  g_autoptr(GError) error = NULL;
  g_autoptr(PdVault) vault = NULL;
  g_autoptr(PdLibrary) library = NULL;
  g_autoptr(PdScanner) scanner = pd_scanner_new ();
  g_autoptr(PdPipeline) pipeline = NULL;
  g_autoptr(PdScanOptions) scan = pd_scan_options_new ();
  g_autoptr(PdProcessOptions) process = pd_process_options_new ();
  g_autoptr(GPtrArray) documents = NULL;
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GBytes) key_probe = NULL;
  g_autofree char *stdout_text = NULL;
  PdDocument *document;
  ScanWait w = { 0 };
  int status = 0;

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  vault = pd_vault_open_for_library (dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (vault);
  pd_vault_set_default (vault, dir);

  scan->device = g_strdup ("demo");
  scan->max_pages = 2;
  pipeline = pd_pipeline_new (library, scanner);
  w.loop = g_main_loop_new (NULL, FALSE);
  pd_pipeline_scan_async (pipeline, scan, process, NULL, NULL, scan_done_cb, &w);
  g_main_loop_run (w.loop);
  pd_pipeline_scan_finish (pipeline, w.result, &documents, &error);
  g_assert_no_error (error);
  g_clear_object (&w.result);
  g_main_loop_unref (w.loop);
  g_assert_cmpuint (documents->len, ==, 1);
  document = g_ptr_array_index (documents, 0);
  g_assert_cmpint (document->state, ==, PD_DOC_STATE_READY);
  g_assert_nonnull (document->pdf_path);
  g_assert_true (pd_vault_is_sealed (document->pdf_path));

  /* The recognized words a thief would look for: every word of six letters or more. */
  pages = pd_library_list_pages (library, document->id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < pages->len; i++)
    {
      PdPage *page = g_ptr_array_index (pages, i);
      g_auto(GStrv) tokens = g_regex_split_simple ("[^A-Za-z]+",
                                                    page->text != NULL ? page->text : "", 0, 0);

      g_assert_true (pd_vault_is_sealed (page->spool_path));
      g_assert_true (pd_vault_is_sealed (page->image_path));
      for (guint t = 0; tokens[t] != NULL; t++)
        if (strlen (tokens[t]) >= 6)
          g_ptr_array_add (words, g_strdup (tokens[t]));
    }
  g_test_message ("%u recognized words of six letters or more", words->len);
  g_assert_cmpuint (words->len, >=, 10);

  walk (dir, files);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *data = NULL;
      gsize len = 0;
      g_autoptr(GBytes) bytes = NULL;

      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      bytes = g_bytes_new_take (g_steal_pointer (&data), len);
      if (g_str_has_prefix (base, "library.db"))
        continue; /* words are fine there (search); the key never is, checked below */
      g_test_message ("checking %s (%zu bytes)", path, len);
      g_assert_false (len >= 3 && (memcmp (g_bytes_get_data (bytes, NULL), "P5\n", 3) == 0
                                   || memcmp (g_bytes_get_data (bytes, NULL), "P6\n", 3) == 0));
      g_assert_false (len >= 3 && memcmp (g_bytes_get_data (bytes, NULL), "\xff\xd8\xff", 3) == 0);
      /* Where these formats put their signatures (a PDF within its first 1024 bytes, JFIF in
       * a JPEG's first segment): 4 random bytes of ciphertext match "%PDF" somewhere in an 8 MB
       * page about once in 500 files, so the whole file is not searched for them. */
      {
        g_autoptr(GBytes) head = g_bytes_new_from_bytes (bytes, 0, MIN (len, 1024));

        g_assert_false (memmem_found (head, "%PDF", 4));
        g_assert_false (memmem_found (head, "JFIF", 4));
      }
      for (guint k = 0; k < words->len; k++)
        {
          const char *word = g_ptr_array_index (words, k);

          if (memmem_found (bytes, word, strlen (word)))
            g_error ("%s holds the recognized word “%s” in plain text", path, word);
        }
    }

  /* The key, raw, hex or base64, is nowhere in the database files. */
  {
    g_autoptr(GKeyFile) keyfile = g_key_file_new ();
    g_autofree char *ini = g_build_filename (dir, "vault.ini", NULL);
    g_autofree char *id = NULL;
    g_autofree char *kind = NULL;
    g_autoptr(PdSecretText) secret = NULL;
    g_autofree guchar *raw = NULL;
    g_autoptr(GString) hex = g_string_new (NULL);
    gsize raw_len = 0;

    g_assert_true (g_key_file_load_from_file (keyfile, ini, G_KEY_FILE_NONE, NULL));
    id = g_key_file_get_string (keyfile, "vault", "id", NULL);
    kind = g_strdup_printf ("library-key:%s", id);
    secret = pd_secret_lookup (0, kind, NULL, &error);
    g_assert_no_error (error);
    raw = g_base64_decode (secret, &raw_len);
    g_assert_cmpuint (raw_len, ==, PD_VAULT_KEY_BYTES);
    for (gsize i = 0; i < raw_len; i++)
      g_string_append_printf (hex, "%02x", raw[i]);
    for (guint i = 0; i < files->len; i++)
      {
        const char *path = g_ptr_array_index (files, i);
        g_autofree char *data = NULL;
        gsize len = 0;
        g_autoptr(GBytes) bytes = NULL;
        g_autofree char *upper = g_ascii_strup (hex->str, -1);

        g_assert_true (g_file_get_contents (path, &data, &len, NULL));
        bytes = g_bytes_new_take (g_steal_pointer (&data), len);
        g_assert_false (memmem_found (bytes, raw, raw_len));
        g_assert_false (memmem_found (bytes, hex->str, hex->len));
        g_assert_false (memmem_found (bytes, upper, hex->len));
        g_assert_false (memmem_found (bytes, secret, strlen (secret)));
      }
  }

  /* Export: the plain, searchable PDF. */
  g_assert_true (pd_vault_export_file (NULL, document->pdf_path, export_path, &error));
  g_assert_no_error (error);
  g_assert_false (pd_vault_is_sealed (export_path));
  {
    const char *argv[] = { "pdftotext", export_path, "-", NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 &stdout_text, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    for (guint k = 0; k < MIN (words->len, 5u); k++)
      g_assert_nonnull (strstr (stdout_text, g_ptr_array_index (words, k)));
  }

  pd_vault_set_default (NULL, NULL);
  g_clear_object (&pipeline);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *sane_dir = NULL;
  const char *fixtures = g_getenv ("PD_TEST_SANE_FIXTURES");

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* Only SANE's test and pnm backends, set before the scanner thread starts. */
  sane_dir = g_dir_make_tmp ("pd-sane-XXXXXX", NULL);
  for (guint i = 0; i < 2; i++)
    {
      const char *names[] = { "dll.conf", "test.conf" };
      g_autofree char *from = g_build_filename (fixtures, names[i], NULL);
      g_autofree char *to = g_build_filename (sane_dir, names[i], NULL);
      g_autofree char *contents = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (from, &contents, &len, NULL));
      g_assert_true (g_file_set_contents (to, contents, (gssize) len, NULL));
    }
  g_setenv ("SANE_CONFIG_DIR", sane_dir, TRUE);

  g_test_add_func ("/vault/round-trip", test_round_trip);
  g_test_add_func ("/vault/durable-file-default", test_durable_file_default);
  g_test_add_func ("/vault/tamper", test_tamper);
  g_test_add_func ("/vault/wrong-key", test_wrong_key);
  g_test_add_func ("/vault/unsealed", test_unsealed);
  g_test_add_func ("/vault/library-key", test_library_key);
  g_test_add_func ("/vault/scan-sealed", test_scan_sealed);

  return g_test_run ();
}
