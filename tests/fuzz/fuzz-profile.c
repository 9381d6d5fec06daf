/* fuzz-profile.c: profile files ("profiles export" on one laptop, "profiles import" on another)
 * are handed around by e-mail and USB sticks, so pd_profile_list_from_data () reads outside
 * input. Beyond not crashing, everything it accepts must be a valid profile, and writing the
 * profiles out again and reading that back must give the same profiles: otherwise an import
 * followed by an export would quietly change someone's settings. */
#include "pd-fuzz.h"
#include "pd-profile.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *written = NULL;
  gsize written_len = 0;

  if (size > PD_FUZZ_MAX_INPUT)
    return 0;
  profiles = pd_profile_list_from_data ((const char *) data, size, &error);
  g_assert_true ((profiles != NULL) == (error == NULL));
  if (profiles == NULL)
    {
      g_assert_true (error->domain == PD_PROFILE_ERROR);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }

  for (guint i = 0; i < profiles->len; i++)
    {
      const PdProfile *profile = g_ptr_array_index (profiles, i);
      g_autofree char *page_size = pd_profile_dup_page_size (profile);
      g_autofree char *account = NULL;
      g_autofree char *folder = NULL;

      g_assert_true (pd_profile_validate (profile, NULL));
      g_assert_nonnull (page_size);
      (void) pd_profile_split_destination (profile, &account, &folder);
    }

  written = pd_profile_list_to_data (profiles, &written_len);
  again = pd_profile_list_from_data (written, written_len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->len, ==, profiles->len);
  for (guint i = 0; i < profiles->len; i++)
    g_assert_true (pd_profile_equal (g_ptr_array_index (profiles, i),
                                     g_ptr_array_index (again, i)));
  return 0;
}
