/* pd-drive-server.c: the Google Drive API v3 test server (see pd-drive-server.h).
 *
 * Written from Google's documentation of the Drive v3 REST API (files resource, "Search for
 * files and folders", "Upload file data": resumable uploads), not from Paperdock's connector.
 * What it does as Drive does: names are an attribute, so duplicates are allowed; a file may be
 * created with an id from files.generateIds, and a second create with that id is refused with
 * 409; `size` and `version` are strings (int64) in JSON; a resumable session answers 308 with
 * "Range: bytes=0-N" (no Range when it holds nothing), answers a status query
 * ("Content-Range: bytes *\/TOTAL") the same way, and 200/201 with the file once complete;
 * chunks other than the last must be multiples of 256 KiB; a session URI needs no token.
 * Responses carry only the fields asked for with `fields` (Drive's defaults otherwise).
 *
 * Everything runs in one thread of the server's own; the tests read its state under the lock. */
#define G_LOG_DOMAIN "pd-test"

#include "pd-drive-server.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#define ROOT_ID "0AdriveRootFolderId"
#define CHUNK_GRANULARITY (256 * 1024)
#define PROPERTY_LIMIT 124
#define MAX_PROPERTIES 30
#define DEFAULT_FIELDS "kind,id,name,mimeType"

typedef struct {
  char       *id;
  char       *name;
  char       *mime;
  char       *parent;       /* NULL for the root */
  char       *description;
  GHashTable *app_props;
  GHashTable *props;
  GBytes     *content;
  char       *md5;
  gint64      version;
  gint64      created_ms;
  gint64      modified_ms;
} DriveFile;

typedef struct {
  char       *upload_id;
  JsonObject *metadata;     /* what the initiating request sent */
  char       *target_id;    /* PATCH: the file being replaced */
  char       *fields;
  char       *content_type;
  gint64      total;        /* -1 until known */
  GByteArray *received;
  char       *done_id;
  guint       expired;      /* status to answer with, 0 while alive */
} Session;

typedef struct {
  PdDriveFault   fault;
  PdDriveRequest kinds;
  guint          skip;
  guint          count;
  int            param;
} Fault;

struct _PdDriveServer
{
  GMutex        lock;
  GCond         cond;
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  char         *uri;
  gboolean      ready;

  /* guarded by lock */
  char         *token;
  GHashTable   *files;         /* id -> DriveFile */
  GHashTable   *sessions;      /* upload_id -> Session */
  GPtrArray    *upload_ids;
  GPtrArray    *generated;
  GHashTable   *unused_ids;    /* generated, not yet used */
  GQueue        faults;
  GString      *log;
  gint64        last_ms;
  gint64        version;
  char         *last_session;
};

static void
drive_file_free (DriveFile *file)
{
  g_free (file->id);
  g_free (file->name);
  g_free (file->mime);
  g_free (file->parent);
  g_free (file->description);
  g_hash_table_unref (file->app_props);
  g_hash_table_unref (file->props);
  g_clear_pointer (&file->content, g_bytes_unref);
  g_free (file->md5);
  g_free (file);
}

static void
session_free (Session *session)
{
  g_free (session->upload_id);
  g_clear_pointer (&session->metadata, json_object_unref);
  g_free (session->target_id);
  g_free (session->fields);
  g_free (session->content_type);
  g_clear_pointer (&session->received, g_byte_array_unref);
  g_free (session->done_id);
  g_free (session);
}

static GHashTable *
new_props (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static char *
random_id (guint length)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  GString *id = g_string_new (NULL);

  for (guint i = 0; i < length; i++)
    g_string_append_c (id, alphabet[g_random_int_range (0, sizeof alphabet - 1)]);
  return g_string_free (id, FALSE);
}

/* Drive's times have milliseconds; two changes never share one here, so "oldest" is defined. */
static gint64
next_time_ms (PdDriveServer *self)
{
  gint64 now = g_get_real_time () / 1000;

  self->last_ms = MAX (now, self->last_ms + 1);
  return self->last_ms;
}

static const char *
resolve_id (const char *id)
{
  return g_strcmp0 (id, "root") == 0 ? ROOT_ID : id;
}

static DriveFile *
add_file (PdDriveServer *self,
          const char    *id,
          const char    *name,
          const char    *mime,
          const char    *parent)
{
  DriveFile *file = g_new0 (DriveFile, 1);

  file->id = id != NULL ? g_strdup (id) : random_id (33);
  file->name = g_strdup (name);
  file->mime = g_strdup (mime);
  file->parent = g_strdup (parent);
  file->app_props = new_props ();
  file->props = new_props ();
  file->version = ++self->version;
  file->created_ms = file->modified_ms = next_time_ms (self);
  g_hash_table_replace (self->files, file->id, file);
  return file;
}

static gboolean
is_folder (const DriveFile *file)
{
  return g_strcmp0 (file->mime, PD_DRIVE_FOLDER_MIME) == 0;
}

/* JSON out */

static char *
format_time (gint64 ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (ms / 1000);
  g_autofree char *base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", base, (int) (ms % 1000));
}

static void
add_props (JsonBuilder *builder,
           const char  *member,
           GHashTable  *props)
{
  GHashTableIter iter;
  gpointer key, value;

  json_builder_set_member_name (builder, member);
  json_builder_begin_object (builder);
  g_hash_table_iter_init (&iter, props);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      json_builder_set_member_name (builder, key);
      json_builder_add_string_value (builder, value);
    }
  json_builder_end_object (builder);
}

