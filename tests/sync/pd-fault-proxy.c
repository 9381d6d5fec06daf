/* pd-fault-proxy.c: the fault-injecting HTTP/1.1 proxy of the sync torture test (see
 * pd-fault-proxy.h). One thread accepts, one thread per client connection serves it with
 * blocking sockets. Each request goes to the server on a connection of its own, marked
 * "Connection: close", so the end of the server's answer is simply the end of that connection
 * and the proxy never has to parse a response body (chunked or not) to forward it byte for
 * byte. Only request bodies with a Content-Length are understood, which is what libsoup sends. */
#define G_LOG_DOMAIN "pd-test"

#include "pd-fault-proxy.h"

#include <gio/gio.h>
#include <string.h>

#define MAX_HEADER_BYTES (64 * 1024)

struct _PdFaultProxy
{
  guint16       port;
  guint16       upstream_port;
  guint32       seed;
  GSocket      *listener;
  GCancellable *cancellable;
  GThread      *accept_thread;

  /* guarded by lock */
  GMutex        lock;
  GCond         idle;           /* signalled when in_flight drops to 0 */
  guint         in_flight;      /* requests read and not answered or dropped yet */
  GPtrArray    *threads;        /* GThread, one per client connection */
  GHashTable   *seen;           /* "METHOD path" -> times seen */
  GString      *log;
  double        rate;
  char        **methods;
  gboolean      enabled[PD_N_FAULTS];
  guint         counts[PD_N_FAULTS];
  guint         requests;
  guint         stall_ms;
  guint         retry_after;
  char         *hold_method;    /* pd_fault_proxy_hold_response (), once */
  guint         hold_ms;
};

const char *
pd_fault_to_string (PdFault fault)
{
  static const char *names[PD_N_FAULTS] = {
    "forwarded", "cut-request", "lose-response", "stall", "delay", "500", "503+retry-after",
    "429+retry-after", "507",
  };

  g_return_val_if_fail (fault < PD_N_FAULTS, NULL);
  return names[fault];
}

/* A client or server connection with what was read from it but not used yet. */
typedef struct {
  GSocket    *socket;
  GByteArray *buffer;
} Conn;

static void
conn_free (Conn *conn)
{
  if (conn == NULL)
    return;
  g_socket_close (conn->socket, NULL);
  g_object_unref (conn->socket);
  g_byte_array_unref (conn->buffer);
  g_free (conn);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Conn, conn_free)

static Conn *
conn_new (GSocket *socket)
{
  Conn *conn = g_new0 (Conn, 1);

  conn->socket = socket;
  conn->buffer = g_byte_array_new ();
  return conn;
}

/* Reads what is available into the buffer; FALSE at end of stream or on an error. */
static gboolean
conn_read_more (Conn         *conn,
                GCancellable *cancellable)
{
  guint8 chunk[16 * 1024];
  gssize n = g_socket_receive (conn->socket, (char *) chunk, sizeof chunk, cancellable, NULL);

  if (n <= 0)
    return FALSE;
  g_byte_array_append (conn->buffer, chunk, (guint) n);
  return TRUE;
}

