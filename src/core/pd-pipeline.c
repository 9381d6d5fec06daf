/* pd-pipeline.c: drives a batch through the stages. The producer (the scanner thread, or an
 * import thread) spools each page and commits its row; a pool of workers, one per core, each
 * with its own tesseract instance, deskews, encodes and recognizes pages as they arrive; when
 * the producer is done and the last page is recognized, a worker writes the PDF and marks the
 * document ready. The main context never runs SANE, tesseract, leptonica, SQLite or fsync: it
 * only starts batches and receives signals and results. */
#define G_LOG_DOMAIN "pd-pipeline"

#include "config.h"

#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

#include "pd-pipeline.h"

#include "pd-capture-error.h"
#include "pd-barcode.h"
#include "pd-document-edit.h"
#include "pd-fs.h"
#include "pd-import.h"
#include "pd-library-delete.h"
#include "pd-library-pages.h"
#include "pd-library-sync.h"
#include "pd-naming.h"
#include "pd-pdf-finish.h"
#include "pd-pdf-writer.h"
#include "pd-process-error.h"
#include "pd-secret.h"

#include <glib/gstdio.h>
#include <string.h>

struct _PdPipeline {
  GObject       parent_instance;

  /* owned */
  PdLibrary    *library;
  PdScanner    *scanner;
  GThreadPool  *workers;
  GMainContext *context;
  guint         n_workers;
  PdProfile    *profile;    /* what new batches follow; nullable */
  gboolean      review;     /* new batches wait for pd_pipeline_file_async () */
  gboolean      trim_after_jobs;  /* malloc_trim () after each job (PD_NO_MALLOC_TRIM: off) */
};

G_DEFINE_FINAL_TYPE (PdPipeline, pd_pipeline, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (PdFilingPlan, pd_filing_plan, pd_filing_plan_copy, pd_filing_plan_free)

static void
pd_filing_segment_free (gpointer data)
{
  PdFilingSegment *segment = data;

  g_free (segment->barcode);
  g_free (segment->name);
  g_free (segment);
}

PdFilingPlan *
pd_filing_plan_copy (const PdFilingPlan *plan)
{
  PdFilingPlan *copy;

  g_return_val_if_fail (plan != NULL, NULL);

  copy = g_new0 (PdFilingPlan, 1);
  copy->document_id = plan->document_id;
  copy->profile = g_strdup (plan->profile);
  copy->segments = g_ptr_array_new_with_free_func (pd_filing_segment_free);
  for (guint i = 0; plan->segments != NULL && i < plan->segments->len; i++)
    {
      const PdFilingSegment *segment = g_ptr_array_index (plan->segments, i);
      PdFilingSegment *dup = g_new0 (PdFilingSegment, 1);

      dup->first_index = segment->first_index;
      dup->n_pages = segment->n_pages;
      dup->barcode = g_strdup (segment->barcode);
      dup->name = g_strdup (segment->name);
      g_ptr_array_add (copy->segments, dup);
    }
  return copy;
}

void
pd_filing_plan_free (PdFilingPlan *plan)
{
  if (plan == NULL)
    return;
  g_clear_pointer (&plan->segments, g_ptr_array_unref);
  g_free (plan->profile);
  g_free (plan);
}

enum {
  PAGE_CAPTURED,
  PAGE_RECOGNIZED,
  PAGE_FAILED,
  SCAN_PROGRESS,
  PAGE_STAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct _PdBatch PdBatch;
typedef void (*PdBatchDoneFunc) (PdBatch *batch, gpointer data);

/* A batch is shared by the producer thread, the workers and the main context; its counters are
 * guarded by the mutex, everything else is set before it is shared. */
struct _PdBatch {
  gint              ref_count;
  PdPipeline       *pipeline;        /* strong; the last unref happens on the main context */
  PdProcessOptions *process;
  PdProfile        *profile;         /* nullable: naming template and page rules */
  gboolean          fixed_name;      /* the person named the document; no template */
  gboolean          review;          /* stop once recognized, with a plan, unsplit */
  char             *name;
  char             *source;
  char             *file_prefix;
  GTask            *task;            /* scan and import: completed when the document is finished */
  PdBatchDoneFunc   done_func;       /* resume: called on the worker thread once finished */
  gpointer          done_data;

  GMutex            mutex;
  PdDocument       *document;        /* created with the first page */
  guint             n_captured;
  guint             n_processed;
  gboolean          capture_done;
  gboolean          finish_queued;
  GError           *capture_error;
  GPtrArray        *results;         /* PdDocument: the finished documents, as committed */
  GHashTable       *separators;      /* page index -> separator sheet's barcode value */
  PdFilingPlan     *plan;            /* review: what filing would make */

  /* scanner thread only */
  guint             progress_index;
  double            progress_fraction;
};

typedef enum {
  JOB_PAGE,
  JOB_FINISH,
} JobKind;

typedef struct {
  JobKind  kind;
  PdBatch *batch;
  gint64   page_id;
  guint    index;
  guint    dpi;
  char    *spool_path;
} Job;

static PdBatch *batch_ref     (PdBatch *batch);
static void     batch_unref   (PdBatch *batch);
static void     queue_finish_if_complete (PdBatch *batch);

static PdBatch *
batch_new (PdPipeline             *pipeline,
           const PdProcessOptions *process,
           const char             *name,
           const char             *source)
{
  PdBatch *batch = g_new0 (PdBatch, 1);
  g_autofree char *uuid = g_uuid_string_random ();

  batch->ref_count = 1;
  batch->pipeline = g_object_ref (pipeline);
  batch->process = pd_process_options_copy (process);
  batch->profile = pipeline->profile ? pd_profile_copy (pipeline->profile) : NULL;
  batch->name = g_strdup (name);
  batch->source = g_strdup (source);
  batch->file_prefix = g_strdup_printf ("batch-%s", uuid);
  batch->separators = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  batch->review = pipeline->review;
  g_mutex_init (&batch->mutex);
  return batch;
}

static PdBatch *
batch_ref (PdBatch *batch)
{
  g_atomic_int_inc (&batch->ref_count);
  return batch;
}

static gboolean
batch_free_cb (gpointer data)
{
  PdBatch *batch = data;

  g_clear_object (&batch->task);
  g_clear_object (&batch->pipeline);
  g_clear_pointer (&batch->process, pd_process_options_free);
  g_clear_pointer (&batch->profile, pd_profile_free);
  g_clear_pointer (&batch->document, pd_document_free);
  g_clear_pointer (&batch->results, g_ptr_array_unref);
  g_clear_pointer (&batch->separators, g_hash_table_unref);
  g_clear_pointer (&batch->plan, pd_filing_plan_free);
  g_clear_error (&batch->capture_error);
  g_free (batch->name);
  g_free (batch->source);
  g_free (batch->file_prefix);
  g_mutex_clear (&batch->mutex);
  g_free (batch);
  return G_SOURCE_REMOVE;
}

/* Always an idle source, never g_main_context_invoke(): that runs the function in the calling
 * worker whenever nobody is iterating the context at that moment, which is exactly what must not
 * happen here. */
static void
run_on_context (GMainContext   *context,
                GSourceFunc     func,
                gpointer        data,
                GDestroyNotify  notify)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "[pd-pipeline]");
  g_source_attach (source, context);
}

/* The batch owns the pipeline; dropping the pipeline's last reference from a worker would free
 * the thread pool from inside itself, so the batch is always freed on the main context. */
static void
batch_unref (PdBatch *batch)
{
  if (g_atomic_int_dec_and_test (&batch->ref_count))
    run_on_context (batch->pipeline->context, batch_free_cb, batch, NULL);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdBatch, batch_unref)

static gboolean
unref_cb (gpointer object)
{
  g_object_unref (object);
  return G_SOURCE_REMOVE;
}

/* A task of the pipeline's holds the pipeline, and the pipeline's last reference must never go
 * in a thread: finalizing it there would free the worker pool from inside itself and clear weak
 * pointers with nobody on the main context woken to see it. So a thread lets go of such a task
 * on the pipeline's context; tasks that GLib itself lets go of in a thread (those run with
 * g_task_run_in_thread()) have no source object at all. */
static void
task_unref_on_context (gpointer task)
{
  PdPipeline *self = g_task_get_source_object (task);

  run_on_context (self->context, unref_cb, task, NULL);
}

static void
job_free (Job *job)
{
  g_clear_pointer (&job->batch, batch_unref);
  g_free (job->spool_path);
  g_free (job);
}

