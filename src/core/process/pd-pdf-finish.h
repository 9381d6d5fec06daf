/* pd-pdf-finish.h: the last touches on a finished PDF, done through qpdf: linearization (the
 * first page shows before the rest of the file has arrived) and AES-256 encryption. The file is
 * rewritten in place, durably. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gboolean    linearize;
  /* NULL or "": not encrypted. Otherwise AES-256 (revision 6), the password is needed to open
   * the file, and all permissions stay granted: the point is confidentiality. */
  const char *user_password;
  /* Lifts restrictions in readers that honour them; NULL or "": the user password. */
  const char *owner_password;
} PdPdfFinishOptions;

gboolean pd_pdf_finish (const char                *path,
                        const PdPdfFinishOptions  *opts,
                        GError                   **error);

G_END_DECLS
