/* pd-graph-server.c: the Microsoft Graph drive of pd-graph-server.h, on a SoupServer.
 *
 * Written from Graph's documentation (driveItem, driveitem-put-content, driveitem-post-children,
 * driveitem-createuploadsession, uploadSession, errors, throttling), not from the connector:
 * it answers as the service is documented to, and is stricter where the documentation says a
 * request "must" (fragments in order, multiples of 320 KiB, the same total, no Authorization
 * header to an upload address).
 *
 * Items live in a table keyed by their case-folded path ("" is the root); each item's eTag
 * changes with any change and its cTag with its content only. Nothing here logs a token or an
 * upload address: the tests search the whole log for them. */
#define G_LOG_DOMAIN "pd-test"

#include "pd-graph-server.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "pd-http-range.h"
#include "pd-quickxor.h"

#define API_PREFIX "/v1.0/me/drive"
#define FRAGMENT_UNIT (320 * 1024)
#define MAX_FRAGMENT (60 * 1024 * 1024)
#define SESSION_LIFETIME_SECONDS 3600

typedef struct {
  char     *name;
  char     *id;
  gboolean  folder;
  GBytes   *content;
  char     *hash;
  char     *description;
  guint     version;   /* eTag */
  guint     cversion;  /* cTag */
  gint64    created;
  gint64    modified;
} Item;

typedef struct {
  char       *path;       /* as the client named it */
  char       *conflict;   /* fail, replace or rename */
  char       *if_match;
  char       *description;
  guint64     total;      /* G_MAXUINT64 until the first fragment */
  GByteArray *data;
  gint64      expires;
} Session;

struct _PdGraphServer
{
  SoupServer *soup;
  char       *base;       /* http://127.0.0.1:PORT */
  char       *drive_uri;
  char       *token;
  GHashTable *items;      /* case-folded path -> Item */
  GHashTable *sessions;   /* opaque token -> Session */
  GHashTable *downloads;  /* opaque token -> GBytes */
  guint       next_id;

  /* faults */
  guint       throttle_n;
  guint       throttle_status;
  guint       throttle_retry_after;
  guint64     cut_at;
  GArray     *cut_once_at;    /* guint64 offsets, each cut once */
  guint64     lose_answer_at;
  guint64     quota;
  gboolean    lose_commit;
  guint       session_lifetime;   /* seconds a new session lives */
  guint       session_extension;  /* each fragment moves its expiry to now + this (0: never) */

  /* what was seen */
  guint       sessions_created;
  guint       unauthorized;
  guint64     fragment_bytes;
  GArray     *fragments;
  char       *last_upload_url;
};

static void
item_free (Item *item)
{
  g_free (item->name);
  g_free (item->id);
  g_clear_pointer (&item->content, g_bytes_unref);
  g_free (item->hash);
  g_free (item->description);
  g_free (item);
}

static void
session_free (Session *session)
{
  g_free (session->path);
  g_free (session->conflict);
  g_free (session->if_match);
  g_free (session->description);
  g_byte_array_unref (session->data);
  g_free (session);
}

static char *
path_key (const char *path)
{
  return g_utf8_casefold (path, -1);
}

static char *
item_etag (const Item *item)
{
  return g_strdup_printf ("\"{%s},%u\"", item->id, item->version);
}

static char *
iso_time (gint64 unix_time)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (unix_time);

  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

static Item *
new_item (PdGraphServer *self,
          const char    *name,
          gboolean       folder)
{
  Item *item = g_new0 (Item, 1);

  item->name = g_strdup (name);
  item->id = g_strdup_printf ("01PDTEST%08u", ++self->next_id);
  item->folder = folder;
  item->version = 1;
  item->cversion = 1;
  item->created = item->modified = g_get_real_time () / G_USEC_PER_SEC;
  return item;
}

static void
set_content (Item   *item,
             GBytes *content)
{
  g_clear_pointer (&item->content, g_bytes_unref);
  g_free (item->hash);
  item->content = g_bytes_ref (content);
  item->hash = pd_quickxor_hash_data (g_bytes_get_data (content, NULL), g_bytes_get_size (content));
}

static void
touch (Item     *item,
       gboolean  content_changed)
{
  item->version++;
  if (content_changed)
    item->cversion++;
  item->modified = g_get_real_time () / G_USEC_PER_SEC;
}

/* Answers */

static void
set_json (SoupServerMessage *msg,
          guint              status,
          JsonBuilder       *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  gsize len = 0;
  char *text;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &len);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, len);
}

