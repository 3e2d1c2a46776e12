/* The plain-text path of the profile's text engine (profile_text.h).
 *
 * Most of a profile is plain text: names, email, the transcript in
 * English or Spanish.  Pango's layout spends three quarters of its time on
 * such text in work whose result is known beforehand: itemising (which
 * font for each character: the first font of the list, DejaVu Sans, has
 * them all), shaping (with kerning, ligatures and mark lookups off,
 * harfbuzz gives every character its nominal glyph at its advance) and
 * measuring lines (every glyph of a font has the same logical height).
 * Here each character gets its glyph and advance from the same harfbuzz
 * font pango shapes with, the same cairo font draws it, and the break
 * opportunities are pango's rules applied to the few line breaking
 * classes plain text has.  The result is the PDF the layout path writes,
 * byte for byte (tests/unit/test_profile_plain.c); any text this path
 * cannot vouch for goes to pango. */
#include "cands/profile_text.h"

#include <glib.h>
#include <limits.h>
#include <string.h>

/* Characters drawn without pango: printable ASCII, Latin-1 and Latin
 * Extended-A, and general punctuation's dashes, quotes, bullets and signs.
 * Not controls (a newline only separates paragraphs), not the soft hyphen
 * (shown only where a line breaks), not the invisible format characters
 * (spaces of other widths, zero-width spaces and joiners, direction marks,
 * line and paragraph separators, the word joiner), which pango treats
 * apart. */
static int plain_char(gunichar u)
{
    return (u >= 0x20 && u <= 0x7e) || (u >= 0xa0 && u <= 0x17f && u != 0xad) ||
           (u >= 0x2010 && u <= 0x2027) || (u >= 0x2030 && u <= 0x205e);
}

/* Each character's glyph and advance, looked up once per font and
 * profile: harfbuzz's cmap and hmtx lookups cost about 400 instructions a
 * character, and a profile draws thousands of characters from a few dozen.  Indexed by
 * cache_slot; glyph 0 is not looked up yet (a missing character is not
 * cached: the block goes to pango). */
struct pt_glyph {
    unsigned glyph;
    int width;
};
#define PLAIN_CACHE (0x180 + 0x50)

static int cache_slot(gunichar u)
{
    return u < 0x180 ? (int)u : (int)(u - 0x2010 + 0x180);
}

static int plain_glyph(pt_plain_font *f, gunichar u, unsigned *glyph, int *width)
{
    struct pt_glyph *slot = &f->glyphs[cache_slot(u)];
    if (!slot->glyph) {
        hb_codepoint_t g;
        if (!hb_font_get_nominal_glyph(f->hb, u, &g) || !g)
            return -1;
        slot->glyph = g;
        slot->width = hb_font_get_glyph_h_advance(f->hb, g);
    }
    *glyph = slot->glyph;
    *width = slot->width;
    return 0;
}

static gboolean take_first(PangoFontset *fs, PangoFont *font, gpointer data)
{
    (void)fs;
    *(PangoFont **)data = g_object_ref(font);
    return TRUE; /* stop: the first font is the one wanted */
}

/* The font pango's itemiser gives a character the description's first
 * font has: the first font of the fontset it loads for Latin text, with
 * the layout's description (the context's, merged with ours). */
