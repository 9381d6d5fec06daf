/* test-cli.c: paperdock-cli end to end, through real SANE (the demo scanner and SANE's test
 * backend), real tesseract, real SQLite and poppler's tools reading the PDFs it writes. */
#define _GNU_SOURCE  /* memmem */

#include "pd-test-cli-util.h"

#include <glib/gstdio.h>
#include <leptonica/allheaders.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "pd-library.h"

static JsonObject *
scan_demo (PdTestEnv  *env,
           const char *pages,
           JsonNode  **node_out)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  status = pd_test_run_cli (env, &out, &err, "scan", "--device", "demo", "--pages", pages, "--json", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (err, "page 1 saved"));
  *node_out = pd_test_parse_json (out);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (*node_out)), ==, 1);
  return json_array_get_object_element (json_node_get_array (*node_out), 0);
}

static char *
pdftotext (const char *pdf)
{
  const char *argv[] = { "pdftotext", "-layout", pdf, "-", NULL };
  char *out = NULL;

  g_assert_cmpint (pd_test_run_tool (argv, &out), ==, 0);
  return out;
}

static void
test_help (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  const char *commands[] = { "devices", "scan", "import", "list", "show", "search", "export", "log", "resume" };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "--help", NULL), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *cmd_out = NULL;

      g_assert_nonnull (strstr (out, commands[i]));
      g_assert_cmpint (pd_test_run_cli (env, &cmd_out, NULL, commands[i], "--help", NULL), ==, 0);
      g_assert_nonnull (strstr (cmd_out, "Exit status"));
    }
  g_assert_cmpint (pd_test_run_cli (env, NULL, &err, "frobnicate", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "unknown command"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (pd_test_run_cli (env, NULL, &err, "scan", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--device"));
}

static void
test_devices (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  g_autofree char *out = NULL;
  g_autofree char *all = NULL;

  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "devices", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "demo"));
  g_assert_null (strstr (out, "test:0"));
  g_assert_cmpint (pd_test_run_cli (env, &all, NULL, "devices", "--all", NULL), ==, 0);
  g_assert_nonnull (strstr (all, "test:0"));
}

/* The main job: the demo scanner's pages become one searchable PDF whose text layer holds the
 * words of every page; the library lists, shows, searches, exports and journals it. */
static void
test_demo_scan (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) hits = NULL;
  g_autofree char *text = NULL;
  g_autofree char *out = NULL;
  g_autofree char *exported = NULL;
  g_autofree char *a = NULL, *b = NULL;
  g_autofree char *uuid = NULL;
  gsize la, lb;
  JsonObject *doc;
  const char *pdf;
  g_auto(GStrv) pages_text = NULL;

  doc = scan_demo (env, "3", &node);
  g_assert_cmpstr (json_object_get_string_member (doc, "state"), ==, "ready");
  g_assert_cmpint (json_object_get_int_member (doc, "pages"), ==, 3);
  pdf = json_object_get_string_member (doc, "pdf");
  g_assert_true (g_file_test (pdf, G_FILE_TEST_IS_REGULAR));
  uuid = g_strdup (json_object_get_string_member (doc, "uuid"));

  /* pdftotext separates pages with form feeds: each page holds its own words. */
  text = pdftotext (pdf);
  pages_text = g_strsplit (text, "\f", -1);
  g_assert_cmpuint (g_strv_length (pages_text), >=, 3);
  for (guint p = 1; p <= 3; p++)
    {
      g_autofree char *words = pd_test_demo_words_path (p);
      double recall = pd_test_word_recall (words, pages_text[p - 1]);

      g_test_message ("page %u: %.1f%% of the words found by pdftotext", p, recall * 100);
      g_assert_cmpfloat (recall, >=, 0.95);
    }

  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "list", "--json", NULL), ==, 0);
  list = pd_test_parse_json (out);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "search", "--json", "Okonkwo", NULL), ==, 0);
  hits = pd_test_parse_json (out);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (hits)), ==, 1);
  {
    JsonObject *hit = json_array_get_object_element (json_node_get_array (hits), 0);

    g_assert_cmpint (json_object_get_int_member (hit, "page"), ==, 2);
    g_assert_nonnull (strstr (json_object_get_string_member (hit, "snippet"), "[Okonkwo]"));
  }
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "show", uuid, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "page 3: recognized"));
  g_clear_pointer (&out, g_free);

  exported = g_build_filename (env->dir, "out.pdf", NULL);
  g_assert_cmpint (pd_test_run_cli (env, NULL, NULL, "export", uuid, "-o", exported, NULL), ==, 0);
  g_assert_true (g_file_get_contents (pdf, &a, &la, NULL));
  g_assert_true (g_file_get_contents (exported, &b, &lb, NULL));
  g_assert_cmpmem (a, la, b, lb);

  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "log", uuid, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "created"));
  g_assert_nonnull (strstr (out, "capturing → processing"));
  g_assert_nonnull (strstr (out, "processing → ready"));
  g_assert_nonnull (strstr (out, "exported"));
}

