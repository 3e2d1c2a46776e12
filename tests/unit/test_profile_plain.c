/* The profile's plain-text path (core/cands/profile_plain.c) draws what
 * pango's layout draws: the same text, rendered once through each path,
 * gives the same PDF byte for byte (glyphs, positions, line breaks, page
 * breaks, fonts).  Needs the profile fonts (make deps). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cairo-pdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cands/profile_text.h"

static cairo_status_t on_write(void *closure, const unsigned char *data, unsigned int len)
{
    return sb_append(closure, data, len) == 0 ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

typedef struct block {
    const char *text;
    const char *font;
    size_t head; /* bytes of a speaker line, 0 none */
} block;

static const char *const LONG_WORD =
    "Supercalifragilisticexpialidocious-and-then-some-more-words-without-spaces-"
    "https://app.factoryfix.com/candidates/c-1234567890/assessments/very/long/path/that/"
    "keeps/going/and/going/until/it/no/longer/fits/on/one/line/of/the/page/at/all";

/* Render the blocks; plain: whether the plain path may be used.  Returns
 * the PDF; *n_plain counts the blocks that took the plain path. */
static strbuf render(const block *blocks, size_t n, int plain, int *n_plain)
{
    strbuf out;
    sb_init(&out);
    pdf_ctx c;
    memset(&c, 0, sizeof(c));
    sb_init(&c.out);
    c.surface = cairo_pdf_surface_create_for_stream(on_write, &out, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(c.surface, CAIRO_PDF_METADATA_CREATE_DATE, "2026-01-01T00:00:00Z");
    c.cr = cairo_create(c.surface);
    pt_init(&c);
    c.no_plain = !plain;
    for (int round = 0; round < 3; round++) /* enough for several pages */
        for (size_t i = 0; i < n; i++) {
            /* pango keeps colours in 16 bits: one it can hold exactly */
            pt_head head = { blocks[i].head, PT_FONT("Bold 9"), 0.2, 0.2, 0x7333 / 65535.0 };
            pt_block(&c, "a test block", blocks[i].text, blocks[i].head ? &head : NULL,
                     blocks[i].font, 0.1, 0.1, 0.1, 5);
        }
    if (c.page_dirty)
        cairo_show_page(c.cr);
    *n_plain = c.plain_blocks;
    pt_free(&c);
    cairo_destroy(c.cr);
    cairo_surface_finish(c.surface);
    assert_int_equal(cairo_surface_status(c.surface), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(c.surface);
    sb_free(&c.out);
    return out;
}

static void test_profile_plain__draws_what_pango_draws(void **state)
{
    (void)state;
    char speaker[] = "AI recruiter \u2014 2026-11-18 11:06 UTC\nMessage 1: I have run Haas and "
                     "Mazak mills for six years, mostly aluminium aerospace parts, and I can start "
                     "on the second shift in two weeks \u2014 Zo\u00eb.";
    char spaces[600];
    snprintf(spaces, sizeof(spaces), "%s    %s  trailing spaces at a break         ", LONG_WORD,
             "word");
    const block blocks[] = {
        { "Zo\u00eb \u00d8rsted", PT_FONT("Bold 20"), 0 },
        { "Candidate for CNC Machinist / Operador CNC", PT_FONT("11"), 0 },
        { "Email: zoe@example.com", PT_FONT("10"), 0 },
        { "Phone: +1 (555) 010-0100 ext. 7", PT_FONT("10"), 0 },
        { speaker, PT_FONT("10"), strcspn(speaker, "\n") },
        { "candidate \u2014 2026-11-18 11:07 UTC\n\u00bfD\u00f3nde est\u00e1 la planta? \u00a1S\u00ed! "
          "Stra\u00dfe, \u0141\u00f3d\u017a, \u0151 \u0171 \u0153 \u00e6 \u00fe \u00f0; "
          "\u201cquoted\u201d \u2018single\u2019 \"ascii\" 'ascii' \u2013 en \u2026 ellipsis "
          "\u2022 bullet \u2030 \u2039a\u203a \u00abb\u00bb 1,234.56 $100 50% 3/4 a/b "
          "state-of-the-art (parens) [brackets] {braces} #tag @at &amp; * ~ ^ ` | \\ = + < >",
          PT_FONT("10"), 34 },
        { LONG_WORD, PT_FONT("10"), 0 },
        { spaces, PT_FONT("10"), 0 },
        { "first paragraph\nsecond paragraph with more words in it\nthird", PT_FONT("9"), 0 },
        { "Source: FactoryFix", PT_FONT("9"), 0 },
        { "Screening conversation", PT_FONT("Bold 12"), 0 },
    };
    int plain = 0, none = 0;
    strbuf a = render(blocks, sizeof(blocks) / sizeof(blocks[0]), 1, &plain);
    strbuf b = render(blocks, sizeof(blocks) / sizeof(blocks[0]), 0, &none);
    /* Every block is plain text: the comparison is not vacuous. */
    assert_int_equal(plain, 3 * (int)(sizeof(blocks) / sizeof(blocks[0])));
    assert_int_equal(none, 0);
    assert_true(a.len > 1000);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    sb_free(&a);
    sb_free(&b);
}

static void test_profile_plain__leaves_other_text_to_pango(void **state)
{
    (void)state;
    const block blocks[] = {
        { "\u0418\u0432\u0430\u043d \u041f\u0435\u0442\u0440\u043e\u0432", PT_FONT("Bold 20"), 0 }, /* Cyrillic */
        { "\u05e9\u05dc\u05d5\u05dd", PT_FONT("10"), 0 },   /* Hebrew */
        { "cafe\u0301", PT_FONT("10"), 0 },           /* a combining mark */
        { "\u2605\u2605\u2606", PT_FONT("22"), 0 },         /* stars */
        { "soft\u00adhyphen", PT_FONT("10"), 0 },
        { "zero\u200bwidth", PT_FONT("10"), 0 },
        { "tab\there", PT_FONT("10"), 0 },
        { "empty\n\nparagraph", PT_FONT("10"), 0 },
        { "ends with a newline\n", PT_FONT("10"), 0 },
    };
    int plain = 0;
    strbuf a = render(blocks, sizeof(blocks) / sizeof(blocks[0]), 1, &plain);
    assert_int_equal(plain, 0);
    sb_free(&a);
}

/* The plain path's own line breaking gives pango's break opportunities:
 * random paragraphs of plain characters of every line breaking class,
 * each compared with pango_get_log_attrs. */
static void test_profile_plain__breaks_where_pango_breaks(void **state)
{
    (void)state;
    static const gunichar palette[] = {
        'a', 'Z', 0xe9, 0x141, '0', '7', ' ', ' ', ' ', 0xa0, ',', '.', ':', ';', '!', '?', '-',
        '/', '(', ')', '[', ']', '{', '}', '"', '\'', '$', '+', '%', '#', '@', '&', '*', '=', '<',
        '>', '|', '~', '^', '_', '`', '\\', 0xa1, 0xa2, 0xa3, 0xa7, 0xab, 0xb0, 0xb1, 0xb4, 0xb7,
        0xbb, 0xbf, 0xd7, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2018, 0x2019,
        0x201a, 0x201c, 0x201d, 0x201e, 0x2020, 0x2022, 0x2024, 0x2026, 0x2027, 0x2030, 0x2032,
        0x2039, 0x203a, 0x203c, 0x2044, 0x2047, 0x2053,
    };
    const int n_palette = (int)(sizeof(palette) / sizeof(palette[0]));
    GRand *rng = g_rand_new_with_seed(18);
    int ours = 0;
    for (int round = 0; round < 20000; round++) {
        int n = g_rand_int_range(rng, 1, 24);
        gunichar u[24];
        char text[24 * 6 + 1];
        int len = 0;
        for (int i = 0; i < n; i++) {
            /* Runs of one class are common in text: repeat sometimes. */
            u[i] = i && g_rand_int_range(rng, 0, 3) == 0 ? u[i - 1]
                                                          : palette[g_rand_int_range(rng, 0, n_palette)];
            len += g_unichar_to_utf8(u[i], text + len);
        }
        text[len] = '\0';
        PangoLogAttr want[25], got[25];
        memset(want, 0, sizeof(want)); /* pango leaves some fields alone */
        pango_get_log_attrs(text, len, 0, pango_language_get_default(), want, n + 1);
        if (pt_plain_breaks(u, n, got) != 0)
            continue; /* a class it leaves to pango */
        ours++;
        for (int i = 0; i < n; i++)
            if (want[i].is_line_break != got[i].is_line_break ||
                want[i].is_cursor_position != got[i].is_cursor_position ||
                want[i].is_white != got[i].is_white)
                fail_msg("\"%s\" at character %d (U+%04X): pango says break %d, grapheme %d, "
                         "white %d; ours %d %d %d", text, i, (unsigned)u[i], want[i].is_line_break,
                         want[i].is_cursor_position, want[i].is_white, got[i].is_line_break,
                         got[i].is_cursor_position, got[i].is_white);
    }
    g_rand_free(rng);
    /* Most of them are ours (the palette is mostly of classes it knows). */
    assert_true(ours > 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_plain__draws_what_pango_draws),
        cmocka_unit_test(test_profile_plain__leaves_other_text_to_pango),
        cmocka_unit_test(test_profile_plain__breaks_where_pango_breaks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
