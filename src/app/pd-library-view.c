/* pd-library-view.c: the Library page (see pd-library-view.h). It only observes the library:
 * listings and searches run as jobs on a worker thread (pd-app-job.h) and are redone when the
 * library reports a committed change or the sync status moves. Bursts of changes are
 * coalesced: one listing in flight, one more queued. A newer search cancels the older one.
 * The documents are a GtkListView: rows exist only for what is on screen, so a library of
 * 20,000 documents costs a screenful of widgets. The sync engine's per-document progress
 * updates the item being sent in place, without listing again. */
#define G_LOG_DOMAIN "pd-app"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pd-app-image.h"
#include "pd-app-job.h"
#include "pd-app-open.h"
#include "pd-app-toast.h"
#include "pd-document-item.h"
#include "pd-library-delete.h"
#include "pd-library-sync.h"
#include "pd-library-view.h"
#include "pd-sync-engine.h"
#include "pd-thumbnail.h"
#include "pd-vault.h"

#define SEARCH_LIMIT 50
/* The first listing reads the sync state of this many documents (the newest, which are on
 * screen) and shows them; a second listing reads all of them. Reading one state costs about
 * 25 us: 20,000 of them would keep the first rows half a second. */
#define FIRST_LISTING_STATES 200
/* A row's picture of the first page, in logical pixels; decoded at twice that for HiDPI. */
#define THUMBNAIL_WIDTH  40
#define THUMBNAIL_HEIGHT 52
/* Decoded pictures kept; past that the cache starts again (about 30 KiB each). */
#define THUMBNAIL_CACHE_MAX 600

struct _PdLibraryView
{
  AdwBin          parent_instance;

  /* Template widgets */
  GtkSearchEntry *search_entry;
  GtkStack       *stack;
  GtkSpinner     *spinner;
  AdwStatusPage  *error_page;
  GtkListView    *list_view;
  GtkListBox     *results_box;

  /* Owned */
  GCancellable   *cancellable;         /* cancelled when the view goes away */
  GCancellable   *search_cancellable;  /* the search in flight */
  GListStore     *documents;           /* PdDocumentItem, newest first */
  PdLibrary      *library;
  PdSyncStatus   *status;
  PdSyncEngine   *engine;              /* the status's, for per-document progress */
  GHashTable     *items_by_id;         /* document id -> PdDocumentItem shown (borrowed) */
  GHashTable     *progress;            /* document id -> percent, while it is being sent */
  char           *query;               /* what is being searched, NULL when not searching */
  char           *last_opened;         /* the plain copy last handed to a viewer */
  GHashTable     *thumbnails;          /* "id:revision" -> GdkTexture, or NULL: none to show */

  guint           listing : 1;
  guint           listed : 1;              /* a listing of this library arrived */
  guint           relist_pending : 1;
  guint           failed : 1;          /* an error page is up */
};

G_DEFINE_FINAL_TYPE (PdLibraryView, pd_library_view, ADW_TYPE_BIN)

static void pd_library_view_list (PdLibraryView *self);

/* Feedback that needs no answer goes to the window's toast overlay. */
static void
pd_library_view_toast (PdLibraryView *self,
                       const char    *text)
{
  pd_app_toast (GTK_WIDGET (self), text, 5);
}

static void
pd_library_view_update_page (PdLibraryView *self)
{
  if (self->failed)
    return;

  if (self->library == NULL)
    {
      gtk_spinner_set_spinning (self->spinner, TRUE);
      gtk_stack_set_visible_child_name (self->stack, "loading");
      return;
    }

  gtk_spinner_set_spinning (self->spinner, FALSE);
  if (self->query != NULL)
    {
      if (gtk_list_box_get_row_at_index (self->results_box, 0) != NULL)
        gtk_stack_set_visible_child_name (self->stack, "results");
      else
        gtk_stack_set_visible_child_name (self->stack, "no-results");
    }
  else if (!self->listed)
    {
      /* Not "No Documents Yet" before the library said so. */
      gtk_spinner_set_spinning (self->spinner, TRUE);
      gtk_stack_set_visible_child_name (self->stack, "loading");
    }
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->documents)) == 0)
    gtk_stack_set_visible_child_name (self->stack, "empty");
  else if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "loading") == 0)
    /* The first rows replace the spinner at once: fading them in only delays them. */
    gtk_stack_set_visible_child_full (self->stack, "documents", GTK_STACK_TRANSITION_TYPE_NONE);
  else
    gtk_stack_set_visible_child_name (self->stack, "documents");
}

/* Listing */

typedef struct {
  GPtrArray  *documents;  /* PdDocument */
  GPtrArray  *states;     /* PdSyncState or NULL, parallel to documents */
  GHashTable *attention;  /* document id -> message of its open inbox item */
} Listing;

static void
listing_free (Listing *listing)
{
  g_clear_pointer (&listing->documents, g_ptr_array_unref);
  g_clear_pointer (&listing->states, g_ptr_array_unref);
  g_clear_pointer (&listing->attention, g_hash_table_unref);
  g_free (listing);
}

static gboolean
list_job (PdLibrary       *library,
          gpointer         data,
          gpointer        *result,
          GDestroyNotify  *result_free,
          GCancellable    *cancellable,
          GError         **error)
{
  guint max_states = GPOINTER_TO_UINT (data);
  g_autoptr(GPtrArray) inbox = NULL;
  Listing *listing;

  inbox = pd_library_list_inbox (library, FALSE, error);
  if (inbox == NULL)
    return FALSE;

  listing = g_new0 (Listing, 1);
  listing->attention = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  for (guint i = 0; i < inbox->len; i++)
    {
      const PdInboxItem *item = inbox->pdata[i];

      /* Name-taken and remote-deleted items only inform: the document did reach its
       * destination. */
      if (item->document_id != 0 &&
          g_strcmp0 (item->kind, "name_taken") != 0 &&
          g_strcmp0 (item->kind, "remote_deleted") != 0)
        g_hash_table_replace (listing->attention, g_memdup2 (&item->document_id, sizeof (gint64)),
                              g_strdup (item->message));
    }

  listing->documents = pd_library_list_documents (library, error);
  if (listing->documents == NULL)
    {
      listing_free (listing);
      return FALSE;
    }

  listing->states = g_ptr_array_new_full (listing->documents->len,
                                          (GDestroyNotify) pd_sync_state_free);
  for (guint i = 0; i < listing->documents->len; i++)
    {
      const PdDocument *document = listing->documents->pdata[i];

      if (g_cancellable_is_cancelled (cancellable) || (max_states != 0 && i >= max_states))
        break;
      /* A document whose state cannot be read is still listed, without sync words. */
      g_ptr_array_add (listing->states,
                       document->state == PD_DOC_STATE_READY
                         ? pd_library_get_sync_state (library, document->id, NULL)
                         : NULL);
    }

  *result = listing;
  *result_free = (GDestroyNotify) listing_free;
  return TRUE;
}

