/* test-cli-help.c: every command and subcommand of paperdock-cli answers --help with its usage
 * and exits 0, without doing its work; and the help's tables are aligned on a terminal. The
 * commands are read from `paperdock-cli --help` itself, so a new command is checked too. */
#include "pd-test-cli-util.h"

#include <string.h>

/* The names in the table that follows `heading` ("Commands:", "Subcommands:"): indented two
 * spaces, up to the first blank line. */
static GPtrArray *
table_names (const char *help,
             const char *heading)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *table = strstr (help, heading);
  g_auto(GStrv) lines = NULL;

  if (table == NULL)
    return names;
  lines = g_strsplit (table + strlen (heading), "\n", -1);
  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      const char *start = lines[i] + 2;
      const char *end = start;

      if (!g_str_has_prefix (lines[i], "  ") || !g_ascii_islower (*start))
        continue;
      while (g_ascii_islower (*end) || *end == '-')
        end++;
      g_ptr_array_add (names, g_strndup (start, (gsize) (end - start)));
    }
  return names;
}

/* In each row of the table, the summary (a capital followed by a small letter, after a space)
 * starts in the same terminal column: counted in characters, since the rows hold “…”. */
static void
assert_table_aligned (const char *help,
                      const char *heading)
{
  const char *table = strstr (help, heading);
  g_autoptr(GRegex) summary = g_regex_new (" [A-Z][a-z]", 0, 0, NULL);
  g_auto(GStrv) lines = NULL;
  glong column = -1;
  guint rows = 0;

  g_assert_nonnull (table);
  lines = g_strsplit (table + strlen (heading), "\n", -1);
  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autoptr(GMatchInfo) match = NULL;
      int start = 0;
      glong here;

      g_assert_true (g_utf8_validate (lines[i], -1, NULL));
      if (!g_regex_match (summary, lines[i], 0, &match))
        g_error ("no summary in the row “%s” of %s", lines[i], heading);
      g_match_info_fetch_pos (match, 0, &start, NULL);
      here = g_utf8_pointer_to_offset (lines[i], lines[i] + start);
      if (column < 0)
        column = here;
      if (here != column)
        g_error ("the row “%s” of %s starts its summary at column %ld, the first row at %ld",
                 lines[i], heading, here, column);
      rows++;
    }
  g_assert_cmpuint (rows, >=, 2);
}

/* Runs WORDS… --help and checks what a person reading it expects. */
static char *
assert_help (PdTestEnv          *env,
             const char *const  *words)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *command = g_strjoinv (" ", (char **) words);
  g_autofree char *usage = g_strdup_printf ("paperdock-cli %s", command);
  char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  for (guint i = 0; words[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) words[i]);
  g_ptr_array_add (args, (gpointer) "--help");
  g_ptr_array_add (args, NULL);

  status = pd_test_run_cli_v (env, (const char *const *) args->pdata, &out, &err);
  if (status != 0)
    g_error ("“paperdock-cli %s --help” exits with %d:\n%s%s", command, status, out, err);
  if (strstr (out, "Usage") == NULL || strstr (out, usage) == NULL)
    g_error ("“paperdock-cli %s --help” prints no usage of “%s”:\n%s", command, usage, out);
  g_assert_cmpstr (err, ==, "");
  return out;
}

static void
test_every_command (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  g_autofree char *top = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) commands = NULL;
  guint n_subcommands = 0;

  g_assert_cmpint (pd_test_run_cli (env, &top, &err, "--help", NULL), ==, 0);
  commands = table_names (top, "Commands:");
  /* devices, scan, import, list, show, search, export, log, resume, profiles, accounts, sync,
   * inbox, resolve */
  g_assert_cmpuint (commands->len, >=, 14);

  for (guint i = 0; i < commands->len; i++)
    {
      const char *words[] = { commands->pdata[i], NULL, NULL };
      g_autofree char *out = assert_help (env, words);
      g_autoptr(GPtrArray) subcommands = table_names (out, "Subcommands:");

      g_test_message ("%s: %u subcommands", words[0], subcommands->len);
      for (guint j = 0; j < subcommands->len; j++)
        {
          g_autofree char *sub_out = NULL;

          words[1] = subcommands->pdata[j];
          sub_out = assert_help (env, words);
          n_subcommands++;
        }
    }
  /* profiles (list, show, add, edit, remove, export, import, preview, require, password) and
   * accounts (list, add, signin, remove, test). */
  g_assert_cmpuint (n_subcommands, >=, 15);
}

/* The help must not do the command's work: these used to list the inbox, or take --help for
 * the name of an account. */
static void
test_help_does_nothing_else (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  const char *const inbox[] = { "inbox", NULL };
  const char *const list[] = { "accounts", "list", NULL };
  const char *const remove[] = { "accounts", "remove", NULL };
  const char *const test[] = { "accounts", "test", NULL };
  g_autofree char *inbox_out = assert_help (env, inbox);
  g_autofree char *list_out = assert_help (env, list);
  g_autofree char *remove_out = assert_help (env, remove);
  g_autofree char *test_out = assert_help (env, test);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_null (strstr (inbox_out, "inbox is empty"));
  g_assert_nonnull (strstr (inbox_out, "--all"));
  g_assert_null (strstr (list_out, "No accounts"));
  g_assert_nonnull (strstr (remove_out, "NAME"));
  g_assert_nonnull (strstr (test_out, "NAME"));

  /* Wrong usage still says so, on stderr, with exit status 2. */
  g_assert_cmpint (pd_test_run_cli (env, &out, &err, "accounts", "remove", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "Usage"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (pd_test_run_cli (env, &out, &err, "accounts", "frobnicate", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "unknown subcommand"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (pd_test_run_cli (env, &out, &err, "inbox", "--frobnicate", NULL), ==, 2);
}

static void
test_tables_aligned (void)
{
  g_autoptr(PdTestEnv) env = pd_test_env_new ();
  const char *const profiles[] = { "profiles", NULL };
  const char *const accounts[] = { "accounts", NULL };
  g_autofree char *top = NULL;
  g_autofree char *profiles_out = assert_help (env, profiles);
  g_autofree char *accounts_out = assert_help (env, accounts);

  g_assert_cmpint (pd_test_run_cli (env, &top, NULL, "--help", NULL), ==, 0);
  /* The top-level table has “…” in some rows and not in others. */
  g_assert_nonnull (strstr (top, "…"));
  assert_table_aligned (top, "Commands:");
  assert_table_aligned (profiles_out, "Subcommands:");
  assert_table_aligned (accounts_out, "Subcommands:");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cli/help/every-command", test_every_command);
  g_test_add_func ("/cli/help/does-nothing-else", test_help_does_nothing_else);
  g_test_add_func ("/cli/help/tables-aligned", test_tables_aligned);

  return g_test_run ();
}
