/* pd-cli-profiles.c: "paperdock-cli profiles". Argument parsing and printing only: validation,
 * storage, export format and naming all live in the core, so the app shows the same profiles
 * and the same errors. */
#define G_LOG_DOMAIN "pd-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pd-cli-output.h"
#include "pd-cli-profiles.h"
#include "pd-fs.h"
#include "pd-library-error.h"
#include "pd-naming.h"
#include "pd-profile.h"
#include "pd-secret.h"

typedef int (*SubcommandFunc) (PdLibrary *library, int argc, char **argv);

typedef struct {
  const char     *name;
  const char     *args;
  const char     *summary;
  SubcommandFunc  func;
} Subcommand;

static gboolean
parse_options (const char    *subcommand,
               const char    *args,
               const char    *summary,
               GOptionEntry  *entries,
               int           *argc,
               char        ***argv)
{
  g_autofree char *prgname = g_strdup_printf ("paperdock-cli profiles %s", subcommand);
  g_autoptr(GOptionContext) context = g_option_context_new (args);
  g_autoptr(GError) error = NULL;

  /* The help's usage line says the whole command (see paperdock-cli.c). */
  g_set_prgname (prgname);
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("paperdock-cli profiles %s: %s\nTry “paperdock-cli profiles %s --help”.\n",
                  subcommand, error->message, subcommand);
      return FALSE;
    }
  return TRUE;
}

/* Profile settings as options, shared by add and edit --------------------------------------- */

/* Each value starts "not given" (NULL or -1) so that edit changes only what was asked. A
 * switch and its --no- form write TRUE or FALSE into the same int, which stays -1 otherwise. */
typedef struct {
  char     *device;
  char     *source;
  int       resolution;
  char     *mode;
  char     *page_size;
  gboolean  deskew;
  gboolean  orientation;
  gboolean  crop_border;
  gboolean  clean_background;
  char     *blank;
  gboolean  flag_blurry;
  char     *langs;
  char     *separation;
  char     *separator_pattern;
  char     *name_template;
  char     *destination;
  int       jpeg_quality;
  int       downsample_dpi;
  gboolean  pdfa;
  gboolean  encrypt;
} ProfileOptions;

static void
profile_options_init (ProfileOptions *o)
{
  memset (o, 0, sizeof *o);
  o->resolution = o->jpeg_quality = o->downsample_dpi = -1;
  o->deskew = o->orientation = o->crop_border = o->clean_background = -1;
  o->flag_blurry = o->pdfa = o->encrypt = -1;
}

static void
profile_options_clear (ProfileOptions *o)
{
  g_free (o->device);
  g_free (o->source);
  g_free (o->mode);
  g_free (o->page_size);
  g_free (o->blank);
  g_free (o->langs);
  g_free (o->separation);
  g_free (o->separator_pattern);
  g_free (o->name_template);
  g_free (o->destination);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ProfileOptions, profile_options_clear)

#define SWITCH(long_name, field, on_help, off_help) \
  { long_name, 0, 0, G_OPTION_ARG_NONE, &o->field, on_help, NULL }, \
  { "no-" long_name, 0, G_OPTION_FLAG_REVERSE, G_OPTION_ARG_NONE, &o->field, off_help, NULL }

