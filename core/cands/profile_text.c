/* The profile's text engine (profile_text.h). */
#include "cands/profile_text.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

void pt_init(pdf_ctx *c)
{
    c->pc = pango_cairo_create_context(c->cr);
    cairo_font_options_t *fo = cairo_font_options_create();
    /* Hinted metrics round every advance to a whole unit of the 1/72"
     * user space: at 10 pt that moves glyphs by up to 5% of an em, cairo
     * then writes a position for almost every glyph, and pdftotext reads
     * the drift as spaces inside Hebrew and Arabic words.  A PDF is
     * scaled by its viewer, so hinting buys nothing here. */
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(c->pc, fo);
    cairo_font_options_destroy(fo);
    pango_context_set_round_glyph_positions(c->pc, FALSE);
    c->page = 1;
    c->y = MARGIN;
}

static void pt_flush(pdf_ctx *c);

void pt_free(pdf_ctx *c)
{
    pt_flush(c);
    g_free(c->b_glyphs);
    g_free(c->b_clusters);
    sb_free(&c->b_text);
    c->b_glyphs = NULL;
    c->b_clusters = NULL;
    pt_plain_free(c);
    for (int i = 0; i < c->n_fonts; i++)
        g_object_unref(c->layouts[i]);
    c->n_fonts = 0;
    if (c->pc)
        g_object_unref(c->pc);
    c->pc = NULL;
}

void pt_new_page(pdf_ctx *c)
{
    pt_flush(c);
    if (c->page_dirty) {
        cairo_show_page(c->cr);
        c->page++;
    }
    c->y = MARGIN;
    c->page_dirty = 0;
}

static PangoLayout *layout_for(pdf_ctx *c, const char *font, int *cached)
{
    *cached = 1;
    for (int i = 0; i < c->n_fonts; i++)
        if (c->font_names[i] == font || !strcmp(c->font_names[i], font))
            return c->layouts[i];
    PangoLayout *layout = pango_layout_new(c->pc);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(layout, fd);
    pango_font_description_free(fd);
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    if (c->n_fonts < PT_MAX_FONTS) {
        c->font_names[c->n_fonts] = font;
        c->layouts[c->n_fonts++] = layout;
    } else {
        *cached = 0;
    }
    return layout;
}

double pt_line_height(pdf_ctx *c, const char *font)
{
    PangoFontDescription *fd = pango_font_description_from_string(font);
    PangoFontMetrics *m = pango_context_get_metrics(c->pc, fd, NULL);
    double h = (double)(pango_font_metrics_get_ascent(m) + pango_font_metrics_get_descent(m)) /
               PANGO_SCALE;
    pango_font_metrics_unref(m);
    pango_font_description_free(fd);
    return h;
}

enum { TEXT_RTL = 1, TEXT_COMPLEX = 2 };

/* What the text holds, in one pass: a right-to-left character (Hebrew,
 * Arabic, Syriac, Thaana, NKo, ... their presentation forms, or a bidi
 * control), which pango itself must wrap, since it reorders runs line by
 * line; anything beyond Latin-1, Latin Extended-A and general punctuation,
 * which may need glyph composition or mark positioning. */
static int scan_text(const char *text)
{
    int flags = 0;
    for (const char *p = text; *p;) {
        if ((unsigned char)*p < 0xc6) { /* below U+0180 */
            p++;
            continue;
        }
        gunichar u = g_utf8_get_char(p);
        if ((u >= 0x0590 && u <= 0x08ff) || (u >= 0xfb1d && u <= 0xfdff) ||
            (u >= 0xfe70 && u <= 0xfeff) || (u >= 0x10800 && u <= 0x10fff) ||
            (u >= 0x1e800 && u <= 0x1efff) || u == 0x200f || u == 0x061c ||
            (u >= 0x202a && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069))
            flags |= TEXT_RTL;
        if (!(u >= 0x2000 && u <= 0x206f))
            flags |= TEXT_COMPLEX;
        p = g_utf8_next_char(p);
    }
    return flags;
}

/* The first glyph no font had, and how many there are: logged with the
 * candidate, the part of the profile and the script, so a missing font
 * package is noticed instead of printing boxes. */