static void
test_adf_test_backend (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  JsonObject *doc;

  g_assert_cmpint (pd_test_run_cli (env, &out, &err, "scan", "--device", "test:0", "--source", "adf",
                                    "--resolution", "75", "--option", "test-picture=Grid", "--json", NULL), ==, 0);
  node = pd_test_parse_json (out);
  doc = json_array_get_object_element (json_node_get_array (node), 0);
  /* SANE's test backend feeds 10 sheets, then reports an empty feeder: a normal end. */
  g_assert_cmpint (json_object_get_int_member (doc, "pages"), ==, 10);
  g_assert_cmpstr (json_object_get_string_member (doc, "state"), ==, "ready");
}

static void
assert_scanner_error (const char *status,
                      const char *expected_words)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  g_autofree char *option = g_strdup_printf ("read-return-value=%s", status);
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  g_autofree char *lower = NULL;

  g_assert_cmpint (pd_test_run_cli (env, NULL, &err, "scan", "--device", "test:0", "--resolution", "75",
                                    "--option", option, NULL), ==, 3);
  lower = g_utf8_strdown (err, -1);
  g_test_message ("%s: %s", status, err);
  g_assert_nonnull (strstr (lower, expected_words));
  /* A scan that failed before any page leaves no empty document behind. */
  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "list", "--json", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "[]"));
}

static void
test_scanner_errors (void)
{
  assert_scanner_error ("SANE_STATUS_JAMMED", "jam");
  assert_scanner_error ("SANE_STATUS_COVER_OPEN", "cover");
  assert_scanner_error ("SANE_STATUS_DEVICE_BUSY", "busy");
  assert_scanner_error ("SANE_STATUS_IO_ERROR", "scanner");
}

static void
test_unknown_device (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  g_autofree char *err = NULL;

  g_assert_cmpint (pd_test_run_cli (env, NULL, &err, "scan", "--device", "nosuch:0", NULL), ==, 4);
  g_assert_nonnull (strstr (err, "nosuch:0"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (pd_test_run_cli (env, NULL, &err, "show", "12345", NULL), ==, 4);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (pd_test_run_cli (env, NULL, &err, "scan", "--device", "demo", "--lang", "xyz", NULL), ==, 4);
  g_assert_nonnull (strstr (err, "xyz"));
}

static char *
write_demo_page_as (PdTestEnv  *env,
                    guint       page,
                    const char *name,
                    l_int32     format)
{
  g_autofree char *src_name = g_strdup_printf ("page-%02u.pgm", page);
  g_autofree char *src = g_build_filename (g_getenv ("PAPERDOCK_DATA_DIR"), "demo", src_name, NULL);
  char *dst = g_build_filename (env->dir, name, NULL);
  PIX *pix = pixRead (src);

  g_assert_nonnull (pix);
  g_assert_cmpint (pixWrite (dst, pix, format), ==, 0);
  pixDestroy (&pix);
  return dst;
}

/* Images of every kind and the pages of an existing PDF, in order, as one document. */
static void
test_import (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *png = write_demo_page_as (env, 4, "four.png", IFF_PNG);
  g_autofree char *jpg = write_demo_page_as (env, 5, "five.jpg", IFF_JFIF_JPEG);
  g_autofree char *tif = write_demo_page_as (env, 6, "six.tif", IFF_TIFF_LZW);
  g_autofree char *pnm = g_build_filename (g_getenv ("PAPERDOCK_DATA_DIR"), "demo", "page-03.pgm", NULL);
  g_autofree char *out = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) pages_text = NULL;
  JsonObject *doc;
  const char *pdf;

  doc = scan_demo (env, "2", &first);
  pdf = json_object_get_string_member (doc, "pdf");

  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "import", "--json", pdf, png, jpg, tif, pnm, NULL), ==, 0);
  node = pd_test_parse_json (out);
  doc = json_array_get_object_element (json_node_get_array (node), 0);
  g_assert_cmpint (json_object_get_int_member (doc, "pages"), ==, 6);
  g_assert_cmpstr (json_object_get_string_member (doc, "state"), ==, "ready");

  text = pdftotext (json_object_get_string_member (doc, "pdf"));
  pages_text = g_strsplit (text, "\f", -1);
  g_assert_cmpuint (g_strv_length (pages_text), >=, 6);
  for (guint i = 0; i < 6; i++)
    {
      guint demo_page[] = { 1, 2, 4, 5, 6, 3 };
      g_autofree char *words = pd_test_demo_words_path (demo_page[i]);

      g_assert_cmpfloat (pd_test_word_recall (words, pages_text[i]), >=, 0.9);
    }
}

