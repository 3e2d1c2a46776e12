#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "base/util.h"

static const char USAGE[] =
    "usage: atsbridge status [ORG] [--json] [--runs N]\n"
    "\n"
    "Each connection's health (ok, needs_attention), last error, last and next\n"
    "job sync, job counts, outbox depth, and its last runs (default 5) with\n"
    "their counts.\n";


typedef struct status_state {
    cli_ctx *ctx;
    json_object *arr;
    int runs;
    const char *only;
    int found;
} status_state;

typedef struct runs_state {
    json_object *arr;
} runs_state;

static void iso(int64_t t, char *buf, size_t n)
{
    if (t)
        time_format_iso(t, buf, n);
    else
        str_copy(buf, n, "never");
}

static int run_cb(const store_run *r, void *payload)
{
    runs_state *rs = payload;
    char ts[32];
    iso(r->started_at, ts, sizeof(ts));
    if (rs->arr) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "id", json_object_new_int64(r->id));
        json_object_object_add(x, "kind", json_object_new_string(r->kind));
        json_object_object_add(x, "full", json_object_new_boolean(r->full_pass));
        json_object_object_add(x, "status", json_object_new_string(r->status));
        json_object_object_add(x, "started_at", json_object_new_string(ts));
        json_object_object_add(x, "duration_ms", json_object_new_int64(r->duration_ms));
        json_object_object_add(x, "counts", cli_counts_json(&r->counts));
        json_object_object_add(x, "error", r->error_message ? json_object_new_string(r->error_message) : NULL);
        json_object_array_add(rs->arr, x);
        return 0;
    }
    const store_run_counts *c = &r->counts;
    printf("  run %-5" PRId64 " %s %-4s %-11s %6" PRId64 " ms  +%" PRId64 " ~%" PRId64
           " =%" PRId64 " frozen %" PRId64 " archived %" PRId64 " non-US %" PRId64
           " unknown %" PRId64 " malformed %" PRId64 "%s%s\n",
           r->id, ts, r->full_pass ? "full" : "incr", r->status, r->duration_ms, c->created,
           c->updated, c->unchanged, c->frozen_skipped, c->archived, c->non_us,
           c->unknown_location, c->malformed, r->error_message ? "  error: " : "",
           r->error_message ? r->error_message : "");
    return 0;
}