static void note_unknown(pdf_ctx *c, PangoLayout *layout, const char *what)
{
    int n = pango_layout_get_unknown_glyphs_count(layout);
    if (n <= 0)
        return;
    gunichar first = 0;
    for (GSList *l = pango_layout_get_lines_readonly(layout); l && !first; l = l->next) {
        PangoLayoutLine *line = l->data;
        for (GSList *r = line->runs; r && !first; r = r->next) {
            PangoGlyphString *gs = ((PangoGlyphItem *)r->data)->glyphs;
            for (int i = 0; i < gs->num_glyphs; i++)
                if (gs->glyphs[i].glyph & PANGO_GLYPH_UNKNOWN_FLAG) {
                    first = gs->glyphs[i].glyph & ~PANGO_GLYPH_UNKNOWN_FLAG;
                    break;
                }
        }
    }
    guint32 tag = g_unicode_script_to_iso15924(g_unichar_get_script(first));
    char script[5] = { (char)(tag >> 24), (char)(tag >> 16), (char)(tag >> 8), (char)tag, 0 };
    if (!tag)
        memcpy(script, "Zzzz", 5);
    log_warn("profile", "candidate %s: %d character%s in %s could not be drawn: no installed "
             "font has them (script %s, first U+%04X); install the fonts in DEB_PKGS",
             c->who ? c->who : "?", n, n == 1 ? "" : "s", what, script, (unsigned)first);
    c->unknown += n;
}

/* The foreground colour a run carries (the speaker line's), if any. */
static int run_color(const PangoGlyphItem *run, double *r, double *g, double *b)
{
    for (GSList *a = run->item->analysis.extra_attrs; a; a = a->next) {
        PangoAttribute *attr = a->data;
        if (attr->klass->type == PANGO_ATTR_FOREGROUND) {
            PangoColor col = ((PangoAttrColor *)attr)->color;
            *r = col.red / 65535.0;
            *g = col.green / 65535.0;
            *b = col.blue / 65535.0;
            return 1;
        }
    }
    return 0;
}

/* Draw the glyphs batched so far: one cairo operation for a block's lines
 * instead of one per line and run (cairo's PDF output costs about 30,000
 * instructions per operation beside its cost per glyph). */
static void pt_flush(pdf_ctx *c)
{
    if (c->b_n_glyphs || c->b_n_clusters) {
        cairo_set_scaled_font(c->cr, c->b_font);
        cairo_set_source_rgb(c->cr, c->b_rgb[0], c->b_rgb[1], c->b_rgb[2]);
        cairo_show_text_glyphs(c->cr, c->b_text.data, (int)c->b_text.len, c->b_glyphs,
                               c->b_n_glyphs, c->b_clusters, c->b_n_clusters, 0);
    }
    c->b_n_glyphs = c->b_n_clusters = 0;
    c->b_text.len = 0;
    c->b_font = NULL;
}

static int grow(void **p, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return 0;
    int ncap = *cap ? *cap : 256;
    while (ncap < need)
        ncap *= 2;
    void *np = g_try_realloc(*p, (size_t)ncap * size);
    if (!np)
        return -1;
    *p = np;
    *cap = ncap;
    return 0;
}

int pt_batch(pdf_ctx *c, cairo_scaled_font_t *sf, double r, double g, double b, int n_glyphs)
{
    if (grow((void **)&c->b_glyphs, &c->b_cap_glyphs, c->b_n_glyphs + n_glyphs,
             sizeof(cairo_glyph_t)) ||
        grow((void **)&c->b_clusters, &c->b_cap_clusters, c->b_n_clusters + n_glyphs + 1,
             sizeof(cairo_text_cluster_t)))
        return -1;
    if (c->b_font != sf || c->b_rgb[0] != r || c->b_rgb[1] != g || c->b_rgb[2] != b) {
        pt_flush(c);
        c->b_font = sf;
        c->b_rgb[0] = r;
        c->b_rgb[1] = g;
        c->b_rgb[2] = b;
    }
    return 0;
}

/* Queue a left-to-right glyph item, its origin at x on the baseline.
 * Clusters are whole graphemes, so a Thai or Devanagari syllable whose
 * marks sit above or below their base is one cluster and cairo writes its
 * text as /ActualText: text extractors (pdftotext starts a new word at
 * any vertical shift of half a point) read the syllable as written.
 * Glyph items pango could not fill (boxes for missing glyphs) go through
 * pango's own renderer, which draws the boxes. */