static void plain_font_load(pdf_ctx *c, pt_plain_font *f)
{
    PangoFontDescription *fd = pango_font_description_copy(pango_context_get_font_description(c->pc));
    PangoFontDescription *own = pango_font_description_from_string(f->name);
    pango_font_description_merge(fd, own, TRUE);
    pango_font_description_free(own);
    PangoLanguage *lang = pango_context_get_language(c->pc);
    if (!pango_language_includes_script(lang, PANGO_SCRIPT_LATIN))
        lang = pango_script_get_sample_language(PANGO_SCRIPT_LATIN);
    PangoFontset *fs = pango_context_load_fontset(c->pc, fd, lang);
    pango_font_description_free(fd);
    if (!fs)
        return;
    pango_fontset_foreach(fs, take_first, &f->font);
    g_object_unref(fs);
    hb_codepoint_t space;
    if (!f->font || !PANGO_IS_CAIRO_FONT(f->font) || !(f->glyphs = g_try_new0(struct pt_glyph, PLAIN_CACHE)) || !(f->hb = pango_font_get_hb_font(f->font)) ||
        !(f->scaled = pango_cairo_font_get_scaled_font(PANGO_CAIRO_FONT(f->font))) ||
        !hb_font_get_nominal_glyph(f->hb, ' ', &space)) {
        if (f->font)
            g_object_unref(f->font);
        f->font = NULL;
        g_free(f->glyphs);
        f->glyphs = NULL;
        return;
    }
    /* Pango measures a line by its glyphs' logical rectangles, which for
     * a cairo font are all the font's ascent and descent. */
    PangoRectangle logical;
    pango_font_get_glyph_extents(f->font, space, NULL, &logical);
    f->ascent = -logical.y;
    f->height = logical.height;
}

static pt_plain_font *plain_font(pdf_ctx *c, const char *name)
{
    for (int i = 0; i < c->n_plain; i++)
        if (c->plain[i].name == name || !strcmp(c->plain[i].name, name))
            return c->plain[i].font ? &c->plain[i] : NULL;
    if (c->n_plain == PT_MAX_FONTS)
        return NULL;
    pt_plain_font *f = &c->plain[c->n_plain++];
    memset(f, 0, sizeof(*f));
    f->name = name;
    plain_font_load(c, f);
    return f->font ? f : NULL;
}

void pt_plain_free(pdf_ctx *c)
{
    for (int i = 0; i < c->n_plain; i++) {
        if (c->plain[i].font)
            g_object_unref(c->plain[i].font);
        g_free(c->plain[i].glyphs);
    }
    c->n_plain = 0;
}

/* One character of the block: its glyph, advance and bytes. */
typedef struct plain_char_t {
    gunichar u;
    unsigned glyph;
    int width;
    int off, len;
} pchar;

/* UAX #14 line breaking as pango 1.50 implements it (its "Example 7"
 * tailoring of LB13 and LB25 included), for the classes plain text has:
 * the rules of other classes cannot apply.  Every character of plain text
 * is a grapheme of its own (no marks, joiners or controls). */
enum { LB_OTHER, LB_NUMERIC, LB_NUMERIC_CLOSE };

static GUnicodeBreakType plain_class(gunichar u, int *ok)
{
    GUnicodeBreakType t = g_unichar_break_type(u);
    switch ((int)t) {
    case G_UNICODE_BREAK_AMBIGUOUS:
    case G_UNICODE_BREAK_UNKNOWN:
        return G_UNICODE_BREAK_ALPHABETIC; /* LB1 */
    case G_UNICODE_BREAK_ALPHABETIC:
    case G_UNICODE_BREAK_NUMERIC:
    case G_UNICODE_BREAK_SPACE:
    case G_UNICODE_BREAK_INFIX_SEPARATOR:
    case G_UNICODE_BREAK_EXCLAMATION:
    case G_UNICODE_BREAK_HYPHEN:
    case G_UNICODE_BREAK_SYMBOL:
    case G_UNICODE_BREAK_OPEN_PUNCTUATION:
    case G_UNICODE_BREAK_CLOSE_PUNCTUATION:
    case G_UNICODE_BREAK_CLOSE_PARANTHESIS:
    case G_UNICODE_BREAK_QUOTATION:
    case G_UNICODE_BREAK_BEFORE_AND_AFTER:
    case G_UNICODE_BREAK_AFTER:
    case G_UNICODE_BREAK_BEFORE:
    case G_UNICODE_BREAK_NON_BREAKING_GLUE:
    case G_UNICODE_BREAK_PREFIX:
    case G_UNICODE_BREAK_POSTFIX:
    case G_UNICODE_BREAK_INSEPARABLE:
    case G_UNICODE_BREAK_NON_STARTER:
        return t;
    default:
        *ok = 0;
        return t;
    }
}

