/* http: the retry policy's pure parts (Retry-After, backoff, URL rules). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/http.h"
#include "net/http_attempt.h"
#include "base/util.h"

static void test_http__retry_after_seconds_date_and_reset(void **state)
{
    (void)state;
    int64_t now = 1734234900; /* 2024-12-15T03:55:00Z */
    assert_int_equal(http_retry_after("7", NULL, now), 7);
    assert_int_equal(http_retry_after("Sun, 15 Dec 2024 03:55:30 GMT", NULL, now), 30);
    assert_int_equal(http_retry_after(NULL, "1734234912", now), 12);
    assert_int_equal(http_retry_after(NULL, "1734234000", now), 0); /* reset in the past */
    assert_int_equal(http_retry_after("3", "1734234999", now), 3); /* Retry-After wins */
    assert_int_equal(http_retry_after(NULL, NULL, now), -1);
    assert_int_equal(http_retry_after("soon", NULL, now), -1);
}

static void test_http__full_jitter_backoff_stays_under_cap(void **state)
{
    (void)state;
    uint64_t rng = 42;
    long max_seen = 0;
    for (int attempt = 0; attempt < 20; attempt++) {
        for (int i = 0; i < 200; i++) {
            long w = http_backoff_ms(attempt, 100, 5000, &rng);
            long ceiling = 100L << (attempt > 6 ? 6 : attempt);
            if (ceiling > 5000)
                ceiling = 5000;
            assert_true(w >= 0 && w <= ceiling);
            if (w > max_seen)
                max_seen = w;
        }
    }
    assert_true(max_seen > 2500); /* jitter spreads up to the cap */
}

static void test_http__tls_only_except_loopback(void **state)
{
    (void)state;
    atsb_error err = ATSB_ERROR_INIT;
    assert_int_equal(http_url_allowed("https://harvest.greenhouse.io/v3/jobs", &err), 0);
    assert_int_equal(http_url_allowed("http://127.0.0.1:8080/v3/jobs", &err), 0);
    assert_int_equal(http_url_allowed("http://localhost:1/x", &err), 0);
    assert_int_equal(http_url_allowed("http://harvest.greenhouse.io/v3/jobs", &err),
                     ATSB_ERR_CONFIG);
    assert_non_null(strstr(err.message, "refusing plain http://"));
    assert_int_equal(http_url_allowed("ftp://x/y", &err), ATSB_ERR_CONFIG);
    assert_int_equal(http_url_allowed("not a url", &err), ATSB_ERR_CONFIG);
}

/* A name that merely starts with "127." is a DNS name anyone can point
 * anywhere: only addresses that parse as loopback may use plain http. */
static void test_http__plain_http_only_to_real_loopback_addresses(void **state)
{
    (void)state;
    atsb_error err = ATSB_ERROR_INIT;
    assert_int_equal(http_url_allowed("http://127.0.0.2:9/x", &err), 0);
    assert_int_equal(http_url_allowed("http://127.255.255.254/x", &err), 0);
    assert_int_equal(http_url_allowed("http://[::1]:8080/x", &err), 0);
    assert_int_equal(http_url_allowed("http://127.attacker.example/x", &err), ATSB_ERR_CONFIG);
    assert_non_null(strstr(err.message, "127.attacker.example"));
    assert_int_equal(http_url_allowed("http://127.0.0.1.nip.io/x", &err), ATSB_ERR_CONFIG);
    assert_int_equal(http_url_allowed("http://127.0.0.1@evil.example/x", &err), ATSB_ERR_CONFIG);
    assert_int_equal(http_url_allowed("http://localhost.evil.example/x", &err), ATSB_ERR_CONFIG);
    assert_int_equal(http_url_allowed("http://128.0.0.1/x", &err), ATSB_ERR_CONFIG);
    assert_int_equal(http_url_allowed("http://[::2]/x", &err), ATSB_ERR_CONFIG);
    assert_int_equal(http_url_allowed("http://[::ffff:10.0.0.1]/x", &err), ATSB_ERR_CONFIG);
    assert_int_equal(http_url_allowed("http://LocalHost/x", &err), 0); /* names are case-blind */
}

