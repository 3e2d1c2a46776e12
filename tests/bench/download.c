/* Baseline for `make bench`: the time a plain libcurl loop needs only to
 * download the job pages (token, then GET /v3/jobs following Link), with no
 * parsing or storing.  atsbridge's sync is reported as a ratio of this. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct buf {
    char *data;
    size_t len;
} buf;

static size_t on_body(char *d, size_t s, size_t n, void *ud)
{
    buf *b = ud;
    char *p = realloc(b->data, b->len + s * n + 1);
    if (!p)
        return 0;
    memcpy(p + b->len, d, s * n);
    b->data = p;
    b->len += s * n;
    p[b->len] = '\0';
    return s * n;
}

static size_t on_header(char *d, size_t s, size_t n, void *ud)
{
    char **next = ud;
    size_t len = s * n;
    if (len > 6 && strncasecmp(d, "Link:", 5) == 0) {
        char *lt = memchr(d, '<', len), *gt = lt ? memchr(lt, '>', len - (size_t)(lt - d)) : NULL;
        if (gt && memmem(gt, len - (size_t)(gt - d), "rel=\"next\"", 10)) {
            free(*next);
            *next = strndup(lt + 1, (size_t)(gt - lt - 1));
        }
    }
    return len;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: download BASE_URL PER_PAGE\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *h = curl_easy_init();
    buf tok = { 0 };
    char url[512];
    snprintf(url, sizeof(url), "%s/token", argv[1]);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_USERPWD, "gh-client:gh-secret-value");
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "grant_type=client_credentials&sub=7");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &tok);
    if (curl_easy_perform(h) != CURLE_OK || !tok.data)
        return 1;
    char *at = strstr(tok.data, "\"access_token\":\"");
    if (!at)
        return 1;
    at += 16;
    char auth[256];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %.*s", (int)strcspn(at, "\""), at);
    struct curl_slist *hdrs = curl_slist_append(NULL, auth);
    char *next = NULL;
    snprintf(url, sizeof(url), "%s/v3/jobs?per_page=%s", argv[1], argv[2]);
    char *cur = strdup(url);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long pages = 0;
    size_t bytes = 0;
    while (cur) {
        buf b = { 0 };
        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_URL, cur);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, &next);
        if (curl_easy_perform(h) != CURLE_OK)
            return 1;
        bytes += b.len;
        free(b.data);
        free(cur);
        cur = next;
        next = NULL;
        pages++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%ld %zu %.3f\n", pages, bytes, s);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    free(tok.data);
    curl_global_cleanup();
    return 0;
}
