/* pd-pdf-finish.c: linearizes and encrypts a PDF the writer made, with qpdf's C API (about
 * 11 ms for a 700 KB file). qpdf writes the new file into memory; pd-fs then replaces the old
 * one durably (temporary file, fsync, rename), so a crash leaves either the unfinished PDF or
 * the finished one. A PDF/A file is never encrypted: the standard forbids it, and a file that
 * claims PDF/A while being encrypted would fail every archive check that trusts the claim.
 *
 * Passwords are handed to qpdf and nowhere else: no log line, error message or debug output
 * carries them. */
#define G_LOG_DOMAIN "pd-process"

#include "pd-pdf-finish.h"

#include <gio/gio.h>
#include <qpdf/qpdf-c.h>
#include <string.h>

#include "pd-fs.h"
#include "pd-process-error.h"
#include "pd-vault.h"

/* The XMP namespace of the PDF/A identification schema, whatever prefix a producer gives it. */
#define PDFA_ID_NAMESPACE "http://www.aiim.org/pdfa/ns/id/"

static void
qpdf_data_free (qpdf_data q)
{
  qpdf_cleanup (&q);
}

typedef struct _qpdf_data QpdfData;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QpdfData, qpdf_data_free)

static void
set_qpdf_error (GError     **error,
                qpdf_data    q,
                const char  *what,
                const char  *path)
{
  g_autofree char *name = g_filename_display_basename (path);
  qpdf_error e = qpdf_get_error (q);
  const char *detail = e != NULL ? qpdf_get_error_message_detail (q, e) : NULL;

  if (e != NULL && qpdf_get_error_code (q, e) == qpdf_e_password)
    g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_PDF_FAILED,
                 "“%s” is already protected by a password, so it cannot be %s.", name, what);
  else
    g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_PDF_FAILED,
                 "“%s” could not be %s: %s.", name, what,
                 detail != NULL && *detail != '\0' ? detail : "the PDF library gave no reason");
}

/* Whether the document's XMP metadata claims PDF/A conformance. */
static gboolean
claims_pdfa (qpdf_data q)
{
  qpdf_oh root = qpdf_get_root (q);
  qpdf_oh metadata = qpdf_oh_get_key (q, root, "/Metadata");
  unsigned char *xmp = NULL;
  size_t len = 0;
  gboolean pdfa = FALSE;

  if (qpdf_oh_is_stream (q, metadata)
      && qpdf_oh_get_stream_data (q, metadata, qpdf_dl_generalized, NULL, &xmp, &len) == 0
      && xmp != NULL)
    pdfa = g_strstr_len ((const char *) xmp, (gssize) len, PDFA_ID_NAMESPACE) != NULL;
  free (xmp);
  /* A missing or unreadable metadata stream is simply not a claim. */
  if (qpdf_has_error (q))
    (void) qpdf_get_error (q);
  return pdfa;
}

gboolean
pd_pdf_finish (const char                *path,
               const PdPdfFinishOptions  *opts,
               GError                   **error)
{
  /* Declared before q: qpdf reads from it until q is cleaned up. */
  g_autofree char *plain = NULL;
  gsize plain_len = 0;
  g_autoptr(QpdfData) q = NULL;
  g_autofree char *name = NULL;
  const char *owner;
  gboolean encrypt;
  gint64 start;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (opts != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  encrypt = opts->user_password != NULL && *opts->user_password != '\0';
  if (!encrypt && !opts->linearize)
    return TRUE;

  start = g_get_monotonic_time ();
  name = g_filename_display_basename (path);
  q = qpdf_init ();
  qpdf_silence_errors (q);
  qpdf_set_suppress_warnings (q, QPDF_TRUE);

  /* The PDF may be sealed (pd-vault.h): qpdf reads the plaintext from memory, and the result
   * is sealed again on its way back to the disk by pd_fs_write_durable (). */
  {
    g_autoptr(GError) read_error = NULL;

    if (!pd_vault_get_contents (path, &plain, &plain_len, &read_error))
      {
        /* the PDF's problem, said with its name, as qpdf's own errors are */
        g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_PDF_FAILED,
                     "“%s” could not be %s: %s", name, encrypt ? "encrypted" : "optimized for the web",
                     read_error->message);
        return FALSE;
      }
  }
  if (qpdf_read_memory (q, path, plain, plain_len, NULL) & QPDF_ERRORS)
    {
      set_qpdf_error (error, q, encrypt ? "encrypted" : "optimized for the web", path);
      return FALSE;
    }

  if (encrypt && claims_pdfa (q))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "“%s” is a PDF/A archive file, and PDF/A does not allow a password. Choose "
                   "either PDF/A or a password for this profile.", name);
      return FALSE;
    }

  qpdf_init_write_memory (q);
  /* Object streams make the cross-reference data and small objects a third smaller. */
  qpdf_set_object_stream_mode (q, qpdf_o_generate);
  if (encrypt)
    {
      /* An empty owner password would let anyone open the file as its owner, password or not. */
      owner = opts->owner_password != NULL && *opts->owner_password != '\0'
              ? opts->owner_password : opts->user_password;
      qpdf_set_r6_encryption_parameters2 (q, opts->user_password, owner,
                                          QPDF_TRUE, QPDF_TRUE, QPDF_TRUE, QPDF_TRUE, QPDF_TRUE,
                                          QPDF_TRUE, qpdf_r3p_full, QPDF_TRUE);
    }
  if (opts->linearize)
    qpdf_set_linearization (q, QPDF_TRUE);

  if (qpdf_write (q) & QPDF_ERRORS)
    {
      set_qpdf_error (error, q, encrypt ? "encrypted" : "optimized for the web", path);
      return FALSE;
    }

  if (!pd_fs_write_durable (path, qpdf_get_buffer (q), qpdf_get_buffer_length (q), error))
    return FALSE;

  g_debug ("finished “%s”%s%s in %" G_GINT64_FORMAT " ms: %" G_GSIZE_FORMAT " bytes", name,
           opts->linearize ? ", linearized" : "", encrypt ? ", AES-256" : "",
           (g_get_monotonic_time () - start) / 1000, (gsize) qpdf_get_buffer_length (q));
  return TRUE;
}
