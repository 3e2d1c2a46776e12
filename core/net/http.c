#include "net/http.h"
#include "net/http_attempt.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/secret.h"
#include "base/util.h"

typedef struct http_resp_impl {
    atsb_http_response pub;    /* first: callers see only this */
    strbuf body;
    char **headers;            /* "Name: value" */
    size_t n_headers;
    long max;
    int oversize;
} http_resp_impl;

struct http_client {
    CURL *curl;
    http_opts opts;
    char *label;
    int (*cancelled)(void *);
    void *cancel_payload;
    uint64_t rng;
    /* OAuth token cache, one per connection.  The lock makes sure only one
     * refresh runs at a time, whatever threads share this client. */
    pthread_mutex_t lock;
    char *token;               /* "Bearer xyz" */
    int64_t token_expires;     /* epoch seconds */
    char *token_key;           /* token_url + client id the token belongs to */
    int64_t last_request_ms;   /* for rate_limit */
    /* Origins ("scheme://host:port") credentials may be sent to: those the
     * connection's URL settings name.  When none was given, the origins of
     * the first credentialed request are pinned (see http_check_credentials). */
    char **origins;
    size_t n_origins;
};

void http_global_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }
void http_global_cleanup(void) { curl_global_cleanup(); }

http_client *http_client_new(const http_opts *opts, const char *label,
                             int (*cancelled)(void *), void *payload)
{
    http_client *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->curl = curl_easy_init();
    c->opts = *opts;
    c->label = str_dup(label ? label : "http");
    c->cancelled = cancelled;
    c->cancel_payload = payload;
    c->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)c;
    pthread_mutex_init(&c->lock, NULL);
    if (!c->curl || !c->label) {
        http_client_free(c);
        return NULL;
    }
    return c;
}

void http_client_free(http_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    free(c->label);
    free(c->token);
    free(c->token_key);
    for (size_t i = 0; i < c->n_origins; i++)
        free(c->origins[i]);
    free(c->origins);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void http_response_free(atsb_http_response *resp)
{
    http_resp_impl *r = (http_resp_impl *)resp;
    if (!r)
        return;
    sb_free(&r->body);
    for (size_t i = 0; i < r->n_headers; i++)
        free(r->headers[i]);
    free(r->headers);
    free(r);
}

atsb_http_response *http_response_fake(int status, const char *body)
{
    http_resp_impl *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    sb_init(&r->body);
    sb_puts(&r->body, body ? body : "");
    r->pub.struct_size = sizeof(r->pub);
    r->pub.status = status;
    r->pub.body = r->body.data ? r->body.data : "";
    r->pub.body_len = r->body.len;
    return &r->pub;
}

atsb_http_response *http_response_fake_raw(int status, const char *const *headers,
                                           size_t n_headers, const void *body, size_t len)
{
    http_resp_impl *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    sb_init(&r->body);
    if ((len && sb_append(&r->body, body, len) < 0) ||
        (n_headers && !(r->headers = calloc(n_headers, sizeof(char *)))))
        goto fail;
    for (; r->n_headers < n_headers; r->n_headers++)
        if (!(r->headers[r->n_headers] = str_dup(headers[r->n_headers])))
            goto fail;
    r->pub.struct_size = sizeof(r->pub);
    r->pub.status = status;
    r->pub.body = r->body.data ? r->body.data : "";
    r->pub.body_len = r->body.len;
    return &r->pub;
fail:
    http_response_free(&r->pub);
    return NULL;
}

const char *http_response_header(const atsb_http_response *resp, const char *name)
{
    const http_resp_impl *r = (const http_resp_impl *)resp;
    if (!r || !name)
        return NULL;
    size_t n = strlen(name);
    /* Last one wins: with redirects or 100-continue, the final block. */
    for (size_t i = r->n_headers; i-- > 0;) {
        const char *h = r->headers[i];
        if (strncasecmp(h, name, n) == 0 && h[n] == ':') {
            const char *v = h + n + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            return v;
        }
    }
    return NULL;
}

/* Called by curl during transfers: a stop request aborts a slow reply
 * instead of waiting out the timeout. */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    http_client *c = ud;
    (void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;
    return c->cancelled && c->cancelled(c->cancel_payload) ? 1 : 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    http_resp_impl *r = ud;
    size_t n = size * nmemb;
    if ((long)(r->body.len + n) > r->max) {
        r->oversize = 1;
        return 0;
    }
    return sb_append(&r->body, data, n) == 0 ? n : 0;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    http_resp_impl *r = ud;
    size_t n = size * nmemb;
    size_t len = n;
    while (len && (data[len - 1] == '\r' || data[len - 1] == '\n'))
        len--;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new status line starts a new header block. */
        for (size_t i = 0; i < r->n_headers; i++)
            free(r->headers[i]);
        r->n_headers = 0;
        return n;
    }
    if (!len)
        return n;
    char **g = realloc(r->headers, (r->n_headers + 1) * sizeof(*g));
    if (!g)
        return 0;
    r->headers = g;
    if (!(g[r->n_headers] = str_ndup(data, len)))
        return 0;
    r->n_headers++;
    return n;
}

