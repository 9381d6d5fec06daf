/* pd-app-image.c: page images, unsealed and scaled as they decode (see pd-app-image.h). */
#define G_LOG_DOMAIN "pd-app"

#include "config.h"

#include <glib/gi18n.h>

#include "pd-app-image.h"
#include "pd-vault.h"

typedef struct {
  int max_width, max_height;
  int width, height;
} SizeRequest;

static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  SizeRequest     *request)
{
  double scale = MIN ((double) request->max_width / width, (double) request->max_height / height);

  request->width = width;
  request->height = height;
  if (scale < 1.0)
    gdk_pixbuf_loader_set_size (loader, MAX (1, (int) (width * scale)),
                                MAX (1, (int) (height * scale)));
}

GdkPixbuf *
pd_app_load_image (const char  *path,
                   int          max_width,
                   int          max_height,
                   int         *width,
                   int         *height,
                   GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkPixbufLoader) loader = NULL;
  SizeRequest request = { max_width, max_height, 0, 0 };
  GdkPixbuf *pixbuf;

  g_return_val_if_fail (path != NULL, NULL);

  bytes = pd_vault_read_all (NULL, path, error);
  if (bytes == NULL)
    return NULL;
  loader = gdk_pixbuf_loader_new ();
  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), &request);
  if (!gdk_pixbuf_loader_write_bytes (loader, bytes, error) ||
      !gdk_pixbuf_loader_close (loader, error))
    {
      /* the loader must be closed even after a failed write */
      gdk_pixbuf_loader_close (loader, NULL);
      return NULL;
    }
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("“%s” is not an image Paperdock can show."), path);
      return NULL;
    }
  if (width != NULL)
    *width = request.width;
  if (height != NULL)
    *height = request.height;
  return g_object_ref (pixbuf);
}
