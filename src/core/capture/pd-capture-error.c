/* pd-capture-error.c: the capture error domain, and the one table that turns a SANE status
 * into a message saying what happened and what to do about it. Every place that sees a SANE
 * failure goes through here so the wording stays the same in the app, the CLI and the logs. */
#define G_LOG_DOMAIN "pd-capture"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "pd-capture-error.h"
#include "pd-scanner-private.h"

G_DEFINE_QUARK (pd-capture-error-quark, pd_capture_error)

/* A person who just lost a jammed page wants to know first whether the rest survived. */
static char *
kept_sentence (guint n_pages_kept)
{
  if (n_pages_kept == 0)
    return g_strdup ("");
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       " The page already scanned is kept.",
                                       " The %u pages already scanned are kept.",
                                       n_pages_kept),
                          n_pages_kept);
}

void
_pd_capture_error_set_from_sane (GError      **error,
                                 SANE_Status   status,
                                 SaneStage     stage,
                                 guint         n_pages_kept)
{
  g_autofree char *kept = kept_sentence (n_pages_kept);

  switch (status)
    {
    case SANE_STATUS_JAMMED:
      if (n_pages_kept > 0)
        g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_JAMMED,
                     g_dngettext (GETTEXT_PACKAGE,
                                  "The paper is jammed in the feeder. Clear the jam and scan "
                                  "again; the page already scanned is kept.",
                                  "The paper is jammed in the feeder. Clear the jam and scan "
                                  "again; the %u pages already scanned are kept.",
                                  n_pages_kept),
                     n_pages_kept);
      else
        g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_JAMMED,
                     _("The paper is jammed in the feeder. Clear the jam and scan again."));
      break;

    case SANE_STATUS_COVER_OPEN:
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_COVER_OPEN,
                   _("The scanner’s cover is open. Close it and scan again.%s"), kept);
      break;

    case SANE_STATUS_NO_DOCS:
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_NO_DOCS,
                   _("The document feeder is empty. Put the pages in the feeder, face "
                     "down, and scan again.%s"), kept);
      break;

    case SANE_STATUS_DEVICE_BUSY:
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_DEVICE_BUSY,
                   _("The scanner is busy with another program or another scan. Wait for "
                     "it to finish or close the other program, then scan again.%s"), kept);
      break;

    case SANE_STATUS_IO_ERROR:
      if (stage == SANE_STAGE_MID_PAGE)
        g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_UNPLUGGED,
                     _("The scanner stopped answering in the middle of page %u. Check that "
                       "it is still plugged in and switched on, then scan that page "
                       "again.%s"), n_pages_kept + 1, kept);
      else
        g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_IO_ERROR,
                     _("Paperdock could not talk to the scanner. Check its cable or network "
                       "connection, switch it off and on again, and scan again.%s"), kept);
      break;

    case SANE_STATUS_ACCESS_DENIED:
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_ACCESS_DENIED,
                   _("Paperdock is not allowed to use this scanner. Make sure your user "
                     "account may use scanners (often the “scanner” or “lp” group) or that "
                     "the scanner’s password is right, then try again.%s"), kept);
      break;

    case SANE_STATUS_NO_MEM:
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_NO_MEM,
                   _("The scanner ran out of memory. Scan at a lower resolution or in "
                     "gray instead of color, then try again.%s"), kept);
      break;

    case SANE_STATUS_UNSUPPORTED:
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_UNSUPPORTED,
                   _("The scanner cannot do what was asked with these settings. Try "
                     "another source, mode or resolution.%s"), kept);
      break;

    case SANE_STATUS_INVAL:
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_INVALID,
                   _("The scanner refused the settings it was given. Try another "
                     "resolution, mode or page size.%s"), kept);
      break;

    case SANE_STATUS_CANCELLED:
      /* The user pressed Cancel on the device itself: same outcome as our own cancel. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                   _("The scan was cancelled at the scanner.%s"), kept);
      break;

    case SANE_STATUS_GOOD:
    case SANE_STATUS_EOF:
    default:
      g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_FAILED,
                   _("The scanner reported an unexpected problem (%s). Switch it off and "
                     "on again and scan again.%s"), sane_strstatus (status), kept);
      break;
    }
}