static GOptionEntry *
profile_option_entries (ProfileOptions *o,
                        gboolean       *json)
{
  GOptionEntry entries[] = {
    { "device", 'd', 0, G_OPTION_ARG_STRING, &o->device, "Scanner (see “paperdock-cli devices”; empty: ask)", "DEV" },
    { "source", 's', 0, G_OPTION_ARG_STRING, &o->source, "auto, flatbed, adf or duplex", "SOURCE" },
    { "resolution", 'r', 0, G_OPTION_ARG_INT, &o->resolution, "Resolution in dpi", "DPI" },
    { "mode", 'm', 0, G_OPTION_ARG_STRING, &o->mode, "text, gray or color", "MODE" },
    { "page-size", 0, 0, G_OPTION_ARG_STRING, &o->page_size, "A4, Letter, Legal… , WIDTHxHEIGHT in mm, or auto", "SIZE" },
    SWITCH ("deskew", deskew, "Straighten pages", "Do not straighten pages"),
    SWITCH ("orientation", orientation, "Turn pages the right way up", "Leave pages as scanned"),
    SWITCH ("crop-border", crop_border, "Crop the scanner's border", "Keep the border"),
    SWITCH ("clean-background", clean_background, "Whiten the paper", "Keep the paper's colour"),
    { "blank", 0, 0, G_OPTION_ARG_STRING, &o->blank, "Blank pages: keep, flag or remove", "POLICY" },
    SWITCH ("flag-blurry", flag_blurry, "Point out blurry pages", "Do not check for blur"),
    { "lang", 'l', 0, G_OPTION_ARG_STRING, &o->langs, "OCR languages, e.g. eng+deu", "LANGS" },
    { "separation", 0, 0, G_OPTION_ARG_STRING, &o->separation, "none, every-page, every-scan or barcode", "HOW" },
    { "separator-pattern", 0, 0, G_OPTION_ARG_STRING, &o->separator_pattern, "Regular expression a separating barcode matches", "REGEX" },
    { "name-template", 0, 0, G_OPTION_ARG_STRING, &o->name_template, "Document names, e.g. {date}_{user}_{counter:3}", "TEMPLATE" },
    { "destination", 0, 0, G_OPTION_ARG_STRING, &o->destination, "Where documents go, ACCOUNT:FOLDER-TEMPLATE (empty: library only)", "DEST" },
    { "jpeg-quality", 0, 0, G_OPTION_ARG_INT, &o->jpeg_quality, "JPEG quality in the PDF, 1-100", "Q" },
    { "downsample-dpi", 0, 0, G_OPTION_ARG_INT, &o->downsample_dpi, "Lower the PDF's resolution to DPI (0: keep)", "DPI" },
    SWITCH ("pdfa", pdfa, "Write PDF/A for archiving", "Write plain PDF"),
    SWITCH ("encrypt", encrypt, "Encrypt the PDF", "Do not encrypt"),
    { "json", 0, 0, G_OPTION_ARG_NONE, json, "Print the profile as JSON", NULL },
    { NULL }
  };

  return g_memdup2 (entries, sizeof entries);
}

#undef SWITCH

static void
set_text (char       **field,
          const char  *value)
{
  g_free (*field);
  *field = *value != '\0' ? g_strdup (value) : NULL;
}

static void
set_switch (gboolean *field,
            gboolean  value)
{
  if (value != -1)
    *field = value;
}

/* Applies what was given on the command line; the core validates the result. */
static gboolean
apply_options (PdProfile             *profile,
               const ProfileOptions  *o,
               GError               **error)
{
  if (o->device != NULL)
    set_text (&profile->device, o->device);
  if (o->source != NULL && !pd_scan_source_from_string (o->source, &profile->source))
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "Unknown source “%s”: use auto, flatbed, adf or duplex.", o->source);
      return FALSE;
    }
  if (o->resolution != -1)
    {
      if (o->resolution < 0)
        {
          g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                       "The resolution must be a positive number of dpi, not %d.",
                       o->resolution);
          return FALSE;
        }
      profile->resolution = (guint) o->resolution;
    }
  if (o->mode != NULL && !pd_scan_mode_from_string (o->mode, &profile->mode))
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "Unknown mode “%s”: use text, gray or color.", o->mode);
      return FALSE;
    }
  if (o->page_size != NULL && !pd_profile_set_page_size (profile, o->page_size, error))
    return FALSE;
  set_switch (&profile->deskew, o->deskew);
  set_switch (&profile->orientation, o->orientation);
  set_switch (&profile->crop_border, o->crop_border);
  set_switch (&profile->clean_background, o->clean_background);
  if (o->blank != NULL && !pd_blank_policy_from_string (o->blank, &profile->blank))
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "Unknown blank page policy “%s”: use keep, flag or remove.", o->blank);
      return FALSE;
    }
  set_switch (&profile->flag_blurry, o->flag_blurry);
  if (o->langs != NULL)
    {
      g_free (profile->langs);
      profile->langs = g_strdup (o->langs);
    }
  if (o->separation != NULL && !pd_separation_from_string (o->separation, &profile->separation))
    {
      g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                   "Unknown separation “%s”: use none, every-page, every-scan or barcode.",
                   o->separation);
      return FALSE;
    }
  if (o->separator_pattern != NULL)
    set_text (&profile->separator_pattern, o->separator_pattern);
  if (o->name_template != NULL)
    {
      g_free (profile->name_template);
      profile->name_template = g_strdup (o->name_template);
    }
  if (o->destination != NULL)
    set_text (&profile->destination, o->destination);
  if (o->jpeg_quality != -1)
    {
      if (o->jpeg_quality < 0)
        {
          g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                       "The JPEG quality must be between 1 and 100, not %d.", o->jpeg_quality);
          return FALSE;
        }
      profile->jpeg_quality = (guint) o->jpeg_quality;
    }
  if (o->downsample_dpi != -1)
    {
      if (o->downsample_dpi < 0)
        {
          g_set_error (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_INVALID,
                       "The downsampling resolution cannot be negative (%d).", o->downsample_dpi);
          return FALSE;
        }
      profile->downsample_dpi = (guint) o->downsample_dpi;
    }
  set_switch (&profile->pdfa, o->pdfa);
  set_switch (&profile->encrypt, o->encrypt);
  return pd_profile_validate (profile, error);
}

