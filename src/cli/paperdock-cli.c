/* paperdock-cli.c: the headless front end. It parses arguments, runs the core's async calls on
 * a main loop and prints; every rule lives in the core, so the CLI and the app behave the same. */
#define G_LOG_DOMAIN "pd-cli"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pd-capture-error.h"
#include "pd-cli-output.h"
#include "pd-cli-profiles.h"
#include "pd-cli-sync.h"
#include "pd-fs.h"
#include "pd-import.h"
#include "pd-library.h"
#include "pd-library-delete.h"
#include "pd-library-error.h"
#include "pd-ocr.h"
#include "pd-paths.h"
#include "pd-pipeline.h"
#include "pd-profile.h"
#include "pd-scanner.h"
#include "pd-sync-engine.h"
#include "pd-vault.h"

typedef struct {
  char         *library_dir;
  gboolean      help;          /* a --help somewhere: the library's keyring is not needed */
  PdLibrary    *library;
  GMainLoop    *loop;
  GAsyncResult *result;
  GCancellable *cancellable;
} Cli;

typedef int (*CommandFunc) (Cli *cli, int argc, char **argv);

typedef struct {
  const char  *name;
  const char  *args;
  const char  *summary;
  CommandFunc  func;
} Command;

static const char exit_codes_help[] =
  "Exit status:\n"
  "  0    success\n"
  "  1    failure (the message says which)\n"
  "  2    wrong usage\n"
  "  3    scanner problem: jammed, cover open, out of paper, busy, unplugged, I/O error, access denied\n"
  "  4    not found: unknown device, document or OCR language\n"
  "  5    input refused: an imported file is empty, truncated or not an image\n"
  "  6    storage problem: disk full, library damaged or written by a newer Paperdock\n"
  "  130  cancelled (Ctrl+C); pages already scanned are kept\n";

/* Async plumbing ------------------------------------------------------------------------------ */

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Cli *cli = user_data;

  cli->result = g_object_ref (result);
  g_main_loop_quit (cli->loop);
}

/* Runs the main loop until result_cb fired; returns the result, owned by the caller. */
static GAsyncResult *
wait_for_result (Cli *cli)
{
  g_main_loop_run (cli->loop);
  return g_steal_pointer (&cli->result);
}

static gboolean
sigint_cb (gpointer user_data)
{
  Cli *cli = user_data;

  g_printerr ("Cancelling… (pages already scanned are kept)\n");
  g_cancellable_cancel (cli->cancellable);
  return G_SOURCE_CONTINUE;
}

static gboolean
open_library (Cli     *cli,
              GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pd_library_open_async (cli->library_dir, NULL, result_cb, cli);
  result = wait_for_result (cli);
  cli->library = pd_library_open_finish (result, error);
  if (cli->library == NULL)
    return FALSE;
  /* Pages and PDFs are sealed with the library's key from the keyring (pd-vault.h); a command
   * only asked for its help never reads them, and must not wait on a keyring. */
  if (!cli->help)
    {
      g_autofree char *warning = NULL;
      g_autoptr(PdVault) vault = pd_vault_attach_library (pd_library_get_dir (cli->library),
                                                          &warning, NULL, error);

      if (vault == NULL && error != NULL && *error != NULL)
        {
          g_clear_object (&cli->library);
          return FALSE;
        }
      if (warning != NULL)
        g_printerr ("Note: %s\n", warning);
    }
  return TRUE;
}

/* Parses a command's options; prints the error and returns FALSE on bad usage. */
static gboolean
parse_options (const char    *command,
               const char    *args,
               const char    *summary,
               GOptionEntry  *entries,
               int           *argc,
               char        ***argv)
{
  g_autofree char *prgname = g_strdup_printf ("paperdock-cli %s", command);
  g_autoptr(GOptionContext) context = g_option_context_new (args);
  g_autoptr(GError) error = NULL;

  /* GOption's help starts "Usage: PRGNAME [OPTION…] ARGS": say the whole command there. Each
   * run parses one command line, so this is set once, before any thread starts. */
  g_set_prgname (prgname);
  g_option_context_set_summary (context, summary);
  g_option_context_set_description (context, exit_codes_help);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("paperdock-cli %s: %s\nTry “paperdock-cli %s --help”.\n", command, error->message, command);
      return FALSE;
    }
  return TRUE;
}

static PdPipeline *
new_pipeline (Cli       *cli,
              PdScanner *scanner)
{
  return pd_pipeline_new (cli->library, scanner);
}

static gboolean
give_up_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* The pipeline's batches let go of it on the main context once their last job is done; waiting
 * for that lets its worker threads end and release their recognizers before the process does. */
