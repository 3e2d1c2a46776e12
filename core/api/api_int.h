/* Private to core/api/. */
#ifndef ATSB_CORE_API_INT_H
#define ATSB_CORE_API_INT_H

#include <json-c/json.h>
#include <microhttpd.h>
#include <pthread.h>

#include "api/api.h"
#include "base/util.h"
#include "store/store.h"

#define API_BUCKETS 1024
#define API_TOKEN_CACHE 64

/* A token already verified against a stored hash: a request presenting the
 * same token while the row still holds that hash skips the SHA-256. */
typedef struct api_token_seen {
    char token[API_TOKEN_LEN + 1];
    char hash[65];
} api_token_seen;

typedef struct api_bucket {
    int64_t token_id;
    double tokens;
    int64_t at_ms;
} api_bucket;

struct api_server {
    struct MHD_Daemon *mhd;
    const config *cfg;
    const plugin_registry *reg;
    char base_url[300];
    /* Store handles, one per request in flight (a handle is not shared
     * across threads mid-transaction). */
    pthread_mutex_t pool_lock;
    pthread_cond_t pool_cond;
    store **pool;      /* store.pool_size handles at most */
    int pool_max;
    int n_free, n_open;
    /* Per-token rate limiting: a token bucket per token. */
    pthread_mutex_t rl_lock;
    api_bucket buckets[API_BUCKETS];
    /* Verified tokens, slot by public id (api_auth.c). */
    pthread_mutex_t tok_lock;
    api_token_seen seen[API_TOKEN_CACHE];
    /* Request counters for /metrics, by status class. */
    pthread_mutex_t stat_lock;
    long requests[6];
    /* Webhook delivery. */
    pthread_t webhook_thread;
    int webhook_running;
    void *webhook;            /* api_webhooks.c's state */
    volatile int stopping;
    /* Background job syncs started by POST .../syncs. */
    int syncs_running;
};

typedef struct api_req {
    api_server *srv;
    struct MHD_Connection *conn;
    const char *method, *url;
    strbuf body;
    int too_large;
    store *st;               /* acquired for the handler */
    store_token tok;         /* the caller (when the route needs one) */
    int authed;
    const char *params[3];   /* {org}, {id}... in route order */
    int n_params;
    /* The answer. */
    int status;
    char *out;
    size_t out_len;
    const char *content_type;
    char retry_after[24];
    char allow[64];
    char location[256];
    int www_auth;
    int console;             /* a console file: the page's headers, not the API's */
} api_req;

typedef int (*api_handler)(api_req *r);

/* ---- routes (api_route.c) ---- */
typedef struct api_route {
    const char *method;
    const char *pattern;     /* "/v1/orgs/{org}/jobs/{job}" */
    api_handler fn;
    int auth;                /* 0 none, 1 read, 2 write, 3 write with an unscoped token */
} api_route;
extern const api_route API_ROUTES[];
extern const size_t API_N_ROUTES;
/* The route for method+path; NULL with *path_known set when only the
 * method is wrong (then allow lists the methods). */
const api_route *api_route_match(const char *method, const char *path, api_req *r,
                                 int *path_known, char *allow, size_t allow_size);

/* ---- answers (api_problem.c, api_json.c) ---- */
/* RFC 9457 problem+json; field may be NULL.  Returns 0 so handlers can
 * `return api_problem(...)`. */
int api_problem(api_req *r, int status, const char *kind, const char *field,
                const char *fmt, ...) ATSB_PRINTF(5, 6);
/* The problem for a store/sync error code. */
int api_fail(api_req *r, int code, const char *message);
/* Reply with obj (released). */
int api_json_reply(api_req *r, int status, json_object *obj);
/* The request body as one JSON object; answers 400/415 and returns NULL
 * when it is not. */
json_object *api_json_body(api_req *r);
/* Refuse members not in allowed (NULL-terminated): 422 naming the first. */
int api_json_only(api_req *r, json_object *o, const char *const *allowed);
/* Typed members: -1 after answering 422 when present with the wrong type
 * (or absent and required); 0 with *out NULL when absent. */
int api_json_str(api_req *r, json_object *o, const char *name, int required, const char **out);
int api_json_int(api_req *r, json_object *o, const char *name, int64_t min, int64_t max,
                 int *present, int64_t *out);