static void
set_error (SoupServerMessage *msg,
           guint              status,
           const char        *code,
           const char        *inner,
           const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  if (inner != NULL)
    {
      json_builder_set_member_name (builder, "innererror");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "code");
      json_builder_add_string_value (builder, inner);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  set_json (msg, status, builder);
}

static guint
count_children (PdGraphServer *self,
                const char    *key)
{
  g_autofree char *prefix = *key == '\0' ? g_strdup ("") : g_strconcat (key, "/", NULL);
  GHashTableIter iter;
  gpointer k;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->items);
  while (g_hash_table_iter_next (&iter, &k, NULL))
    if (*(char *) k != '\0' && g_str_has_prefix (k, prefix) &&
        strchr ((char *) k + strlen (prefix), '/') == NULL)
      n++;
  return n;
}

static void
add_item (PdGraphServer *self,
          JsonBuilder   *builder,
          const char    *key,
          const Item    *item,
          const char    *parent_path)
{
  g_autofree char *etag = item_etag (item);
  g_autofree char *ctag = g_strdup_printf ("\"c:{%s},%u\"", item->id, item->cversion);
  g_autofree char *created = iso_time (item->created);
  g_autofree char *modified = iso_time (item->modified);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, item->id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, item->name);
  json_builder_set_member_name (builder, "eTag");
  json_builder_add_string_value (builder, etag);
  if (!item->folder)
    {
      json_builder_set_member_name (builder, "cTag");
      json_builder_add_string_value (builder, ctag);
    }
  json_builder_set_member_name (builder, "createdDateTime");
  json_builder_add_string_value (builder, created);
  json_builder_set_member_name (builder, "lastModifiedDateTime");
  json_builder_add_string_value (builder, modified);
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, item->content != NULL
                                         ? (gint64) g_bytes_get_size (item->content) : 0);
  if (item->description != NULL)
    {
      json_builder_set_member_name (builder, "description");
      json_builder_add_string_value (builder, item->description);
    }
  if (parent_path != NULL)
    {
      g_autofree char *reference = g_strconcat ("/drive/root:", parent_path, NULL);

      json_builder_set_member_name (builder, "parentReference");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, reference);
      json_builder_end_object (builder);
    }
  if (item->folder)
    {
      json_builder_set_member_name (builder, "folder");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "childCount");
      json_builder_add_int_value (builder, count_children (self, key));
      json_builder_end_object (builder);
      if (*key == '\0')
        {
          json_builder_set_member_name (builder, "root");
          json_builder_begin_object (builder);
          json_builder_end_object (builder);
        }
    }
  else
    {
      json_builder_set_member_name (builder, "file");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "mimeType");
      json_builder_add_string_value (builder, "application/octet-stream");
      json_builder_set_member_name (builder, "hashes");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "quickXorHash");
      json_builder_add_string_value (builder, item->hash);
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
}

static void
set_item (PdGraphServer     *self,
          SoupServerMessage *msg,
          guint              status,
          const char        *key,
          const Item        *item)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  add_item (self, builder, key, item, NULL);
  set_json (msg, status, builder);
}

static void
set_session_status (SoupServerMessage *msg,
                    guint              status,
                    const Session     *session,
                    const char        *upload_url)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *expires = iso_time (session->expires);
  g_autofree char *next = g_strdup_printf ("%u-", session->data->len);

  json_builder_begin_object (builder);
  if (upload_url != NULL)
    {
      json_builder_set_member_name (builder, "uploadUrl");
      json_builder_add_string_value (builder, upload_url);
    }
  json_builder_set_member_name (builder, "expirationDateTime");
  json_builder_add_string_value (builder, expires);
  json_builder_set_member_name (builder, "nextExpectedRanges");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, next);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  set_json (msg, status, builder);
}

/* Connection faults: the handler has done its work; the client gets no answer at all. */
static gboolean
drop_connection_cb (gpointer data)
{
  SoupServerMessage *msg = data;
  GIOStream *stream = soup_server_message_steal_connection (msg);

  if (stream != NULL)
    {
      g_io_stream_close (stream, NULL, NULL);
      g_object_unref (stream);
    }
  g_object_unref (msg);
  return G_SOURCE_REMOVE;
}

static void
drop_connection (SoupServerMessage *msg)
{
  soup_server_message_pause (msg);
  g_idle_add (drop_connection_cb, g_object_ref (msg));
}

/* The drive */

