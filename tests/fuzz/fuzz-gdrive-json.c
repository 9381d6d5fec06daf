/* fuzz-gdrive-json.c: Google Drive answers (a file resource, an error body) are outside input;
 * the parsers promise to be total whatever comes back. */
#include "pd-connector.h"
#include "pd-fuzz.h"
#include "pd-gdrive-private.h"
#include "pd-sync-error.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PdRemoteInfo) info = pd_remote_info_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *file_id = NULL;
  g_autofree char *md5 = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *message = NULL;
  gboolean ok;

  if (size > PD_FUZZ_MAX_INPUT)
    return 0;

  ok = _pd_gdrive_parse_file ((const char *) data, size, info, &file_id, &md5, &error);
  g_assert_true (ok == (error == NULL));
  /* pd-gdrive-private.h: a file resource always has an id; anything else is an error of the
   * sync domain, which the engine knows how to show. */
  if (ok)
    {
      g_assert_nonnull (file_id);
      g_assert_nonnull (info->metadata);
    }
  else
    {
      g_assert_true (error->domain == PD_SYNC_ERROR);
      /* Messages reach labels and --json output, which need UTF-8. */
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }

  (void) _pd_gdrive_parse_error ((const char *) data, size, &reason, &message);
  return 0;
}
