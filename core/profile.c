#include "profile.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <glib.h>
#include <pango/pangocairo.h>
#include <poppler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* US Letter, in points. */
#define PAGE_W 612.0
#define PAGE_H 792.0
#define MARGIN 54.0
#define TEXT_W (PAGE_W - 2 * MARGIN)

typedef struct pdf_ctx {
    cairo_surface_t *surface;
    cairo_t *cr;
    double y;                /* next baseline area top */
    int page_dirty;          /* something drawn on the current page */
    strbuf out;
} pdf_ctx;

static cairo_status_t on_write(void *closure, const unsigned char *data, unsigned int len)
{
    pdf_ctx *c = closure;
    return sb_append(&c->out, data, len) == 0 ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static void new_page(pdf_ctx *c)
{
    if (c->page_dirty)
        cairo_show_page(c->cr);
    c->y = MARGIN;
    c->page_dirty = 0;
}

/* Lay out text (never markup: candidate text is data) and draw it line by
 * line, starting a new page whenever the next line would not fit. */
static void text_block(pdf_ctx *c, const char *text, const char *font, double r, double g,
                       double b, double space_after)
{
    if (!text || !*text)
        return;
    char *valid = g_utf8_make_valid(text, -1);
    PangoLayout *layout = pango_cairo_create_layout(c->cr);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(layout, fd);
    pango_layout_set_width(layout, (int)(TEXT_W * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_text(layout, valid, -1);
    PangoLayoutIter *it = pango_layout_get_iter(layout);
    do {
        PangoRectangle logical;
        pango_layout_iter_get_line_extents(it, NULL, &logical);
        double h = (double)logical.height / PANGO_SCALE;
        if (c->y + h > PAGE_H - MARGIN)
            new_page(c);
        int baseline = pango_layout_iter_get_baseline(it);
        PangoLayoutLine *line = pango_layout_iter_get_line_readonly(it);
        double line_top = (double)logical.y / PANGO_SCALE;
        cairo_set_source_rgb(c->cr, r, g, b);
        cairo_move_to(c->cr, MARGIN, c->y + (double)baseline / PANGO_SCALE - line_top);
        pango_cairo_show_layout_line(c->cr, line);
        c->y += h;
        c->page_dirty = 1;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    pango_font_description_free(fd);
    g_object_unref(layout);
    g_free(valid);
    c->y += space_after;
}

static void rule(pdf_ctx *c)
{
    if (c->y + 12 > PAGE_H - MARGIN)
        new_page(c);
    cairo_set_source_rgb(c->cr, 0.75, 0.75, 0.75);
    cairo_set_line_width(c->cr, 0.8);
    cairo_move_to(c->cr, MARGIN, c->y + 4);
    cairo_line_to(c->cr, PAGE_W - MARGIN, c->y + 4);
    cairo_stroke(c->cr);
    c->y += 12;
}

/* A clickable link back; cairo tag attributes quote with ', so the URL is
 * percent-encoded where it could break out of the quotes. */
static void link_line(pdf_ctx *c, const char *label, const char *url)
{
    if (!url || !*url)
        return;
    strbuf attr;
    sb_init(&attr);
    sb_puts(&attr, "uri='");
    for (const char *p = url; *p; p++) {
        if (*p == '\'' || *p == '\\' || (unsigned char)*p < 0x20)
            sb_printf(&attr, "%%%02X", (unsigned char)*p);
        else
            sb_append(&attr, p, 1);
    }
    sb_puts(&attr, "'");
    char *text = str_printf("%s %s", label, url);
    if (attr.data && text) {
        cairo_tag_begin(c->cr, CAIRO_TAG_LINK, attr.data);
        text_block(c, text, "DejaVu Sans 10", 0.05, 0.25, 0.65, 2);
        cairo_tag_end(c->cr, CAIRO_TAG_LINK);
    }
    free(text);
    sb_free(&attr);
}

static void stars_block(pdf_ctx *c, int stars, const char *summary)
{
    if (stars < 1 || stars > 5)
        return;
    char line[64] = "";
    size_t o = 0;
    for (int i = 0; i < 5; i++)
        o += (size_t)snprintf(line + o, sizeof(line) - o, "%s", i < stars ? "\u2605" : "\u2606");
    text_block(c, "AI recruiter assessment", "DejaVu Sans Bold 12", 0.1, 0.1, 0.1, 2);
    text_block(c, line, "DejaVu Sans 22", 0.93, 0.65, 0.0, 0);
    char caption[48];
    snprintf(caption, sizeof(caption), "%d of 5 stars", stars);
    text_block(c, caption, "DejaVu Sans 9", 0.3, 0.3, 0.3, 4);
    text_block(c, summary, "DejaVu Sans 10", 0.1, 0.1, 0.1, 6);
}

static int append_pdf(pdf_ctx *c, const unsigned char *data, size_t len, atsb_error *err)
{
    GError *gerr = NULL;
    GBytes *bytes = g_bytes_new_static(data, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    if (!doc) {
        int rc = err_set(err, ATSB_ERR_PERMANENT, "the resume PDF cannot be read: %s",
                         gerr ? gerr->message : "unknown error");
        g_clear_error(&gerr);
        g_bytes_unref(bytes);
        return rc;
    }
    int n = poppler_document_get_n_pages(doc);
    for (int i = 0; i < n; i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        if (!page)
            continue;
        double w, h;
        poppler_page_get_size(page, &w, &h);
        new_page(c);
        /* Each appended page keeps its own size; vectors and text stay
         * vectors and text (no rasterising), so the ATS can search it. */
        cairo_pdf_surface_set_size(c->surface, w, h);
        cairo_save(c->cr);
        poppler_page_render_for_printing(page, c->cr);
        cairo_restore(c->cr);
        c->page_dirty = 1;
        g_object_unref(page);
    }
    g_object_unref(doc);
    g_bytes_unref(bytes);
    new_page(c);
    cairo_pdf_surface_set_size(c->surface, PAGE_W, PAGE_H);
    return ATSB_OK;
}

int profile_check_pdf(const unsigned char *data, size_t len, int *pages, atsb_error *err)
{
    GError *gerr = NULL;
    GBytes *bytes = g_bytes_new_static(data, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    int rc = ATSB_OK;
    if (!doc) {
        rc = err_set(err, ATSB_ERR_PERMANENT, "not a readable PDF: %s",
                     gerr ? gerr->message : "unknown error");
        g_clear_error(&gerr);
    } else {
        if (pages)
            *pages = poppler_document_get_n_pages(doc);
        g_object_unref(doc);
    }
    g_bytes_unref(bytes);
    return rc;
}

int profile_render_pdf(const profile_input *in, unsigned char **out, size_t *len,
                       atsb_error *err)
{
    *out = NULL;
    *len = 0;
    int rc = ATSB_OK;
    pdf_ctx c;
    memset(&c, 0, sizeof(c));
    sb_init(&c.out);
    c.surface = cairo_pdf_surface_create_for_stream(on_write, &c, PAGE_W, PAGE_H);
    c.cr = cairo_create(c.surface);
    c.y = MARGIN;
    char *name = str_printf("%s %s", in->first_name ? in->first_name : "",
                            in->last_name ? in->last_name : "");
    cairo_pdf_surface_set_metadata(c.surface, CAIRO_PDF_METADATA_TITLE, name ? name : "Candidate");
    cairo_pdf_surface_set_metadata(c.surface, CAIRO_PDF_METADATA_CREATOR,
                                   in->source_name ? in->source_name : "atsbridge");

    text_block(&c, name, "DejaVu Sans Bold 20", 0.05, 0.05, 0.05, 2);
    if (in->job_title) {
        char *t = str_printf("Candidate for %s", in->job_title);
        text_block(&c, t, "DejaVu Sans 11", 0.35, 0.35, 0.35, 4);
        free(t);
    }
    if (in->email) {
        char *t = str_printf("Email: %s", in->email);
        text_block(&c, t, "DejaVu Sans 10", 0.1, 0.1, 0.1, 0);
        free(t);
    }
    if (in->phone) {
        char *t = str_printf("Phone: %s", in->phone);
        text_block(&c, t, "DejaVu Sans 10", 0.1, 0.1, 0.1, 0);
        free(t);
    }
    link_line(&c, "Profile:", in->profile_url);
    if (in->source_name) {
        char *t = str_printf("Source: %s", in->source_name);
        text_block(&c, t, "DejaVu Sans 9", 0.4, 0.4, 0.4, 0);
        free(t);
    }
    rule(&c);
    stars_block(&c, in->stars, in->summary);
    if (in->transcript_count) {
        rule(&c);
        text_block(&c, "Screening conversation", "DejaVu Sans Bold 12", 0.1, 0.1, 0.1, 4);
        for (size_t i = 0; i < in->transcript_count; i++) {
            const profile_message *m = &in->transcript[i];
            char ts[32] = "";
            if (m->at) {
                time_t t = (time_t)m->at;
                struct tm tm;
                gmtime_r(&t, &tm);
                strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M UTC", &tm);
            }
            char *head = str_printf("%s%s%s", m->from ? m->from : "?", ts[0] ? " \u2014 " : "", ts);
            text_block(&c, head, "DejaVu Sans Bold 9", 0.2, 0.2, 0.45, 0);
            text_block(&c, m->text, "DejaVu Sans 10", 0.1, 0.1, 0.1, 5);
            free(head);
        }
    }
    if (in->resume_pdf && in->resume_pdf_len) {
        rule(&c);
        text_block(&c, "Resume (the candidate's original document follows)",
                   "DejaVu Sans Bold 12", 0.1, 0.1, 0.1, 0);
        rc = append_pdf(&c, in->resume_pdf, in->resume_pdf_len, err);
    } else if (in->resume_text) {
        new_page(&c);
        text_block(&c, "Resume", "DejaVu Sans Bold 14", 0.1, 0.1, 0.1, 6);
        text_block(&c, in->resume_text, "DejaVu Sans 10", 0.1, 0.1, 0.1, 0);
    }
    if (c.page_dirty)
        cairo_show_page(c.cr);
    cairo_destroy(c.cr);
    cairo_surface_finish(c.surface);
    cairo_status_t st = cairo_surface_status(c.surface);
    cairo_surface_destroy(c.surface);
    free(name);
    if (!rc && st != CAIRO_STATUS_SUCCESS)
        rc = err_set(err, ATSB_ERR_INTERNAL, "PDF rendering failed: %s", cairo_status_to_string(st));
    if (!rc && c.out.oom)
        rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory rendering the PDF");
    if (rc) {
        sb_free(&c.out);
        return rc;
    }
    *len = c.out.len;
    *out = (unsigned char *)sb_steal(&c.out);
    return *out ? ATSB_OK : err_set(err, ATSB_ERR_INTERNAL, "out of memory");
}