static void queue_glyphs(pdf_ctx *c, PangoLayout *layout, PangoGlyphItem *gi, double x,
                         double baseline, double r, double g, double b)
{
    const char *text = pango_layout_get_text(layout);
    PangoGlyphString *gs = gi->glyphs;
    PangoFont *pf = gi->item->analysis.font;
    int unknown = !pf || !PANGO_IS_CAIRO_FONT(pf);
    for (int i = 0; i < gs->num_glyphs && !unknown; i++)
        unknown = (gs->glyphs[i].glyph & PANGO_GLYPH_UNKNOWN_FLAG) != 0;
    cairo_scaled_font_t *sf = unknown ? NULL : pango_cairo_font_get_scaled_font(PANGO_CAIRO_FONT(pf));
    int len = gi->item->length;
    const char *s = text + gi->item->offset;
    if (!sf || pt_batch(c, sf, r, g, b, gs->num_glyphs)) {
        pt_flush(c);
        cairo_set_source_rgb(c->cr, r, g, b);
        cairo_move_to(c->cr, x, baseline);
        pango_cairo_show_glyph_item(c->cr, text, gi);
        return;
    }
    sb_append(&c->b_text, s, (size_t)len);
    /* Grapheme starts, by byte offset in the item. */
    int n_attrs = 0;
    const PangoLogAttr *la = pango_layout_get_log_attrs_readonly(layout, &n_attrs);
    int ci = g_utf8_pointer_to_offset(text, s);
    char stack_gs[512];
    char *gstart = len < (int)sizeof(stack_gs) ? stack_gs : g_malloc((size_t)len + 1);
    memset(gstart, 0, (size_t)len + 1);
    for (const char *p = s; p < s + len; p = g_utf8_next_char(p), ci++)
        gstart[p - s] = ci < n_attrs ? la[ci].is_cursor_position : 1;
    int pen = 0, start = 0, cl_start = -1;
    cairo_text_cluster_t *cl = NULL;
    for (int i = 0; i < gs->num_glyphs; i++) {
        int lc = gs->log_clusters[i];
        if (lc < 0 || lc >= len)
            lc = 0;
        if (!cl || (lc != cl_start && lc > start && gstart[lc])) {
            if (cl)
                cl->num_bytes = lc - start;
            start = cl ? lc : 0;
            cl_start = lc;
            cl = &c->b_clusters[c->b_n_clusters++];
            cl->num_bytes = 0;
            cl->num_glyphs = 0;
        }
        cl_start = lc;
        PangoGlyphInfo *gi_ = &gs->glyphs[i];
        if (gi_->glyph != PANGO_GLYPH_EMPTY) {
            cairo_glyph_t *cg = &c->b_glyphs[c->b_n_glyphs++];
            cg->index = gi_->glyph;
            cg->x = x + (double)(pen + gi_->geometry.x_offset) / PANGO_SCALE;
            cg->y = baseline + (double)gi_->geometry.y_offset / PANGO_SCALE;
            cl->num_glyphs++;
        }
        pen += gi_->geometry.width;
    }
    if (cl)
        cl->num_bytes = len - start;
    else if (len) { /* text without glyphs */
        cl = &c->b_clusters[c->b_n_clusters++];
        cl->num_bytes = len;
        cl->num_glyphs = 0;
    }
    if (gstart != stack_gs)
        g_free(gstart);
}

/* Room for one more line of height h, or a new page. */
void pt_make_room(pdf_ctx *c, double h)
{
    if (c->y + h > PAGE_H - MARGIN && c->page_dirty)
        pt_new_page(c);
}

void pt_mark_first(pdf_ctx *c, int *first)
{
    if (*first) {
        c->first_page = c->page;
        c->first_y = c->y;
        *first = 0;
    }
}

void pt_find_breaks(const int *w, int n, const PangoLogAttr *la, int n_la, pt_breaks *out)
{
    const int limit = (int)(TEXT_W * PANGO_SCALE);
    out->at = out->stack;
    out->n = 0;
    out->cap = (int)G_N_ELEMENTS(out->stack);
    int x = 0, seg = 0, last_word = -1, last_char = -1;
    for (int i = 0; i < n; i++) {
        if (i > seg && i < n_la) {
            if (la[i].is_line_break)
                last_word = i;
            if (la[i].is_cursor_position)
                last_char = i;
        }
        /* Trailing white space hangs past the margin, as pango lets it. */
        if (x + w[i] > limit && i > seg && !(i < n_la && la[i].is_white)) {
            int br = last_word > seg ? last_word : last_char > seg ? last_char : i;
            if (out->n == out->cap) {
                int *nb = g_new(int, out->cap * 2);
                memcpy(nb, out->at, sizeof(int) * (size_t)out->cap);
                if (out->at != out->stack)
                    g_free(out->at);
                out->at = nb;
                out->cap *= 2;
            }
            out->at[out->n++] = br;
            x = 0;
            for (int k = br; k < i; k++)
                x += w[k];
            seg = br;
            last_word = last_char = -1;
        }
        x += w[i];
    }
}