static guint64
used_bytes (PdGraphServer *self)
{
  GHashTableIter iter;
  gpointer value;
  guint64 used = 0;

  g_hash_table_iter_init (&iter, self->items);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Item *) value)->content != NULL)
      used += g_bytes_get_size (((Item *) value)->content);
  return used;
}

static gboolean
fits (PdGraphServer *self,
      const Item    *replaced,
      guint64        size)
{
  guint64 used = used_bytes (self);

  if (replaced != NULL && replaced->content != NULL)
    used -= g_bytes_get_size (replaced->content);
  return used + size <= self->quota;
}

/* The parent folder of @key, or NULL. */
static Item *
parent_of (PdGraphServer *self,
           const char    *key)
{
  const char *slash = strrchr (key, '/');
  g_autofree char *parent = slash != NULL ? g_strndup (key, (gsize) (slash - key)) : g_strdup ("");
  Item *item = g_hash_table_lookup (self->items, parent);

  return item != NULL && item->folder ? item : NULL;
}

static const char *
base_name (const char *path)
{
  const char *slash = strrchr (path, '/');

  return slash != NULL ? slash + 1 : path;
}

/* Checks If-Match against @item; answers 412 and returns FALSE when it does not hold. */
static gboolean
check_if_match (SoupServerMessage *msg,
                const char        *if_match,
                const Item        *item)
{
  g_autofree char *etag = item != NULL ? item_etag (item) : NULL;
  g_autofree char *ctag = item != NULL ? g_strdup_printf ("\"c:{%s},%u\"", item->id,
                                                          item->cversion) : NULL;

  if (if_match == NULL)
    return TRUE;
  if (item != NULL && (g_str_equal (if_match, "*") || g_str_equal (if_match, etag) ||
                       g_str_equal (if_match, ctag)))
    return TRUE;
  set_error (msg, SOUP_STATUS_PRECONDITION_FAILED, "resourceModified", "entityTagDoesNotMatch",
             "ETag does not match current item's value");
  return FALSE;
}

/* Creates or replaces the file at @path, and sets the answer. */
static void
commit_file (PdGraphServer     *self,
             SoupServerMessage *msg,
             const char        *path,
             const char        *conflict,
             const char        *if_match,
             const char        *description,
             GBytes            *content)
{
  g_autofree char *key = path_key (path);
  g_autofree char *renamed = NULL;
  Item *item = g_hash_table_lookup (self->items, key);
  gboolean created = item == NULL;

  if (parent_of (self, key) == NULL)
    {
      set_error (msg, SOUP_STATUS_NOT_FOUND, "itemNotFound", NULL,
                 "The parent folder does not exist");
      return;
    }
  if (!check_if_match (msg, if_match, item))
    return;
  if (item != NULL && (item->folder || g_strcmp0 (conflict, "fail") == 0))
    {
      set_error (msg, SOUP_STATUS_CONFLICT, "nameAlreadyExists", NULL,
                 "The specified item name already exists");
      return;
    }
  if (item != NULL && g_strcmp0 (conflict, "rename") == 0)
    {
      for (guint i = 1; item != NULL; i++)
        {
          g_free (renamed);
          g_free (key);
          renamed = g_strdup_printf ("%s %u", path, i);
          key = path_key (renamed);
          item = g_hash_table_lookup (self->items, key);
        }
      path = renamed;
      created = TRUE;
    }
  if (!fits (self, item, g_bytes_get_size (content)))
    {
      set_error (msg, SOUP_STATUS_INSUFFICIENT_STORAGE, "quotaLimitReached", "insufficientStorage",
                 "Insufficient Space Available");
      return;
    }
  if (item == NULL)
    {
      item = new_item (self, base_name (path), FALSE);
      g_hash_table_insert (self->items, g_strdup (key), item);
    }
  else
    touch (item, TRUE);
  set_content (item, content);
  if (description != NULL)
    {
      g_free (item->description);
      item->description = g_strdup (description);
    }
  set_item (self, msg, created ? SOUP_STATUS_CREATED : SOUP_STATUS_OK, key, item);
  if (self->lose_commit)
    {
      self->lose_commit = FALSE;
      drop_connection (msg);
    }
}

static JsonObject *
body_object (SoupServerMessage *msg,
             JsonParser        *parser)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  JsonNode *root;

  if (body->length == 0 || !json_parser_load_from_data (parser, body->data, body->length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
}

static const char *
object_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING ? json_node_get_string (node) : NULL;
}

