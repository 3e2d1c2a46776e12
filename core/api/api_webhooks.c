/* Webhooks: every feed event is POSTed to webhooks.url, at least once and
 * in order per organisation, from the webhook outbox in the store (a cursor
 * per org over the events table, so nothing is copied and a restart
 * resumes where delivery stopped).  A failed delivery holds that org's
 * later events back and is retried with capped exponential backoff.
 *
 * Each POST carries one event (the feed's JSON) and
 *   Atsbridge-Signature: t=UNIX_SECONDS,v1=HEX(HMAC-SHA256(secret, "T." + body))
 * so a receiver checks the signature and rejects an old t (a replay). */
#include "api/api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/secret.h"
#include "base/sha256.h"
#include "net/http.h"

typedef struct wh_ctx {
    api_server *srv;
    store *st;
    http_client *http;
    char *secret;
} wh_ctx;

typedef struct one_event {
    int64_t id;
    char *body;
} one_event;

static int take_event(const store_event *e, void *payload)
{
    one_event *o = payload;
    json_object *j = api_event_json(e);
    o->id = e->id;
    o->body = str_dup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(j);
    return 1;
}

static long backoff_s(const config *cfg, int attempts)
{
    long w = cfg->webhook_retry_base_s;
    for (int i = 1; i < attempts && w < cfg->webhook_retry_cap_s; i++)
        w *= 2;
    return w > cfg->webhook_retry_cap_s ? cfg->webhook_retry_cap_s : w;
}

/* Deliver the org's events in order until one fails or none is left. */
static int deliver_org(int64_t org_id, void *payload)
{
    wh_ctx *w = payload;
    const config *cfg = w->srv->cfg;
    while (!w->srv->stopping) {
        store_webhook_cursor cur;
        if (store_webhook_cursor_get(w->st, org_id, &cur, NULL))
            return 0;
        one_event ev = { 0, NULL };
        store_event_each(w->st, org_id, cur.last_event_id, 1, take_event, &ev, NULL);
        if (!ev.body)
            return 0;
        char ts[24], sig_hdr[160], hex[2 * SHA256_LEN + 1], prefix[32];
        int64_t now = time_now();
        snprintf(ts, sizeof(ts), "%lld", (long long)now);
        snprintf(prefix, sizeof(prefix), "%s.", ts);
        unsigned char mac[SHA256_LEN];
        hmac_sha256_2(w->secret, strlen(w->secret), prefix, strlen(prefix), ev.body,
                      strlen(ev.body), mac);
        hex_encode(mac, SHA256_LEN, hex);
        snprintf(sig_hdr, sizeof(sig_hdr), "t=%s,v1=%s", ts, hex);
        char id_hdr[32];
        snprintf(id_hdr, sizeof(id_hdr), "c%lld", (long long)ev.id);
        atsb_http_header hdrs[] = { { "Content-Type", "application/json" },
                                    { "Atsbridge-Signature", sig_hdr },
                                    { "Atsbridge-Event-Id", id_hdr } };
        atsb_http_request req = { .struct_size = sizeof(req), .method = "POST",
                                  .url = cfg->webhook_url, .headers = hdrs,
                                  .header_count = ARRAY_LEN(hdrs), .body = ev.body,
                                  .body_len = strlen(ev.body),
                                  .timeout_ms = cfg->webhook_timeout_ms, .idempotent = 0 };
        atsb_http_response *resp = NULL;
        atsb_error err = ATSB_ERROR_INIT;
        int rc = http_request(w->http, &req, &resp, &err);
        int status = resp ? resp->status : 0;
        http_response_free(resp);
        free(ev.body);
        if (!rc && status >= 200 && status < 300) {
            store_webhook_delivered(w->st, org_id, ev.id, NULL);
            continue;
        }
        char why[ATSB_ERROR_MESSAGE_MAX];
        if (rc)
            str_copy(why, sizeof(why), err.message);
        else
            snprintf(why, sizeof(why), "the receiver answered HTTP %d", status);
        int attempts = cur.attempts + 1;
        long wait = backoff_s(cfg, attempts);
        store_webhook_failed(w->st, org_id, attempts, now + wait, why, NULL);
        log_warn("webhooks", "event c%lld not delivered (attempt %d; next in %ld s): %s",
                 (long long)ev.id, attempts, wait, why);
        return 0;
    }
    return 0;
}

static void *webhook_main(void *arg)
{
    wh_ctx *w = arg;
    while (!w->srv->stopping) {
        store_webhook_each_due(w->st, time_now(), deliver_org, w, NULL);
        for (int i = 0; i < 5 && !w->srv->stopping; i++) {
            struct timespec ts = { 0, 100 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

int api_webhooks_start(api_server *s, atsb_error *err)
{
    const config *cfg = s->cfg;
    if (http_url_allowed(cfg->webhook_url, err))
        return err_set(err, ATSB_ERR_CONFIG, "webhooks.url: %s", err->message);
    wh_ctx *w = calloc(1, sizeof(*w));
    if (!w)
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    w->srv = s;
    int rc = secret_resolve("webhooks.secret", cfg->webhook_secret, &w->secret, err);
    if (!rc)
        rc = store_open(&w->st, cfg->store_path, err);
    /* One attempt per try: the outbox's own backoff does the retrying. */
    http_opts ho = { .timeout_ms = cfg->webhook_timeout_ms, .max_attempts = 1,
                     .backoff_base_ms = 100, .backoff_cap_ms = 100,
                     .max_response = 65536, .max_rate_wait_s = 0, .rate_limit = 0,
                     .stats_name = "webhooks" };
    if (!rc && !(w->http = http_client_new(&ho, "webhooks", NULL, NULL)))
        rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    if (!rc && pthread_create(&s->webhook_thread, NULL, webhook_main, w) != 0)
        rc = err_set(err, ATSB_ERR_INTERNAL, "cannot start the webhook thread");
    if (rc) {
        http_client_free(w->http);
        store_close(w->st);
        free(w->secret);
        free(w);
        return rc;
    }
    s->webhook_running = 1;
    s->webhook = w;
    return ATSB_OK;
}

void api_webhooks_stop(api_server *s)
{
    if (!s->webhook_running)
        return;
    pthread_join(s->webhook_thread, NULL);
    s->webhook_running = 0;
    wh_ctx *w = s->webhook;
    s->webhook = NULL;
    http_client_free(w->http);
    store_close(w->st);
    free(w->secret);
    free(w);
}
