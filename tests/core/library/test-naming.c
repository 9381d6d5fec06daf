/* test-naming.c: naming templates. Every placeholder renders as documented, unknown ones are
 * named in the error, hostile values (separators, "..", reserved device names, control
 * characters, emoji, 300 characters) come out as names every server accepts, and counters never
 * repeat: not across 200 names, not across closing the library, not when the process taking
 * them is killed half-way. */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "pd-naming.h"

static char *
make_library_dir (void)
{
  static guint counter;
  char *dir = g_strdup_printf ("%s/naming-%u", g_get_user_data_dir (), counter++);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  return dir;
}

static GDateTime *
fixed_time (void)
{
  return g_date_time_new_local (2026, 4, 4, 9, 5, 7);
}

static char *
render (const char            *tmpl,
        const PdNamingContext *ctx)
{
  g_autoptr(GError) error = NULL;
  char *name = pd_naming_render (tmpl, ctx, &error);

  g_assert_no_error (error);
  g_assert_nonnull (name);
  return name;
}

/* What every rendered name must be, whatever went in. */
static void
assert_safe_name (const char *name)
{
  static const char *const reserved[] = { "CON", "PRN", "AUX", "NUL", "COM1", "COM9", "LPT1",
                                          "LPT9" };
  g_autofree char *stem = NULL;
  gsize len = strlen (name);

  g_assert_true (g_utf8_validate (name, -1, NULL));
  g_assert_cmpuint (len, >, 0);
  g_assert_cmpuint (len, <=, PD_NAMING_MAX_NAME_BYTES);
  g_assert_cmpuint (len + strlen (".pdf"), <=, PD_NAMING_MAX_FILE_NAME_BYTES);
  g_assert_null (strpbrk (name, "/\\:*?\"<>|"));
  g_assert_null (strstr (name, ".."));
  g_assert_false (name[0] == '.' || name[0] == ' ');
  g_assert_false (name[len - 1] == '.' || name[len - 1] == ' ');
  g_assert_false (g_str_has_prefix (name, "~$"));
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    g_assert_false (g_unichar_iscntrl (g_utf8_get_char (p)));
  for (gsize i = 0; i + 5 <= len; i++)
    g_assert_false (g_ascii_strncasecmp (name + i, "_vti_", 5) == 0);
  g_assert_false (g_ascii_strcasecmp (name, "desktop.ini") == 0);
  stem = g_strndup (name, strcspn (name, "."));
  for (guint i = 0; i < G_N_ELEMENTS (reserved); i++)
    g_assert_false (g_ascii_strcasecmp (stem, reserved[i]) == 0);
}

static void
test_example (void)
{
  g_autoptr(GDateTime) time = fixed_time ();
  PdNamingContext ctx = { .time = time, .user = "TeamMember", .counter = 1 };
  g_autofree char *name = render ("{date}_{user}_{counter:3}", &ctx);

  g_assert_cmpstr (name, ==, "2026-04-04_TeamMember_001");
}

static void
test_every_placeholder (void)
{
  g_autoptr(GDateTime) time = fixed_time ();
  PdNamingContext ctx = {
    .time = time,
    .user = "alice",
    .host = "frontdesk",
    .profile = "Invoices",
    .counter = 42,
    .barcode = "PO-7781",
    .pages = 3,
    .ocr_text = "ACME Ltd\nInvoice no. 2026-0815\nTotal due: 120.00 EUR\nRef ABC-1234",
  };
  g_autofree char *name = NULL;
  g_autofree char *host_name = NULL;
  g_autofree char *expected_host = NULL;
  PdNamingContext defaults = { .time = time };

  name = render ("{date} {time} {year}-{month}-{day} {hour}h{minute}m{second}s {user} {host} "
                 "{profile} #{counter} {barcode} p{pages} {ocr:Invoice no\\. ([0-9-]+)} "
                 "{ocr:[A-Z]{3}-\\d{4}} {{literal}}", &ctx);
  g_assert_cmpstr (name, ==, "2026-04-04 09-05-07 2026-04-04 09h05m07s alice frontdesk Invoices "
                             "#42 PO-7781 p3 2026-0815 ABC-1234 {literal}");

  /* without a user or host, this computer's are used */
  host_name = render ("{user}@{host}", &defaults);
  expected_host = g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());
  g_assert_cmpstr (host_name, ==, expected_host);
}

