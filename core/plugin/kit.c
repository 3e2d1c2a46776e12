#include "plugin/kit.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plugin/abi.h"
#include "plugin/conn.h"
#include "plugin/elfsyms.h"
#include "net/http.h"
#include "base/log.h"
#include "plugin/plugin.h"
#include "base/util.h"

#define RESULT_MAX 2048

typedef struct kit_state {
    const kit_opts *o;
    plugin_registry reg;
    const plugin *p;
    char job[ATSB_REMOTE_ID_MAX];
    char cand_id[ATSB_REMOTE_ID_MAX], app_id[ATSB_REMOTE_ID_MAX];
    char email[96];
    int push_calls, push_creates; /* what a clean push took */
    int passed, failed, skipped;
    int stdout_dirty;
} kit_state;

/* A check runs in a child; it writes "PASS|FAIL|SKIP <message>" and
 * optional "key=value" lines to fd. */
typedef void (*check_fn)(kit_state *k, FILE *out);

static const char *signame(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    default: return "signal";
    }
}

static void report(kit_state *k, const char *verdict, const char *name, const char *msg)
{
    printf("%-4s %-26s %s\n", verdict, name, msg);
    fflush(stdout);
    if (!strcmp(verdict, "PASS"))
        k->passed++;
    else if (!strcmp(verdict, "FAIL"))
        k->failed++;
    else
        k->skipped++;
}

static void apply_payload(kit_state *k, char *line)
{
    char *eq = strchr(line, '=');
    if (!eq)
        return;
    *eq = '\0';
    const char *v = eq + 1;
    if (!strcmp(line, "job"))
        str_copy(k->job, sizeof(k->job), v);
    else if (!strcmp(line, "cand"))
        str_copy(k->cand_id, sizeof(k->cand_id), v);
    else if (!strcmp(line, "app"))
        str_copy(k->app_id, sizeof(k->app_id), v);
    else if (!strcmp(line, "calls"))
        k->push_calls = (int)strtol(v, NULL, 10);
    else if (!strcmp(line, "creates"))
        k->push_creates = (int)strtol(v, NULL, 10);
}