/* Printing ----------------------------------------------------------------------------------- */

static const char *
yes_no (gboolean value)
{
  return value ? "yes" : "no";
}

static void
print_profile (const PdProfile *p)
{
  g_autofree char *page_size = pd_profile_dup_page_size (p);

  g_print ("%s\n", p->name);
  g_print ("  %-18s %s\n", "device", p->device != NULL ? p->device : "(ask)");
  g_print ("  %-18s %s\n", "source", pd_scan_source_to_string (p->source));
  g_print ("  %-18s %u dpi\n", "resolution", p->resolution);
  g_print ("  %-18s %s\n", "mode", pd_scan_mode_to_string (p->mode));
  g_print ("  %-18s %s\n", "page-size", page_size);
  g_print ("  %-18s %s\n", "deskew", yes_no (p->deskew));
  g_print ("  %-18s %s\n", "orientation", yes_no (p->orientation));
  g_print ("  %-18s %s\n", "crop-border", yes_no (p->crop_border));
  g_print ("  %-18s %s\n", "clean-background", yes_no (p->clean_background));
  g_print ("  %-18s %s\n", "blank", pd_blank_policy_to_string (p->blank));
  g_print ("  %-18s %s\n", "flag-blurry", yes_no (p->flag_blurry));
  g_print ("  %-18s %s\n", "langs", p->langs);
  g_print ("  %-18s %s\n", "separation", pd_separation_to_string (p->separation));
  if (p->separator_pattern != NULL)
    g_print ("  %-18s %s\n", "separator-pattern", p->separator_pattern);
  g_print ("  %-18s %s\n", "name-template", p->name_template);
  g_print ("  %-18s %s\n", "destination",
           p->destination != NULL ? p->destination : "(kept in the library)");
  g_print ("  %-18s %u\n", "jpeg-quality", p->jpeg_quality);
  if (p->downsample_dpi > 0)
    g_print ("  %-18s %u dpi\n", "downsample-dpi", p->downsample_dpi);
  else
    g_print ("  %-18s %s\n", "downsample-dpi", "no (scan resolution)");
  g_print ("  %-18s %s\n", "pdfa", yes_no (p->pdfa));
  g_print ("  %-18s %s\n", "encrypt", yes_no (p->encrypt));
}

static void
add_string (JsonBuilder *builder,
            const char  *member,
            const char  *value)
{
  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_int (JsonBuilder *builder,
         const char  *member,
         gint64       value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_int_value (builder, value);
}

static void
add_bool (JsonBuilder *builder,
          const char  *member,
          gboolean     value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_boolean_value (builder, value);
}

/* The same names as the export file, so a script can use either. */
static void
add_profile_json (JsonBuilder     *builder,
                  const PdProfile *p)
{
  g_autofree char *page_size = pd_profile_dup_page_size (p);

  json_builder_begin_object (builder);
  add_string (builder, "name", p->name);
  add_string (builder, "device", p->device);
  add_string (builder, "source", pd_scan_source_to_string (p->source));
  add_int (builder, "resolution", p->resolution);
  add_string (builder, "mode", pd_scan_mode_to_string (p->mode));
  add_string (builder, "page-size", page_size);
  add_bool (builder, "deskew", p->deskew);
  add_bool (builder, "orientation", p->orientation);
  add_bool (builder, "crop-border", p->crop_border);
  add_bool (builder, "clean-background", p->clean_background);
  add_string (builder, "blank", pd_blank_policy_to_string (p->blank));
  add_bool (builder, "flag-blurry", p->flag_blurry);
  add_string (builder, "langs", p->langs);
  add_string (builder, "separation", pd_separation_to_string (p->separation));
  add_string (builder, "separator-pattern", p->separator_pattern);
  add_string (builder, "name-template", p->name_template);
  add_string (builder, "destination", p->destination);
  add_int (builder, "jpeg-quality", p->jpeg_quality);
  add_int (builder, "downsample-dpi", p->downsample_dpi);
  add_bool (builder, "pdfa", p->pdfa);
  add_bool (builder, "encrypt", p->encrypt);
  json_builder_end_object (builder);
}

static void
print_profile_json (const PdProfile *profile)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  add_profile_json (builder, profile);
  pd_cli_print_json (builder);
}

