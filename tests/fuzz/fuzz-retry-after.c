/* fuzz-retry-after.c: a Retry-After header decides how long a document waits before it is sent
 * again, so it must parse to a sane wait or to "unreadable" (-1), never to a negative wait or a
 * crash. The reference time is fixed so that a finding replays the same way. */
#include "pd-fuzz.h"
#include "pd-sync-error.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *value = NULL;
  g_autoptr(GDateTime) now = NULL;
  gint64 wait;

  if (size > PD_FUZZ_MAX_INPUT)
    return 0;
  value = pd_fuzz_dup_string (data, size);
  now = g_date_time_new_utc (2026, 10, 21, 7, 27, 0);
  wait = pd_sync_parse_retry_after (value, now);
  g_assert_cmpint (wait, >=, -1);
  /* The same value read against the clock gives an answer of the same kind. */
  g_assert_true ((pd_sync_parse_retry_after (value, NULL) == -1) == (wait == -1));
  return 0;
}
