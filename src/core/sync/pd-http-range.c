/* pd-http-range.c: strict parsers for the range headers of resumable uploads (RFC 9110 §14.4
 * and §14.2). Strict on purpose: a value that is not exactly what the protocol allows is
 * refused rather than guessed at, since a wrong offset would corrupt an upload. */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <string.h>

#include "pd-http-range.h"

/* A run of decimal digits that fits in 64 bits; advances *p past it. G_MAXUINT64 itself is
 * refused: the parsers use it to mean "absent", and no upload is 16 EiB long. */
static gboolean
parse_number (const char **p,
              guint64     *out)
{
  const char *s = *p;
  guint64 value = 0;

  if (!g_ascii_isdigit (*s))
    return FALSE;
  for (; g_ascii_isdigit (*s); s++)
    {
      guint digit = (guint) (*s - '0');

      if (value > (G_MAXUINT64 - digit) / 10)
        return FALSE;
      value = value * 10 + digit;
    }
  if (value == G_MAXUINT64)
    return FALSE;
  *p = s;
  *out = value;
  return TRUE;
}

static const char *
skip_spaces (const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

gboolean
_pd_content_range_parse (const char *value,
                         guint64    *start,
                         guint64    *end,
                         guint64    *total)
{
  const char *p;
  guint64 s = G_MAXUINT64, e = G_MAXUINT64, t = G_MAXUINT64;

  if (value == NULL)
    return FALSE;
  p = skip_spaces (value);
  if (g_ascii_strncasecmp (p, "bytes", 5) != 0 || (p[5] != ' ' && p[5] != '\t'))
    return FALSE;
  p = skip_spaces (p + 5);

  if (*p == '*')
    p++;
  else
    {
      if (!parse_number (&p, &s) || *p++ != '-' || !parse_number (&p, &e) || s > e)
        return FALSE;
    }
  if (*p++ != '/')
    return FALSE;
  if (*p == '*')
    {
      /* Neither the range nor the length: says nothing at all. */
      if (s == G_MAXUINT64)
        return FALSE;
      p++;
    }
  else if (!parse_number (&p, &t) || (s != G_MAXUINT64 && e >= t))
    return FALSE;
  if (*skip_spaces (p) != '\0')
    return FALSE;

  if (start != NULL)
    *start = s;
  if (end != NULL)
    *end = e;
  if (total != NULL)
    *total = t;
  return TRUE;
}

gboolean
_pd_range_header_parse (const char *value,
                        guint64    *end)
{
  const char *p;
  guint64 s, e;

  if (value == NULL)
    return FALSE;
  p = skip_spaces (value);
  if (g_ascii_strncasecmp (p, "bytes", 5) != 0)
    return FALSE;
  p = skip_spaces (p + 5);
  if (*p++ != '=')
    return FALSE;
  p = skip_spaces (p);
  if (!parse_number (&p, &s) || s != 0 || *p++ != '-' || !parse_number (&p, &e))
    return FALSE;
  if (*skip_spaces (p) != '\0')
    return FALSE;
  if (end != NULL)
    *end = e;
  return TRUE;
}
