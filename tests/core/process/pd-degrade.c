/* pd-degrade.c: bad scans made from good pages, for the clean-up tests (see pd-degrade.h). */
#define G_LOG_DOMAIN "pd-test"

#include "pd-degrade.h"

#include <math.h>
#include <string.h>

#include "pd-paths.h"

/* The skew each demo page is printed with, from data/demo/pd-make-demo-pages.c. */
static const double demo_skews[] = { 0.0, 1.5, -2.5, 3.0, 0.7, -1.0 };

#define DEMO_PAPER 238

PIX *
pd_degrade_load_demo_page (guint    number,
                           char   **text_out,
                           double  *skew_out)
{
  g_autofree char *name = g_strdup_printf ("page-%02u.pgm", number);
  g_autofree char *txt_name = g_strdup_printf ("page-%02u.txt", number);
  g_autofree char *pgm = g_build_filename (pd_paths_get_data_dir (), "demo", name, NULL);
  g_autofree char *txt = g_build_filename (pd_paths_get_data_dir (), "demo", txt_name, NULL);
  g_autofree char *text = NULL;
  PIX *pix;

  g_assert_cmpuint (number, >=, 1);
  g_assert_cmpuint (number, <=, G_N_ELEMENTS (demo_skews));
  if (!g_file_get_contents (txt, &text, NULL, NULL) || (pix = pixRead (pgm)) == NULL)
    return NULL;
  pixSetResolution (pix, 300, 300);
  if (text_out != NULL)
    *text_out = g_steal_pointer (&text);
  if (skew_out != NULL)
    *skew_out = demo_skews[number - 1];
  return pix;
}

PIX *
pd_degrade_skew (PIX    *pix,
                 double  degrees)
{
  return pixRotate (pix, (l_float32) (degrees * G_PI / 180.0), L_ROTATE_AREA_MAP,
                    L_BRING_IN_WHITE, 0, 0);
}

PIX *
pd_degrade_turn (PIX   *pix,
                 guint  quarter_turns)
{
  return pixRotateOrth (pix, (l_int32) (quarter_turns % 4));
}

static guint32
next_random (guint32 *state)
{
  *state ^= *state << 13;
  *state ^= *state >> 17;
  *state ^= *state << 5;
  return *state;
}

/* Four uniform draws summed: close enough to a normal distribution for sensor noise. */
static double
next_gaussian (guint32 *state)
{
  double sum = 0;

  for (int i = 0; i < 4; i++)
    sum += (next_random (state) & 0xffff) / 65535.0;
  return (sum - 2.0) * sqrt (3.0);
}

PIX *
pd_degrade_noise (PIX     *pix,
                  double   sigma,
                  guint32  seed)
{
  PIX *out = pixCopy (NULL, pix);
  guint32 state = seed != 0 ? seed : 0x2545f491u;
  l_uint32 *data = pixGetData (out);
  l_int32 wpl = pixGetWpl (out);

  g_assert_cmpint (pixGetDepth (out), ==, 8);
  for (l_int32 y = 0; y < pixGetHeight (out); y++)
    for (l_int32 x = 0; x < pixGetWidth (out); x++)
      {
        l_uint32 *line = data + (gsize) y * wpl;
        int v = (int) GET_DATA_BYTE (line, x) + (int) lround (sigma * next_gaussian (&state));

        SET_DATA_BYTE (line, x, CLAMP (v, 0, 255));
      }
  return out;
}

PIX *
pd_degrade_blur (PIX    *pix,
                 double  sigma)
{
  L_KERNEL *kx = NULL, *ky = NULL;
  int half = (int) ceil (3 * sigma);
  PIX *out;

  g_assert_cmpint (makeGaussianKernelSep (half, half, (l_float32) sigma, 1.0f, &kx, &ky), ==, 0);
  out = pixConvolveSep (pix, kx, ky, 8, 1);
  kernelDestroy (&kx);
  kernelDestroy (&ky);
  pixCopyResolution (out, pix);
  return out;
}

PIX *
pd_degrade_tint_paper (PIX *pix,
                       int  paper)
{
  PIX *out = pixCopy (NULL, pix);
  l_uint32 *data = pixGetData (out);
  l_int32 wpl = pixGetWpl (out);

  /* Darken in proportion, so the paper lands on @paper and black stays black. */
  for (l_int32 y = 0; y < pixGetHeight (out); y++)
    for (l_int32 x = 0; x < pixGetWidth (out); x++)
      {
        l_uint32 *line = data + (gsize) y * wpl;
        int v = (int) GET_DATA_BYTE (line, x) * paper / DEMO_PAPER;

        SET_DATA_BYTE (line, x, CLAMP (v, 0, 255));
      }
  return out;
}

