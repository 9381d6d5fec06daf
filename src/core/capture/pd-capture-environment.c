/* pd-capture-environment.c: the SANE configuration Paperdock runs with. Debian ships the `test`
 * and `pnm` backends commented out of dll.conf, but the demo scanner is the pnm backend, so
 * each executable points SANE at a private config dir that adds them while still searching the
 * system's own backend configs. It must run before any thread starts: SANE reads the variable
 * once, and setenv is not thread-safe. */
#define G_LOG_DOMAIN "pd-capture"

#include "config.h"

#include <string.h>

#include "pd-fs.h"
#include "pd-paths.h"
#include "pd-scanner.h"

#define SYSTEM_DLL_CONF "/etc/sane.d/dll.conf"

static gboolean
has_active_line (const char *contents,
                 const char *backend)
{
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (strcmp (g_strstrip (lines[i]), backend) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
write_config (const char  *dir,
              GError     **error)
{
  static const char *const extra_backends[] = { "pnm", "test", NULL };
  g_autofree char *system_dll = NULL;
  g_autofree char *dll_path = g_build_filename (dir, "dll.conf", NULL);
  g_autofree char *test_src = g_build_filename (pd_paths_get_data_dir (), "sane", "test.conf", NULL);
  g_autofree char *test_dst = g_build_filename (dir, "test.conf", NULL);
  g_autofree char *test_conf = NULL;
  g_autoptr(GString) dll = g_string_new ("# Written by Paperdock: the system's backends plus "
                                         "the ones its demo scanner needs.\n");
  gsize test_len = 0;

  if (!pd_fs_ensure_private_dir (dir, error))
    return FALSE;

  if (g_file_get_contents (SYSTEM_DLL_CONF, &system_dll, NULL, NULL))
    g_string_append (dll, system_dll);
  if (dll->len > 0 && dll->str[dll->len - 1] != '\n')
    g_string_append_c (dll, '\n');
  for (guint i = 0; extra_backends[i] != NULL; i++)
    if (system_dll == NULL || !has_active_line (system_dll, extra_backends[i]))
      g_string_append_printf (dll, "%s\n", extra_backends[i]);
  if (!pd_fs_write_durable (dll_path, dll->str, dll->len, error))
    return FALSE;

  /* Without it the test backend's pages are 80 x 100 mm; ours says A4. */
  if (g_file_get_contents (test_src, &test_conf, &test_len, NULL)
      && !pd_fs_write_durable (test_dst, test_conf, test_len, error))
    return FALSE;
  return TRUE;
}

void
pd_capture_prepare_environment (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *value = NULL;
  g_autoptr(GError) error = NULL;

  /* Tests and people who know better set it themselves. */
  if (g_getenv ("SANE_CONFIG_DIR") != NULL)
    return;

  dir = g_build_filename (g_get_user_runtime_dir (), "paperdock", "sane", NULL);
  if (!write_config (dir, &error))
    {
      g_warning ("Could not prepare the scanner configuration, the demo scanner may be "
                 "missing: %s", error->message);
      return;
    }
  /* The trailing colon keeps the system's config dirs in the search path after ours. */
  value = g_strconcat (dir, ":", NULL);
  g_setenv ("SANE_CONFIG_DIR", value, TRUE);
  g_debug ("SANE_CONFIG_DIR=%s", value);
}
