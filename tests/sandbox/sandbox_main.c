/* atsbridge-sandbox: see sandbox.h.  Usage:
 *   atsbridge-sandbox --listen 127.0.0.1:0 --fixture FILE [--record-dir DIR]
 * Prints "listening on http://127.0.0.1:PORT" once ready (port 0 picks one).
 *
 * Control endpoints (tests only):
 *   GET  /_control/health
 *   GET  /_control/recorded          everything pushed (candidates, applications, attachments)
 *   GET  /_control/requests          the request log; DELETE clears it
 *   POST /_control/faults            {"path":"/v3/jobs","kind":"429","count":2,"retry_after":1,
 *                                     "delay_ms":2000,"after":0,"method":"POST","contains":"Put_Candidate",
 *                                     "value":"..."};
 *                                     kinds: 429 500 503 401 403 404 422 soap_fault slow malformed drop
 *                                     drop_after expire_token, and hostile replies (made up
 *                                     for tests, no vendor behaves so as far as we know):
 *                                     link_host (a Link header whose next URL points at the
 *                                     origin in value), body_file (the contents of the
 *                                     file named by value, with HTTP "status", default
 *                                     200; also serves the documented reply fixtures in
 *                                     tests/fixtures/workday/), link_self
 *                                     (Greenhouse: the next page is this one), next_repeat
 *                                     (Lever: the next token is the one just used),
 *                                     total_pages (Workday: Total_Pages reads value)
 *   DELETE /_control/faults
 *   POST /_control/greenhouse/jobs   upsert jobs (object or array; updated_at becomes now)
 *   DELETE /_control/greenhouse/jobs/ID   make a job vanish
 *   POST /_control/greenhouse/generate {"count":N,"non_us_every":10}
 *   POST /_control/expire-tokens     every issued token becomes invalid */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

static volatile sig_atomic_t g_stop;
static void on_sig(int s) { (void)s; g_stop = 1; }

void sb_json(sb_response *r, int status, json_object *obj)
{
    r->status = status;
    free(r->body);
    r->body = strdup(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
    r->content_type = "application/json";
    json_object_put(obj);
}

void sb_text(sb_response *r, int status, const char *text)
{
    r->status = status;
    free(r->body);
    r->body = strdup(text);
    r->content_type = "application/json";
}

void sb_header(sb_response *r, const char *fmt, ...)
{
    if (r->n_headers >= 8)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *h = NULL;
    if (vasprintf(&h, fmt, ap) >= 0)
        r->headers[r->n_headers++] = h;
    va_end(ap);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static char *url_decode(const char *s, size_t n)
{
    char *o = malloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            o[j++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else if (s[i] == '+') {
            o[j++] = ' ';
        } else {
            o[j++] = s[i];
        }
    }
    o[j] = '\0';
    return o;
}

char *sb_query(const char *q, const char *name)
{
    size_t nl = strlen(name);
    const char *p = q;
    while (p && *p) {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);
        size_t kl = eq ? (size_t)(eq - p) : len;
        char *key = url_decode(p, kl);
        int match = strlen(key) == nl && memcmp(key, name, nl) == 0;
        free(key);
        if (match)
            return eq ? url_decode(eq + 1, len - kl - 1) : strdup("");
        p += len;
        if (*p == '&')
            p++;
    }
    return NULL;
}

int sb_query_count(const char *q)
{
    int n = 0;
    for (const char *p = q; p && *p;) {
        size_t len = strcspn(p, "&");
        if (len)
            n++;
        p += len;
        if (*p == '&')
            p++;
    }
    return n;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64enc(const unsigned char *in, size_t len, int url)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    size_t o = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = B64[v >> 18]; out[o++] = B64[(v >> 12) & 63];
        out[o++] = B64[(v >> 6) & 63]; out[o++] = B64[v & 63];
    }
    if (i < len) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0);
        out[o++] = B64[v >> 18]; out[o++] = B64[(v >> 12) & 63];
        if (i + 1 < len)
            out[o++] = B64[(v >> 6) & 63];
        else if (!url)
            out[o++] = '=';
        if (!url)
            out[o++] = '=';
    }
    out[o] = '\0';
    if (url)
        for (char *p = out; *p; p++)
            *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    return out;
}

