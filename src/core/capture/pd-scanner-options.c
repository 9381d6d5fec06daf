/* pd-scanner-options.c: setting a SANE device up by option *name*, the way real frontends must.
 * Backends spell the same thing many ways ("ADF Duplex", "Duplex", a `duplex` boolean, ...), so
 * every setting has a ranked list of names and a fallback, and every attempt is logged with
 * g_debug: those logs are what a person attaches to a bug about their scanner. Runs only on
 * the scanner thread, which owns the handle. */
#define G_LOG_DOMAIN "pd-capture"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <sane/saneopts.h>
#include <string.h>

#include "pd-scanner-private.h"

#define MM_PER_INCH 25.4

/* Ranked: earlier names win. Exact names always beat substring matches, which is what keeps
 * "ADF" from being picked when duplex was asked (paperwork#673) and "ADF Duplex" from being
 * picked when one side was. */
static const char *const flatbed_names[] = {
  "Flatbed", "Normal", "Document Table", "Platen", NULL
};
static const char *const adf_names[] = {
  "ADF", "ADF Front", "Automatic Document Feeder", "ADF Simplex", "Simplex",
  "Automatic Document Feeder(centrally aligned)", "Automatic Document Feeder(center aligned)",
  "Automatic Document Feeder(left aligned)", "Document Feeder", "Feeder", NULL
};
static const char *const duplex_names[] = {
  "ADF Duplex", "Duplex", "Duplex ADF", "Automatic Document Feeder Duplex",
  "ADF Duplex - Long-Edge Binding", "ADF Duplex - Short-Edge Binding",
  "Automatic Document Feeder(centrally aligned,Duplex)",
  "Automatic Document Feeder(center aligned,Duplex)",
  "Automatic Document Feeder(left aligned,Duplex)", NULL
};

static const char *const text_mode_names[] = {
  "Lineart", "Binary", "Black & White", "Monochrome", "Halftone", NULL
};
static const char *const gray_mode_names[] = {
  "Gray", "Grayscale", "Grey", "Greyscale", "True Gray", "Gray[Fast]", NULL
};
static const char *const color_mode_names[] = {
  "Color", "RGB", "Colour", "24bit Color", "24bit Color[Fast]", "Color[Fast]", NULL
};

static const char *
find_exact (const char *const *values,
            const char *const *names)
{
  for (guint n = 0; names[n] != NULL; n++)
    for (guint v = 0; values[v] != NULL; v++)
      if (g_ascii_strcasecmp (values[v], names[n]) == 0)
        return values[v];
  return NULL;
}

static gboolean
contains_word (const char *haystack,
               const char *needle_lower)
{
  g_autofree char *lower = g_ascii_strdown (haystack, -1);

  return strstr (lower, needle_lower) != NULL;
}

static gboolean
is_adf_like (const char *source)
{
  return contains_word (source, "adf") || contains_word (source, "feeder");
}

gboolean
_pd_scanner_source_is_feeder (const char *source)
{
  return source != NULL && (is_adf_like (source) || contains_word (source, "duplex"));
}

const char *
_pd_scanner_pick_source (const char *const *sources,
                         PdScanSource       wanted)
{
  const char *found;

  if (sources == NULL)
    return NULL;

  switch (wanted)
    {
    case PD_SCAN_SOURCE_FLATBED:
      if ((found = find_exact (sources, flatbed_names)) != NULL)
        return found;
      for (guint i = 0; sources[i] != NULL; i++)
        if (contains_word (sources[i], "flatbed") || contains_word (sources[i], "platen"))
          return sources[i];
      return NULL;

    case PD_SCAN_SOURCE_ADF:
      if ((found = find_exact (sources, adf_names)) != NULL)
        return found;
      /* A back-only or both-sides source would give the wrong pages. */
      for (guint i = 0; sources[i] != NULL; i++)
        if (is_adf_like (sources[i]) && !contains_word (sources[i], "duplex")
            && !contains_word (sources[i], "back"))
          return sources[i];
      return NULL;

    case PD_SCAN_SOURCE_DUPLEX:
      if ((found = find_exact (sources, duplex_names)) != NULL)
        return found;
      for (guint i = 0; sources[i] != NULL; i++)
        if (contains_word (sources[i], "duplex"))
          return sources[i];
      return NULL;

    case PD_SCAN_SOURCE_AUTO:
    default:
      return NULL;
    }
}

