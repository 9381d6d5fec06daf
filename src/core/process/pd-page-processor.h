/* pd-page-processor.h: turns one spooled page into what the PDF embeds (a JPEG or CCITT G4
 * image, straightened) and the words recognized on it. Safe to call from several worker threads
 * at once; each thread keeps its own recognizer. */
#pragma once

#include <gio/gio.h>

#include "pd-enums.h"

G_BEGIN_DECLS

typedef enum {
  PD_IMAGE_ENCODING_JPEG,      /* baseline JPEG file, embedded as /DCTDecode */
  PD_IMAGE_ENCODING_CCITT_G4,  /* raw CCITT group 4 data, no TIFF wrapper, 0 = black */
} PdImageEncoding;

typedef struct {
  PdScanMode  mode;
  char       *langs;         /* tesseract languages: "eng", "eng+deu" */
  gboolean    deskew;
  guint       jpeg_quality;  /* 1..100, for pages that must be (re-)encoded */
  gboolean    clean_background; /* whiten the paper of gray and colour pages before JPEG */
} PdProcessOptions;

typedef struct {
  char            *image_path;      /* <out_dir>/<prefix>.jpg or .g4 */
  PdImageEncoding  encoding;
  guint            width, height, dpi;
  guint            channels;        /* 1 or 3 for JPEG; 1 for G4 */
  double           skew_degrees;    /* rotation applied, clockwise positive; 0 if none */
  GArray          *words;           /* PdWord, pixel boxes on image_path */
  char            *text;            /* UTF-8, reading order */
  double           mean_confidence; /* 0..100, mean over the words; 0 for a page without text */
} PdPageResult;

PdProcessOptions *pd_process_options_new  (void);
PdProcessOptions *pd_process_options_copy (const PdProcessOptions  *options);
void              pd_process_options_free (PdProcessOptions        *options);

PdPageResult     *pd_page_process         (const char              *spool_path,
                                           guint                    dpi,
                                           const PdProcessOptions  *options,
                                           const char              *out_dir,
                                           const char              *file_prefix,
                                           GCancellable            *cancellable,
                                           GError                 **error);
void              pd_page_result_free     (PdPageResult            *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdProcessOptions, pd_process_options_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdPageResult, pd_page_result_free)

G_END_DECLS