static void
assert_import_refused (PdTestEnv  *env,
                       const char *path,
                       const char *what)
{
  g_autofree char *err = NULL;

  g_assert_cmpint (pd_test_run_cli (env, NULL, &err, "import", path, NULL), ==, 5);
  g_test_message ("%s: %s", what, err);
  g_assert_nonnull (strstr (err, g_path_get_basename (path)));
}

/* Bad files get a clear message, and nothing already stored changes. */
static void
test_import_bad_input (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  g_autoptr(JsonNode) first = NULL;
  g_autofree char *before = NULL, *after = NULL, *pdf_before = NULL, *pdf_after = NULL;
  g_autofree char *list_before = NULL, *list_after = NULL;
  g_autofree char *png = write_demo_page_as (env, 1, "full.png", IFF_PNG);
  g_autofree char *empty = g_build_filename (env->dir, "empty.png", NULL);
  g_autofree char *truncated = g_build_filename (env->dir, "truncated.png", NULL);
  g_autofree char *notimage = g_build_filename (env->dir, "notes.jpg", NULL);
  g_autofree char *contents = NULL;
  gsize la, lb, len;
  JsonObject *doc;

  doc = scan_demo (env, "1", &first);
  g_assert_true (g_file_get_contents (json_object_get_string_member (doc, "pdf"), &pdf_before, &la, NULL));
  g_assert_cmpint (pd_test_run_cli (env, &list_before, NULL, "list", "--json", NULL), ==, 0);

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_true (g_file_get_contents (png, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (truncated, contents, (gssize) len / 3, NULL));
  g_assert_true (g_file_set_contents (notimage, "Meeting notes: this is text, not a picture.\n", -1, NULL));

  assert_import_refused (env, empty, "zero bytes");
  assert_import_refused (env, truncated, "truncated");
  {
    g_autofree char *pgm = g_build_filename (g_getenv ("PAPERDOCK_DATA_DIR"), "demo", "page-02.pgm", NULL);
    g_autofree char *short_pgm = g_build_filename (env->dir, "short.pgm", NULL);
    g_autofree char *pgm_data = NULL;
    gsize pgm_len;

    g_assert_true (g_file_get_contents (pgm, &pgm_data, &pgm_len, NULL));
    g_assert_true (g_file_set_contents (short_pgm, pgm_data, (gssize) pgm_len - 1000, NULL));
    assert_import_refused (env, short_pgm, "truncated PGM");
  }
  assert_import_refused (env, notimage, "not an image");

  g_assert_cmpint (pd_test_run_cli (env, &list_after, NULL, "list", "--json", NULL), ==, 0);
  g_assert_cmpstr (list_before, ==, list_after);
  g_assert_true (g_file_get_contents (json_object_get_string_member (doc, "pdf"), &pdf_after, &lb, NULL));
  g_assert_cmpmem (pdf_before, la, pdf_after, lb);
  (void) before; (void) after;
}

/* The library is where --library says, else $PAPERDOCK_LIBRARY, else the XDG data folder; and
 * an executable started without OMP_THREAD_LIMIT restarts itself with it. */
/* A library as a person gets it: its PDF and page files are sealed with a key from the keyring
 * (no "%PDF", no PNM header on disk), while search, show and export work as before. */
static void
test_sealed_by_default (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new_sealed ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *exported = g_build_filename (env->dir, "out.pdf", NULL);
  g_autofree char *on_disk = NULL;
  g_autofree char *text = NULL;
  g_autofree char *out = NULL;
  g_autofree char *spool = g_build_filename (env->library, "spool", NULL);
  g_autoptr(GDir) dir = NULL;
  const char *entry;
  JsonObject *doc;
  GStatBuf st;

  doc = scan_demo (env, "2", &node);
  g_assert_true (g_file_get_contents (json_object_get_string_member (doc, "pdf"), &on_disk, NULL,
                                      NULL));
  g_assert_false (g_str_has_prefix (on_disk, "%PDF"));
  dir = g_dir_open (spool, 0, NULL);
  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (spool, entry, NULL);
      g_autofree char *page = NULL;

      if (g_file_get_contents (path, &page, NULL, NULL))
        g_assert_false (g_str_has_prefix (page, "P5") || g_str_has_prefix (page, "P6"));
    }
  g_assert_cmpint (g_stat (env->library, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "search", "Harbour", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Harbour"));
  g_assert_cmpint (pd_test_run_cli (env, NULL, NULL, "export",
                                    json_object_get_string_member (doc, "uuid"), "-o", exported,
                                    NULL), ==, 0);
  text = pdftotext (exported);
  g_assert_nonnull (strstr (text, "Harbour"));
}

/* delete: the document, its pages and its text are gone from the library, and its PDF from disk. */
static void
test_delete (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *out = NULL;
  g_autofree char *hits = NULL;
  JsonObject *doc;

  doc = scan_demo (env, "1", &node);
  pdf = g_strdup (json_object_get_string_member (doc, "pdf"));
  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "delete",
                                    json_object_get_string_member (doc, "uuid"), NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Deleted"));
  g_assert_false (g_file_test (pdf, G_FILE_TEST_EXISTS));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "list", "--json", NULL), ==, 0);
  list = pd_test_parse_json (out);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 0);
  g_assert_cmpint (pd_test_run_cli (env, &hits, NULL, "search", "Harbour", NULL), ==, 0);
  g_assert_nonnull (strstr (hits, "Nothing found"));
  g_assert_cmpint (pd_test_run_cli (env, NULL, NULL, "delete", "no-such-document", NULL), ==, 4);
}

