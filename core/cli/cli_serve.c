#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "base/log.h"
#include "cli/cli.h"
#include "sync/runstate.h"
#include "base/util.h"

static const char USAGE[] =
    "usage: atsbridge serve [--listen HOST:PORT]\n"
    "\n"
    "Serve the platform API alone (no scheduled syncs or deliveries: run the\n"
    "daemon for those, or set api.listen to have the daemon serve it too).\n"
    "--listen defaults to api.listen, else 127.0.0.1:7600; port 0 picks a\n"
    "free port.  Prints \"listening on URL\" once ready.  Requests need a\n"
    "token (atsbridge token create).  SIGTERM/SIGINT stop it.\n"
    "TLS: put it behind a reverse proxy (README, \"Talking to atsbridge\n"
    "from your platform\").\n";

static void on_stop(int sig)
{
    (void)sig;
    runstate_request_stop();
}

int cmd_serve(cli_ctx *ctx, int argc, char **argv)
{
    const char *listen = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i]))
            return cli_help(USAGE);
        if (str_eq(argv[i], "--listen") && i + 1 < argc)
            listen = argv[++i];
        else
            return cli_usage_error(USAGE, "unexpected argument %s", argv[i]);
    }
    atsb_error err = ATSB_ERROR_INIT;
    if (cli_open_store(ctx, &err) || cli_load_plugins(ctx, &err))
        return cli_fail(&err);
    if (!listen)
        listen = ctx->cfg.api_listen ? ctx->cfg.api_listen : "127.0.0.1:7600";
    if (log_get_level() < ATSB_LOG_INFO)
        log_set_level(ATSB_LOG_INFO);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    api_server *s = NULL;
    if (api_start(&s, listen, &ctx->cfg, &ctx->reg, &err))
        return cli_fail(&err);
    printf("listening on %s\n", api_base_url(s));
    fflush(stdout);
    while (!runstate_stop_requested()) {
        struct timespec ts = { 0, 100 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    api_stop(s);
    log_info("api", "stopped");
    return 0;
}
