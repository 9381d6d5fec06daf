/* pd-test-app.h: what the display tests share: set-up of GTK under Xvfb with the system's icons,
 * waiting on the main loop for a condition, finding widgets a person can see, screenshots. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PD_TEST_WAIT_TIMEOUT_MS 15000

gboolean   pd_test_app_timeout_cb  (gpointer data);

/* Iterates the main context until @cond holds, failing the test after a timeout. */
#define PD_TEST_WAIT_UNTIL(cond)                                                      \
  G_STMT_START {                                                                      \
    gboolean timed_out_ = FALSE;                                                      \
    guint timeout_id_ = g_timeout_add (PD_TEST_WAIT_TIMEOUT_MS, pd_test_app_timeout_cb, \
                                       &timed_out_);                                  \
    while (!(cond) && !timed_out_)                                                    \
      g_main_context_iteration (NULL, TRUE);                                          \
    if (!timed_out_)                                                                  \
      g_source_remove (timeout_id_);                                                  \
    if (!(cond))                                                                      \
      g_error ("Timed out after %d ms waiting for: %s", PD_TEST_WAIT_TIMEOUT_MS, #cond); \
  } G_STMT_END

/* g_test_init + gtk + adw, with the system's icons and MIME data; FALSE without a display. */
gboolean   pd_test_app_init        (int          *argc,
                                    char       ***argv);
void       pd_test_app_spin        (guint         ms);
GtkWidget *pd_test_app_find        (GtkWidget    *root,
                                    GType         type);
/* The mapped AdwActionRow (or subclass) whose title is @title, or NULL. */
AdwActionRow *pd_test_app_find_row (GtkWidget    *root,
                                    const char   *title);
/* The mapped button whose label is @label (mnemonic underscores ignored), or NULL. */
GtkButton *pd_test_app_find_button (GtkWidget    *root,
                                    const char   *label);
void       pd_test_app_screenshot  (GtkWidget    *widget,
                                    const char   *name);
void       pd_test_app_destroy     (gpointer      window);
void       pd_test_app_release     (gpointer      object);

G_END_DECLS