static void
test_counter_width (void)
{
  struct {
    const char *tmpl;
    gint64      counter;
    const char *expected;
  } cases[] = {
    { "{counter:3}", 7, "007" },
    { "{counter:3}", 999, "999" },
    { "{counter:3}", 12345, "12345" },  /* never cut: that would repeat names */
    { "{counter:1}", 5, "5" },
    { "{counter:6}", 1, "000001" },
    { "{counter}", 1, "1" },
    { "{COUNTER:2}", 3, "03" },
  };
  const char *bad[] = { "{counter:0}", "{counter:x}", "{counter:21}", "{counter:-2}",
                        "{counter:}", "{date:%Y}" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      PdNamingContext ctx = { .counter = cases[i].counter };
      g_autofree char *name = render (cases[i].tmpl, &ctx);

      g_assert_cmpstr (name, ==, cases[i].expected);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      PdNamingContext ctx = { .counter = 1 };
      g_autoptr(GError) error = NULL;
      g_autofree char *name = pd_naming_render (bad[i], &ctx, &error);

      g_assert_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_BAD_TEMPLATE);
      g_assert_null (name);
      g_test_message ("%s: %s", bad[i], error->message);
    }
}

static void
test_unknown_placeholders (void)
{
  PdNamingContext ctx = { .counter = 1 };
  g_autoptr(GError) error = NULL;
  g_autofree char *name = pd_naming_render ("{date}_{client}_{counter}_{foo:bar}", &ctx, &error);

  g_assert_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_UNKNOWN_PLACEHOLDER);
  g_assert_null (name);
  g_assert_nonnull (strstr (error->message, "{client}"));
  g_assert_nonnull (strstr (error->message, "{foo:bar}"));
  g_assert_null (strstr (error->message, "{date},"));
  g_assert_false (pd_naming_check_template ("Scan {nope}", NULL));
  g_assert_true (pd_naming_check_template ("Scan {date}", NULL));
}

static void
test_bad_syntax (void)
{
  const char *bad[] = { "{date", "date}", "x_{ocr:(}", "{ocr:}", "{ocr}", "a{b{c}" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      PdNamingContext ctx = { 0 };
      g_autoptr(GError) error = NULL;
      g_autofree char *name = pd_naming_render (bad[i], &ctx, &error);

      g_assert_nonnull (error);
      g_assert_true (error->domain == PD_NAMING_ERROR);
      g_assert_null (name);
      g_test_message ("%s: %s", bad[i], error->message);
    }
}

static void
test_ocr (void)
{
  PdNamingContext ctx = { .ocr_text = "Customer: Jane Roe\nPolicy 55-123/9" };
  g_autofree char *whole = render ("{ocr:\\d+-\\d+}", &ctx);
  g_autofree char *group = render ("{ocr:Customer: (\\w+ \\w+)}", &ctx);
  g_autofree char *separator = render ("{ocr:Policy (\\S+)}", &ctx);
  g_autofree char *missing = render ("Scan {ocr:IBAN (\\w+)}", &ctx);
  PdNamingContext no_text = { 0 };
  g_autofree char *no_ocr = render ("Scan {ocr:x+}", &no_text);
  g_autoptr(GError) error = NULL;
  g_autofree char *empty = pd_naming_render ("{ocr:IBAN (\\w+)}", &ctx, &error);

  g_assert_cmpstr (whole, ==, "55-123");
  g_assert_cmpstr (group, ==, "Jane Roe");
  /* a slash in recognized text never makes a folder */
  g_assert_cmpstr (separator, ==, "55-123-9");
  g_assert_cmpstr (missing, ==, "Scan");
  g_assert_cmpstr (no_ocr, ==, "Scan");
  /* nothing at all is an error, not a file called "" */
  g_assert_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_EMPTY);
  g_assert_null (empty);
}

