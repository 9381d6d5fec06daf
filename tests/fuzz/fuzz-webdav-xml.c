/* fuzz-webdav-xml.c: what a WebDAV server answers to PROPFIND and PROPPATCH (207 multistatus
 * XML) is outside input: a misconfigured proxy, a captive portal or a hostile server can send
 * anything. Both parsers read the same bytes; what they report must stay consistent. */
#include "pd-fuzz.h"
#include "pd-webdav-xml.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PdRemoteInfo) info = pd_remote_info_new ();
  gboolean is_collection = TRUE;
  guint failed_status = 0;

  if (size > PD_FUZZ_MAX_INPUT)
    return 0;

  if (_pd_webdav_parse_propfind ((const char *) data, size, info, &is_collection))
    {
      g_assert_true (info->exists);
      g_assert_nonnull (info->metadata);
      /* libxml2 hands out UTF-8, and the etag goes back to the server in If-Match. */
      if (info->etag != NULL)
        g_assert_true (g_utf8_validate (info->etag, -1, NULL));
    }
  else
    g_assert_false (is_collection);

  (void) _pd_webdav_parse_proppatch ((const char *) data, size, &failed_status);
  return 0;
}