void pt_breaks_free(pt_breaks *b)
{
    if (b->at != b->stack)
        g_free(b->at);
    b->at = b->stack;
    b->n = 0;
}

/* Draw one unwrapped left-to-right paragraph line, broken into as many
 * lines of TEXT_W as it needs by our own greedy breaker: pango's wrapping
 * re-shapes the rest of an item after every break (harfbuzz ran 8 times
 * per transcript message), whereas splitting the glyphs already shaped
 * costs nothing.  Exact for left-to-right text: no kerning or ligatures
 * reach across a break opportunity (word boundaries, or any grapheme
 * boundary when a word alone is too long, as PANGO_WRAP_WORD_CHAR). */
static void draw_ltr_line(pdf_ctx *c, PangoLayout *layout, PangoLayoutLine *line, double r,
                          double g, double b, int *first)
{
    PangoRectangle logical;
    pango_layout_line_get_extents(line, NULL, &logical);
    double h = (double)logical.height / PANGO_SCALE;
    double ascent = (double)-logical.y / PANGO_SCALE;
    const char *text = pango_layout_get_text(layout);
    int n_attrs = 0;
    const PangoLogAttr *la = pango_layout_get_log_attrs_readonly(layout, &n_attrs);

    /* Pass 1: where each output line ends, as a character offset. */
    int line_start = g_utf8_pointer_to_offset(text, text + line->start_index);
    int line_end = line_start + g_utf8_strlen(text + line->start_index, line->length);
    int n_chars = line_end - line_start;
    int stack_w[256];
    int *w = n_chars <= 256 ? stack_w : g_new(int, n_chars);
    for (GSList *l = line->runs; l; l = l->next) {
        PangoGlyphItem *run = l->data;
        int off = g_utf8_pointer_to_offset(text + line->start_index, text + run->item->offset);
        pango_glyph_item_get_logical_widths(run, text, w + off);
    }
    pt_breaks br;
    pt_find_breaks(w, n_chars, la + line_start, n_attrs - line_start, &br);
    int n_breaks = br.n;
    const int *breaks = br.at;

    /* Pass 2: draw the runs, splitting them at the breaks. */
    int seg_i = 0, seg_end = n_breaks ? breaks[0] : n_chars;
    double pen = 0;
    pt_make_room(c, h);
    pt_mark_first(c, first);
    for (GSList *l = line->runs; l; l = l->next) {
        PangoGlyphItem *run = pango_glyph_item_copy(l->data);
        double rr = r, gg = g, bb = b;
        run_color(run, &rr, &gg, &bb);
        while (run) {
            int off = g_utf8_pointer_to_offset(text + line->start_index, text + run->item->offset);
            PangoGlyphItem *piece = run;
            if (off + run->item->num_chars > seg_end && seg_end > off) {
                const char *at = g_utf8_offset_to_pointer(text + run->item->offset, seg_end - off);
                piece = pango_glyph_item_split(run, text, (int)(at - (text + run->item->offset)));
            }
            if (off >= seg_end) { /* the run starts the next line */
                c->y += h;
                c->page_dirty = 1;
                seg_end = ++seg_i < n_breaks ? breaks[seg_i] : n_chars;
                pen = 0;
                pt_make_room(c, h);
                continue;
            }
            queue_glyphs(c, layout, piece, MARGIN + pen, c->y + ascent, rr, gg, bb);
            pen += (double)pango_glyph_string_get_width(piece->glyphs) / PANGO_SCALE;
            if (piece == run)
                run = NULL;
            pango_glyph_item_free(piece);
        }
    }
    c->y += h;
    c->page_dirty = 1;
    if (w != stack_w)
        g_free(w);
    pt_breaks_free(&br);
}

