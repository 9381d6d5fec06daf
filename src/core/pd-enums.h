/* pd-enums.h: small value types shared by every stage of the core (scan mode, source,
 * document and page states), with their stable string names as stored in the library. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  PD_SCAN_MODE_TEXT,   /* bitonal: CCITT G4 in the PDF */
  PD_SCAN_MODE_GRAY,   /* 8-bit gray: JPEG in the PDF */
  PD_SCAN_MODE_COLOR,  /* 24-bit RGB: JPEG in the PDF */
} PdScanMode;

typedef enum {
  PD_SCAN_SOURCE_AUTO,     /* whatever the device selects by default */
  PD_SCAN_SOURCE_FLATBED,
  PD_SCAN_SOURCE_ADF,
  PD_SCAN_SOURCE_DUPLEX,
} PdScanSource;

/* Document life cycle; each transition is one transaction with its journal row. */
typedef enum {
  PD_DOC_STATE_CAPTURING,    /* pages are arriving from the scanner or an import */
  PD_DOC_STATE_PROCESSING,   /* capture finished, pages being cleaned and recognized */
  PD_DOC_STATE_READY,        /* searchable PDF written and fsync'd */
  PD_DOC_STATE_FAILED,       /* could not be finished; pages kept, see last_error */
} PdDocState;

typedef enum {
  PD_PAGE_STATE_CAPTURED,    /* raw image spooled and fsync'd */
  PD_PAGE_STATE_RECOGNIZED,  /* deskewed, encoded for the PDF, words stored */
  PD_PAGE_STATE_FAILED,
} PdPageState;

const char  *pd_scan_mode_to_string    (PdScanMode    mode);
gboolean     pd_scan_mode_from_string  (const char   *str,
                                        PdScanMode   *mode);
const char  *pd_scan_source_to_string  (PdScanSource  source);
gboolean     pd_scan_source_from_string (const char  *str,
                                         PdScanSource *source);
const char  *pd_doc_state_to_string    (PdDocState    state);
gboolean     pd_doc_state_from_string  (const char   *str,
                                        PdDocState   *state);
const char  *pd_page_state_to_string   (PdPageState   state);
gboolean     pd_page_state_from_string (const char   *str,
                                        PdPageState  *state);

G_END_DECLS
