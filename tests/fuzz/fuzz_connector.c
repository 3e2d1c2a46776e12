/* A connector's reply parsers on hostile bytes, through the real code path:
 * the connector is loaded from its .so by the host's loader and every HTTP
 * call it makes is answered, in turn, from the input (the host's HTTP
 * override, the same hook the conformance kit uses).  Built once per
 * connector with -DFUZZ_CONNECTOR='"name"'.
 *
 * Input: byte 0 picks the operation (check, full listing, incremental
 * listing, find, push); the rest is a list of replies separated by a line
 * "~~~~".  A reply is "STATUS\n" (optional; 200 without it), then
 * "Name: value" header lines and an empty line when the first line was a
 * status, then the body.  When the replies run out every further call fails
 * as a network error would, so the connector ends.
 *
 * Seeds are recorded, not written by hand: with FUZZ_RECORD=http://HOST:PORT
 * (a running atsbridge-sandbox) and FUZZ_RECORD_OUT=FILE, the replay binary
 * sends the connector's calls to the sandbox for real and writes the
 * replies it got, in this format, to FILE (tests/fuzz/make_seeds.sh). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/log.h"
#include "base/util.h"
#include "fuzz.h"
#include "net/http.h"
#include "plugin/conn.h"
#include "plugin/plugin.h"

#ifndef FUZZ_CONNECTOR
#error "build with -DFUZZ_CONNECTOR='\"greenhouse\"' (or lever, workday)"
#endif

static plugin_registry g_reg;
static const plugin *g_plugin;
static config g_cfg;

static const uint8_t *g_in;
static size_t g_left;
static int g_calls;

/* The sandbox fixtures' test credentials (not secrets), so seeds record. */
static const store_setting GH[] = {
    { "base_url", "http://127.0.0.1:9" }, { "token_url", "http://127.0.0.1:9/token" },
    { "client_id", "gh-client" }, { "client_secret", "gh-secret-value" }, { "user_id", "7" },
};
static const store_setting LV[] = {
    { "base_url", "http://127.0.0.1:9/lever/v1" }, { "api_key", "lv-key-value" },
    { "perform_as", "user-7" },
};
static const store_setting WD[] = {
    { "endpoint", "http://127.0.0.1:9/ccx/service/acme/Recruiting/v42.0" },
    { "username", "isu_atsbridge@acme" }, { "password", "wd-password-value" }, { "stage_id", "Review" },
    { "source_id", "FactoryFix" },
};

/* The next reply from the input, or NULL when there is none. */
static atsb_http_response *next_reply(void)
{
    static const char SEP[] = "\n~~~~\n";
    if (!g_in)
        return NULL;
    const uint8_t *end = memmem(g_in, g_left, SEP, sizeof(SEP) - 1);
    size_t len = end ? (size_t)(end - g_in) : g_left;
    const uint8_t *p = g_in;
    g_in = end ? end + sizeof(SEP) - 1 : NULL;
    g_left = end ? g_left - len - (sizeof(SEP) - 1) : 0;

    int status = 200;
    const char *hdrs[16] = { NULL };
    char *owned[16];
    size_t nh = 0;
    if (len >= 4 && p[0] >= '1' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9' &&
        p[2] >= '0' && p[2] <= '9' && p[3] == '\n') {
        status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
        p += 4, len -= 4;
        while (len) {
            const uint8_t *nl = memchr(p, '\n', len);
            size_t l = nl ? (size_t)(nl - p) : len;
            if (l == 0) {
                p++, len--;
                break;
            }
            if (nh < 16 && (owned[nh] = str_ndup((const char *)p, l)))
                hdrs[nh] = owned[nh], nh++;
            p += nl ? l + 1 : l, len -= nl ? l + 1 : l;
        }
    }
    atsb_http_response *r = http_response_fake_raw(status, hdrs, nh, p, len);
    for (size_t i = 0; i < nh; i++)
        free(owned[i]);
    return r;
}

/* ---- record mode (seed making; not used while fuzzing) ---- */
static http_client *g_rec_client;
static FILE *g_rec_out;

