/* pd-cli-sync.c: paperdock-cli's sync commands (see pd-cli-sync.h). Argument parsing and
 * printing only: the work is done by the library and the sync engine. Passwords are read from
 * standard input, go to the keyring, and are never printed; OneDrive and Google Drive accounts
 * sign in with OAuth (the address to open, or a device code, is printed; tokens go to the
 * keyring). */
#define G_LOG_DOMAIN "pd-cli"

#include "config.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "pd-cli-output.h"
#include "pd-cli-sync.h"
#include "pd-library-sync.h"
#include "pd-oauth.h"
#include "pd-oauth-token-source.h"
#include "pd-profile.h"
#include "pd-secret.h"
#include "pd-sync-engine.h"

#define OAUTH_HELP \
  "OneDrive and Google Drive accounts sign in with the organization's own app registration\n" \
  "(doc/cloud-accounts.md): the command prints an address to open in a browser, or with\n" \
  "--device-code a code to enter on any device. Tokens are kept in the keyring only.\n" \
  "\n" \
  "Environment (tests, private clouds):\n" \
  "  PAPERDOCK_OAUTH_AUTHORIZE_URL  sign-in page instead of the provider's\n" \
  "  PAPERDOCK_OAUTH_TOKEN_URL      token endpoint\n" \
  "  PAPERDOCK_OAUTH_DEVICE_URL     device code endpoint\n" \
  "  PAPERDOCK_GRAPH_URL            Microsoft Graph base (https://graph.microsoft.com/v1.0)\n" \
  "  PAPERDOCK_DRIVE_URL            Google Drive API base (https://www.googleapis.com)\n"

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

/* GOption's help starts "Usage: PRGNAME [OPTION…] ARGS": say the whole command there. Each run
 * parses one command line, so this is set once, before any thread starts. */
static void
set_command_name (const char *command)
{
  g_autofree char *prgname = g_strconcat ("paperdock-cli ", command, NULL);

  g_set_prgname (prgname);
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

/* OAuth sign-in, for onedrive and gdrive accounts */

typedef struct {
  GAsyncResult *result;
  GCancellable *cancellable;
} SignInWait;

static void
sign_in_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SignInWait *wait = user_data;

  wait->result = g_object_ref (result);
}

static gboolean
sign_in_sigint_cb (gpointer user_data)
{
  SignInWait *wait = user_data;

  g_cancellable_cancel (wait->cancellable);
  return G_SOURCE_CONTINUE;
}

/* Flushed at once: a script (or a person behind a pipe) needs the address before we wait. */
static void
print_sign_in_uri_cb (const char *uri,
                      gpointer    user_data)
{
  g_print ("Open this address in a web browser on this computer to sign in:\n\n  %s\n\n"
           "Waiting for the browser… (Ctrl+C to give up)\n", uri);
  fflush (stdout);
}

static void
print_device_code_cb (const char *verification_uri,
                      const char *user_code,
                      const char *message,
                      gpointer    user_data)
{
  g_print ("To sign in, open %s in a web browser on any device and enter the code %s\n"
           "Waiting for the sign-in… (Ctrl+C to give up)\n", verification_uri, user_code);
  fflush (stdout);
}

