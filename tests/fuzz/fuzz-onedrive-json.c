/* fuzz-onedrive-json.c: Microsoft Graph answers (a driveItem after an upload or a stat, an
 * upload session) are outside input: a proxy, a captive portal or a changed API can send
 * anything, and the parsers promise to be total (pd-onedrive-private.h). The input is also read
 * as a driveItem description, where Paperdock keeps its metadata: what is read from there and
 * written back must read the same again, or every sync would see a changed file. */
#include "pd-connector.h"
#include "pd-fuzz.h"
#include "pd-onedrive-private.h"

static void
check_description (const char *description)
{
  g_autoptr(GHashTable) metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) again = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *written = NULL;
  GHashTableIter iter;
  gpointer key, value;

  _pd_onedrive_parse_description (description, metadata);
  written = _pd_onedrive_format_description (metadata, NULL);
  if (written == NULL)
    return;
  _pd_onedrive_parse_description (written, again);
  g_assert_cmpuint (g_hash_table_size (again), ==, g_hash_table_size (metadata));
  g_hash_table_iter_init (&iter, metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_cmpstr (g_hash_table_lookup (again, key), ==, value);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PdRemoteInfo) info = pd_remote_info_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) session_error = NULL;
  g_autofree char *upload_url = NULL;
  g_autofree char *description = NULL;
  gint64 expires = 0;
  guint64 next_start = 0;
  gboolean ok;

  if (size > PD_FUZZ_MAX_INPUT)
    return 0;

  ok = _pd_onedrive_parse_item ((const char *) data, size, info, &error);
  g_assert_true (ok == (error == NULL));
  if (ok)
    g_assert_nonnull (info->metadata);
  else
    g_assert_true (g_utf8_validate (error->message, -1, NULL));

  ok = _pd_onedrive_parse_session ((const char *) data, size, &upload_url, &expires, &next_start,
                                   &session_error);
  g_assert_true (ok == (session_error == NULL));
  (void) _pd_onedrive_parse_session ((const char *) data, size, NULL, NULL, NULL, NULL);

  description = pd_fuzz_dup_string (data, size);
  check_description (description);
  return 0;
}
