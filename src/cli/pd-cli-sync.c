/* pd-cli-sync.c: paperdock-cli's sync commands (see pd-cli-sync.h). Argument parsing and
 * printing only: the work is done by the library and the sync engine. Passwords are read from
 * standard input, go to the keyring, and are never printed. */
#define G_LOG_DOMAIN "pd-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pd-cli-output.h"
#include "pd-cli-sync.h"
#include "pd-library-sync.h"
#include "pd-secret.h"
#include "pd-sync-engine.h"

static int
usage (GOptionContext *context,
       const char     *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  if (message != NULL)
    g_printerr ("%s\n\n", message);
  g_printerr ("%s", help);
  return PD_EXIT_USAGE;
}

static char *
read_password_stdin (void)
{
  GString *s = g_string_new (NULL);
  int c;

  while ((c = getchar ()) != EOF && c != '\n')
    g_string_append_c (s, (char) c);
  if (s->len > 0 && s->str[s->len - 1] == '\r')
    g_string_truncate (s, s->len - 1);
  return g_string_free (s, FALSE);
}

static int
accounts_add (PdLibrary  *library,
              int         argc,
              char      **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("webdav|folder NAME");
  g_autofree char *url = NULL;
  g_autofree char *user = NULL;
  g_autofree char *path = NULL;
  gboolean password_stdin = FALSE;
  GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "WebDAV folder address (https://…/)", "URL" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "WebDAV user name", "USER" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, "Read the password from standard input (it goes to the keyring only)", NULL },
    { "path", 0, 0, G_OPTION_ARG_FILENAME, &path, "Folder to sync into", "DIR" },
    { NULL },
  };
  GError *error = NULL;
  const char *kind, *name;
  gint64 id;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Add an account documents can be synced to.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_autofree char *msg = g_strdup (error->message);

      g_error_free (error);
      return usage (context, msg);
    }
  if (argc != 3)
    return usage (context, "Give the kind of account and its name.");
  kind = argv[1];
  name = argv[2];

  if (g_strcmp0 (kind, "folder") == 0)
    {
      g_autofree char *absolute = NULL;

      if (path == NULL)
        return usage (context, "A folder account needs --path DIR.");
      absolute = g_canonicalize_filename (path, NULL);
      if (!g_file_test (absolute, G_FILE_TEST_IS_DIR))
        {
          g_printerr ("“%s” is not a folder. Create it (or mount the share) first.\n", absolute);
          return PD_EXIT_BAD_INPUT;
        }
      id = pd_library_add_account (library, name, "folder", absolute, NULL, &error);
      if (id == 0)
        return pd_cli_fail (error);
    }
  else if (g_strcmp0 (kind, "webdav") == 0)
    {
      g_autofree char *password = NULL;

      if (url == NULL || user == NULL || !password_stdin)
        return usage (context, "A WebDAV account needs --url URL --user USER --password-stdin.");
      if (!g_str_has_prefix (url, "https://") && !g_str_has_prefix (url, "http://"))
        {
          g_printerr ("“%s” is not a web address: it must start with https://.\n", url);
          return PD_EXIT_BAD_INPUT;
        }
      password = read_password_stdin ();
      if (*password == '\0')
        {
          g_printerr ("No password was given on standard input.\n");
          return PD_EXIT_BAD_INPUT;
        }
      id = pd_library_add_account (library, name, "webdav", url, user, &error);
      if (id == 0)
        return pd_cli_fail (error);
      if (!pd_secret_store (id, "webdav", name, password, NULL, &error))
        {
          /* No account without its password: it could never sync. */
          pd_library_remove_account (library, name, NULL);
          memset (password, 0, strlen (password));
          return pd_cli_fail (error);
        }
      memset (password, 0, strlen (password));
    }
  else
    return usage (context, "The kind of account is “webdav” or “folder”.");

  g_print ("Added account “%s”.\n", name);
  return PD_EXIT_OK;
}