static void
push_job (PdBatch    *batch,
          JobKind     kind,
          gint64      page_id,
          guint       index,
          guint       dpi,
          const char *spool_path)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->batch = batch_ref (batch);
  job->page_id = page_id;
  job->index = index;
  job->dpi = dpi;
  job->spool_path = g_strdup (spool_path);
  g_thread_pool_push (batch->pipeline->workers, job, NULL);
}

/* Signals are emitted on the pipeline's main context, never on a worker. */
typedef struct {
  PdBatch *batch;
  guint    signal_id;
  gint64   document_id;
  guint    index;
  guint    count;
  double   value;
  char    *message;
} Emission;

static gboolean
emit_cb (gpointer data)
{
  Emission *e = data;
  PdPipeline *self = e->batch->pipeline;

  switch (e->signal_id)
    {
    case PAGE_CAPTURED:
      g_signal_emit (self, signals[PAGE_CAPTURED], 0, e->document_id, e->index);
      break;
    case PAGE_RECOGNIZED:
      g_signal_emit (self, signals[PAGE_RECOGNIZED], 0, e->document_id, e->index, e->count, e->value);
      break;
    case PAGE_FAILED:
      g_signal_emit (self, signals[PAGE_FAILED], 0, e->document_id, e->index, e->message);
      break;
    case SCAN_PROGRESS:
      g_signal_emit (self, signals[SCAN_PROGRESS], 0, e->index, e->value);
      break;
    case PAGE_STAGE:
      g_signal_emit (self, signals[PAGE_STAGE], 0, e->document_id, e->index, e->count);
      break;
    default:
      g_assert_not_reached ();
    }
  return G_SOURCE_REMOVE;
}

static void
emission_free (gpointer data)
{
  Emission *e = data;

  batch_unref (e->batch);
  g_free (e->message);
  g_free (e);
}

static void
emit_later (PdBatch    *batch,
            guint       signal_id,
            gint64      document_id,
            guint       index,
            guint       count,
            double      value,
            const char *message)
{
  Emission *e = g_new0 (Emission, 1);

  e->batch = batch_ref (batch);
  e->signal_id = signal_id;
  e->document_id = document_id;
  e->index = index;
  e->count = count;
  e->value = value;
  e->message = g_strdup (message);
  run_on_context (batch->pipeline->context, emit_cb, e, emission_free);
}

/* Producer thread: the page's file is durable; commit its row (creating the document with the
 * first page, so a scan that fails before any page leaves no empty document) and queue it. */
static gboolean
page_spooled_cb (const PdSpooledPage  *page,
                 gpointer              user_data,
                 GError              **error)
{
  PdBatch *batch = user_data;
  PdLibrary *library = batch->pipeline->library;
  gint64 document_id;
  gint64 page_id;

  g_mutex_lock (&batch->mutex);
  if (batch->document == NULL)
    {
      batch->document = pd_library_create_document (library, batch->name, batch->source,
                                                    batch->process->mode, batch->process->langs,
                                                    error);
      if (batch->document == NULL)
        {
          g_mutex_unlock (&batch->mutex);
          return FALSE;
        }
      /* With its first page: a batch killed before its end is resumed by its own profile's
       * rules (separation, naming, destination), not by whatever profile is current then. */
      if (batch->profile != NULL &&
          !pd_document_set_profile (library, batch->document->id, batch->profile->name, error))
        {
          g_mutex_unlock (&batch->mutex);
          return FALSE;
        }
    }
  document_id = batch->document->id;
  g_mutex_unlock (&batch->mutex);

  page_id = pd_library_add_page (library, document_id, page, error);
  if (page_id <= 0)
    return FALSE;

  g_mutex_lock (&batch->mutex);
  batch->n_captured++;
  g_mutex_unlock (&batch->mutex);

  emit_later (batch, PAGE_CAPTURED, document_id, page->index, 0, 0, NULL);
  push_job (batch, JOB_PAGE, page_id, page->index, page->dpi, page->path);
  return TRUE;
}

/* What the page processor found goes to the library; the profile decides whether the page is a
 * separator sheet and whether a blank page is left out of the PDF (kept, and recoverable). */
static gboolean
store_page_analysis (PdBatch       *batch,
                     Job           *job,
                     PdPageResult  *result,
                     GError       **error)
{
  PdLibrary *library = batch->pipeline->library;
  g_autoptr(GArray) barcodes = g_array_new (FALSE, TRUE, sizeof (PdPageBarcode));
  PdPageAnalysis analysis = { 0 };
  const char *separator_value = NULL;

  for (guint i = 0; i < result->barcodes->len; i++)
    {
      PdBarcode *b = g_ptr_array_index (result->barcodes, i);
      PdPageBarcode stored = { b->type, b->value, b->x0, b->y0, b->x1, b->y1 };

      g_array_append_val (barcodes, stored);
    }

  if (batch->profile != NULL && batch->profile->separation == PD_SEPARATION_BARCODE)
    {
      g_autoptr(GError) pattern_error = NULL;

      analysis.is_separator = pd_barcode_is_separator (result->barcodes, batch->profile->separator_pattern,
                                                       &separator_value, &pattern_error);
      if (pattern_error != NULL)
        g_warning ("Separator pattern of “%s”: %s", batch->profile->name, pattern_error->message);
    }

  analysis.rotation = result->rotation_degrees;
  analysis.crop_x = result->crop.x;
  analysis.crop_y = result->crop.y;
  analysis.crop_width = result->crop.width;
  analysis.crop_height = result->crop.height;
  analysis.blank_score = result->blank_score;
  analysis.is_blank = result->is_blank;
  analysis.blur_score = result->blur_score;
  analysis.is_blurry = result->is_blurry;
  analysis.image_width = result->width;
  analysis.image_height = result->height;
  analysis.image_dpi = result->dpi;
  analysis.image_channels = result->channels;
  analysis.barcodes = (const PdPageBarcode *) (gpointer) barcodes->data;
  analysis.n_barcodes = barcodes->len;
  if (!pd_library_set_page_analysis (library, job->page_id, &analysis, error))
    return FALSE;

  if (analysis.is_separator)
    {
      g_mutex_lock (&batch->mutex);
      g_hash_table_insert (batch->separators, GUINT_TO_POINTER (job->index), g_strdup (separator_value));
      g_mutex_unlock (&batch->mutex);
      return pd_library_set_page_excluded (library, job->page_id, TRUE, "separator sheet", error);
    }
  if (result->is_blank && batch->profile != NULL && batch->profile->blank == PD_BLANK_POLICY_REMOVE)
    return pd_library_set_page_excluded (library, job->page_id, TRUE,
                                         "blank page removed by the profile; its scan is kept", error);
  return TRUE;
}

typedef struct {
  PdBatch *batch;
  gint64   document_id;
  guint    index;
} StageData;

/* On the worker, from inside the page processor. */
static void
page_stage_cb (PdPageProcessStage  stage,
               gpointer            user_data)
{
  StageData *data = user_data;

  if (stage == PD_PAGE_PROCESS_READING_TEXT)
    emit_later (data->batch, PAGE_STAGE, data->document_id, data->index, PD_PAGE_STAGE_READING_TEXT,
                0, NULL);
}