static void run_check(kit_state *k, const char *name, check_fn fn)
{
    int res[2], outp[2];
    if (pipe(res) || pipe(outp)) {
        report(k, "FAIL", name, "kit: pipe failed");
        return;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        report(k, "FAIL", name, "kit: fork failed");
        return;
    }
    if (pid == 0) {
        close(res[0]);
        close(outp[0]);
        /* The connector's stdout goes to a pipe we inspect: connectors must
         * never write there (the CLI's --json output lives on it). */
        dup2(outp[1], STDOUT_FILENO);
        close(outp[1]);
        FILE *out = fdopen(res[1], "w");
        fn(k, out);
        fflush(stdout);
        fclose(out);
        _exit(0);
    }
    close(res[1]);
    close(outp[1]);
    char buf[RESULT_MAX + 1];
    size_t got = 0;
    int hung = 0, stdout_bytes = 0;
    int64_t deadline = time_now_ms() + (int64_t)k->o->timeout_s * 1000;
    struct pollfd fds[2] = { { res[0], POLLIN, 0 }, { outp[0], POLLIN, 0 } };
    int open_fds = 2;
    while (open_fds > 0) {
        int64_t left = deadline - time_now_ms();
        if (left <= 0) {
            hung = 1;
            kill(pid, SIGKILL);
            break;
        }
        if (poll(fds, 2, (int)left) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            char tmp[512];
            ssize_t n = read(fds[i].fd, tmp, sizeof(tmp));
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
                continue;
            }
            if (i == 1) {
                stdout_bytes += (int)n;
            } else {
                size_t room = RESULT_MAX - got;
                size_t take = (size_t)n < room ? (size_t)n : room;
                memcpy(buf + got, tmp, take);
                got += take;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    int status = 0;
    waitpid(pid, &status, 0);
    buf[got] = '\0';
    if (stdout_bytes)
        k->stdout_dirty += stdout_bytes;
    if (hung) {
        char msg[96];
        snprintf(msg, sizeof(msg), "the connector hung (no answer within %d s)", k->o->timeout_s);
        report(k, "FAIL", name, msg);
        return;
    }
    if (WIFSIGNALED(status)) {
        char msg[96];
        snprintf(msg, sizeof(msg), "the connector crashed (%s, signal %d)",
                 signame(WTERMSIG(status)), WTERMSIG(status));
        report(k, "FAIL", name, msg);
        return;
    }
    char *line = buf, *nl;
    const char *verdict = NULL, *msg = "";
    while (line && *line) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (!verdict && (!strncmp(line, "PASS ", 5) || !strncmp(line, "FAIL ", 5) ||
                         !strncmp(line, "SKIP ", 5))) {
            line[4] = '\0';
            verdict = line;
            msg = line + 5;
        } else {
            apply_payload(k, line);
        }
        line = nl ? nl + 1 : NULL;
    }
    if (!verdict)
        report(k, "FAIL", name, "the check ended without a verdict (did the connector call exit()?)");
    else
        report(k, verdict, name, msg);
}

/* ---- helpers used inside the children ---- */

static int open_conn(kit_state *k, const store_setting *s, size_t n, conn **c, FILE *out)
{
    atsb_error err = ATSB_ERROR_INIT;
    if (conn_open(c, k->p, s, n, k->o->cfg, "kit", &err)) {
        fprintf(out, "FAIL create: %s\n", err.message);
        return -1;
    }
    return 0;
}

typedef struct collect {
    strbuf keys;          /* "id|title|status|country\n" per job */
    char first_open[ATSB_REMOTE_ID_MAX];
    char problem[512];
    size_t count, pages;
    char **ids;
    size_t n_ids;
} collect;

static int coll_page(void *payload, const atsb_job *const *jobs, size_t count)
{
    collect *c = payload;
    c->pages++;
    for (size_t i = 0; i < count; i++) {
        const atsb_job *j = jobs[i];
        if (!abi_struct_ok(j, ABI_MIN_JOB)) {
            snprintf(c->problem, sizeof(c->problem), "job %zu of page %zu: struct_size too small", i, c->pages);
            continue;
        }
        if (str_empty(j->remote_id) || str_empty(j->title) ||
            (j->status != ATSB_JOB_OPEN && j->status != ATSB_JOB_CLOSED)) {
            snprintf(c->problem, sizeof(c->problem), "job %s: remote_id, title and status are required",
                     j->remote_id ? j->remote_id : "(no id)");
            continue;
        }
        if (j->country_code && (strlen(j->country_code) != 2 || j->country_code[0] < 'A' ||
                                j->country_code[0] > 'Z' || j->country_code[1] < 'A' ||
                                j->country_code[1] > 'Z'))
            snprintf(c->problem, sizeof(c->problem),
                     "job %s: country_code \"%s\" is not ISO 3166-1 alpha-2 upper case",
                     j->remote_id, j->country_code);
        for (size_t k = 0; k < c->n_ids; k++)
            if (!strcmp(c->ids[k], j->remote_id))
                snprintf(c->problem, sizeof(c->problem), "job id %s appears twice", j->remote_id);
        char **g = realloc(c->ids, (c->n_ids + 1) * sizeof(char *));
        if (g) {
            c->ids = g;
            c->ids[c->n_ids++] = str_dup(j->remote_id);
        }
        sb_printf(&c->keys, "%s|%s|%d|%s\n", j->remote_id, j->title, (int)j->status,
                  j->country_code ? j->country_code : "");
        if (!c->first_open[0] && j->status == ATSB_JOB_OPEN)
            str_copy(c->first_open, sizeof(c->first_open), j->remote_id);
        c->count++;
    }
    return 0;
}

static void coll_malformed(void *payload, const char *id, const char *why)
{
    (void)payload; (void)id; (void)why;
}

static void coll_free(collect *c)
{
    sb_free(&c->keys);
    for (size_t i = 0; i < c->n_ids; i++)
        free(c->ids[i]);
    free(c->ids);
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted copy of the "\n"-separated keys, so page order does not matter. */
static char *sorted(const char *text)
{
    char *copy = str_dup(text ? text : "");
    size_t n = 0;
    for (char *p = copy; p && *p; p++)
        n += *p == '\n';
    char **lines = calloc(n + 1, sizeof(char *));
    size_t i = 0;
    char *save = NULL;
    for (char *t = copy ? strtok_r(copy, "\n", &save) : NULL; t && i < n; t = strtok_r(NULL, "\n", &save))
        lines[i++] = t;
    qsort(lines, i, sizeof(char *), cmp_lines);
    strbuf sb;
    sb_init(&sb);
    for (size_t k = 0; k < i; k++)
        sb_printf(&sb, "%s\n", lines[k]);
    free(lines);
    free(copy);
    return sb_steal(&sb);
}

static int list_all(conn *c, collect *col, int page_size, atsb_error *err)
{
    memset(col, 0, sizeof(*col));
    sb_init(&col->keys);
    atsb_list_request req = { .struct_size = sizeof(req), .page_size = page_size };
    atsb_job_sink sink = { .struct_size = sizeof(sink), .page = coll_page,
                           .malformed = coll_malformed, .payload = col };
    return conn_list_jobs(c, &req, &sink, err);
}

/* A listing that records the cursor the connector reports before each page,
 * and stops after stop_after pages (0: never). */
typedef struct resume_coll {
    collect col;
    int cursors;             /* cursor() calls */
    int missing;             /* pages without a cursor() right before them */
    int pending;             /* a cursor() came since the last page */
    int last_was_null;       /* the latest cursor said "no more pages" */
    size_t stop_after;
    char after_first[ATSB_CURSOR_MAX];
} resume_coll;

static void rc_cursor(void *payload, const char *next)
{
    resume_coll *r = payload;
    r->cursors++;
    r->pending = 1;
    r->last_was_null = next == NULL;
    if (r->cursors == 1)
        str_copy(r->after_first, sizeof(r->after_first), next ? next : "");
}

static int rc_page(void *payload, const atsb_job *const *jobs, size_t count)
{
    resume_coll *r = payload;
    r->missing += !r->pending;
    r->pending = 0;
    coll_page(&r->col, jobs, count);
    return r->stop_after && r->col.pages >= r->stop_after ? ATSB_ERR_CANCELLED : 0;
}

static int list_resumable(conn *c, resume_coll *r, const char *resume_at, size_t stop_after,
                          atsb_error *err)
{
    memset(r, 0, sizeof(*r));
    sb_init(&r->col.keys);
    r->stop_after = stop_after;
    atsb_list_request req = { .struct_size = sizeof(req), .page_size = 1, .resume_at = resume_at };
    atsb_job_sink sink = { .struct_size = sizeof(sink), .page = rc_page,
                           .malformed = coll_malformed, .payload = r, .cursor = rc_cursor };
    return conn_list_jobs(c, &req, &sink, err);
}

/* ATSB_CAP_RESUMABLE: a cursor before every page, NULL before the last, and
 * the listing stopped after page 1 and resumed from its cursor (in a fresh
 * instance, as a later process would) gives exactly the full listing. */
static void ck_list_resume(kit_state *k, FILE *out)
{
    if (!(k->p->desc.capabilities & ATSB_CAP_RESUMABLE)) {
        fprintf(out, "SKIP the connector does not declare ATSB_CAP_RESUMABLE\n");
        return;
    }
    conn *c = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    resume_coll all, first, rest;
    memset(&first, 0, sizeof(first));
    memset(&rest, 0, sizeof(rest));
    if (open_conn(k, k->o->settings, k->o->n_settings, &c, out))
        return;
    int rc = list_resumable(c, &all, NULL, 0, &err);
    if (rc) {
        fprintf(out, "FAIL listing with page_size 1: %s: %s\n", err_class_name(rc), err.message);
    } else if (all.missing || !all.last_was_null) {
        fprintf(out, "FAIL %d of %zu pages came without a cursor() right before them%s\n",
                 all.missing, all.col.pages,
                 all.last_was_null ? "" : "; the last page's cursor must be NULL");
    } else if (all.col.pages < 2) {
        fprintf(out, "SKIP one page only, even with page_size 1: nothing to resume\n");
    } else if ((rc = list_resumable(c, &first, NULL, 1, &err)) != ATSB_ERR_CANCELLED) {
        fprintf(out, "FAIL stopping after page 1 returned %s, not page()'s value\n",
                 err_class_name(rc));
    } else {
        conn_close(c);
        c = NULL;
        err_clear(&err);
        if (!open_conn(k, k->o->settings, k->o->n_settings, &c, out) &&
            !(rc = list_resumable(c, &rest, first.after_first, 0, &err))) {
            sb_printf(&first.col.keys, "%s", rest.col.keys.data ? rest.col.keys.data : "");
            char *want = sorted(all.col.keys.data), *got = sorted(first.col.keys.data);
            if (!str_eq(want, got))
                fprintf(out, "FAIL page 1 + the listing resumed from its cursor: %zu jobs, the "
                        "whole listing: %zu (pages skipped or read twice)\n",
                        first.col.count + rest.col.count, all.col.count);
            else
                fprintf(out, "PASS %zu pages; resumed after page 1 from its cursor, the rest "
                        "came exactly once\n", all.col.pages);
            free(want);
            free(got);
        } else if (rc) {
            fprintf(out, "FAIL resuming from the cursor reported before page 1: %s: %s\n",
                    err_class_name(rc), err.message);
        }
    }
    coll_free(&all.col);
    coll_free(&first.col);
    coll_free(&rest.col);
    conn_close(c);
}

/* ---- the kit's PDF ----
 * A realistic upload: ~200 KB, binary, with NUL bytes all through it, so a
 * connector that treats the file as a C string (strlen, a %s) loses most of
 * it and fails the "reached the ATS" test. */
#define KIT_PDF_IMAGE 196608 /* a 256x256 RGB image stream */

static unsigned char *g_pdf;
static size_t g_pdf_len;
static char *g_pdf_b64;

static void kit_pdf_init(void)
{
    if (g_pdf)
        return;
    static const char head[] =
        "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]"
        "/Resources<</XObject<</Im1 4 0 R>>>>>>endobj\n"
        "4 0 obj<</Type/XObject/Subtype/Image/Width 256/Height 256/ColorSpace/DeviceRGB"
        "/BitsPerComponent 8/Length 196608>>stream\n";
    static const char tail[] = "\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
    size_t hl = sizeof(head) - 1, tl = sizeof(tail) - 1;
    g_pdf_len = hl + KIT_PDF_IMAGE + tl;
    g_pdf = malloc(g_pdf_len);
    if (!g_pdf)
        return;
    memcpy(g_pdf, head, hl);
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (size_t i = 0; i < KIT_PDF_IMAGE; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        g_pdf[hl + i] = i % 7 == 0 ? 0 : (unsigned char)x; /* NULs throughout */
    }
    memcpy(g_pdf + hl + KIT_PDF_IMAGE, tail, tl);
    g_pdf_b64 = conn_host_api()->base64_encode(g_pdf, g_pdf_len);
}

/* Whether body carries the kit's PDF: raw (a binary body, multipart), or
 * base64 (JSON, XML), allowing for "\/" escapes and line breaks. */
static int body_has_pdf(const void *body, size_t len)
{
    if (!g_pdf || !body || len < g_pdf_len / 2)
        return 0;
    if (memmem(body, len, g_pdf, g_pdf_len))
        return 1;
    if (!g_pdf_b64)
        return 0;
    char *flat = malloc(len);
    if (!flat)
        return 0;
    const char *b = body;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (b[i] == '\r' || b[i] == '\n' || (b[i] == '\\' && i + 1 < len && b[i + 1] == '/'))
            continue;
        flat[n++] = b[i];
    }
    int found = memmem(flat, n, g_pdf_b64, strlen(g_pdf_b64)) != NULL;
    free(flat);
    return found;
}

static void make_candidate(kit_state *k, const char *email, atsb_candidate *c,
                           atsb_attachment *a, const atsb_attachment **ap)
{
    kit_pdf_init();
    *a = (atsb_attachment){ .struct_size = sizeof(*a), .file_name = "Kit_Candidate_profile.pdf",
                            .mime_type = "application/pdf", .data = g_pdf, .size = g_pdf_len };
    ap[0] = a;
    *c = (atsb_candidate){ .struct_size = sizeof(*c), .local_id = "kit-1",
                           .job_remote_id = k->job, .first_name = "Kit",
                           .last_name = "Candidate", .email = email, .phone = "+1 555 0199",
                           .profile_url = "https://app.factoryfix.com/candidates/kit-1",
                           .source_name = k->o->cfg->source_name, .assessment_stars = 3,
                           .assessment_summary = "conformance kit", .attachments = ap,
                           .attachment_count = g_pdf ? 1 : 0 };
}

/* ---- the checks ---- */

static void ck_exports(kit_state *k, FILE *out)
{
    char **names = NULL, reason[256];
    size_t n = 0;
    if (elf_exported_symbols(k->o->path, &names, &n, reason, sizeof(reason)) < 0) {
        fprintf(out, "FAIL %s\n", reason);
        return;
    }
    strbuf extra;
    sb_init(&extra);
    int has_entry = 0;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(names[i], ATSB_ENTRY_SYMBOL))
            has_entry = 1;
        else
            sb_printf(&extra, "%s%s", extra.len ? ", " : "", names[i]);
    }
    if (!has_entry)
        fprintf(out, "FAIL %s is not exported\n", ATSB_ENTRY_SYMBOL);
    else if (extra.len)
        fprintf(out, "FAIL exports more than %s: %s (use -fvisibility=hidden and sdk/connector.map)\n",
                ATSB_ENTRY_SYMBOL, extra.data);
    else
        fprintf(out, "PASS exactly one symbol: %s\n", ATSB_ENTRY_SYMBOL);
    sb_free(&extra);
    elf_symbols_free(names, n);
}