/* Non-zero when host (as libcurl's URL parser gives it: IPv6 in brackets)
 * is a loopback address: an IPv4 literal in 127.0.0.0/8, the IPv6 literal
 * ::1, or the name localhost (which libcurl itself resolves to loopback).
 * The host is parsed as an address, never matched as text, because a DNS
 * name such as 127.attacker.example can point anywhere. */
static int host_is_loopback(const char *host)
{
    unsigned char a4[4], a6[16];
    char buf[64];
    size_t n = strlen(host);
    if (strcasecmp(host, "localhost") == 0)
        return 1;
    if (inet_pton(AF_INET, host, a4) == 1)
        return a4[0] == 127;
    if (n >= 2 && n < sizeof(buf) && host[0] == '[' && host[n - 1] == ']') {
        memcpy(buf, host + 1, n - 2);
        buf[n - 2] = '\0';
        static const unsigned char v6_loopback[16] = { [15] = 1 };
        return inet_pton(AF_INET6, buf, a6) == 1 && memcmp(a6, v6_loopback, 16) == 0;
    }
    return 0;
}

int http_url_allowed(const char *url, atsb_error *err)
{
    int rc = ATSB_OK;
    char *scheme = NULL, *host = NULL;
    CURLU *u = curl_url();
    if (!u)
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    if (!url || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        rc = err_set(err, ATSB_ERR_CONFIG, "invalid URL \"%.200s\"", url ? url : "(null)");
        goto done;
    }
    if (strcasecmp(scheme, "https") == 0)
        goto done;
    if (strcasecmp(scheme, "http") == 0) {
        if (host_is_loopback(host))
            goto done;
        rc = err_set(err, ATSB_ERR_CONFIG,
                     "refusing plain http:// to %s: use https (http is allowed only to "
                     "loopback addresses)", host);
        goto done;
    }
    rc = err_set(err, ATSB_ERR_CONFIG, "unsupported URL scheme \"%s\"", scheme);
done:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}

/* "scheme://host:port" of url, lower case, with the scheme's default port
 * filled in so https://h and https://h:443 are one origin.  NULL when url
 * does not parse (malloc'd otherwise). */
