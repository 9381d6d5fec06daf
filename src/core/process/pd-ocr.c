/* pd-ocr.c: tesseract behind a small API. Tesseract instances are independent but not
 * shareable, and loading a model takes about 60 ms, so each worker thread keeps one
 * TessBaseAPI in a GPrivate, initialised on its first page, re-initialised only when the
 * language string changes, and ended when the thread exits. OpenMP threading is left to the
 * environment (OMP_THREAD_LIMIT=1 set before start-up); parallelism comes from the workers. */
#define G_LOG_DOMAIN "pd-process"

#include "pd-ocr.h"

#include <string.h>
#include <tesseract/capi.h>

#include "pd-process-error.h"
#include "pd-process-private.h"
#include "pd-word.h"

typedef struct {
  TessBaseAPI *api;
  char        *langs;  /* what api was initialised with; NULL when not initialised */
} PdOcrEngine;

static void
pd_ocr_engine_free (gpointer data)
{
  PdOcrEngine *engine = data;

  if (engine == NULL)
    return;
  if (engine->api != NULL)
    {
      TessBaseAPIEnd (engine->api);
      TessBaseAPIDelete (engine->api);
    }
  g_free (engine->langs);
  g_free (engine);
}

static GPrivate engine_key = G_PRIVATE_INIT (pd_ocr_engine_free);

static gboolean
dir_has_traineddata (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return FALSE;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".traineddata"))
      return TRUE;
  return FALSE;
}

/* The folder tesseract loads models from. We resolve it ourselves and pass it to Init, so that
 * the list of installed languages and what Init can load always agree. */
static const char *
get_tessdata_dir (void)
{
  static gsize once;
  static char *tessdata_dir;

  if (g_once_init_enter (&once))
    {
      const char *prefix = g_getenv ("TESSDATA_PREFIX");
      g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
      char *found = NULL;

      if (prefix != NULL && *prefix != '\0')
        {
          g_ptr_array_add (candidates, g_strdup (prefix));
          g_ptr_array_add (candidates, g_build_filename (prefix, "tessdata", NULL));
        }
      g_ptr_array_add (candidates, g_strdup ("/usr/share/tesseract-ocr/5/tessdata"));
      g_ptr_array_add (candidates, g_strdup ("/usr/share/tesseract-ocr/4.00/tessdata"));
      g_ptr_array_add (candidates, g_strdup ("/usr/share/tessdata"));
      g_ptr_array_add (candidates, g_strdup ("/usr/local/share/tessdata"));
      g_ptr_array_add (candidates, g_strdup ("/app/share/tessdata"));

      for (guint i = 0; i < candidates->len && found == NULL; i++)
        if (dir_has_traineddata (g_ptr_array_index (candidates, i)))
          found = g_strdup (g_ptr_array_index (candidates, i));
      if (found == NULL)
        found = g_strdup ("/usr/share/tesseract-ocr/5/tessdata");
      g_debug ("tesseract models in %s", found);
      tessdata_dir = found;
      g_once_init_leave (&once, 1);
    }
  return tessdata_dir;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

char **
pd_ocr_dup_installed_languages (void)
{
  g_autoptr(GDir) dir = g_dir_open (get_tessdata_dir (), 0, NULL);
  g_autoptr(GPtrArray) langs = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      if (!g_str_has_suffix (name, ".traineddata"))
        continue;
      /* osd only detects orientation and script; it cannot read text. */
      if (strcmp (name, "osd.traineddata") == 0)
        continue;
      g_ptr_array_add (langs, g_strndup (name, strlen (name) - strlen (".traineddata")));
    }
  g_ptr_array_sort (langs, compare_strings);
  g_ptr_array_add (langs, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&langs), FALSE);
}