static void ck_settings(kit_state *k, FILE *out)
{
    atsb_error err = ATSB_ERROR_INIT;
    if (conn_validate_settings(k->p, k->o->settings, k->o->n_settings, &err))
        fprintf(out, "FAIL %s\n", err.message);
    else
        fprintf(out, "PASS %zu setting%s valid against the schema\n", k->o->n_settings,
                k->o->n_settings == 1 ? "" : "s");
}

static void ck_bad_credentials(kit_state *k, FILE *out)
{
    store_setting *s = calloc(k->o->n_settings + 1, sizeof(*s));
    int secrets = 0;
    for (size_t i = 0; i < k->o->n_settings; i++) {
        s[i] = k->o->settings[i];
        const atsb_setting_spec *spec = plugin_setting(k->p, s[i].name);
        if (spec && spec->secret) {
            s[i].value = "atsbridge-kit-wrong-secret";
            secrets++;
        }
    }
    if (!secrets) {
        fprintf(out, "SKIP the connector declares no secret setting to spoil\n");
        free(s);
        return;
    }
    conn *c = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    if (open_conn(k, s, k->o->n_settings, &c, out) == 0) {
        int rc = conn_check(c, &err);
        if (rc == ATSB_ERR_AUTH)
            fprintf(out, "PASS auth error: %s\n", err.message);
        else
            fprintf(out, "FAIL expected an auth error, got %s: %s\n", err_class_name(rc),
                    rc ? err.message : "the check passed");
        conn_close(c);
    }
    free(s);
}