static void
test_unsafe_values (void)
{
  g_autoptr(GString) long_value = g_string_new (NULL);
  g_autoptr(GString) emoji = g_string_new (NULL);
  g_autoptr(GString) long_accents = g_string_new (NULL);
  struct {
    const char *value;
    const char *expected;  /* NULL: only check that it is safe */
  } cases[] = {
    { "a/b", "a-b" },
    { "/", "-" },
    { "../../etc/passwd", "-.-etc-passwd" },
    { "..", NULL },
    { "C:\\Users\\x", "C--Users-x" },
    { "Re: offer?", "Re- offer_" },
    { "CON", "CON_" },
    { "con.pdf", "con_.pdf" },
    { "Lpt9", "Lpt9_" },
    { "COM10", "COM10" },
    { "report.", "report" },
    { "report. . .", "report" },
    { "  spaced  out  ", "spaced out" },
    { "tab\there\nnew\r\x01line\x7f", "tab here new line" },
    { "\xe2\x80\xae" "fdp.exe", "fdp.exe" },  /* right-to-left override dropped */
    { "e\xcc\x81t\xc3\xa9", "\xc3\xa9t\xc3\xa9" },  /* decomposed accents composed (NFC) */
    { "~$budget.xlsx", "_$budget.xlsx" },
    { "my_vti_file", "my-vti_file" },
    { "desktop.ini", "desktop_.ini" },
    { ".lock", "lock" },
    { "\"*<>?|", "______" },
    { "bad \xff\xfe bytes", NULL },
    { long_value->str, NULL },
    { emoji->str, NULL },
    { long_accents->str, NULL },
  };

  for (guint i = 0; i < 300; i++)
    g_string_append_c (long_value, 'a' + (char) (i % 26));
  for (guint i = 0; i < 120; i++)
    g_string_append (emoji, "\xf0\x9f\x93\x84");  /* U+1F4C4, four bytes */
  for (guint i = 0; i < 150; i++)
    g_string_append (long_accents, "\xc3\xa9");
  cases[G_N_ELEMENTS (cases) - 3].value = long_value->str;
  cases[G_N_ELEMENTS (cases) - 2].value = emoji->str;
  cases[G_N_ELEMENTS (cases) - 1].value = long_accents->str;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      PdNamingContext ctx = { .barcode = cases[i].value, .counter = 1 };
      g_autoptr(GError) error = NULL;
      g_autofree char *alone = pd_naming_render ("{barcode}", &ctx, &error);
      g_autofree char *framed = render ("Scan {barcode} {counter:3}", &ctx);

      if (alone == NULL)
        {
          /* only what leaves nothing usable may fail, and then with a clear error */
          g_assert_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_EMPTY);
          g_assert_cmpstr (cases[i].value, ==, "..");
          g_test_message ("“..” alone: %s", error->message);
        }
      else
        {
          assert_safe_name (alone);
          if (cases[i].expected != NULL)
            g_assert_cmpstr (alone, ==, cases[i].expected);
        }
      assert_safe_name (framed);
      g_assert_true (g_str_has_prefix (framed, "Scan "));
    }

  /* 300 characters are cut to the limit, and emoji are never cut in half */
  {
    PdNamingContext ctx = { .barcode = emoji->str };
    g_autofree char *name = render ("{barcode}", &ctx);

    g_assert_cmpuint (strlen (name), ==, PD_NAMING_MAX_NAME_BYTES);
    g_assert_cmpuint (g_utf8_strlen (name, -1), ==, PD_NAMING_MAX_NAME_BYTES / 4);
  }
  {
    PdNamingContext ctx = { .barcode = long_value->str };
    g_autofree char *name = render ("{barcode}", &ctx);

    g_assert_cmpuint (strlen (name), ==, PD_NAMING_MAX_NAME_BYTES);
    g_assert_true (g_str_has_prefix (long_value->str, name));
  }
  {
    /* literal text of the template is made safe too */
    PdNamingContext ctx = { .counter = 3 };
    g_autofree char *name = render ("Invoice: 1/2 {counter}.", &ctx);

    g_assert_cmpstr (name, ==, "Invoice- 1-2 3");
  }
}