static int
accounts_main (PdLibrary  *library,
               int         argc,
               char      **argv)
{
  GError *error = NULL;
  const char *sub = argc > 1 ? argv[1] : "list";

  if (g_strcmp0 (sub, "add") == 0)
    return accounts_add (library, argc - 1, argv + 1);

  if (g_strcmp0 (sub, "list") == 0)
    {
      g_autoptr(GPtrArray) accounts = pd_library_list_accounts (library, &error);

      if (accounts == NULL)
        return pd_cli_fail (error);
      if (accounts->len == 0)
        g_print ("No accounts. Add one with “paperdock-cli accounts add folder NAME --path DIR” "
                 "or “accounts add webdav NAME --url URL --user USER --password-stdin”.\n");
      for (guint i = 0; i < accounts->len; i++)
        {
          const PdAccount *a = accounts->pdata[i];

          g_print ("%-16s %-7s %s%s%s\n", a->name, a->kind, a->url,
                   a->username != NULL ? "  user " : "", a->username != NULL ? a->username : "");
        }
      return PD_EXIT_OK;
    }

  if (argc != 3 || (g_strcmp0 (sub, "remove") != 0 && g_strcmp0 (sub, "test") != 0))
    {
      g_printerr ("Usage: paperdock-cli accounts [list | add webdav|folder NAME … | remove NAME "
                  "| test NAME]\n");
      return PD_EXIT_USAGE;
    }

  if (g_strcmp0 (sub, "remove") == 0)
    {
      g_autoptr(PdAccount) account = pd_library_get_account (library, argv[2], &error);
      g_autoptr(GError) secret_error = NULL;

      if (account == NULL)
        return pd_cli_fail (error);
      if (g_strcmp0 (account->kind, "folder") != 0 &&
          !pd_secret_clear (account->id, account->kind, NULL, &secret_error))
        g_printerr ("Note: the password could not be removed from the keyring: %s\n",
                    secret_error->message);
      if (!pd_library_remove_account (library, argv[2], &error))
        return pd_cli_fail (error);
      g_print ("Removed account “%s”.\n", argv[2]);
      return PD_EXIT_OK;
    }

  if (!pd_sync_test_account (library, argv[2], NULL, &error))
    {
      g_printerr ("Account “%s” does not work: ", argv[2]);
      return pd_cli_fail (error);
    }
  g_print ("Account “%s” works: a test file was written and removed.\n", argv[2]);
  return PD_EXIT_OK;
}

static void
pass_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static int
sync_main (PdLibrary  *library,
           int         argc,
           char      **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(PdSyncEngine) engine = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean wait = FALSE;
  GOptionEntry entries[] = {
    { "wait", 'w', 0, G_OPTION_ARG_NONE, &wait, "Ignore stored waits (like “Sync now”) and run one pass to the end", NULL },
    { NULL },
  };
  PdSyncSummary summary = { 0 };
  GError *error = NULL;
  guint pending;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Send every document whose destination is behind, then "
                                "print what happened.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_autofree char *msg = g_strdup (error->message);

      g_error_free (error);
      return usage (context, msg);
    }
  if (wait && !pd_library_clear_sync_backoff (library, &error))
    return pd_cli_fail (error);

  engine = pd_sync_engine_new (library);
  pd_sync_engine_run_pass_async (engine, NULL, pass_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (!pd_sync_engine_run_pass_finish (engine, result, &summary, &error))
    return pd_cli_fail (error);

  pending = pd_library_count_sync_pending (library, 10, NULL);
  g_print ("Accepted: %u  Conflicts: %u  Rejected: %u  Retry later: %u  Evicted: %u\n",
           summary.accepted, summary.conflicts, summary.rejected, summary.retry_later,
           summary.evicted);
  if (pending > 0)
    g_print ("%u document(s) still waiting; “paperdock-cli log --sync” says why.\n", pending);
  if (summary.conflicts + summary.rejected > 0)
    g_print ("See “paperdock-cli inbox”.\n");
  return summary.rejected > 0 ? PD_EXIT_FAILED : PD_EXIT_OK;
}

