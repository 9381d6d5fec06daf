/* pd-test-process.c: helpers shared by the process stage's tests (see pd-test-process.h). */
#define G_LOG_DOMAIN "pd-test"

#include "pd-test-process.h"

#include <cairo.h>
#include <glib/gstdio.h>
#include <string.h>

#include "pd-paths.h"
#include "pd-word.h"

static const char *fallback_lines[] = {
  "QUARTERLY REPORT 2026",
  "The committee reviewed the budget",
  "and approved the purchase of three",
  "scanners for the northern office.",
  "Invoices will be archived weekly",
  "and searchable by customer number.",
  "Delivery expected before October.",
  NULL
};

/* Drawn only when the build has not made the demo pages: DejaVu Sans 12 pt at 300 dpi. */
static PIX *
draw_fallback_page (char ***words_out)
{
  const int width = 2480, height = 3508;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cairo_t *cr = cairo_create (surface);
  g_autoptr(GString) text = g_string_new (NULL);
  const guint8 *data;
  int stride;
  PIX *pix;

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_select_font_face (cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 50);
  for (guint i = 0; fallback_lines[i] != NULL; i++)
    {
      cairo_move_to (cr, 300, 500 + i * 110);
      cairo_show_text (cr, fallback_lines[i]);
      g_string_append_printf (text, "%s\n", fallback_lines[i]);
    }
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  pix = pixCreate (width, height, 8);
  for (int y = 0; y < height; y++)
    {
      const guint32 *row = (const guint32 *) (gconstpointer) (data + (gsize) y * stride);

      for (int x = 0; x < width; x++)
        pixSetPixel (pix, x, y, (row[x] >> 8) & 0xff);
    }
  cairo_surface_destroy (surface);
  pixSetResolution (pix, 300, 300);
  *words_out = pd_test_split_words (text->str);
  return pix;
}

PIX *
pd_test_load_page (char ***words_out)
{
  g_autofree char *pgm = g_build_filename (pd_paths_get_data_dir (), "demo", "page-01.pgm", NULL);
  g_autofree char *txt = g_build_filename (pd_paths_get_data_dir (), "demo", "page-01.txt", NULL);
  g_autofree char *contents = NULL;
  PIX *pix;

  if (g_file_get_contents (txt, &contents, NULL, NULL) && (pix = pixRead (pgm)) != NULL)
    {
      g_test_message ("using the demo page %s", pgm);
      pixSetResolution (pix, 300, 300);
      *words_out = pd_test_split_words (contents);
      return pix;
    }
  g_test_message ("no demo page in %s: drawing one", pgm);
  return draw_fallback_page (words_out);
}

char *
pd_test_write_pnm (PIX        *pix,
                   const char *dir,
                   const char *name)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (pixWrite (path, pix, IFF_PNM), ==, 0);
  return path;
}

static char *
normalize_word (const char *word)
{
  char *copy = g_strdup (word);
  gsize len = strlen (copy);

  while (len > 1 && strchr (".,:;", copy[len - 1]) != NULL)
    copy[--len] = '\0';
  return copy;
}

double
pd_test_fraction_found (char * const *expected,
                        char * const *found)
{
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_expected = 0, n_found = 0;

  for (guint i = 0; found[i] != NULL; i++)
    {
      char *word = normalize_word (found[i]);
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, word));

      g_hash_table_replace (counts, word, GUINT_TO_POINTER (count + 1));
    }
  for (guint i = 0; expected[i] != NULL; i++)
    {
      g_autofree char *word = normalize_word (expected[i]);
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, word));

      n_expected++;
      if (count > 0)
        {
          n_found++;
          g_hash_table_replace (counts, g_strdup (word), GUINT_TO_POINTER (count - 1));
        }
      else
        g_test_message ("word not found: “%s”", expected[i]);
    }
  return n_expected > 0 ? (double) n_found / n_expected : 0.0;
}

char **
pd_test_words_of_array (GArray *pd_words)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new ();

  for (guint i = 0; i < pd_words->len; i++)
    g_ptr_array_add (out, g_strdup (g_array_index (pd_words, PdWord, i).text));
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

char **
pd_test_split_words (const char *text)
{
  g_auto(GStrv) parts = g_regex_split_simple ("\\s+", text, 0, 0);
  g_autoptr(GPtrArray) out = g_ptr_array_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0')
      g_ptr_array_add (out, g_strdup (parts[i]));
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

char *
pd_test_run (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err_out = NULL;
  char *out = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err_out,
                &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err_out);
  if (err_out != NULL && *err_out != '\0')
    g_test_message ("%s said: %s", argv[0], err_out);
  return out;
}

gboolean
pd_test_dir_is_empty (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return TRUE;
  name = g_dir_read_name (d);
  if (name != NULL)
    g_test_message ("%s contains %s", dir, name);
  return name == NULL;
}

char *
pd_test_make_dir (const char *name)
{
  /* G_TEST_OPTION_ISOLATE_DIRS gives each test case its own, removed afterwards. */
  char *dir = g_build_filename (g_get_user_cache_dir (), name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  return dir;
}
