/* pd-test-scan.c: what the Scan page tests look for in the page's widgets (pd-test-scan.h). */
#include "config.h"

#include "pd-test-scan.h"

GtkWidget *
pd_test_scan_find_widget (GtkWidget         *root,
                          PdTestWidgetMatch  match,
                          gconstpointer      data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = pd_test_scan_find_widget (child, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

gboolean
pd_test_scan_is_action_button (GtkWidget     *widget,
                               gconstpointer  action)
{
  return GTK_IS_BUTTON (widget) && !GTK_IS_TOGGLE_BUTTON (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0;
}

gboolean
pd_test_scan_is_profile_button (GtkWidget     *widget,
                                gconstpointer  title)
{
  GtkWidget *label;

  if (!GTK_IS_TOGGLE_BUTTON (widget) || gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)) != NULL)
    return FALSE;
  label = gtk_widget_get_first_child (gtk_button_get_child (GTK_BUTTON (widget)));
  return GTK_IS_LABEL (label) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (label)), title) == 0;
}

static gboolean
is_page_box (GtkWidget     *widget,
             gconstpointer  data)
{
  return GTK_IS_FLOW_BOX (widget) &&
         gtk_flow_box_get_selection_mode (GTK_FLOW_BOX (widget)) == GTK_SELECTION_SINGLE;
}

GtkFlowBox *
pd_test_scan_page_box (GtkWidget *view)
{
  GtkWidget *box = pd_test_scan_find_widget (view, is_page_box, NULL);

  g_assert_nonnull (box);
  return GTK_FLOW_BOX (box);
}

gboolean
pd_test_scan_enabled (GtkWidget *view)
{
  GtkWidget *button = pd_test_scan_find_widget (view, pd_test_scan_is_action_button, "scan.start");

  g_assert_nonnull (button);
  return gtk_widget_is_sensitive (button);
}

guint
pd_test_scan_count_shown_tiles (GtkWidget *view)
{
  GtkFlowBox *box = pd_test_scan_page_box (view);
  guint n = 0;

  while (gtk_flow_box_get_child_at_index (box, (int) n) != NULL)
    n++;
  return gtk_widget_get_mapped (GTK_WIDGET (box)) ? n : 0;
}
