/* test-gdrive-connector.c: the Google Drive connector against pd-drive-server, a loopback
 * server written to the Drive v3 documentation. Each test checks what the server really holds
 * (how many files and folders, their bytes and properties) and the PD_SYNC_ERROR code the
 * engine will act on. The bearer token and the upload session URIs must never reach the log,
 * even with every debug message on. */
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "pd-drive-server.h"
#include "pd-gdrive-connector.h"
#include "pd-test-sync.h"

#define TOKEN "ya29.test-token-Zq8"
#define CHUNK (256 * 1024)

static GMutex log_lock;
static GString *log_text;

/* A token source that hands out a list of tokens, moving to the next one each time the
 * current one is refused, as a real source refreshes. */
#define TEST_TYPE_TOKENS (test_tokens_get_type ())
G_DECLARE_FINAL_TYPE (TestTokens, test_tokens, TEST, TOKENS, GObject)

struct _TestTokens
{
  GObject  parent_instance;
  GStrv    tokens;
  guint    current;
  guint    calls;
  GMutex   lock;
};

static void test_tokens_iface_init (PdTokenSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestTokens, test_tokens, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PD_TYPE_TOKEN_SOURCE,
                                                      test_tokens_iface_init))

static char *
test_tokens_get_token (PdTokenSource  *source,
                       const char     *refused,
                       GCancellable   *cancellable,
                       GError        **error)
{
  TestTokens *self = TEST_TOKENS (source);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  self->calls++;
  if (refused != NULL && g_strcmp0 (refused, self->tokens[self->current]) == 0)
    self->current++;
  if (self->tokens[self->current] == NULL)
    {
      g_set_error_literal (error, PD_SYNC_ERROR, PD_SYNC_ERROR_AUTH_REQUIRED, "Sign in again.");
      return NULL;
    }
  return g_strdup (self->tokens[self->current]);
}

static void
test_tokens_iface_init (PdTokenSourceInterface *iface)
{
  iface->get_token = test_tokens_get_token;
}

static void
test_tokens_finalize (GObject *object)
{
  TestTokens *self = TEST_TOKENS (object);

  g_strfreev (self->tokens);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (test_tokens_parent_class)->finalize (object);
}

static void
test_tokens_class_init (TestTokensClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_tokens_finalize;
}

static void
test_tokens_init (TestTokens *self)
{
  g_mutex_init (&self->lock);
}

static TestTokens *
test_tokens_new (const char *first,
                 ...)
{
  TestTokens *self = g_object_new (TEST_TYPE_TOKENS, NULL);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  va_list args;

  va_start (args, first);
  for (const char *t = first; t != NULL; t = va_arg (args, const char *))
    g_strv_builder_add (builder, t);
  va_end (args);
  self->tokens = g_strv_builder_end (builder);
  return self;
}

/* Fixture */

typedef struct {
  PdDriveServer *server;
  PdResumeStore *resume;
  TestTokens    *tokens;
  PdConnector   *connector;
} Fixture;

static PdConnector *
new_connector (Fixture       *f,
               PdTokenSource *tokens)
{
  g_autoptr(GError) error = NULL;
  PdConnector *connector = pd_gdrive_connector_new ("Team Drive", pd_drive_server_get_uri (f->server),
                                                    NULL, tokens, f->resume, &error);

  g_assert_no_error (error);
  g_object_set (connector, "chunk-size", CHUNK, NULL);
  return connector;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = pd_drive_server_new (TOKEN);
  f->resume = pd_memory_resume_store_new ();
  f->tokens = test_tokens_new (TOKEN, NULL);
  f->connector = new_connector (f, PD_TOKEN_SOURCE (f->tokens));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  pd_test_assert_finalized (f->connector);
  g_object_unref (f->tokens);
  g_object_unref (f->resume);
  pd_drive_server_free (f->server);
}

