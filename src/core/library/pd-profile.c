/* pd-profile.c: scan profiles as values: defaults, validation with messages that name the field
 * and say why, page sizes by name or in millimetres, and the key file that carries profiles
 * between machines. Storing them is pd-library.c's job; the "profile required" rule that a scan
 * checks first is here, on top of the library's settings. */
#define G_LOG_DOMAIN "pd-library"

#include "config.h"

#include <math.h>
#include <string.h>

#include "pd-library-error.h"
#include "pd-naming.h"
#include "pd-profile.h"

G_DEFINE_QUARK (pd-profile-error-quark, pd_profile_error)

#define DEFAULT_RESOLUTION     300
#define DEFAULT_LANGS          "eng"
#define DEFAULT_NAME_TEMPLATE  "{profile} {date} {counter:3}"
#define DEFAULT_JPEG_QUALITY   75

#define MIN_RESOLUTION         50
#define MAX_RESOLUTION         4800
#define MIN_PAGE_MM            10.0
#define MAX_PAGE_MM            6000.0  /* long-document feeders reach a few metres */
#define MAX_DEVICE_BYTES       256

/* The group and keys of the export format. */
#define FILE_GROUP             "Paperdock"
#define FILE_FORMAT            "paperdock-profiles"
#define PROFILE_GROUP_PREFIX   "Profile "

static const struct {
  const char *name;
  double      width_mm;
  double      height_mm;
} page_sizes[] = {
  { "A3", 297, 420 },
  { "A4", 210, 297 },
  { "A5", 148, 210 },
  { "A6", 105, 148 },
  { "B5", 176, 250 },
  { "Letter", 215.9, 279.4 },
  { "Legal", 215.9, 355.6 },
  { "Executive", 184.2, 266.7 },
};

/* Enumerations */

static const char *const blank_names[] = { "keep", "flag", "remove" };
static const char *const separation_names[] = { "none", "every-page", "every-scan", "barcode" };

const char *
pd_blank_policy_to_string (PdBlankPolicy policy)
{
  if ((guint) policy >= G_N_ELEMENTS (blank_names))
    return NULL;
  return blank_names[policy];
}

gboolean
pd_blank_policy_from_string (const char    *str,
                             PdBlankPolicy *policy)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (blank_names); i++)
    {
      if (g_ascii_strcasecmp (str, blank_names[i]) == 0)
        {
          *policy = (PdBlankPolicy) i;
          return TRUE;
        }
    }
  return FALSE;
}

const char *
pd_separation_to_string (PdSeparation separation)
{
  if ((guint) separation >= G_N_ELEMENTS (separation_names))
    return NULL;
  return separation_names[separation];
}

gboolean
pd_separation_from_string (const char   *str,
                           PdSeparation *separation)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (separation_names); i++)
    {
      if (g_ascii_strcasecmp (str, separation_names[i]) == 0)
        {
          *separation = (PdSeparation) i;
          return TRUE;
        }
    }
  return FALSE;
}

/* Values */

PdProfile *
pd_profile_new (const char *name)
{
  PdProfile *profile = g_new0 (PdProfile, 1);

  g_return_val_if_fail (name != NULL, NULL);

  /* What most offices want without thinking: searchable gray scans at 300 dpi, straightened,
   * blank pages kept but pointed out, a name that sorts by date and never repeats. */
  profile->name = g_strdup (name);
  profile->source = PD_SCAN_SOURCE_AUTO;
  profile->resolution = DEFAULT_RESOLUTION;
  profile->mode = PD_SCAN_MODE_GRAY;
  profile->deskew = TRUE;
  profile->orientation = TRUE;
  profile->crop_border = FALSE;
  profile->clean_background = TRUE;
  profile->blank = PD_BLANK_POLICY_FLAG;
  profile->flag_blurry = TRUE;
  profile->langs = g_strdup (DEFAULT_LANGS);
  profile->separation = PD_SEPARATION_NONE;
  profile->name_template = g_strdup (DEFAULT_NAME_TEMPLATE);
  profile->jpeg_quality = DEFAULT_JPEG_QUALITY;
  return profile;
}