static void
run_page_job (Job *job)
{
  PdBatch *batch = job->batch;
  PdLibrary *library = batch->pipeline->library;
  g_autoptr(PdPageResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *prefix = NULL;
  gint64 document_id;
  const char *uuid;

  g_mutex_lock (&batch->mutex);
  document_id = batch->document->id;
  uuid = batch->document->uuid;
  g_mutex_unlock (&batch->mutex);

  /* Emissions are idle sources queued in order, so each page tells enhancing, reading text and
   * done (or failed) in that order. */
  emit_later (batch, PAGE_STAGE, document_id, job->index, PD_PAGE_STAGE_ENHANCING, 0, NULL);
  prefix = g_strdup_printf ("%s-p%04u", uuid, job->index + 1);
  {
    StageData stage = { batch, document_id, job->index };

    result = pd_page_process_full (job->spool_path, job->dpi, batch->process,
                                   pd_library_get_pages_dir (library), prefix, page_stage_cb, &stage,
                                   NULL, &error);
  }
  if (result != NULL &&
      pd_library_set_page_recognized (library, job->page_id, result->image_path, result->encoding,
                                      result->skew_degrees, result->text, result->mean_confidence,
                                      result->words, &error) &&
      store_page_analysis (batch, job, result, &error))
    {
      emit_later (batch, PAGE_RECOGNIZED, document_id, job->index, result->words->len,
                  result->skew_degrees, NULL);
      emit_later (batch, PAGE_STAGE, document_id, job->index, PD_PAGE_STAGE_DONE, 0, NULL);
    }
  else
    {
      g_autoptr(GError) mark_error = NULL;

      g_warning ("Page %u of “%s” could not be processed: %s", job->index + 1, batch->name, error->message);
      if (!pd_library_set_page_failed (library, job->page_id, error->message, &mark_error))
        g_warning ("Could not record the failure of page %u: %s", job->index + 1, mark_error->message);
      emit_later (batch, PAGE_FAILED, document_id, job->index, 0, 0, error->message);
    }

  g_mutex_lock (&batch->mutex);
  batch->n_processed++;
  g_mutex_unlock (&batch->mutex);
  queue_finish_if_complete (batch);
}

static void
queue_finish_if_complete (PdBatch *batch)
{
  gboolean queue;

  g_mutex_lock (&batch->mutex);
  queue = batch->capture_done && !batch->finish_queued && batch->n_processed == batch->n_captured;
  if (queue)
    batch->finish_queued = TRUE;
  g_mutex_unlock (&batch->mutex);

  if (queue)
    push_job (batch, JOB_FINISH, 0, 0, 0, NULL);
}

/* A file name for the document's PDF that is safe on every filesystem and not yet taken. */
static char *
dup_pdf_path (const char *documents_dir,
              const char *name)
{
  g_autoptr(GString) safe = g_string_new (NULL);

  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' ||
          c == '"' || c == '<' || c == '>' || c == '|')
        g_string_append_c (safe, '_');
      else
        g_string_append_unichar (safe, c);
    }
  if (safe->len == 0 || safe->str[0] == '.')
    g_string_prepend (safe, "Document");

  for (guint n = 1; ; n++)
    {
      g_autofree char *base = n == 1 ? g_strdup_printf ("%s.pdf", safe->str)
                                     : g_strdup_printf ("%s (%u).pdf", safe->str, n);
      g_autofree char *path = g_build_filename (documents_dir, base, NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&path);
    }
}

/* What a profile's templates may draw on, once the pages are known: the page count, the OCR
 * text, the separator's barcode; from the pages whose index is in [@first, @end). @text keeps
 * the OCR text alive for ctx. */
static void
fill_naming_context (PdBatch          *batch,
                     GPtrArray        *pages,
                     guint             first,
                     guint             end,
                     const char       *barcode,
                     PdNamingContext  *ctx,
                     GString          *text)
{
  memset (ctx, 0, sizeof *ctx);
  for (guint i = 0; i < pages->len; i++)
    {
      PdPage *page = g_ptr_array_index (pages, i);

      if (page->state != PD_PAGE_STATE_RECOGNIZED || page->excluded ||
          page->index < first || page->index >= end)
        continue;
      ctx->pages++;
      if (page->text != NULL)
        {
          g_string_append (text, page->text);
          g_string_append_c (text, '\n');
        }
    }
  ctx->user = g_get_user_name ();
  ctx->host = g_get_host_name ();
  ctx->profile = batch->profile->name;
  ctx->ocr_text = text->str;
  ctx->barcode = barcode;
}

static gboolean
build_naming_context (PdBatch          *batch,
                      PdDocument       *document,
                      const char       *barcode,
                      PdNamingContext  *ctx,
                      GString          *text,
                      GError          **error)
{
  g_autoptr(GPtrArray) pages = pd_library_list_pages (batch->pipeline->library, document->id, error);

  if (pages == NULL)
    return FALSE;
  fill_naming_context (batch, pages, 0, G_MAXUINT, barcode, ctx, text);
  return TRUE;
}

/* A profile's naming template is rendered once the pages are known; the counter it uses is
 * committed before the name is, so no number is ever given twice. Its destination's folder
 * template is rendered the same way and queued for the sync engine once the PDF is ready. */
static gboolean
apply_naming_template (PdBatch     *batch,
                       PdDocument  *document,
                       const char  *barcode,
                       GError     **error)
{
  PdLibrary *library = batch->pipeline->library;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *name = NULL;
  PdNamingContext ctx;

  if (batch->fixed_name || batch->profile == NULL || batch->profile->name_template == NULL ||
      *batch->profile->name_template == '\0')
    return TRUE;
  if (!build_naming_context (batch, document, barcode, &ctx, text, error))
    return FALSE;
  name = pd_naming_take_name (library, batch->profile->name_template, &ctx, error);
  if (name == NULL)
    return FALSE;
  if (g_strcmp0 (name, document->name) == 0)
    return TRUE;
  if (!pd_library_rename_document (library, document->id, name, error))
    return FALSE;
  g_free (document->name);
  document->name = g_steal_pointer (&name);
  return TRUE;
}

static gboolean
queue_for_destination (PdBatch     *batch,
                       PdDocument  *document,
                       const char  *barcode,
                       GError     **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *account = NULL;
  g_autofree char *folder_template = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *destination = NULL;
  PdNamingContext ctx;

  if (batch->profile == NULL || !pd_profile_split_destination (batch->profile, &account, &folder_template))
    return TRUE;
  if (!build_naming_context (batch, document, barcode, &ctx, text, error))
    return FALSE;
  if (folder_template != NULL && *folder_template != '\0')
    {
      folder = pd_naming_render_folder (folder_template, &ctx, error);
      if (folder == NULL)
        return FALSE;
    }
  destination = g_strdup_printf ("%s:%s", account, folder ? folder : "");
  return pd_library_set_document_destination (batch->pipeline->library, document->id, destination, error);
}

static gboolean
assemble_pdf (PdBatch     *batch,
              PdDocument  *document,
              GError     **error)
{
  PdLibrary *library = batch->pipeline->library;
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(GArray) pdf_pages = g_array_new (FALSE, TRUE, sizeof (PdPdfPage));
  g_autoptr(GPtrArray) word_arrays = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr(GDateTime) created = NULL;
  g_autofree char *pdf_path = NULL;
  g_autofree char *creator = NULL;
  PdPdfMetadata meta = { 0 };
  g_autoptr(PdSecretText) password = NULL;
  guint n_failed = 0;

  pages = pd_library_list_pages (library, document->id, error);
  if (pages == NULL)
    return FALSE;

  for (guint i = 0; i < pages->len; i++)
    {
      PdPage *page = g_ptr_array_index (pages, i);
      PdPdfPage pdf_page = { 0 };
      GArray *words;

      if (page->excluded)
        continue;
      if (page->state != PD_PAGE_STATE_RECOGNIZED)
        {
          n_failed++;
          continue;
        }
      words = pd_library_get_words (library, page->id, error);
      if (words == NULL)
        return FALSE;
      g_ptr_array_add (word_arrays, words);

      pdf_page.image_path = page->image_path;
      pdf_page.encoding = (PdImageEncoding) page->encoding;
      /* The processed image, which a crop, a turn or downsampling may have resized. */
      pdf_page.width = page->image_width ? page->image_width : page->width;
      pdf_page.height = page->image_width ? page->image_height : page->height;
      pdf_page.dpi = page->image_dpi ? page->image_dpi : page->dpi;
      pdf_page.channels = page->image_channels ? page->image_channels : page->channels;
      pdf_page.words = words;
      g_array_append_val (pdf_pages, pdf_page);
    }

  if (pdf_pages->len == 0)
    {
      g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_FAILED,
                   "None of the %u pages of “%s” could be processed; the scanned images are kept.",
                   pages->len, document->name);
      return FALSE;
    }

  created = g_date_time_new_from_unix_utc (document->created_at / G_USEC_PER_SEC);
  creator = g_strdup_printf ("Paperdock %s", PACKAGE_VERSION);
  meta.title = document->name;
  meta.author = g_get_real_name ();
  meta.subject = document->source;
  meta.creator = creator;
  meta.producer = creator;
  meta.created = created;
  meta.pdfa = batch->profile != NULL && batch->profile->pdfa;

  /* The password comes from the keyring before anything is written: never an unprotected copy
   * of what a profile says must be encrypted. */
  if (batch->profile != NULL && batch->profile->encrypt)
    {
      g_autofree char *kind = pd_secret_dup_pdf_password_kind (batch->profile->name);
      g_autoptr(GError) secret_error = NULL;

      password = pd_secret_lookup (0, kind, NULL, &secret_error);
      if (password == NULL)
        {
          if (g_error_matches (secret_error, PD_SECRET_ERROR, PD_SECRET_ERROR_NOT_FOUND))
            g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_PDF_FAILED,
                         "The profile “%s” encrypts its PDFs, but no PDF password is set for it. "
                         "Set one with “paperdock-cli profiles password %s”; the pages are kept.",
                         batch->profile->name, batch->profile->name);
          else
            g_set_error (error, PD_PROCESS_ERROR, PD_PROCESS_ERROR_PDF_FAILED,
                         "The PDF password of the profile “%s” could not be read: %s The pages "
                         "are kept.", batch->profile->name, secret_error->message);
          return FALSE;
        }
    }

  pdf_path = dup_pdf_path (pd_library_get_documents_dir (library), document->name);
  if (!pd_pdf_write (pdf_path, (PdPdfPage *) (gpointer) pdf_pages->data, pdf_pages->len, &meta, error))
    return FALSE;
  {
    /* Linearized, so a viewer shows the first page of a long document at once. */
    PdPdfFinishOptions finish = { .linearize = TRUE, .user_password = password };

    if (!pd_pdf_finish (pdf_path, &finish, error))
      {
        /* An encryption that failed must not leave the readable PDF behind. */
        if (password != NULL)
          g_unlink (pdf_path);
        return FALSE;
      }
  }

  if (n_failed > 0)
    {
      g_autofree char *detail = g_strdup_printf ("%u of %u pages could not be processed and are "
                                                 "not in the PDF; their scans are kept",
                                                 n_failed, pages->len);
      pd_library_journal_add (library, document->id, "pages missing from PDF", detail, NULL);
    }
  return pd_library_set_document_ready (library, document->id, pdf_path, error);
}

