/* pd-naming.c: naming templates rendered into names every destination accepts. A template is
 * parsed into literal text and placeholders first, so an unknown placeholder or a bad regular
 * expression is reported before a counter is taken. Values from the outside world (user, OCR
 * text, barcodes) lose their path separators before they are put in; the whole name is then made
 * safe for Windows, OneDrive, SharePoint and WebDAV servers and cut to length on a UTF-8
 * boundary. */
#define G_LOG_DOMAIN "pd-library"

#include "config.h"

#include <string.h>

#include "pd-naming.h"

G_DEFINE_QUARK (pd-naming-error-quark, pd_naming_error)

typedef enum {
  PART_LITERAL,
  PART_SEPARATOR,  /* '/' or '\' in a folder template */
  PART_DATE,
  PART_TIME,
  PART_YEAR,
  PART_MONTH,
  PART_DAY,
  PART_HOUR,
  PART_MINUTE,
  PART_SECOND,
  PART_USER,
  PART_HOST,
  PART_PROFILE,
  PART_COUNTER,
  PART_BARCODE,
  PART_PAGES,
  PART_OCR,
} PartKind;

static const struct {
  const char *name;
  PartKind    kind;
} placeholders[] = {
  { "date", PART_DATE },
  { "time", PART_TIME },
  { "year", PART_YEAR },
  { "month", PART_MONTH },
  { "day", PART_DAY },
  { "hour", PART_HOUR },
  { "minute", PART_MINUTE },
  { "second", PART_SECOND },
  { "user", PART_USER },
  { "host", PART_HOST },
  { "profile", PART_PROFILE },
  { "counter", PART_COUNTER },
  { "barcode", PART_BARCODE },
  { "pages", PART_PAGES },
  { "ocr", PART_OCR },
};

#define MAX_COUNTER_WIDTH 20

typedef struct {
  PartKind  kind;
  char     *text;   /* literal text, or the placeholder's argument (NULL when it has none) */
  guint     width;  /* {counter:N} */
  GRegex   *regex;  /* {ocr:REGEX} */
} Part;

static void
part_clear (gpointer data)
{
  Part *part = data;

  g_clear_pointer (&part->text, g_free);
  g_clear_pointer (&part->regex, g_regex_unref);
}

static const char known_placeholders[] =
  "{date} {time} {year} {month} {day} {hour} {minute} {second} {user} {host} {profile} "
  "{counter} {counter:N} {barcode} {pages} {ocr:REGEX}";

static void
add_literal (GArray     *parts,
             const char *text,
             gsize       len,
             gboolean    folder)
{
  const char *start = text;
  const char *end = text + len;

  /* In a folder template a separator typed by the person splits folders; both '/' and '\' are
   * accepted because people type either. */
  for (const char *p = text; p <= end; p++)
    {
      if (p == end || (folder && (*p == '/' || *p == '\\')))
        {
          if (p > start)
            {
              Part part = { PART_LITERAL, g_strndup (start, (gsize) (p - start)), 0, NULL };

              g_array_append_val (parts, part);
            }
          if (p < end)
            {
              Part sep = { PART_SEPARATOR, NULL, 0, NULL };

              g_array_append_val (parts, sep);
            }
          start = p + 1;
        }
    }
}

/* Turns "{name}" or "{name:arg}" into a part; returns FALSE with @error for a bad argument, and
 * adds the name to @unknown when it is not a placeholder. */