static void
release_pipeline (PdPipeline **pipeline)
{
  gpointer weak = *pipeline;
  gboolean timed_out = FALSE;
  guint timeout_id;

  if (weak == NULL)
    return;
  g_object_add_weak_pointer (G_OBJECT (weak), &weak);
  g_clear_object (pipeline);
  timeout_id = g_timeout_add_seconds (5, give_up_cb, &timed_out);
  while (weak != NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout_id);
  else
    g_object_remove_weak_pointer (G_OBJECT (weak), &weak);
}

/* A crash or unplug may have left documents half done; finish them before new work, so the
 * library is always consistent when a command ends. */
static void
resume_unfinished (Cli        *cli,
                   PdPipeline *pipeline)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  pd_pipeline_resume_async (pipeline, NULL, result_cb, cli);
  result = wait_for_result (cli);
  /* The result holds the pipeline; it must not outlive this function. */
  if (!pd_pipeline_resume_finish (pipeline, result, &n, &error))
    g_printerr ("paperdock-cli: could not finish interrupted documents: %s\n", error->message);
  else if (n > 0)
    g_printerr ("Finished %u document%s interrupted earlier.\n", n, n == 1 ? "" : "s");
}

/* Printing of a finished batch ---------------------------------------------------------------- */

static void
page_captured_cb (PdPipeline *pipeline,
                  gint64      document_id,
                  guint       index,
                  gpointer    user_data)
{
  g_printerr ("  page %u saved\n", index + 1);
}

static void
page_recognized_cb (PdPipeline *pipeline,
                    gint64      document_id,
                    guint       index,
                    guint       n_words,
                    double      skew,
                    gpointer    user_data)
{
  if (skew >= 0.05 || skew <= -0.05)
    g_printerr ("  page %u read: %u words (straightened by %.1f°)\n", index + 1, n_words, skew);
  else
    g_printerr ("  page %u read: %u words\n", index + 1, n_words);
}

static void
page_failed_cb (PdPipeline *pipeline,
                gint64      document_id,
                guint       index,
                const char *message,
                gpointer    user_data)
{
  g_printerr ("  page %u could not be processed: %s\n", index + 1, message);
}

static void
connect_progress (PdPipeline *pipeline)
{
  g_signal_connect (pipeline, "page-captured", G_CALLBACK (page_captured_cb), NULL);
  g_signal_connect (pipeline, "page-recognized", G_CALLBACK (page_recognized_cb), NULL);
  g_signal_connect (pipeline, "page-failed", G_CALLBACK (page_failed_cb), NULL);
}

/* Prints what a batch became: the PDF of each document for people, or a JSON array of the
 * documents (one per separator-split part) for scripts; then the error, if any. */
static int
report_batch (GPtrArray *documents,
              GError    *error,
              gboolean   json)
{
  int code = PD_EXIT_OK;

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; documents != NULL && i < documents->len; i++)
        pd_cli_json_add_document (builder, g_ptr_array_index (documents, i));
      json_builder_end_array (builder);
      pd_cli_print_json (builder);
    }
  for (guint i = 0; documents != NULL && i < documents->len; i++)
    {
      PdDocument *document = g_ptr_array_index (documents, i);

      if (document->state != PD_DOC_STATE_READY)
        code = PD_EXIT_FAILED;
      if (json)
        continue;
      if (document->state == PD_DOC_STATE_READY)
        g_print ("Saved “%s” (%u page%s): %s\n", document->name, document->n_pages,
                 document->n_pages == 1 ? "" : "s", document->pdf_path);
      else
        g_print ("“%s” (%u pages) is %s: %s\n", document->name, document->n_pages,
                 pd_doc_state_to_string (document->state),
                 document->last_error ? document->last_error : "see paperdock-cli log");
    }
  if (error != NULL)
    code = pd_cli_fail (error);
  return code;
}

/* The profile (if any) gives the defaults; what is on the command line wins. */
static PdProcessOptions *
process_options_from_args (const PdProfile  *profile,
                           const char       *mode,
                           const char       *lang,
                           GError          **error)
{
  g_autoptr(PdProcessOptions) options = pd_process_options_new ();

  if (profile != NULL)
    {
      options->mode = profile->mode;
      options->deskew = profile->deskew;
      options->clean_background = profile->clean_background;
      options->jpeg_quality = profile->jpeg_quality;
      options->downsample_dpi = profile->downsample_dpi;
      options->orientation = profile->orientation;
      options->crop_border = profile->crop_border;
      options->detect_blur = profile->flag_blurry;
      if (profile->langs != NULL)
        {
          g_free (options->langs);
          options->langs = g_strdup (profile->langs);
        }
    }
  if (mode != NULL && !pd_scan_mode_from_string (mode, &options->mode))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "Unknown mode “%s”: use text, gray or color.", mode);
      return NULL;
    }
  if (lang != NULL)
    {
      g_free (options->langs);
      options->langs = g_strdup (lang);
    }
  if (!pd_ocr_check_languages (options->langs, error))
    return NULL;
  return g_steal_pointer (&options);
}

