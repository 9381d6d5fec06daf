/* pd-quickxor.h: QuickXorHash, the content hash OneDrive returns for every file
 * (file.hashes.quickXorHash, the only hash both OneDrive Personal and for Business guarantee).
 * The OneDrive connector compares it with the local file to tell its own upload, whose answer
 * was lost, from someone else's file. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PD_QUICKXOR_WIDTH 160  /* bits in the hash; also the period of its byte positions */

/* Feed bytes with pd_quickxor_update () in as many pieces as convenient. */
typedef struct {
  guint8  fold[PD_QUICKXOR_WIDTH];  /* input bytes XOR-folded by stream offset modulo 160 */
  guint64 length;
} PdQuickxor;

void  pd_quickxor_init          (PdQuickxor    *self);
void  pd_quickxor_update        (PdQuickxor    *self,
                                 const guint8  *data,
                                 gsize          len);
/* The 20-byte hash, as Graph prints it: standard base64 ("AAAAAAAAAAAAAAAAAAAAAAAAAAA=" for no
 * input). @self may be fed further afterwards. */
char *pd_quickxor_end_base64    (const PdQuickxor *self);

char *pd_quickxor_hash_data     (const guint8  *data,
                                 gsize          len);

G_END_DECLS