/* Option lookup is by name every time: options may appear, vanish or move after a reload
 * (SANE_INFO_RELOAD_OPTIONS), and some backends (test) only accept options whose descriptor
 * was fetched. */
static SANE_Int
find_option (SANE_Handle                     handle,
             const char                     *name,
             const SANE_Option_Descriptor  **out_desc)
{
  SANE_Int count = 0;

  if (sane_get_option_descriptor (handle, 0) == NULL
      || sane_control_option (handle, 0, SANE_ACTION_GET_VALUE, &count, NULL) != SANE_STATUS_GOOD)
    return -1;

  for (SANE_Int i = 1; i < count; i++)
    {
      const SANE_Option_Descriptor *desc = sane_get_option_descriptor (handle, i);

      if (desc != NULL && desc->name != NULL && strcmp (desc->name, name) == 0)
        {
          *out_desc = desc;
          return i;
        }
    }
  return -1;
}

static SANE_Int
find_usable_option (SANE_Handle                     handle,
                    const char                     *name,
                    const SANE_Option_Descriptor  **out_desc)
{
  SANE_Int index = find_option (handle, name, out_desc);

  if (index < 0)
    return -1;
  if (!SANE_OPTION_IS_ACTIVE ((*out_desc)->cap) || !SANE_OPTION_IS_SETTABLE ((*out_desc)->cap))
    {
      g_debug ("option %s exists but is inactive or read-only", name);
      return -1;
    }
  return index;
}

static SANE_Status
control_set (SANE_Handle  handle,
             SANE_Int     index,
             const char  *name,
             void        *value,
             const char  *shown)
{
  SANE_Int info = 0;
  SANE_Status status = sane_control_option (handle, index, SANE_ACTION_SET_VALUE, value, &info);

  g_debug ("set option %s = %s: %s%s", name, shown, sane_strstatus (status),
           (info & SANE_INFO_INEXACT) ? " (device rounded it)" : "");
  return status;
}

static const SANE_String_Const *
get_string_list (SANE_Handle  handle,
                 const char  *name)
{
  const SANE_Option_Descriptor *desc;

  if (find_usable_option (handle, name, &desc) < 0
      || desc->type != SANE_TYPE_STRING
      || desc->constraint_type != SANE_CONSTRAINT_STRING_LIST)
    return NULL;
  return desc->constraint.string_list;
}

static char *
get_string (SANE_Handle  handle,
            const char  *name)
{
  const SANE_Option_Descriptor *desc;
  g_autofree char *buffer = NULL;
  SANE_Int index = find_option (handle, name, &desc);

  if (index < 0 || desc->type != SANE_TYPE_STRING || desc->size <= 0)
    return NULL;
  buffer = g_malloc0 ((gsize) desc->size + 1);
  if (sane_control_option (handle, index, SANE_ACTION_GET_VALUE, buffer, NULL) != SANE_STATUS_GOOD)
    return NULL;
  return g_steal_pointer (&buffer);
}

static SANE_Status
set_string (SANE_Handle  handle,
            const char  *name,
            const char  *value)
{
  const SANE_Option_Descriptor *desc;
  g_autofree char *buffer = NULL;
  SANE_Int index = find_usable_option (handle, name, &desc);
  gsize len = strlen (value);

  if (index < 0 || desc->type != SANE_TYPE_STRING)
    return SANE_STATUS_UNSUPPORTED;
  /* The backend may write the effective value back, up to the option's size. */
  buffer = g_malloc0 (MAX ((gsize) desc->size, len + 1));
  memcpy (buffer, value, len);
  return control_set (handle, index, name, buffer, value);
}