#define IS(x, a) ((x) == G_UNICODE_BREAK_##a)
#define IS2(x, a, b) (IS(x, a) || IS(x, b))

/* Whether a line may break before character i; prev is the class before
 * it, row the last one that is not a space, lb the numeric state. */
static int plain_break_before(GUnicodeBreakType prev, GUnicodeBreakType row, GUnicodeBreakType t,
                              GUnicodeBreakType next, int lb)
{
    if (IS(t, SPACE))
        return 0; /* LB7 */
    if (IS(t, NON_BREAKING_GLUE) && !IS(prev, SPACE) && !IS2(prev, AFTER, HYPHEN))
        return 0; /* LB12a */
    if (IS(prev, NON_BREAKING_GLUE))
        return 0; /* LB12 */
    if (IS(t, EXCLAMATION) ||
        (!IS(prev, NUMERIC) && (IS2(t, CLOSE_PUNCTUATION, CLOSE_PARANTHESIS) || IS2(t, INFIX_SEPARATOR, SYMBOL))))
        return 0; /* LB13 */
    if (IS(row, OPEN_PUNCTUATION))
        return 0; /* LB14 */
    if (IS(row, QUOTATION) && IS(t, OPEN_PUNCTUATION))
        return 0; /* LB15 */
    if (IS2(row, CLOSE_PUNCTUATION, CLOSE_PARANTHESIS) && IS(t, NON_STARTER))
        return 0; /* LB16 */
    if (IS(row, BEFORE_AND_AFTER) && IS(t, BEFORE_AND_AFTER))
        return 0; /* LB17 */
    if (IS(prev, SPACE))
        return 1; /* LB18 */
    if (IS(prev, QUOTATION) || IS(t, QUOTATION))
        return 0; /* LB19 */
    if (IS2(t, AFTER, HYPHEN) || IS(t, NON_STARTER) || IS(prev, BEFORE))
        return 0; /* LB21 */
    if (IS(t, INSEPARABLE))
        return 0; /* LB22 */
    if ((IS(prev, ALPHABETIC) && IS(t, NUMERIC)) || (IS(prev, NUMERIC) && IS(t, ALPHABETIC)))
        return 0; /* LB23 */
    if ((IS2(prev, PREFIX, POSTFIX) && IS(t, ALPHABETIC)) || (IS(prev, ALPHABETIC) && IS2(t, PREFIX, POSTFIX)))
        return 0; /* LB24 */
    if ((IS2(prev, PREFIX, POSTFIX) && IS(t, NUMERIC)) ||
        (IS2(prev, PREFIX, POSTFIX) && IS2(t, OPEN_PUNCTUATION, HYPHEN) && IS(next, NUMERIC)) ||
        (IS2(prev, OPEN_PUNCTUATION, HYPHEN) && IS(t, NUMERIC)) ||
        (IS(prev, NUMERIC) && (IS2(t, NUMERIC, SYMBOL) || IS(t, INFIX_SEPARATOR))) ||
        (lb == LB_NUMERIC && (IS2(t, NUMERIC, SYMBOL) || IS(t, INFIX_SEPARATOR) ||
                              IS2(t, CLOSE_PUNCTUATION, CLOSE_PARANTHESIS))) ||
        ((lb == LB_NUMERIC || lb == LB_NUMERIC_CLOSE) && IS2(t, POSTFIX, PREFIX)))
        return 0; /* LB25 */
    if (IS(prev, ALPHABETIC) && IS(t, ALPHABETIC))
        return 0; /* LB28 */
    if (IS(prev, INFIX_SEPARATOR) && IS(t, ALPHABETIC))
        return 0; /* LB29 */
    if ((IS2(prev, ALPHABETIC, NUMERIC) && IS(t, OPEN_PUNCTUATION)) ||
        (IS(prev, CLOSE_PARANTHESIS) && IS2(t, ALPHABETIC, NUMERIC)))
        return 0; /* LB30 (none of these characters is East Asian wide) */
    return 1; /* LB31 */
}

