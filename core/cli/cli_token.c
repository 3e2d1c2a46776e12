#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "cli/cli.h"
#include "base/util.h"

static const char USAGE[] =
    "usage: atsbridge token create NAME [--org ORG] [--read-only]\n"
    "       atsbridge token list [--json]\n"
    "       atsbridge token revoke NAME\n"
    "\n"
    "API tokens for the platform API (atsbridge serve, or the daemon with\n"
    "api.listen set).  create prints the new token once, alone on its last\n"
    "line: only its SHA-256 is stored, so it cannot be shown again.  --org\n"
    "scopes it to one organisation (it sees no other); --read-only allows\n"
    "only reads.  revoke takes effect on the next request.\n";

static int create(cli_ctx *ctx, int argc, char **argv)
{
    const char *name = NULL, *org = NULL;
    int ro = 0;
    for (int i = 2; i < argc; i++) {
        if (str_eq(argv[i], "--org") && i + 1 < argc)
            org = argv[++i];
        else if (str_eq(argv[i], "--read-only"))
            ro = 1;
        else if (argv[i][0] == '-')
            return cli_usage_error(USAGE, "unknown option %s", argv[i]);
        else if (!name)
            name = argv[i];
        else
            return cli_usage_error(USAGE, "unexpected argument %s", argv[i]);
    }
    if (!name || !*name || strlen(name) > 100)
        return cli_usage_error(USAGE, "token create needs a NAME (1..100 bytes)");
    atsb_error err = ATSB_ERROR_INIT;
    char token[API_TOKEN_LEN + 1];
    if (cli_open_store(ctx, &err) || api_token_create(ctx->st, name, org, ro, token, &err))
        return cli_fail(&err);
    store_audit(ctx->st, 0, "token.create", name, org, NULL);
    printf("created token %s%s%s%s; it is shown only now:\n%s\n", name, org ? " for " : "",
           org ? org : "", ro ? " (read-only)" : "", token);
    return 0;
}

static int list_one(const store_token *t, void *payload)
{
    json_object *arr = payload;
    if (arr) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(t->name));
        json_object_object_add(o, "org", t->org_id ? json_object_new_string(t->org_slug) : NULL);
        json_object_object_add(o, "read_only", json_object_new_boolean(t->read_only));
        json_object_object_add(o, "created_at", json_object_new_int64(t->created_at));
        json_object_object_add(o, "last_used_at", json_object_new_int64(t->last_used_at));
        json_object_object_add(o, "revoked", json_object_new_boolean(t->revoked_at != 0));
        json_object_array_add(arr, o);
        return 0;
    }
    char made[32], used[32] = "never";
    time_format_iso(t->created_at, made, sizeof(made));
    if (t->last_used_at)
        time_format_iso(t->last_used_at, used, sizeof(used));
    printf("%-24s %-16s %-10s %-8s created %s, last used %s\n", cli_esc(t->name),
           t->org_id ? t->org_slug : "(all orgs)", t->read_only ? "read-only" : "read-write",
           t->revoked_at ? "revoked" : "active", made, used);
    return 0;
}

int cmd_token(cli_ctx *ctx, int argc, char **argv)
{
    atsb_error err = ATSB_ERROR_INIT;
    if (argc < 2 || cli_is_help(argv[1]))
        return argc < 2 ? cli_usage_error(USAGE, "missing sub-command") : cli_help(USAGE);
    for (int i = 2; i < argc; i++)
        if (cli_is_help(argv[i]))
            return cli_help(USAGE);
    if (str_eq(argv[1], "create"))
        return create(ctx, argc, argv);
    if (str_eq(argv[1], "list")) {
        int json = argc == 3 && str_eq(argv[2], "--json");
        if (argc > 2 && !json)
            return cli_usage_error(USAGE, "unexpected argument %s", argv[2]);
        json_object *arr = json ? json_object_new_array() : NULL;
        if (cli_open_store(ctx, &err) || store_token_each(ctx->st, list_one, arr, &err)) {
            json_object_put(arr);
            return cli_fail(&err);
        }
        if (arr)
            cli_print_json(arr);
        return 0;
    }
    if (str_eq(argv[1], "revoke")) {
        if (argc != 3)
            return cli_usage_error(USAGE, "token revoke needs exactly NAME");
        if (cli_open_store(ctx, &err) || store_token_revoke(ctx->st, argv[2], &err))
            return cli_fail(&err);
        store_audit(ctx->st, 0, "token.revoke", argv[2], NULL, NULL);
        printf("revoked token %s\n", argv[2]);
        return 0;
    }
    return cli_usage_error(USAGE, "unknown sub-command \"%s\"", argv[1]);
}
