/* pd-degrade.h: makes bad scans out of good pages, for tests of the clean-up steps. The clean
 * source is a demo page from $PAPERDOCK_DATA_DIR/demo (300 dpi gray, off-white, its words in
 * page-NN.txt); each function returns a new image and leaves its input alone. Angles are in
 * degrees, clockwise positive (leptonica's and cairo's convention on screen). */
#pragma once

#include <glib.h>
#include <leptonica/allheaders.h>

G_BEGIN_DECLS

/* Demo page @number (1..6) and its text; @skew_out (may be NULL): the skew the demo page was
 * printed with, clockwise degrees, so a test knows the total skew of what it makes. */
PIX  *pd_degrade_load_demo_page  (guint         number,
                                  char        **text_out,
                                  double       *skew_out);

/* Turned by @degrees about the centre, white brought in at the corners, same size. */
PIX  *pd_degrade_skew            (PIX          *pix,
                                  double        degrees);
/* Turned by @quarter_turns times 90 degrees clockwise. */
PIX  *pd_degrade_turn            (PIX          *pix,
                                  guint         quarter_turns);
/* Gaussian-ish sensor noise of standard deviation @sigma levels (sum of uniforms, seeded). */
PIX  *pd_degrade_noise           (PIX          *pix,
                                  double        sigma,
                                  guint32       seed);
/* Out of focus: a Gaussian blur of standard deviation @sigma pixels. */
PIX  *pd_degrade_blur            (PIX          *pix,
                                  double        sigma);
/* The paper tinted to @paper (0..255, e.g. 215 for recycled paper), ink kept as dark. */
PIX  *pd_degrade_tint_paper      (PIX          *pix,
                                  int           paper);
/* The sheet lying on a flatbed larger than itself, under a dark lid of level @lid: a canvas
 * @left/@top/@right/@bottom pixels larger, the sheet turned by @degrees. @paper_box_out (may be
 * NULL) receives the sheet's bounding box on the canvas. */
PIX  *pd_degrade_lid_border      (PIX          *pix,
                                  int           left,
                                  int           top,
                                  int           right,
                                  int           bottom,
                                  double        degrees,
                                  int           lid,
                                  BOX         **paper_box_out);
/* A blank sheet of the size and resolution of @like, paper level @paper, with (when @show_through
 * is not NULL) that page's text mirrored and faint, as the back of thin paper shows it, and
 * (when @punch_holes) the two holes of a ring binder, dark as the lid behind them. */
PIX  *pd_degrade_blank_page      (PIX          *like,
                                  int           paper,
                                  PIX          *show_through,
                                  gboolean      punch_holes);
/* Only the page's top text line kept (the rest painted paper): a nearly empty page that is not
 * blank. */
PIX  *pd_degrade_keep_first_line (PIX          *pix);
/* A phone photo of the sheet: on a dark surface of level @surface, seen from an angle, the
 * sheet's corners landing at @corners (8 values: x, y of top-left, top-right, bottom-right,
 * bottom-left) on a canvas @width x @height. */
PIX  *pd_degrade_photo           (PIX          *pix,
                                  const double  corners[8],
                                  int           width,
                                  int           height,
                                  int           surface);

/* Character error rate of @found against @truth: edit distance over the length of @truth, after
 * collapsing all whitespace into single spaces. */
double pd_degrade_cer            (const char   *truth,
                                  const char   *found);

G_END_DECLS