static gboolean
add_placeholder (GArray      *parts,
                 const char  *kind,
                 const char  *tmpl,
                 const char  *inner,
                 gsize        len,
                 GString     *unknown,
                 GError     **error)
{
  g_autofree char *name = NULL;
  const char *colon = memchr (inner, ':', len);
  gsize name_len = colon != NULL ? (gsize) (colon - inner) : len;
  Part part = { PART_LITERAL, NULL, 0, NULL };
  gboolean found = FALSE;

  name = g_strndup (inner, name_len);
  for (guint i = 0; i < G_N_ELEMENTS (placeholders); i++)
    {
      if (g_ascii_strcasecmp (name, placeholders[i].name) == 0)
        {
          part.kind = placeholders[i].kind;
          found = TRUE;
          break;
        }
    }
  if (!found)
    {
      g_autofree char *whole = g_strndup (inner, len);

      g_string_append_printf (unknown, "%s{%s}", unknown->len > 0 ? ", " : "", whole);
      return TRUE;
    }

  if (colon != NULL)
    part.text = g_strndup (colon + 1, len - name_len - 1);

  switch (part.kind)
    {
    case PART_COUNTER:
      if (part.text != NULL)
        {
          guint64 width = 0;

          if (!g_ascii_string_to_unsigned (part.text, 10, 1, MAX_COUNTER_WIDTH, &width, NULL))
            {
              g_set_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_BAD_TEMPLATE,
                           "In the %s “%s”, {counter:%s} needs a number of digits "
                           "from 1 to %u, such as {counter:3}.", kind, tmpl, part.text,
                           MAX_COUNTER_WIDTH);
              part_clear (&part);
              return FALSE;
            }
          part.width = (guint) width;
        }
      break;

    case PART_OCR:
      {
        g_autoptr(GError) regex_error = NULL;

        if (part.text == NULL || *part.text == '\0')
          {
            g_set_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_BAD_TEMPLATE,
                         "In the %s “%s”, {ocr} needs a pattern to look for in the "
                         "text, such as {ocr:Invoice (\\d+)}.", kind, tmpl);
            part_clear (&part);
            return FALSE;
          }
        part.regex = g_regex_new (part.text, 0, 0, &regex_error);
        if (part.regex == NULL)
          {
            g_set_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_BAD_TEMPLATE,
                         "In the %s “%s”, the pattern of {ocr:%s} is not a valid "
                         "regular expression: %s.", kind, tmpl, part.text,
                         regex_error->message);
            part_clear (&part);
            return FALSE;
          }
      }
      break;

    default:
      if (part.text != NULL)
        {
          g_set_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_BAD_TEMPLATE,
                       "In the %s “%s”, {%s} takes nothing after a colon; write "
                       "{%s}.", kind, tmpl, name, name);
          part_clear (&part);
          return FALSE;
        }
      break;
    }

  g_array_append_val (parts, part);
  return TRUE;
}

static GArray *
parse_template (const char  *tmpl,
                gboolean     folder,
                GError     **error)
{
  g_autoptr(GArray) parts = g_array_new (FALSE, TRUE, sizeof (Part));
  g_autoptr(GString) literal = g_string_new (NULL);
  g_autoptr(GString) unknown = g_string_new (NULL);
  const char *kind = folder ? "folder template" : "name template";
  const char *p = tmpl;

  g_array_set_clear_func (parts, part_clear);

  if (!g_utf8_validate (tmpl, -1, NULL))
    {
      g_set_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_BAD_TEMPLATE,
                   "The %s is not valid UTF-8 text.", kind);
      return NULL;
    }

  while (*p != '\0')
    {
      if (p[0] == '{' && p[1] == '{')
        {
          g_string_append_c (literal, '{');
          p += 2;
        }
      else if (p[0] == '}' && p[1] == '}')
        {
          g_string_append_c (literal, '}');
          p += 2;
        }
      else if (p[0] == '}')
        {
          g_set_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_BAD_TEMPLATE,
                       "The %s “%s” has a “}” that closes nothing; write “}}” for "
                       "the brace itself.", kind, tmpl);
          return NULL;
        }
      else if (p[0] == '{')
        {
          const char *inner = p + 1;
          const char *q = inner;
          guint depth = 1;

          /* A regular expression may hold braces of its own ({ocr:\d{5}}) and escaped ones. */
          while (*q != '\0')
            {
              if (*q == '\\' && q[1] != '\0')
                q++;
              else if (*q == '{')
                depth++;
              else if (*q == '}' && --depth == 0)
                break;
              q++;
            }
          if (*q == '\0')
            {
              g_set_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_BAD_TEMPLATE,
                           "The %s “%s” has a “{” that is never closed; write "
                           "“{{” for the brace itself.", kind, tmpl);
              return NULL;
            }
          if (literal->len > 0)
            {
              add_literal (parts, literal->str, literal->len, folder);
              g_string_truncate (literal, 0);
            }
          if (!add_placeholder (parts, kind, tmpl, inner, (gsize) (q - inner), unknown,
                                error))
            return NULL;
          p = q + 1;
        }
      else
        {
          g_string_append_c (literal, *p);
          p++;
        }
    }
  if (literal->len > 0)
    add_literal (parts, literal->str, literal->len, folder);

  if (unknown->len > 0)
    {
      g_set_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_UNKNOWN_PLACEHOLDER,
                   "The %s “%s” uses %s, which Paperdock does not know. Known "
                   "placeholders: %s.", kind, tmpl, unknown->str, known_placeholders);
      return NULL;
    }
  return g_steal_pointer (&parts);
}

gboolean
pd_naming_check_template (const char  *name_template,
                          GError     **error)
{
  g_autoptr(GArray) parts = NULL;

  g_return_val_if_fail (name_template != NULL, FALSE);

  parts = parse_template (name_template, FALSE, error);
  return parts != NULL;
}