/* Called on the frame after the one that showed the first rows. */
static gboolean
relist_after_frame_cb (GtkWidget     *widget,
                       GdkFrameClock *clock,
                       gpointer       user_data)
{
  PdLibraryView *self = PD_LIBRARY_VIEW (widget);

  if (self->relist_pending && !self->listing)
    pd_library_view_list (self);
  return G_SOURCE_REMOVE;
}

static void
list_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  PdLibrary *library = PD_LIBRARY (object);
  g_autoptr(PdLibraryView) self = PD_LIBRARY_VIEW (user_data);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  Listing *listing = NULL;

  if (!pd_app_job_finish (result, (gpointer *) &listing, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          library != self->library)
        return;
      self->listing = FALSE;
      g_warning ("Could not list the documents: %s", error->message);
      pd_library_view_show_error (self, _("Could Not Read the Documents"), error->message);
      return;
    }

  if (library != self->library)
    {
      listing_free (listing);
      return;
    }
  self->listing = FALSE;

  /* A first listing read only the newest documents' states: the next one reads them all. */
  if (listing->states->len < listing->documents->len)
    self->relist_pending = TRUE;

  items = g_ptr_array_new_full (listing->documents->len, g_object_unref);
  g_hash_table_remove_all (self->items_by_id);
  for (guint i = 0; i < listing->documents->len; i++)
    {
      const PdDocument *document = listing->documents->pdata[i];
      const PdSyncState *state = i < listing->states->len ? listing->states->pdata[i] : NULL;
      gpointer percent = NULL;
      gboolean uploading;
      PdDocumentItem *item;

      uploading = g_hash_table_lookup_extended (self->progress, &document->id, NULL, &percent);
      item = pd_document_item_new_with_sync (document, state,
                                             g_hash_table_lookup (listing->attention,
                                                                  &document->id),
                                             uploading, GPOINTER_TO_UINT (percent));
      g_ptr_array_add (items, item);
      /* The key lives in the item, which the store keeps as long as the table refers to it. */
      g_hash_table_insert (self->items_by_id,
                           (gpointer) &pd_document_item_get_document (item)->id, item);
    }
  listing_free (listing);

  self->listed = TRUE;
  g_list_store_splice (self->documents,
                       0, g_list_model_get_n_items (G_LIST_MODEL (self->documents)),
                       items->pdata, items->len);
  g_debug ("Listed %u documents", items->len);
  pd_library_view_update_page (self);

  /* On screen, the full listing waits until the first rows are drawn: the two would share the
   * cores. (A tick callback runs only while the view is mapped.) */
  if (self->relist_pending && gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_add_tick_callback (GTK_WIDGET (self), relist_after_frame_cb, NULL, NULL);
  else if (self->relist_pending)
    pd_library_view_list (self);
}

static void
pd_library_view_list (PdLibraryView *self)
{
  guint max_states = 0;

  g_assert (PD_IS_LIBRARY_VIEW (self));

  if (self->library == NULL)
    return;

  if (self->listing)
    {
      self->relist_pending = TRUE;
      return;
    }

  self->listing = TRUE;
  self->relist_pending = FALSE;
  if (g_list_model_get_n_items (G_LIST_MODEL (self->documents)) == 0)
    /* The first rows first; documents further down say where they are a moment later. */
    max_states = FIRST_LISTING_STATES;
  pd_app_job_run (self->library, list_job, GUINT_TO_POINTER (max_states), NULL,
                  self->cancellable, list_cb, g_object_ref (self));
}

static void
document_changed_cb (PdLibraryView *self)
{
  pd_library_view_list (self);
}

/* Rows */

static GMenuModel *
make_document_menu (gint64 document_id)
{
  GMenu *menu = g_menu_new ();
  struct {
    const char *label;
    const char *action;
  } entries[] = {
    { N_("_Open"), "doc.open" },
    { N_("_Export…"), "doc.export" },
    { N_("_History"), "doc.history" },
    { N_("_Delete…"), "doc.delete" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (_(entries[i].label), NULL);

      g_menu_item_set_action_and_target_value (item, entries[i].action,
                                               g_variant_new_int64 (document_id));
      g_menu_append_item (menu, item);
    }
  return G_MENU_MODEL (menu);
}

/* The popover is made when the menu opens: a row scrolled past never needs one, and making
 * it for each of the rows a list view keeps would cost more than the rest of the row. */
static void
create_menu_popup_cb (GtkMenuButton *button,
                      gpointer       user_data)
{
  gint64 *document_id = g_object_get_data (G_OBJECT (button), "pd-document-id");
  g_autoptr(GMenuModel) menu = NULL;

  if (document_id == NULL)
    return;
  menu = make_document_menu (*document_id);
  gtk_menu_button_set_menu_model (button, menu);
}

static GtkWidget *
make_menu_button (void)
{
  GtkWidget *button = gtk_menu_button_new ();

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "view-more-symbolic");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, _("Document Actions"));
  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (button), create_menu_popup_cb, NULL,
                                         NULL);
  return button;
}