int pt_plain_breaks(const gunichar *u, int n, PangoLogAttr *la)
{
    int ok = 1, lb = LB_OTHER;
    GUnicodeBreakType prev = G_UNICODE_BREAK_UNKNOWN, prev_prev = G_UNICODE_BREAK_UNKNOWN;
    GUnicodeBreakType t = n ? plain_class(u[0], &ok) : G_UNICODE_BREAK_MANDATORY;
    for (int i = 0; i < n && ok; i++) {
        /* The next class as pango sees it: a newline or the paragraph's
         * end after the last character, neither of them numeric. */
        GUnicodeBreakType next = i + 1 < n ? plain_class(u[i + 1], &ok) : G_UNICODE_BREAK_MANDATORY;
        GUnicodeBreakType row = IS(prev, SPACE) ? prev_prev : prev;
        if (IS(row, UNKNOWN))
            row = G_UNICODE_BREAK_ALPHABETIC;
        memset(&la[i], 0, sizeof(la[i]));
        la[i].is_cursor_position = 1;
        la[i].is_char_break = 1;
        la[i].is_white = g_unichar_isspace(u[i]) != 0;
        la[i].is_line_break = i > 0 && plain_break_before(prev, row, t, next, lb); /* LB2 */
        int cls = IS(t, NUMERIC) ? LB_NUMERIC
                  : IS2(t, CLOSE_PUNCTUATION, CLOSE_PARANTHESIS) && lb == LB_NUMERIC ? LB_NUMERIC_CLOSE
                                                                                      : LB_OTHER;
        if (!(IS2(t, NUMERIC, SYMBOL) || IS(t, INFIX_SEPARATOR)) || lb != LB_NUMERIC)
            lb = cls;
        if (!IS(t, SPACE) || !IS(prev, SPACE)) {
            prev_prev = prev;
            prev = t;
        }
        t = next;
    }
    if (ok)
        memset(&la[n], 0, sizeof(la[n]));
    return ok ? 0 : -1;
}

/* Draw one paragraph, chars [0, n) of `ch` (offsets in text; the
 * paragraph's `plen` bytes at para, with the newline ending it if any),
 * in font f. */
static void plain_paragraph(pdf_ctx *c, const char *text, const char *para, int plen,
                            const pchar *ch, int n,
                            const pt_plain_font *f, double r, double g, double b, int *first)
{
    int stack_w[256];
    int *w = n <= 256 ? stack_w : g_new(int, n);
    for (int i = 0; i < n; i++)
        w[i] = ch[i].width;
    /* Break opportunities: ours where every character's line breaking
     * class is one plain_breaks knows, else pango's, computed as its
     * layout does (for the paragraph with its newline). */
    int n_la = n + 1;
    PangoLogAttr stack_la[257];
    PangoLogAttr *la = n_la <= 257 ? stack_la : g_new(PangoLogAttr, n_la);
    gunichar stack_u[256];
    gunichar *u = n <= 256 ? stack_u : g_new(gunichar, n);
    for (int i = 0; i < n; i++)
        u[i] = ch[i].u;
    if (pt_plain_breaks(u, n, la) != 0)
        pango_get_log_attrs(para, plen, 0, pango_context_get_language(c->pc), la, n_la);
    if (u != stack_u)
        g_free(u);
    pt_breaks br;
    pt_find_breaks(w, n, la, n_la, &br);

    double h = (double)f->height / PANGO_SCALE, ascent = (double)f->ascent / PANGO_SCALE;
    for (int line = 0, start = 0; start < n; line++) {
        int end = line < br.n ? br.at[line] : n;
        pt_make_room(c, h);
        pt_mark_first(c, first);
        if (pt_batch(c, f->scaled, r, g, b, end - start)) {
            c->out.oom = 1;
            break;
        }
        double baseline = c->y + ascent;
        int pen = 0;
        for (int i = start; i < end; i++) {
            cairo_glyph_t *cg = &c->b_glyphs[c->b_n_glyphs++];
            cg->index = ch[i].glyph;
            cg->x = MARGIN + (double)pen / PANGO_SCALE;
            cg->y = baseline;
            pen += ch[i].width;
            cairo_text_cluster_t *cl = &c->b_clusters[c->b_n_clusters++];
            cl->num_bytes = ch[i].len;
            cl->num_glyphs = 1;
        }
        sb_append(&c->b_text, text + ch[start].off, (size_t)(ch[end - 1].off + ch[end - 1].len -
                                                            ch[start].off));
        c->y += h;
        c->page_dirty = 1;
        start = end;
    }
    pt_breaks_free(&br);
    if (la != stack_la)
        g_free(la);
    if (w != stack_w)
        g_free(w);
}