static http_client *client(void)
{
    http_opts o = { 2000, 1, 1, 1, 1 << 20, 1, 0, NULL };
    http_client *c = http_client_new(&o, "test", NULL, NULL);
    assert_non_null(c);
    return c;
}

/* A next-page URL from an ATS reply must not take our credentials along:
 * only the origins the connection's URL settings name receive them. */
static void test_http__credentials_only_to_configured_origins(void **state)
{
    (void)state;
    atsb_error err = ATSB_ERROR_INIT;
    http_client *c = client();
    assert_int_equal(http_client_allow_origin(c, "http://127.0.0.1:8080/base"), 0);
    assert_int_equal(http_client_allow_origin(c, "https://Auth.Example.com/token"), 0);
    atsb_http_auth oauth = { .struct_size = sizeof(oauth), .kind = ATSB_AUTH_OAUTH2,
                             .user = "id", .password = "pw",
                             .token_url = "https://auth.example.com:443/token" };
    atsb_http_auth basic = { .struct_size = sizeof(basic), .kind = ATSB_AUTH_BASIC,
                             .user = "key", .password = "" };
    atsb_http_header own[] = { { "Accept", "application/json" }, { "X-Api-Key", "k" } };
    atsb_http_request r = { .struct_size = sizeof(r), .method = "GET",
                            .url = "http://127.0.0.1:8080/v3/jobs?cursor=x", .auth = &oauth };
    assert_int_equal(http_check_credentials(c, &r, &err), 0);
    r.url = "http://127.0.0.2:8080/v3/jobs?cursor=x";
    assert_int_equal(http_check_credentials(c, &r, &err), ATSB_ERR_CONFIG);
    assert_non_null(strstr(err.message, "refusing to send credentials to http://127.0.0.2:8080"));
    assert_non_null(strstr(err.message, "http://127.0.0.1:8080"));
    r.url = "http://127.0.0.1:8081/v3/jobs";          /* another port */
    assert_int_equal(http_check_credentials(c, &r, &err), ATSB_ERR_CONFIG);
    r.url = "http://127.0.0.1:8080@evil.example/v3/jobs"; /* userinfo trick */
    assert_int_equal(http_check_credentials(c, &r, &err), ATSB_ERR_CONFIG);
    r.url = "http://127.0.0.1:8080/v3/jobs";
    r.auth = &basic;
    assert_int_equal(http_check_credentials(c, &r, &err), 0);
    r.url = "https://evil.example/v3/jobs";
    assert_int_equal(http_check_credentials(c, &r, &err), ATSB_ERR_CONFIG);
    /* The connector's own credential header is held to the same rule. */
    r.auth = NULL;
    r.headers = own;
    r.header_count = 2;
    assert_int_equal(http_check_credentials(c, &r, &err), ATSB_ERR_CONFIG);
    r.header_count = 1; /* no credential at all: any https origin */
    assert_int_equal(http_check_credentials(c, &r, &err), 0);
    /* The client secret goes to token_url: it must be configured too. */
    oauth.token_url = "https://auth.evil.example/token";
    r.auth = &oauth;
    r.url = "http://127.0.0.1:8080/v3/jobs";
    assert_int_equal(http_check_credentials(c, &r, &err), ATSB_ERR_CONFIG);
    assert_non_null(strstr(err.message, "auth.evil.example"));
    assert_null(strstr(err.message, "pw"));
    http_client_free(c);
}

/* A connector without URL settings: its first credentialed request (made
 * from its own code) pins the origins. */
static void test_http__credentials_pinned_to_first_origin_without_url_settings(void **state)
{
    (void)state;
    atsb_error err = ATSB_ERROR_INIT;
    http_client *c = client();
    atsb_http_header own[] = { { "Authorization", "Bearer k" } };
    atsb_http_request r = { .struct_size = sizeof(r), .method = "GET",
                            .url = "https://api.example.com/jobs", .headers = own,
                            .header_count = 1 };
    assert_int_equal(http_check_credentials(c, &r, &err), 0);
    r.url = "https://api.example.com:443/jobs?page=2";
    assert_int_equal(http_check_credentials(c, &r, &err), 0);
    r.url = "https://api.example.com.evil.example/jobs?page=2";
    assert_int_equal(http_check_credentials(c, &r, &err), ATSB_ERR_CONFIG);
    http_client_free(c);
}