/* Opens the library and finds the profile named on the command line; with the "profile
 * required" setting on, naming none is an error that says so. */
static gboolean
open_library_and_profile (Cli         *cli,
                          const char  *name,
                          PdProfile  **profile,
                          GError     **error)
{
  if (!open_library (cli, error))
    return FALSE;
  return pd_library_profile_for_scan (cli->library, name, profile, error);
}

/* Commands ------------------------------------------------------------------------------------ */

static int
cmd_devices (Cli   *cli,
             int    argc,
             char **argv)
{
  gboolean all = FALSE;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, "Also list SANE's virtual test devices", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  g_autoptr(PdScanner) scanner = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  GError *error = NULL;

  if (!parse_options ("devices", "", "List the scanners SANE can reach, and the demo scanner.",
                      entries, &argc, &argv))
    return PD_EXIT_USAGE;

  scanner = pd_scanner_new ();
  pd_scanner_list_devices_async (scanner, all, NULL, result_cb, cli);
  result = wait_for_result (cli);
  devices = pd_scanner_list_devices_finish (scanner, result, &error);
  if (devices == NULL)
    return pd_cli_fail (error);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < devices->len; i++)
        pd_cli_json_add_device (builder, g_ptr_array_index (devices, i));
      json_builder_end_array (builder);
      pd_cli_print_json (builder);
      return PD_EXIT_OK;
    }
  if (devices->len == 0)
    g_print ("No scanner found. Check that it is plugged in and switched on; "
             "“paperdock-cli scan --device demo” works without one.\n");
  for (guint i = 0; i < devices->len; i++)
    {
      PdDeviceInfo *device = g_ptr_array_index (devices, i);

      g_print ("%-28s %s %s (%s)\n", device->id, device->vendor ? device->vendor : "",
               device->model ? device->model : "", device->type ? device->type : "scanner");
    }
  return PD_EXIT_OK;
}

static int
cmd_scan (Cli   *cli,
          int    argc,
          char **argv)
{
  g_autofree char *device = NULL;
  g_autofree char *source = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *lang = NULL;
  g_autofree char *name = NULL;
  g_autofree char *profile_name = NULL;
  g_auto(GStrv) sane_options = NULL;
  int resolution = 0;
  int pages = 0;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &profile_name, "Scan with this profile (see “profiles list”)", "NAME" },
    { "device", 'd', 0, G_OPTION_ARG_STRING, &device, "Scanner to use (see “devices”; “demo” needs no hardware)", "DEV" },
    { "source", 's', 0, G_OPTION_ARG_STRING, &source, "flatbed, adf or duplex", "SOURCE" },
    { "resolution", 'r', 0, G_OPTION_ARG_INT, &resolution, "Resolution in dpi (default 300)", "DPI" },
    { "mode", 'm', 0, G_OPTION_ARG_STRING, &mode, "text, gray or color (default gray)", "MODE" },
    { "pages", 'n', 0, G_OPTION_ARG_INT, &pages, "Stop after N pages (default: until the feeder is empty)", "N" },
    { "lang", 'l', 0, G_OPTION_ARG_STRING, &lang, "OCR languages, e.g. eng or eng+deu (default eng)", "LANGS" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "Name of the document (default: the profile's template)", "NAME" },
    { "option", 'o', 0, G_OPTION_ARG_STRING_ARRAY, &sane_options, "Set a SANE option by name (advanced)", "NAME=VALUE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the documents made, as a JSON array", NULL },
    { NULL }
  };
  g_autoptr(PdScanOptions) scan_options = pd_scan_options_new ();
  g_autoptr(PdProcessOptions) process_options = NULL;
  g_autoptr(PdProfile) profile = NULL;
  g_autoptr(PdScanner) scanner = NULL;
  g_autoptr(PdPipeline) pipeline = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) documents = NULL;
  GError *error = NULL;
  guint sigint_id;
  int code;

  if (!parse_options ("scan", "", "Scan pages into a searchable PDF in the library. Progress goes to "
                      "stderr; the PDF's path (or the document as JSON) to stdout.",
                      entries, &argc, &argv))
    return PD_EXIT_USAGE;
  if (resolution < 0 || pages < 0)
    {
      g_printerr ("paperdock-cli scan: --resolution and --pages must be positive.\n");
      return PD_EXIT_USAGE;
    }
  if (!open_library_and_profile (cli, profile_name, &profile, &error))
    return pd_cli_fail (error);

  if (profile != NULL)
    {
      g_free (scan_options->device);
      scan_options->device = g_strdup (profile->device);
      scan_options->source = profile->source;
      scan_options->resolution = profile->resolution;
      scan_options->page_width_mm = profile->page_width_mm;
      scan_options->page_height_mm = profile->page_height_mm;
    }
  if (device != NULL)
    {
      g_free (scan_options->device);
      scan_options->device = g_strdup (device);
    }
  if (scan_options->device == NULL)
    {
      g_printerr ("paperdock-cli scan: say which scanner with --device (see “paperdock-cli devices”; "
                  "“--device demo” needs no hardware).\n");
      return PD_EXIT_USAGE;
    }
  if (resolution > 0)
    scan_options->resolution = (guint) resolution;
  scan_options->max_pages = (guint) pages;
  scan_options->sane_options = g_steal_pointer (&sane_options);
  if (source != NULL && !pd_scan_source_from_string (source, &scan_options->source))
    {
      g_printerr ("paperdock-cli scan: unknown source “%s”: use flatbed, adf or duplex.\n", source);
      return PD_EXIT_USAGE;
    }
  process_options = process_options_from_args (profile, mode, lang, &error);
  if (process_options == NULL)
    return pd_cli_fail (error);
  scan_options->mode = process_options->mode;

  scanner = pd_scanner_new ();
  pipeline = new_pipeline (cli, scanner);
  resume_unfinished (cli, pipeline);
  connect_progress (pipeline);
  pd_pipeline_set_profile (pipeline, profile);

  g_printerr ("Scanning from %s (%u dpi, %s%s%s)…\n", scan_options->device,
              scan_options->resolution ? scan_options->resolution : 300,
              pd_scan_mode_to_string (scan_options->mode),
              profile ? ", profile " : "", profile ? profile->name : "");
  sigint_id = g_unix_signal_add (SIGINT, sigint_cb, cli);
  pd_pipeline_scan_async (pipeline, scan_options, process_options, name, cli->cancellable, result_cb, cli);
  result = wait_for_result (cli);
  g_source_remove (sigint_id);
  pd_pipeline_scan_finish (pipeline, result, &documents, &error);
  g_clear_object (&result);
  release_pipeline (&pipeline);

  code = report_batch (documents, error, json);
  return code;
}

