/* pd-nextcloud-server.c: the Nextcloud WebDAV fixture (see pd-nextcloud-server.h). A SoupServer
 * on a GMainContext of its own, run by one thread; everything the handlers touch lives in that
 * thread except the counters and knobs, which the test reads and sets under the lock. Files and
 * chunks are plain files under a temporary folder; etags and dead properties are kept in memory.
 *
 * What Nextcloud documents and this does: an upload folder is made with MKCOL and a Destination
 * header, which every chunk PUT and the final MOVE must repeat; chunks are named 1..10000 and
 * assembled in the order of their names; every chunk but the last is at least 5 MB; the MOVE's
 * OC-Total-Length must equal the sum of the chunks; X-OC-Mtime sets the file's time; the folder
 * is gone after the MOVE. The MOVE also honours WebDAV's own preconditions on its destination
 * (Overwrite: F, an If header with a tagged list naming the destination's etag), which is how a
 * client keeps a replace from overwriting someone else's newer version. */
#define G_LOG_DOMAIN "pd-test"

#include "pd-nextcloud-server.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>
#include <utime.h>

#define NEXTCLOUD_MIN_CHUNK (5 * 1000 * 1000)

struct _PdNextcloudServer
{
  char         *user;
  char         *authorization;
  char         *dir;        /* temporary: files/ and uploads/ */
  char         *files;
  char         *uploads;
  char         *uri;
  char         *files_prefix;    /* "/remote.php/dav/files/USER/" */
  char         *uploads_prefix;  /* "/remote.php/dav/uploads/USER/" */

  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;

  /* server thread only */
  GHashTable   *etags;        /* relative path -> etag */
  GHashTable   *props;        /* relative path -> GHashTable ("ns name" -> text) */
  GHashTable   *destinations; /* upload id -> relative destination path */
  guint         next_etag;

  /* guarded by lock */
  GMutex        lock;
  GCond         cond;
  gboolean      ready;
  guint         chunk_puts[10001];
  guint         file_puts;
  guint         cut_number;
  gsize         cut_after;
  guint         cuts;
  gsize         min_chunk;
};

/* Paths */

typedef enum {
  AREA_NONE,
  AREA_FILES,
  AREA_UPLOADS,
} Area;

/* Splits a request path into its area and the path inside it, unescaped, without the
 * trailing '/'. */
static Area
classify (PdNextcloudServer  *self,
          const char         *escaped_path,
          char              **rel)
{
  g_autofree char *path = g_uri_unescape_string (escaped_path, NULL);
  g_autofree char *files_home = g_strndup (self->files_prefix, strlen (self->files_prefix) - 1);
  g_autofree char *uploads_home = g_strndup (self->uploads_prefix,
                                             strlen (self->uploads_prefix) - 1);
  const char *rest = NULL;
  Area area = AREA_NONE;
  gsize len;

  *rel = NULL;
  if (path == NULL)
    return AREA_NONE;
  if (g_str_equal (path, files_home) || g_str_has_prefix (path, self->files_prefix))
    {
      area = AREA_FILES;
      rest = path + MIN (strlen (path), strlen (self->files_prefix));
    }
  else if (g_str_equal (path, uploads_home) || g_str_has_prefix (path, self->uploads_prefix))
    {
      area = AREA_UPLOADS;
      rest = path + MIN (strlen (path), strlen (self->uploads_prefix));
    }
  if (area == AREA_NONE || strstr (rest, "..") != NULL)
    return AREA_NONE;
  *rel = g_strdup (rest);
  len = strlen (*rel);
  while (len > 0 && (*rel)[len - 1] == '/')
    (*rel)[--len] = '\0';
  return area;
}

static char *
disk_path (PdNextcloudServer *self,
           Area               area,
           const char        *rel)
{
  return g_build_filename (area == AREA_FILES ? self->files : self->uploads, rel, NULL);
}

