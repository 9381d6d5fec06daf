/* pd-cli-output.c: printing for paperdock-cli. Errors go to stderr in the words the core wrote
 * for a person; the exit code tells a script which kind of problem it was. */
#define G_LOG_DOMAIN "pd-cli"

#include "pd-cli-output.h"

#include <stdio.h>

#include "pd-capture-error.h"
#include "pd-library-error.h"
#include "pd-process-error.h"
#include "pd-profile.h"

PdExitCode
pd_cli_exit_code_for_error (const GError *error)
{
  if (error == NULL)
    return PD_EXIT_OK;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return PD_EXIT_CANCELLED;
  if (error->domain == G_OPTION_ERROR)
    return PD_EXIT_USAGE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    return PD_EXIT_STORAGE;
  if (error->domain == PD_CAPTURE_ERROR)
    return error->code == PD_CAPTURE_ERROR_NO_DEVICE ? PD_EXIT_NOT_FOUND : PD_EXIT_SCANNER;
  if (error->domain == PD_LIBRARY_ERROR)
    {
      switch (error->code)
        {
        case PD_LIBRARY_ERROR_NOT_FOUND:
        case PD_LIBRARY_ERROR_AMBIGUOUS:
          return PD_EXIT_NOT_FOUND;
        case PD_LIBRARY_ERROR_CORRUPT:
        case PD_LIBRARY_ERROR_TOO_NEW:
        case PD_LIBRARY_ERROR_DISK_FULL:
          return PD_EXIT_STORAGE;
        default:
          return PD_EXIT_FAILED;
        }
    }
  if (error->domain == PD_PROFILE_ERROR)
    {
      switch (error->code)
        {
        case PD_PROFILE_ERROR_INVALID:
        case PD_PROFILE_ERROR_REQUIRED:
          return PD_EXIT_USAGE;
        case PD_PROFILE_ERROR_BAD_FILE:
        case PD_PROFILE_ERROR_TOO_NEW:
          return PD_EXIT_BAD_INPUT;
        default:
          return PD_EXIT_FAILED;
        }
    }
  if (error->domain == PD_PROCESS_ERROR)
    {
      switch (error->code)
        {
        case PD_PROCESS_ERROR_EMPTY_FILE:
        case PD_PROCESS_ERROR_TRUNCATED:
        case PD_PROCESS_ERROR_NOT_AN_IMAGE:
        case PD_PROCESS_ERROR_UNSUPPORTED_FORMAT:
          return PD_EXIT_BAD_INPUT;
        case PD_PROCESS_ERROR_NO_LANGUAGE:
          return PD_EXIT_NOT_FOUND;
        default:
          return PD_EXIT_FAILED;
        }
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
      g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return PD_EXIT_NOT_FOUND;
  if (error->domain == G_IO_ERROR || error->domain == G_FILE_ERROR)
    return PD_EXIT_STORAGE;
  return PD_EXIT_FAILED;
}

void
pd_cli_print_error (const GError *error)
{
  g_printerr ("paperdock-cli: %s\n", error->message);
}

/* Prints @error for a person, frees it and returns the exit code for its kind. */
int
pd_cli_fail (GError *error)
{
  int code = pd_cli_exit_code_for_error (error);

  pd_cli_print_error (error);
  g_error_free (error);
  return code;
}

char *
pd_cli_format_time (gint64 unix_usec)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_usec / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;

  return local ? g_date_time_format (local, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
}

static void
add_time (JsonBuilder *builder,
          const char  *member,
          gint64       unix_usec)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_usec / G_USEC_PER_SEC);
  g_autofree char *iso = utc ? g_date_time_format_iso8601 (utc) : NULL;

  json_builder_set_member_name (builder, member);
  if (iso != NULL)
    json_builder_add_string_value (builder, iso);
  else
    json_builder_add_null_value (builder);
}

static void
add_string (JsonBuilder *builder,
            const char  *member,
            const char  *value)
{
  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

void
pd_cli_json_add_document (JsonBuilder      *builder,
                          const PdDocument *document)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, document->id);
  add_string (builder, "uuid", document->uuid);
  add_string (builder, "name", document->name);
  add_string (builder, "state", pd_doc_state_to_string (document->state));
  json_builder_set_member_name (builder, "pages");
  json_builder_add_int_value (builder, document->n_pages);
  add_string (builder, "pdf", document->pdf_path);
  add_string (builder, "source", document->source);
  add_string (builder, "mode", pd_scan_mode_to_string (document->mode));
  add_string (builder, "langs", document->langs);
  add_time (builder, "created", document->created_at);
  add_time (builder, "updated", document->updated_at);
  json_builder_set_member_name (builder, "revision");
  json_builder_add_int_value (builder, document->revision);
  add_string (builder, "last_error", document->last_error);
  json_builder_end_object (builder);
}

void
pd_cli_json_add_device (JsonBuilder        *builder,
                        const PdDeviceInfo *device)
{
  json_builder_begin_object (builder);
  add_string (builder, "id", device->id);
  add_string (builder, "vendor", device->vendor);
  add_string (builder, "model", device->model);
  add_string (builder, "type", device->type);
  json_builder_set_member_name (builder, "virtual");
  json_builder_add_boolean_value (builder, device->is_virtual);
  json_builder_end_object (builder);
}

void
pd_cli_print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

/* How many columns a string takes on a terminal: characters, not bytes, since the usage lines
 * hold “…”. Good enough for the CLI's own texts, which have no wide or combining characters. */
guint
pd_cli_text_width (const char *text)
{
  g_return_val_if_fail (text != NULL, 0);

  return (guint) g_utf8_strlen (text, -1);
}

/* One line of a help table: "  FIRST SECOND THIRD", the first two padded to their widths. */
void
pd_cli_print_columns (FILE       *out,
                      const char *first,
                      guint       first_width,
                      const char *second,
                      guint       second_width,
                      const char *third)
{
  guint first_pad = first_width - MIN (pd_cli_text_width (first), first_width);
  guint second_pad = second_width - MIN (pd_cli_text_width (second), second_width);

  g_return_if_fail (out != NULL);

  fprintf (out, "  %s%*s %s%*s %s\n", first, (int) first_pad, "", second, (int) second_pad, "",
           third);
}