PdProfile *
pd_profile_copy (const PdProfile *profile)
{
  PdProfile *copy;

  g_return_val_if_fail (profile != NULL, NULL);

  copy = g_memdup2 (profile, sizeof *profile);
  copy->name = g_strdup (profile->name);
  copy->device = g_strdup (profile->device);
  copy->langs = g_strdup (profile->langs);
  copy->separator_pattern = g_strdup (profile->separator_pattern);
  copy->name_template = g_strdup (profile->name_template);
  copy->destination = g_strdup (profile->destination);
  return copy;
}

void
pd_profile_free (PdProfile *profile)
{
  if (profile == NULL)
    return;
  g_free (profile->name);
  g_free (profile->device);
  g_free (profile->langs);
  g_free (profile->separator_pattern);
  g_free (profile->name_template);
  g_free (profile->destination);
  g_free (profile);
}

/* An unset text field and an empty one mean the same. */
static gboolean
text_equal (const char *a,
            const char *b)
{
  return g_strcmp0 (a != NULL ? a : "", b != NULL ? b : "") == 0;
}

static gboolean
bool_equal (gboolean a,
            gboolean b)
{
  return !a == !b;
}

gboolean
pd_profile_equal (const PdProfile *a,
                  const PdProfile *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  return text_equal (a->name, b->name) &&
         text_equal (a->device, b->device) &&
         a->source == b->source &&
         a->resolution == b->resolution &&
         a->mode == b->mode &&
         fabs (a->page_width_mm - b->page_width_mm) < 0.05 &&
         fabs (a->page_height_mm - b->page_height_mm) < 0.05 &&
         bool_equal (a->deskew, b->deskew) &&
         bool_equal (a->orientation, b->orientation) &&
         bool_equal (a->crop_border, b->crop_border) &&
         bool_equal (a->clean_background, b->clean_background) &&
         a->blank == b->blank &&
         bool_equal (a->flag_blurry, b->flag_blurry) &&
         text_equal (a->langs, b->langs) &&
         a->separation == b->separation &&
         text_equal (a->separator_pattern, b->separator_pattern) &&
         text_equal (a->name_template, b->name_template) &&
         text_equal (a->destination, b->destination) &&
         a->jpeg_quality == b->jpeg_quality &&
         a->downsample_dpi == b->downsample_dpi &&
         bool_equal (a->pdfa, b->pdfa) &&
         bool_equal (a->encrypt, b->encrypt);
}

static gboolean
has_control_chars (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (g_unichar_iscntrl (g_utf8_get_char (p)))
        return TRUE;
    }
  return FALSE;
}