static gboolean
send_all (GSocket      *socket,
          const void   *data,
          gsize         len,
          GCancellable *cancellable)
{
  const char *p = data;

  while (len > 0)
    {
      gssize n = g_socket_send (socket, p, len, cancellable, NULL);

      if (n <= 0)
        return FALSE;
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* The request head (request line and headers, without the blank line), or NULL at the end. */
static char *
conn_read_head (Conn         *conn,
                GCancellable *cancellable)
{
  for (;;)
    {
      for (guint i = 0; i + 3 < conn->buffer->len; i++)
        if (memcmp (conn->buffer->data + i, "\r\n\r\n", 4) == 0)
          {
            char *head = g_strndup ((const char *) conn->buffer->data, i);

            g_byte_array_remove_range (conn->buffer, 0, i + 4);
            return head;
          }
      if (conn->buffer->len > MAX_HEADER_BYTES || !conn_read_more (conn, cancellable))
        return NULL;
    }
}

/* Waits for the first byte of the next request; FALSE when the connection ends first. A kept-
 * alive connection waiting here is idle, not a request in flight. */
static gboolean
conn_wait_request (Conn         *conn,
                   GCancellable *cancellable)
{
  return conn->buffer->len > 0 || conn_read_more (conn, cancellable);
}

/* Takes @len bytes of body from the connection, or NULL if it ends first. */
static GBytes *
conn_read_body (Conn         *conn,
                gsize         len,
                GCancellable *cancellable)
{
  GBytes *body;

  while (conn->buffer->len < len)
    if (!conn_read_more (conn, cancellable))
      return NULL;
  body = g_bytes_new (conn->buffer->data, len);
  g_byte_array_remove_range (conn->buffer, 0, (guint) len);
  return body;
}

static void
wait_ms (PdFaultProxy *proxy,
         guint         ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end && !g_cancellable_is_cancelled (proxy->cancellable))
    g_usleep (10 * 1000);
}

static PdFault
choose_fault (PdFaultProxy *proxy,
              const char   *method,
              const char   *path)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&proxy->lock);
  g_autofree char *key = g_strdup_printf ("%s %s", method, path);
  guint seen = GPOINTER_TO_UINT (g_hash_table_lookup (proxy->seen, key));
  g_autoptr(GRand) rand = NULL;
  PdFault enabled[PD_N_FAULTS];
  guint n_enabled = 0;
  PdFault fault = PD_FAULT_NONE;

  g_hash_table_insert (proxy->seen, g_strdup (key), GUINT_TO_POINTER (seen + 1));
  rand = g_rand_new_with_seed (proxy->seed ^ g_str_hash (key) ^ (seen * 0x9E3779B9u));
  for (guint f = PD_FAULT_NONE + 1; f < PD_N_FAULTS; f++)
    if (proxy->enabled[f])
      enabled[n_enabled++] = f;
  if (n_enabled > 0 && g_rand_double (rand) < proxy->rate &&
      (proxy->methods == NULL || g_strv_contains ((const char * const *) proxy->methods, method)))
    fault = enabled[g_rand_int_range (rand, 0, (gint32) n_enabled)];
  proxy->counts[fault]++;
  proxy->requests++;
  return fault;
}

static void
log_request (PdFaultProxy *proxy,
             const char   *method,
             const char   *path,
             PdFault       fault,
             const char   *status)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&proxy->lock);

  g_string_append_printf (proxy->log, "%u %s %s %s%s%s\n", proxy->requests, method, path,
                          pd_fault_to_string (fault), status != NULL ? " " : "",
                          status != NULL ? status : "");
  g_debug ("proxy: %s %s: %s %s", method, path, pd_fault_to_string (fault),
           status != NULL ? status : "");
}

static GSocket *
connect_upstream (PdFaultProxy *proxy)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, proxy->upstream_port);
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);

  if (socket == NULL || !g_socket_connect (socket, address, proxy->cancellable, NULL))
    return NULL;
  return g_steal_pointer (&socket);
}

/* The status line's code, e.g. "201", from the start of an answer. */
static char *
status_of (GByteArray *answer)
{
  const char *p = (const char *) answer->data;

  if (answer->len < 12 || strncmp (p, "HTTP/1.", 7) != 0)
    return g_strdup ("no-answer");
  return g_strndup (p + 9, 3);
}

static gboolean
has_header_value (char      **lines,
                  const char *name,
                  const char *value)
{
  gsize len = strlen (name);

  for (guint i = 1; lines[i] != NULL; i++)
    if (g_ascii_strncasecmp (lines[i], name, len) == 0 && lines[i][len] == ':' &&
        g_ascii_strcasecmp (g_strstrip (lines[i] + len + 1), value) == 0)
      return TRUE;
  return FALSE;
}