typedef struct {
  guint  first_index;
  guint  n_pages;     /* pages for its PDF: recognized and not left out */
  char  *barcode;     /* the separator sheet's value that starts it, or NULL */
} Segment;

static void
segment_clear (gpointer data)
{
  g_free (((Segment *) data)->barcode);
}

/* The barcode value that made @page a separator sheet. Pages recognized in this process are
 * in batch->separators; a page recognized before a crash (the batch was resumed) has only what
 * the library stored: "TYPE:VALUE TYPE:VALUE", where a value may itself hold spaces. */
static char *
dup_separator_value (PdBatch      *batch,
                     const PdPage *page)
{
  g_autoptr(GPtrArray) codes = NULL;
  g_auto(GStrv) tokens = NULL;
  const char *value = NULL;
  char *found;

  g_mutex_lock (&batch->mutex);
  found = g_strdup (g_hash_table_lookup (batch->separators, GUINT_TO_POINTER (page->index)));
  g_mutex_unlock (&batch->mutex);
  if (found != NULL || page->barcodes == NULL || batch->profile == NULL)
    return found;

  codes = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_barcode_free);
  tokens = g_strsplit (page->barcodes, " ", -1);
  for (guint i = 0; tokens[i] != NULL; i++)
    {
      const char *colon = strchr (tokens[i], ':');
      gboolean starts = colon != NULL && colon > tokens[i] &&
                        strspn (tokens[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") ==
                        (gsize) (colon - tokens[i]);

      if (starts || codes->len == 0)
        {
          PdBarcode *code = g_new0 (PdBarcode, 1);

          code->type = starts ? g_strndup (tokens[i], (gsize) (colon - tokens[i])) : g_strdup ("");
          code->value = g_strdup (starts ? colon + 1 : tokens[i]);
          g_ptr_array_add (codes, code);
        }
      else
        {
          PdBarcode *code = g_ptr_array_index (codes, codes->len - 1);
          char *joined = g_strconcat (code->value, " ", tokens[i], NULL);

          g_free (code->value);
          code->value = joined;
        }
    }
  if (!pd_barcode_is_separator (codes, batch->profile->separator_pattern, &value, NULL))
    return NULL;
  return g_strdup (value);
}

/* A document that holds no page worth a PDF (killed before its first page was saved, or only a
 * separator sheet): nothing of the person's is in it, so it goes, with a journal row saying
 * why, instead of standing in the library as a failure. */
static void
discard_empty_document (PdLibrary  *library,
                        gint64      document_id,
                        const char *why)
{
  g_autoptr(GError) error = NULL;

  if (!pd_library_set_document_failed (library, document_id, why, &error) ||
      !pd_library_delete_document (library, document_id, &error))
    g_warning ("Could not remove an empty document: %s", error->message);
}

/* How many pages @document_id has if every one is a separator sheet (a batch cut right after
 * one), else 0. */
static guint
count_if_only_separators (PdLibrary *library,
                          gint64     document_id)
{
  g_autoptr(GPtrArray) pages = pd_library_list_pages (library, document_id, NULL);

  if (pages == NULL)
    return 0;
  for (guint i = 0; i < pages->len; i++)
    if (!((PdPage *) pages->pdata[i])->is_separator)
      return 0;
  return pages->len;
}

/* The profile's separation rule cuts the batch into documents: at each separator sheet (which
 * stays with the document it starts, left out of its PDF), or at every page. A segment with no
 * page to show is not made into a document of its own. Computed apart from the split so that a
 * batch in review can show the documents before any is made. */
static GArray *
compute_segments (PdBatch     *batch,
                  PdDocument  *document,
                  GError     **error)
{
  g_autoptr(GArray) segments = g_array_new (FALSE, TRUE, sizeof (Segment));
  g_autoptr(GPtrArray) pages = NULL;
  PdSeparation separation = batch->profile ? batch->profile->separation : PD_SEPARATION_NONE;
  gboolean separates = separation == PD_SEPARATION_BARCODE || separation == PD_SEPARATION_EVERY_PAGE;
  Segment first = { 0, 0, NULL };
  gboolean segment_has_pages = FALSE;

  g_array_set_clear_func (segments, segment_clear);
  pages = pd_library_list_pages (batch->pipeline->library, document->id, error);
  if (pages == NULL)
    return NULL;

  g_array_append_val (segments, first);
  for (guint i = 0; i < pages->len; i++)
    {
      PdPage *page = g_ptr_array_index (pages, i);
      gboolean starts = separates && (separation == PD_SEPARATION_EVERY_PAGE
                                      ? !page->excluded && segment_has_pages
                                      : page->is_separator);

      if (starts && segment_has_pages)
        {
          Segment next = { page->index, 0, NULL };

          next.barcode = dup_separator_value (batch, page);
          g_array_append_val (segments, next);
          segment_has_pages = FALSE;
        }
      else if (starts && page->is_separator)
        {
          Segment *current = &g_array_index (segments, Segment, segments->len - 1);

          g_free (current->barcode);
          current->barcode = dup_separator_value (batch, page);
        }
      if (!page->excluded)
        {
          segment_has_pages = TRUE;
          if (page->state == PD_PAGE_STATE_RECOGNIZED)
            g_array_index (segments, Segment, segments->len - 1).n_pages++;
        }
    }
  /* A trailing segment of separators only stays with the document before it. */
  if (!segment_has_pages && segments->len > 1)
    g_array_remove_index (segments, segments->len - 1);
  return g_steal_pointer (&segments);
}

/* Makes @segments into documents; returns them in page order. */
static GPtrArray *
split_batch (PdBatch     *batch,
             PdDocument  *document,
             GArray      *segments,
             GError     **error)
{
  PdLibrary *library = batch->pipeline->library;
  g_autoptr(GPtrArray) documents = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_document_free);
  GError *split_error = NULL;

  g_ptr_array_add (documents, pd_document_copy (document));
  /* Last first, so each split takes exactly its own pages. */
  for (guint k = segments->len - 1; k >= 1 && split_error == NULL; k--)
    {
      Segment *segment = &g_array_index (segments, Segment, k);
      g_autofree char *name = g_strdup_printf ("%s (%u)", document->name, k + 1);
      PdDocument *part = pd_library_split_document (library, document->id, segment->first_index, name,
                                                    &split_error);

      if (part != NULL)
        g_ptr_array_insert (documents, 1, part);
    }
  if (split_error != NULL)
    {
      g_propagate_error (error, split_error);
      return NULL;
    }
  return g_steal_pointer (&documents);
}

/* Review: the names the segments would get if filed now. The counter is peeked, never taken:
 * the k-th document that uses it shows the k-th next value, as filing will give it unless
 * another batch is filed in between. A name that cannot be rendered shows the name filing
 * falls back to, and filing reports why. */