static char *url_origin(const char *url)
{
    char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
    CURLU *u = curl_url();
    if (u && url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
        out = str_printf("%s://%s:%s", scheme, host, port);
    for (char *p = out; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return out;
}

int http_client_allow_origin(http_client *c, const char *url)
{
    char *o = url_origin(url);
    if (!o)
        return -1;
    for (size_t i = 0; i < c->n_origins; i++)
        if (str_eq(c->origins[i], o)) {
            free(o);
            return 0;
        }
    char **g = realloc(c->origins, (c->n_origins + 1) * sizeof(*g));
    if (!g) {
        free(o);
        return -1;
    }
    c->origins = g;
    c->origins[c->n_origins++] = o;
    return 0;
}

static int origin_allowed(const http_client *c, const char *origin)
{
    for (size_t i = 0; origin && i < c->n_origins; i++)
        if (str_eq(c->origins[i], origin))
            return 1;
    return 0;
}

/* Header names that carry a credential when a connector sets its own:
 * Authorization, Proxy-Authorization, Cookie, and API-key style names
 * (X-Api-Key, X-Auth-Token, Private-Token, ...). */
static int header_is_credential(const char *name)
{
    static const char *const words[] = { "authorization", "cookie", "auth", "token", "apikey",
                                         "api-key", "api_key", "secret", "session", "password",
                                         NULL };
    for (const char *const *w = words; name && *w; w++)
        if (strcasestr(name, *w))
            return 1;
    return 0;
}

int http_check_credentials(http_client *c, const atsb_http_request *req, atsb_error *err)
{
    int rc = ATSB_OK;
    const atsb_http_auth *a = req->auth;
    int oauth = a && a->kind == ATSB_AUTH_OAUTH2;
    int creds = a && a->kind != ATSB_AUTH_NONE;
    for (size_t i = 0; !creds && req->headers && i < req->header_count; i++)
        creds = header_is_credential(req->headers[i].name);
    if (!creds)
        return ATSB_OK;
    char *origin = url_origin(req->url);
    char *token_origin = oauth ? url_origin(a->token_url) : NULL;
    if (!origin || (oauth && !token_origin)) {
        rc = err_set(err, ATSB_ERR_CONFIG, "invalid URL for a request with credentials");
        goto done;
    }
    pthread_mutex_lock(&c->lock);
    if (!c->n_origins) {
        /* A connector with no URL setting names its hosts in its own code,
         * and its first request comes from that code, never from a reply:
         * pin what it uses first. */
        if (http_client_allow_origin(c, req->url) < 0 ||
            (oauth && http_client_allow_origin(c, a->token_url) < 0))
            rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
        else
            log_debug(c->label, "credentials pinned to %s%s%s", origin,
                      oauth ? " and " : "", oauth ? token_origin : "");
    }
    const char *bad = rc ? NULL : !origin_allowed(c, origin) ? origin
                                  : oauth && !origin_allowed(c, token_origin) ? token_origin : NULL;
    if (bad) {
        strbuf allowed;
        sb_init(&allowed);
        for (size_t i = 0; i < c->n_origins; i++)
            sb_printf(&allowed, "%s%s", i ? ", " : "", c->origins[i]);
        char safe[512];
        secret_redact_url(bad == origin ? req->url : a->token_url, safe, sizeof(safe));
        rc = err_set(err, ATSB_ERR_CONFIG,
                     "refusing to send credentials to %s (%s %.300s): only the origins the "
                     "connection's URL settings name may receive them (%s)",
                     bad, bad == origin ? req->method : "token request", safe,
                     allowed.data ? allowed.data : "none");
        sb_free(&allowed);
    }
    pthread_mutex_unlock(&c->lock);
done:
    free(origin);
    free(token_origin);
    return rc;
}

long http_retry_after(const char *retry_after, const char *reset, int64_t now)
{
    if (retry_after && *retry_after) {
        long v;
        char buf[32];
        str_copy(buf, sizeof(buf), retry_after);
        buf[strcspn(buf, " \t")] = '\0';
        if (str_to_long(buf, &v) == 0)
            return v < 0 ? 0 : v;
        time_t t = curl_getdate(retry_after, NULL);
        if (t != (time_t)-1)
            return t > now ? (long)(t - now) : 0;
    }
    if (reset && *reset) {
        long v;
        if (str_to_long(reset, &v) == 0)
            return v > now ? (long)(v - now) : 0;
    }
    return -1;
}

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64*: good enough for jitter, no shared state. */
    uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

long http_backoff_ms(int attempt, int base_ms, int cap_ms, uint64_t *rng)
{
    long ceiling = base_ms;
    for (int i = 0; i < attempt && ceiling < cap_ms; i++)
        ceiling *= 2;
    if (ceiling > cap_ms)
        ceiling = cap_ms;
    return (long)(rng_next(rng) % (uint64_t)(ceiling + 1));
}

/* Sleep in slices so a shutdown is never stuck behind a long Retry-After. */
static int sleep_ms(http_client *c, long ms)
{
    while (ms > 0) {
        if (c->cancelled && c->cancelled(c->cancel_payload))
            return -1;
        long step = ms > 100 ? 100 : ms;
        struct timespec ts = { step / 1000, (step % 1000) * 1000000L };
        nanosleep(&ts, NULL);
        ms -= step;
    }
    return 0;
}

/* One try of a->method on a->url with hdrs.  Fills a's result part; -1 only
 * when out of memory (nothing was sent then). */
static int perform(http_client *c, http_attempt *a, struct curl_slist *hdrs)
{
    CURL *h = c->curl;
    if (c->opts.rate_limit > 0) {
        long gap = 1000 / c->opts.rate_limit - (long)(time_now_ms() - c->last_request_ms);
        if (gap > 0) {
            http_stats_note_wait();
            sleep_ms(c, gap);
        }
        c->last_request_ms = time_now_ms();
    }
    a->curl = CURLE_OK;
    a->curl_msg[0] = '\0';
    a->oversize = 0;
    a->status = 0;
    a->retry_after_s = -1;
    http_response_free(a->resp);
    a->resp = NULL;
    http_resp_impl *r = calloc(1, sizeof(*r));
    if (!r)
        return -1;
    sb_init(&r->body);
    r->max = c->opts.max_response;
    r->pub.struct_size = sizeof(r->pub);
    /* reset keeps the connection cache, so connections are reused. */
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, a->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)a->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(a->timeout_ms < 10000 ? a->timeout_ms : 10000));
    curl_easy_setopt(h, CURLOPT_USERAGENT, "atsbridge/" ATSB_VERSION);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, a->curl_msg);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
    if (!a->idempotent) {
        /* libcurl silently re-sends a request whose reused connection died
         * before any reply, on a new connection.  For a create the ATS may
         * have acted before the connection died, so that retry makes a
         * duplicate: a create goes out on its own new connection (which
         * libcurl never retries) and that connection is not kept. */
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    }
    if (hdrs)
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    if (a->basic_user) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, a->basic_user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, a->basic_pass ? a->basic_pass : "");
    }
    if (strcmp(a->method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, a->method);
        if (a->body || strcmp(a->method, "POST") == 0 || strcmp(a->method, "PUT") == 0 ||
            strcmp(a->method, "PATCH") == 0) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)a->body_len);
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, a->body ? a->body : "");
        }
    }
    a->curl = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->status);
    r->pub.status = (int)a->status;
    r->pub.body = r->body.data ? r->body.data : "";
    r->pub.body_len = r->body.len;
    a->oversize = r->oversize;
    a->resp = &r->pub;
    if (a->status == 429)
        a->retry_after_s = http_retry_after(http_response_header(a->resp, "Retry-After"),
                                            http_response_header(a->resp, "X-RateLimit-Reset"),
                                            time_now());
    return 0;
}

