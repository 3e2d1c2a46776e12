#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"
#include "base/log.h"
#include "daemon/task_run.h"
#include "sync/runstate.h"
#include "sync/sync_cands.h"
#include "sync/sync_jobs.h"
#include "base/util.h"

static const char USAGE[] =
    "usage: atsbridge sync jobs ORG|--all [--full] [--wait] [--page-size N] [--json]\n"
    "       atsbridge sync candidates ORG|--all [--wait] [--json]\n"
    "\n"
    "Pull jobs from each org's ATS.  Incremental (changed since the last run)\n"
    "unless a full pass is due (sync.full_pass_interval) or --full is given; a\n"
    "full pass also archives jobs that vanished from the ATS.  One page is one\n"
    "transaction: an interrupted sync loses nothing and re-running it\n"
    "duplicates nothing.  --wait waits for a sync of the same org that is\n"
    "already running instead of failing (exit 9).  --page-size asks the\n"
    "connector for pages of N jobs (its default is the ATS's maximum).\n"
    "\n"
    "sync candidates pushes every due entry of the org's outbox to its ATS.\n";

static void on_signal(int sig)
{
    (void)sig;
    runstate_request_stop();
}

static void print_counts(const char *slug, const sync_jobs_result *r)
{
    const store_run_counts *c = &r->counts;
    printf("%s: %s %s sync, %" PRId64 " pages in %" PRId64 " ms: created %" PRId64
           ", updated %" PRId64 ", unchanged %" PRId64 ", frozen-skipped %" PRId64
           ", archived %" PRId64 ", non-US %" PRId64 ", unknown location %" PRId64
           ", malformed %" PRId64 ", closed-skipped %" PRId64 ", errors %" PRId64 "\n",
           slug, r->status, r->full ? "full" : "incremental", r->pages, r->duration_ms,
           c->created, c->updated, c->unchanged, c->frozen_skipped, c->archived, c->non_us,
           c->unknown_location, c->malformed, c->closed_skipped, c->errors);
}

json_object *cli_counts_json(const store_run_counts *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "created", json_object_new_int64(c->created));
    json_object_object_add(o, "updated", json_object_new_int64(c->updated));
    json_object_object_add(o, "unchanged", json_object_new_int64(c->unchanged));
    json_object_object_add(o, "frozen_skipped", json_object_new_int64(c->frozen_skipped));
    json_object_object_add(o, "archived", json_object_new_int64(c->archived));
    json_object_object_add(o, "non_us", json_object_new_int64(c->non_us));
    json_object_object_add(o, "unknown_location", json_object_new_int64(c->unknown_location));
    json_object_object_add(o, "malformed", json_object_new_int64(c->malformed));
    json_object_object_add(o, "closed_skipped", json_object_new_int64(c->closed_skipped));
    json_object_object_add(o, "errors", json_object_new_int64(c->errors));
    return o;
}

typedef struct all_state {
    cli_ctx *ctx;
    int candidates;
    sync_jobs_opts opts;
    json_object *arr;
    int worst;
    task_worker *worker;  /* the process the orgs' syncs run in, one by one */
} all_state;

static int push_one_org(all_state *s, const store_org *o)
{
    atsb_error err = ATSB_ERROR_INIT;
    task_run_opts to = { s->ctx->cfg.isolation, s->opts, s->opts.wait_for_lock };
    task_outcome out;
    sync_cands_result r = { 0 };
    int rc;
    /* By hand, the whole backlog: turn after turn (the daemon instead
     * lets other orgs go between turns). */
    do {
        rc = task_run(s->worker, s->ctx->st, &s->ctx->reg, &s->ctx->cfg, o, TASK_RUN_PUSH, &to,
                      &out, &err);
        const sync_cands_result *turn = &out.cands;
        r.pushed += turn->pushed;
        r.found += turn->found;
        r.retrying += turn->retrying;
        r.dead += turn->dead;
        r.held += turn->held;
        r.due += turn->due;
    } while (!rc && out.cands.more && !runstate_stop_requested());
    if (s->arr) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "org", json_object_new_string(o->slug));
        json_object_object_add(x, "status", json_object_new_string(rc ? "failed" : "ok"));
        json_object_object_add(x, "pushed", json_object_new_int(r.pushed));
        json_object_object_add(x, "already_in_ats", json_object_new_int(r.found));
        json_object_object_add(x, "retrying", json_object_new_int(r.retrying));
        json_object_object_add(x, "dead", json_object_new_int(r.dead));
        json_object_object_add(x, "held", json_object_new_int(r.held));
        json_object_object_add(x, "error", rc ? json_object_new_string(err.message) : NULL);
        json_object_array_add(s->arr, x);
    } else if (!rc) {
        printf("%s: pushed %d, already in the ATS %d, retrying %d, dead-lettered %d, held %d\n",
               o->slug, r.pushed, r.found, r.retrying, r.dead, r.held);
    }
    if (rc) {
        int code = cli_fail(&err);
        if (!s->worst)
            s->worst = code;
    }
    return 0;
}