static int
cmd_import (Cli   *cli,
            int    argc,
            char **argv)
{
  g_autofree char *mode = NULL;
  g_autofree char *lang = NULL;
  g_autofree char *name = NULL;
  g_autofree char *profile_name = NULL;
  g_auto(GStrv) files = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &profile_name, "Process with this profile (see “profiles list”)", "NAME" },
    { "mode", 'm', 0, G_OPTION_ARG_STRING, &mode, "text, gray or color (default gray)", "MODE" },
    { "lang", 'l', 0, G_OPTION_ARG_STRING, &lang, "OCR languages (default eng)", "LANGS" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "Name of the document (default: the first file's name)", "NAME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the documents made, as a JSON array", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, "FILE…" },
    { NULL }
  };
  g_autoptr(PdProcessOptions) process_options = NULL;
  g_autoptr(PdProfile) profile = NULL;
  g_autoptr(PdPipeline) pipeline = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) documents = NULL;
  GError *error = NULL;

  if (!parse_options ("import", "FILE…", "Import PNG, JPEG, TIFF and PNM images and the pages of PDFs, "
                      "in order, as one document, processed like scanned pages.",
                      entries, &argc, &argv))
    return PD_EXIT_USAGE;
  if (files == NULL || files[0] == NULL)
    {
      g_printerr ("paperdock-cli import: name at least one file to import.\n");
      return PD_EXIT_USAGE;
    }
  if (!open_library_and_profile (cli, profile_name, &profile, &error))
    return pd_cli_fail (error);
  process_options = process_options_from_args (profile, mode, lang, &error);
  if (process_options == NULL)
    return pd_cli_fail (error);

  pipeline = new_pipeline (cli, NULL);
  resume_unfinished (cli, pipeline);
  connect_progress (pipeline);
  pd_pipeline_set_profile (pipeline, profile);

  pd_pipeline_import_async (pipeline, (const char *const *) files, process_options, name,
                            cli->cancellable, result_cb, cli);
  result = wait_for_result (cli);
  pd_pipeline_import_finish (pipeline, result, &documents, &error);
  g_clear_object (&result);
  release_pipeline (&pipeline);
  return report_batch (documents, error, json);
}

static int
cmd_resume (Cli   *cli,
            int    argc,
            char **argv)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(PdPipeline) pipeline = NULL;
  GError *error = NULL;

  if (!parse_options ("resume", "", "Finish documents that a crash or an unplugged scanner interrupted "
                      "(scan and import do this first too).", entries, &argc, &argv))
    return PD_EXIT_USAGE;
  if (!open_library (cli, &error))
    return pd_cli_fail (error);
  pipeline = new_pipeline (cli, NULL);
  connect_progress (pipeline);
  resume_unfinished (cli, pipeline);
  release_pipeline (&pipeline);
  return PD_EXIT_OK;
}

