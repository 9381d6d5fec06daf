/* pd-test-cli-util.c: helpers for the end-to-end tests of paperdock-cli. */
#include "pd-test-cli-util.h"

#include <glib/gstdio.h>
#include <string.h>

static void
copy_file (const char *from,
           const char *to)
{
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (from, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (to, contents, (gssize) len, NULL));
}

PdTestEnv *
pd_test_env_new (void)
{
  PdTestEnv *env = pd_test_env_new_sealed ();
  g_autofree char *setting = g_build_filename (env->library, "vault.ini", NULL);

  /* Most tests read the library's PDFs and page images with poppler and friends: sealing is
   * off for them; pd_test_env_new_sealed () tests it. */
  g_assert_cmpint (g_mkdir_with_parents (env->library, 0700), ==, 0);
  g_assert_true (g_file_set_contents (setting, "[vault]\nenabled=false\n", -1, NULL));
  return env;
}

PdTestEnv *
pd_test_env_new_sealed (void)
{
  PdTestEnv *env = g_new0 (PdTestEnv, 1);
  const char *fixtures = g_getenv ("PD_TEST_SANE_FIXTURES");
  const char *names[] = { "dll.conf", "test.conf" };

  g_assert_nonnull (fixtures);
  env->dir = g_dir_make_tmp ("pd-cli-XXXXXX", NULL);
  g_assert_nonnull (env->dir);
  env->library = g_build_filename (env->dir, "library", NULL);
  env->sane_dir = g_build_filename (env->dir, "sane", NULL);
  g_assert_cmpint (g_mkdir (env->sane_dir, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *from = g_build_filename (fixtures, names[i], NULL);
      g_autofree char *to = g_build_filename (env->sane_dir, names[i], NULL);

      copy_file (from, to);
    }
  return env;
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_dir_close (dir);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

void
pd_test_env_free (PdTestEnv *env)
{
  if (env == NULL)
    return;
  if (g_getenv ("PD_TEST_KEEP") == NULL)
    remove_tree (env->dir);
  g_free (env->dir);
  g_free (env->library);
  g_free (env->sane_dir);
  g_free (env);
}

GSubprocessLauncher *
pd_test_env_launcher (PdTestEnv        *env,
                      GSubprocessFlags  flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_setenv (launcher, "SANE_CONFIG_DIR", env->sane_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "PAPERDOCK_LIBRARY");
  return launcher;
}

static int
run_cli (PdTestEnv         *env,
         const char        *input,
         const char *const *args,
         char             **out,
         char             **err)
{
  g_autoptr(GSubprocessLauncher) launcher =
    pd_test_env_launcher (env, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
                               (input != NULL ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0));
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  const char *cli = g_getenv ("PAPERDOCK_CLI");

  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (char *) cli);
  g_ptr_array_add (argv, (char *) "--library");
  g_ptr_array_add (argv, env->library);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, input, NULL, &stdout_text, &stderr_text, &error);
  g_assert_no_error (error);
  if (g_test_verbose ())
    g_printerr ("$ paperdock-cli %s\n%s%s", args[0], stdout_text, stderr_text);
  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);
  /* A crash is never an acceptable way to fail. */
  g_assert_true (g_subprocess_get_if_exited (proc));
  return g_subprocess_get_exit_status (proc);
}

int
pd_test_run_cli_v (PdTestEnv         *env,
                   const char *const *args,
                   char             **out,
                   char             **err)
{
  return run_cli (env, NULL, args, out, err);
}

static GPtrArray *
collect_args (va_list ap)
{
  GPtrArray *args = g_ptr_array_new ();
  const char *arg;

  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (char *) arg);
  g_ptr_array_add (args, NULL);
  return args;
}

int
pd_test_run_cli (PdTestEnv  *env,
                 char      **out,
                 char      **err,
                 ...)
{
  g_autoptr(GPtrArray) args = NULL;
  va_list ap;

  va_start (ap, err);
  args = collect_args (ap);
  va_end (ap);
  return run_cli (env, NULL, (const char *const *) args->pdata, out, err);
}

/* The same, with @input on the program's standard input (passwords are read from there). */
int
pd_test_run_cli_stdin (PdTestEnv   *env,
                       const char  *input,
                       char       **out,
                       char       **err,
                       ...)
{
  g_autoptr(GPtrArray) args = NULL;
  va_list ap;

  va_start (ap, err);
  args = collect_args (ap);
  va_end (ap);
  return run_cli (env, input, (const char *const *) args->pdata, out, err);
}

int
pd_test_run_tool (const char *const  *argv,
                  char              **out)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, out, NULL, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (proc);
}

JsonNode *
pd_test_parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

char *
pd_test_demo_words_path (guint page)
{
  g_autofree char *name = g_strdup_printf ("page-%02u.txt", page);

  return g_build_filename (g_getenv ("PAPERDOCK_DATA_DIR"), "demo", name, NULL);
}

/* Share of the expected words (letters and digits only, case-folded) found in the text. */
double
pd_test_word_recall (const char *expected_path,
                     const char *text)
{
  g_autofree char *expected = NULL;
  g_auto(GStrv) words = NULL;
  g_autoptr(GHashTable) found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) got = NULL;
  guint total = 0, hits = 0;

  g_assert_true (g_file_get_contents (expected_path, &expected, NULL, NULL));
  got = g_regex_split_simple ("[^[:alnum:]]+", text, 0, 0);
  for (guint i = 0; got[i] != NULL; i++)
    if (*got[i] != '\0')
      g_hash_table_add (found, g_utf8_casefold (got[i], -1));

  words = g_regex_split_simple ("[^[:alnum:]]+", expected, 0, 0);
  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autofree char *w = NULL;

      if (*words[i] == '\0')
        continue;
      w = g_utf8_casefold (words[i], -1);
      total++;
      if (g_hash_table_contains (found, w))
        hits++;
    }
  return total ? (double) hits / total : 0.0;
}