/* @fields: a comma-separated list of top-level fields, "*" for all. */
static gboolean
wants (const char *fields,
       const char *field)
{
  g_auto(GStrv) parts = NULL;

  if (g_strcmp0 (fields, "*") == 0)
    return TRUE;
  parts = g_strsplit (fields, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (strcmp (g_strstrip (parts[i]), field) == 0)
      return TRUE;
  return FALSE;
}

static void
add_file_json (JsonBuilder     *b,
               const DriveFile *file,
               const char      *fields)
{
  json_builder_begin_object (b);
#define STR(field, value) \
  if (wants (fields, field) && (value) != NULL) \
    { json_builder_set_member_name (b, field); json_builder_add_string_value (b, value); }
  STR ("kind", "drive#file");
  STR ("id", file->id);
  STR ("name", file->name);
  STR ("mimeType", file->mime);
  STR ("description", file->description);
  if (!is_folder (file))
    {
      g_autofree char *size = g_strdup_printf ("%" G_GSIZE_FORMAT,
                                               file->content ? g_bytes_get_size (file->content)
                                                             : 0);
      STR ("size", size);
      STR ("md5Checksum", file->md5);
    }
  {
    g_autofree char *version = g_strdup_printf ("%" G_GINT64_FORMAT, file->version);
    g_autofree char *created = format_time (file->created_ms);
    g_autofree char *modified = format_time (file->modified_ms);

    STR ("version", version);
    STR ("createdTime", created);
    STR ("modifiedTime", modified);
  }
#undef STR
  if (wants (fields, "parents") && file->parent != NULL)
    {
      json_builder_set_member_name (b, "parents");
      json_builder_begin_array (b);
      json_builder_add_string_value (b, file->parent);
      json_builder_end_array (b);
    }
  if (wants (fields, "trashed"))
    {
      json_builder_set_member_name (b, "trashed");
      json_builder_add_boolean_value (b, FALSE);
    }
  if (wants (fields, "appProperties") && g_hash_table_size (file->app_props) > 0)
    add_props (b, "appProperties", file->app_props);
  if (wants (fields, "properties") && g_hash_table_size (file->props) > 0)
    add_props (b, "properties", file->props);
  json_builder_end_object (b);
}

static void
reply_json (SoupServerMessage *msg,
            guint              status,
            JsonBuilder       *builder)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  gsize len;
  char *text;

  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json; charset=UTF-8", SOUP_MEMORY_TAKE,
                                    text, len);
}

static void
reply_file (SoupServerMessage *msg,
            guint              status,
            const DriveFile   *file,
            const char        *fields)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  add_file_json (b, file, fields != NULL ? fields : DEFAULT_FIELDS);
  reply_json (msg, status, b);
}

/* Drive's error shape: {"error": {"errors": [{domain, reason, message}], code, message}}. */
static void
reply_error (SoupServerMessage *msg,
             guint              status,
             const char        *domain,
             const char        *reason,
             const char        *message,
             int                retry_after)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "errors");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "domain");
  json_builder_add_string_value (b, domain);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, reason);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_int_value (b, status);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  json_builder_end_object (b);
  reply_json (msg, status, b);
  if (retry_after >= 0)
    {
      g_autofree char *value = g_strdup_printf ("%d", retry_after);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", value);
    }
}

static void
reply_not_found (SoupServerMessage *msg,
                 const char        *id)
{
  g_autofree char *message = g_strdup_printf ("File not found: %s.", id);

  reply_error (msg, 404, "global", "notFound", message, -1);
}

/* files.list's q: the conjunctions Drive documents for the terms used here. */

typedef enum { TOK_END, TOK_STRING, TOK_WORD, TOK_OP, TOK_BAD } TokKind;

typedef struct {
  const char *p;
  TokKind     kind;
  char       *text;
} Lexer;

static void
lex_next (Lexer *lx)
{
  g_clear_pointer (&lx->text, g_free);
  while (g_ascii_isspace (*lx->p))
    lx->p++;
  if (*lx->p == '\0')
    lx->kind = TOK_END;
  else if (*lx->p == '\'')
    {
      GString *s = g_string_new (NULL);

      lx->p++;
      while (*lx->p != '\0' && *lx->p != '\'')
        {
          if (*lx->p == '\\' && lx->p[1] != '\0')
            lx->p++;
          g_string_append_c (s, *lx->p++);
        }
      lx->kind = *lx->p == '\'' ? TOK_STRING : TOK_BAD;
      if (*lx->p == '\'')
        lx->p++;
      lx->text = g_string_free (s, FALSE);
    }
  else if (g_ascii_isalpha (*lx->p))
    {
      const char *start = lx->p;

      while (g_ascii_isalnum (*lx->p))
        lx->p++;
      lx->kind = TOK_WORD;
      lx->text = g_strndup (start, lx->p - start);
    }
  else if (*lx->p == '!' && lx->p[1] == '=')
    {
      lx->kind = TOK_OP;
      lx->text = g_strdup ("!=");
      lx->p += 2;
    }
  else if (strchr ("={}", *lx->p) != NULL)
    {
      lx->kind = TOK_OP;
      lx->text = g_strndup (lx->p++, 1);
    }
  else
    lx->kind = TOK_BAD;
}

static gboolean
lex_accept (Lexer      *lx,
            TokKind     kind,
            const char *text)
{
  if (lx->kind != kind || (text != NULL && g_strcmp0 (lx->text, text) != 0))
    return FALSE;
  lex_next (lx);
  return TRUE;
}

static char *
lex_string (Lexer *lx)
{
  char *s;

  if (lx->kind != TOK_STRING)
    return NULL;
  s = g_steal_pointer (&lx->text);
  lex_next (lx);
  return s;
}