static void
test_library_location (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  g_autofree char *data_home = g_build_filename (env->dir, "xdg-data", NULL);
  g_autofree char *env_library = g_build_filename (env->dir, "from-env", NULL);
  g_autofree char *xdg_db = g_build_filename (data_home, "paperdock", "library.db", NULL);
  g_autofree char *env_db = g_build_filename (env_library, "library.db", NULL);
  const char *cli = g_getenv ("PAPERDOCK_CLI");
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(GSubprocessLauncher) launcher = pd_test_env_launcher (env, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                    G_SUBPROCESS_FLAGS_STDERR_MERGE);
    g_autoptr(GSubprocess) proc = NULL;
    g_autofree char *err = NULL;

    /* GLib's default log handler prints debug messages on stdout, hence the merge. */
    g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_home, TRUE);
    g_subprocess_launcher_unsetenv (launcher, "OMP_THREAD_LIMIT");
    g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "pd-core", TRUE);
    proc = g_subprocess_launcher_spawn (launcher, &error, cli, "list", NULL);
    g_assert_no_error (error);
    g_subprocess_communicate_utf8 (proc, NULL, NULL, &err, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
    g_assert_true (g_file_test (xdg_db, G_FILE_TEST_IS_REGULAR));
    g_assert_nonnull (strstr (err, "Restarting with OMP_THREAD_LIMIT=1"));
  }
  {
    g_autoptr(GSubprocessLauncher) launcher = pd_test_env_launcher (env, G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
    g_autoptr(GSubprocess) proc = NULL;

    g_subprocess_launcher_setenv (launcher, "PAPERDOCK_LIBRARY", env_library, TRUE);
    proc = g_subprocess_launcher_spawn (launcher, &error, cli, "list", NULL);
    g_assert_no_error (error);
    g_subprocess_wait_check (proc, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (g_file_test (env_db, G_FILE_TEST_IS_REGULAR));
  }
}

/* Pages whose processed image differs in size from the scan: a flatbed scan with the dark lid
 * around the paper (cropped) and a page fed sideways (turned a quarter). Their PDF pages must
 * carry the processed image at its own size, with the words where the image shows them. */
static void
test_import_cropped_and_turned (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *src = g_build_filename (g_getenv ("PAPERDOCK_DATA_DIR"), "demo", "page-01.pgm", NULL);
  g_autofree char *lid = g_build_filename (env->dir, "lid.png", NULL);
  g_autofree char *sideways = g_build_filename (env->dir, "sideways.png", NULL);
  g_autofree char *out = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) pages_text = NULL;
  g_autofree char *words = pd_test_demo_words_path (1);
  PIX *page = pixRead (src);
  PIX *canvas = pixCreate (2700, 3740, 8);
  PIX *turned = pixRotateOrth (page, 1);
  JsonObject *doc;

  pixSetAllArbitrary (canvas, 45);
  pixRasterop (canvas, 110, 120, pixGetWidth (page), pixGetHeight (page), PIX_SRC, page, 0, 0);
  pixSetResolution (canvas, 300, 300);
  pixSetResolution (turned, 300, 300);
  g_assert_cmpint (pixWrite (lid, canvas, IFF_PNG), ==, 0);
  g_assert_cmpint (pixWrite (sideways, turned, IFF_PNG), ==, 0);
  pixDestroy (&canvas);
  pixDestroy (&turned);
  pixDestroy (&page);

  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "import", "--json", lid, sideways, NULL), ==, 0);
  node = pd_test_parse_json (out);
  doc = json_array_get_object_element (json_node_get_array (node), 0);
  g_assert_cmpstr (json_object_get_string_member (doc, "state"), ==, "ready");
  text = pdftotext (json_object_get_string_member (doc, "pdf"));
  pages_text = g_strsplit (text, "\f", -1);
  g_assert_cmpuint (g_strv_length (pages_text), >=, 2);
  g_assert_cmpfloat (pd_test_word_recall (words, pages_text[0]), >=, 0.95);
  g_assert_cmpfloat (pd_test_word_recall (words, pages_text[1]), >=, 0.95);
  {
    const char *argv[] = { "pdfinfo", "-f", "1", "-l", "2", json_object_get_string_member (doc, "pdf"), NULL };
    g_autofree char *info = NULL;

    /* Both come out as upright A4 pages, the lid cropped away. */
    g_assert_cmpint (pd_test_run_tool (argv, &info), ==, 0);
    g_assert_true (g_regex_match_simple ("Page +1 size: +59[0-9.]+ x 84[0-9.]+ pts", info, 0, 0));
    g_assert_true (g_regex_match_simple ("Page +2 size: +59[0-9.]+ x 84[0-9.]+ pts", info, 0, 0));
  }
}

