/* pd-thumbnail.c: a document's first page, small (see pd-thumbnail.h). */
#define G_LOG_DOMAIN "pd-process"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "pd-fs.h"
#include "pd-process-error.h"
#include "pd-process-private.h"
#include "pd-thumbnail.h"
#include "pd-vault.h"

char *
pd_thumbnail_dup_dir (PdLibrary *library)
{
  return g_build_filename (pd_library_get_dir (library), "thumbnails", NULL);
}

char *
pd_thumbnail_get_path (PdLibrary  *library,
                       const char *uuid)
{
  g_autofree char *dir = pd_thumbnail_dup_dir (library);
  g_autofree char *name = g_strconcat (uuid, ".png", NULL);

  return g_build_filename (dir, name, NULL);
}

static gboolean
looks_like_image (GBytes *data)
{
  gsize len = 0;
  const guchar *p = g_bytes_get_data (data, &len);

  return len >= 4 &&
         ((p[0] == 'P' && p[1] >= '1' && p[1] <= '6') ||          /* PNM */
          (p[0] == 0xff && p[1] == 0xd8) ||                        /* JPEG */
          (p[0] == 0x89 && p[1] == 'P' && p[2] == 'N' && p[3] == 'G') ||
          (p[0] == 'I' && p[1] == 'I') || (p[0] == 'M' && p[1] == 'M') || /* TIFF */
          (p[0] == 'B' && p[1] == 'M') ||
          (p[0] == 'R' && p[1] == 'I' && p[2] == 'F' && p[3] == 'F'));  /* WebP */
}

/* The first readable picture of the page: the scan as it came in, else the processed image. */
static PIX *
read_page (const PdPage *page)
{
  const char *candidates[] = { page->spool_path, page->image_path };

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autoptr(GBytes) data = NULL;
      PIX *pix;

      /* sealed files come back decrypted (pd-vault.h) */
      if (candidates[i] == NULL ||
          (data = pd_vault_read_all (NULL, candidates[i], NULL)) == NULL)
        continue;
      /* raw G4 page images are not a format leptonica can recognize: skip them quietly */
      if (!looks_like_image (data))
        continue;
      pix = pixReadMem (g_bytes_get_data (data, NULL), g_bytes_get_size (data));
      if (pix != NULL)
        return pix;
    }
  return NULL;
}

gboolean
pd_thumbnail_ensure (PdLibrary  *library,
                     gint64      document_id,
                     GError    **error)
{
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(GPtrArray) pages = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(PIX) pix = NULL;
  g_autoptr(PIX) small = NULL;
  l_uint8 *png = NULL;
  size_t png_len = 0;
  gboolean ok;
  float scale;

  document = pd_library_get_document_by_id (library, document_id, error);
  if (document == NULL)
    return FALSE;
  path = pd_thumbnail_get_path (library, document->uuid);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  pages = pd_library_list_pages (library, document_id, error);
  if (pages == NULL)
    return FALSE;
  for (guint i = 0; i < pages->len && pix == NULL; i++)
    if (!((PdPage *) pages->pdata[i])->excluded)
      pix = read_page (pages->pdata[i]);
  if (pix == NULL)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_FAILED,
                   _("“%s” has no page image left to make a thumbnail from."), document->name);
      return FALSE;
    }

  scale = (float) PD_THUMBNAIL_SIZE / (float) MAX (pixGetWidth (pix), pixGetHeight (pix));
  /* Area-averaging keeps thin text strokes as grey instead of dropping them. */
  small = pixScaleToGray (pix, MIN (scale, 1.0f));
  if (small == NULL)
    small = pixScale (pix, MIN (scale, 1.0f), MIN (scale, 1.0f));
  if (small == NULL || pixWriteMem (&png, &png_len, small, IFF_PNG) != 0)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_FAILED,
                   _("Could not make the thumbnail of “%s”."), document->name);
      return FALSE;
    }
  dir = g_path_get_dirname (path);
  ok = pd_fs_ensure_private_dir (dir, error) &&
       pd_fs_write_durable (path, png, png_len, error);
  lept_free (png);
  return ok;
}
