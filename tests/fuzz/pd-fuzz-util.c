/* pd-fuzz-util.c: helpers shared by the harnesses, linked into both the libFuzzer and the
 * corpus-driver builds. */
#include "pd-fuzz.h"

#include <string.h>

char *
pd_fuzz_dup_string (const uint8_t *data,
                    size_t         size)
{
  const uint8_t *nul = memchr (data, '\0', size);

  return g_strndup ((const char *) data, nul != NULL ? (gsize) (nul - data) : size);
}
