/* pd-enums.c: string names of the core's value types; these strings are stored in the
 * library database and printed by the CLI, so they never change once released. */
#define G_LOG_DOMAIN "pd-core"

#include "pd-enums.h"

static const char *scan_modes[] = { "text", "gray", "color" };
static const char *scan_sources[] = { "auto", "flatbed", "adf", "duplex" };
static const char *doc_states[] = { "capturing", "processing", "ready", "failed" };
static const char *page_states[] = { "captured", "recognized", "failed" };

static gboolean
lookup (const char *const *names,
        guint              n_names,
        const char        *str,
        int               *value)
{
  if (str == NULL)
    return FALSE;
  for (guint i = 0; i < n_names; i++)
    {
      if (g_ascii_strcasecmp (names[i], str) == 0)
        {
          *value = (int) i;
          return TRUE;
        }
    }
  return FALSE;
}

#define DEFINE_ENUM_STRINGS(Type, type, table)                              \
  const char *                                                              \
  pd_##type##_to_string (Type value)                                        \
  {                                                                         \
    g_return_val_if_fail ((guint) value < G_N_ELEMENTS (table), NULL);      \
    return table[value];                                                    \
  }                                                                         \
  gboolean                                                                  \
  pd_##type##_from_string (const char *str,                                 \
                           Type       *value)                               \
  {                                                                         \
    int v;                                                                  \
    if (!lookup (table, G_N_ELEMENTS (table), str, &v))                     \
      return FALSE;                                                         \
    *value = (Type) v;                                                      \
    return TRUE;                                                            \
  }

DEFINE_ENUM_STRINGS (PdScanMode, scan_mode, scan_modes)
DEFINE_ENUM_STRINGS (PdScanSource, scan_source, scan_sources)
DEFINE_ENUM_STRINGS (PdDocState, doc_state, doc_states)
DEFINE_ENUM_STRINGS (PdPageState, page_state, page_states)