static void ck_check(kit_state *k, FILE *out)
{
    conn *c = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    if (open_conn(k, k->o->settings, k->o->n_settings, &c, out))
        return;
    int rc = conn_check(c, &err);
    if (rc)
        fprintf(out, "FAIL %s: %s\n", err_class_name(rc), err.message);
    else
        fprintf(out, "PASS the connection works\n");
    conn_close(c);
}

static void ck_list_jobs(kit_state *k, FILE *out)
{
    conn *c = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    if (open_conn(k, k->o->settings, k->o->n_settings, &c, out))
        return;
    collect a, b;
    int rc = list_all(c, &a, 0, &err);
    if (rc) {
        fprintf(out, "FAIL %s: %s\n", err_class_name(rc), err.message);
    } else if (a.problem[0]) {
        fprintf(out, "FAIL %s\n", a.problem);
    } else if ((rc = list_all(c, &b, 0, &err))) {
        fprintf(out, "FAIL second pass: %s: %s\n", err_class_name(rc), err.message);
        coll_free(&b);
    } else {
        char *sa = sorted(a.keys.data), *sb2 = sorted(b.keys.data);
        if (!str_eq(sa, sb2))
            fprintf(out, "FAIL two full passes differ (%zu jobs, then %zu)\n", a.count, b.count);
        else if (!a.count)
            fprintf(out, "FAIL no jobs listed (the kit needs at least one open job)\n");
        else
            fprintf(out, "PASS %zu jobs in %zu pages, ids unique, fields set, two passes equal\n",
                    a.count, a.pages);
        free(sa);
        free(sb2);
        coll_free(&b);
        if (a.first_open[0])
            fprintf(out, "job=%s\n", a.first_open);
    }
    coll_free(&a);
    conn_close(c);
}