static void
handle_children (PdGraphServer     *self,
                 SoupServerMessage *msg,
                 const char        *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *key = path_key (path);
  g_autofree char *child_path = NULL;
  g_autofree char *child_key = NULL;
  JsonObject *request = body_object (msg, parser);
  Item *parent = g_hash_table_lookup (self->items, key);
  const char *name = object_string (request, "name");
  const char *conflict = object_string (request, "@microsoft.graph.conflictBehavior");
  Item *child;

  if (parent == NULL || !parent->folder)
    {
      set_error (msg, SOUP_STATUS_NOT_FOUND, "itemNotFound", NULL, "Item not found");
      return;
    }
  if (name == NULL || *name == '\0' || strchr (name, '/') != NULL ||
      request == NULL || !json_object_has_member (request, "folder"))
    {
      set_error (msg, SOUP_STATUS_BAD_REQUEST, "invalidRequest", NULL, "Invalid request");
      return;
    }
  child_path = *path == '\0' ? g_strdup (name) : g_strconcat (path, "/", name, NULL);
  child_key = path_key (child_path);
  child = g_hash_table_lookup (self->items, child_key);
  if (child != NULL && g_strcmp0 (conflict, "replace") != 0)
    {
      set_error (msg, SOUP_STATUS_CONFLICT, "nameAlreadyExists", NULL,
                 "The specified item name already exists");
      return;
    }
  if (child == NULL)
    {
      child = new_item (self, name, TRUE);
      g_hash_table_insert (self->items, g_strdup (child_key), child);
    }
  set_item (self, msg, SOUP_STATUS_CREATED, child_key, child);
}

static void
handle_create_session (PdGraphServer     *self,
                       SoupServerMessage *msg,
                       const char        *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *key = path_key (path);
  g_autofree char *token = NULL;
  JsonObject *request = body_object (msg, parser);
  JsonNode *item_node = request != NULL ? json_object_get_member (request, "item") : NULL;
  JsonObject *props = item_node != NULL && JSON_NODE_HOLDS_OBJECT (item_node)
                      ? json_node_get_object (item_node) : NULL;
  const char *conflict = object_string (props, "@microsoft.graph.conflictBehavior");
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *if_match = soup_message_headers_get_one (headers, "If-Match");
  Item *item = g_hash_table_lookup (self->items, key);
  Session *session;
  JsonNode *size_node;

  if (*key == '\0' || parent_of (self, key) == NULL)
    {
      set_error (msg, SOUP_STATUS_NOT_FOUND, "itemNotFound", NULL,
                 "The parent folder does not exist");
      return;
    }
  if (!check_if_match (msg, if_match, item))
    return;
  if (conflict == NULL)
    conflict = "fail";  /* the documented default */
  if (item != NULL && (item->folder || g_str_equal (conflict, "fail")))
    {
      set_error (msg, SOUP_STATUS_CONFLICT, "nameAlreadyExists", NULL,
                 "The specified item name already exists");
      return;
    }
  size_node = props != NULL ? json_object_get_member (props, "fileSize") : NULL;
  if (size_node != NULL && JSON_NODE_HOLDS_VALUE (size_node) &&
      json_node_get_value_type (size_node) == G_TYPE_INT64 &&
      !fits (self, item, (guint64) MAX (json_node_get_int (size_node), 0)))
    {
      set_error (msg, SOUP_STATUS_INSUFFICIENT_STORAGE, "quotaLimitReached", "insufficientStorage",
                 "Insufficient Space Available");
      return;
    }

  session = g_new0 (Session, 1);
  session->path = g_strdup (path);
  session->conflict = g_strdup (conflict);
  session->if_match = g_strdup (if_match);
  session->description = g_strdup (object_string (props, "description"));
  session->total = G_MAXUINT64;
  session->data = g_byte_array_new ();
  session->expires = g_get_real_time () / G_USEC_PER_SEC + self->session_lifetime;
  token = g_uuid_string_random ();
  g_hash_table_insert (self->sessions, g_strdup (token), session);
  self->sessions_created++;
  g_free (self->last_upload_url);
  self->last_upload_url = g_strdup_printf ("%s/upload/%s", self->base, token);
  set_session_status (msg, SOUP_STATUS_OK, session, self->last_upload_url);
}

/* Whether a one-shot cut waits for the fragment at @start; it is used up. */
static gboolean
take_cut_once (PdGraphServer *self,
               guint64        start)
{
  for (guint i = 0; i < self->cut_once_at->len; i++)
    if (g_array_index (self->cut_once_at, guint64, i) == start)
      {
        g_array_remove_index (self->cut_once_at, i);
        return TRUE;
      }
  return FALSE;
}