static gboolean
validate_name (const char  *name,
               GError     **error)
{
  if (name == NULL || *name == '\0')
    {
      g_set_error_literal (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                           "A profile needs a name, such as “Invoices”.");
      return FALSE;
    }
  if (!g_utf8_validate (name, -1, NULL) || has_control_chars (name))
    {
      g_set_error_literal (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                           "A profile name must be plain text, without line breaks or other "
                           "control characters.");
      return FALSE;
    }
  if (g_unichar_isspace (g_utf8_get_char (name)) ||
      g_unichar_isspace (g_utf8_get_char (g_utf8_find_prev_char (name, name + strlen (name)))))
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "The profile name “%s” starts or ends with a space; take it out so the "
                   "name can be typed again.", name);
      return FALSE;
    }
  if (g_utf8_strlen (name, -1) > PD_PROFILE_MAX_NAME_CHARS)
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "The profile name “%s” is too long: use at most %u characters.", name,
                   PD_PROFILE_MAX_NAME_CHARS);
      return FALSE;
    }
  /* Square brackets would end the group header of an exported profile. */
  if (strpbrk (name, "[]") != NULL)
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "The profile name “%s” contains a square bracket, which profile files "
                   "cannot hold; use round brackets instead.", name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_langs (const PdProfile  *profile,
                GError          **error)
{
  const char *langs = profile->langs;
  gboolean ok = langs != NULL && *langs != '\0' && *langs != '+';

  for (const char *p = langs; ok && *p != '\0'; p++)
    {
      /* tesseract names: "eng", "chi_sim", "script/Latin", joined with '+' */
      if (!(g_ascii_isalnum (*p) || *p == '_' || *p == '-' || *p == '/' ||
            (*p == '+' && p[1] != '\0' && p[1] != '+')))
        ok = FALSE;
    }
  if (!ok)
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "The OCR languages of profile “%s” (“%s”) must be tesseract language names "
                   "joined with “+”, such as “eng” or “eng+deu”.", profile->name,
                   langs != NULL ? langs : "");
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_destination (const PdProfile  *profile,
                      GError          **error)
{
  g_autofree char *account = NULL;
  g_autofree char *folder = NULL;
  g_autoptr(GError) local_error = NULL;

  if (profile->destination == NULL || *profile->destination == '\0')
    return TRUE;
  if (!g_utf8_validate (profile->destination, -1, NULL) ||
      has_control_chars (profile->destination) ||
      !pd_profile_split_destination (profile, &account, &folder) || *account == '\0')
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "The destination of profile “%s” (“%s”) must be an account and a folder "
                   "separated by a colon, such as “office-onedrive:Invoices/{year}”.",
                   profile->name, profile->destination);
      return FALSE;
    }
  if (!pd_naming_check_folder_template (folder, &local_error))
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "The destination folder of profile “%s” is not right: %s", profile->name,
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
pd_profile_validate (const PdProfile  *profile,
                     GError          **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (profile != NULL, FALSE);

  if (!validate_name (profile->name, error))
    return FALSE;

  if (profile->device != NULL &&
      (!g_utf8_validate (profile->device, -1, NULL) || has_control_chars (profile->device) ||
       strlen (profile->device) > MAX_DEVICE_BYTES))
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "The scanner of profile “%s” is not a device name; pick one from the list "
                   "of scanners (“paperdock-cli devices”).", profile->name);
      return FALSE;
    }
  /* Range checks, not pd_scan_*_to_string (), which would complain loudly. */
  if ((guint) profile->source > PD_SCAN_SOURCE_DUPLEX)
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "The paper source of profile “%s” must be auto, flatbed, adf or duplex.",
                   profile->name);
      return FALSE;
    }
  if (profile->resolution < MIN_RESOLUTION || profile->resolution > MAX_RESOLUTION)
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "The resolution of profile “%s” is %u dpi; it must be between %u and %u "
                   "(300 suits most documents).", profile->name, profile->resolution,
                   MIN_RESOLUTION, MAX_RESOLUTION);
      return FALSE;
    }
  if ((guint) profile->mode > PD_SCAN_MODE_COLOR)
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "The mode of profile “%s” must be text, gray or color.", profile->name);
      return FALSE;
    }
  if (!(profile->page_width_mm == 0 && profile->page_height_mm == 0) &&
      !(profile->page_width_mm >= MIN_PAGE_MM && profile->page_width_mm <= MAX_PAGE_MM &&
        profile->page_height_mm >= MIN_PAGE_MM && profile->page_height_mm <= MAX_PAGE_MM))
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "The page size of profile “%s” (%.1f × %.1f mm) must be between %.0f and "
                   "%.0f mm each way, or “auto” for the scanner's whole area.", profile->name,
                   profile->page_width_mm, profile->page_height_mm, MIN_PAGE_MM, MAX_PAGE_MM);
      return FALSE;
    }
  if (pd_blank_policy_to_string (profile->blank) == NULL)
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "What profile “%s” does with blank pages must be keep, flag or remove.",
                   profile->name);
      return FALSE;
    }
  if (!validate_langs (profile, error))
    return FALSE;
  if (pd_separation_to_string (profile->separation) == NULL)
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "The separation of profile “%s” must be none, every-page, every-scan or "
                   "barcode.", profile->name);
      return FALSE;
    }
  if (profile->separation == PD_SEPARATION_BARCODE &&
      (profile->separator_pattern == NULL || *profile->separator_pattern == '\0'))
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "Profile “%s” separates documents at barcodes but has no barcode pattern; "
                   "give one, such as “^PATCH” or “.*” for any barcode.", profile->name);
      return FALSE;
    }
  if (profile->separator_pattern != NULL && *profile->separator_pattern != '\0')
    {
      g_autoptr(GRegex) regex = g_regex_new (profile->separator_pattern, 0, 0, &local_error);

      if (regex == NULL)
        {
          g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                       "The barcode pattern of profile “%s” is not a valid regular expression: "
                       "%s.", profile->name, local_error->message);
          return FALSE;
        }
    }
  if (profile->name_template == NULL || *profile->name_template == '\0')
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "Profile “%s” needs a naming template, such as “{date}_{counter:3}”.",
                   profile->name);
      return FALSE;
    }
  if (!pd_naming_check_template (profile->name_template, &local_error))
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "The naming template of profile “%s” is not right: %s", profile->name,
                   local_error->message);
      return FALSE;
    }
  if (!validate_destination (profile, error))
    return FALSE;
  if (profile->jpeg_quality < 1 || profile->jpeg_quality > 100)
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "The JPEG quality of profile “%s” is %u; it must be between 1 and 100 "
                   "(75 is a good balance).", profile->name, profile->jpeg_quality);
      return FALSE;
    }
  if (profile->downsample_dpi != 0 &&
      (profile->downsample_dpi < MIN_RESOLUTION || profile->downsample_dpi > profile->resolution))
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "Profile “%s” would downsample to %u dpi; that must be between %u and the "
                   "scan resolution (%u dpi), or 0 to keep the scan resolution.", profile->name,
                   profile->downsample_dpi, MIN_RESOLUTION, profile->resolution);
      return FALSE;
    }
  if (profile->pdfa && profile->encrypt)
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "Profile “%s” asks for PDF/A and encryption, but PDF/A does not allow "
                   "encrypted files; switch one of them off.", profile->name);
      return FALSE;
    }
  return TRUE;
}

