/* pd-token-source.c: the PdTokenSource interface and a source holding one fixed token. */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "pd-secret.h"
#include "pd-sync-error.h"
#include "pd-token-source.h"

G_DEFINE_INTERFACE (PdTokenSource, pd_token_source, G_TYPE_OBJECT)

static void
pd_token_source_default_init (PdTokenSourceInterface *iface)
{
}

char *
pd_token_source_get_token (PdTokenSource  *self,
                           const char     *refused,
                           GCancellable   *cancellable,
                           GError        **error)
{
  g_return_val_if_fail (PD_IS_TOKEN_SOURCE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return PD_TOKEN_SOURCE_GET_IFACE (self)->get_token (self, refused, cancellable, error);
}

#define PD_TYPE_STATIC_TOKEN_SOURCE (pd_static_token_source_get_type ())
G_DECLARE_FINAL_TYPE (PdStaticTokenSource, pd_static_token_source, PD, STATIC_TOKEN_SOURCE, GObject)

struct _PdStaticTokenSource
{
  GObject  parent_instance;
  char    *token;
};

static void pd_static_token_source_iface_init (PdTokenSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PdStaticTokenSource, pd_static_token_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PD_TYPE_TOKEN_SOURCE,
                                                      pd_static_token_source_iface_init))

static char *
pd_static_token_source_get_token (PdTokenSource  *source,
                                  const char     *refused,
                                  GCancellable   *cancellable,
                                  GError        **error)
{
  PdStaticTokenSource *self = PD_STATIC_TOKEN_SOURCE (source);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  /* A fixed token the server refused will not get better by asking again. */
  if (self->token == NULL || g_strcmp0 (refused, self->token) == 0)
    {
      g_set_error_literal (error, PD_SYNC_ERROR, PD_SYNC_ERROR_AUTH_REQUIRED,
                           _("The server refused the sign-in of this account. Sign in again."));
      return NULL;
    }
  return g_strdup (self->token);
}

static void
pd_static_token_source_iface_init (PdTokenSourceInterface *iface)
{
  iface->get_token = pd_static_token_source_get_token;
}

static void
pd_static_token_source_finalize (GObject *object)
{
  PdStaticTokenSource *self = PD_STATIC_TOKEN_SOURCE (object);

  g_clear_pointer (&self->token, pd_secret_free);
  G_OBJECT_CLASS (pd_static_token_source_parent_class)->finalize (object);
}

static void
pd_static_token_source_class_init (PdStaticTokenSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_static_token_source_finalize;
}

static void
pd_static_token_source_init (PdStaticTokenSource *self)
{
}

PdTokenSource *
pd_static_token_source_new (const char *token)
{
  PdStaticTokenSource *self = g_object_new (PD_TYPE_STATIC_TOKEN_SOURCE, NULL);

  self->token = g_strdup (token);
  return PD_TOKEN_SOURCE (self);
}