static int
cmd_list (Cli   *cli,
          int    argc,
          char **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  g_autoptr(GPtrArray) documents = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;

  if (!parse_options ("list", "", "List the documents in the library, newest first.", entries, &argc, &argv))
    return PD_EXIT_USAGE;
  if (!open_library (cli, &error))
    return pd_cli_fail (error);

  pd_library_list_documents_async (cli->library, NULL, result_cb, cli);
  result = wait_for_result (cli);
  documents = pd_library_list_documents_finish (cli->library, result, &error);
  if (documents == NULL)
    return pd_cli_fail (error);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < documents->len; i++)
        pd_cli_json_add_document (builder, g_ptr_array_index (documents, i));
      json_builder_end_array (builder);
      pd_cli_print_json (builder);
      return PD_EXIT_OK;
    }
  if (documents->len == 0)
    g_print ("The library is empty. Try “paperdock-cli scan --device demo”.\n");
  for (guint i = 0; i < documents->len; i++)
    {
      PdDocument *doc = g_ptr_array_index (documents, i);
      g_autofree char *short_uuid = g_strndup (doc->uuid, 8);

      g_print ("%4" G_GINT64_FORMAT "  %s  %-10s %3u p.  %s\n         %s\n", doc->id, short_uuid,
               pd_doc_state_to_string (doc->state), doc->n_pages, doc->name,
               doc->pdf_path ? doc->pdf_path : (doc->last_error ? doc->last_error : "(no PDF yet)"));
    }
  return PD_EXIT_OK;
}

static int
cmd_show (Cli   *cli,
          int    argc,
          char **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  g_autoptr(PdDocument) doc = NULL;
  g_autoptr(GPtrArray) pages = NULL;
  g_autofree char *created = NULL;
  GError *error = NULL;

  if (!parse_options ("show", "DOC", "Show a document (by id, uuid or uuid prefix) and its pages.",
                      entries, &argc, &argv))
    return PD_EXIT_USAGE;
  if (argc != 2)
    {
      g_printerr ("paperdock-cli show: name one document (its id or uuid, see “paperdock-cli list”).\n");
      return PD_EXIT_USAGE;
    }
  if (!open_library (cli, &error))
    return pd_cli_fail (error);
  doc = pd_library_get_document (cli->library, argv[1], &error);
  if (doc == NULL)
    return pd_cli_fail (error);
  pages = pd_library_list_pages (cli->library, doc->id, &error);
  if (pages == NULL)
    return pd_cli_fail (error);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "document");
      pd_cli_json_add_document (builder, doc);
      json_builder_set_member_name (builder, "pages");
      json_builder_begin_array (builder);
      for (guint i = 0; i < pages->len; i++)
        {
          PdPage *page = g_ptr_array_index (pages, i);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "index");
          json_builder_add_int_value (builder, page->index + 1);
          json_builder_set_member_name (builder, "state");
          json_builder_add_string_value (builder, pd_page_state_to_string (page->state));
          json_builder_set_member_name (builder, "width");
          json_builder_add_int_value (builder, page->width);
          json_builder_set_member_name (builder, "height");
          json_builder_add_int_value (builder, page->height);
          json_builder_set_member_name (builder, "dpi");
          json_builder_add_int_value (builder, page->dpi);
          json_builder_set_member_name (builder, "skew");
          json_builder_add_double_value (builder, page->skew);
          json_builder_set_member_name (builder, "confidence");
          json_builder_add_double_value (builder, page->confidence);
          json_builder_set_member_name (builder, "spool");
          json_builder_add_string_value (builder, page->spool_path);
          json_builder_set_member_name (builder, "rotation");
          json_builder_add_int_value (builder, page->rotation);
          json_builder_set_member_name (builder, "blank");
          json_builder_add_boolean_value (builder, page->is_blank);
          json_builder_set_member_name (builder, "blurry");
          json_builder_add_boolean_value (builder, page->is_blurry);
          json_builder_set_member_name (builder, "separator");
          json_builder_add_boolean_value (builder, page->is_separator);
          json_builder_set_member_name (builder, "excluded");
          json_builder_add_boolean_value (builder, page->excluded);
          json_builder_set_member_name (builder, "barcodes");
          json_builder_add_string_value (builder, page->barcodes ? page->barcodes : "");
          json_builder_set_member_name (builder, "text");
          json_builder_add_string_value (builder, page->text ? page->text : "");
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      pd_cli_print_json (builder);
      return PD_EXIT_OK;
    }

  created = pd_cli_format_time (doc->created_at);
  g_print ("%s\n  id %" G_GINT64_FORMAT ", uuid %s\n  state: %s%s%s\n  created %s from %s, %s, OCR %s\n  PDF: %s\n",
           doc->name, doc->id, doc->uuid, pd_doc_state_to_string (doc->state),
           doc->last_error ? " — " : "", doc->last_error ? doc->last_error : "",
           created, doc->source, pd_scan_mode_to_string (doc->mode), doc->langs,
           doc->pdf_path ? doc->pdf_path : "(none yet)");
  for (guint i = 0; i < pages->len; i++)
    {
      PdPage *page = g_ptr_array_index (pages, i);

      g_print ("  page %u: %s, %ux%u at %u dpi, skew %.1f°, confidence %.0f%%", page->index + 1,
               pd_page_state_to_string (page->state), page->width, page->height, page->dpi,
               page->skew, page->confidence);
      if (page->rotation != 0)
        g_print (", turned %u°", page->rotation);
      if (page->crop_width != 0)
        g_print (", border cropped");
      if (page->is_blank)
        g_print (", looks blank");
      if (page->is_blurry)
        g_print (", looks blurry (rescan?)");
      if (page->is_separator)
        g_print (", separator sheet");
      if (page->excluded)
        g_print (", left out of the PDF");
      if (page->barcodes != NULL)
        g_print (", barcodes %s", page->barcodes);
      g_print ("\n");
    }
  return PD_EXIT_OK;
}