gboolean
pd_profile_split_destination (const PdProfile  *profile,
                              char            **account,
                              char            **folder_template)
{
  const char *colon;

  g_return_val_if_fail (profile != NULL, FALSE);

  if (profile->destination == NULL || *profile->destination == '\0')
    return FALSE;
  colon = strchr (profile->destination, ':');
  if (colon == NULL)
    return FALSE;
  if (account != NULL)
    *account = g_strndup (profile->destination, (gsize) (colon - profile->destination));
  if (folder_template != NULL)
    *folder_template = g_strdup (colon + 1);
  return TRUE;
}

/* Page sizes */

static double
round_tenth (double mm)
{
  return round (mm * 10.0) / 10.0;
}

static void
append_mm (GString *out,
           double   mm)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  gsize len;

  g_ascii_formatd (buf, sizeof buf, "%.1f", round_tenth (mm));
  len = strlen (buf);
  if (len > 2 && g_str_has_suffix (buf, ".0"))
    buf[len - 2] = '\0';
  g_string_append (out, buf);
}

static gboolean
parse_mm (const char *text,
          double     *mm)
{
  char *end = NULL;
  double value;

  if (*text == '\0' || g_ascii_isspace (*text))
    return FALSE;
  value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (value))
    return FALSE;
  *mm = round_tenth (value);
  return TRUE;
}

