/* pd-test-webdav.c: starts and stops the Apache WebDAV fixture (see pd-test-webdav.h) through
 * tests/fixtures/webdav/webdav-server.sh, so tests and people start it the same way. Apache runs
 * in the foreground as a child of the test, and gets SIGTERM if the test dies first. */
#define G_LOG_DOMAIN "pd-test"

#include "pd-test-webdav.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

struct _PdTestWebdav {
  GPid  pid;   /* bash, then (exec) the Apache parent in the foreground */
  char *dir;
  char *uri;
  char *root;
};

guint16
pd_test_free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (socket);
  if (!g_socket_bind (socket, any, FALSE, &error))
    g_error ("cannot bind a loopback port: %s", error->message);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
die_with_parent (gpointer user_data)
{
  /* Its own process group: stopping, Apache signals its whole group, which would otherwise
   * include the test and whatever ran it. */
  setsid ();
  /* A test that aborts must not leave a web server behind. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static char *
script_path (void)
{
  return g_build_filename (PD_TEST_WEBDAV_FIXTURE, "webdav-server.sh", NULL);
}

static gboolean
port_answers (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection =
    g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);

  return connection != NULL;
}

static PdTestWebdav *
start_full (guint64     body_limit,
            const char *cert_file,
            const char *key_file)
{
  PdTestWebdav *server = g_new0 (PdTestWebdav, 1);
  g_auto(GStrv) envp = g_get_environ ();
  g_autofree char *limit = g_strdup_printf ("%" G_GUINT64_FORMAT, body_limit);
  g_autofree char *script = script_path ();
  g_autoptr(GError) error = NULL;

  /* In /tmp itself, not the test's private folder: Apache's children run as nobody when the
   * tests run as root, and must reach the data. */
  server->dir = g_dir_make_tmp ("pd-webdav-XXXXXX", &error);
  g_assert_no_error (error);
  if (cert_file != NULL)
    {
      envp = g_environ_setenv (envp, "PD_WEBDAV_TLS_CERT", cert_file, TRUE);
      envp = g_environ_setenv (envp, "PD_WEBDAV_TLS_KEY", key_file, TRUE);
    }

  /* A port found free can be taken before Apache binds it: try a few. */
  for (guint attempt = 0; attempt < 3; attempt++)
    {
      guint16 port = pd_test_free_port ();
      g_autofree char *port_str = g_strdup_printf ("%u", port);
      const char *argv[] = { "bash", script, "run", server->dir, port_str, PD_TEST_WEBDAV_USER,
                             PD_TEST_WEBDAV_PASSWORD, limit, NULL };
      g_autofree char *log = g_build_filename (server->dir, "logs", "error.log", NULL);
      g_autofree char *log_text = NULL;
      gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
      int status;

      if (!g_spawn_async (NULL, (char **) argv, envp,
                          G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, die_with_parent, NULL,
                          &server->pid, &error))
        g_error ("Could not run %s: %s", script, error->message);

      while (g_get_monotonic_time () < deadline)
        {
          if (port_answers (port))
            {
              server->uri = g_strdup_printf ("%s://127.0.0.1:%u/dav/",
                                             cert_file != NULL ? "https" : "http", port);
              server->root = g_build_filename (server->dir, "dav", NULL);
              g_test_message ("WebDAV fixture at %s (files in %s)", server->uri, server->root);
              return server;
            }
          /* Exited already: apache2 missing, or the port was taken. */
          if (waitpid (server->pid, &status, WNOHANG) == server->pid)
            break;
          g_usleep (50 * 1000);
        }
      kill (server->pid, SIGTERM);
      waitpid (server->pid, NULL, 0);
      g_file_get_contents (log, &log_text, NULL, NULL);
      if (attempt == 2)
        g_error ("The Apache WebDAV fixture did not start. Install apache2 and apache2-utils "
                 "(Debian/Ubuntu); the script's own message is above. Apache's log:\n%s",
                 log_text != NULL ? log_text : "(none)");
    }
  g_assert_not_reached ();
}

PdTestWebdav *
pd_test_webdav_start (guint64 body_limit)
{
  return start_full (body_limit, NULL, NULL);
}

PdTestWebdav *
pd_test_webdav_start_tls (guint64     body_limit,
                          const char *cert_file,
                          const char *key_file)
{
  g_return_val_if_fail (cert_file != NULL && key_file != NULL, NULL);
  return start_full (body_limit, cert_file, key_file);
}

void
pd_test_webdav_stop (PdTestWebdav *server)
{
  const char *argv[] = { "rm", "-rf", server->dir, NULL };

  /* SIGTERM makes the Apache parent stop its children and exit. */
  kill (server->pid, SIGTERM);
  waitpid (server->pid, NULL, 0);
  g_spawn_close_pid (server->pid);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                NULL);
  g_free (server->dir);
  g_free (server->uri);
  g_free (server->root);
  g_free (server);
}

const char *
pd_test_webdav_get_uri (PdTestWebdav *server)
{
  return server->uri;
}

const char *
pd_test_webdav_get_root (PdTestWebdav *server)
{
  return server->root;
}

/* A self-signed certificate for 127.0.0.1, made with openssl in the test's config dir. */
void
pd_test_make_certificate (const char  *name,
                          char       **cert_file,
                          char       **key_file)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "tls", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_mkdir_with_parents (dir, 0700);
  *cert_file = g_strdup_printf ("%s/%s.crt", dir, name);
  *key_file = g_strdup_printf ("%s/%s.key", dir, name);
  {
    const char *argv[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                           "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                           "-keyout", *key_file, "-out", *cert_file, NULL };

    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH |
                       G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err, &status, &error))
      g_error ("Could not run openssl to make a test certificate (install openssl): %s",
               error->message);
    if (!g_spawn_check_wait_status (status, &error))
      g_error ("openssl could not make a test certificate: %s", err);
  }
}
