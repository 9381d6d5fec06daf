/* pd-test-scale.h: a library at the size an office reaches after years, for the display tests:
 * documents and OCR-like page text written straight into the database (making them through OCR
 * would take days and test the pipeline, not the window). The same approach as
 * tests/bench/pd-bench-scale.c. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @n_docs documents of @n_pages recognized pages each, named "Invoice NNNNNN" (the newest has
 * the highest number); page P of document D holds "Invoice INV-DDDDDD-P" and common words. */
void pd_test_scale_generate (const char *dir,
                             guint       n_docs,
                             guint       n_pages);

G_END_DECLS
