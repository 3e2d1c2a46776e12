/* The bounded forms of the resume check and the profile render: the job is
 * serialised, run by `atsbridge __profile-child` under base/child.h's
 * limits, and the result read back.  Why a fresh exec of ourselves rather
 * than a plain fork is in docs/design.md ("Untrusted PDFs run in a child"). */
#include "cands/profile.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/child.h"
#include "base/util.h"

#define JOB_MAGIC "ATSBPJ1\n"
#define RES_MAGIC "ATSBPR1\n"
#define NIL 0xffffffffu
enum { OP_CHECK = 1, OP_RENDER = 2 };

/* ---- encoding: little-endian integers, length-prefixed byte strings ---- */

static void put_u32(strbuf *b, uint32_t v)
{
    unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 24) };
    sb_append(b, x, 4);
}

static void put_u64(strbuf *b, uint64_t v)
{
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}

/* Strings travel with their NUL, so the reader can point into its buffer. */
static void put_blob(strbuf *b, const void *p, size_t len)
{
    if (!p || len >= NIL) {
        put_u32(b, NIL);
        return;
    }
    put_u32(b, (uint32_t)len);
    sb_append(b, p, len);
}

static void put_str(strbuf *b, const char *s)
{
    put_blob(b, s, s ? strlen(s) + 1 : 0);
}

typedef struct reader {
    const unsigned char *p, *end;
    int bad;
} reader;

static uint32_t get_u32(reader *r)
{
    if (r->end - r->p < 4) {
        r->bad = 1;
        return 0;
    }
    uint32_t v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
                 (uint32_t)r->p[3] << 24;
    r->p += 4;
    return v;
}

static uint64_t get_u64(reader *r)
{
    uint64_t lo = get_u32(r);
    return lo | (uint64_t)get_u32(r) << 32;
}

static const unsigned char *get_blob(reader *r, size_t *len)
{
    uint32_t n = get_u32(r);
    *len = 0;
    if (r->bad || n == NIL)
        return NULL;
    if ((size_t)(r->end - r->p) < n) {
        r->bad = 1;
        return NULL;
    }
    const unsigned char *p = r->p;
    r->p += n;
    *len = n;
    return p;
}

static const char *get_str(reader *r)
{
    size_t len;
    const unsigned char *p = get_blob(r, &len);
    if (p && (!len || p[len - 1] != '\0')) {
        r->bad = 1;
        return NULL;
    }
    return (const char *)p;
}

static void put_limits(strbuf *b, const profile_limits *l)
{
    put_u64(b, l->max_resume_bytes);
    put_u64(b, (uint64_t)l->max_pages);
    put_u64(b, (uint64_t)l->max_tree_depth);
    put_u64(b, (uint64_t)l->max_objects);
    put_u64(b, l->max_inflated);
}

static void get_limits(reader *r, profile_limits *l)
{
    profile_limits_default(l);
    l->max_resume_bytes = (size_t)get_u64(r);
    l->max_pages = (long)get_u64(r);
    l->max_tree_depth = (long)get_u64(r);
    l->max_objects = (long)get_u64(r);
    l->max_inflated = get_u64(r);
}

/* ---- the parent side ---- */

static int run_job(const config *cfg, strbuf *job, const char *what, size_t max_output,
                   int *pages, unsigned char **pdf, size_t *pdf_len, atsb_error *err)
{
    if (job->oom)
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    char *exe = child_self_exe();
    if (!exe)
        return err_set(err, ATSB_ERR_INTERNAL, "%s: cannot find our own executable", what);
    const char *argv[] = { exe, "__profile-child", NULL };
    child_limits cl = { cfg->profile_max_memory_mb, cfg->profile_timeout_s, max_output,
                        "profile.max_memory_mb", "profile.timeout_s", 0, NULL, 0 };
    unsigned char *out = NULL;
    size_t out_len = 0;
    int rc = child_run(argv, job->data, job->len, &cl, what, &out, &out_len, err);
    free(exe);
    if (rc)
        return rc;
    reader r = { out, out + out_len, 0 };
    if (out_len < 8 || memcmp(out, RES_MAGIC, 8) != 0) {
        free(out);
        return err_set(err, ATSB_ERR_INTERNAL, "%s: the child's reply is malformed", what);
    }
    r.p += 8;
    int code = (int)get_u32(&r);
    uint32_t n_pages = get_u32(&r);
    const char *msg = get_str(&r);
    size_t len = 0;
    const unsigned char *bytes = get_blob(&r, &len);
    if (r.bad) {
        rc = err_set(err, ATSB_ERR_INTERNAL, "%s: the child's reply is malformed", what);
    } else if (code != ATSB_OK) {
        rc = err_set(err, code, "%s", msg ? msg : "failed");
    } else {
        if (pages)
            *pages = (int)n_pages;
        if (pdf) {
            *pdf = malloc(len ? len : 1);
            if (!*pdf)
                rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
            else {
                if (len)
                    memcpy(*pdf, bytes, len);
                *pdf_len = len;
            }
        }
    }
    free(out);
    return rc;
}

