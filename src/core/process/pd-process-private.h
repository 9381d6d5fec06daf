/* pd-process-private.h: helpers shared by the files of the process stage and its tests, not
 * part of the stage's public API: leptonica ownership with g_autoptr, and routing leptonica's
 * diagnostics away from stderr. */
#pragma once

#include <glib.h>
#include <leptonica/allheaders.h>

G_BEGIN_DECLS

static inline void
_pd_pix_destroy (PIX *pix)
{
  pixDestroy (&pix);
}

static inline void
_pd_pixa_destroy (PIXA *pixa)
{
  pixaDestroy (&pixa);
}

static inline void
_pd_comp_data_destroy (L_COMP_DATA *cid)
{
  l_CIDataDestroy (&cid);
}

static inline void
_pd_numa_destroy (NUMA *numa)
{
  numaDestroy (&numa);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PIX, _pd_pix_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NUMA, _pd_numa_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PIXA, _pd_pixa_destroy)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (L_COMP_DATA, _pd_comp_data_destroy)

void _pd_process_init_leptonica (void);

G_END_DECLS