char *sb_b64url_encode(const char *s) { return b64enc((const unsigned char *)s, strlen(s), 1); }

unsigned char *sb_b64_decode(const char *s, size_t *out_len)
{
    size_t n = strlen(s);
    unsigned char *out = malloc(n * 3 / 4 + 4);
    size_t o = 0;
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i], d;
        if (c == '=' || c == '\n' || c == '\r')
            continue;
        if (c == '-') c = '+';
        if (c == '_') c = '/';
        const char *p = strchr(B64, c);
        if (!p || !c) {
            free(out);
            return NULL;
        }
        d = (int)(p - B64);
        v = (v << 6) | (unsigned)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)((v >> bits) & 0xff);
        }
    }
    *out_len = o;
    out[o] = 0;
    return out;
}

char *sb_b64url_decode(const char *s)
{
    size_t n;
    return (char *)sb_b64_decode(s, &n);
}

void sb_now_iso(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

long sb_new_id(sandbox *sb) { return ++sb->next_id; }

long sb_num(const char *s)
{
    char *end = NULL;
    long v = s ? strtol(s, &end, 10) : 0;
    return end && end != s ? v : 0;
}

json_object *sb_arr(json_object *state, const char *name)
{
    json_object *a;
    if (!json_object_object_get_ex(state, name, &a)) {
        a = json_object_new_array();
        json_object_object_add(state, name, a);
    }
    return a;
}

const char *sb_sget(json_object *o, const char *k)
{
    json_object *v;
    return o && json_object_object_get_ex(o, k, &v) && !json_object_is_type(v, json_type_null)
               ? json_object_get_string(v) : NULL;
}

long sb_iget(json_object *o, const char *k)
{
    json_object *v;
    return o && json_object_object_get_ex(o, k, &v) ? (long)json_object_get_int64(v) : 0;
}

void sb_record(sandbox *sb, const char *kind, json_object *o)
{
    json_object_array_add(sb_arr(sb->recorded, kind), json_object_get(o));
}

char *sb_save_file(sandbox *sb, long id, const char *name, const void *data, size_t len)
{
    if (!sb->record_dir)
        return NULL;
    char *path = NULL;
    if (asprintf(&path, "%s/%ld-%s", sb->record_dir, id, name) < 0)
        return NULL;
    FILE *f = fopen(path, "wb");
    if (!f) {
        free(path);
        return NULL;
    }
    fwrite(data, 1, len, f);
    fclose(f);
    return path;
}

/* ---- faults ---- */

static const sb_fault *take_fault(sandbox *sb, const sb_request *rq, sb_fault *copy)
{
    for (int i = 0; i < sb->n_faults; i++) {
        sb_fault *f = &sb->faults[i];
        if (f->remaining > 0 && strncmp(rq->path, f->path_prefix, strlen(f->path_prefix)) == 0 &&
            (!f->method[0] || !strcmp(f->method, rq->method)) &&
            (!f->contains[0] || (rq->body && memmem(rq->body, rq->body_len, f->contains,
                                                    strlen(f->contains))))) {
            if (f->after > 0) {
                f->after--;
                continue;
            }
            f->remaining--;
            *copy = *f;
            return copy;
        }
    }
    return NULL;
}

static int control(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    if (strncmp(rq->path, "/_control/", 10) != 0)
        return 0;
    const char *what = rq->path + 10;
    if (!strcmp(what, "health")) {
        sb_text(rs, 200, "{\"ok\":true}");
    } else if (!strcmp(what, "recorded")) {
        sb_json(rs, 200, json_object_get(sb->recorded));
    } else if (!strcmp(what, "requests")) {
        if (!strcmp(rq->method, "DELETE")) {
            json_object_put(sb->log);
            sb->log = json_object_new_array();
            sb_text(rs, 200, "{}");
        } else {
            sb_json(rs, 200, json_object_get(sb->log));
        }
    } else if (!strcmp(what, "faults")) {
        if (!strcmp(rq->method, "DELETE")) {
            sb->n_faults = 0;
            sb_text(rs, 200, "{}");
            return 1;
        }
        json_object *o = json_tokener_parse(rq->body ? rq->body : "");
        json_object *v;
        if (!o || sb->n_faults >= 32) {
            json_object_put(o);
            sb_text(rs, 400, "{\"error\":\"bad fault\"}");
            return 1;
        }
        sb_fault *f = &sb->faults[sb->n_faults++];
        memset(f, 0, sizeof(*f));
        snprintf(f->path_prefix, sizeof(f->path_prefix), "%s",
                 json_object_object_get_ex(o, "path", &v) ? json_object_get_string(v) : "/");
        snprintf(f->kind, sizeof(f->kind), "%s",
                 json_object_object_get_ex(o, "kind", &v) ? json_object_get_string(v) : "500");
        f->remaining = json_object_object_get_ex(o, "count", &v) ? json_object_get_int(v) : 1;
        f->retry_after = json_object_object_get_ex(o, "retry_after", &v) ? json_object_get_int(v) : 1;
        f->delay_ms = json_object_object_get_ex(o, "delay_ms", &v) ? json_object_get_int(v) : 2000;
        f->status = json_object_object_get_ex(o, "status", &v) ? json_object_get_int(v) : 200;
        f->after = json_object_object_get_ex(o, "after", &v) ? json_object_get_int(v) : 0;
        snprintf(f->method, sizeof(f->method), "%s",
                 json_object_object_get_ex(o, "method", &v) ? json_object_get_string(v) : "");
        snprintf(f->contains, sizeof(f->contains), "%s",
                 json_object_object_get_ex(o, "contains", &v) ? json_object_get_string(v) : "");
        snprintf(f->value, sizeof(f->value), "%s",
                 json_object_object_get_ex(o, "value", &v) ? json_object_get_string(v) : "");
        json_object_put(o);
        sb_text(rs, 200, "{}");
    } else if (!sb_greenhouse_control(sb, rq, rs) && !sb_lever_control(sb, rq, rs) &&
               !sb_workday_control(sb, rq, rs)) {
        sb_text(rs, 404, "{\"message\":\"no such control endpoint\"}");
    }
    return 1;
}

static int dispatch(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    return control(sb, rq, rs) || sb_lever(sb, rq, rs) || sb_workday(sb, rq, rs) ||
           sb_skeleton(sb, rq, rs) || sb_greenhouse(sb, rq, rs);
}

/* ---- MHD glue ---- */

typedef struct conn_state {
    char *body;
    size_t len;
} conn_state;

static void log_request(sandbox *sb, const sb_request *rq)
{
    json_object *e = json_object_new_object();
    json_object_object_add(e, "method", json_object_new_string(rq->method));
    json_object_object_add(e, "path", json_object_new_string(rq->path));
    json_object_object_add(e, "query", json_object_new_string(rq->query));
    /* Which credential arrived (the scheme only, never its value), so a
     * test can prove a token was not sent somewhere. */
    if (rq->authorization) {
        char scheme[16];
        snprintf(scheme, sizeof(scheme), "%.*s", (int)strcspn(rq->authorization, " "),
                 rq->authorization);
        json_object_object_add(e, "auth", json_object_new_string(scheme));
    }
    json_object_array_add(sb->log, e);
}

/* Percent-encode s at p (room is the caller's); returns the new end. */
static char *encode_into(char *p, const char *s, const char *keep)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (isalnum(*c) || strchr(keep, *c)) {
            *p++ = (char)*c;
        } else {
            *p++ = '%';
            *p++ = hex[*c >> 4];
            *p++ = hex[*c & 15];
        }
    }
    return p;
}

