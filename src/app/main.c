/* main.c: the paperdock executable. Sets up the process environment before any library can
 * read it, then hands over to PdApplication. */
#define G_LOG_DOMAIN "pd-app"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "pd-application.h"
#include "pd-paths.h"
#include "pd-scanner.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PdApplication) app = NULL;

  /* Must come first: it may re-exec the process so that OMP_THREAD_LIMIT is set before
   * tesseract's OpenMP runtime loads. */
  pd_process_prepare (argc, argv);
  pd_capture_prepare_environment ();

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, PD_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = pd_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