/* ---- the kit's HTTP service (children only) ----
 * Every request goes through here: passed on to the real client, counted,
 * or answered with a fault. */
enum { FAULT_NONE, FAULT_429, FAULT_500, FAULT_MALFORMED, FAULT_401, FAULT_422 };

typedef struct kit_http_state {
    int fault;            /* answer every call after pass_first with this */
    int pass_first;
    int fail_at;          /* fail this call (1-based) as a network error... */
    int fail_after;       /* ...after the ATS acted on it (the reply lost), or before */
    int calls;            /* requests the connector made */
    int creates;          /* non-idempotent requests the ATS accepted (2xx) */
    int pdf_sent;         /* the kit's PDF was in a body the ATS accepted */
    char failed_call[200];/* "POST https://host/path" (no query: it may hold keys) */
} kit_http_state;

static kit_http_state g_kh;

static void kit_http_reset(void)
{
    memset(&g_kh, 0, sizeof(g_kh));
}

static int fault_answer(const atsb_http_request *req, atsb_http_response **out, atsb_error *err)
{
    switch (g_kh.fault) {
    case FAULT_429:
        err_set(err, ATSB_ERR_RATE_LIMITED, "%s %s: rate limited (kit)", req->method, req->url);
        err->retry_after_s = 7;
        err->http_status = 429;
        return ATSB_ERR_RATE_LIMITED;
    case FAULT_500:
        if (ATSB_HAS_FIELD(atsb_http_request, req, pass_500) && req->pass_500) {
            *out = http_response_fake(500, "<html><body>Internal Server Error</body></html>");
            return *out ? ATSB_OK : err_set(err, ATSB_ERR_INTERNAL, "out of memory");
        }
        err->http_status = 500;
        return err_set(err, ATSB_ERR_TRANSIENT, "%s %s: HTTP 500 from the ATS (after retries; kit)",
                       req->method, req->url);
    case FAULT_401:
        *out = http_response_fake(401, "{\"error\":\"invalid credentials (kit)\"}");
        break;
    case FAULT_422:
        *out = http_response_fake(422, "{\"error\":\"validation failed (kit)\"}");
        break;
    default:
        *out = http_response_fake(200, "{\"data\": [ {\"id\": \"unterminated");
        break;
    }
    return *out ? ATSB_OK : err_set(err, ATSB_ERR_INTERNAL, "out of memory");
}

static int kit_http(atsb_host *h, const atsb_http_request *req, atsb_http_response **out,
                    atsb_error *err)
{
    *out = NULL;
    int n = ++g_kh.calls;
    if (g_kh.fault && n > g_kh.pass_first)
        return fault_answer(req, out, err);
    if (n == g_kh.fail_at) {
        const char *q = req->url ? strchr(req->url, '?') : NULL;
        snprintf(g_kh.failed_call, sizeof(g_kh.failed_call), "%s %.*s",
                 req->method ? req->method : "?", q ? (int)(q - req->url) : 150,
                 req->url ? req->url : "?");
    }
    if (n == g_kh.fail_at && !g_kh.fail_after)
        return err_set(err, ATSB_ERR_TRANSIENT, "%s: connection refused (kit, before the ATS "
                       "saw it)", g_kh.failed_call);
    int rc = conn_http_real(h, req, out, err);
    if (rc == ATSB_OK && (*out)->status >= 200 && (*out)->status < 300) {
        int idem = ATSB_HAS_FIELD(atsb_http_request, req, idempotent) && req->idempotent;
        g_kh.creates += !idem;
        g_kh.pdf_sent |= body_has_pdf(req->body, req->body_len);
    }
    if (n == g_kh.fail_at && rc == ATSB_OK) {
        http_response_free(*out);
        *out = NULL;
        return err_set(err, ATSB_ERR_TRANSIENT, "%s: reply lost (kit, after the ATS acted)",
                       g_kh.failed_call);
    }
    return rc;
}

static void kit_http_on(void)
{
    kit_http_reset();
    conn_set_http_override(kit_http);
}

/* ---- pushes ---- */

static void kit_email(kit_state *k, const char *tag, char *out, size_t size)
{
    /* local part "kit+..." and domain kept: only the tag changes. */
    const char *at = strchr(k->email, '@');
    snprintf(out, size, "%.*s.%s%s", at ? (int)(at - k->email) : 0, k->email, tag,
             at ? at : "@example.com");
}

