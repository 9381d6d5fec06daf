/* pd-scanner.c: the scanner thread and its front. SANE is process-wide state and most backends
 * are not thread-safe, so one thread owns it all: sane_init, discovery and the open handle.
 * The API only queues requests to that thread; the thread answers through GTask, which brings
 * the result back to the caller's main context. Pages are streamed line by line from sane_read
 * into a durable spool file, committed (fsync + rename + fsync of the folder) the moment the
 * page ends, and only then handed to the caller, so a page someone has seen is never lost. */
#define G_LOG_DOMAIN "pd-capture"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pd-fs.h"
#include "pd-paths.h"
#include "pd-scanner-private.h"

#define READ_CHUNK      (64 * 1024)
#define DEMO_DEVICE_ID  "demo"
#define DEMO_SANE_NAME  "pnm:0"

/* See settle_after_start(). */
#define START_SETTLE_USEC (1000 * 1000)

struct _PdScanner
{
  GObject      parent_instance;

  /* owned; the queue is shared with the scanner thread, which holds its own reference */
  GAsyncQueue *requests;
  GThread     *thread;
};

typedef enum {
  REQUEST_LIST_DEVICES,
  REQUEST_SCAN,
  REQUEST_QUIT,
} RequestKind;

typedef struct {
  RequestKind  kind;
  GTask       *task;  /* owned; NULL for REQUEST_QUIT */
} Request;

typedef struct {
  PdScanOptions      *options;
  char               *spool_dir;
  char               *file_prefix;
  PdSpooledPageFunc   page_func;
  PdScanProgressFunc  progress_func;
  gpointer            func_data;
  /* Written by the scanner thread before the task returns, read by finish. */
  guint               n_pages;
} ScanJob;

typedef enum {
  PAGE_DONE,
  PAGE_NONE_LEFT,  /* the feeder is empty: a clean end of the batch */
  PAGE_FAILED,
} PageOutcome;

G_DEFINE_FINAL_TYPE (PdScanner, pd_scanner, G_TYPE_OBJECT)

/* Held by whichever thread has SANE initialised, so that a scanner being torn down and a new
 * one starting never run sane_init/sane_exit over each other. */
static GMutex sane_owner_lock;
static GMutex default_scanner_lock;
static GWeakRef default_scanner;

static void
request_free (Request *request)
{
  g_clear_object (&request->task);
  g_free (request);
}

static void
scan_job_free (ScanJob *job)
{
  pd_scan_options_free (job->options);
  g_free (job->spool_dir);
  g_free (job->file_prefix);
  g_free (job);
}

static gboolean
is_virtual_device (const SANE_Device *device)
{
  return g_strcmp0 (device->type, "virtual device") == 0
         || g_str_has_prefix (device->name, "test:")
         || g_str_has_prefix (device->name, "pnm:");
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The demo pages in sorted order, as absolute paths (the pnm backend needs them). */
static GStrv
list_demo_pages (void)
{
  g_autofree char *dir = g_build_filename (pd_paths_get_data_dir (), "demo", NULL);
  g_autofree char *absolute = g_canonicalize_filename (dir, NULL);
  g_autoptr(GPtrArray) pages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) gdir = g_dir_open (absolute, 0, NULL);
  const char *name;

  while (gdir != NULL && (name = g_dir_read_name (gdir)) != NULL)
    if (g_str_has_prefix (name, "page-") && g_str_has_suffix (name, ".pgm"))
      g_ptr_array_add (pages, g_build_filename (absolute, name, NULL));
  g_ptr_array_sort (pages, compare_paths);
  g_ptr_array_add (pages, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&pages), FALSE);
}

