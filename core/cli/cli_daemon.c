#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "daemon/daemon.h"
#include "base/log.h"
#include "base/util.h"

static const char USAGE[] =
    "usage: atsbridge daemon [--once] [--tick SECONDS]\n"
    "       atsbridge resume ORG\n"
    "\n"
    "daemon runs in the foreground (systemd: conf/atsbridge.service): every\n"
    "connected org's jobs are synced every sync.jobs_interval (or the org's own\n"
    "interval, atsbridge org set ORG --jobs-interval 1h), each org on its own\n"
    "slot of the interval; candidates reaching the trigger are pushed within\n"
    "seconds; sync.workers orgs are handled in parallel, each for a bounded turn\n"
    "(sync.push_batch pushes, sync.pages_per_turn job pages).  Each org's task is\n"
    "leased in the store (sync.lease), so daemons may share one store.\n"
    "A connection whose credentials fail is paused (needs_attention) until\n"
    "fixed; repeated passing failures open a circuit breaker that retries with\n"
    "a growing wait.\n"
    "SIGTERM/SIGINT finish or roll back the page or push in flight and exit;\n"
    "SIGHUP reloads the config and rescans the plugin directory.\n"
    "--once exits when nothing is due (for scripts and the demo).\n"
    "With api.listen set it also serves the platform API (atsbridge serve).\n"
    "\n"
    "resume clears needs_attention and the circuit breaker for ORG after its\n"
    "problem was fixed.\n";

int cmd_daemon(cli_ctx *ctx, int argc, char **argv)
{
    daemon_opts o = { ctx->config_path, ctx->db_path, ctx->plugin_dir, 0.25, 0, ctx->no_isolation };
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i]))
            return cli_help(USAGE);
        if (str_eq(argv[i], "--once")) {
            o.exit_when_idle = 1;
        } else if (str_eq(argv[i], "--tick")) {
            long ms;
            if (++i >= argc || str_to_long(argv[i], &ms) < 0 || ms < 1 || ms > 3600)
                return cli_usage_error(USAGE, "--tick needs whole seconds 1..3600");
            o.tick_s = (double)ms;
        } else {
            return cli_usage_error(USAGE, "unexpected argument %s", argv[i]);
        }
    }
    atsb_error err = ATSB_ERROR_INIT;
    /* The daemon logs at info by default: it is the operator's record. */
    if (cli_load_config(ctx, &err))
        return cli_fail(&err);
    if (log_get_level() < ATSB_LOG_INFO)
        log_set_level(ATSB_LOG_INFO);
    if (daemon_run(&o, &err))
        return cli_fail(&err);
    return 0;
}

int cmd_resume(cli_ctx *ctx, int argc, char **argv)
{
    if (argc == 2 && cli_is_help(argv[1]))
        return cli_help(USAGE);
    if (argc != 2 || argv[1][0] == '-')
        return cli_usage_error(USAGE, "resume needs exactly ORG");
    atsb_error err = ATSB_ERROR_INIT;
    store_org o;
    store_conn c;
    if (cli_open_store(ctx, &err) || store_org_get(ctx->st, argv[1], &o, &err) ||
        store_conn_get(ctx->st, o.id, &c, &err))
        return cli_fail(&err);
    store_conn_free(&c);
    if (store_conn_set_state(ctx->st, o.id, "ok", NULL, &err) ||
        store_conn_set_breaker(ctx->st, o.id, 0, 0, NULL, &err))
        return cli_fail(&err);
    store_audit(ctx->st, o.id, "connection.resumed", NULL, NULL, NULL);
    printf("%s: connection resumed; the daemon syncs it again\n", o.slug);
    return 0;
}
