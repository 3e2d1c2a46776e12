#include "cands/profile.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <glib.h>
#include <pango/pangocairo.h>
#include <qpdf/qpdf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"
#include "cands/profile_text.h"

#if defined(__SANITIZE_ADDRESS__)
#define PROFILE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PROFILE_LSAN 1
#endif
#endif
#ifdef PROFILE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#define F_BODY PT_FONT("10")
#define F_HEAD PT_FONT("Bold 12")

static cairo_status_t on_write(void *closure, const unsigned char *data, unsigned int len)
{
    pdf_ctx *c = closure;
    return sb_append(&c->out, data, len) == 0 ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static void text_block(pdf_ctx *c, const char *what, const char *text, const char *font,
                       double r, double g, double b, double space_after)
{
    pt_block(c, what, text, NULL, font, r, g, b, space_after);
}

static void rule(pdf_ctx *c)
{
    if (c->y + 12 > PAGE_H - MARGIN)
        pt_new_page(c);
    cairo_set_source_rgb(c->cr, 0.75, 0.75, 0.75);
    cairo_set_line_width(c->cr, 0.8);
    cairo_move_to(c->cr, MARGIN, c->y + 4);
    cairo_line_to(c->cr, PAGE_W - MARGIN, c->y + 4);
    cairo_stroke(c->cr);
    c->y += 12;
    c->page_dirty = 1;
}

/* A section heading with its bookmark (outline entry) in the PDF. */
static void heading(pdf_ctx *c, const char *title, const char *bookmark)
{
    text_block(c, "a heading", title, F_HEAD, 0.1, 0.1, 0.1, 4);
    char dest[96];
    snprintf(dest, sizeof(dest), "page=%d pos=[%.1f %.1f]", c->first_page, MARGIN, c->first_y);
    cairo_pdf_surface_add_outline(c->surface, CAIRO_PDF_OUTLINE_ROOT, bookmark, dest, 0);
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
        text_block(c, "the link back", text, F_BODY, 0.05, 0.25, 0.65, 2);
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
    heading(c, "AI recruiter assessment", "Assessment");
    text_block(c, "the stars", line, PT_FONT("22"), 0.93, 0.65, 0.0, 0);
    char caption[48];
    snprintf(caption, sizeof(caption), "%d of 5 stars", stars);
    text_block(c, "the stars", caption, PT_FONT("9"), 0.3, 0.3, 0.3, 4);
    text_block(c, "the assessment summary", summary, F_BODY, 0.1, 0.1, 0.1, 6);
}

static void transcript_block(pdf_ctx *c, const profile_input *in)
{
    rule(c);
    heading(c, "Screening conversation", "Screening conversation");
    for (size_t i = 0; i < in->transcript_count; i++) {
        const profile_message *m = &in->transcript[i];
        char ts[32] = "";
        if (m->at) {
            time_t t = (time_t)m->at;
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M UTC", &tm);
        }
        /* Speaker line and message in one block, the speaker line in
         * its own font and colour. */
        char *msg = str_printf("%s%s%s\n%s", m->from ? m->from : "?",
                               ts[0] ? " \u2014 " : "", ts, m->text ? m->text : "");
        if (!msg)
            continue;
        pt_head head = { strcspn(msg, "\n"), PT_FONT("Bold 9"), 0x3333 / 65535.0, 0x3333 / 65535.0,
                         0x7333 / 65535.0 };
        char what[48];
        snprintf(what, sizeof(what), "transcript message %zu", i + 1);
        pt_block(c, what, msg, &head, F_BODY, 0.1, 0.1, 0.1, 5);
        free(msg);
    }
}

/* Title, subject, keywords (the job, the source) and creation date: what
 * an ATS or a desktop search indexes besides the text. */
static void set_metadata(pdf_ctx *c, const profile_input *in, const char *name)
{
    const char *src = in->source_name ? in->source_name : "atsbridge";
    cairo_pdf_surface_set_metadata(c->surface, CAIRO_PDF_METADATA_TITLE,
                                   name && *name ? name : "Candidate");
    char *subject = in->job_title ? str_printf("Candidate profile for %s, from %s", in->job_title, src)
                                  : str_printf("Candidate profile, from %s", src);
    char *keywords = str_printf("%s%scandidate profile, resume, %s", in->job_title ? in->job_title : "",
                                in->job_title ? ", " : "", src);
    if (subject)
        cairo_pdf_surface_set_metadata(c->surface, CAIRO_PDF_METADATA_SUBJECT, subject);
    if (keywords)
        cairo_pdf_surface_set_metadata(c->surface, CAIRO_PDF_METADATA_KEYWORDS, keywords);
    free(subject);
    free(keywords);
    cairo_pdf_surface_set_metadata(c->surface, CAIRO_PDF_METADATA_CREATOR, src);
    char date[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
    cairo_pdf_surface_set_metadata(c->surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
}

/* Append the resume's own pages to ours with qpdf: page objects are copied
 * as they are (fonts, images, compressed streams untouched), so the resume
 * stays exactly what the candidate sent and stays searchable. */
static int qpdf_fail(qpdf_data q, int code, const char *what, atsb_error *err)
{
    qpdf_error e = qpdf_get_error(q);
    const char *detail = e ? qpdf_get_error_full_text(q, e) : "unknown error";
    return err_set(err, code, "%s: %s", what, detail);
}

/* The resume's bookmark, pointing at its first page (page index `first`,
 * from 0): cairo cannot point at a page it does not write, so the entry
 * is added here, after cairo's own (the assessment, the transcript). */
static void add_resume_outline(qpdf_data q, int first)
{
    qpdf_oh root = qpdf_get_root(q);
    qpdf_oh outlines = qpdf_oh_get_key(q, root, "/Outlines");
    if (!qpdf_oh_is_dictionary(q, outlines)) {
        qpdf_oh_release(q, outlines);
        qpdf_oh d = qpdf_oh_new_dictionary(q);
        qpdf_oh_replace_key(q, d, "/Type", qpdf_oh_new_name(q, "/Outlines"));
        qpdf_oh_replace_key(q, d, "/Count", qpdf_oh_new_integer(q, 0));
        outlines = qpdf_make_indirect_object(q, d);
        qpdf_oh_replace_key(q, root, "/Outlines", outlines);
    }
    qpdf_oh_replace_key(q, root, "/PageMode", qpdf_oh_new_name(q, "/UseOutlines"));
    qpdf_oh dest = qpdf_oh_new_array(q);
    qpdf_oh_append_item(q, dest, qpdf_get_page_n(q, (size_t)first));
    qpdf_oh_append_item(q, dest, qpdf_oh_new_name(q, "/XYZ"));
    for (int i = 0; i < 3; i++) /* keep the viewer's position and zoom */
        qpdf_oh_append_item(q, dest, qpdf_oh_new_null(q));
    qpdf_oh d = qpdf_oh_new_dictionary(q);
    qpdf_oh_replace_key(q, d, "/Title", qpdf_oh_new_unicode_string(q, "Resume"));
    qpdf_oh_replace_key(q, d, "/Parent", outlines);
    qpdf_oh_replace_key(q, d, "/Dest", dest);
    qpdf_oh last = qpdf_oh_get_key(q, outlines, "/Last");
    if (qpdf_oh_is_dictionary(q, last))
        qpdf_oh_replace_key(q, d, "/Prev", last);
    qpdf_oh item = qpdf_make_indirect_object(q, d);
    if (qpdf_oh_is_dictionary(q, last))
        qpdf_oh_replace_key(q, last, "/Next", item);
    else
        qpdf_oh_replace_key(q, outlines, "/First", item);
    qpdf_oh_replace_key(q, outlines, "/Last", item);
    qpdf_oh count = qpdf_oh_get_key(q, outlines, "/Count");
    int n = qpdf_oh_is_integer(q, count) ? qpdf_oh_get_int_value_as_int(q, count) : 0;
    qpdf_oh_replace_key(q, outlines, "/Count", qpdf_oh_new_integer(q, n + 1));
    /* Handles belong to q and go with qpdf_cleanup; nothing to release. */
}

static int merge_resume(const unsigned char *ours, size_t ours_len, const unsigned char *resume,
                        size_t resume_len, unsigned char **out, size_t *out_len, atsb_error *err)
{
    int rc = ATSB_OK;
    qpdf_data a = qpdf_init(), b = qpdf_init();
    qpdf_set_suppress_warnings(a, QPDF_TRUE);
    qpdf_set_suppress_warnings(b, QPDF_TRUE);
    if (qpdf_read_memory(a, "profile", (const char *)ours, (unsigned long long)ours_len, NULL) &
        QPDF_ERRORS) {
        rc = qpdf_fail(a, ATSB_ERR_INTERNAL, "reading the rendered profile", err);
        goto done;
    }
    if (qpdf_read_memory(b, "resume", (const char *)resume, (unsigned long long)resume_len, NULL) &
        QPDF_ERRORS) {
        rc = qpdf_fail(b, ATSB_ERR_PERMANENT, "the resume PDF cannot be read", err);
        goto done;
    }
    int n = qpdf_get_num_pages(b);
    if (n < 0) {
        rc = qpdf_fail(b, ATSB_ERR_PERMANENT, "the resume PDF has no readable pages", err);
        goto done;
    }
    int ours_pages = qpdf_get_num_pages(a);
    for (int i = 0; i < n; i++) {
        qpdf_oh page = qpdf_get_page_n(b, (size_t)i);
        if (qpdf_add_page(a, b, page, QPDF_FALSE) & QPDF_ERRORS) {
            rc = qpdf_fail(a, ATSB_ERR_PERMANENT, "copying a resume page", err);
            goto done;
        }
    }
    if (n > 0 && ours_pages >= 0)
        add_resume_outline(a, ours_pages);
    if (qpdf_init_write_memory(a) & QPDF_ERRORS) {
        rc = qpdf_fail(a, ATSB_ERR_INTERNAL, "writing the profile PDF", err);
        goto done;
    }
    /* Copy streams as they are: no decoding, no recompressing (cairo's
     * and the candidate's streams are already compressed). */
    qpdf_set_decode_level(a, qpdf_dl_none);
    qpdf_set_compress_streams(a, QPDF_FALSE);
    if (qpdf_write(a) & QPDF_ERRORS) {
        rc = qpdf_fail(a, ATSB_ERR_INTERNAL, "writing the profile PDF", err);
        goto done;
    }
    size_t len = (size_t)qpdf_get_buffer_length(a);
    *out = malloc(len ? len : 1);
    if (!*out) {
        rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
        goto done;
    }
    memcpy(*out, qpdf_get_buffer(a), len);
    *out_len = len;
done:
    qpdf_cleanup(&a);
    qpdf_cleanup(&b);
    return rc;
}

int profile_render_pdf(const profile_input *in, unsigned char **out, size_t *len,
                       atsb_error *err)
{
    *out = NULL;
    *len = 0;
    int rc = ATSB_OK, merge = 0;
    pdf_ctx c;
    memset(&c, 0, sizeof(c));
    sb_init(&c.out);
    c.surface = cairo_pdf_surface_create_for_stream(on_write, &c, PAGE_W, PAGE_H);
    c.cr = cairo_create(c.surface);
    pt_init(&c);
    c.who = in->email; /* the key every connector finds a candidate by */
    char *name = str_printf("%s %s", in->first_name ? in->first_name : "",
                            in->last_name ? in->last_name : "");
    set_metadata(&c, in, name);

    text_block(&c, "the name", name, PT_FONT("Bold 20"), 0.05, 0.05, 0.05, 2);
    if (in->job_title) {
        char *t = str_printf("Candidate for %s", in->job_title);
        text_block(&c, "the job title", t, PT_FONT("11"), 0.35, 0.35, 0.35, 4);
        free(t);
    }
    if (in->email) {
        char *t = str_printf("Email: %s", in->email);
        text_block(&c, "the email", t, F_BODY, 0.1, 0.1, 0.1, 0);
        free(t);
    }
    if (in->phone) {
        char *t = str_printf("Phone: %s", in->phone);
        text_block(&c, "the phone", t, F_BODY, 0.1, 0.1, 0.1, 0);
        free(t);
    }
    link_line(&c, "Profile:", in->profile_url);
    if (in->source_name) {
        char *t = str_printf("Source: %s", in->source_name);
        text_block(&c, "the source", t, PT_FONT("9"), 0.4, 0.4, 0.4, 0);
        free(t);
    }
    rule(&c);
    stars_block(&c, in->stars, in->summary);
    if (in->transcript_count)
        transcript_block(&c, in);
    if (in->resume_pdf && in->resume_pdf_len) {
        /* The heading only where it fits: on a page of its own it would be
         * a near-empty page before the resume, which its bookmark marks
         * anyway. */
        if (c.y + 12 + pt_line_height(&c, F_HEAD) <= PAGE_H - MARGIN) {
            rule(&c);
            text_block(&c, "a heading", "Resume (the candidate's original document follows)",
                       F_HEAD, 0.1, 0.1, 0.1, 0);
        }
        merge = 1;
    } else if (in->resume_text) {
        pt_new_page(&c);
        heading(&c, "Resume", "Resume");
        text_block(&c, "the text resume", in->resume_text, F_BODY, 0.1, 0.1, 0.1, 0);
    }
    if (c.page_dirty)
        cairo_show_page(c.cr);
    pt_free(&c);
    cairo_destroy(c.cr);
#ifdef PROFILE_LSAN
    /* Debian 12's cairo (1.16) leaks two arrays while it subsets a CID
     * font (Noto CJK) as the surface is finished; the render runs in a
     * short-lived child, so it costs nothing, but LeakSanitizer would fail
     * every CJK render of a SANITIZE=1 build.  Only what cairo allocates
     * during finish is ignored; every object of ours is still checked. */
    __lsan_disable();
#endif
    cairo_surface_finish(c.surface);
#ifdef PROFILE_LSAN
    __lsan_enable();
#endif
    cairo_status_t st = cairo_surface_status(c.surface);
    cairo_surface_destroy(c.surface);
    free(name);
    if (!rc && st != CAIRO_STATUS_SUCCESS)
        rc = err_set(err, ATSB_ERR_INTERNAL, "PDF rendering failed: %s", cairo_status_to_string(st));
    if (!rc && c.out.oom)
        rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory rendering the PDF");
    if (!rc && merge)
        rc = merge_resume((const unsigned char *)c.out.data, c.out.len, in->resume_pdf,
                          in->resume_pdf_len, out, len, err);
    if (rc || merge) {
        sb_free(&c.out);
        return rc;
    }
    *len = c.out.len;
    *out = (unsigned char *)sb_steal(&c.out);
    return *out ? ATSB_OK : err_set(err, ATSB_ERR_INTERNAL, "out of memory");
}