/* The head's font and colour as pango attributes over its bytes. */
static PangoAttrList *head_attrs(const pt_head *head)
{
    PangoAttrList *attrs = pango_attr_list_new();
    if (!head)
        return attrs;
    PangoFontDescription *fd = pango_font_description_from_string(head->font);
    PangoAttribute *a = pango_attr_font_desc_new(fd);
    pango_font_description_free(fd);
    a->end_index = (guint)head->len;
    pango_attr_list_insert(attrs, a);
    a = pango_attr_foreground_new((guint16)(head->r * 65535.0 + 0.5), (guint16)(head->g * 65535.0 + 0.5),
                                  (guint16)(head->b * 65535.0 + 0.5));
    a->end_index = (guint)head->len;
    pango_attr_list_insert(attrs, a);
    return attrs;
}

void pt_block(pdf_ctx *c, const char *what, const char *text, const pt_head *head,
              const char *font, double r, double g, double b, double space_after)
{
    if (!text || !*text)
        return;
    char *valid = g_utf8_make_valid(text, -1);
    int flags = scan_text(valid), rtl = flags & TEXT_RTL;
    /* Most text is plain (Latin, digits, punctuation) and needs none of
     * pango's itemising, shaping or extents: see profile_plain.c. */
    if (!(flags & TEXT_COMPLEX) && !c->no_plain && pt_plain_block(c, valid, head, font, r, g, b) == 0) {
        c->plain_blocks++;
        pt_flush(c); /* inside the caller's link tag, if any */
        g_free(valid);
        c->y += space_after;
        return;
    }
    int cached, first = 1;
    PangoLayout *layout = layout_for(c, font, &cached);
    /* Right-to-left text keeps pango's own wrapping: a wrapped line's runs
     * are reordered for display line by line (UAX #9, L1-L2). */
    pango_layout_set_width(layout, rtl ? (int)(TEXT_W * PANGO_SCALE) : -1);
    pango_layout_set_text(layout, valid, -1);
    /* No kerning or ligatures: 6% fewer instructions per profile (shaping
     * is a fifth of the cost), and without "fi"/"fl" ligature glyphs the
     * text the ATS extracts from the PDF is the text we wrote.  Required
     * ligatures (Arabic lam-alef) and mark positioning stay on. */
    PangoAttrList *all = head_attrs(head);
    /* Text in Latin-1, Latin Extended-A and punctuation has no combining
     * marks to compose or position and no language forms to pick (the
     * language is unknown): without those lookups harfbuzz shapes it with
     * a tenth fewer instructions. */
    pango_attr_list_insert(all, pango_attr_font_features_new(
                                    flags & TEXT_COMPLEX ? PT_FEATURES_COMPLEX : PT_FEATURES_PLAIN));
    pango_layout_set_attributes(layout, all);
    pango_attr_list_unref(all);
    note_unknown(c, layout, what);
    if (rtl) {
        pt_flush(c);
        PangoLayoutIter *it = pango_layout_get_iter(layout);
        do {
            PangoRectangle logical;
            pango_layout_iter_get_line_extents(it, NULL, &logical);
            double h = (double)logical.height / PANGO_SCALE;
            pt_make_room(c, h);
            pt_mark_first(c, &first);
            int baseline = pango_layout_iter_get_baseline(it);
            PangoLayoutLine *line = pango_layout_iter_get_line_readonly(it);
            double line_top = (double)logical.y / PANGO_SCALE;
            cairo_set_source_rgb(c->cr, r, g, b);
            /* Lines of a right-to-left paragraph are aligned right; x is
             * where pango put each line in the layout. */
            cairo_move_to(c->cr, MARGIN + (double)logical.x / PANGO_SCALE,
                          c->y + (double)baseline / PANGO_SCALE - line_top);
            pango_cairo_show_layout_line(c->cr, line);
            c->y += h;
            c->page_dirty = 1;
        } while (pango_layout_iter_next_line(it));
        pango_layout_iter_free(it);
    } else {
        for (GSList *l = pango_layout_get_lines_readonly(layout); l; l = l->next)
            draw_ltr_line(c, layout, l->data, r, g, b, &first);
    }
    pt_flush(c); /* inside the caller's link tag, if any */
    pango_layout_set_attributes(layout, NULL);
    if (!cached)
        g_object_unref(layout); /* more fonts than slots */
    g_free(valid);
    c->y += space_after;
}
