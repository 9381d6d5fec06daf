/* pd-test-process.h: what the process stage's tests share: the page to recognize (a demo page
 * when the build made them, else one drawn here), word counting, and running the poppler-utils
 * tools a person would use to look into a PDF. */
#pragma once

#include <glib.h>
#include <leptonica/allheaders.h>

G_BEGIN_DECLS

/* A 300 dpi 8-bit gray page with straight text, and its words (whitespace-separated). */
PIX      *pd_test_load_page          (char      ***words_out);
/* Writes @pix as a binary PNM file into @dir and returns its path. */
char     *pd_test_write_pnm          (PIX          *pix,
                                      const char   *dir,
                                      const char   *name);
/* How many of @expected occur in @found (as a multiset), ignoring trailing punctuation. */
double    pd_test_fraction_found     (char * const *expected,
                                      char * const *found);
char    **pd_test_words_of_array     (GArray       *pd_words);
char    **pd_test_split_words        (const char   *text);
/* Runs argv, asserts exit status 0, returns stdout. */
char     *pd_test_run                (const char * const *argv);
gboolean  pd_test_dir_is_empty       (const char   *dir);
char     *pd_test_make_dir           (const char   *name);

G_END_DECLS