gboolean
pd_profile_set_page_size (PdProfile   *profile,
                          const char  *size,
                          GError     **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) sides = NULL;
  double width, height;

  g_return_val_if_fail (profile != NULL, FALSE);
  g_return_val_if_fail (size != NULL, FALSE);

  text = g_strstrip (g_ascii_strdown (size, -1));
  if (g_str_equal (text, "auto") || *text == '\0')
    {
      profile->page_width_mm = 0;
      profile->page_height_mm = 0;
      return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (page_sizes); i++)
    {
      if (g_ascii_strcasecmp (text, page_sizes[i].name) == 0)
        {
          profile->page_width_mm = page_sizes[i].width_mm;
          profile->page_height_mm = page_sizes[i].height_mm;
          return TRUE;
        }
    }

  if (g_str_has_suffix (text, "mm"))
    text[strlen (text) - 2] = '\0';
  g_strstrip (text);
  sides = g_strsplit (text, "x", -1);
  if (g_strv_length (sides) != 2 ||
      !parse_mm (g_strstrip (sides[0]), &width) || !parse_mm (g_strstrip (sides[1]), &height) ||
      width < MIN_PAGE_MM || width > MAX_PAGE_MM || height < MIN_PAGE_MM || height > MAX_PAGE_MM)
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "The page size “%s” is neither a known size (A3, A4, A5, A6, B5, Letter, "
                   "Legal, Executive, auto) nor a width and height in millimetres between "
                   "%.0f and %.0f, such as “210x297”.", size, MIN_PAGE_MM, MAX_PAGE_MM);
      return FALSE;
    }
  profile->page_width_mm = width;
  profile->page_height_mm = height;
  return TRUE;
}

char *
pd_profile_dup_page_size (const PdProfile *profile)
{
  GString *out;

  g_return_val_if_fail (profile != NULL, NULL);

  if (profile->page_width_mm == 0 && profile->page_height_mm == 0)
    return g_strdup ("auto");
  for (guint i = 0; i < G_N_ELEMENTS (page_sizes); i++)
    {
      if (fabs (profile->page_width_mm - page_sizes[i].width_mm) < 0.05 &&
          fabs (profile->page_height_mm - page_sizes[i].height_mm) < 0.05)
        return g_strdup (page_sizes[i].name);
    }
  out = g_string_new (NULL);
  append_mm (out, profile->page_width_mm);
  g_string_append_c (out, 'x');
  append_mm (out, profile->page_height_mm);
  return g_string_free (out, FALSE);
}

/* Export and import */

static const char *const profile_keys[] = {
  "device", "source", "resolution", "mode", "page-size", "deskew", "orientation", "crop-border",
  "clean-background", "blank", "flag-blurry", "langs", "separation", "separator-pattern",
  "name-template", "destination", "jpeg-quality", "downsample-dpi", "pdfa", "encrypt",
};

static void
add_profile_group (GKeyFile        *file,
                   const PdProfile *profile)
{
  g_autofree char *group = g_strconcat (PROFILE_GROUP_PREFIX, profile->name, NULL);
  g_autofree char *page_size = pd_profile_dup_page_size (profile);

  if (profile->device != NULL && *profile->device != '\0')
    g_key_file_set_string (file, group, "device", profile->device);
  g_key_file_set_string (file, group, "source", pd_scan_source_to_string (profile->source));
  g_key_file_set_uint64 (file, group, "resolution", profile->resolution);
  g_key_file_set_string (file, group, "mode", pd_scan_mode_to_string (profile->mode));
  g_key_file_set_string (file, group, "page-size", page_size);
  g_key_file_set_boolean (file, group, "deskew", profile->deskew);
  g_key_file_set_boolean (file, group, "orientation", profile->orientation);
  g_key_file_set_boolean (file, group, "crop-border", profile->crop_border);
  g_key_file_set_boolean (file, group, "clean-background", profile->clean_background);
  g_key_file_set_string (file, group, "blank", pd_blank_policy_to_string (profile->blank));
  g_key_file_set_boolean (file, group, "flag-blurry", profile->flag_blurry);
  g_key_file_set_string (file, group, "langs", profile->langs != NULL ? profile->langs : "");
  g_key_file_set_string (file, group, "separation",
                         pd_separation_to_string (profile->separation));
  if (profile->separator_pattern != NULL && *profile->separator_pattern != '\0')
    g_key_file_set_string (file, group, "separator-pattern", profile->separator_pattern);
  g_key_file_set_string (file, group, "name-template",
                         profile->name_template != NULL ? profile->name_template : "");
  if (profile->destination != NULL && *profile->destination != '\0')
    g_key_file_set_string (file, group, "destination", profile->destination);
  g_key_file_set_uint64 (file, group, "jpeg-quality", profile->jpeg_quality);
  g_key_file_set_uint64 (file, group, "downsample-dpi", profile->downsample_dpi);
  g_key_file_set_boolean (file, group, "pdfa", profile->pdfa);
  g_key_file_set_boolean (file, group, "encrypt", profile->encrypt);
}