/* The relative file path a Destination header names, or NULL. */
static char *
destination_of (PdNextcloudServer *self,
                SoupServerMessage *msg)
{
  const char *value = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                    "Destination");
  g_autoptr(GUri) uri = value != NULL ? g_uri_parse (value, SOUP_HTTP_URI_FLAGS, NULL) : NULL;
  char *rel = NULL;

  if (uri == NULL || classify (self, g_uri_get_path (uri), &rel) != AREA_FILES)
    {
      g_free (rel);
      return NULL;
    }
  return rel;
}

static const char *
etag_of (PdNextcloudServer *self,
         const char        *rel)
{
  return g_hash_table_lookup (self->etags, rel);
}

static const char *
new_etag (PdNextcloudServer *self,
          const char        *rel)
{
  char *etag = g_strdup_printf ("\"nc-%u\"", ++self->next_etag);

  g_hash_table_replace (self->etags, g_strdup (rel), etag);
  return etag;
}

static void
forget (PdNextcloudServer *self,
        const char        *rel)
{
  g_hash_table_remove (self->etags, rel);
  g_hash_table_remove (self->props, rel);
}

static gboolean
parent_exists (const char *path)
{
  g_autofree char *parent = g_path_get_dirname (path);

  return g_file_test (parent, G_FILE_TEST_IS_DIR);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    g_rmdir (path);
  else
    g_unlink (path);
}

/* Answers */

static void
answer (SoupServerMessage *msg,
        guint              status)
{
  soup_server_message_set_status (msg, status, NULL);
}

static void
append_escaped (GString    *out,
                const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  g_string_append (out, escaped);
}

static void
append_response (PdNextcloudServer *self,
                 GString           *out,
                 const char        *href,
                 const char        *path,
                 const char        *rel)
{
  GStatBuf st;
  gboolean dir;

  if (g_stat (path, &st) != 0)
    return;
  dir = S_ISDIR (st.st_mode);
  g_string_append (out, "<d:response><d:href>");
  append_escaped (out, href);
  g_string_append (out, "</d:href><d:propstat><d:prop>");
  if (dir)
    g_string_append (out, "<d:resourcetype><d:collection/></d:resourcetype>");
  else
    {
      g_autoptr(GDateTime) mtime = g_date_time_new_from_unix_utc (st.st_mtime);
      g_autofree char *date = soup_date_time_to_string (mtime, SOUP_DATE_HTTP);
      const char *etag = rel != NULL ? etag_of (self, rel) : NULL;
      GHashTable *props = rel != NULL ? g_hash_table_lookup (self->props, rel) : NULL;

      g_string_append_printf (out, "<d:resourcetype/><d:getcontentlength>%" G_GINT64_FORMAT
                              "</d:getcontentlength><d:getlastmodified>%s</d:getlastmodified>",
                              (gint64) st.st_size, date);
      if (etag != NULL)
        {
          g_string_append (out, "<d:getetag>");
          append_escaped (out, etag);
          g_string_append (out, "</d:getetag>");
        }
      if (props != NULL)
        {
          GHashTableIter iter;
          gpointer key, value;

          g_hash_table_iter_init (&iter, props);
          while (g_hash_table_iter_next (&iter, &key, &value))
            {
              const char *space = strchr (key, ' ');
              g_autofree char *ns = g_strndup (key, (gsize) (space - (const char *) key));

              g_string_append_printf (out, "<x:%s xmlns:x=\"", space + 1);
              append_escaped (out, ns);
              g_string_append (out, "\">");
              append_escaped (out, value);
              g_string_append_printf (out, "</x:%s>", space + 1);
            }
        }
    }
  g_string_append (out, "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
                        "</d:response>");
}

static void
set_multistatus (SoupServerMessage *msg,
                 GString           *body)
{
  g_string_append (body, "</d:multistatus>\n");
  soup_server_message_set_response (msg, "application/xml; charset=utf-8", SOUP_MEMORY_COPY,
                                    body->str, body->len);
  soup_server_message_set_status (msg, SOUP_STATUS_MULTI_STATUS, NULL);
}