static int
cmd_search (Cli   *cli,
            int    argc,
            char **argv)
{
  gboolean json = FALSE;
  int limit = 20;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "At most N results (default 20)", "N" },
    { NULL }
  };
  g_autoptr(GPtrArray) hits = NULL;
  g_autofree char *query = NULL;
  GError *error = NULL;

  if (!parse_options ("search", "QUERY…", "Search the text of every page; prints the document, page and "
                      "a snippet with the match in [brackets].", entries, &argc, &argv))
    return PD_EXIT_USAGE;
  if (argc < 2 || limit <= 0)
    {
      g_printerr ("paperdock-cli search: give the words to look for.\n");
      return PD_EXIT_USAGE;
    }
  query = g_strjoinv (" ", argv + 1);
  if (!open_library (cli, &error))
    return pd_cli_fail (error);
  hits = pd_library_search (cli->library, query, (guint) limit, &error);
  if (hits == NULL)
    return pd_cli_fail (error);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < hits->len; i++)
        {
          PdSearchHit *hit = g_ptr_array_index (hits, i);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_int_value (builder, hit->document_id);
          json_builder_set_member_name (builder, "uuid");
          json_builder_add_string_value (builder, hit->uuid);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, hit->name);
          json_builder_set_member_name (builder, "page");
          json_builder_add_int_value (builder, hit->page_index + 1);
          json_builder_set_member_name (builder, "snippet");
          json_builder_add_string_value (builder, hit->snippet);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      pd_cli_print_json (builder);
      return PD_EXIT_OK;
    }
  if (hits->len == 0)
    g_print ("Nothing found for “%s”.\n", query);
  for (guint i = 0; i < hits->len; i++)
    {
      PdSearchHit *hit = g_ptr_array_index (hits, i);

      g_print ("%4" G_GINT64_FORMAT "  %s, page %u\n      %s\n", hit->document_id, hit->name,
               hit->page_index + 1, hit->snippet);
    }
  return PD_EXIT_OK;
}

static int
cmd_export (Cli   *cli,
            int    argc,
            char **argv)
{
  g_autofree char *output = NULL;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Where to write the PDF", "FILE.pdf" },
    { NULL }
  };
  g_autoptr(PdDocument) doc = NULL;
  GError *error = NULL;

  if (!parse_options ("export", "DOC -o FILE.pdf", "Copy a document's PDF out of the library.",
                      entries, &argc, &argv))
    return PD_EXIT_USAGE;
  if (argc != 2 || output == NULL)
    {
      g_printerr ("paperdock-cli export: name one document and the file to write with -o.\n");
      return PD_EXIT_USAGE;
    }
  if (!open_library (cli, &error))
    return pd_cli_fail (error);
  doc = pd_library_get_document (cli->library, argv[1], &error);
  if (doc == NULL)
    return pd_cli_fail (error);
  if (doc->state != PD_DOC_STATE_READY || doc->pdf_path == NULL)
    {
      g_printerr ("paperdock-cli export: “%s” has no PDF yet (it is %s).\n", doc->name,
                  pd_doc_state_to_string (doc->state));
      return PD_EXIT_FAILED;
    }
  /* An evicted document is downloaded from its destination again first. */
  if (!pd_sync_fetch_document (cli->library, doc->id, NULL, &error))
    return pd_cli_fail (error);
  /* The library's copy may be sealed: the exported one is a plain PDF. */
  if (!pd_vault_export_file (NULL, doc->pdf_path, output, &error))
    return pd_cli_fail (error);
  pd_library_journal_add (cli->library, doc->id, "exported", output, NULL);
  g_print ("%s\n", output);
  return PD_EXIT_OK;
}