static void
handle_fragment (PdGraphServer     *self,
                 SoupServerMessage *msg,
                 const char        *token,
                 Session           *session)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  PdGraphFragment record = { 0 };
  guint64 start, end, total;

  record.had_authorization = soup_message_headers_get_one (headers, "Authorization") != NULL;
  if (!_pd_content_range_parse (soup_message_headers_get_one (headers, "Content-Range"), &start,
                                &end, &total))
    start = end = total = G_MAXUINT64;
  record.start = start;
  record.length = body->length;

  if (record.had_authorization)
    set_error (msg, SOUP_STATUS_UNAUTHORIZED, "unauthenticated", NULL,
               "Upload URLs must not be sent an Authorization header");
  else if (start == G_MAXUINT64 || total == G_MAXUINT64 ||
           end - start + 1 != (guint64) body->length || end - start >= MAX_FRAGMENT ||
           (session->total != G_MAXUINT64 && total != session->total))
    set_error (msg, SOUP_STATUS_BAD_REQUEST, "invalidRequest", "invalidContentRangeHeader",
               "The Content-Range header is missing or does not match the request");
  else if (start != session->data->len)
    {
      g_autofree char *range = g_strdup_printf ("bytes */%" G_GUINT64_FORMAT, total);

      set_error (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, "invalidRange",
                 start < session->data->len ? "fragmentOverlap" : "fragmentOutOfOrder",
                 "The uploaded fragment overlaps with data that has already been received");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Content-Range", range);
    }
  else if (end + 1 != total && body->length % FRAGMENT_UNIT != 0)
    set_error (msg, SOUP_STATUS_BAD_REQUEST, "invalidRequest", "fragmentSizeNotMultiple",
               "Fragments must be a multiple of 320 KiB");
  else if (start == self->cut_at || take_cut_once (self, start))
    {
      /* The connection broke during this fragment: none of it counts. */
      g_array_append_val (self->fragments, record);
      drop_connection (msg);
      return;
    }
  else
    {
      session->total = total;
      g_byte_array_append (session->data, (const guint8 *) body->data, (guint) body->length);
      self->fragment_bytes += body->length;
      if (session->data->len < total)
        {
          /* "expirationDateTime" in each answer: a session in use lives on. */
          if (self->session_extension > 0)
            session->expires = MAX (session->expires, g_get_real_time () / G_USEC_PER_SEC +
                                                      self->session_extension);
          set_session_status (msg, SOUP_STATUS_ACCEPTED, session, NULL);
          if (start == self->lose_answer_at)
            {
              /* Kept, but the answer never arrives: the client will send it again. */
              self->lose_answer_at = G_MAXUINT64;
              record.status = SOUP_STATUS_ACCEPTED;
              g_array_append_val (self->fragments, record);
              drop_connection (msg);
              return;
            }
        }
      else
        {
          g_autoptr(GBytes) content = g_bytes_new (session->data->data, session->data->len);
          guint status;

          commit_file (self, msg, session->path, session->conflict, session->if_match,
                       session->description, content);
          status = soup_server_message_get_status (msg);
          /* A refused commit keeps the session (to be committed otherwise), as Graph does for
           * nameAlreadyExists. */
          if (SOUP_STATUS_IS_SUCCESSFUL (status))
            g_hash_table_remove (self->sessions, token);
          else
            g_byte_array_set_size (session->data, (guint) start);
        }
    }
  record.status = soup_server_message_get_status (msg);
  g_array_append_val (self->fragments, record);
}

static void
handle_upload (PdGraphServer     *self,
               SoupServerMessage *msg,
               const char        *token)
{
  const char *method = soup_server_message_get_method (msg);
  Session *session = g_hash_table_lookup (self->sessions, token);

  if (session == NULL || session->expires <= g_get_real_time () / G_USEC_PER_SEC)
    {
      set_error (msg, SOUP_STATUS_NOT_FOUND, "itemNotFound", NULL,
                 "The upload session was not found");
      return;
    }
  if (g_str_equal (method, "GET"))
    set_session_status (msg, SOUP_STATUS_OK, session, NULL);
  else if (g_str_equal (method, "DELETE"))
    {
      g_hash_table_remove (self->sessions, token);
      soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
    }
  else if (g_str_equal (method, "PUT"))
    handle_fragment (self, msg, token, session);
  else
    set_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "invalidRequest", NULL, "Method not allowed");
}