/* One term against @file; FALSE in *ok on a syntax error. */
static gboolean
eval_term (Lexer           *lx,
           const DriveFile *file,
           gboolean        *ok)
{
  g_autofree char *s = NULL;

  if ((s = lex_string (lx)) != NULL)
    {
      *ok = lex_accept (lx, TOK_WORD, "in") && lex_accept (lx, TOK_WORD, "parents");
      return g_strcmp0 (resolve_id (s), file->parent) == 0;
    }
  if (lx->kind == TOK_WORD &&
      (g_strcmp0 (lx->text, "name") == 0 || g_strcmp0 (lx->text, "mimeType") == 0))
    {
      gboolean name = g_strcmp0 (lx->text, "name") == 0;
      gboolean equal;
      g_autofree char *value = NULL;

      lex_next (lx);
      if (lex_accept (lx, TOK_OP, "="))
        equal = TRUE;
      else if (lex_accept (lx, TOK_OP, "!="))
        equal = FALSE;
      else
        return *ok = FALSE;
      value = lex_string (lx);
      if (value == NULL)
        return *ok = FALSE;
      return (g_strcmp0 (name ? file->name : file->mime, value) == 0) == equal;
    }
  if (lex_accept (lx, TOK_WORD, "trashed"))
    {
      if (!lex_accept (lx, TOK_OP, "="))
        return *ok = FALSE;
      if (lex_accept (lx, TOK_WORD, "false"))
        return TRUE;
      if (lex_accept (lx, TOK_WORD, "true"))
        return FALSE;
      return *ok = FALSE;
    }
  if (lx->kind == TOK_WORD &&
      (g_strcmp0 (lx->text, "appProperties") == 0 || g_strcmp0 (lx->text, "properties") == 0))
    {
      GHashTable *props = lx->text[0] == 'a' ? file->app_props : file->props;
      g_autofree char *key = NULL;
      g_autofree char *value = NULL;

      lex_next (lx);
      if (!lex_accept (lx, TOK_WORD, "has") || !lex_accept (lx, TOK_OP, "{") ||
          !lex_accept (lx, TOK_WORD, "key") || !lex_accept (lx, TOK_OP, "=") ||
          (key = lex_string (lx)) == NULL || !lex_accept (lx, TOK_WORD, "and") ||
          !lex_accept (lx, TOK_WORD, "value") || !lex_accept (lx, TOK_OP, "=") ||
          (value = lex_string (lx)) == NULL || !lex_accept (lx, TOK_OP, "}"))
        return *ok = FALSE;
      return g_strcmp0 (g_hash_table_lookup (props, key), value) == 0;
    }
  return *ok = FALSE;
}

static gboolean
query_matches (const char      *q,
               const DriveFile *file,
               gboolean        *ok)
{
  Lexer lx = { q, TOK_END, NULL };
  gboolean match = TRUE;

  *ok = TRUE;
  lex_next (&lx);
  if (lx.kind == TOK_END)
    return TRUE;
  do
    match = eval_term (&lx, file, ok) && match;
  while (*ok && lex_accept (&lx, TOK_WORD, "and"));
  if (lx.kind != TOK_END)
    *ok = FALSE;
  g_free (lx.text);
  return match;
}

static int
compare_created (gconstpointer a,
                 gconstpointer b)
{
  const DriveFile *fa = *(DriveFile **) a, *fb = *(DriveFile **) b;

  return fa->created_ms < fb->created_ms ? -1 : fa->created_ms > fb->created_ms;
}

static int
compare_newest (gconstpointer a,
                gconstpointer b)
{
  return -compare_created (a, b);
}

/* "nextPageToken,files(id,name)" -> "id,name"; no files(...) -> Drive's default. */
static char *
list_fields (const char *fields)
{
  const char *start, *end;

  if (fields == NULL || (start = strstr (fields, "files(")) == NULL)
    return g_strdup (fields != NULL && strstr (fields, "files") != NULL ? "*" : DEFAULT_FIELDS);
  start += strlen ("files(");
  end = strchr (start, ')');
  return end != NULL ? g_strndup (start, end - start) : g_strdup (DEFAULT_FIELDS);
}

static void
handle_list (PdDriveServer     *self,
             SoupServerMessage *msg,
             GHashTable        *query)
{
  const char *q = query ? g_hash_table_lookup (query, "q") : NULL;
  const char *order = query ? g_hash_table_lookup (query, "orderBy") : NULL;
  const char *page_size = query ? g_hash_table_lookup (query, "pageSize") : NULL;
  const char *page_token = query ? g_hash_table_lookup (query, "pageToken") : NULL;
  g_autofree char *fields = list_fields (query ? g_hash_table_lookup (query, "fields") : NULL);
  g_autoptr(GPtrArray) hits = g_ptr_array_new ();
  g_autoptr(JsonBuilder) b = json_builder_new ();
  GHashTableIter iter;
  gpointer value;
  guint64 size = 100, start = 0;

  if (page_size != NULL && !g_ascii_string_to_unsigned (page_size, 10, 1, 1000, &size, NULL))
    {
      reply_error (msg, 400, "global", "invalid", "Invalid value for pageSize.", -1);
      return;
    }
  if (page_token != NULL && !g_ascii_string_to_unsigned (page_token, 10, 0, G_MAXUINT, &start, NULL))
    {
      reply_error (msg, 400, "global", "invalid", "Invalid page token.", -1);
      return;
    }
  g_hash_table_iter_init (&iter, self->files);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      gboolean ok;
      DriveFile *file = value;

      if (file->parent == NULL)
        continue;
      if (query_matches (q != NULL ? q : "", file, &ok))
        g_ptr_array_add (hits, file);
      if (!ok)
        {
          reply_error (msg, 400, "global", "invalid", "Invalid Value", -1);
          return;
        }
    }
  /* Without orderBy Drive promises no order: newest first here, so nobody relies on luck. */
  g_ptr_array_sort (hits, order != NULL && g_str_has_prefix (order, "createdTime") &&
                          strstr (order, "desc") == NULL ? compare_created : compare_newest);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, "drive#fileList");
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (guint i = start; i < hits->len && i < start + size; i++)
    add_file_json (b, hits->pdata[i], fields);
  json_builder_end_array (b);
  if (start + size < hits->len)
    {
      g_autofree char *next = g_strdup_printf ("%" G_GUINT64_FORMAT, start + size);

      json_builder_set_member_name (b, "nextPageToken");
      json_builder_add_string_value (b, next);
    }
  json_builder_end_object (b);
  reply_json (msg, 200, b);
}

