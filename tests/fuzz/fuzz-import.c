/* fuzz-import.c: image import reads whatever file a person picks (PNG, JPEG, TIFF, PNM, PDF,
 * or anything renamed to look like one). The bytes are written to a file, imported into a
 * private spool, and every page handed on must be a complete file of the size it claims. No OCR
 * runs here: pd_import_file () only decodes and spools, which is where hostile bytes go. */
#define G_LOG_DOMAIN "pd-fuzz"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "pd-fuzz.h"
#include "pd-import.h"

static char *work_dir;  /* owned, removed at exit */

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
remove_work_dir (void)
{
  remove_tree (work_dir);
  g_clear_pointer (&work_dir, g_free);
}

static gboolean
page_cb (const PdSpooledPage  *page,
         gpointer              user_data,
         GError              **error)
{
  guint *n_seen = user_data;
  GStatBuf st;

  g_assert_nonnull (page->path);
  g_assert_cmpint (g_stat (page->path, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 0);
  g_assert_cmpuint (page->width, >, 0);
  g_assert_cmpuint (page->height, >, 0);
  g_assert_true (page->depth == 1 || page->depth == 8);
  g_assert_true (page->channels == 1 || page->channels == 3);
  g_assert_cmpuint (page->dpi, >, 0);
  (*n_seen)++;
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *input = NULL;
  g_autofree char *spool = NULL;
  g_autoptr(GError) error = NULL;
  guint n_pages = 0;
  guint n_seen = 0;
  gboolean ok;

  if (size > PD_FUZZ_MAX_INPUT)
    return 0;
  if (work_dir == NULL)
    {
      work_dir = g_dir_make_tmp ("pd-fuzz-import-XXXXXX", NULL);
      g_assert_nonnull (work_dir);
      atexit (remove_work_dir);
    }
  input = g_build_filename (work_dir, "input", NULL);
  spool = g_build_filename (work_dir, "spool", NULL);
  g_assert_true (g_file_set_contents (input, (const char *) data, (gssize) size, NULL));

  ok = pd_import_file (input, spool, "page", 0, page_cb, &n_seen, &n_pages, &error);
  g_assert_true (ok == (error == NULL));
  g_assert_cmpuint (n_pages, ==, n_seen);
  if (ok)
    g_assert_cmpuint (n_pages, >, 0);
  else
    g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_debug ("%u pages%s%s", n_pages, ok ? "" : ", ", ok ? "" : error->message);

  /* Each input starts from an empty spool. */
  remove_tree (spool);
  return 0;
}