char *
pd_profile_list_to_data (GPtrArray *profiles,
                         gsize     *length)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();

  g_return_val_if_fail (profiles != NULL, NULL);

  g_key_file_set_string (file, FILE_GROUP, "format", FILE_FORMAT);
  g_key_file_set_integer (file, FILE_GROUP, "version", PD_PROFILE_FORMAT_VERSION);
  g_key_file_set_comment (file, NULL, NULL,
                          " Paperdock scan profiles. Import them with\n"
                          " paperdock-cli profiles import FILE", NULL);
  for (guint i = 0; i < profiles->len; i++)
    add_profile_group (file, g_ptr_array_index (profiles, i));
  return g_key_file_to_data (file, length, NULL);
}

char *
pd_profile_to_data (const PdProfile *profile,
                    gsize           *length)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new ();

  g_return_val_if_fail (profile != NULL, NULL);

  g_ptr_array_add (one, (gpointer) profile);
  return pd_profile_list_to_data (one, length);
}

static void
set_bad_value (GError      **error,
               const char   *profile,
               const char   *key,
               const char   *value,
               const char   *expected)
{
  g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_BAD_FILE,
               "Profile “%s” in the file: %s is “%s”, but it must be %s.", profile, key, value,
               expected);
}

static gboolean
read_bool (const char  *profile,
           const char  *key,
           const char  *value,
           gboolean    *out,
           GError     **error)
{
  if (g_str_equal (value, "true"))
    *out = TRUE;
  else if (g_str_equal (value, "false"))
    *out = FALSE;
  else
    {
      set_bad_value (error, profile, key, value, "true or false");
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_uint (const char  *profile,
           const char  *key,
           const char  *value,
           guint       *out,
           GError     **error)
{
  guint64 number = 0;

  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT, &number, NULL))
    {
      set_bad_value (error, profile, key, value, "a whole number");
      return FALSE;
    }
  *out = (guint) number;
  return TRUE;
}

static void
replace_text (char       **field,
              const char  *value,
              gboolean     null_if_empty)
{
  g_free (*field);
  *field = null_if_empty && *value == '\0' ? NULL : g_strdup (value);
}

