/* test-profile.c: scan profiles in a real library. They round-trip through save, list, edit and
 * remove with a journal row for each change; invalid ones are refused with a message naming the
 * field; an export imported into another library gives identical profiles, and a bad file
 * changes nothing. The "profiles" command of paperdock-cli is driven in a child process, as a
 * person would type it. */
#include <locale.h>
#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "pd-cli-output.h"
#include "pd-cli-profiles.h"
#include "pd-naming.h"
#include "pd-profile.h"

static char *
make_library_dir (void)
{
  static guint counter;
  char *dir = g_strdup_printf ("%s/profiles-%u", g_get_user_data_dir (), counter++);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  return dir;
}

static PdLibrary *
open_library (const char *dir)
{
  g_autoptr(GError) error = NULL;
  PdLibrary *library = pd_library_open (dir, &error);

  g_assert_no_error (error);
  return library;
}

/* A profile with every field away from its default, so a field that is lost shows. */
static PdProfile *
make_invoices (void)
{
  PdProfile *p = pd_profile_new ("Invoices");

  p->device = g_strdup ("genesys:libusb:001:004");
  p->source = PD_SCAN_SOURCE_DUPLEX;
  p->resolution = 200;
  p->mode = PD_SCAN_MODE_TEXT;
  g_assert_true (pd_profile_set_page_size (p, "Letter", NULL));
  p->deskew = FALSE;
  p->orientation = FALSE;
  p->crop_border = TRUE;
  p->clean_background = FALSE;
  p->blank = PD_BLANK_POLICY_REMOVE;
  p->flag_blurry = FALSE;
  g_free (p->langs);
  p->langs = g_strdup ("eng+deu");
  p->separation = PD_SEPARATION_BARCODE;
  p->separator_pattern = g_strdup ("^PATCH(T|II)$");
  g_free (p->name_template);
  p->name_template = g_strdup ("{date}_{user}_{counter:3} {ocr:Invoice (\\d+)}");
  p->destination = g_strdup ("office-onedrive:Finance/Invoices/{year}");
  p->jpeg_quality = 60;
  p->downsample_dpi = 150;
  p->pdfa = TRUE;
  p->encrypt = FALSE;
  return p;
}

static PdProfile *
make_other (const char *name)
{
  PdProfile *p = pd_profile_new (name);

  p->source = PD_SCAN_SOURCE_ADF;
  p->mode = PD_SCAN_MODE_COLOR;
  g_assert_true (pd_profile_set_page_size (p, "105x148.5", NULL));
  p->separation = PD_SEPARATION_EVERY_SCAN;
  p->encrypt = TRUE;
  p->destination = g_strdup ("nextcloud:Clients/{barcode}");
  g_free (p->name_template);
  p->name_template = g_strdup ("{profile} {date} {{{counter:4}}}");
  return p;
}

static guint
count_journal (PdLibrary  *library,
               const char *what,
               const char *detail)
{
  g_autoptr(GPtrArray) journal = pd_library_list_journal (library, 0, NULL);
  guint n = 0;

  g_assert_nonnull (journal);
  for (guint i = 0; i < journal->len; i++)
    {
      PdJournalEntry *entry = g_ptr_array_index (journal, i);

      if (g_strcmp0 (entry->what, what) == 0 && g_strcmp0 (entry->detail, detail) == 0)
        n++;
    }
  return n;
}

static void
assert_same_profiles (GPtrArray *a,
                      GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_true (pd_profile_equal (g_ptr_array_index (a, i), g_ptr_array_index (b, i)));
}

