#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "plugin/conn_setup.h"
#include "base/util.h"

static const char USAGE[] =
    "usage: atsbridge connect ORG CONNECTOR --set KEY=VALUE ... [--no-check]\n"
    "       atsbridge check ORG\n"
    "       atsbridge disconnect ORG\n"
    "\n"
    "connect validates the settings against the connector's schema (see\n"
    "`atsbridge plugins show CONNECTOR`), runs the connector's check against the\n"
    "ATS, and stores the connection.  An organisation has at most one ATS.\n"
    "Secret values may be given inline or as env:NAME / file:PATH references,\n"
    "which are resolved each time they are used.  --no-check skips the check.\n"
    "A check that passes may still warn (an optional permission the credentials\n"
    "lack); a failed one names every operation they cannot reach.\n"
    "\n"
    "check runs the connector's check again for a stored connection (after the\n"
    "ATS admin changed a permission, say).  Each check's outcome is kept and\n"
    "shown by `atsbridge status`.\n"
    "\n"
    "disconnect removes the connection; the org's jobs stay, archived.\n";

int cmd_connect(cli_ctx *ctx, int argc, char **argv)
{
    atsb_error err = ATSB_ERROR_INIT;
    store_setting *sets = NULL;
    size_t n = 0;
    const char *pos[2] = { NULL, NULL };
    int npos = 0, check = 1, rc = 0;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            rc = cli_help(USAGE);
            goto done;
        }
        if (str_eq(argv[i], "--set")) {
            if (++i >= argc) {
                rc = cli_usage_error(USAGE, "--set needs KEY=VALUE");
                goto done;
            }
            char *eq = strchr(argv[i], '=');
            if (!eq || eq == argv[i]) {
                rc = cli_usage_error(USAGE, "--set %.*s: expected KEY=VALUE",
                                     (int)strcspn(argv[i], "="), argv[i]);
                goto done;
            }
            store_setting *g = realloc(sets, (n + 1) * sizeof(*g));
            if (!g) {
                rc = EXIT_FAILURE_;
                goto done;
            }
            sets = g;
            sets[n].name = str_ndup(argv[i], (size_t)(eq - argv[i]));
            sets[n].value = str_dup(eq + 1);
            n++;
        } else if (str_eq(argv[i], "--no-check")) {
            check = 0;
        } else if (argv[i][0] == '-') {
            rc = cli_usage_error(USAGE, "unknown option %s", argv[i]);
            goto done;
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            rc = cli_usage_error(USAGE, "unexpected argument %s", argv[i]);
            goto done;
        }
    }
    if (npos != 2) {
        rc = cli_usage_error(USAGE, "connect needs ORG and CONNECTOR");
        goto done;
    }
    store_org o;
    char *warn = NULL;
    if ((rc = cli_open_store(ctx, &err)) || (rc = store_org_get(ctx->st, pos[0], &o, &err)) ||
        (rc = cli_load_plugins(ctx, &err)) ||
        (rc = conn_setup_connect(ctx->st, &ctx->reg, &ctx->cfg, &o, pos[1], sets, n, check,
                                 &warn, &err)))
        goto fail;
    printf("connected %s to %s%s%s%s\n", o.slug, pos[1], check ? " (check passed)" : "",
           warn ? "; warnings: " : "", warn ? warn : "");
    free(warn);
    rc = 0;
    goto done;
fail:
    rc = cli_fail(&err);
done:
    for (size_t i = 0; i < n; i++) {
        free(sets[i].name);
        free(sets[i].value);
    }
    free(sets);
    return rc;
}

int cmd_check(cli_ctx *ctx, int argc, char **argv)
{
    atsb_error err = ATSB_ERROR_INIT;
    store_org o;
    char *result = NULL;
    int rc;
    if (argc == 2 && cli_is_help(argv[1]))
        return cli_help(USAGE);
    if (argc != 2 || argv[1][0] == '-')
        return cli_usage_error(USAGE, "check needs exactly ORG");
    if ((rc = cli_open_store(ctx, &err)) || (rc = store_org_get(ctx->st, argv[1], &o, &err)) ||
        (rc = cli_load_plugins(ctx, &err)) ||
        (rc = conn_setup_recheck(ctx->st, &ctx->reg, &ctx->cfg, &o, &result, &err))) {
        free(result);
        return cli_fail(&err);
    }
    store_conn sc;
    char name[64] = "connection";
    if (store_conn_get(ctx->st, o.id, &sc, NULL) == ATSB_OK) {
        str_copy(name, sizeof(name), sc.connector);
        store_conn_free(&sc);
    }
    printf("%s: %s check %s\n", o.slug, name, result ? result : "passed");
    free(result);
    return 0;
}

int cmd_disconnect(cli_ctx *ctx, int argc, char **argv)
{
    atsb_error err = ATSB_ERROR_INIT;
    if (argc == 2 && cli_is_help(argv[1]))
        return cli_help(USAGE);
    if (argc != 2 || argv[1][0] == '-')
        return cli_usage_error(USAGE, "disconnect needs exactly ORG");
    store_org o;
    store_conn c;
    int rc = cli_open_store(ctx, &err);
    if (!rc)
        rc = store_org_get(ctx->st, argv[1], &o, &err);
    if (!rc)
        rc = store_conn_get(ctx->st, o.id, &c, &err);
    if (rc)
        return cli_fail(&err);
    char name[64];
    str_copy(name, sizeof(name), c.connector);
    store_conn_free(&c);
    if ((rc = store_conn_delete(ctx->st, o.id, &err)))
        return cli_fail(&err);
    store_audit(ctx->st, o.id, "disconnect", name, NULL, NULL);
    printf("disconnected %s from %s; its jobs are archived\n", o.slug, name);
    return 0;
}