static GHashTable *
new_metadata (const char *uuid,
              const char *revision)
{
  GHashTable *metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_insert (metadata, g_strdup ("uuid"), g_strdup (uuid));
  g_hash_table_insert (metadata, g_strdup ("revision"), g_strdup (revision));
  return metadata;
}

static void
assert_server_holds (Fixture    *f,
                     const char *remote_path,
                     const char *local_path)
{
  g_autofree char *id = pd_drive_server_lookup_path (f->server, remote_path);
  g_autoptr(GBytes) content = NULL;
  g_autofree char *expected = NULL;
  gsize expected_len;

  g_assert_nonnull (id);
  content = pd_drive_server_dup_content (f->server, id);
  g_assert_nonnull (content);
  g_assert_true (g_file_get_contents (local_path, &expected, &expected_len, NULL));
  g_assert_cmpmem (g_bytes_get_data (content, NULL), g_bytes_get_size (content), expected,
                   expected_len);
}

/* Chunk PUTs logged after @offset in the server's log: "start length" each. */
static GArray *
chunks_after (Fixture *f,
              gsize    offset)
{
  g_autofree char *log = pd_drive_server_dup_log (f->server);
  g_auto(GStrv) lines = g_strsplit (log + offset, "\n", -1);
  GArray *chunks = g_array_new (FALSE, FALSE, sizeof (gint64) * 2);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char method[16], kind[16];
      gint64 v[2], total;
      guint status;

      if (sscanf (lines[i], "%15s %15s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %"
                  G_GINT64_FORMAT " %u", method, kind, &v[0], &v[1], &total, &status) == 6 &&
          (strcmp (kind, "chunk") == 0 || strcmp (kind, "final") == 0))
        g_array_append_vals (chunks, v, 1);
    }
  return chunks;
}

static gsize
log_length (Fixture *f)
{
  g_autofree char *log = pd_drive_server_dup_log (f->server);

  return strlen (log);
}

/* Tests */

