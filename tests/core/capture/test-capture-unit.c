/* test-capture-unit.c: the rules that decide which SANE source a request ends up on, and the
 * words a person reads when a scan fails. No device needed. */
#include <gio/gio.h>
#include <string.h>

#include "pd-scanner-private.h"

static void
assert_pick (const char *const *sources,
             PdScanSource       wanted,
             const char        *expected)
{
  const char *picked = _pd_scanner_pick_source (sources, wanted);

  g_assert_cmpstr (picked, ==, expected);
  /* The answer is one of the device's own strings, to be passed back to it unchanged. */
  if (picked != NULL)
    {
      gboolean found = FALSE;

      for (guint i = 0; sources[i] != NULL; i++)
        found |= picked == sources[i];
      g_assert_true (found);
    }
}

static void
test_pick_duplex_beats_adf (void)
{
  const char *const fujitsu[] = { "Flatbed", "ADF Front", "ADF Back", "ADF Duplex", NULL };
  const char *const simple[] = { "Flatbed", "ADF", "Duplex", NULL };
  const char *const brother[] = {
    "FlatBed", "Automatic Document Feeder(centrally aligned)",
    "Automatic Document Feeder(centrally aligned,Duplex)", NULL
  };
  const char *const odd[] = { "Flatbed", "ADF", "Feeder both sides (duplex)", NULL };

  assert_pick (fujitsu, PD_SCAN_SOURCE_DUPLEX, "ADF Duplex");
  assert_pick (simple, PD_SCAN_SOURCE_DUPLEX, "Duplex");
  assert_pick (brother, PD_SCAN_SOURCE_DUPLEX, "Automatic Document Feeder(centrally aligned,Duplex)");
  assert_pick (odd, PD_SCAN_SOURCE_DUPLEX, "Feeder both sides (duplex)");
}

static void
test_pick_adf_beats_duplex (void)
{
  const char *const duplex_first[] = { "ADF Duplex", "ADF", NULL };
  const char *const fujitsu[] = { "ADF Duplex", "ADF Back", "ADF Front", NULL };
  const char *const brother[] = {
    "Automatic Document Feeder(centrally aligned,Duplex)",
    "Automatic Document Feeder(centrally aligned)", "FlatBed", NULL
  };
  const char *const substring_only[] = { "Flatbed", "Document Feeder Duplex", "Feeder (left)", NULL };
  const char *const test_backend[] = { "Flatbed", "Automatic Document Feeder", NULL };

  assert_pick (duplex_first, PD_SCAN_SOURCE_ADF, "ADF");
  assert_pick (fujitsu, PD_SCAN_SOURCE_ADF, "ADF Front");
  assert_pick (brother, PD_SCAN_SOURCE_ADF, "Automatic Document Feeder(centrally aligned)");
  assert_pick (substring_only, PD_SCAN_SOURCE_ADF, "Feeder (left)");
  assert_pick (test_backend, PD_SCAN_SOURCE_ADF, "Automatic Document Feeder");
}

static void
test_pick_missing (void)
{
  const char *const test_backend[] = { "Flatbed", "Automatic Document Feeder", NULL };
  const char *const sheetfed[] = { "ADF Front", "ADF Duplex", NULL };
  const char *const duplex_only[] = { "Flatbed", "ADF Duplex", NULL };

  /* The test backend has no duplex: the caller must then report UNSUPPORTED, not scan one side. */
  assert_pick (test_backend, PD_SCAN_SOURCE_DUPLEX, NULL);
  assert_pick (sheetfed, PD_SCAN_SOURCE_FLATBED, NULL);
  assert_pick (duplex_only, PD_SCAN_SOURCE_ADF, NULL);
  assert_pick (test_backend, PD_SCAN_SOURCE_AUTO, NULL);
  g_assert_null (_pd_scanner_pick_source (NULL, PD_SCAN_SOURCE_ADF));
}

static void
test_pick_flatbed (void)
{
  const char *const canon[] = { "ADF", "FlatBed", NULL };
  const char *const epson[] = { "Document Table", "ADF", NULL };

  assert_pick (canon, PD_SCAN_SOURCE_FLATBED, "FlatBed");
  assert_pick (epson, PD_SCAN_SOURCE_FLATBED, "Document Table");
}

static void
test_source_is_feeder (void)
{
  g_assert_true (_pd_scanner_source_is_feeder ("Automatic Document Feeder"));
  g_assert_true (_pd_scanner_source_is_feeder ("ADF Duplex"));
  g_assert_false (_pd_scanner_source_is_feeder ("Flatbed"));
  g_assert_false (_pd_scanner_source_is_feeder (NULL));
}