static GPtrArray *
list_devices (gboolean   include_virtual,
              GError   **error)
{
  const SANE_Device **devices = NULL;
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_device_info_free);
  gboolean has_pnm = FALSE;
  SANE_Status status;

  status = sane_get_devices (&devices, SANE_FALSE);
  if (status != SANE_STATUS_GOOD)
    {
      _pd_capture_error_set_from_sane (error, status, SANE_STAGE_SETUP, 0);
      return NULL;
    }

  for (guint i = 0; devices != NULL && devices[i] != NULL; i++)
    {
      const SANE_Device *device = devices[i];
      gboolean is_virtual = is_virtual_device (device);

      g_debug ("found device %s (%s %s, %s)", device->name, device->vendor, device->model,
               device->type);
      if (g_str_has_prefix (device->name, "pnm:"))
        has_pnm = TRUE;
      if (is_virtual && !include_virtual)
        continue;
      g_ptr_array_add (result, pd_device_info_new (device->name, device->vendor, device->model,
                                                   device->type, is_virtual));
    }

  /* The demo is listed even when virtual devices are hidden: it is how a person without a
   * scanner tries Paperdock. It needs the pnm backend and its pages. */
  if (has_pnm)
    {
      g_auto(GStrv) pages = list_demo_pages ();

      if (pages[0] != NULL)
        g_ptr_array_add (result, pd_device_info_new (DEMO_DEVICE_ID, "Paperdock", _("Demo scanner"),
                                                     "virtual device", TRUE));
    }
  return g_steal_pointer (&result);
}

static char *
find_first_real_device (GError **error)
{
  g_autoptr(GPtrArray) devices = list_devices (FALSE, error);

  if (devices == NULL)
    return NULL;
  for (guint i = 0; i < devices->len; i++)
    {
      PdDeviceInfo *info = g_ptr_array_index (devices, i);

      if (!info->is_virtual)
        return g_strdup (info->id);
    }
  g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_NO_DEVICE,
               _("No scanner was found. Check that it is plugged in and switched on, and that "
                 "its driver is installed; or choose the demo scanner to try Paperdock."));
  return NULL;
}

/* One line of device data to one line of PNM: padding dropped, 16-bit samples reduced to
 * their high byte (SANE sends them in host order). 1-bit data is already PBM's "1 = black". */
static void
convert_line (const guint8 *in,
              guint8       *out,
              gsize         out_bpl,
              int           depth)
{
  if (depth == 16)
    {
      for (gsize i = 0; i < out_bpl; i++)
        {
          guint16 sample;

          memcpy (&sample, in + 2 * i, sizeof sample);
          out[i] = (guint8) (sample >> 8);
        }
    }
  else
    memcpy (out, in, out_bpl);
}

static gboolean
write_header (PdDurableFile  *file,
              int             depth,
              guint           channels,
              guint           width,
              guint           height,
              GError        **error)
{
  if (depth == 1)
    return pd_durable_file_printf (file, error, "P4\n%u %u\n", width, height);
  return pd_durable_file_printf (file, error, "P%c\n%u %u\n255\n",
                                 channels == 3 ? '6' : '5', width, height);
}

/* Backends built on sanei_thread with pthreads (test, and several USB ones) stop their reader
 * thread with an *asynchronous* pthread_cancel. If that lands while the just-started reader is
 * still inside malloc(), glibc's arena lock is never released and the process deadlocks in
 * sane_cancel (seen with the test backend when a read fails at once). Giving a reader that
 * started moments ago time to reach its first blocking write makes the cancel safe; a quarter
 * of a second was not always enough on a busy machine. It costs at most a second, and only
 * when a page fails or is cancelled right at its start. */
static void
settle_after_start (gint64 started_at)
{
  gint64 elapsed = g_get_monotonic_time () - started_at;

  if (started_at > 0 && elapsed < START_SETTLE_USEC)
    g_usleep ((gulong) (START_SETTLE_USEC - elapsed));
}

