/* pd-document-edit.c: page edits of a finished document and the PDF made again after each (see
 * pd-document-edit.h). The image work (turning a page's JPEG) runs before the transaction, on a
 * new file, so a crash leaves the old revision whole; the old file goes once the new one is
 * committed. The PDF is written beside the old one, linearized, and renamed over it. */
#define G_LOG_DOMAIN "pd-edit"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "pd-document-edit.h"
#include "pd-fs.h"
#include "pd-library-pages.h"
#include "pd-pdf-finish.h"
#include "pd-pdf-writer.h"
#include "pd-process-private.h"

/* Quality for a turned page's JPEG: high, as it is a second generation. */
#define TURN_JPEG_QUALITY 92

G_DEFINE_QUARK (pd-document-edit-error-quark, pd_document_edit_error)

/* One edit at a time in this process: two edits of one document must not both write its PDF. */
static GMutex edit_mutex;

/* The words of a page turned a quarter clockwise, on a @width x @height image. Each word moves
 * with the image but its box stays upright: the PDF writer lays text out horizontally, and an
 * upright box of the word's size at the word's new place keeps it searchable and selectable
 * (a tall, narrow box would squeeze the text layer into one unreadable column). */
static void
turn_words_once (GArray *words,
                 guint   width,
                 guint   height)
{
  for (guint i = 0; i < words->len; i++)
    {
      PdWord *w = &g_array_index (words, PdWord, i);
      gint box_w = w->x1 - w->x0;
      gint box_h = w->y1 - w->y0;
      gint ascent = w->baseline - w->y0;
      /* The centre turns with the image: (x, y) -> (height - y, x). */
      gint cx = (gint) height - (w->y0 + w->y1) / 2;
      gint cy = (w->x0 + w->x1) / 2;

      (void) width;
      w->x0 = cx - box_w / 2;
      w->x1 = w->x0 + box_w;
      w->y0 = cy - box_h / 2;
      w->y1 = w->y0 + box_h;
      w->baseline = w->y0 + ascent;
    }
}

static gboolean
turn_page (PdLibrary  *library,
           gint64      page_id,
           int         quarter_turns,
           GError    **error)
{
  g_autoptr(PdPage) page = pd_library_get_page (library, page_id, error);
  g_autoptr(GArray) words = NULL;
  g_autoptr(PIX) pix = NULL;
  g_autoptr(PIX) turned = NULL;
  g_autofree char *stem = NULL;
  g_autofree char *suffix = NULL;
  g_autofree char *new_path = NULL;
  l_uint8 *data = NULL;
  size_t size = 0;
  guint width, height, turns;
  gboolean ok;

  if (page == NULL)
    return FALSE;
  turns = (guint) (((quarter_turns % 4) + 4) % 4);
  if (turns == 0)
    return TRUE;
  if (page->state != PD_PAGE_STATE_RECOGNIZED || page->image_path == NULL)
    {
      g_set_error (error, PD_DOCUMENT_EDIT_ERROR, PD_DOCUMENT_EDIT_ERROR_UNSUPPORTED,
                   "Page %u could not be processed, so it cannot be turned; scan it again.",
                   page->index + 1);
      return FALSE;
    }
  if (page->encoding != PD_IMAGE_ENCODING_JPEG)
    {
      g_set_error (error, PD_DOCUMENT_EDIT_ERROR, PD_DOCUMENT_EDIT_ERROR_UNSUPPORTED,
                   "Page %u was scanned in text (black and white) mode, whose pages cannot be "
                   "turned yet; scan it again the right way up, or in gray mode.", page->index + 1);
      return FALSE;
    }

  _pd_process_init_leptonica ();
  pix = pixRead (page->image_path);
  if (pix == NULL)
    {
      g_set_error (error, PD_DOCUMENT_EDIT_ERROR, PD_DOCUMENT_EDIT_ERROR_FAILED,
                   "The image of page %u (“%s”) could not be read; the document is unchanged.",
                   page->index + 1, page->image_path);
      return FALSE;
    }
  turned = pixRotateOrth (pix, (l_int32) turns);
  if (turned == NULL || pixWriteMemJpeg (&data, &size, turned, TURN_JPEG_QUALITY, 0) != 0)
    {
      g_set_error (error, PD_DOCUMENT_EDIT_ERROR, PD_DOCUMENT_EDIT_ERROR_FAILED,
                   "Page %u could not be turned; the document is unchanged.", page->index + 1);
      return FALSE;
    }

  /* A new file each time: the committed revision keeps pointing at a complete image. */
  stem = g_strdup (page->image_path);
  if (g_str_has_suffix (stem, ".jpg"))
    stem[strlen (stem) - 4] = '\0';
  {
    char *t = strstr (stem, ".turn-");

    if (t != NULL)
      *t = '\0';
  }
  suffix = g_uuid_string_random ();
  suffix[8] = '\0';
  new_path = g_strdup_printf ("%s.turn-%s.jpg", stem, suffix);
  ok = pd_fs_write_durable (new_path, data, size, error);
  lept_free (data);
  if (!ok)
    return FALSE;

  words = pd_library_get_words (library, page_id, error);
  if (words == NULL)
    {
      g_unlink (new_path);
      return FALSE;
    }
  width = (guint) pixGetWidth (pix);
  height = (guint) pixGetHeight (pix);
  for (guint i = 0; i < turns; i++)
    {
      guint swap;

      turn_words_once (words, width, height);
      swap = width;
      width = height;
      height = swap;
    }

  if (!pd_library_set_page_turned (library, page_id, new_path,
                                   (guint) pixGetWidth (turned), (guint) pixGetHeight (turned),
                                   (page->rotation + 90 * turns) % 360, words, error))
    {
      g_unlink (new_path);
      return FALSE;
    }
  /* The old image belonged to the previous revision only; the scan itself stays in the spool. */
  g_unlink (page->image_path);
  return TRUE;
}

