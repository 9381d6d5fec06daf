/* pd-quickxor.c: QuickXorHash as Microsoft describes it: the n-th input byte is XORed into a
 * 160-bit circular register at bit (n * 11) mod 160, and the input length (64 bits, little
 * endian) is XORed into the register's last eight bytes.
 *
 * Since 160 * 11 is a multiple of 160, a byte's bit position depends only on its offset modulo
 * 160. Updates therefore only XOR each byte into one of 160 slots, and the register is built
 * from the slots at the end: one pass over the data, no shifting per byte. */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <string.h>

#include "pd-quickxor.h"

#define SHIFT 11
#define HASH_BYTES (PD_QUICKXOR_WIDTH / 8)

void
pd_quickxor_init (PdQuickxor *self)
{
  g_return_if_fail (self != NULL);

  memset (self, 0, sizeof *self);
}

void
pd_quickxor_update (PdQuickxor   *self,
                    const guint8 *data,
                    gsize         len)
{
  gsize slot;

  g_return_if_fail (self != NULL);
  g_return_if_fail (data != NULL || len == 0);

  slot = (gsize) (self->length % PD_QUICKXOR_WIDTH);
  for (gsize i = 0; i < len; i++)
    {
      self->fold[slot] ^= data[i];
      if (++slot == PD_QUICKXOR_WIDTH)
        slot = 0;
    }
  self->length += len;
}

char *
pd_quickxor_end_base64 (const PdQuickxor *self)
{
  guint8 hash[HASH_BYTES] = { 0 };
  guint64 length;

  g_return_val_if_fail (self != NULL, NULL);

  for (guint slot = 0; slot < PD_QUICKXOR_WIDTH; slot++)
    {
      guint bit = (slot * SHIFT) % PD_QUICKXOR_WIDTH;
      guint16 spread = (guint16) (self->fold[slot] << (bit % 8));

      /* A byte that straddles the register's end wraps round to its start. */
      hash[bit / 8] ^= (guint8) (spread & 0xff);
      hash[(bit / 8 + 1) % HASH_BYTES] ^= (guint8) (spread >> 8);
    }

  length = self->length;
  for (guint i = 0; i < 8; i++, length >>= 8)
    hash[HASH_BYTES - 8 + i] ^= (guint8) (length & 0xff);

  return g_base64_encode (hash, sizeof hash);
}

char *
pd_quickxor_hash_data (const guint8 *data,
                       gsize         len)
{
  PdQuickxor q;

  pd_quickxor_init (&q);
  pd_quickxor_update (&q, data, len);
  return pd_quickxor_end_base64 (&q);
}
