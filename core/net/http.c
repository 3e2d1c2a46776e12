#include "net/http.h"

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

typedef struct attempt_result {
    CURLcode curl;
    char curl_msg[CURL_ERROR_SIZE];
    long status;
} attempt_result;

static int sleep_ms(http_client *c, long ms);

static http_resp_impl *perform(http_client *c, const char *method, const char *url,
                               struct curl_slist *hdrs, const void *body, size_t body_len,
                               const char *basic_user, const char *basic_pass,
                               int timeout_ms, int idempotent, attempt_result *ar)
{
    CURL *h = c->curl;
    if (c->opts.rate_limit > 0) {
        long gap = 1000 / c->opts.rate_limit - (long)(time_now_ms() - c->last_request_ms);
        if (gap > 0)
            sleep_ms(c, gap);
        c->last_request_ms = time_now_ms();
    }
    http_resp_impl *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    sb_init(&r->body);
    r->max = c->opts.max_response;
    r->pub.struct_size = sizeof(r->pub);
    memset(ar, 0, sizeof(*ar));
    /* reset keeps the connection cache, so connections are reused. */
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms < 10000 ? timeout_ms : 10000));
    curl_easy_setopt(h, CURLOPT_USERAGENT, "atsbridge/" ATSB_VERSION);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ar->curl_msg);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
    if (!idempotent) {
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
    if (basic_user) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, basic_user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, basic_pass ? basic_pass : "");
    }
    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        if (body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
            strcmp(method, "PATCH") == 0) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
        }
    }
    ar->curl = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &ar->status);
    r->pub.status = (int)ar->status;
    r->pub.body = r->body.data ? r->body.data : "";
    r->pub.body_len = r->body.len;
    return r;
}

/* ---- OAuth2 ------------------------------------------------------------ */