/* Subcommands -------------------------------------------------------------------------------- */

static int
cmd_list (PdLibrary  *library,
          int         argc,
          char      **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  g_autoptr(GPtrArray) profiles = NULL;
  GError *error = NULL;

  if (!parse_options ("list", "", "List the scan profiles.", entries, &argc, &argv))
    return PD_EXIT_USAGE;
  if (argc != 1)
    {
      g_printerr ("paperdock-cli profiles list: takes no names; use “profiles show NAME”.\n");
      return PD_EXIT_USAGE;
    }
  profiles = pd_library_list_profiles (library, &error);
  if (profiles == NULL)
    return pd_cli_fail (error);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < profiles->len; i++)
        add_profile_json (builder, g_ptr_array_index (profiles, i));
      json_builder_end_array (builder);
      pd_cli_print_json (builder);
      return PD_EXIT_OK;
    }
  if (profiles->len == 0)
    g_print ("There are no profiles yet. Try “paperdock-cli profiles add Invoices --device demo”.\n");
  for (guint i = 0; i < profiles->len; i++)
    {
      PdProfile *p = g_ptr_array_index (profiles, i);

      g_print ("%-24s %s, %u dpi, %s, %s → %s\n", p->name,
               p->device != NULL ? p->device : "(ask)", p->resolution,
               pd_scan_mode_to_string (p->mode), p->name_template,
               p->destination != NULL ? p->destination : "library");
    }
  return PD_EXIT_OK;
}

static int
cmd_show (PdLibrary  *library,
          int         argc,
          char      **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  g_autoptr(PdProfile) profile = NULL;
  GError *error = NULL;

  if (!parse_options ("show", "NAME", "Show every setting of a profile.", entries, &argc, &argv))
    return PD_EXIT_USAGE;
  if (argc != 2)
    {
      g_printerr ("paperdock-cli profiles show: name one profile (see “profiles list”).\n");
      return PD_EXIT_USAGE;
    }
  profile = pd_library_get_profile (library, argv[1], &error);
  if (profile == NULL)
    return pd_cli_fail (error);
  if (json)
    print_profile_json (profile);
  else
    print_profile (profile);
  return PD_EXIT_OK;
}

static int
add_or_edit (PdLibrary  *library,
             int         argc,
             char      **argv,
             gboolean    edit)
{
  const char *subcommand = edit ? "edit" : "add";
  g_auto(ProfileOptions) options = { 0 };
  g_autofree GOptionEntry *entries = NULL;
  g_autoptr(PdProfile) profile = NULL;
  gboolean json = FALSE;
  GError *error = NULL;

  profile_options_init (&options);
  entries = profile_option_entries (&options, &json);
  if (!parse_options (subcommand, "NAME [OPTION…]",
                      edit ? "Change some settings of a profile; the others stay as they are."
                           : "Add a profile. Settings not given take sensible defaults (300 dpi "
                             "gray, straightened, OCR in English).",
                      entries, &argc, &argv))
    return PD_EXIT_USAGE;
  if (argc != 2)
    {
      g_printerr ("paperdock-cli profiles %s: name one profile, quoted if it has spaces.\n",
                  subcommand);
      return PD_EXIT_USAGE;
    }

  if (edit)
    profile = pd_library_get_profile (library, argv[1], &error);
  else
    profile = pd_profile_new (argv[1]);
  if (profile == NULL)
    return pd_cli_fail (error);
  if (!apply_options (profile, &options, &error) ||
      !pd_library_save_profile (library, profile, edit, &error))
    return pd_cli_fail (error);

  if (json)
    print_profile_json (profile);
  else
    g_print ("%s profile “%s”.\n", edit ? "Changed" : "Added", profile->name);
  return PD_EXIT_OK;
}