static GString *
new_multistatus (void)
{
  return g_string_new ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                       "<d:multistatus xmlns:d=\"DAV:\">");
}

static void
do_propfind (PdNextcloudServer *self,
             SoupServerMessage *msg,
             Area               area,
             const char        *rel,
             const char        *path)
{
  const char *depth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                    "Depth");
  const char *href = g_uri_get_path (soup_server_message_get_uri (msg));
  g_autoptr(GString) body = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      answer (msg, SOUP_STATUS_NOT_FOUND);
      return;
    }
  body = new_multistatus ();
  append_response (self, body, href, path, area == AREA_FILES ? rel : NULL);
  if (g_strcmp0 (depth, "1") == 0 && g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          g_autofree char *child_rel = *rel != '\0' ? g_strconcat (rel, "/", name, NULL)
                                                    : g_strdup (name);
          g_autofree char *escaped = g_uri_escape_string (name, NULL, FALSE);
          g_autofree char *child_href = g_strconcat (href, g_str_has_suffix (href, "/") ? "" : "/",
                                                     escaped, NULL);

          append_response (self, body, child_href, child,
                           area == AREA_FILES ? child_rel : NULL);
        }
    }
  set_multistatus (msg, body);
}

/* If-Match / If-None-Match against the file at @rel (RFC 7232), for PUT and DELETE. */
static gboolean
preconditions_hold (PdNextcloudServer *self,
                    SoupServerMessage *msg,
                    const char        *rel,
                    gboolean           exists)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *if_match = soup_message_headers_get_one (headers, "If-Match");
  const char *if_none_match = soup_message_headers_get_one (headers, "If-None-Match");

  if (if_none_match != NULL && g_str_equal (if_none_match, "*") && exists)
    return FALSE;
  if (if_match != NULL && (!exists || g_strcmp0 (if_match, etag_of (self, rel)) != 0))
    return FALSE;
  return TRUE;
}

static void
do_put_file (PdNextcloudServer *self,
             SoupServerMessage *msg,
             const char        *rel,
             const char        *path)
{
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) data = soup_message_body_flatten (request);
  gboolean existed = g_file_test (path, G_FILE_TEST_EXISTS);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      answer (msg, SOUP_STATUS_METHOD_NOT_ALLOWED);
      return;
    }
  if (!parent_exists (path))
    {
      answer (msg, SOUP_STATUS_CONFLICT);
      return;
    }
  if (!preconditions_hold (self, msg, rel, existed))
    {
      answer (msg, SOUP_STATUS_PRECONDITION_FAILED);
      return;
    }
  if (!g_file_set_contents (path, g_bytes_get_data (data, NULL), (gssize) g_bytes_get_size (data),
                            NULL))
    {
      answer (msg, SOUP_STATUS_INSUFFICIENT_STORAGE);
      return;
    }
  if (!existed)
    g_hash_table_remove (self->props, rel);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "ETag",
                                new_etag (self, rel));
  g_mutex_lock (&self->lock);
  self->file_puts++;
  g_mutex_unlock (&self->lock);
  answer (msg, existed ? SOUP_STATUS_NO_CONTENT : SOUP_STATUS_CREATED);
}