static int
cmd_delete (Cli   *cli,
            int    argc,
            char **argv)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(PdDocument) doc = NULL;
  g_autoptr(PdSyncState) state = NULL;
  GError *error = NULL;

  if (!parse_options ("delete", "DOC", "Delete a document from this computer.", entries, &argc,
                      &argv))
    return PD_EXIT_USAGE;
  if (argc != 2)
    {
      g_printerr ("paperdock-cli delete: name one document.\n");
      return PD_EXIT_USAGE;
    }
  if (!open_library (cli, &error))
    return pd_cli_fail (error);
  doc = pd_library_get_document (cli->library, argv[1], &error);
  if (doc == NULL)
    return pd_cli_fail (error);
  state = pd_library_get_sync_state (cli->library, doc->id, NULL);
  if (!pd_library_delete_document (cli->library, doc->id, &error))
    return pd_cli_fail (error);
  /* Deleting here never reaches into an account: the synced copy is the person's to keep. */
  if (state != NULL && state->remote_etag != NULL)
    g_print ("Deleted “%s” from this computer. Its synced copy stays on its destination.\n",
             doc->name);
  else
    g_print ("Deleted “%s” from this computer.\n", doc->name);
  return PD_EXIT_OK;
}

static int
cmd_log (Cli   *cli,
         int    argc,
         char **argv)
{
  gboolean json = FALSE;
  gboolean sync = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { "sync", 0, 0, G_OPTION_ARG_NONE, &sync, "Print every sync attempt: time, outcome, account, "
      "document, HTTP status, bytes, duration", NULL },
    { NULL }
  };
  g_autoptr(PdDocument) doc = NULL;
  g_autoptr(GPtrArray) entries_list = NULL;
  GError *error = NULL;

  if (!parse_options ("log", "[DOC]", "Print the journal: every step of every document, or of one.",
                      entries, &argc, &argv))
    return PD_EXIT_USAGE;
  if (sync)
    {
      if (!open_library (cli, &error))
        return pd_cli_fail (error);
      return pd_cli_sync_main (cli->library, "log", argc, argv);
    }
  if (argc > 2)
    {
      g_printerr ("paperdock-cli log: name at most one document.\n");
      return PD_EXIT_USAGE;
    }
  if (!open_library (cli, &error))
    return pd_cli_fail (error);
  if (argc == 2 && (doc = pd_library_get_document (cli->library, argv[1], &error)) == NULL)
    return pd_cli_fail (error);
  entries_list = pd_library_list_journal (cli->library, doc ? doc->id : 0, &error);
  if (entries_list == NULL)
    return pd_cli_fail (error);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < entries_list->len; i++)
        {
          PdJournalEntry *e = g_ptr_array_index (entries_list, i);
          g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (e->time / G_USEC_PER_SEC);
          g_autofree char *iso = g_date_time_format_iso8601 (t);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "time");
          json_builder_add_string_value (builder, iso);
          json_builder_set_member_name (builder, "document");
          json_builder_add_string_value (builder, e->document_uuid ? e->document_uuid : "");
          json_builder_set_member_name (builder, "actor");
          json_builder_add_string_value (builder, e->actor ? e->actor : "");
          json_builder_set_member_name (builder, "from");
          json_builder_add_string_value (builder, e->from_state ? e->from_state : "");
          json_builder_set_member_name (builder, "to");
          json_builder_add_string_value (builder, e->to_state ? e->to_state : "");
          json_builder_set_member_name (builder, "what");
          json_builder_add_string_value (builder, e->what ? e->what : "");
          json_builder_set_member_name (builder, "detail");
          json_builder_add_string_value (builder, e->detail ? e->detail : "");
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      pd_cli_print_json (builder);
      return PD_EXIT_OK;
    }
  for (guint i = 0; i < entries_list->len; i++)
    {
      PdJournalEntry *e = g_ptr_array_index (entries_list, i);
      g_autofree char *when = pd_cli_format_time (e->time);
      g_autofree char *short_uuid = e->document_uuid ? g_strndup (e->document_uuid, 8) : g_strdup ("-");

      g_print ("%s  %-8s  %s", when, short_uuid, e->what ? e->what : "");
      if (e->from_state != NULL || e->to_state != NULL)
        g_print (" (%s → %s)", e->from_state ? e->from_state : "", e->to_state ? e->to_state : "");
      if (e->detail != NULL && *e->detail != '\0')
        g_print (": %s", e->detail);
      g_print ("  [%s]\n", e->actor ? e->actor : "");
    }
  return PD_EXIT_OK;
}

static int
cmd_profiles (Cli   *cli,
              int    argc,
              char **argv)
{
  GError *error = NULL;

  if (!open_library (cli, &error))
    return pd_cli_fail (error);
  return pd_cli_profiles_main (cli->library, argc, argv);
}

/* accounts, sync, inbox and resolve: the sync engine's commands, named by argv[0]. */
static int
cmd_sync (Cli   *cli,
          int    argc,
          char **argv)
{
  GError *error = NULL;

  if (!open_library (cli, &error))
    return pd_cli_fail (error);
  return pd_cli_sync_main (cli->library, argv[0], argc, argv);
}