static gboolean
set_bool (SANE_Handle  handle,
          const char  *name,
          gboolean     value)
{
  const SANE_Option_Descriptor *desc;
  SANE_Int index = find_usable_option (handle, name, &desc);
  SANE_Bool b = value ? SANE_TRUE : SANE_FALSE;

  if (index < 0 || desc->type != SANE_TYPE_BOOL)
    return FALSE;
  return control_set (handle, index, name, &b, value ? "true" : "false") == SANE_STATUS_GOOD;
}

static double
word_to_double (const SANE_Option_Descriptor *desc,
                SANE_Word                     word)
{
  return desc->type == SANE_TYPE_FIXED ? SANE_UNFIX (word) : (double) word;
}

/* The closest value the device accepts: clamped into a range and snapped to its step, or the
 * nearest entry of a word list. */
static double
constrain_number (const SANE_Option_Descriptor *desc,
                  double                        value)
{
  if (desc->constraint_type == SANE_CONSTRAINT_RANGE && desc->constraint.range != NULL)
    {
      const SANE_Range *range = desc->constraint.range;
      double min = word_to_double (desc, range->min);
      double max = word_to_double (desc, range->max);
      double quant = word_to_double (desc, range->quant);

      value = CLAMP (value, min, max);
      if (quant > 0)
        {
          value = min + round ((value - min) / quant) * quant;
          if (value > max)
            value -= quant;
        }
    }
  else if (desc->constraint_type == SANE_CONSTRAINT_WORD_LIST && desc->constraint.word_list != NULL)
    {
      const SANE_Word *list = desc->constraint.word_list;
      double best = value;
      double best_distance = INFINITY;

      for (SANE_Int i = 1; i <= list[0]; i++)
        {
          double candidate = word_to_double (desc, list[i]);

          if (fabs (candidate - value) < best_distance)
            {
              best = candidate;
              best_distance = fabs (candidate - value);
            }
        }
      value = best;
    }
  return value;
}

static gboolean
set_number (SANE_Handle  handle,
            const char  *name,
            double       value)
{
  const SANE_Option_Descriptor *desc;
  SANE_Int index = find_usable_option (handle, name, &desc);
  g_autofree SANE_Word *words = NULL;
  g_autofree char *shown = NULL;
  SANE_Word word;
  gsize n_words;

  if (index < 0 || (desc->type != SANE_TYPE_INT && desc->type != SANE_TYPE_FIXED))
    return FALSE;

  value = constrain_number (desc, value);
  word = desc->type == SANE_TYPE_FIXED ? SANE_FIX (value) : (SANE_Word) lround (value);
  n_words = MAX ((gsize) desc->size / sizeof (SANE_Word), 1);
  words = g_new (SANE_Word, n_words);
  for (gsize i = 0; i < n_words; i++)
    words[i] = word;
  shown = g_strdup_printf ("%g", value);
  return control_set (handle, index, name, words, shown) == SANE_STATUS_GOOD;
}

static gboolean
get_number (SANE_Handle  handle,
            const char  *name,
            double      *value)
{
  const SANE_Option_Descriptor *desc;
  g_autofree SANE_Word *words = NULL;
  SANE_Int index = find_option (handle, name, &desc);

  if (index < 0 || (desc->type != SANE_TYPE_INT && desc->type != SANE_TYPE_FIXED)
      || !SANE_OPTION_IS_ACTIVE (desc->cap))
    return FALSE;
  words = g_new0 (SANE_Word, MAX ((gsize) desc->size / sizeof (SANE_Word), 1));
  if (sane_control_option (handle, index, SANE_ACTION_GET_VALUE, words, NULL) != SANE_STATUS_GOOD)
    return FALSE;
  *value = word_to_double (desc, words[0]);
  return TRUE;
}

static gboolean
set_source (SANE_Handle   handle,
            const char   *option,
            const char   *value,
            GError      **error)
{
  if (set_string (handle, option, value) != SANE_STATUS_GOOD)
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_INVALID,
                   _("The scanner refused to scan from “%s”. Try another source."), value);
      return FALSE;
    }
  return TRUE;
}

/* Vendors without a duplex source have a switch instead: a `duplex` boolean, or an
 * `adf-mode`/`ScanMode` list holding "Duplex" (Canon DR, some Epson). */