static void
handle_generate_ids (PdDriveServer     *self,
                     SoupServerMessage *msg,
                     GHashTable        *query)
{
  const char *count_s = query ? g_hash_table_lookup (query, "count") : NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  guint64 count = 10;

  if (count_s != NULL && !g_ascii_string_to_unsigned (count_s, 10, 1, 1000, &count, NULL))
    {
      reply_error (msg, 400, "global", "invalid", "Invalid value for count.", -1);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, "drive#generatedIds");
  json_builder_set_member_name (b, "space");
  json_builder_add_string_value (b, "drive");
  json_builder_set_member_name (b, "ids");
  json_builder_begin_array (b);
  for (guint i = 0; i < count; i++)
    {
      char *id = random_id (33);

      g_ptr_array_add (self->generated, g_strdup (id));
      g_hash_table_add (self->unused_ids, id);
      json_builder_add_string_value (b, id);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  reply_json (msg, 200, b);
}

/* Copies a properties object from metadata, as Drive checks it: at most 30, each key plus
 * value at most 124 bytes of UTF-8; a null value removes the property. */
static gboolean
apply_props (JsonObject  *metadata,
             const char  *member,
             GHashTable  *props,
             const char **why)
{
  JsonObject *obj;
  g_autoptr(GList) members = NULL;

  if (!json_object_has_member (metadata, member))
    return TRUE;
  obj = json_object_get_object_member (metadata, member);
  if (obj == NULL)
    {
      *why = "Invalid properties.";
      return FALSE;
    }
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (obj, l->data);
      const char *value;

      if (JSON_NODE_HOLDS_NULL (node))
        {
          g_hash_table_remove (props, l->data);
          continue;
        }
      value = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
      if (value == NULL || !g_utf8_validate (value, -1, NULL))
        {
          *why = "Invalid property value.";
          return FALSE;
        }
      if (strlen (l->data) + strlen (value) > PROPERTY_LIMIT)
        {
          *why = "The limit for this property's size has been exceeded (124 bytes).";
          return FALSE;
        }
      g_hash_table_replace (props, g_strdup (l->data), g_strdup (value));
    }
  if (g_hash_table_size (props) > MAX_PROPERTIES)
    {
      *why = "The limit for the number of properties has been exceeded.";
      return FALSE;
    }
  return TRUE;
}

static const char *
metadata_string (JsonObject *metadata,
                 const char *member)
{
  JsonNode *node = metadata ? json_object_get_member (metadata, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
}

/* The parent named in @metadata ("parents": [id]), root when none; NULL if it is no folder. */
static const char *
metadata_parent (PdDriveServer *self,
                 JsonObject    *metadata)
{
  JsonArray *parents = NULL;
  DriveFile *parent;

  if (metadata != NULL && json_object_has_member (metadata, "parents"))
    parents = json_object_get_array_member (metadata, "parents");
  if (parents == NULL || json_array_get_length (parents) == 0)
    return ROOT_ID;
  parent = g_hash_table_lookup (self->files,
                                resolve_id (json_array_get_string_element (parents, 0)));
  return parent != NULL && is_folder (parent) ? parent->id : NULL;
}

/* Checks metadata for a new file and the id it asks for; answers the error itself. */
static gboolean
check_new_file (PdDriveServer     *self,
                SoupServerMessage *msg,
                JsonObject        *metadata)
{
  const char *id = metadata_string (metadata, "id");

  if (metadata_parent (self, metadata) == NULL)
    {
      reply_error (msg, 404, "global", "notFound", "File not found: parent folder.", -1);
      return FALSE;
    }
  if (id != NULL && g_hash_table_contains (self->files, id))
    {
      reply_error (msg, 409, "global", "duplicate", "A file already exists with the provided ID.",
                   -1);
      return FALSE;
    }
  if (id != NULL && !g_hash_table_contains (self->unused_ids, id))
    {
      reply_error (msg, 400, "global", "invalid",
                   "The provided file ID is not usable: it was not generated by generateIds.", -1);
      return FALSE;
    }
  return TRUE;
}

/* Makes the file @metadata describes; NULL with the error answered. */
static DriveFile *
create_from_metadata (PdDriveServer     *self,
                      SoupServerMessage *msg,
                      JsonObject        *metadata,
                      const char        *default_mime)
{
  const char *why = NULL;
  const char *id = metadata_string (metadata, "id");
  const char *mime = metadata_string (metadata, "mimeType");
  const char *name = metadata_string (metadata, "name");
  g_autoptr(GHashTable) app_props = new_props ();
  g_autoptr(GHashTable) props = new_props ();
  DriveFile *file;

  if (!check_new_file (self, msg, metadata))
    return NULL;
  if (!apply_props (metadata, "appProperties", app_props, &why) ||
      !apply_props (metadata, "properties", props, &why))
    {
      reply_error (msg, 400, "global", "invalid", why, -1);
      return NULL;
    }
  file = add_file (self, id, name != NULL ? name : "Untitled",
                   mime != NULL ? mime : default_mime, metadata_parent (self, metadata));
  if (id != NULL)
    g_hash_table_remove (self->unused_ids, id);
  g_hash_table_unref (file->app_props);
  file->app_props = g_steal_pointer (&app_props);
  g_hash_table_unref (file->props);
  file->props = g_steal_pointer (&props);
  file->description = g_strdup (metadata_string (metadata, "description"));
  return file;
}

static JsonObject *
parse_metadata (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (g_bytes_get_size (bytes) == 0)
    return json_object_new ();
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                   g_bytes_get_size (bytes), NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return JSON_NODE_HOLDS_OBJECT (root) ? json_object_ref (json_node_get_object (root)) : NULL;
}

static void
remove_tree (PdDriveServer *self,
             const char    *id)
{
  g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->files);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (((DriveFile *) value)->parent, id) == 0)
      g_ptr_array_add (children, g_strdup (((DriveFile *) value)->id));
  for (guint i = 0; i < children->len; i++)
    remove_tree (self, children->pdata[i]);
  g_hash_table_remove (self->files, id);
}