static PdOAuthTokens *
run_sign_in (const PdOAuthProvider  *provider,
             gboolean                device_code,
             GError                **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SignInWait wait = { NULL, cancellable };
  PdOAuthTokens *tokens;
  guint sigint_id;

  sigint_id = g_unix_signal_add (SIGINT, sign_in_sigint_cb, &wait);
  if (device_code)
    pd_oauth_device_sign_in_async (provider, print_device_code_cb, NULL, cancellable,
                                   sign_in_done_cb, &wait);
  else
    pd_oauth_sign_in_async (provider, print_sign_in_uri_cb, NULL, cancellable, sign_in_done_cb,
                            &wait);
  while (wait.result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (sigint_id);
  tokens = device_code ? pd_oauth_device_sign_in_finish (wait.result, error)
                       : pd_oauth_sign_in_finish (wait.result, error);
  g_object_unref (wait.result);
  return tokens;
}

static char *
setting_key (gint64      account_id,
             const char *what)
{
  return g_strdup_printf ("account.%" G_GINT64_FORMAT ".%s", account_id, what);
}

/* The drive's base address, as the connector wants it. */
static char *
cloud_account_url (const char *kind,
                   const char *drive_id)
{
  const char *base;

  if (g_strcmp0 (kind, "onedrive") == 0)
    {
      g_autofree char *escaped = NULL;

      base = g_getenv ("PAPERDOCK_GRAPH_URL");
      if (base == NULL || *base == '\0')
        base = "https://graph.microsoft.com/v1.0";
      if (drive_id == NULL)
        return g_strconcat (base, "/me/drive", NULL);
      escaped = g_uri_escape_string (drive_id, NULL, FALSE);
      return g_strconcat (base, "/drives/", escaped, NULL);
    }
  base = g_getenv ("PAPERDOCK_DRIVE_URL");
  return g_strdup (base != NULL && *base != '\0' ? base : "https://www.googleapis.com");
}

/* Every open sign-in item of the account is closed, and its documents are due again. */
static void
resolve_sign_in_items (PdLibrary *library,
                       gint64     account_id)
{
  g_autoptr(GPtrArray) items = pd_library_list_inbox (library, FALSE, NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      const PdInboxItem *item = items->pdata[i];

      if (item->account_id == account_id && g_strcmp0 (item->kind, "sign_in") == 0)
        {
          if (!pd_library_resolve_inbox_item (library, item->id, "signed in again", &error))
            g_printerr ("Note: the inbox item could not be closed: %s\n", error->message);
          return;
        }
    }
}

static int
accounts_add_cloud (PdLibrary      *library,
                    GOptionContext *context,
                    const char     *kind,
                    const char     *name,
                    const char     *client_id,
                    gboolean        secret_stdin,
                    const char     *drive_id,
                    gboolean        device_code)
{
  g_autoptr(PdOAuthProvider) provider = NULL;
  g_autoptr(PdOAuthTokens) tokens = NULL;
  g_autoptr(PdAccount) existing = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *url = NULL;
  g_autofree char *key = NULL;
  GError *error = NULL;
  gboolean google = g_strcmp0 (kind, "gdrive") == 0;
  gint64 id;

  if (client_id == NULL || *client_id == '\0')
    return usage (context, google
                  ? "A Google Drive account needs --client-id ID --client-secret-stdin: the "
                    "Desktop app client of your organization (see doc/cloud-accounts.md)."
                  : "A OneDrive account needs --client-id ID: the Application (client) ID of "
                    "your organization's app registration (see doc/cloud-accounts.md).");
  if (google && !secret_stdin)
    return usage (context, "Google Desktop app clients come with a client secret: give it on "
                  "standard input with --client-secret-stdin.");
  if (!google && secret_stdin)
    return usage (context, "OneDrive sign-in uses no client secret (Microsoft forbids them in "
                  "desktop apps).");
  if (drive_id != NULL && google)
    return usage (context, "--drive-id is for OneDrive accounts.");
  existing = pd_library_get_account (library, name, NULL);
  if (existing != NULL)
    {
      g_printerr ("An account named “%s” already exists. Remove it first, or sign it in again "
                  "with “paperdock-cli accounts signin %s”.\n", name, name);
      return PD_EXIT_BAD_INPUT;
    }
  if (secret_stdin)
    {
      secret = read_password_stdin ();
      if (*secret == '\0')
        {
          g_printerr ("No client secret was given on standard input.\n");
          return PD_EXIT_BAD_INPUT;
        }
    }

  provider = pd_oauth_provider_new_for_kind (kind, client_id, secret, &error);
  if (provider == NULL)
    return pd_cli_fail (error);
  if (secret != NULL)
    explicit_bzero (secret, strlen (secret));
  /* Sign in first: a refused sign-in leaves no account behind. */
  tokens = run_sign_in (provider, device_code, &error);
  if (tokens == NULL)
    return pd_cli_fail (error);

  url = cloud_account_url (kind, drive_id);
  id = pd_library_add_account (library, name, kind, url, NULL, &error);
  if (id == 0)
    return pd_cli_fail (error);
  key = setting_key (id, "client-id");
  if (!pd_oauth_token_source_store (id, provider, tokens, NULL, &error) ||
      !pd_library_set_setting (library, key, client_id, &error))
    {
      /* No account without its tokens: it could never sync. */
      pd_oauth_token_source_clear (id, NULL, NULL);
      pd_library_remove_account (library, name, NULL);
      return pd_cli_fail (error);
    }
  if (drive_id != NULL)
    {
      g_autofree char *drive_key = setting_key (id, "drive-id");

      pd_library_set_setting (library, drive_key, drive_id, NULL);
    }
  g_print ("Signed in. Added account “%s” (%s).\n", name, url);
  return PD_EXIT_OK;
}

static int
accounts_signin (PdLibrary  *library,
                 int         argc,
                 char      **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr(PdAccount) account = NULL;
  g_autoptr(PdOAuthProvider) provider = NULL;
  g_autoptr(PdOAuthProvider) stored = NULL;
  g_autoptr(PdOAuthTokens) tokens = NULL;
  g_autofree char *key = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *secret = NULL;
  gboolean device_code = FALSE;
  gboolean secret_stdin = FALSE;
  GOptionEntry entries[] = {
    { "device-code", 0, 0, G_OPTION_ARG_NONE, &device_code, "Sign in with a code entered on any device instead of a browser here", NULL },
    { "client-secret-stdin", 0, 0, G_OPTION_ARG_NONE, &secret_stdin, "Google: read a new client secret from standard input", NULL },
    { NULL },
  };
  GError *error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Sign a OneDrive or Google Drive account in again; its "
                                "documents waiting for the sign-in are sent at the next sync.");
  g_option_context_set_description (context, OAUTH_HELP);
  set_command_name (g_strcmp0 (argv[0], "signin") == 0 ? "accounts signin" : "accounts add");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_autofree char *msg = g_strdup (error->message);

      g_error_free (error);
      return usage (context, msg);
    }
  if (argc != 2)
    return usage (context, "Give the name of the account.");
  account = pd_library_get_account (library, argv[1], &error);
  if (account == NULL)
    return pd_cli_fail (error);
  if (g_strcmp0 (account->kind, "onedrive") != 0 && g_strcmp0 (account->kind, "gdrive") != 0)
    {
      g_printerr ("Account “%s” does not sign in with a browser. Remove it and add it again to "
                  "change its password.\n", account->name);
      return PD_EXIT_BAD_INPUT;
    }

  /* The client id and secret of the last sign-in, unless replaced here. */
  stored = pd_oauth_token_source_dup_provider (account->id, account->kind, NULL, NULL);
  key = setting_key (account->id, "client-id");
  if (!pd_library_get_setting (library, key, &client_id, &error))
    return pd_cli_fail (error);
  if (client_id == NULL && stored != NULL)
    client_id = g_strdup (stored->client_id);
  if (secret_stdin)
    secret = read_password_stdin ();
  else if (stored != NULL)
    secret = g_strdup (stored->client_secret);
  if (client_id == NULL)
    {
      g_printerr ("Account “%s” has no client id on record. Remove it and add it again with "
                  "--client-id.\n", account->name);
      return PD_EXIT_BAD_INPUT;
    }
  provider = pd_oauth_provider_new_for_kind (account->kind, client_id, secret, &error);
  if (secret != NULL)
    explicit_bzero (secret, strlen (secret));
  if (provider == NULL)
    return pd_cli_fail (error);
  tokens = run_sign_in (provider, device_code, &error);
  if (tokens == NULL)
    return pd_cli_fail (error);
  if (!pd_oauth_token_source_store (account->id, provider, tokens, NULL, &error))
    return pd_cli_fail (error);
  resolve_sign_in_items (library, account->id);
  g_print ("Signed in to “%s” again. Documents waiting for it go at the next sync.\n",
           account->name);
  return PD_EXIT_OK;
}

