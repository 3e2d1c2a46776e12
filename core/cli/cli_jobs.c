#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cands/candidates.h"
#include "cli/cli.h"
#include "base/util.h"

static const char USAGE[] =
    "usage: atsbridge jobs list ORG [--state disabled|active|archived] [--json]\n"
    "       atsbridge jobs show ORG ATS_ID [--json]\n"
    "       atsbridge jobs activate ORG ATS_ID\n"
    "       atsbridge jobs deactivate ORG ATS_ID\n"
    "\n"
    "Jobs arrive from the ATS disabled.  activate switches the job's AI recruiter\n"
    "on; from then on the job is frozen: ATS edits to it are no longer applied\n"
    "(a close in the ATS still archives it).  deactivate pauses sourcing; the\n"
    "job stays frozen.\n";

static json_object *jstr(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static json_object *job_json(const store_job *j, int full)
{
    json_object *o = json_object_new_object();
    char ts[32];
    json_object_object_add(o, "ats_id", json_object_new_string(j->remote_id));
    json_object_object_add(o, "title", json_object_new_string(j->title));
    json_object_object_add(o, "state", json_object_new_string(j->state));
    json_object_object_add(o, "frozen", json_object_new_boolean(j->frozen));
    json_object_object_add(o, "location", jstr(j->location_text));
    json_object_object_add(o, "country", jstr(j->country));
    json_object_object_add(o, "region", jstr(j->region));
    json_object_object_add(o, "city", jstr(j->city));
    json_object_object_add(o, "remote", json_object_new_boolean(j->remote));
    json_object_object_add(o, "department", jstr(j->department));
    json_object_object_add(o, "ats_status", json_object_new_string(j->remote_status));
    json_object_object_add(o, "archived_reason", jstr(j->archived_reason));
    json_object_object_add(o, "url", jstr(j->url));
    time_format_iso(j->updated_at, ts, sizeof(ts));
    json_object_object_add(o, "updated_at", json_object_new_string(ts));
    if (full)
        json_object_object_add(o, "description", jstr(j->description));
    return o;
}

typedef struct list_state {
    json_object *arr;
    int n;
} list_state;

static int print_job(const store_job *j, void *payload)
{
    list_state *ls = payload;
    ls->n++;
    if (ls->arr) {
        json_object_array_add(ls->arr, job_json(j, 0));
        return 0;
    }
    printf("%-12s %-9s %-6s %-44.44s %s\n", cli_esc(j->remote_id), cli_esc(j->state),
           j->frozen ? "frozen" : "-", cli_esc(j->title),
           j->location_text ? cli_esc(j->location_text) : "");
    return 0;
}

static int load_org(cli_ctx *ctx, const char *slug, store_org *o, atsb_error *err)
{
    int rc = cli_open_store(ctx, err);
    return rc ? rc : store_org_get(ctx->st, slug, o, err);
}

int cmd_jobs(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(USAGE, "missing sub-command");
    if (cli_is_help(argv[1]))
        return cli_help(USAGE);
    const char *pos[2] = { NULL, NULL }, *state = NULL;
    int npos = 0, json = 0;
    for (int i = 2; i < argc; i++) {
        if (cli_is_help(argv[i]))
            return cli_help(USAGE);
        if (str_eq(argv[i], "--json")) {
            json = 1;
        } else if (str_eq(argv[i], "--state")) {
            if (++i >= argc)
                return cli_usage_error(USAGE, "--state needs a value");
            state = argv[i];
            if (!str_eq(state, "disabled") && !str_eq(state, "active") &&
                !str_eq(state, "archived"))
                return cli_usage_error(USAGE, "--state must be disabled, active or archived");
        } else if (argv[i][0] == '-') {
            return cli_usage_error(USAGE, "unknown option %s", argv[i]);
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            return cli_usage_error(USAGE, "unexpected argument %s", argv[i]);
        }
    }
    atsb_error err = ATSB_ERROR_INIT;
    store_org o;
    const char *sub = argv[1];
    if (str_eq(sub, "list") && npos == 1) {
        if (load_org(ctx, pos[0], &o, &err))
            return cli_fail(&err);
        list_state ls = { json ? json_object_new_array() : NULL, 0 };
        if (store_job_each(ctx->st, o.id, state, print_job, &ls, &err)) {
            json_object_put(ls.arr);
            return cli_fail(&err);
        }
        if (json)
            cli_print_json(ls.arr);
        else if (!ls.n)
            printf("no jobs%s%s for %s\n", state ? " in state " : "", state ? state : "", o.slug);
        return 0;
    }
    if (str_eq(sub, "show") && npos == 2) {
        store_job j;
        if (load_org(ctx, pos[0], &o, &err) || store_job_get(ctx->st, o.id, pos[1], &j, &err))
            return cli_fail(&err);
        if (json) {
            cli_print_json(job_json(&j, 1));
        } else {
            char ts[32];
            time_format_iso(j.updated_at, ts, sizeof(ts));
            printf("ats id:      %s\ntitle:       %s\nstate:       %s%s\nats status:  %s\n"
                   "location:    %s\ncountry:     %s\ndepartment:  %s\nurl:         %s\n"
                   "updated:     %s\n",
                   cli_esc(j.remote_id), cli_esc(j.title), cli_esc(j.state),
                   j.frozen ? " (frozen: ATS edits not applied)" : "", cli_esc(j.remote_status),
                   j.location_text ? cli_esc(j.location_text) : "-",
                   j.country ? cli_esc(j.country) : "-",
                   j.department ? cli_esc(j.department) : "-", j.url ? cli_esc(j.url) : "-", ts);
            if (j.archived_reason)
                printf("archived:    %s\n", cli_esc(j.archived_reason));
        }
        store_job_free(&j);
        return 0;
    }
    if ((str_eq(sub, "activate") || str_eq(sub, "deactivate")) && npos == 2) {
        int on = str_eq(sub, "activate"), released = 0;
        if (load_org(ctx, pos[0], &o, &err) ||
            cand_set_job_active(ctx->st, &o, pos[1], on, &released, &err))
            return cli_fail(&err);
        printf("%s job %s for %s%s\n", on ? "activated" : "deactivated", pos[1], o.slug,
               on ? "; ATS edits to it are no longer applied" : "");
        if (released)
            printf("%d held candidate%s queued for the ATS\n", released, released == 1 ? "" : "s");
        return 0;
    }
    return cli_usage_error(USAGE, "bad arguments to jobs %s", sub);
}