static void ck_push(kit_state *k, FILE *out)
{
    if (!k->job[0]) {
        fprintf(out, "SKIP no open job to push to (give --job ID)\n");
        return;
    }
    conn *c = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    if (open_conn(k, k->o->settings, k->o->n_settings, &c, out))
        return;
    atsb_candidate cand;
    atsb_attachment att;
    const atsb_attachment *ap[1];
    make_candidate(k, k->email, &cand, &att, ap);
    atsb_push_result r;
    kit_http_on();
    int rc = conn_push_candidate(c, &cand, NULL, &r, &err);
    conn_set_http_override(NULL);
    if (rc)
        fprintf(out, "FAIL %s: %s\n", err_class_name(rc), err.message);
    else if (!r.candidate_id[0] || !r.application_id[0])
        fprintf(out, "FAIL push succeeded but returned no remote ids\n");
    else if (!g_kh.pdf_sent)
        fprintf(out, "FAIL push succeeded, but the %zu-byte PDF never reached the ATS (no request "
                "body the ATS accepted carried it whole, raw or base64): file "
                "c->attachments[0] by its size, it holds NUL bytes\n", g_pdf_len);
    else
        fprintf(out, "PASS job %s: candidate %s, application %s, %d requests, %d creates, the "
                "%zu KB PDF delivered\ncand=%s\napp=%s\ncalls=%d\ncreates=%d\n", k->job,
                r.candidate_id, r.application_id, g_kh.calls, g_kh.creates, g_pdf_len / 1024,
                r.candidate_id, r.application_id, g_kh.calls, g_kh.creates);
    conn_close(c);
}

static void ck_find(kit_state *k, FILE *out)
{
    if (!k->app_id[0]) {
        fprintf(out, "SKIP nothing was pushed\n");
        return;
    }
    conn *c = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    if (open_conn(k, k->o->settings, k->o->n_settings, &c, out))
        return;
    atsb_candidate cand;
    atsb_attachment att;
    const atsb_attachment *ap[1];
    make_candidate(k, k->email, &cand, &att, ap);
    atsb_push_result r;
    /* The reply to the push was "lost": a retry looks first. */
    int rc = conn_find_candidate(c, &cand, &r, &err);
    if (rc == ATSB_ERR_NOT_FOUND)
        fprintf(out, "FAIL find_candidate did not find the candidate just pushed: a retry would duplicate it\n");
    else if (rc)
        fprintf(out, "FAIL %s: %s\n", err_class_name(rc), err.message);
    else if (r.missing)
        fprintf(out, "FAIL find_candidate says %s is missing from the complete push just made\n",
                conn_missing_name(r.missing));
    else if (strcmp(r.application_id, k->app_id) != 0)
        fprintf(out, "FAIL found application %s, the push made %s\n", r.application_id, k->app_id);
    else
        fprintf(out, "PASS a retry finds application %s, complete: no duplicate\n", r.application_id);
    conn_close(c);
}

/* The host's retry after a failed attempt, as sync_cands runs it: look,
 * then push fresh or resume what is missing.  0 with the final ids in r;
 * otherwise -1 and why in msg. */
static int host_retry(conn *c, const atsb_candidate *cand, atsb_push_result *r, char *msg,
                      size_t size)
{
    atsb_error err = ATSB_ERROR_INIT;
    atsb_push_result found;
    int rc = conn_find_candidate(c, cand, &found, &err);
    if (rc != ATSB_OK && rc != ATSB_ERR_NOT_FOUND) {
        snprintf(msg, size, "find_candidate failed: %s: %s", err_class_name(rc), err.message);
        return -1;
    }
    if (rc == ATSB_OK && !found.missing) {
        *r = found;
        return 0;
    }
    rc = conn_push_candidate(c, cand, rc == ATSB_OK ? &found : NULL, r, &err);
    if (rc) {
        snprintf(msg, size, "the retried push (%s) failed: %s: %s",
                 found.missing ? "resume mode" : "fresh", err_class_name(rc), err.message);
        return -1;
    }
    return 0;
}

/* Fail a push at each of its HTTP calls in turn, before the ATS saw the
 * call and after it acted (the reply lost), then retry as the host does.
 * The push must end complete (find says so), with exactly the creates a
 * clean push makes (more is a duplicate, fewer is something lost) and the
 * PDF delivered. */