static void
test_defaults (void)
{
  g_autoptr(PdProfile) profile = pd_profile_new ("Receipts");
  g_autoptr(GError) error = NULL;
  g_autofree char *size = NULL;

  g_assert_true (pd_profile_validate (profile, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (profile->resolution, ==, 300);
  g_assert_cmpstr (profile->langs, ==, "eng");
  g_assert_true (pd_naming_template_uses_counter (profile->name_template));
  size = pd_profile_dup_page_size (profile);
  g_assert_cmpstr (size, ==, "auto");
}

static void
test_round_trip (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(PdLibrary) library = open_library (dir);
  g_autoptr(PdProfile) invoices = make_invoices ();
  g_autoptr(PdProfile) intake = make_other ("Client intake");
  g_autoptr(PdProfile) got = NULL;
  g_autoptr(PdProfile) same_name = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (pd_library_save_profile (library, invoices, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (pd_library_save_profile (library, intake, FALSE, &error));
  g_assert_no_error (error);

  got = pd_library_get_profile (library, "Invoices", &error);
  g_assert_no_error (error);
  g_assert_true (pd_profile_equal (got, invoices));
  g_assert_cmpstr (got->separator_pattern, ==, "^PATCH(T|II)$");
  g_assert_cmpfloat_with_epsilon (got->page_width_mm, 215.9, 0.001);
  g_clear_pointer (&got, pd_profile_free);

  /* names are found without regard to case */
  got = pd_library_get_profile (library, "client INTAKE", &error);
  g_assert_no_error (error);
  g_assert_true (pd_profile_equal (got, intake));
  g_clear_pointer (&got, pd_profile_free);

  list = pd_library_list_profiles (library, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((PdProfile *) list->pdata[0])->name, ==, "Client intake");
  g_assert_cmpstr (((PdProfile *) list->pdata[1])->name, ==, "Invoices");

  /* adding a second "invoices" is refused; replacing is an edit */
  same_name = pd_profile_new ("INVOICES");
  g_assert_false (pd_library_save_profile (library, same_name, FALSE, &error));
  g_assert_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_EXISTS);
  g_clear_error (&error);
  got = pd_library_get_profile (library, "Invoices", &error);
  g_assert_true (pd_profile_equal (got, invoices));
  g_clear_pointer (&got, pd_profile_free);

  invoices->resolution = 400;
  g_clear_pointer (&invoices->destination, g_free);
  g_assert_true (pd_library_save_profile (library, invoices, TRUE, &error));
  g_assert_no_error (error);
  got = pd_library_get_profile (library, "invoices", &error);
  g_assert_cmpuint (got->resolution, ==, 400);
  g_assert_null (got->destination);
  g_assert_true (pd_profile_equal (got, invoices));
  g_clear_pointer (&got, pd_profile_free);

  g_assert_true (pd_library_remove_profile (library, "invoices", &error));
  g_assert_no_error (error);
  got = pd_library_get_profile (library, "Invoices", &error);
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND);
  g_assert_null (got);
  g_clear_error (&error);
  g_assert_false (pd_library_remove_profile (library, "Invoices", &error));
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* every change is in the journal, by name */
  g_assert_cmpuint (count_journal (library, "profile added", "Invoices"), ==, 1);
  g_assert_cmpuint (count_journal (library, "profile added", "Client intake"), ==, 1);
  g_assert_cmpuint (count_journal (library, "profile changed", "Invoices"), ==, 1);
  g_assert_cmpuint (count_journal (library, "profile removed", "Invoices"), ==, 1);
  g_assert_cmpuint (count_journal (library, "profile added", "INVOICES"), ==, 0);

  /* and it all survives closing the library */
  g_clear_object (&library);
  library = open_library (dir);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = pd_library_list_profiles (library, &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_true (pd_profile_equal (list->pdata[0], intake));
}

typedef void (*Breaker) (PdProfile *p);

static void break_name (PdProfile *p) { g_free (p->name); p->name = g_strdup (""); }
static void break_name_newline (PdProfile *p) { g_free (p->name); p->name = g_strdup ("Two\nlines"); }
static void break_name_bracket (PdProfile *p) { g_free (p->name); p->name = g_strdup ("Invoices [old]"); }
static void break_name_length (PdProfile *p) { g_free (p->name); p->name = g_strnfill (65, 'n'); }
static void break_resolution (PdProfile *p) { p->resolution = 10; }
static void break_page (PdProfile *p) { p->page_width_mm = 5; p->page_height_mm = 5; }
static void break_langs (PdProfile *p) { g_free (p->langs); p->langs = g_strdup ("eng deu"); }
static void break_barcode (PdProfile *p) { p->separation = PD_SEPARATION_BARCODE; }
static void break_pattern (PdProfile *p) { p->separator_pattern = g_strdup ("PATCH("); }
static void break_template (PdProfile *p) { g_free (p->name_template); p->name_template = g_strdup ("{date}_{client}"); }
static void break_template_empty (PdProfile *p) { g_free (p->name_template); p->name_template = g_strdup (""); }
static void break_destination (PdProfile *p) { p->destination = g_strdup ("Invoices"); }
static void break_account (PdProfile *p) { p->destination = g_strdup (":Invoices"); }
static void break_folder (PdProfile *p) { p->destination = g_strdup ("office:{nope}"); }
static void break_jpeg (PdProfile *p) { p->jpeg_quality = 0; }
static void break_downsample (PdProfile *p) { p->downsample_dpi = 600; }
static void break_pdfa (PdProfile *p) { p->pdfa = TRUE; p->encrypt = TRUE; }
static void break_mode (PdProfile *p) { p->mode = (PdScanMode) 17; }

static void
test_validation (void)
{
  struct {
    Breaker     breaker;
    const char *says;   /* the field the message must name */
  } cases[] = {
    { break_name, "needs a name" },
    { break_name_newline, "control characters" },
    { break_name_bracket, "square bracket" },
    { break_name_length, "too long" },
    { break_resolution, "resolution" },
    { break_page, "page size" },
    { break_langs, "OCR languages" },
    { break_barcode, "barcode pattern" },
    { break_pattern, "barcode pattern" },
    { break_template, "{client}" },
    { break_template_empty, "naming template" },
    { break_destination, "destination" },
    { break_account, "destination" },
    { break_folder, "{nope}" },
    { break_jpeg, "JPEG quality" },
    { break_downsample, "downsample" },
    { break_pdfa, "PDF/A" },
    { break_mode, "mode" },
  };
  g_autofree char *dir = make_library_dir ();
  g_autoptr(PdLibrary) library = open_library (dir);
  g_autoptr(GPtrArray) list = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PdProfile) profile = pd_profile_new ("Broken");
      g_autoptr(GError) error = NULL;

      cases[i].breaker (profile);
      g_assert_false (pd_profile_validate (profile, &error));
      g_assert_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].says));
      g_clear_error (&error);

      /* and the library never stores it */
      g_assert_false (pd_library_save_profile (library, profile, TRUE, &error));
      g_assert_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID);
    }
  list = pd_library_list_profiles (library, NULL);
  g_assert_cmpuint (list->len, ==, 0);
}