static int record_http(atsb_host *h, const atsb_http_request *req, atsb_http_response **out,
                       atsb_error *err)
{
    (void)h;
    static const char *const keep[] = { "Link", "Content-Type", "Retry-After" };
    int rc = http_request(g_rec_client, req, out, err);
    if (rc)
        return rc;
    fprintf(g_rec_out, "%s%d\n", g_calls++ ? "\n~~~~\n" : "", (*out)->status);
    for (size_t i = 0; i < ARRAY_LEN(keep); i++) {
        const char *v = http_response_header(*out, keep[i]);
        if (v)
            fprintf(g_rec_out, "%s: %s\n", keep[i], v);
    }
    fputc('\n', g_rec_out);
    fwrite((*out)->body, 1, (*out)->body_len, g_rec_out);
    return ATSB_OK;
}

/* Point the settings at the sandbox: "127.0.0.1:9" becomes its host:port. */
static store_setting *record_settings(const store_setting *s, size_t n, const char *base)
{
    const char *hp = strstr(base, "://");
    store_setting *out = calloc(n, sizeof(*out));
    for (size_t i = 0; out && hp && i < n; i++) {
        const char *at = strstr(s[i].value, "127.0.0.1:9");
        out[i].name = s[i].name;
        out[i].value = at ? str_printf("%.*s%s%s", (int)(at - s[i].value), s[i].value, hp + 3,
                                       at + strlen("127.0.0.1:9"))
                          : str_dup(s[i].value);
    }
    return out;
}

static int fuzz_http(atsb_host *h, const atsb_http_request *req, atsb_http_response **out,
                     atsb_error *err)
{
    (void)h;
    *out = NULL;
    /* Touch what the connector built: bad pointers show up here. */
    if (!req->method || !req->url || strlen(req->url) > 1u << 20 ||
        (req->body_len && !req->body))
        abort();
    for (size_t i = 0; i < req->header_count; i++)
        if (!req->headers[i].name || !req->headers[i].value)
            abort();
    /* Bounded: a connector that keeps asking is stopped as a network error
     * would stop it (endless paging is caught by the host and the tests). */
    if (++g_calls > 64 || !(*out = next_reply()))
        return err_set(err, ATSB_ERR_TRANSIENT, "%s %s: connection refused (fuzz)",
                       req->method, req->url);
    return ATSB_OK;
}

static size_t touch(const char *s) { return s ? strlen(s) : 0; }

static int on_page(void *payload, const atsb_job *const *jobs, size_t count)
{
    size_t *sum = payload;
    for (size_t i = 0; i < count; i++) {
        const atsb_job *j = jobs[i];
        if (!j || j->struct_size < sizeof(uint32_t))
            abort();
        *sum += touch(j->remote_id) + touch(j->title) + touch(j->location_text) +
                touch(j->country_code) + touch(j->region) + touch(j->city) +
                touch(j->department) + touch(j->description) + touch(j->url);
    }
    return 0;
}

static void on_malformed(void *payload, const char *id, const char *why)
{
    size_t *sum = payload;
    *sum += touch(id) + touch(why);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    char exe[PATH_MAX], so[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        abort();
    exe[n] = '\0';
    /* BUILD/tests/fuzz/<target> -> BUILD/plugins/<connector>.so */
    for (int up = 0; up < 3; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash)
            abort();
        *slash = '\0';
    }
    snprintf(so, sizeof(so), "%s/plugins/%s.so", exe, FUZZ_CONNECTOR);
    log_set_level(ATSB_LOG_ERROR);
    atsb_error err = ATSB_ERROR_INIT;
    plugin_registry_init(&g_reg);
    if (config_load_string(&g_cfg, "fuzz", "", &err) ||
        plugin_registry_load_file(&g_reg, so) < 0 ||
        !(g_plugin = plugin_registry_find(&g_reg, FUZZ_CONNECTOR))) {
        fprintf(stderr, "fuzz: cannot load %s: %s\n", so,
                g_reg.n_rejected ? g_reg.rejected[0].reason : err.message);
        abort();
    }
    const char *rec = getenv("FUZZ_RECORD"), *rec_out = getenv("FUZZ_RECORD_OUT");
    if (rec && rec_out) {
        http_opts o = { .timeout_ms = 10000, .max_attempts = 1, .backoff_base_ms = 100,
                        .backoff_cap_ms = 1000, .max_response = 64L << 20 };
        if (!(g_rec_client = http_client_new(&o, "record", NULL, NULL)) ||
            !(g_rec_out = fopen(rec_out, "wb")))
            abort();
        conn_set_http_override(record_http);
        return 0;
    }
    conn_set_http_override(fuzz_http);
    return 0;
}