/* A page of the demo scanner's size with a Code 39 barcode printed on it by zint: the kind of
 * separator sheet an office prints once and puts between documents. */
static char *
write_separator_sheet (PdTestEnv  *env,
                       const char *value)
{
  g_autofree char *code = g_strdup_printf ("%s/code-%s.png", env->dir, value);
  g_autofree char *data = g_strdup_printf ("--data=%s", value);
  g_autofree char *out = g_strdup_printf ("--output=%s", code);
  const char *zint[] = { "zint", "--barcode=8", "--height=60", "--scale=4", data, out, NULL };
  char *path = g_strdup_printf ("%s/sheet-%s.png", env->dir, value);
  PIX *page = pixCreate (2480, 3508, 8);
  PIX *barcode_rgb;
  PIX *barcode;

  g_assert_cmpint (pd_test_run_tool (zint, NULL), ==, 0);
  pixSetAllArbitrary (page, 240);
  barcode_rgb = pixRead (code);
  g_assert_nonnull (barcode_rgb);
  barcode = pixConvertTo8 (barcode_rgb, FALSE);
  pixRasterop (page, 600, 1400, pixGetWidth (barcode), pixGetHeight (barcode), PIX_SRC, barcode, 0, 0);
  pixSetResolution (page, 300, 300);
  g_assert_cmpint (pixWrite (path, page, IFF_PNG), ==, 0);
  pixDestroy (&barcode);
  pixDestroy (&barcode_rgb);
  pixDestroy (&page);
  return path;
}

static int
pdf_page_count (const char *pdf)
{
  const char *argv[] = { "pdfinfo", pdf, NULL };
  g_autofree char *out = NULL;
  const char *pages;

  g_assert_cmpint (pd_test_run_tool (argv, &out), ==, 0);
  pages = strstr (out, "Pages:");
  g_assert_nonnull (pages);
  return atoi (pages + strlen ("Pages:"));
}

/* A profile that splits at separator sheets, removes blank pages and names each document from
 * the sheet's barcode and a counter: one import becomes two documents, sheets and blank pages
 * left out of the PDFs but kept in the library, and the barcode values searchable. */
static void
test_profile_separation (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *sep1 = write_separator_sheet (env, "SEP-0001");
  g_autofree char *sep2 = write_separator_sheet (env, "SEP-0002");
  g_autofree char *blank = g_build_filename (env->dir, "blank.png", NULL);
  g_autofree char *p1 = g_build_filename (g_getenv ("PAPERDOCK_DATA_DIR"), "demo", "page-01.pgm", NULL);
  g_autofree char *p2 = g_build_filename (g_getenv ("PAPERDOCK_DATA_DIR"), "demo", "page-02.pgm", NULL);
  g_autofree char *p3 = g_build_filename (g_getenv ("PAPERDOCK_DATA_DIR"), "demo", "page-03.pgm", NULL);
  JsonArray *docs;
  JsonObject *first, *second;

  {
    PIX *page = pixCreate (2480, 3508, 8);

    pixSetAllArbitrary (page, 236);
    pixSetResolution (page, 300, 300);
    g_assert_cmpint (pixWrite (blank, page, IFF_PNG), ==, 0);
    pixDestroy (&page);
  }

  g_autofree char *share = g_build_filename (env->dir, "share", NULL);

  /* The sheet's value names the document and picks its folder at the destination. */
  g_assert_cmpint (g_mkdir (share, 0700), ==, 0);
  g_assert_cmpint (pd_test_run_cli (env, NULL, NULL, "accounts", "add", "folder", "Claims-share",
                                    "--path", share, NULL), ==, 0);
  g_assert_cmpint (pd_test_run_cli (env, NULL, &err, "profiles", "add", "Claims", "--device", "demo",
                                    "--separation", "barcode", "--separator-pattern", "SEP-[0-9]+",
                                    "--blank", "remove", "--name-template", "{barcode}_{counter:3}",
                                    "--destination", "Claims-share:claims/{barcode}", NULL), ==, 0);
  g_assert_cmpint (pd_test_run_cli (env, &out, &err, "import", "--profile", "Claims", "--json",
                                    sep1, p1, p2, sep2, p3, blank, NULL), ==, 0);
  node = pd_test_parse_json (out);
  docs = json_node_get_array (node);
  g_assert_cmpuint (json_array_get_length (docs), ==, 2);
  first = json_array_get_object_element (docs, 0);
  second = json_array_get_object_element (docs, 1);
  g_assert_cmpstr (json_object_get_string_member (first, "name"), ==, "SEP-0001_001");
  g_assert_cmpstr (json_object_get_string_member (second, "name"), ==, "SEP-0002_002");
  g_assert_cmpstr (json_object_get_string_member (first, "state"), ==, "ready");
  g_assert_cmpstr (json_object_get_string_member (second, "state"), ==, "ready");
  /* The library keeps every page; the PDFs show only the document pages. */
  g_assert_cmpint (json_object_get_int_member (first, "pages"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (second, "pages"), ==, 3);
  g_assert_cmpint (pdf_page_count (json_object_get_string_member (first, "pdf")), ==, 2);
  g_assert_cmpint (pdf_page_count (json_object_get_string_member (second, "pdf")), ==, 1);

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "search", "SEP-0002", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "SEP-0002_002"));

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "sync", "--wait", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Accepted: 2"));
  {
    g_autofree char *a = g_build_filename (share, "claims", "SEP-0001", "SEP-0001_001.pdf", NULL);
    g_autofree char *b = g_build_filename (share, "claims", "SEP-0002", "SEP-0002_002.pdf", NULL);

    g_assert_true (g_file_test (a, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (b, G_FILE_TEST_IS_REGULAR));
  }

  /* show tells a person which pages were left out and why */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "show", json_object_get_string_member (second, "uuid"),
                                    NULL), ==, 0);
  g_assert_nonnull (strstr (out, "separator sheet, left out of the PDF, barcodes CODE-39:SEP-0002"));
  g_assert_nonnull (strstr (out, "looks blank, left out of the PDF"));
}