static gboolean
read_key (GKeyFile    *file,
          const char  *group,
          PdProfile   *profile,
          const char  *key,
          GError     **error)
{
  g_autofree char *value = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *name = profile->name;

  /* get_string undoes the key file's escapes (\n, \s, \\). */
  value = g_key_file_get_string (file, group, key, &local_error);
  if (value == NULL)
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_BAD_FILE,
                   "Profile “%s” in the file: %s cannot be read (%s).", name, key,
                   local_error->message);
      return FALSE;
    }

  if (g_str_equal (key, "device"))
    replace_text (&profile->device, value, TRUE);
  else if (g_str_equal (key, "source"))
    {
      if (!pd_scan_source_from_string (value, &profile->source))
        {
          set_bad_value (error, name, key, value, "auto, flatbed, adf or duplex");
          return FALSE;
        }
    }
  else if (g_str_equal (key, "resolution"))
    return read_uint (name, key, value, &profile->resolution, error);
  else if (g_str_equal (key, "mode"))
    {
      if (!pd_scan_mode_from_string (value, &profile->mode))
        {
          set_bad_value (error, name, key, value, "text, gray or color");
          return FALSE;
        }
    }
  else if (g_str_equal (key, "page-size"))
    {
      g_autoptr(GError) size_error = NULL;

      if (!pd_profile_set_page_size (profile, value, &size_error))
        {
          set_bad_value (error, name, key, value,
                         "a size name such as A4 or Letter, or WIDTHxHEIGHT in mm");
          return FALSE;
        }
    }
  else if (g_str_equal (key, "deskew"))
    return read_bool (name, key, value, &profile->deskew, error);
  else if (g_str_equal (key, "orientation"))
    return read_bool (name, key, value, &profile->orientation, error);
  else if (g_str_equal (key, "crop-border"))
    return read_bool (name, key, value, &profile->crop_border, error);
  else if (g_str_equal (key, "clean-background"))
    return read_bool (name, key, value, &profile->clean_background, error);
  else if (g_str_equal (key, "blank"))
    {
      if (!pd_blank_policy_from_string (value, &profile->blank))
        {
          set_bad_value (error, name, key, value, "keep, flag or remove");
          return FALSE;
        }
    }
  else if (g_str_equal (key, "flag-blurry"))
    return read_bool (name, key, value, &profile->flag_blurry, error);
  else if (g_str_equal (key, "langs"))
    replace_text (&profile->langs, value, FALSE);
  else if (g_str_equal (key, "separation"))
    {
      if (!pd_separation_from_string (value, &profile->separation))
        {
          set_bad_value (error, name, key, value, "none, every-page, every-scan or barcode");
          return FALSE;
        }
    }
  else if (g_str_equal (key, "separator-pattern"))
    replace_text (&profile->separator_pattern, value, TRUE);
  else if (g_str_equal (key, "name-template"))
    replace_text (&profile->name_template, value, FALSE);
  else if (g_str_equal (key, "destination"))
    replace_text (&profile->destination, value, TRUE);
  else if (g_str_equal (key, "jpeg-quality"))
    return read_uint (name, key, value, &profile->jpeg_quality, error);
  else if (g_str_equal (key, "downsample-dpi"))
    return read_uint (name, key, value, &profile->downsample_dpi, error);
  else if (g_str_equal (key, "pdfa"))
    return read_bool (name, key, value, &profile->pdfa, error);
  else if (g_str_equal (key, "encrypt"))
    return read_bool (name, key, value, &profile->encrypt, error);
  else
    g_assert_not_reached ();
  return TRUE;
}

static gboolean
is_profile_key (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (profile_keys); i++)
    {
      if (g_str_equal (key, profile_keys[i]))
        return TRUE;
    }
  return FALSE;
}

/* GKeyFile silently merges two groups of the same name; a file naming a profile twice is more
 * likely a mistake than a wish, so it is refused. */
static gboolean
check_duplicate_groups (const char  *data,
                        gsize        length,
                        GError     **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *text = g_strndup (data, length);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      g_autofree char *folded = NULL;

      if (line[0] != '[')
        continue;
      folded = g_utf8_casefold (line, -1);
      if (!g_hash_table_add (seen, g_steal_pointer (&folded)))
        {
          g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_BAD_FILE,
                       "The file has the group %s twice (line %u); each profile may appear only "
                       "once.", line, i + 1);
          return FALSE;
        }
    }
  return TRUE;
}

