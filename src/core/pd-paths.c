/* pd-paths.c: data and library locations, and the environment the process must have before
 * any library loads (tesseract's OpenMP reads OMP_THREAD_LIMIT when libgomp is loaded, so the
 * variable is set by re-executing ourselves, not by setenv() later), and how it uses malloc. */
#define G_LOG_DOMAIN "pd-core"

#include "config.h"

#include "pd-paths.h"

#include <errno.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The build tree puts the executables in build/src/<x>/ and the generated data in build/data/,
 * so an uninstalled binary finds its data two folders up. The marker file is written by
 * data/meson.build. */
static char *
find_uninstalled_data_dir (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = NULL;
  g_autofree char *candidate = NULL;
  g_autofree char *marker = NULL;

  if (exe == NULL)
    return NULL;
  dir = g_path_get_dirname (exe);
  for (guint up = 0; up < 3; up++)
    {
      g_autofree char *parent = NULL;

      candidate = g_build_filename (dir, "data", NULL);
      marker = g_build_filename (candidate, "paperdock-uninstalled", NULL);
      if (g_file_test (marker, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&candidate);
      g_clear_pointer (&candidate, g_free);
      g_clear_pointer (&marker, g_free);
      parent = g_path_get_dirname (dir);
      g_free (dir);
      dir = g_steal_pointer (&parent);
    }
  return NULL;
}

const char *
pd_paths_get_data_dir (void)
{
  static gsize data_dir_once;
  static char *data_dir;

  if (g_once_init_enter (&data_dir_once))
    {
      const char *env = g_getenv ("PAPERDOCK_DATA_DIR");
      char *dir = NULL;

      if (env != NULL && *env != '\0')
        dir = g_strdup (env);
      else
        dir = find_uninstalled_data_dir ();
      if (dir == NULL)
        dir = g_strdup (PD_PKGDATADIR);
      data_dir = dir;
      g_once_init_leave (&data_dir_once, 1);
    }
  return data_dir;
}

char *
pd_paths_dup_default_library_dir (void)
{
  const char *env = g_getenv ("PAPERDOCK_LIBRARY");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  return g_build_filename (g_get_user_data_dir (), "paperdock", NULL);
}

void
pd_process_prepare (int    argc,
                    char **argv)
{
#ifdef HAVE_MALLOC_TRIM
  /* glibc raises its mmap threshold to the largest block freed so far (up to 32 MiB), after
   * which every 9 MB page image comes from a thread's arena and the arenas fragment. A fixed
   * 1 MiB threshold gives every image back the moment it is freed: with the pipeline's
   * malloc_trim() per page, a 500-page batch peaks at 363 MiB instead of 390 MiB, a 40-page one
   * at 250-360 MiB instead of 377-383 MiB (tests/bench/bench-scale.sh). */
  if (g_getenv ("MALLOC_MMAP_THRESHOLD_") == NULL)
    mallopt (M_MMAP_THRESHOLD, 1024 * 1024);
#endif

  /* One recognizer per worker thread is the parallelism; tesseract's own OpenMP threads on top
   * of that make a page 5-10x slower on a small machine. */
  if (g_getenv ("OMP_THREAD_LIMIT") == NULL)
    {
      g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);

      g_setenv ("OMP_THREAD_LIMIT", "1", TRUE);
      if (exe != NULL)
        {
          g_debug ("Restarting with OMP_THREAD_LIMIT=1 so that tesseract runs one thread per page");
          execv (exe, argv);
          g_warning ("Could not restart with OMP_THREAD_LIMIT=1 (%s); OCR will be slow",
                     g_strerror (errno));
        }
    }
}