/* A PDF/A profile gives a linearized PDF/A-2b that qpdf finds sound; a profile that asks for
 * encryption, which cannot keep a PDF password yet, refuses to write an unprotected PDF. */
static void
test_profile_pdf_options (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *info = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  const char *pdf;
  JsonObject *doc;

  g_assert_cmpint (pd_test_run_cli (env, NULL, NULL, "profiles", "add", "Archive", "--device", "demo",
                                    "--pdfa", NULL), ==, 0);
  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "scan", "--profile", "Archive", "--pages", "1",
                                    "--json", NULL), ==, 0);
  node = pd_test_parse_json (out);
  doc = json_array_get_object_element (json_node_get_array (node), 0);
  pdf = json_object_get_string_member (doc, "pdf");
  {
    const char *check[] = { "qpdf", "--check", pdf, NULL };
    const char *pdfinfo[] = { "pdfinfo", pdf, NULL };

    g_assert_cmpint (pd_test_run_tool (check, NULL), ==, 0);
    g_assert_cmpint (pd_test_run_tool (pdfinfo, &info), ==, 0);
    g_assert_true (g_regex_match_simple ("^Optimized: +yes$", info, G_REGEX_MULTILINE, 0));
  }
  /* The XMP stream stays uncompressed, as PDF/A wants; the file has NUL bytes elsewhere. */
  g_assert_true (g_file_get_contents (pdf, &contents, &length, NULL));
  g_assert_nonnull (memmem (contents, length, "pdfaid:part", strlen ("pdfaid:part")));

  g_assert_cmpint (pd_test_run_cli (env, NULL, NULL, "profiles", "add", "Secret", "--device", "demo",
                                    "--encrypt", NULL), ==, 0);

  /* Without a password in the keyring, no unprotected PDF is written, and the message says
   * how to set one. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (pd_test_run_cli (env, &out, &err, "scan", "--profile", "Secret", "--pages", "1", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "profiles password Secret"));
  g_assert_null (strstr (out, "Saved"));

  /* With one, the PDF opens only with it (AES-256), and the password is in no file of the
   * library. */
  g_assert_cmpint (pd_test_run_cli_stdin (env, "correct horse battery\n", NULL, NULL,
                                          "profiles", "password", "Secret", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&node, json_node_unref);
  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "scan", "--profile", "Secret", "--pages", "1",
                                    "--json", NULL), ==, 0);
  node = pd_test_parse_json (out);
  doc = json_array_get_object_element (json_node_get_array (node), 0);
  pdf = json_object_get_string_member (doc, "pdf");
  {
    const char *without[] = { "pdftotext", pdf, "-", NULL };
    const char *with[] = { "pdftotext", "-upw", "correct horse battery", pdf, "-", NULL };
    const char *check[] = { "qpdf", "--password=correct horse battery", "--check", pdf, NULL };
    const char *info_argv[] = { "pdfinfo", "-upw", "correct horse battery", pdf, NULL };
    g_autofree char *text = NULL;
    g_autofree char *enc = NULL;
    g_autofree char *words = pd_test_demo_words_path (1);

    g_assert_cmpint (pd_test_run_tool (without, NULL), !=, 0);
    g_assert_cmpint (pd_test_run_tool (with, &text), ==, 0);
    g_assert_cmpfloat (pd_test_word_recall (words, text), >=, 0.95);
    g_assert_cmpint (pd_test_run_tool (check, NULL), ==, 0);
    g_assert_cmpint (pd_test_run_tool (info_argv, &enc), ==, 0);
    g_assert_true (g_regex_match_simple ("Encrypted: +yes .*AES-256", enc, 0, 0));
  }
  {
    const char *files[] = { "library.db", "library.db-wal" };

    for (guint i = 0; i < G_N_ELEMENTS (files); i++)
      {
        g_autofree char *path = g_build_filename (env->library, files[i], NULL);
        g_autofree char *db = NULL;
        gsize db_len = 0;

        if (g_file_get_contents (path, &db, &db_len, NULL))
          g_assert_null (memmem (db, db_len, "correct horse", strlen ("correct horse")));
      }
  }
}

