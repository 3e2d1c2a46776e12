/* The profile's text engine, private to core/cands/profile*.c: lays out
 * candidate text with pango (every script, right-to-left runs included)
 * and draws it line by line onto cairo PDF pages, starting a new page when
 * the next line would not fit.  Counts and logs glyphs no font could draw. */
#ifndef ATSB_CORE_PROFILE_TEXT_H
#define ATSB_CORE_PROFILE_TEXT_H

#include <cairo.h>
#include <pango/pangocairo.h>

#include "base/util.h"

/* US Letter, in points. */
#define PAGE_W 612.0
#define PAGE_H 792.0
#define MARGIN 54.0
#define TEXT_W (PAGE_W - 2 * MARGIN)

/* Every font description names the same list of families, so a
 * character DejaVu Sans lacks goes to the Noto family for its script the
 * same way on every machine, whatever else is installed.  Emoji are not
 * named: pango asks fontconfig for them by language ("und-zsye"), which
 * picks Noto Color Emoji whatever the list says, and naming it would sort
 * it before every other family, digits included.  docs/candidates.md,
 * "Fonts", says why these packages. */
#define PT_FAMILIES "DejaVu Sans, Noto Sans Hebrew, Noto Sans Arabic, Noto Sans Devanagari, " \
                    "Noto Sans Thai, Noto Sans CJK SC,"
#define PT_FONT(style_size) PT_FAMILIES " " style_size

#define PT_MAX_FONTS 8

/* The OpenType features pango's shaping runs (no kerning or ligatures;
 * plain text without mark lookups either), and what the plain-text path
 * therefore must reproduce: each character's nominal glyph and advance. */
#define PT_FEATURES_COMPLEX "kern 0, liga 0, clig 0, calt 0"
#define PT_FEATURES_PLAIN PT_FEATURES_COMPLEX ", ccmp 0, locl 0, mark 0, mkmk 0"

/* A first paragraph set apart (a transcript message's speaker line): its
 * `len` bytes, which must end at a newline or the text's end, in their own
 * font and colour. */
typedef struct pt_head {
    size_t len;
    const char *font;
    double r, g, b;
} pt_head;

/* A font of the plain-text path (profile_plain.c): the first font pango
 * would pick for the description, its cairo font and line metrics. */
typedef struct pt_plain_font {
    const char *name;
    PangoFont *font;       /* NULL: the description's first font is not usable */
    hb_font_t *hb;
    cairo_scaled_font_t *scaled;
    int ascent, height;    /* of a line, pango units, as pango measures it */
    struct pt_glyph *glyphs; /* profile_plain.c's glyph cache, filled as met */
} pt_plain_font;

typedef struct pdf_ctx {
    cairo_surface_t *surface;
    cairo_t *cr;
    /* One pango context and one layout per font for the whole document:
     * creating them per paragraph was most of the layout cost. */
    PangoContext *pc;
    const char *font_names[PT_MAX_FONTS];
    PangoLayout *layouts[PT_MAX_FONTS];
    int n_fonts;
    double y;          /* top of the next line on the current page */
    int page;          /* 1-based number of the current page */
    int page_dirty;    /* something drawn on the current page */
    int first_page;    /* page of the last block's first line ... */
    double first_y;    /* ... and its top, for outline entries */
    pt_plain_font plain[PT_MAX_FONTS];
    int n_plain;
    int no_plain;      /* tests: lay everything out with pango, to compare */
    int plain_blocks;  /* blocks the plain-text path drew */
    /* Glyphs waiting to be drawn in one cairo call: a block's lines in one
     * font and colour (pt_flush draws them). */
    cairo_scaled_font_t *b_font;
    double b_rgb[3];
    cairo_glyph_t *b_glyphs;
    cairo_text_cluster_t *b_clusters;
    int b_n_glyphs, b_cap_glyphs, b_n_clusters, b_cap_clusters;
    strbuf b_text;
    const char *who;   /* the candidate, as logs name them */
    int unknown;       /* glyphs drawn as boxes so far (no font had them) */
    strbuf out;        /* the PDF bytes */
} pdf_ctx;

/* Set up c->pc for c->cr: unhinted metrics and unrounded positions, so
 * glyphs sit where the font's own advances put them (what pdftotext and
 * every other text extractor assume when they find word gaps, and fewer
 * position adjustments for cairo to write). */
void pt_init(pdf_ctx *c);
/* Release the layouts and the pango context. */
void pt_free(pdf_ctx *c);

void pt_new_page(pdf_ctx *c);

/* Lay out text (never markup: candidate text is data; invalid UTF-8 is
 * replaced) in `font`, its first paragraph in head's font and colour if
 * head is not NULL, and draw it in the colour r,g,b; then leave
 * space_after points.  `what` names the text in the warning logged when
 * some of it has no font ("the name", "transcript message 3"). */
void pt_block(pdf_ctx *c, const char *what, const char *text, const pt_head *head,
              const char *font, double r, double g, double b, double space_after);

/* The two ways a block is laid out, for pt_block: */
/* Plain text (profile_plain.c): only characters the description's first
 * font has, in Latin-1, Latin Extended-A or general punctuation, drawn
 * without pango's layout.  Returns 0 when drawn, 1 when the text is not
 * plain (nothing drawn). */
int pt_plain_block(pdf_ctx *c, const char *text, const pt_head *head, const char *font,
                   double r, double g, double b);
void pt_plain_free(pdf_ctx *c);
/* Pango's break opportunities (is_line_break, is_cursor_position,
 * is_white) for a paragraph of n plain characters, into la[0..n]; -1 when
 * one of them has a line breaking class this does not decide. */
int pt_plain_breaks(const gunichar *u, int n, PangoLogAttr *la);

/* Greedy line breaking of a paragraph of n characters of logical widths
 * w (pango units) into lines of TEXT_W, at pango's break opportunities la
 * (n_la entries, from the paragraph's first character): at word
 * boundaries, or any grapheme boundary when a word alone is too long, as
 * PANGO_WRAP_WORD_CHAR; trailing white space hangs past the margin.
 * out->at[0..n) are the characters that start a new line. */
typedef struct pt_breaks {
    int *at;
    int n, cap;
    int stack[64];
} pt_breaks;
void pt_find_breaks(const int *w, int n, const PangoLogAttr *la, int n_la, pt_breaks *out);
void pt_breaks_free(pt_breaks *b);

/* Shared by both: room for a line of height h (a new page if needed), the
 * position of a block's first line, and queuing shaped glyphs. */
void pt_make_room(pdf_ctx *c, double h);
void pt_mark_first(pdf_ctx *c, int *first);
/* Make glyphs of one font and colour the current batch (flushing another);
 * 0, or -1 out of memory for n_glyphs more glyphs and clusters. */
int pt_batch(pdf_ctx *c, cairo_scaled_font_t *sf, double r, double g, double b, int n_glyphs);

/* Height of one line of `font`, to ask whether a heading still fits. */
double pt_line_height(pdf_ctx *c, const char *font);

#endif
