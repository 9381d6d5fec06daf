/* pd-word.c: helpers for arrays of recognized words. */
#define G_LOG_DOMAIN "pd-core"

#include "pd-word.h"

void
pd_word_clear (PdWord *word)
{
  g_clear_pointer (&word->text, g_free);
}

GArray *
pd_word_array_new (void)
{
  GArray *words = g_array_new (FALSE, TRUE, sizeof (PdWord));

  g_array_set_clear_func (words, (GDestroyNotify) pd_word_clear);
  return words;
}