static int
inbox_main (PdLibrary  *library,
            int         argc,
            char      **argv)
{
  g_autoptr(GPtrArray) items = NULL;
  gboolean all = argc > 1 && g_strcmp0 (argv[1], "--all") == 0;
  GError *error = NULL;

  items = pd_library_list_inbox (library, all, &error);
  if (items == NULL)
    return pd_cli_fail (error);
  if (items->len == 0)
    g_print ("The inbox is empty.\n");
  for (guint i = 0; i < items->len; i++)
    {
      const PdInboxItem *item = items->pdata[i];
      g_autofree char *when = pd_cli_format_time (item->created_at);

      g_print ("#%" G_GINT64_FORMAT "  %s  %-14s %s\n    %s\n", item->id, when, item->kind,
               item->document_name != NULL ? item->document_name
                                           : (item->account_name ? item->account_name : ""),
               item->message);
      if (item->resolved_at != 0)
        g_print ("    resolved: %s\n", item->resolution);
      else if (g_strcmp0 (item->kind, "conflict") == 0)
        g_print ("    paperdock-cli resolve %" G_GINT64_FORMAT " --keep mine|theirs|both\n",
                 item->id);
      else
        g_print ("    paperdock-cli resolve %" G_GINT64_FORMAT " --keep mine\n", item->id);
    }
  return PD_EXIT_OK;
}

static int
resolve_main (PdLibrary  *library,
              int         argc,
              char      **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("ITEM");
  g_autofree char *keep = NULL;
  GOptionEntry entries[] = {
    { "keep", 'k', 0, G_OPTION_ARG_STRING, &keep, "mine, theirs or both", "WHICH" },
    { NULL },
  };
  GError *error = NULL;
  gint64 id;
  char *end = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Act on an inbox item (see “paperdock-cli inbox”).");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_autofree char *msg = g_strdup (error->message);

      g_error_free (error);
      return usage (context, msg);
    }
  if (argc != 2 || keep == NULL)
    return usage (context, "Give the item number and --keep mine|theirs|both.");
  id = g_ascii_strtoll (argv[1][0] == '#' ? argv[1] + 1 : argv[1], &end, 10);
  if (end == NULL || *end != '\0' || id <= 0)
    return usage (context, "The item is a number, as “paperdock-cli inbox” shows it.");
  if (!pd_sync_resolve (library, id, keep, NULL, &error))
    return pd_cli_fail (error);
  g_print ("Resolved item %" G_GINT64_FORMAT " (%s).\n", id, keep);
  return PD_EXIT_OK;
}

static int
log_main (PdLibrary  *library,
          int         argc,
          char      **argv)
{
  g_autoptr(GPtrArray) entries = NULL;
  GError *error = NULL;

  entries = pd_library_list_sync_log (library, 200, &error);
  if (entries == NULL)
    return pd_cli_fail (error);
  for (guint i = 0; i < entries->len; i++)
    {
      const PdSyncLogEntry *e = entries->pdata[i];
      g_autofree char *when = pd_cli_format_time (e->time);

      g_print ("%s  %-8s %-12s %-24s HTTP %3u  %8" G_GUINT64_FORMAT " B  %6.2f s",
               when, e->outcome, e->account_name != NULL ? e->account_name : "-",
               e->document_name != NULL ? e->document_name : "-", e->http_status, e->bytes,
               (double) e->duration_us / G_USEC_PER_SEC);
      if (e->detail != NULL)
        g_print ("  %s", e->detail);
      g_print ("\n");
    }
  return PD_EXIT_OK;
}

int
pd_cli_sync_main (PdLibrary   *library,
                  const char  *command,
                  int          argc,
                  char       **argv)
{
  g_return_val_if_fail (PD_IS_LIBRARY (library), PD_EXIT_FAILED);

  if (g_strcmp0 (command, "accounts") == 0)
    return accounts_main (library, argc, argv);
  if (g_strcmp0 (command, "sync") == 0)
    return sync_main (library, argc, argv);
  if (g_strcmp0 (command, "inbox") == 0)
    return inbox_main (library, argc, argv);
  if (g_strcmp0 (command, "resolve") == 0)
    return resolve_main (library, argc, argv);
  if (g_strcmp0 (command, "log") == 0)
    return log_main (library, argc, argv);
  g_printerr ("Unknown sync command “%s”.\n", command);
  return PD_EXIT_USAGE;
}