static int
accounts_add (PdLibrary  *library,
              int         argc,
              char      **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("webdav|folder|onedrive|gdrive NAME");
  g_autofree char *url = NULL;
  g_autofree char *user = NULL;
  g_autofree char *path = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *drive_id = NULL;
  g_autofree char *pin = NULL;
  gboolean password_stdin = FALSE;
  gboolean client_secret_stdin = FALSE;
  gboolean device_code = FALSE;
  GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "WebDAV folder address (https://…/)", "URL" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "WebDAV user name", "USER" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, "Read the password from standard input (it goes to the keyring only)", NULL },
    { "pin-certificate", 0, 0, G_OPTION_ARG_FILENAME, &pin, "WebDAV: trust this server certificate (PEM file) even though no authority signed it", "FILE" },
    { "path", 0, 0, G_OPTION_ARG_FILENAME, &path, "Folder to sync into", "DIR" },
    { "client-id", 0, 0, G_OPTION_ARG_STRING, &client_id, "OneDrive, Google Drive: the client id of your organization's app registration", "ID" },
    { "client-secret-stdin", 0, 0, G_OPTION_ARG_NONE, &client_secret_stdin, "Google Drive: read the Desktop app client's secret from standard input", NULL },
    { "drive-id", 0, 0, G_OPTION_ARG_STRING, &drive_id, "OneDrive: a drive other than the user's own (a SharePoint library)", "ID" },
    { "device-code", 0, 0, G_OPTION_ARG_NONE, &device_code, "OneDrive, Google Drive: sign in with a code entered on any device instead of a browser here", NULL },
    { NULL },
  };
  GError *error = NULL;
  const char *kind, *name;
  gint64 id;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Add an account documents can be synced to.");
  g_option_context_set_description (context, OAUTH_HELP);
  set_command_name (g_strcmp0 (argv[0], "signin") == 0 ? "accounts signin" : "accounts add");
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

  if (g_strcmp0 (kind, "onedrive") == 0 || g_strcmp0 (kind, "gdrive") == 0)
    return accounts_add_cloud (library, context, kind, name, client_id, client_secret_stdin,
                               drive_id, device_code);
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
      g_autofree char *pem = NULL;

      if (url == NULL || user == NULL || !password_stdin)
        return usage (context, "A WebDAV account needs --url URL --user USER --password-stdin.");
      if (!g_str_has_prefix (url, "https://") && !g_str_has_prefix (url, "http://"))
        {
          g_printerr ("“%s” is not a web address: it must start with https://.\n", url);
          return PD_EXIT_BAD_INPUT;
        }
      if (pin != NULL)
        {
          g_autoptr(GTlsCertificate) certificate = NULL;

          if (!g_file_get_contents (pin, &pem, NULL, &error) ||
              (certificate = g_tls_certificate_new_from_pem (pem, -1, &error)) == NULL)
            {
              g_printerr ("Cannot pin “%s”: %s\n", pin, error->message);
              g_error_free (error);
              return PD_EXIT_BAD_INPUT;
            }
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
      if (pem != NULL)
        {
          g_autofree char *key = PD_ACCOUNT_PINNED_CERTIFICATE_KEY (id);

          if (!pd_library_set_setting (library, key, pem, &error))
            {
              pd_library_remove_account (library, name, NULL);
              return pd_cli_fail (error);
            }
        }
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
    return usage (context, "The kind of account is “webdav”, “folder”, “onedrive” or “gdrive”.");

  g_print ("Added account “%s”.\n", name);
  return PD_EXIT_OK;
}