/* A profile with a folder destination: the documents it makes go to the folder account by
 * "sync --wait", once, byte for byte, and every attempt is in the sync log. */
static void
test_sync_to_folder (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  g_autofree char *dest = g_build_filename (env->dir, "share", NULL);
  g_autofree char *out = NULL;
  g_autofree char *log = NULL;
  g_autofree char *mine = NULL, *theirs = NULL;
  g_autofree char *remote = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *year = g_date_time_format (now, "%Y");
  gsize la, lb;

  g_assert_cmpint (g_mkdir (dest, 0700), ==, 0);
  g_assert_cmpint (pd_test_run_cli (env, NULL, NULL, "accounts", "add", "folder", "Office", "--path", dest,
                                    NULL), ==, 0);
  g_assert_cmpint (pd_test_run_cli (env, NULL, NULL, "profiles", "add", "Invoices", "--device", "demo",
                                    "--destination", "Office:{year}/Invoices",
                                    "--name-template", "Invoice_{counter:3}", NULL), ==, 0);
  g_assert_cmpint (pd_test_run_cli (env, NULL, NULL, "scan", "--profile", "Invoices", "--pages", "1", NULL), ==, 0);

  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "sync", "--wait", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Accepted: 1"));
  remote = g_build_filename (dest, year, "Invoices", "Invoice_001.pdf", NULL);
  g_assert_true (g_file_get_contents (remote, &theirs, &lb, NULL));
  {
    g_autofree char *local = g_build_filename (env->library, "documents", "Invoice_001.pdf", NULL);

    g_assert_true (g_file_get_contents (local, &mine, &la, NULL));
  }
  g_assert_cmpmem (mine, la, theirs, lb);

  /* Nothing is sent twice. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "sync", "--wait", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Accepted: 0"));
  g_assert_cmpint (pd_test_run_cli (env, &log, NULL, "log", "--sync", NULL), ==, 0);
  g_assert_nonnull (strstr (log, "accepted"));
  g_assert_nonnull (strstr (log, "Invoice_001"));
}

static void
assert_library_consistent (PdTestEnv *env)
{
  g_autoptr(PdLibrary) library = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *report = NULL;

  library = pd_library_open (env->library, &error);
  g_assert_no_error (error);
  g_assert_true (pd_library_check_integrity (library, &report, &error));
  g_assert_no_error (error);
}

/* Kill -9 in the middle of a slow 10-page ADF scan, at a different page each round: after a
 * restart every page that was reported saved is in the library, and the database is sound. */
static void
test_kill_during_scan (void)
{
  guint kill_after[] = { 2, 5, 8 };

  for (guint round = 0; round < G_N_ELEMENTS (kill_after); round++)
    {
      g_autoptr(PdTestEnv) env = pd_test_env_new ();
      g_autoptr(GSubprocessLauncher) launcher = pd_test_env_launcher (env, G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                                                      G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
      g_autoptr(GSubprocess) proc = NULL;
      g_autoptr(GDataInputStream) lines = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *out = NULL;
      g_autofree char *wanted = g_strdup_printf ("  page %u saved", kill_after[round]);
      guint saved = 0;
      char *line;
      JsonObject *doc;
      JsonArray *pages;

      proc = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("PAPERDOCK_CLI"),
                                          "--library", env->library, "scan", "--device", "test:0",
                                          "--source", "adf", "--resolution", "100",
                                          "--option", "test-picture=Grid",
                                          "--option", "read-delay=yes",
                                          "--option", "read-delay-duration=40000",
                                          "--option", "read-limit=yes",
                                          "--option", "read-limit-size=32768", NULL);
      g_assert_no_error (error);
      lines = g_data_input_stream_new (g_subprocess_get_stderr_pipe (proc));
      while ((line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error)) != NULL)
        {
          gboolean stop = g_str_equal (line, wanted);

          if (g_str_has_suffix (line, " saved"))
            saved++;
          g_free (line);
          if (stop)
            break;
        }
      g_assert_no_error (error);
      g_assert_cmpuint (saved, ==, kill_after[round]);
      g_subprocess_send_signal (proc, SIGKILL);
      g_subprocess_wait (proc, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_signaled (proc));

      assert_library_consistent (env);
      g_assert_cmpint (pd_test_run_cli (env, NULL, NULL, "resume", NULL), ==, 0);
      g_assert_cmpint (pd_test_run_cli (env, &out, NULL, "list", "--json", NULL), ==, 0);
      node = pd_test_parse_json (out);
      g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 1);
      doc = json_array_get_object_element (json_node_get_array (node), 0);
      g_test_message ("killed after page %u: %" G_GINT64_FORMAT " pages kept, %s", kill_after[round],
                      json_object_get_int_member (doc, "pages"), json_object_get_string_member (doc, "state"));
      g_assert_cmpint (json_object_get_int_member (doc, "pages"), >=, kill_after[round]);
      g_assert_cmpstr (json_object_get_string_member (doc, "state"), ==, "ready");

      {
        g_autofree char *show = NULL;
        g_autoptr(JsonNode) shown = NULL;

        g_assert_cmpint (pd_test_run_cli (env, &show, NULL, "show", "--json",
                                          json_object_get_string_member (doc, "uuid"), NULL), ==, 0);
        shown = pd_test_parse_json (show);
        pages = json_object_get_array_member (json_node_get_object (shown), "pages");
        for (guint i = 0; i < json_array_get_length (pages); i++)
          {
            JsonObject *page = json_array_get_object_element (pages, i);

            g_assert_cmpint (json_object_get_int_member (page, "index"), ==, i + 1);
            g_assert_true (g_file_test (json_object_get_string_member (page, "spool"), G_FILE_TEST_IS_REGULAR));
          }
      }
      assert_library_consistent (env);
    }
}

