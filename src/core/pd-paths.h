/* pd-paths.h: where Paperdock finds its data (demo pages, SANE config) and keeps its library,
 * and the process set-up every executable does first thing in main(). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *pd_paths_get_data_dir            (void);
char       *pd_paths_dup_default_library_dir (void);

void        pd_process_prepare               (int    argc,
                                              char **argv);

G_END_DECLS