int api_json_bool(api_req *r, json_object *o, const char *name, int *present, int *out);
/* Query parameters. */
const char *api_query(api_req *r, const char *name);
/* limit=N (1..max, default def); -1 after answering 400. */
int api_query_limit(api_req *r, int def, int max);
/* A cursor: the opaque string is "c" + decimal id; -1 after answering 400. */
int api_query_cursor(api_req *r, const char *name, int64_t *out);
json_object *api_cursor_json(int64_t id);
/* A page of a listing: items, and the cursor after the last one. */
typedef struct api_page {
    json_object *items;
    int64_t last;
    int n;
} api_page;
void api_page_init(api_page *p);
/* The org, limit, cursor and state=S (one of states, NULL-terminated) of
 * a listing under /v1/orgs/{org}; -1 after answering. */
int api_list_args(api_req *r, store_org *o, int *limit, int64_t *after, const char **state,
                  const char *const *states);
void api_page_add(api_page *p, json_object *item, int64_t id);
/* {"items": [...], "next_cursor": "cN" or null when the page is not full};
 * with rc set, the problem for err instead. */
int api_page_reply(api_req *r, api_page *p, int limit, int rc, const atsb_error *err);
json_object *api_time_json(int64_t t);      /* ISO-8601, null for 0 */
json_object *api_str_json(const char *s);   /* null for NULL */

/* ---- auth (api_auth.c) ---- */
/* Authenticate r for route level auth; 0 ok, -1 after answering. */
int api_auth(api_req *r, int level);
/* The org named by {org} as the caller may see it; -1 after answering 404. */
int api_org(api_req *r, store_org *out);
int api_rate_limit(api_req *r);

/* ---- stores (api_server.c) ---- */
store *api_store_get(api_server *s, atsb_error *err);
void api_store_put(api_server *s, store *st);

/* ---- handlers ---- */
int api_h_orgs_list(api_req *r);
int api_h_orgs_create(api_req *r);
int api_h_org_get(api_req *r);
int api_h_org_patch(api_req *r);
int api_h_org_delete(api_req *r);
int api_h_conn_get(api_req *r);
int api_h_conn_put(api_req *r);
int api_h_conn_delete(api_req *r);
int api_h_conn_check(api_req *r);
int api_h_conn_resume(api_req *r);
int api_h_jobs_list(api_req *r);
int api_h_job_get(api_req *r);
int api_h_job_activate(api_req *r);
int api_h_job_deactivate(api_req *r);
int api_h_sync_start(api_req *r);
int api_h_sync_get(api_req *r);
int api_h_cand_put(api_req *r);
int api_h_cand_get(api_req *r);
int api_h_cand_status(api_req *r);
int api_h_outbox_list(api_req *r);
int api_h_outbox_retry(api_req *r);
int api_h_events(api_req *r);
int api_h_openapi(api_req *r);
int api_h_metrics(api_req *r);
int api_h_token_self(api_req *r);
int api_h_runs_list(api_req *r);
int api_h_audit_list(api_req *r);
int api_h_held_list(api_req *r);

/* One word for a connection's health, as GET /v1/orgs?health= filters:
 * "needs_attention" (its state is not ok), "circuit_open", "ok". */
const char *api_health(const store_conn *c);
/* {"pending": N, "dead": N}: the org's outbox depth and dead letters. */
json_object *api_outbox_json(store *st, int64_t org_id);
/* When the org's next job sync is due (0: none, it waits for a person). */
int64_t api_next_sync_at(api_req *r, const store_org *o, const store_conn *c);
/* Org summary as GET /v1/orgs lists it (health, counts). */
json_object *api_org_json(api_req *r, const store_org *o);
json_object *api_job_json(const store_job *j);
json_object *api_push_json(const store_push *p);
json_object *api_run_json(const store_run *run);
/* A feed event as GET /v1/events and the webhooks send it. */
json_object *api_event_json(const store_event *e);

/* ---- the console's files (api_static.c) ---- */
/* Whether method+url asks for a console file (GET or HEAD of / or of a
 * plain file name). */
int api_static_wanted(const char *method, const char *url);
int api_static_serve(api_req *r);
/* At start: warn (the API still serves) when api.console_dir is set but
 * holds no console, so an admin learns why / answers 404. */
void api_static_check(const config *cfg);

/* ---- webhooks (api_webhooks.c) ---- */
int api_webhooks_start(api_server *s, atsb_error *err);
void api_webhooks_stop(api_server *s);

#endif