static char *
dup_new_pdf_path (PdLibrary  *library,
                  const char *name)
{
  g_autoptr(GString) safe = g_string_new (NULL);

  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || strchr ("/\\:*?\"<>|", (int) c) != NULL)
        g_string_append_c (safe, '_');
      else
        g_string_append_unichar (safe, c);
    }
  if (safe->len == 0 || safe->str[0] == '.')
    g_string_prepend (safe, "Document");
  for (guint n = 1; ; n++)
    {
      g_autofree char *base = n == 1 ? g_strdup_printf ("%s.pdf", safe->str)
                                     : g_strdup_printf ("%s (%u).pdf", safe->str, n);
      g_autofree char *path = g_build_filename (pd_library_get_documents_dir (library), base, NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&path);
    }
}

static gboolean
rebuild_pdf_locked (PdLibrary   *library,
                    gint64       document_id,
                    const char  *why,
                    GError     **error)
{
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(GArray) pdf_pages = g_array_new (FALSE, TRUE, sizeof (PdPdfPage));
  g_autoptr(GPtrArray) word_arrays = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr(GDateTime) created = NULL;
  g_autofree char *creator = NULL;
  g_autofree char *final_path = NULL;
  g_autofree char *tmp_path = NULL;
  g_autofree char *dir = NULL;
  PdPdfMetadata meta = { 0 };
  PdPdfFinishOptions finish = { .linearize = TRUE };

  document = pd_library_get_document_by_id (library, document_id, error);
  if (document == NULL)
    return FALSE;
  pages = pd_library_list_pages (library, document_id, error);
  if (pages == NULL)
    return FALSE;

  for (guint i = 0; i < pages->len; i++)
    {
      PdPage *page = g_ptr_array_index (pages, i);
      PdPdfPage pdf_page = { 0 };
      GArray *words;

      if (page->excluded || page->state != PD_PAGE_STATE_RECOGNIZED)
        continue;
      words = pd_library_get_words (library, page->id, error);
      if (words == NULL)
        return FALSE;
      g_ptr_array_add (word_arrays, words);
      pdf_page.image_path = page->image_path;
      pdf_page.encoding = (PdImageEncoding) page->encoding;
      pdf_page.width = page->image_width ? page->image_width : page->width;
      pdf_page.height = page->image_width ? page->image_height : page->height;
      pdf_page.dpi = page->image_dpi ? page->image_dpi : page->dpi;
      pdf_page.channels = page->image_channels ? page->image_channels : page->channels;
      pdf_page.words = words;
      g_array_append_val (pdf_pages, pdf_page);
    }
  if (pdf_pages->len == 0)
    {
      g_set_error (error, PD_DOCUMENT_EDIT_ERROR, PD_DOCUMENT_EDIT_ERROR_NO_PAGES,
                   "Every page of “%s” is left out, so there is nothing to put in its PDF. "
                   "Mark a page as not blank to keep the document.", document->name);
      return FALSE;
    }

  final_path = document->pdf_path != NULL ? g_strdup (document->pdf_path)
                                          : dup_new_pdf_path (library, document->name);
  dir = g_path_get_dirname (final_path);
  tmp_path = g_strdup_printf ("%s.edit-%08x.pdf", final_path, g_random_int ());

  created = g_date_time_new_from_unix_utc (document->created_at / G_USEC_PER_SEC);
  creator = g_strdup_printf ("Paperdock %s", PACKAGE_VERSION);
  meta.title = document->name;
  meta.author = g_get_real_name ();
  meta.subject = document->source;
  meta.creator = creator;
  meta.producer = creator;
  meta.created = created;

  if (!pd_pdf_write (tmp_path, (PdPdfPage *) (gpointer) pdf_pages->data, pdf_pages->len, &meta, error) ||
      !pd_pdf_finish (tmp_path, &finish, error))
    {
      g_unlink (tmp_path);
      return FALSE;
    }
  if (g_rename (tmp_path, final_path) != 0)
    {
      int saved_errno = errno;

      pd_fs_set_error_from_errno (error, saved_errno, "replace the PDF", final_path);
      g_unlink (tmp_path);
      return FALSE;
    }
  if (!pd_fs_fsync_dir (dir, error))
    return FALSE;
  return pd_library_set_document_revised (library, document_id, final_path,
                                          why != NULL ? why : "PDF made again", error);
}