/* ---- the retry policy -------------------------------------------------- */

http_verdict classify_attempt(const http_attempt *a, const http_opts *opts, long *wait_ms,
                              atsb_error *err)
{
    int last = a->attempt + 1 >= opts->max_attempts;
    *wait_ms = 0;
    if (a->oversize) {
        err_set(err, ATSB_ERR_PERMANENT, "%s: response larger than http.max_response_bytes (%ld)",
                a->what, opts->max_response);
        return HTTP_FAIL;
    }
    if (a->curl == CURLE_ABORTED_BY_CALLBACK) {
        err_set(err, ATSB_ERR_CANCELLED, "%s: stopped", a->what);
        return HTTP_FAIL;
    }
    if (a->curl != CURLE_OK) {
        /* A refused connection never reached the ATS: safe to repeat even
         * for a create.  Anything later may have been acted upon. */
        int never_sent = a->curl == CURLE_COULDNT_CONNECT ||
                         a->curl == CURLE_COULDNT_RESOLVE_HOST;
        if (last || (!a->idempotent && !never_sent)) {
            err_set(err, ATSB_ERR_TRANSIENT, "%s: %s%s", a->what,
                    a->curl_msg[0] ? a->curl_msg : curl_easy_strerror(a->curl),
                    a->idempotent ? " (after retries)" : "");
            return HTTP_FAIL;
        }
        return HTTP_RETRY_BACKOFF;
    }
    if (a->status == 401 && a->oauth && !a->token_refreshed)
        /* The token may have been revoked or expired early: fetch a new one
         * once, then let the connector judge a second 401. */
        return HTTP_RETRY_NEW_TOKEN;
    if (a->status == 429) {
        /* The ATS did not process a 429, so even a create may be repeated;
         * but never sleep longer than max_rate_wait_s (the token endpoint
         * included): the caller records it and comes back later. */
        long wait = a->retry_after_s;
        if (last || wait > opts->max_rate_wait_s) {
            err_set(err, ATSB_ERR_RATE_LIMITED,
                    "%s: rate limited by the ATS (HTTP 429, retry after %ld s)", a->what,
                    wait < 0 ? 0 : wait);
            if (err) {
                err->retry_after_s = wait < 0 ? 0 : (int)wait;
                err->http_status = 429;
            }
            return HTTP_FAIL;
        }
        *wait_ms = wait < 0 ? 1000 : wait * 1000;
        return HTTP_RETRY_WAIT;
    }
    if (a->status >= 500 && !(a->status == 500 && a->pass_500)) {
        if (last || !a->idempotent) {
            err_set(err, ATSB_ERR_TRANSIENT, "%s: HTTP %ld from the ATS%s", a->what, a->status,
                    a->idempotent ? " (after retries)" : "");
            if (err)
                err->http_status = (int)a->status;
            return HTTP_FAIL;
        }
        return HTTP_RETRY_BACKOFF;
    }
    return HTTP_DONE;
}