static PageOutcome
scan_one_page (SANE_Handle    handle,
               ScanJob       *job,
               guint          index,
               guint          dpi,
               GCancellable  *cancellable,
               gint64        *started_at,
               GError       **error)
{
  g_autofree char *name = g_strdup_printf ("%s-%04u.pnm", job->file_prefix, index);
  g_autofree char *path = g_build_filename (job->spool_dir, name, NULL);
  g_autoptr(PdDurableFile) file = NULL;
  g_autoptr(GByteArray) body = NULL;
  g_autofree guint8 *chunk = NULL;
  g_autofree guint8 *line = NULL;
  g_autofree guint8 *out_line = NULL;
  SANE_Parameters params;
  SANE_Status status;
  PdSpooledPage page;
  GError *page_error = NULL;
  guint channels, height, lines_done = 0;
  gsize in_bpl, out_bpl, line_fill = 0;
  guint64 bytes_read = 0, bytes_expected;
  int last_permille = -1;

  status = sane_start (handle);
  if (status == SANE_STATUS_NO_DOCS || status == SANE_STATUS_EOF)
    {
      /* EOF from sane_start is how the pnm backend (and some ADFs) say "no more pages". */
      if (index > 0)
        return PAGE_NONE_LEFT;
      _pd_capture_error_set_from_sane (error, SANE_STATUS_NO_DOCS, SANE_STAGE_SETUP, 0);
      return PAGE_FAILED;
    }
  if (status != SANE_STATUS_GOOD)
    {
      _pd_capture_error_set_from_sane (error, status, SANE_STAGE_SETUP, job->n_pages);
      return PAGE_FAILED;
    }
  *started_at = g_get_monotonic_time ();

  status = sane_get_parameters (handle, &params);
  if (status != SANE_STATUS_GOOD)
    {
      _pd_capture_error_set_from_sane (error, status, SANE_STAGE_SETUP, job->n_pages);
      return PAGE_FAILED;
    }
  g_debug ("page %u: format %d, %d x %d, depth %d, %d bytes per line", index, params.format,
           params.pixels_per_line, params.lines, params.depth, params.bytes_per_line);

  if ((params.format != SANE_FRAME_GRAY && params.format != SANE_FRAME_RGB)
      || (params.depth != 1 && params.depth != 8 && params.depth != 16)
      || (params.format == SANE_FRAME_RGB && params.depth == 1)
      || params.pixels_per_line <= 0)
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_UNSUPPORTED,
                   _("The scanner sends images in a form Paperdock cannot read yet (three-pass "
                     "or unusual bit depth). Try the gray or color mode."));
      return PAGE_FAILED;
    }

  channels = params.format == SANE_FRAME_RGB ? 3 : 1;
  out_bpl = params.depth == 1 ? ((gsize) params.pixels_per_line + 7) / 8
                              : (gsize) params.pixels_per_line * channels;
  in_bpl = (gsize) params.bytes_per_line;
  if (in_bpl < out_bpl * (params.depth == 16 ? 2 : 1))
    {
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_FAILED,
                   _("The scanner described its image inconsistently (%d pixels in %d bytes "
                     "per line). Try another resolution."),
                   params.pixels_per_line, params.bytes_per_line);
      return PAGE_FAILED;
    }
  height = params.lines > 0 ? (guint) params.lines : 0;
  bytes_expected = (guint64) in_bpl * height;

  /* With a known height the page streams straight to disk. Hand scanners do not know it up
   * front, and the PNM header needs it first, so those pages are kept in memory. */
  if (height > 0)
    {
      file = pd_durable_file_create (path, error);
      if (file == NULL
          || !write_header (file, params.depth, channels, (guint) params.pixels_per_line,
                            height, error))
        return PAGE_FAILED;
    }
  else
    body = g_byte_array_new ();

  chunk = g_malloc (READ_CHUNK);
  line = g_malloc (in_bpl);
  out_line = g_malloc (out_bpl);

  for (;;)
    {
      SANE_Int len = 0;
      gsize offset = 0;

      /* Cancel is checked between reads: sane_read returns at least every buffer the device
       * sends, and calling sane_cancel from another thread races with backends (test, pnm)
       * that close their pipe or file while a read is in flight. */
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return PAGE_FAILED;

      status = sane_read (handle, chunk, READ_CHUNK, &len);
      if (status == SANE_STATUS_EOF)
        break;
      if (status != SANE_STATUS_GOOD)
        {
          if (status == SANE_STATUS_NO_DOCS && bytes_read == 0 && index > 0)
            return PAGE_NONE_LEFT;  /* some feeders only notice they are empty on read */
          _pd_capture_error_set_from_sane (error, status,
                                           bytes_read > 0 ? SANE_STAGE_MID_PAGE : SANE_STAGE_SETUP,
                                           job->n_pages);
          return PAGE_FAILED;
        }

      bytes_read += (guint64) len;
      while (offset < (gsize) len)
        {
          gsize take = MIN (in_bpl - line_fill, (gsize) len - offset);

          memcpy (line + line_fill, chunk + offset, take);
          line_fill += take;
          offset += take;
          if (line_fill < in_bpl)
            break;
          line_fill = 0;
          if (height > 0 && lines_done >= height)
            continue;  /* more than announced: the header is already written */
          convert_line (line, out_line, out_bpl, params.depth);
          if (file != NULL)
            {
              if (!pd_durable_file_write (file, out_line, out_bpl, error))
                return PAGE_FAILED;
            }
          else
            g_byte_array_append (body, out_line, (guint) out_bpl);
          lines_done++;
        }

      if (job->progress_func != NULL)
        {
          int permille = bytes_expected > 0 ? (int) MIN (bytes_read * 1000 / bytes_expected, 1000) : -1;

          if (permille < 0 || permille / 10 != last_permille / 10)
            {
              last_permille = permille;
              job->progress_func (index, permille < 0 ? -1.0 : permille / 1000.0, job->func_data);
            }
        }
    }

  if (height > 0 && lines_done < height)
    {
      /* The device ended early: keep what it sent and fill the rest with paper colour, so
       * the file stays a valid image of the announced size. */
      memset (out_line, params.depth == 1 ? 0x00 : 0xff, out_bpl);
      g_debug ("page %u: %u of %u lines received; padding", index, lines_done, height);
      for (; lines_done < height; lines_done++)
        if (!pd_durable_file_write (file, out_line, out_bpl, error))
          return PAGE_FAILED;
    }
  if (height == 0)
    {
      height = lines_done;
      if (height == 0)
        {
          g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_FAILED,
                       _("The scanner sent an empty page. Scan again."));
          return PAGE_FAILED;
        }
      file = pd_durable_file_create (path, error);
      if (file == NULL
          || !write_header (file, params.depth, channels, (guint) params.pixels_per_line,
                            height, error)
          || !pd_durable_file_write (file, body->data, body->len, error))
        return PAGE_FAILED;
    }

  if (!pd_durable_file_commit (g_steal_pointer (&file), error))
    return PAGE_FAILED;
  g_debug ("page %u saved to %s", index, path);

  if (job->progress_func != NULL)
    job->progress_func (index, 1.0, job->func_data);

  page.index = index;
  page.path = path;
  page.width = (guint) params.pixels_per_line;
  page.height = height;
  page.depth = params.depth == 1 ? 1 : 8;
  page.channels = channels;
  page.dpi = dpi;
  if (job->page_func != NULL && !job->page_func (&page, job->func_data, &page_error))
    {
      if (page_error == NULL)
        g_set_error (&page_error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_FAILED,
                     _("Page %u was scanned but could not be stored."), index + 1);
      g_propagate_error (error, page_error);
      return PAGE_FAILED;
    }
  job->n_pages++;
  return PAGE_DONE;
}

