/* pd-ocr.h: text recognition with tesseract. Each worker thread gets its own recognizer,
 * created on its first page and reused for every later one (loading a model costs more than
 * a small page); the process must be started with OMP_THREAD_LIMIT=1. */
#pragma once

#include <gio/gio.h>
#include <leptonica/allheaders.h>

G_BEGIN_DECLS

/* @words_out: a GArray of PdWord (pd_word_array_new()), appended to; boxes in pixels of @pix.
 * @text_out: the page's text in reading order. Any output may be NULL. */
gboolean   pd_ocr_recognize                (PIX           *pix,
                                            guint          dpi,
                                            const char    *langs,
                                            GArray        *words_out,
                                            char         **text_out,
                                            double        *mean_confidence_out,
                                            GCancellable  *cancellable,
                                            GError       **error);

/* The languages tesseract can use here ("eng", "deu", ...), sorted, without "osd". */
char     **pd_ocr_dup_installed_languages  (void);

/* TRUE when every language of @langs ("eng+deu") is installed; otherwise
 * PD_PROCESS_ERROR_NO_LANGUAGE, saying which package to install. */
gboolean   pd_ocr_check_languages          (const char    *langs,
                                            GError       **error);

/* Frees the calling thread's recognizer now rather than at thread exit; the main thread, which
 * never exits through GThread, calls this before returning from main(). */
void       pd_ocr_release_thread_engine    (void);

G_END_DECLS