static void
test_error_messages (void)
{
  g_autoptr(GError) jammed = NULL;
  g_autoptr(GError) jammed_first = NULL;
  g_autoptr(GError) unplugged = NULL;
  g_autoptr(GError) io = NULL;
  g_autoptr(GError) cancelled = NULL;

  _pd_capture_error_set_from_sane (&jammed, SANE_STATUS_JAMMED, SANE_STAGE_MID_PAGE, 3);
  g_assert_error (jammed, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_JAMMED);
  g_assert_cmpstr (jammed->message, ==,
                   "The paper is jammed in the feeder. Clear the jam and scan again; "
                   "the 3 pages already scanned are kept.");

  _pd_capture_error_set_from_sane (&jammed_first, SANE_STATUS_JAMMED, SANE_STAGE_SETUP, 0);
  g_assert_cmpstr (jammed_first->message, ==,
                   "The paper is jammed in the feeder. Clear the jam and scan again.");

  /* Same status, different story: mid-page the device went away; before, it was unreachable. */
  _pd_capture_error_set_from_sane (&unplugged, SANE_STATUS_IO_ERROR, SANE_STAGE_MID_PAGE, 1);
  g_assert_error (unplugged, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_UNPLUGGED);
  g_assert_nonnull (strstr (unplugged->message, "page 2"));
  g_assert_nonnull (strstr (unplugged->message, "The page already scanned is kept."));
  _pd_capture_error_set_from_sane (&io, SANE_STATUS_IO_ERROR, SANE_STAGE_SETUP, 0);
  g_assert_error (io, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_IO_ERROR);

  _pd_capture_error_set_from_sane (&cancelled, SANE_STATUS_CANCELLED, SANE_STAGE_MID_PAGE, 0);
  g_assert_error (cancelled, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Without SANE_CONFIG_DIR, each executable gets a private config: the system's backends plus
 * pnm and test (the demo), and an A4 test.conf, with the system dirs still searched after. */
static void
test_prepare_environment (void)
{
  const char *fixtures = g_getenv ("PD_TEST_SANE_FIXTURES");
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "pd-data", NULL);
  g_autofree char *sane_data = g_build_filename (data_dir, "sane", NULL);
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *expected_dir = NULL;
  g_autofree char *expected_value = NULL;
  g_autofree char *dll_path = NULL;
  g_autofree char *test_path = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean has_pnm = FALSE, has_test = FALSE;

  g_assert_nonnull (fixtures);
  from = g_build_filename (fixtures, "test.conf", NULL);
  to = g_build_filename (sane_data, "test.conf", NULL);
  g_assert_cmpint (g_mkdir_with_parents (sane_data, 0700), ==, 0);
  g_assert_true (g_file_get_contents (from, &contents, NULL, NULL));
  g_assert_true (g_file_set_contents (to, contents, -1, NULL));
  g_clear_pointer (&contents, g_free);
  g_setenv ("PAPERDOCK_DATA_DIR", data_dir, TRUE);
  g_unsetenv ("SANE_CONFIG_DIR");

  pd_capture_prepare_environment ();

  expected_dir = g_build_filename (g_get_user_runtime_dir (), "paperdock", "sane", NULL);
  expected_value = g_strconcat (expected_dir, ":", NULL);
  g_assert_cmpstr (g_getenv ("SANE_CONFIG_DIR"), ==, expected_value);

  dll_path = g_build_filename (expected_dir, "dll.conf", NULL);
  g_assert_true (g_file_get_contents (dll_path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      has_pnm |= g_strcmp0 (lines[i], "pnm") == 0;
      has_test |= g_strcmp0 (lines[i], "test") == 0;
    }
  g_assert_true (has_pnm);
  g_assert_true (has_test);
  if (g_file_test ("/etc/sane.d/dll.conf", G_FILE_TEST_EXISTS))
    g_assert_nonnull (strstr (contents, "\nnet\n"));
  g_clear_pointer (&contents, g_free);

  test_path = g_build_filename (expected_dir, "test.conf", NULL);
  g_assert_true (g_file_get_contents (test_path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "br_y 297.0"));

  /* Once set, it is left alone. */
  g_setenv ("SANE_CONFIG_DIR", "/nowhere", TRUE);
  pd_capture_prepare_environment ();
  g_assert_cmpstr (g_getenv ("SANE_CONFIG_DIR"), ==, "/nowhere");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/capture/pick-source/duplex-beats-adf", test_pick_duplex_beats_adf);
  g_test_add_func ("/capture/pick-source/adf-beats-duplex", test_pick_adf_beats_duplex);
  g_test_add_func ("/capture/pick-source/missing", test_pick_missing);
  g_test_add_func ("/capture/pick-source/flatbed", test_pick_flatbed);
  g_test_add_func ("/capture/pick-source/is-feeder", test_source_is_feeder);
  g_test_add_func ("/capture/errors/messages", test_error_messages);
  g_test_add_func ("/capture/environment/prepare", test_prepare_environment);

  return g_test_run ();
}