static int oauth_fetch(http_client *c, const atsb_http_auth *a, int timeout_ms,
                       atsb_error *err)
{
    int rc = ATSB_OK;
    char *form = NULL;
    json_object *doc = NULL;
    http_resp_impl *r = NULL;
    struct curl_slist *hdrs = NULL;
    char safe_url[512];
    secret_redact_url(a->token_url, safe_url, sizeof(safe_url));
    if ((rc = http_url_allowed(a->token_url, err)))
        return rc;
    const char *extra = a->token_form ? a->token_form : "";
    if (strstr(extra, "grant_type="))
        form = str_dup(extra);
    else
        form = str_printf("grant_type=client_credentials%s%s", *extra ? "&" : "", extra);
    hdrs = curl_slist_append(hdrs, "Content-Type: application/x-www-form-urlencoded");
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    if (!form || !hdrs) {
        rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
        goto done;
    }
    attempt_result ar;
    for (int attempt = 0;; attempt++) {
        http_response_free(r ? &r->pub : NULL);
        r = NULL;
        int64_t t0 = time_now_ms();
        /* A token request is safe to repeat: a second token is harmless. */
        r = perform(c, "POST", a->token_url, hdrs, form, strlen(form), a->user,
                    a->password, timeout_ms, 1, &ar);
        if (!r) {
            rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
            goto done;
        }
        log_info(c->label, "POST %s -> %ld in %lld ms (token)", safe_url, ar.status,
                 (long long)(time_now_ms() - t0));
        int retry = ar.curl != CURLE_OK || ar.status == 429 || ar.status >= 500;
        if (!retry || attempt + 1 >= c->opts.max_attempts)
            break;
        long wait = ar.status == 429
                        ? http_retry_after(http_response_header(&r->pub, "Retry-After"),
                                           NULL, time_now()) * 1000
                        : -1;
        if (wait < 0)
            wait = http_backoff_ms(attempt, c->opts.backoff_base_ms, c->opts.backoff_cap_ms,
                                   &c->rng);
        if (sleep_ms(c, wait) < 0) {
            rc = err_set(err, ATSB_ERR_CANCELLED, "cancelled while fetching a token");
            goto done;
        }
    }
    if (ar.curl != CURLE_OK) {
        rc = err_set(err, ATSB_ERR_TRANSIENT, "token endpoint %s: %s", safe_url,
                     ar.curl_msg[0] ? ar.curl_msg : curl_easy_strerror(ar.curl));
        goto done;
    }
    doc = json_tokener_parse(r->pub.body);
    if (ar.status == 400 || ar.status == 401 || ar.status == 403) {
        /* Quote only the RFC 6749 error code: some token endpoints echo the
         * client id back in their message, and it stays out of our logs. */
        json_object *e = NULL;
        const char *code = doc && json_object_object_get_ex(doc, "error", &e)
                               ? json_object_get_string(e) : NULL;
        rc = err_set(err, ATSB_ERR_AUTH,
                     "the token endpoint %s refused the client credentials (HTTP %ld%s%s); "
                     "check client_id and client_secret",
                     safe_url, ar.status, code ? ": " : "", code ? code : "");
        err->http_status = (int)ar.status;
        goto done;
    }
    if (ar.status == 429) {
        rc = err_set(err, ATSB_ERR_RATE_LIMITED, "token endpoint %s: rate limited", safe_url);
        goto done;
    }
    if (ar.status < 200 || ar.status >= 300) {
        rc = err_set(err, ATSB_ERR_TRANSIENT, "token endpoint %s: HTTP %ld", safe_url,
                     ar.status);
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
    http_response_free(r ? &r->pub : NULL);
    curl_slist_free_all(hdrs);
    free(form);
    return rc;
}

/* Copy the current "Authorization: Bearer ..." header for this auth, fetching
 * or refreshing the token first when it is missing or expires within 60 s. */
static int oauth_header(http_client *c, const atsb_http_auth *a, int force, int timeout_ms,
                        char **out, atsb_error *err)
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
    if (force || !c->token || c->token_expires - 60 <= time_now())
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
    struct curl_slist *base = NULL, *hdrs = NULL;
    char *auth_hdr = NULL;
    http_resp_impl *r = NULL;
    if (!req || !req->url || !req->method)
        return err_set(err, ATSB_ERR_INTERNAL, "http: request without method or URL");
    if ((rc = http_url_allowed(req->url, err)))
        return rc;
    /* Credentials follow the configuration, never a URL an ATS reply chose
     * (a next-page link, a redirect target). */
    if ((rc = http_check_credentials(c, req, err)))
        return rc;
    char safe_url[1024];
    secret_redact_url(req->url, safe_url, sizeof(safe_url));
    int timeout = req->timeout_ms > 0 ? req->timeout_ms : c->opts.timeout_ms;
    const atsb_http_auth *auth = req->auth;
    int oauth = auth && auth->kind == ATSB_AUTH_OAUTH2;
    int oauth_retried = 0;

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

    for (int attempt = 0;; attempt++) {
        if (c->cancelled && c->cancelled(c->cancel_payload)) {
            rc = err_set(err, ATSB_ERR_CANCELLED, "cancelled");
            goto done;
        }
        curl_slist_free_all(hdrs);
        hdrs = NULL;
        for (struct curl_slist *p = base; p; p = p->next)
            if (!(hdrs = curl_slist_append(hdrs, p->data))) {
                rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
                goto done;
            }
        if (oauth) {
            free(auth_hdr);
            if ((rc = oauth_header(c, auth, 0, timeout, &auth_hdr, err)))
                goto done;
            struct curl_slist *n = curl_slist_append(hdrs, auth_hdr);
            if (!n) {
                rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
                goto done;
            }
            hdrs = n;
        }
        http_response_free(r ? &r->pub : NULL);
        attempt_result ar;
        int64_t t0 = time_now_ms();
        int basic = auth && auth->kind == ATSB_AUTH_BASIC;
        r = perform(c, req->method, req->url, hdrs, req->body, req->body_len,
                    basic ? (auth->user ? auth->user : "") : NULL,
                    basic ? auth->password : NULL, timeout, req->idempotent, &ar);
        if (!r) {
            rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
            goto done;
        }
        long ms = (long)(time_now_ms() - t0);
        if (ar.curl != CURLE_OK)
            log_info(c->label, "%s %s -> %s in %ld ms", req->method, safe_url,
                     r->oversize ? "response too large" : curl_easy_strerror(ar.curl), ms);
        else
            log_info(c->label, "%s %s -> %ld in %ld ms", req->method, safe_url, ar.status, ms);

        int last = attempt + 1 >= c->opts.max_attempts;
        if (r->oversize) {
            rc = err_set(err, ATSB_ERR_PERMANENT,
                         "%s %s: response larger than http.max_response_bytes (%ld)",
                         req->method, safe_url, c->opts.max_response);
            goto done;
        }
        if (ar.curl == CURLE_ABORTED_BY_CALLBACK) {
            rc = err_set(err, ATSB_ERR_CANCELLED, "%s %s: stopped", req->method, safe_url);
            goto done;
        }
        if (ar.curl != CURLE_OK) {
            /* A refused connection never reached the ATS: safe to repeat even
             * for a create.  Anything later may have been acted upon. */
            int never_sent = ar.curl == CURLE_COULDNT_CONNECT ||
                             ar.curl == CURLE_COULDNT_RESOLVE_HOST;
            if (last || (!req->idempotent && !never_sent)) {
                rc = err_set(err, ATSB_ERR_TRANSIENT, "%s %s: %s%s", req->method, safe_url,
                             ar.curl_msg[0] ? ar.curl_msg : curl_easy_strerror(ar.curl),
                             req->idempotent ? " (after retries)" : "");
                goto done;
            }
        } else if (ar.status == 401 && oauth && !oauth_retried) {
            /* The token may have been revoked or expired early: fetch a new
             * one once, then let the connector judge a second 401. */
            oauth_retried = 1;
            free(auth_hdr);
            auth_hdr = NULL;
            pthread_mutex_lock(&c->lock);
            free(c->token);
            c->token = NULL;
            pthread_mutex_unlock(&c->lock);
            attempt--;
            continue;
        } else if (ar.status == 429) {
            long wait = http_retry_after(http_response_header(&r->pub, "Retry-After"),
                                         http_response_header(&r->pub, "X-RateLimit-Reset"),
                                         time_now());
            if (last || wait > c->opts.max_rate_wait_s) {
                rc = err_set(err, ATSB_ERR_RATE_LIMITED,
                             "%s %s: rate limited by the ATS (HTTP 429, retry after %ld s)",
                             req->method, safe_url, wait < 0 ? 0 : wait);
                err->retry_after_s = wait < 0 ? 0 : (int)wait;
                err->http_status = 429;
                goto done;
            }
            log_warn(c->label, "rate limited; waiting %ld s as the ATS asked", wait < 0 ? 1 : wait);
            if (sleep_ms(c, wait < 0 ? 1000 : wait * 1000) < 0) {
                rc = err_set(err, ATSB_ERR_CANCELLED, "cancelled");
                goto done;
            }
            continue;
        } else if (ar.status >= 500 &&
                   !(ar.status == 500 && ATSB_HAS_FIELD(atsb_http_request, req, pass_500) &&
                     req->pass_500)) {
            if (last || !req->idempotent) {
                rc = err_set(err, ATSB_ERR_TRANSIENT, "%s %s: HTTP %ld from the ATS%s",
                             req->method, safe_url, ar.status,
                             req->idempotent ? " (after retries)" : "");
                err->http_status = (int)ar.status;
                goto done;
            }
        } else {
            *out = &r->pub;
            r = NULL;
            goto done;
        }
        long wait = http_backoff_ms(attempt, c->opts.backoff_base_ms, c->opts.backoff_cap_ms,
                                    &c->rng);
        log_debug(c->label, "retrying in %ld ms (attempt %d of %d)", wait, attempt + 2,
                  c->opts.max_attempts);
        if (sleep_ms(c, wait) < 0) {
            rc = err_set(err, ATSB_ERR_CANCELLED, "cancelled");
            goto done;
        }
    }
done:
    http_response_free(r ? &r->pub : NULL);
    curl_slist_free_all(base);
    curl_slist_free_all(hdrs);
    free(auth_hdr);
    return rc;
}
