/* For the scheduler benches (tests/bench/sched.sh):
 *   sched_seed seed DB N BASE_URL [synced]   N orgs org-000001.. connected to the
 *       Greenhouse sandbox at BASE_URL; "synced": each just job-synced, so
 *       nothing is due for a whole sync.jobs_interval (3 h, the default)
 *   sched_seed runs DB                       "orgs min max": ok job runs per org
 * Through the store's API, as the CLI would (but without a process per org). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "store/store.h"
#include "sync/schedule.h"

static int seed(store *st, long n, const char *base, int synced, atsb_error *err)
{
    char token[512];
    snprintf(token, sizeof(token), "%s/token", base);
    store_setting set[] = { { "base_url", (char *)base }, { "token_url", token },
                            { "client_id", "gh-client" }, { "client_secret", "gh-secret-value" },
                            { "user_id", "7" } };
    int64_t now = time_now();
    for (long i = 1; i <= n; i++) {
        char slug[32];
        snprintf(slug, sizeof(slug), "org-%06ld", i);
        store_org o;
        int rc = store_org_add(st, slug, slug, err);
        if (!rc)
            rc = store_org_get(st, slug, &o, err);
        if (!rc)
            rc = store_conn_add(st, o.id, "greenhouse", set, ARRAY_LEN(set), err);
        if (!rc && synced) {
            int64_t interval = 3 * 3600;
            rc = store_conn_mark_synced(st, o.id, now, 1,
                                        sched_jobs_due_at(now, interval,
                                                          sched_phase(slug, interval)), err);
        }
        if (rc)
            return rc;
    }
    return ATSB_OK;
}

typedef struct tally {
    store *st;
    long orgs, min, max, ok;
} tally;

static int run_cb(const store_run *r, void *payload)
{
    tally *t = payload;
    if (!strcmp(r->kind, "jobs") && !strcmp(r->status, "ok"))
        t->ok++;
    return 0;
}

static int org_cb(const store_org *o, void *payload)
{
    tally *t = payload;
    t->ok = 0;
    store_run_each(t->st, o->id, 100, run_cb, t, NULL);
    if (!t->orgs || t->ok < t->min)
        t->min = t->ok;
    if (t->ok > t->max)
        t->max = t->ok;
    t->orgs++;
    return 0;
}

int main(int argc, char **argv)
{
    atsb_error err = ATSB_ERROR_INIT;
    store *st = NULL;
    if (argc < 3 || store_open(&st, argv[2], &err)) {
        fprintf(stderr, "usage: sched_seed seed DB N BASE_URL [synced] | runs DB %s\n",
                err.message);
        return 2;
    }
    int rc = 0;
    long n = 0;
    if (!strcmp(argv[1], "seed") && argc >= 5 && str_to_long(argv[3], &n) == 0 && n > 0) {
        rc = seed(st, n, argv[4], argc > 5 && !strcmp(argv[5], "synced"), &err);
    } else if (!strcmp(argv[1], "runs")) {
        tally t = { st, 0, 0, 0, 0 };
        rc = store_org_each(st, org_cb, &t, &err);
        printf("%ld %ld %ld\n", t.orgs, t.min, t.max);
    } else {
        rc = 2;
    }
    if (rc)
        fprintf(stderr, "sched_seed: %s\n", err.message);
    store_close(st);
    return rc ? 1 : 0;
}