static void
test_folder (void)
{
  g_autoptr(GDateTime) time = fixed_time ();
  PdNamingContext ctx = {
    .time = time,
    .barcode = "ACME/../Corp:",
    .profile = "Invoices",
    .ocr_text = "Case 12/34",
  };
  g_autofree char *folder = NULL;
  g_autofree char *backslash = NULL;
  g_autofree char *regex_slash = NULL;
  g_autofree char *top = NULL;
  g_autofree char *long_template = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *failed = NULL;
  g_auto(GStrv) segments = NULL;

  folder = pd_naming_render_folder ("/Clients/{barcode}//{year}/{profile}./", &ctx, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (folder, ==, "Clients/ACME-.-Corp-/2026/Invoices");
  segments = g_strsplit (folder, "/", -1);
  for (guint i = 0; segments[i] != NULL; i++)
    assert_safe_name (segments[i]);

  backslash = pd_naming_render_folder ("Scans\\{year}\\{month}", &ctx, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (backslash, ==, "Scans/2026/04");

  /* a slash inside a placeholder's pattern is not a folder separator */
  regex_slash = pd_naming_render_folder ("Cases/{ocr:Case (\\d+/\\d+)}", &ctx, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (regex_slash, ==, "Cases/12-34");

  top = pd_naming_render_folder ("", &ctx, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (top, ==, "");

  /* a folder level that comes out empty is an error, not a silently shallower path */
  ctx.barcode = NULL;
  failed = pd_naming_render_folder ("Clients/{barcode}/{year}", &ctx, &error);
  g_assert_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_EMPTY);
  g_assert_null (failed);
  g_clear_error (&error);

  long_template = g_strnfill (150, 'x');
  g_free (failed);
  {
    g_autofree char *tmpl = g_strdup_printf ("%s/%s", long_template, long_template);

    failed = pd_naming_render_folder (tmpl, &ctx, &error);
  }
  g_assert_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_TOO_LONG);
  g_assert_null (failed);
  g_test_message ("%s", error->message);
}

static void
test_counters_unique (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PdLibrary) library = pd_library_open (dir, &error);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDateTime) time = fixed_time ();
  PdNamingContext ctx = { .time = time, .user = "TeamMember", .profile = "Invoices" };
  PdNamingContext other = { .time = time, .user = "TeamMember", .profile = "Receipts" };
  g_autofree char *first_receipt = NULL;

  g_assert_no_error (error);
  for (guint i = 1; i <= 200; i++)
    {
      g_autofree char *expected = g_strdup_printf ("2026-04-04_TeamMember_%03u", i);
      char *name = pd_naming_take_name (library, "{date}_{user}_{counter:3}", &ctx, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (name, ==, expected);
      g_assert_true (g_hash_table_add (seen, name));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 200);

  /* each profile counts on its own; case does not make a new counter */
  first_receipt = pd_naming_take_name (library, "R{counter:4}", &other, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first_receipt, ==, "R0001");
  g_assert_cmpint (pd_library_next_counter (library, "INVOICES", &error), ==, 201);
}

static void
test_counters_reopen (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(GError) error = NULL;
  PdLibrary *library;
  PdNamingContext ctx = { .profile = "Client intake" };
  g_autofree char *preview = NULL;
  g_autofree char *taken = NULL;
  g_autofree char *bad = NULL;

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  for (guint i = 1; i <= 5; i++)
    g_assert_cmpint (pd_library_next_counter (library, "Client intake", &error), ==, i);
  g_object_unref (library);

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  /* a preview peeks: asking twice shows the same number, and the next scan gets it */
  g_assert_cmpint (pd_library_peek_counter (library, "Client intake", &error), ==, 6);
  preview = pd_naming_preview_name (library, "Intake {counter:3}", &ctx, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (preview, ==, "Intake 006");
  g_clear_pointer (&preview, g_free);
  preview = pd_naming_preview_name (library, "Intake {counter:3}", &ctx, &error);
  g_assert_cmpstr (preview, ==, "Intake 006");

  /* a template that cannot render takes no number */
  bad = pd_naming_take_name (library, "Intake {counter:3} {nope}", &ctx, &error);
  g_assert_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_UNKNOWN_PLACEHOLDER);
  g_assert_null (bad);
  g_clear_error (&error);

  taken = pd_naming_take_name (library, "Intake {counter:3}", &ctx, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (taken, ==, "Intake 006");
  g_assert_cmpint (pd_library_peek_counter (library, "Client intake", &error), ==, 7);
  g_assert_cmpint (pd_library_peek_counter (library, "never used", &error), ==, 1);
  g_object_unref (library);
}

/* A child process takes numbers as fast as it can and reports each one once it has it; it is
 * killed at a random moment, possibly inside a transaction. No number it reported may come back. */
static void
test_counters_after_kill (void)
{
  g_autofree char *dir = make_library_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PdLibrary) library = NULL;
  g_autoptr(GArray) reported = g_array_new (FALSE, FALSE, sizeof (gint64));
  int fds[2];
  pid_t pid;
  int status = 0;
  gint64 next;
  guint target = 20 + g_test_rand_int_range (0, 40);

  /* create the library first, so the child only takes counters */
  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  g_clear_object (&library);

  g_assert_cmpint (pipe (fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      PdLibrary *child_library;

      close (fds[0]);
      child_library = pd_library_open (dir, NULL);
      if (child_library == NULL)
        _exit (2);
      for (;;)
        {
          gint64 value = pd_library_next_counter (child_library, "Invoices", NULL);

          if (value <= 0 || write (fds[1], &value, sizeof value) != sizeof value)
            _exit (3);
        }
    }
  close (fds[1]);

  while (reported->len < target)
    {
      gint64 value;
      gssize n = read (fds[0], &value, sizeof value);

      g_assert_cmpint (n, ==, sizeof value);
      if (reported->len > 0)
        g_assert_cmpint (value, ==, g_array_index (reported, gint64, reported->len - 1) + 1);
      g_array_append_val (reported, value);
    }
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  close (fds[0]);

  library = pd_library_open (dir, &error);
  g_assert_no_error (error);
  next = pd_library_next_counter (library, "Invoices", &error);
  g_assert_no_error (error);
  g_test_message ("child reported %u numbers, the last %" G_GINT64_FORMAT "; next is %"
                  G_GINT64_FORMAT, reported->len,
                  g_array_index (reported, gint64, reported->len - 1), next);
  g_assert_cmpint (next, >, g_array_index (reported, gint64, reported->len - 1));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/naming/example", test_example);
  g_test_add_func ("/naming/every-placeholder", test_every_placeholder);
  g_test_add_func ("/naming/counter-width", test_counter_width);
  g_test_add_func ("/naming/unknown-placeholders", test_unknown_placeholders);
  g_test_add_func ("/naming/bad-syntax", test_bad_syntax);
  g_test_add_func ("/naming/ocr", test_ocr);
  g_test_add_func ("/naming/unsafe-values", test_unsafe_values);
  g_test_add_func ("/naming/folder", test_folder);
  g_test_add_func ("/naming/counters-unique", test_counters_unique);
  g_test_add_func ("/naming/counters-reopen", test_counters_reopen);
  g_test_add_func ("/naming/counters-after-kill", test_counters_after_kill);

  return g_test_run ();
}