static void
handle_metadata (PdDriveServer     *self,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query)
{
  const char *method = soup_server_message_get_method (msg);
  const char *fields = query ? g_hash_table_lookup (query, "fields") : NULL;
  const char *rest;
  DriveFile *file;

  if (strcmp (path, "/drive/v3/files") == 0)
    {
      if (strcmp (method, "GET") == 0)
        handle_list (self, msg, query);
      else if (strcmp (method, "POST") == 0)
        {
          g_autoptr(JsonObject) metadata = parse_metadata (msg);

          if (metadata == NULL)
            reply_error (msg, 400, "global", "parseError", "Parse Error", -1);
          else if ((file = create_from_metadata (self, msg, metadata,
                                                 "application/octet-stream")) != NULL)
            reply_file (msg, 200, file, fields);
        }
      else
        soup_server_message_set_status (msg, 405, NULL);
      return;
    }
  if (strcmp (path, "/drive/v3/files/generateIds") == 0 && strcmp (method, "GET") == 0)
    {
      handle_generate_ids (self, msg, query);
      return;
    }
  if (!g_str_has_prefix (path, "/drive/v3/files/"))
    {
      reply_error (msg, 404, "global", "notFound", "Not Found", -1);
      return;
    }
  rest = resolve_id (path + strlen ("/drive/v3/files/"));
  file = g_hash_table_lookup (self->files, rest);
  if (file == NULL)
    {
      reply_not_found (msg, rest);
      return;
    }
  if (strcmp (method, "GET") == 0 &&
      g_strcmp0 (query ? g_hash_table_lookup (query, "alt") : NULL, "media") == 0)
    {
      if (is_folder (file))
        {
          reply_error (msg, 403, "global", "fileNotDownloadable",
                       "Only files with binary content can be downloaded.", -1);
          return;
        }
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, file->mime, SOUP_MEMORY_COPY,
                                        g_bytes_get_data (file->content, NULL),
                                        g_bytes_get_size (file->content));
    }
  else if (strcmp (method, "GET") == 0)
    reply_file (msg, 200, file, fields);
  else if (strcmp (method, "DELETE") == 0)
    {
      remove_tree (self, file->id);
      soup_server_message_set_status (msg, 204, NULL);
    }
  else
    soup_server_message_set_status (msg, 405, NULL);
}

/* Resumable uploads */

static void
handle_init (PdDriveServer     *self,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query)
{
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  const char *length = soup_message_headers_get_one (req, "X-Upload-Content-Length");
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(JsonObject) metadata = parse_metadata (msg);
  g_autofree char *location = NULL;
  const char *why = NULL;
  Session *session;
  guint64 total = 0;

  if (metadata == NULL)
    {
      reply_error (msg, 400, "global", "parseError", "Parse Error", -1);
      return;
    }
  if (length != NULL && !g_ascii_string_to_unsigned (length, 10, 0, G_MAXINT64, &total, NULL))
    {
      reply_error (msg, 400, "global", "invalid", "Invalid X-Upload-Content-Length.", -1);
      return;
    }

  session = g_new0 (Session, 1);
  if (strcmp (method, "PATCH") == 0)
    {
      const char *id = resolve_id (path + strlen ("/upload/drive/v3/files/"));
      DriveFile *target = g_hash_table_lookup (self->files, id);
      g_autoptr(GHashTable) check = new_props ();

      if (target == NULL || is_folder (target))
        {
          session_free (session);
          reply_not_found (msg, id);
          return;
        }
      if (!apply_props (metadata, "appProperties", check, &why) ||
          !apply_props (metadata, "properties", check, &why))
        {
          session_free (session);
          reply_error (msg, 400, "global", "invalid", why, -1);
          return;
        }
      session->target_id = g_strdup (id);
    }
  else if (!check_new_file (self, msg, metadata))
    {
      session_free (session);
      return;
    }
  session->upload_id = random_id (40);
  session->metadata = g_steal_pointer (&metadata);
  session->fields = g_strdup (query ? g_hash_table_lookup (query, "fields") : NULL);
  session->content_type = g_strdup (soup_message_headers_get_one (req, "X-Upload-Content-Type"));
  session->total = length != NULL ? (gint64) total : -1;
  session->received = g_byte_array_new ();
  g_hash_table_replace (self->sessions, session->upload_id, session);
  g_ptr_array_add (self->upload_ids, g_strdup (session->upload_id));
  g_free (self->last_session);
  self->last_session = g_strdup (session->upload_id);

  location = g_strdup_printf ("%s%s?uploadType=resumable&upload_id=%s", self->uri, path,
                              session->upload_id);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location",
                                location);
  soup_server_message_set_status (msg, 200, NULL);
}

/* The session's bytes become the file. */
static void
commit_session (PdDriveServer     *self,
                SoupServerMessage *msg,
                Session           *session)
{
  g_autoptr(GBytes) content = g_bytes_new (session->received->data, session->received->len);
  g_autofree char *md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, content);
  DriveFile *file;
  const char *why = NULL;
  guint status;

  if (session->target_id != NULL)
    {
      const char *description = metadata_string (session->metadata, "description");
      const char *name = metadata_string (session->metadata, "name");

      file = g_hash_table_lookup (self->files, session->target_id);
      if (file == NULL)
        {
          reply_not_found (msg, session->target_id);
          return;
        }
      if (!apply_props (session->metadata, "appProperties", file->app_props, &why) ||
          !apply_props (session->metadata, "properties", file->props, &why))
        {
          reply_error (msg, 400, "global", "invalid", why, -1);
          return;
        }
      if (description != NULL)
        {
          g_free (file->description);
          file->description = g_strdup (description);
        }
      if (name != NULL)
        {
          g_free (file->name);
          file->name = g_strdup (name);
        }
      file->version = ++self->version;
      file->modified_ms = next_time_ms (self);
      status = 200;
    }
  else
    {
      file = create_from_metadata (self, msg, session->metadata,
                                   session->content_type ? session->content_type
                                                         : "application/octet-stream");
      if (file == NULL)
        return;
      status = 201;
    }
  g_clear_pointer (&file->content, g_bytes_unref);
  file->content = g_steal_pointer (&content);
  g_free (file->md5);
  file->md5 = g_steal_pointer (&md5);
  session->done_id = g_strdup (file->id);
  reply_file (msg, status, file, session->fields);
}

static void
reply_incomplete (SoupServerMessage *msg,
                  Session           *session)
{
  soup_server_message_set_status (msg, 308, "Resume Incomplete");
  if (session->received->len > 0)
    {
      g_autofree char *range = g_strdup_printf ("bytes=0-%u", session->received->len - 1);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Range",
                                    range);
    }
}