PIX *
pd_degrade_lid_border (PIX     *pix,
                       int      left,
                       int      top,
                       int      right,
                       int      bottom,
                       double   degrees,
                       int      lid,
                       BOX    **paper_box_out)
{
  l_int32 w = pixGetWidth (pix), h = pixGetHeight (pix);
  PIX *framed = pixAddBorderGeneral (pix, left, right, top, bottom, DEMO_PAPER);
  PIX *sheet = pixCreate (w + left + right, h + top + bottom, 1);
  PIX *turned, *mask, *canvas, *out;
  l_float32 radians = (l_float32) (degrees * G_PI / 180.0);

  pixRasterop (sheet, left, top, w, h, PIX_SET, NULL, 0, 0);
  turned = pixRotate (framed, radians, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
  mask = pixRotate (sheet, radians, L_ROTATE_SAMPLING, L_BRING_IN_WHITE, 0, 0);
  canvas = pixCreate (pixGetWidth (framed), pixGetHeight (framed), 8);
  pixSetAllGray (canvas, lid);
  pixCombineMasked (canvas, turned, mask);
  out = pd_degrade_noise (canvas, 3.0, 0x51ed270bu);
  pixCopyResolution (out, pix);
  if (paper_box_out != NULL)
    g_assert_cmpint (pixClipToForeground (mask, NULL, paper_box_out), ==, 0);
  pixDestroy (&framed);
  pixDestroy (&sheet);
  pixDestroy (&turned);
  pixDestroy (&mask);
  pixDestroy (&canvas);
  return out;
}

static void
fill_disc (PIX    *pix,
           double  cx,
           double  cy,
           double  radius,
           int     value)
{
  for (int y = (int) (cy - radius); y <= (int) (cy + radius) + 1; y++)
    for (int x = (int) (cx - radius); x <= (int) (cx + radius) + 1; x++)
      if (hypot (x + 0.5 - cx, y + 0.5 - cy) <= radius)
        pixSetPixel (pix, x, y, (l_uint32) value);
}

PIX *
pd_degrade_blank_page (PIX      *like,
                       int       paper,
                       PIX      *show_through,
                       gboolean  punch_holes)
{
  l_int32 w = pixGetWidth (like), h = pixGetHeight (like);
  double mm = 300 / 25.4;
  PIX *page = pixCreate (w, h, 8);
  PIX *out;

  pixSetAllGray (page, paper);
  if (show_through != NULL)
    {
      /* Seen through the paper: mirrored, soft, and a fifth as dark. */
      PIX *mirrored = pixFlipLR (NULL, show_through);
      PIX *soft = pd_degrade_blur (mirrored, 2.0);
      l_uint32 *sdata = pixGetData (soft), *ddata = pixGetData (page);
      l_int32 swpl = pixGetWpl (soft), dwpl = pixGetWpl (page);

      for (l_int32 y = 0; y < MIN (h, pixGetHeight (soft)); y++)
        for (l_int32 x = 0; x < MIN (w, pixGetWidth (soft)); x++)
          {
            int ink = DEMO_PAPER - (int) GET_DATA_BYTE (sdata + (gsize) y * swpl, x);

            SET_DATA_BYTE (ddata + (gsize) y * dwpl, x, CLAMP (paper - MAX (0, ink) / 5, 0, 255));
          }
      pixDestroy (&mirrored);
      pixDestroy (&soft);
    }
  if (punch_holes)
    {
      /* ISO 838: 6 mm holes, centres 12 mm from the edge and 80 mm apart; the lid behind them
       * is dark. */
      fill_disc (page, 12 * mm, h / 2.0 - 40 * mm, 3 * mm, 45);
      fill_disc (page, 12 * mm, h / 2.0 + 40 * mm, 3 * mm, 45);
    }
  out = pd_degrade_noise (page, 3.0, 0x6a09e667u);
  pixCopyResolution (out, like);
  pixDestroy (&page);
  return out;
}

PIX *
pd_degrade_keep_first_line (PIX *pix)
{
  PIX *out = pixCopy (NULL, pix);
  l_uint32 *data = pixGetData (out);
  l_int32 wpl = pixGetWpl (out), w = pixGetWidth (out), h = pixGetHeight (out);
  int first = -1, end = h;

  for (int y = 0; y < h && end == h; y++)
    {
      gboolean ink = FALSE;

      for (int x = 0; x < w && !ink; x++)
        ink = GET_DATA_BYTE (data + (gsize) y * wpl, x) < 128;
      if (ink && first < 0)
        first = y;
      else if (!ink && first >= 0)
        end = y;
    }
  g_assert_cmpint (first, >=, 0);
  for (int y = end + 10; y < h; y++)
    for (int x = 0; x < w; x++)
      SET_DATA_BYTE (data + (gsize) y * wpl, x, DEMO_PAPER);
  return out;
}

PIX *
pd_degrade_photo (PIX          *pix,
                  const double  corners[8],
                  int           width,
                  int           height,
                  int           surface)
{
  l_int32 w = pixGetWidth (pix), h = pixGetHeight (pix);
  PTA *page = ptaCreate (4), *photo = ptaCreate (4);
  l_float32 *coeffs = NULL;
  PIX *canvas = pixCreate (width, height, 8);
  PIX *out;
  l_uint32 *sdata = pixGetData (pix), *ddata = pixGetData (canvas);
  l_int32 swpl = pixGetWpl (pix), dwpl = pixGetWpl (canvas);

  ptaAddPt (page, 0, 0);
  ptaAddPt (page, (l_float32) w, 0);
  ptaAddPt (page, (l_float32) w, (l_float32) h);
  ptaAddPt (page, 0, (l_float32) h);
  for (int i = 0; i < 4; i++)
    ptaAddPt (photo, (l_float32) corners[2 * i], (l_float32) corners[2 * i + 1]);
  /* From the photo's pixels back into the page's. */
  g_assert_cmpint (getProjectiveXformCoeffs (photo, page, &coeffs), ==, 0);

  for (l_int32 y = 0; y < height; y++)
    for (l_int32 x = 0; x < width; x++)
      {
        double fx = x + 0.5, fy = y + 0.5;
        double den = coeffs[6] * fx + coeffs[7] * fy + 1.0;
        double sx = (coeffs[0] * fx + coeffs[1] * fy + coeffs[2]) / den;
        double sy = (coeffs[3] * fx + coeffs[4] * fy + coeffs[5]) / den;
        /* Light falls off towards the photo's corners, on the sheet and the table alike. */
        double light = 1.0 - 0.12 * (hypot (fx / width - 0.5, fy / height - 0.5) / 0.7071);
        int v;

        if (sx >= 0 && sy >= 0 && sx < w && sy < h)
          {
            l_int32 value = surface;

            linearInterpolatePixelGray (sdata, swpl, w, h, (l_float32) (sx - 0.5),
                                        (l_float32) (sy - 0.5), DEMO_PAPER, &value);
            v = (int) lround (value * light);
          }
        else
          v = (int) lround (surface * light);
        SET_DATA_BYTE (ddata + (gsize) y * dwpl, x, CLAMP (v, 0, 255));
      }
  out = pd_degrade_noise (canvas, 4.0, 0x3c6ef372u);
  pixCopyResolution (out, pix);
  g_free (coeffs);
  ptaDestroy (&page);
  ptaDestroy (&photo);
  pixDestroy (&canvas);
  return out;
}

static gunichar *
normalized (const char *text,
            glong      *len_out)
{
  g_autoptr(GString) flat = g_string_new (NULL);
  gboolean space = FALSE;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        {
          space = flat->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (flat, ' ');
      space = FALSE;
      g_string_append_unichar (flat, c);
    }
  return g_utf8_to_ucs4_fast (flat->str, -1, len_out);
}

double
pd_degrade_cer (const char *truth,
                const char *found)
{
  glong n = 0, m = 0;
  g_autofree gunichar *a = normalized (truth, &n);
  g_autofree gunichar *b = normalized (found != NULL ? found : "", &m);
  g_autofree guint *previous = g_new (guint, m + 1);
  g_autofree guint *current = g_new (guint, m + 1);

  if (n == 0)
    return m == 0 ? 0.0 : 1.0;
  for (glong j = 0; j <= m; j++)
    previous[j] = (guint) j;
  for (glong i = 1; i <= n; i++)
    {
      current[0] = (guint) i;
      for (glong j = 1; j <= m; j++)
        {
          guint substitute = previous[j - 1] + (a[i - 1] != b[j - 1]);
          guint remove = previous[j] + 1, insert = current[j - 1] + 1;

          current[j] = MIN (substitute, MIN (remove, insert));
        }
      memcpy (previous, current, sizeof (guint) * (m + 1));
    }
  return (double) previous[m] / n;
}
