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
 * font pango shapes with, and the same cairo font draws it; only pango's
 * break opportunities are still asked for.  The result is the PDF the
 * layout path writes, byte for byte (tests/unit/test_profile_plain.c);
 * any text this path cannot vouch for goes to pango. */
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
    if (!f->font || !PANGO_IS_CAIRO_FONT(f->font) || !(f->hb = pango_font_get_hb_font(f->font)) ||
        !(f->scaled = pango_cairo_font_get_scaled_font(PANGO_CAIRO_FONT(f->font))) ||
        !hb_font_get_nominal_glyph(f->hb, ' ', &space)) {
        if (f->font)
            g_object_unref(f->font);
        f->font = NULL;
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
    for (int i = 0; i < c->n_plain; i++)
        if (c->plain[i].font)
            g_object_unref(c->plain[i].font);
    c->n_plain = 0;
}

/* One character of the block: its glyph, advance and bytes. */
typedef struct plain_char_t {
    unsigned glyph;
    int width;
    int off, len;
} pchar;

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
    /* Pango's break opportunities, computed as its layout does: for the
     * paragraph with its newline. */
    int n_la = g_utf8_strlen(para, plen) + 1;
    PangoLogAttr stack_la[257];
    PangoLogAttr *la = n_la <= 257 ? stack_la : g_new(PangoLogAttr, n_la);
    pango_get_log_attrs(para, plen, 0, pango_context_get_language(c->pc), la, n_la);
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
            const pt_plain_font *f = head && (size_t)(p - text) < head->len ? hf : body;
            hb_codepoint_t glyph;
            if (!plain_char(u) || !hb_font_get_nominal_glyph(f->hb, u, &glyph))
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
            ch[n].glyph = glyph;
            ch[n].width = hb_font_get_glyph_h_advance(f->hb, glyph);
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