static gboolean
set_vendor_duplex (SANE_Handle handle)
{
  static const char *const bools[] = { "duplex", "scan-both-sides", NULL };
  static const char *const lists[] = { "adf-mode", "adf_mode", "ScanMode", NULL };

  for (guint i = 0; bools[i] != NULL; i++)
    if (set_bool (handle, bools[i], TRUE))
      return TRUE;
  for (guint i = 0; lists[i] != NULL; i++)
    {
      const SANE_String_Const *values = get_string_list (handle, lists[i]);
      const char *duplex;

      if (values == NULL)
        continue;
      duplex = find_exact ((const char *const *) values, duplex_names);
      if (duplex != NULL && set_string (handle, lists[i], duplex) == SANE_STATUS_GOOD)
        return TRUE;
    }
  return FALSE;
}

static gboolean
configure_source (SANE_Handle    handle,
                  const char    *device,
                  PdScanSource   wanted,
                  gboolean      *feeder,
                  GError       **error)
{
  const char *option = SANE_NAME_SCAN_SOURCE;
  const SANE_String_Const *list = get_string_list (handle, option);
  const char *const *sources;
  const char *picked;

  if (list == NULL && (list = get_string_list (handle, "doc-source")) != NULL)
    option = "doc-source";
  sources = (const char *const *) list;
  picked = _pd_scanner_pick_source (sources, wanted);
  g_debug ("source wanted %s, picked %s", pd_scan_source_to_string (wanted),
           picked != NULL ? picked : "(none)");

  switch (wanted)
    {
    case PD_SCAN_SOURCE_AUTO:
      {
        g_autofree char *current = get_string (handle, option);

        *feeder = _pd_scanner_source_is_feeder (current);
        return TRUE;
      }

    case PD_SCAN_SOURCE_FLATBED:
      *feeder = FALSE;
      if (picked != NULL)
        return set_source (handle, option, picked, error);
      /* No source option at all: the flatbed is the only way the device scans. */
      if (sources == NULL)
        return TRUE;
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_UNSUPPORTED,
                   _("“%s” has no flatbed. Put the pages in its document feeder and scan "
                     "from the feeder instead."), device);
      return FALSE;

    case PD_SCAN_SOURCE_ADF:
      *feeder = TRUE;
      if (picked != NULL)
        return set_source (handle, option, picked, error);
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_UNSUPPORTED,
                   _("“%s” has no document feeder. Scan the pages one by one from the "
                     "flatbed instead."), device);
      return FALSE;

    case PD_SCAN_SOURCE_DUPLEX:
      *feeder = TRUE;
      if (picked != NULL)
        return set_source (handle, option, picked, error);
      {
        const char *adf = _pd_scanner_pick_source (sources, PD_SCAN_SOURCE_ADF);

        if ((adf == NULL || set_string (handle, option, adf) == SANE_STATUS_GOOD)
            && set_vendor_duplex (handle))
          return TRUE;
      }
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_UNSUPPORTED,
                   _("“%s” cannot scan both sides of the paper. Scan one side from the "
                     "feeder, then turn the stack over and scan the backs as a second "
                     "batch."), device);
      return FALSE;

    default:
      g_assert_not_reached ();
    }
}

static void
configure_mode (SANE_Handle handle,
                PdScanMode  mode)
{
  const SANE_String_Const *list = get_string_list (handle, SANE_NAME_SCAN_MODE);
  const char *const *modes = (const char *const *) list;
  const char *picked = NULL;

  if (modes == NULL)
    {
      g_debug ("device has no mode option; keeping its default");
      return;
    }
  if (mode == PD_SCAN_MODE_TEXT)
    picked = find_exact (modes, text_mode_names);
  else if (mode == PD_SCAN_MODE_COLOR)
    picked = find_exact (modes, color_mode_names);
  /* Text falls back to gray: the process stage thresholds it, which loses nothing. */
  if (picked == NULL && mode != PD_SCAN_MODE_COLOR)
    picked = find_exact (modes, gray_mode_names);
  for (guint i = 0; picked == NULL && modes[i] != NULL; i++)
    {
      if (mode == PD_SCAN_MODE_COLOR
          ? (contains_word (modes[i], "color") || contains_word (modes[i], "colour"))
          : (contains_word (modes[i], "gray") || contains_word (modes[i], "grey")))
        picked = modes[i];
    }
  if (picked == NULL)
    {
      g_debug ("no mode matches %s; keeping the device's default", pd_scan_mode_to_string (mode));
      return;
    }
  set_string (handle, SANE_NAME_SCAN_MODE, picked);
}