/* "bytes A-B/T", "bytes A-B/<star>" or "bytes <star>/T"; A and B are -1 for a star, T too. */
static gboolean
parse_content_range (const char *value,
                     gint64     *start,
                     gint64     *end,
                     gint64     *total)
{
  g_autofree char *copy = NULL;
  char *slash, *dash, *spec;
  guint64 n;

  if (value == NULL || !g_str_has_prefix (value, "bytes "))
    return FALSE;
  copy = g_strdup (value + strlen ("bytes "));
  slash = strchr (copy, '/');
  if (slash == NULL)
    return FALSE;
  *slash = '\0';
  if (strcmp (slash + 1, "*") == 0)
    *total = -1;
  else if (g_ascii_string_to_unsigned (slash + 1, 10, 0, G_MAXINT64, &n, NULL))
    *total = (gint64) n;
  else
    return FALSE;
  spec = copy;
  if (strcmp (spec, "*") == 0)
    {
      *start = *end = -1;
      return TRUE;
    }
  dash = strchr (spec, '-');
  if (dash == NULL)
    return FALSE;
  *dash = '\0';
  if (!g_ascii_string_to_unsigned (spec, 10, 0, G_MAXINT64, &n, NULL))
    return FALSE;
  *start = (gint64) n;
  if (!g_ascii_string_to_unsigned (dash + 1, 10, 0, G_MAXINT64, &n, NULL))
    return FALSE;
  *end = (gint64) n;
  return *end >= *start;
}

/* @keep: how many bytes of the body arrived before the connection broke, -1 for all. */
static void
handle_session_put (PdDriveServer     *self,
                    SoupServerMessage *msg,
                    Session           *session,
                    gint64             keep)
{
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  gint64 start, end, total;
  gsize len = g_bytes_get_size (body);
  const guint8 *data = g_bytes_get_data (body, NULL);

  if (session->expired != 0)
    {
      reply_error (msg, session->expired, "global", "notFound",
                   "The upload session has expired. Start the upload again.", -1);
      return;
    }
  if (session->done_id != NULL)
    {
      DriveFile *file = g_hash_table_lookup (self->files, session->done_id);

      if (file == NULL)
        reply_not_found (msg, session->done_id);
      else
        reply_file (msg, session->target_id != NULL ? 200 : 201, file, session->fields);
      return;
    }
  if (!parse_content_range (soup_message_headers_get_one (req, "Content-Range"), &start, &end,
                            &total))
    {
      if (len == 0 && soup_message_headers_get_one (req, "Content-Range") == NULL)
        {
          reply_incomplete (msg, session);
          return;
        }
      reply_error (msg, 400, "global", "badContent", "Invalid Content-Range header.", -1);
      return;
    }
  if (total >= 0 && session->total >= 0 && total != session->total)
    {
      reply_error (msg, 400, "global", "badContent",
                   "The total size does not match the size declared earlier.", -1);
      return;
    }
  if (total >= 0)
    session->total = total;

  if (start < 0)
    {
      /* A status query: bytes are judged, none sent. */
      if (len != 0)
        {
          reply_error (msg, 400, "global", "badContent", "A status query carries no bytes.", -1);
          return;
        }
      if (session->total >= 0 && (gint64) session->received->len == session->total)
        commit_session (self, msg, session);
      else
        reply_incomplete (msg, session);
      return;
    }
  if ((gint64) len != end - start + 1)
    {
      reply_error (msg, 400, "global", "badContent",
                   "The Content-Range does not match the bytes sent.", -1);
      return;
    }
  if (session->total >= 0 && end >= session->total)
    {
      reply_error (msg, 400, "global", "badContent", "The range goes past the total size.", -1);
      return;
    }
  if (start > (gint64) session->received->len)
    {
      reply_error (msg, 400, "global", "badContent",
                   "The range starts after the bytes received so far.", -1);
      return;
    }
  if ((session->total < 0 || end + 1 < session->total) && len % CHUNK_GRANULARITY != 0)
    {
      reply_error (msg, 400, "global", "badContent",
                   "Chunks other than the last must be a multiple of 256 KiB.", -1);
      return;
    }

  {
    gsize arrived = keep >= 0 ? MIN ((gsize) keep, len) : len;
    gint64 have = session->received->len;

    /* Bytes sent again after an interruption are accepted and ignored. */
    if (start + (gint64) arrived > have)
      g_byte_array_append (session->received, data + (have - start),
                           (guint) (start + arrived - have));
  }
  if (keep >= 0)
    return;
  if (session->total >= 0 && (gint64) session->received->len == session->total)
    commit_session (self, msg, session);
  else
    reply_incomplete (msg, session);
}

/* Faults */

static const char *
kind_name (PdDriveRequest kind)
{
  switch ((int) kind)
    {
    case PD_DRIVE_REQ_METADATA: return "metadata";
    case PD_DRIVE_REQ_INIT: return "init";
    case PD_DRIVE_REQ_CHUNK: return "chunk";
    case PD_DRIVE_REQ_FINAL: return "final";
    case PD_DRIVE_REQ_STATUS: return "status";
    default: return "other";
    }
}

static Fault *
take_fault (PdDriveServer  *self,
            PdDriveRequest  kind)
{
  for (GList *l = self->faults.head; l != NULL; l = l->next)
    {
      Fault *fault = l->data;

      if (fault->kinds != 0 && (fault->kinds & kind) == 0)
        continue;
      if (fault->skip > 0)
        {
          fault->skip--;
          return NULL;
        }
      fault->count--;
      if (fault->count == 0)
        {
          Fault copy = *fault;
          Fault *ret = g_memdup2 (&copy, sizeof copy);

          g_queue_delete_link (&self->faults, l);
          g_free (fault);
          return ret;
        }
      return g_memdup2 (fault, sizeof *fault);
    }
  return NULL;
}

