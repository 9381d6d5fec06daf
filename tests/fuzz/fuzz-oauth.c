/* fuzz-oauth.c: the query string the browser sends to the loopback redirect (any web page can
 * make a browser request it) and the token and device endpoints' JSON answers are outside
 * input. The input is all three: its first line is read as a redirect query, all of it as a
 * token answer and as a device authorization answer. Beyond not crashing, each parser must
 * keep the promise of pd-oauth-private.h about what it sets. */
#include <string.h>

#include "pd-fuzz.h"
#include "pd-oauth-private.h"

static void
check_redirect (const char *query)
{
  g_autofree char *code = NULL;
  g_autofree char *state = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = _pd_oauth_parse_redirect (query, &code, &state, &error);
  g_assert_true (ok == (error == NULL));
  if (ok)
    g_assert_nonnull (code);
  else
    g_assert_true (error->domain == PD_OAUTH_ERROR);
  /* Messages reach labels and --json output, which need UTF-8. */
  if (error != NULL)
    g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
check_token (const char *json,
             gsize       len)
{
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *error_code = NULL;
  g_autoptr(GError) error = NULL;
  gint64 expires_in = 0;
  gboolean ok;

  ok = _pd_oauth_parse_token_response (json, len, &access_token, &refresh_token, &expires_in,
                                       &error_code, &error);
  g_assert_true (ok == (error == NULL));
  if (!ok)
    {
      g_assert_error (error, PD_OAUTH_ERROR, PD_OAUTH_ERROR_PROTOCOL);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return;
    }
  /* Either a token or an OAuth error, never both and never neither. */
  g_assert_true ((access_token != NULL) != (error_code != NULL));
  if (error_code != NULL)
    g_assert_null (refresh_token);
}

static void
check_device (const char *json,
              gsize       len)
{
  g_autofree char *device_code = NULL;
  g_autofree char *user_code = NULL;
  g_autofree char *verification_uri = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;
  gint64 expires_in = 0, interval = 0;
  gboolean ok;

  ok = _pd_oauth_parse_device_response (json, len, &device_code, &user_code, &verification_uri,
                                        &message, &expires_in, &interval, &error);
  g_assert_true (ok == (error == NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *query = NULL;
  char *newline;

  if (size > PD_FUZZ_MAX_INPUT)
    return 0;

  query = pd_fuzz_dup_string (data, size);
  newline = strchr (query, '\n');
  if (newline != NULL)
    *newline = '\0';
  check_redirect (query);
  check_token ((const char *) data, size);
  check_device ((const char *) data, size);
  return 0;
}