static int
cmd_add (PdLibrary  *library,
         int         argc,
         char      **argv)
{
  return add_or_edit (library, argc, argv, FALSE);
}

static int
cmd_edit (PdLibrary  *library,
          int         argc,
          char      **argv)
{
  return add_or_edit (library, argc, argv, TRUE);
}

static int
cmd_remove (PdLibrary  *library,
            int         argc,
            char      **argv)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(PdProfile) profile = NULL;
  GError *error = NULL;

  if (!parse_options ("remove", "NAME", "Remove a profile. Documents scanned with it stay.",
                      entries, &argc, &argv))
    return PD_EXIT_USAGE;
  if (argc != 2)
    {
      g_printerr ("paperdock-cli profiles remove: name one profile.\n");
      return PD_EXIT_USAGE;
    }
  /* looked up first to say its name as it is stored, whatever capitals were typed */
  profile = pd_library_get_profile (library, argv[1], &error);
  if (profile == NULL || !pd_library_remove_profile (library, profile->name, &error))
    return pd_cli_fail (error);
  g_print ("Removed profile “%s”.\n", profile->name);
  return PD_EXIT_OK;
}

static int
cmd_export (PdLibrary  *library,
            int         argc,
            char      **argv)
{
  g_autofree char *output = NULL;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "File to write (- for standard output)", "FILE" },
    { NULL }
  };
  g_autoptr(GPtrArray) profiles = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;
  GError *error = NULL;

  if (!parse_options ("export", "[NAME…] -o FILE", "Write profiles (all, or the ones named) to a "
                      "file that “profiles import” reads on another computer.",
                      entries, &argc, &argv))
    return PD_EXIT_USAGE;
  if (output == NULL)
    {
      g_printerr ("paperdock-cli profiles export: say where to write with -o FILE.\n");
      return PD_EXIT_USAGE;
    }

  if (argc > 1)
    {
      profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_profile_free);
      for (int i = 1; i < argc; i++)
        {
          PdProfile *profile = pd_library_get_profile (library, argv[i], &error);

          if (profile == NULL)
            return pd_cli_fail (error);
          g_ptr_array_add (profiles, profile);
        }
    }
  else if ((profiles = pd_library_list_profiles (library, &error)) == NULL)
    return pd_cli_fail (error);
  if (profiles->len == 0)
    {
      g_printerr ("paperdock-cli profiles export: there are no profiles to export.\n");
      return PD_EXIT_NOT_FOUND;
    }

  data = pd_profile_list_to_data (profiles, &length);
  if (g_str_equal (output, "-"))
    {
      fwrite (data, 1, length, stdout);
      return PD_EXIT_OK;
    }
  if (!pd_fs_write_durable (output, data, length, &error))
    return pd_cli_fail (error);
  g_printerr ("Exported %u profile%s.\n", profiles->len, profiles->len == 1 ? "" : "s");
  g_print ("%s\n", output);
  return PD_EXIT_OK;
}

static int
cmd_import (PdLibrary  *library,
            int         argc,
            char      **argv)
{
  gboolean replace = FALSE;
  GOptionEntry entries[] = {
    { "replace", 0, 0, G_OPTION_ARG_NONE, &replace, "Replace profiles that have the same name", NULL },
    { NULL }
  };
  g_autoptr(GPtrArray) profiles = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;
  GError *error = NULL;

  if (!parse_options ("import", "FILE [--replace]", "Add the profiles of a file written by "
                      "“profiles export”. Nothing is imported unless every profile in it is.",
                      entries, &argc, &argv))
    return PD_EXIT_USAGE;
  if (argc != 2)
    {
      g_printerr ("paperdock-cli profiles import: name one file.\n");
      return PD_EXIT_USAGE;
    }
  if (!g_file_get_contents (argv[1], &data, &length, &error))
    return pd_cli_fail (error);
  profiles = pd_profile_list_from_data (data, length, &error);
  if (profiles == NULL)
    return pd_cli_fail (error);
  if (profiles->len == 0)
    {
      g_printerr ("paperdock-cli profiles import: “%s” holds no profiles.\n", argv[1]);
      return PD_EXIT_BAD_INPUT;
    }
  if (!pd_library_save_profiles (library, profiles, replace, &error))
    {
      if (g_error_matches (error, PD_PROFILE_ERROR, PD_PROFILE_ERROR_EXISTS))
        g_prefix_error (&error, "Nothing was imported; add --replace to overwrite profiles of "
                        "the same name. ");
      return pd_cli_fail (error);
    }
  for (guint i = 0; i < profiles->len; i++)
    g_print ("Imported profile “%s”.\n", ((PdProfile *) g_ptr_array_index (profiles, i))->name);
  return PD_EXIT_OK;
}