/* Serves one request; FALSE when the client connection must end. */
static gboolean
serve_request (PdFaultProxy *proxy,
               Conn         *client)
{
  GCancellable *cancellable = proxy->cancellable;
  g_autofree char *head = conn_read_head (client, cancellable);
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) request_line = NULL;
  g_autoptr(GString) upstream_head = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GByteArray) answer = NULL;
  g_autoptr(Conn) server = NULL;
  g_autofree char *status = NULL;
  guint64 content_length = 0;
  gboolean client_keeps_alive;
  const char *method, *path;
  PdFault fault;
  GSocket *socket;

  if (head == NULL)
    return FALSE;
  lines = g_strsplit (head, "\r\n", -1);
  request_line = g_strsplit (lines[0], " ", 3);
  if (g_strv_length (request_line) != 3)
    return FALSE;
  method = request_line[0];
  path = request_line[1];

  upstream_head = g_string_new (lines[0]);
  g_string_append (upstream_head, "\r\n");
  for (guint i = 1; lines[i] != NULL; i++)
    {
      if (g_ascii_strncasecmp (lines[i], "Content-Length:", 15) == 0)
        content_length = g_ascii_strtoull (lines[i] + 15, NULL, 10);
      else if (g_ascii_strncasecmp (lines[i], "Transfer-Encoding:", 18) == 0)
        {
          g_warning ("proxy: %s %s: chunked request bodies are not supported", method, path);
          return FALSE;
        }
      /* The server's answer ends where its connection ends: see the top of this file. */
      if (g_ascii_strncasecmp (lines[i], "Connection:", 11) == 0 ||
          g_ascii_strncasecmp (lines[i], "Keep-Alive:", 11) == 0)
        continue;
      g_string_append_printf (upstream_head, "%s\r\n", lines[i]);
    }
  g_string_append (upstream_head, "Connection: close\r\n\r\n");
  client_keeps_alive = !has_header_value (lines, "Connection", "close");

  fault = choose_fault (proxy, method, path);

  if (fault == PD_FAULT_CUT_REQUEST)
    {
      /* Half of the body (or of the head, when there is no body) reaches the server. */
      server = (socket = connect_upstream (proxy)) != NULL ? conn_new (socket) : NULL;
      if (server != NULL)
        {
          if (content_length > 0)
            {
              g_autoptr(GBytes) half = conn_read_body (client, content_length / 2, cancellable);

              send_all (server->socket, upstream_head->str, upstream_head->len, cancellable);
              if (half != NULL)
                send_all (server->socket, g_bytes_get_data (half, NULL), g_bytes_get_size (half),
                          cancellable);
            }
          else
            send_all (server->socket, upstream_head->str, upstream_head->len / 2, cancellable);
          /* Give the server the bytes before the connection goes. */
          wait_ms (proxy, 20);
        }
      log_request (proxy, method, path, fault, NULL);
      return FALSE;
    }

  body = conn_read_body (client, content_length, cancellable);
  if (body == NULL)
    return FALSE;

  switch (fault)
    {
    case PD_FAULT_500:
    case PD_FAULT_503_RETRY_AFTER:
    case PD_FAULT_429_RETRY_AFTER:
    case PD_FAULT_507:
      {
        static const char *lines_of[] = {
          [PD_FAULT_500] = "500 Internal Server Error",
          [PD_FAULT_503_RETRY_AFTER] = "503 Service Unavailable",
          [PD_FAULT_429_RETRY_AFTER] = "429 Too Many Requests",
          [PD_FAULT_507] = "507 Insufficient Storage",
        };
        g_autofree char *retry_after = NULL;
        g_autofree char *response = NULL;

        if (fault == PD_FAULT_503_RETRY_AFTER || fault == PD_FAULT_429_RETRY_AFTER)
          retry_after = g_strdup_printf ("Retry-After: %u\r\n", proxy->retry_after);
        response = g_strdup_printf ("HTTP/1.1 %s\r\nContent-Length: 0\r\n%s\r\n", lines_of[fault],
                                    retry_after != NULL ? retry_after : "");
        log_request (proxy, method, path, fault, NULL);
        return send_all (client->socket, response, strlen (response), cancellable) &&
               client_keeps_alive;
      }
    case PD_FAULT_STALL:
      wait_ms (proxy, proxy->stall_ms);
      log_request (proxy, method, path, fault, NULL);
      return FALSE;
    case PD_FAULT_DELAY:
      wait_ms (proxy, proxy->stall_ms);
      break;
    case PD_FAULT_NONE:
    case PD_FAULT_LOSE_RESPONSE:
      break;
    case PD_FAULT_CUT_REQUEST:
    case PD_N_FAULTS:
    default:
      g_assert_not_reached ();
    }

  socket = connect_upstream (proxy);
  if (socket == NULL)
    {
      log_request (proxy, method, path, fault, "upstream-unreachable");
      return FALSE;
    }
  server = conn_new (socket);
  if (!send_all (server->socket, upstream_head->str, upstream_head->len, cancellable) ||
      !send_all (server->socket, g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                 cancellable))
    {
      log_request (proxy, method, path, fault, "upstream-send-failed");
      return FALSE;
    }

  /* The whole answer is read before any of it is passed on: a lost response is then lost only
   * after the server has finished the request. */
  while (conn_read_more (server, cancellable))
    ;
  answer = g_byte_array_ref (server->buffer);
  status = status_of (answer);
  log_request (proxy, method, path, fault, status);
  if (fault == PD_FAULT_LOSE_RESPONSE)
    return FALSE;
  {
    guint hold_ms = 0;

    g_mutex_lock (&proxy->lock);
    if (proxy->hold_method != NULL && g_str_equal (proxy->hold_method, method))
      {
        hold_ms = proxy->hold_ms;
        g_clear_pointer (&proxy->hold_method, g_free);
        g_string_append_printf (proxy->log, "%u %s %s held %u ms\n", proxy->requests, method,
                                path, hold_ms);
      }
    g_mutex_unlock (&proxy->lock);
    if (hold_ms > 0)
      wait_ms (proxy, hold_ms);
  }
  if (!send_all (client->socket, answer->data, answer->len, cancellable))
    return FALSE;
  {
    /* The server's own "Connection: close" is passed on, so the client expects the end. */
    g_autofree char *answer_head = g_strndup ((const char *) answer->data,
                                              MIN (answer->len, MAX_HEADER_BYTES));
    char *end = strstr (answer_head, "\r\n\r\n");
    g_auto(GStrv) answer_lines = NULL;

    if (end != NULL)
      *end = '\0';
    answer_lines = g_strsplit (answer_head, "\r\n", -1);
    if (answer_lines[0] != NULL && has_header_value (answer_lines, "Connection", "close"))
      return FALSE;
  }
  return client_keeps_alive;
}