static gboolean
run_scan (ScanJob       *job,
          GCancellable  *cancellable,
          GError       **error)
{
  const PdScanOptions *options = job->options;
  gboolean is_demo = g_strcmp0 (options->device, DEMO_DEVICE_ID) == 0;
  g_auto(GStrv) demo_pages = NULL;
  g_autofree char *sane_name = NULL;
  SANE_Handle handle = NULL;
  SANE_Status status;
  gboolean feeder = FALSE;
  gboolean ok;
  guint dpi = 0;
  guint n_demo = 0;
  guint limit;

  if (!pd_fs_ensure_private_dir (job->spool_dir, error))
    return FALSE;

  if (is_demo)
    {
      demo_pages = list_demo_pages ();
      n_demo = g_strv_length (demo_pages);
      if (n_demo == 0)
        {
          g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_NO_DEVICE,
                       _("The demo scanner has no pages: there are no page-*.pgm files in "
                         "“%s/demo”. Reinstall Paperdock, or build it again."),
                       pd_paths_get_data_dir ());
          return FALSE;
        }
      sane_name = g_strdup (DEMO_SANE_NAME);
    }
  else if (options->device == NULL || options->device[0] == '\0')
    {
      if ((sane_name = find_first_real_device (error)) == NULL)
        return FALSE;
    }
  else
    sane_name = g_strdup (options->device);

  status = sane_open (sane_name, &handle);
  g_debug ("sane_open (%s): %s", sane_name, sane_strstatus (status));
  if (status != SANE_STATUS_GOOD)
    {
      if (status == SANE_STATUS_INVAL || status == SANE_STATUS_UNSUPPORTED)
        g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_NO_DEVICE,
                     _("There is no scanner called “%s”. Check that it is plugged in and "
                       "switched on, then list the connected scanners (“scanimage -L” shows "
                       "them too) and use one of those names."),
                     is_demo ? DEMO_DEVICE_ID : sane_name);
      else
        _pd_capture_error_set_from_sane (error, status, SANE_STAGE_SETUP, 0);
      return FALSE;
    }

  ok = _pd_scanner_configure (handle, is_demo ? DEMO_DEVICE_ID : sane_name, options, is_demo,
                              &feeder, &dpi, error);
  if (ok)
    {
      if (options->max_pages > 0)
        limit = options->max_pages;
      else if (is_demo)
        limit = n_demo;
      else
        limit = feeder ? G_MAXUINT : 1;
      g_debug ("scanning up to %u pages at %u dpi from %s", limit, dpi,
               feeder ? "a feeder" : "the flatbed");

      for (guint i = 0; ok && i < limit; i++)
        {
          PageOutcome outcome;
          gint64 started_at = 0;

          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            {
              ok = FALSE;
              break;
            }
          if (is_demo
              && !_pd_scanner_set_string_option (handle, "filename", demo_pages[i % n_demo], error))
            {
              ok = FALSE;
              break;
            }
          outcome = scan_one_page (handle, job, i, dpi, cancellable, &started_at, error);
          if (outcome == PAGE_FAILED)
            settle_after_start (started_at);
          /* Between pages too: the pnm backend needs it to open the next file, and a device
           * left mid-page after an error stays busy for everyone else. */
          sane_cancel (handle);
          if (outcome == PAGE_NONE_LEFT)
            break;
          ok = outcome == PAGE_DONE;
        }
    }

  sane_cancel (handle);
  sane_close (handle);
  g_debug ("scan ended: %u pages, %s", job->n_pages, ok ? "ok" : "failed");
  return ok;
}