static const Command commands[] = {
  { "devices", "", "List scanners", cmd_devices },
  { "scan", "--device DEV [OPTION…]", "Scan into a searchable PDF", cmd_scan },
  { "import", "FILE…", "Import images or PDFs as one document", cmd_import },
  { "list", "", "List documents", cmd_list },
  { "show", "DOC", "Show one document and its pages", cmd_show },
  { "search", "QUERY…", "Full-text search", cmd_search },
  { "export", "DOC -o FILE.pdf", "Copy a document's PDF out", cmd_export },
  { "delete", "DOC", "Delete a document from this computer", cmd_delete },
  { "log", "[DOC]", "Print the journal", cmd_log },
  { "resume", "", "Finish interrupted documents", cmd_resume },
  { "profiles", "SUBCOMMAND…", "Scan profiles: list, show, add, edit, remove, export, import, preview", cmd_profiles },
  { "accounts", "SUBCOMMAND…", "Sync accounts: list, add, signin, remove, test", cmd_sync },
  { "sync", "[--wait]", "Send documents to their destinations, print a summary", cmd_sync },
  { "inbox", "[--all]", "What sync needs a person for", cmd_sync },
  { "resolve", "ITEM --keep mine|theirs|both", "Act on an inbox item", cmd_sync },
};

static void
print_usage (FILE *out)
{
  guint name_width = 0;
  guint args_width = 0;

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      name_width = MAX (name_width, pd_cli_text_width (commands[i].name));
      args_width = MAX (args_width, pd_cli_text_width (commands[i].args));
    }

  fprintf (out, "Usage: paperdock-cli [--library DIR] COMMAND [OPTION…]\n\n"
                "Scan, process and keep documents without a network. The library defaults to\n"
                "$PAPERDOCK_LIBRARY, else the XDG data folder (~/.local/share/paperdock).\n\n"
                "Commands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    pd_cli_print_columns (out, commands[i].name, name_width, commands[i].args, args_width,
                          commands[i].summary);
  fprintf (out, "\n“paperdock-cli COMMAND --help” tells more about each.\n\n%s", exit_codes_help);
}

int
main (int    argc,
      char **argv)
{
  Cli cli = { 0 };
  int first = 1;
  int code;

  pd_process_prepare (argc, argv);
  pd_capture_prepare_environment ();
  setlocale (LC_ALL, "");
  /* The CLI prints the core's messages as they are; bound here, they come in the user's
   * language like in the app. */
  bindtextdomain (GETTEXT_PACKAGE, PD_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  while (first < argc && argv[first][0] == '-')
    {
      if (g_str_equal (argv[first], "--library") && first + 1 < argc)
        {
          g_free (cli.library_dir);
          cli.library_dir = g_strdup (argv[first + 1]);
          first += 2;
        }
      else if (g_str_has_prefix (argv[first], "--library="))
        {
          g_free (cli.library_dir);
          cli.library_dir = g_strdup (argv[first] + strlen ("--library="));
          first++;
        }
      else if (g_str_equal (argv[first], "--help") || g_str_equal (argv[first], "-h"))
        {
          print_usage (stdout);
          return PD_EXIT_OK;
        }
      else if (g_str_equal (argv[first], "--version"))
        {
          g_print ("paperdock-cli %s\n", PACKAGE_VERSION);
          return PD_EXIT_OK;
        }
      else
        {
          g_printerr ("paperdock-cli: unknown option “%s”.\n\n", argv[first]);
          print_usage (stderr);
          return PD_EXIT_USAGE;
        }
    }
  if (first >= argc)
    {
      print_usage (stderr);
      return PD_EXIT_USAGE;
    }
  if (cli.library_dir == NULL)
    cli.library_dir = pd_paths_dup_default_library_dir ();

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (g_str_equal (argv[first], commands[i].name))
        {
          for (int a = first + 1; a < argc; a++)
            if (g_str_equal (argv[a], "--help") || g_str_equal (argv[a], "-h") ||
                g_str_equal (argv[a], "--help-all"))
              cli.help = TRUE;
          cli.loop = g_main_loop_new (NULL, FALSE);
          cli.cancellable = g_cancellable_new ();
          code = commands[i].func (&cli, argc - first, argv + first);
          g_clear_object (&cli.library);
          g_clear_object (&cli.cancellable);
          g_clear_pointer (&cli.loop, g_main_loop_unref);
          g_free (cli.library_dir);
          /* Everything of ours is closed and durable here. A SANE backend that cancels its
           * reader thread asynchronously (the test backend does) can leave a libc lock held,
           * and other libraries' exit handlers (p11-kit frees a locale) then wait on it for
           * ever: end without running them. */
          fflush (NULL);
          _exit (code);
        }
    }
  g_printerr ("paperdock-cli: unknown command “%s”.\n\n", argv[first]);
  print_usage (stderr);
  return PD_EXIT_USAGE;
}
