/* pd-bench-sync.c: the sync benchmark's queueing half (bench-sync.sh drives it).
 *   queue LIBRARY PDF N DESTINATION
 *       N ready documents in LIBRARY, each a copy of PDF made unique by a trailing comment (so no
 *       server or tool can win by noticing identical bodies), each going to DESTINATION
 *       ("ACCOUNT:FOLDER", the account already added with paperdock-cli accounts add); the
 *       copies are also written to LIBRARY/../bench-files/ so the other tools send the very same
 *       bytes.
 * Scanning 200 pages through OCR only to have something to send would measure the pipeline, not
 * sync: this puts the documents straight into the state the pipeline leaves them in. It is a
 * command, not a test: it fails only when it cannot set the benchmark up. */
#define G_LOG_DOMAIN "pd-bench"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "pd-library.h"
#include "pd-library-sync.h"

static gboolean
queue_one (PdLibrary   *library,
           const char  *body,
           gsize        length,
           guint        index,
           const char  *copies_dir,
           const char  *destination,
           GError     **error)
{
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(GString) data = g_string_new_len (body, (gssize) length);
  g_autofree char *name = g_strdup_printf ("Bench %03u", index);
  g_autofree char *file = g_strdup_printf ("bench-%03u.pdf", index);
  g_autofree char *pdf = g_build_filename (pd_library_get_documents_dir (library), file, NULL);
  g_autofree char *copy = g_build_filename (copies_dir, file, NULL);

  /* A comment after %%EOF: every reader ignores it, every byte-level comparison sees it. */
  g_string_append_printf (data, "%%pd-bench-sync copy %u %08x\n", index, g_random_int ());
  if (!g_file_set_contents (pdf, data->str, (gssize) data->len, error) ||
      !g_file_set_contents (copy, data->str, (gssize) data->len, error))
    return FALSE;

  document = pd_library_create_document (library, name, NULL, PD_SCAN_MODE_TEXT, "eng", error);
  if (document == NULL)
    return FALSE;
  return pd_library_transition (library, document->id, PD_DOC_STATE_CAPTURING,
                                PD_DOC_STATE_PROCESSING, "processing", NULL, error) &&
         pd_library_set_document_ready (library, document->id, pdf, error) &&
         pd_library_set_document_destination (library, document->id, destination, error);
}

static int
cmd_queue (const char *dir,
           const char *source,
           const char *count,
           const char *destination)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PdLibrary) library = NULL;
  g_autofree char *body = NULL;
  g_autofree char *parent = g_path_get_dirname (dir);
  g_autofree char *copies_dir = g_build_filename (parent, "bench-files", NULL);
  gsize length = 0;
  guint n = (guint) strtoul (count, NULL, 10);

  if (n == 0)
    {
      g_printerr ("pd-bench-sync: “%s” is not a number of documents.\n", count);
      return 2;
    }
  if (!g_file_get_contents (source, &body, &length, &error))
    goto fail;
  if (g_mkdir_with_parents (copies_dir, 0700) != 0)
    {
      g_printerr ("pd-bench-sync: could not create “%s”.\n", copies_dir);
      return 1;
    }
  library = pd_library_open (dir, &error);
  if (library == NULL)
    goto fail;
  for (guint i = 1; i <= n; i++)
    if (!queue_one (library, body, length, i, copies_dir, destination, &error))
      goto fail;
  g_print ("%u\n", pd_library_count_sync_pending (library, 10, NULL));
  return 0;

fail:
  g_printerr ("pd-bench-sync: %s\n", error->message);
  return 1;
}

int
main (int    argc,
      char **argv)
{
  if (argc == 6 && strcmp (argv[1], "queue") == 0)
    return cmd_queue (argv[2], argv[3], argv[4], argv[5]);
  g_printerr ("Usage: pd-bench-sync queue LIBRARY PDF N ACCOUNT:FOLDER\n");
  return 2;
}