static gboolean
is_valid_lang_name (const char *lang)
{
  if (*lang == '\0')
    return FALSE;
  for (const char *p = lang; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

gboolean
pd_ocr_check_languages (const char  *langs,
                        GError     **error)
{
  g_auto(GStrv) wanted = NULL;
  g_auto(GStrv) installed = NULL;
  g_autoptr(GString) missing = NULL;
  g_autoptr(GString) packages = NULL;
  g_autofree char *installed_list = NULL;
  guint n_missing = 0;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (langs == NULL || *langs == '\0')
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_NO_LANGUAGE,
                   "No text recognition language is selected. Choose at least one language "
                   "in the scan profile.");
      return FALSE;
    }

  wanted = g_strsplit (langs, "+", -1);
  installed = pd_ocr_dup_installed_languages ();
  missing = g_string_new (NULL);
  packages = g_string_new (NULL);

  for (guint i = 0; wanted[i] != NULL; i++)
    {
      g_autofree char *package = NULL;

      if (is_valid_lang_name (wanted[i]) && strcmp (wanted[i], "osd") != 0
          && g_strv_contains ((const char * const *) installed, wanted[i]))
        continue;
      /* Debian names language packs after the model, lower case, '_' written as '-'. */
      package = g_ascii_strdown (wanted[i], -1);
      g_strdelimit (package, "_", '-');
      g_string_append_printf (missing, "%s“%s”", n_missing > 0 ? ", " : "", wanted[i]);
      g_string_append_printf (packages, "%stesseract-ocr-%s", n_missing > 0 ? " " : "", package);
      n_missing++;
    }
  if (n_missing == 0)
    return TRUE;

  installed_list = installed[0] != NULL ? g_strjoinv (", ", installed) : g_strdup ("none");
  g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_NO_LANGUAGE,
               "Text recognition for %s is not installed (installed: %s). Install the package "
               "%s (for example “sudo apt install %s”) or choose another language.",
               missing->str, installed_list, packages->str, packages->str);
  return FALSE;
}

static PdOcrEngine *
get_engine (const char  *langs,
            GError     **error)
{
  PdOcrEngine *engine = g_private_get (&engine_key);

  if (engine == NULL)
    {
      engine = g_new0 (PdOcrEngine, 1);
      engine->api = TessBaseAPICreate ();
      g_private_set (&engine_key, engine);
    }
  if (engine->langs != NULL && strcmp (engine->langs, langs) == 0)
    return engine;

  if (!pd_ocr_check_languages (langs, error))
    return NULL;
  if (engine->langs != NULL)
    {
      TessBaseAPIEnd (engine->api);
      g_clear_pointer (&engine->langs, g_free);
    }
  if (TessBaseAPIInit3 (engine->api, get_tessdata_dir (), langs) != 0)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_NO_LANGUAGE,
                   "The text recognition data for “%s” could not be loaded from %s. Reinstall "
                   "the tesseract-ocr language packages.", langs, get_tessdata_dir ());
      return NULL;
    }
  TessBaseAPISetPageSegMode (engine->api, PSM_AUTO);
  engine->langs = g_strdup (langs);
  g_debug ("OCR engine for “%s” ready in thread %p", langs, (void *) g_thread_self ());
  return engine;
}

void
pd_ocr_release_thread_engine (void)
{
  /* g_private_replace runs the destroy notify on the old value. */
  g_private_replace (&engine_key, NULL);
}

static bool
cancel_cb (void *cancel_this,
           int   words)
{
  return g_cancellable_is_cancelled (G_CANCELLABLE (cancel_this));
}

static int
baseline_at (int x,
             int bx1,
             int by1,
             int bx2,
             int by2)
{
  if (bx2 == bx1)
    return by1;
  return by1 + (int) ((double) (by2 - by1) * (x - bx1) / (double) (bx2 - bx1) + 0.5);
}