static void
delete_tree (PdGraphServer *self,
             const char    *key)
{
  g_autofree char *prefix = g_strconcat (key, "/", NULL);
  GHashTableIter iter;
  gpointer k;

  g_hash_table_iter_init (&iter, self->items);
  while (g_hash_table_iter_next (&iter, &k, NULL))
    if (g_str_equal (k, key) || g_str_has_prefix (k, prefix))
      g_hash_table_iter_remove (&iter);
}

static void
handle_item (PdGraphServer     *self,
             SoupServerMessage *msg,
             const char        *path,
             const char        *action)
{
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *if_match = soup_message_headers_get_one (headers, "If-Match");
  g_autofree char *key = path_key (path);
  Item *item = g_hash_table_lookup (self->items, key);

  if (g_str_equal (action, "children") && g_str_equal (method, "POST"))
    handle_children (self, msg, path);
  else if (g_str_equal (action, "createUploadSession") && g_str_equal (method, "POST"))
    handle_create_session (self, msg, path);
  else if (g_str_equal (action, "content") && g_str_equal (method, "PUT"))
    {
      GHashTable *query = soup_server_message_get_uri (msg) != NULL &&
                          g_uri_get_query (soup_server_message_get_uri (msg)) != NULL
                          ? soup_form_decode (g_uri_get_query (soup_server_message_get_uri (msg)))
                          : NULL;
      const char *conflict = NULL;
      SoupMessageBody *body = soup_server_message_get_request_body (msg);
      g_autoptr(GBytes) content = g_bytes_new (body->data, body->length);

      if (query != NULL)
        conflict = g_hash_table_lookup (query, "@microsoft.graph.conflictBehavior");
      /* "By default, this API will replace an existing item with the same name." */
      commit_file (self, msg, path, conflict != NULL ? conflict : "replace", if_match, NULL,
                   content);
      g_clear_pointer (&query, g_hash_table_unref);
    }
  else if (g_str_equal (action, "content") && g_str_equal (method, "GET"))
    {
      g_autofree char *token = NULL;
      g_autofree char *location = NULL;

      if (item == NULL || item->folder)
        {
          set_error (msg, SOUP_STATUS_NOT_FOUND, "itemNotFound", NULL, "Item not found");
          return;
        }
      token = g_uuid_string_random ();
      g_hash_table_insert (self->downloads, g_strdup (token), g_bytes_ref (item->content));
      location = g_strdup_printf ("%s/download/%s", self->base, token);
      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
    }
  else if (*action != '\0')
    set_error (msg, SOUP_STATUS_BAD_REQUEST, "invalidRequest", NULL, "Unknown action");
  else if (item == NULL)
    set_error (msg, SOUP_STATUS_NOT_FOUND, "itemNotFound", NULL, "Item not found");
  else if (g_str_equal (method, "GET"))
    set_item (self, msg, SOUP_STATUS_OK, key, item);
  else if (g_str_equal (method, "DELETE"))
    {
      if (*key == '\0')
        set_error (msg, SOUP_STATUS_FORBIDDEN, "accessDenied", NULL, "The root cannot be deleted");
      else if (check_if_match (msg, if_match, item))
        {
          delete_tree (self, key);
          soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
        }
    }
  else if (g_str_equal (method, "PATCH"))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *request = body_object (msg, parser);
      const char *description = object_string (request, "description");

      if (!check_if_match (msg, if_match, item))
        return;
      if (request == NULL)
        {
          set_error (msg, SOUP_STATUS_BAD_REQUEST, "invalidRequest", NULL, "Invalid request");
          return;
        }
      if (description != NULL)
        {
          g_free (item->description);
          item->description = g_strdup (description);
          touch (item, FALSE);
        }
      set_item (self, msg, SOUP_STATUS_OK, key, item);
    }
  else
    set_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "invalidRequest", NULL, "Method not allowed");
}

/* "/root", "/root/children", "/root:/a/b.pdf", "/root:/a/b.pdf:", "/root:/a/b.pdf:/content".
 * Works on the still percent-encoded path, so that an encoded ':' in a name is no separator. */