static guint
configure_resolution (SANE_Handle handle,
                      guint       wanted)
{
  static const char *const names[] = { SANE_NAME_SCAN_RESOLUTION, "scan-resolution", NULL };
  double actual = wanted;

  for (guint i = 0; names[i] != NULL; i++)
    {
      if (set_number (handle, names[i], wanted))
        {
          get_number (handle, names[i], &actual);
          break;
        }
    }
  /* Epson and a few others have separate, soft-selectable x/y resolutions. */
  if (set_number (handle, SANE_NAME_SCAN_X_RESOLUTION, wanted))
    get_number (handle, SANE_NAME_SCAN_X_RESOLUTION, &actual);
  set_number (handle, SANE_NAME_SCAN_Y_RESOLUTION, wanted);
  return actual >= 1 ? (guint) lround (actual) : wanted;
}

static double
mm_to_option_unit (SANE_Handle  handle,
                   const char  *name,
                   double       mm,
                   guint        dpi)
{
  const SANE_Option_Descriptor *desc;

  if (find_option (handle, name, &desc) >= 0 && desc->unit == SANE_UNIT_PIXEL)
    return mm * dpi / MM_PER_INCH;
  return mm;
}

static void
configure_extent (SANE_Handle  handle,
                  const char  *tl_name,
                  const char  *br_name,
                  double       length_mm,
                  guint        dpi)
{
  double start = 0;

  /* The top-left corner goes to the start of the range; the far edge is clamped by
   * set_number to what the device can reach. */
  set_number (handle, tl_name, 0);
  get_number (handle, tl_name, &start);
  set_number (handle, br_name, start + mm_to_option_unit (handle, br_name, length_mm, dpi));
}

static void
configure_geometry (SANE_Handle          handle,
                    const PdScanOptions *options,
                    guint                dpi)
{
  double width = options->page_width_mm > 0 ? options->page_width_mm : 210.0;
  double height = options->page_height_mm > 0 ? options->page_height_mm : 297.0;

  configure_extent (handle, SANE_NAME_SCAN_TL_X, SANE_NAME_SCAN_BR_X, width, dpi);
  configure_extent (handle, SANE_NAME_SCAN_TL_Y, SANE_NAME_SCAN_BR_Y, height, dpi);
}

static gboolean
parse_bool (const char *value,
            SANE_Bool  *out)
{
  static const char *const yes[] = { "1", "yes", "true", "on", NULL };
  static const char *const no[] = { "0", "no", "false", "off", NULL };

  for (guint i = 0; yes[i] != NULL; i++)
    if (g_ascii_strcasecmp (value, yes[i]) == 0)
      return (*out = SANE_TRUE), TRUE;
  for (guint i = 0; no[i] != NULL; i++)
    if (g_ascii_strcasecmp (value, no[i]) == 0)
      return (*out = SANE_FALSE), TRUE;
  return FALSE;
}