static void
test_page_size (void)
{
  g_autoptr(PdProfile) p = pd_profile_new ("Sizes");
  g_autoptr(GError) error = NULL;
  struct {
    const char *in;
    double      width, height;
    const char *out;
  } cases[] = {
    { "A4", 210, 297, "A4" },
    { "letter", 215.9, 279.4, "Letter" },
    { "215.9x355.6mm", 215.9, 355.6, "Legal" },
    { " 100 x 150 ", 100, 150, "100x150" },
    { "85.6x53.98", 85.6, 54, "85.6x54" },
    { "auto", 0, 0, "auto" },
  };
  const char *bad[] = { "A12", "210", "210x", "x297", "0x0", "abcxdef", "210x297x3", "5x5",
                        "nanxnan" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;

      g_assert_true (pd_profile_set_page_size (p, cases[i].in, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat_with_epsilon (p->page_width_mm, cases[i].width, 0.001);
      g_assert_cmpfloat_with_epsilon (p->page_height_mm, cases[i].height, 0.001);
      out = pd_profile_dup_page_size (p);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (pd_profile_set_page_size (p, bad[i], &error));
      g_assert_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID);
      g_clear_error (&error);
    }
}

static void
test_export_import (void)
{
  g_autofree char *dir_a = make_library_dir ();
  g_autofree char *dir_b = make_library_dir ();
  g_autoptr(PdLibrary) a = open_library (dir_a);
  g_autoptr(PdLibrary) b = open_library (dir_b);
  g_autoptr(PdProfile) invoices = make_invoices ();
  g_autoptr(PdProfile) intake = make_other ("Client intake");
  g_autoptr(PdProfile) receipts = make_other ("Quittungen für Kasse = 1; \"Bar\"");
  g_autoptr(GPtrArray) exported = NULL;
  g_autoptr(GPtrArray) parsed = NULL;
  g_autoptr(GPtrArray) imported = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *single = NULL;
  gsize length = 0;

  /* values that need escaping in a key file */
  g_free (receipts->name_template);
  receipts->name_template = g_strdup ("  {date} \\ #1; {counter} ");
  g_clear_pointer (&receipts->destination, g_free);

  g_assert_true (pd_library_save_profile (a, invoices, FALSE, &error));
  g_assert_true (pd_library_save_profile (a, intake, FALSE, &error));
  g_assert_true (pd_library_save_profile (a, receipts, FALSE, &error));
  g_assert_no_error (error);

  exported = pd_library_list_profiles (a, &error);
  data = pd_profile_list_to_data (exported, &length);
  g_assert_nonnull (strstr (data, "[Profile Invoices]"));
  g_assert_nonnull (strstr (data, "version=1"));

  parsed = pd_profile_list_from_data (data, length, &error);
  g_assert_no_error (error);
  g_assert_true (pd_library_save_profiles (b, parsed, FALSE, &error));
  g_assert_no_error (error);

  imported = pd_library_list_profiles (b, &error);
  assert_same_profiles (exported, imported);
  g_assert_cmpstr (((PdProfile *) imported->pdata[2])->name_template, ==,
                   "  {date} \\ #1; {counter} ");

  /* importing the same file again without replacing is refused as a whole */
  g_assert_false (pd_library_save_profiles (b, parsed, FALSE, &error));
  g_assert_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (pd_library_save_profiles (b, parsed, TRUE, &error));
  g_assert_no_error (error);

  /* a single profile exports the same way */
  single = pd_profile_to_data (invoices, &length);
  g_clear_pointer (&parsed, g_ptr_array_unref);
  parsed = pd_profile_list_from_data (single, length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parsed->len, ==, 1);
  g_assert_true (pd_profile_equal (parsed->pdata[0], invoices));
}

static void
test_bad_import (void)
{
  static const char header[] = "[Paperdock]\nformat=paperdock-profiles\nversion=1\n\n";
  static const char good[] = "[Profile Good]\nresolution=300\n\n";
  struct {
    const char *body;          /* after the header, unless header_too */
    gboolean    no_header;
    int         code;
    const char *says;
  } cases[] = {
    { "this is a shopping list, not a profile file\n", TRUE, PD_PROFILE_ERROR_BAD_FILE, "not a Paperdock profile file" },
    { "", TRUE, PD_PROFILE_ERROR_BAD_FILE, "not a Paperdock profile file" },
    { "[Profile Good]\nresolution=300\n", TRUE, PD_PROFILE_ERROR_BAD_FILE, "format=paperdock-profiles" },
    { "[Paperdock]\nformat=paperdock-profiles\nversion=99\n[Profile X]\n", TRUE, PD_PROFILE_ERROR_TOO_NEW, "newer Paperdock" },
    { "[Paperdock]\nformat=paperdock-profiles\nversion=one\n", TRUE, PD_PROFILE_ERROR_BAD_FILE, "version" },
    { "[Profile Bad]\nresolution=300\ncolour=red\n", FALSE, PD_PROFILE_ERROR_BAD_FILE, "unknown setting “colour”" },
    { "[Profile Bad]\ndeskew=yes\n", FALSE, PD_PROFILE_ERROR_BAD_FILE, "deskew" },
    { "[Profile Bad]\nresolution=-3\n", FALSE, PD_PROFILE_ERROR_BAD_FILE, "resolution" },
    { "[Profile Bad]\nresolution=5\n", FALSE, PD_PROFILE_ERROR_BAD_FILE, "resolution" },
    { "[Profile Bad]\nmode=sepia\n", FALSE, PD_PROFILE_ERROR_BAD_FILE, "mode" },
    { "[Profile Bad]\npage-size=A12\n", FALSE, PD_PROFILE_ERROR_BAD_FILE, "page-size" },
    { "[Profile Bad]\nname-template={nope}\n", FALSE, PD_PROFILE_ERROR_BAD_FILE, "{nope}" },
    { "[Profile Good]\nresolution=600\n", FALSE, PD_PROFILE_ERROR_BAD_FILE, "twice" },
    { "[Profile GOOD]\nresolution=600\n", FALSE, PD_PROFILE_ERROR_BAD_FILE, "twice" },
    { "[Settings]\nx=1\n", FALSE, PD_PROFILE_ERROR_BAD_FILE, "[Settings]" },
    { "[Profile  ]\n", FALSE, PD_PROFILE_ERROR_BAD_FILE, "" },
  };
  g_autofree char *dir = make_library_dir ();
  g_autoptr(PdLibrary) library = open_library (dir);
  g_autoptr(PdProfile) existing = make_invoices ();
  g_autoptr(GError) error = NULL;
  g_autofree char *binary = g_strdup ("[Paperdock]\nformat=paperdock-profiles\nversion=1\n"
                                      "[Profile \xff\xfe]\n");

  g_assert_true (pd_library_save_profile (library, existing, FALSE, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *data = cases[i].no_header
        ? g_strdup (cases[i].body)
        : g_strconcat (header, good, cases[i].body, NULL);
      g_autoptr(GPtrArray) parsed = pd_profile_list_from_data (data, strlen (data), &error);

      g_assert_null (parsed);
      g_assert_error (error, PD_PROFILE_ERROR, cases[i].code);
      g_test_message ("case %u: %s", i, error->message);
      g_assert_nonnull (strstr (error->message, cases[i].says));
      g_clear_error (&error);
    }
  g_assert_null (pd_profile_list_from_data (binary, strlen (binary), &error));
  g_assert_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_BAD_FILE);
  g_clear_error (&error);

  /* a good profile beside one that exists is not saved either: all or nothing */
  {
    g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_profile_free);
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(PdProfile) got = NULL;

    g_ptr_array_add (batch, pd_profile_new ("Brand new"));
    g_ptr_array_add (batch, pd_profile_new ("invoices"));
    g_assert_false (pd_library_save_profiles (library, batch, FALSE, &error));
    g_assert_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_EXISTS);
    g_clear_error (&error);

    list = pd_library_list_profiles (library, &error);
    g_assert_cmpuint (list->len, ==, 1);
    got = pd_library_get_profile (library, "Invoices", &error);
    g_assert_true (pd_profile_equal (got, existing));
    g_assert_cmpuint (count_journal (library, "profile added", "Brand new"), ==, 0);
  }
}