static PdFilingPlan *
build_plan (PdBatch     *batch,
            PdDocument  *document,
            GArray      *segments,
            GError     **error)
{
  PdLibrary *library = batch->pipeline->library;
  g_autoptr(PdFilingPlan) plan = g_new0 (PdFilingPlan, 1);
  g_autoptr(GPtrArray) pages = pd_library_list_pages (library, document->id, error);
  const char *name_template = batch->profile ? batch->profile->name_template : NULL;
  gboolean uses_template = !batch->fixed_name && name_template != NULL && *name_template != '\0';
  guint nth = 0;

  if (pages == NULL)
    return NULL;
  plan->document_id = document->id;
  plan->profile = batch->profile ? g_strdup (batch->profile->name) : NULL;
  plan->segments = g_ptr_array_new_with_free_func (pd_filing_segment_free);
  for (guint k = 0; k < segments->len; k++)
    {
      const Segment *segment = &g_array_index (segments, Segment, k);
      PdFilingSegment *out = g_new0 (PdFilingSegment, 1);
      g_autoptr(GString) text = g_string_new (NULL);
      g_autoptr(GError) naming_error = NULL;
      guint end = k + 1 < segments->len ? g_array_index (segments, Segment, k + 1).first_index : G_MAXUINT;
      PdNamingContext ctx;

      out->first_index = segment->first_index;
      out->n_pages = segment->n_pages;
      out->barcode = g_strdup (segment->barcode);
      if (uses_template)
        {
          fill_naming_context (batch, pages, segment->first_index, end, segment->barcode, &ctx, text);
          out->name = pd_naming_preview_nth_name (library, name_template, &ctx, nth, &naming_error);
          if (pd_naming_template_uses_counter (name_template))
            nth++;
          if (out->name == NULL)
            g_debug ("No preview of the name of part %u of “%s”: %s", k + 1, document->name,
                     naming_error->message);
        }
      if (out->name == NULL)
        out->name = k == 0 ? g_strdup (document->name) : g_strdup_printf ("%s (%u)", document->name, k + 1);
      g_ptr_array_add (plan->segments, out);
    }
  return g_steal_pointer (&plan);
}

static void
run_finish_job (Job *job)
{
  PdBatch *batch = job->batch;
  PdLibrary *library = batch->pipeline->library;
  g_autoptr(GError) error = NULL;
  g_autoptr(PdDocument) current = NULL;
  PdDocument *document;
  GError *capture_error;
  guint n_captured;

  g_mutex_lock (&batch->mutex);
  document = batch->document;
  capture_error = batch->capture_error;
  n_captured = batch->n_captured;
  g_mutex_unlock (&batch->mutex);

  if (document == NULL)
    {
      if (capture_error != NULL)
        error = g_error_copy (capture_error);
      else
        error = g_error_new (PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_NO_DOCS,
                             "No page was scanned or imported, so no document was made.");
      goto out;
    }

  current = pd_library_get_document_by_id (library, document->id, &error);
  if (current == NULL)
    goto out;

  if (current->state == PD_DOC_STATE_CAPTURING)
    {
      g_autofree char *detail = NULL;

      if (capture_error != NULL)
        detail = g_strdup_printf ("%u pages kept; capture stopped: %s", n_captured, capture_error->message);
      else
        detail = g_strdup_printf ("%u pages", n_captured);
      if (!pd_library_transition (library, document->id, PD_DOC_STATE_CAPTURING,
                                  PD_DOC_STATE_PROCESSING, "capture finished", detail, &error))
        goto out;
    }

  /* Review stops here: every page is recognized and committed, the document is PROCESSING. If
   * the program ends before the person files it, the next start's resume finishes it with its
   * profile's rules, as it would a batch cut short by a crash: nothing scanned is lost. */
  if (batch->review)
    {
      g_autoptr(GArray) segments = compute_segments (batch, current, &error);
      g_autoptr(PdFilingPlan) plan = NULL;
      g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_document_free);
      PdDocument *reviewed;

      if (segments == NULL || (plan = build_plan (batch, current, segments, &error)) == NULL)
        goto out;
      pd_library_journal_add (library, document->id, "waiting for review", NULL, NULL);
      reviewed = pd_library_get_document_by_id (library, document->id, &error);
      if (reviewed == NULL)
        goto out;
      g_ptr_array_add (results, reviewed);
      g_mutex_lock (&batch->mutex);
      batch->plan = g_steal_pointer (&plan);
      batch->results = g_steal_pointer (&results);
      g_mutex_unlock (&batch->mutex);
      if (capture_error != NULL)
        error = g_error_copy (capture_error);
      goto out;
    }

  {
    g_autoptr(GArray) segments = compute_segments (batch, current, &error);
    g_autoptr(GPtrArray) parts = segments ? split_batch (batch, current, segments, &error) : NULL;
    g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_document_free);

    for (guint i = 0; parts != NULL && i < parts->len; i++)
      {
        PdDocument *part = g_ptr_array_index (parts, i);
        const char *barcode = g_array_index (segments, Segment, i).barcode;
        g_autoptr(GError) part_error = NULL;
        PdDocument *finished;
        guint n_separators;

        /* The profile is recorded before the PDF exists, so every later edit makes the PDF
         * again with the same protection. */
        if ((n_separators = count_if_only_separators (library, part->id)) > 0)
          {
            g_autofree char *why = g_strdup_printf ("only separator sheets: %u pages",
                                                    n_separators);

            discard_empty_document (library, part->id, why);
            continue;
          }
        if ((batch->profile == NULL ||
             pd_document_set_profile (library, part->id, batch->profile->name, &part_error)) &&
            apply_naming_template (batch, part, barcode, &part_error))
          {
            /* The destination goes in before the document is ready: killed in between, a ready
             * document without one would never be synced (only ready documents are sent, so an
             * early destination is harmless). A destination that cannot be made only keeps the
             * document here. */
            if (!queue_for_destination (batch, part, barcode, &part_error))
              {
                g_warning ("“%s” will not be synced: %s", part->name, part_error->message);
                pd_library_journal_add (library, part->id, "not queued for sync", part_error->message, NULL);
                g_clear_error (&part_error);
              }
          }
        if (part_error == NULL)
          assemble_pdf (batch, part, &part_error);
        if (part_error != NULL)
          {
            g_autoptr(GError) mark_error = NULL;

            if (!pd_library_set_document_failed (library, part->id, part_error->message, &mark_error))
              g_warning ("Could not record the failure of “%s”: %s", part->name, mark_error->message);
            if (error == NULL)
              error = g_error_copy (part_error);
          }
        finished = pd_library_get_document_by_id (library, part->id, error == NULL ? &error : NULL);
        if (finished != NULL)
          g_ptr_array_add (results, finished);
      }

    g_mutex_lock (&batch->mutex);
    batch->results = g_steal_pointer (&results);
    g_mutex_unlock (&batch->mutex);
  }

  /* The document is finished with every page that was kept; a scanner problem that cut the
   * batch short is still reported, so the person knows pages may be missing. */
  if (error == NULL && capture_error != NULL)
    error = g_error_copy (capture_error);

out:
  /* The task holds the batch as its data and the batch holds the task until here. */
  if (batch->task != NULL)
    {
      GTask *task = g_steal_pointer (&batch->task);

      if (error != NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_boolean (task, TRUE);
      task_unref_on_context (task);
    }
  if (batch->done_func != NULL)
    batch->done_func (batch, batch->done_data);
}

static void
worker_func (gpointer data,
             gpointer user_data)
{
  Job *job = data;

  if (job->kind == JOB_PAGE)
    run_page_job (job);
  else
    run_finish_job (job);
  job_free (job);
#ifdef HAVE_MALLOC_TRIM
  /* A page leaves behind tens of megabytes of freed images and recognizer buffers, scattered
   * over this thread's malloc arena; glibc keeps those pages resident until told otherwise, and
   * over a long batch each arena settles at its worst page. Handing them back once a page is
   * done costs a few milliseconds against the seconds a page takes. */
  if (((PdPipeline *) user_data)->trim_after_jobs)
    malloc_trim (0);
#endif
}

static void
capture_finished (PdBatch *batch,
                  GError  *error)
{
  g_mutex_lock (&batch->mutex);
  batch->capture_done = TRUE;
  batch->capture_error = error;
  g_mutex_unlock (&batch->mutex);
  queue_finish_if_complete (batch);
}