/* Points the menu button at the document @document_id called @name. */
static void
set_menu_document (GtkWidget  *button,
                   gint64      document_id,
                   const char *name)
{
  g_autofree char *label = NULL;

  g_object_set_data_full (G_OBJECT (button), "pd-document-id",
                          g_memdup2 (&document_id, sizeof document_id), g_free);
  /* Translators: accessible label of a document's menu button; %s is the document's name */
  label = g_strdup_printf (_("Actions for “%s”"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

static const char *
state_icon_name (PdDocumentItem *item)
{
  const PdSyncState *state = pd_document_item_get_sync_state (item);

  if (pd_document_item_needs_attention (item))
    return "dialog-warning-symbolic";
  switch (pd_document_item_get_state (item))
    {
    case PD_DOC_STATE_CAPTURING:
    case PD_DOC_STATE_PROCESSING:
      return "content-loading-symbolic";
    case PD_DOC_STATE_READY:
      if (state == NULL || state->destination == NULL)
        return "x-office-document-symbolic";
      if (state->synced_revision >= state->revision && state->remote_etag != NULL)
        return "emblem-ok-symbolic";
      return "emblem-synchronizing-symbolic";
    case PD_DOC_STATE_FAILED:
    default:
      return "dialog-warning-symbolic";
    }
}

/* Thumbnails: decoded on a worker thread when a row shows a document (bind), given up when
 * it scrolls away before that (unbind), and kept by document and revision: an edit (a page
 * turned) makes a new picture, scrolling back does not. */

/* Cached values may be NULL: a document with nothing to show is not asked again. */
static void
unref_texture (gpointer texture)
{
  if (texture != NULL)
    g_object_unref (texture);
}

typedef struct {
  gint64    document_id;
  char     *uuid;
  char     *key;
  gboolean  evicted;
} ThumbnailJob;

static void
thumbnail_job_free (ThumbnailJob *job)
{
  g_free (job->uuid);
  g_free (job->key);
  g_free (job);
}

static GdkPixbuf *
load_thumbnail (const char *path)
{
  g_autoptr(GError) error = NULL;
  GdkPixbuf *pixbuf;

  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  /* Through the vault: page images and thumbnails of a sealed library are sealed too. */
  pixbuf = pd_app_load_image (path, THUMBNAIL_WIDTH * 2, THUMBNAIL_HEIGHT * 2, NULL, NULL,
                              &error);
  if (pixbuf == NULL)
    g_debug ("No thumbnail from %s: %s", path, error->message);
  return pixbuf;
}

static gboolean
thumbnail_job (PdLibrary       *library,
               gpointer         data,
               gpointer        *result,
               GDestroyNotify  *result_free,
               GCancellable    *cancellable,
               GError         **error)
{
  ThumbnailJob *job = data;
  g_autofree char *thumbnail = pd_thumbnail_get_path (library, job->uuid);
  GdkPixbuf *pixbuf = NULL;

  /* An evicted document has no page images left: the picture eviction kept of it. */
  if (job->evicted)
    pixbuf = load_thumbnail (thumbnail);

  if (pixbuf == NULL)
    {
      g_autoptr(GPtrArray) pages = pd_library_list_pages (library, job->document_id, error);

      if (pages == NULL)
        return FALSE;
      for (guint i = 0; i < pages->len && pixbuf == NULL; i++)
        {
          const PdPage *page = pages->pdata[i];

          if (page->excluded)
            continue;
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          /* The processed image is what the PDF shows (turned, straightened); text pages
           * keep it as raw G4, which only the scan can stand in for. */
          pixbuf = load_thumbnail (page->image_path);
          if (pixbuf == NULL)
            pixbuf = load_thumbnail (page->spool_path);
          break;
        }
    }
  if (pixbuf == NULL && !job->evicted)
    pixbuf = load_thumbnail (thumbnail);

  *result = pixbuf;
  *result_free = g_object_unref;
  return TRUE;
}

typedef struct {
  PdLibraryView *self;
  GtkWidget     *row;
} ThumbnailCall;

static void
thumbnail_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  ThumbnailCall *call = user_data;
  ThumbnailJob *job = pd_app_job_get_data (result);
  PdLibraryView *self = call->self;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  GtkPicture *picture = g_object_get_data (G_OBJECT (call->row), "pd-thumbnail");

  if (!pd_app_job_finish (result, (gpointer *) &pixbuf, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No thumbnail for document %" G_GINT64_FORMAT ": %s", job->document_id,
                 error->message);
      goto out;
    }
  if (pixbuf != NULL)
    texture = gdk_texture_new_for_pixbuf (pixbuf);
  if (self->thumbnails != NULL)
    {
      if (g_hash_table_size (self->thumbnails) >= THUMBNAIL_CACHE_MAX)
        g_hash_table_remove_all (self->thumbnails);
      g_hash_table_replace (self->thumbnails, g_strdup (job->key),
                            texture != NULL ? g_object_ref (texture) : NULL);
    }
  /* The row may show another document by now. */
  if (g_strcmp0 (g_object_get_data (G_OBJECT (call->row), "pd-thumbnail-key"), job->key) == 0)
    gtk_picture_set_paintable (picture, GDK_PAINTABLE (texture));

out:
  g_object_unref (call->row);
  g_object_unref (call->self);
  g_free (call);
}

static void
row_show_thumbnail (PdLibraryView  *self,
                    GtkWidget      *row,
                    PdDocumentItem *document)
{
  const PdDocument *doc = pd_document_item_get_document (document);
  GtkPicture *picture = g_object_get_data (G_OBJECT (row), "pd-thumbnail");
  g_autofree char *key = g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                                          doc->id, doc->revision);
  gpointer cached = NULL;
  GCancellable *cancellable;
  ThumbnailCall *call;
  ThumbnailJob *job;

  if (g_hash_table_lookup_extended (self->thumbnails, key, NULL, &cached))
    {
      g_object_set_data_full (G_OBJECT (row), "pd-thumbnail-key", g_steal_pointer (&key),
                              g_free);
      gtk_picture_set_paintable (picture, cached);
      return;
    }
  gtk_picture_set_paintable (picture, NULL);
  /* Pages still being scanned have nothing to show yet; the listing after they are done
   * binds the row again. */
  if (doc->state != PD_DOC_STATE_READY && doc->n_pages == 0)
    return;

  job = g_new0 (ThumbnailJob, 1);
  job->document_id = doc->id;
  job->uuid = g_strdup (doc->uuid);
  job->key = g_strdup (key);
  job->evicted = pd_document_item_get_evicted (document);
  cancellable = g_cancellable_new ();
  g_object_set_data_full (G_OBJECT (row), "pd-thumbnail-cancellable", cancellable,
                          g_object_unref);
  g_object_set_data_full (G_OBJECT (row), "pd-thumbnail-key", g_steal_pointer (&key), g_free);
  call = g_new0 (ThumbnailCall, 1);
  call->self = g_object_ref (self);
  call->row = g_object_ref (row);
  pd_app_job_run (self->library, thumbnail_job, job, (GDestroyNotify) thumbnail_job_free,
                  cancellable, thumbnail_cb, call);
}

static void
row_forget_thumbnail (GtkWidget *row)
{
  GCancellable *cancellable = g_object_get_data (G_OBJECT (row), "pd-thumbnail-cancellable");

  /* Scrolled away before it was decoded: nobody would see it. */
  if (cancellable != NULL)
    g_cancellable_cancel (cancellable);
  g_object_set_data (G_OBJECT (row), "pd-thumbnail-cancellable", NULL);
  g_object_set_data (G_OBJECT (row), "pd-thumbnail-key", NULL);
}

/* A row of the list view: made once per visible slot (setup), filled with whichever document
 * scrolls into it (bind). The parts bind fills hang off the row. */
static void
row_setup_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *picture = gtk_picture_new ();
  GtkWidget *icon = gtk_image_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *pages = gtk_label_new (NULL);
  GtkWidget *date = gtk_label_new (NULL);
  GtkWidget *menu = make_menu_button ();

  /* Names come from users and scanners, states quote error messages: never markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  /* The page's picture, kept to its shape inside a fixed slot so titles line up. */
  gtk_widget_set_size_request (picture, THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_widget_set_valign (picture, GTK_ALIGN_CENTER);
  /* The name next to it says what it is. */
  gtk_accessible_update_state (GTK_ACCESSIBLE (picture), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), picture);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_label_set_xalign (GTK_LABEL (pages), 1.0);
  gtk_box_append (GTK_BOX (box), pages);
  gtk_label_set_xalign (GTK_LABEL (date), 1.0);
  gtk_widget_add_css_class (date, "dim-label");
  gtk_widget_add_css_class (date, "caption");
  gtk_box_append (GTK_BOX (box), date);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), menu);

  g_object_set_data (G_OBJECT (row), "pd-thumbnail", picture);
  g_object_set_data (G_OBJECT (row), "pd-icon", icon);
  g_object_set_data (G_OBJECT (row), "pd-pages", pages);
  g_object_set_data (G_OBJECT (row), "pd-date", date);
  g_object_set_data (G_OBJECT (row), "pd-menu", menu);
  gtk_list_item_set_child (list_item, row);
}

