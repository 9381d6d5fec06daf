/* pd-pipeline.h: one batch from the scanner (or an import) to a searchable PDF in the library.
 * Capture, processing and PDF assembly overlap: the scanner thread spools page N+1 while the
 * worker pool recognizes page N. Every step is a committed library transition; the caller's main
 * context only receives signals and the final result. */
#pragma once

#include <gio/gio.h>

#include "pd-library.h"
#include "pd-page-processor.h"
#include "pd-profile.h"
#include "pd-scanner.h"

G_BEGIN_DECLS

/* How far the workers got with one page: the "page-stage" signal's third argument. */
typedef enum {
  PD_PAGE_STAGE_ENHANCING,     /* straightened, cropped, cleaned up */
  PD_PAGE_STAGE_READING_TEXT,  /* tesseract is reading it */
  PD_PAGE_STAGE_DONE,          /* recognized and stored (a failure is "page-failed" instead) */
} PdPageStage;

/* One document a batch in review will become: its pages from @first_index (the library's page
 * index) for @n_pages pages that go into its PDF (separator sheets and removed blank pages are
 * not counted), the separator sheet's barcode that starts it (or NULL), and its name. */
typedef struct {
  guint  first_index;
  guint  n_pages;
  char  *barcode;
  char  *name;
} PdFilingSegment;

/* What filing a batch in review would do: the documents its profile's separation rules make
 * and the names they would get now. The names are a preview: a counter is not taken until the
 * batch is filed, so another batch filed in between moves it on. */
typedef struct {
  gint64     document_id;
  char      *profile;     /* nullable */
  GPtrArray *segments;    /* PdFilingSegment, in page order */
} PdFilingPlan;

#define PD_TYPE_FILING_PLAN (pd_filing_plan_get_type ())

GType         pd_filing_plan_get_type (void) G_GNUC_CONST;
PdFilingPlan *pd_filing_plan_copy     (const PdFilingPlan *plan);
void          pd_filing_plan_free     (PdFilingPlan       *plan);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdFilingPlan, pd_filing_plan_free)

#define PD_TYPE_PIPELINE (pd_pipeline_get_type ())

G_DECLARE_FINAL_TYPE (PdPipeline, pd_pipeline, PD, PIPELINE, GObject)

PdPipeline *pd_pipeline_new             (PdLibrary               *library,
                                         PdScanner               *scanner);
guint       pd_pipeline_get_n_workers   (PdPipeline              *self);
void        pd_pipeline_set_profile     (PdPipeline              *self,
                                         const PdProfile         *profile);

void        pd_pipeline_scan_async      (PdPipeline              *self,
                                         const PdScanOptions     *scan_options,
                                         const PdProcessOptions  *process_options,
                                         const char              *name,
                                         GCancellable            *cancellable,
                                         GAsyncReadyCallback      callback,
                                         gpointer                 user_data);
/* @documents: the documents the batch became (PdDocument; several when the profile splits it),
 * set even when an error (a jam, a full disk) cut the batch short. */
gboolean    pd_pipeline_scan_finish     (PdPipeline              *self,
                                         GAsyncResult            *result,
                                         GPtrArray              **documents,
                                         GError                 **error);

void        pd_pipeline_import_async    (PdPipeline              *self,
                                         const char *const       *files,
                                         const PdProcessOptions  *process_options,
                                         const char              *name,
                                         GCancellable            *cancellable,
                                         GAsyncReadyCallback      callback,
                                         gpointer                 user_data);
gboolean    pd_pipeline_import_finish   (PdPipeline              *self,
                                         GAsyncResult            *result,
                                         GPtrArray              **documents,
                                         GError                 **error);

void        pd_pipeline_resume_async    (PdPipeline              *self,
                                         GCancellable            *cancellable,
                                         GAsyncReadyCallback      callback,
                                         gpointer                 user_data);
gboolean    pd_pipeline_resume_finish   (PdPipeline              *self,
                                         GAsyncResult            *result,
                                         guint                   *n_documents,
                                         GError                 **error);

/* Review: batches started from now on stop once every page is recognized, as one document in
 * the PROCESSING state, instead of being split, named and written as PDFs; scan_finish and
 * import_finish give that document, pd_pipeline_dup_plan () what filing it would make, and
 * pd_pipeline_file_async () files it. Off by default (the CLI files at once). A batch left in
 * review when the program ends is filed by the next resume with its profile's rules. */
void          pd_pipeline_set_review     (PdPipeline              *self,
                                          gboolean                 review);
/* The plan of a batch that ended in review, from the scan's or import's @result (after its
 * finish); NULL when the batch was not reviewed or made no document. */
PdFilingPlan *pd_pipeline_dup_plan       (PdPipeline              *self,
                                          GAsyncResult            *result);
/* The plan of the batch in review @document_id as its pages are now, after edits made while it
 * waits (turned, deleted, moved, marked blank, scanned again): what the Save preview shows. */
void          pd_pipeline_plan_async     (PdPipeline              *self,
                                          gint64                   document_id,
                                          GCancellable            *cancellable,
                                          GAsyncReadyCallback      callback,
                                          gpointer                 user_data);
PdFilingPlan *pd_pipeline_plan_finish    (PdPipeline              *self,
                                          GAsyncResult            *result,
                                          GError                 **error);
/* Files @plan's document with the rules of its profile and its pages as they are now (edits
 * made since the plan count): split, name (taking counters), queue and write the PDFs. */
void          pd_pipeline_file_async     (PdPipeline              *self,
                                          const PdFilingPlan      *plan,
                                          GCancellable            *cancellable,
                                          GAsyncReadyCallback      callback,
                                          gpointer                 user_data);
/* @documents: as pd_pipeline_scan_finish () gives them. */
gboolean      pd_pipeline_file_finish    (PdPipeline              *self,
                                          GAsyncResult            *result,
                                          GPtrArray              **documents,
                                          GError                 **error);

/* Scans one page from @scan_options' device (max_pages is forced to 1) and puts it in place of
 * @page_id: its image, text and words, processed with the document's mode and languages; the
 * PDF is made again as the document's next revision. */
void        pd_pipeline_rescan_page_async  (PdPipeline             *self,
                                            const PdScanOptions    *scan_options,
                                            const PdProcessOptions *process_options,
                                            gint64                  page_id,
                                            GCancellable           *cancellable,
                                            GAsyncReadyCallback     callback,
                                            gpointer                user_data);
gboolean    pd_pipeline_rescan_page_finish (PdPipeline             *self,
                                            GAsyncResult           *result,
                                            GError                **error);

G_END_DECLS
