/* pd-enhance.h: the clean-up steps a page goes through before it is encoded and recognized:
 * straightening (skew and quarter turns), removing the dark border a flatbed shows around a
 * smaller sheet, correcting the perspective of a phone photo, and the two questions a person
 * asks about a page they did not look at: is it blank, and is it sharp enough to read. Each
 * step works on leptonica images and is safe to call from several threads at once. */
#pragma once

#include <gio/gio.h>
#include <leptonica/allheaders.h>

G_BEGIN_DECLS

/* Defaults; PdProcessOptions carries the values actually used. */
#define PD_ENHANCE_MAX_SKEW_DEGREES          20.0
/* tesseract's OSD confidence below which a page is left as it is; OCRmyPDF uses 14 too. OSD's
 * confidence grows with the amount of text: a short letter turned on its side scores 8 to 12
 * although OSD is right, so between PD_ENHANCE_MIN_CONFIRMED_ORIENTATION_CONFIDENCE and the
 * threshold a second, independent opinion must agree (pd_enhance_confirm_orientation). */
#define PD_ENHANCE_MIN_ORIENTATION_CONFIDENCE 14.0
#define PD_ENHANCE_MIN_CONFIRMED_ORIENTATION_CONFIDENCE 5.0
/* Blank score (weighted share of ink, per cent) under which a page counts as blank. */
#define PD_ENHANCE_BLANK_THRESHOLD           0.02
/* Sharpness score under which a page "looks blurry". */
#define PD_ENHANCE_BLUR_THRESHOLD            0.45

/* The angle, in degrees clockwise, that straightens the text lines of @pix (any depth), searched
 * over +-@max_degrees. FALSE when the lines are not clear enough to trust an angle (blank page,
 * photo, a page lying on its side); @angle_out is 0 then. @confidence_out may be NULL. */
gboolean  pd_enhance_find_skew             (PIX           *pix,
                                            double         max_degrees,
                                            double        *angle_out,
                                            double        *confidence_out);

/* Which way up the text of @pix stands, from tesseract's orientation detection (a model of its
 * own, "osd", one per thread). @rotation_out: the clockwise quarter turn that puts the page
 * upright: 0, 90, 180 or 270; @confidence_out: tesseract's confidence (0 when it found too
 * little text to say). FALSE with PD_PROCESS_ERROR_NO_LANGUAGE when the osd model is missing. */
gboolean  pd_enhance_detect_orientation    (PIX           *pix,
                                            guint          dpi,
                                            guint         *rotation_out,
                                            double        *confidence_out,
                                            GError       **error);

/* A second opinion on @rotation (as pd_enhance_detect_orientation gives it) from leptonica's
 * count of ascenders and descenders on straight (deskewed) Latin text: TRUE when it clearly
 * agrees. It knows no other scripts, so it only ever confirms. */
gboolean  pd_enhance_confirm_orientation   (PIX           *pix,
                                            guint          rotation);

/* Frees the calling thread's orientation detector now rather than at thread exit. */
void      pd_enhance_release_thread_engine (void);

/* The sheet of paper inside a scan whose edges show the scanner's dark lid: the box of the paper
 * in pixels of @pix, or NULL when no dark border surrounds the paper. When @paper_mask_out is
 * not NULL it receives a 1 bpp image of @pix's size, ON on the paper, so the caller can paint
 * over what is left of the border around a crooked sheet. */
BOX      *pd_enhance_find_paper            (PIX           *pix,
                                            guint          dpi,
                                            PIX          **paper_mask_out);

/* The crop the border removal makes: @pix cut to its paper, the border around a crooked sheet
 * painted in the paper's own colour. NULL when there is no border; @crop_out (may be NULL)
 * receives the paper's box in @pix's pixels. */
PIX      *pd_enhance_remove_border         (PIX           *pix,
                                            guint          dpi,
                                            BOX          **crop_out);

/* How much ink the page carries, in per cent of its area: measured after an adaptive threshold
 * (so tinted paper and faint show-through from the other side count as paper), without specks
 * and punch holes, and weighted to the centre, where text is (the margins count less, the outer
 * few per cent not at all). Text pages score well above PD_ENHANCE_BLANK_THRESHOLD, even with a
 * single line. */
double    pd_enhance_blank_score           (PIX           *pix,
                                            guint          dpi);

/* How sharp the page's edges are: for the pixels on an edge between ink and paper, the steepest
 * step relative to the local contrast, 0 (a smear) to about 1 (a one-pixel step), independent
 * of how much text the page has. Negative when the page has too few edges to tell (a blank
 * page). */
double    pd_enhance_blur_score            (PIX           *pix,
                                            guint          dpi);

/* The four corners of a sheet photographed on a darker surface, in pixels of @pix, in the order
 * top-left, top-right, bottom-right, bottom-left. NULL when no such sheet is found (a flat scan
 * that is paper to its edges, a photo of something else). */
PTA      *pd_enhance_find_page_corners     (PIX           *pix);

/* The sheet inside @corners (as pd_enhance_find_page_corners gives them) mapped to an upright
 * rectangle, its size the mean of each pair of opposite sides. */
PIX      *pd_enhance_correct_perspective   (PIX           *pix,
                                            PTA           *corners);

G_END_DECLS
