/* pd-cli-output.h: how paperdock-cli prints records, as text for people or as JSON for scripts,
 * and how errors become exit codes. Kept apart from command parsing so both stay short. */
#pragma once

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "pd-library.h"
#include "pd-device-info.h"

G_BEGIN_DECLS

/* Documented in paperdock-cli --help and the README; scripts rely on them. */
typedef enum {
  PD_EXIT_OK = 0,
  PD_EXIT_FAILED = 1,
  PD_EXIT_USAGE = 2,
  PD_EXIT_SCANNER = 3,
  PD_EXIT_NOT_FOUND = 4,
  PD_EXIT_BAD_INPUT = 5,
  PD_EXIT_STORAGE = 6,
  PD_EXIT_CANCELLED = 130,
} PdExitCode;

PdExitCode  pd_cli_exit_code_for_error  (const GError      *error);
void        pd_cli_print_error          (const GError      *error);
int         pd_cli_fail                 (GError            *error);

void        pd_cli_json_add_document    (JsonBuilder       *builder,
                                         const PdDocument  *document);
void        pd_cli_json_add_device      (JsonBuilder       *builder,
                                         const PdDeviceInfo *device);
void        pd_cli_print_json           (JsonBuilder       *builder);
char       *pd_cli_format_time          (gint64             unix_usec);

guint       pd_cli_text_width           (const char        *text);
void        pd_cli_print_columns        (FILE              *out,
                                         const char        *first,
                                         guint              first_width,
                                         const char        *second,
                                         guint              second_width,
                                         const char        *third);

G_END_DECLS