GPtrArray *
pd_profile_list_from_data (const char  *data,
                           gsize        length,
                           GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GPtrArray) profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_profile_free);
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) groups = NULL;
  g_auto(GStrv) header_keys = NULL;
  g_autofree char *format = NULL;
  gint64 version;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length == 0 || !g_utf8_validate_len (data, length, NULL) ||
      !g_key_file_load_from_data (file, data, length, G_KEY_FILE_KEEP_COMMENTS, &local_error))
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_BAD_FILE,
                   "This is not a Paperdock profile file%s%s. Export profiles with "
                   "“paperdock-cli profiles export”.",
                   local_error != NULL ? ": " : "",
                   local_error != NULL ? local_error->message : "");
      return NULL;
    }
  if (!check_duplicate_groups (data, length, error))
    return NULL;

  format = g_key_file_get_string (file, FILE_GROUP, "format", NULL);
  if (g_strcmp0 (format, FILE_FORMAT) != 0)
    {
      g_set_error_literal (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_BAD_FILE,
                           "This is not a Paperdock profile file: it has no [Paperdock] group "
                           "saying format=paperdock-profiles. Export profiles with "
                           "“paperdock-cli profiles export”.");
      return NULL;
    }
  version = g_key_file_get_int64 (file, FILE_GROUP, "version", &local_error);
  if (local_error != NULL || version < 1)
    {
      g_set_error_literal (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_BAD_FILE,
                           "The profile file has no valid format version in its [Paperdock] "
                           "group.");
      return NULL;
    }
  if (version > PD_PROFILE_FORMAT_VERSION)
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_TOO_NEW,
                   "The profile file was written by a newer Paperdock (format %" G_GINT64_FORMAT
                   "; this version reads up to %d). Update Paperdock to import it.", version,
                   PD_PROFILE_FORMAT_VERSION);
      return NULL;
    }
  header_keys = g_key_file_get_keys (file, FILE_GROUP, NULL, NULL);
  for (guint i = 0; header_keys[i] != NULL; i++)
    {
      if (!g_str_equal (header_keys[i], "format") && !g_str_equal (header_keys[i], "version"))
        {
          g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_BAD_FILE,
                       "The [Paperdock] group of the profile file has an unknown setting "
                       "“%s”.", header_keys[i]);
          return NULL;
        }
    }

  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autoptr(PdProfile) profile = NULL;
      g_auto(GStrv) keys = NULL;
      g_autoptr(GError) invalid = NULL;

      if (g_str_equal (groups[i], FILE_GROUP))
        continue;
      if (!g_str_has_prefix (groups[i], PROFILE_GROUP_PREFIX))
        {
          g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_BAD_FILE,
                       "The profile file has a group [%s]; profiles are in groups named "
                       "[Profile NAME].", groups[i]);
          return NULL;
        }
      profile = pd_profile_new (groups[i] + strlen (PROFILE_GROUP_PREFIX));
      keys = g_key_file_get_keys (file, groups[i], NULL, NULL);
      for (guint k = 0; keys[k] != NULL; k++)
        {
          if (!is_profile_key (keys[k]))
            {
              g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_BAD_FILE,
                           "Profile “%s” in the file has an unknown setting “%s”.",
                           profile->name, keys[k]);
              return NULL;
            }
          if (!read_key (file, groups[i], profile, keys[k], error))
            return NULL;
        }
      if (!pd_profile_validate (profile, &invalid))
        {
          g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_BAD_FILE,
                       "The profile file cannot be imported: %s", invalid->message);
          return NULL;
        }
      for (guint j = 0; j < profiles->len; j++)
        {
          PdProfile *other = g_ptr_array_index (profiles, j);
          g_autofree char *a = g_utf8_casefold (other->name, -1);
          g_autofree char *b = g_utf8_casefold (profile->name, -1);

          if (g_str_equal (a, b))
            {
              g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_BAD_FILE,
                           "The profile file has both “%s” and “%s”; profile names must "
                           "differ in more than capitals.", other->name, profile->name);
              return NULL;
            }
        }
      g_ptr_array_add (profiles, g_steal_pointer (&profile));
    }
  return g_steal_pointer (&profiles);
}

/* The "profile required" rule */

gboolean
pd_library_get_profile_required (PdLibrary  *self,
                                 GError    **error)
{
  g_autofree char *value = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);

  if (!pd_library_get_setting (self, PD_SETTING_PROFILE_REQUIRED, &value, error))
    return FALSE;
  return g_strcmp0 (value, "true") == 0;
}

gboolean
pd_library_set_profile_required (PdLibrary  *self,
                                 gboolean    required,
                                 GError    **error)
{
  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);

  return pd_library_set_setting (self, PD_SETTING_PROFILE_REQUIRED,
                                 required ? "true" : "false", error);
}

gboolean
pd_library_profile_for_scan (PdLibrary   *self,
                             const char  *name,
                             PdProfile  **profile,
                             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean required;

  g_return_val_if_fail (PD_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (profile != NULL && *profile == NULL, FALSE);

  if (name != NULL)
    {
      *profile = pd_library_get_profile (self, name, error);
      return *profile != NULL;
    }
  required = pd_library_get_profile_required (self, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (required)
    {
      g_set_error_literal (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_REQUIRED,
                           "This library asks for a scan profile before every scan. Pick one "
                           "(see “paperdock-cli profiles list”).");
      return FALSE;
    }
  return TRUE;
}
