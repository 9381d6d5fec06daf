/* pd-cli-profiles.h: "paperdock-cli profiles": list, show, add, edit, remove, export, import and
 * preview scan profiles, and switch the library's "profile required" rule. */
#pragma once

#include "pd-library.h"

G_BEGIN_DECLS

/* @argv[0] is "profiles", @argv[1] the subcommand. Returns a PdExitCode. */
int  pd_cli_profiles_main  (PdLibrary  *library,
                            int         argc,
                            char      **argv);

G_END_DECLS