static int
cmd_preview (PdLibrary  *library,
             int         argc,
             char      **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  g_autoptr(PdProfile) profile = NULL;
  g_autofree char *name = NULL;
  g_autofree char *account = NULL;
  g_autofree char *folder_template = NULL;
  g_autofree char *folder = NULL;
  PdNamingContext ctx = { 0 };
  GError *error = NULL;

  if (!parse_options ("preview", "NAME", "Print the name (and folder) a document scanned with "
                      "the profile would get now. Takes no number from the counter.",
                      entries, &argc, &argv))
    return PD_EXIT_USAGE;
  if (argc != 2)
    {
      g_printerr ("paperdock-cli profiles preview: name one profile.\n");
      return PD_EXIT_USAGE;
    }
  profile = pd_library_get_profile (library, argv[1], &error);
  if (profile == NULL)
    return pd_cli_fail (error);

  ctx.profile = profile->name;
  ctx.pages = 1;
  name = pd_naming_preview_name (library, profile->name_template, &ctx, &error);
  if (name == NULL)
    return pd_cli_fail (error);
  if (pd_profile_split_destination (profile, &account, &folder_template))
    {
      folder = pd_naming_render_folder (folder_template, &ctx, &error);
      if (folder == NULL)
        return pd_cli_fail (error);
    }

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_string (builder, "profile", profile->name);
      add_string (builder, "name", name);
      add_string (builder, "account", account);
      add_string (builder, "folder", folder);
      json_builder_end_object (builder);
      pd_cli_print_json (builder);
      return PD_EXIT_OK;
    }
  g_print ("%s\n", name);
  if (account != NULL)
    g_print ("  to %s: %s\n", account, *folder != '\0' ? folder : "(top folder)");
  return PD_EXIT_OK;
}

static int
cmd_require (PdLibrary  *library,
             int         argc,
             char      **argv)
{
  GOptionEntry entries[] = { { NULL } };
  GError *error = NULL;
  gboolean required;

  if (!parse_options ("require", "[on|off]", "Show, or set, whether every scan must use a "
                      "profile.", entries, &argc, &argv))
    return PD_EXIT_USAGE;
  if (argc == 2 && (g_str_equal (argv[1], "on") || g_str_equal (argv[1], "off")))
    {
      if (!pd_library_set_profile_required (library, g_str_equal (argv[1], "on"), &error))
        return pd_cli_fail (error);
    }
  else if (argc != 1)
    {
      g_printerr ("paperdock-cli profiles require: say on or off, or nothing to see the "
                  "setting.\n");
      return PD_EXIT_USAGE;
    }
  required = pd_library_get_profile_required (library, &error);
  if (error != NULL)
    return pd_cli_fail (error);
  g_print (required ? "on: every scan must use a profile\n"
                    : "off: scans may use a profile or none\n");
  return PD_EXIT_OK;
}

/* The PDF password of a profile that encrypts: read from standard input (never from the command
 * line, where other users could see it in the process list) and kept in the keyring only. */