gboolean
pd_naming_check_folder_template (const char  *folder_template,
                                 GError     **error)
{
  g_autoptr(GArray) parts = NULL;

  g_return_val_if_fail (folder_template != NULL, FALSE);

  parts = parse_template (folder_template, TRUE, error);
  return parts != NULL;
}

gboolean
pd_naming_template_uses_counter (const char *name_template)
{
  g_autoptr(GArray) parts = NULL;

  g_return_val_if_fail (name_template != NULL, FALSE);

  parts = parse_template (name_template, FALSE, NULL);
  if (parts == NULL)
    return FALSE;
  for (guint i = 0; i < parts->len; i++)
    {
      if (g_array_index (parts, Part, i).kind == PART_COUNTER)
        return TRUE;
    }
  return FALSE;
}

/* Making names safe */

static gboolean
is_bidi_control (gunichar c)
{
  /* Invisible direction overrides can make a name ending in "fdp.exe" display as "exe.pdf". */
  return c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF;
}

static const char *const reserved_stems[] = {
  "CON", "PRN", "AUX", "NUL",
  "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
  "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
};

/* Windows refuses a device name as a file name even with an extension ("con.pdf"); OneDrive
 * refuses desktop.ini. Appending '_' to the stem keeps the name readable. */
static void
avoid_reserved (GString *name)
{
  const char *dot = strchr (name->str, '.');
  gsize stem_len = dot != NULL ? (gsize) (dot - name->str) : name->len;

  for (guint i = 0; i < G_N_ELEMENTS (reserved_stems); i++)
    {
      if (stem_len == strlen (reserved_stems[i]) &&
          g_ascii_strncasecmp (name->str, reserved_stems[i], stem_len) == 0)
        {
          g_string_insert_c (name, (gssize) stem_len, '_');
          return;
        }
    }
  if (g_ascii_strcasecmp (name->str, "desktop.ini") == 0)
    g_string_insert_c (name, (gssize) strlen ("desktop"), '_');
}

static void
trim (GString *name)
{
  gsize start = 0;

  /* Leading dots would make a hidden file (and ".lock" is refused by OneDrive); trailing dots
   * and spaces are silently dropped by Windows, so two names would collide. */
  while (start < name->len && (name->str[start] == ' ' || name->str[start] == '.'))
    start++;
  g_string_erase (name, 0, (gssize) start);
  while (name->len > 0 && (name->str[name->len - 1] == ' ' || name->str[name->len - 1] == '.'))
    g_string_truncate (name, name->len - 1);
}

/* Cuts @name to at most @max_bytes without splitting a UTF-8 sequence. */
static void
cut (GString *name,
     gsize    max_bytes)
{
  gsize len = name->len;

  if (len <= max_bytes)
    return;
  len = max_bytes;
  /* Step back over continuation bytes (10xxxxxx) to the start of the character that did not
   * fit. */
  while (len > 0 && ((guchar) name->str[len] & 0xC0) == 0x80)
    len--;
  g_string_truncate (name, len);
}

char *
pd_naming_make_safe (const char  *name,
                     gsize        max_bytes,
                     GError     **error)
{
  g_autofree char *valid = NULL;
  g_autofree char *normalized = NULL;
  g_autoptr(GString) safe = g_string_new (NULL);
  gboolean space = FALSE;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (max_bytes >= 16, NULL);

  valid = g_utf8_make_valid (name, -1);
  /* NFC: macOS and some servers decompose accents, and "é" must stay one name everywhere. */
  normalized = g_utf8_normalize (valid, -1, G_NORMALIZE_NFC);
  if (normalized == NULL)
    normalized = g_strdup (valid);

  for (const char *p = normalized; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || g_unichar_isspace (c))
        {
          space = TRUE;
          continue;
        }
      if (is_bidi_control (c))
        continue;
      if (space)
        {
          g_string_append_c (safe, ' ');
          space = FALSE;
        }
      switch (c)
        {
        case '/':
        case '\\':
        case ':':
          g_string_append_c (safe, '-');
          break;

        case '"':
        case '*':
        case '<':
        case '>':
        case '?':
        case '|':
          g_string_append_c (safe, '_');
          break;

        case '.':
          /* ".." never appears, so no part of a name can read as "the folder above". */
          if (safe->len == 0 || safe->str[safe->len - 1] != '.')
            g_string_append_c (safe, '.');
          break;

        default:
          g_string_append_unichar (safe, c);
          break;
        }
    }

  trim (safe);
  /* Office's lock files start with "~$"; OneDrive and SharePoint refuse such names. */
  if (g_str_has_prefix (safe->str, "~$"))
    safe->str[0] = '_';
  /* SharePoint refuses "_vti_" anywhere in a name, in any case. */
  for (gsize i = 0; i + 5 <= safe->len; i++)
    {
      if (g_ascii_strncasecmp (safe->str + i, "_vti_", 5) == 0)
        safe->str[i] = '-';
    }

  cut (safe, max_bytes);
  trim (safe);
  avoid_reserved (safe);
  if (safe->len > max_bytes)
    {
      cut (safe, max_bytes);
      trim (safe);
    }

  if (safe->len == 0)
    {
      g_set_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_EMPTY,
                   "“%s” leaves no usable name once the characters that file servers refuse "
                   "are taken out.", valid);
      return NULL;
    }
  return g_string_free (g_steal_pointer (&safe), FALSE);
}

