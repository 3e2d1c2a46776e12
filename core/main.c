/* atsbridge: keeps each organisation's ATS as the system of record and
 * syncs jobs in and candidates out through dlopen'd connectors. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cands/profile.h"
#include "cli/cli.h"
#include "daemon/task_run.h"
#include "net/http.h"
#include "base/log.h"
#include "base/util.h"

/* Where an installed atsbridge looks for its config (make install
 * SYSCONFDIR); the same default as config.c. */
#ifdef SYSCONFDIR
#define SYSCONFDIR_TEXT SYSCONFDIR
#else
#define SYSCONFDIR_TEXT "/etc"
#endif

static const char USAGE[] =
    "usage: atsbridge [GLOBAL OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  plugins list|show       connectors in the plugin directory, refused files\n"
    "  org add|list|show       organisations\n"
    "  connect ORG CONNECTOR   connect an org to its ATS (one per org)\n"
    "  check ORG               run the connection check again; status keeps it\n"
    "  disconnect ORG          remove an org's ATS connection\n"
    "  sync jobs ORG|--all     pull jobs from the ATS now\n"
    "  jobs list|show|activate|deactivate   the jobs pulled in\n"
    "  status [ORG]            connection health, last runs, next sync\n"
    "  audit ORG               the organisation's audit log\n"
    "  candidates import|set-status|list|show   candidate intake\n"
    "  sync candidates ORG|--all   push queued candidates to the ATS now\n"
    "  outbox list|retry       the candidate-push outbox, dead letters\n"
    "  daemon                  run the scheduled syncs and deliveries\n"
    "  serve [--listen H:P]    serve the platform API alone\n"
    "  token create|list|revoke   API tokens\n"
    "  store check|migrate|copy   the store's schema; copy SQLite <-> PostgreSQL\n"
    "  resume ORG              clear needs_attention / the circuit breaker\n"
    "  location explain TEXT   why a location is judged US or not\n"
    "\n"
    "global options (before or after the command):\n"
    "  -c, --config PATH       config file (default: conf/atsbridge.conf in a\n"
    "                          source tree, else " SYSCONFDIR_TEXT "/atsbridge/atsbridge.conf)\n"
    "  --db PATH|URL           store path or postgresql:// URL, overrides\n"
    "                          store.path and store.url\n"
    "  --plugin-dir DIR        connector directory, overrides plugins.dir\n"
    "  --no-isolation          run syncs inside this process, not each in a\n"
    "                          child (isolation.enabled = false; debugging)\n"
    "  -v, --verbose           log at info level (twice: debug)\n"
    "  --version               print the version and the connector ABI\n"
    "  -h, --help              this text; COMMAND --help for a command's\n"
    "\n"
    "exit codes: 0 ok, 1 failed, 2 usage, 3 config, 4 not found, 5 conflict,\n"
    "            6 ATS auth failed, 7 ATS unavailable, 8 store, 9 busy\n";

typedef struct command {
    const char *name;
    cli_cmd_fn fn;
} command;

static const command COMMANDS[] = {
    { "plugins", cmd_plugins },
    { "org", cmd_org },
    { "connect", cmd_connect },
    { "check", cmd_check },
    { "disconnect", cmd_disconnect },
    { "sync", cmd_sync },
    { "jobs", cmd_jobs },
    { "status", cmd_status },
    { "audit", cmd_audit },
    { "location", cmd_location },
    { "candidates", cmd_candidates },
    { "outbox", cmd_outbox },
    { "daemon", cmd_daemon },
    { "resume", cmd_resume },
    { "serve", cmd_serve },
    { "token", cmd_token },
    { "store", cmd_store },
};

/* Pull global options out of argv wherever they appear, so
 * `atsbridge org list --db x` and `atsbridge --db x org list` both work. */
static int take_globals(cli_ctx *ctx, int *argc, char **argv, int *verbose)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (str_eq(a, "-c") || str_eq(a, "--config"))
            slot = &ctx->config_path;
        else if (str_eq(a, "--db"))
            slot = &ctx->db_path;
        else if (str_eq(a, "--plugin-dir"))
            slot = &ctx->plugin_dir;
        if (slot) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "atsbridge: usage error: %s needs a value\n", a);
                return -1;
            }
            *slot = argv[++i];
            continue;
        }
        if (strncmp(a, "--config=", 9) == 0) { ctx->config_path = a + 9; continue; }
        if (strncmp(a, "--db=", 5) == 0) { ctx->db_path = a + 5; continue; }
        if (strncmp(a, "--plugin-dir=", 13) == 0) { ctx->plugin_dir = a + 13; continue; }
        if (str_eq(a, "--no-isolation")) { ctx->no_isolation = 1; continue; }
        if (str_eq(a, "-v") || str_eq(a, "--verbose")) { (*verbose)++; continue; }
        if (str_eq(a, "-vv")) { *verbose += 2; continue; }
        argv[out++] = argv[i];
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

/* A core dump of ours would hold connection secrets, OAuth tokens and
 * candidates' personal data, readable by whoever reads the dump directory;
 * a non-dumpable process also cannot be ptrace'd or have its /proc/PID/mem
 * read by other processes of the same user.  Done first, before any
 * secret is loaded.  ATSBRIDGE_CORE_DUMPS=1 keeps them, for debugging
 * (docs/design.md). */
static void no_core_dumps(void)
{
    const char *keep = getenv("ATSBRIDGE_CORE_DUMPS");
    if (keep && str_eq(keep, "1"))
        return;
    struct rlimit rl = { 0, 0 };
    if (setrlimit(RLIMIT_CORE, &rl) != 0)
        perror("atsbridge: setrlimit(RLIMIT_CORE)");
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        perror("atsbridge: prctl(PR_SET_DUMPABLE)");
}

int main(int argc, char **argv)
{
    no_core_dumps();
    setlocale(LC_ALL, "C");
    /* Internal: the bounded child of profile_render/profile_check_resume.
     * Not a command: its input is a binary job on stdin. */
    if (argc == 2 && str_eq(argv[1], "__profile-child"))
        return profile_child_main();
    /* Internal: one isolated task of the daemon or `sync` (task_run.h). */
    if (argc == 2 && str_eq(argv[1], "__task-child"))
        return task_child_main();
    cli_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    int verbose = 0;
    if (take_globals(&ctx, &argc, argv, &verbose) < 0)
        return EXIT_USAGE;
    log_set_level(verbose >= 2 ? ATSB_LOG_DEBUG : verbose == 1 ? ATSB_LOG_INFO : ATSB_LOG_WARN);
    if (argc < 2)
        return cli_usage_error(USAGE, "missing command");
    if (cli_is_help(argv[1]) || str_eq(argv[1], "help"))
        return cli_help(USAGE);
    if (str_eq(argv[1], "--version") || str_eq(argv[1], "version")) {
        printf("atsbridge %s (connector ABI %d.%d)\n", ATSB_VERSION, ATSB_ABI_MAJOR,
               ATSB_ABI_MINOR);
        return 0;
    }
    for (size_t i = 0; i < ARRAY_LEN(COMMANDS); i++) {
        if (str_eq(argv[1], COMMANDS[i].name)) {
            http_global_init();
            int rc = COMMANDS[i].fn(&ctx, argc - 1, argv + 1);
            cli_ctx_free(&ctx);
            http_global_cleanup();
            return rc;
        }
    }
    return cli_usage_error(USAGE, "unknown command \"%s\"", argv[1]);
}
