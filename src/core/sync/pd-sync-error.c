/* pd-sync-error.c: the sync error domain. It is an extended GError domain so that an error can
 * carry, beside its code, the HTTP status it came from (for the journal) and the wait a server
 * asked for in Retry-After (for next_attempt_at): the engine gets both from the error alone. */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "pd-sync-error.h"
#include "pd-sync-private.h"

typedef struct {
  guint  http_status;  /* 0 when no HTTP response was involved */
  gint64 retry_after;  /* seconds, -1 when the server said nothing */
} PdSyncErrorPrivate;

static void
pd_sync_error_private_init (PdSyncErrorPrivate *priv)
{
  priv->http_status = 0;
  priv->retry_after = -1;
}

static void
pd_sync_error_private_copy (const PdSyncErrorPrivate *src,
                            PdSyncErrorPrivate       *dest)
{
  *dest = *src;
}

static void
pd_sync_error_private_clear (PdSyncErrorPrivate *priv)
{
}

G_DEFINE_EXTENDED_ERROR (PdSyncError, pd_sync_error)

void
_pd_sync_error_set_details (GError *error,
                            guint   http_status,
                            gint64  retry_after)
{
  PdSyncErrorPrivate *priv = pd_sync_error_get_private (error);

  g_assert (priv != NULL);
  priv->http_status = http_status;
  priv->retry_after = retry_after;
}

/**
 * pd_sync_error_get_retry_after:
 *
 * Returns: the number of seconds the server asked to wait before the next attempt (counted from
 * when its answer arrived), or -1 if the error is not a sync error or the server gave no
 * Retry-After. 0 means "now".
 */
gint64
pd_sync_error_get_retry_after (const GError *error)
{
  PdSyncErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, -1);

  if (error->domain != PD_SYNC_ERROR)
    return -1;
  priv = pd_sync_error_get_private (error);
  return priv != NULL ? priv->retry_after : -1;
}

/* Returns: the HTTP status of the answer that caused the error, 0 if none. */
guint
pd_sync_error_get_http_status (const GError *error)
{
  PdSyncErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, 0);

  if (error->domain != PD_SYNC_ERROR)
    return 0;
  priv = pd_sync_error_get_private (error);
  return priv != NULL ? priv->http_status : 0;
}

/* Whether the same request may succeed later without anybody doing anything. */
gboolean
pd_sync_error_is_retryable (const GError *error)
{
  g_return_val_if_fail (error != NULL, FALSE);

  return g_error_matches (error, PD_SYNC_ERROR, PD_SYNC_ERROR_TRANSIENT) ||
         g_error_matches (error, PD_SYNC_ERROR, PD_SYNC_ERROR_THROTTLED);
}

/**
 * pd_sync_parse_retry_after:
 * @value: (nullable): a Retry-After header value: delta-seconds ("120") or an HTTP-date
 *   ("Wed, 21 Oct 2026 07:28:00 GMT", and the two obsolete date forms)
 * @now: (nullable): the time the answer arrived; NULL for the current time
 *
 * Returns: seconds to wait, 0 for a date already past, -1 if @value is missing or unreadable.
 */
gint64
pd_sync_parse_retry_after (const char *value,
                           GDateTime  *now)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) current = NULL;
  GTimeSpan span;

  if (value == NULL)
    return -1;
  while (g_ascii_isspace (*value))
    value++;
  if (*value == '\0')
    return -1;

  if (g_ascii_isdigit (*value))
    {
      guint64 seconds;
      const char *end = value;

      while (g_ascii_isdigit (*end))
        end++;
      while (g_ascii_isspace (*end))
        end++;
      /* "3 Mar 2026" style dates start with a digit too: only all-digit values are a delay. */
      if (*end == '\0')
        {
          g_autofree char *trimmed = g_strstrip (g_strdup (value));

          if (!g_ascii_string_to_unsigned (trimmed, 10, 0, G_MAXINT64, &seconds, NULL))
            return -1;
          return (gint64) seconds;
        }
    }

  when = soup_date_time_new_from_http_string (value);
  if (when == NULL)
    return -1;
  current = now != NULL ? g_date_time_ref (now) : g_date_time_new_now_utc ();
  span = g_date_time_difference (when, current);
  if (span <= 0)
    return 0;
  /* Round up: waiting a fraction too long is harmless, asking a fraction early is not. */
  return (span + G_TIME_SPAN_SECOND - 1) / G_TIME_SPAN_SECOND;
}

char **
_pd_sync_split_remote_path (const char  *remote_path,
                            GError     **error)
{
  g_auto(GStrv) parts = NULL;
  const char *why = NULL;

  if (remote_path == NULL || *remote_path == '\0')
    why = "the name is empty";
  else if (!g_utf8_validate (remote_path, -1, NULL))
    why = "the name is not valid UTF-8";
  else if (remote_path[0] == '/')
    why = "it must be relative to the account’s folder";
  else
    {
      parts = g_strsplit (remote_path, "/", -1);
      for (guint i = 0; parts[i] != NULL && why == NULL; i++)
        {
          const char *p = parts[i];

          if (*p == '\0')
            why = "it has an empty folder name";
          else if (strcmp (p, ".") == 0 || strcmp (p, "..") == 0)
            why = "“.” and “..” are not allowed";
          else if (strlen (p) > 255)
            why = "a name is longer than 255 bytes";
          else
            for (const char *c = p; *c != '\0'; c++)
              if ((guchar) *c < 0x20 || *c == 0x7f || *c == '\\')
                {
                  why = "it contains a control character or a backslash";
                  break;
                }
        }
    }

  if (why != NULL)
    {
      g_set_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_INVALID_NAME,
                   "“%s” cannot be used as a file name on the destination: %s.",
                   remote_path != NULL ? remote_path : "", why);
      return NULL;
    }
  return g_steal_pointer (&parts);
}