/* What changes while a document is shown: its status words (the upload progress). */
static void
row_update_status (GtkWidget      *row,
                   PdDocumentItem *document)
{
  g_autofree char *status = pd_document_item_dup_status (document);
  GtkWidget *icon = g_object_get_data (G_OBJECT (row), "pd-icon");

  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), status);
  gtk_image_set_from_icon_name (GTK_IMAGE (icon), state_icon_name (document));
  if (pd_document_item_needs_attention (document))
    gtk_widget_add_css_class (icon, "warning");
  else
    gtk_widget_remove_css_class (icon, "warning");
  /* The words say it; the icon lets the eye find states in a long list. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, status,
                                  -1);
}

static void
row_status_changed_cb (PdDocumentItem *document,
                       GParamSpec     *pspec,
                       GtkWidget      *row)
{
  row_update_status (row, document);
}

static void
row_bind_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  PdDocumentItem *document = gtk_list_item_get_item (list_item);
  GtkWidget *row = gtk_list_item_get_child (list_item);
  g_autofree char *pages = pd_document_item_dup_pages_label (document);
  g_autofree char *date = pd_document_item_dup_date_label (document);
  gboolean ready = pd_document_item_get_state (document) == PD_DOC_STATE_READY;
  GtkWidget *menu = g_object_get_data (G_OBJECT (row), "pd-menu");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), pd_document_item_get_name (document));
  gtk_label_set_text (g_object_get_data (G_OBJECT (row), "pd-pages"), pages);
  gtk_label_set_text (g_object_get_data (G_OBJECT (row), "pd-date"), date);
  row_update_status (row, document);
  gtk_list_item_set_activatable (list_item, ready);
  gtk_widget_set_visible (menu, ready);
  if (ready)
    set_menu_document (menu, pd_document_item_get_id (document),
                       pd_document_item_get_name (document));
  g_signal_connect_object (document, "notify::status", G_CALLBACK (row_status_changed_cb), row,
                           0);
  row_show_thumbnail (PD_LIBRARY_VIEW (user_data), row, document);
}

static void
row_unbind_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  PdDocumentItem *document = gtk_list_item_get_item (list_item);
  GtkWidget *row = gtk_list_item_get_child (list_item);

  if (document != NULL)
    g_signal_handlers_disconnect_by_func (document, row_status_changed_cb, row);
  row_forget_thumbnail (row);
}

static const char *
pd_library_view_lookup_name (PdLibraryView *self,
                             gint64         document_id)
{
  PdDocumentItem *item = g_hash_table_lookup (self->items_by_id, &document_id);

  return item != NULL ? pd_document_item_get_name (item) : "";
}

/* Search */

static gboolean
search_job (PdLibrary       *library,
            gpointer         data,
            gpointer        *result,
            GDestroyNotify  *result_free,
            GCancellable    *cancellable,
            GError         **error)
{
  GPtrArray *hits = pd_library_search (library, data, SEARCH_LIMIT, error);

  if (hits == NULL)
    return FALSE;
  *result = hits;
  *result_free = (GDestroyNotify) g_ptr_array_unref;
  return TRUE;
}

static void
clear_results (PdLibraryView *self)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (self->results_box, 0)) != NULL)
    gtk_list_box_remove (self->results_box, GTK_WIDGET (row));
}