/* TRUE when the fault answered the request itself. */
static gboolean
answer_fault (SoupServerMessage *msg,
              const Fault       *fault)
{
  switch (fault->fault)
    {
    case PD_DRIVE_FAULT_RATE_LIMIT:
      reply_error (msg, 403, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded",
                   fault->param);
      return TRUE;
    case PD_DRIVE_FAULT_USER_RATE_LIMIT:
      reply_error (msg, 403, "usageLimits", "userRateLimitExceeded", "User Rate Limit Exceeded",
                   fault->param);
      return TRUE;
    case PD_DRIVE_FAULT_429:
      reply_error (msg, 429, "usageLimits", "rateLimitExceeded", "Too Many Requests",
                   fault->param);
      return TRUE;
    case PD_DRIVE_FAULT_500:
      reply_error (msg, 500, "global", "backendError", "Backend Error", fault->param);
      return TRUE;
    case PD_DRIVE_FAULT_503:
      reply_error (msg, 503, "global", "backendError", "Service Unavailable", fault->param);
      return TRUE;
    case PD_DRIVE_FAULT_QUOTA:
      reply_error (msg, 403, "usageLimits", "storageQuotaExceeded",
                   "The user's Drive storage quota has been exceeded.", -1);
      return TRUE;
    case PD_DRIVE_FAULT_NO_PERMISSION:
      reply_error (msg, 403, "global", "insufficientFilePermissions",
                   "The user does not have sufficient permissions for this file.", -1);
      return TRUE;
    case PD_DRIVE_FAULT_CUT:
    case PD_DRIVE_FAULT_LOSE_RESPONSE:
    default:
      return FALSE;
    }
}

static void
hang_up (SoupServerMessage *msg)
{
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);

  g_io_stream_close (stream, NULL, NULL);
}

/* The handler */

static PdDriveRequest
classify (SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query)
{
  const char *method = soup_server_message_get_method (msg);
  const char *upload_id = query ? g_hash_table_lookup (query, "upload_id") : NULL;

  if (g_str_has_prefix (path, "/drive/v3/"))
    return PD_DRIVE_REQ_METADATA;
  if (!g_str_has_prefix (path, "/upload/drive/v3/files"))
    return 0;
  if (upload_id == NULL)
    return strcmp (method, "POST") == 0 || strcmp (method, "PATCH") == 0 ? PD_DRIVE_REQ_INIT : 0;
  return PD_DRIVE_REQ_CHUNK;  /* refined by the caller, under the lock */
}

static void
server_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  PdDriveServer *self = user_data;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  g_autofree Fault *fault = NULL;
  Session *session = NULL;
  PdDriveRequest kind = classify (msg, path, query);
  gint64 start = -1, end = -1, total = -1;
  gint64 keep = -1;
  guint status;

  if (kind == PD_DRIVE_REQ_CHUNK)
    {
      session = g_hash_table_lookup (self->sessions, g_hash_table_lookup (query, "upload_id"));
      if (!parse_content_range (soup_message_headers_get_one (req, "Content-Range"), &start,
                                &end, &total) || start < 0)
        kind = PD_DRIVE_REQ_STATUS;
      else if (total < 0 && session != NULL)
        total = session->total;
      if (kind == PD_DRIVE_REQ_CHUNK && total >= 0 && end + 1 == total)
        kind = PD_DRIVE_REQ_FINAL;
    }

  fault = take_fault (self, kind);
  if (fault != NULL && answer_fault (msg, fault))
    goto done;

  /* A session URI is its own credential, as in Drive; everything else needs the token. */
  if (kind != PD_DRIVE_REQ_CHUNK && kind != PD_DRIVE_REQ_FINAL && kind != PD_DRIVE_REQ_STATUS)
    {
      const char *auth = soup_message_headers_get_one (req, "Authorization");

      if (auth == NULL || !g_str_has_prefix (auth, "Bearer ") ||
          g_strcmp0 (auth + strlen ("Bearer "), self->token) != 0)
        {
          reply_error (msg, 401, "global", "authError", "Invalid Credentials", -1);
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "WWW-Authenticate",
                                        "Bearer realm=\"https://accounts.google.com/\", "
                                        "error=\"invalid_token\"");
          goto done;
        }
    }

  if (fault != NULL && fault->fault == PD_DRIVE_FAULT_CUT &&
      (kind == PD_DRIVE_REQ_CHUNK || kind == PD_DRIVE_REQ_FINAL))
    keep = MAX (fault->param, 0);

  switch ((int) kind)
    {
    case PD_DRIVE_REQ_METADATA:
      handle_metadata (self, msg, path, query);
      break;
    case PD_DRIVE_REQ_INIT:
      if (g_strcmp0 (g_hash_table_lookup (query, "uploadType"), "resumable") != 0)
        reply_error (msg, 400, "global", "invalid", "Only resumable uploads are served here.", -1);
      else if (strcmp (method, "PATCH") == 0 && !g_str_has_prefix (path, "/upload/drive/v3/files/"))
        reply_error (msg, 400, "global", "invalid", "PATCH needs a file id.", -1);
      else
        handle_init (self, msg, path, query);
      break;
    case PD_DRIVE_REQ_CHUNK:
    case PD_DRIVE_REQ_FINAL:
    case PD_DRIVE_REQ_STATUS:
      if (strcmp (method, "PUT") != 0 && strcmp (method, "POST") != 0)
        soup_server_message_set_status (msg, 405, NULL);
      else if (session == NULL)
        reply_error (msg, 404, "global", "notFound", "No such upload session.", -1);
      else
        handle_session_put (self, msg, session, keep);
      break;
    default:
      reply_error (msg, 404, "global", "notFound", "Not Found", -1);
    }

done:
  status = soup_server_message_get_status (msg);
  if (keep >= 0 ||
      (fault != NULL && fault->fault == PD_DRIVE_FAULT_LOSE_RESPONSE))
    {
      hang_up (msg);
      status = 0;
    }
  g_string_append_printf (self->log, "%s %s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %"
                          G_GINT64_FORMAT " %u\n", method, kind_name (kind), start,
                          start >= 0 ? end - start + 1 : -1, total, status);
}

/* Life cycle */