static void
do_proppatch (PdNextcloudServer *self,
              SoupServerMessage *msg,
              const char        *rel,
              const char        *path)
{
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) data = soup_message_body_flatten (request);
  g_autoptr(GString) body = NULL;
  xmlDoc *doc;
  xmlNode *root;
  GHashTable *props;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      answer (msg, SOUP_STATUS_NOT_FOUND);
      return;
    }
  doc = xmlReadMemory (g_bytes_get_data (data, NULL), (int) g_bytes_get_size (data), "p.xml", NULL,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  root = doc != NULL ? xmlDocGetRootElement (doc) : NULL;
  if (root == NULL)
    {
      if (doc != NULL)
        xmlFreeDoc (doc);
      answer (msg, SOUP_STATUS_BAD_REQUEST);
      return;
    }
  props = g_hash_table_lookup (self->props, rel);
  if (props == NULL)
    {
      props = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (self->props, g_strdup (rel), props);
    }
  body = new_multistatus ();
  g_string_append (body, "<d:response><d:href>");
  append_escaped (body, g_uri_get_path (soup_server_message_get_uri (msg)));
  g_string_append (body, "</d:href><d:propstat><d:prop/><d:status>HTTP/1.1 200 OK</d:status>"
                         "</d:propstat></d:response>");
  for (xmlNode *set = root->children; set != NULL; set = set->next)
    {
      if (set->type != XML_ELEMENT_NODE || strcmp ((const char *) set->name, "set") != 0)
        continue;
      for (xmlNode *prop = set->children; prop != NULL; prop = prop->next)
        for (xmlNode *p = prop->type == XML_ELEMENT_NODE ? prop->children : NULL; p != NULL;
             p = p->next)
          {
            xmlChar *text;

            if (p->type != XML_ELEMENT_NODE || p->ns == NULL)
              continue;
            text = xmlNodeGetContent (p);
            g_hash_table_replace (props, g_strdup_printf ("%s %s", p->ns->href, p->name),
                                  g_strdup ((const char *) text));
            xmlFree (text);
          }
    }
  xmlFreeDoc (doc);
  set_multistatus (msg, body);
}

static void
handle_files (PdNextcloudServer *self,
              SoupServerMessage *msg,
              const char        *method,
              const char        *rel,
              const char        *path)
{
  if (g_str_equal (method, "PROPFIND"))
    do_propfind (self, msg, AREA_FILES, rel, path);
  else if (g_str_equal (method, "PUT"))
    do_put_file (self, msg, rel, path);
  else if (g_str_equal (method, "PROPPATCH"))
    do_proppatch (self, msg, rel, path);
  else if (g_str_equal (method, "MKCOL"))
    {
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        answer (msg, SOUP_STATUS_METHOD_NOT_ALLOWED);
      else if (!parent_exists (path))
        answer (msg, SOUP_STATUS_CONFLICT);
      else
        answer (msg, g_mkdir (path, 0700) == 0 ? SOUP_STATUS_CREATED
                                               : SOUP_STATUS_INTERNAL_SERVER_ERROR);
    }
  else if (g_str_equal (method, "DELETE"))
    {
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        answer (msg, SOUP_STATUS_NOT_FOUND);
      else if (!preconditions_hold (self, msg, rel, TRUE))
        answer (msg, SOUP_STATUS_PRECONDITION_FAILED);
      else
        {
          remove_tree (path);
          forget (self, rel);
          answer (msg, SOUP_STATUS_NO_CONTENT);
        }
    }
  else if (g_str_equal (method, "GET"))
    {
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) ||
          !g_file_get_contents (path, &contents, &len, NULL))
        {
          answer (msg, SOUP_STATUS_NOT_FOUND);
          return;
        }
      if (etag_of (self, rel) != NULL)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg), "ETag",
                                      etag_of (self, rel));
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_TAKE,
                                        g_steal_pointer (&contents), len);
      answer (msg, SOUP_STATUS_OK);
    }
  else
    answer (msg, SOUP_STATUS_NOT_IMPLEMENTED);
}

/* Chunked upload v2 */

static int
compare_chunk_names (gconstpointer a,
                     gconstpointer b)
{
  guint64 x = g_ascii_strtoull (*(const char * const *) a, NULL, 10);
  guint64 y = g_ascii_strtoull (*(const char * const *) b, NULL, 10);

  return x < y ? -1 : x > y;
}