static void
search_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(PdLibraryView) self = PD_LIBRARY_VIEW (user_data);
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GError) error = NULL;

  if (!pd_app_job_finish (result, (gpointer *) &hits, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      pd_library_view_toast (self, error->message);
      return;
    }

  clear_results (self);
  for (guint i = 0; i < hits->len; i++)
    {
      const PdSearchHit *hit = hits->pdata[i];
      g_autofree char *title = g_markup_escape_text (hit->name, -1);
      g_autofree char *snippet = pd_app_snippet_to_markup (hit->snippet != NULL ? hit->snippet
                                                                                : "");
      g_autofree char *subtitle = NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *menu;

      /* Translators: a search result: %u is a page number, %s the text found on it */
      subtitle = g_strdup_printf (_("Page %u: %s"), hit->page_index + 1, snippet);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), TRUE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "pd-document-id",
                              g_memdup2 (&hit->document_id, sizeof (gint64)), g_free);
      menu = make_menu_button ();
      set_menu_document (menu, hit->document_id, hit->name);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), menu);
      gtk_list_box_append (self->results_box, row);
    }
  g_debug ("“%s”: %u hits", self->query, hits->len);
  pd_library_view_update_page (self);
}

static void
pd_library_view_search (PdLibraryView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *query = g_strstrip (g_strdup (text));

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  g_clear_pointer (&self->query, g_free);

  if (query[0] == '\0' || self->library == NULL)
    {
      clear_results (self);
      pd_library_view_update_page (self);
      return;
    }

  self->query = g_strdup (query);
  self->search_cancellable = g_cancellable_new ();
  pd_app_job_run (self->library, search_job, g_steal_pointer (&query), g_free,
                  self->search_cancellable, search_cb, g_object_ref (self));
}

static void
pd_library_view_search_changed_cb (PdLibraryView  *self,
                                   GtkSearchEntry *entry)
{
  pd_library_view_search (self);
}

/* Open, export, history */

typedef struct {
  gint64  document_id;
  char   *target;   /* export: where to */
} DocumentJob;

static void
document_job_free (DocumentJob *job)
{
  g_free (job->target);
  g_free (job);
}

static DocumentJob *
document_job_new (gint64      document_id,
                  const char *target)
{
  DocumentJob *job = g_new0 (DocumentJob, 1);

  job->document_id = document_id;
  job->target = g_strdup (target);
  return job;
}

/* The document's PDF on this computer, downloaded again first when it was evicted after
 * syncing. */
static char *
dup_local_pdf (PdLibrary     *library,
               gint64         document_id,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(PdDocument) document = NULL;

  if (!pd_sync_fetch_document (library, document_id, cancellable, error))
    return NULL;
  document = pd_library_get_document_by_id (library, document_id, error);
  if (document == NULL)
    return NULL;
  if (document->pdf_path == NULL || !g_file_test (document->pdf_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The PDF of “%s” is missing from this computer."), document->name);
      return NULL;
    }
  return g_strdup (document->pdf_path);
}

/* A viewer cannot read a sealed PDF: it gets a private plain copy (pd-app-open.h). The copy
 * is made for unsealed PDFs too, so that every opened document is gone when Paperdock quits
 * and no viewer holds a file the library may evict or replace. */
static gboolean
open_job (PdLibrary       *library,
          gpointer         data,
          gpointer        *result,
          GDestroyNotify  *result_free,
          GCancellable    *cancellable,
          GError         **error)
{
  DocumentJob *job = data;
  g_autofree char *path = dup_local_pdf (library, job->document_id, cancellable, error);
  g_autoptr(PdDocument) document = NULL;
  char *plain;

  if (path == NULL)
    return FALSE;
  /* The viewer shows the file's name: the document's. */
  document = pd_library_get_document_by_id (library, job->document_id, error);
  if (document == NULL)
    return FALSE;
  plain = pd_app_open_decrypt (path, job->document_id, document->name, error);
  if (plain == NULL)
    return FALSE;
  *result = plain;
  *result_free = g_free;
  return TRUE;
}

static void
shown_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(PdLibraryView) self = PD_LIBRARY_VIEW (user_data);
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = NULL;

      /* Translators: %s says why no application could show the PDF */
      text = g_strdup_printf (_("Could not open the document: %s"), error->message);
      pd_library_view_toast (self, text);
    }
}

static void
open_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(PdLibraryView) self = PD_LIBRARY_VIEW (user_data);
  g_autofree char *path = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GError) error = NULL;
  GtkRoot *root;

  g_clear_pointer (&self->last_opened, g_free);
  if (!pd_app_job_finish (result, (gpointer *) &path, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pd_library_view_toast (self, error->message);
      return;
    }

  uri = g_filename_to_uri (path, NULL, &error);
  if (uri == NULL)
    {
      pd_library_view_toast (self, error->message);
      return;
    }
  root = gtk_widget_get_root (GTK_WIDGET (self));
  self->last_opened = g_steal_pointer (&path);
  /* Through the OpenURI portal when sandboxed: the person's default PDF viewer. A window is
   * needed for the result: without one there is nobody to tell. */
  if (GTK_IS_WINDOW (root))
    gtk_show_uri_full (GTK_WINDOW (root), uri, GDK_CURRENT_TIME, self->cancellable, shown_cb,
                       g_object_ref (self));
}

static void
pd_library_view_open (PdLibraryView *self,
                      gint64         document_id)
{
  if (self->library == NULL)
    return;
  pd_app_job_run (self->library, open_job, document_job_new (document_id, NULL),
                  (GDestroyNotify) document_job_free, self->cancellable, open_cb,
                  g_object_ref (self));
}

static gboolean
export_job (PdLibrary       *library,
            gpointer         data,
            gpointer        *result,
            GDestroyNotify  *result_free,
            GCancellable    *cancellable,
            GError         **error)
{
  DocumentJob *job = data;
  g_autofree char *path = dup_local_pdf (library, job->document_id, cancellable, error);

  if (path == NULL)
    return FALSE;
  /* Decrypted on the way when the library seals its PDFs; the file chooser already asked
   * whether to replace an existing file. */
  return pd_vault_export_file (NULL, path, job->target, error);
}

