/* Internal to core/net: one HTTP attempt and the verdict on it.  Both the
 * connector's requests and the OAuth token fetch run through one loop in
 * http.c, and that loop asks classify_attempt() what to do after each try,
 * so the retry policy is written once and unit-tested as a table
 * (tests/unit/test_http_policy.c).  Not part of the SDK. */
#ifndef ATSB_CORE_HTTP_ATTEMPT_H
#define ATSB_CORE_HTTP_ATTEMPT_H

#include <curl/curl.h>

#include "net/http.h"

typedef enum http_verdict {
    HTTP_DONE,            /* a reply for the caller to judge (2xx, 4xx, pass_500) */
    HTTP_RETRY_BACKOFF,   /* try again after capped, jittered backoff */
    HTTP_RETRY_WAIT,      /* try again after the wait the ATS asked for (429) */
    HTTP_RETRY_NEW_TOKEN, /* 401 with OAuth: drop the token, fetch one, try again
                           * at once; not counted as an attempt */
    HTTP_FAIL             /* stop: the error class and message are in err */
} http_verdict;

typedef struct http_attempt {
    /* The request, in; constant across tries. */
    const char *method;
    const char *url;
    const char *what;              /* "GET <redacted url>" or "token endpoint <url>":
                                    * starts every log line and error message */
    struct curl_slist *headers;    /* the caller's; the loop adds the bearer token */
    const void *body;
    size_t body_len;
    const char *basic_user;        /* non-NULL: Basic auth with basic_pass */
    const char *basic_pass;
    const atsb_http_auth *oauth;   /* non-NULL: bearer token, one refresh on 401 */
    int timeout_ms;
    int idempotent;                /* may be repeated once it may have reached the ATS */
    int pass_500;                  /* a 500 is the connector's to judge */

    /* The last try, out (reset by each try). */
    int attempt;                   /* 0-based, counts tries that used an attempt */
    int token_refreshed;           /* the one 401 refresh has been spent */
    CURLcode curl;
    char curl_msg[CURL_ERROR_SIZE];
    int oversize;                  /* the reply passed http.max_response_bytes */
    long status;
    long retry_after_s;            /* from a 429's headers; -1 when none */
    atsb_http_response *resp;      /* owned by the attempt until taken */
} http_attempt;

/* What to do after one try: opts gives max_attempts, max_rate_wait_s and
 * max_response.  *wait_ms is set for HTTP_RETRY_WAIT; err is filled for
 * HTTP_FAIL.  Pure: reads only a and opts. */
http_verdict classify_attempt(const http_attempt *a, const http_opts *opts, long *wait_ms,
                              atsb_error *err);

#endif
