/* pd-spooled-page.h: a page that has just been made durable in the spool, as the scanner thread
 * or an import hands it on. The file is complete and fsync'd before anyone sees this struct. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint        index;     /* 0-based position in the scan or import */
  const char  *path;      /* PNM from a scanner or a PDF render, or an imported image file as is */
  guint        width;
  guint        height;
  guint        depth;     /* bits per channel: 1 or 8 */
  guint        channels;  /* 1 gray, 3 RGB */
  guint        dpi;
} PdSpooledPage;

/* Called on the thread that produced the page, right after its file was fsync'd. Returning
 * FALSE stops the scan or import with @error; pages already handed on stay handed on. */
typedef gboolean (*PdSpooledPageFunc) (const PdSpooledPage  *page,
                                       gpointer              user_data,
                                       GError              **error);

G_END_DECLS