static int oauth_header(http_client *c, const atsb_http_auth *a, int timeout_ms, char **out,
                        atsb_error *err);

/* The one retry loop: try, classify, wait or stop.  On ATSB_OK a->resp holds
 * the reply for the caller (HTTP_DONE); on an error a->resp may hold the
 * last reply, which the caller frees. */
static int attempt_run(http_client *c, http_attempt *a, atsb_error *err)
{
    int rc = ATSB_OK;
    struct curl_slist *hdrs = NULL;
    char *auth_hdr = NULL;
    a->attempt = 0;
    a->token_refreshed = 0;
    for (;;) {
        if (c->cancelled && c->cancelled(c->cancel_payload)) {
            rc = err_set(err, ATSB_ERR_CANCELLED, "cancelled");
            goto done;
        }
        curl_slist_free_all(hdrs);
        hdrs = NULL;
        if (a->oauth) {
            /* The bearer token may change between tries (a refresh), so the
             * header list is rebuilt from the caller's each time. */
            for (struct curl_slist *p = a->headers; p; p = p->next)
                if (!(hdrs = curl_slist_append(hdrs, p->data))) {
                    rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
                    goto done;
                }
            free(auth_hdr);
            auth_hdr = NULL;
            if ((rc = oauth_header(c, a->oauth, a->timeout_ms, &auth_hdr, err)))
                goto done;
            struct curl_slist *n = curl_slist_append(hdrs, auth_hdr);
            if (!n) {
                rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
                goto done;
            }
            hdrs = n;
        }
        int64_t t0 = time_now_ms();
        if (perform(c, a, a->oauth ? hdrs : a->headers) < 0) {
            rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
            goto done;
        }
        long ms = (long)(time_now_ms() - t0);
        http_stats_note(c->opts.stats_name ? c->opts.stats_name : c->label,
                        a->curl == CURLE_OK ? (int)a->status : 0);
        if (a->curl != CURLE_OK)
            log_info(c->label, "%s -> %s in %ld ms", a->what,
                     a->oversize ? "response too large" : curl_easy_strerror(a->curl), ms);
        else
            log_info(c->label, "%s -> %ld in %ld ms", a->what, a->status, ms);

        long wait = 0;
        atsb_error e = ATSB_ERROR_INIT;
        switch (classify_attempt(a, &c->opts, &wait, &e)) {
        case HTTP_DONE:
            goto done;
        case HTTP_FAIL:
            rc = e.code;
            if (err)
                *err = e;
            goto done;
        case HTTP_RETRY_NEW_TOKEN:
            a->token_refreshed = 1;
            pthread_mutex_lock(&c->lock);
            free(c->token);
            c->token = NULL;
            pthread_mutex_unlock(&c->lock);
            continue;
        case HTTP_RETRY_WAIT:
            http_stats_note_wait();
            log_warn(c->label, "rate limited; waiting %ld s as the ATS asked", wait / 1000);
            break;
        case HTTP_RETRY_BACKOFF:
            wait = http_backoff_ms(a->attempt, c->opts.backoff_base_ms, c->opts.backoff_cap_ms,
                                   &c->rng);
            log_debug(c->label, "retrying in %ld ms (attempt %d of %d)", wait, a->attempt + 2,
                      c->opts.max_attempts);
            break;
        }
        if (sleep_ms(c, wait) < 0) {
            rc = err_set(err, ATSB_ERR_CANCELLED, "cancelled");
            goto done;
        }
        a->attempt++;
    }
done:
    curl_slist_free_all(hdrs);
    free(auth_hdr);
    return rc;
}