int profile_check_resume(const config *cfg, const unsigned char *data, size_t len, int *pages,
                         atsb_error *err)
{
    profile_limits lim;
    profile_limits_from_config(cfg, &lim);
    if (len > lim.max_resume_bytes) /* no need to start a process for that */
        return profile_check_pdf(data, len, &lim, pages, err);
    strbuf job;
    sb_init(&job);
    sb_append(&job, JOB_MAGIC, 8);
    put_u32(&job, OP_CHECK);
    put_limits(&job, &lim);
    put_blob(&job, data, len);
    atsb_error cerr = ATSB_ERROR_INIT;
    int rc = run_job(cfg, &job, "the check", 1 << 16, pages, NULL, NULL, &cerr);
    sb_free(&job);
    if (!rc)
        return ATSB_OK;
    /* The check's own refusal reads after "the resume is"; so must ours. */
    if (strncmp(cerr.message, "the check ", 10) == 0)
        return err_set(err, cerr.code, "a PDF that could not be checked: %s", cerr.message);
    return err_set(err, cerr.code, "%s", cerr.message);
}

int profile_render(const config *cfg, const profile_input *in, unsigned char **out,
                   size_t *len, atsb_error *err)
{
    *out = NULL;
    *len = 0;
    profile_limits lim;
    profile_limits_from_config(cfg, &lim);
    strbuf job;
    sb_init(&job);
    sb_append(&job, JOB_MAGIC, 8);
    put_u32(&job, OP_RENDER);
    put_limits(&job, &lim);
    const char *strs[] = { in->first_name, in->last_name, in->email, in->phone,
                           in->profile_url, in->job_title, in->source_name };
    for (size_t i = 0; i < ARRAY_LEN(strs); i++)
        put_str(&job, strs[i]);
    put_u32(&job, (uint32_t)in->stars);
    put_str(&job, in->summary);
    put_u32(&job, (uint32_t)in->transcript_count);
    for (size_t i = 0; i < in->transcript_count; i++) {
        put_str(&job, in->transcript[i].from);
        put_u64(&job, (uint64_t)in->transcript[i].at);
        put_str(&job, in->transcript[i].text);
    }
    put_str(&job, in->resume_text);
    put_blob(&job, in->resume_pdf, in->resume_pdf_len);
    /* Our pages are a few hundred KB; the resume's are copied as they are. */
    size_t max_output = job.len * 2 + ((size_t)64 << 20);
    int rc = run_job(cfg, &job, "profile render", max_output, NULL, out, len, err);
    sb_free(&job);
    return rc;
}

/* ---- the child side: `atsbridge __profile-child` ---- */

static int reply(int code, int pages, const char *msg, const unsigned char *pdf, size_t len)
{
    strbuf b;
    sb_init(&b);
    sb_append(&b, RES_MAGIC, 8);
    put_u32(&b, (uint32_t)code);
    put_u32(&b, (uint32_t)pages);
    put_str(&b, msg ? msg : "");
    put_blob(&b, pdf, pdf ? len : 0);
    int ok = !b.oom;
    for (size_t off = 0; ok && off < b.len;) {
        ssize_t w = write(1, b.data + off, b.len - off);
        if (w <= 0)
            ok = 0;
        else
            off += (size_t)w;
    }
    sb_free(&b);
    return ok ? 0 : 1;
}

