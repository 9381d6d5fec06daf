/* pd-test-scan.h: what the Scan page tests look for in the page's widgets: a widget by a match
 * function, the action and profile buttons, the batch preview and its tiles. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef gboolean (*PdTestWidgetMatch) (GtkWidget *widget, gconstpointer data);

/* The first widget below @root (itself included) that @match accepts, depth first. */
GtkWidget  *pd_test_scan_find_widget       (GtkWidget         *root,
                                            PdTestWidgetMatch  match,
                                            gconstpointer      data);
/* Matches: a plain button for the action named @action ("scan.start"). */
gboolean    pd_test_scan_is_action_button  (GtkWidget         *widget,
                                            gconstpointer      action);
/* Matches: a profile's choice, a toggle button labelled @title. */
gboolean    pd_test_scan_is_profile_button (GtkWidget         *widget,
                                            gconstpointer      title);
/* The batch preview: the flow box whose tiles can be selected (the profiles' cannot). */
GtkFlowBox *pd_test_scan_page_box          (GtkWidget         *view);
/* Whether the Scan button is there and can be pressed. */
gboolean    pd_test_scan_enabled           (GtkWidget         *view);
/* Tiles in the batch preview, 0 while it is not on screen. */
guint       pd_test_scan_count_shown_tiles (GtkWidget         *view);

G_END_DECLS