static gboolean
split_item_path (const char  *rest,
                 char       **path,
                 char       **action)
{
  g_autoptr(GString) decoded = g_string_new (NULL);
  g_auto(GStrv) segments = NULL;
  g_autofree char *encoded = NULL;
  const char *colon;

  if (g_str_equal (rest, "/root") || g_str_equal (rest, "/root:") ||
      g_str_equal (rest, "/root:/:"))
    {
      *path = g_strdup ("");
      *action = g_strdup ("");
      return TRUE;
    }
  if (g_str_has_prefix (rest, "/root/"))
    {
      *path = g_strdup ("");
      *action = g_strdup (rest + 6);
      return TRUE;
    }
  if (!g_str_has_prefix (rest, "/root:/"))
    return FALSE;
  rest += 7;
  colon = strchr (rest, ':');
  if (colon == NULL)
    {
      encoded = g_strdup (rest);
      *action = g_strdup ("");
    }
  else if (colon[1] == '\0' || colon[1] == '/')
    {
      encoded = g_strndup (rest, (gsize) (colon - rest));
      *action = g_strdup (colon[1] == '/' ? colon + 2 : "");
    }
  else
    return FALSE;

  segments = g_strsplit (encoded, "/", -1);
  for (guint i = 0; segments[i] != NULL; i++)
    {
      g_autofree char *segment = g_uri_unescape_string (segments[i], "/");

      if (segment == NULL || *segment == '\0' || !g_utf8_validate (segment, -1, NULL))
        {
          g_clear_pointer (action, g_free);
          return FALSE;
        }
      g_string_append_printf (decoded, "%s%s", i > 0 ? "/" : "", segment);
    }
  *path = g_string_free (g_steal_pointer (&decoded), FALSE);
  return TRUE;
}

static void
handle_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *unused_path,
           GHashTable        *query,
           gpointer           user_data)
{
  PdGraphServer *self = user_data;
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (self->throttle_n > 0)
    {
      g_autofree char *wait = g_strdup_printf ("%u", self->throttle_retry_after);

      self->throttle_n--;
      set_error (msg, self->throttle_status,
                 self->throttle_status == 429 ? "activityLimitReached" : "serviceNotAvailable",
                 NULL, "The request has been throttled");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", wait);
      return;
    }

  if (g_str_has_prefix (path, "/upload/"))
    handle_upload (self, msg, path + strlen ("/upload/"));
  else if (g_str_has_prefix (path, "/download/"))
    {
      GBytes *content = g_hash_table_lookup (self->downloads, path + strlen ("/download/"));

      if (content == NULL || !g_str_equal (soup_server_message_get_method (msg), "GET"))
        set_error (msg, SOUP_STATUS_NOT_FOUND, "itemNotFound", NULL, "Not found");
      else
        {
          gsize len = 0;
          const char *data = g_bytes_get_data (content, &len);

          soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
          soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                            data, len);
        }
    }
  else if (g_str_has_prefix (path, API_PREFIX "/"))
    {
      g_autofree char *expected = g_strconcat ("Bearer ", self->token, NULL);
      g_autofree char *item_path = NULL;
      g_autofree char *action = NULL;

      if (g_strcmp0 (soup_message_headers_get_one (headers, "Authorization"), expected) != 0)
        {
          self->unauthorized++;
          set_error (msg, SOUP_STATUS_UNAUTHORIZED, "InvalidAuthenticationToken", NULL,
                     "Access token has expired or is not yet valid.");
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "WWW-Authenticate",
                                        "Bearer error=\"invalid_token\"");
          return;
        }
      if (!split_item_path (path + strlen (API_PREFIX), &item_path, &action))
        {
          set_error (msg, SOUP_STATUS_BAD_REQUEST, "invalidRequest", NULL, "Invalid request");
          return;
        }
      handle_item (self, msg, item_path, action);
    }
  else
    set_error (msg, SOUP_STATUS_NOT_FOUND, "itemNotFound", NULL, "Not found");
}