static gboolean
is_chunk_name (const char *name,
               guint      *number)
{
  guint64 n = 0;

  if (!g_ascii_string_to_unsigned (name, 10, 1, 10000, &n, NULL))
    return FALSE;
  *number = (guint) n;
  return TRUE;
}

/* The If header's tagged list, "<uri> (["etag"])": TRUE when it names @rel and its etag is
 * not the current one. No If header, or one about another resource, holds. */
static gboolean
if_header_fails (PdNextcloudServer *self,
                 SoupServerMessage *msg,
                 const char        *rel)
{
  const char *value = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                    "If");
  const char *lt, *gt, *open, *close;
  g_autofree char *uri = NULL;
  g_autofree char *etag = NULL;
  g_autoptr(GUri) parsed = NULL;
  g_autofree char *tagged = NULL;

  if (value == NULL)
    return FALSE;
  lt = strchr (value, '<');
  gt = lt != NULL ? strchr (lt, '>') : NULL;
  open = gt != NULL ? strstr (gt, "([") : NULL;
  close = open != NULL ? strstr (open, "])") : NULL;
  if (close == NULL)
    return TRUE;
  uri = g_strndup (lt + 1, (gsize) (gt - lt - 1));
  etag = g_strndup (open + 2, (gsize) (close - open - 2));
  parsed = g_uri_parse (uri, SOUP_HTTP_URI_FLAGS, NULL);
  if (parsed == NULL || classify (self, g_uri_get_path (parsed), &tagged) != AREA_FILES ||
      !g_str_equal (tagged, rel))
    return FALSE;
  return g_strcmp0 (etag, etag_of (self, rel)) != 0;
}

static void
do_assemble (PdNextcloudServer *self,
             SoupServerMessage *msg,
             const char        *id,
             const char        *folder)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *total = soup_message_headers_get_one (headers, "OC-Total-Length");
  const char *mtime = soup_message_headers_get_one (headers, "X-OC-Mtime");
  const char *overwrite = soup_message_headers_get_one (headers, "Overwrite");
  const char *wanted = g_hash_table_lookup (self->destinations, id);
  g_autofree char *dest = destination_of (self, msg);
  g_autofree char *dest_path = NULL;
  g_autofree char *tmp = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GString) data = g_string_new (NULL);
  const char *name;
  gboolean existed;
  gsize min_chunk;

  if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
    {
      answer (msg, SOUP_STATUS_NOT_FOUND);
      return;
    }
  if (dest == NULL || wanted == NULL || !g_str_equal (dest, wanted))
    {
      answer (msg, SOUP_STATUS_BAD_REQUEST);
      return;
    }
  dest_path = disk_path (self, AREA_FILES, dest);
  existed = g_file_test (dest_path, G_FILE_TEST_EXISTS);
  if (!parent_exists (dest_path))
    {
      answer (msg, SOUP_STATUS_CONFLICT);
      return;
    }
  if (g_file_test (dest_path, G_FILE_TEST_IS_DIR))
    {
      answer (msg, SOUP_STATUS_METHOD_NOT_ALLOWED);
      return;
    }
  if ((existed && g_strcmp0 (overwrite, "F") == 0) || if_header_fails (self, msg, dest))
    {
      answer (msg, SOUP_STATUS_PRECONDITION_FAILED);
      return;
    }

  dir = g_dir_open (folder, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_chunk_names);
  g_mutex_lock (&self->lock);
  min_chunk = self->min_chunk;
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (folder, names->pdata[i], NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (!g_file_get_contents (path, &contents, &len, NULL))
        {
          answer (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR);
          return;
        }
      if (i + 1 < names->len && len < min_chunk)
        {
          answer (msg, SOUP_STATUS_BAD_REQUEST);
          return;
        }
      g_string_append_len (data, contents, (gssize) len);
    }
  if (total != NULL && g_ascii_strtoull (total, NULL, 10) != data->len)
    {
      answer (msg, SOUP_STATUS_BAD_REQUEST);
      return;
    }

  /* Written beside the target and renamed: the file appears complete or not at all. */
  tmp = g_strconcat (dest_path, ".assembling", NULL);
  if (!g_file_set_contents (tmp, data->str, (gssize) data->len, NULL) ||
      g_rename (tmp, dest_path) != 0)
    {
      answer (msg, SOUP_STATUS_INSUFFICIENT_STORAGE);
      return;
    }
  if (mtime != NULL)
    {
      struct utimbuf times = { .actime = (time_t) g_ascii_strtoll (mtime, NULL, 10),
                               .modtime = (time_t) g_ascii_strtoll (mtime, NULL, 10) };

      utime (dest_path, &times);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "X-OC-MTime",
                                    "accepted");
    }
  if (!existed)
    g_hash_table_remove (self->props, dest);
  {
    const char *etag = new_etag (self, dest);
    SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);

    soup_message_headers_replace (out, "ETag", etag);
    soup_message_headers_replace (out, "OC-ETag", etag);
  }
  remove_tree (folder);
  g_hash_table_remove (self->destinations, id);
  answer (msg, existed ? SOUP_STATUS_NO_CONTENT : SOUP_STATUS_CREATED);
}

