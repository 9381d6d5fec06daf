/* fuzz-naming.c: naming templates come from profiles, and profiles come from files other people
 * hand over ("profiles import"), so a template is outside input. The input's first line is the
 * template, the rest stands for the OCR text that {ocr:REGEX} searches. Each template is rendered
 * as a name and as a folder against one fixed document, and whatever comes out must be a name
 * every destination accepts (the promise of pd-naming.h), not merely not crash. */
#include <string.h>

#include "pd-fuzz.h"
#include "pd-naming.h"

/* OCR text and templates longer than this only make {ocr:} slower, not more interesting. */
#define MAX_NAMING_INPUT 4096

static void
assert_safe_component (const char *name,
                       gsize       max_bytes)
{
  gsize len = strlen (name);

  g_assert_true (g_utf8_validate (name, -1, NULL));
  g_assert_cmpuint (len, >, 0);
  g_assert_cmpuint (len, <=, max_bytes);
  g_assert_null (strpbrk (name, "/\\:*?\"<>|"));
  g_assert_null (strstr (name, ".."));
  g_assert_false (name[0] == '.' || name[0] == ' ');
  g_assert_false (name[len - 1] == '.' || name[len - 1] == ' ');
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    g_assert_false (g_unichar_iscntrl (g_utf8_get_char (p)));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *input = NULL;
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) folder_error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *folder = NULL;
  PdNamingContext ctx = {
    .user = "TeamMember",
    .host = "office-laptop",
    .profile = "Claims",
    .counter = 42,
    .barcode = "SEP-0042",
    .pages = 3,
  };
  char *newline;
  gboolean valid;

  if (size > MAX_NAMING_INPUT)
    return 0;
  input = pd_fuzz_dup_string (data, size);
  newline = strchr (input, '\n');
  if (newline != NULL)
    {
      *newline = '\0';
      ctx.ocr_text = newline + 1;
    }
  time = g_date_time_new_utc (2026, 4, 4, 9, 5, 7);
  ctx.time = time;

  valid = pd_naming_check_template (input, NULL);
  name = pd_naming_render (input, &ctx, &error);
  g_assert_true ((name != NULL) == (error == NULL));
  if (name != NULL)
    {
      /* A template the checker refuses must not render, and one it accepts may only fail
       * because nothing usable is left once the values are made safe. */
      g_assert_true (valid);
      assert_safe_component (name, PD_NAMING_MAX_NAME_BYTES);
    }
  else if (valid)
    g_assert_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_EMPTY);

  valid = pd_naming_check_folder_template (input, NULL);
  folder = pd_naming_render_folder (input, &ctx, &folder_error);
  g_assert_true ((folder != NULL) == (folder_error == NULL));
  if (folder != NULL)
    {
      g_auto(GStrv) parts = NULL;

      g_assert_true (valid);
      g_assert_cmpuint (g_utf8_strlen (folder, -1), <=, PD_NAMING_MAX_FOLDER_CHARS);
      if (*folder != '\0')
        {
          parts = g_strsplit (folder, "/", -1);
          for (guint i = 0; parts[i] != NULL; i++)
            assert_safe_component (parts[i], PD_NAMING_MAX_NAME_BYTES);
        }
    }

  (void) pd_naming_template_uses_counter (input);
  return 0;
}