static gpointer
server_thread (gpointer data)
{
  PdDriveServer *self = data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (self->context);
  self->server = soup_server_new ("server-header", "pd-drive-server ", NULL);
  soup_server_add_handler (self->server, NULL, server_handler, self, NULL);
  if (!soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("pd-drive-server: cannot listen: %s", error->message);
  uris = soup_server_get_uris (self->server);
  {
    g_autofree char *uri = g_uri_to_string (uris->data);

    g_mutex_lock (&self->lock);
    /* "http://127.0.0.1:PORT/" without the slash. */
    self->uri = g_strndup (uri, strlen (uri) - (g_str_has_suffix (uri, "/") ? 1 : 0));
    self->ready = TRUE;
    g_cond_signal (&self->cond);
    g_mutex_unlock (&self->lock);
  }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (self->loop);

  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

PdDriveServer *
pd_drive_server_new (const char *token)
{
  PdDriveServer *self = g_new0 (PdDriveServer, 1);
  DriveFile *root;

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->token = g_strdup (token);
  self->files = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) drive_file_free);
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify) session_free);
  self->upload_ids = g_ptr_array_new_with_free_func (g_free);
  self->generated = g_ptr_array_new_with_free_func (g_free);
  self->unused_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->faults);
  self->log = g_string_new (NULL);
  root = add_file (self, ROOT_ID, "My Drive", PD_DRIVE_FOLDER_MIME, NULL);
  (void) root;

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("pd-drive-server", server_thread, self);
  g_mutex_lock (&self->lock);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
  return self;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
pd_drive_server_free (PdDriveServer *self)
{
  g_main_context_invoke (self->context, quit_cb, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_hash_table_unref (self->files);
  g_hash_table_unref (self->sessions);
  g_ptr_array_unref (self->upload_ids);
  g_ptr_array_unref (self->generated);
  g_hash_table_unref (self->unused_ids);
  g_queue_clear_full (&self->faults, g_free);
  g_string_free (self->log, TRUE);
  g_free (self->last_session);
  g_free (self->token);
  g_free (self->uri);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

const char *
pd_drive_server_get_uri (PdDriveServer *self)
{
  return self->uri;
}

void
pd_drive_server_set_token (PdDriveServer *self,
                           const char    *token)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  g_free (self->token);
  self->token = g_strdup (token);
}

void
pd_drive_server_add_fault (PdDriveServer  *self,
                           PdDriveFault    fault,
                           PdDriveRequest  kinds,
                           guint           skip,
                           guint           count,
                           int             param)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Fault *f = g_new0 (Fault, 1);

  g_return_if_fail (count > 0);
  f->fault = fault;
  f->kinds = kinds;
  f->skip = skip;
  f->count = count;
  f->param = param;
  g_queue_push_tail (&self->faults, f);
}

void
pd_drive_server_clear_faults (PdDriveServer *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  g_queue_clear_full (&self->faults, g_free);
  g_queue_init (&self->faults);
}

void
pd_drive_server_expire_sessions (PdDriveServer *self,
                                 guint          status)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((Session *) value)->expired = status;
}

char *
pd_drive_server_add_folder (PdDriveServer *self,
                            const char    *parent_id,
                            const char    *name,
                            const char    *id)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return g_strdup (add_file (self, id, name, PD_DRIVE_FOLDER_MIME, resolve_id (parent_id))->id);
}

static GPtrArray *
children_named (PdDriveServer *self,
                const char    *parent_id,
                const char    *name)
{
  GPtrArray *hits = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->files);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DriveFile *file = value;

      if (g_strcmp0 (file->parent, resolve_id (parent_id)) == 0 &&
          g_strcmp0 (file->name, name) == 0)
        g_ptr_array_add (hits, file);
    }
  return hits;
}

guint
pd_drive_server_count_named (PdDriveServer *self,
                             const char    *parent_id,
                             const char    *name,
                             gboolean       folders)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(GPtrArray) hits = children_named (self, parent_id, name);
  guint n = 0;

  for (guint i = 0; i < hits->len; i++)
    n += is_folder (hits->pdata[i]) == !!folders;
  return n;
}

char *
pd_drive_server_lookup_path (PdDriveServer *self,
                             const char    *path)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  const char *id = ROOT_ID;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) hits = children_named (self, id, parts[i]);

      if (hits->len != 1)
        return NULL;
      id = ((DriveFile *) hits->pdata[0])->id;
    }
  return g_strdup (id);
}

char *
pd_drive_server_dup_parent (PdDriveServer *self,
                            const char    *id)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  DriveFile *file = g_hash_table_lookup (self->files, id);

  return file != NULL ? g_strdup (file->parent) : NULL;
}

GBytes *
pd_drive_server_dup_content (PdDriveServer *self,
                             const char    *id)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  DriveFile *file = g_hash_table_lookup (self->files, id);

  return file != NULL && file->content != NULL ? g_bytes_ref (file->content) : NULL;
}

char *
pd_drive_server_dup_property (PdDriveServer *self,
                              const char    *id,
                              const char    *key,
                              gboolean       private_)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  DriveFile *file = g_hash_table_lookup (self->files, id);

  if (file == NULL)
    return NULL;
  return g_strdup (g_hash_table_lookup (private_ ? file->app_props : file->props, key));
}

guint
pd_drive_server_count_files (PdDriveServer *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->files);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += !is_folder (value);
  return n;
}

guint
pd_drive_server_count_sessions (PdDriveServer *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return self->upload_ids->len;
}

guint64
pd_drive_server_get_received (PdDriveServer *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Session *session = self->last_session != NULL
                     ? g_hash_table_lookup (self->sessions, self->last_session) : NULL;

  return session != NULL ? session->received->len : 0;
}

static char **
dup_strv (GPtrArray *array)
{
  char **strv = g_new0 (char *, array->len + 1);

  for (guint i = 0; i < array->len; i++)
    strv[i] = g_strdup (array->pdata[i]);
  return strv;
}

char **
pd_drive_server_dup_generated (PdDriveServer *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return dup_strv (self->generated);
}

char **
pd_drive_server_dup_upload_ids (PdDriveServer *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return dup_strv (self->upload_ids);
}

char *
pd_drive_server_dup_log (PdDriveServer *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return g_strdup (self->log->str);
}