/* The library on a small filesystem that fills up mid-scan: a clear message, the exit code for
 * storage, and the document made before is untouched. */
static void
test_disk_full (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  g_autoptr(JsonNode) first = NULL;
  g_autofree char *pdf_before = NULL, *pdf_after = NULL;
  g_autofree char *err = NULL;
  g_autofree char *pdf = NULL;
  gsize la, lb;
  int status = -1;
  JsonObject *doc;

  {
    const char *mount[] = { "mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", env->library, NULL };
    g_autoptr(GError) error = NULL;

    if (!g_spawn_sync (NULL, (char **) mount, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, NULL, NULL, &status, &error) || !g_spawn_check_wait_status (status, NULL))
      {
        g_test_skip ("cannot mount a small tmpfs here (needs root)");
        return;
      }
  }
  /* the mount hides the library's first setting: sealing stays off, as in the other tests */
  {
    g_autofree char *setting = g_build_filename (env->library, "vault.ini", NULL);

    g_assert_true (g_file_set_contents (setting, "[vault]\nenabled=false\n", -1, NULL));
  }

  doc = scan_demo (env, "1", &first);
  pdf = g_strdup (json_object_get_string_member (doc, "pdf"));
  g_assert_true (g_file_get_contents (pdf, &pdf_before, &la, NULL));

  status = pd_test_run_cli (env, NULL, &err, "scan", "--device", "demo", "--pages", "6", NULL);
  g_test_message ("disk full: %s", err);
  g_assert_cmpint (status, ==, 6);
  g_assert_nonnull (strstr (err, "disk is full"));

  g_assert_true (g_file_get_contents (pdf, &pdf_after, &lb, NULL));
  g_assert_cmpmem (pdf_before, la, pdf_after, lb);
  assert_library_consistent (env);

  {
    const char *umount[] = { "umount", "-l", env->library, NULL };

    g_spawn_sync (NULL, (char **) umount, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  setMsgSeverity (L_SEVERITY_NONE);

  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/devices", test_devices);
  g_test_add_func ("/cli/demo-scan", test_demo_scan);
  g_test_add_func ("/cli/adf-test-backend", test_adf_test_backend);
  g_test_add_func ("/cli/scanner-errors", test_scanner_errors);
  g_test_add_func ("/cli/unknown", test_unknown_device);
  g_test_add_func ("/cli/library-location", test_library_location);
  g_test_add_func ("/cli/sealed-by-default", test_sealed_by_default);
  g_test_add_func ("/cli/delete", test_delete);
  g_test_add_func ("/cli/import", test_import);
  g_test_add_func ("/cli/import-cropped-turned", test_import_cropped_and_turned);
  g_test_add_func ("/cli/profile-separation", test_profile_separation);
  g_test_add_func ("/cli/profile-pdf-options", test_profile_pdf_options);
  g_test_add_func ("/cli/sync-to-folder", test_sync_to_folder);
  g_test_add_func ("/cli/import-bad-input", test_import_bad_input);
  g_test_add_func ("/cli/kill-during-scan", test_kill_during_scan);
  g_test_add_func ("/cli/disk-full", test_disk_full);
  return g_test_run ();
}
