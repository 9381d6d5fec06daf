/* pd-page-processor.h: turns one spooled page into what the PDF embeds (a JPEG or CCITT G4
 * image, cleaned up: perspective, border, orientation, skew) and the words recognized on it, and
 * says what it did and what it noticed (blank, blurry) so the edits can be stored and undone.
 * Safe to call from several worker threads at once; each thread keeps its own recognizer. */
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
  guint       downsample_dpi;   /* gray and colour pages above it are scaled to it; 0: never */

  /* Enhancement steps (pd-enhance.h), each switchable; the defaults suit a scanner's pages. */
  double      max_skew_degrees;           /* deskew search range, +-; default 20 */
  gboolean    orientation;                /* turn pages by 90/180/270 (tesseract OSD); on */
  double      min_orientation_confidence; /* OSD confidence needed to turn a page alone; 14.
                                           * From 5 up, leptonica must agree (pd-enhance.h) */
  gboolean    crop_border;                /* remove a dark scanner-lid border, crop to paper; on */
  gboolean    detect_blank;               /* blank_score and is_blank; on */
  double      blank_threshold;            /* blank_score (% ink) under which a page is blank */
  gboolean    detect_blur;                /* blur_score and is_blurry; on */
  double      blur_threshold;             /* blur_score under which a page looks blurry */
  gboolean    perspective;                /* find a photographed sheet's corners and straighten
                                           * it; off (for imports of phone photos) */
  gboolean    detect_barcodes;            /* read Code 128/39, EAN/UPC and QR codes; on */
} PdProcessOptions;

/* A rectangle in pixels of the spool image; all 0 when nothing was cropped. */
typedef struct {
  guint x, y, width, height;
} PdCropBox;

typedef struct {
  char            *image_path;      /* <out_dir>/<prefix>.jpg or .g4 */
  PdImageEncoding  encoding;
  guint            width, height, dpi;
  guint            channels;        /* 1 or 3 for JPEG; 1 for G4 */
  double           skew_degrees;    /* rotation applied, clockwise positive; 0 if none */
  GArray          *words;           /* PdWord, pixel boxes on image_path */
  char            *text;            /* UTF-8, reading order */
  double           mean_confidence; /* 0..100, mean over the words; 0 for a page without text */

  /* The edits made, in the order they were applied to the spool image (which stays untouched):
   * perspective, then crop, then the quarter turn and the skew (rotations about the page's
   * centre, so their order does not matter). A person may undo any of them. */
  gboolean         perspective_corrected;
  PdCropBox        crop;            /* the paper inside a dark border; 0s if none */
  guint            rotation_degrees; /* 0, 90, 180 or 270, clockwise */
  double           orientation_confidence; /* tesseract's OSD confidence; 0 if not detected */

  /* What a person may want to know before trusting the page. */
  double           blank_score;     /* weighted ink, per cent of the page; -1 if not measured */
  gboolean         is_blank;
  double           blur_score;      /* sharpness 0..1; -1 if not measured or too few edges */
  gboolean         is_blurry;       /* "looks blurry, rescan?" */

  GPtrArray       *barcodes;        /* PdBarcode (pd-barcode.h), boxes on image_path; never NULL */

  /* Wall time of each stage, milliseconds, for the benchmark. */
  double           perspective_ms, border_ms, blank_ms, deskew_ms, orientation_ms, blur_ms;
  double           barcode_ms, ocr_ms, encode_ms;
} PdPageResult;

/* Where pd_page_process_full() is with a page, told on the thread that processes it. Enhancing
 * starts with the call itself; only the stages after it are told. */
typedef enum {
  PD_PAGE_PROCESS_READING_TEXT,  /* cleaned up and encoded; tesseract starts reading it */
} PdPageProcessStage;

typedef void (*PdPageProcessStageFunc) (PdPageProcessStage  stage,
                                        gpointer            user_data);

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
/* pd_page_process() that tells @stage_func (nullable) each stage as the page enters it. */
PdPageResult     *pd_page_process_full    (const char              *spool_path,
                                           guint                    dpi,
                                           const PdProcessOptions  *options,
                                           const char              *out_dir,
                                           const char              *file_prefix,
                                           PdPageProcessStageFunc   stage_func,
                                           gpointer                 stage_data,
                                           GCancellable            *cancellable,
                                           GError                 **error);
void              pd_page_result_free     (PdPageResult            *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdProcessOptions, pd_process_options_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdPageResult, pd_page_result_free)

G_END_DECLS
