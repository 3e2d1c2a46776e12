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
        if (!j || j->struct_size < offsetof(atsb_job, updated_at) + sizeof(int64_t)) {
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

static int list_all(conn *c, collect *col, atsb_error *err)
{
    memset(col, 0, sizeof(*col));
    sb_init(&col->keys);
    atsb_list_request req = { sizeof(req), 0, 0 };
    atsb_job_sink sink = { sizeof(sink), coll_page, coll_malformed, col };
    return conn_list_jobs(c, &req, &sink, err);
}

static const unsigned char TINY_PDF[] =
    "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    "trailer<</Root 1 0 R>>\n%%EOF\n";

static void make_candidate(kit_state *k, atsb_candidate *c, atsb_attachment *a,
                           const atsb_attachment **ap)
{
    memset(a, 0, sizeof(*a));
    a->struct_size = sizeof(*a);
    a->file_name = "Kit_Candidate_profile.pdf";
    a->mime_type = "application/pdf";
    a->data = TINY_PDF;
    a->size = sizeof(TINY_PDF) - 1;
    ap[0] = a;
    memset(c, 0, sizeof(*c));
    c->struct_size = sizeof(*c);
    c->local_id = "kit-1";
    c->job_remote_id = k->job;
    c->first_name = "Kit";
    c->last_name = "Candidate";
    c->email = k->email;
    c->phone = "+1 555 0199";
    c->profile_url = "https://app.factoryfix.com/candidates/kit-1";
    c->source_name = k->o->cfg->source_name;
    c->assessment_stars = 3;
    c->assessment_summary = "conformance kit";
    c->attachments = ap;
    c->attachment_count = 1;
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
    int rc = list_all(c, &a, &err);
    if (rc) {
        fprintf(out, "FAIL %s: %s\n", err_class_name(rc), err.message);
    } else if (a.problem[0]) {
        fprintf(out, "FAIL %s\n", a.problem);
    } else if ((rc = list_all(c, &b, &err))) {
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
    make_candidate(k, &cand, &att, ap);
    atsb_push_result r;
    int rc = conn_push_candidate(c, &cand, &r, &err);
    if (rc)
        fprintf(out, "FAIL %s: %s\n", err_class_name(rc), err.message);
    else if (!r.candidate_id[0] || !r.application_id[0])
        fprintf(out, "FAIL push succeeded but returned no remote ids\n");
    else
        fprintf(out, "PASS job %s: candidate %s, application %s\ncand=%s\napp=%s\n", k->job,
                r.candidate_id, r.application_id, r.candidate_id, r.application_id);
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
    make_candidate(k, &cand, &att, ap);
    atsb_push_result r;
    /* The reply to the push was "lost": a retry looks first. */
    int rc = conn_find_candidate(c, &cand, &r, &err);
    if (rc == ATSB_ERR_NOT_FOUND)
        fprintf(out, "FAIL find_candidate did not find the candidate just pushed: a retry would duplicate it\n");
    else if (rc)
        fprintf(out, "FAIL %s: %s\n", err_class_name(rc), err.message);
    else if (strcmp(r.application_id, k->app_id) != 0)
        fprintf(out, "FAIL found application %s, the push made %s\n", r.application_id, k->app_id);
    else
        fprintf(out, "PASS a retry finds application %s: no duplicate\n", r.application_id);
    conn_close(c);
}

/* Fault injection: every HTTP call of the child gets the same answer. */
static int g_fault;
enum { FAULT_429 = 1, FAULT_500, FAULT_MALFORMED };

static int fault_http(const atsb_http_request *req, atsb_http_response **out, atsb_error *err)
{
    *out = NULL;
    switch (g_fault) {
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
    default:
        *out = http_response_fake(200, "{\"data\": [ {\"id\": \"unterminated");
        return *out ? ATSB_OK : err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    }
}

static void classify(kit_state *k, FILE *out, int fault, const int *ok_codes, const char *want)
{
    conn *c = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    if (open_conn(k, k->o->settings, k->o->n_settings, &c, out))
        return;
    g_fault = fault;
    conn_set_http_override(fault_http);
    collect col;
    int rc = list_all(c, &col, &err);
    coll_free(&col);
    int good = 0;
    for (const int *p = ok_codes; *p; p++)
        good |= rc == *p;
    if (good && (fault != FAULT_429 || err.retry_after_s == 7 || err.retry_after_s == 0))
        fprintf(out, "PASS list_jobs: %s\n", err_class_name(rc));
    else
        fprintf(out, "FAIL list_jobs gave %s, expected %s%s%s\n", err_class_name(rc), want,
                rc ? ": " : "", rc ? err.message : "");
    conn_set_http_override(NULL);
    conn_close(c);
}

static void ck_429(kit_state *k, FILE *out)
{
    static const int ok[] = { ATSB_ERR_RATE_LIMITED, 0 };
    classify(k, out, FAULT_429, ok, "rate-limited");
}

static void ck_500(kit_state *k, FILE *out)
{
    static const int ok[] = { ATSB_ERR_TRANSIENT, 0 };
    classify(k, out, FAULT_500, ok, "transient");
}

static void ck_malformed(kit_state *k, FILE *out)
{
    static const int ok[] = { ATSB_ERR_TRANSIENT, ATSB_ERR_PERMANENT, 0 };
    classify(k, out, FAULT_MALFORMED, ok, "transient or permanent");
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
        run_check(&k, "push_candidate", ck_push);
        run_check(&k, "find_after_lost_reply", ck_find);
        run_check(&k, "classify_429", ck_429);
        run_check(&k, "classify_500", ck_500);
        run_check(&k, "classify_malformed", ck_malformed);
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
