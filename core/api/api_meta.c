/* GET /v1/openapi.json (the document, embedded at build time from
 * docs/openapi.yaml) and GET /metrics (Prometheus text format 0.0.4). */
#include "api/api_int.h"

#include <stdio.h>
#include <string.h>

#include "daemon/task_stats.h"
#include "net/http.h"

extern const char API_OPENAPI_JSON[];

int api_h_openapi(api_req *r)
{
    free(r->out);
    r->out = str_dup(API_OPENAPI_JSON);
    r->out_len = r->out ? strlen(r->out) : 0;
    r->status = 200;
    r->content_type = "application/json";
    return 0;
}

typedef struct prom {
    strbuf *sb;
    const char *name;
    const char *label;   /* the second label's name, or NULL */
} prom;

static void esc(strbuf *sb, const char *v)
{
    for (const char *p = v ? v : ""; *p; p++) {
        if (*p == '\\' || *p == '"')
            sb_printf(sb, "\\%c", *p);
        else if (*p == '\n')
            sb_puts(sb, "\\n");
        else
            sb_append(sb, p, 1);
    }
}

static int row(const char *org, const char *label, double value, double value2, void *payload)
{
    prom *p = payload;
    (void)value2;
    sb_printf(p->sb, "%s{org=\"", p->name);
    esc(p->sb, org);
    if (p->label) {
        sb_printf(p->sb, "\",%s=\"", p->label);
        esc(p->sb, label);
    }
    sb_printf(p->sb, "\"} %.17g\n", value);
    return 0;
}

static int bucket(const char *org, const char *le, double value, double value2, void *payload)
{
    (void)value2;
    strbuf *sb = payload;
    sb_puts(sb, "atsbridge_sync_run_duration_seconds_bucket{org=\"");
    esc(sb, org);
    sb_printf(sb, "\",le=\"%s\"} %.17g\n", le, value);
    return 0;
}

static int sums(const char *org, const char *label, double sum, double count, void *payload)
{
    (void)label;
    strbuf *sb = payload;
    sb_puts(sb, "atsbridge_sync_run_duration_seconds_bucket{org=\"");
    esc(sb, org);
    sb_printf(sb, "\",le=\"+Inf\"} %.17g\n", count);
    sb_puts(sb, "atsbridge_sync_run_duration_seconds_sum{org=\"");
    esc(sb, org);
    sb_printf(sb, "\"} %.17g\n", sum);
    sb_puts(sb, "atsbridge_sync_run_duration_seconds_count{org=\"");
    esc(sb, org);
    sb_printf(sb, "\"} %.17g\n", count);
    return 0;
}

static void family(strbuf *sb, store *st, store_metric m, const char *name, const char *type,
                   const char *help, const char *label)
{
    sb_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    prom p = { sb, name, label };
    store_metric_each(st, m, row, &p, NULL);
}

static int death_row(const char *connector, const char *how, long count, void *payload)
{
    strbuf *sb = payload;
    sb_puts(sb, "atsbridge_task_deaths_total{connector=\"");
    esc(sb, connector);
    sb_printf(sb, "\",how=\"%s\"} %ld\n", how, count);
    return 0;
}

static int http_row(const char *connector, int status, long count, void *payload)
{
    strbuf *sb = payload;
    sb_puts(sb, "atsbridge_ats_http_requests_total{connector=\"");
    esc(sb, connector);
    sb_printf(sb, "\",status=\"%d\"} %ld\n", status, count);
    return 0;
}

int api_h_metrics(api_req *r)
{
    strbuf sb;
    sb_init(&sb);
    family(&sb, r->st, STORE_METRIC_RUNS, "atsbridge_sync_runs_total", "counter",
           "Job sync runs by organisation and outcome.", "outcome");
    sb_puts(&sb, "# HELP atsbridge_sync_run_duration_seconds Job sync run durations.\n"
                 "# TYPE atsbridge_sync_run_duration_seconds histogram\n");
    store_metric_each(r->st, STORE_METRIC_RUN_BUCKETS, bucket, &sb, NULL);
    store_metric_each(r->st, STORE_METRIC_RUN_SUMS, sums, &sb, NULL);
    family(&sb, r->st, STORE_METRIC_JOBS_CREATED, "atsbridge_jobs_created_total", "counter",
           "Jobs created by syncs.", NULL);
    family(&sb, r->st, STORE_METRIC_JOBS_ARCHIVED, "atsbridge_jobs_archived_total", "counter",
           "Jobs archived by syncs.", NULL);
    family(&sb, r->st, STORE_METRIC_PUSHES, "atsbridge_candidate_pushes", "gauge",
           "Candidate pushes by outcome (pending, done, dead).", "outcome");
    family(&sb, r->st, STORE_METRIC_OUTBOX_DUE, "atsbridge_outbox_depth", "gauge",
           "Candidate pushes waiting (pending).", NULL);
    sb_puts(&sb, "# HELP atsbridge_dead_letters Candidate pushes dead-lettered.\n"
                 "# TYPE atsbridge_dead_letters gauge\n");
    int64_t dead = 0;
    store_push_count(r->st, 0, "dead", &dead, NULL);
    sb_printf(&sb, "atsbridge_dead_letters %lld\n", (long long)dead);
    sb_puts(&sb, "# HELP atsbridge_ats_http_requests_total ATS HTTP requests by connector and "
                 "status (0: no reply), made by this process.\n"
                 "# TYPE atsbridge_ats_http_requests_total counter\n");
    http_stats_each(http_row, &sb);
    sb_printf(&sb, "# HELP atsbridge_ats_rate_limit_waits_total Waits for an ATS's rate limit "
                   "(429 or the client's own pacing), made by this process.\n"
                   "# TYPE atsbridge_ats_rate_limit_waits_total counter\n"
                   "atsbridge_ats_rate_limit_waits_total %ld\n", http_stats_rate_waits());
    sb_puts(&sb, "# HELP atsbridge_task_deaths_total Tasks whose worker process died (crashed, "
                 "called exit(), ran out of time or memory), by connector, in this process.\n"
                 "# TYPE atsbridge_task_deaths_total counter\n");
    task_stats_each(death_row, &sb);
    int64_t backlog = 0;
    store_webhook_backlog(r->st, &backlog, NULL);
    sb_printf(&sb, "# HELP atsbridge_webhook_backlog Feed events not yet delivered to "
                   "webhooks.url.\n# TYPE atsbridge_webhook_backlog gauge\n"
                   "atsbridge_webhook_backlog %lld\n", (long long)backlog);
    sb_puts(&sb, "# HELP atsbridge_api_requests_total API requests answered, by status class.\n"
                 "# TYPE atsbridge_api_requests_total counter\n");
    pthread_mutex_lock(&r->srv->stat_lock);
    for (int i = 1; i <= 5; i++)
        sb_printf(&sb, "atsbridge_api_requests_total{class=\"%dxx\"} %ld\n", i,
                  r->srv->requests[i]);
    pthread_mutex_unlock(&r->srv->stat_lock);
    free(r->out);
    r->out_len = sb.len;
    r->out = sb_steal(&sb);
    r->status = 200;
    r->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return 0;
}