static int org_cb(const store_org *o, void *payload)
{
    status_state *s = payload;
    if (s->only && !str_eq(s->only, o->slug))
        return 0;
    s->found = 1;
    store *st = s->ctx->st;
    store_conn c;
    int has = store_conn_get(st, o->id, &c, NULL) == ATSB_OK;
    int64_t n_dis = 0, n_act = 0, n_arch = 0, n_pending = 0, n_dead = 0;
    store_push_count(st, o->id, "pending", &n_pending, NULL);
    store_push_count(st, o->id, "dead", &n_dead, NULL);
    store_job_count(st, o->id, "disabled", &n_dis, NULL);
    store_job_count(st, o->id, "active", &n_act, NULL);
    store_job_count(st, o->id, "archived", &n_arch, NULL);
    char last[32], full[32], next[32], checked[32], circuit[64] = "closed";
    int64_t interval = o->jobs_interval_s > 0 ? o->jobs_interval_s : s->ctx->cfg.jobs_interval_s;
    iso(has ? c.last_sync_at : 0, last, sizeof(last));
    iso(has ? c.last_full_sync_at : 0, full, sizeof(full));
    iso(has ? c.checked_at : 0, checked, sizeof(checked));
    if (!has)
        str_copy(next, sizeof(next), "-");
    else if (!str_eq(c.state, "ok"))
        str_copy(next, sizeof(next), "paused until resumed");
    else if (c.jobs_due_at <= time_now())
        str_copy(next, sizeof(next), "due now");
    else
        iso(c.jobs_due_at, next, sizeof(next));
    if (has && c.retry_at > time_now()) {
        char until[32];
        iso(c.retry_at, until, sizeof(until));
        snprintf(circuit, sizeof(circuit), "open until %s", until);
        str_copy(next, sizeof(next), until);
    }
    runs_state rs = { NULL };
    if (s->arr) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "org", json_object_new_string(o->slug));
        json_object_object_add(x, "connector", has ? json_object_new_string(c.connector) : NULL);
        json_object_object_add(x, "state", json_object_new_string(has ? c.state : "not_connected"));
        json_object_object_add(x, "last_error", has && c.last_error ? json_object_new_string(c.last_error) : NULL);
        json_object_object_add(x, "last_sync_at", json_object_new_string(last));
        json_object_object_add(x, "last_full_sync_at", json_object_new_string(full));
        json_object_object_add(x, "next_sync", json_object_new_string(next));
        json_object_object_add(x, "jobs_interval_s", json_object_new_int64(interval));
        json_object_object_add(x, "circuit", json_object_new_string(circuit));
        json_object_object_add(x, "consecutive_failures", json_object_new_int(has ? c.failures : 0));
        json_object *lease = NULL;
        if (has && c.lease_owner[0]) {
            char until[32];
            iso(c.lease_until, until, sizeof(until));
            lease = json_object_new_object();
            json_object_object_add(lease, "owner", json_object_new_string(c.lease_owner));
            json_object_object_add(lease, "until", json_object_new_string(until));
        }
        json_object_object_add(x, "lease", lease);
        json_object *ck = NULL;
        if (has && c.check_result) {
            ck = json_object_new_object();
            json_object_object_add(ck, "at", json_object_new_string(checked));
            json_object_object_add(ck, "result", json_object_new_string(c.check_result));
        }
        json_object_object_add(x, "last_check", ck);
        json_object *jobs = json_object_new_object();
        json_object_object_add(jobs, "disabled", json_object_new_int64(n_dis));
        json_object_object_add(jobs, "active", json_object_new_int64(n_act));
        json_object_object_add(jobs, "archived", json_object_new_int64(n_arch));
        json_object_object_add(x, "jobs", jobs);
        json_object *ob = json_object_new_object();
        json_object_object_add(ob, "pending", json_object_new_int64(n_pending));
        json_object_object_add(ob, "dead", json_object_new_int64(n_dead));
        json_object_object_add(x, "outbox", ob);
        rs.arr = json_object_new_array();
        store_run_each(st, o->id, s->runs, run_cb, &rs, NULL);
        json_object_object_add(x, "runs", rs.arr);
        json_object_array_add(s->arr, x);
    } else {
        printf("%s: %s, %s%s%s\n", o->slug, has ? c.connector : "no ATS connection",
               has ? c.state : "-", has && c.last_error ? " — " : "",
               has && c.last_error ? cli_esc(c.last_error) : "");
        printf("  last job sync %s, last full pass %s, next %s (every %llds)\n", last, full,
               next, (long long)interval);
        if (has && c.failures)
            printf("  circuit breaker: %d failures in a row, %s\n", c.failures, circuit);
        if (has && c.check_result)
            printf("  last check %s: %s\n", checked, cli_esc(c.check_result));
        printf("  jobs: %" PRId64 " disabled, %" PRId64 " active, %" PRId64 " archived\n",
               n_dis, n_act, n_arch);
        printf("  outbox: %" PRId64 " pending, %" PRId64 " dead\n", n_pending, n_dead);
        store_run_each(st, o->id, s->runs, run_cb, &rs, NULL);
    }
    if (has)
        store_conn_free(&c);
    return 0;
}

int cmd_status(cli_ctx *ctx, int argc, char **argv)
{
    status_state s;
    memset(&s, 0, sizeof(s));
    s.ctx = ctx;
    s.runs = 5;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i]))
            return cli_help(USAGE);
        if (str_eq(argv[i], "--json")) {
            json = 1;
        } else if (str_eq(argv[i], "--runs")) {
            long v;
            if (++i >= argc || str_to_long(argv[i], &v) < 0 || v < 0 || v > 1000)
                return cli_usage_error(USAGE, "--runs needs a number 0..1000");
            s.runs = (int)v;
        } else if (argv[i][0] == '-') {
            return cli_usage_error(USAGE, "unknown option %s", argv[i]);
        } else if (!s.only) {
            s.only = argv[i];
        } else {
            return cli_usage_error(USAGE, "unexpected argument %s", argv[i]);
        }
    }
    atsb_error err = ATSB_ERROR_INIT;
    if (cli_open_store(ctx, &err))
        return cli_fail(&err);
    s.arr = json ? json_object_new_array() : NULL;
    if (store_org_each(ctx->st, org_cb, &s, &err)) {
        json_object_put(s.arr);
        return cli_fail(&err);
    }
    if (s.only && !s.found) {
        json_object_put(s.arr);
        err_set(&err, ATSB_ERR_NOT_FOUND, "no organisation \"%s\"", s.only);
        return cli_fail(&err);
    }
    if (json)
        cli_print_json(s.arr);
    return 0;
}
