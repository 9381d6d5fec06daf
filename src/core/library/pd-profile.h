/* pd-profile.h: scan profiles. A profile is everything a person would otherwise set before each
 * scan (scanner, paper, clean-up, OCR languages, how a batch splits into documents, how the
 * documents are named and where they go, PDF options), saved under a name such as "Invoices".
 * Profiles live in the library (every change journaled) and travel between machines as a
 * versioned key file. */
#pragma once

#include <glib.h>

#include "pd-enums.h"
#include "pd-library.h"

G_BEGIN_DECLS

#define PD_PROFILE_ERROR (pd_profile_error_quark ())

typedef enum {
  PD_PROFILE_ERROR_INVALID,      /* a field has a value that cannot work; the message names it */
  PD_PROFILE_ERROR_EXISTS,       /* a profile of that name exists and replacing was not asked */
  PD_PROFILE_ERROR_BAD_FILE,     /* an import file is not a profile file, or is damaged */
  PD_PROFILE_ERROR_TOO_NEW,      /* an import file was written by a newer Paperdock */
  PD_PROFILE_ERROR_REQUIRED,     /* the library says a scan needs a profile and none was given */
} PdProfileError;

GQuark pd_profile_error_quark (void);

/* What to do with pages the clean-up finds blank. */
typedef enum {
  PD_BLANK_POLICY_KEEP,
  PD_BLANK_POLICY_FLAG,    /* keep them, but mark them for the person to check */
  PD_BLANK_POLICY_REMOVE,
} PdBlankPolicy;

/* How one batch from the scanner becomes documents. */
typedef enum {
  PD_SEPARATION_NONE,        /* the whole batch is one document */
  PD_SEPARATION_EVERY_PAGE,  /* each page is a document */
  PD_SEPARATION_EVERY_SCAN,  /* each press of Scan is a document, even when continuing a batch */
  PD_SEPARATION_BARCODE,     /* a page whose barcode matches separator_pattern starts a document */
} PdSeparation;

typedef struct {
  char          *name;              /* unique in a library, compared without case */
  char          *device;            /* SANE device id, "demo", or NULL for "ask / last used" */
  PdScanSource   source;
  guint          resolution;        /* dpi */
  PdScanMode     mode;
  double         page_width_mm;     /* both 0: the device's whole scan area */
  double         page_height_mm;
  gboolean       deskew;
  gboolean       orientation;       /* turn pages that are upside down or sideways */
  gboolean       crop_border;
  gboolean       clean_background;
  PdBlankPolicy  blank;
  gboolean       flag_blurry;
  char          *langs;             /* tesseract languages, "eng+deu" */
  PdSeparation   separation;
  char          *separator_pattern; /* a GRegex the barcode must match, for PD_SEPARATION_BARCODE */
  char          *name_template;     /* see pd-naming.h */
  char          *destination;       /* "ACCOUNT:FOLDER-TEMPLATE", or NULL to keep in the library */
  guint          jpeg_quality;      /* 1..100 */
  guint          downsample_dpi;    /* 0: keep the scan resolution in the PDF */
  gboolean       pdfa;
  gboolean       encrypt;
} PdProfile;

/* The longest profile name, in characters. */
#define PD_PROFILE_MAX_NAME_CHARS 64

/* Version of the export format this build writes; it reads this one and older. */
#define PD_PROFILE_FORMAT_VERSION 1

PdProfile  *pd_profile_new                  (const char        *name);
PdProfile  *pd_profile_copy                 (const PdProfile   *profile);
void        pd_profile_free                 (PdProfile         *profile);
gboolean    pd_profile_equal                (const PdProfile   *a,
                                             const PdProfile   *b);
gboolean    pd_profile_validate             (const PdProfile   *profile,
                                             GError           **error);

/* Page size: a name (A3, A4, A5, A6, B5, Letter, Legal, Executive, "auto") or "WIDTHxHEIGHT" in
 * millimetres ("210x297", "215.9x279.4mm"). Sizes are kept to a tenth of a millimetre. */
gboolean    pd_profile_set_page_size        (PdProfile         *profile,
                                             const char        *size,
                                             GError           **error);
char       *pd_profile_dup_page_size        (const PdProfile   *profile);

/* Splits the destination into its account and folder template; FALSE when there is none. */
gboolean    pd_profile_split_destination    (const PdProfile   *profile,
                                             char             **account,
                                             char             **folder_template);

/* Export and import: a key file with a [Paperdock] group (format, version) and one
 * [Profile NAME] group per profile. Import is strict: unknown groups or keys, wrong types and
 * invalid profiles are errors naming the profile and key; missing keys take the defaults. */
char       *pd_profile_to_data              (const PdProfile   *profile,
                                             gsize             *length);
char       *pd_profile_list_to_data         (GPtrArray         *profiles,
                                             gsize             *length);
GPtrArray  *pd_profile_list_from_data       (const char        *data,
                                             gsize              length,
                                             GError           **error);

const char *pd_blank_policy_to_string       (PdBlankPolicy      policy);
gboolean    pd_blank_policy_from_string     (const char        *str,
                                             PdBlankPolicy     *policy);
const char *pd_separation_to_string         (PdSeparation       separation);
gboolean    pd_separation_from_string       (const char        *str,
                                             PdSeparation      *separation);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PdProfile, pd_profile_free)

/* Stored in the library (implemented in pd-library.c). Each change is one transaction with its
 * journal row. Names are matched without regard to case. */
gboolean    pd_library_save_profile         (PdLibrary         *self,
                                             const PdProfile   *profile,
                                             gboolean           replace,
                                             GError           **error);
/* All or nothing: when one profile cannot be saved, none is. */
gboolean    pd_library_save_profiles        (PdLibrary         *self,
                                             GPtrArray         *profiles,
                                             gboolean           replace,
                                             GError           **error);
PdProfile  *pd_library_get_profile          (PdLibrary         *self,
                                             const char        *name,
                                             GError           **error);
GPtrArray  *pd_library_list_profiles        (PdLibrary         *self,
                                             GError           **error);
gboolean    pd_library_remove_profile       (PdLibrary         *self,
                                             const char        *name,
                                             GError           **error);

/* Library settings: small text values by key. *value is NULL when the key was never set. */
gboolean    pd_library_get_setting          (PdLibrary         *self,
                                             const char        *key,
                                             char             **value,
                                             GError           **error);
/* @value NULL removes the setting. Journaled. */
gboolean    pd_library_set_setting          (PdLibrary         *self,
                                             const char        *key,
                                             const char        *value,
                                             GError           **error);

/* The "profile-required" setting: when on, every scan must name a profile. */
#define PD_SETTING_PROFILE_REQUIRED "profile-required"

gboolean    pd_library_get_profile_required (PdLibrary         *self,
                                             GError           **error);
gboolean    pd_library_set_profile_required (PdLibrary         *self,
                                             gboolean           required,
                                             GError           **error);
/* What a scan calls first. On success *profile is the profile named @name, or NULL when @name is
 * NULL and no profile is required. Fails with PD_PROFILE_ERROR_REQUIRED when one is required and
 * @name is NULL, and with PD_LIBRARY_ERROR_NOT_FOUND when there is no such profile. */
gboolean    pd_library_profile_for_scan     (PdLibrary         *self,
                                             const char        *name,
                                             PdProfile        **profile,
                                             GError           **error);

G_END_DECLS