static void
test_profile_required (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(PdLibrary) library = open_library (dir);
  g_autoptr(PdProfile) invoices = make_invoices ();
  g_autoptr(PdProfile) found = NULL;
  g_autoptr(GError) error = NULL;
  PdProfile *none = NULL;
  g_autofree char *value = NULL;

  g_assert_false (pd_library_get_profile_required (library, &error));
  g_assert_no_error (error);
  g_assert_true (pd_library_profile_for_scan (library, NULL, &none, &error));
  g_assert_no_error (error);
  g_assert_null (none);

  g_assert_true (pd_library_save_profile (library, invoices, FALSE, &error));
  g_assert_true (pd_library_set_profile_required (library, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (pd_library_get_setting (library, PD_SETTING_PROFILE_REQUIRED, &value, &error));
  g_assert_cmpstr (value, ==, "true");

  /* it is kept in the library, not in this process */
  g_clear_object (&library);
  library = open_library (dir);
  g_assert_true (pd_library_get_profile_required (library, &error));
  g_assert_false (pd_library_profile_for_scan (library, NULL, &none, &error));
  g_assert_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_REQUIRED);
  g_assert_null (none);
  g_clear_error (&error);
  g_assert_false (pd_library_profile_for_scan (library, "Passports", &none, &error));
  g_assert_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (pd_library_profile_for_scan (library, "invoices", &found, &error));
  g_assert_no_error (error);
  g_assert_true (pd_profile_equal (found, invoices));

  g_assert_true (pd_library_set_profile_required (library, FALSE, &error));
  g_assert_false (pd_library_get_profile_required (library, &error));
  g_assert_cmpuint (count_journal (library, "setting changed", "profile-required = true"), ==, 1);
}

static void
changed_cb (PdLibrary *library,
            gpointer   user_data)
{
  guint *n = user_data;

  (*n)++;
}

static void
test_changed_signal (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(PdLibrary) library = open_library (dir);
  g_autoptr(PdProfile) profile = pd_profile_new ("Receipts");
  g_autoptr(GError) error = NULL;
  guint n = 0;

  g_signal_connect (library, "profiles-changed", G_CALLBACK (changed_cb), &n);
  g_assert_true (pd_library_save_profile (library, profile, FALSE, &error));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (n, ==, 1);
  g_assert_false (pd_library_save_profile (library, profile, FALSE, &error));
  g_clear_error (&error);
  g_assert_true (pd_library_remove_profile (library, "Receipts", &error));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (n, ==, 2);
}

/* The CLI, run in a child process so its exit code and output are what a script sees. */

/* In the child: run the command and exit with its code; no GTest output on stdout. */
static int
cli_child_main (void)
{
  const char *dir = g_getenv ("PD_TEST_PROFILES_LIBRARY");
  const char *args = g_getenv ("PD_TEST_PROFILES_ARGS");
  g_auto(GStrv) argv = NULL;
  g_autofree char **shuffled = NULL;
  g_autoptr(PdLibrary) library = NULL;
  g_autoptr(GError) error = NULL;
  int argc = 0;

  /* as paperdock-cli's main () does; run_cli () gives a UTF-8 locale so “quotes” survive */
  setlocale (LC_ALL, "");
  if (!g_shell_parse_argv (args, &argc, &argv, &error))
    g_error ("Bad test arguments: %s", error->message);
  library = pd_library_open (dir, &error);
  if (library == NULL)
    g_error ("Could not open the test library: %s", error->message);
  /* GOptionContext shuffles the array it parses, as it may with a process's argv; give it a
   * shallow copy so the strings are still freed. */
  shuffled = g_memdup2 (argv, sizeof (char *) * (gsize) (argc + 1));
  return pd_cli_profiles_main (library, argc, shuffled);
}

static int
run_cli (const char  *dir,
         const char  *args,
         char       **out,
         char       **err)
{
  g_autofree char *full = g_strconcat ("profiles ", args, NULL);
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr(GError) error = NULL;
  int status = 0;
  char *child_argv[] = { self, NULL };
  g_auto(GStrv) envp = g_get_environ ();

  /* This program again, as the CLI: g_test_trap_subprocess () in GLib 2.74 can neither pass
   * an environment nor keep the child's stdout free of test output. */
  envp = g_environ_setenv (envp, "PD_TEST_PROFILES_LIBRARY", dir, TRUE);
  envp = g_environ_setenv (envp, "PD_TEST_PROFILES_ARGS", full, TRUE);
  envp = g_environ_setenv (envp, "PD_TEST_PROFILES_CHILD", "1", TRUE);
  envp = g_environ_setenv (envp, "LC_ALL", "C.UTF-8", TRUE);
  g_assert_true (g_spawn_sync (NULL, child_argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
                               &stdout_text, &stderr_text, &status, &error));
  g_assert_no_error (error);
  g_test_message ("profiles %s → %d\n%s%s", args, WEXITSTATUS (status), stdout_text,
                  stderr_text);
  g_assert_true (WIFEXITED (status));
  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);
  return WEXITSTATUS (status);
}

