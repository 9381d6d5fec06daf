/* pd-document-item.c: a read-only snapshot of one library document, and of its sync state, for
 * the document list. The list is rebuilt from the library after every committed change; only the
 * upload progress of the document changes in between (it is not in the library), and "status"
 * says so. */
#define G_LOG_DOMAIN "pd-app"

#include "config.h"

#include <glib/gi18n.h>

#include "pd-document-item.h"

struct _PdDocumentItem
{
  GObject     parent_instance;

  /* Owned */
  PdDocument  *document;
  PdSyncState *sync_state;   /* NULL when not known (no sync information asked for) */
  char        *attention;    /* what an open inbox item about this document says, or NULL */

  guint        percent;      /* of this document's upload, while uploading */
  guint        uploading : 1;
};

G_DEFINE_FINAL_TYPE (PdDocumentItem, pd_document_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_STATUS,
  PROP_N_PAGES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
pd_document_item_finalize (GObject *object)
{
  PdDocumentItem *self = (PdDocumentItem *)object;

  g_clear_pointer (&self->document, pd_document_free);
  g_clear_pointer (&self->sync_state, pd_sync_state_free);
  g_clear_pointer (&self->attention, g_free);

  G_OBJECT_CLASS (pd_document_item_parent_class)->finalize (object);
}

static void
pd_document_item_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  PdDocumentItem *self = PD_DOCUMENT_ITEM (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, pd_document_item_get_name (self));
      break;

    case PROP_STATUS:
      g_value_take_string (value, pd_document_item_dup_status (self));
      break;

    case PROP_N_PAGES:
      g_value_set_uint (value, pd_document_item_get_n_pages (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_document_item_class_init (PdDocumentItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pd_document_item_finalize;
  object_class->get_property = pd_document_item_get_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_N_PAGES] =
    g_param_spec_uint ("n-pages", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pd_document_item_init (PdDocumentItem *self)
{
}

/**
 * pd_document_item_new:
 * @document: the document to show; copied, the caller keeps its own
 *
 * Returns: (transfer full): a new item
 */
PdDocumentItem *
pd_document_item_new (const PdDocument *document)
{
  PdDocumentItem *self;

  g_return_val_if_fail (document != NULL, NULL);

  self = g_object_new (PD_TYPE_DOCUMENT_ITEM, NULL);
  self->document = pd_document_copy (document);
  return self;
}

static PdSyncState *
sync_state_copy (const PdSyncState *state)
{
  PdSyncState *copy = g_new0 (PdSyncState, 1);

  *copy = *state;
  copy->uuid = g_strdup (state->uuid);
  copy->name = g_strdup (state->name);
  copy->pdf_path = g_strdup (state->pdf_path);
  copy->destination = g_strdup (state->destination);
  copy->remote_path = g_strdup (state->remote_path);
  copy->remote_etag = g_strdup (state->remote_etag);
  copy->last_sync_error = g_strdup (state->last_sync_error);
  return copy;
}

/**
 * pd_document_item_new_with_sync:
 * @sync_state: (nullable): where the document goes and what its destination confirmed
 * @attention: (nullable): the message of an open inbox item about the document
 * @uploading: whether a sync pass is sending this document right now
 * @percent: how much of it was sent
 *
 * Returns: (transfer full): a new item whose status says where the document is in syncing
 */
PdDocumentItem *
pd_document_item_new_with_sync (const PdDocument  *document,
                                const PdSyncState *sync_state,
                                const char        *attention,
                                gboolean           uploading,
                                guint              percent)
{
  PdDocumentItem *self = pd_document_item_new (document);

  if (sync_state != NULL)
    self->sync_state = sync_state_copy (sync_state);
  self->attention = g_strdup (attention);
  self->uploading = !!uploading;
  self->percent = MIN (percent, 100);
  return self;
}

/**
 * pd_document_item_set_upload_progress:
 * @uploading: whether the document is being sent right now
 * @percent: how much of it was sent
 *
 * Notifies "status" when the words change.
 */
void
pd_document_item_set_upload_progress (PdDocumentItem *self,
                                      gboolean        uploading,
                                      guint           percent)
{
  g_return_if_fail (PD_IS_DOCUMENT_ITEM (self));

  percent = uploading ? MIN (percent, 100) : 0;
  if (self->uploading == !!uploading && self->percent == percent)
    return;
  self->uploading = !!uploading;
  self->percent = percent;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

/**
 * pd_document_item_get_sync_state:
 *
 * Returns: (transfer none) (nullable): the document's sync state, if it was asked for
 */
const PdSyncState *
pd_document_item_get_sync_state (PdDocumentItem *self)
{
  g_return_val_if_fail (PD_IS_DOCUMENT_ITEM (self), NULL);

  return self->sync_state;
}

/* Whether the PDF was removed after syncing (it is downloaded again to open or export). */
gboolean
pd_document_item_get_evicted (PdDocumentItem *self)
{
  g_return_val_if_fail (PD_IS_DOCUMENT_ITEM (self), FALSE);

  return self->sync_state != NULL && self->sync_state->evicted_at != 0;
}

gboolean
pd_document_item_needs_attention (PdDocumentItem *self)
{
  g_return_val_if_fail (PD_IS_DOCUMENT_ITEM (self), FALSE);

  return self->document->state == PD_DOC_STATE_FAILED || self->attention != NULL;
}

const PdDocument *
pd_document_item_get_document (PdDocumentItem *self)
{
  g_return_val_if_fail (PD_IS_DOCUMENT_ITEM (self), NULL);

  return self->document;
}

gint64
pd_document_item_get_id (PdDocumentItem *self)
{
  g_return_val_if_fail (PD_IS_DOCUMENT_ITEM (self), 0);

  return self->document->id;
}

const char *
pd_document_item_get_name (PdDocumentItem *self)
{
  g_return_val_if_fail (PD_IS_DOCUMENT_ITEM (self), NULL);

  return self->document->name;
}

PdDocState
pd_document_item_get_state (PdDocumentItem *self)
{
  g_return_val_if_fail (PD_IS_DOCUMENT_ITEM (self), PD_DOC_STATE_FAILED);

  return self->document->state;
}

guint
pd_document_item_get_n_pages (PdDocumentItem *self)
{
  g_return_val_if_fail (PD_IS_DOCUMENT_ITEM (self), 0);

  return self->document->n_pages;
}

/* The status of a finished document: where it is on its way to its destination. */
static char *
pd_document_item_dup_sync_status (PdDocumentItem *self)
{
  const PdSyncState *state = self->sync_state;

  if (self->attention != NULL)
    return g_strdup (_("Needs attention: see the inbox"));

  if (state == NULL || state->destination == NULL)
    return g_strdup (_("Ready"));

  if (state->synced_revision >= state->revision && state->remote_etag != NULL)
    {
      if (state->evicted_at != 0)
        /* The words a person needs: it is safe, and opening it needs the network. */
        return g_strdup (_("Synced, stored online only"));
      return g_strdup (_("Synced"));
    }

  if (self->uploading)
    /* Translators: %u is a percentage */
    return g_strdup_printf (_("Uploading %u %%"), self->percent);

  if (state->sync_attempts > 0 || state->last_sync_error != NULL)
    return g_strdup (_("Waiting for network"));

  return g_strdup (_("Waiting to upload"));
}

/**
 * pd_document_item_dup_status:
 *
 * Returns: (transfer full): the document's state in plain words, with the reason when it failed
 */
char *
pd_document_item_dup_status (PdDocumentItem *self)
{
  g_return_val_if_fail (PD_IS_DOCUMENT_ITEM (self), NULL);

  switch (self->document->state)
    {
    case PD_DOC_STATE_CAPTURING:
      return g_strdup (_("Scanning"));

    case PD_DOC_STATE_PROCESSING:
      return g_strdup (_("Processing"));

    case PD_DOC_STATE_READY:
      return pd_document_item_dup_sync_status (self);

    case PD_DOC_STATE_FAILED:
      if (self->document->last_error != NULL && self->document->last_error[0] != '\0')
        /* Translators: %s says why a document could not be finished */
        return g_strdup_printf (_("Failed: %s"), self->document->last_error);
      return g_strdup (_("Failed"));

    default:
      /* A newer library may know states this build does not; say so rather than guess. */
      return g_strdup (_("Unknown state"));
    }
}

char *
pd_document_item_dup_pages_label (PdDocumentItem *self)
{
  guint n_pages;

  g_return_val_if_fail (PD_IS_DOCUMENT_ITEM (self), NULL);

  n_pages = self->document->n_pages;
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u page", "%u pages", n_pages), n_pages);
}

/**
 * pd_document_item_dup_date_label:
 *
 * Returns: (transfer full): when the document was created, in local time: the time of day
 *   for today's documents, the date otherwise
 */
char *
pd_document_item_dup_date_label (PdDocumentItem *self)
{
  g_autoptr(GDateTime) created = NULL;
  g_autoptr(GDateTime) now = NULL;

  g_return_val_if_fail (PD_IS_DOCUMENT_ITEM (self), NULL);

  created = g_date_time_new_from_unix_local (self->document->created_at / G_USEC_PER_SEC);
  if (created == NULL)
    return g_strdup ("");
  now = g_date_time_new_now_local ();

  if (g_date_time_get_year (created) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (created) == g_date_time_get_day_of_year (now))
    /* Translators: time of day of a document scanned today, see g_date_time_format() */
    return g_date_time_format (created, _("Today %H:%M"));

  /* Translators: date of a document scanned before today, see g_date_time_format() */
  return g_date_time_format (created, _("%e %B %Y"));
}
