/* pd-app-image.h: page images for the window, read through the library's vault (a library's
 * scans and page images may be sealed on disk, pd-vault.h) and scaled while they decode. */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

/* Decodes @path to fit within @max_width x @max_height, keeping its shape. @width and @height
 * (optional) get the image's full size. Blocking: call it on a worker thread. */
GdkPixbuf *pd_app_load_image (const char  *path,
                              int          max_width,
                              int          max_height,
                              int         *width,
                              int         *height,
                              GError     **error);

G_END_DECLS
