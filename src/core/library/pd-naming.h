/* pd-naming.h: naming templates. A profile's template such as "{date}_{user}_{counter:3}" turns
 * into a document name ("2026-04-04_TeamMember_001") that every destination accepts: no path
 * separators or control characters from values, none of the characters and names Windows,
 * OneDrive, SharePoint or WebDAV servers refuse, and within their length limits. Counters come
 * from the library, each taken in its own committed transaction, so a name never repeats, not
 * even after a crash.
 *
 * Placeholders: {date} (YYYY-MM-DD), {time} (HH-MM-SS), {year} {month} {day} {hour} {minute}
 * {second}, {user}, {host}, {profile}, {counter} and {counter:N} (zero-padded to N digits),
 * {barcode}, {pages}, {ocr:REGEX} (the first match of REGEX in the OCR text, or its first
 * capture group when it has one). "{{" and "}}" are literal braces. */
#pragma once

#include <glib.h>

#include "pd-library.h"

G_BEGIN_DECLS

#define PD_NAMING_ERROR (pd_naming_error_quark ())

typedef enum {
  PD_NAMING_ERROR_UNKNOWN_PLACEHOLDER,  /* the message names every unknown placeholder */
  PD_NAMING_ERROR_BAD_TEMPLATE,         /* unclosed brace, bad width, bad regular expression */
  PD_NAMING_ERROR_EMPTY,                /* nothing usable is left once the name is made safe */
  PD_NAMING_ERROR_TOO_LONG,             /* a folder path longer than the servers allow */
} PdNamingError;

GQuark pd_naming_error_quark (void);

/* Limits that every destination accepts. A rendered name is cut to PD_NAMING_MAX_NAME_BYTES so
 * that ".pdf" and a " (NN)" the sync engine adds for a name already taken keep the file name
 * within PD_NAMING_MAX_FILE_NAME_BYTES; a folder keeps room for such a file name within
 * PD_NAMING_MAX_PATH_CHARS (OneDrive's and SharePoint's limit for a whole path). */
#define PD_NAMING_MAX_FILE_NAME_BYTES 200
#define PD_NAMING_MAX_NAME_BYTES      184
#define PD_NAMING_MAX_PATH_CHARS      400
#define PD_NAMING_MAX_FOLDER_CHARS    (PD_NAMING_MAX_PATH_CHARS - PD_NAMING_MAX_FILE_NAME_BYTES - 1)

/* What the placeholders stand for. Everything is borrowed; NULL strings render as nothing,
 * except @user and @host, which default to this computer's. */
typedef struct {
  GDateTime   *time;      /* NULL: now, local time */
  const char  *user;
  const char  *host;
  const char  *profile;
  gint64       counter;   /* the value {counter} shows; see pd_library_next_counter () */
  const char  *barcode;
  guint        pages;
  const char  *ocr_text;
} PdNamingContext;

/* A safe file name (no '/'), at most PD_NAMING_MAX_NAME_BYTES. */
char     *pd_naming_render               (const char             *name_template,
                                          const PdNamingContext  *ctx,
                                          GError                **error);
/* A safe relative folder path: '/' in the template separates folders, each one made safe; at
 * most PD_NAMING_MAX_FOLDER_CHARS. An empty template is the destination's top folder (""). */
char     *pd_naming_render_folder        (const char             *folder_template,
                                          const PdNamingContext  *ctx,
                                          GError                **error);
/* Checks a template's syntax and placeholders without rendering it. */
gboolean  pd_naming_check_template       (const char             *name_template,
                                          GError                **error);
gboolean  pd_naming_check_folder_template (const char            *folder_template,
                                          GError               **error);
gboolean  pd_naming_template_uses_counter (const char            *name_template);
/* Makes one file or folder name safe as described above; fails when nothing is left. */
char     *pd_naming_make_safe            (const char             *name,
                                          gsize                   max_bytes,
                                          GError                **error);

/* Counters (implemented in pd-library.c). next takes the next value of @scope (1, 2, 3…) in its
 * own committed transaction, so it is never handed out twice; peek tells what next would give
 * without taking it. @scope is usually the profile name. */
gint64    pd_library_next_counter        (PdLibrary              *self,
                                          const char             *scope,
                                          GError                **error);
gint64    pd_library_peek_counter        (PdLibrary              *self,
                                          const char             *scope,
                                          GError                **error);

/* Renders @name_template for a new document: when it uses {counter}, takes the next counter of
 * ctx->profile (after checking the template, so a bad template wastes no number) and renders
 * with it. */
char     *pd_naming_take_name            (PdLibrary              *library,
                                          const char             *name_template,
                                          const PdNamingContext  *ctx,
                                          GError                **error);
/* The same without taking a counter: the name a document would get now. */
char     *pd_naming_preview_name         (PdLibrary              *library,
                                          const char             *name_template,
                                          const PdNamingContext  *ctx,
                                          GError                **error);
/* The name the document after the next @nth would get now (@nth 0 is the next one): a batch in
 * review shows each of its documents' names before any counter is taken. */
char     *pd_naming_preview_nth_name     (PdLibrary              *library,
                                          const char             *name_template,
                                          const PdNamingContext  *ctx,
                                          guint                   nth,
                                          GError                **error);

G_END_DECLS
