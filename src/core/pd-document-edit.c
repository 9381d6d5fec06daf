/* pd-document-edit.c: page edits of a finished document and the PDF made again after each (see
 * pd-document-edit.h). The image work (turning or cropping a page's JPEG) runs before the
 * transaction, on a new file, so a crash leaves the old revision whole; the old file goes once
 * the new one is committed. The PDF is written beside the old one, linearized, with the PDF
 * options of the profile that made the document, and renamed over it. What the profile asks
 * for (its password from the keyring) is found before anything changes: an edit that could not
 * encrypt the new PDF is refused whole rather than leave a readable copy or a half edit. */
#define G_LOG_DOMAIN "pd-edit"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "pd-document-edit.h"
#include "pd-fs.h"
#include "pd-library-db.h"
#include "pd-library-pages.h"
#include "pd-pdf-finish.h"
#include "pd-pdf-writer.h"
#include "pd-process-private.h"
#include "pd-profile.h"
#include "pd-secret.h"
#include "pd-task.h"
#include "pd-vault.h"

/* Quality for a turned or cropped page's JPEG: high, as it is a second generation. */
#define TURN_JPEG_QUALITY 92
/* A crop smaller than this (pixels a side) is a slip of the mouse, not a page. */
#define MIN_CROP_PIXELS   16

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

/* The page's processed image, which may be sealed (pd-vault.h). */
static PIX *
read_page_image (const char *path)
{
  g_autoptr(GBytes) image = pd_vault_read_all (NULL, path, NULL);

  if (image == NULL)
    return NULL;
  return pixReadMem (g_bytes_get_data (image, NULL), g_bytes_get_size (image));
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
  pix = read_page_image (page->image_path);
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

/* The profile column (migration 7) ---------------------------------------------------------- */

gboolean
pd_document_set_profile (PdLibrary   *library,
                         gint64       document_id,
                         const char  *profile_name,
                         GError     **error)
{
  g_autoptr(PdLibraryDbLock) pdb = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (library), FALSE);

  if ((pdb = _pd_db_lock (library, error)) == NULL)
    return FALSE;
  stmt = _pd_db_prepare (pdb, "UPDATE documents SET profile = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  _pd_db_bind_text (stmt, 1, profile_name);
  sqlite3_bind_int64 (stmt, 2, document_id);
  if (!_pd_db_step_done (pdb, stmt, "record the document's profile", error))
    return FALSE;
  if (sqlite3_changes (pdb->db) == 0)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
                   "There is no document %" G_GINT64_FORMAT " in the library; it may have been "
                   "deleted meanwhile.", document_id);
      return FALSE;
    }
  return TRUE;
}