static gboolean
batch_finish (PdPipeline    *self,
              GAsyncResult  *result,
              GPtrArray    **documents,
              GError       **error)
{
  PdBatch *batch = g_task_get_task_data (G_TASK (result));

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (documents != NULL)
    {
      g_mutex_lock (&batch->mutex);
      *documents = batch->results ? g_steal_pointer (&batch->results)
                                  : g_ptr_array_new_with_free_func ((GDestroyNotify) pd_document_free);
      g_mutex_unlock (&batch->mutex);
    }
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Scanning ------------------------------------------------------------------------------------ */

static void
scan_progress_cb (guint    page_index,
                  double   fraction,
                  gpointer user_data)
{
  PdBatch *batch = user_data;

  /* The scanner reports every read; a person needs a few updates per page. Only the scanner
   * thread touches these two fields. */
  if (page_index == batch->progress_index && fraction < 1.0 && fraction - batch->progress_fraction < 0.1)
    return;
  batch->progress_index = page_index;
  batch->progress_fraction = fraction;
  emit_later (batch, SCAN_PROGRESS, 0, page_index, 0, fraction, NULL);
}

static void
scan_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PdBatch *batch = g_task_get_task_data (task);
  GError *error = NULL;
  guint n_pages = 0;

  pd_scanner_scan_finish (PD_SCANNER (source), result, &n_pages, &error);
  g_debug ("Scan of “%s” ended after %u pages%s%s", batch->name, n_pages,
           error ? ": " : "", error ? error->message : "");
  capture_finished (batch, error);
}

static char *
dup_default_name (const char *prefix)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d %H.%M.%S");

  return g_strdup_printf ("%s %s", prefix, stamp);
}

void
pd_pipeline_scan_async (PdPipeline             *self,
                        const PdScanOptions    *scan_options,
                        const PdProcessOptions *process_options,
                        const char             *name,
                        GCancellable           *cancellable,
                        GAsyncReadyCallback     callback,
                        gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *default_name = NULL;
  PdBatch *batch;

  g_return_if_fail (PD_IS_PIPELINE (self));
  g_return_if_fail (scan_options != NULL && process_options != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, pd_pipeline_scan_async);
  if (self->scanner == NULL)
    {
      g_task_return_new_error (task, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_NO_DEVICE,
                               "This pipeline has no scanner.");
      return;
    }

  if (name == NULL)
    name = default_name = dup_default_name ("Scan");
  batch = batch_new (self, process_options, name, scan_options->device);
  batch->fixed_name = default_name == NULL;
  batch->task = g_object_ref (task);
  batch->progress_index = G_MAXUINT;
  g_task_set_task_data (task, batch, (GDestroyNotify) batch_unref);

  pd_scanner_scan_async (self->scanner, scan_options, pd_library_get_spool_dir (self->library),
                         batch->file_prefix, page_spooled_cb, scan_progress_cb, batch,
                         cancellable, scan_done_cb, g_object_ref (task));
}

gboolean
pd_pipeline_scan_finish (PdPipeline    *self,
                         GAsyncResult  *result,
                         GPtrArray    **documents,
                         GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, pd_pipeline_scan_async), FALSE);
  return batch_finish (self, result, documents, error);
}

/* Importing ----------------------------------------------------------------------------------- */

static void
import_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  PdBatch *batch = g_task_get_task_data (task);
  char **files = g_object_get_data (G_OBJECT (task), "pd-files");
  g_autoptr(GString) problems = g_string_new (NULL);
  GError *first_error = NULL;
  guint n_bad = 0;
  guint index = 0;

  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      guint n_pages = 0;

      if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
          !pd_import_file (files[i], pd_library_get_spool_dir (batch->pipeline->library),
                           batch->file_prefix, index, page_spooled_cb, batch, &n_pages, &error))
        {
          n_bad++;
          if (problems->len > 0)
            g_string_append_c (problems, '\n');
          g_string_append (problems, error->message);
          if (first_error == NULL)
            first_error = g_error_copy (error);
          pd_library_journal_add (batch->pipeline->library, 0, "import refused", error->message, NULL);
        }
      index += n_pages;
    }

  if (first_error != NULL && n_bad > 1)
    {
      g_autofree char *message = g_strdup_printf ("%u files could not be imported:\n%s", n_bad, problems->str);

      g_free (first_error->message);
      first_error->message = g_steal_pointer (&message);
    }
  capture_finished (batch, first_error);
  g_task_return_boolean (task, TRUE);
}

void
pd_pipeline_import_async (PdPipeline             *self,
                          const char *const      *files,
                          const PdProcessOptions *process_options,
                          const char             *name,
                          GCancellable           *cancellable,
                          GAsyncReadyCallback     callback,
                          gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *default_name = NULL;
  PdBatch *batch;

  g_return_if_fail (PD_IS_PIPELINE (self));
  g_return_if_fail (files != NULL && files[0] != NULL);

  if (name == NULL)
    {
      g_autofree char *base = g_path_get_basename (files[0]);
      char *dot = strrchr (base, '.');

      if (dot != NULL && dot != base)
        *dot = '\0';
      name = default_name = g_steal_pointer (&base);
    }

  /* No cancellable on the result: a cancelled import still reports the pages it kept. */
  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, pd_pipeline_import_async);
  batch = batch_new (self, process_options, name, "import");
  batch->fixed_name = default_name == NULL;
  /* Imports include phone photos of a sheet on a desk: find the sheet and straighten it. */
  batch->process->perspective = TRUE;
  batch->task = g_object_ref (task);
  g_task_set_task_data (task, batch, (GDestroyNotify) batch_unref);

  /* The import thread is the producer, as the scanner thread is for a scan; the task itself
   * completes from the worker that finishes the document. */
  {
    g_autoptr(GTask) producer = g_task_new (NULL, cancellable, NULL, NULL);

    g_task_set_task_data (producer, batch_ref (batch), (GDestroyNotify) batch_unref);
    g_object_set_data_full (G_OBJECT (producer), "pd-files", g_strdupv ((char **) files),
                            (GDestroyNotify) g_strfreev);
    g_task_run_in_thread (producer, import_thread);
  }
}

gboolean
pd_pipeline_import_finish (PdPipeline    *self,
                           GAsyncResult  *result,
                           GPtrArray    **documents,
                           GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, pd_pipeline_import_async), FALSE);
  return batch_finish (self, result, documents, error);
}

/* Resuming after a crash ---------------------------------------------------------------------- */

typedef struct {
  GTask *task;
  gint   pending;
  guint  n_documents;
} ResumeState;

static void
resume_batch_done (PdBatch  *batch,
                   gpointer  data)
{
  ResumeState *state = data;

  if (g_atomic_int_dec_and_test (&state->pending))
    {
      g_task_return_int (state->task, state->n_documents);
      task_unref_on_context (state->task);
      g_free (state);
    }
}

/* A batch that finishes @document as the library holds it, by its own profile's rules (a
 * separation, a name, a destination, protection), not whatever profile is current now. NULL
 * with @error unset when there was nothing to finish (the document is discarded). */
static PdBatch *
batch_new_for_document (PdPipeline  *self,
                        PdDocument  *document,
                        GPtrArray  **pages_out,
                        GError     **error)
{
  g_autoptr(GPtrArray) pages = pd_library_list_pages (self->library, document->id, error);
  g_autoptr(PdProcessOptions) process = pd_process_options_new ();
  g_autoptr(PdBatch) batch = NULL;
  g_autofree char *profile_name = NULL;

  if (pages == NULL)
    return NULL;
  if (pages->len == 0)
    {
      discard_empty_document (self->library, document->id,
                              "interrupted before its first page was saved");
      return NULL;
    }

  process->mode = document->mode;
  g_free (process->langs);
  process->langs = g_strdup (document->langs);

  batch = batch_new (self, process, document->name, document->source);
  batch->review = FALSE;
  batch->document = pd_library_get_document_by_id (self->library, document->id, error);
  if (batch->document == NULL)
    return NULL;
  if (!pd_document_get_profile (self->library, document->id, &profile_name, error))
    return NULL;
  g_clear_pointer (&batch->profile, pd_profile_free);
  if (profile_name != NULL)
    batch->profile = pd_library_get_profile (self->library, profile_name, NULL);
  batch->n_captured = pages->len;
  batch->capture_done = TRUE;
  *pages_out = g_steal_pointer (&pages);
  return g_steal_pointer (&batch);
}

/* Queues the pages not yet recognized, then the finish once they are all done. */
static void
batch_queue_pages (PdBatch   *batch,
                   GPtrArray *pages)
{
  for (guint i = 0; i < pages->len; i++)
    {
      PdPage *page = g_ptr_array_index (pages, i);

      if (page->state == PD_PAGE_STATE_CAPTURED)
        push_job (batch, JOB_PAGE, page->id, page->index, page->dpi, page->spool_path);
      else
        {
          g_mutex_lock (&batch->mutex);
          batch->n_processed++;
          g_mutex_unlock (&batch->mutex);
        }
    }
  queue_finish_if_complete (batch);
}