static const char PDF[] = "%PDF-1.4\n%%EOF\n";

/* A job id each connector's sandbox fixture has (the seeds' find and push). */
static const char *job_id(void)
{
    return !strcmp(FUZZ_CONNECTOR, "greenhouse") ? "1001"
         : !strcmp(FUZZ_CONNECTOR, "lever") ? "lv-1001" : "R-1001";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const store_setting *s = GH;
    size_t ns = ARRAY_LEN(GH);
    if (!strcmp(FUZZ_CONNECTOR, "lever"))
        s = LV, ns = ARRAY_LEN(LV);
    else if (!strcmp(FUZZ_CONNECTOR, "workday"))
        s = WD, ns = ARRAY_LEN(WD);
    int op = data[0] % 5;
    g_in = data + 1;
    g_left = size - 1;
    g_calls = 0;

    store_setting *rec = NULL;
    if (g_rec_out) {
        fputc(data[0], g_rec_out);
        if (!(rec = record_settings(s, ns, getenv("FUZZ_RECORD"))))
            abort();
        s = rec;
    }
    conn *c = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    if (conn_open(&c, g_plugin, s, ns, &g_cfg, "fuzz", &err))
        abort(); /* the settings are valid: opening must work */
    size_t sum = 0;
    int rc;
    if (op == 0) {
        rc = conn_check(c, &err);
    } else if (op <= 2) {
        atsb_list_request req = { sizeof(req), op == 2 ? 1700000000 : 0, 0, NULL };
        atsb_job_sink sink = { sizeof(sink), on_page, on_malformed, &sum, NULL };
        rc = conn_list_jobs(c, &req, &sink, &err);
    } else {
        atsb_message m = { sizeof(m), "AI recruiter", 1700000000, "Hello" };
        const atsb_message *msgs[] = { &m };
        atsb_attachment a = { sizeof(a), "Jane_Doe.pdf", "application/pdf",
                              (const unsigned char *)PDF, sizeof(PDF) - 1 };
        const atsb_attachment *atts[] = { &a };
        atsb_candidate cand = { sizeof(cand), "c-1", job_id(), "Jane", "Doe",
                                "jane@example.com", "+1 555 0100",
                                "https://app.example.com/c/1", "FactoryFix", 4, "Good",
                                msgs, 1, NULL, atts, 1 };
        atsb_push_result res;
        memset(&res, 0, sizeof(res));
        res.struct_size = sizeof(res);
        rc = op == 3 ? conn_find_candidate(c, &cand, &res, &err)
                     : conn_push_candidate(c, &cand, NULL, &res, &err);
        if (strnlen(res.candidate_id, sizeof(res.candidate_id)) == sizeof(res.candidate_id) ||
            strnlen(res.application_id, sizeof(res.application_id)) == sizeof(res.application_id))
            abort(); /* ids must be terminated inside their buffers */
    }
    /* conn_* guarantees a classified error with a message (find's "not
     * there" is an answer, not an error). */
    if (rc != ATSB_OK && !(op == 3 && rc == ATSB_ERR_NOT_FOUND) && !err.message[0])
        abort();
    (void)sum;
    conn_close(c);
    if (rec) {
        for (size_t i = 0; i < ns; i++)
            free(rec[i].value);
        free(rec);
        fclose(g_rec_out);
        g_rec_out = NULL;
        if (rc)
            fprintf(stderr, "record: %s\n", err.message);
    }
    return 0;
}