static int collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    char **q = cls;
    /* MHD hands back decoded pairs; re-encode so sb_query sees one format. */
    size_t need = strlen(*q) + strlen(key) * 3 + (value ? strlen(value) * 3 : 0) + 3;
    char *n = realloc(*q, need);
    if (!n)
        return MHD_NO;
    *q = n;
    char *p = n + strlen(n);
    if (p != n)
        *p++ = '&';
    p = encode_into(p, key, "-_.~|[]");
    if (value) {
        *p++ = '=';
        p = encode_into(p, value, "-_.~|:");
    }
    *p = '\0';
    return MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)version;
    sandbox *sb = cls;
    conn_state *cs = *con_cls;
    if (!cs) {
        cs = calloc(1, sizeof(*cs));
        *con_cls = cs;
        return MHD_YES;
    }
    if (*upload_size) {
        char *n = realloc(cs->body, cs->len + *upload_size + 1);
        if (!n)
            return MHD_NO;
        memcpy(n + cs->len, upload, *upload_size);
        cs->body = n;
        cs->len += *upload_size;
        cs->body[cs->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    char *query = calloc(1, 1);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, (MHD_KeyValueIterator)collect_arg, &query);
    sb_request rq = { method, url, query, cs->body ? cs->body : "", cs->len,
                      MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
                      MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type") };
    sb_response rs;
    memset(&rs, 0, sizeof(rs));
    sb_fault fault;
    const sb_fault *f = NULL;
    int handled = 0;

    pthread_mutex_lock(&sb->lock);
    if (strncmp(url, "/_control/", 10) != 0) {
        log_request(sb, &rq);
        f = take_fault(sb, &rq, &fault);
    }
    if (f && !strcmp(f->kind, "expire_token")) {
        json_object *tokens;
        if (json_object_object_get_ex(sb->gh, "tokens", &tokens))
            json_object_object_add(sb->gh, "tokens", json_object_new_object());
        f = NULL;
    }
    if (!f || !strcmp(f->kind, "slow") || !strcmp(f->kind, "malformed") ||
        !strcmp(f->kind, "link_host") || !strcmp(f->kind, "link_self") ||
        !strcmp(f->kind, "next_repeat") || !strcmp(f->kind, "total_pages"))
        handled = dispatch(sb, &rq, &rs);
    pthread_mutex_unlock(&sb->lock);

    if (f) {
        if (!strcmp(f->kind, "429")) {
            sb_text(&rs, 429, "{\"message\":\"Too Many Requests\"}");
            sb_header(&rs, "Retry-After: %d", f->retry_after);
            handled = 1;
        } else if (!strcmp(f->kind, "500") || !strcmp(f->kind, "503")) {
            sb_text(&rs, (int)sb_num(f->kind), "{\"message\":\"Internal Server Error\"}");
            handled = 1;
        } else if (!strcmp(f->kind, "soap_fault")) {
            sb_text(&rs, 500, "<?xml version=\"1.0\"?><SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                              "<SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>SOAP-ENV:Client.validationError</faultcode>"
                              "<faultstring>Validation error occurred. Email_Address is not a valid email address</faultstring>"
                              "</SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>");
            rs.content_type = "text/xml";
            handled = 1;
        } else if (!strcmp(f->kind, "401") || !strcmp(f->kind, "403") ||
                   !strcmp(f->kind, "404")) {
            /* A bad token (401), a key without the permission for this
             * resource (403), an endpoint the tenant does not have (404). */
            sb_text(&rs, (int)sb_num(f->kind),
                    !strcmp(f->kind, "401")   ? "{\"message\":\"Unauthorized\"}"
                    : !strcmp(f->kind, "403") ? "{\"message\":\"Forbidden\"}"
                                              : "{\"message\":\"Resource not found\"}");
            handled = 1;
        } else if (!strcmp(f->kind, "422")) {
            sb_text(&rs, 422, "{\"message\":\"Unprocessable Content\",\"errors\":[{\"email_addresses\":\"is invalid\"}]}");
            handled = 1;
        } else if (!strcmp(f->kind, "slow")) {
            usleep((useconds_t)f->delay_ms * 1000);
        } else if (!strcmp(f->kind, "malformed")) {
            if (rs.body && strlen(rs.body) > 2)
                rs.body[strlen(rs.body) / 2] = '\0';
            else
                sb_text(&rs, 200, "[{\"id\": 1, \"name\": ");
        } else if (!strcmp(f->kind, "link_host")) {
            /* A hostile reply: the next page lives on another origin (also
             * on a list that has no next page). */
            int linked = 0;
            for (int i = 0; i < rs.n_headers; i++)
                linked |= strncmp(rs.headers[i], "Link:", 5) == 0;
            if (!linked)
                sb_header(&rs, "Link: <%s%s?cursor=bW9yZQ>; rel=\"next\"", sb->base_url, url);
            for (int i = 0; i < rs.n_headers; i++) {
                char *at = strncmp(rs.headers[i], "Link:", 5) == 0
                               ? strstr(rs.headers[i], sb->base_url) : NULL;
                char *moved = NULL;
                if (at && asprintf(&moved, "%.*s%s%s", (int)(at - rs.headers[i]), rs.headers[i],
                                   f->value, at + strlen(sb->base_url)) >= 0) {
                    free(rs.headers[i]);
                    rs.headers[i] = moved;
                }
            }
        } else if (!strcmp(f->kind, "link_self")) {
            /* Greenhouse paging that never ends: the next page is this one. */
            for (int i = 0; i < rs.n_headers; i++)
                if (strncmp(rs.headers[i], "Link:", 5) == 0) {
                    free(rs.headers[i]);
                    rs.headers[i] = rs.headers[--rs.n_headers];
                    i--;
                }
            sb_header(&rs, "Link: <%s%s%s%s>; rel=\"next\"", sb->base_url, url,
                      *query ? "?" : "", query);
        } else if (!strcmp(f->kind, "next_repeat")) {
            /* Lever paging that never ends: the next token is the one just
             * used (the first page, which has none, is left alone). */
            char *offset = sb_query(query, "offset");
            json_object *o = offset && rs.body ? json_tokener_parse(rs.body) : NULL;
            if (o) {
                json_object_object_add(o, "next", json_object_new_string(offset));
                json_object_object_add(o, "hasNext", json_object_new_boolean(1));
                sb_json(&rs, rs.status, o);
            }
            free(offset);
        } else if (!strcmp(f->kind, "total_pages")) {
            /* Workday paging that never ends: Total_Pages says value. */
            char *at = rs.body ? strstr(rs.body, "Total_Pages>") : NULL;
            char *end = at ? strchr(at + 12, '<') : NULL;
            char *patched = NULL;
            if (end && asprintf(&patched, "%.*s%s%s", (int)(at + 12 - rs.body), rs.body,
                                f->value, end) >= 0) {
                free(rs.body);
                rs.body = patched;
            }
        } else if (!strcmp(f->kind, "body_file")) {
            /* A reply made up by the test, read from the file in value. */
            FILE *in = fopen(f->value, "rb");
            char *data = NULL;
            size_t len = 0;
            FILE *mem = in ? open_memstream(&data, &len) : NULL;
            char chunk[65536];
            size_t n;
            while (mem && (n = fread(chunk, 1, sizeof(chunk), in)) > 0)
                fwrite(chunk, 1, n, mem);
            if (mem)
                fclose(mem);
            if (in)
                fclose(in);
            for (int i = 0; i < rs.n_headers; i++)
                free(rs.headers[i]);
            rs.n_headers = 0;
            free(rs.body);
            rs.body = data ? data : strdup("{\"message\":\"body_file not readable\"}");
            rs.status = data ? (f->status >= 100 && f->status <= 599 ? f->status : 200) : 500;
            size_t vl = strlen(f->value);
            rs.content_type = vl > 4 && !strcmp(f->value + vl - 4, ".xml") ? "text/xml"
                                                                          : "application/json";
            handled = 1;
        } else if (!strcmp(f->kind, "drop")) {
            free(query);
            return MHD_NO;
        } else if (!strcmp(f->kind, "drop_after")) {
            /* The request was processed, the reply is lost. */
            pthread_mutex_lock(&sb->lock);
            sb_response ignored;
            memset(&ignored, 0, sizeof(ignored));
            dispatch(sb, &rq, &ignored);
            pthread_mutex_unlock(&sb->lock);
            free(ignored.body);
            for (int i = 0; i < ignored.n_headers; i++)
                free(ignored.headers[i]);
            free(query);
            return MHD_NO;
        }
    }
    if (!handled)
        sb_text(&rs, 404, "{\"message\":\"Resource not found\"}");
    free(query);
    if (rs.status == 0)
        return MHD_NO;
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        strlen(rs.body ? rs.body : ""), rs.body ? rs.body : (char *)"", MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(resp, "Content-Type", rs.content_type ? rs.content_type : "application/json");
    for (int i = 0; i < rs.n_headers; i++) {
        char *colon = strchr(rs.headers[i], ':');
        if (colon) {
            *colon = '\0';
            MHD_add_response_header(resp, rs.headers[i], colon + 2);
        }
        free(rs.headers[i]);
    }
    enum MHD_Result r = MHD_queue_response(c, (unsigned)rs.status, resp);
    MHD_destroy_response(resp);
    free(rs.body);
    return r;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls; (void)c; (void)toe;
    conn_state *cs = *con_cls;
    if (cs) {
        free(cs->body);
        free(cs);
    }
    *con_cls = NULL;
}

int main(int argc, char **argv)
{
    const char *listen = "127.0.0.1:0", *fixture = NULL, *record = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--listen") && i + 1 < argc)
            listen = argv[++i];
        else if (!strcmp(argv[i], "--fixture") && i + 1 < argc)
            fixture = argv[++i];
        else if (!strcmp(argv[i], "--record-dir") && i + 1 < argc)
            record = argv[++i];
        else {
            fprintf(stderr, "usage: atsbridge-sandbox [--listen 127.0.0.1:PORT] --fixture FILE [--record-dir DIR]\n");
            return 2;
        }
    }
    const char *colon = strrchr(listen, ':');
    if (!colon || strncmp(listen, "127.", 4) != 0) {
        fprintf(stderr, "atsbridge-sandbox: --listen must be 127.x.x.x:PORT (loopback only)\n");
        return 2;
    }
    json_object *fx = fixture ? json_object_from_file(fixture) : json_object_new_object();
    if (!fx) {
        fprintf(stderr, "atsbridge-sandbox: cannot read fixture %s: %s\n", fixture,
                json_util_get_last_err());
        return 2;
    }
    sandbox sb;
    memset(&sb, 0, sizeof(sb));
    pthread_mutex_init(&sb.lock, NULL);
    sb.log = json_object_new_array();
    sb.recorded = json_object_new_object();
    json_object_object_add(sb.recorded, "candidates", json_object_new_array());
    json_object_object_add(sb.recorded, "applications", json_object_new_array());
    json_object_object_add(sb.recorded, "attachments", json_object_new_array());
    sb.record_dir = record ? strdup(record) : NULL;
    sb.next_id = 900000;
    sb_greenhouse_init(&sb, fx);
    sb_lever_init(&sb, fx);
    sb_workday_init(&sb, fx);
    sb_skeleton_init(&sb, fx);
    json_object_put(fx);

    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    long port = sb_num(colon + 1);
    if (port < 0 || port > 65535) {
        fprintf(stderr, "atsbridge-sandbox: bad port %s\n", colon + 1);
        return 2;
    }
    addr.sin_port = htons((uint16_t)port);
    char host[64];
    snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "atsbridge-sandbox: bad address %s\n", host);
        return 2;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG,
        0, NULL, NULL, handle, &sb, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "atsbridge-sandbox: cannot listen on %s: %s\n", listen, strerror(errno));
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(sb.base_url, sizeof(sb.base_url), "http://%s:%u", host, info ? info->port : 0);
    printf("listening on %s\n", sb.base_url);
    fflush(stdout);
    signal(SIGTERM, on_sig);
    signal(SIGINT, on_sig);
    while (!g_stop)
        pause();
    MHD_stop_daemon(d);
    json_object_put(sb.gh);
    json_object_put(sb.lever);
    json_object_put(sb.wd);
    json_object_put(sb.skel);
    json_object_put(sb.log);
    json_object_put(sb.recorded);
    free(sb.record_dir);
    return 0;
}
