/* pd-task.c: running a GTask's work in a thread without its source object ever being finalized
 * in that thread. */
#include "config.h"

#include "pd-task.h"

typedef struct {
  GObject      *source;
  GMainContext *context;
  GThread      *thread;   /* the one that started the task: its context's */
} KeepAlive;

static void
keep_alive_release (gpointer data)
{
  KeepAlive *keep = data;

  g_object_unref (keep->source);
  g_free (keep);
}

/* The release is the idle's destroy notify: should the context go away before it runs (a
 * worker's own context), the object is let go of by whoever drops the context, on its thread. */
static gboolean
release_cb (gpointer data)
{
  return G_SOURCE_REMOVE;
}

/* Runs where the task is finalized, which may be the worker thread. */
static void
keep_alive_free (gpointer data)
{
  KeepAlive *keep = data;
  GMainContext *context = keep->context;
  g_autoptr(GSource) source = NULL;

  if (g_thread_self () == keep->thread || g_main_context_is_owner (context))
    {
      keep_alive_release (keep);
      g_main_context_unref (context);
      return;
    }
  source = g_idle_source_new ();
  g_source_set_callback (source, release_cb, keep, keep_alive_release);
  g_source_set_static_name (source, "[pd-task] release source object");
  g_source_attach (source, context);
  g_main_context_unref (context);
}

/**
 * pd_task_run_in_thread:
 * @task: a task whose source object belongs to its context's thread
 * @task_func: what to run in the thread
 *
 * g_task_run_in_thread() drops its own reference to @task in the worker once @task_func has
 * returned. When the callback has already run on the context by then, that is the task's last
 * reference, and the task lets go of its source object in the worker: if that was the source
 * object's last reference too (a window closed meanwhile, a test dropping the object), it is
 * finalized there, off its thread, with whatever that breaks (widgets, timers, weak pointers
 * nobody is woken for). Here the task keeps one more reference to its source object, which it
 * gives back on its own context.
 */
void
pd_task_run_in_thread (GTask           *task,
                       GTaskThreadFunc  task_func)
{
  gpointer source = g_task_get_source_object (task);

  if (source != NULL)
    {
      KeepAlive *keep = g_new0 (KeepAlive, 1);

      keep->source = g_object_ref (source);
      keep->context = g_main_context_ref (g_task_get_context (task));
      keep->thread = g_thread_self ();
      g_object_set_data_full (G_OBJECT (task), "pd-task-keep-alive", keep, keep_alive_free);
    }
  g_task_run_in_thread (task, task_func);
}