/* "name=value" as a person writes it on the command line, typed by the option's own type. */
static gboolean
set_from_assignment (SANE_Handle   handle,
                     const char   *assignment,
                     GError      **error)
{
  const char *eq = strchr (assignment, '=');
  g_autofree char *name = NULL;
  const char *value;
  const SANE_Option_Descriptor *desc;
  SANE_Int index;
  SANE_Status status;

  if (eq == NULL || eq == assignment)
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_INVALID,
                   _("The scanner option “%s” is not of the form name=value."), assignment);
      return FALSE;
    }
  name = g_strndup (assignment, (gsize) (eq - assignment));
  value = eq + 1;

  index = find_option (handle, name, &desc);
  if (index < 0)
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_INVALID,
                   _("The scanner has no option “%s”. “scanimage --help -d DEVICE” lists the "
                     "options it has."), name);
      return FALSE;
    }
  if (!SANE_OPTION_IS_ACTIVE (desc->cap) || !SANE_OPTION_IS_SETTABLE (desc->cap))
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_INVALID,
                   _("The scanner option “%s” cannot be set with the other settings given "
                     "(it may need another option set before it)."), name);
      return FALSE;
    }

  switch (desc->type)
    {
    case SANE_TYPE_BOOL:
      {
        SANE_Bool b;

        if (!parse_bool (value, &b))
          goto bad_value;
        status = control_set (handle, index, name, &b, value);
        break;
      }

    case SANE_TYPE_INT:
    case SANE_TYPE_FIXED:
      {
        char *end = NULL;
        double number = g_ascii_strtod (value, &end);
        gsize n_words = MAX ((gsize) desc->size / sizeof (SANE_Word), 1);
        g_autofree SANE_Word *words = g_new (SANE_Word, n_words);

        if (end == value || *end != '\0')
          goto bad_value;
        for (gsize i = 0; i < n_words; i++)
          words[i] = desc->type == SANE_TYPE_FIXED ? SANE_FIX (number) : (SANE_Word) lround (number);
        status = control_set (handle, index, name, words, value);
        break;
      }

    case SANE_TYPE_STRING:
      {
        g_autofree char *buffer = NULL;

        if (strlen (value) >= (gsize) desc->size)
          goto bad_value;
        buffer = g_malloc0 ((gsize) desc->size);
        memcpy (buffer, value, strlen (value));
        status = control_set (handle, index, name, buffer, value);
        break;
      }

    case SANE_TYPE_BUTTON:
      status = control_set (handle, index, name, NULL, "(pressed)");
      break;

    case SANE_TYPE_GROUP:
    default:
      goto bad_value;
    }

  if (status != SANE_STATUS_GOOD)
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_INVALID,
                   _("The scanner refused “%s=%s”: %s."), name, value, sane_strstatus (status));
      return FALSE;
    }
  return TRUE;

bad_value:
  g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_INVALID,
               _("“%s” is not a valid value for the scanner option “%s”."), value, name);
  return FALSE;
}

gboolean
_pd_scanner_set_string_option (SANE_Handle   handle,
                               const char   *name,
                               const char   *value,
                               GError      **error)
{
  SANE_Status status = set_string (handle, name, value);

  if (status != SANE_STATUS_GOOD)
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_INVALID,
                   _("The scanner refused “%s=%s”: %s."), name, value, sane_strstatus (status));
      return FALSE;
    }
  return TRUE;
}

gboolean
_pd_scanner_configure (SANE_Handle           handle,
                       const char           *device,
                       const PdScanOptions  *options,
                       gboolean              is_demo,
                       gboolean             *feeder,
                       guint                *dpi,
                       GError              **error)
{
  guint wanted_dpi = options->resolution > 0 ? options->resolution : 300;

  if (is_demo)
    {
      /* The pnm backend serves the file as it is: its resolution is only a label, and the demo
       * pages are drawn at 300 dpi. It behaves like a feeder holding the demo pages. */
      set_number (handle, SANE_NAME_SCAN_RESOLUTION, 300);
      *feeder = TRUE;
      *dpi = 300;
    }
  else
    {
      /* Source first: resolution and geometry ranges often depend on it. */
      if (!configure_source (handle, device, options->source, feeder, error))
        return FALSE;
      configure_mode (handle, options->mode);
      *dpi = configure_resolution (handle, wanted_dpi);
      configure_geometry (handle, options, *dpi);
    }

  for (guint i = 0; options->sane_options != NULL && options->sane_options[i] != NULL; i++)
    if (!set_from_assignment (handle, options->sane_options[i], error))
      return FALSE;

  if (!is_demo)
    {
      double value;

      if (get_number (handle, SANE_NAME_SCAN_RESOLUTION, &value) && value >= 1)
        *dpi = (guint) lround (value);
    }
  return TRUE;
}