static void
test_roundtrip (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("scan.pdf", 100 * 1024 + 7);
  g_autofree char *back = g_build_filename (g_get_tmp_dir (), "back.pdf", NULL);
  g_autoptr(GHashTable) metadata = new_metadata ("6f1c1d3e-uuid-roundtrip", "3");
  g_autoptr(GString) title = g_string_new (NULL);
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autoptr(PdRemoteInfo) stat = NULL;
  g_autoptr(PdRemoteInfo) got = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *kept_title = NULL;
  g_autofree char *kept_uuid = NULL;

  /* 70 two-byte characters: 140 bytes, over Drive's 124 for key and value together. */
  for (guint i = 0; i < 70; i++)
    g_string_append (title, "é");
  g_hash_table_insert (metadata, g_strdup ("title"), g_strdup (title->str));
  g_hash_table_insert (metadata, g_strdup ("note"), g_strdup ("two\nlines \\ here"));

  g_assert_true (pd_test_upload (f->connector, local, "Invoices/2026/scan.pdf", NULL, metadata,
                                 &info, &error));
  g_assert_no_error (error);
  g_assert_true (info->exists);
  g_assert_cmpuint (info->size, ==, 100 * 1024 + 7);
  g_assert_nonnull (info->etag);
  assert_server_holds (f, "Invoices/2026/scan.pdf", local);

  /* What Drive itself keeps: the uuid private to the app, the title cut on a character. */
  id = pd_drive_server_lookup_path (f->server, "Invoices/2026/scan.pdf");
  kept_uuid = pd_drive_server_dup_property (f->server, id, "uuid", TRUE);
  g_assert_cmpstr (kept_uuid, ==, "6f1c1d3e-uuid-roundtrip");
  kept_title = pd_drive_server_dup_property (f->server, id, "title", FALSE);
  g_assert_nonnull (kept_title);
  g_assert_cmpuint (strlen ("title") + strlen (kept_title), <=, 124);
  g_assert_true (g_utf8_validate (kept_title, -1, NULL));
  g_assert_true (g_str_has_prefix (title->str, kept_title));

  /* stat gives all of it back, whole. */
  stat = pd_test_stat (f->connector, "Invoices/2026/scan.pdf", &error);
  g_assert_no_error (error);
  g_assert_true (stat->exists);
  g_assert_cmpuint (stat->size, ==, info->size);
  g_assert_cmpstr (stat->etag, ==, info->etag);
  g_assert_cmpint (stat->modified, >, 0);
  g_assert_cmpstr (g_hash_table_lookup (stat->metadata, "uuid"), ==, "6f1c1d3e-uuid-roundtrip");
  g_assert_cmpstr (g_hash_table_lookup (stat->metadata, "revision"), ==, "3");
  g_assert_cmpstr (g_hash_table_lookup (stat->metadata, "title"), ==, title->str);
  g_assert_cmpstr (g_hash_table_lookup (stat->metadata, "note"), ==, "two\nlines \\ here");

  g_assert_true (pd_test_download (f->connector, "Invoices/2026/scan.pdf", back, &got, &error));
  g_assert_no_error (error);
  pd_test_assert_same_file (local, back);
  g_assert_cmpstr (got->etag, ==, info->etag);

  g_assert_false (pd_test_delete (f->connector, "Invoices/2026/scan.pdf", "999999", &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_true (pd_test_delete (f->connector, "Invoices/2026/scan.pdf", info->etag, &error));
  g_assert_no_error (error);
  g_clear_pointer (&stat, pd_remote_info_free);
  stat = pd_test_stat (f->connector, "Invoices/2026/scan.pdf", &error);
  g_assert_no_error (error);
  g_assert_false (stat->exists);
  g_assert_cmpuint (pd_drive_server_count_files (f->server), ==, 0);

  /* Nothing under a folder that does not exist either. */
  g_clear_pointer (&stat, pd_remote_info_free);
  stat = pd_test_stat (f->connector, "Nowhere/x.pdf", &error);
  g_assert_no_error (error);
  g_assert_false (stat->exists);
}

typedef struct {
  GAsyncResult *result;
} Pending;

static void
pending_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  ((Pending *) user_data)->result = g_object_ref (result);
}

static void
test_folders_once (Fixture       *f,
                   gconstpointer  data)
{
  Pending pending[4] = { { NULL } };
  g_autofree char *shared = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (pending); i++)
    {
      g_autofree char *name = g_strdup_printf ("c%u.pdf", i);
      g_autofree char *local = pd_test_make_file (name, 20 * 1024 + i);
      g_autofree char *remote = g_strdup_printf ("Shared/Deep/%s", name);
      g_autofree char *uuid = g_strdup_printf ("uuid-concurrent-%u", i);
      g_autoptr(GHashTable) metadata = new_metadata (uuid, "1");

      pd_connector_upload_async (f->connector, local, remote, NULL, metadata, NULL, pending_cb,
                                 &pending[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (pending); i++)
    {
      g_autoptr(GError) error = NULL;

      while (pending[i].result == NULL)
        g_main_context_iteration (NULL, TRUE);
      g_assert_true (pd_connector_upload_finish (f->connector, pending[i].result, NULL, &error));
      g_assert_no_error (error);
      g_clear_object (&pending[i].result);
    }
  g_assert_cmpuint (pd_drive_server_count_named (f->server, "root", "Shared", TRUE), ==, 1);
  shared = pd_drive_server_lookup_path (f->server, "Shared");
  g_assert_cmpuint (pd_drive_server_count_named (f->server, shared, "Deep", TRUE), ==, 1);
  g_assert_cmpuint (pd_drive_server_count_files (f->server), ==, 4);
}

static void
test_twin_folders (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *older = pd_drive_server_add_folder (f->server, "root", "Twins", "zz-older");
  g_autofree char *newer = pd_drive_server_add_folder (f->server, "root", "Twins", "aa-newer");
  g_autofree char *a = pd_test_make_file ("a.pdf", 1000);
  g_autoptr(GHashTable) meta_a = new_metadata ("uuid-twin-a", "1");
  g_autoptr(GHashTable) meta_b = new_metadata ("uuid-twin-b", "1");
  g_autoptr(GError) error = NULL;
  g_autoptr(PdConnector) other = NULL;
  g_autoptr(PdRemoteInfo) stat = NULL;

  g_assert_true (pd_test_upload (f->connector, a, "Twins/a.pdf", NULL, meta_a, NULL, &error));
  g_assert_no_error (error);
  /* Another connector (another computer) with nothing cached picks the same folder. */
  other = new_connector (f, PD_TOKEN_SOURCE (f->tokens));
  g_assert_true (pd_test_upload (other, a, "Twins/b.pdf", NULL, meta_b, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (pd_drive_server_count_named (f->server, older, "a.pdf", FALSE), ==, 1);
  g_assert_cmpuint (pd_drive_server_count_named (f->server, older, "b.pdf", FALSE), ==, 1);
  g_assert_cmpuint (pd_drive_server_count_named (f->server, newer, "a.pdf", FALSE), ==, 0);
  g_assert_cmpuint (pd_drive_server_count_named (f->server, "root", "Twins", TRUE), ==, 2);
  stat = pd_test_stat (other, "Twins/a.pdf", &error);
  g_assert_no_error (error);
  g_assert_true (stat->exists);
}

static void
test_name_taken (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *mine = pd_test_make_file ("mine.pdf", 5000);
  g_autofree char *theirs = pd_test_make_file ("theirs.pdf", 6000);
  g_autoptr(GHashTable) meta_mine = new_metadata ("uuid-mine", "1");
  g_autoptr(GHashTable) meta_theirs = new_metadata ("uuid-theirs", "1");
  g_autoptr(GError) error = NULL;
  g_autoptr(PdRemoteInfo) again = NULL;
  g_autofree char *parent = NULL;

  g_assert_true (pd_test_upload (f->connector, mine, "Taken/x.pdf", NULL, meta_mine, NULL,
                                 &error));
  g_assert_no_error (error);

  /* Another document under the same name: refused, nothing overwritten. */
  g_assert_false (pd_test_upload (f->connector, theirs, "Taken/x.pdf", NULL, meta_theirs, NULL,
                                  &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);
  assert_server_holds (f, "Taken/x.pdf", mine);

  /* The same document again (its first answer lost with its session): the file is found by
   * its uuid and bytes, and not made twice. */
  g_assert_true (pd_test_upload (f->connector, mine, "Taken/x.pdf", NULL, meta_mine, &again,
                                 &error));
  g_assert_no_error (error);
  g_assert_cmpuint (again->size, ==, 5000);
  parent = pd_drive_server_lookup_path (f->server, "Taken");
  g_assert_cmpuint (pd_drive_server_count_named (f->server, parent, "x.pdf", FALSE), ==, 1);
}

static void
test_conflict (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *v1 = pd_test_make_file ("v1.pdf", 3000);
  g_autofree char *v2 = pd_test_make_file ("v2.pdf", 4000);
  g_autofree char *v3 = pd_test_make_file ("v3.pdf", 5000);
  g_autoptr(GHashTable) meta1 = new_metadata ("uuid-edited", "1");
  g_autoptr(GHashTable) meta2 = new_metadata ("uuid-edited", "2");
  g_autoptr(GHashTable) meta3 = new_metadata ("uuid-edited", "3");
  g_autoptr(PdRemoteInfo) first = NULL;
  g_autoptr(PdRemoteInfo) second = NULL;
  g_autoptr(PdRemoteInfo) stat = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (pd_test_upload (f->connector, v1, "doc.pdf", NULL, meta1, &first, &error));
  g_assert_no_error (error);
  g_assert_true (pd_test_upload (f->connector, v2, "doc.pdf", first->etag, meta2, &second,
                                 &error));
  g_assert_no_error (error);
  g_assert_cmpstr (second->etag, !=, first->etag);
  assert_server_holds (f, "doc.pdf", v2);
  g_assert_cmpuint (pd_drive_server_count_files (f->server), ==, 1);
  stat = pd_test_stat (f->connector, "doc.pdf", &error);
  g_assert_cmpstr (g_hash_table_lookup (stat->metadata, "revision"), ==, "2");

  /* Based on the version before: someone else's change would be lost. */
  g_assert_false (pd_test_upload (f->connector, v3, "doc.pdf", first->etag, meta3, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_CONFLICT);
  assert_server_holds (f, "doc.pdf", v2);
}

static void
test_multi_chunk (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("big.pdf", 2 * CHUNK + 70000);
  g_autoptr(GHashTable) metadata = new_metadata ("uuid-big", "1");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) chunks = NULL;

  g_assert_true (pd_test_upload (f->connector, local, "big.pdf", NULL, metadata, NULL, &error));
  g_assert_no_error (error);
  assert_server_holds (f, "big.pdf", local);

  chunks = chunks_after (f, 0);
  g_assert_cmpuint (chunks->len, ==, 3);
  for (guint i = 0; i < chunks->len; i++)
    {
      gint64 *c = &g_array_index (chunks, gint64, 2 * i);

      g_assert_cmpint (c[0], ==, (gint64) i * CHUNK);
      if (i + 1 < chunks->len)
        g_assert_cmpint (c[1] % CHUNK, ==, 0);
    }
  g_assert_cmpint (g_array_index (chunks, gint64, 5), ==, 70000);
}

static void
test_resume_after_cut (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("cut.pdf", 4 * CHUNK + 1000);
  g_autoptr(GHashTable) metadata = new_metadata ("uuid-cut", "1");
  g_autoptr(GError) error = NULL;
  g_autoptr(PdConnector) second = NULL;
  g_autoptr(GArray) chunks = NULL;
  guint64 held;
  gsize mark;

  /* The first chunk arrives; every later one breaks after 100000 bytes. */
  pd_drive_server_add_fault (f->server, PD_DRIVE_FAULT_CUT, PD_DRIVE_REQ_CHUNK | PD_DRIVE_REQ_FINAL,
                             1, 50, 100000);
  g_assert_false (pd_test_upload (f->connector, local, "cut.pdf", NULL, metadata, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT);
  g_assert_true (pd_sync_error_is_retryable (error));
  g_clear_error (&error);
  held = pd_drive_server_get_received (f->server);
  g_assert_cmpuint (held, >, CHUNK);
  g_assert_cmpuint (pd_drive_server_count_files (f->server), ==, 0);

  /* After a restart: a new connector, the same resume store, the network back. */
  pd_drive_server_clear_faults (f->server);
  mark = log_length (f);
  second = new_connector (f, PD_TOKEN_SOURCE (f->tokens));
  g_assert_true (pd_test_upload (second, local, "cut.pdf", NULL, metadata, NULL, &error));
  g_assert_no_error (error);

  chunks = chunks_after (f, mark);
  g_assert_cmpuint (chunks->len, >, 0);
  g_assert_cmpint (g_array_index (chunks, gint64, 0), ==, (gint64) held);
  g_assert_cmpuint (pd_drive_server_count_sessions (f->server), ==, 1);
  g_assert_cmpuint (pd_drive_server_count_files (f->server), ==, 1);
  assert_server_holds (f, "cut.pdf", local);
}

static void
test_expired_session (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("late.pdf", 2 * CHUNK + 10);
  g_autoptr(GHashTable) metadata = new_metadata ("uuid-late", "1");
  g_autoptr(GError) error = NULL;
  g_autoptr(PdConnector) second = NULL;
  g_auto(GStrv) generated = NULL;
  g_autofree char *id = NULL;

  pd_drive_server_add_fault (f->server, PD_DRIVE_FAULT_CUT, PD_DRIVE_REQ_CHUNK | PD_DRIVE_REQ_FINAL,
                             1, 50, 1000);
  g_assert_false (pd_test_upload (f->connector, local, "late.pdf", NULL, metadata, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT);
  g_clear_error (&error);

  /* A week later: the session is gone. */
  pd_drive_server_clear_faults (f->server);
  pd_drive_server_expire_sessions (f->server, 404);
  second = new_connector (f, PD_TOKEN_SOURCE (f->tokens));
  g_assert_true (pd_test_upload (second, local, "late.pdf", NULL, metadata, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (pd_drive_server_count_sessions (f->server), ==, 2);
  g_assert_cmpuint (pd_drive_server_count_files (f->server), ==, 1);
  generated = pd_drive_server_dup_generated (f->server);
  g_assert_cmpuint (g_strv_length (generated), ==, 1);
  id = pd_drive_server_lookup_path (f->server, "late.pdf");
  g_assert_cmpstr (id, ==, generated[0]);
  assert_server_holds (f, "late.pdf", local);
}

static void
test_lost_response (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("lost.pdf", CHUNK + 500);
  g_autofree char *local2 = pd_test_make_file ("lost2.pdf", 800);
  g_autoptr(GHashTable) metadata = new_metadata ("uuid-lost", "1");
  g_autoptr(GHashTable) metadata2 = new_metadata ("uuid-lost-2", "1");
  g_autoptr(GError) error = NULL;
  g_autoptr(PdRemoteInfo) info = NULL;
  g_autoptr(PdConnector) second = NULL;
  g_auto(GStrv) generated = NULL;

  /* The file is made, the answer never arrives: the session says it is done. */
  pd_drive_server_add_fault (f->server, PD_DRIVE_FAULT_LOSE_RESPONSE, PD_DRIVE_REQ_FINAL, 0, 1, 0);
  g_assert_true (pd_test_upload (f->connector, local, "lost.pdf", NULL, metadata, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (info->size, ==, CHUNK + 500);
  g_assert_cmpuint (pd_drive_server_count_files (f->server), ==, 1);
  assert_server_holds (f, "lost.pdf", local);

  /* Worse: the answer and every status query are lost, and the session expires before the
   * next try. The new session asks for the same id, Drive says 409: the file is ours. */
  pd_drive_server_add_fault (f->server, PD_DRIVE_FAULT_LOSE_RESPONSE,
                             PD_DRIVE_REQ_FINAL | PD_DRIVE_REQ_STATUS, 0, 50, 0);
  g_assert_false (pd_test_upload (f->connector, local2, "lost2.pdf", NULL, metadata2, NULL,
                                  &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT);
  g_clear_error (&error);
  g_assert_cmpuint (pd_drive_server_count_files (f->server), ==, 2);
  pd_drive_server_clear_faults (f->server);
  pd_drive_server_expire_sessions (f->server, 410);
  second = new_connector (f, PD_TOKEN_SOURCE (f->tokens));
  g_assert_true (pd_test_upload (second, local2, "lost2.pdf", NULL, metadata2, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pd_drive_server_count_files (f->server), ==, 2);
  g_assert_cmpuint (pd_drive_server_count_named (f->server, "root", "lost2.pdf", FALSE), ==, 1);
  generated = pd_drive_server_dup_generated (f->server);
  g_assert_cmpuint (g_strv_length (generated), ==, 2);
}

static void
test_throttled (Fixture       *f,
                gconstpointer  data)
{
  static const struct {
    PdDriveFault fault;
    int          retry_after;
    PdSyncError  code;
    guint        status;
  } cases[] = {
    { PD_DRIVE_FAULT_RATE_LIMIT, -1, PD_SYNC_ERROR_THROTTLED, 403 },
    { PD_DRIVE_FAULT_USER_RATE_LIMIT, 9, PD_SYNC_ERROR_THROTTLED, 403 },
    { PD_DRIVE_FAULT_429, 7, PD_SYNC_ERROR_THROTTLED, 429 },
    { PD_DRIVE_FAULT_503, 5, PD_SYNC_ERROR_THROTTLED, 503 },
    { PD_DRIVE_FAULT_500, -1, PD_SYNC_ERROR_TRANSIENT, 500 },
  };
  g_autofree char *local = pd_test_make_file ("slow.pdf", 2000);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *uuid = g_strdup_printf ("uuid-slow-%u", i);
      g_autofree char *remote = g_strdup_printf ("Slow/%u.pdf", i);
      g_autoptr(GHashTable) metadata = new_metadata (uuid, "1");
      g_autoptr(GError) error = NULL;

      pd_drive_server_add_fault (f->server, cases[i].fault, 0, 0, 1, cases[i].retry_after);
      g_assert_false (pd_test_upload (f->connector, local, remote, NULL, metadata, NULL, &error));
      g_assert_error (error, PD_SYNC_ERROR, (gint) cases[i].code);
      g_assert_true (pd_sync_error_is_retryable (error));
      g_assert_cmpuint (pd_sync_error_get_http_status (error), ==, cases[i].status);
      if (cases[i].retry_after >= 0)
        g_assert_cmpint (pd_sync_error_get_retry_after (error), ==, cases[i].retry_after);
      else
        {
          /* No Retry-After: a hint that grows, never beyond about a minute. */
          g_assert_cmpint (pd_sync_error_get_retry_after (error), >=, 1);
          g_assert_cmpint (pd_sync_error_get_retry_after (error), <=, 65);
        }
      g_clear_error (&error);

      /* The next try goes through. */
      g_assert_true (pd_test_upload (f->connector, local, remote, NULL, metadata, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (pd_drive_server_count_files (f->server), ==, G_N_ELEMENTS (cases));
}

static void
test_quota (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("full.pdf", 2000);
  g_autoptr(GHashTable) metadata = new_metadata ("uuid-full", "1");
  g_autoptr(GError) error = NULL;

  pd_drive_server_add_fault (f->server, PD_DRIVE_FAULT_QUOTA, PD_DRIVE_REQ_INIT, 0, 1, -1);
  g_assert_false (pd_test_upload (f->connector, local, "full.pdf", NULL, metadata, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_QUOTA);
  g_assert_false (pd_sync_error_is_retryable (error));
  g_assert_nonnull (strstr (error->message, "Team Drive"));
  g_assert_cmpuint (pd_drive_server_count_files (f->server), ==, 0);
}

static void
test_forbidden (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("ro.pdf", 2000);
  g_autoptr(GHashTable) metadata = new_metadata ("uuid-ro", "1");
  g_autoptr(GError) error = NULL;

  pd_drive_server_add_fault (f->server, PD_DRIVE_FAULT_NO_PERMISSION, PD_DRIVE_REQ_INIT, 0, 1,
                             -1);
  g_assert_false (pd_test_upload (f->connector, local, "Shared/ro.pdf", NULL, metadata, NULL,
                                  &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_FORBIDDEN);
  g_assert_cmpuint (pd_sync_error_get_http_status (error), ==, 403);
  /* The reason in plain words, not "insufficientFilePermissions". */
  g_assert_nonnull (strstr (error->message, "view or comment"));
  g_assert_null (strstr (error->message, "insufficientFilePermissions"));
}

static void
test_auth (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("auth.pdf", 2000);
  g_autoptr(GHashTable) metadata = new_metadata ("uuid-auth", "1");
  g_autoptr(GHashTable) metadata2 = new_metadata ("uuid-auth-2", "1");
  g_autoptr(GError) error = NULL;
  g_autoptr(TestTokens) expiring = test_tokens_new ("expired-token", TOKEN, NULL);
  g_autoptr(TestTokens) revoked = test_tokens_new ("bad-1", "bad-2", TOKEN, NULL);
  g_autoptr(PdConnector) a = new_connector (f, PD_TOKEN_SOURCE (expiring));
  g_autoptr(PdConnector) b = new_connector (f, PD_TOKEN_SOURCE (revoked));

  /* An expired token: refreshed once, and the upload goes through. */
  g_assert_true (pd_test_upload (a, local, "auth.pdf", NULL, metadata, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (expiring->current, ==, 1);

  /* The refreshed token refused too: no third try, the person must sign in. */
  g_assert_false (pd_test_upload (b, local, "auth2.pdf", NULL, metadata2, NULL, &error));
  g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_AUTH_REQUIRED);
  g_assert_cmpuint (revoked->calls, ==, 2);
  g_assert_cmpuint (pd_drive_server_count_named (f->server, "root", "auth2.pdf", FALSE), ==, 0);
}

static void
test_no_secrets_in_log (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *local = pd_test_make_file ("secret.pdf", 2 * CHUNK + 99);
  g_autoptr(GHashTable) metadata = new_metadata ("uuid-secret", "1");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) upload_ids = NULL;
  g_autofree char *text = NULL;

  g_mutex_lock (&log_lock);
  g_string_truncate (log_text, 0);
  g_mutex_unlock (&log_lock);

  /* A cut, so status queries and a resume are logged too. */
  pd_drive_server_add_fault (f->server, PD_DRIVE_FAULT_CUT, PD_DRIVE_REQ_CHUNK, 0, 1, 5000);
  g_assert_true (pd_test_upload (f->connector, local, "Private/secret.pdf", NULL, metadata, NULL,
                                 &error));
  g_assert_no_error (error);

  g_mutex_lock (&log_lock);
  text = g_strdup (log_text->str);
  g_mutex_unlock (&log_lock);
  /* The HTTP log was on, or this test proves nothing. */
  g_assert_nonnull (strstr (text, "/upload/drive/v3/files"));
  g_assert_nonnull (strstr (text, "Content-Range"));
  g_assert_null (strstr (text, TOKEN));
  upload_ids = pd_drive_server_dup_upload_ids (f->server);
  g_assert_cmpuint (g_strv_length (upload_ids), ==, 1);
  for (guint i = 0; upload_ids[i] != NULL; i++)
    g_assert_null (strstr (text, upload_ids[i]));
}

/* Every message of every domain, debug included, is kept to be searched for secrets. */
static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  g_mutex_lock (&log_lock);
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      {
        if (fields[i].length < 0)
          g_string_append (log_text, fields[i].value);
        else
          g_string_append_len (log_text, fields[i].value, fields[i].length);
        g_string_append_c (log_text, '\n');
      }
  g_mutex_unlock (&log_lock);
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return g_log_writer_default (level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

int
main (int    argc,
      char **argv)
{
  /* Before any connector exists: it installs its HTTP logger only when debug output is on. */
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  /* GNOME's proxy resolver reads GSettings schemas that the isolated test dirs hide. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  log_text = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/gdrive/roundtrip", test_roundtrip);
  ADD ("/gdrive/folders-created-once", test_folders_once);
  ADD ("/gdrive/twin-folders", test_twin_folders);
  ADD ("/gdrive/name-taken", test_name_taken);
  ADD ("/gdrive/conflict", test_conflict);
  ADD ("/gdrive/multi-chunk", test_multi_chunk);
  ADD ("/gdrive/resume-after-cut", test_resume_after_cut);
  ADD ("/gdrive/expired-session", test_expired_session);
  ADD ("/gdrive/lost-response", test_lost_response);
  ADD ("/gdrive/throttled", test_throttled);
  ADD ("/gdrive/quota", test_quota);
  ADD ("/gdrive/forbidden", test_forbidden);
  ADD ("/gdrive/auth", test_auth);
  ADD ("/gdrive/no-secrets-in-log", test_no_secrets_in_log);
#undef ADD

  return g_test_run ();
}