static int
cmd_password (PdLibrary  *library,
              int         argc,
              char      **argv)
{
  gboolean clear = FALSE;
  GOptionEntry entries[] = {
    { "clear", 0, 0, G_OPTION_ARG_NONE, &clear, "Forget the password", NULL },
    { NULL }
  };
  g_autoptr(PdProfile) profile = NULL;
  g_autofree char *kind = NULL;
  g_autofree char *label = NULL;
  g_autoptr(PdSecretText) password = NULL;
  GError *error = NULL;
  char buffer[1024];

  if (!parse_options ("password", "NAME [--clear] < PASSWORD",
                      "Set the password that opens the PDFs of a profile that encrypts them. It is "
                      "read from standard input and kept in the keyring, never in the library.",
                      entries, &argc, &argv))
    return PD_EXIT_USAGE;
  if (argc != 2)
    {
      g_printerr ("paperdock-cli profiles password: name one profile.\n");
      return PD_EXIT_USAGE;
    }
  profile = pd_library_get_profile (library, argv[1], &error);
  if (profile == NULL)
    return pd_cli_fail (error);
  kind = pd_secret_dup_pdf_password_kind (profile->name);
  if (clear)
    {
      if (!pd_secret_clear (0, kind, NULL, &error))
        return pd_cli_fail (error);
      g_print ("Forgot the PDF password of “%s”.\n", profile->name);
      return PD_EXIT_OK;
    }

  if (fgets (buffer, sizeof buffer, stdin) == NULL)
    {
      g_printerr ("paperdock-cli profiles password: give the password on standard input.\n");
      return PD_EXIT_USAGE;
    }
  buffer[strcspn (buffer, "\r\n")] = '\0';
  password = g_strdup (buffer);
  explicit_bzero (buffer, sizeof buffer);
  if (*password == '\0')
    {
      g_printerr ("paperdock-cli profiles password: the password is empty.\n");
      return PD_EXIT_USAGE;
    }
  label = g_strdup_printf ("Paperdock: PDF password of the profile “%s”", profile->name);
  if (!pd_secret_store (0, kind, label, password, NULL, &error))
    return pd_cli_fail (error);
  g_print ("The PDFs of “%s” will open with this password.\n", profile->name);
  return PD_EXIT_OK;
}

static const Subcommand subcommands[] = {
  { "list", "", "List profiles", cmd_list },
  { "show", "NAME", "Show every setting of a profile", cmd_show },
  { "add", "NAME [OPTION…]", "Add a profile", cmd_add },
  { "edit", "NAME [OPTION…]", "Change a profile", cmd_edit },
  { "remove", "NAME", "Remove a profile", cmd_remove },
  { "export", "[NAME…] -o FILE", "Write profiles to a file", cmd_export },
  { "import", "FILE [--replace]", "Add the profiles of a file", cmd_import },
  { "preview", "NAME", "The name a scan would get now", cmd_preview },
  { "require", "[on|off]", "Whether every scan needs a profile", cmd_require },
  { "password", "NAME < PASSWORD", "Set the password of an encrypting profile's PDFs", cmd_password },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: paperdock-cli profiles SUBCOMMAND [OPTION…]\n\n"
                "Scan profiles keep a scanner's settings, clean-up, OCR languages, naming and\n"
                "destination under one name.\n\nSubcommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    {
      /* pad by characters, not bytes: the arguments contain "…" */
      int pad = 20 - (int) g_utf8_strlen (subcommands[i].args, -1);

      fprintf (out, "  %-8s %s%*s %s\n", subcommands[i].name, subcommands[i].args,
               MAX (pad, 0), "", subcommands[i].summary);
    }
  fprintf (out, "\nNaming templates: %s.\n"
                "“paperdock-cli profiles SUBCOMMAND --help” tells more about each.\n",
           "{date} {time} {year} {month} {day} {hour} {minute} {second} {user} {host} "
           "{profile} {counter} {counter:N} {barcode} {pages} {ocr:REGEX}");
}

int
pd_cli_profiles_main (PdLibrary  *library,
                      int         argc,
                      char      **argv)
{
  g_return_val_if_fail (PD_IS_LIBRARY (library), PD_EXIT_FAILED);
  g_return_val_if_fail (argc >= 1, PD_EXIT_USAGE);

  if (argc < 2)
    {
      print_usage (stderr);
      return PD_EXIT_USAGE;
    }
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      print_usage (stdout);
      return PD_EXIT_OK;
    }
  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    {
      if (g_str_equal (argv[1], subcommands[i].name))
        return subcommands[i].func (library, argc - 1, argv + 1);
    }
  g_printerr ("paperdock-cli profiles: unknown subcommand “%s”.\n\n", argv[1]);
  print_usage (stderr);
  return PD_EXIT_USAGE;
}