static void
handle_request (Request     *request,
                SANE_Status  init_status)
{
  GTask *task = request->task;
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (init_status != SANE_STATUS_GOOD)
    {
      g_task_return_new_error (task, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_FAILED,
                               _("Scanning is not available: the scanner library (SANE) "
                                 "could not start (%s)."), sane_strstatus (init_status));
      return;
    }

  switch (request->kind)
    {
    case REQUEST_LIST_DEVICES:
      {
        gboolean include_virtual = GPOINTER_TO_INT (g_task_get_task_data (task));
        GPtrArray *devices = list_devices (include_virtual, &error);

        if (devices == NULL)
          g_task_return_error (task, error);
        else if (!g_task_return_error_if_cancelled (task))
          g_task_return_pointer (task, devices, (GDestroyNotify) g_ptr_array_unref);
        else
          g_ptr_array_unref (devices);
        break;
      }

    case REQUEST_SCAN:
      if (run_scan (g_task_get_task_data (task), cancellable, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      break;

    case REQUEST_QUIT:
    default:
      g_assert_not_reached ();
    }
}

static gpointer
scanner_thread_main (gpointer data)
{
  g_autoptr(GAsyncQueue) requests = data;
  SANE_Int version = 0;
  SANE_Status init_status;

  g_mutex_lock (&sane_owner_lock);
  init_status = sane_init (&version, NULL);
  g_debug ("sane_init: %s, SANE %d.%d.%d", sane_strstatus (init_status),
           SANE_VERSION_MAJOR (version), SANE_VERSION_MINOR (version),
           SANE_VERSION_BUILD (version));

  for (;;)
    {
      Request *request = g_async_queue_pop (requests);
      gboolean quit = request->kind == REQUEST_QUIT;

      if (!quit)
        handle_request (request, init_status);
      request_free (request);
      if (quit)
        break;
    }

  if (init_status == SANE_STATUS_GOOD)
    sane_exit ();
  g_mutex_unlock (&sane_owner_lock);
  return NULL;
}

static void
push_request (PdScanner   *self,
              RequestKind  kind,
              GTask       *task)
{
  Request *request = g_new0 (Request, 1);

  request->kind = kind;
  request->task = task != NULL ? g_object_ref (task) : NULL;
  g_async_queue_push (self->requests, request);
}

static void
pd_scanner_dispose (GObject *object)
{
  PdScanner *self = PD_SCANNER (object);

  if (self->thread != NULL)
    {
      push_request (self, REQUEST_QUIT, NULL);
      /* The last reference can be dropped on the scanner thread itself (when it releases a
       * finished task); it then exits by itself once this returns. */
      if (g_thread_self () == self->thread)
        g_thread_unref (self->thread);
      else
        g_thread_join (self->thread);
      self->thread = NULL;
    }
  g_clear_pointer (&self->requests, g_async_queue_unref);

  G_OBJECT_CLASS (pd_scanner_parent_class)->dispose (object);
}

static void
pd_scanner_class_init (PdScannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pd_scanner_dispose;
}

static void
pd_scanner_init (PdScanner *self)
{
  self->requests = g_async_queue_new_full ((GDestroyNotify) request_free);
  self->thread = g_thread_new ("pd-scanner", scanner_thread_main,
                               g_async_queue_ref (self->requests));
}

/**
 * pd_scanner_new:
 *
 * Returns the process's scanner. SANE is global to a process, so every caller shares the one
 * scanner thread; requests are served in the order they were made.
 */
PdScanner *
pd_scanner_new (void)
{
  PdScanner *self;

  g_mutex_lock (&default_scanner_lock);
  self = g_weak_ref_get (&default_scanner);
  if (self == NULL)
    {
      self = g_object_new (PD_TYPE_SCANNER, NULL);
      g_weak_ref_set (&default_scanner, self);
    }
  g_mutex_unlock (&default_scanner_lock);
  return self;
}

void
pd_scanner_list_devices_async (PdScanner           *self,
                               gboolean             include_virtual,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PD_IS_SCANNER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_scanner_list_devices_async);
  g_task_set_task_data (task, GINT_TO_POINTER (!!include_virtual), NULL);
  push_request (self, REQUEST_LIST_DEVICES, task);
}

GPtrArray *
pd_scanner_list_devices_finish (PdScanner     *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (PD_IS_SCANNER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
pd_scanner_scan_async (PdScanner           *self,
                       const PdScanOptions *options,
                       const char          *spool_dir,
                       const char          *file_prefix,
                       PdSpooledPageFunc    page_func,
                       PdScanProgressFunc   progress_func,
                       gpointer             func_data,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ScanJob *job;

  g_return_if_fail (PD_IS_SCANNER (self));
  g_return_if_fail (options != NULL);
  g_return_if_fail (spool_dir != NULL);
  g_return_if_fail (file_prefix != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (ScanJob, 1);
  job->options = pd_scan_options_copy (options);
  job->spool_dir = g_strdup (spool_dir);
  job->file_prefix = g_strdup (file_prefix);
  job->page_func = page_func;
  job->progress_func = progress_func;
  job->func_data = func_data;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_scanner_scan_async);
  g_task_set_task_data (task, job, (GDestroyNotify) scan_job_free);
  push_request (self, REQUEST_SCAN, task);
}

/**
 * pd_scanner_scan_finish:
 * @n_pages: (out) (optional): pages delivered to the page function and accepted, also when
 *   the batch ended with an error: those pages are on disk and stay.
 */
gboolean
pd_scanner_scan_finish (PdScanner     *self,
                        GAsyncResult  *result,
                        guint         *n_pages,
                        GError       **error)
{
  ScanJob *job;

  g_return_val_if_fail (PD_IS_SCANNER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  job = g_task_get_task_data (G_TASK (result));
  if (n_pages != NULL)
    *n_pages = job->n_pages;
  return g_task_propagate_boolean (G_TASK (result), error);
}