static void
test_cli (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autofree char *other_dir = make_library_dir ();
  g_autofree char *file = g_build_filename (dir, "..", "exported.profiles", NULL);
  g_autofree char *bad_file = g_build_filename (dir, "..", "bad.profiles", NULL);
  g_autofree char *args = NULL;
  g_autofree char *expected_name = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  g_autoptr(PdLibrary) library = NULL;
  g_autoptr(PdLibrary) other = NULL;
  g_autoptr(GPtrArray) mine = NULL;
  g_autoptr(GPtrArray) theirs = NULL;
  g_autoptr(PdProfile) invoices = NULL;
  char *out = NULL;
  char *err = NULL;

#define RUN(expected, ...) G_STMT_START {                                       \
    g_clear_pointer (&out, g_free);                                             \
    g_clear_pointer (&err, g_free);                                             \
    g_clear_pointer (&args, g_free);                                            \
    args = g_strdup_printf (__VA_ARGS__);                                       \
    g_assert_cmpint (run_cli (dir, args, &out, &err), ==, expected);            \
  } G_STMT_END

  RUN (PD_EXIT_OK, "list");
  g_assert_nonnull (strstr (out, "no profiles yet"));

  RUN (PD_EXIT_OK, "add Invoices --device demo --source adf --resolution 200 --mode text "
       "--page-size Letter --no-deskew --crop-border --blank remove --lang eng+deu "
       "--separation barcode --separator-pattern '^PATCH' "
       "--name-template '{date}_{user}_{counter:3}' --destination 'office:Finance/{year}' "
       "--jpeg-quality 60 --downsample-dpi 150 --pdfa");
  g_assert_nonnull (strstr (out, "Added profile “Invoices”"));

  library = open_library (dir);
  invoices = pd_library_get_profile (library, "Invoices", NULL);
  g_assert_nonnull (invoices);
  g_assert_cmpstr (invoices->device, ==, "demo");
  g_assert_cmpint (invoices->source, ==, PD_SCAN_SOURCE_ADF);
  g_assert_cmpuint (invoices->resolution, ==, 200);
  g_assert_cmpint (invoices->mode, ==, PD_SCAN_MODE_TEXT);
  g_assert_cmpfloat_with_epsilon (invoices->page_height_mm, 279.4, 0.001);
  g_assert_false (invoices->deskew);
  g_assert_true (invoices->orientation);
  g_assert_true (invoices->crop_border);
  g_assert_cmpint (invoices->blank, ==, PD_BLANK_POLICY_REMOVE);
  g_assert_cmpstr (invoices->langs, ==, "eng+deu");
  g_assert_cmpint (invoices->separation, ==, PD_SEPARATION_BARCODE);
  g_assert_cmpstr (invoices->separator_pattern, ==, "^PATCH");
  g_assert_cmpstr (invoices->name_template, ==, "{date}_{user}_{counter:3}");
  g_assert_cmpstr (invoices->destination, ==, "office:Finance/{year}");
  g_assert_cmpuint (invoices->jpeg_quality, ==, 60);
  g_assert_cmpuint (invoices->downsample_dpi, ==, 150);
  g_assert_true (invoices->pdfa);
  g_assert_false (invoices->encrypt);
  g_clear_object (&library);

  /* usage and validation errors say what is wrong, and change nothing */
  RUN (PD_EXIT_FAILED, "add invoices");
  g_assert_nonnull (strstr (err, "already a profile named “Invoices”"));
  RUN (PD_EXIT_USAGE, "add Receipts --resolution 5");
  g_assert_nonnull (strstr (err, "resolution"));
  RUN (PD_EXIT_USAGE, "add Receipts --mode sepia");
  g_assert_nonnull (strstr (err, "sepia"));
  RUN (PD_EXIT_USAGE, "add Receipts --name-template '{date}_{client}'");
  g_assert_nonnull (strstr (err, "{client}"));
  RUN (PD_EXIT_USAGE, "add");
  RUN (PD_EXIT_USAGE, "frobnicate");
  RUN (PD_EXIT_NOT_FOUND, "show Receipts");
  g_assert_nonnull (strstr (err, "no profile named “Receipts”"));

  /* edit changes only what is given */
  RUN (PD_EXIT_OK, "edit invoices --resolution 300 --deskew --destination ''");
  RUN (PD_EXIT_OK, "show Invoices --json");
  g_assert_nonnull (strstr (out, "\"resolution\" : 300"));
  g_assert_nonnull (strstr (out, "\"deskew\" : true"));
  g_assert_nonnull (strstr (out, "\"crop-border\" : true"));
  g_assert_nonnull (strstr (out, "\"destination\" : null"));
  RUN (PD_EXIT_OK, "show Invoices");
  g_assert_nonnull (strstr (out, "page-size          Letter"));

  RUN (PD_EXIT_OK, "add 'Client intake' --mode color --name-template 'Intake {counter:4}' "
       "--destination 'nextcloud:Clients'");
  RUN (PD_EXIT_OK, "list");
  g_assert_nonnull (strstr (out, "Client intake"));
  g_assert_true (strstr (out, "Client intake") < strstr (out, "Invoices"));
  RUN (PD_EXIT_OK, "list --json");
  g_assert_nonnull (strstr (out, "\"name\" : \"Client intake\""));

  /* preview shows the next name without using up the number */
  expected_name = g_strdup_printf ("%s_%s_001\n", today, g_get_user_name ());
  RUN (PD_EXIT_OK, "preview Invoices");
  g_assert_true (g_str_has_prefix (out, expected_name) ||
                 /* the date may have turned over between the two calls */
                 strstr (out, "_001") != NULL);
  RUN (PD_EXIT_OK, "preview Invoices");
  g_assert_nonnull (strstr (out, "_001"));
  RUN (PD_EXIT_OK, "preview 'client intake' --json");
  g_assert_nonnull (strstr (out, "\"name\" : \"Intake 0001\""));
  g_assert_nonnull (strstr (out, "\"folder\" : \"Clients\""));

  /* export, then import into another library: the same profiles */
  RUN (PD_EXIT_USAGE, "export");
  RUN (PD_EXIT_NOT_FOUND, "export Passports -o '%s'", file);
  RUN (PD_EXIT_OK, "export -o '%s'", file);
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  {
    g_autofree char *saved_dir = g_steal_pointer (&dir);

    dir = g_strdup (other_dir);
    RUN (PD_EXIT_OK, "import '%s'", file);
    g_assert_nonnull (strstr (out, "Imported profile “Invoices”"));
    RUN (PD_EXIT_FAILED, "import '%s'", file);
    g_assert_nonnull (strstr (err, "--replace"));
    RUN (PD_EXIT_OK, "import '%s' --replace", file);

    /* a bad file is refused with exit 5 and changes nothing */
    g_assert_true (g_file_set_contents (bad_file, "[Paperdock]\nformat=paperdock-profiles\n"
                                        "version=1\n[Profile Passports]\nresolution=300\n"
                                        "[Profile Visas]\nresolution=3\n", -1, NULL));
    RUN (PD_EXIT_BAD_INPUT, "import '%s'", bad_file);
    g_assert_nonnull (strstr (err, "Visas"));
    RUN (PD_EXIT_NOT_FOUND, "import '%s.missing'", bad_file);
    RUN (PD_EXIT_NOT_FOUND, "show Passports");
    g_free (dir);
    dir = g_steal_pointer (&saved_dir);
  }
  library = open_library (dir);
  other = open_library (other_dir);
  mine = pd_library_list_profiles (library, NULL);
  theirs = pd_library_list_profiles (other, NULL);
  assert_same_profiles (mine, theirs);
  g_clear_object (&library);
  g_clear_object (&other);

  /* the "profile required" switch */
  RUN (PD_EXIT_OK, "require");
  g_assert_true (g_str_has_prefix (out, "off"));
  RUN (PD_EXIT_OK, "require on");
  g_assert_true (g_str_has_prefix (out, "on"));
  RUN (PD_EXIT_USAGE, "require maybe");

  RUN (PD_EXIT_OK, "remove INVOICES");
  RUN (PD_EXIT_NOT_FOUND, "remove Invoices");
  RUN (PD_EXIT_NOT_FOUND, "preview Invoices");

#undef RUN
  g_free (out);
  g_free (err);
}

int
main (int   argc,
      char *argv[])
{
  if (g_getenv ("PD_TEST_PROFILES_CHILD") != NULL)
    return cli_child_main ();

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/profiles/defaults", test_defaults);
  g_test_add_func ("/profiles/round-trip", test_round_trip);
  g_test_add_func ("/profiles/validation", test_validation);
  g_test_add_func ("/profiles/page-size", test_page_size);
  g_test_add_func ("/profiles/export-import", test_export_import);
  g_test_add_func ("/profiles/bad-import", test_bad_import);
  g_test_add_func ("/profiles/required", test_profile_required);
  g_test_add_func ("/profiles/changed-signal", test_changed_signal);
  g_test_add_func ("/profiles/cli", test_cli);

  return g_test_run ();
}