static void
export_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(PdLibraryView) self = PD_LIBRARY_VIEW (user_data);
  g_autoptr(GError) error = NULL;

  if (!pd_app_job_finish (result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pd_library_view_toast (self, error->message);
      return;
    }
  pd_library_view_toast (self, _("Document exported"));
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    gpointer         user_data)
{
  g_autoptr(PdLibraryView) self = PD_LIBRARY_VIEW (user_data);
  gint64 document_id = *(gint64 *) g_object_get_data (G_OBJECT (dialog), "pd-document-id");

  if (response == GTK_RESPONSE_ACCEPT && self->library != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        pd_library_view_export_to (self, document_id, path);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
pd_library_view_export (PdLibraryView *self,
                        gint64         document_id)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *name = NULL;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Export Document"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  name = g_strdup_printf ("%s.pdf", pd_library_view_lookup_name (self, document_id));
  if (name[0] != '.')
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  gtk_file_filter_set_name (filter, _("PDF documents"));
  gtk_file_filter_add_mime_type (filter, "application/pdf");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_set_data_full (G_OBJECT (dialog), "pd-document-id",
                          g_memdup2 (&document_id, sizeof document_id), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (export_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static gboolean
history_job (PdLibrary       *library,
             gpointer         data,
             gpointer        *result,
             GDestroyNotify  *result_free,
             GCancellable    *cancellable,
             GError         **error)
{
  DocumentJob *job = data;
  GPtrArray *entries = pd_library_list_journal (library, job->document_id, error);

  if (entries == NULL)
    return FALSE;
  *result = entries;
  *result_free = (GDestroyNotify) g_ptr_array_unref;
  return TRUE;
}

static GtkWidget *
make_history_row (const PdJournalEntry *entry)
{
  g_autoptr(GString) subtitle = g_string_new (NULL);
  g_autofree char *when = pd_app_format_time (entry->time);
  GtkWidget *row = adw_action_row_new ();

  g_string_append (subtitle, when);
  if (entry->actor != NULL)
    g_string_append_printf (subtitle, " · %s", entry->actor);
  if (entry->from_state != NULL || entry->to_state != NULL)
    g_string_append_printf (subtitle, " · %s → %s",
                            entry->from_state != NULL ? entry->from_state : "—",
                            entry->to_state != NULL ? entry->to_state : "—");
  if (entry->detail != NULL && entry->detail[0] != '\0')
    g_string_append_printf (subtitle, "\n%s", entry->detail);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), entry->what);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 6);
  return row;
}

static void
history_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(PdLibraryView) self = PD_LIBRARY_VIEW (user_data);
  DocumentJob *job = pd_app_job_get_data (result);
  gint64 document_id = job != NULL ? job->document_id : 0;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  GtkRoot *root;
  GtkWidget *window;
  GtkWidget *box;
  GtkWidget *header;
  GtkWidget *scrolled;
  GtkWidget *clamp;
  GtkWidget *list;

  if (!pd_app_job_finish (result, (gpointer *) &entries, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pd_library_view_toast (self, error->message);
      return;
    }

  /* Translators: title of the window listing what happened to a document */
  title = g_strdup_printf (_("History of “%s”"),
                           pd_library_view_lookup_name (self, document_id));
  root = gtk_widget_get_root (GTK_WIDGET (self));
  window = adw_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), title);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (window), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (window), 560, 520);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (root));

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), adw_window_title_new (title, NULL));
  gtk_box_append (GTK_BOX (box), header);

  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_set_valign (list, GTK_ALIGN_START);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("History"),
                                  -1);
  for (guint i = 0; i < entries->len; i++)
    gtk_list_box_append (GTK_LIST_BOX (list), make_history_row (entries->pdata[i]));

  clamp = adw_clamp_new ();
  gtk_widget_set_margin_top (clamp, 12);
  gtk_widget_set_margin_bottom (clamp, 12);
  gtk_widget_set_margin_start (clamp, 12);
  gtk_widget_set_margin_end (clamp, 12);
  adw_clamp_set_child (ADW_CLAMP (clamp), list);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled),
                                  GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_box_append (GTK_BOX (box), scrolled);
  adw_window_set_content (ADW_WINDOW (window), box);

  gtk_window_present (GTK_WINDOW (window));
}

static void
pd_library_view_history (PdLibraryView *self,
                         gint64         document_id)
{
  if (self->library == NULL)
    return;
  pd_app_job_run (self->library, history_job, document_job_new (document_id, NULL),
                  (GDestroyNotify) document_job_free, self->cancellable, history_cb,
                  g_object_ref (self));
}

/* Delete */

static gboolean
delete_job (PdLibrary       *library,
            gpointer         data,
            gpointer        *result,
            GDestroyNotify  *result_free,
            GCancellable    *cancellable,
            GError         **error)
{
  DocumentJob *job = data;

  return pd_library_delete_document (library, job->document_id, error);
}

static void
delete_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(PdLibraryView) self = PD_LIBRARY_VIEW (user_data);
  DocumentJob *job = pd_app_job_get_data (result);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!pd_app_job_finish (result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pd_library_view_toast (self, error->message);
      return;
    }
  /* Translators: %s is the name of a document that was just deleted */
  text = g_strdup_printf (_("“%s” deleted"), job->target);
  pd_library_view_toast (self, text);
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    gpointer          user_data)
{
  PdLibraryView *self = PD_LIBRARY_VIEW (user_data);
  gint64 document_id = *(gint64 *) g_object_get_data (G_OBJECT (dialog), "pd-document-id");
  const char *name = g_object_get_data (G_OBJECT (dialog), "pd-document-name");

  if (g_strcmp0 (response, "delete") != 0 || self->library == NULL)
    return;
  /* The job's target carries the name for the toast: the row is gone by then. */
  pd_app_job_run (self->library, delete_job, document_job_new (document_id, name),
                  (GDestroyNotify) document_job_free, self->cancellable, delete_cb,
                  g_object_ref (self));
}