/* Rendering */

static void
append_value (GString    *out,
              const char *value)
{
  if (value == NULL)
    return;
  /* A value never adds a folder level, whatever it contains. */
  for (const char *p = value; *p != '\0'; p++)
    g_string_append_c (out, *p == '/' || *p == '\\' ? '-' : *p);
}

static void
append_ocr_match (GString    *out,
                  GRegex     *regex,
                  const char *text)
{
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *found = NULL;

  if (text == NULL || !g_regex_match (regex, text, 0, &match))
    return;
  found = g_match_info_fetch (match, g_regex_get_capture_count (regex) > 0 ? 1 : 0);
  append_value (out, found);
}

static void
append_part (GString               *out,
             const Part            *part,
             const PdNamingContext *ctx,
             GDateTime             *time)
{
  g_autofree char *formatted = NULL;

  switch (part->kind)
    {
    case PART_LITERAL:
      g_string_append (out, part->text);
      break;
    case PART_SEPARATOR:
      g_assert_not_reached ();
      break;
    case PART_DATE:
      formatted = g_date_time_format (time, "%Y-%m-%d");
      break;
    case PART_TIME:
      formatted = g_date_time_format (time, "%H-%M-%S");
      break;
    case PART_YEAR:
      formatted = g_date_time_format (time, "%Y");
      break;
    case PART_MONTH:
      formatted = g_date_time_format (time, "%m");
      break;
    case PART_DAY:
      formatted = g_date_time_format (time, "%d");
      break;
    case PART_HOUR:
      formatted = g_date_time_format (time, "%H");
      break;
    case PART_MINUTE:
      formatted = g_date_time_format (time, "%M");
      break;
    case PART_SECOND:
      formatted = g_date_time_format (time, "%S");
      break;
    case PART_USER:
      append_value (out, ctx->user != NULL ? ctx->user : g_get_user_name ());
      break;
    case PART_HOST:
      append_value (out, ctx->host != NULL ? ctx->host : g_get_host_name ());
      break;
    case PART_PROFILE:
      append_value (out, ctx->profile);
      break;
    case PART_COUNTER:
      g_string_append_printf (out, "%0*" G_GINT64_FORMAT, (int) part->width, ctx->counter);
      break;
    case PART_BARCODE:
      append_value (out, ctx->barcode);
      break;
    case PART_PAGES:
      g_string_append_printf (out, "%u", ctx->pages);
      break;
    case PART_OCR:
      append_ocr_match (out, part->regex, ctx->ocr_text);
      break;
    default:
      g_assert_not_reached ();
    }
  if (formatted != NULL)
    g_string_append (out, formatted);
}

static GDateTime *
context_time (const PdNamingContext *ctx)
{
  return ctx->time != NULL ? g_date_time_ref (ctx->time) : g_date_time_new_now_local ();
}

char *
pd_naming_render (const char             *name_template,
                  const PdNamingContext  *ctx,
                  GError                **error)
{
  g_autoptr(GArray) parts = NULL;
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) local_error = NULL;
  char *safe;

  g_return_val_if_fail (name_template != NULL, NULL);
  g_return_val_if_fail (ctx != NULL, NULL);

  parts = parse_template (name_template, FALSE, error);
  if (parts == NULL)
    return NULL;
  time = context_time (ctx);
  for (guint i = 0; i < parts->len; i++)
    append_part (out, &g_array_index (parts, Part, i), ctx, time);

  safe = pd_naming_make_safe (out->str, PD_NAMING_MAX_NAME_BYTES, &local_error);
  if (safe == NULL)
    g_set_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_EMPTY,
                 "The name template “%s” gives an empty name here (“%s”). Add some fixed text "
                 "or a {date} to it.", name_template, out->str);
  return safe;
}