static void
handle_uploads (PdNextcloudServer *self,
                SoupServerMessage *msg,
                const char        *method,
                const char        *rel)
{
  g_auto(GStrv) parts = g_strsplit (rel, "/", -1);
  guint n = *rel == '\0' ? 0 : g_strv_length (parts);
  g_autofree char *folder = n > 0 ? disk_path (self, AREA_UPLOADS, parts[0]) : NULL;
  g_autofree char *dest = destination_of (self, msg);
  const char *wanted = n > 0 ? g_hash_table_lookup (self->destinations, parts[0]) : NULL;
  guint number = 0;

  if (n > 2)
    {
      answer (msg, SOUP_STATUS_NOT_FOUND);
      return;
    }
  if (g_str_equal (method, "PROPFIND"))
    {
      g_autofree char *path = disk_path (self, AREA_UPLOADS, rel);

      do_propfind (self, msg, AREA_UPLOADS, rel, path);
      return;
    }
  if (n == 1 && g_str_equal (method, "MKCOL"))
    {
      if (g_file_test (folder, G_FILE_TEST_EXISTS))
        {
          answer (msg, SOUP_STATUS_METHOD_NOT_ALLOWED);
          return;
        }
      if (dest == NULL)
        {
          answer (msg, SOUP_STATUS_BAD_REQUEST);
          return;
        }
      g_mkdir (folder, 0700);
      g_hash_table_replace (self->destinations, g_strdup (parts[0]), g_steal_pointer (&dest));
      answer (msg, SOUP_STATUS_CREATED);
      return;
    }
  if (n == 1 && g_str_equal (method, "DELETE"))
    {
      if (!g_file_test (folder, G_FILE_TEST_EXISTS))
        {
          answer (msg, SOUP_STATUS_NOT_FOUND);
          return;
        }
      remove_tree (folder);
      g_hash_table_remove (self->destinations, parts[0]);
      answer (msg, SOUP_STATUS_NO_CONTENT);
      return;
    }
  if (n == 2 && g_str_equal (method, "PUT") && is_chunk_name (parts[1], &number))
    {
      SoupMessageBody *request = soup_server_message_get_request_body (msg);
      g_autoptr(GBytes) data = soup_message_body_flatten (request);
      g_autofree char *path = g_build_filename (folder, parts[1], NULL);

      /* Cut by got_chunk_cb: when the whole body had already arrived in the socket's buffer,
       * it must still not count as received. */
      if (g_object_get_data (G_OBJECT (msg), "pd-cut") != NULL)
        {
          answer (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR);
          return;
        }
      if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
        {
          answer (msg, SOUP_STATUS_NOT_FOUND);
          return;
        }
      if (dest == NULL || wanted == NULL || !g_str_equal (dest, wanted))
        {
          answer (msg, SOUP_STATUS_BAD_REQUEST);
          return;
        }
      if (!g_file_set_contents (path, g_bytes_get_data (data, NULL),
                                (gssize) g_bytes_get_size (data), NULL))
        {
          answer (msg, SOUP_STATUS_INSUFFICIENT_STORAGE);
          return;
        }
      g_mutex_lock (&self->lock);
      self->chunk_puts[number]++;
      g_mutex_unlock (&self->lock);
      answer (msg, SOUP_STATUS_CREATED);
      return;
    }
  if (n == 2 && g_str_equal (method, "MOVE") && g_str_equal (parts[1], ".file"))
    {
      do_assemble (self, msg, parts[0], folder);
      return;
    }
  /* Chunks cannot be downloaded. */
  answer (msg, n == 2 && g_str_equal (method, "GET") ? SOUP_STATUS_FORBIDDEN
                                                     : SOUP_STATUS_METHOD_NOT_ALLOWED);
}

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  PdNextcloudServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   "Authorization");
  g_autofree char *rel = NULL;
  Area area;

  if (g_strcmp0 (auth, self->authorization) != 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Basic realm=\"Nextcloud\"");
      answer (msg, SOUP_STATUS_UNAUTHORIZED);
      return;
    }
  area = classify (self, g_uri_get_path (soup_server_message_get_uri (msg)), &rel);
  if (area == AREA_FILES)
    {
      g_autofree char *disk = disk_path (self, AREA_FILES, rel);

      handle_files (self, msg, method, rel, disk);
    }
  else if (area == AREA_UPLOADS)
    handle_uploads (self, msg, method, rel);
  else
    answer (msg, SOUP_STATUS_NOT_FOUND);
}

