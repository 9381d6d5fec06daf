/* pd-word.h: one recognized word with its box on the page image, in pixels of the
 * processed (deskewed) image. Produced by OCR, stored by the library, laid out by the
 * PDF writer and used for highlighting. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char   *text;        /* UTF-8 */
  gint    x0, y0;      /* top-left, pixels, origin top-left of the image */
  gint    x1, y1;      /* bottom-right, exclusive */
  gint    baseline;    /* y of the text line's baseline at this word, pixels */
  gfloat  confidence;  /* 0..100 as tesseract reports it */
  guint   line;        /* index of the text line on the page, for reading order */
} PdWord;

/* A GArray of PdWord that frees each word's text when cleared. */
GArray *pd_word_array_new (void);
void    pd_word_clear     (PdWord *word);

G_END_DECLS
