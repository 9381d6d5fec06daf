/* pd-app-job.c: library work on a worker thread (see pd-app-job.h), and two small formatting
 * helpers the views share. */
#define G_LOG_DOMAIN "pd-app"

#include "config.h"

#include <glib/gi18n.h>

#include "pd-app-job.h"
#include "pd-task.h"

typedef struct {
  PdAppJobFunc    func;
  gpointer        data;
  GDestroyNotify  data_free;
} Job;

typedef struct {
  gpointer        value;
  GDestroyNotify  free_func;
} JobResult;

static void
job_free (Job *job)
{
  if (job->data_free != NULL && job->data != NULL)
    job->data_free (job->data);
  g_free (job);
}

static void
job_result_free (JobResult *result)
{
  if (result->free_func != NULL && result->value != NULL)
    result->free_func (result->value);
  g_free (result);
}

static void
job_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Job *job = task_data;
  JobResult *result = g_new0 (JobResult, 1);
  GError *error = NULL;

  if (!job->func (PD_LIBRARY (source_object), job->data, &result->value, &result->free_func,
                  cancellable, &error))
    {
      job_result_free (result);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, result, (GDestroyNotify) job_result_free);
}

/**
 * pd_app_job_run:
 * @data: (transfer full): handed to @func, freed with @data_free once the job is over
 *
 * Runs @func on a worker thread; @callback runs on the calling thread's main context.
 */
void
pd_app_job_run (PdLibrary           *library,
                PdAppJobFunc         func,
                gpointer             data,
                GDestroyNotify       data_free,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (PD_IS_LIBRARY (library));
  g_return_if_fail (func != NULL);

  job = g_new0 (Job, 1);
  job->func = func;
  job->data = data;
  job->data_free = data_free;

  task = g_task_new (library, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_app_job_run);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  pd_task_run_in_thread (task, job_thread);
}

/**
 * pd_app_job_finish:
 * @out: (out) (optional) (transfer full): what the job produced, or %NULL
 *
 * Returns: %TRUE if the job succeeded; %FALSE with @error otherwise, including
 *   %G_IO_ERROR_CANCELLED when the cancellable was cancelled meanwhile
 */
gboolean
pd_app_job_finish (GAsyncResult  *result,
                   gpointer      *out,
                   GError       **error)
{
  JobResult *got;
  GCancellable *cancellable;

  g_return_val_if_fail (G_IS_TASK (result), FALSE);

  if (out != NULL)
    *out = NULL;

  got = g_task_propagate_pointer (G_TASK (result), error);
  if (got == NULL)
    return FALSE;

  /* Work finished after its cancellable fired counts as cancelled: the caller moved on. */
  cancellable = g_task_get_cancellable (G_TASK (result));
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      job_result_free (got);
      return FALSE;
    }

  if (out != NULL)
    {
      *out = got->value;
      got->value = NULL;
    }
  job_result_free (got);
  return TRUE;
}

/**
 * pd_app_job_get_data:
 *
 * Returns: (transfer none): the data the job was started with, valid during the callback
 */
gpointer
pd_app_job_get_data (GAsyncResult *result)
{
  Job *job;

  g_return_val_if_fail (G_IS_TASK (result), NULL);

  job = g_task_get_task_data (G_TASK (result));
  return job != NULL ? job->data : NULL;
}

char *
pd_app_snippet_to_markup (const char *snippet)
{
  GString *markup;
  gboolean open = FALSE;

  g_return_val_if_fail (snippet != NULL, NULL);

  markup = g_string_new (NULL);
  for (const char *p = snippet; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (*p == '[' && !open)
        {
          g_string_append (markup, "<b>");
          open = TRUE;
        }
      else if (*p == ']' && open)
        {
          g_string_append (markup, "</b>");
          open = FALSE;
        }
      else
        {
          g_autofree char *escaped = g_markup_escape_text (p, g_utf8_next_char (p) - p);

          g_string_append (markup, escaped);
        }
    }
  /* The library cuts snippets to a number of words; never leave the markup unbalanced. */
  if (open)
    g_string_append (markup, "</b>");

  return g_string_free (markup, FALSE);
}

char *
pd_app_format_time (gint64 time_us)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = NULL;

  when = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);
  if (when == NULL || time_us <= 0)
    return g_strdup ("");
  now = g_date_time_new_now_local ();

  if (g_date_time_get_year (when) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (now))
    /* Translators: a time today, see g_date_time_format() */
    return g_date_time_format (when, _("Today %H:%M"));

  /* Translators: a date and time before today, see g_date_time_format() */
  return g_date_time_format (when, _("%e %B %Y %H:%M"));
}