/* The cut knob: counts a chunk PUT's body as it arrives and closes the connection at the
 * chosen byte, as a network that drops does. */
static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  PdNextcloudServer *self = user_data;
  gsize received = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (msg), "pd-received"));
  guint number = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (msg), "pd-chunk"));
  gboolean cut;

  received += g_bytes_get_size (chunk);
  g_object_set_data (G_OBJECT (msg), "pd-received", GSIZE_TO_POINTER (received));
  g_mutex_lock (&self->lock);
  cut = number != 0 && number == self->cut_number && received >= self->cut_after;
  if (cut)
    self->cuts++;
  g_mutex_unlock (&self->lock);
  if (cut)
    {
      g_debug ("nextcloud: cutting the PUT of chunk %u after %" G_GSIZE_FORMAT " bytes", number,
               received);
      g_object_set_data (G_OBJECT (msg), "pd-cut", GUINT_TO_POINTER (TRUE));
      g_socket_shutdown (soup_server_message_get_socket (msg), TRUE, TRUE, NULL);
      g_signal_handlers_disconnect_by_func (msg, got_chunk_cb, user_data);
    }
}

static void
got_headers_cb (SoupServerMessage *msg,
                gpointer           user_data)
{
  PdNextcloudServer *self = user_data;
  g_autofree char *rel = NULL;
  g_auto(GStrv) parts = NULL;
  guint number = 0;

  if (!g_str_equal (soup_server_message_get_method (msg), "PUT") ||
      classify (self, g_uri_get_path (soup_server_message_get_uri (msg)), &rel) != AREA_UPLOADS)
    return;
  parts = g_strsplit (rel, "/", -1);
  if (g_strv_length (parts) != 2 || !is_chunk_name (parts[1], &number))
    return;
  g_object_set_data (G_OBJECT (msg), "pd-chunk", GUINT_TO_POINTER (number));
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), self);
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers_cb), user_data);
}

