/* fuzz-http-range.c: Content-Range (which bytes of an upload session a server says it holds)
 * and Range ("bytes=0-N", how far a resumable upload got) decide where an interrupted upload
 * resumes. A value that parses must describe a real range, and one that does not must leave
 * the caller's values alone (pd-http-range.h): otherwise a resume would skip or repeat bytes of
 * someone's document. */
#include "pd-fuzz.h"
#include "pd-http-range.h"

/* A value no parser writes, to see whether a failed parse touched the outputs. */
#define UNTOUCHED G_GUINT64_CONSTANT (0x5eed5eed5eed5eed)

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *value = NULL;
  guint64 start = UNTOUCHED, end = UNTOUCHED, total = UNTOUCHED;

  if (size > PD_FUZZ_MAX_INPUT)
    return 0;
  value = pd_fuzz_dup_string (data, size);

  if (_pd_content_range_parse (value, &start, &end, &total))
    {
      /* "bytes *\/N" has no range: start and end are then both G_MAXUINT64. */
      g_assert_true ((start == G_MAXUINT64) == (end == G_MAXUINT64));
      g_assert_false (start == G_MAXUINT64 && total == G_MAXUINT64);
      if (start != G_MAXUINT64)
        g_assert_cmpuint (start, <=, end);
      if (start != G_MAXUINT64 && total != G_MAXUINT64)
        g_assert_cmpuint (end, <, total);
    }
  else
    {
      g_assert_cmpuint (start, ==, UNTOUCHED);
      g_assert_cmpuint (end, ==, UNTOUCHED);
      g_assert_cmpuint (total, ==, UNTOUCHED);
    }
  (void) _pd_content_range_parse (value, NULL, NULL, NULL);

  end = UNTOUCHED;
  if (!_pd_range_header_parse (value, &end))
    g_assert_cmpuint (end, ==, UNTOUCHED);
  (void) _pd_range_header_parse (value, NULL);
  return 0;
}