/* A one-shot HTTP server on loopback: reads one request whole (headers and
 * Content-Length bytes of body), keeps it, answers 200. */
typedef struct one_shot {
    int listen_fd;
    char req[300000];
    size_t len;
} one_shot;

static void *one_shot_run(void *arg)
{
    one_shot *o = arg;
    int fd = accept(o->listen_fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    size_t want = 0;
    for (;;) {
        ssize_t n = read(fd, o->req + o->len, sizeof(o->req) - 1 - o->len);
        if (n <= 0)
            break;
        o->len += (size_t)n;
        o->req[o->len] = '\0';
        char *end = strstr(o->req, "\r\n\r\n");
        if (end && !want) {
            const char *cl = strcasestr(o->req, "\r\nContent-Length:");
            want = (size_t)(end + 4 - o->req) + (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
        }
        if (want && o->len >= want)
            break;
    }
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    if (write(fd, reply, sizeof(reply) - 1) < 0)
        (void)0;
    close(fd);
    return NULL;
}

static void test_http__body_is_binary_and_no_default_content_type(void **state)
{
    (void)state;
    static one_shot o;
    memset(&o, 0, sizeof(o));
    o.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof(a);
    assert_int_equal(bind(o.listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(o.listen_fd, 1), 0);
    assert_int_equal(getsockname(o.listen_fd, (struct sockaddr *)&a, &al), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, one_shot_run, &o), 0);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/upload", (unsigned)ntohs(a.sin_port));
    /* 100 KB with NULs: large enough that libcurl would add Expect. */
    static unsigned char body[100000];
    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = (unsigned char)(i % 5 ? i : 0);
    http_opts ho = { .timeout_ms = 5000, .max_attempts = 1, .backoff_base_ms = 10,
                     .backoff_cap_ms = 10, .max_response = 1 << 20 };
    http_client *c = http_client_new(&ho, "test", NULL, NULL);
    atsb_http_request r = { .struct_size = sizeof(r), .method = "POST", .url = url,
                            .body = body, .body_len = sizeof(body) };
    atsb_http_response *resp = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    int rc = http_request(c, &r, &resp, &err);
    pthread_join(t, NULL);
    close(o.listen_fd);
    if (rc)
        print_error("http_request: %s\n", err.message);
    assert_int_equal(rc, ATSB_OK);
    assert_int_equal(resp->status, 200);
    http_response_free(resp);
    http_client_free(c);
    char *end = memmem(o.req, o.len, "\r\n\r\n", 4);
    assert_non_null(end);
    *end = '\0';
    if (strcasestr(o.req, "\r\nContent-Type:") || strcasestr(o.req, "\r\nExpect:"))
        print_error("headers sent:\n%s\n", o.req);
    assert_null(strcasestr(o.req, "\r\nContent-Type:"));
    assert_null(strcasestr(o.req, "\r\nExpect:"));
    assert_int_equal(o.len - (size_t)(end + 4 - o.req), sizeof(body));
    assert_memory_equal(end + 4, body, sizeof(body));
}

/* The one retry policy, as a table: what each outcome of a try leads to,
 * for a read (idempotent) and a create, on a middle and on the last try. */
typedef struct classify_case {
    const char *name;
    int idempotent, pass_500, oauth, token_refreshed, attempt; /* of max_attempts 3 */
    CURLcode curl;
    int oversize;
    long status, retry_after_s;
    http_verdict want;
    int want_code;      /* for HTTP_FAIL */
    long want_wait_ms;  /* for HTTP_RETRY_WAIT */
    const char *want_msg;
} classify_case;

static const classify_case classify_cases[] = {
    { "200 is done", 1, 0, 0, 0, 0, CURLE_OK, 0, 200, -1, HTTP_DONE, 0, 0, NULL },
    { "404 is the connector's to judge", 0, 0, 0, 0, 0, CURLE_OK, 0, 404, -1, HTTP_DONE, 0, 0,
      NULL },
    { "401 without OAuth is the connector's", 1, 0, 0, 0, 0, CURLE_OK, 0, 401, -1, HTTP_DONE,
      0, 0, NULL },
    { "401 with OAuth refreshes the token", 0, 0, 1, 0, 2, CURLE_OK, 0, 401, -1,
      HTTP_RETRY_NEW_TOKEN, 0, 0, NULL },
    { "a second 401 with OAuth is the connector's", 1, 0, 1, 1, 0, CURLE_OK, 0, 401, -1,
      HTTP_DONE, 0, 0, NULL },
    { "429 waits Retry-After, even a create", 0, 0, 0, 0, 0, CURLE_OK, 0, 429, 7,
      HTTP_RETRY_WAIT, 0, 7000, NULL },
    { "429 without a header waits 1 s", 1, 0, 0, 0, 0, CURLE_OK, 0, 429, -1, HTTP_RETRY_WAIT,
      0, 1000, NULL },
    { "429 longer than max_rate_wait_s fails", 1, 0, 0, 0, 0, CURLE_OK, 0, 429, 121, HTTP_FAIL,
      ATSB_ERR_RATE_LIMITED, 0, "rate limited by the ATS (HTTP 429, retry after 121 s)" },
    { "429 on the last try fails", 1, 0, 0, 0, 2, CURLE_OK, 0, 429, 5, HTTP_FAIL,
      ATSB_ERR_RATE_LIMITED, 0, "retry after 5 s" },
    { "503 on a read backs off", 1, 0, 0, 0, 1, CURLE_OK, 0, 503, -1, HTTP_RETRY_BACKOFF, 0, 0,
      NULL },
    { "503 on the last try fails", 1, 0, 0, 0, 2, CURLE_OK, 0, 503, -1, HTTP_FAIL,
      ATSB_ERR_TRANSIENT, 0, "HTTP 503 from the ATS (after retries)" },
    { "503 on a create is never repeated", 0, 0, 0, 0, 0, CURLE_OK, 0, 503, -1, HTTP_FAIL,
      ATSB_ERR_TRANSIENT, 0, "HTTP 503 from the ATS" },
    { "500 with pass_500 is the connector's", 0, 1, 0, 0, 0, CURLE_OK, 0, 500, -1, HTTP_DONE, 0,
      0, NULL },
    { "502 with pass_500 still backs off", 1, 1, 0, 0, 0, CURLE_OK, 0, 502, -1,
      HTTP_RETRY_BACKOFF, 0, 0, NULL },
    { "a timeout on a read backs off", 1, 0, 0, 0, 0, CURLE_OPERATION_TIMEDOUT, 0, 0, -1,
      HTTP_RETRY_BACKOFF, 0, 0, NULL },
    { "a timeout on a create may have reached the ATS", 0, 0, 0, 0, 0,
      CURLE_OPERATION_TIMEDOUT, 0, 0, -1, HTTP_FAIL, ATSB_ERR_TRANSIENT, 0, NULL },
    { "a lost reply on a create is never repeated", 0, 0, 0, 0, 0, CURLE_GOT_NOTHING, 0, 0, -1,
      HTTP_FAIL, ATSB_ERR_TRANSIENT, 0, NULL },
    { "a refused connection is repeated for a create", 0, 0, 0, 0, 0, CURLE_COULDNT_CONNECT, 0,
      0, -1, HTTP_RETRY_BACKOFF, 0, 0, NULL },
    { "an unresolved host is repeated for a create", 0, 0, 0, 0, 1, CURLE_COULDNT_RESOLVE_HOST,
      0, 0, -1, HTTP_RETRY_BACKOFF, 0, 0, NULL },
    { "a refused connection on the last try fails", 1, 0, 0, 0, 2, CURLE_COULDNT_CONNECT, 0, 0,
      -1, HTTP_FAIL, ATSB_ERR_TRANSIENT, 0, "(after retries)" },
    { "an oversize reply is permanent", 1, 0, 0, 0, 0, CURLE_WRITE_ERROR, 1, 200, -1, HTTP_FAIL,
      ATSB_ERR_PERMANENT, 0, "larger than http.max_response_bytes (1048576)" },
    { "a stop request cancels", 1, 0, 0, 0, 0, CURLE_ABORTED_BY_CALLBACK, 0, 0, -1, HTTP_FAIL,
      ATSB_ERR_CANCELLED, 0, "stopped" },
};

static void test_http__classify_attempt_table(void **state)
{
    (void)state;
    http_opts o = { .timeout_ms = 1000, .max_attempts = 3, .backoff_base_ms = 10,
                    .backoff_cap_ms = 100, .max_response = 1 << 20, .max_rate_wait_s = 120 };
    atsb_http_auth oauth = { .struct_size = sizeof(oauth), .kind = ATSB_AUTH_OAUTH2 };
    int failed = 0;
    for (size_t i = 0; i < ARRAY_LEN(classify_cases); i++) {
        const classify_case *k = &classify_cases[i];
        http_attempt a = { .method = "POST", .url = "https://ats.example/x",
                           .what = "POST https://ats.example/x", .idempotent = k->idempotent,
                           .pass_500 = k->pass_500, .oauth = k->oauth ? &oauth : NULL,
                           .token_refreshed = k->token_refreshed, .attempt = k->attempt,
                           .curl = k->curl, .oversize = k->oversize, .status = k->status,
                           .retry_after_s = k->retry_after_s };
        atsb_error err = ATSB_ERROR_INIT;
        long wait = -1;
        http_verdict v = classify_attempt(&a, &o, &wait, &err);
        int ok = v == k->want && (v != HTTP_FAIL || err.code == k->want_code) &&
                 (v != HTTP_RETRY_WAIT || wait == k->want_wait_ms) &&
                 (!k->want_msg || strstr(err.message, k->want_msg));
        if (!ok) {
            print_error("%s: expected verdict %d code %d wait %ld msg \"%s\"; got verdict %d "
                        "code %d wait %ld msg \"%s\"\n", k->name, k->want, k->want_code,
                        k->want_wait_ms, k->want_msg ? k->want_msg : "", v, err.code, wait,
                        err.message);
            failed++;
        }
        if (v == HTTP_FAIL && k->status == 429 && (err.http_status != 429 ||
                                                   err.retry_after_s != (int)k->retry_after_s)) {
            print_error("%s: expected http_status 429 and retry_after_s %ld; got %d and %d\n",
                        k->name, k->retry_after_s, err.http_status, err.retry_after_s);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

/* The token endpoint is classified like any request: its 429 wait is
 * capped by max_rate_wait_s (it used to sleep whatever it was told), and
 * a 401 from it is the caller's to judge, never a token refresh. */
static void test_http__token_endpoint_429_wait_is_capped(void **state)
{
    (void)state;
    http_opts o = { .timeout_ms = 1000, .max_attempts = 5, .max_response = 1 << 20,
                    .max_rate_wait_s = 120 };
    http_attempt a = { .method = "POST", .what = "token endpoint https://auth.example/token",
                       .idempotent = 1, .status = 429, .retry_after_s = 3600 };
    atsb_error err = ATSB_ERROR_INIT;
    long wait = 0;
    assert_int_equal(classify_attempt(&a, &o, &wait, &err), HTTP_FAIL);
    assert_int_equal(err.code, ATSB_ERR_RATE_LIMITED);
    assert_int_equal(err.retry_after_s, 3600);
    assert_non_null(strstr(err.message, "token endpoint https://auth.example/token"));
    a.status = 401;
    assert_int_equal(classify_attempt(&a, &o, &wait, &err), HTTP_DONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http__retry_after_seconds_date_and_reset),
        cmocka_unit_test(test_http__full_jitter_backoff_stays_under_cap),
        cmocka_unit_test(test_http__tls_only_except_loopback),
        cmocka_unit_test(test_http__plain_http_only_to_real_loopback_addresses),
        cmocka_unit_test(test_http__credentials_only_to_configured_origins),
        cmocka_unit_test(test_http__credentials_pinned_to_first_origin_without_url_settings),
        cmocka_unit_test(test_http__body_is_binary_and_no_default_content_type),
        cmocka_unit_test(test_http__classify_attempt_table),
        cmocka_unit_test(test_http__token_endpoint_429_wait_is_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