static void
pd_library_view_delete (PdLibraryView *self,
                        gint64         document_id)
{
  PdDocumentItem *item = g_hash_table_lookup (self->items_by_id, &document_id);
  const PdSyncState *state = item != NULL ? pd_document_item_get_sync_state (item) : NULL;
  const char *name = pd_library_view_lookup_name (self, document_id);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *heading = NULL;
  g_autofree char *account = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (self->library == NULL)
    return;

  /* Translators: %s is a document's name */
  heading = g_strdup_printf (_("Delete “%s”?"), name);
  if (state != NULL && state->destination != NULL && state->remote_etag != NULL)
    {
      const char *colon = strchr (state->destination, ':');

      account = colon != NULL ? g_strndup (state->destination, colon - state->destination)
                              : g_strdup (state->destination);
      /* Translators: %s is the name of the account the document was synced to */
      body = g_strdup_printf (_("Its PDF, scans and text are removed from this computer. The "
                                "copy already synced to “%s” stays there: delete it there too "
                                "if it should go."), account);
    }
  else
    body = g_strdup (_("Its PDF, scans and text are removed from this computer. This cannot be "
                       "undone."));

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "pd-document-id",
                          g_memdup2 (&document_id, sizeof document_id), g_free);
  g_object_set_data_full (G_OBJECT (dialog), "pd-document-name", g_strdup (name), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
document_action_cb (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  PdLibraryView *self = (PdLibraryView *)widget;
  gint64 document_id = g_variant_get_int64 (param);

  g_assert (PD_IS_LIBRARY_VIEW (self));

  if (g_str_equal (action_name, "doc.open"))
    pd_library_view_open (self, document_id);
  else if (g_str_equal (action_name, "doc.export"))
    pd_library_view_export (self, document_id);
  else if (g_str_equal (action_name, "doc.history"))
    pd_library_view_history (self, document_id);
  else if (g_str_equal (action_name, "doc.delete"))
    pd_library_view_delete (self, document_id);
}

static void
pd_library_view_list_activate_cb (PdLibraryView *self,
                                  guint          position,
                                  GtkListView   *list_view)
{
  g_autoptr(PdDocumentItem) item = g_list_model_get_item (G_LIST_MODEL (self->documents),
                                                          position);

  if (item != NULL && pd_document_item_get_state (item) == PD_DOC_STATE_READY)
    pd_library_view_open (self, pd_document_item_get_id (item));
}

static void
pd_library_view_row_activated_cb (PdLibraryView *self,
                                  GtkListBoxRow *row,
                                  GtkListBox    *list_box)
{
  gint64 *document_id = g_object_get_data (G_OBJECT (row), "pd-document-id");

  if (document_id != NULL)
    pd_library_view_open (self, *document_id);
}

static void
status_changed_cb (PdLibraryView *self)
{
  /* A pass that ended sends nothing more: no row may still say "Uploading". */
  if (self->status != NULL && !pd_sync_status_get_syncing (self->status))
    g_hash_table_remove_all (self->progress);
  pd_library_view_list (self);
}

/* From the engine, on the main context: how much of one document was sent. Only that row's
 * words change; the listing after the pass says what its destination confirmed. */
static void
document_progress_cb (PdSyncEngine  *engine,
                      gint64         document_id,
                      guint64        bytes_done,
                      guint64        bytes_total,
                      PdLibraryView *self)
{
  PdDocumentItem *item = g_hash_table_lookup (self->items_by_id, &document_id);
  guint percent = bytes_total > 0 ? (guint) MIN (100, bytes_done * 100 / bytes_total) : 0;

  g_hash_table_insert (self->progress, g_memdup2 (&document_id, sizeof document_id),
                       GUINT_TO_POINTER (percent));
  if (item != NULL)
    pd_document_item_set_upload_progress (item, TRUE, percent);
}

/* Object */

static void
pd_library_view_dispose (GObject *object)
{
  PdLibraryView *self = (PdLibraryView *)object;

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->search_cancellable);
  if (self->library != NULL)
    g_signal_handlers_disconnect_by_data (self->library, self);
  if (self->status != NULL)
    g_signal_handlers_disconnect_by_data (self->status, self);
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);

  /* The template's root is the bin's child: dropping it drops every template widget (and
   * gtk_widget_dispose_template () would unparent it a second time under AdwBin). */
  adw_bin_set_child (ADW_BIN (self), NULL);

  g_clear_object (&self->library);
  g_clear_object (&self->status);
  g_clear_object (&self->engine);
  g_clear_pointer (&self->items_by_id, g_hash_table_unref);
  g_clear_pointer (&self->progress, g_hash_table_unref);
  g_clear_object (&self->documents);
  g_clear_pointer (&self->query, g_free);
  g_clear_pointer (&self->last_opened, g_free);
  g_clear_pointer (&self->thumbnails, g_hash_table_unref);

  G_OBJECT_CLASS (pd_library_view_parent_class)->dispose (object);
}

static void
pd_library_view_finalize (GObject *object)
{
  PdLibraryView *self = (PdLibraryView *)object;

  g_clear_object (&self->cancellable);
  g_clear_object (&self->search_cancellable);

  G_OBJECT_CLASS (pd_library_view_parent_class)->finalize (object);
}

static void
pd_library_view_class_init (PdLibraryViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pd_library_view_dispose;
  object_class->finalize = pd_library_view_finalize;

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/paperdock/Paperdock/ui/pd-library-view.ui");
  gtk_widget_class_bind_template_child (widget_class, PdLibraryView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PdLibraryView, stack);
  gtk_widget_class_bind_template_child (widget_class, PdLibraryView, spinner);
  gtk_widget_class_bind_template_child (widget_class, PdLibraryView, error_page);
  gtk_widget_class_bind_template_child (widget_class, PdLibraryView, list_view);
  gtk_widget_class_bind_template_child (widget_class, PdLibraryView, results_box);
  gtk_widget_class_bind_template_callback (widget_class, pd_library_view_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, pd_library_view_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, pd_library_view_list_activate_cb);

  gtk_widget_class_install_action (widget_class, "doc.open", "x", document_action_cb);
  gtk_widget_class_install_action (widget_class, "doc.export", "x", document_action_cb);
  gtk_widget_class_install_action (widget_class, "doc.history", "x", document_action_cb);
  gtk_widget_class_install_action (widget_class, "doc.delete", "x", document_action_cb);
}

