#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "plugin/conn.h"
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

/* What `status` keeps of a check: "passed", "passed; warnings: ..." or
 * "failed: ..." (malloc'd; NULL when out of memory). */
static char *check_result(const conn *c, int rc, const atsb_error *err)
{
    if (rc)
        return str_printf("failed: %s", err->message);
    const char *warn = c ? conn_check_warnings(c) : NULL;
    return warn ? str_printf("passed; warnings: %s", warn) : str_dup("passed");
}

int cmd_connect(cli_ctx *ctx, int argc, char **argv)
{
    atsb_error err = ATSB_ERROR_INIT;
    store_setting *sets = NULL;
    size_t n = 0;
    const char *pos[2] = { NULL, NULL };
    int npos = 0, check = 1, rc = 0;
    conn *c = NULL;
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
    if ((rc = cli_open_store(ctx, &err)) || (rc = store_org_get(ctx->st, pos[0], &o, &err)))
        goto fail;
    /* Refuse before talking to any ATS: the one-connection rule is checked
     * here for a clear message and enforced again by UNIQUE(org_id). */
    store_conn existing;
    if (store_conn_get(ctx->st, o.id, &existing, NULL) == ATSB_OK) {
        err_set(&err, CORE_ERR_CONFLICT,
                "organisation %s is already connected to %s; an organisation can have only "
                "one ATS connection (run `atsbridge disconnect %s` first)",
                o.slug, existing.connector, o.slug);
        store_conn_free(&existing);
        rc = CORE_ERR_CONFLICT;
        goto fail;
    }
    if ((rc = cli_load_plugins(ctx, &err)))
        goto fail;
    const plugin *p = plugin_registry_find(&ctx->reg, pos[1]);
    if (!p) {
        rc = err_set(&err, ATSB_ERR_NOT_FOUND,
                     "no connector named \"%s\" in %s (see atsbridge plugins list)", pos[1],
                     ctx->reg.dir);
        goto fail;
    }
    if ((rc = conn_open(&c, p, sets, n, &ctx->cfg, o.slug, &err)))
        goto fail;
    if (check && (rc = conn_check(c, &err))) {
        char msg[ATSB_ERROR_MESSAGE_MAX];
        str_copy(msg, sizeof(msg), err.message);
        err_set(&err, rc, "connection check failed, nothing stored: %s", msg);
        goto fail;
    }
    if ((rc = store_conn_add(ctx->st, o.id, p->desc.name, sets, n, &err)))
        goto fail;
    store_audit(ctx->st, o.id, "connect", p->desc.name, check ? "checked" : "not checked",
                NULL);
    const char *warn = check ? conn_check_warnings(c) : NULL;
    if (check) {
        char *result = check_result(c, ATSB_OK, &err);
        /* The connection is stored: a failure to note the check is not the
         * connect's failure, only a line less in `status`. */
        store_conn_set_check(ctx->st, o.id, result, time_now(), NULL);
        free(result);
    }
    printf("connected %s to %s%s%s%s\n", o.slug, p->desc.name,
           check ? " (check passed)" : "", warn ? "; warnings: " : "", warn ? warn : "");
    rc = 0;
    goto done;
fail:
    rc = cli_fail(&err);
done:
    conn_close(c);
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
    store_conn sc;
    store_org o;
    conn *c = NULL;
    char *result = NULL;
    int rc;
    memset(&sc, 0, sizeof(sc));
    if (argc == 2 && cli_is_help(argv[1]))
        return cli_help(USAGE);
    if (argc != 2 || argv[1][0] == '-')
        return cli_usage_error(USAGE, "check needs exactly ORG");
    if ((rc = cli_open_store(ctx, &err)) || (rc = store_org_get(ctx->st, argv[1], &o, &err)) ||
        (rc = store_conn_get(ctx->st, o.id, &sc, &err)) || (rc = cli_load_plugins(ctx, &err)))
        goto fail;
    const plugin *p = plugin_registry_find(&ctx->reg, sc.connector);
    if (!p) {
        rc = err_set(&err, ATSB_ERR_NOT_FOUND, "connector %s is not loaded from %s",
                     sc.connector, ctx->reg.dir);
        goto fail;
    }
    if ((rc = conn_open(&c, p, sc.settings, sc.n_settings, &ctx->cfg, o.slug, &err)) ||
        (rc = conn_check(c, &err))) {
        result = check_result(c, rc, &err);
        store_conn_set_check(ctx->st, o.id, result, time_now(), NULL);
        store_audit(ctx->st, o.id, "connection.checked", sc.connector, result, NULL);
        goto fail;
    }
    result = check_result(c, ATSB_OK, &err);
    if ((rc = store_conn_set_check(ctx->st, o.id, result, time_now(), &err)))
        goto fail;
    store_audit(ctx->st, o.id, "connection.checked", sc.connector, result, NULL);
    printf("%s: %s check %s\n", o.slug, sc.connector, result ? result : "passed");
    rc = 0;
    goto done;
fail:
    rc = cli_fail(&err);
done:
    free(result);
    conn_close(c);
    store_conn_free(&sc);
    return rc;
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