static void ck_interrupted(kit_state *k, FILE *out)
{
    if (!k->app_id[0] || k->push_calls <= 0) {
        fprintf(out, "SKIP nothing was pushed\n");
        return;
    }
    int rounds = 0;
    for (int at = 1; at <= k->push_calls; at++) {
        for (int after = 0; after <= 1; after++) {
            char email[160], tag[32], msg[ATSB_ERROR_MESSAGE_MAX + 200] = "";
            snprintf(tag, sizeof(tag), "r%d%c", at, after ? 'a' : 'b');
            kit_email(k, tag, email, sizeof(email));
            conn *c = NULL;
            if (open_conn(k, k->o->settings, k->o->n_settings, &c, out))
                return;
            atsb_candidate cand;
            atsb_attachment att;
            const atsb_attachment *ap[1];
            make_candidate(k, email, &cand, &att, ap);
            atsb_push_result r, again;
            atsb_error err = ATSB_ERROR_INIT;
            kit_http_on();
            g_kh.fail_at = at;
            g_kh.fail_after = after;
            int rc = conn_push_candidate(c, &cand, NULL, &r, &err);
            char failed[sizeof(g_kh.failed_call)];
            str_copy(failed, sizeof(failed), g_kh.failed_call[0] ? g_kh.failed_call : "(not made)");
            g_kh.fail_at = 0;
            int bad = 0;
            if (rc != ATSB_OK && rc != ATSB_ERR_TRANSIENT) {
                snprintf(msg, sizeof(msg), "a network error became %s: %s", err_class_name(rc),
                         err.message);
                bad = 1;
            } else if (host_retry(c, &cand, &r, msg, sizeof(msg)) < 0) {
                bad = 1;
            } else if ((rc = conn_find_candidate(c, &cand, &again, &err)) != ATSB_OK) {
                snprintf(msg, sizeof(msg), "after the retry, find_candidate gave %s: %s",
                         err_class_name(rc), rc == ATSB_ERR_NOT_FOUND ? "nothing" : err.message);
                bad = 1;
            } else if (again.missing) {
                snprintf(msg, sizeof(msg), "after the retry, find_candidate says %s is still "
                         "missing", conn_missing_name(again.missing));
                bad = 1;
            } else if (g_kh.creates > k->push_creates) {
                snprintf(msg, sizeof(msg), "%d creates where a clean push makes %d: a duplicate "
                         "(push_candidate created what was already there)", g_kh.creates,
                         k->push_creates);
                bad = 1;
            } else if (!g_kh.pdf_sent || g_kh.creates < k->push_creates) {
                snprintf(msg, sizeof(msg), "find_candidate reported the push complete, but %s "
                         "(%d of %d creates made): find must report what is missing",
                         g_kh.pdf_sent ? "a create never happened" : "the PDF never reached the ATS",
                         g_kh.creates, k->push_creates);
                bad = 1;
            } else if (strcmp(again.application_id, r.application_id) != 0) {
                snprintf(msg, sizeof(msg), "the retry gave application %s, find then gives %s",
                         r.application_id, again.application_id);
                bad = 1;
            }
            conn_set_http_override(NULL);
            conn_close(c);
            if (bad) {
                fprintf(out, "FAIL push failed at call %d of %d (%s, %s): %s\n", at,
                        k->push_calls, failed, after ? "after the ATS acted" : "before the ATS saw it",
                        msg);
                return;
            }
            rounds++;
        }
    }
    fprintf(out, "PASS %d interrupted pushes (each of %d calls, before and after the ATS acted) "
            "finished complete, no duplicate create, PDF delivered\n", rounds, k->push_calls);
}

/* ---- classification ---- */

static int classified(int fault, int rc, const atsb_error *err)
{
    switch (fault) {
    case FAULT_401: return rc == ATSB_ERR_AUTH;
    case FAULT_422: return rc == ATSB_ERR_PERMANENT;
    case FAULT_429: return rc == ATSB_ERR_RATE_LIMITED && err->retry_after_s == 7;
    case FAULT_500: return rc == ATSB_ERR_TRANSIENT;
    default: return rc == ATSB_ERR_TRANSIENT || rc == ATSB_ERR_PERMANENT;
    }
}

static const char *fault_want(int fault)
{
    switch (fault) {
    case FAULT_401: return "auth";
    case FAULT_422: return "permanent";
    case FAULT_429: return "rate-limited with retry_after_s 7 (the host's, passed on)";
    case FAULT_500: return "transient";
    default: return "transient or permanent";
    }
}

static const char *fault_name(int fault)
{
    switch (fault) {
    case FAULT_401: return "401";
    case FAULT_422: return "422";
    case FAULT_429: return "429";
    case FAULT_500: return "500";
    default: return "malformed";
    }
}

enum { OP_LIST, OP_PUSH, OP_FIND };

/* Run one operation with every HTTP call answered by `fault` (after
 * pass_first real ones); 1 when classified as the table in sdk/README.md
 * says, else 0 with why in msg. */
static int classify_op(kit_state *k, FILE *out, int op, int fault, int pass_first, int *calls,
                       char *msg, size_t size)
{
    conn *c = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    if (open_conn(k, k->o->settings, k->o->n_settings, &c, out))
        return -1;
    kit_http_on();
    g_kh.fault = fault;
    g_kh.pass_first = pass_first;
    int rc;
    static const char *const names[] = { "list_jobs", "push_candidate", "find_candidate" };
    if (op == OP_LIST) {
        collect col;
        rc = list_all(c, &col, pass_first ? 1 : 0, &err);
        coll_free(&col);
    } else {
        char email[160];
        atsb_candidate cand;
        atsb_attachment att;
        const atsb_attachment *ap[1];
        atsb_push_result r;
        kit_email(k, "classify", email, sizeof(email));
        make_candidate(k, email, &cand, &att, ap);
        rc = op == OP_PUSH ? conn_push_candidate(c, &cand, NULL, &r, &err)
                           : conn_find_candidate(c, &cand, &r, &err);
    }
    *calls = g_kh.calls;
    conn_set_http_override(NULL);
    conn_close(c);
    if (classified(fault, rc, &err))
        return 1;
    snprintf(msg, size, "%s answered %s gave %s%s, expected %s%s%s", names[op],
             fault_name(fault), err_class_name(rc),
             rc == ATSB_ERR_RATE_LIMITED ? " (retry_after_s lost)" : "", fault_want(fault),
             rc ? ": " : "", rc ? err.message : "");
    return 0;
}

static void classify(kit_state *k, FILE *out, int fault)
{
    char msg[ATSB_ERROR_MESSAGE_MAX + 200];
    int calls = 0, ok = classify_op(k, out, OP_LIST, fault, 0, &calls, msg, sizeof(msg));
    if (ok > 0)
        fprintf(out, "PASS list_jobs: %s\n", fault_want(fault));
    else if (ok == 0)
        fprintf(out, "FAIL %s\n", msg);
}