static void
pd_library_view_init (PdLibraryView *self)
{
  g_autoptr(GtkListItemFactory) factory = NULL;

  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->documents = g_list_store_new (PD_TYPE_DOCUMENT_ITEM);
  self->items_by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->progress = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->thumbnails = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            unref_texture);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (row_setup_cb), NULL);
  /* The factory lives no longer than the list view, a template child of this view. */
  g_signal_connect (factory, "bind", G_CALLBACK (row_bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (row_unbind_cb), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view,
                           GTK_SELECTION_MODEL (gtk_no_selection_new (
                             g_object_ref (G_LIST_MODEL (self->documents)))));
  pd_library_view_update_page (self);
}

GtkWidget *
pd_library_view_new (void)
{
  return g_object_new (PD_TYPE_LIBRARY_VIEW, NULL);
}

/**
 * pd_library_view_set_library:
 * @library: (nullable): the library to show
 *
 * Shows the documents of @library, and follows its changes.
 */
void
pd_library_view_set_library (PdLibraryView *self,
                             PdLibrary     *library)
{
  g_return_if_fail (PD_IS_LIBRARY_VIEW (self));
  g_return_if_fail (library == NULL || PD_IS_LIBRARY (library));

  if (self->library == library)
    return;

  if (self->library != NULL)
    g_signal_handlers_disconnect_by_data (self->library, self);
  g_set_object (&self->library, library);
  self->listing = FALSE;
  self->listed = FALSE;
  self->relist_pending = FALSE;
  self->failed = FALSE;
  g_hash_table_remove_all (self->items_by_id);
  g_hash_table_remove_all (self->progress);
  g_list_store_remove_all (self->documents);

  if (library != NULL)
    g_signal_connect_object (library, "document-changed",
                             G_CALLBACK (document_changed_cb), self, G_CONNECT_SWAPPED);

  pd_library_view_update_page (self);
  pd_library_view_list (self);
  pd_library_view_search (self);
}

/**
 * pd_library_view_set_sync_status:
 * @status: (nullable): where syncing stands, so rows can say "Uploading"
 */
void
pd_library_view_set_sync_status (PdLibraryView *self,
                                 PdSyncStatus  *status)
{
  g_return_if_fail (PD_IS_LIBRARY_VIEW (self));
  g_return_if_fail (status == NULL || PD_IS_SYNC_STATUS (status));

  if (self->status == status)
    return;
  if (self->status != NULL)
    g_signal_handlers_disconnect_by_data (self->status, self);
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_set_object (&self->status, status);
  g_clear_object (&self->engine);
  if (status != NULL && pd_sync_status_get_engine (status) != NULL)
    self->engine = g_object_ref (pd_sync_status_get_engine (status));
  g_hash_table_remove_all (self->progress);
  if (status != NULL)
    {
      /* Not the pass's percent: rows say how far their own document is (below). Listing
       * 20,000 documents again at every percent would keep a worker busy for nothing. */
      g_signal_connect_object (status, "notify::syncing",
                               G_CALLBACK (status_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (status, "notify::inbox-count",
                               G_CALLBACK (status_changed_cb), self, G_CONNECT_SWAPPED);
    }
  if (self->engine != NULL)
    g_signal_connect_object (self->engine, "document-progress",
                             G_CALLBACK (document_progress_cb), self, 0);
  pd_library_view_list (self);
}

/**
 * pd_library_view_get_documents:
 *
 * Returns: (transfer none): the documents shown, a #GListModel of #PdDocumentItem
 */
GListModel *
pd_library_view_get_documents (PdLibraryView *self)
{
  g_return_val_if_fail (PD_IS_LIBRARY_VIEW (self), NULL);

  return G_LIST_MODEL (self->documents);
}

void
pd_library_view_refresh (PdLibraryView *self)
{
  g_return_if_fail (PD_IS_LIBRARY_VIEW (self));

  pd_library_view_list (self);
}

void
pd_library_view_focus_search (PdLibraryView *self)
{
  g_return_if_fail (PD_IS_LIBRARY_VIEW (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/**
 * pd_library_view_show_error:
 * @title: what went wrong, as a headline
 * @description: (nullable): why, and what to do about it
 *
 * Replaces the document list with an explanation, e.g. when the library could not be opened.
 */
void
pd_library_view_show_error (PdLibraryView *self,
                            const char    *title,
                            const char    *description)
{
  g_autofree char *escaped = NULL;

  g_return_if_fail (PD_IS_LIBRARY_VIEW (self));
  g_return_if_fail (title != NULL);

  /* The status page reads its description as markup; error messages are plain text. */
  if (description != NULL)
    escaped = g_markup_escape_text (description, -1);
  adw_status_page_set_title (self->error_page, title);
  adw_status_page_set_description (self->error_page, escaped);
  gtk_spinner_set_spinning (self->spinner, FALSE);
  self->failed = TRUE;
  gtk_stack_set_visible_child_name (self->stack, "error");
}

/**
 * pd_library_view_export_to:
 * @path: where the plain PDF goes (replaced if it exists)
 *
 * Exports the document @document_id as the Export dialog does once a file was chosen.
 */
void
pd_library_view_export_to (PdLibraryView *self,
                           gint64         document_id,
                           const char    *path)
{
  g_return_if_fail (PD_IS_LIBRARY_VIEW (self));
  g_return_if_fail (path != NULL);

  if (self->library == NULL)
    return;
  pd_app_job_run (self->library, export_job, document_job_new (document_id, path),
                  (GDestroyNotify) document_job_free, self->cancellable, export_cb,
                  g_object_ref (self));
}

/**
 * pd_library_view_get_last_opened:
 *
 * Returns: (nullable): the plain copy of the document last handed to a PDF viewer
 */
const char *
pd_library_view_get_last_opened (PdLibraryView *self)
{
  g_return_val_if_fail (PD_IS_LIBRARY_VIEW (self), NULL);

  return self->last_opened;
}
