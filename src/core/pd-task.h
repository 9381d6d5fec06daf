/* pd-task.h: running a GTask's work in a thread without its source object ever being finalized
 * in that thread. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void pd_task_run_in_thread (GTask           *task,
                            GTaskThreadFunc  task_func);

G_END_DECLS