PdGraphServer *
pd_graph_server_new (const char *token)
{
  PdGraphServer *self = g_new0 (PdGraphServer, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  self->token = g_strdup (token);
  self->items = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) item_free);
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) session_free);
  self->downloads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_bytes_unref);
  self->fragments = g_array_new (FALSE, TRUE, sizeof (PdGraphFragment));
  self->cut_at = G_MAXUINT64;
  self->cut_once_at = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->lose_answer_at = G_MAXUINT64;
  self->quota = G_MAXUINT64 / 2;
  self->session_lifetime = SESSION_LIFETIME_SECONDS;
  g_hash_table_insert (self->items, g_strdup (""), new_item (self, "root", TRUE));

  self->soup = soup_server_new ("server-header", "pd-graph-server ", NULL);
  soup_server_add_handler (self->soup, NULL, handle_cb, self, NULL);
  if (!soup_server_listen_local (self->soup, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("cannot listen on 127.0.0.1: %s", error->message);
  uris = soup_server_get_uris (self->soup);
  self->base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  self->drive_uri = g_strconcat (self->base, API_PREFIX, NULL);
  return self;
}

void
pd_graph_server_free (PdGraphServer *self)
{
  soup_server_disconnect (self->soup);
  g_object_unref (self->soup);
  g_free (self->base);
  g_free (self->drive_uri);
  g_free (self->token);
  g_hash_table_unref (self->items);
  g_hash_table_unref (self->sessions);
  g_hash_table_unref (self->downloads);
  g_array_unref (self->fragments);
  g_array_unref (self->cut_once_at);
  g_free (self->last_upload_url);
  g_free (self);
}

const char *
pd_graph_server_get_drive_uri (PdGraphServer *self)
{
  return self->drive_uri;
}

void
pd_graph_server_set_token (PdGraphServer *self,
                           const char    *token)
{
  g_free (self->token);
  self->token = g_strdup (token);
}

GBytes *
pd_graph_server_get_file (PdGraphServer *self,
                          const char    *path)
{
  g_autofree char *key = path_key (path);
  Item *item = g_hash_table_lookup (self->items, key);

  return item != NULL && item->content != NULL ? g_bytes_ref (item->content) : NULL;
}

char *
pd_graph_server_dup_description (PdGraphServer *self,
                                 const char    *path)
{
  g_autofree char *key = path_key (path);
  Item *item = g_hash_table_lookup (self->items, key);

  return item != NULL ? g_strdup (item->description) : NULL;
}

/* Someone else's file, with every missing folder above it. */
void
pd_graph_server_put_file (PdGraphServer *self,
                          const char    *path,
                          GBytes        *content)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  g_autoptr(GString) prefix = g_string_new (NULL);
  g_autofree char *key = path_key (path);
  Item *item;

  for (guint i = 0; parts[i + 1] != NULL; i++)
    {
      g_autofree char *folder_key = NULL;

      g_string_append_printf (prefix, "%s%s", i > 0 ? "/" : "", parts[i]);
      folder_key = path_key (prefix->str);
      if (!g_hash_table_contains (self->items, folder_key))
        g_hash_table_insert (self->items, g_steal_pointer (&folder_key),
                             new_item (self, parts[i], TRUE));
    }
  item = g_hash_table_lookup (self->items, key);
  if (item == NULL)
    {
      item = new_item (self, base_name (path), FALSE);
      g_hash_table_insert (self->items, g_strdup (key), item);
    }
  else
    touch (item, TRUE);
  set_content (item, content);
}

guint
pd_graph_server_count_files (PdGraphServer *self)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->items);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!((Item *) value)->folder)
      n++;
  return n;
}

void
pd_graph_server_throttle (PdGraphServer *self,
                          guint          n,
                          guint          status,
                          guint          retry_after)
{
  self->throttle_n = n;
  self->throttle_status = status;
  self->throttle_retry_after = retry_after;
}

void
pd_graph_server_cut_fragment_at (PdGraphServer *self,
                                 guint64        offset)
{
  self->cut_at = offset;
}

void
pd_graph_server_cut_fragment_once_at (PdGraphServer *self,
                                      guint64        offset)
{
  g_array_append_val (self->cut_once_at, offset);
}

void
pd_graph_server_lose_fragment_answer_at (PdGraphServer *self,
                                         guint64        offset)
{
  self->lose_answer_at = offset;
}

void
pd_graph_server_expire_sessions (PdGraphServer *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((Session *) value)->expires = 0;
}

void
pd_graph_server_set_session_lifetime (PdGraphServer *self,
                                      guint          seconds,
                                      guint          extension)
{
  self->session_lifetime = seconds;
  self->session_extension = extension;
}

void
pd_graph_server_set_quota (PdGraphServer *self,
                           guint64        bytes)
{
  self->quota = bytes;
}

void
pd_graph_server_lose_next_commit (PdGraphServer *self)
{
  self->lose_commit = TRUE;
}

guint
pd_graph_server_count_sessions (PdGraphServer *self)
{
  return self->sessions_created;
}

guint64
pd_graph_server_get_fragment_bytes (PdGraphServer *self)
{
  return self->fragment_bytes;
}

GArray *
pd_graph_server_dup_fragments (PdGraphServer *self)
{
  GArray *copy = g_array_sized_new (FALSE, TRUE, sizeof (PdGraphFragment), self->fragments->len);

  g_array_append_vals (copy, self->fragments->data, self->fragments->len);
  return copy;
}

guint
pd_graph_server_count_unauthorized (PdGraphServer *self)
{
  return self->unauthorized;
}

char *
pd_graph_server_dup_last_upload_url (PdGraphServer *self)
{
  return g_strdup (self->last_upload_url);
}