static gpointer
server_thread (gpointer data)
{
  PdNextcloudServer *self = data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (self->context);
  self->server = soup_server_new ("server-header", "Nextcloud-fixture ", NULL);
  soup_server_add_handler (self->server, "/remote.php/dav", handler_cb, self, NULL);
  g_signal_connect (self->server, "request-started", G_CALLBACK (request_started_cb), self);
  if (!soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("the Nextcloud fixture cannot listen on loopback: %s", error->message);
  uris = soup_server_get_uris (self->server);
  g_mutex_lock (&self->lock);
  self->uri = g_strdup_printf ("http://127.0.0.1:%d%s", g_uri_get_port (uris->data),
                               self->files_prefix);
  self->ready = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (self->loop);

  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

PdNextcloudServer *
pd_nextcloud_server_new (const char *user,
                         const char *password)
{
  PdNextcloudServer *self = g_new0 (PdNextcloudServer, 1);
  g_autofree char *credentials = g_strdup_printf ("%s:%s", user, password);
  g_autofree char *encoded = g_base64_encode ((const guchar *) credentials, strlen (credentials));
  g_autoptr(GError) error = NULL;

  self->user = g_strdup (user);
  self->authorization = g_strconcat ("Basic ", encoded, NULL);
  self->dir = g_dir_make_tmp ("pd-nextcloud-XXXXXX", &error);
  g_assert_no_error (error);
  self->files = g_build_filename (self->dir, "files", NULL);
  self->uploads = g_build_filename (self->dir, "uploads", NULL);
  g_mkdir (self->files, 0700);
  g_mkdir (self->uploads, 0700);
  self->files_prefix = g_strdup_printf ("/remote.php/dav/files/%s/", user);
  self->uploads_prefix = g_strdup_printf ("/remote.php/dav/uploads/%s/", user);
  self->etags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->props = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_hash_table_unref);
  self->destinations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->min_chunk = NEXTCLOUD_MIN_CHUNK;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("pd-nextcloud-server", server_thread, self);

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
pd_nextcloud_server_free (PdNextcloudServer *self)
{
  if (self == NULL)
    return;
  g_main_context_invoke (self->context, quit_cb, self->loop);
  g_thread_join (self->thread);
  remove_tree (self->dir);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_hash_table_unref (self->etags);
  g_hash_table_unref (self->props);
  g_hash_table_unref (self->destinations);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self->user);
  g_free (self->authorization);
  g_free (self->dir);
  g_free (self->files);
  g_free (self->uploads);
  g_free (self->uri);
  g_free (self->files_prefix);
  g_free (self->uploads_prefix);
  g_free (self);
}

const char *
pd_nextcloud_server_get_uri (PdNextcloudServer *self)
{
  return self->uri;
}

const char *
pd_nextcloud_server_get_root (PdNextcloudServer *self)
{
  return self->files;
}

guint
pd_nextcloud_server_count_chunk_puts (PdNextcloudServer *self,
                                      guint              number)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  guint count = 0;

  g_return_val_if_fail (number <= 10000, 0);
  if (number != 0)
    return self->chunk_puts[number];
  for (guint i = 1; i <= 10000; i++)
    count += self->chunk_puts[i];
  return count;
}

guint
pd_nextcloud_server_count_file_puts (PdNextcloudServer *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return self->file_puts;
}

guint
pd_nextcloud_server_count_uploads (PdNextcloudServer *self)
{
  g_autoptr(GDir) dir = g_dir_open (self->uploads, 0, NULL);
  guint count = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    count++;
  return count;
}

void
pd_nextcloud_server_cut_chunk (PdNextcloudServer *self,
                               guint              number,
                               gsize              after_bytes)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  self->cut_number = number;
  self->cut_after = after_bytes;
}

guint
pd_nextcloud_server_count_cuts (PdNextcloudServer *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return self->cuts;
}

void
pd_nextcloud_server_set_min_chunk (PdNextcloudServer *self,
                                   gsize              min_bytes)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  self->min_chunk = min_bytes;
}
