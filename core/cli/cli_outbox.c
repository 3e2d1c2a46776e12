#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "base/util.h"

static const char USAGE[] =
    "usage: atsbridge outbox list [ORG] [--dead] [--json]\n"
    "       atsbridge outbox retry ID\n"
    "\n"
    "The candidate-push outbox: one entry per candidate and job.  pending\n"
    "entries are pushed by `atsbridge sync candidates` (or the daemon); dead\n"
    "ones failed for good (the ATS's message is kept) and are sent again by\n"
    "`outbox retry ID`.\n";

typedef struct list_state {
    json_object *arr;
} list_state;

static int list_cb(const store_push *p, void *payload)
{
    list_state *ls = payload;
    char next[32];
    time_format_iso(p->next_attempt_at, next, sizeof(next));
    if (ls->arr) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "id", json_object_new_int64(p->id));
        json_object_object_add(x, "org", json_object_new_string(p->org_slug));
        json_object_object_add(x, "candidate", json_object_new_string(p->cand_ext_id));
        json_object_object_add(x, "job", json_object_new_string(p->job_remote_id));
        json_object_object_add(x, "state", json_object_new_string(p->state));
        json_object_object_add(x, "attempts", json_object_new_int(p->attempts));
        json_object_object_add(x, "next_attempt_at", str_eq(p->state, "pending") ? json_object_new_string(next) : NULL);
        json_object_object_add(x, "last_error", p->last_error ? json_object_new_string(p->last_error) : NULL);
        json_object_object_add(x, "ats_candidate_id", p->remote_candidate_id[0] ? json_object_new_string(p->remote_candidate_id) : NULL);
        json_object_object_add(x, "ats_application_id", p->remote_application_id[0] ? json_object_new_string(p->remote_application_id) : NULL);
        json_object_array_add(ls->arr, x);
        return 0;
    }
    printf("%-6lld %-12s %-14s %-10s %-8s %2d  %s\n", (long long)p->id, p->org_slug,
           cli_esc(p->cand_ext_id), cli_esc(p->job_remote_id), p->state, p->attempts,
           cli_esc(p->last_error ? p->last_error : p->remote_application_id));
    return 0;
}

int cmd_outbox(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(USAGE, "missing sub-command");
    if (cli_is_help(argv[1]))
        return cli_help(USAGE);
    const char *pos = NULL;
    int json = 0, dead = 0;
    for (int i = 2; i < argc; i++) {
        if (cli_is_help(argv[i]))
            return cli_help(USAGE);
        if (str_eq(argv[i], "--json"))
            json = 1;
        else if (str_eq(argv[i], "--dead"))
            dead = 1;
        else if (argv[i][0] == '-')
            return cli_usage_error(USAGE, "unknown option %s", argv[i]);
        else if (!pos)
            pos = argv[i];
        else
            return cli_usage_error(USAGE, "unexpected argument %s", argv[i]);
    }
    atsb_error err = ATSB_ERROR_INIT;
    if (str_eq(argv[1], "list")) {
        int64_t org_id = 0;
        if (cli_open_store(ctx, &err))
            return cli_fail(&err);
        if (pos) {
            store_org o;
            if (store_org_get(ctx->st, pos, &o, &err))
                return cli_fail(&err);
            org_id = o.id;
        }
        list_state ls = { json ? json_object_new_array() : NULL };
        if (!json)
            printf("%-6s %-12s %-14s %-10s %-8s %s  %s\n", "ID", "ORG", "CANDIDATE", "JOB", "STATE",
                   "TRIES", "DETAIL");
        if (store_push_each(ctx->st, org_id, dead ? "dead" : NULL, list_cb, &ls, &err)) {
            json_object_put(ls.arr);
            return cli_fail(&err);
        }
        if (json)
            cli_print_json(ls.arr);
        return 0;
    }
    if (str_eq(argv[1], "retry") && pos && !dead && !json) {
        long id;
        if (str_to_long(pos, &id) < 0 || id <= 0)
            return cli_usage_error(USAGE, "ID must be an outbox entry number");
        if (cli_open_store(ctx, &err))
            return cli_fail(&err);
        store_push p;
        if (store_push_get(ctx->st, id, &p, &err))
            return cli_fail(&err);
        int is_dead = str_eq(p.state, "dead");
        store_push_free(&p);
        if (!is_dead) {
            err_set(&err, CORE_ERR_CONFLICT, "outbox entry %ld is not dead (only dead entries are retried by hand)", id);
            return cli_fail(&err);
        }
        if (store_push_requeue(ctx->st, id, &err))
            return cli_fail(&err);
        printf("outbox entry %ld is pending again; the next candidate sync pushes it\n", id);
        return 0;
    }
    return cli_usage_error(USAGE, "bad arguments to outbox %s", argv[1]);
}