gboolean
pd_document_rebuild_pdf (PdLibrary   *library,
                         gint64       document_id,
                         const char  *why,
                         GError     **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (library), FALSE);

  locker = g_mutex_locker_new (&edit_mutex);
  return rebuild_pdf_locked (library, document_id, why, error);
}

gboolean
pd_document_edit_page (PdLibrary         *library,
                       const PdPageEdit  *edit,
                       GError           **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(PdPage) page = NULL;
  const char *why = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (PD_IS_LIBRARY (library), FALSE);
  g_return_val_if_fail (edit != NULL, FALSE);

  locker = g_mutex_locker_new (&edit_mutex);
  page = pd_library_get_page (library, edit->page_id, error);
  if (page == NULL)
    return FALSE;

  switch (edit->kind)
    {
    case PD_PAGE_EDIT_ROTATE:
      ok = turn_page (library, edit->page_id, edit->value, error);
      why = "PDF made again: a page was turned";
      break;
    case PD_PAGE_EDIT_DELETE:
      ok = pd_library_delete_page (library, edit->page_id, error);
      why = "PDF made again: a page was deleted";
      break;
    case PD_PAGE_EDIT_MOVE:
      ok = pd_library_move_page (library, edit->page_id, (guint) MAX (edit->value, 0), error);
      why = "PDF made again: the pages were reordered";
      break;
    case PD_PAGE_EDIT_SET_BLANK:
      ok = pd_library_set_page_blank (library, edit->page_id, edit->value != 0, error);
      why = edit->value ? "PDF made again: a blank page was left out"
                        : "PDF made again: a page was put back";
      break;
    default:
      g_return_val_if_reached (FALSE);
    }
  if (!ok)
    return FALSE;

  if (edit->kind == PD_PAGE_EDIT_DELETE)
    {
      /* Committed: the page's files go; a later revision never refers to them. */
      if (page->image_path != NULL)
        g_unlink (page->image_path);
      g_unlink (page->spool_path);
    }
  return rebuild_pdf_locked (library, page->document_id, why, error);
}

static void
edit_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;

  if (pd_document_edit_page (PD_LIBRARY (source_object), task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
pd_document_edit_page_async (PdLibrary           *library,
                             const PdPageEdit    *edit,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PD_IS_LIBRARY (library));
  g_return_if_fail (edit != NULL);

  task = g_task_new (library, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_document_edit_page_async);
  g_task_set_task_data (task, g_memdup2 (edit, sizeof *edit), g_free);
  /* Once started, an edit runs to its end: half an edit is worse than a late one. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, edit_thread);
}

gboolean
pd_document_edit_page_finish (PdLibrary     *library,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, library), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
