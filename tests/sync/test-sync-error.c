/* test-sync-error.c: the sync error domain on its own: Retry-After in both forms HTTP allows,
 * and the checks every connector applies to a remote path. */
#include <gio/gio.h>

#include "pd-sync-error.h"
#include "pd-sync-private.h"

static void
test_retry_after_delta (void)
{
  g_assert_cmpint (pd_sync_parse_retry_after ("120", NULL), ==, 120);
  g_assert_cmpint (pd_sync_parse_retry_after (" 7 ", NULL), ==, 7);
  g_assert_cmpint (pd_sync_parse_retry_after ("0", NULL), ==, 0);
  g_assert_cmpint (pd_sync_parse_retry_after ("-5", NULL), ==, -1);
  g_assert_cmpint (pd_sync_parse_retry_after ("soon", NULL), ==, -1);
  g_assert_cmpint (pd_sync_parse_retry_after ("", NULL), ==, -1);
  g_assert_cmpint (pd_sync_parse_retry_after (NULL, NULL), ==, -1);
}

static void
test_retry_after_date (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_utc (2026, 10, 21, 7, 27, 0);
  g_autoptr(GDateTime) current = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_seconds (current, 90.5);
  g_autofree char *header = g_date_time_format (later, "%a, %d %b %Y %H:%M:%S GMT");

  /* RFC 9110 IMF-fixdate, and the two obsolete forms a recipient must accept. */
  g_assert_cmpint (pd_sync_parse_retry_after ("Wed, 21 Oct 2026 07:28:00 GMT", now), ==, 60);
  g_assert_cmpint (pd_sync_parse_retry_after ("Wednesday, 21-Oct-26 07:28:00 GMT", now), ==, 60);
  g_assert_cmpint (pd_sync_parse_retry_after ("Wed Oct 21 07:28:00 2026", now), ==, 60);
  /* A date already past means now, not a negative wait. */
  g_assert_cmpint (pd_sync_parse_retry_after ("Wed, 21 Oct 2026 07:00:00 GMT", now), ==, 0);
  /* Without a reference time the current clock is used. */
  g_assert_cmpint (pd_sync_parse_retry_after (header, NULL), >=, 89);
  g_assert_cmpint (pd_sync_parse_retry_after (header, NULL), <=, 91);
  g_assert_cmpint (pd_sync_parse_retry_after ("Wed, 32 Oct 2026 07:28:00 GMT", now), ==, -1);
}

static void
test_error_details (void)
{
  g_autoptr(GError) error = g_error_new (PD_SYNC_ERROR, PD_SYNC_ERROR_THROTTLED, "busy");
  g_autoptr(GError) copy = NULL;
  g_autoptr(GError) other = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "other");

  g_assert_cmpint (pd_sync_error_get_retry_after (error), ==, -1);
  g_assert_cmpuint (pd_sync_error_get_http_status (error), ==, 0);
  _pd_sync_error_set_details (error, 429, 30);
  /* The engine may copy or prefix the error before it stores it. */
  copy = g_error_copy (error);
  g_prefix_error (&copy, "Upload: ");
  g_assert_cmpint (pd_sync_error_get_retry_after (copy), ==, 30);
  g_assert_cmpuint (pd_sync_error_get_http_status (copy), ==, 429);
  g_assert_true (pd_sync_error_is_retryable (copy));
  g_assert_cmpint (pd_sync_error_get_retry_after (other), ==, -1);
  g_assert_false (pd_sync_error_is_retryable (other));
}

static void
test_remote_paths (void)
{
  const char *bad[] = { "", "/abs.pdf", "a//b.pdf", "../up.pdf", "a/./b.pdf", "a/", "tab\there",
                        "back\\slash.pdf", "\xff\xfe.pdf", NULL };
  g_autofree char *long_name = g_strnfill (256, 'x');
  g_auto(GStrv) parts = NULL;

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) none = _pd_sync_split_remote_path (bad[i], &error);

      g_assert_null (none);
      g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_INVALID_NAME);
    }
  {
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) none = _pd_sync_split_remote_path (long_name, &error);

    g_assert_error (error, PD_SYNC_ERROR, PD_SYNC_ERROR_INVALID_NAME);
  }

  parts = _pd_sync_split_remote_path ("Invoices/2026/Rechnung für März.pdf", NULL);
  g_assert_nonnull (parts);
  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  g_assert_cmpstr (parts[2], ==, "Rechnung für März.pdf");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/sync/error/retry-after-delta", test_retry_after_delta);
  g_test_add_func ("/sync/error/retry-after-date", test_retry_after_date);
  g_test_add_func ("/sync/error/details", test_error_details);
  g_test_add_func ("/sync/error/remote-paths", test_remote_paths);

  return g_test_run ();
}