static void
end_busy (PdFaultProxy *proxy)
{
  g_mutex_lock (&proxy->lock);
  if (--proxy->in_flight == 0)
    g_cond_broadcast (&proxy->idle);
  g_mutex_unlock (&proxy->lock);
}

static gpointer
client_thread (gpointer data)
{
  PdFaultProxy *proxy = g_object_get_data (G_OBJECT (data), "pd-proxy");
  g_autoptr(Conn) client = conn_new (data);
  /* A new connection was counted when it was accepted: its first request is on the way. */
  gboolean busy = TRUE;

  for (;;)
    {
      gboolean more = FALSE;

      if (!g_cancellable_is_cancelled (proxy->cancellable) &&
          conn_wait_request (client, proxy->cancellable))
        {
          if (!busy)
            {
              g_mutex_lock (&proxy->lock);
              proxy->in_flight++;
              g_mutex_unlock (&proxy->lock);
              busy = TRUE;
            }
          more = serve_request (proxy, client);
        }
      if (busy)
        end_busy (proxy);
      busy = FALSE;
      if (!more)
        break;
    }
  return NULL;
}

static gpointer
accept_thread (gpointer data)
{
  PdFaultProxy *proxy = data;

  for (;;)
    {
      GSocket *socket = g_socket_accept (proxy->listener, proxy->cancellable, NULL);
      GThread *thread;

      if (socket == NULL)
        {
          if (g_cancellable_is_cancelled (proxy->cancellable))
            return NULL;
          continue;
        }
      g_socket_set_blocking (socket, TRUE);
      g_object_set_data (G_OBJECT (socket), "pd-proxy", proxy);
      g_mutex_lock (&proxy->lock);
      proxy->in_flight++;
      g_mutex_unlock (&proxy->lock);
      thread = g_thread_new ("pd-fault-proxy-client", client_thread, socket);
      g_mutex_lock (&proxy->lock);
      g_ptr_array_add (proxy->threads, thread);
      g_mutex_unlock (&proxy->lock);
    }
}