static gboolean
resume_document (PdPipeline   *self,
                 PdDocument   *document,
                 ResumeState  *state,
                 GError      **error)
{
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(PdBatch) batch = batch_new_for_document (self, document, &pages, &local_error);

  if (batch == NULL)
    {
      if (local_error == NULL)
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  batch->done_func = resume_batch_done;
  batch->done_data = state;

  pd_library_journal_add (self->library, document->id, "resumed",
                          "unfinished at start-up; finishing with the pages that were kept", NULL);

  g_atomic_int_inc (&state->pending);
  state->n_documents++;
  batch_queue_pages (batch, pages);
  return TRUE;
}

static void
resume_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  PdPipeline *self = g_task_get_source_object (task_data);
  ResumeState *state = g_new0 (ResumeState, 1);
  const PdDocState unfinished[] = { PD_DOC_STATE_CAPTURING, PD_DOC_STATE_PROCESSING };
  g_autoptr(GError) error = NULL;

  /* One pending count for this thread itself, so the result cannot be returned while documents
   * are still being queued. */
  state->task = g_object_ref (task_data);
  state->pending = 1;

  /* What writers killed mid-file left behind (no live writer holds them). */
  pd_fs_remove_stale_temporaries (pd_library_get_spool_dir (self->library));
  pd_fs_remove_stale_temporaries (pd_library_get_pages_dir (self->library));
  pd_fs_remove_stale_temporaries (pd_library_get_documents_dir (self->library));

  /* PROCESSING includes a batch left in review (the program ended before the person filed it):
   * it is filed now with its profile's rules, so nothing scanned waits for a window forever. */
  for (guint s = 0; s < G_N_ELEMENTS (unfinished) && error == NULL; s++)
    {
      g_autoptr(GPtrArray) documents = pd_library_list_documents_in_state (self->library, unfinished[s], &error);

      for (guint i = 0; documents != NULL && i < documents->len && error == NULL; i++)
        resume_document (self, g_ptr_array_index (documents, i), state, &error);
    }

  if (error != NULL)
    g_warning ("Could not resume every unfinished document: %s", error->message);
  resume_batch_done (NULL, state);
  g_task_return_boolean (task, TRUE);
}

void
pd_pipeline_resume_async (PdPipeline          *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GTask) producer = g_task_new (NULL, NULL, NULL, NULL);

  /* The result comes from whichever worker finishes the last document, after this thread has
   * queued them all; a thread function's task completes when the function returns, so the
   * queueing runs under a task of its own. */
  g_task_set_source_tag (task, pd_pipeline_resume_async);
  g_task_set_task_data (producer, g_object_ref (task), task_unref_on_context);
  g_task_run_in_thread (producer, resume_thread);
}

gboolean
pd_pipeline_resume_finish (PdPipeline    *self,
                           GAsyncResult  *result,
                           guint         *n_documents,
                           GError       **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  if (n_documents != NULL)
    *n_documents = (guint) n;
  return TRUE;
}

/* Planning a batch in review again ---------------------------------------------------------- */

/* A task about the batch in review @document_id, completed from a thread: see plan_thread(). */
static GTask *
review_task_new (PdPipeline          *self,
                 gint64               document_id,
                 gpointer             source_tag,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_object_set_data_full (G_OBJECT (task), "pd-document-id", g_memdup2 (&document_id, sizeof (gint64)),
                          g_free);
  return task;
}

/* The batch in review that @task is about, as the library holds it now; an error once filed. */
static PdDocument *
dup_reviewed_document (PdPipeline  *self,
                       GTask       *task,
                       GError     **error)
{
  gint64 document_id = *(gint64 *) g_object_get_data (G_OBJECT (task), "pd-document-id");
  g_autoptr(PdDocument) document = pd_library_get_document_by_id (self->library, document_id, error);

  if (document != NULL && document->state != PD_DOC_STATE_PROCESSING)
    {
      g_set_error (error, PD_LIBRARY_ERROR, PD_LIBRARY_ERROR_BAD_TRANSITION,
                   "“%s” is already filed.", document->name);
      return NULL;
    }
  return g_steal_pointer (&document);
}

/* In a thread of its own: the task it completes (the pipeline's) is only let go of on the
 * pipeline's context. */
static void
plan_thread (GTask        *work,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GTask *task = task_data;
  PdPipeline *self = g_task_get_source_object (task);
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(PdBatch) batch = NULL;
  g_autoptr(GArray) segments = NULL;
  PdFilingPlan *plan = NULL;
  GError *error = NULL;

  document = dup_reviewed_document (self, task, &error);
  /* Looked at first: a batch with no page left is reported, never discarded from here. */
  if (document != NULL && (pages = pd_library_list_pages (self->library, document->id, &error)) != NULL &&
      pages->len == 0)
    g_set_error (&error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_NO_DOCS,
                 "The batch has no page left; scan again to make a document.");
  g_clear_pointer (&pages, g_ptr_array_unref);
  if (error == NULL)
    batch = batch_new_for_document (self, document, &pages, &error);
  if (batch != NULL && (segments = compute_segments (batch, batch->document, &error)) != NULL)
    plan = build_plan (batch, batch->document, segments, &error);
  if (plan != NULL)
    {
      guint shown = 0;

      for (guint k = 0; k < plan->segments->len; k++)
        shown += ((PdFilingSegment *) plan->segments->pdata[k])->n_pages;
      if (shown == 0)
        {
          g_clear_pointer (&plan, pd_filing_plan_free);
          g_set_error (&error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_NO_DOCS,
                       "Every page of the batch is left out (blank or a separator sheet), so "
                       "saving it would make no document. Mark a page as not blank.");
        }
    }
  if (plan == NULL && error == NULL)
    error = g_error_new (PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_NO_DOCS,
                         "The batch has no page left; scan again to make a document.");
  if (plan != NULL)
    g_task_return_pointer (task, plan, (GDestroyNotify) pd_filing_plan_free);
  else
    g_task_return_error (task, error);
  g_task_return_boolean (work, TRUE);
}

void
pd_pipeline_plan_async (PdPipeline          *self,
                        gint64               document_id,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) work = NULL;
  GTask *task;

  g_return_if_fail (PD_IS_PIPELINE (self));
  g_return_if_fail (document_id > 0);

  task = review_task_new (self, document_id, pd_pipeline_plan_async, cancellable, callback, user_data);
  work = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_task_data (work, task, task_unref_on_context);
  g_task_run_in_thread (work, plan_thread);
}

PdFilingPlan *
pd_pipeline_plan_finish (PdPipeline    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, pd_pipeline_plan_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Filing a batch in review ------------------------------------------------------------------- */

static void
file_thread (GTask        *producer,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GTask *task = task_data;
  PdPipeline *self = g_task_get_source_object (task);
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(GPtrArray) pages = NULL;
  g_autoptr(PdBatch) batch = NULL;
  GError *error = NULL;

  document = dup_reviewed_document (self, task, &error);
  if (document != NULL)
    batch = batch_new_for_document (self, document, &pages, &error);
  if (batch == NULL)
    {
      if (error == NULL)
        error = g_error_new (PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_NO_DOCS,
                             "The batch has no page left, so no document was made.");
      g_task_return_error (task, error);
      task_unref_on_context (task);
      return;
    }
  pd_library_journal_add (self->library, document->id, "reviewed", "filed as the person saved it", NULL);
  /* The task completes from the worker that finishes the last document, as a scan's does. */
  batch->task = task;
  g_task_set_task_data (task, batch_ref (batch), (GDestroyNotify) batch_unref);
  batch_queue_pages (batch, pages);
  g_task_return_boolean (producer, TRUE);
}

void
pd_pipeline_file_async (PdPipeline          *self,
                        const PdFilingPlan  *plan,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) producer = NULL;
  GTask *task;

  g_return_if_fail (PD_IS_PIPELINE (self));
  g_return_if_fail (plan != NULL && plan->document_id > 0);

  /* No cancellable on the result: filing, once started, runs to its end. */
  task = review_task_new (self, plan->document_id, pd_pipeline_file_async, NULL, callback, user_data);
  producer = g_task_new (NULL, cancellable, NULL, NULL);
  g_task_set_task_data (producer, task, NULL);
  g_task_run_in_thread (producer, file_thread);
}

gboolean
pd_pipeline_file_finish (PdPipeline    *self,
                         GAsyncResult  *result,
                         GPtrArray    **documents,
                         GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, pd_pipeline_file_async), FALSE);

  /* A task that failed before its batch existed has no batch to give documents from. */
  if (g_task_get_task_data (G_TASK (result)) == NULL)
    {
      if (documents != NULL)
        *documents = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_document_free);
      return g_task_propagate_boolean (G_TASK (result), error);
    }
  return batch_finish (self, result, documents, error);
}

