/* pd-webdav-xml.c: WebDAV answers, parsed (see pd-webdav-xml.h). */
#define G_LOG_DOMAIN "pd-sync"

#include "config.h"

#include <libsoup/soup.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "pd-webdav-xml.h"

/* Apache marks the etag of a file changed within the last second as weak (W/"…") and then
 * strong ("…") once that second has passed, for the very same content. Keeping the weak marker
 * would make an unchanged file look changed; sending it in If-Match could never match. */
char *
_pd_webdav_normalize_etag (const char *etag)
{
  if (etag == NULL)
    return NULL;
  if (g_str_has_prefix (etag, "W/"))
    etag += 2;
  return g_strdup (etag);
}

/* XML */

static gboolean
node_is (xmlNode    *node,
         const char *ns,
         const char *name)
{
  return node->type == XML_ELEMENT_NODE && node->ns != NULL && node->ns->href != NULL &&
         strcmp ((const char *) node->ns->href, ns) == 0 &&
         strcmp ((const char *) node->name, name) == 0;
}

static char *
node_text (xmlNode *node)
{
  xmlChar *content = xmlNodeGetContent (node);
  char *text = g_strdup (content != NULL ? (const char *) content : "");

  xmlFree (content);
  return g_strstrip (text);
}

static guint
status_line_code (xmlNode *node)
{
  g_autofree char *line = node_text (node);
  guint status = 0;

  if (!soup_headers_parse_status_line (line, NULL, &status, NULL))
    return 0;
  return status;
}