/* Everything failing after an allocation failed says so by the exit
 * status: the parent then names the memory limit. */
static int fail(const atsb_error *e)
{
    if (child_text_is_oom(e->message))
        return CHILD_EXIT_OOM;
    return reply(e->code ? e->code : ATSB_ERR_INTERNAL, 0, e->message, NULL, 0);
}

void profile_malloc_policy(void)
{
    mallopt(M_TRIM_THRESHOLD, 16 << 20);
}

int profile_child_main(void)
{
    profile_malloc_policy();
    strbuf in;
    sb_init(&in);
    char buf[65536];
    ssize_t n;
    /* The job is the resume (<= 20 MiB) and the transcript. */
    while ((n = read(0, buf, sizeof(buf))) > 0 && in.len < ((size_t)256 << 20))
        sb_append(&in, buf, (size_t)n);
    if (n < 0 || in.oom || in.len < 12 || memcmp(in.data, JOB_MAGIC, 8) != 0) {
        sb_free(&in);
        fprintf(stderr, "atsbridge: __profile-child is internal (a job on stdin)\n");
        return in.oom ? CHILD_EXIT_OOM : 2;
    }
    reader r = { (const unsigned char *)in.data + 8, (const unsigned char *)in.data + in.len, 0 };
    uint32_t op = get_u32(&r);
    profile_limits lim;
    get_limits(&r, &lim);
    atsb_error err = ATSB_ERROR_INIT;
    int status = 2;
    if (op == OP_CHECK) {
        size_t len;
        const unsigned char *pdf = get_blob(&r, &len);
        int pages = 0;
        if (r.bad || !pdf)
            goto bad;
        if (profile_check_pdf(pdf, len, &lim, &pages, &err))
            status = fail(&err);
        else
            status = reply(ATSB_OK, pages, NULL, NULL, 0);
    } else if (op == OP_RENDER) {
        profile_input pi;
        memset(&pi, 0, sizeof(pi));
        pi.first_name = get_str(&r);
        pi.last_name = get_str(&r);
        pi.email = get_str(&r);
        pi.phone = get_str(&r);
        pi.profile_url = get_str(&r);
        pi.job_title = get_str(&r);
        pi.source_name = get_str(&r);
        pi.stars = (int)get_u32(&r);
        pi.summary = get_str(&r);
        uint32_t count = get_u32(&r);
        /* Each message takes at least 16 bytes of the job. */
        if (r.bad || count > (size_t)(r.end - r.p) / 16)
            goto bad;
        profile_message *msgs = calloc((size_t)count + 1, sizeof(*msgs));
        if (!msgs) {
            sb_free(&in);
            return CHILD_EXIT_OOM;
        }
        for (uint32_t i = 0; i < count; i++) {
            msgs[i].from = get_str(&r);
            msgs[i].at = (int64_t)get_u64(&r);
            msgs[i].text = get_str(&r);
        }
        pi.transcript = msgs;
        pi.transcript_count = count;
        pi.resume_text = get_str(&r);
        pi.resume_pdf = get_blob(&r, &pi.resume_pdf_len);
        if (r.bad) {
            free(msgs);
            goto bad;
        }
        unsigned char *pdf = NULL;
        size_t len = 0;
        atsb_error cerr = ATSB_ERROR_INIT;
        /* The stored resume may predate these limits: check it again. */
        if (pi.resume_pdf && profile_check_pdf(pi.resume_pdf, pi.resume_pdf_len, &lim, NULL, &cerr)) {
            err_set(&err, cerr.code, "the resume is %s", cerr.message);
            status = fail(&err);
        } else if (profile_render_pdf(&pi, &pdf, &len, &err)) {
            status = fail(&err);
        } else {
            status = reply(ATSB_OK, 0, NULL, pdf, len);
        }
        free(pdf);
        free(msgs);
    } else {
        goto bad;
    }
    sb_free(&in);
    return status;
bad:
    sb_free(&in);
    fprintf(stderr, "atsbridge: __profile-child: malformed job\n");
    return 2;
}
