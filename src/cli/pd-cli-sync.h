/* pd-cli-sync.h: the sync commands of paperdock-cli: accounts, sync, inbox, resolve, log --sync. */
#pragma once

#include "pd-library.h"

G_BEGIN_DECLS

/* @command is "accounts", "sync", "inbox", "resolve" or "log" (the sync log); @argv[0] is the
 * command itself. Returns a PdExitCode. */
int  pd_cli_sync_main  (PdLibrary   *library,
                        const char  *command,
                        int          argc,
                        char       **argv);

G_END_DECLS