/* ---- OAuth2 ------------------------------------------------------------ */

static int oauth_fetch(http_client *c, const atsb_http_auth *a, int timeout_ms,
                       atsb_error *err)
{
    int rc = ATSB_OK;
    char *form = NULL;
    json_object *doc = NULL;
    struct curl_slist *hdrs = NULL;
    char safe_url[512];
    char what[600];
    secret_redact_url(a->token_url, safe_url, sizeof(safe_url));
    snprintf(what, sizeof(what), "token endpoint %s", safe_url);
    http_attempt at = { .method = "POST", .url = a->token_url, .what = what,
                        .basic_user = a->user, .basic_pass = a->password,
                        .timeout_ms = timeout_ms,
                        /* A token request is safe to repeat: a second token
                         * is harmless. */
                        .idempotent = 1 };
    if ((rc = http_url_allowed(a->token_url, err)))
        return rc;
    const char *extra = a->token_form ? a->token_form : "";
    if (strstr(extra, "grant_type="))
        form = str_dup(extra);
    else
        form = str_printf("grant_type=client_credentials%s%s", *extra ? "&" : "", extra);
    hdrs = curl_slist_append(hdrs, "Content-Type: application/x-www-form-urlencoded");
    hdrs = hdrs ? curl_slist_append(hdrs, "Accept: application/json") : NULL;
    if (!form || !hdrs) {
        rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
        goto done;
    }
    at.headers = hdrs;
    at.body = form;
    at.body_len = strlen(form);
    if ((rc = attempt_run(c, &at, err)))
        goto done;
    doc = json_tokener_parse(at.resp->body);
    if (at.status == 400 || at.status == 401 || at.status == 403) {
        /* Quote only the RFC 6749 error code: some token endpoints echo the
         * client id back in their message, and it stays out of our logs. */
        json_object *e = NULL;
        const char *code = doc && json_object_object_get_ex(doc, "error", &e)
                               ? json_object_get_string(e) : NULL;
        rc = err_set(err, ATSB_ERR_AUTH,
                     "the token endpoint %s refused the client credentials (HTTP %ld%s%s); "
                     "check client_id and client_secret",
                     safe_url, at.status, code ? ": " : "", code ? code : "");
        if (err)
            err->http_status = (int)at.status;
        goto done;
    }
    if (at.status < 200 || at.status >= 300) {
        rc = err_set(err, ATSB_ERR_TRANSIENT, "token endpoint %s: HTTP %ld", safe_url,
                     at.status);
        goto done;
    }
    json_object *tok = NULL, *type = NULL, *exp = NULL;
    if (!doc || !json_object_object_get_ex(doc, "access_token", &tok) ||
        !json_object_is_type(tok, json_type_string)) {
        rc = err_set(err, ATSB_ERR_TRANSIENT,
                     "token endpoint %s: reply has no access_token", safe_url);
        goto done;
    }
    const char *ttype = json_object_object_get_ex(doc, "token_type", &type)
                            ? json_object_get_string(type) : "Bearer";
    /* Greenhouse's own client reads expires_at (ISO-8601); the OpenAPI
     * example shows expires_in (seconds).  Accept both; default 1 h. */
    int64_t expires = time_now() + 3600;
    if (json_object_object_get_ex(doc, "expires_in", &exp))
        expires = time_now() + json_object_get_int64(exp);
    else if (json_object_object_get_ex(doc, "expires_at", &exp)) {
        int64_t t;
        if (json_object_is_type(exp, json_type_int))
            expires = json_object_get_int64(exp);
        else if (time_parse_iso(json_object_get_string(exp), &t) == 0)
            expires = t;
    }
    free(c->token);
    /* RFC 6750 says "Bearer"; some servers answer "bearer". */
    c->token = str_printf("%s %s", strcasecmp(ttype, "bearer") == 0 ? "Bearer" : ttype,
                          json_object_get_string(tok));
    c->token_expires = expires;
    if (!c->token)
        rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
done:
    json_object_put(doc);
    http_response_free(at.resp);
    curl_slist_free_all(hdrs);
    free(form);
    return rc;
}

