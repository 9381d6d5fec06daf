/* pd-scan-page.h: one page of the batch on the Scan page, as the preview shows it: where it is
 * in the library, how far the pipeline got with it, what analysis flagged, and its thumbnail.
 * Owned by the main thread; workers hand back results, never touch it. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  PD_SCAN_PAGE_CAPTURED,    /* safe on disk, being enhanced and read */
  PD_SCAN_PAGE_DONE,        /* recognized, flags known */
  PD_SCAN_PAGE_FAILED,
} PdScanPageState;

/* Where the workers are with a page still PD_SCAN_PAGE_CAPTURED (the pipeline's "page-stage"). */
typedef enum {
  PD_SCAN_PAGE_WAITING,       /* queued behind other pages */
  PD_SCAN_PAGE_ENHANCING,
  PD_SCAN_PAGE_READING_TEXT,
} PdScanPageStage;

#define PD_TYPE_SCAN_PAGE (pd_scan_page_get_type ())

G_DECLARE_FINAL_TYPE (PdScanPage, pd_scan_page, PD, SCAN_PAGE, GObject)

struct _PdScanPage
{
  GObject          parent_instance;

  gint64           document_id;
  guint            index;        /* 0-based place in its document */
  gint64           page_id;      /* 0 until the library row is read back */
  PdScanPageState  state;
  PdScanPageStage  stage;        /* while state is PD_SCAN_PAGE_CAPTURED */
  char            *message;      /* why it failed */
  guint            n_words;
  gboolean         is_blank;
  gboolean         is_blurry;
  gboolean         is_separator;
  gboolean         excluded;
  char            *barcodes;     /* "TYPE:VALUE ..." */
  char            *image_path;   /* what the viewer shows: processed image, else the scan */
  gboolean         image_is_processed; /* image_path is the PDF's image: crops apply to it */
  guint            image_width, image_height;
  GdkTexture      *thumbnail;    /* downscaled, decoded in a worker */
  gboolean         pending_delete; /* hidden, waiting for the undo toast to go */
};

PdScanPage *pd_scan_page_new            (gint64      document_id,
                                         guint       index);
char       *pd_scan_page_dup_state_label (PdScanPage *self);
char       *pd_scan_page_dup_flags_label (PdScanPage *self);

G_END_DECLS