PdFaultProxy *
pd_fault_proxy_new (guint16 upstream_port,
                    guint32 seed)
{
  PdFaultProxy *proxy = g_new0 (PdFaultProxy, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  proxy->upstream_port = upstream_port;
  proxy->seed = seed;
  proxy->cancellable = g_cancellable_new ();
  g_mutex_init (&proxy->lock);
  g_cond_init (&proxy->idle);
  proxy->threads = g_ptr_array_new ();
  proxy->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  proxy->log = g_string_new (NULL);
  proxy->stall_ms = 1000;
  proxy->retry_after = 1;
  for (guint f = PD_FAULT_NONE + 1; f < PD_N_FAULTS; f++)
    proxy->enabled[f] = TRUE;

  proxy->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  if (!g_socket_bind (proxy->listener, any, TRUE, &error) ||
      !g_socket_listen (proxy->listener, &error))
    g_error ("the fault proxy cannot listen on loopback: %s", error->message);
  bound = g_socket_get_local_address (proxy->listener, &error);
  g_assert_no_error (error);
  proxy->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  proxy->accept_thread = g_thread_new ("pd-fault-proxy", accept_thread, proxy);
  return proxy;
}

void
pd_fault_proxy_free (PdFaultProxy *proxy)
{
  if (proxy == NULL)
    return;
  /* Every blocking call takes the cancellable, so the threads end promptly. */
  g_cancellable_cancel (proxy->cancellable);
  g_thread_join (proxy->accept_thread);
  for (guint i = 0; i < proxy->threads->len; i++)
    g_thread_join (proxy->threads->pdata[i]);
  g_ptr_array_unref (proxy->threads);
  g_socket_close (proxy->listener, NULL);
  g_object_unref (proxy->listener);
  g_object_unref (proxy->cancellable);
  g_hash_table_unref (proxy->seen);
  g_string_free (proxy->log, TRUE);
  g_strfreev (proxy->methods);
  g_free (proxy->hold_method);
  g_mutex_clear (&proxy->lock);
  g_cond_clear (&proxy->idle);
  g_free (proxy);
}

gboolean
pd_fault_proxy_wait_idle (PdFaultProxy *proxy,
                          guint         timeout_ms)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&proxy->lock);
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (proxy->in_flight > 0)
    if (!g_cond_wait_until (&proxy->idle, &proxy->lock, end))
      return proxy->in_flight == 0;
  return TRUE;
}

guint16
pd_fault_proxy_get_port (PdFaultProxy *proxy)
{
  return proxy->port;
}

void
pd_fault_proxy_set_fault_rate (PdFaultProxy *proxy,
                               double        rate,
                               const char   *methods)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&proxy->lock);

  proxy->rate = rate;
  g_clear_pointer (&proxy->methods, g_strfreev);
  if (methods != NULL)
    proxy->methods = g_strsplit (methods, " ", -1);
}

void
pd_fault_proxy_enable_fault (PdFaultProxy *proxy,
                             PdFault       fault,
                             gboolean      enabled)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&proxy->lock);

  g_return_if_fail (fault > PD_FAULT_NONE && fault < PD_N_FAULTS);
  proxy->enabled[fault] = enabled;
}

void
pd_fault_proxy_set_stall_ms (PdFaultProxy *proxy,
                             guint         stall_ms)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&proxy->lock);

  proxy->stall_ms = stall_ms;
}

void
pd_fault_proxy_set_retry_after (PdFaultProxy *proxy,
                                guint         seconds)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&proxy->lock);

  proxy->retry_after = seconds;
}

guint
pd_fault_proxy_count (PdFaultProxy *proxy,
                      PdFault       fault)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&proxy->lock);

  g_return_val_if_fail (fault < PD_N_FAULTS, 0);
  return proxy->counts[fault];
}

guint
pd_fault_proxy_count_requests (PdFaultProxy *proxy)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&proxy->lock);

  return proxy->requests;
}

char *
pd_fault_proxy_dup_log (PdFaultProxy *proxy)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&proxy->lock);

  return g_strdup (proxy->log->str);
}

void
pd_fault_proxy_hold_response (PdFaultProxy *proxy,
                              const char   *method,
                              guint         hold_ms)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&proxy->lock);

  g_free (proxy->hold_method);
  proxy->hold_method = g_strdup (method);
  proxy->hold_ms = hold_ms;
}