/* Copy the current "Authorization: Bearer ..." header for this auth, fetching
 * the token first when it is missing or expires within 60 s (a 401 refresh
 * clears it, so the next call fetches). */
static int oauth_header(http_client *c, const atsb_http_auth *a, int timeout_ms, char **out,
                        atsb_error *err)
{
    int rc = ATSB_OK;
    *out = NULL;
    char *key = str_printf("%s\n%s\n%s", a->token_url ? a->token_url : "",
                           a->user ? a->user : "", a->token_form ? a->token_form : "");
    if (!key)
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    pthread_mutex_lock(&c->lock);
    if (!str_eq(key, c->token_key)) {
        free(c->token);
        c->token = NULL;
        free(c->token_key);
        c->token_key = key;
        key = NULL;
    }
    if (!c->token || c->token_expires - 60 <= time_now())
        rc = oauth_fetch(c, a, timeout_ms, err);
    if (!rc && !(*out = str_printf("Authorization: %s", c->token)))
        rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    pthread_mutex_unlock(&c->lock);
    free(key);
    return rc;
}

/* ---- requests ---------------------------------------------------------- */

int http_request(http_client *c, const atsb_http_request *req, atsb_http_response **out,
                 atsb_error *err)
{
    *out = NULL;
    int rc = ATSB_OK;
    struct curl_slist *base = NULL;
    if (!req || !req->url || !req->method)
        return err_set(err, ATSB_ERR_INTERNAL, "http: request without method or URL");
    if ((rc = http_url_allowed(req->url, err)))
        return rc;
    /* Credentials follow the configuration, never a URL an ATS reply chose
     * (a next-page link, a redirect target). */
    if ((rc = http_check_credentials(c, req, err)))
        return rc;
    char safe_url[1024];
    char what[1100];
    secret_redact_url(req->url, safe_url, sizeof(safe_url));
    snprintf(what, sizeof(what), "%s %s", req->method, safe_url);
    const atsb_http_auth *auth = req->auth;
    int basic = auth && auth->kind == ATSB_AUTH_BASIC;
    http_attempt at = {
        .method = req->method, .url = req->url, .what = what,
        .body = req->body, .body_len = req->body_len,
        .basic_user = basic ? (auth->user ? auth->user : "") : NULL,
        .basic_pass = basic ? auth->password : NULL,
        .oauth = auth && auth->kind == ATSB_AUTH_OAUTH2 ? auth : NULL,
        .timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : c->opts.timeout_ms,
        .idempotent = req->idempotent,
        .pass_500 = ATSB_HAS_FIELD(atsb_http_request, req, pass_500) && req->pass_500,
    };

    /* No header of our own choosing: libcurl would send a body as
     * "Content-Type: application/x-www-form-urlencoded" and add "Expect:
     * 100-continue" to a large one.  A connector that names no type sends
     * none (the SDK says so), and uploads go in one round trip.  An empty
     * "Name:" line tells libcurl to leave its header out; the connector's
     * own headers come after and win. */
    int has_type = 0;
    for (size_t i = 0; i < req->header_count; i++)
        has_type |= req->headers[i].name && !strcasecmp(req->headers[i].name, "Content-Type");
    static const char *const suppress[] = { "Content-Type:", "Expect:" };
    for (size_t i = has_type ? 1 : 0; i < ARRAY_LEN(suppress); i++) {
        struct curl_slist *n = curl_slist_append(base, suppress[i]);
        if (!n) {
            rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
            goto done;
        }
        base = n;
    }
    for (size_t i = 0; i < req->header_count; i++) {
        char *line = str_printf("%s: %s", req->headers[i].name, req->headers[i].value);
        struct curl_slist *n = line ? curl_slist_append(base, line) : NULL;
        free(line);
        if (!n) {
            rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
            goto done;
        }
        base = n;
    }
    at.headers = base;
    if ((rc = attempt_run(c, &at, err)))
        goto done;
    *out = at.resp;
    at.resp = NULL;
done:
    http_response_free(at.resp);
    curl_slist_free_all(base);
    return rc;
}