static int sync_one(all_state *s, const store_org *o)
{
    if (s->candidates)
        return push_one_org(s, o);
    atsb_error err = ATSB_ERROR_INIT;
    task_outcome out;
    task_run_opts to = { s->ctx->cfg.isolation, s->opts, s->opts.wait_for_lock };
    int rc = task_run(s->worker, s->ctx->st, &s->ctx->reg, &s->ctx->cfg, o, TASK_RUN_JOBS, &to,
                      &out, &err);
    const sync_jobs_result r = out.jobs;
    if (s->arr) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "org", json_object_new_string(o->slug));
        json_object_object_add(x, "status", json_object_new_string(rc && !r.status[0] ? "failed" : r.status));
        json_object_object_add(x, "full", json_object_new_boolean(r.full));
        json_object_object_add(x, "run_id", json_object_new_int64(r.run_id));
        json_object_object_add(x, "pages", json_object_new_int64(r.pages));
        json_object_object_add(x, "duration_ms", json_object_new_int64(r.duration_ms));
        json_object_object_add(x, "counts", cli_counts_json(&r.counts));
        json_object_object_add(x, "error", rc ? json_object_new_string(err.message) : NULL);
        json_object_array_add(s->arr, x);
    } else if (r.run_id) {
        print_counts(o->slug, &r);
    }
    if (rc) {
        int code = cli_fail(&err);
        if (!s->worst)
            s->worst = code;
    }
    return 0;
}

static int sync_all_cb(const store_org *o, void *payload)
{
    all_state *s = payload;
    store_conn c;
    if (store_conn_get(s->ctx->st, o->id, &c, NULL) != ATSB_OK)
        return 0; /* not connected: nothing to sync */
    store_conn_free(&c);
    if (runstate_stop_requested())
        return 1;
    return sync_one(s, o);
}

int cmd_sync(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(USAGE, "missing what to sync");
    if (cli_is_help(argv[1]))
        return cli_help(USAGE);
    if (!str_eq(argv[1], "jobs") && !str_eq(argv[1], "candidates"))
        return cli_usage_error(USAGE, "unknown sync target \"%s\" (jobs or candidates)", argv[1]);
    all_state s;
    memset(&s, 0, sizeof(s));
    s.ctx = ctx;
    s.candidates = str_eq(argv[1], "candidates");
    /* By hand, the whole listing at once (it resumes a pass the daemon
     * paused between turns). */
    s.opts.whole_pass = 1;
    int all = 0, json = 0;
    const char *slug = NULL;
    for (int i = 2; i < argc; i++) {
        if (cli_is_help(argv[i]))
            return cli_help(USAGE);
        else if (str_eq(argv[i], "--all"))
            all = 1;
        else if (str_eq(argv[i], "--full"))
            s.opts.force_full = 1;
        else if (str_eq(argv[i], "--wait"))
            s.opts.wait_for_lock = 1;
        else if (str_eq(argv[i], "--json"))
            json = 1;
        else if (str_eq(argv[i], "--page-size")) {
            long v;
            if (++i >= argc || str_to_long(argv[i], &v) < 0 || v < 1 || v > 10000)
                return cli_usage_error(USAGE, "--page-size needs a number 1..10000");
            s.opts.page_size = (int)v;
        }
        else if (argv[i][0] == '-')
            return cli_usage_error(USAGE, "unknown option %s", argv[i]);
        else if (!slug)
            slug = argv[i];
        else
            return cli_usage_error(USAGE, "unexpected argument %s", argv[i]);
    }
    if (all == !!slug)
        return cli_usage_error(USAGE, "give either ORG or --all");
    atsb_error err = ATSB_ERROR_INIT;
    int rc = cli_open_store(ctx, &err);
    if (!rc)
        rc = cli_load_plugins(ctx, &err);
    if (rc)
        return cli_fail(&err);
    /* SIGTERM/SIGINT: finish or roll back the page in flight, then stop. */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    s.arr = json ? json_object_new_array() : NULL;
    s.worker = ctx->cfg.isolation ? task_worker_new() : NULL;
    if (all) {
        rc = store_org_each(ctx->st, sync_all_cb, &s, &err);
    } else {
        store_org o;
        if (!(rc = store_org_get(ctx->st, slug, &o, &err)))
            sync_one(&s, &o);
    }
    task_worker_free(s.worker);
    if (rc < 0 || (!all && rc)) {
        json_object_put(s.arr);
        return cli_fail(&err);
    }
    if (json)
        cli_print_json(s.arr);
    return s.worst;
}