static xmlDoc *
parse_xml (const char *data,
           gsize       len)
{
  if (data == NULL || len == 0 || len > G_MAXINT)
    return NULL;
  /* No network, no entity expansion: a hostile server gets no XXE. */
  return xmlReadMemory (data, (int) len, "response.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* Fills @info from the first <response> of a 207 multistatus answer to PROPFIND. */
gboolean
_pd_webdav_parse_propfind (const char   *data,
                           gsize         len,
                           PdRemoteInfo *info,
                           gboolean     *is_collection)
{
  xmlDoc *doc = parse_xml (data, len);
  xmlNode *root = doc != NULL ? xmlDocGetRootElement (doc) : NULL;
  xmlNode *response = NULL;

  *is_collection = FALSE;
  if (root == NULL || !node_is (root, PD_WEBDAV_DAV_NS, "multistatus"))
    {
      if (doc != NULL)
        xmlFreeDoc (doc);
      return FALSE;
    }
  for (xmlNode *n = root->children; n != NULL && response == NULL; n = n->next)
    if (node_is (n, PD_WEBDAV_DAV_NS, "response"))
      response = n;

  for (xmlNode *ps = response != NULL ? response->children : NULL; ps != NULL; ps = ps->next)
    {
      xmlNode *prop = NULL;
      guint status = 0;

      if (!node_is (ps, PD_WEBDAV_DAV_NS, "propstat"))
        continue;
      for (xmlNode *c = ps->children; c != NULL; c = c->next)
        {
          if (node_is (c, PD_WEBDAV_DAV_NS, "status"))
            status = status_line_code (c);
          else if (node_is (c, PD_WEBDAV_DAV_NS, "prop"))
            prop = c;
        }
      if (!SOUP_STATUS_IS_SUCCESSFUL (status) || prop == NULL)
        continue;

      for (xmlNode *p = prop->children; p != NULL; p = p->next)
        {
          if (p->type != XML_ELEMENT_NODE || p->ns == NULL)
            continue;
          if (node_is (p, PD_WEBDAV_DAV_NS, "getetag"))
            {
              g_autofree char *text = node_text (p);

              g_free (info->etag);
              info->etag = _pd_webdav_normalize_etag (text);
            }
          else if (node_is (p, PD_WEBDAV_DAV_NS, "getcontentlength"))
            {
              g_autofree char *text = node_text (p);

              info->size = g_ascii_strtoull (text, NULL, 10);
            }
          else if (node_is (p, PD_WEBDAV_DAV_NS, "getlastmodified"))
            {
              g_autofree char *text = node_text (p);
              g_autoptr(GDateTime) dt = soup_date_time_new_from_http_string (text);

              if (dt != NULL)
                info->modified = g_date_time_to_unix (dt);
            }
          else if (node_is (p, PD_WEBDAV_DAV_NS, "resourcetype"))
            {
              for (xmlNode *t = p->children; t != NULL; t = t->next)
                if (node_is (t, PD_WEBDAV_DAV_NS, "collection"))
                  *is_collection = TRUE;
            }
          else if (strcmp ((const char *) p->ns->href, PD_WEBDAV_PD_NS) == 0)
            g_hash_table_insert (info->metadata, g_strdup ((const char *) p->name), node_text (p));
        }
    }

  info->exists = response != NULL;
  xmlFreeDoc (doc);
  return response != NULL;
}

gboolean
_pd_webdav_parse_proppatch (const char *data,
                            gsize       len,
                            guint      *failed_status)
{
  xmlDoc *doc = parse_xml (data, len);
  xmlNode *root = doc != NULL ? xmlDocGetRootElement (doc) : NULL;
  GQueue todo = G_QUEUE_INIT;
  guint failed = 0;

  if (root == NULL || !node_is (root, PD_WEBDAV_DAV_NS, "multistatus"))
    {
      if (doc != NULL)
        xmlFreeDoc (doc);
      return FALSE;
    }
  /* Every <status> anywhere in the answer must be a success: PROPPATCH is all or nothing. */
  g_queue_push_tail (&todo, root);
  while (!g_queue_is_empty (&todo))
    {
      xmlNode *n = g_queue_pop_head (&todo);

      for (xmlNode *c = n->children; c != NULL; c = c->next)
        {
          if (node_is (c, PD_WEBDAV_DAV_NS, "status"))
            {
              guint status = status_line_code (c);

              if (!SOUP_STATUS_IS_SUCCESSFUL (status))
                failed = status;
            }
          else if (c->type == XML_ELEMENT_NODE)
            g_queue_push_tail (&todo, c);
        }
    }
  xmlFreeDoc (doc);
  *failed_status = failed;
  return TRUE;
}

gboolean
_pd_webdav_parse_listing (const char *data,
                          gsize       len,
                          GHashTable *sizes)
{
  xmlDoc *doc = parse_xml (data, len);
  xmlNode *root = doc != NULL ? xmlDocGetRootElement (doc) : NULL;

  if (root == NULL || !node_is (root, PD_WEBDAV_DAV_NS, "multistatus"))
    {
      if (doc != NULL)
        xmlFreeDoc (doc);
      return FALSE;
    }
  for (xmlNode *r = root->children; r != NULL; r = r->next)
    {
      g_autofree char *href = NULL;
      gboolean collection = FALSE;
      gboolean has_length = FALSE;
      guint64 length = 0;

      if (!node_is (r, PD_WEBDAV_DAV_NS, "response"))
        continue;
      for (xmlNode *c = r->children; c != NULL; c = c->next)
        {
          xmlNode *prop = NULL;
          guint status = 0;

          if (node_is (c, PD_WEBDAV_DAV_NS, "href"))
            {
              g_free (href);
              href = node_text (c);
              continue;
            }
          if (!node_is (c, PD_WEBDAV_DAV_NS, "propstat"))
            continue;
          for (xmlNode *s = c->children; s != NULL; s = s->next)
            {
              if (node_is (s, PD_WEBDAV_DAV_NS, "status"))
                status = status_line_code (s);
              else if (node_is (s, PD_WEBDAV_DAV_NS, "prop"))
                prop = s;
            }
          if (!SOUP_STATUS_IS_SUCCESSFUL (status) || prop == NULL)
            continue;
          for (xmlNode *p = prop->children; p != NULL; p = p->next)
            {
              if (node_is (p, PD_WEBDAV_DAV_NS, "getcontentlength"))
                {
                  g_autofree char *text = node_text (p);

                  length = g_ascii_strtoull (text, NULL, 10);
                  has_length = TRUE;
                }
              else if (node_is (p, PD_WEBDAV_DAV_NS, "resourcetype"))
                {
                  for (xmlNode *t = p->children; t != NULL; t = t->next)
                    if (node_is (t, PD_WEBDAV_DAV_NS, "collection"))
                      collection = TRUE;
                }
            }
        }
      if (href != NULL && !collection && has_length)
        {
          /* The member's name is the last segment of its href, which may be a full URL. */
          char *end = href + strlen (href);
          char *slash;
          g_autofree char *name = NULL;

          while (end > href && end[-1] == '/')
            *--end = '\0';
          slash = strrchr (href, '/');
          name = g_uri_unescape_string (slash != NULL ? slash + 1 : href, NULL);
          if (name != NULL && *name != '\0')
            g_hash_table_replace (sizes, g_steal_pointer (&name),
                                  g_memdup2 (&length, sizeof length));
        }
    }
  xmlFreeDoc (doc);
  return TRUE;
}