gboolean
pd_document_get_profile (PdLibrary   *library,
                         gint64       document_id,
                         char       **profile_name,
                         GError     **error)
{
  g_autoptr(PdLibraryDbLock) pdb = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (PD_IS_LIBRARY (library), FALSE);
  g_return_val_if_fail (profile_name != NULL, FALSE);

  *profile_name = NULL;
  if ((pdb = _pd_db_lock (library, error)) == NULL)
    return FALSE;
  stmt = _pd_db_prepare (pdb, "SELECT profile FROM documents WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, document_id);
  if (!_pd_db_step_document_row (pdb, stmt, document_id, "read the document's profile", error))
    return FALSE;
  *profile_name = _pd_db_column_dup (stmt, 0);
  return TRUE;
}

/* What the PDF of a document must be, from the profile that made it. */
typedef struct {
  gboolean  pdfa;
  char     *password;   /* NULL: not encrypted; wiped when cleared */
} Protection;

static void
protection_clear (Protection *protection)
{
  protection->pdfa = FALSE;
  g_clear_pointer (&protection->password, pd_secret_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Protection, protection_clear)

/* A batch waiting for the person to save it (PD_DB_IN_REVIEW_SQL): its pages can be edited
 * like a filed document's, but no PDF is made until it is filed, by the pipeline, from the
 * pages as they are then; so no protection is needed either. */
static gboolean
is_in_review (PdLibrary   *library,
              gint64       document_id,
              gboolean    *in_review,
              GError     **error)
{
  g_autoptr(PdLibraryDbLock) pdb = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if ((pdb = _pd_db_lock (library, error)) == NULL)
    return FALSE;
  stmt = _pd_db_prepare (pdb, "SELECT " PD_DB_IN_REVIEW_SQL " FROM documents d WHERE d.id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, document_id);
  if (!_pd_db_step_document_row (pdb, stmt, document_id, "read the document", error))
    return FALSE;
  *in_review = sqlite3_column_int (stmt, 0) != 0;
  return TRUE;
}

/* After an edit made while @document_id was in review: whether its PDF must be made now after
 * all. Only if Save filed it completely between the check and the edit (the library refuses
 * edits while it is being filed, so an edit that went through while it was still PROCESSING is
 * in what the filing reads). */
static gboolean
filed_meanwhile (PdLibrary *library,
                 gint64     document_id)
{
  g_autoptr(PdDocument) document = pd_library_get_document_by_id (library, document_id, NULL);

  return document != NULL && document->state != PD_DOC_STATE_PROCESSING;
}

static gboolean
lookup_protection (PdLibrary   *library,
                   gint64       document_id,
                   Protection  *protection,
                   GError     **error)
{
  g_autofree char *profile_name = NULL;
  g_autoptr(PdProfile) profile = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!pd_document_get_profile (library, document_id, &profile_name, error))
    return FALSE;
  if (profile_name == NULL)
    return TRUE;

  profile = pd_library_get_profile (library, profile_name, &local_error);
  if (profile == NULL)
    {
      /* Without the profile nobody can say whether the PDF was encrypted; guessing "no" could
       * publish a readable copy of a confidential document. */
      g_set_error (error, PD_DOCUMENT_EDIT_ERROR, PD_DOCUMENT_EDIT_ERROR_PROTECTION,
                   "This document was made with the profile “%s”, which no longer exists, so "
                   "its PDF cannot be made again with the same protection; nothing was changed. "
                   "Create a profile of that name again to edit it (%s).",
                   profile_name, local_error->message);
      return FALSE;
    }
  protection->pdfa = profile->pdfa;
  if (profile->encrypt)
    {
      g_autofree char *kind = pd_secret_dup_pdf_password_kind (profile->name);

      protection->password = pd_secret_lookup (0, kind, NULL, &local_error);
      if (protection->password == NULL)
        {
          if (g_error_matches (local_error, PD_SECRET_ERROR, PD_SECRET_ERROR_NOT_FOUND))
            g_set_error (error, PD_DOCUMENT_EDIT_ERROR, PD_DOCUMENT_EDIT_ERROR_PROTECTION,
                         "The profile “%s” encrypts its PDFs, but no PDF password is set for it, "
                         "so this document cannot be changed without losing its protection; "
                         "nothing was changed. Set one with “paperdock-cli profiles password "
                         "%s”.", profile->name, profile->name);
          else
            g_set_error (error, PD_DOCUMENT_EDIT_ERROR, PD_DOCUMENT_EDIT_ERROR_PROTECTION,
                         "The PDF password of the profile “%s” could not be read, so this "
                         "document cannot be changed without losing its protection; nothing "
                         "was changed. %s", profile->name, local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

/* New content of a page (a crop, or a new scan), stored as one transaction with its journal
 * row. Fields the edit does not change are left as they are: spool NULL keeps the scan. */
typedef struct {
  const PdSpooledPage *spool;        /* a new scan, or NULL */
  const PdPageResult  *result;       /* with @spool: what processing found on it */
  const char          *image_path;
  guint                image_width, image_height;
  const char          *text;
  double               confidence;
  GArray              *words;
  const char          *what;         /* journal */
  const char          *detail;       /* journal detail, after the page number */
} PageContent;

static gboolean
store_page_content (PdLibrary          *library,
                    gint64              page_id,
                    const PageContent  *content,
                    GError            **error)
{
  g_autoptr(PdLibraryDbLock) pdb = NULL;
  g_autoptr(PdLibraryDbTx) tx = NULL;
  g_autoptr(sqlite3_stmt) look = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(sqlite3_stmt) clear = NULL;
  g_autoptr(sqlite3_stmt) unindex = NULL;
  g_autofree char *detail = NULL;
  gint64 document_id;
  guint index;
  int rc;

  if ((pdb = _pd_db_lock (library, error)) == NULL || (tx = _pd_db_begin (pdb, error)) == NULL)
    return FALSE;
  look = _pd_db_prepare (pdb, "SELECT p.document_id, p.idx, d.state, d.name, "
                         PD_DB_PAGES_EDITABLE_SQL " FROM pages p "
                         "JOIN documents d ON d.id = p.document_id WHERE p.id = ?", error);
  if (look == NULL)
    return FALSE;
  sqlite3_bind_int64 (look, 1, page_id);
  rc = sqlite3_step (look);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_NOT_FOUND,
                   "There is no page %" G_GINT64_FORMAT " in the library; it may have been "
                   "deleted meanwhile.", page_id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      _pd_db_set_error (pdb->db, error, rc, "find the page");
      return FALSE;
    }
  if (sqlite3_column_int (look, 4) == 0)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_BAD_TRANSITION,
                   "“%s” is still being scanned or processed; its pages can be changed once "
                   "it is finished.", (const char *) sqlite3_column_text (look, 3));
      return FALSE;
    }
  document_id = sqlite3_column_int64 (look, 0);
  index = (guint) sqlite3_column_int64 (look, 1);

  if (content->spool != NULL)
    {
      const PdPageResult *r = content->result;

      stmt = _pd_db_prepare (pdb,
                             "UPDATE pages SET state = 'recognized', spool_path = ?1, width = ?2, "
                             "  height = ?3, depth = ?4, channels = ?5, dpi = ?6, image_path = ?7, "
                             "  encoding = ?8, skew = ?9, text = ?10, confidence = ?11, "
                             "  rotation = ?12, crop_x = ?13, crop_y = ?14, crop_width = ?15, "
                             "  crop_height = ?16, blank_score = ?17, is_blank = ?18, "
                             "  blur_score = ?19, is_blurry = ?20, image_width = ?21, "
                             "  image_height = ?22, image_dpi = ?23, image_channels = ?24 "
                             "WHERE id = ?25", error);
      if (stmt == NULL)
        return FALSE;
      _pd_db_bind_text (stmt, 1, content->spool->path);
      sqlite3_bind_int64 (stmt, 2, content->spool->width);
      sqlite3_bind_int64 (stmt, 3, content->spool->height);
      sqlite3_bind_int64 (stmt, 4, content->spool->depth);
      sqlite3_bind_int64 (stmt, 5, content->spool->channels);
      sqlite3_bind_int64 (stmt, 6, content->spool->dpi);
      _pd_db_bind_text (stmt, 7, r->image_path);
      sqlite3_bind_int (stmt, 8, (int) r->encoding);
      sqlite3_bind_double (stmt, 9, r->skew_degrees);
      _pd_db_bind_text (stmt, 10, r->text);
      sqlite3_bind_double (stmt, 11, r->mean_confidence);
      sqlite3_bind_int64 (stmt, 12, r->rotation_degrees);
      sqlite3_bind_int64 (stmt, 13, r->crop.x);
      sqlite3_bind_int64 (stmt, 14, r->crop.y);
      sqlite3_bind_int64 (stmt, 15, r->crop.width);
      sqlite3_bind_int64 (stmt, 16, r->crop.height);
      sqlite3_bind_double (stmt, 17, r->blank_score);
      sqlite3_bind_int (stmt, 18, r->is_blank);
      sqlite3_bind_double (stmt, 19, r->blur_score);
      sqlite3_bind_int (stmt, 20, r->is_blurry);
      sqlite3_bind_int64 (stmt, 21, r->width);
      sqlite3_bind_int64 (stmt, 22, r->height);
      sqlite3_bind_int64 (stmt, 23, r->dpi);
      sqlite3_bind_int64 (stmt, 24, r->channels);
      sqlite3_bind_int64 (stmt, 25, page_id);
    }
  else
    {
      stmt = _pd_db_prepare (pdb,
                             "UPDATE pages SET image_path = ?1, image_width = ?2, "
                             "  image_height = ?3, text = ?4, confidence = ?5 WHERE id = ?6",
                             error);
      if (stmt == NULL)
        return FALSE;
      _pd_db_bind_text (stmt, 1, content->image_path);
      sqlite3_bind_int64 (stmt, 2, content->image_width);
      sqlite3_bind_int64 (stmt, 3, content->image_height);
      _pd_db_bind_text (stmt, 4, content->text);
      sqlite3_bind_double (stmt, 5, content->confidence);
      sqlite3_bind_int64 (stmt, 6, page_id);
    }
  if (!_pd_db_step_done (pdb, stmt, "change the page", error))
    return FALSE;

  clear = _pd_db_prepare (pdb, "DELETE FROM words WHERE page_id = ?", error);
  if (clear == NULL)
    return FALSE;
  sqlite3_bind_int64 (clear, 1, page_id);
  if (!_pd_db_step_done (pdb, clear, "store the page's words", error))
    return FALSE;
  for (guint i = 0; i < content->words->len; i++)
    {
      const PdWord *w = &g_array_index (content->words, PdWord, i);
      g_autoptr(sqlite3_stmt) insert = NULL;

      insert = _pd_db_prepare (pdb, "INSERT INTO words (page_id, n, text, x0, y0, x1, y1, "
                               "  baseline, confidence, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               error);
      if (insert == NULL)
        return FALSE;
      sqlite3_bind_int64 (insert, 1, page_id);
      sqlite3_bind_int64 (insert, 2, i);
      _pd_db_bind_text (insert, 3, w->text);
      sqlite3_bind_int (insert, 4, w->x0);
      sqlite3_bind_int (insert, 5, w->y0);
      sqlite3_bind_int (insert, 6, w->x1);
      sqlite3_bind_int (insert, 7, w->y1);
      sqlite3_bind_int (insert, 8, w->baseline);
      sqlite3_bind_double (insert, 9, w->confidence);
      sqlite3_bind_int64 (insert, 10, w->line);
      if (!_pd_db_step_done (pdb, insert, "store the page's words", error))
        return FALSE;
    }

  /* Search finds what the page says now, and nothing it no longer shows. The barcodes of a
   * new scan are not read back: the old ones no longer apply, so they go. */
  unindex = _pd_db_prepare (pdb, "DELETE FROM page_fts WHERE rowid = ?", error);
  if (unindex == NULL)
    return FALSE;
  sqlite3_bind_int64 (unindex, 1, page_id);
  if (!_pd_db_step_done (pdb, unindex, "index the page text", error))
    return FALSE;
  {
    const char *text = content->spool != NULL ? content->result->text : content->text;

    if (text != NULL && *text != '\0')
      {
        g_autoptr(sqlite3_stmt) index_text = NULL;

        index_text = _pd_db_prepare (pdb, "INSERT INTO page_fts (rowid, text) VALUES (?, ?)", error);
        if (index_text == NULL)
          return FALSE;
        sqlite3_bind_int64 (index_text, 1, page_id);
        _pd_db_bind_text (index_text, 2, text);
        if (!_pd_db_step_done (pdb, index_text, "index the page text", error))
          return FALSE;
      }
  }
  if (content->spool != NULL)
    {
      g_autoptr(sqlite3_stmt) barcodes = _pd_db_prepare (pdb, "DELETE FROM barcodes WHERE page_id = ?",
                                                         error);

      if (barcodes == NULL)
        return FALSE;
      sqlite3_bind_int64 (barcodes, 1, page_id);
      if (!_pd_db_step_done (pdb, barcodes, "forget the page's old barcodes", error))
        return FALSE;
    }

  {
    g_autoptr(sqlite3_stmt) touch = _pd_db_prepare (pdb, "UPDATE documents SET updated_at = ? "
                                                    "WHERE id = ?", error);

    if (touch == NULL)
      return FALSE;
    sqlite3_bind_int64 (touch, 1, g_get_real_time ());
    sqlite3_bind_int64 (touch, 2, document_id);
    if (!_pd_db_step_done (pdb, touch, "change the document", error))
      return FALSE;
  }

  detail = g_strdup_printf ("page %u: %s", index + 1, content->detail);
  if (!_pd_db_journal_transition (pdb, document_id, NULL, NULL, content->what, detail, error) ||
      !_pd_db_commit (tx, error))
    return FALSE;
  g_clear_pointer (&tx, _pd_db_tx_free);
  g_clear_pointer (&pdb, _pd_db_unlock);
  _pd_library_notify_document_changed (library, document_id);
  return TRUE;
}

/* A second-generation image's file name: beside the first, never over it, so the committed
 * revision keeps pointing at a complete image. */
static char *
dup_edited_image_path (const char *image_path,
                       const char *edit)
{
  g_autofree char *stem = g_strdup (image_path);
  g_autofree char *suffix = g_uuid_string_random ();
  char *t;

  if (g_str_has_suffix (stem, ".jpg"))
    stem[strlen (stem) - 4] = '\0';
  if ((t = strstr (stem, ".turn-")) != NULL || (t = strstr (stem, ".crop-")) != NULL)
    *t = '\0';
  suffix[8] = '\0';
  return g_strdup_printf ("%s.%s-%s.jpg", stem, edit, suffix);
}

/* The page's text again from the words that are left, a line break where tesseract's line
 * number changes. */
static char *
dup_text_of_words (GArray *words,
                   double *confidence)
{
  g_autoptr(GString) text = g_string_new (NULL);
  double sum = 0;

  for (guint i = 0; i < words->len; i++)
    {
      const PdWord *w = &g_array_index (words, PdWord, i);

      if (i > 0)
        g_string_append_c (text, w->line != g_array_index (words, PdWord, i - 1).line ? '\n' : ' ');
      g_string_append (text, w->text);
      sum += w->confidence;
    }
  *confidence = words->len > 0 ? sum / words->len : 0;
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gboolean
crop_page (PdLibrary         *library,
           gint64             page_id,
           const PdPageRect  *rect,
           GError           **error)
{
  g_autoptr(PdPage) page = pd_library_get_page (library, page_id, error);
  g_autoptr(GArray) words = NULL;
  g_autoptr(GArray) kept = NULL;
  g_autoptr(PIX) pix = NULL;
  g_autoptr(PIX) cropped = NULL;
  g_autofree char *new_path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *detail = NULL;
  PageContent content = { 0 };
  l_uint8 *data = NULL;
  size_t size = 0;
  BOX *box;
  guint width, height, x0, y0, x1, y1;
  gboolean ok;

  if (page == NULL)
    return FALSE;
  if (page->state != PD_PAGE_STATE_RECOGNIZED || page->image_path == NULL)
    {
      g_set_error (error, PD_DOCUMENT_EDIT_ERROR, PD_DOCUMENT_EDIT_ERROR_UNSUPPORTED,
                   "Page %u could not be processed, so it cannot be cropped; scan it again.",
                   page->index + 1);
      return FALSE;
    }
  if (page->encoding != PD_IMAGE_ENCODING_JPEG)
    {
      g_set_error (error, PD_DOCUMENT_EDIT_ERROR, PD_DOCUMENT_EDIT_ERROR_UNSUPPORTED,
                   "Page %u was scanned in text (black and white) mode, whose pages cannot be "
                   "cropped yet; scan it again in gray mode.", page->index + 1);
      return FALSE;
    }

  _pd_process_init_leptonica ();
  pix = read_page_image (page->image_path);
  if (pix == NULL)
    {
      g_set_error (error, PD_DOCUMENT_EDIT_ERROR, PD_DOCUMENT_EDIT_ERROR_FAILED,
                   "The image of page %u (“%s”) could not be read; the document is unchanged.",
                   page->index + 1, page->image_path);
      return FALSE;
    }
  width = (guint) pixGetWidth (pix);
  height = (guint) pixGetHeight (pix);
  /* The rectangle is clipped to the page: a drag that left the image keeps what it covered. */
  x0 = MIN (rect->x, width);
  y0 = MIN (rect->y, height);
  x1 = MIN ((guint64) rect->x + rect->width, width);
  y1 = MIN ((guint64) rect->y + rect->height, height);
  if (x1 < x0 + MIN_CROP_PIXELS || y1 < y0 + MIN_CROP_PIXELS)
    {
      g_set_error (error, PD_DOCUMENT_EDIT_ERROR, PD_DOCUMENT_EDIT_ERROR_UNSUPPORTED,
                   "The area to keep of page %u is too small (%u × %u pixels); drag over the "
                   "part of the page to keep.", page->index + 1, x1 > x0 ? x1 - x0 : 0,
                   y1 > y0 ? y1 - y0 : 0);
      return FALSE;
    }
  if (x0 == 0 && y0 == 0 && x1 == width && y1 == height)
    return TRUE;

  box = boxCreate ((l_int32) x0, (l_int32) y0, (l_int32) (x1 - x0), (l_int32) (y1 - y0));
  cropped = pixClipRectangle (pix, box, NULL);
  boxDestroy (&box);
  if (cropped == NULL)
    {
      g_set_error (error, PD_DOCUMENT_EDIT_ERROR, PD_DOCUMENT_EDIT_ERROR_FAILED,
                   "Page %u could not be cropped; the document is unchanged.", page->index + 1);
      return FALSE;
    }
  /* The crop keeps the page's resolution, so the PDF page shrinks with it. */
  pixCopyResolution (cropped, pix);
  if (pixWriteMemJpeg (&data, &size, cropped, TURN_JPEG_QUALITY, 0) != 0)
    {
      g_set_error (error, PD_DOCUMENT_EDIT_ERROR, PD_DOCUMENT_EDIT_ERROR_FAILED,
                   "Page %u could not be cropped; the document is unchanged.", page->index + 1);
      return FALSE;
    }
  new_path = dup_edited_image_path (page->image_path, "crop");
  ok = pd_fs_write_durable (new_path, data, size, error);
  lept_free (data);
  if (!ok)
    return FALSE;

  /* A word stays when its centre is inside what is kept; its box moves with the image and is
   * clipped to the new edges. */
  words = pd_library_get_words (library, page_id, error);
  if (words == NULL)
    {
      g_unlink (new_path);
      return FALSE;
    }
  kept = pd_word_array_new ();
  for (guint i = 0; i < words->len; i++)
    {
      PdWord *w = &g_array_index (words, PdWord, i);
      gint cx = (w->x0 + w->x1) / 2;
      gint cy = (w->y0 + w->y1) / 2;
      PdWord moved;

      if (cx < (gint) x0 || cx >= (gint) x1 || cy < (gint) y0 || cy >= (gint) y1)
        continue;
      moved = *w;
      moved.text = g_strdup (w->text);
      moved.x0 = CLAMP (w->x0 - (gint) x0, 0, (gint) (x1 - x0));
      moved.x1 = CLAMP (w->x1 - (gint) x0, 0, (gint) (x1 - x0));
      moved.y0 = CLAMP (w->y0 - (gint) y0, 0, (gint) (y1 - y0));
      moved.y1 = CLAMP (w->y1 - (gint) y0, 0, (gint) (y1 - y0));
      moved.baseline = CLAMP (w->baseline - (gint) y0, 0, (gint) (y1 - y0));
      g_array_append_val (kept, moved);
    }

  content.image_path = new_path;
  content.image_width = x1 - x0;
  content.image_height = y1 - y0;
  text = dup_text_of_words (kept, &content.confidence);
  content.text = text;
  content.words = kept;
  content.what = "page cropped";
  detail = g_strdup_printf ("cropped to %u × %u pixels at %u, %u", x1 - x0, y1 - y0, x0, y0);
  content.detail = detail;
  if (!store_page_content (library, page_id, &content, error))
    {
      g_unlink (new_path);
      return FALSE;
    }
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
rebuild_pdf_locked (PdLibrary         *library,
                    gint64             document_id,
                    const char        *why,
                    const Protection  *protection,
                    GError           **error)
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
  PdPdfFinishOptions finish = { .linearize = TRUE, .user_password = protection->password };

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
  meta.pdfa = protection->pdfa;

  /* Only the encrypted file is ever renamed into place; a failed encryption removes the
   * readable one. */
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
  g_auto(Protection) protection = { 0 };

  g_return_val_if_fail (PD_IS_LIBRARY (library), FALSE);

  locker = g_mutex_locker_new (&edit_mutex);
  if (!lookup_protection (library, document_id, &protection, error))
    return FALSE;
  return rebuild_pdf_locked (library, document_id, why, &protection, error);
}

gboolean
pd_document_replace_page (PdLibrary            *library,
                          gint64                page_id,
                          const PdSpooledPage  *spooled,
                          const PdPageResult   *result,
                          GError              **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(PdPage) page = NULL;
  g_auto(Protection) protection = { 0 };
  PageContent content = { 0 };
  gboolean in_review = FALSE;

  g_return_val_if_fail (PD_IS_LIBRARY (library), FALSE);
  g_return_val_if_fail (spooled != NULL && spooled->path != NULL, FALSE);
  g_return_val_if_fail (result != NULL && result->image_path != NULL, FALSE);

  locker = g_mutex_locker_new (&edit_mutex);
  page = pd_library_get_page (library, page_id, error);
  if (page == NULL || !is_in_review (library, page->document_id, &in_review, error) ||
      (!in_review && !lookup_protection (library, page->document_id, &protection, error)))
    return FALSE;

  content.spool = spooled;
  content.result = result;
  content.words = result->words;
  content.what = "page scanned again";
  content.detail = "replaced by a new scan of it";
  if (!store_page_content (library, page_id, &content, error))
    return FALSE;
  /* Committed: the old scan and image belong to no revision any more. */
  if (page->image_path != NULL && g_strcmp0 (page->image_path, result->image_path) != 0)
    g_unlink (page->image_path);
  if (g_strcmp0 (page->spool_path, spooled->path) != 0)
    g_unlink (page->spool_path);
  if (in_review && !filed_meanwhile (library, page->document_id))
    return TRUE;
  if (in_review && !lookup_protection (library, page->document_id, &protection, error))
    return FALSE;
  return rebuild_pdf_locked (library, page->document_id, "PDF made again: a page was scanned again",
                             &protection, error);
}

gboolean
pd_document_edit_page (PdLibrary         *library,
                       const PdPageEdit  *edit,
                       GError           **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(PdPage) page = NULL;
  g_auto(Protection) protection = { 0 };
  const char *why = NULL;
  gboolean in_review = FALSE;
  gboolean ok = FALSE;

  g_return_val_if_fail (PD_IS_LIBRARY (library), FALSE);
  g_return_val_if_fail (edit != NULL, FALSE);

  locker = g_mutex_locker_new (&edit_mutex);
  page = pd_library_get_page (library, edit->page_id, error);
  /* Before anything changes: an edit whose PDF could not be protected is not made at all. */
  if (page == NULL || !is_in_review (library, page->document_id, &in_review, error) ||
      (!in_review && !lookup_protection (library, page->document_id, &protection, error)))
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
    case PD_PAGE_EDIT_CROP:
      ok = crop_page (library, edit->page_id, &edit->crop, error);
      why = "PDF made again: a page was cropped";
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
  if (in_review && !filed_meanwhile (library, page->document_id))
    return TRUE;
  if (in_review && !lookup_protection (library, page->document_id, &protection, error))
    return FALSE;
  return rebuild_pdf_locked (library, page->document_id, why, &protection, error);
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
  pd_task_run_in_thread (task, edit_thread);
}

gboolean
pd_document_edit_page_finish (PdLibrary     *library,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, library), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
