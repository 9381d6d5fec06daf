/* pd-app-open.c: plain copies of sealed documents for other applications (see
 * pd-app-open.h). */
#define G_LOG_DOMAIN "pd-app"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "pd-app-open.h"
#include "pd-vault.h"

static char *
dup_base_dir (void)
{
  return g_build_filename (g_get_user_runtime_dir (), "paperdock", NULL);
}

char *
pd_app_open_dup_dir (void)
{
  g_autofree char *base = dup_base_dir ();
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());

  return g_build_filename (base, pid, NULL);
}

/* Creates @path as a folder only its owner may enter, also when it already existed wider. */
static gboolean
make_private_dir (const char  *path,
                  GError     **error)
{
  int saved_errno;

  if (g_mkdir_with_parents (path, 0700) == 0 && g_chmod (path, 0700) == 0)
    return TRUE;
  saved_errno = errno;
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               _("Could not make the private folder “%s” for opened documents: %s"),
               path, g_strerror (saved_errno));
  return FALSE;
}

/* A name a file system takes: no folder separators, no hidden file, not empty. */
static char *
dup_file_name (const char *name)
{
  g_autoptr(GString) safe = g_string_new (name != NULL ? name : "");

  g_string_replace (safe, "/", "-", 0);
  while (safe->len > 0 && safe->str[0] == '.')
    g_string_erase (safe, 0, 1);
  if (safe->len == 0)
    g_string_assign (safe, _("Document"));
  /* Long names are cut on a character, not a byte. */
  if (safe->len > 200)
    {
      const char *end = g_utf8_find_prev_char (safe->str, safe->str + 200);

      g_string_truncate (safe, end != NULL ? (gsize) (end - safe->str) : 200);
    }
  g_string_append (safe, ".pdf");
  return g_string_free (g_steal_pointer (&safe), FALSE);
}

char *
pd_app_open_decrypt (const char  *pdf_path,
                     gint64       document_id,
                     const char  *name,
                     GError     **error)
{
  g_autofree char *base = dup_base_dir ();
  g_autofree char *own = pd_app_open_dup_dir ();
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, document_id);
  g_autofree char *dir = g_build_filename (own, id, NULL);
  g_autofree char *file_name = dup_file_name (name);
  g_autofree char *path = g_build_filename (dir, file_name, NULL);

  g_return_val_if_fail (pdf_path != NULL, NULL);

  /* Every level private: the plain text must not be readable by anyone else on the machine. */
  if (!make_private_dir (base, error) || !make_private_dir (own, error) ||
      !make_private_dir (dir, error))
    return NULL;
  /* Written through a 0600 temporary file and renamed: a viewer never sees half a PDF. */
  if (!pd_vault_export_file (NULL, pdf_path, path, error))
    return NULL;
  if (g_chmod (path, 0600) != 0)
    {
      int saved_errno = errno;

      g_unlink (path);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not make “%s” private: %s"), path, g_strerror (saved_errno));
      return NULL;
    }
  return g_steal_pointer (&path);
}

/* rm -r, for the few files and folders this module makes; never follows a link. */
static void
remove_tree (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      if (g_rmdir (path) != 0)
        g_debug ("Could not remove %s: %s", path, g_strerror (errno));
    }
  else if (g_unlink (path) != 0)
    g_debug ("Could not remove %s: %s", path, g_strerror (errno));
}

void
pd_app_open_remove_own (void)
{
  g_autofree char *own = pd_app_open_dup_dir ();

  remove_tree (own);
}

void
pd_app_open_remove_stale (void)
{
  g_autofree char *base = dup_base_dir ();
  g_autoptr(GDir) dir = g_dir_open (base, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (base, name, NULL);
      guint64 pid = 0;

      /* Only folders named after a process; a live one is another Paperdock's (or, after a
       * reuse of its number, harmlessly kept until that process ends). */
      if (!g_ascii_string_to_unsigned (name, 10, 1, G_MAXINT, &pid, NULL) ||
          (pid_t) pid == getpid ())
        continue;
      if (kill ((pid_t) pid, 0) == 0 || errno != ESRCH)
        continue;
      g_debug ("Removing documents left open by process %s", name);
      remove_tree (path);
    }
}