static void ck_429(kit_state *k, FILE *out) { classify(k, out, FAULT_429); }
static void ck_500(kit_state *k, FILE *out) { classify(k, out, FAULT_500); }
static void ck_malformed(kit_state *k, FILE *out) { classify(k, out, FAULT_MALFORMED); }

/* Every fault for one of push and find.  Never ATSB_OK, and from find
 * never "not found": a find that cannot look must not claim nothing is
 * there, or the host creates a duplicate. */
static void classify_all(kit_state *k, FILE *out, int op)
{
    static const int faults[] = { FAULT_401, FAULT_422, FAULT_429, FAULT_500 };
    if (!k->job[0]) {
        fprintf(out, "SKIP no open job to push to (give --job ID)\n");
        return;
    }
    for (size_t i = 0; i < ARRAY_LEN(faults); i++) {
        char msg[ATSB_ERROR_MESSAGE_MAX + 200];
        int calls = 0, ok = classify_op(k, out, op, faults[i], 0, &calls, msg, sizeof(msg));
        if (ok < 0)
            return;
        if (!ok) {
            fprintf(out, "FAIL %s\n", msg);
            return;
        }
    }
    fprintf(out, "PASS 401 auth, 422 permanent, 429 rate-limited (retry_after_s kept), 500 transient\n");
}

static void ck_classify_push(kit_state *k, FILE *out) { classify_all(k, out, OP_PUSH); }
static void ck_classify_find(kit_state *k, FILE *out) { classify_all(k, out, OP_FIND); }

/* 401 after the first request of a listing (a token revoked mid-sync): an
 * auth error, not a short listing the host would take as complete. */
static void ck_401_mid_listing(kit_state *k, FILE *out)
{
    char msg[ATSB_ERROR_MESSAGE_MAX + 200];
    int calls = 0, ok = classify_op(k, out, OP_LIST, FAULT_401, 1, &calls, msg, sizeof(msg));
    if (ok < 0)
        return;
    if (calls <= 1)
        fprintf(out, "SKIP the listing took one request (page_size 1 was asked for)\n");
    else if (ok)
        fprintf(out, "PASS a 401 at request 2 of the listing: auth\n");
    else
        fprintf(out, "FAIL at request 2: %s\n", msg);
}

int kit_run(const kit_opts *o)
{
    kit_state k;
    memset(&k, 0, sizeof(k));
    k.o = o;
    snprintf(k.email, sizeof(k.email), "kit+%ld.%ld@example.com", (long)getpid(), (long)time(NULL));
    if (o->job)
        str_copy(k.job, sizeof(k.job), o->job);
    printf("conformance kit for %s\n", o->path);
    /* Load in a child first: a connector that crashes while loading must
     * not take the kit with it. */
    plugin_registry_init(&k.reg);
    pid_t pid = fork();
    if (pid == 0) {
        plugin_registry rr;
        plugin_registry_init(&rr);
        _exit(plugin_registry_load_file(&rr, o->path) == 0 ? 0 : 3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
        char msg[96];
        snprintf(msg, sizeof(msg), "the connector crashed while loading (%s)", signame(WTERMSIG(status)));
        report(&k, "FAIL", "descriptor", msg);
    } else if (plugin_registry_load_file(&k.reg, o->path) != 0) {
        report(&k, "FAIL", "descriptor", k.reg.n_rejected ? k.reg.rejected[0].reason : "refused");
    } else {
        k.p = &k.reg.plugins[0];
        char msg[256], caps[128];
        plugin_caps_string(k.p->desc.capabilities, caps, sizeof(caps));
        snprintf(msg, sizeof(msg), "%s %s, ABI %u.%u, %s", k.p->desc.name, k.p->desc.version,
                 k.p->desc.abi_major, k.p->desc.abi_minor, caps);
        report(&k, "PASS", "descriptor", msg);
    }
    run_check(&k, "exports", ck_exports);
    if (k.p) {
        run_check(&k, "settings", ck_settings);
        run_check(&k, "check_bad_credentials", ck_bad_credentials);
        run_check(&k, "check", ck_check);
        run_check(&k, "list_jobs", ck_list_jobs);
        run_check(&k, "list_401_mid_listing", ck_401_mid_listing);
        run_check(&k, "list_resume", ck_list_resume);
        run_check(&k, "push_candidate", ck_push);
        run_check(&k, "find_after_lost_reply", ck_find);
        run_check(&k, "push_interrupted", ck_interrupted);
        run_check(&k, "classify_429", ck_429);
        run_check(&k, "classify_500", ck_500);
        run_check(&k, "classify_malformed", ck_malformed);
        run_check(&k, "classify_push", ck_classify_push);
        run_check(&k, "classify_find", ck_classify_find);
        if (k.stdout_dirty) {
            char msg[96];
            snprintf(msg, sizeof(msg), "the connector wrote %d bytes to stdout (log through the host)",
                     k.stdout_dirty);
            report(&k, "FAIL", "quiet_stdout", msg);
        } else {
            report(&k, "PASS", "quiet_stdout", "nothing written to stdout");
        }
    }
    printf("%d passed, %d failed, %d skipped\n", k.passed, k.failed, k.skipped);
    plugin_registry_free(&k.reg);
    return k.failed;
}