static const struct {
  const char *name;
  const char *args;
  const char *summary;
} accounts_subcommands[] = {
  { "list", "", "List the accounts (the default)" },
  { "add", "webdav|folder|onedrive|gdrive NAME [OPTION…]", "Add an account" },
  { "signin", "NAME", "Sign a OneDrive or Google Drive account in again" },
  { "remove", "NAME", "Remove an account and its secrets" },
  { "test", "NAME", "Write and remove a test file" },
};

static void
accounts_usage (FILE *out)
{
  guint name_width = 0;
  guint args_width = 0;

  for (guint i = 0; i < G_N_ELEMENTS (accounts_subcommands); i++)
    {
      name_width = MAX (name_width, pd_cli_text_width (accounts_subcommands[i].name));
      args_width = MAX (args_width, pd_cli_text_width (accounts_subcommands[i].args));
    }
  fprintf (out, "Usage: paperdock-cli accounts [SUBCOMMAND] [OPTION…]\n\n"
                "The places documents are synced to: folders, WebDAV servers, OneDrive and\n"
                "Google Drive. Passwords and tokens are kept in the keyring only.\n\n"
                "Subcommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (accounts_subcommands); i++)
    pd_cli_print_columns (out, accounts_subcommands[i].name, name_width,
                          accounts_subcommands[i].args, args_width,
                          accounts_subcommands[i].summary);
  fprintf (out, "\n“paperdock-cli accounts SUBCOMMAND --help” tells more about each.\n");
}

/* For the subcommands that take at most a name: parses --help (which prints and exits) and
 * refuses unknown options; returns FALSE after printing the usage on bad usage. */
static gboolean
parse_simple (const char   *command,
              const char   *parameter,
              const char   *summary,
              GOptionEntry *entries,
              int          *argc,
              char       ***argv,
              int          *code)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameter);
  GOptionEntry none[] = { { NULL } };
  GError *error = NULL;

  g_option_context_add_main_entries (context, entries != NULL ? entries : none, NULL);
  g_option_context_set_summary (context, summary);
  set_command_name (command);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_autofree char *msg = g_strdup (error->message);

      g_error_free (error);
      *code = usage (context, msg);
      return FALSE;
    }
  if (parameter != NULL && *argc != 2)
    {
      *code = usage (context, "Give the name of the account.");
      return FALSE;
    }
  if (parameter == NULL && *argc != 1)
    {
      *code = usage (context, "This command takes no arguments.");
      return FALSE;
    }
  return TRUE;
}

