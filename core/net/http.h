/* The host's HTTP service for connectors (libcurl).  It owns the retry
 * policy so no connector repeats one: 429 honours Retry-After /
 * X-RateLimit-Reset, 5xx and network errors get capped exponential backoff
 * with full jitter, a bounded number of attempts.  TLS verification is
 * always on; plain http:// is allowed only to loopback addresses. */
#ifndef ATSB_CORE_HTTP_H
#define ATSB_CORE_HTTP_H

#include <pthread.h>

#include "atsbridge/connector.h"

typedef struct http_opts {
    int timeout_ms;
    int max_attempts;
    int backoff_base_ms;
    int backoff_cap_ms;
    long max_response;
    /* A 429 asking for a longer wait than this ends the request with
     * ATSB_ERR_RATE_LIMITED instead of sleeping, so the caller can record it
     * and come back later. */
    int max_rate_wait_s;
    /* Requests per second this client may send (0: no limit); spaces
     * requests out so a busy sync never bursts past an ATS's quota. */
    int rate_limit;
    /* The name its requests are counted under (http_stats); NULL: the
     * log label. */
    const char *stats_name;
} http_opts;

typedef struct http_client http_client;

/* cancelled(payload) is polled during waits; may be NULL. */
http_client *http_client_new(const http_opts *opts, const char *log_label,
                             int (*cancelled)(void *), void *cancel_payload);
void http_client_free(http_client *c);

/* Allow credentials (OAuth bearer, Basic, a connector's Authorization-like
 * header) to be sent to url's origin (scheme, host, port).  The connection
 * calls it for each of its URL settings.  -1 when url does not parse. */
int http_client_allow_origin(http_client *c, const char *url);
/* ATSB_ERR_CONFIG when req carries credentials to an origin not allowed, or
 * an OAuth token_url outside them; with no origin allowed yet, the first
 * credentialed request pins its own.  Called by http_request; exposed for
 * tests. */
int http_check_credentials(http_client *c, const atsb_http_request *req, atsb_error *err);

int http_request(http_client *c, const atsb_http_request *req, atsb_http_response **out,
                 atsb_error *err);
void http_response_free(atsb_http_response *resp);
/* A response made up by the host itself (tests, the conformance kit). */
atsb_http_response *http_response_fake(int status, const char *body);
/* The same with "Name: value" headers and a binary body (the fuzz targets). */
atsb_http_response *http_response_fake_raw(int status, const char *const *headers,
                                           size_t n_headers, const void *body, size_t len);
const char *http_response_header(const atsb_http_response *resp, const char *name);

/* Exposed for tests: seconds to wait for a 429, from Retry-After (seconds or
 * HTTP-date) or X-RateLimit-Reset (epoch seconds); -1 when neither. */
long http_retry_after(const char *retry_after, const char *ratelimit_reset, int64_t now);
/* Full jitter: uniform in [0, min(cap, base * 2^attempt)]. */
long http_backoff_ms(int attempt, int base_ms, int cap_ms, uint64_t *rng);
/* 0 when url may be fetched: https anywhere, http only to loopback. */
int http_url_allowed(const char *url, atsb_error *err);

/* Per-process request counters (http_stats.c), for GET /metrics. */
void http_stats_note(const char *name, int status);
void http_stats_note_wait(void);
void http_stats_each(int (*cb)(const char *name, int status, long count, void *payload),
                     void *payload);
long http_stats_rate_waits(void);

void http_global_init(void);
void http_global_cleanup(void);

#endif
