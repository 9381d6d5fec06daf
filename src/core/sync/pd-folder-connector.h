/* pd-folder-connector.h: a connector whose destination is a folder on this computer or on a
 * mounted share (SMB, NFS, a USB disk). GIO and POSIX only. */
#pragma once

#include "pd-connector.h"

G_BEGIN_DECLS

#define PD_TYPE_FOLDER_CONNECTOR (pd_folder_connector_get_type ())

G_DECLARE_FINAL_TYPE (PdFolderConnector, pd_folder_connector, PD, FOLDER_CONNECTOR, GObject)

/* @root must exist when a call is made: it is never created, so that an unmounted share is
 * reported (TRANSIENT) instead of silently filled on the local disk. */
PdConnector *pd_folder_connector_new      (const char        *display_name,
                                           const char        *root);
const char  *pd_folder_connector_get_root (PdFolderConnector *self);

G_END_DECLS