char *
pd_naming_render_folder (const char             *folder_template,
                         const PdNamingContext  *ctx,
                         GError                **error)
{
  g_autoptr(GArray) parts = NULL;
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GString) path = g_string_new (NULL);
  g_autoptr(GString) segment = g_string_new (NULL);
  guint n_in_segment = 0;

  g_return_val_if_fail (folder_template != NULL, NULL);
  g_return_val_if_fail (ctx != NULL, NULL);

  parts = parse_template (folder_template, TRUE, error);
  if (parts == NULL)
    return NULL;
  time = context_time (ctx);

  for (guint i = 0; i <= parts->len; i++)
    {
      const Part *part = i < parts->len ? &g_array_index (parts, Part, i) : NULL;

      if (part == NULL || part->kind == PART_SEPARATOR)
        {
          g_autofree char *safe = NULL;
          g_autoptr(GError) local_error = NULL;

          /* "Invoices//2026" and a leading or trailing slash mean no extra folder. */
          if (n_in_segment == 0)
            continue;
          safe = pd_naming_make_safe (segment->str, PD_NAMING_MAX_NAME_BYTES, &local_error);
          if (safe == NULL)
            {
              g_set_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_EMPTY,
                           "The folder template “%s” gives a folder with no usable name here "
                           "(“%s”). Add some fixed text to that folder.", folder_template,
                           segment->str);
              return NULL;
            }
          if (path->len > 0)
            g_string_append_c (path, '/');
          g_string_append (path, safe);
          g_string_truncate (segment, 0);
          n_in_segment = 0;
          continue;
        }
      append_part (segment, part, ctx, time);
      n_in_segment++;
    }

  if (g_utf8_strlen (path->str, -1) > PD_NAMING_MAX_FOLDER_CHARS)
    {
      g_set_error (error, PD_NAMING_ERROR, PD_NAMING_ERROR_TOO_LONG,
                   "The folder template “%s” gives a folder path of %ld characters; with a "
                   "file name in it, that passes the %u characters OneDrive and SharePoint "
                   "allow for a whole path. Use at most %u characters for the folders.",
                   folder_template, g_utf8_strlen (path->str, -1), PD_NAMING_MAX_PATH_CHARS,
                   PD_NAMING_MAX_FOLDER_CHARS);
      return NULL;
    }
  return g_string_free (g_steal_pointer (&path), FALSE);
}

/* With the library */

static char *
render_with_counter (PdLibrary              *library,
                     const char             *name_template,
                     const PdNamingContext  *ctx,
                     gboolean                take,
                     guint                   nth,
                     GError                **error)
{
  PdNamingContext with_counter = *ctx;
  const char *scope = ctx->profile != NULL ? ctx->profile : "";

  /* Check first: a template that cannot render must not use up a number. */
  if (!pd_naming_check_template (name_template, error))
    return NULL;
  if (pd_naming_template_uses_counter (name_template))
    {
      with_counter.counter = take ? pd_library_next_counter (library, scope, error)
                                  : pd_library_peek_counter (library, scope, error);
      if (with_counter.counter <= 0)
        return NULL;
      with_counter.counter += nth;
    }
  return pd_naming_render (name_template, &with_counter, error);
}

char *
pd_naming_take_name (PdLibrary              *library,
                     const char             *name_template,
                     const PdNamingContext  *ctx,
                     GError                **error)
{
  g_return_val_if_fail (PD_IS_LIBRARY (library), NULL);
  g_return_val_if_fail (name_template != NULL, NULL);
  g_return_val_if_fail (ctx != NULL, NULL);

  return render_with_counter (library, name_template, ctx, TRUE, 0, error);
}

char *
pd_naming_preview_name (PdLibrary              *library,
                        const char             *name_template,
                        const PdNamingContext  *ctx,
                        GError                **error)
{
  g_return_val_if_fail (PD_IS_LIBRARY (library), NULL);
  g_return_val_if_fail (name_template != NULL, NULL);
  g_return_val_if_fail (ctx != NULL, NULL);

  return render_with_counter (library, name_template, ctx, FALSE, 0, error);
}

char *
pd_naming_preview_nth_name (PdLibrary              *library,
                            const char             *name_template,
                            const PdNamingContext  *ctx,
                            guint                   nth,
                            GError                **error)
{
  g_return_val_if_fail (PD_IS_LIBRARY (library), NULL);
  g_return_val_if_fail (name_template != NULL, NULL);
  g_return_val_if_fail (ctx != NULL, NULL);

  return render_with_counter (library, name_template, ctx, FALSE, nth, error);
}
