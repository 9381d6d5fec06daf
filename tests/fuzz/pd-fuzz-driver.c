/* pd-fuzz-driver.c: runs a harness over its seed corpus without libFuzzer. Each file of the
 * folder named by PD_FUZZ_CORPUS_DIR (set by meson) becomes one GTest case, so a file that
 * makes a parser crash, leak or read out of bounds fails by name. Files given on the command
 * line are run instead of the corpus: that is how a crash file from a fuzzing run is replayed
 * in the gcc build ("fuzz-naming-corpus crash-1234"). */
#include <string.h>

#include "pd-fuzz.h"

static void
run_file (gconstpointer user_data)
{
  const char *path = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  /* Every harness returns 0; anything else is a harness bug, not an input problem. */
  g_assert_cmpint (LLVMFuzzerTestOneInput ((const uint8_t *) contents, len), ==, 0);
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  /* g_ptr_array_sort () hands over pointers to the elements. */
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
add_file (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *test_path = g_strdup_printf ("/fuzz/%s/%s", PD_FUZZ_NAME, base);

  g_test_add_data_func_full (test_path, g_strdup (path), run_file, g_free);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (argc > 1)
    {
      for (int i = 1; i < argc; i++)
        add_file (argv[i]);
    }
  else
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GDir) dir = g_dir_open (PD_FUZZ_CORPUS_DIR, 0, &error);
      const char *name;

      g_assert_no_error (error);
      while ((name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_build_filename (PD_FUZZ_CORPUS_DIR, name, NULL));
      /* An empty corpus would make this test pass without running anything. */
      g_assert_cmpuint (names->len, >, 0);
      /* Directory order is the file system's: sort, so test numbers are stable. */
      g_ptr_array_sort (names, compare_paths);
      for (guint i = 0; i < names->len; i++)
        add_file (g_ptr_array_index (names, i));
    }

  return g_test_run ();
}