int pt_plain_block(pdf_ctx *c, const char *text, const pt_head *head, const char *font,
                   double r, double g, double b)
{
    size_t len = strlen(text);
    if (len > INT_MAX / 2 || (head && head->len < len && text[head->len] != '\n') ||
        (head && head->len > len))
        return 1;
    pt_plain_font *body = plain_font(c, font);
    pt_plain_font *hf = head ? plain_font(c, head->font) : NULL;
    if (!body || (head && !hf))
        return 1;

    /* Every character first: nothing is drawn unless all are plain. */
    pchar stack_ch[256];
    int cap = (int)G_N_ELEMENTS(stack_ch), n = 0, rc = 1;
    pchar *ch = stack_ch;
    for (const char *p = text; *p;) {
        gunichar u = g_utf8_get_char(p);
        int clen = (int)(g_utf8_next_char(p) - p);
        if (u == '\n') {
            /* An empty paragraph is measured by pango another way. */
            if (p == text || p[1] == '\n' || !p[1])
                goto done;
        } else {
            pt_plain_font *f = head && (size_t)(p - text) < head->len ? hf : body;
            unsigned glyph;
            int width;
            if (!plain_char(u) || plain_glyph(f, u, &glyph, &width))
                goto done;
            if (n == cap) {
                pchar *nc = g_try_new(pchar, (gsize)cap * 2);
                if (!nc)
                    goto done;
                memcpy(nc, ch, sizeof(*ch) * (size_t)n);
                if (ch != stack_ch)
                    g_free(ch);
                ch = nc;
                cap *= 2;
            }
            ch[n].u = u;
            ch[n].glyph = glyph;
            ch[n].width = width;
            ch[n].off = (int)(p - text);
            ch[n].len = clen;
            n++;
        }
        p += clen;
    }

    rc = 0;
    int first = 1;
    for (int i = 0, para = 0; i < n;) {
        /* The paragraph: characters up to the next newline. */
        int j = i;
        while (j + 1 < n && ch[j + 1].off == ch[j].off + ch[j].len)
            j++;
        int end = ch[j].off + ch[j].len;
        int with_nl = text[end] == '\n' ? end + 1 : end;
        int in_head = head && (size_t)para < head->len;
        const pt_plain_font *f = in_head ? hf : body;
        plain_paragraph(c, text, text + para, with_nl - para, ch + i, j + 1 - i, f,
                        in_head ? head->r : r, in_head ? head->g : g, in_head ? head->b : b,
                        &first);
        i = j + 1;
        para = with_nl;
    }
done:
    if (ch != stack_ch)
        g_free(ch);
    return rc;
}