static void
collect_words (TessBaseAPI *api,
               GArray      *words_out,
               double      *sum_conf,
               guint       *n_words)
{
  TessResultIterator *it = TessBaseAPIGetIterator (api);
  int line = -1;
  int bx1 = 0, by1 = 0, bx2 = 0, by2 = 0;
  gboolean have_baseline = FALSE;

  if (it == NULL)
    return;
  do
    {
      const TessPageIterator *pit = TessResultIteratorGetPageIteratorConst (it);
      char *text;
      int left, top, right, bottom;
      PdWord word = { 0 };
      g_autofree char *stripped = NULL;

      if (TessPageIteratorIsAtBeginningOf (pit, RIL_TEXTLINE))
        {
          line++;
          have_baseline = TessPageIteratorBaseline (pit, RIL_TEXTLINE, &bx1, &by1, &bx2, &by2);
        }
      text = TessResultIteratorGetUTF8Text (it, RIL_WORD);
      if (text == NULL)
        continue;
      stripped = g_strstrip (g_strdup (text));
      TessDeleteText (text);
      if (*stripped == '\0'
          || !TessPageIteratorBoundingBox (pit, RIL_WORD, &left, &top, &right, &bottom))
        continue;

      word.x0 = left;
      word.y0 = top;
      word.x1 = right;
      word.y1 = bottom;
      word.baseline = have_baseline ? baseline_at ((left + right) / 2, bx1, by1, bx2, by2) : bottom;
      /* A baseline outside the word's own box is a line-fit artefact; the box is better. */
      if (word.baseline < top || word.baseline > bottom)
        word.baseline = bottom;
      word.confidence = TessResultIteratorConfidence (it, RIL_WORD);
      word.line = (guint) MAX (line, 0);
      *sum_conf += word.confidence;
      (*n_words)++;
      if (words_out != NULL)
        {
          word.text = g_steal_pointer (&stripped);
          g_array_append_val (words_out, word);
        }
    }
  while (TessResultIteratorNext (it, RIL_WORD));
  TessResultIteratorDelete (it);
}

gboolean
pd_ocr_recognize (PIX           *pix,
                  guint          dpi,
                  const char    *langs,
                  GArray        *words_out,
                  char         **text_out,
                  double        *mean_confidence_out,
                  GCancellable  *cancellable,
                  GError       **error)
{
  PdOcrEngine *engine;
  ETEXT_DESC *monitor;
  double sum_conf = 0;
  guint n_words = 0;
  int rc;

  g_return_val_if_fail (pix != NULL, FALSE);
  g_return_val_if_fail (langs != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  engine = get_engine (langs, error);
  if (engine == NULL)
    return FALSE;

  TessBaseAPISetImage2 (engine->api, pix);
  TessBaseAPISetSourceResolution (engine->api, dpi > 0 ? (int) dpi : 300);

  monitor = TessMonitorCreate ();
  if (cancellable != NULL)
    {
      TessMonitorSetCancelFunc (monitor, cancel_cb);
      TessMonitorSetCancelThis (monitor, cancellable);
    }
  rc = TessBaseAPIRecognize (engine->api, monitor);
  TessMonitorDelete (monitor);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      TessBaseAPIClear (engine->api);
      return FALSE;
    }
  if (rc != 0)
    {
      TessBaseAPIClear (engine->api);
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_OCR_FAILED,
                   "Text recognition failed on this page (%d × %d pixels). The page image is "
                   "kept; try processing it again.", pixGetWidth (pix), pixGetHeight (pix));
      return FALSE;
    }

  collect_words (engine->api, words_out, &sum_conf, &n_words);
  if (text_out != NULL)
    {
      char *text = TessBaseAPIGetUTF8Text (engine->api);

      *text_out = g_strdup (text != NULL ? text : "");
      TessDeleteText (text);
    }
  if (mean_confidence_out != NULL)
    *mean_confidence_out = n_words > 0 ? sum_conf / n_words : 0.0;

  /* Drop the page's results now: they are the size of the page, and the engine lives on. */
  TessBaseAPIClear (engine->api);
  return TRUE;
}
