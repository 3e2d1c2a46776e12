/* Shared plumbing for the sub-commands: global options, lazy loading of
 * config / store / plugins, error printing and exit codes. */
#ifndef ATSB_CORE_CLI_H
#define ATSB_CORE_CLI_H

#include <json-c/json.h>

#include "base/config.h"
#include "plugin/plugin.h"
#include "store/store.h"

/* Documented exit codes (README "Exit codes"). */
enum {
    EXIT_OK_ = 0,
    EXIT_FAILURE_ = 1,     /* the operation failed (see message) */
    EXIT_USAGE = 2,        /* bad command line */
    EXIT_CONFIG = 3,       /* bad config file or connector settings */
    EXIT_NOT_FOUND = 4,    /* no such org, job, connector, candidate */
    EXIT_CONFLICT = 5,     /* already exists / org already connected */
    EXIT_AUTH = 6,         /* the ATS rejected the credentials */
    EXIT_UNAVAILABLE = 7,  /* the ATS is unreachable or rate limiting: retry later */
    EXIT_STORE = 8,        /* the database failed */
    EXIT_BUSY = 9          /* another sync holds this org */
};

typedef struct cli_ctx {
    const char *config_path;
    const char *db_path;
    const char *plugin_dir;
    int no_isolation;          /* --no-isolation: tasks in this process */
    config cfg;
    int cfg_loaded;
    store *st;
    plugin_registry reg;
    int reg_loaded;
} cli_ctx;

typedef int (*cli_cmd_fn)(cli_ctx *ctx, int argc, char **argv);

int cli_load_config(cli_ctx *ctx, atsb_error *err);
int cli_open_store(cli_ctx *ctx, atsb_error *err);
int cli_load_plugins(cli_ctx *ctx, atsb_error *err);
void cli_ctx_free(cli_ctx *ctx);

/* Print "atsbridge: error: <message>" to stderr and return the exit code
 * for err->code. */
int cli_fail(const atsb_error *err);
int cli_usage_error(const char *usage, const char *fmt, ...) ATSB_PRINTF(2, 3);
int cli_exit_code(int status);
int cli_is_help(const char *arg);
/* Print usage to stdout (for --help) and return 0. */
int cli_help(const char *usage);
void cli_print_json(json_object *obj); /* prints and releases obj */
/* s made safe for a terminal (control characters and stray bytes shown as
 * \xHH): every stored string that came from an import or an ATS goes
 * through this in text output.  NULL stays NULL; the result lives until
 * 16 more calls. */
const char *cli_esc(const char *s);

int cli_valid_slug(const char *s);
int cli_setting_is_secret(const plugin *p, const char *name);

json_object *cli_counts_json(const store_run_counts *c);

int cmd_plugins(cli_ctx *ctx, int argc, char **argv);
int cmd_org(cli_ctx *ctx, int argc, char **argv);
int cmd_connect(cli_ctx *ctx, int argc, char **argv);
int cmd_check(cli_ctx *ctx, int argc, char **argv);
int cmd_disconnect(cli_ctx *ctx, int argc, char **argv);
int cmd_sync(cli_ctx *ctx, int argc, char **argv);
int cmd_jobs(cli_ctx *ctx, int argc, char **argv);
int cmd_status(cli_ctx *ctx, int argc, char **argv);
int cmd_audit(cli_ctx *ctx, int argc, char **argv);
int cmd_candidates(cli_ctx *ctx, int argc, char **argv);
int cmd_outbox(cli_ctx *ctx, int argc, char **argv);
int cmd_daemon(cli_ctx *ctx, int argc, char **argv);
int cmd_resume(cli_ctx *ctx, int argc, char **argv);
int cmd_location(cli_ctx *ctx, int argc, char **argv);
int cmd_token(cli_ctx *ctx, int argc, char **argv);
int cmd_store(cli_ctx *ctx, int argc, char **argv);
int cmd_serve(cli_ctx *ctx, int argc, char **argv);

#endif