static int
accounts_main (PdLibrary  *library,
               int         argc,
               char      **argv)
{
  GError *error = NULL;
  const char *sub = argc > 1 ? argv[1] : "list";
  int code = PD_EXIT_OK;

  if (g_strcmp0 (sub, "--help") == 0 || g_strcmp0 (sub, "-h") == 0)
    {
      accounts_usage (stdout);
      return PD_EXIT_OK;
    }
  if (g_strcmp0 (sub, "add") == 0)
    return accounts_add (library, argc - 1, argv + 1);
  if (g_strcmp0 (sub, "signin") == 0)
    return accounts_signin (library, argc - 1, argv + 1);

  if (g_strcmp0 (sub, "list") == 0)
    {
      g_autoptr(GPtrArray) accounts = NULL;
      int sub_argc = argc - 1;
      char **sub_argv = argv + 1;

      if (sub_argc > 0 &&
          !parse_simple ("accounts list", NULL, "List the accounts documents can be synced to.",
                         NULL, &sub_argc, &sub_argv, &code))
        return code;
      accounts = pd_library_list_accounts (library, &error);
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

  if (g_strcmp0 (sub, "remove") != 0 && g_strcmp0 (sub, "test") != 0)
    {
      g_printerr ("paperdock-cli accounts: unknown subcommand “%s”.\n\n", sub);
      accounts_usage (stderr);
      return PD_EXIT_USAGE;
    }
  argc--;
  argv++;

  if (g_strcmp0 (sub, "remove") == 0)
    {
      g_autoptr(PdAccount) account = NULL;
      g_autoptr(GError) secret_error = NULL;

      if (!parse_simple ("accounts remove", "NAME", "Remove an account: its documents stay in "
                         "the library, its password or tokens leave the keyring.", NULL, &argc,
                         &argv, &code))
        return code;
      account = pd_library_get_account (library, argv[1], &error);
      if (account == NULL)
        return pd_cli_fail (error);
      if (g_strcmp0 (account->kind, "folder") != 0 &&
          !pd_secret_clear_account (account->id, NULL, &secret_error))
        g_printerr ("Note: the account's secrets could not be removed from the keyring: %s\n",
                    secret_error->message);
      if ((g_strcmp0 (account->kind, "onedrive") == 0 ||
           g_strcmp0 (account->kind, "gdrive") == 0))
        {
          g_autofree char *client_key = setting_key (account->id, "client-id");
          g_autofree char *drive_key = setting_key (account->id, "drive-id");

          pd_library_set_setting (library, client_key, NULL, NULL);
          pd_library_set_setting (library, drive_key, NULL, NULL);
        }
      {
        g_autofree char *pin_key = PD_ACCOUNT_PINNED_CERTIFICATE_KEY (account->id);

        pd_library_set_setting (library, pin_key, NULL, NULL);
      }
      if (!pd_library_remove_account (library, argv[1], &error))
        return pd_cli_fail (error);
      g_print ("Removed account “%s”.\n", argv[1]);
      return PD_EXIT_OK;
    }

  if (!parse_simple ("accounts test", "NAME", "Check that an account works: write a test file "
                     "there and remove it.", NULL, &argc, &argv, &code))
    return code;
  if (!pd_sync_test_account (library, argv[1], NULL, &error))
    {
      g_printerr ("Account “%s” does not work: ", argv[1]);
      return pd_cli_fail (error);
    }
  g_print ("Account “%s” works: a test file was written and removed.\n", argv[1]);
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
  set_command_name ("sync");
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
  gboolean all = FALSE;
  GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, "Also list the items already resolved, with what was chosen", NULL },
    { NULL },
  };
  GError *error = NULL;
  int code = PD_EXIT_OK;

  if (!parse_simple ("inbox", NULL, "List what sync needs a person for: conflicts, refused uploads, "
                     "accounts to sign in again.", entries, &argc, &argv, &code))
    return code;
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
  set_command_name ("resolve");
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
