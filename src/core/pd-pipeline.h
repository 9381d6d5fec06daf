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
