/* pd-http-range.h: parsing the byte-range headers of resumable uploads: Content-Range, which a
 * OneDrive upload fragment carries ("bytes 0-327679/6291456"; an asterisk instead of the range
 * asks for the status), and Range, which Google Drive answers a resumable upload with
 * ("bytes=0-262143").
 * Both parsers take any input a server or a fuzzer may send and never crash on it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "bytes START-END/TOTAL"; "bytes" then an asterisk, '/' and TOTAL (the status query: @start
 * and @end are G_MAXUINT64); or START-END and an asterisk for an unknown length (@total is
 * G_MAXUINT64). FALSE, with the outputs untouched, unless the value is well formed and
 * START <= END < TOTAL. Any output may be NULL. */
gboolean _pd_content_range_parse (const char *value,
                                  guint64    *start,
                                  guint64    *end,
                                  guint64    *total);

/* "bytes=0-END": the last byte a server holds, counting from 0. FALSE for anything else
 * (another start, several ranges, a suffix range). @end may be NULL. */
gboolean _pd_range_header_parse  (const char *value,
                                  guint64    *end);

G_END_DECLS