/* Scanning one page again ------------------------------------------------------------------- */

typedef struct {
  PdLibrary        *library;
  PdProcessOptions *process;
  gint64            page_id;
  char             *file_prefix;
  char             *spool_path;     /* set by the scanner thread once the page is durable */
  PdSpooledPage     spooled;
} RescanData;

static void
rescan_data_free (RescanData *data)
{
  g_clear_object (&data->library);
  g_clear_pointer (&data->process, pd_process_options_free);
  g_free (data->file_prefix);
  g_free (data->spool_path);
  g_free (data);
}

static gboolean
rescan_spooled_cb (const PdSpooledPage  *page,
                   gpointer              user_data,
                   GError              **error)
{
  RescanData *data = user_data;

  /* Only the scanner thread writes these, and only the thread started after it reads them. */
  if (data->spool_path != NULL)
    return TRUE;
  data->spool_path = g_strdup (page->path);
  data->spooled = *page;
  data->spooled.path = data->spool_path;
  return TRUE;
}

static void
rescan_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  RescanData *data = task_data;   /* kept alive by the outer task, which waits for this one */
  g_autoptr(PdPage) page = NULL;
  g_autoptr(PdDocument) document = NULL;
  g_autoptr(PdPageResult) result = NULL;
  g_autofree char *prefix = NULL;
  GError *error = NULL;

  page = pd_library_get_page (data->library, data->page_id, &error);
  if (page != NULL)
    document = pd_library_get_document_by_id (data->library, page->document_id, &error);
  if (document == NULL)
    {
      g_unlink (data->spool_path);
      g_task_return_error (task, error);
      return;
    }
  /* The new page reads like the rest of its document. */
  data->process->mode = document->mode;
  g_free (data->process->langs);
  data->process->langs = g_strdup (document->langs);

  prefix = g_strdup_printf ("%s-p%04u-%s", document->uuid, page->index + 1, data->file_prefix);
  result = pd_page_process (data->spool_path, data->spooled.dpi, data->process,
                            pd_library_get_pages_dir (data->library), prefix, cancellable, &error);
  if (result == NULL ||
      !pd_document_replace_page (data->library, data->page_id, &data->spooled, result, &error))
    {
      /* The old page stays as it was; the new scan belongs to nothing. */
      if (result != NULL)
        g_unlink (result->image_path);
      g_unlink (data->spool_path);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/* Back on the caller's context. The work ran under a task of its own, without the pipeline as
 * its source: the last reference of a task run in a thread may be dropped in that thread, and
 * the pipeline must never be finalized there. */
static void
rescan_processed_cb (GObject      *source,
                     GAsyncResult *res,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (g_task_propagate_boolean (G_TASK (res), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
rescan_scanned_cb (GObject      *source,
                   GAsyncResult *res,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RescanData *data = g_task_get_task_data (task);
  GError *error = NULL;
  guint n_pages = 0;

  if (!pd_scanner_scan_finish (PD_SCANNER (source), res, &n_pages, &error) && data->spool_path == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_clear_error (&error);
  if (data->spool_path == NULL)
    {
      g_task_return_new_error (task, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_NO_DOCS,
                               "The scanner gave no page; put the page in and try again. The "
                               "document is unchanged.");
      return;
    }
  {
    g_autoptr(GTask) work = g_task_new (NULL, NULL, rescan_processed_cb, g_object_ref (task));

    g_task_set_task_data (work, data, NULL);
    g_task_run_in_thread (work, rescan_thread);
  }
}

void
pd_pipeline_rescan_page_async (PdPipeline             *self,
                               const PdScanOptions    *scan_options,
                               const PdProcessOptions *process_options,
                               gint64                  page_id,
                               GCancellable           *cancellable,
                               GAsyncReadyCallback     callback,
                               gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PdScanOptions) one = NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  RescanData *data;

  g_return_if_fail (PD_IS_PIPELINE (self));
  g_return_if_fail (scan_options != NULL && process_options != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_pipeline_rescan_page_async);
  /* Once the new page is processed, replacing the old one runs to its end. */
  g_task_set_return_on_cancel (task, FALSE);
  if (self->scanner == NULL)
    {
      g_task_return_new_error (task, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_NO_DEVICE,
                               "This pipeline has no scanner.");
      return;
    }
  data = g_new0 (RescanData, 1);
  data->library = g_object_ref (self->library);
  data->process = pd_process_options_copy (process_options);
  data->page_id = page_id;
  data->file_prefix = g_strdup_printf ("rescan-%s", uuid);
  g_task_set_task_data (task, data, (GDestroyNotify) rescan_data_free);

  one = pd_scan_options_copy (scan_options);
  one->max_pages = 1;
  pd_scanner_scan_async (self->scanner, one, pd_library_get_spool_dir (self->library),
                         data->file_prefix, rescan_spooled_cb, NULL, data, cancellable,
                         rescan_scanned_cb, g_object_ref (task));
}

gboolean
pd_pipeline_rescan_page_finish (PdPipeline    *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, pd_pipeline_rescan_page_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Object -------------------------------------------------------------------------------------- */

static void
pd_pipeline_finalize (GObject *object)
{
  PdPipeline *self = PD_PIPELINE (object);

  /* Every batch holds a reference, so no job is left when this runs. */
  g_thread_pool_free (self->workers, FALSE, TRUE);
  g_clear_object (&self->library);
  g_clear_object (&self->scanner);
  g_clear_pointer (&self->profile, pd_profile_free);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (pd_pipeline_parent_class)->finalize (object);
}

static void
pd_pipeline_class_init (PdPipelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pd_pipeline_finalize;

  signals[PAGE_CAPTURED] =
    g_signal_new ("page-captured", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_UINT);
  signals[PAGE_RECOGNIZED] =
    g_signal_new ("page-recognized", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_INT64, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_DOUBLE);
  signals[PAGE_FAILED] =
    g_signal_new ("page-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_INT64, G_TYPE_UINT, G_TYPE_STRING);
  signals[SCAN_PROGRESS] =
    g_signal_new ("scan-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_DOUBLE);
  /* (document id, page index, PdPageStage) */
  signals[PAGE_STAGE] =
    g_signal_new ("page-stage", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_INT64, G_TYPE_UINT, G_TYPE_UINT);
}

static void
pd_pipeline_init (PdPipeline *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->n_workers = MAX (1, g_get_num_processors ());
  /* Exclusive threads end with the pool, so each one's recognizer is released then (tesseract
   * reports every recognizer still alive at exit as a leak). */
  self->trim_after_jobs = g_getenv ("PD_NO_MALLOC_TRIM") == NULL;
  self->workers = g_thread_pool_new (worker_func, self, (int) self->n_workers, TRUE, NULL);
}

PdPipeline *
pd_pipeline_new (PdLibrary *library,
                 PdScanner *scanner)
{
  PdPipeline *self;

  g_return_val_if_fail (PD_IS_LIBRARY (library), NULL);
  g_return_val_if_fail (scanner == NULL || PD_IS_SCANNER (scanner), NULL);

  self = g_object_new (PD_TYPE_PIPELINE, NULL);
  self->library = g_object_ref (library);
  self->scanner = scanner ? g_object_ref (scanner) : NULL;
  return self;
}

/* Batches started from now on follow @profile (naming template, page rules); NULL for none. */
void
pd_pipeline_set_profile (PdPipeline      *self,
                         const PdProfile *profile)
{
  g_return_if_fail (PD_IS_PIPELINE (self));

  g_clear_pointer (&self->profile, pd_profile_free);
  self->profile = profile ? pd_profile_copy (profile) : NULL;
}

void
pd_pipeline_set_review (PdPipeline *self,
                        gboolean    review)
{
  g_return_if_fail (PD_IS_PIPELINE (self));
  self->review = !!review;
}

PdFilingPlan *
pd_pipeline_dup_plan (PdPipeline   *self,
                      GAsyncResult *result)
{
  PdBatch *batch;
  PdFilingPlan *plan;

  g_return_val_if_fail (PD_IS_PIPELINE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  batch = g_task_get_task_data (G_TASK (result));
  if (batch == NULL)
    return NULL;
  g_mutex_lock (&batch->mutex);
  plan = batch->plan ? pd_filing_plan_copy (batch->plan) : NULL;
  g_mutex_unlock (&batch->mutex);
  return plan;
}

guint
pd_pipeline_get_n_workers (PdPipeline *self)
{
  g_return_val_if_fail (PD_IS_PIPELINE (self), 0);
  return self->n_workers;
}
