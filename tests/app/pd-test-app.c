/* pd-test-app.c: helpers of the display tests (see pd-test-app.h). */
#define G_LOG_DOMAIN "pd-test"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "pd-test-app.h"

gboolean
pd_test_app_timeout_cb (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
pd_test_app_init (int    *argc,
                  char ***argv)
{
  const char *data_dirs = g_getenv ("XDG_DATA_DIRS");
  g_auto(GStrv) system_dirs = NULL;
  g_auto(GStrv) mime_dirs = NULL;
  g_auto(GStrv) icon_dirs = NULL;
  GtkIconTheme *theme;

  /* Read before G_TEST_OPTION_ISOLATE_DIRS replaces it with empty folders. */
  if (data_dirs == NULL || data_dirs[0] == '\0')
    data_dirs = "/usr/local/share:/usr/share";
  system_dirs = g_strsplit (data_dirs, ":", -1);

  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  if (!gtk_init_check ())
    return FALSE;
  adw_init ();

  /* Icons and the MIME database (which loads SVG icons) come from the system, not from the
   * isolated folders. */
  mime_dirs = g_new0 (char *, g_strv_length (system_dirs) + 1);
  icon_dirs = g_new0 (char *, g_strv_length (system_dirs) + 1);
  for (guint i = 0; system_dirs[i] != NULL; i++)
    {
      mime_dirs[i] = g_build_filename (system_dirs[i], "mime", NULL);
      icon_dirs[i] = g_build_filename (system_dirs[i], "icons", NULL);
    }
  g_content_type_set_mime_dirs ((const char * const *)mime_dirs);
  theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  gtk_icon_theme_set_search_path (theme, (const char * const *)icon_dirs);
  /* What GtkApplication does for the real application, from its resource base path. */
  gtk_icon_theme_add_resource_path (theme, "/io/github/paperdock/Paperdock/icons");
  return TRUE;
}

/* Lets GTK lay out and paint for a while, so what a screenshot shows has been on screen. */
void
pd_test_app_spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, pd_test_app_timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

GtkWidget *
pd_test_app_find (GtkWidget *root,
                  GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && gtk_widget_get_mapped (root))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = pd_test_app_find (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

AdwActionRow *
pd_test_app_find_row (GtkWidget  *root,
                      const char *title)
{
  if (ADW_IS_ACTION_ROW (root) && gtk_widget_get_mapped (root) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title) == 0)
    return ADW_ACTION_ROW (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwActionRow *found = pd_test_app_find_row (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkButton *
pd_test_app_find_button (GtkWidget  *root,
                         const char *label)
{
  if (GTK_IS_BUTTON (root) && gtk_widget_get_mapped (root) &&
      gtk_button_get_label (GTK_BUTTON (root)) != NULL)
    {
      g_autoptr(GString) plain = g_string_new (gtk_button_get_label (GTK_BUTTON (root)));

      g_string_replace (plain, "_", "", 0);
      if (g_str_equal (plain->str, label))
        return GTK_BUTTON (root);
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkButton *found = pd_test_app_find_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

void
pd_test_app_screenshot (GtkWidget  *widget,
                        const char *name)
{
  const char *dir = g_getenv ("PD_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guchar *pixels = NULL;
  g_autofree char *path = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (widget));
  gboolean varied = FALSE;

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));

  /* A blank picture would mean nothing was drawn. */
  pixels = g_malloc (width * height * 4);
  gdk_texture_download (texture, pixels, width * 4);
  for (gsize i = 4; i < (gsize)width * height * 4 && !varied; i += 4)
    varied = memcmp (pixels, pixels + i, 4) != 0;
  g_assert_true (varied);

  if (dir == NULL || dir[0] == '\0')
    dir = g_get_user_cache_dir ();
  g_assert_no_errno (g_mkdir_with_parents (dir, 0755));
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot saved to %s", path);
}

/* Closes the window as a person would and checks that nothing keeps it alive. */
void
pd_test_app_destroy (gpointer window)
{
  gpointer weak = window;

  g_object_add_weak_pointer (G_OBJECT (window), &weak);
  gtk_window_destroy (GTK_WINDOW (window));
  /* A job still in flight holds the window until its callback runs. */
  PD_TEST_WAIT_UNTIL (weak == NULL);
}

void
pd_test_app_release (gpointer object)
{
  gpointer weak = object;

  g_object_add_weak_pointer (G_OBJECT (object), &weak);
  g_object_unref (object);
  PD_TEST_WAIT_UNTIL (weak == NULL);
}
