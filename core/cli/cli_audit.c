#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "base/util.h"

static const char USAGE[] =
    "usage: atsbridge audit ORG [--limit N] [--json]\n"
    "\n"
    "The organisation's audit log, newest first: connections, job activations,\n"
    "archives, ATS edits skipped because a job is active, pushes.\n";

static int entry_cb(const store_audit_entry *e, void *payload)
{
    json_object *arr = payload;
    char ts[32];
    time_format_iso(e->at, ts, sizeof(ts));
    if (arr) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "at", json_object_new_string(ts));
        json_object_object_add(x, "action", json_object_new_string(e->action ? e->action : ""));
        json_object_object_add(x, "subject", e->subject ? json_object_new_string(e->subject) : NULL);
        json_object_object_add(x, "detail", e->detail ? json_object_new_string(e->detail) : NULL);
        json_object_array_add(arr, x);
    } else {
        printf("%s %-26s %-12s %s\n", ts, e->action ? e->action : "",
               e->subject ? cli_esc(e->subject) : "-", e->detail ? cli_esc(e->detail) : "");
    }
    return 0;
}

int cmd_audit(cli_ctx *ctx, int argc, char **argv)
{
    const char *slug = NULL;
    int json = 0;
    long limit = 50;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i]))
            return cli_help(USAGE);
        if (str_eq(argv[i], "--json"))
            json = 1;
        else if (str_eq(argv[i], "--limit")) {
            if (++i >= argc || str_to_long(argv[i], &limit) < 0 || limit < 1 || limit > 100000)
                return cli_usage_error(USAGE, "--limit needs a number 1..100000");
        } else if (argv[i][0] == '-')
            return cli_usage_error(USAGE, "unknown option %s", argv[i]);
        else if (!slug)
            slug = argv[i];
        else
            return cli_usage_error(USAGE, "unexpected argument %s", argv[i]);
    }
    if (!slug)
        return cli_usage_error(USAGE, "audit needs ORG");
    atsb_error err = ATSB_ERROR_INIT;
    store_org o;
    if (cli_open_store(ctx, &err) || store_org_get(ctx->st, slug, &o, &err))
        return cli_fail(&err);
    json_object *arr = json ? json_object_new_array() : NULL;
    if (store_audit_each(ctx->st, o.id, (int)limit, entry_cb, arr, &err)) {
        json_object_put(arr);
        return cli_fail(&err);
    }
    if (json)
        cli_print_json(arr);
    return 0;
}
